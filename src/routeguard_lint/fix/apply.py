"""Safe autofixes: LibCST codemods for RG003, RG005 and RG006 that keep formatting and comments.

`run_fixes(paths, ...)` analyses the project, re-parses only the files that hold a fixable finding
(`parse.parse_text`), rewrites exactly the nodes those findings point at, and analyses again with the
rewritten sources (in memory) until nothing more is fixed: a fix can make another one possible (a token
read from a scheme is a credential, so its comparison becomes an RG005 finding). Nothing is written
here; `write_changes()` writes, `unified_diff()` shows.

A finding is fixed only when the rewrite cannot change what the program does beyond the fix itself;
every other case is reported as skipped with the reason:

- RG003 credential-in-query: a required `token`/`access_token`/`api_key` parameter (annotated `str` or not
  annotated) becomes `Annotated[str, Depends(<scheme>)]` when the file already writes parameters in the
  `Annotated` style, else `= Depends(<scheme>)`. The scheme is the project's only module-level
  `OAuth2PasswordBearer`/`OAuth2AuthorizationCodeBearer` (token names) or `APIKeyHeader`/`APIKeyCookie`
  (key names) instance, or the one of several that the file already imports. Not fixed: a parameter with a
  default (optional: making it required changes who can call), passwords, secrets, sessions, refresh tokens
  (not what a bearer scheme carries), several candidate schemes and none imported in the file, an
  `HTTPBearer` scheme (it yields `HTTPAuthorizationCredentials`, not the `str` the code expects), a scheme
  with `auto_error=False` or a subclass with its own `__call__`, a default that would precede a parameter
  without one, an import that would create an import cycle or shadow another name.
- RG006 missing-www-authenticate: adds `headers={"WWW-Authenticate": "Bearer"}` (`Basic` when the project's
  scheme is `HTTPBasic`) to the `HTTPException(...)` call, or the key to a `headers={...}` literal, or
  replaces `headers=None`. Not fixed: `headers=` that is not a dict literal, a project mixing `HTTPBasic`
  with token schemes where the file does not say which one it uses.
- RG005 timing-unsafe-compare: `a == b` -> `secrets.compare_digest(a.encode(), b.encode())`, `a != b` ->
  `not secrets.compare_digest(...)`, only for a single `==`/`!=` whose two sides are plain names, attributes
  or subscripts and are both known to be `str` (a `str` annotation, a scheme or header credential, a
  settings attribute annotated `str`, `os.environ[...]`), or both `bytes` (then without `.encode()`).
  `compare_digest` raises `TypeError` for a `None`, for `str` against `bytes` and for a `str` with
  non-ASCII characters; the operands are encoded so a client cannot turn a 401 into a 500 with a
  non-ASCII header, and nothing is rewritten when a side may be `None`, `SecretStr`, a number or unknown.

Every rewritten file is checked before it counts: it must parse (LibCST and CPython's compiler, which
never runs it), keep every comment, and differ from the original only by the fixes.
"""

from __future__ import annotations

import codecs
import difflib
import io
import os
import re
import stat
import sys
import tempfile
import tokenize
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import ImportRef, ModuleFacts, Param, to_ir
from routeguard_lint.routes.graph import ANNOTATED, DEPENDS, SCHEME_NAMES, SECURITY, Graph, is_fastapi_name, walk
from routeguard_lint.project.index import ClassV, Ctx, ExternalV, Index, InstanceV, LiteralV, ModuleV, UnknownV
from routeguard_lint.model import Finding, Result
from routeguard_lint.parsing.source import ParseFailure, decode, parse_text
from routeguard_lint.report._common import sanitize

FIXABLE = ("RG003", "RG005", "RG006")
MAX_ROUNDS = 4

# RG003: which parameters a scheme can stand in for, and which schemes give them a plain `str`.
TOKEN_PARAM = re.compile(r"^(token|access_?token|auth_?token|bearer_?token|bearer|jwt|jwt_?token|api_?token)$",
                         re.IGNORECASE)
KEY_PARAM = re.compile(r"^(api_?key|apikey|x_?api_?key|api_?token)$", re.IGNORECASE)
TOKEN_SCHEMES = frozenset({"OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer"})
KEY_SCHEMES = frozenset({"APIKeyHeader", "APIKeyCookie"})
# module-level instances that count as "the project's scheme" for RG003 (more than one: ambiguous)
CANDIDATE_SCHEMES = TOKEN_SCHEMES | KEY_SCHEMES | {"HTTPBearer", "OAuth2", "OpenIdConnect"}
# schemes whose call returns the credential as a `str` (RG005 typing)
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
REQUEST_CLASSES = frozenset({"Request", "HTTPConnection", "WebSocket"})
PARAM_MARKERS = frozenset({"Header", "Cookie", "Query", "Path", "Body", "Form", "File"})
ENV_GETTERS = frozenset({"os.getenv", "os.environ.get"})


# ----------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Applied:
    rule_id: str
    path: str
    line: int  # in the file as it was when the fix was planned
    description: str


@dataclass(frozen=True)
class Skipped:
    rule_id: str
    path: str
    line: int
    reason: str


@dataclass
class Source:
    """A file as read from disk, with what is needed to write it back the same way."""

    path: str  # display path
    data: bytes
    text: str
    encoding: str
    bom: bool

    def encode(self, text: str) -> bytes:
        return (codecs.BOM_UTF8 if self.bom else b"") + text.encode(self.encoding)


@dataclass
class FixOutcome:
    changes: dict[str, tuple[Source, str]] = field(default_factory=dict)  # path -> (original, fixed text)
    applied: list[Applied] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # fixable findings left as they are (last round)
    result: Result | None = None  # the analysis of the fixed sources
    rounds: int = 0


def read_source(path: str) -> Source:
    with open(path, "rb") as handle:
        data = handle.read()
    text = decode(data)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    return Source(path, data, text, encoding, data.startswith(codecs.BOM_UTF8))


# ------------------------------------------------------------------------------------- the project


