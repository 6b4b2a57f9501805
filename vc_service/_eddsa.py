"""EdDSA Cryptosuites v1.0 (W3C Recommendation, 15 May 2025): ``eddsa-rdfc-2022`` and
``eddsa-jcs-2022``.

Both suites sign ``SHA-256(canonical proof configuration) || SHA-256(canonical document)`` with
Ed25519 (RFC 8032) and encode the 64-byte signature as multibase base58btc (``z...``) in
``proofValue``. They differ in the canonicalization:

* ``eddsa-rdfc-2022`` (§3.2): RDF Dataset Canonicalization (RDFC-1.0) of the JSON-LD document and
  of the proof configuration, which borrows the document's ``@context`` (§3.2.5). Undefined
  terms are an error, not silently unsigned (see :func:`vc_service._jsonld.canonize`).
* ``eddsa-jcs-2022`` (§3.3): JSON Canonicalization Scheme (RFC 8785). The proof itself carries
  the document's ``@context`` (§3.3.1 step 2); on verification the document's ``@context`` must
  start with the proof's, and the proof's is what was signed (§3.3.2 step 4).

Both suites register themselves with :mod:`vc_service._cryptosuite` on import. Key type:
``ed25519`` only (Multikey ``0xed01``, §2.1.1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Literal

import rfc8785

from ._cryptosuite import register_cryptosuite
from ._errors import InvalidInput, InvalidProof
from ._jsonld import as_json_object, canonize
from ._keys import Key, KeyType
from ._multibase import base58btc_decode, base58btc_encode
from ._vcdm import parse_datetime

__all__ = ["EDDSA_JCS_2022", "EDDSA_RDFC_2022", "EdDsaCryptosuite", "hash_data"]

_PROOF_TYPE = "DataIntegrityProof"
_SIGNATURE_SIZE = 64


def hash_data(canonical_proof_config: str, canonical_document: str) -> bytes:
    """EdDSA Cryptosuites §3.2.4 / §3.3.4 Hashing: the 64 bytes that Ed25519 signs.

    ``SHA-256(canonicalProofConfig) || SHA-256(transformedDocument)``, both UTF-8 encoded.
    """
    return (
        hashlib.sha256(canonical_proof_config.encode("utf-8")).digest()
        + hashlib.sha256(canonical_document.encode("utf-8")).digest()
    )


def _jcs(value: Any) -> str:
    """RFC 8785 JSON Canonicalization Scheme."""
    try:
        return rfc8785.dumps(value).decode("utf-8")
    except rfc8785.CanonicalizationError as exc:
        # e.g. an integer beyond 2**53, which I-JSON (RFC 7493) cannot carry exactly
        raise InvalidInput(f"document cannot be canonicalized with JCS: {exc}") from exc


def _decode_proof_value(proof: Mapping[str, Any]) -> bytes:
    """§3.2.2 / §3.3.2 step 3: multibase base58btc, exactly one Ed25519 signature."""
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise InvalidInput("'proofValue' must be a multibase base58btc string ('z...')")
    signature = base58btc_decode(value[1:])
    if len(signature) != _SIGNATURE_SIZE:
        raise InvalidInput(f"'proofValue' must decode to {_SIGNATURE_SIZE} bytes")
    return signature


class EdDsaCryptosuite:
    """One of the two EdDSA cryptosuites; implements :class:`vc_service._cryptosuite.Cryptosuite`.

    ``create_proof`` is §3.2.1 / §3.3.1 Create Proof with §3.2.3-§3.2.6 (or §3.3.3-§3.3.6)
    inlined; ``verify_proof`` is §3.2.2 / §3.3.2 Verify Proof with §3.2.7 / §3.3.7.
    """

    def __init__(self, name: str, canonicalization: Literal["rdfc", "jcs"]) -> None:
        self._name = name
        self._canonicalization = canonicalization

    @property
    def name(self) -> str:
        """``eddsa-rdfc-2022`` or ``eddsa-jcs-2022``."""
        return self._name

    @property
    def key_types(self) -> frozenset[KeyType]:
        """Ed25519 only (EdDSA Cryptosuites §2.1.1 Multikey)."""
        return frozenset({"ed25519"})

    def __repr__(self) -> str:
        return f"EdDsaCryptosuite({self._name!r})"

    # ---------------------------------------------------------------- algorithm steps

    def _proof_config(self, unsecured: Mapping[str, Any], options: Mapping[str, Any]) -> str:
        """§3.2.5 / §3.3.5 Proof Configuration: check the options, canonicalize them."""
        config = dict(options)
        if config.get("type") != _PROOF_TYPE or config.get("cryptosuite") != self._name:
            raise InvalidProof(
                f"proof must have type {_PROOF_TYPE!r} and cryptosuite {self._name!r}"
            )
        for member in ("created", "expires"):
            if member in config:
                parse_datetime(config[member], path=f"/proof/{member}")
        if self._canonicalization == "rdfc":
            # The proof configuration is interpreted with the document's vocabulary.
            if "@context" in unsecured:
                config["@context"] = unsecured["@context"]
            return canonize(config)
        return _jcs(config)

    def _transform(self, unsecured: Mapping[str, Any]) -> str:
        """§3.2.3 / §3.3.3 Transformation."""
        if self._canonicalization == "rdfc":
            return canonize(unsecured)
        return _jcs(unsecured)

    # ---------------------------------------------------------------- protocol

    def create_proof(
        self, unsecured: Mapping[str, Any], options: Mapping[str, Any], key: Key, **kwargs: Any
    ) -> dict[str, Any]:
        """§3.2.1 / §3.3.1 Create Proof: the proof object (``options`` + ``proofValue``)."""
        if kwargs:
            raise InvalidInput(f"{self._name} takes no options {sorted(kwargs)}")
        if not isinstance(key, Key) or key.type not in self.key_types:
            raise InvalidInput(f"{self._name} signs with an Ed25519 key")
        document = as_json_object(unsecured, "the unsecured document")
        proof = as_json_object(options, "the proof options")
        proof.pop("proofValue", None)
        if self._canonicalization == "jcs" and "@context" in document:
            proof["@context"] = document["@context"]  # §3.3.1 step 2
        data = hash_data(self._proof_config(document, proof), self._transform(document))
        proof["proofValue"] = "z" + base58btc_encode(key.sign(data))
        return proof

    def verify_proof(
        self, unsecured: Mapping[str, Any], proof: Mapping[str, Any], key: Key
    ) -> None:
        """§3.2.2 / §3.3.2 Verify Proof; raise :class:`InvalidProof` if it does not verify.

        ``unsecured`` is the document without ``proof`` (for a chained proof, with ``proof`` set
        to the previous proofs it names). A malformed ``proofValue`` raises
        :class:`InvalidInput`.
        """
        if not isinstance(key, Key) or key.type not in self.key_types:
            raise InvalidProof(f"{self._name} verifies with an Ed25519 key only")
        document = as_json_object(unsecured, "the unsecured document")
        options = as_json_object(proof, "the proof")
        signature = _decode_proof_value(options)
        del options["proofValue"]
        if "@context" in options:
            # §3.3.2 step 4 (and the same rule for rdfc): the secured document's @context must
            # start with the proof's, and the proof's context is the one that was signed. This
            # lets a holder append contexts without breaking the proof, never reorder them.
            proof_context = options["@context"]
            proof_contexts = proof_context if isinstance(proof_context, list) else [proof_context]
            doc_context = document.get("@context")
            doc_contexts = doc_context if isinstance(doc_context, list) else [doc_context]
            if doc_contexts[: len(proof_contexts)] != proof_contexts:
                raise InvalidProof("the document's @context does not start with the proof's")
            document["@context"] = proof_context
        data = hash_data(self._proof_config(document, options), self._transform(document))
        key.verify(data, signature)


EDDSA_RDFC_2022 = EdDsaCryptosuite("eddsa-rdfc-2022", "rdfc")
"""``eddsa-rdfc-2022`` (EdDSA Cryptosuites v1.0 §3.2)."""

EDDSA_JCS_2022 = EdDsaCryptosuite("eddsa-jcs-2022", "jcs")
"""``eddsa-jcs-2022`` (EdDSA Cryptosuites v1.0 §3.3)."""

register_cryptosuite(EDDSA_RDFC_2022)
register_cryptosuite(EDDSA_JCS_2022)
