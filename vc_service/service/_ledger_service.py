"""The service's ledger: opened (and on first start created) once per application.

:func:`start_ledger` runs when the service starts (``specs/http-api.md`` §2):

1. create the local state directory and the SQLite file's directory;
2. read the ledger secret, creating it (32 random bytes, mode 0600) in development only;
3. run the database migrations;
4. if the database holds no ledger yet, generate the root authority's key, store it sealed with
   the ledger secret in the ledger's settings table, and create the ledger (``Ledger.init``)
   with the root authority's ``did:chancery`` DID in its genesis entry;
5. check that the secret opens the log's key and the root key, and that the root key is a current
   key of the ledger's root DID.

The root authority's private key is never written in plaintext and never logged. The seal is a
NaCl secret box (XSalsa20-Poly1305) under the same secret that seals the log's checkpoint key,
so a copy of the database alone can neither sign checkpoints nor act as the root authority.
"""

from __future__ import annotations

import json
import logging
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import nacl.exceptions
import nacl.secret
import sqlalchemy as sa

from vc_service._dids import DIDResolver, JwkMethodResolver, KeyMethodResolver
from vc_service._errors import InvalidInput
from vc_service._keys import Key
from vc_service.ledger._did_chancery import ChanceryMethodResolver
from vc_service.ledger._ledger import _META_ORIGIN, Ledger, LedgerError, load_secret
from vc_service.ledger._state import RegistryState
from vc_service.ledger._store import LedgerStore, meta_table, write_gate, write_transaction

from ._migrations import migrate
from ._settings import Settings

__all__ = [
    "ROOT_KEY_META",
    "STATE_FRESHNESS",
    "LedgerService",
    "seal_root_key",
    "start_ledger",
    "unseal_root_key",
]

_log = logging.getLogger("chancery.service")

#: How long (seconds) the registry state is used without asking the database for the log size.
STATE_FRESHNESS = 0.05
#: The ledger settings row holding the sealed root authority key.
ROOT_KEY_META = "service.root_authority_key_sealed"
# Bound into the sealed plaintext: a sealed value moved to another row (the log key's, say)
# does not open as a root authority key.
_ROOT_KEY_LABEL = b"chancery root authority private JWK v1\n"


def seal_root_key(key: Key, secret: bytes) -> bytes:
    """The root authority's private JWK sealed with the ledger ``secret``."""
    if not key.has_private:
        raise InvalidInput("only a private key needs sealing")
    plaintext = _ROOT_KEY_LABEL + json.dumps(key.private_jwk(), sort_keys=True).encode()
    return bytes(nacl.secret.SecretBox(secret).encrypt(plaintext))


def unseal_root_key(sealed: bytes, secret: bytes) -> Key:
    """Open :func:`seal_root_key`'s output; :class:`LedgerError` if the secret does not."""
    try:
        plaintext = nacl.secret.SecretBox(secret).decrypt(sealed)
    except nacl.exceptions.CryptoError as exc:
        raise LedgerError("the ledger secret does not open the root authority key") from exc
    if not plaintext.startswith(_ROOT_KEY_LABEL):
        raise LedgerError("the sealed value is not a root authority key")
    try:
        return Key.from_jwk(json.loads(plaintext[len(_ROOT_KEY_LABEL) :]))
    except (ValueError, InvalidInput) as exc:
        raise LedgerError("the sealed root authority key is corrupt") from exc


class LedgerService:
    """The application's ledger, safe to share between request threads.

    :class:`~vc_service.ledger.Ledger` keeps its registry state in memory and advances it on
    reads; concurrent requests would advance it twice. Everything that reads or changes the
    state goes through :attr:`lock` (the methods below take it); proofs and entry reads go
    straight to the database, which serialises them itself.
    """

    def __init__(self, ledger: Ledger, root_key: Key | None) -> None:
        self.ledger = ledger
        self.root_key = root_key
        self.lock = threading.RLock()
        self._state_checked = -STATE_FRESHNESS
        self._resolver = DIDResolver()
        self._resolver.register("key", KeyMethodResolver())
        self._resolver.register("jwk", JwkMethodResolver())
        self._chancery = ChanceryMethodResolver(self.state)
        self._resolver.register("chancery", self._chancery)

    def state(self) -> RegistryState:
        """The registry state, advanced to the log's current size.

        The size is read from the database at most every :data:`STATE_FRESHNESS` seconds (a
        request asks several times: DID resolution, accreditation, types). What this process
        appends is in the state at once; what another worker appended shows within that time.
        """
        with self.lock:
            now = time.monotonic()
            if now - self._state_checked < STATE_FRESHNESS:
                return self.ledger.state(refresh=False)
            state = self.ledger.state()
            self._state_checked = now
            return state

    @contextmanager
    def appending(self) -> Iterator[None]:
        """Hold the ledger for an append: the database's write gate first, then :attr:`lock`.

        The order matters for throughput: requests of this process that read the state take
        :attr:`lock`, so it is held only while the append runs, never while the append waits
        for another process's writer.
        """
        with write_gate(self.ledger.store.engine), self.lock:
            yield

    def state_json(self) -> dict[str, Any]:
        """The state snapshot and its hash, taken at one log size."""
        with self.lock:
            return self.ledger.state_json()

    def root_did(self) -> str | None:
        """The root authority's DID (from the genesis entry)."""
        with self.lock:
            return self.ledger.state().root_did

    @property
    def resolver(self) -> DIDResolver:
        """did:key, did:jwk and this ledger's did:chancery (no did:web: the service fetches
        nothing from the network on a client's behalf)."""
        return self._resolver

    @property
    def chancery(self) -> ChanceryMethodResolver:
        """The did:chancery resolver, for documents with their metadata."""
        return self._chancery

    def close(self) -> None:
        """Release the database connections."""
        self.ledger.close()


