"""Finding the files to analyse and naming their modules.

Given paths belong to a project (files/layout.py: its root, its import roots, one dotted name per file).
The whole project is analysed, so a route in one given file gets the verdict it gets in a whole-project
run; findings and routes are reported only for the files under the given paths (`SourceFile.reported`).
Test code (`tests/`, `test/`, `test_*.py`, `*_test.py`, `conftest.py`) is left out unless asked for
(`include_tests`) or given explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from routeguard_lint.files.ignore import PathFilter
from routeguard_lint.files.layout import (
    PACKAGING_FILES,
    PROJECT_MARKERS,
    ImportRoot,
    Rel,
    RootKind,
    find_project_root,
    import_roots,
    is_test_path,
    name_files,
    separate_programs,
)

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
    module: str  # its one dotted module name (layout.py)
    is_package: bool  # an __init__.py
    error: str | None = None  # a directory that could not be listed: reported as RG000, never skipped
    reported: bool = True  # under the given paths: its findings and routes are reported
    is_test: bool = False  # test code (analysed only when asked for)


@dataclass(frozen=True)
class Project:
    """What `discover_project` found: the project's root, every file analysed, how modules are named."""

    root: Path
    files: tuple[SourceFile, ...]
    roots: tuple[ImportRoot, ...]  # import roots, in search order
    namespaces: frozenset[str]  # namespace packages (folders without __init__.py holding modules)
    # second names of files under a folder the code puts on `sys.path` (alias, the file's module name), sorted
    aliases: tuple[tuple[str, str], ...] = ()
    # nested projects that are programs of their own (layout.separate_programs; relative to the root): found
    # when the project is discovered as a whole, each then analysed on its own (`Program`)
    services: tuple[Rel, ...] = ()
    program: Program | None = None  # the part of the project this is, when it is one


@dataclass(frozen=True)
class Program:
    """One part of a project whose nested projects are programs of their own (`Project.services`, found by
    `layout.separate_programs`): `service`, one of them, run with its own folder on `sys.path` (its import roots
    searched first, the other services left out, the rest of the project, such as the shared folders they
    import from their parent, still there), or the rest of the project without any of them (`service` None).
    Each file is reported by exactly one part: a service's files by its own, every other file by the rest."""

    service: Rel | None
    services: tuple[Rel, ...]

    def holds(self, rel: Rel) -> bool:
        """Whether the file at `rel` is this part's to report."""
        if self.service is not None:
            return _within(rel, self.service)
        return not any(_within(rel, s) for s in self.services)

    def keeps(self, rel: Rel) -> bool:
        """Whether the file at `rel` is analysed in this part: not another service's."""
        return not any(_within(rel, s) and s != self.service for s in self.services)


def programs_of(project: Project) -> list[Program]:
    """The parts a project discovered as a whole is analysed in (one per service holding a reported file, then
    the rest when it holds one); none when it has no separate programs."""
    if not project.services:
        return []
    reported = [_rel_parts(f.path, project.root) for f in project.files if f.reported]
    parts = [Program(s, project.services) for s in project.services] + [Program(None, project.services)]
    return [part for part in parts if any(part.holds(rel) for rel in reported)]


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


def _is_venv(dirpath: str, filenames: set[str] | list[str]) -> bool:
    return "pyvenv.cfg" in filenames


def discover(paths: list[Path], excludes: tuple[str, ...] = (), include_tests: bool = False,
             gitignore: bool = True) -> list[SourceFile]:
    """Every file of the project `paths` belong to, sorted by display path (see `discover_project`)."""
    return list(discover_project(paths, excludes, include_tests, gitignore=gitignore).files)


