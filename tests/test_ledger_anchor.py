"""The AnchorRegistry contract and its web3.py adapter (specs/ledger/anchoring.md).

Every chain test runs twice: on the in-process EVM of eth-tester (py-evm) and on a real Anvil
node from ``node_modules`` that the ``anvil_url`` fixture starts on a free port of 127.0.0.1 and
stops after the session. Each test deploys its own registry, so the tests share nothing but the
chain. Consistency proofs come from the log's own Merkle code (``vc_service.ledger._merkle``), an
implementation independent of the contract's verifier; the RFC 6962 vectors are also run through
the contract's verifier directly.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _anvil import free_port, running_anvil
from _services import require_or_skip
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st
from web3 import EthereumTesterProvider, HTTPProvider, Web3

from vc_service._errors import InvalidInput, VerificationError
from vc_service.ledger._anchor import (
    AlreadyAnchored,
    AnchorClient,
    AnchorError,
    AnchorMismatch,
    ConsistencyRejected,
    NotAuthorized,
    StaleAnchor,
    WriterListError,
    contract_artefact,
    log_id,
)
from vc_service.ledger._merkle import (
    EMPTY_ROOT,
    MemoryTree,
    consistency_proof,
    leaf_hash,
    node_hash,
    root_hash,
)

ROOT = Path(__file__).resolve().parent.parent
SOLC = ROOT / "node_modules" / "solc"
CONTRACTS = ROOT / "vc_service" / "ledger" / "contracts"
VECTORS = Path(__file__).parent / "vectors" / "merkle-rfc6962" / "testdata" / "consistency"
VECTOR_FILES = sorted(VECTORS.rglob("*.json"))

LOG = log_id("example.gov/chancery/test-log")
OTHER_LOG = log_id("example.gov/chancery/other-log")


# --- the two EVMs --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def anvil_url() -> Iterator[str]:
    """A real JSON-RPC node: Anvil from the npm package, on 127.0.0.1, stopped after the session."""
    with running_anvil() as url:
        yield url


@pytest.fixture(scope="session", params=["eth-tester", "anvil"])
def web3(request: pytest.FixtureRequest) -> Web3:
    """A connected Web3: each test runs on the in-process py-evm chain and on Anvil."""
    if request.param == "eth-tester":
        return Web3(EthereumTesterProvider())
    return Web3(HTTPProvider(request.getfixturevalue("anvil_url")))


@pytest.fixture
def accounts(web3: Web3) -> list[str]:
    """The node's unlocked, funded accounts: [admin, writer, second writer, stranger, ...]."""
    return list(web3.eth.accounts)


@pytest.fixture
def registry(web3: Web3, accounts: list[str]) -> AnchorClient:
    """A fresh registry administered by accounts[0], with accounts[1] a writer of LOG."""
    admin = AnchorClient.deploy(web3, accounts[0])
    admin.add_writer(LOG, accounts[1])
    return admin


@pytest.fixture
def writer(registry: AnchorClient, accounts: list[str]) -> AnchorClient:
    """The registry as seen by LOG's writer."""
    return registry.with_account(accounts[1])


def _tree(size: int, tag: bytes = b"entry") -> MemoryTree:
    return MemoryTree(tag + b"-%d" % i for i in range(size))


def _flip(value: bytes, bit: int = 0) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


# --- the first anchor ----------------------------------------------------------------------------


def test_first_anchor_takes_no_proof_and_becomes_latest(writer: AnchorClient) -> None:
    tree = _tree(5)
    assert writer.latest(LOG) == (0, bytes(32))
    receipt = writer.anchor(LOG, 5, tree.root(), [])
    assert receipt.gas_used > 21_000
    assert writer.latest(LOG) == (5, tree.root())


def test_first_anchor_with_a_proof_is_rejected(writer: AnchorClient) -> None:
    tree = _tree(5)
    with pytest.raises(ConsistencyRejected) as caught:
        writer.anchor(LOG, 5, tree.root(), [tree.root()])
    assert caught.value.reason == "ProofLengthMismatch"
    assert caught.value.arguments == {"expected": 0, "actual": 1}
    assert writer.latest(LOG) == (0, bytes(32))


