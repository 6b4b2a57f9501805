"""The ``did:chancery`` DID method: self-certifying DIDs whose documents live on the ledger.

Specified in ``specs/ledger/entries.md`` §4. In short:

* **Syntax.** ``did:chancery:`` + base58btc(the first 16 bytes of SHA-256(JCS({"keys": K,
  "nonce": N}))), where ``K`` is the initial key set and ``N`` the nonce of the ``did``/``create``
  (or ``genesis``) entry that creates the DID. The identifier commits to the initial keys, so
  nobody can register a DID that someone else derived (squatting), and the create entry must be
  signed by one of those keys.
* **Documents.** One ``Multikey`` verification method ``did#key-N`` per key (Controlled
  Identifiers 1.0 §2.2.2), referenced from the verification relationships (DID Core §5.3) that
  the key's ``purposes`` name.
* **History.** Every key has ``added`` (the entry that added it: index and time), and may be
  ``retired`` (rotated out: it signs nothing new, signatures made before stay valid) or
  ``revoked`` (compromised: its signatures are invalid at any time). A document can be asked for
  as of a time (:meth:`ChanceryMethodResolver.resolve`) or as of a log size
  (:meth:`ChanceryMethodResolver.resolve_at_size`).

:class:`ChanceryMethodResolver` plugs into :class:`vc_service._dids.DIDResolver` with
``resolver.register("chancery", ChanceryMethodResolver(lambda: state))``.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import nacl.exceptions
import nacl.signing
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .._dids import DID_CONTEXT, MULTIKEY_CONTEXT, DIDResolutionError
from .._errors import Error, InvalidInput, InvalidProof
from .._keys import Key
from .._multibase import b64url_encode, base58btc_decode, base58btc_encode

if TYPE_CHECKING:
    from ._state import RegistryState

__all__ = [
    "DID_PREFIX",
    "KEY_PURPOSES",
    "ChanceryMethodResolver",
    "DIDRecord",
    "EntryRef",
    "KeyRecord",
    "derive_did",
    "did_create_payload",
    "key_object",
    "parse_chancery_did",
    "parse_verification_method_id",
]

DID_PREFIX = "did:chancery:"
#: The verification relationships a ``did:chancery`` key may have (DID Core §5.3). There is no
#: ``keyAgreement``: none of our key types does key agreement.
KEY_PURPOSES = ("authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation")
#: Bytes of SHA-256 kept in the method-specific identifier (128 bits: collision search costs
#: 2^64, and a collision only lets its finder register two key sets it controls itself).
DID_ID_BYTES = 16

_DID_ID = re.compile(r"[1-9A-HJ-NP-Za-km-z]{1,24}")
_VM_ID = re.compile(r"(did:chancery:[1-9A-HJ-NP-Za-km-z]{1,24})#key-([1-9][0-9]{0,5})")


# --------------------------------------------------------------------------- identifiers


def derive_did(keys: Sequence[Mapping[str, Any]], nonce: str) -> str:
    """The DID that a create payload's initial key set and nonce commit to (entries.md §4.1).

    ``did:chancery:`` + base58btc(SHA-256(JCS({"keys": keys, "nonce": nonce}))[:16]), JCS being
    RFC 8785. ``keys`` are the key objects exactly as they appear in the payload.
    """
    try:
        material = rfc8785.dumps({"keys": [dict(k) for k in keys], "nonce": nonce})
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InvalidInput(f"the key set cannot be canonicalised: {exc}") from exc
    return DID_PREFIX + base58btc_encode(hashlib.sha256(material).digest()[:DID_ID_BYTES])


def parse_chancery_did(did: str) -> bytes:
    """The 16-byte identifier of a ``did:chancery`` DID (entries.md §4.1).

    Raises :class:`DIDResolutionError` (``invalidDid``) for anything else, including a
    non-canonical base58btc form (so one identifier has exactly one DID string).
    """
    if not isinstance(did, str) or not did.startswith(DID_PREFIX):
        raise DIDResolutionError(f"not a did:chancery DID: {str(did)[:80]!r}", code="invalidDid")
    text = did[len(DID_PREFIX) :]
    if _DID_ID.fullmatch(text) is None:
        raise DIDResolutionError(f"not a did:chancery DID: {did[:80]!r}", code="invalidDid")
    raw = base58btc_decode(text)
    if len(raw) != DID_ID_BYTES or base58btc_encode(raw) != text:
        raise DIDResolutionError(
            f"did:chancery identifier must encode {DID_ID_BYTES} bytes: {did[:80]!r}",
            code="invalidDid",
        )
    return raw


def parse_verification_method_id(vm_id: str) -> tuple[str, int]:
    """Split ``did:chancery:…#key-N`` into (DID, N); :class:`DIDResolutionError` otherwise."""
    if not isinstance(vm_id, str):
        raise DIDResolutionError(
            "a did:chancery verification method id must be a string", code="invalidDidUrl"
        )
    return _parse_verification_method_id(vm_id)


