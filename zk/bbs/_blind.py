"""Blind BBS signatures, draft-irtf-cfrg-bbs-blind-signatures, -01/-02 (2025) construction.

Which text is followed, and why
-------------------------------
The operations follow the Blind BBS draft as published in 2025: **-01**, whose test vectors
were carried unchanged into **-02** (September 2025). Section numbers (§) below are those of
that text. The official fixture files (``tests/vectors/ietf-bbs-blind-signatures``)
were generated with it. The later editor's copy (2026) changed proof generation (commitments
to undisclosed messages with ``COM_DIS_`` generators, a new challenge and proof encoding) and
its fixtures were never regenerated; it does not reproduce them, so it is not followed.

Where the 2025 text is internally inconsistent, the fixtures decide (both ciphersuites, every
file reproduced byte for byte):

* ``FinalizeBlindSign`` (§4.3.3): ``domain`` covers ``Q_1, H_1..H_L, Q_2, J_1..J_M`` (the same
  generators ``CoreVerify`` later uses), and ``e = hash_to_scalar(serialize((SK, B)),
  api_id || "H2S_")``; ``B`` (§5.2) is ``P1 + Q_1*domain + sum H_i*msg_i + commitment``.
* ``BlindSign`` deserialization: a commitment with proof of ``M`` committed messages is
  ``48 + 32*(M + 2)`` bytes (point, ``s^``, ``M`` responses, challenge), so ``M + 1`` blind
  generators are used.

Interface identifiers: ``api_id = ciphersuite_id || "BLIND_H2G_HM2S_"``; blind generators are
``create_generators(M + 1, "BLIND_" || api_id)`` = ``(Q_2, J_1, ..., J_M)``. A blind signature
signs, in this order, the ``L`` signer messages (indexes ``0..L-1``), the prover's
``secret_prover_blind`` (index ``L``, generator ``Q_2``) and the ``M`` committed messages
(indexes ``L+1..L+M``, generators ``J_1..J_M``). Without a commitment ``M = 0`` and the prover
blind is ``0``. Verification and proofs are the core BBS operations over that vector
(§4.2.2-§4.2.4).

Besides the byte-level draft operations, :class:`BlindInterface` exposes the same operations on
scalars (``*_scalars``) and the raw generators and ``domain``, for proofs composed on top of a
blind signature.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._errors import InvalidInput, VerificationError
from ..curve import G1_SIZE, SCALAR_SIZE, Backend, R
from ._suite import (
    Ciphersuite,
    _count,
    _i2osp8,
    _octets,
    _scalar_octets,
    _sequence,
)

__all__ = ["BlindGenerators", "BlindInterface"]

_EXPAND_LEN = 48
_COMMITMENT_FLOOR = G1_SIZE + 2 * SCALAR_SIZE  # §5.4.2: C, s^ and the challenge
_MAX_INDEX = 2**64 - 1


def _scalar(value: object, what: str, *, nonzero: bool = False) -> int:
    """An ``int`` (not a ``bool``) in ``[0, r)`` (``[1, r)`` if ``nonzero``), else InvalidInput."""
    if type(value) is not int:
        raise InvalidInput(f"{what} must be an int scalar, not {type(value).__name__}")
    if not (1 if nonzero else 0) <= value < R:
        raise InvalidInput(f"{what} is out of range")
    return value


def _scalars(values: object, what: str) -> list[int]:
    return [_scalar(v, f"{what}[{i}]") for i, v in enumerate(_sequence(values, what))]


def _random_scalar() -> int:
    return secrets.randbelow(R - 1) + 1


def _index_list(values: object, bound: int, what: str) -> list[int]:
    """Strictly increasing indexes in ``[0, bound)``."""
    out: list[int] = []
    for i in _sequence(values, what):
        if type(i) is not int:
            raise InvalidInput(f"{what} must be integers")
        if not 0 <= i < bound:
            raise InvalidInput(f"{what}: index {i} out of range for {bound} messages")
        if out and i <= out[-1]:
            raise InvalidInput(f"{what} must be strictly increasing (sorted, unique)")
        out.append(i)
    return out


@dataclass(frozen=True)
class BlindGenerators:
    """The generators of a blind (or pseudonym) signature, as backend points.

    ``message_generators`` is in signing order: ``H_1..H_L`` for the signer's messages, then
    ``Q_2`` for the prover blind, ``J_1..J_M`` for the committed messages and, for the
    pseudonym interface, ``J_(M+1)..J_(M+N)`` for the nym secrets. Signing computes
    ``B = P1 + Q_1*domain + sum(message_generators[i] * scalars[i])``.
    """

    p1: Any
    q1: Any
    message_generators: tuple[Any, ...]
    signer_count: int
    committed_count: int
    nym_count: int = 0

    @property
    def total(self) -> int:
        """Number of signed scalars: ``L + 1 + M + N``."""
        return len(self.message_generators)

    @property
    def prover_blind_index(self) -> int:
        """Index of ``secret_prover_blind`` in the signed vector (``L``)."""
        return self.signer_count

    def committed_index(self, k: int) -> int:
        """Index in the signed vector of committed message ``k`` (``L + 1 + k``)."""
        if not 0 <= k < self.committed_count:
            raise InvalidInput("committed message index out of range")
        return self.signer_count + 1 + k

    def nym_index(self, i: int) -> int:
        """Index in the signed vector of nym secret ``i`` (``L + 1 + M + i``)."""
        if not 0 <= i < self.nym_count:
            raise InvalidInput("nym secret index out of range")
        return self.signer_count + 1 + self.committed_count + i


class _BlindBase:
    """Machinery shared by the blind and the pseudonym interfaces."""

    _API_SUFFIX = b""

    def __init__(self, suite: Ciphersuite) -> None:
        if not isinstance(suite, Ciphersuite):
            raise InvalidInput("suite must be a zk.bbs.Ciphersuite")
        self._suite = suite
        self._api_id = suite.ciphersuite_id + self._API_SUFFIX
        self._h2s_dst = self._api_id + b"H2S_"
        self._map_dst = self._api_id + b"MAP_MSG_TO_SCALAR_AS_HASH_"
        self._chain = suite._chain(self._api_id)
        self._blind_chain = suite._chain(b"BLIND_" + self._api_id)

    @property
    def suite(self) -> Ciphersuite:
        """The underlying BBS ciphersuite (and its curve backend)."""
        return self._suite

    @property
    def api_id(self) -> bytes:
        """The interface identifier (``ciphersuite_id || suffix``)."""
        return self._api_id

    @property
    def backend(self) -> Backend[Any, Any]:
        """The curve backend."""
        return self._suite.backend

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._suite!r})"

    # ------------------------------------------------------------------ scalars

    def messages_to_scalars(self, messages: Sequence[bytes]) -> list[int]:
        """BBS ``messages_to_scalars`` with this interface's ``api_id``."""
        messages = _sequence(messages, "messages")
        return [
            self._suite.hash_to_scalar(_octets(m, f"messages[{i}]"), self._map_dst)
            for i, m in enumerate(messages)
        ]

    def _disclosed_for_verify(
        self,
        signer_count: int,
        disclosed_messages: Sequence[bytes],
        disclosed_committed_messages: Sequence[bytes],
        disclosed_indexes: Sequence[int],
        disclosed_committed_indexes: Sequence[int],
    ) -> tuple[int, dict[int, int]]:
        """``(L, {index in the signed vector: scalar})`` of a verifier's disclosed messages:
        signer message ``i`` at ``i``, committed message ``j`` at ``L + 1 + j``."""
        lsig = _count(signer_count, "signer_count")
        signer = self.messages_to_scalars(disclosed_messages)
        committed = self.messages_to_scalars(disclosed_committed_messages)
        idx = _index_list(disclosed_indexes, lsig, "disclosed_indexes")
        cidx = _index_list(disclosed_committed_indexes, _MAX_INDEX, "disclosed_committed_indexes")
        if len(idx) != len(signer) or len(cidx) != len(committed):
            raise InvalidInput("as many disclosed messages as disclosed indexes are needed")
        disclosed = dict(zip(idx, signer, strict=True))
        disclosed.update((j + lsig + 1, s) for j, s in zip(cidx, committed, strict=True))
        return lsig, disclosed

    def _prover_vector(
        self,
        messages: Sequence[bytes],
        committed_messages: Sequence[bytes],
        disclosed_indexes: Sequence[int],
        disclosed_commitment_indexes: Sequence[int],
    ) -> tuple[list[int], list[int], list[int]]:
        """``(signer scalars, committed scalars, disclosed indexes in the signed vector)``."""
        signer = self.messages_to_scalars(messages)
        committed = self.messages_to_scalars(committed_messages)
        lsig = len(signer)
        idx = _index_list(disclosed_indexes, lsig, "disclosed_indexes")
        cidx = _index_list(
            disclosed_commitment_indexes, len(committed), "disclosed_commitment_indexes"
        )
        return signer, committed, [*idx, *(j + lsig + 1 for j in cidx)]

    # ------------------------------------------------------------------ generators, domain

    def _build_generators(
        self, signer: int, blind: int, committed: int, nyms: int
    ) -> tuple[BlindGenerators, list[bytes]]:
        """``(Q_1, H_1..H_L)`` then ``blind`` blind generators, and their encodings."""
        gens = self._chain.points(signer + 1)
        octs = self._chain.octets(signer + 1)
        bgens = self._blind_chain.points(blind)
        boct = self._blind_chain.octets(blind)
        out = BlindGenerators(
            p1=self._suite._p1,
            q1=gens[0],
            message_generators=(*gens[1 : signer + 1], *bgens[:blind]),
            signer_count=signer,
            committed_count=committed,
            nym_count=nyms,
        )
        return out, [*octs[: signer + 1], *boct[:blind]]

    def _domain_for(self, pk: bytes, octets: Sequence[bytes], header: bytes) -> int:
        return self._suite._calculate_domain(pk, octets, header, self._api_id)

    # ------------------------------------------------------------------ commitments

    def _core_commit(
        self, scalars: Sequence[int], given: Sequence[int] | None
    ) -> tuple[bytes, int]:
        """§4.3.1 ``CoreCommit`` over committed scalars ``msg_1..msg_M``."""
        m = len(scalars)
        if given is None:
            rs = [_random_scalar() for _ in range(m + 2)]
        else:
            rs = [
                _scalar(v, "unsafe_random_scalars", nonzero=True)
                for v in _sequence(given, "unsafe_random_scalars")
            ]
            if len(rs) != m + 2:
                raise InvalidInput(f"expected {m + 2} random scalars")
        blind, s_t, m_t = rs[0], rs[1], rs[2:]
        bgens = self._blind_chain.points(m + 1)[: m + 1]
        bk = self.backend
        c = bk.g1_msm(bgens, [blind, *scalars])
        cbar = bk.g1_msm(bgens, [s_t, *m_t])
        challenge = self._blind_challenge(c, cbar, m)
        s_hat = (s_t + blind * challenge) % R
        m_hats = [(mt + msg * challenge) % R for mt, msg in zip(m_t, scalars, strict=True)]
        out = bk.g1_encode(c) + b"".join(_scalar_octets(v) for v in (s_hat, *m_hats, challenge))
        return out, blind

    def _blind_challenge(self, c: Any, cbar: Any, m: int) -> int:
        """§5.3 ``calculate_blind_challenge``: serialize((M, Q_2, J_1..J_M, C, Cbar))."""
        encode = self.backend.g1_encode
        octs = self._blind_chain.octets(m + 1)[: m + 1]
        data = _i2osp8(m) + b"".join(octs) + encode(c) + encode(cbar)
        return self._suite.hash_to_scalar(data, self._h2s_dst)

    @staticmethod
    def _committed_count(commitment_with_proof: bytes) -> int:
        """Number of committed scalars ``M`` from the commitment length (§5.4.2)."""
        n = len(commitment_with_proof)
        if n < _COMMITMENT_FLOOR or (n - G1_SIZE) % SCALAR_SIZE:
            raise InvalidInput("a commitment with proof is a point and at least 2 scalars")
        return (n - _COMMITMENT_FLOOR) // SCALAR_SIZE

    def _verify_commitment(self, commitment_with_proof: bytes) -> tuple[Any, int]:
        """§4.1.2 ``deserialize_and_validate_commit`` + §4.3.2 ``CoreCommitVerify``.

        Returns the commitment point and ``M``. Malformed bytes raise InvalidInput (a bad
        point InvalidPoint); a well-formed commitment whose proof fails raises
        VerificationError.
        """
        m = self._committed_count(commitment_with_proof)
        bk = self.backend
        c = bk.g1_decode(commitment_with_proof[:G1_SIZE], allow_identity=False)
        values = []
        for start in range(G1_SIZE, len(commitment_with_proof), SCALAR_SIZE):
            s = int.from_bytes(commitment_with_proof[start : start + SCALAR_SIZE], "big")
            if not 0 < s < R:
                raise InvalidInput("commitment proof scalar out of range")
            values.append(s)
        s_hat, m_hats, cp = values[0], values[1:-1], values[-1]
        bgens = self._blind_chain.points(m + 1)[: m + 1]
        cbar = bk.g1_msm([*bgens, c], [s_hat, *m_hats, (-cp) % R])
        if self._blind_challenge(c, cbar, m) != cp:
            raise VerificationError("the commitment's proof of correctness does not verify")
        return c, m

    # ------------------------------------------------------------------ signing

    def _finalize_blind_sign(
        self,
        sk: bytes,
        pk: bytes,
        header: bytes,
        gens: BlindGenerators,
        octets: Sequence[bytes],
        signer_scalars: Sequence[int],
        extra: Sequence[tuple[Any, int]],
    ) -> bytes:
        """§5.2 ``B_calculate`` and §4.3.3 ``FinalizeBlindSign``.

        ``B = P1 + Q_1*domain + sum H_i*msg_i + extra`` (the commitment and, for pseudonyms,
        the signer's nym entropy); ``e = hash_to_scalar(serialize((SK, B)), api_id || "H2S_")``
        (the form that reproduces the fixtures); ``A = B * 1/(SK + e)``.
        """
        suite = self._suite
        x = suite._decode_sk(sk)
        suite._decode_pk(pk)
        domain = self._domain_for(pk, octets, header)
        bk = self.backend
        lsig = gens.signer_count
        b = bk.g1_msm(
            [gens.p1, gens.q1, *gens.message_generators[:lsig], *(p for p, _ in extra)],
            [1, domain, *signer_scalars, *(s for _, s in extra)],
        )
        if bk.g1_is_identity(b):
            raise InvalidInput("blind signing failed: B is the identity")
        e = suite.hash_to_scalar(_scalar_octets(x) + bk.g1_encode(b), self._h2s_dst)
        if (x + e) % R == 0:
            raise InvalidInput("blind signing failed: SK + e = 0 mod r")
        a = bk.g1_mul(b, pow(x + e, -1, R))
        return bk.g1_encode(a) + _scalar_octets(e)

    # ------------------------------------------------------------------ verify, proofs

    def _verify_vector(
        self,
        pk: bytes,
        signature: bytes,
        header: bytes,
        scalars: Sequence[int],
        gens: BlindGenerators,
        octets: Sequence[bytes],
    ) -> None:
        """BBS ``CoreVerify`` over the full signed vector (§4.2.2)."""
        suite = self._suite
        w = suite._decode_pk(pk)
        a, e = suite._decode_signature(signature)
        if len(scalars) != gens.total:
            raise InvalidInput(f"expected {gens.total} signed scalars, got {len(scalars)}")
        domain = self._domain_for(pk, octets, header)
        suite._core_verify(w, a, e, [gens.q1, *gens.message_generators], domain, scalars)

    def _proof_gen_vector(
        self,
        pk: bytes,
        signature: bytes,
        header: bytes,
        ph: bytes,
        scalars: Sequence[int],
        disclosed: Sequence[int],
        gens: BlindGenerators,
        octets: Sequence[bytes],
        given: Sequence[int] | None,
        nym: tuple[bytes, Sequence[int]] | None = None,
    ) -> tuple[bytes, bytes]:
        """BBS ``CoreProofGen`` over the full signed vector (§4.2.3); with ``nym`` =
        ``(context_id, nym_secrets)`` the pseudonym proof is run in parallel (pseudonym
        draft ``CoreProofGenWithNym``). Returns ``(proof, pseudonym or b"")``."""
        suite = self._suite
        suite._decode_pk(pk)
        a, e = suite._decode_signature(signature)
        if len(scalars) != gens.total:
            raise InvalidInput(f"expected {gens.total} signed scalars, got {len(scalars)}")
        rs = suite._proof_random_scalars(len(scalars) - len(disclosed), given)
        domain = self._domain_for(pk, octets, header)
        extra: tuple[Any, ...] = ()
        tail = b""
        pseudonym_octets = b""
        if nym is not None:
            context_id, nym_secrets = nym
            n = len(nym_secrets)
            op, z = self._pseudonym_base(context_id)
            bk = self.backend
            pseudonym = bk.g1_mul(op, _poly(nym_secrets, z))
            # The nym secrets are the last N signed scalars and never disclosed, so their
            # blinding scalars are the last N of m~.
            ut = bk.g1_mul(op, _poly(rs[len(rs) - n :], z))
            if bk.g1_is_identity(pseudonym) or bk.g1_is_identity(ut):
                raise InvalidInput("pseudonym proof failed: identity point")
            extra = (pseudonym, ut)
            tail = _i2osp8(len(context_id)) + context_id
            pseudonym_octets = bk.g1_encode(pseudonym)
        proof = suite._core_proof_gen(
            a,
            e,
            [gens.q1, *gens.message_generators],
            domain,
            scalars,
            disclosed,
            ph,
            rs,
            dst=self._h2s_dst,
            extra_points=extra,
            tail=tail,
        )
        return proof, pseudonym_octets

    def _pseudonym_base(self, context_id: bytes) -> tuple[Any, int]:
        op = self.backend.hash_to_g1(context_id, self._api_id, self._suite._expander)
        z = self._suite.hash_to_scalar(context_id, self._api_id + b"VECT_NYM_SECRETS")
        return op, z

    def _parse_proof_for(self, proof: bytes) -> Any:
        proof = _octets(proof, "proof")
        self._suite._check_proof_length(proof)
        return self._suite._parse_proof(proof)

    def _proof_verify_vector(
        self,
        pk: bytes,
        parsed: Any,
        header: bytes,
        ph: bytes,
        disclosed: Sequence[tuple[int, int]],
        gens: BlindGenerators,
        octets: Sequence[bytes],
        nym: tuple[bytes, bytes] | None = None,
    ) -> None:
        """BBS ``CoreProofVerify`` over the signed vector (§4.2.4); with ``nym`` =
        ``(pseudonym, context_id)`` the pseudonym proof is checked in parallel."""
        suite = self._suite
        w = suite._decode_pk(pk)
        domain = self._domain_for(pk, octets, header)
        extra = None
        tail = b""
        if nym is not None:
            pseudonym_octets, context_id = nym
            bk = self.backend
            pseudonym = bk.g1_decode(pseudonym_octets, allow_identity=False)
            op, z = self._pseudonym_base(context_id)
            n = gens.nym_count

            def extra(p: Any) -> tuple[Any, ...]:
                # Uv = OP * poly(m^ of the nym secrets) - pseudonym * cp
                uv = bk.g1_msm([op, pseudonym], [_poly(p.m_hats[-n:], z), (-p.challenge) % R])
                if bk.g1_is_identity(uv):
                    raise VerificationError("pseudonym proof does not verify")
                return (pseudonym, uv)

            tail = _i2osp8(len(context_id)) + context_id
        suite._core_proof_verify(
            w,
            parsed,
            [gens.q1, *gens.message_generators],
            domain,
            disclosed,
            ph,
            dst=self._h2s_dst,
            extra_points=extra,
            tail=tail,
        )


