"""Route declarations, includes and mounts: every `@router.get(...)`-style decorator, `add_api_route`,
`include_router`, `mount`, `add_middleware` and `@app.middleware` in the project (and in the library modules
its includes reach), read once per calling context and loop iteration, on whichever routers the receiver
can be."""

from __future__ import annotations

from dataclasses import dataclass, replace

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import CallSite, Decorator, Func, ModuleFacts, OverrideWrite, is_marker
from routeguard_lint.project.arguments import Env, bind_args, forward_call, free_names, subst
from routeguard_lint.project.flow import Alternative, Straight, calls_in, show_tests
from routeguard_lint.project.index import (
    BoundParam,
    ClassV,
    Ctx,
    ExternalV,
    FuncV,
    Index,
    InstanceV,
    ParamV,
    UnknownV,
    Value,
    options,
    qualified_name,
)
from routeguard_lint.routes.contexts import Contexts, Substitution
from routeguard_lint.routes.guards import Guards
from routeguard_lint.routes.literals import Literals, PathChoice
from routeguard_lint.routes.middleware import MiddlewareReader
from routeguard_lint.routes.model import (
    DepRef,
    Include,
    MountDecl,
    MountKind,
    OpaqueInclude,
    Override,
    RouteDecl,
    RouterKey,
    RouterKind,
    RouterNode,
)
from routeguard_lint.routes.params import Params
from routeguard_lint.routes.routers import Routers
from routeguard_lint.vocabulary import APP_URL_DEFAULTS, HTTP_METHODS, last_name

ROUTE_DECORATORS = frozenset({*HTTP_METHODS, "api_route", "websocket", "route"})
# the decorators `_decorator_call` reads when applied by hand: `app.get("/x")(handler)`, `app.middleware("http")(f)`
_HAND_DECORATORS = frozenset({*HTTP_METHODS, "api_route", "websocket", "middleware"})
# `router.x(...)` calls that declare a route, include or mount something, or add middleware
REGISTRATIONS = frozenset({"include_router", "add_api_route", "mount", "add_api_websocket_route", "add_route",
                           "add_middleware"})
MAX_ATTRIBUTE_CANDIDATES = 32  # project classes looked at for the router an unknown object's attribute holds
MAX_OVERRIDE_DEPTH = 4  # overriding registration methods followed through one another (`super().add_api_route`)
# the method of FastAPI's router a route decorator registers through (`@router.get` calls `self.api_route`, which
# calls `self.add_api_route`): a router class overriding it gets every decorated route
DECORATOR_TARGETS = {**{m: "add_api_route" for m in HTTP_METHODS}, "api_route": "add_api_route",
                     "websocket": "add_api_websocket_route", "route": "add_route"}
# outside code whose functions never serve a router they are handed (`isinstance(router, APIRouter)`,
# `len(router.routes)`, `cast(APIRouter, router)`)
_READ_MODULES = frozenset({"builtins", "typing", "typing_extensions"})
# `target.routes.<copy>(...)`: route objects of another router put into a router's list as they are
ROUTE_COPIES = frozenset({"append", "extend"})
# (one registration as FastAPI's own method receives it, the context to read it in, the tests it is made under)
Registration = tuple[ir.Call, Ctx, tuple[str, ...]]
# a route a decorator makes: (methods, path, dependencies, websocket, tests it is made under)
Made = tuple[tuple[str, ...], PathChoice, list[DepRef], bool, tuple[str, ...]]


@dataclass(frozen=True)
class Deferred:
    """A route declared on `self` in a router class's method (`@self.get(...)`, `self.add_api_route(...)`):
    read once per router the project makes from that class, when they are all known."""

    facts: ModuleFacts
    cls_v: ClassV
    func: Func | None = None  # a decorated method
    site: CallSite | None = None  # or a call


@dataclass(frozen=True)
class Site:
    """Where a registration call is written, and the `if` tests around it."""

    facts: ModuleFacts
    conditions: tuple[str, ...]  # source text of the `if` tests around it
    col: int = 1
    end_col: int = 1


