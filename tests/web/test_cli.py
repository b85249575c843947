"""``yubi serve``, ``yubi user``, ``yubi token``, and the run answer byte for byte the CLI's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import CASE, Site

from yubi.cli import main
from yubi.store import accounts
from yubi.store.database import open_engine
from yubi.web import WebSettings, create_app


def yubi(*argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from yubi.cli import run; run()", *argv],
                          input=stdin, capture_output=True, text=True, timeout=300, check=False)


def test_user_add_and_token_create(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    monkeypatch.setattr(sys, "stdin", _Lines("a-long-password\n"))
    assert main(["user", "add", "rin", "--role", "analyst", "--password-stdin", "--db", url]) == 0
    assert "user rin added (analyst)" in capsys.readouterr().out
    assert main(["token", "create", "rin", "--label", "ci", "--db", url]) == 0
    out = capsys.readouterr().out
    token = out.splitlines()[-1]
    assert token.startswith("yubi_") and out == token + "\n"  # alone on the last line
    engine = open_engine(url)
    assert accounts.token_account(engine, token) == accounts.Account(1, "rin", "analyst")
    assert accounts.authenticate(engine, "rin", "a-long-password") is not None
    with engine.connect() as connection:
        from yubi.store.audit import history

        entries = history(connection)
    assert [(e["who"], e["action"], e["entity"]) for e in entries] == [
        ("cli-user", "add", "user"), ("cli-user", "create", "token")]
    assert token not in json.dumps(entries) and "a-long-password" not in json.dumps(entries)


def test_user_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                  capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    monkeypatch.setattr(sys, "stdin", _Lines("a-long-password\nanother-password\n"))
    assert main(["user", "add", "rin", "--password-stdin", "--db", url]) == 0
    assert main(["user", "set", "rin", "--role", "admin", "--password-stdin", "--db", url]) == 0
    assert main(["user", "set", "rin", "--disable", "--db", url]) == 0
    assert main(["user", "list", "--db", url]) == 0
    assert "rin\tadmin (disabled)" in capsys.readouterr().out
    engine = open_engine(url)
    assert accounts.authenticate(engine, "rin", "another-password") is None  # disabled
    assert main(["user", "set", "rin", "--enable", "--db", url]) == 0
    assert accounts.authenticate(engine, "rin", "another-password") is not None


def test_user_add_refuses_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    for argv, stdin, message in (
        (["user", "add", "kim", "--role", "boss"], "a-long-password\n", "--role must be one of"),
        (["user", "add", "kim"], "short\n", "at least 8 characters"),
        (["user", "add", "../kim"], "a-long-password\n", "a user name is"),
        (["token", "create", "nobody"], "", "no active user 'nobody'"),
    ):
        monkeypatch.setattr(sys, "stdin", _Lines(stdin))
        assert main([*argv, "--password-stdin", "--db", url] if argv[0] == "user"
                    else [*argv, "--db", url]) == 2
        assert message in capsys.readouterr().err


def test_help_and_import_do_not_load_the_web_stack() -> None:
    probe = ("from yubi.cli import main\nmain(['--help'])\nimport sys, json\n"
             "print(json.dumps(sorted(sys.modules)))")
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                               check=True, timeout=60)
    modules = set(json.loads(completed.stdout.splitlines()[-1]))
    heavy = {"fastapi", "starlette", "uvicorn", "argon2", "yubi.web"}
    assert heavy.isdisjoint(modules)
    assert "serve" in completed.stdout and "token" in completed.stdout


def test_serve_refuses_a_bad_port() -> None:
    completed = yubi("serve", "--port", "70000")
    assert completed.returncode == 2 and "Traceback" not in completed.stderr


def test_the_run_answer_is_byte_identical_to_yubi_run_json(site: Site,
                                                           client: TestClient) -> None:
    completed = yubi("run", CASE, "--samples", "3000", "--seed", "11", "--json")
    assert completed.returncode == 0, completed.stderr
    answer = client.post(f"/api/v1/cases/{CASE}/runs", json={"samples": 3000, "seed": 11},
                         headers=site.bearer("ana"))
    assert answer.status_code == 200
    assert answer.content == completed.stdout.encode("utf-8")


def test_a_changed_run_is_byte_identical_to_yubi_run_set_json(site: Site,
                                                                client: TestClient) -> None:
    completed = yubi("run", CASE, "--samples", "3000", "--seed", "11", "--json",
                     "--set", "troops_cap=20000 to 60000", "--set", "prior.russia_defeat=0.2")
    assert completed.returncode == 0, completed.stderr
    changes = {"troops_cap": "20000 to 60000", "prior.russia_defeat": "0.2"}
    answer = client.post(f"/api/v1/cases/{CASE}/runs",
                         json={"samples": 3000, "seed": 11, "changes": changes},
                         headers=site.bearer("ana"))
    assert answer.status_code == 200, answer.text
    assert answer.content == completed.stdout.encode("utf-8")
    assert json.loads(answer.content)["changes"]  # the changes are recorded in the answer


def test_a_wrong_change_is_a_422_naming_its_key(site: Site, client: TestClient) -> None:
    answer = client.post(f"/api/v1/cases/{CASE}/runs",
                         json={"changes": {"troops_kap": "11000"}}, headers=site.bearer("ana"))
    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "changes", "troops_kap"]
    assert "troops_cap" in problem["msg"]  # did you mean


def test_a_second_server_on_the_same_store_shares_the_secret(site: Site) -> None:
    again = create_app(WebSettings(database_url=site.url))
    assert again.state.secret == site.app.state.secret


class _Lines:
    """A stand-in for stdin holding ``text``."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines(keepends=True)

    def readline(self) -> str:
        return self._lines.pop(0) if self._lines else ""
