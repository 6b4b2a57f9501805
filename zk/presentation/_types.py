"""Credential types, claim encodings and the presentation request (specs/zk-presentation.md
§2 and §3)."""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

import rfc8785

from .._errors import InvalidInput
from ..curve import R
from ._json import b64, object_of, unb64

__all__ = [
    "INTEGER_LIMIT",
    "AccumulatorState",
    "ClaimKind",
    "CredentialQuery",
    "CredentialType",
    "Predicate",
    "PredicateOp",
    "PresentationRequest",
    "date_to_days",
    "days_to_date",
]

ClaimKind = Literal["string", "integer", "date", "boolean"]
PredicateOp = Literal[">=", "<=", "between", "!="]
_KINDS: tuple[str, ...] = get_args(ClaimKind)
_OPS: tuple[str, ...] = get_args(PredicateOp)

#: Integers and dates must satisfy ``-INTEGER_LIMIT <= v < INTEGER_LIMIT`` (§2): then
#: ``v - b mod r`` lies in ``[0, 2^64)`` exactly when ``v >= b``.
INTEGER_LIMIT = 1 << 62
_EPOCH = _dt.date(1970, 1, 1)
_CLAIM_DST = b"CHANCERY-ZK-V1_MAP_CLAIM_TO_SCALAR_XMD:SHA-256_"
_MAX_NAME = 256
_MAX_CLAIMS = 64
_MAX_CREDENTIALS = 8
_MAX_PREDICATES = 8
_BITS = (8, 16, 32, 64)
_DEFAULT_BITS: dict[str, int] = {"date": 16, "boolean": 8, "integer": 32, "string": 32}


def _text(value: object, what: str, limit: int = _MAX_NAME) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise InvalidInput(f"{what} must be a non-empty string of at most {limit} characters")
    return value


def date_to_days(value: str) -> int:
    """Days since 1970-01-01 of an ISO 8601 calendar date ``YYYY-MM-DD`` (negative before)."""
    if not isinstance(value, str) or len(value) != 10:
        raise InvalidInput(f"a date must be a YYYY-MM-DD string, not {value!r}")
    try:
        day = _dt.date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"not a calendar date: {value!r}") from exc
    return (day - _EPOCH).days


def days_to_date(days: int) -> str:
    """The inverse of :func:`date_to_days`."""
    return (_EPOCH + _dt.timedelta(days=days)).isoformat()


def _integer(value: object, what: str) -> int:
    if type(value) is not int or not -INTEGER_LIMIT <= value < INTEGER_LIMIT:
        raise InvalidInput(f"{what} must be an integer in [-2^62, 2^62)")
    return value


def _hash_claim(value: object) -> int:
    try:
        canonical = rfc8785.dumps(value)  # type: ignore[arg-type]  # checked by dumps
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InvalidInput(f"a string claim must be a JSON value: {exc}") from exc
    # expand_message_xmd-based hash to the field, as hash_to_scalar of the BBS draft (§4.1.3).
    from ..curve import expand_message_xmd

    return int.from_bytes(expand_message_xmd(canonical, _CLAIM_DST, 48), "big") % R


