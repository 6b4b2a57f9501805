"""The service foundation: start-up, migrations, settings, the ledger over HTTP, ``chancery serve``.

Tests taking ``db_url`` run twice: on an SQLite file and on PostgreSQL, in a schema of its own
(``service_test_<random>``, selected through ``search_path``) dropped afterwards. The PostgreSQL
runs skip when the server is unreachable unless ``CHANCERY_REQUIRE_SERVICES=1``
(``tests/_services.py``); ``CHANCERY_TEST_POSTGRES_URL`` overrides its URL.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Generator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import rfc8785
import sqlalchemy as sa
from _services import POSTGRES_URL, postgres_reachable, require_or_skip
from pydantic import ValidationError
from starlette.exceptions import StarletteDeprecationWarning

from vc_service._keys import Key
from vc_service.ledger import (
    Ledger,
    LedgerError,
    leaf_hash,
    verify_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from vc_service.ledger._checkpoint import Checkpoint
from vc_service.ledger._did_chancery import did_create_payload
from vc_service.ledger._store import LedgerStore, metadata
from vc_service.service import Settings, create_app
from vc_service.service._ledger_service import (
    ROOT_KEY_META,
    LedgerService,
    seal_root_key,
    start_ledger,
    unseal_root_key,
)
from vc_service.service._migrations import (
    MigrationError,
    alembic_config,
    current_revision,
    head_revision,
    migrate,
    schema_differences,
)

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 package for its test client and warns that httpx, which
    # the project pins, is deprecated there; the client works the same.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- fixtures


def _postgres_schema_url() -> Generator[str, None, None]:
    """A URL whose connections use a fresh schema; the schema is dropped afterwards."""
    schema = f"service_test_{secrets.token_hex(6)}"
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


def _require_postgres() -> None:
    require_or_skip(postgres_reachable(), f"PostgreSQL is not reachable at {POSTGRES_URL}")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: an SQLite file or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        (tmp_path / "db").mkdir()
        yield f"sqlite:///{tmp_path / 'db' / 'chancery.db'}"
        return
    _require_postgres()
    yield from _postgres_schema_url()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema (the tests comparing the two back ends need both)."""
    _require_postgres()
    yield from _postgres_schema_url()


def _settings(tmp_path: Path, db_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "db_url": db_url,
        "var_dir": tmp_path / "var",
        "mode": "development",
        "ledger_origin": "chancery.test/ledger",
        "ledger_secret_file": None,
        "page_size": 1000,
        **extra,
    }
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """Development settings on ``db_url`` with local state under ``tmp_path/var``."""
    return _settings(tmp_path, db_url, page_size=5)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A started application (lifespan run) on ``settings``."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _service(client: TestClient) -> LedgerService:
    service = client.app.state.ledger  # type: ignore[attr-defined]
    assert isinstance(service, LedgerService)
    return service


def _grow(service: LedgerService, count: int) -> list[Key]:
    """Append ``count`` DID creations (one new key each); return the keys."""
    keys = [Key.generate("ed25519") for _ in range(count)]
    with service.lock:
        entries = [service.ledger.make_entries(key, "did", [{}])[0] for key in keys]
        service.ledger.append(entries)
    return keys


def _did_of(service: LedgerService, key: Key) -> str:
    return service.state().verification_methods_of(key)[0].split("#")[0]


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail", "instance"} <= set(body)
    return body


# --------------------------------------------------------------------------- migrations


