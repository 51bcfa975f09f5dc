"""Authentication dependencies."""

from __future__ import annotations

from fastapi import HTTPException, status
from fastapi.security import OAuth2PasswordBearer

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/token")

SESSIONS = {"u-alice": "alice"}


def get_current_user(token: str) -> str:  # the tutorial's mistake: a query parameter
    user = SESSIONS.get(token)
    if user is None:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail="Not authenticated",
        )
    return user
