"""Finding the files to analyse and naming their modules.

Module names come from package roots: a file's primary name walks up through directories holding
`__init__.py`; it is also known by its path relative to every directory given on the command line and
to an enclosing `src/`, so namespace packages and "run from the project root" layouts resolve too.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", "site-packages", "node_modules", "__pycache__",
    "build", "dist", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs",
    ".routeguard_cache",
})

HINT_WORDS = (b"fastapi", b"Depends", b"APIRouter", b"Security", b"starlette", b"include_router")


@dataclass(frozen=True)
class SourceFile:
    path: Path  # as found (absolute)
    display: str  # POSIX, relative to the cwd when under it
    module: str  # primary module name
    aliases: tuple[str, ...]  # other names the module can be imported by
    is_package: bool  # an __init__.py
    error: str | None = None  # a directory that could not be listed: reported as RG000, never skipped


class DiscoveryError(Exception):
    pass


def display_path(path: Path, cwd: Path | None = None) -> str:
    cwd = cwd or Path.cwd()
    try:
        rel = path.relative_to(cwd)
        return rel.as_posix() or "."
    except ValueError:
        pass
    try:
        rel = Path(os.path.relpath(path, cwd))
        if not rel.as_posix().startswith("../"):
            return rel.as_posix()
    except ValueError:
        pass
    return path.as_posix()


def _is_venv(dirpath: str, filenames: list[str]) -> bool:
    return "pyvenv.cfg" in filenames


def _excluded(rel_posix: str, name: str, excludes: tuple[str, ...]) -> bool:
    for pattern in excludes:
        pat = pattern.rstrip("/")
        if fnmatch.fnmatch(rel_posix, pat) or fnmatch.fnmatch(name, pat) or \
                fnmatch.fnmatch(rel_posix, pat + "/*") or rel_posix.startswith(pat + "/"):
            return True
    return False


def discover(paths: list[Path], excludes: tuple[str, ...] = (), gitignore: bool = True) -> list[SourceFile]:
    """All `*.py` files under `paths`, sorted by display path. Raises DiscoveryError for a missing path.
    `excludes` and (unless `gitignore` is False) `.gitignore` files filter what is found in directories
    (files/ignore.py)."""
    from routeguard_lint.files.ignore import PathFilter

    cwd = Path.cwd()
    skip = PathFilter(excludes, gitignore=gitignore, cwd=cwd)
    roots: list[Path] = []
    found: dict[str, Path] = {}  # real path -> path as found
    unreadable: dict[str, str] = {}  # directory -> why it could not be listed
    for given in paths:
        if not given.exists() and not given.is_symlink():
            raise DiscoveryError(f"path does not exist: {given}")
        absolute = Path(os.path.abspath(given))
        if absolute.is_dir():
            roots.append(absolute)
            for file in _walk(absolute, excludes, cwd, unreadable, skip):
                _add(found, file)
        elif absolute.is_file():
            roots.append(absolute.parent)
            _add(found, absolute)
        else:
            raise DiscoveryError(f"not a file or directory: {given}")
    files = [_describe(p, roots, cwd) for p in found.values()]
    files = [_outside(f, roots) for f in files]
    for directory, why in unreadable.items():
        display = display_path(Path(directory), cwd)
        files.append(SourceFile(path=Path(directory), display=display, module=display, aliases=(),
                                is_package=False, error=f"cannot list directory: {why}"))
    files.sort(key=lambda f: f.display)
    return files


def _outside(f: SourceFile, roots: list[Path]) -> SourceFile:
    """A symlinked file whose target lies outside every analysed root is not read (it could be
    /proc/self/environ or a secret elsewhere on the machine): an RG000 without its content."""
    if not os.path.islink(f.path):
        return f
    real = os.path.realpath(f.path)
    for root in roots:
        top = os.path.realpath(root)
        if real == top or real.startswith(top.rstrip(os.sep) + os.sep):
            return f
    return SourceFile(path=f.path, display=f.display, module=f.module, aliases=f.aliases, is_package=f.is_package,
                      error="symlink points outside the project (outside the analysed paths): not read")


def _add(found: dict[str, Path], file: Path) -> None:
    """One entry per real file; the file itself wins over a symlink to it (findings land on the file that
    holds the code), else the first found in sorted order."""
    real = os.path.realpath(file)
    current = found.get(real)
    if current is None or (os.path.islink(current) and not os.path.islink(file)):
        found[real] = file


def _walk(root: Path, excludes: tuple[str, ...], cwd: Path, unreadable: dict[str, str] | None = None, skip=None):
    """Files under `root`. Symlinked directories are not entered (no loops, nothing outside the tree);
    symlinked files are read. A directory that cannot be listed is recorded in `unreadable`."""
    seen_dirs: set[str] = set()

    def failed(exc: OSError) -> None:
        if unreadable is not None and exc.filename is not None:
            unreadable[os.fsdecode(exc.filename)] = exc.strerror or str(exc)

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=failed):
        real = os.path.realpath(dirpath)
        if real in seen_dirs:
            dirnames[:] = []
            continue
        seen_dirs.add(real)
        if dirpath != str(root) and _is_venv(dirpath, filenames):
            dirnames[:] = []
            continue
        keep = []
        for d in sorted(dirnames):
            if d in SKIP_DIRS or d.endswith(".egg-info"):
                continue
            if skip.skip(Path(dirpath, d), root, is_dir=True) if skip is not None else \
                    excludes and _excluded(display_path(Path(dirpath, d), root), d, excludes):
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            full = Path(dirpath, name)
            if skip.skip(full, root, is_dir=False) if skip is not None else \
                    excludes and _excluded(display_path(full, root), name, excludes):
                continue
            yield full
        # directories named *.py are directories: os.walk lists them in dirnames, never as files


def _module_from(rel: Path) -> str | None:
    parts = list(rel.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


def _describe(path: Path, roots: list[Path], cwd: Path) -> SourceFile:
    is_package = path.name == "__init__.py"
    # primary name: walk up through packages
    parts = [] if is_package else [path.stem]
    directory = path.parent
    while (directory / "__init__.py").exists() and directory.parent != directory:
        parts.insert(0, directory.name)
        directory = directory.parent
    names: list[str] = []
    primary = ".".join(parts) if parts and all(p.isidentifier() for p in parts) else None
    if primary:
        names.append(primary)
    for root in roots:
        try:
            rel = path.relative_to(root)
        except ValueError:
            continue
        name = _module_from(rel)
        if name and name not in names:
            names.append(name)
    # an enclosing src/ directory is a package root too
    for i, part in enumerate(path.parts[:-1]):
        if part == "src":
            name = _module_from(Path(*path.parts[i + 1:]))
            if name and name not in names:
                names.append(name)
    if not names:
        names.append(re.sub(r"\W", "_", path.stem) or "_")
    return SourceFile(path=path, display=display_path(path, cwd), module=names[0], aliases=tuple(names[1:]),
                      is_package=is_package)


def mentions_fastapi(data: bytes) -> bool:
    """Cheap text hint used to order work: never to drop a file."""
    return any(word in data for word in HINT_WORDS)