def _sqlite_schema(url: str) -> list[tuple[str, str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name LIKE 'ledger_%' "
                "ORDER BY type, name"
            ).all()
    finally:
        engine.dispose()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def _postgres_schema(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            columns = conn.execute(
                sa.text(
                    "SELECT table_name, column_name, ordinal_position, data_type, is_nullable, "
                    "character_maximum_length, column_default FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name LIKE 'ledger_%' "
                    "ORDER BY table_name, ordinal_position"
                )
            ).all()
            constraints = conn.execute(
                sa.text(
                    "SELECT rel.relname, con.conname, con.contype, "
                    "pg_get_constraintdef(con.oid) FROM pg_constraint con "
                    "JOIN pg_class rel ON rel.oid = con.conrelid "
                    "JOIN pg_namespace ns ON ns.oid = rel.relnamespace "
                    "WHERE ns.nspname = current_schema() AND rel.relname LIKE 'ledger_%' "
                    "ORDER BY rel.relname, con.conname"
                )
            ).all()
            indexes = conn.execute(
                sa.text(
                    "SELECT tablename, indexname, indexdef FROM pg_indexes "
                    "WHERE schemaname = current_schema() AND tablename LIKE 'ledger_%' "
                    "ORDER BY tablename, indexname"
                )
            ).all()
    finally:
        engine.dispose()
    # The schema name appears in index definitions; compare them without it.
    return {
        "columns": [tuple(row) for row in columns],
        "constraints": [tuple(row) for row in constraints],
        "indexes": [(t, n, d.split(" ON ")[0]) for t, n, d in indexes],
    }


def test_migration_creates_exactly_the_ledger_metadata_on_sqlite(tmp_path: Path) -> None:
    migrated = f"sqlite:///{tmp_path / 'migrated.db'}"
    created = f"sqlite:///{tmp_path / 'created.db'}"
    store = LedgerStore(migrated)
    assert migrate(store.engine) == head_revision()
    store.close()
    reference = LedgerStore(created)
    reference.create_schema()
    reference.close()
    # The CREATE statements SQLite stored, byte for byte: types, keys, CHECKs, WITHOUT ROWID.
    assert _sqlite_schema(migrated) == _sqlite_schema(created)
    assert len(_sqlite_schema(migrated)) >= len(metadata.tables)
    engine = sa.create_engine(migrated)
    with engine.connect() as conn:
        assert schema_differences(conn) == []
    engine.dispose()


def test_migration_creates_exactly_the_ledger_metadata_on_postgresql() -> None:
    _require_postgres()
    migrated_iter = _postgres_schema_url()
    created_iter = _postgres_schema_url()
    migrated = next(migrated_iter)
    created = next(created_iter)
    try:
        store = LedgerStore(migrated)
        assert migrate(store.engine) == head_revision()
        with store.engine.connect() as conn:
            assert schema_differences(conn) == []
        store.close()
        reference = LedgerStore(created)
        reference.create_schema()
        reference.close()
        assert _postgres_schema(migrated) == _postgres_schema(created)
        assert _postgres_schema(migrated)["constraints"]  # the CHECKs and keys were compared
    finally:
        for iterator in (migrated_iter, created_iter):
            iterator.close()


def test_migrate_is_idempotent_and_records_the_revision(db_url: str) -> None:
    store = LedgerStore(db_url)
    assert current_revision(store.engine) is None
    assert migrate(store.engine) == head_revision()
    assert migrate(store.engine) == head_revision()
    assert current_revision(store.engine) == head_revision()
    store.close()


def test_a_ledger_created_without_alembic_is_adopted(db_url: str, tmp_path: Path) -> None:
    """A database made by 'chancery ledger init' (create_schema) is stamped, not re-created."""
    root = Key.generate("ed25519")
    ledger = Ledger.init(db_url, "chancery.cli/ledger", root, secret=os.urandom(32))
    ledger.close()
    store = LedgerStore(db_url)
    assert migrate(store.engine) == head_revision()
    assert store.size() == 1
    store.close()


def test_a_partial_unversioned_schema_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'partial.db'}"
    engine = sa.create_engine(url)
    metadata.tables["ledger_meta"].create(engine)
    engine.dispose()
    store = LedgerStore(url)
    with pytest.raises(MigrationError, match="some ledger tables"):
        migrate(store.engine)
    store.close()


def test_a_drifted_unversioned_schema_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'drifted.db'}"
    store = LedgerStore(url)
    store.create_schema()
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE ledger_meta ADD COLUMN extra TEXT")
    with pytest.raises(MigrationError, match="differ from the expected schema"):
        migrate(store.engine)
    store.close()


def test_the_ledger_revision_cannot_be_downgraded(tmp_path: Path) -> None:
    """Dropping the tables would destroy the append-only log: the revision refuses."""
    from alembic import command

    url = f"sqlite:///{tmp_path / 'down.db'}"
    store = LedgerStore(url)
    migrate(store.engine)
    with store.engine.begin() as conn, pytest.raises(RuntimeError, match="append-only"):
        command.downgrade(alembic_config(conn), "base")
    assert store.size() == 0  # the tables are still there
    store.close()


