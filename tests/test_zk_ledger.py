"""Zero-knowledge revocation registries on a real ledger (``vc_service._zk_ledger``;
specs/zk-presentation.md §7, specs/ledger/entries.md §5).

Each test builds a temporary SQLite ledger with a root authority, two accredited agencies (the
civil registry, an education ministry) and a DID without accreditation. The civil registry
publishes its registry's set-up and several revocation batches; holders bring their witnesses
forward from ``updates_since`` alone and present against ``accumulator_state``, as a verifier
reads it at a checkpoint.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from vc_service._errors import InvalidInput
from vc_service._keys import Key
from vc_service._multibase import b64url_decode
from vc_service._zk_ledger import (
    InvalidPublication,
    UnknownRegistry,
    accumulator_state,
    issuer_public,
    publish_credential_type,
    publish_registry,
    publish_revocations,
    updates_since,
)
from vc_service.ledger._checkpoint import verify_checkpoint
from vc_service.ledger._entries import decode_entry
from vc_service.ledger._ledger import AppendError, Ledger
from vc_service.ledger._state import LedgerRuleError, RegistryState
from vc_service.ledger._store import LedgerStore
from zk import VerificationError
from zk import presentation as zp
from zk.accumulator import AccumulatorIssuer, Revoked, max_deletions_per_update

ORIGIN = "example.gov/chancery/zk-ledger-test"
CIVIL = "did:chancery:civil-registry"
REGISTRY = "civil-identity-2026"
IDENTITY = zp.CredentialType(
    "identity",
    CIVIL,
    REGISTRY,
    (("given_name", "string"), ("birth_date", "date"), ("residence", "string")),
)
CLAIMS: dict[str, object] = {
    "given_name": "Anna",
    "birth_date": "1974-08-12",
    "residence": "Uppsala",
}


@dataclass
class World:
    """A ledger with its root authority, two accredited agencies and an unaccredited DID."""

    ledger: Ledger
    civil: Key
    education: Key
    outsider: Key


def _grant(agency: str, types: list[str]) -> dict[str, object]:
    return {
        "agency": agency,
        "types": types,
        "valid_from": "2020-01-01T00:00:00Z",
        "valid_until": "2100-01-01T00:00:00Z",
    }


@pytest.fixture
def world(tmp_path: Path) -> World:
    root = Key.generate("ed25519")
    ledger = Ledger.init(
        f"sqlite:///{tmp_path / 'zk.db'}",
        ORIGIN,
        root,
        secret=secrets.token_bytes(32),
        synchronous="NORMAL",
    )
    keys = [Key.generate("ed25519") for _ in range(3)]
    dids = []
    for key in keys:
        [create] = ledger.make_entries(key, "did", [{}])
        ledger.append([create])
        dids.append(create.payload["did"])
    grants = [_grant(dids[0], ["identity"]), _grant(dids[1], ["degree"])]
    ledger.append(ledger.make_entries(root, "accreditation", grants))
    return World(ledger, *keys)


def _receive(holder: zp.Holder, issuer: zp.Issuer) -> zp.HeldCredential:
    request, pending = holder.blind_request()
    return holder.accept(pending, issuer.public, issuer.issue(request, CLAIMS), CLAIMS)


def _others(issuer: zp.Issuer, count: int) -> list[int]:
    """Revocation handles of ``count`` other credentials of the registry."""
    return [issuer.accumulator.new_member().element for _ in range(count)]


def _request() -> zp.PresentationRequest:
    query = zp.CredentialQuery(
        "identity",
        CIVIL,
        disclose=("given_name",),
        predicates=(zp.Predicate("birth_date", "<=", "2000-01-01"),),
        non_revoked=True,
    )
    return zp.PresentationRequest(secrets.token_bytes(16), "https://bank.example", (query,))


def _checkpoint_size(ledger: Ledger) -> int:
    """Seal the log; the size the signed checkpoint note commits to."""
    note = ledger.checkpoint()
    return verify_checkpoint(note, log_verifier=ledger.verifier_key()).size


class CountingSource:
    """A ledger seen through the reader protocol, counting the entries read."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self.reads: list[int] = []

    def state(self) -> RegistryState:
        return self._ledger.state()

    @property
    def store(self) -> CountingSource:
        return self

    def entry(self, index: int) -> bytes:
        self.reads.append(index)
        store: LedgerStore = self._ledger.store
        return store.entry(index)


