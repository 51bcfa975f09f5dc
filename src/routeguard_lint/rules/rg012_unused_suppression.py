"""RG012 unused-suppression: an inline routeguard directive or `noqa` code that has no effect."""

from __future__ import annotations

from collections.abc import Iterable

from routeguard_lint.model import Finding
from routeguard_lint.routes.model import Graph
from routeguard_lint.rules._util import finding
from routeguard_lint.rules.base import Rule

# This rule reads what the suppression stage recorded, so it runs after it (see `api.analyze`).
PHASE = "after-suppression"

RULE = Rule(
    code="RG012",
    name="unused-suppression",
    summary="An inline `# routeguard:` directive or `# noqa: RGxxx` that suppresses nothing or is malformed.",
    severity="warning",
    precision="very-high",
    what="""
A suppression comment that does nothing:

* `# routeguard: ignore[RG001] -- reason` or `# noqa: RG001` on a line where no RG001 finding is
  reported (any more); `# routeguard: ignore -- reason` (every rule) on a line with no finding at all;
* `# routeguard: public -- reason` that is not on a route declaration (the decorator's line, any line of
  a multi-line decorator, or the `add_api_route(` line), or that has no reason;
* a directive routeguard cannot read: an unknown verb (`# routeguard: ignroe`), an unknown rule code,
  an empty `ignore[]`, or text after the codes that is not ` -- reason`.

Only codes of rules that ran are checked (a code disabled by `select`/`ignore` is not "unused"). A bare
`# noqa` and a `# noqa` listing only other tools' codes (`# noqa: E501`) are never reported: they
belong to other linters too.
""",
    why="""
A suppression is a reviewed exception to a security check. One that no longer suppresses anything is a
loaded gun: the route it was written for has moved or been fixed, and the comment will silently swallow
whatever finding appears on that line next, for reasons nobody reviewed. A malformed directive is
worse: the author believes a decision is recorded (a route declared public, a finding accepted) while
routeguard ignored it.
""",
    example="""
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def current_user(token: str = Depends(oauth2_scheme)):
    return USERS.get(token) or reject()


def reject():
    raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"})


@app.get("/reports/{report_id}")  # routeguard: ignore[RG001] -- legacy client, see #412
async def read_report(report_id: int, user: dict = Depends(current_user)):
    # the route is authenticated now: the suppression above suppresses nothing
    return {"id": report_id}


@app.post("/webhooks/stripe")  # routeguard: publc -- signed payload  (typo: not a directive)
async def stripe_webhook():
    return {}


USERS: dict = {}
""",
    good="""
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def current_user(token: str = Depends(oauth2_scheme)):
    return USERS.get(token) or reject()


def reject():
    raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"})


@app.get("/reports/{report_id}")
async def read_report(report_id: int, user: dict = Depends(current_user)):
    return {"id": report_id}


@app.post("/webhooks/stripe")  # routeguard: public -- signed payload, verified in the handler
async def stripe_webhook():
    return {}


USERS: dict = {}
""",
    fix="""
Delete the comment (or the unused code from its list) when the finding it was written for is gone; fix
the spelling of a malformed directive:

```python
@router.post("/webhooks/stripe")  # routeguard: public -- signed payload, verified in the handler
```
""",
)


def check(graph: Graph) -> Iterable[Finding]:
    from routeguard_lint.intent.suppress import comment_column, directive_problems

    intent = getattr(graph, "intent", None)
    if intent is None or not intent.suppressed:
        return
    cache: dict[str, list[str] | None] = {}
    for directive in intent.directives:
        problems = directive_problems(directive, intent.ran)
        if not problems:
            continue
        column = comment_column(directive, cache)
        end = column + len(directive.comment) - directive.offset  # to the end of the comment
        for problem in problems:
            yield finding(RULE, problem, directive.path, directive.line, column, end,
                          key=f"RG012:{directive.path}:{directive.head}:{problem}")
