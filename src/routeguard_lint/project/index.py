"""The project index: resolving names across modules from the per-module facts.

`Index.resolve(expr, ctx)` answers "what is this expression?" with a `Value`: a project module,
function, class, an object created by a call (`router = APIRouter(...)`), a literal, or something
outside the project (`External("fastapi.security.OAuth2PasswordBearer")`). It follows imports,
relative imports, re-exports (including `from .x import *`), aliases, module constants, class
attributes (settings objects) and factory functions' return values. Every lookup is bounded.
"""

from __future__ import annotations

import builtins
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import (
    AttrWrite,
    Bind,
    ClassDef,
    Func,
    ImportRef,
    ItemWrite,
    ModuleFacts,
    Param,
    Return,
    is_marker,
)
from routeguard_lint.project.arguments import bind_args, free_names, subst
from routeguard_lint.vocabulary import ANNOTATED, APP_CLASSES, ROUTER_CLASSES

if TYPE_CHECKING:
    from routeguard_lint.project.library import LibraryLoader

# Nested steps one lookup may take (an alias of an attribute of an import of ...), and one string evaluation.
MAX_RESOLVE_DEPTH = 40
# Call-site sensitivity: a function body is evaluated with the arguments of one call bound to its
# parameters (`Ctx.env`), through at most MAX_CALL_DEPTH nested calls counted from code no call reaches
# (a module's top level, an entry point); deeper, parameters stay unknown (`ParamV`). Results are memoised
# per (function, bound arguments). routes/contexts.py counts the same way, so an object made in a function
# body is one object whether it is reached from its function's callers or from the code using its value.
MAX_CALL_DEPTH = 8
MAX_OPTIONS = 16  # alternatives kept in one UnionV
# The `if` tests around a local's bindings (`if x: y = a` / `else: y = b`, `app = wrap(app)` under `if debug:`) weighed
# for one outermost test: each reads locals whose bindings are under tests that read locals ... (a long handler whose
# `if`/`elif` chains test locals set under earlier chains). A local's value is kept once weighed when it did not
# depend on the lookups in flight (`Index._local_memo`); one that did is weighed again for every test that reads it,
# which can cost the product of the chains' lengths. Past MAX_WEIGHED tests, a further test is taken as undecided, so
# both alternatives stay (what a test that cannot be read gives): less precise, never a path dropped.
MAX_WEIGHED = 20_000
MAX_INIT_CHAIN = 6  # `super().__init__(...)` calls followed from the `__init__` a construction runs (Index.init_env)
MAX_SUBCLASSES = 64  # project classes looked at for what `self.attr` in a mixin is (Index.subclass_attr)
# the classes whose fields pydantic-settings (or pydantic v1's `BaseSettings`) reads from the environment
SETTINGS_BASES = frozenset({"BaseSettings"})
_CLEAN = 1 << 62  # `Index._low` when a frame met no marker in flight


# ---------------------------------------------------------------------------------------------- values


@dataclass(frozen=True)
class ModuleV:
    name: str


@dataclass(frozen=True)
class FuncV:
    module: str
    qualname: str


@dataclass(frozen=True)
class ClassV:
    module: str
    name: str


@dataclass(frozen=True)
class ExternalV:
    qualname: str  # dotted name outside the project ("fastapi.Depends", "builtins.len")


# The identity of an allocation site (where an object is made, and for which call being evaluated):
# ("call", module, scope, line, call text), ("local", module, function, name, ...), ("global", ...), ...
SiteKey = tuple[Hashable, ...]


@dataclass(frozen=True)
class InstanceV:
    """An object made by calling `cls` (a ClassV, ExternalV, or None when unknown)."""

    cls: Value | None
    call: ir.Call
    module: str  # where the call is written
    scope: str | None
    key: SiteKey
    # what one call of the function around `call` bound (a factory's arguments, `make_guard(True)` returning
    # `Guard(enforce=enforce)`), when the object was reached through that call; () otherwise
    env: tuple[BoundParam, ...] = ()

    def where(self) -> Ctx:
        """Where `call` is read: its module and function, with `env` bound."""
        return Ctx(self.module, self.scope, self.env, 1) if self.env else Ctx(self.module, self.scope)


@dataclass(frozen=True)
class LiteralV:
    value: object


@dataclass(frozen=True)
class ParamV:
    module: str
    func: str
    name: str


@dataclass(frozen=True)
class UnknownV:
    text: str = ""


@dataclass(frozen=True)
class UnionV:
    """One of several values, depending on a condition the analysis cannot decide (`a if c else b`,
    `if c: x = a` / `else: x = b`, `table[key]` with an unknown key). Each alternative is kept; see `union`."""

    options: tuple[Value, ...]  # at least two, no UnionV among them


Value = ModuleV | FuncV | ClassV | ExternalV | InstanceV | LiteralV | ParamV | UnknownV | UnionV


def class_base(base: ir.Expr) -> ir.Expr:
    """The class a base of a `class` statement names: `B` for a parameterised generic `B[T]` (Python makes
    the class derive from `B`, through the alias's `__mro_entries__`)."""
    return base.value if isinstance(base, ir.Sub) else base


def union(values: Iterable[Value]) -> Value:
    """The union of `values` (flattened, duplicates dropped): the value itself when there is only one,
    UNKNOWN when there is none or when any alternative is unknown."""
    out: list[Value] = []
    for value in values:
        for option in (value.options if isinstance(value, UnionV) else (value,)):
            if isinstance(option, UnknownV):
                return UNKNOWN
            if option not in out:
                out.append(option)
    if not out:
        return UNKNOWN
    return out[0] if len(out) == 1 else UnionV(tuple(out[:MAX_OPTIONS]))


def _constants(value: Value) -> bool:
    """A constant, or a choice between constants: what an unreadable alternative beside it leaves undecided (an
    object kept through an unreadable rebinding, `app = instrument(app)`, is still that object)."""
    return all(isinstance(v, LiteralV) for v in (value.options if isinstance(value, UnionV) else (value,)))


def _alternatives(name: str, binds: list[Bind]) -> list[Bind] | None:
    """Of the bindings of `name` in source order, those that may each be its value afterwards: the last
    unconditional one and those after it under an `if`; None when that is only the last one, or when one of
    them is in a loop or `try` block or reads the name (`x = x + [...]`): then the last one, as before."""
    if len(binds) < 2:
        return None
    start = max((i for i, item in enumerate(binds) if not item.conditions), default=0)
    chosen = binds[start:]
    if len(chosen) < 2 or any(_reads(b.value, name) or any(is_marker(c) for c in b.conditions) for b in chosen):
        return None
    return chosen


def _reaching(binds: list[Bind], chosen: list[Bind], line: int, ends: list[int]) -> Bind | None:
    """Of a name's bindings (`binds`; `chosen`: those `resolve` weighs as its value after them), the one the name
    holds at `line` as Python runs the body: the nearest binding before that line, when it is one of `chosen` and
    `line` is in its block (or a block nested in it) so nothing rebinds the name between them. None when that
    cannot be told: no such binding, one on the same line (`x = a; f(x)`), or a later binding in a loop or `try`
    block that may run before the line is reached again."""
    bind: Bind | None = None
    for item in binds:
        if item.line == line:
            return None
        if item.line < line and (bind is None or item.line > bind.line):
            bind = item
    if bind is None or not 0 < bind.block < len(ends) or line > ends[bind.block] or \
            all(item is not bind for item in chosen):
        return None
    end = ends[bind.block]
    if any(line < item.line <= end and any(is_marker(c) for c in item.conditions) for item in binds):
        return None
    return bind
def _tried(name: str, binds: list[Bind]) -> Bind | None:
    """When the last binding of `name` is in an `except` handler of a `try` whose body binds it too: the body's
    last binding of it (the name's value when nothing raised). None otherwise."""
    own = [b for b in binds if b.name == name]
    if len(own) < 2:
        return None
    handlers = [c.code[len("<except:"):-1] for c in own[-1].conditions
                if isinstance(c, ir.Unknown) and c.code.startswith("<except:")]
    if not handlers:
        return None
    body = f"<try:{handlers[-1]}>"  # the innermost `try` whose handler it is in (markers nest outermost first)
    return next((b for b in reversed(own[:-1]) if any(isinstance(c, ir.Unknown) and c.code == body
                                                       for c in b.conditions)), None)


def _reaches(bind: Bind, conditions: tuple[ir.Expr, ...], k: int, line: int) -> bool:
    """Whether `bind` may have run before the test `conditions[k]` around code at `line` is evaluated: not when
    it is written after that code, nor inside the `if` statement of that test (either branch), nor in a branch
    taken only when one of the outer tests fails."""
    if bind.line >= line or any(is_marker(c) for c in bind.conditions):
        return bind.line < line
    for j in range(min(k + 1, len(bind.conditions))):
        mine, theirs = conditions[j], bind.conditions[j]
        if _negates(mine, theirs) or (j == k and ir.show(mine) == ir.show(theirs)):
            return False
        if ir.show(mine) != ir.show(theirs):
            return True
    return True


def _negates(a: ir.Expr, b: ir.Expr) -> bool:
    """`not x` and `x` (the test of an `if` and of its `else`)."""
    return (isinstance(a, ir.Not) and ir.show(a.value) == ir.show(b)) or \
        (isinstance(b, ir.Not) and ir.show(b.value) == ir.show(a))


def _rebinding(name: str, binds: list[Bind]) -> tuple[Bind | None, list[Bind]] | None:
    """For `app = FastAPI()` ... `app = instrument(app)`: the binding the chain starts from (None when the first
    one already reads the name: a parameter's value) and the rebindings after it, each reading the value before
    it. A rebinding may be under an `if` (`if ee: app = ee.extend(app)`: the name is then either value, see
    `Index._rebound`). None when the last binding does not read the name, when the start is conditional (the
    alternatives are weighed elsewhere), or when one of them is in a loop or `try` block."""
    if not binds or not _reads(binds[-1].value, name):
        return None
    i = len(binds) - 1
    while i >= 0 and _reads(binds[i].value, name):
        i -= 1
    start = binds[i] if i >= 0 else None
    chain = binds[i + 1:]
    if (start is not None and start.conditions) or any(is_marker(c) for b in chain for c in b.conditions):
        return None
    return start, chain


def options(value: Value) -> tuple[Value, ...]:
    """The alternatives of a value: its options for a UnionV, else the value alone."""
    return value.options if isinstance(value, UnionV) else (value,)


def qualified_name(value: object) -> str | None:
    """`module.qualname` of a project function or class, the dotted name of an external; else None."""
    if isinstance(value, FuncV):
        return f"{value.module}.{value.qualname}"
    if isinstance(value, ClassV):
        return f"{value.module}.{value.name}"
    if isinstance(value, ExternalV):
        return value.qualname
    return None


def external_name(value: object) -> str | None:
    """The dotted name of an external value (`fastapi.Depends`); None for anything else."""
    return value.qualname if isinstance(value, ExternalV) else None


UNKNOWN = UnknownV()
# the synthetic calls facts/walker.py binds a `with ... as name` target to (`Index._entered`)
_ENTER = frozenset({"__enter__", "__aenter__"})


@dataclass(frozen=True)
class BoundParam:
    """A parameter of a function bound to an argument of the call being evaluated."""

    function: str  # qualname
    param: str
    value: ir.Bound  # the argument, with the context it is read in


@dataclass(frozen=True)
class Ctx:
    """Where an expression is read: a module, the function whose body it is in (None at module level),
    and what one call bound to the parameters of that function and the functions around it (empty when not
    evaluating a particular call)."""

    module: str
    scope: str | None = None  # qualname of the enclosing function
    env: tuple[BoundParam, ...] = ()
    depth: int = 0  # nested calls evaluated to get here (bounded by MAX_CALL_DEPTH)
    # for code at one place of the body (see `Index.at`): (name, line of the binding of it that reaches that
    # place), for the names bound under an `if` whose binding in the same block is the one they hold there
    pins: tuple[tuple[str, int], ...] = ()

    def __hash__(self) -> int:
        # a context is a key of most memo tables, and its `env` nests arguments read in other contexts:
        # hashed again on every lookup it is deep, so its hash is computed once (the object is immutable)
        known: int | None = self.__dict__.get("_hash")
        if known is None:
            known = hash((self.module, self.scope, self.env, self.depth, self.pins))
            object.__setattr__(self, "_hash", known)
        return known

    def __getstate__(self) -> dict[str, object]:  # a string's hash differs from one process to the next
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    def bound(self, scope: str, name: str) -> ir.Bound | None:
        for item in self.env:
            if item.function == scope and item.param == name:
                return item.value
        return None


_BUILTINS = frozenset(dir(builtins))
_CASTS = frozenset({"typing.cast", "typing_extensions.cast"})
# bases that add no behaviour a declared type could hide (see Index._own_class)
_PROTOCOL_BASES = frozenset({"typing.Protocol", "typing_extensions.Protocol"})
_NEUTRAL_BASES = frozenset({"builtins.object", "abc.ABC", "typing.Generic", "typing_extensions.Generic",
                            *_PROTOCOL_BASES})
# builtins that are functions, not classes: a call of one makes no instance of it
_BUILTIN_FUNCTIONS = frozenset(f"builtins.{name}" for name in _BUILTINS
                               if callable(getattr(builtins, name)) and not isinstance(getattr(builtins, name), type))


def _class_body(cls: ClassDef, attr: str, expr: ir.Expr, seen: frozenset[str] = frozenset()) -> ir.Expr:
    """A class attribute's value as its class body reads it: a name the body binds (`API_V1_STR: str =
    f"/api/{API_VERSION}"` after `API_VERSION: str = "v1"`) is that binding, as Python looks names of a class
    body up in the class namespace first, then in the module (an attribute only annotated binds nothing; a
    comprehension's element does not see the class namespace, so a name read only there is left to the module)."""
    seen = seen | {attr}
    names = {name: _class_body(cls, name, cls.attrs[name], seen) for name in _outside_comprehensions(expr)
             if name not in seen and name in cls.attrs and not isinstance(cls.attrs[name], ir.Unknown)}
    return subst(expr, names) if names else expr


def _outside_comprehensions(expr: ir.Expr, depth: int = 0) -> set[str]:
    """The names an expression reads outside comprehension elements (a comprehension's first iterable counts:
    Python evaluates it in the enclosing scope)."""
    if isinstance(expr, ir.Comp):
        return _outside_comprehensions(expr.iterable, depth + 1)
    if isinstance(expr, ir.Name):
        return {expr.id}
    out: set[str] = set()
    if depth < 40:
        for child in ir.children(expr):
            out |= _outside_comprehensions(child, depth + 1)
    return out


def _reads(expr: ir.Expr | None, name: str) -> bool:
    return name in free_names(expr)


