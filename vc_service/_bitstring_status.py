"""W3C Bitstring Status List v1.0 (W3C Recommendation, 15 May 2025).

* :class:`BitstringStatusList` -- the bitstring and its ``encodedList`` form (§2.2, §3.3 Bitstring
  Generation, §3.4 Bitstring Expansion): multibase base64url (``u``, no padding) of the GZIP
  (RFC 1952) compressed bitstring, index 0 at the left-most (most significant) bit of the first
  byte (§7.1 Bitstring Encoding).
* :class:`IndexAllocator` -- random, never reused status-list indexes (§2.1 ``statusListIndex``:
  "Implementations SHOULD assign indexes randomly"; §6.5 Decoy Values).
* :func:`status_list_credential`, :func:`status_entry` -- the unsigned
  ``BitstringStatusListCredential`` (§2.2, §3.1 Generate) and a ``BitstringStatusListEntry`` (§2.1).
* :func:`check_status`, :func:`check_statuses` -- §3.2 Validate Algorithm for a credential's
  ``credentialStatus``: they raise :class:`~vc_service.Revoked`, :class:`~vc_service.Suspended` or
  :class:`~vc_service.StatusUnavailable`, and otherwise return a :class:`StatusResult`.

The terms used here (``BitstringStatusListCredential``, ``BitstringStatusList``, ``encodedList``,
``statusPurpose``, ``BitstringStatusListEntry`` and its members) are defined by the VCDM 2.0 base
context ``https://www.w3.org/ns/credentials/v2`` (BSL §5.2 note), so the credentials need no
second context. That context does not define ``statusSize``/``statusMessages`` on the list
itself, so status messages travel only in the entry (§2.1 ``statusSize``, ``statusMessage``).

Multi-bit entries (``statusSize`` > 1, purpose ``message``) store each value with its most
significant bit first, starting at bit ``index * statusSize``.
"""

from __future__ import annotations

import gzip
import re
import secrets
import threading
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ._errors import (
    Error,
    InvalidInput,
    Revoked,
    StatusUnavailable,
    Suspended,
)
from ._multibase import b64url_decode, b64url_encode

__all__ = [
    "BitstringStatusList",
    "IndexAllocator",
    "MAX_DECOMPRESSED_BYTES",
    "MIN_ENTRIES",
    "STATUS_PURPOSES",
    "StatusListFull",
    "StatusResult",
    "check_status",
    "check_statuses",
    "status_entry",
    "status_list_credential",
]

# Leeway for a list's validFrom against the verifier's clock: a list fetched during a check may
# be built a moment after the check's "now".
_CLOCK_SKEW = timedelta(seconds=60)

#: §3.2 step 2 ``minimumNumberOfEntries`` (and §6.1): 131,072 entries, 16 KB at one bit each.
MIN_ENTRIES = 131_072
#: Largest bitstring we expand or build: 16 MiB (134,217,728 one-bit entries). A list that
#: decompresses to more is refused, so a few kilobytes of GZIP cannot exhaust memory.
MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024
#: The status purposes of §2.1 whose meaning the Recommendation fixes.
STATUS_PURPOSES = ("revocation", "suspension", "refresh", "message")
#: Largest ``statusSize`` we handle (§2.1 sets no bound; 2^8 messages is plenty).
MAX_STATUS_SIZE = 8

_VC_V2 = "https://www.w3.org/ns/credentials/v2"
_INDEX = re.compile(r"[0-9]{1,20}")


class StatusListFull(Error):
    """Every index of a status list is already assigned (:meth:`IndexAllocator.allocate`)."""


# --------------------------------------------------------------------------- the bitstring


def _check_status_size(status_size: object) -> int:
    if isinstance(status_size, bool) or not isinstance(status_size, int):
        raise InvalidInput("status_size must be an integer")
    if not 1 <= status_size <= MAX_STATUS_SIZE:
        raise InvalidInput(f"status_size must be between 1 and {MAX_STATUS_SIZE}")
    return status_size


