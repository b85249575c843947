"""Dates and times as the store reads them: ISO dates in, UTC instants out.

``--as-of DATE`` means "what had been recorded by the end of DATE" in UTC: every row recorded
before midnight UTC at the start of the next day.
"""

from __future__ import annotations

import datetime as dt
import re

from yubi.case.schema import EARLIEST_DATE, LATEST_DATE
from yubi.errors import UsageError

__all__ = ["end_of_day", "parse_date", "today"]


def today() -> dt.date:
    """Today's date in UTC (the store's clock)."""
    return dt.datetime.now(dt.UTC).date()


def parse_date(value: str | dt.date, what: str = "date") -> dt.date:
    """A date from ``YYYY-MM-DD``, or ``today``; :class:`UsageError` naming ``what`` if not."""
    if isinstance(value, dt.date):
        return value
    text = value.strip()
    if text.lower() in ("today", "now"):
        return today()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{what} must be a date YYYY-MM-DD (or 'today'), not {value!r}") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise UsageError(f"{what} {day} is outside {EARLIEST_DATE} to {LATEST_DATE}")
    return day


def end_of_day(day: dt.date) -> dt.datetime:
    """The first UTC instant after ``day``: rows recorded strictly before it count as known."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
