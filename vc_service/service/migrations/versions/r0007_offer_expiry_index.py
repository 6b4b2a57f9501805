"""An index on ``issuer_offers.expires_at``, for the sweep that erases spent offers' claims.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index the offers' expiry (specs/http-api.md §9.6): the sweep reads a range of it."""
    op.create_index("ix_issuer_offers_expires_at", "issuer_offers", ["expires_at"])


def downgrade() -> None:
    """Drop the index (the sweep then scans the table)."""
    op.drop_index("ix_issuer_offers_expires_at", table_name="issuer_offers")
