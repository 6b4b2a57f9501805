"""The Chancery ledger: a verifiable append-only log of signed, typed entries.

RFC 9162 Merkle tree hashing and proofs, a SQL store of the log, registry state folded from the
entries, C2SP checkpoints with witness cosignatures, and anchoring of checkpoints on an EVM chain.
See ``specs/ledger.md``. :class:`Ledger` is the entry point; the anchoring names (which import
web3) load on first use.
"""

from __future__ import annotations

from typing import Any

from ._checkpoint import (
    Checkpoint,
    CheckpointError,
    cosign,
    note_verifier_key,
    verify_checkpoint,
)
from ._did_chancery import ChanceryMethodResolver
from ._entries import Entry, InvalidEntry, decode_entry, make_entry
from ._ledger import (
    AnchorPolicy,
    AppendError,
    AuditReport,
    Ledger,
    LedgerError,
    Receipt,
    verify_receipt,
)
from ._merkle import MerkleProofError, leaf_hash, verify_consistency, verify_inclusion
from ._state import LedgerRuleError, RegistryState
from ._store import LedgerStore

_ANCHOR_NAMES = (
    "AnchorClient",
    "AnchorError",
    "AnchorMismatch",
    "AnchorRejected",
    "log_id",
)

__all__ = [
    "AnchorClient",
    "AnchorError",
    "AnchorMismatch",
    "AnchorPolicy",
    "AnchorRejected",
    "AppendError",
    "AuditReport",
    "ChanceryMethodResolver",
    "Checkpoint",
    "CheckpointError",
    "Entry",
    "InvalidEntry",
    "Ledger",
    "LedgerError",
    "LedgerRuleError",
    "LedgerStore",
    "MerkleProofError",
    "Receipt",
    "RegistryState",
    "cosign",
    "decode_entry",
    "leaf_hash",
    "log_id",
    "make_entry",
    "note_verifier_key",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "verify_receipt",
]


def __getattr__(name: str) -> Any:
    # web3 takes about a second to import: only code that anchors pays for it.
    if name in _ANCHOR_NAMES:
        from . import _anchor

        return getattr(_anchor, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
