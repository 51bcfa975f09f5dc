from http import HTTPStatus

import fastapi
from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import AuthError, credentials_exception

oauth2_scheme = OAuth2PasswordBearer(tokenUrl='token')
TOKENS: dict[str, str] = {}


def user_from_token(token: str = Depends(oauth2_scheme)) -> str:
    user = TOKENS.get(token)
    if user is None:
        raise HTTPException(status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"})
    return user


def user_positional(token: str = Depends(oauth2_scheme)) -> str:
    if token not in TOKENS:
        raise HTTPException(401, 'Not authenticated', headers={'WWW-Authenticate': 'Bearer'})
    return TOKENS[token]


def user_qualified(token: str = Depends(oauth2_scheme)) -> str:
    if token not in TOKENS:
        raise fastapi.HTTPException(status_code=HTTPStatus.UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
    return TOKENS[token]


def user_starlette(token: str = Depends(oauth2_scheme)) -> str:
    if token not in TOKENS:
        raise StarletteHTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return TOKENS[token]


def user_reason(token: str = Depends(oauth2_scheme)) -> str:
    if token.endswith(".old"):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Token expired",
            headers={
                "X-Reason": "expired",  # clients show this
                "WWW-Authenticate": "Bearer",
            },
        )
    if token not in TOKENS:
        raise credentials_exception
    return TOKENS[token]


def user_subclass(token: str = Depends(oauth2_scheme)) -> str:
    if token not in TOKENS:
        raise AuthError()
    return TOKENS[token]


def require_admin(user: str = Depends(user_from_token)) -> str:
    if user != "admin":
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Admins only")
    return user
