"""The single verification entry point, over every format: what passes and what each tampering
raises (changed claim, changed disclosure, wrong key, expired, revoked, suspended, status
unavailable, wrong nonce, wrong audience, untrusted issuer)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vc_service._bbs2023 import derive_proof
from vc_service._bitstring_status import (
    BitstringStatusList,
    status_entry,
    status_list_credential,
)
from vc_service._data_integrity import add_proof, create_presentation
from vc_service._errors import (
    AudienceMismatch,
    Expired,
    InvalidCredential,
    InvalidInput,
    InvalidProof,
    NonceMismatch,
    Revoked,
    StatusUnavailable,
    Suspended,
    UntrustedIssuer,
    VerificationError,
)
from vc_service._jose import issue_vc_jwt, issue_vp_jwt
from vc_service._keys import Key
from vc_service._sd_jwt import issue_sd_jwt_vc, present
from vc_service._token_status import TokenStatusList, issue_status_list_token
from vc_service._verify import presentation_header, verify

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ISSUED = datetime(2026, 1, 1, tzinfo=UTC)
ED = Key.generate("ed25519")
P256 = Key.generate("p256")
BLS = Key.generate("bls12381g2")
HOLDER = Key.generate("ed25519")
OTHER = Key.generate("ed25519")
LIST_URL = "https://registry.example.gov/status/1"
TOKEN_LIST_URL = "https://registry.example.gov/token-status/1"


def _vm(key: Key) -> str:
    return f"{key.did_key()}#{key.multikey()}"


def _credential(issuer: Key, **extra: Any) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "ExampleIdentityCredential"],
        "issuer": issuer.did_key(),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:citizen",
            "givenName": "Anna",
            "familyName": "Eriksson",
        },
        **extra,
    }


class _Status:
    """An in-memory status source: published lists by URL; ``broken`` makes fetching fail."""

    def __init__(self) -> None:
        self.lists: dict[str, Mapping[str, Any]] = {}
        self.tokens: dict[str, str] = {}
        self.broken = False

    def bitstring_status_list(self, url: str) -> Mapping[str, Any]:
        if self.broken:
            raise ConnectionError("registry unreachable")
        return self.lists[url]

    def token_status_list(self, uri: str) -> str:
        if self.broken:
            raise ConnectionError("registry unreachable")
        return self.tokens[uri]


def _publish_bitstring(
    source: _Status, issuer: Key, purpose: str, set_index: int | None = None
) -> None:
    bits = BitstringStatusList()
    if set_index is not None:
        bits.set(set_index, 1)
    unsigned = status_list_credential(LIST_URL, issuer.did_key(), purpose, bits, valid_from=ISSUED)
    source.lists[LIST_URL] = add_proof(
        unsigned,
        issuer,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=_vm(issuer),
        created=ISSUED,
    )


def _sign_di(document: dict[str, Any], suite: str = "eddsa-rdfc-2022") -> dict[str, Any]:
    key = BLS if suite == "bbs-2023" else ED
    extra: dict[str, Any] = {"mandatory_pointers": ["/issuer"]} if suite == "bbs-2023" else {}
    return add_proof(
        document,
        key,
        cryptosuite=suite,
        verification_method=_vm(key),
        created=ISSUED,
        **extra,
    )


# --------------------------------------------------------------------------- Data Integrity


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_data_integrity_credential_verifies_and_lists_its_checks(suite: str) -> None:
    """A signed credential verifies; the result names its format and every check made."""
    signed = _sign_di(_credential(ED), suite)
    result = verify(signed, now=NOW, trust={ED.did_key()})
    assert result.format == suite
    assert result.issuer == ED.did_key()
    names = [c.name for c in result.checks]
    assert names[:1] == ["proof"]
    assert "validity" in names and "issuer-trust" in names
    assert result.to_json()["verified"] is True


def test_without_trust_policy_issuer_trust_is_reported_not_checked() -> None:
    """No trust policy: the result says issuer trust was not checked instead of passing it."""
    result = verify(_sign_di(_credential(ED)), now=NOW)
    assert [c.name for c in result.not_checked] == ["issuer-trust"]


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_changed_claim_fails_the_proof_check(suite: str) -> None:
    """Changing a signed claim is caught by the proof check."""
    signed = _sign_di(_credential(ED), suite)
    signed["credentialSubject"]["familyName"] = "Smith"
    with pytest.raises(InvalidProof) as caught:
        verify(signed, now=NOW)
    assert caught.value.check == "proof"


def test_pinned_wrong_issuer_key_fails() -> None:
    """With a pinned issuer key, a credential signed by another key is refused."""
    signed = _sign_di(_credential(ED))
    with pytest.raises(InvalidProof):
        verify(signed, now=NOW, issuer_key=OTHER)


def test_expired_credential_fails_validity() -> None:
    """A credential past validUntil fails the validity check."""
    signed = _sign_di(_credential(ED, validUntil="2026-03-01T00:00:00Z"))
    with pytest.raises(Expired) as caught:
        verify(signed, now=NOW)
    assert caught.value.check == "validity"


def test_untrusted_issuer_fails_issuer_trust() -> None:
    """An issuer outside the trust list is refused, with check 'issuer-trust'."""
    with pytest.raises(UntrustedIssuer):
        verify(_sign_di(_credential(ED)), now=NOW, trust={OTHER.did_key()})
    with pytest.raises(UntrustedIssuer):
        verify(_sign_di(_credential(ED)), now=NOW, trust=lambda issuer, types: False)


def test_unsecured_credential_is_invalid_input() -> None:
    """A credential without any proof is not a verifiable credential."""
    with pytest.raises(InvalidCredential):
        verify(_credential(ED), now=NOW)


# --------------------------------------------------------------------------- status


def _with_status(purpose: str, index: int = 7) -> dict[str, Any]:
    return _sign_di(_credential(ED, credentialStatus=status_entry(LIST_URL, index, purpose)))


def test_clear_status_bit_passes_and_is_reported() -> None:
    """A clear revocation bit passes the status check."""
    source = _Status()
    _publish_bitstring(source, ED, "revocation", set_index=8)
    result = verify(_with_status("revocation"), now=NOW, status=source)
    assert "status" in [c.name for c in result.checks]


@pytest.mark.parametrize(("purpose", "error"), [("revocation", Revoked), ("suspension", Suspended)])
def test_set_status_bit_is_revoked_or_suspended(
    purpose: str, error: type[VerificationError]
) -> None:
    """A set bit is reported as revoked or suspended, distinctly."""
    source = _Status()
    _publish_bitstring(source, ED, purpose, set_index=7)
    with pytest.raises(error) as caught:
        verify(_with_status(purpose), now=NOW, status=source)
    assert caught.value.check == "status"


def test_unreachable_status_list_is_status_unavailable() -> None:
    """A status list that cannot be fetched gives 'status unavailable', not revoked or valid."""
    source = _Status()
    source.broken = True
    with pytest.raises(StatusUnavailable):
        verify(_with_status("revocation"), now=NOW, status=source)


def test_status_list_signed_by_someone_else_is_status_unavailable() -> None:
    """A list published by another issuer cannot vouch for our credential."""
    source = _Status()
    _publish_bitstring(source, OTHER, "revocation")
    with pytest.raises(StatusUnavailable):
        verify(_with_status("revocation"), now=NOW, status=source)


def test_tampered_status_list_is_status_unavailable() -> None:
    """A status list whose bits were changed after signing does not verify."""
    source = _Status()
    _publish_bitstring(source, ED, "revocation", set_index=7)
    forged = copy.deepcopy(dict(source.lists[LIST_URL]))
    forged["credentialSubject"]["encodedList"] = BitstringStatusList().encode()
    source.lists[LIST_URL] = forged
    with pytest.raises(StatusUnavailable):
        verify(_with_status("revocation"), now=NOW, status=source)


def test_status_without_source_is_reported_not_checked() -> None:
    """No status source: the status check is listed as not performed."""
    result = verify(_with_status("revocation"), now=NOW)
    assert "status" in [c.name for c in result.not_checked]


# --------------------------------------------------------------------------- presentations


def _vp(challenge: str, domain: str) -> dict[str, Any]:
    holder_did = HOLDER.did_key()
    vp = create_presentation([_sign_di(_credential(ED))], holder=holder_did)
    return add_proof(
        vp,
        HOLDER,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=_vm(HOLDER),
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
        created=NOW - timedelta(minutes=1),
    )


def test_presentation_with_challenge_and_domain_verifies() -> None:
    """A VP verifies with the challenge and domain it was made for, and its credential too."""
    result = verify(
        _vp("n-1", "https://bank.example"), now=NOW, nonce="n-1", audience="https://bank.example"
    )
    assert result.kind == "presentation"
    assert len(result.credentials) == 1
    assert {"nonce", "audience", "holder-binding"} <= {c.name for c in result.checks}


def test_presentation_wrong_nonce_and_audience() -> None:
    """A VP replayed with another challenge or domain is refused with the matching error."""
    vp = _vp("n-1", "https://bank.example")
    with pytest.raises(NonceMismatch):
        verify(vp, now=NOW, nonce="n-2", audience="https://bank.example")
    with pytest.raises(AudienceMismatch):
        verify(vp, now=NOW, nonce="n-1", audience="https://other.example")


def test_bare_credential_cannot_satisfy_a_nonce() -> None:
    """Asking for a nonce and getting a bare eddsa credential fails the nonce check."""
    with pytest.raises(NonceMismatch):
        verify(_sign_di(_credential(ED)), now=NOW, nonce="n-1")


# --------------------------------------------------------------------------- bbs-2023


def _bbs_derived(nonce: str, audience: str) -> dict[str, Any]:
    base = _sign_di(_credential(BLS), "bbs-2023")
    return derive_proof(
        base,
        selective_pointers=["/credentialSubject/givenName"],
        presentation_header=presentation_header(nonce, audience),
    )


def test_bbs_derived_credential_reveals_only_what_was_selected() -> None:
    """A derived bbs-2023 credential verifies and carries only the selected claims."""
    result = verify(_bbs_derived("n-1", "aud"), now=NOW, nonce="n-1", audience="aud")
    subject = result.claims["credentialSubject"]
    assert subject.get("givenName") == "Anna"
    assert "familyName" not in subject
    assert result.format == "bbs-2023"


def test_bbs_derived_wrong_nonce_and_audience() -> None:
    """The bbs-2023 presentation header binds nonce and audience."""
    derived = _bbs_derived("n-1", "aud")
    with pytest.raises(NonceMismatch):
        verify(derived, now=NOW, nonce="n-2", audience="aud")
    with pytest.raises(AudienceMismatch):
        verify(derived, now=NOW, nonce="n-1", audience="other")


def test_bbs_derived_changed_claim_fails() -> None:
    """Changing a disclosed claim of a derived credential breaks the BBS proof."""
    derived = _bbs_derived("n-1", "aud")
    derived["credentialSubject"]["givenName"] = "Eve"
    with pytest.raises(InvalidProof):
        verify(derived, now=NOW, nonce="n-1", audience="aud")


# --------------------------------------------------------------------------- vc+jwt


def test_vc_jwt_verifies_and_rejects_tampering() -> None:
    """vc+jwt: verifies; a changed payload or another key is refused."""
    token = issue_vc_jwt(_credential(P256), P256, kid=_vm(P256))
    assert verify(token, now=NOW).format == "vc+jwt"
    header, payload, signature = token.split(".")
    with pytest.raises(InvalidProof):
        verify(f"{header}.{payload[:-4]}AAAA.{signature}", now=NOW)
    with pytest.raises(InvalidProof):
        verify(token, now=NOW, issuer_key=Key.generate("p256"))


def test_vc_jwt_expired() -> None:
    """vc+jwt past validUntil is Expired."""
    token = issue_vc_jwt(_credential(P256, validUntil="2026-03-01T00:00:00Z"), P256, kid=_vm(P256))
    with pytest.raises(Expired):
        verify(token, now=NOW)


def test_vp_jwt_binds_nonce_and_audience() -> None:
    """vp+jwt: the nonce and audience must match."""
    vp = create_presentation([], holder=HOLDER.did_key())
    token = issue_vp_jwt(vp, HOLDER, kid=_vm(HOLDER), nonce="n-1", audience="aud", iat=NOW)
    assert verify(token, now=NOW, nonce="n-1", audience="aud").kind == "presentation"
    with pytest.raises(NonceMismatch):
        verify(token, now=NOW, nonce="n-2", audience="aud")
    with pytest.raises(AudienceMismatch):
        verify(token, now=NOW, nonce="n-1", audience="other")


# --------------------------------------------------------------------------- SD-JWT VC


_CLAIMS = {"given_name": "Anna", "family_name": "Eriksson", "birthdate": "1974-08-12"}


def _sd(status: dict[str, Any] | None = None, exp: datetime | None = None) -> str:
    return issue_sd_jwt_vc(
        _CLAIMS,
        ED,
        issuer=ED.did_key(),
        vct="https://credentials.example.gov/identity",
        kid=_vm(ED),
        disclose=["/given_name", "/family_name", "/birthdate"],
        holder_key=HOLDER.public_key(),
        iat=ISSUED,
        exp=exp,
        status=status,
    )


def _sd_present(token: str, nonce: str = "n-1", audience: str = "aud") -> str:
    return present(
        token, reveal=["/given_name"], holder_key=HOLDER, nonce=nonce, audience=audience, iat=NOW
    )


def test_sd_jwt_presentation_discloses_only_what_was_revealed() -> None:
    """An SD-JWT VC presentation verifies with key binding and only the revealed claim."""
    result = verify(_sd_present(_sd()), now=NOW, nonce="n-1", audience="aud")
    assert result.claims.get("given_name") == "Anna"
    assert "family_name" not in result.claims
    assert "holder-binding" in [c.name for c in result.checks]


def test_sd_jwt_wrong_nonce_audience_and_missing_binding() -> None:
    """Wrong nonce/audience are refused; asking for a nonce without a KB-JWT is refused."""
    presentation = _sd_present(_sd())
    with pytest.raises(NonceMismatch):
        verify(presentation, now=NOW, nonce="n-2", audience="aud")
    with pytest.raises(AudienceMismatch):
        verify(presentation, now=NOW, nonce="n-1", audience="other")
    no_kb = present(_sd(), reveal=["/given_name"])
    with pytest.raises(VerificationError) as caught:
        verify(no_kb, now=NOW, nonce="n-1", audience="aud")
    assert caught.value.check == "holder-binding"


def test_sd_jwt_changed_disclosure_is_refused() -> None:
    """A disclosure edited by the holder no longer matches any signed digest."""
    presentation = _sd_present(_sd())
    parts = presentation.split("~")
    from vc_service._multibase import b64url_encode

    parts[1] = b64url_encode(b'["c2FsdHNhbHRzYWx0", "given_name", "Eve"]')
    with pytest.raises((InvalidProof, InvalidInput, VerificationError)):
        verify("~".join(parts), now=NOW, nonce="n-1", audience="aud")


def test_sd_jwt_wrong_issuer_key_and_expiry() -> None:
    """SD-JWT VC signed by another key, or expired, is refused."""
    with pytest.raises(InvalidProof):
        verify(_sd_present(_sd()), now=NOW, nonce="n-1", audience="aud", issuer_key=OTHER)
    expired = _sd_present(_sd(exp=datetime(2026, 3, 1, tzinfo=UTC)))
    with pytest.raises(Expired):
        verify(expired, now=NOW, nonce="n-1", audience="aud")


def _token_status(value: int) -> tuple[_Status, dict[str, Any]]:
    statuses = TokenStatusList(1024, bits=2)
    statuses.set(5, value)
    source = _Status()
    source.tokens[TOKEN_LIST_URL] = issue_status_list_token(
        statuses, ED, kid=_vm(ED), subject_uri=TOKEN_LIST_URL, iat=NOW - timedelta(hours=1)
    )
    return source, {"status_list": {"idx": 5, "uri": TOKEN_LIST_URL}}


@pytest.mark.parametrize(
    ("value", "error"),
    [(0, None), (1, Revoked), (2, Suspended)],
    ids=["valid", "revoked", "suspended"],
)
def test_sd_jwt_token_status_list(value: int, error: type[Exception] | None) -> None:
    """SD-JWT VC status through the IETF Token Status List: valid, revoked, suspended."""
    source, claim = _token_status(value)
    presentation = _sd_present(_sd(status=claim))
    run: Callable[[], Any] = lambda: verify(  # noqa: E731
        presentation, now=NOW, nonce="n-1", audience="aud", status=source
    )
    if error is None:
        assert "status" in [c.name for c in run().checks]
    else:
        with pytest.raises(error):
            run()


def test_sd_jwt_token_status_unavailable() -> None:
    """An unreachable token status list is 'status unavailable'."""
    source, claim = _token_status(0)
    source.broken = True
    with pytest.raises(StatusUnavailable):
        verify(_sd_present(_sd(status=claim)), now=NOW, nonce="n-1", audience="aud", status=source)


# --------------------------------------------------------------------------- input


@pytest.mark.parametrize(
    "junk", ["", "   ", "{not json", "[1, 2]", "abc", b"\xff\xfe", 42], ids=repr
)
def test_unparseable_input_is_invalid_input(junk: Any) -> None:
    """Anything that is not a credential in a known format is InvalidInput."""
    with pytest.raises(InvalidInput):
        verify(junk, now=NOW)
