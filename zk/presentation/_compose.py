"""The composed proof: BBS proofs of knowledge, link secret, pseudonym, predicates and
non-revocation under one Fiat–Shamir challenge (specs/zk-presentation.md §4–§6, §8).

This module is the arithmetic. :mod:`._api` wraps it in the issuer/holder/verifier API.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import range as zrange
from .._errors import InvalidInput, VerificationError
from .._transcript import Transcript
from ..curve import G1_SIZE, SCALAR_SIZE, Backend, R
from ._types import CredentialQuery, Predicate, PresentationRequest

__all__ = [
    "MAGIC",
    "PROTOCOL",
    "CredentialStatement",
    "CredentialWitness",
    "prove",
    "verify",
]

#: The transcript's protocol label (§4): the version is part of it.
PROTOCOL = b"chancery-zk-presentation/1"
#: The first bytes of an encoded presentation (§8).
MAGIC = b"CZP1"
_VERSION = 1
_OPS = {">=": 1, "<=": 2, "between": 3, "!=": 4}
_WEIGHT_BITS = 128


def _rand() -> int:
    return secrets.randbelow(R - 1) + 1


def _s(value: int) -> bytes:
    return value.to_bytes(SCALAR_SIZE, "big")


@dataclass(frozen=True)
class CredentialStatement:
    """The public side of one credential of the presentation, resolved to scalars and points.

    ``generators`` are ``H_0 .. H_{N-1}`` in signing order (backend points), ``disclosed`` maps
    an index to its scalar, ``predicates`` are ``(index, predicate, low, high)`` with the bounds
    as signed integers. ``accumulator`` is ``(Q~ point, epoch, V point, V bytes, Q~ bytes)`` when
    non-revocation is asked.
    """

    query: CredentialQuery
    header: bytes
    public_key: bytes
    w: Any
    p1: Any
    q1: Any
    domain: int
    generators: Sequence[Any]
    disclosed: dict[int, int]
    link_index: int
    nym_index: int
    handle_index: int
    predicates: Sequence[tuple[int, Predicate, int, int | None, int]]
    accumulator: tuple[Any, int, Any, bytes, bytes] | None

    @property
    def count(self) -> int:
        return len(self.generators)

    @property
    def hidden(self) -> list[int]:
        return [i for i in range(self.count) if i not in self.disclosed]


@dataclass(frozen=True)
class CredentialWitness:
    """The holder's secrets for one credential: signature, every signed scalar, witness."""

    a: Any
    e: int
    scalars: Sequence[int]
    #: The accumulator membership witness ``C`` (backend point) or ``None``.
    membership: Any | None


def _ranges(pred: Predicate, m: int, low: int, high: int | None) -> list[int]:
    """The values proven in range for a predicate on the signed integer ``m``."""
    if pred.op == ">=":
        return [m - low]
    if pred.op == "<=":
        return [low - m]
    if pred.op == "between":
        assert high is not None  # noqa: S101 - validated by Predicate
        return [m - low, high - m]
    return []


def _signed(scalar: int) -> int:
    """The signed integer of a claim scalar (inverse of ``v mod r`` for ``|v| < 2^62``)."""
    return scalar if scalar < R // 2 else scalar - R


def _absorb_statement(
    t: Transcript,
    request: PresentationRequest,
    st: Sequence[CredentialStatement],
    bk: Backend[Any, Any],
) -> None:
    t.append_u64(b"version", _VERSION)
    t.append(b"nonce", request.nonce)
    t.append(b"audience", request.audience.encode())
    t.append(b"scope", b"" if request.scope is None else request.scope.encode())
    t.append_u64(b"credentials", len(st))
    for s in st:
        t.append(b"public-key", s.public_key)
        t.append(b"header", s.header)
        t.append_u64(b"messages", s.count)
        t.append_u64(b"disclosed", len(s.disclosed))
        for index in sorted(s.disclosed):
            t.append_u64(b"index", index)
            t.append_scalar(b"value", s.disclosed[index])
        t.append_u64(b"predicates", len(s.predicates))
        for index, pred, low, high, bits in s.predicates:
            t.append_u64(b"index", index)
            t.append_u64(b"op", _OPS[pred.op])
            t.append_scalar(b"low", low % R)
            t.append_scalar(b"high", 0 if high is None else high % R)
            t.append_u64(b"bits", bits)
        if s.accumulator is None:
            t.append(b"accumulator", b"")
        else:
            _, epoch, _, value, key = s.accumulator
            t.append(b"accumulator", key + value)
            t.append_u64(b"epoch", epoch)
        t.append_u64(b"pseudonym", int(s.query.pseudonym))


