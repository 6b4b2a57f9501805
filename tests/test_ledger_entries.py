"""Ledger entries (specs/ledger/entries.md §2-§5) and did:chancery identifiers (§4.1).

Encoding: every entry's bytes are RFC 8785 (checked against the ``rfc8785`` package), decoding
accepts only those exact bytes, and pinned entries (fixed keys, nonces and times; Ed25519 is
deterministic) keep the encoding from drifting. Payloads: every schema accepts its example and
refuses each malformation with an :class:`InvalidEntry` naming the field. Signatures: domain
separated, and any changed byte of an entry is refused.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import nacl.signing
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from vc_service._errors import InvalidInput, InvalidProof, ResolutionError
from vc_service._keys import Key
from vc_service._multibase import b64url_encode
from vc_service.ledger._did_chancery import (
    derive_did,
    did_create_payload,
    key_object,
    parse_chancery_did,
    parse_verification_method_id,
)
from vc_service.ledger._entries import (
    MAX_ANCHOR_BATCH,
    MAX_ENTRY_BYTES,
    OPERATIONS,
    PAYLOAD_VALIDATORS,
    SIGNATURE_DOMAIN,
    Entry,
    InvalidEntry,
    _jcs,
    decode_entry,
    encode,
    encode_entry,
    make_entry,
    parse_time,
    thaw,
    validate_payload,
    verify_signature,
)

ORIGIN = "ledger.example.gov/test"
T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
H1 = hashlib.sha256(b"credential 1").hexdigest()
H2 = hashlib.sha256(b"credential 2").hexdigest()


def ed25519_from_seed(seed: bytes) -> Key:
    public = bytes(nacl.signing.SigningKey(seed).verify_key)
    return Key.from_jwk(
        {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(public), "d": b64url_encode(seed)}
    )


def p256_from_scalar(d: int) -> Key:
    numbers = ec.derive_private_key(d, ec.SECP256R1()).public_key().public_numbers()
    return Key.from_jwk(
        {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url_encode(numbers.x.to_bytes(32, "big")),
            "y": b64url_encode(numbers.y.to_bytes(32, "big")),
            "d": b64url_encode(d.to_bytes(32, "big")),
        }
    )


ROOT_KEY = ed25519_from_seed(bytes(range(32)))
AGENCY_KEY = ed25519_from_seed(bytes(range(32, 64)))
P256_KEY = p256_from_scalar(0x1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF)
ROOT = did_create_payload([ROOT_KEY], nonce=bytes(16))
AGENCY = did_create_payload([AGENCY_KEY, P256_KEY], nonce=bytes(range(16)))
ROOT_VM = ROOT["did"] + "#key-1"
AGENCY_VM = AGENCY["did"] + "#key-1"


def examples() -> dict[tuple[str, str], dict[str, Any]]:
    """A valid payload for every (type, op)."""
    return {
        ("genesis", "create"): {"root": ROOT},
        ("did", "create"): AGENCY,
        ("did", "rotate"): {
            "did": AGENCY["did"],
            "add": [key_object(3, ed25519_from_seed(bytes(32)))],
            "retire": ["key-1"],
        },
        ("did", "revoke-key"): {"did": AGENCY["did"], "keys": ["key-2"]},
        ("did", "deactivate"): {"did": AGENCY["did"]},
        ("accreditation", "grant"): {
            "agency": AGENCY["did"],
            "types": ["national-id/v1", "https://types.example.gov/diploma/v2"],
            "valid_from": "2025-01-01T00:00:00Z",
            "valid_until": "2030-01-01T00:00:00Z",
        },
        ("accreditation", "suspend"): {"agency": AGENCY["did"]},
        ("accreditation", "reinstate"): {"agency": AGENCY["did"]},
        ("accreditation", "revoke"): {"agency": AGENCY["did"]},
        ("credential-type", "publish"): {
            "id": "national-id/v1",
            "claims": [
                {"name": "given_name", "kind": "string", "predicate": False},
                {"name": "birth_date", "kind": "date", "predicate": True},
                {"name": "height_cm", "kind": "integer", "predicate": True},
            ],
            "formats": ["bbs-2023", "dc+sd-jwt"],
            "revocation": "bitstring-status-list",
        },
        ("credential-type", "deprecate"): {"id": "national-id/v1"},
        ("credential-anchor", "anchor"): {"hashes": [H1, H2]},
        ("status-list", "publish"): {
            "url": "https://status.example.gov/lists/3",
            "version": 7,
            "digest": H1,
        },
        ("accumulator", "publish"): {
            "id": "national-id/v1/accumulator",
            "version": 2,
            "value": b64url_encode(bytes(range(48))),
            "update": b64url_encode(b"added:3;removed:9"),
        },
        ("notarization", "notarize"): {
            "hash": H2,
            "metadata": {"kind": "decree", "number": 42, "public": True, "title": "Décret n° 7"},
        },
    }


def sign(kind: str, op: str, payload: dict[str, Any] | None = None, **kw: Any) -> Entry:
    key = kw.pop("key", AGENCY_KEY)
    signer = kw.pop("signer", AGENCY_VM)
    body = examples()[(kind, op)] if payload is None else payload
    return make_entry(ORIGIN, kind, op, body, key, signer, kw.pop("time", T0))


ALL_OPS = sorted(PAYLOAD_VALIDATORS)


def op_id(value: tuple[str, str]) -> str:
    return "/".join(value)


# --------------------------------------------------------------------------- the encoding


def test_every_type_and_op_has_a_validator_and_an_example() -> None:
    """The schema table, the operation table and the examples cover the same (type, op)s."""
    declared = {(kind, op) for kind, ops in OPERATIONS.items() for op in ops}
    assert declared == set(PAYLOAD_VALIDATORS) == set(examples())


@pytest.mark.parametrize("type_op", ALL_OPS, ids=op_id)
def test_entry_bytes_are_the_rfc8785_serialisation(type_op: tuple[str, str]) -> None:
    """raw is JCS of the entry object, and the signed bytes are the domain prefix + JCS of the
    object without "sig", both as the rfc8785 package computes them."""
    entry = sign(*type_op)
    obj = entry.to_json()
    assert entry.raw == rfc8785.dumps(obj)
    del obj["sig"]
    assert entry.signing_input == SIGNATURE_DOMAIN + rfc8785.dumps(obj)
    assert encode_entry(entry) == encode(entry) == entry.raw


@pytest.mark.parametrize("type_op", ALL_OPS, ids=op_id)
def test_decode_round_trip(type_op: tuple[str, str]) -> None:
    """decode_entry(raw) gives back the same entry, field for field."""
    entry = sign(*type_op)
    decoded = decode_entry(entry.raw)
    assert decoded == entry
    assert (decoded.type, decoded.op, decoded.signer, decoded.time) == (*type_op, AGENCY_VM, T0)
    assert thaw(decoded.payload) == examples()[type_op]
    assert decoded.sig == entry.sig
    assert decoded.signing_input == entry.signing_input
    verify_signature(decoded, AGENCY_KEY)


# Pinned encodings. Ed25519 signatures are deterministic (RFC 8032), so entries built from
# fixed seeds, nonces and times are byte-for-byte fixed: a change of the encoding, the DID
# derivation or the signing input changes these hashes.
GENESIS_TEXT = (
    '{"log":"ledger.example.gov/test","op":"create","payload":{"root":{"did":'
    '"did:chancery:PntcfF63L97mePkrqTZMav","keys":[{"id":"key-1","publicKeyMultibase":'
    '"z6MkehRgf7yJbgaGfYsdoAsKdBPE3dj2CYhowQdcjqSJgvVd","purposes":["authentication",'
    '"assertionMethod","capabilityInvocation","capabilityDelegation"]}],"nonce":'
    '"AAAAAAAAAAAAAAAAAAAAAA"}},"sig":"cJQpAKPUKpiU8QJXLekkYZRI3tUoV47Fddg26oGjptxU37OxK1H7SxD'
    'QZJWyEUW2dkXfeiRddsyX9ITT8w4xBA","signer":"did:chancery:PntcfF63L97mePkrqTZMav#key-1",'
    '"time":"2025-03-01T12:00:00Z","type":"genesis","v":1}'
)
PINNED: dict[str, tuple[Callable[[], Entry], str]] = {
    "genesis-create": (
        lambda: sign("genesis", "create", key=ROOT_KEY, signer=ROOT_VM),
        "bac13d0f75f993db812aa23941d2c6e6b638207c93ceb290182672ca19241416",
    ),
    "did-create": (
        lambda: sign("did", "create"),
        "5305a022ff1d55afac3b1c201b989ed1243a7df88a3c2263c580bbe7cb7bb5eb",
    ),
    "credential-anchor": (
        lambda: sign("credential-anchor", "anchor"),
        "201de5bd74867ae920a182a72c0e1bad2f2fb8901b8cef713c2e411eb09fbe08",
    ),
    "notarization-unicode-metadata": (
        lambda: sign("notarization", "notarize"),
        "08f073c8708e19dd9cb6fda2cbe541f58deb33ae1efe8b7301baf11dda36b3a5",
    ),
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_pinned_entry_encoding(name: str) -> None:
    """Entries built from fixed inputs hash to their pinned SHA-256 values."""
    build, expected = PINNED[name]
    assert hashlib.sha256(build().raw).hexdigest() == expected


def test_pinned_genesis_text_and_root_did() -> None:
    """The genesis entry in full; its signature checked independently of the library (PyNaCl
    over the prefix + rfc8785 of the object without "sig"); the root DID it derives."""
    entry = sign("genesis", "create", key=ROOT_KEY, signer=ROOT_VM)
    assert entry.raw.decode() == GENESIS_TEXT
    obj = json.loads(GENESIS_TEXT)
    signature = base64.urlsafe_b64decode(obj.pop("sig") + "==")
    message = b"chancery-ledger-entry/v1\n" + rfc8785.dumps(obj)
    nacl.signing.VerifyKey(ROOT_KEY.public).verify(message, signature)
    assert ROOT["did"] == "did:chancery:PntcfF63L97mePkrqTZMav"


# An entry signed with P-256 (ECDSA signatures are randomised, so the bytes are pinned as made
# once; this checks that such bytes decode and verify).
P256_ENTRY = (
    '{"log":"ledger.example.gov/test","op":"anchor","payload":{"hashes":["817d172a02a1be2100ab'
    '88c9b80234a1c2a571e4d138afc893f82031b0114142","67f78b779d00e73fd4d353534fbc0801a4726ed33648'
    '381748ee5b27025ce04c"]},"sig":"f4uFXJ5s5Mbxwww4_BIm1UrPvq5HnHxtSXmZmSkccfnKNyW8cik9xPhKty'
    'iAttcbmWQlnFpein-DGfBBp4o7OQ","signer":"did:chancery:HzuS4CtNDtquTo5hRqYhgv#key-2","time"'
    ':"2025-03-01T12:00:00Z","type":"credential-anchor","v":1}'
)


def test_pinned_p256_entry_decodes_and_verifies() -> None:
    """A P-256 (ES256, raw r||s) signed entry verifies with the P-256 key and no other."""
    entry = decode_entry(P256_ENTRY.encode())
    assert entry.signer == AGENCY["did"] + "#key-2"
    verify_signature(entry, P256_KEY)
    with pytest.raises(InvalidProof):
        verify_signature(entry, AGENCY_KEY)


def test_p256_entries_sign_and_verify() -> None:
    """make_entry signs with a P-256 key; a changed signature does not verify."""
    entry = sign("credential-anchor", "anchor", key=P256_KEY, signer=AGENCY["did"] + "#key-2")
    verify_signature(decode_entry(entry.raw), P256_KEY)
    forged = bytearray(entry.sig)
    forged[5] ^= 1
    with pytest.raises(InvalidEntry):
        dataclasses.replace(entry, sig=bytes(forged))  # raw no longer matches the fields


def test_signature_is_domain_separated() -> None:
    """The signature covers the prefixed bytes, not the bare JCS: a signature over the bare
    object (as another protocol might make with the same key) does not verify."""
    entry = sign("credential-anchor", "anchor")
    bare = entry.signing_input.removeprefix(SIGNATURE_DOMAIN)
    assert entry.signing_input.startswith(b"chancery-ledger-entry/v1\n")
    AGENCY_KEY.public_key().verify(entry.signing_input, entry.sig)
    with pytest.raises(InvalidProof):
        AGENCY_KEY.public_key().verify(bare, entry.sig)


def test_verify_signature_refuses_other_keys_and_bls() -> None:
    """A signature verifies with the signer's key only; a BBS key never verifies entries."""
    entry = sign("credential-anchor", "anchor")
    verify_signature(entry, AGENCY_KEY.public_key())
    with pytest.raises(InvalidProof):
        verify_signature(entry, ROOT_KEY)
    with pytest.raises(InvalidProof):
        verify_signature(entry, Key.generate("bls12381g2"))


