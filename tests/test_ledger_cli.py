"""``chancery ledger ...`` end to end: the commands of issue #4 §4, as users and auditors call them.

A module-scoped ledger is built through the command line (in-process ``main`` for speed): the
root authority's genesis, an agency's ``did`` creation, its accreditation, a credential type,
credential-anchor batches, status-list and accumulator versions and notarisations, with two
checkpoints. Receipts, proofs, checkpoints and the state are then checked with the library's
independent verifiers (``_merkle.verify_inclusion``/``verify_consistency``,
``_checkpoint.verify_checkpoint``), never with the code that produced them. Tests that change the
database work on a copy. The installed console script (``.venv/bin/chancery``) runs as a separate
process where the process boundary matters: init, a mixed append, verify, bad usage, anchoring.
Anchoring runs against a real Anvil node (``tests/_anvil.py``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from _anvil import DEV_PRIVATE_KEY, running_anvil
from eth_account import Account
from web3 import HTTPProvider, Web3

from vc_service._cli import main
from vc_service._keys import Key
from vc_service.ledger._anchor import AnchorClient, ConsistencyRejected, log_id
from vc_service.ledger._checkpoint import (
    CheckpointError,
    note_verifier_key,
    parse_verifier_key,
    verify_checkpoint,
)
from vc_service.ledger._entries import decode_entry
from vc_service.ledger._ledger import AppendError, Ledger
from vc_service.ledger._merkle import (
    MerkleProofError,
    compact_range_nodes,
    verify_consistency,
    verify_inclusion,
)
from vc_service.ledger._state import RegistryState
from vc_service.ledger._store import LedgerStore, meta_table

CHANCERY = Path(sys.executable).with_name("chancery")
ORIGIN = "example.gov/chancery/cli-test"
VERIFIER_KEY = re.compile(r"([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)")


# --- running the command line -------------------------------------------------------------------


@dataclass
class Run:
    """What one ``chancery`` run returned."""

    code: int
    out: str
    err: str

    def lines(self) -> list[str]:
        """Standard output, one item per line."""
        return self.out.splitlines()

    def json(self) -> Any:
        """Standard output parsed as one JSON value."""
        return json.loads(self.out)


def _no_traceback(run: Run) -> Run:
    assert "Traceback" not in run.out + run.err, run.err
    return run


def cli(args: Sequence[str], stdin: str | bytes = "") -> Run:
    """``chancery ARGS`` in this process (``vc_service._cli.main``), with ``stdin``."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.stdin = saved
    return _no_traceback(Run(code, out.getvalue(), err.getvalue()))


def script(args: Sequence[str], stdin: str | bytes = "") -> Run:
    """``chancery ARGS`` as a separate process: the installed console script."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    done = subprocess.run(
        [str(CHANCERY), *args], input=data, capture_output=True, timeout=300, check=False
    )
    return _no_traceback(Run(done.returncode, done.stdout.decode(), done.stderr.decode()))


def jsonl(payloads: Sequence[dict[str, Any]]) -> str:
    """Payloads as JSON lines (the ``append`` input)."""
    return "".join(json.dumps(payload) + "\n" for payload in payloads)


def new_hashes(count: int) -> list[str]:
    """Fresh random salted-credential hashes (lowercase hex)."""
    return [secrets.token_hex(32) for _ in range(count)]


def receipts_of(run: Run) -> list[dict[str, Any]]:
    """The receipts an ``append`` printed, one JSON object per line."""
    return [json.loads(line) for line in run.lines()]


def entry_json(receipt: dict[str, Any]) -> dict[str, Any]:
    """The entry object a receipt carries."""
    value: dict[str, Any] = json.loads(base64.b64decode(receipt["entry"]))
    return value


def copy_database(source: str, target: Path) -> str:
    """A consistent copy of an SQLite ledger (SQLite's online backup, WAL included)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    shutil.copy(source + ".secret", str(target) + ".secret")
    return str(target)


def log_size(db: str) -> int:
    """The number of entries in the ledger at ``db``."""
    store = LedgerStore(db)
    try:
        return store.size()
    finally:
        store.close()


# --- the shared ledger ----------------------------------------------------------------------------


@dataclass
class Keys:
    """JWK files: the root authority, an accredited agency, a DID that is not accredited, and a
    key that is on no DID at all."""

    root: str
    agency: str
    rogue: str
    stranger: str


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    """Private Ed25519 JWK files."""
    folder = tmp_path_factory.mktemp("keys")
    paths = {}
    for name in ("root", "agency", "rogue", "stranger"):
        path = folder / f"{name}.jwk"
        path.write_text(json.dumps(Key.generate("ed25519").private_jwk()))
        paths[name] = str(path)
    return Keys(**paths)


@dataclass
class Populated:
    """The module's ledger and what building it printed."""

    db: str
    verifier: str
    agency_did: str
    rogue_did: str
    steps: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]]
    anchored: list[str]
    checkpoints: list[tuple[int, bytes]] = field(default_factory=list)
    size: int = 0


