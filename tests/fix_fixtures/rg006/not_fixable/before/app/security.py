from fastapi import Depends, HTTPException
from fastapi.security import HTTPBasic, OAuth2PasswordBearer

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
basic = HTTPBasic()
NO_CACHE = {"Cache-Control": "no-store"}
TOKENS: dict[str, str] = {}


def user_from_token(token: str = Depends(oauth2_scheme)) -> str:
    if token not in TOKENS:
        raise HTTPException(status_code=401, detail="Invalid token", headers=NO_CACHE)  # a name, not a literal
    if token.startswith("x"):
        raise HTTPException(status_code=401, headers=dict(reason="x"))  # a call, not a literal
    return TOKENS[token]


def helper_401() -> None:
    # this file uses both schemes and nothing runs this as a dependency: Basic or Bearer?
    raise HTTPException(status_code=401)


def user_from_basic(credentials=Depends(basic)) -> str:
    helper_401()
    return credentials.username
