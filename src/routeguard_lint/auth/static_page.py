"""Static pages: a route whose handler answers with a page fixed when the app starts, or a redirect.

A single-page app's shell (`return HTMLResponse(content=_index_html)`, the HTML read from the UI folder at
start-up) serves the same bytes to everyone: what the page then calls is the API, authenticated or not on
its own routes. Such a route is public by design when, by what its code does:

* it is a GET (or HEAD) route with no dependencies, whose handler takes nothing but the request;
* every call in the handler does no work (see `auth.answered`: request reads, pure standard-library calls,
  building a response);
* every `return` is an `HTMLResponse` whose content is fixed at start-up, a `RedirectResponse` whose URL
  is made of such values and of what the request says about itself (`request.scope["root_path"]`), or a page a
  `Jinja2Templates` object renders from a literal template name with nothing but the request as its context
  (`templates.TemplateResponse(request, "index.html")`: the template file is fixed at start-up; what it can
  show of the request is the caller's own), or a `FileResponse` of a file of the UI whose path is fixed in the
  code (`FileResponse(Path(__file__).parent / "ui/favicon.ico")`: the equivalent of a `StaticFiles` mount).

A file is served afresh on every request, so a fixed path is not enough: its path is computed only from
literals, `__file__`, module constants and the app factory's locals (pathlib operations, `os.path.join`, `str`),
never from settings, the environment or a factory argument (a path the operator configures may name any file);
its name ends in a web UI's suffix (`.html`, `.js`, `.css`, `.ico`, images, fonts: see
`vocabulary.WEB_ASSET_SUFFIXES`), so a database or an export the app writes stays a finding; and no part of
its path says it holds a credential (`.env`, `secrets/`, `token.txt`: `vocabulary.is_credential_file`). A file
picked by the request (a catch-all `/{rest_of_path:path}` serving files from a folder) stays a finding.

A value is fixed at start-up when it is a literal, or a string computed (f-strings, `+`, `or`, `str`
methods, `Path(...).read_text()`, `os.environ.get(...)`) from literals, module names, the arguments and
locals of the app factory the handler is defined in (the handler's own locals when computed the same way), and
attributes of objects bound there (a settings object, whatever made it): never the request (but for a
redirect's own location), never `app.state`, never a container (a list or dict the app may fill), and never a
name that says it holds a credential (`settings.api_key`, `os.environ.get("API_KEY")`: a page embedding it
would leak it). A JSON or plain-text answer is not a page: a configuration dump made at start-up stays a
finding. Attributes of module objects are taken as configuration: one the app changes per request
(`CACHE.last_report`) would be missed, a limit of this reading.
"""

from __future__ import annotations

from routeguard_lint.auth.answered import no_work
from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func
from routeguard_lint.project.calls import Calls
from routeguard_lint.project.index import Ctx, ExternalV, FuncV, Index, InstanceV, LiteralV
from routeguard_lint.routes.model import ParamKind, Route
from routeguard_lint.vocabulary import WEB_ASSET_SUFFIXES, is_credential_file, is_credential_setting

MAX_DEPTH = 40  # expression levels and name lookups together (names are also guarded by `seen`)
_STR_METHODS = frozenset({"replace", "format", "strip", "lstrip", "rstrip", "lower", "upper", "removeprefix",
                          "removesuffix", "join", "decode", "encode", "read_text", "read_bytes", "resolve",
                          "absolute", "joinpath", "as_posix", "with_suffix", "expanduser", "parent", "parents"})
_PATH_CALLS = frozenset({"pathlib.Path", "pathlib.PurePath", "os.path.join", "os.path.dirname", "os.path.abspath",
                         "builtins.str", "builtins.bytes"})
_ENVIRONMENT = frozenset({"os.environ.get", "os.getenv"})
_RESPONSES = ("fastapi.responses", "starlette.responses", "fastapi")
_TEMPLATES = frozenset({"fastapi.templating.Jinja2Templates", "starlette.templating.Jinja2Templates"})
# what the request says about where it was sent (the proxy's root path, the app's own URLs): not served data
_REQUEST_PLACES = frozenset({"scope", "url", "base_url", "url_for", "root_path", "get", "rstrip", "lstrip", "strip"})


_FILE_PAGE = "a file of the UI at a path fixed in the code"
# the modules and classes whose attributes name HTTP status codes
_STATUS_CONSTANTS = ("fastapi.status.", "starlette.status.", "http.HTTPStatus.")


