"""Demand-driven parsing against the full mode, on real applications: the outputs must be identical.

    python benchmarks/demand_check.py DIR [DIR ...]

For each directory, runs `routeguard check --format json` and `routeguard routes --format json` twice
(no cache), once with `ROUTEGUARD_PARSE=all` (every file parsed before the project-wide stages) and once
in the default demand-driven mode, and compares the outputs byte for byte. Prints the wall time of both
and exits 1 on any difference. docs/speed.md records the results for the apps benchmarks/README.md names.

    python benchmarks/demand_check.py --incremental DIR [DIR ...]

checks the whole-result cache instead (facts/results.py): in a copy of each directory, `check --format json`
with an empty cache, then an edit of every file that run never read (a new line with new names appended),
then `check` again with that cache; its output must be byte for byte that of `ROUTEGUARD_PARSE=all` without
a cache on the edited copy. Prints how many files were edited and whether the second run reused the result.

    python benchmarks/demand_check.py --warm DIR [DIR ...]

compares a warm run with the full mode: `routes --format json` with an empty facts cache, then again with
it (the cache now holds full facts for the files the first run parsed on demand, so the second run starts
from another set of parsed files), each against `ROUTEGUARD_PARSE=all` without a cache.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(args: list[str], mode: str, cwd: Path) -> tuple[bytes, float, int]:
    env = {**os.environ, "ROUTEGUARD_PARSE": mode, "ROUTEGUARD_NO_CACHE": "1"}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "routeguard_lint", *args], cwd=cwd, env=env,
                          capture_output=True)
    return proc.stdout, time.perf_counter() - start, proc.returncode


def incremental(target: str) -> bool:
    """The result cache after edits of the files a run never read, against the full mode: same bytes?"""
    from routeguard_lint.facts import results

    source = Path(target).resolve()
    with tempfile.TemporaryDirectory(prefix="rg-incremental-") as tmp:
        copy = Path(tmp) / source.name
        shutil.copytree(source, copy, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", ".git", "node_modules"))
        store = Path(tmp) / "cache"
        command = ["check", copy.name, "--format", "json"]
        env = {**os.environ, "ROUTEGUARD_CACHE_DIR": str(store), "ROUTEGUARD_PARSE": "demand"}
        env.pop("ROUTEGUARD_NO_CACHE", None)
        subprocess.run([sys.executable, "-m", "routeguard_lint", *command], cwd=copy.parent, env=env,
                       capture_output=True, check=False)
        (entry_path,) = (store / results.FOLDER).iterdir()
        entry = results.load(store, entry_path.name)
        assert entry is not None
        for i, display in enumerate(entry.unread):
            with open(copy.parent / display, "a", encoding="utf-8") as handle:
                handle.write(f"\nedited_{i} = helper_{i}(1)  # a new name\n")
        def facts_entries() -> int:  # an analysis writes the facts of the edited files; a reused result, none
            return sum(1 for p in store.glob("*/*") if p.parent.name != results.FOLDER)

        before = facts_entries()
        start = time.perf_counter()
        cached = subprocess.run([sys.executable, "-m", "routeguard_lint", *command], cwd=copy.parent, env=env,
                                capture_output=True, check=False)
        t_cached = time.perf_counter() - start
        reused = facts_entries() == before
        full, t_full, rc_full = run([*command, "--no-cache"], "all", copy.parent)
        same = cached.stdout == full and cached.returncode == rc_full
        print(f"{target} check after editing the {len(entry.unread)} files the run never read: "
              f"{'identical' if same else 'DIFFERENT'} to the full mode (cached {t_cached:.1f} s, "
              f"{'result reused' if reused else 'analysed again'}; full {t_full:.1f} s)")
        return same


def warm(target: str) -> bool:
    """A cold and a warm demand-driven run against the full mode: same bytes?"""
    path = Path(target).resolve()
    command = ["routes", path.name, "--format", "json"]
    full, t_full, rc_full = run([*command, "--no-cache"], "all", path.parent)
    same = True
    with tempfile.TemporaryDirectory(prefix="rg-warm-") as tmp:
        env = {**os.environ, "ROUTEGUARD_CACHE_DIR": tmp, "ROUTEGUARD_PARSE": "demand"}
        env.pop("ROUTEGUARD_NO_CACHE", None)
        for label in ("cold", "warm"):
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "routeguard_lint", *command], cwd=path.parent, env=env,
                                  capture_output=True, check=False)
            elapsed = time.perf_counter() - start
            ok = proc.stdout == full and proc.returncode == rc_full
            same &= ok
            print(f"{target} routes, {label} cache: {'identical' if ok else 'DIFFERENT'} to the full mode "
                  f"({elapsed:.1f} s; full {t_full:.1f} s)")
    return same


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--warm":
        return 0 if all([warm(target) for target in argv[1:] or ["."]]) else 1
    if argv and argv[0] == "--incremental":
        return 0 if all([incremental(target) for target in argv[1:] or ["."]]) else 1
    failed = False
    for target in argv or ["."]:
        path = Path(target).resolve()
        # run from the parent so displayed paths are stable and short
        for command in (["check", path.name, "--format", "json", "--no-cache"],
                        ["routes", path.name, "--format", "json", "--no-cache"]):
            full, t_full, rc_full = run(command, "all", path.parent)
            lazy, t_lazy, rc_lazy = run(command, "demand", path.parent)
            same = full == lazy and rc_full == rc_lazy
            failed |= not same
            print(f"{target} {command[0]}: {'identical' if same else 'DIFFERENT'} "
                  f"(full {t_full:.1f} s, demand-driven {t_lazy:.1f} s, {len(full):,} bytes, exit {rc_full})")
            if not same:
                diff = difflib.unified_diff(full.decode(errors="replace").splitlines(),
                                            lazy.decode(errors="replace").splitlines(), "full", "demand", lineterm="")
                print("\n".join(list(diff)[:80]))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
