"""Bulletproofs range proofs (``zk.range``): completeness, soundness-style negatives, encoding.

The production backend (arkworks) runs every case; the py_ecc reference backend checks, on
8-bit proofs (it is slow), that both backends produce byte-identical proofs from the same
randomness and accept each other's proofs.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from _helpers import backend_on
from hypothesis import given, settings
from hypothesis import strategies as st

from zk import InvalidInput, InvalidPoint, VerificationError
from zk import range as rp
from zk._transcript import Transcript
from zk.curve import G1_SIZE, SCALAR_SIZE, Backend, R, default_backend

PROTOCOL = b"CHANCERY-TEST-PRESENTATION"


def _ark() -> Backend[Any, Any]:
    return backend_on("arkworks")


def _ref() -> Backend[Any, Any]:
    return backend_on("py_ecc")


def _context(
    nonce: bytes = b"nonce-1", audience: bytes = b"https://verifier.example"
) -> Transcript:
    """A transcript holding a presentation's context, as the caller builds it."""
    t = Transcript(PROTOCOL)
    t.append(b"nonce", nonce)
    t.append(b"audience", audience)
    return t


def _blindings(m: int) -> list[int]:
    return [secrets.randbelow(R) for _ in range(m)]


def _prove(
    values: list[int], n_bits: int, *, seed: bytes | None = None, **kwargs: Any
) -> tuple[list[Any], rp.RangeProof]:
    return rp.prove(_context(), values, _blindings(len(values)), n_bits, unsafe_seed=seed, **kwargs)


def _check(commitments: list[Any], proof: rp.RangeProof, n_bits: int, **kwargs: Any) -> None:
    rp.verify(_context(), commitments, proof, n_bits, **kwargs)


# ----------------------------------------------------------------------------- completeness


@pytest.mark.parametrize("n_bits", rp.BIT_SIZES)
@pytest.mark.parametrize("edge", ["zero", "one", "max"])
def test_edge_values_prove_and_verify(n_bits: int, edge: str) -> None:
    value = {"zero": 0, "one": 1, "max": (1 << n_bits) - 1}[edge]
    prover_t, verifier_t = _context(), _context()
    commitments, proof = rp.prove(prover_t, [value], _blindings(1), n_bits)
    rp.verify(verifier_t, commitments, proof, n_bits)
    # Both transcripts absorbed the same records: the caller's next challenge agrees.
    assert prover_t.challenge_scalar(b"next") == verifier_t.challenge_scalar(b"next")


@settings(max_examples=5, deadline=None)
@given(value=st.integers(min_value=0, max_value=2**64 - 1), blinding=st.integers(0, R - 1))
def test_random_64_bit_values(value: int, blinding: int) -> None:
    commitments, proof = rp.prove(_context(), [value], [blinding], 64)
    assert _ark().g1_eq(commitments[0], rp.commit(value, blinding))
    _check(commitments, proof, 64)


@settings(max_examples=5, deadline=None)
@given(values=st.lists(st.integers(0, 2**16 - 1), min_size=4, max_size=4))
def test_random_aggregated_16_bit_values(values: list[int]) -> None:
    commitments, proof = _prove(values, 16)
    _check(commitments, proof, 16)


@pytest.mark.parametrize(
    ("values", "n_bits"),
    [
        ([0, 2**32 - 1], 32),
        ([7, 2**64 - 1], 64),
        ([0, 1, 2**16 - 1, 12345], 16),
        ([255, 0, 1, 128, 3, 4, 5, 6], 8),
    ],
    ids=["m2-n32", "m2-n64", "m4-n16", "m8-n8"],
)
def test_aggregated_proofs(values: list[int], n_bits: int) -> None:
    commitments, proof = _prove(values, n_bits)
    assert len(commitments) == len(values)
    assert len(proof.to_bytes()) == rp.proof_size(len(values), n_bits)
    _check(commitments, proof, n_bits)
    decoded = rp.RangeProof.from_bytes(proof.to_bytes(), len(values), n_bits)
    assert decoded == proof
    _check(commitments, decoded, n_bits)


