"""Our compact JWS (RFC 7515) against jwcrypto, the JOSE library used as the oracle.

We sign and verify compact JWS ourselves (jwcrypto's per-call overhead made SD-JWT slower than
the reference implementation; see specs/formats.md). These tests pin interoperability both ways
for both algorithms we use, and that a token jwcrypto rejects we reject too.
"""

from __future__ import annotations

import json

import pytest
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS

from vc_service._errors import InvalidProof
from vc_service._jose import decode_jws, sign_jws, verify_jws
from vc_service._keys import Key
from vc_service._multibase import b64url_decode

PAYLOAD = {"iss": "did:example:issuer", "n": 1, "text": "åäö ✓"}


@pytest.mark.parametrize("key_type", ["ed25519", "p256"])
def test_jwcrypto_verifies_what_we_sign(key_type: str) -> None:
    """A JWS we sign verifies under jwcrypto with the same public key and algorithm."""
    key = Key.generate(key_type)  # type: ignore[arg-type]
    token = sign_jws({"typ": "JWT"}, PAYLOAD, key)
    parsed = JWS()
    parsed.deserialize(token)
    parsed.verify(JWK(**key.public_jwk()), alg=key.alg)
    assert json.loads(parsed.payload) == PAYLOAD


@pytest.mark.parametrize("key_type", ["ed25519", "p256"])
def test_we_verify_what_jwcrypto_signs(key_type: str) -> None:
    """A JWS jwcrypto signs verifies under ours; changing one payload byte breaks it."""
    key = Key.generate(key_type)  # type: ignore[arg-type]
    signer = JWS(json.dumps(PAYLOAD).encode())
    signer.add_signature(
        JWK(**key.private_jwk()), alg=key.alg, protected=json.dumps({"alg": key.alg})
    )
    token = signer.serialize(compact=True)
    verify_jws(decode_jws(token), key.public_key(), typ=None)
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    with pytest.raises(Exception) as caught:
        verify_jws(decode_jws(forged), key.public_key(), typ=None)
    assert isinstance(caught.value, (InvalidProof, ValueError))


def test_ed25519_signatures_are_identical_to_jwcrypto() -> None:
    """Ed25519 is deterministic: over jwcrypto's signing input we produce jwcrypto's signature."""
    key = Key.generate("ed25519")
    theirs = JWS(b"hello")
    theirs.add_signature(JWK(**key.private_jwk()), alg="EdDSA", protected='{"alg":"EdDSA"}')
    header, payload, signature = theirs.serialize(compact=True).split(".")
    assert key.sign(f"{header}.{payload}".encode()) == b64url_decode(signature)
    verify_jws(decode_jws(f"{header}.{payload}.{signature}"), key.public_key(), typ=None)
