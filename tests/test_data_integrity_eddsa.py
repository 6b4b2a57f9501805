"""Data Integrity 1.0 with the EdDSA cryptosuites: W3C vectors, proof sets and chains,
presentations, and every tampering rejected with the right error.

Vectors: ``tests/vectors/w3c-vc-di-eddsa`` (W3C vc-di-eddsa ``TestVectors/``, see its README).
Each vector file is one test id: the test recomputes that file's value (canonical form, hash,
signature, signed document, proof configuration) from the inputs and the key pair, with the
library's own code, and compares. A last test checks that no vector file goes unchecked.

Keys: did:key verification methods resolve to ``Key.from_multikey(fragment)``, as a did:key
resolver would (the DID resolver is tested elsewhere).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from vc_service._cryptosuite import get_cryptosuite, registered_cryptosuites
from vc_service._data_integrity import (
    CLOCK_SKEW,
    ProofCheck,
    add_proof,
    create_presentation,
    verify_credential,
    verify_presentation,
    verify_proofs,
)
from vc_service._eddsa import EDDSA_JCS_2022, EDDSA_RDFC_2022, hash_data
from vc_service._errors import (
    AudienceMismatch,
    Expired,
    InvalidCredential,
    InvalidInput,
    InvalidProof,
    NonceMismatch,
    NotYetValid,
    ResolutionError,
    UnknownContext,
)
from vc_service._jsonld import canonize as canonize_strict
from vc_service._keys import Key
from vc_service._multibase import (
    b64url_encode,
    base58btc_decode,
    base58btc_encode,
    multibase_decode,
    multicodec_unwrap,
)

VECTORS = Path(__file__).parent / "vectors" / "w3c-vc-di-eddsa" / "TestVectors"
V2 = "https://www.w3.org/ns/credentials/v2"
MULTICODEC_ED25519_PRIV = 0x1300  # varint bytes 0x80 0x26
NOW = datetime(2025, 6, 1, tzinfo=UTC)  # after every vector's created, before any validUntil
CREATED = datetime(2025, 1, 1, tzinfo=UTC)


def load(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text("utf-8"))  # type: ignore[no-any-return]


def text(name: str) -> str:
    return (VECTORS / name).read_text("utf-8")


def key_pair(pair: dict[str, str]) -> Key:
    """A private Key from a vector's publicKeyMultibase / privateKeyMultibase."""
    code, seed = multicodec_unwrap(multibase_decode(pair["privateKeyMultibase"]))
    assert code == MULTICODEC_ED25519_PRIV
    public = Key.from_multikey(pair["publicKeyMultibase"])
    key = Key.from_jwk({**public.public_jwk(), "d": b64url_encode(seed)})
    assert key.same_public(public)
    return key


def sign(document: dict[str, Any], key: Key, **kwargs: Any) -> dict[str, Any]:
    """add_proof with a fixed ``created`` (tests verify at the fixed moment NOW)."""
    kwargs.setdefault("created", CREATED)
    return add_proof(document, key, **kwargs)


def did_key_vm(key: Key) -> str:
    return f"{key.did_key()}#{key.multikey()}"


def resolve_did_key(verification_method: str) -> Key:
    """A did:key resolver: the fragment is the Multikey."""
    assert verification_method.startswith("did:key:")
    return Key.from_multikey(verification_method.split("#", 1)[1])


