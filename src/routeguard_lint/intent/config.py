"""Declared intent from configuration: `[tool.routeguard]` in pyproject.toml, or a routeguard.toml.

Loading turns the TOML into a validated, immutable `Config` (any unknown key or bad value is a
`ConfigError` naming the file and the key; the CLI prints it and exits 2). `apply_config()` is the
pipeline stage that runs after the route graph is built and before the rules: routes whose dependency
tree contains a declared `auth-dependencies` callable become protected, routes matching a `public`
entry become public with the entry's reason. Which public entries matched nothing is recorded for
RG011 (stale-public-entry).

Keys (kebab-case, like every key in pyproject.toml):

    public = [{ path = "/webhooks/stripe", methods = ["POST"], reason = "signed payload" }]
    auth-dependencies = ["fastapi_users.FastAPIUsers.current_user"]
    exclude = ["migrations", "scripts/*"]
    include-tests = true
    select = ["RG001", "RG002"]
    ignore = ["RG003"]
    fail-on-unverified = true    # unverified routes fail the run (exit 1)
    respect-gitignore = false    # analyse files .gitignore lists too (default: skip them)
"""

from __future__ import annotations

import difflib
import json
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from routeguard_lint.auth.judge import AuthState, Verdict, judgement_of
from routeguard_lint.files.discovery import display_path
from routeguard_lint.routes.model import DepNode, Graph, Route

PYPROJECT = "pyproject.toml"
ROUTEGUARD_TOML = "routeguard.toml"
KEYS = ("public", "auth-dependencies", "exclude", "select", "ignore", "fail-on-unverified", "respect-gitignore",
        "include-tests")
BOOL_KEYS = ("fail-on-unverified", "respect-gitignore", "include-tests")
PUBLIC_KEYS = ("path", "methods", "reason")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "WEBSOCKET")
# A directory holding one of these is the top of a repository: configuration discovery stops there.
REPO_MARKERS = (".git", ".hg")


class ConfigError(Exception):
    """A configuration file that cannot be read or is not valid: one line for the user, exit 2."""


# (qualified name of a dependency factory, the keyword arguments (name, literal) with which it returns an optional
# dependency): an `auth-dependencies` table `{name = "...", optional = {...}}`
OptionalCall = tuple[str, tuple[tuple[str, object], ...]]


@dataclass(frozen=True)
class PublicEntry:
    path: str  # as written: a glob (`*`, `**`) or `{param}` segments
    methods: tuple[str, ...] | None  # upper-case; None = every method
    reason: str
    index: int  # position in the `public` array
    line: int  # line of the entry in the config file (1 when it cannot be found)
    pattern: PathGlob = field(compare=False, repr=False)

    def matches(self, route: Route) -> bool:
        if self.methods is not None and not set(route.methods) <= set(self.methods):
            return False
        return self.matches_path(route.full_path)

    def matches_path(self, full_path: str) -> bool:
        return bool(self.pattern.match(_normalise(full_path)))

    def describe(self) -> str:
        """`public entry { path = "/x", methods = ["POST"] }`, as it could be written in the TOML."""
        methods = f", methods = {json.dumps(list(self.methods))}" if self.methods is not None else ""
        return f"public entry {{ path = {json.dumps(self.path)}{methods} }}"


@dataclass(frozen=True)
class Config:
    """Validated configuration. `Config()` is "no configuration"."""

    source: Path | None = None  # the file it came from
    display: str = ""  # that file, as shown in messages (relative to the cwd when under it)
    public: tuple[PublicEntry, ...] = ()
    auth_dependencies: tuple[str, ...] = ()
    # for a factory in auth-dependencies: the keyword arguments that make what it returns optional
    auth_optional: tuple[OptionalCall, ...] = ()
    exclude: tuple[str, ...] = ()
    include_tests: bool = False  # analyse and report test code too (files/layout.py `is_test_path`)
    select: tuple[str, ...] | None = None  # rule codes; None = not configured
    ignore: tuple[str, ...] = ()
    fail_on_unverified: bool = False  # unverified routes make the run fail (exit 1)
    respect_gitignore: bool = True  # skip what .gitignore files list

    def rule_codes(self, cli_select: list[str] | None = None, cli_ignore: list[str] | None = None) -> list[str]:
        """The rules to run. A CLI `--select`/`--ignore` replaces the configured one; RG000 always runs."""
        from routeguard_lint.rules import ALL_RULES

        selected = list(cli_select) if cli_select else \
            list(self.select) if self.select is not None else [r.code for r in ALL_RULES]
        ignored = set(cli_ignore) if cli_ignore else set(self.ignore)
        wanted = [code for code in selected if code not in ignored]
        if "RG000" not in wanted:
            wanted.append("RG000")  # a file that could not be analysed is never silently skipped
        return wanted


