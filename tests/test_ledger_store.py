"""The SQL store of the log, on SQLite and on PostgreSQL.

Every test taking ``store`` or ``store_url`` runs twice: on an SQLite file and on PostgreSQL, in a
schema of its own (``ledger_test_<random>``, selected through ``search_path``) that is dropped
afterwards. The PostgreSQL runs skip when the server is unreachable, unless
``CHANCERY_REQUIRE_SERVICES=1`` (``tests/_services.py``). ``CHANCERY_TEST_POSTGRES_URL`` overrides
the server's URL.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from _services import POSTGRES_URL, postgres_reachable, require_or_skip

from vc_service._errors import Error, InvalidInput
from vc_service.ledger._merkle import (
    EMPTY_ROOT,
    MemoryTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from vc_service.ledger._store import (
    MAX_READ,
    LedgerBusy,
    LedgerStore,
    LedgerStoreError,
    build_synthetic,
    metadata,
    synthetic_entry,
)

REPO = Path(__file__).resolve().parent.parent


def _postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a fresh schema; the schema is dropped afterwards."""
    schema = f"ledger_test_{secrets.token_hex(6)}"
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
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL (or SQLite file path) with nothing in it."""
    if request.param == "sqlite":
        yield str(tmp_path / "ledger.db")
        return
    require_or_skip(postgres_reachable(), f"PostgreSQL is not reachable at {POSTGRES_URL}")
    yield from _postgres_schema_url()


@pytest.fixture
def store(store_url: str) -> Iterator[LedgerStore]:
    """An empty log with its schema created."""
    ledger = LedgerStore(store_url)
    ledger.create_schema()
    yield ledger
    ledger.close()


def _append(store: LedgerStore, entries: list[bytes]) -> list[tuple[int, bytes]]:
    with store.writer() as writer:
        return writer.extend(entries)


# --- schema and basics -----------------------------------------------------------------------------


def test_schema_has_the_five_prefixed_tables_and_create_is_idempotent(store: LedgerStore) -> None:
    store.create_schema()
    names = set(sa.inspect(store.engine).get_table_names())
    expected = {"ledger_entries", "ledger_nodes", "ledger_meta", "ledger_checkpoints"}
    expected.add("ledger_cosignatures")
    assert expected <= names
    assert set(metadata.tables) == expected


def test_empty_log_has_the_empty_root_and_no_checkpoint(store: LedgerStore) -> None:
    assert store.size() == 0
    assert store.root() == EMPTY_ROOT
    assert store.consistency_proof(0) == []
    assert store.checkpoint() is None
    assert store.entries(0, 10) == []


def test_appended_entries_read_back_with_their_indexes_and_leaf_hashes(store: LedgerStore) -> None:
    entries = [b"first", b"", b"\x00\xff" * 100]
    receipts = _append(store, entries)
    receipts += _append(store, [b"fourth"])
    assert receipts == [(i, leaf_hash(e)) for i, e in enumerate([*entries, b"fourth"])]
    assert store.size() == 4
    assert [store.entry(i) for i in range(4)] == [*entries, b"fourth"]
    assert store.entries(1, 3) == entries[1:3]
    assert store.entries(2, 100) == [entries[2], b"fourth"]
    assert list(store.iter_entries(1)) == [*entries[1:], b"fourth"]
    assert store.leaf_hash_at(3) == leaf_hash(b"fourth")


def test_roots_and_proofs_equal_the_in_memory_tree_at_ten_thousand(store: LedgerStore) -> None:
    n = 10_000
    build_synthetic(store, n, batch=1_000)
    tree = MemoryTree(synthetic_entry(i) for i in range(n))
    assert store.size() == n
    assert store.root() == tree.root()
    for size in (1, 2, 3, 1023, 1024, 1025, 4096, 6_789, n - 1, n):
        root = store.root(size)
        assert root == tree.root(size)
        for index in {0, size // 2, size - 1}:
            proof = store.inclusion_proof(index, size)
            assert proof == tree.inclusion_proof(index, size)
            verify_inclusion(tree.leaf_hash_at(index), index, size, proof, root)
        for old in {1, size // 3 or 1, size - 1 or 1, size}:
            proof = store.consistency_proof(old, size)
            assert proof == tree.consistency_proof(old, size)
            verify_consistency(old, size, tree.root(old), root, proof)
    # Every perfect subtree the writer stored is the tree's.
    assert store.subtree_hashes([(13, 0), (10, 8), (4, 624), (0, 9_999)]) == [
        tree.subtree_hash(13, 0),
        tree.subtree_hash(10, 8),
        tree.subtree_hash(4, 624),
        tree.subtree_hash(0, 9_999),
    ]


def test_build_synthetic_continues_an_existing_log(store: LedgerStore) -> None:
    build_synthetic(store, 5, batch=2)
    build_synthetic(store, 4, batch=3)
    assert store.entries(0, 9) == [synthetic_entry(i) for i in range(9)]


# --- O(log n): a fixed number of indexed queries ---------------------------------------------------


def _statements(store: LedgerStore, call: Any) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", record)
    return [(s, p) for s, p in seen if s.lstrip().upper().startswith("SELECT")]


def _calls(size: int) -> dict[str, Any]:
    return {
        "root": lambda s: s.root(),
        "root-at": lambda s: s.root(size - 3),
        "inclusion": lambda s: s.inclusion_proof(size // 3),
        "inclusion-last": lambda s: s.inclusion_proof(size - 1),
        "consistency": lambda s: s.consistency_proof(size // 2 + 1),
        "consistency-near": lambda s: s.consistency_proof(size - 5, size - 1),
    }


def test_roots_and_proofs_cost_at_most_three_selects(store: LedgerStore) -> None:
    size = 3_001
    build_synthetic(store, size, batch=1_000)
    for name, call in _calls(size).items():
        selects = _statements(store, lambda c=call: c(store))
        assert 1 <= len(selects) <= 3, name


def test_sqlite_roots_and_proofs_never_scan_a_table(tmp_path: Path) -> None:
    store = LedgerStore(tmp_path / "scan.db")
    store.create_schema()
    size = 3_001
    build_synthetic(store, size, batch=1_000)
    for name, call in _calls(size).items():
        for statement, parameters in _statements(store, lambda c=call: c(store)):
            with store.engine.connect() as conn:
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            details = [row[-1] for row in plan]
            assert not [d for d in details if d.startswith("SCAN ledger_")], (name, details)
    store.close()


# --- the writer: atomic, durable, exclusive --------------------------------------------------------


def test_writer_exception_rolls_back_every_append(store: LedgerStore) -> None:
    _append(store, [b"kept"])
    with pytest.raises(RuntimeError), store.writer() as writer:
        for i in range(3_000):  # more than one flush of buffered rows
            writer.append(b"lost %d" % i)
        writer.set_meta("origin", b"lost")
        raise RuntimeError("abort")
    assert store.size() == 1
    assert store.get_meta("origin") is None
    receipts = _append(store, [b"next"])
    assert receipts == [(1, leaf_hash(b"next"))]
    assert store.root() == MemoryTree([b"kept", b"next"]).root()


def test_appends_are_invisible_to_readers_until_commit(store: LedgerStore) -> None:
    _append(store, [b"a"])
    with store.writer() as writer:
        writer.extend([b"b", b"c"])
        writer.flush()
        assert writer.size == 3
        assert store.size() == 1
        assert store.root() == MemoryTree([b"a"]).root()
    assert store.size() == 3


def test_writer_root_and_checkpoint_in_the_same_transaction(store: LedgerStore) -> None:
    with store.writer() as writer:
        writer.extend([b"x", b"y", b"z"])
        root = writer.root()
        writer.save_checkpoint(writer.size, "note for 3\n")
        with pytest.raises(InvalidInput):
            writer.save_checkpoint(writer.size + 1, "too far\n")
    assert root == store.root() == MemoryTree([b"x", b"y", b"z"]).root()
    assert store.checkpoint() == (3, "note for 3\n")


def test_a_closed_writer_refuses_appends(store: LedgerStore) -> None:
    with store.writer() as writer:
        writer.append(b"in")
    with pytest.raises(InvalidInput):
        writer.append(b"after")
    assert store.size() == 1


def test_store_reopened_has_the_same_log(store_url: str) -> None:
    first = LedgerStore(store_url)
    first.create_schema()
    build_synthetic(first, 1_500, batch=700)
    root = first.root()
    first.close()
    second = LedgerStore(store_url)
    assert second.size() == 1_500
    assert second.root() == root
    second.close()


def test_sqlite_connections_use_wal_and_full_sync(tmp_path: Path) -> None:
    store = LedgerStore(f"sqlite:///{tmp_path / 'pragmas.db'}", busy_timeout=1.5)
    store.create_schema()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1500
    store.close()


def test_a_second_writer_waits_then_reports_busy(store_url: str) -> None:
    holder = LedgerStore(store_url)
    holder.create_schema()
    impatient = LedgerStore(store_url, busy_timeout=0.3)
    with holder.writer() as writer:
        writer.append(b"held")
        started = time.monotonic()
        with pytest.raises(LedgerBusy):
            with impatient.writer() as other:
                other.append(b"never")
        assert time.monotonic() - started >= 0.25
    assert impatient.size() == 1
    with impatient.writer() as other:
        assert other.append(b"now") == (1, leaf_hash(b"now"))
    holder.close()
    impatient.close()


def test_concurrent_thread_writers_never_share_an_index(store: LedgerStore) -> None:
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for batch in range(5):
                with store.writer() as writer:
                    for i in range(40):
                        writer.append(b"thread %d batch %d item %d" % (worker, batch, i))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = list(store.iter_entries())
    assert len(entries) == store.size() == 4 * 5 * 40
    assert len(set(entries)) == len(entries)
    assert store.root() == MemoryTree(entries).root()


_APPENDER = """
import json, sys, time
from vc_service.ledger._store import LedgerStore
url, worker, batches, per_batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
store = LedgerStore(url)
print("ready", flush=True)
sys.stdin.readline()  # all processes start appending together
for batch in range(batches):
    with store.writer() as writer:
        receipts = [
            writer.append(b"process %d batch %d item %d" % (worker, batch, i))
            for i in range(per_batch)
        ]
        time.sleep(0.002)  # hold the lock a little, so that the processes contend
    for index, leaf in receipts:  # printed only after the commit returned
        print(json.dumps([index, leaf.hex()]), flush=True)
    # SQLite's busy handler polls with back-off: without a pause, the process that released the
    # lock would take it again at once, and the batches would not interleave.
    time.sleep(0.03)
