"""The wallet's encrypted store (one SQLite file) and its backup file format.

Layout (``specs/wallet.md`` §2):

* A random 32-byte **data key** seals every record: NaCl ``crypto_secretbox`` (XSalsa20-Poly1305,
  a fresh random 24-byte nonce per seal).
* The data key is itself sealed with a **key-encryption key** derived from the passphrase by
  Argon2id (RFC 9106; libsodium ``crypto_pwhash`` ``ALG_ARGON2ID13``). The salt and the cost
  parameters are stored in the ``header`` table, with a key check that tells a wrong
  passphrase (:class:`WrongPassphrase`) from an altered sealed data key (:class:`CorruptWallet`).
* Records (keys, pairwise DIDs, credentials) hold two sealed parts, ``meta`` and ``body``, so that
  listing decrypts the small part only. ``crypto_secretbox`` has no associated data, so the
  record's identifier, kind and part are sealed *inside* the plaintext and compared on opening:
  a sealed blob copied onto another row fails as :class:`CorruptRecord` instead of being read
  as that row.

Nothing but sealed bytes, random identifiers, record kinds and KDF parameters reaches the file.
Writes are SQLite transactions in WAL mode with ``synchronous=FULL``; a new wallet is built in a
temporary file and linked into place, so a crash never leaves a half-created wallet.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
import sqlite3
import struct
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.pwhash.argon2id as argon2id
import nacl.secret

from ._errors import (
    CorruptBackup,
    CorruptRecord,
    CorruptWallet,
    InvalidInput,
    StoreError,
    WalletExists,
    WalletNotFound,
    WrongPassphrase,
)

__all__ = [
    "DB_NAME",
    "KdfParams",
    "Kind",
    "Record",
    "Store",
    "read_backup",
    "write_backup",
]

DB_NAME = "wallet.db"
FORMAT_VERSION = 1
KDF_NAME = "argon2id13"
#: SQLite ``application_id`` of a wallet file ("CHWL"): tells a wallet from any other database.
APPLICATION_ID = 0x4348574C

Kind = Literal["key", "pairwise", "credential"]
_KINDS: frozenset[str] = frozenset({"key", "pairwise", "credential"})
_Part = Literal["meta", "body"]

_KEY_SIZE = nacl.secret.SecretBox.KEY_SIZE  # 32
_SALT_SIZE = argon2id.SALTBYTES  # 16
_CHECK_SIZE = 32
# Bounds on the cost parameters read from a file: a forged header must not make us allocate
# unbounded memory or spin forever, nor derive keys with less work than libsodium allows.
_MAX_OPSLIMIT = 16
_MAX_MEMLIMIT = argon2id.MEMLIMIT_SENSITIVE  # 1 GiB
_MAX_BACKUP_SIZE = 512 * 1024 * 1024

_WALLET_CHECK_LABEL = b"chancery-wallet/v1 key check\x00"
_BACKUP_CHECK_LABEL = b"chancery-wallet-backup/v1 key check\x00"
_INDEX_LABEL = b"chancery-wallet/v1 record index\x00"

BACKUP_MAGIC = b"CHANCERY WALLET BACKUP\n"
BACKUP_VERSION = 1
_BACKUP_KDF_ARGON2ID13 = 1
_BACKUP_FIELDS = struct.Struct(">HBIQ16s")  # version, kdf, opslimit, memlimit, salt
_BACKUP_HEADER_SIZE = len(BACKUP_MAGIC) + _BACKUP_FIELDS.size
_ARCHIVE_FORMAT = "chancery-wallet-archive"

_SCHEMA = """
CREATE TABLE header (
    singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
    format          INTEGER NOT NULL,
    kdf             TEXT    NOT NULL,
    opslimit        INTEGER NOT NULL,
    memlimit        INTEGER NOT NULL,
    salt            BLOB    NOT NULL,
    key_check       BLOB    NOT NULL,
    sealed_data_key BLOB    NOT NULL
) STRICT;
CREATE TABLE records (
    id   TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('key', 'pairwise', 'credential')),
    meta BLOB NOT NULL,
    body BLOB NOT NULL
) STRICT;
"""


# ============================================================================== key derivation


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters: libsodium ``opslimit`` (passes), ``memlimit`` (bytes) and salt."""

    opslimit: int
    memlimit: int
    salt: bytes

    @classmethod
    def fresh(cls, *, unsafe_fast_kdf: bool = False) -> KdfParams:
        """New parameters with a random salt.

        libsodium's "moderate" limits (3 passes over 256 MiB, one lane): more memory than the
        64 MiB of RFC 9106 §4's second recommended option, which matters more than passes
        against GPU guessing, and about a second on a laptop. ``unsafe_fast_kdf`` takes
        libsodium's minimum (1 pass, 8 KiB) instead: for tests only; such a wallet or backup
        falls to a dictionary attack in no time if its file is stolen.
        """
        if unsafe_fast_kdf:
            ops, mem = argon2id.OPSLIMIT_MIN, argon2id.MEMLIMIT_MIN
        else:
            ops, mem = argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE
        return cls(ops, mem, secrets.token_bytes(_SALT_SIZE))

    def check_bounds(self, error: Callable[[str], Exception]) -> None:
        """Refuse parameters outside the range this version derives keys with."""
        if not argon2id.OPSLIMIT_MIN <= self.opslimit <= _MAX_OPSLIMIT:
            raise error(f"Argon2id opslimit {self.opslimit} is out of range")
        if not argon2id.MEMLIMIT_MIN <= self.memlimit <= _MAX_MEMLIMIT:
            raise error(f"Argon2id memlimit {self.memlimit} is out of range")
        if len(self.salt) != _SALT_SIZE:
            raise error("the Argon2id salt must be 16 bytes")

    def encode(self) -> bytes:
        """A fixed-length encoding, the input of the key check MAC."""
        return struct.pack(">IQ", self.opslimit, self.memlimit) + self.salt


