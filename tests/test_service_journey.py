"""The journey through the service: an agency's offer is redeemed by a fresh wallet over
OpenID4VCI, then a relying party's OpenID4VP request for two of eight claims is answered from
that wallet, and the verifier sees exactly those two. Then the wallet is backed up and a
restored wallet presents successfully (on SQLite and PostgreSQL;
revocation is in tests/test_service_revocation.py)."""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from _service_setup import IDENTITY_CLAIMS, demo_settings, headers
from _services import POSTGRES_URL, postgres_reachable, require_or_skip

from vc_service.service import create_app
from wallet_sdk import Wallet
from wallet_sdk._oid4vci import receive
from wallet_sdk._oid4vp import Summary, present

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CLAIMS = IDENTITY_CLAIMS
VCT = "https://credentials.chancery.local/identity"
QUERY = {
    "credentials": [
        {
            "id": "identity",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [{"path": ["given_name"]}, {"path": ["birthdate"]}],
        }
    ]
}


@pytest.fixture(params=["sqlite", "postgresql"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    """The whole service (issuer, verifier, ledger) on SQLite or on a fresh PostgreSQL schema."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'chancery.db'}"
    else:
        require_or_skip(postgres_reachable(), f"PostgreSQL is not reachable at {POSTGRES_URL}")
        schema = f"journey_{secrets.token_hex(6)}"
        admin = sa.create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    settings = demo_settings(tmp_path, url)
    try:
        with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
            yield test_client
    finally:
        if schema is not None:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()


def _consent(summary: Summary) -> bool:
    return True


def _ask_and_answer(client: TestClient, wallet: Wallet) -> dict[str, Any]:
    bank = headers(client, "bank")
    created = client.post("/verifier/requests", json={"dcql_query": QUERY}, headers=bank)
    assert created.status_code == 201, created.text
    request = created.json()
    result = present(wallet, request["request_uri_link"], http=client, consent=_consent)
    assert result.sent
    status: dict[str, Any] = client.get(f"/verifier/requests/{request['id']}", headers=bank).json()
    return status


def test_issue_then_present_two_of_eight_claims_then_restore_and_present_again(
    client: TestClient, tmp_path: Path
) -> None:
    """OID4VCI into a fresh wallet; OID4VP shows exactly 2 of 8 claims; a restored backup
    presents too."""
    offer = client.post(
        "/issuer/offers",
        json={"credential_configuration_id": "identity.sd_jwt", "claims": CLAIMS},
        headers=headers(client, "civil-registry"),
    ).json()
    with Wallet.create(tmp_path / "w", "correct horse", unsafe_fast_kdf=True) as wallet:
        receive(wallet, offer["credential_offer_uri"], tx_code=offer["tx_code"], http=client)
        # The same offer cannot be redeemed twice.
        with pytest.raises(Exception) as again:
            receive(wallet, offer["credential_offer_uri"], tx_code=offer["tx_code"], http=client)
        assert "invalid_grant" in str(again.value) or getattr(again.value, "error", "") == (
            "invalid_grant"
        )
        status = _ask_and_answer(client, wallet)
        assert status["status"] == "verified", status
        assert status["claims"] == {
            "identity": {"given_name": "Anna Maria", "birthdate": "1974-08-12"}
        }
        wallet.backup(tmp_path / "backup.bin", "backup phrase", unsafe_fast_kdf=True)
    restored = Wallet.restore(
        tmp_path / "backup.bin", "backup phrase", tmp_path / "w2", unsafe_fast_kdf=True
    )
    with restored:
        status = _ask_and_answer(client, restored)
    assert status["status"] == "verified", status
