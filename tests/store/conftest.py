"""Fixtures for the store tests: the same tests on SQLite and on a real PostgreSQL server.

The PostgreSQL server is started by the tests themselves (initdb + pg_ctl in a temporary
directory, on a free loopback port), once per pytest-xdist worker, so workers never share a
server. Each test gets its own database. initdb refuses to run as root, so under root (as in CI)
the server runs as the ``postgres`` system user. The PostgreSQL parameter is skipped only when
no ``initdb`` can be found.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from yubi.case import load_case
from yubi.case.model import Case
from yubi.store.database import open_engine

DATA = Path(__file__).parent / "data"
MINI_CASE = DATA / "mini-case.yaml"


def find_initdb() -> str | None:
    """``initdb`` on the PATH, else the newest Debian PostgreSQL installation's."""
    found = shutil.which("initdb")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return candidates[-1] if candidates else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A PostgreSQL server for this worker; yields the URL of its ``postgres`` database."""
    initdb = find_initdb()
    if initdb is None:
        pytest.skip("no PostgreSQL initdb found (scripts/system-deps.sh installs it)")
    bindir = Path(initdb).parent
    root = Path(tempfile.mkdtemp(prefix="yubi-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb will not run as root: run the server as `postgres`
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        shutil.chown(root, user="postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()
    subprocess.run([*prefix, str(initdb), "-D", str(data), "-U", "postgres", "--auth=trust",
                    "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
    options = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c full_page_writes=off -c max_connections=60")
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"),
                    "-o", options, "-w", "-t", "60", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _admin(url: str, statement: str) -> None:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store: an SQLite file, or a fresh database on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    admin = request.getfixturevalue("postgres_admin_url")
    name = f"yubi_{uuid.uuid4().hex[:12]}"
    _admin(admin, f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """An engine on the empty store, schema migrated."""
    created = open_engine(store_url)
    try:
        yield created
    finally:
        created.dispose()


@pytest.fixture(scope="session")
def mini_case() -> Case:
    return load_case(MINI_CASE)


@pytest.fixture(autouse=True)
def _analyst(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUBI_ANALYST", "test-analyst")
