"""Compact JWS, and W3C VC-JOSE-COSE ``vc+jwt`` / ``vp+jwt``.

JWS helpers (RFC 7515, with the RFC 8725 JWT best current practices):

* :func:`sign_jws` signs a JSON header and payload with a :class:`~vc_service.Key`: Ed25519 keys
  sign with ``EdDSA`` (RFC 8037 §3.1), P-256 keys with ``ES256`` (RFC 7518 §3.4).
* :func:`decode_jws` parses a compact JWS strictly *without* verifying it (base64url without
  padding, JSON objects without duplicate member names, RFC 7515 §5.2 steps 1-7) and returns an
  :class:`UnverifiedJws` whose parts are named ``unverified_*`` until :func:`verify_jws` has run.
* :func:`verify_jws` checks the header before the signature: ``alg`` must be the algorithm of the
  key (never ``none``, never another family: RFC 8725 §2.1/§3.1 algorithm-confusion attacks),
  ``crit`` and ``b64`` are refused (we implement no extension, RFC 7515 §4.1.11 says a recipient
  MUST reject unknown critical extensions), and ``typ`` is compared with the explicit type the
  caller expects (RFC 8725 §3.11, case-insensitive, ``application/`` prefix optional per RFC 7515
  §4.1.9). The signature is then verified over the JWS Signing Input (RFC 7515 §5.2 step 8)
  with the key's own algorithm: ``EdDSA`` with libsodium (RFC 8032 verification that also
  refuses small-order and non-canonical points), ``ES256`` as the 64-byte ``R || S`` of RFC 7518
  §3.4 with OpenSSL.

Signing and verification call :meth:`Key.sign` / :meth:`Key.verify` directly rather than going
through a JOSE library: the compact serialization is three base64url strings, and building a
library's JWK and JWS objects for every token cost more than the signature itself.

VC-JOSE-COSE (W3C Recommendation, 15 May 2025):

* :func:`issue_vc_jwt` / :func:`verify_vc_jwt`: §3.1.1 "Securing JSON-LD Verifiable Credentials
  with JOSE": the unsecured VCDM 2.0 credential *is* the JWS payload, ``typ`` ``vc+jwt``, ``cty``
  ``vc``; §3.1.3: the ``vc`` and ``vp`` claims MUST NOT be present; §4.1.1/§4.1.2: ``kid`` names
  the key (a DID URL), ``iss`` if present MUST match ``issuer`` / ``issuer.id``.
* :func:`issue_vp_jwt` / :func:`verify_vp_jwt`: §3.1.2 presentations (``typ`` ``vp+jwt``, ``cty``
  ``vp``) with the JWT ``nonce`` and ``aud`` claims binding them to one verifier's request.

Validity: VCDM 2.0 §4.9 ``validFrom`` / ``validUntil`` and, when present, the RFC 7519 §4.1.4/4.1.5
``exp`` / ``nbf`` claims (which VC-JOSE-COSE §3.1.3 says describe the signature, not the data).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ._errors import (
    AudienceMismatch,
    Error,
    Expired,
    HolderBindingError,
    InvalidCredential,
    InvalidInput,
    InvalidProof,
    NonceMismatch,
    NotYetValid,
    ResolutionError,
    UntrustedIssuer,
)
from ._keys import Key
from ._multibase import b64url_decode, b64url_encode

__all__ = [
    "CREDENTIALS_V2_CONTEXT",
    "UnverifiedJws",
    "decode_jws",
    "decode_json_object",
    "issue_vc_jwt",
    "issue_vp_jwt",
    "jws_alg",
    "numeric_date",
    "sign_jws",
    "utc_now",
    "verify_jws",
    "verify_vc_jwt",
    "verify_vp_jwt",
]

#: The base context every VCDM 2.0 credential and presentation starts with (VCDM 2.0 §4.3).
CREDENTIALS_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"

_ALGS = {"ed25519": "EdDSA", "p256": "ES256"}
# Header parameters that change how the signature is computed or must be understood (RFC 7515
# §4.1.11 ``crit``, RFC 7797 ``b64``); we implement no extension, so such a token is refused
# rather than misread.
_REFUSED_HEADER_PARAMETERS = ("crit", "b64")


# --------------------------------------------------------------------------- JSON and time


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            # RFC 7515 §5.2 step 3 / RFC 7519 §4: duplicate member names are rejected; parsers
            # disagree on which duplicate wins, which is how signed data gets misread.
            raise InvalidInput(f"duplicate JSON member name {name!r}")
        result[name] = value
    return result


def _reject_constant(name: str) -> Any:
    raise InvalidInput(f"{name} is not valid JSON")


# Built once: json.loads/json.dumps with keyword arguments construct a new decoder/encoder on
# every call, which costs more than parsing a JOSE header. Both objects are stateless.
_STRICT_DECODER = json.JSONDecoder(
    object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant
)
_COMPACT_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def decode_json(raw: bytes | str, what: str) -> Any:
    """Parse strict JSON (RFC 8259): UTF-8, no duplicate names, no ``NaN``/``Infinity``."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
        if not isinstance(text, str):
            raise TypeError(f"{what} must be bytes or str")
        return _STRICT_DECODER.decode(text)
    except InvalidInput as exc:
        raise InvalidInput(f"{what}: {exc}") from exc
    except (UnicodeDecodeError, ValueError, TypeError, RecursionError) as exc:
        raise InvalidInput(f"{what} is not valid JSON") from exc