# Signers repeat from entry to entry, and the base58 round trip costs more than the rest of
# decoding an entry; failures raise and are not cached.
@functools.lru_cache(maxsize=4096)
def _parse_verification_method_id(vm_id: str) -> tuple[str, int]:
    match = _VM_ID.fullmatch(vm_id)
    if match is None:
        raise DIDResolutionError(
            f"not a did:chancery verification method id: {str(vm_id)[:100]!r}",
            code="invalidDidUrl",
        )
    did = match.group(1)
    try:
        parse_chancery_did(did)
    except DIDResolutionError as exc:
        raise DIDResolutionError(str(exc), code="invalidDidUrl") from exc
    return did, int(match.group(2))


def key_object(number: int, key: Key, purposes: Iterable[str] | None = None) -> dict[str, Any]:
    """A key object for a ``did`` payload: ``{"id": "key-N", "publicKeyMultibase", "purposes"}``.

    Default purposes: every one of :data:`KEY_PURPOSES` for Ed25519 and P-256 keys, only
    ``assertionMethod`` for BLS12-381 G2 (BBS) keys, which cannot sign single messages.
    """
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise InvalidInput("a key number must be a positive integer")
    if not isinstance(key, Key):
        raise InvalidInput("key must be a vc_service Key")
    if purposes is None:
        chosen = ["assertionMethod"] if key.type == "bls12381g2" else list(KEY_PURPOSES)
    else:
        chosen = list(purposes)
    return {"id": f"key-{number}", "publicKeyMultibase": key.multikey(), "purposes": chosen}


def did_create_payload(
    keys: Sequence[Key | tuple[Key, Iterable[str]]], *, nonce: bytes | None = None
) -> dict[str, Any]:
    """A ``did``/``create`` payload (and, under ``"root"``, a genesis payload) for ``keys``.

    Each item is a :class:`Key` (default purposes, see :func:`key_object`) or a pair
    ``(key, purposes)``. Keys are numbered ``key-1``, ``key-2``, … in order. ``nonce`` defaults to
    16 random bytes; the DID is derived with :func:`derive_did`.
    """
    if isinstance(keys, (str, bytes)) or not isinstance(keys, Sequence) or not keys:
        raise InvalidInput("keys must be a non-empty sequence")
    objects = []
    for number, item in enumerate(keys, start=1):
        if isinstance(item, tuple):
            objects.append(key_object(number, item[0], item[1]))
        else:
            objects.append(key_object(number, item))
    raw_nonce = secrets.token_bytes(16) if nonce is None else nonce
    if not isinstance(raw_nonce, bytes) or not 16 <= len(raw_nonce) <= 32:
        raise InvalidInput("nonce must be 16 to 32 bytes")
    nonce_text = b64url_encode(raw_nonce)
    return {"did": derive_did(objects, nonce_text), "keys": objects, "nonce": nonce_text}


# --------------------------------------------------------------------------- key history


def _format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class EntryRef:
    """Where in the log something happened: the entry's index and its (signed) time."""

    index: int
    time: datetime

    def to_json(self) -> dict[str, Any]:
        """``{"index": i, "time": "YYYY-MM-DDTHH:MM:SSZ"}``."""
        return {"index": self.index, "time": _format_time(self.time)}