def _poly(coefficients: Sequence[int], z: int) -> int:
    """``sum(coefficients[i] * z^i) mod r`` (Horner's rule)."""
    acc = 0
    for c in reversed(coefficients):
        acc = (acc * z + c) % R
    return acc


class BlindInterface(_BlindBase):
    """The Blind BBS Signatures Interface (§4.2) of one ciphersuite.

    ``api_id = ciphersuite_id || "BLIND_H2G_HM2S_"``. Use the module constants
    ``zk.bbs.BLIND_BLS12_381_SHA256`` / ``BLIND_BLS12_381_SHAKE256``, or
    ``BlindInterface(suite)`` for a suite on another backend. Failures raise
    :class:`zk.InvalidInput` (malformed input) or :class:`zk.VerificationError`.
    """

    _API_SUFFIX = b"BLIND_H2G_HM2S_"

    def with_backend(self, backend: Backend[Any, Any]) -> BlindInterface:
        """The same interface computed with another curve backend."""
        return BlindInterface(self._suite.with_backend(backend))

    # ------------------------------------------------------------------ scalar level

    def generators(self, signer_count: int, committed_count: int) -> BlindGenerators:
        """``P1``, ``Q_1`` and the ordered generators ``H_1..H_L, Q_2, J_1..J_M``."""
        lsig = _count(signer_count, "signer_count")
        m = _count(committed_count, "committed_count")
        return self._build_generators(lsig, m + 1, m, 0)[0]

    def domain(self, pk: bytes, header: bytes, signer_count: int, committed_count: int) -> int:
        """BBS ``calculate_domain`` of a blind signature with ``L`` signer and ``M`` committed
        messages (``L + 1 + M`` signed scalars, the prover blind included)."""
        pk = _octets(pk, "public key")
        header = _octets(header, "header")
        lsig = _count(signer_count, "signer_count")
        m = _count(committed_count, "committed_count")
        return self._domain_for(pk, self._build_generators(lsig, m + 1, m, 0)[1], header)

    def commit_scalars(
        self,
        committed_scalars: Sequence[int],
        *,
        unsafe_random_scalars: Sequence[int] | None = None,
    ) -> tuple[bytes, int]:
        """§4.1.1 ``Commit`` with the committed messages given as scalars.

        Returns ``(commitment_with_proof, secret_prover_blind)``. ``unsafe_random_scalars``
        (``M + 2`` scalars: the prover blind, ``s~``, ``m~_1..m~_M``) is for test vectors only.
        """
        return self._core_commit(
            _scalars(committed_scalars, "committed_scalars"), unsafe_random_scalars
        )

    def commit(
        self,
        committed_messages: Sequence[bytes],
        *,
        unsafe_random_scalars: Sequence[int] | None = None,
    ) -> tuple[bytes, int]:
        """§4.1.1 ``Commit``: ``(commitment_with_proof, secret_prover_blind)``."""
        return self._core_commit(
            self.messages_to_scalars(committed_messages), unsafe_random_scalars
        )

    def verify_commitment(self, commitment_with_proof: bytes) -> int:
        """§4.1.2/§4.3.2: check a commitment's proof of correctness; returns ``M``."""
        return self._verify_commitment(_octets(commitment_with_proof, "commitment_with_proof"))[1]

    def blind_sign_scalars(
        self,
        sk: bytes,
        pk: bytes,
        commitment_with_proof: bytes | None,
        header: bytes,
        signer_scalars: Sequence[int],
    ) -> bytes:
        """§4.2.1 ``BlindSign`` with the signer's messages given as scalars (ints in
        ``[0, r)``, e.g. integer claims signed as integers rather than hashed).

        ``commitment_with_proof`` may be ``None`` or ``b""`` (no commitment).
        """
        header = _octets(header, "header")
        pk = _octets(pk, "public key")
        scalars = _scalars(signer_scalars, "signer_scalars")
        cwp = (
            b""
            if commitment_with_proof is None
            else _octets(commitment_with_proof, "commitment_with_proof")
        )
        if cwp:
            commit, m = self._verify_commitment(cwp)
        else:
            commit, m = self.backend.g1_identity(), 0
        gens, octs = self._build_generators(len(scalars), m + 1, m, 0)
        return self._finalize_blind_sign(sk, pk, header, gens, octs, scalars, [(commit, 1)])

    def blind_sign(
        self,
        sk: bytes,
        pk: bytes,
        commitment_with_proof: bytes | None,
        header: bytes,
        messages: Sequence[bytes],
    ) -> bytes:
        """§4.2.1 ``BlindSign``: an 80-byte signature over the signer's ``messages`` and the
        prover's committed messages."""
        return self.blind_sign_scalars(
            sk, pk, commitment_with_proof, header, self.messages_to_scalars(messages)
        )

    def signed_scalars(
        self,
        signer_scalars: Sequence[int],
        secret_prover_blind: int,
        committed_scalars: Sequence[int],
    ) -> list[int]:
        """The full ordered vector a blind signature signs: signer scalars, prover blind,
        committed scalars (indexes ``0..L-1``, ``L``, ``L+1..L+M``)."""
        return [
            *_scalars(signer_scalars, "signer_scalars"),
            _scalar(secret_prover_blind, "secret_prover_blind"),
            *_scalars(committed_scalars, "committed_scalars"),
        ]

    def verify_scalars(
        self,
        pk: bytes,
        signature: bytes,
        header: bytes,
        scalars: Sequence[int],
        *,
        signer_count: int,
    ) -> None:
        """BBS ``CoreVerify`` of a blind signature over its full signed vector (see
        :meth:`signed_scalars`); ``signer_count`` is ``L``."""
        pk = _octets(pk, "public key")
        header = _octets(header, "header")
        values = _scalars(scalars, "scalars")
        lsig = _count(signer_count, "signer_count")
        m = len(values) - lsig - 1
        if m < 0:
            raise InvalidInput("the signed vector is shorter than signer_count + 1")
        gens, octs = self._build_generators(lsig, m + 1, m, 0)
        self._verify_vector(pk, signature, header, values, gens, octs)

    def verify(
        self,
        pk: bytes,
        signature: bytes,
        header: bytes,
        messages: Sequence[bytes],
        committed_messages: Sequence[bytes],
        secret_prover_blind: int,
    ) -> None:
        """§4.2.2 ``VerifyBlindSign``: ``None`` if valid, else :class:`zk.VerificationError`.

        Without a commitment pass ``committed_messages=[]`` and ``secret_prover_blind=0``.
        """
        signer = self.messages_to_scalars(messages)
        vector = self.signed_scalars(
            signer, secret_prover_blind, self.messages_to_scalars(committed_messages)
        )
        self.verify_scalars(pk, signature, header, vector, signer_count=len(signer))

    def proof_gen_scalars(
        self,
        pk: bytes,
        signature: bytes,
        header: bytes,
        presentation_header: bytes,
        scalars: Sequence[int],
        disclosed_indexes: Sequence[int],
        *,
        signer_count: int,
        unsafe_random_scalars: Sequence[int] | None = None,
    ) -> bytes:
        """BBS ``CoreProofGen`` over the full signed vector; ``disclosed_indexes`` index that
        vector (the prover blind, index ``L``, should stay undisclosed)."""
        pk = _octets(pk, "public key")
        header = _octets(header, "header")
        ph = _octets(presentation_header, "presentation_header")
        values = _scalars(scalars, "scalars")
        lsig = _count(signer_count, "signer_count")
        m = len(values) - lsig - 1
        if m < 0:
            raise InvalidInput("the signed vector is shorter than signer_count + 1")
        disclosed = _index_list(disclosed_indexes, len(values), "disclosed_indexes")
        gens, octs = self._build_generators(lsig, m + 1, m, 0)
        return self._proof_gen_vector(
            pk, signature, header, ph, values, disclosed, gens, octs, unsafe_random_scalars
        )[0]

    def proof_verify_scalars(
        self,
        pk: bytes,
        proof: bytes,
        header: bytes,
        presentation_header: bytes,
        disclosed: Mapping[int, int],
        *,
        signer_count: int,
    ) -> None:
        """BBS ``CoreProofVerify``; ``disclosed`` maps indexes of the full signed vector to
        their scalars."""
        pk = _octets(pk, "public key")
        header = _octets(header, "header")
        ph = _octets(presentation_header, "presentation_header")
        if not isinstance(disclosed, Mapping):
            raise InvalidInput("disclosed must be a mapping of index to scalar")
        parsed = self._parse_proof_for(proof)
        lsig = _count(signer_count, "signer_count")
        total = len(disclosed) + len(parsed.m_hats)
        m = total - lsig - 1
        if m < 0:
            raise InvalidInput("the proof does not fit signer_count")
        keys = list(disclosed)
        if any(type(i) is not int for i in keys):
            raise InvalidInput("disclosed indexes must be integers")
        indexes = _index_list(sorted(keys), total, "disclosed indexes")
        pairs = [(i, _scalar(disclosed[i], f"disclosed[{i}]")) for i in indexes]
        gens, octs = self._build_generators(lsig, m + 1, m, 0)
        self._proof_verify_vector(pk, parsed, header, ph, pairs, gens, octs)

    # ------------------------------------------------------------------ proofs (bytes)

    def proof_gen(
        self,
        pk: bytes,
        signature: bytes,
        header: bytes,
        presentation_header: bytes,
        messages: Sequence[bytes],
        committed_messages: Sequence[bytes],
        disclosed_indexes: Sequence[int],
        disclosed_commitment_indexes: Sequence[int],
        secret_prover_blind: int,
        *,
        unsafe_random_scalars: Sequence[int] | None = None,
    ) -> bytes:
        """§4.2.3 ``BlindProofGen``: a BBS proof disclosing ``messages[i]`` for ``i`` in
        ``disclosed_indexes`` and ``committed_messages[j]`` for ``j`` in
        ``disclosed_commitment_indexes``.

        ``unsafe_random_scalars`` (``5 + U``) reproduces test vectors only.
        """
        signer, committed, disclosed = self._prover_vector(
            messages, committed_messages, disclosed_indexes, disclosed_commitment_indexes
        )
        vector = self.signed_scalars(signer, secret_prover_blind, committed)
        return self.proof_gen_scalars(
            pk,
            signature,
            header,
            presentation_header,
            vector,
            disclosed,
            signer_count=len(signer),
            unsafe_random_scalars=unsafe_random_scalars,
        )

    def proof_verify(
        self,
        pk: bytes,
        proof: bytes,
        header: bytes,
        presentation_header: bytes,
        signer_count: int,
        disclosed_messages: Sequence[bytes],
        disclosed_committed_messages: Sequence[bytes],
        disclosed_indexes: Sequence[int],
        disclosed_committed_indexes: Sequence[int],
    ) -> None:
        """§4.2.4 ``BlindProofVerify``; ``signer_count`` is ``L``, the number of signer
        messages. ``None`` if valid, else :class:`zk.VerificationError`."""
        lsig, disclosed = self._disclosed_for_verify(
            signer_count,
            disclosed_messages,
            disclosed_committed_messages,
            disclosed_indexes,
            disclosed_committed_indexes,
        )
        self.proof_verify_scalars(
            pk, proof, header, presentation_header, disclosed, signer_count=lsig
        )
