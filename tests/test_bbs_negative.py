"""BBS on hostile or malformed input (production backend, both ciphersuites).

Malformed input must raise :class:`zk.InvalidInput` before any cryptography; well-formed
signatures and proofs that do not verify must raise :class:`zk.VerificationError`; nothing
may ever return ``None`` (valid) for a tampered proof or signature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from _helpers import G1_IDENTITY, G2_IDENTITY, suite_on
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from zk import Error, InvalidInput, VerificationError, bbs
from zk.curve import G1_SIZE, SCALAR_SIZE, R

_MESSAGES = (b"given name: Ada", b"family name: Lovelace", b"born: 1815", b"", b"\x00\xff" * 8)
_DISCLOSED = (0, 2)


@dataclass(frozen=True)
class Presentation:
    """A valid signature and proof, and the inputs they were made from."""

    suite: bbs.Ciphersuite
    secret_key: bytes
    public_key: bytes
    header: bytes
    messages: tuple[bytes, ...]
    signature: bytes
    presentation_header: bytes
    indexes: tuple[int, ...]
    proof: bytes

    @property
    def disclosed_messages(self) -> list[bytes]:
        """The messages at ``indexes``."""
        return [self.messages[i] for i in self.indexes]

    def verify(self, **changes: Any) -> None:
        """``suite.verify`` with this presentation's arguments, some of them replaced."""
        args = {
            "pk": self.public_key,
            "signature": self.signature,
            "header": self.header,
            "messages": list(self.messages),
        }
        self.suite.verify(**(args | changes))

    def proof_gen(self, **changes: Any) -> bytes:
        """``suite.proof_gen`` with this presentation's arguments, some of them replaced."""
        args = {
            "pk": self.public_key,
            "signature": self.signature,
            "header": self.header,
            "presentation_header": self.presentation_header,
            "messages": list(self.messages),
            "disclosed_indexes": list(self.indexes),
        }
        return self.suite.proof_gen(**(args | changes))

    def proof_verify(self, **changes: Any) -> None:
        """``suite.proof_verify`` with this presentation's arguments, some of them replaced."""
        args = {
            "pk": self.public_key,
            "proof": self.proof,
            "header": self.header,
            "presentation_header": self.presentation_header,
            "disclosed_messages": self.disclosed_messages,
            "disclosed_indexes": list(self.indexes),
        }
        self.suite.proof_verify(**(args | changes))


@cache
def _presentation(suite_id: str) -> Presentation:
    suite = suite_on(suite_id, "arkworks")
    secret_key = suite.keygen(b"negative-tests-key-material-0123456789")
    public_key = suite.sk_to_pk(secret_key)
    header = b"issuer header"
    signature = suite.sign(secret_key, public_key, header, _MESSAGES)
    presentation_header = b"verifier nonce"
    proof = suite.proof_gen(
        public_key, signature, header, presentation_header, _MESSAGES, _DISCLOSED
    )
    return Presentation(
        suite,
        secret_key,
        public_key,
        header,
        _MESSAGES,
        signature,
        presentation_header,
        _DISCLOSED,
        proof,
    )


@pytest.fixture(scope="session")
def valid(suite_id: str) -> Presentation:
    """A valid signature and proof on the arkworks backend (5 messages, 2 disclosed)."""
    return _presentation(suite_id)


def _replace_scalar(data: bytes, offset: int, value: int) -> bytes:
    return data[:offset] + value.to_bytes(SCALAR_SIZE, "big") + data[offset + SCALAR_SIZE :]


def _flip(data: bytes, position: int, mask: int) -> bytes:
    return data[:position] + bytes([data[position] ^ mask]) + data[position + 1 :]


# ---------------------------------------------------------------------------- sanity


def test_the_presentation_used_below_is_valid(valid: Presentation) -> None:
    """Every negative test below starts from a signature and proof that do verify."""
    assert valid.verify() is None
    assert valid.proof_verify() is None
    undisclosed = len(valid.messages) - len(valid.indexes)
    assert len(valid.proof) == 3 * G1_SIZE + (4 + undisclosed) * SCALAR_SIZE


# ---------------------------------------------------------------------------- identity points