@dataclass(eq=False)
class KeyRecord:
    """One key of a ``did:chancery`` DID with its history (entries.md §4.3).

    Mutable only by :class:`~vc_service.ledger._state.RegistryState` (``retired``/``revoked``
    are set once). :meth:`verify` keeps the decoded public key, so that checking many signatures
    by one key does not decode it again.
    """

    did: str
    number: int
    key: Key
    purposes: tuple[str, ...]
    added: EntryRef
    retired: EntryRef | None = None
    revoked: EntryRef | None = None
    _verifier: Any = field(default=None, repr=False)

    @property
    def id(self) -> str:
        """The verification method id, ``did#key-N``."""
        return f"{self.did}#key-{self.number}"

    def valid_at(self, at: datetime) -> bool:
        """Whether the key was usable at time ``at``: added by then, not yet retired, never
        revoked (the DID's deactivation is checked by the caller)."""
        if self.revoked is not None or self.added.time > at:
            return False
        return self.retired is None or at < self.retired.time

    def valid_at_size(self, size: int) -> bool:
        """Whether the log's first ``size`` entries show the key as added and neither retired
        nor revoked (the historical view: a revocation later in the log is not yet known)."""
        if self.added.index >= size:
            return False
        if self.retired is not None and self.retired.index < size:
            return False
        return self.revoked is None or self.revoked.index >= size

    def verify(self, data: bytes, signature: bytes) -> None:
        """Verify an Ed25519 or ES256 (raw ``r || s``) signature; raise :class:`InvalidProof`."""
        if not isinstance(signature, bytes) or len(signature) != 64:
            raise InvalidProof("signature must be 64 bytes")
        if self._verifier is None:
            if self.key.type == "ed25519":
                self._verifier = nacl.signing.VerifyKey(self.key.public)
            elif self.key.type == "p256":
                self._verifier = ec.EllipticCurvePublicKey.from_encoded_point(
                    ec.SECP256R1(), self.key.public
                )
            else:
                raise InvalidProof(f"{self.id} is a {self.key.type} key; it cannot sign entries")
        if isinstance(self._verifier, nacl.signing.VerifyKey):
            try:
                self._verifier.verify(data, signature)
            except nacl.exceptions.BadSignatureError as exc:
                raise InvalidProof(f"Ed25519 signature by {self.id} does not verify") from exc
            return
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        try:
            self._verifier.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError) as exc:
            raise InvalidProof(f"ES256 signature by {self.id} does not verify") from exc

    def to_json(self) -> dict[str, Any]:
        """The key and its history as JSON (part of the registry snapshot)."""
        return {
            "id": f"key-{self.number}",
            "publicKeyMultibase": self.key.multikey(),
            "purposes": list(self.purposes),
            "added": self.added.to_json(),
            "retired": None if self.retired is None else self.retired.to_json(),
            "revoked": None if self.revoked is None else self.revoked.to_json(),
        }


