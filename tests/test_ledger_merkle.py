"""RFC 9162 Merkle tree: transparency-dev probes, the reference tree, and property tests.

The probes under ``vectors/merkle-rfc6962/testdata/{inclusion,consistency}`` each say whether a
verifier must reject them (``wantErr``). We reject with the right type: a probe whose arguments are
malformed (a hash that is not 32 bytes, an index outside the tree, sizes out of order) raises
``InvalidInput``; a well-formed probe that does not verify raises ``MerkleProofError``. Where our
policy is stricter than the library that wrote the probes, ``STRICTER_THAN_LIBRARY`` names the file
and the reason (see ``specs/ledger/log.md``). The ``subtree*`` folders test proofs over arbitrary
subtrees of draft-ietf-plants-merkle-tree-certs, which this log does not issue; they are kept with
the verbatim copy and not used.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vc_service._errors import InvalidInput, InvalidProof, VerificationError
from vc_service.ledger._merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    MemoryTree,
    MerkleProofError,
    compact_range_nodes,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parent / "vectors" / "merkle-rfc6962"
TESTDATA = VECTORS / "testdata"
REFERENCE = json.loads((VECTORS / "reference-tree.json").read_text(encoding="utf-8"))
REFERENCE_LEAVES = [bytes.fromhex(x) for x in REFERENCE["leafInputs"]]

#: Probes the library accepts and we reject, with the reason.
STRICTER_THAN_LIBRARY = {
    "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json": (
        "its two equal 'roots' are 12-byte strings; every hash must be 32 bytes"
    ),
}


def _names(kind: str) -> list[str]:
    return sorted(p.relative_to(TESTDATA).as_posix() for p in (TESTDATA / kind).rglob("*.json"))


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((TESTDATA / name).read_text(encoding="utf-8"))
    return data


def _b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def _proof(data: dict[str, Any]) -> list[bytes]:
    return [_b64(x) for x in data["proof"] or []]


def _well_formed(*hashes: bytes) -> bool:
    return all(len(h) == HASH_SIZE for h in hashes)


@pytest.mark.parametrize("name", _names("inclusion"), ids=_names("inclusion"))
def test_inclusion_probe_accepted_or_rejected_with_the_right_error(name: str) -> None:
    data = _load(name)
    leaf, root, proof = _b64(data["leafHash"]), _b64(data["root"]), _proof(data)
    index, size = data["leafIdx"], data["treeSize"]
    malformed = not _well_formed(leaf, root, *proof) or index >= size
    expected = InvalidInput if malformed else MerkleProofError if data["wantErr"] else None
    assert (expected is not None) == data["wantErr"] or name in STRICTER_THAN_LIBRARY
    if expected is None:
        verify_inclusion(leaf, index, size, proof, root)
    else:
        with pytest.raises(expected):
            verify_inclusion(leaf, index, size, proof, root)


@pytest.mark.parametrize("name", _names("consistency"), ids=_names("consistency"))
def test_consistency_probe_accepted_or_rejected_with_the_right_error(name: str) -> None:
    data = _load(name)
    root1, root2, proof = _b64(data["root1"]), _b64(data["root2"]), _proof(data)
    size1, size2 = data["size1"], data["size2"]
    malformed = not _well_formed(root1, root2, *proof) or size1 > size2
    expected = InvalidInput if malformed else MerkleProofError if data["wantErr"] else None
    assert (expected is not None) == data["wantErr"] or name in STRICTER_THAN_LIBRARY
    if expected is None:
        verify_consistency(size1, size2, root1, root2, proof)
    else:
        with pytest.raises(expected):
            verify_consistency(size1, size2, root1, root2, proof)


def test_stricter_than_library_probes_exist_and_are_accepted_by_the_library() -> None:
    for name in STRICTER_THAN_LIBRARY:
        assert _load(name)["wantErr"] is False


def _reference_tree() -> MemoryTree:
    return MemoryTree(REFERENCE_LEAVES)


@pytest.mark.parametrize("size", range(9))
def test_reference_tree_roots_match_rfc6962_vectors(size: int) -> None:
    expected = bytes.fromhex(REFERENCE["rootHashesBySize"][str(size)])
    tree = MemoryTree(REFERENCE_LEAVES[:size])
    assert tree.root() == expected
    assert _reference_tree().root(size) == expected
    assert root_hash(size, _reference_tree()) == expected


def test_reference_tree_node_hashes_are_the_perfect_subtree_hashes() -> None:
    tree = _reference_tree()
    for level, hashes in enumerate(REFERENCE["nodeHashesByLevel"]):
        for index, value in enumerate(hashes):
            assert tree.subtree_hash(level, index).hex() == value


def _reference_happy_paths(kind: str) -> list[str]:
    """Accepted probes over the reference tree: we must generate exactly their proofs."""
    names = []
    for name in _names(kind):
        data = _load(name)
        size: int = data["treeSize"] if "treeSize" in data else data["size2"]
        root = _b64(data.get("root", data.get("root2", "")))
        if (
            not data["wantErr"]
            and 0 < size <= 8
            and root.hex() == REFERENCE["rootHashesBySize"][str(size)]
        ):
            names.append(name)
    return names


@pytest.mark.parametrize(
    "name", _reference_happy_paths("inclusion"), ids=_reference_happy_paths("inclusion")
)
def test_generated_inclusion_proof_equals_probe(name: str) -> None:
    data = _load(name)
    tree = _reference_tree()
    assert tree.leaf_hash_at(data["leafIdx"]) == _b64(data["leafHash"])
    assert tree.inclusion_proof(data["leafIdx"], data["treeSize"]) == _proof(data)


@pytest.mark.parametrize(
    "name", _reference_happy_paths("consistency"), ids=_reference_happy_paths("consistency")
)
def test_generated_consistency_proof_equals_probe(name: str) -> None:
    data = _load(name)
    tree = _reference_tree()
    assert tree.root(data["size1"]) == _b64(data["root1"])
    assert tree.consistency_proof(data["size1"], data["size2"]) == _proof(data)


def test_happy_path_probes_cover_every_probe_folder() -> None:
    # Guards the generation tests above against silently selecting nothing.
    assert len(_reference_happy_paths("inclusion")) >= 5
    assert len(_reference_happy_paths("consistency")) >= 4


# --- hashing --------------------------------------------------------------------------------------


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert leaf_hash(b"") == bytes.fromhex(REFERENCE["rootHashesBySize"]["1"])
    assert EMPTY_ROOT == bytes.fromhex(REFERENCE["rootHashesBySize"]["0"])
    # A node's preimage fed to the leaf hash must not give the node hash.
    assert leaf_hash(left + right) != node_hash(left, right)
    assert leaf_hash(b"\x01" + left + right) != node_hash(left, right)


def test_leaf_hash_refuses_non_bytes() -> None:
    with pytest.raises(InvalidInput):
        leaf_hash("text")  # type: ignore[arg-type]


def test_merkle_proof_error_is_a_proof_verification_error() -> None:
    assert issubclass(MerkleProofError, InvalidProof)
    assert MerkleProofError("x").check == "proof"
    assert issubclass(MerkleProofError, VerificationError)


# --- naive RFC 9162 recursions (test oracle) ------------------------------------------------------


class Naive:
    """RFC 9162 §2.1 MTH, PATH and PROOF written as the RFC's recursions over the leaf list."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = [leaf_hash(x) for x in leaves]
        self.mth = cache(self._mth)

    def _mth(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n == 0:
            return EMPTY_ROOT
        if n == 1:
            return self.leaves[lo]
        k = 1
        while k * 2 < n:
            k *= 2
        return node_hash(self.mth(lo, lo + k), self.mth(lo + k, hi))

    def path(self, m: int, lo: int, hi: int) -> list[bytes]:
        n = hi - lo
        if n == 1:
            return []
        k = 1
        while k * 2 < n:
            k *= 2
        if m < k:
            return self.path(m, lo, lo + k) + [self.mth(lo + k, hi)]
        return self.path(m - k, lo + k, hi) + [self.mth(lo, lo + k)]

    def subproof(self, m: int, lo: int, hi: int, complete: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if complete else [self.mth(lo, hi)]
        k = 1
        while k * 2 < n:
            k *= 2
        if m <= k:
            return self.subproof(m, lo, lo + k, complete) + [self.mth(lo + k, hi)]
        return self.subproof(m - k, lo + k, hi, False) + [self.mth(lo, lo + k)]


def _entries(n: int) -> list[bytes]:
    return [b"entry %d" % i for i in range(n)]


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=300))
def test_every_proof_equals_the_rfc_recursion_and_verifies(size: int) -> None:
    naive = Naive(_entries(size))
    tree = MemoryTree(_entries(size))
    root = tree.root()
    assert root == naive.mth(0, size)
    for index in range(size):
        proof = tree.inclusion_proof(index)
        assert proof == naive.path(index, 0, size)
        verify_inclusion(naive.leaves[index], index, size, proof, root)
    for old in range(1, size + 1):
        proof = tree.consistency_proof(old)
        assert proof == naive.subproof(old, 0, size, True)
        verify_consistency(old, size, naive.mth(0, old), root, proof)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_tampered_inclusion_proof_never_verifies(data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=1, max_value=300), label="size")
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    tree = MemoryTree(_entries(size))
    leaf, root, proof = tree.leaf_hash_at(index), tree.root(), tree.inclusion_proof(index)
    verify_inclusion(leaf, index, size, proof, root)

    tampered: list[tuple[bytes, int, list[bytes], bytes]] = []
    if proof:
        at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="element")
        bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
        flipped = bytearray(proof[at])
        flipped[bit // 8] ^= 1 << (bit % 8)
        tampered.append((leaf, index, [*proof[:at], bytes(flipped), *proof[at + 1 :]], root))
        tampered.append((leaf, index, proof[:-1], root))
    tampered.append((leaf, index, [*proof, leaf_hash(b"extra")], root))
    tampered.append((leaf_hash(b"not in the log"), index, proof, root))
    tampered.append((leaf, index, proof, leaf_hash(b"another root")))
    if size > 1:
        other = data.draw(st.integers(min_value=0, max_value=size - 1).filter(lambda i: i != index))
        tampered.append((leaf, other, proof, root))
    for t_leaf, t_index, t_proof, t_root in tampered:
        with pytest.raises(MerkleProofError):
            verify_inclusion(t_leaf, t_index, size, t_proof, t_root)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_tampered_consistency_proof_never_verifies(data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=2, max_value=300), label="size")
    old = data.draw(st.integers(min_value=1, max_value=size - 1), label="old")
    tree = MemoryTree(_entries(size))
    old_root, new_root, proof = tree.root(old), tree.root(), tree.consistency_proof(old)
    verify_consistency(old, size, old_root, new_root, proof)

    at = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="element")
    bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
    flipped = bytearray(proof[at])
    flipped[bit // 8] ^= 1 << (bit % 8)
    other_old = (
        data.draw(
            st.integers(min_value=1, max_value=size - 1).filter(lambda m: m != old), label="other"
        )
        if size > 2
        else None
    )
    tampered = [
        (old, old_root, new_root, [*proof[:at], bytes(flipped), *proof[at + 1 :]]),
        (old, old_root, new_root, proof[:-1]),
        (old, old_root, new_root, [*proof, leaf_hash(b"extra")]),
        (old, leaf_hash(b"forged old root"), new_root, proof),
        (old, old_root, leaf_hash(b"forged new root"), proof),
    ]
    if other_old is not None:
        tampered.append((other_old, tree.root(other_old), new_root, proof))
    for t_old, t_old_root, t_new_root, t_proof in tampered:
        with pytest.raises(MerkleProofError):
            verify_consistency(t_old, size, t_old_root, t_new_root, t_proof)


# --- empty and equal trees (the cases RFC 9162 leaves open) ---------------------------------------


def test_empty_tree_is_consistent_with_every_tree_only_with_the_empty_root() -> None:
    tree = MemoryTree(_entries(5))
    assert tree.consistency_proof(0) == []
    verify_consistency(0, 5, EMPTY_ROOT, tree.root(), [])
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    with pytest.raises(MerkleProofError):
        verify_consistency(0, 5, tree.root(), tree.root(), [])
    with pytest.raises(MerkleProofError):
        verify_consistency(0, 0, tree.root(), tree.root(), [])
    with pytest.raises(MerkleProofError):
        verify_consistency(0, 5, EMPTY_ROOT, tree.root(), [EMPTY_ROOT])


def test_equal_sizes_need_equal_roots_and_an_empty_proof() -> None:
    tree = MemoryTree(_entries(5))
    assert tree.consistency_proof(5) == []
    verify_consistency(5, 5, tree.root(), tree.root(), [])
    with pytest.raises(MerkleProofError):
        verify_consistency(5, 5, tree.root(), tree.root(4), [])
    with pytest.raises(MerkleProofError):
        verify_consistency(5, 5, tree.root(), tree.root(), [tree.root()])


# --- malformed arguments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param((b"x" * 31, 0, 1, [], EMPTY_ROOT), id="short-leaf"),
        pytest.param((EMPTY_ROOT, 0, 1, [], b"x" * 33), id="long-root"),
        pytest.param((EMPTY_ROOT, 0, 2, [b"x"], EMPTY_ROOT), id="short-proof-element"),
        pytest.param((EMPTY_ROOT, 0, 2, EMPTY_ROOT, EMPTY_ROOT), id="proof-is-bytes"),
        pytest.param((EMPTY_ROOT, 0, 2, ["00" * 32], EMPTY_ROOT), id="proof-of-strings"),
        pytest.param((EMPTY_ROOT, 1, 1, [], EMPTY_ROOT), id="index-equals-size"),
        pytest.param((EMPTY_ROOT, -1, 1, [], EMPTY_ROOT), id="negative-index"),
        pytest.param((EMPTY_ROOT, 0, True, [], EMPTY_ROOT), id="bool-size"),
        pytest.param((EMPTY_ROOT.hex(), 0, 1, [], EMPTY_ROOT), id="hex-leaf"),
    ],
)
def test_verify_inclusion_refuses_malformed_arguments(args: tuple[Any, ...]) -> None:
    with pytest.raises(InvalidInput):
        verify_inclusion(*args)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param((2, 1, EMPTY_ROOT, EMPTY_ROOT, []), id="old-larger-than-new"),
        pytest.param((-1, 1, EMPTY_ROOT, EMPTY_ROOT, []), id="negative-size"),
        pytest.param((1, 2, b"", EMPTY_ROOT, [EMPTY_ROOT]), id="empty-old-root"),
        pytest.param((1, 2, EMPTY_ROOT, EMPTY_ROOT, [b"\x00"]), id="short-proof-element"),
        pytest.param((1, 2, EMPTY_ROOT, EMPTY_ROOT, None), id="proof-is-none"),
    ],
)
def test_verify_consistency_refuses_malformed_arguments(args: tuple[Any, ...]) -> None:
    with pytest.raises(InvalidInput):
        verify_consistency(*args)


