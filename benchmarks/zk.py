"""Zero-knowledge presentations: Chancery (``zk.presentation``) against AnonCreds, one run.

The workload (the same statement on both sides): a credential of 8 attributes; the holder
discloses 2, proves "over 18" without revealing the value, and proves non-revocation in a
registry of 10,000 credentials of which 100 are revoked. Chancery signs the birth date as a
date (days since 1970, a 16-bit range proof against "today minus 18 years"); AnonCreds proves
``age >= 18`` on an integer attribute with its CL predicate proof. A second Chancery line
proves ``age >= 18`` on an integer attribute with a 32-bit range, for a like-for-like reading.

Presentation creation and verification of both are timed in interleaved rounds
(:func:`benchmarks._timing.measure_round_robin`), so drifts of the shared machine fall on
both alike; sizes are the bytes a verifier receives (Chancery: ``Presentation.to_bytes()``,
AnonCreds: the presentation as compact JSON).

At scale: registry set-up at 100,000 credentials (Chancery: accumulator keys and the initial
value, whatever the capacity; AnonCreds: the registry definition and its tails file) and a
holder's witness after 1,000 revocations (Chancery: decode the ledger payloads of the
revocation batches and update the witness; AnonCreds: ``CredentialRevocationState.create``
from the tails file and the status list).

``python -m benchmarks.zk [--quick] [--json PATH]``; part of ``python -m benchmarks``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import secrets
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from zk import Error
from zk import presentation as zp
from zk.accumulator import AccumulatorIssuer, AccumulatorUpdate, Revoked, genesis_ledger_payload
from zk.presentation._types import ClaimKind

from ._timing import Stats, measure, measure_round_robin
from .anoncreds_peer import PeerUnavailable
from .anoncreds_zk_peer import (
    FULL as PEER_FULL,
)
from .anoncreds_zk_peer import (
    QUICK as PEER_QUICK,
)
from .anoncreds_zk_peer import (
    AnonCredsIssuer,
    AnonCredsRegistry,
    CheckOutcome,
    ZkParameters,
    ZkPresentationWorkload,
    ZkReport,
    measure_revocation_at_scale,
    render,
)

__all__ = [
    "PEER_FULL",
    "PEER_QUICK",
    "ChanceryZkWorkload",
    "ZkComparison",
    "main",
    "measure_chancery_scale",
    "render_comparison",
    "run",
]

#: Targets of the issue: AnonCreds' figure divided by ours.
TARGETS = {"present": 5.0, "verify": 10.0, "presentation_bytes": 10.0}

_ISSUER = "did:chancery:civil-registry"
_CLAIMS: tuple[tuple[str, ClaimKind], ...] = (
    ("given_name", "string"),
    ("family_name", "string"),
    ("birth_date", "date"),
    ("nationality", "string"),
    ("residence", "string"),
    ("document_number", "string"),
    ("sex", "string"),
    ("age", "integer"),
)
_VALUES: dict[str, object] = {
    "given_name": "Anna Maria",
    "family_name": "Eriksson",
    "birth_date": "1996-08-12",
    "nationality": "UTO",
    "residence": "Utopia City",
    "document_number": "L898902C3",
    "sex": "F",
    "age": 30,
}


def _adult_bound() -> str:
    today = datetime.date.today()
    try:
        return today.replace(year=today.year - 18).isoformat()
    except ValueError:  # 29 February
        return today.replace(year=today.year - 18, day=28).isoformat()


@dataclass
class ChanceryZkWorkload:
    """An issued credential in a registry with revocations, a request, a checked presentation."""

    issuer: zp.Issuer
    holder: zp.Holder
    credential: zp.HeldCredential
    states: dict[str, zp.AccumulatorState]
    request: zp.PresentationRequest
    integer_request: zp.PresentationRequest
    presentation: bytes
    checks: tuple[CheckOutcome, ...]

    @classmethod
    def prepare(cls, *, registry_size: int, revocations: int) -> ChanceryZkWorkload:
        """Issue into a registry of ``registry_size`` members, revoke ``revocations`` others,
        update the holder's witness, present and check (RuntimeError if a check fails)."""
        ctype = zp.CredentialType("identity", _ISSUER, "civil-2026", _CLAIMS)
        issuer = zp.Issuer.generate(ctype)
        holder = zp.Holder.create()
        blind, pending = holder.blind_request()
        issued = issuer.issue(blind, _VALUES)
        credential = holder.accept(pending, issuer.public, issued, _VALUES)
        # The other members: handles the issuer drew for other holders (their witnesses are
        # not needed here; issuing one costs one scalar multiplication).
        others = [issuer.accumulator.new_member().element for _ in range(max(revocations, 0))]
        del registry_size  # the accumulator has no capacity: its size changes nothing
        updates = issuer.revoke(others) if others else []
        credential = credential.update_witness(updates)
        states = {ctype.registry_id: issuer.state()}
        request = _request((zp.Predicate("birth_date", "<=", _adult_bound()),))
        integer_request = _request((zp.Predicate("age", ">=", 18),))
        presentation = holder.present(request, [credential], states).to_bytes()
        workload = cls(
            issuer,
            holder,
            credential,
            states,
            request,
            integer_request,
            presentation,
            (),
        )
        workload.checks = workload.run_checks()
        if not all(check.honest for check in workload.checks):
            failed = [c.name for c in workload.checks if not c.honest]
            raise RuntimeError(f"Chancery checks failed: {failed}")
        return workload

    def verify(self, data: bytes, request: zp.PresentationRequest | None = None) -> bool:
        """Whether a verifier accepts ``data`` for ``request`` (default: the workload's)."""
        try:
            zp.verify_presentation(data, request or self.request, [self.issuer.public], self.states)
        except Error:
            return False
        return True

    def run_checks(self) -> tuple[CheckOutcome, ...]:
        """The same honesty checks as on the AnonCreds side."""
        outcomes = []

        def check(name: str, expected: bool, data: bytes, request: Any = None) -> None:
            accepted = self.verify(data, request)
            reason = "accepted" if accepted else "rejected"
            outcomes.append(CheckOutcome(name, expected, accepted, reason))

        check("valid presentation", True, self.presentation)
        parsed = zp.Presentation.from_bytes(self.presentation)
        forged = replace(parsed, disclosed=({"given_name": "Eve", "residence": "Utopia City"},))
        check("tampered revealed value", False, forged.to_bytes())
        flipped = bytearray(self.presentation)
        flipped[-40] ^= 1  # inside the last responses
        check("tampered proof byte", False, bytes(flipped))
        stricter = _request(
            (zp.Predicate("birth_date", "<=", "1990-01-01"),), nonce=self.request.nonce
        )
        check("stricter predicate with the same proof", False, self.presentation, stricter)
        replayed = replace(self.request, nonce=secrets.token_bytes(16))
        check("replay under another nonce", False, self.presentation, replayed)
        # Revoke the holder in a copy of the registry (the timed state stays as it was): its
        # witness cannot be updated, and a proof with the stale witness is refused.
        registry_id = self.issuer.ctype.registry_id
        accumulator = AccumulatorIssuer.from_bytes(self.issuer.accumulator.to_bytes())
        updates = accumulator.revoke([self.credential.witness.element])
        new_state = {
            registry_id: zp.AccumulatorState(
                registry_id,
                accumulator.epoch,
                accumulator.backend.g1_encode(accumulator.value),
            )
        }
        try:
            self.credential.update_witness(updates)
            updated, detail = True, "updated"
        except Revoked:
            updated, detail = False, "Revoked"
        outcomes.append(
            CheckOutcome("revoked credential updates its witness", False, updated, detail)
        )
        stale_state = replace(new_state[registry_id], epoch=self.credential.witness.epoch)
        old_proof = self.holder.present(
            self.request, [self.credential], {registry_id: stale_state}
        ).to_bytes()
        accepted = True
        try:
            zp.verify_presentation(old_proof, self.request, [self.issuer.public], new_state)
        except Error as exc:
            accepted, detail = False, type(exc).__name__
        outcomes.append(CheckOutcome("revoked credential, stale witness", False, accepted, detail))
        return tuple(outcomes)

    def operations(self) -> dict[str, Callable[[], object]]:
        """``present``/``verify`` (birth date, 16-bit) and ``present_age``/``verify_age``
        (integer age, 32-bit), each verify from the received bytes."""
        holder, cred, states, issuers = (
            self.holder,
            self.credential,
            self.states,
            [self.issuer.public],
        )
        request, integer_request = self.request, self.integer_request
        data = self.presentation
        integer_data = holder.present(integer_request, [cred], states).to_bytes()

        def present() -> object:
            return holder.present(request, [cred], states).to_bytes()

        def verify() -> object:
            return zp.verify_presentation(data, request, issuers, states)

        def present_age() -> object:
            return holder.present(integer_request, [cred], states).to_bytes()

        def verify_age() -> object:
            return zp.verify_presentation(integer_data, integer_request, issuers, states)

        return {
            "present": present,
            "verify": verify,
            "present_age": present_age,
            "verify_age": verify_age,
        }