class Declarations:
    def __init__(self, index: Index, literals: Literals, params: Params, calling: Contexts, routers: Routers,
                 guards: Guards, middleware: MiddlewareReader) -> None:
        self.index = index
        self.literals = literals
        self.params = params
        self.calling = calling
        self.routers = routers
        self.guards = guards
        self.middleware = middleware
        self.decls: list[RouteDecl] = []
        self.opaque: list[OpaqueInclude] = []
        self.mount_decls: list[MountDecl] = []
        self.overrides: list[Override] = []  # writes into an app's `dependency_overrides`, in source order
        self._deferred: list[Deferred] = []
        self._class_attrs: dict[str, list[ClassV]] = {}  # attribute name -> project classes defining it
        # (router class, method, the class whose `super()` is asked) -> the method overriding FastAPI's
        self._overrides: dict[tuple[ClassV, str, ClassV | None], tuple[ClassV, FuncV, Func] | None] = {}

    def collect(self) -> None:
        """Read every module of the project, then the library modules its includes reached."""
        for facts in self.index.modules:
            self._collect_module(facts)
        # library modules read while resolving the project's includes declare routes too (a library's
        # `get_auth_router()` builds its router); they may pull in more modules, up to the loader's bound
        done: set[str] = set()
        while True:
            todo = sorted(m for m in self.index.lib_modules if m not in done)
            if not todo:
                break
            for name in todo:
                done.add(name)
                module = self.index.module(name)
                if module is not None:
                    self._collect_module(module)
        # routes a router class declares on `self` (in `__init__`, say): once per instance the project makes
        deferred, self._deferred = self._deferred, []
        for item in deferred:
            for instance in self.routers.instances(item.cls_v):
                if item.func is not None:
                    self._decorated(item.facts, item.func, instance.names)
                elif item.site is not None:
                    site = item.site
                    self._call_site(Site(item.facts, site.conditions, site.col, site.end_col),
                                    subst(site.call, instance.names), Ctx(item.facts.module, site.scope),
                                    site.loop_vars, site.tests)
        self._handed_routers()

    # -- routers handed to code the analysis does not read -----------------------------------------------
    def _handed_routers(self) -> None:
        """A router no include seen reaches that the project hands as an argument to a call the analysis does not
        read (a library's method of an app, `app.generate_and_include_versioned_routers(router)`; a library's
        function; a value only known at run time) escapes into code that may serve it. Into the app or router
        that call is a method of (else one handed to it too): an include naming the call (`Include.unseen`), so
        the routes get that app's path and middleware and say through what they are served; into something not
        known: an unseen parent (`RouterNode.unseen_parents`). A call of the project's own code is read where it
        is (`Contexts`): what it does with the router is what was found, nothing changes."""
        for node in list(self.routers.by_key.values()):
            if node.kind is not RouterKind.ROUTER or node.included_by:
                continue
            name = _bound_name(node.key)
            if name is None:
                continue
            for caller in self.calling.calls_handing(name):
                self._handed(node, name, caller.call, caller.ctx)

    def _handed(self, node: RouterNode, name: str, call: ir.Call, ctx: Ctx) -> None:
        f = call.func
        if isinstance(f, ir.Attr) and (f.attr in REGISTRATIONS or f.attr in ROUTE_COPIES):
            return  # read as what it is (`_call_site`)
        args = [a.value if isinstance(a, ir.Star) else a for a in (*call.args, *(v for _k, v in call.kwargs))]
        handed = [a for a in args if (isinstance(a, ir.Name) and a.id == name) or
                  (isinstance(a, ir.Attr) and a.attr == name)]
        shown = f"`{ir.show(call, 120)}` ({self.index.path_of(ctx.module)}:{call.line})"
        for cctx in self.calling.contexts(ctx, free_names(call)):
            if not any(node in self.routers.routers_at(a, cctx) for a in handed):
                continue
            if any(self._reads(option) for option in options(self.index.resolve(f, cctx))):
                return  # the project's own function: what it does with the router was read
            owners = self.routers.routers_at(f.value, cctx) if isinstance(f, ir.Attr) else []
            if not owners:  # `lib.setup(app, router)`: the app handed with it
                owners = [n for a in args if a not in handed for n in self.routers.routers_at(a, cctx)
                          if n.kind is RouterKind.APP]
            owners = [o for o in owners if o.key != node.key]
            facts = self.index.module(ctx.module)
            # the `if` tests around the call, when the facts hold it as a call site (a method call's)
            tests = next((site.conditions for site in (facts.calls if facts is not None else ())
                          if site.call == call and site.scope == ctx.scope), ())
            for owner in owners:
                self._add_include(node, Include(owner.key, node.key, "", [], self.index.path_of(ctx.module),
                                                call.line, (*tests, f"{ir.show(call, 120)} includes {name}"),
                                                unseen=shown))
            if not owners and shown not in node.unseen_parents:
                node.unseen_parents.append(shown)

    def _reads(self, callee: Value) -> bool:
        """Whether the analysis reads what a call of `callee` does: a function or class of the project's, or a
        builtin (none of which serves a router)."""
        if isinstance(callee, (FuncV, ClassV)):
            return callee.module not in self.index.lib_modules
        return isinstance(callee, ExternalV) and callee.qualname.split(".")[0] in _READ_MODULES

    def _collect_module(self, facts: ModuleFacts) -> None:
        if facts.error:
            return
        for func in facts.functions.values():
            if func.decorators:
                cls_v = self._on_self(func.decorators, Ctx(facts.module, func.parent))
                if cls_v is not None:
                    self._deferred.append(Deferred(facts, cls_v, func=func))
                else:
                    self._decorated(facts, func)
        for site in facts.calls:
            if site.scope is not None and self._overriding(facts, site.scope):
                continue  # read for each registration that calls it (`_registered`)
            ctx = self.index.at(Ctx(facts.module, site.scope), site.call.line, site.call)
            f = site.call.func
            cls_v = self._self_router_class(f.value, ctx) if isinstance(f, ir.Attr) and site.scope else None
            if cls_v is not None:
                self._deferred.append(Deferred(facts, cls_v, site=site))
                continue
            self._call_site(Site(facts, site.conditions, site.col, site.end_col), site.call, ctx, site.loop_vars,
                            site.tests)
        for write in facts.overrides:
            self._dependency_override(facts, write)

    def _dependency_override(self, facts: ModuleFacts, write: OverrideWrite) -> None:
        """A write into `x.dependency_overrides` (OverrideWrite), once per calling context and loop iteration (as
        an `include_router` on a parameter is read), on whichever apps `x` can be: one `Override` per entry, under
        the tests around it the context does not decide (one it rules out makes none)."""
        site = write.site
        f = site.call.func
        if not isinstance(f, ir.Attr) or not isinstance(f.value, ir.Attr):
            return
        ctx = self.index.at(Ctx(facts.module, site.scope), site.call.line, site.call)
        shown = ir.show(ir.Sub(f.value, (site.call.args[0],)), 160) + " = " + ir.show(site.call.args[1], 80) \
            if f.attr == "__setitem__" else f"{ir.show(f.value, 120)}.update({ir.show(site.call.args[0], 120)})"
        for cctx in self.calling.contexts(ctx, free_names(site.call)):
            truths = [self.index.truth(t, cctx) for t in write.tests]
            if False in truths:
                continue
            local = tuple(ir.show(t) for t, truth in zip(write.tests, truths, strict=True) if truth is None)
            outer = tuple(c for c in site.conditions if c not in {ir.show(t) for t in write.tests})
            for env, tests in self.calling.iterations(site.call, site.loop_vars, cctx):
                one = subst(site.call, env) if env else site.call
                assert isinstance(one, ir.Call) and isinstance(one.func, ir.Attr) and \
                    isinstance(one.func.value, ir.Attr)
                conditions = (*outer, *local, *tests)
                for owner in self.routers.routers_at(one.func.value.value, cctx):
                    if owner.kind is not RouterKind.APP:
                        continue
                    pairs: list[tuple[ir.Expr | None, ir.Expr | None, Ctx]] = [(one.args[0], one.args[1], cctx)] \
                        if f.attr == "__setitem__" else \
                        [(item.key, item.value, item.ctx) for item in self.literals.dict_items(one.args[0], cctx, 0)]
                    if not pairs:  # a mapping whose entries cannot be read
                        pairs = [(None, None, cctx)]
                    decided = next((o.decided for o in self.overrides if o.app == owner.key and o.file == facts.path
                                    and o.ctx.scope == cctx.scope and o.conditions == conditions), site.call.line)
                    for original, replacement, where in pairs:
                        made = Override(owner.key, original, replacement, where, conditions, facts.path,
                                        site.call.line, shown, decided)
                        if made not in self.overrides:
                            self.overrides.append(made)

    def _overriding(self, facts: ModuleFacts, scope: str) -> bool:
        """`scope` is a router class's method overriding one FastAPI registers through (`add_api_route`)."""
        func = facts.functions.get(scope)
        return func is not None and func.class_name is not None and func.parent is None and \
            func.name in REGISTRATIONS and self.routers.router_kind(ClassV(facts.module, func.class_name)) is not None

    def _override(self, owner: RouterNode, method: str, after: ClassV | None) -> tuple[ClassV, FuncV, Func] | None:
        """The method `method` of the router's class when a class of the project (or of a library read) defines
        it, overriding FastAPI's: the first in the class's bases order, or the first after `after` (what
        `super().method` in `after`'s method calls)."""
        creation = owner.creation
        cls = creation.cls if creation is not None else None
        if not isinstance(cls, ClassV):
            return None
        key = (cls, method, after)
        if key in self._overrides:
            return self._overrides[key]
        found: tuple[ClassV, FuncV, Func] | None = None
        order = self.index.mro(cls)
        if after is not None:
            order = order[order.index(after) + 1:] if after in order else []
        for owner_cls in order:
            cdef = self.index.cls(owner_cls)
            if cdef is not None and method in cdef.methods:
                fv = FuncV(owner_cls.module, cdef.methods[method])
                func = self.index.func(fv)
                found = (owner_cls, fv, func) if func is not None and func.params else None
                break
        self._overrides[key] = found
        return found

    def _registered(self, owner: RouterNode, call: ir.Call, ctx: Ctx, depth: int = 0,
                    after: ClassV | None = None) -> list[Registration]:
        """The registrations FastAPI's own router gets for `owner.method(...)` (`call`, read in `ctx`): the call
        itself, unless the router's class overrides the method; then the calls of `super().method(...)` (and of
        `self.other(...)`) the override makes for this call, its arguments bound to its parameters and its
        locals as they are at each call (`path = path + "/"` between two `super().add_api_route(path, ...)`),
        each under the tests that cannot be told for it. An override that makes no such call registers in a way
        not read here: the call itself, as FastAPI's method would take it."""
        f = call.func
        assert isinstance(f, ir.Attr)
        found = self._override(owner, f.attr, after) if depth < MAX_OVERRIDE_DEPTH else None
        if found is None:
            return [(call, ctx, ())]
        cls_v, fv, func = found
        env = bind_args(func, self.index.spread_kwargs(call, ctx), ctx, Ctx(fv.module, func.parent), skip_first=True)
        receiver = ir.Bound(f.value, ctx)
        names = {**env.names, func.params[0].name: receiver}
        fctx = Ctx(fv.module, func.qualname, tuple(BoundParam(func.qualname, n, e) for n, e in sorted(names.items())
                                                   if isinstance(e, ir.Bound)), ctx.depth + 1)
        straight = Straight(self.index, func, {n: e for n, e in names.items() if n not in (env.vararg, env.kwarg)},
                            fctx)
        spread = Env(vararg=env.vararg, kwarg=env.kwarg, extra_args=env.extra_args, extra_kwargs=env.extra_kwargs)
        out: list[Registration] = []
        registers = False
        made_by = calls_in(func)
        if f.attr == "api_route":  # `add_path = super().api_route(path, ...)`: the decorators it returns are applied
            made_by = sorted([*made_by, *((b.value, b.line, b.conditions) for b in func.binds
                                          if isinstance(b.value, ir.Call) and isinstance(b.value.func, ir.Attr) and
                                          b.value.func.attr == "api_route")], key=lambda item: item[1])
        for inner, line, conditions in made_by:
            g = inner.func
            if not isinstance(g, ir.Attr) or (g.attr not in REGISTRATIONS and g.attr != f.attr):
                continue
            if isinstance(g.value, ir.Call) and ir.dotted(g.value.func) == "super" and not g.value.args:
                next_after: ClassV | None = cls_v  # `super().add_api_route(...)`: the next class's method
            elif isinstance(g.value, ir.Name) and g.value.id == func.params[0].name:
                next_after = None  # `self.add_api_route(...)`: the router's own method, overridden or not
            else:
                continue
            registers = True
            runs, undecided = straight.tests_at(conditions, line)
            if not runs:
                continue
            made = straight.expr_at(inner, line, conditions) or [Alternative(frozenset(), inner)]
            for alternative in made:
                one = alternative.value
                assert isinstance(one, ir.Call)
                forwarded = forward_call(one, spread, fctx)
                again = ir.Call(ir.Attr(receiver, g.attr), forwarded.args, forwarded.kwargs, call.line, call.col)
                tests = (*undecided, *show_tests(alternative.tests))
                for registration, rctx, more in self._registered(owner, again, fctx, depth + 1, next_after):
                    out.append((registration, rctx, tuple(dict.fromkeys((*tests, *more)))))
        return out if registers else [(call, ctx, ())]

    def _on_self(self, decorators: list[Decorator], ctx: Ctx) -> ClassV | None:
        if ctx.scope is None:
            return None
        for dec in decorators:
            call = dec.expr
            if isinstance(call, ir.Call) and isinstance(call.func, ir.Attr) and call.func.attr in ROUTE_DECORATORS:
                found = self._self_router_class(call.func.value, ctx)
                if found is not None:
                    return found
        return None

    def _self_router_class(self, expr: ir.Expr, ctx: Ctx) -> ClassV | None:
        """The router class when `expr` is the `self` of one of its methods (`self.add_api_route(...)`,
        `@self.get(...)` in `__init__`)."""
        if not isinstance(expr, ir.Name) or ctx.scope is None or not self._may_be_self(expr.id, ctx):
            return None
        value = self.index.resolve(expr, ctx)
        if not isinstance(value, ParamV):
            return None
        func = self.index.func(FuncV(value.module, value.func))
        if func is None or func.class_name is None or not func.params or func.params[0].name != value.name:
            return None
        cls_v = ClassV(value.module, func.class_name)
        return cls_v if self.routers.router_kind(cls_v) else None

    def _may_be_self(self, name: str, ctx: Ctx, depth: int = 0) -> bool:
        """Whether `name` read in `ctx.scope` can be the first parameter of a method (what
        `_self_router_class` asks, with no call's arguments bound): a parameter is, when it is that one; a local
        can be only when a value it is given reads such a name (`router = self`); any other name is a module's
        or a builtin (resolving it may parse the module it is imported from, for nothing)."""
        facts = self.index.module(ctx.module)
        scope = ctx.scope
        while scope is not None:
            func = facts.functions.get(scope) if facts is not None else None
            if func is None or name in func.nonlocal_assigns:
                return True  # cannot tell cheaply: resolve it
            if any(p.name == name for p in func.params):
                return func.class_name is not None and func.params[0].name == name
            values = [b.value for b in func.binds if b.name == name]
            if name in func.assigns:
                values.append(func.assigns[name])
            if values:
                where = Ctx(ctx.module, scope)
                return depth >= 3 or any(self._may_be_self(read, where, depth + 1)
                                         for value in values for read in free_names(value) if read != name)
            scope = func.parent
        return False

    # -- decorators ------------------------------------------------------------------------------------
    def _decorated(self, facts: ModuleFacts, func: Func, env: Substitution | None = None) -> None:
        for dec in func.decorators:
            call = subst(dec.expr, env) if env else dec.expr
            if not isinstance(call, ir.Call) or not isinstance(call.func, ir.Attr):
                continue
            ctx = self.index.at(Ctx(facts.module, func.parent), dec.line, call)
            if call.func.attr == "middleware":
                self._middleware_decorator(facts, func, dec, call, ctx)
            elif call.func.attr in ROUTE_DECORATORS:
                self._route_decorator(facts, func, dec, call, ctx)

    def _middleware_decorator(self, facts: ModuleFacts, func: Func, dec: Decorator, call: ir.Call,
                              ctx: Ctx) -> None:
        """`@app.middleware("http")`, once per calling context (like routes)."""
        assert isinstance(call.func, ir.Attr)
        added: set[RouterKey] = set()
        for cctx in self.calling.contexts(ctx, free_names(call)):
            # a `def` under `if` tests is decorated (the middleware added) only when they hold
            tests = [c for c in func.defined_under if not is_marker(c)]
            truths = [self.index.truth(c, cctx) for c in tests]
            if False in truths:
                continue
            undecided = [c for c, t in zip(tests, truths, strict=True) if t is None]
            conditions = tuple(ir.show(c) for c in undecided)
            for owner in self.routers.routers_at(call.func.value, cctx):
                if owner.kind is RouterKind.APP and owner.key not in added:
                    added.add(owner.key)
                    self.middleware.add(owner.key, FuncV(facts.module, func.qualname), None, cctx,
                                        f"@{ir.show(call)}", facts.path, dec.line, conditions=conditions,
                                        http_only=True, values=self._local_values(undecided, cctx, facts))

    def _route_decorator(self, facts: ModuleFacts, func: Func, dec: Decorator, call: ir.Call, ctx: Ctx) -> None:
        """`@router.get("/x")` and friends; a decorator inside a function (a router factory) is read once
        per call of that function."""
        assert isinstance(call.func, ir.Attr)
        method = call.func.attr
        seen: set[tuple[RouterKey, tuple[str, ...], str, tuple[str, ...]]] = set()
        defined_under = [c for c in func.defined_under if not is_marker(c)]
        for cctx in self.calling.contexts(ctx, free_names(call)):
            if defined_under and self.calling.ruled_out(defined_under, cctx):
                continue  # a `def` under `if jobs:` in a factory called with `jobs=False` is never decorated
            under = tuple(ir.show(c) for c in defined_under if self.index.truth(c, cctx) is not True)
            routers = self.routers.routers_at(call.func.value, cctx)
            if not routers:
                continue
            paths = self._route_path(call.arg(0, "path"), cctx, f"{facts.path}:{dec.line}")
            methods = self._route_methods(method, call, cctx)
            deps = self.params.dep_list(call.kwarg("dependencies"), cctx, "route decorator dependencies=",
                                        facts.path, dec.line)
            view = self.guards.cbv_class(facts, func)
            if view is not None:
                deps = [DepRef(None, Ctx(view.module), f"class-based view {view.name}", facts.path, dec.line,
                               cbv=view), *deps]
            # decorators below the route decorator wrap what the router registers
            below = func.decorators[func.decorators.index(dec) + 1:]
            guards = tuple(g for g in (self.guards.auth_decorator(d, ctx) for d in below) if g is not None)
            for router in routers:
                made: list[Made] = [(methods, path, deps, method == "websocket", path.tests) for path in paths]
                target = DECORATOR_TARGETS[method]
                if target == "add_api_route" and self._override(router, "api_route", None) is not None:
                    target = "api_route"  # `@router.get` calls `self.api_route(path, methods=["GET"], ...)`
                if self._override(router, target, None) is not None:
                    made = self._decorated_through_override(router, call, cctx, facts, dec, view, target)
                for r_methods, r_path, r_deps, websocket, tests in made:
                    if (router.key, r_methods, r_path.text, tests) in seen:
                        continue
                    seen.add((router.key, r_methods, r_path.text, tests))
                    self.decls.append(RouteDecl(router.key, r_methods, r_path.text,
                                                FuncV(facts.module, func.qualname), f"{facts.module}.{func.qualname}",
                                                r_deps, facts.path, dec.line, dec.col, dec.end_col, websocket,
                                                guards=guards, conditions=tests, pattern=_pattern(r_path),
                                                ctx=cctx if cctx.env and cctx.scope == func.parent else None,
                                                registered_under=under))

    def _decorated_through_override(self, router: RouterNode, call: ir.Call, ctx: Ctx, facts: ModuleFacts,
                                    dec: Decorator, view: ClassV | None, target: str) -> list[Made]:
        """`@router.get(path, ...)` on a router whose class overrides the method FastAPI's decorator registers
        through (`target`: `api_route`, or `add_api_route` under it): the routes of the call FastAPI makes,
        `self.add_api_route(path, handler, methods=["GET"], ...)` (or `self.api_route(path, methods=["GET"],
        ...)`), made through the override (methods, path, dependencies, websocket, tests). Each call of FastAPI's
        own `api_route` the override makes (`super().api_route(path + "/", ...)`) registers the handler, as the
        decorator it returns is applied to it."""
        assert isinstance(call.func, ir.Attr)
        method = call.func.attr
        kwargs = [(k, v) for k, v in call.kwargs if k != "path"]
        if method in HTTP_METHODS:
            kwargs.append(("methods", ir.Seq("list", (ir.Str(method.upper()),))))
        rest = call.args[1:] if call.kwarg("path") is None else call.args
        if method == "websocket" and rest:  # `websocket(path, name)`
            kwargs.append(("name", rest[0]))
        path_arg = call.arg(0, "path") or ir.Unknown("path")
        made = ir.Call(ir.Attr(call.func.value, target), (path_arg, ir.Unknown("endpoint")) if target !=
                       "api_route" else (path_arg,), tuple(kwargs), dec.line, dec.col)
        out: list[Made] = []
        for one, octx, tests in self._registered(router, made, ctx):
            assert isinstance(one.func, ir.Attr)
            kind = one.func.attr
            if kind == "api_route":  # FastAPI's own, which calls `self.add_api_route(path, endpoint, ...)`
                kind = "add_api_route"
            if kind not in ("add_api_route", "add_api_websocket_route", "add_route"):
                continue
            deps = self.params.dep_list(one.kwarg("dependencies"), octx, "route decorator dependencies=", facts.path,
                                        dec.line)
            if view is not None:
                deps = [DepRef(None, Ctx(view.module), f"class-based view {view.name}", facts.path, dec.line,
                               cbv=view), *deps]
            for path in self._route_path(one.arg(0, "path"), octx, f"{facts.path}:{dec.line}"):
                out.append((self._route_methods(kind, one, octx), path, deps, kind == "add_api_websocket_route",
                            (*tests, *path.tests)))
        return out

    def _route_methods(self, method: str, call: ir.Call, ctx: Ctx) -> tuple[str, ...]:
        """The HTTP methods a route registration declares: `@router.get` is GET, `websocket` WEBSOCKET,
        `api_route` / `route` / `add_api_route` their `methods=` (GET by default)."""
        if method in ("websocket", "add_api_websocket_route"):
            return ("WEBSOCKET",)
        if method in ("api_route", "route", "add_api_route", "add_route"):
            return self._methods(call.kwarg("methods"), ctx) or ("GET",)
        return (method.upper(),)

    def _route_path(self, expr: ir.Expr | None, ctx: Ctx, site: str) -> list[PathChoice]:
        """A route's path: `_path_string`, else each alternative of a path chosen at run time, else what can be read
        of it with `{?text}` standing for each part that cannot (`f"/scrapers/{platform}"` -> `/scrapers/{?platform}`),
        as for prefixes (`Literals.path_choices`; `site` names the choice)."""
        path = self._path_string(expr, ctx)
        if path is not None or expr is None:
            text = path if path is not None else "?"
            return [PathChoice(text, (), text)]
        return self.literals.path_choices(expr, ctx, site)

    def _path_string(self, expr: ir.Expr | None, ctx: Ctx) -> str | None:
        """A route path: a constant string, or an app's own URL setting (`app.swagger_ui_oauth2_redirect_url`,
        `app.openapi_url`, ...: the value given to `FastAPI(...)` or FastAPI's default)."""
        text = self.index.string(expr, ctx)
        if text is not None or not isinstance(expr, ir.Attr) or expr.attr not in APP_URL_DEFAULTS:
            return text
        node = self.routers.router_of(self.index.resolve(expr.value, ctx))
        if node is None or node.kind is not RouterKind.APP or node.creation is None:
            return None
        given = node.creation.call.kwarg(expr.attr)
        return self.index.string(given, node.creation.ctx) if given is not None else APP_URL_DEFAULTS[expr.attr]

    def _decorator_call(self, site: Site, call: ir.Call, ctx: Ctx) -> None:
        """`app.get("/x")(handler)` and `app.middleware("http")(func)`: a route decorator applied by hand."""
        dec_call = call.func
        assert isinstance(dec_call, ir.Call) and isinstance(dec_call.func, ir.Attr)
        method = dec_call.func.attr
        if method not in _HAND_DECORATORS:
            return
        targets = _handlers(self.index.resolve_at(call.args[0], ctx, call.line))
        if not targets:
            return
        facts = site.facts
        routers = self.routers.routers_at(dec_call.func.value, ctx)
        if method == "middleware":
            for owner in routers:
                if owner.kind is RouterKind.APP:
                    for target in targets:
                        self.middleware.add(owner.key, target, call.args[0], ctx, f"{ir.show(dec_call)}(...)",
                                            facts.path, call.line, http_only=True)
            return
        if not routers:
            return
        paths = self._route_path(dec_call.arg(0, "path"), ctx, f"{facts.path}:{call.line}")
        methods = self._route_methods(method, dec_call, ctx)
        deps = self.params.dep_list(dec_call.kwarg("dependencies"), ctx, "route decorator dependencies=", facts.path,
                                    call.line)
        for router in routers:
            for target in targets:
                for path in paths:
                    self.decls.append(RouteDecl(router.key, methods, path.text, target,
                                                f"{target.module}.{target.qualname}", deps, facts.path, call.line,
                                                site.col, site.end_col, method == "websocket",
                                                conditions=(*path.tests, *_which(call.args[0], target, targets)),
                                                pattern=_pattern(path), ctx=ctx, registered_under=site.conditions))

    def _methods(self, expr: ir.Expr | None, ctx: Ctx) -> tuple[str, ...]:
        out = []
        for item in self.literals.items(expr, ctx):
            text = self.index.string(item, ctx)
            if text:
                out.append(text.upper())
        return tuple(sorted(set(out)))

    # -- registration calls ----------------------------------------------------------------------------
    def _call_site(self, site: Site, call: ir.Call, ctx: Ctx,
                   loop_vars: tuple[tuple[tuple[str | None, ...], ir.Expr], ...] = (),
                   tests: tuple[ir.Expr, ...] = ()) -> None:
        f = call.func
        if isinstance(f, ir.Call) and isinstance(f.func, ir.Attr) and len(call.args) == 1:
            if f.func.attr not in _HAND_DECORATORS:
                return  # `x.op("||")(y)`: not a decorator applied by hand, so no caller search for it
            for cctx in self.calling.contexts(ctx, free_names(call)):
                self._decorator_call(site, call, cctx)
            return
        if isinstance(f, ir.Attr) and f.attr in ROUTE_COPIES and isinstance(f.value, ir.Attr) and \
                f.value.attr == "routes":
            self._copied_routes(site, call, f.attr, f.value.value, ctx, loop_vars)
            return
        if not isinstance(f, ir.Attr) or f.attr not in REGISTRATIONS:
            return
        for cctx in self.calling.contexts(ctx, free_names(call)):
            owners = self.routers.routers_at(f.value, cctx)
            if not owners:
                if f.attr == "include_router":
                    self._unseen_parent(site, call, cctx)
                continue
            for env, under in self.calling.iterations(call, loop_vars, cctx):
                here = self._in_iteration(site, tests, env, cctx)
                if here is None:
                    continue  # an `if` on the loop's item that is false for this one
                one = subst(call, env) if env else call
                assert isinstance(one, ir.Call)
                one = self.index.spread_kwargs(one, cctx)  # `include_router(**spec)` as the keywords it passes
                here = replace(here, conditions=(*here.conditions, *under)) if under else here
                for owner in owners:
                    self._one_call(here, one, owner, cctx)

    def _in_iteration(self, site: Site, tests: tuple[ir.Expr, ...], env: Substitution, ctx: Ctx) -> Site | None:
        """`site` in one iteration of the loops around it (`env` binds their variables to one item): an `if` test
        around the call that reads a loop variable is read for that item (`for prefix, router, private in
        ROUTERS: if private: app.include_router(router, dependencies=...)`), and the call is not made in an
        iteration where one is false; one that is true is no condition of it. `tests`: the `if` tests around the
        call, `site.conditions` in the same order (none when it is in no loop)."""
        if not env or not tests or len(tests) != len(site.conditions):
            return site
        kept: list[str] = []
        for text, test in zip(site.conditions, tests, strict=True):
            truth = self.index.truth(subst(test, env), ctx) if free_names(test) & env.keys() else None
            if truth is False:
                return None
            if truth is None:
                kept.append(text)
        return replace(site, conditions=tuple(kept)) if len(kept) != len(site.conditions) else site

    def _copied_routes(self, site: Site, call: ir.Call, method: str, target: ir.Expr, ctx: Ctx,
                       loop_vars: tuple[tuple[tuple[str | None, ...], ir.Expr], ...]) -> None:
        """`target.routes.extend(source.routes)` (a slice of them, or a comprehension over them), and
        `target.routes.append(route)` in a `for route in source.routes:` loop: the route objects of `source` put
        into `target`'s list as they are (their full paths and the dependencies baked in when they were made).
        Routes as an include of `source` into `target` without prefix or dependencies would make them; a test
        on the copied element (`if isinstance(route, APIRoute)`) picks routes, it is no condition of the app."""
        arg = call.arg(0, "object" if method == "append" else "iterable")
        element: set[str] = set()
        if isinstance(arg, ir.Name) and method == "append":
            loop = next(((names, it) for names, it in reversed(loop_vars) if names == (arg.id,)), None)
            if loop is None:
                return
            element.add(arg.id)
            arg = loop[1]
        elif isinstance(arg, ir.Comp):
            element.update(arg.names)
            arg = arg.iterable
        if isinstance(arg, ir.Sub):
            arg = arg.value  # `routes[4:]`: FastAPI's own docs routes left out
        if not isinstance(arg, ir.Attr) or arg.attr != "routes":
            return
        conditions = tuple(c for c in site.conditions if not any(_word_in(name, c) for name in element))
        path = site.facts.path
        for cctx in self.calling.contexts(ctx, free_names(call)):
            owners = self._routers_of(target, cctx)
            if not owners:
                continue
            for source in self._routers_of(arg.value, cctx):
                for owner in owners:
                    if source.key != owner.key:
                        self._add_include(source, Include(owner.key, source.key, "", [], path, call.line, conditions,
                                                          copy=True))

    def _routers_of(self, expr: ir.Expr, ctx: Ctx) -> list[RouterNode]:
        """The routers `expr` is, or the app whose router it is (`app.router`)."""
        found = self.routers.routers_at(expr, ctx)
        if not found and isinstance(expr, ir.Attr) and expr.attr == "router":
            found = [n for n in self.routers.routers_at(expr.value, ctx) if n.kind is RouterKind.APP]
        return found

    def _unseen_parent(self, site: Site, call: ir.Call, ctx: Ctx) -> None:
        """`x.include_router(router)` where `x` is not a router or app the analysis can tell: the router may be
        served through it (its routes are never said to be "never included")."""
        assert isinstance(call.func, ir.Attr)
        shown = f"`{ir.show(call, 120)}` ({site.facts.path}:{call.line})"
        for option in options(self.index.resolve(call.arg(0, "router"), ctx)):
            child = self.routers.router_of(option)
            if child is not None and shown not in child.unseen_parents:
                child.unseen_parents.append(shown)

    def _one_call(self, site: Site, call: ir.Call, owner: RouterNode, ctx: Ctx) -> None:
        for one, octx, tests in self._registered(owner, call, ctx):
            f = one.func
            assert isinstance(f, ir.Attr)
            if f.attr == "add_middleware":
                self._add_middleware(site, one, owner, octx)
            elif f.attr == "include_router":
                self._include_router(replace(site, conditions=(*site.conditions, *tests)), one, owner, octx)
            elif f.attr == "mount":
                self._mount(replace(site, conditions=(*site.conditions, *tests)), one, owner, octx)
            else:
                self._add_route(site, one, owner, octx, tests)

    def _add_middleware(self, site: Site, call: ir.Call, owner: RouterNode, ctx: Ctx) -> None:
        """`app.add_middleware(Cls, **options)`: once per app, whatever the calling context."""
        path = site.facts.path
        if owner.kind is not RouterKind.APP or any(mw.app == owner.key and mw.file == path and mw.line == call.line
                                                   for mw in self.middleware.found):
            return
        assert isinstance(call.func, ir.Attr)
        target = call.arg(0, "middleware_class")
        undecided = [c for c in self.calling.tests_of(call, ctx) if ir.show(c) in site.conditions]
        self.middleware.add(owner.key, self.index.resolve(target, ctx), target, ctx,
                            f"{ir.show(call.func.value)}.add_middleware({ir.show(target)})", path, call.line,
                            tuple(kv for kv in call.kwargs if kv[0] != "**"), site.conditions,
                            values=self._local_values(undecided, ctx, site.facts))

    def _local_values(self, tests: list[ir.Expr], ctx: Ctx, facts: ModuleFacts) -> tuple[str, ...]:
        """What the locals of the function around a registration that its `if` tests read are bound to, when each is
        bound once to something other than a literal (`auth_string = settings.AUTH_STRING.value()` before `if
        auth_string is not None:`): "auth_string is `settings.AUTH_STRING.value()` (path:line)"."""
        out: list[str] = []
        for name in sorted({n for test in tests for n in free_names(test)}):
            for func in self.index.scopes(ctx):
                if any(p.name == name for p in func.params):
                    break  # a caller's argument
                binds = [b for b in func.binds if b.name == name]
                if binds:
                    if len(binds) == 1 and not isinstance(binds[0].value, (ir.Const, ir.Str, ir.Unknown)):
                        out.append(f"{name} is `{ir.show(binds[0].value, 80)}` ({facts.path}:{binds[0].line})")
                    break
        return tuple(out)

    def _include_router(self, site: Site, call: ir.Call, owner: RouterNode, ctx: Ctx) -> None:
        arg = call.arg(0, "router")
        value = self.index.resolve(arg, ctx)
        children: list[RouterNode] = []
        for node in (self.routers.router_of(o) for o in options(value)):
            if node is not None and all(node is not other for other in children):
                children.append(node)
        if len(children) > 1:  # `a if flag else b`, `table[key]`: each alternative, under the test naming it
            for alternative in children:
                chosen = site if _chosen_by_binding(alternative) else \
                    replace(site, conditions=(*site.conditions, f"{ir.show(arg)} is {_router_label(alternative)}"))
                self._include(chosen, call, owner, alternative, ctx, arg)
            return
        child: RouterNode | None = children[0] if children else None
        if child is None and self.index.library is not None:
            child = self.routers.router_of(self.index.resolve_lib(arg, ctx))  # a router a library builds
        if child is not None:
            self._include(site, call, owner, child, ctx, arg)
        else:
            # `api.include_router(plugin.events)` with `plugin` from a registry the analysis cannot read: any
            # project class whose attribute of that name is a router may be it (the route keeps the condition)
            for candidate, condition in self._attribute_routers(arg, ctx):
                self._include(replace(site, conditions=(*site.conditions, condition)), call, owner, candidate, ctx,
                              arg)
            shown = ir.show(arg) if arg is not None else \
                next((f"**{ir.show(v)}" for k, v in call.kwargs if k == "**"), None)  # a mapping not known
            if shown is None:
                return
            prefix = self.literals.path_part(call.kwarg("prefix"), ctx)
            deps = self.params.dep_list(call.kwarg("dependencies"), ctx, "include_router(dependencies=)",
                                        site.facts.path, call.line)
            self.opaque.append(OpaqueInclude(owner.key, prefix, deps, shown, site.facts.path, call.line,
                                             site.col, site.end_col, site.conditions))

    def _attribute_routers(self, arg: ir.Expr | None, ctx: Ctx) -> list[tuple[RouterNode, str]]:
        """For `obj.name` where `obj` is not known (a registry's element, a parameter no caller binds, the
        result of an unknown call): the routers project classes hold in a class attribute `name`, each with
        the condition under which `obj.name` is that router."""
        if not isinstance(arg, ir.Attr):
            return []
        base = self.index.resolve(arg.value, ctx)
        if not (isinstance(base, (UnknownV, ParamV)) or (isinstance(base, InstanceV) and base.cls is None)):
            return []
        holders = self._class_attrs.get(arg.attr)
        if holders is None:
            holders = self._class_attrs[arg.attr] = []
            for stub in self.index.modules:
                if stub.pending and arg.attr not in stub.class_attrs.split():
                    continue  # not parsed yet (demand-driven) and no class body there binds the name
                facts = self.index.module(stub.module) or stub  # a placeholder is parsed when read
                if facts.error or facts.module in self.index.lib_modules:
                    continue
                holders.extend(ClassV(facts.module, cls.name) for cls in facts.classes.values()
                               if arg.attr in cls.attrs)
        out: list[tuple[RouterNode, str]] = []
        for cls_v in holders[:MAX_ATTRIBUTE_CANDIDATES]:
            node = self.routers.router_of(self.index.class_attr(cls_v, arg.attr))
            if node is not None and all(node is not n for n, _ in out):
                out.append((node, f"{ir.show(arg)} is {cls_v.module}.{cls_v.name}.{arg.attr}"))
        return out

    def _mount(self, site: Site, call: ir.Call, owner: RouterNode, ctx: Ctx) -> None:
        target = call.arg(1, "app")
        value = self.index.resolve(target, ctx)
        child = self.routers.router_of(value)
        label = self._mount_label(value, target)
        kind = self._mount_kind(value, child)
        path = call.arg(0, "path")
        # a mount path that cannot be told is `{?text}`, one chosen at run time one mount per alternative under its
        # tests (Literals.path_choices), in the sub-app's paths as in the mount table; kept as Starlette's Mount
        # keeps it: `mount("/", sub)` serves `/x`
        for prefix in self.literals.path_choices(path, ctx, f"{site.facts.path}:{call.line}"):
            within = prefix.text.rstrip("/")
            conditions = (*site.conditions, *prefix.tests)
            pattern = _pattern(prefix)
            if child is not None and child.kind is RouterKind.APP and child.key != owner.key:
                self._add_include(child, Include(owner.key, child.key, within, [], site.facts.path, call.line,
                                                 conditions, mount=True, pattern=pattern))
            mount = MountDecl(owner.key, within if path is not None else "?", label, kind, site.facts.path,
                              call.line, conditions, pattern)
            if mount not in self.mount_decls:  # the same mount read in several calling contexts
                self.mount_decls.append(mount)

    def _add_route(self, site: Site, call: ir.Call, owner: RouterNode, ctx: Ctx, tests: tuple[str, ...] = ()) -> None:
        """`router.add_api_route(path, endpoint, ...)`, `add_api_websocket_route`, `add_route`."""
        assert isinstance(call.func, ir.Attr)
        path = self._path_string(call.arg(0, "path"), ctx)
        endpoint = self.index.resolve(call.arg(1, "endpoint"), ctx)
        handlers = _handlers(endpoint)
        if path is None and not handlers:
            # re-registration by a helper (`router.add_api_route(route.path, route.endpoint)` in a
            # class-based-view decorator, say): nothing to say about routes it makes from runtime values
            return
        paths = [PathChoice(path, (), path)] if path is not None else \
            self._route_path(call.arg(0, "path"), ctx, f"{site.facts.path}:{call.line}")
        method = call.func.attr
        methods = self._route_methods(method, call, ctx)
        deps = self.params.dep_list(call.kwarg("dependencies"), ctx, "add_api_route(dependencies=)", site.facts.path,
                                    call.line)
        alternatives: list[FuncV | None] = list(handlers) or [None]
        for handler in alternatives:
            name = f"{handler.module}.{handler.qualname}" if handler else ir.show(call.arg(1, "endpoint"))
            for one in paths:
                self.decls.append(RouteDecl(owner.key, methods, one.text, handler, name, deps, site.facts.path,
                                            call.line, site.col, site.end_col, method == "add_api_websocket_route",
                                            conditions=(*tests, *one.tests,
                                                        *_which(call.arg(1, "endpoint"), handler, handlers)),
                                            pattern=_pattern(one), ctx=ctx, registered_under=site.conditions))

    def _include(self, site: Site, call: ir.Call, owner: RouterNode, child: RouterNode, ctx: Ctx,
                 arg: ir.Expr | None) -> None:
        if child.key == owner.key:
            return
        deps = self.params.dep_list(call.kwarg("dependencies"), ctx, "include_router(dependencies=)", site.facts.path,
                                    call.line)
        env = self.routers.factory_env(arg, ctx)
        # a prefix chosen at run time (`prefix="/v1" if c else ""`): one include per alternative, under its tests
        for prefix in self.literals.path_choices(call.kwarg("prefix"), ctx, f"{site.facts.path}:{call.line}"):
            self._add_include(child, Include(owner.key, child.key, prefix.text, deps, site.facts.path, call.line,
                                             (*site.conditions, *prefix.tests), env=env, pattern=_pattern(prefix)))

    @staticmethod
    def _add_include(child: RouterNode, inc: Include) -> None:
        """Add `inc` to what includes `child`, unless an include already there makes the same routes."""
        if any(i.parent == inc.parent and i.path == inc.path and i.line == inc.line and i.prefix == inc.prefix
               for i in child.included_by):  # the same include read in several calling contexts
            return
        same = [other for other in child.included_by if _same_include(other, inc)]
        if any(_implies(inc.conditions, other.conditions) for other in same):
            return  # it adds nothing: the same routes are there under fewer conditions
        for other in same:
            # `if c: app.include_router(r)` / `else: app.include_router(r)`: included either way
            if _complementary(other.conditions, inc.conditions):
                inc = replace(other, conditions=inc.conditions[:-1])
                break
        # an include this one makes redundant (the same routes under more conditions) is dropped
        child.included_by[:] = [other for other in child.included_by
                                if not (other in same and _implies(other.conditions, inc.conditions))]
        child.included_by.append(inc)

    def _mount_kind(self, value: Value, child: RouterNode | None) -> MountKind:
        if child is not None:
            return MountKind.APP if child.kind is RouterKind.APP else MountKind.ROUTER
        cls = value.cls if isinstance(value, InstanceV) else value
        name = cls.qualname if isinstance(cls, ExternalV) else None
        if isinstance(cls, ClassV):
            bases = self.index.external_bases(cls)
            name = bases[0] if bases else None
        if name and last_name(name) == "StaticFiles":
            return MountKind.STATIC
        if name and last_name(name) in ("WSGIMiddleware",):
            return MountKind.WSGI
        if isinstance(value, (InstanceV, ExternalV, ClassV, FuncV)):
            return MountKind.ASGI
        return MountKind.UNRESOLVED

    def _mount_label(self, value: Value, expr: ir.Expr | None) -> str:
        if isinstance(value, InstanceV):
            if value.key and value.key[0] in ("global", "local"):
                return ".".join(str(k) for k in value.key[1:3 if value.key[0] == "global" else 4] if k)
            made_by = qualified_name(value.cls)
            if made_by is not None:
                return f"{made_by}(...)"
        return qualified_name(value) or ir.show(expr)


