// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.37;

/// @title AnchorRegistry: the latest checkpoint of each Chancery log, extended only by proof
/// @notice For every log (identified by `logId` = SHA-256 of the log's origin string) the registry
/// keeps the latest anchored tree head `(size, root)`. A writer that the admin allowed for that log
/// may replace it with a larger tree head only by presenting an RFC 9162 §2.1.4.2 consistency
/// proof from the stored head to the new one, and the proof is checked here, on chain, with the
/// SHA-256 precompile. A head that rewrites anchored history therefore cannot be stored by any
/// writer; only the chain's validators (the consortium) could undo an anchor, by rewriting the
/// chain itself. Earlier heads are not kept in storage: the `Anchored` events are the history.
/// @dev Specified in specs/ledger/anchoring.md. Compiled by scripts/compile_contract.mjs with a
/// pinned solc and EVM target; the committed AnchorRegistry.json must match that build.
contract AnchorRegistry {
    /// @dev The latest anchored tree head of one log. `size == 0` means nothing anchored yet.
    struct Head {
        bytes32 root;
        uint64 size;
    }

    /// @notice The consortium's account: it manages the writers of every log.
    address public admin;

    /// @notice The account proposed by `transferAdmin`, until it calls `acceptAdmin`.
    address public pendingAdmin;

    /// @notice `isWriter[logId][account]`: may `account` anchor tree heads of log `logId`?
    mapping(bytes32 => mapping(address => bool)) public isWriter;

    mapping(bytes32 => Head) private _heads;

    /// @notice Log `logId` grew from `oldSize` to the tree head `(newSize, newRoot)`.
    event Anchored(
        bytes32 indexed logId, uint64 oldSize, uint64 newSize, bytes32 newRoot, address indexed writer
    );
    /// @notice `writer` may now anchor tree heads of log `logId`.
    event WriterAdded(bytes32 indexed logId, address indexed writer);
    /// @notice `writer` may no longer anchor tree heads of log `logId`.
    event WriterRemoved(bytes32 indexed logId, address indexed writer);
    /// @notice The admin proposed `newAdmin` as its successor (the zero address cancels).
    event AdminTransferStarted(address indexed admin, address indexed newAdmin);
    /// @notice `newAdmin` accepted the admin role from `previousAdmin`.
    event AdminTransferred(address indexed previousAdmin, address indexed newAdmin);

    /// @notice The caller is not the admin.
    error NotAdmin(address caller);
    /// @notice The caller is not the account proposed by `transferAdmin`.
    error NotPendingAdmin(address caller);
    /// @notice The zero address cannot be a writer.
    error ZeroAddress();
    /// @notice `writer` is already a writer of log `logId`.
    error DuplicateWriter(bytes32 logId, address writer);
    /// @notice `writer` is not a writer of log `logId`, so it cannot be removed.
    error UnknownWriter(bytes32 logId, address writer);
    /// @notice The caller may not anchor tree heads of log `logId`.
    error NotWriter(bytes32 logId, address caller);
    /// @notice This exact tree head is already the latest anchor of log `logId`.
    error AlreadyAnchored(bytes32 logId, uint64 size, bytes32 root);
    /// @notice A new tree head must be larger than the anchored one.
    error SizeNotIncreasing(bytes32 logId, uint64 anchoredSize, uint64 newSize);
    /// @notice A consistency proof is only defined for 0 < oldSize < newSize.
    error InvalidSizes(uint64 oldSize, uint64 newSize);
    /// @notice A proof between these sizes has exactly `expected` hashes.
    error ProofLengthMismatch(uint256 expected, uint256 actual);
    /// @notice The proof does not connect the old tree head to the new one.
    error InconsistentProof(uint64 oldSize, uint64 newSize);

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAdmin(msg.sender);
        _;
    }

    /// @param initialAdmin the consortium's account, which manages the writers of every log
    constructor(address initialAdmin) {
        if (initialAdmin == address(0)) revert ZeroAddress();
        admin = initialAdmin;
        emit AdminTransferred(address(0), initialAdmin);
    }

    // --- administration -------------------------------------------------------------------------

    /// @notice Allow `writer` to anchor tree heads of log `logId`.
    function addWriter(bytes32 logId, address writer) external onlyAdmin {
        if (writer == address(0)) revert ZeroAddress();
        if (isWriter[logId][writer]) revert DuplicateWriter(logId, writer);
        isWriter[logId][writer] = true;
        emit WriterAdded(logId, writer);
    }

    /// @notice Stop `writer` from anchoring tree heads of log `logId`.
    function removeWriter(bytes32 logId, address writer) external onlyAdmin {
        if (!isWriter[logId][writer]) revert UnknownWriter(logId, writer);
        isWriter[logId][writer] = false;
        emit WriterRemoved(logId, writer);
    }

    /// @notice Propose `newAdmin` as the next admin; the zero address cancels a proposal.
    /// @dev Two steps, so that a mistyped address cannot take the role: it must accept.
    function transferAdmin(address newAdmin) external onlyAdmin {
        pendingAdmin = newAdmin;
        emit AdminTransferStarted(msg.sender, newAdmin);
    }

    /// @notice Take the admin role proposed to the caller by `transferAdmin`.
    function acceptAdmin() external {
        // With no proposal pendingAdmin is zero, which no caller can be.
        if (msg.sender != pendingAdmin) revert NotPendingAdmin(msg.sender);
        emit AdminTransferred(admin, msg.sender);
        admin = msg.sender;
        pendingAdmin = address(0);
    }

    // --- anchoring ------------------------------------------------------------------------------

    /// @notice The latest anchored tree head of log `logId`; `(0, 0)` if none.
    function latest(bytes32 logId) external view returns (uint64 size, bytes32 root) {
        Head storage head = _heads[logId];
        return (head.size, head.root);
    }

    /// @notice Anchor the tree head `(newSize, newRoot)` of log `logId`.
    /// @dev The first anchor of a log takes an empty proof (the first head is taken on the
    /// writer's word, as a witness takes a log's first checkpoint); every later one must extend
    /// the stored head: `newSize` larger and `proof` the RFC 9162 §2.1.4.1 consistency proof
    /// PROOF(size, D[newSize]) from the stored head.
    /// @param proof the consistency proof's hashes, in the RFC's order
    function anchor(bytes32 logId, uint64 newSize, bytes32 newRoot, bytes32[] calldata proof)
        external
    {
        if (!isWriter[logId][msg.sender]) revert NotWriter(logId, msg.sender);
        Head storage head = _heads[logId];
        uint64 oldSize = head.size;
        if (newSize <= oldSize) {
            // Re-sending the current head is reported apart: a writer that retries after a lost
            // receipt learns that its anchor is in place.
            if (newSize == oldSize && newRoot == head.root) {
                revert AlreadyAnchored(logId, oldSize, newRoot);
            }
            revert SizeNotIncreasing(logId, oldSize, newSize);
        }
        if (oldSize == 0) {
            if (proof.length != 0) revert ProofLengthMismatch(0, proof.length);
        } else {
            _requireConsistent(oldSize, newSize, head.root, newRoot, proof);
        }
        head.root = newRoot;
        head.size = newSize;
        emit Anchored(logId, oldSize, newSize, newRoot, msg.sender);
    }

    /// @notice Revert unless `proof` shows that the tree `(newSize, newRoot)` extends the tree
    /// `(oldSize, oldRoot)`: RFC 9162 §2.1.4.2, for 0 < oldSize < newSize. Stores nothing.
    function verifyConsistency(
        uint64 oldSize,
        uint64 newSize,
        bytes32 oldRoot,
        bytes32 newRoot,
        bytes32[] calldata proof
    ) external view {
        if (oldSize == 0 || oldSize >= newSize) revert InvalidSizes(oldSize, newSize);
        _requireConsistent(oldSize, newSize, oldRoot, newRoot, proof);
    }

    // --- RFC 9162 §2.1.4.2 ------------------------------------------------------------------------

    /// @dev The verification algorithm of RFC 9162 §2.1.4.2 with `first = oldSize` and
    /// `second = newSize`; requires 0 < oldSize < newSize. Every path through the tree fixes the
    /// number of hashes, so a proof of any other length is refused before its roots are compared.
    function _requireConsistent(
        uint64 oldSize,
        uint64 newSize,
        bytes32 oldRoot,
        bytes32 newRoot,
        bytes32[] calldata proof
    ) private view {
        unchecked {
            uint256 length = proof.length;
            uint256 fn = uint256(oldSize) - 1;
            uint256 sn = uint256(newSize) - 1;
            while (fn & 1 == 1) {
                fn >>= 1;
                sn >>= 1;
            }
            bytes32 fr;
            uint256 i;
            if (oldSize & (oldSize - 1) == 0) {
                // Step 2: the old tree is a perfect left subtree; the RFC prepends its root.
                fr = oldRoot;
            } else {
                if (length == 0) revert ProofLengthMismatch(_proofLength(oldSize, newSize), 0);
                fr = proof[0];
                i = 1;
            }
            bytes32 sr = fr;
            for (; i < length; ++i) {
                if (sn == 0) revert ProofLengthMismatch(_proofLength(oldSize, newSize), length);
                bytes32 c = proof[i];
                if (fn & 1 == 1 || fn == sn) {
                    fr = _hashChildren(c, fr);
                    sr = _hashChildren(c, sr);
                    while (fn & 1 == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                } else {
                    sr = _hashChildren(sr, c);
                }
                fn >>= 1;
                sn >>= 1;
            }
            if (sn != 0) revert ProofLengthMismatch(_proofLength(oldSize, newSize), length);
            if (fr != oldRoot || sr != newRoot) revert InconsistentProof(oldSize, newSize);
        }
    }

    /// @dev The number of hashes in PROOF(oldSize, D[newSize]): the walk of `_requireConsistent`
    /// without the hashing. Only computed to explain a refusal.
    function _proofLength(uint64 oldSize, uint64 newSize) private pure returns (uint256 count) {
        unchecked {
            uint256 fn = uint256(oldSize) - 1;
            uint256 sn = uint256(newSize) - 1;
            while (fn & 1 == 1) {
                fn >>= 1;
                sn >>= 1;
            }
            count = oldSize & (oldSize - 1) == 0 ? 0 : 1;
            while (sn != 0) {
                if (fn & 1 == 1 || fn == sn) {
                    while (fn & 1 == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
                fn >>= 1;
                sn >>= 1;
                ++count;
            }
        }
    }

    /// @dev HASH(0x01 || left || right) with the SHA-256 precompile (address 0x02). The 0x01
    /// prefix is RFC 9162's interior-node domain (leaves use 0x00), so a node cannot pass as a
    /// leaf. The 65 bytes are written past the free-memory pointer, which is never advanced:
    /// scratch memory, no allocation per hash.
    function _hashChildren(bytes32 left, bytes32 right) private view returns (bytes32 digest) {
        assembly ("memory-safe") {
            let buffer := mload(0x40)
            mstore8(buffer, 0x01)
            mstore(add(buffer, 0x01), left)
            mstore(add(buffer, 0x21), right)
            if iszero(staticcall(gas(), 0x02, buffer, 0x41, 0x00, 0x20)) { revert(0, 0) }
            digest := mload(0x00)
        }
    }
}
