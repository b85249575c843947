"""Log in and log out (the only pages of the server side; the workbench pages build on them).

The login form has its own CSRF defence, as no session exists yet: ``GET /login`` sets a random
``yubi_login`` cookie and puts its HMAC in the form; ``POST /login`` accepts the form only if
the two match (a cross-site page can make a browser post the form but cannot read the cookie).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from yubi.store import accounts
from yubi.web.auth import SESSION_COOKIE, Principal, keyed_digest, principal

__all__ = ["router", "safe_next"]

LOGIN_COOKIE = "yubi_login"
log = logging.getLogger("yubi.web")
router = APIRouter(include_in_schema=False)


@router.get("/login")
async def login_form(request: Request, next: str = "/") -> Response:
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = _render(request, nonce, safe_next(next), error=None, status=200)
    set_cookie(request, response, LOGIN_COOKIE, nonce, max_age=3600)
    return response


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    target = safe_next(next)
    if not nonce or not hmac.compare_digest(csrf_token, keyed_digest(request, "login", nonce)):
        fresh = secrets.token_urlsafe(24)
        response = _render(request, fresh, target, "The form expired; please try again.", 403)
        set_cookie(request, response, LOGIN_COOKIE, fresh, max_age=3600)
        return response
    engine = request.app.state.engine
    # argon2 takes tens of milliseconds of CPU: off the event loop.
    account = await run_in_threadpool(accounts.authenticate, engine, username, password)
    if account is None:
        log.info("failed login for %r from %s", username[:64], _client(request))
        return _render(request, nonce, target, "Wrong user name or password.", 401)
    lifetime = request.app.state.settings.session_lifetime
    session_id = await run_in_threadpool(accounts.create_session, engine, account, lifetime)
    response = RedirectResponse(target, status_code=303)
    set_cookie(request, response, SESSION_COOKIE, session_id,
               max_age=int(lifetime.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path="/")
    log.info("%s logged in from %s", account.name, _client(request))
    return response


@router.post("/logout")
async def logout(request: Request,
                 found: Annotated[Principal, Depends(principal)]) -> Response:
    # The app-wide CSRF check has already run: a cross-site page cannot log a user out.
    if found.session_id is not None:
        await run_in_threadpool(accounts.end_session, request.app.state.engine,
                                found.session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def set_cookie(request: Request, response: Response, name: str, value: str,
               max_age: int) -> None:
    """A cookie scripts cannot read, not sent on cross-site sub-requests, Secure over TLS."""
    secure = request.url.scheme == "https" or request.app.state.settings.behind_tls
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=secure)


def safe_next(target: str) -> str:
    """Where to go after login: a path on this server only (no open redirect)."""
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\n" in target:
        return "/"
    return target


def _render(request: Request, nonce: str, target: str, error: str | None,
            status: int) -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request, "login.html",
        {"login_csrf": keyed_digest(request, "login", nonce), "next": target, "error": error},
        status_code=status)


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"
