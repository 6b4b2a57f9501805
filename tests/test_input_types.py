"""Regression tests: every malformed argument raises a ``zk.Error``, never a bare Python error.

The service layer maps ``zk.Error`` to a 4xx problem response; a ``TypeError`` or
``OverflowError`` escaping from ``zk`` would become a 500. Each case below once escaped.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from _helpers import backend_on, suite_on

from zk import Error, InvalidInput, InvalidPoint, bbs
from zk.curve import expand_message_xmd, expand_message_xof

SUITE = bbs.BLS12_381_SHA256
SK = SUITE.keygen(bytes(range(32)))
PK = SUITE.sk_to_pk(SK)
MESSAGES = [b"a", b"b", b"c"]
SIG = SUITE.sign(SK, PK, b"", MESSAGES)


def test_long_xof_dst_is_hashed_to_2k_over_8_bytes() -> None:
    """RFC 9380 §5.3.3: an oversize DST becomes SHAKE256("H2C-OVERSIZE-DST-" || DST, 32)."""
    dst = b"D" * 256
    short = hashlib.shake_256(b"H2C-OVERSIZE-DST-" + dst).digest(32)
    assert expand_message_xof(b"abc", dst, 32) == expand_message_xof(b"abc", short, 32)


def test_long_xmd_dst_is_hashed_with_sha256() -> None:
    """RFC 9380 §5.3.3 for XMD: an oversize DST becomes SHA-256("H2C-OVERSIZE-DST-" || DST)."""
    dst = b"D" * 256
    short = hashlib.sha256(b"H2C-OVERSIZE-DST-" + dst).digest()
    assert expand_message_xmd(b"abc", dst, 48) == expand_message_xmd(b"abc", short, 48)


@pytest.mark.parametrize(
    "call",
    [
        lambda: SUITE.sign(SK, PK, b"", None),
        lambda: SUITE.sign(SK, PK, b"", (m for m in MESSAGES)),
        lambda: SUITE.sign(SK, PK, b"", b"abc"),
        lambda: SUITE.verify(PK, SIG, b"", "abc"),
        lambda: SUITE.proof_gen(PK, SIG, b"", b"", MESSAGES, None),
        lambda: SUITE.proof_gen(PK, SIG, b"", b"", MESSAGES, {0, 1}),
        lambda: SUITE.proof_verify(PK, bytes(400), b"", b"", None, [0]),
        lambda: SUITE.unsafe_seeded_random_scalars("x", 2),
        lambda: SUITE.unsafe_seeded_random_scalars(b"x", -1),
        lambda: SUITE.unsafe_seeded_random_scalars(b"x", 2.0),
        lambda: SUITE.create_generators("3"),
        lambda: SUITE.create_generators(-1),
        lambda: expand_message_xmd(b"", b"d", -1),
        lambda: expand_message_xof(b"", b"d", -1),
        lambda: expand_message_xmd("abc", b"d", 32),
        lambda: expand_message_xof(b"abc", "d", 32),
    ],
    ids=[
        "sign-messages-None",
        "sign-messages-generator",
        "sign-messages-bytes",
        "verify-messages-str",
        "proof_gen-indexes-None",
        "proof_gen-indexes-set",
        "proof_verify-messages-None",
        "seeded-scalars-str-seed",
        "seeded-scalars-negative-count",
        "seeded-scalars-float-count",
        "generators-str-count",
        "generators-negative-count",
        "xmd-negative-length",
        "xof-negative-length",
        "xmd-str-message",
        "xof-str-dst",
    ],
)
def test_malformed_arguments_raise_invalid_input(call: Any) -> None:
    """Wrong types and out-of-range counts are InvalidInput, not TypeError/OverflowError."""
    with pytest.raises(InvalidInput):
        call()


@pytest.mark.parametrize(
    "scalars",
    [
        [1, 0, 1, 1, 1],  # r2 = 0 has no inverse
        [0, 1, 1, 1, 1],  # r1 = 0 would put the identity in the proof
        ["1", 1, 1, 1, 1],
        [1.5, 1, 1, 1, 1],
        [True, 1, 1, 1, 1],
        [2**255, 1, 1, 1, 1],
    ],
    ids=["r2-zero", "r1-zero", "str", "float", "bool", "too-large"],
)
def test_bad_unsafe_random_scalars_are_refused(scalars: list[Any]) -> None:
    """Injected random scalars must be ints in [1, r-1]; anything else is InvalidInput."""
    with pytest.raises(InvalidInput):
        SUITE.proof_gen(PK, SIG, b"", b"", MESSAGES, [0, 1, 2], unsafe_random_scalars=scalars)


def test_signing_for_an_invalid_public_key_is_refused() -> None:
    """A signature bound to the identity as public key could never verify: refuse to make it."""
    with pytest.raises(InvalidInput):
        SUITE.sign(SK, b"\xc0" + bytes(95), b"", MESSAGES)


@pytest.mark.parametrize("backend_id", ["arkworks", "py_ecc"])
@pytest.mark.parametrize("scalar", [1.0, True, "1", -1, 2**256], ids=str)
def test_backends_refuse_non_int_scalars_alike(backend_id: str, scalar: Any) -> None:
    """Both backends refuse a float, bool, str or out-of-range scalar with InvalidInput."""
    backend = backend_on(backend_id)
    with pytest.raises(InvalidInput):
        backend.g1_mul(backend.g1_generator(), scalar)


@pytest.mark.parametrize("backend_id", ["arkworks", "py_ecc"])
def test_backends_refuse_a_str_message_to_hash(backend_id: str) -> None:
    """hash_to_g1 with a str message is InvalidInput on both backends."""
    with pytest.raises(InvalidInput):
        backend_on(backend_id).hash_to_g1("abc", b"dst", "xmd:sha256")  # type: ignore[arg-type]


@pytest.mark.parametrize("backend_id", ["arkworks", "py_ecc"])
def test_backends_decode_a_memoryview_like_bytes(backend_id: str) -> None:
    """Decoding accepts a memoryview exactly as it accepts the same bytes."""
    backend = backend_on(backend_id)
    encoded = suite_on("sha256", "arkworks").p1
    assert backend.g1_encode(backend.g1_decode(memoryview(encoded))) == encoded
    with pytest.raises(InvalidPoint):
        backend.g1_decode(memoryview(b"\x00" * 48))


def test_every_zk_error_is_a_zk_error() -> None:
    """The hierarchy the service relies on: InvalidPoint < InvalidInput < Error."""
    assert issubclass(InvalidPoint, InvalidInput)
    assert issubclass(InvalidInput, Error)
