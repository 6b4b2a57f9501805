"""The ledger (``python -m benchmarks --only ledger``): appends, proofs, rebuild and anchoring.

Everything runs on SQLite, in a file of a temporary directory, configured as the store always
configures it (WAL journal, ``synchronous=FULL``: a commit has reached the disk when it returns).

1. **Appends with signature checks.** A fresh ledger (:meth:`Ledger.init`), an agency created and
   accredited by the root authority, then N signed ``credential-anchor`` entries of one salted
   hash each. Signing (:meth:`Ledger.make_entries`, client side) and appending
   (:meth:`Ledger.append` in batches: the registry state checks every rule and every signature,
   the store hashes and writes, the batch commits durably) are timed separately.
2. **Proofs and checkpoints at 10^6 entries.** A tree of 10^6 entries (the genesis entry, then
   :func:`build_synthetic` filler entries: tree operations read hashes only, never entry
   contents). The built database is cached under ``~/.cache/chancery-bench`` (keyed by the
   Chancery version, the SQL schema and the filler entries; checked when opened, rebuilt if
   stale) and copied into the temporary directory for each run. Timed over random indexes and sizes: the store's inclusion and
   consistency proofs, the facade's JSON-ready :meth:`Ledger.inclusion` and
   :meth:`Ledger.consistency`, and :meth:`Ledger.checkpoint` (lock, root, sign, save, durable
   commit; one untimed entry is appended before each, so every checkpoint is a new tree size).
3. **State rebuild.** The signed entries of part 1 replayed from the log into a fresh registry
   state (:meth:`Ledger.state_at`: read, decode, check every rule and signature, fold).
4. **Anchoring.** The two checkpoints of part 1 anchored in ``AnchorRegistry`` (the first
   anchor, then one with an on-chain consistency proof) on the in-process EVM of eth-tester and,
   when ``node_modules`` holds it, on an Anvil node started here; then Anvil's rate for
   ``anchor`` transactions, from a pre-signed burst sent as one JSON-RPC batch and, end to end,
   through :class:`AnchorClient` one call at a time.

Targets (a report, never an exit status): appends >= 5,000 entries/s; inclusion proof,
consistency proof and checkpoint <= 5 ms each (medians) at 10^6 entries.
"""

from __future__ import annotations

import gc
import hashlib
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ._timing import Stats, measure_round_robin

if TYPE_CHECKING:
    from web3 import Web3

    from vc_service._keys import Key
    from vc_service.ledger._ledger import Ledger

__all__ = ["FULL", "QUICK", "LedgerPlan", "LedgerReport", "render", "run"]

ORIGIN = "bench.chancery.example/ledger"
SYNTHETIC_ORIGIN = "bench.chancery.example/synthetic"
REPOSITORY = Path(__file__).resolve().parent.parent
ANVIL = REPOSITORY / "node_modules" / ".bin" / "anvil"
#: Bump when the cached tree changes in a way its key (version, schema, filler) cannot see.
CACHE_FORMAT = 1
#: Entries per transaction when building the synthetic tree.
BUILD_BATCH = 10_000
#: Fixed seed: every run times the same "random" indexes and sizes.
SEED = 20_261_123
WARMUP = 3
APPEND_TARGET = 5_000.0  # entries per second
PROOF_TARGET_MS = 5.0


@dataclass(frozen=True)
class LedgerPlan:
    """The sizes of one run.

    ``entries`` signed entries appended in batches of ``batch``; a synthetic tree of
    ``tree_size`` entries; ``calls`` timed calls per operation on it; ``burst`` pre-signed anchor
    transactions and ``client_anchors`` anchors through :class:`AnchorClient` on Anvil.
    """

    name: str
    entries: int
    batch: int
    tree_size: int
    calls: int
    burst: int
    client_anchors: int


FULL = LedgerPlan("full", 20_000, 1_000, 1_000_000, calls=200, burst=500, client_anchors=50)
QUICK = LedgerPlan("quick", 2_000, 1_000, 100_000, calls=50, burst=100, client_anchors=10)


@dataclass(frozen=True)
class Goal:
    """One target; ``value`` is ``None`` when it was not measured."""

    name: str
    value: float | None
    bound: float
    direction: Literal["<=", ">="]
    unit: str

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
            "unit": self.unit,
            "target": f"{self.direction} {self.bound:g}",
            "status": self.status,
        }


