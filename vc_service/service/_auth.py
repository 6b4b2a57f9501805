"""Tenants over HTTP: OAuth 2.0 client credentials, scoped bearer tokens, agencies on the ledger.

``specs/http-api.md`` §10.

* ``POST /oauth/token`` -- the client credentials grant (RFC 6749 §4.4). The client
  authenticates with HTTP Basic (§2.3.1, the method servers must support) or with
  ``client_id``/``client_secret`` in the form body; errors are RFC 6749 §5.2 JSON.
* Bearer tokens (RFC 6750 §2.1) carry the tenant's scopes: ``admin`` (the root authority),
  ``issue`` (an agency) and ``verify`` (a relying party). :func:`require_scope` is the FastAPI
  dependency an endpoint declares; a missing or unknown token is a 401 problem with a
  ``WWW-Authenticate: Bearer`` challenge (RFC 6750 §3), a token without the scope a 403.
* ``POST /admin/tenants`` (root) registers an agency or a relying party. For an agency the
  service generates an Ed25519 key (ledger entries, ``dc+sd-jwt`` and ``eddsa-rdfc-2022``
  credentials) and a BLS12-381 G2 key (``bbs-2023``), creates the agency's ``did:chancery`` DID
  on the ledger with both, and keeps the private keys sealed. The client secret is in the
  response once and stored only hashed.
* ``POST /admin/accreditations`` (root) accredits an agency for credential type ids: a ledger
  ``accreditation``/``grant`` entry signed by the root authority key.
* ``POST /issuer/credential-types`` (agency) publishes a credential type it is accredited for:
  a ledger ``credential-type``/``publish`` entry signed by the agency's key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from vc_service._errors import InvalidInput
from vc_service._keys import Key
from vc_service.ledger._did_chancery import did_create_payload
from vc_service.ledger._entries import (
    CREDENTIAL_FORMATS,
    REVOCATION_METHODS,
    Entry,
    format_time,
    make_entry,
)
from vc_service.ledger._ledger import load_secret

from ._errors import Forbidden, InsufficientScope, NotFound, Unauthorized
from ._ledger_api import LedgerDep, SettingsDep
from ._ledger_service import LedgerService
from ._settings import Settings
from ._tenants import SCOPES, Tenant, TenantExists, TenantStore

__all__ = [
    "AGENCY_BBS_KEY",
    "AGENCY_SIGNING_KEY",
    "AgencyDep",
    "Principal",
    "RelyingPartyDep",
    "RootDep",
    "TenantService",
    "TenantsDep",
    "get_tenants",
    "parse_oauth_form",
    "require_scope",
    "router",
]

_log = logging.getLogger("chancery.service")

#: The agency DID's key that signs ledger entries and Ed25519 credentials (``#key-1``).
AGENCY_SIGNING_KEY = "key-1"
#: The agency DID's BLS12-381 G2 key, for ``bbs-2023`` credentials only (``#key-2``).
AGENCY_BBS_KEY = "key-2"
_MAX_FORM = 8 * 1024
_ROOT_TENANT = "root-authority"

router = APIRouter()


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant behind a valid bearer token, and the token's scopes."""

    tenant_id: str
    kind: str
    name: str
    did: str | None
    scopes: frozenset[str]


