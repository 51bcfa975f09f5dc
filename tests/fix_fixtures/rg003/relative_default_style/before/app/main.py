from fastapi import FastAPI

from .routers import exports

app = FastAPI(title="Data exports")
app.include_router(exports.router)
