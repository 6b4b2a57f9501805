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
    "PROTOCOL",
    "CredentialStatement",
    "CredentialWitness",
    "prove",
    "verify",
]

#: The transcript's protocol label (§4): the version is part of it.
PROTOCOL = b"chancery-zk-presentation/1"
_VERSION = 1
_OPS = {">=": 1, "<=": 2, "between": 3, "!=": 4}
_WEIGHT_BITS = 128
#: The Bulletproofs' inner-product argument folds its vectors down to this length and then
#: sends them (§5.4): for a 16-bit predicate the vectors go whole, as in §4.1 of the paper.
IPA_FLOOR = 16


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


def _signed(scalar: int) -> int:
    """The signed integer of a claim scalar (inverse of ``v mod r`` for ``|v| < 2^62``)."""
    return scalar if scalar < R // 2 else scalar - R


def _absorb_statement(
    t: Transcript, request: PresentationRequest, st: Sequence[CredentialStatement]
) -> None:
    """Item 1 and 2 of §4: the version, the request and every credential's public statement."""
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
    _absorb_statement(t, request, statements)
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
            values = pred.committed_values(value, low, high)
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
                ipa_floor=IPA_FLOOR,
            )
            proofs.append(proof.to_bytes())
        range_proofs.append(proofs)
    c = t.challenge_scalar(b"c")
    # §8: per credential its first moves (transcript order), its range proofs, its responses;
    # then the link secret's response. The challenge is not sent: the verifier draws it.
    out: list[bytes] = []
    link_response = (link_t + c * witnesses[0].scalars[statements[0].link_index]) % R
    for s, w, mv, proofs in zip(statements, witnesses, moves, range_proofs, strict=True):
        m = list(w.scalars)
        out += [bk.g1_encode(point) for point in mv.points]
        out += proofs
        out += [
            _s((mv.e_t + w.e * c) % R),
            _s((mv.r1_t - mv.r1 * c) % R),
            _s((mv.r3_t - mv.r3 * c) % R),
        ]
        for i in s.hidden:
            if i != s.link_index:
                out.append(_s((mv.tildes[i] + m[i] * c) % R))
        for k, (_, pred, low, high, _bits) in enumerate(s.predicates):
            # A blinding enters its linking relation with the sign of its commitment (§5.4).
            signs = [sign for sign, _ in _link_shapes(pred, low, high)]
            out += [
                _s((gt + sign * g * c) % R)
                for gt, g, sign in zip(mv.gamma_tildes[k], mv.gammas[k], signs, strict=True)
            ]
            inv = mv.inverse[k]
            if inv is not None:
                wv, tv, wt, tt = inv
                out += [_s((wt + wv * c) % R), _s((tt + tv * c) % R)]
        if mv.acc is not None:
            _, _, rho, rho_t = mv.acc
            out.append(_s((rho_t + rho * c) % R))
    out.append(_s(link_response))
    return b"".join(out)


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
    """One credential's part of a proof, decoded."""

    points: list[Any]  # the first moves, in transcript order
    abar: Any
    bbar: Any
    d: Any
    t1: Any
    t2: Any
    nym: Any | None
    ut: Any | None
    commitments: list[list[Any]]
    links: list[list[Any]]  # T_V per committed value
    inverse_commitments: list[Any | None]  # T_ne for '!='
    range_proofs: list[zrange.RangeProof | None]
    acc: tuple[Any, Any, Any] | None  # C', Cbar, T_acc
    e_hat: int
    r1_hat: int
    r3_hat: int
    responses: dict[int, int]
    gamma_hats: list[list[int]]
    inverse_hats: list[tuple[int, int] | None]
    rho_hat: int | None


@dataclass(frozen=True)
class Verified:
    """What a verified presentation shows: the pseudonym (if asked) and the proof's size."""

    pseudonym: bytes | None
    size: int


