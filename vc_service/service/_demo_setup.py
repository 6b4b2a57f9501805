"""The demonstration set-up: a root authority, two agencies and a bank, created on first start.

``chancery serve --demo`` (what ``make run`` runs) calls :func:`ensure_demo` when the service
starts. On a service with no agency yet it registers

* the civil registry (tenant ``civil-registry``), accredited on the ledger for and publishing the
  credential type ``identity`` (eight claims, the birth date comparable by predicates);
* the education ministry (``education-ministry``), accredited for and publishing ``degree``;
* the bank (``bank``), a relying party;

and writes every client's credentials, with the root authority's, to
``<var_dir>/demo-credentials.json`` (mode 0600). The same function builds the fixtures of the
service tests, so the demonstration is exercised by the suite.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from ._auth import TenantService, write_credentials_file
from ._settings import Settings

__all__ = ["DEGREE_CLAIMS", "DEMO_FILE", "IDENTITY_CLAIMS", "ensure_demo", "setup_demo"]

_log = logging.getLogger("chancery.service")

DEMO_FILE = "demo-credentials.json"

#: The identity credential's claims (name, kind, predicate).
IDENTITY_CLAIMS: tuple[tuple[str, str, bool], ...] = (
    ("given_name", "string", False),
    ("family_name", "string", False),
    ("birthdate", "date", True),
    ("place_of_birth", "string", False),
    ("nationality", "string", False),
    ("address", "string", False),
    ("sex", "string", False),
    ("personal_number", "string", False),
)
DEGREE_CLAIMS: tuple[tuple[str, str, bool], ...] = (
    ("holder_name", "string", False),
    ("degree", "string", False),
    ("field_of_study", "string", False),
    ("institution", "string", False),
    ("awarded_on", "date", True),
    ("grade", "string", False),
)
_FORMATS = ["dc+sd-jwt", "eddsa-rdfc-2022", "bbs-2023"]


def _publish(service: TenantService, agency: str, type_id: str, claims: Any) -> None:
    tenant = service.agency(agency)
    payload = {
        "id": type_id,
        "claims": [{"name": n, "kind": k, "predicate": p} for n, k, p in claims],
        "formats": _FORMATS,
        "revocation": "token-status-list",
    }
    service.agency_entry(tenant, "credential-type", "publish", payload)


def setup_demo(service: TenantService) -> dict[str, dict[str, Any]]:
    """Register the demonstration tenants and their ledger records; their client credentials."""
    clients: dict[str, dict[str, Any]] = {}
    until = datetime.now(UTC) + timedelta(days=365)
    for tenant_id, name, type_id, claims in (
        ("civil-registry", "Civil Registry", "identity", IDENTITY_CLAIMS),
        ("education-ministry", "Ministry of Education", "degree", DEGREE_CLAIMS),
    ):
        tenant, secret = service.create_agency(tenant_id, name)
        service.accredit(tenant_id, [type_id], until)
        _publish(service, tenant_id, type_id, claims)
        clients[tenant_id] = {
            "kind": "agency",
            "name": name,
            "did": tenant.did,
            "credential_type": type_id,
            "client_id": tenant.client_id,
            "client_secret": secret,
        }
    bank, secret = service.create_relying_party("bank", "Bank")
    clients["bank"] = {
        "kind": "relying_party",
        "name": "Bank",
        "client_id": bank.client_id,
        "client_secret": secret,
    }
    return clients


def ensure_demo(service: TenantService, settings: Settings) -> bool:
    """Create the demonstration set-up unless an agency exists; ``True`` if it was created."""
    if service.store.list("agency"):
        path = settings.var_dir / DEMO_FILE
        if path.exists():
            _log.info("demonstration tenants exist; their client credentials are in %s", path)
        return False
    if service.ledger.root_key is None:
        _log.warning("no root authority key here: the demonstration set-up is skipped")
        return False
    clients = setup_demo(service)
    root = service.store.get("root-authority")
    path = settings.var_dir / DEMO_FILE
    write_credentials_file(path, clients)
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"http://{host}:{settings.port}"
    # Client ids are not secrets; the secrets stay in the 0600 file and never reach the log.
    _log.info("demonstration set-up created; client secrets are in %s (mode 0600)", path)
    for tenant_id, entry in clients.items():
        what = entry.get("credential_type")
        role = f"issues {what!r}" if what else "relying party"
        _log.info("  %-20s %-14s client_id %s", tenant_id, role, entry["client_id"])
    if root is not None:
        _log.info(
            "  %-20s %-14s client_id %s (secret in %s/root-credentials.json)",
            root.tenant_id,
            "administers",
            root.client_id,
            settings.var_dir,
        )
    _log.info(
        "next: get a token with POST %s/oauth/token (client credentials), then follow the "
        "README section 'Issue, hold, present, verify, revoke'; API documentation at %s/docs",
        url,
        url,
    )
    return True