def test_proof_sizes() -> None:
    # 2*log2(n*m) + 4 points of 48 bytes and 5 scalars of 32 bytes (§4.3).
    assert rp.proof_size(1, 64) == (2 * 6 + 4) * G1_SIZE + 5 * SCALAR_SIZE == 928
    assert rp.proof_size(1, 8) == (2 * 3 + 4) * G1_SIZE + 5 * SCALAR_SIZE == 640
    assert rp.proof_size(2, 32) == rp.proof_size(1, 64)
    assert rp.proof_size(8, 64) == (2 * 9 + 4) * G1_SIZE + 5 * SCALAR_SIZE
    _, proof = _prove([42], 64)
    assert len(proof.to_bytes()) == 928
    assert proof.rounds == 6


def test_caller_computed_commitments() -> None:
    values, blindings = [3, 1000], _blindings(2)
    mine = [rp.commit(v, g) for v, g in zip(values, blindings, strict=True)]
    commitments, proof = rp.prove(_context(), values, blindings, 16, commitments=mine)
    assert commitments == mine
    _check(mine, proof, 16)
    # Commitments as their 48-byte encodings work the same way.
    encoded = [_ark().g1_encode(c) for c in mine]
    _check(encoded, proof, 16)
    rp.prove(_context(), values, blindings, 16, commitments=encoded)
    with pytest.raises(InvalidInput):  # a commitment that does not open to the witness
        rp.prove(_context(), values, blindings, 16, commitments=mine[::-1])


def test_caller_pedersen_bases() -> None:
    bk = _ark()
    g = bk.g1_generator()
    h = bk.hash_to_g1(b"caller blinding base", b"CALLER-DST", "xmd:sha256")
    gens = rp.default_gens().with_pedersen(g, h)
    assert gens.g is g and gens.h is h
    values, blindings = [77], _blindings(1)
    commitments, proof = rp.prove(_context(), values, blindings, 8, gens=gens)
    assert bk.g1_eq(commitments[0], bk.g1_msm([g, h], [77, blindings[0]]))
    _check(commitments, proof, 8, gens=gens)
    with pytest.raises(VerificationError):  # the bases are part of the statement
        _check(commitments, proof, 8)
    with pytest.raises(InvalidInput):
        rp.BulletproofGens(bk, g=g, h=g)
    with pytest.raises(InvalidInput):
        rp.BulletproofGens(bk, g=bk.g1_identity(), h=h)
    with pytest.raises(InvalidInput):  # generators of one backend with another backend
        rp.prove(_context(), values, blindings, 8, gens=gens, backend=object())  # type: ignore[arg-type]


def test_generators_are_documented_hashes() -> None:
    bk = _ark()
    gens = rp.default_gens(bk)
    assert rp.default_gens(bk) is gens  # created once per backend
    assert rp.default_gens() is rp.default_gens(default_backend())
    g_vec, h_vec = gens.vectors(4)

    def h2c(msg: bytes) -> Any:
        return bk.hash_to_g1(msg, rp.GENERATORS_DST, "xmd:sha256")

    assert bk.g1_eq(gens.g, h2c(b"PEDERSEN_G"))
    assert bk.g1_eq(gens.h, h2c(b"PEDERSEN_H"))
    for i in range(4):
        assert bk.g1_eq(g_vec[i], h2c(b"VECTOR_G" + i.to_bytes(4, "big")))
        assert bk.g1_eq(h_vec[i], h2c(b"VECTOR_H" + i.to_bytes(4, "big")))
    with pytest.raises(InvalidInput):
        gens.vectors(513)


def test_fresh_randomness_and_seeded_determinism() -> None:
    blindings = _blindings(1)
    first = rp.prove(_context(), [9], blindings, 8)[1]
    second = rp.prove(_context(), [9], blindings, 8)[1]
    assert first != second
    seeded = [rp.prove(_context(), [9], blindings, 8, unsafe_seed=b"seed")[1] for _ in range(2)]
    assert seeded[0] == seeded[1]
    # The seed is only one input of the prover's randomness: another context, another proof.
    other = rp.prove(_context(b"nonce-2"), [9], blindings, 8, unsafe_seed=b"seed")[1]
    assert other.A != seeded[0].A