def project_groups(paths: Sequence[Path], cwd: Path | None = None) -> list[list[Path]]:
    """The given paths, grouped by the project each belongs to: one analysis per group, each within its
    own root, import roots and configuration (a type checker's or ruff's answer to several roots given at
    once, where each file is checked under its own nearest configuration).

    A path's project is the one `find_project_root` finds for that path alone. Paths whose project root
    holds a marker (`pyproject.toml`, `setup.cfg`, `setup.py`, `.git`) are grouped by that root; the others
    (no marker above them, or inside another project's test folder) form one group together, as they
    always did. A group all of whose paths lie inside a folder given in another group joins that group:
    that folder's analysis covers them already (`routeguard check . services/api` is `check .`). Without
    this, paths of sibling projects were analysed as one project rooted at their common ancestor, where
    every other folder beside them counted as project code (a checkout of FastAPI itself there made
    `from fastapi import FastAPI` project code, and no route was found).

    Groups keep the order in which their first path was given; so do the paths in each. Raises
    DiscoveryError for a missing path."""
    cwd = cwd or Path.cwd()
    groups: dict[Path | None, list[Path]] = {}  # project root (None: no marker) -> its given paths
    for path in paths:
        absolute = _given(path)
        root = find_project_root([absolute], cwd)
        marked = any(os.path.lexists(root / marker) for marker in PROJECT_MARKERS)
        groups.setdefault(root if marked else None, []).append(path)
    merged = list(groups.values())
    while True:
        covered = next(((i, j) for i, group in enumerate(merged) for j, other in enumerate(merged)
                        if i != j and all(_covers(other, p) for p in group)), None)
        if covered is None:
            return merged
        i, j = covered
        merged[j] = merged[j] + merged[i]
        del merged[i]


def _given(path: Path) -> Path:
    """A given path, absolute (not resolved: a symlinked folder stays where it was given)."""
    if not path.exists() and not path.is_symlink():
        raise DiscoveryError(f"path does not exist: {path}")
    absolute = Path(os.path.abspath(path))
    if not absolute.is_dir() and not absolute.is_file():
        raise DiscoveryError(f"not a file or directory: {path}")
    return absolute


def _covers(group: Sequence[Path], path: Path) -> bool:
    """Whether a folder given in `group` holds `path`."""
    target = Path(os.path.abspath(path))
    for given in group:
        folder = Path(os.path.abspath(given))
        if folder.is_dir() and (target == folder or folder in target.parents):
            return True
    return False


def discover_project(paths: list[Path], excludes: tuple[str, ...] = (), include_tests: bool = False, *,
                     gitignore: bool = True, program: Program | None = None) -> Project:
    """The project `paths` belong to: every `*.py` file of it (test code only when `include_tests`, or
    when under a given path that is test code; files given explicitly always), each with its module
    name and whether it is under the given paths. `excludes` and (unless `gitignore` is False)
    `.gitignore` files filter what is found in directories (files/ignore.py). A symlinked file whose
    target lies outside the project is not read (it could be /proc/self/environ or a secret elsewhere on
    the machine): an RG000 without its content. `program`: the part of the project to analyse (see `Program`;
    None: the whole project, whose separate programs are then found, `Project.services`). Raises
    DiscoveryError for a missing path."""
    cwd = Path.cwd()
    skip = PathFilter(excludes, gitignore=gitignore, cwd=cwd)
    given = [_given(path) for path in paths]
    root = find_project_root(given, cwd)
    given_rel = [(_rel_parts(g, root), g.is_file()) for g in given]
    given_dirs = [rel for rel, is_file in given_rel if not is_file]
    test_given = [rel for rel, is_file in given_rel if is_test_path(rel, is_file)]

    def wanted_dir(rel: Rel) -> bool:
        if include_tests or not is_test_path(rel, False):
            return True
        return any(_within(g, rel) or _within(rel, g) for g, _ in given_rel)

    found: dict[str, tuple[Rel, bool]] = {}  # real path -> the file as found (relative to the root), a symlink?
    unreadable: dict[str, str] = {}  # directory -> why it could not be listed
    nested: set[Rel] = set()
    for rel, real, is_link in _walk(root, skip, unreadable, wanted_dir, nested, given_dirs):
        if not include_tests and is_test_path(rel, True) and not any(_within(rel, g) for g in test_given):
            continue
        _add(found, rel, real, is_link)
    for g, (rel, is_file) in zip(given, given_rel, strict=True):
        if is_file:
            _add(found, rel, os.path.realpath(g), os.path.islink(g))
    rels = sorted(rel for rel, _ in found.values())
    given_at = [rel for rel, _ in given_rel]
    services: tuple[Rel, ...] = ()
    if program is None:
        services = separate_programs(rels, nested, project=root)
    else:
        rels = [rel for rel in rels if program.keeps(rel)]
        nested = {folder for folder in nested if program.keeps(folder)}
    found_roots, inserted = import_roots(root, rels, nested)
    roots = _given_first(found_roots, given_at)
    if program is not None and program.service is not None:
        roots = _service_first(roots, program.service)
    rels = _without_sibling_services(rels, roots, given_at)
    naming = name_files(rels, roots, inserted)
    show = _displayer(root, cwd)
    outside = {rel for real, (rel, is_link) in found.items() if is_link and not _inside(real, root)}
    files = [SourceFile(path=root.joinpath(*rel), display=show(rel), module=naming.names[rel],
                        is_package=rel[-1] == "__init__.py",
                        reported=any(_within(rel, g) for g, _ in given_rel) and (program is None or program.holds(rel)),
                        is_test=is_test_path(rel, True),
                        error="symlink points outside the project (outside the analysed paths): not read"
                        if rel in outside else None)
             for rel in rels]
    for directory, why in unreadable.items():
        where = Path(directory)
        at = _rel_parts(where, root)
        if program is not None and not program.keeps(at):
            continue
        files.append(SourceFile(path=where, display=display_path(where, cwd), module=display_path(where, cwd),
                                is_package=False, error=f"cannot list directory: {why}",
                                reported=any(_within(at, g) for g, _ in given_rel)
                                and (program is None or program.holds(at))))
    files.sort(key=lambda f: f.display)
    return Project(root=root, files=tuple(files), roots=tuple(roots), namespaces=naming.namespaces,
                   aliases=naming.aliases, services=services, program=program)


