"""The accumulator itself: issuer state, membership witnesses, batch deletions and their encoding.

See the package docstring (:mod:`zk.accumulator`) for the design and the references to
Vitto & Biryukov, "Dynamic Universal Accumulator with Batch Update over Bilinear Groups"
(CT-RSA 2022, IACR ePrint 2020/777), cited below as [VB].
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._errors import InvalidInput, VerificationError
from ..curve import G1_SIZE, G2_SIZE, SCALAR_SIZE, R, default_backend
from ..curve._backend import Backend

__all__ = [
    "FORMAT_VERSION",
    "MAX_UPDATE_CHARS",
    "MAX_VALUE_CHARS",
    "UPDATE_HEADER_SIZE",
    "UPDATE_BYTES_PER_DELETION",
    "VALUE_DST",
    "AccumulatorIssuer",
    "AccumulatorUpdate",
    "Revoked",
    "StaleWitness",
    "Witness",
    "b64url_decode",
    "b64url_encode",
    "decode_public_key",
    "decode_value",
    "genesis_ledger_payload",
    "initial_value",
    "max_deletions_per_update",
    "random_scalar",
    "single_deletion_update",
    "split_revocations",
]

#: Domain-separation tag of the initial accumulator value ``V_0 = hash_to_G1(registry id)``.
VALUE_DST = b"CHANCERY-ACCUMULATOR-V1_BLS12381G1_XMD:SHA-256_SSWU_RO_"
#: First byte of every encoded :class:`AccumulatorUpdate`.
FORMAT_VERSION = 1
#: The ledger's limit on the ``update`` field of an ``accumulator``/``publish`` entry
#: (base64url characters, ``vc_service/ledger/_entries.py``).
MAX_UPDATE_CHARS = 48 * 1024
#: The ledger's limit on the ``value`` field (base64url characters).
MAX_VALUE_CHARS = 1024
#: version (1) || epoch (8) || previous value (48) || new value (48) || count (4).
UPDATE_HEADER_SIZE = 1 + 8 + 2 * G1_SIZE + 4
#: One deleted element (32-byte scalar) and one point of Omega (48-byte G1 point).
UPDATE_BYTES_PER_DELETION = SCALAR_SIZE + G1_SIZE
#: Ledger versions are I-JSON integers (at most 2^53 - 1); the first publication is version 1.
_MAX_EPOCH = 2**53 - 1

Point = Any
Rng = Callable[[], int]


class Revoked(VerificationError):
    """The holder's element was deleted from the accumulator: its witness cannot be updated."""


class StaleWitness(VerificationError):
    """The witness is for another accumulator value than the one asked for (update it first)."""


# --- small helpers ---------------------------------------------------------------------------


def random_scalar() -> int:
    """A uniformly random scalar in ``[1, r)`` from the operating system's CSPRNG."""
    return secrets.randbelow(R - 1) + 1


def _draw(rng: Rng | None) -> int:
    value = (rng or random_scalar)()
    if type(value) is not int or not 0 < value < R:
        raise InvalidInput("the random source must return an int in [1, r)")
    return value


def _backend(backend: Backend[Any, Any] | None) -> Backend[Any, Any]:
    return default_backend() if backend is None else backend


def _element(value: object, what: str = "an accumulator element") -> int:
    if type(value) is not int or not 0 < value < R:
        raise InvalidInput(f"{what} must be an int in [1, r)")
    return value


def _epoch(value: object, low: int) -> int:
    if type(value) is not int or not low <= value <= _MAX_EPOCH:
        raise InvalidInput(f"an epoch must be an int from {low} to {_MAX_EPOCH}")
    return value


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 4648 §5), the ledger's encoding of binary fields."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: object) -> bytes:
    """Strict, canonical, unpadded base64url; :class:`zk.InvalidInput` on anything else."""
    if not isinstance(text, str) or "=" in text or not text.isascii():
        raise InvalidInput("base64url text must be an unpadded ASCII str")
    if len(text) % 4 == 1:
        raise InvalidInput("invalid base64url length")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error) as exc:
        raise InvalidInput("invalid base64url") from exc
    if b64url_encode(raw) != text:
        raise InvalidInput("non-canonical base64url")
    return raw


