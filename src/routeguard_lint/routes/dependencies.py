"""Each route's dependency tree: the callables FastAPI runs for it (functions, classes, callable instances,
class-based views), the security schemes and credential sources (headers, cookies, request reads) they
take, and the middleware in front of it. Nodes are shared between routes (one per callable)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func, Param, is_marker
from routeguard_lint.project.arguments import bind_args
from routeguard_lint.project.calls import Calls, mentions_auth_state
from routeguard_lint.project.index import (
    BoundParam,
    ClassV,
    Ctx,
    ExternalV,
    FuncV,
    Index,
    InstanceV,
    LiteralV,
    UnionV,
    UnknownV,
    Value,
    is_abstract,
    options,
)
from routeguard_lint.routes.middleware import BackendGrant, Middleware, MiddlewareReader, Role
from routeguard_lint.routes.model import (
    Child,
    DepNode,
    DepRef,
    ForgedGrant,
    Guard,
    NodeId,
    NodeKind,
    Override,
    ParamKind,
    ParamSource,
    Route,
    RouterKey,
    has_credential,
    walk,
)
from routeguard_lint.routes.params import Params
from routeguard_lint.vocabulary import (
    AUTH_NAME,
    PASSWORD_FORMS,
    SCHEME_NAMES,
    Source,
    is_credential,
    is_fastapi_name,
    last_name,
)

# Nested choices followed when a dependency is one of several alternatives (`a if c else (b if d else e)`).
MAX_CHOICE_DEPTH = 4
MAX_DECLARED_CLASSES = 16  # classes a declared factory result is weighed as (auth.judge.MAX_WORLDS)


def _outside(value: Value) -> bool:
    """A value the project's own code does not define and FastAPI's stack does not explain."""
    target: object = value
    if isinstance(value, InstanceV):
        if value.cls is None:
            return True
        target = value.cls
    if isinstance(target, ExternalV):
        return target.qualname.split(".")[0] not in ("fastapi", "starlette", "pydantic", "builtins", "typing",
                                                     "typing_extensions")
    return isinstance(target, UnknownV)


class DependencyTrees:
    def __init__(self, index: Index, calls: Calls, params: Params, reader: MiddlewareReader | None = None,
                 overrides: list[Override] | None = None) -> None:
        self.index = index
        self.calls = calls
        self.params = params
        self.reader = reader  # reads the request paths a dependency exempts, as a middleware's
        self.nodes: dict[NodeId, DepNode] = {}
        self.overrides = overrides or []  # the writes into the apps' `dependency_overrides` (routes/declarations.py)
        # app -> (id(original node) -> what FastAPI calls instead, its writes in order), built when first asked
        self._override_tables: dict[RouterKey, dict[object, list[tuple[Override, DepNode]]]] = {}
        self._override_memo: dict[tuple[RouterKey, int], DepNode] = {}  # (app, id(node)) -> the node as overridden
        self._exempting: dict[int, bool] = {}  # id(node) -> a node with `exempts` is in its tree
        self._user_below: dict[int, bool] = {}  # id(node) -> a `request.user` check is in its tree
        # (id(node), the AuthenticationMiddleware in front) -> the node as requests through them meet it
        self._user_copies: dict[tuple[int, tuple[int, ...]], DepNode] = {}

    def dep_node(self, ref: DepRef) -> DepNode:
        if ref.choices:
            return self.choices_node(ref)
        if isinstance(ref.cbv, ClassV):
            return self.cbv_node(ref.cbv)
        target_expr = ref.expr
        ctx = ref.ctx
        if target_expr is None:  # Depends(): the annotation is the dependency
            target_expr = self.params.annotation_type(ref.annotation, ctx)
        if target_expr is None:
            return self.leaf(("unresolved", "Depends()", ref.path, ref.line), "Depends() without a usable annotation",
                             NodeKind.UNRESOLVED, ref.path, ref.line)
        return self.node_for_expr(target_expr, ctx, ref.path, ref.line)

    def choices_node(self, ref: DepRef) -> DepNode:
        """The dependencies of a router that is one of several alternatives of a binding (`if c: api =
        APIRouter(dependencies=[...])` / `else: api = APIRouter()`): an ALTERNATIVES node with a child per
        alternative, its `via` the tests choosing it: the alternative's one dependency, a node grouping several,
        or "no dependency"."""
        shown = ir.show(ref.expr, 60)
        key = ("dependency lists", ref.path, ref.line, shown, tuple((c.tests, tuple(id(d) for d in c.deps))
                                                                   for c in ref.choices))
        node = self.nodes.get(key)
        if node is not None:
            return node
        node = DepNode(key, f"one of {len(ref.choices)} lists of dependencies chosen at run time by which object "
                       f"`{shown}` is", NodeKind.ALTERNATIVES, ref.path, ref.line)
        self.nodes[key] = node
        for choice in ref.choices:
            test = " and ".join(choice.tests) or "otherwise"
            if not choice.deps:
                child = self.leaf(("absent",), "no dependency", NodeKind.FASTAPI, ref.path, ref.line)
            elif len(choice.deps) == 1:
                child = self.dep_node(choice.deps[0])
            else:
                child = DepNode(("dependency list", key, test), f"the dependencies of `{shown}` if {test}",
                                NodeKind.FASTAPI, ref.path, ref.line)
                child.children = [Child(self.dep_node(d), d.origin) for d in choice.deps]
                self.nodes[child.id] = child
            node.children.append(Child(child, test))
        return node

    def node_for_expr(self, expr: ir.Expr, ctx: Ctx, path: str, line: int, depth: int = 0) -> DepNode:
        """The node of the dependency `expr` (read in `ctx`) stands for; when it is one of several values
        depending on a test the analysis cannot decide, an ALTERNATIVES node keeping each with its test."""
        value = self.index.resolve(expr, ctx)
        if depth < MAX_CHOICE_DEPTH and isinstance(value, (UnionV, UnknownV)):
            found = self._choices(expr, ctx, 0)
            # a union, or an unknown one of whose alternatives cannot be resolved (that one stays unresolved)
            if isinstance(value, UnionV) or (found is not None and len(found[1]) > 1):
                return self.alternatives_node(value, found, expr, ctx, path, line, depth)
        if value == LiteralV(None):  # the absent choice of `dep if c else None` (routes/params.dep_list)
            return self.leaf(("absent",), "no dependency", NodeKind.FASTAPI, path, line)
        return self.node_for_value(value, expr, ctx, path, line)

    def alternatives_node(self, value: Value, found: tuple[tuple[str, int], list[tuple[str, ir.Expr]]] | None,
                          expr: ir.Expr, ctx: Ctx, path: str, line: int, depth: int) -> DepNode:
        """`dep = a if c else b`, `if c: dep = a` / `else: dep = b`, `make_dep(flag)` whose returns depend on a
        test: the alternatives, each a child whose `via` is the test under which it is the dependency."""
        choices: list[tuple[str, ir.Expr | None, Value | None]]
        if found is None:  # a union made some other way (`table[key]` with an unknown key): its values
            where = (path, line)
            choices = [(f"one of the values of `{ir.show(expr, 60)}`", None, option) for option in options(value)]
        else:
            where, alternatives = found
            choices = [(test, alt, None) for test, alt in alternatives]
        key = ("alternatives", ir.show(expr, 200), ctx, where)
        node = self.nodes.get(key)
        if node is not None:
            return node
        node = DepNode(key, f"one of {len(choices)} dependencies chosen at run time by `{ir.show(expr, 60)}`",
                       NodeKind.ALTERNATIVES, where[0], where[1])
        self.nodes[key] = node
        for test, alt, option in choices:
            if alt is not None:
                alt_expr, alt_ctx = (alt.expr, alt.ctx) if isinstance(alt, ir.Bound) and \
                    isinstance(alt.ctx, Ctx) else (alt, ctx)
                child = self.node_for_expr(alt_expr, alt_ctx, where[0], where[1], depth + 1)
            else:
                assert option is not None
                child = self.node_for_value(option, expr, ctx, path, line)
            node.children.append(Child(child, test))
        return node

    def _choices(self, expr: ir.Expr, ctx: Ctx, depth: int, site: tuple[str, int] | None = None
                 ) -> tuple[tuple[str, int], list[tuple[str, ir.Expr]]] | None:
        """Where a dependency is chosen between alternatives and each alternative with its test (as source
        text), for a conditional expression, a name bound under `if` tests (locally, at module level, through
        imports) and a call of a project function whose returns depend on its arguments; None otherwise.
        `site`: where the expression is written, when it is the value of a binding being followed."""
        if depth > MAX_CHOICE_DEPTH:
            return None
        if isinstance(expr, ir.Bound) and isinstance(expr.ctx, Ctx):
            return self._choices(expr.expr, expr.ctx, depth + 1, site)
        if isinstance(expr, ir.IfExp):
            test = self.index.truth(expr.test, ctx)
            if test is not None:
                return self._choices(expr.body if test else expr.orelse, ctx, depth + 1, site)
            shown = ir.show(expr.test, 60)
            return site or (self.index.path_of(ctx.module), 0), \
                [(shown, ir.Bound(expr.body, ctx)), (f"not ({shown})", ir.Bound(expr.orelse, ctx))]
        if isinstance(expr, ir.Name):
            return self._name_choices(expr.id, ctx, depth)
        if isinstance(expr, ir.Attr):  # `auth.get_user` where `auth` is bound to one of several objects
            found = self._choices(expr.value, ctx, depth + 1, site)
            if found is None:
                return None
            where, alternatives = found
            return where, [(test, ir.Bound(ir.Attr(alt.expr, expr.attr), alt.ctx) if isinstance(alt, ir.Bound)
                            else ir.Attr(alt, expr.attr)) for test, alt in alternatives]
        if isinstance(expr, ir.Call):
            callee = self.index.resolve(expr.func, ctx)
            func = self.index.func(callee) if isinstance(callee, FuncV) else None
            if func is None or not isinstance(callee, FuncV):
                return None
            fctx = self.index.call_env(callee, func, expr, ctx)
            returns = [r for r in self.index.reachable_returns(func, fctx) if r.value is not None]
            here = (self.index.path_of(callee.module), returns[0].line if returns else func.line)
            if len(returns) < 2:
                value = returns[0].value if returns else None
                return self._choices(value, fctx, depth + 1, here) if value is not None else None
            return here, [(" and ".join(ir.show(c, 60) for c in r.conditions if not is_marker(c)) or "otherwise",
                           ir.Bound(r.value, fctx)) for r in returns if r.value is not None]
        return None

    def _name_choices(self, name: str, ctx: Ctx, depth: int
                      ) -> tuple[tuple[str, int], list[tuple[str, ir.Expr]]] | None:
        """`_choices` for a name: its bindings under `if` tests, or the one binding it has, followed."""
        found = self.index.branches(ctx, name)
        if found is None:
            imported = self._imported(name, ctx)
            if imported is not None:
                module, name = imported
                ctx = Ctx(module)
                found = self.index.branches(ctx, name)
        if found is None:
            bound = self.index.assignment(ir.Name(name), ctx)
            if bound is None or bound[0] == ir.Name(name):
                return None
            value, where = bound
            facts = self.index.by_name.get(where.module)
            line = 0
            if where.scope is None and facts is not None:
                line = facts.assign_lines.get(name, 0)
            elif facts is not None and where.scope in facts.functions:
                line = max((b.line for b in facts.functions[where.scope].binds if b.name == name), default=0)
            return self._choices(value, where, depth + 1, (self.index.path_of(where.module), line))
        binds, where = found
        kept = [b for b in binds if not any(self.index.truth(c, where) is False for c in b.conditions)]
        path = self.index.path_of(where.module)
        if len(kept) < 2:
            return self._choices(kept[0].value, where, depth + 1, (path, kept[0].line)) if kept else None
        first = next((b.line for b in kept if b.conditions), kept[0].line)
        return (path, first), [(" and ".join(ir.show(c, 60) for c in b.conditions) or "otherwise",
                                ir.Bound(b.value, where)) for b in kept]

    def _imported(self, name: str, ctx: Ctx) -> tuple[str, str] | None:
        """(module, name) of the module-level binding an imported name stands for (`from app.deps import dep`,
        re-exports followed); None when `name` is not imported in `ctx`'s module."""
        if any(name in func.assigns or any(p.name == name for p in func.params) for func in self.index.scopes(ctx)):
            return None
        module = ctx.module
        for _ in range(10):
            facts = self.index.by_name.get(module)
            if facts is None:
                return None
            ref = facts.imports.get(name)
            if ref is None or ref.name is None:
                return (module, name) if module != ctx.module and name in facts.assigns else None
            module, name = ref.module, ref.name
        return None

    def node_for_value(self, value: Value, expr: ir.Expr, ctx: Ctx, path: str, line: int) -> DepNode:
        if self.index.library is not None and _outside(value):
            found = self.index.resolve_lib(expr, ctx)  # the library's source, when it is installed
            if isinstance(found, (FuncV, ClassV)) or (isinstance(found, InstanceV) and
                                                      isinstance(found.cls, ClassV)):
                value = found
        if isinstance(value, FuncV):
            return self._function_node(value, expr, ctx)
        if isinstance(value, ClassV):
            scheme = self.scheme_class(value)
            if scheme:
                return self.leaf(("schemeclass", value), f"{value.module}.{value.name}", NodeKind.EXTERNAL, path, line)
            return self._class_node(value)
        if isinstance(value, InstanceV):
            scheme = self.scheme_class(value.cls)
            if scheme and not self._replaces_scheme_call(value.cls):
                return self.scheme_node(value, scheme)
            if isinstance(value.cls, ClassV):
                call = self.index.class_attr(value.cls, "__call__")
                if isinstance(call, FuncV):
                    return self._abstract_method(call, value, path, line) or \
                        self._instance_node(call, self._with_factory_arguments(value, expr, ctx), scheme)
            if value.cls is None:
                declared = self._declared_result(expr, ctx, path, line)
                return declared if declared is not None else self._unfollowed_call(value, path, line)
            if isinstance(value.cls, ExternalV):
                return self._external_leaf(value.cls.qualname, value.cls.qualname + "(...)", path, line)
        if isinstance(value, ExternalV):
            return self._external_leaf(value.qualname, value.qualname, path, line)
        node = self.leaf(("unresolved", ir.show(expr), path, line), ir.show(expr), NodeKind.UNRESOLVED, path, line)
        if node.qualname is None:  # `security.access_token_required` on an object a library class made
            node.qualname = self._outside_name(expr, ctx)
            if node.qualname is not None and not node.arguments:
                node.arguments = self._receiver_arguments(expr, ctx)
        return node

    def _bound_object(self, expr: ir.Expr, ctx: Ctx, value: FuncV) -> InstanceV | None:
        """For a method named as a dependency through an object (`Depends(auth.current_user)`, `auth` a module-level
        `Authenticator(...)`, a factory's object, a class attribute; a name bound to `auth.current_user`): the object,
        when the project's code made it of a project class. FastAPI calls the bound method, so `self` in its body is
        that object, with what its `__init__` stored from that construction's arguments. None for a function, a
        static or class method, a method taken from the class (`Depends(Auth.check)`) or from `self`."""
        func = self.index.func(value)
        if func is None or func.class_name is None or not func.params or \
                func.params[0].kind not in ("pos", "posonly") or \
                any(ir.dotted(d.expr) in ("staticmethod", "classmethod") for d in func.decorators):
            return None
        followed = self._assigned(expr, ctx, (ir.Name,))
        if followed is None:
            return None
        expr, ctx = followed
        if not isinstance(expr, ir.Attr):
            return None
        base = self.index.resolve(expr.value, ctx)
        if not isinstance(base, InstanceV) or not isinstance(base.cls, ClassV) or \
                base.key[:1] in (("self",), ("declared",)):
            return None
        return self._with_factory_arguments(base, expr.value, ctx)

    def _assigned(self, expr: ir.Expr, ctx: Ctx, kinds: tuple[type[ir.Expr], ...]) -> tuple[ir.Expr, Ctx] | None:
        """What `expr` stands for past bound arguments and assignments of the `kinds` given (up to six links):
        the first expression of another kind, where to read it; None when a link cannot be followed."""
        for _ in range(6):
            if isinstance(expr, ir.Bound):
                where = expr.ctx
                if not isinstance(where, Ctx):
                    return None
                expr, ctx = expr.expr, where
            elif isinstance(expr, kinds):
                found = self.index.assignment(expr, ctx)
                if found is None:
                    return None
                expr, ctx = found
            else:
                break
        return expr, ctx

    def _with_factory_arguments(self, made: InstanceV, expr: ir.Expr, ctx: Ctx) -> InstanceV:
        """`made`, an object a function's body constructs (`return Guard(enforce=enforce)` in `make_guard`), with
        the arguments of the call of that function `expr` was reached through (`strict = make_guard(True)`)
        bound where its construction is read: two calls of the factory make two objects, each with its own."""
        if made.scope is None:
            return made
        for _ in range(8):
            if isinstance(expr, ir.Bound):
                where = expr.ctx
                if not isinstance(where, Ctx):
                    break
                expr, ctx = expr.expr, where
            elif isinstance(expr, (ir.Name, ir.Attr)):
                found = self.index.assignment(expr, ctx)
                if found is None:
                    break
                expr, ctx = found
            elif isinstance(expr, ir.Call) and not isinstance(self.index.resolve(expr.func, ctx), ClassV):
                returned = self.index.returned(expr, ctx)  # a factory's call: what it returns, its arguments bound
                if returned is None:
                    break
                expr, ctx = returned
            else:
                if expr == made.call and (ctx.module, ctx.scope) == (made.module, made.scope) and ctx.env:
                    return replace(made, env=ctx.env)
                break
        return made

    def _function_node(self, value: FuncV, expr: ir.Expr, ctx: Ctx) -> DepNode:
        """The node of a function named as a dependency (`Depends(expr)` read in `ctx`)."""
        bound = self._bound_object(expr, ctx, value)
        if bound is not None:  # FastAPI calls the bound method: `self` is that object, as `__call__`'s is
            facts = self.index.module(bound.module)
            return self._abstract_method(value, bound, facts.path if facts else None, bound.call.line) or \
                self.callable_node(value, NodeKind.INSTANCE, instance=bound)
        made = self._factory_call(expr, ctx, value)
        named: ir.Expr = expr
        scope = ctx
        while isinstance(named, ir.Bound) and isinstance(named.ctx, Ctx):
            # `Depends(validated)` returned by a factory and read here with its parts bound to that call: the
            # closure was made in that call, its defaults read with that call's arguments
            scope = named.ctx
            named = named.expr
        func = self.index.func(value) if made is None and scope.env else None
        # a function defined in the scope whose parameters `scope` binds (`async def get_user_or_404(id,
        # manager=Depends(get_user_manager))` in a router factory, `async def validated(token: str = token_dep)`
        # in a factory handed `Depends(extractor)`): its defaults are read with them bound
        where = scope if func is not None and func.parent is not None and func.parent == scope.scope else None
        if made is not None:
            call, call_ctx, factory, factory_func = made
            inner = self.index.func(value)
            if inner is not None and inner.parent == factory.qualname and self._wraps_target(inner, Ctx(
                    value.module, inner.parent)) is not None:
                # a wrapper a factory made for the function it was handed (`in_thread(provider)` returning
                # `@wraps(provider) async def run(...)`): `provider` is what that call passed, one node per call
                where = self.index.call_env(factory, factory_func, call, call_ctx)
        node = self.callable_node(value, NodeKind.FUNCTION, closure=self._closure(made), where=where)
        if made is not None and not node.arguments and self.index.is_library(value.module):
            # a closure a library's factory made (`authenticator.current_user(optional=flag)`): the factory
            # call's keyword arguments, what a documented model of the factory is matched against
            node.arguments = self._arguments(made[0], made[1])
        return node

    def _receiver_arguments(self, expr: ir.Expr, ctx: Ctx) -> tuple[tuple[str, object, str], ...]:
        """For a method of an object a library class made, the keyword arguments that made the object
        (`Auth0(auto_error=False).get_user`): what a model's `optional` arguments are matched against."""
        base = self.index.resolve(expr.value, ctx) if isinstance(expr, ir.Attr) else None
        return self._arguments(base.call, Ctx(base.module, base.scope)) if isinstance(base, InstanceV) else ()

    def _closure(self, made: tuple[ir.Call, Ctx, FuncV, Func] | None) -> tuple[tuple[str, object], ...]:
        """For the factory call that made a closure (`_factory_call`): the literal arguments of that call,
        defaults included, by parameter name. () for anything else."""
        if made is None:
            return ()
        expr, ctx, factory, func = made
        method = func.class_name is not None and isinstance(expr.func, ir.Attr)  # `obj.factory(...)`: not `self`
        env = bind_args(func, self.index.spread_kwargs(expr, ctx), ctx, Ctx(factory.module, func.parent),
                        skip_first=method)
        out: list[tuple[str, object]] = []
        for name, bound in env.names.items():
            inner = bound.expr if isinstance(bound, ir.Bound) else bound
            if isinstance(inner, (ir.Const, ir.Str)):
                out.append((name, inner.value))
        return tuple(sorted(out, key=lambda item: item[0]))

    def _factory_call(self, expr: ir.Expr, ctx: Ctx, value: FuncV) -> tuple[ir.Call, Ctx, FuncV, Func] | None:
        """When `expr` is (or names) a call of a factory that returns the closure `value`
        (`current_user(optional=True)`, `current_active_user = current_user()`): that call, where it is read,
        the factory and its definition; None for anything else."""
        followed = self._assigned(expr, ctx, (ir.Name, ir.Attr))
        if followed is None:
            return None
        expr, ctx = followed
        if not isinstance(expr, ir.Call):
            return None
        factory = self.index.resolve(expr.func, ctx)
        if not isinstance(factory, FuncV) and self.index.is_library(value.module):
            factory = self.index.resolve_lib(expr.func, ctx)  # a library's factory (`users.current_user(...)`)
        if not isinstance(factory, FuncV) or factory.module != value.module or \
                not value.qualname.startswith(factory.qualname + "."):
            return None
        func = self.index.func(factory)
        return (expr, ctx, factory, func) if func is not None else None

    def _closure_ctx(self, fv: FuncV, func: Func, closure: tuple[tuple[str, object], ...]) -> Ctx:
        """Where a function's parameter defaults are read: the scope around its `def`; for a closure made by a
        factory call with literal arguments (`closure`), with those bound to the factory's parameters, so that
        `base = a if allow_anonymous else b` / `Depends(base)` in the closure's signature is decided for that
        call (what Python evaluates when the factory runs)."""
        plain = Ctx(fv.module, func.parent)
        factory = self.index.func(FuncV(fv.module, func.parent)) if closure and func.parent else None
        if factory is None or func.parent is None:
            return plain
        names = {p.name for p in factory.params}
        pairs = tuple(BoundParam(func.parent, name, ir.Bound(ir.Str(value) if isinstance(value, str) else
                                                             ir.Const(value), Ctx(fv.module)))
                      for name, value in closure if name in names and (value is None or isinstance(
                          value, (str, bool, int, float))))
        return Ctx(fv.module, func.parent, pairs) if pairs else plain

    def _declared_result(self, expr: ir.Expr, ctx: Ctx, path: str, line: int) -> DepNode | None:
        """`Depends(factory(...))` where the object the factory returns cannot be told (a class it loads by name at
        run time, `getattr(importlib.import_module(...), name)(*args)`) but the factory declares its result type
        (`-> VerifierBase`), a project class: the object is an instance of that class or of a project class
        deriving from it, and which one is chosen at run time. An ALTERNATIVES node with a child per class (its
        `__call__`, run with `self` an instance of that class); None when the factory declares no such class,
        one of the classes has no `__call__`, or there are more of them than the judgement weighs."""
        if not isinstance(expr, ir.Call):
            return None
        callee = self.index.resolve(expr.func, ctx)
        func = self.index.func(callee) if isinstance(callee, FuncV) else None
        if func is None or func.returns_type is None or not isinstance(callee, FuncV):
            return None
        declared = self.index.declared_class(func.returns_type, Ctx(callee.module, func.parent))
        if declared is None:
            return None
        # a class with a method still abstract (`@abstractmethod`, a body of `raise NotImplementedError`) is a base
        # the loaded classes derive from, not one whose object does the work
        classes = [cls for cls in (declared, *self.index.subclasses(declared)) if self.index.concrete(cls)]
        if not classes:
            return None
        if len(classes) > MAX_DECLARED_CLASSES:
            return None
        calls = [self.index.class_attr(cls, "__call__") for cls in classes]
        if not all(isinstance(call, FuncV) for call in calls):
            return None
        shown = ir.show(expr, 60)
        key = ("declared result", shown, path, line)
        node = self.nodes.get(key)
        if node is not None:
            return node
        node = DepNode(key, f"one of {len(classes)} classes of the object `{shown}` returns (declared "
                       f"`{declared.name}`), chosen at run time", NodeKind.ALTERNATIVES, path, line)
        self.nodes[key] = node
        for cls, call in zip(classes, calls, strict=True):
            assert isinstance(call, FuncV)
            made = ir.Call(ir.Name(cls.name), (), (), line, 0)
            instance = InstanceV(cls, made, cls.module, None, ("declared result", cls.module, cls.name))
            child = self.callable_node(call, NodeKind.INSTANCE, instance=instance)
            node.children.append(Child(child, f"the object is a {cls.module}.{cls.name}"))
        return node

    def _instance_node(self, call: FuncV, value: InstanceV, scheme: str | None) -> DepNode:
        """The node of an object of a project class FastAPI calls (its `__call__`, `call`)."""
        node = self.callable_node(call, NodeKind.INSTANCE, instance=value)
        node.scheme_class = scheme  # its `super().__call__(request)` is the scheme's check
        return node

    def _abstract_method(self, method: FuncV, made: InstanceV, path: str | None, line: int | None) -> DepNode | None:
        """The method FastAPI calls on an object of a project class (`__call__` of `Depends(Sub())`, a bound
        method), when the one the object's class finds is abstract (`@abstractmethod`, a body of `raise
        NotImplementedError`): its class does not override it, so that code is not an authentication but a
        failure (an abstract class cannot be made; the body raises), and what the author meant is unknown. A
        leaf naming the construction and the method, never read as a check; None for any other method."""
        func = self.index.func(method)
        if func is None or not is_abstract(func) or not isinstance(made.cls, ClassV):
            return None
        shown = ir.show(made.call, 80)
        node = self.leaf(("abstract", method, shown, made.module, made.scope, made.env), f"`{shown}`",
                         NodeKind.UNRESOLVED, path, line)
        node.unknown_why = f"{method.module}.{method.qualname}, which FastAPI calls on it, is abstract and " \
            f"{made.cls.name} does not override it (an abstract class cannot be made; a body that raises " \
            f"NotImplementedError fails every request)"
        return node

    def _unfollowed_call(self, value: InstanceV, path: str, line: int) -> DepNode:
        """A call we could not follow (e.g. an unknown factory): a leaf named by the call, with its qualified
        name and keyword arguments when they can be told."""
        node = self.leaf(("unresolved", ir.show(value.call), path, line), ir.show(value.call),
                         NodeKind.UNRESOLVED, path, line)
        if node.qualname is None:
            node.qualname = self._outside_name(value.call.func, Ctx(value.module, value.scope))
        if not node.arguments:
            node.arguments = self._arguments(value.call, Ctx(value.module, value.scope))
        return node

    def _arguments(self, call: ir.Call, ctx: Ctx) -> tuple[tuple[str, object, str], ...]:
        """The keyword arguments of a call the analysis cannot follow, each with the literal it evaluates to
        (a constant, a module setting, `not X` of a known X) or `...` when that is only known at run time."""
        out: list[tuple[str, object, str]] = []
        for name, expr in call.kwargs:
            if name == "**":
                continue
            value = self.index.resolve(expr, ctx)
            known: object = value.value if isinstance(value, LiteralV) else self.index.truth(expr, ctx)
            if self.index.environment_field(expr, ctx):
                known = None  # a settings field the environment sets (`auto_error=settings.STRICT`)
            out.append((name, ... if known is None else known, ir.show(expr)))
        return tuple(out)

    def _external_leaf(self, qualname: str, label: str, path: str | None, line: int | None) -> DepNode:
        fastapi_own = qualname.split(".")[0] in ("fastapi", "starlette", "builtins", "typing", "pydantic")
        node = self.leaf(("external", label), label, NodeKind.FASTAPI if fastapi_own else NodeKind.EXTERNAL, path, line)
        node.password_form = last_name(qualname) in PASSWORD_FORMS
        node.qualname = qualname
        return node

    def _outside_name(self, func: ir.Expr, ctx: Ctx) -> str | None:
        """`Ext.method` for a method call on an object an external class made (generic or not): with
        `users = FastAPIUsers[User, int](...)`, `users.current_user` is `fastapi_users.FastAPIUsers.current_user`."""
        if isinstance(func, ir.Sub):
            value = self.index.resolve(func.value, ctx)
            return value.qualname if isinstance(value, ExternalV) else None
        if not isinstance(func, ir.Attr):
            return None
        base = self.index.resolve(func.value, ctx)
        if isinstance(base, InstanceV):
            cls = base.cls
            if cls is None and isinstance(base.call.func, ir.Sub):
                cls = self.index.resolve(base.call.func.value, Ctx(base.module, base.scope))
            if isinstance(cls, ExternalV):
                return f"{cls.qualname}.{func.attr}"
            if isinstance(cls, ClassV):
                # a method the project's subclass inherits from a library class (`class Users(FastAPIUsers[U,
                # I])`, `users.current_user`): the first library base's, as Python's method lookup would find it
                # when no project class of the hierarchy defines it
                external = self.index.external_bases(cls)
                if external and isinstance(self.index.class_attr(cls, func.attr), UnknownV):
                    return f"{external[0]}.{func.attr}"
        return None

    def leaf(self, key: NodeId, label: str, kind: NodeKind, path: str | None, line: int | None) -> DepNode:
        node = self.nodes.get(key)
        if node is None:
            node = DepNode(key, label, kind, path, line)
            self.nodes[key] = node
        return node

    def scheme_class(self, cls: object) -> str | None:
        if isinstance(cls, ExternalV):
            if is_fastapi_name(cls.qualname, SCHEME_NAMES):
                return last_name(cls.qualname)
            return None
        if isinstance(cls, ClassV):
            for base in self.index.external_bases(cls):
                if is_fastapi_name(base, SCHEME_NAMES):
                    return last_name(base)
        return None

    def _replaces_scheme_call(self, cls: object) -> bool:
        """A project subclass of a `fastapi.security` scheme that defines `__call__`: what FastAPI runs for a request
        is that method (which may call the scheme's, `super().__call__(request)`), not the scheme's check alone."""
        if not isinstance(cls, ClassV):
            return False
        call = self.index.class_attr(cls, "__call__")
        return isinstance(call, FuncV) and self.index.func(call) is not None

    def scheme_node(self, inst: InstanceV, scheme: str) -> DepNode:
        key = ("scheme", inst.key)
        node = self.nodes.get(key)
        if node is not None:
            return node
        ctx = Ctx(inst.module, inst.scope)
        auto_error = inst.call.kwarg("auto_error")
        optional = isinstance(auto_error, ir.Const) and auto_error.value is False
        if auto_error is not None and not isinstance(auto_error, ir.Const):
            value = self.index.resolve(auto_error, ctx)
            optional = isinstance(value, LiteralV) and value.value is False
        name = next((k for k in reversed(inst.key) if isinstance(k, str)), scheme) \
            if inst.key and inst.key[0] != "call" else scheme
        label = f"{inst.module}.{name}" if name != scheme else scheme
        label = f"{label} ({scheme}{', auto_error=False' if optional else ''})"
        node = DepNode(key, label, NodeKind.SCHEME, self.index.path_of(inst.module), inst.call.line, credential=True,
                       rejects=not optional, optional=optional, scheme_class=scheme)
        token = inst.call.kwarg("tokenUrl") if scheme in ("OAuth2PasswordBearer",) else None
        if scheme == "OAuth2PasswordBearer" and token is None and inst.call.args:
            token = inst.call.args[0]
        if token is not None:
            node.token_url = self.index.string(token, ctx)
        self.nodes[key] = node
        return node

    def _class_node(self, cls_v: ClassV) -> DepNode:
        init = self.index.class_attr(cls_v, "__init__")
        if isinstance(init, FuncV):
            return self.callable_node(init, NodeKind.CLASS, label=f"{cls_v.module}.{cls_v.name}", cls=cls_v)
        key = ("class", cls_v)
        node = self.nodes.get(key)
        if node is None:
            cls = self.index.cls(cls_v)
            node = DepNode(key, f"{cls_v.module}.{cls_v.name}", NodeKind.CLASS, self.index.path_of(cls_v.module),
                           cls.line if cls else None)
            node.cls = cls_v
            ext = self.index.external_bases(cls_v)
            node.password_form = any(last_name(b) in PASSWORD_FORMS for b in ext)
            if any(not (b.startswith("pydantic") or b.startswith("builtins") or b.startswith("typing")
                        or b.startswith("dataclasses")) for b in ext):
                node.calls_unknown = True
            self.nodes[key] = node
        return node

    def callable_node(self, fv: FuncV, kind: NodeKind, instance: InstanceV | None = None,
                      label: str | None = None, closure: tuple[tuple[str, object], ...] = (),
                      cls: ClassV | None = None, where: Ctx | None = None) -> DepNode:
        """The node of a function FastAPI calls: one per function (per factory call, for a closure), per object
        for a callable instance (each construction is its own object, `self` bound to what it was made with),
        per class for an `__init__` a subclass inherits (its own methods and class attributes are `self`'s).
        `where`: for a route handler defined in a router factory, the context of the factory's call that
        declared the route (its parameter defaults are read there: `Depends(authenticator.current_user())` with
        the factory's `authenticator` bound); one node per such call."""
        key: NodeId = ("callable", fv, closure) if closure else ("callable", fv)
        if where is not None:
            key = (*key, ("declared in", where))
        if instance is not None:
            key = (*key, ("instance", instance.cls, instance.module, instance.scope, ir.show(instance.call, 400),
                          instance.env))
        elif cls is not None and self._sees_subclass(fv, cls):
            key = (*key, ("class", cls))
        else:
            cls = None
        node = self.nodes.get(key)
        if node is not None:
            return node
        func = self.index.func(fv)
        facts = self.index.module(fv.module)
        node = DepNode(key, label or f"{fv.module}.{fv.qualname}", kind, facts.path if facts else None,
                       func.line if func else None, func=func, func_module=fv.module, closure=closure,
                       instance=instance, cls=cls)
        self.nodes[key] = node
        if func is None:
            node.kind = NodeKind.UNRESOLVED
            return node
        node.name_says_auth = bool(AUTH_NAME.search(func.name if func.name not in ("__call__", "__init__")
                                                    else (func.class_name or "")))
        # parameter defaults and annotations are evaluated in the scope around the `def` (in `def auth(key: str =
        # Security(key))` the default is the module's `key`), never in the function's own body
        def_ctx = where if where is not None and where.scope == func.parent else self._closure_ctx(fv, func, closure)
        params = func.params
        if self.index.is_library(fv.module) and (func.decorators or any(
                p.kind in ("vararg", "kwarg") for p in params)):
            # a library callable whose signature is made at runtime (`@with_signature(...)`,
            # `*args, **kwargs`): what FastAPI injects is not readable here
            node.calls_unknown = True
        if func.class_name is not None and params and params[0].name in ("self", "cls"):
            params = params[1:]
        params = [] if self._add_wrapped(node, fv, func, def_ctx) else params
        has_request = False
        for param in params:
            source = self.params.classify_param(self.params.param_value(param, def_ctx), def_ctx)
            self._add_param(node, source, fv, source.param.name, node.path)
            has_request = has_request or source.kind is ParamKind.REQUEST
        if has_request or func.credential_reads:
            for read in func.credential_reads:
                key_ = read.key
                if key_ is None:
                    continue
                if is_credential(Source(read.source), key_):
                    kind = NodeKind.SESSION if read.source == "session" else NodeKind.REQUEST
                    src = self.leaf(("read", fv, read.source, key_), f"request.{read.source}[{key_!r}]", kind,
                                    node.path, read.line)
                    src.credential = True
                    node.children.append(Child(src, f"request.{read.source}"))
        if any(mentions_auth_state(c) for r in func.raises for c in r.conditions):
            # `if not request.user.is_authenticated: raise ...`: what AuthenticationMiddleware's backend set
            src = self.leaf(("authstate", fv), "request.user (set by AuthenticationMiddleware)", NodeKind.REQUEST_USER,
                            node.path, func.line)
            src.credential = True
            node.children.append(Child(src, "request.user"))
        node.rejects = self.calls.can_reject(fv) or self._subclass_rejects(fv, instance.cls if instance else cls)
        if self.reader is not None:
            this = (BoundParam(func.qualname, func.params[0].name, ir.Bound(instance.call, instance.where())),) \
                if instance is not None and func.class_name is not None and func.params else def_ctx.env
            node.exempts = self.reader.exemptions(fv, this)
        return node

    def _add_wrapped(self, node: DepNode, fv: FuncV, func: Func, def_ctx: Ctx) -> bool:
        """`@functools.wraps(inner)` on a wrapper that hands its arguments to `inner`: FastAPI reads the signature
        `inspect.signature` gives, which follows `__wrapped__` to `inner`'s; so `inner`'s parameters are what
        FastAPI injects (not the wrapper's own `*args, **kwargs`) and `inner`'s body what checks them. `inner` is
        added as the node's child; True when it is (the wrapper's own parameters are then not FastAPI's)."""
        wrapped = self._wrapped(fv, func, def_ctx)
        if wrapped is None:
            return False
        node.children.append(Child(self.node_for_expr(wrapped, def_ctx, node.path or "", func.line),
                                   f"functools.wraps({ir.show(wrapped, 60)})"))
        return True

    def _wrapped(self, fv: FuncV, func: Func, def_ctx: Ctx) -> ir.Expr | None:
        """`inner` of a `@functools.wraps(inner)` decorator on `func` when `func` (or a function nested in it)
        calls `inner` or hands it to a call (`functools.partial(inner, *args)`, `run_sync(inner)`): a wrapper
        standing for `inner`. None otherwise."""
        inner = self._wraps_target(func, def_ctx)
        return inner if inner is not None and self._hands(fv, func, inner, 0) else None

    def _wraps_target(self, func: Func, def_ctx: Ctx) -> ir.Expr | None:
        """`inner` of a `@functools.wraps(inner)` decorator on `func` (a name or attribute), else None."""
        for dec in func.decorators:
            expr = dec.expr
            if not isinstance(expr, ir.Call) or len(expr.args) != 1 or isinstance(expr.args[0], ir.Star):
                continue
            callee = self.index.resolve(expr.func, def_ctx)
            if isinstance(callee, ExternalV) and callee.qualname == "functools.wraps" and \
                    isinstance(expr.args[0], (ir.Name, ir.Attr)):
                return expr.args[0]
        return None

    def _hands(self, fv: FuncV, func: Func, inner: ir.Expr, depth: int) -> bool:
        """Whether `func` or a function nested in it (a few levels) calls `inner` or passes it to a call."""
        if any(call.func == inner or inner in call.args for call in func.calls):
            return True
        if depth >= 3:
            return False
        for name in func.nested:
            nested = self.index.func(FuncV(fv.module, name))
            if nested is not None and self._hands(fv, nested, inner, depth + 1):
                return True
        return False

    def _sees_subclass(self, fv: FuncV, cls: ClassV) -> bool:
        """Whether a method `cls` inherits (its `__init__`) reads an attribute or calls a method of `self` that
        `cls` (or a class between it and the method's own) defines: only then does the method run differently
        for the subclass."""
        owner = ClassV(fv.module, fv.qualname.rpartition(".")[0])
        func = self.index.func(fv)
        if owner == cls or func is None or not func.params:
            return False
        defined: set[str] = set()
        for klass in self.index.mro(cls):
            if klass == owner:
                break
            cdef = self.index.cls(klass)
            if cdef is not None:
                defined.update(cdef.methods, cdef.attrs)
        if not defined:
            return False
        this = func.params[0].name
        todo: list[ir.Expr] = [*func.calls, *(b.value for b in func.binds), *(r.value for r in func.returns
                                                                              if r.value is not None),
                               *(r.exc for r in func.raises if r.exc is not None), *func.block_tests()]
        for _ in range(5000):
            if not todo:
                break
            expr = todo.pop()
            if isinstance(expr, ir.Attr) and isinstance(expr.value, ir.Name) and expr.value.id == this and \
                    expr.attr in defined:
                return True
            todo.extend(ir.children(expr))
        return False

    def _subclass_rejects(self, fv: FuncV, cls: object) -> bool:
        """For a method run with `self` an object of a subclass of the class defining it: whether a method of
        `self` it calls (`self.check()`) is one the subclass (or a class between them) overrides that can reject:
        Python's lookup finds the subclass's first."""
        func = self.index.func(fv)
        if not isinstance(cls, ClassV) or func is None or not func.params:
            return False
        this = func.params[0].name
        called = {c.func.attr for c in func.calls if isinstance(c.func, ir.Attr) and isinstance(c.func.value, ir.Name)
                  and c.func.value.id == this}
        owner = ClassV(fv.module, fv.qualname.rpartition(".")[0])
        for klass in self.index.mro(cls):
            if klass == owner:
                break
            cdef = self.index.cls(klass)
            if cdef is not None and any(self.calls.can_reject(FuncV(klass.module, q))
                                        for name, q in cdef.methods.items() if name in called):
                return True
        return False

    def cbv_node(self, cls_v: ClassV) -> DepNode:
        """The view class as the dependency FastAPI resolves for `self`: its annotated class attributes
        (what `get_type_hints` sees, `_private` and `ClassVar` ones left out) and its `__init__` parameters."""
        key = ("cbv", cls_v)
        node = self.nodes.get(key)
        if node is not None:
            return node
        cdef = self.index.cls(cls_v)
        node = DepNode(key, f"{cls_v.module}.{cls_v.name}", NodeKind.CLASS, self.index.path_of(cls_v.module),
                       cdef.line if cdef else None)
        self.nodes[key] = node
        done: set[str] = set()
        for owner in self.index.mro(cls_v):
            odef = self.index.cls(owner)
            if odef is None:
                continue
            octx = Ctx(owner.module)
            for name, (annotation, line) in odef.annotations.items():
                if name in done or name.startswith("_"):
                    continue
                done.add(name)
                if "ClassVar" in ir.show(annotation):
                    continue
                default = odef.attrs.get(name)
                if isinstance(default, ir.Unknown):
                    default = None
                param = Param(name, "kwonly", annotation, default, line, 1)
                self._add_param(node, self.params.classify_param(param, octx), node.id, f"{owner.name}.{name}",
                                self.index.path_of(owner.module))
        init = self.index.class_attr(cls_v, "__init__")
        func = self.index.func(init) if isinstance(init, FuncV) else None
        if isinstance(init, FuncV) and func is not None:
            # parameter defaults and annotations are evaluated where the `def` is, not in its body
            ictx = Ctx(init.module, func.parent)
            for param in func.params[1:]:
                if param.kind not in ("vararg", "kwarg"):
                    self._add_param(node, self.params.classify_param(param, ictx), node.id, f"__init__ {param.name}",
                                    self.index.path_of(init.module))
            node.rejects = self.calls.can_reject(init)
        return node

    def _add_param(self, node: DepNode, source: ParamSource, owner: object, via: str, path: str | None) -> None:
        """A parameter of the callable `node` stands for: its dependency, or the credential header or cookie
        FastAPI reads for it, becomes a child (`owner` keys the credential source node)."""
        node.params.append(source)
        if source.kind is ParamKind.DEPENDS and source.dependency is not None:
            node.children.append(Child(self.dep_node(source.dependency), via))
        elif source.kind in (ParamKind.HEADER, ParamKind.COOKIE) and source.credential:
            header = source.kind is ParamKind.HEADER
            src = self.leaf(("cred", owner, source.param.name), f"{'Header' if header else 'Cookie'} {source.alias!r}",
                            NodeKind.HEADER if header else NodeKind.COOKIE, path, source.param.line)
            src.credential = True
            src.optional = source.optional
            node.children.append(Child(src, via))

    def middleware_nodes(self, middleware: list[Middleware], route: Route) -> list[Child]:
        """The authenticating middleware of every app the route is served through (a mounted app's parent
        middleware included), unless it exempts the route's path; a websocket route has none that handles HTTP
        requests only (`Middleware.http_only`), and meets one whose class a decorator rebinds as code not read."""
        out = []
        for mw in middleware:
            path = route.path_in(mw.app) if mw.paths.within_app else route.full_path
            if mw.kind not in (Role.AUTH, Role.UNKNOWN) or mw.app not in route.apps or mw.exempts(path) or \
                    (mw.kind is Role.UNKNOWN and mw.hands_on(path)):
                continue
            if mw.http_only and route.decl.websocket:
                passed = f"`{mw.label}` ({mw.def_path or mw.file}:{mw.def_line or mw.line})"
                if passed not in route.http_only:
                    route.http_only = (*route.http_only, passed)
                continue
            label = f"middleware {mw.label}"
            undecided = mw.paths.conditionally(path)
            if mw.websocket_unread is not None and route.decl.websocket:
                node = self.leaf(("middleware-ws?", mw.label), f"{label} (a websocket connection meets what "
                                 f"{mw.websocket_unread} makes of the class, which the analysis does not follow)",
                                 NodeKind.UNRESOLVED, mw.def_path or mw.file, mw.def_line or mw.line)
            elif undecided is not None:
                node = self.leaf(("middleware?", mw.label, undecided), f"{label} (it lets this path through when "
                                 f"`{undecided}`, which the analysis cannot decide)", NodeKind.UNRESOLVED,
                                 mw.def_path or mw.file, mw.def_line or mw.line)
            elif mw.kind is Role.UNKNOWN:
                met = mw.path_met(path)
                why = f"it rejects a request without credentials unless {mw.gate}, a setting the analysis cannot " \
                    "read" if mw.gate else f"it hands a request without credentials on to the app for paths it " \
                    f"tests otherwise; this path {met}, and for it the analysis cannot tell" if met else \
                    "whether it hands a request without credentials on to the app depends on a value the analysis " \
                    "cannot compute"
                node = self.leaf(("middleware??", mw.label, met), f"{label} ({why})", NodeKind.UNRESOLVED,
                                 mw.def_path or mw.file, mw.undecided_at or mw.def_line or mw.line)
            elif mw.paths.unknown is not None:
                node = self.leaf(("middleware?", mw.label), label + " (exempts paths the analysis cannot read)",
                                 NodeKind.UNRESOLVED, mw.def_path or mw.file, mw.def_line or mw.line)
            else:
                node = self.leaf(("middleware", mw.label), label, NodeKind.MIDDLEWARE, mw.def_path or mw.file,
                                 mw.def_line or mw.line)
                node.credential = node.rejects = True
            if mw.conditions:
                node = self._conditional_middleware(mw, node)
            out.append(Child(node, mw.origin))
        return out

    def _conditional_middleware(self, mw: Middleware, node: DepNode) -> DepNode:
        """A middleware added under `if` tests (`if os.getenv("SECURE") == "true": app.add_middleware(...)`) is in
        front of the route only when they hold: one of two alternatives chosen at run time, itself or none."""
        test = " and ".join(mw.conditions) if len(mw.conditions) == 1 else \
            " and ".join(f"({c})" for c in mw.conditions)
        absent = self.leaf(("absent-middleware", mw.label, mw.file, mw.line), "no middleware", NodeKind.FASTAPI,
                           mw.file, mw.line)
        choice = self._chosen(("middleware-if", mw.label, mw.file, mw.line, node.id),
                              f"middleware {mw.label}, added by `{mw.origin}` only when {test}", mw.file, mw.line,
                              test, node, absent)
        choice.added_middleware = f"`{mw.label}` (added by `{mw.origin}`)"
        choice.test_values = mw.values
        return choice

    def _chosen(self, key: NodeId, label: str, path: str | None, line: int | None, test: str, when: DepNode,
                otherwise: DepNode) -> DepNode:
        """One of two alternatives chosen at run time by `test`: `when` where it holds, `otherwise` where not."""
        found = self.nodes.get(key)
        if found is not None:
            return found
        choice = DepNode(key, label, NodeKind.ALTERNATIVES, path, line)
        self.nodes[key] = choice
        choice.children.extend([Child(when, test), Child(otherwise, f"not ({test})")])
        return choice

    def route_root(self, route: Route, middleware: list[Middleware]) -> DepNode:
        """The route's handler as a dependant: its own parameters and dependencies, then every level's declared
        dependencies (outermost first), the guard decorators and the middleware in front of it."""
        decl = route.decl
        if decl.handler is not None:
            handler_node = self.callable_node(decl.handler, NodeKind.FUNCTION, where=decl.ctx)
        else:
            handler_node = self.leaf(("handler", decl.handler_name), decl.handler_name, NodeKind.UNRESOLVED, decl.file,
                                     decl.line)
        root = DepNode(("route", decl.file, decl.line, route.full_path, route.methods), decl.handler_name,
                       NodeKind.ROUTE, decl.file, decl.line)
        root.func = handler_node.func
        root.func_module = handler_node.func_module
        root.params = handler_node.params
        root.credential = handler_node.credential
        root.rejects = handler_node.rejects
        root.children = list(handler_node.children)
        for ref in route.deps:
            root.children.append(Child(self.dep_node(ref), ref.origin))
        if route.apps and self.overrides:
            declared = root.children
            root.children = self._overridden_children(root, route.apps[0])
            if any(new is not old for (new, _v), (old, _w) in zip(root.children, declared, strict=False)) or \
                    len(root.children) != len(declared):
                root.openapi_scheme = any(n.kind is NodeKind.SCHEME or n.scheme_class is not None
                                          for child, _via in declared for n in walk(child))
        if route.opaque:
            root.children.append(Child(handler_node, "router"))
        for decorator in decl.guards:
            guard = self.leaf(("guard", decorator.label), decorator.label, NodeKind.DECORATOR, decorator.path,
                              decorator.line)
            guard.credential = guard.rejects = True
            if decorator.requires:
                guard = self._requires_guard(guard, decorator, route, middleware)
            root.children.append(Child(guard, "decorator"))
        if self.reader is not None and self.reader.exempting:
            root = self.on_path(root, route, {})
        if self._checks_user(root):
            front = [mw for mw in middleware if mw.kind is Role.AUTHENTICATION and mw.app in route.apps]
            root.children = [Child(self._as_backend_gives(child, route, front), via) for child, via in root.children]
        root.children.extend(self.middleware_nodes(middleware, route))
        if not decl.websocket:
            for node in walk(root):
                node.websocket_only = False
        return root

    # -- app.dependency_overrides ---------------------------------------------------------------------------
    def _override_table(self, app: RouterKey) -> dict[object, list[tuple[Override, DepNode]]]:
        """The app's overrides by the node of the dependency each replaces (the node a route depending on the same
        object has: one per callable, so identity is the resolved object's), each with its replacement's node."""
        table = self._override_tables.get(app)
        if table is not None:
            return table
        table = self._override_tables[app] = {}
        for override in self.overrides:
            if override.app != app:
                continue
            original = self.node_for_expr(override.original, override.ctx, override.file, override.line) \
                if override.original is not None else None
            if original is None or original.kind is NodeKind.UNRESOLVED:
                # what it replaces cannot be told: any dependency of a route that reads a credential may be it
                # (`_overridden_children`); what a request meets then is unknown, naming the write
                unknown = self.leaf(("override-unknown", override.file, override.line), f"`{override.shown}` "
                                    f"({override.file}:{override.line}), which may replace this dependency: what it "
                                    f"replaces cannot be told", NodeKind.UNRESOLVED, override.file, override.line)
                table.setdefault(0, []).append((override, unknown))
                continue
            replacement = self.node_for_expr(override.replacement, override.ctx, override.file, override.line) \
                if override.replacement is not None else original
            table.setdefault(_identity(original), []).append((override, replacement))
        return table

    def _overridden_children(self, node: DepNode, app: RouterKey) -> list[Child]:
        """`node`'s children as the app's requests meet them: each dependency the app overrides replaced by what
        FastAPI calls instead (`_overridden`). A write whose original cannot be told (`app.dependency_overrides.
        update(table)`, a table not read) may replace any of them: each that reaches a credential source is one of
        two alternatives, itself or what cannot be told, chosen by whether the write replaces it."""
        table = self._override_table(app)
        children = [Child(self._overridden(child, app, table), via) for child, via in node.children]
        for override, unknown in table.get(0, ()):
            test = f"`{override.shown}` replaces it"
            if override.conditions:
                test += " and " + " and ".join(override.conditions)
            children = [Child(self._chosen(("override-unknown-if", app, override.file, override.line, id(child)),
                                           f"`{override.shown}`, which may replace {child.label}", override.file,
                                           override.line, test, unknown, child), via)
                        if has_credential(child) else Child(child, via) for child, via in children]
        return children

    def _overridden(self, node: DepNode, app: RouterKey, table: dict[object, list[tuple[Override, DepNode]]]
                    ) -> DepNode:
        """`node` as the app's requests meet it: FastAPI looks each dependency up in `app.dependency_overrides` when
        it solves a request's dependencies, at every depth, and calls the replacement (with the replacement's own
        dependencies, overridden too) instead. A write made only under tests the analysis cannot decide is one of
        two alternatives chosen by them: the replacement, or what was there before it. The nodes on the way to an
        overridden one are copies for the app (the tree is shared)."""
        memo_key = (app, id(node))
        found = self._override_memo.get(memo_key)
        if found is not None:
            return found
        self._override_memo[memo_key] = node  # a cycle keeps the node
        children = [Child(self._overridden(child, app, table), via) for child, via in node.children]
        out = node if all(new is old for (new, _v), (old, _w) in zip(children, node.children, strict=True)) \
            else DepNode(**{**vars(node), "id": ("overridden", app, node.id), "children": children})
        for override, replacement in table.get(_identity(node), ()):
            instead = self._overridden(replacement, app, table)
            if not override.conditions:
                out = instead
                continue
            test = " and ".join(override.conditions) if len(override.conditions) == 1 else \
                " and ".join(f"({c})" for c in override.conditions)
            out = self._chosen(("override-if", app, override.file, override.line, id(instead), id(out)),
                               f"`{override.shown}`, made only when {test}", override.file,
                               override.decided or override.line, test, instead, out)
            out.override = f"`{override.shown}` ({override.file}:{override.line})"
        self._override_memo[memo_key] = out
        return out

    def _requires_guard(self, guard: DepNode, decorator: Guard, route: Route, middleware: list[Middleware]) -> DepNode:
        """`@requires(...)` as a request without credentials meets it: it rejects one unless the backend of an
        AuthenticationMiddleware in front of the route grants such a request the scopes it requires (a return of
        credentials with no credential read on the way: `if state.anonymous_mode: return AuthCredentials(...)`).
        Granted on every such request: it lets the request through; under settings the analysis cannot read: one of
        two alternatives chosen by them; by a backend that cannot be read: unknown. A grant reached only past a
        test of the request the walk cannot compute for one without credentials (`if conn.client.host in
        TRUSTED:`), or past code that may raise, is unknown too, naming the test: only a backend whose every path
        provably returns no credentials (or none with those scopes) to such a request keeps `@requires` a check."""
        for mw in middleware:
            if mw.kind is not Role.AUTHENTICATION or mw.app not in route.apps:
                continue
            where = (mw.backend_path or mw.file, mw.backend_line or mw.line)
            if mw.grants is None:
                return self.leaf(("requires?", decorator.label, mw.label, mw.backend), f"{decorator.label} (what "
                                 f"the backend `{mw.backend}` of {mw.label} grants cannot be read)",
                                 NodeKind.UNRESOLVED, *where)
            required = set(decorator.scopes or ())
            path = mw.backend_path or mw.file
            otherwise = guard
            gated: tuple[DepNode, str, str] | None = None
            for grant in mw.grants:
                if grant.scopes is not None and (not grant.scopes or (decorator.scopes is not None and
                                                                      not required <= set(grant.scopes))):
                    continue  # `AuthCredentials()`, or scopes without one `@requires` asks for
                granted = f"`{mw.backend}.authenticate` returns credentials to a request without any ({path}:" \
                    f"{grant.line})"
                if not grant.sure and not grant.gates:
                    # reached only past a test of the request the walk cannot compute, or code that may raise
                    if otherwise is guard:
                        otherwise = self._past_test(f"{decorator.label} (", mw, grant, path,
                                                    "credentials with the scopes it requires",
                                                    ("requires-past", decorator.label))
                    continue
                open_ = self.leaf(("requires-open", decorator.label, mw.backend, grant.line),
                                  f"{decorator.label} (lets a request without credentials through: {granted})",
                                  NodeKind.DECORATOR, path, grant.line)
                open_.path_test = "its backend grants a request without credentials the scopes it requires"
                if grant.sure:
                    return open_
                if gated is None:
                    gated = open_, " and ".join(text for text, _w in grant.gates), granted
            if gated is not None:
                open_, test, granted = gated
                return self._chosen(("requires-if", decorator.label, mw.backend, open_.line, otherwise.id),
                                    f"{decorator.label}, which a request without credentials gets through "
                                    f"when {test}: {granted}", decorator.path, decorator.line, test, open_,
                                    otherwise)
            if otherwise is guard:
                return self._forged_through(guard, mw, lambda grant: _scopes_cover(grant, decorator),
                                            "credentials with the scopes it requires")
            return otherwise
        return guard

    def _forged_through(self, check: DepNode, mw: Middleware, covers: Callable[[BackendGrant], bool | None],
                        what: str) -> DepNode:
        """`check` (a `@requires` or `request.user` check that rejects a request without credentials) with what the
        backend of `mw` gives a request with a forged credential (`DepNode.forged_grant`): a return of `what`
        (`covers`: it does, None when that cannot be read) on a path whose every test holds lets it through; one
        past code the analysis cannot read that decided from the credential, or past a setting, leaves it unknown,
        naming it. A copy of `check` for this middleware; `check` itself when the backend refuses it."""
        path = mw.backend_path or mw.file
        found: ForgedGrant | None = None
        for grant in mw.forged or ():
            covered = covers(grant)
            if covered is False:
                continue
            returns = f"the backend `{mw.backend}` of {mw.label} returns {what} to a request with a forged " \
                f"credential ({path}:{grant.line})"
            if grant.unread:
                found = found or ForgedGrant(None, f"{returns} where " + "; ".join(grant.unread[:2]))
            elif grant.gates:
                found = found or ForgedGrant(None, f"{returns} where " + " and ".join(
                    f"`{text}` ({where})" for text, where in grant.gates[:2]), setting=True)
            elif grant.sure and covered:
                found = ForgedGrant(True, returns, backend=mw.backend or "", middleware=mw.label,
                                    method=mw.backend_method, line=grant.line)
                break
            elif grant.sure:
                found = found or ForgedGrant(None, f"{returns}, what it grants cannot be read")
        if found is None:
            return check
        key = ("forged", check.id, mw.label, mw.backend, mw.file, mw.line)
        node = self.nodes.get(key)
        if node is None:
            node = self.nodes[key] = DepNode(**{**vars(check), "id": key, "children": list(check.children),
                                                "forged_grant": found})
        return node

    def _past_test(self, label: str, mw: Middleware, grant: BackendGrant, path: str, what: str,
                   key: tuple[object, ...]) -> DepNode:
        """A check (`label`, an opening that the caller closes) whose backend returns `what` past tests of the
        request the analysis cannot compute for a request without credentials: unknown, naming them."""
        if grant.tests:
            tests = "; ".join(f"`{text}` ({where})" for text, where in grant.tests[:2])
            more = f" (and {len(grant.tests) - 2} more)" if len(grant.tests) > 2 else ""
            why = f"past a test of the request the analysis cannot compute for one without credentials: {tests}{more}"
        else:
            why = "past code that may raise for a request without credentials, on a path the analysis cannot decide"
        return self.leaf((*key, mw.backend, grant.line), f"{label}the backend `{mw.backend}` of {mw.label} returns "
                         f"{what} ({path}:{grant.line}) {why})", NodeKind.UNRESOLVED, path, grant.line)

    def _checks_user(self, node: DepNode) -> bool:
        """A `request.user` check (`if not request.user.is_authenticated: raise ...`) is `node` or in its tree."""
        return _in_tree(node, lambda n: n.kind is NodeKind.REQUEST_USER, self._user_below, set())

    def _as_backend_gives(self, node: DepNode, route: Route, front: list[Middleware]) -> DepNode:
        """`node` with each `request.user` check in its tree as the AuthenticationMiddleware in front of the route
        (`front`) sets `request.user` for a request without credentials (`_user_check`); the nodes on the way are
        copies for those middleware (shared by the routes behind the same ones)."""
        key = (id(node), tuple(id(mw) for mw in front))
        found = self._user_copies.get(key)
        if found is not None:
            return found
        if node.kind is NodeKind.REQUEST_USER:
            out = self._user_check(node, route, front)
        elif not self._checks_user(node):
            out = node
        else:
            self._user_copies[key] = node  # a cycle keeps the node
            children = [Child(self._as_backend_gives(child, route, front), via) for child, via in node.children]
            out = node if all(new is old for (new, _v), (old, _w) in zip(children, node.children, strict=True)) \
                else DepNode(**{**vars(node), "children": children})
        self._user_copies[key] = out
        return out

    def _user_check(self, check: DepNode, route: Route, front: list[Middleware]) -> DepNode:
        """A test of `request.user.is_authenticated` that refuses the request (the REQUEST_USER leaf `check`) as a
        request without credentials meets it: `request.user` is what the backend of the AuthenticationMiddleware in
        front of the route returned for it, read as for `@requires` (`_requires_guard`). A backend that returns an
        authenticated user to every such request makes the test pass (the check lets it through); one that does so
        under settings the analysis cannot read, one of two alternatives chosen by them; past a test of the request
        it cannot compute, a backend it cannot read, or no AuthenticationMiddleware seen (reading `request.user`
        then raises, unless code the analysis does not see sets it): unknown, naming why."""
        tested = f"request.user (tested by the function at {check.path}:{check.line}; "
        if not front:
            return self.leaf(("user?", check.id, route.apps[-1] if route.apps else None),
                             f"{tested}no AuthenticationMiddleware is seen in front of this route to set it)",
                             NodeKind.UNRESOLVED, check.path, check.line)
        mw = front[0]
        where = (mw.backend_path or mw.file, mw.backend_line or mw.line)
        if mw.grants is None:
            return self.leaf(("user?", check.id, mw.label, mw.backend), f"{tested}what the backend `{mw.backend}` of "
                             f"{mw.label} gives a request without credentials cannot be read)", NodeKind.UNRESOLVED,
                             *where)
        path = mw.backend_path or mw.file
        otherwise = check
        gated: tuple[DepNode, str, str] | None = None
        for grant in mw.grants:
            if grant.user is False:
                continue  # `AuthCredentials(), UnauthenticatedUser()`
            if grant.user is None:
                if otherwise is check:
                    otherwise = self.leaf(("user-unread", check.id, mw.backend, grant.line), f"{tested}the backend "
                                          f"`{mw.backend}` of {mw.label} returns a user to a request without "
                                          f"credentials ({path}:{grant.line}) whose `is_authenticated` cannot be read)",
                                          NodeKind.UNRESOLVED, path, grant.line)
                continue
            if not grant.sure and not grant.gates:
                if otherwise is check:
                    otherwise = self._past_test(tested, mw, grant, path, "an authenticated user",
                                                ("user-past", check.id))
                continue
            granted = f"`{mw.backend}.authenticate` returns an authenticated user to a request without " \
                f"credentials ({path}:{grant.line})"
            open_ = self.leaf(("user-open", check.id, mw.backend, grant.line), f"request.user.is_authenticated "
                              f"(tested by the function at {check.path}:{check.line}) is true for a request without "
                              f"credentials: {granted}", NodeKind.DECORATOR, path, grant.line)
            open_.path_test = "its backend authenticates a request without credentials"
            if grant.sure:
                return open_
            if gated is None:
                gated = open_, " and ".join(text for text, _w in grant.gates), granted
        if gated is not None:
            open_, test, granted = gated
            return self._chosen(("user-if", check.id, mw.backend, open_.line, otherwise.id),
                                f"{check.label}, which a request without credentials gets through when {test}: "
                                f"{granted}", check.path, check.line, test, open_, otherwise)
        if otherwise is check:
            return self._forged_through(check, mw, lambda grant: grant.user,
                                        "an authenticated user")
        return otherwise

    def on_path(self, node: DepNode, route: Route, memo: dict[int, DepNode]) -> DepNode:
        """`node` as the route's requests meet it: a dependency that exempts the route's path (`if
        request.url.path in EXEMPT_PATHS: return`, see `DepNode.exempts`) runs none of its own code for them, and
        one that lets the path through on a test the analysis cannot decide is unknown for them; the nodes on the
        way to such a dependency are copies of their own for the route (the tree is shared between routes)."""
        if id(node) in memo:
            return memo[id(node)]
        memo[id(node)] = node  # a cycle keeps the node
        if not self._exempting_below(node):
            return node
        children = [Child(self.on_path(child, route, memo), via) for child, via in node.children]
        exempt, note = False, None
        if node.exempts is not None:
            path = route.path_in(route.apps[-1]) if node.exempts.within_app and route.apps else route.full_path
            exempt = node.exempts.exempts(path)
            note = "it lets this path through before its check" if exempt else node.exempts.undecided(path)
        out = node
        if note is not None:
            key = ("path test", node.id, note, tuple(id(c) for c, _v in children))
            out = self.nodes.get(key) or self.nodes.setdefault(key, DepNode(
                key, f"{node.label} ({note})", NodeKind.FASTAPI if exempt else NodeKind.UNRESOLVED, node.path,
                node.line, children=children, func_module=node.func_module, path_test=note))
        elif any(new is not old for (new, _v), (old, _w) in zip(children, node.children, strict=True)):
            out = DepNode(**{**vars(node), "children": children})
        memo[id(node)] = out
        return out

    def _exempting_below(self, node: DepNode) -> bool:
        """A node with `exempts` is `node` or in its tree."""
        return _in_tree(node, lambda n: n.exempts is not None, self._exempting, set())

    def token_urls(self) -> list[str]:
        """tokenUrl of every OAuth2PasswordBearer declared at module level in the project, and of every scheme
        in a dependency tree."""
        urls: list[str] = []
        for facts in self.index.modules:
            for name, expr in facts.assigns.items():
                if not isinstance(expr, ir.Call):
                    continue
                value = self.index.resolve(ir.Name(name), Ctx(facts.module))
                if isinstance(value, InstanceV) and self.scheme_class(value.cls):
                    node = self.scheme_node(value, self.scheme_class(value.cls) or "")
                    if node.token_url:
                        urls.append(node.token_url)
        for node in self.nodes.values():
            if node.token_url and node.token_url not in urls:
                urls.append(node.token_url)
        return sorted(set(urls))