# ------------------------------------------------------------------------------ proving


@dataclass
class _Moves:
    """One credential's secrets and first moves while proving."""

    points: list[Any]  # everything written to the transcript, in order
    abar: Any
    bbar: Any
    d: Any
    r1: int
    r3: int
    e_t: int
    r1_t: int
    r3_t: int
    tildes: dict[int, int]
    nym: Any | None
    commitments: list[list[Any]]  # per predicate
    gammas: list[list[int]]
    gamma_tildes: list[list[int]]
    inverse: list[tuple[int, int, int, int] | None]  # (w, t, w~, t~) for '!='
    ranges: list[list[int]]
    acc: tuple[Any, Any, int, int] | None  # C', Cbar, rho, rho~


def prove(
    request: PresentationRequest,
    statements: Sequence[CredentialStatement],
    witnesses: Sequence[CredentialWitness],
    *,
    backend: Backend[Any, Any],
    nym_base: Any | None,
    gens: zrange.BulletproofGens,
) -> bytes:
    """A presentation (bytes, §8) proving ``statements`` with ``witnesses``.

    The caller has checked that the witnesses satisfy the statements (claims, predicates,
    signature, membership); arithmetic here would otherwise produce a proof that fails.
    """
    bk = backend
    t = Transcript(PROTOCOL)
    _absorb_statement(t, request, statements, bk)
    link_t = _rand()
    moves: list[_Moves] = []
    for s, w in zip(statements, witnesses, strict=True):
        m = list(w.scalars)
        tildes = {i: (link_t if i == s.link_index else _rand()) for i in s.hidden}
        r1, r2, e_t, r1_t, r3_t = (_rand() for _ in range(5))
        b_scalars = [r2, s.domain * r2 % R, *(v * r2 % R for v in m)]
        d = bk.g1_msm([s.p1, s.q1, *s.generators], b_scalars)
        abar = bk.g1_mul(w.a, r1 * r2 % R)
        bbar = bk.g1_msm([d, abar], [r1, (-w.e) % R])
        t1 = bk.g1_msm([abar, d], [e_t, r1_t])
        hidden = s.hidden
        t2 = bk.g1_msm(
            [d, *(s.generators[i] for i in hidden)], [r3_t, *(tildes[i] for i in hidden)]
        )
        points = [abar, bbar, d, t1, t2]
        nym = None
        if s.query.pseudonym:
            assert nym_base is not None  # noqa: S101 - the API passes it with a scope
            nym = bk.g1_mul(nym_base, m[s.nym_index])
            points += [nym, bk.g1_mul(nym_base, tildes[s.nym_index])]
        commitments: list[list[Any]] = []
        gammas: list[list[int]] = []
        gamma_tildes: list[list[int]] = []
        inverses: list[tuple[int, int, int, int] | None] = []
        ranges: list[list[int]] = []
        for index, pred, low, high, _bits in s.predicates:
            value = _signed(m[index])
            values = _ranges(pred, value, low, high) if pred.op != "!=" else [value - low]
            gs = [_rand() for _ in values]
            cs = [bk.g1_msm([gens.g, gens.h], [v % R, g]) for v, g in zip(values, gs, strict=True)]
            gts = [_rand() for _ in values]
            points += cs
            # Linking commitments, one per committed value (table of §5.4).
            for gt in gts:
                points.append(bk.g1_msm([gens.g, gens.h], [tildes[index], gt]))
            inv = None
            if pred.op == "!=":
                wv = pow(values[0] % R, -1, R)
                tv = (-wv * gs[0]) % R
                wt, tt = _rand(), _rand()
                points.append(bk.g1_msm([cs[0], gens.h], [wt, tt]))
                inv = (wv, tv, wt, tt)
                ranges.append([])
            else:
                ranges.append(values)
            commitments.append(cs)
            gammas.append(gs)
            gamma_tildes.append(gts)
            inverses.append(inv)
        acc = None
        if s.accumulator is not None:
            if w.membership is None:
                raise InvalidInput("non-revocation is asked but the credential has no witness")
            _, _, v_acc, _, _ = s.accumulator
            rho, rho_t = _rand(), _rand()
            c_prime = bk.g1_mul(w.membership, rho)
            c_bar = bk.g1_msm([v_acc, c_prime], [rho, (-m[s.handle_index]) % R])
            t_acc = bk.g1_msm([v_acc, c_prime], [rho_t, (-tildes[s.handle_index]) % R])
            points += [c_prime, c_bar, t_acc]
            acc = (c_prime, c_bar, rho, rho_t)
        for point in points:
            t.append(b"point", bk.g1_encode(point))
        moves.append(
            _Moves(
                points,
                abar,
                bbar,
                d,
                r1,
                pow(r2, -1, R),
                e_t,
                r1_t,
                r3_t,
                tildes,
                nym,
                commitments,
                gammas,
                gamma_tildes,
                inverses,
                ranges,
                acc,
            )
        )
    # Step 4 of §4: the Bulletproofs, drawing their challenges from the same transcript.
    range_proofs: list[list[bytes]] = []
    for s, mv in zip(statements, moves, strict=True):
        proofs = []
        for k, (_, _, _, _, bits) in enumerate(s.predicates):
            if not mv.ranges[k]:
                proofs.append(b"")
                continue
            _, proof = zrange.prove(
                t,
                [v % R for v in mv.ranges[k]],
                mv.gammas[k],
                bits,
                backend=bk,
                gens=gens,
                commitments=mv.commitments[k],
            )
            proofs.append(proof.to_bytes())
        range_proofs.append(proofs)
    c = t.challenge_scalar(b"c")
    out: list[bytes] = []
    link_response = (link_t + c * witnesses[0].scalars[statements[0].link_index]) % R
    for s, w, mv, proofs in zip(statements, witnesses, moves, range_proofs, strict=True):
        m = list(w.scalars)
        out += [bk.g1_encode(mv.abar), bk.g1_encode(mv.bbar), bk.g1_encode(mv.d)]
        out += [
            _s((mv.e_t + w.e * c) % R),
            _s((mv.r1_t - mv.r1 * c) % R),
            _s((mv.r3_t - mv.r3 * c) % R),
        ]
        for i in s.hidden:
            if i != s.link_index:
                out.append(_s((mv.tildes[i] + m[i] * c) % R))
        if mv.nym is not None:
            out.append(bk.g1_encode(mv.nym))
        for k in range(len(s.predicates)):
            out += [bk.g1_encode(p) for p in mv.commitments[k]]
            signs = _gamma_signs(s.predicates[k][1])
            out += [
                _s((gt + sign * g * c) % R)
                for gt, g, sign in zip(mv.gamma_tildes[k], mv.gammas[k], signs, strict=True)
            ]
            inv = mv.inverse[k]
            if inv is not None:
                wv, tv, wt, tt = inv
                out += [_s((wt + wv * c) % R), _s((tt + tv * c) % R)]
            out.append(proofs[k])
        if mv.acc is not None:
            c_prime, c_bar, rho, rho_t = mv.acc
            out += [bk.g1_encode(c_prime), bk.g1_encode(c_bar), _s((rho_t + rho * c) % R)]
    out += [_s(link_response), _s(c)]
    return b"".join(out)


