"""Optional credentials: which dependencies let a request without any credential through.

`annotate(builder, routes)` runs after the dependency trees are built and before routes are decided.
For every node it sets `DepNode.anonymous`:

* `None`  — nothing below it carries a credential;
* `False` — a request without credentials is rejected here or below (a scheme with `auto_error=True`, a
  required `Header()`/`Cookie()` that FastAPI answers with 422, or code that raises when the credential
  is `None`);
* `True`  — such a request gets through (every credential below is optional — `auto_error=False`,
  `Header(None)`, `request.headers.get(...)` — and no code on the way raises for a missing one).

For callables whose credentials are all optional the function body is walked with the missing values
set to `None` (see `flow.py`); `anon_value` is what it then returns (`None`, an object, unknown), which
the dependants above receive. `anon_guard` marks a node whose own code rejects the anonymous request.

Separately, `optional_outcome` holds, for a callable that reads an optional credential directly, the
walk with just those parameters missing: RG008 reports the ones whose missing credential reaches a
`return` that uses it.
"""

from __future__ import annotations

import re

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func, is_marker
from routeguard_lint.auth.missing_credential import AV, MISSING, Flow, Outcome, names_in
from routeguard_lint.routes.graph import CREDENTIAL_COOKIES, CREDENTIAL_HEADERS, VERIFYING_CALLS, DepNode, GraphBuilder, Route
from routeguard_lint.project.index import FuncV

_CALLABLE = ("function", "class", "instance", "route")


def credential_key(source: str, key: str) -> bool:
    key = key.lower()
    if source == "headers":
        return bool(CREDENTIAL_HEADERS.match(key.replace("_", "-")))
    return bool(CREDENTIAL_COOKIES.search(key))


def make_flow(builder: GraphBuilder) -> Flow:
    return Flow(builder.index, builder._callee, VERIFYING_CALLS, credential_key)


def annotate(builder: GraphBuilder, routes: list[Route]) -> None:
    flow = make_flow(builder)
    done: set[int] = set()
    for route in routes:
        if route.root is not None:
            _anonymous(route.root, flow, done)


def _optional_source(node: DepNode) -> bool:
    """A credential source that lets a request without the credential through."""
    if not node.credential:
        return False
    if node.kind == "scheme" or node.kind in ("header", "cookie"):
        return node.optional
    return node.kind == "request"


def _anonymous(node: DepNode, flow: Flow, done: set[int]) -> None:
    if id(node) in done:
        return
    done.add(id(node))  # a cycle leaves the node at None
    if node.credential and node.kind in ("scheme", "header", "cookie", "request"):
        node.anonymous = _optional_source(node)
        node.anon_value = MISSING
        return
    if node.kind not in _CALLABLE or node.func is None or node.func_module is None:
        return
    creds: list[tuple[DepNode, str]] = []
    for child, via in node.children:
        _anonymous(child, flow, done)
        if child.anonymous is not None:
            creds.append((child, via))
    if not creds:
        return
    fv = FuncV(node.func_module, node.func.qualname)
    params = {p.name for p, _ in node.params}
    direct = [(c, via) for c, via in creds if _optional_source(c)]
    if direct and node.kind != "route":
        env = _missing_query_credentials(node)
        env.update({via: MISSING for c, via in direct if via in params})
        node.optional_outcome = flow.run(fv, env)
    if any(c.anonymous is False for c, _ in creds):
        node.anonymous = False
        return
    env = _missing_query_credentials(node)
    env.update({via: c.anon_value for c, via in creds if via in params and isinstance(c.anon_value, AV)})
    outcome = flow.run(fv, env)
    node.anonymous = outcome.passes
    node.anon_guard = not outcome.passes
    node.anon_exits = tuple(outcome.exits)
    node.anon_value = AV("obj", None, True) if node.kind == "class" else outcome.value().tainted()


_QUERY_CREDENTIAL = re.compile(r"(token|api_?key|apikey|secret|password|session|auth|credential)", re.I)


def _missing_query_credentials(node: DepNode) -> dict[str, AV]:
    """Optional query parameters named like a credential: an anonymous request does not send them either."""
    env: dict[str, AV] = {}
    for param, (kind, _payload) in node.params:
        if kind not in ("query", "explicit-query") or not _QUERY_CREDENTIAL.search(param.name):
            continue
        default = param.default
        if isinstance(default, ir.Call):
            default = default.arg(0, "default")
        if isinstance(default, ir.Const) and default.value is None:
            env[param.name] = MISSING
    return env


def optional_params(root: DepNode) -> list[str]:
    """Parameters of a route handler fed by a dependency that lets anonymous requests through."""
    return sorted({via for child, via in root.children if child.anonymous is True
                   and any(p.name == via for p, _ in root.params)})


def branches_on(func: Func | None, names: list[str]) -> str | None:
    """The first name of `names` an `if` test of `func` looks at, on a path that returns, raises or binds."""
    if func is None or not names:
        return None
    wanted = set(names)
    tests: list = []
    for r in func.raises:
        tests.extend(r.conditions)
    for r in func.returns:
        tests.extend(r.conditions)
    for _name, _expr, _line, conds in func.binds:
        tests.extend(conds)
    for _call, _line, conds in func.effects:
        tests.extend(conds)
    for test in tests:
        if is_marker(test):
            continue
        hit = names_in(test) & wanted
        if hit:
            return sorted(hit)[0]
    return None


def optional_use(outcome: Outcome | None) -> list:
    """The exits of an optional-credential walk that hand on something made from the missing credential
    (or fall off the end): the credential was used without checking for `None`."""
    if outcome is None:
        return []
    out = []
    for ex in outcome.exits:
        if ex.implicit:
            out.append(ex)
        elif ex.expr is not None and ex.value.taint and (ex.value.kind in ("obj", "unk") or
                                                          ex.value.kind == "const" and ex.value.truth()):
            out.append(ex)
    return out