def decode_json_object(raw: bytes | str, what: str) -> dict[str, Any]:
    """Parse strict JSON that must be an object (a JOSE header or a JWT Claims Set)."""
    value = decode_json(raw, what)
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} must be a JSON object")
    return value


def encode_json(value: Any) -> bytes:
    """Compact UTF-8 JSON, refusing values JSON cannot represent (NaN, non-string keys, ...)."""
    try:
        return _COMPACT_ENCODER.encode(value).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"value cannot be encoded as JSON: {exc}") from exc


def utc_now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return utc_now()
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise InvalidInput("'now' must be a timezone-aware datetime")
    return now


def numeric_date(value: datetime | int) -> int:
    """A JWT NumericDate (RFC 7519 §2): seconds since the epoch, from an aware datetime or int."""
    if isinstance(value, bool):
        raise InvalidInput("a NumericDate must be a datetime or an int")
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return int(_aware(value).timestamp())
    raise InvalidInput("a NumericDate must be a datetime or an int")


def claim_time(claims: Mapping[str, Any], name: str, *, path: str = "") -> datetime | None:
    """Read an optional NumericDate claim as an aware datetime; malformed values are refused."""
    if name not in claims:
        return None
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidCredential(f"'{name}' must be a NumericDate", path=f"{path}/{name}")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise InvalidCredential(f"'{name}' is out of range", path=f"{path}/{name}") from exc


#: How far in the future an ``iat`` may lie: issuers' and verifiers' clocks are never exactly in
#: step, and RFC 7519 §4.1.6 does not make ``iat`` a validity bound. ``exp``/``nbf`` are exact.
IAT_CLOCK_SKEW = timedelta(minutes=5)


def check_jwt_validity(claims: Mapping[str, Any], now: datetime, *, path: str = "") -> None:
    """RFC 7519 §4.1.4/§4.1.5: ``exp`` (expired at or after it), ``nbf``; and an ``iat`` more
    than :data:`IAT_CLOCK_SKEW` in the future (§4.1.6), which no honest issuer produces."""
    exp = claim_time(claims, "exp", path=path)
    if exp is not None and now >= exp:
        raise Expired(f"expired at {exp.isoformat()} ('exp')")
    nbf = claim_time(claims, "nbf", path=path)
    if nbf is not None and now < nbf:
        raise NotYetValid(f"not valid before {nbf.isoformat()} ('nbf')")
    iat = claim_time(claims, "iat", path=path)
    if iat is not None and now + IAT_CLOCK_SKEW < iat:
        raise NotYetValid(f"issued in the future at {iat.isoformat()} ('iat')")


# --------------------------------------------------------------------------- JWS


