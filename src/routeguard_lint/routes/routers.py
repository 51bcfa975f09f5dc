"""The router objects: which values are FastAPI apps and APIRouters (project and library subclasses
included), the prefix and dependencies each was made with (re-read for one factory call when a factory made
it from its parameters), and which routers an expression can be."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func
from routeguard_lint.project.arguments import bind_args, forward_call, subst
from routeguard_lint.project.index import (
    BoundParam,
    ClassV,
    Ctx,
    ExternalV,
    FuncV,
    Index,
    InstanceV,
    ParamV,
    Value,
    external_name,
    options,
)
from routeguard_lint.routes.contexts import Contexts, Substitution
from routeguard_lint.routes.literals import Literals, PathChoice, unbound
from routeguard_lint.routes.middleware import MiddlewareReader
from routeguard_lint.routes.model import (
    Choice,
    Creation,
    DepRef,
    FactoryCall,
    RouterKey,
    RouterKind,
    RouterNode,
    Variant,
)
from routeguard_lint.routes.params import Params
from routeguard_lint.vocabulary import APP_CLASSES, ROUTER_CLASSES, last_name

MAX_SUBCLASSING = 6  # router subclasses of router subclasses followed to FastAPI's class
MAX_PARAMETER_HOPS = 3  # a router passed as an argument, through how many functions
MAX_BINDINGS = 8  # names bound to names followed to the factory call that made a router


RouterClass = ClassV | ExternalV | None  # what made a router: a project (or library) class, FastAPI's own


class RouterArgs(NamedTuple):
    """The prefix and dependencies a router was made with; a prefix chosen at run time, each alternative in
    `prefixes` (`prefix` the first)."""

    prefix: str
    deps: list[DepRef]
    prefixes: tuple[PathChoice, ...] = ()


class Instance(NamedTuple):
    """A router made from a router class, and what `self` and `__init__`'s parameters are for it."""

    node: RouterNode
    names: Substitution


def _router_class(value: object) -> RouterClass:
    return value if isinstance(value, (ClassV, ExternalV)) else None


