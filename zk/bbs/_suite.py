"""The BBS Signature Scheme, draft-irtf-cfrg-bbs-signatures (-06 vectors, July 2025 text).

Section references (§) are to the editor's copy of July 2025, whose algorithms reproduce the
-06 test vectors byte for byte. The "BBS Signatures Interface" of §3.4 is implemented on top of
the core operations of §3.6, for both BLS12-381 ciphersuites of §7.2.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from .._errors import InvalidInput, VerificationError
from ..curve import G1_SIZE, G2_SIZE, SCALAR_SIZE, Backend, ExpandMessage, R, default_backend
from ..curve import expand_message as _expand_message

__all__ = ["Ciphersuite"]

_EXPAND_LEN = 48  # §7.2: expand_len = ceil((ceil(log2(r)) + k) / 8) with k = 128
_SIGNATURE_SIZE = G1_SIZE + SCALAR_SIZE
_PROOF_FLOOR = 3 * G1_SIZE + 4 * SCALAR_SIZE  # §4.2.4.5 octets_to_proof, step 1
_MAX_U64 = 2**64 - 1
_PK_CACHE_SIZE = 256

# Anything that is not bytes is refused up front: a str silently encoded here would let two
# parties sign and verify different octets for "the same" message.
_BytesLike = bytes | bytearray | memoryview


def _octets(value: object, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise InvalidInput(f"{what} must be bytes, not {type(value).__name__}")
    out = bytes(value)
    if len(out) > _MAX_U64:
        raise InvalidInput(f"{what} is too long")
    return out


def _sequence(value: object, what: str) -> Sequence[Any]:
    # A list or tuple only: a bytes or str value would be read as a sequence of characters,
    # and a one-shot iterator could be consumed by a check before it is used.
    if not isinstance(value, (list, tuple)):
        raise InvalidInput(f"{what} must be a list or tuple, not {type(value).__name__}")
    if len(value) > _MAX_U64:
        raise InvalidInput(f"{what} is too long")
    return value


def _count(value: object, what: str) -> int:
    if type(value) is not int or not 0 <= value <= _MAX_U64:
        raise InvalidInput(f"{what} must be a non-negative int")
    return value


class _Proof(NamedTuple):
    """A decoded BBS proof (§4.2.4.5): 3 points, 3 scalars, ``U`` responses, the challenge."""

    abar: Any
    bbar: Any
    d: Any
    e_hat: int
    r1_hat: int
    r3_hat: int
    m_hats: list[int]
    challenge: int


def _i2osp8(value: int) -> bytes:
    return value.to_bytes(8, "big")


def _scalar_octets(value: int) -> bytes:
    return value.to_bytes(SCALAR_SIZE, "big")


class _GeneratorChain:
    """§4.1.4.1 ``create_generators(count, api_id)`` for one ``api_id``, computed once and cached.

    The draft defines the generators as a chain (each seed is derived from the previous one),
    so asking for more generators only extends the cached prefix.
    """

    def __init__(self, suite: Ciphersuite, api_id: bytes) -> None:
        self._suite = suite
        self._seed_dst = api_id + b"SIG_GENERATOR_SEED_"
        self._generator_dst = api_id + b"SIG_GENERATOR_DST_"
        self._generator_seed = api_id + b"MESSAGE_GENERATOR_SEED"
        self._lock = threading.Lock()
        self._points: list[Any] = []
        self._octets: list[bytes] = []
        self._v: bytes | None = None

    def points(self, count: int) -> list[Any]:
        """At least the first ``count`` generators (a cached list: do not mutate it)."""
        if len(self._points) >= count:
            return self._points
        with self._lock:
            have = len(self._points)
            if have < count:
                suite = self._suite
                v = self._v
                if v is None:
                    v = suite.expand_message(self._generator_seed, self._seed_dst, _EXPAND_LEN)
                new, v = suite._next_generators(
                    v, have, count - have, self._seed_dst, self._generator_dst
                )
                encode = suite.backend.g1_encode
                # Publish the octets before the points: a reader that sees the points
                # (lock-free fast path above) then always finds their encodings too.
                self._octets = self._octets + [encode(p) for p in new]
                self._points = self._points + new
                self._v = v
        return self._points

    def octets(self, count: int) -> list[bytes]:
        """The compressed encodings of at least the first ``count`` generators."""
        self.points(count)
        return self._octets


class Ciphersuite:
    """One BBS ciphersuite (§7.2) bound to one curve backend.

    Use the module constants ``BLS12_381_SHA256`` and ``BLS12_381_SHAKE256``; call
    :meth:`with_backend` to run the same suite on another backend (e.g. the py_ecc reference).
    Instances are immutable as far as callers can tell and safe to share between threads; they
    cache the generators and the decoded public keys they have seen.
    """

    def __init__(
        self,
        ciphersuite_id: bytes,
        expander: ExpandMessage,
        backend: Backend[Any, Any] | None = None,
    ) -> None:
        self._ciphersuite_id = ciphersuite_id
        self._expander: ExpandMessage = expander
        self._backend: Backend[Any, Any] = backend if backend is not None else default_backend()
        # §3.4 BBS Signatures Interface: api_id = ciphersuite_id || "H2G_HM2S_"
        self._api_id = ciphersuite_id + b"H2G_HM2S_"
        self._h2s_dst = self._api_id + b"H2S_"
        self._map_dst = self._api_id + b"MAP_MSG_TO_SCALAR_AS_HASH_"
        self._keygen_dst = self._api_id + b"KEYGEN_DST_"
        self._mock_dst = self._api_id + b"MOCK_RANDOM_SCALARS_DST_"
        self._lock = threading.Lock()
        self._chains: dict[bytes, _GeneratorChain] = {}
        self._core_chain = self._chain(self._api_id)
        self._pk_cache: OrderedDict[bytes, Any] = OrderedDict()
        bk = self._backend
        # §7.2: P1 is the first generator of a create_generators run with its own seed.
        self._p1 = self._create_generators_from_seed(
            self._api_id + b"BP_MESSAGE_GENERATOR_SEED", 1, None
        )[0][0]
        self._bp2 = bk.g2_generator()
        self._neg_bp2 = bk.g2_neg(self._bp2)

    # ------------------------------------------------------------------ identification

    @property
    def ciphersuite_id(self) -> bytes:
        """The ciphersuite identifier (§7.2), e.g. ``BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_``."""
        return self._ciphersuite_id

    @property
    def api_id(self) -> bytes:
        """``ciphersuite_id || "H2G_HM2S_"``, the interface identifier of §3.4."""
        return self._api_id

    @property
    def backend(self) -> Backend[Any, Any]:
        """The curve backend this suite computes with."""
        return self._backend

    def with_backend(self, backend: Backend[Any, Any]) -> Ciphersuite:
        """The same ciphersuite computed with another curve backend."""
        return Ciphersuite(self._ciphersuite_id, self._expander, backend)

    def __repr__(self) -> str:
        return f"Ciphersuite({self._ciphersuite_id.decode()!r}, backend={self._backend.name!r})"

    # ------------------------------------------------------------------ hashing utilities

    def expand_message(self, msg: bytes, dst: bytes, length: int) -> bytes:
        """The suite's RFC 9380 ``expand_message`` (XMD-SHA-256 or XOF-SHAKE-256)."""
        return _expand_message(self._expander, msg, dst, length)

    def hash_to_scalar(self, msg: bytes, dst: bytes) -> int:
        """§4.1.3 ``hash_to_scalar``: ``OS2IP(expand_message(msg, dst, 48)) mod r``."""
        msg = _octets(msg, "msg")
        dst = _octets(dst, "dst")
        if len(dst) > 255:
            raise InvalidInput("hash_to_scalar: dst must be at most 255 bytes")
        return int.from_bytes(self.expand_message(msg, dst, _EXPAND_LEN), "big") % R

    def map_message_to_scalar(self, message: bytes, dst: bytes | None = None) -> int:
        """§4.1.2 ``map_to_scalar_as_hash`` with the interface's default DST."""
        return self.hash_to_scalar(message, self._map_dst if dst is None else dst)

    def messages_to_scalars(self, messages: Sequence[bytes]) -> list[int]:
        """§4.1.1 ``messages_to_scalars``."""
        messages = _sequence(messages, "messages")
        expand = self.expand_message
        dst = self._map_dst
        out = []
        for i, message in enumerate(messages):
            octets = _octets(message, f"messages[{i}]")
            out.append(int.from_bytes(expand(octets, dst, _EXPAND_LEN), "big") % R)
        return out

    def unsafe_seeded_random_scalars(
        self, seed: bytes, count: int, dst: bytes | None = None
    ) -> list[int]:
        """Deterministic "mocked" random scalars of the draft's test vectors (§C.1).

        Test use only: scalars derived from a known seed destroy the zero-knowledge property
        of any proof built with them.
        """
        seed = _octets(seed, "seed")
        dst = self._mock_dst if dst is None else _octets(dst, "dst")
        out_len = _EXPAND_LEN * _count(count, "count")
        if out_len > 65535:
            raise InvalidInput("too many mocked scalars requested")
        v = self.expand_message(seed, dst, out_len)
        return [
            int.from_bytes(v[i * _EXPAND_LEN : (i + 1) * _EXPAND_LEN], "big") % R
            for i in range(count)
        ]

    # ------------------------------------------------------------------ generators

    def _create_generators_from_seed(
        self, generator_seed: bytes, count: int, state: bytes | None
    ) -> tuple[list[Any], bytes]:
        """§4.1.4.1 ``create_generators``, resumable from the chaining value ``state``."""
        seed_dst = self._api_id + b"SIG_GENERATOR_SEED_"
        generator_dst = self._api_id + b"SIG_GENERATOR_DST_"
        v = state if state is not None else self.expand_message(generator_seed, seed_dst, 48)
        return self._next_generators(v, 0, count, seed_dst, generator_dst)

    def _next_generators(
        self, v: bytes, done: int, count: int, seed_dst: bytes, generator_dst: bytes
    ) -> tuple[list[Any], bytes]:
        out = []
        for i in range(done + 1, done + count + 1):
            v = self.expand_message(v + _i2osp8(i), seed_dst, _EXPAND_LEN)
            out.append(self._backend.hash_to_g1(v, generator_dst, self._expander))
        return out, v

    def _chain(self, api_id: bytes) -> _GeneratorChain:
        """The cached generator chain of ``create_generators(·, api_id)``."""
        chain = self._chains.get(api_id)
        if chain is None:
            with self._lock:
                chain = self._chains.get(api_id)
                if chain is None:
                    chain = _GeneratorChain(self, api_id)
                    self._chains[api_id] = chain
        return chain

    def _ensure_generators(self, count: int) -> list[Any]:
        """The first ``count`` generators ``(Q_1, H_1, ...)``, computed once and cached."""
        return self._core_chain.points(count)

    def create_generators(self, count: int) -> list[bytes]:
        """§4.1.4.1 ``create_generators(count, api_id)``: ``Q_1, H_1, ..., H_(count-1)``."""
        return self._core_chain.octets(_count(count, "count"))[:count]

    @property
    def p1(self) -> bytes:
        """The suite's fixed G1 point ``P1`` (§7.2)."""
        return self._backend.g1_encode(self._p1)

    # ------------------------------------------------------------------ keys

    def keygen(
        self, key_material: bytes, key_info: bytes = b"", key_dst: bytes | None = None
    ) -> bytes:
        """§3.3.1 ``KeyGen``: derive a 32-byte secret key from at least 32 bytes of key material."""
        key_material = _octets(key_material, "key_material")
        key_info = _octets(key_info, "key_info")
        if len(key_material) < 32:
            raise InvalidInput("key_material must be at least 32 bytes")
        if len(key_info) > 65535:
            raise InvalidInput("key_info must be at most 65535 bytes")
        dst = self._keygen_dst if key_dst is None else _octets(key_dst, "key_dst")
        derive_input = key_material + len(key_info).to_bytes(2, "big") + key_info
        sk = self.hash_to_scalar(derive_input, dst)
        if sk == 0:  # probability 2^-255; the draft requires a non-zero key
            raise InvalidInput("key_material yields the zero key")
        return _scalar_octets(sk)

    def generate_secret_key(self) -> bytes:
        """A fresh secret key from 32 bytes of operating-system randomness."""
        return self.keygen(secrets.token_bytes(32))

    def _decode_sk(self, sk: bytes) -> int:
        sk = _octets(sk, "secret key")
        if len(sk) != SCALAR_SIZE:
            raise InvalidInput("a secret key is 32 bytes")
        value = int.from_bytes(sk, "big")
        if not 0 < value < R:
            raise InvalidInput("secret key out of range")
        return value

    def sk_to_pk(self, sk: bytes) -> bytes:
        """§3.3.2 ``SkToPk``: ``W = BP2 * SK``, 96 bytes."""
        x = self._decode_sk(sk)
        bk = self._backend
        return bk.g2_encode(bk.g2_mul(self._bp2, x))

    def _decode_pk(self, pk: bytes) -> Any:
        """§4.2.4.6 ``octets_to_pubkey`` with a bounded cache (the draft allows caching)."""
        pk = _octets(pk, "public key")
        if len(pk) != G2_SIZE:
            raise InvalidInput("a public key is 96 bytes")
        cache = self._pk_cache
        with self._lock:
            w = cache.get(pk)
            if w is not None:
                cache.move_to_end(pk)
                return w
        w = self._backend.g2_decode(pk, allow_identity=False)
        with self._lock:
            cache[pk] = w
            if len(cache) > _PK_CACHE_SIZE:
                cache.popitem(last=False)
        return w

    # ------------------------------------------------------------------ shared steps

    def _domain(self, pk: bytes, count: int, header: bytes) -> int:
        """§4.1.5 ``calculate_domain`` for the generators ``Q_1, H_1..H_count``."""
        gens = self._core_chain.octets(count + 1)
        return self._calculate_domain(pk, gens[: count + 1], header, self._api_id)

    def _calculate_domain(
        self, pk: bytes, generator_octets: Sequence[bytes], header: bytes, api_id: bytes
    ) -> int:
        """§4.1.5 ``calculate_domain`` for encoded generators ``(Q_1, H_1, ..., H_L)``.

        ``domain = hash_to_scalar(PK || I2OSP(L, 8) || Q_1 || H_1 .. H_L || api_id ||
        I2OSP(length(header), 8) || header, api_id || "H2S_")``.
        """
        dom_octs = _i2osp8(len(generator_octets) - 1) + b"".join(generator_octets) + api_id
        return self.hash_to_scalar(pk + dom_octs + _i2osp8(len(header)) + header, api_id + b"H2S_")

    def _decode_signature(self, signature: bytes) -> tuple[Any, int]:
        """§4.2.4.2 ``octets_to_signature``."""
        signature = _octets(signature, "signature")
        if len(signature) != _SIGNATURE_SIZE:
            raise InvalidInput(f"a signature is {_SIGNATURE_SIZE} bytes")
        a = self._backend.g1_decode(signature[:G1_SIZE], allow_identity=False)
        e = int.from_bytes(signature[G1_SIZE:], "big")
        if not 0 < e < R:
            raise InvalidInput("signature scalar out of range")
        return a, e

    def _check_indexes(self, indexes: Sequence[int], total: int) -> list[int]:
        indexes = _sequence(indexes, "disclosed_indexes")
        out = []
        previous = -1
        for i in indexes:
            if isinstance(i, bool) or not isinstance(i, int):
                raise InvalidInput("disclosed indexes must be integers")
            if not 0 <= i < total:
                raise InvalidInput(f"disclosed index {i} out of range for {total} messages")
            if i <= previous:
                raise InvalidInput("disclosed indexes must be strictly increasing (sorted, unique)")
            previous = i
            out.append(i)
        return out

    def _challenge(
        self,
        disclosed: Sequence[tuple[int, int]],
        points: Sequence[Any],
        domain: int,
        ph: bytes,
        dst: bytes | None = None,
        tail: bytes = b"",
    ) -> int:
        """§4.1.6 ``ProofChallengeCalculate``.

        ``points`` are ``(Abar, Bbar, D, T1, T2)`` followed by any extension points (the
        pseudonym interface adds its own); ``tail`` is appended after the presentation header.
        """
        encode = self._backend.g1_encode
        parts = [_i2osp8(len(disclosed))]
        for index, scalar in disclosed:
            parts.append(_i2osp8(index))
            parts.append(_scalar_octets(scalar))
        parts.extend(encode(p) for p in points)
        parts.append(_scalar_octets(domain))
        parts.append(_i2osp8(len(ph)))
        parts.append(ph)
        parts.append(tail)
        return self.hash_to_scalar(b"".join(parts), self._h2s_dst if dst is None else dst)

    # ------------------------------------------------------------------ Sign / Verify

    def sign(self, sk: bytes, pk: bytes, header: bytes, messages: Sequence[bytes]) -> bytes:
        """§3.4.1 ``Sign`` (with §3.6.1 ``CoreSign``): an 80-byte signature ``A || e``."""
        x = self._decode_sk(sk)
        pk = _octets(pk, "public key")
        # The draft does not validate PK here, but a signature bound to a key that is not a
        # valid public key could never be verified: refuse it now rather than later.
        self._decode_pk(pk)
        header = _octets(header, "header")
        scalars = self.messages_to_scalars(messages)
        count = len(scalars)
        gens = self._ensure_generators(count + 1)
        domain = self._domain(pk, count, header)
        # e = hash_to_scalar(serialize((SK, msg_1, ..., msg_L, domain)), signature_dst)
        e_input = b"".join(_scalar_octets(v) for v in (x, *scalars, domain))
        e = self.hash_to_scalar(e_input, self._h2s_dst)
        if (x + e) % R == 0:  # probability 2^-255, but the draft requires the check
            raise InvalidInput("signing failed: SK + e = 0 mod r")
        bk = self._backend
        b = bk.g1_msm([self._p1, *gens[: count + 1]], [1, domain, *scalars])
        a = bk.g1_mul(b, pow(x + e, -1, R))
        return bk.g1_encode(a) + _scalar_octets(e)

    def verify(self, pk: bytes, signature: bytes, header: bytes, messages: Sequence[bytes]) -> None:
        """§3.4.2 ``Verify`` (with §3.6.2 ``CoreVerify``).

        Returns ``None`` for a valid signature; raises :class:`zk.VerificationError` otherwise
        and :class:`zk.InvalidInput` for malformed input.
        """
        header = _octets(header, "header")
        w = self._decode_pk(pk)
        a, e = self._decode_signature(signature)
        scalars = self.messages_to_scalars(messages)
        count = len(scalars)
        gens = self._ensure_generators(count + 1)
        domain = self._domain(bytes(pk), count, header)
        self._core_verify(w, a, e, gens[: count + 1], domain, scalars)

    def _core_verify(
        self, w: Any, a: Any, e: int, generators: Sequence[Any], domain: int, scalars: Sequence[int]
    ) -> None:
        """§3.6.2 ``CoreVerify`` for decoded inputs; ``generators`` is ``(Q_1, H_1, ..., H_L)``.

        Faster form (July 2025 text, CoreVerify step 3): h(A, W) * h(A*e - B, BP2) == 1, with
        A*e - B = A*e - P1 - Q_1*domain - sum(H_i*msg_i) as one multi-scalar multiplication:
        no G2 multiplication on the verifier's side.
        """
        if len(generators) != len(scalars) + 1:
            raise InvalidInput("one generator per message, plus Q_1, is needed")
        bk = self._backend
        lhs = bk.g1_msm(
            [a, self._p1, *generators],
            [e, R - 1, (-domain) % R, *((-m) % R for m in scalars)],
        )
        if not bk.pairing_check([a, lhs], [w, self._bp2]):
            raise VerificationError("BBS signature does not verify")

    # ------------------------------------------------------------------ ProofGen / ProofVerify

    def proof_gen(
        self,
        pk: bytes,
        signature: bytes,
        header: bytes,
        presentation_header: bytes,
        messages: Sequence[bytes],
        disclosed_indexes: Sequence[int],
        *,
        unsafe_random_scalars: Sequence[int] | None = None,
    ) -> bytes:
        """§3.4.3 ``ProofGen`` (with §3.6.3 ``CoreProofGen``).

        ``unsafe_random_scalars`` replaces ``calculate_random_scalars`` (§4.1.1) to reproduce
        the draft's fixtures; it must never be used outside tests, since known or reused
        random scalars reveal the undisclosed messages and the signature.
        """
        header = _octets(header, "header")
        ph = _octets(presentation_header, "presentation_header")
        w_octets = _octets(pk, "public key")
        self._decode_pk(w_octets)
        a, e = self._decode_signature(signature)
        scalars = self.messages_to_scalars(messages)
        count = len(scalars)
        disclosed = self._check_indexes(disclosed_indexes, count)
        rs = self._proof_random_scalars(count - len(disclosed), unsafe_random_scalars)
        gens = self._ensure_generators(count + 1)
        domain = self._domain(w_octets, count, header)
        return self._core_proof_gen(a, e, gens[: count + 1], domain, scalars, disclosed, ph, rs)

    def _proof_random_scalars(self, undisclosed: int, given: Sequence[int] | None) -> list[int]:
        """§4.1.1 ``calculate_random_scalars(5 + U)``, or the caller's (test-only) scalars."""
        if given is None:
            return [secrets.randbelow(R - 1) + 1 for _ in range(5 + undisclosed)]
        rs = list(_sequence(given, "unsafe_random_scalars"))
        if len(rs) != 5 + undisclosed:
            raise InvalidInput(f"expected {5 + undisclosed} random scalars")
        if any(type(v) is not int or not 0 < v < R for v in rs):
            raise InvalidInput("random scalars must be ints in [1, r - 1]")
        return rs

    def _core_proof_gen(
        self,
        a: Any,
        e: int,
        generators: Sequence[Any],
        domain: int,
        scalars: Sequence[int],
        disclosed: Sequence[int],
        ph: bytes,
        rs: Sequence[int],
        *,
        dst: bytes | None = None,
        extra_points: Sequence[Any] = (),
        tail: bytes = b"",
    ) -> bytes:
        """§3.6.3 ``CoreProofGen`` (§3.7.1 ProofInit, §3.7.2 ProofFinalize) on scalars.

        ``generators`` is ``(Q_1, H_1, ..., H_L)``; ``disclosed`` sorted valid indexes; ``rs``
        the ``5 + U`` random scalars ``(r1, r2, e~, r1~, r3~, m~_j1, ..., m~_jU)``.
        ``dst``/``extra_points``/``tail`` extend the challenge (pseudonym interface).
        """
        disclosed_set = set(disclosed)
        count = len(scalars)
        undisclosed = [j for j in range(count) if j not in disclosed_set]
        r1, r2, e_t, r1_t, r3_t = rs[:5]
        m_t = rs[5:]
        bk = self._backend
        q1, hs = generators[0], generators[1:]
        # §3.7.1 ProofInit, steps 2-5: D = B*r2 (B = P1 + Q_1*domain + sum H_i*msg_i folded
        # into one multi-scalar multiplication), Abar = A*(r1*r2), Bbar = D*r1 - Abar*e.
        d = bk.g1_msm([self._p1, q1, *hs], [r2, domain * r2 % R, *(m * r2 % R for m in scalars)])
        abar = bk.g1_mul(a, r1 * r2 % R)
        bbar = bk.g1_msm([d, abar], [r1, (-e) % R])
        t1 = bk.g1_msm([abar, d], [e_t, r1_t])
        t2 = bk.g1_msm([d, *(hs[j] for j in undisclosed)], [r3_t, *m_t])
        c = self._challenge(
            [(i, scalars[i]) for i in disclosed],
            (abar, bbar, d, t1, t2, *extra_points),
            domain,
            ph,
            dst,
            tail,
        )
        # §3.7.2 ProofFinalize
        r3 = pow(r2, -1, R)
        responses = [
            (e_t + e * c) % R,
            (r1_t - r1 * c) % R,
            (r3_t - r3 * c) % R,
            *((mt + scalars[j] * c) % R for mt, j in zip(m_t, undisclosed, strict=True)),
            c,
        ]
        return (
            bk.g1_encode(abar)
            + bk.g1_encode(bbar)
            + bk.g1_encode(d)
            + b"".join(_scalar_octets(s) for s in responses)
        )

    def proof_verify(
        self,
        pk: bytes,
        proof: bytes,
        header: bytes,
        presentation_header: bytes,
        disclosed_messages: Sequence[bytes],
        disclosed_indexes: Sequence[int],
    ) -> None:
        """§3.4.4 ``ProofVerify`` (with §3.6.4 ``CoreProofVerify``).

        Returns ``None`` for a valid proof; raises :class:`zk.VerificationError` otherwise and
        :class:`zk.InvalidInput` for malformed input.
        """
        header = _octets(header, "header")
        ph = _octets(presentation_header, "presentation_header")
        w_octets = _octets(pk, "public key")
        proof = _octets(proof, "proof")
        self._check_proof_length(proof)
        w = self._decode_pk(w_octets)
        parsed = self._parse_proof(proof)
        # §3.7.3 ProofVerifyInit
        disclosed_scalars = self.messages_to_scalars(disclosed_messages)
        r_count = len(disclosed_scalars)
        count = r_count + len(parsed.m_hats)
        disclosed = self._check_indexes(disclosed_indexes, count)
        if len(disclosed) != r_count:
            raise InvalidInput("as many disclosed messages as disclosed indexes are needed")
        gens = self._ensure_generators(count + 1)
        domain = self._domain(w_octets, count, header)
        self._core_proof_verify(
            w,
            parsed,
            gens[: count + 1],
            domain,
            list(zip(disclosed, disclosed_scalars, strict=True)),
            ph,
        )

    @staticmethod
    def _check_proof_length(proof: bytes) -> None:
        # §4.2.4.5 octets_to_proof: length first, so no point is decoded for junk.
        if len(proof) < _PROOF_FLOOR or (len(proof) - _PROOF_FLOOR) % SCALAR_SIZE:
            raise InvalidInput("proof length is not 3 points and at least 4 scalars")

    def _parse_proof(self, proof: bytes) -> _Proof:
        """§4.2.4.5 ``octets_to_proof`` (the length must already be checked)."""
        bk = self._backend
        abar, bbar, d = (
            bk.g1_decode(proof[i * G1_SIZE : (i + 1) * G1_SIZE], allow_identity=False)
            for i in range(3)
        )
        scalars_out = []
        for start in range(3 * G1_SIZE, len(proof), SCALAR_SIZE):
            s = int.from_bytes(proof[start : start + SCALAR_SIZE], "big")
            if not 0 < s < R:
                raise InvalidInput("proof scalar out of range")
            scalars_out.append(s)
        e_hat, r1_hat, r3_hat = scalars_out[:3]
        return _Proof(abar, bbar, d, e_hat, r1_hat, r3_hat, scalars_out[3:-1], scalars_out[-1])

    def _core_proof_verify(
        self,
        w: Any,
        proof: _Proof,
        generators: Sequence[Any],
        domain: int,
        disclosed: Sequence[tuple[int, int]],
        ph: bytes,
        *,
        dst: bytes | None = None,
        extra_points: Callable[[_Proof], Sequence[Any]] | None = None,
        tail: bytes = b"",
    ) -> None:
        """§3.6.4 ``CoreProofVerify`` (§3.7.3 ProofVerifyInit) for a parsed proof.

        ``generators`` is ``(Q_1, H_1, ..., H_L)`` with ``L = len(disclosed) + U``;
        ``disclosed`` holds ``(index, scalar)`` pairs with sorted valid indexes.
        ``extra_points`` computes extension points of the challenge from the proof.
        """
        count = len(generators) - 1
        if count != len(disclosed) + len(proof.m_hats):
            raise InvalidInput("the proof does not fit the number of messages")
        bk = self._backend
        q1, hs = generators[0], generators[1:]
        disclosed_set = {i for i, _ in disclosed}
        undisclosed = [j for j in range(count) if j not in disclosed_set]
        abar, bbar, d, cp = proof.abar, proof.bbar, proof.d, proof.challenge
        t1 = bk.g1_msm([bbar, abar, d], [cp, proof.e_hat, proof.r1_hat])
        # T2 = Bv*cp + D*r3^ + sum H_j*m^_j with Bv = P1 + Q_1*domain + sum H_i*msg_i,
        # expanded into a single multi-scalar multiplication.
        t2 = bk.g1_msm(
            [self._p1, q1, d, *(hs[i] for i, _ in disclosed), *(hs[j] for j in undisclosed)],
            [
                cp,
                domain * cp % R,
                proof.r3_hat,
                *(m * cp % R for _, m in disclosed),
                *proof.m_hats,
            ],
        )
        extra = extra_points(proof) if extra_points is not None else ()
        c = self._challenge(disclosed, (abar, bbar, d, t1, t2, *extra), domain, ph, dst, tail)
        if c != cp:
            raise VerificationError("BBS proof does not verify: challenge mismatch")
        if not bk.pairing_check([abar, bbar], [w, self._neg_bp2]):
            raise VerificationError("BBS proof does not verify: pairing check failed")