def jws_alg(key: Key) -> str:
    """The JWS ``alg`` for a key: ``EdDSA`` (Ed25519) or ``ES256`` (P-256)."""
    alg = _ALGS.get(key.type)
    if alg is None:
        raise InvalidInput(f"a {key.type} key cannot sign a JWS")
    return alg


def sign_jws(header: Mapping[str, Any], payload: Mapping[str, Any] | bytes, key: Key) -> str:
    """Sign a compact JWS (RFC 7515 §7.1) with ``key``; ``alg`` is set from the key.

    ``header`` must not carry ``alg`` (it is derived from the key, so it cannot disagree with it)
    nor any of the extension parameters :func:`verify_jws` refuses.
    """
    if not key.has_private:
        raise InvalidInput("signing needs a private key")
    alg = jws_alg(key)
    if "alg" in header:
        raise InvalidInput("'alg' is set from the key; do not pass it in the header")
    for name in _REFUSED_HEADER_PARAMETERS:
        if name in header:
            raise InvalidInput(f"header parameter {name!r} is not supported")
    protected = {"alg": alg, **header}
    body = payload if isinstance(payload, bytes) else encode_json(dict(payload))
    # RFC 7515 §5.1 steps 2-8: the JWS Signing Input is ASCII(BASE64URL(header) '.'
    # BASE64URL(payload)); the compact serialization appends '.' BASE64URL(signature) (§7.1).
    signing_input = b64url_encode(encode_json(protected)) + "." + b64url_encode(body)
    signature = key.sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url_encode(signature)


@dataclass(frozen=True)
class UnverifiedJws:
    """A parsed compact JWS whose signature has *not* been checked yet.

    ``unverified_header`` and ``unverified_payload`` must not be trusted before
    :func:`verify_jws` returns; ``compact`` is the exact serialization that was parsed.
    """

    compact: str
    unverified_header: dict[str, Any]
    unverified_payload: bytes
    signature: bytes

    def unverified_claims(self, what: str = "JWT payload") -> dict[str, Any]:
        """The payload parsed as a JSON object (still unverified)."""
        return decode_json_object(self.unverified_payload, what)


def decode_jws(token: str, what: str = "JWS") -> UnverifiedJws:
    """Parse a compact JWS strictly (RFC 7515 §5.2 steps 1-7), without checking the signature."""
    if not isinstance(token, str):
        raise InvalidInput(f"{what} must be a str")
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidInput(f"{what} must have three dot-separated parts")
    header_b64, payload_b64, signature_b64 = parts
    try:
        header_raw = b64url_decode(header_b64)
        payload = b64url_decode(payload_b64)
        signature = b64url_decode(signature_b64)
    except InvalidInput as exc:
        raise InvalidInput(f"{what}: {exc}") from exc
    header = decode_json_object(header_raw, f"{what} header")
    if not signature:
        raise InvalidInput(f"{what} has an empty signature")
    return UnverifiedJws(token, header, payload, signature)


def _typ_normal(value: str) -> str:
    value = value.lower()
    return value.removeprefix("application/")


def typ_matches(header: Mapping[str, Any], expected: Collection[str]) -> bool:
    """Whether ``typ`` is one of ``expected`` (RFC 7515 §4.1.9 media-type comparison)."""
    typ = header.get("typ")
    if not isinstance(typ, str):
        return False
    return _typ_normal(typ) in {_typ_normal(e) for e in expected}


def check_header(
    header: Mapping[str, Any], key: Key, *, typ: str | Collection[str] | None, what: str = "JWS"
) -> None:
    """Header rules applied before any signature check (see the module docstring).

    Raises :class:`InvalidProof` for an algorithm that does not fit the key and
    :class:`InvalidInput` for a missing/unsupported parameter or a wrong ``typ``.
    """
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise InvalidInput(f"{what} header has no 'alg'")
    if alg.lower() == "none":
        raise InvalidProof(f"{what} is unsecured ('alg': 'none')")
    if alg != jws_alg(key):
        # Algorithm confusion (RFC 8725 §2.1): only the algorithm of the resolved key is accepted.
        raise InvalidProof(f"{what} 'alg' {alg!r} does not match the {key.type} key")
    for name in _REFUSED_HEADER_PARAMETERS:
        if name in header:
            raise InvalidInput(f"{what} header parameter {name!r} is not supported")
    if typ is not None:
        expected = [typ] if isinstance(typ, str) else list(typ)
        if not typ_matches(header, expected):
            raise InvalidInput(
                f"{what} 'typ' is {header.get('typ')!r}, expected one of {sorted(expected)}"
            )