class Routers:
    def __init__(self, index: Index, literals: Literals, params: Params, calling: Contexts,
                 middleware: MiddlewareReader) -> None:
        self.index = index
        self.literals = literals
        self.params = params
        self.calling = calling
        self.middleware = middleware
        self.by_key: dict[RouterKey, RouterNode] = {}
        self._args_memo: dict[tuple[RouterKey, int], RouterArgs] = {}
        # the router nodes made for alternatives of one binding, by the binding (`Index.alternative_of`)
        self._bindings: dict[RouterKey, list[RouterNode]] = {}
        self._library_kinds: dict[ClassV, RouterKind | None] = {}  # `_library_kind`, by class

    def router_of(self, value: Value) -> RouterNode | None:
        """The router (app) `value` is, when it is an instance of FastAPI, APIRouter or a subclass."""
        if not isinstance(value, InstanceV):
            return None
        if value.key in self.by_key:
            return self.by_key[value.key]
        cls = _router_class(value.cls)
        kind = self.router_kind(cls, deep=True)
        if kind is None:
            return None
        facts = self.index.module(value.module)
        # read where the call is written, with what the call of the function around it bound (a factory's
        # `FastAPI(dependencies=[...] if enforce else [])` for `create_app()`: `enforce` is its default)
        ctx = Ctx(value.module, value.scope, _made_for(value.key))
        node = RouterNode(value.key, kind, value.module, facts.path if facts else value.module, value.call.line)
        self.by_key[value.key] = node
        if isinstance(cls, ExternalV) and cls.qualname not in APP_CLASSES and cls.qualname not in ROUTER_CLASSES:
            # a library's router class (its __init__, its own routes)
            cls = _router_class(self.index.materialize(cls))
        node.creation = Creation(value.call, ctx, cls)
        node.prefix, node.deps, node.prefixes = self.router_args(value.call, ctx, cls, kind, node.path)
        alternative = self.index.alternative_of(value.key)
        if alternative is not None:
            same = self._same_binding(node, alternative)
            if same is not None:
                self.by_key[value.key] = same
                return same
            node.variants.append(Variant(alternative[1], node.creation, tuple(node.deps)))
            self._bindings.setdefault(alternative[0], []).append(node)
        if kind is RouterKind.APP:
            self._app_middleware(node, value.call, ctx)
        return node

    def _same_binding(self, made: RouterNode, alternative: tuple[RouterKey, tuple[str, ...]]) -> RouterNode | None:
        """The router already made for another alternative of the same binding (`if c: api = APIRouter(...)` /
        `else: api = APIRouter(...)`, or `x = A() if c else B()`), when `made` is made alike: of the same class,
        with the same prefix and the same arguments but for those that add no route, prefix or middleware, and
        for the dependencies. The program makes one of them, so they are one router (each listed its routes
        again); where their dependencies differ, the node's dependencies become a choice between each
        alternative's (judged over every choice). Alternatives made otherwise stay apart."""
        group, tests = alternative
        creation = made.creation
        assert creation is not None
        shape = _shape(creation.call)
        if self.index.read_in_branch(made.key):
            return None  # read in its branch: given what that branch gives it, not made alike
        for node in self._bindings.get(group, []):
            if self.index.read_in_branch(node.key):
                continue
            if node.kind is not made.kind or node.prefix != made.prefix or node.creation is None or \
                    [c[:2] for c in node.prefixes] != [c[:2] for c in made.prefixes] or \
                    node.creation.cls != creation.cls or _shape(node.creation.call) != shape:
                continue
            node.variants.append(Variant(tests, creation, tuple(made.deps)))
            node.name = _binding_name(group)
            node.deps = merged_deps(node.variants, node.name, node.path, node.line)
            return node
        return None

    def _app_middleware(self, node: RouterNode, call: ir.Call, ctx: Ctx) -> None:
        """`FastAPI(middleware=[Middleware(AuthMiddleware, ...)])`."""
        for item, ictx in self.literals.items_ctx(call.kwarg("middleware"), ctx):
            if isinstance(item, ir.Call) and last_name(external_name(self.index.resolve(item.func, ictx))) \
                    == "Middleware" and item.args:
                self.middleware.add(node.key, self.index.resolve(item.args[0], ictx), item.args[0], ictx,
                                    "FastAPI(middleware=)", node.path, item.line or node.line, item.kwargs)

    def router_args(self, call: ir.Call, ctx: Ctx, cls: RouterClass, kind: RouterKind, path: str) -> RouterArgs:
        """The prefix and dependencies a `FastAPI(...)` / `APIRouter(...)` (or subclass) call ends up with."""
        call, ctx, owner = self._effective_call(call, ctx, cls)
        prefixes = self.literals.path_choices(call.kwarg("prefix"), ctx, f"{path}:{call.line}") \
            if kind is RouterKind.ROUTER else [PathChoice("", (), "")]
        deps: list[DepRef] = []
        plain = f"{owner or ('FastAPI' if kind is RouterKind.APP else 'APIRouter')}(dependencies=)"
        deps += self.params.unread_item(call.kwarg("dependencies"), ctx, plain, self.index.path_of(ctx.module),
                                        call.line)
        for item, ictx in self.literals.items_ctx(call.kwarg("dependencies"), ctx):
            origin = f"{ictx.scope} dependencies" if owner and ictx.scope and \
                ictx.scope.endswith(".__init__") else plain
            ref = self.params.depends_call(item, ictx, origin, self.index.path_of(ictx.module), call.line)
            if ref is not None:
                deps.append(ref)
        deps += self.params.conditional_deps(call.kwarg("dependencies"), ctx, plain, self.index.path_of(ctx.module),
                                             call.line)
        return RouterArgs(prefixes[0].text, deps, tuple(prefixes) if len(prefixes) > 1 else ())

    def _effective_call(self, call: ir.Call, ctx: Ctx, cls: RouterClass) -> tuple[ir.Call, Ctx, str | None]:
        """For a project subclass of APIRouter/FastAPI: the call its `__init__` finally makes to FastAPI's
        class (`super().__init__(..., dependencies=[...], **kwargs)`), the caller's arguments bound to
        `__init__`'s parameters, and the name of the subclass. Other calls come back unchanged."""
        owner_name = None
        for _ in range(MAX_SUBCLASSING):
            if not isinstance(cls, ClassV):
                break
            init = self.index.class_attr(cls, "__init__")
            func = self.index.func(init) if isinstance(init, FuncV) else None
            if not isinstance(init, FuncV) or func is None or func.class_name is None:
                break
            init_ctx = Ctx(init.module, func.qualname)
            super_call = self._super_init_call(func, init_ctx)
            if super_call is None:
                break
            env = bind_args(func, call, ctx, Ctx(init.module), skip_first=True)
            call = forward_call(super_call, env, init_ctx)
            ctx = init_ctx
            owner_name = owner_name or last_name(cls.name)
            cls = self._first_base(ClassV(init.module, func.class_name))
        return call, ctx, owner_name

    def _super_init_call(self, func: Func, ctx: Ctx) -> ir.Call | None:
        """The call of the base class's `__init__` in an `__init__`: `super().__init__(...)`, or
        `APIRouter.__init__(self, ...)` without the explicit self."""
        for inner in func.calls:
            f = inner.func
            if isinstance(f, ir.Attr) and f.attr == "__init__":
                if isinstance(f.value, ir.Call) and ir.dotted(f.value.func) == "super":
                    return inner
                base = self.index.resolve(f.value, ctx)
                if isinstance(base, (ClassV, ExternalV)):
                    return ir.Call(f, inner.args[1:], inner.kwargs, inner.line, inner.col)
        return None

    def _first_base(self, owner: ClassV) -> RouterClass:
        cdef = self.index.cls(owner)
        for base_expr in (cdef.bases if cdef else []):
            value = self.index.resolve(base_expr, Ctx(owner.module))
            if isinstance(value, (ClassV, ExternalV)):
                return value
        return None

    def router_kind(self, cls: object, deep: bool = False, depth: int = 0) -> RouterKind | None:
        """Whether instances of `cls` are apps or routers (None: neither). `deep`: a project class deriving from a
        library's class is asked of that class's source too, when it is readable (`class MyApp(Cadwyn)`, `Cadwyn`
        a library's FastAPI subclass): asked for an object the project makes, not for every class met."""
        if isinstance(cls, ExternalV):
            if cls.qualname in APP_CLASSES:
                return RouterKind.APP
            if cls.qualname in ROUTER_CLASSES:
                return RouterKind.ROUTER
            cls = self.index.materialize(cls)  # a library's APIRouter subclass, when its source is readable
            if not isinstance(cls, ClassV):
                return None
        if isinstance(cls, ClassV):
            bases = set(self.index.external_bases(cls))
            if bases & APP_CLASSES:
                return RouterKind.APP
            if bases & ROUTER_CLASSES:
                return RouterKind.ROUTER
            if deep and depth < MAX_SUBCLASSING and bases:
                return self._library_kind(cls, bases, depth)
        return None

    def _library_kind(self, cls: ClassV, bases: set[str], depth: int) -> RouterKind | None:
        """`router_kind` of a class whose outside bases are none of FastAPI's: that of the first base whose library
        source derives from FastAPI's app or router class."""
        if cls in self._library_kinds:
            return self._library_kinds[cls]
        self._library_kinds[cls] = None  # (a cycle of bases ends here)
        found = None
        for base in sorted(bases):
            source = self.index.materialize(ExternalV(base))
            if isinstance(source, ClassV) and source != cls:
                found = self.router_kind(source, deep=True, depth=depth + 1)
                if found is not None:
                    break
        self._library_kinds[cls] = found
        return found

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
        if isinstance(value, ParamV) and depth < MAX_PARAMETER_HOPS and not ctx.env:
            # a parameter of a function read without a calling context: whatever its callers pass
            for cctx in self.calling.contexts(Ctx(value.module, value.func), {value.name}):
                if cctx.env:
                    out.extend(n for n in self.routers_at(expr, cctx, depth + 1) if n not in out)
            return out
        return []

    def instances(self, cls_v: ClassV) -> list[Instance]:
        """The routers made from `cls_v` (or a subclass), each with a substitution for `self` and for its
        `__init__` parameters (the arguments that instance was made with)."""
        out = []
        init = self.index.class_attr(cls_v, "__init__")
        init_func = self.index.func(init) if isinstance(init, FuncV) else None
        for node in list(self.by_key.values()):
            creation = node.creation
            if creation is None or not isinstance(creation.cls, ClassV) or \
                    cls_v not in self.index.mro(creation.cls):
                continue
            names: Substitution = {}
            if isinstance(init, FuncV) and init_func is not None:
                names = dict(bind_args(init_func, creation.call, creation.ctx, Ctx(init.module),
                                       skip_first=True).names)
            names["self"] = self._self_expr(node.key, creation)
            out.append(Instance(node, names))
        return out

    @staticmethod
    def _self_expr(key: RouterKey, creation: Creation) -> ir.Expr:
        """What `self` is for a router: the name it is bound to, else the call that made it."""
        kind = key[0] if key else None
        if kind == "global" and isinstance(key[1], str) and isinstance(key[2], str):
            return ir.Bound(ir.Name(key[2]), Ctx(key[1]))
        if kind == "local" and isinstance(key[1], str) and isinstance(key[2], str) and isinstance(key[3], str):
            return ir.Bound(ir.Name(key[3]), Ctx(key[1], key[2]))
        return ir.Bound(creation.call, creation.ctx)

    def factory_env(self, expr: ir.Expr | None, ctx: Ctx) -> FactoryCall | None:
        """For a router made by a project function (`make_router("/a")`, or a name bound to such a
        call): that call's arguments bound to the function's parameters."""
        for _ in range(MAX_BINDINGS):
            if expr is None:
                return None
            if isinstance(expr, ir.Bound):
                expr, ctx = unbound(expr)
                continue
            if isinstance(expr, ir.Call):
                callee = self.index.resolve(expr.func, ctx)
                func = self.index.func(callee) if isinstance(callee, FuncV) else None
                if not isinstance(callee, FuncV) or func is None or not func.params or func.class_name is not None:
                    return None
                env = bind_args(func, expr, ctx, Ctx(callee.module), skip_first=False)
                return FactoryCall(func.qualname, callee.module, env)
            if isinstance(expr, (ir.Name, ir.Attr)):
                bound = self.literals.assignment(expr, ctx)
                if bound is None:
                    return None
                expr, ctx = bound
                continue
            return None
        return None

    def node_args(self, node: RouterNode, env: FactoryCall | None) -> RouterArgs:
        """A router's prefix and dependencies, re-read for one factory call when it was made inside
        that factory from its parameters."""
        creation = node.creation
        if env is None or creation is None:
            return RouterArgs(node.prefix, node.deps, node.prefixes)
        if creation.ctx.module != env.module or creation.ctx.scope != env.qualname:
            return RouterArgs(node.prefix, node.deps, node.prefixes)
        key = (node.key, id(env))
        if key not in self._args_memo:
            args = self.router_args(subst(creation.call, env.env.names), creation.ctx, creation.cls, node.kind,
                                    node.path)
            if len(node.variants) > 1:  # each alternative re-read for the call
                variants = [replace(v, deps=tuple(self.router_args(subst(v.creation.call, env.env.names),
                                                                   v.creation.ctx, v.creation.cls, node.kind,
                                                                   node.path).deps)) for v in node.variants]
                args = RouterArgs(args.prefix, merged_deps(variants, node.name, node.path, node.line), args.prefixes)
            self._args_memo[key] = args
        return self._args_memo[key]


