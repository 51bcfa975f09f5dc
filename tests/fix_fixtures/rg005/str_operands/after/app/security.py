"""Key and password checks."""
import secrets
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Security
from fastapi.security import APIKeyHeader, HTTPBasic, HTTPBasicCredentials

from app.config import API_KEY, Settings, get_settings, settings

api_key_header = APIKeyHeader(name="X-API-Key")
basic = HTTPBasic()


def verify_api_key(x_api_key: Annotated[str, Header()]) -> None:
    if not secrets.compare_digest(x_api_key.encode(), settings.api_key.encode()):  # the classic
        raise HTTPException(status_code=403, detail="Invalid API key")


def verify_module_key(key: str = Security(api_key_header)) -> str:
    if (
        secrets.compare_digest(key.encode(), API_KEY.encode())
    ):
        return key
    raise HTTPException(status_code=403)


def verify_from_settings(key: str = Security(api_key_header), cfg: Settings = Depends(get_settings)) -> str:
    if not secrets.compare_digest(cfg.api_key.encode(), key.encode()) or not key:
        raise HTTPException(status_code=403)
    return key


def verify_admin(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]) -> str:
    if credentials.username == "admin" and secrets.compare_digest(credentials.password.encode(), settings.admin_password.encode()):
        return credentials.username
    raise HTTPException(status_code=403)
