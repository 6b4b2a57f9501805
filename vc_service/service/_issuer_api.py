"""The issuer over HTTP: OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow.

``specs/http-api.md`` §8. Endpoints (OID4VCI 1.0 section numbers):

* ``POST /issuer/offers`` -- the agency creates a Credential Offer (§4.1) with a pre-authorized
  code and a transaction code (``tx_code``, §4.1.1), which it hands to the citizen out of band;
* ``GET /.well-known/openid-credential-issuer`` -- Credential Issuer Metadata (§12.2);
* ``GET /.well-known/oauth-authorization-server`` -- RFC 8414 metadata with the
  ``pre-authorized_grant_anonymous_access_supported`` parameter (§12.3);
* ``POST /token`` -- the Token Endpoint (§6) for the pre-authorized code grant; errors per
  RFC 6749 §5.2;
* ``POST /nonce`` -- the Nonce Endpoint (§7);
* ``POST /credential`` -- the Credential Endpoint (§8) with a ``jwt`` proof (Appendix F.1);
  errors per §8.3.1.2 and RFC 6750 §3.1;
* ``GET /status-lists/{list_id}`` -- the issuer's Status List Token (draft-ietf-oauth-status-list
  §5.1, §8.1 ``application/statuslist+jwt``); every credential's ``status`` claim (§6.2) points
  at a random index of it;
* ``POST /credentials/status`` -- the agency revokes, suspends or reinstates a credential it
  issued (the status values of §7.1).

One demonstration agency issues one configuration, ``identity_sd_jwt`` (format ``dc+sd-jwt``,
Appendix A.3); its Ed25519 key is generated on first use and stored sealed under the ledger
secret, like the root authority key. Accreditation on the ledger and OAuth tenants come later.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import nacl.exceptions
import nacl.secret
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from vc_service._errors import Error, InvalidCredential, InvalidInput, StatusUnavailable
from vc_service._jose import decode_jws, verify_jws
from vc_service._keys import Key
from vc_service._sd_jwt import issue_sd_jwt_vc
from vc_service._token_status import (
    STATUS_INVALID,
    STATUS_SUSPENDED,
    STATUS_VALID,
    issue_status_list_token,
)
from vc_service.ledger._ledger import LedgerError, load_secret
from vc_service.ledger._store import meta_table

from ._errors import NotFound
from ._issuer_store import (
    IssuerStore,
    RevocationFinal,
    StatusEntryUnknown,
    StatusListFull,
    TokenRefused,
)
from ._ledger_api import LedgerDep, SettingsDep

__all__ = [
    "IDENTITY_CONFIGURATION",
    "IDENTITY_VCT",
    "ISSUER_KEY_META",
    "STATUS_LIST_MEDIA_TYPE",
    "STATUS_LIST_TTL",
    "PRE_AUTHORIZED_GRANT",
    "PROOF_TYP",
    "CredentialStatusChange",
    "IssuerService",
    "LocalStatusSource",
    "OfferCreated",
    "OfferRequest",
    "router",
]

_log = logging.getLogger("chancery.service")

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
#: OID4VCI 1.0 Appendix F.1: the ``typ`` of a key proof JWT.
PROOF_TYP = "openid4vci-proof+jwt"
IDENTITY_CONFIGURATION = "identity_sd_jwt"
IDENTITY_VCT = "https://credentials.chancery.local/identity"
#: The ledger settings row holding the demonstration agency's sealed issuer key.
ISSUER_KEY_META = "service.issuer_demo_agency_key_sealed"
# Bound into the sealed plaintext, so that a sealed value moved between rows (the root key's,
# say) does not open as the issuer key.
_ISSUER_KEY_LABEL = b"chancery demo agency issuer private JWK v1\n"
#: How far a proof JWT's ``iat`` may be from the server's clock (seconds).
_PROOF_IAT_SKEW = 300
_CREDENTIAL_LIFETIME = 365 * 24 * 3600
#: draft-ietf-oauth-status-list §8.1: the media type of a Status List Token in JWT format.
STATUS_LIST_MEDIA_TYPE = "application/statuslist+jwt"
#: The Status List Token's ``ttl`` (§5.1): how long a Relying Party may cache it (seconds). Short,
#: so that a revocation reaches verifiers within a minute.
STATUS_LIST_TTL = 60
_STATUS_LISTS_PATH = "/status-lists/"
_STATUS_VALUES = {"valid": STATUS_VALID, "revoked": STATUS_INVALID, "suspended": STATUS_SUSPENDED}
_MAX_BODY = 64 * 1024

#: The configurations this issuer offers (OID4VCI 1.0 §12.2.4, Appendix A.3.2).
_CONFIGURATIONS: dict[str, dict[str, Any]] = {
    IDENTITY_CONFIGURATION: {
        "format": "dc+sd-jwt",
        "vct": IDENTITY_VCT,
        "cryptographic_binding_methods_supported": ["jwk", "did:key"],
        "credential_signing_alg_values_supported": ["EdDSA"],
        "proof_types_supported": {
            "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}
        },
    }
}

router = APIRouter(tags=["issuer"])


# ------------------------------------------------------------------------------ the service


class _OAuthError(Error):
    """An RFC 6749 §5.2 / OID4VCI §8.3.1.2 error: a JSON ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def _seal(key: Key, secret: bytes) -> bytes:
    plaintext = _ISSUER_KEY_LABEL + json.dumps(key.private_jwk(), sort_keys=True).encode()
    return bytes(nacl.secret.SecretBox(secret).encrypt(plaintext))


