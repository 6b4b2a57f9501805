"""The draft-irtf-cfrg-bbs-signatures fixtures, for both ciphersuites on both curve backends.

Valid vectors must verify *and* be reproduced byte for byte (signing is deterministic; proofs
are deterministic given the draft's mocked random scalars). Invalid vectors must raise the
error type their case calls for (as pyca's Wycheproof tests do): a well-formed signature or
proof that does not verify raises :class:`zk.VerificationError`, malformed input
:class:`zk.InvalidInput`.
"""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import bbs_vector_names, load_bbs_messages, load_bbs_vector, suite_on
from hypothesis import given, settings
from hypothesis import strategies as st

from zk import Error, InvalidInput, VerificationError, bbs
from zk.curve import R

# Expected outcome of each fixture, keyed by file name: (caseName, error raised or None).
SIGNATURE_EXPECTATIONS: dict[str, tuple[str, type[Error] | None]] = {
    "signature001": ("valid single message signature", None),
    "signature002": (
        "invalid single message signature (modified message)",
        VerificationError,
    ),
    "signature003": (
        "invalid single message signature (extra unsigned message)",
        VerificationError,
    ),
    "signature004": ("valid multi-message signature", None),
    "signature005": (
        "invalid multi-message signature (missing messages)",
        VerificationError,
    ),
    "signature006": (
        "invalid multi-message signature (re-ordered messages)",
        VerificationError,
    ),
    "signature007": (
        "invalid multi-message signature (wrong public key)",
        VerificationError,
    ),
    "signature008": (
        "invalid multi-message signature (different header)",
        VerificationError,
    ),
    "signature009": (
        "invalid multi-message signature (re-ordered(randomly shuffled) messages)",
        VerificationError,
    ),
    "signature010": ("valid multi-message signature, no header", None),
}

_ALL_REVEALED = "invalid multi-message signature, all messages revealed proof"
PROOF_EXPECTATIONS: dict[str, tuple[str, type[Error] | None]] = {
    "proof001": ("valid single message signature, single-message revealed proof", None),
    "proof002": ("valid multi-message signature, all messages revealed proof", None),
    "proof003": ("valid multi-message signature, multiple messages revealed proof", None),
    "proof004": (f"{_ALL_REVEALED} (different presentation header)", VerificationError),
    "proof005": (f"{_ALL_REVEALED} (wrong public key)", VerificationError),
    "proof006": (f"{_ALL_REVEALED} (modified messages)", VerificationError),
    "proof007": (f"{_ALL_REVEALED} (extra message un-revealed in proof)", VerificationError),
    "proof008": (
        f"{_ALL_REVEALED} (extra message invalid message un-revealed in proof)",
        VerificationError,
    ),
    "proof009": (f"{_ALL_REVEALED} (missing message revealed in proof)", VerificationError),
    # disclosedIndexes is [4, 2, 4, 6]: unsorted and duplicated, so the input is malformed
    # and must be refused before any cryptography.
    "proof010": (f"{_ALL_REVEALED} (re-ordered messages)", InvalidInput),
    "proof011": (
        f"{_ALL_REVEALED} (extra valid message, modified total message count)",
        VerificationError,
    ),
    "proof012": (
        f"{_ALL_REVEALED} (truncated proof, one less undisclosed message)",
        VerificationError,
    ),
    "proof013": (f"{_ALL_REVEALED} (different header)", VerificationError),
    "proof014": (
        "valid multi-message signature, multiple messages revealed proof, no header",
        None,
    ),
    "proof015": (
        "valid multi-message signature, multiple messages revealed proof, no presentation header",
        None,
    ),
}


