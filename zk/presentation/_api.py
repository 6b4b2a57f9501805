"""Issuer, holder and verifier of zero-knowledge presentations (specs/zk-presentation.md §10)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import rfc8785

from .. import bbs
from .. import range as zrange
from .._errors import InvalidInput, VerificationError
from ..accumulator import (
    AccumulatorIssuer,
    AccumulatorUpdate,
    StaleWitness,
    Witness,
    decode_public_key,
)
from ..curve import G1_SIZE, G2_SIZE, Backend, R, default_backend
from ._compose import CredentialStatement, CredentialWitness, prove, verify
from ._json import b64, object_of, scalar, scalar_json, unb64
from ._types import AccumulatorState, CredentialQuery, CredentialType, PresentationRequest

__all__ = [
    "BlindRequest",
    "HeldCredential",
    "Holder",
    "IssuedCredential",
    "Issuer",
    "IssuerPublic",
    "PendingIssuance",
    "Presentation",
    "UnsatisfiedPredicate",
    "VerifiedPresentation",
    "verify_presentation",
]

#: The pseudonym interface whose signatures the credentials are (§2).
NYM = bbs.NYM_BLS12_381_SHA256
_MAGIC = b"CZP1"
_MAX_JSON = 64 * 1024


class UnsatisfiedPredicate(InvalidInput):
    """The holder's claim does not satisfy a requested predicate: no proof is built."""


def _layout(ctype: CredentialType) -> tuple[int, int, int, int]:
    """Indexes (handle, prover blind, link secret, nym secret) in the signed vector (§2)."""
    n = len(ctype.claims)
    return n, n + 1, n + 2, n + 3


@lru_cache(maxsize=8)
def _nym(bk: Backend[Any, Any]) -> bbs.NymInterface:
    return NYM if bk is NYM.backend else NYM.with_backend(bk)


@lru_cache(maxsize=256)
def _generators(bk: Backend[Any, Any], claims: int) -> bbs.BlindGenerators:
    return _nym(bk).generators(claims + 1, 1, 1)


# Verifiers check many presentations against few keys, states and scopes: their decodings,
# headers and domains are kept (bounded caches; every value is public).
@lru_cache(maxsize=1024)
def _g2(bk: Backend[Any, Any], data: bytes) -> Any:
    return bk.g2_decode(data)


@lru_cache(maxsize=1024)
def _g1(bk: Backend[Any, Any], data: bytes) -> Any:
    return bk.g1_decode(data)


@lru_cache(maxsize=1024)
def _header(ctype: CredentialType) -> bytes:
    return ctype.header()


@lru_cache(maxsize=1024)
def _domain(bk: Backend[Any, Any], public_key: bytes, header: bytes, claims: int) -> int:
    return _nym(bk).domain(public_key, header, claims + 1, 1, 1)


@lru_cache(maxsize=1024)
def _scope_base(bk: Backend[Any, Any], scope: str) -> Any:
    return _nym(bk).pseudonym_base(scope.encode())[0]


# ------------------------------------------------------------------------------ issuer


@dataclass(frozen=True)
class IssuerPublic:
    """What a verifier needs of an issuer: the type, the BBS key, the accumulator key."""

    ctype: CredentialType
    public_key: bytes
    accumulator_key: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.public_key, bytes) or len(self.public_key) != G2_SIZE:
            raise InvalidInput("a BBS public key is 96 bytes")
        if not isinstance(self.accumulator_key, bytes) or len(self.accumulator_key) != G2_SIZE:
            raise InvalidInput("an accumulator public key is 96 bytes")

    @property
    def key(self) -> tuple[str, str]:
        """``(type_id, issuer_id)``, how queries name it."""
        return self.ctype.type_id, self.ctype.issuer_id

    def to_json(self) -> dict[str, Any]:
        """``{"credential_type", "public_key", "accumulator_key"}``."""
        return {
            "credential_type": self.ctype.to_json(),
            "public_key": b64(self.public_key),
            "accumulator_key": b64(self.accumulator_key),
        }

    @classmethod
    def from_json(cls, value: object) -> IssuerPublic:
        """Parse :meth:`to_json`; both keys are checked to be G2 points (``InvalidInput``)."""
        members = ("credential_type", "public_key", "accumulator_key")
        body = object_of(value, "issuer keys", members)
        public = cls(
            CredentialType.from_json(body["credential_type"]),
            unb64(body["public_key"], "public_key", G2_SIZE),
            unb64(body["accumulator_key"], "accumulator_key", G2_SIZE),
        )
        bk = default_backend()
        bk.g2_decode(public.public_key)
        bk.g2_decode(public.accumulator_key)
        return public