def status_constant(index: Index, expr: ir.Expr, ctx: Ctx) -> bool:
    """A status code named by the framework's or the standard library's constants (`status.HTTP_302_FOUND`,
    `HTTPStatus.FOUND`): a constant, as its literal is."""
    if not isinstance(expr, ir.Attr):
        return False
    value = index.resolve(expr, ctx)
    return isinstance(value, ExternalV) and value.qualname.startswith(_STATUS_CONSTANTS)


class StaticPages:
    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.index = calls.index
        self._handler: str | None = None  # the qualname of the handler being judged
        self._file = False  # judging a served file's path: code-fixed only (see the module)

    def reason(self, route: Route) -> str | None:
        """`static page: ...` when the route serves a page fixed at start-up or a redirect (see the module)."""
        root = route.root
        if root is None or root.func is None or root.func_module is None or root.children or \
                not set(route.methods) <= {"GET", "HEAD"}:
            return None
        if any(s.kind is not ParamKind.REQUEST for s in root.params):
            return None
        func = root.func
        if func.has_yield or not func.returns or func.nonlocal_assigns:
            return None
        fv = FuncV(root.func_module, func.qualname)
        ctx = Ctx(fv.module, func.qualname)
        requests = frozenset(s.param.name for s in root.params)
        self._handler = func.qualname
        rendered = [ret.value for ret in func.returns if isinstance(ret.value, ir.Call) and
                    self._template(ret.value, ctx, func, requests)]
        # a `FileResponse` reads its file when it answers: no work when the file is one of the UI's (`_page`)
        files = [ret.value for ret in func.returns if isinstance(ret.value, ir.Call) and
                 self._page(ret.value, ctx, func, requests) == _FILE_PAGE]
        rendered += [call for file in files for call in _calls_in(file)]  # its path's calls: read by `_fixed`
        if not all(call in rendered or no_work(call, self.calls, ctx, func, requests) for call in func.calls):
            return None
        kinds: set[str] = set()
        for ret in func.returns:
            if ret.value in rendered:
                kinds.add(_FILE_PAGE if self._page(ret.value, ctx, func, requests) == _FILE_PAGE else
                          "a page rendered from a fixed template with nothing but the request")
                continue
            kind = self._page(ret.value, ctx, func, requests)
            if kind is None:
                return None
            kinds.add(kind)
        what = " or ".join(sorted(kinds))
        return f"static page: {fv.module}.{func.qualname} answers {what}; it does no work and reads no stored " \
               f"data ({self.index.path_of(fv.module)}:{func.line})"

    def _template(self, call: ir.Call, ctx: Ctx, func: Func, requests: frozenset[str]) -> bool:
        """`templates.TemplateResponse(request, "index.html")` (or `("index.html", {"request": request})`) of a
        Jinja2Templates object: a template file fixed at start-up, rendered with the request and nothing else
        (no data the handler read or computed)."""
        f = call.func
        if not isinstance(f, ir.Attr) or f.attr != "TemplateResponse":
            return False
        owner = self.index.resolve(f.value, ctx)
        if not isinstance(owner, InstanceV) or not isinstance(owner.cls, ExternalV) or \
                owner.cls.qualname not in _TEMPLATES:
            return False
        args = list(call.args)
        if args and isinstance(args[0], ir.Name) and args[0].id in requests:
            args = args[1:]  # the request first (Starlette >= 0.29)
        name = args[0] if args else call.kwarg("name")
        context = args[1] if len(args) > 1 else call.kwarg("context")
        others = [*args[2:], *(v for k, v in call.kwargs if k not in ("name", "context", "request"))]
        request = call.kwarg("request")
        if request is not None and not (isinstance(request, ir.Name) and request.id in requests):
            return False
        if not isinstance(name, ir.Str) or not all(isinstance(v, (ir.Const, ir.Str)) for v in others):
            return False
        if context is None:
            return True
        return isinstance(context, ir.DictE) and all(
            isinstance(value, ir.Name) and value.id in requests for _key, value in context.items)

    def _page(self, expr: ir.Expr | None, ctx: Ctx, func: Func, requests: frozenset[str]) -> str | None:
        """What such a returned response is ("an HTML page fixed at start-up", "a redirect ..."), else None."""
        if not isinstance(expr, ir.Call):
            return None
        target = self.calls.callee(expr, ctx, func)
        if not isinstance(target, ExternalV):
            return None
        module, _, name = target.qualname.rpartition(".")
        if module in _RESPONSES and name == "FileResponse":
            return self._file_page(expr, ctx, func)
        if module not in _RESPONSES or name not in ("HTMLResponse", "RedirectResponse"):
            return None
        main = expr.arg(0, "content" if name == "HTMLResponse" else "url")
        others = [v for i, v in enumerate(expr.args) if i > 0] + \
            [v for k, v in expr.kwargs if k not in ("content", "url")]
        if main is None or not all(self._constant(v, ctx) for v in others):
            return None
        redirect = name == "RedirectResponse"
        if not self._fixed(main, ctx, func, requests if redirect else frozenset(), 0, set()):
            return None
        return "a redirect to a URL fixed at start-up (and the request's own root path)" if redirect else \
            "an HTML page fixed at start-up"

    def _constant(self, expr: ir.Expr, ctx: Ctx, depth: int = 0) -> bool:
        """A response's other argument (status code, media type, headers) is a literal, a status code named by
        the framework's or the standard library's constants (`status.HTTP_308_PERMANENT_REDIRECT`,
        `HTTPStatus.FOUND`), a module's constant bound to a literal (`CACHE_CONTROL = "no-cache"`), or a dict,
        list or tuple display of such values (`headers={"Cache-Control": CACHE_CONTROL}`)."""
        if isinstance(expr, (ir.Const, ir.Str)) or status_constant(self.index, expr, ctx):
            return True
        if depth > 3:
            return False
        if isinstance(expr, ir.DictE):
            return all(key is not None and self._constant(key, ctx, depth + 1) and
                       self._constant(value, ctx, depth + 1) for key, value in expr.items)
        if isinstance(expr, ir.Seq):
            return all(self._constant(item, ctx, depth + 1) for item in expr.items)
        if isinstance(expr, ir.Name):
            return self._outside(expr.id, ctx) and isinstance(self.index.resolve(expr, ctx), LiteralV)
        return False

    def _file_page(self, expr: ir.Call, ctx: Ctx, func: Func) -> str | None:
        """`FileResponse(path)` of a file of the UI whose path is fixed in the code (see the module)."""
        path = expr.arg(0, "path")
        others = [v for i, v in enumerate(expr.args) if i > 0] + [v for k, v in expr.kwargs if k != "path"]
        if path is None or not all(self._constant(v, ctx) for v in others):
            return None
        names = _file_names(path, ctx, self, 0)
        if not names or not all(_asset(n) for n in names):
            return None
        self._file = True
        try:
            if not self._fixed(path, ctx, func, frozenset(), 0, set()):
                return None
        finally:
            self._file = False
        return _FILE_PAGE

    def _fixed(self, expr: ir.Expr | None, ctx: Ctx, func: Func, requests: frozenset[str], depth: int,
               seen: set[tuple[str, str | None]]) -> bool:
        """`expr` (read in `func`, `ctx`) is fixed at start-up (see the module); `requests`: request parameters
        whose own location data may be read."""
        if expr is None or depth > MAX_DEPTH:
            return expr is None
        if isinstance(expr, ir.Bound):
            return self._fixed(expr.expr, expr.ctx, func, requests, depth + 1, seen)
        if isinstance(expr, ir.Str):
            return not (self._file and is_credential_file(expr.value))
        if isinstance(expr, ir.Const):
            return True
        if isinstance(expr, ir.FStr):
            return all(not (self._file and is_credential_file(p)) if isinstance(p, str) else
                       self._fixed(p, ctx, func, requests, depth + 1, seen) for p in expr.parts)
        if isinstance(expr, ir.BinOp):
            return self._fixed(expr.left, ctx, func, requests, depth + 1, seen) and \
                self._fixed(expr.right, ctx, func, requests, depth + 1, seen)
        if isinstance(expr, ir.IfExp):
            return self._fixed(expr.body, ctx, func, requests, depth + 1, seen) and \
                self._fixed(expr.orelse, ctx, func, requests, depth + 1, seen)
        if isinstance(expr, ir.BoolOp):  # `path.rstrip("/") or "/"`
            return all(self._fixed(v, ctx, func, requests, depth + 1, seen) for v in expr.values)
        if isinstance(expr, ir.Sub):  # `Path(__file__).parents[1]`
            return all(self._fixed(e, ctx, func, requests, depth + 1, seen) for e in (expr.value, *expr.index))
        if _request_place(expr, requests):
            return True
        if isinstance(expr, ir.Name):
            return self._name(expr.id, ctx, requests, depth, seen)
        if isinstance(expr, ir.Attr):
            return self._setting(expr, ctx, requests, depth, seen)
        if isinstance(expr, ir.Call):
            return self._call(expr, ctx, func, requests, depth, seen)
        return False

    def _call(self, expr: ir.Call, ctx: Ctx, func: Func, requests: frozenset[str], depth: int,
              seen: set[tuple[str, str | None]]) -> bool:
        """A string method of a fixed value with fixed arguments, a path made of them, or an environment read."""
        f = expr.func
        args = [*expr.args, *(v for _k, v in expr.kwargs)]
        if not all(self._fixed(a, ctx, func, requests, depth + 1, seen) for a in args):
            return False
        scope = self.index.func(FuncV(ctx.module, ctx.scope)) if ctx.scope else None
        target = self.calls.callee(expr, ctx, scope) if scope is not None else self.index.resolve(f, ctx)
        if isinstance(target, ExternalV) and target.qualname in _PATH_CALLS:  # `os.path.join`: not `str.join`
            return True
        if isinstance(f, ir.Attr) and f.attr in _STR_METHODS:
            return self._fixed(f.value, ctx, func, requests, depth + 1, seen)
        if isinstance(target, ExternalV) and target.qualname in _ENVIRONMENT and not self._file:
            # the environment the app was started with, unless the variable holds a credential
            key = expr.arg(0, "key")
            return isinstance(key, ir.Str) and not is_credential_setting(key.value)
        if isinstance(target, FuncV) and not self._file:
            return self._made_by(target, depth, seen)
        return False

    def _made_by(self, target: FuncV, depth: int, seen: set[tuple[str, str | None]]) -> bool:
        """A project function handed fixed values (`page_html(openapi_url="/openapi.json", title=TITLE)`) whose
        every `return` is fixed given them (its parameters are what it was handed, see `_name`), that does no work
        on the way and changes nothing (no `global`, no stores): what it returns is fixed too."""
        callee = self.index.func(target)
        if callee is None or callee.has_yield or callee.is_async or not callee.returns or callee.nonlocal_assigns or \
                callee.stores or callee.attr_writes or callee.item_writes or \
                any(r.value is None for r in callee.returns) or target.qualname == self._handler:
            return False
        here = Ctx(target.module, callee.qualname)
        if not all(no_work(call, self.calls, here, callee, frozenset()) for call in callee.calls):
            return False
        return all(self._fixed(r.value, here, callee, frozenset(), depth + 1, seen) for r in callee.returns)

    def _setting(self, expr: ir.Attr, ctx: Ctx, requests: frozenset[str], depth: int,
                 seen: set[tuple[str, str | None]]) -> bool:
        """`settings.server.port`: an attribute of an object the app made before serving (bound outside the
        handler: a module name, a local or an argument of the app factory, whatever call made it), not of
        `app.state` and not named like a credential."""
        node: ir.Expr = expr
        while isinstance(node, ir.Attr):
            if node.attr == "state" or is_credential_setting(node.attr):
                return False
            node = node.value
        if not isinstance(node, ir.Name):  # `Path(__file__).parent`: an attribute of a fixed value
            return self._fixed(node, ctx, _NO_FUNC, requests, depth + 1, seen)
        if node.id in requests or is_credential_setting(node.id):
            return False
        if self._file:  # a served file's path: a module constant or local made of fixed values, not settings
            return self._name(node.id, ctx, requests, depth, seen)
        return self._outside(node.id, ctx) or self._name(node.id, ctx, requests, depth, seen)

    def _outside(self, name: str, ctx: Ctx) -> bool:
        """`name`, read in `ctx`, is bound outside the handler being judged: in a function around it, or the
        module."""
        if ctx.scope != self._handler:
            return True
        func = self.index.func(FuncV(ctx.module, ctx.scope)) if ctx.scope else None
        return func is None or (name not in func.assigns and not any(p.name == name for p in func.params))

    def _name(self, name: str, ctx: Ctx, requests: frozenset[str], depth: int,
              seen: set[tuple[str, str | None]]) -> bool:
        """A name read in `ctx`: the locals and parameters of the scopes around it, then the module's."""
        if is_credential_setting(name) or name in requests:
            return False
        key = (name, ctx.scope)
        if key in seen:
            return True  # `html = html.replace(...)`: the other bindings decide
        seen.add(key)
        scope = ctx.scope
        while scope is not None:
            func = self.index.func(FuncV(ctx.module, scope))
            if func is None:
                return False
            here = Ctx(ctx.module, scope)
            if any(p.name == name for p in func.params):
                # an argument of the app factory (its settings), fixed when the app starts; the handler's own
                # parameters are the request
                return scope != self._handler and not self._file
            if name in func.assigns:
                binds = [b for b in func.binds if b.name == name]
                return bool(binds) and all(self._fixed(b.value, here, func, requests, depth + 1, seen)
                                           for b in binds)
            scope = func.parent
        if name == "__file__":
            return True
        facts = self.index.by_name.get(ctx.module)
        if facts is None or name in facts.global_assigns:
            return False  # rebound by a function at run time
        value = self.index.resolve(ir.Name(name), Ctx(ctx.module))
        if isinstance(value, LiteralV) and isinstance(value.value, (str, bytes, int, float, bool, type(None))):
            return not (self._file and isinstance(value.value, str) and is_credential_file(value.value))
        bound = self.index.assignment(ir.Name(name), Ctx(ctx.module))
        return bound is not None and self._fixed(bound[0], bound[1], _NO_FUNC, frozenset(), depth + 1, seen)