def _append_ok(db: str, key: str, entry_type: str, payloads: list[dict[str, Any]]) -> list[Any]:
    run = cli(["ledger", "append", "--db", db, "--key", key, "--type", entry_type], jsonl(payloads))
    assert run.code == 0 and run.err == "", run.err
    return receipts_of(run)


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Populated:
    """A ledger with every entry type, two checkpoints and an uncheckpointed tail."""
    db = str(tmp_path_factory.mktemp("ledger") / "ledger.db")
    init = cli(["ledger", "init", "--db", db, "--origin", ORIGIN, "--root-key", keys.root])
    assert init.code == 0, init.err
    steps: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}

    def step(name: str, key: str, entry_type: str, payloads: list[dict[str, Any]]) -> list[Any]:
        receipts = _append_ok(db, key, entry_type, payloads)
        steps[name] = (payloads, receipts)
        return receipts

    [agency] = step("did", keys.agency, "did", [{}])
    [rogue] = _append_ok(db, keys.rogue, "did", [{}])
    agency_did = entry_json(agency)["payload"]["did"]
    grant = {
        "agency": agency_did,
        "types": ["diploma", "transcript"],
        "valid_from": "2020-01-01T00:00:00Z",
        "valid_until": "2099-01-01T00:00:00Z",
    }
    step("accreditation", keys.root, "accreditation", [grant])
    diploma = {
        "id": "diploma",
        "claims": [
            {"name": "degree", "kind": "string", "predicate": False},
            {"name": "awarded", "kind": "date", "predicate": True},
        ],
        "formats": ["vc+jwt", "bbs-2023"],
        "revocation": "bitstring-status-list",
    }
    step("credential-type", keys.agency, "credential-type", [diploma])
    batches = [new_hashes(1), new_hashes(5), new_hashes(40)]
    step("credential-anchor", keys.agency, "credential-anchor", [{"hashes": b} for b in batches])
    status_url = "https://registry.example.gov/status/diploma/1"
    step(
        "status-list",
        keys.agency,
        "status-list",
        [
            {"url": status_url, "version": 1, "digest": secrets.token_hex(32)},
            {"url": status_url, "version": 2, "digest": secrets.token_hex(32)},
        ],
    )
    accumulator = {"id": "diploma-acc", "version": 1, "value": "AAECAw", "update": ""}
    step("accumulator", keys.agency, "accumulator", [accumulator])
    step(
        "notarization",
        keys.agency,
        "notarization",
        [{"hash": secrets.token_hex(32), "metadata": {"kind": "deed", "pages": 3}}],
    )
    _append_ok(
        db,
        keys.root,
        "notarization",
        [{"hash": secrets.token_hex(32), "metadata": {"kind": "decree", "signed": True}}],
    )
    anchored = [h for batch in batches for h in batch]
    checkpoints = []
    for _ in range(2):
        run = cli(["ledger", "checkpoint", "--db", db])
        assert run.code == 0, run.err
        checkpoints.append((int(run.lines()[1]), run.out.encode()))
        more = new_hashes(7)
        _append_ok(db, keys.agency, "credential-anchor", [{"hashes": [h]} for h in more])
        anchored += more
    return Populated(
        db=db,
        verifier=init.out.strip(),
        agency_did=agency_did,
        rogue_did=entry_json(rogue)["payload"]["did"],
        steps=steps,
        anchored=anchored,
        checkpoints=checkpoints,
        size=log_size(db),
    )


@pytest.fixture
def ledger_copy(populated: Populated, tmp_path: Path) -> str:
    """A private copy of the module's ledger, for tests that change it."""
    return copy_database(populated.db, tmp_path / "copy.db")


# --- init -----------------------------------------------------------------------------------------


def test_init_prints_a_c2sp_verifier_key_and_refuses_a_second_init(
    tmp_path: Path, keys: Keys
) -> None:
    db = str(tmp_path / "fresh.db")
    first = script(["ledger", "init", "--db", db, "--origin", ORIGIN, "--root-key", keys.root])
    assert first.code == 0 and first.err == ""
    verifier = first.out.strip()
    match = VERIFIER_KEY.fullmatch(verifier)
    assert match is not None, verifier
    assert match.group(1) == ORIGIN
    raw = base64.b64decode(match.group(3), validate=True)
    assert len(raw) == 33 and raw[0] == 0x01  # signature type Ed25519, then the public key
    name, key_id, key = parse_verifier_key(verifier)
    assert (name, key_id) == (ORIGIN, int(match.group(2), 16)) and key.public == raw[1:]

    second = script(["ledger", "init", "--db", db, "--origin", ORIGIN, "--root-key", keys.root])
    assert second.code == 1 and second.out == ""
    assert second.err.count("\n") == 1 and "already holds a ledger" in second.err
    # The refused init changed nothing: one genesis entry, the same log key.
    assert log_size(db) == 1
    checkpoint = cli(["ledger", "checkpoint", "--db", db])
    verify_checkpoint(checkpoint.out.encode(), log_verifier=verifier)


