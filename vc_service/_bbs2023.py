"""The ``bbs-2023`` Data Integrity cryptosuite (W3C Data Integrity BBS Cryptosuites v1.0).

Three parties, three operations:

* the **issuer** signs a credential with a *base proof* (:func:`create_proof`, §3.4.1-§3.4.5): the
  canonical N-Quads of the credential, with blank nodes relabeled by a keyed shuffle, are split
  into mandatory statements (hashed into the BBS header) and the others (one BBS message each);
* the **holder** checks the base proof (:func:`verify_base_proof`) and, for each presentation,
  derives a *derived proof* that reveals the mandatory statements and the ones it selects
  (:func:`derive_proof`, §3.4.6): an unlinkable BBS proof of knowledge of the signature;
* the **verifier** checks a derived proof (:func:`verify_proof`, §3.4.7). A base proof is
  refused: it carries the HMAC key and the signature itself and must never leave the holder.

Section numbers (§) are those of the Candidate Recommendation Snapshot of 4 April 2024; the
vectors come from the 2025 editor's draft, whose baseline algorithms are the same (it adds
feature-option branches). The selective-disclosure functions borrowed from the ECDSA
cryptosuites are in :mod:`vc_service._di_sd`. BBS is ``BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_`` with
the ``H2G_HM2S_`` interface (api_id ``BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_H2G_HM2S_``) of
draft-irtf-cfrg-bbs-signatures-06: the published bbs-2023 vectors' signatures reproduce with it.

Only the baseline feature is implemented. Anonymous holder binding and pseudonyms (proof value
headers ``0xd9 0x5d 0x04``-``0x09``) need Blind BBS and per-verifier pseudonyms; such proof
values are recognised and refused with :class:`InvalidInput`.
"""

from __future__ import annotations

import copy
import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from zk import Error as ZkError
from zk import VerificationError as ZkVerificationError
from zk import bbs

from . import _di_sd as sd
from ._cryptosuite import register_cryptosuite
from ._errors import InvalidCredential, InvalidInput, InvalidProof, NonceMismatch
from ._jsonld import canonicalize_nquads, canonize, expand, to_nquads
from ._keys import Key, KeyType
from ._multibase import b64url_decode, b64url_encode

__all__ = [
    "BBS_2023",
    "BaseProofValue",
    "Bbs2023",
    "DerivedProofValue",
    "DisclosureData",
    "DisclosurePlan",
    "VerifyData",
    "compress_label_map",
    "create_disclosure_data",
    "create_proof",
    "create_verify_data",
    "decompress_label_map",
    "derive_proof",
    "parse_base_proof_value",
    "parse_derived_proof_value",
    "plan_disclosure",
    "serialize_base_proof_value",
    "serialize_derived_proof_value",
    "verify_base_proof",
    "verify_proof",
]

CRYPTOSUITE = "bbs-2023"
PROOF_TYPE = "DataIntegrityProof"

# §3.3.1 / §3.3.6: a proof value is "u" + base64url(header || CBOR array). The header is the
# CBOR head of tag 0x5d0X; the feature options of the editor's draft use 0x04-0x09.
_BASE_HEADER = b"\xd9\x5d\x02"
_DERIVED_HEADER = b"\xd9\x5d\x03"
_FEATURE_HEADERS = {
    0x04: "anonymous_holder_binding base proof",
    0x05: "anonymous_holder_binding derived proof",
    0x06: "pseudonym base proof",
    0x07: "pseudonym derived proof",
    0x08: "holder_binding_pseudonym base proof",
    0x09: "holder_binding_pseudonym derived proof",
}

_SUITE = bbs.BLS12_381_SHA256
_SIGNATURE_SIZE = 80
_PUBLIC_KEY_SIZE = 96
_HMAC_KEY_SIZE = 32
_HEADER_SIZE = 64  # proofHash || mandatoryHash, two SHA-256 digests
# A BBS proof has 3 G1 points and 4 + (undisclosed messages) scalars, so its length sets how
# many generators a verifier computes (and the suite caches). Bound it: no credential comes
# near this many statements, and a forged length must not buy an attacker that work.
_MAX_BBS_MESSAGES = 4096
_MAX_BBS_PROOF_SIZE = 3 * 48 + 32 * (4 + _MAX_BBS_MESSAGES)

