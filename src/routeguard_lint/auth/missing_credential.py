"""What a function does when the request carries no credential: a small abstract walk over its facts.

Used to tell a dependency that rejects a request without a credential (`if token is None: raise ...`)
from one that only rejects a *bad* credential and lets a missing one through (an `auto_error=False`
scheme or an optional `Header()` whose `None` reaches a `return`).

The walk visits a function's bindings, call statements, `raise`s and `return`s in source order. Each
carries the tests of the blocks around it (`if` tests, `else` as `not test`, and markers for `try`
bodies, `except` handlers, loops and `match` cases, see `facts.try_marker`). The missing credentials
start as `None`; every test is evaluated three-valued (true / false / unknown) under that environment:

* a `raise` (or an exception: `None.attr`, `None[...]`, `KEYS[None]`, `jwt.decode(None)`, a project
  function that raises for `None`) whose tests all hold ends the walk: the request is rejected (an
  exception inside a `try` body goes to its `except` handlers instead);
* a `return` whose tests may hold is an *exit*: the request may get through, with that value;
* falling off the end is an exit that returns `None`.

No exit means the function rejects every request without a credential. Loops, unknown calls and
comparisons with unknown values stay unknown, so the walk errs towards "may get through" only where
the code really does not test the credential. Everything is bounded (depth, events).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum

from routeguard_lint.auth.closures import Closures
from routeguard_lint.auth.dynamic import Dynamic, abstract_reason, is_abstract
from routeguard_lint.auth.libraries import Methods, object_model
from routeguard_lint.auth.observations import Follow, Kind, Observations
from routeguard_lint.auth.provided import Choice, Provided, ProvidedValues
from routeguard_lint.auth.request_path import PathCheck, PathKey
from routeguard_lint.auth.settings import EnvironmentFields
from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import LOOP_MARKER, YIELD_BIND, Func, ModuleFacts, is_marker, item_marker
from routeguard_lint.project.calls import OFFLOADING, Calls, offloaded
from routeguard_lint.project.index import (
    BoundParam,
    ClassV,
    Ctx,
    ExternalV,
    FuncV,
    Index,
    InstanceV,
    LiteralV,
    Value,
    class_base,
)
from routeguard_lint.project.scan import ModuleScan
from routeguard_lint.routes.literals import Literals
from routeguard_lint.vocabulary import (
    COMPARE_DIGEST,
    FRAMEWORK_SCOPE_KEYS,
    SCHEME_NAMES,
    SERVER_FAULTS,
    THROTTLE_NAME,
    THROTTLE_STATUS,
    THROTTLE_TEXT,
    is_fastapi_name,
)

MAX_CALL_DEPTH = 3
MAX_EVENTS = 400
MAX_ITEMS = 8  # items of a known list a loop's body is walked once for each
# list methods that change the list they are called on
_LIST_CHANGES = frozenset({"append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse", "__setitem__",
                           "__delitem__", "__iadd__"})
# objects whose `__init__` stores an object made by another constructor, nested at most this deep: two classes
# that make each other (`self.agents = AgentManager(users=self)`, `self.users = users or UserManager()`) stop at
# run time on a value the walk may not know (`self`), and would otherwise be constructed without end
MAX_CONSTRUCTION_DEPTH = 6


@dataclass(frozen=True, slots=True)
class AV:
    """An abstract value: None, a known constant, some non-None object, unknown, or 'raises'."""

    kind: str  # "none" | "const" | "missing" (None or "", from the credential) | "forged" | "obj" | "unk" | "crash"
    value: object = None  # the constant, for "const"
    taint: bool = False  # derived from the missing credential

    def truth(self) -> bool | None:
        if self.kind in ("none", "missing"):
            return False
        if self.kind == "unk" and self.value is TRUTHY:
            return True
        if self.kind == "unk" and self.value is FALSY:
            return False
        if self.kind == "forged":
            return True  # an attacker's credential: present, non-empty, well-formed
        if self.kind == "const":
            try:
                return bool(self.value)
            except Exception:  # pragma: no cover - constants are plain
                return None
        if self.kind == "obj" and isinstance(self.value, (FuncV, ClassV)):
            return True  # a function or a class of the project (`callback=on_limit`): always true
        if self.kind == "obj" and isinstance(self.value, Items):
            return bool(self.value.items)
        return None

    def tainted(self, taint: bool = True) -> AV:
        if self.taint or not taint:
            return self  # the same value (`REQUEST` stays the request: it is told by identity)
        return AV(self.kind, self.value, True)


class _Truthy:
    """`AV.value` of an "unk" whose value is unknown but true (`setting or not compare_digest(...)`)."""

    def __repr__(self) -> str:
        return "<truthy>"


TRUTHY = _Truthy()


class _Falsy:
    """`AV.value` of an "unk" whose value is unknown but false (a setting a chosen alternative's test says is off:
    `None`, `False` or `""`, whichever)."""

    def __repr__(self) -> str:
        return "<falsy>"


FALSY = _Falsy()


@dataclass(frozen=True, slots=True)
class Inst:
    """An object of a project class made in the walked code (`check = Checker(key)`): what its `__init__` stored
    on `self` from the arguments, so that `check(request)` / `check.method()` are walked with `self` bound."""

    cls: ClassV
    attrs: tuple[tuple[str, AV], ...]

    def get(self, name: str) -> AV | None:
        for key, value in self.attrs:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Items:
    """`AV.value` of a list or tuple whose items the walk knows (`PermissionDependency([IsAuthenticated])`, the
    classes a constructor was given): a loop over it runs its body once per item."""

    items: tuple[AV, ...]


@dataclass(frozen=True, slots=True)
class DictItems:
    """`AV.value` of a dict the walked function made (`ret = {}`) and keeps to itself (`Func.item_only`): what its
    constant keys hold, each with whether it is certainly there (a store under a test that cannot be told may
    not have run)."""

    entries: tuple[tuple[object, AV, bool], ...]  # (key, value, certainly there)

    def get(self, key: object) -> tuple[AV, bool] | None:
        for k, value, certain in self.entries:
            if type(k) is type(key) and k == key:
                return value, certain
        return None

    def stored(self, key: object, value: AV, certain: bool) -> DictItems:
        return DictItems((*((k, v, c) for k, v, c in self.entries if not (type(k) is type(key) and k == key)),
                      (key, value, certain)))


@dataclass(frozen=True, slots=True)
class Carrier:
    """`AV.value` of a request's `headers` / `cookies` mapping handed on as a value (`check(request.headers)`,
    `dict(request.headers)`): reading a credential key from it is reading the credential."""

    source: str  # "headers" | "cookies"


@dataclass(frozen=True, slots=True)
class EmptySession:
    """`AV.value` of `request.session` handed on as a value (`read_session(request.session)`) on the walk of a
    request without credentials: it carries no session cookie, so the session is empty (see `_request_read`)."""


@dataclass(frozen=True, slots=True)
class Message:
    """`AV.value` of a message a websocket client sent (`await websocket.receive_json()`, or the text of
    `receive_text()` once parsed: `parsed`): a client that authenticates in band puts its credential in a field
    named like one (`{"type": "auth", "token": ...}`), which a client without credentials leaves out (and a forged
    one fills with an arbitrary value)."""

    parsed: bool


@dataclass(frozen=True, slots=True)
class Memo:
    """`AV.value` of what a request carries in `request.state.<attr>`: what code that ran earlier for the request
    stored there (a middleware, another dependency), not a value built from the credential the walk misses."""

    attr: str


@dataclass(frozen=True, slots=True)
class Unread:
    """What an unknown value made from the credential comes from, when it is the result of a call the analysis cannot
    read that was handed the credential (or the request) on the walk of a forged credential (`AV.value` of an
    "unk"): `key_store.find(token)` of a client made at run time, a library method. Whether a forged credential
    passes a test of it is that code's answer."""

    call: str  # the call as written, shortened
    where: str  # "path:line"
    why: str

    def shown(self) -> str:
        return f"`{self.call}` ({self.where}): {self.why}"


@dataclass(frozen=True, slots=True)
class Peer:
    """A test of the client's network address the walk cannot decide (`request.client.host in ("127.0.0.1",
    "::1")`, or a project function that tests it): a client does not choose the address it connects from as it
    chooses a header. Also `AV.value` of what a function returns only past such a test (the host's own token
    handed to a request from the same machine)."""

    test: str  # the test as written, shortened
    where: str  # "path:line"

    def shown(self) -> str:
        return f"`{self.test}` ({self.where})"


@dataclass(frozen=True, slots=True)
class Setting:
    """What an unknown value that does not depend on the request was read from (`AV.value` of an "unk"): the
    expression's text and "path:line"."""

    text: str
    where: str


NONE = AV("none")
MISSING = AV("none", taint=True)  # the value of a missing credential
REQUEST = AV("obj", taint=True)  # a request (or ASGI scope) that carries no credential (or a forged one)
# a websocket connection that carries no credential (or a forged one): closing it refuses the client
WEBSOCKET = AV("obj", "<websocket>", taint=True)
FORGED = AV("forged", taint=True)  # an arbitrary credential the attacker made up
_ABSENT = ("none", "const", "missing", "forged")  # credential values no table of valid ones holds
_RECEIVES = frozenset({"receive_json", "receive_text", "receive_bytes"})  # a websocket client's message
_SENDS = frozenset({"send_json", "send_text", "send_bytes", "send"})
UNK = AV("unk")
CRASH = AV("crash")
REFUSED = AV("crash", "refused")  # a call that raises an authentication error (401/403) for this request


def join(a: AV | None, b: AV) -> AV:
    """The value of a name that holds `a` or `b` depending on a test we cannot decide."""
    if a is None or a.kind == "crash":
        return b
    if b.kind == "crash":
        return a
    taint = a.taint or b.taint
    if a.kind == b.kind and a.value == b.value:
        return AV(a.kind, a.value, taint)
    if a.taint and b.taint and a.truth() is False and b.truth() is False:
        return AV("missing", None, True)  # `token = token or ""` on one path, None on the other
    if a.kind in ("const", "obj") and b.kind in ("const", "obj") and a.value is not None and b.value is not None:
        return AV("obj", None, taint)
    return AV("unk", _unread(a, b), taint)


def _unread(*values: AV) -> Unread | None:
    """The first of `values` made by code the analysis cannot read (see `Unread`), to keep on what is computed from
    them."""
    for value in values:
        if isinstance(value.value, Unread):
            return value.value
    return None


@dataclass
class Exit:
    line: int
    value: AV
    expr: ir.Expr | None
    implicit: bool = False  # falls off the end of the function
    sure: bool = False  # every test on the way holds: the function certainly gets here
    # tests on the way here that the analysis cannot decide and that do not depend on the request (a setting
    # read at run time, `require_login()`): (source text, "path:line"). Also those of a `raise` that may have
    # ended the walk before (it is reached only when they are false), and of a helper called on the way.
    gates: tuple[tuple[str, str], ...] = ()
    # nothing was done on the way here: no call evaluated, no value computed but constants (the function
    # serves nothing on this path; `if token: serve()` with no token)
    idle: bool = False
    # on the walk of a forged credential: undecided tests on the way here (or of a refusal that may have ended the
    # walk before) whose value is what code the analysis cannot read made of the credential (see `Unread`)
    unread: tuple[Unread, ...] = ()
    # with `unread`: the settings that, besides, let the request through a helper called on the way (its other
    # paths are reached only where such a setting says so): (source text, "path:line")
    opened: tuple[tuple[str, str], ...] = ()
    # with `Flow.record_tests`: tests on the way here (or of a raise or return that may have ended the walk before)
    # that the walk cannot decide and that depend on the request, not on a setting (`conn.client.host in TRUSTED`):
    # (source text, "path:line")
    tests: tuple[tuple[str, str], ...] = ()
    # undecided tests of the client's network address on the way here (or of a refusal that may have ended the
    # walk before): the request gets here only where they hold
    peer: tuple[Peer, ...] = ()


# A call site (see `_Walk._followed`): the module it is written in, its line and column, and what it calls.
Site = tuple[str, int, int, int]

# What a walk observes besides its exits, recorded in `Outcome.seen` (see `auth.observations`): one kind per
# mechanism, with whether the records of a call the walk follows become the caller's (`Follow`). A new mechanism
# declares its kind here.
#
# with `Flow.path_checks`: the tests of the request's path the walk met and could not decide, as
# `auth.request_path.Test` (the judgement decides them per route)
PATH_TESTS: Kind[PathKey, None] = Kind("path_tests", Follow.ALWAYS)
# the constant-time comparisons (`hmac.compare_digest`) the walk made of a forged value and one the server holds,
# not the request (see `auth.capability`): (path, line)
COMPARED: Kind[tuple[str, int], None] = Kind("compared", Follow.ALWAYS)
# calls the index may not resolve that the walk followed through a value it holds (a function or class stored on
# the object by its constructor, an item of a list it was given, a method of an object made of one), by call site:
# the call; and (UNRESOLVED) the call sites an evaluation of which went to nothing the walk could read (see
# `Outcome.settled`, `judge._dynamic_sites`)
RESOLVED: Kind[Site, ir.Call] = Kind("resolved", Follow.ALWAYS)
UNRESOLVED: Kind[Site, None] = Kind("unresolved", Follow.ALWAYS)
# lines that never run for the object walked: the body of a loop over an empty list, (path, line)
UNRUN: Kind[tuple[str, int], None] = Kind("unrun", Follow.ALWAYS)
# calls in the code the RESOLVED calls reached that hand the request (or a credential) to what the walk cannot
# read, by call site: (module, function, the call, whether only a credential's value is handed)
HANDED: Kind[Site, tuple[str, str, ir.Call, bool]] = Kind("handed", Follow.ALWAYS)
# the `request.state.<attr>` memos the walk tested that other code sets too: attribute -> the functions that set it
# (see `_Walk._state_memo`)
STATE_TESTS: Kind[str, frozenset[tuple[str, str]]] = Kind("state_tests", Follow.ALWAYS)
# with `Flow.gates_closed`: the settings the walk took to enforce authentication (source text, "path:line")
ASSUMED: Kind[tuple[str, str], None] = Kind("assumed", Follow.ALWAYS)
# what the walk stored for the request: `request.state.<attr> = v` under ("state", attr), `<context var>.set(v)`
# under ("contextvar", the variable's site key); values joined
STORED: Kind[tuple[str, object], AV] = Kind("stored", Follow.ALWAYS, join)
# what the walk read of those stores that middleware made: "request.state.user (set by <middleware>)"
MIDDLEWARE: Kind[str, None] = Kind("middleware", Follow.ALWAYS)
# a websocket client was sent something other than an error report on the way
SERVED: Kind[None, None] = Kind("served", Follow.ALWAYS)
# the walk read the client's network address (`request.client.host`): of a followed call, only when the call lets
# the request through (what it returns is then made from the address)
PEER: Kind[None, None] = Kind("peer", Follow.PASSING)
# a raise or return past which a name no longer holds None took that None out of the values it may hold (see
# `_Walk._narrow`): of the walk of the function itself
NARROWED: Kind[None, None] = Kind("narrowed", Follow.NEVER)


@dataclass
class Outcome:
    exits: list[Exit] = field(default_factory=list)
    rejected_at: int | None = None  # line of the raise (or failing expression) that always rejects
    # calls to the next app (a middleware's `call_next`), when the Flow watches for them: (line, sure)
    reached: list[tuple[int, bool]] = field(default_factory=list)
    # the record of the walk of the function itself (not of the functions it called)
    walk: Walked | None = None
    # what the walk (and the functions it called, as each kind's `Follow` says) observed, by kind (see the kinds
    # above)
    seen: Observations = field(default_factory=Observations)

    def merge_followed(self, other: Outcome) -> None:
        """Take what the walk of a call this walk followed observed, as each kind says."""
        self.seen.merge_followed(other.seen, other.passes)

    def settled(self, index: Index) -> frozenset[tuple[str, int, str]]:
        """The calls every evaluation of which went to project code, as (path, line, the call's text)."""
        unresolved = self.seen.of(UNRESOLVED)
        return frozenset((index.path_of(key[0]), call.line, ir.show(call, 80))
                         for key, call in self.seen.of(RESOLVED).items() if key not in unresolved)

    @property
    def passes(self) -> bool:
        return bool(self.exits)

    def value(self) -> AV:
        out: AV | None = None
        for ex in self.exits:
            out = join(out, ex.value)
        return out if out is not None else CRASH


@dataclass
class Walked:
    """One walk of a function: which lines it got to. `tainted`: its parameters (and other names) bound to the
    missing credential or the request; `ended`: the line where it certainly ended (a rejection or a `return`
    every path takes); `skipped`: lines of statements whose tests were false; `stepped`: those it visited."""

    tainted: frozenset[str]
    ended: int | None = None
    skipped: set[int] = field(default_factory=set)
    stepped: set[int] = field(default_factory=set)
    # lines of statements skipped because a test of a value made from the missing credential was false (`if
    # token:` with no token), names bound (where the walk got) to such a value that is false (`token =
    # request.headers.get(...)`), and names bound to a value that may be true
    cut: set[int] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)
    truthy: set[str] = field(default_factory=set)

    def reaches(self, line: int) -> bool:
        if self.ended is not None and line > self.ended:
            return False
        return line in self.stepped or line not in self.skipped


# A callee for a call inside `func` (project function, class, external name) — supplied by the graph.
Callee = Callable[[ir.Call, Ctx, Func], Value]


