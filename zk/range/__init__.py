"""Range proofs: Bulletproofs (Bünz et al., IEEE S&P 2018) over BLS12-381 G1.

Prove, in zero knowledge, that values hidden in Pedersen commitments ``V = v*G + gamma*H``
lie in ``[0, 2^n)`` for ``n`` in 8, 16, 32, 64, one value or an aggregate of 2, 4 or 8
(§4.1, §4.3). Proofs have ``2*log2(n*m) + 4`` points and 5 scalars (928 bytes for one 64-bit
value). Proving and verification write into the caller's :class:`zk.Transcript`, so a range
proof is bound into the presentation it belongs to; verification is one multi-scalar
multiplication whose terms the caller may fold into its own (§6.2)::

    t = Transcript(b"my-protocol")            # ... with the caller's context appended
    commitments, proof = range.prove(t, [age], [gamma], 8)
    data = proof.to_bytes()

    t = Transcript(b"my-protocol")            # the verifier rebuilds the same context
    proof = range.RangeProof.from_bytes(data, 1, 8)
    range.verify(t, commitments, proof, 8)    # raises zk.VerificationError
"""

from __future__ import annotations

from ._bulletproofs import (
    BIT_SIZES,
    MAX_AGGREGATION,
    RangeProof,
    commit,
    default_gens,
    proof_size,
    prove,
    verification_terms,
    verify,
)
from ._generators import GENERATORS_DST, BulletproofGens

__all__ = [
    "BIT_SIZES",
    "GENERATORS_DST",
    "MAX_AGGREGATION",
    "BulletproofGens",
    "RangeProof",
    "commit",
    "default_gens",
    "proof_size",
    "prove",
    "verification_terms",
    "verify",
]