def initial_value(registry_id: str | bytes, *, backend: Backend[Any, Any] | None = None) -> Point:
    """The accumulator value of a new registry: ``V_0 = hash_to_G1(registry_id)``.

    Nobody knows the discrete logarithm of ``V_0`` (RFC 9380 hash to curve, DST
    :data:`VALUE_DST`), and anyone can recompute it from the registry identifier, so the first
    ledger publication of a registry can be checked. [VB] initialise the value from a random
    point and a set of random elements accumulated at set-up ("proper initialization", used by
    their security proof of the universal scheme, whose non-membership part is not used here).
    For membership soundness a random-oracle ``V_0`` suffices: elements are drawn by the issuer,
    so a q-SDH reduction can fix them in advance and program ``V_0`` accordingly.
    """
    if isinstance(registry_id, str):
        registry_id = registry_id.encode("utf-8")
    if not isinstance(registry_id, bytes) or not 0 < len(registry_id) <= 1024:
        raise InvalidInput("a registry identifier is 1 to 1024 bytes")
    return _backend(backend).hash_to_g1(registry_id, VALUE_DST, "xmd:sha256")


def decode_value(data: bytes | str, *, backend: Backend[Any, Any] | None = None) -> Point:
    """An accumulator value from its 48 bytes or from the ledger's base64url ``value`` field."""
    raw = b64url_decode(data) if isinstance(data, str) else data
    return _backend(backend).g1_decode(raw)


def decode_public_key(data: bytes, *, backend: Backend[Any, Any] | None = None) -> Point:
    """An issuer's public key ``Q~ = alpha * P~`` from its 96-byte compressed encoding."""
    return _backend(backend).g2_decode(data)


def genesis_ledger_payload(
    registry_id: str | bytes, *, backend: Backend[Any, Any] | None = None
) -> dict[str, str]:
    """``{"value", "update"}`` of the first publication (ledger version 1): ``V_0``, no update."""
    be = _backend(backend)
    return {
        "value": b64url_encode(be.g1_encode(initial_value(registry_id, backend=be))),
        "update": "",
    }


def max_deletions_per_update(max_chars: int = MAX_UPDATE_CHARS) -> int:
    """How many deletions one :class:`AccumulatorUpdate` may carry within ``max_chars``
    base64url characters (459 for the ledger's 49,152)."""
    if type(max_chars) is not int or max_chars < 0:
        raise InvalidInput("max_chars must be a non-negative int")
    max_bytes = max_chars * 3 // 4
    count = (max_bytes - UPDATE_HEADER_SIZE) // UPDATE_BYTES_PER_DELETION
    if count < 1:
        raise InvalidInput("max_chars is too small for even one deletion")
    return count


def split_revocations(
    elements: Iterable[int], max_chars: int = MAX_UPDATE_CHARS
) -> list[list[int]]:
    """Split a revocation batch into the sorted chunks that :meth:`AccumulatorIssuer.revoke`
    publishes as consecutive updates, each encoding to at most ``max_chars`` characters."""
    ordered = sorted(_element(y) for y in elements)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a == b:
            raise InvalidInput("a revocation batch lists an element twice")
    size = max_deletions_per_update(max_chars)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _mod_inverse(value: int) -> int:
    return pow(value, -1, R)


def _batch_coefficients(deleted: Sequence[int], alpha: int) -> tuple[list[int], int]:
    """Coefficients of ``v_D(x)`` and the scalar ``1 / prod(y_i + alpha)`` ([VB], "Batch Updates").

    For the deletion of ``y_1..y_m`` (in this order) from ``V``,
    ``V_s = V / prod_{i<=s}(y_i + alpha)`` is the value after the first ``s`` deletions, and
    ``v_D(x) = sum_s prod_{j<s}(y_j - x) / prod_{i<=s}(y_i + alpha)``, a polynomial of degree
    ``m - 1`` with ``v_D(x) * V = sum_s prod_{j<s}(y_j - x) * V_s``. It is evaluated in nested
    (Horner) form ``u_1 + (y_1 - x)(u_2 + (y_2 - x)(... + (y_{m-1} - x) u_m))`` with
    ``u_s = 1 / prod_{i<=s}(y_i + alpha)``, from one modular inversion.
    """
    factors = [(y + alpha) % R for y in deleted]
    if not factors or not all(factors):
        raise InvalidInput("an element equals minus the secret key")
    product = 1
    for f in factors:
        product = product * f % R
    u = _mod_inverse(product)  # u_m
    inverse = u
    polynomial = [u]  # lowest degree first
    for s in range(len(factors) - 1, 0, -1):
        u = u * factors[s] % R  # u_s from u_{s+1}
        y = deleted[s - 1]
        # polynomial <- (y_s - x) * polynomial + u_s
        polynomial = [
            (y * a - b) % R for a, b in zip([*polynomial, 0], [0, *polynomial], strict=True)
        ]
        polynomial[0] = (polynomial[0] + u) % R
    return polynomial, inverse