class Flow:
    def __init__(self, index: Index, callee: Callee, verifying: re.Pattern[str],
                 credential_key: Callable[[str, str], bool], credential_setting: Callable[[str], bool] | None = None,
                 next_app: Callable[[ir.Call], bool] | None = None, present: bool = False,
                 decide: Callable[[ir.Expr, Ctx], bool | None] | None = None) -> None:
        """`next_app`: calls that hand the request on (a middleware's `call_next(request)`); the walk records
        where the entry function reaches one (`Outcome.reached`). `decide`: the value of tests the caller
        knows for the request it asks about (a middleware's path tests, for a path it does not exempt), in the
        function the test is written in (the handler or a check it calls)."""
        self.index = index
        self.callee = callee
        self.verifying = verifying
        self.credential_key = credential_key
        self.credential_setting = credential_setting
        self.next_app = next_app
        # the middleware class whose object the entry method runs on (`self`): a method of that object the walk
        # follows (`await self.handle_http(scope, receive, send)`, the override of the object's class) hands the
        # request on too when it calls the next app through it (`self.app(scope, receive, send)`)
        self.next_app_owner: ClassV | None = None
        self.decide = decide
        # False: the request carries no credential (reads give None); True: a forged one (reads give FORGED)
        self.present = present
        self._memo: dict[tuple[FuncV, tuple[tuple[str, str, str, bool], ...], bool, bool, bool,
                               frozenset[str] | None, bool], Outcome] = {}
        self.closures = Closures(index)
        self._constructed: dict[tuple[ClassV, str | None, str | None, str, tuple[BoundParam, ...]], AV] = {}
        self._var_writers: dict[object, set[tuple[str, str]]] = {}
        self._reads_stored: dict[FuncV, bool] = {}
        self._calls = Calls(index)
        self.environment = EnvironmentFields(index)
        self.provided = ProvidedValues(index)
        self._dynamic: Dynamic | None = None
        self.literals = Literals(index)  # tells collections certainly empty
        # every walk of every function, to tell the lines the walked requests can get to (`reaches`)
        self.walked: dict[FuncV, list[Walked]] = {}
        self._writers: dict[str, set[tuple[str, str]]] = {}  # `state_writers`, by attribute
        self._state_scan = ModuleScan(index, self._add_writers)
        # `scope_writers`: by item key, and the functions that write an item whose key is not known
        self._scope_keyed: dict[str, set[tuple[str, str]]] = {}
        self._scope_any: set[tuple[str, str]] = set()
        self._scope_scan = ModuleScan(index, self._add_scope_writers)
        # names and attributes of lists some code changes (`BACKENDS.append(b)`, `Provider.backends = [...]`)
        self._changed_lists: set[str] = set()
        # attributes a method changes through its own `self` (`self.backends.append(b)`), with the classes whose
        # methods do: only objects of those classes (and of classes deriving from them) see the change
        self._self_changed: dict[str, set[ClassV]] = {}
        self._list_scan = ModuleScan(index, self._add_changed_lists)
        # True: walk as a request on which no earlier code has set any `request.state` memo (what a request
        # without credentials carries unless a middleware or another dependency authenticated it first)
        self.state_absent = False
        # the middleware in front of the routes walked whose code the analysis does not read (a library's): any of
        # them may set a `request.state` memo no project code sets; None when they are not known (then such a
        # memo is unknown)
        self.unread_middleware: tuple[str, ...] | None = None
        # True: walk as the app runs when every setting the analysis cannot read is the one that enforces
        # authentication (see `closed_gates`)
        self.gates_closed = False
        # the route handler being walked: what it returns is the response, so a returned 401 refuses the request
        self.responding: FuncV | None = None
        # > 0 while the walk is in code it reached through a value it holds (see `_Walk._hook`): the calls there
        # that hand the request to code it cannot read are recorded (`HANDED`)
        self.following = 0
        # True once the entry function has certainly handed the request to the next app (`next_app`): what it
        # tests after that (`response = await call_next(request)`, then `if request.url.path not in ...`) cannot
        # keep the request from the app; reset by the caller before each walk
        self.handed_on = False
        self.auth_state: dict[int, bool] = {}  # id(Func) -> `_reads_auth_state(func)`
        # what the walked path already knows of settings that never change once the app runs (the alternative of a
        # dependency chosen `if settings.AUTH_ENABLED`): the truth of a name or attribute read in a context
        self.assumed: Callable[[ir.Expr, Ctx], bool | None] | None = None
        # True: exits keep the undecided tests of the request on the way to them (`Exit.tests`)
        self.record_tests = False
        # reads a test of the request's path (`auth.request_path.PathChecks.read`): the walk records those it
        # cannot decide (`PATH_TESTS`)
        self.path_checks: Callable[[ir.Expr, Ctx], PathCheck | None] | None = None

    def share(self, other: Flow) -> None:
        """Read what `other` read of the project's code that no walk changes (the calls of closure factories, the
        settings classes, the objects dependency functions provide), instead of reading it again."""
        self.closures = other.closures
        self.environment = other.environment
        self.provided = other.provided

    def unreadable(self, target: Value, call: ir.Call, ctx: Ctx) -> str | None:
        """Why the code `call` runs cannot be read (library code, a value only known at run time), as the
        unresolved-call sites say it (`Dynamic.why`); None when it is known (the standard library, the framework,
        a builtin container's method)."""
        if self._dynamic is None:
            self._dynamic = Dynamic(self.index, self._calls)
        return self._dynamic.why(target, call, ctx)

    def state_writers(self, attr: str) -> set[tuple[str, str]]:
        """The functions of the project that set `<x>.state.<attr>`: (module, qualname). A module not parsed
        yet (demand-driven mode) is parsed when both words are among its words, so the answer is the full
        mode's whichever files happen to be parsed; one that cannot be parsed may set it too: unknown."""
        # `setattr(request.state, name, value)` and a lifespan's `yield {attr: ...}` too (see `_add_writers`)
        unknown = self._state_scan.open("state", attr) | self._state_scan.open("setattr", "state") | \
            self._state_scan.open("yield", attr)
        found = set(self._writers.get(attr, set()))
        if unknown:
            found.add(("?", "a module not parsed"))  # it may set it too
        return found

    def _add_writers(self, facts: ModuleFacts) -> None:
        """Record the functions that set `<x>.state.<attr>` on a request a client sent: not on a request the
        function makes itself of a scope it writes (`Request({"type": "http", ...})`, for a background run), whose
        state no route's dependencies see; a helper method of a middleware class that its request handler calls
        (`self._set_token(request)`) is recorded as that handler, which stores what the helper does."""
        for func in facts.functions.values():
            for bind in func.binds:
                if ".state." in bind.name and not self._made_request(facts, func, bind.name.split(".", 1)[0]):
                    writer = self._handler_calling(facts, func) or func.qualname
                    self._writers.setdefault(bind.name.rsplit(".", 1)[1], set()).add((facts.module, writer))
                elif bind.name == YIELD_BIND and isinstance(bind.value, ir.DictE) and any(
                        (ir.dotted(d.expr) or "").endswith("contextmanager") for d in func.decorators):
                    # a lifespan's `yield {"pool": pool}` (an `@asynccontextmanager`): Starlette gives every request's
                    # `request.state` its items, before any code of the app runs for it (unknown code, as the
                    # analysis does not tie the function to the app: the memo may be there)
                    for key, _value in bind.value.items:
                        if isinstance(key, ir.Str):
                            self._writers.setdefault(key.value, set()).add(
                                ("?", f"{facts.module}.{func.qualname}, if it is a lifespan (its state)"))
            for call in func.calls:
                if isinstance(call.func, ir.Name) and call.func.id == "setattr" and len(call.args) >= 2 and \
                        isinstance(call.args[0], ir.Attr) and call.args[0].attr == "state" and \
                        isinstance(call.args[0].value, ir.Name):
                    # `setattr(request.state, "user", user)`, as `request.state.user = user`; of a name the analysis
                    # cannot tell, any attribute (see `_state_memo`: asked only of a memo nothing sets by name)
                    writer = self._handler_calling(facts, func) or func.qualname
                    name = call.args[1].value if isinstance(call.args[1], ir.Str) else _ANY_STATE
                    self._writers.setdefault(name, set()).add((facts.module, writer))

    def list_changed(self, name: str) -> bool:
        """Whether code of the project may change the list a module constant or class attribute `name` is bound
        to, after it is made: a call of a list method on it (`BACKENDS.append(b)`, `cls.backends.extend(...)`),
        an assignment to an attribute of that name on any object (`Provider.backends = [...]`, `+=`), or a
        `global` assignment; True too when a module that may hold one cannot be parsed."""
        unknown = self._list_scan.open(name)
        return unknown or name in self._changed_lists or name in self._self_changed

    def attr_list_changed(self, cls: ClassV, name: str) -> bool:
        """Whether code of the project may change the list attribute `name` of an object of `cls` holds after it
        is made: as `list_changed`, but a change a method makes through its own `self` counts only when that
        method's class is `cls` or one of its bases (`PluggableAuthenticator.register`'s
        `self.backends.append(b)` changes no `Authenticator`'s backends)."""
        if self._list_scan.open(name) or name in self._changed_lists:
            return True
        owners = self._self_changed.get(name, set())
        return any(owner in owners for owner in self.index.mro(cls))

    def _add_changed_lists(self, facts: ModuleFacts) -> None:
        for site in facts.calls:
            f = site.call.func
            if not (isinstance(f, ir.Attr) and f.attr in _LIST_CHANGES and isinstance(f.value, (ir.Name, ir.Attr))):
                continue
            func = facts.functions.get(site.scope) if site.scope is not None else None
            if isinstance(f.value, ir.Attr):
                if func is not None and func.class_name is not None and func.params and \
                        isinstance(f.value.value, ir.Name) and f.value.value.id == func.params[0].name and \
                        f.value.value.id not in func.assigns:
                    self._self_changed.setdefault(f.value.attr, set()).add(ClassV(facts.module, func.class_name))
                else:
                    self._changed_lists.add(f.value.attr)
                continue
            if func is None or not (f.value.id in func.assigns or any(p.name == f.value.id for p in func.params)):
                self._changed_lists.add(f.value.id)  # a module's name, not a function's own local
        self._changed_lists.update(facts.attr_writes)
        self._changed_lists.update(facts.global_assigns)
        for func in facts.functions.values():
            self._changed_lists.update(text.rsplit(".", 1)[-1] for text in func.attr_writes)
            for attr in func.sets_self:
                if func.class_name is not None:
                    self._self_changed.setdefault(attr, set()).add(ClassV(facts.module, func.class_name))
                else:
                    self._changed_lists.add(attr)
            self._changed_lists.update(func.nonlocal_assigns)

    def scope_writers(self, key: str) -> set[tuple[str, str]]:
        """The functions of the project that write item `key` of an ASGI scope (`request.scope[key] = v`,
        `scope[key] = v` in a pure ASGI middleware, `scope.update(...)`, whose keys are not known), as
        `state_writers` answers for `request.state`."""
        unknown = self._scope_scan.open("scope")
        found = self._scope_keyed.get(key, set()) | self._scope_any
        if unknown:
            found.add(("?", "a module not parsed"))  # it may write it too
        return found

    def _add_scope_writers(self, facts: ModuleFacts) -> None:
        for func in facts.functions.values():
            ctx = Ctx(facts.module, func.qualname)
            keys: list[ir.Expr | None] = []
            aliases: frozenset[str] | None = None  # computed for the first store into an item or call on a name
            for text in func.stores:
                found = _STORED_ITEM.fullmatch(text)
                if found is None:
                    continue
                if aliases is None:
                    aliases = self._scope_names(facts, func)
                if _is_scope(found.group(1), aliases):
                    keys.append(_key_expr(found.group(2)))
            for call in func.calls:
                f = call.func
                if isinstance(f, ir.Attr) and f.attr in ("update", "setdefault", "__setitem__") and \
                        isinstance(f.value, (ir.Name, ir.Attr)):
                    if aliases is None:
                        aliases = self._scope_names(facts, func)
                    if _is_scope(ir.dotted(f.value) or "", aliases):
                        keys.append(call.args[0] if f.attr != "update" and call.args else None)
            if not keys:
                continue
            writer = (facts.module, self._handler_calling(facts, func) or func.qualname)
            for expr in keys:
                key = expr.value if isinstance(expr, ir.Str) else None
                if isinstance(expr, (ir.Name, ir.Attr)):
                    value = self.index.resolve(expr, ctx)
                    key = value.value if isinstance(value, LiteralV) and isinstance(value.value, str) else None
                if key is None:
                    self._scope_any.add(writer)  # `scope[name] = v` of a key the analysis cannot tell: any
                else:
                    self._scope_keyed.setdefault(key, set()).add(writer)

    def _scope_names(self, facts: ModuleFacts, func: Func) -> frozenset[str]:
        """The local names of `func` that hold an ASGI scope besides those `_is_scope` knows by their text: the
        scope parameter of a pure ASGI middleware's `__call__(self, scope, receive, send)` whatever its name, and
        every name bound to a scope (`s = request.scope`, `sc = scope`), which Python binds to that same object,
        so an item stored through the name is stored in the request's scope."""
        names: set[str] = set()
        params = [p.name for p in func.params if p.kind not in ("vararg", "kwarg")]
        if func.name == "__call__" and func.class_name is not None and len(params) > 1 and \
                self.hands_request_on(facts.module, func.qualname):
            names.add(params[1])
        binds = [b for b in func.binds if isinstance(b.value, (ir.Name, ir.Attr))]
        for _ in range(MAX_CALL_DEPTH + 1):  # `a = request.scope; b = a`: one pass per link of the chain
            more = {b.name for b in binds if b.name not in names and _is_scope(ir.dotted(b.value) or "", names)}
            if not more:
                break
            names |= more
        return frozenset(names)

    def _made_request(self, facts: ModuleFacts, func: Func, name: str) -> bool:
        """`name` is bound in `func` only to a `Request` it makes of a scope it writes (a dict display, or a name
        bound to one)."""
        binds = [b for b in func.binds if b.name == name]
        if not binds or name in {p.name for p in func.params}:
            return False
        ctx = Ctx(facts.module, func.qualname)
        for bind in binds:
            call = bind.value
            if not isinstance(call, ir.Call) or not call.args or call.kwargs:
                return False
            made = self.index.resolve(call.func, ctx)
            if not isinstance(made, ExternalV) or made.qualname.rsplit(".", 1)[-1] != "Request" or \
                    not made.qualname.startswith(("starlette.", "fastapi.")):
                return False
            scope = call.args[0]
            if isinstance(scope, ir.Name):
                bound = [b.value for b in func.binds if b.name == scope.id]
                if not bound or not all(isinstance(v, ir.DictE) for v in bound) or \
                        scope.id in {p.name for p in func.params}:
                    return False
            elif not isinstance(scope, ir.DictE):
                return False
        return True

    def _handler_calling(self, facts: ModuleFacts, func: Func) -> str | None:
        """For a method of a middleware class: the class's request handler (`__call__`, `dispatch`) when it calls
        the method on `self`."""
        if func.class_name is None or func.parent is not None or func.name in ("__call__", "dispatch"):
            return None
        for name in ("__call__", "dispatch"):
            handler = facts.functions.get(f"{func.class_name}.{name}")
            if handler is not None and any(
                    isinstance(c.func, ir.Attr) and c.func.attr == func.name and isinstance(c.func.value, ir.Name)
                    and c.func.value.id == "self" for c in handler.calls) and \
                    self.hands_request_on(facts.module, handler.qualname):
                return handler.qualname
        return None

    def reaches(self, fv: FuncV, line: int, inputs: frozenset[str]) -> bool:
        """Whether code at `line` of `fv` may run for the requests walked (without credentials, or with forged
        ones): True unless `fv` was walked with at least `inputs` (its parameters that hold the request or
        the credential) tainted and no such walk got to the line. A function never walked so is unknown:
        True."""
        walks = [w for w in self.walked.get(fv, ()) if inputs <= w.tainted]
        return not walks or any(w.reaches(line) for w in walks)

    def hands_request_on(self, module: str, qualname: str) -> bool:
        """The function calls one of its own parameters (`await call_next(request)`): a middleware's request
        handler, which runs for every request before the route does. Unknown code (a module not parsed, a
        function not found) is not taken for one: what it does is unknown, so the route is unverified."""
        if module == "?":
            return False
        func = self.index.func(FuncV(module, qualname))
        if func is None:
            return False
        params = {p.name for p in func.params if p.name not in ("self", "cls")}
        if func.name == "__call__" and func.class_name is not None and func.params and any(
                isinstance(call.func, ir.Attr) and isinstance(call.func.value, ir.Name) and
                call.func.value.id == func.params[0].name and "app" in call.func.attr.lower() for call in func.calls):
            return True  # a pure ASGI middleware: `await self.app(scope, receive, send)`
        return any(isinstance(call.func, ir.Name) and call.func.id in params for call in func.calls)

    def stored_by_middleware(self, key: tuple[str, object], walked: FuncV) -> AV | None:
        """What the request carries in `key` (see `STORED`) when it reaches `walked`, if every other
        function of the project that stores it is a middleware's request handler (which runs for the request
        before any route does): the value each stores for the request walked (without credentials, or with a
        forged one), joined. None when other code stores it too (an earlier dependency, a route's handler) or
        nothing does: then it depends on what ran first, which the walk does not know."""
        writers = self.value_writers(key) - {(walked.module, walked.qualname)}
        if not writers or any(not self.hands_request_on(module, qualname) for module, qualname in writers):
            return None
        out: AV | None = None
        for module, qualname in sorted(writers):
            value = self._middleware_run(FuncV(module, qualname)).seen.get(STORED, key)
            if value is None:
                return None
            out = join(out, value)
        return out

    def absent_after_middleware(self, key: tuple[str, object], walked: FuncV) -> bool:
        """Whether `key` (see `STORED`) is not there when the request walked reaches `walked`: every other
        function of the project that stores it is a middleware's request handler, and none of them stores it for
        this request (`if token is not None: request.state.user = ...` stores nothing for a request without
        credentials)."""
        writers = self.value_writers(key) - {(walked.module, walked.qualname)}
        return bool(writers) and all(self.hands_request_on(module, qualname) and
                                     key not in self._middleware_run(FuncV(module, qualname)).seen.of(STORED)
                                     for module, qualname in sorted(writers))

    def reads_middleware_value(self, fv: FuncV) -> bool:
        """The function reads what only middleware stores for the request (`request.state.user`, `var.get()` of
        a context variable, see `stored_by_middleware`): worth walking for what a request without credentials
        (or with a forged one) then carries."""
        found = self._reads_stored.get(fv)
        if found is not None:
            return found
        self._reads_stored[fv] = False
        func = self.index.func(fv)
        keys: set[tuple[str, object]] = set()
        if func is not None:
            ctx = Ctx(fv.module, func.qualname)
            params = {p.name for p in func.params}
            todo: list[ir.Expr] = [*func.calls, *(b.value for b in func.binds), *func.block_tests(),
                                   *(r.value for r in func.returns if r.value is not None)]
            for _ in range(5000):
                if not todo:
                    break
                expr = todo.pop()
                if isinstance(expr, ir.Attr) and isinstance(expr.value, ir.Attr) and expr.value.attr == "state" and \
                        isinstance(expr.value.value, ir.Name) and expr.value.value.id in params:
                    keys.add(("state", expr.attr))
                elif isinstance(expr, ir.Call) and isinstance(expr.func, ir.Name) and expr.func.id == "getattr" and \
                        len(expr.args) >= 2 and isinstance(expr.args[1], ir.Str) and \
                        isinstance(expr.args[0], ir.Attr) and expr.args[0].attr == "state" and \
                        isinstance(expr.args[0].value, ir.Name) and expr.args[0].value.id in params:
                    keys.add(("state", expr.args[1].value))  # `getattr(request.state, "user", None)`
                elif isinstance(expr, ir.Call) and isinstance(expr.func, ir.Attr) and expr.func.attr == "get" and \
                        isinstance(expr.func.value, (ir.Name, ir.Attr)):
                    var = self.index.resolve(expr.func.value, ctx)
                    if isinstance(var, InstanceV) and isinstance(var.cls, ExternalV) and \
                            var.cls.qualname == "contextvars.ContextVar":
                        keys.add(("contextvar", var.key))
                todo.extend(ir.children(expr))
        # each store made by a middleware that reads the request's credential, of what it made of the request
        found = any((writers := self.value_writers(key) - {(fv.module, fv.qualname)}) and
                    all(self.hands_request_on(module, qualname) and
                        self._calls.reads_credential(FuncV(module, qualname)) for module, qualname in writers) and
                    _of_request(self.stored_by_middleware(key, fv)) for key in keys)
        self._reads_stored[fv] = found
        return found

    def _middleware_run(self, fv: FuncV) -> Outcome:
        """The walk of a middleware's request handler for the request walked: its first parameter (after
        `self`) is the request, or the ASGI scope."""
        func = self.index.func(fv)
        if func is None:
            return Outcome()
        params = [p for p in func.params if p.kind not in ("vararg", "kwarg")]
        if func.class_name is not None and params and params[0].name in ("self", "cls"):
            params = params[1:]
        return self.run(fv, {params[0].name: REQUEST} if params else {})

    def value_writers(self, key: tuple[str, object]) -> set[tuple[str, str]]:
        kind, what = key
        if kind == "state" and isinstance(what, str):
            return self.state_writers(what)
        if kind == "scope" and isinstance(what, str):
            return self.scope_writers(what)
        found = self._var_writers.get(what)
        if found is None:
            found = self._var_writers[what] = self._context_var_writers(what)
        return found

    def _context_var_writers(self, key: object) -> set[tuple[str, str]]:
        """The functions that call `.set(...)` on the context variable made at site `key`. A module not parsed
        yet is parsed when its words hold the variable's name (and `set`); one that cannot be: unknown."""
        name = next((k for k in reversed(key) if isinstance(k, str)), "") if isinstance(key, tuple) else ""
        out: set[tuple[str, str]] = set()
        for facts in list(self.index.modules):
            if facts.pending:
                words = frozenset(facts.words.split())
                if "set" not in words or name not in words:
                    continue
                parsed = self.index.module(facts.module)
                if parsed is not None:
                    parsed.functions  # noqa: B018 - the read parses a placeholder
                if parsed is None or parsed.pending or parsed.error:
                    out.add(("?", "a module not parsed"))
                    continue
                facts = parsed
            for func in facts.functions.values():
                for call in func.calls:
                    f = call.func
                    if isinstance(f, ir.Attr) and f.attr == "set" and isinstance(f.value, (ir.Name, ir.Attr)):
                        value = self.index.resolve(f.value, Ctx(facts.module, func.qualname))
                        if isinstance(value, InstanceV) and value.key == key:
                            out.add((facts.module, func.qualname))
        return out

    def closed_gates(self, fv: FuncV, env: dict[str, AV], inputs: frozenset[str] | None = None
                     ) -> tuple[tuple[str, str], ...]:
        """For a function that lets a request without credentials through: the settings (tests the analysis
        cannot decide that do not depend on the request) under which it rejects such a request instead, when
        every such test takes the value that enforces authentication (a refusal, or a `raise` on a test that
        reads the credential, taken; a path that lets the request on, not) and the function then rejects it;
        () when it does not (it lets the request through whatever the settings). `if not require_auth: return
        True` in a helper, `if SESSION_API_KEY and key != SESSION_API_KEY: raise ...`."""
        self.gates_closed = True
        try:
            outcome = self.run(fv, env, inputs=inputs)
        finally:
            self.gates_closed = False
        if outcome.passes or not outcome.seen.has(ASSUMED):
            return ()
        return tuple(outcome.seen.of(ASSUMED))

    def instance(self, cls: ClassV, init: FuncV, env: dict[str, AV]) -> AV:
        """The object FastAPI makes of a class dependency (`auth: Auth = Depends()`) for the request walked: what
        its `__init__` stores on `self`, the parameters bound to what the request gives them (`env`), so that a
        dependant's `auth.require()` runs the class's method with that `self`."""
        func = self.index.func(init)
        if func is None:
            return AV("obj", None, True)
        walk = _Walk(self, init, func, {}, 0, UNK)
        attrs = dict(walk._init_attrs(cls, init, func, [], env, 0))
        return AV("obj", Inst(cls, tuple(sorted(attrs.items()))), True)

    def constructed(self, cls: ClassV, made: InstanceV | None) -> AV:
        """`self` of a method FastAPI calls on an object it was given (`Depends(ProxyAuth(auto_enforce=True))`:
        `made`, its `__call__`) or on the object it makes of a class dependency (`made` None, its `__init__`):
        an object of `cls` (the subclass, whose methods and class attributes `self` finds first), with what
        `__init__` stores on `self` from the construction's arguments, read where the construction is written.
        An argument the evaluator cannot tell is a setting of that construction (a test of it names it)."""
        key = (cls, made.module, made.scope, ir.show(made.call, 400), made.env) if made is not None else \
            (cls, None, None, "", ())
        found = self._constructed.get(key)
        if found is not None:
            return found
        self._constructed[key] = out = AV("obj", Inst(cls, ()), False)
        init = self.index.class_attr(cls, "__init__")
        func = self.index.func(init) if isinstance(init, FuncV) else None
        if made is not None and isinstance(init, FuncV) and func is not None and \
                not any(isinstance(a, ir.Star) for a in made.call.args):
            ctx = made.where()
            where = f"{self.index.path_of(made.module)}:{made.call.line}"
            args = [self._argument(a, ctx, where) for a in made.call.args]
            kwargs = {k: self._argument(v, ctx, where) for k, v in made.call.kwargs if k != "**"}
            walk = _Walk(self, init, func, {}, 0, UNK)
            attrs = dict(walk._init_attrs(cls, init, func, args, kwargs, 0, made.call))
            if func.params:  # a collection certainly empty for this object (`self.patterns = []`, added to
                # only in a loop over `exclude or []`, `exclude` None): a loop over it never runs
                this = Ctx(init.module, func.qualname,
                           (BoundParam(func.qualname, func.params[0].name, ir.Bound(made.call, ctx)),))
                for attr, value in attrs.items():
                    if not isinstance(value.value, Items) and \
                            self.literals.empty(ir.Attr(ir.Name(func.params[0].name), attr), this):
                        attrs[attr] = AV("obj", Items(()))
            out = AV("obj", Inst(cls, tuple(sorted(attrs.items()))), False)
        elif not isinstance(init, FuncV):  # the library's `__init__` makes it
            attrs = dict(self.scheme_init(cls, None, lambda e: UNK) if made is None else self.scheme_init(
                cls, made.call, lambda e: self._argument(e, made.where(),
                                                         f"{self.index.path_of(made.module)}:{made.call.line}")))
            out = AV("obj", Inst(cls, tuple(sorted(attrs.items()))), False)
        self._constructed[key] = out
        return out

    def scheme_init(self, owner: ClassV, call: ir.Call | None, value: Callable[[ir.Expr], AV]) -> list[tuple[str, AV]]:
        """What the `__init__` of a `fastapi.security` scheme that `owner` derives from stores on `self` when `call`
        (`super().__init__(...)`, or the construction itself; None: no arguments) reaches it: `self.auto_error`,
        the `auto_error` keyword (every scheme takes it, True by default). A positional argument list, or
        `**kwargs`, leaves it unknown."""
        if not any(is_fastapi_name(base, SCHEME_NAMES) for base in self.index.external_bases(owner)):
            return []
        given = dict(call.kwargs) if call is not None else {}
        if "auto_error" in given:
            return [("auto_error", value(given["auto_error"]))]
        if "**" in given:
            return [("auto_error", UNK)]
        return [("auto_error", AV("const", True))]

    def _argument(self, expr: ir.Expr, ctx: Ctx, where: str, depth: int = 0) -> AV:
        """A construction argument, read where the construction is written: a literal the evaluator knows, a
        project function or class (`callback=on_limit`), a list or tuple of those (`[IsAuthenticated]`), else a
        setting of that construction. A list or tuple may also hold objects of project classes made there
        (`backends=[JWTBackend(SECRET), APIKeyBackend()]`), each with what its own construction stored, unless it
        is a name code of the project may change (`Flow.list_changed`)."""
        value = self.index.resolve(expr, ctx)
        if isinstance(value, LiteralV) and not self.environment.read_at_run_time(expr, ctx):
            return NONE if value.value is None else AV("const", value.value)
        held = self.held(expr, ctx, depth)
        if held is None:
            held = self.held(expr, ctx, depth, objects=True)
            if held is not None and self.changed_name(expr):
                held = None
        return held if held is not None else AV("unk", Setting(ir.show(expr, 60), where))

    def changed_name(self, expr: ir.Expr) -> bool:
        """Whether `expr` names a list that code of the project may change after it is made (a module's
        `BACKENDS` that plugins `append` to)."""
        return isinstance(expr, (ir.Name, ir.Attr)) and self.list_changed(expr.id if isinstance(expr, ir.Name)
                                                                         else expr.attr)

    def held(self, expr: ir.Expr, ctx: Ctx, depth: int = 0, objects: bool = False) -> AV | None:
        """What a constructor is handed that the walk can call or loop over: a project function or class, or a
        list or tuple written in the code whose every item is one (or a literal); None for anything else.
        `objects`: an item may also be an object of a project class made there (`[APIKeyBackend(), ...]`)."""
        value = self.index.resolve(expr, ctx)
        if (isinstance(value, FuncV) and self.index.func(value) is not None) or \
                (isinstance(value, ClassV) and self.index.cls(value) is not None):
            return AV("obj", value)
        if objects and depth > 0 and isinstance(value, InstanceV) and isinstance(value.cls, ClassV) and \
                self.index.cls(value.cls) is not None:
            return self.constructed(value.cls, value)
        found = self.index._literal(expr, ctx, 0) if depth < 2 else None
        if found is None or not isinstance(found[0], ir.Seq) or found[0].kind not in ("list", "tuple") or \
                any(isinstance(i, ir.Star) for i in found[0].items) or len(found[0].items) > MAX_ITEMS:
            return None
        items: list[AV] = []
        for item in found[0].items:
            known = self.index.resolve(item, found[1])
            inner = (NONE if known.value is None else AV("const", known.value)) if isinstance(known, LiteralV) \
                else self.held(item, found[1], depth + 1, objects)
            if inner is None:
                return None
            items.append(inner)
        return AV("obj", Items(tuple(items)))

    # -- entry point -------------------------------------------------------------------------------------
    def run(self, fv: FuncV, env: dict[str, AV], depth: int = 0, generator_value: AV = UNK,
            inputs: frozenset[str] | None = None) -> Outcome:
        """`inputs`: for a function called from the walk, its parameters whose arguments came from the caller's
        inputs (None: all of them, as for a function FastAPI calls); the others hold settings."""
        key = (fv, tuple(sorted((k, v.kind, repr(v.value), v.taint) for k, v in env.items())), self.state_absent,
               self.gates_closed, self.responding == fv, inputs, self.following > 0)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = Outcome(exits=[Exit(0, UNK, None)])  # cycle guard: "may get through"
        func = self.index.func(fv)
        if func is not None and func.parent is not None:
            # a closure: the factory's parameters it reads, when every call of the factory agrees on them
            known = self.closures.constants(fv, func)
            env = {**{name: NONE if value is None else AV("const", value) for name, value in known.items()}, **env}
        out = Outcome(exits=[Exit(0, UNK, None)]) if func is None else \
            _Walk(self, fv, func, env, depth, generator_value, inputs).run()
        self._memo[key] = out
        return out


