"""Source of installed libraries, read (never imported) when a route depends on them.

`fastapi_users.current_user(active=True)` or `app.include_router(auth_lib.get_auth_router(...))` name code
outside the project. When that code's source is installed — in the environment routeguard runs in, or in a
virtualenv inside the analysed directory (`.venv/`, `venv/`) — the index reads those modules the same way
it reads the project's, lazily and within bounds: only modules something actually refers to, at most
`max_modules` of them, one module file per name, each parsed once. Nothing is imported: top-level packages are
located with `importlib.machinery.PathFinder.find_spec` (which only searches the path) and submodules by
walking the package's own search locations, so no package `__init__` runs.

The standard library and FastAPI's own stack (fastapi, starlette, pydantic) are never read: their names are
what the analysis recognises as such.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from routeguard_lint.facts.extract import ModuleFacts, extract
from routeguard_lint.parsing.source import ParseFailure, read_source

FRAMEWORK = frozenset({"fastapi", "starlette", "pydantic", "pydantic_core", "typing_extensions", "annotated_types",
                       "anyio", "sniffio", "uvicorn", "builtins", "__future__"})
MAX_MODULES = 80
MAX_BYTES = 400_000  # a larger module is generated code or data, not a dependency worth reading


def project_site_packages(paths: list[Path], environ: Mapping[str, str] | None = None) -> list[str]:
    """Where the analysed project's own dependencies are: the virtualenv `$VIRTUAL_ENV` names (the one
    activated when routeguard runs from elsewhere, e.g. pipx), and virtualenvs directly inside the analysed
    directories (`.venv`, `venv`, `env`)."""
    out: list[str] = []
    active = (environ if environ is not None else os.environ).get("VIRTUAL_ENV")
    envs = [Path(active)] if active else []
    for root in paths:
        base = root if root.is_dir() else root.parent
        envs += [base / name for name in (".venv", "venv", "env", ".env")]
    for env in envs:
        if not (env / "pyvenv.cfg").is_file():
            continue
        for site in sorted(env.glob("lib/python*/site-packages")) + sorted(env.glob("Lib/site-packages")):
            if site.is_dir() and str(site) not in out:
                out.append(str(site))
    return out


class LibraryLoader:
    def __init__(self, search_paths: list[str] | None = None, max_modules: int = MAX_MODULES):
        self.search_paths = list(search_paths) if search_paths is not None else [p for p in sys.path if p]
        self.max_modules = max_modules
        self.loaded: dict[str, ModuleFacts | None] = {}
        self.paths: set[str] = set()  # display paths of the modules read
        # every module looked for on the path: (file, is a package, SHA-256 of its bytes or why it could not
        # be read), or None when none was found; a stored result stays valid only while each answer does
        # (facts/results.py)
        self.lookups: dict[str, tuple[str, bool, str] | None] = {}

    def allowed(self, name: str) -> bool:
        top = name.split(".")[0]
        return bool(top) and top not in FRAMEWORK and top not in sys.stdlib_module_names

    def load(self, name: str) -> ModuleFacts | None:
        if name in self.loaded:
            return self.loaded[name]
        facts = None
        if self.allowed(name) and sum(1 for f in self.loaded.values() if f is not None) < self.max_modules:
            found = self.locate(name)
            self.lookups[name] = None
            if found is not None:
                path, is_package = found
                try:
                    data = read_source(path)  # a regular file only: never blocks on a FIFO
                    self.lookups[name] = (str(path), is_package, hashlib.sha256(data).hexdigest())
                except ParseFailure as exc:
                    data = b""
                    self.lookups[name] = (str(path), is_package, f"! {exc.message}")
                if data and len(data) <= MAX_BYTES:
                    facts = extract(data, str(path), name, is_package)
                    if facts.error:
                        facts = None
        self.loaded[name] = facts
        if facts is not None:
            self.paths.add(facts.path)
        return facts

    def locate(self, name: str) -> tuple[Path, bool] | None:
        """The source file of module `name` and whether it is a package, without importing anything."""
        parts = name.split(".")
        try:
            spec = importlib.machinery.PathFinder.find_spec(parts[0], self.search_paths)
        except (ImportError, ValueError, OSError):
            return None
        if spec is None:
            return None
        locations = list(spec.submodule_search_locations or [])
        origin = spec.origin if spec.origin and spec.origin.endswith(".py") else None
        is_package = bool(locations)
        for part in parts[1:]:
            found: tuple[str | None, list[str], bool] | None = None  # (file, search locations, is a package)
            for loc in locations:
                pkg = Path(loc) / part
                if (pkg / "__init__.py").is_file():
                    found = (str(pkg / "__init__.py"), [str(pkg)], True)
                    break
                if (Path(loc) / f"{part}.py").is_file():
                    found = (str(Path(loc) / f"{part}.py"), [], False)
                    break
                if pkg.is_dir():  # a namespace package
                    found = (None, [str(pkg)], True)
                    break
            if found is None:
                return None
            origin, locations, is_package = found
        return (Path(origin), is_package) if origin else None
