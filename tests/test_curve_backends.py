"""The two BLS12-381 backends: byte-identical results, RFC 9380 vectors, strict decoding.

arkworks is the production backend and py_ecc the reference oracle; any output on which they
differ is a bug in one of them. Decoding is where untrusted bytes enter, so every kind of
malformed or non-canonical encoding must raise :class:`zk.InvalidPoint` on both.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from _helpers import G1_IDENTITY, G2_IDENTITY, backend_on, compress_g1, load_rfc9380_vector
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc.bls.point_compression import modular_squareroot_in_FQ2
from py_ecc.optimized_bls12_381 import FQ, FQ2, b, b2, is_inf, is_on_curve, multiply

from zk import InvalidInput, InvalidPoint
from zk.curve import (
    G1_SIZE,
    G2_SIZE,
    Backend,
    ExpandMessage,
    P,
    R,
    expand_message,
    expand_message_xmd,
    expand_message_xof,
    hash_to_field_fp,
)

EXPANDERS: tuple[ExpandMessage, ExpandMessage] = ("xmd:sha256", "xof:shake256")

scalars = st.integers(min_value=0, max_value=R - 1)
nonzero_scalars = st.integers(min_value=1, max_value=R - 1)

# Every agreement test runs py_ecc, whose group operations take milliseconds to seconds.
agreement = settings(max_examples=20, deadline=None)


def _ark() -> Backend[Any, Any]:
    return backend_on("arkworks")


def _ref() -> Backend[Any, Any]:
    return backend_on("py_ecc")


def _both() -> tuple[Backend[Any, Any], Backend[Any, Any]]:
    return _ark(), _ref()


def _g1(bk: Backend[Any, Any], scalar: int) -> Any:
    return bk.g1_mul(bk.g1_generator(), scalar)


def _g2(bk: Backend[Any, Any], scalar: int) -> Any:
    return bk.g2_mul(bk.g2_generator(), scalar)


# ---------------------------------------------------------------------------- agreement: G1


@pytest.mark.slow
@agreement
@given(a=scalars)
def test_g1_scalar_multiplication_encodes_identically(a: int) -> None:
    """a·G1 has the same compressed encoding on both backends (including a = 0)."""
    ark, ref = _both()
    assert ark.g1_encode(_g1(ark, a)) == ref.g1_encode(_g1(ref, a))


@pytest.mark.slow
@agreement
@given(a=scalars, b_=scalars)
def test_g1_addition_agrees_and_is_scalar_addition(a: int, b_: int) -> None:
    """a·G + b·G encodes identically on both backends and equals (a + b)·G."""
    for bk in _both():
        total = bk.g1_add(_g1(bk, a), _g1(bk, b_))
        assert bk.g1_encode(total) == bk.g1_encode(_g1(bk, (a + b_) % R))
    ark, ref = _both()
    assert ark.g1_encode(ark.g1_add(_g1(ark, a), _g1(ark, b_))) == ref.g1_encode(
        ref.g1_add(_g1(ref, a), _g1(ref, b_))
    )


@pytest.mark.slow
@agreement
@given(a=scalars)
def test_g1_negation_agrees_and_is_scalar_negation(a: int) -> None:
    """-(a·G) encodes identically on both backends and equals (r - a)·G."""
    ark, ref = _both()
    encodings = [bk.g1_encode(bk.g1_neg(_g1(bk, a))) for bk in (ark, ref)]
    assert encodings[0] == encodings[1] == ark.g1_encode(_g1(ark, (-a) % R))


@pytest.mark.slow
@agreement
@given(
    pairs=st.lists(st.tuples(scalars, scalars), max_size=6),
)
def test_g1_msm_equals_the_sum_of_multiplications(pairs: list[tuple[int, int]]) -> None:
    """Multi-scalar multiplication is sum(s_i·P_i) on each backend, and both agree."""
    encodings = []
    for bk in _both():
        points = [_g1(bk, p) for p, _ in pairs]
        weights = [s for _, s in pairs]
        expected = bk.g1_identity()
        for point, weight in zip(points, weights, strict=True):
            expected = bk.g1_add(expected, bk.g1_mul(point, weight))
        msm = bk.g1_msm(points, weights)
        assert bk.g1_eq(msm, expected)
        encodings.append(bk.g1_encode(msm))
    assert encodings[0] == encodings[1]


@pytest.mark.slow
@agreement
@given(a=scalars)
def test_g1_decode_inverts_encode_within_and_across_backends(a: int) -> None:
    """decode(encode(P)) = P on each backend, and either backend decodes the other's bytes."""
    ark, ref = _both()
    encoded = ark.g1_encode(_g1(ark, a))
    for bk in (ark, ref):
        decoded = bk.g1_decode(encoded, allow_identity=True)
        assert bk.g1_encode(decoded) == encoded
        assert bk.g1_eq(decoded, _g1(bk, a))


