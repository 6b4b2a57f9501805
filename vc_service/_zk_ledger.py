"""Zero-knowledge revocation registries on the ledger.

An agency's registry (specs/zk-presentation.md §7) lives on the ledger as ``accumulator`` /
``publish`` entries (specs/ledger/entries.md §5): version 1 is the set-up (the initial value,
and in ``update`` the issuer's public keys: the accumulator key ``Q̃`` and the BBS key ``W``,
96 bytes each), every later version one revocation batch (the new value and the update data of
``zk.accumulator.AccumulatorUpdate``), so the registry's epoch is the ledger version.
The registry state (entries.md §6) keeps, per registry, the (version, entry index) history:

* issuers publish with :func:`publish_registry` and :func:`publish_revocations`;
* holders bring their witnesses forward with :func:`updates_since`, reading only the entries
  published after their witness's epoch (specs/zk-presentation.md §7: time linear in the
  revocations since);
* verifiers take the value they check presentations against from :func:`accumulator_state`,
  as of a checkpoint's log size (specs/zk-presentation.md §3), and the issuer's keys from
  :func:`issuer_public`: the set-up entry is signed by the agency whose DID is the credential
  type's issuer, so the keys are as trustworthy as the agency's accreditation.

The ledger enforces who may publish (an accredited agency, the first publisher of a registry
owns it, versions increase: entries.md §6.2); the functions here add what a revocation
registry needs beyond that: consecutive versions, each update starting from the value before it.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Protocol

from zk import InvalidInput as ZkInvalidInput
from zk.accumulator import AccumulatorUpdate, decode_value, initial_value
from zk.curve import G2_SIZE, default_backend
from zk.presentation import AccumulatorState, CredentialType, Issuer, IssuerPublic

from ._errors import InvalidInput
from ._keys import Key
from ._multibase import b64url_decode, b64url_encode
from .ledger._entries import Entry, decode_entry
from .ledger._ledger import Ledger, Receipt
from .ledger._state import AccumulatorRecord, RegistryState

__all__ = [
    "ENTRY_TYPE",
    "EntryReader",
    "InvalidPublication",
    "LedgerSource",
    "UnknownRegistry",
    "accumulator_state",
    "issuer_public",
    "publish_credential_type",
    "publish_registry",
    "publish_revocations",
    "updates_since",
]

#: The ledger entry type of registry publications (entries.md §5); its op is ``publish``.
ENTRY_TYPE = "accumulator"
_OP = "publish"
#: The set-up of a registry is ledger version 1 (specs/zk-presentation.md §7).
SETUP_VERSION = 1


class UnknownRegistry(InvalidInput):
    """No registry with this identifier is published on the ledger (as of the size asked)."""


class InvalidPublication(InvalidInput):
    """A registry's ledger entries do not form a valid revocation history: an entry that does
    not decode as an accumulator publication or update, a missing version, an update that does
    not start from the value before it."""


class EntryReader(Protocol):
    """Reads one entry of the log by index (:class:`vc_service.ledger.LedgerStore` does)."""

    def entry(self, index: int) -> bytes:
        """The canonical bytes of the entry at ``index``."""
        ...


class LedgerSource(Protocol):
    """What the readers need of a ledger: its current registry state and its entries.

    :class:`vc_service.ledger.Ledger` is one; a read-only replica or a wallet's cache of the
    registry's entries can be another.
    """

    def state(self) -> RegistryState:
        """The registry state as of the log's current size."""
        ...

    @property
    def store(self) -> EntryReader:
        """The log's entries."""
        ...


# --------------------------------------------------------------------------- publishing


def _payload(registry_id: str, version: int, value: bytes, update: str) -> dict[str, object]:
    return {"id": registry_id, "version": version, "value": b64url_encode(value), "update": update}


#: The ledger format of zero-knowledge credentials (entries.md §5).
ZK_FORMAT = "chancery-zk-v1"


