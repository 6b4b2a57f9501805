"""bbs-2023 (W3C Data Integrity BBS Cryptosuites v1.0) and the selective-disclosure primitives.

Vectors: ``tests/vectors/w3c-vc-di-bbs`` (see its README). Every deterministic value in them
reproduces: canonical and HMAC-relabeled N-Quads, the mandatory/non-mandatory split, the
proof-configuration and mandatory hashes, the BBS header, the base signature and the serialized
base proof (BBS signatures are deterministic), and on the holder's side the label map,
mandatory and selective indexes, group data and reveal document. The vectors' BBS *proofs*
were made with fresh randomness (the mocked scalars of ``BBSDeriveMaterial.json`` do not
reproduce them), so derived proofs are verified rather than reproduced, and re-serialized byte
for byte from their parsed components.

The optional features (``HolderBinding/``, ``Pseudonym/``, ``PseudonymHB/``) need Blind BBS and
pseudonyms, which ``zk`` does not have yet: their deterministic parts (canonicalization,
grouping, hashes, BBS header, disclosure indexes, reveal document) are checked, and their proof
values are refused with :class:`InvalidInput`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vc_service import _di_sd as sd
from vc_service._bbs2023 import (
    BBS_2023,
    DerivedProofValue,
    DisclosurePlan,
    create_disclosure_data,
    create_proof,
    create_verify_data,
    derive_proof,
    parse_base_proof_value,
    parse_derived_proof_value,
    plan_disclosure,
    serialize_derived_proof_value,
    verify_base_proof,
    verify_proof,
)
from vc_service._cryptosuite import get_cryptosuite
from vc_service._errors import (
    InvalidCredential,
    InvalidInput,
    InvalidProof,
    NonceMismatch,
)
from vc_service._keys import Key
from vc_service._multibase import b64url_decode, b64url_encode
from zk import bbs

VECTORS = Path(__file__).parent / "vectors" / "w3c-vc-di-bbs" / "TestVectors"

# folder -> (mandatory pointers file, selective pointers file)
BASELINE = {
    "": ("windMandatory.json", "windSelective.json"),
    "prc/": ("prCredMandatory.json", "prCredSelective.json"),
}
FEATURES = {
    f"{name}/": ("FeatureInputs/licenseMandatory.json", "FeatureInputs/licenseSelective.json")
    for name in ("HolderBinding", "Pseudonym", "PseudonymHB")
}
FOLDERS = {**BASELINE, **FEATURES}


@cache
def _read(path: str) -> Any:
    return json.loads((VECTORS / path).read_text("utf-8"))


def load(path: str) -> Any:
    """A vector file (a fresh copy: tests may modify it)."""
    return copy.deepcopy(_read(path))


def files(name: str, folders: dict[str, Any] = FOLDERS) -> list[str]:
    """``name`` in each folder that has it: the test ids."""
    return [f + name for f in folders if (VECTORS / (f + name)).exists()]


def folder_of(path: str) -> str:
    """``"prc/"`` for ``"prc/addHashData.json"``, ``""`` for the root folder's files."""
    return path.rsplit("/", 1)[0] + "/" if "/" in path else ""


def unsigned(folder: str) -> dict[str, Any]:
    """The signed input document without its proof (the README explains why not
    ``prCredUnsigned.json``)."""
    document: dict[str, Any] = load(folder + "addSignedSDBase.json")
    del document["proof"]
    return document


def pointers(folder: str) -> tuple[list[str], list[str]]:
    """The folder's (mandatory, selective) JSON pointers."""
    mandatory, selective = FOLDERS[folder]
    return load(mandatory), load(selective)


def issuer_key() -> Key:
    material = load("BBSKeyMaterial.json")
    return Key.from_jwk(
        {
            "kty": "OKP",
            "crv": "BLS12381G2",
            "x": b64url_encode(bytes.fromhex(material["publicKeyHex"])),
            "d": b64url_encode(bytes.fromhex(material["privateKeyHex"])),
        }
    )


ISSUER = issuer_key()
ISSUER_PUBLIC = ISSUER.public_key()
HMAC_KEY = bytes.fromhex(load("BBSKeyMaterial.json")["hmacKeyString"])
PRESENTATION_HEADER = bytes.fromhex(load("BBSDeriveMaterial.json")["presentationHeaderHex"])


def groups_of(folder: str) -> sd.CanonicalGroups:
    mandatory, selective = pointers(folder)
    return sd.canonicalize_and_group(
        unsigned(folder),
        sd.create_shuffled_id_label_map_function(HMAC_KEY),
        {"mandatory": mandatory, "selective": selective, "combined": mandatory + selective},
    )


def plan_of(folder: str) -> DisclosurePlan:
    mandatory, selective = pointers(folder)
    return plan_disclosure(
        unsigned(folder),
        hmac_key=HMAC_KEY,
        mandatory_pointers=mandatory,
        selective_pointers=selective,
    )


def as_map(entries: dict[int, str]) -> list[list[Any]]:
    """A group map in the vectors' ``{"dataType": "Map", "value": [[k, v], ...]}`` form."""
    return [[k, v] for k, v in entries.items()]


_RANDOM = re.compile(r"_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_")


def without_random(value: Any) -> Any:
    """Skolem IRIs carry a fresh UUID per run; replace it to compare with the vectors."""
    return json.loads(_RANDOM.sub("_R_", json.dumps(value)))


# ============================================================================== issuer vectors


@pytest.mark.parametrize("path", files("addBaseDocCanon.json"), ids=str)
def test_canonical_nquads_reproduce(path: str) -> None:
    nquads, _ = sd.canonicalize_nquads(sd.to_nquads(sd.expand_strict(unsigned(folder_of(path)))))
    assert nquads == load(path)