def parse(
    statements: Sequence[CredentialStatement], presentation: bytes, bk: Backend[Any, Any]
) -> tuple[list[_Parsed], int, list[tuple[str, int, int]]]:
    """Decode every field of a proof (``InvalidInput`` on any defect) and record the span
    ``(name, offset, size)`` of each; lengths follow from the statements alone (§8)."""
    if not isinstance(presentation, bytes):
        raise InvalidInput("a presentation proof is bytes")
    reader = _Reader(presentation, bk)
    parsed: list[_Parsed] = []
    for s in statements:
        abar, bbar, d = reader.point("Abar"), reader.point("Bbar"), reader.point("D")
        t1, t2 = reader.point("T1"), reader.point("T2")
        points = [abar, bbar, d, t1, t2]
        nym = ut = None
        if s.query.pseudonym:
            nym, ut = reader.point("pseudonym"), reader.point("Ut")
            points += [nym, ut]
        commitments: list[list[Any]] = []
        links: list[list[Any]] = []
        inverse_commitments: list[Any | None] = []
        for _index, pred, _low, _high, _bits in s.predicates:
            count = 2 if pred.op == "between" else 1
            commitments.append([reader.point("commitment") for _ in range(count)])
            links.append([reader.point("T_V") for _ in range(count)])
            points += commitments[-1] + links[-1]
            inverse_commitments.append(reader.point("T_ne") if pred.op == "!=" else None)
            if pred.op == "!=":
                points.append(inverse_commitments[-1])
        acc = None
        if s.accumulator is not None:
            acc = (reader.point("C'"), reader.point("Cbar"), reader.point("T_acc"))
            points += list(acc)
        proofs: list[zrange.RangeProof | None] = []
        for _index, pred, _low, _high, bits in s.predicates:
            if pred.op == "!=":
                proofs.append(None)
                continue
            count = 2 if pred.op == "between" else 1
            size = zrange.proof_size(count, bits, ipa_floor=IPA_FLOOR)
            chunk = reader.take(size, f"range-proof:{count}:{bits}")
            proofs.append(
                zrange.RangeProof.from_bytes(chunk, count, bits, backend=bk, ipa_floor=IPA_FLOOR)
            )
        e_hat, r1_hat, r3_hat = reader.scalar("e^"), reader.scalar("r1^"), reader.scalar("r3^")
        responses = {i: reader.scalar(f"m^{i}") for i in s.hidden if i != s.link_index}
        gamma_hats: list[list[int]] = []
        inverse_hats: list[tuple[int, int] | None] = []
        for k, (_index, pred, _low, _high, _bits) in enumerate(s.predicates):
            gamma_hats.append([reader.scalar("gamma^") for _ in commitments[k]])
            inverse_hats.append(
                (reader.scalar("w^"), reader.scalar("t^")) if pred.op == "!=" else None
            )
        rho_hat = reader.scalar("rho^") if acc is not None else None
        parsed.append(
            _Parsed(
                points,
                abar,
                bbar,
                d,
                t1,
                t2,
                nym,
                ut,
                commitments,
                links,
                inverse_commitments,
                proofs,
                acc,
                e_hat,
                r1_hat,
                r3_hat,
                responses,
                gamma_hats,
                inverse_hats,
                rho_hat,
            )
        )
    link_hat = reader.scalar("link^")
    reader.end()
    return parsed, link_hat, reader.spans


class _Terms:
    """The terms of the one multi-scalar multiplication of §6, a point's scalars summed."""

    def __init__(self) -> None:
        self.points: list[Any] = []
        self.scalars: list[int] = []
        self._index: dict[int, int] = {}

    def add(self, point: Any, scalar: int) -> None:
        key = id(point)
        at = self._index.get(key)
        if at is None:
            self._index[key] = len(self.points)
            self.points.append(point)
            self.scalars.append(scalar % R)
        else:
            self.scalars[at] = (self.scalars[at] + scalar) % R

    def relation(self, weight: int, terms: Sequence[tuple[Any, int]]) -> None:
        """Add ``weight * sum(scalar * point)``: a relation that must be the identity."""
        for point, scalar in terms:
            self.add(point, weight * scalar)


