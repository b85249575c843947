"""Alembic environment: migrations run on the connection yubi hands over.

yubi never reads an ``alembic.ini``: :func:`yubi.store.database.upgrade` builds the
configuration in code and passes an open connection in ``config.attributes["connection"]``,
inside its own transaction (which, on PostgreSQL, holds the migration lock).
"""

from __future__ import annotations

from alembic import context

from yubi.store.models import Base


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("yubi migrations run through `yubi db upgrade`, not the alembic CLI")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
