"""W3C credentials (``ldp_vc``) through the wallet: OID4VCI receipt, OID4VP presentation.

The service's civil registry issues ``identity.ldp_vc`` (eddsa-rdfc-2022) and ``identity.bbs``
(bbs-2023) to a fresh wallet, which presents two of eight claims to the bank's DCQL request
(OID4VP 1.0 Appendix B.1): the bbs-2023 presentation reveals only those two (and the holder's
DID), the eddsa-rdfc-2022 one shows the whole credential and says so before consent. Credentials
issued locally with a ``did:key`` issuer cover the library-only path. The attacks: a stolen
credential presented by someone else, a derived credential without its subject, more claims
than asked for, and presentations made for another request or another verifier. (Holder binding
of ldp_vc is ``credentialSubject.id`` signing the presentation: specs/wallet.md §6.)
"""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _service_setup import IDENTITY_CLAIMS, demo_settings, headers
from starlette.exceptions import StarletteDeprecationWarning

import vc_service
from vc_service import Key
from vc_service._multibase import b64url_decode
from vc_service.service import create_app
from vc_service.service._trust_checks import CHECK_NAMES
from wallet_sdk import NotFound, Wallet
from wallet_sdk._dcql import parse_dcql
from wallet_sdk._errors import InvalidInput
from wallet_sdk._ledger import learn_credential_types, unknown_contexts
from wallet_sdk._oid4vci import IssuanceError, _check_ldp, receive
from wallet_sdk._oid4vp import Summary, present

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

IDENTITY_TYPE = "https://credentials.chancery.local/vocab/identity#IdentityCredential"
EXAMPLES_TYPE = "https://www.w3.org/ns/credentials/examples#IdentityCredential"
VC_TYPE = "https://www.w3.org/2018/credentials#VerifiableCredential"
TWO = [["credentialSubject", "given_name"], ["credentialSubject", "birthdate"]]


def _query(type_iri: str, paths: list[list[str]] = TWO) -> dict[str, Any]:
    return {
        "credentials": [
            {
                "id": "pid",
                "format": "ldp_vc",
                "meta": {"type_values": [[VC_TYPE, type_iri]]},
                "claims": [{"path": p} for p in paths],
            }
        ]
    }


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = demo_settings(tmp_path_factory.mktemp("ldp"))
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def _issue(client: TestClient, wallet: Wallet, configuration: str) -> str:
    offer = client.post(
        "/issuer/offers",
        json={"credential_configuration_id": configuration, "claims": IDENTITY_CLAIMS},
        headers=headers(client, "civil-registry"),
    )
    assert offer.status_code == 201, offer.text
    body = offer.json()
    return receive(wallet, body["credential_offer_uri"], tx_code=body["tx_code"], http=client)


@pytest.fixture
def wallet(tmp_path: Path) -> Iterator[Wallet]:
    with Wallet.create(tmp_path / "w", "pass phrase", unsafe_fast_kdf=True) as w:
        yield w


def _ask(client: TestClient, query: dict[str, Any]) -> tuple[str, str]:
    created = client.post(
        "/verifier/requests", json={"dcql_query": query}, headers=headers(client, "bank")
    )
    assert created.status_code == 201, created.text
    return created.json()["id"], created.json()["request_uri_link"]


def _outcome(client: TestClient, request_id: str) -> dict[str, Any]:
    response = client.get(f"/verifier/requests/{request_id}", headers=headers(client, "bank"))
    assert response.status_code == 200, response.text
    outcome: dict[str, Any] = response.json()
    return outcome


def _results(outcome: dict[str, Any]) -> dict[str, str]:
    return {c["check"]: c["result"] for c in outcome["checks"]}


class _Consent:
    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.seen: list[Summary] = []

    def __call__(self, summary: Summary) -> bool:
        self.seen.append(summary)
        return self.answer


# --------------------------------------------------------------------------- service-issued