class BitstringStatusList:
    """A status list of ``size`` entries of ``status_size`` bits each (§2.2, §3.3).

    ``size`` must be at least :data:`MIN_ENTRIES` (the §3.2 minimum, which gives herd privacy,
    §6.1) and ``size * status_size`` a whole number of bytes. Entries start at 0 (every credential
    in good standing).
    """

    def __init__(self, size: int = MIN_ENTRIES, status_size: int = 1) -> None:
        self._status_size = _check_status_size(status_size)
        if isinstance(size, bool) or not isinstance(size, int):
            raise InvalidInput("size must be an integer")
        bits = size * status_size
        if size < MIN_ENTRIES:
            raise InvalidInput(f"a status list needs at least {MIN_ENTRIES} entries (§3.2)")
        if bits % 8 or bits // 8 > MAX_DECOMPRESSED_BYTES:
            raise InvalidInput(
                f"size * status_size must be a multiple of 8 bits, at most {MAX_DECOMPRESSED_BYTES}"
                " bytes"
            )
        self._size = size
        self._bits = bytearray(bits // 8)

    @property
    def size(self) -> int:
        """The number of entries."""
        return self._size

    @property
    def status_size(self) -> int:
        """The number of bits per entry (§2.1 ``statusSize``)."""
        return self._status_size

    def __len__(self) -> int:
        return self._size

    def _position(self, index: int) -> int:
        if isinstance(index, bool) or not isinstance(index, int):
            raise InvalidInput("a status list index must be an integer")
        if not 0 <= index < self._size:
            raise InvalidInput(f"index {index} is outside the list (0..{self._size - 1})")
        return index * self._status_size

    def get(self, index: int) -> int:
        """The value of entry ``index`` (0 or 1 for one-bit lists)."""
        start = self._position(index)
        value = 0
        for bit in range(start, start + self._status_size):
            # §7.1: bit 0 is the left-most, i.e. most significant, bit of byte 0.
            value = (value << 1) | ((self._bits[bit >> 3] >> (7 - (bit & 7))) & 1)
        return value

    def set(self, index: int, value: int | bool = 1) -> None:
        """Set entry ``index`` to ``value`` (``True``/``1`` sets a one-bit status)."""
        start = self._position(index)
        value = int(value)
        if not 0 <= value < (1 << self._status_size):
            raise InvalidInput(f"value {value} does not fit in {self._status_size} bit(s)")
        for offset in range(self._status_size):
            bit = start + offset
            mask = 1 << (7 - (bit & 7))
            if (value >> (self._status_size - 1 - offset)) & 1:
                self._bits[bit >> 3] |= mask
            else:
                self._bits[bit >> 3] &= ~mask & 0xFF

    def to_bytes(self) -> bytes:
        """The uncompressed bitstring."""
        return bytes(self._bits)

    def encode(self) -> str:
        """The ``encodedList`` value (§3.3 steps 3-4): ``u`` + base64url(GZIP(bitstring)).

        The GZIP header carries no timestamp, so equal lists encode identically.
        """
        return "u" + b64url_encode(gzip.compress(bytes(self._bits), compresslevel=9, mtime=0))

    @classmethod
    def decode(cls, encoded: str, *, status_size: int = 1) -> BitstringStatusList:
        """Expand an ``encodedList`` (§3.4) into a list of ``status_size``-bit entries.

        Refused with :class:`InvalidInput`: a value that is not multibase base64url (``u``),
        not a single GZIP member (trailing bytes, truncation, bad CRC), larger than
        :data:`MAX_DECOMPRESSED_BYTES` once expanded (a decompression bomb), or shorter than
        :data:`MIN_ENTRIES` entries (§3.2 step 9, STATUS_LIST_LENGTH_ERROR).
        """
        status_size = _check_status_size(status_size)
        if not isinstance(encoded, str) or not encoded.startswith("u"):
            raise InvalidInput("encodedList must be a multibase base64url string ('u' prefix)")
        compressed = b64url_decode(encoded[1:])
        # wbits 16+15: a GZIP wrapper only (no zlib or raw deflate). max_length bounds the output
        # whatever the input claims, which is what stops a decompression bomb.
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            raw = inflater.decompress(compressed, MAX_DECOMPRESSED_BYTES + 1)
        except zlib.error as exc:
            raise InvalidInput(f"encodedList is not valid GZIP: {exc}") from exc
        if len(raw) > MAX_DECOMPRESSED_BYTES or inflater.unconsumed_tail:
            raise InvalidInput(
                f"encodedList expands to more than {MAX_DECOMPRESSED_BYTES} bytes; refused"
            )
        if not inflater.eof:
            raise InvalidInput("encodedList is truncated GZIP")
        if inflater.unused_data:
            raise InvalidInput("encodedList has data after its GZIP member")
        entries = len(raw) * 8 // status_size
        if entries < MIN_ENTRIES:
            raise InvalidInput(
                f"status list has {entries} entries, fewer than the minimum {MIN_ENTRIES}"
                " (STATUS_LIST_LENGTH_ERROR)"
            )
        result = cls.__new__(cls)
        result._status_size = status_size
        result._size = entries
        result._bits = bytearray(raw)
        return result


# --------------------------------------------------------------------------- index allocation


class IndexAllocator:
    """Assigns status-list indexes at random, never twice (§2.1 ``statusListIndex``, §6.5).

    Sequential indexes would tell a verifier when a credential was issued and how many were
    issued before it, and would let it watch a cohort; a uniformly random free index from
    :mod:`secrets` reveals neither. An index is never released: reusing one would make an old
    revocation apply to a new credential.

    Persist :attr:`used` and pass it back as ``used`` to continue after a restart. The allocator
    is thread-safe within one process; across processes, store the indexes under a uniqueness
    constraint.
    """

    def __init__(self, size: int = MIN_ENTRIES, used: Iterable[int] = ()) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise InvalidInput("size must be a positive integer")
        self._size = size
        self._used: set[int] = set()
        self._lock = threading.Lock()
        for index in used:
            if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
                raise InvalidInput(f"used index {index!r} is outside 0..{size - 1}")
            self._used.add(index)

    @property
    def size(self) -> int:
        """The number of indexes (the list size)."""
        return self._size

    @property
    def used(self) -> frozenset[int]:
        """The indexes assigned so far (to persist)."""
        with self._lock:
            return frozenset(self._used)

    @property
    def free(self) -> int:
        """How many indexes are still free."""
        with self._lock:
            return self._size - len(self._used)

    def allocate(self) -> int:
        """A uniformly random unused index; raises :class:`StatusListFull` when none is left."""
        with self._lock:
            free = self._size - len(self._used)
            if free <= 0:
                raise StatusListFull(f"all {self._size} status list indexes are assigned")
            # Rejection sampling is uniform and fast while the list is mostly free; once it is
            # dense, pick the k-th free index directly so the cost stays bounded.
            for _ in range(64):
                index = secrets.randbelow(self._size)
                if index not in self._used:
                    break
            else:
                target = secrets.randbelow(free)
                for index in range(self._size):
                    if index not in self._used:
                        if target == 0:
                            break
                        target -= 1
            self._used.add(index)
            return index


# --------------------------------------------------------------------------- credentials


def _check_purpose(purpose: object) -> None:
    if purpose not in STATUS_PURPOSES:
        raise InvalidInput(f"status purpose must be one of {STATUS_PURPOSES}, not {purpose!r}")


def _check_url(value: object, what: str) -> str:
    if not isinstance(value, str) or re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", value) is None:
        raise InvalidInput(f"{what} must be an absolute URL")
    return value


def _xsd_datetime(value: datetime) -> str:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput("validity times must be timezone-aware datetimes")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_list_credential(
    list_id: str,
    issuer: str,
    purpose: str,
    status_list: BitstringStatusList,
    *,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` for ``status_list`` (§2.2, §3.1 steps 2-4).

    ``list_id`` is the URL the credential is published at (entries point to it); the subject's id
    is ``list_id#list``. Validity times are written as XSD dateTimeStamps in UTC. The caller adds
    the proof (§3.1 step 5).
    """
    _check_url(list_id, "list_id")
    _check_url(issuer, "issuer")
    _check_purpose(purpose)
    if not isinstance(status_list, BitstringStatusList):
        raise InvalidInput("status_list must be a BitstringStatusList")
    credential: dict[str, Any] = {
        "@context": [_VC_V2],
        "id": list_id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
    }
    if valid_from is not None:
        credential["validFrom"] = _xsd_datetime(valid_from)
    if valid_until is not None:
        credential["validUntil"] = _xsd_datetime(valid_until)
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        raise InvalidInput("valid_until is before valid_from")
    credential["credentialSubject"] = {
        "id": f"{list_id}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": status_list.encode(),
    }
    return credential


def status_entry(
    list_credential_url: str,
    index: int,
    purpose: str,
    *,
    status_messages: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` for ``credentialStatus`` (§2.1).

    ``statusListIndex`` is written as a base-10 string; ``id`` is ``<list URL>#<index>`` (never
    the list URL itself, as §2.1 requires). For purpose ``message``, ``status_messages`` lists
    the message of each value 0, 1, 2…; its length (a power of two, at least 2) fixes
    ``statusSize``, and the entry carries ``statusMessage`` as ``{"status": "0x…", "message"}``.
    """
    _check_url(list_credential_url, "list_credential_url")
    _check_purpose(purpose)
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise InvalidInput("a status list index must be a non-negative integer")
    entry: dict[str, Any] = {
        "id": f"{list_credential_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_credential_url,
    }
    if status_messages is None:
        if purpose == "message":
            raise InvalidInput("purpose 'message' needs status_messages")
        return entry
    count = len(status_messages)
    if count < 2 or count & (count - 1) or count > 1 << MAX_STATUS_SIZE:
        raise InvalidInput("status_messages must hold a power of two (2..256) messages")
    if not all(isinstance(message, str) for message in status_messages):
        raise InvalidInput("status messages must be strings")
    entry["statusSize"] = count.bit_length() - 1
    entry["statusMessage"] = [
        {"status": hex(value), "message": message} for value, message in enumerate(status_messages)
    ]
    return entry


@dataclass(frozen=True)
class StatusResult:
    """The outcome of one status entry whose status does not invalidate the credential.

    ``value`` is the entry's value in the list (0 for revocation and suspension; refresh and
    message entries may be non-zero); ``message`` is the matching ``statusMessage`` text, if the
    entry has messages.
    """

    purpose: str
    index: int
    value: int
    status_list_credential: str
    message: str | None = None


@dataclass(frozen=True)
class _Entry:
    purpose: str
    index: int
    list_url: str
    status_size: int
    messages: dict[int, str] | None


def _has_type(value: object, name: str) -> bool:
    return value == name or (isinstance(value, list) and name in value)


def _parse_entry(entry: object) -> _Entry:
    """§2.1 checks on a ``credentialStatus`` entry; malformed → StatusUnavailable."""
    if not isinstance(entry, Mapping):
        raise StatusUnavailable("a credentialStatus entry must be an object")
    if not _has_type(entry.get("type"), "BitstringStatusListEntry"):
        raise StatusUnavailable(
            f"unsupported credentialStatus type {str(entry.get('type'))[:60]!r}"
        )
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise StatusUnavailable("statusPurpose must be a non-empty string")
    if purpose not in STATUS_PURPOSES:
        raise StatusUnavailable(f"status purpose {purpose[:40]!r} is not understood")
    raw_index = entry.get("statusListIndex")
    if not isinstance(raw_index, str) or _INDEX.fullmatch(raw_index) is None:
        raise StatusUnavailable("statusListIndex must be a base-10 integer string")
    try:
        list_url = _check_url(entry.get("statusListCredential"), "statusListCredential")
    except InvalidInput as exc:
        raise StatusUnavailable(str(exc)) from exc
    if entry.get("id") is not None and entry.get("id") == list_url:
        raise StatusUnavailable("the entry id must not be the status list URL (§2.1)")
    status_size = entry.get("statusSize", 1)
    if isinstance(status_size, bool) or not isinstance(status_size, int):
        raise StatusUnavailable("statusSize must be an integer")
    if not 1 <= status_size <= MAX_STATUS_SIZE:
        raise StatusUnavailable(f"statusSize must be between 1 and {MAX_STATUS_SIZE}")
    if purpose in ("revocation", "suspension") and status_size != 1:
        raise StatusUnavailable(f"a {purpose} entry must have statusSize 1")
    messages: dict[int, str] | None = None
    raw_messages = entry.get("statusMessage")
    if raw_messages is None:
        if status_size > 1:
            raise StatusUnavailable("statusMessage is required when statusSize > 1 (§2.1)")
    else:
        if not isinstance(raw_messages, list) or len(raw_messages) != 1 << status_size:
            raise StatusUnavailable(f"statusMessage must be an array of {1 << status_size} objects")
        messages = {}
        for item in raw_messages:
            status = item.get("status") if isinstance(item, Mapping) else None
            text = item.get("message") if isinstance(item, Mapping) else None
            if (
                not isinstance(status, str)
                or re.fullmatch(r"0x[0-9a-fA-F]+", status) is None
                or not isinstance(text, str)
            ):
                raise StatusUnavailable(
                    "statusMessage items need 'status' (0x…) and 'message' strings"
                )
            value = int(status, 16)
            if value >= 1 << status_size or value in messages:
                raise StatusUnavailable(
                    f"statusMessage status {status!r} is out of range or repeated"
                )
            messages[value] = text
    return _Entry(purpose, int(raw_index), list_url, status_size, messages)


def _parse_time(value: object, what: str) -> datetime:
    """An XSD dateTimeStamp (a time zone is required, VCDM 2.0 §4.6)."""
    if not isinstance(value, str):
        raise StatusUnavailable(f"{what} must be a dateTimeStamp string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise StatusUnavailable(
            f"status list {what} {value[:40]!r} is not a dateTimeStamp"
        ) from exc
    if parsed.tzinfo is None:
        raise StatusUnavailable(f"{what} has no time zone")
    return parsed


def _validate(
    entry: _Entry, fetch: Callable[[str], Mapping[str, Any]], now: datetime
) -> StatusResult:
    """§3.2 Validate Algorithm steps 3-15 for one parsed entry."""
    # Step 4: dereference statusListCredential (the fetcher has verified its proofs).
    try:
        credential = fetch(entry.list_url)
    except Exception as exc:  # the fetcher is the caller's: any failure is STATUS_RETRIEVAL_ERROR
        raise StatusUnavailable(
            f"status list {entry.list_url} could not be retrieved or verified: {exc}"
        ) from exc
    where = f"status list {entry.list_url}"
    if not isinstance(credential, Mapping):
        raise StatusUnavailable(f"{where} is not a JSON object")
    if not _has_type(credential.get("type"), "BitstringStatusListCredential"):
        raise StatusUnavailable(f"{where} is not a BitstringStatusListCredential")
    if "id" in credential and credential["id"] != entry.list_url:
        # A list published for another URL (another list of the same issuer, say, in which this
        # credential's bit is clear) must not answer for this one.
        raise StatusUnavailable(f"{where} has id {str(credential['id'])[:80]!r}")
    if "validFrom" in credential and now + _CLOCK_SKEW < _parse_time(
        credential["validFrom"], f"{where} validFrom"
    ):
        raise StatusUnavailable(f"{where} is not valid yet")
    if "validUntil" in credential and now > _parse_time(
        credential["validUntil"], f"{where} validUntil"
    ):
        raise StatusUnavailable(f"{where} expired at {credential['validUntil']}")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise StatusUnavailable(f"{where} has no credentialSubject object")
    if not _has_type(subject.get("type"), "BitstringStatusList"):
        raise StatusUnavailable(f"{where} subject is not a BitstringStatusList")
    # Step 5: the entry's purpose must be one of the list's purposes (STATUS_VERIFICATION_ERROR).
    purposes = subject.get("statusPurpose")
    if isinstance(purposes, str):
        purposes = [purposes]
    if not isinstance(purposes, list) or not all(isinstance(p, str) for p in purposes):
        raise StatusUnavailable(f"{where} statusPurpose must be one or more strings")
    if entry.purpose not in purposes:
        raise StatusUnavailable(
            f"{where} has statusPurpose {purposes!r}, the entry has {entry.purpose!r}"
        )
    # Steps 6-9: expand the bitstring and check its length.
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise StatusUnavailable(f"{where} has no encodedList string")
    try:
        status_list = BitstringStatusList.decode(encoded, status_size=entry.status_size)
    except InvalidInput as exc:
        raise StatusUnavailable(f"{where}: {exc}") from exc
    # Step 10: RANGE_ERROR when the index is outside the list.
    if entry.index >= status_list.size:
        raise StatusUnavailable(
            f"index {entry.index} is outside {where} ({status_list.size} entries)"
        )
    value = status_list.get(entry.index)
    if value and entry.purpose == "revocation":
        raise Revoked(f"the credential is revoked ({where}, index {entry.index})")
    if value and entry.purpose == "suspension":
        raise Suspended(f"the credential is suspended ({where}, index {entry.index})")
    message = entry.messages.get(value) if entry.messages is not None else None
    return StatusResult(entry.purpose, entry.index, value, entry.list_url, message)


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise InvalidInput("'now' must be a timezone-aware datetime")
    return now


def check_status(
    entry: Mapping[str, Any],
    fetch: Callable[[str], Mapping[str, Any]],
    *,
    now: datetime | None = None,
) -> StatusResult:
    """Check one ``BitstringStatusListEntry`` (§3.2 Validate Algorithm).

    ``fetch(url)`` returns the status list credential published at the entry's
    ``statusListCredential``, *after verifying its proof* (this function checks no proofs), and
    raises if it cannot. ``now`` (default: the current time) is compared with the list's
    ``validFrom``/``validUntil``.

    Raises :class:`~vc_service.Revoked` (purpose ``revocation``, bit set),
    :class:`~vc_service.Suspended` (purpose ``suspension``, bit set) or
    :class:`~vc_service.StatusUnavailable` (malformed entry; fetch or proof failure; not a
    ``BitstringStatusListCredential``; expired or not yet valid list; purpose mismatch; malformed,
    oversized or too short list; index out of range). Otherwise returns a :class:`StatusResult`
    (purposes ``refresh`` and ``message`` never raise for their value).
    """
    moment = _now(now)
    return _validate(_parse_entry(entry), fetch, moment)


def check_statuses(
    credential_status: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    fetch: Callable[[str], Mapping[str, Any]],
    now: datetime | None = None,
) -> list[StatusResult]:
    """Check a credential's ``credentialStatus``: one entry or an array of them (§2.1, Example 1).

    Every entry must be a ``BitstringStatusListEntry`` (any other status type is
    ``StatusUnavailable``: we cannot vouch for what we cannot check). Each list URL is fetched
    once. If several entries fail, the most telling error is raised: ``Revoked``, then
    ``Suspended``, then ``StatusUnavailable``.
    """
    moment = _now(now)
    if isinstance(credential_status, Mapping):
        entries: list[object] = [credential_status]
    elif isinstance(credential_status, list):
        entries = list(credential_status)
    else:
        raise StatusUnavailable("credentialStatus must be an object or an array of objects")
    cache: dict[str, Mapping[str, Any]] = {}

    def fetch_once(url: str) -> Mapping[str, Any]:
        if url not in cache:
            cache[url] = fetch(url)
        return cache[url]

    results: list[StatusResult] = []
    failures: list[StatusUnavailable | Revoked | Suspended] = []
    for raw in entries:
        try:
            results.append(_validate(_parse_entry(raw), fetch_once, moment))
        except (Revoked, Suspended, StatusUnavailable) as exc:
            failures.append(exc)
    for kind in (Revoked, Suspended, StatusUnavailable):
        for failure in failures:
            if isinstance(failure, kind):
                raise failure
    return results
