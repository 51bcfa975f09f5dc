"""The router objects: which values are FastAPI apps and APIRouters (project and library subclasses
included), the prefix and dependencies each was made with (re-read for one factory call when a factory made
it from its parameters), and which routers an expression can be."""

from __future__ import annotations

from routeguard_lint.facts import ir
from routeguard_lint.project.binding import bind_args, forward_call, subst
from routeguard_lint.project.index import (
    ClassV,
    Ctx,
    ExternalV,
    FuncV,
    Index,
    InstanceV,
    ParamV,
    Value,
    options,
)
from routeguard_lint.routes.contexts import Contexts
from routeguard_lint.routes.literals import Literals
from routeguard_lint.routes.middleware import MiddlewareReader
from routeguard_lint.routes.model import DepRef, RouterNode
from routeguard_lint.routes.names import APP_CLASSES, ROUTER_CLASSES, external_name, last_name
from routeguard_lint.routes.params import Params


class Routers:
    def __init__(self, index: Index, literals: Literals, params: Params, calling: Contexts,
                 middleware: MiddlewareReader) -> None:
        self.index = index
        self.literals = literals
        self.params = params
        self.calling = calling
        self.middleware = middleware
        self.by_key: dict[tuple, RouterNode] = {}
        self._args_memo: dict = {}

    def router_of(self, value: Value) -> RouterNode | None:
        if not isinstance(value, InstanceV):
            return None
        if value.key in self.by_key:
            return self.by_key[value.key]
        kind = self.router_kind(value.cls)
        if kind is None:
            return None
        facts = self.index.module(value.module)
        ctx = Ctx(value.module, value.scope)
        node = RouterNode(value.key, kind, value.module, facts.path if facts else value.module, value.call.line)
        self.by_key[value.key] = node
        cls = value.cls
        if isinstance(cls, ExternalV) and cls.qualname not in APP_CLASSES and cls.qualname not in ROUTER_CLASSES:
            cls = self.index.materialize(cls)  # a library's router class (its __init__, its own routes)
        node.creation = (value.call, ctx, cls)
        node.prefix, node.deps = self.router_args(value.call, ctx, cls, kind, node.path)
        if kind == "app":  # FastAPI(middleware=[Middleware(AuthMiddleware, ...)])
            for item, ictx in self.literals.items_ctx(value.call.kwarg("middleware"), ctx):
                if isinstance(item, ir.Call) and last_name(external_name(self.index.resolve(item.func, ictx))) \
                        == "Middleware" and item.args:
                    self.middleware.add(node.key, self.index.resolve(item.args[0], ictx), item.args[0], ictx,
                                        "FastAPI(middleware=)", node.path, item.line or node.line, item.kwargs)
        return node

    def router_args(self, call: ir.Call, ctx: Ctx, cls: object, kind: str, path: str) -> tuple[str, list]:
        """The prefix and dependencies a `FastAPI(...)` / `APIRouter(...)` (or subclass) call ends up with."""
        call, ctx, owner = self._effective_call(call, ctx, cls)
        prefix = (self.index.string(call.kwarg("prefix"), ctx) or "") if kind == "router" else ""
        deps: list[DepRef] = []
        plain = f"{owner or ('FastAPI' if kind == 'app' else 'APIRouter')}(dependencies=)"
        for item, ictx in self.literals.items_ctx(call.kwarg("dependencies"), ctx):
            origin = f"{ictx.scope} dependencies" if owner and ictx.scope and \
                ictx.scope.endswith(".__init__") else plain
            ref = self.params.depends_call(item, ictx, origin, self.index.path_of(ictx.module), call.line)
            if ref is not None:
                deps.append(ref)
        return prefix, deps

    def _effective_call(self, call: ir.Call, ctx: Ctx, cls: object) -> tuple[ir.Call, Ctx, str | None]:
        """For a project subclass of APIRouter/FastAPI: the call its `__init__` finally makes to FastAPI's
        class (`super().__init__(..., dependencies=[...], **kwargs)`), the caller's arguments bound to
        `__init__`'s parameters. Other calls come back unchanged."""
        owner_name = None
        for _ in range(6):
            if not isinstance(cls, ClassV):
                break
            init = self.index.class_attr(cls, "__init__")
            func = self.index.func(init) if isinstance(init, FuncV) else None
            if func is None or func.class_name is None:
                break
            init_ctx = Ctx(init.module, func.qualname)
            super_call = None
            for inner in func.calls:
                f = inner.func
                if isinstance(f, ir.Attr) and f.attr == "__init__":
                    if isinstance(f.value, ir.Call) and ir.dotted(f.value.func) == "super":
                        super_call = inner
                        break
                    base = self.index.resolve(f.value, init_ctx)
                    if isinstance(base, (ClassV, ExternalV)):
                        # `APIRouter.__init__(self, ...)`: drop the explicit self
                        super_call = ir.Call(f, inner.args[1:], inner.kwargs, inner.line, inner.col)
                        break
            if super_call is None:
                break
            env = bind_args(func, call, ctx, Ctx(init.module), skip_first=True)
            call = forward_call(super_call, env, init_ctx)
            ctx = init_ctx
            owner_name = owner_name or last_name(cls.name)
            owner = ClassV(init.module, func.class_name)
            nxt = None
            cdef = self.index.cls(owner)
            for base_expr in (cdef.bases if cdef else []):
                value = self.index.resolve(base_expr, Ctx(owner.module))
                if isinstance(value, (ClassV, ExternalV)):
                    nxt = value
                    break
            cls = nxt
        return call, ctx, owner_name

    def router_kind(self, cls: object) -> str | None:
        if isinstance(cls, ExternalV):
            if cls.qualname in APP_CLASSES:
                return "app"
            if cls.qualname in ROUTER_CLASSES:
                return "router"
            cls = self.index.materialize(cls)  # a library's APIRouter subclass, when its source is readable
            if not isinstance(cls, ClassV):
                return None
        if isinstance(cls, ClassV):
            bases = set(self.index.external_bases(cls))
            if bases & APP_CLASSES:
                return "app"
            if bases & ROUTER_CLASSES:
                return "router"
        return None

    def routers_at(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> list[RouterNode]:
        """The routers/apps an expression can be: itself, or, for a parameter (`def register(app):
        app.include_router(...)`), whatever the function's callers pass."""
        value = self.index.resolve(expr, ctx)
        out: list[RouterNode] = []
        for option in options(value):  # `app if flag else router`: each alternative
            node = self.router_of(option)
            if node is not None and node not in out:
                out.append(node)
        if out:
            return out
        if isinstance(value, ParamV) and depth < 3 and not ctx.env:
            # a parameter of a function read without a calling context: whatever its callers pass
            for cctx in self.calling.contexts(Ctx(value.module, value.func), {value.name}):
                if cctx.env:
                    out.extend(n for n in self.routers_at(expr, cctx, depth + 1) if n not in out)
            return out
        return []

    def instances(self, cls_v: ClassV) -> list[tuple[RouterNode, dict]]:
        """The routers made from `cls_v` (or a subclass), each with a substitution for `self` and for its
        `__init__` parameters (the arguments that instance was made with)."""
        out = []
        init = self.index.class_attr(cls_v, "__init__")
        init_func = self.index.func(init) if isinstance(init, FuncV) else None
        for node in list(self.by_key.values()):
            if node.creation is None or not isinstance(node.creation[2], ClassV) or \
                    cls_v not in self.index.mro(node.creation[2]):
                continue
            call, ctx, _cls = node.creation
            kind = node.key[0] if node.key else None
            if kind == "global":
                me: ir.Expr = ir.Bound(ir.Name(node.key[2]), Ctx(node.key[1]))
            elif kind == "local":
                me = ir.Bound(ir.Name(node.key[3]), Ctx(node.key[1], node.key[2]))
            else:
                me = ir.Bound(call, ctx)
            names = {}
            if init_func is not None:
                names = dict(bind_args(init_func, call, ctx, Ctx(init.module), skip_first=True).names)
            names["self"] = me
            out.append((node, names))
        return out

    def factory_env(self, expr: ir.Expr | None, ctx: Ctx):
        """For a router made by a project function (`make_router("/a")`, or a name bound to such a
        call): that call's arguments bound to the function's parameters."""
        for _ in range(8):
            if expr is None:
                return None
            if isinstance(expr, ir.Bound):
                expr, ctx = expr.expr, expr.ctx  # type: ignore[assignment]
                continue
            if isinstance(expr, ir.Call):
                callee = self.index.resolve(expr.func, ctx)
                func = self.index.func(callee) if isinstance(callee, FuncV) else None
                if func is None or not func.params or func.class_name is not None:
                    return None
                env = bind_args(func, expr, ctx, Ctx(callee.module), skip_first=False)
                return (func.qualname, callee.module, env)
            if isinstance(expr, (ir.Name, ir.Attr)):
                bound = self.literals.binding(expr, ctx)
                if bound is None:
                    return None
                expr, ctx = bound
                continue
            return None
        return None

    def node_args(self, node: RouterNode, env) -> tuple[str, list]:
        """A router's prefix and dependencies, re-read for one factory call when it was made inside
        that factory from its parameters."""
        if env is None or node.creation is None:
            return node.prefix, node.deps
        call, ctx, cls = node.creation
        qualname, module, bound = env
        if ctx.module != module or ctx.scope != qualname:
            return node.prefix, node.deps
        key = (node.key, id(env))
        if key not in self._args_memo:
            self._args_memo[key] = self.router_args(subst(call, bound.names), ctx, cls, node.kind, node.path)
        return self._args_memo[key]
