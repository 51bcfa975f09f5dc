from fastapi import Depends, HTTPException

from app.users import find_user  # security imports users: users must not import security


def early_user(token: str) -> str:  # oauth2_scheme is only assigned below: a default would fail at import
    if not token:
        raise HTTPException(status_code=403)
    return token


from fastapi.security import OAuth2PasswordBearer  # noqa: E402

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def current_user(token: str = Depends(oauth2_scheme)) -> str:
    return find_user(token)
