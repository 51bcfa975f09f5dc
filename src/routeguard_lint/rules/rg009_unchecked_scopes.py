"""RG009 unchecked-scopes: `Security(dep, scopes=[...])` whose scopes no dependency ever checks."""

from __future__ import annotations

from collections.abc import Iterable

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func, is_marker
from routeguard_lint.model import Finding, Related
from routeguard_lint.project.index import Ctx, FuncV
from routeguard_lint.routes.model import DepNode, DepRef, Graph, NodeKind, ParamKind, walk
from routeguard_lint.rules import _span
from routeguard_lint.rules._util import at, finding
from routeguard_lint.rules.base import Rule

RULE = Rule(
    code="RG009",
    name="unchecked-scopes",
    summary="Security(dep, scopes=[...]) where no dependency in the chain checks SecurityScopes: the scopes "
            "are documented but never enforced.",
    severity="error",
    cwe=(862,), security_severity=7.5, precision="high",
    what="""
A `Security(dependency, scopes=[...])` — as a parameter default, in `Annotated[...]`, or in a
`dependencies=[...]` list of a route, router, `include_router` or app — where nothing in the dependency
chain below it enforces the scopes: no dependency takes a `SecurityScopes` parameter and compares
`security_scopes.scopes` (or `.scope_str`) with the scopes of the token, raising when one is missing. A
dependency that takes `SecurityScopes` but never looks at `.scopes`, or that looks but can never raise,
does not count. Chains that run code outside the analysed project (a library's dependency may check
scopes itself) are left alone.
""",
    why="""
FastAPI does not enforce OAuth2 scopes. `scopes=` only records them: they appear in the OpenAPI schema
(so the docs and the Swagger UI *say* the endpoint needs `items:write`) and are handed to whichever
dependency asks for `SecurityScopes`. If none checks them, any valid token — one issued for a read-only
client, a third-party integration or a user who never consented to that scope — can call the endpoint
(broken function-level authorization, OWASP API5), while reviewers reading `scopes=["admin"]` believe it
is restricted.
""",
    example="""
from fastapi import Depends, FastAPI, HTTPException, Security
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes={"items:write": "Modify items"})


async def get_current_user(token: str = Depends(oauth2_scheme)):
    user = USERS.get(token)
    if user is None:
        raise HTTPException(status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"})
    return user


@app.delete("/items/{item_id}")
async def delete_item(item_id: int, user: dict = Security(get_current_user, scopes=["items:write"])):
    return {"deleted": item_id}


USERS: dict = {}
""",
    good="""
from fastapi.security import OAuth2PasswordBearer, SecurityScopes

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes={"items:write": "Modify items"})


async def get_current_user(scopes: SecurityScopes, token: str = Depends(oauth2_scheme)):
    user = USERS.get(token)
    if user is None:
        raise HTTPException(status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"})
    if not set(scopes.scopes) <= set(user["scopes"]):
        raise HTTPException(status_code=403, detail="Not enough permissions")
    return user


@app.delete("/items/{item_id}")
async def delete_item(item_id: int, user: dict = Security(get_current_user, scopes=["items:write"])):
    return {"deleted": item_id}


USERS: dict = {}
""",
    fix="""
Take `SecurityScopes` in the dependency that decodes the token and reject a token that lacks one of the
requested scopes:

```python
async def get_current_user(security_scopes: SecurityScopes, token: str = Depends(oauth2_scheme)) -> User:
    user, token_scopes = decode_and_load(token)
    for scope in security_scopes.scopes:
        if scope not in token_scopes:
            raise HTTPException(status_code=403, detail="Not enough permissions",
                                headers={"WWW-Authenticate": f'Bearer scope="{security_scopes.scope_str}"'})
    return user
```
""",
)

_CALLABLE = (NodeKind.FUNCTION, NodeKind.CLASS, NodeKind.INSTANCE, NodeKind.ROUTE)
_SCOPE_ATTRS = ("scopes", "scope_str")


def _security_refs(graph: Graph) -> Iterable[tuple[DepRef, DepNode, int]]:
    """(DepRef, the dependency node it resolves to, column) for every Security(...) with scopes."""
    for route in graph.routes:
        root = route.root
        if root is None:
            continue
        offset = len(root.children) - len(route.deps)
        for ref, (child, _via) in zip(route.deps, root.children[offset:], strict=False):
            if ref.security and ref.scopes:
                yield ref, child, 1
        for node in walk(root):
            if node.kind not in _CALLABLE:
                continue
            by_param = {via: child for child, via in node.children}
            for source in node.params:
                dependency = source.dependency
                if source.kind is ParamKind.DEPENDS and dependency is not None and dependency.security and \
                        dependency.scopes:
                    target = by_param.get(source.param.name)
                    if target is not None:
                        yield dependency, target, source.param.col


def _scopes_param(func: Func) -> str | None:
    for param in func.params:
        if param.annotation is not None and "SecurityScopes" in ir.show(param.annotation, 400):
            return param.name
    return None


def _tests(func: Func) -> list[ir.Expr]:
    """Everything `func` decides on: `if` tests around its statements and its comparisons."""
    out = func.block_tests()
    for site in func.compares:
        if site.expr is not None:  # None: too deep to convert, nothing to read
            out.append(site.expr)
        out.extend(site.conditions)
    return [t for t in out if not is_marker(t)]