@dataclass(frozen=True)
class BlindRequest:
    """The holder's blind issuance request: a commitment to its link secret and prover nym,
    with the commitment's proof of knowledge ([BLIND §4.1], [NYM §6.1.1])."""

    commitment: bytes

    def to_json(self) -> dict[str, Any]:
        """``{"commitment"}`` (base64url)."""
        return {"commitment": b64(self.commitment)}

    @classmethod
    def from_json(cls, value: object) -> BlindRequest:
        """Parse :meth:`to_json` (the issuer checks the commitment's proof when it signs)."""
        body = object_of(value, "a blind request", ("commitment",))
        return cls(unb64(body["commitment"], "commitment"))


@dataclass(frozen=True)
class PendingIssuance:
    """The holder's secrets of a request in flight (keep them until the credential arrives)."""

    prover_blind: int
    prover_nym: int

    def to_json(self) -> dict[str, Any]:
        """``{"prover_blind", "prover_nym"}``: secrets, for the wallet's encrypted store."""
        return {
            "prover_blind": scalar_json(self.prover_blind),
            "prover_nym": scalar_json(self.prover_nym),
        }

    @classmethod
    def from_json(cls, value: object) -> PendingIssuance:
        """Parse :meth:`to_json`."""
        body = object_of(value, "a pending issuance", ("prover_blind", "prover_nym"))
        return cls(
            scalar(body["prover_blind"], "prover_blind"), scalar(body["prover_nym"], "prover_nym")
        )


@dataclass(frozen=True)
class IssuedCredential:
    """The issuer's answer: the signature, the revocation handle and nym entropy it drew, and
    the membership witness for the handle (``C || V``: the witness point and the accumulator
    value it is for, 96 bytes) at ``epoch``."""

    signature: bytes
    handle: int
    signer_nym_entropy: int
    witness: bytes
    epoch: int

    def to_json(self) -> dict[str, Any]:
        """``{"signature", "handle", "signer_nym_entropy", "witness", "epoch"}``."""
        return {
            "signature": b64(self.signature),
            "handle": scalar_json(self.handle),
            "signer_nym_entropy": scalar_json(self.signer_nym_entropy),
            "witness": b64(self.witness),
            "epoch": self.epoch,
        }

    @classmethod
    def from_json(cls, value: object) -> IssuedCredential:
        """Parse :meth:`to_json` (the holder verifies it in :meth:`Holder.accept`)."""
        members = ("signature", "handle", "signer_nym_entropy", "witness", "epoch")
        body = object_of(value, "an issued credential", members)
        epoch = body["epoch"]
        if type(epoch) is not int or epoch < 1:
            raise InvalidInput("epoch must be a positive integer")
        return cls(
            unb64(body["signature"], "signature", G1_SIZE + 32),
            scalar(body["handle"], "handle"),
            scalar(body["signer_nym_entropy"], "signer_nym_entropy"),
            unb64(body["witness"], "witness", 2 * G1_SIZE),
            epoch,
        )


