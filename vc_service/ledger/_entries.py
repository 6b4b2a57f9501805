"""Ledger entries: typed statements, their canonical bytes and their signatures.

Specified in ``specs/ledger/entries.md`` §2–§3. An entry is the RFC 8785 (JCS) serialisation of

``{"v": 1, "log": ORIGIN, "type": T, "op": OP, "time": "YYYY-MM-DDTHH:MM:SSZ",
"signer": "did:chancery:…#key-N", "payload": {…}, "sig": base64url(signature)}``

where the signature, by the signer's Ed25519 or P-256 key (raw ``r || s`` for ES256), is over
``b"chancery-ledger-entry/v1\\n" + JCS(the same object without "sig")``. The domain-separation
prefix keeps an entry signature from ever being valid as any other message the same key signs
(a credential proof, a JWS, a checkpoint note).

Decoding is strict: the bytes must be exactly the canonical encoding of what they decode to
(so one statement has exactly one encoding, and the log's leaf hash identifies it), unknown
members are refused and every payload is checked against the schema of its (type, op).
Payloads hold identifiers, hashes, URLs, enumerations and small metadata only: no personal data.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, NoReturn
from urllib.parse import urlsplit

from .._dids import verification_method_key
from .._errors import Error, InvalidInput, InvalidProof
from .._keys import Key
from .._multibase import b64url_decode, b64url_encode
from ._did_chancery import (
    KEY_PURPOSES,
    derive_did,
    parse_chancery_did,
    parse_verification_method_id,
)

__all__ = [
    "CLAIM_KINDS",
    "CREDENTIAL_FORMATS",
    "ENTRY_VERSION",
    "MAX_ANCHOR_BATCH",
    "MAX_ENTRY_BYTES",
    "OPERATIONS",
    "PAYLOAD_VALIDATORS",
    "PREDICATE_KINDS",
    "REVOCATION_METHODS",
    "SIGNATURE_DOMAIN",
    "Entry",
    "InvalidEntry",
    "decode_entry",
    "encode",
    "encode_entry",
    "format_time",
    "make_entry",
    "parse_time",
    "thaw",
    "validate_payload",
    "verify_signature",
]

ENTRY_VERSION = 1
#: Entries larger than this are refused before they are parsed.
MAX_ENTRY_BYTES = 64 * 1024
#: Prefix of the signed bytes (entries.md §3.2).
SIGNATURE_DOMAIN = b"chancery-ledger-entry/v1\n"

#: The entry types and the operations each admits (entries.md §5).
OPERATIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "genesis": ("create",),
        "did": ("create", "rotate", "revoke-key", "deactivate"),
        "accreditation": ("grant", "suspend", "reinstate", "revoke"),
        "credential-type": ("publish", "deprecate"),
        "credential-anchor": ("anchor",),
        "status-list": ("publish",),
        "accumulator": ("publish",),
        "notarization": ("notarize",),
    }
)
CLAIM_KINDS = ("string", "integer", "number", "date", "boolean")
#: Claim kinds a zero-knowledge predicate ("over 18", "income below …") can compare.
PREDICATE_KINDS = ("integer", "number", "date")
#: ``chancery-zk-v1``: zero-knowledge credentials of ``zk.presentation`` (Blind BBS with a link
#: secret, predicates, accumulator revocation; specs/zk-presentation.md).
CREDENTIAL_FORMATS = (
    "eddsa-rdfc-2022",
    "eddsa-jcs-2022",
    "bbs-2023",
    "vc+jwt",
    "dc+sd-jwt",
    "chancery-zk-v1",
)
REVOCATION_METHODS = ("none", "bitstring-status-list", "token-status-list", "accumulator")

MAX_KEYS = 16
MAX_ANCHOR_BATCH = 512
MAX_ACCREDITED_TYPES = 64
MAX_CLAIMS = 128
MAX_METADATA_MEMBERS = 16
MAX_METADATA_BYTES = 1024
MAX_METADATA_STRING = 256
MAX_ACCUMULATOR_VALUE = 1024  # base64url characters
MAX_ACCUMULATOR_UPDATE = 48 * 1024  # base64url characters
MAX_URL = 2048
MAX_SAFE_INTEGER = 2**53 - 1  # I-JSON (RFC 7493 §2.2); JCS numbers are IEEE 754 doubles

_TOP_LEVEL = ("log", "op", "payload", "sig", "signer", "time", "type", "v")
# C2SP signed-note origin line: no spaces, no "+"; we also keep it printable ASCII.
_ORIGIN = re.compile(r"[\x21-\x2a\x2c-\x7e]{1,255}")
_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")
_HASH = re.compile(r"[0-9a-f]{64}")
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~:/#-]{0,199}")
_CLAIM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
_METADATA_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
_KEY_ID = re.compile(r"key-([1-9][0-9]{0,5})")
_URL_CHARS = re.compile(r"[A-Za-z0-9._~:/?\[\]@!$&'()*+,;=%-]+")


class InvalidEntry(InvalidInput):
    """An entry (or a payload about to become one) is malformed.

    ``field`` is a JSON pointer into the entry object (``/payload/hashes/3``; ``""`` for the
    entry as a whole).
    """

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


def _fail(path: str, message: str) -> NoReturn:
    raise InvalidEntry(message, field=path)


# --------------------------------------------------------------------------- times


def format_time(value: datetime) -> str:
    """An aware datetime as RFC 3339 UTC with whole seconds: ``2025-05-15T12:00:00Z``."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput("a time must be an aware datetime")
    if value.microsecond:
        raise InvalidInput("a ledger time has whole seconds")
    if value.tzinfo is not UTC:
        try:
            value = value.astimezone(UTC)
        except OverflowError as exc:
            raise InvalidInput("the time is out of range") from exc
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}Z"
    )