@pytest.mark.parametrize("path", files("addBaseDocHMACCanon.json"), ids=str)
def test_hmac_shuffled_nquads_reproduce(path: str) -> None:
    result = sd.canonicalize_and_group(
        unsigned(folder_of(path)), sd.create_shuffled_id_label_map_function(HMAC_KEY), {}
    )
    assert result.nquads == load(path)


@pytest.mark.parametrize("path", files("addBaseTransform.json"), ids=str)
def test_mandatory_and_non_mandatory_groups_reproduce(path: str) -> None:
    expected = load(path)
    group = groups_of(folder_of(path)).groups["mandatory"]
    assert expected["mandatoryPointers"] == pointers(folder_of(path))[0]
    assert as_map(group.matching) == expected["mandatory"]["value"]
    assert as_map(group.non_matching) == expected["nonMandatory"]["value"]


@pytest.mark.parametrize("path", files("addProofConfigCanon.txt"), ids=str)
def test_proof_configuration_canonical_form_and_hash_reproduce(path: str) -> None:
    folder = folder_of(path)
    config = load(folder + "addProofConfig.json")
    canonical, _ = sd.canonicalize_nquads(sd.to_nquads(sd.expand_strict(config)))
    assert "".join(canonical) == (VECTORS / path).read_text("utf-8")
    expected = load(folder + "addHashData.json")["proofHash"]
    assert hashlib.sha256("".join(canonical).encode()).hexdigest() == expected


@pytest.mark.parametrize("path", files("addHashData.json"), ids=str)
def test_mandatory_hash_reproduces(path: str) -> None:
    group = groups_of(folder_of(path)).groups["mandatory"]
    digest = sd.hash_mandatory_nquads(list(group.matching.values()))
    assert digest.hex() == load(path)["mandatoryHash"]


@pytest.mark.parametrize("path", files("addRawBaseSignatureInfo.json", FEATURES), ids=str)
def test_feature_vectors_bbs_header_reproduces(path: str) -> None:
    # proofHash || mandatoryHash; the features sign it with Blind BBS, which zk lacks.
    hashes = load(folder_of(path) + "addHashData.json")
    assert load(path)["bbsHeader"] == hashes["proofHash"] + hashes["mandatoryHash"]
    assert load(path)["publicKey"] == ISSUER.public.hex()
    assert load(path)["hmacKey"] == HMAC_KEY.hex()


def _base_proof(folder: str) -> dict[str, Any]:
    options = load(folder + "addProofConfig.json")
    del options["@context"]  # the proof configuration borrows the document's context
    return create_proof(
        unsigned(folder),
        options,
        ISSUER,
        mandatory_pointers=pointers(folder)[0],
        unsafe_hmac_key=HMAC_KEY,
    )


@pytest.mark.parametrize("path", files("addRawBaseSignatureInfo.json", BASELINE), ids=str)
def test_base_signature_reproduces(path: str) -> None:
    expected = load(path)
    base = parse_base_proof_value(_base_proof(folder_of(path))["proofValue"])
    assert base.bbs_signature.hex() == expected["bbsSignature"]
    assert list(base.mandatory_pointers) == expected["mandatoryPointers"]


@pytest.mark.parametrize("path", files("addSignedSDBase.json", BASELINE), ids=str)
def test_base_proof_reproduces_byte_for_byte(path: str) -> None:
    assert _base_proof(folder_of(path)) == load(path)["proof"]


@pytest.mark.parametrize("path", files("addSignedSDBase.json", BASELINE), ids=str)
def test_holder_accepts_the_vector_base_proof(path: str) -> None:
    verify_base_proof(unsigned(folder_of(path)), load(path)["proof"], ISSUER_PUBLIC)


@pytest.mark.parametrize("path", files("addPointerValues.json", BASELINE), ids=str)
def test_json_pointers_select_the_vector_values(path: str) -> None:
    # The root folder's pointers are written relative to credentialSubject, prc/'s to the root.
    document = unsigned(folder_of(path))
    base = document["credentialSubject"] if folder_of(path) == "" else document
    for entry in load(path):
        value: Any = base
        for segment in sd.json_pointer_to_paths(entry["pointer"]):
            value = value[segment]
        assert value == entry["value"]


# ============================================================================== holder vectors


@pytest.mark.parametrize("path", files("derivedRecoveredBaseData.json", BASELINE), ids=str)
def test_base_proof_value_parses_into_the_vector_components(path: str) -> None:
    expected = load(path)
    base = parse_base_proof_value(
        load(folder_of(path) + "addSignedSDBase.json")["proof"]["proofValue"]
    )
    assert base.bbs_signature.hex() == expected["bbsSignature"]
    assert base.hmac_key.hex() == expected["hmacKey"]
    assert list(base.mandatory_pointers) == expected["mandatoryPointers"]
    assert base.public_key == ISSUER.public


@pytest.mark.parametrize("path", files("derivedGroupIndexes.json"), ids=str)
def test_group_indexes_reproduce(path: str) -> None:
    expected = load(path)
    groups = groups_of(folder_of(path)).groups
    assert list(groups["combined"].matching) == expected["combinedIndexes"]
    assert list(groups["mandatory"].matching) == expected["mandatoryIndexes"]
    assert list(groups["mandatory"].non_matching) == expected["nonMandatoryIndexes"]
    assert list(groups["selective"].matching) == expected["selectiveIndexes"]


@pytest.mark.parametrize("path", files("derivedAdjIndexes.json"), ids=str)
def test_adjusted_indexes_reproduce(path: str) -> None:
    expected = load(path)
    plan = plan_of(folder_of(path))
    assert list(plan.mandatory_indexes) == expected["adjMandatoryIndexes"]
    assert list(plan.selective_indexes) == expected["adjSelectiveIndexes"]