def test_a_received_ldp_vc_is_bound_to_the_did_the_wallet_proved(
    client: TestClient, wallet: Wallet
) -> None:
    stored = wallet.get(_issue(client, wallet, "identity.ldp_vc"))
    assert stored.format == "ldp_vc" and stored.verified
    assert stored.cryptosuite == "eddsa-rdfc-2022"
    assert isinstance(stored.credential, dict)
    subject = stored.credential["credentialSubject"]
    assert subject["id"] == stored.holder
    assert stored.issuer is not None and stored.issuer.startswith("did:chancery:")
    # The wallet holds the private key of the subject DID: it can sign presentations.
    assert wallet.key(stored.holder).did_key() == stored.holder


def test_bbs_presentation_reveals_exactly_the_two_requested_claims(
    client: TestClient, wallet: Wallet
) -> None:
    _issue(client, wallet, "identity.bbs")
    request_id, link = _ask(client, _query(IDENTITY_TYPE))
    consent = _Consent()
    result = present(wallet, link, http=client, consent=consent)
    assert result.status_code == 200, result.response
    outcome = _outcome(client, request_id)
    assert outcome["status"] == "verified", outcome
    assert outcome["claims"] == {
        "pid": {"credentialSubject": {"given_name": "Anna Maria", "birthdate": "1974-08-12"}}
    }
    assert sorted(outcome["disclosed"]["pid"]) == [
        "/credentialSubject/birthdate",
        "/credentialSubject/given_name",
    ]
    results = _results(outcome)
    assert list(results)[:8] == list(CHECK_NAMES)
    assert {results[name] for name in CHECK_NAMES} == {"passed"}
    shared = consent.seen[0].credentials[0]
    assert shared.minimised and shared.format == "ldp_vc"
    assert [p for p, _ in shared.claims] == [
        "/credentialSubject/id",
        "/credentialSubject/given_name",
        "/credentialSubject/birthdate",
    ]


def test_eddsa_presentation_is_whole_said_so_and_only_the_asked_claims_are_kept(
    client: TestClient, wallet: Wallet
) -> None:
    _issue(client, wallet, "identity.ldp_vc")
    request_id, link = _ask(client, _query(IDENTITY_TYPE))
    consent = _Consent()
    result = present(wallet, link, http=client, consent=consent)
    assert result.status_code == 200, result.response
    shared = consent.seen[0].credentials[0]
    assert not shared.minimised
    assert {p for p, _ in shared.claims} == {"/credentialSubject/id"} | {
        f"/credentialSubject/{name}" for name in IDENTITY_CLAIMS
    }
    assert "ALL of these go" in consent.seen[0].describe()
    outcome = _outcome(client, request_id)
    assert outcome["status"] == "verified", outcome
    assert outcome["claims"] == {
        "pid": {"credentialSubject": {"given_name": "Anna Maria", "birthdate": "1974-08-12"}}
    }
    assert sorted(outcome["disclosed"]["pid"]) == sorted(
        f"/credentialSubject/{name}" for name in IDENTITY_CLAIMS
    )
    disclosure = next(c for c in outcome["checks"] if c["check"] == "disclosure")
    assert "whole credential" in disclosure["detail"]


def test_a_revoked_ldp_vc_is_rejected_on_status(client: TestClient, wallet: Wallet) -> None:
    credential = wallet.get(_issue(client, wallet, "identity.bbs")).credential
    revoked = client.post(
        "/credentials/status",
        json={"credential": credential, "status": "revoked"},
        headers=headers(client, "civil-registry"),
    )
    assert revoked.status_code == 200, revoked.text
    request_id, link = _ask(client, _query(IDENTITY_TYPE))
    result = present(wallet, link, http=client, consent=_Consent())
    assert result.status_code == 422
    outcome = _outcome(client, request_id)
    assert outcome["status"] == "rejected"
    assert outcome["error"]["check"] == "status" and "revoked" in outcome["error"]["detail"]
    assert outcome["claims"] is None


