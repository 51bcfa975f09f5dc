"""Side-by-side speed and memory: routeguard against ruff, bandit and semgrep on the same trees.

    python benchmarks/bench.py [--repeat 3] [--tools routeguard,ruff,bandit,semgrep] [TARGET ...]

A target is a directory; without targets the script generates a synthetic FastAPI project
(`--synthetic-files`, default 400 modules) in a temp dir and also uses any real apps found under
/work/ext (see benchmarks/README.md for how to fetch them). Each tool runs in a fresh process; the table
shows the best wall time of `--repeat` runs, lines per second, peak RSS of the largest process, and the
ratio to routeguard. Tools that are not installed are reported as missing, never silently dropped.

The other tools do different jobs (ruff lints everything, bandit and semgrep look for security
patterns): the comparison says what a CI step costs, not which tool is "better".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
REAL_APPS = [Path("/work/ext/mealie/mealie"), Path("/work/ext/full-stack-fastapi-template/backend/app"),
             Path("/work/ext/fastapi/docs_src")]

SEMGREP_RULE = textwrap.dedent("""
    rules:
      - id: fastapi-route-without-depends
        languages: [python]
        severity: WARNING
        message: route without a Depends parameter
        patterns:
          - pattern: |
              @$APP.$METHOD(...)
              def $F(...): ...
          - pattern-not: |
              @$APP.$METHOD(...)
              def $F(..., $P = Depends(...), ...): ...
