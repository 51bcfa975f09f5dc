"""A route handler's path that answers without serving: a response written in the code, before any work.

`try: payload = await request.json() except ValueError: return Response(status_code=200)` ahead of the
secret-token check of a webhook, or `if not settings.HOOK_ENABLED: return {"ok": True}`: a request without
credentials that takes such a path gets a response, but the same one whatever it asked, and nothing the
handler protects was done for it (no query, no write, no call of the service). It is not a way past the
check: the route is protected when every other path rejects the request. What the client sees is an answer
(often 2xx), not a refusal: the verdict says so (`Answer.ANSWERED`).

A path answers without serving when

* what it returns is a constant: `None` (falling off the end too), a literal, a container of literals, or a
  response class of FastAPI / Starlette made from literals (not a file or a stream, which read something);
* every call before it (by line, in the handler, tests included) does no work: reading the request itself
  (`await request.json()`, `request.headers.get(...)`), builtins and pure standard-library functions
  (`os.environ.get`, `json.loads`), logging and metrics (a method of an object an observability library
  made: `meter.create_counter(...).add(1)`), building a response, or a project function that only makes
  such calls and changes no shared object (followed a few calls deep, its arguments bound);
* it is not inside a loop (where a later line runs before it).

A handler that does no work on any path serves nothing to protect: it is never "answered". When nothing on
its route could authenticate, it is public by design (`serves_nothing`): a route with no dependencies whose
handler

* does no work (as above; reading a file to test it is no work here: `bool(get_secret_from_env("PASSWORD"))`
  reads a Docker secret's `_FILE`), writes no attribute, item or global, and sets no cookie but to clear one
  (`response.delete_cookie(key)`, `set_cookie(key, "", max_age=0)`, `request.session.clear()`: the caller's
  own cookie or session, as a logout does);
* answers with a value written in the code, or a truth value of what it read without the request (`{"auth_enabled":
  bool(secret), "message": "..." if secret else "..."}`: whether a password is set, the same for every
  caller), never a value the request sent or one read from stored data;
* and either raises, on every path, an HTTP error written in the code (an unconditional `raise
  HTTPException(status_code=400, detail="... deprecated ...")` with no `return` before it: what a deprecated
  endpoint answers), answers such a truth value, clears a cookie, or takes nothing from the request (no parameter but
  the request and response objects, and those unread) and answers one constant: no `return` under a test,
  no `raise`, each `return` a value written in the code (a literal, a container of literals, a module constant
  bound to a literal, a response made of those).

Such a route reveals nothing and changes nothing a credential would protect: an "is authentication on" probe,
a logout that only clears the caller's cookie, `GET /` answering `{"status": "ok"}`, a version written in the
code. A logout that also deletes a session row or a cache entry does work and stays a finding, and so does a
constant answered for a request that sends parameters (`def list_items(limit: int): return []`, a stand-in
for code still to be written), one chosen by a test (`if settings.MAINTENANCE: ...`), and a value read from the
configuration (`settings.VERSION`), a module's container (stored data) or a call.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from routeguard_lint.auth.missing_credential import Outcome, names_in
from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import LOOP_MARKER, Func
from routeguard_lint.project.calls import Calls
from routeguard_lint.project.index import Ctx, ExternalV, FuncV, InstanceV, LiteralV, Value
from routeguard_lint.routes.model import DepNode, NodeKind, ParamKind
from routeguard_lint.vocabulary import PARAM_FUNCS

MAX_DEPTH = 6  # project calls followed (a metrics helper is often four deep)
_SCALARS = (str, bytes, int, float, bool, type(None))  # values no request can change in place
# standard-library modules whose functions compute a value and change nothing (`os` only for its environment)
_PURE_MODULES = frozenset({"json", "re", "hmac", "hashlib", "secrets", "base64", "binascii", "typing", "math",
                           "string", "datetime", "time", "uuid", "urllib.parse", "functools", "operator",
                           "logging", "structlog", "loguru", "fastapi.responses", "starlette.responses",
                           "fastapi.exceptions", "starlette.exceptions", "starlette.status", "fastapi.status",
                           "contextlib", "opentelemetry", "prometheus_client", "importlib.metadata"})
# observability libraries: what they record about a request serves nothing to it
_TELEMETRY = frozenset({"opentelemetry", "prometheus_client", "statsd", "datadog", "sentry_sdk", "logging",
                        "structlog", "loguru"})
_PURE_NAMES = frozenset({"os.getenv", "os.environ.get", "fastapi.Response", "fastapi.HTTPException",
                         "starlette.responses.Response", "fastapi.responses.Response"})
# methods that read a container (called on a local or a parameter of the function)
_READ_METHODS = frozenset({"items", "keys", "values", "get", "copy", "count", "index"})
_MARKERS = PARAM_FUNCS | {"Depends", "Security"}
_IMPURE_BUILTINS = frozenset({"open", "exec", "eval", "setattr", "delattr", "__import__", "input", "compile",
                              "breakpoint", "globals", "vars"})
# responses that read something (a file, an iterator the code made)
_READING_RESPONSES = frozenset({"FileResponse", "StreamingResponse", "EventSourceResponse"})
# what a handler reads of the request itself
_REQUEST_READS = frozenset({"json", "body", "form", "stream", "is_disconnected"})
_REQUEST_PARTS = frozenset({"headers", "cookies", "query_params", "path_params", "url", "client", "scope"})
_STR_METHODS = frozenset({"strip", "lstrip", "rstrip", "lower", "upper", "replace", "split", "rsplit", "startswith",
                          "endswith", "format", "join", "encode", "decode", "removeprefix", "removesuffix"})
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})

# read-only file-system queries (`no_work(..., reads=True)`): a secret read from a `<VAR>_FILE` path
_FILE_READS = frozenset({"pathlib.Path", "pathlib.PurePath", "os.path.exists", "os.path.isfile", "os.path.isdir",
                         "os.path.join", "os.path.expanduser"})
_PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PurePath"})
_PATH_QUERIES = frozenset({"exists", "is_file", "is_dir", "read_text", "read_bytes", "stat", "resolve",
                           "expanduser"})

_PURE: WeakKeyDictionary[Calls, dict[tuple[FuncV, Ctx, bool], bool]] = WeakKeyDictionary()


def answered(node: DepNode, outcome: Outcome, calls: Calls) -> bool:
    """A route handler (not a websocket's) that a request walked gets through only on paths that answer
    without serving (`outcome`: the walk of that request)."""
    func, module = node.func, node.func_module
    if node.kind is not NodeKind.ROUTE or node.websocket_only or func is None or module is None or \
            not outcome.passes or func.has_yield:
        return False
    fv = FuncV(module, func.qualname)
    requests = frozenset(s.param.name for s in node.params if s.kind is ParamKind.REQUEST)
    return all(ex.line >= func.line and
               answers_without_serving(calls, fv, func, requests, ex.line, ex.expr, ex.implicit)
               for ex in outcome.exits)


def answers_without_serving(calls: Calls, fv: FuncV, func: Func, requests: frozenset[str], line: int,
                            expr: ir.Expr | None, implicit: bool) -> bool:
    """The handler `fv` gets to the exit at `line` (returning `expr`; `implicit`: falling off the end) without
    doing any work, and answers a constant there (see the module)."""
    ctx = Ctx(fv.module, func.qualname)
    if not implicit and not constant(expr, calls, ctx, func):
        return False
    if not implicit and any(LOOP_MARKER in r.conditions for r in func.returns if r.line == line):
        return False
    before = [c for c in func.calls if c.line <= line]
    carried = _carried(func, requests)
    if not all(no_work(c, calls, ctx, func, requests, 0, carried) for c in before):
        return False
    # something to protect: a call that works, or a return of something else, on another path
    rest = [c for c in func.calls if c.line > line]
    return any(not no_work(c, calls, ctx, func, requests, 0) for c in rest) or \
        any(r.line != line and not constant(r.value, calls, ctx, func) for r in func.returns)


def _carried(func: Func, requests: frozenset[str]) -> frozenset[str]:
    """The request parameters and the locals bound to what is read from them (`payload = await request.json()`),
    or computed from such a local."""
    names = set(requests)
    for _ in range(3):
        before = len(names)
        names.update(b.name for b in func.binds if "." not in b.name and names_in(b.value) & names)
        if len(names) == before:
            break
    return frozenset(names)


def constant(expr: ir.Expr | None, calls: Calls, ctx: Ctx, func: Func, depth: int = 0) -> bool:
    """A value written in the code: a literal, a container of literals, a module constant, or a response made
    from those."""
    if expr is None or isinstance(expr, (ir.Const, ir.Str)):
        return True
    if depth > 6:
        return False
    if isinstance(expr, ir.Seq):
        return all(constant(i.value if isinstance(i, ir.Star) else i, calls, ctx, func, depth + 1)
                   for i in expr.items)
    if isinstance(expr, ir.DictE):
        return all(x is not None and constant(x, calls, ctx, func, depth + 1) for pair in expr.items for x in pair)
    if isinstance(expr, (ir.Name, ir.Attr)):
        if isinstance(expr, ir.Name) and (expr.id in func.assigns or any(p.name == expr.id for p in func.params)):
            return False
        value = calls.index.resolve(expr, ctx)
        return isinstance(value, LiteralV) and isinstance(value.value, _SCALARS)
    if isinstance(expr, ir.Call):
        target = calls.callee(expr, ctx, func)
        if not (isinstance(target, ExternalV) and _response_class(target.qualname)):
            return False
        return all(constant(a, calls, ctx, func, depth + 1) for a in (*expr.args, *(v for _k, v in expr.kwargs)))
    return False


def _response_class(qualname: str) -> bool:
    module, _, name = qualname.rpartition(".")
    return module in ("fastapi", "fastapi.responses", "starlette.responses") and name.endswith("Response") and \
        name not in _READING_RESPONSES


def no_work(call: ir.Call, calls: Calls, ctx: Ctx, func: Func, requests: frozenset[str], depth: int = 0,
            carried: frozenset[str] = frozenset(), reads: bool = False) -> bool:
    """The call computes a value and changes nothing: see the module. `carried`: names holding the request or
    what was read from it; a project function handed one of them is work (it may store it). `reads`: a
    read-only query of the file system (`Path(p).exists()`, `.read_text()`) is no work either (for a caller
    whose answer keeps nothing of what it read but a truth value)."""
    if _reads_request(call.func, requests):
        return True
    f = call.func
    if isinstance(f, ir.Attr) and f.attr in _READ_METHODS and isinstance(f.value, ir.Name) and \
            (f.value.id in func.assigns or any(p.name == f.value.id for p in func.params)):
        return True  # `attrs.items()` of a local or parameter: a read
    if isinstance(f, ir.Attr) and f.attr in _STR_METHODS and (
            isinstance(f.value, (ir.Str, ir.FStr)) or
            (isinstance(f.value, ir.Call) and _reads_request(f.value.func, requests)) or
            (reads and isinstance(f.value, ir.Call) and _file_read(f.value, calls, ctx, func))):
        return True  # `request.scope.get("root_path", "").rstrip("/")`: a string method of a string
    if isinstance(f, ir.Attr) and f.attr in _LOG_METHODS and isinstance(f.value, ir.Name) and \
            "log" in f.value.id.lower():
        return True
    if isinstance(f, ir.Attr) and _telemetry_object(calls.index.resolve(f.value, ctx), calls, 0):
        return True  # `counter.add(1)` of a meter's counter: a measurement, nothing served
    target = calls.callee(call, ctx, func)
    if isinstance(target, FuncV):
        callee = calls.index.func(target)
        if callee is None or depth >= MAX_DEPTH or names_in([*call.args, *(v for _k, v in call.kwargs)]) & carried:
            return False
        # read with the call's arguments bound (`_add(counter, 1)`: what `counter` is)
        return _pure_function(target, calls, depth + 1, calls.index.call_env(target, callee, call, ctx), reads)
    return _pure_target(target) or (reads and _file_read(call, calls, ctx, func))


def _file_read(call: ir.Call, calls: Calls, ctx: Ctx, func: Func) -> bool:
    """A read-only query of the file system: `Path(p)`, `os.path.isfile(p)`, or a query method of a path
    object (`path.exists()`, `path.read_text()`)."""
    target = calls.callee(call, ctx, func)
    if isinstance(target, ExternalV) and target.qualname in _FILE_READS:
        return True
    f = call.func
    if not (isinstance(f, ir.Attr) and f.attr in _PATH_QUERIES):
        return False
    owner = calls.index.resolve(f.value, ctx)
    return isinstance(owner, InstanceV) and isinstance(owner.cls, ExternalV) and owner.cls.qualname in _PATH_CLASSES


def _reads_request(f: ir.Expr, requests: frozenset[str]) -> bool:
    """`request.json`, `request.headers.get`: a method of the request or of one of its parts."""
    if not isinstance(f, ir.Attr):
        return False
    base = f.value
    if isinstance(base, ir.Attr) and base.attr in _REQUEST_PARTS:
        return isinstance(base.value, ir.Name) and base.value.id in requests
    return f.attr in _REQUEST_READS and isinstance(base, ir.Name) and base.id in requests


def _pure_target(target: Value) -> bool:
    if isinstance(target, ExternalV):
        name = target.qualname
        module, _, last = name.rpartition(".")
        if module == "builtins":
            return last not in _IMPURE_BUILTINS
        if name in _PURE_NAMES or _response_class(name):
            return True
        if module in ("fastapi", "fastapi.params", "fastapi.param_functions") and last in _MARKERS:
            return True  # `Depends(get_session)` in a parameter's default: a declaration, run by FastAPI
        return any(name.startswith(m + ".") for m in _PURE_MODULES) and last not in _READING_RESPONSES
    return False


def _telemetry_object(value: Value, calls: Calls, depth: int) -> bool:
    """An object an observability library made (`meter.create_counter(...)`, `metrics.get_meter(...)`, a
    `prometheus_client.Counter`), followed through the calls that made it."""
    if depth > 4 or not isinstance(value, InstanceV):
        return False
    if isinstance(value.cls, ExternalV):
        return _telemetry(value.cls.qualname)
    if value.cls is not None:
        return False
    made_in = Ctx(value.module, value.scope)
    f = value.call.func
    maker = calls.index.resolve(f, made_in)
    if isinstance(maker, ExternalV):
        return _telemetry(maker.qualname)
    return isinstance(f, ir.Attr) and _telemetry_object(calls.index.resolve(f.value, made_in), calls, depth + 1)


def _telemetry(qualname: str) -> bool:
    return qualname.split(".", 1)[0] in _TELEMETRY


def _pure_function(fv: FuncV, calls: Calls, depth: int, ctx: Ctx, reads: bool = False) -> bool:
    """A project function that only computes: every call it makes does no work, it writes no attribute of a
    shared object, no item of one and no variable of an enclosing scope, and it is no generator (`ctx`: its
    body's context for one call, arguments bound)."""
    memo = _PURE.setdefault(calls, {})
    key = (fv, ctx, reads)
    if key in memo:
        return memo[key]
    memo[key] = False  # recursion guard
    func = calls.index.func(fv)
    found = func is not None and not func.has_yield and not func.attr_writes and not func.nonlocal_assigns and \
        not any("." in b.name for b in func.binds) and not shared_stores(func) and \
        all(no_work(c, calls, ctx, func, frozenset(), depth, reads=reads) for c in func.calls)
    memo[key] = found
    return found


def shared_stores(func: Func) -> list[str]:
    """The items, attributes and globals `func` writes or deletes (`Func.stores`) but those of a container it
    made itself (`data = {}` then `data["k"] = v`)."""
    fresh = {b.name for b in func.binds if _fresh_container(b.value)} - \
        {b.name for b in func.binds if not _fresh_container(b.value)}
    return [s for s in func.stores if s.split("[", 1)[0].split(".", 1)[0] not in fresh or s.startswith("global ")]


def _fresh_container(expr: ir.Expr) -> bool:
    """A container made where it is written: a literal, a comprehension, `dict()` / `list()` / `set()`."""
    if isinstance(expr, (ir.DictE, ir.Seq, ir.Comp)):
        return True
    return isinstance(expr, ir.Call) and isinstance(expr.func, ir.Name) and expr.func.id in ("dict", "list", "set")


# what sets a cookie on the response (a clearing one is the caller's own sign-out)
_COOKIE_SETTERS = frozenset({"set_cookie", "delete_cookie"})
_SESSION_CLEARS = frozenset({"clear", "pop"})


def serves_nothing(node: DepNode, calls: Calls) -> str | None:
    """Why the route's handler serves nothing a credential would protect (see the module), or None."""
    func, module = node.func, node.func_module
    if node.kind is not NodeKind.ROUTE or node.websocket_only or func is None or module is None or node.children \
            or func.has_yield or func.attr_writes or func.nonlocal_assigns or shared_stores(func) or \
            any("." in b.name for b in func.binds):
        return None
    ctx = Ctx(module, func.qualname)
    requests = frozenset(s.param.name for s in node.params if s.kind is ParamKind.REQUEST)
    specials = frozenset(s.param.name for s in node.params if s.kind is ParamKind.SPECIAL)
    carried = _carried(func, frozenset(p.name for p in func.params))  # what the request sent, and values of it
    cleared: list[str] = []
    for call in func.calls:
        f = call.func
        if isinstance(f, ir.Attr) and (f.attr in _COOKIE_SETTERS or _session_of(f, requests)):
            key = _cleared(call, func, specials, requests, calls, ctx)
            if key is None:
                return None  # sets a cookie (a session it starts), or something that is not the response's
            cleared.append(key)
        elif isinstance(f, ir.Attr) and f.attr not in _LOG_METHODS and \
                _telemetry_object(calls.index.resolve(f.value, ctx), calls, 0):
            return None  # `logging.getLogger().setLevel(level)`: it changes how the app runs, not a record of it
        elif not no_work(call, calls, ctx, func, requests, 0, carried, reads=True):
            return None
    refused = _always_refuses(func, calls, ctx)
    if refused is not None:
        return f"nothing to protect: every request gets the HTTP error the handler raises (line {refused}), " \
               f"written in the code, before it does any work"
    flags: list[bool] = []
    if not all(ret.value is None or _reveals_nothing(ret.value, func, calls, ctx, carried, flags, 0)
               for ret in func.returns):
        return None
    if not flags and not cleared:
        return _constant_answer(node, func, calls, ctx)
    what = "a value written in the code" + (" or a truth value of the configuration" if any(flags) else "")
    also = f", and clears the caller's {listed_keys(cleared)}" if cleared else ""
    return f"nothing to protect: the handler reads no stored data and changes nothing; it answers {what}{also}"


_HTTP_ERRORS = frozenset({"fastapi.HTTPException", "fastapi.exceptions.HTTPException",
                          "starlette.exceptions.HTTPException"})
_STATUS_MODULES = ("fastapi.status.", "starlette.status.")


def _always_refuses(func: Func, calls: Calls, ctx: Ctx) -> int | None:
    """The line of a `raise HTTPException(...)` outside any block, made of values written in the code (`status_code=
    status.HTTP_400_BAD_REQUEST, detail="... deprecated ..."`), with no `return` before it: every path of the handler
    ends there (what comes after never runs), so every request gets that error. (`serves_nothing` has checked that
    no call of the handler does any work.)"""
    first = min((r.line for r in func.raises if not r.conditions and r.exc is not None), default=None)
    if first is None or any(r.line < first for r in func.returns):
        return None
    exc = next(r.exc for r in func.raises if r.line == first and not r.conditions)
    if not isinstance(exc, ir.Call):
        return None
    target = calls.callee(exc, ctx, func)
    if not (isinstance(target, ExternalV) and target.qualname in _HTTP_ERRORS):
        return None
    for arg in (*exc.args, *(v for _k, v in exc.kwargs)):
        value = calls.index.resolve(arg, ctx) if isinstance(arg, (ir.Name, ir.Attr)) else None
        if not (constant(arg, calls, ctx, func) or
                (isinstance(value, ExternalV) and value.qualname.startswith(_STATUS_MODULES))):
            return None
    return first


def _constant_answer(node: DepNode, func: Func, calls: Calls, ctx: Ctx) -> str | None:
    """The handler (that `serves_nothing` found doing no work) takes nothing from the request and answers one
    constant: it raises nothing and each of its `return`s, none under a test, gives a value written in the code
    (a literal, a container of literals, a module constant bound to a literal, a response made of those), and no
    parameter is read (`request: Request` taken and never looked at reads nothing). What a stranger gets is the
    same answer for every caller, and nothing was done for it: `{"status": "ok"}` of a liveness probe, a
    banner."""
    if not func.returns or func.raises or any(r.value is None or r.conditions for r in func.returns) or \
            any(s.kind not in (ParamKind.REQUEST, ParamKind.SPECIAL) for s in node.params) or \
            not all(constant(r.value, calls, ctx, func) for r in func.returns):
        return None
    params = {p.name for p in func.params}
    if names_in([*func.calls, *(b.value for b in func.binds)]) & params:
        return None
    return "nothing to protect: the handler takes nothing from the request, reads no stored data or setting and " \
           "changes nothing; it answers a value written in the code, the same for every caller"


def listed_keys(keys: list[str]) -> str:
    """`cookie 'token'`, `cookies 'a', 'b'`, `session` (what `request.session.clear()` clears)."""
    cookies = sorted({k for k in keys if k != "session"})
    parts = [("cookie " if len(cookies) == 1 else "cookies ") + ", ".join(cookies)] if cookies else []
    return " and ".join([*parts, *(["session"] if "session" in keys else [])])


def _session_of(f: ir.Attr, requests: frozenset[str]) -> bool:
    """`request.session.clear()`, `request.session.pop(key)`."""
    return f.attr in _SESSION_CLEARS and isinstance(f.value, ir.Attr) and f.value.attr == "session" and \
        isinstance(f.value.value, ir.Name) and f.value.value.id in requests


def _cleared(call: ir.Call, func: Func, specials: frozenset[str], requests: frozenset[str], calls: Calls,
             ctx: Ctx) -> str | None:
    """The cookie `call` clears on the handler's response (`response.delete_cookie(key)`, `set_cookie(key, "")`,
    `set_cookie(key, max_age=0)`), or "session" for the caller's session (`request.session.clear()`); None for
    anything else (a cookie set to a value, a method of an object that is not the response)."""
    f = call.func
    assert isinstance(f, ir.Attr)
    if _session_of(f, requests):
        return "session"
    owner = f.value
    if not isinstance(owner, ir.Name) or isinstance(calls.callee(call, ctx, func), FuncV):
        return None
    if owner.id not in specials:  # else a local bound to a response made in the handler
        binds = [b.value for b in func.binds if b.name == owner.id]
        if not binds or not all(isinstance(v, ir.Call) and _response_made(v, calls, ctx, func) for v in binds):
            return None
    key = call.arg(0, "key")
    text = calls.index.string(key, ctx) if key is not None else None
    shown = f"'{text}'" if text is not None else ir.show(key, 40) if key is not None else "?"
    if f.attr == "delete_cookie":
        return shown
    value, max_age, expires = call.arg(1, "value"), call.arg(2, "max_age"), call.arg(3, "expires")
    if (value is None or (isinstance(value, ir.Str) and not value.value) or
            (isinstance(value, ir.Const) and value.value is None)) or \
            any(isinstance(v, ir.Const) and v.value == 0 for v in (max_age, expires)):
        return shown
    return None


def _response_made(call: ir.Call, calls: Calls, ctx: Ctx, func: Func) -> bool:
    target = calls.callee(call, ctx, func)
    return isinstance(target, ExternalV) and _response_class(target.qualname)


def _reveals_nothing(expr: ir.Expr, func: Func, calls: Calls, ctx: Ctx, carried: frozenset[str],
                     flags: list[bool], depth: int) -> bool:
    """`expr` is written in the code, or a truth value of what the handler read without the request: a literal
    or module constant, a container or response made of such values, `bool(x)` / `not x` / a comparison of
    values the request did not give, an `if`-expression choosing between such values; a local bound only to
    such values. `flags` gets True for each truth value."""
    if depth > 8:
        return False
    if constant(expr, calls, ctx, func):
        return True
    again = (func, calls, ctx, carried, flags, depth + 1)
    if isinstance(expr, ir.Name):
        binds = [b.value for b in func.binds if b.name == expr.id]
        return expr.id not in carried and bool(binds) and all(_reveals_nothing(v, *again) for v in binds)
    if isinstance(expr, ir.DictE):
        return all(k is not None and constant(k, calls, ctx, func) and _reveals_nothing(v, *again)
                   for k, v in expr.items)
    if isinstance(expr, ir.Seq):
        return all(not isinstance(i, ir.Star) and _reveals_nothing(i, *again) for i in expr.items)
    if isinstance(expr, ir.IfExp):
        return not names_in(expr.test) & carried and _reveals_nothing(expr.body, *again) and \
            _reveals_nothing(expr.orelse, *again)
    if isinstance(expr, ir.BoolOp):
        return all(_reveals_nothing(v, *again) for v in expr.values)
    truth = isinstance(expr, (ir.Not, ir.Compare)) or (
        isinstance(expr, ir.Call) and isinstance(expr.func, ir.Name) and expr.func.id == "bool" and
        len(expr.args) == 1 and not expr.kwargs and "bool" not in func.assigns)
    if truth:
        if names_in(expr) & carried:
            return False
        flags.append(True)
        return True
    if isinstance(expr, ir.Call) and _response_made(expr, calls, ctx, func):
        return all(_reveals_nothing(a, *again) for a in (*expr.args, *(v for _k, v in expr.kwargs)))
    return False
