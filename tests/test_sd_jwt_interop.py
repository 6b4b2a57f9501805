"""Interoperability with the SD-JWT reference implementation (PyPI ``sd-jwt`` 0.10.4).

Both directions, with and without Key Binding: what we issue (and present), the reference
holder and verifier accept, with the same verified claims; what the reference issues (and its
holder presents), our verifier accepts.

Conventions of the reference that shape these tests: it types its SD-JWTs ``example+sd-jwt``
unless told otherwise (so our verifier runs with ``profile="sd-jwt"`` for them), it signs and
checks KB-JWTs with ES256 by default (so the holder keys here are P-256), and its verifier needs
both a nonce and an audience, or neither. Its JWS JSON serialization is the pre-RFC layout
(``disclosures`` at the top level, not in the unprotected header of RFC 9901 §8.1), so only the
compact serialization is exchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

from vc_service._errors import HolderBindingError, InvalidProof, NonceMismatch
from vc_service._keys import Key
from vc_service._sd_jwt import issue_sd_jwt_vc, present, verify_sd_jwt

ISSUER = "https://issuer.example"
VCT = "https://credentials.example/identity"
NONCE = "9b3c4d"
AUDIENCE = "https://verifier.example"
CLAIMS: dict[str, Any] = {
    "given_name": "Anna Maria",
    "family_name": "Eriksson",
    "address": {"street_address": "Storgatan 1", "locality": "Uppsala", "country": "SE"},
    "nationalities": ["SE", "FI"],
}
DISCLOSE = [
    "/given_name",
    "/family_name",
    "/address",
    "/address/street_address",
    "/nationalities/0",
    "/nationalities/1",
]
# The same choice, in the reference holder's vocabulary and in JSON pointers.
REFERENCE_SELECTION = {
    "given_name": True,
    "address": {"street_address": True},
    "nationalities": [False, True],
}
POINTER_SELECTION = ["/given_name", "/address/street_address", "/nationalities/1"]
EXPECTED_SUBSET = {
    "given_name": "Anna Maria",
    "address": {"street_address": "Storgatan 1", "locality": "Uppsala", "country": "SE"},
    "nationalities": ["FI"],
}


def jwk(key: Key, *, private: bool = False) -> JWK:
    return JWK(**(key.private_jwk() if private else key.public_jwk()))


@pytest.fixture(scope="module", params=["ed25519", "p256"])
def issuer_key(request: pytest.FixtureRequest) -> Key:
    return Key.generate(request.param)


@pytest.fixture(scope="module")
def holder_key() -> Key:
    return Key.generate("p256")


def issue_ours(issuer_key: Key, holder_key: Key | None) -> str:
    return issue_sd_jwt_vc(
        CLAIMS,
        issuer_key,
        issuer=ISSUER,
        vct=VCT,
        kid="k1",
        disclose=DISCLOSE,
        holder_key=holder_key,
    )


def reference_verify(
    token: str, issuer_key: Key, *, bound: bool, kid: str | None = "k1"
) -> dict[str, Any]:
    def get_key(iss: str, header: dict[str, Any]) -> JWK:
        assert iss == ISSUER and header.get("kid") == kid
        return jwk(issuer_key)

    verifier = SDJWTVerifier(token, get_key, AUDIENCE if bound else None, NONCE if bound else None)
    payload: dict[str, Any] = verifier.get_verified_payload()
    return payload


def our_verify(token: str, issuer_key: Key, *, bound: bool, **kw: Any) -> Any:
    return verify_sd_jwt(
        token,
        resolve_issuer_key=lambda iss, header: issuer_key.public_key(),
        expected_nonce=NONCE if bound else None,
        expected_audience=AUDIENCE if bound else None,
        **kw,
    )


@pytest.mark.parametrize("bound", [True, False], ids=["with-kb", "without-kb"])
def test_our_presentation_passes_the_reference_verifier(
    issuer_key: Key, holder_key: Key, bound: bool
) -> None:
    issued = issue_ours(issuer_key, holder_key if bound else None)
    presentation = present(
        issued,
        reveal=POINTER_SELECTION,
        holder_key=holder_key if bound else None,
        nonce=NONCE if bound else None,
        audience=AUDIENCE if bound else None,
    )
    theirs = reference_verify(presentation, issuer_key, bound=bound)
    ours = our_verify(presentation, issuer_key, bound=bound)
    assert theirs == ours.claims
    assert {k: theirs[k] for k in EXPECTED_SUBSET} == EXPECTED_SUBSET
    assert "family_name" not in theirs


@pytest.mark.parametrize("bound", [True, False], ids=["with-kb", "without-kb"])
def test_reference_holder_presents_what_we_issue(
    issuer_key: Key, holder_key: Key, bound: bool
) -> None:
    issued = issue_ours(issuer_key, holder_key if bound else None)
    holder = SDJWTHolder(issued)
    if bound:
        holder.create_presentation(
            REFERENCE_SELECTION, NONCE, AUDIENCE, jwk(holder_key, private=True)
        )
    else:
        holder.create_presentation(REFERENCE_SELECTION)
    presentation = holder.sd_jwt_presentation
    result = our_verify(presentation, issuer_key, bound=bound)
    assert result.key_binding is bound
    assert {k: result.claims[k] for k in EXPECTED_SUBSET} == EXPECTED_SUBSET
    assert reference_verify(presentation, issuer_key, bound=bound) == result.claims
    if bound:
        # The reference holder's KB-JWT is bound to this verifier's nonce only.
        with pytest.raises(NonceMismatch):
            verify_sd_jwt(
                presentation,
                resolve_issuer_key=lambda iss, h: issuer_key.public_key(),
                expected_nonce="another",
                expected_audience=AUDIENCE,
            )


def reference_issue(
    issuer_key: Key,
    holder_key: Key | None,
    *,
    extra_header: dict[str, Any] | None = None,
    extra_claims: dict[str, Any] | None = None,
) -> str:
    user_claims: dict[Any, Any] = {
        "iss": ISSUER,
        SDObj("given_name"): "Anna Maria",
        SDObj("family_name"): "Eriksson",
        "address": {SDObj("street_address"): "Storgatan 1", "locality": "Uppsala", "country": "SE"},
        "nationalities": [SDObj("SE"), SDObj("FI")],
        **(extra_claims or {}),
    }
    issuer = SDJWTIssuer(
        user_claims,
        jwk(issuer_key, private=True),
        jwk(holder_key) if holder_key is not None else None,
        sign_alg=issuer_key.alg,
        add_decoy_claims=True,
        extra_header_parameters=extra_header or {},
    )
    issuance: str = issuer.sd_jwt_issuance
    return issuance


def reference_present(issued: str, holder_key: Key | None) -> str:
    holder = SDJWTHolder(issued)
    if holder_key is not None:
        holder.create_presentation(
            REFERENCE_SELECTION, NONCE, AUDIENCE, jwk(holder_key, private=True)
        )
    else:
        holder.create_presentation(REFERENCE_SELECTION)
    presentation: str = holder.sd_jwt_presentation
    return presentation


@pytest.mark.parametrize("bound", [True, False], ids=["with-kb", "without-kb"])
def test_we_verify_what_the_reference_issues(issuer_key: Key, holder_key: Key, bound: bool) -> None:
    issued = reference_issue(issuer_key, holder_key if bound else None)
    presentation = reference_present(issued, holder_key if bound else None)
    result = our_verify(presentation, issuer_key, bound=bound, profile="sd-jwt")
    assert result.header["typ"] == "example+sd-jwt"
    assert result.key_binding is bound
    assert {k: result.claims[k] for k in EXPECTED_SUBSET} == EXPECTED_SUBSET
    assert "family_name" not in result.claims
    assert reference_verify(presentation, issuer_key, bound=bound, kid=None) == result.claims


def test_we_verify_a_reference_issued_sd_jwt_vc(issuer_key: Key, holder_key: Key) -> None:
    """The reference told to produce an SD-JWT VC (typ dc+sd-jwt, a vct) passes our VC profile."""
    issued = reference_issue(
        issuer_key, holder_key, extra_header={"typ": "dc+sd-jwt"}, extra_claims={"vct": VCT}
    )
    presentation = reference_present(issued, holder_key)
    result = our_verify(presentation, issuer_key, bound=True)
    assert result.vct == VCT and result.header["typ"] == "dc+sd-jwt"


def test_we_use_our_own_issuer_trust_on_reference_tokens(holder_key: Key) -> None:
    issued = reference_issue(Key.generate("p256"), holder_key)
    presentation = reference_present(issued, holder_key)
    with pytest.raises(InvalidProof):
        our_verify(presentation, Key.generate("p256"), bound=True, profile="sd-jwt")


def test_a_reference_presentation_without_kb_is_refused_when_binding_is_required(
    issuer_key: Key, holder_key: Key
) -> None:
    issued = reference_issue(issuer_key, holder_key)
    presentation = reference_present(issued, None)  # holder bound by cnf, but no KB-JWT sent
    with pytest.raises(HolderBindingError):
        our_verify(presentation, issuer_key, bound=True, profile="sd-jwt")


def test_reference_kb_jwt_iat_is_checked(issuer_key: Key, holder_key: Key) -> None:
    """The reference stamps KB-JWTs with the current time; an old presentation is refused."""
    issued = reference_issue(issuer_key, holder_key)
    presentation = reference_present(issued, holder_key)
    much_later = datetime.now(UTC) + timedelta(days=365)
    with pytest.raises(HolderBindingError):
        our_verify(presentation, issuer_key, bound=True, profile="sd-jwt", now=much_later)