class Issuer:
    """An agency's keys for one zero-knowledge credential type and its revocation registry.

    Holds secrets (the BBS secret key, the accumulator secret): persist with
    :meth:`to_bytes` only into encrypted storage.
    """

    def __init__(self, ctype: CredentialType, secret_key: bytes, accumulator: AccumulatorIssuer):
        self.ctype = ctype
        self._sk = secret_key
        self._pk = bbs.BLS12_381_SHA256.sk_to_pk(secret_key)
        self.accumulator = accumulator

    @classmethod
    def generate(cls, ctype: CredentialType) -> Issuer:
        """New keys and a new registry (O(1): no tails file, §7)."""
        suite = bbs.BLS12_381_SHA256
        sk = suite.keygen(secrets.token_bytes(32), ctype.type_id.encode())
        return cls(ctype, sk, AccumulatorIssuer.generate(ctype.registry_id))

    @property
    def public(self) -> IssuerPublic:
        """The public keys, for the ledger and for verifiers."""
        return IssuerPublic(self.ctype, self._pk, self.accumulator.public_key_bytes())

    def state(self) -> AccumulatorState:
        """The registry's current accumulator value and epoch."""
        bk = self.accumulator.backend
        return AccumulatorState(
            self.ctype.registry_id, self.accumulator.epoch, bk.g1_encode(self.accumulator.value)
        )

    def issue(self, request: BlindRequest, claims: Mapping[str, object]) -> IssuedCredential:
        """Sign ``claims`` blindly for the holder of ``request`` (§2).

        Checks the commitment's proof (``VerificationError`` if it fails), draws a fresh
        revocation handle and nym entropy, signs, and issues the membership witness.
        """
        signer = self.ctype.encode_all(claims)
        witness = self.accumulator.new_member()
        entropy = NYM.generate_signer_nym_entropy()
        signature = NYM.blind_sign_scalars(
            self._sk,
            self._pk,
            request.commitment,
            entropy,
            self.ctype.header(),
            [*signer, witness.element],
        )
        return IssuedCredential(
            signature,
            witness.element,
            entropy,
            self.accumulator.backend.g1_encode(witness.point)
            + self.accumulator.backend.g1_encode(witness.value),
            witness.epoch,
        )

    def revoke(self, handles: Iterable[int]) -> list[AccumulatorUpdate]:
        """Revoke the credentials with these handles: the updates to publish on the ledger."""
        return self.accumulator.revoke(handles)


# ------------------------------------------------------------------------------ holder


@dataclass(frozen=True)
class HeldCredential:
    """A credential in the holder's wallet: claims, every signed scalar, signature, witness."""

    issuer: IssuerPublic
    claims: Mapping[str, object]
    scalars: tuple[int, ...]
    signature: bytes
    witness: Witness

    def verify(self) -> None:
        """Check the signature over every signed scalar and the membership witness
        (``VerificationError`` if either fails): for a credential loaded from storage."""
        ctype = self.issuer.ctype
        NYM.verify_scalars(
            self.issuer.public_key,
            self.signature,
            ctype.header(),
            list(self.scalars),
            signer_count=len(ctype.claims) + 1,
        )
        if list(self.scalars[: len(ctype.claims)]) != ctype.encode_all(self.claims):
            raise VerificationError("the stored claims are not the signed ones")
        if self.scalars[len(ctype.claims)] != self.witness.element:
            raise VerificationError("the witness is for another revocation handle")
        self.witness.verify()

    def to_json(self) -> dict[str, Any]:
        """``{"issuer", "claims", "scalars", "signature", "witness"}``: holds the link secret
        and the other hidden scalars, for the wallet's encrypted store only."""
        return {
            "issuer": self.issuer.to_json(),
            "claims": dict(self.claims),
            "scalars": [scalar_json(v) for v in self.scalars],
            "signature": b64(self.signature),
            "witness": b64(self.witness.to_bytes()),
        }

    @classmethod
    def from_json(cls, value: object) -> HeldCredential:
        """Parse :meth:`to_json` (structure and encodings; call :meth:`verify` to check the
        signature and witness)."""
        members = ("issuer", "claims", "scalars", "signature", "witness")
        body = object_of(value, "a held credential", members)
        issuer = IssuerPublic.from_json(body["issuer"])
        claims, scalars = body["claims"], body["scalars"]
        if not isinstance(claims, Mapping) or not isinstance(scalars, list):
            raise InvalidInput("claims must be an object and scalars a list")
        if len(scalars) != len(issuer.ctype.claims) + 4:
            raise InvalidInput("a held credential has four scalars more than claims")
        issuer.ctype.encode_all(claims)
        return cls(
            issuer,
            dict(claims),
            tuple(scalar(v, "a scalar") for v in scalars),
            unb64(body["signature"], "signature", G1_SIZE + 32),
            Witness.from_bytes(unb64(body["witness"], "witness")),
        )

    def update_witness(self, updates: Sequence[AccumulatorUpdate]) -> HeldCredential:
        """The same credential with its witness brought forward by ``updates`` (in time linear
        in their revocations); ``Revoked`` if this credential was revoked."""
        return HeldCredential(
            self.issuer, self.claims, self.scalars, self.signature, self.witness.update(updates)
        )