def _rel_parts(path: Path, root: Path) -> Rel:
    try:
        return path.relative_to(root).parts
    except ValueError:
        return path.parts


def _inside(real: str, root: Path) -> bool:
    top = os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def _given_first(roots: list[ImportRoot], given: Sequence[Rel]) -> list[ImportRoot]:
    """Folders the code's own imports put on the path (`backend/`, `worker/`: services of one repository, each
    run with its folder on `sys.path`) searched with the one holding a given path first: two of them may hold
    a package of the same name (`backend/app`, `worker/app`), and the service analysed is the one whose
    `app` its imports mean. The others keep their order, after it."""
    def rank(item: tuple[int, ImportRoot]) -> tuple[int, int]:
        i, r = item
        if r.kind < RootKind.NESTED:  # the analysed project's own roots (import_roots lists these first)
            return (0, i)
        return (1 if _serves(r, given) else 2, i)
    return [r for _, r in sorted(enumerate(roots), key=rank)]


def _service_first(roots: list[ImportRoot], service: Rel) -> list[ImportRoot]:
    """The import roots of a service analysed as its own program (`Program`) searched right after the analysed
    project's own roots: the folder it runs from is on `sys.path` before any other, so its `routes` is its own.
    The others keep their order, after it."""
    def rank(item: tuple[int, ImportRoot]) -> tuple[int, int]:
        i, r = item
        if r.kind < RootKind.NESTED:
            return (0, i)
        return (1 if _within(r.rel, service) else 2, i)
    return [r for _, r in sorted(enumerate(roots), key=rank)]


def _serves(root: ImportRoot, given: Sequence[Rel]) -> bool:
    """Whether `root` is a path entry of the program a given path belongs to: it holds a given path, or
    (a project nested in a given folder, with its own packaging file) lies inside one."""
    return any(_within(g, root.rel) or (root.kind is RootKind.NESTED and _within(root.rel, g)) for g in given)


def _without_sibling_services(rels: list[Rel], roots: Sequence[ImportRoot], given: Sequence[Rel]) -> list[Rel]:
    """The files less those of another service: a folder the code's imports put on the path (see `_given_first`)
    that holds no given path, and holds a top-level package or module of a name the folder of a given path holds
    too (`backend/app` beside the analysed `inference/app`), is another program, run with its own `sys.path`; its
    `from app import ...` never means the analysed service's `app`. Files under a given path stay."""
    imported = [r for r in roots if r.kind >= RootKind.NESTED]
    held = [r for r in imported if _serves(r, given)]
    if not held:
        return rels

    def tops(r: ImportRoot) -> set[str]:
        n = len(r.rel)
        return {f[n].removesuffix(".py") for f in rels if len(f) > n and _within(f, r.rel)}

    names = set().union(*(tops(r) for r in held))
    others = [r for r in imported if r not in held and not any(_within(h.rel, r.rel) for h in held)
              and tops(r) & names]
    return [f for f in rels if any(_within(f, g) for g in given) or any(_within(f, h.rel) for h in held)
            or not any(_within(f, r.rel) for r in others)]


