"""The registry state (specs/ledger/entries.md §6) and did:chancery resolution (§4).

* Every rule in ``RULES`` has one test that builds the situation, submits the offending entry and
  checks that it is refused with that rule and that the state (its hash and size) is unchanged.
* A full scenario (genesis, agency DID, accreditation, type, anchors, status list, rotation,
  notarisation) and its queries; replaying it elsewhere gives the same state hash.
* did:chancery through ``DIDResolver``: a real eddsa-jcs-2022 credential signed before a key
  rotation still verifies when resolved as of its proof's time; one signed with a key revoked
  later fails, at any time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import nacl.signing
import pytest

from vc_service._data_integrity import add_proof, verify_credential
from vc_service._dids import DIDResolutionError, DIDResolver, MethodResolver
from vc_service._errors import InvalidInput, ResolutionError
from vc_service._keys import Key
from vc_service._multibase import b64url_encode
from vc_service.ledger._did_chancery import (
    ChanceryMethodResolver,
    did_create_payload,
    key_object,
)
from vc_service.ledger._entries import Entry, InvalidEntry, decode_entry, make_entry
from vc_service.ledger._state import (
    MAX_TIME_REGRESSION,
    RULES,
    LedgerRuleError,
    RegistryState,
)

ORIGIN = "ledger.example.gov/test"
T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
STEP = timedelta(minutes=1)
NATIONAL_ID = "national-id/v1"
DIPLOMA = "diploma/v1"
STATUS_URL = "https://status.example.gov/lists/1"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def seeded(n: int) -> Key:
    seed = bytes([n]) * 32
    public = bytes(nacl.signing.SigningKey(seed).verify_key)
    return Key.from_jwk(
        {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(public), "d": b64url_encode(seed)}
    )


ROOT_KEY = seeded(1)
AGENCY_KEY = seeded(2)
AGENCY_P256 = Key.generate("p256")
OTHER_KEY = seeded(3)  # a second agency's key
SPARE_KEY = seeded(4)
ROOT = did_create_payload([ROOT_KEY], nonce=bytes(16))
AGENCY = did_create_payload([AGENCY_KEY, AGENCY_P256], nonce=bytes([2]) * 16)
OTHER = did_create_payload([OTHER_KEY], nonce=bytes([3]) * 16)
ROOT_VM = ROOT["did"] + "#key-1"
AGENCY_VM = AGENCY["did"] + "#key-1"
AGENCY_VM2 = AGENCY["did"] + "#key-2"
OTHER_VM = OTHER["did"] + "#key-1"
KEYS = {ROOT_VM: ROOT_KEY, AGENCY_VM: AGENCY_KEY, AGENCY_VM2: AGENCY_P256, OTHER_VM: OTHER_KEY}


def grant(
    agency: str,
    types: list[str],
    start: str = "2025-01-01T00:00:00Z",
    end: str = "2030-01-01T00:00:00Z",
) -> dict[str, Any]:
    return {"agency": agency, "types": types, "valid_from": start, "valid_until": end}


def type_payload(type_id: str) -> dict[str, Any]:
    return {
        "id": type_id,
        "claims": [
            {"name": "family_name", "kind": "string", "predicate": False},
            {"name": "birth_date", "kind": "date", "predicate": True},
        ],
        "formats": ["bbs-2023", "dc+sd-jwt"],
        "revocation": "bitstring-status-list",
    }


@dataclass
class Chain:
    """A log under construction: its entries and the state folded from them."""

    state: RegistryState = field(default_factory=lambda: RegistryState(ORIGIN))
    entries: list[Entry] = field(default_factory=list)
    time: datetime = T0

    def entry(
        self,
        kind: str,
        op: str,
        payload: dict[str, Any],
        signer: str,
        *,
        key: Key | None = None,
        time: datetime | None = None,
        log: str = ORIGIN,
    ) -> Entry:
        """A signed entry (not applied); the default time is one step after the last one."""
        when = self.time + STEP if time is None else time
        return make_entry(log, kind, op, payload, key or KEYS[signer], signer, when)

    def add(self, kind: str, op: str, payload: dict[str, Any], signer: str, **kw: Any) -> Entry:
        """Sign and apply an entry (it must be accepted)."""
        entry = self.entry(kind, op, payload, signer, **kw)
        self.state.apply(entry, len(self.entries))
        self.entries.append(entry)
        self.time = max(self.time, entry.time)
        return entry


def world() -> Chain:
    """Genesis, an agency with an Ed25519 key-1 and a P-256 key-2, accredited for two types,
    and a second agency DID that is not accredited."""
    chain = Chain()
    chain.add("genesis", "create", {"root": ROOT}, ROOT_VM, time=T0)
    chain.add("did", "create", AGENCY, AGENCY_VM)
    chain.add("did", "create", OTHER, OTHER_VM)
    chain.add("accreditation", "grant", grant(AGENCY["did"], [NATIONAL_ID, DIPLOMA]), ROOT_VM)
    return chain


def anchor(chain: Chain, signer: str = AGENCY_VM, *hashes: str, **kw: Any) -> Entry:
    return chain.entry(
        "credential-anchor", "anchor", {"hashes": list(hashes or [sha("c")])}, signer, **kw
    )


# --------------------------------------------------------------------------- one test per rule

Case = tuple[RegistryState, Entry, int]
Setup = Callable[[Chain], object]
Offence = Callable[[Chain], Entry]


def _nothing(chain: Chain) -> None:
    return None


def _rotate(add: list[dict[str, Any]], retire: list[str]) -> dict[str, Any]:
    return {"did": AGENCY["did"], "add": add, "retire": retire}


def _revoke(*keys: str) -> dict[str, Any]:
    return {"did": AGENCY["did"], "keys": list(keys)}


def _accredit_other(chain: Chain, **kw: Any) -> None:
    chain.add("accreditation", "grant", grant(OTHER["did"], [NATIONAL_ID], **kw), ROOT_VM)


def _publish_type(chain: Chain) -> None:
    chain.add("credential-type", "publish", type_payload(NATIONAL_ID), AGENCY_VM)


def _status(version: int) -> dict[str, Any]:
    return {"url": STATUS_URL, "version": version, "digest": sha(f"list {version}")}


def _deactivate_other(chain: Chain) -> None:
    _accredit_other(chain)
    chain.add("did", "deactivate", {"did": OTHER["did"]}, OTHER_VM)


NEW_KEY_VM = AGENCY["did"] + "#key-3"
NOT_CREATED = did_create_payload([SPARE_KEY], nonce=bytes([9]) * 16)["did"]

# rule -> (what happens first on top of world(), the entry the rule refuses)
CASES: dict[str, tuple[Setup, Offence]] = {
    "origin": (_nothing, lambda c: anchor(c, log="other.example/log")),
    "genesis-twice": (_nothing, lambda c: c.entry("genesis", "create", {"root": OTHER}, OTHER_VM)),
    "time-backwards": (
        _nothing,
        lambda c: anchor(c, time=c.time - MAX_TIME_REGRESSION - timedelta(seconds=1)),
    ),
    "unknown-signer": (_nothing, lambda c: anchor(c, AGENCY["did"] + "#key-9", key=AGENCY_KEY)),
    "did-deactivated": (_deactivate_other, lambda c: anchor(c, OTHER_VM)),
    "key-revoked": (
        lambda c: c.add("did", "revoke-key", _revoke("key-2"), AGENCY_VM),
        lambda c: anchor(c, AGENCY_VM2),
    ),
    "key-retired": (
        lambda c: c.add("did", "rotate", _rotate([key_object(3, SPARE_KEY)], ["key-2"]), AGENCY_VM),
        lambda c: anchor(c, AGENCY_VM2),
    ),
    # Within the allowed clock skew, but before the key existed.
    "key-not-yet-valid": (
        lambda c: c.add("did", "rotate", _rotate([key_object(3, SPARE_KEY)], []), AGENCY_VM),
        lambda c: anchor(c, NEW_KEY_VM, key=SPARE_KEY, time=c.time - timedelta(minutes=2)),
    ),
    "signer-purpose": (
        lambda c: c.add(
            "did", "rotate", _rotate([key_object(3, SPARE_KEY, ["assertionMethod"])], []), AGENCY_VM
        ),
        lambda c: anchor(c, NEW_KEY_VM, key=SPARE_KEY),
    ),
    "signature": (_nothing, lambda c: anchor(c, AGENCY_VM, key=OTHER_KEY)),
    "not-controller": (
        _nothing,
        lambda c: c.entry("did", "rotate", _rotate([], ["key-2"]), ROOT_VM),
    ),
    "duplicate-did": (_nothing, lambda c: c.entry("did", "create", AGENCY, AGENCY_VM)),
    "unknown-did": (
        _nothing,
        lambda c: c.entry("accreditation", "grant", grant(NOT_CREATED, [DIPLOMA]), ROOT_VM),
    ),
    "key-numbering": (
        _nothing,
        lambda c: c.entry("did", "rotate", _rotate([key_object(5, SPARE_KEY)], []), AGENCY_VM),
    ),
    "duplicate-key": (
        _nothing,
        lambda c: c.entry("did", "rotate", _rotate([key_object(3, AGENCY_KEY)], []), AGENCY_VM),
    ),
    "unknown-key": (
        _nothing,
        lambda c: c.entry("did", "rotate", _rotate([], ["key-7"]), AGENCY_VM),
    ),
    "key-already-retired": (
        lambda c: c.add("did", "rotate", _rotate([], ["key-2"]), AGENCY_VM),
        lambda c: c.entry("did", "rotate", _rotate([], ["key-2"]), AGENCY_VM),
    ),
    "key-already-revoked": (
        lambda c: c.add("did", "revoke-key", _revoke("key-2"), AGENCY_VM),
        lambda c: c.entry("did", "revoke-key", _revoke("key-2"), AGENCY_VM),
    ),
    "revoke-own-key": (
        _nothing,
        lambda c: c.entry("did", "revoke-key", _revoke("key-1"), AGENCY_VM),
    ),
    "no-invocation-key": (
        _nothing,
        lambda c: c.entry("did", "rotate", _rotate([], ["key-1", "key-2"]), AGENCY_VM),
    ),
    "root-deactivation": (
        _nothing,
        lambda c: c.entry("did", "deactivate", {"did": ROOT["did"]}, ROOT_VM),
    ),
    "not-root": (
        _nothing,
        lambda c: c.entry("accreditation", "grant", grant(OTHER["did"], [DIPLOMA]), AGENCY_VM),
    ),
    "root-accreditation": (
        _nothing,
        lambda c: c.entry("accreditation", "grant", grant(ROOT["did"], [DIPLOMA]), ROOT_VM),
    ),
    "accreditation-state": (
        _nothing,
        lambda c: c.entry("accreditation", "reinstate", {"agency": AGENCY["did"]}, ROOT_VM),
    ),
    "not-accredited": (_nothing, lambda c: anchor(c, OTHER_VM)),
    "accreditation-suspended": (
        lambda c: c.add("accreditation", "suspend", {"agency": AGENCY["did"]}, ROOT_VM),
        anchor,
    ),
    "accreditation-revoked": (
        lambda c: c.add("accreditation", "revoke", {"agency": AGENCY["did"]}, ROOT_VM),
        anchor,
    ),
    "accreditation-not-yet-valid": (
        lambda c: _accredit_other(c, start="2026-01-01T00:00:00Z"),
        lambda c: anchor(c, OTHER_VM),
    ),
    "accreditation-expired": (
        lambda c: _accredit_other(c, end="2025-03-01T13:00:00Z"),
        lambda c: anchor(c, OTHER_VM, time=c.time + timedelta(hours=2)),
    ),
    "type-not-covered": (
        _nothing,
        lambda c: c.entry("credential-type", "publish", type_payload("tax/v1"), AGENCY_VM),
    ),
    "duplicate-type": (
        _publish_type,
        lambda c: c.entry("credential-type", "publish", type_payload(NATIONAL_ID), AGENCY_VM),
    ),
    "unknown-type": (
        _nothing,
        lambda c: c.entry("credential-type", "deprecate", {"id": DIPLOMA}, AGENCY_VM),
    ),
    "not-type-owner": (
        lambda c: (_publish_type(c), _accredit_other(c)),
        lambda c: c.entry("credential-type", "deprecate", {"id": NATIONAL_ID}, OTHER_VM),
    ),
    "type-deprecated": (
        lambda c: (
            _publish_type(c),
            c.add("credential-type", "deprecate", {"id": NATIONAL_ID}, AGENCY_VM),
        ),
        lambda c: c.entry("credential-type", "deprecate", {"id": NATIONAL_ID}, AGENCY_VM),
    ),
    "duplicate-anchor": (
        lambda c: c.add("credential-anchor", "anchor", {"hashes": [sha("a"), sha("b")]}, AGENCY_VM),
        lambda c: anchor(c, AGENCY_VM, sha("c"), sha("b")),
    ),
    "not-owner": (
        lambda c: (c.add("status-list", "publish", _status(1), AGENCY_VM), _accredit_other(c)),
        lambda c: c.entry("status-list", "publish", _status(2), OTHER_VM),
    ),
    "version-not-increasing": (
        lambda c: c.add("status-list", "publish", _status(7), AGENCY_VM),
        lambda c: c.entry("status-list", "publish", _status(7), AGENCY_VM),
    ),
    "duplicate-notarization": (
        lambda c: c.add("notarization", "notarize", {"hash": sha("doc"), "metadata": {}}, ROOT_VM),
        lambda c: c.entry(
            "notarization", "notarize", {"hash": sha("doc"), "metadata": {"again": True}}, AGENCY_VM
        ),
    ),
}


def build_case(rule: str) -> Case:
    """The state and the entry (with its index) that ``rule`` refuses."""
    if rule == "genesis-first":
        chain = Chain()
        return chain.state, chain.entry("did", "create", AGENCY, AGENCY_VM, time=T0), 0
    chain = world()
    if rule == "index":
        return chain.state, anchor(chain), chain.state.size + 1
    setup, offence = CASES[rule]
    setup(chain)
    return chain.state, offence(chain), chain.state.size


def test_every_rule_has_a_refusal_test() -> None:
    """The cases cover exactly the documented rules."""
    assert set(CASES) | {"genesis-first", "index"} == set(RULES)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_refuses_the_entry_and_leaves_the_state_unchanged(rule: str) -> None:
    """apply raises LedgerRuleError naming the rule, and the state hash and size are as before;
    check() refuses it the same way."""
    state, entry, index = build_case(rule)
    before, size = state.state_hash(), state.size
    with pytest.raises(LedgerRuleError) as caught:
        state.check(entry, index)
    assert caught.value.rule == rule
    with pytest.raises(LedgerRuleError) as caught:
        state.apply(entry, index)
    assert caught.value.rule == rule
    assert isinstance(caught.value, InvalidInput)
    assert state.state_hash() == before
    assert state.size == size


def test_a_refused_batch_anchors_nothing() -> None:
    """An anchor batch whose last hash is a duplicate leaves its other hashes unanchored."""
    chain = world()
    chain.add("credential-anchor", "anchor", {"hashes": [sha("x")]}, AGENCY_VM)
    with pytest.raises(LedgerRuleError):
        chain.state.apply(anchor(chain, AGENCY_VM, sha("y"), sha("z"), sha("x")), chain.state.size)
    assert not chain.state.is_anchored(sha("y"))
    assert not chain.state.is_anchored(sha("z"))
    assert chain.state.anchor_count == 1


def test_check_does_not_apply() -> None:
    """check() accepts a good entry without changing the state."""
    chain = world()
    before = chain.state.state_hash()
    chain.state.check(anchor(chain), chain.state.size)
    assert chain.state.state_hash() == before
    assert not chain.state.is_anchored(sha("c"))


def test_apply_needs_an_entry() -> None:
    """Bytes or dicts are not entries: decode first."""
    chain = world()
    with pytest.raises(InvalidInput):
        chain.state.apply(anchor(chain).raw, chain.state.size)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- a full scenario


def scenario() -> Chain:
    """genesis → agency DID → accreditation → type → anchors → status list → rotation →
    notarisation (by the root and by the agency) → status list again, with the new key."""
    chain = world()
    chain.add("credential-type", "publish", type_payload(NATIONAL_ID), AGENCY_VM)
    chain.add("credential-anchor", "anchor", {"hashes": [sha("c1"), sha("c2")]}, AGENCY_VM)
    chain.add("credential-anchor", "anchor", {"hashes": [sha("c3")]}, AGENCY_VM2)
    chain.add("status-list", "publish", _status(1), AGENCY_VM)
    rotation = {"did": AGENCY["did"], "add": [key_object(3, SPARE_KEY)], "retire": ["key-1"]}
    chain.add("did", "rotate", rotation, AGENCY_VM)
    chain.add(
        "notarization",
        "notarize",
        {"hash": sha("decree"), "metadata": {"kind": "decree", "number": 12}},
        ROOT_VM,
    )
    chain.add(
        "notarization",
        "notarize",
        {"hash": sha("minutes"), "metadata": {}},
        AGENCY["did"] + "#key-3",
        key=SPARE_KEY,
    )
    chain.add("status-list", "publish", _status(2), AGENCY["did"] + "#key-3", key=SPARE_KEY)
    chain.add(
        "accumulator",
        "publish",
        {"id": "acc-1", "version": 1, "value": b64url_encode(bytes(48)), "update": ""},
        AGENCY_VM2,
    )
    return chain


def test_full_scenario_queries() -> None:
    """After the scenario, every query answers what the entries said."""
    chain = scenario()
    state = chain.state
    agency = AGENCY["did"]
    assert state.size == len(chain.entries) == 13
    assert state.root_did == ROOT["did"]
    assert state.last_time == chain.time

    accreditation = state.accreditation(agency)
    assert accreditation is not None and accreditation.status == "active"
    assert accreditation.types == (NATIONAL_ID, DIPLOMA)
    assert state.accreditation(OTHER["did"]) is None

    published = state.credential_type(NATIONAL_ID)
    assert published is not None and published.agency == agency
    assert [c.name for c in published.claims if c.predicate] == ["birth_date"]
    assert state.credential_type(DIPLOMA) is None

    for name in ("c1", "c2", "c3"):
        assert state.is_anchored(sha(name))
    found = state.anchor(sha("c3"))
    assert found is not None and found.agency == agency and found.ref.index == 6
    assert not state.is_anchored(sha("c4"))
    assert state.anchor(sha("c4")) is None
    with pytest.raises(InvalidInput):
        state.is_anchored(sha("c1").upper())

    status = state.status_list(STATUS_URL)
    assert status is not None and status.version == 2 and status.digest == sha("list 2")
    assert [v for v, _, _ in status.history] == [1, 2]
    accumulator = state.accumulator("acc-1")
    assert accumulator is not None and accumulator.version == 1
    decree = state.notarization(sha("decree"))
    assert decree is not None and decree.signer == ROOT["did"]
    assert dict(decree.metadata) == {"kind": "decree", "number": 12}
    minutes = state.notarization(sha("minutes"))
    assert minutes is not None and minutes.signer == agency

    document = state.did_document(agency)
    assert [m["id"] for m in document["verificationMethod"]] == [
        agency + "#key-2",
        agency + "#key-3",
    ]
    assert document["assertionMethod"] == [agency + "#key-2", agency + "#key-3"]
    assert state.verification_methods_of(SPARE_KEY) == [agency + "#key-3"]
    assert state.verification_methods_of(AGENCY_KEY) == []  # retired

    snapshot = state.snapshot()
    assert snapshot["anchors"]["count"] == 3
    assert snapshot["dids"][agency]["keys"][0]["retired"]["index"] == 8
    assert set(snapshot) == {
        "origin",
        "size",
        "last_time",
        "root",
        "dids",
        "accreditations",
        "credential_types",
        "anchors",
        "status_lists",
        "accumulators",
        "notarizations",
    }


def test_replay_gives_the_same_state_hash() -> None:
    """Replaying the log (from its bytes) on another instance folds the same state; a log one
    entry shorter folds a different one."""
    chain = scenario()
    replayed = RegistryState.replay(ORIGIN, [e.raw for e in chain.entries])
    assert replayed.state_hash() == chain.state.state_hash()
    assert replayed.snapshot() == chain.state.snapshot()
    again = RegistryState.replay(ORIGIN, chain.entries)
    assert again.state_hash() == chain.state.state_hash()
    shorter = RegistryState.replay(ORIGIN, chain.entries[:-1])
    assert shorter.state_hash() != chain.state.state_hash()


def test_replay_refuses_a_log_for_another_origin() -> None:
    """A state folds only its own log."""
    chain = scenario()
    with pytest.raises(LedgerRuleError) as caught:
        RegistryState.replay("another.example/log", chain.entries)
    assert caught.value.rule == "origin"


@pytest.mark.parametrize("position", [1, 3, 5, 8], ids=["did-create", "grant", "anchor", "rotate"])
def test_any_changed_byte_is_refused(position: int) -> None:
    """Each single-byte change of a logged entry makes it undecodable or refused when applied,
    and the state does not move."""
    chain = scenario()
    raw = chain.entries[position].raw
    state = RegistryState.replay(ORIGIN, chain.entries[:position])
    before = state.state_hash()
    for offset in range(len(raw)):
        tampered = bytearray(raw)
        tampered[offset] ^= 0x01
        try:
            entry = decode_entry(bytes(tampered))
        except InvalidEntry:
            continue
        with pytest.raises(LedgerRuleError):
            state.apply(entry, position)
    assert state.state_hash() == before
    state.apply(decode_entry(raw), position)  # the original is still fine


def test_time_may_go_back_within_the_skew() -> None:
    """Submitters' clocks differ: an entry up to MAX_TIME_REGRESSION before the latest time so
    far is accepted; but the latest time is a high-water mark, so steps back do not add up."""
    chain = world()
    latest = chain.time + timedelta(hours=1)
    chain.add("credential-anchor", "anchor", {"hashes": [sha("first")]}, AGENCY_VM, time=latest)
    back = latest - timedelta(minutes=4)
    chain.add("credential-anchor", "anchor", {"hashes": [sha("late")]}, AGENCY_VM, time=back)
    assert chain.state.is_anchored(sha("late"))
    assert chain.state.last_time == latest
    further = anchor(chain, AGENCY_VM, sha("later"), time=back - timedelta(minutes=4))
    with pytest.raises(LedgerRuleError) as caught:
        chain.state.apply(further, chain.state.size)
    assert caught.value.rule == "time-backwards"


# --------------------------------------------------------------------------- accreditation history


def test_accreditation_history_as_of_a_time() -> None:
    """accreditation_at folds the events up to a time; is_accredited checks status, validity
    and type coverage."""
    chain = world()
    agency = AGENCY["did"]
    granted = chain.time
    suspended = chain.add("accreditation", "suspend", {"agency": agency}, ROOT_VM).time
    reinstated = chain.add("accreditation", "reinstate", {"agency": agency}, ROOT_VM).time
    state = chain.state

    assert state.accreditation_at(agency, T0) is None
    at_grant = state.accreditation_at(agency, granted)
    assert at_grant is not None and at_grant.status == "active"
    at_suspension = state.accreditation_at(agency, suspended)
    assert at_suspension is not None and at_suspension.status == "suspended"
    assert state.is_accredited(agency, NATIONAL_ID, at=granted)
    assert not state.is_accredited(agency, NATIONAL_ID, at=suspended)
    assert state.is_accredited(agency, NATIONAL_ID, at=reinstated)
    assert not state.is_accredited(agency, "tax/v1", at=reinstated)
    assert state.is_accredited(agency)
    assert not state.is_accredited(agency, at=datetime(2031, 1, 1, tzinfo=UTC))  # expired
    assert not state.is_accredited(OTHER["did"])
    current = state.accreditation(agency)
    assert current is not None
    assert [e.op for e in current.history] == ["grant", "suspend", "reinstate"]
    assert current.covers(DIPLOMA, reinstated)


# --------------------------------------------------------------------------- did:chancery


def rotated_world() -> tuple[Chain, datetime, datetime]:
    """The agency rotates key-1 out (key-3 in) at `rotation`; returns the chain, the time
    before the rotation and the rotation's time."""
    chain = world()
    before = chain.time
    rotation = {"did": AGENCY["did"], "add": [key_object(3, SPARE_KEY)], "retire": ["key-1"]}
    rotated = chain.add("did", "rotate", rotation, AGENCY_VM2, time=before + timedelta(hours=1))
    return chain, before, rotated.time