# ---------------------------------------------------------------------------- agreement: G2


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(a=scalars, b_=scalars)
def test_g2_operations_encode_identically(a: int, b_: int) -> None:
    """a·G2, a·G2 + b·G2 and -(a·G2) encode identically on both backends, with the right values."""
    results = []
    for bk in _both():
        pa, pb = _g2(bk, a), _g2(bk, b_)
        total, negated = bk.g2_add(pa, pb), bk.g2_neg(pa)
        assert bk.g2_encode(total) == bk.g2_encode(_g2(bk, (a + b_) % R))
        assert bk.g2_encode(negated) == bk.g2_encode(_g2(bk, (-a) % R))
        results.append((bk.g2_encode(pa), bk.g2_encode(total), bk.g2_encode(negated)))
    assert results[0] == results[1]


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(a=scalars)
def test_g2_decode_inverts_encode_within_and_across_backends(a: int) -> None:
    """decode(encode(Q)) = Q in G2 on each backend, and each decodes the other's bytes."""
    ark, ref = _both()
    encoded = ark.g2_encode(_g2(ark, a))
    assert ref.g2_encode(_g2(ref, a)) == encoded
    for bk in (ark, ref):
        assert bk.g2_encode(bk.g2_decode(encoded, allow_identity=True)) == encoded


# ---------------------------------------------------------------------------- agreement: hashing


@pytest.mark.slow
@pytest.mark.parametrize("expander", EXPANDERS)
@agreement
@given(msg=st.binary(max_size=200), dst=st.binary(min_size=1, max_size=300))
def test_hash_to_g1_agrees_across_backends(expander: ExpandMessage, msg: bytes, dst: bytes) -> None:
    """hash_to_g1 gives the same point on both backends, for both expanders.

    DSTs longer than 255 bytes exercise RFC 9380 §5.3.3 (arkworks' native XMD path only takes
    short DSTs, so the long ones go through the shared expander).
    """
    ark, ref = _both()
    assert ark.g1_encode(ark.hash_to_g1(msg, dst, expander)) == ref.g1_encode(
        ref.hash_to_g1(msg, dst, expander)
    )


# ---------------------------------------------------------------------------- pairings


@settings(max_examples=6, deadline=None)
@given(a=st.integers(min_value=1, max_value=R - 2), p=nonzero_scalars, q=nonzero_scalars)
def test_pairing_check_is_bilinear_and_detects_a_perturbation(
    backend: Backend[Any, Any], a: int, p: int, q: int
) -> None:
    """e(a·P, Q)·e(-P, a·Q) = 1 holds, and fails once a·Q is replaced by (a + 1)·Q."""
    g1_p, g2_q = _g1(backend, p), _g2(backend, q)
    g1s = [backend.g1_mul(g1_p, a), backend.g1_neg(g1_p)]
    assert backend.pairing_check(g1s, [g2_q, backend.g2_mul(g2_q, a)]) is True
    assert backend.pairing_check(g1s, [g2_q, backend.g2_mul(g2_q, a + 1)]) is False


def test_pairing_check_refuses_unequal_lengths(backend: Backend[Any, Any]) -> None:
    """A pairing check with more G1 than G2 points is malformed input, not a False."""
    with pytest.raises(InvalidInput):
        backend.pairing_check([backend.g1_generator()], [])


