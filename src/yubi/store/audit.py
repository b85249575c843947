"""The audit log: who changed what in the store, and when.

The analyst's name comes from :func:`acting_as` (the web server's logged-in user), else
``$YUBI_ANALYST``, else the operating-system user. Each change
(an item added, a file imported, a probability given, a question resolved) is one entry whose
``diff`` is the JSON of what was written; rows written by the change point back at it.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, insert, select

from yubi.store.models import AuditEntry, utc_now

__all__ = ["acting_as", "analyst_name", "history", "record"]

# A context variable, not an environment variable: each request of the web server runs in its
# own context, so concurrent requests of two users never see each other's name.
_acting: ContextVar[str | None] = ContextVar("yubi_acting_user", default=None)


@contextmanager
def acting_as(name: str) -> Iterator[None]:
    """Within the block, changes are recorded as made by ``name``."""
    token = _acting.set(name)
    try:
        yield
    finally:
        _acting.reset(token)


def analyst_name() -> str:
    """The person making changes: ``$YUBI_ANALYST``, else the login name."""
    acting = _acting.get()  # the web server's logged-in user comes first (acting_as)
    if acting:
        return acting
    name = os.environ.get("YUBI_ANALYST", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in a bare container
        return "unknown"


def record(
    connection: Connection, action: str, entity: str, entity_id: str, diff: dict[str, Any]
) -> int:
    """Append one audit entry inside the caller's transaction; return its id."""
    result = connection.execute(
        insert(AuditEntry).values(
            at=utc_now(), who=analyst_name(), action=action, entity=entity,
            entity_id=entity_id[:300], diff=json.dumps(diff, ensure_ascii=False, default=str),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def history(connection: Connection, entity: str | None = None) -> list[dict[str, Any]]:
    """Every audit entry (of one entity type, if given), oldest first."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    return [
        {"id": row.id, "at": row.at.isoformat(), "who": row.who, "action": row.action,
         "entity": row.entity, "entity_id": row.entity_id, "diff": json.loads(row.diff)}
        for row in connection.execute(query).all()
    ]
