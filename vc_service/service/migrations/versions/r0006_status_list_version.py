"""A change counter on each status list, so that built lists can be cached across processes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``issuer_status_lists.version`` (0 for existing lists; specs/http-api.md §9.8)."""
    with op.batch_alter_table("issuer_status_lists") as batch:
        batch.add_column(sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    """Drop the counter (caches then rebuild lists on every request)."""
    with op.batch_alter_table("issuer_status_lists") as batch:
        batch.drop_column("version")
