"""CSRF, cookies, sessions, limits and error answers."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import CASE, PASSWORDS, Site, log_in, make_site

from yubi.web.auth import SESSION_COOKIE

RUN = f"/api/v1/cases/{CASE}/runs"


def set_cookie_headers(answer: object) -> list[str]:
    return answer.headers.get_list("set-cookie")  # type: ignore[attr-defined, no-any-return]


def cookie_named(answer: object, name: str) -> str:
    found = [c for c in set_cookie_headers(answer) if c.startswith(f"{name}=")]
    assert len(found) == 1, set_cookie_headers(answer)
    return found[0]


# -- CSRF ------------------------------------------------------------------------------------
def test_a_session_write_needs_the_csrf_token(site: Site, client: TestClient) -> None:
    token = log_in(client, "ana")
    body = {"samples": 100}
    assert client.post(RUN, json=body).status_code == 403
    assert client.post(RUN, json=body, headers={"X-CSRF-Token": "0" * 64}).status_code == 403
    assert client.post(RUN, json=body, headers={"X-CSRF-Token": token}).status_code == 200


def test_a_form_post_carries_the_token_as_a_field(site: Site, client: TestClient) -> None:
    token = log_in(client, "vic")
    refused = client.post("/logout", data={"csrf_token": "wrong"}, follow_redirects=False)
    assert refused.status_code == 403
    done = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login"


def test_bearer_requests_need_no_csrf_token(site: Site, client: TestClient) -> None:
    answer = client.post(RUN, json={"samples": 100}, headers=site.bearer("ana"))
    assert answer.status_code == 200


def test_the_token_differs_between_sessions(site: Site, client: TestClient) -> None:
    first = log_in(client, "ana")
    client.cookies.clear()
    assert log_in(client, "ana") != first


def test_the_login_form_is_protected_too(client: TestClient) -> None:
    # No login cookie (a cross-site form post): refused even with the right password.
    answer = client.post("/login", data={"username": "ana", "password": PASSWORDS["ana"],
                                         "csrf_token": "x"}, follow_redirects=False)
    assert answer.status_code == 403
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def test_a_logged_in_user_can_log_in_again_as_someone_else(client: TestClient) -> None:
    log_in(client, "vic")
    old = client.cookies.get(SESSION_COOKIE)
    log_in(client, "ana")  # the login form's own token, not the session's, is checked
    assert client.get("/api/v1/me").json()["name"] == "ana"
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, old or "")
    assert client.get("/api/v1/me").status_code == 401  # the old session has ended


def test_a_wrong_password_is_refused_without_saying_which_part(client: TestClient) -> None:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    for user, password in (("ana", "not-the-password"), ("nobody", "whatever-pass")):
        answer = client.post("/login", data={"username": user, "password": password,
                                             "csrf_token": token.group(1)})
        assert answer.status_code == 401
        assert "Wrong user name or password." in answer.text


def test_login_goes_back_only_to_a_path_on_this_server(client: TestClient) -> None:
    for target, expected in (("/api/v1/cases?x=1", "/api/v1/cases?x=1"),
                             ("https://evil.example", "/"), ("//evil.example/x", "/"),
                             ("/\t/evil.example", "/"), ("/\\evil.example", "/")):
        client.cookies.clear()
        form = client.get("/login", params={"next": target})
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        answer = client.post("/login", data={"username": "vic", "password": PASSWORDS["vic"],
                                             "csrf_token": token.group(1), "next": target},
                             follow_redirects=False)
        assert answer.headers["location"] == expected


def test_password_guessing_is_throttled(client: TestClient) -> None:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    statuses = [client.post("/login", data={"username": "ada", "password": f"guess-{k}",
                                            "csrf_token": token.group(1)}).status_code
                for k in range(11)]
    assert statuses == [401] * 10 + [429]
    right = client.post("/login", data={"username": "ada", "password": PASSWORDS["ada"],
                                        "csrf_token": token.group(1)}, follow_redirects=False)
    assert right.status_code == 429  # even the right password, until the window has passed


# -- cookies and sessions --------------------------------------------------------------------
def test_the_session_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    form = client.get("/login")
    assert "HttpOnly" in cookie_named(form, "yubi_login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    answer = client.post("/login", data={"username": "vic", "password": PASSWORDS["vic"],
                                         "csrf_token": token.group(1)}, follow_redirects=False)
    cookie = cookie_named(answer, SESSION_COOKIE)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP: a Secure cookie would never come back


@pytest.mark.parametrize("how", ["https", "behind_tls"])
def test_the_session_cookie_is_secure_behind_tls(tmp_path: Path, how: str) -> None:
    site = make_site(tmp_path, behind_tls=how == "behind_tls")
    base = "https://testserver" if how == "https" else "http://testserver"
    with TestClient(site.app, base_url=base) as client:
        form = client.get("/login")
        login_cookie = cookie_named(form, "yubi_login")
        assert "Secure" in login_cookie
        # As the browser on the HTTPS side of the proxy would send it back:
        client.cookies.set("yubi_login", login_cookie.split(";")[0].split("=", 1)[1])
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        answer = client.post("/login", data={"username": "vic", "password": PASSWORDS["vic"],
                                             "csrf_token": token.group(1)},
                             follow_redirects=False)
        assert "Secure" in cookie_named(answer, SESSION_COOKIE)


def test_a_session_survives_a_restart_and_ends_at_logout(site: Site, tmp_path: Path) -> None:
    from yubi.web import WebSettings, create_app

    with TestClient(site.app) as client:
        token = log_in(client, "vic")
        session = client.cookies.get(SESSION_COOKIE)
    again = create_app(WebSettings(database_url=site.url))  # a new server on the same store
    with TestClient(again) as client:
        client.cookies.set(SESSION_COOKIE, session or "")
        assert client.get("/api/v1/me").json()["name"] == "vic"
        client.post("/logout", headers={"X-CSRF-Token": token})
        client.cookies.set(SESSION_COOKIE, session or "")
        assert client.get("/api/v1/me").status_code == 401


def test_an_expired_session_is_refused(site: Site, client: TestClient) -> None:
    from yubi.store import accounts

    account = accounts.authenticate(site.app.state.engine, "vic", PASSWORDS["vic"])
    assert account is not None
    session = accounts.create_session(site.app.state.engine, account, dt.timedelta(seconds=-1))
    client.cookies.set(SESSION_COOKIE, session)
    assert client.get("/api/v1/me").status_code == 401


def test_security_headers(client: TestClient) -> None:
    answer = client.get("/api/v1/health")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in answer.headers["content-security-policy"]


# -- limits and errors -----------------------------------------------------------------------
def test_a_large_body_is_refused(site: Site, client: TestClient) -> None:
    big = {"samples": 100, "changes": {f"k{i}": "x" * 150 for i in range(40_000)}}
    answer = client.post(RUN, json=big, headers=site.bearer("ana"))
    assert answer.status_code == 413

    def chunks() -> object:  # no Content-Length: counted while read
        for _ in range(6000):
            yield b" " * 1000

    answer = client.post(RUN, content=chunks(),  # type: ignore[arg-type]
                         headers={**site.bearer("ana"), "Content-Type": "application/json"})
    assert answer.status_code == 413


def test_too_many_samples_is_a_422_naming_the_field(site: Site, client: TestClient) -> None:
    answer = client.post(RUN, json={"samples": 20_001}, headers=site.bearer("ana"))
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "samples"] and "20,000" in problem["msg"]


def test_a_bad_field_is_a_422_naming_it(site: Site, client: TestClient) -> None:
    for body, loc in (({"samples": "many"}, ["body", "samples"]),
                      ({"seed": -1}, ["body", "seed"]),
                      ({"sampler": "magic"}, ["body", "sampler"]),
                      ({"colour": "red"}, ["body", "colour"])):
        answer = client.post(RUN, json=body, headers=site.bearer("ana"))
        assert answer.status_code == 422, body
        assert answer.json()["detail"][0]["loc"] == loc
        assert "input" not in answer.json()["detail"][0]  # never echoed back


def test_an_unknown_case_is_404_and_paths_are_never_opened(site: Site,
                                                           client: TestClient) -> None:
    for name in ("no-such-case", "starter"):
        answer = client.get(f"/api/v1/cases/{name}", headers=site.bearer("vic"))
        assert answer.status_code == 404
    answer = client.get("/api/v1/cases/..%2F..%2Fetc%2Fpasswd", headers=site.bearer("vic"))
    assert answer.status_code in (404, 422)


def test_no_stack_trace_reaches_a_client(site: Site, monkeypatch: pytest.MonkeyPatch,
                                         caplog: pytest.LogCaptureFixture) -> None:
    from yubi import app

    def broken(name: str) -> None:
        raise RuntimeError("secret internals /srv/yubi/thing.py line 12")

    monkeypatch.setattr(app, "open_case", broken)
    with TestClient(site.app, raise_server_exceptions=False) as client:
        answer = client.get(f"/api/v1/cases/{CASE}", headers=site.bearer("vic"))
    assert answer.status_code == 500
    text = answer.text
    assert "secret" not in text and "Traceback" not in text and "RuntimeError" not in text
    incident = re.search(r"incident ([0-9a-f]{12})", text)
    assert incident is not None
    assert incident.group(1) in caplog.text and "secret internals" in caplog.text


def test_a_run_over_its_time_is_a_503(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from yubi import app

    real = app.run

    def slow(*args: object, **kwargs: object) -> object:
        time.sleep(0.5)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(app, "run", slow)
    site = make_site(tmp_path, run_timeout=0.1)
    with TestClient(site.app) as client:
        answer = client.post(RUN, json={"samples": 100}, headers=site.bearer("ana"))
    assert answer.status_code == 503 and "Retry-After" in answer.headers