@dataclass
class LedgerReport:
    """Every figure of the ledger part.

    ``rates`` are per second (entries or transactions), ``stats`` per call, ``gas`` per
    transaction; ``facts`` describe the run (sizes, durations of setup steps, versions);
    ``problems`` are failed sanity checks, which make the figures suspect.
    """

    plan: LedgerPlan
    rates: dict[str, float] = field(default_factory=dict)
    stats: dict[str, Stats] = field(default_factory=dict)
    gas: dict[str, int] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    targets: list[Goal] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": {
                "name": self.plan.name,
                "entries": self.plan.entries,
                "batch": self.plan.batch,
                "tree_size": self.plan.tree_size,
                "calls": self.plan.calls,
                "anvil_burst": self.plan.burst,
                "anvil_client_anchors": self.plan.client_anchors,
            },
            "rates_per_s": self.rates,
            "stats": {name: s.to_dict() for name, s in self.stats.items()},
            "gas": self.gas,
            "facts": self.facts,
            "notes": self.notes,
            "problems": self.problems,
            "targets": [goal.to_dict() for goal in self.targets],
        }


def _progress(message: str) -> None:
    print(f"... ledger: {message}", file=sys.stderr, flush=True)


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


# --- 1 and 3: appends and the state rebuild --------------------------------------------------------


@dataclass
class _AppendedLog:
    """The ledger of part 1 and the (size, root) of its two checkpoints."""

    ledger: Ledger
    heads: list[tuple[int, bytes]]


def _appends(plan: LedgerPlan, workdir: Path, report: LedgerReport) -> _AppendedLog:
    from vc_service._keys import Key
    from vc_service.ledger._ledger import Ledger

    now = datetime.now(UTC).replace(microsecond=0)
    root = Key.generate("ed25519")
    ledger = Ledger.init(
        f"sqlite:///{workdir / 'appends.db'}",
        ORIGIN,
        root,
        secret=secrets.token_bytes(32),
        time=now,
    )
    try:
        return _AppendedLog(ledger, _append_signed(ledger, root, now, plan, report))
    except BaseException:
        ledger.close()
        raise