def verify_jws(
    jws: UnverifiedJws, key: Key, *, typ: str | Collection[str] | None, what: str = "JWS"
) -> None:
    """Check the header (:func:`check_header`) and then the signature; raise on any failure.

    A signature that does not verify raises :class:`InvalidProof`.
    """
    check_header(jws.unverified_header, key, typ=typ, what=what)
    # RFC 7515 §5.2 step 8: the signature covers the first two parts exactly as transmitted.
    # decode_jws has checked that they are strict base64url; the signature is its decoding.
    signing_input = jws.compact.rpartition(".")[0]
    if signing_input.count(".") != 1 or not signing_input.isascii():
        raise InvalidProof(f"{what} signature cannot be checked")
    data = signing_input.encode("ascii")
    try:
        # The algorithm is the key's own (check_header pinned 'alg' to it): EdDSA for Ed25519,
        # ES256 with a 64-byte R || S (RFC 7518 §3.4) for P-256; any other length is refused.
        key.verify(data, jws.signature)
    except InvalidProof as exc:
        raise InvalidProof(f"{what} signature does not verify") from exc
    except (InvalidInput, ValueError, TypeError) as exc:  # pragma: no cover - Key validated it
        # check_header refused other key types; a Key built around malformed public bytes makes
        # the crypto library raise instead.
        raise InvalidProof(f"{what} signature cannot be checked") from exc


def call_resolver(resolve: Callable[..., Key], *args: Any) -> Key:
    """Call a caller-supplied key resolver; foreign exceptions become :class:`ResolutionError`."""
    try:
        key = resolve(*args)
    except Error:
        raise
    except Exception as exc:
        raise ResolutionError(f"key resolution failed: {exc}") from exc
    if not isinstance(key, Key):
        raise ResolutionError("key resolver did not return a Key")
    return key.public_key()


# --------------------------------------------------------------------------- VC-JOSE-COSE


def _types(doc: Mapping[str, Any]) -> list[Any]:
    value = doc.get("type")
    return value if isinstance(value, list) else [value]


def _check_vcdm(unchecked: Any, kind: str) -> dict[str, Any]:
    """The minimal VCDM 2.0 shape both issuance and verification rely on."""
    if not isinstance(unchecked, Mapping):
        raise InvalidCredential(f"a {kind} must be a JSON object")
    doc: dict[str, Any] = dict(unchecked)
    context = doc.get("@context")
    if not isinstance(context, list) or not context or context[0] != CREDENTIALS_V2_CONTEXT:
        raise InvalidCredential(
            f"'@context' must start with {CREDENTIALS_V2_CONTEXT}", path="/@context"
        )
    wanted = "VerifiableCredential" if kind == "credential" else "VerifiablePresentation"
    if wanted not in _types(doc):
        raise InvalidCredential(f"'type' must include {wanted!r}", path="/type")
    for claim in ("vc", "vp"):
        if claim in doc:
            # VC-JOSE-COSE §3.1.3: the VC-JWT 1.1 'vc'/'vp' wrappers MUST NOT be present.
            raise InvalidCredential(
                f"the JWT claim {claim!r} must not be present", path=f"/{claim}"
            )
    return doc


def _issuer_id(credential: Mapping[str, Any]) -> str:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
        path = "/issuer/id"
    else:
        path = "/issuer"
    if not isinstance(issuer, str) or not issuer:
        raise InvalidCredential("'issuer' must be a URL or an object with an 'id'", path=path)
    return issuer


def _did_of(kid: str) -> str:
    if not isinstance(kid, str) or not kid.startswith("did:"):
        raise InvalidInput("'kid' must be a DID URL (VC-JOSE-COSE §4.1.1)")
    return kid.split("#", 1)[0].split("?", 1)[0]