# --- update data -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AccumulatorUpdate:
    """One published batch deletion ([VB], "Batch Updates": the update data ``(D, Omega)``).

    ``value = previous / prod_{y in deleted}(y + alpha)``; ``omega[t] = v_t * previous`` for the
    coefficients ``v_t`` of ``v_D(x)``. ``epoch`` is the ledger version of the publication
    (the set-up is version 1, so updates start at 2) and the epoch a witness reaches by
    applying this update. ``deleted`` is strictly increasing (one canonical encoding).
    """

    epoch: int
    previous: Point
    value: Point
    deleted: tuple[int, ...]
    omega: tuple[Point, ...]
    backend: Backend[Any, Any] = field(default_factory=default_backend, repr=False)

    def __post_init__(self) -> None:
        _epoch(self.epoch, 2)
        if not isinstance(self.deleted, tuple) or not isinstance(self.omega, tuple):
            raise InvalidInput("deleted and omega must be tuples")
        if not self.deleted or len(self.deleted) != len(self.omega):
            raise InvalidInput("an update deletes at least one element, with one point each")
        previous = 0
        for y in self.deleted:
            if _element(y, "a deleted element") <= previous:
                raise InvalidInput("deleted elements must be strictly increasing")
            previous = y
        be = self.backend
        if be.g1_is_identity(self.value) or be.g1_is_identity(self.previous):
            raise InvalidInput("an accumulator value is never the identity")

    def to_bytes(self) -> bytes:
        """``0x01 || epoch (u64) || previous || value || k (u32) || y_1..y_k || Omega_0..Omega_{k-1}``."""
        be = self.backend
        parts = [
            bytes([FORMAT_VERSION]),
            self.epoch.to_bytes(8, "big"),
            be.g1_encode(self.previous),
            be.g1_encode(self.value),
            len(self.deleted).to_bytes(4, "big"),
        ]
        parts.extend(y.to_bytes(SCALAR_SIZE, "big") for y in self.deleted)
        parts.extend(be.g1_encode(p) for p in self.omega)
        return b"".join(parts)

    @classmethod
    def from_bytes(
        cls, data: bytes, *, backend: Backend[Any, Any] | None = None
    ) -> AccumulatorUpdate:
        """Decode :meth:`to_bytes`; :class:`zk.InvalidInput`/:class:`zk.InvalidPoint` on any defect."""
        be = _backend(backend)
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidInput("an accumulator update is bytes")
        data = bytes(data)
        if len(data) < UPDATE_HEADER_SIZE or data[0] != FORMAT_VERSION:
            raise InvalidInput("not an accumulator update (bad length or version)")
        epoch = int.from_bytes(data[1:9], "big")
        previous = be.g1_decode(data[9 : 9 + G1_SIZE])
        value = be.g1_decode(data[9 + G1_SIZE : 9 + 2 * G1_SIZE])
        count = int.from_bytes(data[UPDATE_HEADER_SIZE - 4 : UPDATE_HEADER_SIZE], "big")
        if len(data) != UPDATE_HEADER_SIZE + count * UPDATE_BYTES_PER_DELETION:
            raise InvalidInput("accumulator update length does not match its count")
        offset = UPDATE_HEADER_SIZE
        deleted = []
        for _ in range(count):
            deleted.append(int.from_bytes(data[offset : offset + SCALAR_SIZE], "big"))
            offset += SCALAR_SIZE
        omega = []
        for _ in range(count):
            # Omega enters only Witness.update, whose result is checked for subgroup membership
            # and by a pairing; skipping the per-point subgroup test here (the point must still
            # be on the curve) saves most of the decoding time of a large batch. The elements
            # are the issuer's own random handles, so a crafted Omega can reveal nothing the
            # issuer does not know.
            omega.append(
                be.g1_decode(
                    data[offset : offset + G1_SIZE], allow_identity=True, subgroup_check=False
                )
            )
            offset += G1_SIZE
        return cls(epoch, previous, value, tuple(deleted), tuple(omega), be)

    def to_ledger_payload(self) -> dict[str, str]:
        """The ``value`` and ``update`` fields of the ``accumulator``/``publish`` ledger entry
        (base64url without padding); publish it with ``"version": self.epoch``."""
        update = b64url_encode(self.to_bytes())
        if len(update) > MAX_UPDATE_CHARS:
            raise InvalidInput("this update is too large for one ledger entry: split the batch")
        return {"value": b64url_encode(self.backend.g1_encode(self.value)), "update": update}

    @classmethod
    def from_ledger_payload(
        cls, payload: Mapping[str, object], *, backend: Backend[Any, Any] | None = None
    ) -> AccumulatorUpdate:
        """Decode a ledger payload (``value``, ``update``; ``version`` checked when present)."""
        if not isinstance(payload, Mapping):
            raise InvalidInput("a ledger payload is a mapping")
        value_text, update_text = payload.get("value"), payload.get("update")
        if not isinstance(value_text, str) or not 0 < len(value_text) <= MAX_VALUE_CHARS:
            raise InvalidInput("the ledger value must be base64url text of 1 to 1024 characters")
        if not isinstance(update_text, str) or len(update_text) > MAX_UPDATE_CHARS:
            raise InvalidInput(
                "the ledger update must be base64url text of at most 49152 characters"
            )
        if not update_text:
            raise InvalidInput("this publication carries no update (the registry's set-up)")
        update = cls.from_bytes(b64url_decode(update_text), backend=backend)
        if b64url_decode(value_text) != update.backend.g1_encode(update.value):
            raise InvalidInput("the ledger value differs from the value in the update")
        version = payload.get("version")
        if version is not None and version != update.epoch:
            raise InvalidInput("the ledger version differs from the epoch of the update")
        return update