def test_refused_consent_sends_nothing(client: TestClient, wallet: Wallet) -> None:
    _issue(client, wallet, "identity.bbs")
    request_id, link = _ask(client, _query(IDENTITY_TYPE))
    result = present(wallet, link, http=client, consent=_Consent(False))
    assert not result.sent
    assert _outcome(client, request_id)["status"] == "pending"


def test_the_wallet_learns_the_ledger_credential_types(client: TestClient) -> None:
    learned = learn_credential_types(client, "http://testserver")
    assert {"identity", "degree"} <= set(learned)
    context = "https://credentials.chancery.local/contexts/identity/v1"
    assert unknown_contexts({"@context": [context]}) == []
    assert unknown_contexts({"@context": [context + "x"]}) == [context + "x"]
    assert learn_credential_types(client, "http://testserver/nowhere") == []


# --------------------------------------------------------------------------- receipt checks


def _credential(subject_id: str) -> dict[str, Any]:
    return {
        "type": ["VerifiableCredential", "IdentityCredential"],
        "credentialSubject": {"id": subject_id, "given_name": "Ana"},
    }


def test_receipt_refuses_a_credential_about_another_did_or_of_another_type() -> None:
    configuration = {
        "credential_definition": {"type": ["VerifiableCredential", "IdentityCredential"]}
    }
    mine, theirs = Key.generate("ed25519").did_key(), Key.generate("ed25519").did_key()
    _check_ldp(_credential(mine), mine, configuration)
    with pytest.raises(IssuanceError, match="credentialSubject.id"):
        _check_ldp(_credential(theirs), mine, configuration)
    other = {"credential_definition": {"type": ["VerifiableCredential", "DegreeCredential"]}}
    with pytest.raises(IssuanceError, match="offered"):
        _check_ldp(_credential(mine), mine, other)


# --------------------------------------------------------------------------- library-issued

EXAMPLES = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]
CLAIMS = {
    "given_name": "Ana",
    "family_name": "Silva",
    "birthdate": "1990-01-01",
    "nationality": "PT",
    "address": "Rua 1",
    "email": "ana@example.org",
    "phone": "+351000",
    "document_number": "X123",
}


def _local(wallet: Wallet, suite: str, subject: str | None = None) -> dict[str, Any]:
    """A credential issued with the library by a did:key issuer, stored in ``wallet``."""
    holder = subject or wallet.holder_key().did_key()
    key = Key.generate("bls12381g2" if suite == "bbs-2023" else "ed25519")
    document = {
        "@context": EXAMPLES,
        "type": ["VerifiableCredential", "IdentityCredential"],
        "issuer": key.did_key(),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": holder, **CLAIMS},
    }
    options: dict[str, Any] = {}
    if suite == "bbs-2023":
        options["mandatory_pointers"] = ["/issuer", "/validFrom"]
    signed = vc_service.add_proof(
        document,
        key,
        cryptosuite=suite,
        verification_method=f"{key.did_key()}#{key.multikey()}",
        **options,
    )
    wallet.add_credential(signed)
    return signed


@pytest.mark.parametrize("suite", ["bbs-2023", "eddsa-rdfc-2022"])
def test_a_did_key_issued_credential_presents_with_accreditation_not_applicable(
    client: TestClient, wallet: Wallet, suite: str
) -> None:
    _local(wallet, suite)
    request_id, link = _ask(client, _query(EXAMPLES_TYPE))
    result = present(wallet, link, http=client, consent=_Consent())
    assert result.status_code == 200, result.response
    outcome = _outcome(client, request_id)
    assert outcome["claims"] == {
        "pid": {"credentialSubject": {"given_name": "Ana", "birthdate": "1990-01-01"}}
    }
    results = _results(outcome)
    assert results["issuer_key"] == "passed"
    assert results["accreditation"] == "not_applicable"
    assert results["status"] == "not_applicable"