class _EventKind(Enum):
    BIND = "bind"  # name = value
    EFFECT = "effect"  # a call statement
    RAISE = "raise"
    RETURN = "return"
    ITEM = "item"  # name[key] = value
    END = "end"  # falling off the end of the function


@dataclass(frozen=True, slots=True)
class _Event:
    """One step of a function the walk visits in source order."""

    line: int
    order: int  # on one line: bindings and calls (1), then raise or return (2), then the end (3)
    kind: _EventKind
    expr: ir.Expr | None  # the value bound, the call, the exception raised, the value returned
    conditions: tuple[ir.Expr, ...]
    name: str = ""  # the name bound (or stored into)
    key: ir.Expr | None = None  # the key of an item stored


class _Walk:
    def __init__(self, flow: Flow, fv: FuncV, func: Func, env: dict[str, AV], depth: int, generator_value: AV,
                 inputs: frozenset[str] | None = None):
        self.flow = flow
        self.fv = fv
        self.func = func
        self.ctx = Ctx(fv.module, func.qualname)
        self.env = dict(env)
        self.depth = depth
        self.generator_value = generator_value
        self.dead: set[str] = set()  # numbers of `try` bodies that certainly raised
        self.term: set[tuple[ir.Expr, ...]] = set()  # condition tuples under which the function certainly ended
        self.out = Outcome()
        self.here: tuple[int, tuple[ir.Expr, ...], bool] = (func.line, (), True)  # the event being evaluated
        self.maybe_cut = False  # an earlier raise/return may have ended the walk (not in an except handler)
        # the tests under which this function called the next app (`Flow.next_app`), for a `return` after it
        self.handed_under: list[tuple[ir.Expr, ...]] = []
        self.maybe_ended = False  # an earlier raise, return or exception may have ended the walk
        self.gated: list[tuple[str, str]] = []
        self.worked = False  # a call was evaluated, or a value other than a constant bound or returned
        self._input_names: set[str] | None = None  # undecidable tests of raises that may have ended the walk
        self.inputs = inputs  # see Flow.run
        self._last_walk: Outcome | None = None  # the walk of the project function a call just reached
        # on the walk of a forged credential: what code the analysis cannot read decided on the way (Exit.unread)
        self.unread: list[Unread] = []
        self.opened: list[tuple[str, str]] = []  # see Exit.opened
        self.tested: list[tuple[str, str]] = []  # see Exit.tests
        self.peer_tested: list[Peer] = []  # see Exit.peer
        # what evaluations read of the client's address, in order: None for a direct read, else the test a value
        # returned only past such a test came from (see `_peer_in`)
        self.peer_seen: list[Peer | None] = []
        # a name bound under tests the walk cannot decide: the values it may hold, with the joined value they made
        # (still the name's value while `env` holds that very object; see `_narrow`)
        self.alternatives: dict[str, tuple[tuple[AV, ...], AV]] = {}
        self.walked: Walked | None = None
        self.served = False  # a websocket handler sent its client something other than an error report
        self.cut = False  # the last `conds` found a test of a value made from the missing credential false
        self.absent: set[str] = set()  # names false only because a binding of them was cut so (see `Walked.cut`)
        # a websocket handler's walk: evaluations that did something (see `_turned_away`), and for each name bound,
        # how many had been made before its binding and after it
        self.handler_ws = depth == 0 and any(v is WEBSOCKET for v in env.values())
        self.work = 0
        self.bound_at: dict[str, tuple[int, int]] = {}

    def run(self) -> Outcome:
        events = self._events()
        if events is None:
            return Outcome(exits=[Exit(self.func.line, UNK, None)])
        walked = self.walked = self.out.walk = Walked(frozenset(k for k, v in self.env.items() if v.taint))
        self.flow.walked.setdefault(self.fv, []).append(walked)
        at = 0
        while at < len(events):
            event = events[at]
            at += 1
            conds = event.conditions
            if self._skipped(conds):
                walked.skipped.add(event.line)
                continue
            if event.kind is _EventKind.BIND and isinstance(event.expr, ir.Star) and (
                    event.line in self.func.loops or (event.line in self.func.for_loops and isinstance(
                        event.expr.value, (ir.Name, ir.Attr)))) and conds and conds[-1] == LOOP_MARKER and \
                    self.conds(conds[:-1]) is not False and self._unrolled(events, at - 1):
                at -= 1  # the loop's header and body are now a run of the body per item
                continue
            truth = self.conds(conds)
            if truth is None and self.flow.gates_closed:
                truth = self._assumed(event)
            if truth is True and event.kind is _EventKind.RAISE and self._server_fault(event):
                walked.skipped.add(event.line)
                continue
            if truth is False:
                walked.skipped.add(event.line)
                if self.cut:
                    walked.cut.add(event.line)
                    if event.kind is _EventKind.BIND and event.name is not None and event.name not in walked.truthy:
                        self.absent.add(event.name)  # `token = None; if header: token = ...`: None for want of it
                continue
            walked.stepped.add(event.line)
            if truth == "crash":
                if self.crash(conds, event.line):
                    walked.ended = event.line
                    return self.out
                continue
            sure = truth is True
            self.here = (event.line, conds, sure)
            if self._step(event, sure):
                walked.ended = event.line
                return self.out
        return self.out

    def _unrolled(self, events: list[_Event], at: int) -> bool:
        """`for name in items:` (the header's binding at `events[at]`) over a list or tuple whose items the walk
        knows (`self.permissions`, given `[IsAuthenticated, IsAdmin]`): its header and body replaced, in
        `events`, by a run of the body per item, in order, `name` bound to the item; each run certainly happens
        (its loop marker becomes an item marker). Over an empty list the body never runs. False (nothing
        replaced) when the items are not known or too many."""
        header = events[at]
        assert isinstance(header.expr, ir.Star)
        value = self.eval(header.expr.value)
        if isinstance(value.value, Items) and isinstance(header.expr.value, ir.Attr) and \
                any(isinstance(item.value, Inst) for item in value.value.items):
            # objects a constructor stored (`self.backends`): not when code may add to the list (`.append(b)`)
            owner = self.eval(header.expr.value.value)
            if not isinstance(owner.value, Inst) or \
                    self.flow.attr_list_changed(owner.value.cls, header.expr.value.attr):
                return False
        if not isinstance(value.value, Items):
            value = self._fixed_list(header.expr.value) or value
        if not isinstance(value.value, Items) or len(value.value.items) > MAX_ITEMS:
            return False
        depth = len(header.conditions)
        end = self.func.loops.get(header.line)
        if end is None:  # a body with `break`, `continue` or `try` is never walked item by item; over an empty
            if value.value.items:  # list, it never runs at all
                return False
            end = self.func.for_loops[header.line][0]
        stop = at + 1
        while stop < len(events) and events[stop].line < end and events[stop].conditions[:depth] == header.conditions:
            stop += 1
        body = events[at + 1:stop]
        if len(events) + len(body) * (len(value.value.items) - 1) > MAX_EVENTS:
            return False
        outer = header.conditions[:-1]
        runs: list[_Event] = []
        for number in range(len(value.value.items)):
            marker = item_marker(header.line, number)
            item = ir.Call(ir.Name("__item__"), (header.expr.value, ir.Const(number)), (), header.line, 0)
            runs.append(replace(header, expr=item, conditions=(*outer, marker)))
            runs.extend(replace(e, conditions=(*outer, marker, *e.conditions[depth:])) for e in body)
        if not runs:
            path = self.flow.index.path_of(self.fv.module)
            for line in range(header.line + 1, end):
                self.out.seen.note(UNRUN, (path, line))
        events[at:stop] = runs
        return True

    def _fixed_list(self, expr: ir.Expr) -> AV | None:
        """The items of a list or tuple a module constant (`for backend in BACKENDS:`) or a class attribute of the
        walked object (`for backend in self.backends:`, `backends = [APIKeyBackend(), BearerBackend()]` in the class
        body) is bound to, written in the code, whose every item is a project function, class or an object of a
        project class made there, when no code changes it (`Flow.list_changed`); None otherwise."""
        written: ir.Expr
        if isinstance(expr, ir.Name):
            if expr.id in self.env or expr.id in self.func.assigns or any(p.name == expr.id for p in self.func.params):
                return None
            name, where, written = expr.id, self.ctx, expr
        elif isinstance(expr, ir.Attr):
            base = self.eval(expr.value)
            cls: ClassV | None = None
            if isinstance(base.value, Inst):
                if base.value.get(expr.attr) is not None:
                    return None
                cls = base.value.cls
            elif base.kind == "unk" and base.value is None and isinstance(expr.value, ir.Name) and \
                    self.func.class_name is not None and self.func.params and \
                    expr.value.id == self.func.params[0].name and expr.value.id not in self.func.assigns:
                # `self` of a method called on an object the walk does not hold: an object of the method's class
                # or of a subclass, which must not define the attribute itself
                cls = ClassV(self.fv.module, self.func.class_name)
                index = self.flow.index
                if any(sub != cls and (c := index.cls(sub)) is not None and
                       (expr.attr in c.attrs or expr.attr in c.instance_attrs or expr.attr in c.methods)
                       for sub in index._subclasses(cls)):
                    return None
            if cls is None:
                return None
            found = None
            for owner in self.flow.index.mro(cls):
                cdef = self.flow.index.cls(owner)
                if cdef is None:
                    continue
                if expr.attr in cdef.instance_attrs or expr.attr in cdef.methods:
                    return None
                if expr.attr in cdef.attrs:
                    found = (cdef.attrs[expr.attr], Ctx(owner.module))
                    break
            if found is None:
                return None
            name = expr.attr
            written, where = found
        else:
            return None
        held = self.flow.held(written, where, objects=True)
        if held is None or not isinstance(held.value, Items) or self.flow.list_changed(name):
            return None
        return held

    def _events(self) -> list[_Event] | None:
        """The function's bindings, call statements, raises and returns in source order, then its end; None
        when there are too many to walk."""
        func = self.func
        events = [*(_Event(b.line, 1, _EventKind.BIND, b.value, b.conditions, b.name) for b in func.binds),
                  *(_Event(e.line, 1, _EventKind.EFFECT, e.call, e.conditions) for e in func.effects),
                  *(_Event(w.line, 1, _EventKind.ITEM, w.value, w.conditions, w.target, w.key)
                    for w in func.item_writes),
                  *(_Event(r.line, 2, _EventKind.RAISE, r.exc, r.conditions) for r in func.raises),
                  *(_Event(r.line, 2, _EventKind.RETURN, r.value, r.conditions) for r in func.returns)]
        if len(events) > MAX_EVENTS:
            return None
        events.sort(key=lambda e: (e.line, e.order))
        events.append(_Event(max(func.end_line, func.line), 3, _EventKind.END, None, ()))
        return events

    def _step(self, event: _Event, sure: bool) -> bool:
        """Walk one event that may be reached (certainly, when `sure`); True when it ends the walk."""
        if event.kind is _EventKind.BIND or event.kind is _EventKind.EFFECT:
            return self._evaluated(event, sure)
        if event.kind is _EventKind.ITEM:
            return self._item_stored(event, sure)
        if event.kind is _EventKind.RAISE or self._refusal(event):
            if sure and event.kind is _EventKind.RETURN:  # a returned refusal ends the function, in a `try` too
                if not self.out.exits:
                    self.out.rejected_at = event.line
                return True
            if sure:
                return self.crash(event.conditions, event.line)
            return self._may_end(event)
        if event.kind is _EventKind.RETURN:
            if self.flow.gates_closed and self.depth == 0 and self.flow.responding == self.fv and \
                    _error_response(event.expr):
                # `return _error(503, ...)`: the request is answered with an error, not served
                return self._may_end(event) if not sure else True
            return self._returned(event, sure)
        # the end of the function; a generator dependency gives what it yielded
        implicit = self.env.get(YIELD_BIND, self.generator_value) if self.func.has_yield else NONE
        self.out.exits.append(Exit(event.line, implicit, None, implicit=not self.func.has_yield,
                                   sure=not self.maybe_ended, gates=tuple(self.gated),
                                   idle=not self.worked and not self.func.has_yield, unread=tuple(self.unread),
                                   opened=tuple(self.opened) if self.unread else (), tests=tuple(self.tested),
                                   peer=tuple(self.peer_tested)))
        return False

    def _evaluated(self, event: _Event, sure: bool) -> bool:
        """A binding or a call statement: its value is computed (an exception in it may end the walk)."""
        before = self.work
        value = self.eval(event.expr)
        if event.kind is _EventKind.EFFECT or value.kind not in ("none", "const") or _has_call(event.expr):
            self.worked = True
            if not _handshake(event.expr):
                self.work += 1
        if event.kind is _EventKind.BIND:
            self.bound_at[event.name] = (before, self.work)
        if value.kind == "crash":
            if sure and self.crash(event.conditions, event.line):
                return True
            if not sure:
                self.maybe_ended = True
                self._unread_on(event.conditions)
                if value == REFUSED:  # as a `raise` of a refusal under a setting (see `_may_end`)
                    self.gated.extend(g for g in self._gates(event.conditions, event.line) if g not in self.gated)
                if self.terminated(event.conditions, event.line):
                    return True  # the exception ends the block it is raised in (`if client_id:` ...)
            value = UNK
        if event.kind is _EventKind.EFFECT and value.kind != "crash":
            self._appended(event.expr, sure)
        if event.kind is _EventKind.BIND:
            if self._scope_of(event.expr):
                # `s = request.scope`: Python binds the name to the request's scope itself, which the walk holds as
                # it holds a pure ASGI middleware's scope: an item stored through the name is the request's
                value = REQUEST
            if event.name in self.func.item_only and isinstance(event.expr, ir.DictE) and value.kind == "obj":
                value = self._items(event.expr, value)
            if event.name in self.func.list_only and isinstance(event.expr, ir.Seq) and event.expr.kind == "list" \
                    and value.kind == "obj" and not any(isinstance(i, ir.Star) for i in event.expr.items) and \
                    len(event.expr.items) <= MAX_ITEMS:
                # a list the function keeps to itself (`Func.list_only`): its items, as `append` adds them
                value = AV("obj", Items(tuple(self.eval(i) for i in event.expr.items)), value.taint)
            self._bound(event.name, value, sure)
            if ".state." in event.name:  # `request.state.user = ...`: what the request carries on
                self._store(("state", event.name.rsplit(".", 1)[1]), value)
        return False

    def _scope_of(self, expr: ir.Expr | None) -> bool:
        """`request.scope` of the request walked."""
        return isinstance(expr, ir.Attr) and expr.attr == "scope" and isinstance(expr.value, ir.Name) and \
            self.env.get(expr.value.id) is REQUEST

    def _bound(self, name: str, value: AV, sure: bool) -> None:
        """`name = value`: under a test the walk cannot decide, the name holds its value before or this one (joined);
        the values it may hold are kept for `_narrow`."""
        if self.walked is not None:
            falsy = value.truth() is False
            if not falsy:
                self.walked.truthy.add(name)
            elif value.taint:
                self.walked.missing.add(name)
        before = self.env.get(name)
        if sure or before is None:
            self.env[name] = value
            self.alternatives.pop(name, None)
            return
        kept = self.alternatives.get(name)
        values = kept[0] if kept is not None and kept[1] is before else (before,)
        joined = self.env[name] = join(before, value)
        if len(values) < MAX_ITEMS:
            self.alternatives[name] = ((*values, value), joined)
        else:
            self.alternatives.pop(name, None)

    def _narrow(self, conds: tuple[ir.Expr, ...]) -> None:
        """A raise or return that may end the walk under `conds`, the last of which holds whenever a name is None
        (`if token is None: raise ...`, `if not token or ...: return None`) and the others certainly hold: what
        follows is reached only where the name is not None (not false, for `not token`). A name that holds one of
        several values (bound under tests the walk cannot decide: `if token is None and <fallback present>: token =
        <fallback>`) keeps only the values that get past the test: the missing credential's None (with the taint of
        the missing credential) is no longer among them. Not inside a `try` (an `except` may catch the exception),
        a loop or a `match` case."""
        if not conds or not self.alternatives or any(is_marker(c) for c in conds):
            return
        if len(conds) > 1 and self.conds(conds[:-1]) is not True:
            return
        for name, falsy in _none_tested(conds[-1]).items():
            kept = self.alternatives.get(name)
            if kept is None or self.env.get(name) is not kept[1]:
                continue
            left = tuple(v for v in kept[0] if not (v.kind == "none" or (falsy and v.truth() is False)))
            if not left or len(left) == len(kept[0]):
                continue
            joined: AV | None = None
            for v in left:
                joined = join(joined, v)
            assert joined is not None
            self.env[name] = joined
            self.alternatives[name] = (left, joined)
            self.out.seen.mark(NARROWED)

    def _appended(self, call: ir.Expr | None, sure: bool) -> None:
        """`parts.append(x)` / `parts.extend(xs)` of a list the function keeps to itself: the items it holds now
        (under a test that cannot be told, or past MAX_ITEMS, they are no longer known)."""
        if not (isinstance(call, ir.Call) and isinstance(call.func, ir.Attr) and isinstance(call.func.value, ir.Name)
                and call.func.attr in ("append", "extend") and len(call.args) == 1 and not call.kwargs):
            return
        name = call.func.value.id
        held = self.env.get(name)
        if name not in self.func.list_only or held is None or not isinstance(held.value, Items):
            return
        added = self.eval(call.args[0])
        items: tuple[AV, ...] | None = (added,) if call.func.attr == "append" else \
            added.value.items if isinstance(added.value, Items) else None
        if not sure or items is None or len(held.value.items) + len(items) > MAX_ITEMS:
            self.env[name] = AV("obj", None, held.taint or added.taint)
            return
        self.env[name] = AV("obj", Items((*held.value.items, *items)), held.taint or added.taint)

    def _items(self, expr: ir.DictE, value: AV) -> AV:
        """A dict display bound to a name the function keeps to itself: its items, when every key is a constant."""
        entries: list[tuple[object, AV, bool]] = []
        for key, item in expr.items:
            known = self.eval(key) if key is not None else UNK
            if known.kind not in ("const", "none"):
                return value
            entries = [e for e in entries if not (type(e[0]) is type(known.value) and e[0] == known.value)]
            entries.append((known.value, self.eval(item), True))
        return AV("obj", DictItems(tuple(entries)), value.taint)

    def _item_stored(self, event: _Event, sure: bool) -> bool:
        """`name[key] = value` (True when computing it certainly raises): into a dict the function keeps to itself
        the item is stored (under a test that cannot be told, it may be there); for a key that is no constant the
        dict's items are no longer known."""
        value = self.eval(event.expr)
        key = self.eval(event.key)
        if value.kind not in ("none", "const") or _has_call(event.expr):
            self.worked = True
        if CRASH in (value, key) or value.kind == "crash" or key.kind == "crash":
            if sure and self.crash(event.conditions, event.line):
                return True
            if not sure:
                self.maybe_ended = True
            return False
        owner, dot, attr = event.name.partition(".")
        held = self.env.get(event.name) if not dot else \
            REQUEST if self._scope_of(ir.Attr(ir.Name(owner), attr)) else None
        if held is REQUEST and key.kind == "const" and isinstance(key.value, str):
            # `scope["user"] = user` in a pure ASGI middleware walked with the request's scope, `request.scope[KEY] =
            # value` in a middleware's `dispatch`: what the request carries on (under a test that cannot be told, it
            # may not be there)
            self._store(("scope", key.value), value if sure else join(NONE, value))
        if held is None or not isinstance(held.value, DictItems):
            return False
        if key.kind not in ("const", "none"):
            self.env[event.name] = AV("obj", None, held.taint or key.taint or value.taint)
            return False
        before = held.value.get(key.value)
        if not sure and before is not None:
            value, certain = join(before[0], value), before[1]
        else:
            certain = sure
        self.env[event.name] = AV("obj", held.value.stored(key.value, value, certain), held.taint or value.taint)
        return False

    def _item_read(self, base: AV, key: AV, missing: AV | None) -> AV | None:
        """`d[key]` (`missing` None: a KeyError without it) or `d.get(key, missing)` of a dict with known items
        (`DictItems`); None when the dict or the key is not known."""
        if not isinstance(base.value, DictItems) or key.kind not in ("const", "none"):
            return None
        found = base.value.get(key.value)
        absent = CRASH if missing is None else missing
        if found is None:
            return absent
        value, certain = found
        return value if certain else join(value, absent)

    def _item_get(self, call: ir.Call, base: AV, d: int) -> AV | None:
        """`ret.get("token")` of a dict the function keeps to itself (`DictItems`): what its code stored there, else the
        default; None when the call is no such read."""
        if not (isinstance(call.func, ir.Attr) and call.func.attr == "get" and 1 <= len(call.args) <= 2 and
                not call.kwargs):
            return None
        missing = self.eval(call.args[1], d) if len(call.args) == 2 else NONE
        held = call.func.value
        if isinstance(held, ir.BoolOp) and held.op == "or" and held.values[-1] == ir.DictE(()):
            # `(info or {}).get("access_token")` where every value before the `{}` is false: nothing there
            earlier = [self.eval(v, d) for v in held.values[:-1]]
            if all(v.truth() is False for v in earlier):
                return missing.tainted(any(v.taint for v in earlier))
        if not isinstance(base.value, DictItems):
            return None
        return self._item_read(base, self.eval(call.args[0], d), missing)

    def _store(self, key: tuple[str, object], value: AV) -> None:
        self.out.seen.add(STORED, key, value)

    def _returned(self, event: _Event, sure: bool) -> bool:
        """A `return`: an exit with its value, unless computing the value raises."""
        before = len(self.out.reached)
        value = self.eval(event.expr) if event.expr is not None else NONE
        handed_on = len(self.out.reached) > before  # `return await call_next(request)`
        # `await self.app(scope, receive, send)` then `return`, under the same tests (or tests it is inside of)
        handed_on = handed_on or any(event.conditions[:len(under)] == under for under in self.handed_under)
        if value.kind == "crash":
            if sure and self.crash(event.conditions, event.line):
                return True
            if not sure:
                self.maybe_ended = True
                self._unread_on(event.conditions)
                if value == REFUSED:  # `return await websocket.close()` under a setting (see `_may_end`)
                    self.gated.extend(g for g in self._gates(event.conditions, event.line) if g not in self.gated)
                return self.terminated(event.conditions, event.line)
            return False
        own = self._gates(event.conditions, event.line)
        # a refusal's setting this return is the other branch of (`if keys: <raise> else: return None`) is named
        # by this return's own test
        opposite = {text.removeprefix("not ") if text.startswith("not ") else f"not {text}" for text, _w in own}
        gates = (*(g for g in self.gated if g[0] not in opposite), *own)
        idle = (not self.worked and value.kind in ("none", "const") and not _has_call(event.expr)) or \
            self._turned_away(event, value)
        unread = [*self.unread, *self._unread_in(event.conditions)] if not sure else self.unread
        tests = [*self.tested, *self._request_tests(event.conditions, event.line)] if not sure else self.tested
        peer = [*self.peer_tested, *self._peer_in(event.conditions, event.line)] if not sure else self.peer_tested
        self.out.exits.append(Exit(event.line, value, event.expr, sure=sure and not self.maybe_ended,
                                   gates=tuple(dict.fromkeys(gates)), idle=idle, unread=tuple(dict.fromkeys(unread)),
                                   opened=tuple(self.opened) if unread else (), tests=tuple(dict.fromkeys(tests)),
                                   peer=tuple(dict.fromkeys(peer))))
        if sure:
            return True
        cut = self.maybe_cut
        ended = self._may_end(event)
        if handed_on:  # a return that hands the request on does not keep it from the next app
            self.maybe_cut = cut
        return ended

    def _turned_away(self, event: _Event, value: AV) -> bool:
        """A websocket handler's `return` (of None) that a request without credentials reaches because what it made
        of its credential first is false (`ws = await accept_socket(ws)` / `user = await authenticate(ws)`, then `if
        not ws: return`), with nothing sent to the client and nothing else done on the way: the connection ends
        there (never accepted, or closed once the handler returns), as it does when the handler closes it."""
        if not self.handler_ws or self.flow.responding != self.fv or value.kind != "none" or self.served or \
                self.out.seen.has(SERVED) or not event.conditions:
            return False
        test = event.conditions[-1]
        if is_marker(test) or self.eval(test).truth() is not True or self.walked is None:
            return False
        return any(name in self.walked.missing and self.bound_at.get(name) == (0, self.work)
                   for name in names_in(test))

    def _server_fault(self, event: _Event) -> bool:
        """A `raise` of a server's fault (`server_error`: a 500, `RuntimeError(...)`) whose tests all hold whatever
        the request is: they read the server's own state (a library not initialised, a client not connected, a
        setting), not the request, its credential or anything the function was given (`if not
        FastAPILimiter.is_initialized(): raise RuntimeError(...)`). The walk holds that state as the code starts
        it (the class attribute's `None` before the app's startup set it), not as it is when requests arrive: on a
        server that works such a raise is not reached, and a request without credentials goes on. It is not taken
        for a rejection (the walk is of a request to a working server); a refusal (401, 403, 404: an answer to the
        client) under such tests still is, and so is a raise under a test of the request."""
        tests = [c for c in event.conditions if not is_marker(c)]
        if not tests or not self._server_error(event.expr):
            return False
        inputs = self._inputs()
        for test in tests:
            value = self.eval(test)
            if value.taint or isinstance(value.value, (Unread, Peer)) or names_in(test) & inputs:
                return False
        return True

    def _server_error(self, expr: ir.Expr | None) -> bool:
        """`expr` (what a `raise` raises) reports a fault of the server, not an answer to the client: one of
        Python's own exceptions (`SERVER_FAULTS`, uncaught a 500), a project exception class deriving only from
        them, or an HTTP exception with a 5xx status."""
        f = expr.func if isinstance(expr, ir.Call) else expr
        if f is None:
            return False
        name = ir.dotted(f) or ""
        last = name.rsplit(".", 1)[-1]
        if isinstance(expr, ir.Call) and last in ("HTTPException", "WebSocketException"):
            status = expr.arg(0, "status_code") if last == "HTTPException" else expr.arg(0, "code")
            return (isinstance(status, ir.Const) and isinstance(status.value, int) and 500 <= status.value < 600) or \
                (isinstance(status, ir.Attr) and status.attr.startswith("HTTP_5"))
        value = self.flow.index.resolve(f, self.ctx)
        if isinstance(value, ClassV):
            return self._fault_class(value)
        return name == last and last in SERVER_FAULTS and not isinstance(value, FuncV)

    def _fault_class(self, cls: ClassV) -> bool:
        """A project exception class whose bases outside the project are all Python's own exceptions of a fault
        (`class LimiterNotReady(RuntimeError)`)."""
        index = self.flow.index
        outside: list[str] = []
        for owner in index.mro(cls):
            cdef = index.cls(owner)
            if cdef is None:
                return False
            for base in cdef.bases:
                if not isinstance(index.resolve(class_base(base), Ctx(owner.module)), ClassV):
                    outside.append((ir.dotted(class_base(base)) or "").rsplit(".", 1)[-1])
        return bool(outside) and all(name in SERVER_FAULTS for name in outside)

    def _refusal(self, event: _Event) -> bool:
        """A `return` of a response that refuses the request (`return JSONResponse(..., status_code=401)`) by the
        route handler being walked: its return value is the response."""
        return event.kind is _EventKind.RETURN and self.depth == 0 and self.flow.responding == self.fv and \
            refuses(event.expr)

    def _assumed(self, event: _Event) -> bool | None:
        """With `Flow.gates_closed`: whether the event is reached when the settings enforce authentication. A
        refusal, or a `raise` under a test that reads the credential, is taken; a `return` or the end (a path
        that lets the request on) is not; anything else stays unknown. The settings so taken are recorded."""
        if event.kind in (_EventKind.BIND, _EventKind.EFFECT):
            return None
        conds = event.conditions
        if event.kind is _EventKind.RAISE or self._refusal(event):
            if not (refuses(event.expr) or any(not is_marker(c) and self.eval(c).taint for c in conds)):
                return None
            want = True
        else:
            want = False
        where = f"{self.flow.index.path_of(self.fv.module)}:{event.line}"
        taken: list[tuple[str, str]] = []
        values = [self._assume(c, want, where, taken) if not is_marker(c) else None for c in conds]
        if want:
            result = True if all(v is True for v in values if v is not None) and \
                all(v is not None or is_marker(c) for v, c in zip(values, conds, strict=True)) else None
        else:
            result = False if any(v is False for v in values) else None
        if result is not None and taken:
            for t in taken:
                self.out.seen.note(ASSUMED, t)
            return result
        return None

    def _assume(self, test: ir.Expr, want: bool, where: str, taken: list[tuple[str, str]],
                depth: int = 0) -> bool | None:
        """The value of `test` when every setting in it takes the value that makes it `want`."""
        value = self.eval(test)
        if value.kind == "crash" or depth > 6:
            return None
        known = value.truth()
        if known is not None:
            return known
        if not value.taint and not names_in(test) & self._inputs():
            # shown as the test that lets the request through (the setting that turns the check off)
            opening = (test.value if isinstance(test, ir.Not) else ir.Not(test)) if want else test
            taken.append((ir.show(opening, 60), where + self._settings_in(test)))
            return want
        if isinstance(test, ir.Not):
            inner = self._assume(test.value, not want, where, taken, depth + 1)
            return None if inner is None else not inner
        if isinstance(test, ir.BoolOp):
            parts = [self._assume(part, want, where, taken, depth + 1) for part in test.values]
            stop = test.op == "or"
            if any(p is stop for p in parts):
                return stop
            return (not stop) if all(p is (not stop) for p in parts) else None
        return None

    def _may_end(self, event: _Event) -> bool:
        """A raise or return that is not certainly reached: True when the walk certainly ended by now. In a
        middleware's walk (is the next app reached?), a refusal that says "too many" (429, a rate limit's
        exception: `throttles`) answers the caller's count, not who the caller is: the same request under the
        limit goes on, so it is not taken for a way the walk may end. (A dependency's answers keep it: what it
        surely gives a request is what it gives one the limit lets through too, `Exit.sure`.)"""
        if self.flow.next_app is not None and throttles(event.expr) and not refuses(event.expr):
            return False
        if self.terminated(event.conditions, event.line):
            return True
        if event.kind is _EventKind.RAISE and refuses(event.expr):
            # a refusal (401) under a setting: what follows is reached only when the setting lets the request on
            self.gated.extend(g for g in self._gates(event.conditions, event.line) if g not in self.gated)
            # under a test of the client's address: what follows, only where that test lets it on
            self.peer_tested.extend(t for t in self._peer_in(event.conditions, event.line) if t not in self.peer_tested)
        self._unread_on(event.conditions)
        self.tested.extend(t for t in self._request_tests(event.conditions, event.line) if t not in self.tested)
        self.maybe_ended = True
        self._maybe_cut(event.conditions)
        self._narrow(event.conditions)
        return False

    def _peer_in(self, conds: tuple[ir.Expr, ...], line: int) -> list[Peer]:
        """The tests of `conds` the walk cannot decide whose value is made from the client's network address:
        the test itself when it reads the address, the test a value it reads came from when that value was
        returned only past one (`Peer`)."""
        if not self.out.seen.has(PEER):
            return []
        out: list[Peer] = []
        where = f"{self.flow.index.path_of(self.fv.module)}:{line}"
        for c in conds:
            if not is_marker(c):
                out.extend(self._peer_parts(c, where, 0))
        return list(dict.fromkeys(out))

    def _peer_parts(self, test: ir.Expr, where: str, depth: int) -> list[Peer]:
        """`_peer_in` of one test: the parts of an `and`/`or`/`not` that read the address, when they can be told
        apart (`raw is not None and (has_write_token(raw) or is_local(raw))` names `is_local(raw)`)."""
        before = len(self.peer_seen)
        value = self.eval(test)
        if value.kind == "crash" or value.truth() is not None or len(self.peer_seen) == before:
            return []
        seen = self.peer_seen[before:]
        if depth < 4 and isinstance(test, (ir.BoolOp, ir.Not)):
            parts = test.values if isinstance(test, ir.BoolOp) else [test.value]
            inner = [p for part in parts for p in self._peer_parts(part, where, depth + 1)]
            if inner:
                return inner
        here = Peer(ir.show(test, 80), where)
        return [here if one is None else one for one in seen]

    def _request_tests(self, conds: tuple[ir.Expr, ...], line: int) -> list[tuple[str, str]]:
        """With `Flow.record_tests`: the tests of `conds` the walk cannot decide whose value is made from the
        request (not the settings `_gates` names)."""
        if not self.flow.record_tests:
            return []
        out: list[tuple[str, str]] = []
        where = f"{self.flow.index.path_of(self.fv.module)}:{line}"
        for c in conds:
            if is_marker(c):
                continue
            value = self.eval(c)
            if value.kind != "crash" and value.truth() is None and value.taint:
                out.append((ir.show(c, 80), where))
        return out

    def _unread_in(self, conds: tuple[ir.Expr, ...]) -> list[Unread]:
        """On the walk of a forged credential: the tests of `conds` the walk cannot decide whose value code the
        analysis cannot read made of the credential (`if not await keys.verify(token): raise ...`)."""
        if not self.flow.present:
            return []
        out: list[Unread] = []
        for c in conds:
            if not is_marker(c):
                value = self.eval(c)
                if value.kind != "crash" and value.truth() is None and isinstance(value.value, Unread) and \
                        value.value not in out:
                    out.append(value.value)
        return out

    def _unread_on(self, conds: tuple[ir.Expr, ...]) -> None:
        """A refusal (or an exception) that may have ended the walk under `conds`: what follows is reached only
        where the code the analysis cannot read behind them let the request on."""
        self.unread.extend(u for u in self._unread_in(conds) if u not in self.unread)

    def _gates(self, conds: tuple[ir.Expr, ...], line: int) -> list[tuple[str, str]]:
        """The tests of `conds` the walk cannot decide that do not depend on the request or its credentials."""
        out: list[tuple[str, str]] = []
        where = f"{self.flow.index.path_of(self.fv.module)}:{line}"
        for c in conds:
            if not is_marker(c):
                self._gate(c, where, out, 0)
        return out

    def _gate(self, test: ir.Expr, where: str, out: list[tuple[str, str]], depth: int) -> None:
        """`test`, or the parts of an `and` / `or` / `not` that are such a test (`ENFORCE and token is None`)."""
        if depth > 6:
            return
        value = self.eval(test)
        if value.kind == "crash" or value.truth() is not None:
            return
        if not value.taint:
            if isinstance(value.value, Setting):  # a setting the caller passed in (`allow_anonymous=enabled()`)
                out.append((value.value.text, value.value.where))
            elif not names_in(test) & self._inputs():  # a setting, not a request input or a factory's argument
                out.append((ir.show(test, 60), where + self._settings_in(test)))
            elif isinstance(test, ir.BoolOp) and test.op == "and":
                # `self.allow_mesh and "/alerts/event" in request.url.path`: what the test guards is reached only
                # where each part holds, so a part that is a setting gates it
                for part in test.values:
                    self._gate(part, where, out, depth + 1)
        elif isinstance(test, ir.BoolOp):
            for part in test.values:
                self._gate(part, where, out, depth + 1)
        elif isinstance(test, ir.Not):
            self._gate(test.value, where, out, depth + 1)

    def _settings_in(self, test: ir.Expr, depth: int = 0) -> str:
        """What the object's attributes a test reads hold, when the walk knows them as settings read elsewhere
        (`self.password`, stored by `__init__` from `get_secret("APP_PASSWORD")`): "; self.password is
        `get_secret("APP_PASSWORD")` (app/auth.py:15)"."""
        if depth > 4:
            return ""
        if isinstance(test, ir.Not):
            return self._settings_in(test.value, depth + 1)
        if isinstance(test, ir.BoolOp):
            return "".join(dict.fromkeys(self._settings_in(v, depth + 1) for v in test.values))
        if isinstance(test, ir.Compare):
            return "".join(dict.fromkeys(self._settings_in(v, depth + 1) for v in (test.left, *test.comparators)))
        if isinstance(test, ir.Attr):
            value = self.eval(test)
            if isinstance(value.value, Setting) and value.value.text != ir.show(test, 60):
                return f"; {ir.show(test, 60)} is `{value.value.text}` ({value.value.where})"
        if isinstance(test, ir.Name) and test.id in self.func.assigns and \
                not any(p.name == test.id for p in self.func.params):
            # a local bound once to what does not depend on the function's inputs (`auth = get_settings().auth if
            # ... else None`): what it is bound to, where
            binds = [b for b in self.func.binds if b.name == test.id]
            if len(binds) == 1 and not isinstance(binds[0].value, (ir.Const, ir.Str, ir.Unknown)) and \
                    not names_in(binds[0].value) & self._inputs():
                # and the locals that value reads in turn (`secret = get_settings().auth_string` above it)
                inner = "".join(dict.fromkeys(self._settings_in(ir.Name(name), depth + 1)
                                              for name in sorted(names_in(binds[0].value)) if name != test.id))
                return f"; {test.id} is `{ir.show(binds[0].value, 100)}` " \
                    f"({self.flow.index.path_of(self.fv.module)}:{binds[0].line}){inner}"
            return ""
        if isinstance(test, ir.Name) and test.id not in self.env and test.id not in self.func.assigns and \
                not any(p.name == test.id for p in self.func.params):
            # a module-level name bound to what is read when the app starts (`DEBUG = os.getenv("DEBUG")`)
            found = self.flow.index.assignment(test, self.ctx)
            if found is not None and found[1].scope is None and not isinstance(found[0], (ir.Const, ir.Str)):
                facts = self.flow.index.module(found[1].module)
                line = facts.assign_lines.get(test.id, 0) if facts is not None else 0
                where = f"{self.flow.index.path_of(found[1].module)}" + (f":{line}" if line else "")
                return f"; {test.id} is `{ir.show(found[0], 60)}` ({where})"
        return ""

    def _inputs(self) -> set[str]:
        """The names whose value comes from what the function is given rather than from settings: its parameters
        (request inputs FastAPI injects, a caller's arguments), the locals computed from them, and the parameters
        of the functions around a closure (what each call of a factory passes)."""
        if self._input_names is not None:
            return self._input_names
        params = {p.name for p in self.func.params}
        # a name the function assigns is its own local (Python's scoping), not the factory's parameter
        out = (params if self.inputs is None else params & self.inputs) | \
            (self._factory_params() - set(self.func.assigns))
        first = self.func.params
        if self.func.class_name is not None and first and first[0].name in ("self", "cls"):
            this = self.env.get(first[0].name)
            if this is None or not this.taint:  # an object the code made, not one built from the request:
                out.discard(first[0].name)  # `self._bearer_auth_configured()` reads settings
        for _ in range(4):
            before = len(out)
            out.update(b.name for b in self.func.binds if names_in(b.value) & out)
            if len(out) == before:
                break
        self._input_names = out
        return out

    def _factory_params(self) -> set[str]:
        """Parameters of the functions around a closure (`def current_user(optional=False): def dep(...)`):
        what each call of the factory passes, which the walk leaves unknown when the calls disagree."""
        out: set[str] = set()
        parent = self.func.parent
        for _ in range(4):
            if parent is None:
                break
            outer = self.flow.index.func(FuncV(self.fv.module, parent))
            if outer is None:
                break
            out.update(p.name for p in outer.params)
            parent = outer.parent
        return out

    # -- control ---------------------------------------------------------------------------------------
    def _maybe_cut(self, conds: tuple[ir.Expr, ...]) -> None:
        """A raise or return that may end the walk: later calls to the next app are no longer certain, unless it
        is in an `except` handler (what an exception does) or under an exempting test."""
        for c in conds:
            if isinstance(c, ir.Unknown) and c.code.startswith("<except:"):
                return
        self.maybe_cut = True

    def _skipped(self, conds: tuple[ir.Expr, ...]) -> bool:
        for i in range(len(conds) + 1):
            if conds[:i] in self.term:
                return True
        for c in conds:
            if isinstance(c, ir.Unknown) and c.code.startswith(("<try:", "<tryelse:")) and \
                    c.code.split(":")[1][:-1] in self.dead:
                return True
        return False

    def crash(self, conds: tuple[ir.Expr, ...], line: int) -> bool:
        """An exception at a point whose tests all hold: True when it ends the walk (not inside a try)."""
        for c in reversed(conds):
            if isinstance(c, ir.Unknown) and c.code.startswith("<try:"):
                self.dead.add(c.code.split(":")[1][:-1])
                return False
        if not self.out.exits:
            self.out.rejected_at = line
        return True

    def terminated(self, conds: tuple[ir.Expr, ...], line: int) -> bool:
        """Record that the function ends under `conds`; True when that now covers every path."""
        conds = tuple(conds)
        while True:
            self.term.add(conds)
            if not conds:
                if not self.out.exits:
                    self.out.rejected_at = line
                return True
            last = conds[-1]
            other = last.value if isinstance(last, ir.Not) else ir.Not(last)
            # `if setting: if token is None: raise ...`: the inner test certainly holds here, so the function
            # ends whenever the outer ones do (as when both branches of the inner test end it)
            if (*conds[:-1], other) not in self.term and \
                    (is_marker(last) or self.eval(last).truth() is not True):
                break
            conds = conds[:-1]
        if self.conds(conds) is True:
            if not self.out.exits:
                self.out.rejected_at = line
            return True
        return False

    def conds(self, conds: tuple[ir.Expr, ...]) -> bool | str | None:
        """True / False / None (unknown) / "crash" for a tuple of block tests."""
        result: bool | None = True
        self.cut = False
        for c in conds:
            if isinstance(c, ir.Unknown) and c.code.startswith("<"):
                code = c.code
                if code.startswith("<except:"):
                    t = True if code.split(":")[1][:-1] in self.dead else None
                elif code.startswith(("<try:", "<tryelse:", "<item:")):
                    t = True  # (a run of a loop's body for a known item certainly happens)
                else:
                    t = None
            else:
                value = self.eval(c)
                if value.kind == "crash":
                    return "crash" if result is True else None
                t = value.truth()
                self.cut = t is False and (value.taint or bool(self.absent and names_in(c) & self.absent))
            if t is False:
                return False
            if t is None:
                result = None
        return result

    # -- expressions -----------------------------------------------------------------------------------
    def eval(self, expr: ir.Expr | None, depth: int = 0) -> AV:
        if expr is None:
            return NONE
        if depth > 30:
            return UNK
        if self.flow.decide is not None:
            known = self.flow.decide(expr, self.ctx)
            if known is not None:
                return AV("const", known)
        if self.flow.path_checks is not None and isinstance(expr, (ir.Compare, ir.Call)):
            check = self.flow.path_checks(expr, self.ctx)
            if check is not None:
                self.out.seen.note(PATH_TESTS, check.test)
        out = self._eval(expr, depth + 1)
        if isinstance(out.value, Peer):  # returned only past a test of the client's address
            self.peer_seen.append(out.value)
        return out

    def _eval(self, expr: ir.Expr, d: int) -> AV:
        if isinstance(expr, ir.Const):
            return NONE if expr.value is None else AV("const", expr.value)
        if isinstance(expr, ir.Str):
            return AV("const", expr.value)
        if isinstance(expr, ir.Name):
            return self._name(expr)
        if isinstance(expr, ir.Attr):
            return self._attr(expr, d)
        if isinstance(expr, ir.Sub):
            return self._sub(expr, d)
        if isinstance(expr, ir.Call):
            return self._call(expr, d)
        if isinstance(expr, ir.Compare):
            return self._compare(expr, d)
        if isinstance(expr, ir.BoolOp):
            return self._boolop(expr, d)
        if isinstance(expr, ir.Not):
            return self._not(expr, d)
        if isinstance(expr, ir.IfExp):
            return self._ifexp(expr, d)
        if isinstance(expr, ir.BinOp):
            return self._binop(expr, d)
        if isinstance(expr, (ir.Seq, ir.DictE, ir.FStr)):
            return self._container(expr, d)
        if isinstance(expr, ir.Star):
            return AV("unk", None, self.eval(expr.value, d).taint)
        return UNK

    def _name(self, expr: ir.Name) -> AV:
        found = self.env.get(expr.id)
        if found is not None:
            return found
        if expr.id in self.func.assigns or any(p.name == expr.id for p in self.func.params):
            return UNK
        return self._known(expr) or self._assumed_setting(expr) or UNK  # a module constant or setting

    def _attr(self, expr: ir.Attr, d: int) -> AV:
        base = self.eval(expr.value, d)
        if expr.attr == "host" and isinstance(expr.value, ir.Attr) and expr.value.attr == "client" and base.taint:
            # `request.client.host`: the client's network address
            self.peer_seen.append(None)
            self.out.seen.mark(PEER)
        if base.kind in ("crash", "none"):
            return CRASH
        if expr.attr in ("headers", "cookies") and base is REQUEST:
            return AV("obj", Carrier(expr.attr), True)
        if expr.attr == "session" and base is REQUEST and not self.flow.present:
            return AV("obj", EmptySession(), True)
        if base.kind == "forged":
            if expr.attr == "scheme":
                # the scheme of the `Authorization` header (`HTTPAuthorizationCredentials.scheme`) is no secret: the
                # attacker writes the one the code expects, so a test of it cannot be told from the value
                return AV("unk", None, True)
            return FORGED  # `credentials.credentials`, `creds.password`: still the attacker's
        if isinstance(base.value, Unread):
            return base  # `result.data`: what the unreadable code returned, still
        if isinstance(expr.value, ir.Attr) and expr.value.attr == "state" and base.kind in ("unk", "obj"):
            # `request.state.user`: what a middleware in front of every route stored there for this request, when
            # only middleware sets it (read before anything stored it, it raises AttributeError)
            found = self._from_middleware(("state", expr.attr), f"{ir.show(expr.value, 40)}.{expr.attr}") \
                if base.taint else None
            return found if found is not None else AV("unk", Memo(expr.attr), base.taint)
        if isinstance(base.value, Inst):
            stored = base.value.get(expr.attr)
            if stored is not None and isinstance(expr.value, ir.Name) and self.func.params and \
                    expr.value.id == self.func.params[0].name and expr.attr in self.func.sets_self:
                # `self.limiter`, which this method sets itself (`if self.limiter is None: self.limiter = ...`):
                # what the constructor stored, or what an earlier request's run of it did
                return AV("unk", None, stored.taint)
            if stored is not None:
                return stored
            # a class attribute, looked up from the object's own class (a subclass's overrides its base's)
            declared = self.flow.index.class_attr(base.value.cls, expr.attr)
            if isinstance(declared, LiteralV):
                return NONE if declared.value is None else AV("const", declared.value)
        if (base.kind == "unk" or isinstance(base.value, Inst)) and not base.taint and \
                isinstance(ir.dotted(expr), str) and not self._call_result(expr, base):
            # `settings.REQUIRE_LOGIN`, when the evaluator knows it or the path walked says what it is
            return self._known(expr) or self._assumed_setting(expr) or UNK
        return AV("unk", None, base.taint)

    def _call_result(self, expr: ir.Attr, base: AV) -> bool:
        """`board.status` of a local bound to what a call returned (`board = boards.get_board(board_id)`) that the
        walk could not compute and that is no setting (see `_setting`): unknown. The evaluator's value of such a
        local keeps the returns it can resolve and drops the rest (`return cached`, `return None`), and reads a
        field an unpacked row gives (`Board(**row)`) as its class default; only a call whose every return is one
        known value (`_certain_result`) says what it holds."""
        if base.kind != "unk" or base.value is not None:
            return False
        root: ir.Expr = expr
        while isinstance(root, ir.Attr):
            root = root.value
        if not isinstance(root, ir.Name) or root.id not in self.func.assigns:
            return False
        for b in self.func.binds:
            value = b.value.value if isinstance(b.value, ir.Sub) else b.value  # `board, made = get_or_create(...)`
            if b.name == root.id and isinstance(value, ir.Call) and not self._certain_result(value):
                return True
        return False

    def _assumed_setting(self, expr: ir.Expr) -> AV | None:
        """A setting whose truth the walked path already took (`Flow.assumed`)."""
        if self.flow.assumed is None:
            return None
        truth = self.flow.assumed(expr, self.ctx)
        return None if truth is None else AV("unk", TRUTHY if truth else FALSY)

    def _known(self, expr: ir.Expr) -> AV | None:
        """The value of an expression that does not depend on the request (a module constant, a setting, what a
        project function without arguments returns) when the project's evaluator can tell it."""
        if isinstance(expr, ir.Call) and not self._certain_result(expr):
            return None
        value = self.flow.index.resolve(expr, self.ctx)
        if isinstance(value, LiteralV) and not self.flow.environment.read_at_run_time(expr, self.ctx):
            return NONE if value.value is None else AV("const", value.value)
        return None

    def _setting(self, expr: ir.Expr) -> AV:
        """An unknown value that does not depend on the request: computed from no parameter of the function (nor
        a local made from one), such as a setting read at run time (`anonymous_user_enabled(tenant_id=...)`). It
        remembers where it was read, so that a test of it in a function it is passed to names it (a gate)."""
        if names_in(expr) & self._inputs():
            return UNK
        return AV("unk", Setting(ir.show(expr, 60), f"{self.flow.index.path_of(self.fv.module)}:{self.here[0]}"))

    def _certain_result(self, call: ir.Call) -> bool:
        """Whether what a call of a project function returns is one known value: the evaluator's call result keeps
        the returns it can resolve and drops the rest (and every `return None`), so `if cached is None: return
        False` / `return int(cached) == 1` would read as `False`. Every return the call may reach must resolve
        to the same literal, and the body must end in a `return`."""
        index = self.flow.index
        callee = index.resolve(call.func, self.ctx)
        if not isinstance(callee, FuncV):
            return True
        func = index.func(callee)
        if func is None or func.has_yield:
            return False
        returns = index.reachable_returns(func, index.call_env(callee, func, call, self.ctx))
        if not returns or any(not is_marker(c) for c in returns[-1].conditions) or \
                any(is_marker(c) for r in returns for c in r.conditions):
            return False  # it may fall off the end (None), or a return sits in a loop / try block
        fctx = index.call_env(callee, func, call, self.ctx)
        values = [index.resolve(r.value, fctx) if r.value is not None else LiteralV(None) for r in returns]
        return all(isinstance(v, LiteralV) and v == values[0] for v in values)

    def _not(self, expr: ir.Not, d: int) -> AV:
        value = self.eval(expr.value, d)
        if value.kind == "crash":
            return CRASH
        t = value.truth()
        return AV("unk", _unread(value), value.taint) if t is None else AV("const", not t, value.taint)

    def _ifexp(self, expr: ir.IfExp, d: int) -> AV:
        test = self.eval(expr.test, d)
        if test.kind == "crash":
            return CRASH
        t = test.truth()
        if t is not None:
            chosen = self.eval(expr.body if t else expr.orelse, d)
            # `creds.credentials if creds is not None else None`: the None a test of the missing credential
            # chose stands for that credential (a function handed it walks as handed a missing one)
            return chosen.tainted() if test.taint and chosen.kind == "none" else chosen
        body, orelse = self.eval(expr.body, d), self.eval(expr.orelse, d)
        if (body.kind == "crash") != (orelse.kind == "crash"):
            # `None if not settings.keys else verify(token)` is `if not settings.keys: ... else: <raise>`: what
            # follows is reached only where the test opens the other branch
            self.maybe_ended = True
            if not test.taint:
                opening = ir.Not(expr.test) if body.kind == "crash" else expr.test
                if isinstance(opening, ir.Not) and isinstance(opening.value, ir.Not):
                    opening = opening.value.value
                gate = (test.value.text, test.value.where) if isinstance(test.value, Setting) else \
                    (ir.show(opening, 60), f"{self.flow.index.path_of(self.fv.module)}:{self.here[0]}") \
                    if not names_in(expr.test) & self._inputs() else None
                if gate is not None and gate not in self.gated:
                    self.gated.append(gate)
        return join(body, orelse)

    def _binop(self, expr: ir.BinOp, d: int) -> AV:
        left, right = self.eval(expr.left, d), self.eval(expr.right, d)
        if CRASH in (left, right):
            return CRASH
        if expr.op == "%" and left.kind == "const" and isinstance(left.value, str):
            return AV("obj", None, right.taint)
        if left.kind == "none" or right.kind == "none":
            return CRASH  # TypeError
        return AV("unk", None, left.taint or right.taint)

    def _container(self, expr: ir.Seq | ir.DictE | ir.FStr, d: int) -> AV:
        if isinstance(expr, ir.Seq) and expr.kind == "tuple" and not any(isinstance(i, ir.Star) for i in expr.items):
            # `return None, False`: a tuple of known values keeps them (the caller unpacks it)
            items = [self.eval(i, d) for i in expr.items]
            if any(v.kind == "crash" for v in items):
                return CRASH
            if all(v.kind in ("none", "const") for v in items):
                return AV("const", tuple(None if v.kind == "none" else v.value for v in items),
                          any(v.taint for v in items))
        taint = False
        for part in _parts(expr):
            value = self.eval(part, d)
            if value.kind == "crash":
                return CRASH
            taint = taint or value.taint
        return AV("obj", None, taint)

    def _credential_key(self, source: str, key: ir.Expr, depth: int = 0) -> bool:
        """Whether `key` names a credential header or cookie: a literal, a parameter whose default is one, a
        constant or setting whose value is known, or (when it is not) whose name says so."""
        if depth > 4:
            return False
        if isinstance(key, ir.Str):
            return self.flow.credential_key(source, key.value)
        if isinstance(key, ir.FStr):
            # `f"{COOKIE_NAME}_{i}"` (a chunk of a cookie too long for one): the text known before the first part
            # that cannot be told names the credential whatever follows it
            known = self._leading_text(key)
            return bool(known.strip("_-. ")) and self.flow.credential_key(source, known.rstrip("_-. "))
        if isinstance(key, ir.Name):
            bound = self.env.get(key.id)
            if bound is not None and bound.kind == "const" and isinstance(bound.value, str):
                return self.flow.credential_key(source, bound.value)
            for param in self.func.params:
                if param.name == key.id:
                    return param.default is not None and self._credential_key(source, param.default, depth + 1)
            local = self.func.assigns.get(key.id)
            if isinstance(local, ir.FStr):  # `cookie_key = f"{name}_{i}"`
                return self._credential_key(source, local, depth + 1)
        if isinstance(key, ir.Attr) and isinstance(key.value, ir.Name) and key.value.id in self.env:
            # `request.headers.get(self.header)`: what the object walked holds (`APIKeyBackend("X-API-Key")`)
            held = self.eval(key)
            if held.kind == "const" and isinstance(held.value, str):
                return self.flow.credential_key(source, held.value)
        if isinstance(key, (ir.Name, ir.Attr)):
            text = self.flow.index.string(key, self.ctx)
            if text is not None:
                return self.flow.credential_key(source, text)
            name = key.attr if isinstance(key, ir.Attr) else key.id
            return self.flow.credential_setting is not None and self.flow.credential_setting(name)
        if isinstance(key, ir.Call) and isinstance(key.func, (ir.Name, ir.Attr)):
            # `request.cookies.get(config.get_auth_cookie_name())`: the name the call gives when it can be told,
            # else what the called function's name says it gives
            text = self.flow.index.string(key, self.ctx)
            if text is not None:
                return self.flow.credential_key(source, text)
            name = key.func.attr if isinstance(key.func, ir.Attr) else key.func.id
            return self.flow.credential_setting is not None and self.flow.credential_setting(name)
        return False

    def _leading_text(self, fstr: ir.FStr) -> str:
        """The text of an f-string up to its first part whose value the walk cannot tell."""
        text = ""
        for part in fstr.parts:
            if isinstance(part, str):
                text += part
                continue
            value = self.eval(part, 0) if isinstance(part, ir.Name) and part.id in self.env else None
            if value is not None and value.kind == "const" and isinstance(value.value, str):
                text += value.value
                continue
            known = self.flow.index.string(part, self.ctx) if isinstance(part, (ir.Name, ir.Attr)) and \
                not (isinstance(part, ir.Name) and part.id in self.env) else None
            if known is None:
                break
            text += known
        return text

    def _keyed_credential(self, value: AV, key: ir.Expr) -> bool:
        """`key` names a credential in `value`: handed-on headers or cookies, or a websocket client's message."""
        if isinstance(value.value, Carrier):
            return self._credential_key(value.value.source, key)
        return isinstance(value.value, Message) and value.value.parsed and isinstance(key, ir.Str) and \
            self.flow.credential_key("query", key.value)

    def _sub(self, expr: ir.Sub, d: int) -> AV:
        base = expr.value
        memo = self._scope_memo(base, expr.index[0], "item") if len(expr.index) == 1 else None
        if memo is not None:
            return memo
        if isinstance(base, ir.Attr) and base.attr in ("headers", "cookies") and len(expr.index) == 1 and \
                self._credential_key(base.attr, expr.index[0]):
            # request.headers["authorization"]: KeyError without the header, the attacker's value with one
            return FORGED if self.flow.present else CRASH
        if isinstance(base, ir.Attr) and base.attr == "session" and len(expr.index) == 1 and not self.flow.present \
                and self.eval(base.value, d) == REQUEST:
            return CRASH  # `request.session["user"]`: KeyError in the empty session of a request without credentials
        value = self.eval(base, d)
        if value.kind in ("crash", "none") or isinstance(value.value, EmptySession):
            return CRASH  # (KeyError in the empty session)
        if isinstance(value.value, DictItems) and len(expr.index) == 1:
            known = self._item_read(value, self.eval(expr.index[0], d), None)
            if known is not None:
                return known
        if len(expr.index) == 1 and self._keyed_credential(value, expr.index[0]):
            # `headers["authorization"]` of handed-on headers, `message["token"]` of a websocket client's message:
            # KeyError without it
            return FORGED if self.flow.present else CRASH
        if value.kind == "forged":
            return FORGED  # `token.split(" ")[1]`
        if value.kind == "const" and isinstance(value.value, (str, bytes, tuple)) and len(expr.index) == 1:
            key = self.eval(expr.index[0], d)
            if key.kind == "const" and isinstance(key.value, int) and not isinstance(key.value, bool):
                try:
                    item = value.value[key.value]
                except IndexError:
                    return CRASH
                return AV("none", None, value.taint or key.taint) if item is None else \
                    AV("const", item, value.taint or key.taint)
        taint = value.taint
        for item in expr.index:
            key = self.eval(item, d)
            if key.kind == "crash":
                return CRASH
            if key.taint and key.kind in _ABSENT:
                return CRASH  # a credential table has no entry for a missing (None / "") credential
            taint = taint or key.taint
        return AV("unk", _unread(value), taint)

    def _call(self, call: ir.Call, d: int) -> AV:  # noqa: C901
        f = call.func
        if isinstance(f, ir.Name) and f.id == "__item__" and len(call.args) == 2:
            return self._item(call, d)
        if self.flow.next_app is not None and (self.depth == 0 or self._own_object(f)) and self.flow.next_app(call):
            line, conds, sure = self.here
            self.out.reached.append((line, sure and not self.maybe_cut))
            self.handed_under.append(conds)
            if sure and not self.maybe_cut and self.depth == 0:
                self.flow.handed_on = True
            return UNK
        read = self._request_read(call, d)
        if read is not None:
            return read
        if isinstance(f, ir.Attr):
            base = self.eval(f.value, d)
            if base.kind in ("crash", "none"):
                return CRASH  # a method of None
            if f.attr == "join" and base.kind == "const" and isinstance(base.value, str) and len(call.args) == 1 \
                    and not call.kwargs:
                parts = self.eval(call.args[0], d)
                if isinstance(parts.value, Items) and all(i.kind == "const" and isinstance(i.value, str)
                                                          for i in parts.value.items):
                    # `"".join(parts)` of a list whose items are known strings
                    return AV("const", base.value.join(str(i.value) for i in parts.value.items),
                              base.taint or parts.taint or any(i.taint for i in parts.value.items))
            if f.attr in ("get", "pop") and isinstance(base.value, EmptySession) and call.args:
                default = call.arg(1, "default")  # nothing in the empty session
                return self.eval(default, d).tainted() if default is not None else AV("none", None, True)
            if f.attr == "get" and isinstance(base.value, Carrier) and call.args and \
                    self._credential_key(base.value.source, call.args[0]):
                # `headers.get("authorization")` of the request's headers handed to this function
                if self.flow.present:
                    return FORGED
                default = call.arg(1, "default")
                return self.eval(default, d).tainted() if default is not None else MISSING
            if base == WEBSOCKET and f.attr in _RECEIVES:
                return AV("obj", Message(f.attr == "receive_json"), True)  # what the client sends first
            if isinstance(base.value, Message) and base.value.parsed and f.attr == "get" and call.args and \
                    isinstance(call.args[0], ir.Str) and self.flow.credential_key("query", call.args[0].value):
                # `message.get("token")` of the client's message: left out without credentials
                if self.flow.present:
                    return FORGED
                default = call.arg(1, "default")
                return self.eval(default, d).tainted() if default is not None else MISSING
            if base == WEBSOCKET and f.attr in _SENDS and not _error_report(call, self.func):
                self.served = True  # the client got something: a later `close()` ends a served connection
                self.out.seen.mark(SERVED)
            if base == WEBSOCKET and f.attr == "close":
                # `await websocket.close(code=1008)`: the client is refused (before `accept()` the handshake is
                # answered 403; after it, the connection is over) and nothing the app does later reaches it; not
                # once the walk has sent the client something (`send_json(data)` then `close()` in a `finally`).
                # A refusal: under a setting, what follows is reached only where the setting lets the client on
                return UNK if self.served else REFUSED
            checked = self._item_get(call, base, d) or self._credential_object(base, f.attr)
            if checked is not None:
                return checked
            if base.kind == "forged":
                return FORGED  # `token.strip()`, `authorization.removeprefix("Bearer ")`: still the attacker's
        else:
            base = UNK
        args = [self.eval(a.value if isinstance(a, ir.Star) else a, d) for a in call.args]
        kwargs = {k: self.eval(v, d) for k, v in call.kwargs}
        if isinstance(f, ir.Attr) and base.kind == "const" and isinstance(base.value, (str, bytes)) and \
                f.attr in _STR_METHODS and not kwargs and all(a.kind == "const" for a in args) and \
                not any(isinstance(a, ir.Star) for a in call.args):
            return _str_method(base, f.attr, args)
        values = args + list(kwargs.values())
        if any(v.kind == "crash" for v in values):
            return CRASH
        if len(args) == 1 and isinstance(args[0].value, Message) and not args[0].value.parsed and \
                (f.attr if isinstance(f, ir.Attr) else f.id if isinstance(f, ir.Name) else "") == "loads":
            return AV("obj", Message(True), True)  # `json.loads(await websocket.receive_text())`
        # mapping.get(missing) -> the default
        if isinstance(f, ir.Attr) and f.attr == "get" and args and args[0].taint and \
                args[0].kind in _ABSENT:
            return args[1].tainted() if len(args) > 1 else MISSING
        return self._callee(call, base, args, kwargs)

    def _request_read(self, call: ir.Call, d: int) -> AV | None:
        """`request.headers.get("authorization")` / `request.cookies.get("session")` / `request.query_params.get(
        "api-key")`: the missing credential (or the forged one); `request.session.get("user")`: what the empty session
        of a request without credentials holds (it carries no session cookie; a forged cookie fails the session's
        signature, but that is not assumed). None for any other call."""
        f = call.func
        if not (isinstance(f, ir.Attr) and f.attr == "get" and isinstance(f.value, ir.Attr) and call.args):
            return None
        source = f.value.attr
        if source in ("headers", "cookies", "query_params") and \
                (self._credential_key(source, call.args[0]) if source != "query_params" else
                 isinstance(call.args[0], ir.Str) and
                 self.flow.credential_key("query", call.args[0].value.replace("-", "_"))):
            if self.flow.present:
                return FORGED
        elif not (source == "session" and not self.flow.present and self.eval(f.value.value, d) == REQUEST):
            return None
        default = call.arg(1, "default")
        return self.eval(default, d).tainted() if default is not None else MISSING

    def _context_var(self, expr: ir.Expr) -> InstanceV | None:
        """The `contextvars.ContextVar` object `expr` names, if it does (a module-level variable, say)."""
        if not isinstance(expr, (ir.Name, ir.Attr)) or (isinstance(expr, ir.Name) and expr.id in self.env):
            return None
        value = self.flow.index.resolve(expr, self.ctx)
        if isinstance(value, InstanceV) and isinstance(value.cls, ExternalV) and \
                value.cls.qualname == "contextvars.ContextVar":
            return value
        return None

    def _context_value(self, call: ir.Call, var: InstanceV, args: list[AV]) -> AV:
        """`var.set(value)`: stored for the request (the token it returns is unknown); `var.get()`: what a
        middleware in front of every route set for this request, when only middleware sets it."""
        key = ("contextvar", var.key)
        if call.func.attr == "set" if isinstance(call.func, ir.Attr) else False:
            if args:
                self._store(key, args[0])
            return UNK
        found = self._from_middleware(key, f"{ir.show(call.func, 40)}()")
        return found if found is not None else UNK

    def _from_middleware(self, key: tuple[str, object], shown: str) -> AV | None:
        found = self.flow.stored_by_middleware(key, self.fv)
        if _of_request(found):  # what the middleware made of the request (its credential): named in the verdict
            writers = sorted(f"{m}.{q}" for m, q in self.flow.value_writers(key))
            self.out.seen.note(MIDDLEWARE, f"{shown} (set by {', '.join(writers[:2])})")
        return found

    def _credential_object(self, base: AV, method: str) -> AV | None:
        """A method of a documented credential object (`Authorize.jwt_required()` on the `AuthJWT` FastAPI made
        from the request, see `libraries.Methods`): a checking method raises for a missing or forged credential,
        an optional one only for a forged one; others give what the credential holds."""
        model = base.value if isinstance(base.value, Methods) else \
            object_model(f"{base.value.cls.module}.{base.value.cls.name}") if isinstance(base.value, Inst) else None
        if model is None:
            return None
        if method in model.rejects or (method in model.optional and self.flow.present):
            return REFUSED
        return AV("unk", None, True)

    def _item(self, call: ir.Call, d: int) -> AV:
        """Element i of a tuple target (`user, _, sig = token.rpartition(".")`): `__item__(whole, i)`."""
        whole = self.eval(call.args[0], d)
        if whole.kind in ("crash", "none"):
            return CRASH
        if whole.kind == "forged":
            return FORGED
        index = call.args[1]
        if not isinstance(whole.value, Items) and isinstance(call.args[0], (ir.Name, ir.Attr)):
            whole = self._fixed_list(call.args[0]) or whole  # the list a loop over a constant runs over
        if isinstance(whole.value, Items) and isinstance(index, ir.Const) and isinstance(index.value, int) and \
                0 <= index.value < len(whole.value.items):
            return whole.value.items[index.value]  # the item a run of a loop's body is for (see `_unrolled`)
        if whole.kind == "const" and isinstance(whole.value, tuple) and isinstance(index, ir.Const) and \
                isinstance(index.value, int) and 0 <= index.value < len(whole.value):
            return AV("const", whole.value[index.value], whole.taint)
        return AV("unk", None, whole.taint)

    def _callee(self, call: ir.Call, base: AV, args: list[AV], kwargs: dict[str, AV]) -> AV:
        """A call of what `call.func` resolves to, with its arguments' values. On the walk of a forged credential,
        an unknown result is marked when code the analysis cannot read made it (see `Unread`): handed the
        credential (or the request) itself, or computing on what such code returned (`rows.first()`)."""
        value = self._scope_get(call) or self._call_value(call, base, args, kwargs)
        if not self.flow.present or value.kind != "unk" or value.value is not None:
            return value
        values = [*args, *kwargs.values()]
        found = _unread(base, *values)
        if found is not None:
            return AV("unk", found, True)
        if not any(v.taint for v in values) or self._read_held(call, base):
            return value
        target = self.flow.callee(call, self.ctx, self.func)
        if isinstance(target, FuncV):
            callee = self.flow.index.func(target)
            this = base.value.cls if isinstance(base.value, Inst) and isinstance(call.func, ir.Attr) and \
                self.flow.index.class_attr(base.value.cls, call.func.attr) == target else None
            why = None if callee is None or not is_abstract(callee) else abstract_reason(target, this)
        elif isinstance(target, ClassV):
            why = None
        else:
            declared = self._receiver_class(call)
            why = self.flow.unreadable(declared if declared is not None else target, call, self.ctx)
        if why is None:
            return value
        where = f"{self.flow.index.path_of(self.fv.module)}:{call.line or self.here[0]}"
        return self._handed_unread(Unread(ir.show(call, 80), where, why))

    def _handed_unread(self, unread: Unread) -> AV:
        """On the walk of a forged credential, a call that hands the credential (or the request) to code the analysis
        cannot read (`return await self.verify(token)` of an abstract hook the object's class does not override, a
        library's method): that code may raise for a credential it does not accept, as a verifying call does, so what
        follows is reached only where it let the request on, which the walk cannot tell (`Exit.unread`, naming the
        call), as the missing-credential walk names the call (`Dynamic`); what it gives is unknown. In a `try` body
        the walk of its `except` handlers says what such an exception does (`except Exception: raise HTTPException(
        401)` refuses the request, as a verifier's failure is meant to), as for any call there."""
        value = AV("unk", unread, True)
        if any(isinstance(c, ir.Unknown) and c.code.startswith("<try:") for c in self.here[1]):
            return value
        if unread not in self.unread:
            self.unread.append(unread)
        self.maybe_ended = True
        return value

    def _read_held(self, call: ir.Call, base: AV) -> bool:
        """The call runs a function or class the walk holds and has read (see `_hook`), or the methods of the
        objects a dependency provides: what it gave is that code's answer, not unread code's."""
        held = self.env.get(call.func.id) if isinstance(call.func, ir.Name) else base
        if held is not None and isinstance(held.value, Provided):
            return False  # `_provided_call` says itself which method it could not read
        hook = self._hook(call.func, base)
        if hook is None:
            method = self._instance_method(call.func, base)
            callee = self.flow.index.func(method[1]) if method is not None else None
            # a method of an object the walk holds (an item of a list it loops over): its code was walked
            return callee is not None and not is_abstract(callee)
        if isinstance(hook.value, ClassV):
            return True
        callee = self.flow.index.func(hook.value) if isinstance(hook.value, FuncV) else None
        return callee is not None and not is_abstract(callee)

    def _receiver_class(self, call: ir.Call) -> ExternalV | None:
        """`session.execute(statement)` of a parameter annotated with a library class (`session: AsyncSession`,
        through a `NewType` alias of it): that class's method, named by the class, which says whose code runs."""
        f = call.func
        if not (isinstance(f, ir.Attr) and isinstance(f.value, ir.Name)):
            return None
        param = next((p for p in self.func.params if p.name == f.value.id), None)
        if param is None or param.annotation is None or f.value.id in self.func.assigns:
            return None
        expr: ir.Expr = param.annotation
        ctx = self.ctx
        for _ in range(4):
            value = self.flow.index.resolve(expr, ctx)
            if isinstance(value, ExternalV):
                return ExternalV(f"{value.qualname}.{f.attr}")
            new_type = isinstance(value, InstanceV) and isinstance(value.cls, ExternalV) and \
                value.cls.qualname in ("typing.NewType", "typing_extensions.NewType")
            if not isinstance(value, InstanceV) or not new_type or len(value.call.args) != 2:
                return None
            expr, ctx = value.call.args[1], Ctx(value.module, value.scope)  # `NewType("S", Base)`: a Base
        return None

    def _call_value(self, call: ir.Call, base: AV, args: list[AV], kwargs: dict[str, AV]) -> AV:
        values = args + list(kwargs.values())
        taint = any(v.taint for v in values)
        var = self._context_var(call.func.value) if isinstance(call.func, ir.Attr) and \
            call.func.attr in ("set", "get") else None
        if var is not None:
            return self._context_value(call, var, args)
        held = self.env.get(call.func.id) if isinstance(call.func, ir.Name) else base
        if held is not None and isinstance(held.value, Provided):
            return self._provided_call(call, held.value, args, kwargs)
        scheme = self._scheme_call(call, args)
        if scheme is not None:
            return scheme
        hook = self._hook(call.func, base)
        if hook is not None:
            return self._held_call(call, hook, args, kwargs, taint)
        method = self._instance_method(call.func, base)
        if method is not None:
            this, fv_m = method
            callee_m = self.flow.index.func(fv_m)
            readable = callee_m is not None and not is_abstract(callee_m)
            self._last_walk = None
            self.flow.following += 1
            try:
                made = self._project_call(call, fv_m, callee_m, args, kwargs, this=this) \
                    if callee_m is not None and readable and self.depth < MAX_CALL_DEPTH and (taint or this.taint) \
                    else AV("unk", None, taint or this.taint)
            finally:
                self.flow.following -= 1
            self._followed(call, fv_m if readable else None, args, kwargs,
                           definite=self._definite(taint, callee_m))
            return made
        target = self.flow.callee(call, self.ctx, self.func)
        if (isinstance(target, ExternalV) and target.qualname in OFFLOADING) or \
                (isinstance(call.func, ir.Attr) and call.func.attr == "run_in_executor"):
            inner = offloaded(self.flow.index, call, self.ctx)
            if inner is not None:  # `await to_thread.run_sync(check, headers)`: `check(headers)`, in a thread
                return self._call(inner, 0)
        if isinstance(target, ExternalV) and target.qualname in ("builtins.hasattr", "builtins.getattr",
                                                                  "builtins.setattr"):
            memo = self._state_memo(call, target.qualname, args)
            if memo is not None:
                return memo
            if target.qualname == "builtins.getattr" and len(args) == 3 and isinstance(call.args[1], ir.Str) and \
                    args[0].taint and (args[0].kind == "none" or isinstance(args[0].value, Inst)):
                # `getattr(body, "refresh_token", None)` of a body the request may send without the credential
                held = args[0].value.get(call.args[1].value) if isinstance(args[0].value, Inst) else None
                return held if held is not None else args[2]
        if isinstance(target, ExternalV):
            if target.qualname in COMPARE_DIGEST and len(args) == 2 and \
                    any(a.kind == "forged" and not b.taint for a, b in (args, args[::-1])):
                self.out.seen.note(COMPARED, (self.flow.index.path_of(self.fv.module), call.line or self.here[0]))
            missing = any(v.taint and (v.kind in _ABSENT or self.flow.present) for v in values)
            return _of_connection(target.qualname, call, args) or \
                self._verified_unknown(call, target.qualname, args, kwargs, missing) or \
                self._external(target.qualname, args, missing, taint, base)
        if isinstance(target, FuncV):
            return self._function_call(call, target, base, args, kwargs, taint)
        value = self.flow.index.resolve(call.func, self.ctx)
        if isinstance(value, ClassV):
            return self._fields(call, value, args, kwargs, taint)
        self._followed(call, None, args, kwargs)
        return AV("unk", None, taint or base.taint)

    def _verified_unknown(self, call: ir.Call, qualname: str, args: list[AV], kwargs: dict[str, AV], missing: bool
                          ) -> AV | None:
        """`jwt.decode(token, ...)` (a verifying call, `Flow.verifying`) of a value the walk does not know and
        cannot tie to the request's credential (a token a project helper looked up, `lookup(request)`): whether it
        verifies is not known, so what follows is reached only where it did, which the walk cannot tell (recorded
        as `Exit.unread`, naming the call); what it returns is unknown. None for any other value (the missing or
        the forged credential raise, see `_external`; what unreadable code made of the credential already names
        that code)."""
        if missing or not self.flow.verifying.match(qualname):
            return None
        token = args[0] if args else next((kwargs[k] for k in ("token", "jwt", "s", "id_token") if k in kwargs), None)
        if token is None or token.kind != "unk" or token.value is not None:
            return None
        where = f"{self.flow.index.path_of(self.fv.module)}:{call.line or self.here[0]}"
        unread = Unread(ir.show(call, 80), where, f"{qualname} is handed a value the analysis cannot tie to the "
                                                  f"request's credential, and whether it verifies is not known")
        if unread not in self.unread:
            self.unread.append(unread)
        self.maybe_ended = True  # it raises for a value that does not verify
        return AV("unk", unread, True)

    def _hook(self, f: ir.Expr, base: AV) -> AV | None:
        """A project function or class the walk holds that a call calls: a local or parameter bound to one (a
        loop's item, `permission()`), or what the constructor stored on the object (`self.callback(...)`)."""
        if isinstance(f, ir.Name):
            held = self.env.get(f.id)
        elif isinstance(f, ir.Attr) and isinstance(base.value, Inst):
            held = base.value.get(f.attr)
        else:
            return None
        return held if held is not None and isinstance(held.value, (FuncV, ClassV)) else None

    def _held_call(self, call: ir.Call, held: AV, args: list[AV], kwargs: dict[str, AV], taint: bool) -> AV:
        """A call of a project function or class the walk holds (see `_hook`): the function walked with the
        arguments bound, or the object the class makes (what its `__init__` stores on `self`)."""
        target = held.value
        if isinstance(target, ClassV):
            return self._held_class(call, target, args, kwargs, taint)
        assert isinstance(target, FuncV)
        callee = self.flow.index.func(target)
        if callee is None or is_abstract(callee):
            self._followed(call, None, args, kwargs)
            return AV("unk", None, taint)
        self._last_walk = None
        self.flow.following += 1
        try:
            value = self._function_call(call, target, UNK, args, kwargs, taint)
        finally:
            self.flow.following -= 1
        self._followed(call, target, args, kwargs, definite=self._definite(taint, callee))
        return value

    def _held_class(self, call: ir.Call, cls: ClassV, args: list[AV], kwargs: dict[str, AV], taint: bool) -> AV:
        """The object a project class the walk holds makes (`permission()`, `permission_class(request=request)`):
        what its `__init__` stores on `self`; an `__init__` handed the request is walked, with `self` that object
        (its class's overrides run), and may reject it."""
        init = self.flow.index.class_attr(cls, "__init__")
        func = self.flow.index.func(init) if isinstance(init, FuncV) else None
        if not isinstance(init, FuncV) or func is None:
            self._followed(call, None, args, kwargs, resolved=True)
            return AV("obj", Inst(cls, ()), False)
        attrs = dict(self._init_attrs(cls, init, func, args, kwargs, 0, call))
        made = AV("obj", Inst(cls, tuple(sorted(attrs.items()))), any(v.taint for v in attrs.values()))
        if not taint:
            self._followed(call, None, args, kwargs, resolved=True)
            return made
        self._last_walk = None
        self.flow.following += 1
        try:
            built = self._project_call(call, init, func, args, kwargs, as_object=True, this=made) \
                if self.depth < MAX_CALL_DEPTH else AV("unk", None, True)
        finally:
            self.flow.following -= 1
        self._followed(call, init, args, kwargs, definite=self._definite(taint, func))
        return built if built.kind == "crash" else AV("obj", made.value, True)

    def _definite(self, taint: bool, func: Func | None) -> bool:
        """Whether the walk read what the project function a call just reached does with the request: it walked
        it, or handed it nothing from the request. One that reads what an authentication middleware set for the
        request (`request.user.id`, `request.auth`), which the walk does not know, leaves the call unsettled."""
        if self._last_walk is None:
            return not taint
        if func is None:
            return True
        known = self.flow.auth_state.get(id(func))
        if known is None:
            known = self.flow.auth_state[id(func)] = _reads_auth_state(func)
        return not known

    def _followed(self, call: ir.Call, target: FuncV | None, args: list[AV], kwargs: dict[str, AV],
                  resolved: bool | None = None, definite: bool = True) -> None:
        """Record whether a call the index may not resolve went to project code (`target`; None: it did not) that
        gave a definite answer (`_definite`), and which of its parameters the request or a credential reached (see
        `RESOLVED`)."""
        # a call site: where it is written, and what it calls (a call a thread-offloading call makes is made anew
        # at each evaluation, of the same callee expression)
        site = (self.fv.module, call.line, call.col, id(call.func))
        if (target is None and not resolved) or not definite:
            self.out.seen.note(UNRESOLVED, site)
            # the request itself (or its headers, cookies), or the credential's own value
            given = (*args, *kwargs.values())
            requests = [v for v in given if v is REQUEST or v is WEBSOCKET or isinstance(v.value, Carrier)]
            values = [v for v in given if v.taint and v.kind in _ABSENT]
            if target is None and not resolved and self.flow.following and (requests or values):
                self.out.seen.add(HANDED, site, (self.fv.module, self.func.qualname, call, not requests))
            return
        self.out.seen.add(RESOLVED, site, call)

    def _fields(self, call: ir.Call, cls: ClassV, args: list[AV], kwargs: dict[str, AV], taint: bool) -> AV:
        """`Subject(name, True)` of a class whose generated `__init__` takes its fields (a dataclass, a pydantic
        model, a NamedTuple): the object with the arguments bound to the fields, as that `__init__` stores them
        (a field not passed is its class default, found on the class)."""
        fields = self.flow.index._init_fields(cls)  # the evaluator's reading of the generated `__init__`
        if fields is None or any(isinstance(a, ir.Star) for a in call.args) or \
                any(k == "**" for k, _v in call.kwargs) or len(args) > len(fields):
            return AV("obj", None, taint)
        attrs = {**dict(zip(fields, args, strict=False)), **{k: v for k, v in kwargs.items() if k in fields}}
        return AV("obj", Inst(cls, tuple(sorted(attrs.items()))), taint)

    def _function_call(self, call: ir.Call, target: FuncV, base: AV, args: list[AV], kwargs: dict[str, AV],
                       taint: bool) -> AV:
        """A call of a project function or class (through its `__init__`)."""
        callee = self.flow.index.func(target)
        if callee is not None and is_abstract(callee):
            return AV("unk", None, taint or base.taint)  # an override chosen at run time runs (`Dynamic` names it)
        enclosed = self._enclosed(target, callee)
        if enclosed and any(v.taint for v in enclosed.values()) and callee is not None and \
                self.depth < MAX_CALL_DEPTH:
            # `def process(): check(request.headers)` called by the function it is nested in: it reads
            # the request from the enclosing scope
            return self._project_call(call, target, callee, args, kwargs, enclosed=enclosed)
        if callee is not None and callee.name == "__init__":
            made = self._instance(call.func, target, callee, args, kwargs, call)
            if not taint:
                return made
            built = self._project_call(call, target, callee, args, kwargs, as_object=True)
            return built if built.kind == "crash" else AV("obj", made.value, True)
        if callee is not None and (taint or _always_raises(callee)) and self.depth < MAX_CALL_DEPTH:
            return self._project_call(call, target, callee, args, kwargs)
        if not taint and not base.taint:  # `require_login()`: a setting, when the evaluator knows it
            return self._known(call) or self._setting(call)
        return AV("unk", None, taint)

    def _scheme_call(self, call: ir.Call, args: list[AV]) -> AV | None:
        """`await HTTPBearer()(request)`: a `fastapi.security` scheme object called with the request reads its
        credential, raising (403 / 401) without one unless it was made with `auto_error=False`."""
        if not any(a.taint and a.kind == "obj" for a in args):
            return None
        f = call.func
        if isinstance(f, ir.Attr) and f.attr == "__call__" and isinstance(f.value, ir.Call) and \
                ir.dotted(f.value.func) == "super":
            return self._super_scheme_call()
        made = self.flow.index.resolve(call.func, self.ctx)
        if not (isinstance(made, InstanceV) and isinstance(made.cls, ExternalV) and
                is_fastapi_name(made.cls.qualname, SCHEME_NAMES)):
            return None
        auto_error = made.call.kwarg("auto_error")
        return self._scheme_answer(True if auto_error is None else auto_error.value
                                   if isinstance(auto_error, ir.Const) and isinstance(auto_error.value, bool) else None)

    def _super_scheme_call(self) -> AV | None:
        """`await super().__call__(request)` in a project subclass of a `fastapi.security` scheme (with no project
        class between them that defines `__call__`): the scheme's own check, raising without the credential when
        `self.auto_error` (as the scheme's `__init__` stored it) is true."""
        owner = ClassV(self.fv.module, self.func.class_name or "")
        if self.func.class_name is None or self.flow.index.cls(owner) is None:
            return None
        mro = self.flow.index.mro(owner)
        if any(isinstance(self.flow.index.class_attr(base, "__call__"), FuncV) for base in mro[1:]) or \
                not any(is_fastapi_name(b, SCHEME_NAMES) for b in self.flow.index.external_bases(owner)):
            return None
        this = self.env.get("self")
        auto_error = this.value.get("auto_error") if this is not None and isinstance(this.value, Inst) else None
        return self._scheme_answer(bool(auto_error.value) if auto_error is not None and auto_error.kind == "const"
                                   else None)

    def _scheme_answer(self, auto_error: bool | None) -> AV:
        """What a scheme's own check gives the request walked: the forged credential; without one, a refusal when
        the scheme was made with `auto_error` true, the missing value when false, either when that is unknown."""
        if self.flow.present:
            return FORGED
        if auto_error is None:
            return AV("unk", None, True)
        return CRASH if auto_error else MISSING

    def _provided_call(self, call: ir.Call, provided: Provided, args: list[AV], kwargs: dict[str, AV]) -> AV:
        """A call of a `Depends(f)` parameter (or of its method) that holds one of the objects `f` returns: each
        class's method is walked with `self` that object. When some reject the request and others let it
        through, what follows is reached only where the tests choosing the latter hold: they are gates."""
        name = call.func.attr if isinstance(call.func, ir.Attr) else "__call__"
        taint = any(v.taint for v in (*args, *kwargs.values()))
        # held by a parameter a dependency that takes nothing from the request fills (not one of the walk's inputs,
        # see `optional_auth._request_inputs`): the object is the same for every request, so what its methods
        # answer for arguments that are not the request's is the server's too, a setting (`if not
        # settings.get_valid_api_keys(): return "development"`), not a value made from the request
        holder = call.func.value if isinstance(call.func, ir.Attr) else call.func
        settled = not taint and isinstance(holder, ir.Name) and holder.id not in self._inputs()
        results: list[tuple[Choice, AV]] = []
        for choice in provided.choices:
            found = self.flow.index.class_attr(choice.cls, name)
            method = self.flow.index.func(found) if isinstance(found, FuncV) else None
            if not isinstance(found, FuncV) or method is None or is_abstract(method) or self.depth >= MAX_CALL_DEPTH:
                if self.flow.present and taint and self.depth < MAX_CALL_DEPTH and \
                        (not isinstance(found, FuncV) or method is None or is_abstract(method)):
                    # the method is a library base class's, or abstract: what it makes of the credential is unread
                    bases = self.flow.index.external_bases(choice.cls)
                    why = f"{choice.cls.module}.{choice.cls.name}.{name} is inherited from {bases[0]}, library code " \
                          f"the analysis cannot read" if bases and not isinstance(found, FuncV) else \
                        f"{choice.cls.module}.{choice.cls.name}.{name} cannot be read"
                    where = f"{self.flow.index.path_of(self.fv.module)}:{call.line or self.here[0]}"
                    return self._handed_unread(Unread(ir.show(call, 80), where, why))
                return AV("unk", None, taint)
            this = AV("obj", Inst(choice.cls, ()), False)
            results.append((choice, self._project_call(call, found, method, args, kwargs, this=this, settled=settled)))
        passing = [(choice, value) for choice, value in results if value.kind != "crash"]
        if not passing:
            return CRASH
        refusing = [choice for choice, value in results if value.kind == "crash"]
        if refusing:
            self.maybe_ended = True
            tests = [choice.test for choice in provided.choices if choice.test]
            for choice, _value in passing:
                opening = choice.test or " and ".join(f"not {t}" for t in tests) or "?"
                why = f"{provided.where(choice)}: {provided.function} returns {choice.cls.name}(), which lets it " \
                      f"through; " + ", ".join(f"{c.cls.name}()" for c in refusing) + " reject it"
                if (opening, why) not in self.gated:
                    self.gated.append((opening, why))
        out: AV | None = None
        for _choice, value in passing:
            out = join(out, value)
        return out if out is not None else UNK

    def _external(self, qualname: str, args: list[AV], missing: bool, taint: bool, base: AV) -> AV:
        """A call of a function or class outside the project (`missing`: an argument is the missing or forged
        credential)."""
        if missing and self.flow.verifying.match(qualname):
            return CRASH  # jwt.decode(None) and friends raise
        if qualname in ("builtins.dict",) and len(args) == 1 and isinstance(args[0].value, Carrier):
            return args[0]  # `dict(request.headers)`: the same headers
        if qualname in COMPARE_DIGEST and len(args) == 2:
            return _compare_digest(args[0], args[1])
        if qualname == "fastapi.security.utils.get_authorization_scheme_param" and len(args) == 1 and \
                args[0].truth() is False:
            return AV("const", ("", ""), taint or args[0].taint)  # no header: an empty scheme and credential
        last = qualname.rsplit(".", 1)[-1]
        if last[:1].isupper():
            return AV("obj", None, taint)
        if qualname in ("builtins.bool",) and args:
            t = args[0].truth()
            return AV("unk", None, taint) if t is None else AV("const", t, taint)
        if qualname == "builtins.len" and len(args) == 1 and args[0].kind == "const" and \
                isinstance(args[0].value, (str, bytes, tuple)):
            return AV("const", len(args[0].value), taint)  # `len("".split("Bearer "))`
        return AV("unk", None, taint or base.taint)

    def _state_memo(self, call: ir.Call, which: str, args: list[AV]) -> AV | None:
        """`hasattr(request.state, "user")` / `getattr(request.state, "user", None)` when only the function being
        walked ever sets `<request>.state.user`: on the request's way in, nothing has set it yet (this function
        sets it only once it has run, and a request it rejects goes no further), so the memo is absent. So is one
        that no code sets at all, unless middleware whose code is not read (a library's) is in front of the
        routes: then the request gets through on it only if that middleware set it (`STATE_TESTS`)."""
        if len(call.args) < 2 or not isinstance(call.args[1], ir.Str):
            return None
        holder = call.args[0]
        if not (isinstance(holder, ir.Attr) and holder.attr == "state" and isinstance(holder.value, ir.Name)):
            return None
        if which == "builtins.setattr":
            # `setattr(request.state, "user", user)`: stored as `request.state.user = user` is (see `_evaluated`)
            if len(args) == 3:
                self._store(("state", call.args[1].value), args[2])
            return NONE
        request = self.env.get(holder.value.id)
        if request is None or not request.taint:
            return None
        attr = call.args[1].value
        writers = self.flow.state_writers(attr)
        if not writers:
            if not self._unwritten(attr):
                return None
        elif writers != {(self.fv.module, self.func.qualname)}:
            others = writers - {(self.fv.module, self.func.qualname)}
            if any(self.flow.hands_request_on(module, qualname) for module, qualname in others):
                # a middleware sets it, for every request on its way in: it may be there; when only middleware does,
                # `getattr` reads what it stored, as `request.state.user` does
                found = self._from_middleware(("state", attr), f"{ir.show(holder, 40)}.{attr}") \
                    if which == "builtins.getattr" else None
                if found is not None or not self.flow.absent_after_middleware(("state", attr), self.fv):
                    return found
                # no middleware stored it for this request (`if token is not None: request.state.user = ...`):
                # it is not there, as when nothing stored it
            else:
                # another dependency or helper sets it: present only when that code ran first and let the request on
                self.out.seen.add(STATE_TESTS, attr, frozenset(writers))
                if not self.flow.state_absent:
                    return None
        if which == "builtins.hasattr":
            return AV("const", False)
        default = call.args[2] if len(call.args) > 2 else None
        return self.eval(default) if default is not None else CRASH

    def _unwritten(self, attr: str) -> bool:
        """For a `request.state` memo no project code sets by name: True when it is absent, False when that is
        not known. Absent unless middleware the analysis does not read runs in front of the routes (a
        library's), which may have set it, or code sets attributes whose names the analysis cannot tell
        (`setattr(request.state, name, v)`): then the request gets through on the memo only if that code set it
        (`STATE_TESTS`)."""
        unread = self.flow.unread_middleware
        if unread is None:
            return False  # what runs in front of the request is not known here
        maybe = self.flow.state_writers(_ANY_STATE)
        if unread:
            more = f" (and {len(unread) - 2} more)" if len(unread) > 2 else ""
            maybe.add(("?", f"no project code; a library middleware in front may: {', '.join(unread[:2])}{more}"))
        if maybe:
            self.out.seen.add(STATE_TESTS, attr, frozenset(maybe))
            return self.flow.state_absent
        return True

    def _scope_memo(self, holder: ir.Expr, key_expr: ir.Expr, how: str, default: ir.Expr | None = None
                    ) -> AV | None:
        """`request.scope.get(KEY)` (`how` "get"), `request.scope[KEY]` ("item"), `KEY in request.scope` ("in") of
        an item of the ASGI scope that only the function being walked (or nothing in the project) writes: absent
        on the request's way in, as a `request.state` memo is (see `_state_memo`). The items the server and the
        framework set (`FRAMEWORK_SCOPE_KEYS`, namespaced ones like `starlette.exception_handlers`) are no
        memos: None, read as before; so is an item a middleware or another function writes (a middleware's,
        what it stored for the request, when the walk knows it)."""
        if not (isinstance(holder, ir.Attr) and holder.attr == "scope" and isinstance(holder.value, ir.Name)):
            return None
        request = self.env.get(holder.value.id)
        if request is None or not request.taint:
            return None
        key = self.eval(key_expr)
        if key.kind != "const" or not isinstance(key.value, str) or key.value in FRAMEWORK_SCOPE_KEYS or \
                "." in key.value:
            return None
        others = self.flow.scope_writers(key.value) - {(self.fv.module, self.func.qualname)}
        if others:
            if any(self.flow.hands_request_on(module, qualname) for module, qualname in others):
                found = self._from_middleware(("scope", key.value), f"{ir.show(holder, 40)}[{key.value!r}]") \
                    if how != "in" else None
                if found is not None or not self.flow.absent_after_middleware(("scope", key.value), self.fv):
                    return found
                # no middleware stored it for this request (`if token is not None: request.scope[KEY] = ...`): it
                # is not there, as when nothing writes it
            elif not self.flow.state_absent:
                return None
        if how == "in":
            return AV("const", False)
        if how == "item":
            return CRASH  # KeyError
        return self.eval(default) if default is not None else NONE

    def _scope_get(self, call: ir.Call) -> AV | None:
        """`request.scope.get(KEY)` / `request.scope.get(KEY, default)` of a scope memo (see `_scope_memo`)."""
        if not (isinstance(call.func, ir.Attr) and call.func.attr == "get" and 1 <= len(call.args) <= 2 and
                not call.kwargs):
            return None
        return self._scope_memo(call.func.value, call.args[0], "get", call.args[1] if len(call.args) > 1 else None)

    def _own_object(self, f: ir.Expr) -> bool:
        """`self.app` in a method the walk follows on the middleware's own object (`Flow.next_app_owner`): the
        method's first parameter holds an object of that class."""
        owner = self.flow.next_app_owner
        if owner is None or not (isinstance(f, ir.Attr) and isinstance(f.value, ir.Name)) or \
                self.func.class_name is None or not self.func.params or f.value.id != self.func.params[0].name:
            return False
        this = self.env.get(f.value.id)
        return this is not None and isinstance(this.value, Inst) and this.value.cls == owner

    def _instance_method(self, f: ir.Expr, base: AV) -> tuple[AV, FuncV] | None:
        """`check(...)` / `check.method(...)` / `self.method(...)` on an object the walk built: the object and the
        method of its class the call runs."""
        if isinstance(f, ir.Name):
            this = self.env.get(f.id)
            name = "__call__"
        elif isinstance(f, ir.Attr):
            this, name = base, f.attr
        else:
            return None
        if this is None or not isinstance(this.value, Inst):
            return None
        found = self.flow.index.class_attr(this.value.cls, name)
        if not isinstance(found, FuncV):
            return None
        if isinstance(f, ir.Attr) and isinstance(f.value, ir.Name) and self.func.params and \
                f.value.id == self.func.params[0].name and self.func.class_name is not None:
            # `self.check()` in a method that stores attributes on `self` (`self.token = ...` in `__init__`):
            # the object with them, as this walk computes them
            cdef = self.flow.index.cls(ClassV(self.fv.module, self.func.class_name))
            stored = {attr: self.eval(assigned.value) for attr, assigned in cdef.instance_attrs.items()
                      if assigned.function == self.func.qualname} if cdef is not None else {}
            if stored:
                attrs = {**dict(this.value.attrs), **stored}
                this = AV("obj", Inst(this.value.cls, tuple(sorted(attrs.items()))),
                          this.taint or any(v.taint for v in stored.values()))
        return this, found

    def _instance(self, f: ir.Expr, init: FuncV, callee: Func, args: list[AV], kwargs: dict[str, AV],
                  call: ir.Call | None = None) -> AV:
        """The object `Class(args)` makes: what `__init__` stores on `self` (`self.key = key`), read with the
        arguments bound, including what a base class's `__init__` stores when it is called with
        `super().__init__(...)`."""
        value = self.flow.index.resolve(f, self.ctx)
        cls = value if isinstance(value, ClassV) else ClassV(init.module, callee.class_name or "")
        attrs = dict(self._init_attrs(cls, init, callee, args, kwargs, 0, call))
        taint = any(v.taint for v in attrs.values())
        return AV("obj", Inst(cls, tuple(sorted(attrs.items()))), taint)

    def _init_attrs(self, cls: ClassV, init: FuncV, callee: Func, args: list[AV], kwargs: dict[str, AV],
                    depth: int, call: ir.Call | None = None) -> list[tuple[str, AV]]:
        """`call`: the call that runs this `__init__` (the construction, `super().__init__(...)`), whose literal
        defaults bind the parameters it does not pass. Nothing past `MAX_CONSTRUCTION_DEPTH` nested constructions:
        the object is then one whose attributes the walk does not know."""
        if depth > 3 or self.depth >= MAX_CONSTRUCTION_DEPTH:
            return []
        env = self._bind(callee, args, kwargs, every=True)
        if call is not None:
            env = {**self._defaults(call, callee, len(args), kwargs, init.module, lists=True), **env}
        walk = _Walk(self.flow, init, callee, env, self.depth + 1, UNK)
        out: list[tuple[str, AV]] = []
        owner = ClassV(init.module, callee.class_name or "")
        for call in callee.calls:
            f = call.func
            if isinstance(f, ir.Attr) and f.attr == "__init__" and isinstance(f.value, ir.Call) and \
                    ir.dotted(f.value.func) == "super":
                # super().__init__(...): the next class in the MRO stores its attributes, arguments bound
                mro = self.flow.index.mro(cls)
                after = mro[mro.index(owner) + 1:] if owner in mro else []
                for base in after:
                    found = self.flow.index.class_attr(base, "__init__")
                    base_func = self.flow.index.func(found) if isinstance(found, FuncV) else None
                    if isinstance(found, FuncV) and base_func is not None:
                        base_args = [walk.eval(a.value if isinstance(a, ir.Star) else a) for a in call.args]
                        base_kwargs = {k: walk.eval(v) for k, v in call.kwargs if k != "**"}
                        out.extend(self._init_attrs(cls, found, base_func, base_args, base_kwargs, depth + 1,
                                                    call))
                        break
                else:
                    out.extend(self.flow.scheme_init(owner, call, walk.eval))
        cdef = self.flow.index.cls(owner)
        if cdef is not None:
            for attr, assigned in cdef.instance_attrs.items():
                if assigned.function == callee.qualname:
                    out = [(k, v) for k, v in out if k != attr] + [(attr, walk.stored(assigned.value))]
        return out

    def stored(self, expr: ir.Expr) -> AV:
        """The value `__init__` stores on `self` (`self.password = get_secret("APP_PASSWORD")`): one that does not
        depend on the request nor on the construction's arguments and that the walk cannot tell is a setting of
        the object, remembered with where it is read, so that a test of it names it."""
        line = expr.line if isinstance(expr, ir.Call) and expr.line else self.func.line
        self.here = (line, (), True)
        value = self.eval(expr)
        if value.kind != "unk" or value.value is not None or value.taint or names_in(expr) & self._inputs():
            return value
        return AV("unk", Setting(ir.show(expr, 60), f"{self.flow.index.path_of(self.fv.module)}:{line}"))

    def _bind(self, callee: Func, args: list[AV], kwargs: dict[str, AV], every: bool = False) -> dict[str, AV]:
        """The call's arguments bound to `callee`'s parameters: those made from the credential and those whose
        value is known (`None`, a constant, an object the walk built), or all of them (`every`)."""
        params = list(callee.params)
        if callee.class_name is not None and params and params[0].name in ("self", "cls"):
            params = params[1:]
        env: dict[str, AV] = {}
        positional = [p for p in params if p.kind in ("posonly", "pos")]
        for param, value in zip(positional, args, strict=False):
            if every or value.taint or value.kind in ("none", "const") or isinstance(value.value, _HELD):
                env[param.name] = value
        for name, value in kwargs.items():
            if (every or value.taint or value.kind in ("none", "const") or isinstance(value.value, _HELD)) and \
                    any(p.name == name for p in params):
                env[name] = value
        return env

    def _defaults(self, call: ir.Call, callee: Func, given: int, kwargs: dict[str, AV], module: str,
                  lists: bool = False) -> dict[str, AV]:
        """The parameters `call` does not pass, bound to their default when it is a literal (`api_key: str | None
        = None`, `allow_executor: bool = False`) or a project function or class (`callback=default_callback`,
        read where the `def` is, in `module`): what Python binds them to. A parameter the call passes is what it
        passes, never the default. Nothing when the call spreads `*args` or `**kwargs` (which parameters it
        passes cannot be told). `lists` (a constructor's `__init__`): a list or tuple of project objects, functions
        or classes too (`backends=(JWTBackend(SECRET),)`, or a module constant no code changes), as a
        construction's argument is read (`Flow._argument`)."""
        if any(isinstance(a, ir.Star) for a in call.args) or any(k == "**" for k, _v in call.kwargs):
            return {}
        params = [p for p in callee.params if p.kind not in ("vararg", "kwarg")]
        if callee.class_name is not None and params and params[0].name in ("self", "cls"):
            params = params[1:]
        out: dict[str, AV] = {}
        for i, param in enumerate(params):
            if (param.kind in ("posonly", "pos") and i < given) or param.name in kwargs:
                continue
            default = param.default
            if isinstance(default, ir.Const) and (default.value is None or isinstance(default.value, (bool, int))):
                out[param.name] = NONE if default.value is None else AV("const", default.value)
            elif isinstance(default, ir.Str):
                out[param.name] = AV("const", default.value)
            elif isinstance(default, (ir.Name, ir.Attr)) or (lists and isinstance(default, ir.Seq)):
                held = self.flow.held(default, Ctx(module, callee.parent), objects=lists)
                if held is not None and (not isinstance(held.value, Items) or
                                         (lists and not self.flow.changed_name(default))):
                    out[param.name] = held
        return out

    def _enclosed(self, target: FuncV, callee: Func | None) -> dict[str, AV]:
        """For a function nested in the one walked: the walked function's values of the names it reads from the
        enclosing scope (the names it does not bind itself), as Python's closures see them when it is called."""
        if callee is None or callee.parent != self.func.qualname or target.module != self.fv.module:
            return {}
        own = {p.name for p in callee.params} | set(callee.assigns)
        return {name: value for name, value in self.env.items() if name not in own and "." not in name}

    def _project_call(self, call: ir.Call, target: FuncV, callee: Func, args: list[AV], kwargs: dict[str, AV],
                      as_object: bool = False, this: AV | None = None, enclosed: dict[str, AV] | None = None,
                      settled: bool = False) -> AV:
        env = {**(enclosed or {}), **self._defaults(call, callee, len(args), kwargs, target.module),
               **self._bind(callee, args, kwargs)}
        if this is not None and callee.class_name is not None and callee.params and \
                callee.params[0].name in ("self", "cls"):
            env[callee.params[0].name] = this  # `self` is the object the walk built
        if not any(v.taint for v in env.values()) and not _always_raises(callee):
            # (a helper that raises whatever it is given, `fail("Token is missing")`, is walked all the same);
            # unless `settled` (nothing of the request reaches it), taken as made from the request
            return AV("obj" if as_object else "unk", None, not settled)
        outcome = self.flow.run(target, env, self.depth + 1, inputs=self._input_params(callee, call))
        self._last_walk = outcome
        if outcome.reached:
            # a method of the middleware's own object handed the request on (see `Flow.next_app_owner`): so did
            # this call, certainly when both that call and this one certainly ran
            line, conds, here_sure = self.here
            sure = here_sure and not self.maybe_cut
            self.handed_under.append(conds)
            self.out.reached.extend((line, sure and reached_sure) for _line, reached_sure in outcome.reached)
            if self.depth == 0 and sure and any(reached_sure for _line, reached_sure in outcome.reached):
                self.flow.handed_on = True
        self.out.merge_followed(outcome)  # what it observed, as each kind says (`Follow`)
        if not outcome.passes:
            return CRASH  # the project function rejects a missing credential
        if outcome.seen.has(PEER):
            self.peer_seen.append(None)  # its answer is made from the client's address
        if not any(ex.sure for ex in outcome.exits):
            self.maybe_ended = True  # it may raise: what follows is no longer certain
            self.tested.extend(t for ex in outcome.exits for t in ex.tests if t not in self.tested)
            if all(ex.peer for ex in outcome.exits):  # it lets the request on only past a test of its address
                self.peer_tested.extend(t for ex in outcome.exits for t in ex.peer if t not in self.peer_tested)
        unread = [u for ex in outcome.exits for u in ex.unread]
        plain = [ex for ex in outcome.exits if not ex.unread]
        if self.here[2] and not unread and all(ex.gates for ex in plain):
            # a helper on every path lets the request on only where a setting says so: so does what follows
            self.gated.extend(g for ex in plain for g in ex.gates if g not in self.gated)
        elif self.here[2] and unread and all(ex.unread or ex.gates for ex in outcome.exits):
            # (a forged credential) a helper lets it on only where code the analysis cannot read says so, or where
            # a setting does: so does what follows
            self.unread.extend(u for u in unread if u not in self.unread)
            opened = [g for ex in plain for g in ex.gates] + [g for ex in outcome.exits for g in ex.opened]
            self.opened.extend(g for g in opened if g not in self.opened)
        if as_object:
            return AV("obj", None, True)
        value = outcome.value()
        # what it returns is taken as made from what it was handed, unless it took the None it was handed out (`if
        # token is None: raise ...` past a fallback to what the middleware stored) and returns nothing made of it
        narrowed = outcome.seen.has(NARROWED)
        value = value if narrowed and not any(ex.value.taint for ex in outcome.exits) else value.tainted()
        if unread and value.kind in ("unk", "obj") and value.value is None:
            # what it returns is decided by what code the analysis cannot read made of the credential
            return AV("unk", unread[0], True)
        held = [ex for ex in outcome.exits if ex.value.truth() is not False]
        if value.truth() is None and held and all(ex.peer for ex in held):
            # it returns a value only past a test of the client's address (`None` otherwise)
            return AV("unk", held[0].peer[0], True)
        return value

    def _input_params(self, callee: Func, call: ir.Call) -> frozenset[str] | None:
        """The parameters of `callee` whose arguments at `call` are made from this function's inputs (None
        when that cannot be told: `*args`, `**kwargs`)."""
        params = [p for p in callee.params if p.kind in ("posonly", "pos")]
        if callee.class_name is not None and params and params[0].name in ("self", "cls"):
            params = params[1:]
        inputs = self._inputs()
        out: set[str] = set()
        for param, arg in zip(params, call.args, strict=False):
            if isinstance(arg, ir.Star):
                return None
            if names_in(arg) & inputs:
                out.add(param.name)
        for name, arg in call.kwargs:
            if name == "**":
                return None
            if names_in(arg) & inputs:
                out.add(name)
        if len(call.args) > len(params):
            return None
        return frozenset(out)

    def _compare(self, expr: ir.Compare, d: int) -> AV:
        if len(expr.ops) == 1 and expr.ops[0] in ("in", "not in"):
            where = expr.comparators[0]
            memo = self._scope_memo(where, expr.left, "in")
            if memo is not None:  # `KEY in request.scope`
                return AV("const", memo.value == (expr.ops[0] == "in"))
            if isinstance(where, ir.Attr) and where.attr in ("headers", "cookies") and \
                    self._credential_key(where.attr, expr.left):
                # `"authorization" in request.headers`: not in a request without credentials, in a forged one
                return AV("const", (expr.ops[0] == "in") == self.flow.present, True)
            held = self.eval(where, d) if isinstance(where, ir.Name) else None
            if held is not None and isinstance(held.value, Carrier) and \
                    self._credential_key(held.value.source, expr.left):
                # the same of the request's cookies or headers handed to this function (`key in cookies`)
                return AV("const", (expr.ops[0] == "in") == self.flow.present, True)
        left = self.eval(expr.left, d)
        if left.kind == "crash":
            return CRASH
        if len(expr.ops) != 1:
            for comp in expr.comparators:
                if self.eval(comp, d).kind == "crash":
                    return CRASH
            return AV("unk", None, left.taint)
        right = self.eval(expr.comparators[0], d)
        if right.kind == "crash":
            return CRASH
        result = _relation(expr.ops[0], left, right)
        if result is CRASH:
            return CRASH
        taint = left.taint or right.taint
        return AV("unk", _unread(left, right), taint) if result is None else AV("const", result, taint)

    def _boolop(self, expr: ir.BoolOp, d: int) -> AV:
        unknown = False
        taint = False
        last = UNK
        unread: Unread | None = None
        stop = expr.op == "or"  # `or` stops at the first true value, `and` at the first false one
        for part in expr.values:
            value = self.eval(part, d)
            if value.kind == "crash":
                return AV("unk", unread) if unknown else CRASH
            taint = taint or value.taint
            t = value.truth()
            if t is None and unread is None:
                unread = _unread(value)
            if t is stop:
                if unknown and t is False:
                    # `setting and compare_digest("", secret)`: whichever value it is, it is false
                    return AV("const", False, taint)
                if unknown:
                    # `not secret or not compare_digest("", secret)`: an earlier part's value or this one, true
                    return AV("unk", TRUTHY, taint)
                return value.tainted(taint)
            if t is None:
                unknown = True
            last = value
        return AV("unk", unread, taint) if unknown else last.tainted(taint)


