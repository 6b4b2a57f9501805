"""Decentralized identifiers: ``did:key``, ``did:jwk``, ``did:web`` and a resolver registry.

* ``did:key`` -- The did:key Method v0.7 (W3C CCG): Ed25519 (``z6Mk…``, multicodec 0xed), P-256
  (``zDn…``, 0x1200) and BLS12-381 G2 (``zUC7…``, 0xeb) keys. The DID document has one ``Multikey``
  verification method (§3.1.1 Document Creation, §3.1.2 Signature Method Creation).
* ``did:jwk`` -- did:jwk Method Specification (``quartzjer/did-jwk``): the DID is
  ``did:jwk:`` + base64url(UTF-8 JSON of a public JWK); the document has one verification method
  ``#0``. We type it ``JsonWebKey`` (Controlled Identifiers 1.0 §2.2.3), the successor of the
  ``JsonWebKey2020`` type the did:jwk text still shows.
* ``did:web`` -- did:web Method Specification (W3C CCG) §3.2 Read: the DID names an HTTPS URL; the
  document is fetched through an injected ``http_get(url) -> bytes``. Nothing here opens a socket.
* :class:`DIDResolver` -- a registry of :class:`MethodResolver` objects, one per DID method, and the
  Controlled Identifiers 1.0 §3.3 "Retrieve Verification Method" algorithm on top of it. The
  ledger's ``did:chancery`` method plugs in with :meth:`DIDResolver.register`; the ``at`` argument
  ("the document as of this time") exists for it.

DID documents are handled as plain JSON: we never JSON-LD-process them (their ``@context`` values,
``https://www.w3.org/ns/did/v1`` and friends, are not even pinned), we only read ``id``,
``verificationMethod``, the verification relationships and the key material.

Errors. Everything that goes wrong while turning a DID or DID URL into a document or a key raises
:class:`DIDResolutionError`, a :class:`~vc_service.ResolutionError` whose ``code`` is the error
name of the specification that defines the failure:

==============================================  ===============================================
``invalidDid``                                  DID syntax (DID Core §3.1), a method's own syntax
``invalidDidUrl``                               a verification-method id is not ``did#fragment``
``methodNotSupported``                          no resolver registered for the method
``notFound``                                    no such document, or no such verification method
``invalidDidDocument``                          the document is not JSON, or its ``id`` differs
``invalidPublicKey``                            key material that does not decode to a valid key
``invalidPublicKeyLength``                      did:key key bytes of the wrong length (v0.7)
``unsupportedPublicKeyType``                    a key type this library does not handle
``internalError``                               a method resolver failed (e.g. no HTTP fetcher)
``INVALID_VERIFICATION_METHOD``                 CID 1.0 §3.3 steps 8-10 (malformed method)
``INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD``  CID 1.0 §3.3 step 11 (not authorised for purpose)
==============================================  ===============================================

(The first group is DID Core §7.1.2 and the DID Resolution error registry, the last two are the
CID 1.0 error types.) Errors in the *caller's* arguments, such as an unknown purpose name or a
private key given to :func:`did_jwk`, raise :class:`~vc_service.InvalidInput` instead.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import nacl.bindings
import rfc8785

from ._errors import InvalidInput, ResolutionError
from ._keys import (
    MULTICODEC_BLS12381G2_PUB,
    MULTICODEC_ED25519_PUB,
    MULTICODEC_P256_PUB,
    Key,
    KeyType,
)
from ._multibase import b64url_decode, b64url_encode, base58btc_decode, multicodec_unwrap

__all__ = [
    "DIDResolutionError",
    "DIDResolver",
    "JwkMethodResolver",
    "KeyMethodResolver",
    "MethodResolver",
    "VERIFICATION_RELATIONSHIPS",
    "WebMethodResolver",
    "default_resolver",
    "did_document",
    "did_jwk",
    "did_jwk_document",
    "did_web_url",
    "parse_did",
    "parse_did_jwk",
    "parse_did_key",
    "verification_method_key",
]

#: The verification relationships of DID Core §5.3 (the ``purpose`` names we accept).
VERIFICATION_RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "keyAgreement",
    "capabilityInvocation",
    "capabilityDelegation",
)

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
JWK_CONTEXT = "https://w3id.org/security/jwk/v1"

# A DID longer than this is refused before any parsing (a did:jwk of our key types is ~200 chars).
_MAX_DID_LENGTH = 4096
# A did:web document larger than this is refused (a DID document is a few kilobytes).
_MAX_WEB_DOCUMENT = 1 << 20

# DID Core §3.1 DID Syntax (ABNF): did = "did:" method-name ":" method-specific-id, with
# method-char = %x61-7A / DIGIT and idchar = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded.
_IDCHAR = r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})"
_METHOD_NAME = re.compile(r"[a-z0-9]+")
_DID = re.compile(rf"did:([a-z0-9]+):((?:{_IDCHAR}*:)*{_IDCHAR}+)")
# RFC 3986 fragment characters (pchar / "/" / "?"), which is what a DID URL fragment may hold.
_FRAGMENT = re.compile(r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})+")

_CODEC_TYPES: dict[int, KeyType] = {
    MULTICODEC_ED25519_PUB: "ed25519",
    MULTICODEC_P256_PUB: "p256",
    MULTICODEC_BLS12381G2_PUB: "bls12381g2",
}
_PUBLIC_LENGTHS: dict[KeyType, int] = {"ed25519": 32, "p256": 33, "bls12381g2": 96}
_JWK_CURVES = {("OKP", "Ed25519"), ("EC", "P-256"), ("OKP", "BLS12381G2")}
# JWK members that carry private or symmetric key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1).
_PRIVATE_JWK_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class DIDResolutionError(ResolutionError):
    """A DID, DID URL or DID document could not be resolved to what was asked.

    ``code`` names the failure as the specifications do (``invalidDid``, ``notFound``,
    ``methodNotSupported``, ``invalidPublicKey``, ``INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD``,
    …; see the module documentation for the full table).
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(f"{message} ({code})")
        self.code = code


