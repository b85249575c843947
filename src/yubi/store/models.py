"""The store's tables (SQLAlchemy 2 declarative models).

Every row records when it was written (``recorded_at``, UTC) and by whom. Rows are never
updated or deleted: a correction to an evidence item or a question is a new row with the next
``version`` of the same id, so a query "as of" a date reads the newest version recorded by
then. Probabilities and resolutions are histories by nature: each is a new row, the newest
before a date being the one that counts at that date. The :class:`AuditEntry` log says who did
what, with the change as JSON; evidence rows point at the audit entry that wrote them.

The schema itself is created by the Alembic migrations in ``migrations/versions``; these
models must match them (``tests/store`` checks that the migrated schema and the models agree).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "AuditEntry",
    "Base",
    "CaseVersion",
    "EvidenceRow",
    "Prediction",
    "Question",
    "Resolution",
    "Run",
    "UTCDateTime",
    "utc_now",
]

CASE_ID = 64
ITEM_ID = 128
NAME = 200


def utc_now() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC in every database and read back as aware UTC.

    Naive storage keeps SQLite (which has no time zones) and PostgreSQL comparing the same
    values the same way; the conversion at the boundary means no caller sees a naive time.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store timestamps must be timezone-aware")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    pass


class _Recorded:
    """When, by whom and under which audit entry a row was written (rows are never updated:
    a correction is a new row). The columns come last in each table."""

    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, sort_order=100)
    recorded_by: Mapped[str] = mapped_column(String(NAME), sort_order=101)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit_log.id"), sort_order=102)


class AuditEntry(Base):
    """Who did what, when: one row per change (an import of many items is one change)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    who: Mapped[str] = mapped_column(String(NAME))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(300))
    diff: Mapped[str] = mapped_column(Text)


class CaseVersion(Base):
    """A case file as it was when a run used it, identified by the SHA-256 of its bytes."""

    __tablename__ = "case_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(CASE_ID), index=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    as_of: Mapped[dt.date] = mapped_column(Date)
    content: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(NAME))


class Run(Base):
    """One simulation whose probabilities were recorded: the case version and settings."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_version_id: Mapped[int] = mapped_column(ForeignKey("case_versions.id"))
    case_id: Mapped[str] = mapped_column(String(CASE_ID), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    samples: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    sampler: Mapped[str] = mapped_column(String(10))
    priors: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(NAME))


class EvidenceRow(_Recorded, Base):
    """One version of one evidence item (see :mod:`yubi.store.evidence` for the fields)."""

    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("case_id", "item_id", "version", name="uq_evidence_version"),
        Index("ix_evidence_case_recorded", "case_id", "recorded_at"),
    )

    row_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(CASE_ID))
    item_id: Mapped[str] = mapped_column(String(ITEM_ID))
    version: Mapped[int] = mapped_column(Integer)
    observed_on: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(40))
    reliability: Mapped[str] = mapped_column(String(1))
    credibility: Mapped[int] = mapped_column(Integer)
    relevance: Mapped[str] = mapped_column(String(6))
    indicator: Mapped[str | None] = mapped_column(String(64))
    likelihood: Mapped[str | None] = mapped_column(Text)
    ratings: Mapped[str | None] = mapped_column(Text)
    group_id: Mapped[str | None] = mapped_column(String(ITEM_ID))
    retracted: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    # An observation (migration 0003): a reported value of an output or stock in a month.
    output: Mapped[str | None] = mapped_column(String(64))
    month: Mapped[str | None] = mapped_column(String(7))
    reported: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(String(64))


class Question(_Recorded, Base):
    """One version of a forecasting question (from a case's threshold, or an analyst's)."""

    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("case_id", "question_id", "version", name="uq_question_version"),
    )

    row_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(CASE_ID))
    question_id: Mapped[str] = mapped_column(String(ITEM_ID))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    criteria: Mapped[str] = mapped_column(Text)
    close_on: Mapped[dt.date] = mapped_column(Date)
    output_id: Mapped[str | None] = mapped_column(String(64))
    threshold_id: Mapped[str | None] = mapped_column(String(64))
    month: Mapped[str | None] = mapped_column(String(7))


class Prediction(_Recorded, Base):
    """A probability for a question, by an analyst or by the model (``run_id`` set)."""

    __tablename__ = "predictions"
    __table_args__ = (Index("ix_predictions_question", "case_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(CASE_ID))
    question_id: Mapped[str] = mapped_column(String(ITEM_ID))
    analyst: Mapped[str] = mapped_column(String(NAME))
    probability: Mapped[float] = mapped_column(Float)
    made_on: Mapped[dt.date] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))


class Resolution(_Recorded, Base):
    """How a question resolved; a later row for the same question corrects an earlier one."""

    __tablename__ = "resolutions"
    __table_args__ = (Index("ix_resolutions_question", "case_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(CASE_ID))
    question_id: Mapped[str] = mapped_column(String(ITEM_ID))
    outcome: Mapped[bool] = mapped_column(Boolean)
    value: Mapped[float | None] = mapped_column(Float)
    resolved_on: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)  # migration 0003