def _request(
    predicates: tuple[zp.Predicate, ...], *, nonce: bytes | None = None
) -> zp.PresentationRequest:
    query = zp.CredentialQuery(
        "identity",
        _ISSUER,
        disclose=("given_name", "residence"),
        predicates=predicates,
        non_revoked=True,
    )
    return zp.PresentationRequest(
        nonce or secrets.token_bytes(16), "https://bank.example", (query,)
    )


def measure_chancery_scale(
    *, registry_size: int, revocations: int, repeat: int
) -> tuple[dict[str, Stats], dict[str, int], int]:
    """Registry set-up (O(1) in ``registry_size``) and a holder's witness update after
    ``revocations`` revocations, from the ledger payloads the issuer publishes."""
    del registry_size  # no capacity to provision: recorded in the report's parameters

    def set_up() -> object:
        issuer = AccumulatorIssuer.generate("civil-2026")
        return issuer.public_key_bytes(), genesis_ledger_payload("civil-2026")

    setup = measure(set_up, repeat=max(repeat, 3), warmup=1)
    accumulator = AccumulatorIssuer.generate("civil-2026")
    witness = accumulator.new_member()
    revoked = [accumulator.new_member().element for _ in range(revocations)]
    payloads = [update.to_ledger_payload() for update in accumulator.revoke(revoked)]

    def update_from_ledger() -> object:
        updates = [AccumulatorUpdate.from_ledger_payload(p) for p in payloads]
        return witness.update(updates)

    decoded = [AccumulatorUpdate.from_ledger_payload(p) for p in payloads]
    timings = {
        "registry_setup": setup,
        "witness": measure(update_from_ledger, repeat=repeat, warmup=1),
        "witness_update_decoded": measure(lambda: witness.update(decoded), repeat=repeat, warmup=1),
    }
    update_bytes = sum(len(p["update"]) for p in payloads)
    sizes = {
        # What a holder needs besides the ledger's revocation entries: the public key and the
        # initial value (no tails file).
        "registry_bytes": 96 + 48,
        "status_list_bytes": 48,
        "revocation_entries_bytes": update_bytes,
    }
    return timings, sizes, len(payloads)