def publish_credential_type(
    ledger: Ledger, agency_key: Key, ctype: CredentialType, *, signer: str | None = None
) -> list[Receipt]:
    """Publish ``ctype`` as a ``credential-type``/``publish`` entry: its claims in signing
    order (integers and dates marked as usable in predicates), format ``chancery-zk-v1``,
    revocation ``accumulator``. The ledger refuses it unless the agency is accredited for the
    type id (entries.md §6.2)."""
    if not isinstance(ctype, CredentialType):
        raise InvalidInput("ctype must be a zk.presentation.CredentialType")
    claims = [
        {"name": name, "kind": kind, "predicate": kind in ("integer", "date")}
        for name, kind in ctype.claims
    ]
    payload = {
        "id": ctype.type_id,
        "claims": claims,
        "formats": [ZK_FORMAT],
        "revocation": "accumulator",
    }
    entries = ledger.make_entries(agency_key, "credential-type", [payload], signer=signer)
    return ledger.append(entries)


def publish_registry(
    ledger: Ledger, agency_key: Key, issuer: Issuer, *, signer: str | None = None
) -> list[Receipt]:
    """Publish the set-up of ``issuer``'s revocation registry: one ``accumulator``/``publish``
    entry with ``id`` = the credential type's ``registry_id``, ``version`` 1, the issuer's
    current (initial) accumulator value and, in ``update``, the issuer's public keys ``Q̃ || W``
    (specs/zk-presentation.md §7: O(1) whatever the registry's capacity, no tails file).

    ``agency_key`` signs, as ``signer`` (a verification method id; default: the key's current
    one on the ledger). The ledger refuses the entry (:class:`vc_service.ledger.AppendError`)
    unless the agency is accredited and the registry id is new.
    """
    if not isinstance(issuer, Issuer):
        raise InvalidInput("issuer must be a zk.presentation.Issuer")
    state = issuer.state()
    if state.epoch != SETUP_VERSION:
        raise InvalidInput(
            f"the registry is at epoch {state.epoch}: its set-up (epoch {SETUP_VERSION}) must "
            "be published before any revocation"
        )
    public = issuer.public
    keys = b64url_encode(public.accumulator_key + public.public_key)
    payload = _payload(state.registry_id, SETUP_VERSION, state.value, keys)
    entries = ledger.make_entries(agency_key, ENTRY_TYPE, [payload], signer=signer)
    return ledger.append(entries)


def publish_revocations(
    ledger: Ledger,
    agency_key: Key,
    registry_id: str,
    updates: Sequence[AccumulatorUpdate],
    *,
    signer: str | None = None,
) -> list[Receipt]:
    """Publish revocation batches: one ``accumulator``/``publish`` entry per update
    (``version`` = the update's epoch, ``value`` and ``update`` from
    :meth:`zk.accumulator.AccumulatorUpdate.to_ledger_payload`), all in one append (one
    transaction: specs/ledger.md §3).

    The updates must continue the registry as the ledger has it: the first one's epoch is the
    published version + 1 and it starts from the published value, each next one continues the
    one before (:class:`InvalidPublication` otherwise, before anything is written; a holder
    could not follow a gap). The ledger itself refuses a signer that is not the registry's
    agency or not accredited (:class:`vc_service.ledger.AppendError`).
    """
    registry_id = _registry_id(registry_id)
    updates = list(updates)
    if not updates:
        return []
    if not all(isinstance(u, AccumulatorUpdate) for u in updates):
        raise InvalidInput("updates must be zk.accumulator.AccumulatorUpdate values")
    record = _record(ledger.state(), registry_id)
    version, value = record.version, _value_bytes(record.value, registry_id, record.version)
    payloads: list[dict[str, object]] = []
    for update in updates:
        if update.epoch != version + 1:
            raise InvalidPublication(
                f"registry {registry_id!r} is at version {version}: the next update has epoch "
                f"{version + 1}, not {update.epoch}"
            )
        if update.backend.g1_encode(update.previous) != value:
            raise InvalidPublication(
                f"the update of epoch {update.epoch} does not start from the value of "
                f"version {version} of registry {registry_id!r}"
            )
        try:
            fields = update.to_ledger_payload()
        except ZkInvalidInput as exc:
            raise InvalidInput(f"the update of epoch {update.epoch}: {exc}") from exc
        payloads.append({"id": registry_id, "version": update.epoch, **fields})
        version, value = update.epoch, update.backend.g1_encode(update.value)
    entries = ledger.make_entries(agency_key, ENTRY_TYPE, payloads, signer=signer)
    return ledger.append(entries)