# --- append ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "entry_type", "op"),
    [
        ("did", "did", "create"),
        ("accreditation", "accreditation", "grant"),
        ("credential-type", "credential-type", "publish"),
        ("credential-anchor", "credential-anchor", "anchor"),
        ("status-list", "status-list", "publish"),
        ("accumulator", "accumulator", "publish"),
        ("notarization", "notarization", "notarize"),
    ],
    ids=lambda value: str(value),
)
def test_append_prints_one_receipt_per_line_with_a_recomputable_leaf_hash(
    populated: Populated, step: str, entry_type: str, op: str
) -> None:
    payloads, receipts = populated.steps[step]
    assert len(receipts) == len(payloads)
    store = LedgerStore(populated.db)
    try:
        for position, (payload, receipt) in enumerate(zip(payloads, receipts, strict=True)):
            assert set(receipt) >= {"index", "leaf_hash", "entry"}
            entry = base64.b64decode(receipt["entry"], validate=True)
            assert re.fullmatch(r"[0-9a-f]{64}", receipt["leaf_hash"])
            assert receipt["leaf_hash"] == hashlib.sha256(b"\x00" + entry).hexdigest()
            assert receipt["index"] == receipts[0]["index"] + position
            # The receipt is the log's: same bytes, same leaf hash, at its index.
            assert store.entry(receipt["index"]) == entry
            assert store.leaf_hash_at(receipt["index"]).hex() == receipt["leaf_hash"]
            decoded = decode_entry(entry)
            assert (decoded.type, decoded.op, decoded.log) == (entry_type, op, ORIGIN)
            if step != "did":  # a did creation's payload is built from the key
                assert decoded.to_json()["payload"] == payload
    finally:
        store.close()


def test_refused_lines_are_reported_with_their_line_numbers_and_the_others_committed(
    populated: Populated, ledger_copy: str, keys: Keys
) -> None:
    fresh = new_hashes(3)
    lines = [
        {"hashes": [fresh[0]]},  # 1: appended
        {"hashes": [fresh[0]]},  # 2: duplicate of line 1 (same batch)
        {"hashes": ["XYZ"]},  # 3: malformed hash
        {"hashes": [populated.anchored[0]]},  # 4: anchored long ago
        {"hashes": [fresh[1]]},  # 5: appended
        {"hashes": []},  # 6: an empty batch
        {"hashes": [fresh[2], fresh[2]]},  # 7: a duplicate inside the batch
        {"hashes": [fresh[2]]},  # 8: appended
    ]
    run = script(
        [
            "ledger",
            "append",
            "--db",
            ledger_copy,
            "--key",
            keys.agency,
            "--type",
            "credential-anchor",
        ],
        jsonl(lines),
    )
    assert run.code == 1
    refused = sorted(run.err.splitlines(), key=lambda line: int(line.split()[2]))
    assert [line.split(" refused: ")[0] for line in refused] == [
        f"chancery: line {n}" for n in (2, 3, 4, 6, 7)
    ]
    assert "duplicate-anchor" in refused[0]
    assert "/payload/hashes/0" in refused[1]
    assert "duplicate-anchor" in refused[2] and populated.anchored[0] in refused[2]
    assert "/payload/hashes" in refused[3]
    assert "/payload/hashes/1" in refused[4] and "duplicate" in refused[4]
    receipts = receipts_of(run)
    assert [r["index"] for r in receipts] == [
        populated.size,
        populated.size + 1,
        populated.size + 2,
    ]
    assert [entry_json(r)["payload"]["hashes"] for r in receipts] == [[h] for h in fresh]
    assert log_size(ledger_copy) == populated.size + 3


@pytest.mark.parametrize(
    ("signer", "entry_type", "payload", "rule"),
    [
        ("rogue", "credential-anchor", {"hashes": ["aa" * 32]}, "not-accredited"),
        ("agency", "accreditation", "grant-rogue", "not-root"),
        ("rogue", "notarization", {"hash": "bb" * 32, "metadata": {}}, "not-accredited"),
        ("stranger", "notarization", {"hash": "cc" * 32, "metadata": {}}, "not a current key"),
        ("agency", "credential-type", "passport", "type-not-covered"),
        ("agency", "credential-type", "diploma", "duplicate-type"),
        ("agency", "status-list", "status-v1", "version-not-increasing"),
        ("agency", "notarization", {"hash": "DD" * 32, "metadata": {}}, "/payload/hash"),
        ("root", "credential-anchor", {"hashes": ["ee" * 32]}, "not-accredited"),
        ("agency", "did", {"op": "deactivate", "did": "rogue"}, "not-controller"),
    ],
    ids=[
        "anchor-by-unaccredited-agency",
        "grant-by-an-agency",
        "notarization-by-unaccredited-agency",
        "key-on-no-did",
        "type-not-accredited",
        "type-published-twice",
        "status-version-not-increasing",
        "uppercase-hash",
        "anchor-by-root",
        "deactivate-another-did",
    ],
)
def test_a_refused_entry_exits_1_names_the_rule_and_never_enters_the_log(
    populated: Populated,
    ledger_copy: str,
    keys: Keys,
    signer: str,
    entry_type: str,
    payload: Any,
    rule: str,
) -> None:
    if payload == "grant-rogue":
        payload = {
            "agency": populated.rogue_did,
            "types": ["diploma"],
            "valid_from": "2020-01-01T00:00:00Z",
            "valid_until": "2099-01-01T00:00:00Z",
        }
    elif payload in ("passport", "diploma"):
        payload = {
            "id": payload,
            "claims": [{"name": "number", "kind": "string", "predicate": False}],
            "formats": ["vc+jwt"],
            "revocation": "none",
        }
    elif payload == "status-v1":
        payload = populated.steps["status-list"][0][0]
    elif isinstance(payload, dict) and payload.get("did") == "rogue":
        payload = {**payload, "did": populated.rogue_did}
    key = getattr(keys, signer)
    run = cli(
        ["ledger", "append", "--db", ledger_copy, "--key", key, "--type", entry_type],
        jsonl([payload]),
    )
    assert run.code == 1 and run.out == ""
    assert run.err.count("\n") == 1 and run.err.startswith("chancery: line 1 refused: ")
    assert rule in run.err
    assert log_size(ledger_copy) == populated.size


