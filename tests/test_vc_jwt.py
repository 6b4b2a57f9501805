"""JWS helpers and W3C VC-JOSE-COSE ``vc+jwt`` / ``vp+jwt`` (Recommendation, May 2025).

The JWS layer is pinned to RFC 8037 Appendix A.4/A.5 (an Ed25519 JWS reproduced byte for byte)
and cross-checked against an independent signature check (``Key.verify``, on pynacl and
cryptography); every header trick a forger might try is refused with a typed error.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vc_service._errors import (
    AudienceMismatch,
    Expired,
    HolderBindingError,
    InvalidCredential,
    InvalidInput,
    InvalidProof,
    NonceMismatch,
    NotYetValid,
    ResolutionError,
    UntrustedIssuer,
)
from vc_service._jose import (
    decode_jws,
    issue_vc_jwt,
    issue_vp_jwt,
    sign_jws,
    verify_jws,
    verify_vc_jwt,
    verify_vp_jwt,
)
from vc_service._keys import Key

# RFC 8037 Appendix A.1 (private key) and A.4 (the JWS it produces).
RFC8037_JWK = {
    "kty": "OKP",
    "crv": "Ed25519",
    "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
}
RFC8037_JWS = (
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
    ".hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_token(header: dict[str, Any], payload: dict[str, Any] | bytes, key: Key) -> str:
    """A JWS built by hand (so it can carry what sign_jws refuses), signed with Key.sign."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(body)}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode()))}"


# --------------------------------------------------------------------------- JWS


def test_rfc8037_ed25519_jws_is_reproduced() -> None:
    """RFC 8037 A.4: Ed25519 is deterministic, so the whole JWS must match."""
    key = Key.from_jwk(RFC8037_JWK)
    assert sign_jws({}, b"Example of Ed25519 signing", key) == RFC8037_JWS


def test_rfc8037_ed25519_jws_validates() -> None:
    """RFC 8037 A.5."""
    key = Key.from_jwk(RFC8037_JWK).public_key()
    jws = decode_jws(RFC8037_JWS)
    verify_jws(jws, key, typ=None)
    assert jws.unverified_payload == b"Example of Ed25519 signing"


@pytest.mark.parametrize("key_type", ["ed25519", "p256"])
def test_signature_checks_out_independently(key_type: str) -> None:
    key = Key.generate(key_type)  # type: ignore[arg-type]
    token = sign_jws({"typ": "example"}, {"a": 1}, key)
    header, payload, signature = token.split(".")
    assert json.loads(unb64(header))["alg"] == {"ed25519": "EdDSA", "p256": "ES256"}[key_type]
    key.public_key().verify(f"{header}.{payload}".encode(), unb64(signature))


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "none"},
        {"alg": "ES256"},  # an Ed25519 key: algorithm confusion
        {"alg": "HS256"},
        {"alg": "Ed25519"},
    ],
    ids=["none", "ES256-for-Ed25519", "HS256", "unsupported-name"],
)
def test_algorithm_confusion_is_invalid_proof(header: dict[str, Any]) -> None:
    key = Key.generate("ed25519")
    token = raw_token(header, {"a": 1}, key)
    with pytest.raises(InvalidProof):
        verify_jws(decode_jws(token), key.public_key(), typ=None)


def test_missing_alg_and_critical_extensions_are_refused() -> None:
    key = Key.generate("ed25519")
    for header in (
        {},
        {"alg": "EdDSA", "crit": ["b64"], "b64": False},
        {"alg": "EdDSA", "crit": ["x"]},
    ):
        with pytest.raises(InvalidInput):
            verify_jws(decode_jws(raw_token(header, {"a": 1}, key)), key, typ=None)


@pytest.mark.parametrize("typ", ["vc+jwt", "application/vc+jwt", "VC+JWT"])
def test_typ_comparison_follows_rfc7515(typ: str) -> None:
    key = Key.generate("ed25519")
    verify_jws(decode_jws(sign_jws({"typ": typ}, {}, key)), key, typ="vc+jwt")


