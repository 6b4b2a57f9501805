"""Zero-knowledge proof of accumulator membership (randomised witness + Schnorr proof).

Statement: "I know ``y`` and ``C`` with ``e(C, y*P~ + Q~) == e(V, P~)``" for public ``V``, ``Q~``.

Prover ([VB], "Zero-Knowledge Proofs", membership): draw ``r``; publish ``C' = r*C`` and
``Cbar = r*V - y*C'`` (which equals ``alpha*C'``); prove knowledge of ``(r, y)`` with
``Cbar = r*V - y*C'`` by a Schnorr proof: commitment ``T = r~*V - y~*C'``, responses
``r^ = r~ + c*r`` and ``y^ = y~ + c*y``. Verifier: ``C' != 0``,
``T == r^*V - y^*C' - c*Cbar`` (recomputed, then checked through the Fiat-Shamir challenge)
and ``e(C', Q~) == e(Cbar, P~)``.

Within a presentation, ``y`` is a hidden message of a BBS signature: the caller passes the BBS
blinding ``y~`` of that message, draws one challenge for every sub-proof from the shared
:class:`zk._transcript.Transcript`, and verifies with the BBS response ``y^`` (the same
``m^ = m~ + c*m`` convention as draft-irtf-cfrg-bbs-signatures), which ties the accumulated
element to the signed credential.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .._errors import InvalidInput, VerificationError
from .._transcript import Transcript
from ..curve import G1_SIZE, SCALAR_SIZE, R, default_backend
from ..curve._backend import Backend
from ._vb import Point, StaleWitness, Witness, _draw

__all__ = [
    "MEMBERSHIP_PROOF_SIZE",
    "PROTOCOL",
    "STANDALONE_PROOF_SIZE",
    "MembershipCheck",
    "MembershipProof",
    "MembershipProver",
    "StandaloneMembershipProof",
    "membership_verification",
    "prove_membership",
    "verify_membership",
]

#: Protocol label of the transcript of a standalone membership proof.
PROTOCOL = b"CHANCERY-ACCUMULATOR-MEMBERSHIP-V1"
#: ``C' (48) || Cbar (48) || r^ (32)``.
MEMBERSHIP_PROOF_SIZE = 2 * G1_SIZE + SCALAR_SIZE
#: A :class:`MembershipProof` followed by the challenge and ``y^`` (32 bytes each).
STANDALONE_PROOF_SIZE = MEMBERSHIP_PROOF_SIZE + 2 * SCALAR_SIZE

_LABEL_VALUE = b"accumulator/value"
_LABEL_KEY = b"accumulator/public-key"
_LABEL_WITNESS = b"accumulator/C'"
_LABEL_BAR = b"accumulator/Cbar"
_LABEL_T = b"accumulator/T"
_LABEL_CONTEXT = b"accumulator/context"
_LABEL_CHALLENGE = b"challenge"


def _scalar(value: object, what: str, low: int = 0) -> int:
    if type(value) is not int or not low <= value < R:
        raise InvalidInput(f"{what} must be an int in [{low}, r)")
    return value


def _append_commitment(
    transcript: Transcript,
    be: Backend[Any, Any],
    value: Point,
    public_key: Point,
    randomized: Point,
    bar: Point,
    t: Point,
) -> None:
    if not isinstance(transcript, Transcript):
        raise InvalidInput("a Transcript is required")
    transcript.append(_LABEL_VALUE, be.g1_encode(value))
    transcript.append(_LABEL_KEY, be.g2_encode(public_key))
    transcript.append(_LABEL_WITNESS, be.g1_encode(randomized))
    transcript.append(_LABEL_BAR, be.g1_encode(bar))
    transcript.append(_LABEL_T, be.g1_encode(t))


@dataclass(frozen=True, eq=False)
class MembershipProof:
    """The accumulator part of a composed proof: ``C'``, ``Cbar`` and the response ``r^``.

    The challenge and ``y``'s response belong to the enclosing proof.
    """

    randomized_witness: Point
    blinded_witness: Point
    r_response: int
    backend: Backend[Any, Any] = field(default_factory=default_backend, repr=False)

    def __post_init__(self) -> None:
        _scalar(self.r_response, "r^")
        be = self.backend
        if be.g1_is_identity(self.randomized_witness) or be.g1_is_identity(self.blinded_witness):
            raise InvalidInput("C' and Cbar are never the identity")

    def to_bytes(self) -> bytes:
        """``C' || Cbar || r^`` (128 bytes)."""
        be = self.backend
        return (
            be.g1_encode(self.randomized_witness)
            + be.g1_encode(self.blinded_witness)
            + self.r_response.to_bytes(SCALAR_SIZE, "big")
        )

    @classmethod
    def from_bytes(
        cls, data: bytes, *, backend: Backend[Any, Any] | None = None
    ) -> MembershipProof:
        """Decode :meth:`to_bytes`; :class:`zk.InvalidInput`/:class:`zk.InvalidPoint` on defects."""
        be = default_backend() if backend is None else backend
        if not isinstance(data, (bytes, bytearray)) or len(data) != MEMBERSHIP_PROOF_SIZE:
            raise InvalidInput(f"a membership proof is {MEMBERSHIP_PROOF_SIZE} bytes")
        data = bytes(data)
        return cls(
            be.g1_decode(data[:G1_SIZE]),
            be.g1_decode(data[G1_SIZE : 2 * G1_SIZE]),
            _scalar(int.from_bytes(data[2 * G1_SIZE :], "big"), "r^"),
            be,
        )


