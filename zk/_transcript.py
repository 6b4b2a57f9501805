"""The Fiat–Shamir transcript of Chancery's composed zero-knowledge proofs.

Every sub-proof of a presentation (BBS proofs of knowledge, range proofs, accumulator
membership, pseudonyms) writes its statement and its first-move commitments into one
:class:`Transcript`; every challenge is drawn from everything written before it. A proof
therefore cannot be lifted out of one presentation into another, and a verifier that rebuilds
the transcript from the same public inputs draws the same challenges
(``specs/zk-presentation.md`` §5).

Encoding (unambiguous by construction): each record is
``I2OSP(len(label), 1) || label || I2OSP(len(data), 8) || data``, absorbed into SHA-256 in
order. The transcript starts with the record ``("dom-sep", protocol label)``. A challenge with
label ``L`` is ``OS2IP(expand_message_xmd(SHA-256(state) || L, DST, 48)) mod r`` (RFC 9380
§5.3.1, the same reduction as ``hash_to_scalar`` of draft-irtf-cfrg-bbs-signatures §4.1.3),
redrawn in the negligible case that it is zero, and is then itself absorbed as a record, so that
later challenges depend on it.
"""

from __future__ import annotations

import hashlib

from ._errors import InvalidInput
from .curve._hash import R, expand_message_xmd

__all__ = ["TRANSCRIPT_DST", "Transcript"]

#: The domain-separation tag of every challenge drawn from a transcript.
TRANSCRIPT_DST = b"CHANCERY-ZK-V1_TRANSCRIPT_XMD:SHA-256_"
_EXPAND_LEN = 48


class Transcript:
    """An append-only Fiat–Shamir transcript (see the module docstring for the encoding)."""

    __slots__ = ("_state",)

    def __init__(self, protocol: bytes) -> None:
        self._state = hashlib.sha256()
        self.append(b"dom-sep", protocol)

    def append(self, label: bytes, data: bytes) -> None:
        """Absorb one labelled record."""
        if not isinstance(label, bytes) or not 0 < len(label) < 256:
            raise InvalidInput("a transcript label is 1 to 255 bytes")
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidInput("transcript data must be bytes")
        self._state.update(bytes([len(label)]) + label + len(data).to_bytes(8, "big"))
        self._state.update(data)

    def append_scalar(self, label: bytes, value: int) -> None:
        """Absorb a scalar as its 32-byte big-endian encoding."""
        if type(value) is not int or not 0 <= value < R:
            raise InvalidInput("a transcript scalar must be an int in [0, r)")
        self.append(label, value.to_bytes(32, "big"))

    def append_u64(self, label: bytes, value: int) -> None:
        """Absorb a non-negative integer below 2^64 as 8 big-endian bytes."""
        if type(value) is not int or not 0 <= value < 1 << 64:
            raise InvalidInput("a transcript integer must be in [0, 2^64)")
        self.append(label, value.to_bytes(8, "big"))

    def challenge_scalar(self, label: bytes) -> int:
        """A challenge in ``[1, r)`` bound to every record so far; absorbed afterwards."""
        counter = 0
        while True:
            digest = self._state.copy().digest()
            seed = digest + label + (bytes([counter]) if counter else b"")
            value = int.from_bytes(expand_message_xmd(seed, TRANSCRIPT_DST, _EXPAND_LEN), "big")
            value %= R
            if value:
                break
            counter += 1  # pragma: no cover - probability 2^-255
        self.append_scalar(label, value)
        return value

    def copy(self) -> Transcript:
        """An independent copy (for a verifier that checks several branches)."""
        other = Transcript.__new__(Transcript)
        other._state = self._state.copy()
        return other