# --------------------------------------------------------------------------- strict decoding


def _good() -> bytes:
    return sign("credential-anchor", "anchor").raw


def _reencode(raw: bytes, **dumps: Any) -> bytes:
    return json.dumps(json.loads(raw), **dumps).encode()


NON_CANONICAL: dict[str, Callable[[bytes], bytes]] = {
    "whitespace-after-colon": lambda raw: raw.replace(b'"v":1', b'"v": 1'),
    "trailing-newline": lambda raw: raw + b"\n",
    "leading-space": lambda raw: b" " + raw,
    "utf8-bom": lambda raw: b"\xef\xbb\xbf" + raw,
    "members-reordered": lambda raw: b'{"v":1,' + raw[1:].replace(b',"v":1}', b"}"),
    "pretty-printed": lambda raw: _reencode(raw, sort_keys=True, indent=1),
    "escaped-ascii-letter": lambda raw: raw.replace(b'"op":"anchor"', b'"op":"\\u0061nchor"'),
    "escaped-solidus": lambda raw: raw.replace(
        b"ledger.example.gov/test", b"ledger.example.gov\\/test"
    ),
    "version-as-float": lambda raw: raw.replace(b'"v":1}', b'"v":1.0}'),
    "version-exponent": lambda raw: raw.replace(b'"v":1}', b'"v":1e0}'),
    "version-true": lambda raw: raw.replace(b'"v":1}', b'"v":true}'),
    "version-2": lambda raw: raw.replace(b'"v":1}', b'"v":2}'),
    "padded-signature": lambda raw: raw.replace(b'","signer"', b'==","signer"'),
    "duplicate-member": lambda raw: raw.replace(b'"v":1}', b'"v":1,"v":1}'),
    "unknown-member": lambda raw: raw.replace(b'"v":1}', b'"v":1,"w":0}'),
    "missing-member": lambda raw: raw.replace(b',"v":1}', b"}"),
    "unknown-payload-member": lambda raw: raw.replace(b'"payload":{', b'"payload":{"a":1,'),
    "uppercase-hash": lambda raw: raw.replace(H1.encode(), H1.upper().encode()),
    "time-with-offset": lambda raw: raw.replace(b"12:00:00Z", b"12:00:00+00:00"),
    "time-with-fraction": lambda raw: raw.replace(b"12:00:00Z", b"12:00:00.000Z"),
    "not-json": lambda raw: raw[:-1],
    "not-an-object": lambda raw: b"[" + raw + b"]",
    "invalid-utf8": lambda raw: raw.replace(b"ledger", b"l\xffdger"),
    "nan": lambda raw: raw.replace(b'"v":1}', b'"v":NaN}'),
    "deeply-nested": lambda raw: raw.replace(b'"payload":{', b'"payload":{"x":' + b"[" * 5000),
}


