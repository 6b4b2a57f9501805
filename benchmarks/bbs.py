"""Chancery's BBS signatures (``zk.bbs``): the operations timed and the artefacts sized.

The workload is fixed: ``message_count`` messages signed under one header, of which the
messages at ``disclosed_indexes`` are revealed in a proof bound to a presentation header.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zk.bbs import Ciphersuite

__all__ = ["BbsWorkload", "SuiteUnderTest", "load_suites"]

HEADER = b"chancery benchmark: signature header"
PRESENTATION_HEADER = b"chancery benchmark: presentation header"


@dataclass(frozen=True)
class SuiteUnderTest:
    """A ciphersuite on a given backend, with a short label for the report."""

    key: str
    label: str
    suite: Ciphersuite
    reference: bool = False


def load_suites(*, with_reference: bool) -> list[SuiteUnderTest]:
    """The suites to measure. Raises ImportError if ``zk.bbs`` cannot be imported."""
    from zk import bbs
    from zk.curve import PyEccBackend

    suites = [
        SuiteUnderTest("bbs_sha256_arkworks", "BBS SHA-256 (arkworks)", bbs.BLS12_381_SHA256),
        SuiteUnderTest("bbs_shake256_arkworks", "BBS SHAKE-256 (arkworks)", bbs.BLS12_381_SHAKE256),
    ]
    if with_reference:
        suites.append(
            SuiteUnderTest(
                "bbs_sha256_pyecc",
                "BBS SHA-256 (py_ecc)",
                bbs.BLS12_381_SHA256.with_backend(PyEccBackend()),
                reference=True,
            )
        )
    return suites


@dataclass(frozen=True)
class BbsWorkload:
    """Keys, messages, a signature and a proof, ready for timing one suite."""

    suite: Ciphersuite
    sk: bytes
    pk: bytes
    messages: tuple[bytes, ...]
    disclosed_indexes: tuple[int, ...]
    signature: bytes
    proof: bytes

    @classmethod
    def prepare(
        cls,
        suite: Ciphersuite,
        *,
        message_count: int,
        disclosed_indexes: Sequence[int],
        key_material: bytes | None = None,
    ) -> BbsWorkload:
        """Create keys, sign and prove once, checking that everything verifies."""
        if key_material is None:
            key_material = secrets.token_bytes(32)
        sk = suite.keygen(key_material, key_info=b"", key_dst=None)
        pk = suite.sk_to_pk(sk)
        messages = tuple(
            f"attribute {i:02d}: value {i * 7919}".encode() for i in range(message_count)
        )
        signature = suite.sign(sk, pk, HEADER, messages)
        suite.verify(pk, signature, HEADER, messages)  # raises on failure
        indexes = tuple(disclosed_indexes)
        proof = suite.proof_gen(pk, signature, HEADER, PRESENTATION_HEADER, messages, indexes)
        workload = cls(suite, sk, pk, messages, indexes, signature, proof)
        suite.proof_verify(
            pk, proof, HEADER, PRESENTATION_HEADER, workload.disclosed_messages, indexes
        )
        return workload

    @property
    def disclosed_messages(self) -> tuple[bytes, ...]:
        return tuple(self.messages[i] for i in self.disclosed_indexes)

    def operations(self) -> dict[str, Callable[[], object]]:
        """The four operations, as zero-argument callables."""
        suite = self.suite
        sk, pk, messages = self.sk, self.pk, self.messages
        signature, proof = self.signature, self.proof
        indexes, disclosed = self.disclosed_indexes, self.disclosed_messages

        def sign() -> bytes:
            return suite.sign(sk, pk, HEADER, messages)

        def verify() -> None:
            suite.verify(pk, signature, HEADER, messages)

        def proof_gen() -> bytes:
            return suite.proof_gen(pk, signature, HEADER, PRESENTATION_HEADER, messages, indexes)

        def proof_verify() -> None:
            suite.proof_verify(pk, proof, HEADER, PRESENTATION_HEADER, disclosed, indexes)

        return {
            "sign": sign,
            "verify": verify,
            "proof_gen": proof_gen,
            "proof_verify": proof_verify,
        }

    def sizes(self) -> dict[str, int]:
        return {
            "public_key_bytes": len(self.pk),
            "signature_bytes": len(self.signature),
            "proof_bytes": len(self.proof),
        }
