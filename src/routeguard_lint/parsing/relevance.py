"""Which files to parse eagerly: a byte scan for what the analysis looks for in every file.

Most files of a large repository never mention FastAPI, a route or authentication; parsing them all is
most of a cold run (LibCST reads about 10,000 lines a second). The project-wide stages read such a file
only in two ways:

* by name: resolution follows an import, a re-export, a constant, a dependency into a module. The index
  parses a module the first time a lookup reaches it (api.OnDemandModules), whatever its text says;
* by scanning every module: the route graph (route decorators, `include_router`, `mount`,
  `add_middleware`, routers built by hand), the rules (`HTTPException` raises and exception handlers for
  RG006, token decoding for RG010, credentials read from headers, cookies or the session for RG003/RG005/
  RG007, security schemes' `tokenUrl`) and the inline suppressions (`# routeguard:`, `# noqa`).

`relevant()` is true for every file the second kind of read could find something in: it matches the
words and shapes those scans look for, over-approximating (substrings, words in strings and comments). A
file it rejects is still checked for what RG000 reports (extract.skim), and is parsed as soon as a name
lookup reaches it. `ROUTEGUARD_PARSE=all` parses every file eagerly instead (api.py), and
tests/test_demand.py checks that both modes give identical results.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the facts of parsed files, which this module looks through
    from routeguard_lint.facts import ir
    from routeguard_lint.facts.extract import ModuleFacts

# Substrings: `in` on bytes is a fast memchr-style search, far cheaper than a regular expression.
# `Depends` and `Security` are not among them: a dependency is only ever read by a lookup from a route,
# and "Security" alone selects generated schemas (prefect's 1 MB GraphQL types) that no scan needs.
NEEDLES: tuple[bytes, ...] = (
    b"fastapi", b"starlette", b"FastAPI", b"Starlette", b"Router", b"Route",
    b"HTTPException", b"WebSocketException", b"include_router", b"add_api_route", b"add_api_websocket_route",
    b"add_route", b"middleware", b"exception_handler", b"api_route", b"websocket", b"OAuth2", b"HTTPBearer",
    b"HTTPBasic", b"APIKey", b"tokenUrl", b"jwt", b"JWT", b"jose", b"get_unverified", b"decode_complete",
    b"routeguard", b"WWW-Authenticate", b"www-authenticate", b"dependency_overrides",
)

# Shapes a substring cannot express without matching most files.
PATTERNS = re.compile(
    rb"""\.\s*mount\b                                  # app.mount("/x", sub)
       | \.\s*(?:headers|cookies|session)\b            # credential reads: request.headers["..."]
       | @\s*[\w.]+\s*\.\s*(?:get|post|put|patch|delete|head|options|trace)\s*\(   # @router.get(...)
       | \.\w+\s*\([^()\n]*\)\s*\(\s*\w+\s*\)           # a route decorator applied by hand: r.get("/x")(f)
       | \#\s*noqa(?!\s*:)                              # a blanket noqa suppresses routeguard's rules too
       | \#\s*noqa\s*:[^\n]*[Rr][Gg]\d                  # noqa: RG001
    """,
    re.VERBOSE,
)


def relevant(data: bytes) -> bool:
    """Whether a scan of every module could find something in this file (see the module docstring)."""
    for needle in NEEDLES:
        if needle in data:
            return True
    return PATTERNS.search(data) is not None


# ------------------------------------------------------------------------------------ names, second pass
#
# A scan can also meet the framework through a project name: `raise NotAuthenticated()` where
# `class NotAuthenticated(HTTPException)` is defined elsewhere (RG006 judges every raise), a scheme built
# from a project subclass of `OAuth2PasswordBearer`, `raise unauthorized()` where that function returns an
# `HTTPException`. `framework_names` lists such names from the parsed modules; a placeholder whose text
# mentions one is parsed too (api.py), and that repeats until no new name appears.


def _last(expr: ir.Expr | None) -> str | None:
    from routeguard_lint.facts import ir

    while isinstance(expr, ir.Call):
        expr = expr.func
    name = ir.dotted(expr)
    return name.rpartition(".")[2] if name else None


def _framework(name: str | None, known: set[str]) -> bool:
    if not name:
        return False
    return name in known or relevant(name.encode())


def framework_names(modules: list[ModuleFacts], known: set[str]) -> set[str]:
    """Names of module-level classes deriving from a framework class (or from such a name), and of
    module-level functions that return an instance of one (a factory), in the parsed `modules`; iterated
    until nothing new appears, starting from `known`."""
    found = set(known)
    while True:
        before = len(found)
        for facts in modules:
            if facts.pending or facts.error:
                continue
            for cls in facts.classes.values():
                if "." not in cls.name and cls.name not in found and \
                        any(_framework(_last(base), found) for base in cls.bases):
                    found.add(cls.name)
            for func in facts.functions.values():
                if func.parent is not None or func.class_name is not None or func.name in found:
                    continue
                if any(_framework(_last(r.value), found) for r in func.returns if r.value is not None):
                    found.add(func.name)
        if len(found) == before:
            return found


_IDENTIFIER = re.compile(r"[^\W\d]\w*")


def identifiers(text: str) -> str:
    """The distinct identifiers (and other words) of a source text, space-separated: what a placeholder
    keeps so that `framework_names` can be matched against it without reading the file again."""
    return " ".join(sorted(set(_IDENTIFIER.findall(text))))