class Index:
    def __init__(self, modules: list[ModuleFacts], namespaces: Iterable[str] = (),
                 library: LibraryLoader | None = None, aliases: Iterable[tuple[str, str]] = ()) -> None:
        """`modules`: one per file, each with its one module name. `namespaces`: the namespace packages
        (folders without `__init__.py`) those names imply; `import a.b` of one gives a module with no
        names of its own, whose attributes are its submodules. `aliases`: (second name, module name) of
        modules importable under another name too (their folder put on `sys.path` by the code:
        files/layout.py); importing the second name gives the module (Python would run it a second time,
        with the same definitions)."""
        self.by_name: dict[str, ModuleFacts] = {}
        for facts in modules:
            self.by_name.setdefault(facts.module, facts)
        for name in sorted(namespaces):
            if name not in self.by_name:
                self.by_name[name] = ModuleFacts(path=name.replace(".", "/"), module=name, is_package=True)
        for alias, name in aliases:
            found = self.by_name.get(name)
            if found is not None and alias not in self.by_name:
                self.by_name[alias] = found
        self.modules = modules
        # values by what was asked: ("result", FuncV, Ctx, lib mode), ("global", module, name, lib mode), ...
        self._cache: dict[tuple[Hashable, ...], Value] = {}
        self._subclassed: dict[str, bool] = {}  # `_has_subclass_named`
        self._subclass_attrs: dict[tuple[ClassV, str], Value] = {}  # `subclass_attr`
        self._class_state_memo: dict[tuple[ClassV, str], bool] = {}  # `class_state`
        self._changed_memo: dict[tuple[object, ...], ir.Expr | str] = {}  # `changed_state`
        self._subclass_memo: dict[ClassV, list[ClassV]] = {}  # `_subclasses`
        # `_has_subclass_named`: the last names of the bases of the modules parsed when first asked, and the
        # placeholders by the base names their skim found
        self._base_table: tuple[set[str], dict[str, list[ModuleFacts]]] | None = None
        self._rebindings: dict[tuple[str, str, str], tuple[Bind | None, list[Bind]] | None] = {}
        self._own_classes: dict[ClassV, bool] = {}
        self._singletons: dict[ClassV, bool] = {}  # see `singleton`
        self._fields: dict[ClassV, frozenset[str]] = {}  # see `environment_fields`
        self._site_texts: dict[int, tuple[ir.Call, str]] = {}  # id(call) -> (call, its text): see _site_text
        # module -> (enclosing function, variable) -> [(value, closure)] of `nonlocal` writes
        self._nonlocal_writes_by_module: dict[str, dict[tuple[str, str], list[tuple[ir.Expr, str]]]] = {}
        self._branch_tables: dict[int, tuple[Func, dict[str, list[Bind]]]] = {}  # see `_branches`
        # `_writes_named`: the parsed modules' attribute writes by (name written through, attribute), and the
        # modules not parsed yet when first asked
        self._write_table: tuple[dict[tuple[str, str], list[tuple[str, AttrWrite]]], list[ModuleFacts]] | None = None
        # `_written`: (object, attribute, read at its module's top level, library mode) -> what writes give it
        self._written_memo: dict[tuple[Hashable, ...], tuple[Value | None, tuple[Value, ...]] | None] = {}
        self._written_attrs: set[tuple[Hashable, str]] = set()  # (object, attribute) some write reaches
        # installed libraries (library.LibraryLoader), read on demand; see `resolve_lib`
        self.library = library
        self.lib_modules: set[str] = set()
        self._lib_mode = False
        self._sole: dict[str, dict[str, str]] = {}  # see `_sole_defs`
        self._strings_in_flight: set[tuple[int, Ctx]] = set()  # see `string`
        # (binding identity) -> (the dict display bound, that display with the items stored into it): `_with_items`
        self._items_memo: dict[tuple[str, ...], tuple[ir.DictE, ir.Expr]] = {}
        self._weighing = 0  # `if` tests being weighed inside one another
        self._tests_weighed = 0  # tests weighed for the outermost one in flight (MAX_WEIGHED)
        self.weighing_cut = 0  # tests taken as undecided by the bound
        # The memo of a local's value (`_local`), valid when its evaluation read no state of the lookups in flight
        # around it. `_frames`: the local evaluations in flight (each a frame, numbered from 1); `_flight`: the
        # markers in flight (the cycle guards in `_cache`, `_written_memo`, `_subclass_attrs`, the strings being
        # evaluated) with the frame count when each was set; `_low`: the lowest such count among the markers
        # the current frame met (and 0 for a test the MAX_WEIGHED bound cut, which depends on what was weighed
        # before). A frame that met only markers set inside it computes what any later evaluation of the same
        # local, in the same context and at the same depth, would: that value is kept.
        self._frames = 0
        self._flight: dict[Hashable, int] = {}
        self._low = _CLEAN
        self._local_memo: dict[tuple[Hashable, ...], Value] = {}
        self.local_memo_hits = 0

    def _met(self, marker: Hashable) -> None:
        """A lookup found `marker` in flight (a cycle guard's placeholder): what it answered depends on the frames
        in flight since the marker was set (see `_frames`)."""
        level = self._flight.get(marker)
        if level is not None and level < self._low:
            self._low = level

    def _set_flight(self, marker: Hashable) -> None:
        self._flight[marker] = self._frames

    @property
    def lib_mode(self) -> bool:
        """Whether resolution looks into installed libraries now (while `resolve_lib` runs)."""
        return self._lib_mode

    # -- modules -----------------------------------------------------------------------------------
    def module(self, name: str) -> ModuleFacts | None:
        return self.by_name.get(name)

    def _sole_defs(self, facts: ModuleFacts) -> dict[str, str]:
        """A placeholder's names bound only by one `def` or `class` (`ModuleFacts.sole_defs`), by name."""
        table = self._sole.get(facts.module)
        if table is None:
            table = self._sole[facts.module] = dict(e.rsplit(":", 1) for e in facts.sole_defs.split())
        return table

    def canonical(self, name: str) -> str:
        facts = self.by_name.get(name)
        return facts.module if facts else name

    def func(self, value: FuncV) -> Func | None:
        facts = self.by_name.get(value.module)
        return facts.functions.get(value.qualname) if facts else None

    def cls(self, value: ClassV) -> ClassDef | None:
        facts = self.by_name.get(value.module)
        return facts.classes.get(value.name) if facts else None

    def path_of(self, module: str) -> str:
        facts = self.by_name.get(module)
        return facts.path if facts else module

    # -- installed libraries -------------------------------------------------------------------------
    def is_library(self, module: str) -> bool:
        facts = self.by_name.get(module)
        return facts is not None and facts.module in self.lib_modules

    def _ensure(self, name: str) -> bool:
        """Module `name` is in the index, reading it from an installed library when needed."""
        if name in self.by_name:
            return True
        if self.library is None or not name:
            return False
        facts = self.library.load(name)
        if facts is None:
            return False
        self.by_name[name] = facts
        self.lib_modules.add(name)
        return True

    def _lazy(self, importer: str | None, target: str) -> bool:
        """Whether resolution may read `target` from a library: while `resolve_lib` runs, or from a library
        module importing its own package."""
        if self.library is None:
            return False
        if self._lib_mode:
            return True
        return importer is not None and importer in self.lib_modules and \
            importer.split(".")[0] == target.split(".")[0]

    def resolve_lib(self, expr: ir.Expr | None, ctx: Ctx) -> Value:
        """`resolve`, looking into installed libraries for names outside the project (what a dependency or
        an included router is made of). Plain `resolve` never does, so project code that merely uses a
        library (a database session, an HTTP client) is not read into it."""
        if self.library is None:
            return self.resolve(expr, ctx)
        old = self._lib_mode
        self._lib_mode = True
        try:
            return self.resolve(expr, ctx)
        finally:
            self._lib_mode = old

    def materialize(self, value: Value) -> Value:
        """An outside name (`ExternalV("pkg.mod.Class")`) as what its library source defines, if readable."""
        if not isinstance(value, ExternalV) or self.library is None:
            return value
        parts = value.qualname.split(".")
        for i in range(len(parts), 0, -1):
            mod = ".".join(parts[:i])
            if self._ensure(mod):
                found: Value = ModuleV(self.canonical(mod))
                for attr in parts[i:]:
                    found = self._attr(found, attr, 1)
                return found if not isinstance(found, UnknownV) else value
        return value

    # -- resolution --------------------------------------------------------------------------------
    def resolve(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> Value:  # noqa: C901
        if expr is None or depth > MAX_RESOLVE_DEPTH:
            return UNKNOWN
        d = depth + 1
        if isinstance(expr, ir.Name):
            return self._name(expr.id, ctx, d)
        if isinstance(expr, ir.Attr):
            return self._attr(self.resolve(expr.value, ctx, d), expr.attr, d, ctx)
        if isinstance(expr, ir.Str):
            return LiteralV(expr.value)
        if isinstance(expr, ir.Const):
            return LiteralV(expr.value)
        if isinstance(expr, (ir.FStr, ir.BinOp)):
            text = self.string(expr, ctx, d)
            return LiteralV(text) if text is not None else UNKNOWN
        if isinstance(expr, ir.Call):
            return self._call(expr, ctx, ("call", ctx.module, ctx.scope, expr.line, self._site_text(expr)), d)
        if isinstance(expr, ir.Bound):
            return self.resolve(expr.expr, expr.ctx, d)
        if isinstance(expr, ir.IfExp):
            test = self.truth(expr.test, ctx, d)
            if test is not None:
                return self.resolve(expr.body if test else expr.orelse, ctx, d)
            return union((self.resolve(expr.body, ctx, d), self.resolve(expr.orelse, ctx, d)))
        if isinstance(expr, ir.BoolOp) and expr.op in ("or", "and") and expr.values:
            # `x or default`: the first operand that is not falsy, when that can be told; `a and b`: the first
            # that is falsy. Else each candidate; the last operand is the value whenever the others are passed
            # over, whatever it is (`prefix or ""`, `only = flag and not other`)
            decisive = expr.op == "or"  # the truth that ends the expression at an operand
            candidates = []
            for i, value in enumerate(expr.values):
                test = None if i == len(expr.values) - 1 else self.truth(value, ctx, d)
                if test is (not decisive):
                    continue
                candidates.append(self.resolve(value, ctx, d))
                if test is decisive:
                    break
            return union(candidates)
        if isinstance(expr, ir.Not) or (isinstance(expr, ir.Compare) and len(expr.ops) == 1):
            truth = self.truth(expr, ctx, d)  # `not flag`, `mode == "yes"`: a bool when it can be told
            return UNKNOWN if truth is None else LiteralV(truth)
        if isinstance(expr, ir.Sub):
            return self._subscript(expr, ctx, d)
        return UNKNOWN

    def _site_text(self, call: ir.Call) -> str:
        """`ir.show(call, 200)`, the text that tells a call site apart, once per call object (the same facts
        are resolved many times; the entry keeps the object alive, so its id is not reused)."""
        known = self._site_texts.get(id(call))
        if known is not None and known[0] is call:
            return known[1]
        text = ir.show(call, 200)
        self._site_texts[id(call)] = (call, text)
        return text

    def resolve_at(self, expr: ir.Expr | None, ctx: Ctx, line: int) -> Value:
        """`resolve`, for an expression on line `line` of a module body: a module-level name assigned on
        that line or later still has its earlier binding there, the `def` or `class` (the right-hand side
        of `handler = router.post("/x")(handler)` is evaluated before `handler` is rebound)."""
        facts = self.by_name.get(ctx.module)
        if ctx.scope is None and isinstance(expr, ir.Name) and facts is not None and \
                facts.assign_lines.get(expr.id, 0) >= line:
            if expr.id in facts.functions:
                return FuncV(facts.module, expr.id)
            if expr.id in facts.classes:
                return ClassV(facts.module, expr.id)
        return self.resolve(expr, ctx)

    def truth(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> bool | None:
        """Whether a condition is true, when its value can be told statically (literals, constants, bound
        arguments, `not`, `and`/`or`, comparisons of literals); None when it cannot."""
        if expr is None or depth > MAX_RESOLVE_DEPTH:
            return None
        d = depth + 1
        if isinstance(expr, ir.Not):
            inner = self.truth(expr.value, ctx, d)
            return None if inner is None else not inner
        if isinstance(expr, ir.BoolOp):
            results = [self.truth(v, ctx, d) for v in expr.values]
            if expr.op == "and":
                return False if False in results else None if None in results else True
            return True if True in results else None if None in results else False
        if isinstance(expr, ir.Call) and isinstance(expr.func, ir.Attr) and expr.func.attr in _STR_TESTS:
            return self._str_test(expr, ctx, d)
        if isinstance(expr, ir.Compare) and len(expr.ops) == 1:
            left = self.resolve(expr.left, ctx, d)
            if expr.ops[0] in ("is", "is not") and isinstance(expr.comparators[0], ir.Const) and \
                    expr.comparators[0].value is None and \
                    (isinstance(left, (FuncV, ClassV, ModuleV)) or _display(expr.left)):
                return expr.ops[0] == "is not"  # `[...] is None`, `func is not None`
            if expr.ops[0] in ("in", "not in"):
                found = self._membership(left, expr, ctx, d)
                return None if found is None else found == (expr.ops[0] == "in")
            right = self.resolve(expr.comparators[0], ctx, d)
            if not (isinstance(left, LiteralV) and isinstance(right, LiteralV)) or \
                    self.environment_field(expr.left, ctx) or self.environment_field(expr.comparators[0], ctx):
                return None
            op, a, b = expr.ops[0], left.value, right.value
            if op in ("==", "is"):
                return a == b
            if op in ("!=", "is not"):
                return a != b
            return None
        if isinstance(expr, (ir.Seq, ir.DictE)):
            return bool(expr.items)
        value = self.resolve(expr, ctx, d)
        if isinstance(value, LiteralV):
            return None if self.environment_field(expr, ctx) else bool(value.value)
        if isinstance(value, (FuncV, ClassV, ModuleV)):
            return True
        return None

    def _membership(self, left: Value, expr: ir.Compare, ctx: Ctx, depth: int) -> bool | None:
        """`a in b` of a known value in a known string (`"admin" in prefix`), in a list, tuple or set display of
        known values (`name in ("admin", "internal")`) or in a name bound to a tuple of them (a list bound to a
        name may be changed by other code); None when either cannot be told."""
        if not isinstance(left, LiteralV) or self.environment_field(expr.left, ctx):
            return None
        right = expr.comparators[0]
        found = self._literal(right, ctx, depth)
        if found is not None and isinstance(found[0], ir.Seq) and \
                (found[0] is right or found[0].kind == "tuple" or isinstance(right, ir.Bound)):
            items = [self.resolve(i, found[1], depth + 1) for i in found[0].items]
            if any(isinstance(i, ir.Star) for i in found[0].items) or \
                    not all(isinstance(i, LiteralV) for i in items):
                return None
            return any(isinstance(i, LiteralV) and i.value == left.value for i in items)
        whole = self.resolve(right, ctx, depth)
        if isinstance(whole, LiteralV) and isinstance(whole.value, str) and isinstance(left.value, str) and \
                not self.environment_field(right, ctx):
            return left.value in whole.value
        return None

    def environment_field(self, expr: ir.Expr, ctx: Ctx) -> bool:
        """`expr` is `<settings object>.<field>`, a field of a pydantic-settings class (`BaseSettings`) that the
        call making the object does not pass: pydantic-settings reads it from the environment (or a `.env`
        file) when the object is made, so the class default is only its value where nothing sets it. Its
        value serves where a default is the best guess (a path prefix); a test of it is not decided."""
        if not isinstance(expr, ir.Attr):
            return False
        base = self.resolve(expr.value, ctx)
        if not isinstance(base, InstanceV) or not isinstance(base.cls, ClassV):
            return False
        return expr.attr in self.environment_fields(base.cls) and base.call.kwarg(expr.attr) is None

    def environment_fields(self, cls_v: ClassV) -> frozenset[str]:
        """The fields of `cls_v` the environment may set: its annotated class attributes (and its project
        bases'), when it derives from a settings class; empty otherwise."""
        found = self._fields.get(cls_v)
        if found is not None:
            return found
        out: set[str] = set()
        if any(base.rsplit(".", 1)[-1] in SETTINGS_BASES for base in self.external_bases(cls_v)):
            for owner in self.mro(cls_v):
                cdef = self.cls(owner)
                for name, (annotation, _line) in (cdef.annotations.items() if cdef else ()):
                    if not name.startswith("_") and "ClassVar" not in ir.show(annotation) and name != "model_config":
                        out.add(name)
        self._fields[cls_v] = frozenset(out)
        return self._fields[cls_v]

    def _str_test(self, call: ir.Call, ctx: Ctx, depth: int) -> bool | None:
        """`path.endswith("/")`, `name.isidentifier()` of a known string."""
        assert isinstance(call.func, ir.Attr)
        if call.kwargs or len(call.args) > 1 or any(isinstance(a, ir.Star) for a in call.args):
            return None
        base = self.string(call.func.value, ctx, depth)
        args = [self.string(a, ctx, depth) for a in call.args]
        if base is None or any(a is None for a in args):
            return None
        try:
            return bool(getattr(base, call.func.attr)(*args))
        except TypeError:  # `path.endswith()`
            return None

    def _subscript(self, expr: ir.Sub, ctx: Ctx, depth: int) -> Value:
        """`table[key]` of a dict / list / tuple literal (or a name bound to one): the item when the key is
        known, else the union of every item."""
        if len(expr.index) != 1:
            return UNKNOWN
        found = self._literal(expr.value, ctx, depth)
        if found is None:
            return UNKNOWN
        container, cctx = found
        key = self.resolve(expr.index[0], ctx, depth + 1)
        if isinstance(container, ir.DictE):
            entries = self.dict_entries(container, cctx, depth + 1)
            if entries is not None:  # every key known: the value the key selects, any value for an unknown key
                return self._lookup(entries, key, cctx, depth, None)
            pairs = [(k, v) for k, v in container.items if k is not None]
            if isinstance(key, LiteralV) and len(pairs) == len(container.items):
                for k, v in pairs:
                    kv = self.resolve(k, cctx, depth + 1)
                    if isinstance(kv, LiteralV) and kv.value == key.value:
                        return self.resolve(v, cctx, depth + 1)
            return union(self.resolve(v, cctx, depth + 1) for _k, v in pairs) if pairs else UNKNOWN
        if isinstance(container, ir.Seq) and container.kind in ("list", "tuple") and \
                not any(isinstance(i, ir.Star) for i in container.items):
            if isinstance(key, LiteralV) and isinstance(key.value, int) and not isinstance(key.value, bool):
                if -len(container.items) <= key.value < len(container.items):
                    return self.resolve(container.items[key.value], cctx, depth + 1)
                return UNKNOWN
            return union(self.resolve(i, cctx, depth + 1) for i in container.items) if container.items \
                else UNKNOWN
        return UNKNOWN

    def _literal(self, expr: ir.Expr, ctx: Ctx, depth: int) -> tuple[ir.Expr, Ctx] | None:
        """The dict / list / tuple literal an expression is, or a name is bound to."""
        for _ in range(8):
            if isinstance(expr, ir.Bound):
                assert isinstance(expr.ctx, Ctx)
                ctx = expr.ctx
                expr = expr.expr
                continue
            if isinstance(expr, (ir.DictE, ir.Seq)):
                return expr, ctx
            found: tuple[ir.Expr, Ctx] | None = None
            if isinstance(expr, ir.Name):
                bound = ctx.bound(ctx.scope, expr.id) if ctx.scope else None
                found = (bound, ctx) if bound is not None else self.assignment(expr, ctx, depth)
            elif isinstance(expr, ir.Attr):
                found = self.assignment(expr, ctx, depth)
            if found is None:
                return None
            expr, ctx = found
        return None

    def dict_entries(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> list[tuple[str, ir.Expr]] | None:
        """The items of a dict whose keys are all known strings, each value as `ir.Bound` (read where it is
        written): a dict literal (with `**spread` of such dicts), `dict(mapping, key=value, ...)`, a name or
        attribute bound to one, a bound argument. None when any key cannot be told."""
        if expr is None or depth > MAX_RESOLVE_DEPTH:
            return None
        current: object = expr
        for _ in range(8):
            if isinstance(current, ir.Bound):
                where = current.ctx
                assert isinstance(where, Ctx)
                current, ctx = current.expr, where
                continue
            if isinstance(current, (ir.DictE, ir.Call)):
                return self._dict_made(current, ctx, depth + 1)
            if not isinstance(current, (ir.Name, ir.Attr)):
                return None
            bound = ctx.bound(ctx.scope, current.id) \
                if isinstance(current, ir.Name) and ctx.scope is not None else None
            found = (bound, ctx) if bound is not None else self.assignment(current, ctx, depth)
            if found is None:
                return None
            current, ctx = found
        return None

    def _dict_made(self, expr: ir.DictE | ir.Call, ctx: Ctx, depth: int) -> list[tuple[str, ir.Expr]] | None:
        """`dict_entries` of a dict literal or a `dict(...)` call."""
        parts: list[tuple[str | None, ir.Expr]] = []  # (key, value); None: a mapping spread into it
        if isinstance(expr, ir.DictE):
            for key, value in expr.items:
                name = self.string(key, ctx, depth) if key is not None else None
                if key is not None and name is None:
                    return None
                parts.append((name, value))
        else:
            if self.resolve(expr.func, ctx, depth) != ExternalV("builtins.dict") or len(expr.args) > 1 or \
                    any(isinstance(a, ir.Star) for a in expr.args):
                return None
            parts = [(None, a) for a in expr.args] + [(None if k == "**" else k, v) for k, v in expr.kwargs]
        out: list[tuple[str, ir.Expr]] = []
        for name, value in parts:
            more: list[tuple[str, ir.Expr]] | None = [(name, ir.Bound(value, ctx))] if name is not None else \
                self.dict_entries(ir.Bound(value, ctx), ctx, depth + 1)
            if more is None:
                return None
            out = _merge_entries(out, more)
        return out

    def spread_kwargs(self, call: ir.Call, ctx: Ctx) -> ir.Call:
        """`call` with each `**mapping` argument replaced by the keyword arguments it passes, when the
        mapping is a dict whose keys are known (`include_router(**{"router": r, "prefix": "/a"})`, a loop
        variable over a list of such dicts, `dict(router=r)`); the values are `ir.Bound` to where they are
        written. Mappings that cannot be told stay `**`."""
        if not any(key == "**" for key, _ in call.kwargs):
            return call
        kwargs: list[tuple[str, ir.Expr]] = []
        for key, value in call.kwargs:
            entries = self.dict_entries(value, ctx) if key == "**" else None
            if entries is None:
                kwargs.append((key, value))
            else:
                kwargs.extend(entries)
        return ir.Call(call.func, call.args, tuple(kwargs), call.line, call.col)

    def resolve_assigned(self, expr: ir.Expr, ctx: Ctx, key: SiteKey, depth: int) -> Value:
        """Resolve the right-hand side of `name = expr`; a call there gets `key` as identity. In `name = a(...)
        if test else b(...)` with a test that cannot be decided each call is one alternative of the binding: its
        key is the binding's, with `("if", test text, True/False)` appended (see `alternative_tests`)."""
        if isinstance(expr, ir.Call):
            return self._call(expr, ctx, key, depth + 1)
        if isinstance(expr, ir.IfExp) and depth <= MAX_RESOLVE_DEPTH:
            test = self.truth(expr.test, ctx, depth + 1)
            if test is not None:
                return self.resolve_assigned(expr.body if test else expr.orelse, ctx, key, depth + 1)
            shown = ir.show(expr.test)
            return union((self.resolve_assigned(expr.body, ctx, (*key, ("if", shown, True)), depth + 1),
                          self.resolve_assigned(expr.orelse, ctx, (*key, ("if", shown, False)), depth + 1)))
        return self.resolve(expr, ctx, depth + 1)

    def _call(self, call: ir.Call, ctx: Ctx, key: SiteKey, depth: int) -> Value:
        func = call.func
        if isinstance(func, ir.Name) and func.id == "__import_from__":
            # a function-local `from module import name` (facts/walker.py writes it so)
            match call.args:
                case (ir.Str(mod), ir.Str(name)):
                    return self.import_ref(ImportRef(mod, name), depth)
        if isinstance(func, ir.Name) and func.id == "__import__" and call.args and isinstance(call.args[0], ir.Str):
            return self.import_ref(ImportRef(call.args[0].value, None), depth)
        if isinstance(func, ir.Name) and func.id in _ENTER and len(call.args) == 1 and not call.kwargs:
            return self._entered(func.id, call, ctx, depth)
        if isinstance(func, ir.Sub) and (self._lib_mode or isinstance(self.resolve(func.value, ctx, depth), ClassV)):
            func = func.value  # `Generic[T](...)`: a call of the class
        if isinstance(func, ir.Attr) and func.attr == "get" and 1 <= len(call.args) <= 2 and not call.kwargs:
            got = self._dict_get(func.value, call, ctx, depth)
            if got is not None:
                return got
        callee = self.resolve(func, ctx, depth)
        if isinstance(callee, ExternalV) and callee.qualname in _CASTS and len(call.args) == 2 and not call.kwargs:
            return self.resolve(call.args[1], ctx, depth)  # `typing.cast(T, value)` returns the value
        if isinstance(callee, UnionV):  # `make = A if flag else B; make(...)`: each alternative (None is no callable)
            return union(self._call_one(option, call, ctx, key, depth) for option in _not_none(callee.options))
        return self._call_one(callee, call, ctx, key, depth)

    def _entered(self, method: str, call: ir.Call, ctx: Ctx, depth: int) -> Value:
        """What `with manager as name` binds (`__enter__(manager)`, `__aenter__(manager)` from facts/walker.py):
        for an object of a project class that defines the method (itself or a project base), what a call of it
        returns (commonly `self`); for any other object, a library's (`httpx.AsyncClient`, `requests.Session`,
        `aiohttp.ClientSession`, a file), the object itself, as those return `self`. Anything else, an object
        made by a function (`@contextmanager`, whose generator's `yield` is the value), is unknown."""
        out: list[Value] = []
        for option in options(self.resolve(call.args[0], ctx, depth)):
            if not isinstance(option, InstanceV):
                return UNKNOWN
            if isinstance(option.cls, ClassV) and isinstance(self._attr(option, method, depth, ctx), FuncV):
                entered = ir.Call(ir.Attr(call.args[0], method), (), (), call.line, call.col)
                out.append(self._call(entered, ctx, ("call", ctx.module, ctx.scope, call.line,
                                                     self._site_text(entered)), depth + 1))
            else:
                out.append(option)
        return union(out)

    def _dict_get(self, holder: ir.Expr, call: ir.Call, ctx: Ctx, depth: int) -> Value | None:
        """`mapping.get(key[, default])` of a dict whose keys are all known strings (a literal, `dict(...)`, a
        `**kwargs` parameter: the dict of the keyword arguments it collected): the value, or the default (None)
        when the key is not there; for a key only known at run time, any of its values or the default. None
        when the dict cannot be told."""
        entries = self.dict_entries(holder, ctx, depth + 1)
        if entries is None:
            return self._dict_get_literal(holder, call, ctx, depth)
        default: Value = self.resolve(call.args[1], ctx, depth + 1) if len(call.args) == 2 else LiteralV(None)
        return self._lookup(entries, self.resolve(call.args[0], ctx, depth + 1), ctx, depth, default)

    def _dict_get_literal(self, holder: ir.Expr, call: ir.Call, ctx: Ctx, depth: int) -> Value | None:
        """`mapping.get(key[, default])` of a dict literal with keys that are not all strings (`{Mode.A: a}`):
        for a key only known at run time any value or the default; for a known key the value whose key resolves
        to it (the default when every key resolves and none does). None when that cannot be told."""
        found = self._literal(holder, ctx, depth)
        if found is None:
            return None
        container, cctx = found
        if not isinstance(container, ir.DictE) or any(k is None for k, _ in container.items):
            return None
        key = self.resolve(call.args[0], ctx, depth + 1)
        default: Value = self.resolve(call.args[1], ctx, depth + 1) if len(call.args) == 2 else LiteralV(None)
        if not isinstance(key, LiteralV):
            return union([*(self.resolve(v, cctx, depth + 1) for _k, v in container.items), default])
        keys = [self.resolve(k, cctx, depth + 1) for k, _v in container.items]
        for kv, (_k, v) in zip(keys, container.items, strict=True):
            if isinstance(kv, LiteralV) and kv.value == key.value:
                return self.resolve(v, cctx, depth + 1)
        return default if all(isinstance(kv, LiteralV) for kv in keys) else None

    def _lookup(self, entries: list[tuple[str, ir.Expr]], key: Value, ctx: Ctx, depth: int,
                missing: Value | None) -> Value:
        """The value of `key` in a dict of known string keys (`entries`), as Python looks it up: each key the
        value may be (a union of literals) gives its own; a key only known at run time may be any of them.
        `missing`: what a key that is not there gives (`.get`'s default), None when that raises (`d[k]`)."""
        keys = options(key)
        if not all(isinstance(k, LiteralV) for k in keys):  # undecided: any value (or the default)
            found = [self.resolve(value, ctx, depth + 1) for _name, value in entries]
            return union([*found, missing] if missing is not None else found)
        out: list[Value] = []
        for k in keys:
            assert isinstance(k, LiteralV)
            value = next((v for name, v in entries if isinstance(k.value, str) and name == k.value), None)
            if value is not None:
                out.append(self.resolve(value, ctx, depth + 1))  # (an `ir.Bound`: read where it is written)
            elif missing is not None:
                out.append(missing)
        return union(out)

    def _call_one(self, callee: Value, call: ir.Call, ctx: Ctx, key: SiteKey, depth: int) -> Value:
        if isinstance(callee, ExternalV) and self._lib_mode:
            callee = self.materialize(callee)
        if isinstance(callee, (ClassV, ExternalV)):
            if isinstance(callee, ExternalV) and (callee.qualname in ("functools.partial",)
                                                  or callee.qualname in _BUILTIN_FUNCTIONS):
                return UNKNOWN  # what `getattr(obj, name, None)` or `next(it)` gives is not an instance of it
            if isinstance(callee, ClassV) and ctx.env:
                # made in one call of the function around it (`instance = component(self, *args, **kwargs)` in
                # `register(self, component, ...)`): its `__init__` reads that call's arguments
                return InstanceV(callee, call, ctx.module, ctx.scope, key, ctx.env)
            return InstanceV(callee, call, ctx.module, ctx.scope, key)
        if isinstance(callee, FuncV):
            return self.call_result(callee, depth, call, ctx)
        return InstanceV(None, call, ctx.module, ctx.scope, key)

    def call_env(self, callee: FuncV, func: Func, call: ir.Call, ctx: Ctx, skip_first: bool = False) -> Ctx:
        """The context of `callee`'s body for one call: its arguments (read in `ctx`) bound to its
        parameters, its defaults read where the `def` is (the enclosing scope). Past MAX_CALL_DEPTH nested
        calls, or for a call that passes nothing, the plain context of the body."""
        def_ctx = Ctx(callee.module, func.parent)
        plain = Ctx(callee.module, func.qualname)
        if ctx.depth >= MAX_CALL_DEPTH or not func.params:
            return plain
        env = bind_args(func, self.spread_kwargs(call, ctx), ctx, def_ctx, skip_first=skip_first)
        pairs = tuple(BoundParam(func.qualname, name, expr) for name, expr in sorted(env.names.items())
                      if isinstance(expr, ir.Bound))
        # `obj.method(...)` of an object of a project class: `self` is that object (a library's methods are read
        # once, as the class's own code)
        receiver = self._receiver(func, call, ctx, callee.module in self.lib_modules) if skip_first else None
        if receiver is not None:
            pairs = (BoundParam(func.qualname, func.params[0].name, receiver), *pairs)
        if not pairs:
            return plain
        # the bindings of the functions around it stay visible (a closure called where it was made)
        outer = tuple(item for item in ctx.env if item.function != func.qualname) \
            if ctx.module == callee.module else ()
        return Ctx(callee.module, func.qualname, pairs + outer, ctx.depth + 1)

    def construction_env(self, init: FuncV, func: Func, call: ir.Call, ctx: Ctx) -> Ctx:
        """The context of `__init__`'s body (`init`, `func`) for the object one call of its class makes (`call`,
        read in `ctx`): the call's arguments bound to the parameters after `self`, and `self` bound to the object
        that call makes. Every reading of that body for that object (its routes' declarations, an attribute
        read through the object) is in this one context, so what the body makes (`router = APIRouter()`) is one
        object to all of them."""
        inner = self.call_env(init, func, call, ctx, skip_first=True)
        if not func.params:
            return inner
        this = BoundParam(func.qualname, func.params[0].name, ir.Bound(call, ctx))
        return Ctx(inner.module, inner.scope, (this, *inner.env), max(inner.depth, ctx.depth + 1))

    def init_env(self, init: FuncV, func: Func, instance: InstanceV) -> Ctx:
        """The context of `init`'s body (an `__init__` of the class of `instance`, or of a base class) for that
        object: the construction's arguments bound to the `__init__` it runs, and down the `super().__init__(...)`
        (`Base.__init__(self, ...)`) calls each `__init__` makes, each call's arguments to the next one, as far as
        `init` (`BaseServe.__init__(self, system_app, api_prefix)` called by `Serve.__init__` with the default
        `api_prefix` it chose). The construction bound straight to `init` when the chain does not reach it."""
        call, where = instance.call, instance.where()
        first = self.class_attr(instance.cls, "__init__") if isinstance(instance.cls, ClassV) else None
        first_func = self.func(first) if isinstance(first, FuncV) else None
        if not isinstance(instance.cls, ClassV) or not isinstance(first, FuncV) or first == init or \
                first_func is None or first_func.class_name is None:
            return self.construction_env(init, func, call, where)
        mro = self.mro(instance.cls)
        this = ir.Bound(call, where)
        cur, cur_func, env = first, first_func, self.construction_env(first, first_func, call, where)
        for _ in range(MAX_INIT_CHAIN):
            cur_cls = ClassV(cur.module, cur_func.class_name or "")
            if cur_cls not in mro:
                break
            nxt = next((found for base in mro[mro.index(cur_cls) + 1:]
                        if isinstance(found := self.class_attr(base, "__init__"), FuncV)), None)
            nxt_func = self.func(nxt) if nxt is not None else None
            super_call = self._super_init_call(cur_func, env)
            if nxt is None or nxt_func is None or nxt_func.class_name is None or super_call is None or \
                    not nxt_func.params:
                break
            inner = self.call_env(nxt, nxt_func, super_call, env, skip_first=True)
            self_param = nxt_func.params[0].name
            pairs = tuple(p for p in inner.env if not (p.function == nxt_func.qualname and p.param == self_param))
            env = Ctx(inner.module, inner.scope, (BoundParam(nxt_func.qualname, self_param, this), *pairs),
                      max(inner.depth, env.depth + 1))
            if nxt == init:
                return env
            cur, cur_func = nxt, nxt_func
        return self.construction_env(init, func, call, where)

    def _super_init_call(self, func: Func, ctx: Ctx) -> ir.Call | None:
        """The call of the next `__init__` in an `__init__`: `super().__init__(...)`, or `Base.__init__(self, ...)`
        as a call without the explicit `self`."""
        for inner in func.calls:
            f = inner.func
            if isinstance(f, ir.Attr) and f.attr == "__init__":
                if isinstance(f.value, ir.Call) and ir.dotted(f.value.func) == "super":
                    return inner
                if isinstance(self.resolve(f.value, ctx), ClassV) and inner.args:
                    return ir.Call(ir.Attr(ir.Call(ir.Name("super"), (), (), inner.line, inner.col), "__init__"),
                                   inner.args[1:], inner.kwargs, inner.line, inner.col)
        return None

    def _receiver(self, func: Func, call: ir.Call, ctx: Ctx, library: bool = False) -> ir.Bound | None:
        """For a method called on an object (`obj.method(...)`): the object, when it is one the project's code
        made (an instance of a project class, made by a call that can be read); None otherwise."""
        if not isinstance(call.func, ir.Attr) or not func.params or func.params[0].kind not in ("pos", "posonly"):
            return None
        receiver = call.func.value
        if isinstance(receiver, ir.Call) and ir.dotted(receiver.func) == "super" and not receiver.args:
            # `super().method(...)` in a method: the object is the caller's own `self`
            caller = self.func(FuncV(ctx.module, ctx.scope)) if ctx.scope else None
            if caller is None or caller.class_name is None or not caller.params:
                return None
            receiver = ir.Name(caller.params[0].name)
        value = self.resolve_lib(receiver, ctx) if library else self.resolve(receiver, ctx)
        if not isinstance(value, InstanceV) or not isinstance(value.cls, ClassV) or value.key[:1] in (("self",),
                                                                                                       ("declared",)):
            return None
        return ir.Bound(receiver, ctx)

    def returned(self, call: ir.Call, ctx: Ctx) -> tuple[ir.Expr, Ctx] | None:
        """What a call of a project function hands back, as an expression and where to read it (the
        function's body, this call's arguments bound): its one `return` value, or the last of several when
        every other one returns the same text (`return Depends(a)` in each branch is one dependency). None
        for anything else (a method, a generator, returns that differ, a callee that cannot be told)."""
        callee = self.resolve(call.func, ctx)
        if not isinstance(callee, FuncV):
            return None
        func = self.func(callee)
        if func is None or func.class_name is not None or func.has_yield:
            return None
        env = self.call_env(callee, func, call, ctx)
        values = [r.value for r in self.reachable_returns(func, env)
                  if r.value is not None and not (isinstance(r.value, ir.Const) and r.value.value is None)]
        if not values or len({ir.show(v, 400) for v in values}) != 1:
            return None
        return values[-1], env

    def test_truth(self, conditions: tuple[ir.Expr, ...], k: int, ctx: Ctx, line: int, depth: int = 0) -> bool | None:
        """`truth` of `conditions[k]`, the k-th `if` test around code at `line` of the function `ctx.scope`:
        a parameter the test reads that the function rebinds only after the test (`if deps is None: deps = [...]`
        / `else: deps.append(...)`) is still the argument there, not the later binding."""
        return self.truth(self.before_bindings(conditions, k, ctx, line), ctx, depth)

    def before_bindings(self, conditions: tuple[ir.Expr, ...], k: int, ctx: Ctx, line: int) -> ir.Expr:
        """`conditions[k]` with each parameter it reads that no binding of the function reaches before the
        test replaced by the argument the call being evaluated binds to it (unknown without a call): the
        bindings after `line`, and those inside the `if` statement whose test it is, run after it. A test in a
        loop is left as it is (a later binding reaches the next iteration)."""
        test = conditions[k]
        func = self.func(FuncV(ctx.module, ctx.scope)) if ctx.scope is not None else None
        if func is None or any(is_marker(c) for c in conditions[:k + 1]):
            return test
        names: dict[str, ir.Expr] = {}
        for name in free_names(test):
            if name not in func.assigns or not any(p.name == name for p in func.params):
                continue
            if any(b.name == name and _reaches(b, conditions, k, line) for b in func.binds):
                continue
            names[name] = ctx.bound(func.qualname, name) or ir.Unknown(name)
        return subst(test, names) if names else test

    def never_rebound(self, func: Func, name: str, ctx: Ctx) -> bool:
        """`name` is a parameter of `func` that the call being evaluated (`ctx.env`) never rebinds: every
        binding of it is under a test that is false for the call (`if deps is None: deps = [...]` called with
        a list). It then holds the argument throughout."""
        if not ctx.env or not any(p.name == name for p in func.params):
            return False
        binds = [b for b in func.binds if b.name == name]
        if not binds or not all(b.conditions for b in binds):
            return False
        key = ("rebound", ctx.module, func.qualname, name, ctx.env)
        if key in self._cache:
            self._met(key)
            return self._cache[key] == LiteralV(True)  # (False while being weighed: a test reading the name)
        self._cache[key] = UNKNOWN
        self._set_flight(key)
        local = Ctx(ctx.module, func.qualname, ctx.env, ctx.depth)
        try:
            found = all(any(self.test_truth(b.conditions, k, local, b.line) is False
                            for k in range(len(b.conditions))) for b in binds)
        finally:
            self._flight.pop(key, None)
        self._cache[key] = LiteralV(True) if found else UNKNOWN
        return found

    def reachable_returns(self, func: Func, fctx: Ctx, depth: int = 0) -> list[Return]:
        """The `return`s of `func` a call with the arguments bound in `fctx` may reach, in source order: not
        those under a test that is false for it, nor those after a `return` whose every test holds (in
        `def dep(required=True): if required: return a` / `return b`, `dep()` returns `a` only)."""
        out: list[Return] = []
        for ret in func.returns:
            truths = [None if is_marker(c) else self.test_truth(ret.conditions, k, fctx, ret.line, depth + 1)
                      for k, c in enumerate(ret.conditions)]
            if False in truths:
                continue
            out.append(ret)
            if all(t is True for t in truths):
                break
        return out

    def call_result(self, callee: FuncV, depth: int = 0, call: ir.Call | None = None,
                    ctx: Ctx | None = None) -> Value:
        """What calling a project function returns: with `call` (written in `ctx`), for that call's
        arguments; every `return` that resolves counts (their union)."""
        func = self.func(callee)
        if func is None:
            return UNKNOWN
        method = call is not None and func.class_name is not None and isinstance(call.func, ir.Attr) and \
            func.params and self.self_class(ParamV(callee.module, func.qualname, func.params[0].name)) is not None
        fctx = self.call_env(callee, func, call, ctx, skip_first=bool(method)) \
            if call is not None and ctx is not None else Ctx(callee.module, func.qualname)
        cache_key = ("result", callee, fctx, self._lib_mode)
        if cache_key in self._cache:
            self._met(cache_key)
            return self._cache[cache_key]
        self._cache[cache_key] = UNKNOWN  # cycle guard
        self._set_flight(cache_key)
        try:
            return self._call_result(func, fctx, cache_key, depth)
        finally:
            self._flight.pop(cache_key, None)

    def _call_result(self, func: Func, fctx: Ctx, cache_key: tuple[Hashable, ...], depth: int) -> Value:
        found = []
        unknown = False
        for ret in reversed(self.reachable_returns(func, fctx, depth)):
            if ret.value is None or (isinstance(ret.value, ir.Const) and ret.value.value is None):
                continue
            value = self.resolve(ret.value, fctx, depth + 1)
            if not isinstance(value, UnknownV):
                found.append(value)
            else:
                unknown = True
        if unknown and found and all(_constants(v) for v in found):
            # `if (value := getenv(name)) is None: return default` / `return value.lower() == "true"`: a constant
            # on some paths and a run-time value on others is no constant (a test of it cannot be decided)
            found = []
        result = union(found) if found else UNKNOWN
        if isinstance(result, UnknownV) and found:
            result = found[0]  # some returns resolve, others do not: the last one that does, as before
        self._cache[cache_key] = result
        return result

    def _branches(self, func: Func, name: str) -> list[Bind] | None:
        """The assignments of a local that may each be its value at the end of the function body: the
        last unconditional one and those after it under an `if`; None when that is only the last one."""
        cached = self._branch_tables.get(id(func))
        if cached is not None:
            return cached[1].get(name)
        table: dict[str, list[Bind]] = {}
        by_name: dict[str, list[Bind]] = {}
        for bind in func.binds:
            by_name.setdefault(bind.name, []).append(bind)
        for bname, items in by_name.items():
            chosen = _alternatives(bname, items)
            if chosen is not None:
                table[bname] = chosen
        self._branch_tables[id(func)] = (func, table)  # the function is kept: its id stays its own
        return table.get(name)

    def branches(self, ctx: Ctx, name: str) -> tuple[list[Bind], Ctx] | None:
        """The bindings of `name` as seen from `ctx` that may each be its value (`if c: x = a` / `else: x = b`,
        in a function or at module level), with the context their values and tests are read in; None when
        the name has one binding that counts. A name `ctx` pins (see `at`) has the one binding reaching there."""
        pinned = self._pin(ctx, name)
        if pinned is not None:
            return [replace(pinned[0], conditions=())], Ctx(ctx.module, ctx.scope, ctx.env, ctx.depth)
        for func in self.scopes(ctx):
            if name in func.assigns:
                found = self._branches(func, name)
                return (found, Ctx(ctx.module, func.qualname, ctx.env, ctx.depth)) if found is not None else None
            if ctx.bound(func.qualname, name) is not None or any(p.name == name for p in func.params):
                return None
        facts = self.by_name.get(ctx.module)
        if facts is None or name not in facts.branches:
            return None
        chosen = _alternatives(name, facts.branches[name])
        return (chosen, Ctx(ctx.module)) if chosen is not None else None

    def at(self, ctx: Ctx, line: int, expr: ir.Expr | None) -> Ctx:
        """`ctx` for `expr` written on `line` of the body of its function (or module): each name it reads that is
        bound there under an `if` (a name `resolve` gives each binding's value) is pinned to its binding that
        reaches the line (`if web: router = A()` then `register(router)` in the same block: `A()`, not either
        router). `ctx` itself when no name is."""
        facts = self.by_name.get(ctx.module)
        if facts is None or facts.pending or expr is None:
            return ctx
        if ctx.scope is None:
            weighed: Iterable[str] = facts.branches
        else:
            func = facts.functions.get(ctx.scope)
            if func is None:
                return ctx
            self._branches(func, "")
            weighed = self._branch_tables[id(func)][1]
        if not weighed:
            return ctx
        pins = dict(ctx.pins)
        for name in free_names(expr):
            if name not in weighed:
                continue
            found = self._reaching_bind(ctx, name, line)
            if found is not None:
                pins[name] = found[0].line
        if pins == dict(ctx.pins):
            return ctx
        return Ctx(ctx.module, ctx.scope, ctx.env, ctx.depth, tuple(sorted(pins.items())))

    def _reaching_bind(self, ctx: Ctx, name: str, line: int) -> tuple[Bind, list[Bind]] | None:
        """The binding of `name` in the body `ctx` reads it in that reaches `line` (see `_reaching`), with the
        bindings `resolve` weighs as its value."""
        found = self._weighed(ctx, name)
        if found is None:
            return None
        binds, chosen = found
        facts = self.by_name[ctx.module]
        bind = _reaching(binds, chosen, line, facts.block_ends)
        return (bind, chosen) if bind is not None else None

    def _weighed(self, ctx: Ctx, name: str) -> tuple[list[Bind], list[Bind]] | None:
        """The bindings of `name` in the body `ctx` reads it in (module or function), and those of them `resolve`
        weighs as its value (`if c: x = a` / `else: x = b`); None when the name is not bound so there, or when code
        elsewhere may rebind it (`global` or `nonlocal` writes, an import of the same name)."""
        facts = self.by_name.get(ctx.module)
        if facts is None or facts.pending or len(facts.block_ends) < 2:
            return None
        if ctx.scope is None:
            binds = facts.branches.get(name)
            if not binds or name in facts.global_assigns or name in facts.imports:
                return None
            chosen = _alternatives(name, binds)
        else:
            func = facts.functions.get(ctx.scope)
            if func is None or name not in func.assigns or name in func.nonlocal_assigns or \
                    self._nonlocal_writes(ctx.module, ctx.scope, name):
                return None
            chosen = self._branches(func, name)
            binds = [b for b in func.binds if b.name == name] if chosen is not None else []
        return (binds, chosen) if chosen is not None else None

    def _pin(self, ctx: Ctx, name: str) -> tuple[Bind, list[Bind]] | None:
        """The binding `ctx` pins `name` to (see `at`), with the bindings `resolve` weighs."""
        line = next((b for n, b in ctx.pins if n == name), None) if ctx.pins else None
        found = self._weighed(ctx, name) if line is not None else None
        if found is None:
            return None
        bind = next((b for b in found[1] if b.line == line), None)
        return (bind, found[1]) if bind is not None else None

    def _pinned(self, name: str, ctx: Ctx, depth: int) -> Value | None:
        """The value of `name` at the place `ctx` is pinned to: its binding there, with the identity that binding's
        object has among the name's alternatives (so a router made in one branch is the one object it is)."""
        found = self._pin(ctx, name)
        if found is None:
            return None
        bind, chosen = found
        if ctx.scope is None:
            key: SiteKey = ("global", ctx.module, name) if bind is chosen[-1] else ("global", ctx.module, name,
                                                                                  bind.line)
            return self.resolve_assigned(bind.value, Ctx(ctx.module), key, depth)
        func = self.func(FuncV(ctx.module, ctx.scope))
        assert func is not None
        local = Ctx(ctx.module, ctx.scope, ctx.env, ctx.depth)
        made_in = (ctx.env,) if ctx.env else ()
        value = self.resolve_assigned(bind.value, local, ("local", ctx.module, ctx.scope, name, bind.line, *made_in),
                                      depth)
        if isinstance(value, UnknownV) and name in func.declared:
            value = self.declared_instance(func.declared[name], local, name, depth)
        return value

    def read_in_branch(self, key: SiteKey) -> bool:
        """Whether the object made at allocation site `key`, one alternative of a name bound under `if`s (`if web:
        router = APIRouter()`), is read through the name in the block of its binding (`register(router)` after
        it there; `at` pins the name so): each alternative is then its own object, whatever it is given there,
        not one object made alike in each branch."""
        while key and isinstance(key[-1], tuple) and len(key[-1]) == 3 and key[-1][0] == "if":
            key = key[:-1]
        parts: tuple[Hashable, ...]
        if len(key) >= 3 and key[0] == "global":
            parts, rest = (key[1], None, key[2]), key[3:]
        elif len(key) >= 4 and key[0] == "local":
            parts, rest = key[1:4], key[4:]
        else:
            return False
        module, scope, name = parts
        if not isinstance(module, str) or not isinstance(name, str) or not (scope is None or isinstance(scope, str)):
            return False
        line = rest[0] if rest and isinstance(rest[0], int) and not isinstance(rest[0], bool) else None
        memo = ("read-in-branch", module, scope, name, line)
        if memo in self._cache:
            return self._cache[memo] == LiteralV(True)
        found = self._read_in_branch(Ctx(module, scope), name, line)
        self._cache[memo] = LiteralV(found)
        return found

    def _read_in_branch(self, ctx: Ctx, name: str, line: int | None) -> bool:
        weighed = self._weighed(ctx, name)
        facts = self.by_name.get(ctx.module)
        if weighed is None or facts is None:
            return False
        chosen = weighed[1]
        bind = chosen[-1] if line is None else next((b for b in chosen if b.line == line), None)
        if bind is None or not 0 < bind.block < len(facts.block_ends):
            return False
        end = facts.block_ends[bind.block]
        func = facts.functions.get(ctx.scope) if ctx.scope is not None else None
        reads: list[tuple[int, ir.Expr]] = [(c.line, c) for c in func.calls] if func is not None else \
            [(site.call.line, site.call) for site in facts.calls if site.scope is None]
        reads.extend((dec.line, dec.expr) for f in facts.functions.values() if f.parent == ctx.scope
                     for dec in f.decorators)
        for at_line, expr in reads:
            if bind.line < at_line <= end and name in free_names(expr):
                reaching = self._reaching_bind(ctx, name, at_line)
                if reaching is not None and reaching[0] is bind:
                    return True
        return False

    def alternative_of(self, key: SiteKey) -> tuple[SiteKey, tuple[str, ...]] | None:
        """When the object made at allocation site `key` is one of several alternatives of one binding (`if c:
        x = A()` / `else: x = B()`, at module level or in a function, or `x = A() if c else B()`): the identity
        of that binding (the same for every alternative) and the tests, as source text, under which the name
        holds this object. None for an object made otherwise (the only value of its name, say)."""
        suffix: list[str] = []
        while key and isinstance(key[-1], tuple) and len(key[-1]) == 3 and key[-1][0] == "if":
            _, shown, taken = key[-1]
            suffix.insert(0, str(shown) if taken else f"not ({shown})")
            key = key[:-1]
        kind = key[0] if key else None
        binds: list[Bind] | None = None
        line: int | None = None
        if kind == "local" and len(key) >= 4:
            module, scope, name = key[1:4]
        elif kind == "global" and len(key) >= 3:
            module, scope, name = key[1], None, key[2]
        else:
            return None
        if not isinstance(module, str) or not isinstance(name, str):
            return None
        if kind == "global" and len(key) in (3, 4):
            facts = self.by_name.get(module)
            if len(key) == 4:
                if not isinstance(key[3], int):
                    return None  # a `global name` write in a function: not a choice made once
                line = key[3]
            binds = _alternatives(name, facts.branches[name]) if facts and name in facts.branches else None
            group: SiteKey = key[:3]
            where = Ctx(module)
        elif kind == "local" and isinstance(scope, str):
            if len(key) > 4 and isinstance(key[4], int):
                line = key[4]
                func = self.func(FuncV(module, scope))
                binds = self._branches(func, name) if func is not None else None
                key = (*key[:4], *key[5:])
            group = key
            env = key[4] if len(key) > 4 and isinstance(key[4], tuple) else ()  # the call being evaluated
            where = Ctx(module, scope, tuple(b for b in env if isinstance(b, BoundParam)))
        else:
            return None
        tests: list[str] = []
        if binds is not None:
            position = next((i for i, b in enumerate(binds) if b.line == line), None) if line is not None \
                else len(binds) - 1
            if position is None:
                return None
            bind = binds[position]
            if bind.conditions:  # (a test that holds for the call being evaluated chooses nothing)
                tests = [ir.show(c) for c in bind.conditions if self.truth(c, where) is not True]
            else:  # the unconditional binding before those under an `if`: it stays when none of those runs
                tests = [f"not ({' and '.join(ir.show(c) for c in later.conditions)})"
                         for later in binds[position + 1:]
                         if not any(self.truth(c, where) is False for c in later.conditions)]
        elif line is not None:
            return None
        if not tests and not suffix:
            return None
        return group, (*tests, *suffix)

    def _branch_union(self, branches: list[Bind], name: str, local: Ctx, made_in: tuple[Hashable, ...],
                      depth: int) -> Value:
        """The union of the alternatives of a local assigned under conditions that the call allows.
        A condition that reads the local being resolved (`if method == "goto": method = "link"`) reads
        its earlier value: while its alternatives are being weighed the local is unknown to those
        conditions, so each such test is undecided and keeps its alternative. Without this guard each
        condition re-resolves the local, and an `elif` chain of n tests costs n**depth."""
        key = ("weighing", local.module, local.scope, name, local.env)
        if key in self._cache:
            self._met(key)
            return UNKNOWN  # a condition reading `name` while its alternatives are weighed
        self._cache[key] = UNKNOWN
        self._set_flight(key)
        try:
            result = union(self.resolve_assigned(b.value, local, ("local", local.module, local.scope, name, b.line,
                                                                  *made_in), depth)
                           for b in branches
                           if not any(self._weighed_test(b.conditions, k, local, b.line, depth + 1) is False
                                      for k in range(len(b.conditions))))
        finally:
            del self._cache[key]
            self._flight.pop(key, None)
        return result

    def _rebound(self, rebinding: tuple[Bind | None, list[Bind]], name: str, here: Ctx, key: tuple[Hashable, ...],
                 guard: tuple[Hashable, ...], made_in: tuple[Hashable, ...], depth: int,
                 func: Func | None = None) -> Value:
        """The value of `name` after a chain of rebindings that each read the value before (`app = FastAPI()`,
        then `app = instrument(app)`): each is evaluated with `name` standing for the one before it (the cache
        entry `guard`, which the name's lookup reads first), as Python runs them. The last binding's value is
        keyed by `key` (what a single binding would be), the earlier ones by their line as well, so the object
        the chain starts from is one object whichever binding it is read through. A rebinding under an `if`
        whose tests cannot be told leaves either value (the one before it, or its own); one that cannot be
        resolved leaves the one before it, as an unresolved `return` does; one whose test is false is skipped."""
        start, chain = rebinding
        if start is not None:
            value = self.resolve_assigned(start.value, here, (*key, start.line, *made_in), depth)
        else:  # `def setup(app): app = wrap(app)`: the parameter
            bound = here.bound(here.scope, name) if here.scope is not None else None
            value = self.resolve(bound, here, depth + 1) if bound is not None else \
                ParamV(here.module, here.scope, name) if here.scope is not None and func is not None and \
                any(p.name == name for p in func.params) else UNKNOWN
        try:
            for bind in chain:
                taken = self._taken(bind, here, depth, func)
                if taken is False:
                    continue
                self._cache[guard] = value
                self._set_flight(guard)
                new = self.resolve_assigned(bind.value, here, (*key, *made_in) if bind is chain[-1]
                                            else (*key, bind.line, *made_in), depth)
                new = self._handed_back(new, bind.value, name, value, here, depth)
                value = new if taken or isinstance(value, UnknownV) else \
                    (UNKNOWN if _constants(value) else value) if isinstance(new, UnknownV) else union((value, new))
        finally:
            self._cache.pop(guard, None)
            self._flight.pop(guard, None)
        return value

    def _handed_back(self, new: Value, expr: ir.Expr, name: str, before: Value, here: Ctx, depth: int) -> Value:
        """`app = wrap(app)` where `wrap` is outside the project: what the name holds after it. A library
        function whose source is readable gives what it returns for this call (`return app`: the object handed
        in). A call nothing can be read of (an uninstalled library's `mount_ui(app, path="/ui")`, a wrapper such
        as `SentryAsgiMiddleware(app)`) is not known to make another app: the name keeps the object handed in,
        as an unresolved `return` does, and the routes registered on it before are what a request meets
        through it. FastAPI's own app and router classes, and classes deriving from them, make a new one."""
        if not (isinstance(new, InstanceV) and isinstance(new.cls, (ExternalV, type(None)))
                and isinstance(expr, ir.Call) and isinstance(before, InstanceV)):
            return new
        if not any(isinstance(a, ir.Name) and a.id == name for a in (*expr.args, *(v for _, v in expr.kwargs))):
            return new  # `app = Wrapper(settings=app.state)`: the object itself is not handed in
        cls = new.cls
        if cls is None:  # a callee that cannot be resolved at all
            return before
        if cls.qualname in APP_CLASSES or cls.qualname in ROUTER_CLASSES:
            return new
        source = self.materialize(cls)
        if isinstance(source, FuncV):
            result = self.call_result(source, depth + 1, expr, here)
            return before if isinstance(result, UnknownV) else result
        if isinstance(source, ClassV) and (APP_CLASSES | ROUTER_CLASSES) & set(self.external_bases(source)):
            return new
        return before

    def _taken(self, bind: Bind, here: Ctx, depth: int, func: Func | None) -> bool | None:
        """Whether the `if` tests around a binding hold (True when there are none); None when not known."""
        results = [self._weighed_test(bind.conditions, k, here, bind.line, depth + 1) if func is not None
                   else self._weighed_truth(test, here, depth + 1) for k, test in enumerate(bind.conditions)]
        return False if False in results else None if None in results else True

    def _weigh(self) -> bool:
        """Start weighing one more test, within MAX_WEIGHED for the outermost one (False: take it as undecided)."""
        if self._weighing == 0:
            self._tests_weighed = 0
        elif self._tests_weighed >= MAX_WEIGHED:
            self.weighing_cut += 1
            self._low = 0  # (what was weighed before decides it: no frame in flight is kept)
            return False
        self._tests_weighed += 1
        self._weighing += 1
        return True

    def _weighed_test(self, conditions: tuple[ir.Expr, ...], k: int, ctx: Ctx, line: int, depth: int) -> bool | None:
        """`test_truth` of a test around a local's binding, within MAX_WEIGHED for the outermost one."""
        if not self._weigh():
            return None
        try:
            return self.test_truth(conditions, k, ctx, line, depth)
        finally:
            self._weighing -= 1

    def _weighed_truth(self, test: ir.Expr, ctx: Ctx, depth: int) -> bool | None:
        """`truth` of a test around a binding, within MAX_WEIGHED for the outermost one."""
        if not self._weigh():
            return None
        try:
            return self.truth(test, ctx, depth)
        finally:
            self._weighing -= 1

    def scopes(self, ctx: Ctx) -> Iterator[Func]:
        """The functions whose locals a name written in `ctx` can see, innermost first (`ctx.scope`,
        then the functions it is nested in)."""
        facts = self.by_name.get(ctx.module)
        scope = ctx.scope
        while facts is not None and scope is not None:
            func = facts.functions.get(scope)
            if func is None:
                return
            yield func
            scope = func.parent

    def _local_rebinding(self, module: str, func: Func, name: str) -> tuple[Bind | None, list[Bind]] | None:
        """`_rebinding` of a function's local, read once per (function, name): every lookup asks again."""
        key = (module, func.qualname, name)
        if key not in self._rebindings:
            self._rebindings[key] = _rebinding(name, [b for b in func.binds if b.name == name])
        return self._rebindings[key]

    def _local(self, name: str, func: Func, ctx: Ctx, depth: int) -> Value:
        """The value of `func`'s local variable `name`, read in `ctx` (inside `func` or a function nested
        in it)."""
        scope = func.qualname
        # the local lives in a frame of `func`: what a function nested in it was called with (`ctx` is the nested
        # function's, reading the local as a closure) is no part of that frame
        nested = scope + "."
        if any(b.function.startswith(nested) for b in ctx.env):
            ctx = Ctx(ctx.module, ctx.scope, tuple(b for b in ctx.env if not b.function.startswith(nested)), ctx.depth)
        local = Ctx(ctx.module, scope, ctx.env, ctx.depth)
        # an object made in a function body is one object per call being evaluated (a router
        # factory called twice makes two routers)
        made_in = (ctx.env,) if ctx.env else ()
        guard = ("rebinding", ctx.module, scope, name, ctx.env)
        earlier = self._cache.get(guard)
        if earlier is not None:  # read by `name = f(name)` while it is evaluated: the value before it
            self._met(guard)
            return earlier
        memo = (ctx.module, scope, name, ctx.env, ctx.depth, ctx.scope, depth, self._lib_mode)
        known = self._local_memo.get(memo)
        if known is not None:
            self.local_memo_hits += 1
            return known
        outer = self._low
        self._frames += 1
        self._low = _CLEAN
        try:
            value = self._local_value(name, func, ctx, local, made_in, depth)
        finally:
            level = self._frames
            self._frames -= 1
            inner, self._low = self._low, min(outer, self._low)
        if inner >= level:  # met no marker set before it: any evaluation here gives the same
            self._local_memo[memo] = value
        return value

    def _local_value(self, name: str, func: Func, ctx: Ctx, local: Ctx, made_in: tuple[Hashable, ...],
                     depth: int) -> Value:
        """`_local`'s value, evaluated."""
        scope = func.qualname
        branches = self._branches(func, name)
        rebinding = self._local_rebinding(ctx.module, func, name) if branches is None else None
        if branches is not None:  # `if c: x = a` / `else: x = b`: each alternative the call allows
            value = self._branch_union(branches, name, local, made_in, depth)
        elif rebinding is not None:  # `app = FastAPI()` ... `app = instrument(app)`
            value = self._rebound(rebinding, name, local, ("local", ctx.module, scope, name),
                                  ("rebinding", ctx.module, scope, name, ctx.env), made_in, depth,
                                  func)
        else:
            value = self.resolve_assigned(func.assigns[name], local,
                                          ("local", ctx.module, scope, name, *made_in), depth)
            tried = _tried(name, func.binds)
            if tried is not None and _constants(value):
                # `try: res = config(key)` / `except KeyError: res = default`: the handler's constant holds only
                # when the body raised; with the body's value unreadable, the name is no constant
                value = union((self.resolve_assigned(tried.value, local, ("local", ctx.module, scope, name,
                                                                          tried.line, *made_in), depth), value))
        if isinstance(value, UnknownV) and name in func.declared:  # (a union holds no unknown)
            value = self.declared_instance(func.declared[name], local, name, depth)
        writes = self._nonlocal_writes(ctx.module, scope, name)
        if not writes:
            return value
        # closures that write it (`nonlocal name`) may have run: each value it can hold, the own
        # binding unless it is a `None` placeholder
        own = func.assigns[name]
        values = [] if isinstance(own, ir.Const) and own.value is None and branches is None else [value]
        values.extend(self.resolve_assigned(expr, Ctx(ctx.module, inner, ctx.env, ctx.depth),
                                            ("local", ctx.module, inner, name, *made_in), depth)
                      for expr, inner in writes)
        return union(values)

    def _name(self, name: str, ctx: Ctx, depth: int) -> Value:
        if ctx.pins:
            pinned = self._pinned(name, ctx, depth)
            if pinned is not None:
                return pinned
        facts = self.by_name.get(ctx.module)
        if facts is None:  # no function scopes to look in
            return self.global_name(ctx.module, name, depth)
        for func in self.scopes(ctx):
            scope = func.qualname
            if name in func.nonlocal_assigns:
                continue  # `nonlocal name`: the variable of an enclosing function
            if name in func.assigns and not self.never_rebound(func, name, ctx):
                return self._local(name, func, ctx, depth)
            bound = ctx.bound(scope, name)
            if bound is not None:  # a parameter, for the call being evaluated
                return self.resolve(bound, ctx, depth + 1)
            nested = f"{scope}.{name}"
            if nested in facts.functions:
                return FuncV(facts.module, nested)
            if nested in facts.classes:
                return ClassV(facts.module, nested)
            for i, param in enumerate(func.params):
                if param.name == name:
                    if i == 0 and self._lib_mode and func.class_name and param.kind in ("pos", "posonly") \
                            and func.class_name in facts.classes and name == "self":
                        # a library method's `self`: an instance of its class (`self.current_user(...)`)
                        call = ir.Call(ir.Name(func.class_name), (), (), func.line, 0)
                        return InstanceV(ClassV(facts.module, func.class_name), call, facts.module, None,
                                         ("self", facts.module, func.class_name))
                    return ParamV(facts.module, scope, name)
        return self.global_name(ctx.module, name, depth)

    def declared_instance(self, annotation: ir.Expr, ctx: Ctx, name: str, depth: int, exact: bool = False) -> Value:
        """What a local whose value cannot be told holds, taken from its declared type
        (`service: AuthService = app.state.service`): an instance of that project class. Only when no class
        of the project names it as a base: an instance of a subclass may behave otherwise (its own
        `__call__`), and the annotation cannot say which (`exact`: it can, the value is made by calling the
        class). `T | None` and `Optional[T]` are `T` (a `None` there fails before any request is served)."""
        expr = _declared_class(annotation)
        if expr is None:
            return UNKNOWN
        cls = self.resolve(expr, ctx, depth + 1)
        if not isinstance(cls, ClassV) or (not exact and self._has_subclass_named(cls.name.rpartition(".")[2])) or \
                not self._own_class(cls) or self._is_protocol(cls):
            return UNKNOWN
        func = self.func(FuncV(ctx.module, ctx.scope)) if ctx.scope else None
        call = ir.Call(expr, (), (), func.line if func is not None else 0, 0)
        return InstanceV(cls, call, ctx.module, ctx.scope, ("declared", ctx.module, ctx.scope, name))

    def declared_class(self, annotation: ir.Expr, ctx: Ctx) -> ClassV | None:
        """The project class a declared type names (`-> VerifierBase`, `Optional[T]`), read in `ctx`: only one
        deriving from the project's own classes alone, never a protocol; None otherwise."""
        expr = _declared_class(annotation)
        cls = self.resolve(expr, ctx) if expr is not None else None
        if not isinstance(cls, ClassV) or not self._own_class(cls) or self._is_protocol(cls):
            return None
        return cls

    def concrete(self, cls_v: ClassV) -> bool:
        """Whether no method an object of `cls_v` finds is still abstract (`is_abstract`)."""
        for klass in self.mro(cls_v):
            cdef = self.cls(klass)
            for name in cdef.methods if cdef is not None else ():
                method = self.class_attr(cls_v, name)
                func = self.func(method) if isinstance(method, FuncV) else None
                if func is not None and is_abstract(func):
                    return False
        return True

    def subclasses(self, cls_v: ClassV) -> list[ClassV]:
        """The project classes deriving from `cls_v` (at most MAX_SUBCLASSES)."""
        return self._subclasses(cls_v)

    def declared_param(self, param: ParamV, depth: int) -> Value:
        """A parameter no call binds here, taken from its declared type (`jwt_manager: JWTManager`), as
        `declared_instance` takes a local's. Not in a library's code: what a library declares is its own
        base class, which the project's classes derive from."""
        found = None if self._lib_mode or depth > MAX_RESOLVE_DEPTH else self._annotated_param(param)
        if found is None:
            return UNKNOWN
        func, p, annotation, where = found
        return self.declared_instance(annotation, where, f"{func.qualname}({p.name})", depth,
                                      exact=self._class_dependency(p.default, where))

    def _annotated_param(self, param: ParamV) -> tuple[Func, Param, ir.Expr, Ctx] | None:
        """The function of a parameter no call binds here, the parameter when it is declared with a type (and is
        not `*args`/`**kwargs`), its annotation, and the context the annotation is read in."""
        func = self.func(FuncV(param.module, param.func))
        if func is None:
            return None
        for p in func.params:
            if p.name == param.name and p.annotation is not None and p.kind in ("pos", "posonly", "kwonly"):
                return func, p, *self._annotated_type(p.annotation, Ctx(param.module, func.parent))
        return None

    def type_alias(self, annotation: ir.Expr, ctx: Ctx) -> tuple[ir.Expr, Ctx]:
        """A declared type read through the names bound to a subscripted type (`ServiceDep = Annotated[Service,
        Depends(get_service)]`), as Python reads an alias: that subscription and where it is written; the
        annotation itself when it names no such binding."""
        for _ in range(4):
            bound = self.assignment(annotation, ctx) if isinstance(annotation, (ir.Name, ir.Attr)) else None
            if bound is None or not isinstance(bound[0], ir.Sub):
                break
            annotation, ctx = bound
        return annotation, ctx

    def _annotated_type(self, annotation: ir.Expr, ctx: Ctx) -> tuple[ir.Expr, Ctx]:
        """The type a declaration names, with `Annotated[T, ...]` read as `T` (FastAPI's metadata is not the type),
        also through an alias of it (`type_alias`)."""
        for _ in range(4):
            annotation, ctx = self.type_alias(annotation, ctx)
            if not (isinstance(annotation, ir.Sub) and annotation.index):
                break
            kind = self.resolve(annotation.value, ctx)
            if not (isinstance(kind, ExternalV) and kind.qualname in ANNOTATED):
                break
            annotation = annotation.index[0]
        return annotation, ctx

    def _declared_own_method(self, param: ParamV, attr: str, depth: int) -> Value:
        """`tenant.url_path_for(...)` on a parameter declared with a project class that derives from a library's
        (a SQLAlchemy model: `declared_param` gives no instance of it): a method written in the class's own body,
        which Python's attribute lookup finds before anything a base class, the library's included, defines. Only
        when no project class derives from it (a subclass may override the method), when the method is not a stub
        (`...` under `if TYPE_CHECKING:`: the library's runs) and calls no method of the object or `super()` (the
        library's code). Any other attribute stays unknown."""
        found = None if self._lib_mode or depth > MAX_RESOLVE_DEPTH else self._annotated_param(param)
        if found is None:
            return UNKNOWN
        _func, p, annotation, where = found
        expr = _declared_class(annotation)
        cls = self.resolve(expr, where, depth + 1) if expr is not None else None
        if not isinstance(cls, ClassV) or self._is_protocol(cls) or \
                (not self._class_dependency(p.default, where) and
                 self._has_subclass_named(cls.name.rpartition(".")[2])):
            return UNKNOWN
        cdef = self.cls(cls)
        if cdef is None or attr not in cdef.methods:
            return UNKNOWN
        method = FuncV(cls.module, cdef.methods[attr])
        body = self.func(method)
        if body is None or self._is_property(method) or \
                not (body.returns or body.calls or body.binds or body.raises) or \
                any(free_names(call.func) & {"super", "self"} for call in body.calls):
            # a stub (`...`, one declared for type checkers: the library's runs), or one that calls on into
            # the library's code through `super()` or another method of the object (what the library's base
            # supplies), read without what the library registers at run time
            return UNKNOWN
        return method

    def declared_library_class(self, param: ParamV) -> ExternalV | None:
        """The library class a parameter no call binds here declares as its type (`session: AsyncSession`),
        when it names one: what its methods are, not what they do (`declared_param` makes instances of project
        classes only)."""
        found = self._annotated_param(param)
        if found is None:
            return None
        _func, _p, annotation, where = found
        expr = _declared_class(annotation)
        cls = self.resolve(expr, where) if expr is not None else None
        return cls if isinstance(cls, ExternalV) else None

    def _class_dependency(self, default: ir.Expr | None, ctx: Ctx) -> bool:
        """`auth: Auth = Depends()`: FastAPI calls the declared class itself, so the value is an instance of
        exactly that class, whatever derives from it."""
        if not isinstance(default, ir.Call) or default.args or default.kwarg("dependency") is not None:
            return False
        marker = self.resolve(default.func, ctx)
        return isinstance(marker, ExternalV) and marker.qualname.rpartition(".")[2] in ("Depends", "Security") and \
            marker.qualname.partition(".")[0] == "fastapi"

    def _own_class(self, cls_v: ClassV) -> bool:
        """Whether every class `cls_v` derives from is the project's own (or `object`, `ABC`, `Generic`, `Protocol`): a
        method inherited from a library class (authlib's `AuthorizationServer.create_endpoint_response`) is
        read, when it is, without what the library registers at run time, so a declared type gives no such
        instance."""
        known = self._own_classes.get(cls_v)
        if known is None:
            known = self._own_classes[cls_v] = self._all_bases_own(cls_v)
        return known

    def _is_protocol(self, cls_v: ClassV) -> bool:
        """`cls_v` lists `Protocol` among its own bases: a structural type, never what a value declared with it
        is an instance of (a class deriving from a protocol without listing `Protocol` is a concrete class)."""
        cdef = self.cls(cls_v)
        if cdef is None:
            return False
        for base in cdef.bases:
            value = self.resolve(class_base(base), Ctx(cls_v.module))
            if isinstance(value, ExternalV) and value.qualname in _PROTOCOL_BASES:
                return True
        return False

    def _all_bases_own(self, cls_v: ClassV) -> bool:
        for owner in self.mro(cls_v):
            cdef = self.cls(owner)
            if cdef is None:
                return False
            for base in cdef.bases:
                value = self.resolve(class_base(base), Ctx(owner.module))
                if isinstance(value, ClassV):
                    continue
                if not (isinstance(value, ExternalV) and value.qualname in _NEUTRAL_BASES):
                    return False
        return True

    def _has_subclass_named(self, class_name: str) -> bool:
        """Whether a class of the project lists a base whose last name is `class_name` (by name, not resolved:
        a same-named class elsewhere counts too, which only makes this stricter). A module not parsed yet
        (demand-driven mode) is parsed when the name is among its classes' bases (`ModuleFacts.bases`, read
        by CPython's parser), and skipped otherwise: the answer is
        the full mode's, whichever files happen to be parsed (a guess from the words differed between a
        cold run and a warm one, whose cache holds files an earlier run parsed on demand)."""
        known = self._subclassed.get(class_name)
        if known is None:
            if self._base_table is None:  # once: the bases of the modules parsed so far, and the placeholders'
                parsed: set[str] = set()
                pending: dict[str, list[ModuleFacts]] = {}
                for facts in self.modules:
                    if facts.pending:
                        for name in set(facts.bases.split()):
                            pending.setdefault(name, []).append(facts)
                    else:
                        parsed.update(_base_names(facts))
                self._base_table = (parsed, pending)
            parsed, pending = self._base_table
            # a placeholder filled since keeps its place under the names of its skim: a superset of its bases
            known = self._subclassed[class_name] = class_name in parsed or any(
                class_name in _base_names(self.by_name.get(stub.module, stub)) for stub in pending.get(class_name, ()))
        return known

    def _nonlocal_writes(self, module: str, scope: str, name: str) -> list[tuple[ir.Expr, str]]:
        """(value, function) for each function nested in `scope` that assigns `scope`'s variable `name`
        through `nonlocal name` (the nearest enclosing function binding the name is the one it writes)."""
        table = self._nonlocal_writes_by_module.get(module)
        if table is None:
            table = {}
            facts = self.by_name.get(module)
            functions = facts.functions if facts is not None else {}
            for inner in functions.values():
                for var, expr in inner.nonlocal_assigns.items():
                    owner = inner.parent
                    while owner is not None and owner in functions:
                        outer = functions[owner]
                        if var not in outer.nonlocal_assigns and (var in outer.assigns or
                                                                  any(p.name == var for p in outer.params)):
                            table.setdefault((owner, var), []).append((expr, inner.qualname))
                            break
                        owner = outer.parent
            self._nonlocal_writes_by_module[module] = table
        return table.get((scope, name), [])

    def global_name(self, module: str, name: str, depth: int = 0,
                    seen: frozenset[tuple[str, str]] = frozenset()) -> Value:
        facts = self.by_name.get(module)
        if facts is None or depth > MAX_RESOLVE_DEPTH:
            return UNKNOWN
        cache_key = ("global", facts.module, name, self._lib_mode)
        if (module, name) in seen:
            self._met(cache_key)
            self._low = min(self._low, self._flight.get(cache_key, 0))  # (a guard met through an alias: any frame)
            return UNKNOWN
        if cache_key in self._cache:
            self._met(cache_key)
            return self._cache[cache_key]
        if facts.pending:  # a placeholder (api.OnDemandModules) answers a name only a `def`/`class` binds
            kind = self._sole_defs(facts).get(name)
            if kind is not None:
                value: Value = FuncV(facts.module, name) if kind == "def" else ClassV(facts.module, name)
                self._cache[cache_key] = value
                return value
        # while `name = expr` is being evaluated, `name` inside `expr` is its earlier binding: the `def` or
        # `class` in `handler = router.post("/x")(handler)`
        self._cache[cache_key] = FuncV(facts.module, name) if name in facts.functions and name in facts.assigns \
            else ClassV(facts.module, name) if name in facts.classes and name in facts.assigns else UNKNOWN
        self._set_flight(cache_key)
        try:
            value = self._global_uncached(facts, name, depth, seen | {(module, name)})
        finally:
            self._flight.pop(cache_key, None)
        self._cache[cache_key] = value
        return value

    def _global_uncached(self, facts: ModuleFacts, name: str, depth: int, seen: frozenset[tuple[str, str]]) -> Value:
        made = facts.global_assigns.get(name)
        if made:  # `global name` in functions: what they assign, and the module's own binding if any
            values = [self.resolve_assigned(m.value, Ctx(facts.module, m.function),
                                            ("global", facts.module, name, m.function), depth) for m in made]
            own = facts.assigns.get(name)
            if own is not None and not (isinstance(own, ir.Const) and own.value is None):
                values.append(self.resolve_assigned(own, Ctx(facts.module), ("global", facts.module, name), depth))
            return union(values)
        if name in facts.assigns:
            return self._or_imported(facts, name, self._module_binding(facts, name, depth), depth, seen)
        if name in facts.functions:
            return FuncV(facts.module, name)
        if name in facts.classes:
            return ClassV(facts.module, name)
        if name in facts.imports:
            return self.import_ref(facts.imports[name], depth, seen, importer=facts.module)
        for star in facts.star_imports:
            if star not in self.by_name and self._lazy(facts.module, star):
                self._ensure(star)
            if star not in self.by_name or not self._star_exports(star, name):
                continue
            value = self.global_name(star, name, depth + 1, seen)
            if not isinstance(value, UnknownV):
                return value
        if facts.is_package:
            sub = f"{facts.module}.{name}"
            if sub in self.by_name:
                return ModuleV(self.canonical(sub))
        if name in _BUILTINS:
            return ExternalV(f"builtins.{name}")
        if facts.star_imports and any(s not in self.by_name for s in facts.star_imports):
            # `from somelib import *`: the name may come from there
            outside = [s for s in facts.star_imports if s not in self.by_name]
            return ExternalV(f"{outside[0]}.{name}")
        return UNKNOWN

    def _or_imported(self, facts: ModuleFacts, name: str, value: Value, depth: int,
                     seen: frozenset[tuple[str, str]]) -> Value:
        """A module-level name both assigned (`value`) and imported: `x = None` / `if c: import m as x`, `try:
        import x` / `except ImportError: x = None`. Either, whichever ran last (the facts keep no order); the
        assigned value alone when either cannot be resolved."""
        if name not in facts.imports or isinstance(value, UnknownV):
            return value
        imported = self.import_ref(facts.imports[name], depth, seen, importer=facts.module)
        return value if isinstance(imported, UnknownV) else union((value, imported))

    def _module_binding(self, facts: ModuleFacts, name: str, depth: int) -> Value:
        """A module-level `name = expr`; for `if c: x = a` / `else: x = b`, each binding the tests allow."""
        chosen = _alternatives(name, facts.branches[name]) if name in facts.branches else None
        here = Ctx(facts.module)
        if chosen is None:
            rebinding = _rebinding(name, facts.branches[name]) if name in facts.branches else None
            if rebinding is not None:  # `app = FastAPI()` ... `app = instrument(app)`: global_name's entry
                return self._rebound(rebinding, name, here, ("global", facts.module, name),
                                     ("global", facts.module, name, self._lib_mode), (), depth)
            return self.resolve_assigned(facts.assigns[name], here, ("global", facts.module, name), depth)
        return union(self.resolve_assigned(b.value, here, ("global", facts.module, name) if b is chosen[-1]
                                           else ("global", facts.module, name, b.line), depth)
                     for b in chosen if not any(self.truth(c, here, depth + 1) is False for c in b.conditions))

    def import_ref(self, ref: ImportRef, depth: int = 0, seen: frozenset[tuple[str, str]] = frozenset(),
                   importer: str | None = None) -> Value:
        if ref.module not in self.by_name and self._lazy(importer, ref.module):
            if not self._ensure(ref.module) and ref.name is not None:
                self._ensure(f"{ref.module}.{ref.name}")
        elif ref.name is not None and ref.module in self.lib_modules and self._lazy(importer, ref.module):
            facts = self.by_name[ref.module]
            if ref.name not in facts.assigns and ref.name not in facts.functions and \
                    ref.name not in facts.classes and ref.name not in facts.imports:
                self._ensure(f"{ref.module}.{ref.name}")  # `from pkg import submodule`
        if ref.name is None:
            if ref.module in self.by_name:
                return ModuleV(self.canonical(ref.module))
            return ExternalV(ref.module)
        if ref.module in self.by_name:
            value = self.global_name(ref.module, ref.name, depth + 1, seen)
            if not isinstance(value, UnknownV):
                return value
            sub = f"{ref.module}.{ref.name}"
            if sub in self.by_name:
                return ModuleV(self.canonical(sub))
            return UNKNOWN
        sub = f"{ref.module}.{ref.name}" if ref.module else ref.name
        if sub in self.by_name:
            return ModuleV(self.canonical(sub))
        return ExternalV(sub)

    def _attr(self, base: Value, attr: str, depth: int, reader: Ctx | None = None) -> Value:
        """`base.attr`, read in `reader` (None: not read from code): what the object, class or module holds, and
        what the project's `obj.attr = value` writes to that object may have put there (`_written`)."""
        if isinstance(base, UnionV):
            # `None.attr` raises: where the expression has a value, the object was one of the others
            # (`selected = table.get(key)`, then `selected.setup()` under `if selected:`)
            return union(self._attr(option, attr, depth, reader) for option in _not_none(base.options, attr))
        value = self._attr_of(base, attr, depth, reader)
        if isinstance(value, (FuncV, ClassV, ModuleV)):
            return value  # (a method, class or module replaced by an assignment is not modelled)
        if not isinstance(base, (ModuleV, InstanceV)):
            owner = base if isinstance(base, ClassV) else self.self_class(base) if isinstance(base, ParamV) else None
            if owner is not None and not isinstance(value, UnknownV) and self.class_state(owner, attr):
                return UNKNOWN  # what the class starts with is not what it holds once the app runs
            return value
        return self._written(base, attr, value, depth, reader)

    def _written(self, base: ModuleV | InstanceV, attr: str, initial: Value, depth: int,
                 reader: Ctx | None) -> Value:
        """`base.attr` when code of the project assigns it (`app_settings.api_keys = args.api_keys` in `main()`,
        `config.prefix = "/v2"` at module level): the value it starts with or any value written, as the writes may
        or may not have run by the time it is read. A write at the top level of the module that makes the object,
        under no condition, has run before any read from another module or from a function (the module is
        imported first): the last such write replaces the value it starts with. Read at that module's own top
        level, where the order depends on lines, every value stays. The writes counted are those through the
        name the object is bound to (`_object_names`). A value that cannot be told stays so unless such a write
        replaces it (other writes are not looked for then: no module is parsed for them)."""
        names = _object_names(base)
        if not names or depth > MAX_RESOLVE_DEPTH:
            return initial
        home = _home_module(base)
        if isinstance(initial, UnknownV) and not self._certain_write(home, attr, names):
            return initial  # (with any other write the value stays unknown: no module is parsed for them)
        candidates = self._writes_named(attr, names)
        if not candidates:
            return initial
        top = reader is not None and reader.scope is None and reader.module == home
        identity = base.key if isinstance(base, InstanceV) else base
        key = (identity, attr, top, self._lib_mode)
        marker = ("written", *key)
        if key not in self._written_memo:
            self._written_memo[key] = None  # (a write reading the attribute it writes: the value before it)
            self._set_flight(marker)
            try:
                self._written_memo[key] = self._writes_to(base, candidates, home, top, depth)
            finally:
                self._flight.pop(marker, None)
        else:
            self._met(marker)
        found = self._written_memo[key]
        if found is None:
            return initial
        self._written_attrs.add((identity, attr))
        certain, others = found
        return union((initial if certain is None else certain, *others))

    def _certain_write(self, home: str | None, attr: str, names: frozenset[str]) -> bool:
        """Whether the module making the object writes `name.attr = ...` at its top level under no condition."""
        facts = self.by_name.get(home) if home is not None else None
        return facts is not None and any(w.function is None and not w.conditions and isinstance(w.target, ir.Name)
                                         and w.target.id in names for w in facts.attr_writes.get(attr, ()))

    def _is_written(self, expr: ir.Attr, ctx: Ctx) -> bool:
        """Whether writes reach `expr` (`_written` found some when it was resolved)."""
        return any((o.key if isinstance(o, InstanceV) else o, expr.attr) in self._written_attrs
                   for o in options(self.resolve(expr.value, ctx)))

    def _writes_to(self, base: ModuleV | InstanceV, candidates: list[tuple[str, AttrWrite]], home: str | None,
                   top: bool, depth: int) -> tuple[Value | None, tuple[Value, ...]] | None:
        """`_written`'s values (None: no write reaches the object): the value of the last write that certainly ran
        before the read (None if none did), and those of the others."""
        certain: Value | None = None
        others: list[Value] = []
        for module, write in candidates:
            where = Ctx(module, write.function)
            target = options(self.resolve(write.target, where, depth + 1))
            if not any(_same_object(t, base) for t in target):
                continue
            value = self.resolve_assigned(write.value, where, ("attr-write", module, write.function, write.line),
                                          depth + 1)
            if not top and module == home and write.function is None and not write.conditions and len(target) == 1:
                certain = value  # (in source order: the last one wins)
            else:
                others.append(value)
        if certain is None and not others:
            return None
        return certain, tuple(others)

    def _writes_named(self, attr: str, names: frozenset[str]) -> list[tuple[str, AttrWrite]]:
        """The writes `name.attr = value` in the project's modules for a name among `names`, as (module, write),
        by module and line. A module not parsed yet is parsed when its skim lists `name.attr` for one of `names`
        (`ModuleFacts.attrs_written`: any such write does), so the answer is the same whichever modules were
        parsed before."""
        if self._write_table is None:
            parsed: dict[tuple[str, str], list[tuple[str, AttrWrite]]] = {}
            pending: list[ModuleFacts] = []
            for facts in self.modules:
                if facts.pending:
                    pending.append(facts)
                    continue
                for name, writes in facts.attr_writes.items():
                    for write in writes:
                        assert isinstance(write.target, ir.Name)
                        parsed.setdefault((write.target.id, name), []).append((facts.module, write))
            self._write_table = (parsed, pending)
        parsed, pending = self._write_table
        out = [item for name in names for item in parsed.get((name, attr), ())]
        wanted = {f"{name}.{attr}" for name in names}
        for stub in pending:  # (filled in place once parsed, its skim is gone: its facts answer)
            if stub.pending:
                written = stub.attrs_written
                if not any(w in written for w in wanted) or wanted.isdisjoint(written.split()):
                    continue
            facts = self.by_name.get(stub.module, stub)  # reading its writes parses it
            out.extend((facts.module, w) for w in facts.attr_writes.get(attr, ())
                       if isinstance(w.target, ir.Name) and w.target.id in names)
        return sorted(out, key=lambda item: (item[0], item[1].line))

    def _attr_of(self, base: Value, attr: str, depth: int, reader: Ctx | None = None) -> Value:
        if isinstance(base, ParamV):
            owner = self.self_class(base)
            if owner is not None:  # `self.x` inside a method: what the class or its `__init__` define
                found = self.class_attr(owner, attr, depth)
                if isinstance(found, UnknownV):
                    found = self.instance_attr(owner, attr, None, depth)
                if isinstance(found, FuncV) and self._is_property(found):
                    return self._property(base, found, attr, owner, depth, reader)
                return found
            declared = self.declared_param(base, depth)
            if isinstance(declared, UnknownV):
                return self._declared_own_method(base, attr, depth)
            return self._attr(declared, attr, depth + 1)
        if isinstance(base, ModuleV):
            value = self.global_name(base.name, attr, depth)
            if not isinstance(value, UnknownV):
                return value
            sub = f"{base.name}.{attr}"
            if sub not in self.by_name and self._lazy(base.name, sub):
                self._ensure(sub)
            if sub in self.by_name:
                return ModuleV(self.canonical(sub))
            return UNKNOWN
        if isinstance(base, ExternalV):
            return ExternalV(f"{base.qualname}.{attr}")
        if isinstance(base, ClassV):
            return self.class_attr(base, attr, depth)
        if isinstance(base, InstanceV) and isinstance(base.cls, ClassV):
            return self._instance_attr_of(base, base.cls, attr, depth, reader)
        if isinstance(base, InstanceV) and isinstance(base.cls, ExternalV) and self._lib_mode:
            cls = self.materialize(base.cls)
            if isinstance(cls, ClassV):
                return self.class_attr(cls, attr, depth)
        return UNKNOWN

    def _instance_attr_of(self, base: InstanceV, cls_v: ClassV, attr: str, depth: int,
                          reader: Ctx | None = None) -> Value:
        """`obj.attr` of an object of a project class: the argument its call gave the field, a class attribute
        or method, what a method assigns to `self.attr` (read in `reader`, a context of that method for this
        object, when the read is there: its arguments bound). A `@property` that returns one of the object's
        own attributes (`return self._asgi_app`) is that attribute of the object."""
        given = self._field_argument(base, cls_v, attr, depth)
        if given is not None:
            return given
        found = self.class_attr(cls_v, attr, depth)
        if isinstance(found, UnknownV):
            found = self.instance_attr(cls_v, attr, base, depth, reader)
        if isinstance(found, FuncV) and self._is_property(found):
            return self._property(base, found, attr, cls_v, depth)
        return found

    def _property(self, base: InstanceV | ParamV, getter: FuncV, attr: str, cls_v: ClassV, depth: int,
                  reader: Ctx | None = None) -> Value:
        """`obj.attr` of a `@property`: the object's own attribute when the getter hands one back as it is
        (`return self._asgi_app`; not for an object only known by its declared type, which may be any); else
        unknown (`config.rbac_enabled`: what the getter computes for the object, not the function)."""
        kept = self._accessor(getter) if not (isinstance(base, InstanceV) and base.key[:1] == ("declared",)) else None
        if kept is not None and kept != attr and depth <= MAX_RESOLVE_DEPTH:
            return self._attr(base, kept, depth + 1, reader)
        return UnknownV(f"{attr}, a property of {cls_v.name}")

    def _accessor(self, getter: FuncV) -> str | None:
        """The attribute a `@property` getter hands back as it is (`return self._asgi_app`, its only statement
        that returns), when it is nothing else."""
        func = self.func(getter)
        if func is None or not func.params or len(func.returns) != 1 or func.has_yield:
            return None
        value = func.returns[0].value
        if func.returns[0].conditions or not isinstance(value, ir.Attr) or \
                not (isinstance(value.value, ir.Name) and value.value.id == func.params[0].name):
            return None
        return value.attr

    def _is_property(self, fv: FuncV) -> bool:
        """The function is a `@property` (or `cached_property`) getter."""
        func = self.func(fv)
        return func is not None and func.class_name is not None and any(
            (ir.dotted(dec.expr) or "").rsplit(".", 1)[-1] in ("property", "cached_property")
            for dec in func.decorators)

    def _field_argument(self, instance: InstanceV, cls_v: ClassV, attr: str, depth: int) -> Value | None:
        """For an object of a class whose generated `__init__` takes its fields (a `@dataclass`, a pydantic
        model, a NamedTuple) made by a call that passes field `attr`: that argument's value. A field the call
        may pass unpacked (`Board(**row)`, `Board(*values)`) is what the unpacked value holds, unknown (not the
        class default). None when the call does not pass it."""
        fields = self._init_fields(cls_v)
        if fields is None or attr not in fields:
            return None
        call = instance.call
        given = call.kwarg(attr)
        if given is None:
            position = fields.index(attr)
            if position < len(call.args) and not any(isinstance(a, ir.Star) for a in call.args[:position + 1]):
                given = call.args[position]
            elif any(k == "**" for k, _v in call.kwargs) or any(isinstance(a, ir.Star) for a in call.args):
                return UnknownV(f"{attr} of an object made with unpacked arguments")
            else:
                return None
        return self.resolve(given, instance.where(), depth + 1)

    def _init_fields(self, cls_v: ClassV) -> list[str] | None:
        """The fields a class's generated `__init__` takes, in order (base classes' first), when the class is
        a dataclass, a pydantic model or a NamedTuple and no class of the project defines `__init__`."""
        if isinstance(self.class_attr(cls_v, "__init__"), FuncV):
            return None
        order = list(reversed(self.mro(cls_v)))
        generated = any(_generates_init(self.cls(c)) for c in order) or \
            any(b in _FIELD_BASES for b in self.external_bases(cls_v))
        if not generated:
            return None
        fields: list[str] = []
        for owner in order:
            cdef = self.cls(owner)
            for name, (annotation, _line) in (cdef.annotations.items() if cdef else ()):
                if name not in fields and not name.startswith("_") and "ClassVar" not in ir.show(annotation):
                    fields.append(name)
        return fields

    def self_class(self, param: ParamV) -> ClassV | None:
        """The class when `param` is the first parameter (`self`) of one of its methods."""
        func = self.func(FuncV(param.module, param.func))
        if func is None or func.class_name is None or not func.params or func.params[0].name != param.name \
                or func.params[0].kind not in ("pos", "posonly") or (func.decorators and any(
                    ir.dotted(d.expr) == "staticmethod" for d in func.decorators)):
            return None
        return ClassV(param.module, func.class_name)

    def instance_attr(self, cls_v: ClassV, attr: str, instance: InstanceV | None, depth: int = 0,
                      reader: Ctx | None = None) -> Value:
        """`obj.attr` set by a method as `self.attr = expr`; for an `__init__` assignment of a known instance,
        read with the arguments that instance was made with; for another method's assignment read in a context
        of that method for the same object (`reader`: `self._app = app` then `self._app.include_router(...)` in
        `init_app(self, app)`, called with the app), with that call's arguments."""
        if depth > MAX_RESOLVE_DEPTH:
            return UNKNOWN
        for owner in self.mro(cls_v):
            cdef = self.cls(owner)
            if cdef is None or attr not in cdef.instance_attrs:
                continue
            assigned = cdef.instance_attrs[attr]
            expr, method = assigned.value, assigned.function
            func = self.func(FuncV(owner.module, method))
            mctx = Ctx(owner.module, method)
            if instance is not None and func is not None and func.name == "__init__":
                mctx = self.init_env(FuncV(owner.module, method), func, instance)
            elif instance is not None and func is not None and reader is not None and reader.scope == method and \
                    func.params and reader.bound(method, func.params[0].name) is not None and \
                    _same_object(self.resolve(ir.Name(func.params[0].name), reader, depth + 1), instance):
                mctx = reader
            if func is not None and func.name == "__init__" and self._changed_by(cls_v, attr):
                # `self.dependencies = []` in `__init__`, `self.dependencies.extend(deps)` in `require()`: what
                # `__init__` binds is only what the object starts with
                changed = self.changed_state(cls_v, attr, instance, expr, mctx)
                if isinstance(changed, str):
                    return UnknownV(changed)
                expr = changed
            key: SiteKey = ("attr", owner.module, cdef.name, attr)
            if instance is not None and instance.key[:1] != ("self",) and not self.singleton(cls_v):
                # each object has its own attributes: what a method makes for a known instance is that
                # instance's. The instance is told by where and how it was made (the call's module, function and
                # text), not by the name it is reached through nor the line its call is recorded at (a call inside
                # a multi-line statement is recorded at either line).
                key = (*key, ("made", instance.module, instance.scope, self._site_text(instance.call),
                              *((instance.env,) if instance.env else ())))
            if instance is not None and (instance.key[:1] == ("declared",) or _OF_DECLARED in instance.key):
                key = (*key, _OF_DECLARED)  # (an object held by one only known by its declared type)
            if mctx is reader:
                key = (*key, ("call", reader.env))  # what this call of the method made
            return self.resolve_assigned(expr, mctx, key, depth + 1)
        return UNKNOWN

    def _changed_by(self, cls_v: ClassV, attr: str) -> str | None:
        """The first method (`Class.method`) of `cls_v` or its bases, other than `__init__`, that rebinds or
        changes in place the object's attribute `attr` (`self.add = True`, `self.items.append(x)`,
        `self.total += n`: `sets_self`); None when none does."""
        for owner in self.mro(cls_v):
            cdef = self.cls(owner)
            if cdef is None:
                continue
            for name, qualname in cdef.methods.items():
                func = self.func(FuncV(owner.module, qualname))
                if func is not None and attr in func.sets_self:
                    return f"{cdef.name}.{name}"
        return None

    def changed_state(self, cls_v: ClassV, attr: str, instance: InstanceV | None, initial: ir.Expr,
                      ictx: Ctx) -> ir.Expr | str:
        """`obj.attr` that `__init__` binds to `initial` (read in `ictx`) and methods of the class change
        (`self.dependencies.extend(deps)` in `require()`): the list with what the calls of those methods on this
        object add, in the order they are written (`cfg.require([Depends(auth)])`, its arguments bound), when
        every such call is seen: a statement of the scope that makes the object (or the object around it, for
        one made in another's `__init__`), or of a project method such a statement calls (`self.item.require(
        deps)` in `require_item(deps)`), that always runs and only appends or extends. Otherwise the reason the
        value cannot be told (naming the call or the method), never the value `__init__` starts with."""
        changer = self._changed_by(cls_v, attr)
        if instance is None or instance.key[:1] in (("self",), ("declared",)) or _OF_DECLARED in instance.key or \
                self.singleton(cls_v):
            return f"self.{attr}, changed by {changer}()"
        memo_key = (instance.key, instance.env, attr)
        known = self._changed_memo.get(memo_key)
        if known is not None:
            return known
        self._changed_memo[memo_key] = f"self.{attr}, changed by {changer}() (a cycle)"
        added: list[ir.Expr] = []
        scopes: list[Ctx] = []
        todo = [instance.where()]
        while todo:
            ctx = todo.pop(0)
            if all((c.module, c.scope) != (ctx.module, ctx.scope) for c in scopes):
                scopes.append(ctx)
                todo.extend(bp.value.ctx for bp in ctx.env if isinstance(bp.value.ctx, Ctx))
        found: ir.Expr | str = initial
        try:
            for ctx in scopes:
                for call, conditional, statement in self._statement_calls(ctx):
                    self._apply_changes(call, conditional, ctx, cls_v, attr, instance, added, 0, statement)
        except _Unfollowed as e:
            found = str(e)
        if not isinstance(found, str):
            found = ir.Bound(initial, ictx) if added else initial
            for item in added:
                rebound = isinstance(item, ir.Call) and isinstance(item.func, ir.Name) and item.func.id == _REBOUND
                found = item.args[0] if rebound and isinstance(item, ir.Call) else ir.BinOp("+", found, item)
        self._changed_memo[memo_key] = found
        return found

    def _statement_calls(self, ctx: Ctx) -> list[tuple[ir.Call, bool, bool]]:
        """The calls of the scope of `ctx` (a function's body, or a module's top level), each with whether it
        may not run (under a test, in a loop) and whether it is a statement of its own."""
        if ctx.scope is None:
            facts = self.by_name.get(ctx.module)
            return [(site.call, bool(site.conditions) or site.in_loop, True) for site in (facts.calls if facts else ())
                    if site.scope is None]
        func = self.func(FuncV(ctx.module, ctx.scope))
        if func is None:
            return []
        statements = {id(e.call) for e in func.effects}
        # a call inside an expression (`cfg = Config().require_all()`): when it runs is not told
        return [(e.call, bool(e.conditions), True) for e in func.effects] + \
            [(call, True, False) for call in func.calls if id(call) not in statements]

    def _apply_changes(self, call: ir.Call, conditional: bool, ctx: Ctx, cls_v: ClassV, attr: str,
                       instance: InstanceV, added: list[ir.Expr], depth: int, statement: bool = True) -> None:
        """`recv.method(...)`: what it adds to `instance.attr` (appended to `added`), following a project method
        of another object into its body (`self.item.require(deps)`). Raises `_Unfollowed` when the call may
        change the attribute in a way not followed."""
        f = call.func
        if not isinstance(f, ir.Attr) or depth > 3:
            return
        if statement is False and self._may_change(call, ctx, cls_v, attr, depth):
            raise _Unfollowed(f"self.{attr}, maybe changed by `{ir.show(call, 80)}`")
        method = f.attr
        changer = self.class_attr(cls_v, method)
        changes = isinstance(changer, FuncV) and (cfunc := self.func(changer)) is not None and \
            attr in cfunc.sets_self
        recv = self.resolve(f.value, ctx, depth + 1)
        if isinstance(recv, InstanceV) and recv.key == instance.key and recv.env == instance.env:
            if not changes:
                return
            assert isinstance(changer, FuncV)
            self._own_changes(changer, call, conditional, ctx, attr, added)
            return
        if isinstance(recv, InstanceV) and recv.cls == cls_v:
            return  # another object of the class
        if isinstance(recv, InstanceV) and isinstance(recv.cls, ClassV):
            inner = self.class_attr(recv.cls, method)
            ifunc = self.func(inner) if isinstance(inner, FuncV) else None
            if isinstance(inner, FuncV) and ifunc is not None and ifunc.class_name is not None and ifunc.effects:
                bctx = self.call_env(inner, ifunc, call, ctx, skip_first=True)
                for e in ifunc.effects:
                    self._apply_changes(e.call, conditional or bool(e.conditions), bctx, cls_v, attr, instance,
                                        added, depth + 1)
            return
        if changes and not isinstance(recv, (InstanceV, LiteralV, ModuleV, ClassV, FuncV)):
            raise _Unfollowed(f"self.{attr}, maybe changed by `{ir.show(call, 80)}`")

    def _own_changes(self, changer: FuncV, call: ir.Call, conditional: bool, ctx: Ctx, attr: str,
                     added: list[ir.Expr]) -> None:
        """`obj.method(...)` on the object itself, `method` changing `self.attr`: its appends, extends and
        rebindings in the order written, its arguments bound (`added`); `_Unfollowed` when one cannot be told."""
        mfunc = self.func(changer)
        assert mfunc is not None
        shown = ir.show(call, 80)
        if conditional:
            raise _Unfollowed(f"self.{attr}, changed by `{shown}`, which may not run")
        bctx = self.call_env(changer, mfunc, call, ctx, skip_first=True)
        own = mfunc.params[0].name if mfunc.params else "self"
        mutations = [e for e in mfunc.effects if isinstance(e.call.func, ir.Attr) and
                     isinstance(e.call.func.value, ir.Attr) and e.call.func.value.attr == attr and
                     isinstance(e.call.func.value.value, ir.Name) and e.call.func.value.value.id == own]
        writes = [w for w in mfunc.self_writes if w.target == attr]
        changes_seen = sorted([(e.line, e) for e in mutations] + [(w.line, w) for w in writes],
                              key=lambda pair: pair[0])
        if not changes_seen or len({line for line, _c in changes_seen}) != len(changes_seen):
            raise _Unfollowed(f"self.{attr}, changed by `{shown}`")
        for _line, change in changes_seen:
            if change.conditions:
                raise _Unfollowed(f"self.{attr}, changed by `{shown}`")
            if isinstance(change, ItemWrite):  # `self.add = True`: the value from then on
                added.append(ir.Call(ir.Name(_REBOUND), (ir.Bound(change.value, bctx),), (), change.line, 0))
                continue
            kind = change.call.func.attr if isinstance(change.call.func, ir.Attr) else ""
            if kind not in ("append", "extend") or len(change.call.args) != 1 or change.call.kwargs:
                raise _Unfollowed(f"self.{attr}, changed by `{shown}`")
            arg = ir.Bound(change.call.args[0], bctx)
            added.append(ir.Seq("list", (arg,)) if kind == "append" else arg)

    def _may_change(self, call: ir.Call, ctx: Ctx, cls_v: ClassV, attr: str, depth: int) -> bool:
        """`recv.method(...)` is a method of `cls_v` that changes `attr` (by its name: the receiver may be any
        object of the class), or a project method whose body makes such a call (`self.item.require(deps)`)."""
        f = call.func
        if not isinstance(f, ir.Attr) or depth > 3:
            return False
        changer = self.class_attr(cls_v, f.attr)
        cfunc = self.func(changer) if isinstance(changer, FuncV) else None
        if cfunc is not None and attr in cfunc.sets_self:
            return True
        callee = self.resolve(f, ctx, depth + 1)
        body = self.func(callee) if isinstance(callee, FuncV) else None
        if body is None or body.class_name is None:
            return False
        plain = Ctx(callee.module, body.qualname) if isinstance(callee, FuncV) else ctx
        return any(self._may_change(inner, plain, cls_v, attr, depth + 1) for inner in body.calls)

    def singleton(self, cls_v: ClassV) -> bool:
        """Whether every call of the class gives back the one object it keeps: its `__new__` (or its
        metaclass's `__call__`) returns, on every path, an object stored on the class (`return cls._instance`,
        `return Server.__instance`, `return cls._instances[cls]`). Each construction is then the same object,
        with the same attributes (`self.app` built in `__init__` is one app however many places construct it)."""
        found = self._singletons.get(cls_v)
        if found is None:
            self._singletons[cls_v] = False  # (a metaclass naming itself)
            found = self._singletons[cls_v] = self._keeps_instance(cls_v, "__new__") or any(
                isinstance(meta, ClassV) and self._keeps_instance(meta, "__call__")
                for meta in self._metaclasses(cls_v))
        return found

    def _metaclasses(self, cls_v: ClassV) -> Iterator[Value]:
        for owner in self.mro(cls_v):
            cdef = self.cls(owner)
            for name, value in (cdef.keywords if cdef else ()):
                if name == "metaclass":
                    yield self.resolve(value, Ctx(owner.module))

    def _keeps_instance(self, cls_v: ClassV, method: str) -> bool:
        """The first class of the MRO defining `method` returns a value stored on the class on every path."""
        for owner in self.mro(cls_v):
            cdef = self.cls(owner)
            if cdef is None or method not in cdef.methods:
                continue
            func = self.func(FuncV(owner.module, cdef.methods[method]))
            if func is None or not func.params or not func.returns:
                return False
            holders = {func.params[0].name, cdef.name}
            return all(_stored_on(ret.value, holders) for ret in func.returns)
        return False

    def class_attr(self, cls_v: ClassV, attr: str, depth: int = 0) -> Value:
        for owner in self.mro(cls_v):
            cls = self.cls(owner)
            if cls is None:
                continue
            if attr in cls.methods:
                return FuncV(owner.module, cls.methods[attr])
            if attr in cls.attrs:
                expr = cls.attrs[attr]
                # pydantic `Field(default=...)` / `Field("...")`; `Field(default_factory=ApiSettings)`: pydantic
                # calls the factory for each instance, so the attribute is what that call makes
                if isinstance(expr, ir.Call) and ir.dotted(expr.func) in ("Field", "pydantic.Field"):
                    factory = expr.kwarg("default_factory")
                    default = expr.arg(0, "default")
                    expr = default if default is not None else \
                        ir.Call(factory, (), (), expr.line, expr.col) if factory is not None else ir.Unknown("Field()")
                return self.resolve_assigned(_class_body(cls, attr, expr), Ctx(owner.module),
                                             ("classattr", owner.module, cls.name, attr), depth + 1)
        return UNKNOWN

    def class_state(self, cls_v: ClassV, attr: str) -> bool:
        """Whether code outside the class body assigns the class attribute `attr` of `cls_v` (or of the base it
        comes from): a classmethod through its `cls` (`cls.store = store` in `init`, called when the app starts),
        or `Name.attr = value` through a name bound to the class. Its value in the class body is then only the
        one it starts with (`store = None` before the app's startup set it)."""
        key = (cls_v, attr)
        known = self._class_state_memo.get(key)
        if known is not None:
            return known
        self._class_state_memo[key] = False  # cycle guard
        mro = self.mro(cls_v)
        found = False
        names: set[str] = set()
        for owner in mro:
            cdef = self.cls(owner)
            if cdef is None:
                continue
            names.add(cdef.name)
            made = cdef.instance_attrs.get(attr)
            func = self.func(FuncV(owner.module, made.function)) if made is not None else None
            if func is not None and any(ir.dotted(d.expr) == "classmethod" for d in func.decorators):
                found = True
                break
        if not found:
            for module, write in self._writes_named(attr, frozenset(names)):
                if self.resolve(write.target, Ctx(module, write.function)) in mro:
                    found = True
                    break
        self._class_state_memo[key] = found
        return found

    def subclass_attr(self, cls_v: ClassV, attr: str) -> Value:
        """`self.attr` in a method of `cls_v` where neither it nor its bases define `attr` (a mixin's method
        calling what the class it is mixed into provides): the object is an instance of a subclass, so the
        attribute is that subclass's. The one every project class deriving from `cls_v` resolves it to, when
        they agree; UNKNOWN when none defines it or they differ (chosen at run time by the object's class)."""
        key = (cls_v, attr)
        marker = ("subclass-attr", cls_v, attr)
        known = self._subclass_attrs.get(key)
        if known is not None:
            self._met(marker)
            return known
        self._subclass_attrs[key] = UNKNOWN  # cycle guard
        self._set_flight(marker)
        try:
            result = self._subclass_attr(cls_v, attr)
        finally:
            self._flight.pop(marker, None)
        self._subclass_attrs[key] = result
        return result

    def _subclass_attr(self, cls_v: ClassV, attr: str) -> Value:
        result: Value = UNKNOWN
        if not any(attr in c.methods or attr in c.attrs or attr in c.instance_attrs
                   for c in (self.cls(owner) for owner in self.mro(cls_v)) if c is not None):
            found: list[Value] = []
            for sub in self._subclasses(cls_v):
                value = self.class_attr(sub, attr)
                if isinstance(value, UnknownV) or value in found:
                    continue
                found.append(value)
            if len(found) == 1 and isinstance(found[0], FuncV):
                result = found[0]
        return result

    def _subclasses(self, cls_v: ClassV) -> list[ClassV]:
        """The project classes whose MRO holds `cls_v` (found by their bases' last names, then resolved), at
        most MAX_SUBCLASSES."""
        known = self._subclass_memo.get(cls_v)
        if known is not None:
            return known
        names = {cls_v.name.rpartition(".")[2]}
        out: list[ClassV] = []
        grown = True
        while grown and len(out) < MAX_SUBCLASSES:
            grown = False
            for stub in self.modules:
                if stub.pending and not names & set(stub.bases.split()):
                    continue
                facts = self.by_name.get(stub.module, stub)
                if facts.error or facts.module in self.lib_modules:
                    continue
                for cdef in facts.classes.values():
                    sub = ClassV(facts.module, cdef.name)
                    if sub in out or sub == cls_v:
                        continue
                    bases = {(ir.dotted(class_base(b)) or "").rpartition(".")[2] for b in cdef.bases}
                    if bases & names and cls_v in self.mro(sub):
                        out.append(sub)
                        names.add(cdef.name.rpartition(".")[2])
                        grown = True
        self._subclass_memo[cls_v] = out[:MAX_SUBCLASSES]
        return self._subclass_memo[cls_v]

    def model_fields(self, annotation: ir.Expr | None, ctx: Ctx) -> list[str]:
        """The annotated attributes (fields) of the project class a parameter's annotation names, with its bases':
        a body model's fields. The class is the annotation, or the first argument of a subscript of it
        (`Annotated[Model, Body()]`, `Optional[Model]`); none when it names no project class."""
        if annotation is None:
            return []
        if isinstance(annotation, ir.Sub) and annotation.index:
            annotation = annotation.index[0]
        value = self.resolve(annotation, ctx)
        if not isinstance(value, ClassV):
            return []
        names: list[str] = []
        for owner in self.mro(value):
            cdef = self.cls(owner)
            if cdef is not None:
                names.extend(cdef.annotations)
        return names

    def mro(self, cls_v: ClassV, depth: int = 0) -> list[ClassV]:
        """The class and its project base classes, depth first (good enough for single inheritance)."""
        out: list[ClassV] = []
        stack = [cls_v]
        while stack and len(out) < 50:
            current = stack.pop(0)
            if current in out:
                continue
            out.append(current)
            cls = self.cls(current)
            if cls is None:
                continue
            for base in cls.bases:
                value = self.resolve(class_base(base), Ctx(current.module), depth + 1)
                if isinstance(value, ClassV):
                    stack.append(value)
        return out

    def external_bases(self, cls_v: ClassV) -> list[str]:
        """Qualified names of the classes outside the project that `cls_v` derives from."""
        out: list[str] = []
        for owner in self.mro(cls_v):
            cls = self.cls(owner)
            if cls is None:
                continue
            for base in cls.bases:
                value = self.resolve(class_base(base), Ctx(owner.module))
                if isinstance(value, ExternalV):
                    out.append(value.qualname)
        return out

    # -- assignments -------------------------------------------------------------------------------
    def assignment(self, expr: ir.Expr, ctx: Ctx, depth: int = 0) -> tuple[ir.Expr, Ctx] | None:
        """The expression `name` or `module.name` is bound to, and where to read it: function locals
        (enclosing scopes too; a parameter of that name hides everything further out), then module level,
        following `from x import name` re-exports and star imports. None when it is not an assignment.
        `depth`: that of the resolution asking (resolving `module` counts against MAX_RESOLVE_DEPTH, so a
        loop-carried cycle such as `fields = cls.fields` / `field = fields[k]` / `cls = field.type` ends)."""
        if isinstance(expr, ir.Name):
            facts = self.by_name.get(ctx.module)
            if facts is None:
                return None
            pinned = self._pin(ctx, expr.id)
            if pinned is not None:
                return pinned[0].value, Ctx(ctx.module, ctx.scope, ctx.env, ctx.depth)
            for func in self.scopes(ctx):
                if expr.id in func.assigns and not self.never_rebound(func, expr.id, ctx):
                    value = func.assigns[expr.id]
                    if isinstance(value, ir.DictE) and func.item_writes:
                        value = self._with_items(("local", ctx.module, func.qualname, expr.id), value,
                                                 func.item_writes, func.item_only,
                                                 max(b.line for b in func.binds if b.name == expr.id))
                    return value, Ctx(ctx.module, func.qualname, ctx.env, ctx.depth)
                if any(p.name == expr.id for p in func.params):
                    bound = ctx.bound(func.qualname, expr.id)  # the argument of the call being evaluated
                    return (bound.expr, bound.ctx) if isinstance(bound, ir.Bound) else None

            return self.module_assignment(facts.module, expr.id)
        if isinstance(expr, ir.Sub):
            return self._item_assignment(expr, ctx, depth)
        if isinstance(expr, ir.Attr):
            # `depth`: the steps of the lookup this one is part of (`x = x.loc[i]` reads `x` again)
            base = self.resolve(expr.value, ctx, depth + 1)
            if isinstance(base, ModuleV):
                return self.module_assignment(base.name, expr.attr)
            if isinstance(base, InstanceV) and isinstance(base.cls, ClassV) and \
                    base.key[:1] not in (("self",), ("declared",)):
                return self.init_assignment(base.cls, expr.attr, base)
        return None

    def _item_assignment(self, expr: ir.Sub, ctx: Ctx, depth: int) -> tuple[ir.Expr, Ctx] | None:
        """For `table[key]` of a dict display (or a name bound to one, with the items its body stores into it) and a
        key that resolves to a constant: the expression written for that key, and where to read it. None when a key
        of the dict cannot be told or none is that key."""
        if len(expr.index) != 1 or depth > MAX_RESOLVE_DEPTH or not self._kept_to_itself(expr.value, ctx, depth):
            return None
        found = self._literal(expr.value, ctx, depth + 1)
        container = found[0] if found is not None else None
        if found is None or not isinstance(container, ir.DictE):
            return None
        cctx = found[1]
        key = self.resolve(expr.index[0], ctx, depth + 1)
        if not isinstance(key, LiteralV):
            return None
        hit: ir.Expr | None = None
        for k, v in container.items:
            known = self.resolve(k, cctx, depth + 1) if k is not None else UNKNOWN
            if not isinstance(known, LiteralV):
                return None  # a `**spread` or a key not known: it may be the one
            if type(known.value) is type(key.value) and known.value == key.value:
                hit = v
        return (hit, cctx) if hit is not None else None

    def _kept_to_itself(self, holder: ir.Expr, ctx: Ctx, depth: int) -> bool:
        """`holder` is a dict display, or a name (`table`, `module.table`) bound to one that no code but its own
        scope's sees or changes (`Func.item_only`, `ModuleFacts.item_only`): its items are what that code wrote."""
        if isinstance(holder, ir.Bound):
            assert isinstance(holder.ctx, Ctx)
            return depth < MAX_RESOLVE_DEPTH and self._kept_to_itself(holder.expr, holder.ctx, depth + 1)
        if isinstance(holder, ir.DictE):
            return True
        facts = self.by_name.get(ctx.module)
        if isinstance(holder, ir.Attr):
            base = self.resolve(holder.value, ctx, depth + 1)
            target = self.by_name.get(base.name) if isinstance(base, ModuleV) else None
            return target is not None and holder.attr in target.assigns and holder.attr in target.item_only
        if not isinstance(holder, ir.Name) or facts is None:
            return False
        for func in self.scopes(ctx):
            if holder.id in func.assigns:
                return holder.id in func.item_only
            if any(p.name == holder.id for p in func.params):
                return False
        if holder.id in facts.assigns:
            return holder.id in facts.item_only
        ref = facts.imports.get(holder.id)
        target = self.by_name.get(ref.module) if ref is not None and ref.name else None
        return target is not None and ref is not None and ref.name in target.assigns and ref.name in target.item_only

    def _with_items(self, key: tuple[str, ...], value: ir.DictE, writes: list[ItemWrite], item_only: list[str],
                    bound: int) -> ir.Expr:
        """The dict display a name is bound to (on line `bound`), with the items its body stores into it afterwards
        (`deps = {}` then `deps["auth"] = Depends(verify)`): a later `deps["auth"]` reads what was stored. When that
        cannot be told (a store under an `if` or in a loop, a key that is no constant, the dict handed to other code
        or changed otherwise, see `Func.item_only`), an unknown value instead of the display."""
        name = key[-1]
        mine = [w for w in writes if w.target == name and w.line > bound]
        if not mine:
            return value
        memo = self._items_memo.get(key)
        if memo is not None and memo[0] is value:
            return memo[1]
        made: ir.Expr
        if name not in item_only or any(w.conditions or not isinstance(w.key, (ir.Str, ir.Const)) for w in mine):
            made = ir.Unknown("<dict changed>")
        else:
            items = list(value.items)
            for w in mine:
                items = [(k, v) for k, v in items if k != w.key]
                items.append((w.key, w.value))
            made = ir.DictE(tuple(items))
        self._items_memo[key] = (value, made)
        return made

    def init_assignment(self, cls_v: ClassV, attr: str, instance: InstanceV) -> tuple[ir.Expr, Ctx] | None:
        """`obj.attr` of an object the project makes (`Cls(...)`, read where the call is written) when its
        `__init__` assigns it (`self.attr = expr`): that expression, read with the call's arguments bound."""
        for owner in self.mro(cls_v):
            cdef = self.cls(owner)
            if cdef is None or attr not in cdef.instance_attrs:
                continue
            assigned = cdef.instance_attrs[attr]
            func = self.func(FuncV(owner.module, assigned.function))
            if func is None or func.name != "__init__":
                return None
            ictx = self.init_env(FuncV(owner.module, assigned.function), func, instance)
            if self._changed_by(cls_v, attr):
                changed = self.changed_state(cls_v, attr, instance, assigned.value, ictx)
                return (ir.Unknown(changed), ictx) if isinstance(changed, str) else (changed, ictx)
            return assigned.value, ictx
        return None

    def module_assignment(self, module: str, name: str, depth: int = 0) -> tuple[ir.Expr, Ctx] | None:
        """A module-level `name = expr`, following `from x import name` re-exports."""
        facts = self.by_name.get(module)
        if facts is None or depth > 10 or (facts.pending and name in self._sole_defs(facts)):
            return None  # (a placeholder's name bound by nothing but a `def` or `class`: no assignment)
        if name in facts.assigns:
            value = facts.assigns[name]
            if isinstance(value, ir.DictE) and name in facts.item_writes:
                value = self._with_items(("global", facts.module, name), value, facts.item_writes[name],
                                         facts.item_only, facts.assign_lines.get(name, 0))
            return value, Ctx(facts.module)
        if name in facts.functions or name in facts.classes:
            return None
        ref = facts.imports.get(name)
        if ref is not None:
            return self.module_assignment(ref.module, ref.name, depth + 1) if ref.name else None
        for star in facts.star_imports:
            if not self._star_exports(star, name):
                continue
            found = self.module_assignment(star, name, depth + 1)
            if found is not None:
                return found
        return None

    def _star_exports(self, module: str, name: str) -> bool:
        """Whether `from module import *` binds `name`: listed in its `__all__`, else not underscored."""
        target = self.by_name.get(module)
        if target is not None and target.all_names is not None:
            return name in target.all_names
        return not name.startswith("_")

    # -- constants ---------------------------------------------------------------------------------
    def formatted(self, expr: ir.Expr, ctx: Ctx, spec: str, depth: int = 0, dunder: str = "__format__") -> str | None:
        """`format(expr, spec)` (what an f-string's `{expr:spec}` writes), or with `dunder="__str__"` `str(expr)`:
        for a literal, Python's formatting; for an instance of a project class, what its `__format__` (or
        `__str__`, object's `__format__` with an empty spec) returns for it, when that is a string the analysis
        can read. None otherwise."""
        text = self.string(expr, ctx, depth)
        if text is not None:
            return _format_literal(text, spec)
        value = self.resolve(expr, ctx, depth)
        if isinstance(value, LiteralV):
            return _format_literal(value.value, spec)
        if not isinstance(value, InstanceV) or not isinstance(value.cls, ClassV):
            return None
        for name in ((dunder, "__str__") if dunder == "__format__" and not spec else (dunder,)):
            method = self.class_attr(value.cls, name, depth + 1)
            if isinstance(method, FuncV):
                return self._returned_string(method, expr, ctx, spec if name == "__format__" else None, depth)
        return None

    def _returned_string(self, method: FuncV, instance: ir.Expr, ctx: Ctx, spec: str | None,
                         depth: int) -> str | None:
        """The string a project method (`__str__`, `__format__`) returns for the object `instance` (read in
        `ctx`): its `self` bound to it (and its spec parameter to `spec`); the same text on every `return`."""
        func = self.func(method)
        if func is None or not func.params or ctx.depth >= MAX_CALL_DEPTH or depth > MAX_RESOLVE_DEPTH:
            return None
        env = [BoundParam(func.qualname, func.params[0].name, ir.Bound(instance, ctx))]
        if spec is not None:
            if len(func.params) < 2:
                return None
            env.append(BoundParam(func.qualname, func.params[1].name, ir.Bound(ir.Str(spec), ctx)))
        fctx = Ctx(method.module, func.qualname, tuple(env), ctx.depth + 1)
        texts = {self.string(r.value, fctx, depth + 1) if r.value is not None else None
                 for r in self.reachable_returns(func, fctx, depth + 1)}
        return texts.pop() if len(texts) == 1 else None

    def _string_call(self, call: ir.Call, ctx: Ctx, depth: int) -> str | None:
        """`str(x)`, `format(x, spec)`, `repr(x)` of a value whose text can be read (f-string fields with a
        conversion or spec are such calls)."""
        if not (isinstance(call.func, ir.Name) and call.func.id in ("str", "format", "repr")):
            return None  # (resolving any other callee, `prefix.strip`, costs depth a method call needs)
        callee = self.resolve(call.func, ctx, depth + 1)
        name = callee.qualname if isinstance(callee, ExternalV) else None
        if name not in ("builtins.str", "builtins.format", "builtins.repr") or not call.args or call.kwargs or \
                any(isinstance(a, ir.Star) for a in call.args):
            return None
        if name == "builtins.repr":
            value = self.resolve(call.args[0], ctx, depth + 1)
            return repr(value.value) if isinstance(value, LiteralV) and isinstance(value.value, (str, int)) \
                else None
        if name == "builtins.str":
            return self.formatted(call.args[0], ctx, "", depth, "__str__") if len(call.args) == 1 else None
        spec = self.string(call.args[1], ctx, depth + 1) if len(call.args) == 2 else "" if len(call.args) == 1 \
            else None
        return self.formatted(call.args[0], ctx, spec, depth) if spec is not None else None

    def string(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> str | None:
        """Statically evaluate a string expression (literals, constants, f-strings, settings attributes).
        An expression whose evaluation reaches itself again in the same context is unknown there: in
        `url = f"http://{url}"` the `url` inside is the binding before (a parameter here), never this one, and
        following it as this one would only unfold the same text again, once per level of depth. A name or
        attribute is not guarded here: the facts codec (facts/cache.py) shares one object among equal
        expressions, so `PREFIX` in `PREFIX += "/v1"` may be the very object being read, and only `resolve`
        knows which binding each one reaches (the one before, there)."""
        if expr is None or depth > MAX_RESOLVE_DEPTH:
            return None
        if isinstance(expr, ir.Str):
            return expr.value
        if isinstance(expr, (ir.Name, ir.Attr)):
            return self._string(expr, ctx, depth)  # resolved by `resolve`, whose guard knows the binding
        key = (id(expr), ctx)
        marker = ("string", *key)
        if key in self._strings_in_flight:
            self._met(marker)
            return None
        self._strings_in_flight.add(key)
        self._set_flight(marker)
        try:
            return self._string(expr, ctx, depth)
        finally:
            self._strings_in_flight.discard(key)
            self._flight.pop(marker, None)

    def _string(self, expr: ir.Expr, ctx: Ctx, depth: int) -> str | None:
        if isinstance(expr, ir.Bound):
            return self.string(expr.expr, expr.ctx, depth + 1)
        if isinstance(expr, ir.FStr):
            return self._fstring(expr, ctx, depth)
        if isinstance(expr, ir.BinOp) and expr.op == "+":
            left = self.string(expr.left, ctx, depth + 1)
            right = self.string(expr.right, ctx, depth + 1) if left is not None else None
            return left + right if left is not None and right is not None else None
        if isinstance(expr, ir.Sub):
            return self._sliced(expr, ctx, depth)
        if isinstance(expr, (ir.Call, ir.IfExp)):
            # `str(x)` / `format(x, spec)` / `repr(x)`, then str methods, decided tests, environment defaults
            found = self._string_call(expr, ctx, depth + 1) if isinstance(expr, ir.Call) else None
            if found is None:
                found = self._computed_string(expr, ctx, depth)
            if found is not None:
                return found
        resolved: Value = UNKNOWN
        if isinstance(expr, (ir.Name, ir.Attr, ir.Call, ir.IfExp)):
            resolved = self.resolve(expr, ctx, depth + 1)
            if isinstance(resolved, LiteralV) and isinstance(resolved.value, str):
                return resolved.value
        # (`conf.PREFIX` that code also writes, or a name bound under `if`/`else`, is one of several values: not
        # the text of one of its bindings)
        if isinstance(expr, (ir.Name, ir.Attr)) and not self._rebound_local(expr, ctx) and \
                not (isinstance(resolved, UnionV) and (self._is_written(expr, ctx) if isinstance(expr, ir.Attr) else
                                                       self.branches(ctx, expr.id) is not None)):
            bound = self.assignment(expr, ctx, depth + 1)  # a name bound to an expression resolve cannot read
            if bound is not None and bound[0] is not expr:
                return self.string(bound[0], bound[1], depth + 1)
        return None

    def _sliced(self, expr: ir.Sub, ctx: Ctx, depth: int) -> str | None:
        """`path[:-1]` (`path[slice(None, -1, None)]`) of a known string, with known bounds."""
        index = expr.index[0] if len(expr.index) == 1 else None
        if not isinstance(index, ir.Call) or ir.dotted(index.func) != "slice":
            return None
        base = self.string(expr.value, ctx, depth + 1)
        bounds: list[int | None] = []
        for bound in index.args:
            value = self.resolve(bound, ctx, depth + 1)
            if not isinstance(value, LiteralV) or not (value.value is None or type(value.value) is int):
                return None
            bounds.append(value.value if isinstance(value.value, int) else None)
        if base is None:
            return None
        try:
            return base[slice(*bounds)]
        except ValueError:  # a step of 0
            return None

    def _rebound_local(self, expr: ir.Expr, ctx: Ctx) -> bool:
        """A local of the function `ctx` is in that is bound more than once (`if p: final = a` / `else: final =
        ""`): which binding holds is what `resolve` decides, not its last text."""
        if not isinstance(expr, ir.Name):
            return False
        return any(sum(1 for b in func.binds if b.name == expr.id) > 1
                   for func in self.scopes(ctx) if expr.id in func.assigns)

    def _fstring(self, expr: ir.FStr, ctx: Ctx, depth: int) -> str | None:
        out = []
        for part in expr.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                value = self.formatted(part, ctx, "", depth)  # (a part of the string: no deeper)
                if value is None:
                    return None
                out.append(value)
        return "".join(out)

    def _computed_string(self, expr: ir.Call | ir.IfExp, ctx: Ctx, depth: int) -> str | None:
        """`string` of a str method of a known string, a conditional expression whose test can be told, and an
        environment variable read with a default."""
        if isinstance(expr, ir.Call) and isinstance(expr.func, ir.Attr) and expr.func.attr in _STR_METHODS and \
                not expr.kwargs:  # `prefix.strip("/")` of a known string
            base = self.string(expr.func.value, ctx, depth + 1)
            args = [self.string(a, ctx, depth + 1) for a in expr.args]
            if base is not None and all(a is not None for a in args) and len(args) <= 2:
                try:
                    result = getattr(base, expr.func.attr)(*args)
                except (TypeError, ValueError):
                    return None
                return result if isinstance(result, str) else None
        if isinstance(expr, ir.IfExp):
            test = self.truth(expr.test, ctx, depth + 1)
            if test is None:  # `f"/{PREFIX}" if PREFIX else ""` with PREFIX a string known here
                known = self.string(expr.test, ctx, depth + 1)
                test = None if known is None else bool(known)
            if test is not None:
                return self.string(expr.body if test else expr.orelse, ctx, depth + 1)
        if isinstance(expr, ir.Call) and len(expr.args) == 2 and not expr.kwargs and \
                external_name(self.resolve(expr.func, ctx, depth + 1)) in _ENV_READS:
            # `os.environ.get("API_PREFIX", "")`: a path as the default configuration serves it (the variable
            # unset), as a settings class's field default is read
            return self.string(expr.args[1], ctx, depth + 1)
        return None


# library bases whose classes get an `__init__` taking their annotated fields
_FIELD_BASES = frozenset({"pydantic.BaseModel", "pydantic.main.BaseModel", "typing.NamedTuple"})


def _stored_on(expr: ir.Expr | None, holders: set[str]) -> bool:
    """`expr` reads an attribute (or an item of one) of a name in `holders`: `cls._instance`,
    `Server.__instance`, `cls._instances[cls]`."""
    if isinstance(expr, ir.Sub):
        expr = expr.value
    return isinstance(expr, ir.Attr) and isinstance(expr.value, ir.Name) and expr.value.id in holders


def _generates_init(cdef: ClassDef | None) -> bool:
    """A class decorated `@dataclass` / `@dataclasses.dataclass(...)` (pydantic's too)."""
    for dec in cdef.decorators if cdef else ():
        target = dec.expr.func if isinstance(dec.expr, ir.Call) else dec.expr
        if (ir.dotted(target) or "").rpartition(".")[2] == "dataclass":
            init = dec.expr.kwarg("init") if isinstance(dec.expr, ir.Call) else None
            return not (isinstance(init, ir.Const) and init.value is False)
    return False


def _object_names(base: Value) -> frozenset[str]:
    """The names through which a write to `base`'s attributes is looked for: the module-level name an object is
    bound to where it is made, a module's last name (`from a.b import conf`, `import conf`: facts record writes
    through a plain name only). Empty for other objects (made in a function, say) and for classes (an ORM model's
    columns are read everywhere, assigned on instances), whose writes are not followed."""
    if isinstance(base, InstanceV):
        key = base.key
        return frozenset((key[2],)) if len(key) >= 3 and key[0] == "global" and isinstance(key[2], str) \
            else frozenset()
    if isinstance(base, ModuleV):
        return frozenset((base.name.rpartition(".")[2],))
    return frozenset()


def _home_module(base: Value) -> str | None:
    """The module whose top level makes the object (binds the instance)."""
    if isinstance(base, InstanceV):
        return base.key[1] if len(base.key) >= 2 and isinstance(base.key[1], str) else None
    return None


# marks a rebinding among the changes `Index.changed_state` applies (`self.add = True`: the value from then on)
_REBOUND = "<rebound>"

# in the site key of an object an attribute of an object only known by its declared type holds
_OF_DECLARED = ("of", "declared")


class _Unfollowed(Exception):
    """A change of an object's attribute by a method call that cannot be followed (the reason)."""


def _same_object(value: Value, base: Value) -> bool:
    if isinstance(base, InstanceV):
        return isinstance(value, InstanceV) and value.key == base.key
    return value == base


def _not_none(values: tuple[Value, ...], attr: str | None = None) -> tuple[Value, ...]:
    """The alternatives of a union but None, when reading attribute `attr` of it (or calling it, `attr` None)
    fails on None, and some other alternative is left."""
    if attr is not None and hasattr(None, attr):
        return values
    kept = tuple(v for v in values if v != LiteralV(None))
    return kept or values


def _display(expr: ir.Expr) -> bool:
    """A list, tuple, set or dict display (a bound argument's included): never None."""
    while isinstance(expr, ir.Bound):
        expr = expr.expr
    return isinstance(expr, (ir.Seq, ir.DictE, ir.Comp))


def _format_literal(value: object, spec: str) -> str | None:
    """`format(value, spec)` for a literal (a string, number, bool or None), when the spec is short (a width
    like `{x:99999999}` is not built)."""
    if (not isinstance(value, (str, int, float)) and value is not None) or len(spec) > 16 or \
            any(len(run) > 3 for run in "".join(c if c.isdigit() else " " for c in spec).split()):
        return None
    try:
        return format(value, spec)
    except (ValueError, TypeError):
        return None


# environment variables read with a default; str methods whose result known strings determine
_ENV_READS = frozenset({"os.environ.get", "os.getenv"})
_STR_TESTS = frozenset({"startswith", "endswith", "isdigit", "isalnum", "isalpha", "isidentifier", "islower",
                        "isupper", "isspace"})
_STR_METHODS = frozenset({"strip", "lstrip", "rstrip", "lower", "upper", "removeprefix", "removesuffix", "replace"})


def _merge_entries(entries: list[tuple[str, ir.Expr]], more: list[tuple[str, ir.Expr]]) -> list[tuple[str, ir.Expr]]:
    """A dict's items after `more` are added: a later key replaces an earlier one, as in `{**a, "k": v}`."""
    keys = {k for k, _ in more}
    return [(k, v) for k, v in entries if k not in keys] + more


def _base_names(facts: ModuleFacts) -> set[str]:
    """The last names of the bases of the module's classes (`m.Base` and `Base[T]` are `Base`)."""
    names = set()
    for cdef in facts.classes.values():
        for base in cdef.bases:
            text = ir.dotted(base.value if isinstance(base, ir.Sub) else base)
            if text is not None:
                names.add(text.rpartition(".")[2])
    return names


def is_abstract(func: Func) -> bool:
    """A method that is not the code that runs: declared `@abstractmethod`, or whose whole body is `raise
    NotImplementedError` (the override of the object's class runs instead, chosen at run time)."""
    for dec in func.decorators:
        name = ir.dotted(dec.expr.func if isinstance(dec.expr, ir.Call) else dec.expr) or ""
        if name.rsplit(".", 1)[-1] == "abstractmethod":
            return True
    if func.class_name is None or not func.raises or func.returns or func.binds:
        return False
    for raised in func.raises:
        exc = raised.exc.func if isinstance(raised.exc, ir.Call) else raised.exc
        if raised.conditions or exc is None or ir.dotted(exc) != "NotImplementedError":
            return False
    return True


def _declared_class(annotation: ir.Expr) -> ir.Expr | None:
    """The class a declared type names (`T`, `mod.T`, `"T"`, `T | None`, `Optional[T]`), or None."""
    if isinstance(annotation, ir.Str):
        parts = annotation.value.strip().split(".")
        if not all(part.isidentifier() for part in parts):
            return None
        expr: ir.Expr = ir.Name(parts[0])
        for part in parts[1:]:
            expr = ir.Attr(expr, part)
        return expr
    if isinstance(annotation, ir.BinOp) and annotation.op == "|":
        sides = [side for side in (annotation.left, annotation.right)
                 if not (isinstance(side, ir.Const) and side.value is None)]
        return _declared_class(sides[0]) if len(sides) == 1 else None
    if isinstance(annotation, ir.Sub) and len(annotation.index) == 1 and \
            (ir.dotted(annotation.value) or "").rpartition(".")[2] == "Optional":
        return _declared_class(annotation.index[0])
    if isinstance(annotation, (ir.Name, ir.Attr)) and ir.dotted(annotation) is not None:
        return annotation
    return None