def _gamma_signs(pred: Predicate) -> list[int]:
    """The sign of each commitment's blinding in its linking relation (table of §5.4)."""
    if pred.op == "<=":
        return [-1]
    if pred.op == "between":
        return [1, -1]
    return [1]


# ------------------------------------------------------------------------------ verifying


class _Reader:
    """Reads the fields of a proof in order, recording where each one lies (:func:`fields`)."""

    def __init__(self, data: bytes, bk: Backend[Any, Any]) -> None:
        self._data = data
        self._at = 0
        self._bk = bk
        self.spans: list[tuple[str, int, int]] = []

    def take(self, size: int, name: str = "range-proof") -> bytes:
        if self._at + size > len(self._data):
            raise InvalidInput("the presentation is truncated")
        chunk = self._data[self._at : self._at + size]
        self.spans.append((name, self._at, size))
        self._at += size
        return chunk

    def point(self, name: str = "point") -> Any:
        return self._bk.g1_decode(self.take(G1_SIZE, name))

    def scalar(self, name: str = "scalar") -> int:
        value = int.from_bytes(self.take(SCALAR_SIZE, name), "big")
        if value >= R:
            raise InvalidInput("a presentation scalar is not reduced modulo r")
        return value

    def end(self) -> None:
        if self._at != len(self._data):
            raise InvalidInput("the presentation has trailing bytes")