def test_size_zero_is_never_anchored(writer: AnchorClient) -> None:
    with pytest.raises(StaleAnchor) as caught:
        writer.anchor(LOG, 0, EMPTY_ROOT, [])
    assert caught.value.reason == "SizeNotIncreasing"


# --- consistent extensions -----------------------------------------------------------------------


def test_consistent_extensions_are_accepted(writer: AnchorClient) -> None:
    # Old sizes that are and are not powers of two, perfect and ragged new trees, steps of one.
    sizes = [1, 2, 3, 4, 7, 8, 9, 16, 17, 100, 128, 1000, 1024, 1500]
    tree = _tree(sizes[-1])
    writer.anchor(LOG, sizes[0], tree.root(sizes[0]), [])
    for old, new in zip(sizes, sizes[1:], strict=False):
        writer.anchor(LOG, new, tree.root(new), tree.consistency_proof(old, new))
        assert writer.latest(LOG) == (new, tree.root(new))


def test_logs_are_independent(registry: AnchorClient, accounts: list[str]) -> None:
    registry.add_writer(OTHER_LOG, accounts[2])
    first, second = registry.with_account(accounts[1]), registry.with_account(accounts[2])
    one, two = _tree(4, b"one"), _tree(9, b"two")
    first.anchor(LOG, 4, one.root(), [])
    second.anchor(OTHER_LOG, 9, two.root(), [])
    assert registry.latest(LOG) == (4, one.root())
    assert registry.latest(OTHER_LOG) == (9, two.root())
    with pytest.raises(NotAuthorized) as caught:
        first.anchor(OTHER_LOG, 10, two.root(), [])
    assert caught.value.reason == "NotWriter"


# --- refusals ------------------------------------------------------------------------------------


def test_rewritten_history_is_rejected(writer: AnchorClient) -> None:
    honest = _tree(12)
    writer.anchor(LOG, 8, honest.root(8), [])
    # The operator rewrites entry 3 and grows the log: the forged tree's own proof from 8 does
    # not start at the anchored root, and the honest proof does not reach the forged root.
    forged = MemoryTree([b"entry-%d" % i if i != 3 else b"rewritten" for i in range(12)])
    for proof in (forged.consistency_proof(8, 12), honest.consistency_proof(8, 12)):
        with pytest.raises(ConsistencyRejected) as caught:
            writer.anchor(LOG, 12, forged.root(), proof)
        assert caught.value.reason == "InconsistentProof"
        assert caught.value.arguments == {"oldSize": 8, "newSize": 12}
    assert writer.latest(LOG) == (8, honest.root(8))


def test_fork_at_the_anchored_size_is_rejected(writer: AnchorClient) -> None:
    honest, forged = _tree(8), _tree(8, b"forged")
    writer.anchor(LOG, 8, honest.root(), [])
    with pytest.raises(StaleAnchor) as caught:
        writer.anchor(LOG, 8, forged.root(), [])
    assert caught.value.reason == "SizeNotIncreasing"
    assert not isinstance(caught.value, AlreadyAnchored)


@pytest.mark.parametrize(("old", "new"), [(6, 8), (4, 8), (3, 100), (1000, 1500)])
def test_wrong_proof_length_is_rejected(writer: AnchorClient, old: int, new: int) -> None:
    tree = _tree(new)
    writer.anchor(LOG, old, tree.root(old), [])
    proof = tree.consistency_proof(old, new)
    for wrong in (proof[:-1], [*proof, proof[-1]], [tree.root(old), *proof], []):
        with pytest.raises(ConsistencyRejected) as caught:
            writer.anchor(LOG, new, tree.root(new), wrong)
        assert caught.value.reason == "ProofLengthMismatch"
        assert caught.value.arguments == {"expected": len(proof), "actual": len(wrong)}
    assert writer.latest(LOG) == (old, tree.root(old))


