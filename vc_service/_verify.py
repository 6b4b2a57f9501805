"""One verification entry point for every credential and presentation format we speak.

:func:`verify` detects the format, runs every check that applies and returns a
:class:`VerificationResult` listing them, or raises the typed error of the first check that
failed (its ``check`` attribute names it). Checks that could not be run because the caller did
not supply what they need (a status source, a trust policy, a nonce) are listed in
``not_checked`` rather than silently passed.

Formats:

* Data Integrity credentials and presentations (``eddsa-rdfc-2022``, ``eddsa-jcs-2022``, and
  derived ``bbs-2023`` proofs) as JSON objects;
* VC-JOSE-COSE ``application/vc+jwt`` / ``application/vp+jwt`` compact JWS;
* SD-JWT VC (``dc+sd-jwt``) issuances and presentations (with or without KB-JWT).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import rfc8785

from . import _bbs2023, _data_integrity, _jose, _sd_jwt, _token_status
from ._bitstring_status import check_statuses
from ._dids import DIDResolver, default_resolver
from ._errors import (
    AudienceMismatch,
    Error,
    InvalidCredential,
    InvalidInput,
    NonceMismatch,
    StatusUnavailable,
    UntrustedIssuer,
)
from ._keys import Key
from ._vcdm import validate_credential

__all__ = [
    "Check",
    "StatusSource",
    "TrustPolicy",
    "VerificationResult",
    "presentation_header",
    "verify",
]

Kind = Literal["credential", "presentation"]


@dataclass(frozen=True)
class Check:
    """One check that was performed (and passed), or one that was not performed."""

    name: str
    detail: str


@dataclass(frozen=True)
class VerificationResult:
    """A verified credential or presentation and the list of checks it passed."""

    format: str
    kind: Kind
    issuer: str | None
    claims: dict[str, Any]
    checks: tuple[Check, ...]
    not_checked: tuple[Check, ...] = ()
    holder: str | None = None
    credentials: tuple[VerificationResult, ...] = field(default=())

    @property
    def verified(self) -> bool:
        """Always true: a failed verification raises instead of returning a result."""
        return True

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable view (what ``chancery vc verify`` prints)."""
        out: dict[str, Any] = {
            "verified": True,
            "format": self.format,
            "kind": self.kind,
            "issuer": self.issuer,
            "checks": [{"check": c.name, "detail": c.detail} for c in self.checks],
            "notChecked": [{"check": c.name, "reason": c.detail} for c in self.not_checked],
            "claims": self.claims,
        }
        if self.holder is not None:
            out["holder"] = self.holder
        if self.credentials:
            out["credentials"] = [c.to_json() for c in self.credentials]
        return out


class StatusSource(Protocol):
    """Where status lists come from. Injected, so that tests and the service decide the I/O.

    The returned documents are untrusted: :func:`verify` checks their proofs itself.
    """

    def bitstring_status_list(self, url: str) -> Mapping[str, Any]:
        """The ``BitstringStatusListCredential`` published at ``url`` (parsed JSON)."""
        ...

    def token_status_list(self, uri: str) -> str:
        """The Status List Token (compact JWT) published at ``uri``."""
        ...


#: Who is trusted to issue: a collection of issuer identifiers, or a callable that raises
#: :class:`UntrustedIssuer` (or returns False) for an issuer and the credential's types.
TrustPolicy = Collection[str] | Callable[[str, Sequence[str]], bool | None]


def presentation_header(nonce: str | None, audience: str | None) -> bytes:
    """The BBS presentation header binding a derived ``bbs-2023`` proof to a verifier.

    bbs-2023 has no ``challenge``/``domain`` of its own when a derived credential is shown
    without an enclosing presentation; we bind both into the BBS presentation header as the
    JCS (RFC 8785) serialisation of ``{"aud": audience, "nonce": nonce}`` (absent members
    omitted). Empty when neither is given.
    """
    members = {k: v for k, v in (("aud", audience), ("nonce", nonce)) if v is not None}
    return rfc8785.dumps(members) if members else b""


def _bound_header(header: bytes) -> dict[str, Any]:
    """Parse a presentation header made by :func:`presentation_header` (``{}`` when empty)."""
    if not header:
        return {}
    try:
        value = json.loads(header)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"nonce": object()}  # bound to something that is not ours: never matches
    if (
        not isinstance(value, dict)
        or presentation_header(value.get("nonce"), value.get("aud")) != header
    ):
        return {"nonce": object()}
    return value


