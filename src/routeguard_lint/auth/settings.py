"""Values the code names that are only known when the app runs, although the evaluator can read a default.

A field of a pydantic-settings object (`class AppSettings(BaseSettings): api_keys: list[str] | None = None`,
`app_settings = AppSettings()`) holds its class default only when the environment (or a `.env` file, or a
secrets directory) does not set it: pydantic-settings reads every field from there when the object is made.
A test of such a field is a setting read at run time, as `os.environ.get(...)` is, not the constant the
class writes. A field the call passes (`AppSettings(api_keys=[...])`) is known: init arguments come first.
The project index answers it (`Index.environment_field`), so that its own tests (which of two module-level
bindings holds) agree with the auth walk's.
"""

from __future__ import annotations

from routeguard_lint.facts import ir
from routeguard_lint.project.index import ClassV, Ctx, Index


class EnvironmentFields:
    """Answers, for the auth walk, whether an attribute read is a field the environment may set."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def fields(self, cls_v: ClassV) -> frozenset[str]:
        """The fields of `cls_v` the environment may set: its annotated class attributes (and its project
        bases'), when it derives from a settings class; empty otherwise."""
        return self.index.environment_fields(cls_v)

    def read_at_run_time(self, expr: ir.Expr, ctx: Ctx) -> bool:
        """`expr` is `<settings object>.<field>` for a field the call that made the object does not pass."""
        return self.index.environment_field(expr, ctx)