@pytest.mark.parametrize(("old", "new"), [(6, 8), (4, 8), (3, 100), (1000, 1500)])
def test_tampered_proof_element_is_rejected(writer: AnchorClient, old: int, new: int) -> None:
    tree = _tree(new)
    writer.anchor(LOG, old, tree.root(old), [])
    proof = tree.consistency_proof(old, new)
    for index in range(len(proof)):
        tampered = list(proof)
        tampered[index] = _flip(proof[index], bit=index % 8)
        with pytest.raises(ConsistencyRejected) as caught:
            writer.anchor(LOG, new, tree.root(new), tampered)
        assert caught.value.reason == "InconsistentProof"
    # Swapping two hashes keeps the length and the multiset but not the tree.
    if len(proof) > 1:
        with pytest.raises(ConsistencyRejected):
            writer.anchor(LOG, new, tree.root(new), [proof[1], proof[0], *proof[2:]])
    writer.anchor(LOG, new, tree.root(new), proof)


def test_smaller_size_is_rejected(writer: AnchorClient) -> None:
    tree = _tree(10)
    writer.anchor(LOG, 10, tree.root(), [])
    with pytest.raises(StaleAnchor) as caught:
        writer.anchor(LOG, 9, tree.root(9), [])
    assert caught.value.reason == "SizeNotIncreasing"
    assert caught.value.arguments == {"logId": LOG, "anchoredSize": 10, "newSize": 9}


def test_repeating_the_latest_head_is_reported_as_already_anchored(writer: AnchorClient) -> None:
    tree = _tree(10)
    writer.anchor(LOG, 10, tree.root(), [])
    with pytest.raises(AlreadyAnchored) as caught:
        writer.anchor(LOG, 10, tree.root(), [])
    assert caught.value.reason == "AlreadyAnchored"
    assert len(writer.anchored_events(LOG)) == 1


def test_non_writer_is_rejected(registry: AnchorClient, accounts: list[str]) -> None:
    stranger = registry.with_account(accounts[3])
    with pytest.raises(NotAuthorized) as caught:
        stranger.anchor(LOG, 1, _tree(1).root(), [])
    assert caught.value.reason == "NotWriter"
    assert caught.value.arguments == {"logId": LOG, "caller": accounts[3]}
    # The admin manages writers but is not one.
    with pytest.raises(NotAuthorized):
        registry.anchor(LOG, 1, _tree(1).root(), [])


def test_removed_writer_is_rejected(registry: AnchorClient, accounts: list[str]) -> None:
    writer = registry.with_account(accounts[1])
    tree = _tree(6)
    writer.anchor(LOG, 3, tree.root(3), [])
    registry.remove_writer(LOG, accounts[1])
    assert not registry.is_writer(LOG, accounts[1])
    with pytest.raises(NotAuthorized) as caught:
        writer.anchor(LOG, 6, tree.root(), tree.consistency_proof(3, 6))
    assert caught.value.reason == "NotWriter"
    # Another writer continues from the head the removed one left.
    registry.add_writer(LOG, accounts[2])
    registry.with_account(accounts[2]).anchor(LOG, 6, tree.root(), tree.consistency_proof(3, 6))


def test_only_the_admin_manages_writers(registry: AnchorClient, accounts: list[str]) -> None:
    writer = registry.with_account(accounts[1])
    with pytest.raises(NotAuthorized) as caught:
        writer.add_writer(LOG, accounts[3])
    assert caught.value.reason == "NotAdmin"
    with pytest.raises(NotAuthorized):
        writer.remove_writer(LOG, accounts[1])
    with pytest.raises(WriterListError) as duplicate:
        registry.add_writer(LOG, accounts[1])
    assert duplicate.value.reason == "DuplicateWriter"
    with pytest.raises(WriterListError) as unknown:
        registry.remove_writer(LOG, accounts[3])
    assert unknown.value.reason == "UnknownWriter"
    with pytest.raises(WriterListError) as zero:
        registry.add_writer(LOG, "0x" + "00" * 20)
    assert zero.value.reason == "ZeroAddress"


def test_admin_role_moves_in_two_steps(registry: AnchorClient, accounts: list[str]) -> None:
    successor = registry.with_account(accounts[4])
    with pytest.raises(NotAuthorized) as early:
        successor.accept_admin()
    assert early.value.reason == "NotPendingAdmin"
    registry.transfer_admin(accounts[4])
    assert registry.admin() == accounts[0]
    successor.accept_admin()
    assert registry.admin() == accounts[4]
    with pytest.raises(NotAuthorized):
        registry.add_writer(LOG, accounts[3])
    successor.add_writer(LOG, accounts[3])
    assert registry.is_writer(LOG, accounts[3])


