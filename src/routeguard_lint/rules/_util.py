"""Small helpers shared by the rule modules to build findings."""

from __future__ import annotations

from typing import TypedDict

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Effect, Raise, is_marker
from routeguard_lint.model import Finding, Related
from routeguard_lint.project.index import BoundParam, Ctx
from routeguard_lint.routes.model import DepNode, Graph, Route, walk
from routeguard_lint.rules._span import Span
from routeguard_lint.rules.base import Rule


def finding(rule: Rule, message: str, path: str, line: int, column: int, end_column: int, *,
            route: Route | None = None, handler: str | None = None, related: tuple[Related, ...] = (),
            key: str = "", severity: str | None = None, end_line: int | None = None) -> Finding:
    """`end_column` is exclusive; `end_line` defaults to `line` (a span on one line)."""
    end_line = line if end_line is None or end_line < line else end_line
    return Finding(
        rule_id=rule.code, name=rule.name, severity=severity or rule.severity, message=message, path=path,
        line=line, column=column, end_line=end_line,
        end_column=max(end_column, column + 1) if end_line == line else end_column,
        route_methods=tuple(route.methods) if route else None, route_path=route.full_path if route else None,
        handler=handler, related=related, fingerprint_key=key or f"{rule.code}:{handler or path}",
    )


class Location(TypedDict):
    """`finding(...)`'s location arguments."""

    line: int
    column: int
    end_column: int
    end_line: int


def at(span: Span) -> Location:
    """`finding(...)`'s location arguments from a source span: `finding(RULE, message, path, **at(span))`."""
    return {"line": span.line, "column": span.column, "end_column": span.end_column, "end_line": span.end_line}


def route_label(route: Route) -> str:
    return f"{','.join(route.methods)} {route.full_path}"


def dependency_nodes(graph: Graph) -> dict[int, DepNode]:
    """Every node that some route runs as a dependency (not the route roots themselves), by id."""
    out: dict[int, DepNode] = {}
    for route in graph.routes:
        if route.root is None:
            continue
        for node in walk(route.root):
            if node is not route.root:
                out.setdefault(id(node), node)
    return out


def func_path(graph: Graph, node: DepNode) -> str:
    return graph.index.path_of(node.func_module) if node.func_module else (node.path or "")


def construction(graph: Graph, node: DepNode) -> str:
    """For a method FastAPI calls on an object the project made (`Depends(ProxyAuth(auto_enforce=False))`):
    ", for the object `ProxyAuth(auto_enforce=False)` (path:line)," (its arguments decide what the method
    does, and two constructions are two dependencies); "" for anything else."""
    made = node.instance
    if made is None:
        return ""
    where = f"{graph.index.path_of(made.module)}:{made.call.line}" if made.call.line else \
        graph.index.path_of(made.module)
    return f", for the object `{ir.show(made.call, 80)}` ({where}),"


def skipped_check(graph: Graph, node: DepNode) -> str:
    """A check the method of an object the project made skips for that object: the first `raise` or call statement
    under a test of what `__init__` stored that is false for it (`if self._auto_enforce: await
    context.enforce()`), as "the check at line N runs only if `test`, false for this object, so "; "" when none."""
    func, made = node.func, node.instance
    if func is None or made is None or node.func_module is None or not func.params:
        return ""
    this = BoundParam(func.qualname, func.params[0].name, ir.Bound(made.call, made.where()))
    ctx = Ctx(node.func_module, func.qualname, (this,))
    sites: list[Raise | Effect] = [*func.raises, *func.effects]
    for site in sorted(sites, key=lambda s: s.line):
        for cond in site.conditions:
            if is_marker(cond) or f"{func.params[0].name}." not in ir.show(cond, 200):
                continue
            if graph.index.truth(cond, ctx) is False:
                return f"the check at line {site.line} runs only if `{ir.show(cond, 60)}`, false for this object, so "
    return ""
