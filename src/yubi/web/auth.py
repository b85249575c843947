"""Who a request acts as, what it may do, and the CSRF check.

A request is authenticated by an ``Authorization: Bearer`` API token (scripts), else by the
``yubi_session`` cookie (browsers), else it is anonymous. Page and API routes alike declare
what they need with :func:`require_role`; anonymous visitors get the viewer's reading rights
only when the server runs with ``--public``.

CSRF: a cookie-authenticated request with an unsafe method (POST, PUT, PATCH, DELETE) must
carry the session's CSRF token, in the ``X-CSRF-Token`` header (htmx, ``fetch``) or in a
``csrf_token`` form field. The token is an HMAC of the session id under the server secret, so
it needs no storage and changes with every login. Token-authenticated requests are exempt: a
browser never adds an ``Authorization`` header by itself, so a forged cross-site request
cannot carry one.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from yubi.store import accounts
from yubi.store.accounts import Account

__all__ = [
    "ANONYMOUS",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "Principal",
    "Reader",
    "Writer",
    "check_csrf",
    "csrf_token",
    "principal",
    "require_role",
]

SESSION_COOKIE = "yubi_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Routes that check a token of their own: the login form is posted before (or instead of)
#: a session, so it carries the pre-login token (see :mod:`yubi.web.login`).
OWN_CSRF_CHECK = frozenset({"/login"})
#: What an anonymous visitor of a ``--public`` server acts as (never stored, never writes).
ANONYMOUS = Account(0, "anonymous", "viewer")


@dataclass(frozen=True)
class Principal:
    """The account behind a request (``None``: anonymous) and how it was authenticated."""

    account: Account | None
    via: str | None = None  # "token", "session" or None
    session_id: str | None = None


async def principal(request: Request) -> Principal:
    """Authenticate the request once; later calls read the result from ``request.state``."""
    found: Principal | None = getattr(request.state, "principal", None)
    if found is None:
        found = await _authenticate(request)
        request.state.principal = found
    return found


async def _authenticate(request: Request) -> Principal:
    engine = request.app.state.engine
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("the Authorization header must be 'Bearer <token>'")
        account = await run_in_threadpool(accounts.token_account, engine, token.strip())
        if account is None:
            raise _unauthorized("the API token is unknown or revoked")
        return Principal(account, "token")
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        account = await run_in_threadpool(accounts.session_account, engine, session_id)
        if account is not None:
            return Principal(account, "session", session_id)
    return Principal(None)


def require_role(role: str) -> Callable[[Request], Awaitable[Account]]:
    """A dependency: the request's account, if its role includes ``role``; else 401 or 403.

    ``Depends(require_role("viewer"))`` guards reading routes, ``"analyst"`` writing ones,
    ``"admin"`` account management.
    """
    if role not in accounts.ROLES:
        raise ValueError(f"unknown role {role!r}")

    async def dependency(request: Request) -> Account:
        found = await principal(request)
        account = found.account
        if account is None:
            if role == "viewer" and request.app.state.settings.public:
                return ANONYMOUS
            raise _unauthorized("log in, or send an API token as 'Authorization: Bearer'")
        if not account.can(role):
            raise HTTPException(403, f"this needs the {role} role; {account.name} is a "
                                     f"{account.role}")
        return account

    dependency.__name__ = f"require_{role}"
    return dependency


#: Route parameters: ``account: Reader`` (viewer role) or ``account: Writer`` (analyst).
Reader = Annotated[Account, Depends(require_role("viewer"))]
Writer = Annotated[Account, Depends(require_role("analyst"))]


async def check_csrf(request: Request) -> None:
    """App-wide dependency: refuse an unsafe cookie-authenticated request without the token."""
    if request.method not in UNSAFE or request.url.path in OWN_CSRF_CHECK:
        return
    found = await principal(request)
    if found.via != "session":
        return
    assert found.session_id is not None
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and _is_form(request):
        sent = str((await request.form()).get(CSRF_FIELD) or "")
    expected = session_csrf_token(request, found.session_id)
    if not sent or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page")


def csrf_token(request: Request) -> str:
    """The token a page puts in its forms and ``hx-headers`` (empty when not logged in)."""
    found: Principal | None = getattr(request.state, "principal", None)
    if found is None or found.session_id is None:
        return ""
    return session_csrf_token(request, found.session_id)


def session_csrf_token(request: Request, session_id: str) -> str:
    return keyed_digest(request, "csrf", session_id)


def keyed_digest(request: Request, purpose: str, value: str) -> str:
    """HMAC-SHA-256 of ``value`` for ``purpose`` under the server secret (hex)."""
    secret: bytes = request.app.state.secret
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})
