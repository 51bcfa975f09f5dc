from fastapi import FastAPI

from app.api.main import api_router
from app.config import settings

app = FastAPI(title="Shop")


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


app.include_router(api_router, prefix=settings.API_V1_STR)
