"""Values the code names that are only known when the app runs, although the evaluator can read a default.

A field of a pydantic-settings object (`class AppSettings(BaseSettings): api_keys: list[str] | None = None`,
`app_settings = AppSettings()`) holds its class default only when the environment (or a `.env` file, or a
secrets directory) does not set it: pydantic-settings reads every field from there when the object is made.
A test of such a field is a setting read at run time, as `os.environ.get(...)` is, not the constant the
class writes. A field the call passes (`AppSettings(api_keys=[...])`) is known: init arguments come first.
The project index answers it (`Index.environment_field`), so that its own tests (which of two module-level
bindings holds) agree with the auth walk's.

Likewise an attribute of a shared object that some function of the project assigns (`state = DemoState()` at
module level, `state.initialized = True` in one route's handler or at startup): another function reading it
gets whatever ran last, not the value `__init__` stored.
"""

from __future__ import annotations

import re
from collections.abc import Hashable

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import ModuleFacts
from routeguard_lint.project.index import ClassV, Ctx, FuncV, Index, InstanceV, ModuleV, UnionV
from routeguard_lint.project.scan import ModuleScan

# helpers a setting may be read through: `def url(): return _url()`, `def _url(): return settings.url`
_MAX_HELPER_DEPTH = 3


class EnvironmentFields:
    """Answers, for the auth walk, whether an attribute read is a field the environment may set."""

    def __init__(self, index: Index) -> None:
        self.index = index
        # attribute -> (module, function, name) of every `name.attr = ...` of a function on another object
        self._writers: dict[str, list[tuple[str, str, str]]] = {}
        self._scan = ModuleScan(index, self._add_writers)
        self._changed: dict[tuple[object, str], bool] = {}

    def fields(self, cls_v: ClassV) -> frozenset[str]:
        """The fields of `cls_v` the environment may set: its annotated class attributes (and its project
        bases'), when it derives from a settings class; empty otherwise."""
        return self.index.environment_fields(cls_v)

    def read_at_run_time(self, expr: ir.Expr, ctx: Ctx, depth: int = 0) -> bool:
        """`expr` is `<settings object>.<field>` for a field the call that made the object does not pass, or a
        call of a project function that returns one (`def memfs_url(): return settings.memfs_url`, also through a
        local it binds: `url = settings.memfs_url; return url`): the evaluator reads the class default there too."""
        if self.index.environment_field(expr, ctx):
            return True
        if isinstance(expr, ir.Call):
            return depth < _MAX_HELPER_DEPTH and self._returns_setting(expr, ctx, depth)
        if not isinstance(expr, ir.Attr):
            return False
        base = self.index.resolve(expr.value, ctx)
        return isinstance(base, InstanceV) and isinstance(base.cls, ClassV) and self.changed(base, expr.attr)

    def _returns_setting(self, call: ir.Call, ctx: Ctx, depth: int) -> bool:
        callee = self.index.resolve(call.func, ctx)
        func = self.index.func(callee) if isinstance(callee, FuncV) else None
        if func is None or not isinstance(callee, FuncV):
            return False
        fctx = self.index.call_env(callee, func, call, ctx)
        for ret in func.returns:
            if ret.value is None:
                continue
            values = [ret.value]
            if isinstance(ret.value, ir.Name):
                values += [bind.value for bind in func.binds if bind.name == ret.value.id]
            if any(self.read_at_run_time(value, fctx, depth + 1) for value in values):
                return True
        return False

    def changed(self, obj: InstanceV, attr: str) -> bool:
        """Some function of the project assigns `attr` of the object `obj` (`state.initialized = True` in one
        route's handler, `state` a module-level object): what another function reads there is whatever ran
        last, not the value `__init__` or the class gave it. A module not parsed yet (demand-driven mode) is
        parsed when the attribute's name is among its words, so the answer does not depend on which files
        happen to be parsed; one that cannot be parsed may assign it: changed."""
        key = (obj.key, attr)
        found = self._changed.get(key)
        if found is not None:
            return found
        found = self._scan.open(attr)  # a module that could not be parsed may assign it: changed
        for module, qualname, name in self._writers.get(attr, ()):
            if found:
                break
            value = self.index.resolve(ir.Name(name), Ctx(module, qualname))
            found = isinstance(value, InstanceV) and value.key == obj.key
        self._changed[key] = found
        return found

    def _add_writers(self, facts: ModuleFacts) -> None:
        for func in facts.functions.values():
            for target in func.attr_writes:
                name, _, attr = target.partition(".")
                self._writers.setdefault(attr, []).append((facts.module, func.qualname, name))