""")

MEASURE = textwrap.dedent("""
    import json, resource, subprocess, sys, time
    cmd = json.loads(sys.argv[1])
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"wall": wall, "rss_kb": rss, "rc": proc.returncode, "err": proc.stderr.decode()[-300:]}))
""")


def tool_path(name: str) -> str | None:
    for candidate in (Path(sys.executable).with_name(name), Path("/work/ext/benchvenv/bin") / name):
        if candidate.exists():
            return str(candidate)
    return shutil.which(name)


def commands(target: Path, rule_file: Path, jobs: int) -> dict[str, list[str] | None]:
    rg = tool_path("routeguard")
    ruff = tool_path("ruff")
    bandit = tool_path("bandit")
    semgrep = tool_path("semgrep")
    return {
        "routeguard": [rg, "check", str(target), "--format", "json", "--jobs", str(jobs), "--no-cache"]
        if rg else None,
        "routeguard-1job": [rg, "check", str(target), "--format", "json", "--jobs", "1", "--no-cache"]
        if rg else None,
        # best of --repeat with a cache the first run fills: what a pre-commit re-run costs
        "routeguard-warm": [rg, "check", str(target), "--format", "json", "--jobs", str(jobs)] if rg else None,
        "ruff": [ruff, "check", "--no-cache", "--select", "ALL", "--exit-zero", "--output-format", "json",
                 str(target)] if ruff else None,
        "bandit": [bandit, "-r", "-q", "-f", "json", str(target)] if bandit else None,
        "semgrep": [semgrep, "scan", "--config", str(rule_file), "--metrics=off", "--disable-version-check",
                    "--json", "--quiet", "-j", str(jobs), str(target)] if semgrep else None,
    }


def measure(cmd: list[str], repeat: int, cache_dir: Path) -> dict:
    best: dict | None = None
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", MEASURE, json.dumps(cmd)], capture_output=True, text=True,
                             env={**os.environ, "SEMGREP_SEND_METRICS": "off",
                                  "ROUTEGUARD_CACHE_DIR": str(cache_dir)})
        result = json.loads(out.stdout)
        if best is None or result["wall"] < best["wall"]:
            best = result
    assert best is not None
    return best


def count_lines(target: Path) -> tuple[int, int]:
    files = lines = 0
    for path in target.rglob("*.py"):
        if any(part in (".venv", "venv", "node_modules", "__pycache__") for part in path.parts):
            continue
        files += 1
        with contextlib.suppress(OSError):
            lines += path.read_bytes().count(b"\n")
    return files, lines


def synthetic_project(root: Path, modules: int) -> Path:
    """A FastAPI project of `modules` router modules sharing deps, plus models and services."""
    app = root / "synthetic" / "app"
    (app / "routers").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "routers" / "__init__.py").write_text("")
    (app / "deps.py").write_text(textwrap.dedent('''
        from typing import Annotated
        from fastapi import Depends, HTTPException
        from fastapi.security import OAuth2PasswordBearer

        oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/login")


        def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> dict:
            if not token:
                raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"})
            return {"user": token}


        CurrentUser = Annotated[dict, Depends(get_current_user)]
    '''))
    includes = []
    for i in range(modules):
        body = [
            "from fastapi import APIRouter, Depends, HTTPException",
            "from pydantic import BaseModel",
            "from app.deps import CurrentUser, get_current_user",
            "",
            f'router = APIRouter(prefix="/r{i}", tags=["r{i}"])',
            "",
        ]
        for j in range(8):
            body += [
                f"class Model{j}(BaseModel):",
                "    name: str",
                "    size: int = 0",
                "",
                "",
                f'@router.get("/items{j}/{{item_id}}")',
                f"def read_{j}(item_id: int, user: CurrentUser) -> Model{j}:",
                "    if item_id < 0:",
                "        raise HTTPException(status_code=404)",
                f'    return Model{j}(name="x", size=item_id)',
                "",
                "",
                f'@router.post("/items{j}", dependencies=[Depends(get_current_user)])',
                f"def create_{j}(model: Model{j}) -> Model{j}:",
                "    total = sum(range(10))",
                "    for k in range(3):",
                "        total += k",
                "    return model",
                "",
                "",
            ]
        (app / "routers" / f"r{i}.py").write_text("\n".join(body))
        includes.append(f"from app.routers import r{i}\napp.include_router(r{i}.router)")
    (app / "main.py").write_text("from fastapi import FastAPI\n\napp = FastAPI()\n" + "\n".join(includes) + "\n")
    return app.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--tools", default="routeguard,routeguard-1job,routeguard-warm,ruff,bandit,semgrep")
    parser.add_argument("--synthetic-files", type=int, default=400)
    parser.add_argument("--json", action="store_true", help="print raw figures as JSON")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="routeguard-bench-"))
    try:
        rule_file = tmp / "semgrep.yml"
        rule_file.write_text(SEMGREP_RULE)
        targets = list(args.targets)
        if not targets:
            targets = [synthetic_project(tmp, args.synthetic_files)] + [p for p in REAL_APPS if p.is_dir()]
        tools = [t.strip() for t in args.tools.split(",") if t.strip()]
        rows = []
        for target in targets:
            files, lines = count_lines(target)
            cmds = commands(target, rule_file, args.jobs)
            figures = {}
            for tool in tools:
                cmd = cmds.get(tool)
                figures[tool] = measure(cmd, args.repeat, tmp / f"cache-{len(rows)}") if cmd else None
            rows.append({"target": str(target), "files": files, "lines": lines, "figures": figures})
        if args.json:
            print(json.dumps(rows, indent=2))
            return 0
        for row in rows:
            print(f"\n{row['target']}: {row['files']} files, {row['lines']} lines "
                  f"(best of {args.repeat}, {args.jobs} jobs where the tool takes them)")
            base = row["figures"].get("routeguard")
            print(f"  {'tool':<16} {'wall s':>8} {'lines/s':>9} {'peak RSS MB':>12} {'x routeguard':>13}  exit")
            for tool, fig in row["figures"].items():
                if fig is None:
                    print(f"  {tool:<16} {'not installed':>8}")
                    continue
                ratio = fig["wall"] / base["wall"] if base else float("nan")
                print(f"  {tool:<16} {fig['wall']:>8.2f} {row['lines'] / fig['wall']:>9.0f} "
                      f"{fig['rss_kb'] / 1024:>12.1f} {ratio:>13.2f}  {fig['rc']}")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