def _unseal(sealed: bytes, secret: bytes) -> Key:
    try:
        plaintext = nacl.secret.SecretBox(secret).decrypt(sealed)
    except nacl.exceptions.CryptoError as exc:
        raise LedgerError("the ledger secret does not open the issuer key") from exc
    if not plaintext.startswith(_ISSUER_KEY_LABEL):
        raise LedgerError("the sealed value is not an issuer key")
    return Key.from_jwk(json.loads(plaintext[len(_ISSUER_KEY_LABEL) :]))


class IssuerService:
    """The demonstration agency's issuer: its sealed key and the flow state (:class:`IssuerStore`)."""

    def __init__(self, engine: sa.Engine, secret: bytes) -> None:
        self.store = IssuerStore(engine)
        self.key = self._sealed_key(engine, secret)
        #: The issuer's DID (``did:key``), the ``iss`` of every credential it signs.
        self.did = self.key.did_key()
        self.kid = f"{self.did}#{self.key.multikey()}"

    def status_list_uri(self, base: str) -> str:
        """The URI of this issuer's Status List under the service's ``base`` URL."""
        return base + _STATUS_LISTS_PATH + self.store.status_list_id(self.did)

    def status_list_token(self, list_id: str, base: str) -> str | None:
        """The signed Status List Token for ``list_id`` (§5.1), or ``None`` if it is not ours.

        ``sub`` is the list's URI, ``iat`` now and ``ttl`` :data:`STATUS_LIST_TTL`. The token is
        built fresh on every call from the stored entries.
        """
        if list_id != self.store.status_list_id(self.did):
            return None
        status_list = self.store.status_list(list_id)
        if status_list is None:  # pragma: no cover - the id was just read from the table
            return None
        return issue_status_list_token(
            status_list,
            self.key,
            kid=self.kid,
            subject_uri=base + _STATUS_LISTS_PATH + list_id,
            ttl=STATUS_LIST_TTL,
        )

    @staticmethod
    def _sealed_key(engine: sa.Engine, secret: bytes) -> Key:
        """The issuer key sealed in the ledger settings table; set-if-absent on first start."""
        select = sa.select(meta_table.c.value).where(meta_table.c.key == ISSUER_KEY_META)
        with engine.connect() as conn:
            existing = conn.execute(select).scalar()
        if existing is not None:
            return _unseal(bytes(existing), secret)
        key = Key.generate("ed25519")
        try:
            with engine.begin() as conn:
                conn.execute(
                    meta_table.insert().values(key=ISSUER_KEY_META, value=_seal(key, secret))
                )
        except sa.exc.IntegrityError:
            with engine.connect() as conn:
                stored = conn.execute(select).scalar()
            if stored is None:  # pragma: no cover - the conflicting row cannot vanish
                raise LedgerError("the issuer key could not be stored") from None
            return _unseal(bytes(stored), secret)
        _log.info("generated the demonstration agency's issuer key %s", key.did_key())
        return key


_SERVICE_LOCK = threading.Lock()


