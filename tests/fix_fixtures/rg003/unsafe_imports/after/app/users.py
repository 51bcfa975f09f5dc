from fastapi import HTTPException

USERS = {"u-alice": "alice"}


def find_user(token: str) -> str:
    user = USERS.get(token)
    if user is None:
        raise HTTPException(status_code=403)
    return user


def user_from_query(access_token: str) -> str:  # importing oauth2_scheme here would be an import cycle
    return find_user(access_token)
