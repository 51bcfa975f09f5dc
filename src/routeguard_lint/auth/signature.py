"""Webhooks whose signature is handed, with the request body, to the code that verifies it.

A webhook sender signs the body it posts and sends the signature in a header (`Stripe-Signature`,
`X-Hub-Signature-256`, `Svix-Signature`, ...: `vocabulary.is_signature_header`). A route that hands that
header's value and the raw body (or the request) to a call checks the signature there, or does not:

* the call is a documented verifier (`stripe.Webhook.construct_event`, svix `Webhook.verify`: the
  `[[signature]]` models), or project code that reaches one, or computes an HMAC over the body and compares
  it with `hmac.compare_digest`, and rejects on a mismatch: the route is protected by that signature;
* the call goes to code the analysis cannot read (a processor looked up in a container at run time, a
  `Protocol` method, a library without a model): whether the signature is verified cannot be told, and the
  route is `unverified`, naming that call (never `unprotected`: the verifier may well be there);
* nothing receives both: the signature protects nothing (a header named like one that is only logged).

Calls are followed into project functions with their arguments bound, and into the methods of the objects a
`Depends(f)` parameter holds when `f` returns objects of project classes (`auth.provided`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from routeguard_lint.auth.dynamic import KNOWN, is_abstract
from routeguard_lint.auth.libraries import signature_verifier
from routeguard_lint.auth.provided import ProvidedValues, dependency_of
from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func
from routeguard_lint.project.arguments import bind_args
from routeguard_lint.project.calls import Calls
from routeguard_lint.project.index import ClassV, Ctx, ExternalV, FuncV, Index, InstanceV, ParamV, Value
from routeguard_lint.routes.model import NodeKind, ParamKind, Route, walk
from routeguard_lint.vocabulary import COMPARE_DIGEST, SIGNATURE_CALLS, is_signature_header

MAX_DEPTH = 4
# methods that compute the same value from a signature or a body (`sig.split(",")`, `body.decode()`)
_SAME_VALUE = frozenset({"strip", "lstrip", "rstrip", "split", "rsplit", "partition", "removeprefix", "removesuffix",
                         "replace", "lower", "encode", "decode", "get"})
_BODY_METHODS = frozenset({"body"})
_CALLABLE = (NodeKind.ROUTE, NodeKind.FUNCTION, NodeKind.CLASS, NodeKind.INSTANCE)


@dataclass(frozen=True)
class Handed:
    """What the functions of a route do with a signature header's value and the request body."""

    verified: str | None = None  # "verifies the payload signature with ... (path:line)"
    unknown: tuple[str, ...] = ()  # calls that receive both and that the analysis cannot read, with why

    def __bool__(self) -> bool:
        return self.verified is not None or bool(self.unknown)


_NOTHING = Handed()


@dataclass(frozen=True)
class _Inputs:
    """The names in one function that hold the signature, the body and the request."""

    signature: frozenset[str]
    body: frozenset[str]
    requests: frozenset[str]
    header: str  # the signature header's name, for reasons


