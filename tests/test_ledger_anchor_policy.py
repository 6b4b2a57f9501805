"""Periodic anchoring: ``Ledger.anchor_if_due`` seals and anchors after N entries or T seconds,
and the audit then checks every anchored root against the log (in-process EVM)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from web3 import EthereumTesterProvider, Web3

from vc_service import Key
from vc_service.ledger import AnchorClient, AnchorPolicy, Ledger

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=4)


def _anchors(agency: Key, ledger: Ledger, count: int) -> None:
    payloads = [{"hashes": [secrets.token_hex(32)]} for _ in range(count)]
    ledger.append(ledger.make_entries(agency, "credential-anchor", payloads))


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Ledger, Key, AnchorClient]:
    root, agency = Key.generate("ed25519"), Key.generate("ed25519")
    ledger = Ledger.init(
        f"sqlite:///{tmp_path / 'l.db'}",
        "policy.example/log",
        root,
        secret=secrets.token_bytes(32),
        time=T0,
    )
    [create] = ledger.make_entries(agency, "did", [{}], time=T0)
    ledger.append([create])
    grant = {
        "agency": create.payload["did"],
        "types": ["https://example.gov/t"],
        "valid_from": "2020-01-01T00:00:00Z",
        "valid_until": "2100-01-01T00:00:00Z",
    }
    ledger.append(ledger.make_entries(root, "accreditation", [grant], time=T0))
    web3 = Web3(EthereumTesterProvider())
    admin = AnchorClient.deploy(web3, web3.eth.accounts[0])
    admin.add_writer(ledger.log_id, web3.eth.accounts[0])
    return ledger, agency, admin


def test_anchors_after_every_n_entries_and_after_the_period(
    setup: tuple[Ledger, Key, AnchorClient],
) -> None:
    """Nothing is anchored below the threshold; reaching it seals and anchors; after the
    period a smaller increment is anchored too; the audit checks all anchored roots."""
    ledger, agency, client = setup
    policy = AnchorPolicy(every_entries=10, every_seconds=3600)
    first = ledger.anchor_if_due(client, policy, now=T0)
    assert first is not None and first["old_size"] == 0  # nothing anchored yet: anchor now
    _anchors(agency, ledger, 4)
    assert ledger.anchor_if_due(client, policy, now=T0 + timedelta(minutes=1)) is None
    _anchors(agency, ledger, 6)
    second = ledger.anchor_if_due(client, policy, now=T0 + timedelta(minutes=2))
    assert second is not None and second["new_size"] == ledger.store.size()
    _anchors(agency, ledger, 1)
    assert ledger.anchor_if_due(client, policy, now=T0 + timedelta(minutes=3)) is None
    third = ledger.anchor_if_due(client, policy, now=T0 + timedelta(hours=2))
    assert third is not None and third["old_size"] == second["new_size"]
    anchored = [(e.new_size, e.root) for e in client.anchored_events(ledger.log_id)]
    assert [size for size, _ in anchored] == [3, 13, 14]
    report = ledger.verify(anchors=lambda: anchored)
    assert report.ok, report.problems
    assert any("anchored roots match" in check for check in report.checks)


def test_policy_rejects_nonsense_thresholds() -> None:
    """Zero or negative thresholds are refused."""
    with pytest.raises(ValueError):
        AnchorPolicy(every_entries=0)
    with pytest.raises(ValueError):
        AnchorPolicy(every_seconds=0)
