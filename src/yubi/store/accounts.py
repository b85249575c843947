"""Accounts of the web workbench: users and roles, API tokens, login sessions, server secrets.

A user has one role: ``viewer`` reads, ``analyst`` also writes (evidence, forecasts, runs,
briefs), ``admin`` also manages accounts. Passwords are stored as argon2id hashes (argon2-cffi,
the ``web`` extra); API tokens and session ids are random 256-bit strings of which only the
SHA-256 is stored, so a copy of the database lets nobody log in. Sessions live in the store, so
they survive a restart of ``yubi serve`` and a logout ends them everywhere. Creating a user or
a token is written to the audit log (never the password or the token).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from yubi.errors import UsageError
from yubi.store import audit
from yubi.store.database import writing
from yubi.store.models import NAME, Base, UTCDateTime, utc_now

__all__ = [
    "ROLES",
    "Account",
    "add_user",
    "authenticate",
    "change_user",
    "create_session",
    "create_token",
    "end_session",
    "list_users",
    "role_allows",
    "server_secret",
    "session_account",
    "token_account",
]

#: Roles, each allowed what the ones before it are.
ROLES = ("viewer", "analyst", "admin")
USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
MIN_PASSWORD = 8
TOKEN_PREFIX = "yubi_"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(NAME), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(NAME))


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    label: Mapped[str] = mapped_column(String(NAME))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(NAME))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    session_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class WebSecret(Base):
    __tablename__ = "web_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Account:
    """Who a request acts as."""

    id: int
    name: str
    role: str

    def can(self, role: str) -> bool:
        """Whether this account's role includes ``role``'s rights."""
        return role_allows(self.role, role)


def role_allows(held: str, needed: str) -> bool:
    """``viewer`` < ``analyst`` < ``admin``: a role has the rights of those below it."""
    return ROLES.index(held) >= ROLES.index(needed)


# -- users -----------------------------------------------------------------------------------
def add_user(engine: Engine, name: str, role: str, password: str) -> Account:
    """Create a user; :class:`UsageError` for a bad name, role or password, or a taken name."""
    if not USER_NAME.fullmatch(name):
        raise UsageError(f"a user name is 1-64 letters, digits or _.@- (starting with a letter "
                         f"or digit), not {name!r}")
    if role not in ROLES:
        raise UsageError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the password must have at least {MIN_PASSWORD} characters")
    hashed = _hasher().hash(password)
    try:
        with writing(engine) as connection:
            result = connection.execute(insert(User).values(
                name=name, role=role, password_hash=hashed, disabled=False,
                created_at=utc_now(), created_by=audit.analyst_name()))
            audit.record(connection, "add", "user", name, {"role": role})
    except IntegrityError:
        raise UsageError(f"there is already a user {name!r}") from None
    key = result.inserted_primary_key
    assert key is not None
    return Account(int(key[0]), name, role)


def change_user(engine: Engine, name: str, *, role: str | None = None,
                password: str | None = None, disabled: bool | None = None) -> None:
    """Change a user's role, password or whether the account is disabled.

    A new password or disabling ends the user's sessions at once (API tokens of a disabled
    user stop working too; they work again if the account is enabled again).
    """
    values: dict[str, Any] = {}
    if role is not None:
        if role not in ROLES:
            raise UsageError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        values["role"] = role
    if password is not None:
        if len(password) < MIN_PASSWORD:
            raise UsageError(f"the password must have at least {MIN_PASSWORD} characters")
        values["password_hash"] = _hasher().hash(password)
    if disabled is not None:
        values["disabled"] = disabled
    if not values:
        raise UsageError("nothing to change: give --role, --password-stdin, --disable or "
                         "--enable")
    with writing(engine) as connection:
        user_id = connection.execute(select(User.id).where(User.name == name)).scalar()
        if user_id is None:
            raise UsageError(f"no user {name!r}")
        connection.execute(update(User).where(User.id == user_id).values(**values))
        if password is not None or disabled:
            connection.execute(delete(WebSession).where(WebSession.user_id == user_id))
        audit.record(connection, "change", "user", name,
                     {key: ("(new)" if key == "password_hash" else value)
                      for key, value in values.items()})


def list_users(engine: Engine) -> list[dict[str, Any]]:
    """Every user: name, role, whether disabled, when and by whom created."""
    with engine.connect() as connection:
        rows = connection.execute(select(User.__table__).order_by(User.name)).all()
        return [{"name": u.name, "role": u.role, "disabled": u.disabled,
                 "created_at": u.created_at.isoformat(), "created_by": u.created_by}
                for u in rows]


def authenticate(engine: Engine, name: str, password: str) -> Account | None:
    """The account if ``password`` is the user's, else ``None`` (the same time either way)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    with engine.connect() as connection:
        user = connection.execute(select(User.__table__).where(User.name == name)).first()
    # Verify against a dummy hash for an unknown user so timing does not reveal which names
    # exist.
    stored = user.password_hash if user is not None else _dummy_hash()
    try:
        _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    return Account(user.id, user.name, user.role)


