"""The cost floor of BBS verification, measured on the raw arkworks library.

However it is organised, a BBS verifier on BLS12-381 has to do at least this much group work
(for L messages):

* ``verify``: one pairing-product check with two pairs, and one multi-scalar multiplication
  (MSM) over L + 3 G1 points (signature point A, P1, Q1 and the L message generators);
* ``proof_verify``: the same pairing check, plus an MSM over 3 points (the T1 commitment) and
  one over L + 3 points (the T2 commitment with the disclosed messages folded in).

These are timed here directly against ``py_arkworks_bls12381`` with random points and full-size
random scalars, so a BBS implementation on the same library can be judged by how close it gets.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from py_arkworks_bls12381 import GT, G1Point, G2Point, Scalar

__all__ = ["FloorInputs", "R", "floor_operations", "random_scalar"]

#: Order of the prime-order subgroups of BLS12-381.
R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001


def random_scalar() -> Scalar:
    """A uniformly random non-zero scalar, built from its 32-byte big-endian encoding."""
    value = secrets.randbelow(R - 1) + 1
    return Scalar.from_be_bytes(value.to_bytes(32, "big"))


@dataclass(frozen=True)
class FloorInputs:
    """Random operands shaped like those of a BBS verifier for ``message_count`` messages."""

    g1_pairs: tuple[G1Point, G1Point]
    g2_pairs: tuple[G2Point, G2Point]
    msm_points: tuple[G1Point, ...]
    msm_scalars: tuple[Scalar, ...]
    small_points: tuple[G1Point, ...]
    small_scalars: tuple[Scalar, ...]
    g1_bytes: bytes
    g2_bytes: bytes

    @classmethod
    def random(cls, message_count: int) -> FloorInputs:
        g1 = G1Point()
        g2 = G2Point()
        msm_size = message_count + 3
        # A pairing check that actually holds: e(a*G1, b*G2) * e(-(a*b)*G1, G2) == 1.
        a = random_scalar()
        b = random_scalar()
        g1_pairs = (g1 * a, -(g1 * (a * b)))
        g2_pairs = (g2 * b, g2)
        return cls(
            g1_pairs=g1_pairs,
            g2_pairs=g2_pairs,
            msm_points=tuple(g1 * random_scalar() for _ in range(msm_size)),
            msm_scalars=tuple(random_scalar() for _ in range(msm_size)),
            small_points=tuple(g1 * random_scalar() for _ in range(3)),
            small_scalars=tuple(random_scalar() for _ in range(3)),
            g1_bytes=(g1 * random_scalar()).to_compressed_bytes(),
            g2_bytes=(g2 * random_scalar()).to_compressed_bytes(),
        )

    def check_pairing(self) -> bool:
        return GT.pairing_check(list(self.g1_pairs), list(self.g2_pairs))


def floor_operations(message_count: int) -> dict[str, Callable[[], object]]:
    """Callables to time, keyed by name.

    ``floor_verify`` and ``floor_proof_verify`` are the floors proper; the remaining entries are
    their components and the cost of decoding (with subgroup check) one compressed G1 and G2
    point, reported for context only.
    """
    inputs = FloorInputs.random(message_count)
    if not inputs.check_pairing():
        raise RuntimeError("arkworks pairing check rejected a valid product; library broken?")
    g1s = list(inputs.g1_pairs)
    g2s = list(inputs.g2_pairs)
    points = list(inputs.msm_points)
    scalars = list(inputs.msm_scalars)
    small_points = list(inputs.small_points)
    small_scalars = list(inputs.small_scalars)

    def pairing_check() -> bool:
        return GT.pairing_check(g1s, g2s)

    def msm_large() -> G1Point:
        return G1Point.multiexp_unchecked(points, scalars)

    def msm_small() -> G1Point:
        return G1Point.multiexp_unchecked(small_points, small_scalars)

    def floor_verify() -> None:
        G1Point.multiexp_unchecked(points, scalars)
        GT.pairing_check(g1s, g2s)

    def floor_proof_verify() -> None:
        G1Point.multiexp_unchecked(small_points, small_scalars)
        G1Point.multiexp_unchecked(points, scalars)
        GT.pairing_check(g1s, g2s)

    def decode_g1() -> G1Point:
        return G1Point.from_compressed_bytes(inputs.g1_bytes)

    def decode_g2() -> G2Point:
        return G2Point.from_compressed_bytes(inputs.g2_bytes)

    return {
        "floor_verify": floor_verify,
        "floor_proof_verify": floor_proof_verify,
        "pairing_check_2": pairing_check,
        f"msm_{message_count + 3}": msm_large,
        "msm_3": msm_small,
        "decode_g1": decode_g1,
        "decode_g2": decode_g2,
    }
