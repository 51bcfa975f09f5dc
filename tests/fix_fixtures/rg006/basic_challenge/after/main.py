import secrets
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import HTTPBasic, HTTPBasicCredentials

app = FastAPI()
security = HTTPBasic()
USERS = {"alice": b"wonderland"}


def current_username(credentials: Annotated[HTTPBasicCredentials, Depends(security)]) -> str:
    expected = USERS.get(credentials.username)
    if expected is None or not secrets.compare_digest(credentials.password.encode(), expected):
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Incorrect username or password", headers={"WWW-Authenticate": "Basic"})
    return credentials.username


@app.get("/users/me")
def read_current_user(username: Annotated[str, Depends(current_username)]):
    return {"username": username}