@pytest.mark.parametrize("path", files("derivedDisclosureData.json"), ids=str)
def test_disclosure_data_reproduces_except_the_random_bbs_proof(path: str) -> None:
    expected = load(path)
    plan = plan_of(folder_of(path))
    assert plan.label_map == dict(expected["labelMap"]["value"])
    assert list(plan.mandatory_indexes) == expected["mandatoryIndexes"]
    assert list(plan.selective_indexes) == expected["adjSelectiveIndexes"]
    header = bytes(expected["presentationHeader"][str(i)] for i in range(4))
    assert header == PRESENTATION_HEADER
    if "lengthBBSMessages" in expected:
        assert len(plan.messages) == expected["lengthBBSMessages"]


@pytest.mark.parametrize("path", files("derivedDisclosureData.json", BASELINE), ids=str)
def test_disclosure_data_from_the_base_proof(path: str) -> None:
    folder = folder_of(path)
    expected = load(path)
    data = create_disclosure_data(
        unsigned(folder),
        load(folder + "addSignedSDBase.json")["proof"],
        pointers(folder)[1],
        PRESENTATION_HEADER,
    )
    assert data.label_map == dict(expected["labelMap"]["value"])
    assert list(data.mandatory_indexes) == expected["mandatoryIndexes"]
    assert list(data.selective_indexes) == expected["adjSelectiveIndexes"]
    assert data.reveal_document == load(folder + "derivedUnsignedReveal.json")
    assert len(data.bbs_proof) == len(bytes.fromhex(expected["bbsProof"]))


@pytest.mark.parametrize("path", files("derivedUnsignedReveal.json"), ids=str)
def test_reveal_document_reproduces(path: str) -> None:
    assert plan_of(folder_of(path)).reveal_document == load(path)


@pytest.mark.parametrize("path", files("derivedAllGroupData.json"), ids=str)
def test_all_group_data_reproduces(path: str) -> None:
    expected = load(path)
    result = groups_of(folder_of(path))
    for name in ("mandatory", "selective", "combined"):
        group, want = result.groups[name], expected["groups"][name]
        assert as_map(group.matching) == want["matching"]["value"], name
        assert as_map(group.non_matching) == want["nonMatching"]["value"], name
        assert without_random(group.deskolemized_nquads) == without_random(
            want["deskolemizedNQuads"]
        )
    assert result.nquads == expected["nquads"]
    assert without_random(result.label_map) == without_random(dict(expected["labelMap"]["value"]))
    assert without_random(result.deskolemized_nquads) == without_random(
        expected["deskolemizedNQuads"]
    )
    assert without_random(result.skolemized_compact) == without_random(
        expected["skolemized"]["compact"]
    )
    assert without_random(result.skolemized_expanded) == without_random(
        expected["skolemized"]["expanded"]
    )


# ============================================================================== verifier vectors


def revealed(folder: str) -> tuple[dict[str, Any], dict[str, Any]]:
    document = load(folder + "derivedRevealDocument.json")
    return document, document.pop("proof")


@pytest.mark.parametrize("path", files("derivedRevealDocument.json", BASELINE), ids=str)
def test_vector_derived_proof_verifies(path: str) -> None:
    document, proof = revealed(folder_of(path))
    verify_proof(document, proof, ISSUER_PUBLIC)
    get_cryptosuite("bbs-2023").verify_proof(document, proof, ISSUER_PUBLIC)


@pytest.mark.parametrize("path", files("derivedRevealDocument.json", BASELINE), ids=str)
def test_derived_proof_value_parses_and_reserializes_byte_for_byte(path: str) -> None:
    folder = folder_of(path)
    _, proof = revealed(folder)
    expected = load(folder + "derivedDisclosureData.json")
    value = parse_derived_proof_value(proof["proofValue"])
    assert value.bbs_proof.hex() == expected["bbsProof"]
    assert value.label_map == dict(expected["labelMap"]["value"])
    assert list(value.mandatory_indexes) == expected["mandatoryIndexes"]
    assert list(value.selective_indexes) == expected["adjSelectiveIndexes"]
    assert value.presentation_header == PRESENTATION_HEADER
    assert serialize_derived_proof_value(value) == proof["proofValue"]
    # The same proof value from our own disclosure data and the vector's (random) BBS proof.
    plan = plan_of(folder)
    ours = DerivedProofValue(
        value.bbs_proof,
        plan.label_map,
        plan.mandatory_indexes,
        plan.selective_indexes,
        PRESENTATION_HEADER,
    )
    assert serialize_derived_proof_value(ours) == proof["proofValue"]


@pytest.mark.parametrize("path", files("verifyDerivedProofValue.json", BASELINE), ids=str)
def test_verify_derived_proof_value_components(path: str) -> None:
    expected = load(path)
    value = parse_derived_proof_value(revealed(folder_of(path))[1]["proofValue"])
    assert value.bbs_proof.hex() == expected["bbsProof"]
    assert value.label_map == dict(expected["labelMap"])
    assert list(value.mandatory_indexes) == expected["mandatoryIndexes"]
    assert list(value.selective_indexes) == expected["adjSelectedIndexes"]


@pytest.mark.parametrize("path", files("verifyNQuads.json"), ids=str)
def test_verifier_nquads_reproduce(path: str) -> None:
    document, _ = revealed(folder_of(path))
    label_map = dict(load(folder_of(path) + "derivedDisclosureData.json")["labelMap"]["value"])
    nquads, _ = sd.label_replacement_canonicalize_json_ld(
        document, sd.create_label_map_function(label_map)
    )
    assert nquads == load(path)


