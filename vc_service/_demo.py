"""``chancery demo``: a BBS-signed credential presented with selective disclosure."""

from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from zk import VerificationError, bbs, curve

_T = TypeVar("_T")

SUITES = {
    "sha256": ("BLS12-381-SHA-256", bbs.BLS12_381_SHA256),
    "shake256": ("BLS12-381-SHAKE-256", bbs.BLS12_381_SHAKE256),
}

# A specimen identity in the style of ICAO Doc 9303's sample documents: no real person.
_CLAIMS = (
    ("given_name", "Anna Maria"),
    ("family_name", "Eriksson"),
    ("birth_date", "1974-08-12"),
    ("nationality", "UTO"),
    ("document_number", "L898902C3"),
)
# What a relying party checking age and nationality asks for: the rest stays hidden.
_DISCLOSED = (2, 3)
_HEADER = b"chancery-demo/credential-type/national-id/v1"


def _timed(fn: Callable[[], _T]) -> tuple[_T, float]:
    """Run *fn* and return its result with the elapsed wall time in milliseconds."""
    start = time.perf_counter_ns()
    result = fn()
    return result, (time.perf_counter_ns() - start) / 1e6


def _step(label: str, detail: str, ms: float | None = None) -> None:
    timing = "" if ms is None else f" {ms:9.2f} ms"
    print(f"  {label:<28} {detail:<48}{timing}".rstrip())


def _encode(name: str, value: str) -> bytes:
    # The claim name is signed with its value, so a disclosed value cannot be relabelled.
    return f"{name}={value}".encode()


def run_demo(suite_name: str, backend_name: str) -> int:
    """Print the demonstration; return 0, or 1 if a forged presentation was accepted."""
    label, suite = SUITES[suite_name]
    if backend_name == "py_ecc":
        suite = suite.with_backend(curve.PyEccBackend())

    messages = [_encode(name, value) for name, value in _CLAIMS]
    disclosed_indexes = list(_DISCLOSED)
    disclosed_messages = [messages[i] for i in disclosed_indexes]
    disclosed_names = ", ".join(_CLAIMS[i][0] for i in disclosed_indexes)

    print("Chancery demo: a BBS-signed credential, presented with selective disclosure")
    print(f"ciphersuite {label}, curve backend {backend_name}")
    print()
    total = sum(len(m) for m in messages)
    print(f"Credential: {len(messages)} claims, signed as {len(messages)} messages ({total} B)")
    for index, (name, value) in enumerate(_CLAIMS):
        print(f"  [{index}] {name:<16} {value}")
    print(f"Header (credential type, bound into the signature): {_HEADER.decode()}")
    print()

    print("Issuer (the agency)")
    key_material = secrets.token_bytes(32)
    sk, ms = _timed(lambda: suite.keygen(key_material))
    _step("derive the secret key", f"secret key {len(sk)} B from {len(key_material)} B seed", ms)
    pk, ms = _timed(lambda: suite.sk_to_pk(sk))
    _step("derive the public key", f"public key {len(pk)} B", ms)
    sig, ms = _timed(lambda: suite.sign(sk, pk, _HEADER, messages))
    _step(f"sign {len(messages)} claims", f"signature {len(sig)} B", ms)
    print()

    print("Holder (the citizen's wallet)")
    _, ms = _timed(lambda: suite.verify(pk, sig, _HEADER, messages))
    _step("verify the signature", "valid", ms)
    nonce = secrets.token_bytes(16)
    _step("receive the verifier nonce", f"{len(nonce)} B, {nonce.hex()}")
    proof, ms = _timed(
        lambda: suite.proof_gen(pk, sig, _HEADER, nonce, messages, disclosed_indexes)
    )
    _step("derive a proof", f"discloses {disclosed_names}; proof {len(proof)} B", ms)
    print()

    print("Relying party (the verifier)")
    _, ms = _timed(
        lambda: suite.proof_verify(pk, proof, _HEADER, nonce, disclosed_messages, disclosed_indexes)
    )
    _step("verify the proof", f"valid; learns {disclosed_names} only", ms)

    tampered = [_encode("birth_date", "1964-08-12"), disclosed_messages[1]]
    rejected = _expect_rejection(
        "tampered birth_date",
        lambda: suite.proof_verify(pk, proof, _HEADER, nonce, tampered, disclosed_indexes),
    )
    other_nonce = secrets.token_bytes(16)
    rejected &= _expect_rejection(
        "replayed to another nonce",
        lambda: suite.proof_verify(
            pk, proof, _HEADER, other_nonce, disclosed_messages, disclosed_indexes
        ),
    )
    print()
    if not rejected:
        print("error: a forged presentation was accepted", file=sys.stderr)
        return 1
    hidden = len(messages) - len(disclosed_indexes)
    print(
        f"The verifier saw {len(disclosed_indexes)} of {len(messages)} claims; "
        f"the other {hidden} stayed in the wallet."
    )
    return 0


def _expect_rejection(label: str, attempt: Callable[[], None]) -> bool:
    """Run a verification that must fail; report it and return whether it was rejected."""
    start = time.perf_counter_ns()
    try:
        attempt()
    except VerificationError as exc:
        ms = (time.perf_counter_ns() - start) / 1e6
        _step(label, f"rejected ({type(exc).__name__})", ms)
        return True
    ms = (time.perf_counter_ns() - start) / 1e6
    _step(label, "ACCEPTED", ms)
    return False