def get_issuer(request: Request, ledger: LedgerDep, settings: SettingsDep) -> IssuerService:
    """The application's :class:`IssuerService`, created on first use (a FastAPI dependency)."""
    service = getattr(request.app.state, "issuer", None)
    if isinstance(service, IssuerService):
        return service
    with _SERVICE_LOCK:
        service = getattr(request.app.state, "issuer", None)
        if not isinstance(service, IssuerService):
            secret = load_secret(settings.secret_file)
            service = IssuerService(ledger.ledger.store.engine, secret)
            request.app.state.issuer = service
    return service


IssuerDep = Annotated[IssuerService, Depends(get_issuer)]


def _issuer_url(request: Request) -> str:
    """The Credential Issuer Identifier (§12.2.1): this service's base URL, without a slash."""
    return str(request.base_url).rstrip("/")


class LocalStatusSource:
    """A :class:`vc_service.StatusSource` that serves this service's own Status List Tokens.

    In-process: a URI under ``base`` + ``/status-lists/`` is answered from the issuer store.
    Any other URI (another issuer's list) raises :class:`StatusUnavailable`: this slice makes no
    outbound HTTP requests, so a credential with a foreign status list is rejected as
    "status unavailable" rather than accepted unchecked. Bitstring Status Lists are likewise
    unavailable.
    """

    def __init__(self, issuer: IssuerService, base: str) -> None:
        self._issuer = issuer
        self._base = base
        self._prefix = base + _STATUS_LISTS_PATH

    def token_status_list(self, uri: str) -> str:
        """The Status List Token at ``uri`` if it is one of ours (draft-ietf-oauth-status-list §8.1)."""
        if not uri.startswith(self._prefix):
            raise StatusUnavailable(f"{uri} is not served here and is not fetched")
        token = self._issuer.status_list_token(uri[len(self._prefix) :], self._base)
        if token is None:
            raise StatusUnavailable(f"there is no status list at {uri}")
        return token

    def bitstring_status_list(self, url: str) -> Mapping[str, Any]:
        """Never available here: this service publishes no Bitstring Status List."""
        raise StatusUnavailable(f"{url} is not served here and is not fetched")


# ------------------------------------------------------------------------------ wire models


class OfferRequest(BaseModel):
    """``POST /issuer/offers``: what to issue and the claims about the citizen."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    credential_configuration_id: str = Field(max_length=100)
    claims: dict[str, Any]


class OfferCreated(BaseModel):
    """The offer URI for the wallet, and the transaction code for the citizen (out of band)."""

    model_config = ConfigDict(frozen=True)

    credential_offer_uri: str = Field(description="openid-credential-offer:// URI (§4.1.3)")
    credential_offer: dict[str, Any]
    pre_authorized_code: str
    tx_code: str = Field(description="Give to the citizen out of band, never with the offer")


class CredentialStatusChange(BaseModel):
    """``POST /credentials/status``: the credential the agency issued, and its new status."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    credential: str = Field(
        max_length=_MAX_BODY, description="The SD-JWT VC as issued, or its issuer-signed JWT"
    )
    status: Literal["valid", "revoked", "suspended"]


def _oauth_response(exc: _OAuthError) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    if exc.status == 401:
        # RFC 6750 §3: the challenge names the error.
        headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description},
        status_code=exc.status,
        headers=headers,
    )


def _disclose_all(claims: dict[str, Any]) -> list[str]:
    # RFC 6901 escaping of the top-level member names.
    return ["/" + name.replace("~", "~0").replace("/", "~1") for name in claims]


# ------------------------------------------------------------------------------ endpoints


