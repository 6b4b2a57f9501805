"""The issuer's tables: pre-authorized credential offers, access tokens and nonces.

Written out, not derived from ``vc_service.service._issuer_store.metadata``;
``tests/test_service_issuance.py`` checks that it creates exactly what that metadata creates.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``issuer_offers``, ``issuer_tokens`` and ``issuer_nonces`` (specs/http-api.md §8)."""
    op.create_table(
        "issuer_offers",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("tx_code_hash", sa.String(64), nullable=False),
        sa.Column("configuration_id", sa.String(100), nullable=False),
        sa.Column("claims", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("redeemed_at", sa.BigInteger(), nullable=True),
    )
    op.create_table(
        "issuer_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
    )
    op.create_table(
        "issuer_nonces",
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("used_at", sa.BigInteger(), nullable=True),
    )


def downgrade() -> None:
    """Drop the three tables: they hold only transient flow state, nothing the ledger needs."""
    op.drop_table("issuer_nonces")
    op.drop_table("issuer_tokens")
    op.drop_table("issuer_offers")
