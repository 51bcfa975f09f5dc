from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path

from app.security import oauth2_scheme

router = APIRouter()


async def current_user(access_token: Annotated[str, Depends(oauth2_scheme)]) -> str:
    if not access_token.startswith("u-"):
        raise HTTPException(status_code=403)
    return access_token[2:]


@router.get("/users/{user_id}")
async def read_user(user_id: Annotated[int, Path(ge=1)], me: Annotated[str, Depends(current_user)]):
    return {"id": user_id, "me": me}
