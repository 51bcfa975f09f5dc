"""What a function can do to a request, read from its facts: which callable a call inside it reaches, whether
it can reject (raise, itself or through the project functions it calls, or call a verifying library), and
whether it reads a credential. Pure questions over the project index, memoised per index.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import CredentialRead, Func
from routeguard_lint.project.arguments import bind_args
from routeguard_lint.project.index import (
    UNKNOWN,
    ClassV,
    Ctx,
    ExternalV,
    FuncV,
    Index,
    InstanceV,
    UnknownV,
    Value,
    is_abstract,
)
from routeguard_lint.vocabulary import (
    SCHEME_NAMES,
    Source,
    is_credential,
    is_credential_setting,
    is_fastapi_name,
    is_proxy_identity,
    is_verifying_call,
)

MAX_CALL_DEPTH = 8  # nested project calls `can_reject` follows
READ_DEPTH = 3  # nested project calls `reads_credential` and `reads_request` follow
MAX_OVERRIDES = 8  # the overrides of an abstract method `reads_request` looks into


def callee(index: Index, call: ir.Call, ctx: Ctx, func: Func,
           resolve: Callable[[ir.Expr, Ctx], Value] | None = None) -> Value:
    """The callable a call inside `func` reaches: `self.method(...)` through the class, a class through its
    `__init__`, anything else as the index resolves it (`resolve`: `index.resolve`, or a memo of it)."""
    f = call.func
    if isinstance(f, ir.Attr) and isinstance(f.value, ir.Name) and f.value.id in ("self", "cls") \
            and func.class_name:
        owner = ClassV(ctx.module, func.class_name)
        found = index.class_attr(owner, f.attr)
        # a mixin's method calling what the class it is mixed into defines: the object's class's
        return index.subclass_attr(owner, f.attr) if isinstance(found, UnknownV) else found
    if isinstance(f, ir.Attr) and isinstance(f.value, ir.Call) and ir.dotted(f.value.func) == "super" \
            and not f.value.args and func.class_name:
        # super().method(...) in a method of C: the method of the next class of C's MRO that defines it
        owner = ClassV(ctx.module, func.class_name)
        mro = index.mro(owner)
        for base in mro[1:] if mro and mro[0] == owner else ():
            found = index.class_attr(base, f.attr)
            if isinstance(found, FuncV):
                return found
        return UNKNOWN
    value = (resolve or index.resolve)(f, ctx)
    if isinstance(value, ClassV):
        init = index.class_attr(value, "__init__")
        return init if isinstance(init, FuncV) else UNKNOWN
    if isinstance(value, InstanceV) and isinstance(value.cls, ClassV):
        # calling an object of a project class runs its `__call__` (`check = Checker(key); check(request)`)
        method = index.class_attr(value.cls, "__call__")
        if isinstance(method, FuncV):
            return method
    return value


def mentions_auth_state(expr: ir.Expr) -> bool:
    """`request.user.is_authenticated`, `request.auth`, `"authenticated" in request.auth.scopes`: what
    Starlette's AuthenticationMiddleware sets."""
    text = ir.show(expr, 400)
    return ".user.is_authenticated" in text or ".auth.scopes" in text or re.search(r"\brequest\.auth\b", text) \
        is not None


def credential_read(read: CredentialRead) -> bool:
    """A `request.headers[...]` / `.cookies[...]` / `.session[...]` read of a credential."""
    return is_credential(Source(read.source), read.key)


def _reads_credential(func: Func) -> bool:
    """The function's own code reads a credential, or branches on what an authentication middleware set."""
    if any(credential_read(read) for read in func.credential_reads):
        return True
    tests = [*(r.conditions for r in func.raises), *(r.conditions for r in func.returns)]
    return any(mentions_auth_state(c) or _membership_read(c) for conditions in tests for c in conditions)


