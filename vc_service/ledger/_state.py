"""The registry state: a deterministic fold over the ledger's entries.

Specified in ``specs/ledger/entries.md`` §6. :meth:`RegistryState.apply` checks every rule an
entry must satisfy (who may sign what, when, and no duplicates) and raises
:class:`LedgerRuleError` naming the rule *before* changing anything, so a refused entry leaves the
state exactly as it was and never enters the log. Replaying the same entries on another node gives
the same :meth:`RegistryState.state_hash`.

The state answers what verifiers ask: DID documents with their key history (as of a time or a log
size), accreditations, credential types, credential anchors, status-list and accumulator
versions, notarisations.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Literal

import rfc8785

from .._dids import DIDResolutionError
from .._errors import InvalidInput, InvalidProof
from .._keys import Key
from ._did_chancery import (
    DIDRecord,
    EntryRef,
    KeyRecord,
    parse_chancery_did,
    parse_verification_method_id,
)
from ._entries import Entry, decode_entry, format_time, parse_time, thaw

__all__ = [
    "MAX_TIME_REGRESSION",
    "RULES",
    "Accreditation",
    "AccreditationEvent",
    "AccumulatorRecord",
    "Anchor",
    "Claim",
    "CredentialType",
    "LedgerRuleError",
    "Notarization",
    "RegistryState",
    "StatusListRecord",
]

#: How far an entry's time may lie before the latest entry time so far (submitters' clocks
#: differ).
#: A protocol constant: every node must use the same value to fold the same state.
MAX_TIME_REGRESSION = timedelta(minutes=5)

#: Every rule :meth:`RegistryState.apply` enforces, with what it refuses (entries.md §6.2).
RULES: Mapping[str, str] = MappingProxyType(
    {
        "index": "the entry's index is not the next one",
        "origin": "the entry names another log",
        "genesis-first": "the first entry is not a genesis entry",
        "genesis-twice": "a genesis entry after the first entry",
        "time-backwards": "the entry's time is more than the skew before the latest time so far",
        "unknown-signer": "the signer's verification method is not on the ledger",
        "did-deactivated": "the signer's (or the target) DID is deactivated",
        "key-revoked": "the signer's key is revoked",
        "key-retired": "the signer's key was retired by a rotation",
        "key-not-yet-valid": "the signer's key was added after the entry's time",
        "signer-purpose": "the signer's key lacks capabilityInvocation",
        "signature": "the signature does not verify with the signer's key",
        "not-controller": "a DID operation signed by a key of another DID",
        "duplicate-did": "the DID already exists",
        "unknown-did": "the DID named in the payload is not on the ledger",
        "key-numbering": "added keys must continue the DID's key numbers",
        "duplicate-key": "the public key is already in the DID's key history",
        "unknown-key": "the key id is not one of the DID's keys",
        "key-already-retired": "the key is already retired",
        "key-already-revoked": "the key is already revoked",
        "revoke-own-key": "a key cannot revoke itself",
        "no-invocation-key": "the DID would be left without a capabilityInvocation key",
        "root-deactivation": "the root authority's DID cannot be deactivated",
        "not-root": "only the root authority may do this",
        "root-accreditation": "the root authority cannot accredit itself",
        "accreditation-state": "the accreditation is not in a state this operation applies to",
        "not-accredited": "the signer has no accreditation",
        "accreditation-suspended": "the signer's accreditation is suspended",
        "accreditation-revoked": "the signer's accreditation is revoked",
        "accreditation-not-yet-valid": "the signer's accreditation is not yet in force",
        "accreditation-expired": "the signer's accreditation has expired",
        "type-not-covered": "the signer is not accredited for this credential type",
        "duplicate-type": "the credential type is already published",
        "unknown-type": "the credential type is not published",
        "not-type-owner": "the credential type was published by another agency",
        "type-deprecated": "the credential type is already deprecated",
        "duplicate-anchor": "the credential hash is already anchored",
        "not-owner": "the status list or accumulator belongs to another agency",
        "version-not-increasing": "the version is not greater than the last published one",
        "duplicate-notarization": "the document hash is already notarised",
    }
)

_INVOCATION = "capabilityInvocation"

Status = Literal["active", "suspended", "revoked"]


class LedgerRuleError(InvalidInput):
    """An entry breaks a ledger rule and is refused; ``rule`` is one of :data:`RULES`."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule


