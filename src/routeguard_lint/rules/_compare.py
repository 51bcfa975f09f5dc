"""Where the project checks a credential against a value: shared by RG004 (hard-coded) and RG005 (timing).

`comparisons(graph)` lists, once per graph, every comparison of a credential (see `_flow`) with
`==`/`!=`, `in`/`not in` or `secrets.compare_digest`/`hmac.compare_digest`, classified by what the
other side is (`_values.Origin`), and every JWT call whose key is a literal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from routeguard_lint.facts import ir
from routeguard_lint.project.index import Ctx, ExternalV, InstanceV
from routeguard_lint.routes.model import Graph
from routeguard_lint.rules._taint import RAW, FuncFlow, credential_taint
from routeguard_lint.rules._values import Origin, Values

DIGEST_FUNCS = frozenset({"secrets.compare_digest", "hmac.compare_digest"})
# module-level JWT functions: qualified name -> (positional index of the key, keyword name)
JWT_FUNCS = (
    (re.compile(r"^(jwt|jwt\.api_jwt|jwt\.api_jws|jose\.jwt|jose\.jws|jose)\.(encode|decode|sign|verify)$"), 1),
    (re.compile(r"^(authlib\.jose\.jwt|authlib\.jose|joserfc\.jwt)\.encode$"), 2),
    (re.compile(r"^(authlib\.jose\.jwt|authlib\.jose|joserfc\.jwt)\.decode$"), 1),
)
JWT_CLASSES = {
    "jwt.PyJWT": {"encode": 1, "decode": 1}, "jwt.PyJWS": {"encode": 1, "decode": 1},
    "authlib.jose.JsonWebToken": {"encode": 2, "decode": 1},
    "authlib.jose.rfc7519.JsonWebToken": {"encode": 2, "decode": 1},
}


@dataclass(frozen=True)
class Comparison:
    path: str
    line: int
    kind: str  # "literal" | "secret"
    op: str  # "==", "!=", "in", "not in", "compare_digest", "jwt-key"
    credential: str  # source text of the credential side (or of the JWT call)
    origin: Origin
    function: str  # qualified name of the enclosing function ("" at module level)


def _pairs(cmp: ir.Compare) -> Iterator[tuple[ir.Expr, str, ir.Expr]]:
    left = cmp.left
    for op, right in zip(cmp.ops, cmp.comparators, strict=False):
        yield left, op, right
        left = right


def _scan_function(flow: FuncFlow, values: Values, path: str, out: list[Comparison]) -> None:
    ctx = flow.ctx
    label = f"{flow.fv.module}.{flow.fv.qualname}"
    for site in flow.func.compares:
        cmp, line = site.expr, site.line
        if not isinstance(cmp, ir.Compare):
            continue
        for left, op, right in _pairs(cmp):
            if op in ("==", "!="):
                _equality(flow, values, left, right, op, path, line, label, out)
            elif op in ("in", "not in") and flow.kind(left) == RAW:
                origin = values.literal_collection(right, ctx)
                if origin is not None:
                    out.append(Comparison(path, line, "literal", op, ir.show(left, 60), origin, label))
    for call in flow.func.calls:
        name = flow.index.resolve(call.func, ctx)
        if isinstance(name, ExternalV) and name.qualname in DIGEST_FUNCS and len(call.args) >= 2:
            found: list[Comparison] = []
            _equality(flow, values, call.args[0], call.args[1], "compare_digest", path, call.line, label, found)
            out.extend(c for c in found if c.kind == "literal")


def _equality(flow: FuncFlow, values: Values, left: ir.Expr, right: ir.Expr, op: str, path: str, line: int,
              label: str, out: list[Comparison]) -> None:
    kl, kr = flow.kind(left), flow.kind(right)
    if kl == RAW and kr is None:
        cred, other = left, right
    elif kr == RAW and kl is None:
        cred, other = right, left
    else:
        return
    origin = values.classify(other, flow.ctx)
    if origin is not None:
        out.append(Comparison(path, line, origin.kind, op, ir.show(cred, 60), origin, label))


JWT_METHODS = frozenset({"encode", "decode", "sign", "verify"})


def _jwt_key_index(call: ir.Call, ctx: Ctx, graph: Graph) -> tuple[int, str] | None:
    f = call.func
    name = f.attr if isinstance(f, ir.Attr) else f.id if isinstance(f, ir.Name) else None
    if name not in JWT_METHODS:
        return None  # cheap filter before resolving anything
    value = graph.index.resolve(call.func, ctx)
    if isinstance(value, ExternalV):
        for pattern, index in JWT_FUNCS:
            if pattern.match(value.qualname):
                return index, value.qualname
        return None
    if isinstance(f, ir.Attr):
        base = graph.index.resolve(f.value, ctx)
        if isinstance(base, InstanceV) and isinstance(base.cls, ExternalV):
            methods = JWT_CLASSES.get(base.cls.qualname)
            if methods and f.attr in methods:
                return methods[f.attr], f"{base.cls.qualname}.{f.attr}"
    return None


def _scan_jwt(call: ir.Call, ctx: Ctx, graph: Graph, values: Values, path: str, label: str,
              out: list[Comparison]) -> None:
    found = _jwt_key_index(call, ctx, graph)
    if found is None:
        return
    index, name = found
    key = call.arg(index, "key")
    if key is None:
        return
    origin = values.classify(key, ctx)
    if origin is not None and origin.kind == "literal":
        short = name.rsplit(".", 2)
        out.append(Comparison(path, call.line, "literal", "jwt-key", ".".join(short[-2:]), origin, label))


def comparisons(graph: Graph) -> list[Comparison]:
    cached = graph.__dict__.get("_credential_comparisons")
    if cached is not None:
        return cached
    flows = credential_taint(graph)
    values = Values(graph.index)
    out: list[Comparison] = []
    active = flows._active()
    for fv, func in flows.functions():
        facts = graph.index.module(fv.module)
        path = facts.path if facts else fv.module
        if fv in active:
            _scan_function(flows.flow(fv), values, path, out)
        ctx = Ctx(fv.module, func.qualname)
        for call in func.calls:
            _scan_jwt(call, ctx, graph, values, path, f"{fv.module}.{fv.qualname}", out)
    for facts in graph.index.modules:
        if facts.error:
            continue
        for site in facts.calls:
            if site.scope is None:
                _scan_jwt(site.call, Ctx(facts.module), graph, values, facts.path, "", out)
    unique = {(c.path, c.line, c.kind, c.op, c.credential): c for c in out}
    result = sorted(unique.values(), key=lambda c: (c.path, c.line, c.kind, c.op, c.credential))
    graph.__dict__["_credential_comparisons"] = result
    return result