@pytest.mark.parametrize("path", files("verifyNQuads.json", BASELINE), ids=str)
def test_verify_data_splits_the_vector_nquads(path: str) -> None:
    document, proof = revealed(folder_of(path))
    data = create_verify_data(document, proof)
    nquads = load(path)
    mandatory_indexes = load(folder_of(path) + "derivedDisclosureData.json")["mandatoryIndexes"]
    mandatory = [nq for i, nq in enumerate(nquads) if i in mandatory_indexes]
    assert data.non_mandatory == [nq for nq in nquads if nq not in mandatory]
    expected_hash = load(folder_of(path) + "addHashData.json")["mandatoryHash"]
    assert data.mandatory_hash.hex() == expected_hash
    assert data.proof_hash.hex() == load(folder_of(path) + "addHashData.json")["proofHash"]


@pytest.mark.parametrize(
    "path",
    files("addSignedSDBase.json", FEATURES) + files("derivedRevealDocument.json", FEATURES),
    ids=str,
)
def test_optional_feature_proofs_are_refused_as_unsupported(path: str) -> None:
    document = load(path)
    proof = document.pop("proof")
    with pytest.raises(InvalidInput, match="not supported"):
        verify_proof(document, proof, ISSUER_PUBLIC)
    with pytest.raises(InvalidInput, match="not supported"):
        verify_base_proof(document, proof, ISSUER_PUBLIC)
    with pytest.raises(InvalidInput, match="not supported"):
        derive_proof({**document, "proof": proof}, selective_pointers=["/issuer"])


def test_vector_proofs_were_not_made_with_the_mocked_scalars() -> None:
    # Documents why the vectors' BBS proofs are verified, not reproduced: the mocked random
    # scalars (draft-irtf-cfrg-bbs-signatures §C.1) from the vectors' seed give another proof.
    folder = ""
    seed = bytes.fromhex(load("BBSDeriveMaterial.json")["pseudoRandSeedHex"])
    plan = plan_of(folder)
    count = 5 + len(plan.messages) - len(plan.selective_indexes)
    scalars = bbs.BLS12_381_SHA256.unsafe_seeded_random_scalars(seed, count)
    data = create_disclosure_data(
        unsigned(folder),
        load("addSignedSDBase.json")["proof"],
        pointers(folder)[1],
        PRESENTATION_HEADER,
        unsafe_random_scalars=scalars,
    )
    assert data.bbs_proof.hex() != load("derivedDisclosureData.json")["bbsProof"]


# ============================================================================== round trips


def credential() -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://w3id.org/citizenship/v4rc1"],
        "type": ["VerifiableCredential", "PermanentResidentCardCredential"],
        "issuer": "did:example:civil-registry",
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["PermanentResident", "Person"],
            "givenName": "ANNA MARIA",
            "familyName": "ERIKSSON",
            "birthDate": "1974-08-12",
            "birthCountry": "Utopia",
            "permanentResidentCard": {
                "type": ["PermanentResidentCard"],
                "identifier": "83627465",
                "lprCategory": "C09",
            },
        },
    }


OPTIONS = {
    "type": "DataIntegrityProof",
    "cryptosuite": "bbs-2023",
    "created": "2025-01-01T00:00:00Z",
    "verificationMethod": "did:example:civil-registry#key-1",
    "proofPurpose": "assertionMethod",
}
MANDATORY = ["/issuer", "/validFrom"]
SELECTIVE = [
    "/credentialSubject/birthCountry",
    "/credentialSubject/permanentResidentCard/lprCategory",
]


@cache
def _fresh_key() -> Key:
    return Key.generate("bls12381g2")


@cache
def _signed() -> str:
    document = credential()
    document["proof"] = create_proof(
        credential(), OPTIONS, _fresh_key(), mandatory_pointers=MANDATORY
    )
    return json.dumps(document)


def signed() -> dict[str, Any]:
    """A credential with a fresh base proof (fresh issuer key, random HMAC key)."""
    document: dict[str, Any] = json.loads(_signed())
    return document


@cache
def _presentation(header: bytes) -> str:
    return json.dumps(
        derive_proof(signed(), selective_pointers=SELECTIVE, presentation_header=header)
    )


def presentation(header: bytes = b"nonce-123") -> tuple[dict[str, Any], dict[str, Any]]:
    """A derived presentation of :func:`signed`, split into (document, proof)."""
    document: dict[str, Any] = json.loads(_presentation(header))
    return document, document.pop("proof")


def issuer_public() -> Key:
    return _fresh_key().public_key()


def test_issue_derive_verify_round_trip_reveals_only_the_selection() -> None:
    document, proof = presentation()
    verify_proof(document, proof, issuer_public(), expected_presentation_header=b"nonce-123")
    subject = document["credentialSubject"]
    assert subject["birthCountry"] == "Utopia"
    assert subject["permanentResidentCard"] == {
        "type": ["PermanentResidentCard"],
        "lprCategory": "C09",
    }
    assert "givenName" not in subject and "birthDate" not in subject
    assert document["issuer"] == "did:example:civil-registry"
    assert proof["cryptosuite"] == "bbs-2023" and proof["created"] == OPTIONS["created"]


def test_holder_verifies_a_fresh_base_proof() -> None:
    document = signed()
    proof = document.pop("proof")
    verify_base_proof(document, proof, issuer_public())
    BBS_2023.verify_base_proof(document, proof, issuer_public())


def test_mandatory_only_presentation_verifies() -> None:
    derived = BBS_2023.derive_proof(signed(), selective_pointers=[])
    proof = derived.pop("proof")
    assert set(derived) == {"@context", "type", "issuer", "validFrom"}
    verify_proof(derived, proof, issuer_public())