# --------------------------------------------------------------------------- start-up


def test_first_start_creates_secret_schema_ledger_and_sealed_root_key(
    settings: Settings, db_url: str
) -> None:
    service = start_ledger(settings)
    try:
        secret_file = settings.var_dir / "ledger.secret"
        assert secret_file.stat().st_mode & 0o777 == 0o600
        secret = secret_file.read_bytes()
        assert len(secret) == 32
        assert current_revision(service.ledger.store.engine) == head_revision()
        assert service.ledger.store.size() == 1  # the genesis entry
        assert service.ledger.origin == "chancery.test/ledger"
        root_key = service.root_key
        assert root_key is not None and root_key.has_private
        assert service.root_did() == _did_of(service, root_key)
        sealed = service.ledger.store.get_meta(ROOT_KEY_META)
        assert sealed is not None
        assert unseal_root_key(sealed, secret).private_jwk() == root_key.private_jwk()
        # Never in plaintext: neither the JWK's private member nor its raw bytes are stored.
        private_d = root_key.private_jwk()["d"].encode()
        assert private_d not in sealed and root_key.private_bytes() not in sealed
    finally:
        service.close()
    if db_url.startswith("sqlite"):
        # Every file SQLite wrote (the database, and a WAL if one is left).
        database = Path(sa.make_url(db_url).database or "")
        for path in database.parent.iterdir():
            raw = path.read_bytes()
            assert root_key.private_jwk()["d"].encode() not in raw
            assert root_key.private_bytes() not in raw


def test_restart_reuses_the_ledger_and_the_root_key(settings: Settings) -> None:
    first = start_ledger(settings)
    verifier, root_did = first.ledger.verifier_key(), first.root_did()
    first.close()
    second = start_ledger(settings)
    try:
        assert second.ledger.verifier_key() == verifier
        assert second.root_did() == root_did
        assert second.ledger.store.size() == 1
    finally:
        second.close()


def test_a_wrong_secret_refuses_to_start(settings: Settings) -> None:
    start_ledger(settings).close()
    secret_file = settings.var_dir / "ledger.secret"
    secret_file.write_bytes(os.urandom(32))
    with pytest.raises(LedgerError, match="does not open the log key"):
        start_ledger(settings)


def test_a_secret_that_opens_the_log_key_but_not_the_root_key_is_refused(
    settings: Settings,
) -> None:
    service = start_ledger(settings)
    other = os.urandom(32)
    service.ledger.store.set_meta(ROOT_KEY_META, seal_root_key(Key.generate("ed25519"), other))
    service.close()
    with pytest.raises(LedgerError, match="does not open the root authority key"):
        start_ledger(settings)
    # A root key that opens but is not the ledger's root DID's key is refused too.
    service_store = LedgerStore(settings.db_url)
    secret = (settings.var_dir / "ledger.secret").read_bytes()
    service_store.set_meta(ROOT_KEY_META, seal_root_key(Key.generate("ed25519"), secret))
    service_store.close()
    with pytest.raises(LedgerError, match="not a current key of this ledger's root DID"):
        start_ledger(settings)


def test_a_root_key_moved_to_another_row_does_not_open() -> None:
    """The seal binds its purpose: another sealed value under the same secret is refused."""
    secret = os.urandom(32)
    import nacl.secret

    other = bytes(nacl.secret.SecretBox(secret).encrypt(b'{"kty":"OKP"}'))
    with pytest.raises(LedgerError, match="not a root authority key"):
        unseal_root_key(other, secret)
    key = Key.generate("ed25519")
    assert unseal_root_key(seal_root_key(key, secret), secret).thumbprint() == key.thumbprint()