# --- holder ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Witness:
    """A membership witness: ``point = value / (element + alpha)`` at ``epoch``.

    Membership holds iff ``e(point, element * P~ + Q~) == e(value, P~)`` ([VB], "Membership
    witness verification"). The holder keeps ``element`` (``y``) secret: it is a hidden message
    of its credential.
    """

    element: int
    point: Point
    value: Point
    epoch: int
    public_key: Point
    backend: Backend[Any, Any] = field(default_factory=default_backend, repr=False)

    def __post_init__(self) -> None:
        _element(self.element)
        _epoch(self.epoch, 1)
        be = self.backend
        if be.g1_is_identity(self.point) or be.g1_is_identity(self.value):
            raise InvalidInput("a witness and an accumulator value are never the identity")

    def verify(self) -> None:
        """Raise :class:`zk.VerificationError` unless the witness is valid for ``value``."""
        be = self.backend
        g2 = be.g2_add(be.g2_mul(be.g2_generator(), self.element), self.public_key)
        if not be.pairing_check([self.point, be.g1_neg(self.value)], [g2, be.g2_generator()]):
            raise VerificationError("the membership witness does not verify")

    def update(self, updates: Sequence[AccumulatorUpdate]) -> Witness:
        """Apply published batch deletions in order ([VB], "Batch Updates", witness update).

        For each batch ``D`` (``y_1..y_k``, points ``Omega``):
        ``C' = (C - sum_t y^t * Omega_t) / d_D(y)`` with ``d_D(y) = prod(y_i - y)`` -- one
        multi-scalar multiplication of size ``k + 1``. Each update must start at this witness's
        epoch and value (or the previous update's); the result is checked with one pairing.

        Raises :class:`Revoked` if ``y`` was deleted, :class:`zk.InvalidInput` if the updates do
        not chain, :class:`zk.VerificationError` if the result does not verify (tampered data).
        """
        if isinstance(updates, AccumulatorUpdate) or not isinstance(updates, Sequence):
            raise InvalidInput("updates must be a sequence of AccumulatorUpdate")
        if not updates:
            return self
        be = self.backend
        y = self.element
        point, value, epoch = self.point, self.value, self.epoch
        for update in updates:
            if not isinstance(update, AccumulatorUpdate):
                raise InvalidInput("updates must be a sequence of AccumulatorUpdate")
            if update.epoch != epoch + 1:
                raise InvalidInput(f"expected the update of epoch {epoch + 1}, got {update.epoch}")
            if not be.g1_eq(update.previous, value):
                raise InvalidInput("the update does not start from the witness's accumulator value")
            d = 1
            for deleted in update.deleted:
                d = d * (deleted - y) % R
            if d == 0:
                raise Revoked("the element was deleted from the accumulator")
            d_inverse = _mod_inverse(d)
            scalars = [d_inverse]
            power = d_inverse
            for _ in update.omega:
                scalars.append(-power % R)
                power = power * y % R
            point = be.g1_msm([point, *update.omega], scalars)
            value, epoch = update.value, update.epoch
        if be.g1_is_identity(point):
            raise VerificationError("the updated witness is the identity")
        try:
            # Omega is decoded without subgroup tests: the result gets one instead.
            point = be.g1_decode(be.g1_encode(point))
        except InvalidInput as exc:
            raise VerificationError("the updated witness is not in the G1 subgroup") from exc
        result = Witness(y, point, value, epoch, self.public_key, be)
        result.verify()
        return result

    def to_bytes(self) -> bytes:
        """``y (32) || C (48) || V (48) || epoch (u64) || Q~ (96)``: 232 bytes. Secret (holds y)."""
        be = self.backend
        return b"".join(
            (
                self.element.to_bytes(SCALAR_SIZE, "big"),
                be.g1_encode(self.point),
                be.g1_encode(self.value),
                self.epoch.to_bytes(8, "big"),
                be.g2_encode(self.public_key),
            )
        )

    @classmethod
    def from_bytes(cls, data: bytes, *, backend: Backend[Any, Any] | None = None) -> Witness:
        """Decode :meth:`to_bytes` (canonical encodings only; call :meth:`verify` to check it)."""
        be = _backend(backend)
        size = SCALAR_SIZE + 2 * G1_SIZE + 8 + G2_SIZE
        if not isinstance(data, (bytes, bytearray)) or len(data) != size:
            raise InvalidInput(f"a witness is {size} bytes")
        data = bytes(data)
        element = int.from_bytes(data[:SCALAR_SIZE], "big")
        offset = SCALAR_SIZE
        point = be.g1_decode(data[offset : offset + G1_SIZE])
        value = be.g1_decode(data[offset + G1_SIZE : offset + 2 * G1_SIZE])
        offset += 2 * G1_SIZE
        epoch = int.from_bytes(data[offset : offset + 8], "big")
        public_key = be.g2_decode(data[offset + 8 :])
        return cls(element, point, value, epoch, public_key, be)


