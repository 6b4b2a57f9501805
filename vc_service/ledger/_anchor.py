"""Anchoring checkpoints of the log in the ``AnchorRegistry`` contract on an EVM chain.

The contract (``contracts/AnchorRegistry.sol``, specified in ``specs/ledger/anchoring.md``) keeps,
per log, the latest anchored tree head ``(size, root)`` and accepts a larger one from an allowed
writer only with an RFC 9162 §2.1.4.2 consistency proof from the stored head, verified on chain.
:class:`AnchorClient` is the web3.py adapter: it deploys the contract, manages writers, anchors
tree heads, reads them back, and audits the chain's history against the log
(:meth:`AnchorClient.verify_against`). The same client talks to the in-process test EVM, to Anvil
and to a Hyperledger Besu network: it only needs a :class:`web3.Web3` connected to the chain.

A log is named on chain by its ``log_id``: the SHA-256 of its C2SP checkpoint origin line, UTF-8
encoded (:func:`log_id`). A refusal by the contract (a Solidity custom error) becomes an
:class:`AnchorRejected` subclass that names the error; a failure to talk to the node becomes an
:class:`AnchorError`; a chain that disagrees with the log raises :class:`AnchorMismatch`.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, TypeVar, cast

from eth_abi.abi import decode as abi_decode
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.types import TxParams, TxReceipt

from vc_service._errors import Error, InvalidInput, VerificationError
from vc_service.ledger._merkle import verify_consistency

__all__ = [
    "AlreadyAnchored",
    "AnchorClient",
    "AnchorError",
    "AnchorMismatch",
    "AnchorReceipt",
    "AnchorRejected",
    "AnchoredEvent",
    "ConsistencyRejected",
    "NotAuthorized",
    "StaleAnchor",
    "WriterListError",
    "contract_artefact",
    "log_id",
]

_HASH_SIZE = 32
_UINT64_MAX = 2**64 - 1
_ZERO_HASH = bytes(_HASH_SIZE)
_T = TypeVar("_T")


# --- errors -----------------------------------------------------------------------------------


class AnchorError(Error):
    """Anchoring failed: the node could not be reached, timed out, or is not the expected chain."""


class AnchorRejected(AnchorError):
    """The contract refused the call with one of its custom errors.

    ``reason`` is the Solidity error's name (``"InconsistentProof"``, ``"NotWriter"``, ...) and
    ``arguments`` its decoded arguments by name (``bytes32`` as ``bytes``, addresses checksummed).
    A revert without a recognised custom error has ``reason == "reverted"``.
    """

    def __init__(self, message: str, *, reason: str, arguments: dict[str, Any] | None = None):
        super().__init__(message)
        self.reason = reason
        self.arguments = dict(arguments or {})


class NotAuthorized(AnchorRejected):
    """The sender lacks the role: not the admin, not the proposed admin, not a writer of the log."""


class StaleAnchor(AnchorRejected):
    """The tree head is not larger than the one already anchored (``SizeNotIncreasing``)."""


class AlreadyAnchored(StaleAnchor):
    """This exact tree head is already the log's latest anchor: a retry that may be ignored."""


class ConsistencyRejected(AnchorRejected):
    """The consistency proof has the wrong length or does not connect the two tree heads.

    An ``InconsistentProof`` on a well-formed proof means the new root does not extend the anchored
    one: the log's history was rewritten, or the proof is not for these heads.
    """


class WriterListError(AnchorRejected):
    """A writer-list change that makes no sense: adding a writer twice, removing a stranger."""


class AnchorMismatch(VerificationError):
    """The chain's anchored history disagrees with the log (``check == "anchor"``).

    ``size`` is the tree size at which they disagree, when there is one.
    """

    check = "anchor"

    def __init__(self, message: str, *, size: int | None = None) -> None:
        super().__init__(message)
        self.size = size