def _calls_in(expr: ir.Expr) -> list[ir.Call]:
    """The calls in an expression, itself included."""
    found: list[ir.Call] = []
    todo = [expr]
    while todo:
        node = todo.pop()
        if isinstance(node, ir.Call):
            found.append(node)
        todo.extend(ir.children(node))
    return found


def _asset(name: str) -> bool:
    """A file name of a web UI (see `vocabulary.WEB_ASSET_SUFFIXES`)."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return "." in last and last[last.rindex("."):] in WEB_ASSET_SUFFIXES


def _file_names(expr: ir.Expr, ctx: Ctx, pages: StaticPages, depth: int) -> list[str] | None:
    """The literal file names a path expression ends in (`Path(__file__).parent / "ui/favicon.ico"`:
    ["ui/favicon.ico"]), following `str(...)`, pathlib operators and methods and the names it is bound to;
    None when one of its ends is not a literal."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(expr, ir.Bound):
        return _file_names(expr.expr, expr.ctx, pages, depth + 1)
    if isinstance(expr, ir.Str):
        return [expr.value]
    if isinstance(expr, ir.FStr):
        last = expr.parts[-1] if expr.parts else None
        return [last] if isinstance(last, str) else None
    if isinstance(expr, ir.BinOp):
        return _file_names(expr.right, ctx, pages, depth + 1)
    if isinstance(expr, ir.IfExp):
        body, orelse = (_file_names(e, ctx, pages, depth + 1) for e in (expr.body, expr.orelse))
        return body + orelse if body is not None and orelse is not None else None
    if isinstance(expr, ir.Call):
        f = expr.func
        if isinstance(f, ir.Attr) and f.attr in ("resolve", "absolute", "as_posix", "expanduser") and not expr.args:
            return _file_names(f.value, ctx, pages, depth + 1)
        target = pages.index.resolve(f, ctx)
        if (isinstance(f, ir.Attr) and f.attr == "joinpath") or \
                (isinstance(target, ExternalV) and target.qualname in _PATH_CALLS):
            return _file_names(expr.args[-1], ctx, pages, depth + 1) if expr.args and not expr.kwargs and \
                not isinstance(expr.args[-1], ir.Star) else None
        return None
    if isinstance(expr, ir.Name):
        bound = pages.index.assignment(expr, ctx)
        return _file_names(bound[0], bound[1], pages, depth + 1) if bound is not None else None
    return None


def _request_place(expr: ir.Expr, requests: frozenset[str]) -> bool:
    """`request.scope.get("root_path", "")`, `request.base_url`: where the request was sent, read off it."""
    node: ir.Expr = expr
    for _ in range(6):
        if isinstance(node, ir.Call):
            if not all(isinstance(a, (ir.Const, ir.Str)) for a in (*node.args, *(v for _k, v in node.kwargs))):
                return False
            node = node.func
        if isinstance(node, ir.Sub):
            node = node.value
        if isinstance(node, ir.Attr):
            if node.attr not in _REQUEST_PLACES:
                return False
            node = node.value
        if isinstance(node, ir.Name):
            return node.id in requests
    return False


_NO_FUNC = Func(qualname="<module>", name="<module>", line=0, col=0, is_async=False, params=[], decorators=[])
