from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from app.security import oauth2_scheme  # noqa: F401  (imported for the other routes)

router = APIRouter()
ITEMS = {1: "hammer"}


@router.get("/items/{item_id}")
async def read_item(
    item_id: int,
    token: Annotated[str, Depends(oauth2_scheme)],
    q: Annotated[str | None, Query(max_length=50)] = None,
):
    if not token:
        raise HTTPException(status_code=403)
    return {"item": ITEMS.get(item_id), "q": q}
