from fastapi import APIRouter, Depends

from app.deps import CurrentUser, get_user_from_query, verify_admin

router = APIRouter(prefix="/items", tags=["items"])

ITEMS = {1: {"name": "Plumbus", "owner": "alice"}}


@router.get("/")
def list_items(user: CurrentUser) -> list[dict]:
    return [item for item in ITEMS.values() if item["owner"] == user["username"]]


@router.get("/{item_id}")
def read_item(item_id: int) -> dict:
    # Forgot the CurrentUser dependency: RG001.
    return ITEMS[item_id]


@router.delete("/{item_id}")
def delete_item(item_id: int, admin: bool = Depends(verify_admin)) -> dict:
    # verify_admin never rejects, so this route is open: RG001 (and RG002 on verify_admin).
    ITEMS.pop(item_id, None)
    return {"ok": True}


@router.get("/export/all")
def export_items(user: dict = Depends(get_user_from_query)) -> list[dict]:
    # The token is read from the URL (RG003): a request without it or with a wrong one is rejected, but the
    # credential ends up in access logs and browser history.
    return list(ITEMS.values())
