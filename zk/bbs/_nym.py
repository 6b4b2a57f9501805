"""BBS per-verifier pseudonyms, draft-irtf-cfrg-bbs-per-verifier-linkability -02 (July 2025).

Which text is followed, and why
-------------------------------
The operations follow draft **-02** ("n-use unlinkable pseudonyms": a *vector* of nym
secrets), the version whose fixtures are in ``tests/vectors/ietf-bbs-per-verifier-linkability``;
section numbers (§) are those of the draft's "BBS Pseudonym Interface" (§6) and "Core
Operations" (§7). The draft's markdown still describes a single ``nym_secret`` in places; the
vector form below is the one that reproduces every fixture byte for byte:

* ``api_id = ciphersuite_id || "H2G_HM2S_PSEUDONYM_"``; blind generators from
  ``"BLIND_" || api_id``; the commitment, ``FinalizeBlindSign`` and the signed vector are those
  of Blind BBS (-01/-02, see :mod:`zk.bbs._blind`), with the ``N`` prover nyms committed after
  the ``M`` committed messages.
* §6.1.2 ``BlindSignWithNym``: ``B = P1 + Q_1*domain + sum H_i*msg_i + commitment +
  J_(M+N) * signer_nym_entropy``; the signer's entropy is added to the *last* prover nym, so
  ``nym_secrets = prover_nyms`` with ``nym_secrets[-1] += signer_nym_entropy (mod r)``.
* The number ``N`` of nym secrets is bound into the signature and proofs: the header passed
  to ``calculate_domain`` is ``header || I2OSP(N, 8)``.
* Signed vector: signer messages (``0..L-1``), ``secret_prover_blind`` (``L``), committed
  messages (``L+1..L+M``), nym secrets (``L+1+M..L+M+N``).
* §4/§7.3: ``OP = hash_to_curve_g1(context_id, api_id)`` (the api_id is the DST),
  ``z = hash_to_scalar(context_id, api_id || "VECT_NYM_SECRETS")``,
  ``pseudonym = OP * poly(z)`` with ``poly(z) = sum nym_secrets[i] * z^i``; the proof adds
  ``Ut = OP * poly~(z)`` (blinding scalars of the nym secrets) and the verifier recomputes
  ``Uv = OP * poly^(z) - pseudonym * c``.
* §8.1 challenge: ``serialize((R, i_1, msg_i1, ..., Abar, Bbar, D, T1, T2, pseudonym, Ut,
  domain)) || I2OSP(len(ph), 8) || ph || I2OSP(len(context_id), 8) || context_id`` hashed with
  ``api_id || "H2S_"``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from .._errors import InvalidInput
from ..curve import Backend, R
from ._blind import (
    BlindGenerators,
    _BlindBase,
    _index_list,
    _poly,
    _scalar,
    _scalars,
)
from ._suite import _count, _i2osp8, _octets

__all__ = ["NymInterface"]


class NymInterface(_BlindBase):
    """The BBS Pseudonym Interface (§6) of one ciphersuite.

    ``api_id = ciphersuite_id || "H2G_HM2S_PSEUDONYM_"``. Use ``zk.bbs.NYM_BLS12_381_SHA256``
    / ``NYM_BLS12_381_SHAKE256``, or ``NymInterface(suite)`` for another backend. Failures
    raise :class:`zk.InvalidInput` (malformed input) or :class:`zk.VerificationError`.
    """

    _API_SUFFIX = b"H2G_HM2S_PSEUDONYM_"

    def with_backend(self, backend: Backend[Any, Any]) -> NymInterface:
        """The same interface computed with another curve backend."""
        return NymInterface(self._suite.with_backend(backend))

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _nym_count(value: object) -> int:
        n = _count(value, "nym_count")
        if n < 1:
            raise InvalidInput("at least one nym secret is needed")
        return n

    @staticmethod
    def _bound_header(header: bytes, nym_count: int) -> bytes:
        # The vector length is bound into the domain: header || I2OSP(N, 8).
        return header + _i2osp8(nym_count)

    def _gens(self, signer: int, committed: int, nyms: int) -> tuple[BlindGenerators, list[bytes]]:
        return self._build_generators(signer, committed + nyms + 1, committed, nyms)

    @staticmethod
    def generate_signer_nym_entropy() -> int:
        """A fresh random ``signer_nym_entropy`` (non-zero scalar) for :meth:`blind_sign`."""
        return secrets.randbelow(R - 1) + 1

    @staticmethod
    def nym_secrets(prover_nyms: Sequence[int], signer_nym_entropy: int) -> list[int]:
        """``prover_nyms`` with ``signer_nym_entropy`` added to the last one (mod r)."""
        nyms = _scalars(prover_nyms, "prover_nyms")
        if not nyms:
            raise InvalidInput("at least one prover nym is needed")
        entropy = _scalar(signer_nym_entropy, "signer_nym_entropy")
        return [*nyms[:-1], (nyms[-1] + entropy) % R]

    # ------------------------------------------------------------------ scalar level

    def generators(
        self, signer_count: int, committed_count: int, nym_count: int
    ) -> BlindGenerators:
        """``P1``, ``Q_1`` and the ordered generators ``H_1..H_L, Q_2, J_1..J_M,
        J_(M+1)..J_(M+N)`` (the last ``N`` for the nym secrets)."""
        lsig = _count(signer_count, "signer_count")
        m = _count(committed_count, "committed_count")
        return self._gens(lsig, m, self._nym_count(nym_count))[0]

    def domain(
        self, pk: bytes, header: bytes, signer_count: int, committed_count: int, nym_count: int
    ) -> int:
        """``calculate_domain`` of a pseudonym signature (``L + 1 + M + N`` signed scalars);
        the header is bound to ``N`` (``header || I2OSP(N, 8)``)."""
        pk = _octets(pk, "public key")
        header = _octets(header, "header")
        lsig = _count(signer_count, "signer_count")
        m = _count(committed_count, "committed_count")
        n = self._nym_count(nym_count)
        return self._domain_for(pk, self._gens(lsig, m, n)[1], self._bound_header(header, n))

    def commit_scalars(
        self,
        committed_scalars: Sequence[int],
        prover_nyms: Sequence[int],
        *,
        unsafe_random_scalars: Sequence[int] | None = None,
    ) -> tuple[bytes, int]:
        """§6.1.1 ``CommitWithNym`` with the committed messages as scalars: a Blind BBS
        commitment to ``committed_scalars`` followed by ``prover_nyms``.

        Returns ``(commitment_with_proof, secret_prover_blind)``; ``unsafe_random_scalars``
        (``M + N + 2``) is for test vectors only.
        """
        values = _scalars(committed_scalars, "committed_scalars")
        nyms = _scalars(prover_nyms, "prover_nyms")
        if not nyms:
            raise InvalidInput("at least one prover nym is needed")
        return self._core_commit([*values, *nyms], unsafe_random_scalars)

    def commit(
        self,
        committed_messages: Sequence[bytes],
        prover_nyms: Sequence[int],
        *,
        unsafe_random_scalars: Sequence[int] | None = None,
    ) -> tuple[bytes, int]:
        """§6.1.1 ``CommitWithNym``: ``(commitment_with_proof, secret_prover_blind)``."""
        return self.commit_scalars(
            self.messages_to_scalars(committed_messages),
            prover_nyms,
            unsafe_random_scalars=unsafe_random_scalars,
        )

    def verify_commitment(self, commitment_with_proof: bytes) -> int:
        """Check a commitment's proof of correctness; returns ``M + N``."""
        return self._verify_commitment(_octets(commitment_with_proof, "commitment_with_proof"))[1]

    def blind_sign_scalars(
        self,
        sk: bytes,
        pk: bytes,
        commitment_with_proof: bytes,
        signer_nym_entropy: int,
        header: bytes,
        signer_scalars: Sequence[int],
        *,
        nym_count: int = 1,
    ) -> bytes:
        """§6.1.2 ``BlindSignWithNym`` with the signer's messages as scalars (ints in
        ``[0, r)``). ``nym_count`` is the number ``N`` of prover nyms in the commitment."""
        header = _octets(header, "header")
        pk = _octets(pk, "public key")
        scalars = _scalars(signer_scalars, "signer_scalars")
        entropy = _scalar(signer_nym_entropy, "signer_nym_entropy")
        n = self._nym_count(nym_count)
        cwp = _octets(commitment_with_proof, "commitment_with_proof")
        commit, total = self._verify_commitment(cwp)
        m = total - n
        if m < 0:
            raise InvalidInput("the commitment holds fewer scalars than nym_count")
        gens, octs = self._gens(len(scalars), m, n)
        nym_generator = gens.message_generators[-1]
        return self._finalize_blind_sign(
            sk,
            pk,
            self._bound_header(header, n),
            gens,
            octs,
            scalars,
            [(commit, 1), (nym_generator, entropy)],
        )

    def blind_sign(
        self,
        sk: bytes,
        pk: bytes,
        commitment_with_proof: bytes,
        signer_nym_entropy: int,
        header: bytes,
        messages: Sequence[bytes],
        *,
        nym_count: int = 1,
    ) -> bytes:
        """§6.1.2 ``BlindSignWithNym``: an 80-byte signature; send it with
        ``signer_nym_entropy`` (see :meth:`generate_signer_nym_entropy`) to the prover."""
        return self.blind_sign_scalars(
            sk,
            pk,
            commitment_with_proof,
            signer_nym_entropy,
            header,
            self.messages_to_scalars(messages),
            nym_count=nym_count,
        )

    def signed_scalars(
        self,
        signer_scalars: Sequence[int],
        secret_prover_blind: int,
        committed_scalars: Sequence[int],
        nym_secrets: Sequence[int],
    ) -> list[int]:
        """The full ordered vector a pseudonym signature signs: signer scalars, prover blind,
        committed scalars, nym secrets."""
        nyms = _scalars(nym_secrets, "nym_secrets")
        if not nyms:
            raise InvalidInput("at least one nym secret is needed")
        return [
            *_scalars(signer_scalars, "signer_scalars"),
            _scalar(secret_prover_blind, "secret_prover_blind"),
            *_scalars(committed_scalars, "committed_scalars"),
            *nyms,
        ]

    def _layout(self, total: int, signer_count: object, nym_count: object) -> tuple[int, int, int]:
        lsig = _count(signer_count, "signer_count")
        n = self._nym_count(nym_count)
        m = total - lsig - 1 - n
        if m < 0:
            raise InvalidInput("the signed vector is shorter than signer_count + 1 + nym_count")
        return lsig, m, n

    def verify_scalars(
        self,
        pk: bytes,
        signature: bytes,
        header: bytes,
        scalars: Sequence[int],
        *,
        signer_count: int,
        nym_count: int = 1,
    ) -> None:
        """``CoreVerify`` of a pseudonym signature over its full signed vector (see
        :meth:`signed_scalars`)."""
        pk = _octets(pk, "public key")
        header = _octets(header, "header")
        values = _scalars(scalars, "scalars")
        lsig, m, n = self._layout(len(values), signer_count, nym_count)
        gens, octs = self._gens(lsig, m, n)
        self._verify_vector(pk, signature, self._bound_header(header, n), values, gens, octs)

    def verify(
        self,
        pk: bytes,
        signature: bytes,
        header: bytes,
        messages: Sequence[bytes],
        committed_messages: Sequence[bytes],
        prover_nyms: Sequence[int],
        signer_nym_entropy: int,
        secret_prover_blind: int,
    ) -> list[int]:
        """§6.1.3 ``VerifyFinalizeWithNym``: verify the signature and return the
        ``nym_secrets``; raises :class:`zk.VerificationError` if invalid."""
        nym_secrets = self.nym_secrets(prover_nyms, signer_nym_entropy)
        signer = self.messages_to_scalars(messages)
        vector = self.signed_scalars(
            signer, secret_prover_blind, self.messages_to_scalars(committed_messages), nym_secrets
        )
        self.verify_scalars(
            pk, signature, header, vector, signer_count=len(signer), nym_count=len(nym_secrets)
        )
        return nym_secrets

    # ------------------------------------------------------------------ pseudonyms

    def pseudonym_base(self, context_id: bytes) -> tuple[Any, int]:
        """``(OP, z)``: ``OP = hash_to_curve_g1(context_id, api_id)`` (a backend point) and
        ``z = hash_to_scalar(context_id, api_id || "VECT_NYM_SECRETS")``."""
        return self._pseudonym_base(_octets(context_id, "context_id"))

    def calculate_pseudonym(self, context_id: bytes, nym_secrets: Sequence[int]) -> bytes:
        """§4: ``pseudonym = OP * sum(nym_secrets[i] * z^i)``, 48 bytes."""
        nyms = _scalars(nym_secrets, "nym_secrets")
        if not nyms:
            raise InvalidInput("at least one nym secret is needed")
        op, z = self.pseudonym_base(context_id)
        bk = self.backend
        point = bk.g1_mul(op, _poly(nyms, z))
        if bk.g1_is_identity(point):
            raise InvalidInput("the nym secrets give the identity pseudonym")
        return bk.g1_encode(point)

    def proof_gen_scalars(
        self,
        pk: bytes,
        signature: bytes,
        header: bytes,
        presentation_header: bytes,
        context_id: bytes,
        scalars: Sequence[int],
        disclosed_indexes: Sequence[int],
        *,
        signer_count: int,
        nym_count: int = 1,
        unsafe_random_scalars: Sequence[int] | None = None,
    ) -> tuple[bytes, bytes]:
        """§7.1 ``CoreProofGenWithNym`` over the full signed vector: ``(proof, pseudonym)``.

        ``disclosed_indexes`` index the vector; the nym secrets (its last ``nym_count``
        entries) can never be disclosed.
        """
        pk = _octets(pk, "public key")
        header = _octets(header, "header")
        ph = _octets(presentation_header, "presentation_header")
        context_id = _octets(context_id, "context_id")
        values = _scalars(scalars, "scalars")
        lsig, m, n = self._layout(len(values), signer_count, nym_count)
        disclosed = _index_list(disclosed_indexes, len(values) - n, "disclosed_indexes")
        gens, octs = self._gens(lsig, m, n)
        return self._proof_gen_vector(
            pk,
            signature,
            self._bound_header(header, n),
            ph,
            values,
            disclosed,
            gens,
            octs,
            unsafe_random_scalars,
            nym=(context_id, values[len(values) - n :]),
        )

    def proof_verify_scalars(
        self,
        pk: bytes,
        proof: bytes,
        header: bytes,
        presentation_header: bytes,
        pseudonym: bytes,
        context_id: bytes,
        disclosed: Mapping[int, int],
        *,
        signer_count: int,
        nym_count: int = 1,
    ) -> None:
        """§7.2 ``CoreProofVerifyWithNym``; ``disclosed`` maps indexes of the full signed
        vector to scalars."""
        pk = _octets(pk, "public key")
        header = _octets(header, "header")
        ph = _octets(presentation_header, "presentation_header")
        pseudonym = _octets(pseudonym, "pseudonym")
        context_id = _octets(context_id, "context_id")
        if not isinstance(disclosed, Mapping):
            raise InvalidInput("disclosed must be a mapping of index to scalar")
        parsed = self._parse_proof_for(proof)
        total = len(disclosed) + len(parsed.m_hats)
        lsig, m, n = self._layout(total, signer_count, nym_count)
        keys = list(disclosed)
        if any(type(i) is not int for i in keys):
            raise InvalidInput("disclosed indexes must be integers")
        indexes = _index_list(sorted(keys), total - n, "disclosed indexes")
        pairs = [(i, _scalar(disclosed[i], f"disclosed[{i}]")) for i in indexes]
        gens, octs = self._gens(lsig, m, n)
        self._proof_verify_vector(
            pk,
            parsed,
            self._bound_header(header, n),
            ph,
            pairs,
            gens,
            octs,
            nym=(pseudonym, context_id),
        )

    # ------------------------------------------------------------------ proofs (bytes)

    def proof_gen(
        self,
        pk: bytes,
        signature: bytes,
        header: bytes,
        presentation_header: bytes,
        nym_secrets: Sequence[int],
        context_id: bytes,
        messages: Sequence[bytes],
        committed_messages: Sequence[bytes],
        disclosed_indexes: Sequence[int],
        disclosed_commitment_indexes: Sequence[int],
        secret_prover_blind: int,
        *,
        unsafe_random_scalars: Sequence[int] | None = None,
    ) -> tuple[bytes, bytes]:
        """§6.2 ``ProofGenWithNym``: ``(proof, pseudonym)`` for ``context_id``."""
        signer, committed, disclosed = self._prover_vector(
            messages, committed_messages, disclosed_indexes, disclosed_commitment_indexes
        )
        vector = self.signed_scalars(signer, secret_prover_blind, committed, nym_secrets)
        return self.proof_gen_scalars(
            pk,
            signature,
            header,
            presentation_header,
            context_id,
            vector,
            disclosed,
            signer_count=len(signer),
            nym_count=len(nym_secrets),
            unsafe_random_scalars=unsafe_random_scalars,
        )

    def proof_verify(
        self,
        pk: bytes,
        proof: bytes,
        header: bytes,
        presentation_header: bytes,
        pseudonym: bytes,
        context_id: bytes,
        signer_count: int,
        disclosed_messages: Sequence[bytes],
        disclosed_committed_messages: Sequence[bytes],
        disclosed_indexes: Sequence[int],
        disclosed_committed_indexes: Sequence[int],
        *,
        nym_count: int = 1,
    ) -> None:
        """§6.3 ``ProofVerifyWithNym``: ``None`` if the proof and the pseudonym are valid,
        else :class:`zk.VerificationError`."""
        lsig, disclosed = self._disclosed_for_verify(
            signer_count,
            disclosed_messages,
            disclosed_committed_messages,
            disclosed_indexes,
            disclosed_committed_indexes,
        )
        self.proof_verify_scalars(
            pk,
            proof,
            header,
            presentation_header,
            pseudonym,
            context_id,
            disclosed,
            signer_count=lsig,
            nym_count=nym_count,
        )