def merged_deps(variants: list[Variant], name: str | None, path: str, line: int) -> list[DepRef]:
    """The dependencies of a router standing for several alternatives: those every alternative declares, then
    one choice between what each adds (none when they add nothing)."""
    first, *others = variants
    common = [d for d in first.deps if all(any(_same_dep(d, e) for e in other.deps) for other in others)]
    rest = [Choice(v.tests, tuple(d for d in v.deps if not any(_same_dep(d, c) for c in common))) for v in variants]
    if not any(choice.deps for choice in rest):
        return common
    origin = next((d.origin for v in variants for d in v.deps), "APIRouter(dependencies=)")
    return [*common, DepRef(ir.Name(name or "router"), first.creation.ctx, origin, path, line, choices=tuple(rest))]


def _same_dep(a: DepRef, b: DepRef) -> bool:
    """Two declarations of one dependency (written alike where the same names mean the same)."""
    return a.ctx == b.ctx and a.origin == b.origin and a.scopes == b.scopes and a.security == b.security and \
        a.cbv == b.cbv and not a.choices and not b.choices and ir.show(a.expr) == ir.show(b.expr) and \
        ir.show(a.annotation) == ir.show(b.annotation)


def _made_for(key: RouterKey) -> tuple[BoundParam, ...]:
    """The arguments bound by the call being evaluated when an object was made in a function body (an object made
    in a function is one per call: `Index._local` keeps that call's bindings in its allocation key); empty for
    an object made elsewhere."""
    if not key or key[0] != "local":
        return ()
    return next((part for part in key[4:] if isinstance(part, tuple) and part
                 and all(isinstance(b, BoundParam) for b in part)), ())


def _binding_name(group: RouterKey) -> str | None:
    """The name of the binding of an `Index.alternative_of` identity."""
    name = group[2] if group and group[0] == "global" else group[3] if len(group) > 3 else None
    return name if isinstance(name, str) else None


# Arguments of FastAPI(...) / APIRouter(...) that add no route, prefix, dependency or middleware
_DESCRIPTIVE = frozenset({"debug", "title", "summary", "description", "version", "docs_url", "redoc_url",
                          "openapi_url", "openapi_tags", "servers", "terms_of_service", "contact", "license_info",
                          "swagger_ui_parameters", "swagger_ui_oauth2_redirect_url", "swagger_ui_init_oauth",
                          "separate_input_output_schemas", "tags"})


def _shape(call: ir.Call) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """A router call's arguments that shape its routes but for its dependencies, as text (`_same_binding`)."""
    return (tuple(ir.show(a) for a in call.args),
            tuple(sorted((k, ir.show(v)) for k, v in call.kwargs if k not in _DESCRIPTIVE and k != "dependencies")))