@dataclass(frozen=True)
class CredentialType:
    """A zero-knowledge credential type: who issues it, its revocation registry, its claims.

    ``claims`` is the ordered list of ``(name, kind)``; the signed scalar vector follows this
    order (§2). The header every signature is bound to is derived from all of it.
    """

    type_id: str
    issuer_id: str
    registry_id: str
    claims: tuple[tuple[str, ClaimKind], ...]

    def __post_init__(self) -> None:
        _text(self.type_id, "type_id")
        _text(self.issuer_id, "issuer_id", 1024)
        _text(self.registry_id, "registry_id")
        claims = tuple(tuple(c) for c in self.claims)
        if not 0 < len(claims) <= _MAX_CLAIMS:
            raise InvalidInput(f"a credential type has 1 to {_MAX_CLAIMS} claims")
        names = set()
        for claim in claims:
            if len(claim) != 2:
                raise InvalidInput("a claim is a (name, kind) pair")
            name, kind = claim
            _text(name, "a claim name")
            if kind not in _KINDS:
                raise InvalidInput(f"claim kind must be one of {', '.join(_KINDS)}, not {kind!r}")
            if name in names:
                raise InvalidInput(f"claim {name!r} appears twice")
            names.add(name)
        object.__setattr__(self, "claims", claims)

    @property
    def names(self) -> list[str]:
        """The claim names in signing order."""
        return [name for name, _ in self.claims]

    def index(self, name: str) -> int:
        """The position of claim ``name`` (``InvalidInput`` if the type has none)."""
        for i, (claim, _) in enumerate(self.claims):
            if claim == name:
                return i
        raise InvalidInput(f"credential type {self.type_id!r} has no claim {name!r}")

    def kind(self, name: str) -> ClaimKind:
        """The kind of claim ``name``."""
        return self.claims[self.index(name)][1]

    def header(self) -> bytes:
        """The BBS header of every signature of this type (§2): JCS of the type's identity."""
        return rfc8785.dumps(
            {
                "type": self.type_id,
                "issuer": self.issuer_id,
                "registry": self.registry_id,
                "claims": [list(c) for c in self.claims],
                "v": 1,
            }
        )

    def type_hash(self) -> bytes:
        """SHA-256 of :meth:`header` (for the transcript and reports)."""
        return hashlib.sha256(self.header()).digest()

    def encode(self, name: str, value: object) -> int:
        """The scalar signed for claim ``name`` with ``value`` (§2)."""
        return encode_claim(self.kind(name), value)

    def encode_all(self, claims: Mapping[str, object]) -> list[int]:
        """Every claim's scalar in signing order; the mapping must name exactly the claims."""
        if not isinstance(claims, Mapping):
            raise InvalidInput("claims must be a mapping of claim name to value")
        missing = [n for n in self.names if n not in claims]
        extra = [n for n in claims if n not in self.names]
        if missing or extra:
            raise InvalidInput(f"claims do not match the type: missing {missing}, unknown {extra}")
        return [encode_claim(kind, claims[name]) for name, kind in self.claims]

    def to_json(self) -> dict[str, Any]:
        """``{"type", "issuer", "registry", "claims": [[name, kind], ...]}``."""
        return {
            "type": self.type_id,
            "issuer": self.issuer_id,
            "registry": self.registry_id,
            "claims": [list(c) for c in self.claims],
        }

    @classmethod
    def from_json(cls, value: object) -> CredentialType:
        """Parse :meth:`to_json` (``InvalidInput`` if malformed)."""
        body = object_of(value, "a credential type", ("type", "issuer", "registry", "claims"))
        claims = body["claims"]
        if not isinstance(claims, list) or not all(
            isinstance(c, list) and len(c) == 2 for c in claims
        ):
            raise InvalidInput("claims must be a list of [name, kind] pairs")
        return cls(body["type"], body["issuer"], body["registry"], tuple((n, k) for n, k in claims))


def encode_claim(kind: ClaimKind, value: object) -> int:
    """A claim value as the scalar that is signed (§2)."""
    if kind == "string":
        return _hash_claim(value)
    return _integer_of(kind, value) % R


def _integer_of(kind: ClaimKind, value: object) -> int:
    if kind == "date":
        return date_to_days(value)  # type: ignore[arg-type]  # checked inside
    if kind == "boolean":
        if type(value) is not bool:
            raise InvalidInput("a boolean claim must be true or false")
        return int(value)
    if kind == "integer":
        return _integer(value, "an integer claim")
    raise InvalidInput(f"a {kind} claim cannot be compared")


def comparable_value(kind: ClaimKind, value: object) -> int:
    """The signed integer behind an integer, date or boolean claim value (``InvalidInput`` for
    a string claim, which is hashed and has no order)."""
    if kind == "string":
        raise InvalidInput("a string claim is hashed: it has no order and takes no predicate")
    return _integer_of(kind, value)


