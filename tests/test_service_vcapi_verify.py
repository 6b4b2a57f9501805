"""W3C VC API verification: ``POST /credentials/verify`` and ``POST /presentations/verify``.

Credentials come from the service's civil registry (VC API issuance, a did:chancery issuer
accredited on the ledger) and from the library with a did:key issuer. A credential that fails
is ``200`` with ``verified: false`` and the failed check; input that is not a credential is a
``400`` problem; callers authenticate as a relying party.
"""

from __future__ import annotations

import copy
import urllib.parse
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from _service_setup import IDENTITY_CLAIMS, demo_settings, headers
from starlette.exceptions import StarletteDeprecationWarning

import vc_service
from vc_service import Key
from vc_service.service import create_app
from vc_service.service._vcapi_verify import router as vcapi_router

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

PROBLEMS = "https://www.w3.org/TR/vc-data-model#"

#: Bad input for the sweep in tests/test_service_errors.py (method, path, params, status,
#: parameter): without a bearer token every one of these is refused before the body is read.
SWEEP_ROWS: list[tuple[str, str, dict[str, str], int, str | None]] = [
    ("POST", "/credentials/verify", {}, 401, None),
    ("GET", "/credentials/verify", {}, 405, None),
    ("POST", "/presentations/verify", {}, 401, None),
    ("POST", "/presentations/verify", {"challenge": "x"}, 401, None),
    ("GET", "/presentations/verify", {}, 405, None),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(demo_settings(tmp_path_factory.mktemp("vcapi")))
    if not any(getattr(route, "path", "") == "/presentations/verify" for route in app.routes):
        app.include_router(vcapi_router)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def bank(client: TestClient) -> dict[str, str]:
    return headers(client, "bank")


def _issue(client: TestClient, suite: str, holder: str | None = None) -> dict[str, Any]:
    subject: dict[str, Any] = dict(IDENTITY_CLAIMS)
    if holder is not None:
        subject["id"] = holder
    response = client.post(
        "/credentials/issue",
        json={
            "credential": {
                "type": ["VerifiableCredential", "IdentityCredential"],
                "credentialSubject": subject,
            },
            "options": {"cryptosuite": suite},
        },
        headers=headers(client, "civil-registry"),
    )
    assert response.status_code == 201, response.text
    credential: dict[str, Any] = response.json()["verifiableCredential"]
    return credential


@pytest.fixture(scope="module")
def credential(client: TestClient) -> dict[str, Any]:
    return _issue(client, "eddsa-rdfc-2022")


def _verify(client: TestClient, bank: dict[str, str], value: Any, **options: Any) -> Any:
    return client.post(
        "/credentials/verify",
        json={"verifiableCredential": value, "options": options},
        headers=bank,
    )


def test_a_service_issued_credential_verifies_with_every_ledger_check(
    client: TestClient, bank: dict[str, str], credential: dict[str, Any]
) -> None:
    answer = _verify(client, bank, credential)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["verified"] is True
    assert body["errors"] == [] and body["problemDetails"] == []
    assert {"proof", "validity", "status", "issuer_key", "accreditation"} <= set(body["checks"])
    # A bare credential is bound to nobody: these are reported, not passed.
    assert any(w.startswith("nonce:") for w in body["warnings"])


def test_a_tampered_credential_is_verified_false_with_the_proof_named(
    client: TestClient, bank: dict[str, str], credential: dict[str, Any]
) -> None:
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["given_name"] = "Mallory"
    body = _verify(client, bank, tampered).json()
    assert body["verified"] is False and body["checks"] == []
    assert body["errors"][0].startswith("proof:")
    assert body["problemDetails"][0]["type"] == PROBLEMS + "CRYPTOGRAPHIC_SECURITY_ERROR"


def test_a_revoked_credential_is_verified_false_on_status(
    client: TestClient, bank: dict[str, str]
) -> None:
    revoked = _issue(client, "eddsa-rdfc-2022")
    change = client.post(
        "/credentials/status",
        json={"credential": revoked, "status": "revoked"},
        headers=headers(client, "civil-registry"),
    )
    assert change.status_code == 200, change.text
    body = _verify(client, bank, revoked).json()
    assert body["verified"] is False
    assert body["errors"][0].startswith("status:") and "revoked" in body["errors"][0]


def test_a_credential_with_an_undefined_term_is_a_malformed_value(
    client: TestClient, bank: dict[str, str], credential: dict[str, Any]
) -> None:
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["favourite_colour"] = "blue"
    body = _verify(client, bank, tampered).json()
    assert body["verified"] is False
    assert body["problemDetails"][0]["type"] == PROBLEMS + "MALFORMED_VALUE_ERROR"


def test_a_document_without_a_proof_is_a_malformed_value(
    client: TestClient, bank: dict[str, str]
) -> None:
    body = _verify(client, bank, {"type": ["VerifiableCredential"]}).json()
    assert body["verified"] is False
    assert body["problemDetails"][0]["type"] == PROBLEMS + "MALFORMED_VALUE_ERROR"
    assert "no proof" in body["errors"][0]


def test_a_did_key_credential_verifies_with_accreditation_not_applicable(
    client: TestClient, bank: dict[str, str]
) -> None:
    key = Key.generate("ed25519")
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "ExampleCredential"],
        "issuer": key.did_key(),
        "credentialSubject": {"name": "Ana"},
    }
    signed = vc_service.add_proof(
        document,
        key,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=f"{key.did_key()}#{key.multikey()}",
    )
    body = _verify(client, bank, signed).json()
    assert body["verified"] is True
    assert "issuer_key" in body["checks"] and "accreditation" not in body["checks"]
    assert any(w.startswith("accreditation: ") for w in body["warnings"])


