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
  (`os.environ.get`, `json.loads`), logging, building a response, or a project function that only makes
  such calls and changes no shared object (followed a few calls deep);
* it is not inside a loop (where a later line runs before it).

A handler that does no work on any path serves nothing to protect: it is never "answered" (the other rules
judge it as it is).
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from routeguard_lint.auth.missing_credential import Outcome
from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import LOOP_MARKER, Func
from routeguard_lint.project.calls import Calls
from routeguard_lint.project.index import Ctx, ExternalV, FuncV, LiteralV, Value
from routeguard_lint.routes.model import DepNode, NodeKind, ParamKind

MAX_DEPTH = 3
# standard-library modules whose functions compute a value and change nothing (`os` only for its environment)
_PURE_MODULES = frozenset({"json", "re", "hmac", "hashlib", "secrets", "base64", "binascii", "typing", "math",
                           "string", "datetime", "time", "uuid", "urllib.parse", "functools", "operator",
                           "logging", "structlog", "loguru", "fastapi.responses", "starlette.responses",
                           "fastapi.exceptions", "starlette.exceptions", "starlette.status", "fastapi.status"})
_PURE_NAMES = frozenset({"os.getenv", "os.environ.get", "fastapi.Response", "fastapi.HTTPException",
                         "starlette.responses.Response", "fastapi.responses.Response"})
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

_PURE: WeakKeyDictionary[Calls, dict[FuncV, bool]] = WeakKeyDictionary()


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
    if not implicit and not _constant(expr, calls, ctx, func):
        return False
    if not implicit and any(LOOP_MARKER in r.conditions for r in func.returns if r.line == line):
        return False
    before = [c for c in func.calls if c.line <= line]
    if not all(no_work(c, calls, ctx, func, requests, 0) for c in before):
        return False
    # something to protect: a call that works, or a return of something else, on another path
    rest = [c for c in func.calls if c.line > line]
    return any(not no_work(c, calls, ctx, func, requests, 0) for c in rest) or \
        any(r.line != line and not _constant(r.value, calls, ctx, func) for r in func.returns)


def _constant(expr: ir.Expr | None, calls: Calls, ctx: Ctx, func: Func, depth: int = 0) -> bool:
    """A value written in the code: a literal, a container of literals, a module constant, or a response made
    from those."""
    if expr is None or isinstance(expr, (ir.Const, ir.Str)):
        return True
    if depth > 6:
        return False
    if isinstance(expr, ir.Seq):
        return all(_constant(i.value if isinstance(i, ir.Star) else i, calls, ctx, func, depth + 1)
                   for i in expr.items)
    if isinstance(expr, ir.DictE):
        return all(x is not None and _constant(x, calls, ctx, func, depth + 1) for pair in expr.items for x in pair)
    if isinstance(expr, (ir.Name, ir.Attr)):
        if isinstance(expr, ir.Name) and (expr.id in func.assigns or any(p.name == expr.id for p in func.params)):
            return False
        return isinstance(calls.index.resolve(expr, ctx), LiteralV)
    if isinstance(expr, ir.Call):
        target = calls.callee(expr, ctx, func)
        if not (isinstance(target, ExternalV) and _response_class(target.qualname)):
            return False
        return all(_constant(a, calls, ctx, func, depth + 1) for a in (*expr.args, *(v for _k, v in expr.kwargs)))
    return False


def _response_class(qualname: str) -> bool:
    module, _, name = qualname.rpartition(".")
    return module in ("fastapi", "fastapi.responses", "starlette.responses") and name.endswith("Response") and \
        name not in _READING_RESPONSES


def no_work(call: ir.Call, calls: Calls, ctx: Ctx, func: Func, requests: frozenset[str], depth: int = 0) -> bool:
    """The call computes a value and changes nothing: see the module."""
    if _reads_request(call.func, requests):
        return True
    f = call.func
    if isinstance(f, ir.Attr) and f.attr in _STR_METHODS and (
            isinstance(f.value, (ir.Str, ir.FStr)) or
            (isinstance(f.value, ir.Call) and _reads_request(f.value.func, requests))):
        return True  # `request.scope.get("root_path", "").rstrip("/")`: a string method of a string
    if isinstance(f, ir.Attr) and f.attr in _LOG_METHODS and isinstance(f.value, ir.Name) and \
            "log" in f.value.id.lower():
        return True
    target = calls.callee(call, ctx, func)
    return _pure_target(target, calls, depth)


def _reads_request(f: ir.Expr, requests: frozenset[str]) -> bool:
    """`request.json`, `request.headers.get`: a method of the request or of one of its parts."""
    if not isinstance(f, ir.Attr):
        return False
    base = f.value
    if isinstance(base, ir.Attr) and base.attr in _REQUEST_PARTS:
        return isinstance(base.value, ir.Name) and base.value.id in requests
    return f.attr in _REQUEST_READS and isinstance(base, ir.Name) and base.id in requests


def _pure_target(target: Value, calls: Calls, depth: int) -> bool:
    if isinstance(target, ExternalV):
        name = target.qualname
        module, _, last = name.rpartition(".")
        if module == "builtins":
            return last not in _IMPURE_BUILTINS
        if name in _PURE_NAMES or _response_class(name):
            return True
        return any(name.startswith(m + ".") for m in _PURE_MODULES) and last not in _READING_RESPONSES
    if isinstance(target, FuncV):
        return _pure_function(target, calls, depth + 1)
    return False


def _pure_function(fv: FuncV, calls: Calls, depth: int) -> bool:
    """A project function that only computes: every call it makes does no work, it writes no attribute of a
    shared object and no variable of an enclosing scope, and it is no generator."""
    memo = _PURE.setdefault(calls, {})
    if fv in memo:
        return memo[fv]
    if depth > MAX_DEPTH:
        return False
    memo[fv] = False  # recursion guard
    func = calls.index.func(fv)
    found = func is not None and not func.has_yield and not func.attr_writes and not func.nonlocal_assigns and \
        not any("." in b.name for b in func.binds) and \
        all(no_work(c, calls, Ctx(fv.module, func.qualname), func, frozenset(), depth) for c in func.calls)
    memo[fv] = found
    return found