# --------------------------------------------------------------------------- reading


def updates_since(source: LedgerSource, registry_id: str, epoch: int) -> list[AccumulatorUpdate]:
    """The revocation updates a holder whose witness is at ``epoch`` needs, in order: every
    publication of ``registry_id`` with a version above ``epoch`` (empty when the witness is
    current), read from the ledger's entries alone (specs/zk-presentation.md §7).

    The registry state's history gives the entries' indexes; only those entries (and the one
    of version ``epoch``, to check that the first update starts from it) are read and decoded,
    so the time is proportional to the number of updates since ``epoch``.

    :class:`UnknownRegistry` if the registry is not published; :class:`InvalidInput` if
    ``epoch`` is not one of its versions (a witness from another ledger or registry);
    :class:`InvalidPublication` if the entries do not form a chain of updates.
    """
    registry_id = _registry_id(registry_id)
    if type(epoch) is not int or epoch < SETUP_VERSION:
        raise InvalidInput(f"an epoch is an integer of at least {SETUP_VERSION}")
    record = _record(source.state(), registry_id)
    history = record.history
    position = bisect.bisect_right(history, epoch, key=lambda item: item[0])
    if position == 0 or history[position - 1][0] != epoch:
        raise InvalidInput(
            f"epoch {epoch} is not a published version of registry {registry_id!r} (the ledger "
            f"has versions up to {record.version})"
        )
    if position == len(history):
        return []
    store = source.store
    _, start_index = history[position - 1]
    value = _publication_value(_read(store, start_index, registry_id, epoch), registry_id, epoch)
    updates: list[AccumulatorUpdate] = []
    expected = epoch
    backend = default_backend()
    for version, index in history[position:]:
        expected += 1
        if version != expected:
            raise InvalidPublication(
                f"registry {registry_id!r} has no version {expected} (version {version} follows): "
                "witnesses cannot be brought past the gap"
            )
        entry = _read(store, index, registry_id, version)
        try:
            update = AccumulatorUpdate.from_ledger_payload(entry.payload, backend=backend)
        except ZkInvalidInput as exc:
            raise InvalidPublication(
                f"version {version} of registry {registry_id!r} (entry {index}) is not a "
                f"valid accumulator update: {exc}"
            ) from exc
        if backend.g1_encode(update.previous) != value:
            raise InvalidPublication(
                f"version {version} of registry {registry_id!r} (entry {index}) does not start "
                "from the value of the version before it"
            )
        value = backend.g1_encode(update.value)
        updates.append(update)
    return updates


def accumulator_state(
    ledger: LedgerSource, registry_id: str, *, size: int | None = None
) -> AccumulatorState:
    """The value and epoch of ``registry_id`` as of the log's first ``size`` entries (a
    checkpoint's size; default: the current size): what a verifier checks non-revocation
    against (specs/zk-presentation.md §3, §7).

    Found from the registry state's history without replaying the log: one entry is read
    when ``size`` is given. :class:`UnknownRegistry` if the registry was not yet published at
    ``size``; :class:`InvalidInput` if ``size`` exceeds the log; :class:`InvalidPublication`
    if the published value is not a valid accumulator value.
    """
    registry_id = _registry_id(registry_id)
    state = ledger.state()
    record = _record(state, registry_id)
    if size is None:
        value = _value_bytes(record.value, registry_id, record.version)
        return AccumulatorState(registry_id, record.version, value)
    if type(size) is not int or not 0 <= size <= state.size:
        raise InvalidInput(f"size must be an integer from 0 to the log size {state.size}")
    position = bisect.bisect_left(record.history, size, key=lambda item: item[1])
    if position == 0:
        raise UnknownRegistry(
            f"registry {registry_id!r} was not published yet in the first {size} entries"
        )
    version, index = record.history[position - 1]
    entry = _read(ledger.store, index, registry_id, version)
    value = _publication_value(entry, registry_id, version)
    return AccumulatorState(registry_id, version, value)


