"""The package's layering, read from the source: the pipeline's stages import only earlier stages, and no
modules import each other in a cycle. For the stages every import counts: module level, inside functions,
and under `if TYPE_CHECKING:` (a type from a later stage is a dependency on it too); for cycles, what
importing a module runs (not a function's deferred import, not a type-only import).

Stages, in order: the shared plain data (`model.py`, `vocabulary.py`), files/ -> parsing/ -> facts/ ->
project/ -> routes/ -> auth/ -> rules/ -> intent/ -> report/, then the drivers (api.py, fix/, cli.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import routeguard_lint

PACKAGE = Path(routeguard_lint.__file__).parent

# The rank of each part of the package (the most specific prefix wins). Equal ranks may import each other.
STAGES: dict[str, int] = {
    "routeguard_lint": 0,  # __init__: the version
    "routeguard_lint.model": 0,
    "routeguard_lint.vocabulary": 0,
    "routeguard_lint.files": 1,
    "routeguard_lint.parsing": 2,
    "routeguard_lint.facts": 3,
    "routeguard_lint.project": 4,
    "routeguard_lint.routes": 5,
    "routeguard_lint.auth": 6,
    "routeguard_lint.fix.codemod": 7,  # the LibCST toolkit the rules' autofixes are written with
    "routeguard_lint.rules": 8,
    "routeguard_lint.intent": 9,
    "routeguard_lint.report": 10,
    "routeguard_lint.fix.plan": 10,  # which fixes apply: a pure function of the result (api counts them)
    "routeguard_lint.api": 11,
    "routeguard_lint.fix": 12,  # applying the fixes: runs the analysis
    "routeguard_lint.cli": 13,
    "routeguard_lint.__main__": 14,
}

# Imports of a later stage that predate this test, each with the reason it is still there. The test fails
# when one of them is gone, so that the list only shrinks.
KNOWN_LATER_IMPORTS: dict[tuple[str, str], str] = {
    ("routeguard_lint.facts.ir", "routeguard_lint.project.index"):
        "type only: ir.Bound's context is an index.Ctx (Ctx could live with the IR)",
    ("routeguard_lint.parsing.relevance", "routeguard_lint.facts.ir"):
        "the relevance scan of parsed modules reads their facts (it runs after extraction)",
    ("routeguard_lint.parsing.relevance", "routeguard_lint.facts.extract"):
        "type only: the relevance scan of parsed modules reads their facts",
    ("routeguard_lint.facts.cache", "routeguard_lint.report._common"):
        "the cache sanitises paths for its messages as the reporters do",
    ("routeguard_lint.intent.baseline", "routeguard_lint.report._common"):
        "a baseline is written in the reporters' finding order",
    ("routeguard_lint.rules.rg012_unused_suppression", "routeguard_lint.intent.suppress"):
        "RG012 reports the suppressions intent/ parsed",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
TREES: dict[Path, ast.Module] = {path: ast.parse(path.read_text(encoding="utf-8")) for path in MODULES.values()}


def _type_checking(node: ast.AST) -> bool:
    """`if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`)."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST, all_imports: bool) -> list[ast.Import | ast.ImportFrom]:
    """The import statements of a module; with `all_imports=False`, only those that run when the module is
    imported (not the deferred ones inside functions, not those under `if TYPE_CHECKING:`)."""
    out: list[ast.Import | ast.ImportFrom] = []
    todo = list(ast.iter_child_nodes(tree))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            out.append(node)
        elif all_imports or not (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                                 or _type_checking(node)):
            todo.extend(ast.iter_child_nodes(node))
    return out


def _imports(name: str, path: Path, all_imports: bool = True) -> set[str]:
    """The package's modules `name` imports (a `from package import module` counts as the module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in _import_nodes(TREES[path], all_imports):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        out.update(t for t in targets if t in MODULES and t != name)
    return out


GRAPH: dict[str, set[str]] = {name: _imports(name, path) for name, path in MODULES.items()}
# what importing a module imports (a function's deferred import of a module that imports this one, like
# facts/extract.py loading the LibCST walker on first use, is no cycle; nor is a type-only import)
IMPORT_TIME: dict[str, set[str]] = {name: _imports(name, path, all_imports=False) for name, path in MODULES.items()}


def _stage(name: str) -> int:
    prefix = max((p for p in STAGES if name == p or name.startswith(p + ".")), key=len)
    return STAGES[prefix]


def test_every_module_has_a_stage() -> None:
    assert all(any(name == p or name.startswith(p + ".") for p in STAGES) for name in MODULES)
    assert "routeguard_lint.routes.build" in MODULES and "routeguard_lint.auth.judge" in MODULES


def test_no_stage_imports_a_later_stage() -> None:
    later = {(name, target) for name, targets in GRAPH.items() for target in targets
             if _stage(target) > _stage(name)}
    assert later - set(KNOWN_LATER_IMPORTS) == set()
    assert set(KNOWN_LATER_IMPORTS) - later == set(), "a known exception is gone: take it off the list"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_no_import_cycles() -> None:
    assert _cycles(IMPORT_TIME) == []


def test_the_checks_see_a_violation() -> None:
    """The two checks on a made-up graph: routes importing auth, and a cycle through it."""
    graph = {"routeguard_lint.routes.x": {"routeguard_lint.auth.y"}, "routeguard_lint.auth.y": set()}
    assert [(a, b) for a, targets in graph.items() for b in targets if _stage(b) > _stage(a)] == [
        ("routeguard_lint.routes.x", "routeguard_lint.auth.y")]
    graph["routeguard_lint.auth.y"] = {"routeguard_lint.routes.x"}
    assert _cycles(graph) == [["routeguard_lint.auth.y", "routeguard_lint.routes.x"]]
    assert _imports("routeguard_lint.routes.build", MODULES["routeguard_lint.routes.build"]) >= {
        "routeguard_lint.routes.model", "routeguard_lint.routes.expand", "routeguard_lint.project.index"}
