"""The interface every Data Integrity cryptosuite implements, and their registry.

W3C VC Data Integrity 1.0 §3 (Algorithms) leaves proof creation and verification to each
cryptosuite. ``eddsa-rdfc-2022``, ``eddsa-jcs-2022`` (W3C EdDSA Cryptosuites v1.0) and
``bbs-2023`` (W3C BBS Cryptosuites) implement :class:`Cryptosuite` and register themselves here;
the generic Data Integrity code (proof sets, chains, purposes, presentations) dispatches on the
proof's ``cryptosuite`` member.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Protocol

from ._errors import InvalidInput
from ._keys import Key, KeyType

__all__ = ["Cryptosuite", "get_cryptosuite", "register_cryptosuite", "registered_cryptosuites"]


class Cryptosuite(Protocol):
    """A Data Integrity cryptosuite."""

    @property
    def name(self) -> str:
        """The ``cryptosuite`` value, e.g. ``"eddsa-rdfc-2022"``."""
        ...

    @property
    def key_types(self) -> frozenset[KeyType]:
        """Key types this suite signs and verifies with."""
        ...

    def create_proof(
        self, unsecured: Mapping[str, Any], options: Mapping[str, Any], key: Key, **kwargs: Any
    ) -> dict[str, Any]:
        """Return the proof object (``options`` plus ``proofValue``) for ``unsecured``.

        ``unsecured`` is the document without the new proof (but with earlier proofs of a chain
        removed or kept as the generic layer decides); ``options`` is the proof configuration
        (``type``, ``cryptosuite``, ``verificationMethod``, ``proofPurpose``, ``created``, ...).
        Suite-specific arguments (e.g. ``mandatory_pointers`` for bbs-2023) come as keywords.
        """
        ...

    def verify_proof(
        self, unsecured: Mapping[str, Any], proof: Mapping[str, Any], key: Key
    ) -> None:
        """Verify ``proof`` over ``unsecured``; raise :class:`vc_service.InvalidProof` if it fails
        and :class:`vc_service.InvalidInput` if the proof is malformed."""
        ...


_lock = threading.Lock()
_registry: dict[str, Cryptosuite] = {}


def register_cryptosuite(suite: Cryptosuite) -> None:
    """Make ``suite`` available under ``suite.name``."""
    with _lock:
        _registry[suite.name] = suite


def get_cryptosuite(name: object) -> Cryptosuite:
    """The registered suite called ``name``; :class:`InvalidInput` if there is none."""
    if not isinstance(name, str):
        raise InvalidInput("proof 'cryptosuite' must be a string")
    with _lock:
        suite = _registry.get(name)
    if suite is None:
        raise InvalidInput(f"unsupported cryptosuite {name!r}")
    return suite


def registered_cryptosuites() -> list[str]:
    """Names of the registered suites."""
    with _lock:
        return sorted(_registry)
