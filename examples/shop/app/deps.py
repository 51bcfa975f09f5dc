from typing import Annotated

from fastapi import Depends, Header, HTTPException, status
from fastapi.security import OAuth2PasswordBearer

from app.config import settings

oauth2_scheme = OAuth2PasswordBearer(tokenUrl=f"{settings.API_V1_STR}/login/access-token")

USERS = {"alice-token": {"username": "alice", "is_admin": True}}


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> dict:
    user = USERS.get(token)
    if user is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Invalid authentication credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[dict, Depends(get_current_user)]


def verify_admin():
    # Looks like a check, never rejects anything: RG002.
    return True


def get_user_from_query(token: str) -> dict:
    # `token` arrives in the query string: RG003.
    user = USERS.get(token)
    if user is None:
        raise HTTPException(status_code=401, detail="Invalid token",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


def require_api_key(x_api_key: Annotated[str, Header()]) -> None:
    if x_api_key not in {settings.ADMIN_API_KEY}:
        raise HTTPException(status_code=403, detail="Forbidden")
