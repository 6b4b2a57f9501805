"""OID4VCI pre-authorized code issuance, end to end: the issuer endpoints and the wallet client.

The wallet talks to the service through FastAPI's ``TestClient``, which is an ``httpx.Client``
(``specs/http-api.md`` §8, OpenID for Verifiable Credential Issuance 1.0).
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.parse
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from _service_setup import demo_settings, headers
from _services import POSTGRES_URL, postgres_reachable, require_or_skip
from starlette.exceptions import StarletteDeprecationWarning

import vc_service
from vc_service._jose import decode_jws, sign_jws
from vc_service._keys import Key
from vc_service.service import create_app
from vc_service.service._issuer_store import MAX_TX_CODE_ATTEMPTS, IssuerStore
from vc_service.service._issuer_store import metadata as issuer_metadata
from vc_service.service._migrations import head_revision, migrate
from wallet_sdk import InvalidInput, Wallet
from wallet_sdk._oid4vci import IssuanceError, parse_offer, receive, receive_all
from wallet_sdk._resolve import service_resolver

with warnings.catch_warnings():
    # Starlette prefers the httpx2 package for its test client and warns about httpx.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

ISSUER = "http://testserver"
GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CLAIMS = {
    "given_name": "Anna Maria",
    "family_name": "Eriksson",
    "birthdate": "1974-08-12",
    "nationality": "SE",
}


def _postgres_url() -> Iterator[str]:
    require_or_skip(postgres_reachable(), f"PostgreSQL is not reachable at {POSTGRES_URL}")
    schema = f"issuance_test_{secrets.token_hex(6)}"
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


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: an SQLite file or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'chancery.db'}"
        return
    yield from _postgres_url()


def _client(tmp_path: Path, db_url: str) -> Iterator[TestClient]:
    settings = demo_settings(tmp_path, db_url)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """The service on SQLite (the protocol tests do not depend on the database)."""
    yield from _client(tmp_path, f"sqlite:///{tmp_path / 'chancery.db'}")


@pytest.fixture
def wallet(tmp_path: Path) -> Iterator[Wallet]:
    with Wallet.create(tmp_path / "wallet", "correct horse", unsafe_fast_kdf=True) as opened:
        yield opened


def _offer(client: TestClient, claims: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post(
        "/issuer/offers",
        json={"credential_configuration_id": "identity.sd_jwt", "claims": claims or CLAIMS},
        headers=headers(client, "civil-registry"),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _token(client: TestClient, offer: dict[str, Any], tx_code: str | None = None) -> Any:
    form = {"grant_type": GRANT, "pre-authorized_code": offer["pre_authorized_code"]}
    form["tx_code"] = offer["tx_code"] if tx_code is None else tx_code
    return client.post("/token", data=form)


def _access_token(client: TestClient) -> str:
    response = _token(client, _offer(client))
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _nonce(client: TestClient) -> str:
    nonce: str = client.post("/nonce").json()["c_nonce"]
    return nonce


def _proof(
    key: Key, *, nonce: str | None, aud: str = ISSUER, typ: str = "openid4vci-proof+jwt"
) -> str:
    claims: dict[str, Any] = {"aud": aud, "iat": int(time.time())}
    if nonce is not None:
        claims["nonce"] = nonce
    return sign_jws({"typ": typ, "jwk": key.public_jwk()}, claims, key)


def _credential_request(client: TestClient, token: str, body: Any) -> Any:
    return client.post(
        "/credential",
        content=body if isinstance(body, bytes) else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


def _request(proof: str) -> dict[str, Any]:
    return {"credential_configuration_id": "identity.sd_jwt", "proofs": {"jwt": [proof]}}


# --------------------------------------------------------------------------- end to end


def test_a_fresh_wallet_receives_a_verifiable_bound_credential(
    tmp_path: Path, db_url: str, wallet: Wallet
) -> None:
    for client in _client(tmp_path, db_url):
        offer = _offer(client)
        assert offer["credential_offer_uri"].startswith("openid-credential-offer://?")
        assert len(offer["tx_code"]) == 6 and offer["tx_code"].isdigit()
        # The transaction code travels out of band, never inside the offer.
        assert offer["tx_code"] not in urllib.parse.unquote(offer["credential_offer_uri"])
        credential_id = receive(
            wallet, offer["credential_offer_uri"], tx_code=offer["tx_code"], http=client
        )
        stored = wallet.get(credential_id)
        token = stored.credential
        assert isinstance(token, str)
        result = vc_service.verify(token, resolver=service_resolver(client, ISSUER))
        assert result.verified
        payload = decode_jws(token.split("~")[0]).unverified_claims()
        assert payload["vct"] == "https://credentials.chancery.local/identity"
        # The civil registry's ledger DID, resolvable at the service.
        assert payload["iss"].startswith("did:chancery:")
        assert "jwk" in payload["cnf"]
        # The bound key is one the wallet holds, so it can later present with key binding.
        assert wallet.key(payload["cnf"]["jwk"]).has_private
        # All claims selectively disclosable: none in the clear in the signed payload.
        assert not set(CLAIMS) & set(payload)
        assert stored.claims is not None
        assert stored.claims["given_name"] == "Anna Maria"
        # The offer cannot be redeemed twice.
        again = _token(client, offer)
        assert again.status_code == 400
        assert again.json()["error"] == "invalid_grant"


def test_the_issuer_key_survives_a_restart_sealed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chancery.db'}"
    issuers: list[str | None] = []
    for _ in range(2):
        for client in _client(tmp_path, url):
            wallet_home = tmp_path / f"w{len(issuers)}"
            with Wallet.create(wallet_home, "pass", unsafe_fast_kdf=True) as wallet:
                offer = _offer(client)
                credential_id = receive(
                    wallet, offer["credential_offer_uri"], tx_code=offer["tx_code"], http=client
                )
                issuers.append(wallet.get(credential_id).issuer)
    assert issuers[0] == issuers[1]
    assert issuers[0] is not None and issuers[0].startswith("did:chancery:")
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        sealed = conn.execute(sa.text("SELECT sealed FROM tenant_keys")).scalars().all()
    engine.dispose()
    assert len(sealed) == 4  # two agencies, an Ed25519 and a BLS12-381 key each
    for value in sealed:
        assert b'"d"' not in bytes(value)  # never in plaintext


def test_receive_follows_a_credential_offer_uri_reference(
    client: TestClient, wallet: Wallet
) -> None:
    offer = _offer(client)
    by_value = parse_offer(offer["credential_offer_uri"])
    assert by_value.tx_code_required and by_value.credential_issuer == ISSUER

    def serve(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/offers/1":
            return httpx.Response(200, json=offer["credential_offer"])
        forwarded = client.request(
            request.method, request.url.path, content=request.content, headers=request.headers
        )
        return httpx.Response(forwarded.status_code, content=forwarded.content)

    with httpx.Client(transport=httpx.MockTransport(serve), base_url=ISSUER) as http:
        reference = "openid-credential-offer://?credential_offer_uri=" + urllib.parse.quote(
            ISSUER + "/offers/1", safe=""
        )
        credential_id = receive(wallet, reference, tx_code=offer["tx_code"], http=http)
    assert wallet.get(credential_id).format == "dc+sd-jwt"


@pytest.mark.parametrize(
    "uri",
    [
        "openid-credential-offer://?nothing=here",
        "openid-credential-offer://?credential_offer=%7Bnot-json",
        "openid-credential-offer://?credential_offer=%5B%5D",
        'openid-credential-offer://?credential_offer={"credential_issuer":"x",'
        '"credential_configuration_ids":["a"]}',
        "mailto:someone",
    ],
    ids=["no-offer", "not-json", "not-object", "no-grant", "other-scheme"],
)
def test_unusable_offers_are_invalid_input(uri: str) -> None:
    with pytest.raises(InvalidInput):
        parse_offer(uri)


def test_metadata_documents_the_endpoints_and_proof_types(client: TestClient) -> None:
    meta = client.get("/.well-known/openid-credential-issuer").json()
    assert meta["credential_issuer"] == ISSUER
    assert meta["credential_endpoint"] == ISSUER + "/credential"
    assert meta["nonce_endpoint"] == ISSUER + "/nonce"
    config = meta["credential_configurations_supported"]["identity.sd_jwt"]
    assert config["format"] == "dc+sd-jwt"
    assert config["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == [
        "EdDSA",
        "ES256",
    ]
    oauth = client.get("/.well-known/oauth-authorization-server").json()
    assert oauth["token_endpoint"] == ISSUER + "/token"
    assert oauth["pre-authorized_grant_anonymous_access_supported"] is True


# --------------------------------------------------------------------------- token endpoint


def test_a_wrong_tx_code_is_invalid_grant_and_locks_after_five(client: TestClient) -> None:
    offer = _offer(client)
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    for _ in range(MAX_TX_CODE_ATTEMPTS):
        response = _token(client, offer, wrong)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
    # Locked: even the right code no longer works.
    locked = _token(client, offer)
    assert locked.status_code == 400 and "locked" in locked.json()["error_description"]


def test_a_wallet_with_a_wrong_tx_code_gets_invalid_grant(
    client: TestClient, wallet: Wallet
) -> None:
    offer = _offer(client)
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    with pytest.raises(IssuanceError) as caught:
        receive(wallet, offer["credential_offer_uri"], tx_code=wrong, http=client)
    assert caught.value.error == "invalid_grant"
    assert wallet.list() == []


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
        ({"grant_type": GRANT}, "invalid_request"),
        (
            {"grant_type": GRANT, "pre-authorized_code": "nope", "tx_code": "123456"},
            "invalid_grant",
        ),
    ],
    ids=["empty", "other-grant", "no-code", "unknown-code"],
)
def test_malformed_token_requests_are_oauth_errors(
    client: TestClient, form: dict[str, str], error: str
) -> None:
    response = client.post("/token", data=form)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


def test_a_non_form_token_body_is_a_4xx(client: TestClient) -> None:
    for body in (b"\xff\xfe", b"a=1&a=2", b"%%%&&&=", b"x" * 70000):
        response = client.post("/token", content=body)
        assert 400 <= response.status_code < 500


# --------------------------------------------------------------------------- credential endpoint


def test_each_configuration_of_an_offer_is_issued_once(client: TestClient) -> None:
    token = _access_token(client)
    holder = Key.generate("p256")
    first = _credential_request(client, token, _request(_proof(holder, nonce=_nonce(client))))
    assert first.status_code == 200, first.text
    second = _credential_request(client, token, _request(_proof(holder, nonce=_nonce(client))))
    assert second.status_code == 400
    assert second.json()["error"] == "unknown_credential_configuration"


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda key, nonce: _request(_proof(key, nonce="not-issued")), "invalid_nonce"),
        (
            lambda key, nonce: _request(_proof(key, nonce=nonce, aud="https://evil")),
            "invalid_proof",
        ),
        (lambda key, nonce: _request(_proof(key, nonce=None)), "invalid_proof"),
        (lambda key, nonce: _request(_proof(key, nonce=nonce, typ="JWT")), "invalid_proof"),
        (lambda key, nonce: _request(_proof(key, nonce=nonce)[:-4] + "AAAA"), "invalid_proof"),
        (lambda key, nonce: {"credential_configuration_id": "identity.sd_jwt"}, "invalid_proof"),
        (
            lambda key, nonce: {"credential_configuration_id": "identity.sd_jwt", "proofs": {}},
            "invalid_proof",
        ),
        (lambda key, nonce: _request("not.a.jwt"), "invalid_proof"),
        (lambda key, nonce: {"proofs": {"jwt": []}}, "invalid_credential_request"),
        (
            lambda key, nonce: {
                **_request(_proof(key, nonce=nonce)),
                "credential_configuration_id": "x",
            },
            "unknown_credential_configuration",
        ),
        (lambda key, nonce: b"{not json", "invalid_credential_request"),
        (lambda key, nonce: [1, 2], "invalid_credential_request"),
    ],
    ids=[
        "wrong-nonce",
        "wrong-aud",
        "no-nonce",
        "wrong-typ",
        "bad-signature",
        "no-proofs",
        "empty-proofs",
        "not-a-jwt",
        "no-configuration",
        "other-configuration",
        "not-json",
        "not-an-object",
    ],
)
def test_bad_credential_requests_are_refused_and_keep_the_token(
    client: TestClient, make: Any, error: str
) -> None:
    token = _access_token(client)
    key = Key.generate("ed25519")
    response = _credential_request(client, token, make(key, _nonce(client)))
    assert response.status_code == 400, response.text
    assert response.json()["error"] == error
    # A refused request does not consume the token: the wallet can retry with a good proof.
    retry = _credential_request(client, token, _request(_proof(key, nonce=_nonce(client))))
    assert retry.status_code == 200, retry.text


def test_a_nonce_is_single_use(client: TestClient) -> None:
    key = Key.generate("ed25519")
    nonce = _nonce(client)
    ok = _credential_request(client, _access_token(client), _request(_proof(key, nonce=nonce)))
    assert ok.status_code == 200
    replay = _credential_request(client, _access_token(client), _request(_proof(key, nonce=nonce)))
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_nonce"


def test_a_proof_by_did_key_kid_is_accepted(client: TestClient) -> None:
    key = Key.generate("ed25519")
    claims = {"aud": ISSUER, "iat": int(time.time()), "nonce": _nonce(client)}
    kid = f"{key.did_key()}#{key.multikey()}"
    proof = sign_jws({"typ": "openid4vci-proof+jwt", "kid": kid}, claims, key)
    response = _credential_request(client, _access_token(client), _request(proof))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("authorization", [None, "Basic abc", "Bearer ", "Bearer unknown"])
def test_the_credential_endpoint_needs_a_valid_bearer_token(
    client: TestClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.post("/credential", json={}, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


# --------------------------------------------------------------------------- offers


@pytest.mark.parametrize(
    "body",
    [
        {"credential_configuration_id": "identity.sd_jwt"},
        {"credential_configuration_id": "identity.sd_jwt", "claims": []},
        {"credential_configuration_id": "identity.sd_jwt", "claims": {}},
        {"credential_configuration_id": "identity.sd_jwt", "claims": {"iss": "me"}},
        {"credential_configuration_id": "nope", "claims": CLAIMS},
        {"credential_configuration_id": 5, "claims": CLAIMS},
        [1],
    ],
    ids=["no-claims", "claims-list", "claims-empty", "reserved-claim", "unknown", "id-int", "list"],
)
def test_malformed_offers_are_problems(client: TestClient, body: Any) -> None:
    response = client.post("/issuer/offers", json=body, headers=headers(client, "civil-registry"))
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"


# --------------------------------------------------------------------------- storage


def _issuer_schema(url: str) -> list[tuple[str, str, str]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name LIKE 'issuer_%' "
            "ORDER BY type, name"
        ).all()
    engine.dispose()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def test_the_migration_creates_exactly_the_issuer_metadata(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    migrated = f"sqlite:///{tmp_path / 'migrated.db'}"
    created = f"sqlite:///{tmp_path / 'created.db'}"
    engine = sa.create_engine(migrated)
    assert migrate(engine) == head_revision()
    reference = sa.create_engine(created)
    issuer_metadata.create_all(reference)
    reference.dispose()
    # The same tables and indexes (SQLite keeps an ALTER's column text as written, so the SQL
    # itself differs; compare_metadata below checks every column, type and constraint).
    names = [(kind, name) for kind, name, _ in _issuer_schema(migrated)]
    assert names == [(kind, name) for kind, name, _ in _issuer_schema(created)]
    assert len(_issuer_schema(migrated)) >= len(issuer_metadata.tables)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": lambda o, name, type_, r, c: (
                    type_ != "table" or name in issuer_metadata.tables
                ),
            },
        )
        assert compare_metadata(context, issuer_metadata) == []
    engine.dispose()


def test_an_offer_store_redeems_once_under_concurrency(tmp_path: Path) -> None:
    import threading

    from vc_service.ledger._store import LedgerStore

    ledger_store = LedgerStore(f"sqlite:///{tmp_path / 'db.sqlite'}")
    engine = ledger_store.engine
    issuer_metadata.create_all(engine)
    store = IssuerStore(engine)
    code, tx = store.create_offer("identity.sd_jwt", {"a": 1})
    results: list[str] = []
    start = threading.Barrier(8)

    def redeem() -> None:
        start.wait()
        try:
            results.append(store.redeem(code, tx))
        except Exception as exc:  # noqa: BLE001 - counting the losers
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ledger_store.close()
    winners = [r for r in results if r != "TokenRefused"]
    # Exactly one redemption wins; the others are refused as used, never a database error
    # (a deferred SQLite transaction upgrading to a write fails at once: BEGIN IMMEDIATE).
    assert len(winners) == 1, results
    assert len(results) == 8


def test_a_redemption_takes_the_sqlite_write_lock_up_front(tmp_path: Path) -> None:
    """The redemption reads, then writes: on SQLite it must begin IMMEDIATE, because a deferred
    transaction that another connection wrote to in between fails at once with 'database is
    locked' when it tries to write (seen as 500s under concurrent POST /token)."""
    from vc_service.ledger._store import LedgerStore

    ledger_store = LedgerStore(f"sqlite:///{tmp_path / 'db.sqlite'}")
    issuer_metadata.create_all(ledger_store.engine)
    store = IssuerStore(ledger_store.engine)
    code, tx = store.create_offer("identity.sd_jwt", {"n": 1})
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.split()[0].upper() + " " + " ".join(statement.split()[1:2]))

    sa.event.listen(ledger_store.engine, "before_cursor_execute", record)
    store.redeem(code, tx)
    sa.event.remove(ledger_store.engine, "before_cursor_execute", record)
    ledger_store.close()
    assert statements[0] == "BEGIN IMMEDIATE", statements


