"""Nothing-up-my-sleeve generators of the Bulletproofs range proof.

Every generator is ``hash_to_curve`` (RFC 9380, suite ``BLS12381G1_XMD:SHA-256_SSWU_RO_``) of a
short public message under the domain-separation tag :data:`GENERATORS_DST`:

* the Pedersen value base ``G`` is ``hash_to_g1(b"PEDERSEN_G", DST)``;
* the Pedersen blinding base ``H`` is ``hash_to_g1(b"PEDERSEN_H", DST)``;
* the vector generators are ``G_i = hash_to_g1(b"VECTOR_G" || I2OSP(i, 4), DST)`` and
  ``H_i = hash_to_g1(b"VECTOR_H" || I2OSP(i, 4), DST)`` for ``0 <= i < 512``.

Nobody knows a discrete-logarithm relation between any two of them, which is all the binding
property of the commitments and the soundness of the inner-product argument (Bünz et al.,
"Bulletproofs", IEEE S&P 2018, §4.1 and §4.2) rely on. Callers may replace ``G`` and ``H``
with their own bases (for instance the bases of the commitments another sub-proof already
uses); the vector generators are shared by every caller and never change.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any

from .._errors import InvalidInput
from ..curve import Backend, ExpandMessage, default_backend

__all__ = ["GENERATORS_DST", "MAX_GENERATORS", "BulletproofGens"]

#: Domain-separation tag of every generator of the range proof (RFC 9380 ``DST``).
GENERATORS_DST = b"CHANCERY-ZK-V1_BULLETPROOFS_XMD:SHA-256_SSWU_RO_"
#: Number of ``G_i`` (and of ``H_i``): 8 aggregated values of 64 bits.
MAX_GENERATORS = 512

_EXPANDER: ExpandMessage = "xmd:sha256"


class _VectorCache:
    """The vector generators of one backend, derived on first use and kept (thread-safe)."""

    __slots__ = ("_backend", "_g", "_h", "_neg_h", "_lock")

    def __init__(self, backend: Backend[Any, Any]) -> None:
        self._backend = backend
        self._g: list[Any] = []
        self._h: list[Any] = []
        self._neg_h: list[Any] = []
        self._lock = threading.Lock()

    def get(self, count: int) -> tuple[list[Any], list[Any], list[Any]]:
        """The first ``count`` of ``G_i``, ``H_i`` and ``-H_i``."""
        if len(self._g) < count:
            with self._lock:
                bk = self._backend
                # Derive up to a power of two at least as large, so that an aggregated proof
                # does not extend the cache one value at a time.
                target = max(count, 2 * len(self._g), 64)
                target = min(target, MAX_GENERATORS)
                for i in range(len(self._g), target):
                    index = i.to_bytes(4, "big")
                    g = bk.hash_to_g1(b"VECTOR_G" + index, GENERATORS_DST, _EXPANDER)
                    h = bk.hash_to_g1(b"VECTOR_H" + index, GENERATORS_DST, _EXPANDER)
                    # Append H_i and -H_i before G_i: readers check len(self._g) without the lock.
                    self._h.append(h)
                    self._neg_h.append(bk.g1_neg(h))
                    self._g.append(g)
        return self._g[:count], self._h[:count], self._neg_h[:count]


_CACHES: weakref.WeakKeyDictionary[Any, _VectorCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _cache_for(backend: Backend[Any, Any]) -> _VectorCache:
    with _CACHES_LOCK:
        cache = _CACHES.get(backend)
        if cache is None:
            cache = _VectorCache(backend)
            _CACHES[backend] = cache
        return cache


class BulletproofGens:
    """The generators of the range proof on one curve backend.

    ``BulletproofGens()`` uses the default (arkworks) backend and the default Pedersen bases;
    ``BulletproofGens(backend, g=G, h=H)`` uses the caller's Pedersen bases ``G`` (value) and
    ``H`` (blinding), so that ``V = v*G + gamma*H``. The caller who passes its own bases is
    responsible for their independence: whoever knows ``log_G(H)`` can open a commitment to
    any value. The vector generators ``G_i``, ``H_i`` are derived once per backend and shared
    by all instances (see the module docstring for their derivation).
    """

    __slots__ = ("_backend", "_g", "_h", "_g_bytes", "_h_bytes", "_vectors")

    def __init__(
        self,
        backend: Backend[Any, Any] | None = None,
        *,
        g: Any = None,
        h: Any = None,
    ) -> None:
        bk: Backend[Any, Any] = backend if backend is not None else default_backend()
        if g is None:
            g = bk.hash_to_g1(b"PEDERSEN_G", GENERATORS_DST, _EXPANDER)
        if h is None:
            h = bk.hash_to_g1(b"PEDERSEN_H", GENERATORS_DST, _EXPANDER)
        try:
            if bk.g1_is_identity(g) or bk.g1_is_identity(h) or bk.g1_eq(g, h):
                raise InvalidInput("the Pedersen bases must be two distinct non-identity points")
            g_bytes = bk.g1_encode(g)
            h_bytes = bk.g1_encode(h)
        except (TypeError, AttributeError, ValueError) as exc:
            if isinstance(exc, InvalidInput):
                raise
            raise InvalidInput("the Pedersen bases must be G1 points of this backend") from exc
        self._backend = bk
        self._g = g
        self._h = h
        self._g_bytes = g_bytes
        self._h_bytes = h_bytes
        self._vectors = _cache_for(bk)

    @property
    def backend(self) -> Backend[Any, Any]:
        """The curve backend the generators belong to."""
        return self._backend

    @property
    def g(self) -> Any:
        """The Pedersen value base ``G``."""
        return self._g

    @property
    def h(self) -> Any:
        """The Pedersen blinding base ``H``."""
        return self._h

    @property
    def g_bytes(self) -> bytes:
        """Compressed encoding of ``G``."""
        return self._g_bytes

    @property
    def h_bytes(self) -> bytes:
        """Compressed encoding of ``H``."""
        return self._h_bytes

    def with_pedersen(self, g: Any, h: Any) -> BulletproofGens:
        """The same backend and vector generators with other Pedersen bases ``G`` and ``H``."""
        return BulletproofGens(self._backend, g=g, h=h)

    def vectors(self, count: int) -> tuple[Sequence[Any], Sequence[Any]]:
        """The vector generators ``(G_0..G_{count-1}, H_0..H_{count-1})``."""
        if type(count) is not int or not 0 <= count <= MAX_GENERATORS:
            raise InvalidInput(f"at most {MAX_GENERATORS} vector generators exist")
        g, h, _ = self._vectors.get(count)
        return g, h

    def _vectors_with_neg_h(self, count: int) -> tuple[list[Any], list[Any], list[Any]]:
        return self._vectors.get(count)

    def __repr__(self) -> str:
        return f"BulletproofGens(backend={self._backend.name!r}, g={self._g_bytes.hex()[:16]}...)"