def _pattern(path: PathChoice) -> str | None:
    """A path's pattern, when it is one alternative of a run-time choice (None: the path itself)."""
    return path.pattern if path.pattern != path.text else None


def _handlers(value: Value) -> list[FuncV]:
    """The functions a route's endpoint may be: the function, or each alternative when the endpoint is chosen
    by a condition the analysis cannot decide (`handler = authed if auth else anonymous`, or an `if`/`else`
    that binds it); none when any alternative is not a project function."""
    found = options(value)
    return [v for v in found if isinstance(v, FuncV)] if all(isinstance(v, FuncV) for v in found) else []


def _which(expr: ir.Expr | None, handler: FuncV | None, handlers: list[FuncV]) -> tuple[str, ...]:
    """The condition of a route whose handler is one of several alternatives (`handler is pkg.mod.authed`)."""
    if handler is None or len(handlers) < 2:
        return ()
    return (f"{ir.show(expr)} is {handler.module}.{handler.qualname}",)


def _word_in(name: str, text: str) -> bool:
    """`name` occurs in source text `text` as a whole identifier."""
    start = text.find(name)
    while start >= 0:
        end = start + len(name)
        if (start == 0 or not (text[start - 1].isalnum() or text[start - 1] == "_")) and \
                (end == len(text) or not (text[end].isalnum() or text[end] == "_")):
            return True
        start = text.find(name, start + 1)
    return False