@pytest.mark.parametrize(
    "token",
    [
        "a.b",
        "a.b.c.d",
        "!!.e30.AA",
        "eyJhbGciOiJFZERTQSJ9.e30.",
        "W10.e30.AA",
        "eyJhIjoxLCJhIjoyfQ.e30.AA",
    ],
    ids=[
        "two-parts",
        "four-parts",
        "bad-base64",
        "empty-signature",
        "header-not-object",
        "duplicate-member",
    ],
)
def test_malformed_compact_jws(token: str) -> None:
    with pytest.raises(InvalidInput):
        decode_jws(token)


def test_sign_jws_refuses_what_verify_would_refuse() -> None:
    key = Key.generate("ed25519")
    with pytest.raises(InvalidInput):
        sign_jws({"alg": "none"}, {}, key)
    with pytest.raises(InvalidInput):
        sign_jws({"crit": ["x"]}, {}, key)
    with pytest.raises(InvalidInput):
        sign_jws({}, {}, key.public_key())
    with pytest.raises(InvalidInput):
        sign_jws({}, {}, Key.generate("bls12381g2"))
    with pytest.raises(InvalidInput):
        sign_jws({}, {"a": float("nan")}, key)


# --------------------------------------------------------------------------- vc+jwt


@pytest.fixture(scope="module", params=["ed25519", "p256"])
def issuer(request: pytest.FixtureRequest) -> tuple[Key, str]:
    key = Key.generate(request.param)
    did = key.did_key()
    return key, f"{did}#{did.split(':')[2]}"


def did_key_resolver(kid: str) -> Key:
    """did:key: the key is in the DID itself (did:key v0.7 §3.1.2)."""
    return Key.from_multikey(kid.split("#")[0].split(":")[2])


def credential(issuer_did: str, **extra: Any) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "id": "urn:uuid:6a2d3c8e-0f1a-4b9c-8d7e-5f4a3b2c1d0e",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer_did,
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:subject",
            "degree": {"type": "ExampleBachelorDegree"},
        },
        **extra,
    }


def test_vc_jwt_round_trip(issuer: tuple[Key, str]) -> None:
    key, kid = issuer
    vc = credential(kid.split("#")[0])
    token = issue_vc_jwt(vc, key, kid=kid)
    header, payload, _ = token.split(".")
    assert json.loads(unb64(header)) == {"alg": key.alg, "kid": kid, "typ": "vc+jwt", "cty": "vc"}
    assert json.loads(unb64(payload)) == vc  # §3.1.1: the credential is the payload, unchanged
    assert verify_vc_jwt(token, resolve_key=did_key_resolver, now=NOW) == vc


def test_vc_jwt_issuer_object_and_iss(issuer: tuple[Key, str]) -> None:
    key, kid = issuer
    did = kid.split("#")[0]
    vc = credential(did, issuer={"id": did, "name": "Civil Registry"}, iss=did)
    assert (
        verify_vc_jwt(issue_vc_jwt(vc, key, kid=kid), resolve_key=did_key_resolver, now=NOW) == vc
    )


def test_vc_jwt_tampered_payload_is_invalid_proof(issuer: tuple[Key, str]) -> None:
    key, kid = issuer
    token = issue_vc_jwt(credential(kid.split("#")[0]), key, kid=kid)
    header, payload, signature = token.split(".")
    claims = json.loads(unb64(payload))
    claims["credentialSubject"]["degree"]["type"] = "ExampleDoctorateDegree"
    with pytest.raises(InvalidProof):
        verify_vc_jwt(
            f"{header}.{b64(json.dumps(claims).encode())}.{signature}",
            resolve_key=did_key_resolver,
            now=NOW,
        )


def test_vc_jwt_signed_by_another_key_is_invalid_proof(issuer: tuple[Key, str]) -> None:
    key, kid = issuer
    token = issue_vc_jwt(credential(kid.split("#")[0]), key, kid=kid)
    with pytest.raises(InvalidProof):
        verify_vc_jwt(token, resolve_key=lambda k: Key.generate(key.type), now=NOW)