# --------------------------------------------------------------------------- command line


class _Borrowed:
    """Lends the test client to the CLI without letting it close the application."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def __enter__(self) -> TestClient:
        return self._client

    def __exit__(self, *exc: object) -> None:
        return None


def test_chancery_wallet_receive_takes_the_tx_code_from_the_environment(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from wallet_sdk import _cli

    home = tmp_path / "cli-wallet"
    Wallet.create(home, "cli pass", unsafe_fast_kdf=True).close()
    monkeypatch.setenv("CHANCERY_WALLET_PASSPHRASE", "cli pass")
    monkeypatch.setattr(httpx, "Client", lambda **kwargs: _Borrowed(client))
    monkeypatch.setattr(_cli, "_tty_available", lambda: False)
    offer = _offer(client)
    # Without a code and without a terminal: a usage error, and the offer is not spent.
    assert _cli.main(["--home", str(home), "receive", offer["credential_offer_uri"]]) == 2
    monkeypatch.setenv("CHANCERY_WALLET_TX_CODE", offer["tx_code"])
    capsys.readouterr()
    assert _cli.main(["--home", str(home), "receive", offer["credential_offer_uri"]]) == 0
    credential_id = capsys.readouterr().out.strip()
    with Wallet.open(home, "cli pass") as wallet:
        assert wallet.get(credential_id).format == "dc+sd-jwt"
    # Redeeming again fails cleanly (exit 1, one line).
    assert _cli.main(["--home", str(home), "receive", offer["credential_offer_uri"]]) == 1
    assert "invalid_grant" in capsys.readouterr().err


def test_one_offer_in_three_formats_gives_three_credentials_under_separate_keys(
    client: TestClient, wallet: Wallet
) -> None:
    response = client.post(
        "/issuer/offers",
        json={"credential_type": "identity", "claims": CLAIMS},
        headers=headers(client, "civil-registry"),
    )
    assert response.status_code == 201, response.text
    offer = response.json()
    assert offer["credential_offer"]["credential_configuration_ids"] == [
        "identity.sd_jwt",
        "identity.ldp_vc",
        "identity.bbs",
    ]
    ids = receive_all(wallet, offer["credential_offer_uri"], tx_code=offer["tx_code"], http=client)
    stored = [wallet.get(i) for i in ids]
    assert [s.format for s in stored] == ["dc+sd-jwt", "ldp_vc", "ldp_vc"]
    sd_jwt_key = decode_jws(str(stored[0].credential).split("~")[0]).unverified_claims()["cnf"]
    subjects = [s.credential["credentialSubject"]["id"] for s in stored[1:]]  # type: ignore[index]
    # A fresh holder key per credential: the two ldp_vc subjects differ, and neither is the
    # SD-JWT's bound key.
    assert len(set(subjects)) == 2
    assert all(Key.from_jwk(sd_jwt_key["jwk"]).did_key() != s for s in subjects)


def _nonce_store(tmp_path: Path, key: bytes) -> tuple[IssuerStore, Any]:
    from vc_service.ledger._store import LedgerStore

    ledger_store = LedgerStore(f"sqlite:///{tmp_path / 'db.sqlite'}")
    issuer_metadata.create_all(ledger_store.engine)
    return IssuerStore(ledger_store.engine, nonce_key=key), ledger_store


def _spend(store: IssuerStore, nonce: str) -> int:
    """Spend ``nonce`` on a fresh offer's configuration; the reserved status index."""
    from vc_service.service._issuer_store import Offer, _sha256

    code, tx = store.create_offer("identity.sd_jwt", {"a": 1})
    store.redeem(code, tx)
    offer = Offer(
        code_hash=_sha256(code),
        tenant_id=None,
        configuration_ids=("identity.sd_jwt",),
        claims={"a": 1},
    )
    list_id = store.status_list_id("did:example:issuer")
    return store.begin_issuance(nonce, offer, "identity.sd_jwt", list_id)


