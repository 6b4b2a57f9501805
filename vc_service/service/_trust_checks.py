"""The checks a verifier makes against the ledger, on top of :func:`vc_service.verify`.

:func:`vc_service.verify` proves that a credential was signed by a key of its issuer as of the
proof's time (the resolver gives the key history). Two questions remain for a relying party of
this registry (``specs/http-api.md`` §8.4):

* ``issuer_key``: which verification method signed the credential, and that the issuer's DID
  document listed it for ``assertionMethod`` when the credential was signed (a key rotated out
  later still counts; a key revoked as compromised never does: the ledger resolver removes it
  from every version of the document). A ``did:key`` is its own key: always valid.
* ``accreditation``: that the root authority had accredited the issuing agency for the
  credential's type at that time (``RegistryState.is_accredited``). An issuer that is not on
  the ledger (``did:key``, ``did:jwk``) has no accreditation to check: ``not_applicable``.

The credential's ledger type id comes from its SD-JWT VC ``vct``
(``https://credentials.chancery.local/<type id>``) or from the expanded JSON-LD type of a W3C
credential (``https://credentials.chancery.local/vocab/<type id>#<Name>Credential``, the
context :mod:`vc_service._type_context` derives from the ledger entry).

Each function returns a :class:`NamedCheck` or raises :class:`VerificationError` whose ``check``
is the check's name.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from vc_service._dids import DIDResolver
from vc_service._errors import Error, VerificationError
from vc_service._jose import decode_jws
from vc_service._jsonld import expand
from vc_service._type_context import VOCAB_BASE
from vc_service._vcdm import parse_datetime
from vc_service.ledger._state import RegistryState

__all__ = [
    "CHECK_NAMES",
    "SD_JWT_VCT_BASE",
    "NamedCheck",
    "SignedBy",
    "accreditation_check",
    "issuer_key_check",
    "ledger_type_id",
    "ordered",
    "signed_by",
]

#: Every check a verification outcome lists, in this order (``specs/http-api.md`` §8.4).
CHECK_NAMES: tuple[str, ...] = (
    "proof",
    "holder_binding",
    "nonce",
    "audience",
    "validity",
    "status",
    "issuer_key",
    "accreditation",
)
#: The prefix of the ``vct`` of an SD-JWT VC of a ledger credential type.
SD_JWT_VCT_BASE = "https://credentials.chancery.local/"

Result = Literal["passed", "failed", "not_applicable", "not_checked"]


@dataclass(frozen=True)
class NamedCheck:
    """One named check and its result."""

    name: str
    result: Result
    detail: str

    def to_json(self) -> dict[str, str]:
        """``{"check", "result", "detail"}``."""
        return {"check": self.name, "result": self.result, "detail": self.detail}


@dataclass(frozen=True)
class SignedBy:
    """Who signed a verified credential, with which method, when, and of which ledger type."""

    issuer: str
    verification_method: str
    at: datetime
    type_id: str | None


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except Error:
        return None


def _di_signed_by(credential: Mapping[str, Any], now: datetime) -> SignedBy:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    proofs = credential.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    for proof in proofs:
        if not isinstance(proof, Mapping):
            continue
        method = proof.get("verificationMethod")
        if isinstance(issuer, str) and isinstance(method, str):
            at = _parse_time(proof.get("created")) or _parse_time(credential.get("validFrom"))
            return SignedBy(issuer, method, min(at or now, now), _ld_type_id(credential))
    raise VerificationError("the credential names no issuer verification method", check="proof")


def _ld_type_id(credential: Mapping[str, Any]) -> str | None:
    try:
        expanded = expand({k: v for k, v in credential.items() if k != "proof"})
    except Error:
        return None
    node = expanded[0] if expanded and isinstance(expanded[0], Mapping) else {}
    for iri in node.get("@type", []):
        if isinstance(iri, str) and iri.startswith(VOCAB_BASE) and "#" in iri:
            return urllib.parse.unquote(iri[len(VOCAB_BASE) :].split("#", 1)[0]) or None
    return None


def _sd_jwt_signed_by(token: str, now: datetime) -> SignedBy:
    jws = decode_jws(token.split("~", 1)[0], "credential")
    header, claims = jws.unverified_header, jws.unverified_claims()
    issuer, kid, iat = claims.get("iss"), header.get("kid"), claims.get("iat")
    if not isinstance(issuer, str):
        raise VerificationError("the credential names no issuer", check="proof")
    if isinstance(kid, str) and kid.startswith("did:"):
        method = kid
    elif isinstance(kid, str):
        method = issuer + (kid if kid.startswith("#") else "#" + kid)
    elif issuer.startswith("did:key:"):
        method = f"{issuer}#{issuer.removeprefix('did:key:')}"
    else:
        method = issuer
    at = now
    if isinstance(iat, int) and not isinstance(iat, bool) and 0 <= iat < 2**40:
        at = min(datetime.fromtimestamp(iat, UTC), now)
    vct = claims.get("vct")
    type_id = None
    if isinstance(vct, str) and vct.startswith(SD_JWT_VCT_BASE):
        rest = vct[len(SD_JWT_VCT_BASE) :]
        type_id = urllib.parse.unquote(rest) if rest and "/" not in rest else None
    return SignedBy(issuer, method, at, type_id)


def signed_by(credential: Mapping[str, Any] | str, now: datetime) -> SignedBy:
    """The issuer, verification method, signing time and ledger type of a *verified*
    credential: a Data Integrity credential object or an SD-JWT (with or without KB-JWT)."""
    if isinstance(credential, str):
        return _sd_jwt_signed_by(credential, now)
    return _di_signed_by(credential, now)


def ledger_type_id(credential: Mapping[str, Any] | str) -> str | None:
    """The ledger credential type id of a credential, if it is of a ledger type."""
    return signed_by(credential, datetime.now(UTC)).type_id


def issuer_key_check(signer: SignedBy, resolver: DIDResolver) -> NamedCheck:
    """``issuer_key``: the method was an ``assertionMethod`` of the issuer at signing time."""
    if signer.verification_method.split("#", 1)[0] != signer.issuer:
        raise VerificationError(
            f"{signer.verification_method[:80]!r} is not a key of the issuer {signer.issuer[:80]}",
            check="issuer_key",
        )
    if signer.issuer.startswith(("did:key:", "did:jwk:")):
        return NamedCheck(
            "issuer_key", "passed", f"{signer.issuer[:24]}…: the DID is the key (self-certifying)"
        )
    try:
        resolver.resolve_key(signer.verification_method, purpose="assertionMethod", at=signer.at)
    except Error as exc:
        raise VerificationError(
            f"{signer.verification_method} was not a valid issuing key of {signer.issuer} at "
            f"{signer.at.isoformat()}: {exc}",
            check="issuer_key",
        ) from exc
    return NamedCheck(
        "issuer_key",
        "passed",
        f"{signer.verification_method} was an assertion key of the issuer at "
        f"{signer.at.isoformat()}",
    )


def accreditation_check(signer: SignedBy, state: RegistryState) -> NamedCheck:
    """``accreditation``: the agency was accredited for the type when it signed."""
    if not signer.issuer.startswith("did:chancery:"):
        return NamedCheck(
            "accreditation",
            "not_applicable",
            "the issuer is not on the ledger (not a did:chancery DID): no accreditation exists",
        )
    if signer.type_id is None:
        raise VerificationError(
            "the credential is not of a credential type published on the ledger",
            check="accreditation",
        )
    if not state.is_accredited(signer.issuer, signer.type_id, signer.at):
        raise VerificationError(
            f"{signer.issuer} was not accredited for {signer.type_id!r} at {signer.at.isoformat()}",
            check="accreditation",
        )
    return NamedCheck(
        "accreditation",
        "passed",
        f"{signer.issuer} was accredited for {signer.type_id!r} at {signer.at.isoformat()}",
    )


def ordered(checks: Sequence[NamedCheck]) -> list[NamedCheck]:
    """``checks`` in :data:`CHECK_NAMES` order, others after them."""
    rank = {name: i for i, name in enumerate(CHECK_NAMES)}
    return sorted(checks, key=lambda c: rank.get(c.name, len(rank)))
