"""Sign-ins that check a credential the request submits, judged by what a request without credentials meets there.

A route whose dependencies read an optional credential (a session cookie, a bearer token: `None` when the request
has none) is a sign-in, public by design, when its handler hands the password the request submits to a password
check and answers on the check: the request meets that check, not the work of an account it has no access to.

* The password the request submits: a body, form or query parameter named as a password, that field of a body
  model or of a class FastAPI fills from the request (`form: LoginForm = Depends()`), a password key of the body
  the handler parses (`(await request.form()).get("password")`), or that attribute of a form object made of the
  request (`form = LoginForm(await request.form())`, an object handed the request whose methods parse it:
  `form.password.data`), and the locals bound from it.
* The check: the password flows, through project functions (its argument bound to their parameter), into a
  library call that compares a password with its stored hash (`vocabulary.PASSWORD_VERIFIERS`: passlib, pwdlib,
  bcrypt, argon2, werkzeug, `hmac.compare_digest`); a hash of the new password stored by a password change is
  no check.
* It decides: a failed check raises (the verifier itself, or a `raise` under a test of its answer, in the function
  that calls it or one the handler calls), or the answer reaches the handler (returned, or a value returned under
  a test of it) and the handler returns under a test of it (`if user is None: return error`).
* The check is on the account the request names: a check handed a value of the route's credential (the user of
  the optional session: re-entering one's password to change it) is not a sign-in.
* The handler issues a token or session (`Public.issues_token`).

What else the handler does on the path where the check holds is not weighed (it is what a signed-in user gets).

The same walk recognises sign-ins with a token the request submits in its body (issue 9, section 6: a one-time
sign-in link's token, an identity provider's access or ID token), `TOKEN`:

* The token: a body or form parameter, a field of a body model, or a key of the body the handler parses, named as
  a credential (`vocabulary.is_submitted_credential`: `token`, `access_token`, `id_token`, `credential`); not one
  the request carries in its headers, cookies or query, which are the route's credentials.
* The check: the token flows, through project functions, into a library call that verifies a signed token
  (`vocabulary.VERIFYING_CALLS`: PyJWT, python-jose, google-auth's `verify_oauth2_token`; it raises on a bad
  one), a constant-time comparison, an HTTP request (`vocabulary.HTTP_CLIENT_CALLS`) that asks the identity
  provider about the token, or a lookup of it in a store (`vocabulary.LOOKUP_METHODS` on another object:
  `MAGIC_LINKS.pop(token)`, `query.filter(Link.token == token)`); the last three answer, and their answer must
  decide as above (an HTTP response's `raise_for_status()` raises).
* A verifier that raises decides unless a `try` around it catches the failure: a handler that re-raises keeps the
  rejection, one that returns makes the function answer by the check, one that goes on swallows it (`except
  JWTError: pass` rejects nothing; then only a test of what the call returned can decide).

And routes that verify a one-time token the request submits and issue nothing (issue 9: an e-mail verification,
a password reset's or an invitation's token), `ONE_TIME`: the same walk, with what counts narrowed to what proves
the token is one the app issued: a signed token's verifier, a constant-time comparison, or a lookup of the token
(or of its digest) in a store whose answer is tested for the token being missing (`if user is None`, `not record`,
`isinstance(result, Failure)`; not `if existing:`, a lookup that refuses a token already known); an HTTP request
is no proof (the app asks someone else, and issues nothing of its own on the answer). The check must reject: a
failed one raises through the handler (an error status), so a request with a made-up token meets the rejection; a
handler that answers 200 either way (`{"revoked": False}`) is no verification.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import is_marker
from routeguard_lint.project.arguments import bind_args
from routeguard_lint.project.index import ClassV, Ctx, ExternalV, FuncV, UnknownV
from routeguard_lint.routes.model import NodeKind, ParamKind, walk
from routeguard_lint.vocabulary import (
    COMPARE_DIGEST,
    HTTP_CLIENT_CALLS,
    LOOKUP_METHODS,
    PASSWORD_VERIFIERS,
    RAISING_PASSWORD_VERIFIERS,
    RAISING_RESPONSE_METHODS,
    VERIFYING_CALLS,
    is_submitted_credential,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from routeguard_lint.facts.extract import Func
    from routeguard_lint.project.calls import Calls
    from routeguard_lint.project.index import Index
    from routeguard_lint.routes.model import DepNode

MAX_DEPTH = 4
# attributes of a request that carry what the client or a middleware says about who it is, not the body
_IDENTITY_ATTRS = frozenset({"cookies", "headers", "session", "user", "auth", "state", "scope"})
_BODY_READS = frozenset({"form", "json", "body"})


def password_verifier(name: str) -> bool | None:
    """Whether a failed check of a password by the library call `name` raises; None when it checks none."""
    if PASSWORD_VERIFIERS.match(name):
        return RAISING_PASSWORD_VERIFIERS.match(name) is not None
    return None


def token_verifier(name: str) -> bool | None:
    """Whether a failed check of a token by the library call `name` raises (a signed token's verifier) or is
    answered (a constant-time comparison, an HTTP request to the token's issuer); None when it checks none."""
    if VERIFYING_CALLS.match(name):
        return True
    if name in COMPARE_DIGEST or HTTP_CLIENT_CALLS.match(name):
        return False
    return None


@dataclass(frozen=True)
class Submitted:
    """A kind of credential a sign-in takes from the request: the names of what holds it (a parameter, a field
    of a body model or a class FastAPI fills, a key of the body the handler parses) and where FastAPI reads those
    parameters from; the library calls that check it (`verifier`: a call's dotted name -> whether a failed check
    raises, None when the call checks nothing), and whether a lookup of it in a store is a check (`lookups`)."""

    what: str
    field: Callable[[str], object]
    taken: tuple[ParamKind, ...]
    verifier: Callable[[str], bool | None]
    lookups: bool = False
    # a one-time token's verification: only tests of the answer for the token being missing decide, a decision
    # must be a rejection that raises, and an HTTP request's `get` is not a lookup
    verification: bool = False


_ALL_TAKEN = (ParamKind.BODY, ParamKind.FORM, ParamKind.QUERY, ParamKind.EXPLICIT_QUERY)
# a token the request submits in its body: one in its query, headers or cookies is the route's credential
TOKEN = Submitted("token", is_submitted_credential, (ParamKind.BODY, ParamKind.FORM), token_verifier, lookups=True)


def one_time_verifier(name: str) -> bool | None:
    """Whether a failed check of a one-time token by the library call `name` raises (a signed token's verifier)
    or is answered (a constant-time comparison); None when it proves nothing of the token (an HTTP request)."""
    if VERIFYING_CALLS.match(name):
        return True
    if name in COMPARE_DIGEST:
        return False
    return None


# a one-time token the request submits in its body (an e-mail verification, reset or invitation token)
ONE_TIME = Submitted("one-time token", is_submitted_credential, (ParamKind.BODY, ParamKind.FORM), one_time_verifier,
                     lookups=True, verification=True)


@dataclass(frozen=True)
class Check:
    """A check the submitted credential reaches: the library call (or lookup), the project calls on the way to it,
    and whether a failed check raises through the function asked about (else its answer is returned)."""

    verifier: str
    via: tuple[str, ...]
    raises: bool


def _nodes(expr: object, depth: int = 0) -> list[ir.Expr]:
    if depth > 30 or not isinstance(expr, (ir.Name, ir.Attr, ir.Call, ir.Star, ir.Seq, ir.DictE, ir.Sub, ir.BinOp,
                                           ir.Compare, ir.BoolOp, ir.Not, ir.IfExp, ir.Comp, ir.FStr)):
        return []
    out: list[ir.Expr] = [expr]
    for child in ir.children(expr):
        out.extend(_nodes(child, depth + 1))
    return out


def _names(expr: object) -> set[str]:
    return {n.id for n in _nodes(expr) if isinstance(n, ir.Name)}


def _contains(expr: object, part: ir.Expr) -> bool:
    return any(n == part for n in _nodes(expr))


def _submitted(node: ir.Expr, direct: set[str], fields: dict[str, set[str]], made: set[str],
               field: Callable[[str], object]) -> bool:
    """`node` is the submitted credential: a parameter that is one, such a field of a parameter holding them, or
    an attribute, item or `.get()` of what the handler parsed from the body (`made`) named as one (`field`)."""
    if isinstance(node, ir.Name):
        return node.id in direct
    if isinstance(node, ir.Attr) and isinstance(node.value, ir.Name):
        return node.attr in fields.get(node.value.id, ()) or (node.value.id in made and bool(field(node.attr)))
    key = None
    if isinstance(node, ir.Sub) and isinstance(node.value, ir.Name) and node.value.id in made and len(node.index) == 1:
        key = node.index[0]
    elif isinstance(node, ir.Call) and isinstance(node.func, ir.Attr) and node.func.attr == "get" and \
            isinstance(node.func.value, ir.Name) and node.func.value.id in made and node.args:
        key = node.args[0]
    return isinstance(key, ir.Str) and bool(field(key.value))


def _found_test(cond: ir.Expr, held: Callable[[ir.Expr], bool]) -> bool:
    """`cond` holds when the answer `held` says is tested is there: the answer itself (`if existing:`), `is not
    None`, `not` of a test that holds when it is missing, or an `and` with such a test."""
    if isinstance(cond, (ir.Name, ir.Attr, ir.Call)) and held(cond) and not (
            isinstance(cond, ir.Call) and ir.dotted(cond.func) == "isinstance"):
        return True
    if isinstance(cond, ir.Compare) and cond.ops == ("is not",) and len(cond.comparators) == 1 and \
            isinstance(cond.comparators[0], ir.Const) and cond.comparators[0].value is None and held(cond.left):
        return True
    if isinstance(cond, ir.Not):
        inner = cond.value
        return isinstance(inner, ir.Compare) and inner.ops == ("is",) and len(inner.comparators) == 1 and \
            isinstance(inner.comparators[0], ir.Const) and inner.comparators[0].value is None and held(inner.left)
    if isinstance(cond, ir.BoolOp) and cond.op == "and":
        return any(_found_test(v, held) for v in cond.values)
    return False


def _unbound(expr: ir.Expr) -> ir.Expr:
    return expr.expr if isinstance(expr, ir.Bound) else expr


def _handled(func: Func, call: ir.Call) -> bool | None:
    """How the `try` blocks around `call` in `func` treat a check that raises: True when nothing catches the
    failure (no `try` around the call, or a handler of each re-raises), False when a handler returns (the function
    answers by the check), None when a handler goes on (the failure is swallowed)."""
    conditions: tuple[ir.Expr, ...] = ()
    sites: list[tuple[object, tuple[ir.Expr, ...]]] = [
        *((b.value, b.conditions) for b in func.binds), *((r.value, r.conditions) for r in func.returns),
        *((r.exc, r.conditions) for r in func.raises), *((e.call, e.conditions) for e in func.effects)]
    for value, conds in sites:
        if _contains(value, call):
            conditions = conds
            break
        test = next((k for k, c in enumerate(conds) if _contains(c, call)), None)
        if test is not None:
            conditions = conds[:test]
            break
    answered = False
    for marker in conditions:
        if not (is_marker(marker) and isinstance(marker, ir.Unknown) and marker.code.startswith("<try:")):
            continue
        handler = "<except:" + marker.code[len("<try:"):]

        def under(conds: tuple[ir.Expr, ...], handler: str = handler) -> bool:
            return any(isinstance(c, ir.Unknown) and c.code == handler for c in conds)

        if any(under(r.conditions) for r in func.raises):
            continue
        if any(under(r.conditions) for r in func.returns):
            answered = True
            continue
        return None
    return not answered


class PasswordCheck:
    def __init__(self, index: Index, calls: Calls, library_name: Callable[[ir.Call, Ctx], str | None],
                 password_field: re.Pattern[str]) -> None:
        self.index = index
        self.calls = calls
        self.library_name = library_name
        self.password = Submitted("password", password_field.match, _ALL_TAKEN, password_verifier)
        # (what is submitted, function, the parameters holding it) -> the check it makes of it
        self._checks: dict[tuple[str, FuncV, frozenset[str]], Check | None] = {}

    def sign_in(self, root: DepNode, issues_token: Callable[[FuncV], bool]) -> str | None:
        """The reason a route whose request without credentials reaches its handler is a sign-in, or None: it
        checks the password or the token the request submits."""
        return self.submitted_sign_in(root, issues_token, self.password) or \
            self.submitted_sign_in(root, issues_token, TOKEN)

    def verification(self, root: DepNode) -> str | None:
        """The reason the route verifies a one-time token the request submits (`ONE_TIME`), or None."""
        return self.submitted_sign_in(root, None, ONE_TIME)

    def submitted_sign_in(self, root: DepNode, issues_token: Callable[[FuncV], bool] | None,
                          kind: Submitted) -> str | None:
        """The reason the route is a sign-in with the credential of `kind` the request submits, or None (`issues_token`
        None: a verification, which need issue nothing but must reject)."""
        func, module = root.func, root.func_module
        if func is None or module is None:
            return None
        fv = FuncV(module, func.qualname)
        ctx = Ctx(module, func.qualname)
        made = self._request_made(root, func, ctx)
        carrier = self._carrier(root, ctx, made, kind)
        if carrier is None:
            return None
        excluded = self._credential_values(root, func, made)
        found = self._check_in(fv, func, carrier, 0, top=True, kind=kind, excluded=excluded)
        if found is None or (issues_token is not None and not issues_token(fv)):
            return None
        check, shown = found
        via = f" (through {' -> '.join(f'`{v}`' for v in check.via)})" if check.via else ""
        if kind.verification:
            if not check.raises:
                return None
            return f"credential flow (one-time token: e-mail verification, password reset, sign-in link): verifies " \
                   f"the token the request submits in its body ({shown}) with `{check.verifier}`{via}, and rejects " \
                   f"the request when the token does not check out"
        if kind is TOKEN:
            return f"sign-in with a token the request submits in its body ({shown}): checked with " \
                   f"`{check.verifier}`{via}, which decides whether a token or session is issued"
        return f"sign-in: checks the password the request submits ({shown}) with `{check.verifier}`{via} and " \
               f"issues a token or session; a request without credentials meets that check, whatever optional " \
               f"credentials the route reads"

    # -- the submitted password -----------------------------------------------------------------------------
    def _carrier(self, root: DepNode, ctx: Ctx, made: set[str], kind: Submitted) -> Callable[[ir.Expr], bool] | None:
        """A test of whether an expression of the handler is the credential the request submits (or holds it)."""
        direct, fields = self._submitted_params(root, ctx, kind)
        if not (direct or fields or made):
            return None
        field = kind.field

        def submitted(expr: ir.Expr) -> bool:
            return any(_submitted(node, direct, fields, made, field) for node in _nodes(expr))

        return submitted

    def _submitted_params(self, root: DepNode, ctx: Ctx, kind: Submitted) -> tuple[set[str], dict[str, set[str]]]:
        """The handler's parameters that are the submitted credential, and those holding it in a field (a body
        model, a class FastAPI fills from the request: `form: LoginForm = Depends()`) -> those fields."""
        taken = kind.taken
        direct: set[str] = set()
        fields: dict[str, set[str]] = {}
        for source in root.params:
            name = source.param.name
            if source.kind in taken:
                if kind.field(name):
                    direct.add(name)
                found = {f for f in self.index.model_fields(source.param.annotation, ctx) if kind.field(f)}
                if found:
                    fields[name] = found
        for child, via in root.children:
            if child.kind is not NodeKind.CLASS:
                continue
            names = [s.param.name for s in child.params if s.kind in taken]
            if child.cls is not None and ParamKind.QUERY in taken:  # a class's fields are query parameters
                for owner in self.index.mro(child.cls):
                    cdef = self.index.cls(owner)
                    if cdef is not None:
                        names.extend(cdef.annotations)
            found = {n for n in names if kind.field(n)}
            if found:
                fields[via] = found
        return direct, fields

    def _request_made(self, root: DepNode, func: Func, ctx: Ctx) -> set[str]:
        """The locals of the handler holding what it parsed from the request body: bound to `await
        request.form()` (`.json()`, `.body()`), or to a call handed the request itself (`LoginForm(request)`,
        `FormHelper(..., request=request)`) that reads no credential of it, and the locals bound to a method call
        on such an object (`form = await helper.get_form()`)."""
        requests = {s.param.name for s in root.params if s.kind is ParamKind.REQUEST}
        if not requests:
            return set()
        made: set[str] = set()
        for _round in range(2):
            for bind in func.binds:
                if bind.name in made or bind.name in requests:
                    continue
                value = bind.value
                if self._reads_identity(value, requests):
                    continue
                if isinstance(value, ir.Call) and isinstance(value.func, ir.Attr) and \
                        isinstance(value.func.value, ir.Name) and value.func.value.id in made:
                    made.add(bind.name)
                    continue
                for node in _nodes(value):
                    if not isinstance(node, ir.Call):
                        continue
                    f = node.func
                    if isinstance(f, ir.Attr) and f.attr in _BODY_READS and isinstance(f.value, ir.Name) and \
                            f.value.id in requests:
                        made.add(bind.name)
                        break
                    handed = [a for a in (*node.args, *(v for _k, v in node.kwargs))
                              if isinstance(a, ir.Name) and a.id in requests]
                    if handed and self._parses_body(node, ctx, func):
                        made.add(bind.name)
                        break
        return made

    @staticmethod
    def _reads_identity(expr: ir.Expr, requests: set[str]) -> bool:
        return any(isinstance(n, ir.Attr) and n.attr in _IDENTITY_ATTRS and isinstance(n.value, ir.Name) and
                   n.value.id in requests for n in _nodes(expr))

    def _parses_body(self, call: ir.Call, ctx: Ctx, func: Func) -> bool:
        """The project function or class the request is handed to parses its body (`await request.form()` on the
        parameter, or on an attribute of the object in one of the class's methods) and reads no credential of
        it: what it gives is what the request submits. A library's or an unreadable callable is not known to."""
        target = self.calls.callee(call, ctx, func)
        if not isinstance(target, FuncV) or self.calls.reads_request(target):
            return False
        callee = self.index.func(target)
        if callee is None:
            return False
        funcs = [callee]
        if callee.name == "__init__" and callee.class_name is not None:
            funcs = [f for owner in self.index.mro(ClassV(target.module, callee.class_name))
                     if (cdef := self.index.cls(owner)) is not None
                     for qualname in cdef.methods.values()
                     if (f := self.index.func(FuncV(owner.module, qualname))) is not None]
        for f in funcs:
            params = {p.name for p in f.params}
            for inner in f.calls:
                fn = inner.func
                if not (isinstance(fn, ir.Attr) and fn.attr in _BODY_READS and not inner.args and not inner.kwargs):
                    continue
                receiver = fn.value
                if (isinstance(receiver, ir.Name) and receiver.id in params) or \
                        (isinstance(receiver, ir.Attr) and isinstance(receiver.value, ir.Name) and
                         receiver.value.id == "self"):
                    return True
        return False

    def _credential_values(self, root: DepNode, func: Func, made: set[str]) -> set[str]:
        """The handler's parameters whose dependency reads a credential (the optional user, the session), and the
        locals bound from them or from a credential read of the request; not what the handler parsed from the
        request body (`made`: a form prefilled from a cookie still holds what the request submits)."""
        found: set[str] = set()
        for child, via in root.children:
            if any(n.credential or (n.func is not None and n.func_module is not None and
                                    self.calls.reads_request(FuncV(n.func_module, n.func.qualname)))
                   for n in walk(child)):
                found.add(via)
        found |= {s.param.name for s in root.params if s.kind in (ParamKind.COOKIE, ParamKind.HEADER)}
        requests = {s.param.name for s in root.params if s.kind is ParamKind.REQUEST}
        for _round in range(2):
            for bind in func.binds:
                if bind.name not in found and bind.name not in made and (_names(bind.value) & found or
                                               self._reads_identity(bind.value, requests)):
                    found.add(bind.name)
        return found

    # -- the check ------------------------------------------------------------------------------------------
    def _check_in(self, fv: FuncV, func: Func, carries: Callable[[ir.Expr], bool], depth: int, top: bool,
                  kind: Submitted, excluded: set[str] | None = None) -> tuple[Check, str] | None:
        """The check `func` makes of the credential (what `carries` says holds it) that decides: a failed one
        raises through `func`, or (`top`: the handler) `func` returns under a test of its answer, or (below the
        handler) `func` returns its answer or a value chosen by it. With the argument that carried it."""
        ctx = Ctx(fv.module, func.qualname)
        held: set[str] = set()

        def carrying(expr: ir.Expr) -> bool:
            return carries(expr) or bool(_names(expr) & held)

        for _round in range(2):  # the locals bound from the password (not what a project function makes of it)
            for bind in func.binds:
                if bind.name not in held and carrying(bind.value) and not self._project_call(bind.value, ctx, func):
                    held.add(bind.name)
        for call in func.calls:
            args = [a.value if isinstance(a, ir.Star) else a for a in call.args] + \
                [v for _k, v in call.kwargs]
            carried = next((a for a in args if carrying(a)), None)
            if carried is None or (excluded and any(_names(a) & excluded for a in args)):
                continue
            check = self._check_of(fv, func, call, ctx, carrying, depth, kind)
            if check is None:
                continue
            if check.raises:
                handled = _handled(func, call)
                if handled is not None:
                    return replace(check, raises=handled), f"`{ir.show(carried, 50)}`"
                check = replace(check, raises=False)  # swallowed: only a test of what it returned decides
            decided = self._decided(func, call, top, missing_only=kind.verification)
            if decided is not None:
                return replace(check, raises=decided), f"`{ir.show(carried, 50)}`"
        return None

    def _check_of(self, fv: FuncV, func: Func, call: ir.Call, ctx: Ctx, carrying: Callable[[ir.Expr], bool],
                  depth: int, kind: Submitted) -> Check | None:
        """The check the call makes of the credential one of its arguments carries."""
        target = self.calls.callee(call, ctx, func)
        name = target.qualname if isinstance(target, ExternalV) else self.library_name(call, ctx) or ""
        raises = kind.verifier(name) if name else None
        if raises is not None:
            return Check(name, (), raises)
        f = call.func
        if kind.lookups and not isinstance(target, FuncV) and isinstance(f, ir.Attr) and f.attr in LOOKUP_METHODS \
                and not carrying(f.value) and not (kind.verification and not self._known_store(f.value, func, ctx,
                                                                                               name)):
            return Check(f"{ir.show(f, 60)}", (), False)  # a lookup of it in a store: its answer must decide
        if not isinstance(target, FuncV) or target == fv or depth >= MAX_DEPTH:
            return None
        callee = self.index.func(target)
        if callee is None:
            return None
        skip = callee.class_name is not None and bool(callee.params) and callee.params[0].name in ("self", "cls")
        env = bind_args(callee, call, ctx, Ctx(target.module), skip_first=skip, defaults=False)
        params = frozenset(p for p, bound in env.names.items() if carrying(_unbound(bound)))
        if not params:
            return None
        inner = self._param_check(target, params, depth + 1, kind)
        return replace(inner, via=(ir.show(call.func, 60), *inner.via)) if inner is not None else None

    def _known_store(self, receiver: ir.Expr, func: Func, ctx: Ctx, name: str) -> bool:
        """A lookup's receiver is a store the code names (a parameter, `self`'s attribute, a local it binds, a
        module's object or class), not an HTTP client (`client.get(url)`: asking another server proves nothing of
        a token the app issued), nor a name nothing binds (an `async with httpx.AsyncClient() as client:` target,
        which the facts do not bind)."""
        if HTTP_CLIENT_CALLS.match(name):
            return False
        root = receiver
        while isinstance(root, (ir.Attr, ir.Call, ir.Sub)):
            root = root.value if isinstance(root, (ir.Attr, ir.Sub)) else root.func
        if not isinstance(root, ir.Name):
            return False
        if root.id in {p.name for p in func.params} or root.id in {b.name for b in func.binds}:
            return True
        return self.index.module_assignment(ctx.module, root.id) is not None or \
            not isinstance(self.index.resolve(root, ctx), UnknownV)

    def _param_check(self, fv: FuncV, params: frozenset[str], depth: int, kind: Submitted) -> Check | None:
        key = (kind.what, fv, params)
        if key in self._checks:
            return self._checks[key]
        self._checks[key] = None  # cycle guard
        func = self.index.func(fv)
        found = None
        if func is not None:
            made = self._check_in(fv, func, lambda e: bool(_names(e) & params), depth, top=False, kind=kind)
            found = made[0] if made is not None else None
        self._checks[key] = found
        return found

    def _project_call(self, expr: ir.Expr, ctx: Ctx, func: Func) -> bool:
        """`expr` is a call of a project function: what it makes of the password is another value (a user)."""
        return isinstance(expr, ir.Call) and isinstance(self.calls.callee(expr, ctx, func), FuncV)

    @staticmethod
    def _decided(func: Func, call: ir.Call, top: bool, missing_only: bool = False) -> bool | None:
        """How the function acts on the check's answer (the call, or a local bound from it): True when it raises
        under a test of it, False when it returns under a test of it (or, below the handler, returns it), None
        when it does neither. `missing_only`: a test that holds when the answer is there (`if existing:`, `is not
        None`) does not count (a lookup that refuses a token already known checks no token)."""
        answer: set[str] = set()
        for _round in range(2):
            for bind in func.binds:
                if bind.name not in answer and (_contains(bind.value, call) or _names(bind.value) & answer):
                    answer.add(bind.name)

        def held(expr: ir.Expr) -> bool:
            return _contains(expr, call) or bool(_names(expr) & answer)

        def tests(expr: ir.Expr) -> bool:
            return held(expr) and not (missing_only and _found_test(expr, held))

        if any(tests(c) for r in func.raises for c in r.conditions):
            return True
        if any(isinstance(c.func, ir.Attr) and c.func.attr in RAISING_RESPONSE_METHODS and tests(c.func.value)
               for c in func.calls):
            return True  # `response.raise_for_status()`: a refused request raises
        if any(tests(c) for r in func.returns for c in r.conditions):
            return False
        if not top and any(r.value is not None and tests(r.value) for r in func.returns):
            return False
        return None