def test_holders_follow_the_registry_from_the_ledger_alone(world: World) -> None:
    ledger, issuer = world.ledger, zp.Issuer.generate(IDENTITY)
    [setup] = publish_registry(ledger, world.civil, issuer)
    entry = decode_entry(setup.entry)
    assert (entry.type, entry.op) == ("accumulator", "publish")
    assert entry.payload["id"] == REGISTRY and entry.payload["version"] == 1
    # The set-up carries the issuer's keys: the accumulator key, then the BBS key.
    assert b64url_decode(entry.payload["update"]) == (
        issuer.public.accumulator_key + issuer.public.public_key
    )
    holder, neighbour = zp.Holder.create(), zp.Holder.create()
    mine, theirs = _receive(holder, issuer), _receive(neighbour, issuer)
    assert mine.witness.epoch == 1
    at_setup = _checkpoint_size(ledger)
    assert accumulator_state(ledger, REGISTRY, size=at_setup) == issuer.state()

    # Three batches; the last one is larger than one entry holds, so it is split in two.
    first = publish_revocations(ledger, world.civil, REGISTRY, issuer.revoke(_others(issuer, 5)))
    after_first = _checkpoint_size(ledger)
    publish_revocations(
        ledger, world.civil, REGISTRY, issuer.revoke([theirs.witness.element, *_others(issuer, 3)])
    )
    large = issuer.revoke(_others(issuer, max_deletions_per_update() + 11))
    assert [u.epoch for u in large] == [4, 5]
    receipts = publish_revocations(ledger, world.civil, REGISTRY, large)
    assert len(receipts) == 2 and receipts[1].index == receipts[0].index + 1
    assert len(first) == 1 and decode_entry(first[0].entry).payload["version"] == 2

    current = accumulator_state(ledger, REGISTRY)
    assert current == issuer.state() and current.epoch == 5
    assert accumulator_state(ledger, REGISTRY, size=_checkpoint_size(ledger)) == current
    # Older checkpoints give the older epochs.
    assert accumulator_state(ledger, REGISTRY, size=at_setup).epoch == 1
    assert accumulator_state(ledger, REGISTRY, size=after_first).epoch == 2
    assert accumulator_state(ledger, REGISTRY, size=first[0].index + 1).epoch == 2
    assert accumulator_state(ledger, REGISTRY, size=first[0].index).epoch == 1

    updates = updates_since(ledger, REGISTRY, mine.witness.epoch)
    assert [u.epoch for u in updates] == [2, 3, 4, 5]
    updated = mine.update_witness(updates)
    assert updated.witness.epoch == 5
    request = _request()
    states = {REGISTRY: current}
    result = zp.verify_presentation(
        holder.present(request, [updated], states).to_bytes(), request, [issuer.public], states
    )
    assert result.disclosed == ({"given_name": "Anna"},)
    assert updates_since(ledger, REGISTRY, 5) == []

    # The revoked neighbour cannot bring its witness forward.
    with pytest.raises(Revoked):
        theirs.update_witness(updates_since(ledger, REGISTRY, theirs.witness.epoch))
    # A holder who did not update proves against the old value: the verifier, checking the
    # current state, refuses.
    stale_states = {REGISTRY: accumulator_state(ledger, REGISTRY, size=at_setup)}
    stale = holder.present(request, [mine], stale_states)
    with pytest.raises(VerificationError):
        zp.verify_presentation(stale, request, [issuer.public], states)
    # Relabelling the stale proof with the current epoch does not help.
    relabelled = zp.Presentation(stale.disclosed, (current.epoch,), stale.proof)
    with pytest.raises(VerificationError):
        zp.verify_presentation(relabelled, request, [issuer.public], states)


def test_updates_since_reads_only_the_entries_it_needs(world: World) -> None:
    ledger, issuer = world.ledger, zp.Issuer.generate(IDENTITY)
    publish_registry(ledger, world.civil, issuer)
    holder = zp.Holder.create()
    mine = _receive(holder, issuer)
    receipts = []
    for _ in range(4):
        receipts += publish_revocations(
            ledger, world.civil, REGISTRY, issuer.revoke(_others(issuer, 2))
        )
    midway = mine.update_witness(updates_since(ledger, REGISTRY, 1)[:2])
    assert midway.witness.epoch == 3
    source = CountingSource(ledger)
    updates = updates_since(source, REGISTRY, midway.witness.epoch)
    assert [u.epoch for u in updates] == [4, 5]
    # The entry of epoch 3 (to check the chain starts from it) and the two updates.
    assert source.reads == [r.index for r in receipts[1:]]
    assert midway.update_witness(updates).witness.epoch == 5
    assert accumulator_state(source, REGISTRY).epoch == 5
    assert accumulator_state(source, REGISTRY, size=receipts[0].index + 1).epoch == 2


