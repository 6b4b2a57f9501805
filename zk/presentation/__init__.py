"""Zero-knowledge presentations: several credentials, one link secret, disclosed claims,
predicates on hidden integers and dates, non-revocation and a per-verifier pseudonym, all in one
proof (specs/zk-presentation.md)::

    from zk import presentation as zp

    ctype = zp.CredentialType("identity", "did:chancery:civil", "reg-1",
                              (("name", "string"), ("birth_date", "date")))
    issuer = zp.Issuer.generate(ctype)
    holder = zp.Holder.create()
    request, pending = holder.blind_request()
    issued = issuer.issue(request, {"name": "Ada", "birth_date": "1990-05-01"})
    credential = holder.accept(pending, issuer.public, issued, claims)

    ask = zp.PresentationRequest(nonce, "https://bank.example", (
        zp.CredentialQuery("identity", "did:chancery:civil", disclose=("name",),
                           predicates=(zp.Predicate("birth_date", "<=", "2008-12-06"),),
                           non_revoked=True),))
    states = {"reg-1": issuer.state()}
    presentation = holder.present(ask, [credential], states)
    result = zp.verify_presentation(presentation.to_bytes(), ask, [issuer.public], states)
"""

from __future__ import annotations

from ..accumulator import Revoked, StaleWitness
from ._api import (
    BlindRequest,
    HeldCredential,
    Holder,
    IssuedCredential,
    Issuer,
    IssuerPublic,
    PendingIssuance,
    Presentation,
    UnsatisfiedPredicate,
    VerifiedPresentation,
    verify_presentation,
)
from ._types import (
    AccumulatorState,
    CredentialQuery,
    CredentialType,
    Predicate,
    PresentationRequest,
    date_to_days,
    days_to_date,
)

__all__ = [
    "AccumulatorState",
    "BlindRequest",
    "CredentialQuery",
    "CredentialType",
    "HeldCredential",
    "Holder",
    "IssuedCredential",
    "Issuer",
    "IssuerPublic",
    "PendingIssuance",
    "Predicate",
    "Presentation",
    "PresentationRequest",
    "Revoked",
    "StaleWitness",
    "UnsatisfiedPredicate",
    "VerifiedPresentation",
    "date_to_days",
    "days_to_date",
    "verify_presentation",
]