def _mentions(expr: object, name: str, derived: set[str], depth: int = 0) -> bool:
    """Whether `name.scopes` / `name.scope_str`, or a local computed from them, occurs in an ir expression."""
    if depth > 40 or expr is None:
        return False
    if isinstance(expr, ir.Name):
        return expr.id in derived
    if isinstance(expr, ir.Attr):
        if expr.attr in _SCOPE_ATTRS and isinstance(expr.value, ir.Name) and expr.value.id == name:
            return True
        return _mentions(expr.value, name, derived, depth + 1)
    if isinstance(expr, (tuple, list)):
        return any(_mentions(e, name, derived, depth + 1) for e in expr)
    if isinstance(expr, ir.Call):
        return _mentions(expr.func, name, derived, depth + 1) or _mentions(expr.args, name, derived, depth + 1) \
            or _mentions([v for _, v in expr.kwargs], name, derived, depth + 1)
    if hasattr(expr, "__slots__"):
        return any(_mentions(getattr(expr, s), name, derived, depth + 1) for s in expr.__slots__
                   if not isinstance(getattr(expr, s), (str, int, float, bool, bytes)))
    return False


def _tests_scopes(func: Func, name: str) -> bool:
    """An `if` or a comparison looks at the requested scopes (directly, or through locals computed from
    them: `for scope in security_scopes.scopes: if scope not in user.scopes: ...`)."""
    derived: set[str] = set()
    for _ in range(5):
        grown = {b.name for b in func.binds if b.name not in derived and _mentions(b.value, name, derived)}
        if not grown:
            break
        derived |= grown
    return _mentions(_tests(func), name, derived)


def _passed_on(func: Func, name: str) -> list[ir.Call]:
    """Calls that receive the SecurityScopes object itself (`check_scopes(security_scopes, user)`)."""
    out = []
    for call in func.calls:
        values = list(call.args) + [v for _, v in call.kwargs]
        if any(isinstance(v, ir.Name) and v.id == name for v in values):
            out.append(call)
    return out


def _checks(graph: Graph, fv: FuncV, func: Func, name: str, depth: int = 0) -> bool | None:
    """True when `func` compares `name.scopes` and can raise; None when it hands the object to code we
    cannot see."""
    if _tests_scopes(func, name):
        return True
    unknown = False
    for call in _passed_on(func, name):
        target = graph.index.resolve(call.func, Ctx(fv.module, func.qualname))
        callee = graph.index.func(target) if isinstance(target, FuncV) else None
        if callee is None or not isinstance(target, FuncV) or depth > 3:
            unknown = True
            continue
        positional = [p for p in callee.params if p.kind in ("posonly", "pos")]
        for i, arg in enumerate(call.args):
            if isinstance(arg, ir.Name) and arg.id == name and i < len(positional) and \
                    _checks(graph, target, callee, positional[i].name, depth + 1) is not False:
                return True
        for key, arg in call.kwargs:
            if isinstance(arg, ir.Name) and arg.id == name and any(p.name == key for p in callee.params) and \
                    _checks(graph, target, callee, key, depth + 1) is not False:
                return True
    return None if unknown else False


def _verdict(graph: Graph, dep: DepNode) -> tuple[str, DepNode | None] | None:
    """None when the scopes are (or may be) enforced; else why not, and the node that takes SecurityScopes."""
    taker = None
    for node in walk(dep):
        if node.kind in (NodeKind.EXTERNAL, NodeKind.UNRESOLVED) or node.calls_unknown:
            return None
        if node.func is None or node.func_module is None or node.kind not in _CALLABLE:
            continue
        name = _scopes_param(node.func)
        if name is None:
            continue
        taker = taker or node
        checked = _checks(graph, FuncV(node.func_module, node.func.qualname), node.func, name)
        if checked is None:
            return None
        if checked and node.rejects:
            return None
    if taker is not None:
        return "takes SecurityScopes but never rejects a token for a missing scope", taker
    return "and no dependency in its chain takes SecurityScopes", None


def check(graph: Graph) -> Iterable[Finding]:
    seen: set[tuple[str, int, str]] = set()
    for ref, dep, col in _security_refs(graph):
        key = (ref.path, ref.line, dep.label)
        if key in seen:
            continue
        seen.add(key)
        verdict = _verdict(graph, dep)
        if verdict is None:
            continue
        why, taker = verdict
        scopes = ", ".join(repr(s) for s in ref.scopes)
        detail = f"{taker.label} {why}" if taker is not None else f"{dep.label} does not check them {why}"
        message = (f"Security({dep.label}, scopes=[{scopes}]) documents scopes that nothing enforces: {detail}; "
                   f"any valid token passes, whatever its scopes")
        related = tuple(Related(n.path, n.line, f"dependency: {n.label}") for n in (taker or dep,)
                        if n.path and n.line)
        where = _span.call(graph, ref.path, ref.line, "Security", column=col,
                           where=lambda n: any(k.arg == "scopes" for k in n.keywords))
        yield finding(RULE, message, ref.path, **at(where), handler=dep.label, related=related,
                      key=f"RG009:{ref.path}:{dep.label}:{scopes}")