# ---------------------------------------------------------------------------- RFC 9380 vectors


def _expand_cases() -> list[Any]:
    cases = []
    for section, name, function in (
        ("K.1", "expand_message_xmd_SHA256", expand_message_xmd),
        ("K.2", "expand_message_xmd_SHA256_long_DST", expand_message_xmd),
        ("K.6", "expand_message_xof_SHAKE256", expand_message_xof),
    ):
        vector = load_rfc9380_vector(name)
        for i, test in enumerate(vector["tests"]):
            cases.append(
                pytest.param(
                    function,
                    vector["DST"].encode(),
                    test["msg"].encode(),
                    int(test["len_in_bytes"], 16),
                    test["uniform_bytes"],
                    id=f"{section}-{i}",
                )
            )
    return cases


@pytest.mark.parametrize(("expand", "dst", "msg", "length", "uniform_bytes"), _expand_cases())
def test_expand_message_matches_rfc9380_appendix_k(
    expand: Callable[[bytes, bytes, int], bytes],
    dst: bytes,
    msg: bytes,
    length: int,
    uniform_bytes: str,
) -> None:
    """expand_message_xmd (SHA-256, K.1 and long-DST K.2) and expand_message_xof (SHAKE256, K.6)."""
    assert expand(msg, dst, length).hex() == uniform_bytes


@pytest.mark.parametrize(
    ("expander", "name"),
    [
        ("xmd:sha256", "expand_message_xmd_SHA256_long_DST"),
        ("xof:shake256", "expand_message_xof_SHAKE256"),
    ],
)
def test_expand_message_dispatches_to_the_named_expander(
    expander: ExpandMessage, name: str
) -> None:
    """expand_message("xmd:sha256" | "xof:shake256", ...) is the RFC 9380 expander it names."""
    vector = load_rfc9380_vector(name)
    test = vector["tests"][1]
    output = expand_message(expander, test["msg"].encode(), vector["DST"].encode(), 32)
    assert output.hex() == test["uniform_bytes"]


def test_expand_message_refuses_an_unknown_expander() -> None:
    """An unknown expander name is invalid input, never a silent default."""
    with pytest.raises(InvalidInput):
        expand_message("xmd:sha512", b"", b"DST", 32)  # type: ignore[arg-type]


def _g1_ro_cases() -> list[Any]:
    vector = load_rfc9380_vector("BLS12381G1_XMD_SHA-256_SSWU_RO_")
    return [
        pytest.param(vector["dst"].encode(), v, id=f"J.9.1-{i}")
        for i, v in enumerate(vector["vectors"])
    ]


@pytest.mark.parametrize(("dst", "vector"), _g1_ro_cases())
def test_hash_to_field_matches_rfc9380_j91(dst: bytes, vector: dict[str, Any]) -> None:
    """hash_to_field(msg, 2) of BLS12381G1_XMD:SHA-256_SSWU_RO_ gives the RFC's u[0], u[1]."""
    u = hash_to_field_fp("xmd:sha256", vector["msg"].encode(), dst, 2)
    assert u == [int(v, 16) for v in vector["u"]]


@pytest.mark.parametrize(("dst", "vector"), _g1_ro_cases())
def test_hash_to_g1_matches_rfc9380_j91(
    backend: Backend[Any, Any], dst: bytes, vector: dict[str, Any]
) -> None:
    """hash_to_curve of BLS12381G1_XMD:SHA-256_SSWU_RO_ is the RFC's point P on both backends."""
    x, y = int(vector["P"]["x"], 16), int(vector["P"]["y"], 16)
    assert (y * y - x**3 - 4) % P == 0  # the transcribed vector is a curve point
    expected = compress_g1(x, y)
    point = backend.hash_to_g1(vector["msg"].encode(), dst, "xmd:sha256")
    assert backend.g1_encode(point) == expected
    assert backend.g1_eq(backend.g1_decode(expected), point)


# ---------------------------------------------------------------------------- decoding: data


