"""Writers of one SQLite file queue in the write gate instead of polling SQLite's lock.

Each test checks an outcome that a missing or broken gate would change: lost increments (two
read-then-write transactions interleaved), a second writer let in while the first holds the
gate, or a descriptor shared with a forked child.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from vc_service.ledger._store import _GATES, LedgerBusy, LedgerStore, write_transaction

_COUNTER = sa.table("counter", sa.column("n", sa.Integer))


def _store(path: Path, busy_timeout: float = 30.0) -> LedgerStore:
    store = LedgerStore(path, busy_timeout=busy_timeout, synchronous="NORMAL")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS counter (n INTEGER NOT NULL)")
        if conn.exec_driver_sql("SELECT count(*) FROM counter").scalar() == 0:
            conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    return store


def _increment(engine: sa.Engine) -> None:
    # Read, then write the value read: only exclusive transactions keep every increment.
    with write_transaction(engine) as conn:
        value = conn.execute(sa.select(_COUNTER.c.n)).scalar_one()
        conn.execute(_COUNTER.update().values(n=value + 1))


def _value(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(_COUNTER.c.n)).scalar_one())


def test_threads_keep_every_increment(tmp_path: Path) -> None:
    store = _store(tmp_path / "db.sqlite")
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                _increment(store.engine)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _value(store.engine) == 400


def test_processes_keep_every_increment(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    _store(path).close()
    script = textwrap.dedent(
        f"""
        import sqlalchemy as sa, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_write_queue import _increment, _store
        store = _store(sys.argv[1])
        for _ in range(100):
            _increment(store.engine)
        """
    )
    children = [subprocess.Popen([sys.executable, "-c", script, str(path)]) for _ in range(3)]
    assert [child.wait(timeout=120) for child in children] == [0, 0, 0]
    assert _value(_store(path).engine) == 300


def test_a_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    store = _store(tmp_path / "db.sqlite")
    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        with write_transaction(store.engine):
            order.append("first in")
            inside.set()
            release.wait(timeout=30)
            order.append("first out")

    def second() -> None:
        inside.wait(timeout=30)
        with write_transaction(store.engine):
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    inside.wait(timeout=30)
    # The second writer is blocked on the gate while the first holds it.
    threads[1].join(timeout=0.2)
    assert threads[1].is_alive()
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert order == ["first in", "first out", "second in"]


def test_the_gate_times_out_with_ledger_busy(tmp_path: Path) -> None:
    store = _store(tmp_path / "db.sqlite", busy_timeout=0.05)
    inside = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with write_transaction(store.engine):
            inside.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert inside.wait(timeout=30)
        with pytest.raises(LedgerBusy), write_transaction(store.engine):
            pass
    finally:
        release.set()
        thread.join(timeout=30)


def test_the_gate_is_reentrant_and_released(tmp_path: Path) -> None:
    store = _store(tmp_path / "db.sqlite")
    gate, _ = _GATES[store.engine]
    with gate.held(1.0), gate.held(1.0):
        pass
    # Released: another thread takes it at once.
    taken = threading.Event()

    def take() -> None:
        with gate.held(1.0):
            taken.set()

    thread = threading.Thread(target=take)
    thread.start()
    thread.join(timeout=30)
    assert taken.is_set()


def test_a_rolled_back_writer_releases_the_gate(tmp_path: Path) -> None:
    store = _store(tmp_path / "db.sqlite")
    with pytest.raises(ValueError), write_transaction(store.engine) as conn:
        conn.execute(_COUNTER.update().values(n=99))
        raise ValueError("abort")
    assert _value(store.engine) == 0
    _increment(store.engine)
    assert _value(store.engine) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
def test_a_forked_child_opens_its_own_lock(tmp_path: Path) -> None:
    import fcntl

    store = _store(tmp_path / "db.sqlite")
    gate, _ = _GATES[store.engine]
    parent_fd = gate._descriptor()
    # The parent holds the lock on its descriptor. A child that kept using the inherited
    # descriptor (the same open file description) would be let in at once.
    fcntl.flock(parent_fd, fcntl.LOCK_EX)
    try:
        pid = os.fork()
        if pid == 0:
            try:
                fcntl.flock(gate._descriptor(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                code = 1
            except BlockingIOError:
                code = 0
            except BaseException:
                code = 2
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        fcntl.flock(parent_fd, fcntl.LOCK_UN)


def test_two_engines_on_one_file_share_the_gate(tmp_path: Path) -> None:
    first = _store(tmp_path / "db.sqlite")
    second = _store(tmp_path / "db.sqlite")
    assert _GATES[first.engine][0] is _GATES[second.engine][0]


def test_a_writer_in_another_process_makes_this_one_busy_in_time(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    store = _store(path, busy_timeout=0.3)
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_write_queue import _store
        from vc_service.ledger._store import write_transaction
        store = _store(sys.argv[1])
        with write_transaction(store.engine):
            print("holding", flush=True)
            sys.stdin.readline()
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "holding\n"
        with pytest.raises(LedgerBusy), write_transaction(store.engine):
            pass
    finally:
        assert child.stdin is not None
        child.stdin.write("\n")
        child.stdin.close()
        assert child.wait(timeout=60) == 0
        assert child.stdout is not None
        child.stdout.close()
    _increment(store.engine)  # free again once the other process let go
    assert _value(store.engine) == 1
