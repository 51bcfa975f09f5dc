"""The machinery the rules' autofixes share: one file's LibCST tree, the nodes findings point at, edits and
the imports they need, and what the fixes need to know about the project (its security schemes).

A rule's fix (`fix(finding, file) -> str` beside the rule, see `rules/__init__.py`) finds the node its
finding reported with `file.sites(...)`, checks that rewriting it cannot change what the program does beyond
the fix itself (else it raises `Unfixable` with the reason), registers the rewrite with `file.edit(...)`
and any import with `file.need_import(...)`, and returns a one-line description of the change. Edits are
applied, and imports placed in the file's own layout and order, when `FileFix.result()` is called;
fix/apply.py checks the result before anything is written.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import ImportRef, ModuleFacts
from routeguard_lint.model import Finding
from routeguard_lint.parsing.source import parse_text
from routeguard_lint.project.index import ClassV, Ctx, ExternalV, Index, InstanceV, LiteralV, SiteKey, UnknownV
from routeguard_lint.routes.model import Graph
from routeguard_lint.vocabulary import SCHEME_NAMES, is_fastapi_name

# Which fastapi.security schemes give a handler what: a plain `str` credential, or a credentials object.
TOKEN_SCHEMES = frozenset({"OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer"})
KEY_SCHEMES = frozenset({"APIKeyHeader", "APIKeyCookie"})
# module-level instances that count as "the project's scheme" for RG003 (more than one: ambiguous)
CANDIDATE_SCHEMES = TOKEN_SCHEMES | KEY_SCHEMES | {"HTTPBearer", "OAuth2", "OpenIdConnect"}
# schemes whose call returns the credential as a `str`
STR_SCHEMES = TOKEN_SCHEMES | KEY_SCHEMES | {"APIKeyQuery"}
# credential objects and their `str` fields
CREDENTIAL_OBJECTS = {
    "HTTPAuthorizationCredentials": frozenset({"scheme", "credentials"}),
    "HTTPBasicCredentials": frozenset({"username", "password"}),
    "OAuth2PasswordRequestForm": frozenset({"username", "password"}),
    "OAuth2PasswordRequestFormStrict": frozenset({"username", "password"}),
}
OBJECT_SCHEMES = {"HTTPBearer": "HTTPAuthorizationCredentials", "HTTPDigest": "HTTPAuthorizationCredentials",
                  "HTTPBasic": "HTTPBasicCredentials"}

N = TypeVar("N", bound=cst.CSTNode)
Edit = Callable[[Any], cst.CSTNode]  # the updated node (of the edited node's type) -> its replacement
Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement  # what a module's body holds


class Unfixable(Exception):
    """A fix that must not be made; the message says why (shown as "not fixed: ...")."""


@dataclass
class Site:
    """A node a finding may point at, with where it is."""

    node: cst.CSTNode
    lines: frozenset[int]  # lines a finding on this node may name (its first line, its opening parentheses')
    scope: str | None  # qualname of the innermost function (None at module or class level)
    stack: tuple[tuple[str, str, cst.CSTNode], ...]  # enclosing ("func" | "class", name, node), outermost first
    start: CodePosition  # where the node starts (a parameter: its name), line 1-based, column 0-based


class Scan(cst.CSTVisitor):
    """Params, calls and comparisons of a module with their lines and scopes."""

    def __init__(self, positions: Mapping[cst.CSTNode, CodeRange]):
        self.pos = positions
        self.stack: list[tuple[str, str, cst.CSTNode]] = []
        self.lambdas = 0
        self.params: list[Site] = []
        self.calls: list[Site] = []
        self.compares: list[Site] = []

    def _scope(self) -> str | None:
        if not self.stack or self.stack[-1][0] != "func":
            return None
        return ".".join(name for _kind, name, _node in self.stack)

    def _lines(self, node: cst.CSTNode) -> frozenset[int]:
        lines = {self.pos[node].start.line}
        for paren in getattr(node, "lpar", ()):
            if paren in self.pos:
                lines.add(self.pos[paren].start.line)
        return frozenset(lines)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stack.append(("func", node.name.value, node))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.stack.append(("class", node.name.value, node))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.stack.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.lambdas += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.lambdas -= 1

    def visit_Param(self, node: cst.Param) -> None:
        if self.lambdas or not self.stack or self.stack[-1][0] != "func":
            return
        start = self.pos[node.name].start
        self.params.append(Site(node, frozenset({start.line}), self._scope(), tuple(self.stack), start))

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(Site(node, self._lines(node), self._scope(), tuple(self.stack), self.pos[node].start))

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self.compares.append(Site(node, self._lines(node), self._scope(), tuple(self.stack), self.pos[node].start))


@dataclass
class Import:
    """An import a fix needs: `from module import name` (level > 0: relative), or `import module`."""

    module: str
    name: str | None
    level: int = 0
    group: int = 2  # 1 standard library, 2 third party, 3 the project




# ------------------------------------------------------------------------------------- the project


@dataclass(frozen=True)
class Scheme:
    module: str
    name: str
    cls: str  # the fastapi.security class (or the one a project subclass derives from)
    optional: bool  # auto_error=False
    own_call: bool  # a project subclass that defines its own __call__
    key: SiteKey  # the allocation site of the scheme object (InstanceV.key)


class Project:
    """What the fixes need to know about the whole project, read from the analysis' graph."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.index: Index = graph.index
        self.by_path: dict[str, ModuleFacts] = {f.path: f for f in self.index.modules}
        self.schemes = self._schemes()
        self._imports_memo: dict[str, set[str]] = {}

    # -- schemes ---------------------------------------------------------------------------------------
    def scheme_class(self, cls: object) -> tuple[str, bool] | None:
        """(fastapi.security class name, defines its own __call__) for a scheme class."""
        if isinstance(cls, ExternalV):
            if is_fastapi_name(cls.qualname, SCHEME_NAMES):
                return cls.qualname.rsplit(".", 1)[-1], False
            return None
        if isinstance(cls, ClassV):
            for base in self.index.external_bases(cls):
                if is_fastapi_name(base, SCHEME_NAMES):
                    own = any((cdef := self.index.cls(c)) is not None and "__call__" in cdef.methods
                              for c in self.index.mro(cls))
                    return base.rsplit(".", 1)[-1], own
        return None

    def scheme_of(self, expr: ir.Expr | None, ctx: Ctx) -> Scheme | None:
        value = self.index.resolve(expr, ctx) if expr is not None else None
        if not isinstance(value, InstanceV):
            return None
        found = self.scheme_class(value.cls)
        if found is None:
            return None
        cls, own = found
        auto_error = value.call.kwarg("auto_error")
        optional = False
        if auto_error is not None:
            resolved = self.index.resolve(auto_error, Ctx(value.module, value.scope))
            optional = not (isinstance(resolved, LiteralV) and resolved.value is True)
        name = value.key[-1] if value.key and value.key[0] == "global" and isinstance(value.key[-1], str) else ""
        return Scheme(value.module, name, cls, optional, own, value.key)

    def _schemes(self) -> list[Scheme]:
        out: dict[SiteKey, Scheme] = {}
        for facts in self.index.modules:
            if facts.error:
                continue
            for name, expr in facts.assigns.items():
                if not isinstance(expr, ir.Call):
                    continue
                scheme = self.scheme_of(ir.Name(name), Ctx(facts.module))
                if scheme is not None and scheme.key == ("global", facts.module, name):
                    out[scheme.key] = scheme
        return sorted(out.values(), key=lambda s: (s.module, s.name))

    def schemes_in(self, facts: ModuleFacts) -> dict[SiteKey, str]:
        """Scheme instances the module defines or imports: key -> the local name it has there."""
        out: dict[SiteKey, str] = {}
        keys = {s.key for s in self.schemes}
        for scheme in self.schemes:
            if scheme.module == facts.module:
                out[scheme.key] = scheme.name
        for local, ref in sorted(facts.imports.items()):
            if ref.name is None:
                continue
            value = self.index.import_ref(ref)
            if isinstance(value, InstanceV) and value.key in keys:
                out.setdefault(value.key, local)
        return out

    # -- names and imports -----------------------------------------------------------------------------
    def bound(self, facts: ModuleFacts, name: str) -> bool:
        """Whether `name` already means something at module level (a star import from outside the
        project may bind anything)."""
        if name in facts.imports or name in facts.assigns or name in facts.functions or name in facts.classes:
            return True
        for star in facts.star_imports:
            if self.index.module(star) is None:
                return True
            if not isinstance(self.index.global_name(star, name), UnknownV):
                return True
        return False

    def local_name_for(self, facts: ModuleFacts, modules: Iterable[str], name: str) -> str | None:
        """The local name under which the module already imports `module.name` (any of `modules`)."""
        for local, ref in sorted(facts.imports.items()):
            if ref.name == name and ref.module in modules:
                return local
        return None

    def module_imports(self, module: str) -> set[str]:
        """Project modules that importing `module` imports (module-level imports, transitively)."""
        if module in self._imports_memo:
            return self._imports_memo[module]
        seen: set[str] = set()
        todo = [self.index.canonical(module)]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            parts = current.split(".")
            for i in range(1, len(parts)):  # importing a.b.c runs a/__init__ and a/b/__init__ first
                parent = ".".join(parts[:i])
                if self.index.module(parent) is not None:
                    todo.append(self.index.canonical(parent))
            facts = self.index.module(current)
            if facts is None:
                continue
            refs = list(facts.imports.values()) + [ImportRef(s, None) for s in facts.star_imports]
            for ref in refs:
                for candidate in (ref.module, f"{ref.module}.{ref.name}" if ref.name else None):
                    if candidate and self.index.module(candidate) is not None:
                        todo.append(self.index.canonical(candidate))
        self._imports_memo[module] = seen
        return seen

    def is_project_module(self, name: str) -> bool:
        return self.index.module(name) is not None or self.index.module(name.split(".")[0]) is not None