@pytest.mark.parametrize("name", sorted(NON_CANONICAL))
def test_non_canonical_or_malformed_bytes_are_refused(name: str) -> None:
    """Only the exact RFC 8785 bytes of a well-formed entry decode: any other spelling of the
    same object would give one statement two leaf hashes."""
    raw = NON_CANONICAL[name](_good())
    assert raw != _good()
    with pytest.raises(InvalidEntry):
        decode_entry(raw)


def test_oversized_entries_are_refused_before_parsing() -> None:
    """More than 64 KiB is refused whatever it holds."""
    with pytest.raises(InvalidEntry, match="at most"):
        decode_entry(b" " * (MAX_ENTRY_BYTES + 1))


def test_decode_accepts_bytes_like_and_refuses_text() -> None:
    """bytearray and memoryview decode; a str is refused (the entry is bytes)."""
    raw = _good()
    assert decode_entry(bytearray(raw)) == decode_entry(memoryview(raw)) == decode_entry(raw)
    with pytest.raises(InvalidEntry):
        decode_entry(raw.decode())  # type: ignore[arg-type]


def test_every_changed_byte_is_refused() -> None:
    """Changing any single byte of an entry makes it undecodable or its signature invalid."""
    raw = _good()
    for position in range(len(raw)):
        for flip in (0x01, 0x20, 0x80):
            tampered = bytearray(raw)
            tampered[position] ^= flip
            try:
                entry = decode_entry(bytes(tampered))
            except InvalidEntry:
                continue
            with pytest.raises(InvalidProof):
                verify_signature(entry, AGENCY_KEY)