def test_documents_as_of_time_and_size() -> None:
    """The document as of a time holds the keys valid then; as of a log size, the keys the
    first `size` entries define; before creation there is no document."""
    chain, before, rotation = rotated_world()
    state = chain.state
    agency = AGENCY["did"]

    def ids(document: dict[str, Any]) -> list[str]:
        return [m["id"].split("#")[1] for m in document["verificationMethod"]]

    assert ids(state.did_document(agency, before)) == ["key-1", "key-2"]
    assert ids(state.did_document(agency, rotation)) == ["key-2", "key-3"]
    assert ids(state.did_document(agency)) == ["key-2", "key-3"]
    assert ids(state.did_document(agency, size=2)) == ["key-1", "key-2"]
    assert ids(state.did_document(agency, size=state.size)) == ["key-2", "key-3"]
    with pytest.raises(DIDResolutionError) as caught:
        state.did_document(agency, size=1)  # created by entry 1
    assert caught.value.code == "notFound"
    with pytest.raises(DIDResolutionError):
        state.did_document(agency, T0 - timedelta(days=1))
    with pytest.raises(InvalidInput):
        state.did_document(agency, size=state.size + 1)
    with pytest.raises(InvalidInput):
        state.did_document(agency, datetime(2025, 1, 1))  # naive
    with pytest.raises(DIDResolutionError) as caught:
        state.did_document(NOT_CREATED)
    assert caught.value.code == "notFound"
    with pytest.raises(DIDResolutionError) as caught:
        state.did_document("did:chancery:0")
    assert caught.value.code == "invalidDid"

    document = state.did_document(agency)
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    method = document["verificationMethod"][1]
    assert method == {
        "id": agency + "#key-3",
        "type": "Multikey",
        "controller": agency,
        "publicKeyMultibase": SPARE_KEY.multikey(),
    }
    for relationship in (
        "authentication",
        "assertionMethod",
        "capabilityInvocation",
        "capabilityDelegation",
    ):
        assert document[relationship] == [agency + "#key-2", agency + "#key-3"]
    assert "keyAgreement" not in document