def _weight() -> int:
    return secrets.randbits(_WEIGHT_BITS) | 1


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

    Every field is parsed (``InvalidInput`` for a malformed one) before any check. The
    challenge is drawn from the rebuilt transcript; every Schnorr relation, every Bulletproof
    equation and both pairing equations of each credential are then checked together: one
    multi-scalar multiplication and one multi-pairing, each relation under its own random
    128-bit weight.
    """
    bk = backend
    parsed, link_hat, _ = parse(statements, presentation, bk)
    t = Transcript(PROTOCOL)
    _absorb_statement(t, request, statements)
    for p in parsed:
        for point in p.points:
            t.append(b"point", bk.g1_encode(point))
    terms = _Terms()
    for s, p in zip(statements, parsed, strict=True):
        for k, (_, _pred, _, _, bits) in enumerate(s.predicates):
            proof = p.range_proofs[k]
            if proof is None:
                continue
            pts, scs = zrange.verification_terms(
                t, p.commitments[k], proof, bits, gens=gens, backend=bk, ipa_floor=IPA_FLOOR
            )
            weight = _weight()
            for point, scalar in zip(pts, scs, strict=True):
                terms.add(point, weight * scalar)
    c = t.challenge_scalar(b"c")
    neg_c = R - c
    g1s: list[Any] = []
    g2s: list[Any] = []
    for number, (s, p) in enumerate(zip(statements, parsed, strict=True)):
        hats = dict(p.responses)
        hats[s.link_index] = link_hat
        # §5.1: T1 = c·B̄ + ê·Ā + r̂1·D and T2 = c·(P1 + Q1·domain + Σ H_i m_i) + r̂3·D + Σ m̂_j H_j.
        terms.relation(_weight(), [(p.bbar, c), (p.abar, p.e_hat), (p.d, p.r1_hat), (p.t1, R - 1)])
        t2_terms = [(s.p1, c), (s.q1, s.domain * c), (p.d, p.r3_hat), (p.t2, R - 1)]
        t2_terms += [(s.generators[i], v * c) for i, v in s.disclosed.items()]
        t2_terms += [(s.generators[i], hats[i]) for i in s.hidden]
        terms.relation(_weight(), t2_terms)
        if p.nym is not None:
            # §5.3: U_t = n̂·OP − c·nym.
            terms.relation(
                _weight(), [(nym_base, hats[s.nym_index]), (p.nym, neg_c), (p.ut, R - 1)]
            )
        for k, (index, pred, low, high, _bits) in enumerate(s.predicates):
            m_hat = hats[index]
            for v_point, t_v, g_hat, (sign, bound) in zip(
                p.commitments[k],
                p.links[k],
                p.gamma_hats[k],
                _link_shapes(pred, low, high),
                strict=True,
            ):
                # §5.4: T_V = m̂·G + γ̂·H − c·target, target = sign·V + bound·G.
                terms.relation(
                    _weight(),
                    [
                        (gens.g, m_hat - c * bound),
                        (gens.h, g_hat),
                        (v_point, neg_c * sign),
                        (t_v, R - 1),
                    ],
                )
            inv_hats, t_ne = p.inverse_hats[k], p.inverse_commitments[k]
            if inv_hats is not None and t_ne is not None:
                w_hat, t_hat = inv_hats
                terms.relation(
                    _weight(),
                    [(p.commitments[k][0], w_hat), (gens.h, t_hat), (gens.g, neg_c), (t_ne, R - 1)],
                )
        # e(Ā, W) = e(B̄, P̃): the first credential's with weight 1, the others weighted.
        weight = 1 if number == 0 else _weight()
        g1s.append(p.abar if weight == 1 else bk.g1_mul(p.abar, weight))
        g2s.append(s.w)
        terms.add(p.bbar, weight)
        if p.acc is not None and s.accumulator is not None and p.rho_hat is not None:
            c_prime, c_bar, t_acc = p.acc
            q_tilde, _, v_acc, _, _ = s.accumulator
            # §5.5: T_acc = ρ̂·V − ŷ·C' − c·C̄, and e(C', Q̃) = e(C̄, P̃).
            terms.relation(
                _weight(),
                [
                    (v_acc, p.rho_hat),
                    (c_prime, R - hats[s.handle_index]),
                    (c_bar, neg_c),
                    (t_acc, R - 1),
                ],
            )
            weight = _weight()
            g1s.append(bk.g1_mul(c_prime, weight))
            g2s.append(q_tilde)
            terms.add(c_bar, weight)
    # The P̃ argument carries B̄ and C̄ of the pairing equations plus every relation, which is
    # the identity when the proof is valid (§6).
    g1s.append(bk.g1_msm(terms.points, terms.scalars))
    g2s.append(neg_p2)
    if not bk.pairing_check(g1s, g2s):
        raise VerificationError("the presentation does not verify")
    nym_bytes = None
    for p in parsed:
        if p.nym is not None:
            nym_bytes = bk.g1_encode(p.nym)
    return Verified(nym_bytes, len(presentation))


def _link_shapes(pred: Predicate, low: int, high: int | None) -> list[tuple[int, int]]:
    """``(sign, bound)`` of each commitment's linking target ``sign·V + bound·G`` (§5.4)."""
    if pred.op in (">=", "!="):
        return [(1, low)]
    if pred.op == "<=":
        return [(-1, low)]
    assert high is not None  # noqa: S101 - validated by Predicate
    return [(1, low), (-1, high)]
