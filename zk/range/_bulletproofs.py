"""Aggregated Bulletproofs range proofs over BLS12-381 G1.

Section references (§) are to Bünz, Bootle, Boneh, Poelstra, Wuille and Maxwell, "Bulletproofs:
Short Proofs for Confidential Transactions and More", IEEE S&P 2018 (full version, ePrint
2017/1066):

* §4.1 -- the range proof for one value ``v in [0, 2^n)`` committed as ``V = v*G + gamma*H``;
* §4.2 -- the logarithmic inner-product argument (Protocol 2, with Protocol 1's ``u`` drawn as a
  challenge ``w`` and ``Q = w*G``);
* §4.3 -- aggregation of ``m`` range proofs into one of ``2*log2(n*m) + 4`` points;
* §4.4 -- the non-interactive version (Fiat--Shamir over a :class:`zk.Transcript`);
* §6.2 -- verification as one multi-scalar multiplication (the inner-product argument is
  unrolled: the verifier never folds generators, it computes the scalars ``s_i`` directly).

Notation follows the paper with 0-based indexes: ``N = n*m`` bits, ``y^N = (1, y, ..., y^{N-1})``,
value ``j`` occupies bits ``j*n .. j*n + n - 1`` and is weighted by ``z^{2+j}`` (the paper's
``z^{1+j}`` for ``j = 1..m``).

Transcript records (in order; every challenge is drawn from everything before it):
``bp-dom-sep``, ``bp-n``, ``bp-m``, ``bp-G``, ``bp-H``, ``bp-V`` (m times), ``bp-A``, ``bp-S``,
challenges ``bp-y``, ``bp-z``, then ``bp-T1``, ``bp-T2``, challenge ``bp-x``, then
``bp-tau-x``, ``bp-mu``, ``bp-t-hat``, challenge ``bp-w``, then for each round of the
inner-product argument ``bp-L``, ``bp-R`` and challenge ``bp-u``, and finally ``bp-a``,
``bp-b``. The caller's transcript therefore binds the range proof into its other sub-proofs,
and anything drawn from it afterwards depends on the whole proof.

Proof encoding (:meth:`RangeProof.to_bytes`): ``A || S || T1 || T2`` (compressed G1, 48 bytes
each), ``tau_x || mu || t_hat`` (32-byte big-endian scalars), ``L_0 || R_0 || ... ||
L_{k-1} || R_{k-1}`` with ``k = log2(n*m)``, then ``a || b``.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import weakref
from collections.abc import Sequence
from typing import Any

from .._errors import InvalidInput, VerificationError
from .._transcript import Transcript
from ..curve import G1_SIZE, SCALAR_SIZE, Backend, R, default_backend
from ._generators import BulletproofGens

__all__ = [
    "BIT_SIZES",
    "MAX_AGGREGATION",
    "RangeProof",
    "commit",
    "default_gens",
    "proof_size",
    "prove",
    "verification_terms",
    "verify",
]

#: The supported bit lengths ``n`` of the proven range ``[0, 2^n)``.
BIT_SIZES = (8, 16, 32, 64)
#: The largest number ``m`` of values in one aggregated proof (``m`` is a power of two).
MAX_AGGREGATION = 8

_DOM_SEP = b"CHANCERY-ZK-V1_BULLETPROOFS_RANGE_PROOF"
_RNG_DST = b"CHANCERY-ZK-V1_BULLETPROOFS_PROVER_RNG_"
_AGGREGATIONS = (1, 2, 4, 8)
#: Vector lengths at which the inner-product argument may stop folding (§4.2 with its last
#: rounds replaced by sending the vectors, which stay zero-knowledge: §4.1 sends them whole).
_FLOORS = (1, 2, 4, 8, 16, 32, 64)
_N_POINTS = 4  # A, S, T1, T2
_MATERIALISE_EVERY = 3  # rounds of the inner-product argument between two materialisations

_DEFAULT_GENS: weakref.WeakKeyDictionary[Any, BulletproofGens] = weakref.WeakKeyDictionary()
_DEFAULT_GENS_LOCK = threading.Lock()


def default_gens(backend: Backend[Any, Any] | None = None) -> BulletproofGens:
    """The generators with the default Pedersen bases on ``backend`` (created once per backend)."""
    bk: Backend[Any, Any] = backend if backend is not None else default_backend()
    with _DEFAULT_GENS_LOCK:
        gens = _DEFAULT_GENS.get(bk)
        if gens is None:
            gens = BulletproofGens(bk)
            _DEFAULT_GENS[bk] = gens
        return gens


def proof_size(m: int, n_bits: int, *, ipa_floor: int = 1) -> int:
    """The length in bytes of an encoded proof for ``m`` values of ``n_bits`` bits."""
    rounds, final = _ipa_shape(m, n_bits, ipa_floor)
    return (_N_POINTS + 2 * rounds) * G1_SIZE + (3 + 2 * final) * SCALAR_SIZE


def _ipa_shape(m: int, n_bits: int, ipa_floor: int) -> tuple[int, int]:
    """``(rounds, final length)`` of the inner-product argument for ``n*m`` bits that stops
    folding once the vectors are ``ipa_floor`` long (1: the full logarithmic argument)."""
    _check_shape(m, n_bits)
    if type(ipa_floor) is not int or ipa_floor not in _FLOORS:
        raise InvalidInput(f"ipa_floor must be one of {_FLOORS}")
    total = n_bits * m
    final = min(total, ipa_floor)
    return total.bit_length() - final.bit_length(), final


def _check_shape(m: object, n_bits: object) -> None:
    if type(n_bits) is not int or n_bits not in BIT_SIZES:
        raise InvalidInput(f"n_bits must be one of {BIT_SIZES}")
    if type(m) is not int or m not in _AGGREGATIONS:
        raise InvalidInput(f"the number of values must be one of {_AGGREGATIONS}")


def _check_scalar(value: object, what: str) -> int:
    if type(value) is not int or not 0 <= value < R:
        raise InvalidInput(f"{what} must be an int in [0, r)")
    return value


def _resolve(backend: Backend[Any, Any] | None, gens: BulletproofGens | None) -> BulletproofGens:
    if gens is None:
        return default_gens(backend)
    if not isinstance(gens, BulletproofGens):
        raise InvalidInput("gens must be a BulletproofGens")
    if backend is not None and gens.backend is not backend:
        raise InvalidInput("gens belong to another backend")
    return gens


def _inner(a: Sequence[int], b: Sequence[int]) -> int:
    return sum(x * y for x, y in zip(a, b, strict=True)) % R


def _powers(base: int, count: int) -> list[int]:
    out = [1] * count
    acc = 1
    for i in range(1, count):
        acc = acc * base % R
        out[i] = acc
    return out


class RangeProof:
    """An aggregated range proof (§4.3): ``2*log2(n*m) + 4`` points and 5 scalars.

    Build one with :func:`prove` or :meth:`from_bytes`; points are objects of ``backend``.
    Two proofs compare equal when their encodings are equal. Attributes (read-only), named as
    in the paper:

    * ``A``, ``S`` -- commitments to the bit vectors and to their blinding vectors (§4.1 (44), (47));
    * ``T1``, ``T2`` -- commitments to the coefficients of ``t(X)`` (§4.1 (53));
    * ``tau_x``, ``mu``, ``t_hat`` -- the blinding of ``t(x)``, of ``A + x*S`` and ``t(x)``
      itself (§4.1 (58)-(60));
    * ``L``, ``R`` -- the ``log2(n*m)`` pairs of the inner-product argument (§4.2 (24)-(25));
    * ``a``, ``b`` -- the final scalars of the inner-product argument (§4.2).
    """

    __slots__ = (
        "A",
        "S",
        "T1",
        "T2",
        "tau_x",
        "mu",
        "t_hat",
        "L",
        "R",
        "a_vec",
        "b_vec",
        "backend",
        "_encoded",
    )

    A: Any
    S: Any
    T1: Any
    T2: Any
    tau_x: int
    mu: int
    t_hat: int
    L: tuple[Any, ...]
    R: tuple[Any, ...]
    a_vec: tuple[int, ...]
    b_vec: tuple[int, ...]
    backend: Backend[Any, Any]

    def __init__(
        self,
        *,
        A: Any,
        S: Any,
        T1: Any,
        T2: Any,
        tau_x: int,
        mu: int,
        t_hat: int,
        L: Sequence[Any],
        R: Sequence[Any],
        a: int | Sequence[int],
        b: int | Sequence[int],
        backend: Backend[Any, Any],
    ) -> None:
        if not isinstance(L, (list, tuple)) or not isinstance(R, (list, tuple)):
            raise InvalidInput("L and R must be lists of points")
        if len(L) != len(R) or not 0 <= len(L) <= 9:
            raise InvalidInput("L and R must hold one point per round each")
        a_vec = (a,) if isinstance(a, int) else tuple(a)
        b_vec = (b,) if isinstance(b, int) else tuple(b)
        if not a_vec or len(a_vec) != len(b_vec) or len(a_vec) & (len(a_vec) - 1):
            raise InvalidInput("a and b must be vectors of one power-of-two length")
        self.A, self.S, self.T1, self.T2 = A, S, T1, T2
        self.tau_x = _check_scalar(tau_x, "tau_x")
        self.mu = _check_scalar(mu, "mu")
        self.t_hat = _check_scalar(t_hat, "t_hat")
        self.L, self.R = tuple(L), tuple(R)
        self.a_vec = tuple(_check_scalar(v, "a") for v in a_vec)
        self.b_vec = tuple(_check_scalar(v, "b") for v in b_vec)
        self.backend = backend
        self._encoded: bytes | None = None

    def __setattr__(self, name: str, value: Any) -> None:
        if name != "_encoded" and hasattr(self, "_encoded"):
            raise AttributeError("RangeProof is immutable")
        object.__setattr__(self, name, value)

    @property
    def a(self) -> int:
        """The first of the final vector ``a`` (its only entry for a full argument)."""
        return self.a_vec[0]

    @property
    def b(self) -> int:
        """The first of the final vector ``b`` (its only entry for a full argument)."""
        return self.b_vec[0]

    @property
    def rounds(self) -> int:
        """Number of rounds of the inner-product argument, ``log2(n*m)``."""
        return len(self.L)

    def to_bytes(self) -> bytes:
        """The canonical encoding (see the module docstring for the layout)."""
        encoded = self._encoded
        if encoded is None:
            enc = self.backend.g1_encode
            parts = [enc(self.A), enc(self.S), enc(self.T1), enc(self.T2)]
            parts += [s.to_bytes(SCALAR_SIZE, "big") for s in (self.tau_x, self.mu, self.t_hat)]
            for left, right in zip(self.L, self.R, strict=True):
                parts += [enc(left), enc(right)]
            parts += [v.to_bytes(SCALAR_SIZE, "big") for v in (*self.a_vec, *self.b_vec)]
            encoded = b"".join(parts)
            object.__setattr__(self, "_encoded", encoded)
        return encoded

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        m: int,
        n_bits: int,
        *,
        backend: Backend[Any, Any] | None = None,
        ipa_floor: int = 1,
    ) -> RangeProof:
        """Decode a proof for ``m`` values of ``n_bits`` bits (inner-product argument folded
        down to ``ipa_floor``).

        Raises :class:`zk.InvalidInput` for a wrong length or a scalar not reduced modulo
        ``r``, and :class:`zk.InvalidPoint` for an encoding that is not a canonical,
        non-identity point of G1.
        """
        bk: Backend[Any, Any] = backend if backend is not None else default_backend()
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise InvalidInput("a range proof must be bytes")
        data = bytes(data)
        if len(data) != proof_size(m, n_bits, ipa_floor=ipa_floor):
            raise InvalidInput("a range proof for this (m, n) has another length")
        rounds, final = _ipa_shape(m, n_bits, ipa_floor)
        pos = 0

        def point() -> Any:
            nonlocal pos
            value = bk.g1_decode(data[pos : pos + G1_SIZE])
            pos += G1_SIZE
            return value

        def scalar() -> int:
            nonlocal pos
            value = int.from_bytes(data[pos : pos + SCALAR_SIZE], "big")
            pos += SCALAR_SIZE
            if value >= R:
                raise InvalidInput("a range proof scalar is not reduced modulo r")
            return value

        big_a, big_s, t1, t2 = point(), point(), point(), point()
        tau_x, mu, t_hat = scalar(), scalar(), scalar()
        left: list[Any] = []
        right: list[Any] = []
        for _ in range(rounds):
            left.append(point())
            right.append(point())
        a = [scalar() for _ in range(final)]
        b = [scalar() for _ in range(final)]
        proof = cls(
            A=big_a,
            S=big_s,
            T1=t1,
            T2=t2,
            tau_x=tau_x,
            mu=mu,
            t_hat=t_hat,
            L=left,
            R=right,
            a=a,
            b=b,
            backend=bk,
        )
        object.__setattr__(proof, "_encoded", data)
        return proof

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RangeProof):
            return NotImplemented
        return self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __repr__(self) -> str:
        return f"RangeProof(rounds={self.rounds}, {len(self.to_bytes())} bytes)"


# ---------------------------------------------------------------------------------------------
# Statement


def commit(value: int, blinding: int, *, gens: BulletproofGens | None = None) -> Any:
    """The Pedersen commitment ``V = value*G + blinding*H`` (both scalars in ``[0, r)``)."""
    gens = _resolve(None, gens)
    _check_scalar(value, "value")
    _check_scalar(blinding, "blinding")
    return gens.backend.g1_msm([gens.g, gens.h], [value, blinding])


def _commitments(
    bk: Backend[Any, Any], commitments: object, m: int | None = None
) -> tuple[list[Any], list[bytes]]:
    """Decode or encode the commitments: points of ``bk`` or their 48-byte encodings."""
    if not isinstance(commitments, (list, tuple)):
        raise InvalidInput("commitments must be a list of points")
    if m is not None and len(commitments) != m:
        raise InvalidInput("as many commitments as values are needed")
    points: list[Any] = []
    encodings: list[bytes] = []
    for c in commitments:
        if isinstance(c, (bytes, bytearray, memoryview)):
            enc = bytes(c)
            points.append(bk.g1_decode(enc, allow_identity=True))
            encodings.append(enc)
        else:
            try:
                encodings.append(bk.g1_encode(c))
            except Exception as exc:
                raise InvalidInput("a commitment is not a G1 point of this backend") from exc
            points.append(c)
    return points, encodings


def _absorb_statement(
    transcript: Transcript,
    gens: BulletproofGens,
    n_bits: int,
    v_bytes: Sequence[bytes],
    ipa_floor: int,
) -> None:
    transcript.append(b"bp-dom-sep", _DOM_SEP)
    transcript.append_u64(b"bp-n", n_bits)
    transcript.append_u64(b"bp-m", len(v_bytes))
    transcript.append_u64(b"bp-ipa-floor", ipa_floor)
    transcript.append(b"bp-G", gens.g_bytes)
    transcript.append(b"bp-H", gens.h_bytes)
    for v in v_bytes:
        transcript.append(b"bp-V", v)


def _prover_scalars(
    transcript: Transcript,
    values: Sequence[int],
    blindings: Sequence[int],
    count: int,
    seed: bytes,
) -> list[int]:
    """``count`` blinding scalars bound to the transcript, the witness and ``seed``.

    Like Merlin's transcript RNG: a key is drawn from a copy of the transcript (which the
    caller's transcript never sees) after absorbing the witness and ``seed``, then expanded
    with SHAKE-256. With ``seed`` from :mod:`secrets` the scalars are uniformly random even to
    someone who knows the witness; a weak system RNG still cannot repeat a nonce for two
    different statements.
    """
    rng = transcript.copy()
    witness = b"".join(v.to_bytes(8, "big") for v in values)
    witness += b"".join(g.to_bytes(SCALAR_SIZE, "big") for g in blindings)
    rng.append(b"bp-rng-witness", witness)
    rng.append(b"bp-rng-seed", seed)
    key = rng.challenge_scalar(b"bp-rng-key").to_bytes(SCALAR_SIZE, "big")
    stream = hashlib.shake_256(_RNG_DST + key).digest(48 * count)
    return [int.from_bytes(stream[48 * i : 48 * i + 48], "big") % R for i in range(count)]


# ---------------------------------------------------------------------------------------------
# Prover


def prove(
    transcript: Transcript,
    values: Sequence[int],
    blindings: Sequence[int],
    n_bits: int,
    *,
    backend: Backend[Any, Any] | None = None,
    gens: BulletproofGens | None = None,
    commitments: Sequence[Any] | None = None,
    unsafe_seed: bytes | None = None,
    ipa_floor: int = 1,
) -> tuple[list[Any], RangeProof]:
    """Prove that every ``values[j]`` lies in ``[0, 2^n_bits)`` (§4.1, aggregated as in §4.3).

    ``V_j = values[j]*G + blindings[j]*H`` with the Pedersen bases of ``gens``. Returns the
    commitments ``V_j`` and the proof; the statement and the proof are absorbed into
    ``transcript``, which must hold the caller's context already. If the caller computed the
    commitments itself it passes them as ``commitments`` (points or 48-byte encodings); they
    are checked against the openings.

    ``len(values)`` must be 1, 2, 4 or 8 and ``n_bits`` one of 8, 16, 32, 64. A value outside
    the range, a negative value or a blinding outside ``[0, r)`` raises
    :class:`zk.InvalidInput`: a proof of a false statement is never produced.

    ``unsafe_seed`` is for tests only: it replaces the system randomness, so that the same
    inputs give the same proof (on every backend). Never pass it in production: the blinding
    scalars then depend only on public data, the witness and the seed.
    """
    if not isinstance(transcript, Transcript):
        raise InvalidInput("transcript must be a Transcript")
    if not isinstance(values, (list, tuple)) or not isinstance(blindings, (list, tuple)):
        raise InvalidInput("values and blindings must be lists of ints")
    m = len(values)
    _ipa_shape(m, n_bits, ipa_floor)
    if len(blindings) != m:
        raise InvalidInput("one blinding per value is needed")
    for v in values:
        if type(v) is not int:
            raise InvalidInput("a value must be an int")
        if not 0 <= v < 1 << n_bits:
            raise InvalidInput(f"a value is outside [0, 2^{n_bits})")
    for g in blindings:
        _check_scalar(g, "a blinding")
    if unsafe_seed is not None and not isinstance(unsafe_seed, bytes):
        raise InvalidInput("unsafe_seed must be bytes")
    gens = _resolve(backend, gens)
    bk = gens.backend
    big_g, big_h = gens.g, gens.h
    msm = bk.g1_msm
    enc = bk.g1_encode

    big_v = [msm([big_g, big_h], [v, g]) for v, g in zip(values, blindings, strict=True)]
    if commitments is not None:
        given, _ = _commitments(bk, commitments, m)
        if not all(bk.g1_eq(p, q) for p, q in zip(given, big_v, strict=True)):
            raise InvalidInput("a commitment does not open to its value and blinding")
        big_v = given
    v_bytes = [enc(v) for v in big_v]
    _absorb_statement(transcript, gens, n_bits, v_bytes, ipa_floor)

    n_total = n_bits * m
    g_vec, h_vec, neg_h_vec = gens._vectors_with_neg_h(n_total)
    seed = unsafe_seed if unsafe_seed is not None else secrets.token_bytes(32)
    rand = _prover_scalars(transcript, values, blindings, 2 * n_total + 4, seed)
    alpha, rho, tau1, tau2 = rand[0], rand[1], rand[2], rand[3]
    s_l = rand[4 : 4 + n_total]
    s_r = rand[4 + n_total :]

    # a_L: the bits of the values, a_R = a_L - 1 (§4.1, (36)-(37)).
    a_l = [(v >> i) & 1 for v in values for i in range(n_bits)]
    # A = alpha*H + <a_L, G> + <a_R, H> = alpha*H + sum_{bit 1} G_i + sum_{bit 0} (-H_i).
    a_points = [big_h] + [g_vec[i] if bit else neg_h_vec[i] for i, bit in enumerate(a_l)]
    big_a = msm(a_points, [alpha] + [1] * n_total)
    big_s = msm([big_h, *g_vec, *h_vec], [rho, *s_l, *s_r])
    a_bytes, s_bytes = enc(big_a), enc(big_s)
    transcript.append(b"bp-A", a_bytes)
    transcript.append(b"bp-S", s_bytes)
    y = transcript.challenge_scalar(b"bp-y")
    z = transcript.challenge_scalar(b"bp-z")

    # l(X) = (a_L - z) + s_L X;  r(X) = y^N o (a_R + z + s_R X) + sum_j z^{2+j} 2^n  (§4.3 (71)-(72))
    y_pow = _powers(y, n_total)
    z_pow = _powers(z, m + 3)  # z^0 .. z^{m+2}
    two_pow = _powers(2, n_bits)
    l0 = [(bit - z) % R for bit in a_l]
    r0 = [
        (y_pow[i] * (a_l[i] - 1 + z) + z_pow[2 + i // n_bits] * two_pow[i % n_bits]) % R
        for i in range(n_total)
    ]
    r1 = [yi * si % R for yi, si in zip(y_pow, s_r, strict=True)]
    t0 = _inner(l0, r0)
    t2 = _inner(s_l, r1)
    t1 = (
        _inner(
            [x + w for x, w in zip(l0, s_l, strict=True)],
            [x + w for x, w in zip(r0, r1, strict=True)],
        )
        - t0
        - t2
    ) % R
    big_t1 = msm([big_g, big_h], [t1, tau1])
    big_t2 = msm([big_g, big_h], [t2, tau2])
    t1_bytes, t2_bytes = enc(big_t1), enc(big_t2)
    transcript.append(b"bp-T1", t1_bytes)
    transcript.append(b"bp-T2", t2_bytes)
    x = transcript.challenge_scalar(b"bp-x")

    tau_x = (tau2 * x * x + tau1 * x) % R
    for j, gamma in enumerate(blindings):
        tau_x = (tau_x + z_pow[2 + j] * gamma) % R
    mu = (alpha + rho * x) % R
    l_vec = [(p + x * q) % R for p, q in zip(l0, s_l, strict=True)]
    r_vec = [(p + x * q) % R for p, q in zip(r0, r1, strict=True)]
    t_hat = _inner(l_vec, r_vec)
    transcript.append_scalar(b"bp-tau-x", tau_x)
    transcript.append_scalar(b"bp-mu", mu)
    transcript.append_scalar(b"bp-t-hat", t_hat)
    w = transcript.challenge_scalar(b"bp-w")

    left, right, a, b = _ipa_prove(
        transcript,
        bk,
        big_g,
        w,
        g_vec,
        h_vec,
        _powers(pow(y, -1, R), n_total),
        l_vec,
        r_vec,
        ipa_floor,
    )
    proof = RangeProof(
        A=big_a,
        S=big_s,
        T1=big_t1,
        T2=big_t2,
        tau_x=tau_x,
        mu=mu,
        t_hat=t_hat,
        L=left,
        R=right,
        a=a,
        b=b,
        backend=bk,
    )
    return big_v, proof


def _ipa_prove(
    transcript: Transcript,
    bk: Backend[Any, Any],
    big_g: Any,
    w: int,
    g_vec: Sequence[Any],
    h_vec: Sequence[Any],
    h_factors: list[int],
    a: list[int],
    b: list[int],
    floor: int,
) -> tuple[list[Any], list[Any], list[int], list[int]]:
    """The inner-product argument (§4.2, Protocol 2) for ``P = <a, G> + <b, H'> + <a, b> Q``.

    ``H'_i = h_factors[i] * H_i`` (``y^{-i}``, §4.1 (64)) and ``Q = w*G``; ``Q`` is never
    computed, its multiples enter the MSMs as multiples of ``G``.

    Generators are folded lazily. The current ``G'_j`` (``0 <= j < n``) is kept as
    ``sum_{i = j mod n} g_coef[i] * g_base[i]`` over a fixed *base*: folding with challenge
    ``u`` only multiplies coefficients by ``u`` or ``u^{-1}`` (no group operation), and ``L``
    and ``R`` are each one MSM over the base. Every third round the folded generators are
    materialised into a new, shorter base (one small MSM per generator), which keeps the MSMs
    short; with the arkworks costs this is about 20% faster than folding explicitly in every
    round, and it does not change the proof (only how the same points are computed).
    """
    msm, enc = bk.g1_msm, bk.g1_encode
    n = len(a)
    g_base, h_base = list(g_vec), list(h_vec)
    g_coef, h_coef = [1] * n, list(h_factors)
    left: list[Any] = []
    right: list[Any] = []
    round_index = 0
    while n > floor:
        half = n // 2
        a_lo, a_hi = a[:half], a[half:]
        b_lo, b_hi = b[:half], b[half:]
        c_l = _inner(a_lo, b_hi)
        c_r = _inner(a_hi, b_lo)
        l_points: list[Any] = []
        l_scalars: list[int] = []
        r_points: list[Any] = []
        r_scalars: list[int] = []
        # Base index i belongs to current generator i mod n: "hi" if (i // half) is odd.
        for start in range(0, len(g_base), half):
            stop = start + half
            if (start // half) & 1:  # G'_hi and H'_hi
                l_points += g_base[start:stop]
                l_scalars += [x * f % R for x, f in zip(a_lo, g_coef[start:stop], strict=True)]
                r_points += h_base[start:stop]
                r_scalars += [x * f % R for x, f in zip(b_lo, h_coef[start:stop], strict=True)]
            else:  # G'_lo and H'_lo
                r_points += g_base[start:stop]
                r_scalars += [x * f % R for x, f in zip(a_hi, g_coef[start:stop], strict=True)]
                l_points += h_base[start:stop]
                l_scalars += [x * f % R for x, f in zip(b_hi, h_coef[start:stop], strict=True)]
        big_l = msm([*l_points, big_g], [*l_scalars, c_l * w % R])
        big_r = msm([*r_points, big_g], [*r_scalars, c_r * w % R])
        transcript.append(b"bp-L", enc(big_l))
        transcript.append(b"bp-R", enc(big_r))
        left.append(big_l)
        right.append(big_r)
        u = transcript.challenge_scalar(b"bp-u")
        u_inv = pow(u, -1, R)
        a = [(p * u + q * u_inv) % R for p, q in zip(a_lo, a_hi, strict=True)]
        b = [(p * u_inv + q * u) % R for p, q in zip(b_lo, b_hi, strict=True)]
        n = half
        if n <= floor:
            break
        # G'_new = u^{-1} G'_lo + u G'_hi;  H'_new = u H'_lo + u^{-1} H'_hi.
        for start in range(0, len(g_base), half):
            stop = start + half
            gu, hu = (u, u_inv) if (start // half) & 1 else (u_inv, u)
            g_coef[start:stop] = [f * gu % R for f in g_coef[start:stop]]
            h_coef[start:stop] = [f * hu % R for f in h_coef[start:stop]]
        if round_index % _MATERIALISE_EVERY == _MATERIALISE_EVERY - 1:
            g_base, g_coef = _materialise(bk, g_base, g_coef, n)
            h_base, h_coef = _materialise(bk, h_base, h_coef, n)
        round_index += 1
    for value in a:
        transcript.append_scalar(b"bp-a", value)
    for value in b:
        transcript.append_scalar(b"bp-b", value)
    return left, right, a, b


def _materialise(
    bk: Backend[Any, Any], base: list[Any], coef: list[int], n: int
) -> tuple[list[Any], list[int]]:
    """A base of ``n`` points with the same ``sum_{i = j mod n} coef[i] * base[i]`` (all ``j``)."""
    return [bk.g1_msm(base[j::n], coef[j::n]) for j in range(n)], [1] * n


# ---------------------------------------------------------------------------------------------
# Verifier


def verification_terms(
    transcript: Transcript,
    commitments: Sequence[Any],
    proof: RangeProof,
    n_bits: int,
    *,
    backend: Backend[Any, Any] | None = None,
    gens: BulletproofGens | None = None,
    ipa_floor: int = 1,
) -> tuple[list[Any], list[int]]:
    """Points and scalars whose multi-scalar multiplication is the identity iff ``proof`` is valid.

    This is the single-multiexponentiation verifier of §6.2: the two checks of §4.1 -- the
    polynomial check (72) ``t_hat*G + tau_x*H = z^2 V + delta(y, z) G + x T1 + x^2 T2`` and the
    inner-product check of §4.2 unrolled with the scalars ``s_i`` -- are combined with a fresh
    random weight. A caller folding this check with others multiplies every scalar by its own
    random weight and concatenates. ``2*n*m + 2*log2(n*m) + m + 6`` terms.

    The statement and the proof are absorbed into ``transcript`` exactly as :func:`prove`
    absorbed them. ``commitments`` are points of the backend or their 48-byte encodings. A
    proof decoded on another backend is re-decoded on this one. Malformed input raises
    :class:`zk.InvalidInput`; this function itself never raises :class:`zk.VerificationError`.
    """
    if not isinstance(transcript, Transcript):
        raise InvalidInput("transcript must be a Transcript")
    if not isinstance(proof, RangeProof):
        raise InvalidInput("proof must be a RangeProof")
    gens = _resolve(backend, gens)
    bk = gens.backend
    if not isinstance(commitments, (list, tuple)):
        raise InvalidInput("commitments must be a list of points")
    m = len(commitments)
    rounds, final = _ipa_shape(m, n_bits, ipa_floor)
    n_total = n_bits * m
    if proof.rounds != rounds or len(proof.a_vec) != final:
        raise InvalidInput("the proof has the wrong number of inner-product rounds")
    try:
        encoded = proof.to_bytes()
    except Exception as exc:
        raise InvalidInput("the proof holds something that is not a G1 point") from exc
    if proof.backend is not bk:
        proof = RangeProof.from_bytes(encoded, m, n_bits, backend=bk, ipa_floor=ipa_floor)
    big_v, v_bytes = _commitments(bk, commitments, m)
    _absorb_statement(transcript, gens, n_bits, v_bytes, ipa_floor)

    transcript.append(b"bp-A", encoded[0:G1_SIZE])
    transcript.append(b"bp-S", encoded[G1_SIZE : 2 * G1_SIZE])
    y = transcript.challenge_scalar(b"bp-y")
    z = transcript.challenge_scalar(b"bp-z")
    transcript.append(b"bp-T1", encoded[2 * G1_SIZE : 3 * G1_SIZE])
    transcript.append(b"bp-T2", encoded[3 * G1_SIZE : 4 * G1_SIZE])
    x = transcript.challenge_scalar(b"bp-x")
    transcript.append_scalar(b"bp-tau-x", proof.tau_x)
    transcript.append_scalar(b"bp-mu", proof.mu)
    transcript.append_scalar(b"bp-t-hat", proof.t_hat)
    w = transcript.challenge_scalar(b"bp-w")
    pos = _N_POINTS * G1_SIZE + 3 * SCALAR_SIZE
    u: list[int] = []
    for _ in range(rounds):
        transcript.append(b"bp-L", encoded[pos : pos + G1_SIZE])
        transcript.append(b"bp-R", encoded[pos + G1_SIZE : pos + 2 * G1_SIZE])
        pos += 2 * G1_SIZE
        u.append(transcript.challenge_scalar(b"bp-u"))
    for value in proof.a_vec:
        transcript.append_scalar(b"bp-a", value)
    for value in proof.b_vec:
        transcript.append_scalar(b"bp-b", value)

    # §6.2: s_t = prod_k u_k^{+1 if bit (rounds-1-k) of t is set else -1}; s_t^{-1} = s_{T-1-t}
    # for the T = 2^rounds blocks. Base generator i = j + t*final folds into final generator
    # j with coefficient s_t.
    blocks = 1 << rounds
    u_inv = [pow(uk, -1, R) for uk in u]
    u_sq = [uk * uk % R for uk in u]
    s = [0] * blocks
    acc = 1
    for ui in u_inv:
        acc = acc * ui % R
    s[0] = acc
    for i in range(1, blocks):
        top = i.bit_length() - 1
        s[i] = s[i - (1 << top)] * u_sq[rounds - 1 - top] % R

    y_inv = pow(y, -1, R)
    y_inv_pow = _powers(y_inv, n_total)
    z_pow = _powers(z, m + 3)
    two_pow = _powers(2, n_bits)
    # delta(y, z) = (z - z^2) <1, y^N> - sum_j z^{3+j} <1, 2^n>  (§4.3 (75))
    sum_y = (pow(y, n_total, R) - 1) * pow(y - 1, -1, R) % R if y != 1 else n_total
    delta = ((z - z * z) * sum_y - sum(z_pow[3 + j] for j in range(m)) * ((1 << n_bits) - 1)) % R

    c = secrets.randbelow(R - 1) + 1  # weight of the polynomial check
    a_vec, b_vec = proof.a_vec, proof.b_vec
    points: list[Any] = [gens.g, gens.h, proof.A, proof.S, proof.T1, proof.T2]
    scalars: list[int] = [
        (w * (proof.t_hat - _inner(a_vec, b_vec)) + c * (proof.t_hat - delta)) % R,
        (c * proof.tau_x - proof.mu) % R,
        1,
        x,
        -c * x % R,
        -c * x * x % R,
    ]
    points += big_v
    scalars += [-c * z_pow[2 + j] % R for j in range(m)]
    points += proof.L
    scalars += u_sq
    points += proof.R
    scalars += [ui * ui % R for ui in u_inv]
    g_vec, h_vec = gens.vectors(n_total)
    points += g_vec
    points += h_vec
    neg_z = -z
    scalars += [(neg_z - a_vec[i % final] * s[i // final]) % R for i in range(n_total)]
    scalars += [
        (
            z
            + y_inv_pow[i]
            * (
                z_pow[2 + i // n_bits] * two_pow[i % n_bits]
                - b_vec[i % final] * s[blocks - 1 - i // final]
            )
        )
        % R
        for i in range(n_total)
    ]
    return points, scalars


def verify(
    transcript: Transcript,
    commitments: Sequence[Any],
    proof: RangeProof,
    n_bits: int,
    *,
    backend: Backend[Any, Any] | None = None,
    gens: BulletproofGens | None = None,
    ipa_floor: int = 1,
) -> None:
    """Check that ``proof`` shows every committed value to lie in ``[0, 2^n_bits)``.

    One multi-scalar multiplication of :func:`verification_terms` (§6.2). Returns ``None`` or
    raises :class:`zk.VerificationError`; malformed input raises :class:`zk.InvalidInput`.
    """
    gens = _resolve(backend, gens)
    points, scalars = verification_terms(
        transcript, commitments, proof, n_bits, gens=gens, ipa_floor=ipa_floor
    )
    bk = gens.backend
    if not bk.g1_is_identity(bk.g1_msm(points, scalars)):
        raise VerificationError("the range proof does not verify")