@dataclass(frozen=True)
class Scheme:
    module: str
    name: str
    cls: str  # the fastapi.security class (or the one a project subclass derives from)
    optional: bool  # auto_error=False
    own_call: bool  # a project subclass that defines its own __call__
    key: tuple


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
                    own = any("__call__" in (self.index.cls(c).methods if self.index.cls(c) else {})
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
        out: dict[tuple, Scheme] = {}
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

    def schemes_in(self, facts: ModuleFacts) -> dict[tuple, str]:
        """Scheme instances the module defines or imports: key -> the local name it has there."""
        out: dict[tuple, str] = {}
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


# --------------------------------------------------------------------------------- types for RG005


class Types:
    """Whether an operand is known to be a `str` (or `bytes`) at run time, from annotations and sources."""

    def __init__(self, project: Project):
        self.p = project
        self.index = project.index

    def of(self, expr: ir.Expr, ctx: Ctx) -> str | None:
        if isinstance(expr, ir.Name):
            how, param, pctx = self._local(expr.id, ctx)
            if how == "param":
                return self.param_type(param, pctx)
            if how == "local":
                return None
            return self._global(ctx.module, expr.id, 0)
        if isinstance(expr, ir.Attr):
            return self._attr(expr, ctx)
        if isinstance(expr, ir.Sub):
            return self._sub(expr, ctx)
        return None

    # -- helpers ---------------------------------------------------------------------------------------
    def _local(self, name: str, ctx: Ctx) -> tuple[str, Param | None, Ctx | None]:
        for func in self.index.scopes(ctx):
            if name in func.assigns or any(b[0] == name for b in func.binds):
                return "local", None, None
            for param in func.params:
                if param.name == name:
                    return "param", param, Ctx(ctx.module, func.qualname)
        return "", None, None

    def _external(self, expr: ir.Expr | None, ctx: Ctx) -> str | None:
        value = self.index.resolve(expr, ctx) if expr is not None else None
        return value.qualname if isinstance(value, ExternalV) else None

    def simple(self, annotation: ir.Expr | None, ctx: Ctx) -> str | None:
        """"str" / "bytes" for exactly that annotation (not Optional, not a union)."""
        if isinstance(annotation, ir.Str):
            return annotation.value.strip() if annotation.value.strip() in ("str", "bytes") else None
        qual = self._external(annotation, ctx) if isinstance(annotation, ir.Name) else None
        return {"builtins.str": "str", "builtins.bytes": "bytes"}.get(qual or "")

    def split_annotated(self, annotation: ir.Expr | None, ctx: Ctx) -> tuple[ir.Expr | None, tuple]:
        if isinstance(annotation, ir.Sub) and annotation.index and self._external(annotation.value, ctx) in ANNOTATED:
            return annotation.index[0], tuple(annotation.index[1:])
        return annotation, ()

    def _marker(self, expr: object, ctx: Ctx) -> str | None:
        if not isinstance(expr, ir.Call):
            return None
        qual = self._external(expr.func, ctx)
        if qual in DEPENDS:
            return "Depends"
        if qual in SECURITY:
            return "Security"
        if qual and is_fastapi_name(qual, PARAM_MARKERS):
            return qual.rsplit(".", 1)[-1]
        return None

    def _param_parts(self, param: Param, ctx: Ctx):
        base, meta = self.split_annotated(param.annotation, ctx)
        markers = [(self._marker(m, ctx), m) for m in (*meta, param.default)]
        markers = [(kind, m) for kind, m in markers if kind]
        default_value = param.default is not None and not self._marker(param.default, ctx)
        return base, markers, default_value

    def param_type(self, param: Param, ctx: Ctx) -> str | None:
        if param.kind in ("vararg", "kwarg"):
            return None
        base, markers, default_value = self._param_parts(param, ctx)
        if default_value and not isinstance(param.default, ir.Str):
            return None  # `token: str = None`: may be None
        for kind, call in markers:
            if kind in ("Depends", "Security"):
                scheme = self.p.scheme_of(call.arg(0, "dependency"), ctx)
                if scheme is not None:
                    if scheme.optional or scheme.own_call:
                        return None
                    return "str" if scheme.cls in STR_SCHEMES else None
            else:
                default = call.arg(0, "default")
                if default is not None and not (isinstance(default, ir.Const) and default.value is ...) and \
                        not isinstance(default, ir.Str):
                    return None  # Header(None): may be None
                if base is None and kind in ("Header", "Cookie"):
                    return "str"
        return self.simple(base, ctx)

    def credential_object(self, param: Param, ctx: Ctx) -> str | None:
        base, markers, default_value = self._param_parts(param, ctx)
        if default_value:
            return None
        for kind, call in markers:
            if kind in ("Depends", "Security") and call.arg(0, "dependency") is not None:
                scheme = self.p.scheme_of(call.arg(0, "dependency"), ctx)
                if scheme is not None:
                    if scheme.optional or scheme.own_call:
                        return None
                    return OBJECT_SCHEMES.get(scheme.cls)
        qual = self._external(base, ctx)
        name = qual.rsplit(".", 1)[-1] if qual else None
        return name if name in CREDENTIAL_OBJECTS and is_fastapi_name(qual, {name}) else None

    def _class_attr(self, cls_v: ClassV, attr: str) -> str | None:
        for owner in self.index.mro(cls_v):
            cdef = self.index.cls(owner)
            if cdef is None:
                continue
            found = getattr(cdef, "annotations", {}).get(attr)
            if found is not None:
                return self.simple(found[0], Ctx(owner.module))
            if attr in cdef.attrs or attr in cdef.methods:
                return None
        return None

    def _attr(self, expr: ir.Attr, ctx: Ctx) -> str | None:
        base = expr.value
        if isinstance(base, ir.Name):
            how, param, pctx = self._local(base.id, ctx)
            if how == "local":
                return None
            if how == "param":
                obj = self.credential_object(param, pctx)
                if obj is not None:
                    return "str" if expr.attr in CREDENTIAL_OBJECTS[obj] else None
                annotation, _markers, default_value = self._param_parts(param, pctx)
                cls_v = self.index.resolve(annotation, pctx) if annotation is not None else None
                if isinstance(cls_v, ClassV) and not default_value:
                    return self._class_attr(cls_v, expr.attr)
                return None
        value = self.index.resolve(base, ctx)
        if isinstance(value, InstanceV) and isinstance(value.cls, ClassV):
            return self._class_attr(value.cls, expr.attr)
        if isinstance(value, ClassV):
            return self._class_attr(value, expr.attr)
        if isinstance(value, ModuleV):
            return self._global(value.name, expr.attr, 0)
        return None

    def _sub(self, expr: ir.Sub, ctx: Ctx) -> str | None:
        if self._external(expr.value, ctx) == "os.environ":
            return "str"
        value = expr.value
        if isinstance(value, ir.Attr) and value.attr in ("headers", "cookies") and isinstance(value.value, ir.Name):
            how, param, pctx = self._local(value.value.id, ctx)
            if how == "param":
                base, _markers, _default = self._param_parts(param, pctx)
                qual = self._external(base, pctx)
                if qual and qual.rsplit(".", 1)[-1] in REQUEST_CLASSES and \
                        (qual.startswith("fastapi.") or qual.startswith("starlette.")):
                    return "str"
        return None

    def _global(self, module: str, name: str, depth: int) -> str | None:
        facts = self.index.module(module)
        if facts is None or depth > 8:
            return None
        if name in facts.assigns:
            expr = facts.assigns[name]
            ctx = Ctx(facts.module)
            if isinstance(expr, ir.Sub) and self._external(expr.value, ctx) == "os.environ":
                return "str"
            if isinstance(expr, ir.Call):
                qual = self._external(expr.func, ctx)
                if qual == "builtins.str":
                    return "str"
                if qual in ENV_GETTERS and len(expr.args) >= 2 and isinstance(expr.args[1], ir.Str):
                    return "str"
                if qual in ENV_GETTERS and isinstance(expr.kwarg("default"), ir.Str):
                    return "str"
            return None
        if name in facts.imports:
            ref = facts.imports[name]
            if ref.name is not None and self.index.module(ref.module) is not None:
                return self._global(ref.module, ref.name, depth + 1)
        return None


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


def _separator(elements: list, opening: object) -> cst.BaseParenthesizableWhitespace:
    """The whitespace that follows a comma between two elements of this bracket."""
    for element in elements[:-1]:
        if isinstance(element.comma, cst.Comma):
            return _clean(element.comma.whitespace_after)
    if isinstance(opening, PW):
        return _clean(opening)
    return cst.SimpleWhitespace(" ")


def _append(elements: list, new, opening: object, closing):
    """Append `new` after the last element in the bracket's own layout (one per line stays one per
    line, a trailing comma stays, a comment after the last element stays on its line).
    Returns (elements, closing whitespace), or None for a layout it cannot follow."""
    if not elements:
        return [new], closing
    last = elements[-1]
    comma = last.comma if isinstance(last.comma, cst.Comma) else None
    in_comma = comma is not None and not _empty(comma.whitespace_after)
    tail = comma.whitespace_after if in_comma else closing
    sep = _separator(elements, opening)
    if _has_comment(tail):
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


def _insert(elements: list, index: int, new, opening: object):
    """Insert `new` before elements[index] (index < len(elements))."""
    sep = _separator(elements, opening) if len(elements) > 1 else (
        _clean(opening) if isinstance(opening, PW) else cst.SimpleWhitespace(" "))
    new = new.with_changes(comma=cst.Comma(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=sep))
    return [*elements[:index], new, *elements[index:]]


def append_arg(call: cst.Call, arg: cst.Arg) -> cst.Call | None:
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
    done = _append(list(node.elements), element, node.lbrace.whitespace_after, node.rbrace.whitespace_before)
    if done is None:
        return None
    elements, closing = done
    return node.with_changes(elements=elements, rbrace=node.rbrace.with_changes(whitespace_before=closing))


def _import_order(name: str) -> tuple:
    """isort's default order inside `from x import ...`: CONSTANTS, Classes, functions."""
    rank = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return (rank, name.lower())


def add_import_name(node: cst.ImportFrom, name: str) -> cst.ImportFrom | None:
    names = list(node.names)
    alias = cst.ImportAlias(name=cst.Name(name))
    existing = [a.evaluated_name for a in names]
    opening = node.lpar.whitespace_after if node.lpar else cst.SimpleWhitespace(" ")
    for key in (_import_order, str.lower):
        if existing == sorted(existing, key=key):
            position = sum(1 for e in existing if key(e) < key(name))
            break
    else:
        position = len(names)
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


def _comments(text: str) -> list[str] | None:
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


def _compiles(text: str, path: str) -> bool:
    """Whether CPython compiles the source (compiling never runs it)."""
    try:
        compile(text, path, "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


# --------------------------------------------------------------------------------- one file's fixes


@dataclass
class _Site:
    node: cst.CSTNode
    lines: frozenset  # lines a finding on this node may name
    scope: str | None  # qualname of the innermost function (None at module or class level)
    stack: tuple  # enclosing (kind, name, node), outermost first
    column: int = 0


class _Scan(cst.CSTVisitor):
    """Params, calls and comparisons of a module with their lines and scopes."""

    def __init__(self, positions):
        self.pos = positions
        self.stack: list[tuple[str, str, cst.CSTNode]] = []
        self.lambdas = 0
        self.params: list[_Site] = []
        self.calls: list[_Site] = []
        self.compares: list[_Site] = []

    def _scope(self) -> str | None:
        if not self.stack or self.stack[-1][0] != "func":
            return None
        return ".".join(name for _kind, name, _node in self.stack)

    def _lines(self, node: cst.CSTNode) -> frozenset:
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
        self.params.append(_Site(node, frozenset({start.line}), self._scope(), tuple(self.stack), start.column + 1))

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(_Site(node, self._lines(node), self._scope(), tuple(self.stack)))

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self.compares.append(_Site(node, self._lines(node), self._scope(), tuple(self.stack)))


@dataclass
class _Import:
    """An import a fix needs: `from module import name` (level > 0: relative), or `import module`."""

    module: str
    name: str | None
    level: int = 0
    group: int = 2  # 1 standard library, 2 third party, 3 the project


class _Unfixable(Exception):
    pass


class FileFixer:
    def __init__(self, project: Project, facts: ModuleFacts, source_text: str):
        self.p = project
        self.index = project.index
        self.facts = facts
        self.text = source_text
        self.module = parse_text(source_text)
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        self.scan = _Scan(wrapper.resolve(PositionProvider))
        self.module.visit(self.scan)
        self.edits: dict[int, tuple[cst.CSTNode, Callable[[cst.CSTNode], cst.CSTNode]]] = {}
        self.imports: list[_Import] = []
        self.applied: list[Applied] = []
        self.skipped: list[Skipped] = []
        self._types = Types(project)

    # -- entry -----------------------------------------------------------------------------------------
    def fix(self, finding: Finding) -> None:
        handler = {"RG003": self._rg003, "RG005": self._rg005, "RG006": self._rg006}[finding.rule_id]
        edits_before, imports_before = dict(self.edits), list(self.imports)
        try:
            description = handler(finding)
            for key, (node, edit) in self.edits.items():
                if key not in edits_before and _node_comments(edit(node)) != _node_comments(node):
                    raise _Unfixable("the rewrite would move or drop a comment")
        except _Unfixable as exc:
            self.edits, self.imports = edits_before, imports_before
            self.skipped.append(Skipped(finding.rule_id, finding.path, finding.line, str(exc)))
            return
        self.applied.append(Applied(finding.rule_id, finding.path, finding.line, description))

    def result(self) -> str:
        """The fixed source; raises _Unfixable when the result fails a check (nothing is then changed)."""
        if not self.edits:
            return self.text
        edits = self.edits

        class Replace(cst.CSTTransformer):
            def on_leave(self, original_node, updated_node):
                found = edits.get(id(original_node))
                return found[1](updated_node) if found is not None else updated_node

        module = self.module.visit(Replace())
        for needed in self._dedupe(self.imports):
            module = self._add_import(module, needed)
        text = module.code
        # the checks every fixed file must pass before it may be written
        try:
            parse_text(text)
        except ParseFailure as exc:
            raise _Unfixable(f"internal error: the fixed source does not parse ({exc.message})") from None
        if not _compiles(text, self.facts.path):
            raise _Unfixable("internal error: the fixed source does not compile")
        if _comments(text) != _comments(self.text):
            raise _Unfixable("the rewrite would move or drop a comment")
        return text

    # -- RG003 -----------------------------------------------------------------------------------------
    def _rg003(self, finding: Finding) -> str:
        key = finding.fingerprint_key or ""
        name = key.rsplit(":", 1)[-1] if key.startswith("RG003:") else None
        sites = [s for s in self.scan.params if finding.line in s.lines and
                 (s.node.name.value == name if name else s.column == finding.column)]
        if len(sites) != 1:
            raise _Unfixable("could not find the parameter the finding names")
        site = sites[0]
        param: cst.Param = site.node
        pname = param.name.value
        if param.star not in ("", cst.MaybeSentinel.DEFAULT):
            raise _Unfixable("a *args/**kwargs parameter")
        if param.default is not None:
            raise _Unfixable(f"'{pname}' has a default, so it is optional; reading it from a scheme would make it "
                             f"required and change who can call the route")
        annotation = self.module.code_for_node(param.annotation.annotation).strip() if param.annotation else None
        if annotation not in (None, "str"):
            raise _Unfixable(f"'{pname}' is annotated {annotation!r}; a scheme gives a str")
        is_token, is_key = bool(TOKEN_PARAM.match(pname)), bool(KEY_PARAM.match(pname))
        if not (is_token or is_key):
            raise _Unfixable(f"'{pname}' is not a bearer token or API key parameter; a security scheme does not "
                             f"carry it (send it in a header or the body instead)")
        scheme, local = self._project_scheme(finding)
        allowed = (TOKEN_SCHEMES if is_token else frozenset()) | (KEY_SCHEMES if is_key else frozenset())
        label = f"{scheme.module}.{scheme.name}"
        if scheme.cls not in allowed:
            if scheme.cls in OBJECT_SCHEMES:
                raise _Unfixable(f"the project's scheme {label} is {scheme.cls}, which gives "
                                 f"{OBJECT_SCHEMES[scheme.cls]}, not the str '{pname}' is")
            raise _Unfixable(f"the project's scheme {label} ({scheme.cls}) does not carry '{pname}'")
        if scheme.optional:
            raise _Unfixable(f"the project's scheme {label} has auto_error=False: '{pname}' would become optional")
        if scheme.own_call:
            raise _Unfixable(f"the project's scheme {label} is a subclass with its own __call__; what it gives is "
                             f"unknown")
        depends = self._depends_name()
        if local is not None and scheme.module == self.facts.module:
            func = self.facts.functions.get(site.scope or "")
            defined = self.facts.assign_lines.get(scheme.name, 0)
            if func is None or defined >= func.line:
                raise _Unfixable(f"{scheme.name} is assigned after the function in this file; the default would "
                                 f"be evaluated before it exists")
        scheme_local = local or self._scheme_import(scheme)
        annotated = self._annotated_spelling()
        if annotated is None:
            self._check_default_order(site)
            new_default = cst.parse_expression(f"{depends}({scheme_local})")
            spaced = param.annotation is not None

            def edit(node: cst.Param) -> cst.Param:
                ws = cst.SimpleWhitespace(" " if spaced else "")
                return node.with_changes(default=new_default,
                                         equal=cst.AssignEqual(whitespace_before=ws, whitespace_after=ws))
            text = f"{pname}{': str' if spaced else ''} = {depends}({scheme_local})"
        else:
            new_annotation = cst.parse_expression(f"{annotated}[str, {depends}({scheme_local})]")

            def edit(node: cst.Param) -> cst.Param:
                if node.annotation is not None:
                    return node.with_changes(annotation=node.annotation.with_changes(annotation=new_annotation))
                return node.with_changes(annotation=cst.Annotation(
                    annotation=new_annotation, whitespace_before_indicator=cst.SimpleWhitespace(""),
                    whitespace_after_indicator=cst.SimpleWhitespace(" ")))
            text = f"{pname}: {annotated}[str, {depends}({scheme_local})]"
        self.edits[id(param)] = (param, edit)
        return f"read '{pname}' with the security scheme: {text}"

    def _project_scheme(self, finding: Finding) -> tuple[Scheme, str | None]:
        candidates = [s for s in self.p.schemes if s.cls in CANDIDATE_SCHEMES]
        if not candidates:
            raise _Unfixable("the project defines no module-level security scheme (OAuth2PasswordBearer, "
                             "APIKeyHeader, ...) to read it with")
        here = self.p.schemes_in(self.facts)
        present = [s for s in candidates if s.key in here]
        if len(present) == 1:
            return present[0], here[present[0].key]
        names = ", ".join(f"{s.module}.{s.name}" for s in (present or candidates))
        if len(present) > 1:
            raise _Unfixable(f"the file uses several security schemes ({names}); which one is meant is unclear")
        if len(candidates) > 1:
            raise _Unfixable(f"the project has several security schemes ({names}) and the file imports none of "
                             f"them; import the one to use and run the fix again")
        return candidates[0], None

    def _check_default_order(self, site: _Site) -> None:
        func = site.stack[-1][2]
        params: cst.Parameters = func.params
        positional = [*params.posonly_params, *params.params]
        ids = [id(p) for p in positional]
        if id(site.node) in ids:
            later = positional[ids.index(id(site.node)) + 1:]
            if any(p.default is None for p in later):
                raise _Unfixable("a parameter without a default follows it, so it cannot take '= Depends(...)' "
                                 "(the file does not use the Annotated style)")

    def _annotated_spelling(self) -> str | None:
        """How the file spells `Annotated` in its parameters' annotations, None when it does not use it."""
        for qualname, func in sorted(self.facts.functions.items()):
            ctx = Ctx(self.facts.module, qualname)
            for param in func.params:
                ann = param.annotation
                if isinstance(ann, ir.Sub) and ann.index:
                    value = self.index.resolve(ann.value, ctx)
                    if isinstance(value, ExternalV) and value.qualname in ANNOTATED and ir.dotted(ann.value):
                        return ir.dotted(ann.value)
        return None

    def _depends_name(self) -> str:
        local = self.p.local_name_for(self.facts, ("fastapi", "fastapi.params", "fastapi.param_functions"),
                                      "Depends")
        if local is not None:
            return local
        if self.p.bound(self.facts, "Depends"):
            raise _Unfixable("the name 'Depends' is already used for something else in this file")
        self.imports.append(_Import("fastapi", "Depends", 0, 2))
        return "Depends"

    def _scheme_import(self, scheme: Scheme) -> str:
        name = scheme.name
        if self.p.bound(self.facts, name):
            raise _Unfixable(f"the name '{name}' is already used for something else in this file")
        if self.facts.module in self.p.module_imports(scheme.module):
            raise _Unfixable(f"importing {name} from {scheme.module} would create an import cycle")
        self.imports.append(self._project_import(scheme.module, name))
        return name

    def _project_import(self, module: str, name: str) -> _Import:
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
                return _Import(rest, name, level, 3)
        return _Import(module, name, 0, 3)

    # -- RG006 -----------------------------------------------------------------------------------------
    def _rg006(self, finding: Finding) -> str:
        from routeguard_lint.rules.rg006_missing_www_authenticate import HTTP_EXCEPTIONS, _Checker

        checker = _Checker(self.p.graph)
        found = []
        for site in self.scan.calls:
            if finding.line not in site.lines:
                continue
            call = to_ir(site.node, finding.line)
            if not isinstance(call, ir.Call):
                continue
            ctx = Ctx(self.facts.module, site.scope)
            if not (checker.is_http_exception(call.func, ctx) or self._super_init(site, HTTP_EXCEPTIONS)):
                continue
            if checker.unchallenged(call, ctx):
                found.append(site)
        if len(found) != 1:
            raise _Unfixable("could not find the one 401 HTTPException(...) call the finding names" if not found
                             else "several 401 HTTPException(...) calls on the line")
        node: cst.Call = found[0].node
        headers_arg, position = None, None
        for i, arg in enumerate(node.args):
            if arg.keyword is not None and arg.keyword.value == "headers":
                headers_arg, position = arg, i
            elif arg.keyword is None and not arg.star and i == 2:
                headers_arg, position = arg, i
        literal = headers_arg is None or (isinstance(headers_arg.value, cst.Name) and
                                          headers_arg.value.value == "None") or \
            (isinstance(headers_arg.value, cst.Dict) and
             all(isinstance(e, cst.DictElement) for e in headers_arg.value.elements))
        if not literal:
            raise _Unfixable("headers= is not a dict literal; add the WWW-Authenticate header where it is built")
        challenge = self._challenge(found[0])
        quote = "'" if self._single_quotes(node) else '"'
        entry = f"{quote}WWW-Authenticate{quote}: {quote}{challenge}{quote}"
        if headers_arg is None:
            new_arg = cst.Arg(keyword=cst.Name("headers"), value=cst.parse_expression("{" + entry + "}"),
                              equal=self._equal_style(node))

            if append_arg(node, new_arg) is None:
                raise _Unfixable("the call's layout (a comment after its last argument) is not one the fix can "
                                 "follow")

            def edit(updated: cst.Call) -> cst.Call:
                done = append_arg(updated, new_arg)
                if done is None:
                    raise _Unfixable("the call's layout changed while it was being fixed")
                return done
            what = f"added headers={{{entry}}}"
        elif isinstance(headers_arg.value, cst.Name) and headers_arg.value.value == "None":
            value = cst.parse_expression("{" + entry + "}")

            def edit(updated: cst.Call) -> cst.Call:
                args = list(updated.args)
                args[position] = args[position].with_changes(value=value)
                return updated.with_changes(args=args)
            what = f"replaced headers=None with {{{entry}}}"
        else:
            element = cst.DictElement(key=cst.parse_expression(f"{quote}WWW-Authenticate{quote}"),
                                      value=cst.parse_expression(f"{quote}{challenge}{quote}"))
            if append_dict(headers_arg.value, element) is None:
                raise _Unfixable("the headers dict's layout (a comment after its last entry) is not one the fix "
                                 "can follow")

            def edit(updated: cst.Call) -> cst.Call:
                args = list(updated.args)
                args[position] = args[position].with_changes(value=append_dict(args[position].value, element))
                return updated.with_changes(args=args)
            what = f"added {entry} to the headers dict"
        self.edits[id(node)] = (node, edit)
        return what

    def _super_init(self, site: _Site, exceptions: frozenset) -> bool:
        """`super().__init__(...)` in the `__init__` of a project subclass of HTTPException."""
        node = site.node
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "__init__" and
                isinstance(func.value, cst.Call) and isinstance(func.value.func, cst.Name) and
                func.value.func.value == "super"):
            return False
        stack = site.stack
        if len(stack) < 2 or stack[-1][:2] != ("func", "__init__") or stack[-2][0] != "class":
            return False
        cls_name = ".".join(name for _kind, name, _node in stack[:-1])
        cls_v = ClassV(self.facts.module, cls_name)
        return self.index.cls(cls_v) is not None and bool(set(self.index.external_bases(cls_v)) & exceptions)

    def _challenge(self, site: _Site) -> str:
        """`Basic` or `Bearer`: from the schemes the enclosing dependency runs (its dependency tree in
        the graph), else the schemes the file uses, else the project's."""
        def family(s: Scheme) -> str:
            return "Basic" if s.cls == "HTTPBasic" else "Bearer"
        families = set()
        for node in self.p.graph.nodes.values():
            if node.func is not None and node.func_module == self.facts.module and node.func.qualname == site.scope:
                families |= {"Basic" if n.scheme_class == "HTTPBasic" else "Bearer" for n in walk(node)
                             if n.kind == "scheme" and n.scheme_class}
        if len(families) == 1:
            return families.pop()
        here = self.p.schemes_in(self.facts)
        families = {family(s) for s in self.p.schemes if s.key in here}
        if len(families) > 1:
            raise _Unfixable("the file uses both HTTPBasic and a token scheme; which challenge to send is unclear")
        if families:
            return families.pop()
        families = {family(s) for s in self.p.schemes}
        if families == {"Basic", "Bearer"}:
            raise _Unfixable("the project uses both HTTPBasic and a token scheme and the file imports neither; "
                             "which challenge to send is unclear")
        return families.pop() if families else "Bearer"

    def _single_quotes(self, node: cst.Call) -> bool:
        quotes = []
        for arg in node.args:
            if isinstance(arg.value, cst.SimpleString):
                quotes.append(arg.value.quote[-1:])
        return bool(quotes) and all(q == "'" for q in quotes)

    def _equal_style(self, node: cst.Call) -> cst.AssignEqual:
        for arg in node.args:
            if isinstance(arg.equal, cst.AssignEqual):
                return arg.equal
        return cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))

    # -- RG005 -----------------------------------------------------------------------------------------
    def _rg005(self, finding: Finding) -> str:
        from routeguard_lint.rules._compare import comparisons
        from routeguard_lint.rules._values import Values

        records = [c for c in comparisons(self.p.graph) if c.path == finding.path and c.line == finding.line
                   and c.kind == "secret" and c.op in ("==", "!=")]
        values = Values(self.index)
        credentials = {record.credential for record in records}

        def reported(cred: ir.Expr, other: ir.Expr, ctx: Ctx) -> bool:
            """The analysis' own reading: a credential compared with a configured secret."""
            if ir.show(cred, 60) not in credentials:
                return False
            origin = values.classify(other, ctx)
            return origin is not None and origin.kind == "secret"

        matched = []
        for site in self.scan.compares:
            if finding.line not in site.lines:
                continue
            node: cst.Comparison = site.node
            if len(node.comparisons) != 1 or not isinstance(node.comparisons[0].operator, (cst.Equal, cst.NotEqual)):
                continue
            op = "==" if isinstance(node.comparisons[0].operator, cst.Equal) else "!="
            if not any(record.op == op for record in records):
                continue
            left, right = to_ir(node.left, finding.line), to_ir(node.comparisons[0].comparator, finding.line)
            ctx = Ctx(self.facts.module, site.scope)
            if reported(left, right, ctx) or reported(right, left, ctx):
                matched.append((site, ctx, left, right, op))
        if not matched:
            raise _Unfixable("the comparison is not a single == or != of two operands (a chained or computed "
                             "comparison is left as it is)")
        descriptions = []
        for site, ctx, left, right, op in matched:
            node = site.node
            for side in (node.left, node.comparisons[0].comparator):
                if not self._plain(side):
                    raise _Unfixable(f"'{self.module.code_for_node(side).strip()}' is not a plain name, attribute or "
                                     f"subscript; rewriting it could change when it is evaluated")
            types = (self._types.of(left, ctx), self._types.of(right, ctx))
            if types[0] != types[1] or types[0] not in ("str", "bytes"):
                unknown = [ir.show(x, 40) for x, t in zip((left, right), types) if t not in ("str", "bytes")]
                what = f"'{unknown[0]}' is not known to be a str" if unknown else "one side is str, the other bytes"
                raise _Unfixable(f"{what}; secrets.compare_digest raises TypeError for None, numbers, SecretStr "
                                 f"or mixed str/bytes, so the comparison is left as it is")
            digest = self._secrets_name()
            encode = types[0] == "str"
            negate = op == "!="

            def edit(updated: cst.Comparison, encode=encode, negate=negate, digest=digest) -> cst.BaseExpression:
                def operand(expr: cst.BaseExpression) -> cst.BaseExpression:
                    if not encode:
                        return expr
                    return cst.Call(func=cst.Attribute(value=expr, attr=cst.Name("encode")))
                call = cst.Call(func=cst.parse_expression(digest), args=[
                    cst.Arg(operand(updated.left), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                    cst.Arg(operand(updated.comparisons[0].comparator))])
                if negate:
                    return cst.UnaryOperation(operator=cst.Not(), expression=call, lpar=updated.lpar,
                                              rpar=updated.rpar)
                return call.with_changes(lpar=updated.lpar, rpar=updated.rpar)
            self.edits[id(node)] = (node, edit)
            shown = f"{ir.show(left, 40)} {op} {ir.show(right, 40)}"
            descriptions.append(f"'{shown}' compared with {'not ' if negate else ''}{digest}()")
        return "; ".join(descriptions)

    def _plain(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Name):
            return True
        if isinstance(node, cst.Attribute):
            return self._plain(node.value)
        if isinstance(node, cst.Subscript):
            if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
                return False
            index = node.slice[0].slice.value
            return self._plain(node.value) and (isinstance(index, (cst.SimpleString, cst.Integer)) or
                                                self._plain(index))
        return False

    def _secrets_name(self) -> str:
        ref = self.facts.imports.get("secrets")
        if ref is not None and ref.module == "secrets" and ref.name is None:
            return "secrets.compare_digest"
        local = self.p.local_name_for(self.facts, ("secrets", "hmac"), "compare_digest")
        if local is not None:
            return local
        if self.p.bound(self.facts, "secrets"):
            raise _Unfixable("the name 'secrets' is already used for something else in this file")
        self.imports.append(_Import("secrets", None, 0, 1))
        return "secrets.compare_digest"

    # -- imports ---------------------------------------------------------------------------------------
    @staticmethod
    def _dedupe(imports: list[_Import]) -> list[_Import]:
        out: list[_Import] = []
        for item in imports:
            if item not in out:
                out.append(item)
        return out

    def _statement_group(self, statement: cst.SimpleStatementLine) -> int | None:
        small = statement.body[0] if len(statement.body) == 1 else None
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
        return 3 if self.p.is_project_module(name) else 2

    def _add_import(self, module: cst.Module, needed: _Import) -> cst.Module:
        body = list(module.body)
        # merge into an existing `from <module> import ...` at module level
        if needed.name is not None:
            for i, statement in enumerate(body):
                if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
                    continue
                small = statement.body[0]
                if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                    continue
                if self._same_module(small, needed):
                    merged = add_import_name(small, needed.name)
                    if merged is not None:
                        body[i] = statement.with_changes(body=[merged])
                        return module.with_changes(body=body)
        if needed.name is None:
            code = f"import {needed.module}"
        else:
            code = f"from {'.' * needed.level}{needed.module} import {needed.name}"
        new = cst.parse_statement(code + module.default_newline, config=module.config_for_parsing)
        start = 0
        if body and isinstance(body[0], cst.SimpleStatementLine) and len(body[0].body) == 1 and \
                isinstance(body[0].body[0], cst.Expr) and isinstance(body[0].body[0].value,
                                                                     (cst.SimpleString, cst.ConcatenatedString)):
            start = 1  # the module docstring
        block = []
        for i in range(start, len(body)):
            group = self._statement_group(body[i]) if isinstance(body[i], cst.SimpleStatementLine) else None
            if group is None:
                break
            block.append((i, group))
        blank = cst.EmptyLine()
        same = [i for i, g in block if g == needed.group]
        before = [i for i, g in block if g < needed.group]
        if same:
            # isort's order inside a section: `import x` lines first, then `from x import`, each by module
            key = self._sort_key(new)
            later = [i for i in same if self._sort_key(body[i]) > key]
            if later and key is not None:
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
            lines = [blank] if start else []
            body.insert(start, new.with_changes(leading_lines=lines))
            if start + 1 < len(body) and not body[start + 1].leading_lines:
                body[start + 1] = body[start + 1].with_changes(leading_lines=[blank])
        return module.with_changes(body=body)

    def _sort_key(self, statement: cst.SimpleStatementLine) -> tuple | None:
        small = statement.body[0]
        if isinstance(small, cst.Import):
            return (0, self.module.code_for_node(small.names[0].name).lower())
        if isinstance(small, cst.ImportFrom):
            name = self.module.code_for_node(small.module) if small.module is not None else ""
            return (1, "." * len(small.relative) + name.lower())
        return None

    def _same_module(self, node: cst.ImportFrom, needed: _Import) -> bool:
        written = self.module.code_for_node(node.module) if node.module is not None else ""
        if needed.level:
            absolute_needed = self._absolute(needed.level, needed.module)
        else:
            absolute_needed = needed.module
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


# ------------------------------------------------------------------------------------------- driver


def plan(graph: Graph, findings: list[Finding], texts: dict[str, str],
         read: Callable[[str], str]) -> tuple[dict[str, str], list[Applied], list[Skipped]]:
    """Fix the fixable, active findings of one analysis. `texts`: sources already rewritten (by path);
    `read(path)`: any other file's text. Returns ({path: fixed text}, applied, skipped)."""
    project = Project(graph)
    wanted = [f for f in findings if f.rule_id in FIXABLE and f.suppressed is None]
    by_path: dict[str, list[Finding]] = {}
    for finding in sorted(wanted, key=Finding.sort_key):
        by_path.setdefault(finding.path, []).append(finding)
    fixed: dict[str, str] = {}
    applied: list[Applied] = []
    skipped: list[Skipped] = []
    for path, items in sorted(by_path.items()):
        facts = project.by_path.get(path)
        if facts is None or facts.error:
            skipped.extend(Skipped(f.rule_id, f.path, f.line, "the file could not be analysed") for f in items)
            continue
        try:
            text = texts[path] if path in texts else read(path)
        except (OSError, ParseFailure) as exc:
            skipped.extend(Skipped(f.rule_id, f.path, f.line, f"cannot read the file: {exc}") for f in items)
            continue
        if not _compiles(text, path):
            skipped.extend(Skipped(f.rule_id, f.path, f.line, "this Python cannot compile the file, so a fix could "
                                   "not be checked") for f in items)
            continue
        try:
            fixer = FileFixer(project, facts, text)
        except ParseFailure as exc:
            skipped.extend(Skipped(f.rule_id, f.path, f.line, f"the file does not parse: {exc.message}")
                           for f in items)
            continue
        for finding in items:
            fixer.fix(finding)
        try:
            new_text = fixer.result()
        except _Unfixable as exc:
            skipped.extend(Skipped(a.rule_id, a.path, a.line, str(exc)) for a in fixer.applied)
            skipped.extend(fixer.skipped)
            continue
        skipped.extend(fixer.skipped)
        if new_text != text:
            fixed[path] = new_text
            applied.extend(fixer.applied)
    return fixed, applied, skipped


def run_fixes(paths: list[Path], *, excludes: tuple[str, ...] = (), jobs: int | None = None,
              select: Iterable[str] | None = None, config=None, cache_dir: Path | None = None,
              max_rounds: int = MAX_ROUNDS) -> FixOutcome:
    """Analyse, fix, and analyse the fixed sources again (in memory) until nothing more is fixed."""
    from routeguard_lint.api import analysis

    outcome = FixOutcome()
    originals: dict[str, Source] = {}
    current: dict[str, str] = {}
    overlay: dict[str, bytes] = {}

    def read(path: str) -> str:
        if path not in originals:
            originals[path] = read_source(path)
        return originals[path].text

    select = list(select) if select is not None else None
    for round_number in range(max_rounds + 1):
        result, graph = analysis(paths, excludes=excludes, jobs=jobs, select=select, config=config,
                                 cache_dir=cache_dir, overlay=overlay)
        outcome.result = result
        if round_number == max_rounds:
            break
        fixed, applied, skipped = plan(graph, result.findings, current, read)
        outcome.skipped = skipped
        if not fixed:
            break
        outcome.rounds += 1
        outcome.applied.extend(applied)
        for path, text in fixed.items():
            text = _keep_final_break(read(path), text)
            current[path] = text
            overlay[path] = originals[path].encode(text)
    outcome.changes = {path: (originals[path], text) for path, text in sorted(current.items())
                       if text != originals[path].text}
    return outcome


def _keep_final_break(original: str, text: str) -> str:
    """The fixed text ends with the line break the original ended with (a lone-CR file keeps its last
    "\\r"; LibCST's code generation normalises the end of the module)."""
    for end in ("\r\n", "\n", "\r"):
        if original.endswith(end):
            if text.endswith(("\r", "\n")):
                return text if end != "\r" or text.endswith("\r") else text.rstrip("\n") + "\r"
            return text + end
    return text


def unified_diff(outcome: FixOutcome) -> str:
    """The diff of every fixed file; the file names in its headers escaped like every other output."""
    chunks = []
    for path, (source, text) in sorted(outcome.changes.items()):
        shown = sanitize(path)
        for line in difflib.unified_diff(source.text.splitlines(keepends=True), text.splitlines(keepends=True),
                                         fromfile=f"a/{shown}", tofile=f"b/{shown}"):
            chunks.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(chunks)


@dataclass
class WriteOutcome:
    """What `write_changes` did: the files written, the files not written with why, and the signal (a
    BaseException such as KeyboardInterrupt) that stopped it part-way, if any (the caller re-raises it
    once it has reported)."""

    written: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    interrupted: BaseException | None = None


def write_changes(outcome: FixOutcome, roots: Sequence[Path] | None = None) -> WriteOutcome:
    """Write every fixed file, keeping its encoding, BOM, line endings, mode and inode. A file that
    cannot be written (permission denied, changed since it was analysed, a symlink to outside `roots`)
    is listed with why, and the others are still written; an interruption stops before the next file."""
    done = WriteOutcome()
    pending = sorted(outcome.changes.items())
    real_roots = [os.path.realpath(r) for r in roots] if roots else None
    for number, (path, (source, text)) in enumerate(pending):
        try:
            why = _write_one(path, source, text, real_roots)
        except OSError as exc:
            why = exc.strerror or str(exc)
        except BaseException as exc:  # noqa: BLE001 - Ctrl-C: report, then the caller re-raises it
            done.interrupted = exc
            done.failed.extend((p, "interrupted before it was written") for p, _ in pending[number:])
            return done
        if why is None:
            done.written.append(path)
        else:
            done.failed.append((path, why))
    return done


def _write_one(path: str, source: Source, text: str, real_roots: list[str] | None) -> str | None:
    """Write one fixed file; None when written, else why not (nothing was changed then)."""
    parse_text(text)  # never write a file that does not parse (checked when planned; checked again)
    data = source.encode(text)
    target = os.path.realpath(path)
    if real_roots is not None and not any(target == r or target.startswith(r.rstrip(os.sep) + os.sep)
                                          for r in real_roots):
        return "it is a symlink to a file outside the project; not written"
    fd = os.open(target, os.O_RDWR | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file; not written"
        current = b""
        while chunk := os.read(fd, 1 << 20):
            current += chunk
        if current != source.data:
            return "it changed after it was analysed; not written"
        if info.st_nlink > 1:  # hard links: rewrite in place, so that every name keeps seeing one file
            os.lseek(fd, 0, os.SEEK_SET)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.ftruncate(fd, len(data))
            os.fsync(fd)
            return None
    finally:
        os.close(fd)
    directory = os.path.dirname(target)
    handle, tmp = tempfile.mkstemp(prefix=".routeguard-fix-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(tmp, info.st_mode & 0o7777)
        os.replace(tmp, target)  # atomic: a reader sees the old file or the new one
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return None


def summary(outcome: FixOutcome, *, would: bool) -> list[str]:
    """Lines for stderr: what was (or would be) fixed, and each fixable finding left as it is, with why."""
    lines = []
    if outcome.applied:
        counts: dict[str, int] = {}
        for item in outcome.applied:
            counts[item.rule_id] = counts.get(item.rule_id, 0) + 1
        per_rule = ", ".join(f"{rule}: {n}" for rule, n in sorted(counts.items()))
        files = len(outcome.changes)
        verb = "would fix" if would else "fixed"
        names = ", ".join(sanitize(path) for path in sorted(outcome.changes))
        lines.append(f"routeguard: {verb} {len(outcome.applied)} finding{'s' if len(outcome.applied) != 1 else ''} "
                     f"in {files} file{'s' if files != 1 else ''} ({per_rule}): {names}")
    else:
        lines.append("routeguard: nothing to fix")
    for item in sorted(outcome.skipped, key=lambda s: (s.path, s.line, s.rule_id, s.reason)):
        lines.append(f"routeguard: not fixed: {sanitize(item.path)}:{item.line}: {item.rule_id} {sanitize(item.reason)}")
    return lines


def write_summary(done: WriteOutcome) -> list[str]:
    """Lines for stderr after a write that did not write everything: what was changed, what was not."""
    if not done.failed:
        return []
    lines = [f"routeguard: changed: {', '.join(sanitize(p) for p in done.written) or 'no file'}"]
    for path, why in done.failed:
        lines.append(f"routeguard: not changed: {sanitize(path)}: {sanitize(why)}")
    return lines