def issuer_public(ledger: LedgerSource, ctype: CredentialType) -> IssuerPublic:
    """The keys a verifier checks ``ctype``'s presentations with, from its registry's set-up
    entry (version 1).

    The entry must be signed by the credential type's issuer (its ``issuer_id`` is the
    agency's DID) and publish the registry's initial value (``zk.accumulator.initial_value``
    of the registry id); otherwise :class:`InvalidPublication`. :class:`UnknownRegistry` if the
    registry is not on the ledger.
    """
    if not isinstance(ctype, CredentialType):
        raise InvalidInput("ctype must be a zk.presentation.CredentialType")
    registry_id = ctype.registry_id
    record = _record(ledger.state(), registry_id)
    version, index = record.history[0]
    if version != SETUP_VERSION:
        raise InvalidPublication(f"registry {registry_id!r} starts at version {version}, not 1")
    entry = _read(ledger.store, index, registry_id, version)
    signer = entry.signer.split("#", 1)[0]
    if signer != ctype.issuer_id:
        raise InvalidPublication(
            f"registry {registry_id!r} was set up by {signer}, not by the type's issuer "
            f"{ctype.issuer_id}"
        )
    value = _publication_value(entry, registry_id, version)
    bk = default_backend()
    if value != bk.g1_encode(initial_value(registry_id)):
        raise InvalidPublication(f"registry {registry_id!r} was not set up with its initial value")
    keys_text = entry.payload.get("update")
    try:
        keys = b64url_decode(keys_text) if isinstance(keys_text, str) else b""
        if len(keys) != 2 * G2_SIZE:
            raise InvalidInput("the set-up must carry Q~ and W, 96 bytes each")
        bk.g2_decode(keys[:G2_SIZE])
        bk.g2_decode(keys[G2_SIZE:])
        return IssuerPublic(ctype, keys[G2_SIZE:], keys[:G2_SIZE])
    except (InvalidInput, ZkInvalidInput) as exc:
        raise InvalidPublication(
            f"the set-up of registry {registry_id!r} does not carry valid issuer keys: {exc}"
        ) from exc


# --------------------------------------------------------------------------- helpers


def _registry_id(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput("a registry id is a non-empty string")
    return value


def _record(state: RegistryState, registry_id: str) -> AccumulatorRecord:
    record = state.accumulator(registry_id)
    if record is None:
        raise UnknownRegistry(f"registry {registry_id!r} is not published on the ledger")
    return record


def _read(store: EntryReader, index: int, registry_id: str, version: int) -> Entry:
    """The entry at ``index``, checked to be version ``version`` of ``registry_id``."""
    entry = decode_entry(store.entry(index))
    payload = entry.payload
    if (
        entry.type != ENTRY_TYPE
        or entry.op != _OP
        or payload.get("id") != registry_id
        or payload.get("version") != version
    ):
        raise InvalidPublication(
            f"entry {index} is not version {version} of registry {registry_id!r}: the registry "
            "state and the log disagree"
        )
    return entry


def _publication_value(entry: Entry, registry_id: str, version: int) -> bytes:
    value = entry.payload.get("value")
    if not isinstance(value, str):
        raise InvalidPublication(f"version {version} of registry {registry_id!r} has no value")
    return _value_bytes(value, registry_id, version)


def _value_bytes(text: str, registry_id: str, version: int) -> bytes:
    """The 48-byte accumulator value of a publication's ``value`` field, checked to be a
    valid G1 point."""
    try:
        raw = b64url_decode(text)
        decode_value(raw)
    except (InvalidInput, ZkInvalidInput) as exc:
        raise InvalidPublication(
            f"version {version} of registry {registry_id!r} does not publish a valid "
            f"accumulator value: {exc}"
        ) from exc
    return raw