def _refuse(rule: str, message: str) -> LedgerRuleError:
    return LedgerRuleError(message, rule=rule)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class AccreditationEvent:
    """One accreditation entry: ``op`` (grant, suspend, reinstate, revoke) and where it is."""

    op: str
    ref: EntryRef
    types: tuple[str, ...] = ()
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """The event as JSON (part of the registry snapshot)."""
        value: dict[str, Any] = {"op": self.op, **self.ref.to_json()}
        if self.op == "grant" and self.valid_from is not None and self.valid_until is not None:
            value.update(
                types=list(self.types),
                valid_from=format_time(self.valid_from),
                valid_until=format_time(self.valid_until),
            )
        return value


@dataclass(frozen=True)
class Accreditation:
    """An agency's accreditation by the root authority (the result of its events so far)."""

    agency: str
    types: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime
    status: Status
    granted: EntryRef
    updated: EntryRef
    history: tuple[AccreditationEvent, ...]

    def in_force(self, at: datetime) -> bool:
        """Active and within its validity period at ``at``."""
        return self.status == "active" and self.valid_from <= at < self.valid_until

    def covers(self, type_id: str, at: datetime) -> bool:
        """In force at ``at`` and granted for the credential type ``type_id``."""
        return self.in_force(at) and type_id in self.types

    def to_json(self) -> dict[str, Any]:
        """The accreditation as JSON (part of the registry snapshot)."""
        return {
            "types": list(self.types),
            "valid_from": format_time(self.valid_from),
            "valid_until": format_time(self.valid_until),
            "status": self.status,
            "granted": self.granted.to_json(),
            "updated": self.updated.to_json(),
            "history": [event.to_json() for event in self.history],
        }


@dataclass(frozen=True)
class Claim:
    """A claim of a credential type; ``predicate`` claims may be compared in ZK predicates."""

    name: str
    kind: str
    predicate: bool


@dataclass(frozen=True)
class CredentialType:
    """A published credential type (entries.md §5)."""

    id: str
    agency: str
    claims: tuple[Claim, ...]
    formats: tuple[str, ...]
    revocation: str
    published: EntryRef
    deprecated: EntryRef | None = None

    def to_json(self) -> dict[str, Any]:
        """The type as JSON (part of the registry snapshot)."""
        return {
            "agency": self.agency,
            "claims": [
                {"name": c.name, "kind": c.kind, "predicate": c.predicate} for c in self.claims
            ],
            "formats": list(self.formats),
            "revocation": self.revocation,
            "published": self.published.to_json(),
            "deprecated": None if self.deprecated is None else self.deprecated.to_json(),
        }


@dataclass(frozen=True)
class Anchor:
    """An anchored credential hash: which agency anchored it, and in which entry."""

    hash: str
    agency: str
    ref: EntryRef


@dataclass(frozen=True)
class StatusListRecord:
    """The latest published version of a status list; ``history`` is (version, digest, index)."""

    url: str
    agency: str
    version: int
    digest: str
    published: EntryRef
    history: tuple[tuple[int, str, int], ...]

    def to_json(self) -> dict[str, Any]:
        """The record as JSON (part of the registry snapshot)."""
        return {
            "agency": self.agency,
            "version": self.version,
            "digest": self.digest,
            "published": self.published.to_json(),
            "history": [list(item) for item in self.history],
        }


@dataclass(frozen=True)
class AccumulatorRecord:
    """The latest published state of a revocation accumulator; ``history`` is (version, index).

    ``value`` and ``update`` are the opaque base64url fields of the latest entry.
    """

    id: str
    agency: str
    version: int
    value: str
    update: str
    published: EntryRef
    history: tuple[tuple[int, int], ...]

    def to_json(self) -> dict[str, Any]:
        """The record as JSON; the (possibly large) update data as its SHA-256."""
        return {
            "agency": self.agency,
            "version": self.version,
            "value": self.value,
            "update_sha256": hashlib.sha256(self.update.encode("ascii")).hexdigest(),
            "published": self.published.to_json(),
            "history": [list(item) for item in self.history],
        }


@dataclass(frozen=True)
class Notarization:
    """A notarised document hash, by the root authority or an accredited agency."""

    hash: str
    signer: str
    metadata: Mapping[str, Any]
    ref: EntryRef

    def to_json(self) -> dict[str, Any]:
        """The record as JSON (part of the registry snapshot)."""
        return {"signer": self.signer, "metadata": thaw(self.metadata), **self.ref.to_json()}


# --------------------------------------------------------------------------- the state

_Commit = Callable[[], None]


