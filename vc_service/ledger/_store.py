"""The SQL store of the log: entries, perfect-subtree hashes, settings, checkpoints, cosignatures.

SQLAlchemy 2 Core over SQLite (the default: a file, WAL journal, ``synchronous=FULL``) or
PostgreSQL (by URL). Besides every entry and its leaf hash, the store keeps the hash of every
*perfect* subtree as soon as its last leaf is appended (RFC 9162 §2.1 node hashes, levels 1 and up),
so a root, an inclusion proof or a consistency proof for any tree size is computed by
:mod:`._merkle` from ``O(log n)`` stored hashes fetched in one query: nothing ever reads all leaves.

Appends go through :meth:`LedgerStore.writer`, which holds an exclusive append lock across
processes (SQLite ``BEGIN IMMEDIATE``; PostgreSQL ``LOCK TABLE ... IN EXCLUSIVE MODE``, which still
lets readers through), so two writers can never take the same index; the primary key on the index
backs this up. A writer's appends become visible, all together, when its ``with`` block exits and
the commit has returned (durably: ``synchronous=FULL`` on SQLite); an exception rolls them all
back. ``specs/ledger/log.md`` describes the tables.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

try:
    import fcntl as _flock
except ImportError:  # pragma: no cover - not POSIX: the in-process lock alone
    _flock = None  # type: ignore[assignment]

from vc_service._errors import Error, InvalidInput
from vc_service.ledger import _merkle
from vc_service.ledger._merkle import HASH_SIZE, CompactRange, Node

__all__ = [
    "MAX_READ",
    "LedgerBusy",
    "LedgerStore",
    "LedgerStoreError",
    "Writer",
    "build_synthetic",
    "metadata",
    "synthetic_entry",
    "write_gate",
    "write_transaction",
]

MAX_READ = 10_000
"""The largest number of entries one :meth:`LedgerStore.entries` call returns."""

_FLUSH_ROWS = 2_000
"""A writer sends buffered rows to the database once this many entries are pending."""


class LedgerStoreError(Error):
    """The database failed, or holds something the log's invariants exclude (a missing hash)."""


class LedgerBusy(LedgerStoreError):
    """The append lock could not be taken in time: another writer holds it."""


# --- schema ----------------------------------------------------------------------------------------

metadata = sa.MetaData()
"""Every table of the log (prefix ``ledger_``): the one place the schema is defined."""

# On SQLite an ``INTEGER PRIMARY KEY`` is the rowid: entries are stored in index order, with no
# second index. Elsewhere the index is a BIGINT.
_Index = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

entries_table = sa.Table(
    "ledger_entries",
    metadata,
    sa.Column("idx", _Index, primary_key=True, autoincrement=False),
    sa.Column("leaf_hash", sa.LargeBinary(HASH_SIZE), nullable=False),
    sa.Column("entry", sa.LargeBinary(), nullable=False),
    sa.CheckConstraint("idx >= 0", name="ledger_entries_idx_nonnegative"),
    sa.CheckConstraint(f"length(leaf_hash) = {HASH_SIZE}", name="ledger_entries_leaf_hash_size"),
)