def test_key_for_honours_history() -> None:
    """key_for returns a key only when it was valid at the time asked."""
    chain, before, rotation = rotated_world()
    state = chain.state
    assert state.key_for(AGENCY_VM, before).same_public(AGENCY_KEY)
    with pytest.raises(ResolutionError):
        state.key_for(AGENCY_VM, rotation)
    with pytest.raises(ResolutionError):
        state.key_for(AGENCY_VM)
    with pytest.raises(ResolutionError):
        state.key_for(AGENCY["did"] + "#key-3", before)  # not yet added
    assert state.key_for(AGENCY["did"] + "#key-3").same_public(SPARE_KEY)


def test_revocation_and_deactivation_in_documents() -> None:
    """A revoked key is gone from every time's document (and from sizes after the revocation);
    a deactivated DID's document has no keys from then on, but had them before."""
    chain, before, _ = rotated_world()
    size_before_revocation = chain.state.size
    chain.add("did", "revoke-key", {"did": AGENCY["did"], "keys": ["key-1"]}, AGENCY_VM2)
    state = chain.state
    document = state.did_document(AGENCY["did"], before)
    assert [m["id"] for m in document["verificationMethod"]] == [AGENCY_VM2]
    at_size = state.did_document(AGENCY["did"], size=size_before_revocation - 1)
    assert AGENCY_VM in [m["id"] for m in at_size["verificationMethod"]]

    chain.add("accreditation", "grant", grant(OTHER["did"], [NATIONAL_ID]), ROOT_VM)
    created = chain.time
    deactivation = chain.add("did", "deactivate", {"did": OTHER["did"]}, OTHER_VM)
    assert state.did_document(OTHER["did"])["verificationMethod"] == []
    assert state.did_document(OTHER["did"], deactivation.time)["verificationMethod"] == []
    assert len(state.did_document(OTHER["did"], created)["verificationMethod"]) == 1
    metadata = state.did_metadata(OTHER["did"])
    assert metadata["deactivated"] is True
    assert metadata["versionId"] == str(deactivation_index := state.size - 1)
    earlier = state.did_metadata(OTHER["did"], size=deactivation_index)
    assert earlier["deactivated"] is False


