"""Command line entry point ``chancery-wallet``.

Commands (only ``receive`` uses the network)::

    chancery-wallet [--home DIR] init [--unsafe-fast-kdf]
    chancery-wallet [--home DIR] add [--format F] [--no-verify] < credential
    chancery-wallet [--home DIR] list [--json]
    chancery-wallet [--home DIR] show ID
    chancery-wallet [--home DIR] delete ID
    chancery-wallet [--home DIR] backup FILE [--force] [--unsafe-fast-kdf]
    chancery-wallet [--home DIR] restore FILE [--force] [--unsafe-fast-kdf]
    chancery-wallet [--home DIR] receive URI [--tx-code C]

The home directory is ``--home``, else ``$CHANCERY_WALLET_HOME``, else ``~/.chancery-wallet``.
The passphrase comes from ``$CHANCERY_WALLET_PASSPHRASE`` or, when there is a terminal, from a
prompt on it (never from standard input, which ``add`` reads the credential from). A backup is
sealed with the wallet's passphrase, and ``restore`` asks for that passphrase.

Exit status: 0 on success, 1 when the operation failed (wrong passphrase, no such credential,
a credential that does not verify, a wallet that already exists), 2 on bad usage or unreadable
input. Every error is one line on standard error; never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import vc_service
from vc_service import __version__

from ._errors import Error, InvalidInput, NotFound, WalletExists
from ._wallet import FORMATS, CredentialInfo, Wallet

PASSPHRASE_ENV = "CHANCERY_WALLET_PASSPHRASE"  # noqa: S105 - the name of a variable, not a secret
HOME_ENV = "CHANCERY_WALLET_HOME"
DEFAULT_HOME = "~/.chancery-wallet"
_MAX_INPUT = 10 * 1024 * 1024

_DESCRIPTION = (
    "Chancery wallet: keep verifiable credentials from a government agency in an encrypted "
    "store, back them up and restore them on a new device."
)
_EPILOG = (
    f"The passphrase is read from ${PASSPHRASE_ENV}, or asked for on the terminal. "
    f"The home directory defaults to ${HOME_ENV}, else {DEFAULT_HOME}. "
    "Exit status: 0 success, 1 operation failed, 2 bad usage."
)
_UNSAFE_HELP = (
    "for tests only: derive the key with libsodium's minimum Argon2id cost; a stolen file is "
    "then cheap to brute-force"
)


class _UsageError(Exception):
    """Bad usage or unreadable input: exit status 2."""


class _Failure(Exception):
    """The operation failed: exit status 1."""


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports errors to :func:`main` instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


# --------------------------------------------------------------------------- passphrase


def _tty_available() -> bool:
    """Whether a prompt can be shown: a controlling terminal that getpass will use."""
    if os.name == "nt":  # pragma: no cover - getpass reads the console there
        return sys.stdin.isatty()
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


def _passphrase(*, confirm: bool = False) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value is not None:
        if not value:
            raise _UsageError(f"${PASSPHRASE_ENV} is set but empty")
        return value
    if not _tty_available():
        raise _UsageError(
            f"no passphrase: set ${PASSPHRASE_ENV} or run chancery-wallet in a terminal"
        )
    try:
        first = getpass.getpass("Wallet passphrase: ")
        if not first:
            raise _Failure("the passphrase must not be empty")
        if confirm and getpass.getpass("Repeat the passphrase: ") != first:
            raise _Failure("the two passphrases differ")
    except EOFError:
        raise _Failure("no passphrase entered") from None
    return first


# --------------------------------------------------------------------------- helpers


def _home(args: argparse.Namespace) -> Path:
    home = args.home or os.environ.get(HOME_ENV) or DEFAULT_HOME
    return Path(home).expanduser()


def _open(args: argparse.Namespace) -> Wallet:
    return Wallet.open(_home(args), _passphrase())


def _read_stdin() -> str:
    data = sys.stdin.buffer.read(_MAX_INPUT + 1)
    if len(data) > _MAX_INPUT:
        raise _UsageError("input is larger than 10 MiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _UsageError("input is not UTF-8") from None
    if not text.strip():
        raise _UsageError("no credential on standard input")
    return text


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _display_type(info: CredentialInfo) -> str:
    shown = [t for t in info.types if t != "VerifiableCredential"]
    return ",".join(shown) or "VerifiableCredential"


def _resolve_id(wallet: Wallet, given: str) -> str:
    """``given`` itself, or the one stored identifier it is a prefix of (as git does)."""
    ids = [info.id for info in wallet.list()]
    if given in ids:
        return given
    matches = [i for i in ids if i.startswith(given)] if len(given) >= 4 else []
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise _UsageError(f"{given!r} is ambiguous: {', '.join(matches)}")
    raise NotFound(f"no credential {given!r} in the wallet")


# --------------------------------------------------------------------------- commands


def _cmd_init(args: argparse.Namespace) -> int:
    home = _home(args)
    if Wallet.exists(home):
        raise WalletExists(f"a wallet already exists in {home}")
    with Wallet.create(home, _passphrase(confirm=True), unsafe_fast_kdf=args.unsafe_fast_kdf):
        pass
    print(f"Created an empty wallet in {home}")
    return 0


def _cmd_add(args: argparse.Namespace) -> int:
    text = _read_stdin()
    with _open(args) as wallet:
        try:
            credential_id = wallet.add_credential(
                text, format=args.format, verify=not args.no_verify
            )
        except vc_service.VerificationError as exc:
            raise _Failure(
                f"not stored: the credential fails the {exc.check} check: {exc}"
            ) from exc
        except vc_service.InvalidInput as exc:
            raise _UsageError(f"not stored: {exc}") from exc
        except vc_service.Error as exc:
            raise _Failure(f"not stored: {exc}") from exc
    print(credential_id)
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    with _open(args) as wallet:
        infos = wallet.list()
    if args.json:
        _print_json([info.to_json() for info in infos])
        return 0
    if not infos:
        print("The wallet holds no credentials.")
        return 0
    rows = [("ID", "FORMAT", "TYPE", "ISSUER", "ADDED")]
    for info in infos:
        rows.append(
            (
                info.id,
                info.format if info.verified else f"{info.format} (unverified)",
                _display_type(info),
                info.issuer or "-",
                info.added_at.strftime("%Y-%m-%d %H:%M"),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[4]]))
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    with _open(args) as wallet:
        stored = wallet.get(_resolve_id(wallet, args.id))
    _print_json(stored.to_json())
    return 0


def _cmd_delete(args: argparse.Namespace) -> int:
    with _open(args) as wallet:
        wallet.delete(args.id)  # the full identifier: no prefix matching for deletion
    print(f"Deleted {args.id}")
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    passphrase = _passphrase()
    with Wallet.open(_home(args), passphrase) as wallet:
        count = len(wallet.list())
        wallet.backup(
            args.file, passphrase, overwrite=args.force, unsafe_fast_kdf=args.unsafe_fast_kdf
        )
    print(f"Backed up {count} credential(s) to {args.file}")
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    home = _home(args)
    if Wallet.exists(home) and not args.force:
        raise WalletExists(f"a wallet already exists in {home}; use --force to replace it")
    with Wallet.restore(
        args.file,
        _passphrase(),
        home,
        overwrite=args.force,
        unsafe_fast_kdf=args.unsafe_fast_kdf,
    ) as wallet:
        count = len(wallet.list())
    print(f"Restored {count} credential(s) into {home}")
    return 0


TX_CODE_ENV = "CHANCERY_WALLET_TX_CODE"


def _tx_code(args: argparse.Namespace, description: str | None) -> str:
    if args.tx_code:
        return str(args.tx_code)
    value = os.environ.get(TX_CODE_ENV)
    if value:
        return value
    if not _tty_available():
        raise _UsageError(
            f"this offer needs a transaction code: pass --tx-code or set ${TX_CODE_ENV}"
        )
    try:
        entered = getpass.getpass(f"Transaction code{f' ({description})' if description else ''}: ")
    except EOFError:
        raise _Failure("no transaction code entered") from None
    if not entered:
        raise _Failure("no transaction code entered")
    return entered


def _cmd_receive(args: argparse.Namespace) -> int:
    import httpx

    from ._oid4vci import parse_offer, receive_all

    with httpx.Client(timeout=30.0, follow_redirects=False) as http:
        offer = parse_offer(args.uri, http=http)
        tx_code = _tx_code(args, offer.tx_code_description) if offer.tx_code_required else None
        with _open(args) as wallet:
            try:
                credential_ids = receive_all(wallet, args.uri, tx_code=tx_code, http=http)
            except vc_service.VerificationError as exc:
                raise _Failure(
                    f"not stored: the credential fails the {exc.check} check: {exc}"
                ) from exc
    # One line per credential: an offer may carry the same credential in several formats.
    for credential_id in credential_ids:
        print(credential_id)
    return 0


def _cmd_present(args: argparse.Namespace) -> int:
    import httpx

    from ._oid4vp import Summary, present

    def consent(summary: Summary) -> bool:
        print(summary.describe())
        if args.yes:
            return True
        if not sys.stdin.isatty():
            raise _UsageError("no terminal to ask for consent: pass --yes to share")
        return input("Share these claims? [y/N] ").strip().lower() in ("y", "yes")

    with httpx.Client(timeout=30.0, follow_redirects=False) as http, _open(args) as wallet:
        result = present(wallet, args.uri, http=http, consent=consent)
    if not result.sent:
        print("nothing was shared")
        return 1
    print(f"sent; the verifier answered HTTP {result.status_code}")
    return 0 if result.status_code is not None and result.status_code < 300 else 1


# --------------------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="chancery-wallet", description=_DESCRIPTION, epilog=_EPILOG)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--home", metavar="DIR", help="wallet directory")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    init = commands.add_parser("init", help="create an empty wallet")
    init.add_argument("--unsafe-fast-kdf", action="store_true", help=_UNSAFE_HELP)
    init.set_defaults(handler=_cmd_init)

    add = commands.add_parser(
        "add", help="verify the credential on standard input and store it; prints its id"
    )
    add.add_argument("--format", choices=FORMATS, help="expected format (default: detected)")
    add.add_argument(
        "--no-verify", action="store_true", help="store without verifying (marked unverified)"
    )
    add.set_defaults(handler=_cmd_add)

    listing = commands.add_parser("list", help="list the stored credentials")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_cmd_list)

    show = commands.add_parser("show", help="print a credential and its claims as JSON")
    show.add_argument("id", metavar="ID", help="credential id (or an unambiguous prefix)")
    show.set_defaults(handler=_cmd_show)

    delete = commands.add_parser("delete", help="delete a credential")
    delete.add_argument("id", metavar="ID", help="credential id (in full)")
    delete.set_defaults(handler=_cmd_delete)

    backup = commands.add_parser(
        "backup", help="write an encrypted backup file, sealed with the wallet passphrase"
    )
    backup.add_argument("file", metavar="FILE")
    backup.add_argument("--force", action="store_true", help="overwrite an existing FILE")
    backup.add_argument("--unsafe-fast-kdf", action="store_true", help=_UNSAFE_HELP)
    backup.set_defaults(handler=_cmd_backup)

    restore = commands.add_parser("restore", help="restore a wallet from a backup file")
    restore.add_argument("file", metavar="FILE")
    restore.add_argument("--force", action="store_true", help="replace an existing wallet")
    restore.add_argument("--unsafe-fast-kdf", action="store_true", help=_UNSAFE_HELP)
    restore.set_defaults(handler=_cmd_restore)

    receive = commands.add_parser(
        "receive", help="redeem an OpenID4VCI credential offer and store the credential"
    )
    receive.add_argument("uri", metavar="URI", help="openid-credential-offer:// URI (QR text)")
    receive.add_argument(
        "--tx-code", metavar="C", help=f"transaction code (else ${TX_CODE_ENV} or a prompt)"
    )
    receive.set_defaults(handler=_cmd_receive)

    presenting = commands.add_parser(
        "present", help="answer an OpenID4VP request: show what is asked, share on consent"
    )
    presenting.add_argument("uri", metavar="URI", help="openid4vp:// request link (QR text)")
    presenting.add_argument("--yes", action="store_true", help="consent without asking")
    presenting.set_defaults(handler=_cmd_present)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``chancery-wallet`` with *argv* (default: ``sys.argv[1:]``) and return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        print(f"chancery-wallet: error: {exc}", file=sys.stderr)
        return 2
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = handler(args)
    except _UsageError as exc:
        print(f"chancery-wallet: error: {exc}", file=sys.stderr)
        return 2
    except _Failure as exc:
        print(f"chancery-wallet: error: {exc}", file=sys.stderr)
        return 1
    except InvalidInput as exc:
        print(f"chancery-wallet: error: {exc}", file=sys.stderr)
        return 2
    except (Error, vc_service.Error) as exc:
        print(f"chancery-wallet: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("chancery-wallet: interrupted", file=sys.stderr)
        return 1
    except (ImportError, MemoryError):
        raise
    except Exception as exc:  # anything unforeseen: one line, no traceback
        print(f"chancery-wallet: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return code
