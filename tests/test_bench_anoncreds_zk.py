"""The AnonCreds zero-knowledge benchmark (``benchmarks.anoncreds_zk_peer``) in its quick mode.

The registries are small (100 and 1,000 credentials, 10 revocations), so the figures mean
nothing; what is checked is that they come from presentations the library really accepts, and
that the same verifier really rejects tampered presentations and revoked credentials. One
credential definition is shared by the whole module: AnonCreds takes seconds to create one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import anoncreds_zk_peer as zk
from benchmarks._timing import Stats
from benchmarks.anoncreds_peer import PeerUnavailable, load_anoncreds


@pytest.fixture(scope="module")
def issuer() -> zk.AnonCredsIssuer:
    try:
        load_anoncreds()
    except PeerUnavailable as exc:
        pytest.skip(f"AnonCreds cannot be measured here: {exc}")
    return zk.AnonCredsIssuer.create()


@pytest.fixture(scope="module")
def workload(
    issuer: zk.AnonCredsIssuer, tmp_path_factory: pytest.TempPathFactory
) -> zk.ZkPresentationWorkload:
    registry = zk.AnonCredsRegistry.create(
        issuer, max_cred_num=100, tails_dir=tmp_path_factory.mktemp("tails")
    )
    return zk.ZkPresentationWorkload.prepare(registry, revocations=10)


def _rejected(workload: zk.ZkPresentationWorkload, action: Any) -> bool:
    """True if the verifier says False or the library refuses with its own error."""
    try:
        return action() is False
    except workload.registry.issuer.ac.AnoncredsError:
        return True


def test_the_registry_and_credential_are_set_up_as_asked(
    workload: zk.ZkPresentationWorkload,
) -> None:
    registry = workload.registry
    assert registry.definition.max_cred_num == 100
    assert Path(registry.tails_path).stat().st_size == registry.tails_bytes > 0
    assert len(workload.revoked_indexes) == 10
    assert workload.holder_index not in workload.revoked_indexes
    assert workload.credential.rev_reg_index == workload.holder_index
    revocation_list = workload.status_list.to_dict()["revocationList"]
    assert sum(revocation_list) == 10
    assert revocation_list[workload.holder_index] == 0
    request = workload.presentation_request_json
    assert len(request["requested_attributes"]) == 2
    assert request["requested_predicates"]["age_over"]["p_value"] == 18
    assert set(request["non_revoked"]) == {"from", "to"}


def test_the_presentation_is_accepted_by_the_library_itself(
    workload: zk.ZkPresentationWorkload,
) -> None:
    presentation = workload.presentation
    assert workload.library_verify(presentation, workload.presentation_request) is True
    assert workload.verify(presentation) is True
    proof = presentation.to_dict()
    revealed = proof["requested_proof"]["revealed_attrs"]
    assert {entry["raw"] for entry in revealed.values()} == {
        "given_name of the holder",
        "nationality of the holder",
    }
    sub_proof = proof["proof"]["proofs"][0]
    assert sub_proof["non_revoc_proof"] is not None
    (ge_proof,) = sub_proof["primary_proof"]["ge_proofs"]
    assert ge_proof["predicate"] == {"attr_name": "age", "p_type": "GE", "value": 18}
    assert "age" not in sub_proof["primary_proof"]["eq_proof"]["revealed_attrs"]


def test_every_honesty_check_comes_out_as_expected(workload: zk.ZkPresentationWorkload) -> None:
    outcomes = {check.name: check for check in workload.checks}
    assert outcomes["valid presentation"].accepted
    rejected = [name for name, check in outcomes.items() if not check.expected_accept]
    assert len(rejected) == 6
    for name in rejected:
        assert not outcomes[name].accepted, (name, outcomes[name].detail)
    assert all(check.honest for check in workload.checks)


def test_a_tampered_revealed_value_is_rejected(workload: zk.ZkPresentationWorkload) -> None:
    ac = workload.registry.issuer.ac
    forged = workload.presentation.to_dict()
    eq_proof = forged["proof"]["proofs"][0]["primary_proof"]["eq_proof"]
    encoded = ac.encode_credential_attributes({"x": "Mallory"})["x"]
    eq_proof["revealed_attrs"]["nationality"] = encoded
    entry = forged["requested_proof"]["revealed_attrs"]["revealed_1"]
    entry["raw"], entry["encoded"] = "Mallory", encoded
    assert _rejected(workload, lambda: workload.verify(ac.Presentation.load(forged)))


def test_a_revoked_credential_is_rejected(workload: zk.ZkPresentationWorkload) -> None:
    ac = workload.registry.issuer.ac
    registry = workload.registry
    revoked_at = workload.status_list_timestamp + 10
    revoked_list = registry.revoke(workload.status_list, [workload.holder_index], revoked_at)
    assert revoked_list.to_dict()["revocationList"][workload.holder_index] == 1

    def present_and_verify() -> bool:
        witness = ac.CredentialRevocationState.create(
            registry.definition, revoked_list, workload.holder_index, registry.tails_path
        )
        presentation = workload.create_presentation(witness=witness, timestamp=revoked_at)
        return workload.verify(presentation, status_list=revoked_list)

    assert _rejected(workload, present_and_verify)
    # The unrevoked state still verifies: the rejection is about revocation, not the set-up.
    assert workload.verify(workload.presentation) is True


def test_a_stricter_predicate_is_rejected_by_the_verifier(
    workload: zk.ZkPresentationWorkload,
) -> None:
    stricter = workload.stricter_request_json()
    assert stricter["nonce"] == workload.presentation_request_json["nonce"]
    assert not zk.predicates_match_request(workload.presentation.to_dict(), stricter)
    assert _rejected(
        workload, lambda: workload.verify(workload.presentation, request_json=stricter)
    )


def test_the_timed_operations_work(workload: zk.ZkPresentationWorkload) -> None:
    operations = workload.operations()
    assert set(operations) == {"present", "verify", "witness"}
    fresh = operations["present"]()
    assert workload.verify(fresh) is True
    assert operations["verify"]() is None  # raises if the library rejects
    witness: Any = operations["witness"]()
    assert witness.to_dict()["timestamp"] == workload.status_list_timestamp
    sizes = workload.sizes()
    presentation_json = json.dumps(workload.presentation.to_dict(), separators=(",", ":"))
    assert sizes["presentation_bytes"] == len(presentation_json.encode()) > 1000


def test_the_quick_plan_reports_every_figure(issuer: zk.AnonCredsIssuer, tmp_path: Path) -> None:
    params = zk.QUICK
    assert (params.max_cred_num, params.revocations) == (100, 10)
    report = zk.measure_presentation(issuer, params, tmp_path).merged(
        zk.measure_revocation_at_scale(issuer, params, tmp_path)
    )
    assert set(report.timings) == set(zk.TIMING_LABELS)
    assert report.timings["present"].n == params.repeat
    assert report.timings["witness"].n == params.witness_repeat
    assert all(stats.median > 0 for stats in report.timings.values())
    assert report.sizes["registry_bytes"] > report.sizes["presentation_bytes"] > 0
    assert report.honest and len(report.checks) == 7
    figures = json.loads(json.dumps(report.to_dict()))
    assert figures["parameters"]["large_max_cred_num"] == params.large_max_cred_num
    text = zk.render([report])
    assert "presentation verification" in text and "NOT AS EXPECTED" not in text


# --- no AnonCreds needed below ------------------------------------------------------------------


def _presentation_proving(p_type: str, value: int) -> dict[str, Any]:
    predicate = {"attr_name": "age", "p_type": p_type, "value": value}
    return {
        "proof": {"proofs": [{"primary_proof": {"ge_proofs": [{"predicate": predicate}]}}]},
        "requested_proof": {"predicates": {"age_over": {"sub_proof_index": 0}}},
    }


def _request_for(p_type: str, value: int) -> dict[str, Any]:
    return {
        "requested_predicates": {"age_over": {"name": "Age", "p_type": p_type, "p_value": value}}
    }


def test_predicates_are_compared_by_name_type_and_value() -> None:
    proven = _presentation_proving("GE", 18)
    assert zk.predicates_match_request(proven, _request_for(">=", 18))
    assert not zk.predicates_match_request(proven, _request_for(">=", 21))
    assert not zk.predicates_match_request(proven, _request_for("<=", 18))
    assert not zk.predicates_match_request({"proof": {}}, _request_for(">=", 18))
    assert zk.predicates_match_request(proven, {"requested_predicates": {}})


def test_reports_render_side_by_side_with_ratios() -> None:
    base = zk.ZkReport(
        "AnonCreds",
        "0.2.3",
        timings={"present": Stats((0.100,)), "verify": Stats((0.080, 0.090, 0.100))},
        sizes={"presentation_bytes": 25_000},
    )
    ours = zk.ZkReport(
        "Chancery",
        "",
        timings={"present": Stats((0.010,)), "extra_step": Stats((0.002,))},
        sizes={"presentation_bytes": 5_000},
    )
    text = zk.render([base, ours])
    lines = text.splitlines()
    assert "Chancery / AnonCreds" in lines[0]
    creation = next(line for line in lines if line.startswith("presentation creation"))
    assert "100.00 ms (n=1)" in creation and "0.10x" in creation
    verification = next(line for line in lines if line.startswith("presentation verification"))
    assert "90.00 ms (n=3)" in verification and "n/a" in verification
    size = next(line for line in lines if line.startswith("presentation (compact JSON)"))
    assert "25,000 B" in size and "0.20x" in size
    assert any(line.startswith("extra_step") for line in lines)


def test_parameters_are_validated() -> None:
    with pytest.raises(ValueError, match="cannot revoke"):
        zk.ZkParameters("bad", 100, 99, 1_000, 10, repeat=1, registry_repeat=1, witness_repeat=1)
    with pytest.raises(ValueError, match="at least 1"):
        zk.ZkParameters("bad", 100, 10, 1_000, 10, repeat=0, registry_repeat=1, witness_repeat=1)
    assert zk.FULL.large_max_cred_num == 100_000 and zk.FULL.large_revocations == 1_000
    assert zk.FULL.max_cred_num == 10_000
