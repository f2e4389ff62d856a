"""weekly rollups

Two more rollups for the Overview and Convoys pages (db.rollups): ``convoy_finals``, each convoy's
final row per review scope, and ``toll_weeks``, the store-wide civilian toll band per ISO week.
Both are filled from the facts already stored.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "toll_weeks",
        sa.Column("scope", sa.String(10), primary_key=True),
        sa.Column("victim_group", sa.String(30), primary_key=True),
        sa.Column("week", sa.Date(), primary_key=True),
        *(sa.Column(c, sa.Integer(), nullable=False)
          for c in ("killed_low", "killed_high", "injured_low", "injured_high", "sources")),
    )  # fmt: skip
    op.create_table(
        "convoy_finals",
        sa.Column("scope", sa.String(10), primary_key=True),
        sa.Column("convoy_key", sa.String(220), primary_key=True),
        sa.Column("fact_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("week", sa.Date(), nullable=True),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("trucks", sa.Integer(), nullable=True),
        sa.Column("people_served", sa.Integer(), nullable=True),
    )
    op.create_index(
        "ix_convoy_finals_window", "convoy_finals",
        ["scope", "date", "week", "outcome", "import_id", "trucks", "people_served"],
    )  # fmt: skip
    op.create_index("ix_convoy_finals_place", "convoy_finals", ["place_id"])

    from db import rollups  # the facts already stored

    conn = op.get_bind()
    rollups.refresh_convoys(conn, None)
    rollups.refresh_toll_weeks(conn, None)
    op.execute("ANALYZE")


def downgrade() -> None:
    op.drop_table("convoy_finals")
    op.drop_table("toll_weeks")
