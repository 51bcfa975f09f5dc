from fastapi import HTTPException

USERS = {"u-1": "alice"}


def lookup(user_id: str) -> str:
    # the project has both HTTPBasic and a token scheme, and this file uses neither: Basic or Bearer?
    if user_id not in USERS:
        raise HTTPException(status_code=401)
    return USERS[user_id]