# --- events and the audit ------------------------------------------------------------------------


def test_events_record_every_anchor(writer: AnchorClient, accounts: list[str]) -> None:
    tree = _tree(20)
    writer.anchor(LOG, 5, tree.root(5), [])
    writer.anchor(LOG, 13, tree.root(13), tree.consistency_proof(5, 13))
    writer.anchor(LOG, 20, tree.root(20), tree.consistency_proof(13, 20))
    events = writer.anchored_events(LOG)
    assert [(e.old_size, e.new_size, e.root) for e in events] == [
        (0, 5, tree.root(5)),
        (5, 13, tree.root(13)),
        (13, 20, tree.root(20)),
    ]
    assert {e.writer for e in events} == {accounts[1]}
    assert {e.log_id for e in events} == {LOG}
    assert writer.anchored_events(OTHER_LOG) == []


def test_verify_against_accepts_the_anchored_log(writer: AnchorClient) -> None:
    tree = _tree(40)
    writer.anchor(LOG, 7, tree.root(7), [])
    writer.anchor(LOG, 32, tree.root(32), tree.consistency_proof(7, 32))
    writer.anchor(LOG, 33, tree.root(33), tree.consistency_proof(32, 33))
    for entry in range(33, 40):  # the log grew after its last anchor: still consistent
        tree.append(b"late-%d" % entry)
    events = writer.verify_against(LOG, tree.consistency_proof, tree.root)
    assert [e.new_size for e in events] == [7, 32, 33]
    assert writer.verify_against(OTHER_LOG, tree.consistency_proof, tree.root) == []


def test_verify_against_detects_a_log_changed_after_anchoring(writer: AnchorClient) -> None:
    tree = _tree(16)
    writer.anchor(LOG, 4, tree.root(4), [])
    writer.anchor(LOG, 16, tree.root(16), tree.consistency_proof(4, 16))
    # The operator's database now holds a different entry 9: anchored at 16, not at 4.
    changed = MemoryTree([b"entry-%d" % i if i != 9 else b"changed" for i in range(16)])
    with pytest.raises(AnchorMismatch) as caught:
        writer.verify_against(LOG, changed.consistency_proof, changed.root)
    assert caught.value.size == 16
    assert isinstance(caught.value, VerificationError)
    assert caught.value.check == "anchor"


def test_verify_against_detects_a_truncated_log(writer: AnchorClient) -> None:
    tree = _tree(16)
    writer.anchor(LOG, 16, tree.root(), [])
    truncated = _tree(10)
    with pytest.raises(AnchorMismatch) as caught:
        writer.verify_against(LOG, truncated.consistency_proof, truncated.root)
    assert caught.value.size == 16


def test_verify_against_detects_a_log_that_cannot_prove_consistency(writer: AnchorClient) -> None:
    tree = _tree(16)
    writer.anchor(LOG, 5, tree.root(5), [])
    writer.anchor(LOG, 16, tree.root(), tree.consistency_proof(5, 16))

    def broken(old: int, new: int) -> list[bytes]:
        return [_flip(h) for h in tree.consistency_proof(old, new)]

    with pytest.raises(AnchorMismatch) as caught:
        writer.verify_against(LOG, broken, tree.root)
    assert caught.value.size == 16


# --- the client ----------------------------------------------------------------------------------


def test_local_account_signs_its_own_transactions(web3: Web3, accounts: list[str]) -> None:
    admin_key, writer_key = Account.create(), Account.create()
    for key in (admin_key, writer_key):
        tx = web3.eth.send_transaction({"from": accounts[0], "to": key.address, "value": 10**18})
        web3.eth.wait_for_transaction_receipt(tx)
    admin = AnchorClient.deploy(web3, admin_key)
    assert admin.admin() == admin_key.address
    admin.add_writer(LOG, writer_key.address)
    writer = admin.with_account(writer_key)
    tree = _tree(9)
    writer.anchor(LOG, 2, tree.root(2), [])
    writer.anchor(LOG, 9, tree.root(), tree.consistency_proof(2, 9))
    assert writer.latest(LOG) == (9, tree.root())
    with pytest.raises(ConsistencyRejected):
        writer.anchor(LOG, 9 + 1, tree.root(), tree.consistency_proof(2, 9))


