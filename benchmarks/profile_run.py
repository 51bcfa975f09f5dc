"""Where a run's CPU goes: one `routeguard check` in this process, split by pipeline stage.

    python benchmarks/profile_run.py DIR [--warm [--no-results | --change FILE]] [--cprofile N] [--parse all]

Runs `routeguard check DIR --format json` (output discarded) with the worker pool replaced by a loop in
this process, so that every stage is timed on one clock (`time.process_time`). Each stage's entry points
are wrapped; time is charged to the innermost stage running (a parse during an on-demand load is "parse",
not "resolution"), and whatever no wrapper covers is "other" (imports, the CLI, glue). The round trip a
worker's result makes between processes is reproduced (`pickle.dumps` / `loads` of every result) and
charged to "inter-process".

`--warm` runs once to fill a fresh cache directory, then measures the second run; `--no-results` makes
that second run ignore the whole-result cache (facts/results.py), as after an edit of a route module;
`--change FILE` appends a comment line to FILE (under DIR: give a copy) before the second run, the
pre-commit case itself.
`--cprofile N` also prints the N functions with the largest own time, the analysis thread's included
(cProfile slows everything by about half: the stage shares stay comparable, the absolute figures do not).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pickle
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

SPENT: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)
_STACK: list[list[Any]] = []  # [stage, started, time of nested stages]


def charge(stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        frame = [stage, time.process_time(), 0.0]
        _STACK.append(frame)
        try:
            return fn(*args, **kwargs)
        finally:
            _STACK.pop()
            total = time.process_time() - frame[1]
            SPENT[stage] += total - frame[2]
            CALLS[stage] += 1
            if _STACK:
                _STACK[-1][2] += total
    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


def patch(owner: Any, name: str, stage: str) -> None:
    setattr(owner, name, charge(stage, getattr(owner, name)))


def install() -> None:
    from routeguard_lint import api, report
    from routeguard_lint.facts import cache, extract, results, walker
    from routeguard_lint.facts import workers as workers_pool
    from routeguard_lint.fix import apply
    from routeguard_lint.parsing import source
    from routeguard_lint.project.index import Index

    patch(extract, "parse_text", "parse (LibCST)")
    patch(source, "check_shape", "syntax check (CPython ast)")
    patch(extract, "check_shape", "syntax check (CPython ast)")
    patch(walker._Collector, "walk", "facts walker")
    patch(api, "relevant", "relevance scan")
    patch(api, "framework_names", "relevance scan")
    patch(cache, "load", "cache read")
    patch(cache, "store", "cache write")
    patch(api, "discover_project", "discovery")
    patch(api, "read_source", "file reads")
    patch(Index, "__init__", "resolution (index)")
    patch(api, "build_graph", "evaluation (route graph)")
    patch(api, "judge", "evaluation (auth judgement)")
    patch(api, "declare", "intent (config, suppressions)")
    patch(api, "suppress", "intent (config, suppressions)")
    patch(api, "run_rules", "rules")
    patch(api, "_widen", "relevance scan")
    patch(api.OnDemandModules, "fill", "on-demand loads (glue)")
    patch(apply, "fixable_by_file", "fixable count (codemods)")
    patch(api, "_still_valid", "result cache (validation)")
    patch(api, "_received", "inter-process (pickle)")  # decoding a payload a worker sent
    patch(results, "project_state", "result cache (hashing files)")
    patch(results, "load", "result cache (read)")
    patch(results, "store", "result cache (write)")
    for name in ("findings_json", "sarif_report", "render_text"):
        patch(report, name, "output")

    def in_process(jobs: Any, workers: int, task: Callable[[Any], Any], on_failure: Any) -> list[Any]:
        out = []
        for job in jobs:
            result = task(job)
            out.append(charge("inter-process (pickle)", lambda r: pickle.loads(pickle.dumps(r, -1)))(result))
        return out

    workers_pool.run = in_process


def _profiled(profiler: cProfile.Profile, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    profiler.enable()
    try:
        return fn(*args)
    finally:
        profiler.disable()


def run_check(target: Path, cache_dir: Path | None) -> None:
    from routeguard_lint import cli

    args = ["check", str(target), "--format", "json", "--output", os.devnull]
    if cache_dir is None:
        args.append("--no-cache")
    else:
        os.environ["ROUTEGUARD_CACHE_DIR"] = str(cache_dir)
    with contextlib.suppress(SystemExit):
        cli.app(args, standalone_mode=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", type=Path)
    parser.add_argument("--warm", action="store_true", help="measure a second run on a filled cache")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N", help="also list the top N functions")
    parser.add_argument("--parse", choices=("demand", "all"), default="demand")
    parser.add_argument("--no-results", action="store_true",
                        help="with --warm: ignore the whole-result cache (facts from the cache, every project "
                             "stage run: what a changed route module costs)")
    parser.add_argument("--change", type=Path, metavar="FILE",
                        help="with --warm: append a comment line to FILE (a path under the target) between the "
                             "two runs (the pre-commit case; the target is edited: give a copy)")
    args = parser.parse_args()
    os.environ["ROUTEGUARD_PARSE"] = args.parse
    started = time.process_time()
    install()
    imports = time.process_time() - started
    cache_dir = Path(tempfile.mkdtemp(prefix="rg-profile-")) if args.warm else None
    if args.warm:
        run_check(args.target, cache_dir)
        if args.no_results:
            from routeguard_lint.facts import results

            results.load = lambda *_: None
        if args.change is not None:
            with (args.target / args.change).open("a", encoding="utf-8") as handle:
                handle.write(f"\n# edited by profile_run.py at {time.time()}\n")
        SPENT.clear()
        CALLS.clear()
    profiler = cProfile.Profile() if args.cprofile else None
    if profiler is not None:  # the analysis runs in a thread of its own (api.deep), where cProfile does not look
        from routeguard_lint import api

        def in_thread(fn: Callable[..., Any], *fn_args: Any) -> Any:
            profiler.disable()  # a profiler is active in one thread at a time
            try:
                return api_deep(lambda: _profiled(profiler, fn, fn_args))
            finally:
                profiler.enable()

        api_deep = api.deep
        api.deep = in_thread
    started = time.process_time()
    if profiler is not None:
        profiler.enable()
    run_check(args.target, cache_dir)
    if profiler is not None:
        profiler.disable()
    total = time.process_time() - started
    SPENT["other (CLI, glue)"] = total - sum(SPENT.values())
    kind = ("warm, result cache ignored" if args.no_results else "warm") if args.warm else "cold"
    kind += f", {args.change} changed" if args.change is not None else ""
    print(f"{args.target} ({kind}, parse={args.parse}): {total:.2f} s CPU "
          f"(+ {imports:.2f} s of imports before the run; load average {os.getloadavg()[0]:.1f})")
    print("| stage | CPU s | share | calls |")
    print("|---|---|---|---|")
    for stage, spent in sorted(SPENT.items(), key=lambda kv: -kv[1]):
        print(f"| {stage} | {spent:.2f} | {100 * spent / total:.0f} % | {CALLS.get(stage, '')} |")
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.cprofile)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    raise SystemExit(main())
