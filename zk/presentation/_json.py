"""JSON forms of the presentation API's values (for wallets, ledgers and transports).

Bytes are base64url without padding; scalars are their 32-byte big-endian encoding in
base64url. ``from_json`` functions check structure and encodings and raise
:class:`zk.InvalidInput`; they do not verify signatures (see ``HeldCredential.verify``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

from .._errors import InvalidInput
from ..curve import R

__all__ = ["b64", "object_of", "scalar", "scalar_json", "text", "unb64"]


def b64(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(value: object, what: str, size: int | None = None) -> bytes:
    """Decode base64url (no padding, canonical); ``size`` checks the length."""
    if not isinstance(value, str) or "=" in value:
        raise InvalidInput(f"{what} must be base64url text without padding")
    try:
        data = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"{what} is not base64url") from exc
    if b64(data) != value:
        raise InvalidInput(f"{what} is not canonical base64url")
    if size is not None and len(data) != size:
        raise InvalidInput(f"{what} must be {size} bytes")
    return data


def scalar_json(value: int) -> str:
    """A scalar as base64url of its 32 big-endian bytes."""
    return b64(value.to_bytes(32, "big"))


def scalar(value: object, what: str) -> int:
    """The inverse of :func:`scalar_json`, checked to be below ``r``."""
    number = int.from_bytes(unb64(value, what, 32), "big")
    if number >= R:
        raise InvalidInput(f"{what} is not reduced modulo r")
    return number


def object_of(value: object, what: str, members: Sequence[str]) -> Mapping[str, Any]:
    """``value`` as a JSON object with exactly ``members``."""
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{what} must be a JSON object")
    if set(value) != set(members):
        raise InvalidInput(f"{what} must have exactly the members {', '.join(sorted(members))}")
    return value


def text(value: object, what: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{what} must be a non-empty string")
    return value
