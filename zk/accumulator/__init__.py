"""A pairing-based positive accumulator for credential revocation.

The scheme is the positive part of Vitto & Biryukov, "Dynamic Universal Accumulator with Batch
Update over Bilinear Groups" (CT-RSA 2022, IACR ePrint 2020/777), cited as [VB], itself an
extension of Nguyen's accumulator (CT-RSA 2005). Citations name the part of [VB] by its topic
(ePrint 2020/777): witness generation and verification, witness update, "Batch Updates",
"Zero-Knowledge Proofs", "Security".

Design
------

* **Keys.** The issuer (accumulator manager) holds a secret scalar ``alpha``; its public key is
  ``Q~ = alpha * P~`` in G2 (``P~`` the standard G2 generator).
* **Value.** The accumulator value ``V`` is a G1 point. A new registry starts at
  ``V_0 = hash_to_G1(registry id)`` (:func:`initial_value`, RFC 9380, DST :data:`VALUE_DST`),
  published on the ledger as version 1 with an empty ``update`` (:func:`genesis_ledger_payload`).
* **Issuance.** A member is a random scalar ``y`` drawn by the issuer (the credential signs it as
  a hidden BBS message). The issuer hands out the witness ``C = V / (y + alpha)`` computed with
  its secret key ([VB], "Membership witness generation"). Issuance does **not** change ``V``:
  the set of members is implicit (every ``y`` not deleted), so setting up a registry is O(1),
  with no tails file, and issuing never disturbs other holders. A witness verifies iff
  ``e(C, y*P~ + Q~) == e(V, P~)``.
* **Revocation** is a batch deletion of ``y_1..y_k`` ([VB], "Batch Updates"):
  ``V' = V / prod(y_i + alpha)``. With ``d_D(x) = prod(y_i - x)`` and
  ``v_D(x) = sum_s prod_{j<s}(y_j - x) / prod_{i<=s}(y_i + alpha)`` (degree ``k - 1``, with
  coefficients ``v_t``), the issuer publishes ``Omega_t = v_t * V`` (``t < k``). A holder
  updates with ``C' = (C - sum_t y^t * Omega_t) / d_D(y)``: one multi-scalar multiplication of
  size ``k + 1``, knowing only the deleted ``y_i`` and ``Omega``. (Unrolling the single-deletion
  update ``C_s = (C_{s-1} - V_s) / (y_s - y)`` gives
  ``d_D(y) * C_k = C - sum_s prod_{j<s}(y_j - y) * V_s = C - v_D(y) * V``.) A revoked holder
  has ``d_D(y) = 0`` and gets :class:`Revoked`. Publishing ``Omega`` reveals exactly the
  intermediate values ``V_s`` that sequential single deletions would publish (the map from
  ``(V_s)`` to ``(Omega_t)`` is triangular and invertible).
* **Publication.** :class:`AccumulatorUpdate` carries the epoch (= ledger version), previous
  and new values, deleted elements (sorted) and ``Omega``: ``109 + 80 k`` bytes. Batches are
  split so that each update fits the ledger's ``update`` field (49,152 base64url characters,
  459 deletions; :func:`split_revocations`); ``to_ledger_payload()`` gives the ``value`` and
  ``update`` fields.
* **Holders** keep a :class:`Witness` ``(y, C, V, epoch, Q~)`` and apply every update in order
  (:meth:`Witness.update`: the epochs must follow each other and each update must start from
  the value reached; the result is checked with one pairing).
* **Membership proof** ([VB], "Zero-Knowledge Proofs"): the randomised witness ``C' = r*C``,
  ``Cbar = r*V - y*C'`` (``= alpha*C'``), the pairing equation ``e(C', Q~) == e(Cbar, P~)``
  and a Schnorr proof of knowledge of ``(r, y)`` with ``Cbar = r*V - y*C'``, whose response
  for ``y`` is shared with the BBS proof that hides ``y`` (:class:`MembershipProver`,
  :func:`membership_verification`). :func:`prove_membership` / :func:`verify_membership`
  run it alone. Sizes: ``C' || Cbar || r^`` is 128 bytes (192 standalone, with ``c`` and
  ``y^``).

Security
--------

Soundness of the accumulator ([VB], "Security"; Nguyen 2005): producing a valid witness
``V/(y+alpha)`` for an element ``y`` that is not a member (never issued, or deleted) reduces to
the q-Strong Diffie-Hellman assumption in the bilinear group (Boneh & Boyen, EUROCRYPT 2004):
the witnesses and the values ``V_s`` published by deletions are weak Boneh-Boyen signatures
on the elements under ``alpha``, which is why elements are drawn at random by the issuer and
never chosen by holders. The membership proof is a sigma protocol: from two accepting
transcripts with the same commitment one extracts ``(r, y)`` with ``Cbar = r*V - y*C'``;
with ``Cbar = alpha*C'`` (pairing check) this gives ``(y + alpha) * C' = r * V``, so
``C'/r`` is a witness for ``y`` (``r = 0`` would force ``C' = 0``, which is rejected, or
``y = -alpha``, which reveals the secret key). It is honest-verifier zero-knowledge: ``C'`` is a
uniformly random non-identity point whatever ``C`` is, ``Cbar`` is determined by ``C'``, and the
Schnorr part is simulated as usual; the Fiat-Shamir transform in the random-oracle model makes
it non-interactive. Verifiers learn nothing that links two presentations of one holder.

Not covered: additions that change ``V`` and non-membership witnesses ([VB]'s universal part)
are not used; the secret key stays with the issuer.
"""

from __future__ import annotations

from ._proof import (
    MEMBERSHIP_PROOF_SIZE,
    STANDALONE_PROOF_SIZE,
    MembershipCheck,
    MembershipProof,
    MembershipProver,
    StandaloneMembershipProof,
    membership_verification,
    prove_membership,
    verify_membership,
)
from ._vb import (
    MAX_UPDATE_CHARS,
    UPDATE_BYTES_PER_DELETION,
    UPDATE_HEADER_SIZE,
    VALUE_DST,
    AccumulatorIssuer,
    AccumulatorUpdate,
    Revoked,
    StaleWitness,
    Witness,
    decode_public_key,
    decode_value,
    genesis_ledger_payload,
    initial_value,
    max_deletions_per_update,
    random_scalar,
    single_deletion_update,
    split_revocations,
)

__all__ = [
    "MAX_UPDATE_CHARS",
    "MEMBERSHIP_PROOF_SIZE",
    "STANDALONE_PROOF_SIZE",
    "UPDATE_BYTES_PER_DELETION",
    "UPDATE_HEADER_SIZE",
    "VALUE_DST",
    "AccumulatorIssuer",
    "AccumulatorUpdate",
    "MembershipCheck",
    "MembershipProof",
    "MembershipProver",
    "Revoked",
    "StaleWitness",
    "StandaloneMembershipProof",
    "Witness",
    "decode_public_key",
    "decode_value",
    "genesis_ledger_payload",
    "initial_value",
    "max_deletions_per_update",
    "membership_verification",
    "prove_membership",
    "random_scalar",
    "single_deletion_update",
    "split_revocations",
    "verify_membership",
]
