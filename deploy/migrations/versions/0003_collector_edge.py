"""collector edge: browser origins allowed per source

Revision ID: 0003
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Browser origins (scheme://host[:port]) whose pages may send with this source's key; empty
    # means no browser page may (server-side senders send no Origin header).
    op.add_column(
        "sources",
        sa.Column(
            "allowed_origins",
            postgresql.ARRAY(sa.String(length=300)),
            nullable=False,
            server_default="{}",
        ),
        schema="collector",
    )


def downgrade() -> None:
    op.drop_column("sources", "allowed_origins", schema="collector")
