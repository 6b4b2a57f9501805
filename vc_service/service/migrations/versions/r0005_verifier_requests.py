"""The verifier's OpenID4VP requests and their outcomes (one table).

Written out, not derived from ``vc_service.service._verifier_store.metadata``;
``tests/test_service_presentation.py`` checks that it creates exactly what that metadata creates.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``verifier_requests`` (specs/http-api.md §8)."""
    op.create_table(
        "verifier_requests",
        sa.Column("request_id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("dcql_query", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("retain_until", sa.BigInteger(), nullable=False),
        sa.Column("answered_at", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
    )
    op.create_index("ix_verifier_requests_retain_until", "verifier_requests", ["retain_until"])


def downgrade() -> None:
    """Drop the table: open requests are forgotten and recent outcomes with it."""
    op.drop_index("ix_verifier_requests_retain_until", table_name="verifier_requests")
    op.drop_table("verifier_requests")