def _append_signed(
    ledger: Ledger, root: Key, now: datetime, plan: LedgerPlan, report: LedgerReport
) -> list[tuple[int, bytes]]:
    """Part 1 on a new ledger whose root authority is ``root``; the two checkpoints' heads."""
    from vc_service._keys import Key
    from vc_service.ledger._checkpoint import verify_checkpoint
    from vc_service.ledger._entries import Entry, format_time

    agency = Key.generate("ed25519")
    created = ledger.make_entries(agency, "did", [{}], time=now)
    ledger.append(created)
    grant = {
        "agency": created[0].payload["did"],
        "types": ["bench-credential"],
        "valid_from": format_time(now - timedelta(days=1)),
        "valid_until": format_time(now + timedelta(days=365)),
    }
    ledger.append(ledger.make_entries(root, "accreditation", [grant], time=now))

    salt = secrets.token_bytes(16)
    payloads = [
        {"hashes": [hashlib.sha256(salt + i.to_bytes(8, "big")).hexdigest()]}
        for i in range(plan.entries)
    ]
    _progress(f"signing {plan.entries:,} credential-anchor entries")
    batches: list[list[Entry]] = []
    signing: list[float] = []
    for start in range(0, plan.entries, plan.batch):
        began = time.perf_counter()
        batches.append(
            ledger.make_entries(
                agency, "credential-anchor", payloads[start : start + plan.batch], time=now
            )
        )
        signing.append(time.perf_counter() - began)
    report.facts["entry_bytes"] = len(batches[0][0].raw)

    _progress(f"appending them in batches of {plan.batch:,}")
    mid = max(1, len(batches) // 2)
    appending: list[float] = []
    notes: list[bytes] = []
    checkpointing: list[float] = []
    appended = 0
    for number, batch in enumerate(batches, start=1):
        began = time.perf_counter()
        receipts = ledger.append(batch)
        appending.append(time.perf_counter() - began)
        appended += len(receipts)
        if number in (mid, len(batches)):
            # Not part of the append figures: the checkpoints anchored in part 4.
            began = time.perf_counter()
            notes.append(ledger.checkpoint())
            checkpointing.append(time.perf_counter() - began)
    size = ledger.store.size()
    if appended != plan.entries or size != plan.entries + 3:
        report.problems.append(
            f"appends: {appended} receipts and a log of {size} entries for {plan.entries} entries"
        )
    heads = []
    for note in notes:
        checkpoint = verify_checkpoint(note, log_verifier=ledger.verifier_key())
        heads.append((checkpoint.size, checkpoint.root))
    report.stats["sign_batch"] = Stats(tuple(signing))
    report.stats["append_batch"] = Stats(tuple(appending))
    report.stats["checkpoint_part1"] = Stats(tuple(checkpointing))
    report.rates["sign"] = _rate(plan.entries, sum(signing))
    report.rates["append"] = _rate(plan.entries, sum(appending))
    report.facts["log_size"] = size
    report.targets.append(
        Goal(
            f"append with signature checks, batches of {plan.batch:,}",
            report.rates["append"],
            APPEND_TARGET,
            ">=",
            "entries/s",
        )
    )
    return heads


def _rebuild(log: _AppendedLog, report: LedgerReport) -> None:
    ledger = log.ledger
    size = ledger.store.size()
    _progress(f"replaying {size:,} entries into a fresh registry state")
    began = time.perf_counter()
    state = ledger.state_at(size)
    elapsed = time.perf_counter() - began
    report.rates["rebuild"] = _rate(size, elapsed)
    report.facts["rebuild_s"] = elapsed
    if state.state_hash() != ledger.state().state_hash():
        report.problems.append("state rebuild: the replayed state hash differs from the live one")


# --- 2: the synthetic tree --------------------------------------------------------------------------


class _StaleTree(Exception):
    """The cached tree is not what its name promises."""


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "chancery-bench"


def _cache_key(size: int) -> str:
    """What the cached file's format depends on: versions, the SQL schema, the filler entries.

    Code changes that keep the format reuse the cache; :func:`_open_checked` catches the rest.
    """
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateTable

    from vc_service.ledger._store import metadata as schema
    from vc_service.ledger._store import synthetic_entry

    digest = hashlib.sha256(f"{CACHE_FORMAT}|{size}|{metadata.version('chancery')}".encode())
    for table in schema.sorted_tables:
        digest.update(str(CreateTable(table).compile(dialect=sqlite.dialect())).encode())
    digest.update(synthetic_entry(1))
    return digest.hexdigest()[:16]


def _build_tree(directory: Path, size: int) -> None:
    """Write ``ledger.db`` (genesis, then synthetic entries up to ``size``) and ``secret``."""
    from vc_service._keys import Key
    from vc_service.ledger._ledger import Ledger
    from vc_service.ledger._store import build_synthetic

    secret = secrets.token_bytes(32)
    ledger = Ledger.init(
        f"sqlite:///{directory / 'ledger.db'}",
        SYNTHETIC_ORIGIN,
        Key.generate("ed25519"),
        secret=secret,
    )
    try:
        build_synthetic(ledger.store, size - 1, batch=BUILD_BATCH)
    finally:
        ledger.close()
    (directory / "secret").write_bytes(secret)


def _cached_tree(size: int, report: LedgerReport) -> Path | None:
    """The cache directory holding a built tree of ``size`` entries, building it if needed.

    ``None`` when the cache cannot be written (the caller then builds in the temporary
    directory). A build goes to a scratch directory renamed into place when complete, so an
    interrupted run never leaves a half-built tree under the final name.
    """
    cache = _cache_dir()
    final = cache / f"ledger-tree-{size}-{_cache_key(size)}"
    if (final / "secret").exists():
        return final
    try:
        cache.mkdir(parents=True, exist_ok=True)
        # Earlier keys of this size are stale (the code changed): ~400 MB each at 10^6.
        for old in cache.glob(f"ledger-tree-{size}-*"):
            shutil.rmtree(old, ignore_errors=True)
        for scratch in cache.glob(".build-*"):
            if time.time() - scratch.stat().st_mtime > 3600:  # left by a killed run
                shutil.rmtree(scratch, ignore_errors=True)
        scratch = Path(tempfile.mkdtemp(prefix=".build-", dir=cache))
    except OSError as exc:
        report.notes.append(f"cache {cache} not writable ({exc}); tree built in the run")
        return None
    _progress(f"building the {size:,}-entry tree once (cached in {cache})")
    began = time.perf_counter()
    try:
        _build_tree(scratch, size)
        os.replace(scratch, final)
    except OSError:
        if not (final / "secret").exists():
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report.facts["tree_build_s"] = time.perf_counter() - began
    return final


def _open_checked(database: Path, secret: bytes, size: int) -> Ledger:
    """Open the tree's ledger; raise :class:`_StaleTree` unless it is what the cache promises.

    Checks: ``size`` entries; a few random entries are the synthetic ones and their inclusion
    proofs verify against the root; the log key opens and signs a checkpoint of the tree (so the
    facade's timings below run with a signed checkpoint, as after ``ledger checkpoint``).
    """
    from vc_service._errors import Error
    from vc_service.ledger._checkpoint import verify_checkpoint
    from vc_service.ledger._ledger import Ledger
    from vc_service.ledger._merkle import leaf_hash, verify_inclusion
    from vc_service.ledger._store import synthetic_entry

    try:
        ledger = Ledger.open(f"sqlite:///{database}", secret=secret)
    except Error as exc:
        raise _StaleTree(str(exc)) from exc
    store = ledger.store
    try:
        if store.size() != size:
            raise _StaleTree(f"{store.size()} entries, not {size}")
        root = store.root(size)
        for index in random.Random(SEED + 1).sample(range(1, size), 3):
            entry = synthetic_entry(index)
            if store.entry(index) != entry:
                raise _StaleTree(f"entry {index} is not the synthetic entry")
            proof = store.inclusion_proof(index, size)
            verify_inclusion(leaf_hash(entry), index, size, proof, root)
        sealed = verify_checkpoint(ledger.checkpoint(), log_verifier=ledger.verifier_key())
        if (sealed.size, sealed.root) != (size, root):
            raise _StaleTree("the checkpoint does not match the tree")
    except (Error, _StaleTree) as exc:
        ledger.close()
        raise _StaleTree(str(exc)) from exc
    return ledger


def _open_tree(size: int, workdir: Path, report: LedgerReport) -> Ledger:
    """A ledger of ``size`` entries in ``workdir``: a copy of the cached tree, or a new build."""
    for attempt in (1, 2):
        target = workdir / f"tree-{attempt}"
        target.mkdir()
        cached = _cached_tree(size, report)
        began = time.perf_counter()
        if cached is None:
            _progress(f"building the {size:,}-entry tree")
            _build_tree(target, size)
            report.facts["tree_build_s"] = time.perf_counter() - began
            report.facts["tree_source"] = "built in the run (no cache)"
        else:
            for name in ("ledger.db", "ledger.db-wal", "secret"):
                if (cached / name).exists():
                    shutil.copyfile(cached / name, target / name)
            report.facts["tree_copy_s"] = time.perf_counter() - began
            built = "tree_build_s" in report.facts
            report.facts["tree_source"] = "built and cached" if built else "cached"
            report.facts["tree_cache"] = str(cached)
        secret = (target / "secret").read_bytes()
        try:
            ledger = _open_checked(target / "ledger.db", secret, size)
        except _StaleTree as exc:
            if cached is None or attempt == 2:
                raise
            report.notes.append(f"cached tree discarded and rebuilt: {exc}")
            shutil.rmtree(cached, ignore_errors=True)
            continue
        report.facts["tree_db_bytes"] = (target / "ledger.db").stat().st_size
        return ledger
    raise AssertionError("unreachable")


def _proofs(plan: LedgerPlan, workdir: Path, report: LedgerReport) -> None:
    from vc_service._keys import Key
    from vc_service.ledger._checkpoint import Checkpoint, verify_checkpoint
    from vc_service.ledger._merkle import verify_consistency, verify_inclusion
    from vc_service.ledger._store import build_synthetic

    size = plan.tree_size
    rng = random.Random(SEED)
    ledger = _open_tree(size, workdir, report)
    try:
        store = ledger.store
        count = plan.calls + WARMUP
        indexes = [rng.randrange(size) for _ in range(count)]
        old_sizes = [rng.randrange(1, size) for _ in range(count)]
        # Each operation walks the same list with its own iterator.
        walks = {name: iter(values) for name, values in (("i", indexes), ("c", old_sizes))}
        facade = {name: iter(values) for name, values in (("i", indexes), ("c", old_sizes))}
        sign_key = Key.generate("ed25519")
        root = store.root(size)
        operations: dict[str, Callable[[], object]] = {
            "inclusion_proof": lambda: store.inclusion_proof(next(walks["i"]), size),
            "consistency_proof": lambda: store.consistency_proof(next(walks["c"]), size),
            "ledger_inclusion": lambda: ledger.inclusion(next(facade["i"])),
            "ledger_consistency": lambda: ledger.consistency(next(facade["c"])),
            "root": lambda: store.root(size),
            "checkpoint_sign": lambda: Checkpoint(SYNTHETIC_ORIGIN, size, root).sign(
                SYNTHETIC_ORIGIN, sign_key
            ),
        }
        _progress(f"timing proofs at {size:,} entries: {plan.calls} random calls each")
        report.stats.update(measure_round_robin(operations, repeat=plan.calls, warmup=WARMUP))
        # The timed proofs were thrown away; check a few of the same kind, untimed.
        for index, old in zip(indexes[:5], old_sizes[:5], strict=True):
            verify_inclusion(
                store.leaf_hash_at(index), index, size, store.inclusion_proof(index, size), root
            )
            proof = store.consistency_proof(old, size)
            verify_consistency(old, size, store.root(old), root, proof)

        _progress(f"timing {plan.calls} checkpoints, each after one more entry")
        samples: list[float] = []
        note = b""
        was_enabled = gc.isenabled()
        gc.collect()
        gc.disable()
        try:
            for number in range(count):
                build_synthetic(store, 1)  # a new tree size for every checkpoint; untimed
                began = time.perf_counter()
                note = ledger.checkpoint()
                if number >= WARMUP:
                    samples.append(time.perf_counter() - began)
        finally:
            if was_enabled:
                gc.enable()
        report.stats["checkpoint"] = Stats(tuple(samples))
        sealed = verify_checkpoint(note, log_verifier=ledger.verifier_key())
        if sealed.size != store.size() or sealed.root != store.root():
            report.problems.append("checkpoint: the last note does not match the tree")
    finally:
        ledger.close()
    label = f"at {size:,} entries"
    for key, what in (
        ("inclusion_proof", "LedgerStore.inclusion_proof"),
        ("consistency_proof", "LedgerStore.consistency_proof"),
        ("ledger_inclusion", "Ledger.inclusion (what `ledger prove` prints)"),
        ("ledger_consistency", "Ledger.consistency (what `ledger consistency` prints)"),
        ("checkpoint", "Ledger.checkpoint (sign, save, durable commit)"),
    ):
        report.targets.append(
            Goal(
                f"{what} {label}",
                report.stats[key].median * 1e3,
                PROOF_TARGET_MS,
                "<=",
                "ms",
            )
        )


# --- 4: anchoring ------------------------------------------------------------------------------------


def _anchor_gas(web3: Web3, log: _AppendedLog) -> tuple[int, int]:
    """Deploy a registry; anchor part 1's two checkpoints; audit; return the gas of each."""
    from vc_service.ledger._anchor import AnchorClient

    ledger = log.ledger
    accounts = list(web3.eth.accounts)
    admin = AnchorClient.deploy(web3, accounts[0])
    admin.add_writer(ledger.log_id, accounts[1])
    writer = admin.with_account(accounts[1])
    (first_size, first_root), (size, root) = log.heads
    first = writer.anchor(ledger.log_id, first_size, first_root, []).gas_used
    proof = ledger.store.consistency_proof(first_size, size)
    second = writer.anchor(ledger.log_id, size, root, proof).gas_used
    writer.verify_against(ledger.log_id, ledger.store.consistency_proof, ledger.store.root)
    return first, second


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _AnvilFailed(Exception):
    """Anvil did not start."""


@contextmanager
def _anvil() -> Iterator[int]:
    """An Anvil node on a free port of 127.0.0.1 (automining), stopped on exit; yields the port."""
    from web3 import HTTPProvider, Web3

    port = _free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(ANVIL), "--host", "127.0.0.1", "--port", str(port), "--silent"],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            probe = Web3(HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 2}))
            deadline = time.monotonic() + 30
            while not probe.is_connected():
                if process.poll() is not None:
                    log.seek(0)
                    raise _AnvilFailed(f"exited with {process.returncode}: {log.read()[:500]!r}")
                if time.monotonic() > deadline:
                    raise _AnvilFailed("no answer within 30 s")
                time.sleep(0.05)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _anchor_heads(log: _AppendedLog, count: int) -> list[tuple[int, bytes, list[bytes]]]:
    """``count`` increasing tree heads of part 1's log, each with its proof from the previous."""
    store = log.ledger.store
    total = store.size()
    count = min(count, total)
    heads = []
    previous = 0
    for k in range(1, count + 1):
        size = total * k // count
        proof = store.consistency_proof(previous, size) if previous else []
        heads.append((size, store.root(size), proof))
        previous = size
    return heads


