"""The peer on the zero-knowledge workload: AnonCreds with a predicate and non-revocation.

The statement proven: a holder presents one credential of eight attributes, reveals two of them,
proves ``age >= 18`` without revealing the age (the credential says 30), and proves that the
credential is not revoked in a revocation registry (CL accumulator with a tails file) within
the requested ``non_revoked`` interval.

Figures (every one comes with the number of samples its median is taken over):

* ``present`` and ``verify``: ``Presentation.create``, and the verifier's decision (the
  proven predicates compared with the request, then ``Presentation.verify``), on a registry of
  ``ZkParameters.max_cred_num`` credentials (10,000 by default, 100 of them revoked);
* ``presentation_bytes``: the presentation as compact JSON;
* ``registry_setup``: ``RevocationRegistryDefinition.create`` (which generates and writes the
  tails file) at ``large_max_cred_num`` credentials (100,000 by default), and the size of that
  tails file (``registry_bytes``);
* ``witness``: the holder's ``CredentialRevocationState.create`` in that large registry after
  ``large_revocations`` revocations (1,000 by default); it reads the tails file.

The parts are callable separately (:func:`measure_presentation`,
:func:`measure_revocation_at_scale`) because the large registry takes a minute or more to set
up. :class:`ZkReport` and
:func:`render` are the reporting structure: any implementation of the same workload fills a
ZkReport under the same metric names and :func:`render` prints the reports side by side.

Before anything is timed the presentation is checked honestly: the verifier must accept it, and
must reject a tampered presentation, a stricter predicate, another nonce, a revoked credential
and a stale witness (see :class:`CheckOutcome`). ``Presentation.verify`` alone does not compare
the proven predicates with the requested ones; whether it still accepts a stricter request is
measured on every run and reported as a note.

``python -m benchmarks.anoncreds_zk_peer [--quick] [--json PATH]`` prints the figures.
``anoncreds`` ships no type information; it is treated as untyped, as in ``anoncreds_peer``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ._timing import Stats, measure
from .anoncreds_peer import PeerUnavailable, load_anoncreds

__all__ = [
    "FULL",
    "QUICK",
    "SIZE_LABELS",
    "TIMING_LABELS",
    "AnonCredsIssuer",
    "AnonCredsRegistry",
    "CheckOutcome",
    "PeerUnavailable",
    "ZkParameters",
    "ZkPresentationWorkload",
    "ZkReport",
    "main",
    "measure_presentation",
    "measure_registry_setup",
    "measure_revocation_at_scale",
    "predicates_match_request",
    "render",
    "run",
]

ISSUER_ID = "did:example:issuer"
SCHEMA_ID = "did:example:issuer/schema/zk-bench/1.0"
CRED_DEF_ID = "did:example:issuer/creddef/zk-bench"
_LINK_SECRET_ID = "zk-bench-link-secret"  # noqa: S105 (a label, not a secret)

ATTRIBUTE_NAMES = (
    "given_name",
    "family_name",
    "age",
    "nationality",
    "document_number",
    "issuing_authority",
    "place_of_birth",
    "expiry_year",
)
REVEALED_ATTRIBUTES = ("given_name", "nationality")
PREDICATE_ATTRIBUTE = "age"
AGE = 30
AGE_THRESHOLD = 18

# Status lists are published at fixed offsets before the presentation request is made; the
# request's non_revoked interval runs from the first publication to the time of the request.
_ISSUED_AGO_S = 300
_REVOCATIONS_AGO_S = 200
_HOLDER_REVOKED_AGO_S = 100


# --- parameters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZkParameters:
    """Registry sizes and repetition counts.

    ``revocations`` credentials (never the holder's) are revoked in the registry the
    presentation is timed on; ``large_revocations`` in the large one the witness is timed on.
    """

    name: str
    max_cred_num: int
    revocations: int
    large_max_cred_num: int
    large_revocations: int
    repeat: int
    registry_repeat: int
    witness_repeat: int

    def __post_init__(self) -> None:
        for size, revoked in (
            (self.max_cred_num, self.revocations),
            (self.large_max_cred_num, self.large_revocations),
        ):
            if size < 3:
                raise ValueError("a registry needs room for at least 3 credentials")
            if not 0 <= revoked <= size - 3:
                raise ValueError(f"cannot revoke {revoked} credentials in a registry of {size}")
        if min(self.repeat, self.registry_repeat, self.witness_repeat) < 1:
            raise ValueError("repetition counts must be at least 1")

    def to_dict(self) -> dict[str, int | str]:
        return {
            "plan": self.name,
            "max_cred_num": self.max_cred_num,
            "revocations": self.revocations,
            "large_max_cred_num": self.large_max_cred_num,
            "large_revocations": self.large_revocations,
            "repeat": self.repeat,
            "registry_repeat": self.registry_repeat,
            "witness_repeat": self.witness_repeat,
        }


FULL = ZkParameters(
    "full",
    max_cred_num=10_000,
    revocations=100,
    large_max_cred_num=100_000,
    large_revocations=1_000,
    repeat=15,
    registry_repeat=1,
    witness_repeat=5,
)
QUICK = ZkParameters(
    "quick",
    max_cred_num=100,
    revocations=10,
    large_max_cred_num=1_000,
    large_revocations=10,
    repeat=3,
    registry_repeat=1,
    witness_repeat=3,
)


# --- reporting structure ------------------------------------------------------------------------

TIMING_LABELS: dict[str, str] = {
    "present": "presentation creation",
    "verify": "presentation verification",
    "registry_setup": "revocation registry set-up (large registry)",
    "witness": "holder witness creation (large registry, after revocations)",
}
SIZE_LABELS: dict[str, str] = {
    "presentation_bytes": "presentation (compact JSON)",
    "registry_bytes": "registry data the holder needs (AnonCreds: tails file)",
    "status_list_bytes": "revocation status the verifier needs (large registry, JSON)",
}


@dataclass(frozen=True)
class CheckOutcome:
    """One honesty check: was the presentation accepted, and was that the expected answer?"""

    name: str
    expected_accept: bool
    accepted: bool
    detail: str

    @property
    def honest(self) -> bool:
        return self.accepted == self.expected_accept

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "expected": "accept" if self.expected_accept else "reject",
            "accepted": self.accepted,
            "honest": self.honest,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class ZkReport:
    """One implementation's figures on the zero-knowledge workload.

    Timings and sizes are keyed by the metric names of TIMING_LABELS and SIZE_LABELS so that
    reports of different implementations line up in :func:`render`; further keys are allowed
    and are listed after the standard ones.
    """

    implementation: str
    version: str
    parameters: Mapping[str, int | str] = field(default_factory=dict)
    timings: Mapping[str, Stats] = field(default_factory=dict)
    sizes: Mapping[str, int] = field(default_factory=dict)
    checks: tuple[CheckOutcome, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def honest(self) -> bool:
        """True when every check came out as expected (vacuously true without checks)."""
        return all(check.honest for check in self.checks)

    def merged(self, other: ZkReport) -> ZkReport:
        """This report with the figures, checks and notes of ``other`` added."""
        return replace(
            self,
            parameters={**self.parameters, **other.parameters},
            timings={**self.timings, **other.timings},
            sizes={**self.sizes, **other.sizes},
            checks=self.checks + other.checks,
            notes=self.notes + other.notes,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "implementation": self.implementation,
            "version": self.version,
            "parameters": dict(self.parameters),
            "timings": {name: stats.to_dict() for name, stats in self.timings.items()},
            "sizes": dict(self.sizes),
            "checks": [check.to_dict() for check in self.checks],
            "honest": self.honest,
            "notes": list(self.notes),
        }


def _format_duration(stats: Stats) -> str:
    median = stats.median
    shown = f"{median * 1e3:.2f} ms" if median < 1.0 else f"{median:.2f} s"
    return f"{shown} (n={stats.n})"


def _format_bytes(size: int) -> str:
    if size >= 1 << 20:
        return f"{size:,} B ({size / (1 << 20):.1f} MiB)"
    return f"{size:,} B"


def _ordered_keys(
    standard: Mapping[str, str], present: Sequence[Mapping[str, object]]
) -> list[str]:
    keys = [key for key in standard if any(key in values for values in present)]
    for values in present:
        keys.extend(key for key in values if key not in keys)
    return keys


def render(reports: Sequence[ZkReport]) -> str:
    """The reports side by side: one row per metric, one column per implementation.

    Times are medians (n = number of samples). With more than one report, a ratio column per
    further report gives its median (or size) divided by that of the first report.
    """
    if not reports:
        return "(no reports)"
    headers = ["metric"] + [f"{r.implementation} {r.version}".strip() for r in reports]
    headers += [f"{r.implementation} / {reports[0].implementation}" for r in reports[1:]]
    rows: list[list[str]] = []

    def ratio(value: float | None, base: float | None) -> str:
        if value is None or base is None or base == 0:
            return "n/a"
        return f"{value / base:.2f}x"

    for key in _ordered_keys(TIMING_LABELS, [r.timings for r in reports]):
        medians = [r.timings[key].median if key in r.timings else None for r in reports]
        row = [TIMING_LABELS.get(key, key)]
        row += [_format_duration(r.timings[key]) if key in r.timings else "-" for r in reports]
        row += [ratio(value, medians[0]) for value in medians[1:]]
        rows.append(row)
    for key in _ordered_keys(SIZE_LABELS, [r.sizes for r in reports]):
        sizes = [r.sizes.get(key) for r in reports]
        row = [SIZE_LABELS.get(key, key)]
        row += [_format_bytes(size) if size is not None else "-" for size in sizes]
        row += [
            ratio(float(size) if size is not None else None, float(sizes[0] or 0) or None)
            for size in sizes[1:]
        ]
        rows.append(row)
    widths = [max(len(line[i]) for line in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * width for width in widths))
    lines += [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    ]
    for report in reports:
        if report.parameters:
            shown = ", ".join(f"{k}={v}" for k, v in report.parameters.items())
            lines.append(f"{report.implementation} parameters: {shown}")
        if report.checks:
            verdict = "all as expected" if report.honest else "NOT AS EXPECTED"
            lines.append(f"{report.implementation} honesty checks: {verdict}")
            for check in report.checks:
                expected = "accept" if check.expected_accept else "reject"
                got = "accepted" if check.accepted else "rejected"
                mark = "ok  " if check.honest else "FAIL"
                lines.append(f"  {mark} {check.name}: expected {expected}, {got} ({check.detail})")
        lines += [f"{report.implementation}: {note}" for note in report.notes]
    return "\n".join(lines)


# --- AnonCreds: issuer and registry -------------------------------------------------------------


def _compact_json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode("utf-8"))


@dataclass(frozen=True)
class AnonCredsIssuer:
    """Schema and credential definition with revocation support (one per run: it is slow)."""

    ac: Any
    schema: Any
    cred_def: Any
    cred_def_private: Any
    key_proof: Any
    setup_s: float

    @classmethod
    def create(cls) -> AnonCredsIssuer:
        """Raises PeerUnavailable if the library is missing."""
        ac: Any = load_anoncreds()
        schema = ac.Schema.create("zk-bench", "1.0", ISSUER_ID, list(ATTRIBUTE_NAMES))
        started = time.perf_counter()
        cred_def, cred_def_private, key_proof = ac.CredentialDefinition.create(
            SCHEMA_ID, schema, ISSUER_ID, "zk-bench", "CL", support_revocation=True
        )
        setup_s = time.perf_counter() - started
        return cls(ac, schema, cred_def, cred_def_private, key_proof, setup_s)

    @property
    def library_version(self) -> str:
        return str(self.ac.library_version())


@dataclass(frozen=True)
class AnonCredsRegistry:
    """A revocation registry definition, its private part and its tails file."""

    issuer: AnonCredsIssuer
    registry_id: str
    definition: Any
    definition_private: Any
    max_cred_num: int
    tails_path: str
    tails_bytes: int
    setup_s: float

    @classmethod
    def create(
        cls, issuer: AnonCredsIssuer, *, max_cred_num: int, tails_dir: str | os.PathLike[str]
    ) -> AnonCredsRegistry:
        """Create the registry definition; the tails file is written into ``tails_dir``.

        ``setup_s`` is the time of RevocationRegistryDefinition.create, tails file included.
        """
        ac = issuer.ac
        registry_id = f"{CRED_DEF_ID}/revreg/{max_cred_num}"
        Path(tails_dir).mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        definition, definition_private = ac.RevocationRegistryDefinition.create(
            CRED_DEF_ID,
            issuer.cred_def,
            ISSUER_ID,
            f"registry-{max_cred_num}",
            "CL_ACCUM",
            max_cred_num,
            tails_dir_path=os.fspath(tails_dir),
        )
        setup_s = time.perf_counter() - started
        tails_path = str(definition.tails_location)
        return cls(
            issuer,
            registry_id,
            definition,
            definition_private,
            max_cred_num,
            tails_path,
            os.path.getsize(tails_path),
            setup_s,
        )

    def initial_status_list(self, timestamp: int) -> Any:
        """Every credential counted as issued (issuance by default), none revoked."""
        return self.issuer.ac.RevocationStatusList.create(
            self.issuer.cred_def,
            self.registry_id,
            self.definition,
            self.definition_private,
            ISSUER_ID,
            True,
            timestamp,
        )

    def revoke(self, status_list: Any, indexes: Sequence[int], timestamp: int) -> Any:
        """A new status list, published at ``timestamp``, with ``indexes`` revoked."""
        return status_list.update(
            self.issuer.cred_def,
            self.definition,
            self.definition_private,
            None,
            list(indexes),
            timestamp,
        )

    def other_indexes(self, count: int, *, excluding: int) -> list[int]:
        """``count`` registry indexes spread over the registry, never ``excluding``."""
        # Indexes 1 .. max_cred_num - 1 are valid for credentials and status lists alike.
        candidates = [i for i in range(1, self.max_cred_num) if i != excluding]
        if count > len(candidates):
            raise ValueError(f"cannot pick {count} indexes in a registry of {self.max_cred_num}")
        if count == 0:
            return []
        step = len(candidates) // count
        return candidates[::step][:count]


def measure_registry_setup(
    issuer: AnonCredsIssuer,
    *,
    max_cred_num: int,
    tails_dir: str | os.PathLike[str],
    repeat: int = 1,
) -> tuple[Stats, AnonCredsRegistry]:
    """Create the registry ``repeat`` times; the last one is kept, earlier tails files deleted.

    Each sample is RevocationRegistryDefinition.create, tails file generation and write included.
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    samples: list[float] = []
    registry: AnonCredsRegistry | None = None
    for attempt in range(repeat):
        directory = Path(tails_dir) / f"registry-{max_cred_num}-{attempt}"
        directory.mkdir(parents=True, exist_ok=True)
        if registry is not None:
            shutil.rmtree(Path(registry.tails_path).parent, ignore_errors=True)
        registry = AnonCredsRegistry.create(issuer, max_cred_num=max_cred_num, tails_dir=directory)
        samples.append(registry.setup_s)
    assert registry is not None
    return Stats(tuple(samples)), registry


# --- AnonCreds: the presentation ----------------------------------------------------------------


_PROOF_PREDICATE_TYPES = {">=": "GE", ">": "GT", "<=": "LE", "<": "LT"}


def _canonical_attribute(name: str) -> str:
    return name.replace(" ", "").lower()


def predicates_match_request(presentation: Mapping[str, Any], request: Mapping[str, Any]) -> bool:
    """Every requested predicate is proven in the presentation with its type and value.

    The verifier-side comparison that AnonCreds leaves to its caller: the proofs name the
    predicate they prove, and the library checks them against that, not against the request.
    """
    try:
        proofs = presentation["proof"]["proofs"]
        referents = presentation["requested_proof"]["predicates"]
        for referent, wanted in request.get("requested_predicates", {}).items():
            target = (
                _canonical_attribute(wanted["name"]),
                _PROOF_PREDICATE_TYPES[wanted["p_type"]],
                int(wanted["p_value"]),
            )
            ge_proofs = proofs[referents[referent]["sub_proof_index"]]["primary_proof"]["ge_proofs"]
            proven = {
                (
                    _canonical_attribute(ge_proof["predicate"]["attr_name"]),
                    ge_proof["predicate"]["p_type"],
                    int(ge_proof["predicate"]["value"]),
                )
                for ge_proof in ge_proofs
            }
            if target not in proven:
                return False
    except (KeyError, IndexError, TypeError, ValueError):
        return False
    return True


def _flip_low_bit(hex_scalar: str) -> str:
    return format(int(hex_scalar, 16) ^ 1, f"0{len(hex_scalar)}X")


@dataclass(frozen=True)
class ZkPresentationWorkload:
    """A holder with a revocable credential, its witness and a checked presentation.

    ``operations()`` gives the timed closures; ``checks`` the honesty checks already run.
    """

    registry: AnonCredsRegistry
    holder_index: int
    revoked_indexes: tuple[int, ...]
    credential: Any
    link_secret: str
    status_list: Any
    status_list_timestamp: int
    witness: Any
    presentation_request_json: dict[str, Any]
    presentation: Any
    checks: tuple[CheckOutcome, ...]

    @classmethod
    def prepare(
        cls,
        registry: AnonCredsRegistry,
        *,
        revocations: int,
        now: int | None = None,
        run_checks: bool = True,
    ) -> ZkPresentationWorkload:
        """Issue a credential into ``registry``, revoke ``revocations`` others, present, check.

        Raises RuntimeError if a check does not come out as expected.
        """
        issuer = registry.issuer
        ac = issuer.ac
        if now is None:
            now = int(time.time())
        holder_index = registry.max_cred_num // 2
        revoked = registry.other_indexes(revocations, excluding=holder_index)

        issued_at = now - _ISSUED_AGO_S
        status_list = registry.initial_status_list(issued_at)
        link_secret = ac.create_link_secret()
        offer = ac.CredentialOffer.create(SCHEMA_ID, CRED_DEF_ID, issuer.key_proof)
        request, request_metadata = ac.CredentialRequest.create(
            "zk-bench-entropy", None, issuer.cred_def, link_secret, _LINK_SECRET_ID, offer
        )
        values = {name: f"{name} of the holder" for name in ATTRIBUTE_NAMES}
        values[PREDICATE_ATTRIBUTE] = str(AGE)
        revocation_config = ac.CredentialRevocationConfig(
            registry.definition, registry.definition_private, status_list, holder_index
        )
        credential = ac.Credential.create(
            issuer.cred_def,
            issuer.cred_def_private,
            offer,
            request,
            values,
            None,
            revocation_config,
        ).process(request_metadata, link_secret, issuer.cred_def, registry.definition)
        if credential.rev_reg_index != holder_index:
            raise RuntimeError("AnonCreds issued the credential at another registry index")

        if revoked:
            status_list = registry.revoke(status_list, revoked, now - _REVOCATIONS_AGO_S)
        timestamp = int(status_list.to_dict()["timestamp"])
        witness = ac.CredentialRevocationState.create(
            registry.definition, status_list, holder_index, registry.tails_path
        )
        request_json = cls._request_json(ac, now, from_ts=issued_at)
        workload = cls(
            registry=registry,
            holder_index=holder_index,
            revoked_indexes=tuple(revoked),
            credential=credential,
            link_secret=link_secret,
            status_list=status_list,
            status_list_timestamp=timestamp,
            witness=witness,
            presentation_request_json=request_json,
            presentation=None,
            checks=(),
        )
        presentation = workload.create_presentation()
        workload = replace(workload, presentation=presentation)
        workload.check_revealed(presentation)
        if run_checks:
            checks = workload.run_checks(now)
            workload = replace(workload, checks=checks)
            failed = [check for check in checks if not check.honest]
            if failed:
                raise RuntimeError(
                    "AnonCreds honesty checks failed: "
                    + "; ".join(f"{c.name} ({c.detail})" for c in failed)
                )
        return workload

    @staticmethod
    def _request_json(
        ac: Any, now: int, *, from_ts: int, threshold: int = AGE_THRESHOLD, nonce: str | None = None
    ) -> dict[str, Any]:
        restriction = [{"cred_def_id": CRED_DEF_ID}]
        return {
            "name": "zk-bench",
            "version": "1.0",
            "nonce": nonce if nonce is not None else ac.generate_nonce(),
            "requested_attributes": {
                f"revealed_{i}": {"name": name, "restrictions": restriction}
                for i, name in enumerate(REVEALED_ATTRIBUTES)
            },
            "requested_predicates": {
                "age_over": {
                    "name": PREDICATE_ATTRIBUTE,
                    "p_type": ">=",
                    "p_value": threshold,
                    "restrictions": restriction,
                }
            },
            "non_revoked": {"from": from_ts, "to": now},
        }

    # -- holder and verifier, as used by the timed closures

    @property
    def _ac(self) -> Any:
        return self.registry.issuer.ac

    @property
    def presentation_request(self) -> Any:
        return self._ac.PresentationRequest.load(self.presentation_request_json)

    def create_presentation(
        self,
        *,
        request: Any | None = None,
        witness: Any | None = None,
        timestamp: int | None = None,
    ) -> Any:
        """Presentation.create, by default for the workload's request, witness and status list."""
        ac = self._ac
        issuer = self.registry.issuer
        to_present = ac.PresentCredentials()
        ts = self.status_list_timestamp if timestamp is None else timestamp
        state = self.witness if witness is None else witness
        to_present.add_attributes(
            self.credential,
            *[f"revealed_{i}" for i in range(len(REVEALED_ATTRIBUTES))],
            reveal=True,
            timestamp=ts,
            rev_state=state,
        )
        to_present.add_predicates(self.credential, "age_over", timestamp=ts, rev_state=state)
        return ac.Presentation.create(
            self.presentation_request if request is None else request,
            to_present,
            {},
            self.link_secret,
            {SCHEMA_ID: issuer.schema},
            {CRED_DEF_ID: issuer.cred_def},
        )

    def library_verify(
        self, presentation: Any, request: Any, status_list: Any | None = None
    ) -> bool:
        """Presentation.verify's own answer (library errors propagate)."""
        issuer = self.registry.issuer
        result = presentation.verify(
            request,
            {SCHEMA_ID: issuer.schema},
            {CRED_DEF_ID: issuer.cred_def},
            {self.registry.registry_id: self.registry.definition},
            [self.status_list if status_list is None else status_list],
        )
        return result is True

    def verdict(
        self,
        presentation: Any,
        *,
        request_json: Mapping[str, Any] | None = None,
        status_list: Any | None = None,
    ) -> tuple[bool, str]:
        """The verifier's decision and what made it (library errors propagate).

        Accepted when the proven predicates match the request and Presentation.verify returns
        True. The library alone does not compare the predicates proven with those requested
        (see library_findings); a verifier has to, as ACA-Py does before calling it.
        """
        wanted = self.presentation_request_json if request_json is None else request_json
        if not predicates_match_request(presentation.to_dict(), wanted):
            return False, "the proven predicates differ from the requested ones"
        request = self._ac.PresentationRequest.load(dict(wanted))
        accepted = self.library_verify(presentation, request, status_list)
        return accepted, f"Presentation.verify returned {accepted}"

    def verify(
        self,
        presentation: Any,
        *,
        request_json: Mapping[str, Any] | None = None,
        status_list: Any | None = None,
    ) -> bool:
        """The verifier's decision alone (see verdict)."""
        return self.verdict(presentation, request_json=request_json, status_list=status_list)[0]

    def check_revealed(self, presentation: Any) -> None:
        """The presentation reveals exactly the requested values and proves the predicate."""
        requested = presentation.to_dict()["requested_proof"]
        revealed = {ref: entry["raw"] for ref, entry in requested["revealed_attrs"].items()}
        expected = {
            f"revealed_{i}": f"{name} of the holder" for i, name in enumerate(REVEALED_ATTRIBUTES)
        }
        if revealed != expected or set(requested["predicates"]) != {"age_over"}:
            raise RuntimeError("AnonCreds presentation does not match the request")
        proofs = presentation.to_dict()["proof"]["proofs"]
        disclosed = set(proofs[0]["primary_proof"]["eq_proof"]["revealed_attrs"])
        if len(proofs) != 1 or disclosed != set(REVEALED_ATTRIBUTES):
            raise RuntimeError("AnonCreds presentation discloses other attributes than requested")
        if proofs[0].get("non_revoc_proof") is None:
            raise RuntimeError("AnonCreds presentation carries no non-revocation proof")

    def operations(self) -> dict[str, Callable[[], object]]:
        """``present``, ``verify`` and ``witness`` (CredentialRevocationState.create).

        ``verify`` is the verifier's whole decision: the predicate comparison (microseconds)
        and Presentation.verify.
        """
        ac = self._ac
        registry = self.registry
        presentation, status_list, holder_index = (
            self.presentation,
            self.status_list,
            self.holder_index,
        )

        def present() -> Any:
            return self.create_presentation()

        # The verifier holds the presentation as received (parsed JSON) and the request it sent.
        presentation_dict = presentation.to_dict()
        request_json = self.presentation_request_json
        request = self.presentation_request

        def verify() -> None:
            if not predicates_match_request(presentation_dict, request_json):
                raise RuntimeError("the proven predicates differ from the requested ones")
            if not self.library_verify(presentation, request):
                raise RuntimeError("AnonCreds rejected its own presentation")

        def witness() -> Any:
            return ac.CredentialRevocationState.create(
                registry.definition, status_list, holder_index, registry.tails_path
            )

        return {"present": present, "verify": verify, "witness": witness}

    def sizes(self) -> dict[str, int]:
        return {
            "presentation_bytes": _compact_json_size(self.presentation.to_dict()),
            "witness_json_bytes": _compact_json_size(self.witness.to_dict()),
            "status_list_json_bytes": _compact_json_size(self.status_list.to_dict()),
        }

    # -- honesty checks

    def stricter_request_json(self) -> dict[str, Any]:
        """The workload's request (same nonce) asking for age >= 31, which the holder fails."""
        stricter = json.loads(json.dumps(self.presentation_request_json))
        stricter["requested_predicates"]["age_over"]["p_value"] = AGE + 1
        return stricter  # type: ignore[no-any-return]

    def library_findings(self) -> tuple[str, ...]:
        """What Presentation.verify alone says about a request the proof does not answer."""
        stricter = self._ac.PresentationRequest.load(self.stricter_request_json())
        try:
            accepted = self.library_verify(self.presentation, stricter)
        except self._ac.AnoncredsError:
            accepted = False
        if not accepted:
            return ()
        return (
            f"Presentation.verify alone accepted a proof of {PREDICATE_ATTRIBUTE} >= "
            f"{AGE_THRESHOLD} for a request asking {PREDICATE_ATTRIBUTE} >= {AGE + 1} (same "
            "nonce); the verifier measured here also compares the proven predicates with the "
            "request, as ACA-Py does before calling the library",
        )

    def run_checks(self, now: int) -> tuple[CheckOutcome, ...]:
        """Run every check; each returns whether the library accepted, and how it said so."""
        ac = self._ac
        error_type: type[Exception] = ac.AnoncredsError
        request = self.presentation_request

        def attempt(
            name: str, expected: bool, action: Callable[[], tuple[bool, str]]
        ) -> CheckOutcome:
            try:
                accepted, detail = action()
            except error_type as exc:
                return CheckOutcome(name, expected, False, f"library error: {exc}")
            return CheckOutcome(name, expected, accepted, detail)

        outcomes = [
            attempt("valid presentation", True, lambda: self.verdict(self.presentation)),
        ]

        # A revealed value replaced (raw and encoded, consistently) by another one.
        tampered_value = self.presentation.to_dict()
        forged_raw = "someone else"
        forged_encoded = ac.encode_credential_attributes({"v": forged_raw})["v"]
        revealed_entry = tampered_value["requested_proof"]["revealed_attrs"]["revealed_0"]
        revealed_entry["raw"] = forged_raw
        revealed_entry["encoded"] = forged_encoded
        eq_proof = tampered_value["proof"]["proofs"][0]["primary_proof"]["eq_proof"]
        eq_proof["revealed_attrs"][REVEALED_ATTRIBUTES[0]] = forged_encoded
        outcomes.append(
            attempt(
                "tampered revealed value",
                False,
                lambda: self.verdict(ac.Presentation.load(tampered_value)),
            )
        )

        # One response of the non-revocation proof changed.
        tampered_nr = self.presentation.to_dict()
        x_list = tampered_nr["proof"]["proofs"][0]["non_revoc_proof"]["x_list"]
        x_list["s"] = _flip_low_bit(x_list["s"])
        outcomes.append(
            attempt(
                "tampered non-revocation proof",
                False,
                lambda: self.verdict(ac.Presentation.load(tampered_nr)),
            )
        )

        # The same proof against a request whose predicate it does not satisfy, or another nonce.
        stricter = self.stricter_request_json()
        outcomes.append(
            attempt(
                "stricter predicate (age >= 31) with the same proof",
                False,
                lambda: self.verdict(self.presentation, request_json=stricter),
            )
        )
        other_nonce = {**self.presentation_request_json, "nonce": ac.generate_nonce()}
        outcomes.append(
            attempt(
                "replay under another nonce",
                False,
                lambda: self.verdict(self.presentation, request_json=other_nonce),
            )
        )

        # The holder's credential revoked: a witness computed from the new status list, and the
        # old (pre-revocation) witness presented against it; the verifier uses the new list.
        revoked_at = now - _HOLDER_REVOKED_AGO_S
        revoked_list = self.registry.revoke(self.status_list, [self.holder_index], revoked_at)

        def present_revoked(fresh_witness: bool) -> tuple[bool, str]:
            witness = (
                ac.CredentialRevocationState.create(
                    self.registry.definition,
                    revoked_list,
                    self.holder_index,
                    self.registry.tails_path,
                )
                if fresh_witness
                else self.witness
            )
            presentation = self.create_presentation(
                request=request, witness=witness, timestamp=revoked_at
            )
            return self.verdict(presentation, status_list=revoked_list)

        outcomes.append(
            attempt(
                "revoked credential, witness from the new list",
                False,
                lambda: present_revoked(True),
            )
        )
        outcomes.append(
            attempt("revoked credential, stale witness", False, lambda: present_revoked(False))
        )
        return tuple(outcomes)


# --- measurements -------------------------------------------------------------------------------


def _new_report(issuer: AnonCredsIssuer) -> ZkReport:
    return ZkReport(implementation="AnonCreds", version=issuer.library_version)


def measure_presentation(
    issuer: AnonCredsIssuer, params: ZkParameters, tails_dir: str | os.PathLike[str]
) -> ZkReport:
    """Presentation creation and verification (median of ``params.repeat``) and its size."""
    registry = AnonCredsRegistry.create(
        issuer, max_cred_num=params.max_cred_num, tails_dir=Path(tails_dir) / "presentation"
    )
    workload = ZkPresentationWorkload.prepare(registry, revocations=params.revocations)
    operations = workload.operations()
    sizes = workload.sizes()
    return replace(
        _new_report(issuer),
        parameters={
            "max_cred_num": params.max_cred_num,
            "revocations": params.revocations,
            "repeat": params.repeat,
        },
        timings={
            "present": measure(operations["present"], repeat=params.repeat, warmup=1),
            "verify": measure(operations["verify"], repeat=params.repeat, warmup=1),
        },
        sizes={"presentation_bytes": sizes["presentation_bytes"]},
        checks=workload.checks,
        notes=workload.library_findings()
        + (
            f"presentation on a registry of {params.max_cred_num:,} with "
            f"{params.revocations:,} revoked; 2 attributes revealed of {len(ATTRIBUTE_NAMES)}, "
            f"{PREDICATE_ATTRIBUTE} >= {AGE_THRESHOLD}, non_revoked interval",
        ),
    )


def measure_revocation_at_scale(
    issuer: AnonCredsIssuer, params: ZkParameters, tails_dir: str | os.PathLike[str]
) -> ZkReport:
    """The large registry: its set-up and tails size, then the holder's witness creation."""
    setup, registry = measure_registry_setup(
        issuer,
        max_cred_num=params.large_max_cred_num,
        tails_dir=Path(tails_dir) / "large",
        repeat=params.registry_repeat,
    )
    # The presentation at this size is checked too, so the witness timed is a working one.
    workload = ZkPresentationWorkload.prepare(
        registry, revocations=params.large_revocations, run_checks=False
    )
    if not workload.verify(workload.presentation):
        raise RuntimeError("AnonCreds rejected its own presentation on the large registry")
    witness = measure(workload.operations()["witness"], repeat=params.witness_repeat, warmup=0)
    sizes = workload.sizes()
    return replace(
        _new_report(issuer),
        parameters={
            "large_max_cred_num": params.large_max_cred_num,
            "large_revocations": params.large_revocations,
            "registry_repeat": params.registry_repeat,
            "witness_repeat": params.witness_repeat,
        },
        timings={"registry_setup": setup, "witness": witness},
        sizes={
            "registry_bytes": registry.tails_bytes,
            "status_list_bytes": sizes["status_list_json_bytes"],
        },
        notes=(
            f"large registry: {params.large_max_cred_num:,} credentials, set-up = "
            "RevocationRegistryDefinition.create with its tails file; witness = "
            f"CredentialRevocationState.create after {params.large_revocations:,} revocations",
        ),
    )


def run(
    params: ZkParameters = FULL,
    *,
    tails_dir: str | os.PathLike[str] | None = None,
    presentation: bool = True,
    at_scale: bool = True,
) -> ZkReport:
    """Both parts (or either); tails files go to ``tails_dir`` or a temporary directory."""
    issuer = AnonCredsIssuer.create()
    report = replace(_new_report(issuer), parameters={"plan": params.name})
    with tempfile.TemporaryDirectory(prefix="anoncreds-tails-") as temporary:
        directory = Path(temporary if tails_dir is None else tails_dir)
        if presentation:
            report = report.merged(measure_presentation(issuer, params, directory))
        if at_scale:
            report = report.merged(measure_revocation_at_scale(issuer, params, directory))
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.anoncreds_zk_peer",
        description="AnonCreds on the zero-knowledge workload (predicate + non-revocation).",
    )
    parser.add_argument("--quick", action="store_true", help="small registries, few repetitions")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--only", choices=("presentation", "scale"), help="run one part only (default: both)"
    )
    args = parser.parse_args(argv)
    params = QUICK if args.quick else FULL
    try:
        report = run(
            params,
            presentation=args.only in (None, "presentation"),
            at_scale=args.only in (None, "scale"),
        )
    except PeerUnavailable as exc:
        print(f"AnonCreds cannot be measured: {exc}", file=sys.stderr)
        return 2
    counts = []
    if args.only in (None, "presentation"):
        counts.append(f"presentation creation and verification over {params.repeat} runs each")
    if args.only in (None, "scale"):
        counts.append(
            f"registry set-up over {params.registry_repeat}, witness over {params.witness_repeat}"
        )
    print(
        f"AnonCreds zero-knowledge workload ({params.name}): times are medians of n runs; "
        + "; ".join(counts)
        + "."
    )
    print(render([report]))
    if args.json is not None:
        args.json.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    return 0 if report.honest else 1


if __name__ == "__main__":
    sys.exit(main())
