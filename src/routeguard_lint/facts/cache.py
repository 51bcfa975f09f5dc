"""A content-addressed cache of per-module facts, so re-runs (pre-commit, editors) skip parsing.

Trust. A cache entry is data, never code: facts are stored as JSON of plain values with explicit type
tags (lists, tuples, dicts, bytes, `...` and the fact dataclasses of `facts.extract` and `facts.ir`, by
name, from a fixed registry); decoding builds only those types and cannot run anything. Every entry has
a header with a format tag, its own key and the SHA-256 of its payload, verified before the payload is
decoded: a truncated, bit-flipped, foreign or unreadable entry is ignored (and recomputed), never used.

Key. The SHA-256 of the file's bytes, its display path, module name, whether it is a package, the
routeguard version, the fact extractor's code (the source of every module under `facts/` and
`parsing/`, or its bytecode on a sourceless install), the LibCST version and the Python implementation
and version: a change to any of them is a different entry.

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
import os
import pkgutil
import platform
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

from routeguard_lint import __version__
from routeguard_lint.facts import extract as _extract
from routeguard_lint.facts import ir as _ir
from routeguard_lint.facts.extract import ModuleFacts
from routeguard_lint.parsing.source import no_gc

FORMAT = b"routeguard-facts-v2"
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
    digest.update(f"\0{display}\0{module}\0{is_package}\0{code_fingerprint()}".encode("utf-8", "surrogateescape"))
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
_RESERVED = {"l", "t", "d", "b", "e", "n"}
assert not _RESERVED & set(_TYPES)


_SCALARS = frozenset({str, int, float, bool, type(None)})
# per fact class: its tag, field names and defaults, looked up once per object (the encoding of a cold
# run's facts is a few million objects: a chain of type tests per object cost a fifth of it)
_PLANS: dict[type, tuple[str, tuple[str, ...], tuple[Any, ...]]] = {
    cls: (cls.__name__, tuple(name for name, _ in fields), tuple(default for _, default in fields))
    for cls, fields in _FIELDS.items() if _TYPES.get(cls.__name__) is cls}


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    plan = _PLANS.get(kind)
    if plan is not None:
        tag, names, defaults = plan
        values = [getattr(value, name) for name in names]
        count = len(values)
        while count and defaults[count - 1] is not dataclasses.MISSING and values[count - 1] == defaults[count - 1]:
            count -= 1  # trailing defaults are not stored
        return [tag, *[item if type(item) in _SCALARS else _encode(item) for item in values[:count]]]
    if kind is tuple:
        return ["t", *[item if type(item) in _SCALARS else _encode(item) for item in value]]
    if kind is list:
        return ["l", *[item if type(item) in _SCALARS else _encode(item) for item in value]]
    if kind is dict:
        out: list[Any] = ["d"]
        for key, item in value.items():
            out.append(_encode(key))
            out.append(_encode(item))
        return out
    if kind is bytes:
        return ["b", value.decode("latin-1")]
    if value is ...:
        return ["e"]
    if isinstance(value, enum.Enum) and _ENUMS.get(kind.__name__) is kind:
        return ["n", kind.__name__, _encode(value.value)]
    raise TypeError(f"cannot cache a {kind.__name__}")


class _Invalid(Exception):
    pass


def _decode(value: Any) -> Any:
    return _node(value) if type(value) is list else value


def _node(value: list[Any]) -> Any:
    """Build one tagged array; scalars are taken as they are (no call per leaf)."""
    tag = value[0]
    args = [_node(item) if type(item) is list else item for item in value[1:]]
    build = _BUILD.get(tag) if type(tag) is str else None
    if build is None:
        raise _Invalid(tag)
    return build(args)


def _dict(args: list[Any]) -> dict[Any, Any]:
    return dict(zip(args[::2], args[1::2], strict=False))


def _bytes(args: list[Any]) -> bytes:
    return args[0].encode("latin-1")


def _enum(args: list[Any]) -> enum.Enum:
    member: enum.Enum = _ENUMS[args[0]](args[1])
    return member


def _constructor(cls: type) -> Callable[[list[Any]], Any]:
    return lambda args: cls(*args)


_BUILD: dict[str, Callable[[list[Any]], Any]] = {
    "t": tuple, "l": lambda args: args, "d": _dict, "b": _bytes, "e": lambda args: ..., "n": _enum,
    **{name: _constructor(cls) for name, cls in _TYPES.items()},
}


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


def dumps(key: str, facts: ModuleFacts) -> bytes:
    payload = json.dumps(_encode(facts), ensure_ascii=True, separators=(",", ":"), check_circular=False).encode()
    return framed(FORMAT, key, payload)


def loads(key: str, blob: bytes) -> ModuleFacts | None:
    """The facts in an entry, or None unless its header names `key` and its checksum matches."""
    payload = unframed(FORMAT, key, blob)
    if payload is None:
        return None
    try:
        with no_gc():  # decoding allocates many objects without cycles: the collector's passes only cost
            value = _decode(json.loads(bytes(payload)))
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


def store(cache_dir: Path, key: str, facts: ModuleFacts) -> bool:
    """Write one entry atomically; False when it could not be written (nothing changes then)."""
    target = cache_dir / key[:2]
    tmp: str | None = None
    try:
        blob = dumps(key, facts)
        os.makedirs(target, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target, prefix=".tmp-")  # created 0600
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.replace(tmp, target / key)
        return True
    except Exception:
        if tmp is not None:
            with suppress(OSError):
                os.unlink(tmp)
        return False


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