def _vcdm_time(doc: Mapping[str, Any], name: str) -> datetime | None:
    value = doc.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidCredential(f"'{name}' must be a dateTimeStamp string", path=f"/{name}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidCredential(
            f"'{name}' is not an XML Schema dateTimeStamp", path=f"/{name}"
        ) from exc
    if parsed.tzinfo is None:
        raise InvalidCredential(f"'{name}' must carry a time zone offset", path=f"/{name}")
    return parsed


def _check_vcdm_validity(doc: Mapping[str, Any], now: datetime) -> None:
    valid_from = _vcdm_time(doc, "validFrom")
    valid_until = _vcdm_time(doc, "validUntil")
    if valid_from is not None and now < valid_from:
        raise NotYetValid(f"not valid before {valid_from.isoformat()} ('validFrom')")
    if valid_until is not None and now > valid_until:
        raise Expired(f"expired at {valid_until.isoformat()} ('validUntil')")


def issue_vc_jwt(credential: Mapping[str, Any], key: Key, *, kid: str) -> str:
    """Secure a VCDM 2.0 credential as ``application/vc+jwt`` (VC-JOSE-COSE §3.1.1).

    The header is ``{"alg", "kid", "typ": "vc+jwt", "cty": "vc"}`` and the payload is the
    credential itself, unchanged. ``kid`` is a DID URL naming ``key``; its DID must be the
    credential's ``issuer`` (VC-JOSE-COSE §4.1.2), so that what we sign also verifies.
    """
    doc = _check_vcdm(credential, "credential")
    issuer = _issuer_id(doc)
    if _did_of(kid) != issuer:
        raise InvalidInput(f"kid {kid!r} does not belong to the issuer {issuer!r}")
    if "iss" in doc and doc["iss"] != issuer:
        raise InvalidInput("'iss' must match 'issuer' (VC-JOSE-COSE §4.1.2)")
    _vcdm_time(doc, "validFrom")
    _vcdm_time(doc, "validUntil")
    return sign_jws({"kid": kid, "typ": "vc+jwt", "cty": "vc"}, doc, key)


def _verify_enveloped(
    token: str,
    resolve_key: Callable[[str], Key],
    *,
    typ: str,
    cty: str,
    now: datetime | None,
) -> tuple[dict[str, Any], str]:
    when = _aware(now)
    jws = decode_jws(token, f"{typ} token")
    header = jws.unverified_header
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise InvalidInput(f"{typ} header has no 'kid'")
    if "cty" in header and not typ_matches({"typ": header["cty"]}, [cty]):
        raise InvalidInput(f"{typ} 'cty' must be {cty!r}")
    key = call_resolver(resolve_key, kid)
    verify_jws(jws, key, typ=typ, what=f"{typ} token")
    try:
        claims = jws.unverified_claims(f"{typ} payload")
    except InvalidInput as exc:
        raise InvalidCredential(str(exc)) from exc
    check_jwt_validity(claims, when)
    return claims, kid


def verify_vc_jwt(
    token: str,
    *,
    resolve_key: Callable[[str], Key],
    now: datetime | None = None,
) -> dict[str, Any]:
    """Verify an ``application/vc+jwt`` credential and return it (VC-JOSE-COSE §3.1.1, §4.1).

    Checks, in order: ``typ`` ``vc+jwt`` (and ``cty`` ``vc`` when present); the signature with
    the key ``resolve_key(kid)`` returns, ``alg`` pinned to that key; the VCDM 2.0 shape; that the
    DID of ``kid`` is the credential's ``issuer`` and that ``iss``, if present, matches it
    (:class:`UntrustedIssuer` otherwise: the key that signed is not the issuer's); ``exp``/``nbf``
    and ``validFrom``/``validUntil`` (:class:`Expired`, :class:`NotYetValid`).
    """
    when = _aware(now)
    claims, kid = _verify_enveloped(token, resolve_key, typ="vc+jwt", cty="vc", now=when)
    credential = _check_vcdm(claims, "credential")
    issuer = _issuer_id(credential)
    if _did_of(kid) != issuer:
        raise UntrustedIssuer(f"signed by {kid!r}, which is not a key of the issuer {issuer!r}")
    if "iss" in credential and credential["iss"] != issuer:
        raise UntrustedIssuer("'iss' does not match the credential's 'issuer'")
    _check_vcdm_validity(credential, when)
    return credential