def test_a_ledger_created_outside_the_service_serves_without_a_root_key(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret_file = tmp_path / "cli.secret"
    secret_file.write_bytes(os.urandom(32))
    secret_file.chmod(0o600)
    Ledger.init(
        db_url, "chancery.cli/ledger", Key.generate("ed25519"), secret=secret_file.read_bytes()
    ).close()
    settings = _settings(tmp_path, db_url, ledger_secret_file=secret_file)
    with caplog.at_level(logging.WARNING, logger="chancery.service"):
        service = start_ledger(settings)
    try:
        assert service.root_key is None
        assert service.ledger.origin == "chancery.cli/ledger"
        assert "root authority key is not held here" in caplog.text
        assert "applies only to new ledgers" in caplog.text
    finally:
        service.close()


# --------------------------------------------------------------------------- settings


def test_settings_defaults_are_the_embedded_development_set_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(os.environ):
        if name.startswith("CHANCERY_"):
            monkeypatch.delenv(name)
    defaults = Settings()
    assert defaults.mode == "development"
    assert defaults.db_url == "sqlite:///./var/chancery.db"
    assert defaults.ledger_origin == "chancery.local/ledger"
    assert defaults.secret_file == Path("var/ledger.secret")
    assert (defaults.host, defaults.port) == ("127.0.0.1", 8000)
    monkeypatch.setenv("CHANCERY_DB_URL", "postgresql+psycopg://db.example/chancery")
    monkeypatch.setenv("CHANCERY_PORT", "9000")
    from_env = Settings()
    assert from_env.db_url == "postgresql+psycopg://db.example/chancery"
    assert from_env.port == 9000 and from_env.sqlite_path is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"mode": "production"}, "CHANCERY_LEDGER_SECRET_FILE"),
        ({"mode": "staging"}, "mode"),
        ({"db_url": "mysql://db/chancery"}, "unsupported database"),
        ({"db_url": "sqlite://"}, "in-memory"),
        ({"db_url": "sqlite:///:memory:"}, "in-memory"),
        ({"db_url": "  "}, "empty"),
        ({"port": 70000}, "port"),
        ({"page_size": 0}, "page_size"),
    ],
    ids=[
        "production-without-secret",
        "unknown-mode",
        "mysql",
        "sqlite-memory",
        "sqlite-memory-path",
        "empty-url",
        "port-range",
        "page-size",
    ],
)
def test_settings_refuse_unusable_values(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**values)


def test_settings_take_a_bare_sqlite_path() -> None:
    settings = Settings(db_url="some/dir/chancery.db")
    assert settings.db_url == "sqlite:///some/dir/chancery.db"
    assert settings.sqlite_path == Path("some/dir/chancery.db")


def test_production_refuses_a_missing_or_exposed_secret(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    secret_file = tmp_path / "provisioned.secret"
    settings = _settings(tmp_path, url, mode="production", ledger_secret_file=secret_file)
    with pytest.raises(LedgerError, match="does not exist"):
        start_ledger(settings)
    assert not secret_file.exists()  # never generated in production
    secret_file.write_bytes(os.urandom(32))
    secret_file.chmod(0o644)
    with pytest.raises(LedgerError, match="accessible to other users"):
        start_ledger(settings)
    secret_file.chmod(0o600)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        body = _problem(client.post("/ledger/checkpoint"), 403)
        assert body["type"].endswith("/forbidden")
        assert "schedule" in body["detail"]


# --------------------------------------------------------------------------- endpoints


def test_healthz_and_ledger_description(client: TestClient) -> None:
    service = _service(client)
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "origin": "chancery.test/ledger", "size": 1}
    info = client.get("/ledger").json()
    assert info == {
        "origin": "chancery.test/ledger",
        "size": 1,
        "verifier_key": service.ledger.verifier_key(),
        "root_did": service.root_did(),
        "checkpoint_size": None,
    }


def test_checkpoint_is_404_until_sealed_then_a_verifiable_note(client: TestClient) -> None:
    service = _service(client)
    body = _problem(client.get("/ledger/checkpoint"), 404)
    assert body["type"].endswith("/not-found") and body["instance"] == "/ledger/checkpoint"
    _grow(service, 3)
    sealed = client.post("/ledger/checkpoint")
    assert sealed.status_code == 200
    assert sealed.headers["content-type"].startswith("text/plain")
    latest = client.get("/ledger/checkpoint")
    assert latest.text == sealed.text
    checkpoint = verify_checkpoint(latest.content, log_verifier=service.ledger.verifier_key())
    assert isinstance(checkpoint, Checkpoint)
    assert checkpoint.size == 4
    assert checkpoint.root == service.ledger.store.root(4)
    assert client.get("/ledger").json()["checkpoint_size"] == 4