def test_a_nonce_is_minted_without_a_write_and_spent_once(tmp_path: Path) -> None:
    from vc_service.service._issuer_store import NonceRefused, nonces_table

    store, ledger_store = _nonce_store(tmp_path, b"k" * 32)
    nonce = store.new_nonce()
    with ledger_store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(nonces_table)).scalar() == 0
    _spend(store, nonce)
    with pytest.raises(NonceRefused, match="already used"):
        _spend(store, nonce)
    ledger_store.close()


def test_a_nonce_of_another_worker_with_the_same_key_is_accepted(tmp_path: Path) -> None:
    store, ledger_store = _nonce_store(tmp_path, b"k" * 32)
    other = IssuerStore(ledger_store.engine, nonce_key=b"k" * 32)
    _spend(store, other.new_nonce())
    ledger_store.close()


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda n: IssuerStore.__new__(IssuerStore), id="other-key"),
        pytest.param(lambda n: n[:-2] + ("AA" if n[-2:] != "AA" else "BB"), id="tag"),
        pytest.param(lambda n: "B" + n[1:] if n[0] != "B" else "C" + n[1:], id="random-part"),
        pytest.param(lambda n: n[:40], id="truncated"),
        pytest.param(lambda n: "not base64 !", id="garbage"),
        pytest.param(lambda n: "", id="empty"),
    ],
)
def test_a_forged_nonce_is_refused(tmp_path: Path, forge: Any) -> None:
    from vc_service.service._issuer_store import NonceRefused

    store, ledger_store = _nonce_store(tmp_path, b"k" * 32)
    nonce = store.new_nonce()
    forged = forge(nonce)
    if isinstance(forged, IssuerStore):  # minted under another key
        forged = IssuerStore(ledger_store.engine, nonce_key=b"x" * 32).new_nonce()
    with pytest.raises(NonceRefused):
        _spend(store, forged)
    ledger_store.close()