def test_proof_generation_refuses_out_of_range_arguments() -> None:
    tree = MemoryTree(_entries(4))
    with pytest.raises(InvalidInput):
        tree.inclusion_proof(4)
    with pytest.raises(InvalidInput):
        tree.root(5)
    with pytest.raises(InvalidInput):
        tree.consistency_proof(3, 5)
    with pytest.raises(InvalidInput):
        consistency_proof(3, 2, tree)
    with pytest.raises(InvalidInput):
        inclusion_proof(0, 0, tree)
    with pytest.raises(InvalidInput):
        tree.subtree_hash(2, 1)  # leaves 4..7 are not all there


# --- O(log n) lookups -----------------------------------------------------------------------------


class CountingSource:
    """A HashSource over a MemoryTree that counts lookups."""

    def __init__(self, tree: MemoryTree) -> None:
        self.tree = tree
        self.lookups = 0

    def subtree_hash(self, level: int, index: int) -> bytes:
        self.lookups += 1
        return self.tree.subtree_hash(level, index)


class BatchCountingSource(CountingSource):
    """A BatchHashSource over a MemoryTree that counts batch calls."""

    def __init__(self, tree: MemoryTree) -> None:
        super().__init__(tree)
        self.batches = 0

    def subtree_hashes(self, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        self.batches += 1
        return [self.tree.subtree_hash(level, index) for level, index in nodes]


@pytest.fixture(scope="module")
def big_tree() -> MemoryTree:
    return MemoryTree(_entries(20_000))


@pytest.mark.parametrize("size", [1, 2, 3, 1000, 4095, 4096, 12_345, 19_999, 20_000])
def test_roots_and_proofs_take_logarithmically_many_lookups(
    big_tree: MemoryTree, size: int
) -> None:
    bound = 2 * size.bit_length() + 2
    for call in (
        lambda s: root_hash(size, s),
        lambda s: inclusion_proof(size // 3, size, s),
        lambda s: inclusion_proof(size - 1, size, s),
        lambda s: consistency_proof(max(1, size // 2 + 1), size, s),
        lambda s: consistency_proof(max(1, size - 1), size, s),
    ):
        counting = CountingSource(big_tree)
        result = call(counting)
        assert counting.lookups <= bound
        batching = BatchCountingSource(big_tree)
        assert call(batching) == result
        assert batching.batches <= 1
        assert batching.lookups <= bound


# --- compact ranges -------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=70))
def test_compact_range_appends_like_the_full_tree(start: int, more: int) -> None:
    tree = MemoryTree(_entries(start + more))
    nodes = compact_range_nodes(start)
    edge = CompactRange(start, [tree.subtree_hash(level, index) for level, index in nodes])
    assert edge.root() == tree.root(start)
    for i in range(start, start + more):
        completed = edge.append(tree.leaf_hash_at(i))
        assert [(lv, ix) for lv, ix, _ in completed] == [
            (lv, (i + 1 >> lv) - 1) for lv in range(1, 64) if (i + 1) % (1 << lv) == 0
        ]
        for level, index, value in completed:
            assert tree.subtree_hash(level, index) == value
        assert edge.root() == tree.root(i + 1)
    assert edge.size == start + more
    assert edge.hashes() == [tree.subtree_hash(lv, ix) for lv, ix in compact_range_nodes(edge.size)]


def test_compact_range_refuses_a_wrong_number_of_hashes() -> None:
    with pytest.raises(InvalidInput):
        CompactRange(3, [EMPTY_ROOT])
