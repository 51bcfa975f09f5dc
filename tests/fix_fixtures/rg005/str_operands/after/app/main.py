from fastapi import Depends, FastAPI

from app.security import verify_admin, verify_api_key, verify_from_settings, verify_module_key

app = FastAPI(dependencies=[Depends(verify_api_key)])


@app.get("/keys")
def keys(a: str = Depends(verify_module_key), b: str = Depends(verify_from_settings)):
    return {"a": a[:2], "b": b[:2]}


@app.get("/admin")
def admin(user: str = Depends(verify_admin)):
    return {"user": user}