# XML Schema 1.1 dateTime (the lexical form; the value ranges are checked by the generic layer).
_DATETIME = re.compile(
    r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?"
    r"(Z|[+-](0\d|1[0-4]):[0-5]\d)?$"
)
_C14N_LABEL = re.compile(r"^c14n(0|[1-9][0-9]*)$")
_B_LABEL = re.compile(r"^b(0|[1-9][0-9]*)$")


# ============================================================================== proof values


@dataclass(frozen=True)
class BaseProofValue:
    """The components of a base proof value (§3.3.1 serializeBaseProofValue)."""

    bbs_signature: bytes
    bbs_header: bytes
    public_key: bytes
    hmac_key: bytes
    mandatory_pointers: tuple[str, ...]


@dataclass(frozen=True)
class DerivedProofValue:
    """The components of a derived proof value (§3.3.6), with the label map decompressed.

    ``label_map`` maps the verifier's canonical blank node labels (``c14n0``) to the labels
    the base proof signed (``b3``).
    """

    bbs_proof: bytes
    label_map: dict[str, str]
    mandatory_indexes: tuple[int, ...]
    selective_indexes: tuple[int, ...]
    presentation_header: bytes


def _decode_proof_value(proof_value: object) -> tuple[int, bytes]:
    """Multibase-decode a proof value and split off its 3-byte header (§3.3.2/§3.3.7, 1-3)."""
    if not isinstance(proof_value, str) or not proof_value.startswith("u"):
        raise InvalidInput("a bbs-2023 proofValue is a multibase base64url string ('u...')")
    raw = b64url_decode(proof_value[1:])
    if len(raw) < 4 or raw[:2] != b"\xd9\x5d":
        raise InvalidInput("not a bbs-2023 proof value (bad header)")
    kind = raw[2]
    if kind in _FEATURE_HEADERS:
        raise InvalidInput(f"bbs-2023 {_FEATURE_HEADERS[kind]} (optional feature) is not supported")
    if kind not in (_BASE_HEADER[2], _DERIVED_HEADER[2]):
        raise InvalidInput(f"not a bbs-2023 proof value (header 0xd95d{kind:02x})")
    return kind, raw[3:]


def _bytes_of(value: object, size: int | None, what: str) -> bytes:
    if not isinstance(value, bytes) or (size is not None and len(value) != size):
        length = f" of {size} bytes" if size is not None else ""
        raise InvalidInput(f"bbs-2023 proof value: {what} must be a byte string{length}")
    return value