store.close()
"""


def test_concurrent_process_writers_never_share_an_index(
    store: LedgerStore, store_url: str
) -> None:
    workers, batches, per_batch = 3, 10, 25
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _APPENDER, store_url, str(w), str(batches), str(per_batch)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for w in range(workers)
    ]
    for process in processes:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    receipts: list[tuple[int, bytes]] = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        receipts += [(i, bytes.fromhex(h)) for i, h in map(json.loads, out.splitlines())]

    total = workers * batches * per_batch
    assert store.size() == total
    assert sorted(index for index, _ in receipts) == list(range(total))
    entries = list(store.iter_entries())
    assert len(set(entries)) == total
    for index, leaf in receipts:  # every receipt printed is in the log, as printed
        assert leaf_hash(entries[index]) == leaf
    assert store.root() == MemoryTree(entries).root()
    owners = [int(e.split(b" ")[1]) for e in entries[::per_batch]]
    switches = sum(a != b for a, b in zip(owners, owners[1:], strict=False))
    assert switches >= workers, f"the writers did not interleave: {owners}"
    # Each process's entries appear in the order it appended them.
    for w in range(workers):
        mine = [e for e in entries if e.startswith(b"process %d " % w)]
        expected = [
            b"process %d batch %d item %d" % (w, b, i)
            for b in range(batches)
            for i in range(per_batch)
        ]
        assert mine == expected


# --- settings, checkpoints, cosignatures -----------------------------------------------------------


def test_meta_set_get_and_replace(store: LedgerStore) -> None:
    assert store.get_meta("origin") is None
    store.set_meta("origin", b"chancery.example/log")
    store.set_meta("origin", b"chancery.example/log2")
    store.set_meta("verifier-key", b"\x00\x01")
    assert store.get_meta("origin") == b"chancery.example/log2"
    assert store.get_meta("verifier-key") == b"\x00\x01"


def test_checkpoints_by_size_and_latest(store: LedgerStore) -> None:
    _append(store, [b"a", b"b", b"c"])
    store.save_checkpoint(0, "empty\n")
    store.save_checkpoint(2, "two\n")
    store.save_checkpoint(3, "three\n")
    store.save_checkpoint(2, "two\n")  # saving the same note again is harmless
    assert store.checkpoint() == (3, "three\n")
    assert store.checkpoint(2) == (2, "two\n")
    assert store.checkpoint(1) is None
    assert store.checkpoint_sizes() == [0, 2, 3]


def test_a_second_different_checkpoint_for_a_size_is_refused(store: LedgerStore) -> None:
    _append(store, [b"a"])
    store.save_checkpoint(1, "one\n")
    with pytest.raises(InvalidInput):
        store.save_checkpoint(1, "another one\n")
    with pytest.raises(InvalidInput):
        store.save_checkpoint(2, "beyond the log\n")
    assert store.checkpoint() == (1, "one\n")


def test_cosignatures_are_kept_per_checkpoint_and_witness(store: LedgerStore) -> None:
    _append(store, [b"a", b"b"])
    store.save_checkpoint(1, "one\n")
    store.save_checkpoint(2, "two\n")
    store.add_cosignature(2, "witness-b", "— witness-b AAAA")
    store.add_cosignature(2, "witness-a", "— witness-a BBBB")
    store.add_cosignature(2, "witness-b", "— witness-b CCCC")  # a newer cosignature replaces
    store.add_cosignature(1, "witness-a", "— witness-a DDDD")
    assert store.cosignatures(2) == [
        ("witness-a", "— witness-a BBBB"),
        ("witness-b", "— witness-b CCCC"),
    ]
    assert store.cosignatures(1) == [("witness-a", "— witness-a DDDD")]
    assert store.cosignatures(0) == []
    with pytest.raises(InvalidInput):
        store.add_cosignature(0, "witness-a", "— witness-a EEEE")


# --- refused input and wrapped failures ------------------------------------------------------------


def test_malformed_arguments_raise_invalid_input(store: LedgerStore) -> None:
    _append(store, [b"a", b"b"])
    for call in (
        lambda: store.entry(2),
        lambda: store.entry(-1),
        lambda: store.leaf_hash_at(5),
        lambda: store.entries(2, 1),
        lambda: store.entries(0, MAX_READ + 1),
        lambda: store.root(3),
        lambda: store.inclusion_proof(2),
        lambda: store.inclusion_proof(0, 3),
        lambda: store.consistency_proof(2, 1),
        lambda: store.consistency_proof(1, 3),
        lambda: store.set_meta("", b"x"),
        lambda: store.set_meta("k", "not bytes"),  # type: ignore[arg-type]
        lambda: store.add_cosignature(1, "", "sig"),
        lambda: store.checkpoint(True),
    ):
        with pytest.raises(InvalidInput):
            call()
    with pytest.raises(InvalidInput), store.writer() as writer:
        writer.append("text")  # type: ignore[arg-type]
    assert store.size() == 2


@pytest.mark.parametrize(
    "target", ["mysql://user@localhost/db", "not a url://", 42], ids=["mysql", "garbage", "int"]
)
def test_unsupported_targets_are_refused(target: Any) -> None:
    with pytest.raises(InvalidInput):
        LedgerStore(target)


def test_database_failures_surface_as_ledger_store_errors(store_url: str) -> None:
    store = LedgerStore(store_url)  # no create_schema: the tables are missing
    with pytest.raises(LedgerStoreError):
        store.size()
    with pytest.raises(LedgerStoreError), store.writer():
        pass
    store.close()


def test_a_missing_node_hash_is_reported_not_a_key_error(store: LedgerStore) -> None:
    build_synthetic(store, 100, batch=100)
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM ledger_nodes WHERE level = 6 AND idx = 0"))
    with pytest.raises(LedgerStoreError):
        store.root()
    with pytest.raises(LedgerStoreError):
        store.inclusion_proof(99)
    assert issubclass(LedgerStoreError, Error)


def test_in_memory_sqlite_works_in_one_thread() -> None:
    store = LedgerStore("sqlite://")
    store.create_schema()
    _append(store, [b"a", b"b", b"c"])
    assert store.root() == MemoryTree([b"a", b"b", b"c"]).root()
    store.close()