@dataclass
class _Context:
    resolve_key: Callable[[str], Key]
    trust: TrustPolicy | None
    status: StatusSource | None
    now: datetime
    nonce: str | None
    audience: str | None
    checks: list[Check] = field(default_factory=list)
    not_checked: list[Check] = field(default_factory=list)

    def passed(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, detail))

    def skipped(self, name: str, reason: str) -> None:
        self.not_checked.append(Check(name, reason))


def verify(
    credential_or_presentation: Mapping[str, Any] | str | bytes,
    *,
    trust: TrustPolicy | None = None,
    status: StatusSource | None = None,
    now: datetime | None = None,
    nonce: str | None = None,
    audience: str | None = None,
    resolver: DIDResolver | None = None,
    issuer_key: Key | None = None,
) -> VerificationResult:
    """Detect the format of ``credential_or_presentation`` and verify it completely.

    * ``trust``: which issuers are accepted (``issuer-trust`` check); without it the check is
      listed in ``not_checked``.
    * ``status``: a :class:`StatusSource`; without it, a credential that has a status entry
      has its status listed in ``not_checked``.
    * ``nonce`` / ``audience``: what the verifier asked the holder to bind the presentation to
      (KB-JWT ``nonce``/``aud``, Data Integrity ``challenge``/``domain``, the bbs-2023
      presentation header, VP-JWT ``nonce``/``aud``).
    * ``resolver``: DID resolution (default: did:key, did:jwk; did:web only with an HTTP
      fetcher). ``issuer_key``: a pinned issuer public key used instead of resolution.

    Raises :class:`InvalidInput` (or a subclass) for input that is not a credential or
    presentation in a known format, and a :class:`VerificationError` subclass naming the first
    failed check otherwise.
    """
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        raise InvalidInput("now must be timezone-aware")
    did_resolver = resolver if resolver is not None else default_resolver()

    document = _parse(credential_or_presentation)
    signed_at = _proof_times(document) if isinstance(document, Mapping) else {}
    token_time = _token_time(document) if isinstance(document, str) else None

    def resolve_key(verification_method: str) -> Key:
        if issuer_key is not None:
            return issuer_key.public_key()
        # Keys are resolved as of the time the proof says it was made (capped at now): a key
        # retired by a later rotation still verifies what it signed before, while a revoked
        # (compromised) key fails whatever the time. The proof layer checks proofPurpose; here
        # the method only has to be controlled by its DID.
        at = min(signed_at.get(verification_method, token_time or moment), moment)
        return did_resolver.resolve_key(verification_method, purpose=None, at=at)

    ctx = _Context(resolve_key, trust, status, moment, nonce, audience)
    if isinstance(document, str):
        return _verify_compact(document, ctx, did_resolver, issuer_key)
    return _verify_data_integrity(document, ctx)


# --------------------------------------------------------------------------- parsing


def _token_time(token: str) -> datetime | None:
    """When a compact JWT / SD-JWT says it was issued (``iat``, else ``nbf``), unverified.

    Used only to pick the issuer key valid at that time; the signature check that follows
    decides. Unparseable values give None (then keys are resolved as of now)."""
    try:
        claims = _jose.decode_jws(token.split("~", 1)[0]).unverified_claims()
    except Error:
        return None
    for name in ("iat", "nbf"):
        value = claims.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**40:
            return datetime.fromtimestamp(value, UTC)
    valid_from = claims.get("validFrom")  # VC-JOSE-COSE: the payload is the credential itself
    if isinstance(valid_from, str):
        try:
            moment = datetime.fromisoformat(valid_from.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo is not None else None
    return None


def _proof_times(document: Mapping[str, Any]) -> dict[str, datetime]:
    """``verificationMethod`` -> ``created`` of every Data Integrity proof in ``document``
    (presentations included). Unparseable times are skipped (the proof layer rejects them)."""
    out: dict[str, datetime] = {}
    todo: list[Any] = [document]
    while todo:
        item = todo.pop()
        if not isinstance(item, Mapping):
            continue
        proofs = item.get("proof")
        for proof in proofs if isinstance(proofs, list) else [proofs]:
            if not isinstance(proof, Mapping):
                continue
            method, created = proof.get("verificationMethod"), proof.get("created")
            if isinstance(method, str) and isinstance(created, str):
                try:
                    moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
                except ValueError:
                    continue
                if moment.tzinfo is not None:
                    out[method] = moment
        embedded = item.get("verifiableCredential")
        todo.extend(embedded if isinstance(embedded, list) else [embedded])
    return out


def _parse(value: Mapping[str, Any] | str | bytes) -> Mapping[str, Any] | str:
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput("input is not UTF-8") from exc
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"input is not valid JSON: {exc.msg} at {exc.pos}") from exc
            if not isinstance(parsed, dict):
                raise InvalidInput("input must be a JSON object or a compact JWT / SD-JWT")
            return parsed
        if not text:
            raise InvalidInput("input is empty")
        return text
    if isinstance(value, Mapping):
        return value
    raise InvalidInput("input must be a JSON object or a compact JWT / SD-JWT string")


