"""Tenants, OAuth clients and tokens, sealed tenant keys; offers per agency and configuration;
the issuer's record of issued credentials.

Written out, not derived from the application's metadata; ``tests/test_service_tenants.py``
checks that revisions 0001-0004 create exactly what ``_tenants.metadata`` and
``_issuer_store.metadata`` describe.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the tenant tables (specs/http-api.md §10) and extend the issuer's (§9)."""
    op.create_table(
        "tenants",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("did", sa.String(200), nullable=True, unique=True),
        sa.Column("client_id", sa.String(64), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "tenant_keys",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("key_ref", sa.String(32), primary_key=True),
        sa.Column("key_type", sa.String(16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "oauth_access_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(100), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_oauth_access_tokens_expires_at", "oauth_access_tokens", ["expires_at"])
    with op.batch_alter_table("issuer_offers") as batch:
        batch.add_column(sa.Column("tenant_id", sa.String(64), nullable=True))
    op.create_table(
        "issuer_offer_items",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("configuration_id", sa.String(120), primary_key=True),
        sa.Column("issued_at", sa.BigInteger(), nullable=True),
    )
    op.create_table(
        "issuer_issued",
        sa.Column("anchor_hash", sa.String(64), primary_key=True),
        sa.Column("credential_hash", sa.String(64), nullable=False),
        sa.Column("credential_id", sa.String(200), nullable=True),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("type_id", sa.String(200), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("list_id", sa.String(64), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.BigInteger(), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_issuer_issued_credential_hash", "issuer_issued", ["credential_hash"])
    op.create_index("ix_issuer_issued_credential_id", "issuer_issued", ["credential_id"])


def downgrade() -> None:
    """Drop what upgrade created. Tenants, their keys and the issuance record are lost."""
    op.drop_index("ix_issuer_issued_credential_id", "issuer_issued")
    op.drop_index("ix_issuer_issued_credential_hash", "issuer_issued")
    op.drop_table("issuer_issued")
    op.drop_table("issuer_offer_items")
    with op.batch_alter_table("issuer_offers") as batch:
        batch.drop_column("tenant_id")
    op.drop_index("ix_oauth_access_tokens_expires_at", "oauth_access_tokens")
    op.drop_table("oauth_access_tokens")
    op.drop_table("tenant_keys")
    op.drop_table("tenants")