def _statements_at(module: cst.Module, text: str,
                   lines: Iterable[int]) -> list[tuple[Statement, cst.CSTNode, int]] | None:
    """The top-level statements of `module` spanning any of `lines` (decorators included), each with a node
    of it whose line Python's own parser gives (`anchor`) and that line; None when the two parsers' top-level
    statements do not pair up (then the caller scans the whole module)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    wanted = set(lines)
    found: list[tuple[Statement, cst.CSTNode, int]] = []
    body = tree.body
    i = 0
    for statement in module.body:
        count = len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        nodes = body[i:i + count]
        i += count
        if len(nodes) != count:
            return None
        first = nodes[0]
        decorators = getattr(first, "decorator_list", [])
        start = min([first.lineno, *(d.lineno for d in decorators)])
        end = max(n.end_lineno or n.lineno for n in nodes)
        if not any(start <= line <= end for line in wanted):
            continue
        if isinstance(statement, cst.SimpleStatementLine):
            anchor: cst.CSTNode = statement.body[0]
        elif isinstance(statement, cst.FunctionDef | cst.ClassDef):
            anchor = statement.name
        else:
            anchor = statement
        found.append((statement, anchor, first.lineno))
    return found if i == len(body) else None


def _positions_of(module: cst.Module, statement: Statement, anchor: cst.CSTNode,
                  line: int) -> dict[cst.CSTNode, CodeRange]:
    """LibCST's positions of the nodes of one top-level statement, computed on a module holding only it (same
    indentation and line breaks, so columns are the file's) and moved to the file's lines by `anchor`."""
    alone = module.with_changes(body=[statement], header=[], footer=[])
    positions = MetadataWrapper(alone, unsafe_skip_copy=True).resolve(PositionProvider)
    shift = line - positions[anchor].start.line
    return {node: CodeRange(CodePosition(r.start.line + shift, r.start.column),
                            CodePosition(r.end.line + shift, r.end.column))
            for node, r in positions.items() if node is not alone}


class FileFix:
    """One file being fixed: its facts, its LibCST tree, the sites findings can point at, and the pending
    edits and imports."""

    def __init__(self, project: Project, facts: ModuleFacts, source_text: str, lines: Iterable[int] | None = None):
        """`lines`: the lines findings to be fixed name; only the top-level statements holding them are
        scanned for sites (LibCST's positions cost about ten times the parse). None: the whole module."""
        self.project = project
        self.index = project.index
        self.facts = facts
        self.text = source_text
        self.module = parse_text(source_text)
        statements = _statements_at(self.module, source_text, lines) if lines is not None else None
        # the statements scanned, each with its nodes' positions (None: the whole module was)
        self._scanned: list[tuple[Statement, dict[cst.CSTNode, CodeRange]]] | None = None
        if statements is None:
            wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
            self.scan = Scan(wrapper.resolve(PositionProvider))
            self.module.visit(self.scan)
        else:
            self._scanned = [(statement, _positions_of(self.module, statement, anchor, line))
                             for statement, anchor, line in statements]
            positions: dict[cst.CSTNode, CodeRange] = {}
            for _, own in self._scanned:
                positions.update(own)
            self.scan = Scan(positions)
            for statement, _ in self._scanned:
                statement.visit(self.scan)
        self.edits: dict[int, tuple[cst.CSTNode, Edit]] = {}
        self.imports: list[Import] = []

    # -- the node a finding reported -------------------------------------------------------------------
    def sites(self, sites: Sequence[Site], finding: Finding) -> list[Site]:
        """The sites (`self.scan.params`, `.calls`, `.compares`) the finding points at: the ones whose node
        starts exactly where the finding's span starts; when none does (a rule that reports a whole line), the
        ones on the finding's line."""
        on_line = [s for s in sites if finding.line in s.lines]
        exact = [s for s in on_line if (s.start.line, s.start.column + 1) == (finding.line, finding.column)]
        return exact or on_line

    # -- edits -----------------------------------------------------------------------------------------
    def edit(self, node: N, rewrite: Callable[[N], cst.CSTNode]) -> None:
        """Replace `node` by `rewrite(node as updated by the other edits)` in the result."""
        self.edits[id(node)] = (node, rewrite)

    def attempt(self, finding: Finding, fix: Callable[[Finding, FileFix], str]) -> str:
        """Run one rule's fix for one finding: its description, or `Unfixable` (and no edit kept)."""
        edits_before, imports_before = dict(self.edits), list(self.imports)
        try:
            description = fix(finding, self)
            for key, (node, edit) in self.edits.items():
                if key not in edits_before and _node_comments(edit(node)) != _node_comments(node):
                    raise Unfixable("the rewrite would move or drop a comment")
        except Unfixable:
            self.edits, self.imports = edits_before, imports_before
            raise
        return description

    def result(self) -> str:
        """The source with every edit applied and every needed import added."""
        if not self.edits and not self.imports:
            return self.text
        edits = self.edits

        class Replace(cst.CSTTransformer):
            def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
                found = edits.get(id(original_node))
                return found[1](updated_node) if found is not None else updated_node

        touched = self._holding_edits()
        if touched is None:
            module = self.module.visit(Replace())
        else:  # the other statements hold no edit: they stay the very nodes they are
            ids = {id(statement) for statement in touched}
            module = self.module.with_changes(body=[cast(Statement, statement.visit(Replace()))
                                                    if id(statement) in ids else statement
                                                    for statement in self.module.body])
        for needed in self._dedupe(self.imports):
            module = self._add_import(module, needed)
        return module.code

    def _holding_edits(self) -> list[Statement] | None:
        """The scanned top-level statements holding every edited node (None: the whole module was scanned, or
        an edit lies outside them; the whole module is then rewritten)."""
        if self._scanned is None:
            return None
        holding: list[Statement] = []
        for node, _ in self.edits.values():
            statement = next((statement for statement, own in self._scanned if node in own), None)
            if statement is None:
                return None
            if all(statement is not other for other in holding):
                holding.append(statement)
        return holding

    # -- names -----------------------------------------------------------------------------------------
    def bound(self, name: str) -> bool:
        """Whether `name` already means something at module level in this file."""
        return self.project.bound(self.facts, name)

    def local_name_for(self, modules: Iterable[str], name: str) -> str | None:
        """The local name under which this file already imports `module.name` (any of `modules`)."""
        return self.project.local_name_for(self.facts, modules, name)

    def need_import(self, needed: Import) -> None:
        self.imports.append(needed)

    def project_import(self, module: str, name: str) -> Import:
        """`from <module> import name`, relative when the file imports project modules relatively."""
        relative = any(isinstance(s, cst.SimpleStatementLine) and any(
            isinstance(small, cst.ImportFrom) and small.relative for small in s.body) for s in self.module.body)
        if relative:
            package = self.facts.module if self.facts.is_package else self.facts.module.rpartition(".")[0]
            here, there = package.split(".") if package else [], module.split(".")
            common = 0
            while common < min(len(here), len(there)) and here[common] == there[common]:
                common += 1
            if common >= 1:
                level = len(here) - common + 1
                rest = ".".join(there[common:])
                return Import(rest, name, level, 3)
        return Import(module, name, 0, 3)

    # -- imports ---------------------------------------------------------------------------------------
    @staticmethod
    def _dedupe(imports: list[Import]) -> list[Import]:
        out: list[Import] = []
        for item in imports:
            if item not in out:
                out.append(item)
        return out

    def _statement_group(self, statement: cst.BaseStatement) -> int | None:
        """The isort section of a one-import statement (0 __future__, 1 stdlib, 2 third party, 3 the project);
        None for any other statement."""
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return None
        small = statement.body[0]
        if isinstance(small, cst.ImportFrom):
            if small.relative:
                return 3
            name = self.module.code_for_node(small.module) if small.module is not None else ""
        elif isinstance(small, cst.Import):
            name = self.module.code_for_node(small.names[0].name)
        else:
            return None
        if name == "__future__":
            return 0
        root = name.split(".")[0]
        if root in getattr(sys, "stdlib_module_names", ()):
            return 1
        return 3 if self.project.is_project_module(name) else 2

    def _add_import(self, module: cst.Module, needed: Import) -> cst.Module:
        body = list(module.body)
        if needed.name is not None and self._merge_import(body, needed.name, needed):
            return module.with_changes(body=body)
        if needed.name is None:
            code = f"import {needed.module}"
        else:
            code = f"from {'.' * needed.level}{needed.module} import {needed.name}"
        new = cst.parse_statement(code + module.default_newline, config=module.config_for_parsing)
        self._insert_import(body, new, needed.group)
        return module.with_changes(body=body)

    def _merge_import(self, body: list[Statement], name: str, needed: Import) -> bool:
        """Add `name` to an existing module-level `from <module> import ...` (in `body`), if there is one whose
        layout the fix can follow."""
        for i, statement in enumerate(body):
            if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
                continue
            small = statement.body[0]
            if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                continue
            if self._same_module(small, needed):
                merged = add_import_name(small, name)
                if merged is not None:
                    body[i] = statement.with_changes(body=[merged])
                    return True
        return False

    def _insert_import(self, body: list[Statement], new: Statement, group: int) -> None:
        """Insert the import statement `new` of isort section `group` into `body`, in the file's own order."""
        start = 1 if body and _is_docstring(body[0]) else 0
        block: list[tuple[int, int]] = []  # (index, section) of the leading imports
        for i in range(start, len(body)):
            section = self._statement_group(body[i])
            if section is None:
                break
            block.append((i, section))
        blank = cst.EmptyLine()
        same = [i for i, g in block if g == group]
        before = [i for i, g in block if g < group]
        if same:
            # isort's order inside a section: `import x` lines first, then `from x import`, each by module
            key = self._sort_key(new)
            later = [i for i in same if key is not None and (other := self._sort_key(body[i])) is not None
                     and other > key]
            if later:
                at = min(later)
                body.insert(at, new.with_changes(leading_lines=body[at].leading_lines))
                body[at + 1] = body[at + 1].with_changes(leading_lines=[])
            else:
                body.insert(max(same) + 1, new)
        elif before:
            at = max(before) + 1
            body.insert(at, new.with_changes(leading_lines=[blank]))
            follows_in_block = any(i == at for i, _g in block)  # the statement now at at + 1
            if follows_in_block and not body[at + 1].leading_lines:
                body[at + 1] = body[at + 1].with_changes(leading_lines=[blank])
        elif block:
            first = block[0][0]
            body.insert(first, new.with_changes(leading_lines=body[first].leading_lines))
            body[first + 1] = body[first + 1].with_changes(leading_lines=[blank])
        else:
            body.insert(start, new.with_changes(leading_lines=[blank] if start else []))
            if start + 1 < len(body) and not body[start + 1].leading_lines:
                body[start + 1] = body[start + 1].with_changes(leading_lines=[blank])

    def _sort_key(self, statement: cst.BaseStatement) -> tuple[int, str] | None:
        if not isinstance(statement, cst.SimpleStatementLine):
            return None
        small = statement.body[0]
        if isinstance(small, cst.Import):
            return (0, self.module.code_for_node(small.names[0].name).lower())
        if isinstance(small, cst.ImportFrom):
            name = self.module.code_for_node(small.module) if small.module is not None else ""
            return (1, "." * len(small.relative) + name.lower())
        return None

    def _same_module(self, node: cst.ImportFrom, needed: Import) -> bool:
        written = self.module.code_for_node(node.module) if node.module is not None else ""
        absolute_needed = self._absolute(needed.level, needed.module) if needed.level else needed.module
        absolute_written = self._absolute(len(node.relative), written) if node.relative else written
        if needed.group != 3:
            return absolute_written == absolute_needed
        return self.index.canonical(absolute_written) == self.index.canonical(absolute_needed)

    def _absolute(self, level: int, module: str) -> str:
        package = self.facts.module if self.facts.is_package else self.facts.module.rpartition(".")[0]
        base = package.split(".") if package else []
        if level > 1:
            base = base[: len(base) - (level - 1)] if level - 1 <= len(base) else []
        return ".".join(p for p in [*base, module] if p)


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and \
        isinstance(statement.body[0], cst.Expr) and \
        isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


# ------------------------------------------------------------------------------- CST layout helpers

PW = cst.ParenthesizedWhitespace


def _has_comment(ws: object) -> bool:
    return isinstance(ws, PW) and (ws.first_line.comment is not None or
                                   any(e.comment is not None for e in ws.empty_lines))


def _clean(ws: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The same line break and indentation, without the comment and blank lines (to copy it)."""
    if isinstance(ws, PW):
        return ws.with_changes(first_line=cst.TrailingWhitespace(newline=ws.first_line.newline), empty_lines=[])
    return ws


def _empty(ws: object) -> bool:
    return isinstance(ws, cst.SimpleWhitespace) and ws.value == ""


_S = TypeVar("_S")


class _Separated(Protocol):
    """An element of a bracketed, comma-separated list: an argument, a dict element, an imported name."""

    @property
    def comma(self) -> cst.Comma | cst.MaybeSentinel: ...

    def with_changes(self: _S, **changes: Any) -> _S: ...


E = TypeVar("E", bound=_Separated)
Whitespace = cst.BaseParenthesizableWhitespace


def _separator(elements: Sequence[_Separated], opening: Whitespace) -> Whitespace:
    """The whitespace that follows a comma between two elements of this bracket."""
    for element in elements[:-1]:
        if isinstance(element.comma, cst.Comma):
            return _clean(element.comma.whitespace_after)
    if isinstance(opening, PW):
        return _clean(opening)
    return cst.SimpleWhitespace(" ")


def _append(elements: list[E], new: E, opening: Whitespace, closing: Whitespace) -> tuple[list[E], Whitespace] | None:
    """Append `new` after the last element in the bracket's own layout (one per line stays one per
    line, a trailing comma stays, a comment after the last element stays on its line).
    Returns (elements, closing whitespace), or None for a layout it cannot follow."""
    if not elements:
        return [new], closing
    last = elements[-1]
    comma = last.comma if isinstance(last.comma, cst.Comma) else None
    in_comma = comma is not None and not _empty(comma.whitespace_after)
    tail = comma.whitespace_after if comma is not None and in_comma else closing
    sep = _separator(elements, opening)
    after_last: Whitespace
    if isinstance(tail, PW) and _has_comment(tail):
        if not isinstance(sep, PW):
            return None
        after_last = sep.with_changes(first_line=tail.first_line, empty_lines=tail.empty_lines)
        tail = _clean(tail)
    else:
        after_last = sep
    new_last = last.with_changes(comma=cst.Comma(
        whitespace_before=comma.whitespace_before if comma else cst.SimpleWhitespace(""),
        whitespace_after=after_last))
    if comma is not None:
        new = new.with_changes(comma=comma.with_changes(whitespace_after=tail if in_comma else comma.whitespace_after))
    return [*elements[:-1], new_last, new], (closing if in_comma else tail)


def _insert(elements: list[E], index: int, new: E, opening: Whitespace) -> list[E]:
    """Insert `new` before elements[index] (index < len(elements))."""
    sep = _separator(elements, opening) if len(elements) > 1 else (
        _clean(opening) if isinstance(opening, PW) else cst.SimpleWhitespace(" "))
    new = new.with_changes(comma=cst.Comma(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=sep))
    return [*elements[:index], new, *elements[index:]]


def append_arg(call: cst.Call, arg: cst.Arg) -> cst.Call | None:
    """`call` with `arg` appended in the call's own layout; None when the layout is not one to follow."""
    args = list(call.args)
    closing = args[-1].whitespace_after_arg if args else cst.SimpleWhitespace("")
    done = _append(args, arg, call.whitespace_before_args, closing)
    if done is None:
        return None
    args, closing = done
    if len(args) > 1:
        args[-2] = args[-2].with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
    args[-1] = args[-1].with_changes(whitespace_after_arg=closing)
    return call.with_changes(args=args)


def append_dict(node: cst.Dict, element: cst.DictElement) -> cst.Dict | None:
    """The dict literal with `element` appended in its own layout; None when the layout is not one to follow."""
    elements: list[cst.BaseDictElement] = list(node.elements)
    done = _append(elements, element, node.lbrace.whitespace_after, node.rbrace.whitespace_before)
    if done is None:
        return None
    elements, closing = done
    return node.with_changes(elements=elements, rbrace=node.rbrace.with_changes(whitespace_before=closing))


def _import_order(name: str) -> tuple[int, str]:
    """isort's default order inside `from x import ...`: CONSTANTS, Classes, functions."""
    rank = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return (rank, name.lower())


def _position(existing: list[str], name: str) -> int:
    """Where `name` goes among the names a `from x import ...` lists: in their order (isort's, or plain
    case-insensitive), else at the end."""
    if existing == sorted(existing, key=_import_order):
        return sum(1 for e in existing if _import_order(e) < _import_order(name))
    if existing == sorted(existing, key=str.lower):
        return sum(1 for e in existing if e.lower() < name.lower())
    return len(existing)


def add_import_name(node: cst.ImportFrom, name: str) -> cst.ImportFrom | None:
    """`from x import a, b` with `name` added in the statement's order and layout; None when it cannot be."""
    if isinstance(node.names, cst.ImportStar):
        return None
    names = list(node.names)
    alias = cst.ImportAlias(name=cst.Name(name))
    opening = node.lpar.whitespace_after if node.lpar else cst.SimpleWhitespace(" ")
    position = _position([a.evaluated_name for a in names], name)
    if position < len(names):
        return node.with_changes(names=_insert(names, position, alias, opening))
    closing = node.rpar.whitespace_before if node.rpar else cst.SimpleWhitespace("")
    done = _append(names, alias, opening, closing)
    if done is None:
        return None
    names, closing = done
    if node.rpar:
        return node.with_changes(names=names, rpar=node.rpar.with_changes(whitespace_before=closing))
    if isinstance(names[-1].comma, cst.Comma):  # no parentheses: no trailing comma possible
        names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return node.with_changes(names=names)


def source_comments(text: str) -> list[str] | None:
    """Every comment of a source, sorted (None when it does not tokenize)."""
    try:
        return sorted(t.string for t in tokenize.generate_tokens(io.StringIO(text).readline)
                      if t.type == tokenize.COMMENT)
    except (tokenize.TokenError, SyntaxError):
        return None


def _node_comments(node: cst.CSTNode) -> list[str]:
    found: list[str] = []

    class Comments(cst.CSTVisitor):
        def visit_Comment(self, comment: cst.Comment) -> None:
            found.append(comment.value)
    node.visit(Comments())
    return sorted(found)