def _json_rpc_batch(port: int, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
    """Send ``calls`` as one JSON-RPC batch over one HTTP request; results in order."""
    body = json.dumps(
        [
            {"jsonrpc": "2.0", "id": number, "method": method, "params": params}
            for number, (method, params) in enumerate(calls)
        ]
    )
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request("POST", "/", body, {"Content-Type": "application/json"})
        answers = json.loads(connection.getresponse().read())
    finally:
        connection.close()
    answers.sort(key=lambda answer: answer["id"])
    errors = [answer["error"] for answer in answers if "error" in answer]
    if errors:
        raise _AnvilFailed(f"{len(errors)} calls of the batch failed, first: {errors[0]}")
    return [answer["result"] for answer in answers]


def _anvil_rates(
    web3: Web3, port: int, log: _AppendedLog, plan: LedgerPlan, report: LedgerReport
) -> None:
    """Anvil's ``anchor`` transactions per second: a pre-signed burst, then AnchorClient."""
    from eth_account import Account
    from web3 import Web3
    from web3.types import Nonce, TxParams, Wei

    from vc_service.ledger._anchor import AnchorClient, contract_artefact, log_id

    funder = web3.eth.accounts[0]
    account = Account.create()  # a local key: transactions signed here, as in production
    funding = web3.eth.send_transaction(
        {"from": funder, "to": account.address, "value": Web3.to_wei(100, "ether")}
    )
    web3.eth.wait_for_transaction_receipt(funding)
    admin = AnchorClient.deploy(web3, funder)
    burst_log = log.ledger.log_id
    admin.add_writer(burst_log, account.address)

    heads = _anchor_heads(log, plan.burst)
    contract = web3.eth.contract(
        address=Web3.to_checksum_address(admin.address), abi=contract_artefact()["abi"]
    )
    nonce = web3.eth.get_transaction_count(account.address)
    chain_id = web3.eth.chain_id
    base_fee = int(web3.eth.get_block("latest").get("baseFeePerGas", 0))
    tip = 10**9
    raw: list[str] = []
    for number, (size, root, proof) in enumerate(heads):
        params: TxParams = {
            "from": account.address,
            "nonce": Nonce(nonce + number),
            "gas": 300_000,  # fixed: estimating needs the previous anchors mined
            "maxFeePerGas": Wei(2 * base_fee + tip),
            "maxPriorityFeePerGas": Wei(tip),
            "chainId": chain_id,
        }
        call = contract.functions.anchor(burst_log, size, root, proof)
        transaction = call.build_transaction(params)
        signed = account.sign_transaction(dict(transaction))
        raw.append("0x" + bytes(signed.raw_transaction).hex())
    _progress(f"sending {len(raw)} pre-signed anchor transactions to Anvil in one batch")
    began = time.perf_counter()
    hashes = _json_rpc_batch(port, [("eth_sendRawTransaction", [tx]) for tx in raw])
    web3.eth.wait_for_transaction_receipt(hashes[-1], timeout=300, poll_latency=0.01)
    elapsed = time.perf_counter() - began
    receipts = [web3.eth.get_transaction_receipt(tx) for tx in hashes]
    failed = sum(1 for receipt in receipts if receipt["status"] != 1)
    if failed or admin.latest(burst_log) != heads[-1][:2]:
        report.problems.append(f"Anvil burst: {failed} of {len(receipts)} anchors reverted")
    report.rates["anvil_burst"] = _rate(len(raw), elapsed)
    report.facts["anvil_burst_blocks"] = len({int(receipt["blockNumber"]) for receipt in receipts})
    report.gas["anvil_burst_median"] = sorted(int(r["gasUsed"]) for r in receipts)[
        len(receipts) // 2
    ]

    client_log = log_id(ORIGIN + "/client")
    admin.add_writer(client_log, account.address)
    client = admin.with_account(account)
    heads = _anchor_heads(log, plan.client_anchors)
    _progress(f"anchoring {len(heads)} tree heads on Anvil through AnchorClient, one at a time")
    began = time.perf_counter()
    for size, root, proof in heads:
        client.anchor(client_log, size, root, proof)
    report.rates["anvil_client"] = _rate(len(heads), time.perf_counter() - began)


def _anchoring(log: _AppendedLog, plan: LedgerPlan, report: LedgerReport) -> None:
    from web3 import EthereumTesterProvider, HTTPProvider, Web3

    from vc_service._errors import Error

    if len(log.heads) != 2 or log.heads[0][0] >= log.heads[1][0]:
        report.notes.append("anchoring not measured: part 1 needs two checkpoints")
        return
    report.facts["anchored_sizes"] = [size for size, _ in log.heads]
    report.facts["consistency_proof_hashes"] = len(
        log.ledger.store.consistency_proof(log.heads[0][0], log.heads[1][0])
    )
    _progress("anchoring part 1's checkpoints on the in-process EVM (eth-tester)")
    try:
        tester = Web3(EthereumTesterProvider())
    except Exception as exc:  # web3 raises several types when eth-tester/py-evm is missing
        report.notes.append(f"eth-tester not measured: {exc} (install the 'dev' extra)")
    else:
        first, second = _anchor_gas(tester, log)
        report.gas["eth-tester first"] = first
        report.gas["eth-tester consistency"] = second

    if not ANVIL.exists():
        report.notes.append(f"Anvil not measured: {ANVIL} is missing (run `npm ci`)")
        return
    version = subprocess.run(
        [str(ANVIL), "--version"], capture_output=True, text=True, check=False, timeout=30
    ).stdout.splitlines()
    report.facts["anvil_version"] = version[0] if version else "unknown"
    _progress("starting Anvil")
    try:
        with _anvil() as port:
            web3 = Web3(HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 60}))
            first, second = _anchor_gas(web3, log)
            report.gas["anvil first"] = first
            report.gas["anvil consistency"] = second
            _anvil_rates(web3, port, log, plan, report)
    except (_AnvilFailed, Error, OSError) as exc:
        report.notes.append(f"Anvil measurement failed: {exc}")
        return
    ratio = report.rates["append"] / report.rates["anvil_burst"]
    report.facts["append_over_anvil_tx"] = ratio