def _within(rel: Rel, ancestor: Rel) -> bool:
    return rel[:len(ancestor)] == ancestor


def _displayer(root: Path, cwd: Path) -> Callable[[Rel], str]:
    """How a file (relative to the root) is shown: relative to the cwd when under it (cheaply, when the
    root is under the cwd), else as `display_path` shows it."""
    try:
        base = root.relative_to(cwd).parts
    except ValueError:
        return lambda rel: display_path(root.joinpath(*rel), cwd)
    return lambda rel: "/".join(base + rel)


def _add(found: dict[str, tuple[Rel, bool]], rel: Rel, real: str, is_link: bool) -> None:
    """One entry per real file; the file itself wins over a symlink to it (findings land on the file that
    holds the code), else the first found in sorted order."""
    current = found.get(real)
    if current is None or (current[1] and not is_link):
        found[real] = (rel, is_link)


def _walk(root: Path, skip: PathFilter | None = None, unreadable: dict[str, str] | None = None,
          wanted_dir: Callable[[Rel], bool] | None = None, nested: set[Rel] | None = None,
          bases: Sequence[Rel] = ()) -> Iterator[tuple[Rel, str, bool]]:
    """The `*.py` files under `root`: (path relative to it, real path, is a symlink), in sorted order.
    Symlinked directories are not entered (no loops, nothing outside the tree); symlinked files are read.
    A directory that cannot be listed is recorded in `unreadable`; folders below `root` holding a
    packaging file are added to `nested`. `skip` (excludes, .gitignore) is asked about each path found,
    exclude patterns also relative to each of `bases` (given folders below the root)."""
    real_root = os.path.realpath(root)
    seen: set[tuple[int, int]] = set()
    anchors = [(root.joinpath(*b), b) for b in bases if b]

    def excluded(rel: Rel, is_dir: bool) -> bool:
        if skip is None:
            return False
        path = root.joinpath(*rel)
        if skip.skip(path, root, is_dir=is_dir):
            return True
        return bool(skip.excludes) and any(
            skip.excludes.matches(path, anchor) for anchor, b in anchors if _within(rel, b))

    stack: list[Rel] = [()]
    while stack:
        rel_dir = stack.pop()
        directory = os.path.join(root, *rel_dir)
        entries = _listing(directory, seen, unreadable)
        if entries is None:
            continue
        names = {e.name for e in entries}
        if rel_dir and _is_venv(directory, names):
            continue
        if nested is not None and rel_dir and any(name in names for name in PACKAGING_FILES):
            nested.add(rel_dir)
        subdirs: list[Rel] = []
        for entry in entries:
            name = entry.name
            rel = (*rel_dir, name)
            is_dir, is_link = _kind(entry)
            if is_dir:  # directories named *.py are directories
                if not (is_link or name in SKIP_DIRS or name.endswith(".egg-info") or excluded(rel, True)
                        or (wanted_dir is not None and not wanted_dir(rel))):
                    subdirs.append(rel)
            elif name.endswith(".py") and not excluded(rel, False):
                real = os.path.realpath(entry.path) if is_link else os.path.join(real_root, *rel)
                yield rel, real, is_link
        stack.extend(reversed(subdirs))


def _listing(directory: str, seen: set[tuple[int, int]],
             unreadable: dict[str, str] | None) -> list[os.DirEntry[str]] | None:
    """The entries of `directory`, sorted by name; None when it cannot be listed (recorded in
    `unreadable`) or was seen already (a bind mount looping back)."""
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
        info = os.stat(directory, follow_symlinks=False)
    except OSError as exc:
        if unreadable is not None:
            unreadable[directory] = exc.strerror or str(exc)
        return None
    key = (info.st_dev, info.st_ino)
    if key in seen:
        return None
    seen.add(key)
    return entries


def _kind(entry: os.DirEntry[str]) -> tuple[bool, bool]:
    """(a directory, following symlinks; a symlink) for a directory entry; a vanished one is neither."""
    try:
        return entry.is_dir(), entry.is_symlink()
    except OSError:
        return False, True


def mentions_fastapi(data: bytes) -> bool:
    """Cheap text hint used to order work: never to drop a file."""
    return any(word in data for word in HINT_WORDS)
