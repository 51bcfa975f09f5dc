"""Where a project starts and what each of its files is called when Python imports it.

Python finds a module by searching the entries of `sys.path` in order; a file's dotted name is its path
relative to the entry it is found under. A project's entries are its *import roots*:

* the project root (the nearest directory holding `pyproject.toml`, `setup.cfg`, `setup.py` or `.git`
  at or above the analysed paths): what `python -m`, pytest and an installed editable project put there;
* the directories its packaging configuration names: setuptools `package-dir` / `packages.find.where`
  (pyproject.toml or setup.cfg, a literal `package_dir` in setup.py), hatch `packages`/`sources`, poetry
  `packages = [{include, from}]`, pytest `pythonpath`, ruff `src`; else a conventional `src/` layout;
* nested projects (a folder holding its own `pyproject.toml`/`setup.cfg`/`setup.py`), configured the same way;
* folders the code itself shows to be on the path: an absolute import `from app.core import x` that no
  root resolves, written in a file below a folder `backend/` that holds `app/core`, puts `backend/` there.

Besides these, a folder the code puts on `sys.path` itself (`sys.path.insert(0, dirname(dirname(__file__)))`,
files/syspath.py) is an *inserted* entry: its files keep their one name, and are importable under a second
name relative to it (an alias), whether or not the folder is a regular package. So is a configured folder that
is a regular package (ruff `src = ["mypkg"]`): the package's own imports name its modules `mypkg.x`.

Every file gets exactly one name: its path relative to the deepest import root holding it (a name is
dotted identifiers only). When two files would get the same name, the one Python finds first keeps it
(higher root first, a package `a/__init__.py` before a module `a.py`); the other is named through an
outer root, or gets a synthetic name no import can reach. Folders without `__init__.py` on the way are
PEP 420 namespace packages.

Nothing here parses Python: absolute imports are read with a byte scan of each file.
"""

from __future__ import annotations

import configparser
import keyword
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from routeguard_lint.files.syspath import inserted_folders

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
PACKAGING_FILES = ("pyproject.toml", "setup.cfg", "setup.py")
TEST_DIRS = frozenset({"tests", "test"})
# names an absolute import can never mean a project folder by: the standard library, and what the
# analysis recognises as FastAPI's own stack
NEVER_PROJECT = frozenset(sys.stdlib_module_names) | {"__future__", "fastapi", "starlette", "pydantic"}

_STATEMENT_RE = re.compile(rb"[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b|import[ \t]+([A-Za-z_][^\n#;\\]*))")
_DOTTED_RE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
UNIMPORTABLE = "__unimportable__"  # prefix of the names of files no import reaches
Rel = tuple[str, ...]  # a path relative to the project root, as its parts
_SETUP_PY_DIR_RE = re.compile(r"""package_dir\s*=\s*\{\s*(['"])\1\s*:\s*['"]([^'"]+)['"]""")
_SETUP_PY_FIND_RE = re.compile(r"""find(?:_namespace)?_packages\(\s*(?:where\s*=\s*)?['"]([^'"]+)['"]""")


class RootKind(IntEnum):
    """Why a folder is an import root; the order is the search order (lower first)."""

    CONFIGURED = 0  # named by the project's packaging / tool configuration
    SRC = 1  # a conventional src/ layout
    PROJECT = 2  # the project root itself
    NESTED = 3  # a nested project (its own packaging file), or what it configures
    IMPORTED = 4  # shown by absolute imports in the code
    INSERTED = 5  # put on `sys.path` by the code (names through it are aliases: `Naming.aliases`)


@dataclass(frozen=True)
class ImportRoot:
    path: Path  # absolute
    kind: RootKind
    prefix: tuple[str, ...] = ()  # package the folder maps to (setuptools `package-dir = {"pkg" = "lib"}`)
    rel: Rel = ()  # the folder relative to the project root


