"""Exact source spans for findings: the literal, the comparison, the `raise`, the `Security(...)` call, the
`jwt.decode(...)` call -- so GitHub annotations and SARIF regions highlight the offending expression, not the
first column of its line.

The per-module facts keep lines only (they are cheap to compute and to cache). For the few findings that
need a span, the file is read again and parsed with CPython's own `ast` parser (fast, never runs the code),
once per file per run; positions are converted from UTF-8 byte offsets to the code-point columns the model
uses (1-based, end exclusive). When the file cannot be read or parsed again, or no node on the line fits,
the span is the line's text without its indentation -- never a wrong place.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from routeguard_lint.routes.model import Graph

N = TypeVar("N", bound=ast.AST)


@dataclass(frozen=True)
class Span:
    line: int
    column: int  # 1-based
    end_line: int
    end_column: int  # 1-based, exclusive


class _File:
    def __init__(self, path: str) -> None:
        from routeguard_lint.parsing.source import ParseFailure, decode, read_source, source_lines

        self.lines: list[str] = []
        self.tree: ast.AST | None = None
        self.starting: dict[int, list[ast.AST]] = {}
        try:
            text = decode(read_source(path))
        except (OSError, ValueError, ParseFailure):
            return
        self.lines = source_lines(text)
        try:
            self.tree = ast.parse(text, filename=path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        for node in ast.walk(self.tree):
            lineno = getattr(node, "lineno", None)
            if lineno is not None and getattr(node, "end_lineno", None) is not None:
                self.starting.setdefault(lineno, []).append(node)
        for nodes in self.starting.values():
            nodes.sort(key=lambda n: (getattr(n, "col_offset", 0), -(getattr(n, "end_lineno", 0) or 0),
                                      -(getattr(n, "end_col_offset", 0) or 0)))

    def _column(self, line: int, byte_offset: int) -> int:
        if not 1 <= line <= len(self.lines):
            return byte_offset + 1
        raw = self.lines[line - 1].encode("utf-8", "surrogatepass")
        return len(raw[:byte_offset].decode("utf-8", "replace")) + 1

    def span(self, node: ast.AST) -> Span:
        line, end_line = node.lineno, node.end_lineno or node.lineno  # type: ignore[attr-defined]
        return Span(line, self._column(line, node.col_offset),  # type: ignore[attr-defined]
                    end_line, self._column(end_line, node.end_col_offset or 0))  # type: ignore[attr-defined]

    def line_span(self, line: int) -> Span:
        if not 1 <= line <= len(self.lines):
            return Span(line, 1, line, 2)
        text = self.lines[line - 1]
        start = len(text) - len(text.lstrip())
        end = max(len(text.rstrip()), start + 1)
        return Span(line, start + 1, line, end + 1)

    def nodes(self, line: int, kind: type[N], where: Callable[[N], bool] = lambda n: True) -> list[N]:
        return [n for n in self.starting.get(line, ()) if isinstance(n, kind) and where(n)]


def _files(graph: Graph) -> dict[str, _File]:
    return graph.__dict__.setdefault("_source_spans", {})  # one run's cache: never stale across runs


def source(graph: Graph, path: str) -> _File:
    files = _files(graph)
    if path not in files:
        files[path] = _File(path)
    return files[path]


def _name(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:
        return ""


def _last(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _pick(candidates: Iterable[N], prefer: Callable[[N], bool] | None = None) -> N | None:
    items = list(candidates)
    if prefer is not None:
        preferred = [n for n in items if prefer(n)]
        if preferred:
            return preferred[0]
    return items[0] if items else None


def comparison(graph: Graph, path: str, line: int, op: str, credential: str, *, other_side: bool) -> Span:
    """A credential comparison on `line`: the whole comparison (`other_side` False), or the operand the
    credential is compared against -- the literal or constant -- (`other_side` True). `op` is the
    comparison's operator, `compare_digest`, or `jwt-key` (then the key argument of the JWT call)."""
    file = source(graph, path)
    if op in ("compare_digest", "jwt-key"):
        if op == "compare_digest":
            call = _pick(file.nodes(line, ast.Call, lambda n: _last(n.func) == "compare_digest"))
        else:
            call = _pick(file.nodes(line, ast.Call, lambda n: _name(n.func).endswith(credential)),
                         ) or _pick(file.nodes(line, ast.Call, lambda n: _last(n.func) == credential.rsplit(".")[-1]))
        if call is None:
            return file.line_span(line)
        if not other_side:
            return file.span(call)
        if op == "jwt-key":
            keyword = next((k.value for k in call.keywords if k.arg == "key"), None)
            literal = next((a for a in call.args if isinstance(a, ast.Constant)
                            and isinstance(a.value, (str, bytes))), None)
            target = keyword or literal or (call.args[1] if len(call.args) > 1 else None)
        else:
            target = next((a for a in call.args[:2] if _name(a) != credential), None)
        return file.span(target) if target is not None else file.span(call)
    ops = {"==": ast.Eq, "!=": ast.NotEq, "in": ast.In, "not in": ast.NotIn}
    kind = ops.get(op)
    found = file.nodes(line, ast.Compare, lambda n: kind is None or any(isinstance(o, kind) for o in n.ops))
    node = _pick(found, lambda n: credential in {_name(x) for x in (n.left, *n.comparators)})
    if node is None:
        return file.line_span(line)
    if not other_side:
        return file.span(node)
    operands = [node.left, *node.comparators]
    other = next((x for x in operands if _name(x) != credential), None)
    return file.span(other) if other is not None else file.span(node)


def raise_statement(graph: Graph, path: str, line: int) -> Span:
    """The `raise` on `line` (the whole statement), else the exception's construction there."""
    file = source(graph, path)
    node = _pick(file.nodes(line, ast.Raise))
    if node is not None:
        return file.span(node)
    call = _pick(file.nodes(line, ast.Call), lambda n: _last(n.func).endswith("Exception"))
    return file.span(call) if call is not None else file.line_span(line)


def return_statement(graph: Graph, path: str, line: int) -> Span:
    file = source(graph, path)
    node = _pick(file.nodes(line, ast.Return))
    return file.span(node) if node is not None else file.line_span(line)


def call(graph: Graph, path: str, line: int, func: str, *, column: int = 0,
         where: Callable[[ast.Call], bool] | None = None) -> Span:
    """The call of `func` (its source text, e.g. `jwt.decode`, or its last name) on `line`, the first at or
    after `column` when several are there."""
    file = source(graph, path)
    last = func.rsplit(".", 1)[-1]
    candidates = file.nodes(line, ast.Call, lambda n: (_name(n.func) == func or _last(n.func) == last)
                            and (where is None or where(n)))
    node = _pick(candidates, lambda n: file.span(n).column >= column and _name(n.func) == func) or \
        _pick(candidates, lambda n: file.span(n).column >= column)
    return file.span(node) if node is not None else file.line_span(line)


__all__ = ["Span", "call", "comparison", "raise_statement", "return_statement", "source"]
