"""Multibase (base58btc ``z``, base64url ``u``) and multicodec varint prefixes.

Only the encodings the credential formats use: Multikey and did:key (base58btc), Data
Integrity proof values (base58btc for eddsa, base64url-no-pad for bbs-2023), and Bitstring
Status List (base64url-no-pad).
"""

from __future__ import annotations

import base64

from ._errors import InvalidInput

__all__ = [
    "b64url_decode",
    "b64url_encode",
    "base58btc_decode",
    "base58btc_encode",
    "multibase_decode",
    "multibase_encode",
    "multicodec_unwrap",
    "multicodec_wrap",
    "varint_decode",
    "varint_encode",
]

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}


def base58btc_encode(data: bytes) -> str:
    """Bitcoin base58 encoding (leading zero bytes become ``1``)."""
    zeros = len(data) - len(data.lstrip(b"\x00"))
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, rem = divmod(n, 58)
        out.append(_B58_ALPHABET[rem])
    return "1" * zeros + "".join(reversed(out))


def base58btc_decode(text: str) -> bytes:
    """Inverse of :func:`base58btc_encode`; raises :class:`InvalidInput` on a bad character."""
    if not isinstance(text, str):
        raise InvalidInput("base58btc text must be a str")
    n = 0
    for c in text:
        digit = _B58_INDEX.get(c)
        if digit is None:
            raise InvalidInput(f"invalid base58btc character {c!r}")
        n = n * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\x00" * zeros + body


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 4648 §5, as JOSE uses it)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding; raises :class:`InvalidInput` on anything else."""
    if not isinstance(text, str) or "=" in text:
        raise InvalidInput("base64url text must be an unpadded str")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise InvalidInput("invalid base64url") from exc
    # Refuse non-canonical encodings (stray bits in the last character).
    if b64url_encode(raw) != text:
        raise InvalidInput("non-canonical base64url")
    return raw


def multibase_encode(data: bytes, base: str = "base58btc") -> str:
    """Multibase with prefix ``z`` (base58btc) or ``u`` (base64url, no padding)."""
    if base == "base58btc":
        return "z" + base58btc_encode(data)
    if base == "base64url":
        return "u" + b64url_encode(data)
    raise InvalidInput(f"unsupported multibase {base!r}")


def multibase_decode(text: str) -> bytes:
    """Decode a ``z`` (base58btc) or ``u`` (base64url) multibase string."""
    if not isinstance(text, str) or not text:
        raise InvalidInput("multibase value must be a non-empty str")
    if text[0] == "z":
        return base58btc_decode(text[1:])
    if text[0] == "u":
        return b64url_decode(text[1:])
    raise InvalidInput(f"unsupported multibase prefix {text[0]!r}")


def varint_encode(value: int) -> bytes:
    """Unsigned LEB128 varint, as multicodec uses it."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def varint_decode(data: bytes) -> tuple[int, int]:
    """Decode a varint at the start of ``data``; return (value, bytes consumed)."""
    value = 0
    for i, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if i and byte == 0:
                raise InvalidInput("non-minimal varint")
            return value, i + 1
    raise InvalidInput("truncated or overlong varint")


def multicodec_wrap(code: int, data: bytes) -> bytes:
    """Prefix ``data`` with the multicodec ``code``."""
    return varint_encode(code) + data


def multicodec_unwrap(data: bytes) -> tuple[int, bytes]:
    """Split a multicodec-prefixed value into (code, payload)."""
    code, used = varint_decode(data)
    return code, data[used:]
