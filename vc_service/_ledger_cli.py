"""``chancery ledger ...``: create, append to, seal, prove, audit and anchor the ledger.

The commands and their output are a stable interface (specs/ledger.md §4)::

    chancery ledger init --db URL --origin NAME --root-key ROOT.jwk
    chancery ledger append --db URL --key KEY.jwk --type TYPE < payloads.jsonl
    chancery ledger checkpoint --db URL
    chancery ledger prove --db URL --index I [--size N]
    chancery ledger consistency --db URL --from N [--to M]
    chancery ledger state --db URL [--size N]
    chancery ledger anchor --db URL --rpc URL --contract ADDR --key ETHKEY
    chancery ledger verify --db URL [--rpc URL --contract ADDR]

``append`` prints one receipt per line, each only after the transaction holding it committed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from ._errors import Error, InvalidInput
from ._keys import Key
from .ledger._ledger import AppendError, Ledger, default_op, load_secret

__all__ = ["add_ledger_commands"]

_BATCH = 500
_SECRET_ENV = "CHANCERY_LEDGER_SECRET_FILE"  # noqa: S105 - a variable name, not a secret
#: The ``from`` of read-only contract calls: an audit needs no account on the node.
_READ_ONLY_ACCOUNT = "0x" + "00" * 20


class LedgerUsageError(InvalidInput):
    """Bad usage of a ledger command (exit status 2)."""


class _ArgumentParser(argparse.ArgumentParser):
    """Reports bad arguments like every other usage error: one line on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("chancery ")
        self.exit(2, f"chancery: error: {command}: {message}\n")


def _sqlite_path(db: str) -> str | None:
    """The file of an SQLite database given as a path or an ``sqlite:///`` URL, else ``None``."""
    path = db.removeprefix("sqlite:///") if db.startswith("sqlite:///") else None
    if path is None and "://" not in db:
        path = db
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return path.split("?", 1)[0]


def _secret_path(db: str, explicit: str | None) -> Path:
    """Where the secret sealing the log key lives: --secret-file, the environment, beside a
    SQLite file (``<db>.secret``), or ``var/ledger.secret``."""
    if explicit:
        return Path(explicit)
    if os.environ.get(_SECRET_ENV):
        return Path(os.environ[_SECRET_ENV])
    path = _sqlite_path(db)
    if path:
        return Path(path + ".secret")
    return Path("var/ledger.secret")


def _db_url(db: str, *, create: bool = False) -> str:
    """The SQLAlchemy URL of ``--db``. Only ``init`` may create an SQLite file: any other
    command on a path that does not exist would leave an empty database behind."""
    path = _sqlite_path(db)
    if path is not None:
        if create:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        elif not Path(path).is_file():
            raise LedgerUsageError(f"no ledger database at {path} (run 'chancery ledger init')")
    if "://" in db:
        return db
    return f"sqlite:///{db}"


def _read_key(value: str, what: str) -> Key:
    text = value
    if not value.lstrip().startswith("{"):
        try:
            text = Path(value).read_text(encoding="utf-8")
        except OSError as exc:
            raise LedgerUsageError(f"cannot read {what} {value}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise LedgerUsageError(f"{what} {value} is not a JWK (not UTF-8 text)") from exc
    try:
        jwk = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LedgerUsageError(f"{what} is not JSON: {exc.msg}") from exc
    return Key.from_jwk(jwk)


def _out(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2) + "\n")


@contextmanager
def _open(args: argparse.Namespace, *, with_secret: bool = False) -> Iterator[Ledger]:
    """The ledger of ``--db``, closed (its connections released) when the block ends."""
    url = _db_url(args.db)
    secret = None
    if with_secret:
        secret = load_secret(_secret_path(args.db, args.secret_file))
    ledger = Ledger.open(url, secret=secret)
    try:
        yield ledger
    finally:
        ledger.close()


# --------------------------------------------------------------------------- commands


