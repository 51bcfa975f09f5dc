"""RG010 jwt-verification-disabled: decoding a JWT without verifying it, or trusting unverified claims."""

from __future__ import annotations

import re
from collections.abc import Iterable

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func, ModuleFacts
from routeguard_lint.model import Finding
from routeguard_lint.project.index import Ctx, ExternalV, FuncV, ModuleV
from routeguard_lint.routes.model import Graph
from routeguard_lint.rules import _span
from routeguard_lint.rules._util import at, finding
from routeguard_lint.rules.base import Rule

RULE = Rule(
    code="RG010",
    name="jwt-verification-disabled",
    summary="A JWT decoded without verifying its signature (or accepting any algorithm), or unverified claims "
            "used as the identity.",
    severity="error",
    cwe=(347,), security_severity=9.1, precision="high",
    what="""
Calls to PyJWT (`import jwt`) and python-jose (`from jose import jwt`), recognised through the imports
(not by the name `jwt` alone), that accept a token nobody signed:

* `jwt.decode(..., options={"verify_signature": False})`, or PyJWT 1's `verify=False`;
* `algorithms=["none"]` (or any list containing `"none"`);
* `jwt.decode(token, key)` without `algorithms=`: python-jose (and PyJWT before 2.0) then accepts whatever
  algorithm the token's header names; PyJWT 2 rejects every token instead (reported as a warning);
* `jwt.get_unverified_claims(token)` (python-jose) whose result is returned or used to look a user up, and
  `get_unverified_header(...)` whose result is used to look a user up;
* `options={"verify_exp": False}`: the signature is checked but the token never expires (a warning).

Options given as a module constant or a local dict are followed. Decoding with verification turned off
to *read* a header before a verifying `jwt.decode` (picking the key by `kid`) is not reported, nor is an
unverified decode whose result is thrown away (`jwt.decode(token, options={"verify_signature": False})` as
a statement of its own: a format check that trusts no claim).
""",
    why="""
A JWT is only as trustworthy as its signature check. With verification off, or with the `none`
algorithm allowed, anyone can write `{"sub": "admin"}` into a token and be that user (CWE-347). Without an
`algorithms` allow-list, a token whose header says `HS256` makes the library verify the HMAC with the
*public* RSA key as the secret, so an attacker who knows the public key can mint valid tokens
(algorithm confusion). Unverified claims used as the identity are the same bypass spelled differently.
A token that never expires stays valid after logout or a leak.
""",
    example="""
import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_current_user(token: str = Depends(oauth2_scheme)):
    payload = jwt.decode(token, options={"verify_signature": False})
    return payload["sub"]


@app.get("/me")
def me(user: str = Depends(get_current_user)):
    return {"user": user}
""",
    good="""
import jwt

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_current_user(token: str = Depends(oauth2_scheme)):
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        raise HTTPException(status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"})
    return payload["sub"]


@app.get("/me")
def me(user: str = Depends(get_current_user)):
    return {"user": user}


SECRET_KEY = open("/run/secrets/jwt").read()
""",
    fix="""
Verify the signature with the key and a fixed list of algorithms:

```python
payload = jwt.decode(token, settings.jwt_public_key, algorithms=["RS256"], audience="my-api")
```

Read an unverified header only to choose the key (`kid`), then decode with verification; never use
`get_unverified_claims` for anything but logging.
""",
)

DECODERS = {
    "pyjwt": re.compile(r"^jwt(\.api_jwt)?\.(decode|decode_complete)$"),
    "jose": re.compile(r"^jose\.jwt\.decode$"),
}
UNVERIFIED = re.compile(r"^(jwt(\.api_jws|\.api_jwt)?|jose\.jwt|jose\.jws)\.(get_unverified_claims|"
                        r"get_unverified_header|get_unverified_headers)$")
