"""Error answers: 422 naming the field and the reason, and never a stack trace to a client.

Every 422 has FastAPI's shape, ``{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}``,
whether pydantic refused the request or yubi's own checks did (a what-if change naming no
quantity, an evidence row with a bad grade). Any other exception is logged with an incident
id and answered with a generic 500 carrying that id.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from yubi.errors import DataError, YubiInputError

__all__ = ["install", "invalid"]

log = logging.getLogger("yubi.web")


def invalid(loc: Sequence[str | int], message: str, kind: str = "value_error") -> HTTPException:
    """A 422 about one field, e.g. ``invalid(("body", "changes", "troops_cap"), "...")``."""
    return HTTPException(422, [{"loc": list(loc), "msg": message, "type": kind}])


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(YubiInputError, _yubi_input)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal)


async def _validation(request: Request, error: RequestValidationError) -> Response:
    # Not echoing "input" back: it may be a password or a megabyte of text.
    detail = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")),
               "type": str(e.get("type", "value_error"))} for e in error.errors()]
    return JSONResponse({"detail": detail}, status_code=422)


async def _yubi_input(request: Request, error: YubiInputError) -> Response:
    if isinstance(error, DataError):
        detail = [{"loc": ["body"], "msg": problem, "type": "value_error"}
                  for problem in error.problems]
    else:
        detail = [{"loc": ["body"], "msg": str(error), "type": "value_error"}]
    return JSONResponse({"detail": detail}, status_code=422)


async def _http(request: Request, error: StarletteHTTPException) -> Response:
    # A browser asking for a page without a session goes to the login form.
    if (error.status_code == 401 and not request.url.path.startswith("/api/")
            and "text/html" in request.headers.get("accept", "")):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return await http_exception_handler(request, error)


async def _internal(request: Request, error: Exception) -> Response:
    incident = uuid.uuid4().hex[:12]
    log.error("internal error %s on %s %s", incident, request.method, request.url.path,
              exc_info=error)
    return JSONResponse(
        {"detail": f"internal error (incident {incident}); the server log has the details"},
        status_code=500)
