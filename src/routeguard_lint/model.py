"""Plain data types that flow between the pipeline stages and out to the reporters.

Everything here is a frozen dataclass of strings, ints and tuples: cheap to compare, sort, pickle and
serialise. Reporters only ever see these types.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

SEVERITIES = ("error", "warning", "note")


class SuppressionKind(str, Enum):
    """Where a suppression was declared (SARIF's `suppression.kind`)."""

    IN_SOURCE = "inSource"  # an inline routeguard-ignore or noqa comment in the source
    EXTERNAL = "external"  # the configuration file (`ignore`, `public`)


@dataclass(frozen=True, order=True)
class Related:
    """A secondary location that explains a finding (a dependency that was looked at, say)."""

    path: str
    line: int
    message: str


@dataclass(frozen=True)
class Finding:
    rule_id: str  # "RG001"
    name: str  # "unprotected-route"
    severity: str  # one of SEVERITIES
    message: str
    path: str  # POSIX, relative to the current directory when under it
    line: int  # 1-based
    column: int  # 1-based
    end_line: int
    end_column: int
    route_methods: tuple[str, ...] | None = None
    route_path: str | None = None
    handler: str | None = None  # qualified name of the handler or dependency concerned
    related: tuple[Related, ...] = ()
    # Stable across line moves: rule + method + route path, or rule + qualified name.
    fingerprint_key: str = ""
    suppressed: str | None = None  # justification when an inline comment or config suppressed it
    suppression_kind: SuppressionKind = SuppressionKind.IN_SOURCE  # where it was suppressed (when it is)

    def sort_key(self) -> tuple[str, int, int, str, str, tuple[str, ...], str]:
        return (self.path, self.line, self.column, self.rule_id, self.route_path or "",
                self.route_methods or (), self.message)


@dataclass(frozen=True)
class DependencyInfo:
    """One dependency a route runs, and where it was declared (provenance)."""

    name: str  # qualified name of the callable / scheme, or the source text when unresolved
    kind: str  # "function" | "class" | "scheme" | "external" | "unresolved" | "header" | "cookie"
    origin: str  # e.g. "FastAPI(dependencies=)", "include_router(prefix='/users')", "parameter current_user"
    path: str | None
    line: int | None


@dataclass(frozen=True)
class RouteInfo:
    methods: tuple[str, ...]
    path: str
    handler: str
    file: str
    line: int
    column: int
    state: str  # "protected" | "public" | "unprotected" | "unverified"
    public_reason: str | None
    auth: tuple[str, ...]  # the dependency chain that decided the state, outermost first
    reason: str  # one sentence: why this state
    dependencies: tuple[DependencyInfo, ...] = ()
    conditions: tuple[str, ...] = ()  # source text of `if` conditions around an include
    reachable: bool = True  # False when the router is never included into an app
    scheme: bool = False  # a fastapi.security scheme is somewhere in the dependency tree
    app: str | None = None  # the app serving it, when the project makes several (routes/apps.py)
    # for a route whose path the program chooses at run time between known strings (`prefix="/v1" if c else ""`):
    # the other paths it may have instead, each listed as a route of its own under its tests (`conditions`); the
    # app has it under one of them, so the alternatives of one route are counted once (`counted`)
    alternatives: tuple[str, ...] = ()

    @property
    def protected(self) -> bool:
        return self.state == "protected"

    @property
    def public(self) -> bool:
        return self.state == "public"

    def sort_key(self) -> tuple[str, tuple[str, ...], str, int, str, str]:
        return (self.path, self.methods, self.file, self.line, self.handler, self.app or "")


def counted(routes: Iterable[RouteInfo]) -> list[RouteInfo]:
    """The routes of the running apps, each once: of the alternatives of one route (`RouteInfo.alternatives`),
    the one whose path sorts first stands for it in counts."""
    return [route for route in routes if not route.alternatives or route.path < min(route.alternatives)]


@dataclass(frozen=True)
class MountInfo:
    """`app.mount(path, x)`: what is served under `path` that is not a FastAPI route of the analysed apps."""

    path: str  # full path of the mount point (mount prefixes of enclosing apps included)
    app: str  # what is mounted: "fastapi.staticfiles.StaticFiles(...)", "app.admin.admin_app(...)", ...
    kind: str  # "app" (a FastAPI sub-app: its routes are in `routes`) | "router" | "static" | "wsgi" | "asgi" |
    #            "unresolved"
    file: str
    line: int
    conditions: tuple[str, ...] = ()
    reachable: bool = True

    def sort_key(self) -> tuple[str, str, int, str]:
        return (self.path, self.file, self.line, self.app)


@dataclass
class Result:
    """What one analysis run produced."""

    findings: list[Finding] = field(default_factory=list)
    routes: list[RouteInfo] = field(default_factory=list)
    files: int = 0
    mounts: list[MountInfo] = field(default_factory=list)
    # tracebacks of internal errors that were reported as RG000 (a rule that failed, a file the facts
    # extraction failed on); the CLI prints them with --debug
    internal_errors: list[str] = field(default_factory=list)
