"""``yubi db``: the store's database — upgrade its schema, check it."""

from __future__ import annotations

import typer

from yubi.cli import command_app
from yubi.cli.storeopts import (
    DbOption,
)
from yubi.errors import UsageError
from yubi.store import evidence as evidence_store
from yubi.store.database import (
    check_integrity,
    current_revision,
    head_revision,
    open_engine,
    upgrade,
)
from yubi.text import console, shown

app = command_app()
db_app = typer.Typer(help="The store's database: upgrade its schema, check it.",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Bring the database's schema to this yubi's version (Alembic migrations)."""
    engine = open_engine(db, migrate=False)
    before = current_revision(engine)
    after = upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    console().print(f"{shown(where)}: schema {before or '(empty)'} → {after}")


@db_app.command("check")
def db_check(db: DbOption = None) -> None:
    """Open the store, run the database's integrity check and count what it holds."""
    engine = open_engine(db)
    problems = check_integrity(engine)
    where = engine.url.render_as_string(hide_password=True)
    if problems:
        raise UsageError(f"{where}: " + "; ".join(problems))
    console().print(f"ok: {shown(where)}, schema {head_revision()}, "
                    f"{evidence_store.count_rows(engine)} evidence rows")
