"""Command line entry point ``chancery``.

Commands (the first four are a stable interface that scripts and integrators call)::

    chancery keys generate --type ed25519|p256|bls12381g2
    chancery did resolve DID
    chancery vc issue --key KEY.jwk --format F [--sd POINTER]... [--holder-key JWK] < input.json
    chancery vc derive --reveal POINTER... [--nonce N --audience A --holder-key JWK] < credential
    chancery vc verify [--issuer-key PUBLIC.jwk] [--nonce N --audience A] < credential
    chancery demo
    chancery serve [--host 127.0.0.1] [--port 8000] [--db URL]

``vc verify`` prints a JSON result and exits 0 when verified, 1 when not verified and 2 on bad
usage or unparseable input. Every error is one line on standard error naming what is wrong;
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from vc_service import __version__

from . import _bbs2023, _data_integrity, _jose, _sd_jwt
from ._demo import SUITES, run_demo
from ._dids import default_resolver
from ._errors import Error, InvalidInput, VerificationError
from ._keys import Key, KeyType
from ._ledger_cli import add_ledger_commands
from ._verify import presentation_header, verify
from ._zk_demo import add_zk_commands
from .service._cli_serve import add_serve_command

FORMATS = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "bbs-2023", "vc+jwt", "dc+sd-jwt")
_KEY_TYPES: tuple[KeyType, ...] = ("ed25519", "p256", "bls12381g2")
_MAX_INPUT = 10 * 1024 * 1024
_MAX_HTTP = 1024 * 1024


class _UsageError(Exception):
    """Bad usage or unparseable input: exit status 2."""


def _fail(message: str) -> NoReturn:
    raise _UsageError(message)


# --------------------------------------------------------------------------- input helpers


def _read_stdin() -> str:
    data = sys.stdin.buffer.read(_MAX_INPUT + 1)
    if len(data) > _MAX_INPUT:
        _fail("input is larger than 10 MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        _fail("input is not UTF-8")


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{what} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
    if not isinstance(value, dict):
        _fail(f"{what} must be a JSON object")
    return value


def _load_key(path: str, what: str) -> Key:
    """A JWK given as a file path, or inline as JSON text (``--holder-key '{"kty": ...}'``)."""
    if path.lstrip().startswith("{"):
        text, path = path, "(inline)"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot read {what} {path}: {exc.strerror}")
    try:
        return Key.from_jwk(_json_object(text, f"{what} {path}"))
    except InvalidInput as exc:
        _fail(f"{what} {path} is not a usable JWK: {exc}")


def _looks_compact(text: str) -> bool:
    head = text.split("~", 1)[0]
    parts = head.split(".")
    return len(parts) == 3 and all(parts[:2])


def _parse_credential(text: str) -> dict[str, Any] | str:
    text = text.strip()
    if not text:
        _fail("no input on standard input")
    if text.startswith("{"):
        return _json_object(text, "input")
    if _looks_compact(text):
        return text
    _fail("input is neither a JSON object nor a compact JWT / SD-JWT")


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------- keys, did


def _cmd_keys_generate(args: argparse.Namespace) -> int:
    _print_json(Key.generate(args.type).private_jwk())
    return 0


def _https_get(url: str) -> bytes:
    """A minimal HTTPS fetcher for did:web (interactive use only; 10 s, 1 MiB)."""
    if not url.startswith("https://"):
        raise InvalidInput("only https URLs are fetched")
    request = urllib.request.Request(url, headers={"Accept": "application/did+json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        body: bytes = response.read(_MAX_HTTP + 1)
    if len(body) > _MAX_HTTP:
        raise InvalidInput("document larger than 1 MiB")
    return body


def _resolver(ledger_db: str | None) -> Any:
    """did:key, did:jwk, did:web (over HTTPS) and, with ``--ledger``, did:chancery."""
    if ledger_db is None:
        return default_resolver(http_get=_https_get)
    from .ledger._ledger import Ledger

    url = ledger_db if "://" in ledger_db else f"sqlite:///{ledger_db}"
    return Ledger.open(url).did_resolver(http_get=_https_get)


def _cmd_did_resolve(args: argparse.Namespace) -> int:
    _print_json(_resolver(args.ledger).resolve(args.did))
    return 0


# --------------------------------------------------------------------------- vc issue


def _issuer_and_method(document: Mapping[str, Any], key: Key, kid: str | None) -> tuple[str, str]:
    issuer = document.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    if issuer is None:
        issuer = key.did_key()
    if not isinstance(issuer, str):
        _fail("the input's issuer must be a string or an object with an id")
    if kid is not None:
        return issuer, kid
    if issuer.startswith("did:key:"):
        return issuer, f"{issuer}#{issuer.removeprefix('did:key:')}"
    return issuer, f"{issuer}#{key.multikey()}"


def _with_issuer(document: dict[str, Any], issuer: str) -> dict[str, Any]:
    if "issuer" in document:
        return document
    return {**document, "issuer": issuer}


def _cmd_vc_issue(args: argparse.Namespace) -> int:
    key = _load_key(args.key, "key")
    if not key.has_private:
        _fail(f"key {args.key} has no private part ('d')")
    document = _json_object(_read_stdin(), "input")
    fmt = args.format
    if args.sd and fmt != "dc+sd-jwt":
        _fail("--sd applies to --format dc+sd-jwt only")
    if args.mandatory and fmt != "bbs-2023":
        _fail("--mandatory applies to --format bbs-2023 only")
    if args.holder_key and fmt != "dc+sd-jwt":
        _fail("--holder-key applies to --format dc+sd-jwt only")
    issuer, method = _issuer_and_method(document, key, args.kid)
    if fmt in ("eddsa-rdfc-2022", "eddsa-jcs-2022", "bbs-2023"):
        extra: dict[str, Any] = {}
        if fmt == "bbs-2023":
            # A derived credential without its issuer could not be verified or trusted:
            # the issuer is always disclosed, whatever else the holder withholds.
            mandatory = ["/issuer", *(p for p in args.mandatory if p != "/issuer")]
            extra["mandatory_pointers"] = mandatory
        signed = _data_integrity.add_proof(
            _with_issuer(document, issuer),
            key,
            cryptosuite=fmt,
            verification_method=method,
            **extra,
        )
        _print_json(signed)
        return 0
    if fmt == "vc+jwt":
        token = _jose.issue_vc_jwt(_with_issuer(document, issuer), key, kid=method)
        sys.stdout.write(token + "\n")
        return 0
    holder = _load_key(args.holder_key, "holder key").public_key() if args.holder_key else None
    claims = {k: v for k, v in document.items() if k not in ("iss", "vct")}
    vct = args.vct or document.get("vct")
    if not isinstance(vct, str) or not vct:
        _fail("dc+sd-jwt needs a credential type: a 'vct' member in the input or --vct")
    iss = document.get("iss", issuer if "issuer" not in document else None)
    if not isinstance(iss, str):
        _fail("the input's 'iss' must be a string")
    claims.pop("issuer", None)
    token = _sd_jwt.issue_sd_jwt_vc(
        claims,
        key,
        issuer=iss,
        vct=vct,
        kid=method,
        disclose=list(args.sd),
        holder_key=holder,
    )
    sys.stdout.write(token + "\n")
    return 0


# --------------------------------------------------------------------------- vc derive


def _cmd_vc_derive(args: argparse.Namespace) -> int:
    credential = _parse_credential(_read_stdin())
    holder = _load_key(args.holder_key, "holder key") if args.holder_key else None
    if isinstance(credential, str):
        if "~" not in credential:
            _fail("a vc+jwt credential cannot be selectively disclosed; use dc+sd-jwt")
        if (args.nonce or args.audience) and holder is None:
            _fail("--nonce/--audience bind the presentation with --holder-key")
        if holder is not None and not holder.has_private:
            _fail("--holder-key must be a private JWK")
        token = _sd_jwt.present(
            credential,
            reveal=list(args.reveal),
            holder_key=holder,
            nonce=args.nonce,
            audience=args.audience,
        )
        sys.stdout.write(token + "\n")
        return 0
    proofs = credential.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    if not any(isinstance(p, Mapping) and p.get("cryptosuite") == "bbs-2023" for p in proofs):
        _fail("only bbs-2023 credentials and SD-JWTs support derivation")
    if holder is not None:
        _fail("--holder-key is not used with bbs-2023 (holder binding comes with pseudonyms)")
    derived = _bbs2023.derive_proof(
        credential,
        selective_pointers=list(args.reveal),
        presentation_header=presentation_header(args.nonce, args.audience),
    )
    _print_json(derived)
    return 0


# --------------------------------------------------------------------------- vc verify


class _FileStatusSource:
    """Status lists from local files given as ``--status-list URL=FILE``."""

    def __init__(self, mapping: Mapping[str, str]) -> None:
        self._mapping = dict(mapping)

    def _read(self, url: str) -> str:
        path = self._mapping.get(url)
        if path is None:
            raise InvalidInput(f"no --status-list file given for {url}")
        return Path(path).read_text(encoding="utf-8")

    def bitstring_status_list(self, url: str) -> Mapping[str, Any]:
        value = json.loads(self._read(url))
        if not isinstance(value, dict):
            raise InvalidInput(f"status list {url} is not a JSON object")
        return value

    def token_status_list(self, uri: str) -> str:
        return self._read(uri).strip()


def _status_source(entries: Sequence[str]) -> _FileStatusSource | None:
    if not entries:
        return None
    mapping = {}
    for entry in entries:
        url, sep, path = entry.partition("=")
        if not sep or not url or not path:
            _fail(f"--status-list takes URL=FILE, not {entry!r}")
        mapping[url] = path
    return _FileStatusSource(mapping)


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        _fail(f"--at takes an ISO 8601 date-time, not {value!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _cmd_vc_verify(args: argparse.Namespace) -> int:
    issuer_key = _load_key(args.issuer_key, "issuer key") if args.issuer_key else None
    status = _status_source(args.status_list)
    moment = _parse_time(args.at)
    credential = _parse_credential(_read_stdin())
    try:
        result = verify(
            credential,
            trust=set(args.trust) if args.trust else None,
            status=status,
            now=moment,
            nonce=args.nonce,
            audience=args.audience,
            resolver=_resolver(args.ledger) if args.ledger else default_resolver(),
            issuer_key=issuer_key,
        )
    except VerificationError as exc:
        _print_json({"verified": False, "check": exc.check, "error": str(exc)})
        return 1
    except Error as exc:
        _print_json({"verified": False, "check": "input", "error": str(exc)})
        return 1
    _print_json(result.to_json())
    return 0


# --------------------------------------------------------------------------- parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chancery",
        description="Chancery: government verifiable credentials.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="sign a sample credential and present two of its claims with a BBS proof",
        description=(
            "Sign a sample credential's five claims with BBS, derive a proof disclosing two of "
            "them to a verifier, verify it, and show that tampered or replayed proofs fail."
        ),
    )
    demo.add_argument("--suite", choices=sorted(SUITES), default="sha256")
    demo.add_argument("--backend", choices=("arkworks", "py_ecc"), default="arkworks")
    demo.set_defaults(handler=lambda a: run_demo(a.suite, a.backend))

    keys = commands.add_parser("keys", help="key management").add_subparsers(
        dest="keys_command", metavar="COMMAND", required=True
    )
    generate = keys.add_parser("generate", help="generate a key; private JWK on stdout")
    generate.add_argument("--type", required=True, choices=_KEY_TYPES)
    generate.set_defaults(handler=_cmd_keys_generate)

    did = commands.add_parser("did", help="DIDs").add_subparsers(
        dest="did_command", metavar="COMMAND", required=True
    )
    resolve = did.add_parser("resolve", help="resolve a DID; DID document on stdout")
    resolve.add_argument("did")
    resolve.add_argument("--ledger", help="ledger database (URL or SQLite path) for did:chancery")
    resolve.set_defaults(handler=_cmd_did_resolve)

    vc = commands.add_parser("vc", help="issue, derive and verify credentials").add_subparsers(
        dest="vc_command", metavar="COMMAND", required=True
    )
    issue = vc.add_parser("issue", help="sign the credential (or claims) read from stdin")
    issue.add_argument("--key", required=True, help="private JWK file of the issuer")
    issue.add_argument("--format", required=True, choices=FORMATS)
    issue.add_argument(
        "--sd",
        action="append",
        default=[],
        metavar="POINTER",
        help="dc+sd-jwt: JSON pointer of a claim to make selectively disclosable (repeatable)",
    )
    issue.add_argument(
        "--mandatory",
        action="append",
        default=[],
        metavar="POINTER",
        help="bbs-2023: JSON pointer of a claim always disclosed, besides /issuer (repeatable)",
    )
    issue.add_argument("--holder-key", help="dc+sd-jwt: JWK file of the holder key (cnf)")
    issue.add_argument("--vct", help="dc+sd-jwt: credential type (default: the input's vct)")
    issue.add_argument("--kid", help="verification method id (default: from the issuer DID)")
    issue.set_defaults(handler=_cmd_vc_issue)

    derive = vc.add_parser("derive", help="derive a selective-disclosure presentation")
    derive.add_argument("--reveal", action="append", default=[], metavar="POINTER", required=True)
    derive.add_argument("--nonce")
    derive.add_argument("--audience")
    derive.add_argument("--holder-key", help="dc+sd-jwt: private JWK file for the KB-JWT")
    derive.set_defaults(handler=_cmd_vc_derive)

    check = vc.add_parser("verify", help="verify a credential or presentation from stdin")
    check.add_argument("--issuer-key", help="public JWK file of the issuer (pins the key)")
    check.add_argument("--nonce")
    check.add_argument("--audience")
    check.add_argument(
        "--trust", action="append", default=[], metavar="ISSUER", help="trusted issuer id"
    )
    check.add_argument(
        "--status-list",
        action="append",
        default=[],
        metavar="URL=FILE",
        help="use FILE as the status list published at URL (repeatable)",
    )
    check.add_argument("--at", help="verify as of this ISO 8601 time (default: now)")
    check.add_argument("--ledger", help="ledger database (URL or SQLite path) for did:chancery")
    check.set_defaults(handler=_cmd_vc_verify)
    add_ledger_commands(commands)
    add_zk_commands(commands)
    add_serve_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``chancery`` with *argv* (default: ``sys.argv[1:]``) and return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        code: int = handler(args)
    except _UsageError as exc:
        print(f"chancery: error: {exc}", file=sys.stderr)
        return 2
    except VerificationError as exc:
        print(f"chancery: not verified ({exc.check}): {exc}", file=sys.stderr)
        return 1
    except Error as exc:
        print(f"chancery: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, InvalidInput) else 1
    except (ImportError, MemoryError):
        raise
    except Exception as exc:  # zk errors and anything unforeseen: one line, no traceback
        print(f"chancery: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return code
