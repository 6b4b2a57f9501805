"""SD-JWT (RFC 9901) and SD-JWT VC (draft-ietf-oauth-sd-jwt-vc-16 ... -18).

RFC 9901 is the published form of draft-ietf-oauth-selective-disclosure-jwt-22 (November 2025);
section numbers below are those of the RFC (identical to -22).

* Issuer -- :func:`issue_sd_jwt` (plain SD-JWT) and :func:`issue_sd_jwt_vc` (SD-JWT VC, ``typ``
  ``dc+sd-jwt``, SD-JWT VC §3.2). Disclosures per RFC 9901 §4.2.1 (object properties) and §4.2.2
  (array elements), digests per §4.2.3 and embedded per §4.2.4 (``_sd`` arrays sorted, array
  elements ``{"...": digest}``), decoy digests per §4.2.5, recursive disclosures per §4.2.6, the
  ``_sd_alg`` claim per §4.1.1 and Key Binding via ``cnf.jwk`` per §4.1.2 / RFC 7800 §3.2. Salts
  are 128 bits from :mod:`secrets` (§9.3). Which claims become selectively disclosable is given
  as RFC 6901 JSON pointers into the input claims (``"/address/street_address"``,
  ``"/nationalities/1"``); pointing at a claim and at claims inside it makes it recursive.
* Holder -- :func:`present` (RFC 9901 §7.2): selects the Disclosures for the claims to reveal
  (and those of every enclosing selectively disclosable claim, without which a nested Disclosure
  cannot be placed, §4.2.6) and appends a Key Binding JWT (§4.3) whose ``sd_hash`` covers the
  Issuer-signed JWT and the selected Disclosures (§4.3.1).
* Verifier -- :func:`verify_sd_jwt` (RFC 9901 §7.1 and §7.3, SD-JWT VC §3.4): signature, digest
  processing with every MUST-reject rule of §7.1 step 3-5, validity claims (§7.1 step 6), Key
  Binding, then an optional status check (draft-ietf-oauth-status-list, see
  :mod:`vc_service._token_status`).
* :func:`issuer_key_resolver` -- the Issuer Signature Mechanisms of SD-JWT VC §3.5: ``iss`` a DID
  (resolved by an injected DID resolver) or an HTTPS URL (JWT VC Issuer Metadata, SD-JWT VC §5).

The compact serialization (§4) and both JWS JSON serializations (§8) are supported. In the
general JSON serialization the Disclosures and the KB-JWT travel in the first signature's
unprotected header (§8.3), ``sd_hash`` is taken over the compact form built from the first
signature (§8.1 does not say which one to use when there are several), and every signature must
verify.

Error mapping. A bad Issuer signature raises :class:`InvalidProof`, and so does a Disclosure that
no digest references (it is not covered by the Issuer's signature: a forged or altered
Disclosure). Structural violations (a digest appearing twice, a Disclosure named ``_sd`` or
``...``, a claim name collision, an unsupported ``_sd_alg``, a wrong Disclosure shape) raise
:class:`InvalidCredential`. Every Key Binding failure -- missing KB-JWT where binding is required,
wrong ``typ``, another key's signature, wrong ``sd_hash``, an ``iat`` outside the accepted window
(in either direction) -- raises :class:`HolderBindingError`, except a wrong ``nonce``
(:class:`NonceMismatch`) and a wrong ``aud`` (:class:`AudienceMismatch`).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import secrets
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from ._errors import (
    Error,
    HolderBindingError,
    InvalidCredential,
    InvalidInput,
    InvalidProof,
    ResolutionError,
    UntrustedIssuer,
    VerificationError,
)
from ._jose import (
    UnverifiedJws,
    call_resolver,
    check_jwt_validity,
    check_nonce_audience,
    claim_time,
    decode_json,
    decode_json_object,
    decode_jws,
    encode_json,
    jws_alg,
    numeric_date,
    sign_jws,
    typ_matches,
    utc_now,
    verify_jws,
)
from ._keys import Key
from ._multibase import b64url_decode, b64url_encode

__all__ = [
    "SD_JWT_VC_TYPES",
    "SdJwtResult",
    "issue_sd_jwt",
    "issue_sd_jwt_vc",
    "issuer_key_resolver",
    "present",
    "verify_sd_jwt",
]

#: ``typ`` values of an SD-JWT VC: ``dc+sd-jwt`` (SD-JWT VC §3.2.1) and the legacy ``vc+sd-jwt``
#: that the same section RECOMMENDS verifiers keep accepting during the transition.
SD_JWT_VC_TYPES = ("dc+sd-jwt", "vc+sd-jwt")
_KB_JWT_TYP = "kb+jwt"
# Types of other JWTs that must never be mistaken for an Issuer-signed SD-JWT (RFC 8725 §3.11).
_FOREIGN_TYPES = ("kb+jwt", "statuslist+jwt", "vc+jwt", "vp+jwt", "jwt-vc-issuer+jwt")

#: Hash Name Strings of the IANA "Named Information Hash Algorithm" registry (RFC 9901 §4.1.1)
#: that we accept. Truncated digests and MD5/SHA-1 are deliberately absent (§9.5).
_HASHES: dict[str, Callable[[bytes], Any]] = {
    "sha-256": hashlib.sha256,
    "sha-384": hashlib.sha384,
    "sha-512": hashlib.sha512,
    "sha3-256": hashlib.sha3_256,
    "sha3-384": hashlib.sha3_384,
    "sha3-512": hashlib.sha3_512,
}
_SALT_BYTES = 16  # 128 bits, RFC 9901 §9.3

# Claims that RFC 9901 §9.7 lists as security-critical, plus 'status' and our own '_sd_alg':
# never made selectively disclosable by our issuer.
_NEVER_SD_PLAIN = frozenset({"iss", "aud", "exp", "nbf", "cnf", "status", "_sd_alg"})
# SD-JWT VC §3.2.2.2: these registered claims MUST NOT be included in Disclosures. We also keep
# 'iat' in the clear (the draft allows disclosing it; our issuer sets it as a plain claim).
_NEVER_DISCLOSED_VC = frozenset({"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"})
_NEVER_SD_VC = _NEVER_DISCLOSED_VC | {"iat", "_sd_alg"}
# Claims issue_sd_jwt_vc sets from its parameters; they may not come in through ``claims``.
_VC_PARAMETER_CLAIMS = frozenset({"iss", "vct", "cnf", "status", "iat", "exp", "nbf", "_sd_alg"})

Profile = Literal["sd-jwt-vc", "sd-jwt"]
Serialization = Literal["compact", "flattened", "general"]


# --------------------------------------------------------------------------- small helpers


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _parse_pointer(pointer: str) -> list[str]:
    """RFC 6901 §3/§4: split a JSON pointer into unescaped reference tokens."""
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise InvalidInput(f"{pointer!r} is not a JSON pointer to a claim (RFC 6901)")
    tokens = pointer[1:].split("/")
    result = []
    for token in tokens:
        if "~" in token.replace("~0", "").replace("~1", ""):
            raise InvalidInput(f"invalid escape in JSON pointer {pointer!r}")
        result.append(token.replace("~1", "/").replace("~0", "~"))
    return result


def _array_index(token: str, length: int, pointer: str) -> int:
    if not token.isdigit() or (len(token) > 1 and token[0] == "0") or not token.isascii():
        raise InvalidInput(f"{pointer!r}: {token!r} is not an array index")
    index = int(token)
    if index >= length:
        raise InvalidInput(f"{pointer!r}: index {index} is out of range")
    return index


def _resolve(document: Any, tokens: Sequence[str], pointer: str) -> str:
    """Check that ``tokens`` name a member of ``document``; return the canonical pointer."""
    node = document
    canonical = ""
    for token in tokens:
        if isinstance(node, dict):
            if token not in node:
                raise InvalidInput(f"{pointer!r} names no claim")
            node = node[token]
            canonical += "/" + _escape(token)
        elif isinstance(node, list):
            index = _array_index(token, len(node), pointer)
            node = node[index]
            canonical += f"/{index}"
        else:
            raise InvalidInput(f"{pointer!r} names no claim")
    return canonical


def _hash_function(name: Any) -> Callable[[bytes], Any]:
    if not isinstance(name, str) or name not in _HASHES:
        raise InvalidCredential(f"unsupported '_sd_alg' {name!r}", path="/_sd_alg")
    return _HASHES[name]


def _digest(hash_fn: Callable[[bytes], Any], text: str) -> str:
    """RFC 9901 §4.2.3: hash of the US-ASCII bytes of the base64url text, base64url-encoded."""
    try:
        data = text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise InvalidInput("a Disclosure must be base64url text") from exc
    return b64url_encode(hash_fn(data).digest())


def _sd_hash_input(jwt: str, disclosures: Sequence[str]) -> str:
    """RFC 9901 §4.3.1: ``<Issuer-signed JWT>~<Disclosure 1>~...~<Disclosure N>~``."""
    return jwt + "~" + "".join(d + "~" for d in disclosures)


def _check_json_value(value: Any, path: str) -> None:
    if isinstance(value, dict):
        for name, member in value.items():
            if not isinstance(name, str):
                raise InvalidInput(f"{path}: claim names must be strings")
            if name in ("_sd", "...", "_sd_alg"):
                # RFC 9901 §4.1 rule 7 and §4.1.1: these names are the format's own.
                raise InvalidInput(f"{path}/{_escape(name)}: the claim name {name!r} is reserved")
            _check_json_value(member, f"{path}/{_escape(name)}")
    elif isinstance(value, list | tuple):
        for index, member in enumerate(value):
            _check_json_value(member, f"{path}/{index}")
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidInput(f"{path}: NaN and infinities are not JSON")
    elif value is not None and not isinstance(value, str | int | bool):
        raise InvalidInput(f"{path}: {type(value).__name__} is not a JSON value")


def _as_json(value: Any) -> Any:
    # Tuples become lists and mappings dicts, so that what we hash is what we serialize.
    if isinstance(value, Mapping):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_json(v) for v in value]
    return value


# --------------------------------------------------------------------------- issuance


class _Encoder:
    """Turns input claims into an SD-JWT payload plus Disclosures (RFC 9901 §4.2)."""

    def __init__(self, hash_fn: Callable[[bytes], Any], disclose: set[str], decoys: int | None):
        self.hash_fn = hash_fn
        self.disclose = disclose
        self.decoys = decoys
        self.disclosures: list[str] = []

    def _disclosure(self, content: list[Any]) -> str:
        salt = b64url_encode(secrets.token_bytes(_SALT_BYTES))
        disclosure = b64url_encode(encode_json([salt, *content]))
        self.disclosures.append(disclosure)
        return _digest(self.hash_fn, disclosure)

    def _decoy_count(self) -> int:
        if self.decoys is None:
            return 1 + secrets.randbelow(3)
        return self.decoys

    def encode(self, value: Any, pointer: str) -> Any:
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            digests: list[str] = []
            for name, member in value.items():
                child = f"{pointer}/{_escape(name)}"
                encoded = self.encode(member, child)
                if child in self.disclose:
                    digests.append(self._disclosure([name, encoded]))
                else:
                    out[name] = encoded
            if digests:
                # §4.2.5 decoys, then §4.2.4.1: sorting hides the original claim order.
                for _ in range(self._decoy_count()):
                    decoy = b64url_encode(secrets.token_bytes(_SALT_BYTES))
                    digests.append(_digest(self.hash_fn, decoy))
                out["_sd"] = sorted(digests)
            return out
        if isinstance(value, list):
            items: list[Any] = []
            for index, member in enumerate(value):
                child = f"{pointer}/{index}"
                encoded = self.encode(member, child)
                if child in self.disclose:
                    items.append({"...": self._disclosure([encoded])})
                else:
                    items.append(encoded)
            return items
        return value


def _validate_disclose(
    claims: dict[str, Any], disclose: Iterable[str], never_sd: frozenset[str]
) -> set[str]:
    if isinstance(disclose, str):
        raise InvalidInput("'disclose' is a sequence of JSON pointers, not one string")
    result = set()
    for pointer in disclose:
        tokens = _parse_pointer(pointer)
        # Nothing inside a never-disclosable claim either (hiding 'status.status_list' hides the
        # status), except single 'aud' entries, which RFC 9901 §9.7 allows.
        if tokens[0] in never_sd and not (tokens[0] == "aud" and len(tokens) > 1):
            raise InvalidInput(f"{tokens[0]!r} must never be selectively disclosable")
        result.add(_resolve(claims, tokens, pointer))
    return result


def _holder_cnf(holder_key: Key | None) -> dict[str, Any] | None:
    if holder_key is None:
        return None
    jws_alg(holder_key)  # only keys that can sign a KB-JWT
    return {"jwk": holder_key.public_key().public_jwk()}


def _issue(
    header: dict[str, Any],
    leading: dict[str, Any],
    claims: dict[str, Any],
    trailing: dict[str, Any],
    key: Key,
    *,
    disclose: set[str],
    decoys: int | None,
    hash_alg: str,
    serialization: Serialization,
    additional_signers: Sequence[tuple[Key, str | None]],
) -> str:
    if hash_alg not in _HASHES:
        raise InvalidInput(f"unsupported hash algorithm {hash_alg!r}")
    if decoys is not None and (
        isinstance(decoys, bool) or not isinstance(decoys, int) or decoys < 0
    ):
        raise InvalidInput("'decoys' must be a non-negative int")
    encoder = _Encoder(_HASHES[hash_alg], disclose, decoys)
    body = encoder.encode(claims, "")
    payload = {**leading, **body, **trailing}
    if encoder.disclosures:
        payload["_sd_alg"] = hash_alg
    payload_bytes = encode_json(payload)

    if serialization == "compact":
        if additional_signers:
            raise InvalidInput("the compact serialization carries a single signature")
        jwt = sign_jws(header, payload_bytes, key)
        return _sd_hash_input(jwt, encoder.disclosures)
    if serialization not in ("flattened", "general"):
        raise InvalidInput(f"unknown serialization {serialization!r}")
    if serialization == "flattened" and additional_signers:
        raise InvalidInput("the flattened JSON serialization carries a single signature")
    signers = [(key, header)]
    for extra_key, extra_kid in additional_signers:
        extra_header = {k: v for k, v in header.items() if k != "kid"}
        if extra_kid is not None:
            extra_header["kid"] = extra_kid
        signers.append((extra_key, extra_header))
    signatures: list[dict[str, Any]] = []
    payload_b64 = ""
    for signer_key, signer_header in signers:
        protected_b64, payload_b64, signature_b64 = sign_jws(
            signer_header, payload_bytes, signer_key
        ).split(".")
        signatures.append({"protected": protected_b64, "signature": signature_b64})
    # RFC 9901 §8.1: the Disclosures go into the (first) unprotected header.
    signatures[0]["header"] = {"disclosures": list(encoder.disclosures)}
    if serialization == "flattened":
        document: dict[str, Any] = {"payload": payload_b64, **signatures[0]}
    else:
        document = {"payload": payload_b64, "signatures": signatures}
    return json.dumps(document, separators=(",", ":"))


def issue_sd_jwt(
    claims: Mapping[str, Any],
    key: Key,
    *,
    kid: str | None = None,
    typ: str | None = None,
    disclose: Iterable[str] = (),
    holder_key: Key | None = None,
    decoys: int | None = None,
    hash_alg: str = "sha-256",
    serialization: Serialization = "compact",
    additional_signers: Sequence[tuple[Key, str | None]] = (),
) -> str:
    """Issue a plain SD-JWT (RFC 9901 §4) over ``claims``.

    ``disclose`` lists JSON pointers (RFC 6901) into ``claims`` of the object properties and
    array elements to make selectively disclosable; listing a claim and claims inside it gives
    recursive disclosures (§4.2.6). ``iss``, ``aud``, ``exp``, ``nbf``, ``cnf`` and ``status``
    stay in the clear (§9.7; single ``aud`` entries may be disclosable). ``holder_key`` adds
    ``cnf.jwk`` (§4.1.2). ``decoys`` is the number of decoy digests added to every ``_sd`` array
    (§4.2.5; default: a random 1-3 per array). ``serialization`` is ``compact`` (§4) or the
    ``flattened`` / ``general`` JWS JSON serialization (§8); ``additional_signers`` (general
    only) add signatures by further ``(key, kid)`` pairs. Returns the SD-JWT with all
    Disclosures, for the Holder.
    """
    if not isinstance(claims, Mapping):
        raise InvalidInput("claims must be a JSON object")
    plain = _as_json(claims)
    _check_json_value(plain, "")
    cnf = _holder_cnf(holder_key)
    if cnf is not None and "cnf" in plain:
        raise InvalidInput("'cnf' is set from holder_key")
    chosen = _validate_disclose(plain, disclose, _NEVER_SD_PLAIN)
    header: dict[str, Any] = {}
    if typ is not None:
        header["typ"] = typ
    if kid is not None:
        header["kid"] = kid
    trailing = {"cnf": cnf} if cnf is not None else {}
    return _issue(
        header,
        {},
        plain,
        trailing,
        key,
        disclose=chosen,
        decoys=decoys,
        hash_alg=hash_alg,
        serialization=serialization,
        additional_signers=additional_signers,
    )


def issue_sd_jwt_vc(
    claims: Mapping[str, Any],
    key: Key,
    *,
    issuer: str,
    vct: str,
    kid: str | None = None,
    disclose: Iterable[str] = (),
    holder_key: Key | None = None,
    decoys: int | None = None,
    iat: datetime | int | None = None,
    exp: datetime | int | None = None,
    nbf: datetime | int | None = None,
    status: Mapping[str, Any] | None = None,
    hash_alg: str = "sha-256",
) -> str:
    """Issue an SD-JWT VC (draft-ietf-oauth-sd-jwt-vc §3.2) in the compact serialization.

    The header is ``{"alg", "typ": "dc+sd-jwt", "kid"?}`` (§3.2.1). ``iss``, ``vct`` (§3.2.2.1),
    ``iat`` (default: now), ``exp``, ``nbf``, ``status`` and ``cnf`` (from ``holder_key``) come from
    the parameters and are never selectively disclosable (§3.2.2.2); ``claims`` must not contain
    them, and a pointer in ``disclose`` that names one of them (or ``vct#integrity``) raises
    :class:`InvalidInput`. Everything else is as in :func:`issue_sd_jwt`. With no selectively
    disclosable claim the payload has no ``_sd`` and there are no Disclosures (§3.2.2.4).
    """
    if not isinstance(claims, Mapping):
        raise InvalidInput("claims must be a JSON object")
    plain = _as_json(claims)
    _check_json_value(plain, "")
    for name in sorted(_VC_PARAMETER_CLAIMS & plain.keys()):
        raise InvalidInput(f"{name!r} is set from the parameters, not through claims")
    if not isinstance(issuer, str) or not issuer:
        raise InvalidInput("'issuer' must be a non-empty string")
    if not isinstance(vct, str) or not vct:
        raise InvalidInput("'vct' must be a non-empty string")
    chosen = _validate_disclose(plain, disclose, _NEVER_SD_VC)
    leading: dict[str, Any] = {
        "iss": issuer,
        "iat": numeric_date(utc_now() if iat is None else iat),
    }
    if nbf is not None:
        leading["nbf"] = numeric_date(nbf)
    if exp is not None:
        leading["exp"] = numeric_date(exp)
    leading["vct"] = vct
    trailing: dict[str, Any] = {}
    if status is not None:
        if not isinstance(status, Mapping) or not status:
            raise InvalidInput("'status' must be a non-empty JSON object")
        status_json = _as_json(status)
        _check_json_value(status_json, "/status")
        trailing["status"] = status_json
    cnf = _holder_cnf(holder_key)
    if cnf is not None:
        trailing["cnf"] = cnf
    header: dict[str, Any] = {"typ": "dc+sd-jwt"}
    if kid is not None:
        header["kid"] = kid
    return _issue(
        header,
        leading,
        plain,
        trailing,
        key,
        disclose=chosen,
        decoys=decoys,
        hash_alg=hash_alg,
        serialization="compact",
        additional_signers=(),
    )


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Parsed:
    """An SD-JWT or SD-JWT+KB split into its parts (nothing verified yet)."""

    signatures: tuple[UnverifiedJws, ...]  # the first one is the Issuer-signed JWT of §4
    disclosures: tuple[str, ...]
    kb_jwt: str | None
    form: Serialization
    document: dict[str, Any] | None  # the JSON serialization, to re-serialize a presentation

    @property
    def jwt(self) -> UnverifiedJws:
        return self.signatures[0]


def _parse_compact(token: str) -> _Parsed:
    parts = token.split("~")
    if len(parts) < 2:
        raise InvalidInput("not an SD-JWT: no '~' separator (RFC 9901 §4)")
    disclosures = parts[1:-1]
    if any(not d for d in disclosures):
        raise InvalidInput("empty Disclosure in the SD-JWT")
    jws = decode_jws(parts[0], "Issuer-signed JWT")
    return _Parsed((jws,), tuple(disclosures), parts[-1] or None, "compact", None)


def _string_list(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidInput(f"{what} must be an array of non-empty strings")
    return tuple(value)


def _parse_json(token: str) -> _Parsed:
    document = decode_json_object(token, "JWS JSON serialization")
    payload = document.get("payload")
    if not isinstance(payload, str):
        raise InvalidInput("JWS JSON serialization has no 'payload'")
    if "signatures" in document:
        if {"protected", "signature", "header"} & document.keys():
            raise InvalidInput("general JWS JSON serialization with flattened members")
        entries = document["signatures"]
        if not isinstance(entries, list) or not entries:
            raise InvalidInput("'signatures' must be a non-empty array")
        form: Serialization = "general"
    else:
        entries = [document]
        form = "flattened"
    signatures: list[UnverifiedJws] = []
    disclosures: tuple[str, ...] = ()
    kb_jwt = None
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InvalidInput("a JWS signature must be a JSON object")
        protected, signature = entry.get("protected"), entry.get("signature")
        if not isinstance(protected, str) or not isinstance(signature, str):
            raise InvalidInput("every signature needs 'protected' and 'signature'")
        jws = decode_jws(f"{protected}.{payload}.{signature}", "Issuer-signed JWT")
        unprotected = entry.get("header", {})
        if not isinstance(unprotected, dict):
            raise InvalidInput("an unprotected 'header' must be a JSON object")
        if unprotected.keys() & jws.unverified_header.keys():
            # RFC 7515 §7.2.1: protected and unprotected header names must be disjoint.
            raise InvalidInput("a header parameter is both protected and unprotected")
        if index == 0:
            disclosures = _string_list(unprotected.get("disclosures", []), "'disclosures'")
            if "kb_jwt" in unprotected:
                kb_jwt = unprotected["kb_jwt"]
                if not isinstance(kb_jwt, str) or not kb_jwt:
                    raise InvalidInput("'kb_jwt' must be a non-empty string")
        elif {"disclosures", "kb_jwt"} & unprotected.keys():
            # RFC 9901 §8.3: only the first unprotected header carries them.
            raise InvalidInput("'disclosures'/'kb_jwt' outside the first unprotected header")
        signatures.append(jws)
    return _Parsed(tuple(signatures), disclosures, kb_jwt, form, document)


def _parse(token: str) -> _Parsed:
    if not isinstance(token, str):
        raise InvalidInput("an SD-JWT must be a str")
    if token.lstrip().startswith("{"):
        return _parse_json(token)
    return _parse_compact(token)


# --------------------------------------------------------------------------- processing


@dataclass
class _Processed:
    claims: dict[str, Any]
    # pointer in the processed payload -> the Disclosure whose value sits there
    origin: dict[str, str]


class _Unpacker:
    """RFC 9901 §7.1 step 3-5: replace digests with disclosed values, enforcing every rule."""

    def __init__(
        self,
        disclosures: Sequence[str],
        hash_fn: Callable[[bytes], Any],
        never_disclosed: frozenset[str],
    ) -> None:
        self.never_disclosed = never_disclosed
        self.by_digest: dict[str, tuple[str, list[Any]]] = {}
        for disclosure in disclosures:
            digest = _digest(hash_fn, disclosure)
            if digest in self.by_digest:
                # RFC 9901 §4: a Holder MUST NOT send a Disclosure more than once.
                raise InvalidCredential("the same Disclosure is present twice")
            self.by_digest[digest] = (disclosure, self._decode(disclosure))
        self.seen: set[str] = set()
        self.used: set[str] = set()
        self.origin: dict[str, str] = {}

    @staticmethod
    def _decode(disclosure: str) -> list[Any]:
        try:
            content = decode_json(b64url_decode(disclosure), "Disclosure")
        except InvalidInput as exc:
            raise InvalidCredential(f"malformed Disclosure: {exc}") from exc
        if not isinstance(content, list) or len(content) not in (2, 3):
            raise InvalidCredential("a Disclosure must be a JSON array of two or three elements")
        if not isinstance(content[0], str):
            raise InvalidCredential("a Disclosure's salt must be a string")
        return content

    def _lookup(self, digest: str, path: str) -> tuple[str, list[Any]] | None:
        if digest in self.seen:
            # §7.1 step 4: a digest value appearing more than once MUST be rejected.
            raise InvalidCredential("a digest appears more than once", path=path)
        self.seen.add(digest)
        entry = self.by_digest.get(digest)
        if entry is not None:
            self.used.add(digest)
        return entry

    def unpack(self, node: Any, path: str) -> Any:
        if isinstance(node, dict):
            return self._object(node, path)
        if isinstance(node, list):
            return self._array(node, path)
        return node

    def _object(self, node: dict[str, Any], path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in node.items():
            if name == "_sd":
                continue
            if name == "...":
                raise InvalidCredential("'...' outside an array element digest", path=path)
            if name == "_sd_alg" and path:
                raise InvalidCredential("'_sd_alg' is only allowed at the top level", path=path)
            out[name] = self.unpack(value, f"{path}/{_escape(name)}")
        if "_sd" not in node:
            return out
        digests = node["_sd"]
        if not isinstance(digests, list) or not all(isinstance(d, str) for d in digests):
            raise InvalidCredential("'_sd' must be an array of strings", path=f"{path}/_sd")
        for digest in digests:
            entry = self._lookup(digest, f"{path}/_sd")
            if entry is None:
                continue  # a decoy, or a claim the Holder did not disclose
            disclosure, content = entry
            if len(content) != 3:
                raise InvalidCredential("an array-element Disclosure in an '_sd' array", path=path)
            _, name, value = content
            if not isinstance(name, str):
                raise InvalidCredential("a disclosed claim name must be a string", path=path)
            if name in ("_sd", "..."):
                raise InvalidCredential(f"a Disclosure may not name the claim {name!r}", path=path)
            if name in out:
                raise InvalidCredential(f"the disclosed claim {name!r} already exists", path=path)
            if not path and name in self.never_disclosed:
                raise InvalidCredential(f"{name!r} must not be selectively disclosed", path=path)
            child = f"{path}/{_escape(name)}"
            self.origin[child] = disclosure
            out[name] = self.unpack(value, child)
        return out

    def _array(self, node: list[Any], path: str) -> list[Any]:
        out: list[Any] = []
        for element in node:
            if isinstance(element, dict) and "..." in element:
                digest = element["..."]
                if len(element) != 1 or not isinstance(digest, str):
                    raise InvalidCredential("malformed array element digest", path=path)
                entry = self._lookup(digest, path)
                if entry is None:
                    continue  # §7.1 step 3.4: undisclosed elements are removed
                disclosure, content = entry
                if len(content) != 2:
                    raise InvalidCredential("an object-property Disclosure in an array", path=path)
                child = f"{path}/{len(out)}"
                self.origin[child] = disclosure
                out.append(self.unpack(content[1], child))
            else:
                out.append(self.unpack(element, f"{path}/{len(out)}"))
        return out

    def check_all_used(self) -> None:
        if len(self.used) != len(self.by_digest):
            # §7.1 step 5. Such a Disclosure is not covered by the Issuer's signature: it was
            # altered, forged or taken from another SD-JWT.
            raise InvalidProof("a Disclosure is not referenced by any digest in the SD-JWT")


def _process(
    payload: dict[str, Any], disclosures: Sequence[str], never_disclosed: frozenset[str]
) -> _Processed:
    hash_fn = _hash_function(payload.get("_sd_alg", "sha-256"))
    unpacker = _Unpacker(disclosures, hash_fn, never_disclosed)
    body = {k: v for k, v in payload.items() if k != "_sd_alg"}
    claims = unpacker._object(body, "")
    unpacker.check_all_used()
    return _Processed(claims, unpacker.origin)


def _payload_hash(payload: Mapping[str, Any]) -> Callable[[bytes], Any]:
    return _hash_function(payload.get("_sd_alg", "sha-256"))


# --------------------------------------------------------------------------- holder


def _cnf_key(claims: Mapping[str, Any], error: type[Error]) -> Key | None:
    """The holder key of ``cnf.jwk`` (RFC 7800 §3.2), or None without ``cnf``."""
    if "cnf" not in claims:
        return None
    cnf = claims["cnf"]
    if not isinstance(cnf, Mapping) or not isinstance(cnf.get("jwk"), Mapping):
        raise error("only the 'jwk' confirmation method is supported")
    try:
        return Key.from_jwk(cnf["jwk"]).public_key()
    except InvalidInput as exc:
        raise error(f"'cnf.jwk' is not a usable key: {exc}") from exc


def present(
    sd_jwt: str,
    *,
    reveal: Iterable[str],
    holder_key: Key | None = None,
    nonce: str | None = None,
    audience: str | None = None,
    iat: datetime | int | None = None,
) -> str:
    """Build a presentation from an issued SD-JWT (RFC 9901 §7.2).

    ``reveal`` lists JSON pointers into the fully disclosed claims (the claims the Holder sees,
    arrays indexed as issued). Revealing a claim also reveals the Disclosures of every
    selectively disclosable claim enclosing it (§4.2.6); revealing an object does not reveal its
    own selectively disclosable members. With ``holder_key`` the result is an SD-JWT+KB whose
    KB-JWT (§4.3: ``typ`` ``kb+jwt``, ``iat``, ``aud``, ``nonce``, ``sd_hash``) is signed with it;
    ``nonce`` and ``audience`` are then required and ``holder_key`` must be the key of ``cnf``.
    The serialization (compact or JSON) is the one of ``sd_jwt``.

    The Issuer's signature is not checked here: the wallet verifies a credential when it receives
    it (:func:`verify_sd_jwt`), not on every presentation.
    """
    parsed = _parse(sd_jwt)
    if parsed.kb_jwt is not None:
        raise InvalidInput("an SD-JWT+KB cannot be presented again (RFC 9901 §7.2)")
    payload = parsed.jwt.unverified_claims("Issuer-signed JWT payload")
    processed = _process(payload, parsed.disclosures, frozenset())
    if isinstance(reveal, str):
        raise InvalidInput("'reveal' is a sequence of JSON pointers, not one string")
    chosen: set[str] = set()
    for pointer in reveal:
        tokens = _parse_pointer(pointer)
        canonical = _resolve(processed.claims, tokens, pointer)
        prefix = ""
        for part in canonical[1:].split("/"):
            prefix += "/" + part
            if prefix in processed.origin:
                chosen.add(processed.origin[prefix])
    selected = [d for d in parsed.disclosures if d in chosen]

    kb_jwt = None
    if holder_key is None:
        if nonce is not None or audience is not None:
            raise InvalidInput("a nonce or audience needs a holder_key to sign the KB-JWT")
    else:
        if not isinstance(nonce, str) or not nonce:
            raise InvalidInput("Key Binding needs a non-empty nonce")
        if not isinstance(audience, str) or not audience:
            raise InvalidInput("Key Binding needs a non-empty audience")
        bound = _cnf_key(payload, InvalidInput)
        if bound is None:
            raise InvalidInput("the SD-JWT has no 'cnf': it cannot be key-bound")
        if not bound.same_public(holder_key):
            raise InvalidInput("holder_key is not the key the SD-JWT is bound to")
        sd_hash = _digest(_payload_hash(payload), _sd_hash_input(parsed.jwt.compact, selected))
        kb_payload = {
            "iat": numeric_date(utc_now() if iat is None else iat),
            "aud": audience,
            "nonce": nonce,
            "sd_hash": sd_hash,
        }
        kb_jwt = sign_jws({"typ": _KB_JWT_TYP}, kb_payload, holder_key)

    if parsed.form == "compact":
        return _sd_hash_input(parsed.jwt.compact, selected) + (kb_jwt or "")
    document = copy.deepcopy(parsed.document)
    if document is None:  # pragma: no cover - the JSON forms always keep their document
        raise InvalidInput("JWS JSON serialization without its document")
    first = document if parsed.form == "flattened" else document["signatures"][0]
    header = dict(first.get("header", {}))
    header["disclosures"] = selected
    header.pop("kb_jwt", None)
    if kb_jwt is not None:
        header["kb_jwt"] = kb_jwt
    first["header"] = header
    return json.dumps(document, separators=(",", ":"))


# --------------------------------------------------------------------------- verifier


@dataclass(frozen=True)
class SdJwtResult:
    """A verified SD-JWT (VC) presentation.

    ``claims`` is the processed payload (RFC 9901 §7.1): disclosed values in place, ``_sd``,
    ``_sd_alg`` and undisclosed array elements removed. ``disclosed`` are JSON pointers into
    ``claims`` of the values that came from Disclosures. ``holder_key`` is the ``cnf.jwk`` key, if
    any; ``key_binding`` tells whether a KB-JWT was present and verified. ``header`` is the
    protected header of the (first) Issuer signature.
    """

    claims: dict[str, Any]
    disclosed: tuple[str, ...]
    issuer: str | None
    vct: str | None
    holder_key: Key | None
    key_binding: bool
    header: dict[str, Any]


def _check_issuer_typ(header: Mapping[str, Any], profile: Profile) -> None:
    if profile == "sd-jwt-vc":
        if not typ_matches(header, SD_JWT_VC_TYPES):
            raise InvalidInput(
                f"'typ' is {header.get('typ')!r}; an SD-JWT VC is 'dc+sd-jwt' (SD-JWT VC §3.2.1)"
            )
    elif profile == "sd-jwt":
        if "typ" in header and (
            not isinstance(header["typ"], str) or typ_matches(header, _FOREIGN_TYPES)
        ):
            raise InvalidInput(f"'typ' {header['typ']!r} is not the type of an SD-JWT")
    else:
        raise InvalidInput(f"unknown profile {profile!r}")


def _verify_key_binding(
    parsed: _Parsed,
    holder_key: Key | None,
    hash_fn: Callable[[bytes], Any],
    *,
    nonce: str | None,
    audience: str | None,
    now: datetime,
    window: timedelta,
) -> None:
    if parsed.kb_jwt is None:
        raise HolderBindingError("Key Binding is required but the presentation has no KB-JWT")
    if holder_key is None:
        raise HolderBindingError("the SD-JWT names no holder key ('cnf') to check the KB-JWT with")
    try:
        kb = decode_jws(parsed.kb_jwt, "KB-JWT")
        verify_jws(kb, holder_key, typ=None, what="KB-JWT")
        kb_claims = kb.unverified_claims("KB-JWT payload")
    except (InvalidInput, InvalidProof) as exc:
        raise HolderBindingError(f"the KB-JWT does not verify with the holder key: {exc}") from exc
    # §7.3 step 5.4: explicitly typed; compared exactly, as RFC 9901 §4.3 fixes the value.
    if kb.unverified_header.get("typ") != _KB_JWT_TYP:
        raise HolderBindingError("the KB-JWT 'typ' is not 'kb+jwt'")
    for claim in ("iat", "aud", "nonce", "sd_hash"):
        if claim not in kb_claims:
            raise HolderBindingError(f"the KB-JWT has no {claim!r} claim")
    try:
        issued = claim_time(kb_claims, "iat", path="/kb_jwt")
        check_jwt_validity({k: v for k, v in kb_claims.items() if k != "iat"}, now)
    except (InvalidCredential, VerificationError) as exc:
        raise HolderBindingError(f"the KB-JWT is not valid: {exc}") from exc
    if issued is None:  # pragma: no cover - presence checked above
        raise HolderBindingError("the KB-JWT has no 'iat' claim")
    if issued > now + window or issued < now - window:
        # §7.3 step 5.5. A stale KB-JWT may be a replay; one from the future a forged clock.
        raise HolderBindingError("the KB-JWT 'iat' is outside the accepted time window")
    expected = _digest(hash_fn, _sd_hash_input(parsed.jwt.compact, parsed.disclosures))
    sd_hash = kb_claims["sd_hash"]
    if not isinstance(sd_hash, str) or not hmac.compare_digest(sd_hash, expected):
        # §7.3 step 5.7: Disclosures added, removed or changed after the Holder signed.
        raise HolderBindingError("the KB-JWT 'sd_hash' does not match the presented SD-JWT")
    check_nonce_audience(kb_claims, nonce=nonce, audience=audience)


def verify_sd_jwt(
    token: str,
    *,
    resolve_issuer_key: Callable[[str | None, dict[str, Any]], Key],
    expected_nonce: str | None = None,
    expected_audience: str | None = None,
    require_key_binding: bool = False,
    now: datetime | None = None,
    iat_window: timedelta = timedelta(minutes=5),
    status_check: Callable[[dict[str, Any]], None] | None = None,
    profile: Profile = "sd-jwt-vc",
) -> SdJwtResult:
    """Verify an SD-JWT or SD-JWT+KB presentation (RFC 9901 §7.1, §7.3; SD-JWT VC §3.4).

    ``resolve_issuer_key(iss, header)`` returns the Issuer's key (see :func:`issuer_key_resolver`);
    in the general JSON serialization it is called for every signature, and every signature must
    verify. ``profile`` ``"sd-jwt-vc"`` (default) requires ``typ`` ``dc+sd-jwt`` or ``vc+sd-jwt``
    and a ``vct``, and refuses the claims of SD-JWT VC §3.2.2.2 arriving through Disclosures;
    ``"sd-jwt"`` verifies a plain SD-JWT (any ``typ`` but those of other JWT kinds, e.g.
    ``example+sd-jwt``). ``iss`` is required for an SD-JWT VC (we support no ``x5c``); a plain
    SD-JWT without ``iss`` is passed to the resolver as ``None``, which must then find the key from
    the header alone.

    Key Binding is required when ``require_key_binding`` is set or when the caller expects a
    ``nonce`` or ``audience`` (which only a KB-JWT can carry); the decision never depends on
    whether the Holder sent a KB-JWT (§9.5). A KB-JWT that is present is always verified. Its
    ``iat`` must lie within ``iat_window`` of ``now``. ``status_check``, if given, is called with
    the ``status`` claim after every other check (e.g. :func:`~vc_service._token_status.
    check_token_status` bound to a fetcher) and raises to reject.
    """
    when = now if now is not None else utc_now()
    if when.tzinfo is None:
        raise InvalidInput("'now' must be a timezone-aware datetime")
    if not isinstance(iat_window, timedelta) or iat_window < timedelta(0):
        raise InvalidInput("'iat_window' must be a non-negative timedelta")
    parsed = _parse(token)
    header = parsed.jwt.unverified_header
    _check_issuer_typ(header, profile)
    try:
        unverified_payload = parsed.jwt.unverified_claims("Issuer-signed JWT payload")
    except InvalidInput as exc:
        raise InvalidCredential(str(exc)) from exc
    issuer = unverified_payload.get("iss")
    if issuer is not None and (not isinstance(issuer, str) or not issuer):
        raise InvalidCredential("'iss' must be a non-empty string", path="/iss")
    if issuer is None and profile == "sd-jwt-vc":
        # SD-JWT VC §3.5: without 'iss' only X.509 ('x5c') could name the Issuer; unsupported.
        raise UntrustedIssuer("the SD-JWT VC has no 'iss': its Issuer's key cannot be determined")
    for signature in parsed.signatures:
        key = call_resolver(resolve_issuer_key, issuer, dict(signature.unverified_header))
        verify_jws(signature, key, typ=None, what="Issuer-signed JWT")
    payload = unverified_payload  # the signature over it is now verified

    never = _NEVER_DISCLOSED_VC if profile == "sd-jwt-vc" else frozenset()
    processed = _process(payload, parsed.disclosures, never)
    claims = processed.claims
    check_jwt_validity(claims, when)
    vct = claims.get("vct")
    if profile == "sd-jwt-vc" and (not isinstance(vct, str) or not vct):
        raise InvalidCredential(
            "an SD-JWT VC needs a 'vct' string (SD-JWT VC §3.2.2.1)", path="/vct"
        )

    kb_required = require_key_binding or expected_nonce is not None or expected_audience is not None
    check_kb = kb_required or parsed.kb_jwt is not None
    try:
        holder_key = _cnf_key(claims, HolderBindingError)
    except HolderBindingError:
        if check_kb:
            raise
        holder_key = None  # a confirmation method we do not support, and no binding asked for
    if check_kb:
        _verify_key_binding(
            parsed,
            holder_key,
            _payload_hash(payload),
            nonce=expected_nonce,
            audience=expected_audience,
            now=when,
            window=iat_window,
        )
    if status_check is not None and "status" in claims:
        status_check(claims["status"])
    return SdJwtResult(
        claims=claims,
        disclosed=tuple(sorted(processed.origin)),
        issuer=issuer,
        vct=vct if isinstance(vct, str) else None,
        holder_key=holder_key,
        key_binding=parsed.kb_jwt is not None,
        header=dict(header),
    )


# --------------------------------------------------------------------------- issuer keys


def _metadata_url(iss: str) -> str:
    """SD-JWT VC §5: insert ``/.well-known/jwt-vc-issuer`` between host and path."""
    parts = urllib.parse.urlsplit(iss)
    if parts.scheme != "https" or not parts.hostname:
        raise ResolutionError(f"issuer {iss!r} is not an HTTPS URL")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ResolutionError(f"issuer {iss!r} must not have a query, fragment or userinfo")
    return f"https://{parts.netloc}/.well-known/jwt-vc-issuer{parts.path.rstrip('/')}"


def _fetch_json(http_get: Callable[[str], bytes], url: str, what: str) -> dict[str, Any]:
    try:
        body = http_get(url)
    except Error:
        raise
    except Exception as exc:
        raise ResolutionError(f"cannot fetch {what} from {url}: {exc}") from exc
    if not isinstance(body, bytes | str):
        raise ResolutionError(f"{what} fetcher returned {type(body).__name__}")
    try:
        return decode_json_object(body, what)
    except InvalidInput as exc:
        raise ResolutionError(f"{what} at {url} is not a JSON object") from exc


def _select_jwk(jwks: Any, kid: Any) -> Key:
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list):
        raise ResolutionError("the Issuer's JWK Set has no 'keys' array")
    candidates = [
        k
        for k in keys
        if isinstance(k, Mapping)
        and k.get("use", "sig") == "sig"
        and (kid is None or k.get("kid") == kid)
    ]
    if len(candidates) != 1:
        wanted = f"kid {kid!r}" if kid is not None else "a single key (no 'kid' in the header)"
        raise ResolutionError(f"the Issuer's JWK Set has no unique signing key for {wanted}")
    try:
        return Key.from_jwk(candidates[0]).public_key()
    except InvalidInput as exc:
        raise ResolutionError(f"the Issuer's key is not usable: {exc}") from exc


def issuer_key_resolver(
    http_get: Callable[[str], bytes] | None = None,
    did_resolver: Callable[[str, str | None], Key] | None = None,
) -> Callable[[str | None, dict[str, Any]], Key]:
    """A ``resolve_issuer_key`` for :func:`verify_sd_jwt` (SD-JWT VC §3.5 Issuer Signature Mechanisms).

    * ``iss`` is a DID: ``did_resolver(iss, kid)`` returns the key. A ``kid`` that is an absolute
      DID URL must belong to ``iss`` (:class:`UntrustedIssuer` otherwise).
    * ``iss`` is an HTTPS URL: JWT VC Issuer Metadata (SD-JWT VC §5) is fetched with
      ``http_get`` from ``https://<host>/.well-known/jwt-vc-issuer<path>``; its ``issuer`` must be
      identical to ``iss`` (§5.3; :class:`UntrustedIssuer` otherwise); it must have exactly one of
      ``jwks`` and ``jwks_uri`` (fetched, HTTPS only); the key is chosen by the header's ``kid``.

    Nothing is fetched unless ``http_get`` is given; a missing mechanism raises
    :class:`ResolutionError`. X.509 (``x5c``) is not supported.
    """

    def resolve(iss: str | None, header: dict[str, Any]) -> Key:
        if not isinstance(iss, str):
            raise ResolutionError("without 'iss' no Issuer Signature Mechanism applies")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise ResolutionError("'kid' must be a string")
        if iss.startswith("did:"):
            if did_resolver is None:
                raise ResolutionError("no DID resolver is configured")
            if kid is not None and kid.startswith("did:") and kid.split("#", 1)[0] != iss:
                raise UntrustedIssuer(f"kid {kid!r} is not a key of the issuer {iss!r}")
            return call_resolver(did_resolver, iss, kid)
        url = _metadata_url(iss)
        if http_get is None:
            raise ResolutionError("no HTTP fetcher is configured for JWT VC Issuer Metadata")
        metadata = _fetch_json(http_get, url, "JWT VC Issuer Metadata")
        if metadata.get("issuer") != iss:
            # §5.3: otherwise the data MUST NOT be used -- it speaks for another issuer.
            raise UntrustedIssuer("JWT VC Issuer Metadata is for another issuer")
        has_jwks, has_uri = "jwks" in metadata, "jwks_uri" in metadata
        if has_jwks == has_uri:
            raise ResolutionError("JWT VC Issuer Metadata needs exactly one of 'jwks', 'jwks_uri'")
        if has_jwks:
            return _select_jwk(metadata["jwks"], kid)
        jwks_uri = metadata["jwks_uri"]
        if not isinstance(jwks_uri, str) or urllib.parse.urlsplit(jwks_uri).scheme != "https":
            raise ResolutionError("'jwks_uri' must be an HTTPS URL")
        return _select_jwk(_fetch_json(http_get, jwks_uri, "JWK Set"), kid)

    return resolve
