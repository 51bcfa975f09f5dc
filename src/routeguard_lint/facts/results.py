"""A cache of whole `check` results, so that a re-run over an unchanged tree costs little more than
discovering and hashing its files (docs/speed.md).

Key. An entry stands for one invocation: the code of routeguard (every file of the installed package),
the versions that can change what it computes (LibCST, Python), the working directory (paths are shown
relative to it), the paths given, the excludes, the rules selected, the configuration after the command
line was applied (and the bytes of its file), and the environment variables that change results. Its file
name is the SHA-256 of all that, so there is one entry per invocation, rewritten by every run that misses.

Validity. An entry is used only when everything the run read is as it was:

* the project: the same root, import roots and namespace packages, the same files (display path,
  module name, package or not, reported or not, unreadable or not) with the same SHA-256 of their bytes.
  Every file is read and hashed on every run: no modification time or size is trusted;
* installed libraries (project/library.py): the same search path, the same namespace packages reachable
  on it, and for every module the previous run looked for there, the same answer now (the same file with
  the same SHA-256, or still none);
* the previous run was deterministic: a file whose worker died or ran out of time (facts/workers.py)
  depends on the machine's state, so such a result is never stored.

Anything else (a different file, a new or removed one, another configuration, option, version or
library) is a miss: the analysis runs in full and the entry is replaced. An entry is data only: JSON
of the result's plain types (model.py) with explicit type tags, behind the same header and checksum as
the facts cache (facts/cache.py); decoding builds only those types. A damaged entry is a miss.

"N fixable with --fix" (the text and JSON reports) is part of the entry: the autofixes' plan per file,
with the findings it was planned for. A later run whose findings in a file differ (a baseline filtered
some out) plans that file again from the analysis (see api.Checked).
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from routeguard_lint import __version__, model
from routeguard_lint.facts import cache

FORMAT = b"routeguard-result-v2"
FOLDER = "results"  # under the cache folder; pruned and cleaned with the facts entries
# environment variables that change what a run reports
ENVIRONMENT = ("ROUTEGUARD_PARSE", "ROUTEGUARD_WORKER_MEMORY_MB", "ROUTEGUARD_FILE_TIMEOUT")


# ------------------------------------------------------------------------------------------------ key


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over every file of the installed routeguard package (sources, or bytecode on a sourceless
    install; `__pycache__` aside) and the versions that change what it computes, read when first asked for (at
    the start of a run: `invocation_key`). `store` reads it again: a run during which the code changed (an
    editable install edited, a checkout switched; stages import their modules lazily) computed with old code,
    new code or both, and is not stored."""
    return _fingerprint()