def test_a_future_dated_entry_is_refused_after_the_entries_before_it_are_committed(
    ledger_copy: str, keys: Keys
) -> None:
    """Regression: the future-date check refused a whole batch, yet AppendError promises that
    the entries before the refused one are committed, and ``append`` dropped them unprinted."""
    root = Key.from_jwk(json.loads(Path(keys.root).read_text()))
    ledger = Ledger.open(ledger_copy)
    try:
        before = ledger.store.size()
        now = datetime.now(UTC).replace(microsecond=0)

        def notarize(at: datetime) -> Any:
            payload = {"hash": secrets.token_hex(32), "metadata": {}}
            return ledger.make_entries(root, "notarization", [payload], time=at)[0]

        batch = [notarize(now), notarize(now + timedelta(hours=1)), notarize(now)]
        with pytest.raises(AppendError) as refused:
            ledger.append(batch)
        assert refused.value.position == 1 and "in the future" in str(refused.value)
        assert [r.index for r in refused.value.receipts] == [before]
        assert ledger.store.size() == before + 1 and ledger.store.entry(before) == batch[0].raw
        assert [r.index for r in ledger.append(batch[2:])] == [before + 1]
    finally:
        ledger.close()


# --- checkpoints and proofs -----------------------------------------------------------------------


def test_checkpoint_is_a_signed_note_that_verifies_with_the_key_init_printed(
    populated: Populated, ledger_copy: str
) -> None:
    store = LedgerStore(populated.db)
    try:
        for size, note in populated.checkpoints:
            checkpoint = verify_checkpoint(note, log_verifier=populated.verifier)
            assert (checkpoint.origin, checkpoint.size) == (ORIGIN, size)
            assert checkpoint.root == store.root(size)
    finally:
        store.close()
    # Sealing the current size, then again with nothing new: the same note.
    first = cli(["ledger", "checkpoint", "--db", ledger_copy])
    again = cli(["ledger", "checkpoint", "--db", ledger_copy])
    assert first.code == again.code == 0 and first.out == again.out
    assert verify_checkpoint(first.out.encode(), log_verifier=populated.verifier).size == (
        populated.size
    )
    # Another key, or a changed size line, does not verify.
    other = note_verifier_key(ORIGIN, Key.generate("ed25519"))
    with pytest.raises(CheckpointError):
        verify_checkpoint(first.out.encode(), log_verifier=other)
    lines = first.out.split("\n")
    lines[1] = str(int(lines[1]) + 1)
    with pytest.raises(CheckpointError):
        verify_checkpoint("\n".join(lines).encode(), log_verifier=populated.verifier)


def test_checkpoint_needs_the_secret_that_seals_the_log_key(
    populated: Populated, ledger_copy: str, tmp_path: Path
) -> None:
    missing = cli(["ledger", "checkpoint", "--db", ledger_copy, "--secret-file", "/nonexistent"])
    assert missing.code == 1 and "does not exist" in missing.err
    wrong = tmp_path / "wrong.secret"
    wrong.write_bytes(secrets.token_bytes(32))
    refused = cli(["ledger", "checkpoint", "--db", ledger_copy, "--secret-file", str(wrong)])
    assert refused.code == 1 and "does not open the log key" in refused.err
    assert refused.out == ""


@pytest.mark.parametrize("where", ["first", "second", "middle", "last-sealed"])
def test_prove_gives_an_inclusion_proof_to_the_latest_checkpoint_root(
    populated: Populated, where: str
) -> None:
    sealed = populated.checkpoints[-1][0]
    index = {"first": 0, "second": 1, "middle": sealed // 2, "last-sealed": sealed - 1}[where]
    run = cli(["ledger", "prove", "--db", populated.db, "--index", str(index)])
    assert run.code == 0, run.err
    proof = run.json()
    assert (proof["index"], proof["size"]) == (index, sealed)
    checkpoint = verify_checkpoint(proof["checkpoint"].encode(), log_verifier=populated.verifier)
    assert checkpoint.size == sealed and proof["root"] == checkpoint.root.hex()
    leaf = bytes.fromhex(proof["leaf_hash"])
    path = [bytes.fromhex(h) for h in proof["proof"]]
    verify_inclusion(leaf, index, sealed, path, checkpoint.root)
    if path:  # a changed proof hash never verifies
        path[0] = bytes([path[0][0] ^ 1]) + path[0][1:]
        with pytest.raises(MerkleProofError):
            verify_inclusion(leaf, index, sealed, path, checkpoint.root)


def test_prove_covers_unsealed_entries_and_any_earlier_size(populated: Populated) -> None:
    tail = populated.size - 1
    run = cli(["ledger", "prove", "--db", populated.db, "--index", str(tail)])
    proof = run.json()
    assert proof["size"] == populated.size and "checkpoint" not in proof
    verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        tail,
        populated.size,
        [bytes.fromhex(h) for h in proof["proof"]],
        bytes.fromhex(proof["root"]),
    )
    first_size, first_note = populated.checkpoints[0]
    root = verify_checkpoint(first_note, log_verifier=populated.verifier).root
    at_first = cli(
        ["ledger", "prove", "--db", populated.db, "--index", "3", "--size", str(first_size)]
    )
    proof = at_first.json()
    assert proof["size"] == first_size and proof["root"] == root.hex()
    verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        3,
        first_size,
        [bytes.fromhex(h) for h in proof["proof"]],
        root,
    )