@dataclass(eq=False)
class DIDRecord:
    """A ``did:chancery`` DID as the ledger knows it: its keys (by number) and its history."""

    did: str
    nonce: str
    created: EntryRef
    updated: EntryRef
    keys: dict[int, KeyRecord]
    deactivated: EntryRef | None = None

    @property
    def next_key_number(self) -> int:
        """The number the next added key must have (numbers are never reused)."""
        return max(self.keys) + 1

    def exists_at(self, at: datetime) -> bool:
        """Whether the DID had been created by time ``at``."""
        return self.created.time <= at

    def active_at(self, at: datetime) -> bool:
        """Whether the DID existed and was not deactivated at time ``at``."""
        return self.exists_at(at) and (self.deactivated is None or at < self.deactivated.time)

    def keys_at(self, at: datetime | None = None, size: int | None = None) -> list[KeyRecord]:
        """The keys of the document as of ``at`` (time) or ``size`` (log size), or now."""
        if size is not None:
            if self.deactivated is not None and self.deactivated.index < size:
                return []
            return [k for _, k in sorted(self.keys.items()) if k.valid_at_size(size)]
        if at is not None:
            if not self.active_at(at):
                return []
            return [k for _, k in sorted(self.keys.items()) if k.valid_at(at)]
        if self.deactivated is not None:
            return []
        return [k for _, k in sorted(self.keys.items()) if k.retired is None and k.revoked is None]

    def document(self, at: datetime | None = None, size: int | None = None) -> dict[str, Any]:
        """The DID document (DID Core §5) as of ``at`` or ``size`` (see :meth:`keys_at`).

        ``Multikey`` verification methods ``did#key-N`` (CID 1.0 §2.2.2), in key order, each
        referenced from the relationships its purposes name; empty relationships are left out.
        A deactivated DID's document has no verification methods.
        """
        keys = self.keys_at(at, size)
        document: dict[str, Any] = {
            "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
            "id": self.did,
            "verificationMethod": [
                {
                    "id": k.id,
                    "type": "Multikey",
                    "controller": self.did,
                    "publicKeyMultibase": k.key.multikey(),
                }
                for k in keys
            ],
        }
        for purpose in KEY_PURPOSES:
            ids = [k.id for k in keys if purpose in k.purposes]
            if ids:
                document[purpose] = ids
        return document

    def metadata(self, at: datetime | None = None, size: int | None = None) -> dict[str, Any]:
        """DID document metadata (DID Core §7.1.3) as of ``at`` or ``size``.

        ``created`` and ``updated`` times, ``deactivated``, and ``versionId`` (the log index of
        the last entry that changed the DID in that view).
        """
        changes = [self.created]
        for k in self.keys.values():
            changes.extend(r for r in (k.added, k.retired, k.revoked) if r is not None)
        if self.deactivated is not None:
            changes.append(self.deactivated)
        if size is not None:
            changes = [c for c in changes if c.index < size]
        elif at is not None:
            changes = [c for c in changes if c.time <= at]
        last = max(changes, key=lambda c: c.index)
        deactivated = self.deactivated is not None and self.deactivated in changes
        return {
            "created": _format_time(self.created.time),
            "updated": _format_time(last.time),
            "deactivated": deactivated,
            "versionId": str(last.index),
        }

    def to_json(self) -> dict[str, Any]:
        """The DID with its full key history (part of the registry snapshot)."""
        return {
            "nonce": self.nonce,
            "created": self.created.to_json(),
            "updated": self.updated.to_json(),
            "deactivated": None if self.deactivated is None else self.deactivated.to_json(),
            "keys": [k.to_json() for _, k in sorted(self.keys.items())],
        }


# --------------------------------------------------------------------------- resolver


class ChanceryMethodResolver:
    """The ``did:chancery`` method for :class:`vc_service._dids.DIDResolver` (entries.md §4.4).

    ``state_provider()`` returns the current :class:`~vc_service.ledger._state.RegistryState`
    (called on every resolution, so the resolver always sees the latest state). ``resolve(did,
    at=t)`` returns the document as of time ``t``: the keys added by ``t``, not retired before
    ``t`` and never revoked. This is what makes a credential signed before a key rotation verify
    (resolve it at its proof's ``created`` time) and one signed with a revoked key fail at any
    time. Without ``at`` it is the current document.
    """

    def __init__(self, state_provider: Callable[[], RegistryState]) -> None:
        if not callable(state_provider):
            raise InvalidInput("state_provider must be a callable returning a RegistryState")
        self._state_provider = state_provider

    def _state(self) -> RegistryState:
        try:
            return self._state_provider()
        except Error:
            raise
        except Exception as exc:  # the provider is the caller's code (it may read a store)
            raise DIDResolutionError(
                f"the ledger state is unavailable: {exc}", code="internalError"
            ) from exc

    def resolve(self, did: str, *, at: datetime | None = None) -> dict[str, Any]:
        """The DID document of ``did`` as of ``at`` (now if ``None``)."""
        return self._state().did_document(did, at=at)

    def resolve_at_size(self, did: str, size: int) -> dict[str, Any]:
        """The DID document of ``did`` as the log's first ``size`` entries define it."""
        return self._state().did_document(did, size=size)

    def resolve_with_metadata(
        self, did: str, *, at: datetime | None = None, size: int | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The document and its DID document metadata (DID Core §7.1.3) as of ``at``/``size``."""
        state = self._state()
        return state.did_document(did, at=at, size=size), state.did_metadata(did, at=at, size=size)