class TenantService:
    """The tenant store and the ledger actions taken for tenants (DIDs, accreditations, types)."""

    def __init__(self, ledger: LedgerService, secret: bytes) -> None:
        self.ledger = ledger
        self.store = TenantStore(ledger.ledger.store.engine, secret)
        # A subkey of the ledger secret for deriving pre-authorized codes from offer ids.
        self._offer_key = hmac.new(secret, b"chancery offer codes v1", hashlib.sha256).digest()
        #: A subkey of the ledger secret authenticating OID4VCI ``c_nonce`` values.
        self.nonce_key = hmac.new(secret, b"chancery c_nonce v1", hashlib.sha256).digest()

    def offer_code(self, offer_id: str) -> str:
        """The pre-authorized code of the offer ``offer_id``: HMAC-SHA-256 under a subkey of the
        ledger secret, so the offer can be served by reference (OID4VCI §4.1.3) while the
        database stores only the code's hash."""
        mac = hmac.new(self._offer_key, offer_id.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    def _append(self, entries: list[Any]) -> list[int]:
        with self.ledger.appending():
            receipts = self.ledger.ledger.append(entries)
        return [receipt.index for receipt in receipts]

    def _now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)

    def ensure_root(self) -> tuple[Tenant, str] | None:
        """Register the root authority's tenant if it is missing; its secret on creation."""
        if self.store.get(_ROOT_TENANT) is not None:
            return None
        root_did = self.ledger.root_did()
        try:
            return self.store.create(_ROOT_TENANT, "root", "Root authority", did=root_did)
        except TenantExists:
            return None

    def create_agency(self, tenant_id: str, name: str) -> tuple[Tenant, str]:
        """Register an agency: keys, its ``did:chancery`` DID on the ledger, its client."""
        if self.store.get(tenant_id) is not None:
            raise TenantExists(f"tenant {tenant_id!r} already exists")
        signing = Key.generate("ed25519")
        bbs = Key.generate("bls12381g2")
        payload = did_create_payload([signing, (bbs, ["assertionMethod"])])
        did = payload["did"]
        entry = make_entry(
            self.ledger.ledger.origin,
            "did",
            "create",
            payload,
            signing,
            f"{did}#{AGENCY_SIGNING_KEY}",
            self._now(),
        )
        # The DID goes to the ledger first: a tenant row never names a DID that is not there.
        self._append([entry])
        tenant, secret = self.store.create(
            tenant_id,
            "agency",
            name,
            did=did,
            keys={AGENCY_SIGNING_KEY: signing, AGENCY_BBS_KEY: bbs},
        )
        _log.info("registered agency %s as %s", tenant_id, did)
        return tenant, secret

    def create_relying_party(self, tenant_id: str, name: str) -> tuple[Tenant, str]:
        """Register a relying party (no DID, no keys: the verifier signs its requests)."""
        tenant, secret = self.store.create(tenant_id, "relying_party", name)
        _log.info("registered relying party %s", tenant_id)
        return tenant, secret

    def agency(self, tenant_id: str) -> Tenant:
        """The agency ``tenant_id``; :class:`NotFound` if there is no such agency."""
        tenant = self.store.get(tenant_id)
        if tenant is None or tenant.kind != "agency" or tenant.did is None:
            raise NotFound(f"there is no agency {tenant_id!r}")
        return tenant

    def accredit(self, agency_id: str, types: list[str], valid_until: datetime) -> int:
        """Accredit the agency for ``types`` until ``valid_until``: a root-signed ledger entry."""
        tenant = self.agency(agency_id)
        root_key = self.ledger.root_key
        if root_key is None:
            raise Forbidden("this service does not hold the root authority key")
        now = self._now()
        current = self.ledger.state().accreditation(str(tenant.did))
        if current is not None and current.status == "active":
            # A grant restates the whole accreditation: keep the types already granted.
            types = list(dict.fromkeys([*current.types, *types]))
        payload = {
            "agency": tenant.did,
            "types": types,
            "valid_from": format_time(now),
            "valid_until": format_time(valid_until.replace(microsecond=0)),
        }
        with self.ledger.appending():
            entries = self.ledger.ledger.make_entries(
                root_key, "accreditation", [{"op": "grant", **payload}], time=now
            )
            index = self.ledger.ledger.append(entries)[0].index
        _log.info("accredited %s for %s", agency_id, ", ".join(types))
        return index

    def signing_key(self, tenant: Tenant, key_ref: str = AGENCY_SIGNING_KEY) -> Key:
        """The agency's private key ``key_ref``."""
        return self.store.key(tenant.tenant_id, key_ref)

    def agency_entry(self, tenant: Tenant, entry_type: str, op: str, payload: Any) -> int:
        """Sign ``payload`` as the agency and append it; the entry's log index."""
        return self.append_entries([self.sign_agency_entry(tenant, entry_type, op, payload)])[0]

    def sign_agency_entry(self, tenant: Tenant, entry_type: str, op: str, payload: Any) -> Entry:
        """``payload`` as a ledger entry signed by the agency ``tenant`` (not yet appended)."""
        if tenant.did is None:
            raise Forbidden("only an agency signs ledger entries")
        return make_entry(
            self.ledger.ledger.origin,
            entry_type,
            op,
            payload,
            self.signing_key(tenant),
            f"{tenant.did}#{AGENCY_SIGNING_KEY}",
            self._now(),
        )

    def append_entries(self, entries: list[Entry]) -> list[int]:
        """Append signed ``entries`` in one transaction; their log indexes (see
        :meth:`vc_service.ledger.Ledger.append` for a refusal part-way)."""
        return self._append(entries)


