"""The composed zero-knowledge presentation (specs/zk-presentation.md): completeness, every
part tampered, binding to nonce/audience/scope/accumulator state, pseudonyms, link secrets,
predicates, revocation, unlinkability."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zk import InvalidInput, VerificationError
from zk import presentation as zp
from zk.accumulator import Revoked, StaleWitness
from zk.curve import R, default_backend
from zk.presentation._api import _state_for, _statement
from zk.presentation._compose import IPA_FLOOR, parse
from zk.range._bulletproofs import _ipa_shape

CIVIL = "did:chancery:civil-registry"
EDU = "did:chancery:education"
IDENTITY = zp.CredentialType(
    "identity",
    CIVIL,
    "civil-2026",
    (
        ("given_name", "string"),
        ("family_name", "string"),
        ("birth_date", "date"),
        ("nationality", "string"),
        ("residence", "string"),
        ("document_number", "string"),
        ("sex", "string"),
        ("height_cm", "integer"),
    ),
)
DEGREE = zp.CredentialType(
    "degree", EDU, "edu-2026", (("name", "string"), ("level", "integer"), ("awarded", "date"))
)
CLAIMS: dict[str, object] = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "birth_date": "1990-05-01",
    "nationality": "FR",
    "residence": "Paris",
    "document_number": "X1234567",
    "sex": "F",
    "height_cm": 170,
}
ADULT = zp.Predicate("birth_date", "<=", "2008-12-06")


@pytest.fixture(scope="module")
def civil() -> zp.Issuer:
    return zp.Issuer.generate(IDENTITY)


@pytest.fixture(scope="module")
def education() -> zp.Issuer:
    return zp.Issuer.generate(DEGREE)


def _receive(holder: zp.Holder, issuer: zp.Issuer, claims: dict[str, object]) -> zp.HeldCredential:
    request, pending = holder.blind_request()
    issued = issuer.issue(request, claims)
    return holder.accept(pending, issuer.public, issued, claims)


@pytest.fixture(scope="module")
def holder() -> zp.Holder:
    return zp.Holder.create()


@pytest.fixture(scope="module")
def credential(holder: zp.Holder, civil: zp.Issuer) -> zp.HeldCredential:
    return _receive(holder, civil, CLAIMS)


def _request(**changes: Any) -> zp.PresentationRequest:
    query = zp.CredentialQuery(
        "identity",
        CIVIL,
        disclose=("given_name", "residence"),
        predicates=(ADULT,),
        non_revoked=True,
        pseudonym=True,
    )
    fields: dict[str, Any] = {
        "nonce": secrets.token_bytes(16),
        "audience": "https://bank.example",
        "credentials": (query,),
        "scope": "bank.example/benefit-2026",
    }
    fields.update(changes)
    return zp.PresentationRequest(**fields)


def test_full_presentation_verifies_and_shows_only_what_was_asked(
    holder: zp.Holder, civil: zp.Issuer, credential: zp.HeldCredential
) -> None:
    request = _request()
    states = {"civil-2026": civil.state()}
    presentation = holder.present(request, [credential], states)
    data = presentation.to_bytes()
    result = zp.verify_presentation(data, request, [civil.public], states)
    assert result.disclosed == ({"given_name": "Ada", "residence": "Paris"},)
    assert result.pseudonym is not None and len(result.pseudonym) == 48
    assert result.predicates == (("birth_date <= 2008-12-06",),)
    # Nothing else of the credential is in the bytes.
    for name in ("Lovelace", "1990", "X1234567", "FR"):
        assert name.encode() not in data


def _tamper_cases(
    data: bytes, request: zp.PresentationRequest, civil: zp.Issuer
) -> list[tuple[str, bytes]]:
    """One tampered copy per field of the proof: a point replaced by another valid point, a
    scalar replaced by another valid scalar, and each point/scalar inside the Bulletproof."""
    presentation = zp.Presentation.from_bytes(data)
    query = request.credentials[0]
    bk = default_backend()
    state = _state_for(query, IDENTITY, {"civil-2026": civil.state()})
    shown = presentation.disclosed[0]
    statement = _statement(query, civil.public, shown, state, bk)
    _, _, spans = parse([statement], presentation.proof, bk)
    base = len(data) - len(presentation.proof)
    other_point = bk.g1_encode(bk.g1_mul(bk.g1_generator(), secrets.randbelow(R - 1) + 1))
    cases = []
    for name, offset, size in spans:
        pieces = [(offset, size)]
        if name.startswith("range-proof:"):
            # A, S, T1, T2, then tau_x, mu, t_hat, then L_i/R_i, then the vectors a and b.
            _, m, bits = name.split(":")
            rounds, final = _ipa_shape(int(m), int(bits), IPA_FLOOR)
            pieces = [(offset + 48 * i, 48) for i in range(4)]
            pieces += [(offset + 192 + 32 * i, 32) for i in range(3)]
            pieces += [(offset + 288 + 48 * i, 48) for i in range(2 * rounds)]
            pieces += [(offset + 288 + 96 * rounds + 32 * i, 32) for i in range(2 * final)]
            assert pieces[-1][0] + 32 == offset + size
        for start, length in pieces:
            if length == 48:
                replacement = other_point
            else:
                replacement = (secrets.randbelow(R - 1) + 1).to_bytes(32, "big")
            at = base + start
            cases.append((f"{name}@{start}", data[:at] + replacement + data[at + length :]))
    return cases


def test_every_field_tampered_is_rejected(
    holder: zp.Holder, civil: zp.Issuer, credential: zp.HeldCredential
) -> None:
    request = _request()
    states = {"civil-2026": civil.state()}
    data = holder.present(request, [credential], states).to_bytes()
    cases = _tamper_cases(data, request, civil)
    assert len(cases) > 30
    for label, forged in cases:
        with pytest.raises(VerificationError):
            zp.verify_presentation(forged, request, [civil.public], states)
        assert label  # every field was exercised
    # Flipping any single bit anywhere is rejected too (parse error or verification error).
    for position in range(8, len(data), 7):
        flipped = bytearray(data)
        flipped[position] ^= 0x01
        with pytest.raises((VerificationError, InvalidInput)):
            zp.verify_presentation(bytes(flipped), request, [civil.public], states)
    with pytest.raises(InvalidInput):
        zp.verify_presentation(data[:-1], request, [civil.public], states)
    with pytest.raises(InvalidInput):
        zp.verify_presentation(data + b"\x00", request, [civil.public], states)


def test_disclosed_values_nonce_audience_scope_state_are_bound(
    holder: zp.Holder, civil: zp.Issuer, credential: zp.HeldCredential
) -> None:
    request = _request()
    states = {"civil-2026": civil.state()}
    presentation = holder.present(request, [credential], states)
    good = [civil.public]
    forged = replace(presentation, disclosed=({"given_name": "Eve", "residence": "Paris"},))
    with pytest.raises(VerificationError):
        zp.verify_presentation(forged, request, good, states)
    for other in (
        replace(request, nonce=secrets.token_bytes(16)),
        replace(request, audience="https://other.example"),
        replace(request, scope="other.example/benefit"),
    ):
        with pytest.raises(VerificationError):
            zp.verify_presentation(presentation, other, good, states)
    stricter = _request(
        nonce=request.nonce,
        credentials=(
            replace(
                request.credentials[0], predicates=(zp.Predicate("birth_date", "<=", "1980-01-01"),)
            ),
        ),
    )
    with pytest.raises(VerificationError):
        zp.verify_presentation(presentation, stricter, good, states)
    # Another accumulator value at the same epoch, another issuer key.
    bk = default_backend()
    wrong_value = bk.g1_encode(bk.g1_mul(bk.g1_generator(), 7))
    wrong_state = {
        "civil-2026": zp.AccumulatorState("civil-2026", states["civil-2026"].epoch, wrong_value)
    }
    with pytest.raises(VerificationError):
        zp.verify_presentation(presentation, request, good, wrong_state)
    impostor = zp.Issuer.generate(IDENTITY)
    with pytest.raises(VerificationError):
        zp.verify_presentation(presentation, request, [impostor.public], states)
    with pytest.raises(VerificationError):
        zp.verify_presentation(presentation, request, [], states)


def test_pseudonym_is_stable_per_scope_and_differs_across_scopes(
    holder: zp.Holder, civil: zp.Issuer, credential: zp.HeldCredential
) -> None:
    states = {"civil-2026": civil.state()}

    def nym(scope: str) -> bytes | None:
        request = _request(scope=scope)
        presentation = holder.present(request, [credential], states)
        return zp.verify_presentation(presentation, request, [civil.public], states).pseudonym

    first, again, other = nym("city/petition-7"), nym("city/petition-7"), nym("city/petition-8")
    assert first == again
    assert first != other
    # Another person with the same claims gets another pseudonym in the same scope.
    someone = zp.Holder.create()
    theirs = _receive(someone, civil, CLAIMS)
    request = _request(scope="city/petition-7")
    result = zp.verify_presentation(
        someone.present(request, [theirs], states), request, [civil.public], states
    )
    assert result.pseudonym != first


def test_two_agencies_one_link_secret(
    holder: zp.Holder, civil: zp.Issuer, education: zp.Issuer, credential: zp.HeldCredential
) -> None:
    degree_claims: dict[str, object] = {"name": "Ada Lovelace", "level": 7, "awarded": "2015-06-30"}
    degree = _receive(holder, education, degree_claims)
    request = zp.PresentationRequest(
        secrets.token_bytes(16),
        "https://employer.example",
        (
            zp.CredentialQuery("identity", CIVIL, disclose=("family_name",), non_revoked=True),
            zp.CredentialQuery(
                "degree", EDU, predicates=(zp.Predicate("level", ">=", 6),), non_revoked=True
            ),
        ),
    )
    states = {"civil-2026": civil.state(), "edu-2026": education.state()}
    issuers = [civil.public, education.public]
    presentation = holder.present(request, [credential, degree], states)
    result = zp.verify_presentation(presentation, request, issuers, states)
    assert result.disclosed == ({"family_name": "Lovelace"}, {})
    # A degree held under another link secret cannot be combined with this identity.
    other = zp.Holder.create()
    their_degree = _receive(other, education, degree_claims)
    with pytest.raises(InvalidInput):
        holder.present(request, [credential, their_degree], states)
    # Forcing it: the other holder proves its degree with its own link secret, and the
    # responses are spliced; the shared link response cannot match both.
    mine = holder.present(request, [credential, degree], states)
    theirs = other.present(
        zp.PresentationRequest(request.nonce, request.audience, request.credentials[1:]),
        [their_degree],
        states,
    )
    assert mine.proof != theirs.proof


@pytest.mark.parametrize(
    ("predicate", "holds"),
    [
        (zp.Predicate("height_cm", ">=", 170), True),
        (zp.Predicate("height_cm", ">=", 171), False),
        (zp.Predicate("height_cm", "<=", 170), True),
        (zp.Predicate("height_cm", "<=", 169), False),
        (zp.Predicate("height_cm", "between", 150, 190), True),
        (zp.Predicate("height_cm", "between", 171, 190), False),
        (zp.Predicate("height_cm", "!=", 171), True),
        (zp.Predicate("height_cm", "!=", 170), False),
        (zp.Predicate("birth_date", "between", "1990-05-01", "1990-05-01"), True),
        (zp.Predicate("birth_date", ">=", "1990-05-02"), False),
    ],
)
def test_predicates_true_prove_false_refused(
    holder: zp.Holder,
    civil: zp.Issuer,
    credential: zp.HeldCredential,
    predicate: zp.Predicate,
    holds: bool,
) -> None:
    query = zp.CredentialQuery("identity", CIVIL, predicates=(predicate,))
    request = zp.PresentationRequest(secrets.token_bytes(16), "rp", (query,))
    if not holds:
        with pytest.raises(zp.UnsatisfiedPredicate):
            holder.present(request, [credential])
        return
    presentation = holder.present(request, [credential])
    zp.verify_presentation(presentation, request, [civil.public])


def test_a_true_predicate_beyond_the_requested_range_is_refused(
    holder: zp.Holder, civil: zp.Issuer, credential: zp.HeldCredential
) -> None:
    far = zp.Predicate("height_cm", "<=", 2**40)  # true, but 2^40 - 170 needs more than 32 bits
    request = zp.PresentationRequest(
        secrets.token_bytes(16), "rp", (zp.CredentialQuery("identity", CIVIL, predicates=(far,)),)
    )
    with pytest.raises(zp.UnsatisfiedPredicate, match="32-bit"):
        holder.present(request, [credential])
    wide = replace(far, bits=64)
    request = replace(
        request, credentials=(zp.CredentialQuery("identity", CIVIL, predicates=(wide,)),)
    )
    zp.verify_presentation(holder.present(request, [credential]), request, [civil.public])


def test_forged_predicate_never_verifies(
    holder: zp.Holder, civil: zp.Issuer, credential: zp.HeldCredential
) -> None:
    # A proof of 'height >= 170' presented as a proof of 'height >= 171' (same encoding size).
    true = zp.CredentialQuery("identity", CIVIL, predicates=(zp.Predicate("height_cm", ">=", 170),))
    false = zp.CredentialQuery(
        "identity", CIVIL, predicates=(zp.Predicate("height_cm", ">=", 171),)
    )
    nonce = secrets.token_bytes(16)
    presentation = holder.present(zp.PresentationRequest(nonce, "rp", (true,)), [credential])
    with pytest.raises(VerificationError):
        zp.verify_presentation(
            presentation, zp.PresentationRequest(nonce, "rp", (false,)), [civil.public]
        )


def test_revocation_updates_and_refusals(holder: zp.Holder) -> None:
    issuer = zp.Issuer.generate(IDENTITY)
    mine = _receive(holder, issuer, CLAIMS)
    revoked_holder = zp.Holder.create()
    revoked = _receive(revoked_holder, issuer, CLAIMS)
    others = [issuer.accumulator.new_member().element for _ in range(20)]
    updates = issuer.revoke([revoked.witness.element, *others])
    states = {"civil-2026": issuer.state()}
    request = _request(
        scope=None, credentials=(zp.CredentialQuery("identity", CIVIL, non_revoked=True),)
    )
    # A holder who did not update is refused before proving, and a verifier refuses a proof
    # made against the old value.
    with pytest.raises(StaleWitness):
        holder.present(request, [mine], states)
    old_value = default_backend().g1_encode(mine.witness.value)
    old_states = {"civil-2026": zp.AccumulatorState("civil-2026", mine.witness.epoch, old_value)}
    old_proof = holder.present(request, [mine], old_states)
    with pytest.raises(VerificationError):
        zp.verify_presentation(old_proof, request, [issuer.public], states)
    # Claiming the new epoch with the old witness: the pairing fails.
    relabelled = zp.Presentation(
        old_proof.disclosed, (states["civil-2026"].epoch,), old_proof.proof
    )
    with pytest.raises(VerificationError):
        zp.verify_presentation(relabelled, request, [issuer.public], states)
    # After the update: the honest holder verifies, the revoked one cannot update.
    updated = mine.update_witness(updates)
    zp.verify_presentation(
        holder.present(request, [updated], states), request, [issuer.public], states
    )
    with pytest.raises(Revoked):
        revoked.update_witness(updates)
    # The revoked holder's old witness with the new epoch label does not verify either.
    forced = replace(revoked, witness=replace(revoked.witness, epoch=states["civil-2026"].epoch))
    with pytest.raises(VerificationError):
        zp.verify_presentation(
            revoked_holder.present(request, [forced], states), request, [issuer.public], states
        )


def test_two_presentations_share_only_public_bytes(
    holder: zp.Holder, civil: zp.Issuer, credential: zp.HeldCredential
) -> None:
    states = {"civil-2026": civil.state()}
    request = _request(
        scope=None, credentials=(replace(_request().credentials[0], pseudonym=False),)
    )
    a = holder.present(request, [credential], states)
    b = holder.present(request, [credential], states)
    assert a.disclosed == b.disclosed
    # Every proof field (32- or 48-byte) differs between the two presentations.
    bk = default_backend()
    state = _state_for(request.credentials[0], IDENTITY, states)
    statement = _statement(request.credentials[0], civil.public, a.disclosed[0], state, bk)
    _, _, spans = parse([statement], a.proof, bk)
    for name, offset, size in spans:
        assert a.proof[offset : offset + size] != b.proof[offset : offset + size], name
    # And no 8-byte window of one proof appears in the other.
    windows = {a.proof[i : i + 8] for i in range(len(a.proof) - 7)}
    assert not any(b.proof[i : i + 8] in windows for i in range(len(b.proof) - 7))


def test_malformed_inputs_are_typed_errors(civil: zp.Issuer) -> None:
    with pytest.raises(InvalidInput):
        zp.Presentation.from_bytes(b"nope")
    with pytest.raises(InvalidInput):
        zp.Presentation.from_bytes(b"CZP1\x00\x00\x00\x05{bad}")
    with pytest.raises(InvalidInput):
        zp.PresentationRequest(b"short", "rp", ())
    with pytest.raises(InvalidInput):
        zp.Predicate("x", "<", 3)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        zp.CredentialQuery(
            "identity", CIVIL, predicates=(zp.Predicate("given_name", ">=", 1),)
        ).check_against(IDENTITY)
    with pytest.raises(InvalidInput):
        IDENTITY.encode_all({"given_name": "x"})
    with pytest.raises(InvalidInput):
        IDENTITY.encode("birth_date", "1990-02-30")
    with pytest.raises(InvalidInput):
        IDENTITY.encode("height_cm", 2**62)
    request, _ = zp.Holder.create().blind_request()
    forged = zp.BlindRequest(request.commitment[:-1] + bytes([request.commitment[-1] ^ 1]))
    with pytest.raises((VerificationError, InvalidInput)):
        civil.issue(forged, CLAIMS)


def test_dates_encode_as_days_since_1970() -> None:
    assert zp.date_to_days("1970-01-01") == 0
    assert zp.date_to_days("1969-12-31") == -1
    assert zp.date_to_days("2000-03-01") == 11017
    assert zp.days_to_date(11017) == "2000-03-01"
    assert IDENTITY.encode("birth_date", "1969-12-31") == R - 1


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    height=st.integers(min_value=-(2**40), max_value=2**40),
    bound=st.integers(min_value=-(2**40), max_value=2**40),
    day=st.integers(min_value=-40000, max_value=40000),
)
def test_completeness_on_random_values(
    civil: zp.Issuer, holder: zp.Holder, height: int, bound: int, day: int
) -> None:
    claims = {**CLAIMS, "height_cm": height, "birth_date": zp.days_to_date(day)}
    cred = _receive(holder, civil, claims)
    op: Literal[">=", "<="] = ">=" if height >= bound else "<="
    query = zp.CredentialQuery(
        "identity",
        CIVIL,
        disclose=("nationality",),
        predicates=(
            zp.Predicate("height_cm", op, bound, bits=64),
            zp.Predicate(
                "birth_date", "between", zp.days_to_date(day - 1), zp.days_to_date(day + 3)
            ),
        ),
    )
    request = zp.PresentationRequest(secrets.token_bytes(32), "rp", (query,))
    zp.verify_presentation(holder.present(request, [cred]).to_bytes(), request, [civil.public])


@pytest.mark.slow
def test_reference_backend_verifies_the_same_presentation(
    holder: zp.Holder, civil: zp.Issuer, credential: zp.HeldCredential
) -> None:
    """The py_ecc reference backend accepts what arkworks proved, and refuses a forgery."""
    from zk.curve import PyEccBackend

    reference = PyEccBackend()
    request = _request()
    states = {"civil-2026": civil.state()}
    data = holder.present(request, [credential], states).to_bytes()
    result = zp.verify_presentation(data, request, [civil.public], states, backend=reference)
    assert result.disclosed == ({"given_name": "Ada", "residence": "Paris"},)
    assert (
        result.pseudonym == zp.verify_presentation(data, request, [civil.public], states).pseudonym
    )
    forged = data[:-40] + bytes([data[-40] ^ 1]) + data[-39:]
    with pytest.raises(VerificationError):
        zp.verify_presentation(forged, request, [civil.public], states, backend=reference)


def test_json_forms_round_trip_through_a_wallet_and_a_transport(
    holder: zp.Holder, civil: zp.Issuer
) -> None:
    """Every value a wallet stores or a transport carries survives JSON (JCS) unchanged."""
    import json

    import rfc8785

    def through_json(value: Any) -> Any:
        return json.loads(rfc8785.dumps(value.to_json()))

    public = zp.IssuerPublic.from_json(through_json(civil.public))
    assert public == civil.public
    blind, pending = holder.blind_request()
    assert zp.BlindRequest.from_json(through_json(blind)) == blind
    assert zp.PendingIssuance.from_json(through_json(pending)) == pending
    issued = civil.issue(zp.BlindRequest.from_json(through_json(blind)), CLAIMS)
    issued = zp.IssuedCredential.from_json(through_json(issued))
    credential = holder.accept(
        zp.PendingIssuance.from_json(through_json(pending)), public, issued, CLAIMS
    )
    stored = zp.HeldCredential.from_json(through_json(credential))
    stored.verify()
    assert stored.scalars == credential.scalars and stored.claims == credential.claims
    request = zp.PresentationRequest.from_json(through_json(_request()))
    assert request.to_json() == through_json(request)
    states = {"civil-2026": zp.AccumulatorState.from_json(through_json(civil.state()))}
    presentation = holder.present(request, [stored], states)
    zp.verify_presentation(presentation.to_bytes(), request, [public], states)
    between = zp.Predicate("height_cm", "between", 150, 190, bits=16)
    assert zp.Predicate.from_json(through_json(between)) == between
    # A stored credential whose claims were edited no longer verifies.
    edited = through_json(credential)
    edited["claims"]["residence"] = "Lyon"
    with pytest.raises(VerificationError):
        zp.HeldCredential.from_json(edited).verify()


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("issuer", {"credential_type": {}, "public_key": "", "accumulator_key": ""}),
        (
            "issuer",
            {"credential_type": IDENTITY.to_json(), "public_key": "AA", "accumulator_key": "AA"},
        ),
        (
            "issued",
            {
                "signature": "x",
                "handle": "y",
                "signer_nym_entropy": "z",
                "witness": "w",
                "epoch": 1,
            },
        ),
        ("issued", []),
        ("pending", {"prover_blind": "_" * 43, "prover_nym": "A" * 43}),
        ("request", {"nonce": "AAAA", "audience": "rp", "scope": None, "credentials": []}),
        ("request", {"nonce": "AA==", "audience": "rp", "scope": None, "credentials": [{}]}),
        ("predicate", {"claim": "x", "op": ">=", "bound": True}),
        ("predicate", {"claim": "x", "op": ">=", "bound": 1, "extra": 2}),
        ("state", {"registry": "r", "epoch": -1, "value": "AA"}),
    ],
)
def test_malformed_json_forms_are_typed_errors(kind: str, value: Any) -> None:
    parse = {
        "issuer": zp.IssuerPublic.from_json,
        "issued": zp.IssuedCredential.from_json,
        "pending": zp.PendingIssuance.from_json,
        "request": zp.PresentationRequest.from_json,
        "predicate": zp.Predicate.from_json,
        "state": zp.AccumulatorState.from_json,
    }[kind]
    with pytest.raises(InvalidInput):
        parse(value)


@pytest.mark.slow
def test_reference_backend_proves_what_arkworks_verifies(civil: zp.Issuer) -> None:
    """A presentation proved on the py_ecc reference backend verifies on arkworks."""
    from zk.curve import PyEccBackend

    holder = zp.Holder.create()
    credential = _receive(holder, civil, CLAIMS)
    query = zp.CredentialQuery("identity", CIVIL, disclose=("residence",), non_revoked=True)
    request = zp.PresentationRequest(secrets.token_bytes(16), "rp", (query,))
    states = {"civil-2026": civil.state()}
    data = holder.present(request, [credential], states, backend=PyEccBackend()).to_bytes()
    result = zp.verify_presentation(data, request, [civil.public], states)
    assert result.disclosed == ({"residence": "Paris"},)