class RegistryState:
    """The registry state of the log ``origin``, folded entry by entry (entries.md §6).

    Feed it the log in order with :meth:`apply` (or :meth:`check` to test an entry without
    applying it). It is safe to query from other threads while entries are applied.
    """

    def __init__(self, origin: str) -> None:
        if not isinstance(origin, str) or not origin:
            raise InvalidInput("origin must be a non-empty string")
        self._origin = origin
        self._lock = threading.RLock()
        self._size = 0
        self._last_time: datetime | None = None
        self._root: str | None = None
        self._dids: dict[str, DIDRecord] = {}
        self._methods: dict[str, KeyRecord] = {}
        self._accreditations: dict[str, Accreditation] = {}
        self._types: dict[str, CredentialType] = {}
        # Anchors: 32-byte hash -> (agency, entry). One (agency, ref) tuple per entry is shared
        # by its whole batch, which keeps a million anchors at about 150 MB.
        self._anchors: dict[bytes, tuple[str, EntryRef]] = {}
        self._status_lists: dict[str, StatusListRecord] = {}
        self._accumulators: dict[str, AccumulatorRecord] = {}
        self._notarizations: dict[str, Notarization] = {}
        self._handlers: dict[tuple[str, str], Callable[[Entry, EntryRef, KeyRecord], _Commit]] = {
            ("did", "rotate"): self._did_rotate,
            ("did", "revoke-key"): self._did_revoke_key,
            ("did", "deactivate"): self._did_deactivate,
            ("accreditation", "grant"): self._accreditation_grant,
            ("accreditation", "suspend"): self._accreditation_change,
            ("accreditation", "reinstate"): self._accreditation_change,
            ("accreditation", "revoke"): self._accreditation_change,
            ("credential-type", "publish"): self._type_publish,
            ("credential-type", "deprecate"): self._type_deprecate,
            ("credential-anchor", "anchor"): self._anchor,
            ("status-list", "publish"): self._status_list_publish,
            ("accumulator", "publish"): self._accumulator_publish,
            ("notarization", "notarize"): self._notarize,
        }

    @classmethod
    def replay(cls, origin: str, entries: Iterable[Entry | bytes]) -> RegistryState:
        """A state built by applying ``entries`` (objects or canonical bytes) from index 0."""
        state = cls(origin)
        for index, item in enumerate(entries):
            state.apply(item if isinstance(item, Entry) else decode_entry(item), index)
        return state

    # ------------------------------------------------------------------ applying

    def apply(self, entry: Entry, index: int) -> None:
        """Apply the entry at log index ``index``, or raise :class:`LedgerRuleError` and change
        nothing. ``index`` must be :attr:`size` (entries are applied in log order)."""
        with self._lock:
            commit = self._plan(entry, index)
            commit()
            self._size = index + 1
            # A high-water mark: entries may step back within the skew, but repeated small steps
            # back cannot walk the log's time back further.
            if self._last_time is None or entry.time > self._last_time:
                self._last_time = entry.time

    def check(self, entry: Entry, index: int) -> None:
        """Raise :class:`LedgerRuleError` if :meth:`apply` would refuse ``entry``; change
        nothing either way."""
        with self._lock:
            self._plan(entry, index)

    def _plan(self, entry: Entry, index: int) -> _Commit:
        """Check every rule; return the (infallible) function that makes the change."""
        if not isinstance(entry, Entry):
            raise InvalidInput("apply needs an Entry (decode_entry turns bytes into one)")
        if isinstance(index, bool) or not isinstance(index, int) or index != self._size:
            raise _refuse("index", f"expected index {self._size}, got {index!r}")
        if entry.log != self._origin:
            raise _refuse("origin", f"entry is for log {entry.log!r}, not {self._origin!r}")
        if self._size == 0 and entry.type != "genesis":
            raise _refuse("genesis-first", "the first entry of a log must be its genesis entry")
        if self._size > 0 and entry.type == "genesis":
            raise _refuse("genesis-twice", "a log has exactly one genesis entry, at index 0")
        if self._last_time is not None and entry.time < self._last_time - MAX_TIME_REGRESSION:
            raise _refuse(
                "time-backwards",
                f"entry time {entry.time_text} is more than {MAX_TIME_REGRESSION} before the "
                f"latest entry time so far, {format_time(self._last_time)}",
            )
        ref = EntryRef(index, entry.time)
        if entry.type == "genesis":
            return self._create(entry, ref, entry.payload["root"], genesis=True)
        if entry.type == "did" and entry.op == "create":
            return self._create(entry, ref, entry.payload, genesis=False)
        signer = self._authenticate(entry)
        return self._handlers[(entry.type, entry.op)](entry, ref, signer)

    def _authenticate(self, entry: Entry) -> KeyRecord:
        """The signer's key record, checked valid at the entry's time; the signature checked.

        A retired key signs nothing new, whatever time the entry claims: the rotation entry is
        already in the log, so any entry after it is new (this stops a holder of a retired key
        from backdating entries to before the rotation).
        """
        record = self._methods.get(entry.signer)
        if record is None:
            raise _refuse("unknown-signer", f"{entry.signer} is not a key on the ledger")
        if self._dids[record.did].deactivated is not None:
            raise _refuse("did-deactivated", f"{record.did} is deactivated")
        if record.revoked is not None:
            raise _refuse(
                "key-revoked", f"{entry.signer} was revoked (entry {record.revoked.index})"
            )
        if record.retired is not None:
            raise _refuse(
                "key-retired", f"{entry.signer} was retired (entry {record.retired.index})"
            )
        if record.added.time > entry.time:
            raise _refuse(
                "key-not-yet-valid",
                f"{entry.signer} was added at {format_time(record.added.time)}, after the entry's "
                f"time {entry.time_text}",
            )
        if _INVOCATION not in record.purposes:
            raise _refuse("signer-purpose", f"{entry.signer} is not a capabilityInvocation key")
        self._verify(record, entry)
        return record

    @staticmethod
    def _verify(record: KeyRecord, entry: Entry) -> None:
        try:
            record.verify(entry.signing_input, entry.sig)
        except InvalidProof as exc:
            raise _refuse("signature", str(exc)) from exc

    def _require_accredited(self, agency: str, at: datetime, type_id: str | None = None) -> None:
        accreditation = self._accreditations.get(agency)
        if accreditation is None:
            raise _refuse("not-accredited", f"{agency} is not accredited")
        if accreditation.status == "suspended":
            raise _refuse("accreditation-suspended", f"the accreditation of {agency} is suspended")
        if accreditation.status == "revoked":
            raise _refuse("accreditation-revoked", f"the accreditation of {agency} is revoked")
        if at < accreditation.valid_from:
            raise _refuse(
                "accreditation-not-yet-valid",
                f"the accreditation of {agency} starts at {format_time(accreditation.valid_from)}",
            )
        if at >= accreditation.valid_until:
            raise _refuse(
                "accreditation-expired",
                f"the accreditation of {agency} ended at {format_time(accreditation.valid_until)}",
            )
        if type_id is not None and type_id not in accreditation.types:
            raise _refuse("type-not-covered", f"{agency} is not accredited for {type_id!r}")

    def _require_did(self, did: str) -> DIDRecord:
        record = self._dids.get(did)
        if record is None:
            raise _refuse("unknown-did", f"{did} is not on the ledger")
        if record.deactivated is not None:
            raise _refuse("did-deactivated", f"{did} is deactivated")
        return record

    # ------------------------------------------------------------------ DIDs

    def _create(
        self, entry: Entry, ref: EntryRef, body: Mapping[str, Any], *, genesis: bool
    ) -> _Commit:
        """``genesis`` and ``did``/``create``: a new DID, signed by one of its own keys."""
        did = body["did"]
        if did in self._dids:
            raise _refuse("duplicate-did", f"{did} already exists")
        signer_did, number = parse_verification_method_id(entry.signer)
        if signer_did != did:
            raise _refuse("not-controller", "a DID is created by an entry signed with its own key")
        keys = {
            n: KeyRecord(
                did=did,
                number=n,
                key=Key.from_multikey(obj["publicKeyMultibase"]),
                purposes=tuple(obj["purposes"]),
                added=ref,
            )
            for n, obj in enumerate(body["keys"], start=1)
        }
        signer = keys.get(number)
        if signer is None:
            raise _refuse("unknown-signer", f"{entry.signer} is not one of the new DID's keys")
        if _INVOCATION not in signer.purposes:
            raise _refuse("signer-purpose", f"{entry.signer} is not a capabilityInvocation key")
        self._verify(signer, entry)
        record = DIDRecord(did=did, nonce=body["nonce"], created=ref, updated=ref, keys=keys)

        def commit() -> None:
            self._dids[did] = record
            for key in keys.values():
                self._methods[key.id] = key
            if genesis:
                self._root = did

        return commit

    def _did_target(self, entry: Entry, signer: KeyRecord) -> DIDRecord:
        record = self._require_did(entry.payload["did"])
        if signer.did != record.did:
            raise _refuse(
                "not-controller", f"{entry.signer} cannot change {record.did}: not its own key"
            )
        return record

    def _did_rotate(self, entry: Entry, ref: EntryRef, signer: KeyRecord) -> _Commit:
        record = self._did_target(entry, signer)
        add, retire = entry.payload["add"], entry.payload["retire"]
        known = {k.key.public for k in record.keys.values()}
        added: list[KeyRecord] = []
        for position, obj in enumerate(add):
            number = record.next_key_number + position
            if obj["id"] != f"key-{number}":
                raise _refuse("key-numbering", f"the next key of {record.did} is key-{number}")
            public = Key.from_multikey(obj["publicKeyMultibase"])
            if public.public in known:
                # Re-adding a retired or revoked key under a new id would revive it.
                raise _refuse("duplicate-key", f"{obj['id']} is already in the key history")
            added.append(KeyRecord(record.did, number, public, tuple(obj["purposes"]), ref))
        retiring = [self._existing_key(record, key_id) for key_id in retire]
        for key in retiring:
            if key.revoked is not None:
                raise _refuse("key-already-revoked", f"{key.id} is revoked")
            if key.retired is not None:
                raise _refuse("key-already-retired", f"{key.id} is already retired")
        remaining = [
            k
            for k in [*record.keys.values(), *added]
            if k.retired is None and k.revoked is None and k not in retiring
        ]
        if not any(_INVOCATION in k.purposes for k in remaining):
            raise _refuse("no-invocation-key", f"{record.did} would have no invocation key left")

        def commit() -> None:
            for key in added:
                record.keys[key.number] = key
                self._methods[key.id] = key
            for key in retiring:
                key.retired = ref
            record.updated = ref

        return commit

    @staticmethod
    def _existing_key(record: DIDRecord, key_id: str) -> KeyRecord:
        number = int(key_id.removeprefix("key-"))
        key = record.keys.get(number)
        if key is None:
            raise _refuse("unknown-key", f"{record.did} has no {key_id}")
        return key

    def _did_revoke_key(self, entry: Entry, ref: EntryRef, signer: KeyRecord) -> _Commit:
        record = self._did_target(entry, signer)
        revoking = [self._existing_key(record, key_id) for key_id in entry.payload["keys"]]
        for key in revoking:
            if key is signer:
                # Its own revocation would make this very entry's signature invalid.
                raise _refuse("revoke-own-key", f"{key.id} cannot revoke itself")
            if key.revoked is not None:
                raise _refuse("key-already-revoked", f"{key.id} is already revoked")

        def commit() -> None:
            for key in revoking:
                key.revoked = ref
            record.updated = ref

        return commit

    def _did_deactivate(self, entry: Entry, ref: EntryRef, signer: KeyRecord) -> _Commit:
        record = self._did_target(entry, signer)
        if record.did == self._root:
            raise _refuse("root-deactivation", "the root authority's DID cannot be deactivated")

        def commit() -> None:
            record.deactivated = ref
            record.updated = ref

        return commit

    # ------------------------------------------------------------------ accreditations

    def _require_root(self, entry: Entry, signer: KeyRecord) -> None:
        if signer.did != self._root:
            raise _refuse("not-root", f"only the root authority may make {entry.type} entries")

    def _accreditation_grant(self, entry: Entry, ref: EntryRef, signer: KeyRecord) -> _Commit:
        self._require_root(entry, signer)
        payload = entry.payload
        agency = payload["agency"]
        if agency == self._root:
            raise _refuse("root-accreditation", "the root authority cannot accredit itself")
        self._require_did(agency)
        current = self._accreditations.get(agency)
        if current is not None and current.status != "active":
            # A suspended agency is reinstated explicitly; a revoked one needs a new DID.
            raise _refuse(
                "accreditation-state", f"the accreditation of {agency} is {current.status}"
            )
        types = tuple(payload["types"])
        start, end = parse_time(payload["valid_from"]), parse_time(payload["valid_until"])
        event = AccreditationEvent("grant", ref, types, start, end)
        updated = Accreditation(
            agency=agency,
            types=types,
            valid_from=start,
            valid_until=end,
            status="active",
            granted=ref,
            updated=ref,
            history=(*(current.history if current else ()), event),
        )

        def commit() -> None:
            self._accreditations[agency] = updated

        return commit

    _TRANSITIONS: Mapping[str, tuple[tuple[Status, ...], Status]] = MappingProxyType(
        {
            "suspend": (("active",), "suspended"),
            "reinstate": (("suspended",), "active"),
            "revoke": (("active", "suspended"), "revoked"),
        }
    )

    def _accreditation_change(self, entry: Entry, ref: EntryRef, signer: KeyRecord) -> _Commit:
        self._require_root(entry, signer)
        agency = entry.payload["agency"]
        current = self._accreditations.get(agency)
        if current is None:
            raise _refuse("not-accredited", f"{agency} has no accreditation")
        allowed, status = self._TRANSITIONS[entry.op]
        if current.status not in allowed:
            raise _refuse(
                "accreditation-state",
                f"cannot {entry.op} an accreditation that is {current.status}",
            )
        updated = replace(
            current,
            status=status,
            updated=ref,
            history=(*current.history, AccreditationEvent(entry.op, ref)),
        )

        def commit() -> None:
            self._accreditations[agency] = updated

        return commit

    # ------------------------------------------------------------------ agencies' entries

    def _type_publish(self, entry: Entry, ref: EntryRef, signer: KeyRecord) -> _Commit:
        payload = entry.payload
        type_id = payload["id"]
        self._require_accredited(signer.did, entry.time, type_id)
        if type_id in self._types:
            raise _refuse("duplicate-type", f"credential type {type_id!r} is already published")
        record = CredentialType(
            id=type_id,
            agency=signer.did,
            claims=tuple(Claim(c["name"], c["kind"], c["predicate"]) for c in payload["claims"]),
            formats=tuple(payload["formats"]),
            revocation=payload["revocation"],
            published=ref,
        )

        def commit() -> None:
            self._types[type_id] = record

        return commit

    def _type_deprecate(self, entry: Entry, ref: EntryRef, signer: KeyRecord) -> _Commit:
        type_id = entry.payload["id"]
        current = self._types.get(type_id)
        if current is None:
            raise _refuse("unknown-type", f"credential type {type_id!r} is not published")
        if current.agency != signer.did:
            raise _refuse("not-type-owner", f"{type_id!r} was published by {current.agency}")
        self._require_accredited(signer.did, entry.time, type_id)
        if current.deprecated is not None:
            raise _refuse("type-deprecated", f"{type_id!r} is already deprecated")
        updated = replace(current, deprecated=ref)

        def commit() -> None:
            self._types[type_id] = updated

        return commit

    def _anchor(self, entry: Entry, ref: EntryRef, signer: KeyRecord) -> _Commit:
        self._require_accredited(signer.did, entry.time)
        hashes = [bytes.fromhex(h) for h in entry.payload["hashes"]]
        anchors = self._anchors
        for value in hashes:
            if value in anchors:
                raise _refuse("duplicate-anchor", f"{value.hex()} is already anchored")
        record = (signer.did, ref)

        def commit() -> None:
            for value in hashes:
                anchors[value] = record

        return commit

    def _status_list_publish(self, entry: Entry, ref: EntryRef, signer: KeyRecord) -> _Commit:
        self._require_accredited(signer.did, entry.time)
        url, version, digest = (entry.payload[k] for k in ("url", "version", "digest"))
        current = self._status_lists.get(url)
        if current is not None:
            self._require_owner(current.agency, signer, f"status list {url}")
            self._require_newer(current.version, version)
        history = current.history if current is not None else ()
        record = StatusListRecord(
            url, signer.did, version, digest, ref, (*history, (version, digest, ref.index))
        )

        def commit() -> None:
            self._status_lists[url] = record

        return commit

    def _accumulator_publish(self, entry: Entry, ref: EntryRef, signer: KeyRecord) -> _Commit:
        self._require_accredited(signer.did, entry.time)
        payload = entry.payload
        registry, version = payload["id"], payload["version"]
        current = self._accumulators.get(registry)
        if current is not None:
            self._require_owner(current.agency, signer, f"accumulator {registry}")
            self._require_newer(current.version, version)
        history = current.history if current is not None else ()
        record = AccumulatorRecord(
            registry,
            signer.did,
            version,
            payload["value"],
            payload["update"],
            ref,
            (*history, (version, ref.index)),
        )

        def commit() -> None:
            self._accumulators[registry] = record

        return commit

    @staticmethod
    def _require_owner(owner: str, signer: KeyRecord, what: str) -> None:
        if owner != signer.did:
            raise _refuse("not-owner", f"{what} belongs to {owner}")

    @staticmethod
    def _require_newer(current: int, version: int) -> None:
        if version <= current:
            raise _refuse("version-not-increasing", f"version {version} after version {current}")

    def _notarize(self, entry: Entry, ref: EntryRef, signer: KeyRecord) -> _Commit:
        if signer.did != self._root:
            self._require_accredited(signer.did, entry.time)
        digest = entry.payload["hash"]
        if digest in self._notarizations:
            raise _refuse("duplicate-notarization", f"{digest} is already notarised")
        record = Notarization(digest, signer.did, entry.payload["metadata"], ref)

        def commit() -> None:
            self._notarizations[digest] = record

        return commit

    # ------------------------------------------------------------------ queries

    @property
    def origin(self) -> str:
        """The log this state belongs to."""
        return self._origin

    @property
    def size(self) -> int:
        """How many entries have been applied (the next entry's index)."""
        return self._size

    @property
    def last_time(self) -> datetime | None:
        """The latest entry time so far (the high-water mark of the ``time-backwards`` rule)."""
        return self._last_time

    @property
    def root_did(self) -> str | None:
        """The root authority's DID (from the genesis entry), ``None`` before it."""
        return self._root

    def _did_record(self, did: str, at: datetime | None, size: int | None) -> DIDRecord:
        parse_chancery_did(did)
        if at is not None and (not isinstance(at, datetime) or at.tzinfo is None):
            raise InvalidInput("'at' must be a timezone-aware datetime")
        if size is not None:
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise InvalidInput("size must be a non-negative integer")
            if size > self._size:
                raise InvalidInput(f"size {size} is beyond the registry state ({self._size})")
            if at is not None:
                raise InvalidInput("give a time or a size, not both")
        record = self._dids.get(did)
        if (
            record is None
            or (at is not None and not record.exists_at(at))
            or (size is not None and record.created.index >= size)
        ):
            raise DIDResolutionError(f"{did} is not on the ledger", code="notFound")
        return record

    def did_document(
        self, did: str, at: datetime | None = None, *, size: int | None = None
    ) -> dict[str, Any]:
        """The DID document of a ``did:chancery`` DID as of time ``at``, log size ``size``, or
        now (entries.md §4.3). Raises :class:`DIDResolutionError` (``invalidDid``,
        ``notFound``)."""
        with self._lock:
            return self._did_record(did, at, size).document(at, size)

    def did_metadata(
        self, did: str, at: datetime | None = None, *, size: int | None = None
    ) -> dict[str, Any]:
        """DID document metadata (DID Core §7.1.3) as of ``at`` / ``size``."""
        with self._lock:
            return self._did_record(did, at, size).metadata(at, size)

    def key_for(self, vm_id: str, at: datetime | None = None) -> Key:
        """The public key of verification method ``vm_id`` if it was valid at ``at`` (or is now):
        added by then, not retired before, never revoked, its DID active. Raises
        :class:`DIDResolutionError` otherwise."""
        did, number = parse_verification_method_id(vm_id)
        with self._lock:
            record = self._did_record(did, at, None)
            for key in record.keys_at(at):
                if key.number == number:
                    return key.key
        raise DIDResolutionError(f"{vm_id} is not a valid key at that time", code="notFound")

    def verification_methods_of(self, key: Key) -> list[str]:
        """The ids of the current (not retired, not revoked) methods whose public key is
        ``key``'s, in log order; the way to find the ``signer`` for a key."""
        if not isinstance(key, Key):
            raise InvalidInput("verification_methods_of needs a Key")
        with self._lock:
            return [
                vm
                for vm, record in self._methods.items()
                if record.key.same_public(key)
                and record.retired is None
                and record.revoked is None
                and self._dids[record.did].deactivated is None
            ]

    def accreditation(self, agency: str) -> Accreditation | None:
        """The agency's current accreditation, or ``None``."""
        with self._lock:
            return self._accreditations.get(agency)

    def accreditation_at(self, agency: str, at: datetime) -> Accreditation | None:
        """The agency's accreditation as the entries up to time ``at`` left it, or ``None``."""
        if not isinstance(at, datetime) or at.tzinfo is None:
            raise InvalidInput("'at' must be a timezone-aware datetime")
        with self._lock:
            current = self._accreditations.get(agency)
        if current is None:
            return None
        result: Accreditation | None = None
        for event in current.history:
            if event.ref.time > at:
                break
            if event.op == "grant" and event.valid_from and event.valid_until:
                history = (*result.history, event) if result else (event,)
                result = Accreditation(
                    agency,
                    event.types,
                    event.valid_from,
                    event.valid_until,
                    "active",
                    event.ref,
                    event.ref,
                    history,
                )
            elif result is not None:
                status = self._TRANSITIONS[event.op][1]
                result = replace(
                    result,
                    status=status,
                    updated=event.ref,
                    history=(*result.history, event),
                )
        return result

    def is_accredited(
        self, agency: str, type_id: str | None = None, at: datetime | None = None
    ) -> bool:
        """Whether ``agency`` was accredited (for ``type_id``, if given) at ``at`` (or now,
        meaning: active, whatever the validity period)."""
        record = self.accreditation(agency) if at is None else self.accreditation_at(agency, at)
        if record is None:
            return False
        if at is None:
            return record.status == "active" and (type_id is None or type_id in record.types)
        return record.in_force(at) and (type_id is None or type_id in record.types)

    def credential_types(self) -> list[CredentialType]:
        """Every published credential type, in log order."""
        with self._lock:
            return sorted(self._types.values(), key=lambda record: record.published.index)

    def credential_type(self, type_id: str) -> CredentialType | None:
        """A published credential type, or ``None``."""
        with self._lock:
            return self._types.get(type_id)

    @staticmethod
    def _hash_key(hash_hex: str) -> bytes:
        if not isinstance(hash_hex, str) or len(hash_hex) != 64:
            raise InvalidInput("a credential hash is 64 lowercase hex characters")
        try:
            value = bytes.fromhex(hash_hex)
        except ValueError as exc:
            raise InvalidInput("a credential hash is 64 lowercase hex characters") from exc
        if value.hex() != hash_hex:
            raise InvalidInput("a credential hash is 64 lowercase hex characters")
        return value

    def is_anchored(self, hash_hex: str) -> bool:
        """Whether the salted credential hash ``hash_hex`` (lowercase hex) is anchored."""
        key = self._hash_key(hash_hex)
        with self._lock:
            return key in self._anchors

    def anchor(self, hash_hex: str) -> Anchor | None:
        """Who anchored ``hash_hex`` and in which entry, or ``None``."""
        key = self._hash_key(hash_hex)
        with self._lock:
            found = self._anchors.get(key)
        return None if found is None else Anchor(hash_hex, found[0], found[1])

    @property
    def anchor_count(self) -> int:
        """How many credential hashes are anchored."""
        return len(self._anchors)

    def status_list(self, url: str) -> StatusListRecord | None:
        """The latest published version of the status list at ``url``, or ``None``."""
        with self._lock:
            return self._status_lists.get(url)

    def accumulator(self, registry_id: str) -> AccumulatorRecord | None:
        """The latest published state of accumulator ``registry_id``, or ``None``."""
        with self._lock:
            return self._accumulators.get(registry_id)

    def notarization(self, hash_hex: str) -> Notarization | None:
        """The notarisation of the document hash ``hash_hex``, or ``None``."""
        with self._lock:
            return self._notarizations.get(hash_hex)

    # ------------------------------------------------------------------ snapshot

    def _anchors_digest(self) -> str:
        # SHA-256 over the anchors sorted by hash, each as hash (32 bytes) || entry index
        # (8 bytes, big-endian): covers every anchor without printing a million of them.
        digest = hashlib.sha256()
        for value in sorted(self._anchors):
            digest.update(value + self._anchors[value][1].index.to_bytes(8, "big"))
        return digest.hexdigest()

    def snapshot(self) -> dict[str, Any]:
        """The whole state as JSON (entries.md §6.3), what ``chancery ledger state`` prints.

        Objects are keyed by DID, type id, URL, registry id or hash; JCS sorts them, and every
        array is in log order, so equal states give byte-identical JCS.
        """
        with self._lock:
            return {
                "origin": self._origin,
                "size": self._size,
                "last_time": None if self._last_time is None else format_time(self._last_time),
                "root": self._root,
                "dids": {did: record.to_json() for did, record in self._dids.items()},
                "accreditations": {a: r.to_json() for a, r in self._accreditations.items()},
                "credential_types": {t: r.to_json() for t, r in self._types.items()},
                "anchors": {"count": len(self._anchors), "digest": self._anchors_digest()},
                "status_lists": {u: r.to_json() for u, r in self._status_lists.items()},
                "accumulators": {i: r.to_json() for i, r in self._accumulators.items()},
                "notarizations": {h: r.to_json() for h, r in self._notarizations.items()},
            }

    def state_hash(self) -> bytes:
        """SHA-256 of the RFC 8785 (JCS) serialisation of :meth:`snapshot`."""
        return hashlib.sha256(rfc8785.dumps(self.snapshot())).digest()
