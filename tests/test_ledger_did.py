"""did:chancery through the unified ``verify``: credentials issued by an agency whose DID lives
on the ledger verify in every format, still verify after the agency rotates its key (they are
checked against the key valid when they were signed), and fail once that key is revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from vc_service import Key, add_proof, issue_sd_jwt_vc, issue_vc_jwt, verify
from vc_service._errors import Error
from vc_service.ledger._did_chancery import key_object
from vc_service.ledger._ledger import Ledger

ORIGIN = "test.example.gov/ledger"


NOW = datetime.now(UTC).replace(microsecond=0)
CREATED, SIGNED, ROTATED, REVOKED = (NOW - timedelta(seconds=s) for s in (120, 100, 80, 60))


def _credential(issuer: str) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer,
        "validFrom": SIGNED.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {"id": "did:example:graduate", "degree": "MSc"},
    }


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    root = Key.generate("ed25519")
    return Ledger.init(
        f"sqlite:///{tmp_path / 'l.db'}", ORIGIN, root, secret=bytes(32), time=CREATED
    )


def _issue_all(agency: Key, did: str, method: str) -> dict[str, Any]:
    return {
        "eddsa-rdfc-2022": add_proof(
            _credential(did),
            agency,
            cryptosuite="eddsa-rdfc-2022",
            verification_method=method,
            created=SIGNED,
        ),
        "vc+jwt": issue_vc_jwt(_credential(did), agency, kid=method),
        "dc+sd-jwt": issue_sd_jwt_vc(
            {"degree": "MSc"},
            agency,
            issuer=did,
            vct="https://example.gov/types/degree",
            kid=method,
            disclose=["/degree"],
            iat=SIGNED,
        ),
    }


def test_rotation_keeps_old_credentials_valid_and_revocation_kills_them(
    ledger: Ledger,
) -> None:
    """Issued by key-1; after rotating to key-2 they verify; after revoking key-1 they fail."""
    agency = Key.generate("ed25519")
    [create] = ledger.make_entries(agency, "did", [{}], time=CREATED)
    ledger.append([create])
    did = create.payload["did"]
    method = f"{did}#key-1"
    issued = _issue_all(agency, did, method)
    resolver = ledger.did_resolver()
    for credential in issued.values():
        assert verify(credential, resolver=resolver).issuer == did

    successor = Key.generate("ed25519")
    rotation = {"op": "rotate", "did": did, "add": [key_object(2, successor)], "retire": ["key-1"]}
    ledger.append(ledger.make_entries(agency, "did", [rotation], time=ROTATED))
    for fmt, credential in issued.items():
        assert verify(credential, resolver=resolver).issuer == did, fmt

    # key-1 can no longer sign: a credential signed with it now is refused.
    late = add_proof(
        _credential(did), agency, cryptosuite="eddsa-rdfc-2022", verification_method=method
    )
    with pytest.raises(Error):
        verify(late, resolver=resolver)

    revocation = {"op": "revoke-key", "did": did, "keys": ["key-1"]}
    ledger.append(ledger.make_entries(successor, "did", [revocation], time=REVOKED))
    for credential in issued.values():
        with pytest.raises(Error):
            verify(credential, resolver=resolver)
