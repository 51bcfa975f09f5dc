"""Values the code names that are only known when the app runs, although the evaluator can read a default.

A field of a pydantic-settings object (`class AppSettings(BaseSettings): api_keys: list[str] | None = None`,
`app_settings = AppSettings()`) holds its class default only when the environment (or a `.env` file, or a
secrets directory) does not set it: pydantic-settings reads every field from there when the object is made.
A test of such a field is a setting read at run time, as `os.environ.get(...)` is, not the constant the
class writes. A field the call passes (`AppSettings(api_keys=[...])`) is known: init arguments come first.
"""

from __future__ import annotations

from routeguard_lint.facts import ir
from routeguard_lint.project.index import ClassV, Ctx, Index, InstanceV

# the classes whose fields pydantic-settings (or pydantic v1's `BaseSettings`) reads from the environment
SETTINGS_BASES = frozenset({"BaseSettings"})


class EnvironmentFields:
    """Answers, for the auth walk, whether an attribute read is a field the environment may set."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._classes: dict[ClassV, frozenset[str]] = {}

    def fields(self, cls_v: ClassV) -> frozenset[str]:
        """The fields of `cls_v` the environment may set: its annotated class attributes (and its project
        bases'), when it derives from a settings class; empty otherwise."""
        found = self._classes.get(cls_v)
        if found is not None:
            return found
        out: set[str] = set()
        if any(base.rsplit(".", 1)[-1] in SETTINGS_BASES for base in self.index.external_bases(cls_v)):
            for owner in self.index.mro(cls_v):
                cdef = self.index.cls(owner)
                for name, (annotation, _line) in (cdef.annotations.items() if cdef else ()):
                    if not name.startswith("_") and "ClassVar" not in ir.show(annotation) and name != "model_config":
                        out.add(name)
        self._classes[cls_v] = frozenset(out)
        return self._classes[cls_v]

    def read_at_run_time(self, expr: ir.Expr, ctx: Ctx) -> bool:
        """`expr` is `<settings object>.<field>` for a field the call that made the object does not pass."""
        if not isinstance(expr, ir.Attr):
            return False
        base = self.index.resolve(expr.value, ctx)
        if not isinstance(base, InstanceV) or not isinstance(base.cls, ClassV):
            return False
        if expr.attr not in self.fields(base.cls):
            return False
        return base.call.kwarg(expr.attr) is None