def created_of(proof: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(proof["created"])


VECTOR_KEY = key_pair(load("keyPair.json"))
SET_CHAIN_KEYS = {
    name: key_pair(pair) for name, pair in load("proof-set-chain/multiKeyPairs.json").items()
}


# ------------------------------------------------------------------------------ single-proof vectors

# folder -> (cryptosuite or None for the legacy suite, input document, file suffix)
SINGLE = {
    "eddsa-rdfc-2022": ("eddsa-rdfc-2022", "unsigned.json", "DataInt"),
    "eddsa-rdfc-2022/employ": ("eddsa-rdfc-2022", "employmentAuth.json", "DataInt"),
    "eddsa-jcs-2022": ("eddsa-jcs-2022", "unsigned.json", "JCS"),
    "Ed25519Signature2020": (None, "Ed25519Signature2020/signedEdSig.json", "EdSig"),
}
STEPS = [
    "canonDoc",
    "docHash",
    "proofCanon",
    "proofHash",
    "combinedHash",
    "sigHex",
    "sigBTC58",
    "signed",
]


def _jcs(value: Any) -> str:
    import rfc8785

    return rfc8785.dumps(value).decode()


@functools.cache
def single_vector_steps(folder: str) -> dict[str, str]:
    """Every intermediate value of one vector folder, recomputed with the library."""
    suite, input_name, suffix = SINGLE[folder]
    unsecured = load(input_name)
    unsecured.pop("proof", None)  # the legacy folder has no separate unsigned input
    config = load(f"{folder}/proofConfig{suffix}.json")
    canonicalize = _jcs if suite == "eddsa-jcs-2022" else canonize_strict
    canon_doc, proof_canon = canonicalize(unsecured), canonicalize(config)
    combined = hash_data(proof_canon, canon_doc)
    signature = VECTOR_KEY.sign(combined)
    steps = {
        "canonDoc": canon_doc,
        "docHash": hashlib.sha256(canon_doc.encode()).hexdigest(),
        "proofCanon": proof_canon,
        "proofHash": hashlib.sha256(proof_canon.encode()).hexdigest(),
        "combinedHash": combined.hex(),
        "sigHex": signature.hex(),
        "sigBTC58": "z" + base58btc_encode(signature),
    }
    if folder == "eddsa-rdfc-2022/employ":
        # add_proof refuses this one: its issuer DID is not the signer's (see the test below),
        # so the suite signs directly.
        options = {k: v for k, v in config.items() if k != "@context"}
        proof = get_cryptosuite(suite).create_proof(unsecured, options, VECTOR_KEY)
        steps["signed"] = json.dumps(unsecured | {"proof": proof}, sort_keys=True)
    elif suite is not None:
        secured = add_proof(
            unsecured,
            VECTOR_KEY,
            cryptosuite=suite,
            verification_method=config["verificationMethod"],
            created=created_of(config),
        )
        steps["signed"] = json.dumps(secured, sort_keys=True)
    return steps


SINGLE_FILES = sorted(
    f"{folder}/{step}{suffix}.{'json' if step == 'signed' else 'txt'}"
    for folder, (suite, _, suffix) in SINGLE.items()
    for step in STEPS
    if suite is not None or step != "signed"
)


@pytest.mark.parametrize("name", SINGLE_FILES, ids=SINGLE_FILES)
def test_single_proof_vector_reproduces(name: str) -> None:
    """The canonical forms, hashes, hash data, signature and secured document of each vector
    are what the library computes from the input, the proof options and the vector key."""
    folder, file_name = name.rsplit("/", 1)
    step = next(s for s in STEPS if file_name.startswith(s))
    computed = single_vector_steps(folder)[step]
    if step == "signed":
        assert json.loads(computed) == load(name)
    elif step in ("canonDoc", "proofCanon"):
        assert computed == text(name)
    else:
        assert computed == text(name).strip()


SIGNED_SINGLE = ["eddsa-rdfc-2022/signedDataInt.json", "eddsa-jcs-2022/signedJCS.json"]


@pytest.mark.parametrize("name", SIGNED_SINGLE, ids=SIGNED_SINGLE)
def test_signed_vector_verifies(name: str) -> None:
    """The secured vector credentials verify (all Data Integrity checks, then VCDM + validity)."""
    doc = load(name)
    checks = verify_credential(doc, resolve_key=resolve_did_key, now=NOW)
    assert checks == [
        ProofCheck(
            doc["proof"]["cryptosuite"],
            doc["proof"]["verificationMethod"],
            "assertionMethod",
            datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
        )
    ]


def test_employ_vector_signature_verifies_but_signer_is_not_the_issuer() -> None:
    """The ``employ`` vector names issuer did:key:zDnae... (a P-256 key) but is signed by the
    vector's Ed25519 did:key. The signature is valid (suite level), yet verify_proofs refuses it:
    a verification method that the issuer DID does not control cannot sign for it."""
    doc = load("eddsa-rdfc-2022/employ/signedDataInt.json")
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    EDDSA_RDFC_2022.verify_proof(unsecured, doc["proof"], VECTOR_KEY.public_key())
    with pytest.raises(InvalidProof, match="not controlled by the issuer"):
        verify_proofs(doc, resolve_key=resolve_did_key, now=NOW)


def test_legacy_ed25519signature2020_vector_verifies() -> None:
    """Ed25519Signature2020 (informative, legacy) uses the same hashing as eddsa-rdfc-2022: its
    signature verifies over the recomputed hash data. The suite is not registered: new proofs
    are DataIntegrityProof only, and verify_proofs refuses the legacy type."""
    doc = load("Ed25519Signature2020/signedEdSig.json")
    steps = single_vector_steps("Ed25519Signature2020")
    signature = base58btc_decode(doc["proof"]["proofValue"][1:])
    VECTOR_KEY.public_key().verify(bytes.fromhex(steps["combinedHash"]), signature)
    with pytest.raises(InvalidProof, match="unsupported proof type"):
        verify_proofs(doc, resolve_key=resolve_did_key, now=NOW)


def test_vector_key_pair_matches_its_did_key() -> None:
    """The vector key pair decodes (0xed01 public, 0x8026 private) to the VM's did:key."""
    assert (
        did_key_vm(VECTOR_KEY)
        == load("eddsa-rdfc-2022/proofConfigDataInt.json")["verificationMethod"]
    )


# ------------------------------------------------------------------------------ set/chain vectors

SET_CHAIN = "proof-set-chain"


def _set_chain_options(config: dict[str, Any]) -> dict[str, Any]:
    return {
        "cryptosuite": config["cryptosuite"],
        "verification_method": config["verificationMethod"],
        "created": created_of(config),
        "proof_id": config.get("id"),
        "previous_proof": config.get("previousProof"),
    }


def _key_for(config: dict[str, Any]) -> Key:
    multikey = config["verificationMethod"].split("#")[1]
    return next(k for k in SET_CHAIN_KEYS.values() if k.multikey() == multikey)


@functools.cache
def set_chain_documents() -> dict[str, str]:
    """The proof set and chain built step by step with add_proof, as JSON text by file name."""
    built: dict[str, Any] = {}
    document = load(f"{SET_CHAIN}/unsigned.json")
    steps = [
        ("proofSetConfig1", "signedProofSet1"),
        ("proofSetConfig2", "signedProofSet2"),
        ("proofChainConfig1", "signedProofChain1"),
        ("proofChainConfig2", "signedProofChain2"),
    ]
    for config_name, signed_name in steps:
        config = load(f"{SET_CHAIN}/{config_name}.json")
        before = document
        document = add_proof(before, _key_for(config), **_set_chain_options(config))
        new_proof = (
            document["proof"][-1] if isinstance(document["proof"], list) else document["proof"]
        )
        built[f"{signed_name}.json"] = document
        built[f"{config_name}.json"] = {k: v for k, v in new_proof.items() if k != "proofValue"}
        signed_config = config_name.replace("Config", "ConfigSigned")
        built[f"{signed_config}.json"] = new_proof
        if "previousProof" in config:
            # The document the chained proof signed: the secured document so far with proof
            # set to the proofs that previousProof names (Data Integrity §4.3 step 7).
            wanted = config["previousProof"]
            wanted = [wanted] if isinstance(wanted, str) else wanted
            previous = [p for p in before["proof"] if p.get("id") in wanted]
            temp = {k: v for k, v in before.items() if k != "proof"} | {"proof": previous}
            EDDSA_RDFC_2022.verify_proof(temp, new_proof, _key_for(config))
            built[config_name.replace("Config", "TempDoc") + ".json"] = temp
    return {name: json.dumps(value, sort_keys=True) for name, value in built.items()}


SET_CHAIN_INPUTS = ["multiKeyPairs.json", "unsigned.json"]
SET_CHAIN_FILES = sorted(
    p.name for p in (VECTORS / SET_CHAIN).iterdir() if p.name not in SET_CHAIN_INPUTS
)


@pytest.mark.parametrize("name", SET_CHAIN_FILES, ids=SET_CHAIN_FILES)
def test_proof_set_and_chain_vector_reproduces(name: str) -> None:
    """add_proof rebuilds the proof set (independent proofs) and the proof chain
    (``previousProof``) exactly: every configuration, signed proof, the documents chained proofs
    sign (``proofChainTempDoc*``) and the secured documents."""
    assert json.loads(set_chain_documents()[name]) == load(f"{SET_CHAIN}/{name}")


SET_CHAIN_SIGNED = sorted(n for n in SET_CHAIN_FILES if n.startswith("signed"))


@pytest.mark.parametrize("name", SET_CHAIN_SIGNED, ids=SET_CHAIN_SIGNED)
def test_proof_set_and_chain_vector_verifies(name: str) -> None:
    """Every proof of the secured set/chain vectors verifies, with previousProof resolved."""
    doc = load(f"{SET_CHAIN}/{name}")
    checks = verify_proofs(doc, resolve_key=resolve_did_key, now=NOW)
    proofs = doc["proof"] if isinstance(doc["proof"], list) else [doc["proof"]]
    assert [c.verification_method for c in checks] == [p["verificationMethod"] for p in proofs]


def test_every_vector_file_is_checked() -> None:
    """No vector file is left out of the tests above."""
    covered = {*SINGLE_FILES, *(f"{SET_CHAIN}/{n}" for n in SET_CHAIN_FILES)}
    inputs = {
        "keyPair.json",
        "unsigned.json",
        "employmentAuth.json",
        *(f"{SET_CHAIN}/{n}" for n in SET_CHAIN_INPUTS),
        # inputs of the single-proof steps (the proof options)
        *(f"{folder}/proofConfig{suffix}.json" for folder, (_, _, suffix) in SINGLE.items()),
        "Ed25519Signature2020/signedEdSig.json",  # checked by the legacy test
    }
    on_disk = {str(p.relative_to(VECTORS)) for p in VECTORS.rglob("*") if p.is_file()}
    assert on_disk == covered | inputs


# ------------------------------------------------------------------------------ registry


def test_both_suites_are_registered_for_ed25519() -> None:
    """Importing the Data Integrity layer registers both EdDSA suites, Ed25519 keys only."""
    assert {"eddsa-rdfc-2022", "eddsa-jcs-2022"} <= set(registered_cryptosuites())
    assert get_cryptosuite("eddsa-rdfc-2022") is EDDSA_RDFC_2022
    assert get_cryptosuite("eddsa-jcs-2022") is EDDSA_JCS_2022
    assert EDDSA_RDFC_2022.key_types == frozenset({"ed25519"})


# ------------------------------------------------------------------------------ tampering

SUITES = ["eddsa-rdfc-2022", "eddsa-jcs-2022"]
ISSUER_KEY = SET_CHAIN_KEYS["keyPair1"]
OTHER_KEY = SET_CHAIN_KEYS["keyPair2"]


def issued(suite: str, **kwargs: Any) -> dict[str, Any]:
    """The vectors' unsigned credential, issued by did:key keyPair1 with ``suite``."""
    unsigned = load("unsigned.json") | {"issuer": ISSUER_KEY.did_key()}
    kwargs.setdefault("created", datetime(2025, 1, 1, tzinfo=UTC))
    return add_proof(
        unsigned,
        ISSUER_KEY,
        cryptosuite=suite,
        verification_method=did_key_vm(ISSUER_KEY),
        **kwargs,
    )


def verify(doc: dict[str, Any], **kwargs: Any) -> list[ProofCheck]:
    kwargs.setdefault("resolve_key", resolve_did_key)
    kwargs.setdefault("now", NOW)
    return verify_proofs(doc, **kwargs)


@pytest.mark.parametrize("suite", SUITES)
def test_round_trip_verifies(suite: str) -> None:
    """A freshly issued credential verifies and reports its proof."""
    assert verify(issued(suite)) == [
        ProofCheck(
            suite, did_key_vm(ISSUER_KEY), "assertionMethod", datetime(2025, 1, 1, tzinfo=UTC)
        )
    ]


def test_add_proof_returns_a_new_document() -> None:
    """add_proof never modifies its input."""
    unsigned = load("unsigned.json")
    before = copy.deepcopy(unsigned)
    add_proof(
        unsigned,
        VECTOR_KEY,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=did_key_vm(VECTOR_KEY),
    )
    assert unsigned == before


def test_created_defaults_to_now_in_whole_seconds() -> None:
    """Without ``created``, the proof is stamped with the current UTC time, seconds precision."""
    before = datetime.now(UTC).replace(microsecond=0)
    doc = add_proof(
        load("unsigned.json"),
        VECTOR_KEY,
        cryptosuite="eddsa-jcs-2022",
        verification_method=did_key_vm(VECTOR_KEY),
    )
    stamp = doc["proof"]["created"]
    assert stamp.endswith("Z") and "." not in stamp
    assert before <= created_of(doc["proof"]) <= datetime.now(UTC)


Tamper = Callable[[dict[str, Any]], None]


def _claim(doc: dict[str, Any]) -> None:
    doc["credentialSubject"]["alumniOf"] = "The School of Forgery"


def _created(doc: dict[str, Any]) -> None:
    doc["proof"]["created"] = "2025-01-01T00:00:01Z"


def _valid_from(doc: dict[str, Any]) -> None:
    doc["validFrom"] = "2022-01-01T00:00:00Z"


def _added_claim(doc: dict[str, Any]) -> None:
    doc["credentialSubject"]["honours"] = "summa cum laude"


def _proof_value(doc: dict[str, Any]) -> None:
    signature = bytearray(base58btc_decode(doc["proof"]["proofValue"][1:]))
    signature[10] ^= 0x01
    doc["proof"]["proofValue"] = "z" + base58btc_encode(bytes(signature))


def _verification_method(doc: dict[str, Any]) -> None:
    # The issuer and the VM both switched to another did:key: the controller check passes,
    # the key is another one, the signature fails.
    doc["issuer"] = OTHER_KEY.did_key()
    doc["proof"]["verificationMethod"] = did_key_vm(OTHER_KEY)


TAMPERS: dict[str, Tamper] = {
    "changed-claim": _claim,
    "added-claim": _added_claim,
    "changed-validFrom": _valid_from,
    "changed-created": _created,
    "changed-verificationMethod": _verification_method,
    "flipped-signature-bit": _proof_value,
}


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize("tamper", TAMPERS.values(), ids=TAMPERS.keys())
def test_tampered_credential_is_invalid_proof(suite: str, tamper: Tamper) -> None:
    """Any change to a signed claim or proof option makes the proof fail: InvalidProof."""
    doc = issued(suite)
    tamper(doc)
    with pytest.raises(InvalidProof):
        verify(doc)


@pytest.mark.parametrize("suite", SUITES)
def test_changed_purpose_is_invalid_proof(suite: str) -> None:
    """A proof relabelled ``authentication`` fails the purpose check, and, if the verifier
    expects that purpose, the signature (the purpose is signed)."""
    doc = issued(suite)
    doc["proof"]["proofPurpose"] = "authentication"
    with pytest.raises(InvalidProof, match="purpose"):
        verify(doc)
    with pytest.raises(InvalidProof, match="does not verify"):
        verify(doc, expected_purpose="authentication")


@pytest.mark.parametrize("suite", SUITES)
def test_wrong_key_is_invalid_proof(suite: str) -> None:
    """A resolver that returns another Ed25519 key: the signature does not verify."""
    with pytest.raises(InvalidProof):
        verify(issued(suite), resolve_key=lambda vm: OTHER_KEY.public_key())


@pytest.mark.parametrize("suite", SUITES)
def test_key_type_the_suite_does_not_allow_is_invalid_proof(suite: str) -> None:
    """A P-256 key cannot verify an EdDSA proof, whatever the resolver says."""
    p256 = Key.generate("p256").public_key()
    with pytest.raises(InvalidProof, match="p256"):
        verify(issued(suite), resolve_key=lambda vm: p256)


@pytest.mark.parametrize(
    "proof_value",
    [
        pytest.param(None, id="missing"),
        pytest.param(42, id="number"),
        pytest.param("uAAAA", id="base64url-multibase"),
        pytest.param("z" + base58btc_encode(b"\x01" * 63), id="63-bytes"),
        pytest.param("z" + base58btc_encode(b"\x01" * 65), id="65-bytes"),
        pytest.param("z0OIl", id="not-base58"),
        pytest.param("", id="empty"),
    ],
)
def test_malformed_proof_value_is_invalid_input(proof_value: Any) -> None:
    """A proofValue that is not a base58btc multibase Ed25519 signature is InvalidInput."""
    doc = issued("eddsa-rdfc-2022")
    if proof_value is None:
        del doc["proof"]["proofValue"]
    else:
        doc["proof"]["proofValue"] = proof_value
    with pytest.raises(InvalidInput):
        verify(doc)


def test_wrong_proof_type_or_cryptosuite_is_refused() -> None:
    """Only DataIntegrityProof with a registered cryptosuite; the suite checks its own name."""
    doc = issued("eddsa-rdfc-2022")
    doc["proof"]["type"] = "Ed25519Signature2020"
    with pytest.raises(InvalidProof, match="unsupported proof type"):
        verify(doc)
    doc = issued("eddsa-rdfc-2022")
    doc["proof"]["cryptosuite"] = "eddsa-2022"
    with pytest.raises(InvalidInput, match="unsupported cryptosuite"):
        verify(doc)
    doc = issued("eddsa-rdfc-2022")
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    with pytest.raises(InvalidProof, match="cryptosuite"):
        EDDSA_JCS_2022.verify_proof(unsecured, doc["proof"], ISSUER_KEY.public_key())


def test_swapping_cryptosuite_names_breaks_the_proof() -> None:
    """Relabelling an rdfc proof as jcs (or back) does not verify: the name is signed."""
    doc = issued("eddsa-rdfc-2022")
    doc["proof"]["cryptosuite"] = "eddsa-jcs-2022"
    with pytest.raises(InvalidProof):
        verify(doc)


def test_no_proof_is_invalid_proof() -> None:
    """A document without proof does not verify."""
    with pytest.raises(InvalidProof, match="no proof"):
        verify(load("unsigned.json"))


def test_signer_not_controlled_by_the_issuer_is_refused() -> None:
    """Issuer did:key A, proof by did:key B: InvalidProof at verification, InvalidInput when
    signing (the issuer field is what a verifier trusts; another key cannot speak for it)."""
    doc = issued("eddsa-rdfc-2022")
    doc["issuer"] = OTHER_KEY.did_key()  # claims another issuer; the proof is ISSUER_KEY's
    with pytest.raises(InvalidProof, match="not controlled"):
        verify(doc)
    with pytest.raises(InvalidInput, match="not controlled"):
        add_proof(
            load("unsigned.json") | {"issuer": {"id": OTHER_KEY.did_key()}},
            ISSUER_KEY,
            cryptosuite="eddsa-rdfc-2022",
            verification_method=did_key_vm(ISSUER_KEY),
        )


def test_resolver_failure_is_a_resolution_error() -> None:
    """A resolver that raises something untyped becomes ResolutionError (never a KeyError)."""

    def broken(vm: str) -> Key:
        raise KeyError(vm)

    with pytest.raises(ResolutionError):
        verify(issued("eddsa-rdfc-2022"), resolve_key=broken)


# ------------------------------------------------------------------------------ time


def test_expired_proof_is_expired() -> None:
    """``expires`` in the past: Expired (check "validity")."""
    doc = issued("eddsa-rdfc-2022", expires=datetime(2025, 3, 1, tzinfo=UTC))
    verify(doc, now=datetime(2025, 2, 28, tzinfo=UTC))
    with pytest.raises(Expired):
        verify(doc, now=datetime(2025, 3, 1, tzinfo=UTC))


def test_proof_created_in_the_future_is_not_yet_valid() -> None:
    """``created`` beyond the allowed clock skew: NotYetValid; within it: accepted."""
    doc = issued("eddsa-jcs-2022", created=datetime(2025, 6, 1, 0, 4, tzinfo=UTC))
    verify(doc, now=NOW)  # 4 minutes ahead: within CLOCK_SKEW
    with pytest.raises(NotYetValid):
        verify(doc, now=NOW - CLOCK_SKEW)


def test_expires_before_created_is_refused_when_signing() -> None:
    """A proof that would expire before it is created is a caller error."""
    with pytest.raises(InvalidInput):
        issued("eddsa-rdfc-2022", expires=datetime(2024, 1, 1, tzinfo=UTC))


def test_naive_datetimes_are_refused() -> None:
    """Timestamps must be aware: a naive ``created`` or ``now`` is InvalidInput."""
    with pytest.raises(InvalidInput):
        issued("eddsa-rdfc-2022", created=datetime(2025, 1, 1))  # noqa: DTZ001
    with pytest.raises(InvalidInput):
        verify(issued("eddsa-rdfc-2022"), now=datetime(2025, 6, 1))  # noqa: DTZ001


def test_expired_credential_fails_verify_credential() -> None:
    """verify_credential also checks the credential's validity period (VCDM 2.0 §4.9)."""
    unsigned = load("unsigned.json") | {
        "issuer": ISSUER_KEY.did_key(),
        "validUntil": "2024-01-01T00:00:00Z",
    }
    doc = sign(
        unsigned,
        ISSUER_KEY,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=did_key_vm(ISSUER_KEY),
    )
    with pytest.raises(Expired):
        verify_credential(doc, resolve_key=resolve_did_key, now=NOW)


# ------------------------------------------------------------------------------ JSON-LD safety


def test_unknown_context_is_refused_when_signing_and_verifying() -> None:
    """A context that is not pinned is never fetched: UnknownContext (rdfc needs the context)."""
    unsigned = load("unsigned.json")
    unsigned["@context"].append("https://evil.example/v1")
    with pytest.raises(UnknownContext):
        add_proof(
            unsigned,
            VECTOR_KEY,
            cryptosuite="eddsa-rdfc-2022",
            verification_method=did_key_vm(VECTOR_KEY),
        )
    doc = load("eddsa-rdfc-2022/signedDataInt.json")
    doc["@context"].append("https://evil.example/v1")
    with pytest.raises(UnknownContext):
        verify(doc)
    with pytest.raises(UnknownContext):
        verify_credential(
            load("eddsa-jcs-2022/signedJCS.json") | {"@context": [V2, "https://evil.example/v1"]},
            resolve_key=resolve_did_key,
        )


def test_undefined_term_is_invalid_credential_when_signing() -> None:
    """eddsa-rdfc-2022 refuses to sign a term it cannot canonicalize (it would be unsigned)."""
    unsigned = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER_KEY.did_key(),
        "credentialSubject": {"id": "did:example:s", "nickname": "JJ"},
    }
    with pytest.raises(InvalidCredential, match="nickname"):
        add_proof(
            unsigned,
            ISSUER_KEY,
            cryptosuite="eddsa-rdfc-2022",
            verification_method=did_key_vm(ISSUER_KEY),
        )


