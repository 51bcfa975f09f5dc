"""Which query parameters carry a credential: named like one (`vocabulary.is_credential`), unless what the code
does with the value says it is not one: the state of a listing the route hands out itself (a continuation
token), or a selector among the caller's own records.

A continuation token (`?token=` of a paged log read, a `next_page` cursor) is named like a credential but names
no caller and grants nothing: the route decodes it into the position of a listing it already lets the caller
read, and hands out the next one it encodes the same way. Taken as one here when all of these hold:

* the parameter is optional (`= None`): a request without it is served from the start;
* the function that takes it uses it only in truth tests (`if not token:`, `token is None`) and as what a
  deserialiser decodes (`serializer.loads(token)`, `json.loads(b64decode(token))`): it is never compared, looked
  up, handed to another function as it is, stored or returned;
* what it decodes into is never compared with anything or used as the key of a lookup (no identity is read
  from it);
* the same function encodes a next value with the same serialiser (`serializer.dumps(...)`): it continues
  what it handed out;
* the function has a dependency that reads a credential of its own (a scheme, a credential header or cookie):
  the caller is identified by that, not by this value. A refresh token rotated by a route with no other
  credential stays a credential.

A caller-scoped selector (a chat's `session_id` that picks one of the caller's own conversations) is named like
a credential too, but what it opens is already the caller's: taken as one when the function has a parameter
filled by a dependency that reads a credential (`owner = Depends(get_owner)`), and every use of the value is a
presence test or an argument of a call that also takes that parameter (`store.list(owner=owner,
session_id=session)`), directly or as what one call makes of the value alone (`session =
require_session_id(session_id)`, not a lookup keyed by it). A value looked up without the caller
(`SHARED.get(session_id)`), compared, returned or handed on alone stays a credential.
"""

from __future__ import annotations

from collections.abc import Callable

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func
from routeguard_lint.routes.model import DepNode, ParamKind, ParamSource, has_credential
from routeguard_lint.vocabulary import DECODING_METHODS, ENCODING_METHODS, Source, is_credential

_QUERY = (ParamKind.QUERY, ParamKind.EXPLICIT_QUERY)
_MAX_DEPTH = 40
_MATCHING = frozenset({"==", "!=", "in", "not in", "is", "is not"})


def query_credential(node: DepNode, source: ParamSource) -> bool:
    """A query parameter of `node` that carries a credential: named like one and not a continuation token."""
    return source.kind in _QUERY and is_credential(Source.QUERY, source.query_name) and \
        not continuation_token(node, source) and not scoped_selector(node, source)


def scoped_selector(node: DepNode, source: ParamSource) -> bool:
    """The query parameter `source` of `node` only selects among the caller's own records (see the module's
    docstring): each use hands it, or what one call made of it, to a call that also takes the caller's identity."""
    func = node.func
    if func is None or source.kind not in _QUERY:
        return False
    params = {p.name for p in func.params}
    owners = {via for child, via in node.children if via in params and has_credential(child)}
    if not owners:
        return False
    name = source.param.name
    # `session = require_session_id(session_id)`: a value one call makes of it alone (not a lookup keyed by it)
    derived = {b.name: b.value for b in func.binds if _made_of(b.value, name) and b.name not in params | owners}
    if any(b.name in derived and b.value != derived[b.name] for b in func.binds):
        return False  # rebound to something else
    values = {name, *derived}

    def carried(arg: ir.Expr) -> bool:  # the value, or one call made of it alone (`f(owner, check(session_id))`)
        return (isinstance(arg, ir.Name) and arg.id in values) or _made_of(arg, name)

    def arguments(call: ir.Call) -> tuple[ir.Expr, ...]:
        return (*call.args, *(v for _, v in call.kwargs))

    scoped = [call for call in func.calls
              if any(isinstance(a, ir.Name) and a.id in owners for a in arguments(call))
              and any(carried(a) for a in arguments(call))]
    if not scoped:
        return False
    makers = [*derived.values(), *(a for call in scoped for a in arguments(call) if _made_of(a, name))]
    for expr, test in _uses(func):
        if expr is None or any(expr == m for m in makers):
            continue
        if not _selects(expr, values, test, scoped, carried):
            return False
    return True