# Each custom error of the contract: its exception class and a message template over its
# arguments (hashes in hex).
_REVERTS: dict[str, tuple[type[AnchorRejected], str]] = {
    "NotAdmin": (NotAuthorized, "{caller} is not the registry's admin"),
    "NotPendingAdmin": (NotAuthorized, "{caller} has not been proposed as the registry's admin"),
    "NotWriter": (NotAuthorized, "{caller} is not a writer of log {logId}"),
    "ZeroAddress": (WriterListError, "the zero address cannot be a writer or the admin"),
    "DuplicateWriter": (WriterListError, "{writer} is already a writer of log {logId}"),
    "UnknownWriter": (WriterListError, "{writer} is not a writer of log {logId}"),
    "AlreadyAnchored": (
        AlreadyAnchored,
        "log {logId} already has the tree head of size {size} and root {root} anchored",
    ),
    "SizeNotIncreasing": (
        StaleAnchor,
        "log {logId} has a tree of size {anchoredSize} anchored; size {newSize} does not extend it",
    ),
    "InvalidSizes": (
        ConsistencyRejected,
        "a consistency proof needs 0 < old size < new size, got {oldSize} and {newSize}",
    ),
    "ProofLengthMismatch": (
        ConsistencyRejected,
        "a consistency proof between these sizes has {expected} hashes, not {actual}",
    ),
    "InconsistentProof": (
        ConsistencyRejected,
        "the proof does not show that the tree of size {newSize} extends the anchored tree of "
        "size {oldSize}: the new root rewrites history or the proof is not for these trees",
    ),
}


# --- the contract's build output ---------------------------------------------------------------


@cache
def contract_artefact() -> dict[str, Any]:
    """The committed build of ``AnchorRegistry``: ``abi``, ``bytecode``, ``deployedBytecode``.

    Read from ``contracts/AnchorRegistry.json``, which ``scripts/compile_contract.mjs --check``
    proves to be the output of the pinned compiler on the committed source. Callers must not
    modify the returned mapping.
    """
    text = resources.files("vc_service.ledger").joinpath("contracts/AnchorRegistry.json")
    artefact: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return artefact


@cache
def _error_table() -> dict[bytes, tuple[str, list[str], list[str]]]:
    """Custom-error selector -> (name, argument types, argument names), from the ABI."""
    table: dict[bytes, tuple[str, list[str], list[str]]] = {}
    for item in contract_artefact()["abi"]:
        if item["type"] == "error":
            types = [arg["type"] for arg in item["inputs"]]
            names = [arg["name"] for arg in item["inputs"]]
            selector = keccak(text=f"{item['name']}({','.join(types)})")[:4]
            table[selector] = (item["name"], types, names)
    return table


def _decode_revert(raw: bytes) -> AnchorRejected:
    """Turn revert data (selector + ABI-encoded arguments) into a typed error."""
    entry = _error_table().get(raw[:4])
    if entry is None:
        return AnchorRejected("the AnchorRegistry call reverted", reason="reverted")
    name, types, names = entry
    try:
        values = abi_decode(types, raw[4:])
    except Exception:  # eth_abi raises several unrelated types for malformed data
        return AnchorRejected(f"the AnchorRegistry call reverted with {name}", reason=name)
    arguments: dict[str, Any] = {}
    shown: dict[str, str] = {}
    for kind, key, value in zip(types, names, values, strict=True):
        if kind == "address":
            value = Web3.to_checksum_address(value)
        arguments[key] = value
        shown[key] = "0x" + value.hex() if isinstance(value, bytes) else str(value)
    cls, template = _REVERTS.get(name, (AnchorRejected, name))
    return cls(template.format(**shown), reason=name, arguments=arguments)


# --- values -------------------------------------------------------------------------------------


def log_id(origin: str) -> bytes:
    """The on-chain name of a log: SHA-256 of its checkpoint origin (C2SP tlog-checkpoint).

    The origin is the first line of the log's checkpoints, a schema-less URL such as
    ``ledger.chancery.example/v1``; it is hashed as UTF-8 without a newline. Hashing gives every
    log a fixed-size ``bytes32`` key and keeps the contract independent of the naming rules.
    """
    if not isinstance(origin, str) or not origin or "\n" in origin:
        raise InvalidInput("a log origin must be a non-empty string on one line")
    return hashlib.sha256(origin.encode("utf-8")).digest()