@dataclass(frozen=True)
class Predicate:
    """A statement about a hidden integer or date claim (§5.4).

    ``bound`` (and ``upper`` for ``between``, inclusive both ends) are values of the claim's
    kind: integers, or ``YYYY-MM-DD`` strings for dates. ``bits`` is the range proof's length
    ``n`` (§5.4): the difference between the claim and a bound must be below ``2^n`` for the
    holder to be able to prove the predicate. By default 16 for dates (any two dates less than
    179 years apart), 8 for booleans and 32 for integers; a request may ask for 64.
    """

    claim: str
    op: PredicateOp
    bound: int | str
    upper: int | str | None = None
    bits: int | None = None

    def __post_init__(self) -> None:
        _text(self.claim, "a predicate's claim")
        if self.op not in _OPS:
            raise InvalidInput(f"predicate op must be one of {', '.join(_OPS)}, not {self.op!r}")
        if (self.op == "between") != (self.upper is not None):
            raise InvalidInput("'between' takes an upper bound, the other ops none")
        if self.bits is not None and self.bits not in _BITS:
            raise InvalidInput(f"bits must be one of {', '.join(map(str, _BITS))}")

    def bounds(self, ctype: CredentialType) -> tuple[int, int | None]:
        """The bounds as signed integers of the claim's kind."""
        kind = ctype.kind(self.claim)
        low = comparable_value(kind, self.bound)
        high = None if self.upper is None else comparable_value(kind, self.upper)
        if high is not None and high < low:
            raise InvalidInput("'between' needs bound <= upper")
        return low, high

    def holds(self, ctype: CredentialType, value: object) -> bool:
        """Whether the predicate is true of the claim value ``value``."""
        v = comparable_value(ctype.kind(self.claim), value)
        low, high = self.bounds(ctype)
        if self.op == ">=":
            return v >= low
        if self.op == "<=":
            return v <= low
        if self.op == "!=":
            return v != low
        assert high is not None  # noqa: S101 - checked in __post_init__
        return low <= v <= high

    def bit_length(self, ctype: CredentialType) -> int:
        """The range proof's bit length (``bits``, or the default of the claim's kind)."""
        if self.bits is not None:
            return self.bits
        return _DEFAULT_BITS[ctype.kind(self.claim)]

    def committed_values(self, value: int, low: int, high: int | None) -> list[int]:
        """The differences the proof commits to for the signed claim ``value`` (§5.4):
        ``value − low`` (``>=``, ``!=``), ``low − value`` (``<=``), both ends (``between``)."""
        if self.op in (">=", "!="):
            return [value - low]
        if self.op == "<=":
            return [low - value]
        assert high is not None  # noqa: S101 - checked in __post_init__
        return [value - low, high - value]

    def provable(self, ctype: CredentialType, value: object) -> bool:
        """Whether every range of the predicate fits in :meth:`bit_length` bits for ``value``
        (a true predicate on values too far apart for the requested length is not provable)."""
        if self.op == "!=":
            return True
        low, high = self.bounds(ctype)
        v = comparable_value(ctype.kind(self.claim), value)
        limit = 1 << self.bit_length(ctype)
        return all(0 <= gap < limit for gap in self.committed_values(v, low, high))

    def to_json(self) -> dict[str, Any]:
        """``{"claim", "op", "bound"[, "upper"][, "bits"]}``."""
        out: dict[str, Any] = {"claim": self.claim, "op": self.op, "bound": self.bound}
        if self.upper is not None:
            out["upper"] = self.upper
        if self.bits is not None:
            out["bits"] = self.bits
        return out

    @classmethod
    def from_json(cls, value: object) -> Predicate:
        """Parse :meth:`to_json` (``InvalidInput`` if malformed)."""
        if not isinstance(value, Mapping) or not {"claim", "op", "bound"} <= set(value):
            raise InvalidInput("a predicate needs claim, op and bound")
        extra = set(value) - {"claim", "op", "bound", "upper", "bits"}
        if extra:
            raise InvalidInput(f"unknown predicate members: {', '.join(sorted(extra))}")
        for name in ("bound", "upper"):
            bound = value.get(name)
            if bound is not None and not isinstance(bound, (int, str)) or isinstance(bound, bool):
                raise InvalidInput(f"a predicate's {name} is an integer or a date")
        bits = value.get("bits")
        if bits is not None and type(bits) is not int:
            raise InvalidInput("a predicate's bits is an integer")
        return cls(value["claim"], value["op"], value["bound"], value.get("upper"), bits)

    def describe(self) -> str:
        """Human text: ``birth_date <= 2008-12-06``."""
        if self.op == "between":
            return f"{self.bound} <= {self.claim} <= {self.upper}"
        return f"{self.claim} {self.op} {self.bound}"


