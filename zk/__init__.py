"""Chancery's cryptography: BLS12-381, BBS signatures and zero-knowledge proofs.

No I/O, no web, no database: pure functions over bytes. The public surface is small:

* :mod:`zk.bbs` -- BBS signatures and selective-disclosure proofs, Blind BBS and per-verifier
  pseudonyms (IETF drafts).
* :mod:`zk.presentation` -- zero-knowledge presentations: several credentials under one link
  secret, predicates, non-revocation and pseudonyms in one proof.
* :mod:`zk.range` -- Bulletproofs range proofs; :mod:`zk.accumulator` -- the revocation
  accumulator.
* :mod:`zk.curve` -- the BLS12-381 backend interface (low level; production code uses
  :mod:`zk.bbs`).
* :class:`Error` and its subclasses :class:`InvalidInput` (malformed input) and
  :class:`VerificationError` (a well-formed signature or proof that does not verify).
"""

from __future__ import annotations

from . import accumulator, bbs, curve, presentation, range
from ._errors import Error, InvalidInput, InvalidPoint, VerificationError
from ._transcript import Transcript

__all__ = [
    "Error",
    "InvalidInput",
    "InvalidPoint",
    "Transcript",
    "VerificationError",
    "accumulator",
    "bbs",
    "curve",
    "presentation",
    "range",
]