class Signatures:
    def __init__(self, index: Index, calls: Calls) -> None:
        self.index = index
        self.calls = calls
        self.provided = ProvidedValues(index)
        self._memo: dict[tuple[FuncV, frozenset[str], frozenset[str], frozenset[str]], Handed] = {}
        self._reads: dict[FuncV, bool] = {}

    def handed(self, route: Route) -> Handed:
        """Where the route's functions hand a signature header's value and the body on (see the module)."""
        if route.root is None:
            return _NOTHING
        unknown: list[str] = []
        for node in walk(route.root):
            if node.kind not in _CALLABLE or node.func is None or node.func_module is None:
                continue
            fv = FuncV(node.func_module, node.func.qualname)
            headers = [(s.param.name, s.alias or s.param.name.replace("_", "-")) for s in node.params
                       if s.kind is ParamKind.HEADER and is_signature_header(s.alias or s.param.name)]
            requests = frozenset(s.param.name for s in node.params if s.kind is ParamKind.REQUEST)
            if not headers and not (requests and self._reads_signature(fv, node.func)):
                continue
            found = self._walk(fv, _Inputs(frozenset(name for name, _h in headers), frozenset(), requests,
                                           headers[0][1] if headers else ""), 0)
            if found.verified is not None:
                return found
            unknown.extend(u for u in found.unknown if u not in unknown)
        return Handed(None, tuple(unknown)) if unknown else _NOTHING

    # -- one function ---------------------------------------------------------------------------------
    def _reads_signature(self, fv: FuncV, func: Func) -> bool:
        """`fv` reads a signature header from a request by a literal name (memoised)."""
        found = self._reads.get(fv)
        if found is None:
            found = self._reads[fv] = any(_header_read(call) is not None for call in func.calls)
        return found

    def _walk(self, fv: FuncV, inputs: _Inputs, depth: int) -> Handed:
        key = (fv, inputs.signature, inputs.body, inputs.requests)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = _NOTHING  # recursion guard
        func = self.index.func(fv)
        found = _NOTHING if func is None else self._read(fv, func, self._locals(func, inputs), depth)
        self._memo[key] = found
        return found

    def _locals(self, func: Func, inputs: _Inputs) -> _Inputs:
        """`inputs` with the locals bound to a signature read from the request (`request.headers.get(
        "X-Hub-Signature-256")`), to the body (`await request.body()`) or to a value computed from either."""
        signature, body, header = set(inputs.signature), set(inputs.body), inputs.header
        for _ in range(3):
            before = len(signature) + len(body)
            for bind in func.binds:
                if "." in bind.name:
                    continue
                read = _header_read(bind.value, inputs.requests)
                if read is not None or _derived(bind.value, signature):
                    signature.add(bind.name)
                    header = header or (read or "")
                elif _body_read(bind.value, inputs.requests) or _derived(bind.value, body):
                    body.add(bind.name)
            if len(signature) + len(body) == before:
                break
        return _Inputs(frozenset(signature), frozenset(body), inputs.requests, header)

    def _read(self, fv: FuncV, func: Func, inputs: _Inputs, depth: int) -> Handed:
        ctx = Ctx(fv.module, func.qualname)
        path = self.index.path_of(fv.module)
        unknown: list[str] = []
        rejects: bool | None = None
        for call in func.calls:
            args = [*call.args, *(value for _key, value in call.kwargs)]
            signed = any(_holds(a, inputs.signature) or _header_read(_plain(a), inputs.requests) for a in args)
            if not signed or not any(_holds(a, inputs.body | inputs.requests) or _body_read(_plain(a), inputs.requests)
                                     for a in args):
                continue
            target = self.calls.callee(call, ctx, func)
            name = self._library_name(target, call, ctx)
            shown = f"`{ir.show(call, 80)}` ({path}:{call.line})"
            if name and SIGNATURE_CALLS.match(name):
                return Handed(f"verifies the payload signature with {name} ({path}:{call.line})")
            verifier = signature_verifier(name) if name else None
            if verifier is not None:
                if rejects is None:
                    rejects = self.calls.can_reject(fv)
                if verifier.raises or rejects:
                    return Handed(f"verifies the payload signature with {name} ({path}:{call.line}; "
                                  f"{verifier.source})")
                continue
            methods = self._methods(call, target, fv, func)
            if methods:
                results = [self._into(call, method, ctx, inputs, depth, shown) for method in methods]
                if all(r.verified is not None for r in results):
                    return results[0]
                unknown.extend(u for r in results for u in r.unknown)
                if any(r.verified is not None for r in results) and not any(r.unknown for r in results):
                    # objects of several classes, chosen at run time: one verifies, another does not
                    unknown.append(f"the signature (header `{inputs.header or '?'}`) and the request body are handed "
                                   f"to {shown}, whose object is chosen at run time: "
                                   + "; ".join(f"{m.module}.{m.qualname} "
                                               f"{'verifies it' if r.verified else 'does not verify it'}"
                                               for m, r in zip(methods, results, strict=True)))
                continue
            why = self._why(target, name)
            if why is not None:
                unknown.append(f"the signature (header `{inputs.header or '?'}`) and the request body are handed "
                               f"to {shown}: {why}")
        if not unknown and self._hmac_compare(func, ctx) and (rejects if rejects is not None
                                                              else self.calls.can_reject(fv)):
            line = next(c.line for c in func.calls if (self._ext(c, ctx, func) or "") in COMPARE_DIGEST)
            return Handed(f"verifies an HMAC signature over the request body with hmac.compare_digest "
                          f"({path}:{line})")
        return Handed(None, tuple(dict.fromkeys(unknown)))

    def _into(self, call: ir.Call, target: FuncV, ctx: Ctx, inputs: _Inputs, depth: int, shown: str) -> Handed:
        """A project function or method the signature and the body are handed to, read with its arguments bound."""
        callee = self.index.func(target)
        if callee is None:
            return Handed(None, (f"the signature and the request body are handed to {shown}: its definition "
                                 f"cannot be read",))
        if is_abstract(callee):
            return Handed(None, (f"the signature (header `{inputs.header or '?'}`) and the request body are handed "
                                 f"to {shown}: {target.module}.{target.qualname} is abstract: the override that "
                                 f"runs is the object's class's, chosen at run time",))
        if depth >= MAX_DEPTH:
            return _NOTHING
        skip = callee.class_name is not None and bool(callee.params) and callee.params[0].name in ("self", "cls")
        env = bind_args(callee, call, ctx, Ctx(target.module), skip_first=skip)
        bound = {name: _plain(expr) for name, expr in env.names.items()}
        signature = frozenset(n for n, e in bound.items()
                              if _holds(e, inputs.signature) or _header_read(e, inputs.requests))
        body = frozenset(n for n, e in bound.items() if _holds(e, inputs.body) or _body_read(e, inputs.requests))
        requests = frozenset(n for n, e in bound.items() if isinstance(e, ir.Name) and e.id in inputs.requests)
        return self._walk(target, _Inputs(signature, body, requests, inputs.header), depth + 1)

    def _methods(self, call: ir.Call, target: Value, fv: FuncV, func: Func) -> list[FuncV]:
        """The project functions a call runs: its target, or the method of every object a `Depends(f)` parameter
        may hold (`processor.process(...)` where `processor = Depends(make_processor)`)."""
        f = call.func
        param = f.value if isinstance(f, ir.Attr) else f if isinstance(f, ir.Name) else None
        if isinstance(param, ir.Name):
            factory = dependency_of(self.index, fv, func, param.id)
            provided = self.provided.of(factory) if factory is not None else None
            if provided is not None:
                name = f.attr if isinstance(f, ir.Attr) else "__call__"
                methods = [self.index.class_attr(choice.cls, name) for choice in provided.choices]
                if all(isinstance(m, FuncV) for m in methods):
                    return [m for m in methods if isinstance(m, FuncV)]
        return [target] if isinstance(target, FuncV) else []

    def _library_name(self, target: Value, call: ir.Call, ctx: Ctx) -> str:
        """The dotted name of a library call (`stripe.Webhook.construct_event`), or of a method of an object a
        library class made (`Webhook(secret).verify`)."""
        if isinstance(target, ExternalV):
            return target.qualname
        f = call.func
        if isinstance(f, ir.Attr):
            base = self.index.resolve(f.value, ctx)
            if isinstance(base, InstanceV) and isinstance(base.cls, ExternalV):
                return f"{base.cls.qualname}.{f.attr}"
            if isinstance(base, InstanceV) and base.cls is None and isinstance(base.call.func, (ir.Name, ir.Attr)):
                made_by = self.index.resolve(base.call.func, Ctx(base.module, base.scope))
                if isinstance(made_by, ExternalV):
                    return f"{made_by.qualname}().{f.attr}"
        return ""

    @staticmethod
    def _why(target: Value, name: str) -> str | None:
        """Why a call's code cannot be read; None when it is known not to verify anything."""
        if name:
            top = name.split(".")[0]
            if top in KNOWN or top in sys.stdlib_module_names:
                return None
            return f"{name} is library code the analysis cannot read"
        if isinstance(target, ClassV):
            return None
        if isinstance(target, ParamV):
            return f"a callable passed in as parameter '{target.name}'"
        return "a value only known at run time (an object looked up in a registry or container, a dynamic " \
               "attribute)"

    def _ext(self, call: ir.Call, ctx: Ctx, func: Func) -> str | None:
        target = self.calls.callee(call, ctx, func)
        return target.qualname if isinstance(target, ExternalV) else None

    def _hmac_compare(self, func: Func, ctx: Ctx) -> bool:
        """The function computes an HMAC and compares with a constant-time comparison."""
        names = {self._ext(call, ctx, func) for call in func.calls}
        return bool(names & {"hmac.new", "hmac.digest", "hmac.HMAC"}) and bool(names & COMPARE_DIGEST)


