"""Reference BLS12-381 backend on ``py_ecc`` (pure Python, slow).

It exists to cross-check the production backend: the test-suite runs the same cases over both
and compares the bytes. Do not use it in production: a pairing takes about a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from py_ecc.bls.hash_to_curve import clear_cofactor_G1, map_to_curve_G1
from py_ecc.bls.point_compression import (
    compress_G1,
    compress_G2,
    decompress_G1,
    decompress_G2,
)
from py_ecc.fields import optimized_bls12_381_FQ as FQ
from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12
from py_ecc.optimized_bls12_381 import (
    G1,
    G2,
    Z1,
    add,
    b,
    b2,
    eq,
    final_exponentiate,
    is_inf,
    is_on_curve,
    multiply,
    neg,
    pairing,
)

from .._errors import InvalidInput, InvalidPoint
from ._backend import G1_SIZE, G2_SIZE, check_compressed_encoding, check_scalar
from ._hash import ExpandMessage, R, hash_to_field_fp

__all__ = ["PyEccBackend"]

# py_ecc points are tuples of field elements in Jacobian-like projective coordinates.
Point = tuple[Any, Any, Any]


class PyEccBackend:
    """BLS12-381 arithmetic in pure Python (py_ecc): the reference oracle."""

    name = "py_ecc"

    def g1_decode(
        self, data: bytes, *, allow_identity: bool = False, subgroup_check: bool = True
    ) -> Point:
        """See :meth:`zk.curve.Backend.g1_decode` (the reference always checks the subgroup)."""
        del subgroup_check
        if check_compressed_encoding(data, G1_SIZE):
            if not allow_identity:
                raise InvalidPoint("the identity is not allowed here")
            return Z1
        try:
            point: Point = decompress_G1(int.from_bytes(data, "big"))  # type: ignore[arg-type]
        except ValueError as exc:
            raise InvalidPoint("not a point of the G1 subgroup") from exc
        if not is_on_curve(point, b) or not is_inf(multiply(point, R)):
            raise InvalidPoint("not a point of the G1 subgroup")
        return point

    def g2_decode(self, data: bytes, *, allow_identity: bool = False) -> Point:
        """See :meth:`zk.curve.Backend.g2_decode`."""
        if check_compressed_encoding(data, G2_SIZE):
            if not allow_identity:
                raise InvalidPoint("the identity is not allowed here")
            return self._g2_identity()
        z1 = int.from_bytes(data[:G1_SIZE], "big")
        z2 = int.from_bytes(data[G1_SIZE:], "big")
        try:
            point: Point = decompress_G2((z1, z2))  # type: ignore[arg-type]
        except ValueError as exc:
            raise InvalidPoint("not a point of the G2 subgroup") from exc
        if not is_on_curve(point, b2) or not is_inf(multiply(point, R)):
            raise InvalidPoint("not a point of the G2 subgroup")
        return point

    @staticmethod
    def _g2_identity() -> Point:
        return multiply(G2, 0)

    def g1_encode(self, point: Point) -> bytes:
        """See :meth:`zk.curve.Backend.g1_encode`."""
        return int(compress_G1(point)).to_bytes(G1_SIZE, "big")

    def g2_encode(self, point: Point) -> bytes:
        """See :meth:`zk.curve.Backend.g2_encode`."""
        z1, z2 = compress_G2(point)
        return int(z1).to_bytes(G1_SIZE, "big") + int(z2).to_bytes(G1_SIZE, "big")

    def g1_identity(self) -> Point:
        """See :meth:`zk.curve.Backend.g1_identity`."""
        return Z1

    def g1_generator(self) -> Point:
        """See :meth:`zk.curve.Backend.g1_generator`."""
        return G1

    def g2_generator(self) -> Point:
        """See :meth:`zk.curve.Backend.g2_generator`."""
        return G2

    def g1_is_identity(self, point: Point) -> bool:
        """See :meth:`zk.curve.Backend.g1_is_identity`."""
        return bool(is_inf(point))

    def g1_eq(self, a: Point, b: Point) -> bool:
        """See :meth:`zk.curve.Backend.g1_eq`."""
        return bool(eq(a, b))

    def g1_add(self, a: Point, b: Point) -> Point:
        """See :meth:`zk.curve.Backend.g1_add`."""
        return add(a, b)

    def g1_neg(self, a: Point) -> Point:
        """See :meth:`zk.curve.Backend.g1_neg`."""
        return neg(a)

    def g1_mul(self, point: Point, scalar: int) -> Point:
        """See :meth:`zk.curve.Backend.g1_mul`."""
        return multiply(point, check_scalar(scalar))

    def g1_msm(self, points: Sequence[Point], scalars: Sequence[int]) -> Point:
        """See :meth:`zk.curve.Backend.g1_msm` (computed term by term, as a reference)."""
        if len(points) != len(scalars):
            raise InvalidInput("multi-scalar multiplication needs as many scalars as points")
        acc: Point = Z1
        for point, scalar in zip(points, scalars, strict=True):
            acc = add(acc, multiply(point, check_scalar(scalar)))
        return acc

    def g2_add(self, a: Point, b: Point) -> Point:
        """See :meth:`zk.curve.Backend.g2_add`."""
        return add(a, b)

    def g2_neg(self, a: Point) -> Point:
        """See :meth:`zk.curve.Backend.g2_neg`."""
        return neg(a)

    def g2_mul(self, point: Point, scalar: int) -> Point:
        """See :meth:`zk.curve.Backend.g2_mul`."""
        return multiply(point, check_scalar(scalar))

    def hash_to_g1(self, msg: bytes, dst: bytes, expander: ExpandMessage) -> Point:
        """See :meth:`zk.curve.Backend.hash_to_g1` (RFC 9380 §3, ``hash_to_curve``)."""
        u0, u1 = hash_to_field_fp(expander, msg, dst, 2)
        q0 = map_to_curve_G1(FQ(u0))
        q1 = map_to_curve_G1(FQ(u1))
        return clear_cofactor_G1(add(q0, q1))

    def pairing_check(self, g1s: Sequence[Point], g2s: Sequence[Point]) -> bool:
        """See :meth:`zk.curve.Backend.pairing_check` (one final exponentiation for all pairs)."""
        if len(g1s) != len(g2s):
            raise InvalidInput("pairing check needs as many G1 as G2 points")
        acc = FQ12.one()
        for p, q in zip(g1s, g2s, strict=True):
            acc = acc * pairing(q, p, final_exponentiate=False)
        return bool(final_exponentiate(acc) == FQ12.one())