def _indexes_of(value: object, what: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(isinstance(i, int) for i in value):
        raise InvalidInput(f"bbs-2023 proof value: {what} must be an array of integers")
    if any(b <= a for a, b in zip(value, value[1:], strict=False)):
        raise InvalidInput(f"bbs-2023 proof value: {what} must be strictly increasing")
    return tuple(value)


def serialize_base_proof_value(value: BaseProofValue) -> str:
    """§3.3.1 serializeBaseProofValue: ``u`` + base64url(0xd95d02 || CBOR([...5 components]))."""
    components = [
        value.bbs_signature,
        value.bbs_header,
        value.public_key,
        value.hmac_key,
        list(value.mandatory_pointers),
    ]
    return "u" + b64url_encode(_BASE_HEADER + sd.cbor_encode(components))


def parse_base_proof_value(proof_value: object) -> BaseProofValue:
    """§3.3.2 parseBaseProofValue; :class:`InvalidInput` unless it is a well-formed base proof."""
    kind, body = _decode_proof_value(proof_value)
    if kind != _BASE_HEADER[2]:
        raise InvalidInput("not a bbs-2023 base proof value (this is a derived proof)")
    components = sd.cbor_decode(body)
    if not isinstance(components, list) or len(components) != 5:
        raise InvalidInput("bbs-2023 base proof value: expected an array of five components")
    signature, header, public_key, hmac_key, pointers = components
    if not isinstance(pointers, list) or not all(isinstance(p, str) for p in pointers):
        raise InvalidInput("bbs-2023 base proof value: mandatoryPointers must be text strings")
    return BaseProofValue(
        _bytes_of(signature, _SIGNATURE_SIZE, "bbsSignature"),
        _bytes_of(header, _HEADER_SIZE, "bbsHeader"),
        _bytes_of(public_key, _PUBLIC_KEY_SIZE, "publicKey"),
        _bytes_of(hmac_key, _HMAC_KEY_SIZE, "hmacKey"),
        tuple(pointers),
    )


def compress_label_map(label_map: Mapping[str, str]) -> dict[int, int]:
    """§3.3.4 compressLabelMap: ``{"c14n<i>": "b<j>"}`` -> ``{i: j}`` (sorted by ``i``)."""
    out: dict[int, int] = {}
    for key, value in label_map.items():
        if not _C14N_LABEL.match(key) or not isinstance(value, str) or not _B_LABEL.match(value):
            raise InvalidInput(f"label map entry {key!r}: {value!r} is not c14n<i> -> b<j>")
        out[int(key[4:])] = int(value[1:])
    return dict(sorted(out.items()))


def decompress_label_map(compressed: Mapping[int, int]) -> dict[str, str]:
    """§3.3.5 decompressLabelMap: ``{i: j}`` -> ``{"c14n<i>": "b<j>"}``."""
    out = {}
    for key, value in compressed.items():
        if not isinstance(key, int) or not isinstance(value, int):
            raise InvalidInput("bbs-2023 proof value: the label map must map integers to integers")
        out[f"c14n{key}"] = f"b{value}"
    return out


def serialize_derived_proof_value(value: DerivedProofValue) -> str:
    """§3.3.6 serializeDerivedProofValue: ``u`` + base64url(0xd95d03 || CBOR([...5 components]))."""
    components = [
        value.bbs_proof,
        compress_label_map(value.label_map),
        list(value.mandatory_indexes),
        list(value.selective_indexes),
        value.presentation_header,
    ]
    return "u" + b64url_encode(_DERIVED_HEADER + sd.cbor_encode(components))


def parse_derived_proof_value(proof_value: object) -> DerivedProofValue:
    """§3.3.7 parseDerivedProofValue; :class:`InvalidInput` unless well-formed.

    A base proof value raises :class:`InvalidProof`: it is well-formed, but a verifier must never
    accept one (it would mean the holder handed over its signature and HMAC key).
    """
    kind, body = _decode_proof_value(proof_value)
    if kind == _BASE_HEADER[2]:
        raise InvalidProof(
            "a bbs-2023 base proof is for the holder only; a verifier needs a derived proof"
        )
    components = sd.cbor_decode(body)
    if not isinstance(components, list) or len(components) != 5:
        raise InvalidInput("bbs-2023 derived proof value: expected an array of five components")
    bbs_proof, label_map, mandatory, selective, presentation_header = components
    if not isinstance(label_map, dict):
        raise InvalidInput("bbs-2023 derived proof value: the label map must be a map")
    if isinstance(bbs_proof, bytes) and len(bbs_proof) > _MAX_BBS_PROOF_SIZE:
        raise InvalidInput("bbs-2023 derived proof value: the BBS proof is too long")
    return DerivedProofValue(
        _bytes_of(bbs_proof, None, "bbsProof"),
        decompress_label_map(label_map),
        _indexes_of(mandatory, "mandatoryIndexes"),
        _indexes_of(selective, "selectiveIndexes"),
        _bytes_of(presentation_header, None, "presentationHeader"),
    )


# ============================================================================== shared steps


def _require_mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{what} must be a JSON object")
    return value


def _check_proof_options(options: Mapping[str, Any]) -> None:
    if options.get("type") != PROOF_TYPE or options.get("cryptosuite") != CRYPTOSUITE:
        # §3.4.4 step 2: INVALID_PROOF_CONFIGURATION
        raise InvalidInput(f"proof must have type {PROOF_TYPE!r} and cryptosuite {CRYPTOSUITE!r}")
    created = options.get("created")
    if created is not None and not (isinstance(created, str) and _DATETIME.match(created)):
        # §3.4.4 step 3: INVALID_PROOF_DATETIME
        raise InvalidInput("proof 'created' is not an XML Schema dateTime")


def _unsecured(document: Mapping[str, Any]) -> dict[str, Any]:
    document = _require_mapping(document, "the document")
    if "proof" in document:
        raise InvalidInput("the unsecured document must not contain 'proof'")
    if "@context" not in document:
        raise InvalidCredential("the document has no '@context'")
    return dict(document)


def _proof_hash(proof_options: Mapping[str, Any], document: Mapping[str, Any]) -> bytes:
    """§3.4.4 Base Proof Configuration + §3.4.3 step 1 (and §3.3.8 step 1): SHA-256 of the
    canonical proof configuration, with the document's ``@context``."""
    config = {k: copy.deepcopy(v) for k, v in proof_options.items() if k != "proofValue"}
    config["@context"] = copy.deepcopy(document["@context"])
    return hashlib.sha256(canonize(config).encode("utf-8")).digest()


def _pointers(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidInput(f"{what} must be a list of JSON pointers")
    for pointer in value:
        sd.json_pointer_to_paths(pointer)  # validates
    return tuple(value)


def _transform(
    document: Mapping[str, Any], hmac_key: bytes, mandatory_pointers: Sequence[str]
) -> sd.Group:
    """§3.4.2 Base Proof Transformation: the mandatory group (``matching`` = mandatory
    N-Quads, ``non_matching`` = the BBS messages), keyed by canonical index."""
    return sd.canonicalize_and_group(
        document,
        sd.create_shuffled_id_label_map_function(hmac_key),
        {"mandatory": mandatory_pointers},
    ).groups["mandatory"]


def _bbs_key(key: Key, *, private: bool) -> None:
    if not isinstance(key, Key) or key.type != "bls12381g2":
        raise InvalidInput("bbs-2023 needs a BLS12-381 G2 key (type 'bls12381g2')")
    if private and not key.has_private:
        raise InvalidInput("creating a bbs-2023 base proof needs the private key")


# ============================================================================== issuer


def create_proof(
    unsecured: Mapping[str, Any],
    options: Mapping[str, Any],
    key: Key,
    *,
    mandatory_pointers: Sequence[str] = (),
    unsafe_hmac_key: bytes | None = None,
) -> dict[str, Any]:
    """§3.4.1 Create Base Proof: the base proof (``options`` plus ``proofValue``).

    ``mandatory_pointers`` name the parts of ``unsecured`` every presentation must reveal
    (the issuer, the validity period, ...). The HMAC key that shuffles blank node labels is
    fresh for every credential; ``unsafe_hmac_key`` fixes it, for reproducing test vectors only
    (a reused HMAC key makes credentials linkable through their blank node order).
    """
    _bbs_key(key, private=True)
    document = _unsecured(unsecured)
    options = _require_mapping(options, "proof options")
    _check_proof_options(options)
    if "proofValue" in options:
        raise InvalidInput("proof options must not contain 'proofValue'")
    pointers = _pointers(mandatory_pointers, "mandatory_pointers")
    if unsafe_hmac_key is None:
        hmac_key = secrets.token_bytes(_HMAC_KEY_SIZE)
    elif isinstance(unsafe_hmac_key, bytes) and len(unsafe_hmac_key) == _HMAC_KEY_SIZE:
        hmac_key = unsafe_hmac_key
    else:
        raise InvalidInput("unsafe_hmac_key must be 32 bytes")

    proof_hash = _proof_hash(options, document)  # §3.4.3 step 1
    groups = _transform(document, hmac_key, pointers)
    mandatory_hash = sd.hash_mandatory_nquads(list(groups.matching.values()))  # §3.4.3 step 2
    # §3.4.5 Base Proof Serialization
    header = proof_hash + mandatory_hash
    messages = [nq.encode("utf-8") for nq in groups.non_matching.values()]
    try:
        signature = _SUITE.sign(key.private_bytes(), key.public, header, messages)
    except ZkError as exc:
        raise InvalidInput(f"BBS signing failed: {exc}") from exc
    proof = copy.deepcopy(dict(options))
    proof["proofValue"] = serialize_base_proof_value(
        BaseProofValue(signature, header, key.public, hmac_key, pointers)
    )
    return proof


# ============================================================================== holder


def _split_secured(document: Mapping[str, Any]) -> tuple[dict[str, Any], Mapping[str, Any]]:
    document = _require_mapping(document, "the document")
    proof = document.get("proof")
    if not isinstance(proof, Mapping):
        raise InvalidInput("the document must have a single bbs-2023 'proof' object")
    _check_proof_options(proof)
    return _unsecured({k: v for k, v in document.items() if k != "proof"}), proof


def verify_base_proof(unsecured: Mapping[str, Any], proof: Mapping[str, Any], key: Key) -> None:
    """Check a base proof on receipt (holder side): ``None``, or :class:`InvalidProof`.

    Not a verifier operation (a verifier only ever sees derived proofs). Recomputes the
    transformation and hashing of §3.4.2-§3.4.3 with the proof's HMAC key and mandatory
    pointers, checks the BBS header and the public key the proof carries, and verifies the
    BBS signature (draft-irtf-cfrg-bbs-signatures §3.4.2 Verify) with the issuer's ``key``.
    """
    _bbs_key(key, private=False)
    document = _unsecured(unsecured)
    proof = _require_mapping(proof, "the proof")
    _check_proof_options(proof)
    base = parse_base_proof_value(proof.get("proofValue"))
    if base.public_key != key.public:
        raise InvalidProof("the base proof names another public key than the issuer's")
    groups = _transform(document, base.hmac_key, base.mandatory_pointers)
    header = _proof_hash(proof, document) + sd.hash_mandatory_nquads(list(groups.matching.values()))
    if header != base.bbs_header:
        raise InvalidProof("the base proof's BBS header does not match the document")
    messages = [nq.encode("utf-8") for nq in groups.non_matching.values()]
    try:
        _SUITE.verify(key.public, base.bbs_signature, header, messages)
    except ZkError as exc:
        raise InvalidProof("the bbs-2023 base signature does not verify") from exc


@dataclass(frozen=True)
class DisclosurePlan:
    """The deterministic part of §3.3.3 createDisclosureData (steps 2-8 and 11-14).

    Everything but the BBS proof: what it will reveal and how a verifier will find it again.
    ``groups`` are the canonical N-Quad groups ``mandatory``, ``selective`` and ``combined``
    (absolute indexes); ``messages`` the BBS messages (non-mandatory N-Quads, UTF-8).
    """

    groups: dict[str, sd.Group]
    label_map: dict[str, str]
    mandatory_indexes: tuple[int, ...]
    selective_indexes: tuple[int, ...]
    messages: list[bytes]
    reveal_document: dict[str, Any]


def plan_disclosure(
    document: Mapping[str, Any],
    *,
    hmac_key: bytes,
    mandatory_pointers: Sequence[str],
    selective_pointers: Sequence[str],
) -> DisclosurePlan:
    """§3.3.3 createDisclosureData without the BBS proof (shared by every feature option).

    ``document`` is the credential without its proof; ``hmac_key`` and ``mandatory_pointers``
    come from the base proof. Raises :class:`InvalidInput` if a pointer does not match.
    """
    document = _unsecured(document)
    mandatory = _pointers(mandatory_pointers, "mandatory_pointers")
    selective = _pointers(selective_pointers, "selective_pointers")
    combined_pointers = (*mandatory, *selective)
    if not combined_pointers:
        raise InvalidInput("nothing to disclose: no mandatory and no selective pointers")
    # Steps 2-6: canonicalize with the shuffled labels and group by selection.
    result = sd.canonicalize_and_group(
        document,
        sd.create_shuffled_id_label_map_function(hmac_key),
        {"mandatory": mandatory, "selective": selective, "combined": combined_pointers},
    )
    groups = result.groups
    # Step 7: mandatory indexes, relative to the revealed (combined) statements.
    combined_position = {index: i for i, index in enumerate(groups["combined"].matching)}
    if not set(groups["mandatory"].matching) <= set(combined_position):
        raise InvalidInput("mandatory statements missing from the combined selection")
    mandatory_indexes = tuple(combined_position[i] for i in groups["mandatory"].matching)
    # Step 8: selective indexes, relative to the non-mandatory statements (the BBS messages).
    # A selected statement that is also mandatory is revealed through the header, not here.
    message_position = {index: i for i, index in enumerate(groups["mandatory"].non_matching)}
    selective_indexes = tuple(
        message_position[i] for i in groups["selective"].matching if i in message_position
    )
    messages = [nq.encode("utf-8") for nq in groups["mandatory"].non_matching.values()]
    # Step 11: the reveal document.
    reveal = sd.select_json_ld(combined_pointers, document)
    if reveal is None:  # pragma: no cover - combined_pointers is not empty
        raise InvalidInput("nothing to disclose")
    # Steps 12-14: map the labels a verifier's canonicalization will produce to the signed ones.
    _, canonical_id_map = canonicalize_nquads(groups["combined"].deskolemized_nquads)
    verifier_label_map = {}
    for input_label, c14n in sorted(canonical_id_map.items(), key=lambda kv: _c14n(kv[1])):
        if input_label not in result.label_map:
            raise InvalidInput(
                f"the selection has a blank node (_:{input_label}) the document lacks"
            )
        verifier_label_map[c14n] = result.label_map[input_label]
    return DisclosurePlan(
        groups, verifier_label_map, mandatory_indexes, selective_indexes, messages, reveal
    )


@dataclass(frozen=True)
class DisclosureData:
    """The result of §3.3.3 createDisclosureData."""

    bbs_proof: bytes
    label_map: dict[str, str]
    mandatory_indexes: tuple[int, ...]
    selective_indexes: tuple[int, ...]
    presentation_header: bytes
    reveal_document: dict[str, Any]


def create_disclosure_data(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    selective_pointers: Sequence[str],
    presentation_header: bytes = b"",
    *,
    unsafe_random_scalars: Sequence[int] | None = None,
) -> DisclosureData:
    """§3.3.3 createDisclosureData (baseline feature).

    ``document`` is the credential without its proof. ``unsafe_random_scalars`` replaces the
    BBS ProofGen randomness, for reproducible tests only (known scalars reveal the hidden
    messages and the signature).
    """
    proof = _require_mapping(proof, "the proof")
    if not isinstance(presentation_header, bytes):
        raise InvalidInput("presentation_header must be bytes")
    base = parse_base_proof_value(proof.get("proofValue"))  # step 1
    plan = plan_disclosure(
        document,
        hmac_key=base.hmac_key,
        mandatory_pointers=base.mandatory_pointers,
        selective_pointers=selective_pointers,
    )
    # Steps 9-10: the BBS proof (draft-irtf-cfrg-bbs-signatures §3.4.3 ProofGen).
    try:
        bbs_proof = _SUITE.proof_gen(
            base.public_key,
            base.bbs_signature,
            base.bbs_header,
            presentation_header,
            plan.messages,
            list(plan.selective_indexes),
            unsafe_random_scalars=unsafe_random_scalars,
        )
    except ZkError as exc:
        raise InvalidInput(f"BBS proof generation failed: {exc}") from exc
    return DisclosureData(
        bbs_proof,
        plan.label_map,
        plan.mandatory_indexes,
        plan.selective_indexes,
        presentation_header,
        plan.reveal_document,
    )


def _c14n(label: str) -> int:
    return int(label[4:])


def derive_proof(
    document_with_base_proof: Mapping[str, Any],
    *,
    selective_pointers: Sequence[str],
    presentation_header: bytes = b"",
    unsafe_random_scalars: Sequence[int] | None = None,
) -> dict[str, Any]:
    """§3.4.6 Add Derived Proof: the reveal document with a derived proof (holder side).

    Reveals the statements the base proof's mandatory pointers select plus those
    ``selective_pointers`` select; ``presentation_header`` (e.g. the verifier's nonce and
    audience) is bound into the BBS proof. Raises :class:`InvalidInput` if a pointer does not
    match the document. ``unsafe_random_scalars``: see :func:`create_disclosure_data`.
    """
    document, proof = _split_secured(document_with_base_proof)
    data = create_disclosure_data(
        document,
        proof,
        selective_pointers,
        presentation_header,
        unsafe_random_scalars=unsafe_random_scalars,
    )
    new_proof = copy.deepcopy(dict(proof))
    new_proof["proofValue"] = serialize_derived_proof_value(
        DerivedProofValue(
            data.bbs_proof,
            data.label_map,
            data.mandatory_indexes,
            data.selective_indexes,
            data.presentation_header,
        )
    )
    reveal = data.reveal_document
    reveal["proof"] = new_proof
    return reveal


# ============================================================================== verifier


@dataclass(frozen=True)
class VerifyData:
    """The result of §3.3.8 createVerifyData."""

    bbs_proof: bytes
    proof_hash: bytes
    mandatory_hash: bytes
    selective_indexes: tuple[int, ...]
    presentation_header: bytes
    non_mandatory: list[str]


def create_verify_data(document: Mapping[str, Any], proof: Mapping[str, Any]) -> VerifyData:
    """§3.3.8 createVerifyData.

    Canonicalizes the reveal document, relabels its blank nodes with the proof's label map
    (ECDSA §3.4.2 with §3.4.3 createLabelMapFunction) and splits the N-Quads into the mandatory
    ones (hashed) and the disclosed BBS messages. A document whose statements do not fit the
    proof (missing or extra blank nodes, too few statements) raises :class:`InvalidProof`.
    """
    document = _unsecured(document)
    proof = _require_mapping(proof, "the proof")
    derived = parse_derived_proof_value(proof.get("proofValue"))
    proof_hash = _proof_hash(proof, document)
    canonical, canonical_id_map = canonicalize_nquads(to_nquads(expand(document)))
    labels = derived.label_map
    if set(canonical_id_map.values()) != set(labels):
        raise InvalidProof("the revealed document's blank nodes do not match the proof's labels")
    if len(set(labels.values())) != len(labels):
        raise InvalidProof("the proof's label map gives two blank nodes the same label")
    nquads = sorted(sd.relabel_blank_nodes(canonical, labels))
    if derived.mandatory_indexes and derived.mandatory_indexes[-1] >= len(nquads):
        raise InvalidProof("the revealed document lacks statements the proof declares mandatory")
    mandatory_set = set(derived.mandatory_indexes)
    mandatory = [nq for i, nq in enumerate(nquads) if i in mandatory_set]
    non_mandatory = [nq for i, nq in enumerate(nquads) if i not in mandatory_set]
    return VerifyData(
        derived.bbs_proof,
        proof_hash,
        sd.hash_mandatory_nquads(mandatory),
        derived.selective_indexes,
        derived.presentation_header,
        non_mandatory,
    )


def verify_proof(
    unsecured: Mapping[str, Any],
    proof: Mapping[str, Any],
    key: Key,
    *,
    expected_presentation_header: bytes | None = None,
) -> None:
    """§3.4.7 Verify Derived Proof: ``None``, or :class:`InvalidProof`.

    ``unsecured`` is the reveal document without ``proof``; ``key`` the issuer's public key.
    A base proof raises :class:`InvalidProof`; a malformed proof value :class:`InvalidInput`.
    The BBS presentation header travels inside the proof value and is bound into the BBS proof;
    a verifier that asked for a particular one (its nonce) passes it as
    ``expected_presentation_header`` and gets :class:`NonceMismatch` for any other (a replay).
    """
    _bbs_key(key, private=False)
    proof = _require_mapping(proof, "the proof")
    _check_proof_options(proof)
    data = create_verify_data(unsecured, proof)
    if (
        expected_presentation_header is not None
        and data.presentation_header != expected_presentation_header
    ):
        raise NonceMismatch("the derived proof was made for another presentation header")
    if len(data.non_mandatory) != len(data.selective_indexes):
        raise InvalidProof("the revealed statements do not match the proof's selective indexes")
    try:
        _SUITE.proof_verify(
            key.public,
            data.bbs_proof,
            data.proof_hash + data.mandatory_hash,
            data.presentation_header,
            [nq.encode("utf-8") for nq in data.non_mandatory],
            list(data.selective_indexes),
        )
    except ZkVerificationError as exc:
        raise InvalidProof("the bbs-2023 derived proof does not verify") from exc
    except ZkError as exc:
        # Well-formed CBOR carrying a BBS proof the curve layer rejects (bad points, lengths,
        # indexes out of range): as good as a forged proof.
        raise InvalidProof(f"the bbs-2023 derived proof is invalid: {exc}") from exc


# ============================================================================== the suite


class Bbs2023:
    """The ``bbs-2023`` cryptosuite (:class:`vc_service._cryptosuite.Cryptosuite`).

    ``create_proof`` makes base proofs (keyword arguments ``mandatory_pointers`` and
    ``unsafe_hmac_key``), ``verify_proof`` verifies derived proofs only. The holder's
    operations are :meth:`derive_proof` and :meth:`verify_base_proof`.
    """

    @property
    def name(self) -> str:
        """``"bbs-2023"``."""
        return CRYPTOSUITE

    @property
    def key_types(self) -> frozenset[KeyType]:
        """BLS12-381 G2 keys only."""
        return frozenset({"bls12381g2"})

    def create_proof(
        self, unsecured: Mapping[str, Any], options: Mapping[str, Any], key: Key, **kwargs: Any
    ) -> dict[str, Any]:
        """§3.4.1 Create Base Proof; see :func:`create_proof`."""
        unknown = set(kwargs) - {"mandatory_pointers", "unsafe_hmac_key"}
        if unknown:
            raise InvalidInput(f"bbs-2023 create_proof: unknown arguments {sorted(unknown)}")
        return create_proof(unsecured, options, key, **kwargs)

    def verify_proof(
        self,
        unsecured: Mapping[str, Any],
        proof: Mapping[str, Any],
        key: Key,
        *,
        expected_presentation_header: bytes | None = None,
    ) -> None:
        """§3.4.7 Verify Derived Proof; see :func:`verify_proof`."""
        verify_proof(
            unsecured, proof, key, expected_presentation_header=expected_presentation_header
        )

    def derive_proof(
        self,
        document_with_base_proof: Mapping[str, Any],
        *,
        selective_pointers: Sequence[str],
        presentation_header: bytes = b"",
    ) -> dict[str, Any]:
        """§3.4.6 Add Derived Proof; see :func:`derive_proof`."""
        return derive_proof(
            document_with_base_proof,
            selective_pointers=selective_pointers,
            presentation_header=presentation_header,
        )

    def verify_base_proof(
        self, unsecured: Mapping[str, Any], proof: Mapping[str, Any], key: Key
    ) -> None:
        """Holder-side base proof check; see :func:`verify_base_proof`."""
        verify_base_proof(unsecured, proof, key)


#: The registered suite instance.
BBS_2023 = Bbs2023()
register_cryptosuite(BBS_2023)