# --------------------------------------------------------------------------- DID syntax


def parse_did(did: str) -> tuple[str, str]:
    """Split a DID into (method name, method-specific id), checking DID Core §3.1 syntax.

    Only a bare DID is accepted: a DID URL (with a path, query or fragment) is ``invalidDid``.
    """
    if not isinstance(did, str):
        raise DIDResolutionError("a DID must be a string", code="invalidDid")
    if len(did) > _MAX_DID_LENGTH:
        raise DIDResolutionError(f"DID longer than {_MAX_DID_LENGTH} characters", code="invalidDid")
    match = _DID.fullmatch(did)
    if match is None:
        raise DIDResolutionError(f"not a valid DID: {did[:80]!r}", code="invalidDid")
    return match.group(1), match.group(2)


def _split_did_url(did_url: str) -> tuple[str, str]:
    """Split ``did#fragment`` into (DID, fragment); anything else is ``invalidDidUrl``."""
    if not isinstance(did_url, str) or did_url.count("#") != 1:
        raise DIDResolutionError(
            f"a verification method id must be a DID URL 'did:…#fragment': {str(did_url)[:80]!r}",
            code="invalidDidUrl",
        )
    did, fragment = did_url.split("#")
    if _FRAGMENT.fullmatch(fragment) is None:
        raise DIDResolutionError(
            f"invalid DID URL fragment {fragment[:40]!r}", code="invalidDidUrl"
        )
    try:
        parse_did(did)
    except DIDResolutionError as exc:
        raise DIDResolutionError(str(exc), code="invalidDidUrl") from exc
    return did, fragment


def _absolute(reference: str, did: str) -> str:
    # DID Core §3.2.2 relative DID URLs: "#key-1" is relative to the document's DID.
    return did + reference if reference.startswith("#") else reference


# --------------------------------------------------------------------------- key checks