def parse_time(value: object, path: str = "") -> datetime:
    """Parse the one time form entries use (RFC 3339 §5.6, UTC ``Z``, whole seconds, no leap
    second); raise :class:`InvalidEntry` naming ``path`` otherwise."""
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        _fail(path, "must be an RFC 3339 UTC time with whole seconds (YYYY-MM-DDTHH:MM:SSZ)")
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise InvalidEntry(f"{value!r} is not a valid time", field=path) from exc


# --------------------------------------------------------------------------- payload helpers


def _is_array(value: object) -> bool:
    return isinstance(value, (list, tuple))


def _members(
    value: object, path: str, required: Sequence[str], optional: Sequence[str] = ()
) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        _fail(path, "must be an object")
    for name in value:
        if name not in required and name not in optional:
            _fail(f"{path}/{name}", "unknown member")
    for name in required:
        if name not in value:
            _fail(f"{path}/{name}", "missing")
    return value


def _string(value: object, path: str, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        _fail(path, f"must be {what}")
    return value


def _integer(value: object, path: str, low: int, high: int = MAX_SAFE_INTEGER) -> int:
    # bool is an int in Python; JSON true is not a number.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _fail(path, f"must be an integer from {low} to {high}")
    return value


def _array(value: object, path: str, low: int, high: int) -> Sequence[Any]:
    if not isinstance(value, (list, tuple)):
        _fail(path, "must be an array")
    if not low <= len(value) <= high:
        _fail(path, f"must have {low} to {high} items")
    return value


def _unique(items: Sequence[Any], path: str) -> None:
    seen: set[Any] = set()
    for index, item in enumerate(items):
        if item in seen:
            _fail(f"{path}/{index}", "duplicate item")
        seen.add(item)


def _enum(value: object, path: str, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        _fail(path, f"must be one of {list(allowed)}")
    return value


def _did(value: object, path: str) -> str:
    if not isinstance(value, str):
        _fail(path, "must be a did:chancery DID")
    try:
        parse_chancery_did(value)
    except Error as exc:
        raise InvalidEntry(str(exc), field=path) from exc
    return value


def _hash(value: object, path: str) -> str:
    return _string(value, path, _HASH, "a SHA-256 hash in lowercase hex (64 characters)")


def _identifier(value: object, path: str) -> str:
    return _string(value, path, _IDENTIFIER, "an identifier ([A-Za-z0-9._~:/#-], 1-200 chars)")


def _url(value: object, path: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_URL or _URL_CHARS.fullmatch(value) is None:
        _fail(path, f"must be an https URL of at most {MAX_URL} ASCII characters")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise InvalidEntry("is not a valid URL", field=path) from exc
    if parts.scheme != "https" or not parts.hostname:
        _fail(path, "must be an https URL with a host")
    # No user information (it may name a person or carry a password), no fragment.
    if "@" in parts.netloc or parts.fragment or "#" in value:
        _fail(path, "must not contain user information or a fragment")
    if port == 0:
        _fail(path, "has an invalid port")
    return value


def _b64url(value: object, path: str, min_chars: int, max_chars: int) -> bytes:
    if not isinstance(value, str) or not min_chars <= len(value) <= max_chars:
        _fail(path, f"must be base64url text of {min_chars} to {max_chars} characters")
    try:
        return b64url_decode(value)
    except InvalidInput as exc:
        raise InvalidEntry(f"is not canonical unpadded base64url: {exc}", field=path) from exc


def _key_number(value: object, path: str) -> int:
    match = _KEY_ID.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        _fail(path, "must be a key id 'key-N'")
    return int(match.group(1))


def _key_objects(value: object, path: str, first: int | None, low: int) -> None:
    """Key objects ``{"id": "key-N", "publicKeyMultibase", "purposes"}``, numbered in order
    from ``first`` (or from whatever the first one says, when ``first`` is ``None``)."""
    keys = _array(value, path, low, MAX_KEYS)
    publics: set[bytes] = set()
    for index, obj in enumerate(keys):
        item = f"{path}/{index}"
        _members(obj, item, ("id", "publicKeyMultibase", "purposes"))
        number = _key_number(obj["id"], f"{item}/id")
        if first is None:
            first = number
        if number != first + index:
            _fail(f"{item}/id", f"must be 'key-{first + index}' (keys are numbered in order)")
        multikey = obj["publicKeyMultibase"]
        if not isinstance(multikey, str) or not multikey.startswith("z") or len(multikey) > 256:
            _fail(f"{item}/publicKeyMultibase", "must be a base58btc Multikey ('z…')")
        try:
            key = verification_method_key({"type": "Multikey", "publicKeyMultibase": multikey})
        except Error as exc:
            raise InvalidEntry(str(exc), field=f"{item}/publicKeyMultibase") from exc
        if key.multikey() != multikey:
            _fail(f"{item}/publicKeyMultibase", "is not the canonical Multikey encoding")
        if key.public in publics:
            _fail(f"{item}/publicKeyMultibase", "the same key appears twice")
        publics.add(key.public)
        purposes = _array(obj["purposes"], f"{item}/purposes", 1, len(KEY_PURPOSES))
        for position, purpose in enumerate(purposes):
            _enum(purpose, f"{item}/purposes/{position}", KEY_PURPOSES)
        _unique(purposes, f"{item}/purposes")
        if key.type == "bls12381g2" and list(purposes) != ["assertionMethod"]:
            # A BBS key signs message lists for bbs-2023 credentials, nothing else.
            _fail(f"{item}/purposes", "a BLS12-381 key may only have assertionMethod")


def _did_creation(value: object, path: str) -> None:
    body = _members(value, path, ("did", "keys", "nonce"))
    _did(body["did"], f"{path}/did")
    _b64url(body["nonce"], f"{path}/nonce", 22, 43)  # 16 to 32 bytes
    _key_objects(body["keys"], f"{path}/keys", 1, 1)
    # Self-certification (entries.md §4.1): the DID must be the one the keys and nonce give.
    derived = derive_did(body["keys"], body["nonce"])
    if body["did"] != derived:
        _fail(f"{path}/did", f"does not match the key set and nonce (they give {derived})")


def _key_id_list(value: object, path: str, low: int) -> None:
    ids = _array(value, path, low, MAX_KEYS)
    for index, item in enumerate(ids):
        _key_number(item, f"{path}/{index}")
    _unique(ids, path)


# --------------------------------------------------------------------------- payload schemas


def _genesis_create(payload: Mapping[str, Any], path: str) -> None:
    body = _members(payload, path, ("root",))
    _did_creation(body["root"], f"{path}/root")


def _did_create(payload: Mapping[str, Any], path: str) -> None:
    _did_creation(payload, path)


def _did_rotate(payload: Mapping[str, Any], path: str) -> None:
    body = _members(payload, path, ("add", "did", "retire"))
    _did(body["did"], f"{path}/did")
    _key_objects(body["add"], f"{path}/add", None, 0)
    _key_id_list(body["retire"], f"{path}/retire", 0)
    if not body["add"] and not body["retire"]:
        _fail(path, "a rotation must add or retire at least one key")


def _did_revoke_key(payload: Mapping[str, Any], path: str) -> None:
    body = _members(payload, path, ("did", "keys"))
    _did(body["did"], f"{path}/did")
    _key_id_list(body["keys"], f"{path}/keys", 1)


def _did_deactivate(payload: Mapping[str, Any], path: str) -> None:
    body = _members(payload, path, ("did",))
    _did(body["did"], f"{path}/did")


def _accreditation_grant(payload: Mapping[str, Any], path: str) -> None:
    body = _members(payload, path, ("agency", "types", "valid_from", "valid_until"))
    _did(body["agency"], f"{path}/agency")
    types = _array(body["types"], f"{path}/types", 1, MAX_ACCREDITED_TYPES)
    for index, type_id in enumerate(types):
        _identifier(type_id, f"{path}/types/{index}")
    _unique(types, f"{path}/types")
    start = parse_time(body["valid_from"], f"{path}/valid_from")
    end = parse_time(body["valid_until"], f"{path}/valid_until")
    if end <= start:
        _fail(f"{path}/valid_until", "must be later than valid_from")


def _accreditation_change(payload: Mapping[str, Any], path: str) -> None:
    body = _members(payload, path, ("agency",))
    _did(body["agency"], f"{path}/agency")


def _type_publish(payload: Mapping[str, Any], path: str) -> None:
    body = _members(payload, path, ("claims", "formats", "id", "revocation"))
    _identifier(body["id"], f"{path}/id")
    claims = _array(body["claims"], f"{path}/claims", 1, MAX_CLAIMS)
    names = []
    for index, claim in enumerate(claims):
        item = f"{path}/claims/{index}"
        _members(claim, item, ("kind", "name", "predicate"))
        names.append(_string(claim["name"], f"{item}/name", _CLAIM_NAME, "a claim name"))
        kind = _enum(claim["kind"], f"{item}/kind", CLAIM_KINDS)
        if not isinstance(claim["predicate"], bool):
            _fail(f"{item}/predicate", "must be true or false")
        if claim["predicate"] and kind not in PREDICATE_KINDS:
            _fail(f"{item}/predicate", f"only {list(PREDICATE_KINDS)} claims take predicates")
    _unique(names, f"{path}/claims")
    formats = _array(body["formats"], f"{path}/formats", 1, len(CREDENTIAL_FORMATS))
    for index, fmt in enumerate(formats):
        _enum(fmt, f"{path}/formats/{index}", CREDENTIAL_FORMATS)
    _unique(formats, f"{path}/formats")
    _enum(body["revocation"], f"{path}/revocation", REVOCATION_METHODS)


def _type_deprecate(payload: Mapping[str, Any], path: str) -> None:
    body = _members(payload, path, ("id",))
    _identifier(body["id"], f"{path}/id")


def _anchor(payload: Mapping[str, Any], path: str) -> None:
    body = _members(payload, path, ("hashes",))
    hashes = _array(body["hashes"], f"{path}/hashes", 1, MAX_ANCHOR_BATCH)
    match = _HASH.fullmatch
    for index, value in enumerate(hashes):
        if type(value) is not str or match(value) is None:  # the common path, kept tight
            _hash(value, f"{path}/hashes/{index}")
    if len(set(hashes)) != len(hashes):
        _unique(hashes, f"{path}/hashes")


def _status_list_publish(payload: Mapping[str, Any], path: str) -> None:
    body = _members(payload, path, ("digest", "url", "version"))
    _url(body["url"], f"{path}/url")
    _integer(body["version"], f"{path}/version", 1)
    _hash(body["digest"], f"{path}/digest")


def _accumulator_publish(payload: Mapping[str, Any], path: str) -> None:
    body = _members(payload, path, ("id", "update", "value", "version"))
    _identifier(body["id"], f"{path}/id")
    _integer(body["version"], f"{path}/version", 1)
    _b64url(body["value"], f"{path}/value", 1, MAX_ACCUMULATOR_VALUE)
    _b64url(body["update"], f"{path}/update", 0, MAX_ACCUMULATOR_UPDATE)


def _notarize(payload: Mapping[str, Any], path: str) -> None:
    body = _members(payload, path, ("hash", "metadata"))
    _hash(body["hash"], f"{path}/hash")
    metadata = body["metadata"]
    if not isinstance(metadata, Mapping):
        _fail(f"{path}/metadata", "must be an object")
    if len(metadata) > MAX_METADATA_MEMBERS:
        _fail(f"{path}/metadata", f"must have at most {MAX_METADATA_MEMBERS} members")
    for name, value in metadata.items():
        item = f"{path}/metadata/{name}"
        if not isinstance(name, str) or _METADATA_NAME.fullmatch(name) is None:
            _fail(f"{path}/metadata", f"member name {str(name)[:70]!r} is not allowed")
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            _integer(value, item, -MAX_SAFE_INTEGER)
        elif isinstance(value, str):
            if len(value) > MAX_METADATA_STRING or not value.isprintable():
                _fail(item, f"must be printable text of at most {MAX_METADATA_STRING} characters")
        else:
            _fail(item, "must be a string, an integer or a boolean")
    if len(_jcs(metadata, f"{path}/metadata")) > MAX_METADATA_BYTES:
        _fail(f"{path}/metadata", f"must be at most {MAX_METADATA_BYTES} bytes as JCS")


PayloadValidator = Callable[[Mapping[str, Any], str], None]

#: The payload schema of each (type, op), entries.md §5. Each raises :class:`InvalidEntry`.
PAYLOAD_VALIDATORS: Mapping[tuple[str, str], PayloadValidator] = MappingProxyType(
    {
        ("genesis", "create"): _genesis_create,
        ("did", "create"): _did_create,
        ("did", "rotate"): _did_rotate,
        ("did", "revoke-key"): _did_revoke_key,
        ("did", "deactivate"): _did_deactivate,
        ("accreditation", "grant"): _accreditation_grant,
        ("accreditation", "suspend"): _accreditation_change,
        ("accreditation", "reinstate"): _accreditation_change,
        ("accreditation", "revoke"): _accreditation_change,
        ("credential-type", "publish"): _type_publish,
        ("credential-type", "deprecate"): _type_deprecate,
        ("credential-anchor", "anchor"): _anchor,
        ("status-list", "publish"): _status_list_publish,
        ("accumulator", "publish"): _accumulator_publish,
        ("notarization", "notarize"): _notarize,
    }
)


def validate_payload(type: str, op: str, payload: Mapping[str, Any]) -> None:
    """Check ``payload`` against the schema of (``type``, ``op``) (entries.md §5).

    Raises :class:`InvalidEntry` whose ``field`` points at the offending member
    (``/payload/…``), ``/type`` or ``/op``.
    """
    if not isinstance(type, str) or type not in OPERATIONS:
        _fail("/type", f"must be one of {sorted(OPERATIONS)}")
    if not isinstance(op, str) or op not in OPERATIONS[type]:
        _fail("/op", f"a {type} entry's op must be one of {list(OPERATIONS[type])}")
    try:
        PAYLOAD_VALIDATORS[(type, op)](payload, "/payload")
    except RecursionError as exc:
        raise InvalidEntry("nested too deeply", field="/payload") from exc


# --------------------------------------------------------------------------- JSON values


_SCALARS = (str, int, bool)


def _freeze(value: Any) -> Any:
    if type(value) in _SCALARS:
        return value
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    return tuple(v if type(v) in _SCALARS else _freeze(v) for v in value)


def thaw(value: Any) -> Any:
    """A mutable JSON copy (dicts and lists) of a frozen payload value."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if _is_array(value):
        return [thaw(v) for v in value]
    return value


def _as_dict(value: object) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


_ENCODER = json.JSONEncoder(
    ensure_ascii=False,
    allow_nan=False,
    sort_keys=True,
    separators=(",", ":"),
    default=_as_dict,
)


def _jcs(value: Any, path: str) -> bytes:
    """RFC 8785 serialisation of a *schema-checked* entry value.

    The payload schemas admit only objects with ASCII member names, arrays, strings without
    lone surrogates, booleans and integers within ±(2^53 - 1): no floating-point numbers. On
    that subset Python's compact JSON encoder with sorted keys and ``ensure_ascii=False``
    produces exactly the JCS bytes (same escapes: the short forms for backspace, tab, line
    feed, form feed and carriage return, lowercase ``\\u00xx`` for the other control
    characters, nothing else escaped; code-point order equals UTF-16 order for ASCII names;
    integers print the same), at a quarter of the cost of the pure-Python ``rfc8785``
    package. The tests check the equality against ``rfc8785`` on every entry they build and
    on generated payloads.
    """
    try:
        return _ENCODER.encode(value).encode("utf-8")
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidEntry(f"cannot be serialised with JCS: {exc}", field=path) from exc


def _canonical(
    log: bytes,
    op: bytes,
    payload: bytes,
    sig: bytes | None,
    signer: bytes,
    time: bytes,
    kind: bytes,
) -> bytes:
    # JCS orders members by their names' UTF-16 code units; for our eight ASCII names that is
    # log, op, payload, sig, signer, time, type, v. Building the object from the members' own
    # JCS forms gives exactly rfc8785.dumps(entry) (a test checks it) while serialising the
    # payload once for both the signed bytes and the entry bytes.
    parts = [b'{"log":', log, b',"op":', op, b',"payload":', payload]
    if sig is not None:
        parts += [b',"sig":', sig]
    parts += [b',"signer":', signer, b',"time":', time, b',"type":', kind, b',"v":1}']
    return b"".join(parts)


# --------------------------------------------------------------------------- entries


@dataclass(frozen=True, eq=False)
class Entry:
    """One ledger entry (entries.md §2), as decoded from (or encoded to) its canonical ``raw``.

    Constructing an ``Entry`` validates every field and the payload schema and checks that
    ``raw`` is exactly the canonical encoding of the fields; so an ``Entry`` object is always
    well formed (it is not necessarily *authorised*: that is the registry state's job). The
    payload is deeply immutable (mappings are read-only, arrays are tuples); :func:`thaw` gives
    a mutable copy. Two entries are equal when their bytes are.
    """

    v: int
    log: str
    type: str
    op: str
    time: datetime
    signer: str
    payload: Mapping[str, Any]
    sig: bytes
    raw: bytes

    def __post_init__(self) -> None:
        if isinstance(self.v, bool) or not isinstance(self.v, int) or self.v != ENTRY_VERSION:
            _fail("/v", f"must be {ENTRY_VERSION}")
        _string(self.log, "/log", _ORIGIN, "a log origin (printable ASCII, no spaces or '+')")
        validate_payload(self.type, self.op, self.payload)
        try:
            time_text = format_time(self.time)
        except InvalidInput as exc:
            raise InvalidEntry(str(exc), field="/time") from exc
        try:
            parse_verification_method_id(self.signer)
        except Error as exc:
            raise InvalidEntry(str(exc), field="/signer") from exc
        if not isinstance(self.sig, bytes) or len(self.sig) != 64:
            _fail("/sig", "must be a 64-byte signature")
        if not isinstance(self.raw, bytes):
            _fail("", "raw must be bytes")
        frozen = _freeze(self.payload)
        unsigned, raw = _encodings(
            self.log, self.type, self.op, time_text, self.signer, frozen, self.sig
        )
        if raw != self.raw:
            # Any other spelling of the same object (whitespace, member order, escapes, number
            # forms, base64url variants) would give the same statement a second leaf hash.
            _fail("", "the bytes are not the canonical (RFC 8785) encoding of the entry")
        object.__setattr__(self, "time", self.time.astimezone(UTC))
        object.__setattr__(self, "payload", frozen)
        object.__setattr__(self, "_signing_input", SIGNATURE_DOMAIN + unsigned)

    @property
    def signing_input(self) -> bytes:
        """The signed bytes: the domain prefix + JCS of the entry without ``sig``."""
        value: bytes = self.__dict__["_signing_input"]
        return value

    @property
    def signer_did(self) -> str:
        """The DID part of :attr:`signer`."""
        return self.signer.split("#", 1)[0]

    @property
    def time_text(self) -> str:
        """:attr:`time` as it is encoded (``YYYY-MM-DDTHH:MM:SSZ``)."""
        return format_time(self.time)

    def to_json(self) -> dict[str, Any]:
        """The entry object (a mutable copy), ``sig`` in base64url."""
        return {
            "v": self.v,
            "log": self.log,
            "type": self.type,
            "op": self.op,
            "time": self.time_text,
            "signer": self.signer,
            "payload": thaw(self.payload),
            "sig": b64url_encode(self.sig),
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Entry) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"Entry({self.type}/{self.op} by {self.signer} at {self.time_text})"


def _encodings(
    log: str, kind: str, op: str, time_text: str, signer: str, payload: Any, sig: bytes | None
) -> tuple[bytes, bytes]:
    """(JCS without ``sig``, JCS with ``sig``) of an entry's fields."""
    members = (_jcs_string(log), _jcs_string(op), _jcs(payload, "/payload"))
    # A time (digits, '-', ':', 'T', 'Z') and base64url text need no JSON escapes.
    tail = (_jcs_string(signer), b'"' + time_text.encode() + b'"', _jcs_string(kind))
    unsigned = _canonical(*members, None, *tail)
    if sig is None:
        return unsigned, b""
    return unsigned, _canonical(*members, b'"' + b64url_encode(sig).encode() + b'"', *tail)


@functools.lru_cache(maxsize=4096)
def _jcs_string(value: str) -> bytes:
    # Origins, types, ops and signers repeat from entry to entry (all are checked strings).
    return _jcs(value, "")


def encode_entry(entry: Entry) -> bytes:
    """The canonical bytes of ``entry``, recomputed from its fields (equal to ``entry.raw``)."""
    if not isinstance(entry, Entry):
        raise InvalidInput("encode_entry needs an Entry")
    return _encodings(
        entry.log, entry.type, entry.op, entry.time_text, entry.signer, entry.payload, entry.sig
    )[1]


#: Alias of :func:`encode_entry`.
encode = encode_entry


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            # RFC 8785 §3.1 admits I-JSON only, and I-JSON (RFC 7493 §2.3) forbids duplicate
            # names: a parser could keep either value.
            raise InvalidEntry(f"duplicate member {name[:40]!r}")
        result[name] = value
    return result


def _no_float(text: str) -> NoReturn:
    raise InvalidEntry(f"non-integer number {text[:40]} (entries hold integers only)")


def _no_constant(text: str) -> NoReturn:
    raise InvalidEntry(f"{text} is not JSON")


_DECODER = json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_float=_no_float, parse_constant=_no_constant
)


def decode_entry(raw: bytes) -> Entry:
    """Parse and check an entry's canonical bytes (entries.md §3.3).

    Refuses (with :class:`InvalidEntry`): more than :data:`MAX_ENTRY_BYTES`, invalid UTF-8 or
    JSON, duplicate member names, non-integer numbers, missing or unknown top-level members,
    a payload outside its (type, op) schema, and bytes that are not exactly the RFC 8785
    encoding of what they decode to. The signature is *not* checked here (that needs the
    signer's key: :func:`verify_signature`, or the registry state).
    """
    if isinstance(raw, (bytearray, memoryview)):
        raw = bytes(raw)
    if not isinstance(raw, bytes):
        raise InvalidEntry("an entry must be bytes")
    if len(raw) > MAX_ENTRY_BYTES:
        raise InvalidEntry(f"an entry is at most {MAX_ENTRY_BYTES} bytes, this one {len(raw)}")
    try:
        text = raw.decode("utf-8")
        unverified = _DECODER.decode(text)
    except InvalidEntry:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InvalidEntry(f"not a JSON entry: {exc}") from exc
    if not isinstance(unverified, dict):
        raise InvalidEntry("an entry must be a JSON object")
    for name in unverified:
        if name not in _TOP_LEVEL:
            _fail(f"/{name[:40]}", "unknown member")
    for name in _TOP_LEVEL:
        if name not in unverified:
            _fail(f"/{name}", "missing")
    sig_text = unverified["sig"]
    if not isinstance(sig_text, str):
        _fail("/sig", "must be base64url text")
    try:
        sig = b64url_decode(sig_text)
    except InvalidInput as exc:
        raise InvalidEntry(str(exc), field="/sig") from exc
    return Entry(
        v=unverified["v"],
        log=unverified["log"],
        type=unverified["type"],
        op=unverified["op"],
        time=parse_time(unverified["time"], "/time"),
        signer=unverified["signer"],
        payload=unverified["payload"],
        sig=sig,
        raw=raw,
    )


def make_entry(
    log: str,
    type: str,
    op: str,
    payload: Mapping[str, Any],
    key: Key,
    signer: str,
    time: datetime | None = None,
) -> Entry:
    """Build and sign an entry (entries.md §3.2).

    ``key`` is the private Ed25519 or P-256 key of the verification method ``signer``
    (``did:chancery:…#key-N``). ``time`` defaults to now (whole seconds, UTC); a given time must
    have whole seconds. The payload is validated against its schema first. Whether ``signer``
    may make this entry is decided by the registry state when the entry is applied.
    """
    if not isinstance(key, Key) or not key.has_private:
        raise InvalidInput("make_entry needs a private vc_service Key")
    if key.type not in ("ed25519", "p256"):
        raise InvalidInput(f"a {key.type} key cannot sign ledger entries (Ed25519 or P-256 only)")
    if time is None:
        time = datetime.now(UTC).replace(microsecond=0)
    validate_payload(type, op, payload)
    try:
        time_text = format_time(time)
    except InvalidInput as exc:
        raise InvalidEntry(str(exc), field="/time") from exc
    if not isinstance(log, str) or _ORIGIN.fullmatch(log) is None:
        _fail("/log", "must be a log origin (printable ASCII, no spaces or '+')")
    try:
        parse_verification_method_id(signer)
    except Error as exc:
        raise InvalidEntry(str(exc), field="/signer") from exc
    unsigned, _ = _encodings(log, type, op, time_text, signer, payload, None)
    sig = key.sign(SIGNATURE_DOMAIN + unsigned)
    _, raw = _encodings(log, type, op, time_text, signer, payload, sig)
    return Entry(ENTRY_VERSION, log, type, op, time, signer, payload, sig, raw)


def verify_signature(entry: Entry, key: Key) -> None:
    """Check ``entry``'s signature with ``key`` (entries.md §3.2); raise :class:`InvalidProof`.

    This checks the cryptography only; that ``key`` is the signer's key, valid at the entry's
    time, is the registry state's concern.
    """
    if not isinstance(entry, Entry):
        raise InvalidInput("verify_signature needs an Entry")
    if not isinstance(key, Key):
        raise InvalidInput("verify_signature needs a vc_service Key")
    if key.type not in ("ed25519", "p256"):
        raise InvalidProof(f"a {key.type} key cannot sign ledger entries")
    key.verify(entry.signing_input, entry.sig)