def test_unknown_registries_and_bad_arguments_are_typed_errors(world: World) -> None:
    ledger, issuer = world.ledger, zp.Issuer.generate(IDENTITY)
    before = ledger.store.size()
    for call in (
        lambda: updates_since(ledger, REGISTRY, 1),
        lambda: accumulator_state(ledger, REGISTRY),
        lambda: publish_revocations(
            ledger, world.civil, REGISTRY, issuer.revoke(_others(issuer, 1))
        ),
    ):
        with pytest.raises(UnknownRegistry):
            call()
    fresh = zp.Issuer.generate(IDENTITY)
    publish_registry(ledger, world.civil, fresh)
    with pytest.raises(UnknownRegistry):
        accumulator_state(ledger, REGISTRY, size=before)  # not yet published at that size
    with pytest.raises(UnknownRegistry):
        accumulator_state(ledger, "no-such-registry")
    with pytest.raises(InvalidInput):
        accumulator_state(ledger, REGISTRY, size=ledger.store.size() + 1)
    with pytest.raises(InvalidInput):
        updates_since(ledger, REGISTRY, 2)  # a version the ledger does not have
    with pytest.raises(InvalidInput):
        updates_since(ledger, REGISTRY, 0)
    with pytest.raises(InvalidInput):
        updates_since(ledger, "", 1)
    # An issuer that already revoked cannot publish a set-up; updates must follow the ledger.
    with pytest.raises(InvalidInput):
        publish_registry(ledger, world.civil, issuer)
    skipped = fresh.revoke(_others(fresh, 1)) + fresh.revoke(_others(fresh, 1))
    with pytest.raises(InvalidPublication):
        publish_revocations(ledger, world.civil, REGISTRY, skipped[1:])
    foreign = zp.Issuer.generate(IDENTITY)  # the same registry id, another secret key
    foreign.revoke(_others(foreign, 1))
    with pytest.raises(InvalidPublication):
        publish_revocations(ledger, world.civil, REGISTRY, foreign.revoke(_others(foreign, 1)))
    assert publish_revocations(ledger, world.civil, REGISTRY, []) == []
    assert len(publish_revocations(ledger, world.civil, REGISTRY, skipped)) == 2


def test_the_ledger_refuses_publications_by_other_agencies(world: World) -> None:
    ledger, issuer = world.ledger, zp.Issuer.generate(IDENTITY)
    # A DID without accreditation cannot set up a registry.
    with pytest.raises(AppendError) as refused:
        publish_registry(ledger, world.outsider, issuer)
    assert isinstance(refused.value.__cause__, LedgerRuleError)
    assert refused.value.__cause__.rule == "not-accredited"
    publish_registry(ledger, world.civil, issuer)
    size = ledger.store.size()
    # Another accredited agency cannot publish into the civil registry's registry.
    updates = issuer.revoke(_others(issuer, 2))
    for key in (world.education, world.outsider):
        with pytest.raises(AppendError) as refused:
            publish_revocations(ledger, key, REGISTRY, updates)
        assert isinstance(refused.value.__cause__, LedgerRuleError)
        assert refused.value.__cause__.rule in ("not-owner", "not-accredited")
    assert ledger.store.size() == size
    assert accumulator_state(ledger, REGISTRY).epoch == 1
    publish_revocations(ledger, world.civil, REGISTRY, updates)
    assert accumulator_state(ledger, REGISTRY).epoch == 2


def test_malformed_or_gapped_publications_are_refused_to_holders(world: World) -> None:
    ledger, issuer = world.ledger, zp.Issuer.generate(IDENTITY)
    publish_registry(ledger, world.civil, issuer)
    [update] = issuer.revoke(_others(issuer, 1))
    # The ledger's schema takes any base64url: an update field that is not an update passes it.
    garbage = {"id": REGISTRY, "version": 2, **update.to_ledger_payload(), "update": "AAAA"}
    ledger.append(ledger.make_entries(world.civil, "accumulator", [garbage]))
    with pytest.raises(InvalidPublication):
        updates_since(ledger, REGISTRY, 1)
    # A version gap (the ledger only asks versions to increase) strands the holders behind it.
    [later] = issuer.revoke(_others(issuer, 1))
    payload = {"id": REGISTRY, "version": 4, **later.to_ledger_payload()}
    ledger.append(ledger.make_entries(world.civil, "accumulator", [payload]))
    with pytest.raises(InvalidPublication, match="no version 3"):
        updates_since(ledger, REGISTRY, 2)
    # A value that is not a point.
    bad_value = {"id": REGISTRY, "version": 5, "value": "AAAA", "update": ""}
    ledger.append(ledger.make_entries(world.civil, "accumulator", [bad_value]))
    with pytest.raises(InvalidPublication):
        accumulator_state(ledger, REGISTRY)


