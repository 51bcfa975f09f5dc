"""Reading and parsing one file: the only module that calls LibCST's parser.

A file that cannot be read, decoded or parsed raises `ParseFailure` with the best line/column we can
name; the caller turns it into an RG000 finding. Nothing here executes or imports the file.

Resource bounds. LibCST's native parser recurses without a limit (a few thousand nested levels
overflow the C stack and kill the process: there is no Python exception to catch) and takes time
quadratic in the length of a left-nested chain (`a.b.b.b...`, `a[0][0]...`, `a + a + ...`). So before
LibCST sees a file, CPython's own parser (C, fast, with its own nesting limits) measures the nesting:
a file nested deeper than `MAX_NESTING` levels, or with more deeply nested code than `MAX_DEEP_WORK`
allows, is reported instead of parsed. Files CPython rejects (syntax errors, syntax newer than this
interpreter) get a conservative lexical estimate instead. `MAX_BYTES` bounds the size (and so the time
and memory) of everything else. The bounds depend only on the file's bytes, never on the clock, so
the result is the same on every machine and for any number of workers.
"""

from __future__ import annotations

import ast
import gc
import io
import os
import re
import stat
import sys
import tokenize
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import libcst as cst

MAX_BYTES = 5_000_000  # larger files are reported as RG000 "too large", not parsed
# LibCST's parser and our visitors recurse; very deep nesting is reported instead of crashing.
RECURSION_LIMIT = 20_000
# Nesting bound, in syntax-tree levels (a chain `a.b.c` or `a + b + c` is as deep as it is long). Real
# code stays under 100 (the deepest of 4,700 files of the standard library and site-packages: 87);
# LibCST's parser crashes somewhere above 2,000 levels and needs seconds per chain from about 1,000.
MAX_NESTING = 500
# Work bound for many chains each under MAX_NESTING: the sum, over syntax-tree nodes nested deeper than
# DEEP_FROM levels, of how much deeper they are (a chain of n levels costs about n*n/2). Real code: at
# most 8,000; the budget allows about 15 s of LibCST's slowest chains.
DEEP_FROM = 30
MAX_DEEP_WORK = 1_000_000


OUT_OF_MEMORY = ("file is too large to analyse: out of memory while parsing (it needs more than the memory "
                 "bound per file, see docs/reliability.md)")