@dataclass
class _Parsed:
    abar: Any
    bbar: Any
    d: Any
    e_hat: int
    r1_hat: int
    r3_hat: int
    responses: dict[int, int]
    nym: Any | None
    commitments: list[list[Any]]
    gamma_hats: list[list[int]]
    inverse_hats: list[tuple[int, int] | None]
    range_proofs: list[zrange.RangeProof | None]
    acc: tuple[Any, Any, int] | None


@dataclass(frozen=True)
class Verified:
    """What a verified presentation shows: disclosed scalars per credential and the pseudonym."""

    pseudonym: bytes | None
    size: int


def parse(
    statements: Sequence[CredentialStatement], presentation: bytes, bk: Backend[Any, Any]
) -> tuple[list[_Parsed], int, int, list[tuple[str, int, int]]]:
    """Decode every field of a proof (``InvalidInput`` on any defect) and record the span
    ``(name, offset, size)`` of each; lengths follow from the statements alone (§8)."""
    if not isinstance(presentation, bytes):
        raise InvalidInput("a presentation proof is bytes")
    reader = _Reader(presentation, bk)
    parsed: list[_Parsed] = []
    for s in statements:
        abar, bbar, d = reader.point("Abar"), reader.point("Bbar"), reader.point("D")
        e_hat, r1_hat, r3_hat = reader.scalar("e^"), reader.scalar("r1^"), reader.scalar("r3^")
        responses = {i: reader.scalar(f"m^{i}") for i in s.hidden if i != s.link_index}
        nym = reader.point("pseudonym") if s.query.pseudonym else None
        commitments: list[list[Any]] = []
        gamma_hats: list[list[int]] = []
        inverse_hats: list[tuple[int, int] | None] = []
        proofs: list[zrange.RangeProof | None] = []
        for _index, pred, _low, _high, bits in s.predicates:
            count = 2 if pred.op == "between" else 1
            commitments.append([reader.point("commitment") for _ in range(count)])
            gamma_hats.append([reader.scalar("gamma^") for _ in range(count)])
            if pred.op == "!=":
                inverse_hats.append((reader.scalar("w^"), reader.scalar("t^")))
                proofs.append(None)
            else:
                inverse_hats.append(None)
                size = zrange.proof_size(count, bits)
                proofs.append(
                    zrange.RangeProof.from_bytes(reader.take(size), count, bits, backend=bk)
                )
        acc = None
        if s.accumulator is not None:
            acc = (reader.point("C'"), reader.point("Cbar"), reader.scalar("rho^"))
        parsed.append(
            _Parsed(
                abar,
                bbar,
                d,
                e_hat,
                r1_hat,
                r3_hat,
                responses,
                nym,
                commitments,
                gamma_hats,
                inverse_hats,
                proofs,
                acc,
            )
        )
    link_hat = reader.scalar("link^")
    c = reader.scalar("c")
    reader.end()
    if c == 0:
        raise InvalidInput("the presentation's challenge is zero")
    return parsed, link_hat, c, reader.spans


