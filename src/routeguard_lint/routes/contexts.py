"""The contexts code inside a function is read in: one per call of the function in the project, that call's
arguments bound to its parameters (`def register(app): app.include_router(...)` is read once per caller), and
one per iteration of an enclosing `for` over a literal collection."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import NamedTuple

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func, ModuleFacts, is_marker
from routeguard_lint.project.arguments import free_names, subst
from routeguard_lint.project.callbacks import implied_calls
from routeguard_lint.project.index import ClassV, Ctx, ExternalV, FuncV, Index, InstanceV, ParamV, Value, options
from routeguard_lint.routes.literals import Item, Literals, unbound
from routeguard_lint.vocabulary import APP_CLASSES

MAX_CONTEXTS = 64  # calling contexts of one function
MAX_CALLER_CHAIN = 40  # callers of callers followed up from one function (a safety bound)
MAX_CALLERS = 200  # call sites of one function name looked at
MAX_ITERATIONS = 256  # loop iterations (all enclosing loops together) one call site is read for
MAX_NESTED_CALLS = 12  # how deep calls nested in arguments are looked for

# names (loop variables, parameters) -> what they stand for in one iteration or call
Substitution = dict[str, ir.Expr]


class Caller(NamedTuple):
    """A call of a function and the context it is read in."""

    call: ir.Call
    ctx: Ctx


class _Site:
    """A call in a module's table (`Contexts._calls_by_callee_name`): its `Caller`, the context pinned to the
    bindings that reach its line (`Index.at`) only when its name is first asked (most names never are)."""

    __slots__ = ("call", "caller", "ctx")

    def __init__(self, call: ir.Call, ctx: Ctx, caller: Caller | None = None) -> None:
        self.call = call
        self.ctx = ctx
        self.caller = caller

    def get(self, index: Index) -> Caller:
        if self.caller is None:
            self.caller = Caller(self.call, index.at(self.ctx, self.call.line, self.call))
        return self.caller


def _calls_in(expr: ir.Expr | None, depth: int = 0) -> Iterator[ir.Call]:
    """Every call in an expression, outermost first (bounded depth)."""
    if depth > MAX_NESTED_CALLS or expr is None:
        return
    if isinstance(expr, ir.Call):
        yield expr
        yield from _calls_in(expr.func, depth + 1)
        for arg in expr.args:
            yield from _calls_in(arg, depth + 1)
        for _key, value in expr.kwargs:
            yield from _calls_in(value, depth + 1)
    elif isinstance(expr, (ir.Attr, ir.Star)):
        yield from _calls_in(expr.value, depth + 1)
    elif isinstance(expr, ir.Seq):
        for item in expr.items:
            yield from _calls_in(item, depth + 1)


def _last_name(expr: ir.Expr) -> str | None:
    """The name an argument reads last: `router` for `router`, `api.router` and `*router`."""
    if isinstance(expr, ir.Star):
        expr = expr.value
    return expr.id if isinstance(expr, ir.Name) else expr.attr if isinstance(expr, ir.Attr) else None


class Contexts:
    def __init__(self, index: Index, literals: Literals) -> None:
        self.index = index
        self.literals = literals
        self._memo: dict[Ctx, list[Ctx]] = {}
        # every call of the parsed modules by the last name of what it calls, one table per module (in
        # `index.modules` order when merged), so that parsing more modules adds theirs instead of rebuilding all
        self._call_tables: dict[int, dict[str, list[_Site]]] = {}
        self._calls_by_name: dict[str, list[Caller]] = {}  # merged, per name asked
        # the local names a tabled module imports a name under, by the imported name (`from f import make_router
        # as make`: "make_router" -> {"make"}): a call of `make(...)` is a call of `make_router`
        self._aliases: dict[str, set[str]] = {}
        self._tabled = False
        self._tabled_libs = 0  # how many of the library modules read (`index.lib_modules`) the tables hold
        self._pending_words: dict[str, list[ModuleFacts]] | None = None  # see _load_pending
        self._constructions: dict[tuple[ClassV, FuncV], list[Caller]] = {}
        # (module, function, bound arguments) of a calling context -> (file, line) of the call that made it
        self._sites: dict[tuple[str, str | None, tuple[object, ...]], tuple[str, int]] = {}
        # every call of a parsed project module by the last name of each of its arguments (`f(router)`,
        # `x.f(api.router)`), one table per module, built when first asked (`calls_handing`)
        self._arg_tables: dict[int, dict[str, list[_Site]]] = {}
        self._through_params: set[int] = set()  # ids of the calls `_param_call` admitted
        self._where_memo: dict[tuple[Ctx, str, ClassV], list[Ctx]] = {}  # `_contexts_where`

    def _add(self, out: list[Ctx], inner: Ctx, cctx: Ctx, call: ir.Call) -> bool:
        """Add the context a call made (recording where, for the app's identity); True once `out` is full."""
        self._sites.setdefault((inner.module, inner.scope, inner.env), (self.index.path_of(cctx.module), call.line))
        if inner not in out:
            out.append(inner)
        return len(out) >= MAX_CONTEXTS

    def contexts(self, ctx: Ctx, names: set[str], depth: int = 0) -> list[Ctx]:
        """The contexts to read code written in function `ctx.scope` in: when the function has parameters
        (`def register(app): app.include_router(...)`), one context per call of the function in the
        project, that call's arguments bound (`Ctx.env`; the callers' own parameters bound the same way, up
        to index.MAX_CALL_DEPTH nested calls from code no call reaches); else, or when nothing calls it,
        `ctx` itself. `names`: what the code reads (unused for now: every parameter counts).

        A caller's contexts are its own (`depth` only guards against endless chains): a function's context
        is then exactly what evaluating its caller's body in the caller's context binds for that call. Cut
        `depth` calls up from each function instead, the same call chain was cut at another place for a
        function and for its caller, so a router a factory makes deep in a chain had one identity where its
        routes were declared and another where it was included (its routes "never included")."""
        if ctx.scope is None or depth >= MAX_CALLER_CHAIN:
            return [ctx]
        if ctx.pins:  # code at one place of the body (Index.at): the function's contexts, each pinned the same way
            plain = self.contexts(Ctx(ctx.module, ctx.scope, ctx.env, ctx.depth), names, depth)
            return [Ctx(c.module, c.scope, c.env, c.depth, ctx.pins) if c.scope == ctx.scope else c for c in plain]
        key = ctx  # a context's callers' contexts are its own, at whatever depth it is asked for
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = [ctx]  # cycle guard (recursive functions)
        out: list[Ctx] = []
        func = self.index.func(FuncV(ctx.module, ctx.scope))
        if func is not None and not ctx.env:
            # any parameter counts, not only those `names` reads: the body's locals are made per call too
            # (`router = APIRouter(prefix=prefix)` then `@router.get(...)`)
            params = {p.name for p in func.params}
            fv = FuncV(ctx.module, func.qualname)
            owner = self.index.self_class(ParamV(ctx.module, func.qualname, func.params[0].name)) \
                if func.params else None
            if owner is not None and func.name == "__init__":
                # once per object the project makes of the class (or of a subclass that inherits this
                # `__init__`): the call's arguments bound to the parameters, `self` to the object made
                for call, cctx in self.constructions(owner, fv):
                    for outer in self.contexts(cctx, free_names(call), depth + 1):
                        inner = self.index.construction_env(fv, func, call, outer)
                        if self._add(out, inner, cctx, call):
                            break
            if params:
                # a method is read once per call too (`obj.method()` binds `self` to `obj`), `self.m()` in a
                # base class's method included: which `m` that calls depends on the object (`Sub.m`)
                for call, cctx in self.callers(fv, func, owner):
                    tests = self.tests_of(call, cctx)
                    # `instance.init_app(self)`: only the caller's contexts where `instance` may be an `owner`
                    outers = self._contexts_where(cctx, call.func.value, owner, depth + 1) \
                        if id(call) in self._through_params and owner is not None and \
                        isinstance(call.func, ir.Attr) else self.contexts(cctx, free_names(call), depth + 1)
                    for outer in outers:
                        if tests and self.ruled_out(tests, outer):
                            continue  # `if jobs: register(router)` in a call of the factory with `jobs=False`
                        if owner is not None and (outer is not cctx or id(call) in self._through_params) and \
                                isinstance(call.func, ir.Attr) and isinstance(call.func.value, ir.Name) and \
                                self.index.resolve(call.func, outer) != fv:
                            continue  # on this object, `self.m()` (or `component.m()`) is another class's `m`
                        method = owner is not None and isinstance(call.func, ir.Attr)
                        inner = self.index.call_env(fv, func, call, outer, skip_first=method)
                        if self._add(out, inner, cctx, call):
                            break
        result = out or [ctx]
        self._memo[key] = result
        return result

    def _contexts_where(self, ctx: Ctx, expr: ir.Expr, owner: ClassV, depth: int) -> list[Ctx]:
        """The contexts of function `ctx.scope` (made as `contexts` makes them) in which `expr`, read in its body,
        may be an object of `owner` or of a subclass (the receiver of `instance.init_app(self)` in
        `register_instance(self, instance)`, for `init_app` of `owner`). A caller for which it cannot be (its
        argument is an object of another class: `system_app.register_instance(scheduler)`) is left out before its
        own contexts are made; when the argument is itself undecided and read in the caller's function
        (`instance = component(self)` / `self.register_instance(instance)`), the caller's contexts are asked the
        same question of it. So a registry function called for many components yields the few contexts that
        register `owner`, whatever the cap on one function's contexts."""
        if ctx.scope is None or ctx.env or depth >= MAX_CALLER_CHAIN:
            return [ctx]
        key = (ctx, ir.show(expr, 200), owner)
        known = self._where_memo.get(key)
        if known is not None:
            return known
        self._where_memo[key] = []  # cycle guard
        func = self.index.func(FuncV(ctx.module, ctx.scope))
        if func is None or not func.params or func.name == "__init__":
            found = [c for c in self.contexts(ctx, set(), depth) if self._may_be(expr, c, owner) is not False]
            self._where_memo[key] = found
            return found
        fv = FuncV(ctx.module, func.qualname)
        this = self.index.self_class(ParamV(ctx.module, func.qualname, func.params[0].name))
        out: list[Ctx] = []
        callers = self.callers(fv, func, this)
        for call, cctx in callers:
            method = this is not None and isinstance(call.func, ir.Attr)
            probe = self.index.call_env(fv, func, call, cctx, skip_first=method)
            verdict = self._may_be(expr, probe, owner)
            if verdict is False:
                continue
            arg = probe.bound(func.qualname, expr.id) if isinstance(expr, ir.Name) else None
            outers = self._contexts_where(cctx, arg.expr, owner, depth + 1) \
                if verdict is None and arg is not None and arg.ctx == cctx and id(call) not in self._through_params \
                else self.contexts(cctx, free_names(call), depth + 1)
            tests = self.tests_of(call, cctx)
            for outer in outers:
                if tests and self.ruled_out(tests, outer):
                    continue
                inner = self.index.call_env(fv, func, call, outer, skip_first=method)
                if self._may_be(expr, inner, owner) is False:
                    continue
                if self._add(out, inner, cctx, call):
                    break
        found = out if callers else [ctx]
        self._where_memo[key] = found
        return found

    def _may_be(self, expr: ir.Expr, ctx: Ctx, owner: ClassV) -> bool | None:
        """Whether `expr` in `ctx` is an object of `owner` (or a subclass): True when one of its values is, False
        when every value is an object of another class the analysis knows, None when that cannot be told."""
        values = options(self.index.resolve(expr, ctx))
        if any(isinstance(v, InstanceV) and isinstance(v.cls, ClassV) and owner in self.index.mro(v.cls)
               for v in values):
            return True
        if values and all(isinstance(v, InstanceV) and isinstance(v.cls, (ClassV, ExternalV))
                          and v.key[:1] != ("declared",) for v in values):
            return False
        return None

    def tests_of(self, call: ir.Call, cctx: Ctx) -> tuple[ir.Expr, ...]:
        """The `if` tests a call statement is written under in its function (none for other calls)."""
        if cctx.scope is None:
            return ()
        func = self.index.func(FuncV(cctx.module, cctx.scope))
        if func is None:
            return ()
        for effect in func.effects:
            if effect.call is call or (effect.line == call.line and effect.call == call):
                return tuple(c for c in effect.conditions if not is_marker(c))
        return ()

    def ruled_out(self, tests: tuple[ir.Expr, ...] | list[ir.Expr], ctx: Ctx) -> bool:
        """Some test is false in `ctx` by the arguments its call bound (`if auto_register: ...` in a call with
        `auto_register=False`), which cannot be told without them: the code under it never runs for that call."""
        if not ctx.env or ctx.scope is None:
            return False
        plain = Ctx(ctx.module, ctx.scope)
        return any(self.index.truth(t, ctx) is False and self.index.truth(t, plain) is None for t in tests)

    def constructions(self, cls_v: ClassV, method: FuncV) -> list[Caller]:
        """The calls of the project that make an object of `cls_v`, or of a subclass whose `method` is the
        same function (`Sub(...)` runs `Base.__init__`, and `self.m()` there is `Sub.m`), each with its
        context."""
        key = (cls_v, method)
        known = self._constructions.get(key)
        if known is not None:
            return known
        out: list[Caller] = []
        self._constructions[key] = out  # cycle guard
        name = method.qualname.rsplit(".", 1)[-1]
        for sub in self._subclasses(cls_v):
            if self.index.class_attr(sub, name) != method:
                continue
            found = self._calls_named(sub.name.rsplit(".", 1)[-1])
            resolve = self._resolver(sub.module)
            out.extend(caller for caller in found[:MAX_CALLERS] if resolve(caller.call.func, caller.ctx) == sub)
        return out

    def _subclasses(self, cls_v: ClassV) -> list[ClassV]:
        """`cls_v` and the classes of the parsed modules that derive from it."""
        out = [cls_v]
        for facts in self.index.modules:
            if facts.pending or facts.error:
                continue
            for cname in facts.classes:
                other = ClassV(facts.module, cname)
                if other != cls_v and cls_v in self.index.mro(other):
                    out.append(other)
        return out

    def call_site(self, ctx: Ctx) -> tuple[str, int] | None:
        """(file, line) of the call of function `ctx.scope` whose arguments `ctx.env` binds, when a call of the
        project makes that context (the first in the order callers are read)."""
        key = (ctx.module, ctx.scope, ctx.env)
        if key not in self._sites and ctx.scope is not None:
            self.contexts(Ctx(ctx.module, ctx.scope), set())
        return self._sites.get(key)

    def callers(self, fv: FuncV, func: Func, owner: ClassV | None = None) -> list[Caller]:
        """The calls of `fv` in the project (and the library modules read), each with its context. For a
        method of `owner`: also `self.m(...)` in a method of a base class of `owner` (it calls `owner`'s `m` when
        `self` is an object of `owner`; each context of the caller tells)."""
        found = self._calls_named(func.name)
        for alias in sorted(self._aliases.get(func.name, ())):  # (tabled by `_calls_named`)
            found = [*found, *self._calls_named(alias)]
        resolve = self._resolver(fv.module)
        return [caller for caller in found[:MAX_CALLERS] if resolve(caller.call.func, caller.ctx) == fv
                or (owner is not None and (self._self_call(caller, owner, fv) or self._param_call(caller, owner)))]

    def _param_call(self, caller: Caller, owner: ClassV) -> bool:
        """`component.m(...)` on a parameter of the calling function that the analysis cannot tell without the
        caller's arguments (`def register_instance(self, instance): instance.init_app(self)`): a call of
        `owner`'s `m` in those contexts of the caller where the argument is an object of `owner` (`contexts`
        keeps only those; recorded in `_through_params`)."""
        f = caller.call.func
        if not isinstance(f, ir.Attr) or not isinstance(f.value, ir.Name) or caller.ctx.scope is None:
            return False
        func = self.index.func(FuncV(caller.ctx.module, caller.ctx.scope))
        if func is None or not any(p.name == f.value.id for p in func.params[1 if func.class_name else 0:]):
            return False
        value = self.index.resolve(f.value, caller.ctx)
        if isinstance(value, InstanceV) and value.key[:1] == ("declared",) and isinstance(value.cls, ClassV):
            if value.cls not in self.index.mro(owner):
                return False  # declared as an unrelated class
        elif not isinstance(value, ParamV):
            return False
        self._through_params.add(id(caller.call))
        return True

    def _resolver(self, module: str) -> Callable[[ir.Expr | None, Ctx], Value]:
        """How a call's callee is resolved when asking whether it reaches code of `module`: into installed
        libraries when `module` is a library's (the project's `users.get_auth_router(backend)` calls the method
        of the library class `users` is an object of; plain resolution stops at the library's name)."""
        return self.index.resolve_lib if self.index.is_library(module) else self.index.resolve

    def _calls_named(self, name: str) -> list[Caller]:
        """Every call in the project whose called name is `name` (`name(...)`, `x.name(...)`), each with its
        context; the modules not parsed yet that mention `name` are parsed first."""
        if self._load_pending(name) or not self._tabled or self._tabled_libs != len(self.index.lib_modules):
            self._table_parsed_modules()  # newly parsed (or read) modules may hold such calls
        found = self._calls_by_name.get(name)
        if found is None:
            found = [site.get(self.index) for facts in self._tabled_modules()
                     for site in self._call_tables.get(id(facts), {}).get(name, ())]
            self._calls_by_name[name] = found
        return found

    def calls_handing(self, name: str) -> list[Caller]:
        """Every call of the project's own modules (not a library's) one of whose arguments is the name `name` or
        an attribute `x.name` (`*name` too), each with its context; the modules not parsed yet that mention `name`
        are parsed first."""
        if self._load_pending(name) or not self._tabled or self._tabled_libs != len(self.index.lib_modules):
            self._table_parsed_modules()
        out: list[Caller] = []
        for facts in self.index.modules:
            table = self._call_tables.get(id(facts))
            if table is None or facts.module in self.index.lib_modules:
                continue
            by_arg = self._arg_tables.get(id(facts))
            if by_arg is None:
                by_arg = self._arg_tables[id(facts)] = {}
                seen: set[tuple[int, Ctx]] = set()
                for sites in table.values():
                    for site in sites:
                        if (id(site.call), site.ctx) in seen:
                            continue
                        seen.add((id(site.call), site.ctx))
                        for last in {_last_name(a) for a in (*site.call.args, *(v for _k, v in site.call.kwargs))}:
                            if last is not None:
                                by_arg.setdefault(last, []).append(site)
            out.extend(site.get(self.index) for site in by_arg.get(name, ())[:MAX_CALLERS])
        return out

    def _tabled_modules(self) -> list[ModuleFacts]:
        """The project's modules, then the library modules read so far, by name: a library's method delegating
        to its own function (`FastAPIUsers.get_auth_router` returns `router.auth.get_auth_router(backend, ...)`)
        is that function's caller, and the router it builds is made once per project call of the method."""
        libs = [facts for name in sorted(self.index.lib_modules) if (facts := self.index.module(name)) is not None]
        return [*self.index.modules, *libs]

    def _self_call(self, caller: Caller, owner: ClassV, fv: FuncV) -> bool:
        """`self.m(...)` written in a method of a base class of `owner`, or `super().m(...)` in a method of a
        subclass of `owner` that reaches `fv` (the next class of its MRO that defines `m`)."""
        f = caller.call.func
        if not isinstance(f, ir.Attr) or caller.ctx.scope is None:
            return False
        if isinstance(f.value, ir.Name):
            this = self.index.self_class(ParamV(caller.ctx.module, caller.ctx.scope, f.value.id))
            return this is not None and this != owner and this in self.index.mro(owner)
        if not (isinstance(f.value, ir.Call) and ir.dotted(f.value.func) == "super" and not f.value.args):
            return False
        func = self.index.func(FuncV(caller.ctx.module, caller.ctx.scope))
        if func is None or func.class_name is None:
            return False
        mro = self.index.mro(ClassV(caller.ctx.module, func.class_name))
        for base in mro[1:]:
            found = self.index.class_attr(base, f.attr)
            if isinstance(found, FuncV):
                return found == fv
        return False

    def _table_parsed_modules(self) -> None:
        """Add the calls of the modules parsed since the last time (placeholders hold none yet)."""
        self._tabled = True
        self._tabled_libs = len(self.index.lib_modules)
        for facts in self._tabled_modules():
            if id(facts) in self._call_tables or facts.pending:
                continue
            table = self._call_tables[id(facts)] = self._calls_by_callee_name(facts)
            for name in table:
                self._calls_by_name.pop(name, None)  # merged again when asked
            for local, ref in facts.imports.items():
                if ref.name is not None and local != ref.name:
                    self._aliases.setdefault(ref.name, set()).add(local)

    def _calls_by_callee_name(self, facts: ModuleFacts) -> dict[str, list[_Site]]:
        """Every call in the module by the last name of what it calls (`f(...)`, `x.f(...)`)."""
        table: dict[str, list[_Site]] = {}
        for owner in facts.functions.values():
            octx = Ctx(facts.module, owner.qualname)
            for call in owner.calls:
                name = call.func.id if isinstance(call.func, ir.Name) else \
                    call.func.attr if isinstance(call.func, ir.Attr) else None
                if name:  # (read where it is written: a local bound under an `if` holds its binding there)
                    table.setdefault(name, []).append(_Site(call, octx))
                self._implied(call, owner.assigns, octx, table)
        # module level: the recorded call sites and the right-hand sides of assignments, with the
        # calls nested in them (`app = create_app(load())`, `app.include_router(make_router("/a"))`)
        tops = [site.call for site in facts.calls if site.scope is None] + \
            [expr for expr in facts.assigns.values() if isinstance(expr, ir.Call)]
        # by value: a call reached twice (the right-hand side of an assignment is a call site too) counts
        # once, whether or not the facts hold it as one object (the facts cache shares equal values)
        seen_calls: set[ir.Call] = set()
        for top in tops:
            for call in _calls_in(top):
                f = call.func
                name = f.id if isinstance(f, ir.Name) else f.attr if isinstance(f, ir.Attr) else None
                if name and call not in seen_calls:
                    seen_calls.add(call)
                    table.setdefault(name, []).append(_Site(call, Ctx(facts.module)))
                    self._implied(call, facts.assigns, Ctx(facts.module), table)
        return table

    def _implied(self, call: ir.Call, assigns: Mapping[str, ir.Expr], ctx: Ctx,
                 table: dict[str, list[_Site]]) -> None:
        """Record the calls the framework makes to the callbacks an application is given (`FastAPI(lifespan=f)`
        calls `f(app)`) as call sites of those callbacks."""
        if not call.kwargs:
            return
        for name, implied in implied_calls(call, assigns):
            cls = self.index.resolve(call.func, ctx)
            if (isinstance(cls, ExternalV) and cls.qualname in APP_CLASSES) or \
                    (isinstance(cls, ClassV) and APP_CLASSES & set(self.index.external_bases(cls))):
                table.setdefault(name, []).append(_Site(implied, ctx, Caller(implied, ctx)))

    def _load_pending(self, name: str) -> bool:
        """Parse the modules not parsed yet (demand-driven mode, `ModuleFacts.pending`) whose text mentions
        `name`: the call sites of a function are looked up by its name, so these are the only files that can
        hold one. True when any was parsed."""
        if self._pending_words is None:
            self._pending_words = {}
            for facts in self.index.modules:
                if facts.pending:
                    for word in set(facts.words.split()):
                        self._pending_words.setdefault(word, []).append(facts)
        asked: set[str] | None = getattr(self.index.by_name, "asked", None)  # see api.OnDemandModules.asked
        if asked is not None:
            asked.add(name)
        loaded = False
        for facts in self._pending_words.pop(name, ()):
            if facts.pending:
                self.index.by_name.get(facts.module, facts).functions  # noqa: B018 - the read parses it
                loaded = True
        return loaded

    def iterations(self, call: ir.Call, loop_vars: tuple[tuple[tuple[str | None, ...], ir.Expr], ...],
                   ctx: Ctx) -> list[tuple[Substitution, tuple[str, ...]]]:
        """One substitution per iteration of the enclosing `for` loops whose variables the call uses,
        when they loop over a literal collection (`for r in [a.router, b.router]`, `for r in ROUTERS`,
        `for name, r in ROUTERS.items()`), each with the tests (source text) under which that iteration runs;
        `[({}, ())]` when none do. A collection chosen by a test the analysis cannot decide (`urls = [DOCS] if
        not disabled else [DOCS, PROXY]`) runs each branch's items under its test, an item of both branches
        under none. `loop_vars`: the loops around the call, outermost first, as (target names, iterable)."""
        if not loop_vars:
            return [({}, ())]
        needed = free_names(call)
        chosen = []
        for names, iterable in reversed(loop_vars):
            if needed & {n for n in names if n}:
                chosen.append((names, iterable))
                needed |= free_names(iterable)
        envs: list[tuple[Substitution, tuple[str, ...]]] = [({}, ())]
        for names, iterable in reversed(chosen):
            grown: list[tuple[Substitution, tuple[str, ...]]] = []
            for env, tests in envs:
                here = subst(iterable, env) if env else iterable
                chosen_items = self._chosen_items(here, ctx)
                if chosen_items is None:  # a list added to under tests that cannot be told
                    chosen_items = self.literals.conditional_items(here, ctx)
                if chosen_items is not None:
                    grown.extend((self._bind_targets(env, names, item), (*tests, *under))
                                 for item, under in chosen_items)
                    continue
                items = self.literals.items_ctx(here, ctx)
                if not items:
                    grown.append((env, tests))
                    continue
                grown.extend((self._bind_targets(env, names, item), tests) for item in items)
            envs = grown[:MAX_ITERATIONS]
        return envs

    def _chosen_items(self, expr: ir.Expr, ctx: Ctx) -> list[tuple[Item, tuple[str, ...]]] | None:
        """The items of a collection chosen by a conditional expression whose test the analysis cannot decide
        (directly, or through the names bound to it), each with the test under which it is there: the body's
        under the test, the other branch's under its negation, one in both under none. None for anything else
        (`Literals.items_ctx` reads it)."""
        for _ in range(4):
            if isinstance(expr, ir.Bound):
                inner = unbound(expr)
                expr, ctx = inner.expr, inner.ctx
            elif isinstance(expr, (ir.Name, ir.Attr)):
                found = self.literals.assignment(expr, ctx)
                if found is None:
                    return None
                expr, ctx = found.expr, found.ctx
            else:
                break
        if not isinstance(expr, ir.IfExp) or self.index.truth(expr.test, ctx) is not None:
            return None
        body = self.literals.items_ctx(expr.body, ctx)
        orelse = self.literals.items_ctx(expr.orelse, ctx)
        if not body and not orelse:
            return None
        shown = ir.show(expr.test, 120)
        negated = ir.show(expr.test.value, 120) if isinstance(expr.test, ir.Not) else f"not ({shown})"
        both = {ir.show(i.expr) for i in body} & {ir.show(i.expr) for i in orelse}
        out: list[tuple[Item, tuple[str, ...]]] = [(i, () if ir.show(i.expr) in both else (shown,)) for i in body]
        out += [(i, (negated,)) for i in orelse if ir.show(i.expr) not in both]
        return out

    def _bind_targets(self, env: Substitution, names: tuple[str | None, ...], item: Item) -> Substitution:
        """`env` with a loop's target names bound to one item (`for name, router in ...` unpacks it)."""
        new = dict(env)
        if len(names) == 1:
            if names[0]:
                new[names[0]] = ir.Bound(item.expr, item.ctx)
            return new
        parts = self.literals.items_ctx(item.expr, item.ctx)
        for name, part in zip(names, parts, strict=False):  # an item with fewer parts binds fewer names
            if name:
                new[name] = ir.Bound(part.expr, part.ctx)
        return new