VERIFYING = re.compile(r"^(jwt(\.api_jwt|\.api_jws)?\.(decode|decode_complete)|jose\.(jwt|jws|jwe)\.(decode|verify)|"
                       r"authlib\.jose\..*\.decode)$")
LOOKUP = re.compile(r"(user|account|member|customer|tenant|principal|identity|profile|owner|subject|login)",
                    re.IGNORECASE)


def _library(qualname: str) -> str | None:
    for lib, pattern in DECODERS.items():
        if pattern.match(qualname):
            return lib
    return None


def _bound(expr: ir.Expr, f: _Func) -> tuple[ir.Expr, Func | None, ModuleFacts] | None:
    """What a local, a module constant (`NO_VERIFY`, `config.NO_VERIFY`, an imported name) is bound to."""
    index = f.graph.index
    if isinstance(expr, ir.Name):
        if expr.id in f.func.assigns:
            return f.func.assigns[expr.id], f.func, f.facts
        if expr.id in f.facts.assigns:
            return f.facts.assigns[expr.id], None, f.facts
        ref = f.facts.imports.get(expr.id)
        if ref is None or ref.name is None:
            return None
        target = index.module(ref.module)
        if target is not None and ref.name in target.assigns:
            return target.assigns[ref.name], None, target
        return None
    if isinstance(expr, ir.Attr):
        base = index.resolve(expr.value, f.ctx)
        target = index.module(base.name) if isinstance(base, ModuleV) else None
        if target is not None and expr.attr in target.assigns:
            return target.assigns[expr.attr], None, target
    return None


def _resolve_dict(expr: ir.Expr | None, f: _Func, depth: int = 0) -> ir.DictE | None:
    """A dict literal, or a local/module name bound to one (also `dict(verify_signature=False)`)."""
    if expr is None or depth > 5:
        return None
    if isinstance(expr, ir.DictE):
        return expr
    if isinstance(expr, ir.Call) and ir.dotted(expr.func) == "dict" and not expr.args:
        return ir.DictE(tuple((ir.Str(k), v) for k, v in expr.kwargs if k != "**"))
    bound = _bound(expr, f)
    return _resolve_dict(bound[0], f, depth + 1) if bound is not None else None


def _options(expr: ir.Expr | None, f: _Func) -> dict[str, object]:
    out: dict[str, object] = {}
    d = _resolve_dict(expr, f)
    if d is None:
        return out
    for key, value in d.items:
        if isinstance(key, ir.Str) and isinstance(value, ir.Const):
            out[key.value] = value.value
    return out


def _algorithms(expr: ir.Expr | None, f: _Func, depth: int = 0) -> list[str] | None:
    """The literal algorithm names (None when they are not literal)."""
    if expr is None or depth > 5:
        return None
    if isinstance(expr, ir.Str):
        return [expr.value]
    if isinstance(expr, ir.Seq):
        out = []
        for item in expr.items:
            if isinstance(item, ir.Str):
                out.append(item.value)
            else:
                sub = _algorithms(item, f, depth + 1) if isinstance(item, (ir.Name, ir.Attr)) else None
                if sub is None:
                    return None
                out.extend(sub)
        return out
    bound = _bound(expr, f)
    return _algorithms(bound[0], f, depth + 1) if bound is not None else None


