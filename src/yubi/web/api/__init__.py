"""The REST API under ``/api/v1`` (OpenAPI document: ``/api/v1/openapi.json``).

Reading routes need the viewer role (anyone, on a ``--public`` server), writing routes the
analyst role; ``GET /api/v1/health`` answers everyone. Scripts authenticate with
``Authorization: Bearer <token>`` (``yubi token create NAME``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from yubi.store.accounts import Account
from yubi.web.api import briefs, cases, store
from yubi.web.auth import csrf_token, require_role

__all__ = ["PREFIX", "router"]

PREFIX = "/api/v1"
router = APIRouter(prefix=PREFIX)
router.include_router(cases.router)
router.include_router(store.router)
router.include_router(briefs.router)


@router.get("/health", tags=["server"])
async def health() -> dict[str, str]:
    """Whether the server is up (no authentication; says nothing about the store's data)."""
    from yubi import __version__

    return {"status": "ok", "version": __version__}


@router.get("/me", tags=["server"])
async def me(request: Request,
             account: Annotated[Account, Depends(require_role("viewer"))]) -> dict[str, str]:
    """Who the request acts as, and (for a browser session) the CSRF token its writes need
    in the ``X-CSRF-Token`` header."""
    return {"name": account.name, "role": account.role, "csrf_token": csrf_token(request)}


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request,
                  account: Annotated[Account, Depends(require_role("viewer"))]) -> Any:
    """The OpenAPI document of the API (readers only, like every other reading route)."""
    return api_schema(request.app)


def api_schema(app: Any) -> dict[str, Any]:
    """The OpenAPI document: the ``/api/v1`` routes only (pages are not an API)."""
    if getattr(app.state, "api_schema", None) is None:
        from fastapi.openapi.utils import get_openapi

        from yubi.web.routes import flat_routes

        routes = [r for r in flat_routes(app) if (r.path or "").startswith(PREFIX)]
        app.state.api_schema = get_openapi(
            title=app.title, version=app.version, routes=routes,
            description="yubi's workbench API. Authenticate with `Authorization: Bearer "
                        "<token>` (`yubi token create NAME`).")
    return app.state.api_schema  # type: ignore[no-any-return]