def test_selecting_a_mandatory_statement_again_changes_nothing() -> None:
    def indexes(selective: list[str]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        derived = derive_proof(signed(), selective_pointers=selective)
        proof = derived.pop("proof")
        verify_proof(derived, proof, issuer_public())
        value = parse_derived_proof_value(proof["proofValue"])
        return value.mandatory_indexes, value.selective_indexes

    alone = indexes(["/credentialSubject/birthDate"])
    assert indexes(["/issuer", "/credentialSubject/birthDate"]) == alone


def test_each_base_proof_uses_a_fresh_hmac_key() -> None:
    one = create_proof(credential(), OPTIONS, _fresh_key(), mandatory_pointers=MANDATORY)
    two = create_proof(credential(), OPTIONS, _fresh_key(), mandatory_pointers=MANDATORY)
    assert (
        parse_base_proof_value(one["proofValue"]).hmac_key
        != parse_base_proof_value(two["proofValue"]).hmac_key
    )


def test_two_presentations_of_one_credential_share_no_proof_bytes() -> None:
    first = derive_proof(signed(), selective_pointers=SELECTIVE)["proof"]["proofValue"]
    second = derive_proof(signed(), selective_pointers=SELECTIVE)["proof"]["proofValue"]
    a = parse_derived_proof_value(first).bbs_proof
    b = parse_derived_proof_value(second).bbs_proof
    assert a != b
    # Not one of the three G1 points (Abar, Bbar, D) repeats: nothing to correlate on.
    assert {a[i : i + 48] for i in (0, 48, 96)}.isdisjoint({b[i : i + 48] for i in (0, 48, 96)})


def test_derive_with_fixed_scalars_is_reproducible() -> None:
    document = signed()
    base = parse_base_proof_value(document.pop("proof")["proofValue"])
    plan = plan_disclosure(
        document,
        hmac_key=base.hmac_key,
        mandatory_pointers=base.mandatory_pointers,
        selective_pointers=SELECTIVE,
    )
    scalars = list(range(1, 5 + len(plan.messages) - len(plan.selective_indexes) + 1))
    documents = [
        derive_proof(signed(), selective_pointers=SELECTIVE, unsafe_random_scalars=scalars)
        for _ in range(2)
    ]
    assert documents[0] == documents[1]
    assert {k: v for k, v in documents[0].items() if k != "proof"} == plan.reveal_document


def test_bbs_2023_is_registered_as_a_cryptosuite() -> None:
    suite = get_cryptosuite("bbs-2023")
    assert suite is BBS_2023
    assert suite.name == "bbs-2023"
    assert suite.key_types == frozenset({"bls12381g2"})
    proof = suite.create_proof(credential(), OPTIONS, _fresh_key(), mandatory_pointers=MANDATORY)
    assert parse_base_proof_value(proof["proofValue"]).mandatory_pointers == tuple(MANDATORY)


# ============================================================================== negative: verifier


def _set(document: dict[str, Any], pointer: str, value: Any) -> None:
    *parents, last = sd.json_pointer_to_paths(pointer)
    target: Any = document
    for segment in parents:
        target = target[segment]
    target[last] = value


def _delete(document: dict[str, Any], pointer: str) -> None:
    *parents, last = sd.json_pointer_to_paths(pointer)
    target: Any = document
    for segment in parents:
        target = target[segment]
    del target[last]


@pytest.mark.parametrize(
    ("change", "pointer", "value"),
    [
        pytest.param("set", "/credentialSubject/birthCountry", "Arcadia",
                     id="tampered-revealed-claim"),
        pytest.param("set", "/credentialSubject/permanentResidentCard/lprCategory", "C10",
                     id="tampered-nested-revealed-claim"),
        pytest.param("set", "/issuer", "did:example:forger", id="tampered-mandatory-claim"),
        pytest.param("set", "/validFrom", "2020-01-01T00:00:00Z", id="tampered-mandatory-date"),
        pytest.param("del", "/validFrom", None, id="removed-mandatory-claim"),
        pytest.param("del", "/credentialSubject/birthCountry", None, id="removed-revealed-claim"),
        pytest.param("set", "/credentialSubject/birthDate", "1974-08-12", id="added-hidden-claim"),
        pytest.param("set", "/credentialSubject/givenName", "EVE", id="added-forged-claim"),
        pytest.param("set", "/type", ["VerifiableCredential"], id="removed-type"),
    ],
)  # fmt: skip
def test_changed_reveal_document_is_rejected(change: str, pointer: str, value: Any) -> None:
    document, proof = presentation()
    if change == "set":
        _set(document, pointer, value)
    else:
        _delete(document, pointer)
    with pytest.raises(InvalidProof):
        verify_proof(document, proof, issuer_public())


def test_added_blank_node_is_rejected() -> None:
    document, proof = presentation()
    document["credentialSubject"]["permanentResidentCard"] = [
        document["credentialSubject"]["permanentResidentCard"],
        {"type": ["PermanentResidentCard"], "lprCategory": "C09"},
    ]
    with pytest.raises(InvalidProof):
        verify_proof(document, proof, issuer_public())


def test_wrong_public_key_is_rejected() -> None:
    document, proof = presentation()
    with pytest.raises(InvalidProof):
        verify_proof(document, proof, ISSUER_PUBLIC)


@pytest.mark.parametrize(
    ("member", "value"),
    [("created", "2025-01-02T00:00:00Z"), ("proofPurpose", "authentication"),
     ("verificationMethod", "did:example:other#key-1")],
)  # fmt: skip
def test_changed_proof_options_are_rejected(member: str, value: str) -> None:
    document, proof = presentation()
    proof[member] = value
    with pytest.raises(InvalidProof):
        verify_proof(document, proof, issuer_public())


def _reencode(proof: dict[str, Any], **changes: Any) -> dict[str, Any]:
    value = parse_derived_proof_value(proof["proofValue"])
    fields = {
        "bbs_proof": value.bbs_proof,
        "label_map": value.label_map,
        "mandatory_indexes": value.mandatory_indexes,
        "selective_indexes": value.selective_indexes,
        "presentation_header": value.presentation_header,
    }
    return {
        **proof,
        "proofValue": serialize_derived_proof_value(DerivedProofValue(**(fields | changes))),
    }


def test_presentation_header_is_bound_into_the_proof() -> None:
    document, proof = presentation(b"nonce-123")
    with pytest.raises(InvalidProof):
        verify_proof(document, _reencode(proof, presentation_header=b"nonce-456"), issuer_public())


def test_unexpected_presentation_header_is_a_nonce_mismatch() -> None:
    document, proof = presentation(b"nonce-123")
    with pytest.raises(NonceMismatch):
        verify_proof(document, proof, issuer_public(), expected_presentation_header=b"nonce-456")
    with pytest.raises(NonceMismatch):
        BBS_2023.verify_proof(document, proof, issuer_public(), expected_presentation_header=b"")


def test_swapped_labels_are_rejected() -> None:
    document, proof = presentation()
    labels = parse_derived_proof_value(proof["proofValue"]).label_map
    assert len(labels) >= 2
    keys = sorted(labels)
    swapped = {**labels, keys[0]: labels[keys[1]], keys[1]: labels[keys[0]]}
    with pytest.raises(InvalidProof):
        verify_proof(document, _reencode(proof, label_map=swapped), issuer_public())


def test_label_map_giving_two_nodes_one_label_is_rejected() -> None:
    document, proof = presentation()
    labels = parse_derived_proof_value(proof["proofValue"]).label_map
    keys = sorted(labels)
    merged = {**labels, keys[1]: labels[keys[0]]}
    with pytest.raises(InvalidProof, match="same label"):
        verify_proof(document, _reencode(proof, label_map=merged), issuer_public())


def test_label_map_missing_a_node_is_rejected() -> None:
    document, proof = presentation()
    labels = parse_derived_proof_value(proof["proofValue"]).label_map
    smaller = dict(list(labels.items())[:-1])
    with pytest.raises(InvalidProof):
        verify_proof(document, _reencode(proof, label_map=smaller), issuer_public())


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"mandatory_indexes": (0, 1)}, id="fewer-mandatory"),
        pytest.param({"mandatory_indexes": (0, 1, 2, 3, 40)}, id="mandatory-out-of-range"),
        pytest.param({"selective_indexes": (0, 1)}, id="other-selective"),
        pytest.param({"selective_indexes": (3,)}, id="fewer-selective"),
        pytest.param({"selective_indexes": (0, 99)}, id="selective-out-of-range"),
    ],
)
def test_changed_indexes_are_rejected(changes: dict[str, Any]) -> None:
    document, proof = presentation()
    with pytest.raises(InvalidProof):
        verify_proof(document, _reencode(proof, **changes), issuer_public())