def test_consistency_proofs_between_checkpoints_verify(populated: Populated) -> None:
    (old_size, old_note), (new_size, new_note) = populated.checkpoints
    old_root = verify_checkpoint(old_note, log_verifier=populated.verifier).root
    new_root = verify_checkpoint(new_note, log_verifier=populated.verifier).root
    run = cli(
        [
            "ledger",
            "consistency",
            "--db",
            populated.db,
            "--from",
            str(old_size),
            "--to",
            str(new_size),
        ]
    )
    proof = run.json()
    assert (proof["old_size"], proof["new_size"]) == (old_size, new_size)
    path = [bytes.fromhex(h) for h in proof["proof"]]
    verify_consistency(old_size, new_size, old_root, new_root, path)
    # Without --to: up to the current size.
    to_now = cli(["ledger", "consistency", "--db", populated.db, "--from", str(new_size)]).json()
    assert to_now["new_size"] == populated.size and to_now["old_root"] == new_root.hex()
    verify_consistency(
        new_size,
        populated.size,
        new_root,
        bytes.fromhex(to_now["new_root"]),
        [bytes.fromhex(h) for h in to_now["proof"]],
    )
    with pytest.raises(MerkleProofError):  # a proof for another pair of sizes does not verify
        verify_consistency(old_size, new_size, old_root, bytes.fromhex(to_now["new_root"]), path)


# --- state ----------------------------------------------------------------------------------------


def test_state_prints_the_registry_and_a_replayed_database_has_the_same_hash(
    populated: Populated, tmp_path: Path
) -> None:
    printed = cli(["ledger", "state", "--db", populated.db]).json()
    assert printed["size"] == populated.size and printed["origin"] == ORIGIN
    state = printed["state"]
    assert populated.agency_did in state["dids"]
    assert state["accreditations"][populated.agency_did]["types"] == ["diploma", "transcript"]
    assert state["credential_types"]["diploma"]["agency"] == populated.agency_did
    assert state["anchors"]["count"] == len(populated.anchored)
    [status] = state["status_lists"].values()
    assert status["version"] == 2
    assert len(state["notarizations"]) == 2
    assert state["accumulators"]["diploma-acc"]["version"] == 1

    # Another node: the same entries appended, through the store, to a new database.
    source = LedgerStore(populated.db)
    replica_db = str(tmp_path / "replica.db")
    replica = LedgerStore(replica_db)
    try:
        replica.create_schema()
        with replica.writer() as writer:
            for raw in source.iter_entries():
                writer.append(raw)
        with source.engine.connect() as conn:
            settings = conn.execute(sa.select(meta_table.c.key, meta_table.c.value)).all()
        for name, value in settings:
            replica.set_meta(name, bytes(value))
        replayed = RegistryState.replay(ORIGIN, replica.iter_entries())
        assert replayed.state_hash().hex() == printed["state_hash"]
        assert replica.root() == source.root()
    finally:
        source.close()
        replica.close()
    shutil.copy(populated.db + ".secret", replica_db + ".secret")
    from_replica = cli(["ledger", "state", "--db", replica_db]).json()
    assert from_replica["state_hash"] == printed["state_hash"]
    assert from_replica["state"] == state

    early = cli(["ledger", "state", "--db", populated.db, "--size", "3"]).json()
    assert early["size"] == 3 and early["state_hash"] != printed["state_hash"]
    assert early["state"]["accreditations"] == {}


# --- verify ---------------------------------------------------------------------------------------


def test_verify_passes_on_a_good_log(populated: Populated) -> None:
    run = script(["ledger", "verify", "--db", populated.db])
    assert run.code == 0, run.out + run.err
    report = run.json()
    assert report["ok"] is True and report["problems"] == []
    assert report["size"] == populated.size
    state = cli(["ledger", "state", "--db", populated.db]).json()
    assert report["state_hash"] == state["state_hash"]
    assert any("2 checkpoints" in check for check in report["checks"])
    assert any("every stored tree node matches" in check for check in report["checks"])


def _flip_anchor_digit(conn: sqlite3.Connection, index: int) -> None:
    """Change one hex digit of the first hash anchored by entry ``index`` (valid JSON after)."""
    (entry,) = conn.execute("SELECT entry FROM ledger_entries WHERE idx = ?", (index,)).fetchone()
    position = bytes(entry).index(b'"hashes":["') + len(b'"hashes":["')
    changed = bytearray(entry)
    changed[position] = ord("0") if changed[position] != ord("0") else ord("1")
    conn.execute("UPDATE ledger_entries SET entry = ? WHERE idx = ?", (bytes(changed), index))