def test_vc_jwt_key_of_another_did_is_untrusted(issuer: tuple[Key, str]) -> None:
    """A forger signs a credential naming the victim as issuer with their own did:key."""
    _, victim_kid = issuer
    forger = Key.generate("ed25519")
    forger_did = forger.did_key()
    forged = credential(victim_kid.split("#")[0])
    token = sign_jws(
        {"kid": f"{forger_did}#{forger_did.split(':')[2]}", "typ": "vc+jwt"}, forged, forger
    )
    with pytest.raises(UntrustedIssuer):
        verify_vc_jwt(token, resolve_key=did_key_resolver, now=NOW)


def test_vc_jwt_iss_must_match_issuer(issuer: tuple[Key, str]) -> None:
    key, kid = issuer
    vc = credential(kid.split("#")[0], iss="did:example:someone-else")
    with pytest.raises(InvalidInput):
        issue_vc_jwt(vc, key, kid=kid)
    token = sign_jws({"kid": kid, "typ": "vc+jwt"}, vc, key)
    with pytest.raises(UntrustedIssuer):
        verify_vc_jwt(token, resolve_key=did_key_resolver, now=NOW)


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"validFrom": "2026-07-01T00:00:00Z"}, NotYetValid),
        ({"validUntil": "2026-05-01T00:00:00Z"}, Expired),
        ({"exp": int(datetime(2026, 5, 1, tzinfo=UTC).timestamp())}, Expired),
        ({"nbf": int(datetime(2026, 7, 1, tzinfo=UTC).timestamp())}, NotYetValid),
        ({"validUntil": "2027-01-01T00:00:00"}, InvalidCredential),  # no time zone
        ({"validFrom": "yesterday"}, InvalidCredential),
        ({"exp": "tomorrow"}, InvalidCredential),
    ],
    ids=[
        "validFrom-future",
        "validUntil-past",
        "exp-past",
        "nbf-future",
        "naive-date",
        "bad-date",
        "bad-exp",
    ],
)
def test_vc_jwt_validity(
    issuer: tuple[Key, str], extra: dict[str, Any], error: type[Exception]
) -> None:
    key, kid = issuer
    token = sign_jws({"kid": kid, "typ": "vc+jwt"}, credential(kid.split("#")[0], **extra), key)
    with pytest.raises(error):
        verify_vc_jwt(token, resolve_key=did_key_resolver, now=NOW)


@pytest.mark.parametrize(
    ("header", "error"),
    [
        ({"typ": "JWT"}, InvalidInput),
        ({"typ": "vp+jwt"}, InvalidInput),
        ({"typ": "dc+sd-jwt"}, InvalidInput),
        ({}, InvalidInput),
        ({"typ": "vc+jwt", "cty": "vp"}, InvalidInput),
    ],
    ids=["JWT", "vp+jwt", "sd-jwt", "untyped", "cty-vp"],
)
def test_vc_jwt_explicit_typing(
    issuer: tuple[Key, str], header: dict[str, Any], error: type[Exception]
) -> None:
    key, kid = issuer
    token = sign_jws({"kid": kid, **header}, credential(kid.split("#")[0]), key)
    with pytest.raises(error):
        verify_vc_jwt(token, resolve_key=did_key_resolver, now=NOW)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda vc: vc.update({"vc": {"type": "VerifiableCredential"}}),
        lambda vc: vc.update({"type": ["ExampleDegreeCredential"]}),
        lambda vc: vc.update({"@context": ["https://www.w3.org/2018/credentials/v1"]}),
        lambda vc: vc.pop("issuer"),
        lambda vc: vc.update({"issuer": {"name": "no id"}}),
    ],
    ids=[
        "vc-claim",
        "no-VerifiableCredential-type",
        "v1-context",
        "no-issuer",
        "issuer-without-id",
    ],
)
def test_vc_jwt_data_model_violations(issuer: tuple[Key, str], mutate: Any) -> None:
    key, kid = issuer
    vc = credential(kid.split("#")[0])
    mutate(vc)
    with pytest.raises(InvalidCredential):
        issue_vc_jwt(vc, key, kid=kid)
    token = sign_jws({"kid": kid, "typ": "vc+jwt"}, vc, key)
    with pytest.raises((InvalidCredential, UntrustedIssuer)):
        verify_vc_jwt(token, resolve_key=did_key_resolver, now=NOW)


