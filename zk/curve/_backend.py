"""The smallest BLS12-381 interface that BBS and the later proofs need.

Points are opaque values owned by a backend; scalars cross the interface as Python integers in
``[0, R)``. Both implementations (arkworks for production, py_ecc as the reference oracle) must
return byte-identical encodings for the same inputs; the test-suite checks this.

Encodings follow the ZCash serialisation of BLS12-381 points (compressed form), which is the
``point_to_octets_E1``/``point_to_octets_E2`` of draft-irtf-cfrg-bbs-signatures §4.2.4.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from .._errors import InvalidInput, InvalidPoint
from ._hash import ExpandMessage, P, R

__all__ = [
    "Backend",
    "G1_SIZE",
    "G2_SIZE",
    "SCALAR_SIZE",
    "check_compressed_encoding",
    "check_scalar",
]

G1_SIZE = 48
G2_SIZE = 96
SCALAR_SIZE = 32

G1 = TypeVar("G1")
G2 = TypeVar("G2")

_FLAG_COMPRESSED = 0x80
_FLAG_INFINITY = 0x40
_FLAG_SIGN = 0x20


class Backend(Protocol[G1, G2]):
    """BLS12-381 group operations. Implementations: ``ArkworksBackend``, ``PyEccBackend``."""

    @property
    def name(self) -> str:
        """Short name of the backend, for reports."""
        ...

    def __hash__(self) -> int:
        """Backends are hashable: callers key caches of decoded points by backend."""
        ...

    def g1_decode(
        self, data: bytes, *, allow_identity: bool = False, subgroup_check: bool = True
    ) -> G1:
        """Decode a compressed G1 point, checking canonical form, curve and subgroup.

        Raises :class:`zk.InvalidPoint` on any failure, and for the identity unless
        ``allow_identity`` is true. ``subgroup_check=False`` skips the prime-order subgroup test
        (the point is still on the curve): only for a caller that checks what it computes from
        such points before relying on it; a backend may check anyway.
        """
        ...

    def g2_decode(self, data: bytes, *, allow_identity: bool = False) -> G2:
        """Decode a compressed G2 point with the same checks as :meth:`g1_decode`."""
        ...

    def g1_encode(self, point: G1) -> bytes:
        """Compressed 48-byte encoding."""
        ...

    def g2_encode(self, point: G2) -> bytes:
        """Compressed 96-byte encoding."""
        ...

    def g1_identity(self) -> G1:
        """The identity of G1."""
        ...

    def g1_generator(self) -> G1:
        """The standard generator of G1."""
        ...

    def g2_generator(self) -> G2:
        """The standard generator of G2 (``BP2`` in the BBS draft)."""
        ...

    def g1_is_identity(self, point: G1) -> bool:
        """Whether ``point`` is the identity of G1."""
        ...

    def g1_eq(self, a: G1, b: G1) -> bool:
        """Group equality in G1."""
        ...

    def g1_add(self, a: G1, b: G1) -> G1:
        """``a + b`` in G1."""
        ...

    def g1_neg(self, a: G1) -> G1:
        """``-a`` in G1."""
        ...

    def g1_mul(self, point: G1, scalar: int) -> G1:
        """``scalar * point`` for ``0 <= scalar < R``."""
        ...

    def g1_msm(self, points: Sequence[G1], scalars: Sequence[int]) -> G1:
        """Multi-scalar multiplication ``sum(s_i * P_i)`` in G1 (same lengths, ``0 <= s_i < R``)."""
        ...

    def g2_add(self, a: G2, b: G2) -> G2:
        """``a + b`` in G2."""
        ...

    def g2_neg(self, a: G2) -> G2:
        """``-a`` in G2."""
        ...

    def g2_mul(self, point: G2, scalar: int) -> G2:
        """``scalar * point`` in G2 for ``0 <= scalar < R``."""
        ...

    def hash_to_g1(self, msg: bytes, dst: bytes, expander: ExpandMessage) -> G1:
        """RFC 9380 ``hash_to_curve`` to G1 with the SSWU map (suites ``BLS12381G1_XMD:SHA-256_SSWU_RO_``
        and ``BLS12381G1_XOF:SHAKE-256_SSWU_RO_``)."""
        ...

    def pairing_check(self, g1s: Sequence[G1], g2s: Sequence[G2]) -> bool:
        """Whether ``prod e(g1s[i], g2s[i])`` is the identity of GT."""
        ...


def check_scalar(value: int) -> int:
    """Return ``value`` if it is an ``int`` (not a ``bool``) in ``[0, R)``; else raise.

    Both backends call this, so a float, a string or an out-of-range integer is refused the
    same way whichever backend computes.
    """
    if type(value) is not int:
        raise InvalidInput(f"a scalar must be an int, not {type(value).__name__}")
    if not 0 <= value < R:
        raise InvalidInput("scalar out of range")
    return value


def check_compressed_encoding(data: bytes, size: int) -> bool:
    """Check the flag bits and field-element ranges of a compressed point encoding.

    Returns whether the encoding is the (canonical) identity. Curve membership and subgroup
    checks are left to the backend. Doing this check once, here, guarantees that both
    backends reject exactly the same non-canonical encodings (an attacker must not be able to
    submit two encodings of one point, which would make proofs and signatures malleable).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) != size:
        raise InvalidPoint(f"a compressed point must be {size} bytes")
    data = bytes(data)
    flags = data[0]
    if not flags & _FLAG_COMPRESSED:
        raise InvalidPoint("point encoding is not in compressed form")
    body = bytes([flags & 0x1F]) + bytes(data[1:])
    if flags & _FLAG_INFINITY:
        if flags & _FLAG_SIGN or any(body):
            raise InvalidPoint("non-canonical encoding of the point at infinity")
        return True
    for offset in range(0, size, G1_SIZE):
        if int.from_bytes(body[offset : offset + G1_SIZE], "big") >= P:
            raise InvalidPoint("point coordinate is not reduced modulo p")
    return False
