"""Observations: an evidence item may report a value of an output or stock in a month.

Four nullable columns on ``evidence``: ``output``, ``month`` (``YYYY-MM``), ``reported`` and
``error`` (a 90 % range of reported ÷ true, ``"0.5x to 2x"``). Existing rows stay as they were
(all four null): they are not observations. Resolutions gain a nullable ``note`` (the
resolutions file's optional column).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = (
    ("output", sa.String(64)),
    ("month", sa.String(7)),
    ("reported", sa.Float),
    ("error", sa.String(64)),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("evidence", sa.Column(name, kind, nullable=True))
    op.add_column("resolutions", sa.Column("note", sa.Text, nullable=True))


def downgrade() -> None:
    # SQLite drops a column only by copying the table: batch mode does that on both databases.
    with op.batch_alter_table("resolutions") as batch:
        batch.drop_column("note")
    with op.batch_alter_table("evidence") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