def _is_square(value: int) -> bool:
    return pow(value % P, (P - 1) // 2, P) == 1


def _g1_bytes(x: int, *, sign: bool = False) -> bytes:
    encoded = bytearray(x.to_bytes(G1_SIZE, "big"))
    encoded[0] |= 0x80 | (0x20 if sign else 0)
    return bytes(encoded)


def _g2_bytes(c0: int, c1: int, *, sign: bool = False) -> bytes:
    # ZCash order for G2: the c1 (imaginary) half first, flags in its top bits.
    encoded = bytearray(c1.to_bytes(G1_SIZE, "big") + c0.to_bytes(G1_SIZE, "big"))
    encoded[0] |= 0x80 | (0x20 if sign else 0)
    return bytes(encoded)


def _with_first_byte(data: bytes, first: int) -> bytes:
    return bytes([first]) + data[1:]


@cache
def _g1_off_curve_x() -> int:
    """The smallest x for which x^3 + 4 is not a square: no curve point has this x."""
    return next(x for x in range(1, 1000) if not _is_square(x**3 + 4))


@cache
def _g1_off_subgroup_point() -> tuple[int, int]:
    """The curve point with the smallest x (y = sqrt(x^3 + 4)); it lies outside G1."""
    x = next(x for x in range(1, 1000) if _is_square(x**3 + 4))
    y = pow((x**3 + 4) % P, (P + 1) // 4, P)
    return x, y


def _fq2_is_square(value: Any) -> bool:
    return bool(value ** ((P * P - 1) // 2) == FQ2.one())


@cache
def _g2_off_curve_x0() -> int:
    """The smallest x = x0 + 0·i with x^3 + 4(1 + i) not a square in Fp2."""
    return next(k for k in range(1, 1000) if not _fq2_is_square(FQ2([k, 0]) ** 3 + b2))


@cache
def _g2_off_subgroup_point() -> tuple[Any, Any]:
    """The twist point with the smallest x = x0 + 0·i; it lies outside G2."""
    k = next(k for k in range(1, 1000) if _fq2_is_square(FQ2([k, 0]) ** 3 + b2))
    x = FQ2([k, 0])
    return x, modular_squareroot_in_FQ2(x**3 + b2)


@cache
def _g1_point_with_small_x() -> bytes:
    """A G1 point whose x + p still fits the 381 bits of an encoding (x < 2^381 - p)."""
    ark = _ark()
    for k in range(1, 100):
        encoded = ark.g1_encode(_g1(ark, k))
        x = int.from_bytes(encoded, "big") & ((1 << 381) - 1)
        if x + P < 1 << 381:
            return encoded
    raise AssertionError("no small-x multiple of the generator found")


@cache
def _g2_point_with_small_c1() -> bytes:
    """A G2 point whose x_c1 + p still fits the 381 bits of the first half."""
    ark = _ark()
    for k in range(1, 100):
        encoded = ark.g2_encode(_g2(ark, k))
        c1 = int.from_bytes(encoded[:G1_SIZE], "big") & ((1 << 381) - 1)
        if c1 + P < 1 << 381:
            return encoded
    raise AssertionError("no small-x_c1 multiple of the generator found")


def _plus_p(encoded: bytes, start: int) -> bytes:
    """``encoded`` with the 381-bit coordinate at ``start`` replaced by coordinate + p."""
    half = int.from_bytes(encoded[start : start + G1_SIZE], "big")
    flags = half >> 381
    value = (half & ((1 << 381) - 1)) + P
    assert value < 1 << 381
    replaced = ((flags << 381) | value).to_bytes(G1_SIZE, "big")
    return encoded[:start] + replaced + encoded[start + G1_SIZE :]


def _g1_generator_bytes() -> bytes:
    return _ark().g1_encode(_ark().g1_generator())


def _g2_generator_bytes() -> bytes:
    return _ark().g2_encode(_ark().g2_generator())


# name -> function building the malformed encoding (built lazily: some need curve arithmetic).
G1_MALFORMED: dict[str, Callable[[], bytes]] = {
    "empty": lambda: b"",
    "47 bytes": lambda: _g1_generator_bytes()[:-1],
    "49 bytes": lambda: _g1_generator_bytes() + b"\x00",
    "G2 generator (96 bytes)": _g2_generator_bytes,
    "compression flag cleared": lambda: _with_first_byte(
        _g1_generator_bytes(), _g1_generator_bytes()[0] & 0x7F
    ),
    "uncompressed identity flags (0x40)": lambda: b"\x40" + bytes(47),
    "all zero": lambda: bytes(G1_SIZE),
    "infinity with a non-zero last byte": lambda: G1_IDENTITY[:-1] + b"\x01",
    "infinity with non-zero low bits in the flag byte": lambda: b"\xc1" + bytes(47),
    "infinity with the sign bit": lambda: b"\xe0" + bytes(47),
    "x = p": lambda: _g1_bytes(P),
    "x = 2^381 - 1": lambda: _g1_bytes((1 << 381) - 1),
    "x + p for a valid point (non-canonical)": lambda: _plus_p(_g1_point_with_small_x(), 0),
    "x off the curve": lambda: _g1_bytes(_g1_off_curve_x()),
    "x off the curve, sign bit": lambda: _g1_bytes(_g1_off_curve_x(), sign=True),
    "curve point outside the subgroup": lambda: _g1_bytes(_g1_off_subgroup_point()[0]),
    "curve point outside the subgroup, sign bit": lambda: _g1_bytes(
        _g1_off_subgroup_point()[0], sign=True
    ),
}

G2_MALFORMED: dict[str, Callable[[], bytes]] = {
    "95 bytes": lambda: _g2_generator_bytes()[:-1],
    "97 bytes": lambda: _g2_generator_bytes() + b"\x00",
    "G1 generator (48 bytes)": _g1_generator_bytes,
    "compression flag cleared": lambda: _with_first_byte(
        _g2_generator_bytes(), _g2_generator_bytes()[0] & 0x7F
    ),
    "infinity with a non-zero last byte": lambda: G2_IDENTITY[:-1] + b"\x01",
    "infinity with a non-zero byte in the c1 half": lambda: G2_IDENTITY[:20] + b"\x01" + bytes(75),
    "infinity with the sign bit": lambda: b"\xe0" + bytes(95),
    "x_c1 = p": lambda: _g2_bytes(1, P),
    "x_c0 = p": lambda: _g2_bytes(P, 1),
    "x_c0 = 2^384 - 1": lambda: _g2_bytes((1 << 384) - 1, 1),
    "x_c0 + p for a valid point (non-canonical)": lambda: _plus_p(_g2_generator_bytes(), G1_SIZE),
    "x_c1 + p for a valid point (non-canonical)": lambda: _plus_p(_g2_point_with_small_c1(), 0),
    "x off the twist": lambda: _g2_bytes(_g2_off_curve_x0(), 0),
    "twist point outside the subgroup": lambda: _g2_bytes(
        int(_g2_off_subgroup_point()[0].coeffs[0]), 0
    ),
    "twist point outside the subgroup, sign bit": lambda: _g2_bytes(
        int(_g2_off_subgroup_point()[0].coeffs[0]), 0, sign=True
    ),
}


def test_the_invalid_point_data_is_what_it_claims() -> None:
    """Guard for the rejection tests: the points are off the curve or outside the subgroup.

    Checked with py_ecc arithmetic independently of the decoders under test.
    """
    x = _g1_off_curve_x()
    assert not _is_square(x**3 + 4)
    gx, gy = _g1_off_subgroup_point()
    g1_point = (FQ(gx), FQ(gy), FQ.one())
    assert is_on_curve(g1_point, b)
    assert not is_inf(multiply(g1_point, R))

    assert not _fq2_is_square(FQ2([_g2_off_curve_x0(), 0]) ** 3 + b2)
    tx, ty = _g2_off_subgroup_point()
    g2_point = (tx, ty, FQ2.one())
    assert is_on_curve(g2_point, b2)
    assert not is_inf(multiply(g2_point, R))

    # The "+ p" encodings really encode a valid point twice.
    ark = _ark()
    assert ark.g1_decode(_g1_point_with_small_x()) is not None
    assert ark.g2_decode(_g2_point_with_small_c1()) is not None


# ---------------------------------------------------------------------------- decoding: tests


@pytest.mark.parametrize("make", G1_MALFORMED.values(), ids=G1_MALFORMED.keys())
def test_g1_decode_rejects_malformed_encodings(
    backend: Backend[Any, Any], make: Callable[[], bytes]
) -> None:
    """Wrong lengths, bad flags, non-canonical x, off-curve and off-subgroup points: InvalidPoint."""
    data = make()
    with pytest.raises(InvalidPoint):
        backend.g1_decode(data)
    with pytest.raises(InvalidPoint):
        backend.g1_decode(data, allow_identity=True)


@pytest.mark.parametrize("make", G2_MALFORMED.values(), ids=G2_MALFORMED.keys())
def test_g2_decode_rejects_malformed_encodings(
    backend: Backend[Any, Any], make: Callable[[], bytes]
) -> None:
    """Wrong lengths, bad flags, non-canonical x, off-twist and off-subgroup points: InvalidPoint."""
    data = make()
    with pytest.raises(InvalidPoint):
        backend.g2_decode(data)
    with pytest.raises(InvalidPoint):
        backend.g2_decode(data, allow_identity=True)


@pytest.mark.parametrize("value", ["00" * 48, None, 0], ids=["str", "None", "int"])
def test_decode_rejects_non_bytes(backend: Backend[Any, Any], value: object) -> None:
    """Anything but bytes is refused as InvalidPoint (never a TypeError from the library)."""
    with pytest.raises(InvalidPoint):
        backend.g1_decode(value)  # type: ignore[arg-type]
    with pytest.raises(InvalidPoint):
        backend.g2_decode(value)  # type: ignore[arg-type]


def test_invalid_point_is_invalid_input() -> None:
    """Callers that catch InvalidInput also catch point-decoding failures."""
    assert issubclass(InvalidPoint, InvalidInput)


def test_identity_is_rejected_unless_allowed(backend: Backend[Any, Any]) -> None:
    """The canonical identity decodes only with allow_identity=True, and re-encodes unchanged."""
    with pytest.raises(InvalidPoint):
        backend.g1_decode(G1_IDENTITY)
    with pytest.raises(InvalidPoint):
        backend.g2_decode(G2_IDENTITY)

    g1_identity = backend.g1_decode(G1_IDENTITY, allow_identity=True)
    assert backend.g1_is_identity(g1_identity)
    assert backend.g1_encode(g1_identity) == G1_IDENTITY
    assert backend.g1_encode(backend.g1_identity()) == G1_IDENTITY
    g2_identity = backend.g2_decode(G2_IDENTITY, allow_identity=True)
    assert backend.g2_encode(g2_identity) == G2_IDENTITY


def test_generators_decode_and_have_the_standard_encodings(backend: Backend[Any, Any]) -> None:
    """Both backends use the standard BLS12-381 generators (ZCash compressed encodings)."""
    g1 = backend.g1_encode(backend.g1_generator())
    g2 = backend.g2_encode(backend.g2_generator())
    assert g1.hex() == (
        "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
    )
    assert g2.hex() == (
        "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
        "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"
    )
    assert len(g1) == G1_SIZE and len(g2) == G2_SIZE
    assert backend.g1_encode(backend.g1_decode(g1)) == g1
    assert backend.g2_encode(backend.g2_decode(g2)) == g2


@pytest.mark.parametrize("scalar", [-1, R, R + 1, 2**256], ids=["-1", "r", "r+1", "2^256"])
def test_scalars_outside_the_field_are_refused(backend: Backend[Any, Any], scalar: int) -> None:
    """Multiplication by a scalar outside [0, r) is invalid input on both backends."""
    with pytest.raises(InvalidInput):
        backend.g1_mul(backend.g1_generator(), scalar)
    with pytest.raises(InvalidInput):
        backend.g2_mul(backend.g2_generator(), scalar)
    with pytest.raises(InvalidInput):
        backend.g1_msm([backend.g1_generator()], [scalar])