def test_undefined_term_added_after_signing_is_invalid_credential() -> None:
    """Without data-loss detection, a term the contexts do not define could be added to an
    RDFC-signed credential and still "verify" (RDFC drops it). It is refused instead."""
    unsigned = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER_KEY.did_key(),
        "credentialSubject": {"id": "did:example:s", "name": "Jane"},
    }
    doc = sign(
        unsigned,
        ISSUER_KEY,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=did_key_vm(ISSUER_KEY),
    )
    verify(doc)
    doc["credentialSubject"]["isAdmin"] = True
    with pytest.raises(InvalidCredential, match="isAdmin"):
        verify(doc)


def test_jcs_context_must_start_with_the_proofs() -> None:
    """eddsa-jcs-2022 §3.3.2: contexts may be appended after signing, never reordered."""
    doc = issued("eddsa-jcs-2022")
    appended = copy.deepcopy(doc)
    appended["@context"] = [*appended["@context"], "https://w3id.org/citizenship/v4rc1"]
    verify(appended)
    reordered = copy.deepcopy(doc)
    reordered["@context"] = list(reversed(reordered["@context"]))
    with pytest.raises(InvalidProof, match="@context"):
        verify(reordered)


# ------------------------------------------------------------------------------ sets and chains


def test_adding_a_proof_makes_a_set_of_independent_proofs() -> None:
    """§2.1.1: a second proof turns ``proof`` into an array; neither proof signs the other."""
    doc = issued("eddsa-rdfc-2022")
    doc["issuer"] = "https://vc.example/issuers/5678"  # a non-DID issuer: any co-signer allowed
    doc.pop("proof")
    first = sign(
        doc, ISSUER_KEY, cryptosuite="eddsa-rdfc-2022", verification_method=did_key_vm(ISSUER_KEY)
    )
    both = sign(
        first, OTHER_KEY, cryptosuite="eddsa-jcs-2022", verification_method=did_key_vm(OTHER_KEY)
    )
    assert isinstance(both["proof"], list) and len(both["proof"]) == 2
    assert [c.cryptosuite for c in verify(both)] == ["eddsa-rdfc-2022", "eddsa-jcs-2022"]
    # Independent: the first proof is unchanged, and each proof verifies on its own.
    assert both["proof"][0] == first["proof"]
    verify(both | {"proof": both["proof"][1]})


