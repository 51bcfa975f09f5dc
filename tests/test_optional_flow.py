"""The anonymous-request walk (flow.py): does a function reject a request whose credential is missing?"""

from __future__ import annotations

import textwrap

import pytest

from routeguard_lint.auth.missing_credential import MISSING
from routeguard_lint.auth.optional_auth import make_flow, optional_use
from routeguard_lint.facts.extract import extract
from routeguard_lint.project.index import FuncV, Index

HEADER = """\
import hmac
import jwt
from fastapi import HTTPException

KEYS = {"k1": "billing"}
SECRET = "x"


def lookup(token):
    return DB.query(token)


def require(token):
    if not token:
        raise HTTPException(status_code=401)
    return token

"""

# (body of `def dep(token):`, rejects a missing token?)
CASES = {
    "is-none-raise": ("if token is None:\n    raise HTTPException(status_code=401)\nreturn lookup(token)", True),
    "not-token-raise": ("if not token:\n    raise HTTPException(status_code=401)\nreturn token", True),
    "explicit-none": ("if token is None:\n    return None\nreturn lookup(token)", False),
    "only-when-present": ("if token:\n    return lookup(token)", False),
    "else-branch-raises": ("if token:\n    return lookup(token)\nelse:\n    raise HTTPException(status_code=401)",
                           True),
    "elif-chain": ("if token is None:\n    raise HTTPException(401)\nelif token == 'x':\n    return 1\n"
                   "else:\n    return 2", True),
    "not-in-table": ("if token not in KEYS:\n    raise HTTPException(status_code=403)\nreturn KEYS[token]", True),
    "table-lookup-in-try": ("try:\n    return KEYS[token]\nexcept KeyError:\n    raise HTTPException(403)", True),
    "jwt-decode-in-try": ("try:\n    payload = jwt.decode(token, SECRET, algorithms=['HS256'])\n"
                          "except jwt.PyJWTError:\n    raise HTTPException(401)\nreturn payload", True),
    "decode-only-if-present": ("if token:\n    try:\n        return jwt.decode(token, SECRET, algorithms=['HS256'])\n"
                               "    except jwt.PyJWTError:\n        raise HTTPException(401)", False),
    "lookup-then-check-result": ("user = lookup(token)\nif user is None:\n    raise HTTPException(401)\nreturn user",
                                 False),
    "empty-default-partition": ("scheme, _, cred = (token or '').partition(' ')\n"
                                "if scheme.lower() != 'bearer':\n    raise HTTPException(401)\nreturn cred", True),
    "compare-digest": ("if not hmac.compare_digest(token or '', SECRET):\n    raise HTTPException(401)\n"
                       "return token", True),
    "helper-rejects": ("token = require(token)\nreturn lookup(token)", True),
    "attribute-of-none": ("return token.upper()", True),
    "assert-is-not-a-rejection": ("assert token is not None\nreturn lookup(token)", False),
    "loop-over-keys": ("for key in KEYS:\n    if key == token:\n        return key\nraise HTTPException(401)", True),
}


def _outcome(body: str):
    source = HEADER + "def dep(token):\n" + textwrap.indent(body, "    ") + "\n"
    facts = extract(source.encode(), "m.py", "m", False)
    assert facts.error is None, facts.error
    flow = make_flow(Index([facts]))
    return flow.run(FuncV("m", "dep"), {"token": MISSING})


@pytest.mark.parametrize("name", sorted(CASES))
def test_missing_credential(name: str) -> None:
    body, rejects = CASES[name]
    outcome = _outcome(body)
    assert outcome.passes is not rejects, (name, outcome)


def test_uses_tells_a_lookup_from_an_explicit_none() -> None:
    assert optional_use(_outcome("if token is None:\n    return None\nreturn lookup(token)")) == []
    uses = optional_use(_outcome("user = lookup(token)\nif user and user.disabled:\n    raise HTTPException(403)\n"
                                 "return user"))
    assert [u.line for u in uses] and not uses[0].implicit
    fall = optional_use(_outcome("if token:\n    return lookup(token)"))
    assert len(fall) == 1 and fall[0].implicit
