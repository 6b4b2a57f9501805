"""Production BLS12-381 backend on arkworks (``py-arkworks-bls12381``)."""

from __future__ import annotations

from collections.abc import Sequence

from py_arkworks_bls12381 import GT, G1Point, G2Point, Scalar

from .._errors import InvalidInput, InvalidPoint
from ._backend import G1_SIZE, G2_SIZE, check_compressed_encoding, check_scalar
from ._hash import ExpandMessage, check_hash_input, hash_to_field_fp

__all__ = ["ArkworksBackend"]


def _scalar(value: int) -> Scalar:
    # Scalar.from_be_bytes is an order of magnitude faster than Scalar(int).
    return Scalar.from_be_bytes(check_scalar(value).to_bytes(32, "big"))


class ArkworksBackend:
    """BLS12-381 arithmetic in Rust (arkworks). The default backend."""

    name = "arkworks"

    def __init__(self) -> None:
        self._g1 = G1Point()
        self._g2 = G2Point()
        self._g1_id = G1Point.identity()

    def g1_decode(
        self, data: bytes, *, allow_identity: bool = False, subgroup_check: bool = True
    ) -> G1Point:
        """See :meth:`zk.curve.Backend.g1_decode`."""
        if check_compressed_encoding(data, G1_SIZE):
            if not allow_identity:
                raise InvalidPoint("the identity is not allowed here")
            return G1Point.identity()
        try:
            if not subgroup_check:
                # Decompression still solves the curve equation: off-curve input fails.
                return G1Point.from_compressed_bytes_unchecked(bytes(data))
            return G1Point.from_compressed_bytes(bytes(data))
        except ValueError as exc:
            raise InvalidPoint("not a point of the G1 subgroup") from exc

    def g2_decode(self, data: bytes, *, allow_identity: bool = False) -> G2Point:
        """See :meth:`zk.curve.Backend.g2_decode`."""
        if check_compressed_encoding(data, G2_SIZE):
            if not allow_identity:
                raise InvalidPoint("the identity is not allowed here")
            return G2Point.identity()
        try:
            return G2Point.from_compressed_bytes(bytes(data))
        except ValueError as exc:
            raise InvalidPoint("not a point of the G2 subgroup") from exc

    def g1_encode(self, point: G1Point) -> bytes:
        """See :meth:`zk.curve.Backend.g1_encode`."""
        return point.to_compressed_bytes()

    def g2_encode(self, point: G2Point) -> bytes:
        """See :meth:`zk.curve.Backend.g2_encode`."""
        return point.to_compressed_bytes()

    def g1_identity(self) -> G1Point:
        """See :meth:`zk.curve.Backend.g1_identity`."""
        return self._g1_id

    def g1_generator(self) -> G1Point:
        """See :meth:`zk.curve.Backend.g1_generator`."""
        return self._g1

    def g2_generator(self) -> G2Point:
        """See :meth:`zk.curve.Backend.g2_generator`."""
        return self._g2

    def g1_is_identity(self, point: G1Point) -> bool:
        """See :meth:`zk.curve.Backend.g1_is_identity`."""
        return point == self._g1_id

    def g1_eq(self, a: G1Point, b: G1Point) -> bool:
        """See :meth:`zk.curve.Backend.g1_eq`."""
        return a == b

    def g1_add(self, a: G1Point, b: G1Point) -> G1Point:
        """See :meth:`zk.curve.Backend.g1_add`."""
        return a + b

    def g1_neg(self, a: G1Point) -> G1Point:
        """See :meth:`zk.curve.Backend.g1_neg`."""
        return -a

    def g1_mul(self, point: G1Point, scalar: int) -> G1Point:
        """See :meth:`zk.curve.Backend.g1_mul`."""
        return point * _scalar(scalar)

    def g1_msm(self, points: Sequence[G1Point], scalars: Sequence[int]) -> G1Point:
        """See :meth:`zk.curve.Backend.g1_msm`."""
        if len(points) != len(scalars):
            raise InvalidInput("multi-scalar multiplication needs as many scalars as points")
        if not points:
            return self._g1_id
        return G1Point.multiexp_unchecked(list(points), [_scalar(s) for s in scalars])

    def g2_add(self, a: G2Point, b: G2Point) -> G2Point:
        """See :meth:`zk.curve.Backend.g2_add`."""
        return a + b

    def g2_neg(self, a: G2Point) -> G2Point:
        """See :meth:`zk.curve.Backend.g2_neg`."""
        return -a

    def g2_mul(self, point: G2Point, scalar: int) -> G2Point:
        """See :meth:`zk.curve.Backend.g2_mul`."""
        return point * _scalar(scalar)

    def hash_to_g1(self, msg: bytes, dst: bytes, expander: ExpandMessage) -> G1Point:
        """See :meth:`zk.curve.Backend.hash_to_g1`."""
        check_hash_input(msg, dst)
        if expander == "xmd:sha256" and len(dst) <= 255:
            return G1Point.hash_to_curve(msg, dst)
        # arkworks ships only the XMD expander: hash to the field with ours, then apply its
        # SSWU map (which includes the cofactor clearing) to both field elements.
        u0, u1 = hash_to_field_fp(expander, msg, dst, 2)
        q0 = G1Point.map_from_fp_be(u0.to_bytes(48, "big"))
        q1 = G1Point.map_from_fp_be(u1.to_bytes(48, "big"))
        return q0 + q1

    def pairing_check(self, g1s: Sequence[G1Point], g2s: Sequence[G2Point]) -> bool:
        """See :meth:`zk.curve.Backend.pairing_check`."""
        if len(g1s) != len(g2s):
            raise InvalidInput("pairing check needs as many G1 as G2 points")
        return bool(GT.pairing_check(list(g1s), list(g2s)))