def _chosen_by_binding(node: RouterNode) -> bool:
    """A router that is one alternative of a binding (`x = A() if c else B()`): its own tests say when it is the
    one made (routes/expand.py adds them), no other condition is needed to tell it apart."""
    return len(node.variants) == 1 and bool(node.variants[0].tests)


def _bound_name(key: RouterKey) -> str | None:
    """The name a router is bound to where it is made (`router = APIRouter()`), if it is bound to one."""
    kind = key[0] if key else None
    name = key[2] if kind == "global" and len(key) >= 3 else key[3] if kind == "local" and len(key) >= 4 else None
    return name if isinstance(name, str) else None


def _router_label(node: RouterNode) -> str:
    """The name a router is bound to (`pkg.mod.router`, `pkg.mod.factory.router`), else where it is made."""
    key = node.key
    kind = key[0] if key else None
    if kind == "global" and len(key) >= 3 and all(isinstance(k, str) for k in key[1:3]):
        return f"{key[1]}.{key[2]}"
    if kind == "local" and len(key) >= 4 and all(isinstance(k, str) for k in key[1:4]):
        return f"{key[1]}.{key[2]}.{key[3]}"
    return f"the router made at {node.path}:{node.line}"


def _same_include(a: Include, b: Include) -> bool:
    """Two includes of one router into one parent that make the same routes (prefix, dependencies, factory)."""
    return a.parent == b.parent and a.prefix == b.prefix and a.mount == b.mount and a.env == b.env and \
        a.path == b.path and [(ir.show(d.expr), d.origin, d.scopes, d.security) for d in a.deps] == \
        [(ir.show(d.expr), d.origin, d.scopes, d.security) for d in b.deps]


def _implies(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Conditions `a` hold only where `b` hold (`b` is the outer part of `a`)."""
    return a[:len(b)] == b


def _complementary(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Conditions that differ only in their innermost test, taken one way and the other (`c` / `not c`)."""
    if not a or len(a) != len(b) or a[:-1] != b[:-1]:
        return False
    return a[-1] == f"not {b[-1]}" or b[-1] == f"not {a[-1]}"