@dataclass
class ZkComparison:
    """Both reports and the targets (AnonCreds' median or size divided by Chancery's)."""

    chancery: ZkReport
    anoncreds: ZkReport | None
    peer_error: str | None

    def ratios(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for key in ("present", "verify", "registry_setup", "witness"):
            ours = self.chancery.timings.get(key)
            theirs = self.anoncreds.timings.get(key) if self.anoncreds else None
            out[key] = theirs.median / ours.median if ours and theirs and ours.median else None
        ours_size = self.chancery.sizes.get("presentation_bytes")
        theirs_size = self.anoncreds.sizes.get("presentation_bytes") if self.anoncreds else None
        out["presentation_bytes"] = theirs_size / ours_size if ours_size and theirs_size else None
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "chancery": self.chancery.to_dict(),
            "anoncreds": self.anoncreds.to_dict() if self.anoncreds else None,
            "peer_error": self.peer_error,
            "ratios_anoncreds_over_chancery": self.ratios(),
            "targets": {k: f">= {v}" for k, v in TARGETS.items()},
        }


def run(params: ZkParameters = PEER_FULL) -> ZkComparison:
    """Measure both implementations (AnonCreds skipped with a reason when not installed)."""
    ours = ChanceryZkWorkload.prepare(
        registry_size=params.max_cred_num, revocations=params.revocations
    )
    ops = {f"chancery/{k}": v for k, v in ours.operations().items()}
    peer_error = None
    peer_workload: ZkPresentationWorkload | None = None
    issuer: AnonCredsIssuer | None = None
    tails = tempfile.TemporaryDirectory(prefix="chancery-bench-zk-")
    try:
        try:
            issuer = AnonCredsIssuer.create()
            registry = AnonCredsRegistry.create(
                issuer, max_cred_num=params.max_cred_num, tails_dir=Path(tails.name) / "p"
            )
            peer_workload = ZkPresentationWorkload.prepare(registry, revocations=params.revocations)
            peer_ops = peer_workload.operations()
            ops["anoncreds/present"] = peer_ops["present"]
            ops["anoncreds/verify"] = peer_ops["verify"]
        except PeerUnavailable as exc:
            peer_error = str(exc)
        stats = measure_round_robin(ops, repeat=params.repeat, warmup=1)
        scale_timings, scale_sizes, entries = measure_chancery_scale(
            registry_size=params.large_max_cred_num,
            revocations=params.large_revocations,
            repeat=params.witness_repeat,
        )
        chancery = ZkReport(
            implementation="Chancery",
            version=_version(),
            parameters={
                "registry": params.max_cred_num,
                "revocations": params.revocations,
                "repeat": params.repeat,
                "large_registry": params.large_max_cred_num,
                "large_revocations": params.large_revocations,
                "revocation_ledger_entries": entries,
            },
            timings={
                "present": stats["chancery/present"],
                "verify": stats["chancery/verify"],
                "present_age": stats["chancery/present_age"],
                "verify_age": stats["chancery/verify_age"],
                **scale_timings,
            },
            sizes={"presentation_bytes": len(ours.presentation), **scale_sizes},
            checks=ours.checks,
            notes=(
                "'present'/'verify' prove birth_date <= today - 18 years (16-bit range);"
                " 'present_age'/'verify_age' prove age >= 18 on an integer (32-bit range)",
                "registry set-up is the accumulator keys and initial value, O(1) in the"
                " registry size; the witness figure decodes the revocation batches' ledger"
                " payloads and updates (one multi-scalar multiplication per batch)",
            ),
        )
        anoncreds = None
        if peer_workload is not None and issuer is not None:
            anoncreds = ZkReport(
                implementation="AnonCreds",
                version=issuer.library_version,
                parameters={"registry": params.max_cred_num, "revocations": params.revocations},
                timings={
                    "present": stats["anoncreds/present"],
                    "verify": stats["anoncreds/verify"],
                },
                sizes={"presentation_bytes": peer_workload.sizes()["presentation_bytes"]},
                checks=peer_workload.checks,
                notes=peer_workload.library_findings(),
            )
            anoncreds = anoncreds.merged(
                measure_revocation_at_scale(issuer, params, Path(tails.name))
            )
    finally:
        tails.cleanup()
    return ZkComparison(chancery, anoncreds, peer_error)


