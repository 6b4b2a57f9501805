"""Exception hierarchy of the ``zk`` package.

Every failure raised by ``zk`` is a subclass of :class:`Error`. Verification never returns a
boolean that a caller could forget to check: it returns ``None`` or raises
:class:`VerificationError`. Malformed input (wrong lengths, points that are not valid group
elements, out-of-range indexes) raises :class:`InvalidInput` before any cryptographic work.
"""

from __future__ import annotations

__all__ = ["Error", "InvalidInput", "InvalidPoint", "VerificationError"]


class Error(Exception):
    """Base class of every error raised by the ``zk`` package."""


class InvalidInput(Error, ValueError):
    """An argument is malformed: wrong length, out of range, or otherwise not well formed."""


class InvalidPoint(InvalidInput):
    """Bytes do not encode a valid point of the expected group.

    Raised for non-canonical encodings, points off the curve, points outside the prime-order
    subgroup, and the identity where the caller's specification forbids it.
    """


class VerificationError(Error):
    """A signature or proof is well formed but does not verify."""