def test_an_expired_nonce_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vc_service.service._issuer_store import NONCE_TTL, NonceRefused

    store, ledger_store = _nonce_store(tmp_path, b"k" * 32)
    nonce = store.new_nonce()
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + NONCE_TTL + 1)
    with pytest.raises(NonceRefused, match="expired"):
        _spend(store, nonce)
    ledger_store.close()


def test_each_refused_redemption_says_why_and_a_right_code_still_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vc_service.service._issuer_store import OFFER_TTL, TokenRefused, offers_table

    store, ledger_store = _nonce_store(tmp_path, b"k" * 32)
    code, tx = store.create_offer("identity.sd_jwt", {"a": 1})
    wrong = "000000" if tx != "000000" else "111111"
    with pytest.raises(TokenRefused, match="unknown pre-authorized code"):
        store.redeem("not-a-code", tx)
    with pytest.raises(TokenRefused, match="wrong or missing tx_code"):
        store.redeem(code, wrong)
    with pytest.raises(TokenRefused, match="wrong or missing tx_code"):
        store.redeem(code, None)
    assert store.redeem(code, tx)  # two attempts used, the right code still redeems
    with pytest.raises(TokenRefused, match="already used"):
        store.redeem(code, tx)
    with ledger_store.engine.connect() as conn:
        attempts = conn.execute(sa.select(offers_table.c.failed_attempts)).scalar_one()
    assert attempts == 3  # every attempt took a slot, the successful one included

    late, late_tx = store.create_offer("identity.sd_jwt", {"a": 1})
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + OFFER_TTL + 1)
    with pytest.raises(TokenRefused, match="expired"):
        store.redeem(late, late_tx)
    ledger_store.close()