def _tamper(db: str, how: str, populated: Populated) -> str:
    """Change the SQLite file behind the ledger's back; return what the audit must name."""
    anchor_index = populated.steps["credential-anchor"][1][1]["index"]
    with sqlite3.connect(db) as conn:
        if how == "entry-byte":
            _flip_anchor_digit(conn, anchor_index)
            expected = f"entry {anchor_index}: signature"
        elif how == "leaf-hash":
            conn.execute(
                "UPDATE ledger_entries SET leaf_hash = ? WHERE idx = ?", (bytes(32), anchor_index)
            )
            expected = "stored leaf hash does not match"
        elif how == "entry-row-deleted":
            conn.execute("DELETE FROM ledger_entries WHERE idx = ?", (anchor_index,))
            expected = f"entry {anchor_index} is missing from the database"
        elif how == "node-deleted-off-the-root-path":
            conn.execute("DELETE FROM ledger_nodes WHERE level = 1 AND idx = 0")
            expected = "missing"
        elif how == "node-deleted-on-the-root-path":
            level, index = compact_range_nodes(populated.size)[0]
            conn.execute("DELETE FROM ledger_nodes WHERE level = ? AND idx = ?", (level, index))
            expected = "missing"
        elif how == "node-hash-changed":
            conn.execute(
                "UPDATE ledger_nodes SET hash = ? WHERE level = 1 AND idx = 1", (bytes(32),)
            )
            expected = "(1, 1) does not match"
        elif how == "node-added":
            conn.execute("INSERT INTO ledger_nodes VALUES (1, 1000000, ?)", (bytes(32),))
            expected = "tree nodes"
        elif how == "checkpoint-note-altered":
            size, note = populated.checkpoints[0]
            lines = note.decode().split("\n")
            lines[2] = base64.b64encode(bytes(32)).decode()  # another root hash
            conn.execute(
                "UPDATE ledger_checkpoints SET note = ? WHERE size = ?", ("\n".join(lines), size)
            )
            expected = f"checkpoint {size}"
        elif how == "checkpoint-signature-altered":
            size, note = populated.checkpoints[1]
            text = note.decode()
            cut = text.rindex(" ") + 5
            forged = text[:cut] + ("A" if text[cut] != "A" else "B") + text[cut + 1 :]
            conn.execute("UPDATE ledger_checkpoints SET note = ? WHERE size = ?", (forged, size))
            expected = f"checkpoint {size}"
        else:  # "entries-truncated": the last entries (and the nodes they completed) removed
            keep = populated.checkpoints[1][0] - 1
            conn.execute("DELETE FROM ledger_entries WHERE idx >= ?", (keep,))
            conn.execute("DELETE FROM ledger_nodes WHERE ((idx + 1) << level) > ?", (keep,))
            expected = f"checkpoint {populated.checkpoints[1][0]}"
    conn.close()
    return expected


TAMPERINGS = [
    "entry-byte",
    "leaf-hash",
    "entry-row-deleted",
    "node-deleted-off-the-root-path",
    "node-deleted-on-the-root-path",
    "node-hash-changed",
    "node-added",
    "checkpoint-note-altered",
    "checkpoint-signature-altered",
    "entries-truncated",
]


@pytest.mark.parametrize("how", TAMPERINGS)
def test_verify_exits_1_and_names_the_problem_after_the_database_is_tampered_with(
    populated: Populated, ledger_copy: str, how: str
) -> None:
    assert cli(["ledger", "verify", "--db", ledger_copy]).code == 0
    expected = _tamper(ledger_copy, how, populated)
    run = cli(["ledger", "verify", "--db", ledger_copy])
    assert run.code == 1, run.out
    report = run.json()
    assert report["ok"] is False
    assert len(report["problems"]) == 1 and expected in report["problems"][0], report


def test_verify_as_a_separate_process_fails_on_a_changed_entry_byte(
    populated: Populated, ledger_copy: str
) -> None:
    expected = _tamper(ledger_copy, "entry-byte", populated)
    run = script(["ledger", "verify", "--db", ledger_copy])
    assert run.code == 1
    assert expected in run.json()["problems"][0]


# --- bad usage ------------------------------------------------------------------------------------