@dataclass(frozen=True)
class AnchorReceipt:
    """A mined, successful transaction of the registry."""

    transaction_hash: bytes
    block_number: int
    gas_used: int


@dataclass(frozen=True)
class AnchoredEvent:
    """One ``Anchored(logId, oldSize, newSize, newRoot, writer)`` event: a step of a log's history."""

    log_id: bytes
    old_size: int
    new_size: int
    root: bytes
    writer: str
    block_number: int
    transaction_hash: bytes
    log_index: int


def _hash32(value: object, name: str) -> bytes:
    if not isinstance(value, bytes | bytearray) or len(value) != _HASH_SIZE:
        raise InvalidInput(f"{name} must be {_HASH_SIZE} bytes")
    return bytes(value)


def _uint64(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _UINT64_MAX:
        raise InvalidInput(f"{name} must be an integer in [0, 2**64)")
    return value


def _address(value: object, name: str) -> ChecksumAddress:
    if not isinstance(value, str) or not Web3.is_address(value):
        raise InvalidInput(f"{name} must be a 20-byte hex address")
    return Web3.to_checksum_address(value)


def _proof(value: object) -> list[bytes]:
    if isinstance(value, str | bytes | bytearray) or not isinstance(value, Sequence):
        raise InvalidInput("a proof must be a sequence of 32-byte hashes")
    return [_hash32(item, f"proof[{i}]") for i, item in enumerate(value)]


# --- the client ---------------------------------------------------------------------------------


class AnchorClient:
    """A web3.py client of one deployed ``AnchorRegistry``, acting as one account.

    ``account`` is either a :class:`~eth_account.signers.local.LocalAccount`, whose key signs each
    transaction here (production: the agency's key never leaves the process), or the address of
    an account the node itself signs for (the unlocked accounts of eth-tester and Anvil).
    ``from_block`` is where event queries start (the deployment block saves a long scan).
    ``timeout`` bounds the wait for each receipt, in seconds.

    The constructor checks that the code at ``address`` is the committed ``deployedBytecode``, so
    an audit cannot be pointed at a look-alike contract.
    """

    def __init__(
        self,
        web3: Web3,
        address: str,
        account: LocalAccount | str,
        *,
        from_block: int = 0,
        timeout: float = 120.0,
    ) -> None:
        """Bind to the registry at ``address``; see the class docstring."""
        if not isinstance(web3, Web3):
            raise InvalidInput("web3 must be a web3.Web3 instance")
        checksum = _address(address, "contract address")
        if isinstance(account, LocalAccount):
            self._sender = str(account.address)
        else:
            self._sender = _address(account, "account")
        self._web3 = web3
        self._account = account
        self._from_block = _uint64(from_block, "from_block")
        self._timeout = timeout
        expected = bytes.fromhex(contract_artefact()["deployedBytecode"].removeprefix("0x"))
        code = self._rpc(lambda: bytes(web3.eth.get_code(checksum)))
        if code != expected:
            raise AnchorError(f"the code at {checksum} is not the committed AnchorRegistry")
        self._contract: Contract = web3.eth.contract(
            address=checksum, abi=contract_artefact()["abi"]
        )

    @classmethod
    def deploy(
        cls, web3: Web3, admin_account: LocalAccount | str, *, timeout: float = 120.0
    ) -> AnchorClient:
        """Deploy a new registry whose admin is ``admin_account``; return a client acting as it."""
        if not isinstance(web3, Web3):
            raise InvalidInput("web3 must be a web3.Web3 instance")
        if isinstance(admin_account, LocalAccount):
            admin = str(admin_account.address)
        else:
            admin = _address(admin_account, "admin account")
        artefact = contract_artefact()
        factory = web3.eth.contract(abi=artefact["abi"], bytecode=artefact["bytecode"])
        receipt = _send(web3, admin_account, factory.constructor(admin), timeout)
        address = receipt.get("contractAddress")
        if address is None:
            raise AnchorError("the deployment receipt names no contract address")
        return cls(
            web3,
            str(address),
            admin_account,
            from_block=int(receipt["blockNumber"]),
            timeout=timeout,
        )

    @property
    def address(self) -> str:
        """The registry's checksummed address."""
        return str(self._contract.address)

    @property
    def sender(self) -> str:
        """The checksummed address this client sends transactions from."""
        return self._sender

    def with_account(self, account: LocalAccount | str) -> AnchorClient:
        """A client of the same registry acting as ``account``."""
        return AnchorClient(
            self._web3,
            self.address,
            account,
            from_block=self._from_block,
            timeout=self._timeout,
        )

    # --- administration (admin only) -----------------------------------------------------------

    def add_writer(self, log_id: bytes, address: str) -> AnchorReceipt:
        """Allow ``address`` to anchor tree heads of ``log_id`` (``addWriter``)."""
        call = self._contract.functions.addWriter(
            _hash32(log_id, "log id"), _address(address, "writer")
        )
        return self._transact(call)

    def remove_writer(self, log_id: bytes, address: str) -> AnchorReceipt:
        """Stop ``address`` from anchoring tree heads of ``log_id`` (``removeWriter``)."""
        call = self._contract.functions.removeWriter(
            _hash32(log_id, "log id"), _address(address, "writer")
        )
        return self._transact(call)

    def transfer_admin(self, new_admin: str) -> AnchorReceipt:
        """Propose ``new_admin`` as the next admin; it takes over with :meth:`accept_admin`."""
        return self._transact(
            self._contract.functions.transferAdmin(_address(new_admin, "new admin"))
        )

    def accept_admin(self) -> AnchorReceipt:
        """Take the admin role proposed to this client's account."""
        return self._transact(self._contract.functions.acceptAdmin())

    def admin(self) -> str:
        """The registry's current admin."""
        return str(self._call(self._contract.functions.admin()))

    def is_writer(self, log_id: bytes, address: str) -> bool:
        """Whether ``address`` may anchor tree heads of ``log_id``."""
        call = self._contract.functions.isWriter(
            _hash32(log_id, "log id"), _address(address, "address")
        )
        return bool(self._call(call))

    # --- anchoring -------------------------------------------------------------------------------

    def anchor(
        self, log_id: bytes, size: int, root: bytes, proof: Sequence[bytes]
    ) -> AnchorReceipt:
        """Anchor the tree head ``(size, root)`` of ``log_id``.

        ``proof`` is the RFC 9162 §2.1.4.1 consistency proof from the currently anchored size to
        ``size`` (empty for a log's first anchor). Raises :class:`ConsistencyRejected` if the
        contract finds the proof wrong, :class:`StaleAnchor` if ``size`` does not grow (its
        subclass :class:`AlreadyAnchored` for a repeat of the current head), and
        :class:`NotAuthorized` if this account is not a writer of the log.
        """
        call = self._contract.functions.anchor(
            _hash32(log_id, "log id"),
            _uint64(size, "size"),
            _hash32(root, "root"),
            _proof(proof),
        )
        return self._transact(call)

    def latest(self, log_id: bytes) -> tuple[int, bytes]:
        """The latest anchored ``(size, root)`` of ``log_id``; ``(0, 32 zero bytes)`` if none."""
        result = self._call(self._contract.functions.latest(_hash32(log_id, "log id")))
        size, root = result
        return int(size), bytes(root)

    def check_consistency(
        self,
        old_size: int,
        new_size: int,
        old_root: bytes,
        new_root: bytes,
        proof: Sequence[bytes],
    ) -> None:
        """Run the contract's RFC 9162 §2.1.4.2 verifier (``verifyConsistency``) as a call.

        Stores nothing; raises :class:`ConsistencyRejected` where :meth:`anchor` would. Useful to
        check a proof before paying for a transaction, and to test the on-chain verifier.
        """
        call = self._contract.functions.verifyConsistency(
            _uint64(old_size, "old size"),
            _uint64(new_size, "new size"),
            _hash32(old_root, "old root"),
            _hash32(new_root, "new root"),
            _proof(proof),
        )
        self._call(call)

    def anchored_events(self, log_id: bytes) -> list[AnchoredEvent]:
        """Every ``Anchored`` event of ``log_id``, oldest first: the log's anchored history."""
        key = _hash32(log_id, "log id")
        event = self._contract.events.Anchored
        entries = self._rpc(
            lambda: list(
                event.get_logs(
                    argument_filters={"logId": key},
                    from_block=self._from_block,
                    to_block="latest",
                )
            )
        )
        events = [
            AnchoredEvent(
                log_id=bytes(entry["args"]["logId"]),
                old_size=int(entry["args"]["oldSize"]),
                new_size=int(entry["args"]["newSize"]),
                root=bytes(entry["args"]["newRoot"]),
                writer=str(entry["args"]["writer"]),
                block_number=int(entry["blockNumber"]),
                transaction_hash=bytes(entry["transactionHash"]),
                log_index=int(entry["logIndex"]),
            )
            for entry in entries
        ]
        events.sort(key=lambda e: (e.block_number, e.log_index))
        return events

    def verify_against(
        self,
        log_id: bytes,
        consistency: Callable[[int, int], Sequence[bytes]],
        root_at: Callable[[int], bytes],
    ) -> list[AnchoredEvent]:
        """Audit the chain's anchored history of ``log_id`` against the log itself.

        ``root_at(size)`` is the log's own root of its first ``size`` entries, and
        ``consistency(old, new)`` the log's RFC 9162 §2.1.4.1 proof between two sizes. Checks
        that the events form one unbroken chain of sizes from 0; that every anchored root equals
        the log's root at that size (a log that lost or changed entries after anchoring fails
        here; a ``root_at`` that raises an :class:`~vc_service._errors.Error`, e.g. for a size the
        log no longer has, counts as a mismatch); that the log's consistency proof between each
        two consecutive anchors verifies (RFC 9162 §2.1.4.2, checked here, not on chain); and that
        the registry's latest head is the last event. Returns the verified events; raises
        :class:`AnchorMismatch` on the first disagreement.
        """
        key = _hash32(log_id, "log id")
        events = self.anchored_events(key)
        previous_size, previous_root = 0, _ZERO_HASH
        for event in events:
            if event.old_size != previous_size:
                raise AnchorMismatch(
                    f"the anchored history jumps from size {previous_size} to an anchor that "
                    f"extends size {event.old_size} (block {event.block_number})",
                    size=event.new_size,
                )
            try:
                log_root = root_at(event.new_size)
            except Error as exc:
                raise AnchorMismatch(
                    f"the log has no tree of size {event.new_size}, which the chain anchored in "
                    f"block {event.block_number}",
                    size=event.new_size,
                ) from exc
            if log_root != event.root:
                raise AnchorMismatch(
                    f"the log's root at size {event.new_size} is not the root anchored in block "
                    f"{event.block_number}: the log changed after it was anchored",
                    size=event.new_size,
                )
            if previous_size:
                try:
                    proof = consistency(previous_size, event.new_size)
                    verify_consistency(
                        previous_size, event.new_size, previous_root, event.root, proof
                    )
                except Error as exc:
                    raise AnchorMismatch(
                        f"the log cannot prove that size {event.new_size} extends the anchored "
                        f"size {previous_size}: {exc}",
                        size=event.new_size,
                    ) from exc
            previous_size, previous_root = event.new_size, event.root
        if self.latest(key) != (previous_size, previous_root):
            raise AnchorMismatch(
                "the registry's latest tree head is not the one its last Anchored event announced"
            )
        return events

    # --- plumbing --------------------------------------------------------------------------------

    def _transact(self, call: ContractFunction) -> AnchorReceipt:
        receipt = _send(self._web3, self._account, call, self._timeout)
        return AnchorReceipt(
            transaction_hash=bytes(receipt["transactionHash"]),
            block_number=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
        )

    def _call(self, call: ContractFunction) -> Any:
        return self._rpc(lambda: call.call({"from": self._sender}))

    def _rpc(self, action: Callable[[], _T]) -> _T:
        return _rpc(action)


def _revert_data(exc: BaseException) -> bytes | None:
    """The revert data carried by ``exc`` or an exception it wraps, if any.

    A JSON-RPC node's answer reaches us as web3's ``ContractCustomError`` with the data in hex.
    The in-process eth-tester provider instead raises its own ``TransactionFailed``, chained to
    the backend's exception whose first argument is the raw bytes (transactions) or ends with the
    ``repr`` of those bytes (calls); the walk over causes, contexts and arguments finds them.
    """
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop(0)
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ContractCustomError) and isinstance(item.data, str):
            try:
                return bytes.fromhex(item.data.removeprefix("0x"))
            except ValueError:
                return None
        if isinstance(item, str):
            item = _bytes_literal(item)
        if isinstance(item, bytes | bytearray) and len(item) >= 4:
            if bytes(item[:4]) in _error_table():
                return bytes(item)
        if isinstance(item, BaseException):
            pending.extend(item.args)
            pending.extend(e for e in (item.__cause__, item.__context__) if e is not None)
    return None


