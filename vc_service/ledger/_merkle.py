"""RFC 9162 Merkle tree hashing, inclusion and consistency proofs, over perfect-subtree hashes.

The log is the Merkle tree of RFC 9162 §2.1 with SHA-256: a leaf hashes as
``SHA-256(0x00 || entry)``, an interior node as ``SHA-256(0x01 || left || right)``, and the empty
tree as ``SHA-256("")``. The 0x00/0x01 prefixes separate the two domains, so an interior node can
never be passed off as a leaf (the second-preimage attack on unprefixed trees).

Proof generation reads hashes from a :class:`HashSource`, which only has to know *perfect*
subtrees: the hash of the ``2**level`` leaves starting at leaf ``index * 2**level``. Every subtree
that RFC 9162's recursions (MTH, PATH, SUBPROOF) visit starts at a multiple of the largest power of
two not above its size, so it is the left-to-right fold of at most ``log2(n)`` perfect subtrees
(its binary decomposition). Hence a root or a proof costs ``O(log n)`` lookups, which a store
batches into one query (:class:`BatchHashSource`); nothing ever reads all leaves.

The verifiers are the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2. They raise
:class:`MerkleProofError` when a proof does not verify and :class:`~vc_service._errors.InvalidInput`
when the arguments are malformed (a hash that is not 32 bytes, an index outside the tree, sizes out
of order); they never return ``False``. ``specs/ledger/log.md`` records the decisions where the
RFC leaves room (empty trees, equal sizes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from vc_service._errors import InvalidInput, InvalidProof

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "BatchHashSource",
    "CompactRange",
    "HashSource",
    "MemoryTree",
    "MerkleProofError",
    "Node",
    "compact_range_nodes",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
"""Length in bytes of every hash in the tree (SHA-256)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256 of the empty string, the root of the tree of size 0 (RFC 9162 §2.1.1)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

Node = tuple[int, int]
"""A perfect subtree as ``(level, index)``: leaves ``[index * 2**level, (index + 1) * 2**level)``."""


class MerkleProofError(InvalidProof):
    """An inclusion or consistency proof does not verify against the given root(s)."""


def leaf_hash(entry: bytes) -> bytes:
    """The leaf hash of one log entry: ``SHA-256(0x00 || entry)`` (RFC 9162 §2.1.1)."""
    if not isinstance(entry, bytes | bytearray | memoryview):
        raise InvalidInput("a log entry must be bytes")
    return hashlib.sha256(_LEAF_PREFIX + bytes(entry)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: ``SHA-256(0x01 || left || right)`` (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


class HashSource(Protocol):
    """Where proof generation reads hashes from: the hashes of perfect subtrees.

    ``subtree_hash(level, index)`` returns the hash of the perfect subtree of ``2**level`` leaves
    starting at leaf ``index * 2**level``; level 0 is the leaf hashes. It is only ever asked for
    subtrees that lie entirely within the tree size the caller is working on.
    """

    def subtree_hash(self, level: int, index: int) -> bytes:
        """The hash of the perfect subtree ``(level, index)``."""
        ...


@runtime_checkable
class BatchHashSource(HashSource, Protocol):
    """A :class:`HashSource` that can answer many lookups at once (one database round trip)."""

    def subtree_hashes(self, nodes: Sequence[Node]) -> list[bytes]:
        """The hashes of the perfect subtrees ``nodes``, in the same order."""
        ...


# --- arithmetic over ranges of leaves -------------------------------------------------------------


def _largest_power_of_two_below(n: int) -> int:
    """The largest power of two strictly less than ``n`` (``n >= 2``): RFC 9162's ``k``."""
    return 1 << ((n - 1).bit_length() - 1)


def _range_nodes(start: int, end: int) -> list[Node]:
    """The perfect subtrees whose left-to-right fold is MTH(D[start:end]).

    ``start`` must be a multiple of the largest power of two not above ``end - start``, which holds
    for every subtree the RFC 9162 recursions visit. The decomposition follows the binary digits of
    the size, largest first, so each piece is aligned on its own size.
    """
    nodes: list[Node] = []
    size = end - start
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, start >> level))
            start += 1 << level
    return nodes