def test_entries_come_in_bounded_pages_that_chain_and_hash(client: TestClient) -> None:
    service = _service(client)
    _grow(service, 11)  # 12 entries, page size 5
    seen: list[dict[str, Any]] = []
    start: int | None = 0
    pages = 0
    while start is not None:
        page = client.get("/ledger/entries", params={"start": start}).json()
        assert page["start"] == start and page["size"] == 12
        assert len(page["entries"]) == page["end"] - page["start"] <= 5
        seen.extend(page["entries"])
        start = page["next"]
        pages += 1
    assert pages == 3
    assert [e["index"] for e in seen] == list(range(12))
    for item in seen:
        raw = base64.b64decode(item["entry"], validate=True)
        assert raw == service.ledger.store.entry(item["index"])
        assert item["leaf_hash"] == leaf_hash(raw).hex()
    window = client.get("/ledger/entries", params={"start": 3, "end": 6}).json()
    assert [e["index"] for e in window["entries"]] == [3, 4, 5] and window["next"] is None
    beyond = client.get("/ledger/entries", params={"start": 10, "end": 1000}).json()
    assert [e["index"] for e in beyond["entries"]] == [10, 11] and beyond["next"] is None
    at_end = client.get("/ledger/entries", params={"start": 12}).json()
    assert at_end["entries"] == [] and at_end["next"] is None


def test_one_entry_with_its_decoded_json(client: TestClient) -> None:
    service = _service(client)
    genesis = client.get("/ledger/entries/0").json()
    raw = base64.b64decode(genesis["entry"])
    assert genesis["decoded"] == json.loads(raw)
    assert genesis["decoded"]["type"] == "genesis"
    assert genesis["decoded"]["payload"]["root"]["did"] == service.root_did()
    body = _problem(client.get("/ledger/entries/1"), 404)
    assert "index 1" in body["detail"]


def test_every_inclusion_proof_verifies(client: TestClient) -> None:
    service = _service(client)
    _grow(service, 6)  # 7 entries: proofs of several shapes
    for size in range(1, 8):
        for index in range(size):
            proof = client.get(
                "/ledger/proofs/inclusion", params={"index": index, "size": size}
            ).json()
            assert (proof["index"], proof["size"]) == (index, size)
            raw = service.ledger.store.entry(index)
            assert proof["leaf_hash"] == leaf_hash(raw).hex()
            verify_inclusion(
                leaf_hash(raw),
                index,
                size,
                [bytes.fromhex(h) for h in proof["proof"]],
                bytes.fromhex(proof["root"]),
            )
            assert bytes.fromhex(proof["root"]) == service.ledger.store.root(size)


def test_an_inclusion_proof_without_size_ties_to_the_latest_checkpoint(
    client: TestClient,
) -> None:
    service = _service(client)
    _grow(service, 4)
    note = client.post("/ledger/checkpoint").content
    _grow(service, 2)  # the log moves on past the checkpoint
    proof = client.get("/ledger/proofs/inclusion", params={"index": 2}).json()
    assert proof["size"] == 5 and proof["checkpoint"] == note.decode()
    checkpoint = verify_checkpoint(note, log_verifier=service.ledger.verifier_key())
    assert bytes.fromhex(proof["root"]) == checkpoint.root
    # An entry the checkpoint does not cover is proved against the current tree.
    newest = client.get("/ledger/proofs/inclusion", params={"index": 6}).json()
    assert newest["size"] == 7 and newest["checkpoint"] is None


def test_every_consistency_proof_verifies(client: TestClient) -> None:
    service = _service(client)
    _grow(service, 5)
    for new in range(0, 7):
        for old in range(0, new + 1):
            proof = client.get("/ledger/proofs/consistency", params={"from": old, "to": new}).json()
            assert (proof["old_size"], proof["new_size"]) == (old, new)
            verify_consistency(
                old,
                new,
                bytes.fromhex(proof["old_root"]),
                bytes.fromhex(proof["new_root"]),
                [bytes.fromhex(h) for h in proof["proof"]],
            )
    latest = client.get("/ledger/proofs/consistency", params={"from": 2}).json()
    assert latest["new_size"] == 6