def _passphrase_bytes(passphrase: str) -> bytes:
    if not isinstance(passphrase, str):
        raise InvalidInput("the passphrase must be a str")
    if not passphrase:
        raise InvalidInput("the passphrase must not be empty")
    # NFC: the same passphrase typed on two keyboards may arrive composed or decomposed.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _derive(passphrase: str, params: KdfParams) -> tuple[bytes, bytes]:
    """RFC 9106 Argon2id: 64 bytes split into the key-encryption key and the key-check key."""
    secret = _passphrase_bytes(passphrase)
    try:
        derived = argon2id.kdf(
            2 * _KEY_SIZE,
            secret,
            params.salt,
            opslimit=params.opslimit,
            memlimit=params.memlimit,
        )
    except (nacl.exceptions.CryptoError, ValueError, MemoryError) as exc:
        raise StoreError(f"the Argon2id key derivation failed: {exc}") from exc
    return derived[:_KEY_SIZE], derived[_KEY_SIZE:]


def _mac(key: bytes, data: bytes) -> bytes:
    """Keyed BLAKE2b-256 (RFC 7693), used as a MAC."""
    return nacl.hash.blake2b(
        data, digest_size=_CHECK_SIZE, key=key, encoder=nacl.encoding.RawEncoder
    )


def _seal(key: bytes, plaintext: bytes) -> bytes:
    """``nonce || crypto_secretbox(plaintext)`` with a fresh random nonce (XSalsa20-Poly1305)."""
    return bytes(nacl.secret.SecretBox(key).encrypt(plaintext))


def _unseal(key: bytes, sealed: bytes) -> bytes | None:
    """The plaintext, or None when the MAC fails (wrong key, altered or truncated)."""
    try:
        return nacl.secret.SecretBox(key).decrypt(sealed)
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        return None


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


# ============================================================================== records


@dataclass(frozen=True)
class Record:
    """One decrypted record: identifier, kind and the two JSON values it holds."""

    id: str
    kind: Kind
    meta: Any
    body: Any


def _seal_part(data_key: bytes, record_id: str, kind: str, part: _Part, value: Any) -> bytes:
    envelope = {"id": record_id, "kind": kind, "part": part, "value": value}
    return _seal(data_key, _json_bytes(envelope))