def _request_object(client: TestClient, link: str) -> dict[str, Any]:
    request_uri = link.split("request_uri=", 1)[1].replace("%3A", ":").replace("%2F", "/")
    token = client.get(request_uri).text
    payload: dict[str, Any] = json.loads(b64url_decode(token.split(".")[1]))
    return payload


def _vp(
    credential: dict[str, Any], signer: Key, holder: str, challenge: str, domain: str
) -> dict[str, Any]:
    presentation = vc_service.create_presentation([credential], holder=holder)
    return vc_service.add_proof(
        presentation,
        signer,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=f"{holder}#{signer.multikey()}",
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
    )


def _post(client: TestClient, request: dict[str, Any], vp: dict[str, Any]) -> Any:
    return client.post(
        request["response_uri"],
        data={"vp_token": json.dumps({"pid": [vp]}), "state": request["state"]},
    )


def _attack(client: TestClient, build: Any) -> tuple[Any, dict[str, Any]]:
    request_id, link = _ask(client, _query(EXAMPLES_TYPE))
    request = _request_object(client, link)
    answer = _post(client, request, build(request))
    return answer, _outcome(client, request_id)


def test_a_stolen_credential_presented_by_another_holder_fails_holder_binding(
    client: TestClient, wallet: Wallet
) -> None:
    stolen = _local(wallet, "eddsa-rdfc-2022")
    thief = Key.generate("ed25519")
    answer, outcome = _attack(
        client,
        lambda r: _vp(stolen, thief, thief.did_key(), r["nonce"], r["client_id"]),
    )
    assert answer.status_code == 422 and answer.json()["check"] == "holder_binding"
    assert outcome["status"] == "rejected" and outcome["error"]["check"] == "holder_binding"
    assert outcome["claims"] is None


def test_a_presentation_naming_the_victim_but_signed_by_another_key_fails_the_proof(
    client: TestClient, wallet: Wallet
) -> None:
    stolen = _local(wallet, "eddsa-rdfc-2022")
    victim = stolen["credentialSubject"]["id"]
    thief = Key.generate("ed25519")

    def build(request: dict[str, Any]) -> dict[str, Any]:
        vp = _vp(stolen, thief, thief.did_key(), request["nonce"], request["client_id"])
        vp["holder"] = victim  # the signature no longer covers this, nor is it victim's key
        return vp

    answer, outcome = _attack(client, build)
    assert answer.status_code == 422 and outcome["status"] == "rejected"
    assert outcome["error"]["check"] == "proof"


def test_selecting_a_subject_claim_reveals_the_subject_id(wallet: Wallet) -> None:
    """The selection keeps the ``id`` of every object on a selected path (ECDSA-SD
    selectJsonLd, used by bbs-2023), so a derived credential showing a subject claim always
    shows the holder's DID: the binding cannot be stripped off."""
    base = _local(wallet, "bbs-2023")
    derived = vc_service.derive_bbs_proof(
        base, selective_pointers=["/credentialSubject/given_name"]
    )
    assert derived["credentialSubject"] == {
        "id": base["credentialSubject"]["id"],
        "given_name": "Ana",
    }


def test_a_credential_without_a_subject_id_cannot_be_bound(
    client: TestClient, wallet: Wallet
) -> None:
    issuer = Key.generate("bls12381g2")
    holder_key = Key.generate("ed25519")
    holder = holder_key.did_key()
    document = {
        "@context": EXAMPLES,
        "type": ["VerifiableCredential", "IdentityCredential"],
        "issuer": issuer.did_key(),
        "credentialSubject": dict(CLAIMS),
    }
    base = vc_service.add_proof(
        document,
        issuer,
        cryptosuite="bbs-2023",
        verification_method=f"{issuer.did_key()}#{issuer.multikey()}",
        mandatory_pointers=["/issuer"],
    )
    derived = vc_service.derive_bbs_proof(
        base, selective_pointers=["/credentialSubject/given_name", "/credentialSubject/birthdate"]
    )
    answer, outcome = _attack(
        client, lambda r: _vp(derived, holder_key, holder, r["nonce"], r["client_id"])
    )
    assert answer.status_code == 422
    assert outcome["error"]["check"] == "holder_binding"
    assert "credentialSubject.id" in outcome["error"]["detail"]


