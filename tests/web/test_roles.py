"""Who may do what: every write route refuses viewers and anonymous clients; anonymous
clients read nothing but /health unless the server is public.

The routes are enumerated from the app itself, so a route added later is checked without
anyone remembering to list it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import Depends
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.web.conftest import CASE, Site, log_in, make_site

from yubi.store.accounts import Account
from yubi.store.models import AuditEntry
from yubi.web.auth import require_role
from yubi.web.routes import flat_routes

SAFE = {"GET", "HEAD", "OPTIONS"}
#: Unsafe routes any visitor may call, and why. Nothing else may be added here lightly.
OPEN_WRITES = {
    ("POST", "/login"): "logging in is how an anonymous visitor becomes a user",
    ("POST", "/logout"): "every user, a viewer too, may end their own session",
}
PATH_VALUES = {"case": CASE, "job_id": "0" * 32}


def routes(site: Site) -> list[tuple[str, str]]:
    """(method, path) of every route of the app, path parameters filled in."""
    found = []
    for route in flat_routes(site.app):
        if not isinstance(route.original_route if hasattr(route, "original_route") else route,
                          APIRoute):
            continue
        path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: PATH_VALUES.get(m.group(1), "x"),
                      route.path)
        found += [(method, path) for method in sorted(route.methods)]
    return found


def write_routes(site: Site) -> list[tuple[str, str]]:
    return [(m, p) for m, p in routes(site) if m not in SAFE and (m, p) not in OPEN_WRITES]


def audit_count(site: Site) -> int:
    with site.app.state.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def test_the_app_has_write_routes_and_the_open_ones_exist(site: Site) -> None:
    writes = write_routes(site)
    assert ("POST", f"/api/v1/cases/{CASE}/runs") in writes
    assert ("POST", "/api/v1/evidence") in writes and ("POST", "/api/v1/forecasts") in writes
    assert set(OPEN_WRITES) <= set(routes(site))


def test_every_write_route_refuses_anonymous_and_viewers(site: Site, client: TestClient) -> None:
    before = audit_count(site)
    for method, path in write_routes(site):
        anonymous = client.request(method, path, json={})
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        viewer = client.request(method, path, json={}, headers=site.bearer("vic"))
        assert viewer.status_code == 403, (method, path, viewer.text)
        assert "analyst" in viewer.json()["detail"]
    token = log_in(client, "vic")
    for method, path in write_routes(site):
        # A viewer's browser session with a valid CSRF token is refused for its role.
        viewer = client.request(method, path, json={}, headers={"X-CSRF-Token": token})
        assert viewer.status_code == 403, (method, path, viewer.text)
        assert "analyst" in viewer.json()["detail"]
    assert audit_count(site) == before


def test_anonymous_reads_nothing_but_health(site: Site, client: TestClient) -> None:
    reads = [(m, p) for m, p in routes(site) if m == "GET" and p.startswith("/api/")]
    assert len(reads) >= 8
    for method, path in reads:
        answer = client.request(method, path, params={"case": CASE})
        expected = 200 if path == "/api/v1/health" else 401
        assert answer.status_code == expected, (path, answer.text)
    assert client.get("/api/v1/openapi.json").status_code == 401


def test_a_browser_without_a_session_is_sent_to_the_login_page(tmp_path: Path) -> None:
    site = make_site(tmp_path)

    @site.app.get("/a page", include_in_schema=False)
    async def page(account: Annotated[Account, Depends(require_role("viewer"))]) -> str:
        return account.name

    with TestClient(site.app) as client:
        html = {"Accept": "text/html"}
        answer = client.get("/a page", headers=html, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login?next=/a%20page"
        assert client.get("/a page").status_code == 401  # not a browser: no redirect
        assert client.get("/api/v1/cases", headers=html).status_code == 401  # API: no redirect
        log_in(client, "vic")
        assert client.get("/a page", headers=html).json() == "vic"


def test_a_viewer_reads(site: Site, client: TestClient) -> None:
    headers = site.bearer("vic")
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    assert client.get(f"/api/v1/cases/{CASE}", headers=headers).status_code == 200
    assert client.get("/api/v1/evidence", params={"case": CASE},
                      headers=headers).status_code == 200


def test_a_public_server_lets_anonymous_read_but_not_write(tmp_path: Path) -> None:
    site = make_site(tmp_path, public=True)
    with TestClient(site.app) as client:
        assert client.get("/api/v1/cases").status_code == 200
        assert client.get("/api/v1/me").json()["name"] == "anonymous"
        for method, path in write_routes(site):
            assert client.request(method, path, json={}).status_code == 401, path


def test_writes_are_audited_with_the_user(site: Site, client: TestClient) -> None:
    answer = client.post(f"/api/v1/cases/{CASE}/runs", json={"samples": 500, "seed": 1},
                         headers=site.bearer("ana"))
    assert answer.status_code == 200
    with site.app.state.engine.connect() as connection:
        last = connection.execute(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert last is not None
    assert (last.who, last.action, last.entity, last.entity_id) == ("ana", "run", "case", CASE)
    assert json.loads(last.diff)["samples"] == 500


def test_an_unknown_or_malformed_token_is_refused(client: TestClient) -> None:
    for header in ("Bearer nope", "Basic abc", "Bearer "):
        answer = client.get("/api/v1/cases", headers={"Authorization": header})
        assert answer.status_code == 401, header


@pytest.mark.parametrize("user", ["ana", "ada"])
def test_analysts_and_admins_write(site: Site, client: TestClient, user: str) -> None:
    answer = client.post(f"/api/v1/cases/{CASE}/runs", json={"samples": 200},
                         headers=site.bearer(user))
    assert answer.status_code == 200, answer.text