def _claims_of(engine: sa.Engine, code: str) -> Any:
    from vc_service.service._issuer_store import _sha256, offers_table

    with engine.connect() as conn:
        row = conn.execute(
            sa.select(offers_table.c.claims).where(offers_table.c.code_hash == _sha256(code))
        ).first()
    return None if row is None else json.loads(row.claims)


def test_claims_are_erased_once_no_credential_can_come_of_them(tmp_path: Path) -> None:
    from vc_service.service._issuer_store import (
        OFFER_RETENTION,
        OFFER_TTL,
        TOKEN_TTL,
        Offer,
        TokenRefused,
        _sha256,
        offer_items_table,
        offers_table,
        tokens_table,
    )

    store, ledger_store = _nonce_store(tmp_path, b"k" * 32)
    engine = ledger_store.engine
    claims = {"given_name": "Anna", "birthdate": "1974-08-12"}
    live, _ = store.create_offer(["identity.sd_jwt", "identity.ldp_vc"], claims)
    unused, _ = store.create_offer("identity.sd_jwt", claims)
    issued, issued_tx = store.create_offer(["identity.sd_jwt", "identity.ldp_vc"], claims)
    lapsed, lapsed_tx = store.create_offer(["identity.sd_jwt", "identity.ldp_vc"], claims)
    store.redeem(issued, issued_tx)
    store.redeem(lapsed, lapsed_tx)
    list_id = store.status_list_id("did:example:issuer")
    offer = Offer(_sha256(issued), None, ("identity.sd_jwt", "identity.ldp_vc"), claims)
    store.begin_issuance(store.new_nonce(), offer, "identity.sd_jwt", list_id)
    lapsed_offer = Offer(_sha256(lapsed), None, ("identity.sd_jwt",), claims)
    store.begin_issuance(store.new_nonce(), lapsed_offer, "identity.sd_jwt", list_id)
    now = int(time.time())

    # One configuration of 'issued' is still to come: nothing is erased yet.
    assert store.sweep(now) == (0, 0)
    assert _claims_of(engine, issued) == claims
    # Its last configuration erases its claims at once, without waiting for a sweep.
    store.begin_issuance(store.new_nonce(), offer, "identity.ldp_vc", list_id)
    assert _claims_of(engine, issued) == {}
    assert store.sweep(now) == (0, 0)
    assert _claims_of(engine, live) == claims

    # The token of 'lapsed' expires with a configuration never requested.
    assert store.sweep(now + TOKEN_TTL) == (1, 0)
    assert _claims_of(engine, lapsed) == {}
    # 'live' and 'unused' expire unredeemed.
    assert store.sweep(now + OFFER_TTL) == (2, 0)
    assert _claims_of(engine, live) == {} and _claims_of(engine, unused) == {}
    # A replay within the retention is still told the code was used ...
    with pytest.raises(TokenRefused, match="already used"):
        store.redeem(issued, issued_tx)
    # ... and after it the rows are gone, with their items and tokens.
    assert store.sweep(now + OFFER_TTL + OFFER_RETENTION) == (0, 4)
    with engine.connect() as conn:
        for table in (offers_table, offer_items_table, tokens_table):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0
    ledger_store.close()