def _membership_read(test: ir.Expr, depth: int = 0) -> bool:
    """`"authorization" in request.headers`, `settings.SESSION_COOKIE not in request.cookies` (in a test, or in
    a part of one): whether the request carries a credential header or cookie, its name a literal or a setting
    whose name says it names one."""
    if depth > 6:
        return False
    if isinstance(test, ir.Not):
        return _membership_read(test.value, depth + 1)
    if isinstance(test, ir.BoolOp):
        return any(_membership_read(part, depth + 1) for part in test.values)
    if not (isinstance(test, ir.Compare) and len(test.ops) == 1 and test.ops[0] in ("in", "not in")):
        return False
    where, key = test.comparators[0], test.left
    if not (isinstance(where, ir.Attr) and where.attr in ("headers", "cookies")):
        return False
    if isinstance(key, ir.Str):
        return is_credential(Source(where.attr), key.value.lower())
    name = key.attr if isinstance(key, ir.Attr) else key.id if isinstance(key, ir.Name) else None
    return name is not None and is_credential_setting(name)


def _carrier(expr: ir.Expr, carried: dict[str, str] | None = None) -> str | None:
    """"headers" / "cookies" for `<x>.headers` / `<x>.cookies` (or `dict(...)` of one, or a parameter in
    `carried` that holds one) handed to a function."""
    if isinstance(expr, ir.Bound):
        expr = expr.expr
    if isinstance(expr, ir.Call) and ir.dotted(expr.func) == "dict" and len(expr.args) == 1 and not expr.kwargs:
        expr = expr.args[0]
    if isinstance(expr, ir.Attr) and expr.attr in ("headers", "cookies") and isinstance(expr.value, ir.Name):
        return expr.attr
    if isinstance(expr, ir.Name) and carried:
        return carried.get(expr.id)
    return None


# functions that call the function given as an argument with the arguments after it (in a worker thread):
# qualified name -> (position of the function, whether keyword arguments are passed on to it)
OFFLOADING = {"anyio.to_thread.run_sync": (0, False), "starlette.concurrency.run_in_threadpool": (0, True),
              "fastapi.concurrency.run_in_threadpool": (0, True), "asyncio.to_thread": (0, True),
              "asyncio.threads.to_thread": (0, True)}


def offloaded(index: Index, call: ir.Call, ctx: Ctx, resolve: Callable[[ir.Expr, Ctx], Value] | None = None
              ) -> ir.Call | None:
    """The call a thread-offloading call makes: `to_thread.run_sync(fn, a, *(b, c))` is `fn(a, b, c)`,
    `loop.run_in_executor(None, fn, a)` is `fn(a)`; None for any other call. A starred tuple or list written
    in the call is spread into its items. `resolve`: `index.resolve`, or a memo of it."""
    f = call.func
    resolve = resolve or index.resolve
    found: tuple[int, bool] | None = None
    if isinstance(f, ir.Attr) and f.attr == "run_in_executor":
        if not isinstance(resolve(f.value, ctx), (ClassV, FuncV)):
            found = (1, False)
    elif isinstance(f, (ir.Name, ir.Attr)):
        target = resolve(f, ctx)
        if isinstance(target, ExternalV):
            found = OFFLOADING.get(target.qualname)
    if found is None:
        return None
    position, keywords = found
    args: list[ir.Expr] = []
    for arg in call.args:
        if isinstance(arg, ir.Star) and isinstance(arg.value, ir.Seq) and arg.value.kind in ("tuple", "list"):
            args.extend(arg.value.items)
        else:
            args.append(arg)
    if len(args) <= position or isinstance(args[position], ir.Star) or \
            any(isinstance(a, ir.Star) for a in args[:position]):
        return None
    return ir.Call(args[position], tuple(args[position + 1:]), call.kwargs if keywords else (), call.line, call.col)


