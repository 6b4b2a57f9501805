"""OID4VP 1.0 end to end over the ASGI app: the verifier's DCQL request, the wallet's answer.

Every test that talks to the service runs on SQLite and on PostgreSQL (a fresh schema); the
request state is in the database (``_verifier_store``), so it also survives a restart.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from _service_setup import demo_settings, headers
from _services import POSTGRES_URL, postgres_reachable, require_or_skip
from fastapi.testclient import TestClient

import vc_service
from vc_service.service import create_app
from vc_service.service._migrations import head_revision, migrate
from vc_service.service._trust_checks import CHECK_NAMES
from vc_service.service._verifier_store import AlreadyAnswered, VerifierStore, requests_table
from vc_service.service._verifier_store import metadata as verifier_metadata
from wallet_sdk import Wallet
from wallet_sdk._oid4vp import RequestRefused, Summary, present

CLAIMS = {
    "given_name": "Ana",
    "family_name": "Silva",
    "birthdate": "1990-01-01",
    "nationality": "PT",
    "address": "Rua 1",
    "email": "ana@example.org",
    "phone": "+351000",
    "document_number": "X123",
}
VCT = "https://chancery.local/vct/citizen"
QUERY = {
    "credentials": [
        {
            "id": "pid",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [{"path": ["given_name"]}, {"path": ["birthdate"]}],
        }
    ]
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh database: a SQLite file, or a new schema of the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('vp') / 'vp.db'}"
        return
    require_or_skip(postgres_reachable(), f"PostgreSQL is not reachable at {POSTGRES_URL}")
    schema = f"vp_{secrets.token_hex(6)}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="module")
def client(db_url: str, var_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(demo_settings(var_dir, db_url))) as test_client:
        yield test_client


_TOKENS: dict[int, dict[str, str]] = {}


def _bank(client: TestClient) -> dict[str, str]:
    """The bank's (a relying party's) Authorization header, one token per client."""
    if id(client) not in _TOKENS:
        _TOKENS[id(client)] = headers(client, "bank")
    return _TOKENS[id(client)]


@pytest.fixture
def wallet(tmp_path: Path) -> Iterator[Wallet]:
    with Wallet.create(tmp_path / "w", "pass phrase", unsafe_fast_kdf=True) as w:
        issuer = vc_service.Key.generate("ed25519")
        token = vc_service.issue_sd_jwt_vc(
            CLAIMS,
            issuer,
            issuer=issuer.did_key(),
            vct=VCT,
            kid=issuer.did_key() + "#" + issuer.did_key().removeprefix("did:key:"),
            disclose=[f"/{name}" for name in CLAIMS],
            holder_key=w.holder_key(),
        )
        w.add_credential(token)
        yield w


def _new_request(client: TestClient) -> tuple[str, str]:
    created = client.post("/verifier/requests", json={"dcql_query": QUERY}, headers=_bank(client))
    assert created.status_code == 201, created.text
    body = created.json()
    return body["id"], body["request_uri_link"]


def _yes(summary: Summary) -> bool:
    return True


def test_verifier_sees_exactly_the_two_requested_of_eight_claims(
    client: TestClient, wallet: Wallet
) -> None:
    request_id, link = _new_request(client)
    result = present(wallet, link, http=client, consent=_yes)
    assert result.sent and result.status_code == 200
    status = client.get(f"/verifier/requests/{request_id}", headers=_bank(client)).json()
    assert status["status"] == "verified"
    assert status["claims"] == {"pid": {"given_name": "Ana", "birthdate": "1990-01-01"}}
    named = {c["check"]: c["result"] for c in status["checks"]}
    assert list(named)[:8] == list(CHECK_NAMES)
    assert named == {
        "proof": "passed",
        "holder_binding": "passed",
        "nonce": "passed",
        "audience": "passed",
        "validity": "passed",
        "status": "not_applicable",  # this locally issued credential has no status claim
        "issuer_key": "passed",
        "accreditation": "not_applicable",  # a did:key issuer is not on the ledger
        "disclosure": "passed",
    }
    assert sorted(status["disclosed"]["pid"]) == ["/birthdate", "/given_name"]


def _capture(client: TestClient, wallet: Wallet, link: str) -> dict[str, Any]:
    sent: dict[str, Any] = {}
    original = client.post

    def post(url: str, **kwargs: Any) -> Any:
        sent["url"], sent["data"] = url, kwargs.get("data")
        return original(url, **kwargs)

    client.post = post
    try:
        present(wallet, link, http=client, consent=_yes)
    finally:
        client.post = original
    return sent


def test_a_replayed_response_is_refused_and_the_outcome_is_unchanged(
    client: TestClient, wallet: Wallet
) -> None:
    request_id, link = _new_request(client)
    sent = _capture(client, wallet, link)
    before = client.get(f"/verifier/requests/{request_id}", headers=_bank(client)).json()
    replay = client.post(sent["url"], data=sent["data"])
    assert replay.status_code == 409
    assert replay.headers["content-type"] == "application/problem+json"
    assert client.get(f"/verifier/requests/{request_id}", headers=_bank(client)).json() == before


def test_a_presentation_for_another_requests_nonce_is_rejected(
    client: TestClient, wallet: Wallet
) -> None:
    first_id, first_link = _new_request(client)
    second_id, _ = _new_request(client)
    sent = _capture(client, wallet, first_link)
    # The second request's own state, with the presentation made for the first one.
    obj = client.get(f"/verifier/requests/{second_id}/object").text
    payload = json.loads(vc_service._multibase.b64url_decode(obj.split(".")[1]))
    form = dict(sent["data"])
    form["state"] = payload["state"]
    answer = client.post(f"/verifier/responses/{second_id}", data=form)
    assert answer.status_code == 422 and answer.json()["check"] == "nonce"
    status = client.get(f"/verifier/requests/{second_id}", headers=_bank(client)).json()
    assert status["status"] == "rejected" and status["error"]["check"] == "nonce"
    assert status["claims"] is None
    results = {c["check"]: c["result"] for c in status["checks"]}
    assert results["nonce"] == "failed"
    assert set(results) == set(CHECK_NAMES)
    assert {r for name, r in results.items() if name != "nonce"} == {"not_checked"}
    assert (
        client.get(f"/verifier/requests/{first_id}", headers=_bank(client)).json()["status"]
        == "verified"
    )


def test_refused_consent_posts_nothing(client: TestClient, wallet: Wallet) -> None:
    request_id, link = _new_request(client)
    seen: list[Summary] = []

    def refuse(summary: Summary) -> bool:
        seen.append(summary)
        return False

    result = present(wallet, link, http=client, consent=refuse)
    assert not result.sent
    pointers = [p for p, _ in seen[0].credentials[0].claims]
    assert pointers == ["/given_name", "/birthdate"]
    assert (
        client.get(f"/verifier/requests/{request_id}", headers=_bank(client)).json()["status"]
        == "pending"
    )


class _Tampering:
    """An http client that flips one byte of the Request Object's payload."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.posted = False

    def get(self, url: str) -> Any:
        response = self.client.get(url)
        header, payload, signature = response.text.split(".")
        claims = json.loads(vc_service._multibase.b64url_decode(payload))
        claims["response_uri"] = "https://attacker.example/collect"
        forged = vc_service._multibase.b64url_encode(json.dumps(claims).encode())
        return httpx.Response(200, content=f"{header}.{forged}.{signature}".encode())

    def post(self, url: str, **kwargs: Any) -> Any:
        self.posted = True
        raise AssertionError("nothing may be posted")