# ----------------------------------------------------------------------------- the prover refuses


@pytest.mark.parametrize("n_bits", [8, 64])
def test_prover_refuses_values_out_of_range(n_bits: int) -> None:
    for bad in (1 << n_bits, (1 << n_bits) + 5, -1, R - 1):
        with pytest.raises(InvalidInput):
            _prove([bad], n_bits)
        with pytest.raises(InvalidInput):  # one bad value spoils an aggregate
            _prove([0, bad], n_bits)


@pytest.mark.parametrize(
    ("values", "blindings", "n_bits"),
    [
        ([1], [1], 12),  # unsupported bit size
        ([1, 2, 3], [1, 2, 3], 8),  # m not a power of two
        ([1] * 16, [1] * 16, 8),  # m too large
        ([], [], 8),
        ([1], [1, 2], 8),  # one blinding per value
        ([1], [R], 8),  # blinding not reduced
        ([1], [-1], 8),
        ([True], [1], 8),  # not an int
        ([1.0], [1], 8),
        ((1).to_bytes(1, "big"), [1], 8),
    ],
)
def test_prover_refuses_malformed_input(values: Any, blindings: Any, n_bits: Any) -> None:
    with pytest.raises(InvalidInput):
        rp.prove(_context(), values, blindings, n_bits)


def test_prover_needs_a_transcript() -> None:
    with pytest.raises(InvalidInput):
        rp.prove(b"not a transcript", [1], [1], 8)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- tampering

# Layout of an encoded proof for m values of n bits (see zk/range/_bulletproofs.py).
_M, _N = 2, 8
_ROUNDS = 4


def _point_offsets() -> list[int]:
    first = [i * G1_SIZE for i in range(4)]  # A, S, T1, T2
    base = 4 * G1_SIZE + 3 * SCALAR_SIZE
    return first + [base + i * G1_SIZE for i in range(2 * _ROUNDS)]  # L_0, R_0, ...


def _scalar_offsets() -> list[int]:
    base = 4 * G1_SIZE
    tail = 4 * G1_SIZE + 3 * SCALAR_SIZE + 2 * _ROUNDS * G1_SIZE
    return [base, base + SCALAR_SIZE, base + 2 * SCALAR_SIZE, tail, tail + SCALAR_SIZE]


@pytest.fixture(scope="module")
def valid() -> tuple[list[Any], bytes]:
    commitments, proof = rp.prove(
        _context(), [200, 17], [11, 12], _N, unsafe_seed=b"tamper-fixture"
    )
    _check(commitments, proof, _N)
    return commitments, proof.to_bytes()


def _splice(data: bytes, offset: int, replacement: bytes) -> bytes:
    return data[:offset] + replacement + data[offset + len(replacement) :]


def test_layout_matches_the_encoding(valid: tuple[list[Any], bytes]) -> None:
    _, data = valid
    assert len(data) == rp.proof_size(_M, _N) == (4 + 2 * _ROUNDS) * G1_SIZE + 5 * SCALAR_SIZE
    proof = rp.RangeProof.from_bytes(data, _M, _N)
    enc = _ark().g1_encode
    points = [proof.A, proof.S, proof.T1, proof.T2]
    for left, right in zip(proof.L, proof.R, strict=True):
        points += [left, right]
    for offset, point in zip(_point_offsets(), points, strict=True):
        assert data[offset : offset + G1_SIZE] == enc(point)
    scalars = [proof.tau_x, proof.mu, proof.t_hat, proof.a, proof.b]
    for offset, scalar in zip(_scalar_offsets(), scalars, strict=True):
        assert data[offset : offset + SCALAR_SIZE] == scalar.to_bytes(SCALAR_SIZE, "big")


