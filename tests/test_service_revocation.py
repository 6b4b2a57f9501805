"""Revocation through the service: every issued credential takes a random index of the issuer's Token Status List; the
agency revokes, suspends or reinstates it with ``POST /credentials/status``; the verifier checks
the list in-process, so the next presentation after a revocation fails on its ``status`` check."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _service_setup import demo_settings, headers
from jwcrypto.common import json_decode

from vc_service._errors import StatusUnavailable
from vc_service._keys import Key
from vc_service._multibase import b64url_decode
from vc_service._sd_jwt import issue_sd_jwt_vc
from vc_service._token_status import verify_status_list_token
from vc_service.service import create_app
from vc_service.service._issuer_api import LocalStatusSource
from vc_service.service._issuer_store import STATUS_LIST_BITS, STATUS_LIST_SIZE
from wallet_sdk import Wallet
from wallet_sdk._oid4vci import receive
from wallet_sdk._oid4vp import Summary, present

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CLAIMS = {"given_name": "Anna Maria", "birthdate": "1974-08-12", "nationality": "SE"}
VCT = "https://credentials.chancery.local/identity"
QUERY = {
    "credentials": [
        {
            "id": "identity",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [{"path": ["given_name"]}],
        }
    ]
}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = demo_settings(tmp_path)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _issue(client: TestClient, wallet: Wallet) -> str:
    offer = client.post(
        "/issuer/offers",
        json={"credential_configuration_id": "identity.sd_jwt", "claims": CLAIMS},
        headers=headers(client, "civil-registry"),
    ).json()
    credential_id = receive(
        wallet, offer["credential_offer_uri"], tx_code=offer["tx_code"], http=client
    )
    credential = wallet.get(credential_id).credential
    assert isinstance(credential, str)
    return credential


@pytest.fixture
def issued(client: TestClient, tmp_path: Path) -> Iterator[tuple[Wallet, str]]:
    with Wallet.create(tmp_path / "w", "correct horse", unsafe_fast_kdf=True) as wallet:
        yield wallet, _issue(client, wallet)


def _consent(summary: Summary) -> bool:
    return True


def _present(client: TestClient, wallet: Wallet) -> dict[str, Any]:
    bank = headers(client, "bank")
    created = client.post("/verifier/requests", json={"dcql_query": QUERY}, headers=bank)
    assert created.status_code == 201, created.text
    request = created.json()
    result = present(wallet, request["request_uri_link"], http=client, consent=_consent)
    assert result.sent
    status: dict[str, Any] = client.get(f"/verifier/requests/{request['id']}", headers=bank).json()
    return status


def _set_status(client: TestClient, credential: str, status: str) -> Any:
    return client.post(
        "/credentials/status",
        json={"credential": credential, "status": status},
        headers=headers(client, "civil-registry"),
    )


def _payload(credential: str) -> dict[str, Any]:
    payload: dict[str, Any] = json_decode(b64url_decode(credential.split("~")[0].split(".")[1]))
    return payload


def test_issued_credential_references_a_random_index_of_the_issuer_status_list(
    client: TestClient, tmp_path: Path
) -> None:
    with Wallet.create(tmp_path / "w", "correct horse", unsafe_fast_kdf=True) as wallet:
        references = [_payload(_issue(client, wallet))["status"]["status_list"] for _ in range(3)]
    uris = {r["uri"] for r in references}
    assert len(uris) == 1
    assert next(iter(uris)).startswith("http://testserver/status-lists/")
    indexes = [r["idx"] for r in references]
    assert len(set(indexes)) == 3
    assert all(0 <= i < STATUS_LIST_SIZE for i in indexes)
    # Three consecutive indexes out of 131 072 would mean a counter, not a random draw.
    assert sorted(indexes) != list(range(min(indexes), min(indexes) + 3))


def test_revoke_makes_the_next_presentation_fail_on_status(
    client: TestClient, issued: tuple[Wallet, str]
) -> None:
    wallet, credential = issued
    first = _present(client, wallet)
    assert first["status"] == "verified", first
    assert any(c["check"] == "status" for c in first["checks"]), first
    response = _set_status(client, credential, "revoked")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "revoked"}
    second = _present(client, wallet)
    assert second["status"] == "rejected", second
    assert second["error"]["check"] == "status"
    assert "revoked" in second["error"]["detail"]


def test_suspend_rejects_and_reinstate_verifies_again(
    client: TestClient, issued: tuple[Wallet, str]
) -> None:
    wallet, credential = issued
    assert _set_status(client, credential, "suspended").json() == {"status": "suspended"}
    suspended = _present(client, wallet)
    assert suspended["status"] == "rejected", suspended
    assert suspended["error"]["check"] == "status"
    assert "suspended" in suspended["error"]["detail"]
    assert _set_status(client, credential, "valid").json() == {"status": "valid"}
    assert _present(client, wallet)["status"] == "verified"


def test_revocation_is_final(client: TestClient, issued: tuple[Wallet, str]) -> None:
    _, credential = issued
    assert _set_status(client, credential, "revoked").status_code == 200
    for status in ("valid", "suspended"):
        response = _set_status(client, credential, status)
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/problem+json"


def test_the_issuer_signed_jwt_alone_identifies_the_credential(
    client: TestClient, issued: tuple[Wallet, str]
) -> None:
    wallet, credential = issued
    response = _set_status(client, credential.split("~")[0], "revoked")
    assert response.status_code == 200, response.text
    assert _present(client, wallet)["status"] == "rejected"


def test_revoking_one_credential_leaves_another_valid(
    client: TestClient, issued: tuple[Wallet, str], tmp_path: Path
) -> None:
    _, credential = issued
    with Wallet.create(tmp_path / "other", "correct horse", unsafe_fast_kdf=True) as other:
        _issue(client, other)
        assert _set_status(client, credential, "revoked").status_code == 200
        assert _present(client, other)["status"] == "verified"


def _tampered_signature(credential: str) -> str:
    jwt = credential.split("~")[0]
    head, body, signature = jwt.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return f"{head}.{body}.{flipped}"


@pytest.mark.parametrize(
    ("make_body", "status"),
    [
        (lambda c: {"credential": "garbage", "status": "revoked"}, 404),
        (lambda c: {"credential": "a.b.c~", "status": "revoked"}, 404),
        (lambda c: {"credential": c, "status": "deleted"}, 400),
        (lambda c: {"credential": c}, 400),
        (lambda c: {"status": "revoked"}, 400),
        (lambda c: {"credential": c, "status": "revoked", "extra": 1}, 400),
        (lambda c: {"credential": 7, "status": "revoked"}, 400),
        (lambda c: {"credential": _tampered_signature(c), "status": "revoked"}, 404),
    ],
    ids=[
        "garbage-credential",
        "undecodable-jwt",
        "unknown-status-value",
        "missing-status",
        "missing-credential",
        "unknown-member",
        "credential-not-a-string",
        "signature-not-the-issuers",
    ],
)
def test_bad_status_change_is_a_4xx_problem_and_changes_nothing(
    client: TestClient, issued: tuple[Wallet, str], make_body: Any, status: int
) -> None:
    wallet, credential = issued
    response = client.post(
        "/credentials/status", json=make_body(credential), headers=headers(client, "civil-registry")
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert _present(client, wallet)["status"] == "verified"


def test_a_credential_signed_by_another_key_cannot_be_revoked(
    client: TestClient, issued: tuple[Wallet, str]
) -> None:
    _, credential = issued
    reference = _payload(credential)["status"]
    forged = issue_sd_jwt_vc(
        CLAIMS,
        Key.generate("ed25519"),
        issuer=_payload(credential)["iss"],
        vct=VCT,
        status=reference,
    )
    response = _set_status(client, forged, "revoked")
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_an_issuer_signed_jwt_not_recorded_for_that_index_is_404(
    client: TestClient, issued: tuple[Wallet, str]
) -> None:
    """Even the issuer's own signature does not let one credential change another's entry."""
    _, credential = issued
    issuer = client.app.state.issuer  # type: ignore[attr-defined]
    agency = issuer.tenants.agency("civil-registry")
    other = issue_sd_jwt_vc(
        CLAIMS,
        issuer.tenants.signing_key(agency),
        issuer=agency.did,
        vct=VCT,
        kid=f"{agency.did}#key-1",
        status=_payload(credential)["status"],
    )
    response = _set_status(client, other, "revoked")
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_status_list_endpoint_serves_a_verifiable_token_with_the_current_statuses(
    client: TestClient, issued: tuple[Wallet, str]
) -> None:
    _, credential = issued
    reference = _payload(credential)["status"]["status_list"]
    assert _set_status(client, credential, "suspended").status_code == 200
    response = client.get(reference["uri"].removeprefix("http://testserver"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/statuslist+jwt"
    issuer_did = _payload(credential)["iss"]
    state = client.app.state.ledger.state()  # type: ignore[attr-defined]
    token = verify_status_list_token(
        response.text,
        resolve_key=lambda kid: (
            state.key_for(kid) if kid.startswith(issuer_did + "#") else Key.generate("ed25519")
        ),
        expected_uri=reference["uri"],
    )
    assert token.status_list.bits == STATUS_LIST_BITS
    assert token.status_list.size == STATUS_LIST_SIZE
    assert token.status_list.get(reference["idx"]) == 2
    assert token.ttl is not None and token.ttl <= 300
    assert len(response.content) < 2000


def test_unknown_status_list_is_404(client: TestClient) -> None:
    response = client.get("/status-lists/unknown")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_a_foreign_status_list_is_unavailable_without_any_fetch(
    client: TestClient, issued: tuple[Wallet, str]
) -> None:
    issuer = client.app.state.issuer  # type: ignore[attr-defined]
    source = LocalStatusSource(issuer, "http://testserver")
    with pytest.raises(StatusUnavailable):
        source.token_status_list("https://elsewhere.example/status-lists/x")
    with pytest.raises(StatusUnavailable):
        source.token_status_list("http://testserver/status-lists/not-ours")
    with pytest.raises(StatusUnavailable):
        source.bitstring_status_list("https://elsewhere.example/bsl")


def test_a_status_change_in_another_process_is_seen_at_once(
    client: TestClient, issued: tuple[Wallet, str]
) -> None:
    """Each worker process caches the lists it built; a change made through another worker (a
    second IssuerService on the same database) must show in this worker's next list."""
    from vc_service.service._issuer_api import IssuerService

    _, credential = issued
    here = client.app.state.issuer  # type: ignore[attr-defined]
    elsewhere = IssuerService(here.store._engine, here.tenants)
    reference = _payload(credential)["status"]["status_list"]
    list_id = reference["uri"].rsplit("/", 1)[1]
    base = "http://testserver"
    state = client.app.state.ledger.state()  # type: ignore[attr-defined]

    def status_here() -> int:
        token = here.status_list_token(list_id, base)
        assert token == here.status_list_token(list_id, base)  # built once, then reused
        parsed = verify_status_list_token(
            token, resolve_key=state.key_for, expected_uri=reference["uri"]
        )
        return int(parsed.status_list.get(reference["idx"]))

    assert status_here() == 0
    agency = here.tenants.agency("civil-registry")
    elsewhere.change_status(agency, credential, "suspended", base)
    assert status_here() == 2
    bits = here.bitstring_credential(list_id, "suspension", base)
    assert bits is not None and bits is here.bitstring_credential(list_id, "suspension", base)