def _hex_list(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def _mocked_rng_seed(suite_id: str) -> bytes:
    return bytes.fromhex(load_bbs_vector(suite_id, "mockedRng")["seed"])


# ---------------------------------------------------------------------------- bookkeeping


@pytest.mark.parametrize(
    ("kind", "expectations"),
    [("signature", SIGNATURE_EXPECTATIONS), ("proof", PROOF_EXPECTATIONS)],
)
def test_every_fixture_file_has_an_expected_outcome(
    suite_id: str, kind: str, expectations: dict[str, Any]
) -> None:
    """No fixture file goes untested, and every case's name and validity are the expected ones.

    This also pins that both ciphersuites publish the same files, which the test
    parametrisation (ids from the SHA-256 folder) relies on.
    """
    assert bbs_vector_names(kind, suite_id=suite_id) == sorted(expectations)
    for name, (case_name, error) in expectations.items():
        case = load_bbs_vector(suite_id, f"{kind}/{name}")
        assert case["caseName"] == case_name
        assert case["result"]["valid"] is (error is None)


def test_messages_file_matches_the_map_to_scalar_cases(suite_id: str) -> None:
    """The shared ``messages.json`` lists the messages that the per-suite fixtures use."""
    messages = load_bbs_messages()
    cases = load_bbs_vector(suite_id, "MapMessageToScalarAsHash")["cases"]
    assert [c["message"] for c in cases] == messages


# ---------------------------------------------------------------------------- building blocks


def test_keygen_and_sk_to_pk_reproduce_the_keypair_fixture(
    suite_id: str, suite: bbs.Ciphersuite
) -> None:
    """§3.3.1 KeyGen derives the fixture's secret key; §3.3.2 SkToPk its public key."""
    case = load_bbs_vector(suite_id, "keypair")
    key_material = bytes.fromhex(case["keyMaterial"])
    key_info = bytes.fromhex(case["keyInfo"])
    key_dst = bytes.fromhex(case["keyDst"])
    secret_key = bytes.fromhex(case["keyPair"]["secretKey"])

    assert suite.keygen(key_material, key_info, key_dst) == secret_key
    # The fixture's DST is the interface default, so omitting it gives the same key.
    assert key_dst == suite.api_id + b"KEYGEN_DST_"
    assert suite.keygen(key_material, key_info) == secret_key
    assert suite.sk_to_pk(secret_key).hex() == case["keyPair"]["publicKey"]


def test_p1_and_generators_match_the_fixture(suite_id: str, suite: bbs.Ciphersuite) -> None:
    """§7.2 P1 and §4.1.4.1 create_generators(11) = [Q1, H1..H10] are the published points."""
    case = load_bbs_vector(suite_id, "generators")
    assert suite.p1.hex() == case["P1"]
    generators = [g.hex() for g in suite.create_generators(11)]
    assert generators == [case["Q1"], *case["MsgGenerators"]]


def test_map_message_to_scalar_matches_the_fixture(suite_id: str, suite: bbs.Ciphersuite) -> None:
    """§4.1.2 map_to_scalar_as_hash, with the fixture's DST and with the default DST."""
    case = load_bbs_vector(suite_id, "MapMessageToScalarAsHash")
    dst = bytes.fromhex(case["dst"])
    messages = [bytes.fromhex(c["message"]) for c in case["cases"]]
    expected = [int(c["scalar"], 16) for c in case["cases"]]

    assert [suite.map_message_to_scalar(m, dst) for m in messages] == expected
    assert [suite.map_message_to_scalar(m) for m in messages] == expected
    assert suite.messages_to_scalars(messages) == expected


def test_hash_to_scalar_matches_the_fixture(suite_id: str, suite: bbs.Ciphersuite) -> None:
    """§4.1.3 hash_to_scalar of the h2s fixture."""
    case = load_bbs_vector(suite_id, "h2s")
    scalar = suite.hash_to_scalar(bytes.fromhex(case["message"]), bytes.fromhex(case["dst"]))
    assert scalar == int(case["scalar"], 16)


def test_mocked_random_scalars_match_the_fixture(suite_id: str, suite: bbs.Ciphersuite) -> None:
    """The draft's seeded_random_scalars, with the fixture's DST and with the default DST."""
    case = load_bbs_vector(suite_id, "mockedRng")
    seed = bytes.fromhex(case["seed"])
    expected = [int(s, 16) for s in case["mockedScalars"]]

    assert suite.unsafe_seeded_random_scalars(seed, case["count"], bytes.fromhex(case["dst"])) == (
        expected
    )
    assert suite.unsafe_seeded_random_scalars(seed, case["count"]) == expected


# ---------------------------------------------------------------------------- signatures


def test_signature_fixture_verifies_or_raises_the_expected_error(
    suite_id: str, suite: bbs.Ciphersuite, signature_file: str
) -> None:
    """§3.4.2 Verify accepts the valid signature fixtures and rejects each invalid one."""
    case = load_bbs_vector(suite_id, f"signature/{signature_file}")
    _, error = SIGNATURE_EXPECTATIONS[signature_file]
    args = (
        bytes.fromhex(case["signerKeyPair"]["publicKey"]),
        bytes.fromhex(case["signature"]),
        bytes.fromhex(case["header"]),
        _hex_list(case["messages"]),
    )
    if error is None:
        assert suite.verify(*args) is None
    else:
        with pytest.raises(error):
            suite.verify(*args)


def test_sign_reproduces_the_valid_signature_fixture(
    suite_id: str, suite: bbs.Ciphersuite, valid_signature_file: str
) -> None:
    """§3.4.1 Sign is deterministic: it outputs the fixture's signature byte for byte."""
    case = load_bbs_vector(suite_id, f"signature/{valid_signature_file}")
    signature = suite.sign(
        bytes.fromhex(case["signerKeyPair"]["secretKey"]),
        bytes.fromhex(case["signerKeyPair"]["publicKey"]),
        bytes.fromhex(case["header"]),
        _hex_list(case["messages"]),
    )
    assert signature.hex() == case["signature"]


# ---------------------------------------------------------------------------- proofs


def test_proof_fixture_verifies_or_raises_the_expected_error(
    suite_id: str, suite: bbs.Ciphersuite, proof_file: str
) -> None:
    """§3.4.4 ProofVerify accepts the valid proof fixtures and rejects each invalid one."""
    case = load_bbs_vector(suite_id, f"proof/{proof_file}")
    _, error = PROOF_EXPECTATIONS[proof_file]
    messages = _hex_list(case["messages"])
    indexes = case["disclosedIndexes"]
    args = (
        bytes.fromhex(case["signerPublicKey"]),
        bytes.fromhex(case["proof"]),
        bytes.fromhex(case["header"]),
        bytes.fromhex(case["presentationHeader"]),
        [messages[i] for i in indexes],
        indexes,
    )
    if error is None:
        assert suite.proof_verify(*args) is None
    else:
        with pytest.raises(error):
            suite.proof_verify(*args)


def test_proof_gen_reproduces_the_valid_proof_fixture(
    suite_id: str, suite: bbs.Ciphersuite, valid_proof_file: str
) -> None:
    """§3.4.3 ProofGen with the draft's mocked random scalars outputs the fixture's proof."""
    case = load_bbs_vector(suite_id, f"proof/{valid_proof_file}")
    messages = _hex_list(case["messages"])
    indexes = case["disclosedIndexes"]
    undisclosed = len(messages) - len(indexes)
    random_scalars = suite.unsafe_seeded_random_scalars(_mocked_rng_seed(suite_id), 5 + undisclosed)

    trace = case["trace"]["random_scalars"]
    traced = [trace[k] for k in ("r1", "r2", "e_tilde", "r1_tilde", "r3_tilde")]
    assert random_scalars == [int(s, 16) for s in [*traced, *trace["m_tilde_scalars"]]]

    proof = suite.proof_gen(
        bytes.fromhex(case["signerPublicKey"]),
        bytes.fromhex(case["signature"]),
        bytes.fromhex(case["header"]),
        bytes.fromhex(case["presentationHeader"]),
        messages,
        indexes,
        unsafe_random_scalars=random_scalars,
    )
    assert proof.hex() == case["proof"]


# ---------------------------------------------------------------------------- backend agreement


@pytest.mark.slow
@settings(max_examples=3, deadline=None)
@given(
    key_material=st.binary(min_size=32, max_size=48),
    header=st.binary(max_size=24),
    presentation_header=st.binary(max_size=24),
    messages=st.lists(st.binary(max_size=40), max_size=5),
    data=st.data(),
)
def test_backends_sign_and_prove_byte_identically_on_random_inputs(
    suite_id: str,
    key_material: bytes,
    header: bytes,
    presentation_header: bytes,
    messages: list[bytes],
    data: st.DataObject,
) -> None:
    """Outside the fixtures, arkworks and py_ecc produce the same keys, signatures and proofs.

    Each backend also accepts what the other produced.
    """
    ark, ref = suite_on(suite_id, "arkworks"), suite_on(suite_id, "py_ecc")
    disclosed = data.draw(
        st.sets(st.integers(0, len(messages) - 1)) if messages else st.just(set()),
        label="disclosed",
    )
    indexes = sorted(disclosed)
    count = 5 + len(messages) - len(indexes)
    random_scalars = data.draw(
        st.lists(st.integers(1, R - 1), min_size=count, max_size=count), label="random scalars"
    )

    secret_key = ark.keygen(key_material)
    assert ref.keygen(key_material) == secret_key
    public_key = ark.sk_to_pk(secret_key)
    assert ref.sk_to_pk(secret_key) == public_key

    signature = ark.sign(secret_key, public_key, header, messages)
    assert ref.sign(secret_key, public_key, header, messages) == signature
    assert ref.verify(public_key, signature, header, messages) is None

    proof_args = (public_key, signature, header, presentation_header, messages, indexes)
    proof = ark.proof_gen(*proof_args, unsafe_random_scalars=random_scalars)
    assert ref.proof_gen(*proof_args, unsafe_random_scalars=random_scalars) == proof
    disclosed_messages = [messages[i] for i in indexes]
    assert (
        ref.proof_verify(
            public_key, proof, header, presentation_header, disclosed_messages, indexes
        )
        is None
    )
