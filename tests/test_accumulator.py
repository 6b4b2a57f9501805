"""The revocation accumulator (``zk.accumulator``): witnesses, batch deletions, membership proofs.

Covers completeness, batch update == sequential single updates, revoked and stale holders,
update chaining, tampering with update data and proofs, serialisation (including the ledger's
``accumulator``/``publish`` payload schema) and byte-identical results on both curve backends.

Tampering with update data: every field is detected, either when decoding (malformed bytes,
unsorted or out-of-range elements, invalid points, mismatched ledger ``value``/``version``),
when chaining (epoch, previous value) or by the pairing check on the updated witness (new
value, deleted elements, ``Omega``). Not detectable by a holder alone: an update that is
internally consistent, which only the secret-key holder (the issuer) can produce; and a
tampered update that adds the holder's own element to the deleted list is reported as
:class:`Revoked` rather than as tampering (forging it requires knowing the secret element).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from _helpers import backend_on
from hypothesis import given, settings
from hypothesis import strategies as st

from vc_service.ledger._entries import validate_payload
from zk import Error, InvalidInput, InvalidPoint, VerificationError
from zk._transcript import Transcript
from zk.accumulator import (
    MAX_UPDATE_CHARS,
    MEMBERSHIP_PROOF_SIZE,
    STANDALONE_PROOF_SIZE,
    AccumulatorIssuer,
    AccumulatorUpdate,
    MembershipProof,
    MembershipProver,
    Revoked,
    StaleWitness,
    StandaloneMembershipProof,
    Witness,
    decode_public_key,
    decode_value,
    genesis_ledger_payload,
    initial_value,
    max_deletions_per_update,
    membership_verification,
    prove_membership,
    random_scalar,
    single_deletion_update,
    split_revocations,
    verify_membership,
)
from zk.accumulator._vb import b64url_decode, b64url_encode
from zk.curve import R

ARK = backend_on("arkworks")
# Small enough to force several updates for a handful of deletions.
TWO_PER_UPDATE = 4 * (109 + 2 * 80) // 3 + 2


def seeded(seed: bytes) -> Callable[[], int]:
    """A deterministic source of scalars in [1, r) (tests and cross-backend comparisons)."""
    counter = 0

    def draw() -> int:
        nonlocal counter
        counter += 1
        digest = hashlib.sha512(seed + counter.to_bytes(8, "big")).digest()
        return int.from_bytes(digest, "big") % (R - 1) + 1

    return draw


def setup(members: int, seed: bytes = b"s") -> tuple[AccumulatorIssuer, list[Witness]]:
    rng = seeded(seed)
    issuer = AccumulatorIssuer.generate("registry:test", rng=rng, backend=ARK)
    return issuer, [issuer.new_member(rng=rng) for _ in range(members)]


def ledger_payload(update: AccumulatorUpdate) -> dict[str, Any]:
    return {"id": "registry:test", "version": update.epoch, **update.to_ledger_payload()}


# --- issuance and membership -------------------------------------------------------------------


def test_membership_after_issuance() -> None:
    issuer, witnesses = setup(3)
    start = ARK.g1_encode(issuer.value)
    assert start == ARK.g1_encode(initial_value("registry:test"))
    for witness in witnesses:
        witness.verify()
        assert witness.epoch == issuer.epoch == 1
        proof = prove_membership(witness, context=b"nonce")
        verify_membership(proof, issuer.value, issuer.public_key, context=b"nonce")
    # Issuance leaves the value alone.
    assert ARK.g1_encode(issuer.value) == start
    assert genesis_ledger_payload("registry:test") == {"value": b64url_encode(start), "update": ""}
    validate_payload(
        "accumulator", "publish", {"id": "r", "version": 1, **genesis_ledger_payload("r")}
    )


def test_issuer_refuses_deleted_and_bad_elements() -> None:
    issuer, witnesses = setup(2)
    issuer.revoke([witnesses[0].element])
    assert issuer.is_deleted(witnesses[0].element)
    with pytest.raises(Revoked):
        issuer.witness(witnesses[0].element)
    with pytest.raises(InvalidInput):
        issuer.revoke([witnesses[0].element])
    for bad in (0, R, -1, 1.5, True):
        with pytest.raises(InvalidInput):
            issuer.witness(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        issuer.revoke([witnesses[1].element, witnesses[1].element])
    assert issuer.revoke([]) == []


# --- deletions ---------------------------------------------------------------------------------


def test_batch_deletion_equals_sequential_single_deletions() -> None:
    issuer, witnesses = setup(8)
    sequential = AccumulatorIssuer.from_bytes(issuer.to_bytes(), backend=ARK)
    revoked = [w.element for w in witnesses[3:8]]
    updates = issuer.revoke(revoked, max_chars=TWO_PER_UPDATE)
    assert [len(u.deleted) for u in updates] == [2, 2, 1]
    assert [u.epoch for u in updates] == [2, 3, 4]
    assert issuer.epoch == 4

    # The same deletions one at a time, each its own update of size 1.
    singles = [sequential.revoke([y])[0] for y in reversed(revoked)]
    assert ARK.g1_eq(singles[-1].value, issuer.value)

    for witness in witnesses[:3]:
        batched = witness.update(updates)
        assert batched.epoch == 4 and ARK.g1_eq(batched.value, issuer.value)
        batched.verify()
        stepwise = witness
        for single in singles:
            stepwise = single_deletion_update(stepwise, single.deleted[0], single.value)
        assert ARK.g1_encode(stepwise.point) == ARK.g1_encode(batched.point)
        # Updates of size one go through the batch formula too.
        assert ARK.g1_encode(witness.update(singles).point) == ARK.g1_encode(batched.point)
        proof = prove_membership(batched)
        verify_membership(proof, issuer.value, issuer.public_key)
        # Applying the first update, then the rest, is the same as all at once.
        assert ARK.g1_encode(witness.update(updates[:1]).update(updates[1:]).point) == (
            ARK.g1_encode(batched.point)
        )


def test_revoked_and_stale_holders_are_refused() -> None:
    issuer, witnesses = setup(4)
    old_value = issuer.value
    [update] = issuer.revoke([witnesses[1].element, witnesses[3].element])
    with pytest.raises(Revoked):
        witnesses[1].update([update])
    with pytest.raises(Revoked):
        single_deletion_update(witnesses[3], witnesses[3].element, update.value)
    assert isinstance(Revoked("x"), VerificationError)

    # The revoked witness does not verify against the new value, neither directly ...
    revoked = witnesses[1]
    moved = Witness(revoked.element, revoked.point, issuer.value, 2, issuer.public_key, ARK)
    with pytest.raises(VerificationError):
        moved.verify()
    # ... nor in a proof: a prover refuses a witness for another value ...
    with pytest.raises(StaleWitness):
        prove_membership(revoked, value=issuer.value)
    with pytest.raises(StaleWitness):
        MembershipProver(witnesses[0], issuer.value, y_blinding=5)
    # ... and a proof made against the old value is rejected against the new one, for revoked
    # holders and for holders that did not update alike.
    for holder in (revoked, witnesses[0]):
        proof = prove_membership(holder)
        verify_membership(proof, old_value, issuer.public_key)
        with pytest.raises(VerificationError):
            verify_membership(proof, issuer.value, issuer.public_key)
    # A holder that updates is accepted.
    updated = witnesses[0].update([update])
    verify_membership(prove_membership(updated), issuer.value, issuer.public_key)


def test_updates_must_chain() -> None:
    issuer, witnesses = setup(5)
    updates = issuer.revoke([w.element for w in witnesses[2:5]], max_chars=TWO_PER_UPDATE)
    more = issuer.revoke([witnesses[1].element])
    u2, u3, u4 = *updates, *more
    holder = witnesses[0]
    for wrong in ([u3], [u2, u4], [u3, u2], [u2, u2], [u2, u3, u3]):
        with pytest.raises(InvalidInput):
            holder.update(wrong)
    with pytest.raises(InvalidInput):
        holder.update([u2]).update([u2])  # already applied
    # Right epoch, wrong previous value.
    other = AccumulatorUpdate(2, u3.previous, u2.value, u2.deleted, u2.omega, ARK)
    with pytest.raises(InvalidInput):
        holder.update([other])
    with pytest.raises(InvalidInput):
        holder.update(u2)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        holder.update([b"not an update"])  # type: ignore[list-item]
    assert holder.update([]) is holder
    holder.update([u2, u3, u4]).verify()


def test_tampered_update_fields_are_detected() -> None:
    issuer, witnesses = setup(4)
    [update] = issuer.revoke([witnesses[2].element, witnesses[3].element])
    holder = witnesses[0]
    stranger = ARK.g1_mul(ARK.g1_generator(), 12345)
    y1, y2 = update.deleted
    o1, o2 = update.omega
    tampered = [
        AccumulatorUpdate(2, update.previous, stranger, update.deleted, update.omega, ARK),
        AccumulatorUpdate(
            2,
            update.previous,
            update.value,
            (y1, y2 + 1 if y2 + 1 < R else y2 - 1),
            update.omega,
            ARK,
        ),
        AccumulatorUpdate(2, update.previous, update.value, (y1 - 1, y2), update.omega, ARK),
        AccumulatorUpdate(2, update.previous, update.value, update.deleted, (o2, o1), ARK),
        AccumulatorUpdate(2, update.previous, update.value, update.deleted, (o1, stranger), ARK),
        AccumulatorUpdate(
            2, update.previous, update.value, update.deleted, (ARK.g1_identity(), o2), ARK
        ),
        AccumulatorUpdate(2, update.previous, update.value, (y1,), (o1,), ARK),
    ]
    for bad in tampered:
        with pytest.raises(VerificationError):
            holder.update([bad])
    with pytest.raises(InvalidInput):
        holder.update(
            [AccumulatorUpdate(3, update.previous, update.value, update.deleted, update.omega, ARK)]
        )
    with pytest.raises(InvalidInput):
        holder.update(
            [AccumulatorUpdate(2, stranger, update.value, update.deleted, update.omega, ARK)]
        )
    # Adding the holder's own (secret) element makes it look revoked (see the module docstring).
    own = tuple(sorted((*update.deleted, holder.element)))
    with pytest.raises(Revoked):
        holder.update([AccumulatorUpdate(2, update.previous, update.value, own, (o1, o2, o1), ARK)])


def test_every_byte_of_an_update_is_protected() -> None:
    issuer, witnesses = setup(4)
    [update] = issuer.revoke([witnesses[2].element, witnesses[3].element])
    data = update.to_bytes()
    assert len(data) == 109 + 2 * 80
    holder = witnesses[0]
    holder.update([AccumulatorUpdate.from_bytes(data, backend=ARK)]).verify()
    for index in range(len(data)):
        for mask in (0x01, 0x80):
            corrupt = bytearray(data)
            corrupt[index] ^= mask
            try:
                decoded = AccumulatorUpdate.from_bytes(bytes(corrupt), backend=ARK)
            except InvalidInput:
                continue
            with pytest.raises(Error):
                holder.update([decoded])


def _curve_point_outside_the_subgroup() -> bytes:
    """A compressed point on E(Fp) (y^2 = x^3 + 4) that is not in the order-r subgroup."""
    from zk.curve import P

    x = 1
    while True:
        x += 1
        rhs = (pow(x, 3, P) + 4) % P
        if pow(rhs, (P - 1) // 2, P) == 1:
            encoded = bytearray(x.to_bytes(48, "big"))
            encoded[0] |= 0x80
            try:
                ARK.g1_decode(bytes(encoded))
            except InvalidPoint:
                return bytes(encoded)  # on the curve (it decodes unchecked), not in G1


def test_omega_outside_the_subgroup_is_caught_by_the_update() -> None:
    """Omega is decoded without a per-point subgroup test; the updated witness is checked."""
    issuer, witnesses = setup(3)
    [update] = issuer.revoke([witnesses[2].element])
    data = bytearray(update.to_bytes())
    omega_at = 109 + 32  # header, one deleted element, then Omega_0
    data[omega_at : omega_at + 48] = _curve_point_outside_the_subgroup()
    decoded = AccumulatorUpdate.from_bytes(bytes(data), backend=ARK)  # on the curve: accepted
    with pytest.raises(VerificationError):
        witnesses[0].update([decoded])
    off_curve = bytearray(update.to_bytes())
    off_curve[omega_at + 47] ^= 0x01
    try:
        broken = AccumulatorUpdate.from_bytes(bytes(off_curve), backend=ARK)
    except InvalidPoint:
        return  # off the curve: refused while decoding
    with pytest.raises(VerificationError):
        witnesses[0].update([broken])


# --- serialisation -----------------------------------------------------------------------------


def test_update_serialisation_and_ledger_payload() -> None:
    issuer, witnesses = setup(5)
    updates = issuer.revoke([w.element for w in witnesses[1:5]], max_chars=TWO_PER_UPDATE)
    for update in updates:
        data = update.to_bytes()
        again = AccumulatorUpdate.from_bytes(data, backend=ARK)
        assert again.to_bytes() == data and again.epoch == update.epoch
        payload = ledger_payload(update)
        validate_payload("accumulator", "publish", payload)
        assert AccumulatorUpdate.from_ledger_payload(payload, backend=ARK).to_bytes() == data
        assert decode_value(payload["value"], backend=ARK) == update.value
    assert (
        witnesses[0]
        .update([AccumulatorUpdate.from_ledger_payload(ledger_payload(u)) for u in updates])
        .epoch
        == 3
    )


def test_malformed_update_bytes_are_refused() -> None:
    issuer, witnesses = setup(3)
    [update] = issuer.revoke([witnesses[1].element, witnesses[2].element])
    data = update.to_bytes()
    head, ys, omegas = data[:109], data[109 : 109 + 64], data[109 + 64 :]
    y1, y2 = ys[:32], ys[32:]
    bad_inputs: list[object] = [
        b"",
        data[:-1],
        data + b"\x00",
        b"\x02" + data[1:],
        data[:105] + (3).to_bytes(4, "big") + data[109:],
        data[:105] + (0).to_bytes(4, "big"),
        head + y2 + y1 + omegas,  # not increasing
        head + y1 + y1 + omegas,  # duplicate
        head + bytes(32) + y2 + omegas,  # zero element
        head + y1 + R.to_bytes(32, "big") + omegas,  # out of range
        bytes(data[:1]) + (0).to_bytes(8, "big") + data[9:],  # epoch 0
        bytes(data[:1]) + (1).to_bytes(8, "big") + data[9:],  # epoch 1 is the set-up
        bytes(data[:1]) + (2**53).to_bytes(8, "big") + data[9:],
        "text",
    ]
    for bad in bad_inputs:
        with pytest.raises(InvalidInput):
            AccumulatorUpdate.from_bytes(bad, backend=ARK)  # type: ignore[arg-type]
    identity = bytes([0xC0]) + bytes(47)
    off_curve = bytes([0x80]) + bytes(46) + b"\x07"  # x^3 + 4 is not a square for x = 7
    outside = bytes([0x80]) + bytes(46) + b"\x05"  # on the curve, not in the subgroup
    for bad in (
        data[:9] + identity + data[57:],
        data[:57] + identity + data[105:],
        data[:9] + off_curve + data[57:],
        data[:9] + outside + data[57:],
        data[:57] + outside + data[105:],
        head + ys + off_curve + omegas[48:],
    ):
        with pytest.raises(InvalidPoint):
            AccumulatorUpdate.from_bytes(bad, backend=ARK)
    # The identity is a valid (if improbable) point of Omega.
    AccumulatorUpdate.from_bytes(head + ys + identity + omegas[48:], backend=ARK)

    payload = ledger_payload(update)
    other = b64url_encode(ARK.g1_encode(ARK.g1_generator()))
    for change in (
        {"value": other},
        {"version": 3},
        {"update": ""},
        {"update": payload["update"] + "="},
        {"update": payload["update"][:-1] + "*"},
        {"update": payload["update"][:-1]},
        {"update": "A" * (MAX_UPDATE_CHARS + 1)},
        {"value": "A" * 1025},
        {"value": None},
        {"update": 5},
    ):
        with pytest.raises(InvalidInput):
            AccumulatorUpdate.from_ledger_payload({**payload, **change}, backend=ARK)
    with pytest.raises(InvalidInput):
        AccumulatorUpdate.from_ledger_payload([("value", "x")], backend=ARK)  # type: ignore[arg-type]
    for text in ("QQ=", "QR", "Q", "é", "Q Q"):
        with pytest.raises(InvalidInput):
            b64url_decode(text)
    # Invalid construction is refused too.
    with pytest.raises(InvalidInput):
        AccumulatorUpdate(2, update.previous, update.value, (), (), ARK)
    with pytest.raises(InvalidInput):
        AccumulatorUpdate(2, update.previous, update.value, update.deleted, update.omega[:1], ARK)
    with pytest.raises(InvalidInput):
        AccumulatorUpdate(2, update.previous, ARK.g1_identity(), update.deleted, update.omega, ARK)
    with pytest.raises(InvalidInput):
        AccumulatorUpdate(2, update.previous, update.value, list(update.deleted), update.omega, ARK)  # type: ignore[arg-type]


def test_witness_proof_and_issuer_serialisation() -> None:
    issuer, witnesses = setup(3)
    issuer.revoke([witnesses[2].element])
    witness = witnesses[0]
    data = witness.to_bytes()
    assert len(data) == 232
    again = Witness.from_bytes(data, backend=ARK)
    assert again.to_bytes() == data
    again.verify()
    for bad in (data[:-1], b"\x00" * 232, R.to_bytes(32, "big") + data[32:]):
        with pytest.raises(InvalidInput):
            Witness.from_bytes(bad, backend=ARK)

    state = issuer.to_bytes()
    restored = AccumulatorIssuer.from_bytes(state, backend=ARK)
    assert restored.to_bytes() == state and restored.public_key_bytes() == issuer.public_key_bytes()
    assert decode_public_key(issuer.public_key_bytes(), backend=ARK) == issuer.public_key
    for bad in (state[:-1], state + bytes(32), bytes(32) + state[32:]):
        with pytest.raises(InvalidInput):
            AccumulatorIssuer.from_bytes(bad, backend=ARK)

    standalone = prove_membership(witnesses[1].update([]), value=witnesses[1].value)
    encoded = standalone.to_bytes()
    assert len(encoded) == STANDALONE_PROOF_SIZE == 192
    assert StandaloneMembershipProof.from_bytes(encoded, backend=ARK).to_bytes() == encoded
    assert len(standalone.proof.to_bytes()) == MEMBERSHIP_PROOF_SIZE == 128
    identity = bytes([0xC0]) + bytes(47)
    for bad in (
        encoded[:-1],
        identity + encoded[48:],
        encoded[:48] + identity + encoded[96:],
        encoded[:96] + R.to_bytes(32, "big") + encoded[128:],
        encoded[:128] + bytes(32) + encoded[160:],  # zero challenge
        encoded[:160] + R.to_bytes(32, "big"),
    ):
        with pytest.raises(InvalidInput):
            StandaloneMembershipProof.from_bytes(bad, backend=ARK)


# --- membership proofs -------------------------------------------------------------------------


def test_tampered_membership_proofs_are_rejected() -> None:
    issuer, witnesses = setup(2)
    other_issuer = AccumulatorIssuer.generate("registry:test", rng=seeded(b"other"), backend=ARK)
    witness = witnesses[0]
    value, key = issuer.value, issuer.public_key
    standalone = prove_membership(witness, context=b"ctx")
    verify_membership(standalone, value, key, context=b"ctx")
    p = standalone.proof
    point = ARK.g1_mul(ARK.g1_generator(), 777)

    def rebuilt(**changes: Any) -> StandaloneMembershipProof:
        fields = {
            "randomized_witness": p.randomized_witness,
            "blinded_witness": p.blinded_witness,
            "r_response": p.r_response,
        }
        c, y_hat = (
            changes.pop("c", standalone.challenge),
            changes.pop("y_hat", standalone.y_response),
        )
        fields.update(changes)
        return StandaloneMembershipProof(MembershipProof(backend=ARK, **fields), c, y_hat)

    forgeries = [
        rebuilt(randomized_witness=point),
        rebuilt(blinded_witness=point),
        rebuilt(randomized_witness=p.blinded_witness, blinded_witness=p.randomized_witness),
        rebuilt(r_response=(p.r_response + 1) % R),
        rebuilt(c=standalone.challenge % (R - 1) + 1),
        rebuilt(y_hat=(standalone.y_response + 1) % R),
    ]
    for forged in forgeries:
        with pytest.raises(VerificationError):
            verify_membership(forged, value, key, context=b"ctx")
    for wrong_value, wrong_key, context in (
        (point, key, b"ctx"),
        (value, other_issuer.public_key, b"ctx"),
        (value, key, b"other context"),
    ):
        with pytest.raises(VerificationError):
            verify_membership(standalone, wrong_value, wrong_key, context=context)
    with pytest.raises(InvalidInput):
        MembershipProof(ARK.g1_identity(), p.blinded_witness, 1, ARK)
    with pytest.raises(InvalidInput):
        MembershipProof(p.randomized_witness, ARK.g1_identity(), 1, ARK)
    with pytest.raises(InvalidInput):
        verify_membership(p, value, key)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        verify_membership(standalone, ARK.g1_identity(), key)
    # Every bit of the encoding matters.
    encoded = standalone.to_bytes()
    for index in range(0, len(encoded)):
        corrupt = bytearray(encoded)
        corrupt[index] ^= 0x01
        with pytest.raises(Error):
            verify_membership(
                StandaloneMembershipProof.from_bytes(bytes(corrupt), backend=ARK),
                value,
                key,
                context=b"ctx",
            )


def test_composed_proof_with_shared_challenge_and_response() -> None:
    """The caller shares ``y``'s blinding/response and folds the pairing into its own check."""
    issuer, witnesses = setup(1)
    witness = witnesses[0]
    y_tilde = random_scalar()
    prover = MembershipProver(witness, issuer.value, y_blinding=y_tilde)
    with pytest.raises(InvalidInput):
        prover.respond(1)  # before commit
    transcript = Transcript(b"composed-test")
    transcript.append(b"other", b"statement of the enclosing proof")
    prover.commit(transcript)
    with pytest.raises(InvalidInput):
        prover.commit(transcript)
    c = transcript.challenge_scalar(b"challenge")
    proof = prover.respond(c)
    with pytest.raises(InvalidInput):
        prover.respond(c)  # one response only
    y_hat = (y_tilde + c * witness.element) % R  # computed by the enclosing (BBS) proof

    def verify(y_response: int) -> None:
        check = membership_verification(proof, issuer.value, issuer.public_key, y_response, c)
        replay = Transcript(b"composed-test")
        replay.append(b"other", b"statement of the enclosing proof")
        check.append_to(replay)
        if replay.challenge_scalar(b"challenge") != c:
            raise VerificationError("challenge mismatch")
        weight = random_scalar()
        g1s = [ARK.g1_mul(g1, weight) for g1, _ in check.pairs]
        g2s = [g2 for _, g2 in check.pairs]
        # Another (trivially true) pairing equation folded into the same multi-pairing.
        g1s += [ARK.g1_generator(), ARK.g1_neg(ARK.g1_generator())]
        g2s += [ARK.g2_generator(), ARK.g2_generator()]
        if not ARK.pairing_check(g1s, g2s):
            raise VerificationError("pairing")
        check.check_pairing()

    verify(y_hat)
    with pytest.raises(VerificationError):
        verify((y_hat + 1) % R)
    with pytest.raises(InvalidInput):
        membership_verification(proof, issuer.value, issuer.public_key, y_hat, 0)
    with pytest.raises(InvalidInput):
        membership_verification(proof, issuer.value, issuer.public_key, R, c)
    with pytest.raises(InvalidInput):
        MembershipProver(witness, issuer.value, y_blinding=R)


