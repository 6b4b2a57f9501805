"""BBS signatures (draft-irtf-cfrg-bbs-signatures) over BLS12-381, with blind signatures and
per-verifier pseudonyms.

Two ciphersuites, both on the production (arkworks) backend by default::

    from zk import bbs
    suite = bbs.BLS12_381_SHA256
    sk = suite.keygen(key_material)
    pk = suite.sk_to_pk(sk)
    sig = suite.sign(sk, pk, header, messages)
    suite.verify(pk, sig, header, messages)              # raises zk.VerificationError
    proof = suite.proof_gen(pk, sig, header, ph, messages, [0, 2])
    suite.proof_verify(pk, proof, header, ph, [messages[0], messages[2]], [0, 2])

Blind signatures (draft-irtf-cfrg-bbs-blind-signatures, 2025 -01/-02 text)::

    blind = bbs.BLIND_BLS12_381_SHA256
    commitment, prover_blind = blind.commit(committed_messages)          # prover
    sig = blind.blind_sign(sk, pk, commitment, header, messages)         # signer
    blind.verify(pk, sig, header, messages, committed_messages, prover_blind)

Per-verifier pseudonyms (draft-irtf-cfrg-bbs-per-verifier-linkability -02) are in
``bbs.NYM_BLS12_381_SHA256`` / ``bbs.NYM_BLS12_381_SHAKE256`` (:class:`NymInterface`).
"""

from __future__ import annotations

from ._blind import BlindGenerators, BlindInterface
from ._nym import NymInterface
from ._suite import Ciphersuite

__all__ = [
    "BLIND_BLS12_381_SHA256",
    "BLIND_BLS12_381_SHAKE256",
    "BLS12_381_SHA256",
    "BLS12_381_SHAKE256",
    "NYM_BLS12_381_SHA256",
    "NYM_BLS12_381_SHAKE256",
    "BlindGenerators",
    "BlindInterface",
    "Ciphersuite",
    "NymInterface",
]

#: BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_ (draft §7.2.2).
BLS12_381_SHA256 = Ciphersuite(b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_", "xmd:sha256")
#: BBS_BLS12381G1_XOF:SHAKE-256_SSWU_RO_ (draft §7.2.1).
BLS12_381_SHAKE256 = Ciphersuite(b"BBS_BLS12381G1_XOF:SHAKE-256_SSWU_RO_", "xof:shake256")
#: Blind BBS interface of the SHA-256 suite (api_id ``…_SSWU_RO_BLIND_H2G_HM2S_``).
BLIND_BLS12_381_SHA256 = BlindInterface(BLS12_381_SHA256)
#: Blind BBS interface of the SHAKE-256 suite.
BLIND_BLS12_381_SHAKE256 = BlindInterface(BLS12_381_SHAKE256)
#: Pseudonym interface of the SHA-256 suite (api_id ``…_SSWU_RO_H2G_HM2S_PSEUDONYM_``).
NYM_BLS12_381_SHA256 = NymInterface(BLS12_381_SHA256)
#: Pseudonym interface of the SHAKE-256 suite.
NYM_BLS12_381_SHAKE256 = NymInterface(BLS12_381_SHAKE256)