class Holder:
    """A wallet's zero-knowledge side: one link secret for all of its credentials."""

    def __init__(self, link_secret: int) -> None:
        if type(link_secret) is not int or not 0 < link_secret < R:
            raise InvalidInput("a link secret is a non-zero scalar")
        self._link = link_secret

    @classmethod
    def create(cls) -> Holder:
        """A holder with a fresh random link secret."""
        return cls(secrets.randbelow(R - 1) + 1)

    def blind_request(self) -> tuple[BlindRequest, PendingIssuance]:
        """A blind issuance request committing to the link secret and a fresh prover nym."""
        nym = secrets.randbelow(R - 1) + 1
        commitment, blind = NYM.commit_scalars([self._link], [nym])
        return BlindRequest(commitment), PendingIssuance(blind, nym)

    def accept(
        self,
        pending: PendingIssuance,
        issuer: IssuerPublic,
        issued: IssuedCredential,
        claims: Mapping[str, object],
    ) -> HeldCredential:
        """Verify the issued credential (signature over the full vector, membership witness)
        and return it for storage; ``VerificationError`` if either fails."""
        ctype = issuer.ctype
        signer = [*ctype.encode_all(claims), issued.handle]
        nym_secret = NYM.nym_secrets([pending.prover_nym], issued.signer_nym_entropy)
        scalars = NYM.signed_scalars(signer, pending.prover_blind, [self._link], nym_secret)
        NYM.verify_scalars(
            issuer.public_key,
            issued.signature,
            ctype.header(),
            scalars,
            signer_count=len(signer),
        )
        bk = default_backend()
        witness = Witness(
            issued.handle,
            bk.g1_decode(issued.witness[:G1_SIZE]),
            _witness_value(issued),
            issued.epoch,
            decode_public_key(issuer.accumulator_key),
        )
        witness.verify()
        return HeldCredential(issuer, dict(claims), tuple(scalars), issued.signature, witness)

    def present(
        self,
        request: PresentationRequest,
        credentials: Sequence[HeldCredential],
        accumulators: Mapping[str, AccumulatorState] | None = None,
        *,
        backend: Backend[Any, Any] | None = None,
    ) -> Presentation:
        """Answer ``request`` with ``credentials`` (one per query, in order).

        Refuses (``UnsatisfiedPredicate``) a predicate the claim does not satisfy,
        (``StaleWitness``) a witness not at the verifier's accumulator epoch, and
        (``InvalidInput``) a credential that does not match its query.
        """
        if len(credentials) != len(request.credentials):
            raise InvalidInput("one credential per query of the request is needed")
        accumulators = accumulators or {}
        statements: list[CredentialStatement] = []
        witnesses: list[CredentialWitness] = []
        disclosed: list[dict[str, object]] = []
        epochs: list[int | None] = []
        bk = backend if backend is not None else default_backend()
        for query, cred in zip(request.credentials, credentials, strict=True):
            if not isinstance(cred, HeldCredential):
                raise InvalidInput("credentials must be HeldCredential values")
            ctype = cred.issuer.ctype
            query.check_against(ctype)
            if cred.scalars[_layout(ctype)[2]] != self._link:
                raise InvalidInput("a credential is bound to another link secret")
            for pred in query.predicates:
                value = cred.claims[pred.claim]
                if not pred.holds(ctype, value):
                    raise UnsatisfiedPredicate(f"the claim does not satisfy {pred.describe()}")
                if not pred.provable(ctype, value):
                    raise UnsatisfiedPredicate(
                        f"{pred.describe()} holds, but the difference exceeds the requested "
                        f"{pred.bit_length(ctype)}-bit range: ask with more bits"
                    )
            shown = {name: cred.claims[name] for name in query.disclose}
            state = _state_for(query, ctype, accumulators)
            if state is not None and state.epoch != cred.witness.epoch:
                raise StaleWitness(
                    f"the witness is at epoch {cred.witness.epoch}, the verifier checks epoch "
                    f"{state.epoch}: update the witness first"
                )
            statements.append(_statement(query, cred.issuer, shown, state, bk))
            witnesses.append(
                CredentialWitness(
                    *_signature_parts(cred.signature, bk),
                    cred.scalars,
                    _witness_point(cred.witness, bk) if state is not None else None,
                )
            )
            disclosed.append(shown)
            epochs.append(None if state is None else state.epoch)
        core = prove(
            request,
            statements,
            witnesses,
            backend=bk,
            nym_base=_nym_base(request, bk),
            gens=zrange.default_gens(bk),
        )
        return Presentation(tuple(disclosed), tuple(epochs), core)


