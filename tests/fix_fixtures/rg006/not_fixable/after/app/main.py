from fastapi import Depends, FastAPI

from app.legacy import lookup
from app.security import user_from_basic, user_from_token

app = FastAPI()


@app.get("/me")
def me(user: str = Depends(user_from_token), other: str = Depends(lookup), basic: str = Depends(user_from_basic)):
    return {"user": user, "other": other, "basic": basic}