@pytest.mark.parametrize("index", range(4 + 2 * _ROUNDS))
def test_every_point_is_checked(valid: tuple[list[Any], bytes], index: int) -> None:
    commitments, data = valid
    offset = _point_offsets()[index]
    bk = _ark()
    original = bk.g1_decode(data[offset : offset + G1_SIZE])
    # Another valid point: the proof decodes but does not verify.
    for other in (bk.g1_add(original, bk.g1_generator()), bk.g1_neg(original)):
        tampered = rp.RangeProof.from_bytes(_splice(data, offset, bk.g1_encode(other)), _M, _N)
        with pytest.raises(VerificationError):
            _check(commitments, tampered, _N)
    # A corrupted encoding or the identity does not even decode.
    corrupted = bytearray(data[offset : offset + G1_SIZE])
    corrupted[-1] ^= 0x01
    with pytest.raises(InvalidPoint):
        rp.RangeProof.from_bytes(_splice(data, offset, bytes(corrupted)), _M, _N)
    with pytest.raises(InvalidPoint):
        rp.RangeProof.from_bytes(_splice(data, offset, b"\xc0" + bytes(47)), _M, _N)
    with pytest.raises(InvalidPoint):  # compression flag cleared
        rp.RangeProof.from_bytes(_splice(data, offset, bytes([data[offset] & 0x7F])), _M, _N)


@pytest.mark.parametrize("index", range(5))
def test_every_scalar_is_checked(valid: tuple[list[Any], bytes], index: int) -> None:
    commitments, data = valid
    offset = _scalar_offsets()[index]
    value = int.from_bytes(data[offset : offset + SCALAR_SIZE], "big")
    for other in ((value + 1) % R, (value - 1) % R, 0):
        tampered = rp.RangeProof.from_bytes(
            _splice(data, offset, other.to_bytes(SCALAR_SIZE, "big")), _M, _N
        )
        with pytest.raises(VerificationError):
            _check(commitments, tampered, _N)
    # Non-canonical: the same scalar plus r, or anything >= r.
    for bad in (value + R, R, 2**256 - 1):
        if bad < 2**256:
            with pytest.raises(InvalidInput):
                rp.RangeProof.from_bytes(
                    _splice(data, offset, bad.to_bytes(SCALAR_SIZE, "big")), _M, _N
                )


def test_wrong_commitments_are_rejected(valid: tuple[list[Any], bytes]) -> None:
    commitments, data = valid
    proof = rp.RangeProof.from_bytes(data, _M, _N)
    bk = _ark()
    cases = [
        commitments[::-1],  # swapped
        [commitments[0], commitments[0]],
        [bk.g1_add(commitments[0], bk.g1_generator()), commitments[1]],
        [rp.commit(200, 12), commitments[1]],  # same value, other blinding
        [commitments[0], rp.commit(18, 12)],  # other value, same blinding
    ]
    for wrong in cases:
        with pytest.raises(VerificationError):
            _check(wrong, proof, _N)


def test_wrong_context_is_rejected(valid: tuple[list[Any], bytes]) -> None:
    commitments, data = valid
    proof = rp.RangeProof.from_bytes(data, _M, _N)
    contexts = [
        _context(nonce=b"nonce-2"),
        _context(audience=b"https://other.example"),
        Transcript(b"OTHER-PROTOCOL"),
    ]
    extra = _context()
    extra.append(b"other-sub-proof", b"\x00")
    contexts.append(extra)
    for t in contexts:
        with pytest.raises(VerificationError):
            rp.verify(t, commitments, proof, _N)


def test_wrong_statement_shape_is_malformed(valid: tuple[list[Any], bytes]) -> None:
    commitments, data = valid
    proof = rp.RangeProof.from_bytes(data, _M, _N)
    with pytest.raises(InvalidInput):  # 2 x 16 bits needs 5 rounds, the proof has 4
        _check(commitments, proof, 16)
    with pytest.raises(InvalidInput):
        _check(commitments[:1], proof, _N)
    with pytest.raises(InvalidInput):
        _check([*commitments, commitments[0]], proof, _N)
    with pytest.raises(InvalidInput):
        _check(commitments, proof, 12)
    with pytest.raises(InvalidInput):
        _check(commitments, data, _N)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        _check([b"\x00" * G1_SIZE, commitments[1]], proof, _N)
    # Same number of rounds, other statement: 1 x 16 bits.
    with pytest.raises(VerificationError):
        _check(commitments[:1], proof, 16)


