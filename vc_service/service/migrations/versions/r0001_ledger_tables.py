"""The ledger's tables: entries, perfect-subtree hashes, settings, checkpoints, cosignatures.

Written out, not derived from ``vc_service.ledger._store.metadata``: a revision must keep
creating what it created the day it was written. ``tests/test_service_ledger_api.py``
checks that it creates exactly what ``LedgerStore.create_schema`` creates today.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HASH_SIZE = 32


def upgrade() -> None:
    """Create the five ``ledger_*`` tables (specs/ledger/log.md §4)."""
    # On SQLite an INTEGER PRIMARY KEY is the rowid: entries are stored in index order.
    index = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "ledger_entries",
        sa.Column("idx", index, primary_key=True, autoincrement=False),
        sa.Column("leaf_hash", sa.LargeBinary(_HASH_SIZE), nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("idx >= 0", name="ledger_entries_idx_nonnegative"),
        sa.CheckConstraint(
            f"length(leaf_hash) = {_HASH_SIZE}", name="ledger_entries_leaf_hash_size"
        ),
    )
    op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.SmallInteger(), primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(_HASH_SIZE), nullable=False),
        sa.CheckConstraint("level >= 1 AND idx >= 0", name="ledger_nodes_position"),
        sa.CheckConstraint(f"length(hash) = {_HASH_SIZE}", name="ledger_nodes_hash_size"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ledger_meta",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("size", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "ledger_cosignatures",
        sa.Column(
            "size",
            sa.BigInteger(),
            sa.ForeignKey("ledger_checkpoints.size", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("witness", sa.String(255), primary_key=True),
        sa.Column("signature", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    """Refused: the ledger is an append-only public log, and dropping it would destroy it."""
    raise RuntimeError("the ledger tables are never dropped by a migration: the log is append-only")
