"""DIDs: did:key (W3C CCG vectors), did:jwk, did:web and the resolver registry.

The did:key vectors (``vectors/w3c-ccg-did-key``, see its README) carry DID documents in legacy
types (``Ed25519VerificationKey2018``, ``JsonWebKey2020``, ``Bls12381G2Key2020``…), while v0.7 with
``Multikey`` is what we produce: the tests compare keys, not whole documents.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nacl.bindings
import nacl.exceptions
import nacl.signing
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from vc_service._dids import (
    DIDResolutionError,
    DIDResolver,
    JwkMethodResolver,
    KeyMethodResolver,
    MethodResolver,
    WebMethodResolver,
    default_resolver,
    did_document,
    did_jwk,
    did_jwk_document,
    did_web_url,
    parse_did,
    parse_did_jwk,
    parse_did_key,
    verification_method_key,
)
from vc_service._errors import InvalidInput, ResolutionError
from vc_service._keys import Key
from vc_service._multibase import (
    b64url_decode,
    b64url_encode,
    base58btc_decode,
    base58btc_encode,
    multicodec_wrap,
)
from zk import bbs

DID_KEY_VECTORS = Path(__file__).parent / "vectors" / "w3c-ccg-did-key" / "test-vectors"

# did:jwk Method Specification, section "Examples", P-256 (quartzjer/did-jwk spec.md).
SPEC_P256_DID_JWK = (
    "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OT"
    "FQSDZDZEgyVjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9"
)
SPEC_P256_JWK = {
    "crv": "P-256",
    "kty": "EC",
    "x": "acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0",
    "y": "_KcyLj9vWMptnmKtm46GqDz8wf74I5LKgrl2GzH3nSE",
}
# The same spec's X25519 example: a key-agreement key, which we do not support.
SPEC_X25519_DID_JWK = (
    "did:jwk:eyJrdHkiOiJPS1AiLCJjcnYiOiJYMjU1MTkiLCJ1c2UiOiJlbmMiLCJ4IjoiM3A3YmZYdDl3YlRUVzJIQzdPUT"
    "FOei1EUThoYmVHZE5yZngtRkctSUswOCJ9"
)
ED25519_SEED0_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "capabilityInvocation",
    "capabilityDelegation",
)


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DID_KEY_VECTORS / f"{name}.json").read_text("utf-8"))
    return data


def _vector_cases(name: str, prefixes: tuple[str, ...]) -> Iterator[Any]:
    for n, (did, entry) in enumerate(_load(name).items()):
        if did.startswith(tuple("did:key:" + p for p in prefixes)):
            yield pytest.param(did, entry, id=f"{name}-{n}")


SUPPORTED_VECTORS = [
    *_vector_cases("ed25519-x25519", ("z6Mk",)),
    *_vector_cases("nist-curves", ("zDn",)),
    *_vector_cases("bls12381", ("zUC7",)),
]
UNSUPPORTED_VECTORS = [
    *_vector_cases("nist-curves", ("z82", "z2J9")),
    *_vector_cases("bls12381", ("z5Tc",)),
    *_vector_cases("secp256k1", ("",)),
    *_vector_cases("rsa", ("",)),
]


def _x25519_dids() -> list[Any]:
    data = _load("x25519")["didDocument"]
    return [pytest.param(did, id=f"x25519-{n}") for n, did in enumerate(data)]


def _vector_public_key(did: str, entry: dict[str, Any]) -> bytes:
    """The public key bytes the vector states, in Multikey form."""
    vm = entry.get("verificationKeyPair") or entry["verificationMethod"]
    if "publicKeyJwk" in vm:
        return Key.from_jwk(vm["publicKeyJwk"]).public
    return base58btc_decode(vm["publicKeyBase58"])


def _code(exc_info: pytest.ExceptionInfo[DIDResolutionError]) -> str:
    assert isinstance(exc_info.value, ResolutionError)
    return exc_info.value.code


# --------------------------------------------------------------------------- did:key vectors


@pytest.mark.parametrize(("did", "entry"), SUPPORTED_VECTORS)
def test_did_key_vector_decodes_to_the_vector_key_and_back(did: str, entry: dict[str, Any]) -> None:
    key = parse_did_key(did)
    assert key.public == _vector_public_key(did, entry)
    assert key.did_key() == did
    assert not key.has_private


@pytest.mark.parametrize(("did", "entry"), SUPPORTED_VECTORS)
def test_did_key_vector_resolves_to_a_multikey_document(did: str, entry: dict[str, Any]) -> None:
    document = default_resolver().resolve(did)
    multibase = did.removeprefix("did:key:")
    vm_id = f"{did}#{multibase}"
    assert document == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}
        ],
        **{relationship: [vm_id] for relationship in RELATIONSHIPS},
    }
    # The vector's own document names the same verification-method id.
    assert entry["didDocument"]["assertionMethod"] == [vm_id]
    assert default_resolver().resolve_key(vm_id).public == _vector_public_key(did, entry)


@pytest.mark.parametrize(("did", "entry"), list(_vector_cases("ed25519-x25519", ("z6Mk",))))
def test_ed25519_vector_seed_produces_the_did(did: str, entry: dict[str, Any]) -> None:
    seed = bytes.fromhex(entry["seed"])
    public = bytes(nacl.signing.SigningKey(seed).verify_key)
    assert Key.from_public_bytes("ed25519", public).did_key() == did


@pytest.mark.parametrize(("did", "entry"), list(_vector_cases("nist-curves", ("zDn",))))
def test_p256_vector_private_key_produces_the_did(did: str, entry: dict[str, Any]) -> None:
    vm = entry["verificationMethod"]
    if "privateKeyJwk" in vm:
        key = Key.from_jwk(vm["privateKeyJwk"])
    else:  # the P256Key2021 entry: base58 private scalar
        d = base58btc_decode(vm["privateKeyBase58"])
        secret = ec.derive_private_key(int.from_bytes(d, "big"), ec.SECP256R1())
        numbers = secret.public_key().public_numbers()
        key = Key.from_jwk(
            {
                "kty": "EC",
                "crv": "P-256",
                "x": b64url_encode(numbers.x.to_bytes(32, "big")),
                "y": b64url_encode(numbers.y.to_bytes(32, "big")),
            }
        )
    assert key.did_key() == did


@pytest.mark.parametrize(("did", "entry"), list(_vector_cases("bls12381", ("zUC7",))))
def test_bls12381g2_vector_private_key_produces_the_did(did: str, entry: dict[str, Any]) -> None:
    secret = base58btc_decode(entry["verificationKeyPair"]["privateKeyBase58"])
    public = bbs.BLS12_381_SHA256.sk_to_pk(secret)
    assert Key.from_public_bytes("bls12381g2", public).did_key() == did


@pytest.mark.parametrize(("did", "entry"), UNSUPPORTED_VECTORS)
def test_did_key_of_an_unsupported_key_type_is_refused(did: str, entry: dict[str, Any]) -> None:
    with pytest.raises(DIDResolutionError) as exc_info:
        parse_did_key(did)
    assert _code(exc_info) == "unsupportedPublicKeyType"


@pytest.mark.parametrize("did", _x25519_dids())
def test_did_key_of_an_x25519_key_is_refused(did: str) -> None:
    with pytest.raises(DIDResolutionError) as exc_info:
        default_resolver().resolve(did)
    assert _code(exc_info) == "unsupportedPublicKeyType"


# --------------------------------------------------------------------------- did:key negative


def _did_key(codec: int, raw: bytes) -> str:
    return "did:key:z" + base58btc_encode(multicodec_wrap(codec, raw))


VALID_ED25519 = parse_did_key(ED25519_SEED0_DID).public
VALID_P256 = parse_did_key("did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv").public
VALID_G2 = Key.generate("bls12381g2").public


@pytest.mark.parametrize(
    "did",
    [
        pytest.param(_did_key(0xED, VALID_ED25519[:31]), id="ed25519-31-bytes"),
        pytest.param(_did_key(0xED, VALID_ED25519 + b"\x00"), id="ed25519-33-bytes"),
        pytest.param(_did_key(0x1200, VALID_P256[:32]), id="p256-32-bytes"),
        pytest.param(_did_key(0x1200, b"\x04" + bytes(64)), id="p256-uncompressed-65-bytes"),
        pytest.param(_did_key(0xEB, VALID_G2[:95]), id="g2-95-bytes"),
    ],
)
def test_did_key_with_a_wrong_key_length_is_refused(did: str) -> None:
    with pytest.raises(DIDResolutionError) as exc_info:
        parse_did_key(did)
    assert _code(exc_info) == "invalidPublicKeyLength"


@pytest.mark.parametrize(
    "did",
    [
        # y = 2: (y^2 - 1)/(d y^2 + 1) is not a square mod 2^255 - 19, so no x exists.
        pytest.param(_did_key(0xED, (2).to_bytes(32, "little")), id="ed25519-not-on-curve"),
        pytest.param(_did_key(0xED, (2**255 - 19).to_bytes(32, "little")), id="ed25519-y-eq-p"),
        pytest.param(_did_key(0xED, (1).to_bytes(32, "little")), id="ed25519-identity"),
        pytest.param(_did_key(0xED, (2**255 - 20).to_bytes(32, "little")), id="ed25519-order-2"),
        pytest.param(_did_key(0xED, (1 | 1 << 255).to_bytes(32, "little")), id="ed25519-neg-zero"),
        # x = 1: 1 - 3 + b is not a square mod the P-256 prime.
        pytest.param(_did_key(0x1200, b"\x02" + (1).to_bytes(32, "big")), id="p256-not-on-curve"),
        pytest.param(_did_key(0x1200, b"\x05" + VALID_P256[1:]), id="p256-bad-prefix"),
        pytest.param(_did_key(0xEB, b"\xc0" + bytes(95)), id="g2-identity"),
        pytest.param(_did_key(0xEB, VALID_G2[:-1] + bytes([VALID_G2[-1] ^ 1])), id="g2-tampered"),
        pytest.param(
            _did_key(0xEB, bytes([VALID_G2[0] & 0x7F]) + VALID_G2[1:]), id="g2-uncompressed"
        ),
    ],
)
def test_did_key_with_an_invalid_point_is_refused(did: str) -> None:
    with pytest.raises(DIDResolutionError) as exc_info:
        parse_did_key(did)
    assert _code(exc_info) == "invalidPublicKey"


@pytest.mark.parametrize(
    "did",
    [
        pytest.param("did:key:", id="empty-identifier"),
        pytest.param("did:key:6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", id="no-z-prefix"),
        pytest.param(
            "did:key:u7QE7aie8zrakLWKjqNAqbw1zZTIVdx3iQ6Y6wEihi1naKQ", id="base64-multibase"
        ),
        pytest.param(ED25519_SEED0_DID + "#key-1", id="did-url-fragment"),
        pytest.param(ED25519_SEED0_DID + "/path", id="did-url-path"),
        pytest.param("DID:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", id="upper-scheme"),
        pytest.param("did:KEY:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", id="upper-method"),
        pytest.param("did:key:1:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", id="versioned"),
        pytest.param("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDoo0p", id="base58-zero"),
        pytest.param("did:jwk:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", id="other-method"),
        pytest.param(" " + ED25519_SEED0_DID, id="leading-space"),
        pytest.param(
            "did:key:z" + base58btc_encode(b"\xed\x81\x00" + VALID_ED25519), id="overlong-varint"
        ),
        pytest.param(b"did:key:z6Mk", id="bytes-not-str"),
    ],
)
def test_malformed_did_key_is_invalid_did(did: Any) -> None:
    with pytest.raises(DIDResolutionError) as exc_info:
        parse_did_key(did)
    assert _code(exc_info) == "invalidDid"


def test_did_document_of_a_generated_key_matches_its_did() -> None:
    for key_type in ("ed25519", "p256", "bls12381g2"):
        key = Key.generate(key_type)
        document = did_document(key)
        assert document["id"] == key.did_key()
        assert parse_did_key(document["id"]).same_public(key)


def test_did_document_refuses_a_non_key_and_an_invalid_ed25519_key() -> None:
    with pytest.raises(InvalidInput):
        did_document("did:key:z6Mk")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        did_document(Key.from_public_bytes("ed25519", (2).to_bytes(32, "little")))


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=32, max_size=32))
def test_any_ed25519_seed_round_trips_through_did_key(seed: bytes) -> None:
    key = Key.from_public_bytes("ed25519", bytes(nacl.signing.SigningKey(seed).verify_key))
    assert parse_did_key(key.did_key()).same_public(key)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=32, max_size=32))
def test_ed25519_encodings_we_refuse_libsodium_refuses_too(raw: bytes) -> None:
    """libsodium as the oracle: every encoding we call invalid, it refuses as well.

    (It refuses more: points outside the prime-order subgroup, which RFC 8032 allows.)
    """
    try:
        parse_did_key(_did_key(0xED, raw))
    except DIDResolutionError as exc:
        assert exc.code == "invalidPublicKey"
        with pytest.raises(nacl.exceptions.CryptoError):
            nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(raw)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", max_size=60))
def test_arbitrary_did_key_text_raises_only_resolution_errors(text: str) -> None:
    did = "did:key:z" + text
    try:
        key = parse_did_key(did)
    except DIDResolutionError:
        return
    assert key.did_key() == did


# --------------------------------------------------------------------------- did:jwk


def test_spec_did_jwk_example_resolves_to_its_key_and_document() -> None:
    document = default_resolver().resolve(SPEC_P256_DID_JWK)
    vm_id = SPEC_P256_DID_JWK + "#0"
    assert document == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": SPEC_P256_DID_JWK,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "JsonWebKey",
                "controller": SPEC_P256_DID_JWK,
                "publicKeyJwk": SPEC_P256_JWK,
            }
        ],
        **{relationship: [vm_id] for relationship in (*RELATIONSHIPS, "keyAgreement")},
    }
    key = default_resolver().resolve_key(vm_id)
    assert key.same_public(Key.from_jwk(SPEC_P256_JWK))
    # The spec's DID is the JCS serialisation, which is what did_jwk produces.
    assert did_jwk(SPEC_P256_JWK) == SPEC_P256_DID_JWK
    assert did_jwk(key) == SPEC_P256_DID_JWK


@pytest.mark.parametrize("key_type", ["ed25519", "p256", "bls12381g2"])
def test_did_jwk_round_trips_every_key_type(key_type: Any) -> None:
    key = Key.generate(key_type)
    did = did_jwk(key)
    parsed, jwk = parse_did_jwk(did)
    assert parsed.same_public(key)
    assert jwk == key.public_jwk()
    assert default_resolver().resolve_key_for_did(did).same_public(key)


def test_did_jwk_use_sig_drops_key_agreement_and_use_enc_keeps_only_it() -> None:
    jwk = dict(SPEC_P256_JWK)
    signing = did_jwk_document(did_jwk({**jwk, "use": "sig"}))
    assert "keyAgreement" not in signing
    assert all(relationship in signing for relationship in RELATIONSHIPS)
    enc_did = did_jwk({**jwk, "use": "enc"})
    encryption = did_jwk_document(enc_did)
    assert encryption["keyAgreement"] == [enc_did + "#0"]
    assert not any(relationship in encryption for relationship in RELATIONSHIPS)
    with pytest.raises(DIDResolutionError) as exc_info:
        default_resolver().resolve_key(enc_did + "#0")
    assert _code(exc_info) == "INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD"
    assert default_resolver().resolve_key(enc_did + "#0", purpose="keyAgreement")


def _raw_did_jwk(member: Any) -> str:
    return "did:jwk:" + b64url_encode(json.dumps(member).encode())


_ORDER_8_POINT = bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")


@pytest.mark.parametrize(
    ("did", "code"),
    [
        pytest.param(_raw_did_jwk(Key.generate("p256").private_jwk()), "invalidPublicKey", id="d"),
        pytest.param(
            _raw_did_jwk({**Key.generate("ed25519").public_jwk(), "k": "AA"}),
            "invalidPublicKey",
            id="symmetric-k",
        ),
        pytest.param(
            _raw_did_jwk({**SPEC_P256_JWK, "use": "wrap"}), "invalidPublicKey", id="bad-use"
        ),
        pytest.param(
            _raw_did_jwk({**SPEC_P256_JWK, "y": SPEC_P256_JWK["x"]}),
            "invalidPublicKey",
            id="p256-not-on-curve",
        ),
        pytest.param(
            _raw_did_jwk({"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(bytes(32))}),
            "invalidPublicKey",
            id="ed25519-small-order",
        ),
        pytest.param(
            _raw_did_jwk(
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    # An honest key plus a point of order 8: on the curve, canonical, not of
                    # small order, but outside the prime-order subgroup.
                    "x": b64url_encode(
                        nacl.bindings.crypto_core_ed25519_add(
                            Key.generate("ed25519").public, _ORDER_8_POINT
                        )
                    ),
                }
            ),
            "invalidPublicKey",
            id="ed25519-mixed-order",
        ),
        pytest.param(SPEC_X25519_DID_JWK, "unsupportedPublicKeyType", id="x25519"),
        pytest.param(
            _raw_did_jwk({"kty": "RSA", "n": "AQAB", "e": "AQAB"}),
            "unsupportedPublicKeyType",
            id="rsa",
        ),
        pytest.param("did:jwk:!!!", "invalidDid", id="not-idchars"),
        pytest.param("did:jwk:eyJ", "invalidDid", id="truncated-base64url"),
        pytest.param("did:jwk:" + b64url_encode(b"not json"), "invalidDid", id="not-json"),
        pytest.param("did:jwk:" + b64url_encode(b"\xff\xfe"), "invalidDid", id="not-utf8"),
        pytest.param(_raw_did_jwk([SPEC_P256_JWK]), "invalidDid", id="json-array"),
        pytest.param(
            "did:jwk:" + b64url_encode(b'{"kty":"EC","kty":"OKP"}'), "invalidDid", id="dup-member"
        ),
        pytest.param(SPEC_P256_DID_JWK + ":extra", "invalidDid", id="extra-component"),
    ],
)
def test_bad_did_jwk_is_refused_with_its_code(did: str, code: str) -> None:
    with pytest.raises(DIDResolutionError) as exc_info:
        default_resolver().resolve(did)
    assert _code(exc_info) == code


def test_did_jwk_refuses_to_encode_a_private_jwk() -> None:
    with pytest.raises(InvalidInput):
        did_jwk(Key.generate("ed25519").private_jwk())
    with pytest.raises(InvalidInput):
        did_jwk(42)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- did:web


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
        ("did:web:example.com%3a8443", "https://example.com:8443/.well-known/did.json"),
        (
            "did:web:agency.gov.example:issuers:tax%20office",
            ("https://agency.gov.example/issuers/tax%20office/did.json"),
        ),
    ],
)
def test_did_web_maps_to_the_spec_url(did: str, url: str) -> None:
    assert did_web_url(did) == url


@pytest.mark.parametrize(
    "did",
    [
        pytest.param("did:web:127.0.0.1", id="ipv4"),
        pytest.param("did:web:example.com%2Fevil.com", id="encoded-slash-in-host"),
        pytest.param("did:web:evil.com%40example.com", id="encoded-at-in-host"),
        pytest.param("did:web:example.com:..:admin", id="dot-dot-segment"),
        pytest.param("did:web:example.com:%2E%2E:admin", id="encoded-dot-dot-segment"),
        pytest.param("did:web:example.com:a%2Fb", id="encoded-slash-in-path"),
        pytest.param("did:web:example.com::alice", id="empty-segment"),
        pytest.param("did:web:example.com%3A99999", id="port-out-of-range"),
        pytest.param("did:web:example.com%3A", id="empty-port"),
        pytest.param("did:web:exa_mple.com", id="underscore-host"),
        pytest.param("did:web:-example.com", id="label-leading-hyphen"),
        pytest.param("did:web:example..com", id="empty-label"),
        pytest.param("did:key:example.com", id="other-method"),
    ],
)
def test_did_web_that_names_no_proper_https_location_is_refused(did: str) -> None:
    with pytest.raises(DIDResolutionError) as exc_info:
        did_web_url(did)
    assert _code(exc_info) == "invalidDid"


WEB_DID = "did:web:agency.example:issuers:civil-registry"
WEB_URL = "https://agency.example/issuers/civil-registry/did.json"
ED_KEY = Key.generate("ed25519")
P256_KEY = Key.generate("p256")


def _web_document(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": WEB_DID,
        "verificationMethod": [
            {
                "id": "#key-1",
                "type": "Multikey",
                "controller": WEB_DID,
                "publicKeyMultibase": ED_KEY.multikey(),
            },
            {
                "id": WEB_DID + "#jwk-1",
                "type": "JsonWebKey",
                "controller": WEB_DID,
                "publicKeyJwk": P256_KEY.public_jwk(),
            },
        ],
        "assertionMethod": ["#key-1", WEB_DID + "#jwk-1"],
        "authentication": [
            {
                "id": WEB_DID + "#auth",
                "type": "Multikey",
                "controller": WEB_DID,
                "publicKeyMultibase": P256_KEY.multikey(),
            }
        ],
    }
    document.update(changes)
    return document


def _fetcher(body: bytes, seen: list[str] | None = None) -> Callable[[str], bytes]:
    def http_get(url: str) -> bytes:
        if seen is not None:
            seen.append(url)
        if url != WEB_URL:
            raise LookupError(f"404 {url}")
        return body

    return http_get


def _web_resolver(document: Any, seen: list[str] | None = None) -> DIDResolver:
    return default_resolver(_fetcher(json.dumps(document).encode(), seen))


def test_did_web_resolves_through_the_injected_fetcher() -> None:
    seen: list[str] = []
    resolver = _web_resolver(_web_document(), seen)
    assert resolver.resolve(WEB_DID) == _web_document()
    assert seen == [WEB_URL]


def test_did_web_keys_resolve_by_relative_absolute_and_embedded_ids() -> None:
    resolver = _web_resolver(_web_document())
    assert resolver.resolve_key(WEB_DID + "#key-1").same_public(ED_KEY)
    assert resolver.resolve_key(WEB_DID + "#jwk-1").same_public(P256_KEY)
    embedded = resolver.resolve_key(WEB_DID + "#auth", purpose="authentication")
    assert embedded.same_public(P256_KEY)
    assert resolver.resolve_key_for_did(WEB_DID).same_public(ED_KEY)
    assert resolver.resolve_key_for_did(WEB_DID, "jwk-1").same_public(P256_KEY)
    assert resolver.resolve_key_for_did(WEB_DID, "#jwk-1").same_public(P256_KEY)
    assert resolver.resolve_key_for_did(WEB_DID, WEB_DID + "#jwk-1").same_public(P256_KEY)


def test_did_web_without_a_fetcher_never_touches_the_network() -> None:
    with pytest.raises(DIDResolutionError, match="did:web needs an HTTP fetcher"):
        default_resolver().resolve(WEB_DID)
    with pytest.raises(ResolutionError):
        WebMethodResolver().resolve(WEB_DID)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param(
            json.dumps(_web_document(id="did:web:evil.example")).encode(),
            "invalidDidDocument",
            id="other-id",
        ),
        pytest.param(json.dumps(_web_document(id=None)).encode(), "invalidDidDocument", id="no-id"),
        pytest.param(b"<html>not json</html>", "invalidDidDocument", id="not-json"),
        pytest.param(b"[]", "invalidDidDocument", id="json-array"),
        pytest.param(
            b'{"id": "x", "id": "' + WEB_DID.encode() + b'"}', "invalidDidDocument", id="dup-id"
        ),
        pytest.param(b" " * ((1 << 20) + 1), "invalidDidDocument", id="oversized"),
    ],
)
def test_did_web_refuses_a_bad_document(body: bytes, code: str) -> None:
    with pytest.raises(DIDResolutionError) as exc_info:
        default_resolver(_fetcher(body)).resolve(WEB_DID)
    assert _code(exc_info) == code


def test_did_web_fetch_failure_is_not_found_with_its_cause() -> None:
    with pytest.raises(DIDResolutionError) as exc_info:
        default_resolver(_fetcher(b"{}")).resolve("did:web:other.example")
    assert _code(exc_info) == "notFound"
    assert isinstance(exc_info.value.__cause__, LookupError)


def test_did_web_fetcher_returning_text_is_an_internal_error() -> None:
    def http_get(url: str) -> Any:
        return json.dumps(_web_document())

    with pytest.raises(DIDResolutionError) as exc_info:
        default_resolver(http_get).resolve(WEB_DID)
    assert _code(exc_info) == "internalError"


# --------------------------------------------------------------------------- resolve_key checks


def _method(vm_id: str = "#key-1", **changes: Any) -> dict[str, Any]:
    method = {
        "id": vm_id,
        "type": "Multikey",
        "controller": WEB_DID,
        "publicKeyMultibase": ED_KEY.multikey(),
    }
    method.update(changes)
    return {k: v for k, v in method.items() if v is not None}


@pytest.mark.parametrize(
    ("document", "vm_id", "purpose", "code"),
    [
        pytest.param(
            _web_document(), WEB_DID + "#nope", "assertionMethod", "notFound", id="vm-missing"
        ),
        pytest.param(
            _web_document(),
            WEB_DID + "#auth",
            "assertionMethod",
            "INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD",
            id="embedded-in-other-relationship",
        ),
        pytest.param(
            _web_document(assertionMethod=[]),
            WEB_DID + "#key-1",
            "assertionMethod",
            "INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD",
            id="not-listed",
        ),
        pytest.param(
            _web_document(assertionMethod=["#key-1"]),
            WEB_DID + "#key-1",
            "capabilityInvocation",
            "INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD",
            id="other-purpose",
        ),
        pytest.param(
            _web_document(verificationMethod=[_method(controller="did:web:evil.example")]),
            WEB_DID + "#key-1",
            "assertionMethod",
            "INVALID_VERIFICATION_METHOD",
            id="foreign-controller",
        ),
        pytest.param(
            _web_document(verificationMethod=[_method(publicKeyJwk=ED_KEY.public_jwk())]),
            WEB_DID + "#key-1",
            "assertionMethod",
            "INVALID_VERIFICATION_METHOD",
            id="two-key-properties",
        ),
        pytest.param(
            _web_document(
                verificationMethod=[
                    _method(
                        type="JsonWebKey",
                        publicKeyMultibase=None,
                        publicKeyJwk=ED_KEY.private_jwk(),
                    )
                ]
            ),
            WEB_DID + "#key-1",
            "assertionMethod",
            "invalidPublicKey",
            id="private-jwk",
        ),
        pytest.param(
            _web_document(verificationMethod=[_method(type="EcdsaSecp256k1VerificationKey2019")]),
            WEB_DID + "#key-1",
            "assertionMethod",
            "unsupportedPublicKeyType",
            id="unknown-type",
        ),
        pytest.param(
            _web_document(verificationMethod=[_method(publicKeyMultibase="z6MkNotBase58OOO")]),
            WEB_DID + "#key-1",
            "assertionMethod",
            "invalidPublicKey",
            id="bad-multibase",
        ),
        pytest.param(
            _web_document(
                verificationMethod=[
                    _method(
                        type="Ed25519VerificationKey2020", publicKeyMultibase=P256_KEY.multikey()
                    )
                ]
            ),
            WEB_DID + "#key-1",
            "assertionMethod",
            "INVALID_VERIFICATION_METHOD",
            id="ed25519-2020-with-p256",
        ),
        pytest.param(
            _web_document(
                verificationMethod=[_method(), _method(publicKeyMultibase=P256_KEY.multikey())]
            ),
            WEB_DID + "#key-1",
            "assertionMethod",
            "invalidDidDocument",
            id="duplicate-id",
        ),
        pytest.param(
            _web_document(assertionMethod="#key-1"),
            WEB_DID + "#key-1",
            "assertionMethod",
            "invalidDidDocument",
            id="relationship-not-array",
        ),
        pytest.param(
            _web_document(), WEB_DID, "assertionMethod", "invalidDidUrl", id="no-fragment"
        ),
        pytest.param(
            _web_document(), "#key-1", "assertionMethod", "invalidDidUrl", id="relative-id"
        ),
        pytest.param(
            _web_document(), WEB_DID + "#a#b", "assertionMethod", "invalidDidUrl", id="two-hashes"
        ),
    ],
)
def test_resolve_key_refuses_with_the_cid_error(
    document: dict[str, Any], vm_id: str, purpose: str, code: str
) -> None:
    with pytest.raises(DIDResolutionError) as exc_info:
        _web_resolver(document).resolve_key(vm_id, purpose=purpose)
    assert _code(exc_info) == code


def test_resolve_key_with_no_purpose_skips_the_relationship_check() -> None:
    resolver = _web_resolver(_web_document(assertionMethod=[]))
    assert resolver.resolve_key(WEB_DID + "#key-1", purpose=None).same_public(ED_KEY)


def test_resolve_key_refuses_an_unknown_purpose_name() -> None:
    with pytest.raises(InvalidInput):
        default_resolver().resolve_key(ED25519_SEED0_DID + "#x", purpose="assertion")


def test_resolve_key_for_did_refuses_a_kid_of_another_did() -> None:
    with pytest.raises(DIDResolutionError) as exc_info:
        _web_resolver(_web_document()).resolve_key_for_did(WEB_DID, "did:web:other.example#key-1")
    assert _code(exc_info) == "invalidDidUrl"


def test_resolve_key_for_did_without_keys_for_the_purpose_is_not_found() -> None:
    with pytest.raises(DIDResolutionError) as exc_info:
        _web_resolver(_web_document()).resolve_key_for_did(WEB_DID, purpose="keyAgreement")
    assert _code(exc_info) == "notFound"


def test_verification_method_key_reads_legacy_ed25519_2020() -> None:
    method = _method(type="Ed25519VerificationKey2020")
    assert verification_method_key(method).same_public(ED_KEY)
    with pytest.raises(DIDResolutionError):
        verification_method_key(["not", "a", "method"])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the registry


class _HistoryResolver:
    """A did:chancery stand-in whose document depends on ``at``."""

    def __init__(self) -> None:
        self.calls: list[datetime | None] = []
        self.rotation = datetime(2025, 1, 1, tzinfo=UTC)

    def resolve(self, did: str, *, at: datetime | None) -> dict[str, Any]:
        self.calls.append(at)
        key = ED_KEY if at is not None and at < self.rotation else P256_KEY
        vm_id = did + "#key"
        return {
            "id": did,
            "verificationMethod": [
                {
                    "id": vm_id,
                    "type": "Multikey",
                    "controller": did,
                    "publicKeyMultibase": key.multikey(),
                }
            ],
            "assertionMethod": [vm_id],
        }


def test_registered_method_receives_at_and_answers_as_of_that_time() -> None:
    history = _HistoryResolver()
    assert isinstance(history, MethodResolver)
    resolver = default_resolver()
    resolver.register("chancery", history)
    assert resolver.methods == ["chancery", "jwk", "key", "web"]
    before = datetime(2024, 6, 1, tzinfo=UTC)
    did = "did:chancery:agency:civil-registry"
    assert resolver.resolve_key(did + "#key", at=before).same_public(ED_KEY)
    assert resolver.resolve_key(did + "#key").same_public(P256_KEY)
    assert history.calls == [before, None]


def test_unknown_method_is_method_not_supported() -> None:
    with pytest.raises(DIDResolutionError) as exc_info:
        default_resolver().resolve("did:example:123")
    assert _code(exc_info) == "methodNotSupported"
    with pytest.raises(DIDResolutionError) as exc_info:
        DIDResolver().resolve(ED25519_SEED0_DID)
    assert _code(exc_info) == "methodNotSupported"


def test_a_method_resolver_cannot_answer_for_another_did() -> None:
    class Liar:
        def resolve(self, did: str, *, at: datetime | None) -> dict[str, Any]:
            return did_document(ED_KEY)

    resolver = DIDResolver()
    resolver.register("chancery", Liar())
    with pytest.raises(DIDResolutionError) as exc_info:
        resolver.resolve("did:chancery:x")
    assert _code(exc_info) == "invalidDidDocument"


def test_a_failing_method_resolver_becomes_an_internal_error_with_its_cause() -> None:
    class Broken:
        def resolve(self, did: str, *, at: datetime | None) -> dict[str, Any]:
            raise RuntimeError("database down")

    resolver = DIDResolver()
    resolver.register("chancery", Broken())
    with pytest.raises(DIDResolutionError) as exc_info:
        resolver.resolve("did:chancery:x")
    assert _code(exc_info) == "internalError"
    assert isinstance(exc_info.value.__cause__, RuntimeError)


def test_resolved_documents_are_copies() -> None:
    resolver = default_resolver()
    document = resolver.resolve(ED25519_SEED0_DID)
    document["assertionMethod"].clear()
    assert resolver.resolve(ED25519_SEED0_DID)["assertionMethod"]
    assert isinstance(KeyMethodResolver().resolve(ED25519_SEED0_DID, at=None), dict)
    assert JwkMethodResolver().resolve(SPEC_P256_DID_JWK, at=None)["id"] == SPEC_P256_DID_JWK


@pytest.mark.parametrize(
    ("method", "resolver"),
    [("Chancery", KeyMethodResolver()), ("did:x", KeyMethodResolver()), ("x", object())],
)
def test_register_refuses_bad_names_and_non_resolvers(method: str, resolver: Any) -> None:
    with pytest.raises(InvalidInput):
        DIDResolver().register(method, resolver)


def test_resolve_refuses_a_naive_at() -> None:
    with pytest.raises(InvalidInput):
        default_resolver().resolve(ED25519_SEED0_DID, at=datetime(2025, 1, 1))  # noqa: DTZ001


@pytest.mark.parametrize(
    "did",
    ["did:", "did:a", "did::x", "did:a:", "did:a:b:", "did:a:b c", "did:a:%zz", "x" * 5000],
)
def test_parse_did_checks_did_core_syntax(did: str) -> None:
    with pytest.raises(DIDResolutionError) as exc_info:
        parse_did(did)
    assert _code(exc_info) == "invalidDid"


def test_parse_did_splits_method_and_identifier() -> None:
    assert parse_did("did:web:example.com%3A3000:u:bob") == ("web", "example.com%3A3000:u:bob")
    assert b64url_decode(parse_did(SPEC_P256_DID_JWK)[1])
