"""The issuer's Token Status Lists: one list per issuer and one row per allocated index.

Written out, not derived from ``vc_service.service._issuer_store.metadata``;
``tests/test_service_issuance.py`` checks that revisions 0002 and 0003 together create exactly
what that metadata creates.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``issuer_status_lists`` and ``issuer_status_entries`` (specs/http-api.md §9.8)."""
    op.create_table(
        "issuer_status_lists",
        sa.Column("list_id", sa.String(64), primary_key=True),
        sa.Column("issuer", sa.String(200), nullable=False, unique=True),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "issuer_status_entries",
        sa.Column("list_id", sa.String(64), primary_key=True),
        sa.Column("idx", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("credential_hash", sa.String(64), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    """Drop both tables. This forgets every revocation: issued credentials read as unavailable."""
    op.drop_table("issuer_status_entries")
    op.drop_table("issuer_status_lists")
