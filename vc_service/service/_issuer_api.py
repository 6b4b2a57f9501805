"""The issuer over HTTP: OpenID for Verifiable Credential Issuance 1.0 for the agencies.

``specs/http-api.md`` §9. Endpoints (OID4VCI 1.0 section numbers):

* ``POST /issuer/offers`` (agency token, scope ``issue``) -- a Credential Offer (§4.1) of one
  credential type in one or more formats, with a pre-authorized code and a transaction code
  (``tx_code``, §4.1.1) for the citizen, and the offer as a QR code (PNG and SVG);
* ``GET /.well-known/openid-credential-issuer`` -- Credential Issuer Metadata (§12.2), with one
  configuration per published credential type and format;
* ``GET /.well-known/oauth-authorization-server`` -- RFC 8414 metadata with the
  ``pre-authorized_grant_anonymous_access_supported`` parameter (§12.3);
* ``POST /token`` -- the Token Endpoint (§6) for the pre-authorized code grant; errors per
  RFC 6749 §5.2;
* ``POST /nonce`` -- the Nonce Endpoint (§7);
* ``POST /credential`` -- the Credential Endpoint (§8) with a ``jwt`` proof (Appendix F.1);
  errors per §8.3.1.2 and RFC 6750 §3.1;
* ``GET /status-lists/{list_id}`` -- an agency's Status List Token (draft-ietf-oauth-status-list
  §5.1, §8.1) and ``GET /status-lists/{list_id}/{revocation|suspension}`` -- the same entries as
  a W3C ``BitstringStatusListCredential`` (Bitstring Status List v1.0 §2.2) for ``ldp_vc``;
* ``POST /credentials/status`` (agency) -- revoke, suspend or reinstate a credential it issued.

The service issues for every agency registered with it (``_auth.py``): a credential names the
agency's ``did:chancery`` DID as issuer and one of its ledger keys as signer. Before signing, the
ledger must show the agency accredited for the credential type *now*; after signing, the
credential's salted hash is appended to the ledger (``credential-anchor``), and every status
change appends the list's new version (``status-list``), so an auditor can replay what was issued
when and which revocations happened, without learning anything about the citizens.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import threading
import time
import urllib.parse
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

import rfc8785
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from vc_service._bitstring_status import (
    BitstringStatusList,
    status_entry,
    status_list_credential,
)
from vc_service._data_integrity import add_proof
from vc_service._dids import did_jwk
from vc_service._errors import Error, InvalidInput, StatusUnavailable
from vc_service._jose import decode_jws, verify_jws
from vc_service._keys import Key
from vc_service._sd_jwt import issue_sd_jwt_vc
from vc_service._token_status import (
    STATUS_INVALID,
    STATUS_SUSPENDED,
    STATUS_VALID,
    issue_status_list_token,
)
from vc_service._type_context import credential_type_name, register_credential_type
from vc_service.ledger._state import CredentialType, RegistryState

from ._anchor_batch import AnchorBatcher
from ._auth import (
    AGENCY_BBS_KEY,
    AGENCY_SIGNING_KEY,
    AgencyDep,
    TenantsDep,
    TenantService,
    parse_oauth_form,
)
from ._errors import Forbidden, NotFound
from ._issuer_store import (
    STATUS_LIST_SIZE,
    ConfigurationIssued,
    Issued,
    IssuerStore,
    NonceRefused,
    RevocationFinal,
    StatusEntryUnknown,
    StatusListFull,
    TokenRefused,
)
from ._ledger_api import LedgerDep
from ._qr import qr_png, qr_svg
from ._tenants import Tenant

__all__ = [
    "CONFIGURATION_SUFFIXES",
    "PRE_AUTHORIZED_GRANT",
    "PROOF_TYP",
    "STATUS_LIST_MEDIA_TYPE",
    "STATUS_LIST_TTL",
    "VCT_BASE",
    "CredentialStatusChange",
    "IssuerService",
    "LocalStatusSource",
    "OfferCreated",
    "OfferRequest",
    "configuration_id",
    "register_ledger_types",
    "router",
    "vct_of",
]

_log = logging.getLogger("chancery.service")

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
#: OID4VCI 1.0 Appendix F.1: the ``typ`` of a key proof JWT.
PROOF_TYP = "openid4vci-proof+jwt"
#: An SD-JWT VC's ``vct`` is this prefix and the ledger's credential type id.
VCT_BASE = "https://credentials.chancery.local/"
#: How far a proof JWT's ``iat`` may be from the server's clock (seconds).
_PROOF_IAT_SKEW = 300
_CREDENTIAL_LIFETIME = 365 * 24 * 3600
#: draft-ietf-oauth-status-list §8.1: the media type of a Status List Token in JWT format.
STATUS_LIST_MEDIA_TYPE = "application/statuslist+jwt"
#: How long a Relying Party may cache a status list (seconds): the Token's ``ttl`` (§5.1) and
#: the Bitstring credential's validity. Short, so that a revocation reaches verifiers within a
#: minute.
STATUS_LIST_TTL = 60
#: A built status list is reused, while unchanged, for at most this many seconds (well inside
#: its validity, so that what a verifier fetches is never close to expiring).
_REBUILD_AFTER = STATUS_LIST_TTL / 4
_STATUS_LISTS_PATH = "/status-lists/"
_STATUS_VALUES = {"valid": STATUS_VALID, "revoked": STATUS_INVALID, "suspended": STATUS_SUSPENDED}
_BITSTRING_PURPOSES = {"revocation": STATUS_INVALID, "suspension": STATUS_SUSPENDED}
_MAX_BODY = 64 * 1024
_VC_V2 = "https://www.w3.org/ns/credentials/v2"
#: A ``date`` claim: a calendar date, YYYY-MM-DD (not an ISO week or ordinal date).
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

#: The ledger's credential formats this issuer serves, and the suffix of their configuration ids.
CONFIGURATION_SUFFIXES: Mapping[str, str] = {
    "dc+sd-jwt": "sd_jwt",
    "eddsa-rdfc-2022": "ldp_vc",
    "bbs-2023": "bbs",
}
_SUFFIX_FORMATS = {suffix: fmt for fmt, suffix in CONFIGURATION_SUFFIXES.items()}
#: The names an offer request may use for a format.
_FORMAT_NAMES = {
    "dc+sd-jwt": "dc+sd-jwt",
    "ldp_vc": "eddsa-rdfc-2022",
    "eddsa-rdfc-2022": "eddsa-rdfc-2022",
    "bbs-2023": "bbs-2023",
}
_PROOF_TYPES = {"jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}}

router = APIRouter(tags=["issuer"])


def configuration_id(type_id: str, fmt: str) -> str:
    """The OID4VCI credential configuration id of ``type_id`` in the ledger format ``fmt``."""
    return f"{type_id}.{CONFIGURATION_SUFFIXES[fmt]}"


def _split_configuration(value: str) -> tuple[str, str] | None:
    type_id, dot, suffix = value.rpartition(".")
    fmt = _SUFFIX_FORMATS.get(suffix)
    if not dot or not type_id or fmt is None:
        return None
    return type_id, fmt


def vct_of(type_id: str) -> str:
    """The SD-JWT VC type (``vct``) of a ledger credential type."""
    return VCT_BASE + urllib.parse.quote(type_id, safe="")


_REGISTERED: set[str] = set()
_REGISTERED_LOCK = threading.Lock()


def register_ledger_types(state: RegistryState) -> None:
    """Pin the JSON-LD context of every credential type on the ledger (``_type_context``)."""
    for record in state.credential_types():
        if record.id in _REGISTERED:
            continue
        with _REGISTERED_LOCK:
            register_credential_type(record.id, [(c.name, c.kind) for c in record.claims])
            _REGISTERED.add(record.id)


def _configuration(record: CredentialType, fmt: str) -> dict[str, Any]:
    """One entry of ``credential_configurations_supported`` (§12.2.4, Appendix A)."""
    claims = [{"path": [c.name]} for c in record.claims]
    if fmt == "dc+sd-jwt":
        # Appendix A.3.2.
        return {
            "format": "dc+sd-jwt",
            "vct": vct_of(record.id),
            "cryptographic_binding_methods_supported": ["jwk", "did:key"],
            "credential_signing_alg_values_supported": ["EdDSA"],
            "proof_types_supported": _PROOF_TYPES,
            "credential_metadata": {"claims": claims},
        }
    url = register_credential_type(record.id, [(c.name, c.kind) for c in record.claims])
    # Appendix A.1.2: W3C VCs secured with Data Integrity; the "alg" values are cryptosuites.
    return {
        "format": "ldp_vc",
        "credential_definition": {
            "@context": [_VC_V2, url],
            "type": ["VerifiableCredential", credential_type_name(record.id)],
        },
        "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
        "credential_signing_alg_values_supported": [fmt],
        "proof_types_supported": _PROOF_TYPES,
        "credential_metadata": {
            "claims": [{"path": ["credentialSubject", c.name]} for c in record.claims]
        },
    }


def _check_claims(record: CredentialType, claims: Mapping[str, Any]) -> None:
    """The claims are among the type's, each of the kind the ledger says."""
    kinds = {c.name: c.kind for c in record.claims}
    for name, value in claims.items():
        kind = kinds.get(name)
        if kind is None:
            raise InvalidInput(f"claim {name!r} is not a claim of credential type {record.id!r}")
        if kind == "string":
            ok = isinstance(value, str)
        elif kind == "boolean":
            ok = isinstance(value, bool)
        elif kind == "integer":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind == "number":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        else:
            ok = isinstance(value, str) and _DATE.fullmatch(value) is not None
            if ok:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    ok = False
        if not ok:
            raise InvalidInput(
                f"claim {name!r} must be a {kind}" + (" (YYYY-MM-DD)" if kind == "date" else "")
            )


