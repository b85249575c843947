"""Where the store lives, how to connect to it, and keeping its schema current.

The store is an SQLite file in the user's data directory unless ``YUBI_DATABASE_URL`` (or a
command's ``--db URL``) names another database, typically PostgreSQL through psycopg 3. The
schema is owned by the Alembic migrations packaged in :mod:`yubi.store.migrations`; a fresh,
empty database is brought to the current schema on first use, and ``yubi db upgrade`` does the
same explicitly for a database made by an older yubi.

SQLite is opened in WAL mode (readers do not block the writer), with foreign keys enforced and a
busy timeout so that concurrent writers queue instead of failing; every transaction starts with
``BEGIN IMMEDIATE`` so that a writer takes the write lock before it reads, which is what lets
the busy timeout work (a deferred transaction that upgrades from read to write is refused at
once, without waiting, when another writer holds the lock).
"""

from __future__ import annotations

import logging
import os
import weakref
from contextlib import AbstractContextManager
from importlib import resources
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from yubi.errors import UsageError

log = logging.getLogger(__name__)

__all__ = [
    "ENV_URL",
    "check_integrity",
    "current_revision",
    "default_url",
    "dispose_all",
    "head_revision",
    "open_engine",
    "resolve_url",
    "upgrade",
    "writing",
]

ENV_URL = "YUBI_DATABASE_URL"
SQLITE_FILE = "yubi.sqlite3"
#: Milliseconds an SQLite writer waits for the write lock before giving up.
BUSY_TIMEOUT_MS = 60_000
#: Arbitrary constant key for the PostgreSQL advisory lock that serializes migrations.
MIGRATION_LOCK_KEY = 0x79756269  # "yubi"


def default_url() -> str:
    """The SQLite file in the user's data directory (created on first use)."""
    folder = Path(platformdirs.user_data_dir("yubi", appauthor=False))
    return f"sqlite:///{folder / SQLITE_FILE}"


def resolve_url(url: str | None = None) -> str:
    """The database URL to use: ``url``, else ``$YUBI_DATABASE_URL``, else :func:`default_url`.

    ``postgresql://`` URLs are given the psycopg 3 driver, the one yubi depends on.
    """
    chosen = url or os.environ.get(ENV_URL) or default_url()
    if chosen.startswith(("postgresql://", "postgres://")):
        chosen = "postgresql+psycopg://" + chosen.split("://", 1)[1]
    try:
        parsed = make_url(chosen)
    except ArgumentError:
        raise UsageError(f"not a database URL: {chosen!r}") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise UsageError(f"the store runs on SQLite or PostgreSQL, not {parsed.drivername!r}")
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        # An in-memory database would vanish when the command ends (and each connection
        # would see another, empty one).
        raise UsageError(f"{chosen!r} is an in-memory database; name a file: "
                         "sqlite:///path/to/store.sqlite3")
    return chosen


def open_engine(url: str | None = None, *, migrate: bool = True, pooled: bool = False
                ) -> Engine:
    """An engine on the store, its schema brought current when the database is fresh.

    Parameters
    ----------
    url
        A database URL; see :func:`resolve_url`.
    migrate
        Upgrade a fresh (empty) database to the current schema. A database that holds an older
        schema is never changed silently: :class:`~yubi.errors.UsageError` asks for
        ``yubi db upgrade``.
    pooled
        Keep PostgreSQL connections in a pool (for a long-running server, which then calls
        ``engine.dispose()`` when it stops). By default each connection closes on release.
    """
    engine = _create(resolve_url(url), pooled)
    _opened.add(engine)
    if migrate:
        current = current_revision(engine)
        if current is None:
            try:
                upgrade(engine)
                log.info("store %s: a fresh database, given schema %s", _display(engine),
                         head_revision())
            except DBAPIError as error:
                engine.dispose()
                raise _cannot_open(engine, error) from None
        elif current != head_revision():
            engine.dispose()
            raise UsageError(
                f"the store at {_display(engine)} has schema {current}, this yubi needs "
                f"{head_revision()}: run `yubi db upgrade`"
            )
    log.info("store: %s", _display(engine))
    return engine


#: Engines made by open_engine(), so that a command can close their pooled connections.
_opened: weakref.WeakSet[Engine] = weakref.WeakSet()


def dispose_all() -> None:
    """Close the pooled connections of every engine :func:`open_engine` made.

    The CLI calls it when a command ends: a PostgreSQL connection left for the garbage
    collector is a ``ResourceWarning`` (and, in a long-lived process, a leak).
    """
    for engine in list(_opened):
        engine.dispose()


def writing(engine: Engine) -> AbstractContextManager[Connection]:
    """A write transaction: committed when the block ends, rolled back if it raises.

    On SQLite it starts with ``BEGIN IMMEDIATE`` (see the module docstring); reads use
    ``engine.connect()`` and a plain deferred ``BEGIN``, so they never wait for a writer.
    """
    return engine.execution_options(yubi_write=True).begin()


def upgrade(engine: Engine) -> str:
    """Run every pending migration; return the revision the database is now at."""
    with writing(engine) as connection:
        if connection.dialect.name == "postgresql":
            # Serializes concurrent first uses: the second waits, then finds nothing to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": MIGRATION_LOCK_KEY})
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return head_revision()


def current_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database, or ``None`` for a fresh database."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except DBAPIError as error:  # no server, not a database file, no permission…
        raise _cannot_open(engine, error) from None


def _cannot_open(engine: Engine, error: DBAPIError) -> UsageError:
    # The driver's own message, without SQLAlchemy's rendering of the SQL statement.
    reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else "failed"
    return UsageError(f"cannot open the store at {_display(engine)}: {reason}")


def head_revision() -> str:
    """The newest schema revision this yubi knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def check_integrity(engine: Engine) -> list[str]:
    """Problems found by the database's own consistency check; empty when all is well."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("PRAGMA integrity_check").scalars().all()
            problems = [str(row) for row in rows if row != "ok"]
            problems += [
                f"foreign key violation in {row[0]}"
                for row in connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            ]
            return problems
        # PostgreSQL recovers from its write-ahead log on start; what can still be wrong is a
        # schema that is not the one yubi expects.
        current = MigrationContext.configure(connection).get_current_revision()
    return [] if current == head_revision() else [f"schema revision {current} is not current"]


# -- helpers -------------------------------------------------------------------------------
def _create(url: str, pooled: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise UsageError(f"cannot create the store's folder {folder}: "
                                 f"{error.strerror}") from None
        # NullPool: each command is short-lived, and a pooled SQLite connection kept across a
        # fork would be shared by two processes.
        engine = create_engine(url, poolclass=NullPool)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if pooled:
        return create_engine(url, pool_pre_ping=True)
    # A command is short-lived: a connection is closed when it is released, so none is left
    # open for the garbage collector (a ResourceWarning, and a leak in a long-lived caller).
    return create_engine(url, poolclass=NullPool)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    # NORMAL is safe in WAL mode against a crashed or killed process (a commit is atomic);
    # only the last commits before a power cut may be lost.
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    write = connection.get_execution_options().get("yubi_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _alembic_config() -> Config:
    config = Config()
    location = resources.files("yubi.store").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    return config


def _display(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)
