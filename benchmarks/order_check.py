"""Whether the project stages' result depends on the order of the modules they are given.

    python benchmarks/order_check.py                 # every fixture app under tests/fixtures
    python benchmarks/order_check.py --cache-dir /tmp/rg-cache DIR [DIR...]    # real apps

Each target is analysed with its modules in the discovery order, reversed, and shuffled with two seeds
(`api._graph` receives the files and facts in that order; nothing else changes), and the findings, routes
and mounts are compared. Reusing evaluation outcomes across runs (docs/speed.md, "Targets and gaps", one
file changed) needs answers that do not depend on which lookup ran first; this measures whether that holds
on the given code, it does not prove it.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

from routeguard_lint import api

ORDERS = ("discovery", "reversed", "seed 1", "seed 2")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", type=Path)
    parser.add_argument("--cache-dir", type=Path, help="the facts cache to read (and fill): a real app's facts are "
                                                       "then computed once, not once per order")
    args = parser.parse_args()
    targets: list[Path] = args.targets
    if not targets:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from fixture_cases import case_dirs

        targets = case_dirs()
    real = api._graph
    order = {"now": ORDERS[0]}

    def reordered(paths: Any, project: Any, files: list[Any], facts: list[Any], *rest: Any) -> Any:
        indices = list(range(len(files)))
        if order["now"] == "reversed":
            indices.reverse()
        elif order["now"].startswith("seed"):
            random.Random(int(order["now"].split()[1])).shuffle(indices)
        return real(paths, project, [files[i] for i in indices], [facts[i] for i in indices], *rest)

    api._graph = reordered  # type: ignore[assignment]
    differing = 0
    for target in targets:
        seen: dict[str, str] = {}
        for name in ORDERS:
            order["now"] = name
            try:
                result, _ = api.analyze_with_graph([target], cache_dir=args.cache_dir)
                seen[name] = repr((result.findings, result.routes, result.mounts))
            except Exception as exc:  # an error is an outcome too: compared like the others
                seen[name] = f"error: {exc!r}"
        if len(set(seen.values())) > 1:
            differing += 1
            print(f"depends on the order: {target} ({', '.join(seen)})")
    print(f"{len(targets)} targets, {len(ORDERS)} orders each: {differing} with a result that depends on the order")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    raise SystemExit(main())