def test_encoding_lengths_are_exact(valid: tuple[list[Any], bytes]) -> None:
    _, data = valid
    for bad in (data[:-1], data + b"\x00", data[:-G1_SIZE], b"", data + data):
        with pytest.raises(InvalidInput):
            rp.RangeProof.from_bytes(bad, _M, _N)
    with pytest.raises(InvalidInput):  # the right length for another shape only
        rp.RangeProof.from_bytes(data, 1, 64)
    with pytest.raises(InvalidInput):
        rp.RangeProof.from_bytes(data.hex(), _M, _N)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        rp.RangeProof.from_bytes(data, 3, _N)


def test_proofs_are_immutable(valid: tuple[list[Any], bytes]) -> None:
    _, data = valid
    proof = rp.RangeProof.from_bytes(data, _M, _N)
    with pytest.raises(AttributeError):
        proof.mu = 1
    assert proof.to_bytes() == data
    assert hash(proof) == hash(rp.RangeProof.from_bytes(data, _M, _N))


# ----------------------------------------------------------------------------- one MSM


def test_verification_terms_fold_into_one_msm() -> None:
    bk = _ark()
    v1, p1 = _prove([5], 64)
    v2, p2 = _prove([6, 7], 8)
    points1, scalars1 = rp.verification_terms(_context(), v1, p1, 64)
    points2, scalars2 = rp.verification_terms(_context(), v2, p2, 8)
    assert len(points1) == len(scalars1) == 2 * 64 + 2 * 6 + 1 + 6
    assert all(0 <= s < R for s in scalars1 + scalars2)
    assert bk.g1_is_identity(bk.g1_msm(points1, scalars1))
    weight = secrets.randbelow(R - 1) + 1
    folded = scalars1 + [weight * s % R for s in scalars2]
    assert bk.g1_is_identity(bk.g1_msm(points1 + points2, folded))
    # A bad proof makes the folded MSM non-zero.
    bad = rp.RangeProof.from_bytes(
        _splice(p2.to_bytes(), 4 * G1_SIZE, (p2.tau_x ^ 1).to_bytes(SCALAR_SIZE, "big")), 2, 8
    )
    points3, scalars3 = rp.verification_terms(_context(), v2, bad, 8)
    folded = scalars1 + [weight * s % R for s in scalars3]
    assert not bk.g1_is_identity(bk.g1_msm(points1 + points3, folded))


# ----------------------------------------------------------------------------- two backends


@pytest.mark.slow
def test_backends_produce_identical_proofs_and_accept_each_other() -> None:
    ark, ref = _ark(), _ref()
    values, blindings = [0, 255], [secrets.randbelow(R), 1]
    v_ark, p_ark = rp.prove(_context(), values, blindings, 8, backend=ark, unsafe_seed=b"x")
    v_ref, p_ref = rp.prove(_context(), values, blindings, 8, backend=ref, unsafe_seed=b"x")
    assert [ark.g1_encode(v) for v in v_ark] == [ref.g1_encode(v) for v in v_ref]
    assert p_ark.to_bytes() == p_ref.to_bytes()
    # A proof made on arkworks verifies on py_ecc and conversely (objects or bytes).
    rp.verify(_context(), v_ref, p_ark, 8, backend=ref)
    decoded = rp.RangeProof.from_bytes(p_ref.to_bytes(), 2, 8)
    rp.verify(_context(), [ref.g1_encode(v) for v in v_ref], decoded, 8, backend=ark)
    rp.verify(_context(), v_ark, p_ref, 8, backend=ark)
    # And py_ecc rejects what arkworks rejects.
    with pytest.raises(VerificationError):
        rp.verify(_context(b"other"), v_ref, p_ark, 8, backend=ref)


@pytest.mark.slow
def test_reference_backend_round_trip() -> None:
    ref = _ref()
    commitments, proof = rp.prove(_context(), [200], [3], 8, backend=ref)
    data = proof.to_bytes()
    rp.verify(
        _context(), commitments, rp.RangeProof.from_bytes(data, 1, 8, backend=ref), 8, backend=ref
    )
    with pytest.raises(InvalidInput):
        rp.prove(_context(), [256], [3], 8, backend=ref)