def _open_part(data_key: bytes, record_id: str, kind: str, part: _Part, sealed: object) -> Any:
    if not isinstance(sealed, bytes):
        raise CorruptRecord(record_id, f"record {record_id!r}: the {part} is not a sealed blob")
    plaintext = _unseal(data_key, sealed)
    if plaintext is None:
        raise CorruptRecord(record_id, f"record {record_id!r}: the {part} fails authentication")
    try:
        envelope = json.loads(plaintext)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptRecord(record_id) from exc
    # The binding that crypto_secretbox cannot carry as associated data: a blob moved from
    # another row (or from the meta to the body column) authenticates but is not this one.
    if (
        not isinstance(envelope, dict)
        or envelope.get("id") != record_id
        or envelope.get("kind") != kind
        or envelope.get("part") != part
        or "value" not in envelope
    ):
        raise CorruptRecord(
            record_id, f"record {record_id!r}: the {part} belongs to another record"
        )
    return envelope["value"]


# ============================================================================== the store


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")


class Store:
    """An open wallet file: the data key in memory and a SQLite connection.

    Use :meth:`create_at` and :meth:`open`; every method raises a :class:`StoreError` (or a
    subclass) rather than a ``sqlite3`` exception.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path, data_key: bytes) -> None:
        self._connection: sqlite3.Connection | None = connection
        self.path = path
        self._data_key = data_key
        self._index_key = _mac(data_key, _INDEX_LABEL)

    # ----------------------------------------------------------------- opening and creation

    @staticmethod
    def _connect(path: Path, *, create: bool) -> sqlite3.Connection:
        mode = "rwc" if create else "rw"
        try:
            connection = sqlite3.connect(
                f"{path.absolute().as_uri()}?mode={mode}",
                uri=True,
                isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE ... COMMIT
                timeout=10.0,
                check_same_thread=True,
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {exc}") from exc
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
            # Deleted records are overwritten, not left in free pages: a key that is later
            # compromised must not open credentials the holder deleted before.
            connection.execute("PRAGMA secure_delete = ON")
            connection.execute("PRAGMA trusted_schema = OFF")
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise CorruptWallet(f"{path} is not a wallet: {exc}") from exc
        return connection

    @classmethod
    def create_at(
        cls,
        path: Path,
        passphrase: str,
        *,
        unsafe_fast_kdf: bool = False,
        overwrite: bool = False,
        fill: Callable[[Store], None] | None = None,
    ) -> Store:
        """Create a wallet file at ``path`` sealed under ``passphrase``; ``fill`` adds records.

        The file is built under a temporary name and then linked into place (or, with
        ``overwrite``, renamed over an existing wallet), so a crash leaves either no wallet or a
        complete one. Raises :class:`WalletExists` if ``path`` exists and ``overwrite`` is off.
        """
        _passphrase_bytes(passphrase)  # a bad passphrase fails before any work is done
        if path.exists() and not overwrite:
            raise WalletExists(f"a wallet already exists at {path}")
        params = KdfParams.fresh(unsafe_fast_kdf=unsafe_fast_kdf)
        kek, check_key = _derive(passphrase, params)
        data_key = secrets.token_bytes(_KEY_SIZE)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Created 0600 before SQLite sees it; SQLite gives its -wal/-shm files the same mode.
            os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise StoreError(f"cannot create a wallet in {path.parent}: {exc}") from exc
        try:
            connection = cls._connect(temporary, create=True)
            store = cls(connection, temporary, data_key)
            try:
                with store._transaction() as cursor:
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            cursor.execute(statement)
                    cursor.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    cursor.execute(f"PRAGMA user_version = {FORMAT_VERSION}")
                    cursor.execute(
                        "INSERT INTO header VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            FORMAT_VERSION,
                            KDF_NAME,
                            params.opslimit,
                            params.memlimit,
                            params.salt,
                            _wallet_key_check(check_key, params),
                            _seal(kek, data_key),
                        ),
                    )
                if fill is not None:
                    fill(store)
            finally:
                store.close()  # the last connection checkpoints and removes the -wal file
            cls._install(temporary, path, overwrite=overwrite)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            _remove_sqlite_files(temporary)
        return cls(cls._connect(path, create=False), path, data_key)

    @staticmethod
    def _install(temporary: Path, path: Path, *, overwrite: bool) -> None:
        try:
            if overwrite:
                # A stale -wal of the old wallet would be replayed into the new file.
                _remove_sqlite_files(path)
                os.replace(temporary, path)
            else:
                try:
                    os.link(temporary, path)  # atomic, and never replaces an existing file
                except FileExistsError:
                    raise WalletExists(f"a wallet already exists at {path}") from None
                except OSError:  # a file system without hard links
                    if path.exists():
                        raise WalletExists(f"a wallet already exists at {path}") from None
                    os.replace(temporary, path)
        except OSError as exc:
            raise StoreError(f"cannot install the wallet at {path}: {exc}") from exc
        _fsync_directory(path.parent)

    @classmethod
    def open(cls, path: Path, passphrase: str) -> Store:
        """Open the wallet at ``path``; :class:`WrongPassphrase` if ``passphrase`` does not fit."""
        _passphrase_bytes(passphrase)
        if not path.is_file():
            raise WalletNotFound(f"no wallet at {path}")
        connection = cls._connect(path, create=False)
        try:
            params, key_check, sealed_data_key = cls._read_header(connection, path)
            kek, check_key = _derive(passphrase, params)
            if not hmac.compare_digest(_wallet_key_check(check_key, params), key_check):
                raise WrongPassphrase("wrong passphrase for this wallet")
            data_key = _unseal(kek, sealed_data_key)
            if data_key is None or len(data_key) != _KEY_SIZE:
                raise CorruptWallet(f"{path}: the sealed data key was altered", record="header")
        except BaseException:
            connection.close()
            raise
        return cls(connection, path, data_key)

    @staticmethod
    def _read_header(connection: sqlite3.Connection, path: Path) -> tuple[KdfParams, bytes, bytes]:
        try:
            (application_id,) = connection.execute("PRAGMA application_id").fetchone()
            if application_id != APPLICATION_ID:
                raise CorruptWallet(f"{path} is not a Chancery wallet")
            row = connection.execute(
                "SELECT format, kdf, opslimit, memlimit, salt, key_check, sealed_data_key "
                "FROM header WHERE singleton = 1"
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            raise CorruptWallet(f"{path} is not a readable wallet: {exc}") from exc
        if row is None:
            raise CorruptWallet(f"{path}: the wallet header is missing")
        fmt, kdf, opslimit, memlimit, salt, key_check, sealed_data_key = row
        if fmt != FORMAT_VERSION:
            raise CorruptWallet(f"{path}: wallet format {fmt!r} is not supported by this version")
        if kdf != KDF_NAME:
            raise CorruptWallet(f"{path}: unknown key derivation {kdf!r}")
        if not all(isinstance(v, int) for v in (opslimit, memlimit)) or not all(
            isinstance(v, bytes) for v in (salt, key_check, sealed_data_key)
        ):
            raise CorruptWallet(f"{path}: malformed wallet header")
        params = KdfParams(opslimit, memlimit, salt)
        params.check_bounds(lambda message: CorruptWallet(f"{path}: {message}"))
        return params, key_check, sealed_data_key

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._connection is not None:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
            self._connection = None

    # ----------------------------------------------------------------- transactions

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        if self._connection is None:
            raise StoreError("the wallet is closed")
        connection = self._connection
        try:
            cursor = connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        except sqlite3.Error as exc:
            raise StoreError(f"wallet store failure: {exc}") from exc

    def _query(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        if self._connection is None:
            raise StoreError("the wallet is closed")
        try:
            return self._connection.execute(sql, parameters).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"wallet store failure: {exc}") from exc

    # ----------------------------------------------------------------- records

    def index_id(self, prefix: str, person: bytes, value: str) -> str:
        """A record identifier derived from ``value`` with a key only the data key gives.

        Lets the wallet find a record by a secret value (a relying party, a public key) without
        writing that value, or a plain hash of it, to the file.
        """
        digest = nacl.hash.blake2b(
            value.encode("utf-8"),
            digest_size=16,
            key=self._index_key,
            person=person,
            encoder=nacl.encoding.RawEncoder,
        )
        return prefix + digest.hex()

    def put(self, records: list[Record]) -> None:
        """Insert ``records`` in one transaction; an identifier already present fails them all."""
        rows = [
            (
                r.id,
                r.kind,
                _seal_part(self._data_key, r.id, r.kind, "meta", r.meta),
                _seal_part(self._data_key, r.id, r.kind, "body", r.body),
            )
            for r in records
        ]
        try:
            with self._transaction() as cursor:
                cursor.executemany(
                    "INSERT INTO records (id, kind, meta, body) VALUES (?, ?, ?, ?)", rows
                )
        except StoreError as exc:
            if isinstance(exc.__cause__, sqlite3.IntegrityError):
                raise StoreError("a record with this identifier already exists") from exc
            raise

    def get(self, record_id: str, kind: Kind) -> Record | None:
        """The record ``record_id`` of ``kind``, decrypted, or None."""
        rows = self._query(
            "SELECT meta, body FROM records WHERE id = ? AND kind = ?", (record_id, kind)
        )
        if not rows:
            return None
        meta, body = rows[0]
        return Record(
            record_id,
            kind,
            _open_part(self._data_key, record_id, kind, "meta", meta),
            _open_part(self._data_key, record_id, kind, "body", body),
        )

    def metas(self, kind: Kind) -> list[tuple[str, Any]]:
        """``(id, meta)`` of every record of ``kind`` (bodies stay sealed)."""
        rows = self._query("SELECT id, meta FROM records WHERE kind = ? ORDER BY id", (kind,))
        return [
            (record_id, _open_part(self._data_key, record_id, kind, "meta", meta))
            for record_id, meta in rows
        ]

    def all(self) -> list[Record]:
        """Every record, decrypted (for a backup)."""
        rows = self._query("SELECT id, kind, meta, body FROM records ORDER BY kind, id")
        out = []
        for record_id, kind, meta, body in rows:
            if kind not in _KINDS:
                raise CorruptRecord(record_id, f"record {record_id!r} has an unknown kind")
            out.append(
                Record(
                    record_id,
                    kind,
                    _open_part(self._data_key, record_id, kind, "meta", meta),
                    _open_part(self._data_key, record_id, kind, "body", body),
                )
            )
        return out

    def delete(self, record_id: str, kind: Kind) -> bool:
        """Delete a record; whether it existed."""
        with self._transaction() as cursor:
            cursor.execute("DELETE FROM records WHERE id = ? AND kind = ?", (record_id, kind))
            return cursor.rowcount > 0


def _wallet_key_check(check_key: bytes, params: KdfParams) -> bytes:
    label = _WALLET_CHECK_LABEL + struct.pack(">H", FORMAT_VERSION) + KDF_NAME.encode()
    return _mac(check_key, label + params.encode())


# ============================================================================== backups


def _write_file_atomically(path: Path, data: bytes, *, overwrite: bool) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        fd = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if overwrite:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise InvalidInput(f"{path} exists; refusing to overwrite it") from None
            except OSError:
                if path.exists():
                    raise InvalidInput(f"{path} exists; refusing to overwrite it") from None
                os.replace(temporary, path)
        _fsync_directory(path.parent)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def write_backup(
    path: Path,
    passphrase: str,
    records: list[Record],
    *,
    created: str,
    overwrite: bool = False,
    unsafe_fast_kdf: bool = False,
) -> None:
    """Write ``records`` as a backup file (``specs/wallet.md`` §3).

    ``magic || version u16 || kdf u8 || opslimit u32 || memlimit u64 || salt[16] ||
    key_check[32] || nonce[24] || secretbox(archive)``, all integers big-endian; the key check
    is keyed BLAKE2b over every byte before it, the archive a JSON document of the records.
    """
    params = KdfParams.fresh(unsafe_fast_kdf=unsafe_fast_kdf)
    kek, check_key = _derive(passphrase, params)
    header = BACKUP_MAGIC + _BACKUP_FIELDS.pack(
        BACKUP_VERSION, _BACKUP_KDF_ARGON2ID13, params.opslimit, params.memlimit, params.salt
    )
    archive = {
        "format": _ARCHIVE_FORMAT,
        "version": BACKUP_VERSION,
        "created": created,
        "records": [{"id": r.id, "kind": r.kind, "meta": r.meta, "body": r.body} for r in records],
    }
    data = header + _mac(check_key, _BACKUP_CHECK_LABEL + header) + _seal(kek, _json_bytes(archive))
    _write_file_atomically(path, data, overwrite=overwrite)


def read_backup(path: Path, passphrase: str) -> list[Record]:
    """Read and authenticate a backup file written by :func:`write_backup`.

    Raises :class:`WrongPassphrase` when the key check fails and :class:`CorruptBackup` for a
    file that is not a backup, of an unknown version, or whose archive was altered.
    """
    _passphrase_bytes(passphrase)
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_BACKUP_SIZE + 1)
    except FileNotFoundError as exc:
        raise InvalidInput(f"no backup file at {path}") from exc
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc}") from exc
    if len(data) > _MAX_BACKUP_SIZE:
        raise CorruptBackup(f"{path} is larger than any wallet backup")
    if not data.startswith(BACKUP_MAGIC):
        raise CorruptBackup(f"{path} is not a Chancery wallet backup")
    if len(data) < _BACKUP_HEADER_SIZE + _CHECK_SIZE:
        raise CorruptBackup(f"{path} is truncated")
    version, kdf, opslimit, memlimit, salt = _BACKUP_FIELDS.unpack_from(data, len(BACKUP_MAGIC))
    if version != BACKUP_VERSION:
        raise CorruptBackup(f"{path}: backup version {version} is not supported by this version")
    if kdf != _BACKUP_KDF_ARGON2ID13:
        raise CorruptBackup(f"{path}: unknown key derivation {kdf}")
    params = KdfParams(opslimit, memlimit, salt)
    params.check_bounds(lambda message: CorruptBackup(f"{path}: {message}"))
    header = data[:_BACKUP_HEADER_SIZE]
    key_check = data[_BACKUP_HEADER_SIZE : _BACKUP_HEADER_SIZE + _CHECK_SIZE]
    kek, check_key = _derive(passphrase, params)
    if not hmac.compare_digest(_mac(check_key, _BACKUP_CHECK_LABEL + header), key_check):
        raise WrongPassphrase(f"wrong passphrase for the backup {path}")
    plaintext = _unseal(kek, data[_BACKUP_HEADER_SIZE + _CHECK_SIZE :])
    if plaintext is None:
        raise CorruptBackup(f"{path}: the sealed archive was altered or truncated")
    try:
        archive = json.loads(plaintext)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorruptBackup(f"{path}: the archive is not valid JSON") from exc
    return _archive_records(archive, path)


def _archive_records(archive: Any, path: Path) -> list[Record]:
    if (
        not isinstance(archive, dict)
        or archive.get("format") != _ARCHIVE_FORMAT
        or archive.get("version") != BACKUP_VERSION
        or not isinstance(archive.get("records"), list)
    ):
        raise CorruptBackup(f"{path}: not a version {BACKUP_VERSION} wallet archive")
    records = []
    seen: set[str] = set()
    for entry in archive["records"]:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("id"), str)
            or entry.get("kind") not in _KINDS
            or "meta" not in entry
            or "body" not in entry
        ):
            raise CorruptBackup(f"{path}: malformed record in the archive")
        if entry["id"] in seen:
            raise CorruptBackup(f"{path}: record {entry['id']!r} appears twice")
        seen.add(entry["id"])
        records.append(Record(entry["id"], entry["kind"], entry["meta"], entry["body"]))
    return records