def _plain(expr: ir.Expr) -> ir.Expr:
    expr = expr.expr if isinstance(expr, ir.Bound) else expr
    return expr.value if isinstance(expr, ir.Star) else expr


def _holds(expr: ir.Expr, names: frozenset[str] | set[str]) -> bool:
    """`expr` is one of `names`, or computed from one by a method giving the same value (`sig.strip()`)."""
    expr = _plain(expr)
    if isinstance(expr, ir.Name):
        return expr.id in names
    return _derived(expr, names)


def _derived(expr: ir.Expr | None, names: frozenset[str] | set[str], depth: int = 0) -> bool:
    if expr is None or depth > 8 or not names:
        return False
    if isinstance(expr, ir.Name):
        return expr.id in names
    if isinstance(expr, ir.Call) and isinstance(expr.func, ir.Attr) and expr.func.attr in _SAME_VALUE:
        return _derived(expr.func.value, names, depth + 1)
    if isinstance(expr, ir.BoolOp):
        return any(_derived(v, names, depth + 1) for v in expr.values)
    if isinstance(expr, ir.IfExp):
        return _derived(expr.body, names, depth + 1) or _derived(expr.orelse, names, depth + 1)
    if isinstance(expr, ir.Sub):
        return _derived(expr.value, names, depth + 1)
    return False