class _Func:
    """One function: resolving its calls, following unverified values through its locals."""

    def __init__(self, graph: Graph, facts: ModuleFacts, func: Func):
        self.graph = graph
        self.facts = facts
        self.func = func
        self.ctx = Ctx(facts.module, func.qualname)
        self._memo: dict[str, str | None] = {}

    def qualname(self, call: ir.Call) -> str | None:
        key = ir.show(call.func, 200)
        if key not in self._memo:
            value = self.graph.index.resolve(call.func, self.ctx)
            self._memo[key] = value.qualname if isinstance(value, ExternalV) else None
        return self._memo[key]

    def uses(self, expr: object, tainted: set[str], source: str, depth: int = 0) -> bool:
        """Whether `expr` carries a tainted local (or the unverified call itself), outside the arguments of
        a verifying decode."""
        if depth > 40 or expr is None:
            return False
        if isinstance(expr, ir.Name):
            return expr.id in tainted
        if isinstance(expr, ir.Call):
            q = self.qualname(expr) or ""
            if q == source:
                return True
            if VERIFYING.match(q):
                return False
            return self.uses(expr.func, tainted, source, depth + 1) or \
                any(self.uses(a, tainted, source, depth + 1) for a in expr.args) or \
                any(self.uses(v, tainted, source, depth + 1) for _k, v in expr.kwargs)
        if isinstance(expr, (tuple, list)):
            return any(self.uses(e, tainted, source, depth + 1) for e in expr)
        if hasattr(expr, "__slots__"):
            return any(self.uses(getattr(expr, s), tainted, source, depth + 1) for s in expr.__slots__
                       if not isinstance(getattr(expr, s), (str, int, float, bool, bytes)))
        return False

    def verified_before(self, call: ir.Call) -> bool:
        """The token the unverified getter reads was verified earlier in the function, which ends when that
        failed: `if verify_token(token) is None: return None` (or `if not ...: raise ...`) before
        `jwt.get_unverified_claims(token)`, where `verify_token` is a project function that decodes the token
        with verification. The claims are then those of a signed token."""
        token = call.args[0] if call.args else None
        if not isinstance(token, ir.Name) or token.id in self.func.assigns:
            return False
        exits: list[tuple[int, tuple[ir.Expr, ...]]] = [(r.line, r.conditions) for r in self.func.returns] + \
            [(r.line, r.conditions) for r in self.func.raises]
        for line, conditions in exits:
            if line >= call.line or not conditions:
                continue
            test = conditions[-1]
            failed = test.value if isinstance(test, ir.Not) else test.left \
                if isinstance(test, ir.Compare) and len(test.ops) == 1 and test.ops[0] in ("is", "==") and \
                isinstance(test.comparators[0], ir.Const) and test.comparators[0].value in (None, False) else None
            if isinstance(failed, ir.Call) and any(isinstance(a, ir.Name) and a.id == token.id for a in failed.args) \
                    and self._verifies(failed):
                return True
        return False

    def _verifies(self, call: ir.Call) -> bool:
        """A project function whose body decodes a token with verification (a verifying `jwt.decode` it makes
        itself that RG010 finds nothing wrong with)."""
        target = self.graph.index.resolve(call.func, self.ctx)
        if not isinstance(target, FuncV):
            return False
        func = self.graph.index.func(target)
        facts = self.graph.index.module(target.module)
        if func is None or facts is None:
            return False
        inner = _Func(self.graph, facts, func)
        for other in func.calls:
            q = inner.qualname(other) or ""
            lib = _library(q)
            if VERIFYING.match(q) and lib is not None and \
                    not any(severity == "error" for severity, _m in _decode_problems(other, lib, inner)):
                return True
        return False

    def unverified_sink(self, call: ir.Call, source: str) -> str | None:
        """Where the result of an unverified getter ends up: a return, or a user lookup."""
        tainted: set[str] = set()
        for _ in range(6):
            grown = {b.name for b in self.func.binds
                     if b.name not in tainted and self.uses(b.value, tainted, source)}
            if not grown:
                break
            tainted |= grown
        for other in self.func.calls:
            q = self.qualname(other) or ""
            if q == source or VERIFYING.match(q):
                continue
            target = ir.show(other.func, 120) + " " + " ".join(ir.show(a, 60) for a in other.args[:1])
            if not LOOKUP.search(target):
                continue
            values = list(other.args) + [v for _k, v in other.kwargs]
            if any(self.uses(v, tainted, source) for v in values):
                return f"used to look up {ir.show(other.func, 60)}(...) (line {other.line})"
        if source.endswith("get_unverified_claims"):
            for ret in self.func.returns:
                if ret.value is not None and self.uses(ret.value, tainted, source):
                    return f"returned (line {ret.line})"
        return None