class MembershipProver:
    """The prover's side of the composed proof (commit, then respond to the shared challenge).

    ``value`` must be the accumulator value the verifier will use; a witness for another value
    raises :class:`StaleWitness` (update the witness first). ``y_blinding`` is ``y~``, the
    blinding the enclosing proof uses for ``y``. Each prover answers one challenge only.
    """

    __slots__ = ("_be", "_bar", "_done", "_r", "_r_tilde", "_randomized", "_t", "_witness")

    def __init__(
        self,
        witness: Witness,
        value: Point,
        *,
        y_blinding: int,
        rng: Callable[[], int] | None = None,
    ) -> None:
        if not isinstance(witness, Witness):
            raise InvalidInput("a Witness is required")
        _scalar(y_blinding, "y~")
        be = witness.backend
        if not be.g1_eq(value, witness.value):
            raise StaleWitness("the witness is for another accumulator value")
        self._witness, self._be = witness, be
        self._r = _draw(rng)
        self._r_tilde = _draw(rng)
        y = witness.element
        self._randomized = be.g1_mul(witness.point, self._r)
        # Cbar = r*V - y*C' (= alpha*C'); T = r~*V - y~*C'.
        self._bar = be.g1_msm([value, self._randomized], [self._r, -y % R])
        self._t = be.g1_msm([value, self._randomized], [self._r_tilde, -y_blinding % R])
        self._done = 0

    def commit(self, transcript: Transcript) -> None:
        """Append ``V``, ``Q~``, ``C'``, ``Cbar`` and ``T`` to ``transcript`` (once)."""
        if self._done:
            raise InvalidInput("this prover has already committed")
        w = self._witness
        _append_commitment(
            transcript, self._be, w.value, w.public_key, self._randomized, self._bar, self._t
        )
        self._done = 1

    def respond(self, challenge: int) -> MembershipProof:
        """``r^ = r~ + c*r``; the prover's randomness is then discarded (one response only)."""
        if self._done != 1:
            raise InvalidInput("commit first, and respond to one challenge only")
        c = _scalar(challenge, "the challenge", 1)
        response = (self._r_tilde + c * self._r) % R
        self._done = 2
        self._r = self._r_tilde = 0
        return MembershipProof(self._randomized, self._bar, response, self._be)


@dataclass(frozen=True, eq=False)
class MembershipCheck:
    """What the verifier of a composed proof needs from the accumulator part.

    :meth:`append_to` writes the same records as :meth:`MembershipProver.commit` (with the
    recomputed ``T``), so the caller rebuilds the transcript and compares challenges;
    :attr:`pairs` must satisfy ``prod e(g1, g2) == 1``: the caller folds them, weighted by a
    random scalar, into its one multi-pairing check (or calls :meth:`check_pairing`).
    """

    value: Point
    public_key: Point
    proof: MembershipProof
    commitment: Point
    backend: Backend[Any, Any] = field(repr=False)

    @property
    def pairs(self) -> list[tuple[Point, Point]]:
        """``[(C', Q~), (-Cbar, P~)]``."""
        be = self.backend
        return [
            (self.proof.randomized_witness, self.public_key),
            (be.g1_neg(self.proof.blinded_witness), be.g2_generator()),
        ]

    def append_to(self, transcript: Transcript) -> None:
        """Append ``V``, ``Q~``, ``C'``, ``Cbar`` and the recomputed ``T``."""
        p = self.proof
        _append_commitment(
            transcript,
            self.backend,
            self.value,
            self.public_key,
            p.randomized_witness,
            p.blinded_witness,
            self.commitment,
        )

    def check_pairing(self) -> None:
        """Raise :class:`zk.VerificationError` unless ``e(C', Q~) == e(Cbar, P~)``."""
        g1s, g2s = zip(*self.pairs, strict=True)
        if not self.backend.pairing_check(list(g1s), list(g2s)):
            raise VerificationError("the accumulator membership proof does not verify")


