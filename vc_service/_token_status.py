"""IETF Token Status List (draft-ietf-oauth-status-list-18; -20 approved June 2026).

* :class:`TokenStatusList` -- the Status List of §4: ``size`` statuses of ``bits`` bits each
  (1, 2, 4 or 8) packed into a byte array, *index 0 in the least significant bits of byte 0*
  (§4.1 step 3: "blocks being packed into bytes from the least significant bit ("0") to the
  most significant bit ("7")"; §11.1 warns about exactly this), compressed with DEFLATE in the
  ZLIB format at the highest level (§4.1 step 4) and base64url-encoded in the JSON form ``{"bits",
  "lst"}`` (§4.2). Decoding refuses a compressed list that expands beyond a bound (a
  decompression bomb is a few kilobytes that inflate to gigabytes) and any trailing data.
* :func:`issue_status_list_token` / :func:`verify_status_list_token` -- the Status List Token in
  JWT format (§5.1): header ``typ`` ``statuslist+jwt``; claims ``sub`` (the list's URI), ``iat``,
  optional ``exp`` and ``ttl``, and ``status_list``.
* :func:`check_token_status` -- the Relying Party's validation rules of §8.3 for a Referenced
  Token's ``status`` claim (§6.2): fetch the Status List Token at ``status_list.uri`` (through an
  injected callable), verify it, check that ``sub`` is that URI, read the status at ``idx`` and
  interpret it per §7.1: 0x00 VALID returns, 0x01 INVALID raises :class:`Revoked`, 0x02 SUSPENDED
  raises :class:`Suspended`. Anything that prevents a statement about the status (fetch failure,
  a bad or expired token, a URI mismatch, an index out of range, an application-specific or
  unregistered status value) raises :class:`StatusUnavailable`, with the cause chained.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ._errors import (
    Error,
    Expired,
    InvalidCredential,
    InvalidInput,
    NotYetValid,
    Revoked,
    StatusUnavailable,
    Suspended,
)
from ._jose import (
    call_resolver,
    claim_time,
    decode_jws,
    numeric_date,
    sign_jws,
    utc_now,
    verify_jws,
)
from ._keys import Key
from ._multibase import b64url_decode, b64url_encode

__all__ = [
    "DEFAULT_MAX_STATUS_LIST_BYTES",
    "STATUS_INVALID",
    "STATUS_SUSPENDED",
    "STATUS_VALID",
    "StatusListToken",
    "TokenStatusList",
    "check_token_status",
    "issue_status_list_token",
    "verify_status_list_token",
]

#: Verified token contents by (token, expected URI, key): a verifier checks the same list token
#: for every credential of the list. Only successes are kept; the time checks are redone.
_VERIFIED: dict[tuple[Any, ...], StatusListToken] = {}
_VERIFIED_MAX = 64
_VERIFIED_LOCK = threading.Lock()

# Leeway for a status list's issuance time against the verifier's clock.
_CLOCK_SKEW = timedelta(seconds=60)

#: Status Types of §7.1.
STATUS_VALID = 0x00
STATUS_INVALID = 0x01
STATUS_SUSPENDED = 0x02

#: Largest uncompressed Status List we accept: 16 MiB, i.e. 2^27 one-bit entries.
DEFAULT_MAX_STATUS_LIST_BYTES = 1 << 24

_BITS = (1, 2, 4, 8)
_TYP = "statuslist+jwt"


class StatusIndexOutOfRange(InvalidInput, IndexError):
    """A status index outside ``0..size-1`` (an :class:`InvalidInput` and an ``IndexError``)."""


class TokenStatusList:
    """A mutable Status List (§4.1): ``size`` entries of ``bits`` bits, all VALID (0) at first."""

    __slots__ = ("_bits", "_data", "_size")

    def __init__(self, size: int, bits: int = 1) -> None:
        if isinstance(bits, bool) or bits not in _BITS:
            raise InvalidInput("bits must be 1, 2, 4 or 8")
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise InvalidInput("size must be a positive int")
        self._bits = bits
        self._size = size
        self._data = bytearray((size * bits + 7) // 8)

    @property
    def bits(self) -> int:
        """Bits per entry (1, 2, 4 or 8)."""
        return self._bits

    @property
    def size(self) -> int:
        """Number of entries."""
        return self._size

    def _locate(self, index: int) -> tuple[int, int]:
        if isinstance(index, bool) or not isinstance(index, int):
            raise InvalidInput("a status index must be an int")
        if not 0 <= index < self._size:
            raise StatusIndexOutOfRange(f"status index {index} out of range 0..{self._size - 1}")
        bit = index * self._bits
        return bit // 8, bit % 8

    def get(self, index: int) -> int:
        """The status at ``index``; :class:`StatusIndexOutOfRange` outside ``0..size-1``."""
        byte, shift = self._locate(index)
        return (self._data[byte] >> shift) & ((1 << self._bits) - 1)

    def set(self, index: int, value: int) -> None:
        """Set the status at ``index`` to ``value`` (which must fit in ``bits``)."""
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 <= value < 1 << self._bits
        ):
            raise InvalidInput(f"status value must be an int in 0..{(1 << self._bits) - 1}")
        byte, shift = self._locate(index)
        mask = ((1 << self._bits) - 1) << shift
        self._data[byte] = (self._data[byte] & ~mask) | (value << shift)

    def to_bytes(self) -> bytes:
        """The uncompressed byte array of §4.1 step 2-3."""
        return bytes(self._data)

    def encode(self) -> dict[str, Any]:
        """The JSON Status List of §4.2: ``{"bits": b, "lst": base64url(zlib(bytes))}``."""
        compressed = zlib.compress(bytes(self._data), level=9)
        return {"bits": self._bits, "lst": b64url_encode(compressed)}

    @classmethod
    def from_bytes(cls, data: bytes, bits: int = 1) -> TokenStatusList:
        """A Status List over an uncompressed byte array; ``size`` is ``len(data) * 8 / bits``."""
        if not isinstance(data, bytes | bytearray) or not data:
            raise InvalidInput("a status list needs a non-empty byte array")
        result = cls(len(data) * 8 // bits if bits in _BITS else 0, bits)
        result._data[:] = data
        return result

    @classmethod
    def decode(
        cls, status_list: Mapping[str, Any], *, max_bytes: int = DEFAULT_MAX_STATUS_LIST_BYTES
    ) -> TokenStatusList:
        """Parse the JSON Status List of §4.2; malformed input raises :class:`InvalidInput`.

        The list holds ``len(bytes) * 8 / bits`` entries (the draft carries no explicit size).
        At most ``max_bytes`` are decompressed: larger lists are refused, never materialised.
        """
        if not isinstance(status_list, Mapping):
            raise InvalidInput("'status_list' must be a JSON object")
        bits, lst = status_list.get("bits"), status_list.get("lst")
        if isinstance(bits, bool) or bits not in _BITS:
            raise InvalidInput("'bits' must be 1, 2, 4 or 8")
        if not isinstance(lst, str):
            raise InvalidInput("'lst' must be a base64url string")
        compressed = b64url_decode(lst)
        inflater = zlib.decompressobj()  # zlib wrapper (RFC 1950), as §4.1 step 4 requires
        try:
            data = inflater.decompress(compressed, max_bytes + 1)
        except zlib.error as exc:
            raise InvalidInput("'lst' is not ZLIB/DEFLATE data") from exc
        if len(data) > max_bytes or inflater.unconsumed_tail:
            raise InvalidInput(f"'lst' expands to more than {max_bytes} bytes")
        if not inflater.eof or inflater.unused_data:
            raise InvalidInput("'lst' is truncated or has trailing data")
        return cls.from_bytes(data, bits)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TokenStatusList):
            return NotImplemented
        return (self._bits, self._size, self._data) == (other._bits, other._size, other._data)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"TokenStatusList(size={self._size}, bits={self._bits})"


@dataclass(frozen=True)
class StatusListToken:
    """A verified Status List Token (§5.1): the list, its URI and its time claims."""

    status_list: TokenStatusList
    uri: str
    issued_at: datetime
    expires_at: datetime | None
    ttl: int | float | None
    claims: dict[str, Any]


def issue_status_list_token(
    status_list: TokenStatusList,
    key: Key,
    *,
    kid: str,
    subject_uri: str,
    iat: datetime | int | None = None,
    exp: datetime | int | None = None,
    ttl: int | None = None,
    issuer: str | None = None,
) -> str:
    """Sign a Status List Token in JWT format (§5.1).

    Header ``{"alg", "kid", "typ": "statuslist+jwt"}``; claims ``sub`` = ``subject_uri`` (the URI
    Referenced Tokens put in ``status.status_list.uri``), ``iat`` (default: now), ``exp`` and
    ``ttl`` (seconds, positive) when given, ``iss`` when given, and ``status_list``.
    """
    if not isinstance(status_list, TokenStatusList):
        raise InvalidInput("status_list must be a TokenStatusList")
    if not isinstance(subject_uri, str) or not subject_uri:
        raise InvalidInput("subject_uri must be a non-empty string")
    if not isinstance(kid, str) or not kid:
        raise InvalidInput("kid must be a non-empty string")
    claims: dict[str, Any] = {}
    if issuer is not None:
        claims["iss"] = issuer
    claims["sub"] = subject_uri
    claims["iat"] = numeric_date(utc_now() if iat is None else iat)
    if exp is not None:
        claims["exp"] = numeric_date(exp)
        if claims["exp"] <= claims["iat"]:
            raise InvalidInput("exp must be after iat")
    if ttl is not None:
        if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
            raise InvalidInput("ttl must be a positive number of seconds")
        claims["ttl"] = ttl
    claims["status_list"] = status_list.encode()
    return sign_jws({"kid": kid, "typ": _TYP}, claims, key)


def verify_status_list_token(
    token: str,
    *,
    resolve_key: Callable[[str], Key],
    expected_uri: str,
    now: datetime | None = None,
    max_bytes: int = DEFAULT_MAX_STATUS_LIST_BYTES,
) -> StatusListToken:
    """Verify a Status List Token in JWT format (§5.1, §8.3 steps 3-5).

    ``typ`` must be ``statuslist+jwt``; the signature must verify with ``resolve_key(kid)``
    (:class:`InvalidProof` otherwise); ``sub`` must equal ``expected_uri`` (§8.3 step 4a,
    :class:`StatusUnavailable`); ``iat`` is required and not in the future, ``exp`` if present
    not passed (:class:`Expired`), ``ttl`` if present positive; ``status_list`` must decode.
    Malformed tokens raise :class:`InvalidInput` / :class:`InvalidCredential`.
    """
    when = utc_now() if now is None else now
    if when.tzinfo is None:
        raise InvalidInput("'now' must be a timezone-aware datetime")
    jws = decode_jws(token, "Status List Token")
    kid = jws.unverified_header.get("kid")
    if not isinstance(kid, str):
        raise InvalidInput("Status List Token header has no 'kid'")
    key = call_resolver(resolve_key, kid)
    cache_key = (token, expected_uri, key.type, key.public, max_bytes)
    with _VERIFIED_LOCK:
        parsed = _VERIFIED.get(cache_key)
    if parsed is None:
        parsed = _verify_token_contents(jws, key, expected_uri, max_bytes)
        with _VERIFIED_LOCK:
            _VERIFIED[cache_key] = parsed
            while len(_VERIFIED) > _VERIFIED_MAX:
                _VERIFIED.pop(next(iter(_VERIFIED)))
    # The time checks depend on 'now' and are made on every call.
    if parsed.issued_at > when + _CLOCK_SKEW:
        # A list fetched during a check may be built a moment after the check's "now" (and in
        # a later second): allow the usual clock skew, as RFC 7519 §4.1.5 suggests for nbf.
        raise NotYetValid("Status List Token issued in the future")
    if parsed.expires_at is not None and when >= parsed.expires_at:
        raise Expired(f"Status List Token expired at {parsed.expires_at.isoformat()}")
    return parsed


def _verify_token_contents(
    jws: Any, key: Key, expected_uri: str, max_bytes: int
) -> StatusListToken:
    """Signature, ``sub``, claim types and the list itself: everything that does not depend on
    the time, so that a verified token can be reused (the same token is presented with every
    credential of the list until it changes)."""
    verify_jws(jws, key, typ=_TYP, what="Status List Token")
    claims = jws.unverified_claims("Status List Token payload")
    sub = claims.get("sub")
    if not isinstance(sub, str):
        raise InvalidCredential("Status List Token has no 'sub'", path="/sub")
    if sub != expected_uri:
        # §8.3 step 4a: otherwise this is another list, possibly served to mislead us.
        raise StatusUnavailable(f"Status List Token is for {sub!r}, not {expected_uri!r}")
    issued_at = claim_time(claims, "iat")
    if issued_at is None:
        raise InvalidCredential("Status List Token has no 'iat'", path="/iat")
    expires_at = claim_time(claims, "exp")
    ttl = claims.get("ttl")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int | float) or ttl <= 0):
        raise InvalidCredential("'ttl' must be a positive number", path="/ttl")
    raw_list = claims.get("status_list")
    if not isinstance(raw_list, Mapping):
        raise InvalidCredential("Status List Token has no 'status_list'", path="/status_list")
    try:
        status_list = TokenStatusList.decode(raw_list, max_bytes=max_bytes)
    except InvalidInput as exc:
        raise InvalidCredential(f"bad 'status_list': {exc}", path="/status_list") from exc
    return StatusListToken(status_list, sub, issued_at, expires_at, ttl, claims)


def check_token_status(
    status_claim: Mapping[str, Any],
    *,
    fetch: Callable[[str], str],
    resolve_key: Callable[[str], Key],
    now: datetime | None = None,
    max_age: timedelta | None = None,
) -> None:
    """Check a Referenced Token's ``status`` claim (§6.2) by the validation rules of §8.3.

    Returns if the status is VALID (0x00); raises :class:`Revoked` for INVALID (0x01),
    :class:`Suspended` for SUSPENDED (0x02) and :class:`StatusUnavailable` whenever no statement
    can be made (see the module docstring). ``max_age``, if given, is the Relying Party's
    freshness policy (§8.3 step 4b): a Status List Token issued longer ago is refused.
    A malformed ``status`` claim raises :class:`InvalidCredential`.
    """
    if not isinstance(status_claim, Mapping) or not isinstance(
        status_claim.get("status_list"), Mapping
    ):
        raise InvalidCredential("'status' has no 'status_list' object", path="/status")
    reference = status_claim["status_list"]
    idx, uri = reference.get("idx"), reference.get("uri")
    if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0:
        raise InvalidCredential(
            "'idx' must be a non-negative integer", path="/status/status_list/idx"
        )
    if not isinstance(uri, str) or not uri:
        raise InvalidCredential("'uri' must be a URI string", path="/status/status_list/uri")
    when = utc_now() if now is None else now
    try:
        token = fetch(uri)
    except Exception as exc:
        raise StatusUnavailable(f"cannot fetch the Status List Token at {uri}") from exc
    if not isinstance(token, str):
        raise StatusUnavailable("the Status List Token fetcher did not return a str")
    try:
        verified = verify_status_list_token(
            token, resolve_key=resolve_key, expected_uri=uri, now=when
        )
    except StatusUnavailable:
        raise
    except Error as exc:
        raise StatusUnavailable(f"the Status List Token at {uri} is not valid: {exc}") from exc
    if max_age is not None and verified.issued_at < when - max_age:
        raise StatusUnavailable("the Status List Token is older than the freshness policy allows")
    try:
        value = verified.status_list.get(idx)
    except StatusIndexOutOfRange as exc:
        # §8.3 step 6: an index out of bounds MUST lead to rejection.
        raise StatusUnavailable(f"index {idx} is outside the Status List") from exc
    if value == STATUS_VALID:
        return
    if value == STATUS_INVALID:
        raise Revoked("the issuer has revoked this token")
    if value == STATUS_SUSPENDED:
        raise Suspended("the issuer has suspended this token")
    raise StatusUnavailable(f"status value 0x{value:02x} has no meaning to this verifier")