def test_vc_jwt_kid_must_be_a_did_url_of_the_issuer(issuer: tuple[Key, str]) -> None:
    key, kid = issuer
    with pytest.raises(InvalidInput):
        issue_vc_jwt(credential(kid.split("#")[0]), key, kid="key-1")
    with pytest.raises(InvalidInput):
        issue_vc_jwt(credential("did:example:other"), key, kid=kid)
    token = sign_jws({"typ": "vc+jwt"}, credential(kid.split("#")[0]), key)  # no kid at all
    with pytest.raises(InvalidInput):
        verify_vc_jwt(token, resolve_key=did_key_resolver, now=NOW)


def test_vc_jwt_resolver_errors_are_resolution_errors(issuer: tuple[Key, str]) -> None:
    key, kid = issuer
    token = issue_vc_jwt(credential(kid.split("#")[0]), key, kid=kid)
    with pytest.raises(ResolutionError):
        verify_vc_jwt(token, resolve_key=lambda k: {}[k], now=NOW)
    with pytest.raises(ResolutionError):
        verify_vc_jwt(token, resolve_key=lambda k: "not a key", now=NOW)  # type: ignore[arg-type,return-value]


# --------------------------------------------------------------------------- vp+jwt

NONCE = "c2b0d8a1"
AUDIENCE = "https://verifier.example"


def presentation(holder_did: str | None, enveloped: str) -> dict[str, Any]:
    vp: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": f"data:application/vc+jwt,{enveloped}",
                "type": "EnvelopedVerifiableCredential",
            }
        ],
    }
    if holder_did is not None:
        vp["holder"] = holder_did
    return vp


@pytest.fixture(scope="module")
def holder() -> tuple[Key, str]:
    key = Key.generate("ed25519")
    did = key.did_key()
    return key, f"{did}#{did.split(':')[2]}"


@pytest.fixture(scope="module")
def vp_token(issuer: tuple[Key, str], holder: tuple[Key, str]) -> tuple[str, dict[str, Any]]:
    key, kid = issuer
    vc_token = issue_vc_jwt(credential(kid.split("#")[0]), key, kid=kid)
    holder_key, holder_kid = holder
    vp = presentation(holder_kid.split("#")[0], vc_token)
    return issue_vp_jwt(vp, holder_key, kid=holder_kid, nonce=NONCE, audience=AUDIENCE, iat=NOW), vp


def test_vp_jwt_round_trip(vp_token: tuple[str, dict[str, Any]]) -> None:
    token, vp = vp_token
    header, payload, _ = token.split(".")
    assert json.loads(unb64(header))["typ"] == "vp+jwt" and json.loads(unb64(header))["cty"] == "vp"
    claims = json.loads(unb64(payload))
    assert claims["nonce"] == NONCE and claims["aud"] == AUDIENCE
    verified = verify_vp_jwt(
        token, resolve_key=did_key_resolver, nonce=NONCE, audience=AUDIENCE, now=NOW
    )
    assert verified == vp
    enveloped = verified["verifiableCredential"][0]["id"].removeprefix("data:application/vc+jwt,")
    assert (
        verify_vc_jwt(enveloped, resolve_key=did_key_resolver, now=NOW)["type"][0]
        == "VerifiableCredential"
    )


def test_vp_jwt_wrong_nonce(vp_token: tuple[str, dict[str, Any]]) -> None:
    with pytest.raises(NonceMismatch):
        verify_vp_jwt(
            vp_token[0], resolve_key=did_key_resolver, nonce="replayed", audience=AUDIENCE, now=NOW
        )