def test_resolver_plugs_into_did_resolver() -> None:
    """ChanceryMethodResolver is a MethodResolver; DIDResolver resolves did:chancery through
    it, as of a time, and resolve_at_size / resolve_with_metadata answer for sizes."""
    chain, before, _ = rotated_world()
    method = ChanceryMethodResolver(lambda: chain.state)
    assert isinstance(method, MethodResolver)
    resolver = DIDResolver()
    resolver.register("chancery", method)
    assert resolver.resolve_key(AGENCY_VM, at=before).same_public(AGENCY_KEY)
    with pytest.raises(DIDResolutionError):
        resolver.resolve_key(AGENCY_VM)
    assert resolver.resolve(AGENCY["did"]) == chain.state.did_document(AGENCY["did"])
    assert method.resolve_at_size(AGENCY["did"], 2) == chain.state.did_document(
        AGENCY["did"], size=2
    )
    document, metadata = method.resolve_with_metadata(AGENCY["did"], size=2)
    assert metadata == {
        "created": chain.entries[1].time_text,
        "updated": chain.entries[1].time_text,
        "deactivated": False,
        "versionId": "1",
    }
    assert len(document["verificationMethod"]) == 2


def test_resolver_reports_a_failing_state_provider() -> None:
    """A state provider that fails gives a typed resolution error, not its own exception."""

    def broken() -> RegistryState:
        raise OSError("database is down")

    resolver = DIDResolver()
    resolver.register("chancery", ChanceryMethodResolver(broken))
    with pytest.raises(DIDResolutionError) as caught:
        resolver.resolve(AGENCY["did"])
    assert caught.value.code == "internalError"
    with pytest.raises(InvalidInput):
        ChanceryMethodResolver("state")  # type: ignore[arg-type]


