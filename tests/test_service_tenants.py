"""Tenants, OAuth 2.0 client credentials, accreditation and agency issuance, over HTTP.

``specs/http-api.md`` §9-§10: ``POST /oauth/token`` (RFC 6749 §4.4), bearer tokens (RFC 6750),
the root authority's ``/admin`` endpoints, credential types published by accredited agencies,
OID4VCI 1.0 issuance in ``dc+sd-jwt``, ``ldp_vc`` (eddsa-rdfc-2022) and ``bbs-2023``, the
ledger records of every issuance and status change, Bitstring Status List views and the W3C VC
API ``POST /credentials/issue`` and ``POST /credentials/status``.

Most tests share one service on SQLite (module scope) and measure ledger changes as deltas;
the key journey also runs on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import rfc8785
import sqlalchemy as sa
from _service_setup import IDENTITY_CLAIMS, clients, demo_settings, headers
from _services import POSTGRES_URL, postgres_reachable, require_or_skip
from starlette.exceptions import StarletteDeprecationWarning

import vc_service
from vc_service._bitstring_status import BitstringStatusList, check_status
from vc_service._errors import Revoked, Suspended
from vc_service._jose import decode_jws, sign_jws
from vc_service._keys import Key
from vc_service.service import Settings, create_app
from vc_service.service._issuer_api import LocalStatusSource, register_ledger_types
from vc_service.service._issuer_store import metadata as issuer_metadata
from vc_service.service._migrations import head_revision, migrate
from vc_service.service._tenants import metadata as tenants_metadata
from wallet_sdk import Wallet
from wallet_sdk._oid4vci import receive_all

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

ISSUER = "http://testserver"
GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROBLEM = "application/problem+json"
PROBLEMS = "https://chancery.local/problems/"
FORMATS = ["dc+sd-jwt", "ldp_vc", "bbs-2023"]
CONFIGURATIONS = ["identity.sd_jwt", "identity.ldp_vc", "identity.bbs"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: A credential type with one claim of every kind, for the claim checks.
KINDS_TYPE = {
    "id": "tax-record",
    "claims": [
        {"name": "taxpayer", "kind": "string"},
        {"name": "year", "kind": "integer"},
        {"name": "assessed_on", "kind": "date"},
        {"name": "amount", "kind": "number"},
        {"name": "settled", "kind": "boolean"},
    ],
}
LAND_TYPE = {**KINDS_TYPE, "id": "land-title"}
KINDS_CLAIMS = {
    "taxpayer": "Anna Maria Eriksson",
    "year": 2025,
    "assessed_on": "2026-03-01",
    "amount": 1234.5,
    "settled": True,
}

#: Bad-input rows for ``tests/test_service_errors.py`` ``_SWEEP`` (method, path, query, status,
#: parameter): methods the tenant endpoints do not serve.
SWEEP_ROWS: list[tuple[str, str, dict[str, str], int, str | None]] = [
    ("PUT", "/oauth/token", {}, 405, None),
    ("GET", "/admin/accreditations", {}, 405, None),
    ("GET", "/issuer/credential-types", {}, 405, None),
    ("POST", "/status-lists/unknown/revocation", {}, 405, None),
]


# --------------------------------------------------------------------------- helpers


def _problem(response: Any, status: int, slug: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM, response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if slug is not None:
        assert body["type"] == PROBLEMS + slug, body
    return body


def _oauth_error(response: Any, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


def _client_token(client: TestClient, client_id: str, secret: str, **form: str) -> Any:
    return client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", **form},
        auth=(client_id, secret),
    )


def _bearer(client: TestClient, created: dict[str, Any]) -> dict[str, str]:
    response = _client_token(client, created["client_id"], created["client_secret"])
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _state(client: TestClient) -> dict[str, Any]:
    state: dict[str, Any] = client.get("/ledger/state").json()["state"]
    return state


def _anchor_count(client: TestClient) -> int:
    return int(_state(client)["anchors"]["count"])


def _new_tenant(client: TestClient, kind: str = "agency") -> dict[str, Any]:
    tenant_id = f"t-{secrets.token_hex(4)}"
    response = client.post(
        "/admin/tenants",
        json={"tenant_id": tenant_id, "kind": kind, "name": f"Tenant {tenant_id}"},
        headers=headers(client, "root-authority"),
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _offer(
    client: TestClient,
    auth: dict[str, str],
    type_id: str = "identity",
    claims: dict[str, Any] | None = None,
    formats: list[str] | None = None,
) -> Any:
    body: dict[str, Any] = {
        "credential_type": type_id,
        "claims": IDENTITY_CLAIMS if claims is None else claims,
    }
    if formats is not None:
        body["formats"] = formats
    return client.post("/issuer/offers", json=body, headers=auth)


def _redeem(client: TestClient, offer: dict[str, Any]) -> str:
    response = client.post(
        "/token",
        data={
            "grant_type": GRANT,
            "pre-authorized_code": offer["pre_authorized_code"],
            "tx_code": offer["tx_code"],
        },
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _proof(client: TestClient, holder: Key) -> str:
    nonce = client.post("/nonce").json()["c_nonce"]
    return sign_jws(
        {"typ": "openid4vci-proof+jwt", "kid": f"{holder.did_key()}#{holder.multikey()}"},
        {"aud": ISSUER, "iat": int(time.time()), "nonce": nonce},
        holder,
    )


def _request_credential(client: TestClient, token: str, configuration: str, holder: Key) -> Any:
    return client.post(
        "/credential",
        json={
            "credential_configuration_id": configuration,
            "proofs": {"jwt": [_proof(client, holder)]},
        },
        headers={"Authorization": f"Bearer {token}"},
    )


def _credential_digest(credential: str | dict[str, Any]) -> str:
    """SHA-256 of the issuer-signed JWT or of the JCS of a Data Integrity credential."""
    if isinstance(credential, str):
        return hashlib.sha256(credential.split("~", 1)[0].encode()).hexdigest()
    return hashlib.sha256(rfc8785.dumps(credential)).hexdigest()


def _last_entry(client: TestClient) -> dict[str, Any]:
    size = client.get("/ledger/state").json()["size"]
    decoded: dict[str, Any] = client.get(f"/ledger/entries/{size - 1}").json()["decoded"]
    return decoded


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Settings]]:
    """One demonstration service on SQLite for the module."""
    settings = demo_settings(tmp_path_factory.mktemp("tenants"))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        register_ledger_types(client.app.state.ledger.state())  # type: ignore[attr-defined]
        yield client, settings


@pytest.fixture(scope="module")
def client(service: tuple[TestClient, Settings]) -> TestClient:
    return service[0]


@pytest.fixture(scope="module")
def civil(client: TestClient) -> dict[str, str]:
    return headers(client, "civil-registry")


@pytest.fixture(scope="module")
def tax_agency(client: TestClient) -> dict[str, str]:
    """A new agency, accredited for and publishing ``tax-record``; its Authorization header."""
    agency = _new_tenant(client)
    granted = client.post(
        "/admin/accreditations",
        json={"agency": agency["tenant_id"], "types": ["tax-record"]},
        headers=headers(client, "root-authority"),
    )
    assert granted.status_code == 201, granted.text
    auth = _bearer(client, agency)
    published = client.post("/issuer/credential-types", json=KINDS_TYPE, headers=auth)
    assert published.status_code == 201, published.text
    register_ledger_types(client.app.state.ledger.state())  # type: ignore[attr-defined]
    return auth


@pytest.fixture(scope="module")
def issuance(client: TestClient, civil: dict[str, str]) -> dict[str, Any]:
    """One offer of ``identity`` in all three formats, redeemed through the OID4VCI endpoints.

    Records the anchor count and the last ledger entry after each credential.
    """
    response = _offer(client, civil, formats=FORMATS)
    assert response.status_code == 201, response.text
    offer = response.json()
    token = _redeem(client, offer)
    holder = Key.generate("ed25519")
    out: dict[str, Any] = {"offer": offer, "holder": holder, "token": token}
    counts = [_anchor_count(client)]
    for configuration in offer["credential_offer"]["credential_configuration_ids"]:
        issued = _request_credential(client, token, configuration, holder)
        assert issued.status_code == 200, issued.text
        out[configuration] = issued.json()["credentials"][0]["credential"]
        counts.append(_anchor_count(client))
        out[f"{configuration} entry"] = _last_entry(client)
    out["counts"] = counts
    return out


# --------------------------------------------------------------------------- OAuth 2.0


def test_client_credentials_by_basic_and_by_form(
    client: TestClient, service: tuple[TestClient, Settings]
) -> None:
    entry = clients(service[1])["civil-registry"]
    basic = _client_token(client, entry["client_id"], entry["client_secret"])
    form = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": entry["client_id"],
            "client_secret": entry["client_secret"],
        },
    )
    for response in (basic, form):
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["scope"] == "issue"
        assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
        auth = {"Authorization": f"Bearer {body['access_token']}"}
        assert _offer(client, auth).status_code == 201
    assert basic.json()["access_token"] != form.json()["access_token"]
    narrowed = _client_token(client, entry["client_id"], entry["client_secret"], scope="issue")
    assert narrowed.status_code == 200 and narrowed.json()["scope"] == "issue"


def test_client_authentication_failures_are_invalid_client(
    client: TestClient, service: tuple[TestClient, Settings]
) -> None:
    entry = clients(service[1])["civil-registry"]
    basic = _client_token(client, entry["client_id"], "wrong-secret")
    _oauth_error(basic, 401, "invalid_client")
    assert basic.headers["www-authenticate"].startswith("Basic")
    form = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": entry["client_id"],
            "client_secret": "wrong-secret",
        },
    )
    _oauth_error(form, 400, "invalid_client")
    unknown = _client_token(client, "nobody-00000000", entry["client_secret"])
    _oauth_error(unknown, 401, "invalid_client")
    # Another tenant's secret does not open this client.
    bank = clients(service[1])["bank"]
    _oauth_error(
        _client_token(client, entry["client_id"], bank["client_secret"]), 401, "invalid_client"
    )
    anonymous = client.post("/oauth/token", data={"grant_type": "client_credentials"})
    _oauth_error(anonymous, 401, "invalid_client")


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password", "username": "a", "password": "b"}, "unsupported_grant_type"),
        ({"grant_type": GRANT}, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "scope": "admin"}, "invalid_scope"),
        ({"grant_type": "client_credentials", "scope": "issue verify"}, "invalid_scope"),
        ({"grant_type": "client_credentials", "scope": ""}, "invalid_scope"),
        ({}, "invalid_request"),
    ],
    ids=["password", "pre-authorized", "admin-scope", "extra-scope", "empty-scope", "no-grant"],
)
def test_token_request_errors(
    client: TestClient, service: tuple[TestClient, Settings], form: dict[str, str], error: str
) -> None:
    entry = clients(service[1])["civil-registry"]
    response = client.post(
        "/oauth/token", data=form, auth=(entry["client_id"], entry["client_secret"])
    )
    _oauth_error(response, 400, error)


def test_a_repeated_token_parameter_is_invalid_request(
    client: TestClient, service: tuple[TestClient, Settings]
) -> None:
    entry = clients(service[1])["civil-registry"]
    for body in (
        "grant_type=client_credentials&grant_type=client_credentials",
        "grant_type=client_credentials&scope=issue&scope=issue",
    ):
        response = client.post(
            "/oauth/token",
            content=body.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            auth=(entry["client_id"], entry["client_secret"]),
        )
        _oauth_error(response, 400, "invalid_request")


@pytest.mark.parametrize("token", ["garbage", "x" * 500, "Zm9vOmJhcg"])
def test_an_unknown_bearer_token_is_a_401_challenge(client: TestClient, token: str) -> None:
    response = _offer(client, {"Authorization": f"Bearer {token}"})
    _problem(response, 401, "unauthorized")
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer") and 'error="invalid_token"' in challenge


def test_a_missing_or_malformed_authorization_is_a_401(client: TestClient) -> None:
    missing = _offer(client, {})
    _problem(missing, 401, "unauthorized")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert "error=" not in missing.headers["www-authenticate"]
    basic = _offer(client, {"Authorization": "Basic Zm9vOmJhcg=="})
    _problem(basic, 401, "unauthorized")


def test_a_relying_party_token_cannot_offer(client: TestClient) -> None:
    response = _offer(client, headers(client, "bank"))
    _problem(response, 403, "insufficient-scope")
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    for path in ("/credentials/issue", "/credentials/status", "/issuer/credential-types"):
        _problem(client.post(path, json={}, headers=headers(client, "bank")), 403)


# --------------------------------------------------------------------------- root admin


def test_the_root_registers_an_agency_with_a_ledger_did(client: TestClient) -> None:
    root = headers(client, "root-authority")
    created = client.post(
        "/admin/tenants",
        json={"tenant_id": "land-registry", "kind": "agency", "name": "Land Registry"},
        headers=root,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["tenant_id"] == "land-registry" and body["kind"] == "agency"
    assert body["did"].startswith("did:chancery:")
    assert len(body["client_secret"]) >= 32
    did = body["did"]
    resolved = client.get(f"/1.0/identifiers/{did}")
    assert resolved.status_code == 200, resolved.text
    document = resolved.json()["didDocument"]
    assert document["id"] == did
    methods = {method["id"]: method for method in document["verificationMethod"]}
    assert set(methods) == {f"{did}#key-1", f"{did}#key-2"}
    types = {
        ref: Key.from_multikey(method["publicKeyMultibase"]).type for ref, method in methods.items()
    }
    assert types == {f"{did}#key-1": "ed25519", f"{did}#key-2": "bls12381g2"}
    # The BLS12-381 key only asserts (bbs-2023 credentials); it never authenticates or signs
    # ledger entries.
    for relationship in ("authentication", "capabilityInvocation", "capabilityDelegation"):
        assert document.get(relationship, []) == [f"{did}#key-1"], relationship
    assert sorted(document["assertionMethod"]) == [f"{did}#key-1", f"{did}#key-2"]
    # The secret works once given, and is never shown again.
    token = _client_token(client, body["client_id"], body["client_secret"])
    assert token.status_code == 200 and token.json()["scope"] == "issue"
    listed = client.get("/admin/tenants", headers=root)
    assert listed.status_code == 200
    entries = {tenant["tenant_id"]: tenant for tenant in listed.json()}
    assert {"root-authority", "civil-registry", "education-ministry", "bank"} <= set(entries)
    assert entries["land-registry"] == {
        "tenant_id": "land-registry",
        "kind": "agency",
        "name": "Land Registry",
        "did": did,
        "client_id": body["client_id"],
    }
    assert body["client_secret"] not in listed.text
    assert all(
        "client_secret" not in tenant and "secret_hash" not in tenant for tenant in listed.json()
    )


def test_the_root_registers_a_relying_party(client: TestClient) -> None:
    created = _new_tenant(client, "relying_party")
    assert created["did"] is None and created["kind"] == "relying_party"
    token = _client_token(client, created["client_id"], created["client_secret"])
    assert token.status_code == 200 and token.json()["scope"] == "verify"
    auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
    _problem(_offer(client, auth), 403, "insufficient-scope")


def test_a_duplicate_tenant_is_refused_without_touching_the_ledger(client: TestClient) -> None:
    root = headers(client, "root-authority")
    size = client.get("/ledger/state").json()["size"]
    for tenant_id, kind in (
        ("civil-registry", "agency"),
        ("bank", "relying_party"),
        ("bank", "agency"),
    ):
        response = client.post(
            "/admin/tenants",
            json={"tenant_id": tenant_id, "kind": kind, "name": "Again"},
            headers=root,
        )
        body = _problem(response, 400, "invalid-input")
        assert "already exists" in body["detail"]
    assert client.get("/ledger/state").json()["size"] == size


@pytest.mark.parametrize(
    "body",
    [
        {"tenant_id": "Upper-Case", "kind": "agency", "name": "x"},
        {"tenant_id": "ab", "kind": "agency", "name": "x"},
        {"tenant_id": "-edge-", "kind": "agency", "name": "x"},
        {"tenant_id": "new-root", "kind": "root", "name": "x"},
        {"tenant_id": "no-name", "kind": "agency", "name": ""},
        {"tenant_id": "extra-field", "kind": "agency", "name": "x", "did": "did:key:z6Mk"},
        {"tenant_id": 5, "kind": "agency", "name": "x"},
        [],
    ],
    ids=["upper-case", "short", "edge-hyphens", "root-kind", "empty-name", "extra", "int", "list"],
)
def test_bad_tenant_requests_are_400(client: TestClient, body: Any) -> None:
    response = client.post("/admin/tenants", json=body, headers=headers(client, "root-authority"))
    _problem(response, 400)


@pytest.mark.parametrize("tenant", ["civil-registry", "bank"])
def test_only_the_root_administers(client: TestClient, tenant: str) -> None:
    auth = headers(client, tenant)
    requests = [
        ("POST", "/admin/tenants", {"tenant_id": "sneaky", "kind": "agency", "name": "x"}),
        ("GET", "/admin/tenants", None),
        ("POST", "/admin/accreditations", {"agency": "civil-registry", "types": ["degree"]}),
    ]
    for method, path, body in requests:
        response = client.request(method, path, json=body, headers=auth)
        _problem(response, 403, "insufficient-scope")
    root = headers(client, "root-authority")
    assert "sneaky" not in {
        t["tenant_id"] for t in client.get("/admin/tenants", headers=root).json()
    }


# --------------------------------------------------------------------------- accreditation


def test_accreditation_gates_publishing_and_offering(
    client: TestClient, civil: dict[str, str]
) -> None:
    agency = _new_tenant(client)
    auth = _bearer(client, agency)
    # Not accredited: the ledger refuses the type, and the civil registry's type is not its own.
    refused = client.post("/issuer/credential-types", json=LAND_TYPE, headers=auth)
    body = _problem(refused, 409, "entry-refused")
    assert "not-accredited" in body["detail"]
    assert body["rule"] == "not-accredited"
    _problem(_offer(client, auth), 403, "forbidden")
    _problem(_offer(client, auth, "land-title", KINDS_CLAIMS), 404, "not-found")
    # The root accredits it for the type; it publishes and can then offer and issue.
    root = headers(client, "root-authority")
    granted = client.post(
        "/admin/accreditations",
        json={"agency": agency["tenant_id"], "types": ["land-title"]},
        headers=root,
    )
    assert granted.status_code == 201, granted.text
    assert granted.json()["did"] == agency["did"]
    assert _state(client)["accreditations"][agency["did"]]["types"] == ["land-title"]
    published = client.post("/issuer/credential-types", json=LAND_TYPE, headers=auth)
    assert published.status_code == 201, published.text
    assert _state(client)["credential_types"]["land-title"]["agency"] == agency["did"]
    # Published once: the ledger refuses a second publication.
    _problem(
        client.post("/issuer/credential-types", json=LAND_TYPE, headers=auth), 409, "entry-refused"
    )
    offered = _offer(client, auth, "land-title", KINDS_CLAIMS, ["dc+sd-jwt", "ldp_vc"])
    assert offered.status_code == 201, offered.text
    token = _redeem(client, offered.json())
    holder = Key.generate("p256")
    issued = _request_credential(client, token, "land-title.sd_jwt", holder)
    assert issued.status_code == 200, issued.text
    payload = decode_jws(
        issued.json()["credentials"][0]["credential"].split("~")[0]
    ).unverified_claims()
    assert payload["iss"] == agency["did"]
    register_ledger_types(client.app.state.ledger.state())  # type: ignore[attr-defined]
    ldp = _request_credential(client, token, "land-title.ldp_vc", holder)
    assert ldp.status_code == 200, ldp.text
    credential = ldp.json()["credentials"][0]["credential"]
    result = vc_service.verify(credential, resolver=client.app.state.ledger.resolver)  # type: ignore[attr-defined]
    assert result.verified and result.issuer == agency["did"]
    assert credential["credentialSubject"]["year"] == 2025
    # Still not the civil registry's type, and the civil registry cannot offer this one.
    _problem(_offer(client, auth), 403, "forbidden")
    _problem(_offer(client, civil, "land-title", KINDS_CLAIMS), 403, "forbidden")
    # Accrediting it for 'identity' too does not make the civil registry's type its own.
    again = client.post(
        "/admin/accreditations",
        json={"agency": agency["tenant_id"], "types": ["land-title", "identity"]},
        headers=root,
    )
    assert again.status_code == 201, again.text
    _problem(_offer(client, auth), 403, "forbidden")
    assert _offer(client, auth, "land-title", KINDS_CLAIMS).status_code == 201


def test_accrediting_another_type_keeps_the_earlier_ones(client: TestClient) -> None:
    agency = _new_tenant(client)
    root = headers(client, "root-authority")
    first = {"agency": agency["tenant_id"], "types": ["fishing-licence"]}
    assert client.post("/admin/accreditations", json=first, headers=root).status_code == 201
    auth = _bearer(client, agency)
    licence = {"id": "fishing-licence", "claims": [{"name": "holder", "kind": "string"}]}
    assert client.post("/issuer/credential-types", json=licence, headers=auth).status_code == 201
    claims = {"holder": "Anna Maria Eriksson"}
    assert _offer(client, auth, "fishing-licence", claims).status_code == 201
    second = {"agency": agency["tenant_id"], "types": ["hunting-licence"]}
    assert client.post("/admin/accreditations", json=second, headers=root).status_code == 201
    assert _offer(client, auth, "fishing-licence", claims).status_code == 201


def test_an_agency_cannot_offer_another_agencys_type(client: TestClient) -> None:
    ministry = headers(client, "education-ministry")
    _problem(_offer(client, ministry), 403, "forbidden")
    civil = headers(client, "civil-registry")
    degree = {"holder_name": "Anna", "degree": "MSc"}
    _problem(_offer(client, civil, "degree", degree), 403, "forbidden")
    _problem(
        client.post(
            "/issuer/offers",
            json={"credential_configuration_id": "degree.ldp_vc", "claims": degree},
            headers=civil,
        ),
        403,
    )


@pytest.mark.parametrize(
    "body",
    [
        {"agency": "nobody-here", "types": ["x"]},
        {"agency": "bank", "types": ["x"]},
        {"agency": "root-authority", "types": ["x"]},
    ],
    ids=["unknown", "relying-party", "root"],
)
def test_only_agencies_are_accredited(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post(
        "/admin/accreditations", json=body, headers=headers(client, "root-authority")
    )
    _problem(response, 404, "not-found")


@pytest.mark.parametrize(
    "body",
    [
        {"agency": "civil-registry", "types": []},
        {"agency": "civil-registry", "types": ["identity"], "valid_days": 0},
        {"agency": "civil-registry", "types": ["identity"], "valid_days": 100000},
        {"agency": "civil-registry"},
        {"agency": "civil-registry", "types": "identity"},
    ],
    ids=["no-types", "zero-days", "too-many-days", "missing-types", "types-string"],
)
def test_bad_accreditation_requests_are_400(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post(
        "/admin/accreditations", json=body, headers=headers(client, "root-authority")
    )
    _problem(response, 400)


@pytest.mark.parametrize(
    "body",
    [
        {"id": "x", "claims": []},
        {"id": "x", "claims": [{"name": "a", "kind": "blob"}]},
        {"id": "x", "claims": [{"name": "a"}], "formats": ["jpeg"]},
        {"id": "x", "claims": [{"name": "a"}], "revocation": "carrier-pigeon"},
        {"id": "", "claims": [{"name": "a"}]},
        {"claims": [{"name": "a"}]},
    ],
    ids=["no-claims", "bad-kind", "bad-format", "bad-revocation", "empty-id", "no-id"],
)
def test_bad_credential_types_are_400(
    client: TestClient, civil: dict[str, str], body: dict[str, Any]
) -> None:
    size = client.get("/ledger/state").json()["size"]
    _problem(client.post("/issuer/credential-types", json=body, headers=civil), 400)
    assert client.get("/ledger/state").json()["size"] == size


@pytest.mark.parametrize(
    "claims",
    [
        {**IDENTITY_CLAIMS, "favourite_colour": "blue"},
        {**IDENTITY_CLAIMS, "birthdate": "12/08/1974"},
        {**IDENTITY_CLAIMS, "birthdate": "1974-8-12"},
        {**IDENTITY_CLAIMS, "birthdate": "19740812"},
        {**IDENTITY_CLAIMS, "birthdate": "1974-08-12T00:00:00Z"},
        {**IDENTITY_CLAIMS, "birthdate": "1974-02-30"},
        {**IDENTITY_CLAIMS, "birthdate": 19740812},
        {**IDENTITY_CLAIMS, "given_name": 5},
        {**IDENTITY_CLAIMS, "given_name": None},
        {**IDENTITY_CLAIMS, "given_name": ["Anna"]},
        {},
    ],
    ids=[
        "unknown-claim",
        "date-slashes",
        "date-short",
        "date-basic",
        "date-time",
        "date-impossible",
        "date-int",
        "string-int",
        "string-null",
        "string-list",
        "empty",
    ],
)
def test_claims_must_match_the_type(
    client: TestClient, civil: dict[str, str], claims: dict[str, Any]
) -> None:
    _problem(_offer(client, civil, claims=claims), 400)


def test_a_week_date_is_not_a_date_claim(client: TestClient, civil: dict[str, str]) -> None:
    _problem(_offer(client, civil, claims={**IDENTITY_CLAIMS, "birthdate": "1974-W33-1"}), 400)


def test_claim_kinds_are_checked(client: TestClient, tax_agency: dict[str, str]) -> None:
    auth = tax_agency
    assert _offer(client, auth, "tax-record", KINDS_CLAIMS).status_code == 201
    bad: list[dict[str, Any]] = [
        {"year": "2025"},
        {"year": True},
        {"year": 2025.5},
        {"amount": "1234.5"},
        {"amount": False},
        {"settled": "true"},
        {"settled": 1},
        {"assessed_on": "2026-3-1"},
        {"taxpayer": 7},
    ]
    for change in bad:
        response = _offer(client, auth, "tax-record", {**KINDS_CLAIMS, **change})
        body = _problem(response, 400, "invalid-input")
        assert repr(next(iter(change))) in body["detail"], body
    # Integers are numbers too.
    assert _offer(client, auth, "tax-record", {**KINDS_CLAIMS, "amount": 1200}).status_code == 201


# --------------------------------------------------------------------------- OID4VCI issuance


def test_each_configuration_is_issued_once(client: TestClient, issuance: dict[str, Any]) -> None:
    assert issuance["offer"]["credential_offer"]["credential_configuration_ids"] == CONFIGURATIONS
    for configuration in CONFIGURATIONS:
        again = _request_credential(client, issuance["token"], configuration, issuance["holder"])
        _oauth_error(again, 400, "unknown_credential_configuration")
    # Every configuration issued: the token is spent.
    other = _request_credential(client, issuance["token"], "degree.sd_jwt", issuance["holder"])
    assert other.status_code in (400, 401)


def test_the_sd_jwt_names_the_agency_and_binds_the_holder(
    client: TestClient, issuance: dict[str, Any]
) -> None:
    token = issuance["identity.sd_jwt"]
    result = vc_service.verify(token, resolver=client.app.state.ledger.resolver)  # type: ignore[attr-defined]
    assert result.verified
    payload = decode_jws(token.split("~")[0]).unverified_claims()
    assert payload["vct"] == "https://credentials.chancery.local/identity"
    civil_did = _state(client)["credential_types"]["identity"]["agency"]
    assert payload["iss"] == civil_did
    assert payload["cnf"]["jwk"] == issuance["holder"].public_jwk()
    assert payload["status"]["status_list"]["uri"].startswith(ISSUER + "/status-lists/")


def test_the_ldp_vc_verifies_and_names_the_holder(
    client: TestClient, issuance: dict[str, Any]
) -> None:
    credential = issuance["identity.ldp_vc"]
    resolver = client.app.state.ledger.resolver  # type: ignore[attr-defined]
    result = vc_service.verify(credential, resolver=resolver)
    assert result.verified and result.format == "eddsa-rdfc-2022"
    holder_did = issuance["holder"].did_key()
    assert credential["credentialSubject"]["id"] == holder_did
    assert {
        k: v for k, v in credential["credentialSubject"].items() if k != "id"
    } == IDENTITY_CLAIMS
    assert credential["type"] == ["VerifiableCredential", "IdentityCredential"]
    assert credential["issuer"] == _state(client)["credential_types"]["identity"]["agency"]
    assert credential["proof"]["verificationMethod"] == credential["issuer"] + "#key-1"
    entries = credential["credentialStatus"]
    assert [entry["statusPurpose"] for entry in entries] == ["revocation", "suspension"]
    list_urls = {entry["statusListCredential"] for entry in entries}
    list_id = entries[0]["statusListCredential"].split("/")[-2]
    assert list_urls == {
        f"{ISSUER}/status-lists/{list_id}/revocation",
        f"{ISSUER}/status-lists/{list_id}/suspension",
    }
    assert entries[0]["statusListIndex"] == entries[1]["statusListIndex"]
    # The proof covers the subject: a changed claim fails.
    tampered = json.loads(json.dumps(credential))
    tampered["credentialSubject"]["family_name"] = "Andersson"
    with pytest.raises(vc_service.VerificationError):
        vc_service.verify(tampered, resolver=resolver)


def test_the_bbs_credential_derives_a_verifiable_proof(
    client: TestClient, issuance: dict[str, Any]
) -> None:
    credential = issuance["identity.bbs"]
    resolver = client.app.state.ledger.resolver  # type: ignore[attr-defined]
    assert credential["proof"]["cryptosuite"] == "bbs-2023"
    assert credential["proof"]["verificationMethod"] == credential["issuer"] + "#key-2"
    assert credential["credentialSubject"]["id"] == issuance["holder"].did_key()
    # A base proof is for the holder only; the library says so rather than verifying it.
    with pytest.raises(vc_service.InvalidProof):
        vc_service.verify(credential, resolver=resolver)
    derived = vc_service.derive_bbs_proof(
        credential,
        selective_pointers=["/credentialSubject/birthdate", "/credentialSubject/nationality"],
    )
    result = vc_service.verify(derived, resolver=resolver)
    assert result.verified and result.format == "bbs-2023"
    assert result.issuer == credential["issuer"]
    subject = derived["credentialSubject"]
    assert subject["birthdate"] == "1974-08-12" and subject["nationality"] == "SE"
    assert "given_name" not in subject and "personal_number" not in subject
    # The mandatory status entries travel with every derived credential.
    assert derived["credentialStatus"] == credential["credentialStatus"]


def test_the_ldp_vc_configurations_are_in_the_metadata(client: TestClient) -> None:
    configurations = client.get("/.well-known/openid-credential-issuer").json()[
        "credential_configurations_supported"
    ]
    assert {"identity.sd_jwt", "identity.ldp_vc", "identity.bbs", "degree.sd_jwt"} <= set(
        configurations
    )
    ldp = configurations["identity.ldp_vc"]
    assert ldp["format"] == "ldp_vc"
    assert ldp["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]
    assert configurations["identity.bbs"]["credential_signing_alg_values_supported"] == ["bbs-2023"]
    assert ldp["credential_definition"]["type"] == ["VerifiableCredential", "IdentityCredential"]


def test_the_offer_is_served_by_reference_with_qr_codes(tmp_path: Path) -> None:
    with TestClient(create_app(demo_settings(tmp_path)), raise_server_exceptions=False) as client:
        civil = headers(client, "civil-registry")
        response = client.post(
            "/issuer/offers",
            json={"credential_type": "identity", "claims": IDENTITY_CLAIMS},
            headers=civil,
        )
        assert response.status_code == 201, response.text
        offer = response.json()
        url = offer["qr_svg_url"].removesuffix("/qr.svg")
        assert url == f"http://testserver/issuer/offers/{offer['offer_id']}"
        assert offer["credential_offer_reference"] == (
            "openid-credential-offer://?credential_offer_uri=" + quote(url, safe="")
        )
        # OID4VCI §4.1.3: the offer object is served at the reference, as made.
        served = client.get(url.removeprefix("http://testserver"))
        assert served.status_code == 200
        assert served.json() == offer["credential_offer"]
        svg = client.get(offer["qr_svg_url"].removeprefix("http://testserver"))
        assert svg.headers["content-type"] == "image/svg+xml"
        assert svg.text.startswith("<svg") and svg.text.rstrip().endswith("</svg>")
        png = client.get(offer["qr_png_url"].removeprefix("http://testserver")).content
        assert png.startswith(PNG_SIGNATURE) and png[12:16] == b"IHDR"
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert width == height and width >= 4 * (21 + 8)
        # A wallet follows the reference: the QR text alone (plus the tx_code) is enough.
        with Wallet.create(tmp_path / "w", "pass", unsafe_fast_kdf=True) as wallet:
            ids = receive_all(
                wallet, offer["credential_offer_reference"], tx_code=offer["tx_code"], http=client
            )
        assert len(ids) == 3
        # Once redeemed, the reference and its QR codes serve nothing.
        assert client.get(url.removeprefix("http://testserver")).status_code == 404
        assert client.get(offer["qr_png_url"].removeprefix("http://testserver")).status_code == 404
        for bad in ("/issuer/offers/unknown-offer-id", "/issuer/offers/x", "/issuer/offers/a" * 3):
            assert client.get(bad).status_code == 404
        assert client.get(url.removeprefix("http://testserver") + "/qr.gif").status_code == 404


# --------------------------------------------------------------------------- ledger records


def test_every_credential_anchors_a_salted_hash(
    client: TestClient, issuance: dict[str, Any]
) -> None:
    counts = issuance["counts"]
    assert [after - before for before, after in zip(counts, counts[1:], strict=False)] == [1, 1, 1]
    state = client.app.state.ledger.state()  # type: ignore[attr-defined]
    civil_did = _state(client)["credential_types"]["identity"]["agency"]
    for configuration in CONFIGURATIONS:
        entry = issuance[f"{configuration} entry"]
        assert entry["type"] == "credential-anchor"
        assert entry["signer"] == civil_did + "#key-1"
        (anchor,) = entry["payload"]["hashes"]
        found = state.anchor(anchor)
        assert found is not None
        credential = issuance[configuration]
        digest = _credential_digest(credential)
        # Salted: neither the credential's digest nor a plain SHA-256 of it is on the ledger.
        assert anchor != digest
        assert not state.is_anchored(digest)
        whole = credential if isinstance(credential, str) else json.dumps(credential)
        assert anchor != hashlib.sha256(whole.encode()).hexdigest()
        # Nothing of the citizen is in the entry.
        text = json.dumps(entry)
        assert all(value not in text for value in IDENTITY_CLAIMS.values() if len(value) > 4)
        # The issuer's record holds the salt that proves this anchor is this credential.
        record = client.app.state.issuer.store.issued(digest)  # type: ignore[attr-defined]
        assert record is not None and record.anchor_hash == anchor
        assert (
            hashlib.sha256(bytes.fromhex(record.salt) + bytes.fromhex(digest)).hexdigest() == anchor
        )


def test_status_changes_publish_list_versions_and_bitstring_lists(
    client: TestClient, civil: dict[str, str], issuance: dict[str, Any]
) -> None:
    resolver = client.app.state.ledger.resolver  # type: ignore[attr-defined]
    issuer = client.app.state.issuer  # type: ignore[attr-defined]
    credential = issuance["identity.ldp_vc"]
    source = LocalStatusSource(issuer, ISSUER)
    assert vc_service.verify(credential, resolver=resolver, status=source).verified
    list_id = credential["credentialStatus"][0]["statusListCredential"].split("/")[-2]
    ledger_url = f"https://chancery.test/status-lists/{list_id}"
    assert ledger_url not in _state(client)["status_lists"]
    # Another agency cannot touch the civil registry's credential.
    foreign = client.post(
        "/credentials/status",
        json={
            "credentialId": credential["id"],
            "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}],
        },
        headers=headers(client, "education-ministry"),
    )
    _problem(foreign, 403, "forbidden")
    assert ledger_url not in _state(client)["status_lists"]
    # VC API form: revoke by credential id.
    revoked = client.post(
        "/credentials/status",
        json={
            "credentialId": credential["id"],
            "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}],
        },
        headers=civil,
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json() == {"status": "revoked"}
    entry = _last_entry(client)
    assert entry["type"] == "status-list" and entry["payload"]["version"] == 1
    assert _state(client)["status_lists"][ledger_url]["version"] == 1
    # The revocation list credential: signed by the agency, bit set at the credential's index.
    status_entry = credential["credentialStatus"][0]
    fetched = client.get(status_entry["statusListCredential"])
    assert fetched.status_code == 200
    list_credential = fetched.json()
    result = vc_service.verify(list_credential, resolver=resolver)
    assert result.verified and result.issuer == credential["issuer"]
    assert "BitstringStatusListCredential" in list_credential["type"]
    subject = list_credential["credentialSubject"]
    assert subject["statusPurpose"] == "revocation"
    index = int(status_entry["statusListIndex"])
    bits = BitstringStatusList.decode(subject["encodedList"])
    assert bits.get(index) == 1
    assert sum(bits.get(i) for i in range(bits.size)) >= 1
    with pytest.raises(Revoked):
        check_status(status_entry, lambda url: client.get(url).json())
    suspension = client.get(credential["credentialStatus"][1]["statusListCredential"]).json()
    assert (
        BitstringStatusList.decode(suspension["credentialSubject"]["encodedList"]).get(index) == 0
    )
    with pytest.raises(Revoked):
        vc_service.verify(credential, resolver=resolver, status=source)
    # Revocation is final.
    for status in ("valid", "suspended"):
        again = client.post(
            "/credentials/status",
            json={"credentialId": credential["id"], "credentialStatus": [{"status": status}]},
            headers=civil,
        )
        _problem(again, 400, "invalid-input")
    assert _state(client)["status_lists"][ledger_url]["version"] == 1
    # Suspending another credential (the bbs one, given whole) is version 2 of the same list.
    bbs = issuance["identity.bbs"]
    suspended = client.post(
        "/credentials/status", json={"credential": bbs, "status": "suspended"}, headers=civil
    )
    assert suspended.status_code == 200, suspended.text
    assert _state(client)["status_lists"][ledger_url]["version"] == 2
    bbs_entry = bbs["credentialStatus"][1]
    with pytest.raises(Suspended):
        check_status(bbs_entry, lambda url: client.get(url).json())
    # Reinstating a suspension is allowed, and is version 3.
    reinstated = client.post(
        "/credentials/status", json={"credential": bbs, "status": "valid"}, headers=civil
    )
    assert reinstated.status_code == 200, reinstated.text
    assert _state(client)["status_lists"][ledger_url]["version"] == 3
    assert check_status(bbs_entry, lambda url: client.get(url).json()).value == 0


@pytest.mark.parametrize(
    "body",
    [
        {
            "credentialId": "urn:uuid:00000000-0000-0000-0000-000000000000",
            "credentialStatus": [{"status": "revoked"}],
        },
        {"credential": {"id": "x"}, "status": "revoked"},
        {"credential": "eyJhbGciOiJFZERTQSJ9.e30.AAAA", "status": "revoked"},
    ],
    ids=["unknown-id", "unknown-object", "unknown-jwt"],
)
def test_an_unknown_credential_has_no_status_to_change(
    client: TestClient, civil: dict[str, str], body: dict[str, Any]
) -> None:
    _problem(client.post("/credentials/status", json=body, headers=civil), 404, "not-found")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"credentialId": "urn:x"},
        {"credentialId": "urn:x", "credentialStatus": []},
        {
            "credentialId": "urn:x",
            "credentialStatus": [{"status": "revoked"}, {"status": "suspended"}],
        },
        {"credentialId": "urn:x", "credentialStatus": [{"status": "deleted"}]},
        {"credentialId": "urn:x", "credentialStatus": [{"status": 1}]},
        {"credential": {"id": "x"}},
        {"credential": {"id": "x"}, "status": "gone"},
        {"credential": {"id": "x"}, "status": "revoked", "credentialId": "urn:x"},
        {"status": "revoked"},
        [],
    ],
    ids=[
        "empty",
        "no-status",
        "empty-status",
        "two-statuses",
        "unknown-status",
        "int-status",
        "credential-no-status",
        "bad-status",
        "both-forms",
        "status-only",
        "list",
    ],
)
def test_bad_status_changes_are_400(client: TestClient, civil: dict[str, str], body: Any) -> None:
    _problem(client.post("/credentials/status", json=body, headers=civil), 400)


# --------------------------------------------------------------------------- VC API issue


def test_vc_api_issue_in_bbs_2023(client: TestClient, civil: dict[str, str]) -> None:
    before = _anchor_count(client)
    holder = Key.generate("ed25519").did_key()
    response = client.post(
        "/credentials/issue",
        json={
            "credential": {
                "type": ["VerifiableCredential", "IdentityCredential"],
                "credentialSubject": {"id": holder, **IDENTITY_CLAIMS},
            },
            "options": {"cryptosuite": "bbs-2023"},
        },
        headers=civil,
    )
    assert response.status_code == 201, response.text
    credential = response.json()["verifiableCredential"]
    assert credential["proof"]["cryptosuite"] == "bbs-2023"
    assert credential["credentialSubject"]["id"] == holder
    assert _anchor_count(client) == before + 1
    derived = vc_service.derive_bbs_proof(credential, selective_pointers=["/credentialSubject/sex"])
    resolver = client.app.state.ledger.resolver  # type: ignore[attr-defined]
    assert vc_service.verify(derived, resolver=resolver).verified


def test_vc_api_issue_defaults_to_eddsa(client: TestClient, civil: dict[str, str]) -> None:
    response = client.post(
        "/credentials/issue",
        json={
            "credential": {
                "type": ["VerifiableCredential", "IdentityCredential"],
                "credentialSubject": IDENTITY_CLAIMS,
            },
            "options": {"credentialId": "urn:uuid:6a1f2b9e-0d6c-4c0e-9a63-2f6f0d5c8e11"},
        },
        headers=civil,
    )
    assert response.status_code == 201, response.text
    credential = response.json()["verifiableCredential"]
    assert credential["id"] == "urn:uuid:6a1f2b9e-0d6c-4c0e-9a63-2f6f0d5c8e11"
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert "id" not in credential["credentialSubject"]
    resolver = client.app.state.ledger.resolver  # type: ignore[attr-defined]
    assert vc_service.verify(credential, resolver=resolver).verified


@pytest.mark.parametrize(
    "body",
    [
        {
            "credential": {
                "type": ["VerifiableCredential", "DegreeCredential"],
                "credentialSubject": {"degree": "MSc"},
            }
        },
        {"credential": {"type": ["VerifiableCredential"], "credentialSubject": IDENTITY_CLAIMS}},
        {"credential": {"type": "IdentityCredential", "credentialSubject": "Anna"}},
        {"credential": {"type": ["IdentityCredential"], "credentialSubject": {"shoe_size": "42"}}},
        {
            "credential": {
                "type": ["IdentityCredential"],
                "credentialSubject": {**IDENTITY_CLAIMS, "birthdate": "1974"},
            }
        },
        {
            "credential": {
                "type": ["IdentityCredential"],
                "credentialSubject": {"id": "anna", **IDENTITY_CLAIMS},
            }
        },
        {
            "credential": {"type": ["IdentityCredential"], "credentialSubject": IDENTITY_CLAIMS},
            "options": {"cryptosuite": "ecdsa-rdfc-2019"},
        },
        {
            "credential": {"type": ["IdentityCredential"], "credentialSubject": IDENTITY_CLAIMS},
            "options": {"proofPurpose": "authentication"},
        },
        {"credential": "IdentityCredential"},
        {"options": {}},
    ],
    ids=[
        "other-agencys-type",
        "no-type",
        "subject-string",
        "unknown-claim",
        "bad-date",
        "subject-id-not-did",
        "unknown-suite",
        "unknown-option",
        "credential-string",
        "no-credential",
    ],
)
def test_vc_api_issue_refuses_bad_requests(
    client: TestClient, civil: dict[str, str], body: Any
) -> None:
    before = _anchor_count(client)
    _problem(client.post("/credentials/issue", json=body, headers=civil), 400)
    assert _anchor_count(client) == before


def test_vc_api_issue_needs_an_agency_token(client: TestClient) -> None:
    body = {"credential": {"type": ["IdentityCredential"], "credentialSubject": IDENTITY_CLAIMS}}
    _problem(client.post("/credentials/issue", json=body), 401, "unauthorized")
    _problem(client.post("/credentials/issue", json=body, headers=headers(client, "bank")), 403)
    _problem(
        client.post("/credentials/issue", json=body, headers=headers(client, "root-authority")),
        403,
        "insufficient-scope",
    )


# --------------------------------------------------------------------------- storage


def test_the_migrations_create_exactly_the_tenant_and_issuer_metadata(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    assert migrate(engine) == head_revision()
    inspector = sa.inspect(engine)
    tables = set(inspector.get_table_names())
    assert set(tenants_metadata.tables) <= tables
    with engine.connect() as conn:
        for metadata in (tenants_metadata, issuer_metadata):
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_object": lambda o, name, type_, r, c, m=metadata: (
                        type_ != "table" or name in m.tables
                    ),
                },
            )
            assert compare_metadata(context, metadata) == []
    assert {ix["name"] for ix in inspector.get_indexes("oauth_access_tokens")} == {
        "ix_oauth_access_tokens_expires_at"
    }
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("tenants")}
    assert {("did",), ("client_id",)} <= uniques
    engine.dispose()


def test_a_restart_keeps_the_demo_tenants_and_seals_their_keys(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path)
    demo_file = settings.var_dir / "demo-credentials.json"
    with TestClient(create_app(settings), raise_server_exceptions=False) as first:
        listed = first.get("/admin/tenants", headers=headers(first, "root-authority")).json()
        size = first.get("/ledger/state").json()["size"]
        private = first.app.state.tenants.store.key("civil-registry", "key-1").private_jwk()  # type: ignore[attr-defined]
    content = demo_file.read_bytes()
    assert demo_file.stat().st_mode & 0o777 == 0o600
    assert {t["tenant_id"] for t in listed} == {
        "root-authority",
        "civil-registry",
        "education-ministry",
        "bank",
    }
    with TestClient(create_app(settings), raise_server_exceptions=False) as second:
        again = second.get("/admin/tenants", headers=headers(second, "root-authority")).json()
        assert again == listed
        assert second.get("/ledger/state").json()["size"] == size
        # The secrets written on first start still work.
        assert _offer(second, headers(second, "civil-registry")).status_code == 201
    assert demo_file.read_bytes() == content
    engine = sa.create_engine(settings.db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT tenant_id, key_ref, key_type, sealed FROM tenant_keys")
        ).all()
        secrets_stored = conn.execute(sa.text("SELECT secret_hash FROM tenants")).scalars().all()
    engine.dispose()
    assert sorted((r.tenant_id, r.key_ref, r.key_type) for r in rows) == [
        ("civil-registry", "key-1", "ed25519"),
        ("civil-registry", "key-2", "bls12381g2"),
        ("education-ministry", "key-1", "ed25519"),
        ("education-ministry", "key-2", "bls12381g2"),
    ]
    for row in rows:
        sealed = bytes(row.sealed)
        assert b'"d"' not in sealed and b"private JWK" not in sealed
        assert private["d"].encode() not in sealed
    # Client secrets are stored hashed only.
    demo = json.loads(content)
    for entry in demo.values():
        assert entry["client_secret"] not in secrets_stored
        assert hashlib.sha256(entry["client_secret"].encode()).hexdigest() in secrets_stored


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def postgres_url() -> Iterator[str]:
    require_or_skip(postgres_reachable(), f"PostgreSQL is not reachable at {POSTGRES_URL}")
    schema = f"tenants_test_{secrets.token_hex(6)}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = sa.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_tenants_accreditation_and_issuance_on_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    settings = demo_settings(tmp_path, postgres_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as pg:
        root = headers(pg, "root-authority")
        agency = pg.post(
            "/admin/tenants",
            json={"tenant_id": "pg-agency", "kind": "agency", "name": "PG"},
            headers=root,
        ).json()
        _problem(
            pg.post(
                "/admin/tenants",
                json={"tenant_id": "pg-agency", "kind": "agency", "name": "PG"},
                headers=root,
            ),
            400,
        )
        auth = _bearer(pg, agency)
        _problem(
            pg.post("/issuer/credential-types", json=KINDS_TYPE, headers=auth), 409, "entry-refused"
        )
        granted = pg.post(
            "/admin/accreditations",
            json={"agency": "pg-agency", "types": ["tax-record"]},
            headers=root,
        )
        assert granted.status_code == 201, granted.text
        assert pg.post("/issuer/credential-types", json=KINDS_TYPE, headers=auth).status_code == 201
        register_ledger_types(pg.app.state.ledger.state())  # type: ignore[attr-defined]
        offer = _offer(pg, auth, "tax-record", KINDS_CLAIMS, FORMATS)
        assert offer.status_code == 201, offer.text
        token = _redeem(pg, offer.json())
        holder = Key.generate("ed25519")
        before = _anchor_count(pg)
        credentials = {}
        for configuration in ("tax-record.sd_jwt", "tax-record.ldp_vc", "tax-record.bbs"):
            issued = _request_credential(pg, token, configuration, holder)
            assert issued.status_code == 200, issued.text
            credentials[configuration] = issued.json()["credentials"][0]["credential"]
            again = _request_credential(pg, token, configuration, holder)
            _oauth_error(again, 400, "unknown_credential_configuration")
        assert _anchor_count(pg) == before + 3
        resolver = pg.app.state.ledger.resolver  # type: ignore[attr-defined]
        ldp = credentials["tax-record.ldp_vc"]
        assert vc_service.verify(ldp, resolver=resolver).verified
        assert ldp["credentialSubject"]["id"] == holder.did_key()
        revoked = pg.post(
            "/credentials/status",
            json={"credentialId": ldp["id"], "credentialStatus": [{"status": "revoked"}]},
            headers=auth,
        )
        assert revoked.status_code == 200, revoked.text
        with pytest.raises(Revoked):
            check_status(ldp["credentialStatus"][0], lambda url: pg.get(url).json())
        versions = [record["version"] for record in _state(pg)["status_lists"].values()]
        assert versions == [1]


def test_a_checked_token_is_reused_briefly_and_never_past_its_expiry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vc_service.service import _tenants

    engine = sa.create_engine(f"sqlite:///{tmp_path / 't.db'}")
    tenants_metadata.create_all(engine)
    store = _tenants.TenantStore(engine, secrets.token_bytes(32))
    tenant, _ = store.create("bank-two", "relying_party", "Bank")
    token, _ = store.issue_token(tenant, frozenset({"verify"}))
    clock = [1_000_000.0]
    monkeypatch.setattr(_tenants.time, "time", lambda: clock[0])
    with engine.begin() as conn:  # the token expires 2 s from "now"
        conn.execute(sa.text("UPDATE oauth_access_tokens SET expires_at = :t"), {"t": 1_000_002})
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    grant = store.check_token(token)
    assert grant is not None and grant.tenant.tenant_id == "bank-two"
    reads = len(statements)
    clock[0] += 1  # within the cache time and the token's life: no database read
    assert store.check_token(token) == grant and len(statements) == reads
    clock[0] += 1.5  # past the token's expiry (before the 5 s cache time): refused
    assert store.check_token(token) is None
    assert store.check_token("unknown") is None
    engine.dispose()