def test_split_revocations_fits_the_ledger() -> None:
    assert max_deletions_per_update() == 459
    assert [len(c) for c in split_revocations(range(1, 1001))] == [459, 459, 82]
    assert split_revocations([]) == []
    with pytest.raises(InvalidInput):
        max_deletions_per_update(100)
    issuer, witnesses = setup(1)
    rng = seeded(b"bulk")
    updates = issuer.revoke([rng() for _ in range(1000)])
    assert [len(u.deleted) for u in updates] == [459, 459, 82]
    for update in updates:
        payload = ledger_payload(update)
        assert len(payload["update"]) <= MAX_UPDATE_CHARS
        validate_payload("accumulator", "publish", payload)
    witnesses[0].update(updates).verify()


# --- backends and properties -------------------------------------------------------------------


def _scenario(backend_id: str) -> list[bytes]:
    be = backend_on(backend_id)
    rng = seeded(b"cross")
    issuer = AccumulatorIssuer.generate("registry:cross", rng=rng, backend=be)
    members = [issuer.new_member(rng=rng) for _ in range(3)]
    [update] = issuer.revoke([members[1].element, members[2].element])
    moved = members[0].update([update])
    proof = prove_membership(moved, rng=rng, context=b"x")
    verify_membership(proof, issuer.value, issuer.public_key, context=b"x")
    return [
        issuer.to_bytes(),
        issuer.public_key_bytes(),
        members[0].to_bytes(),
        update.to_bytes(),
        moved.to_bytes(),
        proof.to_bytes(),
    ]


@pytest.mark.slow
def test_backends_agree_byte_for_byte() -> None:
    assert _scenario("arkworks") == _scenario("py_ecc")


@settings(max_examples=5, deadline=None)
@given(
    members=st.integers(min_value=1, max_value=6),
    revoked=st.integers(min_value=1, max_value=6),
    per_update=st.integers(min_value=1, max_value=3),
    seed=st.binary(max_size=8),
)
def test_completeness(members: int, revoked: int, per_update: int, seed: bytes) -> None:
    issuer, witnesses = setup(members, seed)
    rng = seeded(seed + b"revoked")
    gone = [rng() for _ in range(revoked)]
    max_chars = 4 * (109 + per_update * 80) // 3 + 2
    updates = issuer.revoke(gone, max_chars=max_chars)
    assert max(len(u.deleted) for u in updates) <= per_update
    for witness in witnesses:
        current = witness.update(updates)
        proof = prove_membership(current)
        verify_membership(
            StandaloneMembershipProof.from_bytes(proof.to_bytes(), backend=ARK),
            issuer.value,
            issuer.public_key,
        )
