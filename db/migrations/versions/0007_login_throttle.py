"""login throttle

One row per login name and per client (``name:...`` / ``client:...``): how many logins failed in a
row, until when further attempts are refused, and the failures not yet written to the audit log
(db.throttle collapses them into one ``login_failed`` line per name and window). In the store, not
in a process, so the CLI, the dashboard and several server processes share one count.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 02:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(320), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("audit_since", sa.DateTime(), nullable=True),
        sa.Column("unaudited", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=True),
    )
    op.create_index("ix_login_throttle_last_failure", "login_throttle", ["last_failure"])


def downgrade() -> None:
    op.drop_index("ix_login_throttle_last_failure", table_name="login_throttle")
    op.drop_table("login_throttle")