# Ed25519 (RFC 8032 §5.1): p = 2^255 - 19, d = -121665/121666.
_ED_P = 2**255 - 19
_ED_D = -121665 * pow(121666, -1, _ED_P) % _ED_P
_ED_SQRT_M1 = pow(2, (_ED_P - 1) // 4, _ED_P)


def _ed25519_decode(encoded: bytes) -> tuple[int, int] | None:
    """RFC 8032 §5.1.3 point decoding; ``None`` if ``encoded`` is not a canonical curve point."""
    y = int.from_bytes(encoded, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    if y >= _ED_P:
        return None
    u = (y * y - 1) % _ED_P
    v = (_ED_D * y * y + 1) % _ED_P
    x2 = u * pow(v, _ED_P - 2, _ED_P) % _ED_P
    if x2 == 0:
        return None if sign else (0, y)
    x = pow(x2, (_ED_P + 3) // 8, _ED_P)
    if (x * x - x2) % _ED_P:
        x = x * _ED_SQRT_M1 % _ED_P
    if (x * x - x2) % _ED_P:
        return None
    if x & 1 != sign:
        x = _ED_P - x
    return x, y


def _ed25519_double(point: tuple[int, int]) -> tuple[int, int]:
    x, y = point
    t = _ED_D * x * x * y * y % _ED_P
    x3 = 2 * x * y * pow(1 + t, _ED_P - 2, _ED_P) % _ED_P
    y3 = (y * y + x * x) * pow(1 - t, _ED_P - 2, _ED_P) % _ED_P
    return x3, y3


def _public_key_problem(key: Key) -> str | None:
    """See :func:`_ed25519_problem`; only Ed25519 keys need the extra check."""
    return _ed25519_problem(key.public) if key.type == "ed25519" else None


@functools.lru_cache(maxsize=4096)
def _ed25519_problem(public: bytes) -> str | None:
    """Why ``key``'s public part is unusable, or ``None``.

    ``Key`` validates P-256 and BLS12-381 points itself but takes any 32 bytes as Ed25519. We also
    refuse Ed25519 encodings that are not canonical curve points, and the eight small-order points:
    a small-order public key (the identity, say) lets one signature "verify" for many messages.
    """
    # libsodium accepts a canonical point of the prime-order subgroup that is not of small order
    # in well under 0.1 ms: the common case. Only a refused key pays for the pure-Python field
    # arithmetic (about 2 ms) that says why.
    if nacl.bindings.crypto_core_ed25519_is_valid_point(public):
        return None
    point = _ed25519_decode(public)
    if point is None:
        return "Ed25519 public key is not a canonical curve point"
    for _ in range(3):
        point = _ed25519_double(point)
    if point == (0, 1):
        return "Ed25519 public key is a small-order point"
    # A point with a torsion component: not in the prime-order subgroup that honest keys are in.
    return "Ed25519 public key is not in the prime-order subgroup"


def _checked(key: Key) -> Key:
    problem = _public_key_problem(key)
    if problem is not None:
        raise DIDResolutionError(problem, code="invalidPublicKey")
    return key


def _key_from_jwk(jwk: Mapping[str, Any]) -> Key:
    """A public Key from a JWK found in a DID or DID document, with resolution error codes."""
    if not isinstance(jwk, Mapping):
        raise DIDResolutionError("publicKeyJwk must be a JSON object", code="invalidPublicKey")
    private = _PRIVATE_JWK_MEMBERS.intersection(jwk)
    if private:
        # did:jwk §Security: "a JWK for a private key must never be used and must be rejected".
        raise DIDResolutionError(
            f"a public JWK must not contain private members {sorted(private)}",
            code="invalidPublicKey",
        )
    if (jwk.get("kty"), jwk.get("crv")) not in _JWK_CURVES:
        raise DIDResolutionError(
            f"unsupported JWK key type (kty={jwk.get('kty')!r}, crv={jwk.get('crv')!r})",
            code="unsupportedPublicKeyType",
        )
    try:
        key = Key.from_jwk(jwk)
    except InvalidInput as exc:
        raise DIDResolutionError(f"invalid JWK: {exc}", code="invalidPublicKey") from exc
    return _checked(key)


def _strict_json(data: bytes, what: str, code: str) -> Any:
    """Parse UTF-8 JSON, refusing duplicate member names (two readers could see two keys)."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, value in pairs:
            if name in result:
                raise ValueError(f"duplicate member {name!r}")
            result[name] = value
        return result

    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise DIDResolutionError(f"{what} is not valid UTF-8 JSON: {exc}", code=code) from exc


# --------------------------------------------------------------------------- did:key


def parse_did_key(did: str) -> Key:
    """The public key a ``did:key`` DID encodes (did:key v0.7 §3.1.1 steps 2-3, §3.1.3 Decode).

    Only the three-component form ``did:key:z…`` is accepted: the optional version component of
    v0.7 (``did:key:1:z…``) is refused as ``invalidDid``, as is any DID that does not re-encode
    to itself (non-canonical base58 or varint). Raises :class:`DIDResolutionError` with code
    ``invalidDid``, ``unsupportedPublicKeyType``, ``invalidPublicKeyLength`` or
    ``invalidPublicKey``.
    """
    if not isinstance(did, str):
        raise DIDResolutionError("a DID must be a string", code="invalidDid")
    return _parse_did_key(did)


# A did:key is a pure function of its text, and the Key it yields is immutable and public, so
# the result is cached per DID string (failures are not cached: they raise). Decoding base58,
# re-encoding to check canonicity and validating the point cost more than a signature check.
@functools.lru_cache(maxsize=1024)
def _parse_did_key(did: str) -> Key:
    method, msid = parse_did(did)
    if method != "key":
        raise DIDResolutionError(f"not a did:key DID: {did[:80]!r}", code="invalidDid")
    if ":" in msid:
        raise DIDResolutionError("versioned did:key DIDs are not supported", code="invalidDid")
    if not msid.startswith("z"):
        # v0.7 §3.1.1 step 3: "The multibaseValue MUST be a string and begin with the letter z".
        raise DIDResolutionError("did:key multibase value must start with 'z'", code="invalidDid")
    try:
        code, raw = multicodec_unwrap(base58btc_decode(msid[1:]))
    except InvalidInput as exc:
        raise DIDResolutionError(
            f"did:key value does not decode: {exc}", code="invalidDid"
        ) from exc
    key_type = _CODEC_TYPES.get(code)
    if key_type is None:
        raise DIDResolutionError(
            f"unsupported did:key multicodec 0x{code:x}", code="unsupportedPublicKeyType"
        )
    if len(raw) != _PUBLIC_LENGTHS[key_type]:
        # v0.7 §3.1.2 step 3: "Ensure the proper key length of rawPublicKeyBytes".
        raise DIDResolutionError(
            f"{key_type} key is {len(raw)} bytes, expected {_PUBLIC_LENGTHS[key_type]}",
            code="invalidPublicKeyLength",
        )
    try:
        key = Key.from_public_bytes(key_type, raw)
    except InvalidInput as exc:
        # v0.7 §3.1.2 step 4: an invalid public key value raises invalidPublicKey.
        raise DIDResolutionError(str(exc), code="invalidPublicKey") from exc
    _checked(key)
    if key.did_key() != did:
        raise DIDResolutionError("non-canonical did:key encoding", code="invalidDid")
    return key


def did_document(key: Key) -> dict[str, Any]:
    """The DID document of ``key``'s ``did:key`` (did:key v0.7 §3.1.1 with Multikey, §3.1.7).

    One ``Multikey`` verification method with id ``did#<multibase>``, referenced from
    ``authentication``, ``assertionMethod``, ``capabilityInvocation`` and
    ``capabilityDelegation``. No ``keyAgreement`` method is derived (the v0.7 option
    ``enableEncryptionKeyDerivation`` is off).
    """
    if not isinstance(key, Key):
        raise InvalidInput("did_document needs a Key")
    problem = _public_key_problem(key)
    if problem is not None:
        raise InvalidInput(problem)
    did = key.did_key()
    multibase = key.multikey()
    vm_id = f"{did}#{multibase}"
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }


class KeyMethodResolver:
    """The ``did:key`` method (v0.7 §3.2 Read): the document is derived from the DID alone.

    ``at`` is ignored: a did:key document never changes.
    """

    def resolve(self, did: str, *, at: datetime | None = None) -> dict[str, Any]:
        """The DID document of ``did`` (see :func:`did_document`)."""
        return did_document(parse_did_key(did))


# --------------------------------------------------------------------------- did:jwk


def did_jwk(key: Key | Mapping[str, Any]) -> str:
    """The ``did:jwk`` DID of a public key (did:jwk §Create).

    ``key`` is a :class:`Key` (its public JWK is used) or a public JWK, which is kept as given,
    extra members such as ``use`` included. The JSON is serialised with JCS (RFC 8785), so equal
    JWKs give equal DIDs. A JWK with private members raises :class:`InvalidInput`.
    """
    if isinstance(key, Key):
        problem = _public_key_problem(key)
        if problem is not None:
            raise InvalidInput(problem)
        jwk: Mapping[str, Any] = key.public_jwk()
    elif isinstance(key, Mapping):
        jwk = key
        try:
            _key_from_jwk(jwk)
        except DIDResolutionError as exc:
            raise InvalidInput(str(exc)) from exc
    else:
        raise InvalidInput("did_jwk needs a Key or a public JWK")
    try:
        encoded = rfc8785.dumps(dict(jwk))
    except Exception as exc:  # rfc8785 raises its own error types for non-JSON values
        raise InvalidInput(f"JWK is not serialisable as JSON: {exc}") from exc
    return "did:jwk:" + b64url_encode(encoded)


def parse_did_jwk(did: str) -> tuple[Key, dict[str, Any]]:
    """The key and the JWK a ``did:jwk`` DID encodes (did:jwk §Read steps 1-4).

    Raises :class:`DIDResolutionError`: ``invalidDid`` (not base64url JSON), ``invalidPublicKey``
    (private members, a bad point, a ``use`` other than ``sig``/``enc``) or
    ``unsupportedPublicKeyType``.
    """
    method, msid = parse_did(did)
    if method != "jwk" or ":" in msid:
        raise DIDResolutionError(f"not a did:jwk DID: {did[:80]!r}", code="invalidDid")
    try:
        raw = b64url_decode(msid)
    except InvalidInput as exc:
        raise DIDResolutionError(
            f"did:jwk value is not base64url: {exc}", code="invalidDid"
        ) from exc
    jwk = _strict_json(raw, "did:jwk value", "invalidDid")
    if not isinstance(jwk, dict):
        raise DIDResolutionError("did:jwk value is not a JSON object", code="invalidDid")
    if "use" in jwk and jwk["use"] not in ("sig", "enc"):
        raise DIDResolutionError("did:jwk 'use' must be 'sig' or 'enc'", code="invalidPublicKey")
    return _key_from_jwk(jwk), jwk


def did_jwk_document(did: str) -> dict[str, Any]:
    """The DID document of a ``did:jwk`` DID (did:jwk §Create "To create the DID Document").

    One ``JsonWebKey`` verification method ``did#0`` whose ``publicKeyJwk`` is the JWK as
    encoded. It is referenced from every relationship, except that ``use: "sig"`` leaves out
    ``keyAgreement`` and ``use: "enc"`` keeps only ``keyAgreement``.
    """
    _, jwk = parse_did_jwk(did)
    vm_id = f"{did}#0"
    document: dict[str, Any] = {
        "@context": [DID_CONTEXT, JWK_CONTEXT],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "JsonWebKey", "controller": did, "publicKeyJwk": jwk}
        ],
    }
    use = jwk.get("use")
    for relationship in VERIFICATION_RELATIONSHIPS:
        is_agreement = relationship == "keyAgreement"
        if (use == "sig" and is_agreement) or (use == "enc" and not is_agreement):
            continue
        document[relationship] = [vm_id]
    return document


class JwkMethodResolver:
    """The ``did:jwk`` method (did:jwk §Read). ``at`` is ignored: the document never changes."""

    def resolve(self, did: str, *, at: datetime | None = None) -> dict[str, Any]:
        """The DID document of ``did`` (see :func:`did_jwk_document`)."""
        return did_jwk_document(did)


# --------------------------------------------------------------------------- did:web

_DNS_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def did_web_url(did: str) -> str:
    """The HTTPS URL of a ``did:web`` DID's document (did:web §3.2 Read, steps 1-5).

    ``did:web:example.com`` → ``https://example.com/.well-known/did.json``;
    ``did:web:example.com:user:alice`` → ``https://example.com/user/alice/did.json``;
    ``did:web:example.com%3A8443`` → ``https://example.com:8443/.well-known/did.json``.

    The host must be a DNS name (the method forbids IP addresses); only the port colon may be
    percent-encoded in it. Path segments are kept as encoded, but one that decodes to ``.``,
    ``..`` or contains ``/``, ``\\``, ``?`` or ``#`` is refused, so that a DID cannot name a
    document outside its own path. Raises :class:`DIDResolutionError` (``invalidDid``).
    """
    method, msid = parse_did(did)
    if method != "web":
        raise DIDResolutionError(f"not a did:web DID: {did[:80]!r}", code="invalidDid")
    host_part, *path = msid.split(":")
    host, colon, port = re.sub("%3[Aa]", ":", host_part).partition(":")
    labels = host.split(".")
    if "%" in host or not all(_DNS_LABEL.fullmatch(label) for label in labels) or len(host) > 253:
        raise DIDResolutionError(f"did:web host {host[:80]!r} is not a DNS name", code="invalidDid")
    if all(label.isdigit() for label in labels):
        raise DIDResolutionError("did:web must not name an IP address", code="invalidDid")
    if colon and not (port.isdigit() and len(port) <= 5 and 0 < int(port) < 65536):
        raise DIDResolutionError(f"did:web port {port[:10]!r} is not valid", code="invalidDid")
    for segment in path:
        decoded = urllib.parse.unquote(segment)
        if (
            decoded in ("", ".", "..")
            or any(c in decoded for c in "/\\?#")
            or not decoded.isprintable()
        ):
            raise DIDResolutionError(
                f"did:web path segment {segment[:40]!r} is not allowed", code="invalidDid"
            )
    authority = f"{host}:{port}" if port else host
    location = "/" + "/".join(path) if path else "/.well-known"
    return f"https://{authority}{location}/did.json"


class WebMethodResolver:
    """The ``did:web`` method (did:web §3.2 Read), fetching through an injected callable.

    ``http_get(url) -> bytes`` performs the HTTPS GET (step 6: the caller's HTTP client enforces
    TLS) and returns the body, raising on any failure. Without it, resolution raises
    ``DIDResolutionError("did:web needs an HTTP fetcher")``: there is no default network access.
    The document must be a JSON object (at most 1 MiB) whose ``id`` is the DID (step 7). ``at``
    is ignored: did:web keeps no history.
    """

    def __init__(self, http_get: Callable[[str], bytes] | None = None) -> None:
        self._http_get = http_get

    def resolve(self, did: str, *, at: datetime | None = None) -> dict[str, Any]:
        """Fetch and check the DID document of ``did``."""
        url = did_web_url(did)
        if self._http_get is None:
            raise DIDResolutionError("did:web needs an HTTP fetcher", code="internalError")
        try:
            body = self._http_get(url)
        except ResolutionError:
            raise
        except Exception as exc:  # the fetcher is the caller's; any failure means "not found"
            raise DIDResolutionError(f"fetching {url} failed: {exc}", code="notFound") from exc
        if not isinstance(body, (bytes, bytearray)):
            raise DIDResolutionError("the HTTP fetcher must return bytes", code="internalError")
        if len(body) > _MAX_WEB_DOCUMENT:
            raise DIDResolutionError(
                f"DID document larger than {_MAX_WEB_DOCUMENT} bytes", code="invalidDidDocument"
            )
        document = _strict_json(bytes(body), "DID document", "invalidDidDocument")
        if not isinstance(document, dict):
            raise DIDResolutionError("DID document is not a JSON object", code="invalidDidDocument")
        if document.get("id") != did:
            raise DIDResolutionError(
                f"document id {str(document.get('id'))[:80]!r} is not the DID {did!r}",
                code="invalidDidDocument",
            )
        return document


# --------------------------------------------------------------------------- registry


@runtime_checkable
class MethodResolver(Protocol):
    """Resolves the DIDs of one method to DID documents.

    ``at`` asks for the document as it was at that time (a method with history, like the ledger's
    ``did:chancery``, honours it; ``did:key``/``did:jwk``/``did:web`` ignore it). Failures raise
    :class:`~vc_service.ResolutionError` (preferably :class:`DIDResolutionError`).
    """

    def resolve(self, did: str, *, at: datetime | None) -> dict[str, Any]:
        """The DID document of ``did`` (as of ``at``)."""
        ...


_MATERIAL = (
    "publicKeyMultibase",
    "publicKeyJwk",
    "publicKeyBase58",
    "publicKeyHex",
    "publicKeyPem",
)


def verification_method_key(method: Mapping[str, Any]) -> Key:
    """The public key of a verification method (CID 1.0 §2.2: Multikey, JsonWebKey).

    Accepted: ``Multikey`` and ``Ed25519VerificationKey2020`` with ``publicKeyMultibase``;
    ``JsonWebKey`` and ``JsonWebKey2020`` with ``publicKeyJwk``. A method with more than one key
    property, a private JWK or an unsupported key raises :class:`DIDResolutionError`.
    """
    if not isinstance(method, Mapping):
        raise DIDResolutionError(
            "a verification method must be an object", code="INVALID_VERIFICATION_METHOD"
        )
    material = [name for name in _MATERIAL if name in method]
    if len(material) != 1:
        raise DIDResolutionError(
            f"a verification method needs exactly one key property, has {material}",
            code="INVALID_VERIFICATION_METHOD",
        )
    vm_type = method.get("type")
    if material[0] == "publicKeyMultibase" and vm_type in (
        "Multikey",
        "Ed25519VerificationKey2020",
    ):
        value = method["publicKeyMultibase"]
        if not isinstance(value, str) or not value.startswith("z"):
            raise DIDResolutionError(
                "publicKeyMultibase must be a base58btc ('z') string", code="invalidPublicKey"
            )
        key = _multikey_key(value)
        if vm_type == "Ed25519VerificationKey2020" and key.type != "ed25519":
            raise DIDResolutionError(
                "Ed25519VerificationKey2020 holds a non-Ed25519 key",
                code="INVALID_VERIFICATION_METHOD",
            )
        return key
    if material[0] == "publicKeyJwk" and vm_type in ("JsonWebKey", "JsonWebKey2020"):
        return _key_from_jwk(method["publicKeyJwk"])
    raise DIDResolutionError(
        f"unsupported verification method (type {str(vm_type)[:40]!r} with {material[0]})",
        code="unsupportedPublicKeyType",
    )


@functools.lru_cache(maxsize=1024)
def _multikey_key(value: str) -> Key:
    """The checked public key of a ``z…`` Multikey value (cached: immutable text, public key)."""
    try:
        code, _ = multicodec_unwrap(base58btc_decode(value[1:]))
        if code not in _CODEC_TYPES:
            raise DIDResolutionError(
                f"unsupported Multikey multicodec 0x{code:x}", code="unsupportedPublicKeyType"
            )
        key = Key.from_multikey(value)
    except InvalidInput as exc:
        raise DIDResolutionError(f"invalid Multikey: {exc}", code="invalidPublicKey") from exc
    return _checked(key)


class DIDResolver:
    """A registry of DID method resolvers, and verification-method retrieval on top of it.

    Register one :class:`MethodResolver` per method name; :func:`default_resolver` gives one with
    ``key``, ``jwk`` and ``web``. Registering a name again replaces its resolver. Every document
    returned is checked (a JSON object whose ``id`` is the DID asked for, DID Core §5.1.1) and is
    a deep copy, so callers may change it freely.
    """

    def __init__(self) -> None:
        self._methods: dict[str, MethodResolver] = {}
        self._lock = threading.Lock()

    def register(self, method: str, resolver: MethodResolver) -> None:
        """Use ``resolver`` for DIDs ``did:<method>:…``."""
        if not isinstance(method, str) or _METHOD_NAME.fullmatch(method) is None:
            raise InvalidInput(f"invalid DID method name {method!r} (DID Core §3.1)")
        if not callable(getattr(resolver, "resolve", None)):
            raise InvalidInput("a method resolver needs a resolve(did, *, at) method")
        with self._lock:
            self._methods[method] = resolver

    @property
    def methods(self) -> list[str]:
        """The registered method names, sorted."""
        with self._lock:
            return sorted(self._methods)

    def resolve(self, did: str, *, at: datetime | None = None) -> dict[str, Any]:
        """The DID document of ``did`` (as of ``at``, for methods with history).

        Raises :class:`DIDResolutionError`: ``invalidDid``, ``methodNotSupported``, ``notFound``,
        ``invalidDidDocument``, or whatever the method resolver raises.
        """
        return copy.deepcopy(dict(self._resolve(did, at)))

    def _resolve(self, did: str, at: datetime | None) -> Mapping[str, Any]:
        """:meth:`resolve` without the defensive copy, for callers that only read the document.

        Resolving a key does not hand the document out, so copying it would be wasted work.
        """
        if at is not None and (not isinstance(at, datetime) or at.tzinfo is None):
            raise InvalidInput("'at' must be a timezone-aware datetime")
        method, _ = parse_did(did)
        with self._lock:
            resolver = self._methods.get(method)
        if resolver is None:
            raise DIDResolutionError(
                f"DID method {method!r} is not supported (no resolver registered)",
                code="methodNotSupported",
            )
        try:
            document = resolver.resolve(did, at=at)
        except ResolutionError:
            raise
        except Exception as exc:  # a plug-in resolver's own failure; keep the cause chained
            raise DIDResolutionError(
                f"the did:{method} resolver failed: {exc}", code="internalError"
            ) from exc
        if not isinstance(document, Mapping):
            raise DIDResolutionError("DID document is not a JSON object", code="invalidDidDocument")
        if document.get("id") != did:
            # CID 1.0 §3.3 step 5 / did:web step 7: a document for another DID is never accepted.
            raise DIDResolutionError(
                f"document id {str(document.get('id'))[:80]!r} is not the DID {did!r}",
                code="invalidDidDocument",
            )
        return document

    def resolve_key(
        self,
        verification_method_id: str,
        *,
        purpose: str | None = "assertionMethod",
        at: datetime | None = None,
    ) -> Key:
        """The public key of a verification method, checked against ``purpose``.

        Controlled Identifiers 1.0 §3.3 Retrieve Verification Method: the id must be an absolute
        DID URL ``did#fragment``; the DID's document is resolved (as of ``at``); the method is
        looked up among ``verificationMethod`` and the methods embedded in the relationships
        (ids may be relative, ``#fragment``); its ``controller`` must be the DID; and unless
        ``purpose`` is ``None`` it must be listed, by reference or embedded, under ``purpose``
        (one of :data:`VERIFICATION_RELATIONSHIPS`).
        """
        did, _ = _split_did_url(verification_method_id)
        _check_purpose(purpose)
        document = self._resolve(did, at)
        return _document_key(document, did, verification_method_id, purpose)

    def resolve_key_for_did(
        self,
        did: str,
        kid: str | None = None,
        *,
        purpose: str | None = "assertionMethod",
        at: datetime | None = None,
    ) -> Key:
        """The key of ``did`` named by ``kid``, or its first key for ``purpose``.

        ``kid`` may be an absolute DID URL of this DID, ``#fragment`` or a bare fragment (as JOSE
        ``kid`` headers carry it). Without ``kid``, the first method listed under ``purpose``
        (or, with ``purpose=None``, the first of ``verificationMethod``) is used.
        """
        _check_purpose(purpose)
        parse_did(did)
        if kid is not None:
            if not isinstance(kid, str) or not kid:
                raise InvalidInput("kid must be a non-empty string")
            if kid.startswith("did:"):
                vm_id = kid
                if _split_did_url(kid)[0] != did:
                    raise DIDResolutionError(
                        f"kid {kid[:80]!r} names a key of another DID", code="invalidDidUrl"
                    )
            else:
                vm_id = did + (kid if kid.startswith("#") else "#" + kid)
                _split_did_url(vm_id)
            return self.resolve_key(vm_id, purpose=purpose, at=at)
        document = self._resolve(did, at)
        entries = _entries(document, purpose or "verificationMethod")
        if not entries:
            raise DIDResolutionError(
                f"the DID document of {did} lists no {purpose or 'verification'} method",
                code="notFound",
            )
        first = entries[0]
        reference = first.get("id") if isinstance(first, Mapping) else first
        if not isinstance(reference, str):
            raise DIDResolutionError(
                "a verification method reference must be a string", code="invalidDidDocument"
            )
        vm_id = _absolute(reference, did)
        _split_did_url(vm_id)
        return _document_key(document, did, vm_id, purpose)


def _check_purpose(purpose: str | None) -> None:
    if purpose is not None and purpose not in VERIFICATION_RELATIONSHIPS:
        raise InvalidInput(
            f"unknown verification relationship {purpose!r}; one of {VERIFICATION_RELATIONSHIPS}"
        )


def _entries(document: Mapping[str, Any], name: str) -> list[Any]:
    value = document.get(name, [])
    if not isinstance(value, list):
        raise DIDResolutionError(f"'{name}' must be an array", code="invalidDidDocument")
    return value


def _document_key(document: Mapping[str, Any], did: str, vm_id: str, purpose: str | None) -> Key:
    """CID 1.0 §3.3 steps 6-12 on an already resolved and id-checked document."""
    found: list[Mapping[str, Any]] = []
    for name in ("verificationMethod", *VERIFICATION_RELATIONSHIPS):
        for entry in _entries(document, name):
            if isinstance(entry, Mapping):
                entry_id = entry.get("id")
                if not isinstance(entry_id, str):
                    raise DIDResolutionError(
                        f"a verification method in '{name}' has no string id",
                        code="INVALID_VERIFICATION_METHOD",
                    )
                if _absolute(entry_id, did) == vm_id and entry not in found:
                    found.append(entry)
            elif not isinstance(entry, str):
                raise DIDResolutionError(
                    f"'{name}' entries must be ids or objects", code="invalidDidDocument"
                )
    if not found:
        raise DIDResolutionError(
            f"verification method {vm_id} is not in the DID document", code="notFound"
        )
    if len(found) > 1:
        # DID Core §5.2: ids are unique; two different methods under one id are ambiguous.
        raise DIDResolutionError(
            f"the DID document has conflicting methods with id {vm_id}", code="invalidDidDocument"
        )
    method = found[0]
    controller = method.get("controller")
    if not isinstance(controller, str) or _absolute(controller, did) != did:
        # CID 1.0 §3.3 step 10: the method's controller must be the document's subject.
        raise DIDResolutionError(
            f"verification method {vm_id} is controlled by {str(controller)[:80]!r}, not {did}",
            code="INVALID_VERIFICATION_METHOD",
        )
    key = verification_method_key(method)
    if purpose is not None:
        authorised = False
        for entry in _entries(document, purpose):
            reference = entry.get("id") if isinstance(entry, Mapping) else entry
            if isinstance(reference, str) and _absolute(reference, did) == vm_id:
                authorised = True
                break
        if not authorised:
            raise DIDResolutionError(
                f"verification method {vm_id} is not authorised for {purpose}",
                code="INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD",
            )
    return key


def default_resolver(http_get: Callable[[str], bytes] | None = None) -> DIDResolver:
    """A :class:`DIDResolver` with ``did:key``, ``did:jwk`` and ``did:web`` registered.

    ``http_get`` is the fetcher :class:`WebMethodResolver` uses; without it did:web DIDs fail to
    resolve ("did:web needs an HTTP fetcher").
    """
    resolver = DIDResolver()
    resolver.register("key", KeyMethodResolver())
    resolver.register("jwk", JwkMethodResolver())
    resolver.register("web", WebMethodResolver(http_get))
    return resolver
