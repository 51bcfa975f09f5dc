"""A content-addressed cache of per-module facts, so re-runs (pre-commit, editors) skip parsing.

Trust. A cache entry is data, never code: facts are stored as JSON of plain values with explicit type
tags (lists, tuples, dicts, bytes, `...` and the fact dataclasses of `facts.extract` and `facts.ir`, by
name, from a fixed registry; an equal immutable value repeated in one entry is stored once and referred
back to, see `_Writer`); decoding builds only those types and cannot run anything. Every entry has
a header with a format tag, its own key and the SHA-256 of its payload, verified before the payload is
decoded: a truncated, bit-flipped, foreign or unreadable entry is ignored (and recomputed), never used.

Key. The SHA-256 of the file's bytes, its display path, module name, whether it is a package, the
routeguard version, the fact extractor's code (the source of every module under `facts/` and
`parsing/`, or its bytecode on a sourceless install), the layout of the fact classes as the process
loaded them, the LibCST version and the Python implementation and version: a change to any of them is a
different entry.

Location. `$ROUTEGUARD_CACHE_DIR`, else `$XDG_CACHE_HOME/routeguard` when that is an absolute path (a
relative one is ignored, as the XDG specification says), else `~/.cache/routeguard`; never inside the
analysed project. Folders are created 0700; an existing cache folder that is not a directory owned by
the user, or that other users can write to, is not used (one warning line on stderr). Only regular
files are read, with a non-blocking open, so a FIFO planted as an entry cannot hang the run.

Size. At most `max_bytes()` (default 256 MiB, `$ROUTEGUARD_CACHE_MAX_BYTES`); when a run has written
entries and the total exceeds it, the oldest entries (by modification time; a hit refreshes it) are
removed until the total is under 80 % of the bound. `routeguard cache clean` removes everything.

Every failure to read or write the cache is ignored: the cache can only make a run faster, never change
its result.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import importlib
import importlib.util
import json
import marshal
import operator
import os
import pkgutil
import platform
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

from routeguard_lint import __version__
from routeguard_lint.facts import extract as _extract
from routeguard_lint.facts import ir as _ir
from routeguard_lint.facts.extract import ModuleFacts
from routeguard_lint.parsing.source import no_gc

FORMAT = b"routeguard-facts-v3"
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # an entry larger than this is not read (facts of a 5 MB file: < 10 MB)
PRUNE_TO = 0.8  # pruning removes the oldest entries until the total is under this share of the bound
# The packages whose code computes facts: any change to them changes every key.
_FACT_PACKAGES = ("routeguard_lint.facts", "routeguard_lint.parsing")


class CacheUnusable(Exception):
    """The cache folder exists but must not be trusted (not ours, or writable by others)."""


# ------------------------------------------------------------------------------------------- location


def default_dir() -> Path:
    explicit = os.environ.get("ROUTEGUARD_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG spec: a relative path is invalid and must be ignored
        return Path(xdg) / "routeguard"
    return Path(os.path.expanduser("~")) / ".cache" / "routeguard"


def max_bytes() -> int:
    try:
        value = int(os.environ.get("ROUTEGUARD_CACHE_MAX_BYTES", ""))
    except ValueError:
        return DEFAULT_MAX_BYTES
    return value if value >= 0 else DEFAULT_MAX_BYTES


def _check_dir(path: Path) -> None:
    st = os.stat(path)
    if not stat.S_ISDIR(st.st_mode):
        raise CacheUnusable(f"{path} is not a directory")
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise CacheUnusable(f"{path} is owned by another user")
    if st.st_mode & 0o022:
        raise CacheUnusable(f"{path} is writable by other users (mode {stat.S_IMODE(st.st_mode):04o})")


def prepare(cache_dir: Path, warn: Callable[[str], None] | None = None) -> Path | None:
    """`cache_dir`, created 0700 when missing, if it may be trusted; else None, after one warning line
    (through `warn`, default stderr). A folder that cannot be created is silently not used."""
    try:
        os.makedirs(cache_dir, mode=0o700, exist_ok=True)
        _check_dir(cache_dir)
    except CacheUnusable as exc:
        from routeguard_lint.report._common import sanitize

        message = f"routeguard: warning: cache not used: {sanitize(str(exc))}"
        if warn is not None:
            warn(message)
        else:
            sys.stderr.write(message + "\n")
        return None
    except OSError:
        return None
    return cache_dir


def clean(cache_dir: Path) -> int:
    """Remove every entry (and the folder); the number of entries removed."""
    if not cache_dir.is_dir() or cache_dir.is_symlink():
        return 0
    count = sum(1 for _ in _entries(cache_dir))
    shutil.rmtree(cache_dir, ignore_errors=True)
    return count


# -------------------------------------------------------------------------------------------------- key


def _module_code(name: str) -> bytes:
    """The code of one module: its source, or its bytecode when installed without sources."""
    spec = importlib.util.find_spec(name)
    loader = spec.loader if spec is not None else None
    if loader is None:
        return b"<missing " + name.encode() + b">"
    try:
        source = loader.get_source(name)  # type: ignore[attr-defined]  # every file loader has it
    except (ImportError, OSError):
        source = None
    if source is not None:
        return source.encode("utf-8", "surrogateescape")
    code = loader.get_code(name)  # type: ignore[attr-defined]  # every file loader has it
    return marshal.dumps(code) if code is not None else b"<no code " + name.encode() + b">"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over the code of every module of the fact-computing packages, and the versions that can
    change what they compute."""
    digest = hashlib.sha256()
    try:
        from importlib.metadata import version

        libcst_version = version("libcst")
    except Exception:
        import libcst  # only then: a run served from the cache never loads the parser

        libcst_version = getattr(libcst, "__version__", "unknown")
    impl = sys.implementation
    digest.update(f"{FORMAT.decode()}\0routeguard {__version__}\0libcst {libcst_version}\0"
                  f"{impl.name} {impl.version.major}.{impl.version.minor} "
                  f"python {sys.version_info.major}.{sys.version_info.minor}\0"
                  f"{platform.python_implementation()}\0".encode())
    for package in _FACT_PACKAGES:
        pkg = importlib.import_module(package)
        names = [package, *sorted(f"{package}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__))]
        for name in names:
            code = _module_code(name)
            digest.update(f"\0{name}\0{len(code)}\0".encode())
            digest.update(code)
    return digest.hexdigest()


def key_for(data: bytes, display: str, module: str, is_package: bool) -> str:
    digest = hashlib.sha256(data)
    digest.update(f"\0{display}\0{module}\0{is_package}\0{code_fingerprint()}\0{_LAYOUT}"
                  .encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------ the format


def _registry(want: Callable[[type], bool]) -> dict[str, type]:
    types: dict[str, type] = {}
    for module in (_ir, _extract):
        for value in vars(module).values():
            if isinstance(value, type) and want(value) and value.__module__ == module.__name__:
                types[value.__name__] = value
    types.pop("Bound", None)  # made by the graph, never part of facts
    return types


_TYPES = _registry(dataclasses.is_dataclass)
_ENUMS = _registry(lambda cls: issubclass(cls, enum.Enum))
_FIELDS: dict[type, tuple[tuple[str, Any], ...]] = {}
for _cls in _TYPES.values():
    _fields = []
    for _f in dataclasses.fields(_cls):
        if _f.default is not dataclasses.MISSING:
            _default: Any = _f.default
        elif _f.default_factory is not dataclasses.MISSING:
            _default = _f.default_factory()
        else:
            _default = dataclasses.MISSING
        _fields.append((_f.name, _default))
    _FIELDS[_cls] = tuple(_fields)
_RESERVED = {"t", "d", "b", "e", "n", "r"}
# The layout of the fact classes as this process loaded them. The code fingerprint is read from the files
# on disk when first asked for; a process that imported the classes before an edit to them would otherwise
# write entries in its old layout under the new code's key. With the layout in the key it cannot.
_LAYOUT = hashlib.sha256(repr(sorted(
    [(name, tuple(field for field, _ in _FIELDS[cls])) for name, cls in _TYPES.items()]
    + [(name, tuple(str(member.value) for member in cls)) for name, cls in _ENUMS.items()]  # type: ignore[attr-defined]
)).encode()).hexdigest()
assert not _RESERVED & set(_TYPES)


_SCALARS = frozenset({str, int, float, bool, type(None)})
# per fact class: its tag, field names and defaults, looked up once per object (the encoding of a cold
# run's facts is a few million objects: a chain of type tests per object cost a fifth of it)
def _reader_of(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if not names:
        return lambda value: ()
    read = operator.attrgetter(*names)
    return read if len(names) > 1 else lambda value: (read(value),)


_PLANS: dict[type, tuple[str, Callable[[Any], tuple[Any, ...]], tuple[Any, ...]]] = {
    cls: (cls.__name__, _reader_of(tuple(name for name, _ in fields)), tuple(default for _, default in fields))
    for cls, fields in _FIELDS.items() if _TYPES.get(cls.__name__) is cls}
# The immutable values: `ir`'s frozen expression classes, tuples, bytes, `...` and enum members. Equal
# immutable values occur many times in one module's facts (the same `Name`, the same tests of a block
# repeated on every statement in it, ...): an entry holds each distinct one once and refers back to it.
_IMMUTABLE = frozenset({"t", "b", "e", "n", *(name for name, cls in _TYPES.items()
                                              if cls.__module__ == _ir.__name__ and
                                              cls.__dataclass_params__.frozen)})  # type: ignore[attr-defined]


class _Writer:
    """Encodes one entry's value as JSON-ready data.

    The format: a scalar (str, int, float, bool, None) stands for itself and a JSON array for a list; every
    other value is a JSON object of one member, its tag: `{"t": [items]}` a tuple, `{"d": [key, value,
    ...]}` a dict, `{"b": "latin-1 text"}` bytes, `{"e": 0}` `...`, `{"n": [enum class, value]}` an enum
    member, `{"ClassName": [field values]}` a fact dataclass (trailing defaults left out), and `{"r": i}`
    the i-th immutable value (`_IMMUTABLE`) of the entry, numbered in the order their objects close
    (children before parents, as a JSON parser completes them), a repetition of an equal value met before.
    Only a value whose every part is immutable is referred back to; equality is exact (types included:
    `True` is not `1`, `-0.0` is not `0.0`)."""

    __slots__ = ("_by_id", "_count", "_seen")

    def __init__(self) -> None:
        self._count = 0  # immutable values numbered so far
        self._seen: dict[tuple[Any, ...], int] = {}  # structural key of a value -> its number
        self._by_id: dict[int, tuple[Any, Any]] = {}  # id of an immutable object met -> (encoding, key)

    def encode(self, value: Any) -> Any:
        return self._encode(value)[0]

    def _number(self, tag: str, encoded: Any, parts: list[Any] | None) -> tuple[Any, Any]:
        """Number a closed immutable value; a repetition of one seen before becomes a reference."""
        index = self._count
        self._count += 1
        if parts is None:  # a part is not immutable: never referred back to
            return encoded, None
        key = (tag, *parts)
        seen = self._seen.get(key)
        if seen is not None:
            self._count -= 1  # a reference is not a value of its own
            return {"r": seen}, seen
        self._seen[key] = index
        return encoded, index

    def _items(self, values: Iterable[Any], parts: list[Any] | None) -> tuple[list[Any], list[Any] | None]:
        out: list[Any] = []
        append = out.append
        by_id = self._by_id
        for item in values:
            kind = type(item)
            if kind in _SCALARS:
                append(item)
                if parts is not None:  # a string stands for itself; others with their type (1 is not True)
                    parts.append(item if kind is str else (kind, repr(item) if kind is float else item))
                continue
            known = by_id.get(id(item))
            if known is not None:  # the same object again
                key = known[1]
                append({"r": key})
            else:
                encoded, key = self._encode_fresh(item, kind)
                if key is not None:
                    by_id[id(item)] = (encoded, key)  # the object lives as long as the encoding
                append(encoded)
            if parts is not None:
                if key is None:
                    parts = None
                else:
                    parts.append(key)
        return out, parts

    def _encode(self, value: Any) -> tuple[Any, Any]:
        kind = type(value)
        if kind in _SCALARS:
            return value, (kind, repr(value) if kind is float else value)
        known = self._by_id.get(id(value))
        if known is not None:  # the same object again
            return {"r": known[1]}, known[1]
        encoded, key = self._encode_fresh(value, kind)
        if key is not None:
            self._by_id[id(value)] = (encoded, key)  # the object lives as long as the encoding
        return encoded, key

    def _encode_fresh(self, value: Any, kind: type) -> tuple[Any, Any]:
        plan = _PLANS.get(kind)
        if plan is not None:
            tag, read, defaults = plan
            values = read(value)
            count = len(values)
            while count and defaults[count - 1] is not dataclasses.MISSING and values[count - 1] == defaults[count - 1]:
                count -= 1  # trailing defaults are not stored
            immutable = tag in _IMMUTABLE
            items, parts = self._items(values[:count], [] if immutable else None)
            if immutable:
                return self._number(tag, {tag: items}, parts)
            return {tag: items}, None
        if kind is tuple:
            items, parts = self._items(value, [])
            return self._number("t", {"t": items}, parts)
        if kind is list:
            return self._items(value, None)[0], None
        if kind is dict:
            flat: list[Any] = []
            for pair in value.items():
                flat.extend(pair)
            return {"d": self._items(flat, None)[0]}, None
        if kind is bytes:
            return self._number("b", {"b": value.decode("latin-1")}, [value])
        if value is ...:
            return self._number("e", {"e": 0}, [])
        if isinstance(value, enum.Enum) and _ENUMS.get(kind.__name__) is kind:
            items, parts = self._items([value.value], [kind.__name__])
            return self._number("n", {"n": [kind.__name__, *items]}, parts)
        raise TypeError(f"cannot cache a {kind.__name__}")


class _Invalid(Exception):
    pass


def _reader() -> Callable[[list[tuple[str, Any]]], Any]:
    """The `object_pairs_hook` that builds one entry's values as the JSON parser completes them (see
    `_Writer`); it builds only the registry's types, and keeps the immutable ones for references."""
    table: list[Any] = []
    append = table.append

    def hook(pairs: list[tuple[str, Any]]) -> Any:
        if len(pairs) != 1:
            raise _Invalid(len(pairs))
        tag, args = pairs[0]
        cls = _TYPES.get(tag)
        if cls is not None:
            if type(args) is not list:
                raise _Invalid(tag)
            value = cls(*args)
            if tag in _IMMUTABLE:
                append(value)
            return value
        if tag == "r":
            if type(args) is not int:
                raise _Invalid(tag)
            return table[args]
        if tag == "d":
            return dict(zip(args[::2], args[1::2], strict=True))
        if tag == "t":
            value = tuple(args)
        elif tag == "b":
            value = args.encode("latin-1")
        elif tag == "e":
            value = ...
        elif tag == "n":
            value = _ENUMS[args[0]](args[1])
        else:
            raise _Invalid(tag)
        append(value)
        return value

    return hook


def framed(fmt: bytes, key: str, payload: bytes) -> bytes:
    """An entry: a header line naming the format, the key, the payload's SHA-256 and length, then the payload."""
    return b"%s %s %s %d\n" % (fmt, key.encode(), hashlib.sha256(payload).hexdigest().encode(), len(payload)) + \
        payload


def unframed(fmt: bytes, key: str, blob: bytes) -> memoryview | None:
    """The payload of an entry `framed` wrote, or None unless its header names `fmt` and `key` and the
    payload's length and checksum match."""
    end = blob.find(b"\n", 0, 256)
    if end < 0:
        return None
    parts = blob[:end].split(b" ")
    if len(parts) != 4 or parts[0] != fmt or parts[1] != key.encode():
        return None
    payload = memoryview(blob)[end + 1:]
    if not parts[3].isdigit() or int(parts[3]) != len(payload):
        return None
    if hashlib.sha256(payload).hexdigest().encode() != parts[2]:
        return None
    return payload


def encode_payload(facts: ModuleFacts) -> bytes:
    """An entry's payload: the facts as JSON (see `_Writer`). `from_payload` decodes it."""
    return json.dumps(_Writer().encode(facts), ensure_ascii=True, separators=(",", ":"),
                      check_circular=False).encode()


def dumps(key: str, facts: ModuleFacts) -> bytes:
    return framed(FORMAT, key, encode_payload(facts))


def from_payload(payload: bytes) -> ModuleFacts:
    """The facts of a payload this process or a worker encoded (`store` returns it; no checksum: not read
    from disk)."""
    with no_gc():
        value = json.loads(payload, object_pairs_hook=_reader())
    if type(value) is not ModuleFacts:
        raise TypeError(f"not facts: {type(value).__name__}")
    return value


def loads(key: str, blob: bytes) -> ModuleFacts | None:
    """The facts in an entry, or None unless its header names `key` and its checksum matches."""
    payload = unframed(FORMAT, key, blob)
    if payload is None:
        return None
    try:
        with no_gc():  # decoding allocates many objects without cycles: the collector's passes only cost
            value = json.loads(bytes(payload), object_pairs_hook=_reader())
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, RecursionError, _Invalid):
        return None
    return value if type(value) is ModuleFacts else None


# ------------------------------------------------------------------------------------- read and write


def _entry(cache_dir: Path, key: str) -> Path:
    return cache_dir / key[:2] / key


def _read_regular(path: Path) -> bytes | None:
    """The bytes of `path` if it is a regular file of sane size; never blocks on a FIFO or device."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY_BYTES:
            return None
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return None
        chunks = []
        remaining = st.st_size + 1
        while remaining > 0:
            chunk = os.read(fd, remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def load(cache_dir: Path, key: str) -> ModuleFacts | None:
    path = _entry(cache_dir, key)
    blob = _read_regular(path)
    if blob is None:
        return None
    facts = loads(key, blob)
    if facts is not None:
        with suppress(OSError):
            os.utime(path)  # recently used: pruned last
    return facts


def store(cache_dir: Path, key: str, facts: ModuleFacts) -> bytes | None:
    """Write one entry atomically. Its payload, when written (`from_payload` decodes it: a worker sends it
    to the parent rather than pickling the facts, which the parent would unpickle several times slower);
    None when it could not be written (nothing changes then)."""
    target = cache_dir / key[:2]
    tmp: str | None = None
    try:
        payload = encode_payload(facts)
        blob = framed(FORMAT, key, payload)
        os.makedirs(target, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target, prefix=".tmp-")  # created 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.replace(tmp, target / key)
        return payload
    except Exception:
        if tmp is not None:
            with suppress(OSError):
                os.unlink(tmp)
        return None


def _entries(cache_dir: Path) -> Iterator[tuple[str, int, float]]:
    """(path, size, mtime) of every regular file in the cache."""
    try:
        tops = list(os.scandir(cache_dir))
    except OSError:
        return
    for top in tops:
        try:
            if not top.is_dir(follow_symlinks=False):
                continue
            for entry in os.scandir(top.path):
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode):
                    yield entry.path, st.st_size, st.st_mtime
        except OSError:
            continue


def prune(cache_dir: Path, limit: int | None = None) -> int:
    """Remove the oldest entries while the total size exceeds `limit` (default `max_bytes()`), down to
    `PRUNE_TO` of it; the number of entries removed."""
    limit = max_bytes() if limit is None else limit
    entries = list(_entries(cache_dir))
    total = sum(size for _, size, _ in entries)
    if total <= limit:
        return 0
    removed = 0
    goal = int(limit * PRUNE_TO)
    for path, size, _ in sorted(entries, key=lambda e: (e[2], e[0])):
        if total <= goal:
            break
        try:
            os.unlink(path)
        except OSError:
            continue
        total -= size
        removed += 1
    return removed