def _header_read(expr: ir.Expr | None, requests: frozenset[str] | None = None) -> str | None:
    """The header name of `request.headers.get("Stripe-Signature")` / `request.headers["X-Signature"]` when it
    names a signature (on a request among `requests`; any object's `headers` when None)."""
    holder, key = ir.keyed(expr) or (None, None)
    if not (isinstance(holder, ir.Attr) and holder.attr == "headers" and isinstance(key, ir.Str)):
        return None
    if requests is not None and not (isinstance(holder.value, ir.Name) and holder.value.id in requests):
        return None
    return key.value.lower() if is_signature_header(key.value) else None


def _body_read(expr: ir.Expr | None, requests: frozenset[str], depth: int = 0) -> bool:
    """`await request.body()` on a request among `requests`, or the same bytes as text (`(await
    request.body()).decode("utf-8")`)."""
    if isinstance(expr, ir.Call) and isinstance(expr.func, ir.Attr) and expr.func.attr in _SAME_VALUE and depth < 4:
        return _body_read(expr.func.value, requests, depth + 1)
    return isinstance(expr, ir.Call) and isinstance(expr.func, ir.Attr) and expr.func.attr in _BODY_METHODS and \
        isinstance(expr.func.value, ir.Name) and expr.func.value.id in requests and not expr.args