def test_a_derived_credential_revealing_more_than_asked_is_refused(
    client: TestClient, wallet: Wallet
) -> None:
    base = _local(wallet, "bbs-2023")
    holder = base["credentialSubject"]["id"]
    key = wallet.key(holder)
    pointers = [f"/credentialSubject/{name}" for name in ("given_name", "birthdate", "email")]
    derived = vc_service.derive_bbs_proof(base, selective_pointers=pointers)
    answer, outcome = _attack(
        client, lambda r: _vp(derived, key, holder, r["nonce"], r["client_id"])
    )
    assert answer.status_code == 400
    assert outcome["status"] == "rejected" and outcome["error"]["check"] == "disclosure"
    assert "/credentialSubject/email" in outcome["error"]["detail"]
    assert outcome["claims"] is None


@pytest.mark.parametrize(
    ("field", "check"), [("nonce", "nonce"), ("client_id", "audience")], ids=["nonce", "domain"]
)
def test_a_presentation_made_for_another_request_or_verifier_is_rejected(
    client: TestClient, wallet: Wallet, field: str, check: str
) -> None:
    credential = _local(wallet, "eddsa-rdfc-2022")
    holder = credential["credentialSubject"]["id"]
    key = wallet.key(holder)

    def build(request: dict[str, Any]) -> dict[str, Any]:
        bound = dict(request)
        bound[field] = "decentralized_identifier:did:key:other" if field == "client_id" else "x"
        return _vp(credential, key, holder, bound["nonce"], bound["client_id"])

    answer, outcome = _attack(client, build)
    assert answer.status_code == 422
    assert outcome["error"]["check"] == check


def test_a_json_vp_token_for_an_sd_jwt_query_and_a_string_for_ldp_are_400(
    client: TestClient, wallet: Wallet
) -> None:
    request_id, link = _ask(client, _query(EXAMPLES_TYPE))
    request = _request_object(client, link)
    answer = client.post(
        request["response_uri"],
        data={"vp_token": json.dumps({"pid": ["a~b~"]}), "state": request["state"]},
    )
    assert answer.status_code == 400
    assert "JSON presentation object" in answer.json()["detail"]
    assert _outcome(client, request_id)["status"] == "pending"


# --------------------------------------------------------------------------- DCQL for ldp_vc


def test_ldp_queries_need_type_values_and_holder_binding() -> None:
    query = _query(EXAMPLES_TYPE)
    assert parse_dcql(query)[0].type_values == (frozenset({VC_TYPE, EXAMPLES_TYPE}),)
    missing = copy.deepcopy(query)
    missing["credentials"][0]["meta"] = {}
    with pytest.raises(InvalidInput, match="type_values"):
        parse_dcql(missing)
    unbound = copy.deepcopy(query)
    unbound["credentials"][0]["require_cryptographic_holder_binding"] = False
    with pytest.raises(InvalidInput, match="holder binding"):
        parse_dcql(unbound)


def test_the_verifier_refuses_an_ldp_query_without_type_values(client: TestClient) -> None:
    query = _query(EXAMPLES_TYPE)
    query["credentials"][0]["meta"] = {"vct_values": ["x"]}
    answer = client.post(
        "/verifier/requests", json={"dcql_query": query}, headers=headers(client, "bank")
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"


def test_no_credential_of_the_asked_type_is_not_found(client: TestClient, wallet: Wallet) -> None:
    _local(wallet, "eddsa-rdfc-2022")
    _, link = _ask(client, _query("https://www.w3.org/ns/credentials/examples#Other"))
    with pytest.raises(NotFound, match="pid"):
        present(wallet, link, http=client, consent=_Consent())
