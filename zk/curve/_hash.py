"""Hashing to the scalar field and to BLS12-381 G1 (RFC 9380).

``expand_message_xmd`` (RFC 9380 §5.3.1) and ``expand_message_xof`` (§5.3.2) are implemented here
once and shared by both curve backends, so the two backends can differ only in the curve
arithmetic, never in the hashing.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from .._errors import InvalidInput

__all__ = [
    "P",
    "R",
    "ExpandMessage",
    "expand_message",
    "expand_message_xmd",
    "expand_message_xof",
    "check_hash_input",
    "hash_to_field_fp",
]

#: Order of the prime-order subgroups G1, G2 and GT of BLS12-381 (the scalar field modulus).
R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
#: Characteristic of the base field of BLS12-381.
P = 0x1A0111EA397FE69A4B1BA7B6434BACD764774B84F38512BF6730D2A0F6B0F6241EABFFFEB153FFFFB9FEFFFFFFFFAAAB

#: The two expanders used by the BBS ciphersuites.
ExpandMessage = Literal["xmd:sha256", "xof:shake256"]

# RFC 9380 §5.3.3: a DST longer than 255 bytes is replaced by a hash of it.
_LONG_DST_PREFIX = b"H2C-OVERSIZE-DST-"


_SHA256_AFTER_ZPAD = hashlib.sha256(bytes(64))  # RFC 9380 §5.3.1 step 4: Z_pad for SHA-256


def check_hash_input(msg: bytes, dst: bytes, len_in_bytes: int = 0) -> None:
    """Refuse anything but bytes for ``msg``/``dst`` and a non-negative int length."""
    if not isinstance(msg, bytes) or not isinstance(dst, bytes):
        raise InvalidInput("expand_message: msg and dst must be bytes")
    if type(len_in_bytes) is not int or not 0 <= len_in_bytes <= 65535:
        raise InvalidInput("expand_message: length must be an int in [0, 65535]")


def _xmd_dst(dst: bytes) -> bytes:
    if len(dst) > 255:
        dst = hashlib.sha256(_LONG_DST_PREFIX + dst).digest()
    return dst + bytes([len(dst)])


def _xof_dst(dst: bytes) -> bytes:
    if len(dst) > 255:
        # ceil(2 * k / 8) bytes with k = 128, the security level of both BBS suites.
        dst = hashlib.shake_256(_LONG_DST_PREFIX + dst).digest(32)
    return dst + bytes([len(dst)])


def expand_message_xmd(msg: bytes, dst: bytes, len_in_bytes: int) -> bytes:
    """RFC 9380 §5.3.1 ``expand_message_xmd`` with SHA-256."""
    b_in_bytes = 32
    check_hash_input(msg, dst, len_in_bytes)
    ell = -(-len_in_bytes // b_in_bytes)
    if ell > 255:
        raise InvalidInput("expand_message_xmd: requested output is too long")
    dst_prime = _xmd_dst(dst)
    # Z_pad (one zero block) is absorbed once, at import, and the state copied per call.
    h = _SHA256_AFTER_ZPAD.copy()
    h.update(msg + len_in_bytes.to_bytes(2, "big") + b"\x00" + dst_prime)
    b_0 = h.digest()
    b_i = hashlib.sha256(b_0 + b"\x01" + dst_prime).digest()
    out = [b_i]
    b_0_int = int.from_bytes(b_0, "big")
    for i in range(2, ell + 1):
        mixed = (b_0_int ^ int.from_bytes(b_i, "big")).to_bytes(b_in_bytes, "big")
        b_i = hashlib.sha256(mixed + bytes([i]) + dst_prime).digest()
        out.append(b_i)
    return b"".join(out)[:len_in_bytes]


def expand_message_xof(msg: bytes, dst: bytes, len_in_bytes: int) -> bytes:
    """RFC 9380 §5.3.2 ``expand_message_xof`` with SHAKE-256."""
    check_hash_input(msg, dst, len_in_bytes)
    dst_prime = _xof_dst(dst)
    msg_prime = msg + len_in_bytes.to_bytes(2, "big") + dst_prime
    return hashlib.shake_256(msg_prime).digest(len_in_bytes)


def expand_message(expander: ExpandMessage, msg: bytes, dst: bytes, len_in_bytes: int) -> bytes:
    """Dispatch to the RFC 9380 expander named by ``expander``."""
    if expander == "xmd:sha256":
        return expand_message_xmd(msg, dst, len_in_bytes)
    if expander == "xof:shake256":
        return expand_message_xof(msg, dst, len_in_bytes)
    raise InvalidInput(f"unknown expand_message variant {expander!r}")


def hash_to_field_fp(expander: ExpandMessage, msg: bytes, dst: bytes, count: int) -> list[int]:
    """RFC 9380 §5.2 ``hash_to_field`` for the base field of BLS12-381 (m = 1, L = 64)."""
    length = 64
    uniform = expand_message(expander, msg, dst, count * length)
    return [int.from_bytes(uniform[i * length : (i + 1) * length], "big") % P for i in range(count)]