# --- the part -------------------------------------------------------------------------------------


def run(quick: bool) -> LedgerReport:
    """Measure the four parts (see the module docstring); a part that fails is noted, not fatal."""
    from vc_service._errors import Error

    plan = QUICK if quick else FULL
    report = LedgerReport(plan)
    report.facts["sqlite"] = sqlite3.sqlite_version
    with tempfile.TemporaryDirectory(prefix="chancery-bench-ledger-") as scratch:
        workdir = Path(scratch)
        log: _AppendedLog | None = None
        try:
            log = _appends(plan, workdir, report)
            _rebuild(log, report)
        except Error as exc:
            report.notes.append(f"appends / rebuild not measured: {exc}")
        try:
            _proofs(plan, workdir, report)
        except (Error, _StaleTree) as exc:
            report.notes.append(f"proofs at {plan.tree_size:,} entries not measured: {exc}")
        if log is not None:
            try:
                _anchoring(log, plan, report)
            except Error as exc:
                report.notes.append(f"anchoring not measured: {exc}")
            finally:
                log.ledger.close()
    return report


def render(report: LedgerReport) -> str:
    """The ledger section of the benchmark report."""
    plan, rates, stats, gas, facts = (
        report.plan,
        report.rates,
        report.stats,
        report.gas,
        report.facts,
    )
    width = 64
    lines = [
        "",
        f"Ledger (SQLite {facts.get('sqlite')}, WAL, synchronous=FULL; plan '{plan.name}')",
    ]

    def row(label: str, value: str) -> None:
        lines.append(f"    {label:<{width}} {value}")

    def rate(label: str, key: str, unit: str) -> None:
        value = rates.get(key)
        row(label, f"{'n/a':>9}" if value is None else f"{value:9,.0f} {unit}")

    def header() -> None:
        row("per call, ms", f"{'n':>5} {'median':>9} {'p10':>9} {'p90':>9}")

    def timing(label: str, key: str) -> None:
        s = stats.get(key)
        if s is None:
            row(label, f"{'n/a':>5}")
        else:
            ms = (s.median * 1e3, s.p10 * 1e3, s.p90 * 1e3)
            row(label, f"{s.n:>5} {ms[0]:9.3f} {ms[1]:9.3f} {ms[2]:9.3f}")

    lines.append(
        f"  1. Appends: {plan.entries:,} signed credential-anchor entries of an accredited agency "
        f"(1 hash, {facts.get('entry_bytes', '?')} bytes each)"
    )
    rate("signing, client side (Ledger.make_entries)", "sign", "entries/s")
    rate(
        f"append in batches of {plan.batch:,} (rules, signatures, store, commit)",
        "append",
        "entries/s",
    )
    header()
    timing(f"Ledger.make_entries, {plan.batch:,} entries", "sign_batch")
    timing(f"Ledger.append, {plan.batch:,} entries", "append_batch")
    timing("Ledger.checkpoint on this log (the two anchored in part 4)", "checkpoint_part1")

    lines.append(f"  2. At {plan.tree_size:,} entries (genesis + synthetic entries; random calls)")
    parts = [str(facts.get("tree_source", "not measured"))]
    if "tree_build_s" in facts:
        parts.append(f"build {facts['tree_build_s']:.1f} s")
    if "tree_copy_s" in facts:
        parts.append(f"copy to the temporary directory {facts['tree_copy_s']:.1f} s")
    if "tree_db_bytes" in facts:
        parts.append(f"{facts['tree_db_bytes'] / 1e6:.0f} MB")
    lines.append(f"    tree: {', '.join(parts)}")
    header()
    timing("LedgerStore.inclusion_proof", "inclusion_proof")
    timing("LedgerStore.consistency_proof (random old size to the tree)", "consistency_proof")
    timing("Ledger.inclusion (proof, leaf hash, root: `ledger prove`)", "ledger_inclusion")
    timing("Ledger.consistency (proof, both roots: `ledger consistency`)", "ledger_consistency")
    timing("LedgerStore.root", "root")
    timing("Checkpoint.sign (the note alone)", "checkpoint_sign")
    timing("Ledger.checkpoint (lock, root, sign, save, durable commit)", "checkpoint")

    rebuilt = facts.get("rebuild_s")
    lines.append("  3. State rebuild from the log (Ledger.state_at: read, decode, check, fold)")
    took = "" if rebuilt is None else f" in {rebuilt:.2f} s"
    rate(f"{facts.get('log_size', '?')} entries of part 1{took}", "rebuild", "entries/s")

    lines.append("  4. Anchoring part 1's checkpoints (AnchorRegistry.anchor)")
    sizes = facts.get("anchored_sizes")
    if sizes:
        lines.append(
            f"    first anchor at size {sizes[0]:,}; then size {sizes[1]:,} with a "
            f"{facts.get('consistency_proof_hashes')}-hash consistency proof verified on chain"
        )
    for evm, label in (("eth-tester", "eth-tester (in-process py-evm)"), ("anvil", "Anvil")):
        first, second = gas.get(f"{evm} first"), gas.get(f"{evm} consistency")
        shown = "n/a" if first is None else f"{first:,} gas first, {second:,} gas with proof"
        row(f"gas, {label}", shown)
    if "anvil_burst" in rates:
        rate(
            f"Anvil: {plan.burst} pre-signed anchors, one JSON-RPC batch "
            f"({facts.get('anvil_burst_blocks')} blocks)",
            "anvil_burst",
            "tx/s",
        )
        rate(
            f"Anvil: {plan.client_anchors} anchors through AnchorClient.anchor, one at a time",
            "anvil_client",
            "tx/s",
        )
    ratio = facts.get("append_over_anvil_tx")
    if ratio is not None:
        row("log appends/s / Anvil anchor tx/s (pre-signed burst)", f"{ratio:9.1f}x")
    if facts.get("anvil_version"):
        lines.append(f"    ({facts['anvil_version']}; one anchor covers any number of entries)")

    lines.append("")
    lines.append("Ledger targets")
    for goal in report.targets:
        if goal.value is None:
            value = "not measured"
        elif goal.unit == "entries/s":
            value = f"{goal.value:,.0f} {goal.unit}"
        else:
            value = f"{goal.value:.3f} {goal.unit}"
        lines.append(
            f"  [{goal.status:<4}] {goal.name}: {value} "
            f"(target {goal.direction} {goal.bound:,g} {goal.unit})"
        )
    lines.extend(f"  note: {note}" for note in report.notes)
    lines.extend(f"  CHECK FAILED: {problem}" for problem in report.problems)
    return "\n".join(lines)