def test_removing_an_unchained_proof_from_a_set_goes_unnoticed() -> None:
    """A proof set is unordered and unlinked (§2.1.1): dropping one member leaves a valid set.
    Use a chain (``previousProof``) when the removal of a proof must be detected."""
    doc = load(f"{SET_CHAIN}/signedProofSet2.json")
    doc["proof"] = doc["proof"][1:]
    assert len(verify(doc)) == 1


def test_removing_a_proof_that_a_chain_names_is_invalid_proof() -> None:
    """§2.1.2: a chained proof needs every proof it names; removing one breaks the chain."""
    doc = load(f"{SET_CHAIN}/signedProofChain2.json")
    del doc["proof"][0]
    with pytest.raises(InvalidProof, match="previousProof"):
        verify(doc)


def test_broken_previous_proof_reference_is_invalid_proof() -> None:
    """A previousProof that names no proof of the document fails, even if the rest verify."""
    doc = load(f"{SET_CHAIN}/signedProofChain2.json")
    doc["proof"][3]["previousProof"] = "urn:uuid:00000000-0000-0000-0000-000000000000"
    with pytest.raises(InvalidProof, match="previousProof"):
        verify(doc)


def test_renaming_a_chained_proof_breaks_the_chain() -> None:
    """Changing a referenced proof's id (and the reference) changes what the chain signed."""
    doc = load(f"{SET_CHAIN}/signedProofChain2.json")
    doc["proof"][2]["id"] = "urn:uuid:11111111-1111-1111-1111-111111111111"
    doc["proof"][3]["previousProof"] = doc["proof"][2]["id"]
    with pytest.raises(InvalidProof):
        verify(doc)