BAD_USAGE = {
    "missing-db": (["ledger", "state"], ""),
    "unknown-type": (
        ["ledger", "append", "--db", "{db}", "--key", "{agency}", "--type", "passport"],
        "{{}}\n",
    ),
    "genesis-type": (
        ["ledger", "append", "--db", "{db}", "--key", "{agency}", "--type", "genesis"],
        "{{}}\n",
    ),
    "non-json-stdin": (
        ["ledger", "append", "--db", "{db}", "--key", "{agency}", "--type", "credential-anchor"],
        "this is not JSON\n",
    ),
    "payload-not-an-object": (
        ["ledger", "append", "--db", "{db}", "--key", "{agency}", "--type", "credential-anchor"],
        '["aa"]\n',
    ),
    "missing-key-file": (
        ["ledger", "append", "--db", "{db}", "--key", "/nonexistent.jwk", "--type", "did"],
        "{{}}\n",
    ),
    "key-file-not-json": (
        ["ledger", "append", "--db", "{db}", "--key", "{db}", "--type", "did"],
        "{{}}\n",
    ),
    "public-key-only": (
        ["ledger", "append", "--db", "{db}", "--key", "{public}", "--type", "did"],
        "{{}}\n",
    ),
    "missing-root-key-file": (
        ["ledger", "init", "--db", "{tmp}/new.db", "--origin", "x", "--root-key", "/nonexistent"],
        "",
    ),
    "no-such-database": (["ledger", "state", "--db", "{tmp}/absent.db"], ""),
    "index-not-a-number": (["ledger", "prove", "--db", "{db}", "--index", "three"], ""),
    "index-beyond-the-log": (["ledger", "prove", "--db", "{db}", "--index", "100000"], ""),
    "consistency-from-beyond": (["ledger", "consistency", "--db", "{db}", "--from", "100000"], ""),
    "contract-without-rpc": (
        ["ledger", "verify", "--db", "{db}", "--contract", "0x" + "11" * 20],
        "",
    ),
    "batch-zero": (
        ["ledger", "append", "--db", "{db}", "--key", "{agency}", "--type", "did", "--batch", "0"],
        "{{}}\n",
    ),
}


def _usage_case(
    name: str, populated: Populated, keys: Keys, tmp_path: Path
) -> tuple[list[str], bytes]:
    public = tmp_path / "public.jwk"
    public.write_text(
        json.dumps(Key.from_jwk(json.loads(Path(keys.agency).read_text())).public_jwk())
    )
    args, stdin = BAD_USAGE[name]
    values = {
        "db": populated.db,
        "agency": keys.agency,
        "public": str(public),
        "tmp": str(tmp_path),
    }
    return [arg.format(**values) for arg in args], stdin.format().encode()


@pytest.mark.parametrize("name", sorted(BAD_USAGE))
def test_bad_usage_exits_2_with_one_line_on_stderr(
    populated: Populated, keys: Keys, tmp_path: Path, name: str
) -> None:
    args, stdin = _usage_case(name, populated, keys, tmp_path)
    run = cli(args, stdin)
    assert run.code == 2, run.err
    assert run.out == ""
    assert run.err.startswith("chancery: error:") and run.err.count("\n") == 1, run.err
    assert log_size(populated.db) == populated.size
    assert not (tmp_path / "absent.db").exists() and not (tmp_path / "new.db").exists()


def test_non_utf8_input_is_bad_usage(populated: Populated, keys: Keys) -> None:
    args = ["ledger", "append", "--db", populated.db, "--key", keys.agency, "--type", "did"]
    run = cli(args, b'{"op": "create"}\n\xff\xfe\n')
    assert run.code == 2 and "line 2: not UTF-8" in run.err and run.out == ""


@pytest.mark.parametrize(
    "name", ["missing-db", "unknown-type", "non-json-stdin", "missing-key-file"]
)
def test_bad_usage_of_the_console_script_exits_2_without_a_traceback(
    populated: Populated, keys: Keys, tmp_path: Path, name: str
) -> None:
    args, stdin = _usage_case(name, populated, keys, tmp_path)
    run = script(args, stdin)
    assert run.code == 2 and run.out == ""
    assert run.err.startswith("chancery: error:") and run.err.count("\n") == 1, run.err


# --- anchoring on Anvil ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def anvil() -> Iterator[str]:
    """A real JSON-RPC node for this module's anchoring tests."""
    with running_anvil() as url:
        yield url


@dataclass
class Anchored:
    """A log anchored twice through ``chancery ledger anchor`` on a fresh registry."""

    db: str
    rpc: str
    contract: str
    client: AnchorClient
    outputs: list[dict[str, Any]]
    sizes: list[int]


def _anchor_args(db: str, rpc: str, contract: str, key: str = DEV_PRIVATE_KEY) -> list[str]:
    return ["ledger", "anchor", "--db", db, "--rpc", rpc, "--contract", contract, "--key", key]


def _new_log(db: str, keys: Keys, anchors: int) -> None:
    """A log under ORIGIN: genesis, the agency's DID, its accreditation, ``anchors`` anchors."""
    assert (
        cli(["ledger", "init", "--db", db, "--origin", ORIGIN, "--root-key", keys.root]).code == 0
    )
    [created] = _append_ok(db, keys.agency, "did", [{}])
    grant = {
        "agency": entry_json(created)["payload"]["did"],
        "types": ["diploma"],
        "valid_from": "2020-01-01T00:00:00Z",
        "valid_until": "2099-01-01T00:00:00Z",
    }
    _append_ok(db, keys.root, "accreditation", [grant])
    _append_ok(db, keys.agency, "credential-anchor", [{"hashes": [h]} for h in new_hashes(anchors)])