@router.post("/issuer/offers", response_model=OfferCreated, status_code=201)
def create_offer(body: OfferRequest, request: Request, issuer: IssuerDep) -> OfferCreated:
    """Create a pre-authorized Credential Offer (OID4VCI 1.0 §4.1.1, ``tx_code`` object)."""
    if body.credential_configuration_id not in _CONFIGURATIONS:
        raise NotFound(f"unknown credential configuration {body.credential_configuration_id!r}")
    if not body.claims:
        raise InvalidInput("'claims' must name at least one claim")
    # Issue once now with a throwaway holder binding so that claims the credential cannot carry
    # (reserved names like 'iss' or 'cnf', non-JSON values) are refused at offer time, not when
    # the citizen redeems.
    issue_sd_jwt_vc(
        body.claims,
        issuer.key,
        issuer=issuer.did,
        vct=IDENTITY_VCT,
        kid=issuer.kid,
        disclose=_disclose_all(body.claims),
    )
    code, tx_code = issuer.store.create_offer(body.credential_configuration_id, body.claims)
    offer = {
        "credential_issuer": _issuer_url(request),
        "credential_configuration_ids": [body.credential_configuration_id],
        "grants": {
            PRE_AUTHORIZED_GRANT: {
                "pre-authorized_code": code,
                "tx_code": {
                    "input_mode": "numeric",
                    "length": 6,
                    "description": "The code the agency gave you with this offer",
                },
            }
        },
    }
    encoded = urllib.parse.quote(json.dumps(offer, separators=(",", ":")), safe="")
    return OfferCreated(
        credential_offer_uri=f"openid-credential-offer://?credential_offer={encoded}",
        credential_offer=offer,
        pre_authorized_code=code,
        tx_code=tx_code,
    )


@router.get("/.well-known/openid-credential-issuer")
def issuer_metadata(request: Request, issuer: IssuerDep) -> dict[str, Any]:
    """Credential Issuer Metadata (OID4VCI 1.0 §12.2.4)."""
    base = _issuer_url(request)
    return {
        "credential_issuer": base,
        "authorization_servers": [base],
        "credential_endpoint": base + "/credential",
        "nonce_endpoint": base + "/nonce",
        "display": [{"name": "Chancery demonstration agency", "locale": "en"}],
        "credential_configurations_supported": _CONFIGURATIONS,
    }


@router.get("/.well-known/oauth-authorization-server")
def authorization_server_metadata(request: Request) -> dict[str, Any]:
    """RFC 8414 §2 Authorization Server Metadata with OID4VCI 1.0 §12.3's parameter."""
    base = _issuer_url(request)
    return {
        "issuer": base,
        "token_endpoint": base + "/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
        "response_types_supported": [],
    }


def _form(raw: bytes) -> dict[str, str]:
    if len(raw) > _MAX_BODY:
        raise _OAuthError("invalid_request", "the request body is too large")
    try:
        pairs = urllib.parse.parse_qsl(
            raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw)
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise _OAuthError("invalid_request", "the body is not a form") from exc
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            # RFC 6749 §3.2: request parameters MUST NOT be included more than once.
            raise _OAuthError("invalid_request", f"parameter {name!r} is repeated")
        form[name] = value
    return form


def _token(issuer: IssuerService, raw: bytes) -> dict[str, Any]:
    form = _form(raw)
    grant = form.get("grant_type")
    if grant is None:
        raise _OAuthError("invalid_request", "'grant_type' is missing")
    if grant != PRE_AUTHORIZED_GRANT:
        raise _OAuthError("unsupported_grant_type", "only the pre-authorized code grant is served")
    code = form.get("pre-authorized_code")
    if not code:
        raise _OAuthError("invalid_request", "'pre-authorized_code' is missing")
    try:
        token = issuer.store.redeem(code, form.get("tx_code"))
    except TokenRefused as exc:
        raise _OAuthError("invalid_grant", str(exc)) from exc
    return {"access_token": token, "token_type": "Bearer", "expires_in": 300}


@router.post("/token")
async def token_endpoint(request: Request, issuer: IssuerDep) -> JSONResponse:
    """Token Endpoint (OID4VCI 1.0 §6.1-§6.3): pre-authorized code and ``tx_code``."""
    raw = await request.body()
    try:
        body = await run_in_threadpool(_token, issuer, raw)
    except _OAuthError as exc:
        _log.info("POST /token -> %d %s: %s", exc.status, exc.error, exc.description)
        return _oauth_response(exc)
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.post("/nonce")
def nonce_endpoint(issuer: IssuerDep) -> JSONResponse:
    """Nonce Endpoint (OID4VCI 1.0 §7.1-§7.2): a fresh ``c_nonce``, never cached."""
    return JSONResponse(
        {"c_nonce": issuer.store.new_nonce()}, headers={"Cache-Control": "no-store"}
    )