def test_an_update_from_another_chain_is_refused_to_holders(world: World) -> None:
    ledger, issuer = world.ledger, zp.Issuer.generate(IDENTITY)
    publish_registry(ledger, world.civil, issuer)
    publish_revocations(ledger, world.civil, REGISTRY, issuer.revoke(_others(issuer, 1)))
    # Another key for the same registry id (same initial value) revokes along its own chain;
    # its epoch-3 update, published as is, does not start from the ledger's version 2.
    foreign = zp.Issuer.generate(IDENTITY)
    foreign.revoke(_others(foreign, 1))
    [stray] = foreign.revoke(_others(foreign, 1))
    payload = {"id": REGISTRY, "version": 3, **stray.to_ledger_payload()}
    ledger.append(ledger.make_entries(world.civil, "accumulator", [payload]))
    assert [u.epoch for u in updates_since(ledger, REGISTRY, 3)] == []
    with pytest.raises(InvalidPublication, match="does not start from"):
        updates_since(ledger, REGISTRY, 1)
    with pytest.raises(InvalidPublication):  # the issuer's epoch 3 is taken by the stray one
        publish_revocations(ledger, world.civil, REGISTRY, issuer.revoke(_others(issuer, 1)))


def test_verifiers_take_the_issuer_keys_from_the_registry_set_up(world: World) -> None:
    did = world.ledger.signer_for(world.civil).split("#", 1)[0]
    ctype = zp.CredentialType("identity", did, "civil-keys-2026", IDENTITY.claims)
    issuer = zp.Issuer.generate(ctype)
    publish_registry(world.ledger, world.civil, issuer)
    public = issuer_public(world.ledger, ctype)
    assert public == issuer.public
    holder = zp.Holder.create()
    credential = _receive(holder, issuer)
    query = zp.CredentialQuery("identity", did, disclose=("residence",), non_revoked=True)
    request = zp.PresentationRequest(secrets.token_bytes(16), "https://bank.example", (query,))
    states = {ctype.registry_id: accumulator_state(world.ledger, ctype.registry_id)}
    presentation = holder.present(request, [credential], states)
    result = zp.verify_presentation(presentation, request, [public], states)
    assert result.disclosed == ({"residence": "Uppsala"},)
    # Another issuer id for the same registry: the set-up was not signed by it.
    with pytest.raises(InvalidPublication, match="set up by"):
        issuer_public(world.ledger, replace(ctype, issuer_id="did:chancery:impostor"))
    # A set-up whose value is not the registry's initial value is refused to verifiers.
    odd = zp.CredentialType("identity", did, "civil-odd-2026", IDENTITY.claims)
    odd_issuer = zp.Issuer.generate(odd)
    odd_issuer.accumulator = AccumulatorIssuer.generate("some-other-registry")
    publish_registry(world.ledger, world.civil, odd_issuer)
    with pytest.raises(InvalidPublication, match="initial value"):
        issuer_public(world.ledger, odd)
    with pytest.raises(UnknownRegistry):
        issuer_public(world.ledger, replace(ctype, registry_id="never-published"))


def test_zero_knowledge_credential_types_are_published_on_the_ledger(world: World) -> None:
    publish_credential_type(world.ledger, world.civil, IDENTITY)
    record = world.ledger.state().credential_type("identity")
    assert record is not None
    assert tuple(record.formats) == ("chancery-zk-v1",) and record.revocation == "accumulator"
    assert [(c.name, c.kind, c.predicate) for c in record.claims] == [
        ("given_name", "string", False),
        ("birth_date", "date", True),
        ("residence", "string", False),
    ]
    degree = zp.CredentialType("degree", CIVIL, "degrees", (("level", "integer"),))
    with pytest.raises(AppendError):  # the civil registry is not accredited for degrees
        publish_credential_type(world.ledger, world.civil, degree)