def test_entry_is_immutable_and_self_checking() -> None:
    """The payload cannot be changed in place, and an Entry whose fields no longer match its
    bytes cannot be built."""
    entry = sign("credential-anchor", "anchor")
    with pytest.raises(TypeError):
        entry.payload["hashes"] = ()  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.op = "other"  # type: ignore[misc]
    with pytest.raises(InvalidEntry):
        dataclasses.replace(entry, payload={"hashes": [H2]})
    with pytest.raises(InvalidEntry):
        dataclasses.replace(entry, time=T0 + timedelta(seconds=1))
    # Rebuilding from the same fields is fine (the frozen payload re-validates).
    assert dataclasses.replace(entry) == entry
    assert hash(dataclasses.replace(entry)) == hash(entry)


# --------------------------------------------------------------------------- payload schemas


def _mutate(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set (or, with ``...``, delete) the member at ``path`` (slash separated)."""

    def apply(payload: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        node: Any = payload
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is ...:
            del node[last]
        else:
            node[last] = value

    return apply


OTHER_KEY = ed25519_from_seed(bytes([7] * 32))
BLS_MULTIKEY = Key.generate("bls12381g2").multikey()
SMALL_ORDER_MULTIKEY = Key.from_public_bytes("ed25519", bytes(32)).multikey()

# (type, op, what to change, field named by the error)
BAD_PAYLOADS: dict[str, tuple[str, str, Callable[[dict[str, Any]], None], str]] = {
    "genesis-extra-member": ("genesis", "create", _mutate("extra", 1), "/payload/extra"),
    "genesis-no-root": ("genesis", "create", _mutate("root", ...), "/payload/root"),
    "create-squatted-did": (
        "did",
        "create",
        _mutate("did", ROOT["did"]),
        "/payload/did",
    ),
    "create-key-swapped": (
        "did",
        "create",
        _mutate("keys/0/publicKeyMultibase", OTHER_KEY.multikey()),
        "/payload/did",
    ),
    "create-nonce-short": ("did", "create", _mutate("nonce", "AAAA"), "/payload/nonce"),
    "create-nonce-padded": (
        "did",
        "create",
        _mutate("nonce", "AAECAwQFBgcICQoLDA0ODw=="),
        "/payload/nonce",
    ),
    "create-no-keys": ("did", "create", _mutate("keys", []), "/payload/keys"),
    "create-key-misnumbered": (
        "did",
        "create",
        _mutate("keys/0/id", "key-2"),
        "/payload/keys/0/id",
    ),
    "create-key-unknown-purpose": (
        "did",
        "create",
        _mutate("keys/0/purposes", ["keyAgreement"]),
        "/payload/keys/0/purposes/0",
    ),
    "create-key-duplicate-purpose": (
        "did",
        "create",
        _mutate("keys/0/purposes", ["authentication", "authentication"]),
        "/payload/keys/0/purposes/1",
    ),
    "create-key-no-purpose": (
        "did",
        "create",
        _mutate("keys/0/purposes", []),
        "/payload/keys/0/purposes",
    ),
    "create-key-not-multikey": (
        "did",
        "create",
        _mutate("keys/0/publicKeyMultibase", "u" + b64url_encode(bytes(34))),
        "/payload/keys/0/publicKeyMultibase",
    ),
    "create-key-small-order": (
        "did",
        "create",
        _mutate("keys/0/publicKeyMultibase", SMALL_ORDER_MULTIKEY),
        "/payload/keys/0/publicKeyMultibase",
    ),
    "create-key-repeated": (
        "did",
        "create",
        _mutate("keys/1/publicKeyMultibase", AGENCY_KEY.multikey()),
        "/payload/keys/1/publicKeyMultibase",
    ),
    "create-bls-key-signing": (
        "did",
        "create",
        _mutate(
            "keys/1",
            {
                "id": "key-2",
                "publicKeyMultibase": BLS_MULTIKEY,
                "purposes": ["capabilityInvocation"],
            },
        ),
        "/payload/keys/1/purposes",
    ),
    "create-key-extra-member": (
        "did",
        "create",
        _mutate("keys/0/type", "Multikey"),
        "/payload/keys/0/type",
    ),
    "create-did-not-chancery": (
        "did",
        "create",
        _mutate("did", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"),
        "/payload/did",
    ),
    "rotate-nothing": ("did", "rotate", lambda p: p.update(add=[], retire=[]), "/payload"),
    "rotate-retire-bad-id": ("did", "rotate", _mutate("retire", ["key-0"]), "/payload/retire/0"),
    "rotate-retire-twice": (
        "did",
        "rotate",
        _mutate("retire", ["key-1", "key-1"]),
        "/payload/retire/1",
    ),
    "rotate-add-gap": (
        "did",
        "rotate",
        lambda p: p.update(add=[key_object(3, OTHER_KEY), key_object(5, ROOT_KEY)]),
        "/payload/add/1/id",
    ),
    "revoke-no-keys": ("did", "revoke-key", _mutate("keys", []), "/payload/keys"),
    "deactivate-bad-did": (
        "did",
        "deactivate",
        _mutate("did", "did:chancery:0OIl"),
        "/payload/did",
    ),
    "grant-no-types": ("accreditation", "grant", _mutate("types", []), "/payload/types"),
    "grant-type-with-space": (
        "accreditation",
        "grant",
        _mutate("types", ["national id"]),
        "/payload/types/0",
    ),
    "grant-duplicate-type": (
        "accreditation",
        "grant",
        _mutate("types", ["a", "a"]),
        "/payload/types/1",
    ),
    "grant-ends-before-start": (
        "accreditation",
        "grant",
        _mutate("valid_until", "2024-01-01T00:00:00Z"),
        "/payload/valid_until",
    ),
    "grant-date-only": (
        "accreditation",
        "grant",
        _mutate("valid_from", "2025-01-01"),
        "/payload/valid_from",
    ),
    "grant-february-30": (
        "accreditation",
        "grant",
        _mutate("valid_from", "2025-02-30T00:00:00Z"),
        "/payload/valid_from",
    ),
    "suspend-extra-reason": (
        "accreditation",
        "suspend",
        _mutate("reason", "late filing by Jane Doe"),
        "/payload/reason",
    ),
    "reinstate-agency-not-did": (
        "accreditation",
        "reinstate",
        _mutate("agency", "https://agency.example.gov"),
        "/payload/agency",
    ),
    "revoke-no-agency": ("accreditation", "revoke", _mutate("agency", ...), "/payload/agency"),
    "deprecate-id-not-string": (
        "credential-type",
        "deprecate",
        _mutate("id", ["national-id/v1"]),
        "/payload/id",
    ),
    "type-no-claims": ("credential-type", "publish", _mutate("claims", []), "/payload/claims"),
    "type-predicate-on-string": (
        "credential-type",
        "publish",
        _mutate("claims/0/predicate", True),
        "/payload/claims/0/predicate",
    ),
    "type-predicate-not-bool": (
        "credential-type",
        "publish",
        _mutate("claims/1/predicate", 1),
        "/payload/claims/1/predicate",
    ),
    "type-unknown-kind": (
        "credential-type",
        "publish",
        _mutate("claims/0/kind", "photo"),
        "/payload/claims/0/kind",
    ),
    "type-claim-twice": (
        "credential-type",
        "publish",
        _mutate("claims/1/name", "given_name"),
        "/payload/claims/1",
    ),
    "type-claim-with-value": (
        "credential-type",
        "publish",
        _mutate("claims/0/value", "Anna"),
        "/payload/claims/0/value",
    ),
    "type-unknown-format": (
        "credential-type",
        "publish",
        _mutate("formats", ["pdf"]),
        "/payload/formats/0",
    ),
    "type-unknown-revocation": (
        "credential-type",
        "publish",
        _mutate("revocation", "crl"),
        "/payload/revocation",
    ),
    "anchor-empty": ("credential-anchor", "anchor", _mutate("hashes", []), "/payload/hashes"),
    "anchor-too-many": (
        "credential-anchor",
        "anchor",
        _mutate("hashes", [f"{i:064x}" for i in range(MAX_ANCHOR_BATCH + 1)]),
        "/payload/hashes",
    ),
    "anchor-short-hash": (
        "credential-anchor",
        "anchor",
        _mutate("hashes/1", H1[:62]),
        "/payload/hashes/1",
    ),
    "anchor-uppercase-hash": (
        "credential-anchor",
        "anchor",
        _mutate("hashes/0", H1.upper()),
        "/payload/hashes/0",
    ),
    "anchor-twice-in-batch": (
        "credential-anchor",
        "anchor",
        _mutate("hashes/1", H1),
        "/payload/hashes/1",
    ),
    "anchor-personal-data": (
        "credential-anchor",
        "anchor",
        _mutate("subject", "Anna Maria Eriksson"),
        "/payload/subject",
    ),
    "status-http-url": (
        "status-list",
        "publish",
        _mutate("url", "http://status.example.gov/lists/3"),
        "/payload/url",
    ),
    "status-url-userinfo": (
        "status-list",
        "publish",
        _mutate("url", "https://anna@status.example.gov/3"),
        "/payload/url",
    ),
    "status-url-fragment": (
        "status-list",
        "publish",
        _mutate("url", "https://status.example.gov/3#x"),
        "/payload/url",
    ),
    "status-url-space": (
        "status-list",
        "publish",
        _mutate("url", "https://status.example.gov/a b"),
        "/payload/url",
    ),
    "status-version-zero": ("status-list", "publish", _mutate("version", 0), "/payload/version"),
    "status-version-bool": (
        "status-list",
        "publish",
        _mutate("version", True),
        "/payload/version",
    ),
    "status-version-unsafe": (
        "status-list",
        "publish",
        _mutate("version", 2**53),
        "/payload/version",
    ),
    "status-version-string": (
        "status-list",
        "publish",
        _mutate("version", "7"),
        "/payload/version",
    ),
    "accumulator-value-not-b64url": (
        "accumulator",
        "publish",
        _mutate("value", "not base64!"),
        "/payload/value",
    ),
    "accumulator-value-empty": ("accumulator", "publish", _mutate("value", ""), "/payload/value"),
    "accumulator-update-too-big": (
        "accumulator",
        "publish",
        _mutate("update", "A" * (48 * 1024 + 4)),
        "/payload/update",
    ),
    "notarize-no-metadata": (
        "notarization",
        "notarize",
        _mutate("metadata", ...),
        "/payload/metadata",
    ),
    "notarize-metadata-float": (
        "notarization",
        "notarize",
        _mutate("metadata/number", 4.2),
        "/payload/metadata/number",
    ),
    "notarize-metadata-nested": (
        "notarization",
        "notarize",
        _mutate("metadata/party", {"name": "Anna"}),
        "/payload/metadata/party",
    ),
    "notarize-metadata-control-char": (
        "notarization",
        "notarize",
        _mutate("metadata/title", "a\nb"),
        "/payload/metadata/title",
    ),
    "notarize-metadata-long-string": (
        "notarization",
        "notarize",
        _mutate("metadata/title", "x" * 257),
        "/payload/metadata/title",
    ),
    "notarize-metadata-too-many": (
        "notarization",
        "notarize",
        lambda p: p["metadata"].update({f"m{i}": i for i in range(13)}),
        "/payload/metadata",
    ),
    "notarize-metadata-too-large": (
        "notarization",
        "notarize",
        lambda p: p["metadata"].update({f"m{i}": "y" * 200 for i in range(5)}),
        "/payload/metadata",
    ),
    "notarize-metadata-bad-name": (
        "notarization",
        "notarize",
        _mutate("metadata/9lives", 1),
        "/payload/metadata",
    ),
    "notarize-payload-not-object": ("notarization", "notarize", lambda p: None, ""),
}


@pytest.mark.parametrize("name", sorted(BAD_PAYLOADS))
def test_malformed_payloads_are_refused_naming_the_field(name: str) -> None:
    """Each schema refuses the malformation with an InvalidEntry whose field points at it, both
    in validate_payload and in make_entry."""
    kind, op, change, field = BAD_PAYLOADS[name]
    payload: Any = json.loads(json.dumps(examples()[(kind, op)]))
    if name == "notarize-payload-not-object":
        payload, field = [payload], "/payload"
    else:
        change(payload)
    with pytest.raises(InvalidEntry) as caught:
        validate_payload(kind, op, payload)
    assert caught.value.field == field
    with pytest.raises(InvalidEntry):
        make_entry(ORIGIN, kind, op, payload, AGENCY_KEY, AGENCY_VM, T0)


def test_every_schema_has_a_refusal_test() -> None:
    """Each (type, op) schema has at least one malformed-payload case above."""
    assert {(kind, op) for kind, op, _, _ in BAD_PAYLOADS.values()} == set(PAYLOAD_VALIDATORS)


def test_unknown_type_and_op_are_refused() -> None:
    """An entry type or an op outside the table is refused, naming /type or /op."""
    with pytest.raises(InvalidEntry) as caught:
        validate_payload("person", "create", {})
    assert caught.value.field == "/type"
    with pytest.raises(InvalidEntry) as caught:
        validate_payload("did", "delete", {"did": AGENCY["did"]})
    assert caught.value.field == "/op"
    with pytest.raises(InvalidEntry):
        sign("credential-anchor", "notarize", {"hashes": [H1]})


def test_make_entry_refuses_unusable_keys_times_and_signers() -> None:
    """Signing needs a private Ed25519/P-256 key, a whole-second aware time, a did:chancery
    verification method and a valid origin."""
    payload = examples()[("credential-anchor", "anchor")]

    def make(**kw: Any) -> Entry:
        args: dict[str, Any] = {
            "log": ORIGIN,
            "type": "credential-anchor",
            "op": "anchor",
            "payload": payload,
            "key": AGENCY_KEY,
            "signer": AGENCY_VM,
            "time": T0,
        }
        return make_entry(**{**args, **kw})

    with pytest.raises(InvalidInput):
        make(key=AGENCY_KEY.public_key())
    with pytest.raises(InvalidInput):
        make(key=Key.generate("bls12381g2"))
    with pytest.raises(InvalidEntry) as caught:
        make(time=T0.replace(microsecond=5))
    assert caught.value.field == "/time"
    with pytest.raises(InvalidEntry):
        make(time=datetime(2025, 1, 1))  # naive
    for signer in (
        AGENCY["did"],
        AGENCY["did"] + "#key-0",
        "did:key:z6Mk#key-1",
        AGENCY_KEY.did_key(),
    ):
        with pytest.raises(InvalidEntry) as caught:
            make(signer=signer)
        assert caught.value.field == "/signer"
    for origin in ("", "has space", "a+b", "x" * 256):
        with pytest.raises(InvalidEntry) as caught:
            make(log=origin)
        assert caught.value.field == "/log"
    assert make().time == T0
    offset = T0.astimezone(datetime.now().astimezone().tzinfo)
    assert make(time=offset).raw == make().raw


def test_time_defaults_to_now_in_whole_seconds() -> None:
    """Without a time, an entry is stamped now (UTC, whole seconds)."""
    before = datetime.now(UTC).replace(microsecond=0)
    entry = make_entry(
        ORIGIN, "credential-anchor", "anchor", {"hashes": [H1]}, AGENCY_KEY, AGENCY_VM
    )
    assert before <= entry.time <= datetime.now(UTC)
    assert entry.time.microsecond == 0


@pytest.mark.parametrize(
    "text",
    [
        "2025-01-01T00:00:00+00:00",
        "2025-01-01t00:00:00z",
        "2025-01-01T00:00:60Z",
        "2025-13-01T00:00:00Z",
        "2025-01-01 00:00:00Z",
        "0000-01-01T00:00:00Z",
        "2025-01-01T24:00:00Z",
        "+2025-01-01T00:00:00Z",
    ],
)
def test_only_one_time_form_is_accepted(text: str) -> None:
    """Times are RFC 3339 UTC with 'Z', whole seconds, no leap second: one form per instant."""
    with pytest.raises(InvalidEntry):
        parse_time(text, "/time")


# --------------------------------------------------------------------------- did:chancery ids


def test_did_is_derived_from_the_key_set_and_nonce() -> None:
    """derive_did is SHA-256 of JCS({"keys", "nonce"}), first 16 bytes, base58btc."""
    payload = did_create_payload([AGENCY_KEY], nonce=bytes(16))
    material = rfc8785.dumps({"keys": payload["keys"], "nonce": payload["nonce"]})
    raw = parse_chancery_did(payload["did"])
    assert raw == hashlib.sha256(material).digest()[:16]
    assert derive_did(payload["keys"], payload["nonce"]) == payload["did"]
    # Another nonce, another DID for the same key; other purposes, another DID.
    assert did_create_payload([AGENCY_KEY], nonce=bytes([1] * 16))["did"] != payload["did"]
    restricted = did_create_payload([(AGENCY_KEY, ["capabilityInvocation"])], nonce=bytes(16))
    assert restricted["did"] != payload["did"]


def test_did_create_payload_numbers_keys_and_defaults_purposes() -> None:
    """Keys are key-1, key-2, ...; a BBS key only gets assertionMethod; nonces are random."""
    bls = Key.generate("bls12381g2")
    payload = did_create_payload([AGENCY_KEY, bls])
    assert [k["id"] for k in payload["keys"]] == ["key-1", "key-2"]
    assert payload["keys"][1]["purposes"] == ["assertionMethod"]
    assert "capabilityInvocation" in payload["keys"][0]["purposes"]
    assert did_create_payload([AGENCY_KEY])["did"] != did_create_payload([AGENCY_KEY])["did"]
    validate_payload("did", "create", payload)
    with pytest.raises(InvalidInput):
        did_create_payload([])
    with pytest.raises(InvalidInput):
        did_create_payload([AGENCY_KEY], nonce=bytes(8))


@pytest.mark.parametrize(
    "did",
    [
        "did:chancery:",
        "did:chancery:1PntcfF63L97mePkrqTZMav",  # a leading '1' adds a zero byte: 17 bytes
        "did:chancery:abc",  # too short
        "did:chancery:0OIl0OIl0OIl0OIl0OIl0O",  # not base58btc
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "did:chancery:" + "z" * 25,
    ],
)
def test_malformed_chancery_dids_are_refused(did: str) -> None:
    """A did:chancery identifier is exactly 16 bytes in canonical base58btc."""
    with pytest.raises(ResolutionError):
        parse_chancery_did(did)


def test_verification_method_ids() -> None:
    """did#key-N splits into (did, N); other fragments are refused."""
    assert parse_verification_method_id(AGENCY_VM) == (AGENCY["did"], 1)
    for bad in (AGENCY["did"], AGENCY["did"] + "#key-01", AGENCY["did"] + "#k1", 7):
        with pytest.raises(ResolutionError):
            parse_verification_method_id(bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- JCS fast path

_names = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=8)
_scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12),
)
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_names, inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_entry_serialiser_equals_rfc8785_on_the_schema_subset(value: Any) -> None:
    """On JSON without floats, lone surrogates or non-ASCII member names (what the schemas
    admit), the entry serialiser's bytes are exactly rfc8785's, control characters included."""
    assert _jcs(value, "") == rfc8785.dumps(value)


def test_entry_serialiser_handles_frozen_values_and_refuses_floats() -> None:
    """Frozen payloads (read-only mappings, tuples) serialise like their thawed form; a float
    is not serialised silently."""
    entry = sign("notarization", "notarize")
    assert _jcs(entry.payload, "") == rfc8785.dumps(thaw(entry.payload))
    with pytest.raises(InvalidEntry):
        _jcs({"x": float("nan")}, "/payload")
    with pytest.raises(InvalidEntry):
        _jcs({"x": "\ud800"}, "/payload")