def verify(
    request: PresentationRequest,
    statements: Sequence[CredentialStatement],
    presentation: bytes,
    *,
    backend: Backend[Any, Any],
    nym_base: Any | None,
    gens: zrange.BulletproofGens,
    neg_p2: Any,
) -> Verified:
    """Check ``presentation`` against ``statements`` (§6); ``VerificationError`` if it fails.

    Every field is parsed (``InvalidInput`` for a malformed one) before any check.
    """
    bk = backend
    parsed, link_hat, c, _ = parse(statements, presentation, bk)

    t = Transcript(PROTOCOL)
    _absorb_statement(t, request, statements, bk)
    for s, p in zip(statements, parsed, strict=True):
        hats = dict(p.responses)
        hats[s.link_index] = link_hat
        t1 = bk.g1_msm([p.bbar, p.abar, p.d], [c, p.e_hat, p.r1_hat])
        disclosed = sorted(s.disclosed)
        hidden = s.hidden
        t2 = bk.g1_msm(
            [
                s.p1,
                s.q1,
                p.d,
                *(s.generators[i] for i in disclosed),
                *(s.generators[i] for i in hidden),
            ],
            [
                c,
                s.domain * c % R,
                p.r3_hat,
                *(s.disclosed[i] * c % R for i in disclosed),
                *(hats[i] for i in hidden),
            ],
        )
        points = [p.abar, p.bbar, p.d, t1, t2]
        if p.nym is not None:
            assert nym_base is not None  # noqa: S101 - the API passes it with a scope
            ut = bk.g1_msm([nym_base, p.nym], [hats[s.nym_index], (-c) % R])
            points += [p.nym, ut]
        for k, (index, pred, low, high, _bits) in enumerate(s.predicates):
            cs = p.commitments[k]
            points += cs
            m_hat = hats.get(index)
            if m_hat is None:  # pragma: no cover - a predicate's claim is never disclosed
                raise InvalidInput("a predicate's claim is disclosed")
            targets = _link_targets(pred, cs, low, high, gens, bk)
            for target, g_hat in zip(targets, p.gamma_hats[k], strict=True):
                # T = m^·G + γ^·H − c·target, target = m·G ± γ·H.
                points.append(bk.g1_msm([gens.g, gens.h, target], [m_hat, g_hat, (-c) % R]))
            inv = p.inverse_hats[k]
            if inv is not None:
                w_hat, t_hat = inv
                points.append(bk.g1_msm([cs[0], gens.h, gens.g], [w_hat, t_hat, (-c) % R]))
        if p.acc is not None:
            assert s.accumulator is not None  # noqa: S101 - parsed only when asked
            c_prime, c_bar, rho_hat = p.acc
            _, _, v_acc, _, _ = s.accumulator
            t_acc = bk.g1_msm(
                [v_acc, c_prime, c_bar], [rho_hat, (-hats[s.handle_index]) % R, (-c) % R]
            )
            points += [c_prime, c_bar, t_acc]
        for point in points:
            t.append(b"point", bk.g1_encode(point))
    bp_points: list[Any] = []
    bp_scalars: list[int] = []
    for s, p in zip(statements, parsed, strict=True):
        for k, (_, _pred, _, _, bits) in enumerate(s.predicates):
            proof = p.range_proofs[k]
            if proof is None:
                continue
            pts, scs = zrange.verification_terms(
                t, p.commitments[k], proof, bits, gens=gens, backend=bk
            )
            weight = secrets.randbits(_WEIGHT_BITS) | 1
            bp_points += pts
            bp_scalars += [x * weight % R for x in scs]
    if t.challenge_scalar(b"c") != c:
        raise VerificationError("the presentation does not verify: challenge mismatch")
    # §6: one multi-pairing. Every e(Ā, W) = e(B̄, P̃) and e(C', Q̃) = e(C̄, P̃), and the
    # Bulletproofs' MSM folded into the P̃ argument, each with an independent random weight.
    g1s: list[Any] = []
    g2s: list[Any] = []
    p2_points = list(bp_points)
    p2_scalars = list(bp_scalars)
    for s, p in zip(statements, parsed, strict=True):
        weight = secrets.randbits(_WEIGHT_BITS) | 1
        g1s.append(bk.g1_mul(p.abar, weight))
        g2s.append(s.w)
        p2_points.append(p.bbar)
        p2_scalars.append(weight)
        if p.acc is not None:
            assert s.accumulator is not None  # noqa: S101
            c_prime, c_bar, _ = p.acc
            weight = secrets.randbits(_WEIGHT_BITS) | 1
            g1s.append(bk.g1_mul(c_prime, weight))
            g2s.append(s.accumulator[0])
            p2_points.append(c_bar)
            p2_scalars.append(weight)
    g1s.append(bk.g1_msm(p2_points, p2_scalars))
    g2s.append(neg_p2)
    if not bk.pairing_check(g1s, g2s):
        raise VerificationError("the presentation does not verify: pairing check failed")
    nym_bytes = None
    for p in parsed:
        if p.nym is not None:
            nym_bytes = bk.g1_encode(p.nym)
    return Verified(nym_bytes, len(presentation))


def _link_targets(
    pred: Predicate,
    cs: Sequence[Any],
    low: int,
    high: int | None,
    gens: zrange.BulletproofGens,
    bk: Backend[Any, Any],
) -> list[Any]:
    """``m·G ± γ·H`` of each commitment's linking relation, from public values (§5.4)."""
    if pred.op in (">=", "!="):
        return [bk.g1_msm([cs[0], gens.g], [1, low % R])]
    if pred.op == "<=":
        return [bk.g1_msm([gens.g, cs[0]], [low % R, R - 1])]
    assert high is not None  # noqa: S101 - validated by Predicate
    return [
        bk.g1_msm([cs[0], gens.g], [1, low % R]),
        bk.g1_msm([gens.g, cs[1]], [high % R, R - 1]),
    ]
