"""Demand-driven parsing against the full mode, on real applications: the outputs must be identical.

    python benchmarks/demand_check.py DIR [DIR ...]

For each directory, runs `routeguard check --format json` and `routeguard routes --format json` twice
(no cache), once with `ROUTEGUARD_PARSE=all` (every file parsed before the project-wide stages) and once
in the default demand-driven mode, and compares the outputs byte for byte. Prints the wall time of both
and exits 1 on any difference. docs/speed.md records the results for the apps benchmarks/README.md names.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
import time
from pathlib import Path


def run(args: list[str], mode: str, cwd: Path) -> tuple[bytes, float, int]:
    env = {**os.environ, "ROUTEGUARD_PARSE": mode, "ROUTEGUARD_NO_CACHE": "1"}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "routeguard_lint", *args], cwd=cwd, env=env,
                          capture_output=True)
    return proc.stdout, time.perf_counter() - start, proc.returncode


def main(argv: list[str]) -> int:
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
