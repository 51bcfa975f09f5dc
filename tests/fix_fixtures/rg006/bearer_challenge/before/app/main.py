from fastapi import Depends, FastAPI

from app.security import require_admin, user_positional, user_qualified, user_reason, user_starlette, user_subclass

app = FastAPI()


@app.get("/positional")
def positional(user: str = Depends(user_positional)):
    return {"user": user}


@app.get("/qualified")
def qualified(user: str = Depends(user_qualified)):
    return {"user": user}


@app.get("/starlette")
def starlette_exc(user: str = Depends(user_starlette)):
    return {"user": user}


@app.get("/reason")
def reason(user: str = Depends(user_reason)):
    return {"user": user}


@app.get("/subclass")
def subclass(user: str = Depends(user_subclass)):
    return {"user": user}


@app.get("/admin")
def admin(user: str = Depends(require_admin)):
    return {"user": user}