@pytest.fixture(scope="module")
def anchored(anvil: str, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Anchored:
    """Deploy a registry with Anvil's first dev account as the log's writer, then anchor a
    checkpoint, append, checkpoint and anchor again, all through the command line."""
    web3 = Web3(HTTPProvider(anvil))
    account = Account.from_key(DEV_PRIVATE_KEY)
    client = AnchorClient.deploy(web3, account)
    client.add_writer(log_id(ORIGIN), account.address)
    folder = tmp_path_factory.mktemp("anchored")
    db = str(folder / "anchored.db")
    _new_log(db, keys, 6)
    outputs, sizes = [], []
    key_file = folder / "eth.key"
    key_file.write_text(DEV_PRIVATE_KEY + "\n")
    for round_ in range(2):
        sealed = cli(["ledger", "checkpoint", "--db", db])
        sizes.append(int(sealed.lines()[1]))
        key = DEV_PRIVATE_KEY if round_ == 0 else str(key_file)  # inline, then from a file
        run = script(_anchor_args(db, anvil, client.address, key))
        assert run.code == 0, run.err
        outputs.append(run.json())
        _append_ok(db, keys.agency, "credential-anchor", [{"hashes": [h]} for h in new_hashes(5)])
    return Anchored(db, anvil, client.address, client, outputs, sizes)


def test_anchor_puts_each_checkpoint_on_chain_with_a_consistency_proof(
    anchored: Anchored,
) -> None:
    first, second = anchored.outputs
    assert (first["old_size"], first["new_size"]) == (0, anchored.sizes[0])
    assert (second["old_size"], second["new_size"]) == tuple(anchored.sizes)
    for output in (first, second):
        assert output["gas_used"] > 0 and output["log_id"] == log_id(ORIGIN).hex()
        assert re.fullmatch(r"0x[0-9a-f]{64}", output["transaction"])
    store = LedgerStore(anchored.db)
    try:
        assert first["root"] == store.root(anchored.sizes[0]).hex()
        assert anchored.client.latest(log_id(ORIGIN)) == (
            anchored.sizes[1],
            store.root(anchored.sizes[1]),
        )
    finally:
        store.close()
    events = anchored.client.anchored_events(log_id(ORIGIN))
    assert [(e.old_size, e.new_size) for e in events] == [
        (0, anchored.sizes[0]),
        tuple(anchored.sizes),
    ]


def test_anchor_refuses_when_nothing_new_is_sealed(anchored: Anchored) -> None:
    # The entries appended after the second anchor are not checkpointed yet.
    run = cli(_anchor_args(anchored.db, anchored.rpc, anchored.contract))
    assert run.code == 1 and "nothing newer to anchor" in run.err


def test_anchor_with_a_malformed_ethereum_key_is_bad_usage(anchored: Anchored) -> None:
    run = cli(_anchor_args(anchored.db, anchored.rpc, anchored.contract, "0xnothex"))
    assert run.code == 2 and "not an Ethereum private key" in run.err and "nothex" not in run.err


def test_verify_against_the_chain_passes_and_reports_the_anchored_roots(anchored: Anchored) -> None:
    run = script(
        [
            "ledger",
            "verify",
            "--db",
            anchored.db,
            "--rpc",
            anchored.rpc,
            "--contract",
            anchored.contract,
        ]
    )
    assert run.code == 0, run.out + run.err
    report = run.json()
    assert report["ok"] is True
    assert "2 anchored roots match the log" in report["checks"]


def test_a_rewritten_log_under_the_same_origin_can_be_neither_anchored_nor_verified(
    anchored: Anchored, keys: Keys, tmp_path: Path
) -> None:
    log = log_id(ORIGIN)
    before = anchored.client.latest(log)
    rewritten = str(tmp_path / "rewritten.db")
    _new_log(rewritten, keys, anchored.sizes[1] + 3)  # another history, longer than anchored
    assert cli(["ledger", "checkpoint", "--db", rewritten]).code == 0
    run = script(_anchor_args(rewritten, anchored.rpc, anchored.contract))
    assert run.code == 1 and run.out == ""
    assert f"anchored on chain at size {before[0]} is not this log's" in run.err
    assert anchored.client.latest(log) == before

    # Past the command line's check, the contract itself refuses the inconsistent root.
    store = LedgerStore(rewritten)
    try:
        size = store.size()
        proof = store.consistency_proof(before[0], size)
        with pytest.raises(ConsistencyRejected):
            anchored.client.anchor(log, size, store.root(size), proof)
    finally:
        store.close()
    assert anchored.client.latest(log) == before

    audit = cli(
        [
            "ledger",
            "verify",
            "--db",
            rewritten,
            "--rpc",
            anchored.rpc,
            "--contract",
            anchored.contract,
        ]
    )
    assert audit.code == 1
    assert "anchored on chain" in audit.json()["problems"][0]


def test_a_shorter_log_under_the_same_origin_is_refused_with_exit_1(
    anchored: Anchored, keys: Keys, tmp_path: Path
) -> None:
    short = str(tmp_path / "short.db")
    assert (
        cli(["ledger", "init", "--db", short, "--origin", ORIGIN, "--root-key", keys.root]).code
        == 0
    )
    assert cli(["ledger", "checkpoint", "--db", short]).code == 0
    run = cli(_anchor_args(short, anchored.rpc, anchored.contract))
    assert run.code == 1 and "this log has only 1 entries" in run.err
    audit = cli(
        ["ledger", "verify", "--db", short, "--rpc", anchored.rpc, "--contract", anchored.contract]
    )
    assert audit.code == 1 and "anchored on chain" in audit.json()["problems"][0]
