"""The Chancery ledger: a verifiable append-only log of signed, typed entries.

RFC 9162 Merkle tree hashing and proofs, a SQL store of the log, registry state folded from the
entries, C2SP checkpoints with witness cosignatures, and anchoring of checkpoints on an EVM chain.
See ``specs/ledger/``.
"""

from __future__ import annotations

__all__: list[str] = []
