import os

import fastapi
from fastapi import FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
SERVICE_TOKEN = os.environ["SERVICE_TOKEN"]


def verify_token(token: str) -> None:
    if token != SERVICE_TOKEN:
        raise HTTPException(status_code=401, detail="Invalid token")


@app.get("/internal/stats", dependencies=[fastapi.Depends(verify_token)])
def stats():
    return {"ok": True}