nodes_table = sa.Table(
    "ledger_nodes",
    metadata,
    sa.Column("level", sa.SmallInteger(), primary_key=True, autoincrement=False),
    sa.Column("idx", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("hash", sa.LargeBinary(HASH_SIZE), nullable=False),
    sa.CheckConstraint("level >= 1 AND idx >= 0", name="ledger_nodes_position"),
    sa.CheckConstraint(f"length(hash) = {HASH_SIZE}", name="ledger_nodes_hash_size"),
    sqlite_with_rowid=False,
)

meta_table = sa.Table(
    "ledger_meta",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("value", sa.LargeBinary(), nullable=False),
)

checkpoints_table = sa.Table(
    "ledger_checkpoints",
    metadata,
    sa.Column("size", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

cosignatures_table = sa.Table(
    "ledger_cosignatures",
    metadata,
    sa.Column(
        "size",
        sa.BigInteger(),
        sa.ForeignKey("ledger_checkpoints.size", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("witness", sa.String(255), primary_key=True),
    sa.Column("signature", sa.Text(), nullable=False),
)


# --- helpers ---------------------------------------------------------------------------------------


@contextmanager
def _database_errors(action: str) -> Iterator[None]:
    """Turn the driver's and SQLAlchemy's exceptions into :class:`LedgerStoreError`."""
    try:
        yield
    except sa.exc.OperationalError as exc:
        text = str(exc.orig).lower()
        if "locked" in text or "busy" in text or "lock timeout" in text:
            raise LedgerBusy(f"{action}: the log is locked by another writer") from exc
        raise LedgerStoreError(f"{action}: {exc.orig}") from exc
    except sa.exc.SQLAlchemyError as exc:
        raise LedgerStoreError(f"{action}: {exc}") from exc


def _check_int(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"{name} must be an integer")
    if value < 0:
        raise InvalidInput(f"{name} must not be negative")
    return value


def _check_bytes(value: object, name: str) -> bytes:
    if not isinstance(value, bytes):
        raise InvalidInput(f"{name} must be bytes")
    return value


def _check_text(value: object, name: str, *, limit: int | None = None) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{name} must be a non-empty string")
    if limit is not None and len(value) > limit:
        raise InvalidInput(f"{name} is longer than {limit} characters")
    return value


def _bulk_insert(conn: Connection, table: sa.Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows (tuples in column order) with the driver's ``executemany``.

    Both drivers take ``bytes`` and ``int`` as they are, so this skips SQLAlchemy's per-row
    parameter processing, which costs more than the insert itself at tens of thousands of rows.
    """
    marker = _marker(conn)
    preparer = conn.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(column.name) for column in table.columns)
    markers = ", ".join(marker for _ in table.columns)
    # Only our own quoted table and column names and parameter markers go into the text.
    statement = f"INSERT INTO {preparer.format_table(table)} ({columns}) VALUES ({markers})"  # noqa: S608
    conn.exec_driver_sql(statement, list(rows))


def _read_size(conn: Connection) -> int:
    last = conn.execute(_MAX_INDEX).scalar_one()
    return 0 if last is None else int(last) + 1


#: Built once: every append and every freshness check of the registry state reads the size.
_MAX_INDEX = sa.select(sa.func.max(entries_table.c.idx))


def _marker(conn: Connection) -> str:
    """The driver's positional parameter marker (sqlite3: ``?``; psycopg: ``%s``)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _fetch_subtrees(conn: Connection, nodes: Sequence[Node]) -> list[bytes]:
    """The stored hashes of perfect subtrees: at most two indexed queries, whatever their number.

    The statements are written out for the driver: building them as SQLAlchemy expressions costs
    several milliseconds per proof, more than the queries. The text holds only fixed names and
    parameter markers; the indexes travel as parameters.
    """
    leaves = sorted({index for level, index in nodes if level == 0})
    inner = sorted({(level, index) for level, index in nodes if level > 0})
    found: dict[Node, bytes] = {}
    marker = _marker(conn)
    if leaves:
        placeholders = ", ".join(marker for _ in leaves)
        statement = f"SELECT idx, leaf_hash FROM ledger_entries WHERE idx IN ({placeholders})"  # noqa: S608
        rows = conn.exec_driver_sql(statement, tuple(leaves))
        found.update(((0, int(idx)), bytes(value)) for idx, value in rows)
    if inner:
        # An OR of primary-key lookups: SQLite plans a row-value IN over the key as a full scan.
        lookup = f"(level = {marker} AND idx = {marker})"
        condition = " OR ".join(lookup for _ in inner)
        statement = f"SELECT level, idx, hash FROM ledger_nodes WHERE {condition}"  # noqa: S608
        rows = conn.exec_driver_sql(statement, tuple(x for node in inner for x in node))
        found.update(((int(level), int(idx)), bytes(value)) for level, idx, value in rows)
    missing = [node for node in nodes if node not in found]
    if missing:
        raise LedgerStoreError(f"the store lacks the hashes of subtrees {missing[:4]}")
    return [found[node] for node in nodes]


class _ConnectionSource:
    """A :class:`~._merkle.BatchHashSource` reading one connection's snapshot."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def subtree_hash(self, level: int, index: int) -> bytes:
        return _fetch_subtrees(self._conn, [(level, index)])[0]

    def subtree_hashes(self, nodes: Sequence[Node]) -> list[bytes]:
        return _fetch_subtrees(self._conn, nodes)


def _size_within(size: int | None, current: int) -> int:
    if size is None:
        return current
    _check_int(size, "size")
    if size > current:
        raise InvalidInput(f"size {size} is beyond the log's {current} entries")
    return size


# --- engines ---------------------------------------------------------------------------------------


#: How a process waiting for another's write gate polls the lock file: first after 0.1 ms,
#: then doubling up to every 0.5 ms. The gate is held for about a millisecond per transaction,
#: so the interval is the idle time it can leave between two processes' writers. In one run
#: each of the HTTP benchmark (benchmarks/README.md), polling at 0.5 to 2 ms gave 130 full
#: issuance flows per second on two workers and 0.1 to 0.5 ms gave 154/s; 0.05 to 0.2 ms gained
#: nothing more and cost CPU.
_POLL_FIRST_S = 0.0001
_POLL_MAX_S = 0.0005


class _WriteGate:
    """The queue SQLite writers of one database file wait in, across threads and processes.

    SQLite lets one writer in at a time; the others poll (its busy handler sleeps 1, 2, 5, ...
    up to 100 ms between tries), so under concurrent writes most of a request's time was spent
    asleep while the lock stood free. The gate makes them queue instead: an in-process lock for
    the threads of one process (reentrant, one per database file, so two engines on one file
    share it), then an exclusive ``flock`` on ``<database>-writer`` for the processes, polled
    every 0.1 to 0.5 ms by the one thread of each process that holds the in-process lock (a
    blocking ``flock`` cannot time out). SQLite's own lock still guards the data; the gate only
    orders the writers that use it (:func:`write_transaction`, :meth:`LedgerStore.writer`). The
    file descriptor is opened per process (a descriptor inherited across ``fork`` would share
    the lock with the parent).
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._local = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._pid = 0

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def _lock_file(self, deadline: float) -> None:
        if _flock is None:  # pragma: no cover - not POSIX
            return
        fd = self._descriptor()
        pause = _POLL_FIRST_S
        while True:
            try:
                _flock.flock(fd, _flock.LOCK_EX | _flock.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LedgerBusy(
                        "the write lock could not be taken in time: another process holds it"
                    ) from None
            except OSError as exc:
                raise LedgerStoreError(f"take the write lock: {exc}") from exc
            time.sleep(pause)
            pause = min(pause * 2, _POLL_MAX_S)

    @contextmanager
    def held(self, timeout_s: float) -> Iterator[None]:
        """Hold the gate; :class:`LedgerBusy` when it is not free within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        if not self._local.acquire(timeout=timeout_s):
            raise LedgerBusy("the write lock could not be taken in time: another writer holds it")
        try:
            if self._depth == 0:
                self._lock_file(deadline)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and _flock is not None and self._fd is not None:
                    _flock.flock(self._fd, _flock.LOCK_UN)
        finally:
            self._local.release()


_GATES_LOCK = threading.Lock()
_GATES_BY_PATH: dict[str, _WriteGate] = {}
#: An SQLite file engine's gate and its busy timeout in seconds.
_GATES: weakref.WeakKeyDictionary[Engine, tuple[_WriteGate, float]] = weakref.WeakKeyDictionary()


def _register_gate(engine: Engine, database: str, timeout_s: float) -> None:
    path = os.path.realpath(database) + "-writer"
    with _GATES_LOCK:
        gate = _GATES_BY_PATH.setdefault(path, _WriteGate(path))
    _GATES[engine] = (gate, timeout_s)


def write_gate(engine: Engine) -> AbstractContextManager[None]:
    """Hold the write gate of ``engine``'s SQLite file (reentrant; nothing on PostgreSQL).

    A caller that must also hold a lock of its own while it writes takes the gate first, so its
    lock is not held while it waits for another process's writer.
    """
    registered = _GATES.get(engine)
    if registered is None:
        return nullcontext()
    gate, timeout_s = registered
    return gate.held(timeout_s)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: committed on normal exit, rolled back on an exception.

    On SQLite it waits in the database's :class:`_WriteGate`, then takes the write lock at once
    (``BEGIN IMMEDIATE``), so a read followed by a write in the same transaction can never fail
    because another connection wrote in between. PostgreSQL: a plain transaction.
    """
    with (
        write_gate(engine),
        engine.connect().execution_options(ledger_append_lock=True) as conn,
        conn.begin(),
    ):
        yield conn


def _sqlite_engine(url: sa.URL, busy_timeout_ms: int, synchronous: str = "FULL") -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in str(url)
    if in_memory:
        # One shared connection: in-memory SQLite is per connection. Tests only, one thread.
        engine = sa.create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        engine = sa.create_engine(url)
        _register_gate(engine, database, busy_timeout_ms / 1000)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy, not the sqlite3 module, decides when a transaction begins (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms:d}")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
            # FULL (the default): a commit has reached the disk (WAL fsync) before it returns,
            # so a receipt printed after commit survives power loss as well as kill -9. NORMAL
            # (WAL): a commit is in the WAL file, which the operating system holds; it survives
            # the process being killed, and only an operating-system crash or power loss can
            # drop the last commits (never corrupting the database).
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes SQLite's write lock at once, so the writer's size read and its inserts
        # happen under one lock: no two processes can read the same size and append at it.
        if conn.get_execution_options().get("ledger_append_lock"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def _make_engine(
    target: str | os.PathLike[str], busy_timeout_ms: int, synchronous: str = "FULL"
) -> Engine:
    text = os.fspath(target)
    if "://" not in text:
        # A bare path names an SQLite file.
        return _sqlite_engine(
            sa.make_url("sqlite:///" + os.path.abspath(text)), busy_timeout_ms, synchronous
        )
    try:
        url = sa.make_url(text)
    except sa.exc.ArgumentError as exc:
        raise InvalidInput(f"not a database URL: {text!r}") from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, busy_timeout_ms, synchronous)
    if backend == "postgresql":
        # As many pooled connections as a service has request threads: a connection opened
        # beyond the pool is closed after use, and opening one costs a round of authentication.
        return sa.create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=20)
    raise InvalidInput(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


# --- the writer ------------------------------------------------------------------------------------


class Writer:
    """Appends entries under the exclusive append lock; obtained from :meth:`LedgerStore.writer`.

    Appends are buffered and sent in bulk (``executemany``); they become visible to readers only
    when the writer's ``with`` block commits.
    """

    def __init__(self, conn: Connection, edge: CompactRange) -> None:
        """Internal: use :meth:`LedgerStore.writer`."""
        self._conn = conn
        self._edge = edge
        self._entries: list[tuple[int, bytes, bytes]] = []
        self._nodes: list[tuple[int, int, bytes]] = []
        self._open = True

    def _check_open(self) -> None:
        if not self._open:
            raise InvalidInput("this writer's transaction has ended")

    @property
    def size(self) -> int:
        """The log's size inside the lock, counting this writer's appends so far."""
        return self._edge.size

    def append(self, entry: bytes) -> tuple[int, bytes]:
        """Append one entry; return its index and leaf hash (RFC 9162 §2.1.1).

        Also records the hash of every perfect subtree the new leaf completes.
        """
        self._check_open()
        entry = _check_bytes(entry, "entry")
        index = self._edge.size
        leaf = _merkle.leaf_hash(entry)
        self._entries.append((index, leaf, entry))
        self._nodes.extend(self._edge.append(leaf))
        if len(self._entries) >= _FLUSH_ROWS:
            self.flush()
        return index, leaf

    def extend(self, entries: Iterable[bytes]) -> list[tuple[int, bytes]]:
        """Append several entries in order; return their indexes and leaf hashes."""
        return [self.append(entry) for entry in entries]

    def root(self) -> bytes:
        """The root hash of the log as this writer leaves it (from the in-memory right edge)."""
        self._check_open()
        return self._edge.root()

    def flush(self) -> None:
        """Send buffered rows to the database (still uncommitted)."""
        self._check_open()
        with _database_errors("append"):
            if self._entries:
                _bulk_insert(self._conn, entries_table, self._entries)
                self._entries = []
            if self._nodes:
                _bulk_insert(self._conn, nodes_table, self._nodes)
                self._nodes = []

    def set_meta(self, key: str, value: bytes) -> None:
        """Set a log setting in the same transaction as the appends."""
        self._check_open()
        _set_meta(self._conn, key, value)

    def save_checkpoint(self, size: int, note: str) -> None:
        """Save a checkpoint in the same transaction as the appends (see
        :meth:`LedgerStore.save_checkpoint`)."""
        self._check_open()
        _check_int(size, "size")
        if size > self.size:
            raise InvalidInput(f"size {size} is beyond the log's {self.size} entries")
        _save_checkpoint(self._conn, size, note)

    def _close(self) -> None:
        self._open = False
        self._entries = []
        self._nodes = []


def _set_meta(conn: Connection, key: str, value: bytes) -> None:
    key = _check_text(key, "key", limit=200)
    value = _check_bytes(value, "value")
    with _database_errors("set meta"):
        conn.execute(meta_table.delete().where(meta_table.c.key == key))
        conn.execute(meta_table.insert().values(key=key, value=value))


def _save_checkpoint(conn: Connection, size: int, note: str) -> None:
    note = _check_text(note, "note")
    with _database_errors("save checkpoint"):
        existing = conn.execute(
            sa.select(checkpoints_table.c.note).where(checkpoints_table.c.size == size)
        ).scalar_one_or_none()
        if existing is not None:
            if existing != note:
                raise InvalidInput(f"a different checkpoint is already saved for size {size}")
            return
        conn.execute(
            checkpoints_table.insert().values(size=size, note=note, created_at=datetime.now(UTC))
        )


# --- the store -------------------------------------------------------------------------------------


class LedgerStore:
    """The log's tables in one SQL database (RFC 9162 §2.1 tree; see ``specs/ledger/log.md``).

    ``target`` is a SQLAlchemy URL (``sqlite:///path``, ``postgresql+psycopg://...``), a bare file
    path (SQLite), or an :class:`~sqlalchemy.engine.Engine` already configured by the caller.
    ``busy_timeout`` is how long, in seconds, a connection waits for a lock (SQLite's busy
    timeout; PostgreSQL's ``lock_timeout`` for the append lock) before :class:`LedgerBusy`.
    """

    def __init__(
        self,
        target: str | os.PathLike[str] | Engine,
        *,
        busy_timeout: float = 30.0,
        synchronous: str = "FULL",
    ) -> None:
        """Connect lazily to ``target``; call :meth:`create_schema` once for a new database.

        ``synchronous`` is SQLite's ``PRAGMA synchronous`` (``FULL`` or ``NORMAL``; see
        ``_sqlite_engine``); PostgreSQL ignores it.
        """
        if not isinstance(busy_timeout, int | float) or busy_timeout < 0:
            raise InvalidInput("busy_timeout must be a non-negative number of seconds")
        if synchronous not in ("FULL", "NORMAL"):
            raise InvalidInput("synchronous must be 'FULL' or 'NORMAL'")
        self._busy_timeout_ms = int(busy_timeout * 1000)
        if isinstance(target, Engine):
            self._engine = target
        elif isinstance(target, str | os.PathLike):
            self._engine = _make_engine(target, self._busy_timeout_ms, synchronous)
        else:
            raise InvalidInput("a store needs a database URL, a file path or an Engine")
        self._postgres = self._engine.dialect.name == "postgresql"

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for migrations and administration)."""
        return self._engine

    def close(self) -> None:
        """Close the store's pooled connections."""
        self._engine.dispose()

    def create_schema(self) -> None:
        """Create the log's tables if they do not exist (idempotent)."""
        with _database_errors("create schema"):
            metadata.create_all(self._engine, checkfirst=True)

    @contextmanager
    def _read(self, action: str) -> Iterator[Connection]:
        """A read transaction: one consistent snapshot of the log."""
        with _database_errors(action), self._engine.connect() as conn, conn.begin():
            yield conn

    # reads ------------------------------------------------------------------------------------

    def size(self) -> int:
        """The number of entries in the log (one indexed query)."""
        with self._read("read size") as conn:
            return _read_size(conn)

    def entry(self, index: int) -> bytes:
        """The entry at ``index``."""
        _check_int(index, "index")
        with self._read("read entry") as conn:
            value = conn.execute(
                sa.select(entries_table.c.entry).where(entries_table.c.idx == index)
            ).scalar_one_or_none()
        if value is None:
            raise InvalidInput(f"no entry at index {index}")
        return bytes(value)

    def entries(self, start: int, stop: int) -> list[bytes]:
        """The entries ``[start, stop)`` in order, at most :data:`MAX_READ` of them.

        A ``stop`` beyond the log's end is cut to it.
        """
        _check_int(start, "start")
        _check_int(stop, "stop")
        if stop < start:
            raise InvalidInput(f"stop {stop} is before start {start}")
        if stop - start > MAX_READ:
            raise InvalidInput(f"at most {MAX_READ} entries per read")
        with self._read("read entries") as conn:
            rows = conn.execute(
                sa.select(entries_table.c.idx, entries_table.c.entry)
                .where(entries_table.c.idx >= start, entries_table.c.idx < stop)
                .order_by(entries_table.c.idx)
            ).all()
        out = []
        for expected, (index, value) in enumerate(rows, start=start):
            if index != expected:
                # A missing row would shift every later entry to a wrong index.
                raise LedgerStoreError(f"entry {expected} is missing from the database")
            out.append(bytes(value))
        return out

    def iter_entries(self, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        """Every entry from ``start`` to ``stop`` (the current end by default), page by page."""
        end = self.size() if stop is None else _check_int(stop, "stop")
        position = _check_int(start, "start")
        while position < end:
            page = self.entries(position, min(end, position + MAX_READ))
            if not page:
                return
            yield from page
            position += len(page)

    def leaf_hash_at(self, index: int) -> bytes:
        """The leaf hash of the entry at ``index``."""
        _check_int(index, "index")
        with self._read("read leaf hash") as conn:
            value = conn.execute(
                sa.select(entries_table.c.leaf_hash).where(entries_table.c.idx == index)
            ).scalar_one_or_none()
        if value is None:
            raise InvalidInput(f"no entry at index {index}")
        return bytes(value)

    def subtree_hash(self, level: int, index: int) -> bytes:
        """The hash of a complete perfect subtree (:class:`~._merkle.HashSource`)."""
        return self.subtree_hashes([(level, index)])[0]

    def subtree_hashes(self, nodes: Sequence[Node]) -> list[bytes]:
        """The hashes of complete perfect subtrees, in one query (:class:`~._merkle.BatchHashSource`)."""
        for level, index in nodes:
            _check_int(level, "level")
            _check_int(index, "index")
        with self._read("read subtree hashes") as conn:
            return _fetch_subtrees(conn, nodes)

    def root(self, size: int | None = None) -> bytes:
        """The root hash of the first ``size`` entries (all by default); RFC 9162 §2.1.1."""
        with self._read("compute root") as conn:
            tree_size = _size_within(size, _read_size(conn))
            return _merkle.root_hash(tree_size, _ConnectionSource(conn))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.3.1 inclusion proof of entry ``index`` in the tree of ``size`` entries."""
        with self._read("compute inclusion proof") as conn:
            tree_size = _size_within(size, _read_size(conn))
            return _merkle.inclusion_proof(index, tree_size, _ConnectionSource(conn))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.4.1 consistency proof from ``old_size`` to ``new_size`` entries."""
        with self._read("compute consistency proof") as conn:
            tree_size = _size_within(new_size, _read_size(conn))
            return _merkle.consistency_proof(old_size, tree_size, _ConnectionSource(conn))

    # settings, checkpoints, cosignatures ------------------------------------------------------

    def get_meta(self, key: str) -> bytes | None:
        """A log setting, or ``None`` if unset."""
        key = _check_text(key, "key", limit=200)
        with self._read("read meta") as conn:
            value = conn.execute(
                sa.select(meta_table.c.value).where(meta_table.c.key == key)
            ).scalar_one_or_none()
        return None if value is None else bytes(value)

    def set_meta(self, key: str, value: bytes) -> None:
        """Set (or replace) a log setting."""
        with _database_errors("set meta"), write_transaction(self._engine) as conn:
            _set_meta(conn, key, value)

    def save_checkpoint(self, size: int, note: str) -> None:
        """Store the signed checkpoint note for tree ``size``.

        Saving the same note again is a no-op; a different note for a saved size is refused with
        :class:`~vc_service._errors.InvalidInput` (a log signs one tree head per size).
        """
        _check_int(size, "size")
        with _database_errors("save checkpoint"), write_transaction(self._engine) as conn:
            current = _read_size(conn)
            if size > current:
                raise InvalidInput(f"size {size} is beyond the log's {current} entries")
            _save_checkpoint(conn, size, note)

    def checkpoint(self, size: int | None = None) -> tuple[int, str] | None:
        """The checkpoint ``(size, note)`` saved for ``size``, or the latest one; ``None`` if none."""
        query = sa.select(checkpoints_table.c.size, checkpoints_table.c.note)
        if size is None:
            query = query.order_by(checkpoints_table.c.size.desc()).limit(1)
        else:
            query = query.where(checkpoints_table.c.size == _check_int(size, "size"))
        with self._read("read checkpoint") as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else (int(row[0]), str(row[1]))

    def checkpoint_sizes(self) -> list[int]:
        """The sizes of every saved checkpoint, ascending."""
        with self._read("read checkpoints") as conn:
            sizes = conn.execute(
                sa.select(checkpoints_table.c.size).order_by(checkpoints_table.c.size)
            ).scalars()
            return [int(size) for size in sizes]

    def add_cosignature(self, size: int, witness: str, signature: str) -> None:
        """Record ``witness``'s cosignature line of the checkpoint at ``size`` (replacing an older one)."""
        _check_int(size, "size")
        witness = _check_text(witness, "witness", limit=255)
        signature = _check_text(signature, "signature")
        with _database_errors("add cosignature"), write_transaction(self._engine) as conn:
            saved = conn.execute(
                sa.select(checkpoints_table.c.size).where(checkpoints_table.c.size == size)
            ).scalar_one_or_none()
            if saved is None:
                raise InvalidInput(f"no checkpoint is saved for size {size}")
            conn.execute(
                cosignatures_table.delete().where(
                    cosignatures_table.c.size == size, cosignatures_table.c.witness == witness
                )
            )
            conn.execute(
                cosignatures_table.insert().values(size=size, witness=witness, signature=signature)
            )

    def cosignatures(self, size: int) -> list[tuple[str, str]]:
        """The ``(witness, signature)`` pairs recorded for the checkpoint at ``size``, by witness."""
        _check_int(size, "size")
        with self._read("read cosignatures") as conn:
            rows = conn.execute(
                sa.select(cosignatures_table.c.witness, cosignatures_table.c.signature)
                .where(cosignatures_table.c.size == size)
                .order_by(cosignatures_table.c.witness)
            )
            return [(str(witness), str(signature)) for witness, signature in rows]

    # the writer -------------------------------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[Writer]:
        """Hold the exclusive append lock; commit on normal exit, roll back on an exception.

        The lock spans processes: SQLite ``BEGIN IMMEDIATE``, PostgreSQL
        ``LOCK TABLE ledger_entries IN EXCLUSIVE MODE`` (readers are not blocked); either waits
        up to the busy timeout, then raises :class:`LedgerBusy`. The commit has returned, durably, before the block exits.
        """
        with write_gate(self._engine), self._writer() as writer:
            yield writer

    @contextmanager
    def _writer(self) -> Iterator[Writer]:
        with _database_errors("open writer"):
            conn = self._engine.connect().execution_options(ledger_append_lock=True)
        try:
            with _database_errors("take the append lock"):
                transaction = conn.begin()
                if self._postgres:
                    table = conn.dialect.identifier_preparer.format_table(entries_table)
                    # 0 would mean "wait forever" to PostgreSQL; wait at least 1 ms.
                    timeout = max(1, self._busy_timeout_ms)
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {timeout:d}")
                    conn.exec_driver_sql(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
                size = _read_size(conn)
                edge_nodes = _merkle.compact_range_nodes(size)
                edge = CompactRange(size, _fetch_subtrees(conn, edge_nodes))
            writer = Writer(conn, edge)
            try:
                yield writer
                writer.flush()
                with _database_errors("commit appends"):
                    transaction.commit()
            except BaseException:
                if transaction.is_active:
                    transaction.rollback()
                raise
            finally:
                writer._close()
        finally:
            conn.close()


# --- synthetic logs (benchmarks, tests) ------------------------------------------------------------


def synthetic_entry(index: int, size: int = 300) -> bytes:
    """A deterministic filler entry of ``size`` bytes for benchmarks; not a real ledger entry."""
    head = b"synthetic entry %012d|" % index
    return (head * (size // len(head) + 1))[:size]


def build_synthetic(store: LedgerStore, n: int, batch: int = 1_000, entry_size: int = 300) -> None:
    """Append ``n`` :func:`synthetic_entry` entries in transactions of ``batch`` entries.

    Continues an existing log: entry ``i`` of the log is ``synthetic_entry(i, entry_size)``.
    """
    _check_int(n, "n")
    if _check_int(batch, "batch") == 0:
        raise InvalidInput("batch must be positive")
    remaining = n
    while remaining:
        with store.writer() as writer:
            start = writer.size
            for i in range(start, start + min(batch, remaining)):
                writer.append(synthetic_entry(i, entry_size))
            remaining -= writer.size - start