def test_identity_public_key_is_refused(valid: Presentation) -> None:
    """A public key W = identity would accept anything; verify, proof_gen, proof_verify refuse it."""
    with pytest.raises(InvalidInput):
        valid.verify(pk=G2_IDENTITY)
    with pytest.raises(InvalidInput):
        valid.proof_gen(pk=G2_IDENTITY)
    with pytest.raises(InvalidInput):
        valid.proof_verify(pk=G2_IDENTITY)


@pytest.mark.parametrize("position", [0, 1, 2], ids=["Abar", "Bbar", "D"])
def test_proof_with_an_identity_point_is_refused(valid: Presentation, position: int) -> None:
    """Abar, Bbar or D = identity (trivially satisfies the pairing check) is invalid input."""
    start = position * G1_SIZE
    proof = valid.proof[:start] + G1_IDENTITY + valid.proof[start + G1_SIZE :]
    with pytest.raises(InvalidInput):
        valid.proof_verify(proof=proof)


def test_signature_with_identity_a_is_refused(valid: Presentation) -> None:
    """A signature whose A is the identity is invalid input to verify and proof_gen."""
    signature = G1_IDENTITY + valid.signature[G1_SIZE:]
    with pytest.raises(InvalidInput):
        valid.verify(signature=signature)
    with pytest.raises(InvalidInput):
        valid.proof_gen(signature=signature)


# ---------------------------------------------------------------------------- scalar ranges


OUT_OF_RANGE = [0, R, R + 1, 2**256 - 1]
OUT_OF_RANGE_IDS = ["0", "r", "r+1", "2^256-1"]


@pytest.mark.parametrize("e", OUT_OF_RANGE, ids=OUT_OF_RANGE_IDS)
def test_signature_scalar_outside_1_to_r_is_refused(valid: Presentation, e: int) -> None:
    """The signature's e must be in [1, r): otherwise verify and proof_gen raise InvalidInput."""
    signature = _replace_scalar(valid.signature, G1_SIZE, e)
    with pytest.raises(InvalidInput):
        valid.verify(signature=signature)
    with pytest.raises(InvalidInput):
        valid.proof_gen(signature=signature)


_SCALAR_NAMES = ["e^", "r1^", "r3^", "m^1", "m^2", "m^3", "challenge"]


@pytest.mark.parametrize("value", OUT_OF_RANGE, ids=OUT_OF_RANGE_IDS)
@pytest.mark.parametrize("index", range(len(_SCALAR_NAMES)), ids=_SCALAR_NAMES)
def test_proof_scalar_outside_1_to_r_is_refused(
    valid: Presentation, index: int, value: int
) -> None:
    """Every proof scalar must be in [1, r) (octets_to_proof, §4.2.4.5)."""
    proof = _replace_scalar(valid.proof, 3 * G1_SIZE + index * SCALAR_SIZE, value)
    with pytest.raises(InvalidInput):
        valid.proof_verify(proof=proof)


@pytest.mark.parametrize("secret_key", [bytes(32), R.to_bytes(32, "big"), bytes(31), bytes(33)])
def test_secret_key_outside_1_to_r_or_of_wrong_length_is_refused(
    valid: Presentation, secret_key: bytes
) -> None:
    """sk_to_pk and sign refuse a zero, too large or wrongly sized secret key."""
    with pytest.raises(InvalidInput):
        valid.suite.sk_to_pk(secret_key)
    with pytest.raises(InvalidInput):
        valid.suite.sign(secret_key, valid.public_key, valid.header, list(valid.messages))


# ---------------------------------------------------------------------------- proof lengths


def _append_scalar(proof: bytes, value: int) -> bytes:
    return proof + value.to_bytes(SCALAR_SIZE, "big")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda p: b"", InvalidInput),
        (lambda p: p[:-1], InvalidInput),
        (lambda p: p + b"\x00", InvalidInput),
        (lambda p: p[: 3 * G1_SIZE + 3 * SCALAR_SIZE], InvalidInput),
        (lambda p: p[:-SCALAR_SIZE], VerificationError),
        (lambda p: _append_scalar(p, 1), VerificationError),
        (lambda p: _append_scalar(p, 0), InvalidInput),
        (lambda p: p + p, InvalidInput),  # 3 points are 144 bytes: misaligned
    ],
    ids=[
        "empty",
        "one byte short",
        "one byte long",
        "below the minimum (3 scalars)",
        "one scalar short",
        "one valid scalar more",
        "one zero scalar more",
        "doubled (misaligned)",
    ],
)
def test_truncated_or_extended_proof_never_verifies(
    valid: Presentation, change: Callable[[bytes], bytes], error: type[Error]
) -> None:
    """A proof of the wrong length is refused; one that still parses does not verify."""
    with pytest.raises(error):
        valid.proof_verify(proof=change(valid.proof))


