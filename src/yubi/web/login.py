"""Log in and log out (the only pages of the server side; the workbench pages build on them).

The login form has its own CSRF defence, as no session exists yet: ``GET /login`` sets a random
``yubi_login`` cookie and puts its HMAC in the form; ``POST /login`` accepts the form only if
the two match (a cross-site page can make a browser post the form but cannot read the cookie).
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import threading
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from yubi.store import accounts
from yubi.web.auth import SESSION_COOKIE, Principal, keyed_digest, principal

__all__ = ["Throttle", "router", "safe_next"]

LOGIN_COOKIE = "yubi_login"
SAFE_PATH = re.compile(r"/[A-Za-z0-9/_.~%?=&+-]*")
#: Failed logins per user name allowed within :data:`THROTTLE_WINDOW` seconds.
THROTTLE_FAILURES = 10
THROTTLE_WINDOW = 600.0
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
    throttle: Throttle = request.app.state.login_throttle
    if throttle.blocked(username):
        log.warning("login for %r refused: too many failures", username[:64])
        return _render(request, nonce, target, "Too many failed logins for this user; try "
                       "again in a few minutes.", 429)
    engine = request.app.state.engine
    # argon2 takes tens of milliseconds of CPU: off the event loop.
    account = await run_in_threadpool(accounts.authenticate, engine, username, password)
    if account is None:
        throttle.failed(username)
        log.info("failed login for %r from %s", username[:64], _client(request))
        return _render(request, nonce, target, "Wrong user name or password.", 401)
    throttle.succeeded(username)
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:  # a new login replaces the browser's old session everywhere
        await run_in_threadpool(accounts.end_session, engine, previous)
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


class Throttle:
    """Failed logins per user name (in this server process): password guessing is slowed to
    :data:`THROTTLE_FAILURES` tries per :data:`THROTTLE_WINDOW` seconds and name."""

    def __init__(self) -> None:
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, name: str) -> bool:
        with self._lock:
            recent = self._recent(name)
            return len(recent) >= THROTTLE_FAILURES

    def failed(self, name: str) -> None:
        with self._lock:
            self._failures[name] = [*self._recent(name), time.monotonic()]
            if len(self._failures) > 10_000:  # a flood of made-up names: forget the oldest
                self._failures.pop(next(iter(self._failures)))

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)

    def _recent(self, name: str) -> list[float]:
        since = time.monotonic() - THROTTLE_WINDOW
        return [t for t in self._failures.get(name, []) if t > since]



def set_cookie(request: Request, response: Response, name: str, value: str,
               max_age: int) -> None:
    """A cookie scripts cannot read, not sent on cross-site sub-requests, Secure over TLS."""
    secure = request.url.scheme == "https" or request.app.state.settings.behind_tls
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=secure)


def safe_next(target: str) -> str:
    """Where to go after login: a path on this server only (no open redirect).

    Only plain URL characters are let through: browsers drop tabs and newlines from a URL,
    so ``/\t/evil.example`` would become ``//evil.example``, another host.
    """
    if not SAFE_PATH.fullmatch(target) or target.startswith("//"):
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
