"""Folders a project's own code puts on `sys.path`.

A module may extend the import search path before its imports run::

    sys.path.insert(0, os.path.abspath(os.path.dirname(os.path.dirname(__file__))))
    from server.websocket_manager import WebSocketManager      # backend/server/websocket_manager.py

From then on, Python finds a module below that folder by its name relative to it, even when the folder is
itself a regular package (then the same file is importable under two names: `backend.server.websocket_manager`
from the project root, `server.websocket_manager` from the inserted entry). The folders are computed from
`__file__` the way the code computes them: `os.path.dirname`/`abspath`/`realpath`/`normpath`/`join`, `str()`
and `os.fspath()`, `pathlib.Path(...)` with `.parent`, `.parents[k]`, `.resolve()`, `.absolute()` and `/`,
string literals, and names assigned one such value earlier in the same scope. A path the code builds from
anything else (the working directory, the environment) is not guessed.

Only the files whose bytes mention `sys.path` are parsed here (with `ast`: this stage runs before LibCST).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

Rel = tuple[str, ...]  # a path relative to the project root, as its parts

_FOLDER_KEEPING = frozenset({"abspath", "realpath", "normpath", "fspath", "str", "Path", "PurePath",
                             "PosixPath", "resolve", "absolute", "expanduser"})


def inserted_folders(data: bytes, rel: Rel) -> list[Rel]:
    """The folders (relative to the project root) that `sys.path.insert(i, p)` / `sys.path.append(p)` calls in
    the file at `rel` add, where `p` is computed from `__file__`; a folder above the project root is left out."""
    if b"sys.path" not in data:
        return []
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return []  # reported by the parse stage (RG000)
    out: list[Rel] = []
    for body in _scopes(tree):
        names: dict[str, Rel | None] = {}
        for node in _statements(body):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                names[node.targets[0].id] = _value(node.value, rel, names)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                names[node.target.id] = _value(node.value, rel, names)
            for call in _calls(node):
                added = _inserted(call)
                if added is not None:
                    folder = _value(added, rel, names)
                    if folder is not None and folder not in out:
                        out.append(folder)
    return out


def _scopes(tree: ast.Module) -> Iterator[Sequence[ast.stmt]]:
    """The module's body and every function's body (each is a scope of its own for assigned names)."""
    yield tree.body
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.body


def _statements(body: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of one scope in order, into `if`/`try`/`with`/`for` blocks but not into nested defs."""
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        yield stmt
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                yield from _statements(inner)
        for handler in getattr(stmt, "handlers", ()):
            yield from _statements(handler.body)


def _calls(stmt: ast.stmt) -> Iterator[ast.Call]:
    """The call an expression statement makes (`sys.path.insert(...)` on a line of its own)."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        yield stmt.value


def _inserted(call: ast.Call) -> ast.expr | None:
    """The path argument of `sys.path.insert(i, p)` / `sys.path.append(p)`; None for any other call."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute)
            and func.value.attr == "path" and isinstance(func.value.value, ast.Name) and func.value.value.id == "sys"):
        return None
    if func.attr == "insert" and len(call.args) == 2:
        return call.args[1]
    if func.attr == "append" and len(call.args) == 1:
        return call.args[0]
    return None


def _value(expr: ast.expr, rel: Rel, names: dict[str, Rel | None]) -> Rel | None:
    """The path `expr` computes, relative to the project root (the file itself for `__file__`); None when it is
    not computed from `__file__` alone or leaves the project."""
    if isinstance(expr, ast.Name):
        if expr.id == "__file__":
            return rel
        return names.get(expr.id)
    if isinstance(expr, ast.Call):
        name = _callee(expr.func)
        if isinstance(expr.func, ast.Attribute) and name in {"resolve", "absolute", "expanduser"} and not expr.args:
            return _value(expr.func.value, rel, names)
        if name in _FOLDER_KEEPING and len(expr.args) == 1 and not expr.keywords:
            return _value(expr.args[0], rel, names)
        if name == "dirname" and len(expr.args) == 1:
            inner = _value(expr.args[0], rel, names)
            return inner[:-1] if inner else None
        if name == "join" and expr.args:
            return _joined(_value(expr.args[0], rel, names), expr.args[1:])
        return None
    if isinstance(expr, ast.Attribute) and expr.attr == "parent":
        inner = _value(expr.value, rel, names)
        return inner[:-1] if inner else None
    if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Attribute) and expr.value.attr == "parents":
        index = expr.slice
        if isinstance(index, ast.Constant) and isinstance(index.value, int) and index.value >= 0:
            inner = _value(expr.value.value, rel, names)
            k = index.value + 1
            return inner[:-k] if inner is not None and len(inner) >= k else None
        return None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
        return _joined(_value(expr.left, rel, names), [expr.right])
    return None


def _callee(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _joined(base: Rel | None, parts: Sequence[ast.expr]) -> Rel | None:
    """`base` followed by literal path segments (`".."` goes up; leaving the project root gives None)."""
    if base is None:
        return None
    out = list(base)
    for part in parts:
        if not (isinstance(part, ast.Constant) and isinstance(part.value, str)) or part.value.startswith("/"):
            return None
        for segment in part.value.split("/"):
            if segment in {"", "."}:
                continue
            if segment == "..":
                if not out:
                    return None
                out.pop()
            else:
                out.append(segment)
    return tuple(out)