def _bytes_literal(text: str) -> bytes | None:
    """The bytes whose Python ``repr`` ends ``text`` (``"execution reverted: b'...'"``), if any."""
    start = text.find("b'")
    if start < 0:
        start = text.find('b"')
    if start < 0:
        return None
    try:
        value = ast.literal_eval(text[start:])  # literals only: never evaluates code
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, bytes) else None


def _rpc(action: Callable[[], _T]) -> _T:
    """Run one exchange with the node, turning web3's and the transport's errors into ours.

    This is the boundary to a library and a network that raise many unrelated exception types
    (web3's, the transport's, eth-tester's), hence the broad ``except``; our own errors pass.
    """
    try:
        return action()
    except Error:
        raise
    except Exception as exc:
        data = _revert_data(exc)
        if data is not None:
            raise _decode_revert(data) from exc
        if isinstance(exc, ContractLogicError) or "revert" in str(exc).lower():
            raise AnchorRejected(
                f"the AnchorRegistry call reverted: {exc}", reason="reverted"
            ) from exc
        raise AnchorError(f"EVM node error: {exc}") from exc


def _send(web3: Web3, account: LocalAccount | str, call: Any, timeout: float) -> TxReceipt:
    """Send a contract transaction from ``account``, wait for its receipt, require success.

    The node estimates gas first, which executes the call: a refusal surfaces there, with the
    contract's custom error, before anything is signed or paid for.
    """

    def submit() -> TxReceipt:
        if isinstance(account, LocalAccount):
            sender = account.address
            params: TxParams = {
                "from": sender,
                "nonce": web3.eth.get_transaction_count(sender, "pending"),
            }
            transaction = call.build_transaction(params)
            signed = account.sign_transaction(cast(dict[str, Any], transaction))
            tx_hash = web3.eth.send_raw_transaction(signed.raw_transaction)
        else:
            sender = Web3.to_checksum_address(account)
            tx_hash = call.transact({"from": sender})
        return web3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)

    receipt = _rpc(submit)
    if receipt["status"] != 1:
        # Accepted when estimated, reverted when mined: another transaction changed the state in
        # between (a concurrent writer anchored first). Replaying the call on the state after that
        # block usually names the reason.
        block = int(receipt["blockNumber"])
        sender = account.address if isinstance(account, LocalAccount) else account
        if hasattr(call, "call"):
            _rpc(lambda: call.call({"from": sender}, block_identifier=block))
        raise AnchorRejected(
            f"transaction 0x{bytes(receipt['transactionHash']).hex()} reverted in block {block}",
            reason="reverted",
        )
    return receipt
