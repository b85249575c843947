"""Fixtures of the web tests: an app on a fresh SQLite store with one user of each role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from yubi.store import accounts
from yubi.web import WebSettings, create_app

CASE = "dprk-russia-2024"
PASSWORDS = {"ada": "admin-pass-1", "ana": "analyst-pass-1", "vic": "viewer-pass-1"}
ROLES = {"ada": "admin", "ana": "analyst", "vic": "viewer"}


@dataclass
class Site:
    """An app, its store URL, and a live API token per user name."""

    app: FastAPI
    url: str
    tokens: dict[str, str]

    def bearer(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}


def make_site(folder: Path, **settings: object) -> Site:
    url = f"sqlite:///{folder / 'store.sqlite3'}"
    app = create_app(WebSettings(database_url=url, **settings))  # type: ignore[arg-type]
    tokens = {}
    for name, role in ROLES.items():
        accounts.add_user(app.state.engine, name, role, PASSWORDS[name])
        tokens[name] = accounts.create_token(app.state.engine, name, "tests")[1]
    return Site(app, url, tokens)


@pytest.fixture(autouse=True, scope="session")
def _cheap_hashing() -> Iterator[None]:
    """argon2 with its smallest cost: the production cost (~0.1-0.5 s a hash, on purpose)
    would make account-heavy tests slow, and the tests check the logic, not the cost."""
    from argon2 import PasswordHasher

    patch = pytest.MonkeyPatch()
    patch.setattr(accounts, "_hasher", lambda: PasswordHasher(time_cost=1, memory_cost=1024,
                                                              parallelism=1))
    accounts._dummy_hash.cache_clear()
    yield
    patch.undo()
    accounts._dummy_hash.cache_clear()


@pytest.fixture(autouse=True)
def _analyst(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUBI_ANALYST", "cli-user")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """One app per test module (accounts are slow to make: argon2 on purpose)."""
    return make_site(tmp_path_factory.mktemp("web"), max_samples=20_000)


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    with TestClient(site.app) as test_client:
        yield test_client


def log_in(client: TestClient, user: str, password: str | None = None) -> str:
    """Log ``user`` in through the form; return the session's CSRF token (from a page)."""
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post("/login", data={"username": user, "csrf_token": token.group(1),
                                         "password": password or PASSWORDS[user]},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return session_csrf(client)


def session_csrf(client: TestClient) -> str:
    """The CSRF token of the client's session, as the server hands it to pages."""
    answer = client.get("/api/v1/me")
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["csrf_token"]
    assert token
    return token
