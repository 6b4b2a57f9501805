"""Chancery's cryptography: BLS12-381, BBS signatures and zero-knowledge proofs.

No I/O, no web, no database: pure functions over bytes. The public surface is small:

* :mod:`zk.bbs` -- BBS signatures and selective-disclosure proofs (IETF draft).
* :mod:`zk.curve` -- the BLS12-381 backend interface (low level; production code uses
  :mod:`zk.bbs`).
* :class:`Error` and its subclasses :class:`InvalidInput` (malformed input) and
  :class:`VerificationError` (a well-formed signature or proof that does not verify).
"""

from __future__ import annotations

from . import bbs, curve
from ._errors import Error, InvalidInput, InvalidPoint, VerificationError

__all__ = ["Error", "InvalidInput", "InvalidPoint", "VerificationError", "bbs", "curve"]