def _credential(issuer: str, key: Key, vm: str, created: datetime) -> dict[str, Any]:
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "name": "Bachelor of Arts",
        "credentialSubject": {"id": "did:example:holder"},
    }
    return add_proof(
        unsigned, key, cryptosuite="eddsa-jcs-2022", verification_method=vm, created=created
    )


def _verify_as_of_proof(resolver: DIDResolver, credential: dict[str, Any]) -> None:
    created = datetime.fromisoformat(credential["proof"]["created"])
    verify_credential(
        credential,
        resolve_key=lambda vm: resolver.resolve_key(vm, at=created),
        now=datetime(2025, 6, 1, tzinfo=UTC),
    )


def test_credentials_across_rotation_and_revocation() -> None:
    """A credential signed before its key was rotated out verifies (resolved as of its proof's
    time) but not as of now; one signed after the rotation with the new key verifies; once the
    old key is revoked, the old credential fails at any time."""
    chain, before, rotation = rotated_world()
    resolver = DIDResolver()
    resolver.register("chancery", ChanceryMethodResolver(lambda: chain.state))
    agency = AGENCY["did"]
    old = _credential(agency, AGENCY_KEY, AGENCY_VM, before)
    new = _credential(agency, SPARE_KEY, agency + "#key-3", rotation + timedelta(minutes=5))

    _verify_as_of_proof(resolver, old)
    _verify_as_of_proof(resolver, new)
    with pytest.raises(ResolutionError):  # as of now, key-1 is retired
        verify_credential(
            old,
            resolve_key=lambda vm: resolver.resolve_key(vm, at=rotation),
            now=datetime(2025, 6, 1, tzinfo=UTC),
        )
    # A credential "signed" with the retired key after the rotation does not verify.
    late = _credential(agency, AGENCY_KEY, AGENCY_VM, rotation + timedelta(minutes=5))
    with pytest.raises(ResolutionError):
        _verify_as_of_proof(resolver, late)

    chain.add(
        "did", "revoke-key", {"did": agency, "keys": ["key-1"]}, agency + "#key-3", key=SPARE_KEY
    )
    with pytest.raises(ResolutionError):
        _verify_as_of_proof(resolver, old)
    _verify_as_of_proof(resolver, new)
