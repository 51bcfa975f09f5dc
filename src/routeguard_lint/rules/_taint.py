"""Credential data flow, shared by the rules that look at what code does with a credential (RG004, RG005,
RG007).

A value is a credential because of where it comes from, never because of its variable's name:

- a parameter FastAPI fills from a security scheme (`Depends(oauth2_scheme)`, `Security(api_key_header)`,
  `Depends(HTTPBearer())`), from a credential `Header()`/`Cookie()`, or with `OAuth2PasswordRequestForm`;
- a string parameter FastAPI reads from the query string that RG003 calls a credential (`token: str`);
- a parameter filled by a dependency that returns such a value (`Depends(get_token)`);
- `request.headers[...]` / `request.cookies.get(...)` with a credential header or cookie name (on a
  parameter typed `Request`/`WebSocket`/`HTTPConnection` or named `request`, `websocket`, `conn`), a
  scheme instance called directly (`await oauth2_scheme(request)`);
- a project function's parameter that receives one of these as an argument.

From there the value is followed through simple local assignments and the string operations that keep a
secret a secret (`token = credentials.credentials`, `scheme, _, token = authorization.partition(" ")`,
`.strip()`, `.encode()`, `base64.b64decode(...)`), into decoded claims (`payload = jwt.decode(token, ...)`,
`payload.get("sub")`) and into the result of a project function called with it (`user = lookup(token)`).

Kinds of values (`Kind`): the secret itself (RAW), objects holding one (HTTP credentials, Basic credentials,
the password form), the claims of a decoded token (CLAIMS), a user name (IDENT) and the result of an
authentication step (AUTH: the value of an auth dependency, or of a function called with a credential).

`FlowAnalysis(graph)` computes, to a bounded fixpoint, the kind of every project function's parameters and
return value, and evaluates expressions inside one function (`FuncFlow`). It is computed once per graph.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func
from routeguard_lint.project.index import ClassV, Ctx, ExternalV, FuncV, Index, InstanceV
from routeguard_lint.routes.model import DepNode, Graph, NodeKind, ParamKind, ParamSource, has_credential
from routeguard_lint.routes.query_values import query_credential
from routeguard_lint.rules.rg003_credential_in_query import STRING_TYPES
from routeguard_lint.vocabulary import (
    AUTH_NAME,
    REQUEST_TYPES,
    SCHEME_NAMES,
    VERIFYING_CALLS,
    Source,
    is_credential,
    is_fastapi_name,
)

RAW = "credential"  # the secret itself: a bearer token, an API key, a password, a session id
BEARER = "http-credentials"  # HTTPAuthorizationCredentials: `.credentials` is RAW
BASIC = "basic-credentials"  # HTTPBasicCredentials: `.password` is RAW, `.username` IDENT
FORM = "password-form"  # OAuth2PasswordRequestForm: `.password` / `.client_secret` RAW, `.username` IDENT
CLAIMS = "claims"  # what a decoded token says
AUTH = "auth-result"  # the current user, `verified`, ...: the outcome of authenticating
IDENT = "identity"  # a user name that comes with a credential (not itself a secret)

RANK = {RAW: 7, BEARER: 6, BASIC: 5, FORM: 4, CLAIMS: 3, AUTH: 2, IDENT: 1}
SECRET_CARRIERS = frozenset({RAW, BEARER, BASIC, FORM, CLAIMS})

RAW_SCHEMES = frozenset({"OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer", "OAuth2", "APIKeyHeader",
                         "APIKeyCookie", "APIKeyQuery", "APIKeyBase", "OpenIdConnect"})
BEARER_SCHEMES = frozenset({"HTTPBearer", "HTTPDigest", "HTTPBase"})
BASIC_SCHEMES = frozenset({"HTTPBasic"})

# Methods of a string that give back (part of) the same secret.
STR_METHODS = frozenset({"split", "rsplit", "partition", "rpartition", "strip", "lstrip", "rstrip", "removeprefix",
                         "removesuffix", "replace", "lower", "upper", "casefold", "encode", "decode", "title",
                         "get_secret_value", "splitlines", "expandtabs", "zfill"})
# Functions that give back the same secret, decoded or reformatted.
RAW_FUNCS = frozenset({
    "builtins.str", "builtins.bytes", "base64.b64decode", "base64.urlsafe_b64decode", "base64.standard_b64decode",
    "base64.b32decode", "base64.b16decode", "binascii.a2b_base64", "urllib.parse.unquote",
    "urllib.parse.unquote_plus", "fastapi.security.utils.get_authorization_scheme_param",
})
CLAIM_FUNCS = re.compile(r"(^|\.)(get_unverified_claims|get_unverified_header|decode_complete|json\.loads|"
                         r"unsafe_loads)$")
ATTR_KINDS = {
    BEARER: {"credentials": RAW},
    BASIC: {"password": RAW, "username": IDENT},
    FORM: {"password": RAW, "client_secret": RAW, "username": IDENT, "client_id": IDENT},
}

REQUEST_NAMES = frozenset({"request", "req", "websocket", "ws", "conn", "connection", "http_request"})

MAX_ROUNDS = 8
MAX_EXPR_DEPTH = 24  # how deep `FuncFlow.kind` follows one expression (nested calls, names bound to names)


def better(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if RANK[a] >= RANK[b] else b


def walk_ir(expr: object) -> Iterator[object]:
    """Every sub-expression of an ir expression (pre-order, bounded by the ir's own depth limit)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        yield node
        if isinstance(node, ir.Attr):
            stack.append(node.value)
        elif isinstance(node, ir.Call):
            stack.append(node.func)
            stack.extend(node.args)
            stack.extend(v for _, v in node.kwargs)
        elif isinstance(node, (ir.Star, ir.Not)):
            stack.append(node.value)
        elif isinstance(node, ir.Seq):
            stack.extend(node.items)
        elif isinstance(node, ir.DictE):
            for key, value in node.items:
                stack.append(key)
                stack.append(value)
        elif isinstance(node, ir.Sub):
            stack.append(node.value)
            stack.extend(node.index)
        elif isinstance(node, ir.BinOp):
            stack.extend((node.left, node.right))
        elif isinstance(node, ir.Compare):
            stack.append(node.left)
            stack.extend(node.comparators)
        elif isinstance(node, ir.BoolOp):
            stack.extend(node.values)
        elif isinstance(node, ir.IfExp):
            stack.extend((node.test, node.body, node.orelse))
        elif isinstance(node, ir.FStr):
            stack.extend(p for p in node.parts if not isinstance(p, str))


def func_key(node: DepNode) -> FuncV | None:
    if node.func is None or not node.func_module:
        return None
    return FuncV(node.func_module, node.func.qualname)


def child_for(node: DepNode, param_name: str) -> DepNode | None:
    for child, via in node.children:
        if via == param_name:
            return child
    return None


def node_is_auth(node: DepNode) -> bool:
    """The graph knows this dependency as authentication: its name says so, or it reads a credential."""
    if node.kind is NodeKind.SCHEME or node.name_says_auth:
        return True
    if node.kind in (NodeKind.EXTERNAL, NodeKind.UNRESOLVED):
        return bool(AUTH_NAME.search(node.label))
    return has_credential(node)


class FlowAnalysis:
    def __init__(self, graph: Graph):
        self.graph = graph
        self.index: Index = graph.index
        self.funcs: dict[FuncV, Func] = {}
        for facts in self.index.modules:
            if facts.error:
                continue
            for qualname, func in facts.functions.items():
                self.funcs[FuncV(facts.module, qualname)] = func
        self.envs: dict[FuncV, dict[str, str]] = {}
        self.returns: dict[FuncV, str] = {}
        self.dep_nodes = sorted((n for n in graph.nodes.values()
                                 if n.kind in (NodeKind.FUNCTION, NodeKind.CLASS, NodeKind.INSTANCE)
                                 and func_key(n) is not None),
                                key=lambda n: (n.func_module or "", n.func.qualname if n.func is not None else ""))
        self._solve()

    # -- fixpoint ---------------------------------------------------------------------------------------
    def _merge(self, fv: FuncV, name: str, kind: str | None) -> bool:
        if kind is None:
            return False
        env = self.envs.setdefault(fv, {})
        new = better(env.get(name), kind) or kind
        if new != env.get(name):
            env[name] = new
            return True
        return False

    def _solve(self) -> None:
        for _ in range(MAX_ROUNDS):
            changed = False
            for node in self.dep_nodes:
                key = func_key(node)
                if key is None:
                    continue
                for source in node.params:
                    changed |= self._merge(key, source.param.name, self.param_kind(node, source))
            for fv in sorted(self._active(), key=lambda f: (f.module, f.qualname)):
                flow = self.flow(fv)
                for call in flow.func.calls:
                    target = flow.callee(call)
                    if target is None:
                        continue
                    callee, skip = target
                    for pname, arg in self.map_args(callee, call, skip):
                        changed |= self._merge(callee, pname, flow.kind(arg))
                ret = None
                for r in flow.func.returns:
                    if r.value is not None:
                        ret = better(ret, flow.kind(r.value))
                if ret is not None and ret != self.returns.get(fv):
                    self.returns[fv] = better(self.returns.get(fv), ret) or ret
                    changed = True
            if not changed:
                break

    def _active(self) -> set[FuncV]:
        out = {fv for fv, env in self.envs.items() if env and fv in self.funcs}
        for fv, func in self.funcs.items():
            if func.credential_reads:
                out.add(fv)
        return out

    def param_kind(self, node: DepNode, source: ParamSource) -> str | None:
        """What FastAPI passes to a dependency's (or handler's) parameter, as a Kind."""
        name = source.param.name
        if source.kind in (ParamKind.HEADER, ParamKind.COOKIE):
            return RAW if source.credential else None
        if source.kind is ParamKind.PASSWORD_FORM:
            return FORM
        if source.kind in (ParamKind.QUERY, ParamKind.EXPLICIT_QUERY):
            # a credential sent in the query string (RG003's judgement: its name says so and FastAPI reads it
            # from the URL); still a credential the code checks
            if source.type_name in STRING_TYPES and query_credential(node, source):
                return RAW
            return None
        if source.kind is not ParamKind.DEPENDS:
            return None
        child = child_for(node, name)
        if child is None:
            return None
        if child.kind is NodeKind.SCHEME:
            return scheme_kind(child.scheme_class)
        if child.password_form:
            return FORM
        key = func_key(child)
        if key is not None and child.kind in (NodeKind.FUNCTION, NodeKind.INSTANCE):
            ret = self.returns.get(key)
            if ret in SECRET_CARRIERS:
                return ret
        return AUTH if node_is_auth(child) else None

    def map_args(self, callee: FuncV, call: ir.Call, skip_first: bool) -> list[tuple[str, ir.Expr]]:
        func = self.funcs.get(callee)
        if func is None:
            return []
        params = list(func.params)
        if skip_first and params and params[0].kind in ("pos", "posonly"):
            params = params[1:]
        positional = [p for p in params if p.kind in ("pos", "posonly")]
        named = {p.name for p in params if p.kind in ("pos", "kwonly")}
        out: list[tuple[str, ir.Expr]] = []
        for i, arg in enumerate(call.args):
            if isinstance(arg, ir.Star):
                break
            if i < len(positional):
                out.append((positional[i].name, arg))
        for key, value in call.kwargs:
            if key in named:
                out.append((key, value))
        return out

    def flow(self, fv: FuncV) -> FuncFlow:
        return FuncFlow(self, fv, self.funcs[fv], dict(self.envs.get(fv, {})))

    def functions(self) -> list[tuple[FuncV, Func]]:
        return sorted(self.funcs.items(), key=lambda item: (item[0].module, item[0].qualname))


def scheme_kind(scheme_class: str | None) -> str | None:
    if scheme_class in RAW_SCHEMES:
        return RAW
    if scheme_class in BEARER_SCHEMES:
        return BEARER
    if scheme_class in BASIC_SCHEMES:
        return BASIC
    return AUTH if scheme_class else None


class FuncFlow:
    """Kinds of expressions inside one function, given the kinds of its parameters."""

    def __init__(self, analysis: FlowAnalysis, fv: FuncV, func: Func, env: dict[str, str]):
        self.analysis = analysis
        self.index = analysis.index
        self.fv = fv
        self.func = func
        self.env = env
        self.ctx = Ctx(fv.module, func.qualname)
        self.param_names = {p.name for p in func.params}
        self._locals: dict[str, str | None] = {}
        self._visiting: set[str] = set()
        self._tuple_binds: dict[str, ir.Expr] = {}
        for bind in func.binds:
            if bind.name not in func.assigns:
                self._tuple_binds[bind.name] = bind.value

    # -- names ------------------------------------------------------------------------------------------
    def assigned(self, name: str) -> ir.Expr | None:
        """The expression last bound to a local name (None for parameters and globals)."""
        if name in self.func.assigns:
            return self.func.assigns[name]
        return self._tuple_binds.get(name)

    def name_kind(self, name: str, depth: int) -> str | None:
        if name in self._visiting:
            return self.env.get(name)
        if name in self._locals:
            return self._locals[name]
        bound = self.assigned(name)
        if bound is None:
            return self.env.get(name)
        self._visiting.add(name)
        try:
            kind = self.kind(bound, depth + 1)
        finally:
            self._visiting.discard(name)
        self._locals[name] = kind
        return kind

    def is_request(self, expr: ir.Expr | None) -> bool:
        """`request` in `request.headers[...]`: an incoming request or connection (not a test client's
        response, whose headers are not a credential the app checks)."""
        dotted = ir.dotted(expr)
        if dotted is None:
            return False
        last = dotted.rsplit(".", 1)[-1].lower()
        if last in REQUEST_NAMES:
            return True
        if isinstance(expr, ir.Name):
            for param in self.func.params:
                if param.name == expr.id:
                    text = ir.show(param.annotation) if param.annotation is not None else ""
                    return any(t in text for t in REQUEST_TYPES)
        return False

    # -- calls ------------------------------------------------------------------------------------------
    def callee(self, call: ir.Call) -> tuple[FuncV, bool] | None:
        """The project function a call runs, and whether its first parameter is `self`."""
        f = call.func
        if isinstance(f, ir.Attr) and isinstance(f.value, ir.Name) and f.value.id in ("self", "cls") and \
                self.func.class_name:
            value = self.index.class_attr(ClassV(self.fv.module, self.func.class_name), f.attr)
            if isinstance(value, FuncV) and value in self.analysis.funcs:
                return value, True
            return None
        value = self.index.resolve(f, self.ctx)
        if isinstance(value, FuncV) and value in self.analysis.funcs:
            func = self.analysis.funcs[value]
            method = func.class_name is not None and bool(func.params) and func.params[0].name in ("self", "cls")
            return value, method and isinstance(f, ir.Attr)
        if isinstance(value, ClassV):
            init = self.index.class_attr(value, "__init__")
            if isinstance(init, FuncV) and init in self.analysis.funcs:
                return init, True
        return None

    def _scheme_call(self, call: ir.Call) -> str | None:
        f = call.func
        if isinstance(f, ir.Attr) and f.attr == "__call__" and isinstance(f.value, ir.Call) and \
                ir.dotted(f.value.func) == "super" and self.func.class_name:
            for base in self.index.external_bases(ClassV(self.fv.module, self.func.class_name)):
                if is_fastapi_name(base, SCHEME_NAMES):
                    return scheme_kind(base.rsplit(".", 1)[-1])
            return None
        value = self.index.resolve(f, self.ctx)
        if isinstance(value, InstanceV):
            cls = value.cls
            if isinstance(cls, ExternalV) and is_fastapi_name(cls.qualname, SCHEME_NAMES):
                return scheme_kind(cls.qualname.rsplit(".", 1)[-1])
            if isinstance(cls, ClassV):
                for base in self.index.external_bases(cls):
                    if is_fastapi_name(base, SCHEME_NAMES):
                        return scheme_kind(base.rsplit(".", 1)[-1])
        return None

    def call_kind(self, call: ir.Call, depth: int) -> str | None:
        f = call.func
        if isinstance(f, ir.Attr):
            # request.headers.get("authorization") / request.cookies.get("session")
            if f.attr == "get" and isinstance(f.value, ir.Attr) and f.value.attr in ("headers", "cookies") and \
                    self.is_request(f.value.value):
                key = call.args[0] if call.args else call.kwarg("key")
                if credential_key(f.value.attr, key):
                    return RAW
            base = self.kind(f.value, depth + 1)
            if base == RAW and f.attr in STR_METHODS:
                return RAW
            if base == CLAIMS and f.attr in ("get", "pop", "copy", "items", "values"):
                return CLAIMS
            if base == AUTH:
                return AUTH
        scheme = self._scheme_call(call)
        if scheme is not None:
            return scheme
        value = self.index.resolve(f, self.ctx)
        args = [a.value if isinstance(a, ir.Star) else a for a in call.args] + [v for _, v in call.kwargs]
        kinds = [self.kind(a, depth + 1) for a in args]
        carried = [k for k in kinds if k in SECRET_CARRIERS]
        if isinstance(value, ExternalV):
            name = value.qualname
            if name in RAW_FUNCS:
                return RAW if RAW in kinds else None
            if carried and (VERIFYING_CALLS.match(name) or CLAIM_FUNCS.search(name)):
                return CLAIMS
            return None
        target = self.callee(call)
        if target is not None:
            ret = self.analysis.returns.get(target[0])
            if ret is not None and (ret in SECRET_CARRIERS or carried):
                return ret if ret in SECRET_CARRIERS else AUTH
            if carried:
                return AUTH
            if ret == AUTH and not args:
                return AUTH
            return None
        return None

    # -- expressions ------------------------------------------------------------------------------------
    def kind(self, expr: ir.Expr | None, depth: int = 0) -> str | None:  # noqa: C901 - a flat dispatch
        if expr is None or depth > MAX_EXPR_DEPTH:
            return None
        if isinstance(expr, ir.Name):
            return self.name_kind(expr.id, depth)
        if isinstance(expr, ir.Attr):
            base = self.kind(expr.value, depth + 1)
            if base in ATTR_KINDS:
                return ATTR_KINDS[base].get(expr.attr)
            if base in (CLAIMS, AUTH):
                return base
            return None
        if isinstance(expr, ir.Sub):
            value = expr.value
            if isinstance(value, ir.Attr) and value.attr in ("headers", "cookies") and len(expr.index) == 1 and \
                    self.is_request(value.value) and credential_key(value.attr, expr.index[0]):
                return RAW
            base = self.kind(value, depth + 1)
            if base == RAW:
                index = expr.index[0] if expr.index else None
                if isinstance(index, ir.Unknown) and index.code.startswith(":"):
                    return None  # `token[:3]`: a prefix, not the secret
                if _scheme_word(value, index):
                    return None  # `scheme, token = authorization.split()`: the scheme name, not the secret
                return RAW
            if base in (CLAIMS, AUTH):
                return base
            return None
        if isinstance(expr, ir.Call):
            return self.call_kind(expr, depth)
        if isinstance(expr, ir.BoolOp):
            if expr.op == "or":
                out = None
                for value in expr.values:
                    out = better(out, self.kind(value, depth + 1))
                return out
            return self.kind(expr.values[-1], depth + 1) if expr.values else None
        if isinstance(expr, ir.IfExp):
            return better(self.kind(expr.body, depth + 1), self.kind(expr.orelse, depth + 1))
        if isinstance(expr, ir.Star):
            return None
        if isinstance(expr, (ir.FStr, ir.BinOp)):
            parts = expr.parts if isinstance(expr, ir.FStr) else (expr.left, expr.right)
            if isinstance(expr, ir.BinOp) and expr.op != "+":
                return None
            for part in parts:
                if not isinstance(part, str) and self.kind(part, depth + 1) == RAW:
                    return RAW
            return None
        return None

    def tainted(self, expr: ir.Expr | None) -> bool:
        """Whether any part of `expr` is credential-derived or an authentication result."""
        for node in walk_ir(expr):
            if isinstance(node, (ir.Name, ir.Attr, ir.Sub, ir.Call)) and self.kind(node) is not None:
                return True
        return False


def _scheme_word(value: ir.Expr, index: ir.Expr | None) -> bool:
    """Item 0 of a header split on white space (`authorization.split()`, `.split(" ")`, `.partition(" ")`): the
    authentication scheme's name ("Bearer", "Basic"), which is not a secret."""
    if not (isinstance(index, ir.Const) and index.value == 0 and isinstance(value, ir.Call) and
            isinstance(value.func, ir.Attr) and value.func.attr in ("split", "partition", "split_once")):
        return False
    sep = value.arg(0, "sep")
    return sep is None or (isinstance(sep, ir.Const) and sep.value is None) or \
        (isinstance(sep, ir.Str) and sep.value.strip() == "")


def credential_key(source: str, key: ir.Expr | None) -> bool:
    if not isinstance(key, ir.Str):
        return False
    return is_credential(Source(source), key.value)


def credential_taint(graph: Graph) -> FlowAnalysis:
    """The flow analysis of `graph`, computed once and kept on the graph."""
    cached = graph.__dict__.get("_credential_flow")
    if cached is None:
        cached = FlowAnalysis(graph)
        graph.__dict__["_credential_flow"] = cached
    return cached
