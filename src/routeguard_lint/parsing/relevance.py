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

# Substrings: `in` on bytes is a fast memchr-style search, far cheaper than a regular expression.
NEEDLES: tuple[bytes, ...] = (
    b"fastapi", b"starlette", b"FastAPI", b"Starlette", b"Depends", b"Security", b"Router", b"Route",
    b"HTTPException", b"WebSocketException", b"include_router", b"add_api_route", b"add_api_websocket_route",
    b"add_route", b"middleware", b"exception_handler", b"api_route", b"websocket", b"OAuth2", b"HTTPBearer",
    b"HTTPBasic", b"APIKey", b"tokenUrl", b"jwt", b"JWT", b"jose", b"get_unverified", b"decode_complete",
    b"routeguard", b"WWW-Authenticate", b"www-authenticate",
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
