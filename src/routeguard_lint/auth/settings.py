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

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import ModuleFacts
from routeguard_lint.project.index import ClassV, Ctx, Index, InstanceV
from routeguard_lint.project.scan import ModuleScan


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

    def read_at_run_time(self, expr: ir.Expr, ctx: Ctx) -> bool:
        """`expr` is `<settings object>.<field>` for a field the call that made the object does not pass."""
        if self.index.environment_field(expr, ctx):
            return True
        if not isinstance(expr, ir.Attr):
            return False
        base = self.index.resolve(expr.value, ctx)
        return isinstance(base, InstanceV) and isinstance(base.cls, ClassV) and self.changed(base, expr.attr)

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