def test_tampering_with_a_previous_proof_breaks_the_chain() -> None:
    """The chained proof signs the previous proofs, proofValue included."""
    doc = load(f"{SET_CHAIN}/signedProofChain1.json")
    third = doc["proof"][2]
    unsecured = {k: v for k, v in doc.items() if k != "proof"} | {"proof": doc["proof"][:2]}
    EDDSA_RDFC_2022.verify_proof(unsecured, third, SET_CHAIN_KEYS["keyPair3"].public_key())
    unsecured["proof"][1] = dict(unsecured["proof"][1], created="2023-02-24T23:36:39Z")
    with pytest.raises(InvalidProof):
        EDDSA_RDFC_2022.verify_proof(unsecured, third, SET_CHAIN_KEYS["keyPair3"].public_key())


def test_duplicate_proof_ids_are_refused() -> None:
    """Two proofs with one id would make previousProof ambiguous: InvalidProof."""
    doc = load(f"{SET_CHAIN}/signedProofSet2.json")
    doc["proof"][1]["id"] = doc["proof"][0]["id"]
    with pytest.raises(InvalidProof, match="same id"):
        verify(doc)


def test_previous_proof_must_exist_when_signing() -> None:
    """add_proof refuses a previous_proof that names no existing proof."""
    with pytest.raises(InvalidInput, match="previous_proof"):
        add_proof(
            load(f"{SET_CHAIN}/signedProofSet1.json"),
            SET_CHAIN_KEYS["keyPair3"],
            cryptosuite="eddsa-rdfc-2022",
            verification_method=did_key_vm(SET_CHAIN_KEYS["keyPair3"]),
            previous_proof="urn:uuid:not-there",
        )


