#!/usr/bin/env python
"""Print the module name routeguard gives every file of a project, and check that no two share one.

Usage::

    python benchmarks/module_names.py PATH [PATH ...] [--tests] [--quiet]

Prints the project root and import roots, then `module<TAB>file` per file (files under the given paths
marked `*`), and exits 1 when a name is given to two files, or when Python's own path finder
(`importlib.machinery.PathFinder`, which searches without importing anything), given the import roots as
`sys.path`, finds another file (or none) for a name. `--tests` includes test code.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import time
from collections import Counter
from pathlib import Path

from routeguard_lint.files.discovery import discover_project
from routeguard_lint.files.layout import UNIMPORTABLE


def python_finds(name: str, path: list[str]) -> str | None:
    """The file Python's import system finds for dotted `name` with `path` as sys.path, searched with
    importlib's own FileFinder (nothing is imported): a regular package or module in the first location
    holding one, namespace portions merged (PEP 420)."""
    locations = list(path)
    origin: str | None = None
    parts = name.split(".")
    for i in range(len(parts)):
        fullname = ".".join(parts[:i + 1])
        portions: list[str] = []
        origin = None
        for location in locations:
            finder = importlib.machinery.FileFinder(
                location, (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES))
            spec = finder.find_spec(fullname)
            if spec is None:
                continue
            if spec.loader is not None:
                origin = spec.origin
                portions = list(spec.submodule_search_locations or [])
                break
            portions.extend(spec.submodule_search_locations or [])
        if origin is None and not portions:
            return None
        locations = portions
    return origin


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("--")]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    start = time.perf_counter()
    project = discover_project([Path(a) for a in args], include_tests="--tests" in argv)
    elapsed = time.perf_counter() - start
    print(f"# project root: {project.root}")
    for root in project.roots:
        prefix = f" (as {'.'.join(root.prefix)})" if root.prefix else ""
        print(f"# import root: {root.path} [{root.kind.name.lower()}]{prefix}")
    if "--quiet" not in argv:
        for f in project.files:
            print(f"{f.module}\t{f.display}{'  *' if f.reported else ''}")
    counts = Counter(f.module for f in project.files if f.error is None)
    shared = {name: n for name, n in counts.items() if n > 1}
    print(f"# {len(project.files)} files, {len(project.namespaces)} namespace packages, "
          f"{sum(f.reported for f in project.files)} reported, discovery {elapsed * 1000:.0f} ms")
    path = [str(r.path) for r in project.roots if not r.prefix]
    wrong = 0
    for f in project.files:
        if f.error is not None or f.module.startswith(UNIMPORTABLE) or \
                any(r.prefix and f.path.is_relative_to(r.path) for r in project.roots):
            continue
        found = python_finds(f.module, path)
        if found is None or os.path.realpath(found) != os.path.realpath(f.path):
            wrong += 1
            print(f"# PYTHON FINDS {found} FOR {f.module} ({f.display})")
    print(f"# {wrong} names Python resolves to another file")
    for name in sorted(shared):
        print(f"# SHARED NAME {name}: " + ", ".join(f.display for f in project.files if f.module == name))
    return 1 if shared or wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
