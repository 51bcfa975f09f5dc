from fastapi import APIRouter, Depends

from app.api.routes import admin, items, login, reports
from app.deps import require_api_key

api_router = APIRouter()
api_router.include_router(login.router)
api_router.include_router(items.router)
api_router.include_router(reports.router)
api_router.include_router(admin.router, dependencies=[Depends(require_api_key)])