def _reads_request(func: Func) -> bool:
    """The function's own code reads a credential (a query credential too: `websocket.query_params.get(
    "token")`; or one the websocket client sends in its first message), or a header or cookie under a computed
    name."""
    return any(read.key is None or credential_read(read) for read in func.credential_reads) or \
        any(_query_credential(call) for call in func.calls) or _message_credential(func)


def scheme_read(call: ir.Call, target: Value) -> bool:
    """`await oauth2_scheme(request)` in a function's body: a `fastapi.security` scheme object called (with the
    request) reads the credential from it, as FastAPI's call of it as a dependency does."""
    return bool(call.args) and isinstance(target, InstanceV) and isinstance(target.cls, ExternalV) and \
        is_fastapi_name(target.cls.qualname, SCHEME_NAMES)


_RECEIVES = frozenset({"receive_json", "receive_text", "receive_bytes"})


def _message_credential(func: Func) -> bool:
    """`msg = await websocket.receive_json()` (or the text, parsed) and a field named like a credential read of a
    value (`msg["token"]`, `msg.get("token")`): authentication in band, by the client's first message."""
    if not any(isinstance(c.func, ir.Attr) and c.func.attr in _RECEIVES for c in func.calls):
        return False
    exprs: list[ir.Expr] = [*func.calls, *(b.value for b in func.binds)]
    return any(_credential_field(e, 0) for e in exprs)


def _credential_field(expr: ir.Expr, depth: int) -> bool:
    if depth > 10:
        return False
    key: ir.Expr | None = None
    if isinstance(expr, ir.Sub) and len(expr.index) == 1:
        key = expr.index[0]
    elif isinstance(expr, ir.Call) and isinstance(expr.func, ir.Attr) and expr.func.attr == "get" and expr.args:
        key = expr.args[0]
    if isinstance(key, ir.Str) and is_credential(Source.QUERY, key.value):
        return True
    return any(_credential_field(child, depth + 1) for child in ir.children(expr))


def _query_credential(call: ir.Call) -> bool:
    f = call.func
    return isinstance(f, ir.Attr) and f.attr == "get" and isinstance(f.value, ir.Attr) and \
        f.value.attr == "query_params" and bool(call.args) and isinstance(call.args[0], ir.Str) and \
        is_credential(Source.QUERY, call.args[0].value.replace("-", "_"))


class _Shared:
    """The answers every `Calls` of one index shares: each depends only on the index's facts and what is asked
    (never on which route, dependency or stage asks), so computing one again for another stage is waste."""

    def __init__(self) -> None:
        # (id of a call, where it is read, the class of the function it is in, library mode) -> (the call, what it
        # reaches): the walks over a function (can it reject, does it read a credential, sign a token, check a
        # signature, ...) ask about the same calls, once per route; the call is kept so that its id stays its own
        self.callees: dict[tuple[int, Ctx, str | None, bool], tuple[ir.Call, Value]] = {}
        # (function, what is read) -> whether it or a function it calls reads it (`Calls._reads` from a fresh
        # start): the walk from a function is the same whichever route or dependency asks
        self.reads: dict[tuple[FuncV, Callable[[Func], bool], bool], bool] = {}
        # (id of a call, where it is read) -> (the call, the call it hands a function to: `offloaded`)
        self.offloaded: dict[tuple[int, Ctx, bool], tuple[ir.Call, ir.Call | None]] = {}
        # (id of a called expression, where it is read, library mode) -> (the expression, what `Index.resolve`
        # gives it): `callee` and `offloaded` both resolve a call's callable
        self.resolved: dict[tuple[int, Ctx, bool], tuple[ir.Expr, Value]] = {}


_SHARED: weakref.WeakKeyDictionary[Index, _Shared] = weakref.WeakKeyDictionary()