def is_test_path(rel_parts: Sequence[str], is_file: bool) -> bool:
    """Test code: anything under a `tests/` or `test/` folder, `test_*.py`, `*_test.py`, `conftest.py`."""
    dirs = rel_parts[:-1] if is_file else rel_parts
    if any(part in TEST_DIRS for part in dirs):
        return True
    if not is_file or not rel_parts:
        return False
    name = rel_parts[-1]
    return name == "conftest.py" or (name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")))


def find_project_root(paths: Sequence[Path], cwd: Path) -> Path:
    """The nearest directory holding a project marker at or above the common ancestor of `paths`
    (absolute). Paths inside another project's test folder (fixture apps of a test suite) belong to no
    project above it: their project is the cwd when it holds them, else their common ancestor. No
    marker anywhere: the common ancestor. Either way never a regular package's folder (one holding
    `__init__.py`): the first folder above it that is not one, unless its code imports what it holds by
    top-level names (it is then run with itself on the path; see `_imports_its_children`)."""
    bases = [p if p.is_dir() else p.parent for p in paths] or [cwd]
    start = Path(os.path.commonpath([str(b) for b in bases]))
    found = start
    for directory in (start, *start.parents):
        if any(os.path.lexists(directory / marker) for marker in PROJECT_MARKERS):
            return directory
        if directory != start and directory.name in TEST_DIRS:
            if _under(start, cwd) and _under(cwd, directory) and cwd != directory:
                found = cwd
            break
    while os.path.lexists(found / "__init__.py") and found.parent != found and not _imports_its_children(found):
        found = found.parent
    return found


MAX_SCANNED = 400  # files read to tell whether a folder holding `__init__.py` is itself a path entry


def _imports_its_children(folder: Path) -> bool:
    """The code under `folder` imports what it holds by top-level names (`from backend.server import app` in a
    folder holding `backend/`) and never by the folder's own name: it runs with the folder itself on the path,
    whatever `__init__.py` it also holds (a folder on `sys.path` is never imported as a package)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return False
    children = {e.name for e in entries if e.is_dir(follow_symlinks=False) and e.name.isidentifier()} | \
        {e.name[:-3] for e in entries if e.is_file() and e.name.endswith(".py") and e.name != "__init__.py"}
    children -= NEVER_PROJECT
    if not children:
        return False
    tops: set[str] = set()
    scanned = 0
    for directory, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d.isidentifier())
        for name in sorted(names):
            if not name.endswith(".py"):
                continue
            tops |= {module.split(".")[0] for module in absolute_imports(_read_bytes(Path(directory, name)))}
            scanned += 1
            if scanned >= MAX_SCANNED:
                break
        if scanned >= MAX_SCANNED:
            break
    return folder.name not in tops and bool(tops & children)


def _under(path: Path, ancestor: Path) -> bool:
    return path == ancestor or ancestor in path.parents


# ------------------------------------------------------------------------------------- configuration


Declared = tuple[str, str]  # (folder relative to the project, the package it maps to; "" for none)


def configured_roots(project: Path) -> list[tuple[Path, tuple[str, ...]]]:
    """The folders (and the package each maps to, usually none) a project's packaging and tool
    configuration puts on the import path, in the order found."""
    roots: list[tuple[Path, tuple[str, ...]]] = []
    declared = [*_pyproject_roots(project / "pyproject.toml"), *_setup_cfg_roots(project / "setup.cfg"),
                *_setup_py_roots(project / "setup.py")]
    for rel, prefix in declared:
        target = Path(os.path.normpath(project / (rel.strip().strip("/") or ".")))
        if not _under(target, project) or not target.is_dir():
            continue
        root = (target, tuple(p for p in prefix.split(".") if p))
        if root not in roots:
            roots.append(root)
    return roots


def _pyproject_roots(path: Path) -> Iterator[Declared]:
    tool = _table(_toml(path).get("tool"))
    setuptools = _table(tool.get("setuptools"))
    for name, where in _table(setuptools.get("package-dir")).items():
        if isinstance(where, str):
            yield where, name
    packages = setuptools.get("packages")
    for where in _strings(_table(_table(packages).get("find")).get("where")):
        yield where, ""
    hatch_build = _table(_table(tool.get("hatch")).get("build"))
    for table in (hatch_build, *(_table(t) for t in _table(hatch_build.get("targets")).values())):
        for package in _strings(table.get("packages")):
            yield os.path.dirname(package.strip("/")), ""
        sources = table.get("sources")
        if isinstance(sources, dict):
            yield from ((src, dest.replace("/", ".")) for src, dest in sources.items()
                        if isinstance(src, str) and isinstance(dest, str))
        else:
            yield from ((src, "") for src in _strings(sources))
    for entry in _list(_table(tool.get("poetry")).get("packages")):
        if isinstance(entry, dict) and isinstance(entry.get("include"), str):
            origin = entry.get("from")
            yield (origin if isinstance(origin, str) else "."), ""
    yield from ((w, "") for w in _strings(_table(_table(tool.get("pytest")).get("ini_options")).get("pythonpath")))
    yield from ((w, "") for w in _strings(_table(tool.get("ruff")).get("src")))


def _setup_cfg_roots(path: Path) -> Iterator[Declared]:
    if not path.is_file():
        return
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8", errors="replace"))
    except (configparser.Error, OSError):
        return
    for line in re.split(r"[\n,]", parser.get("options", "package_dir", fallback="")):
        name, sep, where = line.partition("=")
        if sep:
            yield where, name.strip()
    for where in parser.get("options.packages.find", "where", fallback="").split():
        yield where, ""
    for where in parser.get("tool:pytest", "pythonpath", fallback="").split():
        yield where, ""


def _setup_py_roots(path: Path) -> Iterator[Declared]:
    if not path.is_file():
        return
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    yield from ((m.group(2), "") for m in _SETUP_PY_DIR_RE.finditer(text))
    yield from ((m.group(1), "") for m in _SETUP_PY_FIND_RE.finditer(text))


def project_roots(top: Path, project: Path, kind: RootKind) -> list[ImportRoot]:
    """The import roots of `project` (the analysed project `top` or a project nested in it): configured
    ones, else `src/` when it is a folder of code (not a package itself); then the project folder."""
    configured = configured_roots(project)
    own = RootKind.CONFIGURED if kind is RootKind.PROJECT else kind
    roots = [ImportRoot(path, own, prefix, _rel(path, top)) for path, prefix in configured]
    if not any(not prefix and path != project for path, prefix in configured):
        src = project / "src"
        if src.is_dir() and not (src / "__init__.py").exists():
            roots.append(ImportRoot(src, RootKind.SRC if kind is RootKind.PROJECT else kind, (), _rel(src, top)))
    roots.append(ImportRoot(project, kind, (), _rel(project, top)))
    return roots


def _rel(path: Path, top: Path) -> Rel:
    return path.relative_to(top).parts


def _toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _table(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in _list(value) if isinstance(v, str)]


# --------------------------------------------------------------------------------------------- naming


def absolute_imports(data: bytes) -> set[str]:
    """The dotted modules a file imports absolutely (`import a.b`, `from a.b import c`), by a byte scan
    of the lines holding `import`: enough to locate the folders a project imports its packages from."""
    out: set[str] = set()
    last = -1
    at = data.find(b"import")
    while at != -1:
        start = data.rfind(b"\n", 0, at) + 1
        if start != last:
            last = start
            match = _STATEMENT_RE.match(data, start)
            if match is not None:
                if match.group(1) is not None:
                    out.add(match.group(1).decode("ascii"))
                else:
                    for item in match.group(2).decode("ascii", "replace").split(","):
                        name = item.strip().split(" ")[0]
                        if _DOTTED_RE.fullmatch(name):
                            out.add(name)
        at = data.find(b"import", at + 6)
    return out


def _valid(parts: Sequence[str]) -> bool:
    return bool(parts) and all(p.isidentifier() and not keyword.iskeyword(p) for p in parts)


def name_under(root: ImportRoot, rel: Rel) -> str | None:
    """The dotted name of the file at `rel` (relative to the project root) when found under `root`;
    None when it is not importable from there."""
    n = len(root.rel)
    if len(rel) <= n or rel[:n] != root.rel:
        return None
    parts = list(rel[n:])
    parts[-1] = parts[-1].removesuffix(".py")
    if parts[-1] == "__init__":
        parts.pop()
    parts = [*root.prefix, *parts]
    return ".".join(parts) if _valid(parts) else None


@dataclass(frozen=True)
class Naming:
    names: dict[Rel, str]  # every file (relative to the project root) -> its one dotted name
    namespaces: frozenset[str]  # dotted names of the namespace packages (folders without __init__.py)
    aliases: tuple[tuple[str, str], ...] = ()  # (second name through an inserted entry, the file's name), sorted


def import_roots(project: Path, files: Sequence[Rel], nested: Iterable[Rel],
                 read: Callable[[Rel], bytes] | None = None) -> tuple[list[ImportRoot], list[ImportRoot]]:
    """The import roots, in search order, of `project` holding `files` (relative to it), and the folders the
    code inserts into `sys.path` that are not among them (see the module docstring); `nested`: folders below it
    holding a packaging file. `read(rel) -> bytes` reads a file for the import scan (default: the file on disk)."""
    inits = {f[:-1] for f in files if f[-1] == "__init__.py"}
    reader = read or (lambda rel: _read_bytes(project.joinpath(*rel)))
    scanned: list[tuple[Rel, set[str], list[Rel]]] = []  # each file, what it imports absolutely, what it inserts
    for f in files:
        data = reader(f)
        scanned.append((f, absolute_imports(data), inserted_folders(data, f)))
    roots = project_roots(project, project, RootKind.PROJECT)
    for folder in sorted(nested):
        if folder and folder not in inits:  # a regular package's folder is never a path entry
            for root in project_roots(project, project.joinpath(*folder), RootKind.NESTED):
                if root not in roots and not (root.rel == folder and _imported_from_parent(folder, scanned)):
                    roots.append(root)
    # a folder configured as a path entry (ruff `src`, pytest `pythonpath`) that is a regular package, or inside
    # one: its modules keep the names the package gives them, and are importable relative to it too (aliases)
    packaged = [r for r in roots if r.rel and not r.prefix and _in_package(r.rel, inits)]
    roots = [r for r in roots if r not in packaged]
    known = _resolved_names(roots, files)
    children, dirs = _tree(files)
    modules = set(files)
    evidenced: set[Rel] = set()
    inserted: set[Rel] = set()
    for f, imported, inserts in scanned:
        inserted.update(folder for folder in inserts if folder in dirs)
        for module in imported:
            top = module.split(".")[0]
            if module in known or top in NEVER_PROJECT or top not in children:
                continue
            parts = module.split(".")
            resolved = max((i for i in range(1, len(parts)) if ".".join(parts[:i]) in known), default=0)
            located = _locate(parts, f, children[top], inits, dirs, modules, resolved)
            if located is not None:
                evidenced.add(located)
    for folder in sorted(evidenced):
        if all(r.rel != folder or r.prefix for r in roots):
            roots.append(ImportRoot(project.joinpath(*folder), RootKind.IMPORTED, (), folder))
    extra = [ImportRoot(project.joinpath(*folder), RootKind.INSERTED, (), folder)
             for folder in sorted(inserted | {r.rel for r in packaged})
             if all(r.rel != folder or r.prefix for r in roots)]
    return roots, extra


def _imported_from_parent(folder: Rel, scanned: Sequence[tuple[Rel, set[str], list[Rel]]]) -> bool:
    """Whether a nested project's folder (its own packaging file) is a package its code imports from the folder
    above it, never a path entry: its files import what it holds through the folder's own name
    (`from shared.models import ...` in `shared/`, which holds `models/`), and nothing it holds by a top-level
    name (`from models import ...`; a project folder `shared/` holding a package `shared/` is a path entry)."""
    n = len(folder)
    inside = [(f, imported) for f, imported, _ in scanned if len(f) > n and f[:n] == folder]
    held = {f[n].removesuffix(".py") for f, _ in inside}
    tops = {module.split(".")[0] for _, imported in inside for module in imported}
    return folder[-1] in tops and folder[-1] not in held and not (tops & held)


def _in_package(folder: Rel, inits: set[Rel]) -> bool:
    """Whether `folder` is a regular package's folder or a folder inside one."""
    return any(folder[:i] in inits for i in range(1, len(folder) + 1))


def _resolved_names(roots: Sequence[ImportRoot], files: Sequence[Rel]) -> set[str]:
    """What `roots` resolve: the files' first names and the packages above them."""
    known: set[str] = set()
    for f in files:
        name = _first_name(roots, f)
        while name and name not in known:
            known.add(name)
            name = name.rpartition(".")[0]
    return known


def _tree(files: Sequence[Rel]) -> tuple[dict[str, set[Rel]], set[Rel]]:
    """Where each name sits as a child folder or module (name -> parent folders), and every folder."""
    children: dict[str, set[Rel]] = {}
    dirs: set[Rel] = set()
    for f in files:
        for i, part in enumerate(f):
            if i < len(f) - 1:
                children.setdefault(part, set()).add(f[:i])
                dirs.add(f[:i + 1])
            elif part.endswith(".py") and part != "__init__.py":
                children.setdefault(part[:-3], set()).add(f[:i])
    return children, dirs


def _locate(parts: list[str], importer: Rel, parents: set[Rel], inits: set[Rel], dirs: set[Rel],
            modules: set[Rel], resolved: int) -> Rel | None:
    """The folder the dotted module `parts` is imported from by `importer`: among the folders holding its
    top-level name (and not inside a regular package: a package's folder is never a path entry), those
    where more of the dotted path exists than the `resolved` first parts the roots already find, and most
    of it; of those the nearest ancestor of the importer, else the only one."""
    best: list[tuple[int, Rel]] = []
    for parent in parents:
        if _in_package(parent, inits):
            continue  # the folder of a regular package or a folder inside one (a namespace portion of it)
        depth, here = 0, parent
        for part in parts:
            if (*here, part) in dirs:
                here, depth = (*here, part), depth + 1
            elif (*here, f"{part}.py") in modules:
                depth += 1
                break
            else:
                break
        best.append((depth, parent))
    if not best:
        return None
    top = max(d for d, _ in best)
    if top <= resolved:
        return None
    candidates = sorted(p for d, p in best if d == top)
    ancestors = [p for p in candidates if len(p) < len(importer) and importer[:len(p)] == p]
    if ancestors:
        return max(ancestors, key=len)
    return candidates[0] if len(candidates) == 1 else None


def _read_bytes(path: Path, limit: int = 1 << 20) -> bytes:
    """The first `limit` bytes of a regular file; nothing for anything else (never blocks on a FIFO)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return b""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        return os.read(fd, limit)
    except OSError:
        return b""
    finally:
        os.close(fd)


def _by_depth(roots: Sequence[ImportRoot]) -> list[ImportRoot]:
    """Deepest first; at equal depth, in search order."""
    order = {root: i for i, root in enumerate(roots)}
    return sorted(roots, key=lambda r: (-len(r.rel), order[r]))


def _first_name(roots: Sequence[ImportRoot], rel: Rel) -> str | None:
    for root in _by_depth(roots):
        name = name_under(root, rel)
        if name is not None:
            return name
    return None


def name_files(files: Sequence[Rel], roots: Sequence[ImportRoot], inserted: Sequence[ImportRoot] = ()) -> Naming:
    """One dotted name per file (see the module docstring), the namespace packages they imply, and the second
    names files have through the `inserted` entries (where no file or namespace package has that name)."""
    order = {root: i for i, root in enumerate(roots)}
    deep = _by_depth(roots)
    candidates: dict[Rel, list[tuple[str, ImportRoot]]] = {}
    for f in files:
        found: list[tuple[str, ImportRoot]] = []
        for root in deep:
            name = name_under(root, f)
            if name is not None and all(name != n for n, _ in found):
                found.append((name, root))
        candidates[f] = found
    position = dict.fromkeys(files, 0)
    while True:
        names, owner = _claim(files, candidates, position, order)
        # `a.b.c` is reachable only through the package `a.b` Python finds: a regular package elsewhere,
        # or a module `a/b.py`, hides this file's folder (namespace portions merge: PEP 420)
        hidden = [f for f, name in names.items() if not _reachable(f, name, candidates[f][position[f]][1], owner)]
        if not hidden:
            break
        for f in hidden:
            position[f] += 1
    for f in sorted(f for f in files if f not in names):
        base = _synthetic(f)
        name, n = base, 1
        while name in owner:
            n += 1
            name = f"{base}_{n}"
        names[f] = name
        owner[name] = f
    namespaces = set()
    for name in owner:
        if name.startswith(UNIMPORTABLE + "."):
            continue
        parts = name.split(".")
        for i in range(1, len(parts)):
            prefix = ".".join(parts[:i])
            if prefix not in owner:
                namespaces.add(prefix)
    return Naming(names=names, namespaces=frozenset(namespaces),
                  aliases=_aliases(files, names, set(owner) | namespaces, inserted))


def _aliases(files: Sequence[Rel], names: dict[Rel, str], taken: set[str],
             inserted: Sequence[ImportRoot]) -> tuple[tuple[str, str], ...]:
    """(second name, name) of the files under the `inserted` entries, for the second names no file or
    namespace package has (`taken`): the first entry inserted that gives one keeps it."""
    aliases: dict[str, str] = {}
    for root in inserted:
        for f in files:
            alias = name_under(root, f)
            if alias is not None and alias not in taken:
                aliases.setdefault(alias, names[f])
    return tuple(sorted(aliases.items()))


def _synthetic(rel: Rel) -> str:
    """A name for a file no import can reach (a folder name that is not an identifier, a module shadowed
    by another): its path, each part made an identifier, under a prefix no real module has."""
    parts = [re.sub(r"\W", "_", p.removesuffix(".py")) or "_" for p in rel]
    parts = [p if p.isidentifier() and not keyword.iskeyword(p) else f"_{p}" for p in parts]
    return ".".join([UNIMPORTABLE, *parts])


def _claim(files: Sequence[Rel], candidates: dict[Rel, list[tuple[str, ImportRoot]]], position: dict[Rel, int],
           order: dict[ImportRoot, int]) -> tuple[dict[Rel, str], dict[str, Rel]]:
    """Each file takes its candidate name at `position` (advanced past names taken by others): when
    several want one, the one Python finds first (root earlier in the search order, then a package
    before a module) keeps it."""
    names: dict[Rel, str] = {}
    owner: dict[str, Rel] = {}
    pending = set(files)
    while pending:
        claims: dict[str, list[Rel]] = {}
        for f in pending:
            if position[f] < len(candidates[f]):
                claims.setdefault(candidates[f][position[f]][0], []).append(f)
        pending = set()
        for name, claimants in sorted(claims.items()):
            if name in owner:  # taken in an earlier round by another file's nearer name
                losers = claimants
            else:
                winner = min(claimants, key=lambda f: (order[candidates[f][position[f]][1]],
                                                       f[-1] != "__init__.py", f))
                owner[name] = winner
                names[winner] = name
                losers = [f for f in claimants if f != winner]
            for f in losers:
                position[f] += 1
                pending.add(f)
    return names, owner


def _reachable(rel: Rel, name: str, root: ImportRoot, owner: dict[str, Rel]) -> bool:
    """Whether every package above module `name` (file `rel`, found under `root`) is the folder the file
    is in: a name owned by another folder's `__init__.py`, or by a module, hides it."""
    parts = name.split(".")
    for i in range(len(root.prefix) + 1, len(parts)):
        holder = owner.get(".".join(parts[:i]))
        if holder is None:
            continue  # a namespace package: its portions merge
        folder = root.rel + rel[len(root.rel):len(root.rel) + i - len(root.prefix)]
        if holder[-1] != "__init__.py" or holder[:-1] != folder:
            return False
    return True


def importable_namespaces(namespaces: Iterable[str], search_paths: Sequence[str]) -> frozenset[str]:
    """The namespace packages an import reaches. A namespace package is found only when no regular
    package or module of that name is on the path (PEP 420): a top-level folder `alembic/` without
    `__init__.py` does not hide the installed `alembic`, nor an `email/` folder the standard library's."""
    import importlib.machinery

    shadowed: dict[str, bool] = {}

    def hidden(top: str) -> bool:
        if top not in shadowed:
            if top in NEVER_PROJECT:
                shadowed[top] = True
            else:
                try:
                    spec = importlib.machinery.PathFinder.find_spec(top, list(search_paths))
                except (ImportError, OSError, ValueError):
                    spec = None
                shadowed[top] = spec is not None and spec.origin is not None and spec.loader is not None
        return shadowed[top]

    names = frozenset(namespaces)
    # only a top-level namespace package is looked up on the path; one inside a regular package (the
    # project's `polar.integrations.plain`) is found through its parent's folder
    return frozenset(n for n in names if n.split(".")[0] not in names or not hidden(n.split(".")[0]))


# ------------------------------------------------------------------------------------ separate programs


def separate_programs(files: Sequence[Rel], nested: Iterable[Rel],
                      read: Callable[[Rel], bytes] | None = None, project: Path | None = None) -> tuple[Rel, ...]:
    """The nested projects (folders below the project holding a packaging file, `nested`) that are programs of
    their own (sorted): each is run with its own folder on `sys.path`, and two of them cannot share one path.
    The evidence is in the code: a nested project's files import, by a top-level name, a package or module
    its own folder holds (`from routes.user_routes import ...` in `user_service/` holding `routes/`), and
    another nested project's files import a package or module of that same name that its own folder holds.
    On one `sys.path` only one of the two is found, so each program means its own. A nested project whose
    code imports what it holds only through its own folder's name (`from shared.models import ...`) is a
    package imported from its parent, never one of these. `files`: every file (relative to the project
    root); `read(rel) -> bytes` reads one (default: the file on disk under `project`). Files are read only
    for the nested projects that hold a top-level name another one holds too."""
    inits = {f[:-1] for f in files if f[-1] == "__init__.py"}
    candidates = sorted(n for n in nested if n and not _in_package(n, inits))
    if len(candidates) < 2:
        return ()
    members: dict[Rel, list[Rel]] = {c: [] for c in candidates}
    tops: dict[Rel, set[str]] = {c: set() for c in candidates}
    for f in files:
        owner = max((c for c in candidates if len(f) > len(c) and f[:len(c)] == c), key=len, default=None)
        if owner is None:
            continue
        members[owner].append(f)
        name = f[len(owner)].removesuffix(".py")
        if name != "__init__" and _valid([name]):
            tops[owner].add(name)
    held: dict[str, int] = {}
    for c in candidates:
        for name in tops[c]:
            held[name] = held.get(name, 0) + 1
    reader = read or (lambda rel: _read_bytes((project or Path()).joinpath(*rel)))
    own: dict[Rel, set[str]] = {}
    for c in candidates:
        wanted = {name for name in tops[c] if held[name] > 1}
        if not wanted:
            continue
        found: set[str] = set()
        for f in members[c]:
            found |= {module.split(".")[0] for module in absolute_imports(reader(f))} & wanted
            if found == wanted:
                break
        if found:
            own[c] = found
    return tuple(c for c in sorted(own) if any(own[c] & own[d] for d in own if d != c))
