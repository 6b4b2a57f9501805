"""End to end against the real server: ``chancery serve --demo`` under uvicorn on a free loopback
port, a fresh wallet speaking HTTP to it, on SQLite and on PostgreSQL.

The civil registry issues the citizen's identity credential in both formats (``dc+sd-jwt`` and
``ldp_vc``) through OID4VCI; the bank asks through OID4VP for two of the eight claims and sees
exactly those; the registry revokes and the next presentation is rejected as revoked.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from _service_setup import IDENTITY_CLAIMS
from _services import POSTGRES_URL, postgres_reachable, require_or_skip

from wallet_sdk import Wallet
from wallet_sdk._oid4vci import IssuanceError, receive_all
from wallet_sdk._oid4vp import present

VCT = "https://credentials.chancery.local/identity"
_CHANCERY = str(Path(sys.executable).with_name("chancery"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(params=["sqlite", "postgresql", "sqlite-2-workers"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The base URL of a running ``chancery serve --demo`` (one worker process, or two sharing
    the database), and its state directory."""
    schema = None
    workers = "2" if request.param.endswith("-2-workers") else "1"
    if request.param.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'chancery.db'}"
    else:
        require_or_skip(postgres_reachable(), f"PostgreSQL is not reachable at {POSTGRES_URL}")
        schema = f"e2e_{secrets.token_hex(6)}"
        admin = sa.create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    port = _free_port()
    env = {**os.environ, "CHANCERY_VAR_DIR": str(tmp_path / "var")}
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [
            *(_CHANCERY, "serve", "--demo", "--workers", workers),
            *("--host", "127.0.0.1", "--port", str(port), "--db", url),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((tmp_path / "server.log").read_text())
            time.sleep(0.2)
        yield base, tmp_path / "var"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
        if schema is not None:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()


def _bearer(http: httpx.Client, var: Path, tenant: str) -> dict[str, str]:
    entry = json.loads((var / "demo-credentials.json").read_text())[tenant]
    response = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(entry["client_id"], entry["client_secret"]),
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _offer(http: httpx.Client, agency: dict[str, str], formats: list[str]) -> dict[str, Any]:
    response = http.post(
        "/issuer/offers",
        json={"credential_type": "identity", "formats": formats, "claims": IDENTITY_CLAIMS},
        headers=agency,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _ask(
    http: httpx.Client, bank: dict[str, str], wallet: Wallet, query: dict[str, Any]
) -> dict[str, Any]:
    created = http.post("/verifier/requests", json={"dcql_query": query}, headers=bank)
    assert created.status_code == 201, created.text
    request = created.json()
    result = present(wallet, request["request_uri_link"], http=http, consent=lambda s: True)
    assert result.sent
    status = http.get(f"/verifier/requests/{request['id']}", headers=bank)
    assert status.status_code == 200, status.text
    body: dict[str, Any] = status.json()
    return body


_SD_JWT_QUERY = {
    "credentials": [
        {
            "id": "identity",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [{"path": ["given_name"]}, {"path": ["birthdate"]}],
        }
    ]
}
_LDP_QUERY = {
    "credentials": [
        {
            "id": "identity",
            "format": "ldp_vc",
            # OID4VP Appendix B.1.1: expanded type IRIs.
            "meta": {
                "type_values": [
                    [
                        "https://www.w3.org/2018/credentials#VerifiableCredential",
                        "https://credentials.chancery.local/vocab/identity#IdentityCredential",
                    ]
                ]
            },
            "claims": [
                {"path": ["credentialSubject", "given_name"]},
                {"path": ["credentialSubject", "birthdate"]},
            ],
        }
    ]
}


def test_issue_both_formats_present_two_of_eight_revoke_over_real_http(
    server: tuple[str, Path], tmp_path: Path
) -> None:
    base, var = server
    with (
        httpx.Client(base_url=base, timeout=30) as http,
        Wallet.create(tmp_path / "wallet", "correct horse", unsafe_fast_kdf=True) as wallet,
    ):
        registry = _bearer(http, var, "civil-registry")
        bank = _bearer(http, var, "bank")
        # One offer of the identity credential in both formats, redeemed once.
        offer = _offer(http, registry, ["dc+sd-jwt", "ldp_vc"])
        sd_jwt_id, ldp_id = receive_all(
            wallet, offer["credential_offer_uri"], tx_code=offer["tx_code"], http=http
        )
        sd_jwt = wallet.get(sd_jwt_id)
        ldp = wallet.get(ldp_id)
        assert sd_jwt.format == "dc+sd-jwt" and ldp.format == "ldp_vc"
        assert isinstance(ldp.credential, dict)
        assert ldp.credential["issuer"] == sd_jwt.issuer
        # The offer is spent: a second redemption is refused.
        with pytest.raises(IssuanceError) as again:
            receive_all(wallet, offer["credential_offer_uri"], tx_code=offer["tx_code"], http=http)
        assert again.value.error == "invalid_grant"
        assert sd_jwt.issuer is not None and sd_jwt.issuer.startswith("did:chancery:")

        for query, fmt in ((_SD_JWT_QUERY, "dc+sd-jwt"), (_LDP_QUERY, "ldp_vc")):
            status = _ask(http, bank, wallet, query)
            assert status["status"] == "verified", (fmt, status)
            seen = status["claims"]["identity"]
            if fmt == "ldp_vc":
                seen = seen.get("credentialSubject", seen)
            # Exactly the two claims asked for (and, for ldp_vc, the subject's DID).
            assert {k: v for k, v in seen.items() if k != "id"} == {
                "given_name": "Anna Maria",
                "birthdate": "1974-08-12",
            }, (fmt, status)
            names = {check["check"] for check in status["checks"]}
            assert {"proof", "holder_binding", "nonce", "status", "accreditation"} <= names

        revoked = http.post(
            "/credentials/status",
            json={"credential": sd_jwt.credential, "status": "revoked"},
            headers=registry,
        )
        assert revoked.status_code == 200, revoked.text
        after = _ask(http, bank, wallet, _SD_JWT_QUERY)
        assert after["status"] == "rejected", after
        assert "revoked" in json.dumps(after).lower()

        state = http.get("/ledger/state").json()["state"]
        assert state["anchors"]["count"] == 2
        assert any(record["version"] == 1 for record in state["status_lists"].values())