def membership_verification(
    proof: MembershipProof,
    value: Point,
    public_key: Point,
    y_response: int,
    challenge: int,
) -> MembershipCheck:
    """Recompute ``T = r^*V - y^*C' - c*Cbar`` and return the checks left to the caller."""
    if not isinstance(proof, MembershipProof):
        raise InvalidInput("a MembershipProof is required")
    y_hat = _scalar(y_response, "y^")
    c = _scalar(challenge, "the challenge", 1)
    be = proof.backend
    if be.g1_is_identity(value):
        raise InvalidInput("an accumulator value is never the identity")
    t = be.g1_msm(
        [value, proof.randomized_witness, proof.blinded_witness],
        [proof.r_response, -y_hat % R, -c % R],
    )
    return MembershipCheck(value, public_key, proof, t, be)


@dataclass(frozen=True, eq=False)
class StandaloneMembershipProof:
    """A self-contained membership proof: :class:`MembershipProof`, challenge, ``y^``."""

    proof: MembershipProof
    challenge: int
    y_response: int

    def __post_init__(self) -> None:
        if not isinstance(self.proof, MembershipProof):
            raise InvalidInput("a MembershipProof is required")
        _scalar(self.challenge, "the challenge", 1)
        _scalar(self.y_response, "y^")

    def to_bytes(self) -> bytes:
        """``C' || Cbar || r^ || c || y^`` (192 bytes)."""
        return (
            self.proof.to_bytes()
            + self.challenge.to_bytes(SCALAR_SIZE, "big")
            + self.y_response.to_bytes(SCALAR_SIZE, "big")
        )

    @classmethod
    def from_bytes(
        cls, data: bytes, *, backend: Backend[Any, Any] | None = None
    ) -> StandaloneMembershipProof:
        """Decode :meth:`to_bytes`."""
        if not isinstance(data, (bytes, bytearray)) or len(data) != STANDALONE_PROOF_SIZE:
            raise InvalidInput(f"a standalone membership proof is {STANDALONE_PROOF_SIZE} bytes")
        data = bytes(data)
        proof = MembershipProof.from_bytes(data[:MEMBERSHIP_PROOF_SIZE], backend=backend)
        rest = data[MEMBERSHIP_PROOF_SIZE:]
        return cls(
            proof,
            _scalar(int.from_bytes(rest[:SCALAR_SIZE], "big"), "the challenge", 1),
            _scalar(int.from_bytes(rest[SCALAR_SIZE:], "big"), "y^"),
        )


def _standalone_transcript(context: bytes) -> Transcript:
    if not isinstance(context, bytes):
        raise InvalidInput("the context must be bytes")
    transcript = Transcript(PROTOCOL)
    transcript.append(_LABEL_CONTEXT, context)
    return transcript


def prove_membership(
    witness: Witness,
    *,
    value: Point | None = None,
    context: bytes = b"",
    rng: Callable[[], int] | None = None,
) -> StandaloneMembershipProof:
    """Prove membership of the witness's element in ``value`` (default: the witness's value)
    with a transcript of its own, bound to ``context`` (e.g. the verifier's nonce)."""
    if not isinstance(witness, Witness):
        raise InvalidInput("a Witness is required")
    transcript = _standalone_transcript(context)
    y_tilde = _draw(rng)
    prover = MembershipProver(
        witness, witness.value if value is None else value, y_blinding=y_tilde, rng=rng
    )
    prover.commit(transcript)
    c = transcript.challenge_scalar(_LABEL_CHALLENGE)
    proof = prover.respond(c)
    return StandaloneMembershipProof(proof, c, (y_tilde + c * witness.element) % R)


def verify_membership(
    proof: StandaloneMembershipProof,
    value: Point,
    public_key: Point,
    *,
    context: bytes = b"",
) -> None:
    """Verify a :func:`prove_membership` proof; :class:`zk.VerificationError` if it fails."""
    if not isinstance(proof, StandaloneMembershipProof):
        raise InvalidInput("a StandaloneMembershipProof is required")
    transcript = _standalone_transcript(context)
    check = membership_verification(
        proof.proof, value, public_key, proof.y_response, proof.challenge
    )
    check.append_to(transcript)
    if transcript.challenge_scalar(_LABEL_CHALLENGE) != proof.challenge:
        raise VerificationError("the accumulator membership proof does not verify")
    check.check_pairing()