# ------------------------------------------------------------------------------ the service


class _OAuthError(Error):
    """An RFC 6749 §5.2 / OID4VCI §8.3.1.2 error: a JSON ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _jcs_bytes(document: Mapping[str, Any]) -> bytes:
    return rfc8785.dumps(dict(document))


def credential_hash(credential: str | Mapping[str, Any]) -> str:
    """The digest identifying an issued credential: SHA-256 of an SD-JWT's issuer-signed JWT,
    or of the RFC 8785 serialisation of a Data Integrity credential."""
    if isinstance(credential, str):
        return _sha256_hex(credential.split("~", 1)[0].encode("ascii"))
    return _sha256_hex(_jcs_bytes(credential))


def _did_of(tenant: Tenant) -> str:
    if tenant.did is None:
        raise Forbidden(f"{tenant.tenant_id} is not an agency with a DID")
    return tenant.did


class IssuerService:
    """Issuance for the registered agencies: offers, signing, status lists, ledger records."""

    def __init__(self, engine: sa.Engine, tenants: TenantService) -> None:
        self.store = IssuerStore(engine, nonce_key=tenants.nonce_key)
        self.tenants = tenants
        self.anchors = AnchorBatcher(
            lambda tenant, hashes: tenants.sign_agency_entry(
                tenant, "credential-anchor", "anchor", {"hashes": hashes}
            ),
            tenants.append_entries,
            self.store.record_issued,
        )
        # Built lists by (kind, list, …): (the list's change counter, monotonic time, the list).
        self._built: dict[tuple[str, ...], tuple[int, float, Any]] = {}
        self._owners: dict[str, Tenant] = {}
        self._list_ids: dict[str, str] = {}

    # ------------------------------------------------------------------ types and agencies

    def state(self) -> RegistryState:
        """The ledger's registry state, now."""
        return self.tenants.ledger.state()

    def agency_type(self, tenant: Tenant, type_id: str) -> CredentialType:
        """The credential type ``type_id`` of ``tenant``, which must be accredited for it now."""
        state = self.state()
        record = state.credential_type(type_id)
        if record is None:
            raise NotFound(f"credential type {type_id!r} is not published on the ledger")
        if record.agency != tenant.did:
            raise Forbidden(f"credential type {type_id!r} belongs to another agency")
        if record.deprecated is not None:
            raise Forbidden(f"credential type {type_id!r} is deprecated")
        if not state.is_accredited(record.agency, type_id):
            raise Forbidden(f"{tenant.tenant_id} is not accredited for {type_id!r} on the ledger")
        return record

    def configurations(self) -> dict[str, dict[str, Any]]:
        """Every configuration this issuer offers: published, undeprecated types × formats."""
        out: dict[str, dict[str, Any]] = {}
        for record in self.state().credential_types():
            if record.deprecated is not None:
                continue
            for fmt in record.formats:
                if fmt in CONFIGURATION_SUFFIXES:
                    out[configuration_id(record.id, fmt)] = _configuration(record, fmt)
        return out

    # ------------------------------------------------------------------ status lists

    def list_id_for(self, tenant: Tenant) -> str:
        """The id of the agency's status list (created on first use; never changes)."""
        did = _did_of(tenant)
        list_id = self._list_ids.get(did)
        if list_id is None:
            list_id = self._list_ids[did] = self.store.status_list_id(did)
        return list_id

    def _list_owner(self, list_id: str) -> Tenant | None:
        if len(list_id) > 64:
            return None
        owner = self._owners.get(list_id)
        if owner is not None:
            return owner
        did = self.store.status_list_issuer(list_id)
        owner = None if did is None else self.tenants.store.by_did(did)
        if owner is not None:
            # A list never changes hands; remember whose it is.
            self._owners[list_id] = owner
        return owner

    def _cached(self, key: tuple[str, ...], version: int) -> Any:
        """A list built at ``version`` less than :data:`_REBUILD_AFTER` seconds ago, or None."""
        hit = self._built.get(key)
        if hit is None or hit[0] != version or time.monotonic() - hit[1] > _REBUILD_AFTER:
            return None
        return hit[2]

    def status_list_token(self, list_id: str, base: str) -> str | None:
        """The signed Status List Token for ``list_id`` (§5.1), or ``None`` if there is none.

        ``sub`` is the list's URI, ``iat`` the time it was built and ``ttl``
        :data:`STATUS_LIST_TTL`. A built token is reused while the list's change counter (read
        from the database, so a change made by any process counts) is unchanged, for at most
        :data:`_REBUILD_AFTER` seconds.
        """
        owner = self._list_owner(list_id)
        version = self.store.list_version(list_id) if owner is not None else None
        if owner is None or version is None:
            return None
        key = ("token", list_id, base)
        cached = self._cached(key, version)
        if isinstance(cached, str):
            return cached
        status_list = self.store.status_list(list_id)
        if status_list is None:  # pragma: no cover - the version was just read
            return None
        token = issue_status_list_token(
            status_list,
            self.tenants.signing_key(owner),
            kid=f"{owner.did}#{AGENCY_SIGNING_KEY}",
            subject_uri=base + _STATUS_LISTS_PATH + list_id,
            ttl=STATUS_LIST_TTL,
        )
        self._built[key] = (version, time.monotonic(), token)
        return token

    def bitstring_credential(self, list_id: str, purpose: str, base: str) -> dict[str, Any] | None:
        """The signed ``BitstringStatusListCredential`` of ``purpose`` over the list's entries.

        Bitstring Status List v1.0 §2.2, §3.1: bit ``i`` is set when entry ``i`` is revoked
        (purpose ``revocation``) or suspended (``suspension``). Valid for
        :data:`STATUS_LIST_TTL` seconds; reused like the Status List Token.
        """
        wanted = _BITSTRING_PURPOSES.get(purpose)
        owner = self._list_owner(list_id) if wanted is not None else None
        version = self.store.list_version(list_id) if owner is not None else None
        if wanted is None or owner is None or owner.did is None or version is None:
            return None
        key = ("bitstring", list_id, purpose, base)
        cached = self._cached(key, version)
        if isinstance(cached, dict):
            return cached
        bits = BitstringStatusList(STATUS_LIST_SIZE)
        for index in self.store.indexes_with_status(list_id, wanted):
            bits.set(index)
        moment = datetime.now(UTC).replace(microsecond=0)
        unsigned = status_list_credential(
            f"{base}{_STATUS_LISTS_PATH}{list_id}/{purpose}",
            owner.did,
            purpose,
            bits,
            # Valid from a little before it was built, so that a verifier whose clock (or whose
            # "now", fixed when its check began) is slightly behind still accepts it.
            valid_from=moment - timedelta(seconds=STATUS_LIST_TTL),
            valid_until=moment + timedelta(seconds=STATUS_LIST_TTL),
        )
        signed = add_proof(
            unsigned,
            self.tenants.signing_key(owner),
            cryptosuite="eddsa-rdfc-2022",
            verification_method=f"{owner.did}#{AGENCY_SIGNING_KEY}",
            created=moment,
        )
        self._built[key] = (version, time.monotonic(), signed)
        return signed

    def ledger_list_url(self, base: str, list_id: str) -> str:
        """The list's URL as the ledger records it: under ``base`` when that is ``https``, else
        under the ledger origin's host (a development service on plain HTTP), which the ledger
        rules accept as a stable identifier of the list."""
        if base.startswith("https://"):
            return base + _STATUS_LISTS_PATH + list_id
        host = self.tenants.ledger.ledger.origin.split("/", 1)[0]
        return f"https://{host}{_STATUS_LISTS_PATH}{list_id}"

    def publish_list_version(self, tenant: Tenant, list_id: str, base: str) -> int:
        """Append the list's new version to the ledger (``status-list``/``publish``).

        The digest is SHA-256 of the list's uncompressed bytes (draft-ietf-oauth-status-list
        §4.1 layout): the Token and both Bitstring views are derived from those bytes.
        """
        entries = self.store.status_list(list_id)
        if entries is None:  # pragma: no cover - a status change just touched it
            raise NotFound("unknown status list")
        url = self.ledger_list_url(base, list_id)
        with self.tenants.ledger.appending():
            current = self.state().status_list(url)
            version = 1 if current is None else current.version + 1
            payload = {"url": url, "version": version, "digest": _sha256_hex(entries.to_bytes())}
            return self.tenants.agency_entry(tenant, "status-list", "publish", payload)

    # ------------------------------------------------------------------ issuing

    def issue(
        self,
        tenant: Tenant,
        record: CredentialType,
        fmt: str,
        claims: Mapping[str, Any],
        base: str,
        *,
        holder: Key | None = None,
        holder_did: str | None = None,
        document: Mapping[str, Any] | None = None,
        idx: int | None = None,
    ) -> str | dict[str, Any]:
        """Sign one credential, anchor its salted hash on the ledger, record it; return it.

        ``dc+sd-jwt`` binds ``holder`` (``cnf``); ``ldp_vc`` formats name ``holder_did`` as
        ``credentialSubject.id``. ``document`` (VC-API issuance) supplies extra members of a
        Data Integrity credential (``id``, ``name``, …) that are kept as given. ``idx`` is a
        status index already reserved in the agency's list (else one is reserved here).
        """
        did = _did_of(tenant)
        list_id = self.list_id_for(tenant)
        list_uri = base + _STATUS_LISTS_PATH + list_id
        try:
            if idx is None:
                idx = self.store.allocate_status_index(list_id)
        except StatusListFull as exc:
            _log.error("status list %s is full", list_id)
            raise _OAuthError(
                "credential_request_denied", "no status list entry is free", status=503
            ) from exc
        now = datetime.now(UTC).replace(microsecond=0)
        credential: str | dict[str, Any]
        if fmt == "dc+sd-jwt":
            credential = issue_sd_jwt_vc(
                dict(claims),
                self.tenants.signing_key(tenant),
                issuer=did,
                vct=vct_of(record.id),
                kid=f"{did}#{AGENCY_SIGNING_KEY}",
                disclose=_disclose_all(claims),
                holder_key=None if holder is None else holder.public_key(),
                iat=now,
                exp=now + timedelta(seconds=_CREDENTIAL_LIFETIME),
                status={"status_list": {"idx": idx, "uri": list_uri}},
            )
        else:
            credential = self._data_integrity(
                tenant, record, fmt, claims, list_uri, idx, now, holder_did, document
            )
        digest = credential_hash(credential)
        salt = secrets.token_hex(32)
        anchor = _sha256_hex(bytes.fromhex(salt) + bytes.fromhex(digest))
        # The anchor joins the other issuances waiting to be appended (one entry for all of
        # them); the call returns once it is on the ledger and the issuance recorded.
        self.anchors.anchor(
            tenant,
            Issued(
                anchor_hash=anchor,
                credential_hash=digest,
                credential_id=credential.get("id") if isinstance(credential, dict) else None,
                salt=salt,
                tenant_id=tenant.tenant_id,
                type_id=record.id,
                format=fmt,
                list_id=list_id,
                idx=idx,
                issued_at=int(now.timestamp()),
                ledger_index=None,
            ),
        )
        return credential

    def _data_integrity(
        self,
        tenant: Tenant,
        record: CredentialType,
        fmt: str,
        claims: Mapping[str, Any],
        list_uri: str,
        idx: int,
        now: datetime,
        holder_did: str | None,
        document: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        """A VCDM 2.0 credential with an ``eddsa-rdfc-2022`` or ``bbs-2023`` proof."""
        context = register_credential_type(record.id, [(c.name, c.kind) for c in record.claims])
        subject: dict[str, Any] = {} if holder_did is None else {"id": holder_did}
        subject.update(claims)
        unsecured: dict[str, Any] = dict(document or {})
        unsecured.update(
            {
                "@context": [_VC_V2, context],
                "type": ["VerifiableCredential", credential_type_name(record.id)],
                "issuer": tenant.did,
                "validFrom": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "validUntil": (now + timedelta(seconds=_CREDENTIAL_LIFETIME)).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "credentialSubject": subject,
                "credentialStatus": [
                    status_entry(f"{list_uri}/revocation", idx, "revocation"),
                    status_entry(f"{list_uri}/suspension", idx, "suspension"),
                ],
            }
        )
        unsecured.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
        if fmt == "bbs-2023":
            return add_proof(
                unsecured,
                self.tenants.signing_key(tenant, AGENCY_BBS_KEY),
                cryptosuite="bbs-2023",
                verification_method=f"{tenant.did}#{AGENCY_BBS_KEY}",
                created=now,
                # What every presentation shows: who issued it, when it is valid, and where its
                # status is (the status index is a correlation handle; see specs/formats.md).
                mandatory_pointers=["/issuer", "/validFrom", "/validUntil", "/credentialStatus"],
            )
        return add_proof(
            unsecured,
            self.tenants.signing_key(tenant),
            cryptosuite="eddsa-rdfc-2022",
            verification_method=f"{tenant.did}#{AGENCY_SIGNING_KEY}",
            created=now,
        )

    # ------------------------------------------------------------------ status changes

    def change_status(
        self,
        tenant: Tenant,
        credential: str | Mapping[str, Any] | None,
        status: str,
        base: str,
        *,
        credential_id: str | None = None,
    ) -> None:
        """Set the status of a credential ``tenant`` issued (given whole, or by its ``id``), and
        publish the list's new version on the ledger."""
        if credential is not None:
            record = self.store.issued(credential_hash(credential))
        else:
            record = self.store.issued(credential_id=credential_id)
        if record is None:
            raise NotFound("this service has no record of issuing that credential")
        if record.tenant_id != tenant.tenant_id:
            raise Forbidden("the credential was issued by another agency")
        try:
            self.store.set_status(
                record.list_id, record.idx, record.credential_hash, _STATUS_VALUES[status]
            )
        except RevocationFinal as exc:
            raise InvalidInput("the credential is revoked; revocation cannot be undone") from exc
        except StatusEntryUnknown as exc:  # pragma: no cover - the record binds the entry
            raise NotFound("the credential's status list entry is unknown") from exc
        self.publish_list_version(tenant, record.list_id, base)
        _log.info("status list %s index %d set to %s", record.list_id, record.idx, status)


_SERVICE_LOCK = threading.Lock()


async def get_issuer(request: Request, ledger: LedgerDep, tenants: TenantsDep) -> IssuerService:
    """The application's :class:`IssuerService`, created on first use (a FastAPI dependency)."""
    service = getattr(request.app.state, "issuer", None)
    if isinstance(service, IssuerService):
        return service
    with _SERVICE_LOCK:
        service = getattr(request.app.state, "issuer", None)
        if not isinstance(service, IssuerService):
            service = IssuerService(ledger.ledger.store.engine, tenants)
            request.app.state.issuer = service
    return service


IssuerDep = Annotated[IssuerService, Depends(get_issuer)]


def _issuer_url(request: Request) -> str:
    """The Credential Issuer Identifier (§12.2.1): this service's base URL, without a slash."""
    return str(request.base_url).rstrip("/")


class LocalStatusSource:
    """A :class:`vc_service.StatusSource` that serves this service's own status lists.

    In-process: a URI under ``base`` + ``/status-lists/`` is answered from the issuer store, as
    a Status List Token or a Bitstring Status List credential. Any other URI (another issuer's
    list) raises :class:`StatusUnavailable`: the service makes no outbound HTTP requests, so a
    credential with a foreign status list is rejected as "status unavailable" rather than
    accepted unchecked.
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
        """The ``BitstringStatusListCredential`` at ``url`` if it is one of ours (§2.2)."""
        if not url.startswith(self._prefix):
            raise StatusUnavailable(f"{url} is not served here and is not fetched")
        list_id, _, purpose = url[len(self._prefix) :].partition("/")
        credential = self._issuer.bitstring_credential(list_id, purpose, self._base)
        if credential is None:
            raise StatusUnavailable(f"there is no status list at {url}")
        return credential


# ------------------------------------------------------------------------------ wire models


class OfferRequest(BaseModel):
    """``POST /issuer/offers``: the credential type, its formats and the claims about the citizen.

    ``credential_type`` with ``formats`` (default: every format the type was published with), or
    ``credential_configuration_id`` naming one configuration of the metadata.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    credential_type: str | None = Field(default=None, max_length=100)
    formats: list[Literal["dc+sd-jwt", "ldp_vc", "eddsa-rdfc-2022", "bbs-2023"]] | None = Field(
        default=None, min_length=1, max_length=3
    )
    credential_configuration_id: str | None = Field(default=None, max_length=120)
    claims: dict[str, Any]


class OfferCreated(BaseModel):
    """The offer URI for the wallet, the transaction code for the citizen (out of band) and the
    offer as QR codes."""

    model_config = ConfigDict(frozen=True)

    credential_offer_uri: str = Field(description="openid-credential-offer:// URI (§4.1.3)")
    credential_offer: dict[str, Any]
    pre_authorized_code: str
    tx_code: str = Field(description="Give to the citizen out of band, never with the offer")
    offer_id: str = Field(description="The offer's id in the by-reference URLs below")
    credential_offer_reference: str = Field(
        description="openid-credential-offer://?credential_offer_uri=… (§4.1.3): the short "
        "form a QR code carries; the wallet fetches the offer from the issuer"
    )
    qr_svg_url: str = Field(description="GET: the reference as an SVG QR code")
    qr_png_url: str = Field(description="GET: the reference as a PNG QR code")


class CredentialStatusChange(BaseModel):
    """``POST /credentials/status``: a credential the agency issued, and its new status.

    The credential is given whole (an SD-JWT VC string or a Data Integrity credential object),
    or, per the W3C VC API, by its ``credentialId`` with ``credentialStatus``
    ``[{"type": ..., "status": ...}]``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    credential: str | dict[str, Any] | None = Field(
        default=None,
        description="The SD-JWT VC as issued (or its issuer-signed JWT), or the ldp_vc",
    )
    status: Literal["valid", "revoked", "suspended"] | None = None
    credentialId: str | None = Field(default=None, max_length=200)  # noqa: N815 - VC API name
    credentialStatus: list[dict[str, Any]] | None = Field(  # noqa: N815 - VC API name
        default=None, min_length=1, max_length=2
    )


class IssueRequest(BaseModel):
    """``POST /credentials/issue`` (W3C VC API): an unsecured credential and issuing options."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    credential: dict[str, Any]
    options: dict[str, Any] = Field(default_factory=dict)


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


def _disclose_all(claims: Mapping[str, Any]) -> list[str]:
    # RFC 6901 escaping of the top-level member names.
    return ["/" + name.replace("~", "~0").replace("/", "~1") for name in claims]


# ------------------------------------------------------------------------------ endpoints


def _offer_configurations(
    body: OfferRequest, issuer: IssuerService, tenant: Tenant
) -> tuple[CredentialType, list[str]]:
    if (body.credential_type is None) == (body.credential_configuration_id is None):
        raise InvalidInput(
            "give exactly one of 'credential_type' and 'credential_configuration_id'"
        )
    if body.credential_configuration_id is not None:
        split = _split_configuration(body.credential_configuration_id)
        if split is None or body.formats is not None:
            raise NotFound(f"unknown credential configuration {body.credential_configuration_id!r}")
        type_id, fmt = split
        record = issuer.agency_type(tenant, type_id)
        formats = [fmt]
    else:
        record = issuer.agency_type(tenant, str(body.credential_type))
        if body.formats is None:
            formats = [fmt for fmt in record.formats if fmt in CONFIGURATION_SUFFIXES]
        else:
            formats = list(dict.fromkeys(_FORMAT_NAMES[name] for name in body.formats))
    for fmt in formats:
        if fmt not in record.formats:
            raise InvalidInput(f"credential type {record.id!r} is not published in format {fmt!r}")
    if not formats:
        raise InvalidInput(f"credential type {record.id!r} has no format this issuer serves")
    return record, [configuration_id(record.id, fmt) for fmt in formats]


@router.post("/issuer/offers", response_model=OfferCreated, status_code=201)
def create_offer(
    body: OfferRequest, request: Request, principal: AgencyDep, issuer: IssuerDep
) -> OfferCreated:
    """Create a pre-authorized Credential Offer (OID4VCI 1.0 §4.1.1, ``tx_code`` object).

    The agency must be accredited on the ledger for the credential type now; the claims must be
    claims of that type, of the kinds the ledger records.
    """
    tenant = issuer.tenants.agency(principal.tenant_id)
    record, ids = _offer_configurations(body, issuer, tenant)
    if not body.claims:
        raise InvalidInput("'claims' must name at least one claim")
    _check_claims(record, body.claims)
    if "dc+sd-jwt" in record.formats:
        # Issue once now with a throwaway binding so that claims an SD-JWT cannot carry
        # (reserved names like 'iss' or 'cnf') are refused at offer time, not at redemption.
        issue_sd_jwt_vc(
            body.claims,
            issuer.tenants.signing_key(tenant),
            issuer=tenant.did or "",
            vct=vct_of(record.id),
        )
    # Claims of offers that can no longer deliver anything are erased as new ones arrive.
    issuer.store.sweep_if_due()
    offer_id = secrets.token_urlsafe(16)
    code, tx_code = issuer.store.create_offer(
        ids, body.claims, tenant_id=tenant.tenant_id, code=issuer.tenants.offer_code(offer_id)
    )
    base = _issuer_url(request)
    offer = _offer_object(base, ids, code)
    encoded = urllib.parse.quote(json.dumps(offer, separators=(",", ":")), safe="")
    offer_url = f"{base}/issuer/offers/{offer_id}"
    return OfferCreated(
        credential_offer_uri=f"openid-credential-offer://?credential_offer={encoded}",
        credential_offer=offer,
        pre_authorized_code=code,
        tx_code=tx_code,
        offer_id=offer_id,
        credential_offer_reference=_reference(offer_url),
        qr_svg_url=offer_url + "/qr.svg",
        qr_png_url=offer_url + "/qr.png",
    )


def _offer_object(base: str, ids: list[str], code: str) -> dict[str, Any]:
    """The Credential Offer object (§4.1.1) with a pre-authorized code and a ``tx_code``."""
    return {
        "credential_issuer": base,
        "credential_configuration_ids": ids,
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


def _reference(offer_url: str) -> str:
    return "openid-credential-offer://?credential_offer_uri=" + urllib.parse.quote(
        offer_url, safe=""
    )


_SUFFIX_ORDER = {suffix: n for n, suffix in enumerate(CONFIGURATION_SUFFIXES.values())}


def _pending_offer(issuer: IssuerService, offer_id: str) -> tuple[list[str], str]:
    """The configuration ids and the code of the offer ``offer_id``; 404 once it is redeemed
    or expired (the by-reference URL then serves nothing)."""
    if not 8 <= len(offer_id) <= 64:
        raise NotFound("unknown offer")
    code = issuer.tenants.offer_code(offer_id)
    ids = issuer.store.pending_offer(code)
    if not ids:
        raise NotFound("unknown, redeemed or expired offer")
    ids.sort(key=lambda cid: _SUFFIX_ORDER.get(cid.rpartition(".")[2], len(_SUFFIX_ORDER)))
    return ids, code


@router.get("/issuer/offers/{offer_id}")
def offer_by_reference(offer_id: str, request: Request, issuer: IssuerDep) -> JSONResponse:
    """The Credential Offer by reference (OID4VCI 1.0 §4.1.3 ``credential_offer_uri``).

    Public, like the QR code that points here: the id is 128 random bits, and the offer
    redeems nothing without the transaction code given to the citizen separately.
    """
    ids, code = _pending_offer(issuer, offer_id)
    return JSONResponse(
        _offer_object(_issuer_url(request), ids, code), headers={"Cache-Control": "no-store"}
    )


@router.get("/issuer/offers/{offer_id}/qr.{kind}")
def offer_qr_code(offer_id: str, kind: str, request: Request, issuer: IssuerDep) -> Response:
    """The offer's reference URI as a QR code (``svg`` or ``png``), rendered on request."""
    if kind not in ("svg", "png"):
        raise NotFound("a QR code is served as qr.svg or qr.png")
    _pending_offer(issuer, offer_id)
    reference = _reference(f"{_issuer_url(request)}/issuer/offers/{offer_id}")
    headers = {"Cache-Control": "no-store"}
    if kind == "svg":
        return Response(qr_svg(reference), media_type="image/svg+xml", headers=headers)
    return Response(qr_png(reference), media_type="image/png", headers=headers)


@router.get("/.well-known/openid-credential-issuer")
def issuer_metadata(request: Request, issuer: IssuerDep) -> dict[str, Any]:
    """Credential Issuer Metadata (OID4VCI 1.0 §12.2.4)."""
    base = _issuer_url(request)
    return {
        "credential_issuer": base,
        "authorization_servers": [base],
        "credential_endpoint": base + "/credential",
        "nonce_endpoint": base + "/nonce",
        "display": [{"name": "Chancery", "locale": "en"}],
        "credential_configurations_supported": issuer.configurations(),
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


def _token(issuer: IssuerService, raw: bytes) -> dict[str, Any]:
    form = parse_oauth_form(raw, _MAX_BODY, lambda text: _OAuthError("invalid_request", text))
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
async def nonce_endpoint(issuer: IssuerDep) -> JSONResponse:
    """Nonce Endpoint (OID4VCI 1.0 §7.1-§7.2): a fresh ``c_nonce``, never cached.

    On the event loop: minting a nonce is an HMAC and touches no database (see
    :meth:`IssuerStore.new_nonce`), so a hop to the thread pool would cost more than the work.
    """
    return JSONResponse(
        {"c_nonce": issuer.store.new_nonce()}, headers={"Cache-Control": "no-store"}
    )


def _proof_key(header: dict[str, Any]) -> tuple[Key, str]:
    """The key of a proof JWT and the holder's DID: a ``jwk`` (its ``did:jwk``) or a ``did:key``
    or ``did:jwk`` ``kid`` (Appendix F.1), never both."""
    jwk, kid = header.get("jwk"), header.get("kid")
    if (jwk is None) == (kid is None):
        raise _OAuthError("invalid_proof", "the proof header needs exactly one of 'jwk' and 'kid'")
    try:
        if jwk is not None:
            if not isinstance(jwk, dict) or "d" in jwk:
                raise _OAuthError("invalid_proof", "'jwk' must be a public JWK")
            key = Key.from_jwk(jwk)
            return key, did_jwk(key)
        if not isinstance(kid, str):
            raise _OAuthError("invalid_proof", "'kid' must be a DID URL")
        did = kid.split("#", 1)[0]
        if did.startswith("did:key:"):
            return Key.from_multikey(did.removeprefix("did:key:")), did
        if did.startswith("did:jwk:"):
            from vc_service._dids import default_resolver, verification_method_key

            document = default_resolver().resolve(did)
            return verification_method_key(document["verificationMethod"][0]), did
        raise _OAuthError("invalid_proof", "'kid' must be a did:key or did:jwk DID URL")
    except (Error, ValueError, TypeError, KeyError, IndexError) as exc:
        if isinstance(exc, _OAuthError):
            raise
        raise _OAuthError("invalid_proof", f"the proof key is unusable: {exc}") from exc


def _check_proof(issuer: IssuerService, proof: Any, audience: str) -> tuple[Key, str, str]:
    """Verify a ``jwt`` key proof (OID4VCI 1.0 Appendix F.1, F.4); the proven key, its DID and
    the proof's ``nonce`` (consumed by the caller, with the rest of the issuance)."""
    if not isinstance(proof, str):
        raise _OAuthError("invalid_proof", "the proof must be a compact JWT")
    try:
        jws = decode_jws(proof, "proof JWT")
        key, did = _proof_key(jws.unverified_header)
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
    return key, did, nonce


def _credential(issuer: IssuerService, authorization: str | None, raw: bytes, aud: str) -> Any:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _OAuthError("invalid_token", "a Bearer access token is required", status=401)
    token = token.strip()
    offer = issuer.store.offer_for_token(token)
    if offer is None or offer.tenant_id is None:
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
    if configuration not in offer.configuration_ids:
        raise _OAuthError(
            "unknown_credential_configuration",
            "the access token does not cover this credential configuration (or it was issued)",
        )
    proofs = body.get("proofs")
    if "proof" in body or not isinstance(proofs, dict):
        raise _OAuthError("invalid_proof", "'proofs' with one 'jwt' proof is required")
    jwts = proofs.get("jwt")
    if set(proofs) != {"jwt"} or not isinstance(jwts, list) or len(jwts) != 1:
        raise _OAuthError("invalid_proof", "'proofs' must hold exactly one 'jwt' proof")
    holder, holder_did, nonce = _check_proof(issuer, jwts[0], aud)
    split = _split_configuration(configuration)
    tenant = issuer.tenants.store.get(offer.tenant_id)
    if split is None or tenant is None:  # pragma: no cover - offers name our configurations
        raise _OAuthError("unknown_credential_configuration", "unknown configuration")
    type_id, fmt = split
    try:
        # Accreditation is checked again now: it may have been suspended since the offer.
        record = issuer.agency_type(tenant, type_id)
    except (Forbidden, NotFound) as exc:
        raise _OAuthError("credential_request_denied", str(exc), status=403) from exc
    list_id = issuer.list_id_for(tenant)
    try:
        idx = issuer.store.begin_issuance(nonce, offer, configuration, list_id)
    except NonceRefused as exc:
        # §8.3.1.2: the wallet should fetch a new c_nonce and retry.
        raise _OAuthError("invalid_nonce", "the proof 'nonce' is unknown, expired or used") from exc
    except ConfigurationIssued as exc:
        raise _OAuthError(
            "unknown_credential_configuration", "this credential configuration was already issued"
        ) from exc
    except StatusListFull as exc:
        _log.error("status list %s is full", list_id)
        raise _OAuthError(
            "credential_request_denied", "no status list entry is free", status=503
        ) from exc
    credential = issuer.issue(
        tenant, record, fmt, offer.claims, aud, holder=holder, holder_did=holder_did, idx=idx
    )
    issuer.store.sweep_if_due()
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


@router.get("/status-lists/{list_id}/{purpose}")
def bitstring_status_list_endpoint(
    list_id: str, purpose: str, request: Request, issuer: IssuerDep
) -> JSONResponse:
    """The list as a ``BitstringStatusListCredential`` (Bitstring Status List v1.0 §2.2)."""
    credential = issuer.bitstring_credential(list_id, purpose, _issuer_url(request))
    if credential is None:
        raise NotFound("unknown status list")
    return JSONResponse(
        credential,
        media_type="application/vc",
        headers={"Cache-Control": f"max-age={STATUS_LIST_TTL // 2}"},
    )


_VC_API_STATUS = {"revoked": "revoked", "suspended": "suspended", "valid": "valid"}


def _change_target(body: CredentialStatusChange) -> tuple[str | dict[str, Any] | None, str]:
    """The credential (or ``None`` when named by ``credentialId``) and the new status."""
    if body.credential is not None:
        if body.status is None or body.credentialStatus is not None or body.credentialId:
            raise InvalidInput("give 'credential' with 'status' (and nothing else)")
        return body.credential, body.status
    if body.credentialId is None or body.credentialStatus is None or body.status is not None:
        raise InvalidInput(
            "give 'credential' and 'status', or 'credentialId' and 'credentialStatus'"
        )
    wanted = {item.get("status") for item in body.credentialStatus}
    if len(wanted) != 1 or not isinstance(next(iter(wanted)), str):
        raise InvalidInput("'credentialStatus' must ask for one status")
    status = _VC_API_STATUS.get(str(next(iter(wanted))))
    if status is None:
        raise InvalidInput("a status is 'valid', 'revoked' or 'suspended'")
    return None, status


@router.post("/credentials/status")
def change_credential_status(
    body: CredentialStatusChange, request: Request, principal: AgencyDep, issuer: IssuerDep
) -> dict[str, str]:
    """Revoke, suspend or reinstate a credential this agency issued (W3C VC API
    ``POST /credentials/status``; the status values of draft-ietf-oauth-status-list §7.1).

    The credential is looked up in the issuance record by its digest, so only a credential this
    service issued for the calling agency is touched. Revocation is final: a revoked credential
    can be neither suspended nor reinstated. The list's new version goes to the ledger.
    """
    credential, status = _change_target(body)
    tenant = issuer.tenants.agency(principal.tenant_id)
    issuer.change_status(
        tenant, credential, status, _issuer_url(request), credential_id=body.credentialId
    )
    return {"status": status}


@router.post("/credentials/issue", status_code=201)
def issue_credential(
    body: IssueRequest, request: Request, principal: AgencyDep, issuer: IssuerDep
) -> dict[str, Any]:
    """Issue a Data Integrity credential directly (W3C VC API ``POST /credentials/issue``).

    ``credential.type`` names a credential type the agency is accredited for (its JSON-LD type,
    e.g. ``IdentityCredential``); ``credentialSubject`` holds the claims (and optionally the
    holder's ``id``). ``options.cryptosuite`` is ``eddsa-rdfc-2022`` (default) or ``bbs-2023``.
    The issuer, contexts, validity and status are set by the service.
    """
    tenant = issuer.tenants.agency(principal.tenant_id)
    unsecured = body.credential
    options = body.options
    suite = options.get("cryptosuite", "eddsa-rdfc-2022")
    if suite not in ("eddsa-rdfc-2022", "bbs-2023"):
        raise InvalidInput("options.cryptosuite must be 'eddsa-rdfc-2022' or 'bbs-2023'")
    unknown = set(options) - {"cryptosuite", "credentialId"}
    if unknown:
        raise InvalidInput(f"unsupported options: {sorted(unknown)}")
    types = unsecured.get("type")
    names = types if isinstance(types, list) else [types]
    wanted = {
        credential_type_name(record.id): record
        for record in issuer.state().credential_types()
        if record.agency == tenant.did
    }
    matches = [wanted[name] for name in names if isinstance(name, str) and name in wanted]
    if len(matches) != 1:
        raise InvalidInput(
            "credential.type must name exactly one of this agency's credential types"
        )
    record = issuer.agency_type(tenant, matches[0].id)
    if suite not in record.formats:
        raise InvalidInput(f"credential type {record.id!r} is not published in {suite!r}")
    subject = unsecured.get("credentialSubject")
    if not isinstance(subject, dict):
        raise InvalidInput("credential.credentialSubject must be an object")
    claims = {k: v for k, v in subject.items() if k != "id"}
    holder_did = subject.get("id")
    if holder_did is not None and not (
        isinstance(holder_did, str) and holder_did.startswith("did:")
    ):
        raise InvalidInput("credentialSubject.id must be a DID")
    _check_claims(record, claims)
    extra = {k: v for k, v in unsecured.items() if k in ("id", "name", "description")}
    if "credentialId" in options:
        extra["id"] = options["credentialId"]
    credential = issuer.issue(
        tenant, record, suite, claims, _issuer_url(request), holder_did=holder_did, document=extra
    )
    return {"verifiableCredential": credential}
