"""FastAPI's vocabulary as the route table reads it: the classes that make apps and routers, the route
decorators, the dependency and parameter markers, and the names that say a function authenticates."""

from __future__ import annotations

import re

from routeguard_lint.project.index import ExternalV, Value

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
APP_CLASSES = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI"})
ROUTER_CLASSES = frozenset({"fastapi.APIRouter", "fastapi.routing.APIRouter"})
DEPENDS = frozenset({"fastapi.Depends", "fastapi.params.Depends", "fastapi.param_functions.Depends"})
SECURITY = frozenset({"fastapi.Security", "fastapi.params.Security", "fastapi.param_functions.Security"})
ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
REQUEST_TYPES = frozenset({"Request", "HTTPConnection", "WebSocket"})
NON_QUERY_TYPES = frozenset({"Request", "HTTPConnection", "WebSocket", "Response", "BackgroundTasks",
                             "SecurityScopes", "UploadFile"})
PARAM_FUNCS = frozenset({"Header", "Cookie", "Query", "Path", "Body", "Form", "File"})

APP_URL_DEFAULTS = {"openapi_url": "/openapi.json", "docs_url": "/docs", "redoc_url": "/redoc",
                    "swagger_ui_oauth2_redirect_url": "/docs/oauth2-redirect"}

AUTH_NAME = re.compile(r"(auth|verif|current_?(active_?)?(super_?)?user|permission|login|guard|requir|"
                       r"admin_only|only_admin|check_(token|user|key|access|api)|access_control|protect)",
                       re.IGNORECASE)


def external_name(value: Value) -> str | None:
    return value.qualname if isinstance(value, ExternalV) else None


def last_name(qualname: str | None) -> str:
    return qualname.rsplit(".", 1)[-1] if qualname else ""


def is_fastapi_name(qualname: str | None, names: frozenset[str] | set[str], package: str = "fastapi") -> bool:
    return qualname is not None and (qualname.startswith(package + ".") or qualname.startswith("starlette.")) \
        and last_name(qualname) in names