def _proof_key(header: dict[str, Any]) -> Key:
    """The key of a proof JWT: ``jwk`` or a ``did:key`` ``kid`` (Appendix F.1), never both."""
    jwk, kid = header.get("jwk"), header.get("kid")
    if (jwk is None) == (kid is None):
        raise _OAuthError("invalid_proof", "the proof header needs exactly one of 'jwk' and 'kid'")
    try:
        if jwk is not None:
            if not isinstance(jwk, dict) or "d" in jwk:
                raise _OAuthError("invalid_proof", "'jwk' must be a public JWK")
            return Key.from_jwk(jwk)
        if not isinstance(kid, str) or not kid.startswith("did:key:"):
            raise _OAuthError("invalid_proof", "'kid' must be a did:key DID URL")
        return Key.from_multikey(kid.split("#", 1)[0].removeprefix("did:key:"))
    except (Error, ValueError, TypeError) as exc:
        if isinstance(exc, _OAuthError):
            raise
        raise _OAuthError("invalid_proof", f"the proof key is unusable: {exc}") from exc


def _check_proof(issuer: IssuerService, proof: Any, audience: str) -> Key:
    """Verify a ``jwt`` key proof (OID4VCI 1.0 Appendix F.1, F.4); return the proven key."""
    if not isinstance(proof, str):
        raise _OAuthError("invalid_proof", "the proof must be a compact JWT")
    try:
        jws = decode_jws(proof, "proof JWT")
        key = _proof_key(jws.unverified_header)
        if key.alg not in ("EdDSA", "ES256"):
            raise _OAuthError("invalid_proof", f"proof algorithm {key.alg} is not supported")
        verify_jws(jws, key, typ=PROOF_TYP, what="proof JWT")
        claims = jws.unverified_claims("proof JWT payload")
    except Error as exc:
        if isinstance(exc, _OAuthError):
            raise
        raise _OAuthError("invalid_proof", str(exc)) from exc
    aud = claims.get("aud")
    if aud != audience and not (isinstance(aud, list) and audience in aud):
        raise _OAuthError("invalid_proof", "the proof 'aud' is not this credential issuer")
    iat = claims.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise _OAuthError("invalid_proof", "the proof has no numeric 'iat'")
    if abs(time.time() - iat) > _PROOF_IAT_SKEW:
        raise _OAuthError("invalid_proof", "the proof 'iat' is not recent")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str):
        # With a Nonce Endpoint the nonce is required (Appendix F.1 'nonce').
        raise _OAuthError("invalid_proof", "the proof has no 'nonce'")
    if not issuer.store.use_nonce(nonce):
        # §8.3.1.2: the wallet should fetch a new c_nonce and retry.
        raise _OAuthError("invalid_nonce", "the proof 'nonce' is unknown, expired or used")
    return key


def _credential(issuer: IssuerService, authorization: str | None, raw: bytes, aud: str) -> Any:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _OAuthError("invalid_token", "a Bearer access token is required", status=401)
    token = token.strip()
    offer = issuer.store.offer_for_token(token)
    if offer is None:
        raise _OAuthError(
            "invalid_token", "the access token is unknown, expired or used", status=401
        )
    if len(raw) > _MAX_BODY:
        raise _OAuthError("invalid_credential_request", "the request body is too large")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _OAuthError("invalid_credential_request", "the body is not JSON") from exc
    if not isinstance(body, dict):
        raise _OAuthError("invalid_credential_request", "the body must be a JSON object")
    configuration = body.get("credential_configuration_id")
    if not isinstance(configuration, str):
        raise _OAuthError("invalid_credential_request", "'credential_configuration_id' is missing")
    if configuration != offer.configuration_id:
        raise _OAuthError(
            "unknown_credential_configuration",
            "the access token does not cover this credential configuration",
        )
    proofs = body.get("proofs")
    if "proof" in body or not isinstance(proofs, dict):
        raise _OAuthError("invalid_proof", "'proofs' with one 'jwt' proof is required")
    jwts = proofs.get("jwt")
    if set(proofs) != {"jwt"} or not isinstance(jwts, list) or len(jwts) != 1:
        raise _OAuthError("invalid_proof", "'proofs' must hold exactly one 'jwt' proof")
    holder = _check_proof(issuer, jwts[0], aud)
    if not issuer.store.use_token(token):
        raise _OAuthError("invalid_token", "the access token was already used", status=401)
    list_uri = issuer.status_list_uri(aud)
    list_id = list_uri.rsplit("/", 1)[1]
    try:
        idx = issuer.store.allocate_status_index(list_id)
    except StatusListFull as exc:
        _log.error("status list %s is full", list_id)
        raise _OAuthError(
            "credential_request_denied", "no status list entry is free", status=503
        ) from exc
    now = int(time.time())
    credential = issue_sd_jwt_vc(
        offer.claims,
        issuer.key,
        issuer=issuer.did,
        vct=IDENTITY_VCT,
        kid=issuer.kid,
        disclose=_disclose_all(offer.claims),
        holder_key=holder.public_key(),
        iat=now,
        exp=now + _CREDENTIAL_LIFETIME,
        status={"status_list": {"idx": idx, "uri": list_uri}},
    )
    issuer.store.bind_status_index(list_id, idx, _credential_hash(credential.split("~", 1)[0]))
    return {"credentials": [{"credential": credential}]}