def _witness_value(issued: IssuedCredential) -> Any:
    """The accumulator value the witness was issued against (the second half of
    :attr:`IssuedCredential.witness`)."""
    bk = default_backend()
    if len(issued.witness) != 2 * G1_SIZE:
        raise InvalidInput("an issued witness is the witness point and the accumulator value")
    return bk.g1_decode(issued.witness[G1_SIZE:])


def _witness_point(witness: Witness, bk: Backend[Any, Any]) -> Any:
    """The witness point as a point of ``bk`` (re-decoded when it was made on another)."""
    if witness.backend is bk:
        return witness.point
    return bk.g1_decode(witness.backend.g1_encode(witness.point))


def _signature_parts(signature: bytes, bk: Backend[Any, Any]) -> tuple[Any, int]:
    if not isinstance(signature, bytes) or len(signature) != G1_SIZE + 32:
        raise InvalidInput("a signature is 80 bytes")
    e = int.from_bytes(signature[G1_SIZE:], "big")
    if not 0 < e < R:
        raise InvalidInput("a signature scalar is out of range")
    return bk.g1_decode(signature[:G1_SIZE]), e


def _nym_base(request: PresentationRequest, bk: Backend[Any, Any]) -> Any | None:
    if request.scope is None:
        return None
    return _scope_base(bk, request.scope)


def _state_for(
    query: CredentialQuery, ctype: CredentialType, accumulators: Mapping[str, AccumulatorState]
) -> AccumulatorState | None:
    if not query.non_revoked:
        return None
    state = accumulators.get(ctype.registry_id)
    if state is None:
        raise InvalidInput(f"no accumulator state for registry {ctype.registry_id!r}")
    if state.registry_id != ctype.registry_id:
        raise InvalidInput("the accumulator state is another registry's")
    return state


def _statement(
    query: CredentialQuery,
    issuer: IssuerPublic,
    shown: Mapping[str, object],
    state: AccumulatorState | None,
    bk: Backend[Any, Any],
) -> CredentialStatement:
    """The public statement of one credential, identical on both sides (§3, §4)."""
    ctype = issuer.ctype
    if set(shown) != set(query.disclose):
        raise InvalidInput("the disclosed claims are not exactly the requested ones")
    gens = _generators(bk, len(ctype.claims))
    handle, _blind, link, nym = _layout(ctype)
    header = _header(ctype)
    domain = _domain(bk, issuer.public_key, header, len(ctype.claims))
    disclosed = {ctype.index(name): ctype.encode(name, value) for name, value in shown.items()}
    predicates = []
    for pred in query.predicates:
        low, high = pred.bounds(ctype)
        predicates.append((ctype.index(pred.claim), pred, low, high, pred.bit_length(ctype)))
    accumulator = None
    if state is not None:
        accumulator = (
            _g2(bk, issuer.accumulator_key),
            state.epoch,
            _g1(bk, state.value),
            state.value,
            issuer.accumulator_key,
        )
    return CredentialStatement(
        query=query,
        header=header,
        public_key=issuer.public_key,
        w=_g2(bk, issuer.public_key),
        p1=gens.p1,
        q1=gens.q1,
        domain=domain,
        generators=gens.message_generators,
        disclosed=disclosed,
        link_index=link,
        nym_index=nym,
        handle_index=handle,
        predicates=predicates,
        accumulator=accumulator,
    )


# ------------------------------------------------------------------------------ presentation