# A setting the app reads once and never changes: a field of a pydantic-settings object (`settings.AUTH_ENABLED`)
# that no function assigns, or a module-level name bound once and never rebound (`DEBUG = os.getenv("DEBUG")`).
Identity = tuple[Hashable, ...]

_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


class SettingTests:
    """Two tests of one setting agree along one path: where a dependency was chosen `if settings.AUTH_ENABLED`,
    the resolver's `if not settings.AUTH_ENABLED: return system` is false. Tells which setting a test reads (by
    what the names resolve to, not by their text) and the value a chosen alternative's test gives it."""

    def __init__(self, index: Index, fields: EnvironmentFields) -> None:
        self.index = index
        self.fields = fields
        self._identities: dict[tuple[ir.Expr, Ctx], Identity | None] = {}
        self._modules: dict[str, str] | None = None

    def identity(self, expr: ir.Expr, ctx: Ctx) -> Identity | None:
        """The setting `expr` (a name or an attribute, read in `ctx`) is, when it is one that does not change once
        the app has started; None otherwise."""
        key = (expr, ctx)
        if key not in self._identities:
            self._identities[key] = self._identity(expr, ctx)
        return self._identities[key]

    def _identity(self, expr: ir.Expr, ctx: Ctx) -> Identity | None:
        index = self.index
        if isinstance(expr, ir.Attr):
            base = index.resolve(expr.value, ctx)
            if isinstance(base, InstanceV) and isinstance(base.cls, ClassV):
                if index.environment_field(expr, ctx) and not self.fields.changed(base, expr.attr):
                    return ("field", base.key, expr.attr)
                return None
            if isinstance(base, ModuleV):
                return self._global(base.name, expr.attr, ctx, expr)
            return None
        if isinstance(expr, ir.Name):
            if any(expr.id in func.assigns or any(p.name == expr.id for p in func.params)
                   for func in index.scopes(ctx)):
                return None  # a local or a parameter
            found = index.assignment(expr, ctx)
            if found is None or found[1].scope is not None:
                return None
            return self._global(found[1].module, expr.id, ctx, None)
        return None

    def _global(self, module: str, name: str, ctx: Ctx, expr: ir.Attr | None) -> Identity | None:
        """A module-level binding no function rebinds (`global name`) and no code writes as `module.name = ...`."""
        found = self.index.module_assignment(module, name)
        if found is None:
            return None
        home = self.index.module(found[1].module)
        if home is None or name in home.global_assigns or name in home.branches:
            return None
        if expr is not None and isinstance(self.index.resolve(expr, ctx), UnionV):
            return None  # `config.name = ...` written somewhere: one of several values
        return ("global", found[1].module, name)

    def assumed(self, text: str, path: str | None, line: int | None) -> dict[Identity, bool]:
        """What a chosen alternative's test (its source text, and where the choice is written) says of settings:
        `settings.AUTH_ENABLED` -> {AUTH_ENABLED of that object: True}; `not X`, `not (X)` and the parts of an
        `and` likewise. Parts that are not such a test (a call, a comparison, an `or`) say nothing."""
        module = self._module(path)
        if module is None:
            return {}
        ctx = Ctx(module, self._scope(module, line or 0))
        out: dict[Identity, bool] = {}
        for part in text.split(" and "):
            part, want = part.strip(), True
            while True:
                if part.startswith("not "):
                    part, want = part[4:].strip(), not want
                elif part.startswith("(") and part.endswith(")") and part.count("(") == 1:
                    part = part[1:-1].strip()
                else:
                    break
            if not _DOTTED.fullmatch(part):
                continue
            names = part.split(".")
            expr: ir.Expr = ir.Name(names[0])
            for attr in names[1:]:
                expr = ir.Attr(expr, attr)
            identity = self.identity(expr, ctx)
            if identity is not None:
                if out.get(identity, want) != want:
                    return {}  # a contradiction: nothing can be said
                out[identity] = want
        return out

    def _module(self, path: str | None) -> str | None:
        if path is None:
            return None
        if self._modules is None:
            self._modules = {facts.path: name for name, facts in self.index.by_name.items()}
        return self._modules.get(path)

    def _scope(self, module: str, line: int) -> str | None:
        """The innermost function of `module` whose body holds `line` (None: module level)."""
        facts = self.index.module(module)
        best: tuple[int, str] | None = None
        for func in (facts.functions.values() if facts is not None and line else ()):
            if func.line <= line <= func.end_line and (best is None or func.line > best[0]):
                best = (func.line, func.qualname)
        return best[1] if best is not None else None
