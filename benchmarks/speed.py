"""routeguard against ruff (and bandit), side by side in one invocation: cold, warm, one file, memory, scale.

    python benchmarks/speed.py                       # the speed corpus and the mid-size app
    python benchmarks/speed.py --quick               # the mid-size app only (a minute or two)
    python benchmarks/speed.py --routeguard /path/to/other/venv/bin/routeguard   # e.g. a "before" build
    python benchmarks/speed.py --targets dispatch --baseline-venv /path/to/venv-of-v0.2.0   # side by side
    python benchmarks/speed.py --json > figures.json

Targets (checkouts outside the repository; benchmarks/README.md says how to get them; `ROUTEGUARD_EXT`
moves their root, default /work/ext):

    dispatch   <ext>/dispatch          Netflix/dispatch, the whole checkout
    polar      <ext>/polar/server      polarsource/polar, its server/ directory
    prefect    <ext>/prefect/src       PrefectHQ/prefect, its src/ directory
    combined   the three above in one run
    mealie     <ext>/mealie/mealie     the mid-size app (mealie-recipes/mealie's package)

Measures, every command in a fresh process (wall time, CPU of the process tree, largest resident set):

* cold: `routeguard check TARGET --format json` with an empty cache directory (`ROUTEGUARD_CACHE_DIR`);
* warm: the same again, nothing changed;
* ruff: `ruff check --isolated --no-cache --select ALL --exit-zero TARGET`, the reference for cold;
* bandit: `bandit -r -q -f json TARGET` (polar and the mid-size app only: it takes minutes);
* one file: in a copy of polar (about 2,000 files) with a warm cache, one file changed (a route module: a
  comment appended, then a statement inserted on its first line; a module without "fastapi" in it; then a
  module no other file names and that nothing routeguard scans for is in), reported as seconds over
  interpreter start (`python -c pass`);
* startup: `routeguard --version`, `rules`, `explain RG001`, median of several runs;
* with `--baseline-venv VENV`: the cold and warm runs also with VENV's routeguard (e.g. a release installed
  with `pip install routeguard==0.2.0` or from a git tag), each right beside the same run of this one, so
  that both see the same load; a second table gives the ratios.

Timings are medians of `--repeat` runs (default 1 for the corpus: each cold run takes minutes on 2 cores).
The machine's load is printed with the table: on a shared machine, compare figures from the same run.
Nothing is fetched; a missing target is reported and skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

EXT = Path(os.environ.get("ROUTEGUARD_EXT", "/work/ext"))
CORPUS = {"dispatch": [EXT / "dispatch"], "polar": [EXT / "polar" / "server"], "prefect": [EXT / "prefect" / "src"]}
APP = {"mealie": [EXT / "mealie" / "mealie"]}
BANDIT_TARGETS = ("polar", "mealie")
SKIP_PARTS = {".venv", "venv", "node_modules", "__pycache__", ".git"}

# Runs a command and reports its wall time, the CPU time of the whole process tree and the largest
# resident set among the processes it waited for (the main process or one worker).
MEASURE = textwrap.dedent("""
    import json, os, resource, subprocess, sys, time
    cmd, env = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **env})
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = {}
    try:  # `check --format json`: what the run found, to compare runs by more than their time
        report = json.loads(out)
        summary = {"routes": report["summary"]["routes"]["total"], "findings": report["summary"]["findings"],
                   "rg000": report["summary"]["by_rule"].get("RG000", 0)}
    except (ValueError, KeyError, TypeError):
        pass
    print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024,
                      "rc": proc.returncode, "err": err.decode(errors="replace")[-400:], **summary}))