# A refusal for lack of authentication: a 401 in the raise (RFC 9110: the request lacks valid credentials),
# or an exception class whose name says the request is unauthenticated. 403 is left out on purpose: it also
# answers IP allowlists, roles and feature flags, which say nothing about credentials -- unless the refusal's
# own message says the request lacks credentials (`HTTPException(403, detail="Invalid Credentials")`, the
# 403 "Not authenticated" of older FastAPI security classes). Only used to keep a route out of "unprotected"
# (RG001 needs proof), never to call one protected.
# an item stored into what a dotted name holds, as `Func.stores` shows it: (holder, key); an ASGI scope's when the
# holder is one (`request.scope[KEY]`, `scope["user"]`, see `_is_scope`; a store into an item,
# `scope["state"]["user"]`, writes no item of the scope)
_ANY_STATE = "<any>"  # `Flow._writers`: functions that set a `request.state` attribute whose name is not known
_STORED_ITEM = re.compile(r"([A-Za-z_][\w.]*)\[([^\[\]]+)\]")
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def _is_scope(holder: str, aliases: frozenset[str] | set[str]) -> bool:
    """The dotted name `holder` holds an ASGI scope: `scope`, `request.scope`, `self.scope`, or a local name
    bound to one (`aliases`, see `Flow._scope_names`)."""
    return holder == "scope" or holder.endswith(".scope") or holder in aliases