def test_state_snapshot_hashes_to_its_state_hash(client: TestClient) -> None:
    service = _service(client)
    _grow(service, 2)
    state = client.get("/ledger/state").json()
    assert state["origin"] == "chancery.test/ledger" and state["size"] == 3
    assert state["state_hash"] == hashlib.sha256(rfc8785.dumps(state["state"])).hexdigest()
    assert state["state"]["root"] == service.root_did()
    assert len(state["state"]["dids"]) == 3


def test_concurrent_readers_and_an_appender_keep_one_consistent_state(
    client: TestClient,
) -> None:
    """Request threads advance the in-memory registry state under one lock: an entry is never
    applied twice, and every snapshot's hash matches its own contents."""
    service = _service(client)
    root_did = service.root_did()
    failures: list[str] = []

    def reader() -> None:
        for _ in range(15):
            state = client.get("/ledger/state")
            if state.status_code != 200:
                failures.append(state.text)
                continue
            body = state.json()
            if body["state_hash"] != hashlib.sha256(rfc8785.dumps(body["state"])).hexdigest():
                failures.append("a snapshot does not hash to its state hash")
            resolved = client.get(f"/1.0/identifiers/{root_did}")
            if resolved.status_code != 200:
                failures.append(resolved.text)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(10):
        _grow(service, 1)
    for thread in threads:
        thread.join()
    assert failures == []
    final = client.get("/ledger/state").json()
    assert final["size"] == 11 and len(final["state"]["dids"]) == 11
    assert final["state_hash"] == service.ledger.state_at(11).state_hash().hex()


# --------------------------------------------------------------------------- DID resolution


