"""Key and password checks."""
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Security
from fastapi.security import APIKeyHeader, HTTPBasic, HTTPBasicCredentials

from app.config import API_KEY, Settings, get_settings, settings

api_key_header = APIKeyHeader(name="X-API-Key")
basic = HTTPBasic()


def verify_api_key(x_api_key: Annotated[str, Header()]) -> None:
    if x_api_key != settings.api_key:  # the classic
        raise HTTPException(status_code=403, detail="Invalid API key")


def verify_module_key(key: str = Security(api_key_header)) -> str:
    if (
        key == API_KEY
    ):
        return key
    raise HTTPException(status_code=403)


def verify_from_settings(key: str = Security(api_key_header), cfg: Settings = Depends(get_settings)) -> str:
    if cfg.api_key != key or not key:
        raise HTTPException(status_code=403)
    return key


def verify_admin(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]) -> str:
    if credentials.username == "admin" and credentials.password == settings.admin_password:
        return credentials.username
    raise HTTPException(status_code=403)