class Calls:
    """Memoised answers about the functions of one project index."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._rejects: dict[FuncV, bool] = {}
        shared = _SHARED.get(index)
        if shared is None:
            shared = _SHARED[index] = _Shared()
        self._callees = shared.callees
        self._identities: dict[FuncV, frozenset[str]] = {}
        self._reads_memo = shared.reads
        self._offloaded = shared.offloaded
        self._resolved = shared.resolved

    def callee(self, call: ir.Call, ctx: Ctx, func: Func) -> Value:
        key = (id(call), ctx, func.class_name, self.index.lib_mode)
        known = self._callees.get(key)
        if known is None:
            known = self._callees[key] = (call, callee(self.index, call, ctx, func, self._resolve))
        return known[1]

    def _resolve(self, expr: ir.Expr, ctx: Ctx) -> Value:
        """`Index.resolve` of a call's callable, once per (expression, context)."""
        key = (id(expr), ctx, self.index.lib_mode)
        known = self._resolved.get(key)
        if known is None:
            known = self._resolved[key] = (expr, self.index.resolve(expr, ctx))
        return known[1]

    def can_reject(self, fv: FuncV, depth: int = 0) -> bool:
        """Whether the function raises (itself or through the project functions it calls), or calls a library
        function that raises on a bad credential."""
        if fv in self._rejects:
            return self._rejects[fv]
        self._rejects[fv] = False  # cycle guard
        func = self.index.func(fv)
        result = False
        if func is not None and depth < MAX_CALL_DEPTH:
            if func.raises:
                result = True
            else:
                ctx = Ctx(fv.module, func.qualname)
                for call in func.calls:
                    target = self.callee(call, ctx, func)
                    if isinstance(target, FuncV) and target != fv and self.can_reject(target, depth + 1):
                        result = True
                        break
                    if isinstance(target, ExternalV) and is_verifying_call(target.qualname):
                        result = True
                        break
        self._rejects[fv] = result
        return result

    def reads_credential(self, fv: FuncV, depth: int = 0, seen: set[FuncV] | None = None) -> bool:
        """The function reads a credential from the request (itself or in a project function it calls), or
        tests what an authentication middleware set (`request.user.is_authenticated`)."""
        return self._reads_from(fv, _reads_credential, depth, seen)

    def reads_request(self, fv: FuncV, depth: int = 0, seen: set[FuncV] | None = None) -> bool:
        """The function reads a credential header or cookie, the session, or a header or cookie under a
        computed name (`request.cookies.get(settings.SESSION_COOKIE)`), itself or in a function it calls: worth
        walking with the credentials missing or forged."""
        return self._reads_from(fv, _reads_request, depth, seen)

    def _reads_from(self, fv: FuncV, reads: Callable[[Func], bool], depth: int, seen: set[FuncV] | None) -> bool:
        """`_reads`; a walk that starts afresh (depth 0, nothing seen) is memoised per function."""
        if depth or seen is not None:
            return self._reads(fv, reads, depth, set() if seen is None else seen)
        key = (fv, reads, self.index.lib_mode)
        known = self._reads_memo.get(key)
        if known is None:
            known = self._reads_memo[key] = self._reads(fv, reads, 0, set())
        return known

    def offloaded(self, call: ir.Call, ctx: Ctx) -> ir.Call | None:
        """`offloaded`, once per (call, context): the walks ask about the same calls again and again."""
        key = (id(call), ctx, self.index.lib_mode)
        known = self._offloaded.get(key)
        if known is None:
            known = self._offloaded[key] = (call, offloaded(self.index, call, ctx, self._resolve))
        return known[1]

    def identity_headers(self, fv: FuncV, depth: int = 0) -> frozenset[str]:
        """The identity headers a proxy in front of the app sets (`remote-user`, `X-Forwarded-Email`) that the
        function reads by a literal name, itself or in a project function it calls (READ_DEPTH calls deep)."""
        known = self._identities.get(fv)
        if known is not None:
            return known
        self._identities[fv] = frozenset()  # cycle guard
        func = self.index.func(fv)
        if func is None or depth > READ_DEPTH:
            return frozenset()
        found = {read.key for read in func.credential_reads
                 if read.source == Source.HEADER.value and read.key and is_proxy_identity(read.key)}
        ctx = Ctx(fv.module, func.qualname)
        for call in func.calls:
            target = self.callee(call, ctx, func)
            if isinstance(target, FuncV) and target != fv:
                found |= self.identity_headers(target, depth + 1)
        self._identities[fv] = result = frozenset(found)
        return result

    def _reads(self, fv: FuncV, reads: Callable[[Func], bool], depth: int, seen: set[FuncV]) -> bool:
        """`reads(func)` holds for the function or for a project function it calls (READ_DEPTH calls deep)."""
        if fv in seen or depth > READ_DEPTH:
            return False
        seen.add(fv)
        func = self.index.func(fv)
        if func is None:
            return False
        if reads(func):
            return True
        ctx = Ctx(fv.module, func.qualname)
        for call in func.calls:
            call = self.offloaded(call, ctx) or call
            target = self.callee(call, ctx, func)
            if scheme_read(call, target):
                return True
            if isinstance(target, FuncV) and (self._reads(target, reads, depth + 1, seen) or
                                              self._carrier_read(call, target, ctx) or
                                              any(self._reads(over, reads, depth + 1, seen)
                                                  for over in self._overrides(call, target, func))):
                return True
        return False

    def _overrides(self, call: ir.Call, target: FuncV, func: Func) -> list[FuncV]:
        """For `self.hook(...)` in a method, where the class's own `hook` is abstract (`@abstractmethod`, a body of
        `raise NotImplementedError`): the overrides of the project classes deriving from it (a few), one of which
        runs, chosen by the object's class. Which one is for the walk to tell; a read in any makes it worth
        walking."""
        f = call.func
        callee = self.index.func(target)
        if not (isinstance(f, ir.Attr) and isinstance(f.value, ir.Name) and func.class_name and func.params and
                f.value.id == func.params[0].name) or callee is None or not is_abstract(callee):
            return []
        out: list[FuncV] = []
        for sub in self.index.subclasses(ClassV(target.module, callee.class_name or ""))[:MAX_OVERRIDES]:
            found = self.index.class_attr(sub, f.attr)
            if isinstance(found, FuncV) and found != target and found not in out:
                out.append(found)
        return out

    def _carrier_read(self, call: ir.Call, target: FuncV, ctx: Ctx, carried_here: dict[str, str] | None = None,
                      depth: int = 0) -> bool:
        """`check(request.headers)` / `check(dict(request.headers))` where `check` reads a credential key from
        that parameter (`headers.get("authorization")`), itself or in a function it hands the parameter on to
        (`carried_here`: the parameters of the calling function that hold such headers)."""
        callee = self.index.func(target)
        if callee is None or depth > READ_DEPTH:
            return False
        env = bind_args(callee, call, ctx, Ctx(target.module), skip_first=callee.class_name is not None and
                        bool(callee.params) and callee.params[0].name in ("self", "cls"))
        carried = {name: source for name, bound in env.names.items()
                   if (source := _carrier(bound, carried_here)) is not None}
        if not carried:
            return False
        for inner in callee.calls:
            f = inner.func
            if isinstance(f, ir.Attr) and f.attr == "get" and isinstance(f.value, ir.Name) and \
                    f.value.id in carried and inner.args and isinstance(inner.args[0], ir.Str) and \
                    is_credential(Source(carried[f.value.id]), inner.args[0].value):
                return True
        inner_ctx = Ctx(target.module, callee.qualname)
        for inner in callee.calls:
            inner = self.offloaded(inner, inner_ctx) or inner
            found = self.callee(inner, inner_ctx, callee)
            if isinstance(found, FuncV) and found != target and \
                    self._carrier_read(inner, found, inner_ctx, carried, depth + 1):
                return True
        return False

    def guards(self, fv: FuncV) -> bool:
        """The function reads a credential and can reject."""
        return self.can_reject(fv) and self.reads_credential(fv)
