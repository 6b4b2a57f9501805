"""Nothing lost, nothing doubled (issue #4 §5): ``kill -9`` during a bulk append, and concurrent
appenders on one database.

The appenders are the installed console script (``chancery ledger append``) as separate processes,
so the process boundary, the database's locking and its durability are all real. A receipt is
printed only after the transaction holding its entry committed (specs/ledger.md §3); so after a
``SIGKILL`` at any moment, every receipt the process printed must be in the log, with the same
index, leaf hash and entry bytes, and ``chancery ledger verify`` must pass. Transactions are all
or nothing: the log grows by whole ``--batch`` batches. Concurrent appenders never share an index
and leave no gap. The concurrency test runs on SQLite and on PostgreSQL (an isolated schema; it
skips when the server is unreachable unless ``CHANCERY_REQUIRE_SERVICES=1``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
import sqlalchemy as sa
from _services import POSTGRES_URL, postgres_reachable, require_or_skip

from vc_service._keys import Key
from vc_service.ledger._ledger import Ledger
from vc_service.ledger._store import LedgerStore

CHANCERY = Path(sys.executable).with_name("chancery")
ORIGIN = "example.gov/chancery/kill-test"
#: Lines fed to each killed appender: far more than it gets through before the kill.
BULK_LINES = 30_000
#: (receipts read before the kill, extra delay before the kill in seconds, --batch).
KILL_POINTS = [(2_000, 0.0, 500), (2_000, 0.13, 1_000), (2_600, 0.29, 250)]


# --- helpers --------------------------------------------------------------------------------------


def _agency_ledger(url: str, folder: Path) -> Path:
    """Create a log at ``url`` with an accredited agency; return the agency's JWK file."""
    root, agency = Key.generate("ed25519"), Key.generate("ed25519")
    ledger = Ledger.init(url, ORIGIN, root, secret=secrets.token_bytes(32))
    try:
        [created] = ledger.make_entries(agency, "did", [{}])
        ledger.append([created])
        grant = {
            "agency": created.signer_did,
            "types": ["diploma"],
            "valid_from": "2020-01-01T00:00:00Z",
            "valid_until": "2099-01-01T00:00:00Z",
        }
        ledger.append(ledger.make_entries(root, "accreditation", [grant]))
    finally:
        ledger.close()
    key_file = folder / "agency.jwk"
    key_file.write_text(json.dumps(agency.private_jwk()))
    return key_file


def _anchor_lines(path: Path, count: int) -> Path:
    """``count`` credential-anchor payload lines, each with one fresh random hash."""
    with path.open("w") as out:
        for _ in range(count):
            out.write('{"hashes":["%s"]}\n' % secrets.token_hex(32))  # noqa: UP031
    return path


def _append_command(db: str, key: Path, batch: int) -> list[str]:
    return [
        str(CHANCERY),
        "ledger",
        "append",
        "--db",
        db,
        "--key",
        str(key),
        "--type",
        "credential-anchor",
        "--batch",
        str(batch),
    ]


def _receipt(line: bytes) -> dict[str, Any]:
    """A printed receipt, checked to be self-consistent (leaf hash = SHA-256(0x00 || entry))."""
    receipt: dict[str, Any] = json.loads(line)
    entry = base64.b64decode(receipt["entry"], validate=True)
    assert receipt["leaf_hash"] == hashlib.sha256(b"\x00" + entry).hexdigest()
    return receipt


def _assert_in_log(db: str, receipts: list[dict[str, Any]]) -> None:
    """Every receipt's entry is in the log at its index, with its leaf hash."""
    if not receipts:
        return
    store = LedgerStore(db)
    try:
        by_index = {r["index"]: r for r in receipts}
        low, high = min(by_index), max(by_index) + 1
        assert high <= store.size()
        for start in range(low, high, 5_000):
            stop = min(high, start + 5_000)
            entries = store.entries(start, stop)
            leaves = store.subtree_hashes([(0, i) for i in range(start, stop)])
            for index, entry, leaf in zip(range(start, stop), entries, leaves, strict=True):
                receipt = by_index.get(index)
                if receipt is not None:
                    assert base64.b64decode(receipt["entry"]) == entry, index
                    assert receipt["leaf_hash"] == leaf.hex(), index
    finally:
        store.close()


def _size(db: str) -> int:
    store = LedgerStore(db)
    try:
        return store.size()
    finally:
        store.close()