def _decode_problems(call: ir.Call, lib: str, f: _Func, discarded: bool = False) -> list[tuple[str, str]]:
    """(severity, message) for one decode call. `discarded`: the call is a statement of its own, its result (the
    claims) thrown away: with the signature check off it only tells a well-formed token, and no claim is trusted."""
    out: list[tuple[str, str]] = []
    name = ir.show(call.func, 40)
    options = _options(call.arg(3, "options"), f)
    spread = any(k == "**" for k, _ in call.kwargs)
    signature_off = options.get("verify_signature") is False
    verify = call.kwarg("verify")
    if isinstance(verify, ir.Const) and verify.value is False:
        signature_off = True
        if not discarded:
                out.append(("error", f"{name}(..., verify=False) does not check the token's signature: anyone can "
                                 f"forge a token with any claims"))
    elif signature_off and not discarded:
        out.append(("error", f"{name}(..., options={{'verify_signature': False}}) does not check the token's "
                             f"signature: anyone can forge a token with any claims"))
    algorithms = call.arg(2, "algorithms")
    if algorithms is not None:
        names = _algorithms(algorithms, f)
        if names is not None and any(a.lower() == "none" for a in names):
            out.append(("error", f"{name}(..., algorithms=[..., 'none']) accepts unsigned tokens: anyone can forge "
                                 f"a token with any claims"))
    elif not signature_off and not spread:
        if lib == "jose":
            out.append(("error", f"{name}() without algorithms= accepts whatever algorithm the token's header "
                                 f"names (algorithm confusion: an HS256 token checked with the public key as the "
                                 f"secret); pass a fixed list such as algorithms=['RS256']"))
        else:
            out.append(("warning", f"{name}() without algorithms=: PyJWT before 2.0 accepts whatever algorithm "
                                   f"the token's header names (algorithm confusion), PyJWT 2 rejects every token; "
                                   f"pass a fixed list such as algorithms=['HS256']"))
    if options.get("verify_exp") is False and not signature_off:
        out.append(("warning", f"{name}(..., options={{'verify_exp': False}}) accepts expired tokens: a leaked or "
                               f"logged-out token stays valid forever"))
    return out


def check(graph: Graph) -> Iterable[Finding]:
    for facts in graph.index.modules:
        if facts.error:
            continue
        for func in facts.functions.values():
            f: _Func | None = None
            discarded = {effect.call for effect in func.effects}  # calls whose value is thrown away
            for call in func.calls:
                last = call.func.attr if isinstance(call.func, ir.Attr) else \
                    call.func.id if isinstance(call.func, ir.Name) else ""
                if last not in ("decode", "decode_complete", "get_unverified_claims", "get_unverified_header",
                                "get_unverified_headers"):
                    continue
                f = f or _Func(graph, facts, func)
                qualname = f.qualname(call)
                if qualname is None:
                    continue
                lib = _library(qualname)
                problems: list[tuple[str, str]] = []
                if lib is not None:
                    problems = _decode_problems(call, lib, f, call in discarded)
                elif UNVERIFIED.match(qualname) and not f.verified_before(call):
                    sink = f.unverified_sink(call, qualname)
                    if sink:
                        problems = [("error", f"{ir.show(call.func, 40)}() reads the token without verifying its "
                                              f"signature, and the result is {sink}: anyone can forge those "
                                              f"claims")]
                for severity, message in problems:
                    where = _span.call(graph, facts.path, call.line, ir.show(call.func, 200))
                    yield finding(RULE, f"{message} (in {facts.module}.{func.qualname})", facts.path, **at(where),
                                  handler=f"{facts.module}.{func.qualname}", severity=severity,
                                  key=f"RG010:{facts.module}.{func.qualname}:{message[:60]}")