def test_base_proof_given_to_a_verifier_is_rejected() -> None:
    document = signed()
    proof = document.pop("proof")
    with pytest.raises(InvalidProof, match="base proof"):
        verify_proof(document, proof, issuer_public())
    with pytest.raises(InvalidProof, match="base proof"):
        get_cryptosuite("bbs-2023").verify_proof(document, proof, issuer_public())


def _raw(proof: dict[str, Any]) -> bytes:
    return b64url_decode(proof["proofValue"][1:])


@pytest.mark.parametrize(
    "garble",
    [
        pytest.param(lambda v: v[:-10], id="truncated-text"),
        pytest.param(lambda v: "u" + b64url_encode(b64url_decode(v[1:])[:-1]),
                     id="truncated-bytes"),
        pytest.param(lambda v: "z" + v[1:], id="wrong-multibase"),
        pytest.param(lambda v: v[:40] + "!" + v[41:], id="not-base64url"),
        pytest.param(lambda v: "u" + b64url_encode(b"\xd9\x5d\x01" + b64url_decode(v[1:])[3:]),
                     id="ecdsa-sd-header"),
        pytest.param(lambda v: "u" + b64url_encode(b64url_decode(v[1:]) + b"\x00"),
                     id="trailing-byte"),
        pytest.param(lambda v: "u", id="empty"),
        pytest.param(lambda v: "u" + b64url_encode(b"\xd9\x5d\x03" + sd.cbor_encode(
                         [b"\x00" * 200_000, {}, [], [], b""])), id="oversized-bbs-proof"),
        pytest.param(lambda v: 42, id="not-a-string"),
    ],
)  # fmt: skip
def test_malformed_proof_values_are_invalid_input(garble: Any) -> None:
    document, proof = presentation()
    proof["proofValue"] = garble(proof["proofValue"])
    with pytest.raises(InvalidInput):
        verify_proof(document, proof, issuer_public())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_changed_proof_byte_never_verifies(data: st.DataObject) -> None:
    document, proof = presentation()
    raw = bytearray(_raw(proof))
    position = data.draw(st.integers(3, len(raw) - 1), label="position")
    raw[position] ^= data.draw(st.integers(1, 255), label="xor")
    proof["proofValue"] = "u" + b64url_encode(bytes(raw))
    with pytest.raises((InvalidProof, InvalidInput)):
        verify_proof(document, proof, issuer_public())


def test_wrong_key_type_is_invalid_input() -> None:
    document, proof = presentation()
    with pytest.raises(InvalidInput):
        verify_proof(document, proof, Key.generate("ed25519").public_key())


@pytest.mark.parametrize(
    ("member", "value"),
    [("type", "Ed25519Signature2020"), ("cryptosuite", "ecdsa-sd-2023")],
)
def test_proof_of_another_suite_is_invalid_input(member: str, value: str) -> None:
    document, proof = presentation()
    proof[member] = value
    with pytest.raises(InvalidInput):
        verify_proof(document, proof, issuer_public())


def test_document_that_still_contains_its_proof_is_invalid_input() -> None:
    document, proof = presentation()
    with pytest.raises(InvalidInput):
        verify_proof({**document, "proof": proof}, proof, issuer_public())


