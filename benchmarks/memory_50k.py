"""Time and peak memory of routeguard on one very large generated file (50,000 lines by default).

    python benchmarks/memory_50k.py [--lines 50000] [--repeat 1] [--keep DIR]

The file is a plausible, if monotonous, FastAPI module: routers with protected and unprotected routes,
a shared authentication dependency, header parameters, comprehensions and dict literals (about 31
bytes a line). Each measurement runs `routeguard check --format json --no-cache --jobs 1` on it in a
fresh process, so the peak RSS (`ru_maxrss` of that child) is the whole cost of one file: reading,
CPython's nesting check, LibCST's tree, the facts, the route graph and the report. docs/reliability.md
quotes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = '''"""Generated: a very large FastAPI module (benchmarks/memory_50k.py)."""
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2 = OAuth2PasswordBearer(tokenUrl="token")


def current_user(token: str = Depends(oauth2)):
    if token != load_token():
        raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return {"user": token}


def load_token():
    return "from-a-vault"

'''

BLOCK = '''
router_{i} = APIRouter(prefix="/r{i}")


@router_{i}.get("/items/{{item_id}}")
def read_{i}(item_id: int, user=Depends(current_user)):
    data = {{"id": item_id, "n": {i}, "name": "item-{i}"}}
    if item_id > {i}:
        data["big"] = [x * 2 for x in range(item_id) if x % 3]
    return data


@router_{i}.post("/open")
async def open_{i}(x_trace: str = Header(None)):
    return {{"ok": x_trace is not None and len(x_trace) > {m}}}


app.include_router(router_{i})
'''


def generate(lines: int = 50_000) -> str:
    """Exactly `lines` lines: blocks of two routes (one protected, one not) and one router each."""
    out = HEADER.splitlines()
    block_lines = len(BLOCK.format(i=0, m=0).splitlines())
    i = 0
    while len(out) + block_lines <= lines:
        out.extend(BLOCK.format(i=i, m=i % 7).splitlines())
        i += 1
    while len(out) < lines:
        out.append(f"CONSTANT_{len(out)} = {len(out)}")
    return "\n".join(out) + "\n"


def routers(text: str) -> int:
    return text.count(" = APIRouter(")


MEASURE = r'''
import json, resource, sys, time
from pathlib import Path
from routeguard_lint import __version__
from routeguard_lint.api import analyze
from routeguard_lint.intent.config import Config
from routeguard_lint.report import findings_json
from routeguard_lint.rules import ALL_RULES
start = time.perf_counter()
result = analyze([Path(sys.argv[1])], jobs=1, config=Config())
findings_json(result.findings, ALL_RULES, version=__version__, files=result.files)
elapsed = time.perf_counter() - start
by_rule = {}
for f in result.findings:
    by_rule[f.rule_id] = by_rule.get(f.rule_id, 0) + 1
print(json.dumps({"seconds": elapsed, "routes": len(result.routes), "by_rule": by_rule,
                  "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
'''


def measure(path: Path) -> dict:
    """One run in a fresh interpreter: its own peak RSS, the analysis time inside it, and wall time."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True,
                          check=True)
    wall = time.perf_counter() - started
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    data["wall_seconds"] = wall
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", help="write the generated file into this directory and keep it")
    args = parser.parse_args()
    text = generate(args.lines)
    directory = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="rg-50k-"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "big_module.py"
    path.write_text(text, encoding="utf-8")
    baseline = subprocess.run([sys.executable, "-c", "import resource, routeguard_lint.api, libcst; "
                               "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"],
                              capture_output=True, text=True, check=True)
    base_kb = int(baseline.stdout.strip())
    runs = [measure(path) for _ in range(args.repeat)]
    best = min(runs, key=lambda r: r["seconds"])
    print(f"file: {args.lines:,} lines, {len(text.encode()):,} bytes, {routers(text):,} routers, "
          f"{best['routes']:,} routes; findings {best['by_rule']}")
    print(f"analysis: {best['seconds']:.1f} s (best of {args.repeat}); process wall {best['wall_seconds']:.1f} s")
    print(f"peak RSS: {best['peak_rss_kb'] / 1024:.0f} MB (interpreter with routeguard imported: "
          f"{base_kb / 1024:.0f} MB); cpu count {os.cpu_count()}, load average "
          f"{os.getloadavg()[0]:.1f}")
    if not args.keep:
        path.unlink()
        directory.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