def compact_range_nodes(size: int) -> list[Node]:
    """The perfect subtrees covering leaves ``[0, size)``, largest first (the tree's right edge).

    They are exactly what a writer must hold to append to a tree of ``size`` leaves and to compute
    its root (see :class:`CompactRange`).
    """
    _check_size(size, "size")
    return _range_nodes(0, size)


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Combine the hashes of a range's decomposition into the range's MTH (right to left)."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _fetch(source: HashSource, nodes: Sequence[Node]) -> dict[Node, bytes]:
    """Look up ``nodes`` in ``source``: one batch call when the source supports it."""
    unique = list(dict.fromkeys(nodes))
    if not unique:
        return {}
    if isinstance(source, BatchHashSource):
        hashes = source.subtree_hashes(unique)
    else:
        hashes = [source.subtree_hash(level, index) for level, index in unique]
    if len(hashes) != len(unique):
        raise InvalidInput("the hash source returned a wrong number of hashes")
    for value in hashes:
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise InvalidInput("the hash source returned a value that is not a 32-byte hash")
    return dict(zip(unique, hashes, strict=True))


def _resolve(source: HashSource, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
    """The MTH of each ``[start, end)`` range, computed from O(log n) perfect subtrees each."""
    plans = [_range_nodes(start, end) for start, end in ranges]
    found = _fetch(source, [node for plan in plans for node in plan])
    return [_fold([found[node] for node in plan]) for plan in plans]


# --- proof generation -----------------------------------------------------------------------------


def _check_size(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"{name} must be an integer")
    if value < 0:
        raise InvalidInput(f"{name} must not be negative")
    return value


def root_hash(size: int, source: HashSource) -> bytes:
    """MTH(D[0:size]), the Merkle tree hash of the first ``size`` leaves (RFC 9162 §2.1.1)."""
    _check_size(size, "size")
    if size == 0:
        return EMPTY_ROOT
    return _resolve(source, [(0, size)])[0]


def _path_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose MTHs form PATH(index, D[0:size]), leaf end first (RFC 9162 §2.1.3.1)."""
    ranges: list[tuple[int, int]] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if m < k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m = lo + k, m - k
    ranges.reverse()
    return ranges


def inclusion_proof(index: int, size: int, source: HashSource) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves.

    RFC 9162 §2.1.3.1, PATH(m, D[n]): the sibling hashes from the leaf up to the root.
    """
    _check_size(index, "index")
    _check_size(size, "size")
    if index >= size:
        raise InvalidInput(f"leaf index {index} is not in a tree of size {size}")
    return _resolve(source, _path_ranges(index, size))


def _subproof_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The ranges whose MTHs form PROOF(m, D[n]) = SUBPROOF(m, D[n], true) (RFC 9162 §2.1.4.1)."""
    ranges: list[tuple[int, int]] = []
    lo, hi, m, complete = 0, new_size, old_size, True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                ranges.append((lo, hi))
            break
        k = _largest_power_of_two_below(n)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    ranges.reverse()
    return ranges


def consistency_proof(old_size: int, new_size: int, source: HashSource) -> list[bytes]:
    """The consistency proof between the trees of ``old_size`` and ``new_size`` leaves.

    RFC 9162 §2.1.4.1, PROOF(m, D[n]). For ``old_size == new_size`` and for ``old_size == 0``
    the proof is empty: the empty tree is a prefix of every tree (C2SP tlog-witness makes the same
    choice), and a tree is consistent with itself.
    """
    _check_size(old_size, "old_size")
    _check_size(new_size, "new_size")
    if old_size > new_size:
        raise InvalidInput(f"old size {old_size} is larger than new size {new_size}")
    if old_size == 0 or old_size == new_size:
        return []
    return _resolve(source, _subproof_ranges(old_size, new_size))


# --- verification ---------------------------------------------------------------------------------


def _check_hash(value: object, name: str) -> bytes:
    if not isinstance(value, bytes):
        raise InvalidInput(f"{name} must be bytes")
    if len(value) != HASH_SIZE:
        raise InvalidInput(f"{name} must be {HASH_SIZE} bytes, got {len(value)}")
    return value


def _check_proof(proof: object) -> list[bytes]:
    if isinstance(proof, str | bytes | bytearray) or not isinstance(proof, Sequence):
        raise InvalidInput("a proof must be a sequence of 32-byte hashes")
    return [_check_hash(item, f"proof[{i}]") for i, item in enumerate(proof)]


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    RFC 9162 §2.1.3.2. Raises :class:`MerkleProofError` if the proof does not verify, and
    :class:`~vc_service._errors.InvalidInput` if ``index >= size`` or a hash is not 32 bytes.
    """
    unverified_leaf = _check_hash(leaf_hash, "leaf hash")
    _check_size(index, "index")
    _check_size(size, "size")
    unverified_path = _check_proof(proof)
    expected_root = _check_hash(root, "root")
    if index >= size:
        raise InvalidInput(f"leaf index {index} is not in a tree of size {size}")

    fn, sn = index, size - 1
    r = unverified_leaf
    for p in unverified_path:
        if sn == 0:
            raise MerkleProofError("inclusion proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise MerkleProofError("inclusion proof is shorter than the path to the root")
    if r != expected_root:
        raise MerkleProofError("inclusion proof does not lead to the expected root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``old_size`` leaves and ``old_root`` is a prefix of the new tree.

    RFC 9162 §2.1.4.2 for ``0 < old_size < new_size``. The RFC defines no proof for the other
    cases; here (see ``specs/ledger/log.md``): equal sizes need an empty proof and equal roots, and
    ``old_size == 0`` needs an empty proof and ``old_root`` equal to the empty tree's root. Raises
    :class:`MerkleProofError` if the proof does not verify, and
    :class:`~vc_service._errors.InvalidInput` if ``old_size > new_size`` or a hash is not 32 bytes.
    """
    _check_size(old_size, "old_size")
    _check_size(new_size, "new_size")
    first_hash = _check_hash(old_root, "old root")
    second_hash = _check_hash(new_root, "new root")
    unverified_path = _check_proof(proof)
    if old_size > new_size:
        raise InvalidInput(f"old size {old_size} is larger than new size {new_size}")

    if old_size == 0 or old_size == new_size:
        if unverified_path:
            raise MerkleProofError("a consistency proof from an empty or equal tree must be empty")
        # A size-0 tree has exactly one root; any other value is a forged checkpoint.
        if old_size == 0 and first_hash != EMPTY_ROOT:
            raise MerkleProofError("the root of the empty tree is not SHA-256('')")
        if old_size == new_size and first_hash != second_hash:
            raise MerkleProofError("trees of equal size have different roots")
        return

    if not unverified_path:
        raise MerkleProofError("consistency proof is empty")
    path = list(unverified_path)
    if old_size & (old_size - 1) == 0:
        # The old tree is a perfect subtree of the new one: its root is the proof's first node.
        path.insert(0, first_hash)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise MerkleProofError("consistency proof is longer than the path to the new root")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise MerkleProofError("consistency proof is shorter than the path to the new root")
    if fr != first_hash:
        raise MerkleProofError("consistency proof does not lead to the old root")
    if sr != second_hash:
        raise MerkleProofError("consistency proof does not lead to the new root")


# --- in-memory trees ------------------------------------------------------------------------------


class CompactRange:
    """The right edge of a tree: the perfect subtrees covering leaves ``[0, size)``.

    Holding ``popcount(size)`` hashes is enough to append leaves, to learn which perfect subtrees
    each append completes (what a store must persist), and to compute the root: a writer loads it
    once (:func:`compact_range_nodes` says which nodes) and never reads the tree again.
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        """Start from a tree of ``size`` leaves whose :func:`compact_range_nodes` hash to ``hashes``."""
        nodes = compact_range_nodes(size)
        if len(hashes) != len(nodes):
            raise InvalidInput(f"a tree of size {size} has {len(nodes)} right-edge subtrees")
        self._size = size
        self._stack = [
            (level, _check_hash(value, "subtree hash"))
            for (level, _), value in zip(nodes, hashes, strict=True)
        ]

    @property
    def size(self) -> int:
        """The number of leaves covered."""
        return self._size

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Append one leaf hash; return the perfect subtrees it completes as ``(level, index, hash)``.

        Level 0 (the leaf itself) is not included; levels run upwards.
        """
        value = _check_hash(leaf, "leaf hash")
        position = self._size
        level = 0
        completed: list[tuple[int, int, bytes]] = []
        stack = self._stack
        while stack and stack[-1][0] == level:
            value = node_hash(stack.pop()[1], value)
            level += 1
            completed.append((level, position >> level, value))
        stack.append((level, value))
        self._size = position + 1
        return completed

    def hashes(self) -> list[bytes]:
        """The hashes of :func:`compact_range_nodes` of the current size, largest first."""
        return [value for _, value in self._stack]

    def root(self) -> bytes:
        """The root hash of the tree of :attr:`size` leaves (RFC 9162 §2.1.1)."""
        if not self._stack:
            return EMPTY_ROOT
        return _fold([value for _, value in self._stack])


class MemoryTree:
    """A Merkle tree held in memory: every perfect subtree hash, level by level.

    A :class:`HashSource` for tests and for witnesses that mirror a small log. Appending costs
    O(log n) hashes; roots and proofs for any earlier size use the same algorithms as the store.
    """

    def __init__(self, entries: Iterable[bytes] = ()) -> None:
        """Build the tree of ``entries`` (possibly none)."""
        self._levels: list[list[bytes]] = [[]]
        for entry in entries:
            self.append(entry)

    @property
    def size(self) -> int:
        """The number of leaves."""
        return len(self._levels[0])

    def append(self, entry: bytes) -> int:
        """Append one entry (hashed as a leaf); return its index."""
        return self.append_leaf_hash(leaf_hash(entry))

    def append_leaf_hash(self, leaf: bytes) -> int:
        """Append a leaf by its hash; return its index."""
        value = _check_hash(leaf, "leaf hash")
        levels = self._levels
        index = len(levels[0])
        levels[0].append(value)
        position, level = index, 0
        while position & 1:
            if len(levels) == level + 1:
                levels.append([])
            value = node_hash(levels[level][position - 1], value)
            level += 1
            position >>= 1
            levels[level].append(value)
        return index

    def subtree_hash(self, level: int, index: int) -> bytes:
        """The hash of the perfect subtree ``(level, index)`` (:class:`HashSource`)."""
        _check_size(level, "level")
        _check_size(index, "index")
        if level >= len(self._levels) or index >= len(self._levels[level]):
            raise InvalidInput(f"perfect subtree ({level}, {index}) is not complete in this tree")
        return self._levels[level][index]

    def leaf_hash_at(self, index: int) -> bytes:
        """The leaf hash at ``index``."""
        return self.subtree_hash(0, index)

    def _size_or_current(self, size: int | None) -> int:
        if size is None:
            return self.size
        _check_size(size, "size")
        if size > self.size:
            raise InvalidInput(f"size {size} is beyond the tree's {self.size} leaves")
        return size

    def root(self, size: int | None = None) -> bytes:
        """The root hash of the first ``size`` leaves (all by default)."""
        return root_hash(self._size_or_current(size), self)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.3.1 inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
        return inclusion_proof(index, self._size_or_current(size), self)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.4.1 consistency proof from ``old_size`` to ``new_size`` leaves."""
        return consistency_proof(old_size, self._size_or_current(new_size), self)
