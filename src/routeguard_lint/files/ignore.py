"""Which paths discovery skips: `--exclude`/`exclude` patterns, and `.gitignore` files (like ruff and git).

* `Excludes`: a pattern matches a path as the user would write it -- relative to the working directory
  (`app/generated`, `./app/generated`), absolute (`/src/proj/app/generated`), relative to the directory
  being analysed, or as routeguard prints it -- and it matches the file or directory name alone too
  (`*_pb2.py`, `migrations`). A directory pattern skips everything below it. Globs are `fnmatch`'s.
* `GitIgnore`: the `.gitignore` files of the repository (every directory from the repository root down to
  the file, deeper files winning, the last matching line of a file winning, `!` re-includes) and
  `.git/info/exclude`. The patterns are matched by `pathspec`, which implements git's wildmatch rules.
  Without a repository (no `.git`/`.hg` above), the `.gitignore` files inside the analysed directory
  still count. A path given on the command line is analysed even when it is ignored (as in ruff); only
  what is found by walking a directory is filtered.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
from collections.abc import Iterable
from pathlib import Path

REPO_MARKERS = (".git", ".hg")


def repository_root(start: Path) -> Path | None:
    """The nearest directory at or above `start` that holds `.git` or `.hg`."""
    here = Path(os.path.abspath(start))
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        if any((directory / marker).exists() for marker in REPO_MARKERS):
            return directory
    return None


def split_patterns(values: Iterable[str]) -> tuple[str, ...]:
    """`--exclude a,b --exclude c` -> ("a", "b", "c"); empty parts are dropped."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


class Excludes:
    def __init__(self, patterns: Iterable[str], cwd: Path | None = None) -> None:
        self.cwd = Path(os.path.abspath(cwd or Path.cwd()))
        self.relative: list[str] = []
        self.absolute: list[str] = []
        for raw in patterns:
            pattern = raw.strip().replace(os.sep, "/")
            if not pattern:
                continue
            if os.path.isabs(pattern):
                self.absolute.append(Path(os.path.normpath(pattern)).as_posix().rstrip("/") or "/")
                continue
            while pattern.startswith("./"):
                pattern = pattern[2:]
            pattern = pattern.rstrip("/")
            if pattern == ".." or pattern.startswith("../"):  # out of the working directory: a path from it
                self.absolute.append(Path(os.path.normpath(self.cwd / pattern)).as_posix())
            elif pattern and pattern != ".":
                self.relative.append(pattern)

    def __bool__(self) -> bool:
        return bool(self.relative or self.absolute)

    @staticmethod
    def _hit(candidate: str, pattern: str) -> bool:
        return (fnmatch.fnmatchcase(candidate, pattern) or fnmatch.fnmatchcase(candidate, pattern + "/*")
                or candidate.startswith(pattern + "/"))

    def matches(self, path: Path, root: Path) -> bool:
        """`path` (absolute) found while walking `root` (absolute)."""
        absolute = Path(os.path.abspath(path)).as_posix()
        if any(self._hit(absolute, pattern) for pattern in self.absolute):
            return True
        if not self.relative:
            return False
        candidates = {path.name}
        for base in (root, self.cwd):
            with contextlib.suppress(ValueError):  # not under that base
                candidates.add(Path(absolute).relative_to(base).as_posix())
        return any(self._hit(candidate, pattern) for pattern in self.relative for candidate in candidates)


class GitIgnore:
    """The `.gitignore` rules that apply under `root` (a repository root, or an analysed directory)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.abspath(root))
        self._specs: dict[Path, object | None] = {}

    def _spec(self, directory: Path) -> object | None:
        if directory not in self._specs:
            lines: list[str] = []
            sources = [directory / ".gitignore"]
            if directory == self.root:
                sources.insert(0, directory / ".git" / "info" / "exclude")
            for source in sources:
                try:
                    if source.is_file():
                        lines += source.read_text(encoding="utf-8", errors="replace").splitlines()
                except OSError:
                    continue  # an unreadable .gitignore ignores nothing, as in git
            spec = None
            if any(line.strip() and not line.startswith("#") for line in lines):
                from pathspec import GitIgnoreSpec

                spec = GitIgnoreSpec.from_lines(lines)
            self._specs[directory] = spec
        return self._specs[directory]

    def ignored(self, path: Path, is_dir: bool) -> bool:
        absolute = Path(os.path.abspath(path))
        try:
            rel = absolute.relative_to(self.root)
        except ValueError:
            return False
        decision: bool | None = None
        directory = self.root
        parts = rel.parts
        for depth in range(len(parts)):
            spec = self._spec(directory)
            if spec is not None:
                below = "/".join(parts[depth:]) + ("/" if is_dir else "")
                for pattern in spec.patterns:  # type: ignore[attr-defined]
                    if pattern.include is not None and pattern.match_file(below) is not None:
                        decision = bool(pattern.include)
            directory = directory / parts[depth]
        return bool(decision)


class PathFilter:
    """What discovery skips while walking a directory: excludes, then (unless disabled) `.gitignore`."""

    def __init__(self, excludes: Iterable[str] = (), *, gitignore: bool = True, cwd: Path | None = None) -> None:
        self.excludes = Excludes(excludes, cwd)
        self.gitignore = gitignore
        self._ignores: dict[Path, GitIgnore] = {}

    def _ignore_for(self, root: Path) -> GitIgnore:
        if root not in self._ignores:
            self._ignores[root] = GitIgnore(repository_root(root) or root)
        return self._ignores[root]

    def skip(self, path: Path, root: Path, *, is_dir: bool) -> bool:
        if self.excludes and self.excludes.matches(path, root):
            return True
        return self.gitignore and self._ignore_for(root).ignored(path, is_dir)


__all__ = ["Excludes", "GitIgnore", "PathFilter", "repository_root", "split_patterns"]