def _sd_jwt(client: TestClient) -> str:
    """An SD-JWT VC of the civil registry, as issued (received through OID4VCI)."""
    from wallet_sdk import Wallet
    from wallet_sdk._oid4vci import receive

    offer = client.post(
        "/issuer/offers",
        json={"credential_configuration_id": "identity.sd_jwt", "claims": IDENTITY_CLAIMS},
        headers=headers(client, "civil-registry"),
    ).json()
    import tempfile

    with tempfile.TemporaryDirectory() as home:
        with Wallet.create(home, "pass phrase", unsafe_fast_kdf=True) as wallet:
            stored = wallet.get(
                receive(
                    wallet, offer["credential_offer_uri"], tx_code=offer["tx_code"], http=client
                )
            )
            assert isinstance(stored.credential, str)
            return stored.credential


def test_an_sd_jwt_vc_verifies_compact_and_enveloped(
    client: TestClient, bank: dict[str, str]
) -> None:
    token = _sd_jwt(client)
    compact = _verify(client, bank, token).json()
    assert compact["verified"] is True, compact
    assert {"proof", "status", "issuer_key", "accreditation"} <= set(compact["checks"])
    enveloped = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "data:application/dc+sd-jwt," + urllib.parse.quote(token, safe="~"),
        "type": "EnvelopedVerifiableCredential",
    }
    assert _verify(client, bank, enveloped).json()["verified"] is True


def _presentation(
    credential: dict[str, Any], holder: Key, challenge: str, domain: str | None
) -> dict[str, Any]:
    did = holder.did_key()
    return vc_service.add_proof(
        vc_service.create_presentation([credential], holder=did),
        holder,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=f"{did}#{holder.multikey()}",
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
    )


def test_a_presentation_verifies_bound_to_challenge_and_domain(
    client: TestClient, bank: dict[str, str]
) -> None:
    holder = Key.generate("ed25519")
    credential = _issue(client, "eddsa-rdfc-2022", holder=holder.did_key())
    vp = _presentation(credential, holder, "c-123", "bank.example")
    body = {
        "verifiablePresentation": vp,
        "options": {"challenge": "c-123", "domain": "bank.example"},
    }
    answer = client.post("/presentations/verify", json=body, headers=bank)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["verified"] is True, result
    assert set(result["checks"]) >= {"proof", "holder_binding", "nonce", "audience", "status"}
    assert result["warnings"] == []
    replayed = {**body, "options": {"challenge": "c-456", "domain": "bank.example"}}
    again = client.post("/presentations/verify", json=replayed, headers=bank).json()
    assert again["verified"] is False and again["errors"][0].startswith("nonce:")


def test_a_presentation_of_someone_elses_credential_warns_on_holder_binding(
    client: TestClient, bank: dict[str, str], credential: dict[str, Any]
) -> None:
    stranger = Key.generate("ed25519")
    vp = _presentation(credential, stranger, "c-1", None)
    result = client.post(
        "/presentations/verify",
        json={"verifiablePresentation": vp, "options": {"challenge": "c-1"}},
        headers=bank,
    ).json()
    assert result["verified"] is True
    assert any(w.startswith("holder_binding:") for w in result["warnings"])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/credentials/verify", {}),
        ("/credentials/verify", {"verifiableCredential": 5}),
        ("/credentials/verify", {"verifiableCredential": "not a credential"}),
        ("/credentials/verify", {"verifiableCredential": "", "options": {}}),
        ("/credentials/verify", {"verifiableCredential": {}, "options": []}),
        ("/credentials/verify", {"verifiableCredential": {}, "extra": 1}),
        (
            "/credentials/verify",
            {
                "verifiableCredential": {
                    "type": "EnvelopedVerifiableCredential",
                    "id": "data:text/plain,hello",
                }
            },
        ),
        ("/presentations/verify", {"verifiablePresentation": {"type": "x"}}),
        ("/presentations/verify", {"verifiablePresentation": {}, "options": {"challenge": 5}}),
        ("/presentations/verify", {"verifiablePresentation": "x.y.z", "options": {}}),
    ],
    ids=[
        "empty",
        "number",
        "garbage-string",
        "empty-string",
        "options-array",
        "extra-member",
        "unknown-envelope",
        "no-challenge",
        "challenge-number",
        "presentation-no-challenge",
    ],
)
def test_malformed_input_is_a_400_problem(
    client: TestClient, bank: dict[str, str], path: str, body: Any
) -> None:
    answer = client.post(path, json=body, headers=bank)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_bare_credential_sent_as_a_presentation_is_not_verified(
    client: TestClient, bank: dict[str, str], credential: dict[str, Any]
) -> None:
    answer = client.post(
        "/presentations/verify",
        json={"verifiablePresentation": credential, "options": {"challenge": "c"}},
        headers=bank,
    )
    assert answer.status_code == 200
    # A credential on its own is bound to no challenge: it proves nothing about who sent it.
    assert answer.json()["verified"] is False
    assert answer.json()["errors"][0].startswith("nonce:")


def test_verification_needs_a_relying_party_token(
    client: TestClient, credential: dict[str, Any]
) -> None:
    body = {"verifiableCredential": credential}
    assert client.post("/credentials/verify", json=body).status_code == 401
    agency = headers(client, "civil-registry")
    assert client.post("/credentials/verify", json=body, headers=agency).status_code == 403


@pytest.mark.parametrize(("method", "path", "params", "status", "parameter"), SWEEP_ROWS)
def test_the_sweep_rows_hold(
    client: TestClient,
    method: str,
    path: str,
    params: dict[str, str],
    status: int,
    parameter: str | None,
) -> None:
    answer = client.request(method, path, params=params)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