def _identity(node: DepNode) -> object:
    """What makes two dependency nodes one object for FastAPI's `dependency_overrides` lookup (by the callable's
    identity): the node itself, but for an object a class makes (an INSTANCE node), its allocation (the construction
    call where it is written): `auth.scheme` at module level and `self.scheme` in a method of `auth` name the one
    object `__init__` made, whose node may be read with or without that construction's arguments bound."""
    made = node.instance
    if made is not None and node.kind is NodeKind.INSTANCE and made.scope is not None:
        return ("object", node.func_module, node.func.qualname if node.func else None, made.cls, made.module,
                made.scope, ir.show(made.call, 400))
    return id(node)


def _scopes_cover(grant: BackendGrant, decorator: Guard) -> bool | None:
    """Whether the credentials a backend's return grants hold every scope `@requires` asks for (None: unread)."""
    if grant.scopes is not None and not grant.scopes:
        return False  # `AuthCredentials()`
    if grant.scopes is None or decorator.scopes is None:
        return None
    return set(decorator.scopes) <= set(grant.scopes)


def _in_tree(node: DepNode, test: Callable[[DepNode], bool], memo: dict[int, bool], seen: set[int]) -> bool:
    """Whether `test` holds for `node` or a node of its tree (`memo`: id(node) -> the answer, kept by the caller
    for the life of the trees; `seen`: the nodes on the way, against cycles)."""
    known = memo.get(id(node))
    if known is not None:
        return known
    if id(node) in seen:
        return False
    seen.add(id(node))
    found = test(node) or any(_in_tree(child, test, memo, seen) for child, _via in node.children)
    memo[id(node)] = found
    return found