""")


def tool(name: str, explicit: str | None = None) -> str | None:
    if explicit:
        return explicit
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else shutil.which(name)


def measure(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", MEASURE, json.dumps(cmd), json.dumps(env or {})],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def median_of(runs: list[dict]) -> dict:
    out = dict(runs[len(runs) // 2])
    for key in ("wall", "cpu", "rss_mib"):
        out[key] = statistics.median(r[key] for r in runs)
    out["runs"] = len(runs)
    return out


def size(paths: list[Path]) -> tuple[int, int]:
    files = lines = 0
    for root in paths:
        for path in root.rglob("*.py"):
            if SKIP_PARTS.intersection(path.parts):
                continue
            files += 1
            with contextlib.suppress(OSError):
                lines += path.read_bytes().count(b"\n")
    return files, lines


def routeguard_cmd(rg: str, paths: list[Path]) -> list[str]:
    return [rg, "check", *map(str, paths), "--format", "json"]


def bench_target(name: str, paths: list[Path], rg: str, ruff: str | None, bandit: str | None, repeat: int,
                 tmp: Path, baseline: str | None = None, bandit_targets: tuple[str, ...] = BANDIT_TARGETS) -> dict:
    files, lines = size(paths)
    row: dict = {"target": name, "files": files, "lines": lines}
    runs: dict[str, list[dict]] = {"cold": [], "warm": [], "base_cold": [], "base_warm": []}
    for i in range(repeat):
        for prefix, exe in (("", rg), ("base_", baseline)):
            if exe is None:
                continue
            cache = tmp / f"cache-{name}-{prefix}{i}"
            runs[prefix + "cold"].append(measure(routeguard_cmd(exe, paths), {"ROUTEGUARD_CACHE_DIR": str(cache)}))
            runs[prefix + "warm"].append(measure(routeguard_cmd(exe, paths), {"ROUTEGUARD_CACHE_DIR": str(cache)}))
            shutil.rmtree(cache, ignore_errors=True)
    for key, measured in runs.items():
        if measured:
            row[key] = median_of(measured)
    if ruff:
        row["ruff"] = median_of([measure([ruff, "check", "--isolated", "--no-cache", "--select", "ALL",
                                          "--exit-zero", "--output-format", "concise", *map(str, paths)])
                                 for _ in range(repeat)])
    if bandit and name in bandit_targets:
        row["bandit"] = measure([bandit, "-r", "-q", "-f", "json", *map(str, paths)])
    return row


def interpreter_start(repeat: int = 7) -> float:
    return statistics.median(measure([sys.executable, "-c", "pass"])["wall"] for _ in range(repeat))


def one_file(rg: str, source: Path, tmp: Path, repeat: int) -> dict | None:
    """A warm cache, then one changed file: the pre-commit case."""
    if not source.is_dir():
        return None
    copy = tmp / "one-file" / source.name
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", ".git", "node_modules"))
    files = sorted(p for p in copy.rglob("*.py") if not SKIP_PARTS.intersection(p.parts))
    route_file = next((p for p in files if b"APIRouter(" in p.read_bytes()), files[0])
    plain = next((p for p in files if p.name != "__init__.py" and b"fastapi" not in p.read_bytes()
                  and b"import" in p.read_bytes()), files[-1])
    texts = {p: p.read_bytes() for p in files}
    try:  # a module nothing else names, that the demand-driven mode leaves unparsed
        from routeguard_lint.parsing.relevance import relevant
    except ImportError:
        def relevant(data: bytes) -> bool:
            return True
    unnamed = next((p for p in files if p.name != "__init__.py" and not relevant(texts[p]) and
                    not any(p.stem.encode() in text for q, text in texts.items() if q != p)), None)
    env = {"ROUTEGUARD_CACHE_DIR": str(tmp / "cache-one-file")}
    measure(routeguard_cmd(rg, [copy]), env)  # fill the cache
    out: dict = {"files": len(files), "route_file": str(route_file.relative_to(copy)),
                 "plain_file": str(plain.relative_to(copy)),
                 "unnamed_file": str(unnamed.relative_to(copy)) if unnamed else None}
    for label, target in (("route", route_file), ("route_code", route_file), ("plain", plain),
                          ("unnamed", unnamed)):
        if target is None:
            continue
        runs = []
        for i in range(repeat):
            if label == "route_code":  # code, not a comment: a statement on top, every line below it moves
                target.write_bytes(f"EDITED_{i} = {i}\n".encode() + target.read_bytes())
            else:
                with target.open("a", encoding="utf-8") as handle:
                    handle.write(f"\n# edited {label} {i}\n")
            runs.append(measure(routeguard_cmd(rg, [copy]), env))
        out[label] = median_of(runs)
    out["unchanged"] = median_of([measure(routeguard_cmd(rg, [copy]), env) for _ in range(repeat)])
    return out


def startup(rg: str, repeat: int) -> dict:
    out = {}
    for label, args in (("--version", ["--version"]), ("rules", ["rules"]), ("explain", ["explain", "RG001"])):
        out[label] = median_of([measure([rg, *args]) for _ in range(repeat)])
    out["python -c pass"] = median_of([measure([sys.executable, "-c", "pass"]) for _ in range(repeat)])
    return out


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def report(figures: dict) -> str:
    lines = [f"routeguard: {figures['routeguard']}  ruff: {figures['ruff']}  bandit: {figures['bandit']}",
             f"cores: {os.cpu_count()}  load average before/after: {figures['load_before']} / "
             f"{figures['load_after']}", ""]
    lines.append("| target | files | lines | cold s | warm s | ruff ALL s | bandit s | cold / ruff "
                 "| cold / bandit | warm / cold | peak RSS MiB | cold us/line |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    lines.append("| | | | wall (CPU) | wall (CPU) | wall (CPU) | wall (CPU) | wall (CPU) | wall (CPU) "
                 "| wall (CPU) | | wall (CPU) |")
    for row in figures["targets"]:
        cold, warm, ruff, bandit = row["cold"], row["warm"], row.get("ruff"), row.get("bandit")

        def pair(fig: dict | None, digits: int = 1) -> str:
            return f"{fig['wall']:.{digits}f} ({fig['cpu']:.{digits}f})" if fig else "-"

        def ratios(a: dict | None, b: dict | None) -> str:
            return f"{ratio(a['wall'], b['wall'])} ({ratio(a['cpu'], b['cpu'])})" if a and b else "-"

        per_line = f"{1e6 * cold['wall'] / max(row['lines'], 1):.0f} ({1e6 * cold['cpu'] / max(row['lines'], 1):.0f})"
        lines.append(
            f"| {row['target']} | {row['files']:,} | {row['lines']:,} | {pair(cold)} | {pair(warm, 2)} "
            f"| {pair(ruff)} | {pair(bandit)} | {ratios(cold, ruff)} | {ratios(cold, bandit)} "
            f"| {ratios(warm, cold)} | {max(cold['rss_mib'], warm['rss_mib']):.0f} | {per_line} |")
    found = [f"{row['target']} {row['cold']['routes']:,} routes, {row['cold']['findings']:,} findings "
             f"({row['cold']['rg000']} RG000)" for row in figures["targets"] if "routes" in row["cold"]]
    if found:
        lines += ["", "found by the cold runs: " + "; ".join(found)]
        differ = [row["target"] for row in figures["targets"]
                  if row["warm"].get("routes") != row["cold"].get("routes") or
                  row["warm"].get("findings") != row["cold"].get("findings")]
        if differ:
            lines.append(f"!! warm and cold runs found different routes or findings: {', '.join(differ)}")
    one = figures.get("one_file")
    if one:
        start = figures["interpreter_start"]
        lines += ["", f"one file changed in a copy of polar ({one['files']:,} files, warm cache; interpreter start "
                      f"{start:.3f} s):"]
        for label in ("route", "route_code", "plain", "unnamed", "unchanged"):
            fig = one.get(label)
            if fig is None:
                continue
            what = {"route": f"a route module ({one['route_file']}), a comment appended",
                    "route_code": "the same route module, a statement inserted on its first line",
                    "plain": f"a plain module ({one['plain_file']})",
                    "unnamed": f"a module no other file names ({one.get('unnamed_file')})",
                    "unchanged": "nothing changed"}[label]
            lines.append(f"  {what}: {fig['wall']:.2f} s wall ({fig['wall'] - start:.2f} s over interpreter start), "
                         f"{fig['cpu']:.2f} s CPU, {fig['rss_mib']:.0f} MiB")
    if figures.get("startup"):
        lines += ["", "startup (median wall / CPU):"]
        for label, fig in figures["startup"].items():
            lines.append(f"  {label}: {fig['wall']:.3f} s / {fig['cpu']:.3f} s")
    based = [row for row in figures["targets"] if row.get("base_cold")]
    if based:
        lines += ["", f"beside the baseline {figures.get('baseline')} (each of its runs right before the same run "
                      f"of this build):", "",
                  "| target | cold, baseline | cold, this build | this / baseline | warm, baseline "
                  "| warm, this build | this / baseline | peak RSS MiB, baseline / this build |",
                  "|---|---|---|---|---|---|---|---|"]
        for row in based:
            def fig(f: dict) -> str:
                return f"{f['wall']:.2f} s ({f['cpu']:.2f} s CPU)"

            base_rss = max(row["base_cold"]["rss_mib"], row["base_warm"]["rss_mib"])
            rss = max(row["cold"]["rss_mib"], row["warm"]["rss_mib"])
            lines.append(
                f"| {row['target']} | {fig(row['base_cold'])} | {fig(row['cold'])} "
                f"| {ratio(row['cold']['wall'], row['base_cold']['wall'])} "
                f"({ratio(row['cold']['cpu'], row['base_cold']['cpu'])}) | {fig(row['base_warm'])} "
                f"| {fig(row['warm'])} | {ratio(row['warm']['wall'], row['base_warm']['wall'])} "
                f"({ratio(row['warm']['cpu'], row['base_warm']['cpu'])}) | {base_rss:.0f} / {rss:.0f} |")
    failures = [(row["target"], key, row[key]["rc"], row[key]["err"]) for row in figures["targets"]
                for key in ("cold", "warm", "base_cold", "base_warm") if key in row and row[key]["rc"] not in (0, 1)]
    for target, key, rc, err in failures:
        lines.append(f"!! {target} {key}: exit {rc}: {err}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--routeguard", help="routeguard executable (default: the one beside this Python)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the median is shown")
    parser.add_argument("--quick", action="store_true", help="the mid-size app only, no one-file run")
    parser.add_argument("--targets", help="comma-separated subset of dispatch,polar,prefect,combined,mealie")
    parser.add_argument("--no-bandit", action="store_true")
    parser.add_argument("--bandit-targets", default=",".join(BANDIT_TARGETS),
                        help=f"targets bandit runs on (default: {','.join(BANDIT_TARGETS)}; it takes minutes)")
    parser.add_argument("--baseline-venv", type=Path, metavar="VENV",
                        help="also run VENV/bin/routeguard (cold and warm), beside each run of this build")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up measurements")
    parser.add_argument("--no-one-file", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    parser.add_argument("--out", type=Path, help="also write the raw figures there after every measurement "
                                                 "(a long run interrupted keeps what it measured)")
    parser.add_argument("--one-file-repeat", type=int, default=3, help="runs per one-file measurement (median)")
    parser.add_argument("--one-file-after", default="polar",
                        help="run the one-file measurement after this target (default: polar)")
    args = parser.parse_args()

    rg = tool("routeguard", args.routeguard)
    if rg is None:
        print("routeguard is not installed", file=sys.stderr)
        return 2
    ruff = tool("ruff")
    bandit = None if args.no_bandit else tool("bandit")
    targets: dict[str, list[Path]] = {} if args.quick else dict(CORPUS)
    if not args.quick:
        targets["combined"] = [p for paths in CORPUS.values() for p in paths]
    targets.update(APP)
    if args.targets:
        wanted = set(args.targets.split(","))
        targets = {k: v for k, v in targets.items() if k in wanted}
    missing = [name for name, paths in targets.items() if not all(p.is_dir() for p in paths)]
    for name in missing:
        print(f"skipping {name}: not found ({', '.join(map(str, targets[name]))}); see benchmarks/README.md",
              file=sys.stderr)
    baseline = None
    if args.baseline_venv is not None:
        baseline = str(args.baseline_venv / ("Scripts" if os.name == "nt" else "bin") / "routeguard")
        if not Path(baseline).exists():
            print(f"no routeguard in {args.baseline_venv}", file=sys.stderr)
            return 2
    figures: dict = {"routeguard": rg, "ruff": ruff, "bandit": bandit, "baseline": baseline, "targets": [],
                     "load_before": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    tmp = Path(tempfile.mkdtemp(prefix="routeguard-speed-"))
    try:
        figures["interpreter_start"] = interpreter_start()
        figures["startup"] = {} if args.no_startup else startup(rg, 7)
        def save() -> None:
            figures["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
            if args.out:
                args.out.write_text(json.dumps(figures, indent=2))

        one_file_due = not args.quick and not args.no_one_file
        for name, paths in targets.items():
            if name in missing:
                continue
            print(f"... {name}", file=sys.stderr)
            figures["targets"].append(bench_target(name, paths, rg, ruff, bandit, args.repeat, tmp, baseline,
                                                   tuple(args.bandit_targets.split(","))))
            save()
            if one_file_due and name == args.one_file_after:
                print("... one file", file=sys.stderr)
                figures["one_file"] = one_file(rg, CORPUS["polar"][0], tmp, args.one_file_repeat)
                one_file_due = False
                save()
        if one_file_due:
            print("... one file", file=sys.stderr)
            figures["one_file"] = one_file(rg, CORPUS["polar"][0], tmp, args.one_file_repeat)
        save()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
