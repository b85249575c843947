"""yubi.store.accounts on SQLite and on a real PostgreSQL server (the store tests' fixtures)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, inspect
from tests.store.conftest import engine, postgres_admin_url, store_url  # noqa: F401  (fixtures)

from yubi.errors import UsageError
from yubi.store import accounts
from yubi.store.database import current_revision, head_revision
from yubi.store.models import Base


def test_the_migrated_schema_matches_the_account_models(engine: Engine) -> None:  # noqa: F811
    assert current_revision(engine) == head_revision() == "0003"
    inspector = inspect(engine)
    for table in (accounts.User, accounts.ApiToken, accounts.WebSession, accounts.WebSecret):
        columns = Base.metadata.tables[table.__tablename__].columns
        migrated = {column["name"] for column in inspector.get_columns(table.__tablename__)}
        assert migrated == {column.name for column in columns}


def test_users_tokens_and_sessions(engine: Engine) -> None:  # noqa: F811
    ana = accounts.add_user(engine, "ana", "analyst", "password-1")
    with pytest.raises(UsageError, match="already a user 'ana'"):
        accounts.add_user(engine, "ana", "viewer", "password-2")
    assert accounts.authenticate(engine, "ana", "password-1") == ana
    assert accounts.authenticate(engine, "ana", "password-2") is None
    assert accounts.authenticate(engine, "nobody", "password-1") is None
    token_id, token = accounts.create_token(engine, "ana", "script")
    assert accounts.token_account(engine, token) == ana
    assert accounts.token_account(engine, token + "x") is None
    accounts.revoke_token(engine, token_id)
    assert accounts.token_account(engine, token) is None
    with pytest.raises(UsageError, match="no live token"):
        accounts.revoke_token(engine, token_id)
    session = accounts.create_session(engine, ana, dt.timedelta(hours=1))
    assert accounts.session_account(engine, session) == ana
    accounts.end_session(engine, session)
    assert accounts.session_account(engine, session) is None
    assert [u["name"] for u in accounts.list_users(engine)] == ["ana"]


def test_changing_a_user(engine: Engine) -> None:  # noqa: F811
    ana = accounts.add_user(engine, "ana", "viewer", "password-1")
    session = accounts.create_session(engine, ana, dt.timedelta(hours=1))
    _, token = accounts.create_token(engine, "ana")
    accounts.change_user(engine, "ana", role="analyst")
    assert accounts.token_account(engine, token) == accounts.Account(ana.id, "ana", "analyst")
    assert accounts.session_account(engine, session) is not None  # a new role: same session
    accounts.change_user(engine, "ana", password="password-2")
    assert accounts.session_account(engine, session) is None  # a new password: logged out
    assert accounts.authenticate(engine, "ana", "password-2") is not None
    accounts.change_user(engine, "ana", disabled=True)
    assert accounts.authenticate(engine, "ana", "password-2") is None
    assert accounts.token_account(engine, token) is None
    accounts.change_user(engine, "ana", disabled=False)
    assert accounts.token_account(engine, token) is not None
    with pytest.raises(UsageError, match="no user 'bob'"):
        accounts.change_user(engine, "bob", role="admin")
    with pytest.raises(UsageError, match="nothing to change"):
        accounts.change_user(engine, "ana")
    with engine.connect() as connection:
        from yubi.store.audit import history

        changes = [e["diff"] for e in history(connection, "user") if e["action"] == "change"]
    assert changes[1] == {"password_hash": "(new)"}  # never the hash itself


def test_the_server_secret_is_made_once(engine: Engine) -> None:  # noqa: F811
    first = accounts.server_secret(engine)
    assert len(first) == 32 and accounts.server_secret(engine) == first
    assert accounts.server_secret(engine, "other") != first


def test_roles_are_ordered() -> None:
    assert accounts.role_allows("admin", "analyst") and accounts.role_allows("analyst", "viewer")
    assert not accounts.role_allows("viewer", "analyst")
