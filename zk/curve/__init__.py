"""BLS12-381 arithmetic behind one small interface, with two interchangeable backends.

This is the low-level layer ("hazmat"): raw group operations for the BBS signatures and the
zero-knowledge proofs built above it. Applications should use :mod:`zk.bbs` instead.

* :class:`ArkworksBackend` (Rust, via ``py-arkworks-bls12381``) is the production backend and
  what :func:`default_backend` returns.
* :class:`PyEccBackend` (pure Python ``py_ecc``) is the reference oracle used in tests.

The backend is passed explicitly (``bbs.BLS12_381_SHA256.with_backend(PyEccBackend())``); there
is no module-global switch.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from ._arkworks import ArkworksBackend
from ._backend import G1_SIZE, G2_SIZE, SCALAR_SIZE, Backend
from ._hash import (
    ExpandMessage,
    P,
    R,
    expand_message,
    expand_message_xmd,
    expand_message_xof,
    hash_to_field_fp,
)

if TYPE_CHECKING:
    from ._pyecc import PyEccBackend

__all__ = [
    "G1_SIZE",
    "G2_SIZE",
    "P",
    "R",
    "SCALAR_SIZE",
    "ArkworksBackend",
    "Backend",
    "ExpandMessage",
    "PyEccBackend",
    "default_backend",
    "expand_message",
    "expand_message_xmd",
    "expand_message_xof",
    "hash_to_field_fp",
]


def __getattr__(name: str) -> Any:
    # py_ecc precomputes pairing tables when imported (about 0.9 s): only code that asks for
    # the reference backend pays for it.
    if name == "PyEccBackend":
        from ._pyecc import PyEccBackend

        return PyEccBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def default_backend() -> Backend[Any, Any]:
    """The production backend (arkworks), created once."""
    return ArkworksBackend()
