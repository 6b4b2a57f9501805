"""The ledger facade: one log, its registry state, its checkpoints and its anchors.

:class:`Ledger` ties the parts together (specs/ledger.md): the store (``_store``), entries and
the registry state (``_entries``, ``_state``), C2SP checkpoints (``_checkpoint``) and EVM
anchoring (``_anchor``). Appending validates every entry against the state as of the log size
read inside the store's exclusive writer lock, so concurrent appenders (threads or processes)
never interleave inconsistently, and returns receipts only after the commit.

The log's checkpoint key (Ed25519) is kept in the database sealed with a 32-byte secret held in a
separate file (NaCl secret box, XSalsa20-Poly1305): a copy of the database alone cannot sign
checkpoints.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.secret
import sqlalchemy as sa

from .._dids import DIDResolver, default_resolver
from .._errors import Error, InvalidInput, VerificationError
from .._keys import Key
from ._checkpoint import Checkpoint, note_verifier_key, verify_checkpoint
from ._did_chancery import ChanceryMethodResolver, did_create_payload
from ._entries import Entry, decode_entry, make_entry
from ._merkle import CompactRange, leaf_hash
from ._state import RegistryState
from ._store import LedgerStore, LedgerStoreError, entries_table, nodes_table

__all__ = [
    "AnchorPolicy",
    "AppendError",
    "AuditReport",
    "Ledger",
    "LedgerError",
    "Receipt",
    "default_op",
    "load_secret",
]

_META_ORIGIN = "origin"
_META_LOG_PUBLIC = "log_public_key"
_META_LOG_SEALED = "log_private_key_sealed"
_META_ROOT_DID = "root_did"
_LEAF_CHUNK = 4096
#: Perfect-subtree lookups per query when auditing (SQLite caps expression depth at 1000).
_NODE_QUERY = 400
_MAX_FUTURE = timedelta(minutes=5)
_META_LAST_ANCHOR = "last_anchor_time"

#: The op used when an appended payload does not name one.
_DEFAULT_OPS = {
    "did": "create",
    "accreditation": "grant",
    "credential-type": "publish",
    "credential-anchor": "anchor",
    "status-list": "publish",
    "accumulator": "publish",
    "notarization": "notarize",
}


@dataclass(frozen=True)
class AnchorPolicy:
    """When to anchor: after ``every_entries`` new entries or ``every_seconds``, whichever first."""

    every_entries: int = 10_000
    every_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if self.every_entries < 1 or self.every_seconds <= 0:
            raise InvalidInput("an anchor policy needs positive thresholds")


class LedgerError(Error):
    """The ledger cannot do what was asked (not initialised, wrong secret, ...)."""


class AppendError(InvalidInput):
    """An entry of a batch was refused; the entries before it were committed.

    ``position`` is the refused entry's position in the batch, ``receipts`` those committed.
    """

    def __init__(self, message: str, *, position: int, receipts: Sequence[Receipt]) -> None:
        super().__init__(message)
        self.position = position
        self.receipts = tuple(receipts)


def default_op(entry_type: str) -> str:
    """The op an appended payload of ``entry_type`` gets when it names none."""
    op = _DEFAULT_OPS.get(entry_type)
    if op is None:
        raise InvalidInput(f"unknown entry type {entry_type!r}")
    return op


@dataclass(frozen=True)
class Receipt:
    """Proof that an entry was durably appended: its index, leaf hash and canonical bytes."""

    index: int
    leaf_hash: bytes
    entry: bytes

    def to_json(self) -> dict[str, Any]:
        """``index``, ``leaf_hash`` (hex) and ``entry`` (base64): enough to recompute the leaf."""
        return {
            "index": self.index,
            "leaf_hash": self.leaf_hash.hex(),
            "entry": base64.b64encode(self.entry).decode("ascii"),
        }


@dataclass
class AuditReport:
    """What :meth:`Ledger.verify` checked, and the first problem found (if any)."""

    size: int = 0
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    state_hash: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """JSON view (what ``chancery ledger verify`` prints)."""
        return {
            "ok": self.ok,
            "size": self.size,
            "state_hash": self.state_hash,
            "checks": self.checks,
            "problems": self.problems,
        }


def load_secret(path: str | os.PathLike[str], *, create: bool = False) -> bytes:
    """The 32-byte secret that seals the log key; created (mode 0600) if asked and absent."""
    target = Path(path)
    if not target.exists():
        if not create:
            raise LedgerError(f"ledger secret file {target} does not exist")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    data = target.read_bytes()
    if len(data) != 32:
        raise LedgerError(f"ledger secret file {target} must hold exactly 32 bytes")
    return data


class Ledger:
    """One log in one database. Create with :meth:`init`, open with :meth:`open`."""

    def __init__(self, store: LedgerStore, *, secret: bytes | None = None) -> None:
        origin = store.get_meta(_META_ORIGIN)
        public = store.get_meta(_META_LOG_PUBLIC)
        if origin is None or public is None:
            raise LedgerError("this database holds no initialised ledger (run 'ledger init')")
        self._store = store
        self._origin = origin.decode()
        self._log_public = Key.from_multikey(public.decode())
        self._secret = secret
        self._state: RegistryState | None = None

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def init(
        cls,
        url: str,
        origin: str,
        root_key: Key,
        *,
        secret: bytes,
        time: datetime | None = None,
        synchronous: str = "FULL",
    ) -> Ledger:
        """Create the log: its checkpoint key and the genesis entry naming the root authority.

        ``synchronous``: see :class:`LedgerStore`.
        """
        if not root_key.has_private:
            raise InvalidInput("the root authority key must include its private part")
        store = LedgerStore(url, synchronous=synchronous)
        store.create_schema()
        log_key = Key.generate("ed25519")
        sealed = nacl.secret.SecretBox(secret).encrypt(log_key.private_bytes())
        payload = {"root": did_create_payload([root_key])}
        root_did = payload["root"]["did"]
        genesis = make_entry(
            origin, "genesis", "create", payload, root_key, f"{root_did}#key-1", time
        )
        state = RegistryState(origin)
        state.apply(genesis, 0)
        with store.writer() as writer:
            if writer.size != 0 or store.get_meta(_META_ORIGIN) is not None:
                raise LedgerError("this database already holds a ledger")
            writer.set_meta(_META_ORIGIN, origin.encode())
            writer.set_meta(_META_LOG_PUBLIC, log_key.public_key().multikey().encode())
            writer.set_meta(_META_LOG_SEALED, bytes(sealed))
            writer.set_meta(_META_ROOT_DID, root_did.encode())
            writer.append(genesis.raw)
        ledger = cls(store, secret=secret)
        ledger._state = state
        return ledger

    @classmethod
    def open(cls, url: str, *, secret: bytes | None = None, synchronous: str = "FULL") -> Ledger:
        """Open an initialised log. ``secret`` is needed only to sign checkpoints;
        ``synchronous``: see :class:`LedgerStore`."""
        return cls(LedgerStore(url, synchronous=synchronous), secret=secret)

    def close(self) -> None:
        """Release the database connections."""
        self._store.close()

    @property
    def store(self) -> LedgerStore:
        """The underlying store (reads, proofs)."""
        return self._store

    @property
    def origin(self) -> str:
        """The log's origin (its name in checkpoints)."""
        return self._origin

    @property
    def log_public_key(self) -> Key:
        """The public key that signs checkpoints."""
        return self._log_public

    def verifier_key(self) -> str:
        """The log's C2SP note verifier key ``origin+keyid+base64``."""
        return note_verifier_key(self._origin, self._log_public)

    def _log_key(self) -> Key:
        if self._secret is None:
            raise LedgerError("signing checkpoints needs the ledger secret")
        sealed = self._store.get_meta(_META_LOG_SEALED)
        if sealed is None:
            raise LedgerError("the log key is missing from the database")
        try:
            seed = nacl.secret.SecretBox(self._secret).decrypt(sealed)
        except nacl.exceptions.CryptoError as exc:
            raise LedgerError("the ledger secret does not open the log key") from exc
        key = Key.from_jwk({**self._log_public.public_jwk(), "d": _b64url(seed)})
        return key

    # ------------------------------------------------------------------ state

    def _catch_up(self, state: RegistryState, size: int) -> None:
        start = state.size
        if start >= size:
            return
        for offset, raw in enumerate(self._store.iter_entries(start, size)):
            state.apply(decode_entry(raw), start + offset)

    def state(self, *, refresh: bool = True) -> RegistryState:
        """The registry state as of the current log size (kept and advanced incrementally).

        ``refresh=False`` skips reading the log size: the state then includes everything this
        object appended or saw, but not what other processes appended since.
        """
        if self._state is None:
            self._state = RegistryState(self._origin)
        elif not refresh:
            return self._state
        self._catch_up(self._state, self._store.size())
        return self._state

    def state_at(self, size: int) -> RegistryState:
        """The registry state after the first ``size`` entries (replayed from the log)."""
        total = self._store.size()
        if not 0 <= size <= total:
            raise InvalidInput(f"size must be between 0 and {total}")
        state = RegistryState(self._origin)
        self._catch_up(state, size)
        return state

    # ------------------------------------------------------------------ appending

    def append(self, entries: Sequence[Entry]) -> list[Receipt]:
        """Validate and append ``entries`` in one transaction; receipts after the commit.

        If an entry is refused, the entries before it are committed and :class:`AppendError`
        carries their receipts; nothing after it is written.
        """
        horizon = datetime.now(UTC) + _MAX_FUTURE
        limit = len(entries)
        future: Error | None = None
        for position, entry in enumerate(entries):
            if entry.time > horizon:
                # The state never reads the clock; the appending node refuses entries dated
                # in its future, so a signer cannot pre-date a log position. Like any refusal,
                # the entries before it are still appended.
                limit = position
                future = InvalidInput(f"the entry is dated {entry.time_text}, in the future")
                break
        if self._state is None:
            self._state = RegistryState(self._origin)
        state = self._state
        receipts: list[Receipt] = []
        refused: tuple[int, Error] | None = None
        try:
            with self._store.writer() as writer:
                self._catch_up(state, writer.size)
                for position, entry in enumerate(entries[:limit]):
                    index = writer.size
                    try:
                        state.apply(entry, index)
                    except Error as exc:
                        refused = (position, exc)
                        break
                    _, leaf = writer.append(entry.raw)
                    receipts.append(Receipt(index, leaf, entry.raw))
        except BaseException:
            # The state advanced past what was committed: rebuild it from the log next time.
            self._state = None
            raise
        if refused is None and future is not None:
            refused = (limit, future)
        if refused is not None:
            position, cause = refused
            raise AppendError(
                f"entry {position} refused: {cause}", position=position, receipts=receipts
            ) from cause
        return receipts

    def signer_for(self, key: Key) -> str:
        """The verification method id under which ``key`` signs on this ledger now."""
        methods = self.state().verification_methods_of(key)
        if not methods:
            raise InvalidInput("this key is not a current key of any DID on this ledger")
        return methods[-1]

    def make_entries(
        self,
        key: Key,
        entry_type: str,
        payloads: Iterable[Mapping[str, Any]],
        *,
        time: datetime | None = None,
        signer: str | None = None,
    ) -> list[Entry]:
        """Sign ``payloads`` as ``key``'s entries of ``entry_type``.

        A payload may name its op under ``"op"`` (default: :func:`default_op`). A ``did``
        ``create`` payload without a ``did`` member becomes the creation of a new DID whose
        first key is ``key`` (signed by that key, as a proof of possession). Other entries are
        signed as ``signer`` (a verification method id), by default :meth:`signer_for` ``key``;
        a caller signing many batches for one key passes it to skip that lookup.
        """
        moment = time or datetime.now(UTC).replace(microsecond=0)
        out = []
        for payload in payloads:
            body = dict(payload)
            op = body.pop("op", None) or default_op(entry_type)
            if not isinstance(op, str):
                raise InvalidInput("'op' must be a string")
            if entry_type == "did" and op == "create" and "did" not in body:
                body = did_create_payload([key])
                entry_signer = f"{body['did']}#key-1"
            else:
                signer = signer or self.signer_for(key)
                entry_signer = signer
            out.append(make_entry(self._origin, entry_type, op, body, key, entry_signer, moment))
        return out

    # ------------------------------------------------------------------ checkpoints, proofs

    def checkpoint(self) -> bytes:
        """Seal the log at its current size: sign, store and return the C2SP checkpoint note."""
        key = self._log_key()
        with self._store.writer() as writer:
            size = writer.size
            root = writer.root()
            note = Checkpoint(self._origin, size, root).sign(self._origin, key)
            existing = self._store.checkpoint(size)
            if existing is not None:
                return existing[1].encode()
            writer.save_checkpoint(size, note.decode())
        return note

    def latest_checkpoint(self) -> tuple[int, bytes] | None:
        """The newest stored checkpoint, verified with the log's key."""
        found = self._store.checkpoint()
        if found is None:
            return None
        size, note = found
        verify_checkpoint(note.encode(), log_verifier=self.verifier_key())
        return size, note.encode()

    def inclusion(self, index: int, size: int | None = None) -> dict[str, Any]:
        """An inclusion proof of entry ``index`` in the tree of ``size`` entries.

        Without ``size``: the latest checkpoint's size if it covers the entry (so the proof
        ties to a signed root), else the current size.
        """
        checkpoint_note: str | None = None
        if size is None:
            latest = self._store.checkpoint()
            if latest is not None and latest[0] > index:
                size, checkpoint_note = latest
            else:
                size = self._store.size()
        if not 0 <= index < size:
            raise InvalidInput(f"index {index} is not in a tree of {size} entries")
        proof = self._store.inclusion_proof(index, size)
        out: dict[str, Any] = {
            "index": index,
            "size": size,
            "leaf_hash": self._store.leaf_hash_at(index).hex(),
            "root": self._store.root(size).hex(),
            "proof": [h.hex() for h in proof],
        }
        if checkpoint_note is not None:
            out["checkpoint"] = checkpoint_note
        return out

    def consistency(self, old_size: int, new_size: int | None = None) -> dict[str, Any]:
        """A consistency proof between the trees of ``old_size`` and ``new_size`` entries."""
        target = self._store.size() if new_size is None else new_size
        proof = self._store.consistency_proof(old_size, target)
        return {
            "old_size": old_size,
            "new_size": target,
            "old_root": self._store.root(old_size).hex(),
            "new_root": self._store.root(target).hex(),
            "proof": [h.hex() for h in proof],
        }

    def state_json(self, size: int | None = None) -> dict[str, Any]:
        """The registry state snapshot and its hash (what ``ledger state`` prints)."""
        state = self.state() if size is None else self.state_at(size)
        return {
            "origin": self._origin,
            "size": state.size,
            "state_hash": state.state_hash().hex(),
            "state": state.snapshot(),
        }

    # ------------------------------------------------------------------ audit

    def verify(
        self,
        *,
        anchors: Callable[[], Sequence[tuple[int, bytes]]] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> AuditReport:
        """Audit the whole log from its bytes: leaf hashes, stored tree nodes, every checkpoint
        signature and root, a full replay of the registry state, and anchored roots.

        ``anchors`` returns the (size, root) pairs anchored on chain, if any.
        """
        report = AuditReport()
        store = self._store
        size = store.size()
        report.size = size
        checkpoints = dict(
            (s, n) for s in store.checkpoint_sizes() if (n := store.checkpoint(s)) is not None
        )
        wanted = set(checkpoints) | {size}
        try:
            anchored = list(anchors()) if anchors is not None else []
        except Error as exc:
            report.problems.append(f"cannot read the anchored roots: {exc}")
            return report
        wanted |= {s for s, _ in anchored if s <= size}
        roots: dict[int, bytes] = {}
        tree = CompactRange(0, [])
        state = RegistryState(self._origin)
        if 0 in wanted:
            roots[0] = tree.root()
        index = -1
        try:
            pending: list[bytes] = []
            nodes: list[tuple[int, int, bytes]] = []
            for index, raw in enumerate(store.iter_entries(0, size)):
                leaf = leaf_hash(raw)
                pending.append(leaf)
                # Every perfect subtree this leaf completes: proofs for any size read them, so a
                # stored node that is missing or wrong would serve false proofs later.
                nodes.extend(tree.append(leaf))
                if len(pending) == _LEAF_CHUNK or index == size - 1:
                    first = index + 1 - len(pending)
                    stored = store.subtree_hashes([(0, first + i) for i in range(len(pending))])
                    if stored != pending:
                        report.problems.append(
                            f"entries {first}..{index}: a stored leaf hash does not match its entry"
                        )
                        return report
                    problem = _stored_node_problem(store, nodes)
                    if problem is not None:
                        report.problems.append(problem)
                        return report
                    pending = []
                    nodes = []
                state.apply(decode_entry(raw), index)
                if tree.size in wanted:
                    roots[tree.size] = tree.root()
                if progress is not None and index % 100_000 == 0:
                    progress(index)
        except LedgerStoreError as exc:
            report.problems.append(str(exc))
            return report
        except Error as exc:
            report.problems.append(f"entry {index}: {exc}")
            return report
        if tree.size != size:
            report.problems.append(f"the log has {tree.size} entries, not {size}: rows are missing")
            return report
        report.checks.append(
            f"replayed {size} entries: leaf hashes match, every entry decodes and obeys the rules"
        )
        try:
            # Read together, in one snapshot: an appender may have committed since `size`.
            stored_nodes, current = _node_count_and_size(store)
            stored_root = store.root(size)
        except Error as exc:
            report.problems.append(f"the stored tree: {exc}")
            return report
        expected_nodes = current - bin(current).count("1")  # perfect subtrees of 2+ leaves
        if stored_nodes != expected_nodes:
            # Extra rows would make a future append fail on their keys (a denial of service).
            report.problems.append(
                f"the store holds {stored_nodes} tree nodes; a log of {current} entries has "
                f"{expected_nodes}"
            )
            return report
        if stored_root != roots[size]:
            report.problems.append("the stored tree nodes do not give the recomputed root")
            return report
        report.checks.append(
            f"every stored tree node matches the entries; they give the recomputed root "
            f"{roots[size].hex()}"
        )
        verifier = self.verifier_key()
        for cp_size, (_, note) in sorted(checkpoints.items()):
            try:
                checkpoint = verify_checkpoint(note.encode(), log_verifier=verifier)
            except Error as exc:
                report.problems.append(f"checkpoint {cp_size}: {exc}")
                return report
            if checkpoint.size != cp_size or checkpoint.root != roots.get(cp_size):
                report.problems.append(f"checkpoint {cp_size} does not match the log's root")
                return report
        report.checks.append(f"{len(checkpoints)} checkpoints signed by the log and consistent")
        for anchored_size, anchored_root in anchored:
            if anchored_size > size or roots.get(anchored_size) != anchored_root:
                report.problems.append(
                    f"the root anchored on chain at size {anchored_size} is not the log's"
                )
                return report
        if anchors is not None:
            report.checks.append(f"{len(anchored)} anchored roots match the log")
        report.state_hash = state.state_hash().hex()
        report.checks.append(f"registry state hash {report.state_hash}")
        return report

    # ------------------------------------------------------------------ DIDs

    def did_resolver(self, http_get: Callable[[str], bytes] | None = None) -> DIDResolver:
        """A DID resolver for did:key, did:jwk, did:web and this ledger's ``did:chancery``.

        ``did:chancery`` documents are read from the registry state, as of the time asked
        (key history), always at the log's current size.
        """
        resolver = default_resolver(http_get)
        resolver.register("chancery", ChanceryMethodResolver(self.state))
        return resolver

    # ------------------------------------------------------------------ anchoring

    def anchor(self, client: Any) -> dict[str, Any]:
        """Anchor the latest checkpoint through ``client`` (an ``AnchorClient``).

        Anchors the root the log signed, only if the stored tree still gives it, and only after
        checking that the root already on chain is this log's own at that size (otherwise the
        chain holds another history under this origin, and anchoring would hide that).
        """
        latest = self.latest_checkpoint()
        if latest is None:
            raise LedgerError("no checkpoint to anchor")
        size, note = latest
        root = verify_checkpoint(note, log_verifier=self.verifier_key()).root
        if self._store.root(size) != root:
            raise LedgerError(
                f"the stored tree does not give the checkpoint's root at size {size}: "
                "run 'chancery ledger verify'"
            )
        old_size, old_root = client.latest(self.log_id)
        current = self._store.size()
        if old_size > current:
            raise LedgerError(
                f"the chain has anchored size {old_size} of this log's origin, but this log has "
                f"only {current} entries: it is not the log that was anchored"
            )
        if old_size > 0 and self._store.root(old_size) != old_root:
            raise LedgerError(f"the root anchored on chain at size {old_size} is not this log's")
        if old_size >= size:
            raise LedgerError(f"the chain already holds size {old_size}: nothing newer to anchor")
        proof = self._store.consistency_proof(old_size, size) if old_size > 0 else []
        receipt = client.anchor(self.log_id, size, root, proof)
        return {
            "log_id": self.log_id.hex(),
            "old_size": old_size,
            "new_size": size,
            "root": root.hex(),
            "transaction": "0x" + bytes(receipt.transaction_hash).hex(),
            "block": receipt.block_number,
            "gas_used": receipt.gas_used,
        }

    def anchor_if_due(
        self, client: Any, policy: AnchorPolicy, *, now: datetime | None = None
    ) -> dict[str, Any] | None:
        """Seal and anchor when ``policy`` says it is time; return the anchor, or None.

        Call it from a timer or after appends: it anchors once ``policy.every_entries`` new
        entries exist since the last anchor, or ``policy.every_seconds`` have passed since the
        last anchor and there is anything new.
        """
        moment = now or datetime.now(UTC)
        anchored_size, _ = client.latest(self.log_id)
        size = self._store.size()
        if size <= anchored_size:
            return None
        last = self._store.get_meta(_META_LAST_ANCHOR)
        last_time = datetime.fromisoformat(last.decode()) if last else None
        waited = last_time is None or (moment - last_time).total_seconds() >= policy.every_seconds
        if size - anchored_size < policy.every_entries and not waited:
            return None
        latest = self._store.checkpoint()
        if latest is None or latest[0] < size:
            self.checkpoint()
        result = self.anchor(client)
        self._store.set_meta(_META_LAST_ANCHOR, moment.isoformat().encode())
        return result

    @property
    def log_id(self) -> bytes:
        """The log's identifier on chain: SHA-256 of its origin."""
        return hashlib.sha256(self._origin.encode()).digest()


def _stored_node_problem(store: LedgerStore, nodes: Sequence[tuple[int, int, bytes]]) -> str | None:
    """Compare recomputed perfect-subtree hashes with the stored ones; describe the first
    difference, or return ``None``."""
    for start in range(0, len(nodes), _NODE_QUERY):
        part = nodes[start : start + _NODE_QUERY]
        try:
            stored = store.subtree_hashes([(level, index) for level, index, _ in part])
        except LedgerStoreError as exc:
            return f"a stored tree node is missing: {exc}"
        for (level, index, value), found in zip(part, stored, strict=True):
            if found != value:
                return f"the stored tree node ({level}, {index}) does not match the entries"
    return None


def _node_count_and_size(store: LedgerStore) -> tuple[int, int]:
    """The number of stored tree nodes and of entries, read by one statement (one snapshot)."""
    nodes = sa.select(sa.func.count()).select_from(nodes_table).scalar_subquery()
    size = sa.select(sa.func.coalesce(sa.func.max(entries_table.c.idx) + 1, 0)).scalar_subquery()
    try:
        with store.engine.connect() as conn:
            row = conn.execute(sa.select(nodes, size)).one()
    except sa.exc.SQLAlchemyError as exc:
        raise LedgerStoreError(f"count the stored tree nodes: {exc}") from exc
    return int(row[0]), int(row[1])


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_line(value: Mapping[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def verify_receipt(receipt: Mapping[str, Any]) -> None:
    """Recompute a receipt's leaf hash from its entry bytes; raise if they disagree."""
    try:
        entry = base64.b64decode(receipt["entry"], validate=True)
        claimed = bytes.fromhex(receipt["leaf_hash"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput("malformed receipt") from exc
    if leaf_hash(entry) != claimed:
        raise VerificationError("the receipt's leaf hash does not match its entry")