class ParseFailure(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.message = message
        self.line = max(1, line)
        self.column = max(1, column)


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a byte offset; "\\n", "\\r\\n" and a lone "\\r" end lines."""
    before = data[:offset]
    line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
    return line, offset - max(before.rfind(b"\n"), before.rfind(b"\r"))


def decode(data: bytes) -> str:
    """Decode source bytes as Python does (BOM, PEP 263 coding cookie, UTF-8 default)."""
    if b"\x00" in data:
        raise ParseFailure("file contains NUL bytes (binary file named .py?)", _position(data, data.index(b"\x00"))[0])
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # unknown encoding in the cookie, BOM + non-utf8 cookie, or no cookie and not UTF-8
        bom = data.startswith(b"\xef\xbb\xbf")
        cookies = [(i, m) for i, raw in enumerate((data[3:] if bom else data).splitlines()[:2], 1)
                   if (m := _COOKIE.match(raw))]
        if cookies:
            line, match = cookies[-1]
            if bom:
                name = match.group(1).decode("ascii", "replace")
                raise ParseFailure(f"cannot decode: a UTF-8 byte-order mark, but a coding cookie for {name}",
                                   line) from None
            raise ParseFailure(f"cannot decode: {exc}", line) from None
        encoding = "utf-8"  # the decode below names the first byte that is not UTF-8
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        line, col = _position(data, getattr(exc, "start", 0))
        raise ParseFailure(f"cannot decode as {encoding}: {getattr(exc, 'reason', exc)}", line, col) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def parse_text(text: str, shape_checked: bool = False) -> cst.Module:
    """Parse decoded source with LibCST, converting every failure into ParseFailure.

    The nesting is measured first (`check_shape`): a file LibCST could not parse safely or in bounded
    time raises ParseFailure("file is nested too deeply ...") without being handed to it. `shape_checked`:
    this very text passed `check_shape` already, with no syntax error (a placeholder's, facts.extract.skim)."""
    import libcst as cst  # here, not at the top: a run served from the cache never loads the parser

    syntax_error = None if shape_checked else check_shape(text)
    old = sys.getrecursionlimit()
    if old < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
    try:
        with no_gc(), _unvalidated(cst.CSTNode):
            return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        line, column, message = exc.raw_line, exc.raw_column + 1, exc.message
        if syntax_error is not None:  # CPython's parser names the offending line more precisely
            line, column = syntax_error.lineno or line, syntax_error.offset or column
            raise ParseFailure(f"syntax error: {syntax_error.msg or message}", line, column) from None
        raise ParseFailure(f"syntax error: {message} (Python accepts this file; LibCST, the parser "
                           f"routeguard uses, does not)", line, column) from None
    except RecursionError:
        raise ParseFailure("file is nested too deeply to analyse") from None
    except MemoryError:
        raise ParseFailure(OUT_OF_MEMORY) from None
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # other errors on inputs LibCST does not support; a Rust panic in its
        # native parser arrives as pyo3's PanicException, which derives from BaseException
        raise ParseFailure(f"parser failed: {type(exc).__name__}: {exc}") from None
    finally:
        if old < RECURSION_LIMIT:
            sys.setrecursionlimit(old)


MAX_ANNOTATION = 400  # a string annotation longer than this is left a string


def parse_annotation(text: str) -> cst.BaseExpression | None:
    """A string annotation (`user: "CurrentUser"`, a forward reference) parsed as the expression
    `typing.get_type_hints` evaluates it as; None when it is not one (too long, nested deeper than a
    reference is, or not an expression)."""
    import libcst as cst

    text = text.strip()
    if not text or len(text) > MAX_ANNOTATION or sum(text.count(c) for c in "([{") > 20:
        return None
    try:
        return cst.parse_expression(text)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException:  # a syntax error, or one of LibCST's own failures
        return None


def _no_validation(self: object) -> None:
    return None


@contextmanager
def _unvalidated(node_class: Any) -> Iterator[None]:
    """Skip LibCST's per-node validation (`CSTNode.__post_init__` -> `_validate`) while its parser builds a
    tree: what the parser builds is valid by construction, and validating it costs a fifth of the parse
    (LibCST's own comment there suggests not validating parsed trees). Nodes built anywhere else, the
    autofixes' above all, are validated as usual."""
    original = node_class.__dict__.get("__post_init__")
    if original is None:  # another LibCST layout: leave it alone
        yield
        return
    node_class.__post_init__ = _no_validation
    try:
        yield
    finally:
        node_class.__post_init__ = original


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: parsing allocates millions of objects without cycles, and
    the collector's passes over them cost up to half of the parse time of a large file."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def __getattr__(name: str) -> Any:
    """`source.cst`: LibCST, imported on first use (PEP 562)."""
    if name == "cst":
        import libcst

        return libcst
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ------------------------------------------------------------------------------------------- reading


def too_large(size: int) -> str:
    return f"file is too large to analyse ({size:,} bytes; the limit is {MAX_BYTES:,})"


def read_source(path: str | os.PathLike[str], head: int | None = None) -> bytes:
    """The bytes of one source file (its first `head` bytes only, when given). Raises ParseFailure for
    anything that is not a readable regular file of at most MAX_BYTES: never blocks on a FIFO, never
    reads a device or an endless stream."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ParseFailure(f"cannot read file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ParseFailure("cannot read file: Is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise ParseFailure("not a regular file (a FIFO, socket or device named .py): not read")
        limit = MAX_BYTES if head is None else head
        if head is None and info.st_size > MAX_BYTES:
            raise ParseFailure(too_large(info.st_size))
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            if head is not None:
                return b"".join(chunks)[:head]
            raise ParseFailure(too_large(total))  # it grew after fstat
        return b"".join(chunks)
    except OSError as exc:
        raise ParseFailure(f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------- shape

_AST_HEADROOM = 1000  # Python frames left to ast.parse (CPython 3.11 scales its AST-depth guard by it)


def _frame_depth() -> int:
    depth = 0
    frame: FrameType | None = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


def _too_deep(depth: int, line: int) -> ParseFailure:
    return ParseFailure(f"file is nested too deeply to analyse ({depth} levels at line {line}; "
                        f"the limit is {MAX_NESTING})", line)


def _too_much(work: int, line: int) -> ParseFailure:
    return ParseFailure(f"file is nested too deeply to analyse in bounded time (too much deeply nested "
                        f"code from line {line} on: {work:,} units; the limit is {MAX_DEEP_WORK:,})", line)


# Dotted names (`a.b.c`, `import a . b`): one maximal run per match, so the scan stays linear.
_DOTTED = re.compile(r"(?<!\w)\w+(?:[ \t\f\\\r\n]*\.[ \t\f\\\r\n]*\w+)+")


def _long_dotted_name(text: str) -> bool:
    """Is there a dotted name of more than MAX_NESTING parts? (CPython's parser joins the parts of a dotted
    import name in quadratic time, so such a file is measured lexically before CPython sees it.)"""
    if text.count(".") <= MAX_NESTING:
        return False
    shortest = 2 * MAX_NESTING
    return any(m.end() - m.start() > shortest and m.group().count(".") > MAX_NESTING for m in _DOTTED.finditer(text))


@dataclass
class Outline:
    """What the skim of a placeholder reads from CPython's syntax tree, so the project stage can answer some
    questions about the file without parsing it with LibCST (facts.extract.skim)."""

    bases: set[str] = field(default_factory=set)  # class bases by last name (see `tree_shape`)
    defs: dict[str, str] = field(default_factory=dict)  # sole definitions (see `sole_definitions`)
    class_attrs: set[str] = field(default_factory=set)  # names bound in class bodies (see `_class_body_names`)
    # "name.attr" for every `name.attr = ...` (or `+=`, `: T =`, `del`) in the file, in any scope
    attr_writes: set[str] = field(default_factory=set)


def check_shape(text: str, outline: Outline | None = None) -> SyntaxError | None:
    """Raise ParseFailure when `text` is nested too deeply for LibCST. Returns CPython's SyntaxError when
    CPython rejects the file (its message is the better one if LibCST rejects the file too). The collector
    stays paused until CPython's tree is freed (a collection while it is alive only rescans it). With
    `outline`, fills it in (see `Outline`)."""
    with no_gc():
        return _check_shape(text, outline)


def _check_shape(text: str, outline: Outline | None = None) -> SyntaxError | None:
    if _long_dotted_name(text):
        _check_rough(text)
    old = sys.getrecursionlimit()
    try:
        # A modest limit keeps CPython's own AST-construction guard well inside the C stack.
        sys.setrecursionlimit(_frame_depth() + _AST_HEADROOM)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like: not our business
            tree = ast.parse(text)
    except SyntaxError as exc:  # a syntax error, or syntax newer than this Python: LibCST decides
        _check_rough(text)
        return exc
    except RecursionError:  # "too complex" for CPython's parser itself
        depth, line, _, _ = rough_shape(text)
        raise _too_deep(max(depth, MAX_NESTING + 1), line) from None
    except MemoryError:  # too deep for CPython's parser, or really out of memory (the bound per file)
        depth, line, _, _ = rough_shape(text)
        if depth > MAX_NESTING:
            raise _too_deep(depth, line) from None
        raise ParseFailure(OUT_OF_MEMORY) from None
    except ValueError:  # NUL bytes (decode() reports those first), integer literals too long to convert
        _check_rough(text)
        return None
    finally:
        sys.setrecursionlimit(old)
    depth, line, work, work_line = tree_shape(tree, outline)
    if outline is not None:
        outline.defs.update(sole_definitions(tree, text))
    del tree
    if depth > MAX_NESTING:
        raise _too_deep(depth, line)
    if work > MAX_DEEP_WORK:
        raise _too_much(work, work_line)
    return None


def _check_rough(text: str) -> None:
    depth, line, work, work_line = rough_shape(text)
    if depth > MAX_NESTING:
        raise _too_deep(depth, line)
    if work > MAX_DEEP_WORK:
        raise _too_much(work, work_line)


def tree_shape(tree: ast.AST, outline: Outline | None = None) -> tuple[int, int, int, int]:  # noqa: C901
    """(deepest level, its line, deep work, line of the first deep node) of a CPython syntax tree, counted
    the way LibCST nests: `a and b and c` is a chain there (one flat BoolOp here), and so is the dotted
    name of an import. Levels up to DEEP_FROM are not tracked (real code never comes close to the limits
    there), which keeps this a plain loop over the nodes. With `outline`, adds the last name of each class
    base that is a dotted name, subscripted or not (`Base`, `m.Base`, `Generic[T]`), in any scope: a
    superset of the bases the facts of the file record (facts.walker), read without LibCST, and the names
    each class body binds and the attributes of names it writes."""
    best, best_line, work, work_line = 0, 1, 0, 0
    class_def = ast.ClassDef if outline is not None else None
    attribute = ast.Attribute if outline is not None else None
    load = ast.Load
    stack: list[tuple[ast.AST, int, int]] = [(tree, 1, 1)]
    pop, push = stack.pop, stack.append
    node_type, bool_op, imports, child_fields = ast.AST, ast.BoolOp, (ast.Import, ast.ImportFrom), _CHILD_FIELDS
    while stack:
        node, depth, line = pop()
        line = getattr(node, "lineno", line)
        kind = type(node)
        if kind in imports:
            statement = cast("ast.Import | ast.ImportFrom", node)  # its type is checked above, by identity
            dots = max([alias.name.count(".") for alias in statement.names] +
                       [(getattr(statement, "module", None) or "").count(".")])
            for level in range(depth, depth + dots + 1):
                if level > DEEP_FROM:
                    work += level - DEEP_FROM
                    work_line = min(work_line, line) if work_line else line
            depth += dots
        elif depth > DEEP_FROM:
            work += depth - DEEP_FROM
            work_line = min(work_line, line) if work_line else line
        if depth > best or (depth == best and line < best_line):
            best, best_line = depth, line
        if kind is class_def and outline is not None:
            outline.bases.update(_base_names(cast(ast.ClassDef, node)))
            _class_body_names(cast(ast.ClassDef, node), outline.class_attrs)
        elif kind is attribute and outline is not None:
            target = cast(ast.Attribute, node)
            if type(target.ctx) is not load and type(target.value) is ast.Name:
                outline.attr_writes.add(f"{target.value.id}.{target.attr}")
        if kind is bool_op:
            values = cast(ast.BoolOp, node).values
            count = len(values)
            for i, value in enumerate(values):
                push((value, depth + min(count - 1, count - i), line))
            continue
        fields = child_fields.get(kind)
        if fields is None:
            fields = child_fields[kind] = tuple(f for f in kind._fields if f not in _SCALAR_FIELDS) \
                if kind is not ast.Constant else ()
        for name in fields:
            child = getattr(node, name, None)
            if type(child) is list:
                for item in child:
                    if isinstance(item, node_type):
                        push((item, depth + 1, line))
            elif isinstance(child, node_type):
                push((child, depth + 1, line))
    return best, best_line, work, work_line


_GLOBAL = re.compile(r"\bglobal\b([^\n;#]*)")
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def sole_definitions(tree: ast.Module, text: str) -> dict[str, str]:
    """The module-level names whose only binding in the whole file is one `def` (value "def") or `class`
    ("class") statement directly in the module body: no other statement at module level binds or deletes
    the name (assignment, import, loop or `with` target, `except ... as`, walrus, match capture, another
    def), and no `global` statement names it. For such a name, the module's global is that definition
    whatever else the file holds, so a placeholder can answer it without being parsed (project.index)."""
    count: dict[str, int] = {}
    kind: dict[str, str] = {}
    others: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, _DEFS):
            count[statement.name] = count.get(statement.name, 0) + 1
            kind[statement.name] = "class" if isinstance(statement, ast.ClassDef) else "def"
            # what the module scope evaluates around the body (decorators, defaults, bases) may bind by walrus
            around: list[ast.AST] = list(statement.decorator_list)
            if isinstance(statement, ast.ClassDef):
                around += statement.bases + [k.value for k in statement.keywords]
            else:
                arguments = statement.args
                around += [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]
                around += [a.annotation for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                                  arguments.vararg, arguments.kwarg) if a and a.annotation]
                if statement.returns is not None:
                    around.append(statement.returns)
            for expr in around:
                _bound_names(expr, others)
        else:
            _bound_names(statement, others)
    if "global" in text:
        for names in _GLOBAL.findall(text):
            others.update(n.strip() for n in names.split(","))
    return {name: kind[name] for name, n in count.items() if n == 1 and name not in others}


def _bound_names(node: ast.AST, out: set[str]) -> None:
    """Every name `node` (and anything inside it) binds or deletes: a superset of what it binds at module scope."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            if not isinstance(sub.ctx, ast.Load):
                out.add(sub.id)
        elif isinstance(sub, _DEFS):
            out.add(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            out.update((alias.asname or alias.name).partition(".")[0] for alias in sub.names)
        elif isinstance(sub, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
            if sub.name:
                out.add(sub.name)
        elif isinstance(sub, ast.MatchMapping):
            if sub.rest:
                out.add(sub.rest)
        elif isinstance(sub, (ast.Global, ast.Nonlocal)):
            out.update(sub.names)
        # (`type X = ...`, Python 3.12, binds X through a Name in the Store context: the first case)


def _class_body_names(node: ast.ClassDef, out: set[str]) -> None:
    """Every name a class body binds outside its methods and nested classes (a superset of the class
    attributes the facts record: facts.walker)."""
    for statement in node.body:
        if not isinstance(statement, _DEFS):
            _bound_names(statement, out)


def _base_names(node: ast.ClassDef) -> list[str]:
    names = []
    for base in node.bases:
        if isinstance(base, ast.Subscript):
            base = base.value
        if isinstance(base, ast.Attribute):
            names.append(base.attr)
        elif isinstance(base, ast.Name):
            names.append(base.id)
    return names


# Fields that never hold a node worth a level (names, flags, and the Load/Store/operator singletons).
_SCALAR_FIELDS = frozenset({"ctx", "op", "ops", "id", "attr", "arg", "name", "module", "level", "is_async",
                            "conversion", "kind", "type_comment", "type_ignores"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


_TOKEN = re.compile(r"""
    (?P<str>[A-Za-z]{0,2}(?:'''(?:[^\\]|\\[\s\S])*?'''|\"\"\"(?:[^\\]|\\[\s\S])*?\"\"\"
        |'(?:[^'\\\r\n]|\\[\s\S])*'|"(?:[^"\\\r\n]|\\[\s\S])*"))
  | (?P<comment>\#[^\r\n]*)
  | (?P<cont>\\(?:\r\n|\r|\n))
  | (?P<nl>\r\n|\r|\n)
  | (?P<open>[(\[{])
  | (?P<close>[)\]}])
  | (?P<op>:=|\*\*|//|<<|>>|->|[-+*/%@&|^~.])
  | (?P<cmp>==|!=|<=|>=|<>|<|>)
  | (?P<sep>[,;:=])
  | (?P<word>\w+)
""", re.VERBOSE)
_CHAIN_WORDS = frozenset({"and", "or", "not", "if", "else", "lambda", "await", "for", "in", "is", "yield"})


def line_breaks(text: str) -> int:
    """Line breaks in `text` as Python counts them: "\\n", "\\r\\n" and a lone "\\r"."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def source_lines(text: str) -> list[str]:
    """The lines of decoded source as Python numbers them. Unlike `str.splitlines()`, a form feed,
    vertical tab, "\\x1c".."\\x1e", NEL or U+2028/U+2029 inside a line does not start a new one."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _elif_level(elifs: dict[int, int], column: int, word: str) -> int:
    """At the first token of a line (`word` if it is a word, at `column`): the `elif` chains it ends are
    forgotten, an `elif` continues the chain at its column; the level the line starts at."""
    for key in [k for k in elifs if k > column or (k == column and word not in ("elif", "else"))]:
        del elifs[key]
    if word == "elif":
        elifs[column] = elifs.get(column, 0) + 1
    return sum(elifs.values())


def rough_shape(text: str) -> tuple[int, int, int, int]:
    """A conservative lexical estimate of `tree_shape` for text CPython's parser rejects: every operator,
    dot, expression keyword and closing bracket adds a level to the expression it is in; a
    comma, colon or `=` starts a sibling; an `elif` adds a level to its `if`. It overestimates, and it
    needs no syntax tree, so it works on any text."""
    best, best_line, work, work_line = 0, 1, 0, 0
    bases, levels = [0], [0]
    elifs: dict[int, int] = {}  # column of an `elif` -> how long the chain it continues is
    line, line_start, first = 1, 0, True
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "nl":
            line += 1
            line_start = match.end()
            if len(levels) == 1:
                levels[0] = bases[0] = 0
                first = True
            continue
        if kind == "cont":
            line += 1
            continue
        if kind == "comment":
            continue
        if first:
            first = False
            levels[0] = bases[0] = _elif_level(elifs, match.start() - line_start,
                                               match.group() if kind == "word" else "")
        if kind == "str":  # LibCST caps implicit concatenation ("a" "b" ...) itself, with an error
            line += line_breaks(match.group())
        elif kind == "open":
            bases.append(levels[-1] + 1)
            levels.append(levels[-1] + 1)
        elif kind == "close":
            if len(levels) > 1:
                bases.pop()
                levels.pop()
            levels[-1] += 1
        elif kind == "sep":
            levels[-1] = bases[-1]
        elif kind == "op" or (kind == "word" and match.group() in _CHAIN_WORDS):
            levels[-1] += 1
        depth = levels[-1]
        if depth > DEEP_FROM:
            work += depth - DEEP_FROM
            work_line = work_line or line
            if depth > best:
                best, best_line = depth, line
    return best, best_line, work, work_line
