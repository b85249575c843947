"""The first schema: audit log, case versions, runs, evidence, questions, predictions, resolutions.

Revision ID: 0001
Revises:
Create Date: 2025-07-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CASE_ID = 64
ITEM_ID = 128
NAME = 200


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("who", sa.String(NAME), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(300), nullable=False),
        sa.Column("diff", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_table(
        "case_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(CASE_ID), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("recorded_by", sa.String(NAME), nullable=False),
    )
    op.create_index("ix_case_versions_case_id", "case_versions", ["case_id"])
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_version_id", sa.Integer, sa.ForeignKey("case_versions.id"),
                  nullable=False),
        sa.Column("case_id", sa.String(CASE_ID), nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("samples", sa.Integer, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("sampler", sa.String(10), nullable=False),
        sa.Column("priors", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("recorded_by", sa.String(NAME), nullable=False),
    )
    op.create_index("ix_runs_case_id", "runs", ["case_id"])
    op.create_table(
        "evidence",
        sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(CASE_ID), nullable=False),
        sa.Column("item_id", sa.String(ITEM_ID), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("observed_on", sa.Date, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("kind", sa.String(40)),
        sa.Column("reliability", sa.String(1), nullable=False),
        sa.Column("credibility", sa.Integer, nullable=False),
        sa.Column("relevance", sa.String(6), nullable=False),
        sa.Column("indicator", sa.String(64)),
        sa.Column("likelihood", sa.Text),
        sa.Column("ratings", sa.Text),
        sa.Column("group_id", sa.String(ITEM_ID)),
        sa.Column("retracted", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("recorded_by", sa.String(NAME), nullable=False),
        sa.Column("audit_id", sa.Integer, sa.ForeignKey("audit_log.id"), nullable=False),
        sa.UniqueConstraint("case_id", "item_id", "version", name="uq_evidence_version"),
    )
    op.create_index("ix_evidence_case_recorded", "evidence", ["case_id", "recorded_at"])
    op.create_table(
        "questions",
        sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(CASE_ID), nullable=False),
        sa.Column("question_id", sa.String(ITEM_ID), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("criteria", sa.Text, nullable=False),
        sa.Column("close_on", sa.Date, nullable=False),
        sa.Column("output_id", sa.String(64)),
        sa.Column("threshold_id", sa.String(64)),
        sa.Column("month", sa.String(7)),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("recorded_by", sa.String(NAME), nullable=False),
        sa.Column("audit_id", sa.Integer, sa.ForeignKey("audit_log.id"), nullable=False),
        sa.UniqueConstraint("case_id", "question_id", "version", name="uq_question_version"),
    )
    op.create_table(
        "predictions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(CASE_ID), nullable=False),
        sa.Column("question_id", sa.String(ITEM_ID), nullable=False),
        sa.Column("analyst", sa.String(NAME), nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("made_on", sa.Date, nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id")),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("recorded_by", sa.String(NAME), nullable=False),
        sa.Column("audit_id", sa.Integer, sa.ForeignKey("audit_log.id"), nullable=False),
    )
    op.create_index("ix_predictions_question", "predictions", ["case_id", "question_id"])
    op.create_table(
        "resolutions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(CASE_ID), nullable=False),
        sa.Column("question_id", sa.String(ITEM_ID), nullable=False),
        sa.Column("outcome", sa.Boolean, nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("resolved_on", sa.Date, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("recorded_by", sa.String(NAME), nullable=False),
        sa.Column("audit_id", sa.Integer, sa.ForeignKey("audit_log.id"), nullable=False),
    )
    op.create_index("ix_resolutions_question", "resolutions", ["case_id", "question_id"])


def downgrade() -> None:
    for table in ("resolutions", "predictions", "questions", "evidence", "runs",
                  "case_versions", "audit_log"):
        op.drop_table(table)
