"""The zero-knowledge benchmark's own side: its workload is honest and its figures are real."""

from __future__ import annotations

from benchmarks._timing import Stats
from benchmarks.anoncreds_zk_peer import ZkReport
from benchmarks.zk import (
    PEER_QUICK,
    ChanceryZkWorkload,
    ZkComparison,
    measure_chancery_scale,
    render_comparison,
)
from zk import presentation as zp


def test_workload_checks_come_out_as_expected_and_operations_verify() -> None:
    workload = ChanceryZkWorkload.prepare(registry_size=100, revocations=5)
    names = [check.name for check in workload.checks]
    assert "valid presentation" in names and "revoked credential, stale witness" in names
    assert all(check.honest for check in workload.checks)
    ops = workload.operations()
    produced = ops["present"]()
    assert isinstance(produced, bytes)
    assert workload.verify(produced)
    result = ops["verify"]()
    assert isinstance(result, zp.VerifiedPresentation)
    assert result.disclosed == ({"given_name": "Anna Maria", "residence": "Utopia City"},)
    assert isinstance(ops["verify_age"](), zp.VerifiedPresentation)


def test_scale_figures_and_rendering() -> None:
    timings, sizes, entries = measure_chancery_scale(registry_size=1000, revocations=10, repeat=1)
    assert set(timings) == {"registry_setup", "witness", "witness_update_decoded"}
    assert entries == 1 and sizes["revocation_entries_bytes"] > 10 * 80
    ours = ZkReport("Chancery", "x", timings={"present": Stats((0.01,)), "verify": Stats((0.01,))})
    theirs = ZkReport(
        "AnonCreds",
        "y",
        timings={"present": Stats((0.1,)), "verify": Stats((0.05,))},
        sizes={"presentation_bytes": 20_000},
    )
    ours = ZkReport(
        ours.implementation, ours.version, timings=ours.timings, sizes={"presentation_bytes": 2_500}
    )
    comparison = ZkComparison(ours, theirs, None)
    ratios = comparison.ratios()
    assert (
        ratios["present"] == 10.0
        and ratios["verify"] == 5.0
        and ratios["presentation_bytes"] == 8.0
    )
    text = render_comparison(comparison)
    assert "[PASS] present: 10.0x" in text
    assert "[MISS] verify: 5.0x" in text
    assert "[MISS] presentation_bytes: 8.0x" in text
    assert PEER_QUICK.name == "quick"
