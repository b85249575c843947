"""The app's routes as one flat list, whatever FastAPI version builds them.

FastAPI 0.16x keeps included routers as lazy branches of ``app.routes``; older versions list
every route there. The role tests and the OpenAPI document both need the flat list.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI

__all__ = ["flat_routes"]


def flat_routes(app: FastAPI) -> Iterator[Any]:
    """Every route (path, methods, endpoint, include_in_schema), included routers opened."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI < 0.160: app.routes is already flat
        yield from app.routes
        return
    yield from iter_route_contexts(app.routes)
