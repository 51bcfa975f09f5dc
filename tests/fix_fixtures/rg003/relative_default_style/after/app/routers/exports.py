from fastapi import APIRouter, Depends, HTTPException

from ..deps import get_current_user, oauth2_scheme

router = APIRouter(prefix="/exports")


@router.get("/{export_id}")
def download_export(export_id: int, token: str = Depends(oauth2_scheme)):  # a download link carries the token
    if not token:
        raise HTTPException(status_code=403, detail="Bad download token")
    return {"export_id": export_id}


@router.get("/mine")
def my_exports(user: str = Depends(get_current_user)):
    return {"owner": user, "exports": []}


@router.post("/refresh")
def refresh(refresh_token: str):  # not what a bearer scheme carries: left alone
    return {"access_token": refresh_token[::-1]}


@router.get("/preview/{export_id}")
def preview(access_token: str, export_id: int):  # a default cannot precede export_id: left alone
    return {"export_id": export_id, "token": access_token[:2]}


@router.get("/shared")
def shared(token: str | None = None):  # optional: making it required changes who can call it
    return {"shared": token is not None}
