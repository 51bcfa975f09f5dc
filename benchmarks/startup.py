"""Start-up time of the commands that only print, and of a warm `check` on a one-file app, side by side for
one or more source trees of routeguard (this checkout, and e.g. an older commit unpacked elsewhere).

    python benchmarks/startup.py                           # this checkout
    python benchmarks/startup.py --tree before=/tmp/old/src --tree after=src --runs 15

Each command runs `--runs` times as `python -m routeguard_lint ...` with the tree's `src` first on
PYTHONPATH (so the same interpreter and dependencies serve every tree); the table gives the median and the
minimum wall time and CPU time (user + system of the child, which a busy machine inflates far less than
wall time). `-X importtime` shows where the rest goes. docs/speed.md ("Startup") publishes the figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
APP = """from fastapi import FastAPI

app = FastAPI()


@app.get("/open")
def open_route():
    return []
"""
COMMANDS: list[tuple[str, list[str]]] = [
    ("--version", ["--version"]),
    ("--help", ["--help"]),
    ("rules", ["rules"]),
    ("explain RG001", ["explain", "RG001"]),
    ("check, warm cache", ["check", "."]),
]


def _once(src: Path, args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "routeguard_lint", *args], cwd=cwd, env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(src: Path, runs: int) -> dict[str, tuple[float, float, float, float]]:
    """Per command: (median wall, min wall, median CPU, min CPU), in seconds."""
    out: dict[str, tuple[float, float, float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "app"
        project.mkdir()
        (project / "main.py").write_text(APP)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]),
               "ROUTEGUARD_CACHE_DIR": str(Path(tmp) / "cache")}
        env.pop("ROUTEGUARD_NO_CACHE", None)
        _once(src, ["check", "."], project, env)  # fills the cache: the timed checks are warm
        for label, args in COMMANDS:
            samples = [_once(src, args, project, env) for _ in range(runs)]
            walls, cpus = [s[0] for s in samples], [s[1] for s in samples]
            out[label] = (statistics.median(walls), min(walls), statistics.median(cpus), min(cpus))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", action="append", default=[], metavar="NAME=SRC",
                        help="a source tree to measure (its src/ folder); default: this checkout")
    parser.add_argument("--runs", type=int, default=11)
    options = parser.parse_args()
    trees = [tuple(t.split("=", 1)) for t in options.tree] or [("this checkout", str(HERE / "src"))]
    results = {name: measure(Path(src).resolve(), options.runs) for name, src in trees}
    print(f"{options.runs} runs each; load average {os.getloadavg()[0]:.1f}; seconds: median (min)\n")
    header = "| command | " + " | ".join(f"{name}: wall | {name}: CPU" for name in results) + " |"
    print(header)
    print("|---" * (1 + 2 * len(results)) + "|")
    for label, _ in COMMANDS:
        cells = []
        for figures in results.values():
            wall, wall_min, cpu, cpu_min = figures[label]
            cells += [f"{wall:.2f} ({wall_min:.2f})", f"{cpu:.2f} ({cpu_min:.2f})"]
        print(f"| `{label}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