@dataclass(frozen=True)
class CredentialQuery:
    """What one credential of the presentation must show (§3)."""

    type_id: str
    issuer_id: str
    disclose: tuple[str, ...] = ()
    predicates: tuple[Predicate, ...] = ()
    non_revoked: bool = False
    pseudonym: bool = False

    def __post_init__(self) -> None:
        _text(self.type_id, "type_id")
        _text(self.issuer_id, "issuer_id", 1024)
        disclose = tuple(self.disclose)
        if len(set(disclose)) != len(disclose):
            raise InvalidInput("a claim is disclosed twice")
        for name in disclose:
            _text(name, "a disclosed claim")
        predicates = tuple(self.predicates)
        if len(predicates) > _MAX_PREDICATES:
            raise InvalidInput(f"at most {_MAX_PREDICATES} predicates per credential")
        for p in predicates:
            if not isinstance(p, Predicate):
                raise InvalidInput("predicates must be Predicate values")
            if p.claim in disclose:
                raise InvalidInput(f"claim {p.claim!r} is both disclosed and under a predicate")
        object.__setattr__(self, "disclose", disclose)
        object.__setattr__(self, "predicates", predicates)

    def to_json(self) -> dict[str, Any]:
        """``{"type", "issuer", "disclose", "predicates", "non_revoked", "pseudonym"}``."""
        return {
            "type": self.type_id,
            "issuer": self.issuer_id,
            "disclose": list(self.disclose),
            "predicates": [p.to_json() for p in self.predicates],
            "non_revoked": self.non_revoked,
            "pseudonym": self.pseudonym,
        }

    @classmethod
    def from_json(cls, value: object) -> CredentialQuery:
        """Parse :meth:`to_json` (``InvalidInput`` if malformed)."""
        members = ("type", "issuer", "disclose", "predicates", "non_revoked", "pseudonym")
        body = object_of(value, "a credential query", members)
        disclose, predicates = body["disclose"], body["predicates"]
        if not isinstance(disclose, list) or not isinstance(predicates, list):
            raise InvalidInput("disclose and predicates must be lists")
        flags = (body["non_revoked"], body["pseudonym"])
        if not all(type(flag) is bool for flag in flags):
            raise InvalidInput("non_revoked and pseudonym must be true or false")
        return cls(
            body["type"],
            body["issuer"],
            tuple(disclose),
            tuple(Predicate.from_json(p) for p in predicates),
            *flags,
        )

    def check_against(self, ctype: CredentialType) -> None:
        """``InvalidInput`` unless every named claim exists and every predicate fits its kind."""
        if ctype.type_id != self.type_id or ctype.issuer_id != self.issuer_id:
            raise InvalidInput(
                f"the query asks for {self.type_id!r} of {self.issuer_id!r}, "
                f"not {ctype.type_id!r} of {ctype.issuer_id!r}"
            )
        for name in self.disclose:
            ctype.index(name)
        for p in self.predicates:
            ctype.index(p.claim)
            p.bounds(ctype)


@dataclass(frozen=True)
class PresentationRequest:
    """The verifier's request: the statement every proof answers (§3)."""

    nonce: bytes
    audience: str
    credentials: tuple[CredentialQuery, ...]
    scope: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.nonce, bytes) or not 16 <= len(self.nonce) <= 64:
            raise InvalidInput("the nonce must be 16 to 64 bytes")
        _text(self.audience, "audience", 1024)
        credentials = tuple(self.credentials)
        if not 0 < len(credentials) <= _MAX_CREDENTIALS:
            raise InvalidInput(f"a request asks for 1 to {_MAX_CREDENTIALS} credentials")
        for q in credentials:
            if not isinstance(q, CredentialQuery):
                raise InvalidInput("credentials must be CredentialQuery values")
        if self.scope is not None:
            _text(self.scope, "scope", 1024)
        nyms = sum(q.pseudonym for q in credentials)
        if nyms > 1 or (nyms == 1) != (self.scope is not None):
            raise InvalidInput("a scope needs exactly one credential answering with a pseudonym")
        object.__setattr__(self, "credentials", credentials)

    def to_json(self) -> dict[str, Any]:
        """``{"nonce", "audience", "scope", "credentials"}`` (the nonce in base64url)."""
        return {
            "nonce": b64(self.nonce),
            "audience": self.audience,
            "scope": self.scope,
            "credentials": [q.to_json() for q in self.credentials],
        }

    @classmethod
    def from_json(cls, value: object) -> PresentationRequest:
        """Parse :meth:`to_json` (``InvalidInput`` if malformed)."""
        body = object_of(value, "a request", ("nonce", "audience", "scope", "credentials"))
        credentials = body["credentials"]
        if not isinstance(credentials, list):
            raise InvalidInput("credentials must be a list")
        return cls(
            unb64(body["nonce"], "nonce"),
            body["audience"],
            tuple(CredentialQuery.from_json(q) for q in credentials),
            body["scope"],
        )


@dataclass(frozen=True)
class AccumulatorState:
    """A registry's accumulator value as of a ledger epoch (what a verifier checks against)."""

    registry_id: str
    epoch: int
    value: bytes

    def __post_init__(self) -> None:
        _text(self.registry_id, "registry_id")
        if type(self.epoch) is not int or not 0 <= self.epoch < 1 << 63:
            raise InvalidInput("epoch must be a non-negative integer")
        if not isinstance(self.value, bytes) or len(self.value) != 48:
            raise InvalidInput("an accumulator value is a 48-byte G1 point")

    def to_json(self) -> dict[str, Any]:
        """``{"registry", "epoch", "value"}``."""
        return {"registry": self.registry_id, "epoch": self.epoch, "value": b64(self.value)}

    @classmethod
    def from_json(cls, value: object) -> AccumulatorState:
        """Parse :meth:`to_json` (``InvalidInput`` if malformed)."""
        body = object_of(value, "an accumulator state", ("registry", "epoch", "value"))
        return cls(body["registry"], body["epoch"], unb64(body["value"], "value", 48))