def test_the_service_sweeps_at_most_once_per_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vc_service.service._issuer_store import SWEEP_INTERVAL

    store, ledger_store = _nonce_store(tmp_path, b"k" * 32)
    sweeps: list[int | None] = []

    def sweep(now: int | None = None) -> tuple[int, int]:
        sweeps.append(now)
        return 0, 0

    monkeypatch.setattr(store, "sweep", sweep)
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    store.sweep_if_due()
    store.sweep_if_due()
    clock[0] += SWEEP_INTERVAL
    store.sweep_if_due()
    assert len(sweeps) == 2
    ledger_store.close()


def test_a_redemption_moves_the_offers_expiry_to_its_tokens(tmp_path: Path) -> None:
    from vc_service.service._issuer_store import (
        OFFER_TTL,
        TOKEN_TTL,
        TokenRefused,
        _sha256,
        offers_table,
    )

    store, ledger_store = _nonce_store(tmp_path, b"k" * 32)
    code, tx = store.create_offer("identity.sd_jwt", {"a": 1})
    wrong = "000000" if tx != "000000" else "111111"

    def expiry() -> int:
        with ledger_store.engine.connect() as conn:
            return int(
                conn.execute(
                    sa.select(offers_table.c.expires_at).where(
                        offers_table.c.code_hash == _sha256(code)
                    )
                ).scalar_one()
            )

    before = time.time()
    with pytest.raises(TokenRefused):
        store.redeem(code, wrong)
    assert expiry() >= int(before) + OFFER_TTL  # a wrong code changes nothing but the count
    store.redeem(code, tx)
    assert int(before) + TOKEN_TTL <= expiry() <= int(time.time()) + TOKEN_TTL
    ledger_store.close()