def test_the_root_did_resolves_with_its_metadata(client: TestClient) -> None:
    service = _service(client)
    root_did = service.root_did()
    assert root_did is not None and service.root_key is not None
    response = client.get(f"/1.0/identifiers/{root_did}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/did-resolution"
    result = response.json()
    assert set(result) == {
        "@context",
        "didDocument",
        "didResolutionMetadata",
        "didDocumentMetadata",
    }
    document = result["didDocument"]
    assert document["id"] == root_did
    method = document["verificationMethod"][0]
    assert method["publicKeyMultibase"] == service.root_key.public_key().multikey()
    assert result["didResolutionMetadata"] == {"contentType": "application/did+ld+json"}
    metadata_ = result["didDocumentMetadata"]
    assert metadata_["deactivated"] is False and metadata_["versionId"] == "0"


def test_did_key_and_did_jwk_resolve_without_the_ledger(client: TestClient) -> None:
    from vc_service._dids import did_jwk

    key = Key.generate("p256")
    by_key = client.get(f"/1.0/identifiers/{key.did_key()}").json()
    assert by_key["didDocument"]["id"] == key.did_key()
    assert by_key["didDocumentMetadata"] == {}
    jwk_did = did_jwk(key.public_key())
    by_jwk = client.get(f"/1.0/identifiers/{jwk_did}").json()
    assert by_jwk["didDocument"]["id"] == jwk_did


def test_a_did_document_alone_when_the_client_asks_for_one(client: TestClient) -> None:
    root_did = _service(client).root_did()
    response = client.get(
        f"/1.0/identifiers/{root_did}", headers={"Accept": "application/did+ld+json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/did+ld+json"
    assert response.json()["id"] == root_did


def test_version_time_gives_the_document_as_of_then(client: TestClient) -> None:
    service = _service(client)
    root_did = service.root_did()
    before = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = _problem(client.get(f"/1.0/identifiers/{root_did}", params={"versionTime": before}), 404)
    assert body["type"] == "https://www.w3.org/ns/did#NOT_FOUND"
    assert body["didResolutionMetadata"]["error"]["type"] == body["type"]
    assert body["didDocument"] is None
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    ok = client.get(f"/1.0/identifiers/{root_did}", params={"versionTime": later})
    assert ok.status_code == 200
    for bad in ("yesterday", "2024-01-01T00:00:00"):
        problem = _problem(
            client.get(f"/1.0/identifiers/{root_did}", params={"versionTime": bad}), 400
        )
        assert problem["type"] == "https://www.w3.org/ns/did#INVALID_OPTIONS"


def test_a_deactivated_did_resolves_as_gone(client: TestClient) -> None:
    service = _service(client)
    (key,) = _grow(service, 1)
    did = _did_of(service, key)
    with service.lock:
        service.ledger.append(
            service.ledger.make_entries(key, "did", [{"op": "deactivate", "did": did}])
        )
    response = client.get(f"/1.0/identifiers/{did}")
    assert response.status_code == 410
    result = response.json()
    assert result["didDocumentMetadata"]["deactivated"] is True
    assert (
        "verificationMethod" not in result["didDocument"]
        or not result["didDocument"]["verificationMethod"]
    )


@pytest.mark.parametrize(
    ("did", "status", "code"),
    [
        ("not-a-did", 400, "INVALID_DID"),
        ("did:chancery:", 400, "INVALID_DID"),
        ("did:key:zNotBase58!", 400, "INVALID_DID"),
        (did_create_payload([Key.generate("ed25519")])["did"], 404, "NOT_FOUND"),
        ("did:web:example.com", 400, "METHOD_NOT_SUPPORTED"),
        ("did:example:123", 400, "METHOD_NOT_SUPPORTED"),
        ("did:jwk:eyJrdHkiOiJPS1AifQ", 400, None),
    ],
    ids=[
        "not-a-did",
        "empty-method-id",
        "bad-base58",
        "unknown-chancery-did",
        "did-web",
        "unknown-method",
        "incomplete-jwk",
    ],
)
def test_unresolvable_dids_are_problems(
    client: TestClient, did: str, status: int, code: str | None
) -> None:
    body = _problem(client.get(f"/1.0/identifiers/{did}"), status)
    assert body["type"].startswith("https://www.w3.org/ns/did#")
    if code is not None:
        assert body["type"] == f"https://www.w3.org/ns/did#{code}"
    assert body["didResolutionMetadata"]["error"]["type"] == body["type"]


# --------------------------------------------------------------------------- chancery serve


def test_chancery_version_does_not_import_fastapi() -> None:
    code = (
        "import sys\n"
        "from vc_service._cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('fastapi', 'uvicorn', 'starlette', 'alembic') if m in sys.modules]\n"
        "print('heavy=' + ','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert result.stdout.strip().splitlines()[-1] == "heavy="


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANCERY_")}
    env.update(extra)
    return env


def test_serve_refuses_production_without_a_secret_in_one_line(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("chancery")
    result = subprocess.run(
        [str(exe), "serve", "--port", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_clean_env(CHANCERY_MODE="production"),
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "CHANCERY_LEDGER_SECRET_FILE" in result.stderr
    assert not (tmp_path / "var").exists()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_chancery_serve_runs_the_real_server(tmp_path: Path) -> None:
    """uvicorn on a loopback port: health, a checkpoint, a verified inclusion proof of the
    genesis entry, and the root DID resolved; then a clean shutdown on SIGTERM."""
    exe = Path(sys.executable).with_name("chancery")
    port = _free_port()
    database = tmp_path / "data" / "served.db"
    process = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--db", f"sqlite:///{database}"],
        cwd=tmp_path,
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.2)
            info = http.get("/ledger").json()
            assert http.post("/ledger/checkpoint").status_code == 200
            note = http.get("/ledger/checkpoint")
            assert note.status_code == 200
            checkpoint = verify_checkpoint(note.content, log_verifier=info["verifier_key"])
            proof = http.get("/ledger/proofs/inclusion", params={"index": 0}).json()
            genesis = base64.b64decode(http.get("/ledger/entries/0").json()["entry"])
            verify_inclusion(
                leaf_hash(genesis),
                0,
                proof["size"],
                [bytes.fromhex(h) for h in proof["proof"]],
                checkpoint.root,
            )
            resolved = http.get(f"/1.0/identifiers/{info['root_did']}")
            assert resolved.status_code == 200
            assert resolved.json()["didDocument"]["id"] == info["root_did"]
            assert http.get("/docs").status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
    # uvicorn shuts down gracefully, then re-raises the signal it caught (exit status -15).
    assert process.returncode in (0, -signal.SIGTERM), stderr
    assert "Application shutdown complete" in stderr
    assert f"listening on {base}" in stderr
    assert f"ledger verifier key: {info['verifier_key']}" in stderr
    assert (tmp_path / "var" / "ledger.secret").stat().st_mode & 0o777 == 0o600
    assert database.exists()