def _key_expr(text: str) -> ir.Expr | None:
    """The key of a stored item, from its shown text (see `ir.show`): a string, or a name or attribute chain to
    resolve; None when it is anything else."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" and "\\" not in text and text[0] not in text[1:-1]:
        return ir.Str(text[1:-1])
    if _DOTTED.fullmatch(text) is None:
        return None
    first, *rest = text.split(".")
    expr: ir.Expr = ir.Name(first)
    for attr in rest:
        expr = ir.Attr(expr, attr)
    return expr


_REFUSAL_STATUS = frozenset({401})
_REFUSAL_NAME = re.compile(r"unauthori[sz]|not_?authenticated|authentication_?(error|failed|required)|"
                           r"invalid_?(token|credential)|HTTP_401", re.IGNORECASE)
_REFUSAL_TEXT = re.compile(r"\b(not[ _-]?authenticated|unauthori[sz]ed|unauthenticated|"
                           r"(invalid|missing|no)[ _-](authentication[ _-])?(credentials?|token|api[ _-]?key)|"
                           r"could not validate credentials|authentication[ _-](required|failed)|"
                           r"(login|sign[ _-]?in)[ _-]required)\b", re.IGNORECASE)


_HANDSHAKE = frozenset({"accept", *_RECEIVES})


def _handshake(expr: ir.Expr | None) -> bool:
    """`await websocket.accept()`, `msg = await websocket.receive_json()`: a step of the connection's handshake (what
    `_Walk._turned_away` does not count as doing something)."""
    return isinstance(expr, ir.Call) and isinstance(expr.func, ir.Attr) and expr.func.attr in _HANDSHAKE and \
        isinstance(expr.func.value, ir.Name)


def _error_report(call: ir.Call, func: Func) -> bool:
    """A websocket send of an error report (`send_json({"type": "error", "message": str(exc)})`): made only of
    literals and the text of a name the function never binds but in an `except ... as exc` (the error), or of a local
    bound only to such values (`detail = str(exc) if type(exc) is ValueError else "Connection failed"`)."""
    def report(expr: ir.Expr, depth: int) -> bool:
        if depth > 8:
            return False
        if isinstance(expr, (ir.Const, ir.Str)):
            return True
        if isinstance(expr, ir.IfExp):
            return report(expr.body, depth + 1) and report(expr.orelse, depth + 1)
        if isinstance(expr, ir.Name):
            binds = [b.value for b in func.binds if b.name == expr.id]
            return bool(binds) and all(report(v, depth + 1) for v in binds)
        if isinstance(expr, ir.DictE):
            return all(k is not None and report(k, depth + 1) and report(v, depth + 1) for k, v in expr.items)
        if isinstance(expr, ir.Seq):
            return all(report(i, depth + 1) for i in expr.items)
        if isinstance(expr, ir.FStr):
            return all(isinstance(p, str) or report(p, depth + 1) for p in expr.parts)
        if isinstance(expr, ir.Call) and isinstance(expr.func, ir.Name) and expr.func.id in ("str", "repr") and \
                len(expr.args) == 1 and not expr.kwargs:
            arg = expr.args[0]
            return isinstance(arg, ir.Name) and arg.id not in func.assigns and \
                not any(p.name == arg.id for p in func.params)
        return False

    return bool(call.args) and all(report(a, 0) for a in (*call.args, *(v for _k, v in call.kwargs)))


def _none_tested(test: ir.Expr, depth: int = 0) -> dict[str, bool]:
    """The names `test` certainly holds for when they are None: `name is None`, `name == None` (False: only
    None), `not name` (True: any false value), or such a test among the parts of an `or`."""
    out: dict[str, bool] = {}
    if isinstance(test, ir.Not) and isinstance(test.value, ir.Name):
        out[test.value.id] = True
    elif isinstance(test, ir.Compare) and len(test.ops) == 1 and test.ops[0] in ("is", "==") and \
            isinstance(test.left, ir.Name) and isinstance(test.comparators[0], ir.Const) and \
            test.comparators[0].value is None:
        out[test.left.id] = False
    elif isinstance(test, ir.BoolOp) and test.op == "or" and depth < 4:
        for part in test.values:
            for name, falsy in _none_tested(part, depth + 1).items():
                out[name] = out.get(name, False) or falsy
    return out


def _of_request(value: AV | None) -> bool:
    """A value a middleware stored that it made of the request, or chose by testing it (`"member" if user else
    "guest"`): not a value from elsewhere (`request.state.db = session()`, a clock)."""
    return value is not None and (value.taint or value.kind in ("none", "const"))


# what Starlette's `Request` / `WebSocket` (and their base `HTTPConnection`) have, public names only
_CONNECTION_ATTRS = frozenset({
    "scope", "app", "url", "base_url", "headers", "query_params", "path_params", "cookies", "client", "session",
    "auth", "user", "state", "url_for", "get", "keys", "items", "values", "method", "receive", "stream", "body",
    "json", "form", "close", "is_disconnected", "send_push_promise", "send", "accept", "client_state",
    "application_state", "receive_text", "receive_bytes", "receive_json", "iter_text", "iter_bytes", "iter_json",
    "send_text", "send_bytes", "send_json", "send_denial_response", "send_early_hints",
})
# builtin types a request object is not an instance of
_BUILTIN_TYPES = frozenset({"list", "tuple", "dict", "set", "frozenset", "str", "bytes", "int", "float", "bool"})


def _of_connection(qualname: str, call: ir.Call, args: list[AV]) -> AV | None:
    """What a builtin answers for the request (or websocket) itself: `isinstance(request, list)` is false (a
    Starlette request is none of the builtin types); `getattr(request, "request", None)` gives the default for a
    name Starlette's request does not have (a wrapper's attribute: `gr.Request.request`). None when not known."""
    if len(args) < 2 or not (args[0] is REQUEST or args[0] is WEBSOCKET):
        return None
    if qualname == "builtins.isinstance" and len(call.args) == 2:
        kinds = call.args[1].items if isinstance(call.args[1], ir.Seq) else [call.args[1]]
        if kinds and all(isinstance(k, ir.Name) and k.id in _BUILTIN_TYPES for k in kinds):
            return AV("const", False, True)
    if qualname == "builtins.getattr" and len(args) == 3 and len(call.args) == 3 and \
            isinstance(call.args[1], ir.Str) and not call.args[1].value.startswith("_") and \
            call.args[1].value not in _CONNECTION_ATTRS:
        return args[2]
    return None


def throttles(expr: ir.Expr | None) -> bool:
    """`expr` (what a `raise` raises, or a `return` returns) turns a caller away for its rate, not its identity:
    429 Too Many Requests, or an exception or message that names a rate limit, with no other client error status
    in it (`HTTPException(401, "Too many attempts")` is a refusal)."""
    found: list[bool] = []
    _throttle(expr, 0, found)
    return bool(found) and all(found)


def _throttle(expr: ir.Expr | None, depth: int, found: list[bool]) -> None:
    """Collect into `found` True for each part of `expr` that names a rate limit, False for another 4xx status."""
    if expr is None or depth > 6:
        return
    if isinstance(expr, ir.Const) and isinstance(expr.value, int) and not isinstance(expr.value, bool):
        if 400 <= expr.value < 500:
            found.append(expr.value in THROTTLE_STATUS)
    elif isinstance(expr, ir.Str):
        if THROTTLE_TEXT.search(expr.value):
            found.append(True)
    elif isinstance(expr, (ir.Name, ir.Attr)):
        last = (ir.dotted(expr) or "").rsplit(".", 1)[-1]
        if THROTTLE_NAME.search(last):
            found.append(True)
        elif last.startswith("HTTP_4"):
            found.append(False)  # `status.HTTP_401_UNAUTHORIZED`
    elif isinstance(expr, ir.Call):
        for part in (expr.func, *expr.args, *(value for _key, value in expr.kwargs)):
            _throttle(part, depth + 1, found)


def refuses(expr: ir.Expr | None, depth: int = 0) -> bool:
    """`expr` (what a `raise` raises) refuses an unauthenticated request: a 401, an exception named so, or one
    whose message says so."""
    if expr is None or depth > 6:
        return False
    if isinstance(expr, ir.Const):
        return expr.value in _REFUSAL_STATUS
    if isinstance(expr, ir.Str):
        return bool(_REFUSAL_TEXT.search(expr.value))
    if isinstance(expr, (ir.Name, ir.Attr)):
        name = ir.dotted(expr) or ""
        last = name.rsplit(".", 1)[-1]
        return bool(_REFUSAL_NAME.search(last))
    if isinstance(expr, ir.Call):
        parts = [expr.func, *expr.args, *(value for _key, value in expr.kwargs)]
        return any(refuses(part, depth + 1) for part in parts)
    return False


# what a call's argument may hold that a function it is handed can use: an object the walk built, a setting, a
# project function or class, a list of those
_HELD = (Inst, Setting, Items, FuncV, ClassV)

_STR_METHODS = frozenset({
    "strip", "lstrip", "rstrip", "lower", "upper", "casefold", "partition", "rpartition", "split", "rsplit",
    "startswith", "endswith", "removeprefix", "removesuffix", "replace", "encode", "decode", "title",
})


def _compare_digest(a: AV, b: AV) -> AV:
    taint = a.taint or b.taint
    if a.kind == "none" or b.kind == "none":
        return CRASH  # TypeError
    if (a.kind == "forged" and b.kind != "forged") or (b.kind == "forged" and a.kind != "forged"):
        # a constant-time comparison checks a secret: a forged value matches neither the secret nor a MAC
        # computed with it
        return AV("const", False, taint)
    if (a.kind == "missing" and not b.taint) or (b.kind == "missing" and not a.taint):
        return AV("const", False, taint)  # None raises, "" differs from the secret: either way, no match
    equal = _equal(a, b)
    return AV("unk", None, taint) if equal is None else AV("const", equal, taint)


def _equal(left: AV, right: AV) -> bool | None:
    if left.kind == "none" and right.kind == "none":
        return True
    for a, b in ((left, right), (right, left)):
        if a.kind == "none" and b.kind in ("const", "obj"):
            return False
        if a.kind == "forged" and not b.taint and b.kind in ("unk", "obj", "const", "none"):
            return False  # a forged credential equals no secret the server holds
        if a.kind in ("none", "missing") and a.taint and b.kind in ("unk", "obj") and not b.taint:
            return False  # a missing credential does not equal the configured secret
        if a.kind == "missing" and b.kind == "const" and b.truth() is True:
            return False
        if a.taint and a.kind == "const" and b.kind in ("unk", "obj") and not b.taint:
            return False  # "" (a missing credential's default) does not equal the configured secret
    if left.kind == "const" and right.kind == "const":
        return left.value == right.value
    return None


def _relation(op: str, left: AV, right: AV) -> bool | AV | None:
    """`left op right` for one comparison operator: true, false, None when unknown, or CRASH when it raises."""
    result: bool | None = None
    if op in ("is", "is not"):
        if left.kind == "none" or right.kind == "none":
            other = right if left.kind == "none" else left
            if other.kind == "none":
                result = True
            elif other.kind in ("const", "obj", "forged"):
                result = False
        if result is not None and op == "is not":
            result = not result
    elif op in ("==", "!="):
        result = _equal(left, right)
        if result is not None and op == "!=":
            result = not result
    elif op in ("in", "not in"):
        if right.kind == "none":
            return CRASH  # x in None: TypeError
        if left.taint and left.kind in _ABSENT and not right.taint:
            result = op == "not in"  # a missing credential is in no table of valid ones
    elif left.kind == "none" or right.kind == "none":
        return CRASH  # None < x: TypeError
    return result


def _str_method(base: AV, method: str, args: list[AV]) -> AV:
    """"".strip(), (authorization or "").partition(" "): a method of a constant string with constant arguments,
    computed."""
    try:
        result = getattr(base.value, method)(*(a.value for a in args))
    except Exception:
        return CRASH
    return AV("const", tuple(result) if isinstance(result, list) else result,
              base.taint or any(a.taint for a in args))


def _parts(expr: ir.Expr) -> list[ir.Expr]:
    if isinstance(expr, ir.Seq):
        return [i.value if isinstance(i, ir.Star) else i for i in expr.items]
    if isinstance(expr, ir.DictE):
        return [x for pair in expr.items for x in pair if x is not None]
    if isinstance(expr, ir.FStr):
        return [p for p in expr.parts if not isinstance(p, str)]
    return []


def _error_response(expr: ir.Expr | None) -> bool:
    """A call made with a literal error status (`JSONResponse(..., status_code=503)`, `_error(404, ...)`)."""
    if not isinstance(expr, ir.Call):
        return False
    return any(isinstance(arg, ir.Const) and isinstance(arg.value, int) and not isinstance(arg.value, bool) and
               400 <= arg.value < 600 for arg in (*expr.args, *(value for _key, value in expr.kwargs)))


def _reads_auth_state(func: Func) -> bool:
    """The function reads `<param>.user` or `<param>.auth` of one of its parameters (a request): what Starlette's
    AuthenticationMiddleware set for it."""
    params = {p.name for p in func.params}
    todo: list[ir.Expr] = [*func.calls, *(b.value for b in func.binds), *func.block_tests(),
                           *(r.value for r in func.returns if r.value is not None)]
    for _ in range(5000):
        if not todo:
            return False
        expr = todo.pop()
        if isinstance(expr, ir.Attr) and expr.attr in ("user", "auth") and isinstance(expr.value, ir.Name) and \
                expr.value.id in params:
            return True
        todo.extend(ir.children(expr))
    return True


def _always_raises(func: Func) -> bool:
    """A function whose body ends in a `raise` under no test, with no `return` before it: every call raises."""
    if func.has_yield:
        return False
    last = [r.line for r in func.raises if not r.conditions and r.exc is not None]
    return bool(last) and not any(r.line < min(last) for r in func.returns)


def _has_call(expr: object, depth: int = 0) -> bool:
    """`expr` contains a call (which may do work: a query, a send, a write)."""
    if depth > 40 or expr is None:
        return False
    if isinstance(expr, ir.Call):
        return True
    if isinstance(expr, (tuple, list)):
        return any(_has_call(item, depth + 1) for item in expr)
    if hasattr(expr, "__slots__") and not isinstance(expr, (str, int, float, bool, bytes)):
        return any(_has_call(getattr(expr, slot), depth + 1) for slot in expr.__slots__
                   if not isinstance(getattr(expr, slot), (str, int, float, bool, bytes)))
    return False


def names_in(expr: object, out: set[str] | None = None, depth: int = 0) -> set[str]:
    """Every `Name` id inside an ir expression."""
    out = set() if out is None else out
    if depth > 40 or expr is None:
        return out
    if isinstance(expr, ir.Name):
        out.add(expr.id)
    elif isinstance(expr, ir.Unknown):
        out.update(expr.names)  # what an expression the language does not model reads (a comprehension's inputs)
    elif isinstance(expr, (tuple, list)):
        for item in expr:
            names_in(item, out, depth + 1)
    elif isinstance(expr, ir.Call):
        names_in(expr.func, out, depth + 1)
        names_in(expr.args, out, depth + 1)
        names_in([v for _, v in expr.kwargs], out, depth + 1)
    elif hasattr(expr, "__slots__"):
        for slot in expr.__slots__:
            value = getattr(expr, slot)
            if not isinstance(value, (str, int, float, bool, bytes)) and value is not None:
                names_in(value, out, depth + 1)
    return out
