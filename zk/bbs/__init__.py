"""BBS signatures (draft-irtf-cfrg-bbs-signatures) over BLS12-381.

Two ciphersuites, both on the production (arkworks) backend by default::

    from zk import bbs
    suite = bbs.BLS12_381_SHA256
    sk = suite.keygen(key_material)
    pk = suite.sk_to_pk(sk)
    sig = suite.sign(sk, pk, header, messages)
    suite.verify(pk, sig, header, messages)              # raises zk.VerificationError
    proof = suite.proof_gen(pk, sig, header, ph, messages, [0, 2])
    suite.proof_verify(pk, proof, header, ph, [messages[0], messages[2]], [0, 2])
"""

from __future__ import annotations

from ._suite import Ciphersuite

__all__ = ["BLS12_381_SHA256", "BLS12_381_SHAKE256", "Ciphersuite"]

#: BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_ (draft §7.2.2).
BLS12_381_SHA256 = Ciphersuite(b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_", "xmd:sha256")
#: BBS_BLS12381G1_XOF:SHAKE-256_SSWU_RO_ (draft §7.2.1).
BLS12_381_SHAKE256 = Ciphersuite(b"BBS_BLS12381G1_XOF:SHAKE-256_SSWU_RO_", "xof:shake256")
