#!/usr/bin/env python3
"""Compare routeguard's static route inventory with what FastAPI itself says about real applications.

For every target in TARGETS (or the ones named on the command line):

1. run ``runtime_inventory.py`` with the target's own virtualenv (real FastAPI imports the app);
2. run ``routeguard routes <paths> --format json`` on the target's checkout;
3. match routes on (method, full path) and print, per target:

   * routes FastAPI has, routes routeguard found, how many match;
   * missing routes (FastAPI has them, routeguard does not), listed;
   * extra routes (routeguard has them, FastAPI does not), listed; the ones routeguard itself marks
     ``reachable: false`` are counted apart;
   * routes with a ``fastapi.security`` scheme in their runtime dependency tree that routeguard calls
     ``unprotected`` (must be 0), listed;
   * routes routeguard calls ``protected`` that have no scheme at runtime (to review: custom header/cookie
     checks can be real protection), listed;
   * where routeguard's own ``scheme`` flag disagrees with the runtime's.

The ``fastapi-docs_src`` target imports each example file of FastAPI's ``docs_src/`` as its own app and runs
routeguard once per app on exactly the files that app was built from; results are compared per file and
added up.

Paths are compared with path-parameter converters removed on both sides (``{p:path}`` -> ``{p}``).
Websocket routes have the method ``WEBSOCKET``.

Runtime inventories are saved to ``--inventories`` (default /work/ext/inventories/<name>.json);
``--use-saved`` reuses them instead of importing the apps again. See benchmarks/README.md for setup.

Exit status: 0 fine; 1 some scheme-protected route is called unprotected; 2 a runtime inventory could not be
made; 3 routeguard is not installed (the runtime side is still printed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RUNTIME_INVENTORY = HERE / "runtime_inventory.py"
EXT = Path(os.environ.get("ROUTEGUARD_EXT", "/work/ext"))
DEFAULT_ROUTEGUARD = REPO / ".venv" / "bin" / "routeguard"

TEMPLATE_ENV = {
    # pydantic-settings fields of app.core.config.Settings without defaults; dummy values, no DB is touched
    "PROJECT_NAME": "Full Stack FastAPI Project",
    "SECRET_KEY": "routeguard-benchmark-not-a-secret",
    "DATABASE_URL": "postgresql://postgres:routeguard-dummy@localhost:5432/app",
    "FIRST_SUPERUSER": "admin@example.com",
    "FIRST_SUPERUSER_PASSWORD": "routeguard-dummy-password",
    # older template versions used these instead of DATABASE_URL
    "POSTGRES_SERVER": "localhost",
    "POSTGRES_USER": "postgres",
    "POSTGRES_PASSWORD": "routeguard-dummy",
    "POSTGRES_DB": "app",
}


@dataclass
class Target:
    name: str
    checkout: str  # directory under EXT
    venv: str  # directory under EXT/venvs
    analyze: list[str]  # what routeguard is run on, relative to the checkout
    app: str | None = None  # module:attr for runtime_inventory --app
    each_file: str | None = None  # directory (relative to the checkout) for runtime_inventory --each-file
    sys_path: list[str] = field(default_factory=list)  # relative to the checkout
    cwd: str = "{tmp}"  # relative to the checkout, or "{tmp}" for a fresh temporary directory
    env: dict[str, str] = field(default_factory=dict)  # "{tmp}" and "{checkout}" are substituted
    unset_env: list[str] = field(default_factory=list)
    tmp_dirs: list[str] = field(default_factory=list)  # created under {tmp}
    tmp_files: dict[str, str] = field(default_factory=dict)  # relative path under {tmp} -> contents
    checkout_dirs: list[str] = field(default_factory=list)  # created in the checkout when missing
    checkout_files: dict[str, str] = field(default_factory=dict)  # created in the checkout when missing
    note: str = ""


PLACEHOLDER_HTML = "<!doctype html><html><head><title>placeholder</title></head><body></body></html>\n"

TARGETS: list[Target] = [
    Target(
        name="full-stack-fastapi-template",
        checkout="full-stack-fastapi-template",
        venv="full-stack-fastapi-template",
        analyze=["backend"],
        app="app.main:app",
        sys_path=["backend"],
        cwd="backend",  # Settings reads ../.env from here, as `fastapi dev` in backend/ does
        env={**TEMPLATE_ENV, "FASTAPI_ENV": "development"},
        checkout_dirs=["backend/app/frontend"],
        checkout_files={"backend/app/frontend/index.html": PLACEHOLDER_HTML},
        note="development configuration (FASTAPI_ENV=development, as in the repo's .env): "
             "includes the conditional /private router",
    ),
    Target(
        name="full-stack-fastapi-template-prod",
        checkout="full-stack-fastapi-template",
        venv="full-stack-fastapi-template",
        analyze=["backend"],
        app="app.main:app",
        sys_path=["backend"],
        cwd="{tmp}",  # no ../.env, so FASTAPI_ENV stays unset
        env=dict(TEMPLATE_ENV),
        unset_env=["FASTAPI_ENV"],
        checkout_dirs=["backend/app/frontend"],  # app.frontend() checks it exists outside development
        checkout_files={"backend/app/frontend/index.html": PLACEHOLDER_HTML},
        note="production configuration: FASTAPI_ENV unset, so the /private router is not included",
    ),
    Target(
        name="mealie",
        checkout="mealie",
        venv="mealie",
        analyze=["mealie"],
        app="mealie.app:app",
        sys_path=["."],
        cwd="{tmp}",
        env={
            "PRODUCTION": "true",  # DATA_DIR is honoured only in production mode
            "TESTING": "false",
            "DATA_DIR": "{tmp}/data",  # mealie creates its data tree, secrets and log file here on import
            "STATIC_FILES": "{tmp}/static",  # present -> mount_spa() adds the SPA routes and the "/" mount
        },
        tmp_dirs=["data", "static"],
        tmp_files={"static/index.html": PLACEHOLDER_HTML},
        note="production configuration with a (placeholder) built frontend, as in the Docker image",
    ),
    Target(
        name="dispatch",
        checkout="dispatch",
        venv="dispatch",
        analyze=["src/dispatch"],
        app="dispatch.main:app",
        sys_path=["src"],
        cwd="{tmp}",  # starlette Config(".env") reads ./.env: none here
        env={
            # dispatch.config: the values without defaults. The engine is created on import, never connected.
            "DATABASE_HOSTNAME": "localhost",
            "DATABASE_CREDENTIALS": "dispatch:routeguard-dummy",  # user:password
            "DISPATCH_ENCRYPTION_KEY": "routeguard-benchmark-not-a-secret",
            "ENV": "local",
        },
        note="main app: /api/v1 mounts the `api` FastAPI app (api_router + the plugins' event routers, "
             "installed from the dispatch.plugins entry points), / mounts the `frontend` app (no built UI here, "
             "so its static mount is left out)",
    ),
    Target(
        name="polar",
        checkout="polar/server",
        venv="polar",
        analyze=["polar"],
        app="polar.app:app",
        sys_path=["."],
        cwd=".",  # Settings.JWKS defaults to ./.jwks.json (setup_targets.sh generates the dev key there)
        env={
            # polar.config.Settings (env_prefix POLAR_) has defaults for everything (development); pinned here
            # so a .env cannot change them. Redis and Postgres clients are created, never connected.
            "POLAR_ENV": "development",
            "POLAR_JWKS": "{checkout}/.jwks.json",
            # must exist (the emails/ Node build makes it; only used to render emails): a placeholder
            "POLAR_EMAIL_RENDERER_BINARY_PATH": "{tmp}/react-email-pkg",
        },
        tmp_files={"react-email-pkg": "#!/bin/sh\nexit 1\n"},
        unset_env=["VERCEL"],
        note="polar.app:app = create_app() in development: /backoffice is a mount (BACKOFFICE_HOST unset), "
             "versioned API routers added by add_versioned_routers()",
    ),
    Target(
        name="realworld",
        checkout="realworld",
        venv="realworld",
        analyze=["app"],
        app="app.main:app",  # = get_application()
        sys_path=["."],
        cwd="{tmp}",  # Settings read ./.env and ./prod.env: none here
        env={
            # app.core.settings.app.AppSettings: database_url and secret_key have no default
            "APP_ENV": "prod",
            "DATABASE_URL": "postgresql://postgres:routeguard-dummy@localhost:5432/realworld",
            "SECRET_KEY": "routeguard-benchmark-not-a-secret",
        },
        note="app.main:app = get_application(); api_router included under settings.api_prefix (/api)",
    ),
    Target(
        name="fastapi-docs_src",
        checkout="fastapi",
        venv="fastapi-docs_src",
        analyze=[],  # per app: the files the app was built from
        each_file="docs_src",
        cwd="{tmp}",
        env={"ADMIN_EMAIL": "admin@example.com"},  # settings/ examples have a required admin_email
        tmp_dirs=["static", "templates", "dist"],  # StaticFiles / frontend(directory=...) check they exist
        tmp_files={"dist/index.html": PLACEHOLDER_HTML, "dist/404.html": PLACEHOLDER_HTML},
        note="every docs_src example that assigns `app` is its own app",
    ),
]

CONVERTER = re.compile(r"\{([^{}:]+):[^{}]*\}")


def norm_path(path: str) -> str:
    return CONVERTER.sub(r"{\1}", path or "")


# --------------------------------------------------------------------------------------------------
# running things


def substitute(value: str, tmp: str, checkout: Path) -> str:
    return value.replace("{tmp}", tmp).replace("{checkout}", str(checkout))


def prepare(target: Target, tmp: str) -> None:
    checkout = EXT / target.checkout
    for rel in target.checkout_dirs:
        (checkout / rel).mkdir(parents=True, exist_ok=True)
    for rel, text in target.checkout_files.items():
        path = checkout / rel
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    for rel in target.tmp_dirs:
        Path(tmp, rel).mkdir(parents=True, exist_ok=True)
    for rel, text in target.tmp_files.items():
        path = Path(tmp, rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def clean_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TERM", "SYSTEMROOT")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONWARNINGS"] = "ignore"
    return env


def runtime_command(target: Target, tmp: str) -> list[str]:
    checkout = EXT / target.checkout
    python = EXT / "venvs" / target.venv / "bin" / "python"
    cmd = [str(python), str(RUNTIME_INVENTORY), "--check-openapi", "--compact"]
    if target.app:
        cmd += ["--app", target.app]
    else:
        cmd += ["--each-file", str(checkout / (target.each_file or "."))]
    for rel in target.sys_path:
        cmd += ["--sys-path", str((checkout / rel).resolve())]
    cwd = substitute(target.cwd, tmp, checkout)
    cmd += ["--cwd", cwd if os.path.isabs(cwd) or cwd.startswith("{tmp}") else str(checkout / cwd)]
    for key, value in target.env.items():
        cmd += ["--env", f"{key}={substitute(value, tmp, checkout)}"]
    for key in target.unset_env:
        cmd += ["--unset-env", key]
    return cmd


def run_runtime(target: Target, keep_tmp: bool) -> tuple[dict[str, Any] | None, str]:
    python = EXT / "venvs" / target.venv / "bin" / "python"
    checkout = EXT / target.checkout
    if not checkout.is_dir():
        return None, f"checkout {checkout} is missing (run benchmarks/setup_targets.sh)"
    if not python.exists():
        return None, f"virtualenv {python.parent.parent} is missing (run benchmarks/setup_targets.sh)"
    tmp = tempfile.mkdtemp(prefix=f"routeguard-rt-{target.name}-")
    try:
        prepare(target, tmp)
        cmd = runtime_command(target, tmp)
        proc = subprocess.run(cmd, capture_output=True, text=True, env=clean_env(), timeout=1800)
        if proc.returncode != 0:
            tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
            return None, f"runtime_inventory exited {proc.returncode}:\n{tail}"
        try:
            return json.loads(proc.stdout), ""
        except ValueError as exc:
            return None, f"runtime_inventory printed no JSON ({exc})"
    finally:
        if not keep_tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def routeguard_usable(routeguard: Path) -> tuple[bool, str]:
    if not routeguard.exists():
        return False, (f"routeguard is not installed at {routeguard}. Install it into the repo's venv "
                       f"(`{REPO}/.venv/bin/pip install -e {REPO}`) or pass --routeguard PATH. "
                       f"Only the runtime side is shown.")
    try:
        proc = subprocess.run([str(routeguard), "routes", "--help"], capture_output=True, text=True, timeout=120)
    except OSError as exc:
        return False, f"cannot run {routeguard}: {exc}"
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return False, f"`{routeguard} routes --help` failed (exit {proc.returncode}): " + " | ".join(tail)
    return True, ""


def run_routeguard(routeguard: Path, paths: list[Path], cwd: Path,
                   venv: Path | None = None) -> tuple[dict[str, Any] | None, str]:
    """`routeguard routes --format json`, with VIRTUAL_ENV set to the app's own venv (as when a developer
    runs it with the project's environment active), so installed libraries' source can be read."""
    cmd = [str(routeguard), "routes", *[str(p) for p in paths], "--format", "json", "--no-cache"]
    env = {**os.environ, "VIRTUAL_ENV": str(venv)} if venv is not None else None
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(cwd), timeout=1800, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        return None, f"routeguard exited {proc.returncode} without JSON: {tail}"
    if not isinstance(data, dict) or not isinstance(data.get("routes"), list):
        return None, f"routeguard JSON has no 'routes' list (exit {proc.returncode})"
    return data, ""


# --------------------------------------------------------------------------------------------------
# comparing


def runtime_ops(routes: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    ops: dict[tuple[str, str], dict[str, Any]] = {}
    for r in routes:
        for m in r.get("methods") or []:
            ops.setdefault((m.upper(), norm_path(r["path"])), r)  # the first route wins, as in Starlette
    return ops


def static_ops(routes: list[dict[str, Any]]) -> tuple[dict[tuple[str, str], dict[str, Any]],
                                                      dict[tuple[str, str], dict[str, Any]]]:
    reachable: dict[tuple[str, str], dict[str, Any]] = {}
    unreachable: dict[tuple[str, str], dict[str, Any]] = {}
    for r in routes:
        bucket = reachable if r.get("reachable", True) else unreachable
        for m in r.get("methods") or []:
            bucket.setdefault((str(m).upper(), norm_path(r.get("path") or "")), r)
    for key in list(unreachable):
        if key in reachable:
            del unreachable[key]
    return reachable, unreachable


def same_handler(static: str, runtime: str) -> bool:
    """Equal, or one is a dotted suffix of the other (module names can be rooted differently: FastAPI's
    docs_src has no __init__.py, so the runtime says docs_src.x.y where a static tool may say x.y)."""
    if static == runtime:
        return True
    return runtime.endswith("." + static) or static.endswith("." + runtime)


def fmt(key: tuple[str, str], who: str | None, extra: str = "") -> str:
    method, path = key
    text = f"{method:<9} {path}"
    if who:
        text += f"  ({who})"
    if extra:
        text += f"  [{extra}]"
    return text


def compare(runtime_routes: list[dict[str, Any]], rg_routes: list[dict[str, Any]] | None) -> dict[str, Any]:
    rt = runtime_ops(runtime_routes)
    out: dict[str, Any] = {
        "fastapi_routes": len(rt),
        "fastapi_scheme_routes": sum(1 for r in rt.values() if r.get("scheme")),
    }
    if rg_routes is None:
        return out
    rg, rg_unreachable = static_ops(rg_routes)
    both = sorted(set(rt) & set(rg))
    missing = sorted(set(rt) - set(rg))
    missing_found_unreachable = [k for k in missing if k in rg_unreachable]
    extra = sorted(set(rg) - set(rt))
    extra_unreachable = sorted(set(rg_unreachable) - set(rt))
    scheme_unprotected = [k for k in both if rt[k].get("scheme") and rg[k].get("state") == "unprotected"]
    protected_no_scheme = [k for k in both if not rt[k].get("scheme") and
                           (rg[k].get("protected") or rg[k].get("state") == "protected")]
    scheme_flag_differs = [k for k in both if "scheme" in rg[k] and bool(rg[k]["scheme"]) != bool(rt[k]["scheme"])]
    handler_differs = [k for k in both if rg[k].get("handler") and rt[k].get("endpoint")
                       and not same_handler(rg[k]["handler"], rt[k]["endpoint"])]
    states: dict[str, int] = {}
    for k in both:
        states[rg[k].get("state", "?")] = states.get(rg[k].get("state", "?"), 0) + 1
    scheme_states: dict[str, int] = {}
    for k in both:
        if rt[k].get("scheme"):
            s = rg[k].get("state", "?")
            scheme_states[s] = scheme_states.get(s, 0) + 1
    out.update({
        "routeguard_routes": len(rg),
        "routeguard_unreachable_routes": len(rg_unreachable),
        "matched": len(both),
        "missing": [fmt(k, rt[k].get("endpoint"), "routeguard: unreachable" if k in rg_unreachable else "")
                    for k in missing],
        "missing_but_found_unreachable": len(missing_found_unreachable),
        "extra": [fmt(k, rg[k].get("handler"), rg[k].get("state", "")) for k in extra],
        "extra_unreachable": [fmt(k, rg_unreachable[k].get("handler"), "unreachable") for k in extra_unreachable],
        "scheme_unprotected": [fmt(k, rt[k].get("endpoint"), rg[k].get("reason", "")) for k in scheme_unprotected],
        "protected_no_scheme": [fmt(k, rt[k].get("endpoint"), " > ".join(rg[k].get("auth") or []))
                                for k in protected_no_scheme],
        "scheme_flag_differs": [fmt(k, rt[k].get("endpoint"),
                                    f"runtime {bool(rt[k]['scheme'])}, routeguard {bool(rg[k]['scheme'])}")
                                for k in scheme_flag_differs],
        "handler_differs": [fmt(k, f"{rt[k].get('endpoint')} vs {rg[k].get('handler')}") for k in handler_differs],
        "routeguard_states_of_matched": dict(sorted(states.items())),
        "routeguard_states_of_scheme_routes": dict(sorted(scheme_states.items())),
    })
    return out


SUM_KEYS = ("fastapi_routes", "fastapi_scheme_routes", "routeguard_routes", "routeguard_unreachable_routes",
            "matched", "missing_but_found_unreachable")
LIST_KEYS = ("missing", "extra", "extra_unreachable", "scheme_unprotected", "protected_no_scheme",
             "scheme_flag_differs", "handler_differs")


def aggregate(per_app: dict[str, dict[str, Any]], have_rg: bool) -> dict[str, Any]:
    total: dict[str, Any] = {k: 0 for k in SUM_KEYS}
    for key in LIST_KEYS:
        total[key] = []
    total["routeguard_states_of_matched"] = {}
    total["routeguard_states_of_scheme_routes"] = {}
    for file, res in per_app.items():
        for k in SUM_KEYS:
            total[k] += res.get(k, 0) or 0
        for key in LIST_KEYS:
            total[key] += [f"{file}: {line}" for line in res.get(key, [])]
        for key in ("routeguard_states_of_matched", "routeguard_states_of_scheme_routes"):
            for s, n in res.get(key, {}).items():
                total[key][s] = total[key].get(s, 0) + n
    if not have_rg:
        for k in SUM_KEYS[2:]:
            total.pop(k, None)
        for key in LIST_KEYS:
            total.pop(key, None)
        total.pop("routeguard_states_of_matched")
        total.pop("routeguard_states_of_scheme_routes")
    return total


# --------------------------------------------------------------------------------------------------


def inventory_path(directory: Path, name: str) -> Path:
    return directory / f"{name}.json"


def process_target(target: Target, args: argparse.Namespace, routeguard: Path | None) -> dict[str, Any]:
    result: dict[str, Any] = {"name": target.name, "note": target.note}
    saved = inventory_path(args.inventories, target.name)
    if args.use_saved and saved.exists():
        inventory, error = json.loads(saved.read_text()), ""
        result["inventory_source"] = str(saved)
    else:
        inventory, error = run_runtime(target, args.keep_tmp)
        if inventory is not None and not args.no_save:
            args.inventories.mkdir(parents=True, exist_ok=True)
            saved.write_text(json.dumps(inventory, indent=2) + "\n")
            result["inventory_source"] = str(saved)
    if inventory is None:
        result["error"] = error
        return result
    result["versions"] = inventory.get("versions", {})
    checkout = EXT / target.checkout

    if inventory.get("mode") == "each-file":
        root = Path(inventory["root"])
        apps = [a for a in inventory["apps"] if a.get("status") == "ok"]
        if args.filter:
            apps = [a for a in apps if re.search(args.filter, a["file"])]
        result["runtime_summary"] = inventory.get("summary", {})
        result["import_failures"] = [f"{a['file']}: {a.get('error', a.get('status'))}"
                                     for a in inventory["apps"] if a.get("status") != "ok"]
        per_app: dict[str, dict[str, Any]] = {}
        rg_errors: dict[str, str] = {}

        def one(app_entry: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
            if routeguard is None:
                return app_entry["file"], compare(app_entry["routes"], None), ""
            files = [root / f for f in app_entry.get("source_files") or [app_entry["file"]]]
            data, err = run_routeguard(routeguard, files, checkout, EXT / "venvs" / target.venv)
            if data is None:
                return app_entry["file"], compare(app_entry["routes"], None), err
            return app_entry["file"], compare(app_entry["routes"], data["routes"]), ""

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for file, res, err in pool.map(one, apps):
                per_app[file] = res
                if err:
                    rg_errors[file] = err
        compared = {f: r for f, r in per_app.items() if f not in rg_errors}
        result["apps"] = len(apps)
        result["runtime_totals"] = {
            "fastapi_routes": sum(r.get("fastapi_routes", 0) for r in per_app.values()),
            "fastapi_scheme_routes": sum(r.get("fastapi_scheme_routes", 0) for r in per_app.values()),
        }
        result["comparison"] = aggregate(compared if routeguard else per_app, routeguard is not None)
        if routeguard is not None:
            result["comparison"]["apps_compared"] = len(compared)
            result["comparison"]["apps_with_differences"] = sorted(
                f for f, r in compared.items()
                if any(r.get(k) for k in ("missing", "extra", "scheme_unprotected", "protected_no_scheme")))
        if rg_errors:
            result["routeguard_errors"] = rg_errors
        result["per_app"] = per_app
        return result

    result["runtime_summary"] = inventory.get("summary", {})
    result["mounts"] = inventory.get("mounts", [])
    result["sub_apps"] = inventory.get("sub_apps", [])
    result["openapi_check_ok"] = inventory.get("openapi_check", {}).get("ok")
    rg_routes = None
    if routeguard is not None:
        data, err = run_routeguard(routeguard, [checkout / p for p in target.analyze], checkout,
                                   EXT / "venvs" / target.venv)
        if data is None:
            result["routeguard_error"] = err
        else:
            rg_routes = data["routes"]
    result["comparison"] = compare(inventory["routes"], rg_routes)
    return result


def print_list(title: str, items: list[str], limit: int) -> None:
    print(f"    {title}: {len(items)}")
    for line in items[:limit]:
        print(f"      - {line}")
    if len(items) > limit:
        print(f"      ... {len(items) - limit} more (--limit, or --json for all)")


def print_text(results: list[dict[str, Any]], rg_message: str, limit: int) -> None:
    if rg_message:
        print(f"NOTE: {rg_message}\n")
    for res in results:
        print(f"== {res['name']}")
        if res.get("note"):
            print(f"   {res['note']}")
        if res.get("error"):
            print(f"   runtime inventory FAILED: {res['error']}\n")
            continue
        v = res.get("versions", {})
        print(f"   python {v.get('python')}, fastapi {v.get('fastapi')}, starlette {v.get('starlette')}"
              + (f"; inventory {res['inventory_source']}" if res.get("inventory_source") else ""))
        rs = res.get("runtime_summary", {})
        if "apps" in res:
            print(f"   example files scanned {rs.get('files_scanned')}, defining app {rs.get('candidates')}, "
                  f"imported {rs.get('ok')}, failed {rs.get('import_error', 0)}"
                  + (f", compared {res['apps']} (--filter)" if res['apps'] != rs.get('ok') else ""))
        else:
            mounts = ", ".join(f"{m.get('kind')} {m.get('path')}" for m in res.get("mounts", [])) or "none"
            subs = ", ".join(f"{m.get('path')} ({m.get('app')})" for m in res.get("sub_apps", [])) or "none"
            print(f"   mounts: {mounts}; sub-apps: {subs}; openapi cross-check ok: {res.get('openapi_check_ok')}")
        if res.get("routeguard_error"):
            print(f"   routeguard FAILED: {res['routeguard_error']}")
        c = res["comparison"]
        rows = [("routes FastAPI has (method, path)", c.get("fastapi_routes")),
                ("  of which have a security scheme", c.get("fastapi_scheme_routes"))]
        totals = res.get("runtime_totals")
        if totals and totals.get("fastapi_routes") != c.get("fastapi_routes"):
            rows = [("routes FastAPI has, all imported apps", totals["fastapi_routes"]),
                    ("  of which have a security scheme", totals["fastapi_scheme_routes"]),
                    (f"routes FastAPI has, {c.get('apps_compared')} apps compared", c.get("fastapi_routes")),
                    ("  of which have a security scheme", c.get("fastapi_scheme_routes"))]
        if "matched" in c:
            rows += [
                ("routes routeguard found (reachable)", c.get("routeguard_routes")),
                ("routes routeguard marks unreachable", c.get("routeguard_unreachable_routes")),
                ("same (method, path)", c.get("matched")),
                ("missing from routeguard", len(c.get("missing", []))),
                ("extra in routeguard", len(c.get("extra", []))),
                ("scheme routes routeguard calls unprotected (must be 0)", len(c.get("scheme_unprotected", []))),
                ("protected per routeguard, no scheme at runtime (review)", len(c.get("protected_no_scheme", []))),
                ("routeguard `scheme` flag differs from runtime", len(c.get("scheme_flag_differs", []))),
            ]
        width = max(len(r[0]) for r in rows)
        for label, value in rows:
            print(f"   {label:<{width}}  {value if value is not None else '-'}")
        if "matched" in c:
            print(f"   routeguard states of matched routes: {c.get('routeguard_states_of_matched')}")
            print(f"   routeguard states of scheme routes:  {c.get('routeguard_states_of_scheme_routes')}")
            print_list("scheme routes called unprotected", c.get("scheme_unprotected", []), limit)
            print_list("missing", c.get("missing", []), limit)
            print_list("extra", c.get("extra", []), limit)
            print_list("extra (unreachable per routeguard)", c.get("extra_unreachable", []), limit)
            print_list("protected without scheme (review)", c.get("protected_no_scheme", []), limit)
            print_list("scheme flag differs", c.get("scheme_flag_differs", []), limit)
            if c.get("handler_differs"):
                print_list("handler name differs", c["handler_differs"], min(limit, 10))
        if res.get("import_failures"):
            print_list("example files FastAPI could not import (skipped)", res["import_failures"], limit)
        if res.get("routeguard_errors"):
            errs = [f"{f}: {e}" for f, e in res["routeguard_errors"].items()]
            print_list("apps routeguard failed on", errs, limit)
        print()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("targets", nargs="*", help=f"targets to run (default all): {', '.join(t.name for t in TARGETS)}")
    p.add_argument("--routeguard", type=Path, default=DEFAULT_ROUTEGUARD, help=f"default {DEFAULT_ROUTEGUARD}")
    p.add_argument("--runtime-only", action="store_true", help="do not run routeguard")
    p.add_argument("--inventories", type=Path, default=EXT / "inventories",
                   help="where runtime inventories are saved / read (default %(default)s)")
    p.add_argument("--use-saved", action="store_true", help="reuse saved runtime inventories when present")
    p.add_argument("--no-save", action="store_true", help="do not write runtime inventories")
    p.add_argument("--keep-tmp", action="store_true", help="keep the temporary working directories")
    p.add_argument("--filter", help="fastapi-docs_src: only example files matching this regex")
    p.add_argument("--jobs", type=int, default=1, help="routeguard processes in parallel for docs_src (default 1)")
    p.add_argument("--limit", type=int, default=40, help="list at most this many items per list in text output")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument("--list", action="store_true", help="list the targets and their commands, run nothing")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = {t.name for t in TARGETS}
    unknown = [n for n in args.targets if n not in names]
    if unknown:
        print(f"unknown target(s): {', '.join(unknown)}; known: {', '.join(sorted(names))}", file=sys.stderr)
        return 2
    targets = [t for t in TARGETS if not args.targets or t.name in args.targets]
    if args.list:
        for t in targets:
            print(f"{t.name}: {t.note}")
            print("  runtime:   " + " ".join(runtime_command(t, "{tmp}")))
            paths = " ".join(str(EXT / t.checkout / p) for p in t.analyze) or "<files of each app>"
            print(f"  routeguard: routes {paths} --format json")
        return 0

    rg_message = ""
    routeguard: Path | None = None
    if not args.runtime_only:
        ok, rg_message = routeguard_usable(args.routeguard)
        routeguard = args.routeguard if ok else None

    results = [process_target(t, args, routeguard) for t in targets]
    if args.json:
        print(json.dumps({"routeguard": str(routeguard) if routeguard else None, "routeguard_note": rg_message,
                          "targets": results}, indent=2))
    else:
        print_text(results, rg_message, args.limit)

    if any(r.get("error") for r in results):
        return 2
    if any(r.get("comparison", {}).get("scheme_unprotected") for r in results):
        return 1
    if routeguard is None and not args.runtime_only:
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