# ------------------------------------------------------------------------------------------- discovery


def find_config(paths: list[Path], cwd: Path | None = None) -> Path | None:
    """The configuration for an analysis of `paths`: walking up from the first path (or the cwd), the
    first `routeguard.toml`, or `pyproject.toml` with a `[tool.routeguard]` table. The walk stops after
    the repository's top directory (one holding `.git` or `.hg`)."""
    start = Path(os.path.abspath(paths[0] if paths else (cwd or Path.cwd())))
    if not start.is_dir():
        start = start.parent
    for directory in (start, *start.parents):
        candidate = directory / ROUTEGUARD_TOML
        if candidate.is_file():
            return candidate
        candidate = directory / PYPROJECT
        if candidate.is_file() and _has_routeguard_table(candidate):
            return candidate
        if any((directory / marker).exists() for marker in REPO_MARKERS):
            return None
    return None


def _has_routeguard_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if "routeguard" not in text:  # cheap: most pyproject.toml files never mention us
        return False
    data = _parse(path, text)
    tool = data.get("tool")
    return isinstance(tool, dict) and "routeguard" in tool


# --------------------------------------------------------------------------------------------- loading


def load_config(path: Path | None, *, explicit: bool = False) -> Config:
    """Read and validate a configuration file; `None` gives the empty configuration.

    `explicit` (a `--config FILE`): a pyproject.toml without `[tool.routeguard]` is an error rather
    than "nothing configured"."""
    if path is None:
        return Config()
    shown = display_path(Path(os.path.abspath(path)))
    try:
        data = _read_regular(path, shown)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {shown}") from None
    except IsADirectoryError:
        raise ConfigError(f"config file is a directory: {shown}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {shown}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{shown}: not UTF-8 text (byte {exc.start})") from None
    document = _parse(path, text, shown)
    if path.name == PYPROJECT:
        tool = document.get("tool", {})
        table = tool.get("routeguard") if isinstance(tool, dict) else None
        if table is None:
            if explicit:
                raise ConfigError(f"{shown}: no [tool.routeguard] table")
            return Config()
        where = f"{shown}: [tool.routeguard]"
        if not isinstance(table, dict):
            raise ConfigError(f"{where} must be a table, got {_type(table)}")
        header = _header_line(text, "tool.routeguard")
    else:
        table, where, header = document, f"{shown}:", 1
    return _validate(table, where, path, shown, text, header)


MAX_CONFIG_BYTES = 10_000_000