def _fingerprint() -> str:
    digest = hashlib.sha256()
    try:
        from importlib.metadata import version

        libcst_version = version("libcst")
    except Exception:
        libcst_version = "unknown"
    impl = sys.implementation
    digest.update(f"{FORMAT.decode()}\0routeguard {__version__}\0libcst {libcst_version}\0{impl.name} "
                  f"{sys.version}\0".encode())
    root = Path(model.__file__).parent
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            data = b"<unreadable>"
        name = path.relative_to(root).as_posix()
        digest.update(f"\0{name}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
        digest.update(data)
    return digest.hexdigest()


def _text(value: Any) -> bytes:
    return repr(value).encode("utf-8", "surrogateescape")


def invocation_key(paths: Sequence[Path], excludes: Iterable[str], select: Sequence[str] | None,
                   config: Any, program: Any = None) -> str:
    """The entry's name: what was asked for, and by which code (see the module docstring). `program`: the part
    of the project analysed (files/discovery.Program: which service, and which nested projects are services),
    when the project is analysed in parts: each part's result is an entry of its own."""
    digest = hashlib.sha256()
    digest.update(code_fingerprint().encode())
    parts: list[Any] = [os.getcwd(), [str(p) for p in paths], list(excludes),
                        None if select is None else list(select), config,
                        [(name, os.environ.get(name)) for name in ENVIRONMENT]]
    if program is not None:
        parts.append(["program", program.service, list(program.services)])
    source = getattr(config, "source", None)
    if source is not None:
        try:
            parts.append(hashlib.sha256(Path(source).read_bytes()).hexdigest())
        except OSError:
            parts.append("<unreadable config>")
    for part in parts:
        blob = _text(part)
        digest.update(b"%d\0" % len(blob))
        digest.update(blob)
    return digest.hexdigest()


def file_digest(path: Path | str) -> str:
    """SHA-256 of a file's bytes as the analysis reads them, or why it cannot be read (the analysis
    reports exactly that message)."""
    from routeguard_lint.parsing.source import ParseFailure, read_source

    try:
        return hashlib.sha256(read_source(path)).hexdigest()
    except ParseFailure as exc:
        return f"! {exc.message}"
    except OSError as exc:
        return f"! {exc}"


def project_state(project: Any) -> tuple[list[Any], list[list[Any]]]:
    """What the discovered project is (root, import roots, namespaces) and every file with its hash."""
    shape = [str(project.root), repr(tuple(project.roots)), sorted(project.namespaces),
             [list(pair) for pair in project.aliases]]
    files = [[f.display, str(f.path), f.module, f.is_package, f.error, f.reported, f.is_test,
              None if f.error else file_digest(f.path)] for f in project.files]
    return shape, files


# ------------------------------------------------------------------------------------------ libraries


@dataclass
class Libraries:
    """What the run read outside the project: the search path, the namespace packages reachable on it,
    and each library module looked for with what was found (path, is a package, SHA-256) or None."""

    search: list[str]
    namespaces: list[str]
    lookups: list[list[Any]]


def library_answer(locate: Callable[[str], tuple[Path, bool] | None], name: str) -> list[Any] | None:
    found = locate(name)
    if found is None:
        return None
    path, is_package = found
    return [str(path), is_package, file_digest(path)]


# ------------------------------------------------------------------------------------------ the format


_TYPES: dict[str, type] = {cls.__name__: cls for cls in (model.Finding, model.Related, model.DependencyInfo,
                                                         model.RouteInfo, model.MountInfo, model.Result)}
_ENUMS: dict[str, type[enum.Enum]] = {"SuppressionKind": model.SuppressionKind}
_FIELDS = {cls: tuple(f.name for f in fields(cls)) for cls in _TYPES.values()}


def encode(value: Any) -> Any:
    kind = type(value)
    if value is None or kind in (str, int, float, bool):
        return value
    if kind is list:
        return ["l", *map(encode, value)]
    if kind is tuple:
        return ["t", *map(encode, value)]
    if kind is dict:
        return ["d", *[encode(item) for pair in value.items() for item in pair]]
    if isinstance(value, enum.Enum) and _ENUMS.get(kind.__name__) is kind:
        return ["n", kind.__name__, value.value]
    if _TYPES.get(kind.__name__) is kind:
        return [kind.__name__, *[encode(getattr(value, name)) for name in _FIELDS[kind]]]
    raise TypeError(f"cannot store a {kind.__name__}")


class _Invalid(Exception):
    pass


def decode(value: Any) -> Any:
    if type(value) is not list:
        return value
    if not value or type(value[0]) is not str:
        raise _Invalid("untagged array")
    tag, args = value[0], value[1:]
    if tag == "l":
        return [decode(item) for item in args]
    if tag == "t":
        return tuple(decode(item) for item in args)
    if tag == "d":
        items = [decode(item) for item in args]
        return dict(zip(items[::2], items[1::2], strict=True))
    if tag == "n":
        return _ENUMS[args[0]](args[1])
    cls = _TYPES.get(tag)
    if cls is None or len(args) != len(_FIELDS[cls]):
        raise _Invalid(tag)
    return cls(*[decode(item) for item in args])


def finding_id(finding: model.Finding) -> str:
    """A finding as text, every field included: what the fixable count of a file was planned for."""
    return json.dumps(encode(finding), ensure_ascii=True, separators=(",", ":"))


# ------------------------------------------------------------------------------------- read and write


@dataclass
class Entry:
    shape: list[Any]
    files: list[list[Any]]
    libraries: Libraries
    result: model.Result
    # path -> [ids of the fixable active findings in it, {rule: fixes the plan applied}]; None: not computed
    fixable: dict[str, list[Any]] | None
    unread: list[str] = field(default_factory=list)  # files read for their name only (api._unread)
    asked: list[str] = field(default_factory=list)  # names looked for in unparsed text (api._unread)


def _location(cache_dir: Path, key: str) -> Path:
    return cache_dir / FOLDER / key


def store(cache_dir: Path, key: str, entry: Entry) -> bool:
    """Write the entry atomically; False when it could not be written (nothing changes then), or when
    routeguard's code changed since the run started (see `code_fingerprint`)."""
    import tempfile

    if _fingerprint() != code_fingerprint():
        return False

    folder = cache_dir / FOLDER
    tmp: str | None = None
    try:
        body = {"shape": entry.shape, "files": entry.files,
                "libraries": [entry.libraries.search, entry.libraries.namespaces, entry.libraries.lookups],
                "result": encode(entry.result), "fixable": entry.fixable, "unread": entry.unread,
                "asked": entry.asked}
        payload = json.dumps(body, ensure_ascii=True, separators=(",", ":"), check_circular=False).encode()
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(cache.framed(FORMAT, key, payload))
        os.replace(tmp, folder / key)
        return True
    except Exception:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return False


def load(cache_dir: Path, key: str) -> Entry | None:
    """The entry for `key` if it is intact (header, checksum, types); whether it is still valid is the
    caller's to check (`valid`)."""
    blob = cache._read_regular(_location(cache_dir, key))
    if blob is None:
        return None
    payload = cache.unframed(FORMAT, key, blob)
    if payload is None:
        return None
    try:
        body = json.loads(bytes(payload))
        search, namespaces, lookups = body["libraries"]
        result = decode(body["result"])
        entry = Entry(body["shape"], body["files"], Libraries(search, namespaces, lookups), result, body["fixable"],
                      body["unread"], body["asked"])
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, RecursionError, _Invalid):
        return None
    if type(entry.result) is not model.Result or type(entry.files) is not list or \
            type(entry.unread) is not list or type(entry.asked) is not list:
        return None
    return entry