def test_client_refuses_an_address_without_the_registry_code(
    web3: Web3, accounts: list[str]
) -> None:
    with pytest.raises(AnchorError):
        AnchorClient(web3, accounts[5], accounts[0])


def test_unreachable_node_is_an_anchor_error() -> None:
    offline = Web3(HTTPProvider(f"http://127.0.0.1:{free_port()}", request_kwargs={"timeout": 2}))
    with pytest.raises(AnchorError) as caught:
        AnchorClient(offline, "0x" + "11" * 20, "0x" + "22" * 20)
    assert not isinstance(caught.value, ConsistencyRejected)


def test_malformed_arguments_are_refused_before_the_chain(writer: AnchorClient) -> None:
    root = _tree(3).root()
    bad_calls: list[tuple[Any, ...]] = [
        (LOG[:31], 3, root, []),
        (LOG, -1, root, []),
        (LOG, 2**64, root, []),
        (LOG, 3, root[:16], []),
        (LOG, 3, root, [b"short"]),
        (LOG, 3, root, root),
    ]
    for call in bad_calls:
        with pytest.raises(InvalidInput):
            writer.anchor(*call)
    with pytest.raises(InvalidInput):
        writer.add_writer(LOG, "not-an-address")


def test_log_id_is_the_sha256_of_the_origin() -> None:
    origin = "example.gov/chancery/log"
    assert log_id(origin) == hashlib.sha256(origin.encode()).digest()
    for bad in ("", "two\nlines"):
        with pytest.raises(InvalidInput):
            log_id(bad)


# --- the on-chain verifier against the RFC 6962 vectors ------------------------------------------


@pytest.fixture(scope="session")
def verifier(web3: Web3) -> AnchorClient:
    """One registry per chain, only called (never transacted with) by the vector tests."""
    return AnchorClient.deploy(web3, web3.eth.accounts[0])


@pytest.mark.parametrize(
    "vector", VECTOR_FILES, ids=[str(p.relative_to(VECTORS)) for p in VECTOR_FILES]
)
def test_consistency_vector(verifier: AnchorClient, vector: Path) -> None:
    """The contract's RFC 9162 §2.1.4.2 verifier agrees with every vector it is defined for.

    The contract only ever proves a strict extension (0 < size1 < size2): equal sizes and
    size1 = 0 are refused with InvalidSizes even where the RFC accepts them (the happy paths
    ``0/happy-path`` and ``additional/sizes-are-equal-one-and-proof-is-empty``), and hashes that
    are not 32 bytes never reach the chain (InvalidInput).
    """
    data = json.loads(vector.read_text())
    root1, root2 = (base64.b64decode(data[k] or "") for k in ("root1", "root2"))
    proof = [base64.b64decode(p) for p in data["proof"] or []]
    size1, size2 = data["size1"], data["size2"]
    if any(len(h) != 32 for h in (root1, root2, *proof)):
        assert data["wantErr"] or not 0 < size1 < size2
        with pytest.raises(InvalidInput):
            verifier.check_consistency(size1, size2, root1, root2, proof)
    elif not 0 < size1 < size2:
        with pytest.raises(ConsistencyRejected) as caught:
            verifier.check_consistency(size1, size2, root1, root2, proof)
        assert caught.value.reason == "InvalidSizes"
    elif data["wantErr"]:
        with pytest.raises(ConsistencyRejected):
            verifier.check_consistency(size1, size2, root1, root2, proof)
    else:
        verifier.check_consistency(size1, size2, root1, root2, proof)


