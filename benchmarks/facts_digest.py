"""Per-file digests of the facts the extractor computes, to show that a change to it changes no output.

    python benchmarks/facts_digest.py DIR... [--out FILE] [--profile N] [--time]

Runs `facts.extract.extract` (the full parse, as a worker does for a file it must read) and
`facts.extract.skim` (the placeholder) on every `.py` file under each DIR, in this process, and prints
one line per file: the SHA-256 of the cache payload (`facts.cache`'s encoding, the bytes a worker writes
and sends) of each, and the path. Run it with two builds (e.g. `PYTHONPATH=OLD/src python ...` and the
current one) and `diff` the outputs: any difference is a changed fact. `--time` prints the CPU seconds
of extraction, of the encoding and of the whole to stderr; `--profile N` runs under cProfile and prints
the N functions with the largest own time to stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import pstats
import sys
import time
from collections.abc import Iterator
from pathlib import Path


def _files(root: Path) -> Iterator[Path]:
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.endswith(".py"):
                yield Path(folder) / name


def _module(root: Path, path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(p for p in parts if p.isidentifier()) or "root", is_package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--time", action="store_true")
    args = parser.parse_args(argv)

    from routeguard_lint.facts import cache
    from routeguard_lint.facts.extract import extract, skim

    encode = getattr(cache, "encode_payload", None) or cache._payload  # type: ignore[attr-defined]
    out = args.out.open("w") if args.out else sys.stdout
    spent = {"extract": 0.0, "encode": 0.0}
    profiler = cProfile.Profile() if args.profile else None
    started = time.process_time()
    if profiler is not None:
        profiler.enable()
    for root in args.dirs:
        for path in _files(root):
            data = path.read_bytes()
            module, is_package = _module(root, path)
            display = str(path.relative_to(root))
            t0 = time.process_time()
            facts = extract(data, display, module, is_package)
            t1 = time.process_time()
            full = hashlib.sha256(encode(facts)).hexdigest()[:16]
            t2 = time.process_time()
            stub = skim(data, display, module, is_package)
            short = hashlib.sha256(encode(stub)).hexdigest()[:16] if stub is not None else "-"
            spent["extract"] += t1 - t0
            spent["encode"] += t2 - t1
            out.write(f"{full} {short} {path}\n")
    if profiler is not None:
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(args.profile)
    if args.time:
        total = time.process_time() - started
        sys.stderr.write(f"extract {spent['extract']:.2f} s, encode {spent['encode']:.2f} s, "
                         f"all {total:.2f} s CPU\n")
    if args.out:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
