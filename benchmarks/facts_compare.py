"""Whether this build computes the same per-file facts as another one, file by file, and at what cost.

    python benchmarks/facts_compare.py --baseline OLD/src DIR... [--limit N] [--show N]

OLD/src is the `src` folder of another checkout of routeguard (`git worktree add` or `git archive` of the
commit to compare with). Its package is copied under another name into a temporary folder, so both
builds run in this process: every `.py` file under each DIR (virtual environments, `site-packages` and
hidden folders left out) is parsed once by LibCST, when the parsing code of both builds is the same,
and both builds compute its facts (`facts.extract.extract`, what a worker does for a file it must read)
and its placeholder (`facts.extract.skim`) from it. The cache payloads (`facts.cache`'s encoding: the
bytes a worker writes and sends to the parent) must be byte-identical; the files where they differ are
listed. Also printed: the CPU seconds each build spent beyond the shared parse (walking the tree, the
encoding, the placeholder), on the same files in the same process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from types import ModuleType
from typing import Any

SKIP_DIRS = {"node_modules", "site-packages", "__pycache__"}


def _files(root: Path) -> Iterator[Path]:
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS and
                         not (Path(folder, d) / "pyvenv.cfg").exists())
        for name in sorted(names):
            if name.endswith(".py") and os.path.isfile(os.path.join(folder, name)):
                yield Path(folder) / name


def _module(root: Path, path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(p for p in parts if p.isidentifier()) or "root", is_package


def _baseline(src: Path, into: Path) -> str:
    """Copy the package under `src` as `routeguard_baseline` into `into`; its name."""
    name = "routeguard_baseline"
    target = into / name
    shutil.copytree(src / "routeguard_lint", target, ignore=shutil.ignore_patterns("__pycache__"))
    for path in target.rglob("*.py"):
        path.write_text(path.read_text(encoding="utf-8").replace("routeguard_lint", name), encoding="utf-8")
    return name


def _encoder(cache: ModuleType) -> Callable[[Any], bytes]:
    for name in ("encode_payload", "_payload"):
        found = getattr(cache, name, None)
        if found is not None:
            return found
    raise SystemExit(f"{cache.__name__}: no payload encoder")


class _SharedParse:
    """Stands for both builds' `parse_text`: parses each text once, and raises a failure with the class of
    the build that asked (`build`)."""

    def __init__(self, new_source: ModuleType, old_source: ModuleType) -> None:
        self.new_source, self.old_source = new_source, old_source
        self.build = "new"
        self.text: str | None = None
        self.tree: Any = None
        self.failure: Exception | None = None

    def __call__(self, text: str, shape_checked: bool = False) -> Any:
        if self.text != text:
            try:
                self.tree, self.failure = self.new_source.parse_text(text, shape_checked), None
            except Exception as exc:  # both builds' extract() must see it
                self.tree, self.failure = None, exc
            self.text = text
        failure = self.failure
        if failure is None:
            return self.tree
        if isinstance(failure, self.new_source.ParseFailure) and self.build == "old":
            raise self.old_source.ParseFailure(failure.message, failure.line, failure.column)
        raise failure


def _compare(args: argparse.Namespace, name: str) -> int:
    import importlib

    from routeguard_lint.facts import cache as new_cache
    from routeguard_lint.facts import extract as new_extract
    from routeguard_lint.parsing import source as new_source

    old_cache = importlib.import_module(f"{name}.facts.cache")
    old_extract = importlib.import_module(f"{name}.facts.extract")
    old_source = importlib.import_module(f"{name}.parsing.source")
    shared = Path(old_source.__file__ or "").read_bytes().replace(name.encode(), b"routeguard_lint") == \
        Path(new_source.__file__ or "").read_bytes()
    parse = _SharedParse(new_source, old_source)
    if shared:  # one parse per file for both builds
        old_extract.parse_text = new_extract.parse_text = parse  # type: ignore[attr-defined]
    builds = {"old": (old_extract, _encoder(old_cache)), "new": (new_extract, _encoder(new_cache))}
    spent = {"old": 0.0, "new": 0.0, "parse": 0.0}
    files = differ = 0
    for root in args.dirs:
        for path in _files(root):
            if args.limit and files >= args.limit:
                break
            data = path.read_bytes()
            module, is_package = _module(root, path)
            display = str(path.relative_to(root))
            if shared:  # the parse on its own clock, so that neither build is charged for it
                started = time.process_time()
                parse.build = "new"
                with suppress(Exception), new_source.no_gc():
                    parse(new_source.decode(data))
                spent["parse"] += time.process_time() - started
            payloads = {}
            for build, (extract, encode) in builds.items():
                parse.build = build
                started = time.process_time()
                facts = extract.extract(data, display, module, is_package)
                stub = extract.skim(data, display, module, is_package)
                payloads[build] = (encode(facts), encode(stub) if stub is not None else None)
                spent[build] += time.process_time() - started
            files += 1
            if payloads["old"] != payloads["new"]:
                differ += 1
                if differ <= args.show:
                    print(f"differs: {path}", flush=True)
    print(f"{files} files, {differ} with different facts; CPU beyond the parse: baseline "
          f"{spent['old']:.2f} s, this build {spent['new']:.2f} s "
          f"({'one shared parse: ' + format(spent['parse'], '.2f') + ' s' if shared else 'each parses'})")
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the src folder of the other build")
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--limit", type=int, default=0, help="stop after N files (0: all)")
    parser.add_argument("--show", type=int, default=20, help="list at most N differing files")
    args = parser.parse_args(argv)
    temp = Path(tempfile.mkdtemp(prefix="routeguard-compare-"))
    try:
        name = _baseline(args.baseline, temp)
        sys.path.insert(0, str(temp))
        return _compare(args, name)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
