import os
import secrets

import fastapi
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
SERVICE_TOKEN = os.environ["SERVICE_TOKEN"]


def verify_token(token: str = Depends(oauth2_scheme)) -> None:
    if not secrets.compare_digest(token.encode(), SERVICE_TOKEN.encode()):
        raise HTTPException(status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"})


@app.get("/internal/stats", dependencies=[fastapi.Depends(verify_token)])
def stats():
    return {"ok": True}
