"""Group commit of credential anchors (``vc_service.service._anchor_batch``).

The batcher is driven with stand-ins for signing, appending and recording, so each test can
hold an append open and let the next requests queue behind it: no timing is measured.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import pytest

from vc_service.ledger._ledger import AppendError, Receipt
from vc_service.service._anchor_batch import AnchorBatcher
from vc_service.service._issuer_store import Issued
from vc_service.service._tenants import Tenant


def _tenant(name: str) -> Tenant:
    return Tenant(
        tenant_id=name, kind="agency", name=name, did=f"did:chancery:{name}", client_id=name
    )


def _record(anchor: str, tenant: str = "a") -> Issued:
    return Issued(
        anchor_hash=anchor,
        credential_hash="c" + anchor,
        credential_id=None,
        salt="00",
        tenant_id=tenant,
        type_id="identity",
        format="dc+sd-jwt",
        list_id="l",
        idx=1,
        issued_at=0,
        ledger_index=None,
    )


@dataclass
class _Ledger:
    """Stand-in ledger: entries are (tenant id, hashes); an append can be held open."""

    entries: list[tuple[str, list[str]]] = field(default_factory=list)
    recorded: list[Issued] = field(default_factory=list)
    appends: int = 0
    hold: threading.Event | None = None
    entered: threading.Event = field(default_factory=threading.Event)
    refuse_tenant: str | None = None
    fail_record: bool = False

    def sign(self, tenant: Tenant, hashes: list[str]) -> Any:
        return (tenant.tenant_id, list(hashes))

    def append(self, entries: list[Any]) -> list[int]:
        self.appends += 1
        self.entered.set()
        if self.hold is not None:
            assert self.hold.wait(timeout=30)
            self.hold = None
        receipts: list[Receipt] = []
        for position, entry in enumerate(entries):
            if entry[0] == self.refuse_tenant:
                raise AppendError("refused", position=position, receipts=receipts)
            self.entries.append(entry)
            receipts.append(Receipt(len(self.entries) - 1, b"", b""))
        return [r.index for r in receipts]

    def record(self, records: list[Issued]) -> None:
        if self.fail_record:
            raise RuntimeError("database gone")
        self.recorded.extend(records)

    def batcher(self) -> AnchorBatcher:
        return AnchorBatcher(self.sign, self.append, self.record)


def test_a_lone_request_is_appended_and_recorded_at_once() -> None:
    ledger = _Ledger()
    index = ledger.batcher().anchor(_tenant("a"), _record("h1"))
    assert index == 0
    assert ledger.entries == [("a", ["h1"])]
    assert [(r.anchor_hash, r.ledger_index) for r in ledger.recorded] == [("h1", 0)]


def _wait_queued(batcher: AnchorBatcher, count: int) -> None:
    """Until ``count`` requests wait behind the running append (a bounded wait)."""
    for _ in range(30_000):
        with batcher._cond:
            if len(batcher._pending) == count:
                return
        threading.Event().wait(0.001)
    raise AssertionError(f"{count} requests never queued")


def _run_queued(ledger: _Ledger, requests: list[tuple[str, str]]) -> dict[str, Any]:
    """Hold the first request's append open until every other request has queued."""
    batcher = ledger.batcher()
    ledger.hold = threading.Event()
    outcomes: dict[str, Any] = {}

    def request(tenant: str, anchor: str) -> None:
        try:
            outcomes[anchor] = batcher.anchor(_tenant(tenant), _record(anchor, tenant))
        except BaseException as exc:
            outcomes[anchor] = exc

    first = threading.Thread(target=request, args=requests[0])
    first.start()
    assert ledger.entered.wait(timeout=30)
    others = [threading.Thread(target=request, args=r) for r in requests[1:]]
    for thread in others:
        thread.start()
    # Every other request is queued behind the held append before it is let go.
    _wait_queued(batcher, len(others))
    ledger.hold.set()
    for thread in [first, *others]:
        thread.join(timeout=30)
    return outcomes


def test_requests_that_queue_share_one_append_and_one_entry_per_agency() -> None:
    ledger = _Ledger()
    requests = [("a", "h0")] + [("a" if i % 2 else "b", f"h{i}") for i in range(1, 9)]
    outcomes = _run_queued(ledger, requests)
    # The first request alone, then one append for the eight that queued behind it.
    assert ledger.appends == 2
    assert ledger.entries[0] == ("a", ["h0"])
    assert sorted(e[0] for e in ledger.entries[1:]) == ["a", "b"]
    for position, (tenant, hashes) in enumerate(ledger.entries):
        for anchor in hashes:
            assert outcomes[anchor] == position
            assert requests[int(anchor[1:])][0] == tenant
    anchored = sorted(h for _, hashes in ledger.entries for h in hashes)
    assert anchored == sorted(anchor for _, anchor in requests)
    assert {r.anchor_hash: r.ledger_index for r in ledger.recorded} == outcomes


def test_a_refused_agency_fails_only_its_own_requests() -> None:
    ledger = _Ledger(refuse_tenant="b")
    outcomes = _run_queued(ledger, [("a", "h0"), ("a", "h1"), ("b", "h2"), ("a", "h3")])
    assert isinstance(outcomes["h2"], AppendError)
    assert isinstance(outcomes["h0"], int)
    assert isinstance(outcomes["h1"], int) and outcomes["h1"] == outcomes["h3"]
    assert "h2" not in {r.anchor_hash for r in ledger.recorded}


def test_a_failed_record_fails_every_request_of_the_batch() -> None:
    ledger = _Ledger(fail_record=True)
    with pytest.raises(RuntimeError, match="database gone"):
        ledger.batcher().anchor(_tenant("a"), _record("h1"))
    batcher = _Ledger().batcher()
    # The batcher is not left in the leading state: the next request goes through.
    assert batcher.anchor(_tenant("a"), _record("h2")) == 0


def test_a_batch_never_exceeds_the_entry_limit() -> None:
    ledger = _Ledger()
    batcher = AnchorBatcher(ledger.sign, ledger.append, ledger.record, limit=3)
    ledger.hold = threading.Event()
    results: list[int] = []
    lock = threading.Lock()

    def request(anchor: str) -> None:
        index = batcher.anchor(_tenant("a"), _record(anchor))
        with lock:
            results.append(index)

    first = threading.Thread(target=request, args=("h0",))
    first.start()
    assert ledger.entered.wait(timeout=30)
    others = [threading.Thread(target=request, args=(f"h{i}",)) for i in range(1, 8)]
    for thread in others:
        thread.start()
    _wait_queued(batcher, 7)
    ledger.hold.set()
    for thread in [first, *others]:
        thread.join(timeout=30)
    assert len(results) == 8
    assert all(len(hashes) <= 3 for _, hashes in ledger.entries)
    assert sum(len(hashes) for _, hashes in ledger.entries) == 8
