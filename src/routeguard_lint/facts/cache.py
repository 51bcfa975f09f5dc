"""A content-addressed cache of per-module facts, so re-runs (pre-commit, editors) skip parsing.

Entries live in the user's cache directory (`$ROUTEGUARD_CACHE_DIR`, else `$XDG_CACHE_HOME/routeguard`,
else `~/.cache/routeguard`), never inside the analysed project, so nothing in a repository can plant an
entry. The key covers the file's bytes, its display path and module name, and the source of the modules
that compute facts, so a change to either invalidates it. Every failure to read or write the cache is
ignored: the cache can only make a run faster, never change its result.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path

from routeguard_lint.facts.extract import ModuleFacts

_FACT_MODULES = ("facts/extract.py", "facts/walker.py", "facts/ir.py", "parsing/source.py", "facts/cache.py")


def default_dir() -> Path:
    explicit = os.environ.get("ROUTEGUARD_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "routeguard"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent.parent
    for name in _FACT_MODULES:
        try:
            digest.update((here / name).read_bytes())
        except OSError:
            digest.update(name.encode())
    return digest.hexdigest()[:16]


def key_for(data: bytes, display: str, module: str, is_package: bool) -> str:
    digest = hashlib.sha256(data)
    digest.update(f"\0{display}\0{module}\0{is_package}\0{code_fingerprint()}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def load(cache_dir: Path, key: str) -> ModuleFacts | None:
    path = cache_dir / key[:2] / key
    try:
        with open(path, "rb") as handle:
            value = pickle.load(handle)
    except Exception:
        return None
    return value if isinstance(value, ModuleFacts) else None


def store(cache_dir: Path, key: str, facts: ModuleFacts) -> None:
    target = cache_dir / key[:2]
    try:
        target.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(facts, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target / key)
    except Exception:
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except Exception:
            pass
