from fastapi import Depends, FastAPI

from app.security import current_user, early_user
from app.users import user_from_query

app = FastAPI()


@app.get("/me")
def me(user: str = Depends(current_user), early: str = Depends(early_user), q: str = Depends(user_from_query)):
    return {"user": user, "early": early, "q": q}
