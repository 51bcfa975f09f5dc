"""The project index: resolving names across modules from the per-module facts.

`Index.resolve(expr, ctx)` answers "what is this expression?" with a `Value`: a project module,
function, class, an object created by a call (`router = APIRouter(...)`), a literal, or something
outside the project (`External("fastapi.security.OAuth2PasswordBearer")`). It follows imports,
relative imports, re-exports (including `from .x import *`), aliases, module constants, class
attributes (settings objects) and factory functions' return values. Every lookup is bounded.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import ClassDef, Func, ImportRef, ModuleFacts

MAX_DEPTH = 40


# ---------------------------------------------------------------------------------------------- values


@dataclass(frozen=True)
class ModuleV:
    name: str


@dataclass(frozen=True)
class FuncV:
    module: str
    qualname: str


@dataclass(frozen=True)
class ClassV:
    module: str
    name: str


@dataclass(frozen=True)
class ExternalV:
    qualname: str  # dotted name outside the project ("fastapi.Depends", "builtins.len")


@dataclass(frozen=True)
class InstanceV:
    """An object made by calling `cls` (a ClassV, ExternalV, or None when unknown)."""

    cls: object
    call: ir.Call
    module: str  # where the call is written
    scope: str | None
    key: tuple  # identity of the allocation site


@dataclass(frozen=True)
class LiteralV:
    value: object


@dataclass(frozen=True)
class ParamV:
    module: str
    func: str
    name: str


@dataclass(frozen=True)
class UnknownV:
    text: str = ""


Value = ModuleV | FuncV | ClassV | ExternalV | InstanceV | LiteralV | ParamV | UnknownV


def qualified_name(value: object) -> str | None:
    """`module.qualname` of a project function or class, the dotted name of an external; else None."""
    if isinstance(value, FuncV):
        return f"{value.module}.{value.qualname}"
    if isinstance(value, ClassV):
        return f"{value.module}.{value.name}"
    if isinstance(value, ExternalV):
        return value.qualname
    return None
UNKNOWN = UnknownV()


@dataclass(frozen=True)
class Ctx:
    module: str
    scope: str | None = None  # qualname of the enclosing function


_BUILTINS = frozenset(dir(builtins))


class Index:
    def __init__(self, modules: list[ModuleFacts], namespaces: Iterable[str] = (), library: object = None):
        """`modules`: one per file, each with its one module name. `namespaces`: the namespace packages
        (folders without `__init__.py`) those names imply; `import a.b` of one gives a module with no
        names of its own, whose attributes are its submodules."""
        self.by_name: dict[str, ModuleFacts] = {}
        for facts in modules:
            self.by_name.setdefault(facts.module, facts)
        for name in sorted(namespaces):
            if name not in self.by_name:
                self.by_name[name] = ModuleFacts(path=name.replace(".", "/"), module=name, is_package=True)
        self.modules = modules
        self._cache: dict = {}
        # installed libraries (library.LibraryLoader), read on demand; see `resolve_lib`
        self.library = library
        self.lib_modules: set[str] = set()
        self._lib_mode = False

    # -- modules -----------------------------------------------------------------------------------
    def module(self, name: str) -> ModuleFacts | None:
        return self.by_name.get(name)

    def canonical(self, name: str) -> str:
        facts = self.by_name.get(name)
        return facts.module if facts else name

    def func(self, value: FuncV) -> Func | None:
        facts = self.by_name.get(value.module)
        return facts.functions.get(value.qualname) if facts else None

    def cls(self, value: ClassV) -> ClassDef | None:
        facts = self.by_name.get(value.module)
        return facts.classes.get(value.name) if facts else None

    def path_of(self, module: str) -> str:
        facts = self.by_name.get(module)
        return facts.path if facts else module

    # -- installed libraries -------------------------------------------------------------------------
    def is_library(self, module: str) -> bool:
        facts = self.by_name.get(module)
        return facts is not None and facts.module in self.lib_modules

    def _ensure(self, name: str) -> bool:
        """Module `name` is in the index, reading it from an installed library when needed."""
        if name in self.by_name:
            return True
        if self.library is None or not name:
            return False
        facts = self.library.load(name)  # type: ignore[attr-defined]
        if facts is None:
            return False
        self.by_name[name] = facts
        self.lib_modules.add(name)
        return True

    def _lazy(self, importer: str | None, target: str) -> bool:
        """Whether resolution may read `target` from a library: while `resolve_lib` runs, or from a library
        module importing its own package."""
        if self.library is None:
            return False
        if self._lib_mode:
            return True
        return importer is not None and importer in self.lib_modules and \
            importer.split(".")[0] == target.split(".")[0]

    def resolve_lib(self, expr: ir.Expr | None, ctx: Ctx) -> Value:
        """`resolve`, looking into installed libraries for names outside the project (what a dependency or
        an included router is made of). Plain `resolve` never does, so project code that merely uses a
        library (a database session, an HTTP client) is not read into it."""
        if self.library is None:
            return self.resolve(expr, ctx)
        old = self._lib_mode
        self._lib_mode = True
        try:
            return self.resolve(expr, ctx)
        finally:
            self._lib_mode = old

    def materialize(self, value: Value) -> Value:
        """An outside name (`ExternalV("pkg.mod.Class")`) as what its library source defines, if readable."""
        if not isinstance(value, ExternalV) or self.library is None:
            return value
        parts = value.qualname.split(".")
        for i in range(len(parts), 0, -1):
            mod = ".".join(parts[:i])
            if self._ensure(mod):
                found: Value = ModuleV(self.canonical(mod))
                for attr in parts[i:]:
                    found = self._attr(found, attr, 1)
                return found if not isinstance(found, UnknownV) else value
        return value

    # -- resolution --------------------------------------------------------------------------------
    def resolve(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> Value:  # noqa: C901
        if expr is None or depth > MAX_DEPTH:
            return UNKNOWN
        d = depth + 1
        if isinstance(expr, ir.Name):
            return self._name(expr.id, ctx, d)
        if isinstance(expr, ir.Attr):
            return self._attr(self.resolve(expr.value, ctx, d), expr.attr, d)
        if isinstance(expr, ir.Str):
            return LiteralV(expr.value)
        if isinstance(expr, ir.Const):
            return LiteralV(expr.value)
        if isinstance(expr, (ir.FStr, ir.BinOp)):
            text = self.string(expr, ctx, d)
            return LiteralV(text) if text is not None else UNKNOWN
        if isinstance(expr, ir.Call):
            return self._call(expr, ctx, ("call", ctx.module, ctx.scope, expr.line, ir.show(expr, 200)), d)
        if isinstance(expr, ir.Bound):
            return self.resolve(expr.expr, expr.ctx, d)  # type: ignore[arg-type]
        return UNKNOWN

    def resolve_binding(self, expr: ir.Expr, ctx: Ctx, key: tuple, depth: int) -> Value:
        """Resolve the right-hand side of `name = expr`; a call there gets `key` as identity."""
        if isinstance(expr, ir.Call):
            return self._call(expr, ctx, key, depth + 1)
        return self.resolve(expr, ctx, depth + 1)

    def _call(self, call: ir.Call, ctx: Ctx, key: tuple, depth: int) -> Value:
        func = call.func
        if isinstance(func, ir.Name) and func.id == "__import_from__":
            mod, name = (a.value for a in call.args)  # type: ignore[union-attr]
            return self.import_ref(ImportRef(mod, name), depth)
        if isinstance(func, ir.Name) and func.id == "__import__":
            return self.import_ref(ImportRef(call.args[0].value, None), depth)  # type: ignore[union-attr]
        if isinstance(func, ir.Sub) and self._lib_mode:  # `Generic[T](...)`: a call of the class
            func = func.value
        callee = self.resolve(func, ctx, depth)
        if isinstance(callee, ExternalV) and self._lib_mode:
            callee = self.materialize(callee)
        if isinstance(callee, (ClassV, ExternalV)):
            if isinstance(callee, ExternalV) and callee.qualname in ("functools.partial",):
                return UNKNOWN
            return InstanceV(callee, call, ctx.module, ctx.scope, key)
        if isinstance(callee, FuncV):
            return self.call_result(callee, depth)
        return InstanceV(None, call, ctx.module, ctx.scope, key)

    def call_result(self, callee: FuncV, depth: int = 0) -> Value:
        """What calling a project function returns (its last return value that resolves)."""
        cache_key = ("result", callee, self._lib_mode)
        if cache_key in self._cache:
            return self._cache[cache_key]
        self._cache[cache_key] = UNKNOWN  # cycle guard
        func = self.func(callee)
        result: Value = UNKNOWN
        if func is not None:
            fctx = Ctx(callee.module, func.qualname)
            for ret in reversed(func.returns):
                if ret.value is None or (isinstance(ret.value, ir.Const) and ret.value.value is None):
                    continue
                value = self.resolve(ret.value, fctx, depth + 1)
                if not isinstance(value, UnknownV):
                    result = value
                    break
        self._cache[cache_key] = result
        return result

    def scopes(self, ctx: Ctx):
        """The functions whose locals a name written in `ctx` can see, innermost first (`ctx.scope`,
        then the functions it is nested in)."""
        facts = self.by_name.get(ctx.module)
        scope = ctx.scope
        while facts is not None and scope is not None:
            func = facts.functions.get(scope)
            if func is None:
                return
            yield func
            scope = func.parent

    def _name(self, name: str, ctx: Ctx, depth: int) -> Value:
        facts = self.by_name.get(ctx.module)
        for func in self.scopes(ctx):
            scope = func.qualname
            if name in func.assigns:
                return self.resolve_binding(func.assigns[name], Ctx(ctx.module, scope),
                                            ("local", ctx.module, scope, name), depth)
            nested = f"{scope}.{name}"
            if nested in facts.functions:
                return FuncV(facts.module, nested)
            for i, param in enumerate(func.params):
                if param.name == name:
                    if i == 0 and self._lib_mode and func.class_name and param.kind in ("pos", "posonly") \
                            and func.class_name in facts.classes and name == "self":
                        # a library method's `self`: an instance of its class (`self.current_user(...)`)
                        call = ir.Call(ir.Name(func.class_name), (), (), func.line, 0)
                        return InstanceV(ClassV(facts.module, func.class_name), call, facts.module, None,
                                         ("self", facts.module, func.class_name))
                    return ParamV(facts.module, scope, name)
        return self.global_name(ctx.module, name, depth)

    def global_name(self, module: str, name: str, depth: int = 0, seen: frozenset = frozenset()) -> Value:
        facts = self.by_name.get(module)
        if facts is None or depth > MAX_DEPTH or (module, name) in seen:
            return UNKNOWN
        cache_key = ("global", facts.module, name, self._lib_mode)
        if cache_key in self._cache:
            return self._cache[cache_key]
        self._cache[cache_key] = UNKNOWN
        value = self._global_uncached(facts, name, depth, seen | {(module, name)})
        self._cache[cache_key] = value
        return value

    def _global_uncached(self, facts: ModuleFacts, name: str, depth: int, seen: frozenset) -> Value:
        if name in facts.assigns:
            return self.resolve_binding(facts.assigns[name], Ctx(facts.module), ("global", facts.module, name),
                                        depth)
        if name in facts.functions:
            return FuncV(facts.module, name)
        if name in facts.classes:
            return ClassV(facts.module, name)
        if name in facts.imports:
            return self.import_ref(facts.imports[name], depth, seen, importer=facts.module)
        for star in facts.star_imports:
            if star not in self.by_name and self._lazy(facts.module, star):
                self._ensure(star)
            if star not in self.by_name or not self._star_exports(star, name):
                continue
            value = self.global_name(star, name, depth + 1, seen)
            if not isinstance(value, UnknownV):
                return value
        if facts.is_package:
            sub = f"{facts.module}.{name}"
            if sub in self.by_name:
                return ModuleV(self.canonical(sub))
        if name in _BUILTINS:
            return ExternalV(f"builtins.{name}")
        if facts.star_imports and any(s not in self.by_name for s in facts.star_imports):
            # `from somelib import *`: the name may come from there
            outside = [s for s in facts.star_imports if s not in self.by_name]
            return ExternalV(f"{outside[0]}.{name}")
        return UNKNOWN

    def import_ref(self, ref: ImportRef, depth: int = 0, seen: frozenset = frozenset(),
                   importer: str | None = None) -> Value:
        if ref.module not in self.by_name and self._lazy(importer, ref.module):
            if not self._ensure(ref.module) and ref.name is not None:
                self._ensure(f"{ref.module}.{ref.name}")
        elif ref.name is not None and ref.module in self.lib_modules and self._lazy(importer, ref.module):
            facts = self.by_name[ref.module]
            if ref.name not in facts.assigns and ref.name not in facts.functions and \
                    ref.name not in facts.classes and ref.name not in facts.imports:
                self._ensure(f"{ref.module}.{ref.name}")  # `from pkg import submodule`
        if ref.name is None:
            if ref.module in self.by_name:
                return ModuleV(self.canonical(ref.module))
            return ExternalV(ref.module)
        if ref.module in self.by_name:
            value = self.global_name(ref.module, ref.name, depth + 1, seen)
            if not isinstance(value, UnknownV):
                return value
            sub = f"{ref.module}.{ref.name}"
            if sub in self.by_name:
                return ModuleV(self.canonical(sub))
            return UNKNOWN
        sub = f"{ref.module}.{ref.name}" if ref.module else ref.name
        if sub in self.by_name:
            return ModuleV(self.canonical(sub))
        return ExternalV(sub)

    def _attr(self, base: Value, attr: str, depth: int) -> Value:
        if isinstance(base, ModuleV):
            value = self.global_name(base.name, attr, depth)
            if not isinstance(value, UnknownV):
                return value
            sub = f"{base.name}.{attr}"
            if sub not in self.by_name and self._lazy(base.name, sub):
                self._ensure(sub)
            if sub in self.by_name:
                return ModuleV(self.canonical(sub))
            return UNKNOWN
        if isinstance(base, ExternalV):
            return ExternalV(f"{base.qualname}.{attr}")
        if isinstance(base, ClassV):
            return self.class_attr(base, attr, depth)
        if isinstance(base, InstanceV) and isinstance(base.cls, ClassV):
            return self.class_attr(base.cls, attr, depth)
        if isinstance(base, InstanceV) and isinstance(base.cls, ExternalV) and self._lib_mode:
            cls = self.materialize(base.cls)
            if isinstance(cls, ClassV):
                return self.class_attr(cls, attr, depth)
        return UNKNOWN

    def class_attr(self, cls_v: ClassV, attr: str, depth: int = 0) -> Value:
        for owner in self.mro(cls_v):
            cls = self.cls(owner)
            if cls is None:
                continue
            if attr in cls.methods:
                return FuncV(owner.module, cls.methods[attr])
            if attr in cls.attrs:
                expr = cls.attrs[attr]
                # pydantic `Field(default=...)` / `Field("...")`
                if isinstance(expr, ir.Call) and ir.dotted(expr.func) in ("Field", "pydantic.Field"):
                    expr = expr.arg(0, "default") or ir.Unknown("Field()")
                return self.resolve_binding(expr, Ctx(owner.module), ("classattr", owner.module, cls.name, attr),
                                            depth + 1)
        return UNKNOWN

    def mro(self, cls_v: ClassV, depth: int = 0) -> list[ClassV]:
        """The class and its project base classes, depth first (good enough for single inheritance)."""
        out: list[ClassV] = []
        stack = [cls_v]
        while stack and len(out) < 50:
            current = stack.pop(0)
            if current in out:
                continue
            out.append(current)
            cls = self.cls(current)
            if cls is None:
                continue
            for base in cls.bases:
                value = self.resolve(base, Ctx(current.module), depth + 1)
                if isinstance(value, ClassV):
                    stack.append(value)
        return out

    def external_bases(self, cls_v: ClassV) -> list[str]:
        """Qualified names of the classes outside the project that `cls_v` derives from."""
        out: list[str] = []
        for owner in self.mro(cls_v):
            cls = self.cls(owner)
            if cls is None:
                continue
            for base in cls.bases:
                value = self.resolve(base, Ctx(owner.module))
                if isinstance(value, ExternalV):
                    out.append(value.qualname)
        return out

    # -- bindings ----------------------------------------------------------------------------------
    def binding(self, expr: ir.Expr, ctx: Ctx) -> tuple[ir.Expr, Ctx] | None:
        """The expression `name` or `module.name` is bound to, and where to read it: function locals
        (enclosing scopes too; a parameter of that name hides everything further out), then module level,
        following `from x import name` re-exports and star imports. None when it is not an assignment."""
        if isinstance(expr, ir.Name):
            facts = self.by_name.get(ctx.module)
            if facts is None:
                return None
            for func in self.scopes(ctx):
                if expr.id in func.assigns:
                    return func.assigns[expr.id], Ctx(ctx.module, func.qualname)
                if any(p.name == expr.id for p in func.params):
                    return None
            return self.module_binding(facts.module, expr.id)
        if isinstance(expr, ir.Attr):
            base = self.resolve(expr.value, ctx)
            if isinstance(base, ModuleV):
                return self.module_binding(base.name, expr.attr)
        return None

    def module_binding(self, module: str, name: str, depth: int = 0) -> tuple[ir.Expr, Ctx] | None:
        """A module-level `name = expr`, following `from x import name` re-exports."""
        facts = self.by_name.get(module)
        if facts is None or depth > 10:
            return None
        if name in facts.assigns:
            return facts.assigns[name], Ctx(facts.module)
        if name in facts.functions or name in facts.classes:
            return None
        ref = facts.imports.get(name)
        if ref is not None:
            return self.module_binding(ref.module, ref.name, depth + 1) if ref.name else None
        for star in facts.star_imports:
            if not self._star_exports(star, name):
                continue
            found = self.module_binding(star, name, depth + 1)
            if found is not None:
                return found
        return None

    def _star_exports(self, module: str, name: str) -> bool:
        """Whether `from module import *` binds `name`: listed in its `__all__`, else not underscored."""
        target = self.by_name.get(module)
        if target is not None and target.all_names is not None:
            return name in target.all_names
        return not name.startswith("_")

    # -- constants ---------------------------------------------------------------------------------
    def string(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> str | None:
        """Statically evaluate a string expression (literals, constants, f-strings, settings attributes)."""
        if expr is None or depth > MAX_DEPTH:
            return None
        if isinstance(expr, ir.Str):
            return expr.value
        if isinstance(expr, ir.Bound):
            return self.string(expr.expr, expr.ctx, depth + 1)  # type: ignore[arg-type]
        if isinstance(expr, ir.FStr):
            out = []
            for part in expr.parts:
                if isinstance(part, str):
                    out.append(part)
                else:
                    value = self.string(part, ctx, depth + 1)
                    if value is None:
                        return None
                    out.append(value)
            return "".join(out)
        if isinstance(expr, ir.BinOp) and expr.op == "+":
            left = self.string(expr.left, ctx, depth + 1)
            right = self.string(expr.right, ctx, depth + 1) if left is not None else None
            return left + right if left is not None and right is not None else None
        if isinstance(expr, (ir.Name, ir.Attr)):
            value = self.resolve(expr, ctx, depth + 1)
            if isinstance(value, LiteralV) and isinstance(value.value, str):
                return value.value
        return None