_LOCK = threading.Lock()


async def get_tenants(request: Request, ledger: LedgerDep, settings: SettingsDep) -> TenantService:
    """The application's :class:`TenantService`, created on first use (a FastAPI dependency)."""
    service = getattr(request.app.state, "tenants", None)
    if isinstance(service, TenantService):
        return service
    with _LOCK:
        service = getattr(request.app.state, "tenants", None)
        if not isinstance(service, TenantService):
            service = TenantService(ledger, load_secret(settings.secret_file))
            request.app.state.tenants = service
    return service


TenantsDep = Annotated[TenantService, Depends(get_tenants)]


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization")
    if header is None:
        raise Unauthorized("this request needs a bearer token (POST /oauth/token)")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "the Authorization header must be 'Bearer <token>'", error="invalid_request"
        )
    return token.strip()


def require_scope(scope: str) -> Any:
    """A FastAPI dependency: the :class:`Principal` of a bearer token that has ``scope``."""

    async def dependency(request: Request, tenants: TenantsDep) -> Principal:
        token = _bearer(request)
        grant = tenants.store.cached_grant(token)
        if grant is None:
            grant = await run_in_threadpool(tenants.store.check_token, token)
        if grant is None:
            raise Unauthorized("the access token is unknown or expired", error="invalid_token")
        if scope not in grant.scopes:
            raise InsufficientScope(scope)
        tenant = grant.tenant
        return Principal(tenant.tenant_id, tenant.kind, tenant.name, tenant.did, grant.scopes)

    dependency.__name__ = f"require_{scope}_scope"
    return dependency


RootDep = Annotated[Principal, Depends(require_scope("admin"))]
AgencyDep = Annotated[Principal, Depends(require_scope("issue"))]
RelyingPartyDep = Annotated[Principal, Depends(require_scope("verify"))]


# ------------------------------------------------------------------------------ OAuth 2.0


