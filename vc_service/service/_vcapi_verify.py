"""The W3C VC API verifier endpoints: ``POST /credentials/verify``, ``POST /presentations/verify``.

Verifiable Credentials API (W3C CCG, ``verifier.yml``). The request bodies are
``{"verifiableCredential": ..., "options": {...}}`` and
``{"verifiablePresentation": ..., "options": {"challenge", "domain"}}``. What is accepted:

* a Data Integrity secured credential or presentation (a JSON-LD object: ``eddsa-rdfc-2022``,
  ``eddsa-jcs-2022``, derived ``bbs-2023`` proofs);
* an ``EnvelopedVerifiableCredential`` / ``EnvelopedVerifiablePresentation`` (VCDM 2.0
  §4.13.1) whose ``id`` is a ``data:`` URL of a compact ``vc+jwt``, ``vc+sd-jwt`` /
  ``dc+sd-jwt`` (an SD-JWT VC) or ``vp+jwt`` / ``vp+sd-jwt`` (an SD-JWT+KB);
* the compact string itself.

Verification is :func:`vc_service.verify` with this service's DID resolver (``did:key``,
``did:jwk``, the ledger's ``did:chancery`` with key history), its own status lists
(:class:`LocalStatusSource`) and, for a presentation, ``options.challenge`` as the nonce and
``options.domain`` as the audience; then the ledger checks ``issuer_key`` and
``accreditation`` (:mod:`._trust_checks`). The answer is always ``200`` once the input could be
read: ``{"verified": bool, "checks": [names that passed], "warnings": [...], "errors": [...],
"problemDetails": [...]}`` -- a credential that fails is ``verified: false`` with the failed
check in ``errors`` and a VCDM 2.0 §7.1 problem (``CRYPTOGRAPHIC_SECURITY_ERROR`` or
``MALFORMED_VALUE_ERROR``) in ``problemDetails``. Input that is not a credential or
presentation at all (wrong JSON types, an unknown envelope, a presentation without
``options.challenge``) is a ``400`` problem. Callers authenticate as a relying party (scope
``verify``).

A presentation's holder binding is reported as the VC API scopes it: the presentation's proof
was made by its ``holder``; whether each credential's subject is that holder is a business rule,
reported as a warning when it is not so.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from vc_service._errors import (
    Error,
    InvalidCredential,
    InvalidInput,
    ResolutionError,
    VerificationError,
)
from vc_service._verify import VerificationResult, verify

from ._auth import RelyingPartyDep
from ._issuer_api import IssuerDep, IssuerService, LocalStatusSource, register_ledger_types
from ._ledger_api import LedgerDep
from ._ledger_service import LedgerService
from ._trust_checks import (
    CHECK_NAMES,
    NamedCheck,
    accreditation_check,
    issuer_key_check,
    ordered,
    signed_by,
)

__all__ = [
    "VerificationOutcome",
    "VerifyCredentialRequest",
    "VerifyPresentationRequest",
    "router",
]

#: The largest credential or presentation accepted (serialized JSON or compact string).
MAX_INPUT = 256 * 1024
_PROBLEM_BASE = "https://www.w3.org/TR/vc-data-model#"
# data: URL media types of enveloped credentials and presentations (VC-JOSE-COSE, SD-JWT VC).
_ENVELOPE_TYPES = {
    "EnvelopedVerifiableCredential": (
        "application/vc+jwt",
        "application/vc+sd-jwt",
        "application/dc+sd-jwt",
    ),
    "EnvelopedVerifiablePresentation": (
        "application/vp+jwt",
        "application/vp+sd-jwt",
        "application/dc+sd-jwt",
    ),
}

router = APIRouter(tags=["vc-api"])


class VerifyCredentialRequest(BaseModel):
    """``POST /credentials/verify`` (VC API ``VerifyCredentialRequest``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verifiableCredential: dict[str, Any] | str  # noqa: N815 - the VC API member name
    options: dict[str, Any] = Field(default_factory=dict)


class VerifyPresentationRequest(BaseModel):
    """``POST /presentations/verify`` (VC API ``VerifyPresentationRequest``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verifiablePresentation: dict[str, Any] | str  # noqa: N815 - the VC API member name
    options: dict[str, Any] = Field(default_factory=dict)


class VerificationOutcome(BaseModel):
    """The VC API verification result (``checks``, ``warnings``, ``errors``), with the VCDM 2.0
    §7.1 ``problemDetails`` of a failure."""

    model_config = ConfigDict(frozen=True)

    verified: bool
    checks: list[str]
    warnings: list[str]
    errors: list[str]
    problemDetails: list[dict[str, str]]  # noqa: N815 - the VC API member name


# ------------------------------------------------------------------------------ input


def _unwrap(value: dict[str, Any] | str, envelope: str) -> Mapping[str, Any] | str:
    """The credential or presentation to verify: an object, or the compact string of an
    envelope (VCDM 2.0 §4.13.1: the ``id`` is a ``data:`` URL)."""
    size = len(value) if isinstance(value, str) else len(json.dumps(value))
    if size > MAX_INPUT:
        raise InvalidInput(f"the input is larger than {MAX_INPUT} bytes")
    if isinstance(value, str):
        if not value.strip():
            raise InvalidInput("the compact credential is empty")
        return value.strip()
    types = value.get("type")
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or envelope not in types:
        return value
    url = value.get("id")
    if not isinstance(url, str) or not url.startswith("data:") or "," not in url:
        raise InvalidInput(f"an {envelope} needs a data: URL 'id' (VCDM 2.0 §4.13.1)")
    header, _, data = url[len("data:") :].partition(",")
    media_type = header.split(";", 1)[0].strip().lower()
    if media_type not in _ENVELOPE_TYPES[envelope]:
        raise InvalidInput(f"an {envelope} of type {media_type!r} is not supported")
    if ";base64" in header.lower():
        raise InvalidInput("a base64 data: URL is not supported; the compact form is ASCII")
    return urllib.parse.unquote(data)


def _options(options: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in allowed:
        value = options.get(name)
        if value is not None and (not isinstance(value, str) or not value or len(value) > 512):
            raise InvalidInput(f"options.{name} must be a non-empty string")
        out[name] = value
    return out


# ------------------------------------------------------------------------------ verification


def _named(result: VerificationResult, credential: VerificationResult) -> list[NamedCheck]:
    """The named checks of a verified result (and of its credential, for a presentation)."""
    performed: dict[str, list[str]] = {}
    skipped: dict[str, str] = {}
    for item in [result] if credential is result else [result, credential]:
        for check in item.checks:
            name = "disclosure" if check.name == "selective-disclosure" else check.name
            performed.setdefault(name.replace("-", "_"), []).append(check.detail)
        for check in item.not_checked:
            skipped.setdefault(check.name.replace("-", "_"), check.detail)
    named = []
    for name in CHECK_NAMES:
        if name in performed:
            named.append(NamedCheck(name, "passed", "; ".join(performed[name])))
        elif name == "status" and name not in skipped:
            named.append(NamedCheck(name, "not_applicable", "the credential has no status entry"))
        elif name in ("issuer_key", "accreditation"):
            continue
        else:
            reason = skipped.get(name, "not asked for (no challenge, domain or holder key)")
            named.append(NamedCheck(name, "not_applicable", reason))
    return named


def _ledger_checks(
    document: Mapping[str, Any] | str, ledger: LedgerService, now: datetime
) -> list[NamedCheck]:
    signer = signed_by(document, now)
    return [issuer_key_check(signer, ledger.resolver), accreditation_check(signer, ledger.state())]


def _outcome(checks: list[NamedCheck], warnings: list[str]) -> VerificationOutcome:
    checks = ordered(checks)
    return VerificationOutcome(
        verified=True,
        checks=[c.name for c in checks if c.result == "passed"],
        warnings=warnings + [f"{c.name}: {c.detail}" for c in checks if c.result != "passed"],
        errors=[],
        problemDetails=[],
    )


def _failed(exc: Error) -> VerificationOutcome:
    check = exc.check.replace("-", "_") if isinstance(exc, VerificationError) else "proof"
    if isinstance(exc, InvalidCredential):
        code, title = "MALFORMED_VALUE_ERROR", "Malformed value error"
    else:  # a failed check, or a signing key that cannot be resolved
        code, title = "CRYPTOGRAPHIC_SECURITY_ERROR", "Cryptographic security error"
    return VerificationOutcome(
        verified=False,
        checks=[],
        warnings=[],
        errors=[f"{check}: {exc}"],
        problemDetails=[
            {"type": _PROBLEM_BASE + code, "title": title, "detail": str(exc), "check": check}
        ],
    )


def _verify_credential(
    body: VerifyCredentialRequest, issuer: IssuerService, ledger: LedgerService, base: str
) -> VerificationOutcome:
    document = _unwrap(body.verifiableCredential, "EnvelopedVerifiableCredential")
    register_ledger_types(ledger.state())
    now = datetime.now(UTC)
    try:
        result = verify(
            document,
            status=LocalStatusSource(issuer, base),
            resolver=ledger.resolver,
            now=now,
        )
        if result.kind != "credential":
            raise InvalidInput("this is a presentation: use POST /presentations/verify")
        checks = _named(result, result) + _ledger_checks(document, ledger, now)
    except (VerificationError, InvalidCredential, ResolutionError) as exc:
        return _failed(exc)
    return _outcome(checks, [])


def _verify_presentation(
    body: VerifyPresentationRequest, issuer: IssuerService, ledger: LedgerService, base: str
) -> VerificationOutcome:
    presentation = _unwrap(body.verifiablePresentation, "EnvelopedVerifiablePresentation")
    options = _options(body.options, ("challenge", "domain"))
    if options["challenge"] is None:
        # Without a challenge the proof binds the presentation to nothing: a recorded one
        # would verify for anybody (VC Data Integrity 1.0 §2.1 "challenge").
        raise InvalidInput("options.challenge is required to verify a presentation")
    register_ledger_types(ledger.state())
    now = datetime.now(UTC)
    warnings: list[str] = []
    try:
        result = verify(
            presentation,
            nonce=options["challenge"],
            audience=options["domain"],
            status=LocalStatusSource(issuer, base),
            resolver=ledger.resolver,
            now=now,
        )
        if result.kind != "presentation":
            raise InvalidInput("this is a credential: use POST /credentials/verify")
        if isinstance(presentation, str):
            credentials: list[tuple[VerificationResult, Mapping[str, Any] | str]] = [
                (result, presentation)
            ]
        else:
            credentials = [(c, c.claims) for c in result.credentials]
        if not credentials:
            raise InvalidInput("the presentation holds no credential to verify")
        checks: list[NamedCheck] = []
        for credential, document in credentials:
            checks += _named(result, credential) + _ledger_checks(document, ledger, now)
            subject = credential.claims.get("credentialSubject")
            subject_id = subject.get("id") if isinstance(subject, Mapping) else None
            if result.holder is not None and subject_id != result.holder:
                warnings.append(
                    "holder_binding: a credential's subject is not the presentation's holder"
                )
    except (VerificationError, InvalidCredential, ResolutionError) as exc:
        return _failed(exc)
    return _outcome(_dedupe(checks), warnings)


def _dedupe(checks: list[NamedCheck]) -> list[NamedCheck]:
    """One entry per name: a check passes only if it passed for every credential."""
    merged: dict[str, NamedCheck] = {}
    for check in checks:
        seen = merged.get(check.name)
        if seen is None or (seen.result == "passed" and check.result != "passed"):
            merged[check.name] = check
    return list(merged.values())


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.post("/credentials/verify", response_model=VerificationOutcome)
async def verify_credential(
    body: VerifyCredentialRequest,
    request: Request,
    _: RelyingPartyDep,
    issuer: IssuerDep,
    ledger: LedgerDep,
) -> VerificationOutcome:
    """Verify a credential (VC API ``verifyCredential``): ``200`` with ``verified`` true or
    false; ``400`` for input that is not a credential."""
    return await run_in_threadpool(_verify_credential, body, issuer, ledger, _base(request))


@router.post("/presentations/verify", response_model=VerificationOutcome)
async def verify_presentation(
    body: VerifyPresentationRequest,
    request: Request,
    _: RelyingPartyDep,
    issuer: IssuerDep,
    ledger: LedgerDep,
) -> VerificationOutcome:
    """Verify a presentation and every credential in it (VC API ``verifyPresentation``),
    bound to ``options.challenge`` and ``options.domain``."""
    return await run_in_threadpool(_verify_presentation, body, issuer, ledger, _base(request))