# ---------------------------------------------------------------------------- disclosed indexes


BAD_INDEXES = {
    "out of range": [0, 5],
    "far out of range": [0, 2**64],
    "negative": [-1, 2],
    "duplicated": [2, 2],
    "unsorted": [2, 0],
    "bool": [True, 2],
    "float": [0.0, 2],
    "str": ["0", 2],
}


@pytest.mark.parametrize("indexes", BAD_INDEXES.values(), ids=BAD_INDEXES.keys())
def test_bad_disclosed_indexes_are_refused(valid: Presentation, indexes: list[Any]) -> None:
    """Indexes must be distinct ints in [0, L), sorted ascending, for proof_gen and proof_verify."""
    with pytest.raises(InvalidInput):
        valid.proof_gen(disclosed_indexes=indexes)
    # As many disclosed messages as indexes, so only the indexes are at fault.
    with pytest.raises(InvalidInput):
        valid.proof_verify(disclosed_messages=[b"m"] * len(indexes), disclosed_indexes=indexes)


@pytest.mark.parametrize("indexes", [b"\x00\x02", "02"], ids=["bytes", "str"])
def test_disclosed_indexes_that_are_not_a_sequence_of_ints_are_refused(
    valid: Presentation, indexes: Any
) -> None:
    """bytes or str are not index lists (b"\\x00\\x02" must not mean [0, 2])."""
    with pytest.raises(InvalidInput):
        valid.proof_gen(disclosed_indexes=indexes)
    with pytest.raises(InvalidInput):
        valid.proof_verify(disclosed_indexes=indexes)


@pytest.mark.parametrize("count", [0, 1, 3], ids=["none", "fewer", "more"])
def test_disclosed_messages_must_match_disclosed_indexes(valid: Presentation, count: int) -> None:
    """proof_verify refuses a number of disclosed messages different from the indexes."""
    messages = (valid.disclosed_messages * 2)[:count]
    with pytest.raises(InvalidInput):
        valid.proof_verify(disclosed_messages=messages)


def test_wrong_number_of_unsafe_random_scalars_is_refused(valid: Presentation) -> None:
    """proof_gen needs exactly 5 + (undisclosed) test scalars."""
    undisclosed = len(valid.messages) - len(valid.indexes)
    with pytest.raises(InvalidInput):
        valid.proof_gen(unsafe_random_scalars=[1] * (4 + undisclosed))
    with pytest.raises(InvalidInput):
        valid.proof_gen(unsafe_random_scalars=[1] * (6 + undisclosed))


# ---------------------------------------------------------------------------- key generation


@pytest.mark.parametrize("length", [0, 1, 31], ids=lambda n: f"{n} bytes")
def test_short_key_material_is_refused(valid: Presentation, length: int) -> None:
    """KeyGen needs at least 32 bytes of key material (§3.3.1)."""
    with pytest.raises(InvalidInput):
        valid.suite.keygen(bytes(length))


def test_key_info_longer_than_65535_bytes_is_refused(valid: Presentation) -> None:
    """key_info is length-prefixed with two bytes, so it cannot exceed 65535 bytes."""
    with pytest.raises(InvalidInput):
        valid.suite.keygen(bytes(32), bytes(65536))


# ---------------------------------------------------------------------------- types


def _latin1(messages: list[bytes]) -> list[str]:
    return [m.decode("latin-1") for m in messages]