# ------------------------------------------------------------------------------ start-up


def _read_secret(settings: Settings) -> bytes:
    path = settings.secret_file
    if settings.mode == "production":
        if not path.exists():
            raise LedgerError(f"the ledger secret file {path} does not exist (production mode)")
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise LedgerError(
                f"the ledger secret file {path} is accessible to other users "
                f"(mode {mode:04o}); make it 0600"
            )
        return load_secret(path)
    created = not path.exists()
    secret = load_secret(path, create=True)
    if created:
        _log.info("created the ledger secret %s (mode 0600)", path)
    return secret


def _sealed_root_key(store: LedgerStore, secret: bytes) -> Key:
    """The root key sealed in the settings table, generating and storing it if absent.

    Set-if-absent by primary key: two processes starting together agree on one key.
    """
    existing = store.get_meta(ROOT_KEY_META)
    if existing is not None:
        return unseal_root_key(existing, secret)
    key = Key.generate("ed25519")
    try:
        with write_transaction(store.engine) as conn:
            conn.execute(
                meta_table.insert().values(key=ROOT_KEY_META, value=seal_root_key(key, secret))
            )
        _log.info("generated the root authority key (stored sealed in the ledger database)")
        return key
    except sa.exc.IntegrityError:
        stored = store.get_meta(ROOT_KEY_META)
        if stored is None:  # pragma: no cover - the row that conflicted cannot vanish
            raise LedgerError("the root authority key could not be stored") from None
        return unseal_root_key(stored, secret)


def _check_root_key(ledger: Ledger, key: Key) -> None:
    state = ledger.state()
    root = state.root_did
    methods = state.verification_methods_of(key)
    if root is None or not any(method.startswith(root + "#") for method in methods):
        raise LedgerError(
            "the sealed root authority key is not a current key of this ledger's root DID"
        )


def start_ledger(settings: Settings) -> LedgerService:
    """Open the configured ledger, creating the state directory, the secret, the schema and
    the ledger itself on first start. Raises :class:`LedgerError` (or
    :class:`~vc_service.service._migrations.MigrationError`) when it cannot."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    database = settings.sqlite_path
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
    secret = _read_secret(settings)
    store = LedgerStore(settings.db_url, synchronous=settings.sqlite_synchronous.upper())
    try:
        revision = migrate(store.engine)
        _log.info("database schema at revision %s", revision)
        ledger = _open_or_create(settings, store, secret)
    except BaseException:
        store.close()
        raise
    store.close()
    try:
        # Fail now, not at the first checkpoint, if the secret does not open the log's key.
        ledger._log_key()
        root_key = _root_key_of(ledger, secret)
    except BaseException:
        ledger.close()
        raise
    if ledger.origin != settings.ledger_origin:
        _log.warning(
            "the ledger's origin is %r; CHANCERY_LEDGER_ORIGIN=%r applies only to new ledgers",
            ledger.origin,
            settings.ledger_origin,
        )
    return LedgerService(ledger, root_key)


def _root_key_of(ledger: Ledger, secret: bytes) -> Key | None:
    """The root authority key sealed in the ledger, checked against the root DID."""
    sealed = ledger.store.get_meta(ROOT_KEY_META)
    root_key = None
    if sealed is not None:
        root_key = unseal_root_key(sealed, secret)
        _check_root_key(ledger, root_key)
    else:
        _log.warning(
            "this ledger was created outside the service: the root authority key is not held "
            "here, so root authority actions are unavailable"
        )
    return root_key


def _open_or_create(settings: Settings, store: LedgerStore, secret: bytes) -> Ledger:
    synchronous = settings.sqlite_synchronous.upper()
    if store.get_meta(_META_ORIGIN) is not None:
        return Ledger.open(settings.db_url, secret=secret, synchronous=synchronous)
    root_key = _sealed_root_key(store, secret)
    try:
        ledger = Ledger.init(
            settings.db_url,
            settings.ledger_origin,
            root_key,
            secret=secret,
            synchronous=synchronous,
        )
    except LedgerError:
        # Another process created it between our check and our init: use theirs.
        return Ledger.open(settings.db_url, secret=secret, synchronous=synchronous)
    _log.info("created the ledger %r with its root authority DID", ledger.origin)
    return ledger
