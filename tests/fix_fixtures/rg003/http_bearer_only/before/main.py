from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

app = FastAPI()
bearer = HTTPBearer()


def current_user(token: str):  # HTTPBearer gives HTTPAuthorizationCredentials, not this str
    if not token.startswith("u-"):
        raise HTTPException(status_code=403)
    return token[2:]


def bearer_user(credentials: HTTPAuthorizationCredentials = Depends(bearer)):
    return credentials.credentials


@app.get("/me")
def me(user: str = Depends(current_user), other: str = Depends(bearer_user)):
    return {"user": user, "other": other}