def issue_vp_jwt(
    presentation: Mapping[str, Any],
    key: Key,
    *,
    kid: str,
    nonce: str,
    audience: str,
    iat: datetime | int | None = None,
) -> str:
    """Secure a VCDM 2.0 presentation as ``application/vp+jwt`` (VC-JOSE-COSE §3.1.2).

    The payload is the presentation plus the JWT claims ``nonce``, ``aud`` and ``iat``, which bind
    it to the verifier's request. If the presentation names a ``holder``, ``kid`` must be one of
    its keys.
    """
    doc = _check_vcdm(presentation, "presentation")
    for claim in ("nonce", "aud", "iat"):
        if claim in doc:
            raise InvalidInput(f"{claim!r} is set from the arguments")
    if not isinstance(nonce, str) or not nonce:
        raise InvalidInput("'nonce' must be a non-empty string")
    if not isinstance(audience, str) or not audience:
        raise InvalidInput("'audience' must be a non-empty string")
    holder = doc.get("holder")
    holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
    if holder_id is not None and _did_of(kid) != holder_id:
        raise InvalidInput(f"kid {kid!r} does not belong to the holder {holder_id!r}")
    payload = {
        **doc,
        "nonce": nonce,
        "aud": audience,
        "iat": numeric_date(utc_now() if iat is None else iat),
    }
    return sign_jws({"kid": kid, "typ": "vp+jwt", "cty": "vp"}, payload, key)


def _audience_ok(aud: Any, expected: str) -> bool:
    if isinstance(aud, str):
        return hmac.compare_digest(aud.encode(), expected.encode())
    if isinstance(aud, list):
        return any(isinstance(a, str) and a == expected for a in aud)
    return False


def check_nonce_audience(
    claims: Mapping[str, Any], *, nonce: str | None, audience: str | None
) -> None:
    """Compare ``nonce`` and ``aud`` with what the verifier asked for (constant-time for nonce)."""
    if nonce is not None:
        got = claims.get("nonce")
        if not isinstance(got, str) or not hmac.compare_digest(got.encode(), nonce.encode()):
            raise NonceMismatch("the nonce is not the one the verifier asked for")
    if audience is not None and not _audience_ok(claims.get("aud"), audience):
        raise AudienceMismatch("the presentation was made for another audience")


def verify_vp_jwt(
    token: str,
    *,
    resolve_key: Callable[[str], Key],
    nonce: str,
    audience: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Verify an ``application/vp+jwt`` presentation and return it (VC-JOSE-COSE §3.1.2).

    Checks ``typ`` ``vp+jwt``, the signature of ``resolve_key(kid)``, the VCDM 2.0 shape, that a
    ``holder`` (if named) is the DID of ``kid`` (:class:`HolderBindingError`), ``exp``/``nbf``, the
    ``nonce`` (:class:`NonceMismatch`) and ``aud`` (:class:`AudienceMismatch`). The ``nonce``,
    ``aud`` and ``iat`` claims are removed from the returned presentation. Credentials enveloped
    in the presentation are not verified here: verify each with :func:`verify_vc_jwt`.
    """
    if not isinstance(nonce, str) or not isinstance(audience, str):
        raise InvalidInput("'nonce' and 'audience' must be strings")
    claims, kid = _verify_enveloped(token, resolve_key, typ="vp+jwt", cty="vp", now=now)
    presentation = _check_vcdm(claims, "presentation")
    holder = presentation.get("holder")
    holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
    if holder_id is not None and _did_of(kid) != holder_id:
        raise HolderBindingError(f"signed by {kid!r}, which is not a key of the holder")
    check_nonce_audience(presentation, nonce=nonce, audience=audience)
    for claim in ("nonce", "aud", "iat"):
        presentation.pop(claim, None)
    return presentation
