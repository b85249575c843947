"""What the API's routes share: the case path parameter, the case cache, JSON, the audit."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import HTTPException, Path, Query
from pydantic import StringConstraints, WithJsonSchema
from sqlalchemy import Engine

from yubi.case.loader import bundled_case_names
from yubi.store import audit
from yubi.store.accounts import Account
from yubi.store.database import writing
from yubi.web.errors import invalid

if TYPE_CHECKING:
    from yubi.case.compiled import Case

__all__ = ["AsOf", "CaseField", "CaseName", "CaseQuery", "bundled_case", "changed_case",
           "finite", "record_write"]

CASE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
#: The bundled cases, listed in the OpenAPI document as the values a case may take (the
#: server checks the name itself: another gives 404, or 422 in a query or a body).
CASE_SCHEMA = {"enum": bundled_case_names(), "description": "A bundled case's name."}
CaseName = Annotated[str, Path(pattern=CASE_PATTERN, json_schema_extra=CASE_SCHEMA)]
CaseQuery = Annotated[str, Query(pattern=CASE_PATTERN, json_schema_extra=CASE_SCHEMA)]
CaseField = Annotated[str, StringConstraints(pattern=CASE_PATTERN),
                      WithJsonSchema({"type": "string", **CASE_SCHEMA})]
AsOf = Annotated[str | None, Query(
    pattern=r"^(\d{4}-\d{2}-\d{2}|today)$",
    description="Answer from what had been recorded by the end of this date (UTC).")]
_opening = threading.Lock()


def bundled_case(name: str, field: tuple[str, ...] | None = None) -> Case:
    """A bundled case by name; for any other name 404, or a 422 about ``field`` (a case named
    in the body or the query rather than the path).

    Only names from the bundled list are opened: a request can never make the server read a
    file path of its choosing.
    """
    from yubi import app

    if name not in bundled_case_names():
        message = f"no case {name!r}; GET /api/v1/cases lists them"
        raise invalid(field, message) if field else HTTPException(404, message)
    # One compile at a time: twenty requests arriving together at a fresh server would
    # otherwise each parse and compile the case (seconds of CPU each) before the first
    # finished and filled the app layer's cache. Once cached, open_case is a hash lookup.
    with _opening:
        return app.open_case(name)


def changed_case(name: str, changes: Mapping[str, Any]) -> Case:
    """The bundled case with what-if ``changes``; a
    :class:`~yubi.case.changes.ChangeError` becomes a 422 naming the change's key."""
    from yubi import app

    try:
        return app.apply_changes(bundled_case(name), changes)
    except app.ChangeError as error:
        raise invalid(("body", "changes", error.key), error.reason) from None


def record_write(engine: Engine, account: Account, action: str, entity: str, entity_id: str,
                 diff: dict[str, Any]) -> int:
    """An audit entry for a write the store functions do not record themselves."""
    with audit.acting_as(account.name), writing(engine) as connection:
        return audit.record(connection, action, entity, entity_id, diff)


def finite(value: Any) -> Any:
    """``value`` with NaN and infinities as ``None`` (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value