@pytest.mark.parametrize("suite", SUITES)
def test_chain_in_either_suite_round_trips(suite: str) -> None:
    """A chain made with add_proof(previous_proof=...) verifies, in both suites."""
    doc = issued(suite, proof_id="urn:uuid:first")
    chained = sign(
        doc,
        ISSUER_KEY,
        cryptosuite=suite,
        verification_method=did_key_vm(ISSUER_KEY),
        previous_proof="urn:uuid:first",
    )
    assert chained["proof"][1]["previousProof"] == "urn:uuid:first"
    assert len(verify(chained)) == 2
    chained["proof"][0]["created"] = "2025-01-01T00:00:01Z"
    with pytest.raises(InvalidProof):
        verify(chained)


# ------------------------------------------------------------------------------ presentations

HOLDER_KEY = SET_CHAIN_KEYS["keyPair4"]
CHALLENGE = "7a2f0b9e-challenge"
DOMAIN = "https://verifier.example"


def signed_presentation(
    *,
    challenge: str = CHALLENGE,
    domain: str | list[str] = DOMAIN,
    key: Key = HOLDER_KEY,
    **kwargs: Any,
) -> dict[str, Any]:
    credential = issued("eddsa-rdfc-2022")
    vp = create_presentation([credential], holder=HOLDER_KEY.did_key(), id="urn:uuid:vp-1")
    return add_proof(
        vp,
        key,
        cryptosuite=kwargs.pop("cryptosuite", "eddsa-rdfc-2022"),
        verification_method=did_key_vm(key),
        proof_purpose=kwargs.pop("proof_purpose", "authentication"),
        challenge=challenge,
        domain=domain,
        created=datetime(2025, 5, 1, tzinfo=UTC),
        **kwargs,
    )