def _init(args: argparse.Namespace) -> int:
    root = _read_key(args.root_key, "root key")
    url = _db_url(args.db, create=True)
    secret = load_secret(_secret_path(args.db, args.secret_file), create=True)
    ledger = Ledger.init(url, args.origin, root, secret=secret)
    try:
        print(ledger.verifier_key())
    finally:
        ledger.close()
    return 0


def _payload_lines(stream: Any) -> list[tuple[int, dict[str, Any]]]:
    """The JSON object on each non-blank line of ``stream`` (read as bytes when it has a
    binary buffer, so the input is UTF-8 whatever the locale), with its line number."""
    out = []
    for number, raw in enumerate(getattr(stream, "buffer", stream), start=1):
        try:
            line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError as exc:
            raise LedgerUsageError(f"line {number}: not UTF-8") from exc
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LedgerUsageError(f"line {number}: not JSON ({exc.msg})") from exc
        if not isinstance(value, dict):
            raise LedgerUsageError(f"line {number}: a payload must be a JSON object")
        out.append((number, value))
    return out


def _append(args: argparse.Namespace) -> int:
    try:
        default_op(args.type)
    except InvalidInput as exc:
        raise LedgerUsageError(f"--type: {exc}") from exc
    key = _read_key(args.key, "key")
    if not key.has_private:
        raise LedgerUsageError("the signing key needs its private part")
    with _open(args) as ledger:
        return _append_lines(ledger, key, args.type, _payload_lines(sys.stdin), args.batch)


def _append_lines(
    ledger: Ledger, key: Key, entry_type: str, lines: list[tuple[int, dict[str, Any]]], batch: int
) -> int:
    failures = 0
    position = 0
    while position < len(lines):
        chunk = lines[position : position + batch]
        position += len(chunk)
        numbered = []
        # The state does not change while a chunk is signed, so the signer's verification
        # method is looked up once per chunk, not once per line.
        signer: str | None = None
        for number, payload in chunk:
            try:
                entry = ledger.make_entries(key, entry_type, [payload], signer=signer)[0]
            except Error as exc:
                print(f"chancery: line {number} refused: {exc}", file=sys.stderr)
                failures += 1
                continue
            numbered.append((number, entry))
            if not (entry.type == "did" and entry.op == "create"):
                signer = entry.signer
        while numbered:
            try:
                receipts = ledger.append([entry for _, entry in numbered])
                numbered = []
            except AppendError as exc:
                receipts = list(exc.receipts)
                number = numbered[exc.position][0]
                print(f"chancery: line {number} refused: {exc.__cause__ or exc}", file=sys.stderr)
                failures += 1
                numbered = numbered[exc.position + 1 :]
            # Printed only now: the transaction holding these entries has committed.
            for receipt in receipts:
                sys.stdout.write(json.dumps(receipt.to_json(), separators=(",", ":")) + "\n")
            sys.stdout.flush()
    return 1 if failures else 0


def _checkpoint(args: argparse.Namespace) -> int:
    with _open(args, with_secret=True) as ledger:
        note = ledger.checkpoint()
    sys.stdout.write(note.decode())
    return 0


def _prove(args: argparse.Namespace) -> int:
    with _open(args) as ledger:
        _out(ledger.inclusion(args.index, args.size))
    return 0


def _consistency(args: argparse.Namespace) -> int:
    with _open(args) as ledger:
        _out(ledger.consistency(args.from_size, args.to))
    return 0


def _state(args: argparse.Namespace) -> int:
    with _open(args) as ledger:
        _out(ledger.state_json(args.size))
    return 0


def _anchor_client(args: argparse.Namespace, eth_key: str | None) -> Any:
    from web3 import Web3

    from .ledger._anchor import AnchorClient

    web3 = Web3(Web3.HTTPProvider(args.rpc, request_kwargs={"timeout": 30}))
    if eth_key is None:
        return AnchorClient(web3, args.contract, _READ_ONLY_ACCOUNT)
    from eth_account import Account

    try:
        account = Account.from_key(eth_key)
    except Exception as exc:  # eth-account raises several types; never echo the key
        raise LedgerUsageError("--key is not an Ethereum private key") from exc
    return AnchorClient(web3, args.contract, account)


