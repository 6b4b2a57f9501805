"""``python -m benchmarks``: Chancery against its peers, side by side in the same run.

Parts: BBS against its cost floor and AnonCreds; zero-knowledge presentations (disclosure, an
over-18 predicate, non-revocation) against AnonCreds; the credential formats against didkit and the
sd-jwt reference; the ledger (appends, proofs, checkpoints, anchoring against Anvil); HTTP
throughput of the running service (issuances and verifications per second on SQLite and
PostgreSQL).

Prints a report; ``--json PATH`` also writes every figure to a file. Targets are reported as
PASS or MISS and never change the exit status. The exit status is non-zero only when the BBS
implementation itself could not be measured.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import secrets
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from . import formats as formats_bench
from . import http as http_bench
from . import ledger as ledger_bench
from . import zk as zk_bench
from ._timing import Stats, measure, measure_round_robin
from .anoncreds_peer import AnonCredsWorkload, PeerUnavailable
from .bbs import BbsWorkload, load_suites
from .floor import floor_operations

MESSAGE_COUNT = 10
DISCLOSED_INDEXES = (0, 1)
BBS_OPERATIONS = ("sign", "verify", "proof_gen", "proof_verify")


@dataclass(frozen=True)
class Plan:
    """Repetition counts.

    ``rounds`` interleaved rounds time the arkworks suites and the floor (every round) and
    AnonCreds (every ``peer_every``-th round) together; the py_ecc reference is timed on its own.
    """

    name: str
    rounds: int
    warmup: int
    reference_repeat: int
    reference_budget_s: float
    peer_every: int


FULL = Plan("full", rounds=500, warmup=5, reference_repeat=3, reference_budget_s=30.0, peer_every=8)
QUICK = Plan(
    "quick", rounds=15, warmup=1, reference_repeat=1, reference_budget_s=10.0, peer_every=3
)


@dataclass(frozen=True)
class Target:
    """One ratio with its goal. ``value`` is None when an input was not measured."""

    name: str
    value: float | None
    bound: float
    direction: Literal["<=", ">="]

    @property
    def status(self) -> str:
        if self.value is None:
            return "n/a"
        met = self.value <= self.bound if self.direction == "<=" else self.value >= self.bound
        return "PASS" if met else "MISS"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "target": f"{self.direction} {self.bound}",
            "status": self.status,
        }


@dataclass
class BbsResult:
    label: str
    reference: bool
    timings: dict[str, Stats]
    sizes: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "reference_backend": self.reference,
            "timings": {name: stats.to_dict() for name, stats in self.timings.items()},
            "sizes": self.sizes,
        }


@dataclass
class PeerResult:
    library_version: str
    setup_s: float
    timings: dict[str, Stats]
    sizes: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "library_version": self.library_version,
            "cred_def_setup_s": self.setup_s,
            "timings": {name: stats.to_dict() for name, stats in self.timings.items()},
            "sizes": self.sizes,
        }


@dataclass
class Report:
    plan: Plan
    started: datetime.datetime
    machine: dict[str, Any]
    versions: dict[str, str | None]
    bbs: dict[str, BbsResult] = field(default_factory=dict)
    bbs_error: str | None = None
    reference_agrees: bool | None = None
    floor: dict[str, Stats] = field(default_factory=dict)
    peer: PeerResult | None = None
    peer_error: str | None = None
    targets: list[Target] = field(default_factory=list)
    informational: list[tuple[str, float | None]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        peer: dict[str, Any]
        if self.peer is not None:
            peer = {"measured": True, **self.peer.to_dict()}
        else:
            peer = {"measured": False, "reason": self.peer_error}
        return {
            "format": "chancery-benchmarks/1",
            "date": self.started.isoformat(timespec="seconds"),
            "plan": self.plan.name,
            "workload": {
                "messages": MESSAGE_COUNT,
                "disclosed_indexes": list(DISCLOSED_INDEXES),
            },
            "machine": self.machine,
            "versions": self.versions,
            "bbs": {key: result.to_dict() for key, result in self.bbs.items()},
            "bbs_error": self.bbs_error,
            "reference_backend_agrees": self.reference_agrees,
            "floor": {"timings": {name: stats.to_dict() for name, stats in self.floor.items()}},
            "anoncreds": peer,
            "targets": [target.to_dict() for target in self.targets],
            "ratios": {name: value for name, value in self.informational},
        }


def _progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _machine() -> dict[str, Any]:
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
    }


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for dist in ("chancery", "py-arkworks-bls12381", "py-ecc", "anoncreds"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return versions


def _ratio(numerator: Stats | None, denominator: Stats | None) -> float | None:
    if numerator is None or denominator is None:
        return None
    return numerator.median / denominator.median


def _prepare_peer(report: Report) -> AnonCredsWorkload | None:
    _progress("preparing AnonCreds (credential definition setup takes a while)")
    try:
        return AnonCredsWorkload.prepare(
            message_count=MESSAGE_COUNT, disclosed_count=len(DISCLOSED_INDEXES)
        )
    except PeerUnavailable as exc:
        report.peer_error = str(exc)
        return None


def _measure(report: Report, key_material: bytes, *, with_reference: bool) -> None:
    plan = report.plan
    floor_ops = floor_operations(MESSAGE_COUNT)
    try:
        suites = load_suites(with_reference=with_reference)
    except ImportError as exc:
        report.bbs_error = f"zk.bbs could not be imported: {exc}"
        suites = []

    fast = [s for s in suites if not s.reference]
    workloads: dict[str, BbsWorkload] = {}
    for sut in fast:
        _progress(f"preparing {sut.label}")
        workloads[sut.key] = BbsWorkload.prepare(
            sut.suite,
            message_count=MESSAGE_COUNT,
            disclosed_indexes=DISCLOSED_INDEXES,
            key_material=key_material,
        )
    peer = _prepare_peer(report)

    # Everything compared by a target shares interleaved rounds, so that the ratios are not
    # skewed by drifts of the machine between one series and the next.
    operations: dict[str, Callable[[], object]] = dict(floor_ops)
    every: dict[str, int] = {}
    for key, workload in workloads.items():
        for op, fn in workload.operations().items():
            operations[f"{key}/{op}"] = fn
    if peer is not None:
        for op, fn in peer.operations().items():
            operations[f"anoncreds/{op}"] = fn
            every[f"anoncreds/{op}"] = plan.peer_every
    _progress(f"timing arkworks suites, floor and AnonCreds: {plan.rounds} rounds")
    stats = measure_round_robin(operations, repeat=plan.rounds, warmup=plan.warmup, every=every)

    report.floor = {name: stats[name] for name in floor_ops}
    for sut in fast:
        report.bbs[sut.key] = BbsResult(
            label=sut.label,
            reference=False,
            timings={op: stats[f"{sut.key}/{op}"] for op in BBS_OPERATIONS},
            sizes=workloads[sut.key].sizes(),
        )
    if peer is not None:
        report.peer = PeerResult(
            library_version=peer.library_version,
            setup_s=peer.setup_s,
            timings={op: stats[f"anoncreds/{op}"] for op in peer.operations()},
            sizes=peer.sizes(),
        )

    for sut in (s for s in suites if s.reference):
        _progress(f"preparing {sut.label} (pure Python, slow)")
        workload = BbsWorkload.prepare(
            sut.suite,
            message_count=MESSAGE_COUNT,
            disclosed_indexes=DISCLOSED_INDEXES,
            key_material=key_material,
        )
        arkworks = workloads.get("bbs_sha256_arkworks")
        if arkworks is not None:
            # BBS signing is deterministic: same key, same messages, same signature.
            report.reference_agrees = (
                workload.pk == arkworks.pk and workload.signature == arkworks.signature
            )
        timings: dict[str, Stats] = {}
        for op, fn in workload.operations().items():
            _progress(f"timing {sut.label} {op}: up to {plan.reference_repeat} runs")
            # prepare() already ran every operation once, which serves as the warm-up.
            timings[op] = measure(
                fn,
                repeat=plan.reference_repeat,
                warmup=0,
                budget_s=plan.reference_budget_s,
                min_repeat=1,
            )
        report.bbs[sut.key] = BbsResult(sut.label, True, timings, workload.sizes())


def _evaluate(report: Report) -> None:
    floor_verify = report.floor.get("floor_verify")
    floor_proof_verify = report.floor.get("floor_proof_verify")
    peer = report.peer
    for result in report.bbs.values():
        if result.reference:
            continue
        label = result.label
        t = result.timings
        report.targets.append(
            Target(f"{label}: verify / floor_verify", _ratio(t["verify"], floor_verify), 1.2, "<=")
        )
        report.targets.append(
            Target(
                f"{label}: proof_verify / floor_proof_verify",
                _ratio(t["proof_verify"], floor_proof_verify),
                1.25,
                "<=",
            )
        )
        peer_t = peer.timings if peer is not None else {}
        report.targets.append(
            Target(
                f"AnonCreds present / {label} proof_gen",
                _ratio(peer_t.get("present"), t["proof_gen"]),
                6.0,
                ">=",
            )
        )
        report.targets.append(
            Target(
                f"AnonCreds verify / {label} proof_verify",
                _ratio(peer_t.get("verify_presentation"), t["proof_verify"]),
                6.0,
                ">=",
            )
        )
        size_ratio = (
            peer.sizes["presentation_json_bytes"] / result.sizes["proof_bytes"]
            if peer is not None
            else None
        )
        report.targets.append(
            Target(f"AnonCreds presentation bytes / {label} proof bytes", size_ratio, 10.0, ">=")
        )
        report.informational.append(
            (f"AnonCreds issue / {label} sign", _ratio(peer_t.get("issue"), t["sign"]))
        )
    reference = report.bbs.get("bbs_sha256_pyecc")
    arkworks = report.bbs.get("bbs_sha256_arkworks")
    if reference is not None and arkworks is not None:
        for op in BBS_OPERATIONS:
            report.informational.append(
                (
                    f"py_ecc / arkworks {op} (SHA-256)",
                    _ratio(reference.timings[op], arkworks.timings[op]),
                )
            )


def _fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:10.3f}"


def _timing_rows(label: str, timings: dict[str, Stats]) -> list[str]:
    rows = []
    for op, s in timings.items():
        rows.append(
            f"  {label:<26} {op:<20} {s.n:>5} {_fmt_ms(s.median)} {_fmt_ms(s.p10)}"
            f" {_fmt_ms(s.p90)} {_fmt_ms(s.mad)}"
        )
        label = ""
    return rows


def _render(report: Report) -> str:
    m = report.machine
    lines = [
        "Chancery benchmarks: BBS vs. its cost floor vs. AnonCreds",
        f"  date      {report.started.isoformat(timespec='seconds')}",
        f"  python    {m['python']}",
        f"  platform  {m['platform']} ({m['machine']})",
        f"  cpu       {m['cpu'] or 'unknown'}; {m['cpu_count']} logical CPUs",
        "  versions  "
        + ", ".join(f"{k} {v or 'not installed'}" for k, v in report.versions.items()),
        f"  workload  {MESSAGE_COUNT} messages, {len(DISCLOSED_INDEXES)} disclosed "
        f"(indexes {list(DISCLOSED_INDEXES)}); plan '{report.plan.name}'",
        "",
        "Timings in ms (wall clock, per call)",
        f"  {'implementation':<26} {'operation':<20} {'n':>5} {'median':>10} {'p10':>10}"
        f" {'p90':>10} {'MAD':>10}",
    ]
    for result in report.bbs.values():
        lines += _timing_rows(result.label, result.timings)
    if report.floor:
        lines += _timing_rows("floor (raw arkworks)", report.floor)
    if report.peer is not None:
        lines += _timing_rows(f"AnonCreds {report.peer.library_version}", report.peer.timings)
    lines.append("")

    lines.append("Sizes in bytes")
    for result in report.bbs.values():
        sizes = ", ".join(
            f"{k.removesuffix('_bytes').replace('_', ' ')} {v}" for k, v in result.sizes.items()
        )
        lines.append(f"  {result.label:<26} {sizes}")
    if report.peer is not None:
        z = report.peer.sizes
        lines.append(
            f"  {'AnonCreds (JSON)':<26} credential signature "
            f"{z['credential_signature_json_bytes']}, credential {z['credential_json_bytes']}, "
            f"presentation {z['presentation_json_bytes']} "
            f"(proof part {z['presentation_proof_json_bytes']})"
        )
    lines.append("")

    if report.bbs_error is not None:
        lines.append(f"BBS NOT MEASURED: {report.bbs_error}")
    if report.reference_agrees is not None:
        verdict = "yes" if report.reference_agrees else "NO (backends disagree!)"
        lines.append(f"py_ecc and arkworks produce identical keys and signatures: {verdict}")
    if report.peer is None:
        lines.append(f"AnonCreds NOT MEASURED: {report.peer_error}")
    else:
        lines.append(
            f"AnonCreds credential definition setup (one-off): {report.peer.setup_s:.2f} s"
        )
    lines.append("")

    lines.append("Targets (ratios of medians)")
    for target in report.targets:
        value = "not measured" if target.value is None else f"{target.value:6.2f}x"
        lines.append(
            f"  [{target.status:<4}] {target.name}: {value} "
            f"(target {target.direction} {target.bound:g}x)"
        )
    if report.informational:
        lines.append("")
        lines.append("Other ratios (no target)")
        for name, ratio in report.informational:
            value = "not measured" if ratio is None else f"{ratio:.2f}x"
            lines.append(f"  {name}: {value}")
    return "\n".join(lines)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=(
            "Benchmark Chancery against its peers: BBS vs its cost floor and AnonCreds, the "
            "credential formats vs didkit and the sd-jwt reference, the ledger, and the HTTP "
            "throughput of the running service."
        ),
    )
    parser.add_argument(
        "--json", metavar="PATH", type=Path, help="also write every figure to this JSON file"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run with few repetitions (figures are not reliable)",
    )
    parser.add_argument(
        "--no-reference", action="store_true", help="skip the slow pure-Python py_ecc backend"
    )
    parser.add_argument(
        "--only",
        choices=("bbs", "zk", "formats", "ledger", "http"),
        help=(
            "run one part only: BBS vs AnonCreds, zero-knowledge presentations (predicate, "
            "non-revocation) vs AnonCreds, the credential formats vs their peers, the "
            "ledger (appends, proofs at 10^6 entries, state rebuild, anchoring), or HTTP "
            "throughput (chancery serve on loopback, SQLite and PostgreSQL)"
        ),
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    report = Report(
        plan=QUICK if args.quick else FULL,
        started=datetime.datetime.now(datetime.UTC),
        machine=_machine(),
        versions=_versions(),
    )
    figures: dict[str, Any] = {}
    if args.only in (None, "bbs"):
        _measure(report, secrets.token_bytes(32), with_reference=not args.no_reference)
        _evaluate(report)
        print(_render(report))
        figures["bbs"] = report.to_dict()
    if args.only in (None, "zk"):
        print("... timing zero-knowledge presentations against AnonCreds (predicate, revocation)")
        zk = zk_bench.run(zk_bench.PEER_QUICK if args.quick else zk_bench.PEER_FULL)
        print(zk_bench.render_comparison(zk))
        figures["zk"] = zk.to_dict()
    if args.only in (None, "formats"):
        print("... timing credential formats against didkit and the sd-jwt reference")
        formats = formats_bench.run(args.quick)
        print(formats_bench.render(formats))
        figures["formats"] = formats.to_dict()
    if args.only in (None, "ledger"):
        print("... timing the ledger: appends, proofs, state rebuild, anchoring")
        ledger = ledger_bench.run(args.quick)
        print(ledger_bench.render(ledger))
        figures["ledger"] = ledger.to_dict()
    if args.only in (None, "http"):
        print("... timing HTTP throughput: chancery serve on loopback, SQLite and PostgreSQL")
        http = http_bench.run(args.quick)
        print(http_bench.render(http))
        figures["http"] = http.to_dict()
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"\nJSON written to {args.json}")
    return 1 if report.bbs_error is not None else 0


if __name__ == "__main__":
    sys.exit(main())