def test_vp_jwt_wrong_audience(vp_token: tuple[str, dict[str, Any]]) -> None:
    with pytest.raises(AudienceMismatch):
        verify_vp_jwt(
            vp_token[0],
            resolve_key=did_key_resolver,
            nonce=NONCE,
            audience="https://other.example",
            now=NOW,
        )


def test_vp_jwt_audience_list(holder: tuple[Key, str]) -> None:
    key, kid = holder
    vp = presentation(None, "x.y.z")
    token = sign_jws(
        {"kid": kid, "typ": "vp+jwt"}, {**vp, "nonce": NONCE, "aud": ["a", AUDIENCE]}, key
    )
    assert (
        verify_vp_jwt(token, resolve_key=did_key_resolver, nonce=NONCE, audience=AUDIENCE, now=NOW)
        == vp
    )


def test_vp_jwt_signed_by_someone_else_than_the_holder(holder: tuple[Key, str]) -> None:
    _, holder_kid = holder
    thief = Key.generate("ed25519")
    thief_did = thief.did_key()
    vp = presentation(holder_kid.split("#")[0], "x.y.z")
    token = sign_jws(
        {"kid": f"{thief_did}#{thief_did.split(':')[2]}", "typ": "vp+jwt"},
        {**vp, "nonce": NONCE, "aud": AUDIENCE},
        thief,
    )
    with pytest.raises(HolderBindingError):
        verify_vp_jwt(token, resolve_key=did_key_resolver, nonce=NONCE, audience=AUDIENCE, now=NOW)
    with pytest.raises(InvalidInput):
        issue_vp_jwt(vp, thief, kid=f"{thief_did}#x", nonce=NONCE, audience=AUDIENCE)


def test_vp_jwt_tampered_and_expired(
    vp_token: tuple[str, dict[str, Any]], holder: tuple[Key, str]
) -> None:
    token, vp = vp_token
    header, payload, signature = token.split(".")
    claims = json.loads(unb64(payload))
    claims["nonce"] = "attacker-chosen"
    with pytest.raises(InvalidProof):
        verify_vp_jwt(
            f"{header}.{b64(json.dumps(claims).encode())}.{signature}",
            resolve_key=did_key_resolver,
            nonce="attacker-chosen",
            audience=AUDIENCE,
            now=NOW,
        )
    key, kid = holder
    stale = sign_jws(
        {"kid": kid, "typ": "vp+jwt"},
        {
            **vp,
            "nonce": NONCE,
            "aud": AUDIENCE,
            "exp": int((NOW - timedelta(minutes=1)).timestamp()),
        },
        key,
    )
    with pytest.raises(Expired):
        verify_vp_jwt(stale, resolve_key=did_key_resolver, nonce=NONCE, audience=AUDIENCE, now=NOW)


def test_vp_jwt_rejects_a_vc_jwt(issuer: tuple[Key, str]) -> None:
    """Explicit typing stops a credential being replayed as a presentation (RFC 8725 §3.11)."""
    key, kid = issuer
    vc_token = issue_vc_jwt(credential(kid.split("#")[0]), key, kid=kid)
    with pytest.raises(InvalidInput):
        verify_vp_jwt(
            vc_token, resolve_key=did_key_resolver, nonce=NONCE, audience=AUDIENCE, now=NOW
        )


def test_issue_vp_jwt_argument_checks(holder: tuple[Key, str]) -> None:
    key, kid = holder
    vp = presentation(None, "x.y.z")
    with pytest.raises(InvalidInput):
        issue_vp_jwt(vp, key, kid=kid, nonce="", audience=AUDIENCE)
    with pytest.raises(InvalidInput):
        issue_vp_jwt({**vp, "nonce": "x"}, key, kid=kid, nonce=NONCE, audience=AUDIENCE)
    with pytest.raises(InvalidCredential):
        issue_vp_jwt(
            {**vp, "type": ["VerifiableCredential"]}, key, kid=kid, nonce=NONCE, audience=AUDIENCE
        )