def _eth_key(value: str) -> str:
    text = value.strip()
    if not text.startswith("0x") and Path(text).is_file():
        text = Path(text).read_text(encoding="utf-8").strip()
    return text


def _anchor(args: argparse.Namespace) -> int:
    with _open(args) as ledger:
        return _anchor_latest(args, ledger)


def _anchor_latest(args: argparse.Namespace, ledger: Ledger) -> int:
    if ledger.latest_checkpoint() is None:
        raise LedgerUsageError("no checkpoint to anchor: run 'chancery ledger checkpoint' first")
    client = _anchor_client(args, _eth_key(args.key))
    _out(ledger.anchor(client))
    return 0


def _verify(args: argparse.Namespace) -> int:
    if bool(args.rpc) != bool(args.contract):
        raise LedgerUsageError("--rpc and --contract go together")
    with _open(args) as ledger:
        anchors: Callable[[], list[tuple[int, bytes]]] | None = None
        if args.rpc:
            client = _anchor_client(args, None)
            log_id = ledger.log_id

            def anchors() -> list[tuple[int, bytes]]:
                return [(e.new_size, e.root) for e in client.anchored_events(log_id)]

        report = ledger.verify(anchors=anchors)
    _out(report.to_json())
    return 0 if report.ok else 1


# --------------------------------------------------------------------------- parser


def add_ledger_commands(commands: Any) -> None:
    """Register ``chancery ledger ...`` on the top-level subparsers."""
    ledger = commands.add_parser("ledger", help="the verifiable ledger").add_subparsers(
        dest="ledger_command", metavar="COMMAND", required=True, parser_class=_ArgumentParser
    )

    def command(name: str, handler: Callable[[argparse.Namespace], int], help: str) -> Any:
        parser = ledger.add_parser(name, help=help)
        parser.add_argument("--db", required=True, help="database URL or SQLite file path")
        parser.add_argument("--secret-file", help="file holding the secret that seals the log key")
        parser.set_defaults(handler=_guard(handler))
        return parser

    init = command("init", _init, "create the log; prints the log's verifier key")
    init.add_argument("--origin", required=True)
    init.add_argument("--root-key", required=True, help="the root authority's private JWK")
    append = command("append", _append, "sign and append JSON payload lines from stdin")
    append.add_argument("--key", required=True, help="the signer's private JWK")
    append.add_argument("--type", required=True, help="entry type, e.g. credential-anchor")
    append.add_argument("--batch", type=int, default=_BATCH, help=argparse.SUPPRESS)
    command("checkpoint", _checkpoint, "seal the log: print the signed checkpoint note")
    prove = command("prove", _prove, "inclusion proof of one entry")
    prove.add_argument("--index", type=int, required=True)
    prove.add_argument("--size", type=int)
    consistency = command("consistency", _consistency, "consistency proof between two sizes")
    consistency.add_argument("--from", dest="from_size", type=int, required=True)
    consistency.add_argument("--to", type=int)
    state = command("state", _state, "registry state JSON and its hash")
    state.add_argument("--size", type=int)
    anchor = command("anchor", _anchor, "anchor the latest checkpoint on the EVM chain")
    anchor.add_argument("--rpc", required=True)
    anchor.add_argument("--contract", required=True)
    anchor.add_argument("--key", required=True, help="Ethereum private key (hex) or a file")
    verify = command("verify", _verify, "full audit of the log; exit 0 ok, 1 not")
    verify.add_argument("--rpc")
    verify.add_argument("--contract")


def _guard(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Bad usage is exit 2 like the other commands; everything else flows to ``main``."""

    def run(args: argparse.Namespace) -> int:
        if getattr(args, "batch", 1) < 1:
            raise LedgerUsageError("--batch must be positive")
        return handler(args)

    return run
