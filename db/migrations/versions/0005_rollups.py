"""rollups

Pre-aggregated tables for the dashboard (db.rollups: toll_days, toll_reports, place_counts,
organisation_counts), covering indexes for the window and count queries, an index on the
date (first and last fact) and a partial index on the few retracted facts. The rollups are filled
from the facts already stored.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _keys(*names: str) -> list[sa.Column]:
    types = {"scope": sa.String(10), "victim_group": sa.String(30), "day": sa.Date(), "place_id": sa.Integer(),
             "source": sa.String(300), "period_end": sa.Date(), "period_start": sa.Date(),
             "import_id": sa.Integer(), "kind": sa.String(30), "review_status": sa.String(20),
             "organisation_id": sa.Integer(), "role": sa.String(20)}  # fmt: skip
    return [sa.Column(n, types[n], primary_key=True) for n in names]


def upgrade() -> None:
    values = [sa.Column(c, sa.Float(), nullable=True) for c in ("killed_low", "killed_high", "injured_low", "injured_high")]
    op.create_table("toll_days", *_keys("scope", "victim_group", "day", "place_id", "source"), *values)
    op.create_index("ix_toll_days_place", "toll_days", ["place_id"])
    op.create_table(
        "toll_reports",
        *_keys("scope", "victim_group", "period_end", "period_start", "place_id", "source", "import_id"),
        sa.Column("reports", sa.Integer(), nullable=False),
    )
    op.create_index("ix_toll_reports_place", "toll_reports", ["place_id"])
    op.create_table("place_counts", *_keys("place_id", "kind", "review_status"),
                    sa.Column("facts", sa.Integer(), nullable=False))  # fmt: skip
    op.create_table("organisation_counts", *_keys("organisation_id", "role"),
                    sa.Column("facts", sa.Integer(), nullable=False))  # fmt: skip

    op.drop_index("ix_facts_kind_date", table_name="facts")
    op.drop_index("ix_facts_place_kind", table_name="facts")
    op.create_index("ix_facts_kind_date", "facts", ["kind", "date", "place_id", "review_status", "retracted"])
    op.create_index("ix_facts_place_kind", "facts", ["place_id", "kind", "review_status", "retracted", "date"])
    op.create_index("ix_facts_date", "facts", ["date"])
    op.create_index(
        "ix_facts_retracted", "facts", ["id"],
        sqlite_where=sa.text("retracted = 1"), postgresql_where=sa.text("retracted = true"),
    )  # fmt: skip
    op.drop_index("ix_fact_organisations_organisation_id", table_name="fact_organisations")
    op.create_index("ix_fact_organisations_org_role", "fact_organisations", ["organisation_id", "role"])

    from db import rollups  # the facts already stored (only the tables this revision creates)

    rollups.refresh_places(op.get_bind(), None)
    rollups.refresh_organisations(op.get_bind(), None)
    op.execute("ANALYZE")  # planner statistics for the new indexes (both engines)


def downgrade() -> None:
    op.drop_index("ix_fact_organisations_org_role", table_name="fact_organisations")
    op.create_index("ix_fact_organisations_organisation_id", "fact_organisations", ["organisation_id"])
    for name in ("ix_facts_retracted", "ix_facts_date", "ix_facts_place_kind", "ix_facts_kind_date"):
        op.drop_index(name, table_name="facts")
    op.create_index("ix_facts_place_kind", "facts", ["place_id", "kind"])
    op.create_index("ix_facts_kind_date", "facts", ["kind", "date"])
    for table in ("organisation_counts", "place_counts", "toll_reports", "toll_days"):
        op.drop_table(table)