# -- tokens ----------------------------------------------------------------------------------
def create_token(engine: Engine, user_name: str, label: str = "") -> tuple[int, str]:
    """A new API token for ``user_name``: its id and the token (shown once, stored hashed)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with writing(engine) as connection:
        user = connection.execute(select(User.__table__).where(User.name == user_name)).first()
        if user is None or user.disabled:
            raise UsageError(f"no active user {user_name!r}: add one with `yubi user add`")
        result = connection.execute(insert(ApiToken).values(
            user_id=user.id, label=label or "token", token_sha256=digest(token),
            created_at=utc_now(), created_by=audit.analyst_name()))
        key = result.inserted_primary_key
        assert key is not None
        audit.record(connection, "create", "token", user_name,
                     {"token_id": int(key[0]), "label": label})
    return int(key[0]), token


def revoke_token(engine: Engine, token_id: int) -> None:
    """Revoke a token by id; :class:`UsageError` if there is no such live token."""
    with writing(engine) as connection:
        done = connection.execute(update(ApiToken).where(
            ApiToken.id == token_id, ApiToken.revoked_at.is_(None)).values(revoked_at=utc_now()))
        if done.rowcount != 1:
            raise UsageError(f"no live token with id {token_id}")
        audit.record(connection, "revoke", "token", str(token_id), {})


def token_account(engine: Engine, token: str) -> Account | None:
    """The account an ``Authorization: Bearer`` token acts as, if it is live."""
    query = (select(User.id, User.name, User.role).join(ApiToken, ApiToken.user_id == User.id)
             .where(ApiToken.token_sha256 == digest(token), ApiToken.revoked_at.is_(None),
                    User.disabled.is_(False)))
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else Account(row.id, row.name, row.role)


# -- sessions --------------------------------------------------------------------------------
def create_session(engine: Engine, account: Account, lifetime: dt.timedelta) -> str:
    """Start a login session; return its id (for the cookie; only its hash is stored)."""
    session_id = secrets.token_urlsafe(32)
    now = utc_now()
    with writing(engine) as connection:
        connection.execute(delete(WebSession).where(WebSession.expires_at < now))
        connection.execute(insert(WebSession).values(
            user_id=account.id, session_sha256=digest(session_id), created_at=now,
            expires_at=now + lifetime))
    return session_id


def session_account(engine: Engine, session_id: str) -> Account | None:
    """The account of a live session, else ``None``."""
    query = (select(User.id, User.name, User.role)
             .join(WebSession, WebSession.user_id == User.id)
             .where(WebSession.session_sha256 == digest(session_id),
                    WebSession.expires_at > utc_now(), User.disabled.is_(False)))
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else Account(row.id, row.name, row.role)


def end_session(engine: Engine, session_id: str) -> None:
    """Log out: the session id stops working at once."""
    with writing(engine) as connection:
        connection.execute(delete(WebSession).where(
            WebSession.session_sha256 == digest(session_id)))


# -- secrets ---------------------------------------------------------------------------------
def server_secret(engine: Engine, name: str = "csrf") -> bytes:
    """A random 256-bit key kept in the store, made on first use (shared by every server)."""
    query = select(WebSecret.value).where(WebSecret.name == name)
    with engine.connect() as connection:
        value = connection.execute(query).scalar_one_or_none()
    if value is None:
        try:
            with writing(engine) as connection:
                value = secrets.token_hex(32)
                connection.execute(insert(WebSecret).values(name=name, value=value,
                                                            created_at=utc_now()))
        except IntegrityError:  # another server made it first: use theirs
            with engine.connect() as connection:
                value = connection.execute(query).scalar_one()
    return bytes.fromhex(value)


# -- helpers ---------------------------------------------------------------------------------
def digest(secret: str) -> str:
    """Hex SHA-256 of a token or session id (high-entropy, so no salt or stretching needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@lru_cache(maxsize=1)
def _hasher() -> Any:
    try:
        from argon2 import PasswordHasher
    except ImportError:
        raise UsageError("accounts need argon2-cffi: pip install 'yubi[web]'") from None
    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return str(_hasher().hash(secrets.token_hex(16)))