# ============================================================================== negative: holder


def test_selective_pointer_not_in_the_document_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="does not match"):
        derive_proof(signed(), selective_pointers=["/credentialSubject/height"])
    with pytest.raises(InvalidInput, match="does not match"):
        derive_proof(signed(), selective_pointers=["/credentialSubject/givenName/0"])


@pytest.mark.parametrize("bad", ["credentialSubject", "", "/a~2b", 7], ids=repr)
def test_malformed_selective_pointer_is_invalid_input(bad: Any) -> None:
    with pytest.raises(InvalidInput):
        derive_proof(signed(), selective_pointers=[bad])


def test_selective_pointers_as_a_string_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        derive_proof(signed(), selective_pointers="/issuer")


def test_derive_from_a_derived_proof_is_invalid_input() -> None:
    document, proof = presentation()
    with pytest.raises(InvalidInput, match="derived proof"):
        derive_proof({**document, "proof": proof}, selective_pointers=[])


def test_derive_without_a_proof_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        derive_proof(credential(), selective_pointers=[])


def test_holder_rejects_a_base_proof_for_a_changed_document() -> None:
    document = signed()
    proof = document.pop("proof")
    document["credentialSubject"]["givenName"] = "EVE"
    with pytest.raises(InvalidProof):
        verify_base_proof(document, proof, issuer_public())


def test_holder_rejects_a_changed_mandatory_statement() -> None:
    document = signed()
    proof = document.pop("proof")
    document["issuer"] = "did:example:forger"
    with pytest.raises(InvalidProof, match="header"):
        verify_base_proof(document, proof, issuer_public())


def test_holder_rejects_a_base_proof_from_another_issuer() -> None:
    document = signed()
    proof = document.pop("proof")
    with pytest.raises(InvalidProof):
        verify_base_proof(document, proof, ISSUER_PUBLIC)


# ============================================================================== negative: issuer


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({**OPTIONS, "type": "Ed25519Signature2020"}, "type"),
        ({**OPTIONS, "cryptosuite": "eddsa-rdfc-2022"}, "cryptosuite"),
        ({**OPTIONS, "created": "yesterday"}, "dateTime"),
        ({**OPTIONS, "proofValue": "u"}, "proofValue"),
    ],
)
def test_bad_proof_options_are_invalid_input(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        create_proof(credential(), options, _fresh_key())


def test_public_key_cannot_sign() -> None:
    with pytest.raises(InvalidInput):
        create_proof(credential(), OPTIONS, issuer_public())


def test_mandatory_pointer_not_in_the_document_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="does not match"):
        create_proof(credential(), OPTIONS, _fresh_key(), mandatory_pointers=["/expires"])


def test_unknown_create_proof_argument_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="unknown"):
        BBS_2023.create_proof(credential(), OPTIONS, _fresh_key(), selective_pointers=["/issuer"])


def test_short_unsafe_hmac_key_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        create_proof(credential(), OPTIONS, _fresh_key(), unsafe_hmac_key=b"\x00" * 16)


_UNDEFINED_TERMS: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "issuer": "did:example:issuer",
    "credentialSubject": {"id": "did:example:subject", "name": "Ada", "nickname": "Countess"},
}


def test_undefined_term_is_refused_when_signing() -> None:
    # "nickname" has no definition: it would not be signed but would still be shown.
    with pytest.raises(InvalidCredential, match="nickname"):
        create_proof(_UNDEFINED_TERMS, OPTIONS, _fresh_key())


def test_undefined_term_injected_into_a_presentation_is_refused() -> None:
    document = copy.deepcopy(_UNDEFINED_TERMS)
    del document["credentialSubject"]["nickname"]
    document["proof"] = create_proof(
        document, OPTIONS, _fresh_key(), mandatory_pointers=["/issuer"]
    )
    derived = derive_proof(document, selective_pointers=["/credentialSubject/name"])
    proof = derived.pop("proof")
    verify_proof(derived, proof, issuer_public())
    derived["credentialSubject"]["nickname"] = "Countess"
    with pytest.raises(InvalidCredential, match="nickname"):
        verify_proof(derived, proof, issuer_public())


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"id": "credentials/42"}, id="relative-id"),
        pytest.param({"type": ["VerifiableCredential", "LocalType"]}, id="relative-type"),
    ],
)
def test_relative_iri_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidCredential, match="relative"):
        create_proof({**credential(), **change}, OPTIONS, _fresh_key())


def test_unpinned_context_is_refused() -> None:
    document = {**credential(), "@context": ["https://example.com/not-pinned/v1"]}
    with pytest.raises(InvalidCredential):
        create_proof(document, OPTIONS, _fresh_key())


# ============================================================================== primitives


def test_poisoned_dataset_exhausts_the_canonicalization_budget() -> None:
    # A clique of indistinguishable blank nodes: Hash N-Degree Quads is factorial on it.
    clique = [
        f"_:n{i} <https://example.com/knows> _:n{j} .\n"
        for i in range(10)
        for j in range(10)
        if i != j
    ]
    with pytest.raises(InvalidCredential, match="budget"):
        sd.canonicalize_nquads(clique)


def test_symmetric_but_small_dataset_still_canonicalizes() -> None:
    clique = [
        f"_:n{i} <https://example.com/knows> _:n{j} .\n"
        for i in range(4)
        for j in range(4)
        if i != j
    ]
    nquads, id_map = sd.canonicalize_nquads(clique)
    assert len(nquads) == 12 and sorted(id_map.values()) == [f"c14n{i}" for i in range(4)]


def test_json_pointer_escapes_and_indexes() -> None:
    assert sd.json_pointer_to_paths("/a~1b/c~0d/0/10/01") == ["a/b", "c~d", 0, 10, "01"]
    document = {"@context": {"@vocab": "https://example.com/#"}, "a/b": {"list": [1, 2, 3, 4]}}
    selection = sd.select_json_ld(["/a~1b/list/3", "/a~1b/list/1"], document)
    assert selection == {"@context": document["@context"], "a/b": {"list": [2, 4]}}


