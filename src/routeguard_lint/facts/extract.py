"""Per-module facts: what one file declares, as plain picklable data.

One pass of a LibCST visitor over the module (walker.py) records imports, assignments, functions
(parameters, decorators, raises, returns, calls), classes and call sites. Line numbers are counted on the
way (newlines live in whitespace and string nodes), which costs far less than LibCST's PositionProvider.
Nothing here resolves names across modules; that is `index.py`'s job.

This module holds the fact types and `extract()`; it does not import LibCST itself (walker.py does, when
a file is actually parsed), so reading facts from the cache or listing the rules never loads the parser.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass, field
from typing import Any

from routeguard_lint.facts import ir
from routeguard_lint.parsing.source import (
    MAX_BYTES,
    OUT_OF_MEMORY,
    RECURSION_LIMIT,
    Outline,
    ParseFailure,
    check_shape,
    decode,
    line_breaks,
    no_gc,
    parse_text,
    source_lines,
    too_large,
)

MAX_IR_DEPTH = 60


# ----------------------------------------------------------------------------------------------- data


@dataclass(slots=True)
class ImportRef:
    module: str  # absolute module name
    name: str | None  # imported attribute, None for `import module`


@dataclass(slots=True)
class Param:
    name: str
    kind: str  # "posonly" | "pos" | "vararg" | "kwonly" | "kwarg"
    annotation: ir.Expr | None
    default: ir.Expr | None
    line: int
    col: int


@dataclass(slots=True)
class Decorator:
    expr: ir.Expr
    line: int
    col: int
    end_col: int


@dataclass(slots=True)
class Raise:
    exc: ir.Expr | None  # None for a bare `raise`
    line: int
    conditions: tuple[ir.Expr, ...]  # enclosing `if` tests within the function, outermost first


@dataclass(slots=True)
class Return:
    value: ir.Expr | None
    line: int
    conditions: tuple[ir.Expr, ...]


# an enclosing `for` loop: (its target names, "" for a part that is not a plain name; the iterable)
LoopVar = tuple[tuple[str, ...], ir.Expr]


@dataclass(slots=True)
class CallSite:
    call: ir.Call
    scope: str | None  # qualname of the enclosing function, None at module level
    conditions: tuple[str, ...]  # source text of enclosing `if` tests
    in_loop: bool
    col: int = 1  # first column of the line holding the call (its statement start)
    end_col: int = 1
    loop_vars: tuple[LoopVar, ...] = ()  # enclosing `for` loops, outermost first
    tests: tuple[ir.Expr, ...] = ()  # the enclosing `if` tests themselves, `conditions` in the same order


@dataclass(slots=True)
class OverrideWrite:
    """A write into an app's `dependency_overrides` mapping, as the call Python makes for it: `app.dependency_overrides[
    original] = replacement` is `app.dependency_overrides.__setitem__(original, replacement)`, `app.dependency_overrides
    .update({...})` itself, and `app.dependency_overrides = {...}` (the mapping replaced) is recorded as an `update` of
    it. FastAPI reads the mapping at request time: every dependency `original` of the app's routes is `replacement`."""

    site: CallSite
    tests: tuple[ir.Expr, ...]  # the enclosing `if` tests (within the function, if in one), outermost first


@dataclass(slots=True)
class CredentialRead:
    source: str  # "headers" | "cookies" | "session"
    key: str | None  # literal key, lower-cased; None when not a literal
    line: int
    obj: str | None  # dotted text of the object read from (`request`)


@dataclass(slots=True)
class Bind:
    """A local name bound in a function (a tuple target binds each name to `value[i]`)."""

    name: str
    value: ir.Expr
    line: int
    conditions: tuple[ir.Expr, ...]  # enclosing `if` tests (and block markers) within the function, outermost first
    # the innermost block (suite) the binding is written in, numbered in `ModuleFacts.block_ends`; 0 when not known
    block: int = 0


@dataclass(slots=True)
class ItemWrite:
    """`name[key] = value`: an item stored in the object a plain name holds (one key, no slice); also
    `request.scope[key] = value`, an item stored in a request's ASGI scope (`target` "request.scope")."""

    target: str
    key: ir.Expr
    value: ir.Expr
    line: int
    conditions: tuple[ir.Expr, ...]  # enclosing `if` tests and block markers (within the function, if in one)


@dataclass(slots=True)
class Effect:
    """A call made as a statement of its own (`check(token)`, `await verify(...)`)."""

    call: ir.Call
    line: int
    conditions: tuple[ir.Expr, ...]


@dataclass(slots=True)
class CompareSite:
    """A comparison in a function (`a == b`, `x in y`, chained ones)."""

    expr: ir.Expr | None  # an ir.Compare, unless the comparison was too deep to convert
    line: int
    conditions: tuple[ir.Expr, ...]


@dataclass(slots=True)
class Func:
    qualname: str
    name: str
    line: int
    col: int
    is_async: bool
    params: list[Param]
    decorators: list[Decorator]
    class_name: str | None = None
    parent: str | None = None  # qualname of the enclosing function for nested defs
    # the `if` tests (and block markers) around the `def` in the enclosing function or module body: its
    # decorators run only when they hold
    defined_under: tuple[ir.Expr, ...] = ()
    # the declared result type (`def get_verifier() -> VerifierBase:`), None when not written
    returns_type: ir.Expr | None = None
    raises: list[Raise] = field(default_factory=list)
    returns: list[Return] = field(default_factory=list)
    asserts: list[int] = field(default_factory=list)
    calls: list[ir.Call] = field(default_factory=list)
    assigns: dict[str, ir.Expr] = field(default_factory=dict)  # local name -> last assigned ir expr
    nested: list[str] = field(default_factory=list)
    credential_reads: list[CredentialRead] = field(default_factory=list)
    compares: list[CompareSite] = field(default_factory=list)
    has_yield: bool = False
    end_line: int = 0
    binds: list[Bind] = field(default_factory=list)  # local bindings in source order, for the flow checks
    effects: list[Effect] = field(default_factory=list)  # expression-statement calls
    # `nonlocal` name -> the last value this function gives it
    nonlocal_assigns: dict[str, ir.Expr] = field(default_factory=dict)
    # local name -> its declared type (`service: AuthService = app.state.service`), the last annotation written
    declared: dict[str, ir.Expr] = field(default_factory=dict)
    # `name.attr` of every `name.attr = value` (`+=`, annotated) on an object other than the method's own `self`
    # (`state.initialized = True`): an attribute of a shared object this function changes at run time
    attr_writes: list[str] = field(default_factory=list)
    # attributes a method other than `__init__` assigns on its own `self` (`self.limiter = Limiter(...)`): an object
    # FastAPI calls for every request keeps them from one request to the next
    sets_self: list[str] = field(default_factory=list)
    # `self.attr = value` in such a method: `target` the attribute, `key` its name (`Index.changed_state`)
    self_writes: list[ItemWrite] = field(default_factory=list)
    # `for name in items:` loops whose body the walk may run once per item (`auth.missing_credential`): the line
    # of the `for` -> the line after its body. Only a loop over one name, with no `else:`, and no `break`,
    # `continue` or `try` in its own body (which a body walked item by item would misread)
    loops: dict[int, int] = field(default_factory=dict)
    # every `for` loop of the function's own body: the line of the `for` -> (the line after its body, the collection
    # it iterates). A statement on a line in [for line, end) is in the loop's body: when the collection is
    # certainly empty, it never runs
    for_loops: dict[int, tuple[int, ir.Expr]] = field(default_factory=dict)
    # `name[key] = value` in the body, in source order (see ItemWrite)
    item_writes: list[ItemWrite] = field(default_factory=list)
    # locals last bound to a dict display whose every use in the body (nested functions included) is a binding of
    # the name, `name[key]` (read or stored), `name.get(...)`, `key in name` or `return name`: no other code can
    # see or change the dict while the function runs, so its items are what the body stores
    item_only: list[str] = field(default_factory=list)
    # locals last bound to a list display whose every use in the body is a binding of the name, `name.append(x)`,
    # `name.extend(x)` or `sep.join(name)`: no other code can see or change the list, so its items are what the body
    # appends
    list_only: list[str] = field(default_factory=list)
    # lines of `request.session[key] = value`: the function stores a value in the signed session cookie
    session_writes: list[int] = field(default_factory=list)
    # the other changes a function makes outside its own names, which no other fact keeps: an item written or
    # deleted (`CACHE[key] = value`, `counts[k] += 1`, `del SESSIONS[sid]`), an attribute deleted (`del obj.x`),
    # a module global assigned under `global` ("global NAME")
    stores: list[str] = field(default_factory=list)

    def block_tests(self) -> list[ir.Expr]:
        """The tests of the blocks around the function's raises, returns, bindings and call statements, in
        that order (block markers included)."""
        tests: list[ir.Expr] = []
        for found in (self.raises, self.returns, self.binds, self.effects):
            for item in found:
                tests.extend(item.conditions)
        return tests


# Markers that stand in `conditions` for blocks that are not `if`s: the body of `try` number N, one of its
# `except` handlers, its `else:`; a loop body (may run zero times); a `match` case.
def try_marker(kind: str, number: int) -> ir.Unknown:
    return ir.Unknown(f"<{kind}:{number}>")


# The name a `yield value` is recorded under in Func.binds (never a Python name): a generator dependency's value.
YIELD_BIND = "<yield>"

LOOP_MARKER = ir.Unknown("<loop>")


def item_marker(line: int, number: int) -> ir.Unknown:
    """The marker that stands for LOOP_MARKER in the body of a loop the walk runs once per known item (the loop at
    `line`, item `number`): that run of the body certainly happens (see `auth.missing_credential`)."""
    return ir.Unknown(f"<item:{line}:{number}>")
CASE_MARKER = ir.Unknown("<case>")


def is_marker(expr: object) -> bool:
    return isinstance(expr, ir.Unknown) and expr.code.startswith("<") and expr.code.endswith(">") and \
        (expr.code in ("<loop>", "<case>") or expr.code.split(":")[0] in ("<try", "<except", "<tryelse", "<item"))


@dataclass(slots=True)
class AssignedIn:
    """A value a function assigns (`self.attr = value` in a method, `global x` then `x = value`)."""

    value: ir.Expr
    function: str  # qualname


@dataclass(slots=True)
class AttrWrite:
    """`obj.attr = value` on an object other than a method's `self` and a function's own local or parameter
    (`app_settings.api_keys = args.api_keys` in `main()`, `config.prefix = "/v2"` at module level): what
    `Index._written` reads a later `obj.attr` through."""

    target: ir.Expr  # the object written to: a name (`app_settings`)
    value: ir.Expr
    function: str | None  # qualname of the function it is in, None at module level
    line: int
    conditions: tuple[ir.Expr, ...]  # enclosing `if` tests and block markers (within the function, if in one)


@dataclass(slots=True)
class ClassDef:
    name: str
    line: int
    bases: list[ir.Expr]
    keywords: list[tuple[str, ir.Expr]]  # (name, value) of `class C(Base, metaclass=M)`'s keywords
    methods: dict[str, str]  # method name -> qualname
    attrs: dict[str, ir.Expr]  # class attribute name -> ir expr (value, or annotation when no value)
    decorators: list[Decorator]
    annotations: dict[str, tuple[ir.Expr, int]] = field(default_factory=dict)  # attribute -> (annotation, line)
    # `self.name = expr` in a method: what the method assigns; `__init__`'s win
    instance_attrs: dict[str, AssignedIn] = field(default_factory=dict)


@dataclass(slots=True)
class FileError:
    """Why a file could not be analysed, and where (1-based)."""

    message: str
    line: int
    column: int


@dataclass(slots=True)
class ModuleFacts:
    path: str
    module: str
    is_package: bool
    lines: int = 0
    imports: dict[str, ImportRef] = field(default_factory=dict)  # local name
    star_imports: list[str] = field(default_factory=list)  # absolute module names
    assigns: dict[str, ir.Expr] = field(default_factory=dict)  # module-level name -> value (last wins)
    assign_lines: dict[str, int] = field(default_factory=dict)
    # module-level bindings of names bound more than once, at least once under an `if` (with its tests), in
    # source order: `if settings.AUTH: dep = a` / `else: dep = b` keeps both alternatives
    branches: dict[str, list[Bind]] = field(default_factory=dict)
    # the last line of each block (the module body, then every indented or one-line suite: `if`/`else` bodies,
    # loop and `try` bodies, function bodies, ...) by its number (`Bind.block`); entry 0 (no block) is 0. A
    # binding reaches the code after it up to its block's end, when nothing rebinds the name on the way
    block_ends: list[int] = field(default_factory=list)
    # module-level `name[key] = value` (not in a function), by name, in source order
    item_writes: dict[str, list[ItemWrite]] = field(default_factory=dict)
    # module-level names last bound to a dict display whose every use in the module is one `Func.item_only` allows
    # (a function's use counts, but only its reads: an item it stores is a change at run time)
    item_only: list[str] = field(default_factory=list)
    # `global name` then `name = expr` in a function: name -> [(expr, qualname of the function), ...]
    global_assigns: dict[str, list[AssignedIn]] = field(default_factory=dict)
    # attribute name -> `obj.attr = value` writes on objects not the function's own (AttrWrite), in source order
    attr_writes: dict[str, list[AttrWrite]] = field(default_factory=dict)
    functions: dict[str, Func] = field(default_factory=dict)  # by qualname
    classes: dict[str, ClassDef] = field(default_factory=dict)  # by (qualified) name
    calls: list[CallSite] = field(default_factory=list)  # module level and inside functions
    overrides: list[OverrideWrite] = field(default_factory=list)  # writes into `x.dependency_overrides`
    all_names: list[str] | None = None  # __all__
    main_guard: bool = False  # the module runs code under `if __name__ == "__main__":` (it is run as a script)
    error: FileError | None = None  # when the file could not be analysed (RG000)
    traceback: str | None = None  # for an internal error behind `error` (shown by --debug)
    comments: dict[int, str] = field(default_factory=dict)  # line -> comment text (only routeguard/noqa ones)
    # True for a placeholder from `skim`: the file parses and is not yet read further, because nothing in it
    # names FastAPI, Starlette, authentication or a route (parsing/relevance.py). Looking the module up by
    # name in the index reads it in full (api.OnDemandModules).
    pending: bool = False
    words: str = ""  # a placeholder's distinct identifiers, space-separated (parsing.relevance.identifiers)
    # a placeholder's class bases by their last name, space-separated (a superset of its classes' bases:
    # parsing.source.tree_shape), so a search for subclasses parses only the files that may hold one
    bases: str = ""
    # a placeholder's module-level names bound by nothing but one `def` or `class` in its body, as
    # "name:def" / "name:class", space-separated (parsing.source.sole_definitions): the index answers such a
    # global without parsing the file
    sole_defs: str = ""
    # a placeholder's names bound in class bodies (parsing.source.Outline.class_attrs), space-separated: a
    # search for the classes holding an attribute parses only the files that may hold one
    class_attrs: str = ""
    # a placeholder's "name.attr" of every attribute written through a name (parsing.source.Outline.attr_writes),
    # space-separated: a search for the writes to an object's attribute parses only the files that hold one
    attrs_written: str = ""


def skim(data: bytes, path: str, module: str, is_package: bool) -> ModuleFacts | None:
    """A placeholder (`pending`) for a file that need not be parsed yet, or None when `extract` must read
    it now: when it cannot be decoded, is too large, or CPython rejects it or finds it nested too deeply
    (so every file `extract` would report as RG000 is reported, with the same message). Costs CPython's
    parser only, about a fifteenth of `extract`."""
    if len(data) > MAX_BYTES:
        return None
    outline = Outline()
    try:
        text = decode(data)
        if check_shape(text, outline) is not None:  # CPython rejects it: LibCST decides, now
            return None
    except (ParseFailure, RecursionError, MemoryError):
        return None
    from routeguard_lint.parsing.relevance import identifiers

    return ModuleFacts(path=path, module=module, is_package=is_package, lines=line_breaks(text) + 1, pending=True,
                       words=identifiers(text), bases=" ".join(sorted(outline.bases)),
                       sole_defs=" ".join(f"{name}:{kind}" for name, kind in sorted(outline.defs.items())),
                       class_attrs=" ".join(sorted(outline.class_attrs)),
                       attrs_written=" ".join(sorted(outline.attr_writes)))


def extract(data: bytes, path: str, module: str, is_package: bool, shape_checked: bool = False) -> ModuleFacts:
    """Facts for one file's bytes. Never raises for bad input: failures land in `facts.error`.
    `shape_checked`: these bytes made a placeholder (`skim`), so CPython's parser accepted them already."""
    facts = ModuleFacts(path=path, module=module, is_package=is_package)
    package = module if is_package else module.rpartition(".")[0]
    old = sys.getrecursionlimit()
    collector = None
    try:
        if len(data) > MAX_BYTES:
            raise ParseFailure(too_large(len(data)))
        text = decode(data)
        lines = source_lines(text)
        facts.lines = line_breaks(text) + 1
        from routeguard_lint.facts.walker import _Collector

        # The collector stays paused from parsing until the tree is gone: the tree is a million
        # acyclic objects that reference counting frees, and a collection while it is alive only
        # rescans it (a fifth of the parse time of a large file).
        with no_gc():
            tree = parse_text(text, shape_checked)
            sys.setrecursionlimit(max(old, RECURSION_LIMIT))
            collector = _Collector(facts, lines, package, text)
            try:
                collector.walk(tree)
            finally:
                del tree
    except ParseFailure as exc:
        _reset(facts)
        facts.error = FileError(exc.message, exc.line, exc.column)
    except RecursionError:
        line = collector.line if collector is not None else 1
        _reset(facts)
        facts.error = FileError("file is nested too deeply to analyse", line, 1)
    except MemoryError:
        _reset(facts)
        facts.error = FileError(OUT_OF_MEMORY, 1, 1)
    except Exception as exc:  # a bug of ours on this input: this file is reported, the run goes on
        line = collector.line if collector is not None else 1
        _reset(facts)
        facts.error = FileError(f"internal error while analysing this file: {type(exc).__name__}: {exc} "
                       f"(run with --debug for the traceback)", line, 1)
        facts.traceback = traceback.format_exc()
    finally:
        sys.setrecursionlimit(old)
    return facts


def _reset(facts: ModuleFacts) -> None:
    facts.imports.clear()
    facts.star_imports.clear()
    facts.assigns.clear()
    facts.global_assigns.clear()
    facts.functions.clear()
    facts.classes.clear()
    facts.calls.clear()
    facts.comments.clear()
    facts.block_ends.clear()


def __getattr__(name: str) -> Any:
    """`to_ir`, `_Collector` and the other LibCST-facing names live in walker.py; reached through here they
    are imported on first use (PEP 562), so this module stays free of LibCST."""
    if name.startswith("__"):
        raise AttributeError(name)
    from routeguard_lint.facts import walker

    try:
        return getattr(walker, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
