"""The app factory: ``create_app(settings)`` builds the FastAPI app ``yubi serve`` runs.

It opens the same store as the CLI (schema migrated on first use), loads the server secret
from the store, and mounts: the login pages, the REST API under ``/api/v1`` (OpenAPI document
at ``/api/v1/openapi.json``), the workbench pages (:mod:`yubi.web.pages`, when present) and
the packaged static files. No documentation UI is served: it would load scripts from a CDN.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from yubi.store import accounts
from yubi.store.database import open_engine
from yubi.web import api, errors, login
from yubi.web.auth import check_csrf, csrf_token
from yubi.web.jobs import BriefJobs
from yubi.web.middleware import BodyLimit, SecurityHeaders
from yubi.web.runner import RunPool
from yubi.web.settings import WebSettings

__all__ = ["create_app"]

PACKAGE = Path(str(resources.files("yubi.web")))
DEFAULT_CASE = "dprk-russia-2024"


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """A new app on the store ``settings.database_url`` names (see :class:`WebSettings`)."""
    settings = settings or WebSettings()
    engine = open_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.warm_cases:
            # Compiled while the server already answers, so the first what-if is quick.
            from yubi.web.api.common import bundled_case

            threading.Thread(target=bundled_case, args=(DEFAULT_CASE,), daemon=True).start()
        yield
        app.state.runs.shutdown()
        app.state.briefs.shutdown()
        engine.dispose()

    import yubi

    app = FastAPI(
        title="yubi workbench API", version=yubi.__version__, lifespan=lifespan,
        openapi_url=None, docs_url=None, redoc_url=None,
        dependencies=[Depends(check_csrf)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.secret = accounts.server_secret(engine)
    # Both start their workers on first use (and again after the app is stopped and started).
    app.state.runs = RunPool(settings.run_workers, settings.run_timeout, settings.queue_timeout)
    app.state.briefs = BriefJobs()
    app.state.login_throttle = login.Throttle()
    templates = Jinja2Templates(directory=PACKAGE / "templates")
    templates.env.globals["csrf_token"] = csrf_token
    app.state.templates = templates

    errors.install(app)
    app.include_router(login.router)
    app.include_router(api.router)
    if importlib.util.find_spec("yubi.web.pages") is not None:
        app.include_router(importlib.import_module("yubi.web.pages").router)
    app.mount("/static", StaticFiles(directory=PACKAGE / "static", check_dir=False),
              name="static")
    # The last added runs first: security headers wrap every answer, the 413 included.
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app