def _version() -> str:
    try:
        return metadata.version("chancery")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return ""


def render_comparison(comparison: ZkComparison) -> str:
    """The side-by-side table, then the targets."""
    reports = [comparison.chancery]
    if comparison.anoncreds is not None:
        reports.append(comparison.anoncreds)
    lines = [
        "Zero-knowledge presentation: 8 attributes, 2 disclosed, over-18 predicate, "
        "non-revocation (interleaved rounds; the ratio column is AnonCreds / Chancery)",
        render(reports),
    ]
    if comparison.peer_error:
        lines.append(f"AnonCreds not measured: {comparison.peer_error}")
    lines.append("Targets (AnonCreds / Chancery)")
    ratios = comparison.ratios()
    for key, bound in TARGETS.items():
        value = ratios.get(key)
        status = "n/a" if value is None else ("PASS" if value >= bound else "MISS")
        shown = "n/a" if value is None else f"{value:.1f}x"
        lines.append(f"  [{status}] {key}: {shown} (target >= {bound:.0f}x)")
    for key in ("registry_setup", "witness"):
        value = ratios.get(key)
        if value is not None:
            lines.append(f"  [info] {key}: AnonCreds / Chancery = {value:,.1f}x")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.zk",
        description="Zero-knowledge presentations: Chancery against AnonCreds in one run.",
    )
    parser.add_argument("--quick", action="store_true", help="small registries, few repetitions")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    comparison = run(PEER_QUICK if args.quick else PEER_FULL)
    print(render_comparison(comparison))
    if args.json is not None:
        args.json.write_text(json.dumps(comparison.to_dict(), indent=2) + "\n", encoding="utf-8")
    honest = comparison.chancery.honest and (
        comparison.anoncreds is None or comparison.anoncreds.honest
    )
    return 0 if honest else 1


if __name__ == "__main__":
    sys.exit(main())