def verify_vp(vp: dict[str, Any], **kwargs: Any) -> Any:
    kwargs.setdefault("resolve_key", resolve_did_key)
    kwargs.setdefault("challenge", CHALLENGE)
    kwargs.setdefault("domain", DOMAIN)
    kwargs.setdefault("now", NOW)
    return verify_presentation(vp, **kwargs)


def test_presentation_round_trip() -> None:
    """A holder-signed presentation (authentication, challenge, domain) verifies, and so does
    the credential inside it."""
    result = verify_vp(signed_presentation())
    assert [p.purpose for p in result.proofs] == ["authentication"]
    assert result.proofs[0].verification_method == did_key_vm(HOLDER_KEY)
    assert [[c.verification_method for c in checks] for checks in result.credentials] == [
        [did_key_vm(ISSUER_KEY)]
    ]


def test_create_presentation_shape() -> None:
    """create_presentation makes a VCDM 2.0 presentation that copies its credentials."""
    credential = issued("eddsa-jcs-2022")
    vp = create_presentation([credential], holder="did:example:holder")
    assert vp == {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "holder": "did:example:holder",
        "verifiableCredential": [credential],
    }
    assert vp["verifiableCredential"][0] is not credential


def test_presentation_with_wrong_challenge_is_nonce_mismatch() -> None:
    """A presentation made for another challenge (a replay): NonceMismatch."""
    with pytest.raises(NonceMismatch):
        verify_vp(signed_presentation(challenge="old-challenge"))


def test_presentation_with_wrong_domain_is_audience_mismatch() -> None:
    """A presentation made for another verifier: AudienceMismatch."""
    with pytest.raises(AudienceMismatch):
        verify_vp(signed_presentation(domain="https://other.example"))


def test_presentation_domain_sets() -> None:
    """A string domain must be one of the proof's; an array must equal them as a set."""
    vp = signed_presentation(domain=[DOMAIN, "https://second.example"])
    verify_vp(vp)
    verify_vp(vp, domain=["https://second.example", DOMAIN])
    with pytest.raises(AudienceMismatch):
        verify_vp(vp, domain=[DOMAIN])


def test_presentation_needs_a_challenge() -> None:
    """verify_presentation refuses to run without a challenge (replay protection)."""
    with pytest.raises(InvalidInput):
        verify_vp(signed_presentation(), challenge="")


def test_presentation_proof_purpose_must_be_authentication() -> None:
    """A presentation signed with assertionMethod does not authenticate the holder."""
    with pytest.raises(InvalidProof, match="purpose"):
        verify_vp(signed_presentation(proof_purpose="assertionMethod"))


def test_presentation_signed_by_someone_else_than_the_holder_is_refused() -> None:
    """The holder is a DID: only its keys may sign the presentation (checked before the
    signature at verification; refused outright when signing)."""
    vp = signed_presentation()
    vp["proof"]["verificationMethod"] = did_key_vm(OTHER_KEY)
    with pytest.raises(InvalidProof, match="not controlled by the holder"):
        verify_vp(vp)
    with pytest.raises(InvalidInput, match="not controlled by the holder"):
        signed_presentation(key=OTHER_KEY)


def test_presentation_with_tampered_credential_is_invalid_proof() -> None:
    """Changing the embedded credential breaks both the presentation's and the credential's
    proof; re-signing the presentation still leaves the credential's proof broken."""
    vp = signed_presentation()
    vp["verifiableCredential"][0]["credentialSubject"]["alumniOf"] = "Forged"
    with pytest.raises(InvalidProof):
        verify_vp(vp)
    vp.pop("proof")
    resigned = sign(
        vp,
        HOLDER_KEY,
        cryptosuite="eddsa-jcs-2022",
        verification_method=did_key_vm(HOLDER_KEY),
        proof_purpose="authentication",
        challenge=CHALLENGE,
        domain=DOMAIN,
    )
    with pytest.raises(InvalidProof):
        verify_vp(resigned)