class _TokenError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def parse_oauth_form(raw: bytes, limit: int, error: Callable[[str], Exception]) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` OAuth request body as a dict.

    ``error(description)`` is raised (an ``invalid_request`` of the caller's protocol) for a
    body over ``limit`` bytes, one that is not a form, or a repeated parameter (RFC 6749 §3.2:
    request parameters MUST NOT be included more than once).
    """
    if len(raw) > limit:
        raise error("the request body is too large")
    try:
        pairs = urllib.parse.parse_qsl(
            raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw)
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise error("the body is not a form") from exc
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise error(f"parameter {name!r} is repeated")
        form[name] = value
    return form


def _client(authorization: str | None, form: dict[str, str]) -> tuple[str, str, bool]:
    """The client id and secret (RFC 6749 §2.3.1), and whether HTTP Basic carried them."""
    if authorization is not None:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "basic":
            raise _TokenError("invalid_client", "use HTTP Basic client authentication", 401)
        if "client_secret" in form:
            raise _TokenError("invalid_request", "use one client authentication method", 400)
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise _TokenError("invalid_client", "malformed Basic credentials", 401) from exc
        user, sep, password = decoded.partition(":")
        if not sep:
            raise _TokenError("invalid_client", "malformed Basic credentials", 401)
        # §2.3.1: the id and secret are form-urlencoded before Basic encoding.
        return urllib.parse.unquote_plus(user), urllib.parse.unquote_plus(password), True
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    if not client_id or client_secret is None:
        raise _TokenError("invalid_client", "client authentication is required", 401)
    return client_id, client_secret, False


def _token(tenants: TenantService, authorization: str | None, raw: bytes) -> dict[str, Any]:
    form = parse_oauth_form(raw, _MAX_FORM, lambda text: _TokenError("invalid_request", text))
    grant = form.get("grant_type")
    if grant is None:
        raise _TokenError("invalid_request", "'grant_type' is missing")
    client_id, client_secret, basic = _client(authorization, form)
    if grant != "client_credentials":
        raise _TokenError("unsupported_grant_type", "only the client_credentials grant is served")
    tenant = tenants.store.authenticate(client_id, client_secret)
    if tenant is None:
        raise _TokenError("invalid_client", "unknown client or wrong secret", 401 if basic else 400)
    allowed = SCOPES[tenant.kind]
    asked = form.get("scope")
    scopes = allowed if asked is None else frozenset(asked.split())
    if not scopes or not scopes <= allowed:
        raise _TokenError("invalid_scope", f"this client may ask for {sorted(allowed)}")
    token, lifetime = tenants.store.issue_token(tenant, scopes)
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "scope": " ".join(sorted(scopes)),
    }


@router.post("/oauth/token", tags=["auth"])
async def oauth_token(request: Request, tenants: TenantsDep) -> JSONResponse:
    """Client credentials grant (RFC 6749 §4.4.2 request, §5.1 response, §5.2 errors)."""
    raw = await request.body()
    try:
        body = await run_in_threadpool(_token, tenants, request.headers.get("authorization"), raw)
    except _TokenError as exc:
        _log.info("POST /oauth/token -> %d %s: %s", exc.status, exc.error, exc.description)
        headers = {"Cache-Control": "no-store"}
        if exc.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="chancery"'
        return JSONResponse(
            {"error": exc.error, "error_description": exc.description},
            status_code=exc.status,
            headers=headers,
        )
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


# ------------------------------------------------------------------------------ admin


class TenantRequest(BaseModel):
    """``POST /admin/tenants``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant_id: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
    kind: Literal["agency", "relying_party"]
    name: str = Field(min_length=1, max_length=200)


class TenantCreated(BaseModel):
    """The new tenant and its client credentials (the secret is shown only here)."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    kind: str
    name: str
    did: str | None
    client_id: str
    client_secret: str


class TenantInfo(BaseModel):
    """A tenant, without secrets."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    kind: str
    name: str
    did: str | None
    client_id: str


class AccreditationRequest(BaseModel):
    """``POST /admin/accreditations``: accredit an agency for credential types."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    agency: str = Field(min_length=3, max_length=64, description="The agency's tenant id")
    types: list[str] = Field(min_length=1, max_length=64)
    valid_days: int = Field(default=365, ge=1, le=3650)


class LedgerReceipt(BaseModel):
    """Where the ledger recorded an action."""

    model_config = ConfigDict(frozen=True)

    index: int
    did: str | None = None


class ClaimDefinition(BaseModel):
    """One claim of a credential type (its name and kind; ``predicate`` for ZK comparisons)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    kind: Literal["string", "integer", "number", "date", "boolean"] = "string"
    predicate: bool = False


class CredentialTypeRequest(BaseModel):
    """``POST /issuer/credential-types``: publish a credential type on the ledger."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=100)
    claims: list[ClaimDefinition] = Field(min_length=1, max_length=128)
    formats: list[str] = Field(
        default_factory=lambda: ["dc+sd-jwt", "eddsa-rdfc-2022", "bbs-2023"], min_length=1
    )
    revocation: str = "token-status-list"


def _info(tenant: Tenant) -> TenantInfo:
    return TenantInfo(
        tenant_id=tenant.tenant_id,
        kind=tenant.kind,
        name=tenant.name,
        did=tenant.did,
        client_id=tenant.client_id,
    )


@router.post("/admin/tenants", response_model=TenantCreated, status_code=201, tags=["admin"])
def create_tenant(body: TenantRequest, _: RootDep, tenants: TenantsDep) -> TenantCreated:
    """Register an agency (with its DID on the ledger) or a relying party."""
    if body.kind == "agency":
        tenant, secret = tenants.create_agency(body.tenant_id, body.name)
    else:
        tenant, secret = tenants.create_relying_party(body.tenant_id, body.name)
    return TenantCreated(**_info(tenant).model_dump(), client_secret=secret)


@router.get("/admin/tenants", response_model=list[TenantInfo], tags=["admin"])
def list_tenants(_: RootDep, tenants: TenantsDep) -> list[TenantInfo]:
    """Every tenant, without secrets."""
    return [_info(tenant) for tenant in tenants.store.list()]


@router.post("/admin/accreditations", response_model=LedgerReceipt, status_code=201, tags=["admin"])
def accredit(body: AccreditationRequest, _: RootDep, tenants: TenantsDep) -> LedgerReceipt:
    """Accredit an agency for credential type ids (ledger ``accreditation``/``grant``)."""
    until = datetime.now(UTC) + timedelta(days=body.valid_days)
    index = tenants.accredit(body.agency, list(body.types), until)
    return LedgerReceipt(index=index, did=tenants.agency(body.agency).did)


@router.post(
    "/issuer/credential-types", response_model=LedgerReceipt, status_code=201, tags=["issuer"]
)
def publish_credential_type(
    body: CredentialTypeRequest, principal: AgencyDep, tenants: TenantsDep
) -> LedgerReceipt:
    """Publish a credential type the agency is accredited for (``credential-type``/``publish``)."""
    for fmt in body.formats:
        if fmt not in CREDENTIAL_FORMATS:
            raise InvalidInput(f"format {fmt!r} is not one of {list(CREDENTIAL_FORMATS)}")
    if body.revocation not in REVOCATION_METHODS:
        raise InvalidInput(
            f"revocation {body.revocation!r} is not one of {list(REVOCATION_METHODS)}"
        )
    tenant = tenants.agency(principal.tenant_id)
    payload = {
        "id": body.id,
        "claims": [claim.model_dump() for claim in body.claims],
        "formats": list(body.formats),
        "revocation": body.revocation,
    }
    index = tenants.agency_entry(tenant, "credential-type", "publish", payload)
    return LedgerReceipt(index=index, did=tenant.did)


# ------------------------------------------------------------------------------ start-up


def write_credentials_file(path: Path, clients: dict[str, dict[str, Any]]) -> None:
    """Write client credentials to ``path`` (mode 0600), merged with what it already holds."""
    existing: dict[str, Any] = {}
    if path.exists():
        try:
            existing = json.loads(path.read_text())
        except (OSError, ValueError):
            existing = {}
    existing.update(clients)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(json.dumps(existing, indent=2) + "\n")
    tmp.replace(path)


def bootstrap_root(service: TenantService, settings: Settings) -> None:
    """Register the root authority's client on first start; its credentials go to a 0600 file."""
    if service.ledger.root_key is None:
        return
    created = service.ensure_root()
    if created is None:
        return
    tenant, secret = created
    path = settings.var_dir / "root-credentials.json"
    write_credentials_file(
        path,
        {
            tenant.tenant_id: {
                "kind": tenant.kind,
                "did": tenant.did,
                "client_id": tenant.client_id,
                "client_secret": secret,
            }
        },
    )
    _log.info("root authority client credentials written to %s (mode 0600)", path)


def start_tenants(ledger: LedgerService, settings: Settings) -> TenantService:
    """The tenant service for a started ledger, with the root client registered."""
    service = TenantService(ledger, load_secret(settings.secret_file))
    bootstrap_root(service, settings)
    return service