def _verify(db: str) -> dict[str, Any]:
    """``chancery ledger verify`` as a separate process; its report, required to pass."""
    done = subprocess.run(
        [str(CHANCERY), "ledger", "verify", "--db", db],
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    report: dict[str, Any] = json.loads(done.stdout)
    assert report["ok"] is True and report["problems"] == []
    return report


class _Reader(threading.Thread):
    """Drains a process's standard output line by line, so the process never blocks on it and
    the kill can land anywhere: while signing, inside a transaction, committing or printing."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(daemon=True)
        self._stream = stream
        self.lines: list[bytes] = []
        self.partial = b""

    def run(self) -> None:
        for line in self._stream:
            if line.endswith(b"\n"):
                self.lines.append(line)
            else:  # the process died in the middle of writing this line
                self.partial = line


# --- kill -9 --------------------------------------------------------------------------------------


def test_kill_9_during_a_bulk_append_loses_no_printed_receipt(tmp_path: Path) -> None:
    db = str(tmp_path / "ledger.db")
    key = _agency_ledger(db, tmp_path)
    for run, (threshold, delay, batch) in enumerate(KILL_POINTS):
        before = _size(db)
        lines = _anchor_lines(tmp_path / f"bulk-{run}.jsonl", BULK_LINES)
        with lines.open("rb") as stdin, (tmp_path / f"stderr-{run}").open("wb") as stderr:
            process = subprocess.Popen(
                _append_command(db, key, batch), stdin=stdin, stdout=subprocess.PIPE, stderr=stderr
            )
            assert process.stdout is not None
            reader = _Reader(process.stdout)
            reader.start()
            try:
                deadline = time.monotonic() + 120
                while len(reader.lines) < threshold and process.poll() is None:
                    assert time.monotonic() < deadline, "the appender is too slow"
                    time.sleep(0.002)
                time.sleep(delay)
                process.send_signal(signal.SIGKILL)
            finally:
                if process.poll() is None:
                    process.kill()
                process.wait(timeout=60)
                reader.join(timeout=60)
                process.stdout.close()
        assert process.returncode == -signal.SIGKILL, (tmp_path / f"stderr-{run}").read_text()
        receipts = [_receipt(line) for line in reader.lines]
        assert threshold <= len(receipts) < BULK_LINES

        # After the restart: a clean audit, and every receipt printed before the kill is there.
        report = _verify(db)
        size = report["size"]
        assert [r["index"] for r in receipts] == list(range(before, before + len(receipts)))
        _assert_in_log(db, receipts)
        assert size >= before + len(receipts)
        # All or nothing: only whole transactions of --batch entries were committed.
        assert (size - before) % batch == 0, (size, before, batch)


# --- concurrent appenders -------------------------------------------------------------------------


def _concurrent_appenders(db: str, key: Path, folder: Path, *, processes: int = 3) -> None:
    """Run ``processes`` appenders at once, each with its own anchors; check the indexes."""
    before = _size(db)
    per_process = 1_200
    runs = []
    for n in range(processes):
        lines = _anchor_lines(folder / f"concurrent-{n}.jsonl", per_process)
        stdout = (folder / f"concurrent-{n}.out").open("wb")
        stderr = (folder / f"concurrent-{n}.err").open("wb")
        with lines.open("rb") as stdin:
            process = subprocess.Popen(
                _append_command(db, key, 100), stdin=stdin, stdout=stdout, stderr=stderr
            )
        runs.append((process, stdout, stderr))
    # An audit while the appenders run sees a consistent log every time (it reads a snapshot
    # of the size and checks only what that size covers).
    audits = 0
    ledger = Ledger.open(db)
    try:
        while audits < 2 and any(process.poll() is None for process, _, _ in runs):
            report = ledger.verify()
            assert report.ok, report.problems
            audits += 1
    finally:
        ledger.close()
    assert audits >= 1
    for process, stdout, stderr in runs:
        process.wait(timeout=240)
        stdout.close()
        stderr.close()
    received: list[list[dict[str, Any]]] = []
    for n, (process, _, _) in enumerate(runs):
        error = (folder / f"concurrent-{n}.err").read_text()
        assert process.returncode == 0 and error == "", error
        output = (folder / f"concurrent-{n}.out").read_bytes().splitlines()
        received.append([_receipt(line) for line in output])
    indexes = [[r["index"] for r in receipts] for receipts in received]
    for own in indexes:
        assert len(own) == per_process and own == sorted(own)
    everything = [i for own in indexes for i in own]
    assert len(set(everything)) == len(everything), "two appenders got the same index"
    assert sorted(everything) == list(range(before, before + processes * per_process))
    assert _size(db) == before + processes * per_process
    _assert_in_log(db, [r for receipts in received for r in receipts])
    report = _verify(db)
    assert report["size"] == before + processes * per_process


def test_concurrent_appenders_on_sqlite_never_share_an_index(tmp_path: Path) -> None:
    db = str(tmp_path / "ledger.db")
    key = _agency_ledger(db, tmp_path)
    _concurrent_appenders(db, key, tmp_path)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections use a fresh schema (``search_path``), dropped afterwards."""
    require_or_skip(postgres_reachable(), f"PostgreSQL is not reachable at {POSTGRES_URL}")
    schema = f"ledger_kill_{secrets.token_hex(6)}"
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


def test_concurrent_appenders_on_postgresql_never_share_an_index(
    postgres_url: str, tmp_path: Path
) -> None:
    key = _agency_ledger(postgres_url, tmp_path)
    _concurrent_appenders(postgres_url, key, tmp_path)
    # The schema is really this test's own: the log lives there and nowhere else.
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
            assert str(schema).startswith("ledger_kill_")
    finally:
        engine.dispose()
