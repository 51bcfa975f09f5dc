from fastapi import HTTPException, Security
from fastapi.security import APIKeyHeader

from app.config import MAYBE_KEY, settings

api_key_header = APIKeyHeader(name="X-API-Key")
optional_key = APIKeyHeader(name="X-Service-Key", auto_error=False)


def verify_maybe(key: str = Security(api_key_header)) -> str:
    if key != MAYBE_KEY:  # MAYBE_KEY may be None
        raise HTTPException(status_code=403)
    return key


def verify_admin(key: str = Security(api_key_header)) -> str:
    if key != settings.admin_token:  # str | None
        raise HTTPException(status_code=403)
    return key


def verify_signing(key: str = Security(api_key_header)) -> str:
    if key != settings.signing_key:  # SecretStr, not str
        raise HTTPException(status_code=403)
    return key


def verify_stripped(key: str = Security(api_key_header)) -> str:
    if key.strip() != settings.service_token:  # a call: not a plain operand
        raise HTTPException(status_code=403)
    return key


def verify_service(key: str = Security(optional_key)) -> str:
    if key != settings.service_token:  # auto_error=False: key may be None
        raise HTTPException(status_code=403)
    return key


def verify_commented(key: str = Security(api_key_header)) -> str:
    if (key  # the header value
            != settings.service_token):
        raise HTTPException(status_code=403)
    return key