# --------------------------------------------------------------------------- shared checks


def _types(document: Mapping[str, Any]) -> list[str]:
    value = document.get("type", [])
    if isinstance(value, str):
        return [value]
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def _issuer_id(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _check_trust(issuer: str | None, types: Sequence[str], ctx: _Context) -> None:
    if ctx.trust is None:
        ctx.skipped("issuer-trust", "no trust policy given")
        return
    if issuer is None:
        raise UntrustedIssuer("the credential names no issuer")
    if callable(ctx.trust):
        if ctx.trust(issuer, types) is False:
            raise UntrustedIssuer(f"issuer {issuer} is not trusted for {', '.join(types)}")
    elif issuer not in ctx.trust:
        raise UntrustedIssuer(f"issuer {issuer} is not in the trusted list")
    ctx.passed("issuer-trust", f"{issuer} is trusted")


def _verified_status_list(url: str, issuer: str | None, ctx: _Context) -> Mapping[str, Any]:
    assert ctx.status is not None  # noqa: S101 - only called when a source exists
    try:
        document = ctx.status.bitstring_status_list(url)
    except Exception as exc:  # noqa: BLE001 - any failure of the injected source
        raise StatusUnavailable(f"status list {url} could not be fetched: {exc}") from exc
    try:
        _data_integrity.verify_credential(document, resolve_key=ctx.resolve_key, now=ctx.now)
    except Error as exc:
        raise StatusUnavailable(f"status list {url} does not verify: {exc}") from exc
    if issuer is not None and _issuer_id(document) != issuer:
        # A list signed by someone else must not be able to declare our credential valid.
        raise StatusUnavailable(f"status list {url} is not issued by the credential's issuer")
    return document


def _check_bitstring_status(credential: Mapping[str, Any], ctx: _Context) -> None:
    entries = credential.get("credentialStatus")
    if entries is None:
        return
    if ctx.status is None:
        ctx.skipped("status", "the credential has a status entry but no status source was given")
        return
    issuer = _issuer_id(credential)
    results = check_statuses(
        entries,
        lambda url: _verified_status_list(url, issuer, ctx),
        now=ctx.now,
    )
    detail = ", ".join(f"{r.purpose} bit {r.index} clear" for r in results)
    ctx.passed("status", detail or "no applicable status entry")


def _check_validity(document: Mapping[str, Any], ctx: _Context) -> None:
    start, end = document.get("validFrom"), document.get("validUntil")
    span = f"valid from {start or '-'} until {end or '-'}"
    ctx.passed("validity", span)


# --------------------------------------------------------------------------- Data Integrity


def _bbs_header_check(document: Mapping[str, Any], ctx: _Context) -> bool:
    """For derived bbs-2023 proofs: compare the bound presentation header; True if bbs-2023."""
    proofs = document.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    derived = [p for p in proofs if isinstance(p, Mapping) and p.get("cryptosuite") == "bbs-2023"]
    if not derived:
        return False
    for proof in derived:
        header = _bbs2023.parse_derived_proof_value(proof.get("proofValue")).presentation_header
        bound = _bound_header(header)
        if bound.get("nonce") != ctx.nonce:
            raise NonceMismatch("the bbs-2023 proof is bound to another nonce than expected")
        if bound.get("aud") != ctx.audience:
            raise AudienceMismatch("the bbs-2023 proof is bound to another audience than expected")
    if ctx.nonce is not None:
        ctx.passed("nonce", "bound in the bbs-2023 presentation header")
    if ctx.audience is not None:
        ctx.passed("audience", "bound in the bbs-2023 presentation header")
    return True


def _credential_result(
    credential: Mapping[str, Any], proofs: Sequence[Any], ctx: _Context, fmt: str
) -> VerificationResult:
    """Record the Data Integrity ``proofs`` (if any), then the checks every credential gets."""
    issuer = _issuer_id(credential)
    for proof in proofs:
        ctx.passed("proof", f"{proof.cryptosuite} by {proof.verification_method}")
    _check_validity(credential, ctx)
    _check_bitstring_status(credential, ctx)
    _check_trust(issuer, _types(credential), ctx)
    return VerificationResult(
        format=fmt,
        kind="credential",
        issuer=issuer,
        claims=dict(credential),
        checks=tuple(ctx.checks),
        not_checked=tuple(ctx.not_checked),
    )


def _proof_format(document: Mapping[str, Any]) -> str:
    proofs = document.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    names = {p.get("cryptosuite") for p in proofs if isinstance(p, Mapping)}
    return "+".join(sorted(n for n in names if isinstance(n, str))) or "data-integrity"


def _verify_data_integrity(document: Mapping[str, Any], ctx: _Context) -> VerificationResult:
    types = _types(document)
    if "proof" not in document:
        raise InvalidCredential("the document has no proof: it is not secured", path="/proof")
    if "VerifiablePresentation" in types:
        return _verify_di_presentation(document, ctx)
    if "VerifiableCredential" not in types:
        raise InvalidCredential("type must include VerifiableCredential", path="/type")
    is_bbs = _bbs_header_check(document, ctx)
    if not is_bbs and (ctx.nonce is not None or ctx.audience is not None):
        raise NonceMismatch(
            "a nonce/audience was expected but a bare credential cannot be bound to one; "
            "present it inside a verifiable presentation"
        )
    proofs = _data_integrity.verify_credential(document, resolve_key=ctx.resolve_key, now=ctx.now)
    return _credential_result(document, proofs, ctx, _proof_format(document))


def _verify_di_presentation(document: Mapping[str, Any], ctx: _Context) -> VerificationResult:
    if ctx.nonce is None:
        raise NonceMismatch("verifying a presentation needs the challenge (nonce) it was asked for")
    checked = _data_integrity.verify_presentation(
        document,
        resolve_key=ctx.resolve_key,
        challenge=ctx.nonce,
        domain=ctx.audience,
        now=ctx.now,
    )
    holder = document.get("holder")
    holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
    for proof in checked.proofs:
        ctx.passed("proof", f"presentation {proof.cryptosuite} by {proof.verification_method}")
    ctx.passed("nonce", "challenge matches")
    if ctx.audience is not None:
        ctx.passed("audience", "domain matches")
    else:
        ctx.skipped("audience", "no audience (domain) given")
    ctx.passed(
        "holder-binding",
        f"presentation signed by {holder_id}" if holder_id else "presentation signed",
    )
    entries = document.get("verifiableCredential", [])
    entries = [entries] if isinstance(entries, Mapping) else entries
    results = []
    for entry, proofs in zip(entries, checked.credentials, strict=False):
        inner = _Context(ctx.resolve_key, ctx.trust, ctx.status, ctx.now, None, None)
        results.append(_credential_result(entry, proofs, inner, _proof_format(entry)))
    return VerificationResult(
        format=_proof_format(document),
        kind="presentation",
        issuer=None,
        claims=dict(document),
        checks=tuple(ctx.checks),
        not_checked=tuple(ctx.not_checked),
        holder=holder_id if isinstance(holder_id, str) else None,
        credentials=tuple(results),
    )


# --------------------------------------------------------------------------- JWT / SD-JWT


def _verify_compact(
    token: str, ctx: _Context, resolver: DIDResolver, issuer_key: Key | None
) -> VerificationResult:
    if "~" in token:
        return _verify_sd_jwt(token, ctx, resolver, issuer_key)
    # Only to pick the verifier; the header is checked again once the signature is.
    header = _jose.decode_jws(token, "credential").unverified_header
    typ = header.get("typ")
    if _jose.typ_matches(header, ("vc+jwt",)):
        credential = _jose.verify_vc_jwt(token, resolve_key=ctx.resolve_key, now=ctx.now)
        if ctx.nonce is not None or ctx.audience is not None:
            raise NonceMismatch(
                "a nonce/audience was expected but a bare vc+jwt cannot be bound to one"
            )
        ctx.passed("proof", f"JWS {header.get('alg')} by {header.get('kid')}")
        validate_credential(credential)
        return _credential_result(credential, (), ctx, "vc+jwt")
    if _jose.typ_matches(header, ("vp+jwt",)):
        if ctx.nonce is None or ctx.audience is None:
            raise NonceMismatch("verifying a vp+jwt needs the nonce and audience it was asked for")
        presentation = _jose.verify_vp_jwt(
            token,
            resolve_key=ctx.resolve_key,
            nonce=ctx.nonce,
            audience=ctx.audience,
            now=ctx.now,
        )
        ctx.passed("proof", f"presentation JWS {header.get('alg')} by {header.get('kid')}")
        ctx.passed("nonce", "nonce matches")
        ctx.passed("audience", "aud matches")
        ctx.passed("holder-binding", "presentation signed by the holder key")
        return VerificationResult(
            format="vp+jwt",
            kind="presentation",
            issuer=None,
            claims=dict(presentation),
            checks=tuple(ctx.checks),
            not_checked=tuple(ctx.not_checked),
            holder=presentation.get("holder")
            if isinstance(presentation.get("holder"), str)
            else None,
        )
    raise InvalidInput(f"unsupported JWT type {typ!r} (expected vc+jwt, vp+jwt or an SD-JWT)")


def _verify_sd_jwt(
    token: str, ctx: _Context, resolver: DIDResolver, issuer_key: Key | None
) -> VerificationResult:
    issued = _token_time(token)
    when = min(issued, ctx.now) if issued is not None else ctx.now

    def did_key(did: str, kid: str | None) -> Key:
        return resolver.resolve_key_for_did(did, kid, purpose="assertionMethod", at=when)

    def resolve_issuer_key(iss: str | None, header: dict[str, Any]) -> Key:
        if issuer_key is not None:
            return issuer_key.public_key()
        return _sd_jwt.issuer_key_resolver(None, did_key)(iss, header)

    status_seen: list[Mapping[str, Any]] = []

    def status_check(claim: dict[str, Any]) -> None:
        status_seen.append(claim)
        if ctx.status is None:
            return
        source = ctx.status
        _token_status.check_token_status(
            claim,
            fetch=source.token_status_list,
            resolve_key=ctx.resolve_key,
            now=ctx.now,
        )

    bound = ctx.nonce is not None or ctx.audience is not None
    result = _sd_jwt.verify_sd_jwt(
        token,
        resolve_issuer_key=resolve_issuer_key,
        expected_nonce=ctx.nonce,
        expected_audience=ctx.audience,
        require_key_binding=bound,
        now=ctx.now,
        status_check=status_check,
    )
    ctx.passed("proof", f"issuer JWS {result.header.get('alg')} ({result.header.get('typ')})")
    disclosed = ", ".join(result.disclosed) or "none"
    ctx.passed("selective-disclosure", f"disclosed: {disclosed}")
    ctx.passed("validity", "iat/nbf/exp within bounds")
    if result.key_binding:
        ctx.passed("holder-binding", "KB-JWT signed by the cnf key, sd_hash matches")
        if ctx.nonce is not None:
            ctx.passed("nonce", "KB-JWT nonce matches")
        if ctx.audience is not None:
            ctx.passed("audience", "KB-JWT aud matches")
    elif result.holder_key is not None:
        ctx.skipped("holder-binding", "the credential names a holder key but no KB-JWT was sent")
    if status_seen:
        if ctx.status is None:
            ctx.skipped("status", "the credential has a status claim but no status source")
        else:
            ctx.passed("status", "token status list entry is VALID")
    _check_trust(result.issuer, [result.vct] if result.vct else [], ctx)
    return VerificationResult(
        format="dc+sd-jwt",
        kind="presentation" if result.key_binding else "credential",
        issuer=result.issuer,
        claims=result.claims,
        checks=tuple(ctx.checks),
        not_checked=tuple(ctx.not_checked),
    )