def test_presentation_with_expired_credential_is_expired() -> None:
    """verify_presentation checks each credential's validity period."""
    unsigned = load("unsigned.json") | {
        "issuer": ISSUER_KEY.did_key(),
        "validUntil": "2025-02-01T00:00:00Z",
    }
    credential = sign(
        unsigned,
        ISSUER_KEY,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=did_key_vm(ISSUER_KEY),
    )
    vp = sign(
        create_presentation([credential]),
        HOLDER_KEY,
        cryptosuite="eddsa-jcs-2022",
        verification_method=did_key_vm(HOLDER_KEY),
        proof_purpose="authentication",
        challenge=CHALLENGE,
        domain=DOMAIN,
    )
    with pytest.raises(Expired):
        verify_vp(vp)


def test_expired_presentation_proof_is_expired() -> None:
    """A presentation proof with ``expires`` in the past: Expired."""
    vp = signed_presentation(expires=datetime(2025, 5, 2, tzinfo=UTC))
    with pytest.raises(Expired):
        verify_vp(vp)


def test_enveloped_credentials_need_their_own_verifier() -> None:
    """An enveloped credential (JOSE, SD-JWT) is not accepted unchecked: without
    ``verify_enveloped`` the presentation is refused; with one, it is called."""
    envelope = {
        "@context": V2,
        "id": "data:application/vc+jwt,eyJhbGciOiJFUzI1NiJ9.e30.sig",
        "type": "EnvelopedVerifiableCredential",
    }
    vp = sign(
        create_presentation([issued("eddsa-rdfc-2022"), envelope], holder=HOLDER_KEY.did_key()),
        HOLDER_KEY,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=did_key_vm(HOLDER_KEY),
        proof_purpose="authentication",
        challenge=CHALLENGE,
        domain=DOMAIN,
    )
    with pytest.raises(InvalidInput, match="enveloped"):
        verify_vp(vp)
    seen: list[str] = []
    result = verify_vp(vp, verify_enveloped=lambda entry: seen.append(entry["id"]))
    assert seen == [envelope["id"]]
    assert len(result.credentials) == 1


# ------------------------------------------------------------------------------ properties


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.integers(min_value=0, max_value=63), bit=st.integers(min_value=0, max_value=7))
def test_any_signature_bit_flip_never_verifies(position: int, bit: int) -> None:
    """Flipping any single bit of the Ed25519 signature in proofValue makes it fail."""
    doc = _signed_once()
    signature = bytearray(base58btc_decode(doc["proof"]["proofValue"][1:]))
    signature[position] ^= 1 << bit
    tampered = copy.deepcopy(doc)
    tampered["proof"]["proofValue"] = "z" + base58btc_encode(bytes(signature))
    with pytest.raises((InvalidProof, InvalidInput)):
        verify(tampered)


@functools.cache
def _signed_once_json() -> str:
    return json.dumps(issued("eddsa-jcs-2022"))


def _signed_once() -> dict[str, Any]:
    return json.loads(_signed_once_json())  # type: ignore[no-any-return]


@settings(max_examples=30, deadline=None)
@given(claim=st.text(max_size=40))
def test_any_changed_claim_never_verifies(claim: str) -> None:
    """Whatever the new value of a signed claim, the eddsa-jcs-2022 proof fails."""
    doc = _signed_once()
    assume(claim != doc["credentialSubject"]["alumniOf"])
    doc["credentialSubject"]["alumniOf"] = claim
    with pytest.raises(InvalidProof):
        verify(doc)


# ------------------------------------------------------------------------------ contexts


@pytest.mark.parametrize("suite", SUITES)
def test_data_integrity_context_is_appended_when_no_context_defines_its_terms(suite: str) -> None:
    """§2.4: securing a document whose contexts do not define the Data Integrity terms adds
    the data-integrity/v2 context (under a bare ``@vocab`` the proof's terms would otherwise
    silently mean something else); the result verifies."""
    vocab = {"@vocab": "https://vocab.example/#"}
    document = {"@context": vocab, "id": "urn:uuid:doc-1", "name": "x"}
    doc = sign(document, VECTOR_KEY, cryptosuite=suite, verification_method=did_key_vm(VECTOR_KEY))
    assert doc["@context"] == [vocab, "https://w3id.org/security/data-integrity/v2"]
    assert len(verify(doc)) == 1


def test_data_integrity_context_is_added_to_a_plain_json_document() -> None:
    """§2.4: a document without ``@context`` gets the data-integrity/v2 context (jcs)."""
    document = {"id": "urn:uuid:doc-1", "name": "x"}
    vm = did_key_vm(VECTOR_KEY)
    doc = sign(document, VECTOR_KEY, cryptosuite="eddsa-jcs-2022", verification_method=vm)
    assert doc["@context"] == "https://w3id.org/security/data-integrity/v2"
    assert len(verify(doc)) == 1
    # With RDFC, "name" is then an undefined term: refused rather than signed without it.
    with pytest.raises(InvalidCredential, match="name"):
        sign(document, VECTOR_KEY, cryptosuite="eddsa-rdfc-2022", verification_method=vm)


def test_credentials_context_already_defines_the_data_integrity_terms() -> None:
    """No context is added to a VCDM 2.0 document: credentials/v2 defines the proof terms."""
    doc = issued("eddsa-rdfc-2022")
    assert doc["@context"] == load("unsigned.json")["@context"]