# Each entry passes a str (or a lone bytes/str where a list of messages is due) at one place.
STR_INPUTS: dict[str, Callable[[Presentation], object]] = {
    "keygen key_material": lambda v: v.suite.keygen("k" * 32),  # type: ignore[arg-type]
    "keygen key_info": lambda v: v.suite.keygen(bytes(32), "info"),  # type: ignore[arg-type]
    "sk_to_pk secret key": lambda v: v.suite.sk_to_pk(v.secret_key.hex()),  # type: ignore[arg-type]
    "sign secret key": lambda v: v.suite.sign(
        v.secret_key.hex(),  # type: ignore[arg-type]
        v.public_key,
        v.header,
        list(v.messages),
    ),
    "sign public key": lambda v: v.suite.sign(
        v.secret_key,
        v.public_key.hex(),  # type: ignore[arg-type]
        v.header,
        list(v.messages),
    ),
    "sign header": lambda v: v.suite.sign(
        v.secret_key,
        v.public_key,
        "issuer header",  # type: ignore[arg-type]
        list(v.messages),
    ),
    "sign message": lambda v: v.suite.sign(
        v.secret_key,
        v.public_key,
        v.header,
        _latin1(list(v.messages)),  # type: ignore[arg-type]
    ),
    "sign messages as one bytes": lambda v: v.suite.sign(
        v.secret_key, v.public_key, v.header, b"message"
    ),
    "sign messages as one str": lambda v: v.suite.sign(
        v.secret_key,
        v.public_key,
        v.header,
        "message",  # type: ignore[arg-type]
    ),
    "verify public key": lambda v: v.verify(pk=v.public_key.hex()),
    "verify signature": lambda v: v.verify(signature=v.signature.hex()),
    "verify header": lambda v: v.verify(header="issuer header"),
    "verify message": lambda v: v.verify(messages=_latin1(list(v.messages))),
    "proof_gen public key": lambda v: v.proof_gen(pk=v.public_key.hex()),
    "proof_gen signature": lambda v: v.proof_gen(signature=v.signature.hex()),
    "proof_gen presentation header": lambda v: v.proof_gen(presentation_header="nonce"),
    "proof_gen message": lambda v: v.proof_gen(messages=_latin1(list(v.messages))),
    "proof_verify public key": lambda v: v.proof_verify(pk=v.public_key.hex()),
    "proof_verify proof": lambda v: v.proof_verify(proof=v.proof.hex()),
    "proof_verify header": lambda v: v.proof_verify(header="issuer header"),
    "proof_verify presentation header": lambda v: v.proof_verify(presentation_header="nonce"),
    "proof_verify disclosed message": lambda v: v.proof_verify(
        disclosed_messages=_latin1(v.disclosed_messages)
    ),
    "hash_to_scalar message": lambda v: v.suite.hash_to_scalar("msg", b"dst"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("call", STR_INPUTS.values(), ids=STR_INPUTS.keys())
def test_str_instead_of_bytes_is_refused(
    valid: Presentation, call: Callable[[Presentation], object]
) -> None:
    """A str is never silently encoded (two parties could hash different octets): InvalidInput."""
    with pytest.raises(InvalidInput):
        call(valid)


# ---------------------------------------------------------------------------- forgeries


@settings(max_examples=10, deadline=None)
@given(a=st.integers(1, R - 1), e=st.integers(1, R - 1))
def test_proof_from_a_forged_signature_never_verifies(valid: Presentation, a: int, e: int) -> None:
    """A random (A, e) decodes, and proof_gen (which does not check it) may run, but the proof fails."""
    bk = valid.suite.backend
    forged = bk.g1_encode(bk.g1_mul(bk.g1_generator(), a)) + e.to_bytes(SCALAR_SIZE, "big")
    with pytest.raises(VerificationError):
        valid.verify(signature=forged)
    proof = valid.proof_gen(signature=forged)
    with pytest.raises(VerificationError):
        valid.proof_verify(proof=proof)


def test_proof_from_a_signature_with_a_changed_e_never_verifies(valid: Presentation) -> None:
    """A valid signature with the last bit of e flipped still decodes, but yields no valid proof."""
    tampered = _flip(valid.signature, len(valid.signature) - 1, 0x01)
    with pytest.raises(VerificationError):
        valid.verify(signature=tampered)
    proof = valid.proof_gen(signature=tampered)
    with pytest.raises(VerificationError):
        valid.proof_verify(proof=proof)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_proof_with_any_byte_flipped_never_verifies(valid: Presentation, data: Any) -> None:
    """Flipping any bit pattern of any byte of a proof makes proof_verify raise, never pass."""
    position = data.draw(st.integers(0, len(valid.proof) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="mask")
    with pytest.raises(Error):
        valid.proof_verify(proof=_flip(valid.proof, position, mask))


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_signature_with_any_byte_flipped_never_verifies(valid: Presentation, data: Any) -> None:
    """Flipping any bit pattern of any byte of a signature makes verify raise, never pass."""
    position = data.draw(st.integers(0, len(valid.signature) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="mask")
    with pytest.raises(Error):
        valid.verify(signature=_flip(valid.signature, position, mask))


@settings(max_examples=25, deadline=None)
@given(other=st.binary(max_size=40))
def test_a_proof_does_not_verify_under_another_presentation_header(
    valid: Presentation, other: bytes
) -> None:
    """The presentation header is bound to the proof (replay to another verifier fails)."""
    assume(other != valid.presentation_header)
    with pytest.raises(VerificationError):
        valid.proof_verify(presentation_header=other)


@settings(max_examples=25, deadline=None)
@given(other=st.binary(max_size=40))
def test_a_proof_or_signature_does_not_verify_under_another_header(
    valid: Presentation, other: bytes
) -> None:
    """The issuer's header is bound to the signature and to every proof derived from it."""
    assume(other != valid.header)
    with pytest.raises(VerificationError):
        valid.verify(header=other)
    with pytest.raises(VerificationError):
        valid.proof_verify(header=other)


@settings(max_examples=25, deadline=None)
@given(which=st.sampled_from(range(len(_DISCLOSED))), other=st.binary(max_size=40))
def test_a_proof_does_not_verify_with_a_changed_disclosed_message(
    valid: Presentation, which: int, other: bytes
) -> None:
    """Changing any disclosed message makes the proof fail."""
    messages = valid.disclosed_messages
    assume(other != messages[which])
    messages[which] = other
    with pytest.raises(VerificationError):
        valid.proof_verify(disclosed_messages=messages)


# ---------------------------------------------------------------------------- round trips


@settings(max_examples=60, deadline=None)
@given(
    key_material=st.binary(min_size=32, max_size=64),
    header=st.binary(max_size=32),
    presentation_header=st.binary(max_size=32),
    messages=st.lists(st.binary(max_size=64), max_size=12),
    data=st.data(),
)
def test_sign_verify_prove_round_trip(
    ark_suite: bbs.Ciphersuite,
    key_material: bytes,
    header: bytes,
    presentation_header: bytes,
    messages: list[bytes],
    data: Any,
) -> None:
    """Any 0..12 messages, any disclosed subset (none, some, all): signatures and proofs verify."""
    secret_key = ark_suite.keygen(key_material)
    public_key = ark_suite.sk_to_pk(secret_key)
    signature = ark_suite.sign(secret_key, public_key, header, messages)
    assert ark_suite.verify(public_key, signature, header, messages) is None

    indexes = sorted(
        data.draw(
            st.sets(st.sampled_from(range(len(messages)))) if messages else st.just(set()),
            label="disclosed",
        )
    )
    proof = ark_suite.proof_gen(
        public_key, signature, header, presentation_header, messages, indexes
    )
    disclosed = [messages[i] for i in indexes]
    assert (
        ark_suite.proof_verify(public_key, proof, header, presentation_header, disclosed, indexes)
        is None
    )


@pytest.mark.parametrize("indexes", [[], [0, 1, 2, 3, 4]], ids=["none disclosed", "all disclosed"])
def test_proofs_disclosing_nothing_or_everything_verify(
    valid: Presentation, indexes: list[int]
) -> None:
    """The two extreme disclosures are ordinary proofs."""
    proof = valid.proof_gen(disclosed_indexes=indexes)
    disclosed = [valid.messages[i] for i in indexes]
    assert (
        valid.proof_verify(proof=proof, disclosed_messages=disclosed, disclosed_indexes=indexes)
        is None
    )


def test_fresh_proofs_of_one_signature_differ(valid: Presentation) -> None:
    """Proofs are randomised: two presentations of one signature are unlinkable byte strings."""
    first, second = valid.proof_gen(), valid.proof_gen()
    assert first != second
    assert valid.proof_verify(proof=first) is None
    assert valid.proof_verify(proof=second) is None
