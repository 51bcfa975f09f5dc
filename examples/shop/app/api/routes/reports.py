from typing import Annotated, Optional

import jwt
from fastapi import APIRouter, Depends, Header, HTTPException, Security
from fastapi.security import OAuth2PasswordBearer

from app.config import settings
from app.deps import USERS, get_current_user

router = APIRouter(prefix="/reports", tags=["reports"])

optional_oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/login/access-token", auto_error=False)


def get_reporter(x_report_token: Annotated[str, Header()]) -> str:
    # A literal credential in the code (RG004) and a 401 without a challenge (RG006).
    if x_report_token != "reports-2024":
        raise HTTPException(status_code=401, detail="Bad report token")
    return "reporter"


def get_auditor(x_api_key: Annotated[str, Header()]) -> str:
    # Compared with == against a configured secret: timing-unsafe (RG005).
    if x_api_key != settings.ADMIN_API_KEY:
        raise HTTPException(status_code=403, detail="Forbidden")
    return "auditor"


def get_optional_user(token: Optional[str] = Depends(optional_oauth2)) -> dict:
    # auto_error=False: a bad token is rejected, but a request without one falls off the end (RG008).
    if token:
        user = USERS.get(token)
        if user is None:
            raise HTTPException(status_code=401, detail="Invalid token",
                                headers={"WWW-Authenticate": "Bearer"})
        return user


def get_partner(x_partner_token: Annotated[str, Header()]) -> dict:
    # The signature is never checked: anyone can forge a partner token (RG010).
    return jwt.decode(x_partner_token, options={"verify_signature": False})


@router.get("/daily")
def daily(reporter: str = Depends(get_reporter)) -> dict:
    return {"sales": 12}


@router.get("/audit")
def audit(auditor: str = Depends(get_auditor)) -> dict:
    return {"events": []}


@router.get("/mine")
def my_reports(user: dict = Depends(get_optional_user)) -> dict:
    return {"owner": user["username"]}


@router.get("/partner")
def partner_reports(partner: dict = Depends(get_partner)) -> dict:
    return {"partner": partner.get("sub")}


@router.post("/publish")
def publish(user: dict = Security(get_current_user, scopes=["reports:publish"])) -> dict:
    # The scope is documented in OpenAPI but nothing checks SecurityScopes (RG009).
    return {"published": True}


@router.get("/export")
def export(user: dict = Depends(get_current_user)) -> dict:
    if not user.get("is_admin"):
        # A failed authorization answered with a 200 body (RG007).
        return {"error": "Not allowed"}
    return {"rows": []}