def _read_regular(path: Path, shown: str) -> bytes:
    """The bytes of a configuration file: a regular file, opened without blocking (a FIFO or a device
    such as /dev/zero is an error, not a hang or an endless read), at most MAX_CONFIG_BYTES."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"config file is not a regular file (a FIFO, socket or device): {shown}")
        if st.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"config file is too large ({st.st_size:,} bytes; the limit is "
                              f"{MAX_CONFIG_BYTES:,}): {shown}")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            if sum(map(len, chunks)) > MAX_CONFIG_BYTES:
                raise ConfigError(f"config file is too large (the limit is {MAX_CONFIG_BYTES:,} bytes): {shown}")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _parse(path: Path, text: str, shown: str | None = None) -> dict[str, object]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # the message names the place: "Expected '=' after a key in a key/value pair (at line 3, column 6)"
        raise ConfigError(f"{shown or display_path(Path(os.path.abspath(path)))}: invalid TOML: {exc}") from None


def _type(value: object) -> str:
    return {str: "a string", bool: "a boolean", int: "an integer", float: "a float", list: "an array",
            dict: "a table"}.get(type(value), type(value).__name__)


def _unknown(key: str, known: tuple[str, ...], where: str) -> ConfigError:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else f" (known keys: {', '.join(known)})"
    return ConfigError(f"{where} unknown key {key!r}{hint}")


def _strings(value: object, key: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} {key!r} must be an array of strings, got {_type(value)}"
                          + ("" if not isinstance(value, list) else " with non-string items"))
    return list(value)


def _auth_dependencies(value: object, where: str) -> tuple[list[str], tuple[OptionalCall, ...]]:
    """`auth-dependencies`: qualified names, or tables `{name = "...", optional = {optional = true}}` for a
    factory whose call with those keyword arguments returns an optional (non-rejecting) dependency."""
    if not isinstance(value, list):
        raise ConfigError(f"{where} 'auth-dependencies' must be an array, got {_type(value)}")
    names: list[str] = []
    optional: list[OptionalCall] = []
    for i, item in enumerate(value, 1):
        if isinstance(item, str):
            names.append(item)
            continue
        if not isinstance(item, dict):
            raise ConfigError(f"{where} auth-dependencies[{i}]: expected a qualified name or a table, got "
                              f"{_type(item)}")
        extra = sorted(set(item) - {"name", "optional"})
        if extra:
            raise ConfigError(f"{where} auth-dependencies[{i}]: unknown key {extra[0]!r} (expected 'name', "
                              f"'optional')")
        name = item.get("name")
        if not isinstance(name, str):
            raise ConfigError(f"{where} auth-dependencies[{i}]: 'name' is required and must be a string")
        args = item.get("optional", {})
        if not isinstance(args, dict) or not all(isinstance(v, (str, int, float, bool)) for v in args.values()):
            raise ConfigError(f"{where} auth-dependencies[{i}]: 'optional' must be a table of keyword arguments "
                              f"with literal values (e.g. {{optional = true}})")
        names.append(name)
        if args:
            optional.append((name, tuple(sorted(args.items()))))
    return names, tuple(optional)


def _validate(table: dict[str, object], where: str, path: Path, shown: str, text: str, header: int) -> Config:
    from routeguard_lint.rules import get_rule

    for key in table:
        if key not in KEYS:
            raise _unknown(key, KEYS, where)
    auth, auth_optional = _auth_dependencies(table.get("auth-dependencies", []), where)
    for name in auth:
        if not re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*", name):
            raise ConfigError(f"{where} auth-dependencies: {name!r} is not a dotted qualified name "
                              f"(e.g. 'mypkg.auth.require_user')")
    exclude = _strings(table.get("exclude", []), "exclude", where)
    if any(not e.strip() for e in exclude):
        raise ConfigError(f"{where} exclude: empty pattern")
    codes: dict[str, list[str] | None] = {"select": None, "ignore": None}
    for key in codes:
        if key not in table:
            continue
        out = []
        for item in _strings(table[key], key, where):
            rule = get_rule(item)
            if rule is None:
                raise ConfigError(f"{where} {key}: unknown rule {item!r} (see `routeguard rules`)")
            out.append(rule.code)
        codes[key] = out
    flags = {"fail-on-unverified": False, "respect-gitignore": True, "include-tests": False}
    for key in BOOL_KEYS:
        if key in table:
            flag = table[key]
            if not isinstance(flag, bool):
                raise ConfigError(f"{where} {key!r} must be true or false, got {_type(flag)}")
            flags[key] = flag
    public = _public(table.get("public", []), where, text, header)
    return Config(source=path, display=shown, public=tuple(public), auth_dependencies=tuple(auth),
                  auth_optional=auth_optional,
                  exclude=tuple(exclude), select=tuple(codes["select"]) if codes["select"] is not None else None,
                  ignore=tuple(codes["ignore"] or ()), fail_on_unverified=flags["fail-on-unverified"],
                  respect_gitignore=flags["respect-gitignore"], include_tests=flags["include-tests"])


def _public(value: object, where: str, text: str, header: int) -> list[PublicEntry]:
    if not isinstance(value, list):
        raise ConfigError(f"{where} 'public' must be an array of tables "
                          f"({{ path = ..., methods = [...], reason = ... }}), got {_type(value)}")
    entries: list[PublicEntry] = []
    seen_paths: dict[str, int] = {}
    lines_of = _path_lines(text, header)
    for i, item in enumerate(value):
        at = f"{where} public[{i}]:"
        if not isinstance(item, dict):
            raise ConfigError(f"{at} must be a table {{ path = ..., reason = ... }}, got {_type(item)}")
        for key in item:
            if key not in PUBLIC_KEYS:
                raise _unknown(key, PUBLIC_KEYS, at)
        route_path = item.get("path")
        if not isinstance(route_path, str) or not route_path.strip():
            raise ConfigError(f"{at} 'path' is required: the route path or a glob, e.g. \"/webhooks/*\"")
        if not route_path.startswith("/"):
            raise ConfigError(f"{at} path {route_path!r} must start with '/'")
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{at} 'reason' is required: say why this route needs no authentication")
        methods: tuple[str, ...] | None = None
        if "methods" in item:
            raw = _strings(item["methods"], "methods", at)
            if not raw:
                raise ConfigError(f"{at} 'methods' is empty (leave it out to mean every method)")
            upper = []
            for m in raw:
                if m.upper() not in METHODS:
                    raise ConfigError(f"{at} unknown method {m!r} (expected one of {', '.join(METHODS)})")
                upper.append(m.upper())
            methods = tuple(sorted(set(upper)))
        occurrence = seen_paths.get(route_path, 0)
        seen_paths[route_path] = occurrence + 1
        found = lines_of.get(route_path, ())
        line = found[occurrence] if occurrence < len(found) else header
        entries.append(PublicEntry(route_path, methods, reason.strip(), i, line, path_pattern(route_path)))
    return entries


def _header_line(text: str, table: str) -> int:
    """Line of `[tool.routeguard]` (or the first `[tool.routeguard.*]`/`[[tool.routeguard.*]]`), else 1."""
    pattern = re.compile(r"^\s*\[\[?\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*[\].]", re.M)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 1


_PATH_KEY = re.compile(r"(?:^|[\s{,])path\s*=\s*(?:\"([^\"\n]*)\"|'([^'\n]*)')")


def _path_lines(text: str, header: int) -> dict[str, list[int]]:
    """For each quoted `path = "..."` value at or after the config table's header, the lines that hold
    it, in order (one pass over the text: a list of thousands of entries loads in linear time)."""
    found: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines()[header - 1:], header):
        if "path" not in line:
            continue
        for value in dict.fromkeys(a or b for a, b in _PATH_KEY.findall(line)):
            found.setdefault(value, []).append(number)
    return found


# ---------------------------------------------------------------------------------------- path globs


def _normalise(path: str) -> str:
    """`/a/b/` -> `/a/b`; the root path is the empty string."""
    stripped = path.strip("/")
    return "/" + stripped if stripped else ""


_PARAM = re.compile(r"^\{[^{}/]*\}$")


class PathGlob:
    """A `public` path glob: `*` is any text within one segment, `**` any number of whole segments (zero
    or more), a `{name}` segment any one segment (literal or a route's `{param}`). Matched segment by
    segment without backtracking: a `*` within a segment takes the leftmost place where the rest of the
    segment's text can follow, a run of segments between two `**` the leftmost place in the path; each
    step only moves forward, so a path is matched in time proportional to its length times the glob's."""

    __slots__ = ("blocks", "glob")

    def __init__(self, glob: str) -> None:
        self.glob = glob
        self.blocks: list[list[tuple[str, ...] | None]] = [[]]  # segments between `**`; None: any one segment
        for seg in _normalise(glob).split("/")[1:]:
            if seg == "**":
                self.blocks.append([])
            elif _PARAM.match(seg):
                self.blocks[-1].append(None)
            else:
                self.blocks[-1].append(tuple(seg.split("*")))

    def match(self, normalised: str) -> bool:
        """Whether a path (normalised with `_normalise`) matches."""
        segments = normalised.split("/")[1:]
        blocks = self.blocks
        if len(blocks) == 1:
            return len(segments) == len(blocks[0]) and _block_at(blocks[0], segments, 0)
        first, last = blocks[0], blocks[-1]
        if len(first) + len(last) > len(segments) or not _block_at(first, segments, 0):
            return False
        end = len(segments) - len(last)
        if not _block_at(last, segments, end):
            return False
        position = len(first)
        for block in blocks[1:-1]:  # each at its leftmost place between the previous block and the last one
            while position + len(block) <= end and not _block_at(block, segments, position):
                position += 1
            if position + len(block) > end:
                return False
            position += len(block)
        return True


def _block_at(block: list[tuple[str, ...] | None], segments: list[str], start: int) -> bool:
    for offset, parts in enumerate(block):
        segment = segments[start + offset]
        if parts is None:
            if not segment:
                return False
        elif not _segment_matches(parts, segment):
            return False
    return True


def _segment_matches(parts: tuple[str, ...], segment: str) -> bool:
    """`segment` against a glob segment split on `*`: the first part a prefix, the last a suffix, the
    others found leftmost in order (optimal for `*`, which crosses no `/`)."""
    if len(parts) == 1:
        return segment == parts[0]
    head, tail = parts[0], parts[-1]
    if len(head) + len(tail) > len(segment) or not segment.startswith(head) or not segment.endswith(tail):
        return False
    position, end = len(head), len(segment) - len(tail)
    for part in parts[1:-1]:
        found = segment.find(part, position, end)
        if found < 0:
            return False
        position = found + len(part)
    return True


def path_pattern(glob: str) -> PathGlob:
    """The matcher of a `public` path glob (see `PathGlob`); `.match(_normalise(path))`."""
    return PathGlob(glob)


# ------------------------------------------------------------------------------------- the pipeline stage


@dataclass
class ConfigOutcome:
    """What applying the configuration did; read by RG011 through `graph.intent`."""

    config: Config
    unmatched: list[PublicEntry] = field(default_factory=list)  # public entries that match no route
    verdicts: dict[int, Verdict] = field(default_factory=dict)  # id(route) -> the declared verdict
    # routes an entry made public (their judged verdict is still graph.auth's: for suppressed RG001s)
    made_public: list[tuple[Route, PublicEntry]] = field(default_factory=list)


def _matches_auth(node: DepNode, names: frozenset[str]) -> bool:
    """A node is a declared authentication when its qualified name (external callables, methods of
    objects external classes made) or its label without call arguments (what `routeguard routes` shows:
    `mylib.check(...)`, `users.current_user(active=True)`, a project function `app.deps.get_user`) is listed."""
    if node.qualname is not None and node.qualname in names:
        return True
    return node.label.split("(", 1)[0] in names


def apply_config(graph: Graph, config: Config) -> ConfigOutcome:
    """What `auth-dependencies` and `public` make of the route states (before the rules run): the changed
    verdicts, in `ConfigOutcome.verdicts`."""
    outcome = ConfigOutcome(config)
    judged = judgement_of(graph)

    def state(route: Route) -> AuthState:
        return outcome.verdicts.get(id(route), judged.of(route)).state

    if config.auth_dependencies:
        names = frozenset(config.auth_dependencies)
        for route in graph.routes:
            if state(route) is AuthState.PROTECTED or route.root is None:
                continue
            chain = _declared_chain(route.root, names, set(), dict(config.auth_optional))
            if chain:
                labels = tuple(n.label for n in chain)
                outcome.verdicts[id(route)] = Verdict(
                    AuthState.PROTECTED, f"authenticated by {' -> '.join(labels)} (declared in config: "
                    f"auth-dependencies in {config.display})", chain=labels, scheme=judged.of(route).scheme)
    matched: set[int] = set()
    for entry in config.public:
        for route in graph.routes:
            if not entry.matches(route):
                continue
            matched.add(entry.index)
            if state(route) is not AuthState.PROTECTED:
                reason = f"declared public in {config.display}: {entry.reason}"
                outcome.made_public.append((route, entry))
                outcome.verdicts[id(route)] = Verdict(AuthState.PUBLIC, reason, public_reason=reason,
                                                      scheme=judged.of(route).scheme)
    outcome.unmatched = [e for e in config.public if e.index not in matched]
    return outcome


def _declared_chain(node: DepNode, names: frozenset[str], seen: set[int],
                    optional: dict[str, tuple[tuple[str, object], ...]] | None = None) -> list[DepNode] | None:
    """The path from below `node` down to a node declared in `auth-dependencies` (and not called with the
    arguments that make it optional), or None."""
    from routeguard_lint.auth.libraries import match, user_model

    optional = optional or {}
    for child, _via in node.children:
        if id(child) in seen:
            continue
        seen.add(id(child))
        if _matches_auth(child, names):
            found = match(child, tuple(user_model(n, dict(a)) for n, a in optional.items()))
            if found is None or not found.optional:
                return [child]
            continue
        below = _declared_chain(child, names, seen, optional)
        if below:
            return [child, *below]
    return None


__all__ = ["Config", "ConfigError", "ConfigOutcome", "PublicEntry", "apply_config", "find_config", "load_config",
           "path_pattern"]