def test_a_tampered_request_object_is_refused_by_the_wallet(
    client: TestClient, wallet: Wallet
) -> None:
    _, link = _new_request(client)
    http = _Tampering(client)
    with pytest.raises(RequestRefused):
        present(wallet, link, http=http, consent=_yes)  # type: ignore[arg-type]
    assert not http.posted


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"dcql_query": []},
        {"dcql_query": {"credentials": []}},
        {"dcql_query": {"credentials": [{"id": "x", "format": "ldp_vc", "meta": {}}]}},
        {"dcql_query": {"credentials": [{"id": "x y", "format": "dc+sd-jwt", "meta": {}}]}},
        {
            "dcql_query": {
                "credentials": [
                    {"id": "x", "format": "dc+sd-jwt", "meta": {}, "claims": [{"path": [None]}]}
                ]
            }
        },
        {"dcql_query": QUERY, "extra": 1},
    ],
    ids=["empty", "array", "no-credentials", "format", "id", "null-path", "extra-member"],
)
def test_malformed_requests_are_400_problems(client: TestClient, body: Any) -> None:
    answer = client.post("/verifier/requests", json=body, headers=_bank(client))
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "form",
    [
        "",
        "vp_token=%7B",
        "vp_token=%5B%5D&state=S",
        "vp_token=%7B%22other%22%3A%5B%22x%22%5D%7D&state=S",
        "vp_token=%7B%22pid%22%3A%5B%22not-a-presentation%22%5D%7D&state=wrong",
        "%%%",
    ],
    ids=["empty", "bad-json", "array", "wrong-query-id", "wrong-state", "unparseable"],
)
def test_malformed_responses_are_4xx_and_leave_the_request_pending(
    client: TestClient, form: str
) -> None:
    request_id, _ = _new_request(client)
    answer = client.post(
        f"/verifier/responses/{request_id}",
        content=form.replace("state=S", "state=" + _state(client, request_id)),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert 400 <= answer.status_code < 500
    assert (
        client.get(f"/verifier/requests/{request_id}", headers=_bank(client)).json()["status"]
        == "pending"
    )


def _state(client: TestClient, request_id: str) -> str:
    obj = client.get(f"/verifier/requests/{request_id}/object").text
    payload = json.loads(vc_service._multibase.b64url_decode(obj.split(".")[1]))
    return urllib.parse.quote(payload["state"])


def test_an_unknown_request_is_404(client: TestClient) -> None:
    assert client.get("/verifier/requests/nope", headers=_bank(client)).status_code == 404
    assert client.post("/verifier/responses/nope", data={"state": "x"}).status_code == 404


# --------------------------------------------------------------------------- persistent state


def test_a_request_survives_a_restart_of_the_service(
    client: TestClient, db_url: str, var_dir: Path, wallet: Wallet
) -> None:
    request_id, link = _new_request(client)
    # A second application on the same database and secret: what a restart sees.
    with TestClient(create_app(demo_settings(var_dir, db_url))) as restarted:
        assert (
            restarted.get(f"/verifier/requests/{request_id}", headers=_bank(restarted)).json()[
                "status"
            ]
            == "pending"
        )
        result = present(wallet, link, http=restarted, consent=_yes)
        assert result.status_code == 200, result.response
        assert (
            restarted.get(f"/verifier/requests/{request_id}", headers=_bank(restarted)).json()[
                "status"
            ]
            == "verified"
        )
    assert client.get(f"/verifier/requests/{request_id}", headers=_bank(client)).json()[
        "claims"
    ] == {"pid": {"given_name": "Ana", "birthdate": "1990-01-01"}}


def test_concurrent_outcomes_are_recorded_once(db_url: str, client: TestClient) -> None:
    """Two answers may both be verified; the one conditional update that claims the request
    and records its outcome lets exactly one of them in."""
    engine = sa.create_engine(db_url)
    store = VerifierStore(engine)
    row = store.create(QUERY)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def answer(n: int) -> None:
        barrier.wait()
        try:
            store.answer(row.id, "verified", checks=[], claims={"pid": {"n": n}})
            outcomes.append(f"won {n}")
        except AlreadyAnswered:
            outcomes.append("refused")

    threads = [threading.Thread(target=answer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = store.get(row.id)
    engine.dispose()
    winners = [o for o in outcomes if o.startswith("won")]
    assert len(winners) == 1 and outcomes.count("refused") == 5
    assert stored is not None and stored.status == "verified"
    assert stored.claims is not None
    assert f"won {stored.claims['pid']['n']}" == winners[0]


def _expire(db_url: str, request_id: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            requests_table.update()
            .where(requests_table.c.request_id == request_id)
            .values(expires_at=0, retain_until=0)
        )
    engine.dispose()


def test_an_expired_request_is_gone_and_purged(
    client: TestClient, db_url: str, wallet: Wallet
) -> None:
    request_id, link = _new_request(client)
    state = _state(client, request_id)
    _expire(db_url, request_id)
    assert client.get(f"/verifier/requests/{request_id}", headers=_bank(client)).status_code == 404
    assert client.get(f"/verifier/requests/{request_id}/object").status_code == 404
    answer = client.post(
        f"/verifier/responses/{request_id}",
        content=f"vp_token=%7B%7D&state={state}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 404
    engine = sa.create_engine(db_url)
    assert VerifierStore(engine).purge() >= 1
    with engine.connect() as conn:
        left = conn.execute(
            sa.select(requests_table.c.request_id).where(requests_table.c.request_id == request_id)
        ).first()
    engine.dispose()
    assert left is None


def test_expired_requests_are_swept_at_most_once_per_interval(
    client: TestClient, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vc_service.service import _verifier_store

    engine = sa.create_engine(db_url)
    store = VerifierStore(engine)
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    first, _ = _new_request(client)
    _expire(db_url, first)
    assert store.purge_if_due() == 1
    second, _ = _new_request(client)
    _expire(db_url, second)
    # Within the interval nothing is swept (reads already ignore expired requests) ...
    clock[0] += _verifier_store.PURGE_INTERVAL / 2
    assert store.purge_if_due() == 0
    assert client.get(f"/verifier/requests/{second}", headers=_bank(client)).status_code == 404
    # ... after it, the next call sweeps.
    clock[0] += _verifier_store.PURGE_INTERVAL
    assert store.purge_if_due() == 1
    engine.dispose()


def test_an_answered_request_serves_no_request_object(client: TestClient, wallet: Wallet) -> None:
    request_id, link = _new_request(client)
    present(wallet, link, http=client, consent=_yes)
    again = client.get(f"/verifier/requests/{request_id}/object")
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


def _schema(url: str) -> list[tuple[str, str, str]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name LIKE 'verifier_%' "
            "ORDER BY type, name"
        ).all()
    engine.dispose()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def test_the_migration_creates_exactly_the_verifier_metadata(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    migrated = f"sqlite:///{tmp_path / 'migrated.db'}"
    created = f"sqlite:///{tmp_path / 'created.db'}"
    engine = sa.create_engine(migrated)
    assert migrate(engine) == head_revision()
    reference = sa.create_engine(created)
    verifier_metadata.create_all(reference)
    reference.dispose()
    assert _schema(migrated) == _schema(created)
    names = {name for _, name, _ in _schema(migrated)}
    assert {"verifier_requests", "ix_verifier_requests_retain_until"} <= names
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": lambda o, name, type_, r, c: (
                    type_ != "table" or name in verifier_metadata.tables
                ),
            },
        )
        assert compare_metadata(context, verifier_metadata) == []
    engine.dispose()


# --------------------------------------------------------------------------- ownership


def _relying_party(client: TestClient, tenant_id: str) -> dict[str, str]:
    """A second relying party, registered by the root authority, and its header."""
    created = client.post(
        "/admin/tenants",
        json={"tenant_id": tenant_id, "kind": "relying_party", "name": tenant_id.title()},
        headers=headers(client, "root-authority"),
    )
    assert created.status_code == 201, created.text
    tenant = created.json()
    token = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(tenant["client_id"], tenant["client_secret"]),
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_a_request_is_read_by_its_relying_party_only(client: TestClient, wallet: Wallet) -> None:
    request_id, link = _new_request(client)
    insurer = _relying_party(client, f"insurer-{secrets.token_hex(3)}")
    present(wallet, link, http=client, consent=_yes)
    mine = client.get(f"/verifier/requests/{request_id}", headers=_bank(client))
    assert mine.json()["status"] == "verified"
    theirs = client.get(f"/verifier/requests/{request_id}", headers=insurer)
    # The same answer as for an id that does not exist: ids cannot be probed across tenants.
    assert theirs.status_code == 404
    assert theirs.headers["content-type"] == "application/problem+json"
    assert "claims" not in theirs.json()
    # The insurer's own requests are its own.
    created = client.post("/verifier/requests", json={"dcql_query": QUERY}, headers=insurer)
    assert created.status_code == 201
    other_id = created.json()["id"]
    assert client.get(f"/verifier/requests/{other_id}", headers=insurer).status_code == 200
    assert client.get(f"/verifier/requests/{other_id}", headers=_bank(client)).status_code == 404


def test_asking_and_reading_need_a_relying_party_token(client: TestClient) -> None:
    request_id, _ = _new_request(client)
    anonymous = client.post("/verifier/requests", json={"dcql_query": QUERY})
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert client.get(f"/verifier/requests/{request_id}").status_code == 401
    forged = {"Authorization": "Bearer not-a-token"}
    assert client.get(f"/verifier/requests/{request_id}", headers=forged).status_code == 401
    agency = headers(client, "civil-registry")
    assert (
        client.post("/verifier/requests", json={"dcql_query": QUERY}, headers=agency).status_code
        == 403
    )
    assert client.get(f"/verifier/requests/{request_id}", headers=agency).status_code == 403
    # The wallet's endpoints need no token: the request id in the link is what it was given.
    assert client.get(f"/verifier/requests/{request_id}/object").status_code == 200


def test_the_owner_is_stored_with_the_request(client: TestClient, db_url: str) -> None:
    request_id, _ = _new_request(client)
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        owner = conn.execute(
            sa.select(requests_table.c.owner).where(requests_table.c.request_id == request_id)
        ).scalar()
    engine.dispose()
    assert owner == "bank"


#: Bad input for the sweep in tests/test_service_errors.py (method, path, params, status,
#: parameter) for the verifier's routes, now that asking and reading take a token.
SWEEP_ROWS: list[tuple[str, str, dict[str, str], int, str | None]] = [
    ("GET", "/verifier/requests/unknown", {}, 401, None),
    ("GET", "/verifier/requests/" + "x" * 5000, {}, 401, None),
    ("GET", "/verifier/requests/unknown/object", {}, 404, None),
    ("GET", "/verifier/requests/" + "x" * 5000 + "/object", {}, 404, None),
    ("POST", "/verifier/responses/unknown", {}, 404, None),
    ("POST", "/verifier/responses/" + "x" * 5000, {}, 404, None),
    ("POST", "/verifier/requests", {}, 401, None),
    ("DELETE", "/verifier/requests/unknown", {}, 405, None),
    ("PUT", "/verifier/responses/unknown", {}, 405, None),
]


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
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