def single_deletion_update(witness: Witness, deleted: int, new_value: Point) -> Witness:
    """The one-element update ``C' = (C - V') / (y' - y)`` ([VB], "Membership witness update"
    after a deletion), without checks: the sequential reference for the batch update.

    The returned witness keeps the epoch (intermediate values of a batch are not published).
    """
    y = witness.element
    difference = (_element(deleted) - y) % R
    if difference == 0:
        raise Revoked("the element was deleted from the accumulator")
    be = witness.backend
    point = be.g1_mul(be.g1_add(witness.point, be.g1_neg(new_value)), _mod_inverse(difference))
    return Witness(y, point, new_value, witness.epoch, witness.public_key, be)


# --- issuer ----------------------------------------------------------------------------------


class AccumulatorIssuer:
    """The accumulator manager: secret ``alpha``, current value and epoch, deleted elements.

    Not thread-safe; :meth:`revoke` changes the state. Persist it with :meth:`to_bytes`
    (which contains the secret key).
    """

    __slots__ = ("_alpha", "_backend", "_deleted", "_epoch", "_public_key", "_value")

    def __init__(
        self,
        secret: int,
        value: Point,
        epoch: int = 1,
        deleted: Iterable[int] = (),
        *,
        backend: Backend[Any, Any] | None = None,
    ) -> None:
        self._backend = _backend(backend)
        self._alpha = _element(secret, "the secret key")
        self._epoch = _epoch(epoch, 1)
        if self._backend.g1_is_identity(value):
            raise InvalidInput("an accumulator value is never the identity")
        self._value = value
        self._deleted = {_element(y) for y in deleted}
        self._public_key = self._backend.g2_mul(self._backend.g2_generator(), self._alpha)

    @classmethod
    def generate(
        cls,
        registry_id: str | bytes,
        *,
        rng: Rng | None = None,
        backend: Backend[Any, Any] | None = None,
    ) -> AccumulatorIssuer:
        """A new registry at epoch 1 with value :func:`initial_value` and a random secret key."""
        be = _backend(backend)
        return cls(_draw(rng), initial_value(registry_id, backend=be), 1, backend=be)

    @property
    def backend(self) -> Backend[Any, Any]:
        """The curve backend."""
        return self._backend

    @property
    def public_key(self) -> Point:
        """``Q~ = alpha * P~`` in G2."""
        return self._public_key

    def public_key_bytes(self) -> bytes:
        """The 96-byte compressed public key."""
        return self._backend.g2_encode(self._public_key)

    @property
    def value(self) -> Point:
        """The current accumulator value."""
        return self._value

    @property
    def epoch(self) -> int:
        """The current epoch (ledger version of the last publication)."""
        return self._epoch

    def is_deleted(self, element: int) -> bool:
        """Whether ``element`` was deleted."""
        return element in self._deleted

    def new_member(self, *, rng: Rng | None = None) -> Witness:
        """Draw a fresh random element ``y`` and return its witness (the value is unchanged)."""
        while True:
            y = _draw(rng)
            if y not in self._deleted and (y + self._alpha) % R:
                return self.witness(y)

    def witness(self, element: int) -> Witness:
        """``C = V / (y + alpha)`` for the current value ([VB], "Membership witness generation"
        with the secret key). ``y`` must have been drawn uniformly at random (as
        :meth:`new_member` does), never chosen by the holder: the security argument assumes it.
        """
        y = _element(element)
        if y in self._deleted:
            raise Revoked("this element was deleted from the accumulator")
        factor = (y + self._alpha) % R
        if factor == 0:
            raise InvalidInput("an element equals minus the secret key")
        point = self._backend.g1_mul(self._value, _mod_inverse(factor))
        return Witness(y, point, self._value, self._epoch, self._public_key, self._backend)

    def revoke(
        self, elements: Iterable[int], *, max_chars: int = MAX_UPDATE_CHARS
    ) -> list[AccumulatorUpdate]:
        """Delete ``elements``; return the consecutive updates to publish (each fits the
        ledger's ``update`` field, see :func:`split_revocations`), one epoch each.

        ``V' = V / prod(y_i + alpha)`` and ``Omega_t = v_t * V`` ([VB], "Batch Updates").
        """
        chunks = split_revocations(elements, max_chars)
        for chunk in chunks:
            for y in chunk:
                if y in self._deleted:
                    raise InvalidInput("an element of the batch was already deleted")
                if (y + self._alpha) % R == 0:
                    raise InvalidInput("an element equals minus the secret key")
        if not chunks:
            return []
        if self._epoch + len(chunks) > _MAX_EPOCH:
            raise InvalidInput("the epoch counter is exhausted")
        be = self._backend
        updates = []
        value, epoch = self._value, self._epoch
        for chunk in chunks:
            coefficients, inverse = _batch_coefficients(chunk, self._alpha)
            omega = tuple(be.g1_mul(value, c) for c in coefficients)
            new_value = be.g1_mul(value, inverse)
            epoch += 1
            updates.append(AccumulatorUpdate(epoch, value, new_value, tuple(chunk), omega, be))
            value = new_value
        self._value, self._epoch = value, epoch
        for chunk in chunks:
            self._deleted.update(chunk)
        return updates

    def to_bytes(self) -> bytes:
        """``alpha (32) || V (48) || epoch (u64) || n (u32) || deleted (32 each, sorted)``. Secret."""
        parts = [
            self._alpha.to_bytes(SCALAR_SIZE, "big"),
            self._backend.g1_encode(self._value),
            self._epoch.to_bytes(8, "big"),
            len(self._deleted).to_bytes(4, "big"),
        ]
        parts.extend(y.to_bytes(SCALAR_SIZE, "big") for y in sorted(self._deleted))
        return b"".join(parts)

    @classmethod
    def from_bytes(
        cls, data: bytes, *, backend: Backend[Any, Any] | None = None
    ) -> AccumulatorIssuer:
        """Decode :meth:`to_bytes`."""
        be = _backend(backend)
        head = SCALAR_SIZE + G1_SIZE + 12
        if not isinstance(data, (bytes, bytearray)) or len(data) < head:
            raise InvalidInput("not an accumulator issuer state")
        data = bytes(data)
        count = int.from_bytes(data[head - 4 : head], "big")
        if len(data) != head + count * SCALAR_SIZE:
            raise InvalidInput("issuer state length does not match its count")
        deleted = [
            int.from_bytes(data[i : i + SCALAR_SIZE], "big")
            for i in range(head, len(data), SCALAR_SIZE)
        ]
        if any(a >= b for a, b in zip(deleted, deleted[1:], strict=False)):
            raise InvalidInput("deleted elements must be strictly increasing")
        return cls(
            int.from_bytes(data[:SCALAR_SIZE], "big"),
            be.g1_decode(data[SCALAR_SIZE : SCALAR_SIZE + G1_SIZE]),
            int.from_bytes(data[SCALAR_SIZE + G1_SIZE : head - 4], "big"),
            deleted,
            backend=be,
        )