@dataclass(frozen=True)
class Presentation:
    """A zero-knowledge presentation: the disclosed claim values, the accumulator epoch each
    non-revocation proof is for, and the proof (§8)."""

    disclosed: tuple[Mapping[str, object], ...]
    epochs: tuple[int | None, ...]
    proof: bytes

    def to_bytes(self) -> bytes:
        """``"CZP1" || u32 len(J) || J || proof`` with ``J`` the JCS of the disclosed values
        and epochs."""
        value: Any = {"disclosed": [dict(d) for d in self.disclosed], "epochs": list(self.epochs)}
        head = rfc8785.dumps(value)
        return _MAGIC + len(head).to_bytes(4, "big") + head + self.proof

    @classmethod
    def from_bytes(cls, data: bytes) -> Presentation:
        """Parse :meth:`to_bytes` (``InvalidInput`` if malformed)."""
        if not isinstance(data, bytes) or len(data) < 8 or not data.startswith(_MAGIC):
            raise InvalidInput("not a version 1 zero-knowledge presentation")
        size = int.from_bytes(data[4:8], "big")
        if size > _MAX_JSON or 8 + size > len(data):
            raise InvalidInput("the presentation's disclosed part is truncated or too large")
        try:
            head = json.loads(data[8 : 8 + size])
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput("the presentation's disclosed part is not JSON") from exc
        if not isinstance(head, dict) or set(head) != {"disclosed", "epochs"}:
            raise InvalidInput("the presentation's disclosed part has the wrong members")
        disclosed, epochs = head["disclosed"], head["epochs"]
        if not isinstance(disclosed, list) or not all(isinstance(d, dict) for d in disclosed):
            raise InvalidInput("disclosed must be a list of objects")
        if not isinstance(epochs, list) or not all(
            e is None or (type(e) is int and e >= 0) for e in epochs
        ):
            raise InvalidInput("epochs must be a list of integers or nulls")
        if len(disclosed) != len(epochs):
            raise InvalidInput("as many epochs as credentials are needed")
        return cls(tuple(disclosed), tuple(epochs), data[8 + size :])

    def __len__(self) -> int:
        return len(self.to_bytes())


@dataclass(frozen=True)
class VerifiedPresentation:
    """What the verifier learns: per credential the disclosed claims, and the pseudonym."""

    disclosed: tuple[Mapping[str, object], ...]
    pseudonym: bytes | None
    predicates: tuple[tuple[str, ...], ...] = field(default=())


def verify_presentation(
    presentation: Presentation | bytes,
    request: PresentationRequest,
    issuers: Iterable[IssuerPublic],
    accumulators: Mapping[str, AccumulatorState] | None = None,
    *,
    backend: Backend[Any, Any] | None = None,
) -> VerifiedPresentation:
    """Verify a presentation against the request, the trusted issuers' keys and the
    accumulator states as of a ledger checkpoint (§6). ``VerificationError`` if it fails,
    ``InvalidInput`` if it is malformed or answers another statement."""
    if isinstance(presentation, bytes):
        presentation = Presentation.from_bytes(presentation)
    if not isinstance(presentation, Presentation):
        raise InvalidInput("a presentation must be a Presentation or its bytes")
    by_key = {issuer.key: issuer for issuer in issuers}
    accumulators = accumulators or {}
    if len(presentation.disclosed) != len(request.credentials):
        raise InvalidInput("the presentation answers another number of credentials")
    bk = backend if backend is not None else default_backend()
    statements = []
    for query, shown, epoch in zip(
        request.credentials, presentation.disclosed, presentation.epochs, strict=True
    ):
        issuer = by_key.get((query.type_id, query.issuer_id))
        if issuer is None:
            raise VerificationError(f"no trusted issuer {query.issuer_id!r} of {query.type_id!r}")
        query.check_against(issuer.ctype)
        state = _state_for(query, issuer.ctype, accumulators)
        if (state is None) != (epoch is None):
            raise InvalidInput("non-revocation is proven exactly where the request asks")
        if state is not None and epoch != state.epoch:
            raise VerificationError(
                f"the non-revocation proof is for epoch {epoch}, not the current {state.epoch}"
            )
        statements.append(_statement(query, issuer, shown, state, bk))
    result = verify(
        request,
        statements,
        presentation.proof,
        backend=bk,
        nym_base=_nym_base(request, bk),
        gens=zrange.default_gens(bk),
        neg_p2=bk.g2_neg(bk.g2_generator()),
    )
    return VerifiedPresentation(
        tuple(dict(d) for d in presentation.disclosed),
        result.pseudonym,
        tuple(tuple(p.describe() for p in q.predicates) for q in request.credentials),
    )