def _made_of(expr: object, name: str) -> bool:
    """`check(name)`: a call of the value alone, not a lookup keyed by it (`SESSIONS.get(name)`, `d[name]`)."""
    return isinstance(expr, ir.Call) and ir.keyed(expr) is None and len(expr.args) == 1 and not expr.kwargs and \
        expr.args[0] == ir.Name(name)


def _selects(expr: object, values: set[str], test: bool, scoped: list[ir.Call],
             carried: Callable[[ir.Expr], bool], depth: int = 0) -> bool:
    """Every read of `values` in `expr` is a presence test or an argument of a caller-scoped call."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(expr, ir.Name):
        return expr.id not in values or test
    if isinstance(expr, ir.Unknown):
        return not values & set(expr.names)
    if isinstance(expr, (ir.Bound, ir.Const, ir.Str)) or expr is None:
        return True
    if isinstance(expr, (tuple, list)):
        return all(_selects(e, values, test, scoped, carried, depth + 1) for e in expr)
    if test and isinstance(expr, (ir.Not, ir.BoolOp)):
        return all(_selects(e, values, True, scoped, carried, depth + 1) for e in ir.children(expr))
    if isinstance(expr, ir.Compare) and isinstance(expr.left, ir.Name) and \
            all(op in ("is", "is not") for op in expr.ops) and \
            all(isinstance(c, ir.Const) and c.value is None for c in expr.comparators):
        return True
    if isinstance(expr, ir.Call) and any(expr == c for c in scoped):
        rest = [a for a in (expr.func, *expr.args, *(v for _, v in expr.kwargs)) if not carried(a)]
        return all(_selects(e, values, False, scoped, carried, depth + 1) for e in rest)
    if isinstance(expr, ir.Expr):
        return all(_selects(e, values, False, scoped, carried, depth + 1) for e in ir.children(expr))
    return True


def continuation_token(node: DepNode, source: ParamSource) -> bool:
    """The optional query parameter `source` of `node` is a continuation token (see the module's docstring)."""
    func = node.func
    if func is None or source.kind not in _QUERY or not _optional(source):
        return False
    name = source.param.name
    decoders = [call for call in func.calls
                if _method(call) in DECODING_METHODS and call.args and name in _names(call.args[0])]
    if not decoders:
        return False
    decoded_args = [call.args[0] for call in decoders]
    if not all(_allowed(expr, name, test, decoded_args) for expr, test in _uses(func)):
        return False
    receivers = {_receiver(call) for call in decoders}
    if not any(_receiver(call) in receivers for call in func.calls if _method(call) in ENCODING_METHODS):
        return False
    decoded = {bind.name for bind in func.binds if any(_contains(bind.value, call) for call in decoders)}
    if decoded and not _data_only(func, decoded):
        return False
    return any(has_credential(child) for child, _via in node.children)


def _optional(source: ParamSource) -> bool:
    default = source.param.default
    if isinstance(default, ir.Call):
        default = default.arg(0, "default")
    return isinstance(default, ir.Const) and default.value is None


def _uses(func: Func) -> list[tuple[object, bool]]:
    """Every expression the function's body evaluates, with whether it is a test (an `if` condition)."""
    out: list[tuple[object, bool]] = [(call, False) for call in func.calls]
    for sites in (func.returns, func.raises, func.binds, func.effects, func.compares, func.item_writes):
        for site in sites:
            out.extend((c, True) for c in site.conditions)
    out.extend((r.value, False) for r in func.returns)
    out.extend((r.exc, False) for r in func.raises)
    out.extend((b.value, False) for b in func.binds)
    out.extend((w.key, False) for w in func.item_writes)
    out.extend((w.value, False) for w in func.item_writes)
    out.extend((c.expr, True) for c in func.compares)
    return out


def _method(call: ir.Call) -> str | None:
    if isinstance(call.func, ir.Attr):
        return call.func.attr
    return call.func.id if isinstance(call.func, ir.Name) else None


def _receiver(call: ir.Call) -> str:
    """What a `loads`/`dumps` call is a method of, as text: the serialiser's constructor (`URLSafeSerializer`),
    the object or module (`json`); "" for a bare function."""
    if not isinstance(call.func, ir.Attr):
        return ""
    value = call.func.value
    if isinstance(value, ir.Call):
        value = value.func
    return ir.dotted(value) or ir.show(value)


def _allowed(expr: object, name: str, test: bool, decoded: list[ir.Expr], depth: int = 0) -> bool:
    """Every read of `name` in `expr` is a truth test (`test`: `expr` is a condition) or inside what a
    deserialiser decodes (`decoded`: the decoding calls' first arguments)."""
    if expr is None or depth > _MAX_DEPTH:
        return depth <= _MAX_DEPTH
    if any(_contains(arg, expr) for arg in decoded):
        return True
    if isinstance(expr, ir.Name):
        return expr.id != name or test
    if isinstance(expr, ir.Unknown):
        return name not in expr.names
    if isinstance(expr, ir.Bound):
        return True
    if isinstance(expr, (tuple, list)):
        return all(_allowed(e, name, test, decoded, depth + 1) for e in expr)
    if test and isinstance(expr, (ir.Not, ir.BoolOp)):
        return all(_allowed(e, name, True, decoded, depth + 1) for e in ir.children(expr))
    if isinstance(expr, ir.IfExp):  # `a if token else b`: its test is a truth test
        return _allowed(expr.test, name, True, decoded, depth + 1) and \
            all(_allowed(e, name, test, decoded, depth + 1) for e in (expr.body, expr.orelse))
    if isinstance(expr, ir.Compare) and isinstance(expr.left, ir.Name) and expr.left.id == name and \
            all(op in ("is", "is not") for op in expr.ops) and \
            all(isinstance(c, ir.Const) and c.value is None for c in expr.comparators):
        return True
    if isinstance(expr, ir.Expr):
        return all(_allowed(e, name, False, decoded, depth + 1) for e in ir.children(expr))
    return True


def _data_only(func: Func, decoded: set[str]) -> bool:
    """What the token decodes into is read as data: never matched against anything (`==`, `!=`, `in`, `is` but
    `is None`; an order, `offset < total`, is a position) nor the key of a lookup."""
    for site in func.compares:
        expr = site.expr
        if not isinstance(expr, ir.Compare):
            if expr is None:
                continue
            return False
        if decoded & _names(expr) and any(
                op in _MATCHING and not (isinstance(c, ir.Const) and c.value is None)
                for op, c in zip(expr.ops, expr.comparators, strict=False)):
            return False
    for call in func.calls:
        keyed = ir.keyed(call)
        if keyed is not None and decoded & _names(keyed[1]) and not decoded & _names(keyed[0]):
            return False
    return True


def _names(expr: object, depth: int = 0) -> set[str]:
    out: set[str] = set()
    if depth > _MAX_DEPTH or expr is None:
        return out
    if isinstance(expr, ir.Name):
        out.add(expr.id)
    elif isinstance(expr, ir.Unknown):
        out.update(expr.names)
    elif isinstance(expr, (tuple, list)):
        for item in expr:
            out |= _names(item, depth + 1)
    elif isinstance(expr, ir.Expr) and not isinstance(expr, ir.Bound):
        for child in ir.children(expr):
            out |= _names(child, depth + 1)
    return out


def _contains(expr: object, target: object, depth: int = 0) -> bool:
    if expr is target or expr == target:
        return True
    if depth > _MAX_DEPTH or not isinstance(expr, ir.Expr) or isinstance(expr, ir.Bound):
        return False
    return any(_contains(child, target, depth + 1) for child in ir.children(expr))