_PROPERTY_TREE = _tree(300)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_on_chain_verifier_accepts_real_proofs_and_no_tampered_one(
    verifier: AnchorClient, data: st.DataObject
) -> None:
    new = data.draw(st.integers(min_value=2, max_value=300), label="new")
    old = data.draw(st.integers(min_value=1, max_value=new - 1), label="old")
    tree = _PROPERTY_TREE
    proof = tree.consistency_proof(old, new)
    verifier.check_consistency(old, new, tree.root(old), tree.root(new), proof)
    index = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="index")
    bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
    tampered = list(proof)
    value = int.from_bytes(proof[index], "big") ^ (1 << bit)
    tampered[index] = value.to_bytes(32, "big")
    with pytest.raises(ConsistencyRejected) as caught:
        verifier.check_consistency(old, new, tree.root(old), tree.root(new), tampered)
    assert caught.value.reason == "InconsistentProof"


# --- gas -----------------------------------------------------------------------------------------


class _UniformTree:
    """A hash source for a log whose leaves are all one entry: a perfect subtree's hash depends
    on its level only, so trees of millions of leaves cost a few dozen hashes. Proof lengths and
    the verifier's path through them depend on the sizes only, so gas is the same as for a real
    log of these sizes.
    """

    def __init__(self) -> None:
        self._levels = [leaf_hash(b"uniform")]

    def subtree_hash(self, level: int, index: int) -> bytes:
        while len(self._levels) <= level:
            self._levels.append(node_hash(self._levels[-1], self._levels[-1]))
        return self._levels[level]


@pytest.mark.parametrize(
    ("old", "new", "ceiling"),
    [
        # Measured (identical on both EVMs): 49,572 / 52,695 / 57,587 / 85,913 gas for proofs of
        # 9 / 11 / 16 / 43 hashes; about 40,600 gas plus 1,000 per proof hash.
        pytest.param(1_000, 2_000, 52_000, id="1e3-to-2e3"),
        pytest.param(1_000_000, 1_001_000, 55_000, id="1e6-plus-1e3"),
        pytest.param(1_000_000, 2_000_000, 60_000, id="1e6-plus-1e6"),
        pytest.param(2**40 + 12345, 2**41 + 999, 90_000, id="2e40-to-2e41"),
    ],
)
def test_gas_per_anchor_stays_low(
    writer: AnchorClient, record_property: Any, old: int, new: int, ceiling: int
) -> None:
    source = _UniformTree()
    first = writer.anchor(LOG, old, root_hash(old, source), [])
    proof = consistency_proof(old, new, source)
    receipt = writer.anchor(LOG, new, root_hash(new, source), proof)
    record_property("proof_length", len(proof))
    record_property("first_anchor_gas", first.gas_used)
    record_property("anchor_gas", receipt.gas_used)
    assert first.gas_used < 75_000  # measured 72,320: two fresh storage slots
    assert receipt.gas_used < ceiling


# --- the committed build -------------------------------------------------------------------------


def _code_without_metadata(code: bytes) -> bytes:
    # solc appends CBOR metadata whose length is the code's last two bytes.
    return code[: -(int.from_bytes(code[-2:], "big") + 2)]


def test_committed_build_records_the_pinned_compiler_and_target() -> None:
    artefact = contract_artefact()
    source = (CONTRACTS / "AnchorRegistry.sol").read_bytes()
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["solc"]
    assert artefact["sourceSha256"] == hashlib.sha256(source).hexdigest()
    assert artefact["compiler"]["version"].startswith(pinned + "+commit.")
    assert artefact["settings"]["evmVersion"] == "paris"
    assert artefact["settings"]["optimizer"] == {"enabled": True, "runs": 10000}
    # The paris target matters to Besu networks without Shanghai: no PUSH0 (0x5f) opcode.
    code = _code_without_metadata(bytes.fromhex(artefact["deployedBytecode"][2:]))
    position = 0
    while position < len(code):
        opcode = code[position]
        assert opcode != 0x5F, f"PUSH0 at byte {position}"
        position += 1 + (opcode - 0x5F if 0x60 <= opcode <= 0x7F else 0)


def test_committed_build_is_reproducible() -> None:
    node = shutil.which("node")
    require_or_skip(
        node is not None and SOLC.exists(),
        "the reproducible-build check needs node and node_modules/solc: run `npm ci`",
    )
    assert node is not None
    result = subprocess.run(
        [node, str(ROOT / "scripts" / "compile_contract.mjs"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "matches a fresh build" in result.stdout