def test_selection_keeps_ids_and_types_on_the_path_but_not_blank_ids() -> None:
    document = {
        "@context": {"@vocab": "https://example.com/#", "id": "@id", "type": "@type"},
        "id": "urn:example:root",
        "type": "Thing",
        "child": {"id": "_:b0", "type": "Part", "name": "x", "size": 3},
    }
    assert sd.select_json_ld(["/child/size"], document) == {
        "@context": document["@context"],
        "id": "urn:example:root",
        "type": "Thing",
        "child": {"type": "Part", "size": 3},
    }
    assert sd.select_json_ld([], document) is None


def test_relabel_and_skolemize_touch_blank_nodes_only() -> None:
    nquad = '_:a <https://example.com/a_:a> "_:a is \\"_:a\\"" _:a .\n'
    assert sd.relabel_blank_nodes([nquad], {"a": "b9"}) == [
        '_:b9 <https://example.com/a_:a> "_:a is \\"_:a\\"" _:b9 .\n'
    ]
    skolemized = sd.skolemize_nquads([nquad])
    assert skolemized == [
        '<urn:bnid:a> <https://example.com/a_:a> "_:a is \\"_:a\\"" <urn:bnid:a> .\n'
    ]
    assert sd.deskolemize_nquads(skolemized) == [nquad]
    literal = '<urn:x:s> <https://example.com/p> "<urn:bnid:a>" .\n'
    assert sd.deskolemize_nquads([literal]) == [literal]


def test_document_using_the_skolem_scheme_is_refused() -> None:
    document = {**credential(), "id": "urn:bnid:b0"}
    with pytest.raises(InvalidCredential, match="reserved"):
        create_proof(document, OPTIONS, _fresh_key())


def test_hmac_label_map_functions() -> None:
    canonical = {"x": "c14n0", "y": "c14n1", "z": "c14n2"}
    hmac_labels = sd.create_hmac_id_label_map_function(HMAC_KEY)(canonical)
    shuffled = sd.create_shuffled_id_label_map_function(HMAC_KEY)(canonical)
    assert all(label.startswith("u") and len(label) == 44 for label in hmac_labels.values())
    order = sorted(hmac_labels, key=hmac_labels.__getitem__)
    assert [shuffled[k] for k in order] == ["b0", "b1", "b2"]
    with pytest.raises(InvalidInput):
        sd.create_shuffled_id_label_map_function(b"short")


# ------------------------------------------------------------------------------ CBOR

_CBOR_VALUES = st.recursive(
    st.integers(0, 2**64 - 1) | st.binary(max_size=300) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.integers(0, 2**64 - 1) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_CBOR_VALUES)
def test_cbor_round_trip(value: Any) -> None:
    assert sd.cbor_decode(sd.cbor_encode(value)) == value


@pytest.mark.parametrize(
    ("encoded", "value"),
    [("00", 0), ("17", 23), ("1818", 24), ("1903e8", 1000), ("1a000f4240", 1000000),
     ("1b000000e8d4a51000", 1000000000000), ("4401020304", b"\x01\x02\x03\x04"),
     ("6449455446", "IETF"), ("83010203", [1, 2, 3]), ("a201020304", {1: 2, 3: 4})],
)  # fmt: skip
def test_cbor_matches_rfc8949_appendix_a(encoded: str, value: Any) -> None:
    assert sd.cbor_encode(value).hex() == encoded
    assert sd.cbor_decode(bytes.fromhex(encoded)) == value


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param("1817", id="non-shortest-int"),
        pytest.param("190017", id="non-shortest-int-2"),
        pytest.param("5f42010243030405ff", id="indefinite-bytes"),
        pytest.param("9fff", id="indefinite-array"),
        pytest.param("20", id="negative"),
        pytest.param("f93c00", id="float"),
        pytest.param("f5", id="true"),
        pytest.param("c24100", id="tag"),
        pytest.param("a201020103", id="duplicate-key"),
        pytest.param("a1410102", id="bytes-key"),
        pytest.param("0000", id="trailing"),
        pytest.param("44010203", id="truncated-bytes"),
        pytest.param("9b00000000ffffffff", id="huge-array"),
        pytest.param("62c328", id="bad-utf8"),
        pytest.param("1c", id="reserved"),
        pytest.param("", id="empty"),
        pytest.param("818181818181818181818100", id="too-deep"),
    ],
)
def test_cbor_decoder_is_strict(encoded: str) -> None:
    with pytest.raises(InvalidInput):
        sd.cbor_decode(bytes.fromhex(encoded))


@pytest.mark.parametrize("value", [-1, 1.5, True, None, {1, 2}], ids=repr)
def test_cbor_encoder_refuses_other_types(value: Any) -> None:
    with pytest.raises(InvalidInput):
        sd.cbor_encode(value)


_DATA_INTEGRITY_ONLY = """
import sys, types
package = types.ModuleType("vc_service")  # the package without its __init__ (which imports all)
package.__path__ = [sys.argv[1]]
sys.modules["vc_service"] = package
import vc_service._data_integrity
from vc_service._cryptosuite import get_cryptosuite
print(get_cryptosuite("bbs-2023").name)
"""


def test_data_integrity_alone_registers_bbs_2023() -> None:
    """Importing the Data Integrity layer is enough for add_proof(cryptosuite="bbs-2023"): it
    imports the suite (without an import cycle), as it imports the EdDSA suites."""
    package_dir = Path(sd.__file__).parent
    result = subprocess.run(
        [sys.executable, "-c", _DATA_INTEGRITY_ONLY, str(package_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "bbs-2023"