@router.post("/credential")
async def credential_endpoint(request: Request, issuer: IssuerDep) -> JSONResponse:
    """Credential Endpoint (OID4VCI 1.0 §8.2 request, §8.3 response, §8.3.1.2 errors)."""
    raw = await request.body()
    authorization = request.headers.get("authorization")
    try:
        body = await run_in_threadpool(
            _credential, issuer, authorization, raw, _issuer_url(request)
        )
    except _OAuthError as exc:
        _log.info("POST /credential -> %d %s: %s", exc.status, exc.error, exc.description)
        return _oauth_response(exc)
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


# ------------------------------------------------------------------------------ status lists


def _credential_hash(issuer_jwt: str) -> str:
    return hashlib.sha256(issuer_jwt.encode("ascii")).hexdigest()


@router.get("/status-lists/{list_id}")
def status_list_endpoint(list_id: str, request: Request, issuer: IssuerDep) -> Response:
    """The Status List Token (draft-ietf-oauth-status-list §5.1, §8.1) in JWT format."""
    token = issuer.status_list_token(list_id, _issuer_url(request)) if len(list_id) <= 64 else None
    if token is None:
        raise NotFound("unknown status list")
    return Response(
        token,
        media_type=STATUS_LIST_MEDIA_TYPE,
        headers={"Cache-Control": f"max-age={STATUS_LIST_TTL}"},
    )


def _status_reference(claims: Mapping[str, Any], prefix: str) -> tuple[str, int]:
    """The list id and index of a verified credential's ``status`` claim (§6.2) on our list."""
    status = claims.get("status")
    reference = status.get("status_list") if isinstance(status, Mapping) else None
    if not isinstance(reference, Mapping):
        raise InvalidCredential("the credential has no 'status.status_list'", path="/status")
    idx, uri = reference.get("idx"), reference.get("uri")
    if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0:
        raise InvalidCredential("'idx' must be a non-negative integer", path="/status")
    if not isinstance(uri, str) or not uri.startswith(prefix):
        raise InvalidCredential("the credential's status list is not this issuer's", path="/status")
    return uri[len(prefix) :], idx


@router.post("/credentials/status")
def change_credential_status(
    body: CredentialStatusChange, request: Request, issuer: IssuerDep
) -> dict[str, str]:
    """Revoke, suspend or reinstate a credential this issuer signed (status values of §7.1).

    The agency sends the credential itself, in the spirit of the VC API's
    ``POST /credentials/status``. Its issuer-signed JWT must verify with the issuer key, so only a
    credential this issuer really signed is touched; the index is read from its ``status`` claim
    and must be the one recorded for that JWT at issuance. Revocation is final: a revoked
    credential can be neither suspended nor reinstated.
    """
    issuer_jwt = body.credential.split("~", 1)[0]
    jws = decode_jws(issuer_jwt, "credential")
    verify_jws(jws, issuer.key.public_key(), typ="dc+sd-jwt", what="credential")
    claims = jws.unverified_claims("credential payload")
    list_id, idx = _status_reference(claims, _issuer_url(request) + _STATUS_LISTS_PATH)
    try:
        issuer.store.set_status(
            list_id, idx, _credential_hash(issuer_jwt), _STATUS_VALUES[body.status]
        )
    except RevocationFinal as exc:
        raise InvalidInput("the credential is revoked; revocation cannot be undone") from exc
    except StatusEntryUnknown as exc:
        raise NotFound("the credential's status list entry is unknown") from exc
    _log.info("status list %s index %d set to %s", list_id, idx, body.status)
    return {"status": body.status}
