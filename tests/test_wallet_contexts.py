"""A stored ldp_vc keeps the credential-type contexts it was verified with, so that another
process (the ``chancery-wallet present`` command, say) can verify and present it without asking
the issuer's ledger again."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import vc_service
from vc_service._type_context import register_credential_type
from wallet_sdk import Wallet

_TYPE = "contexts-test-permit"


def _credential(holder_did: str) -> dict[str, object]:
    url = register_credential_type(_TYPE, [("permit_number", "string"), ("valid_on", "date")])
    issuer = vc_service.Key.generate("ed25519")
    did = issuer.did_key()
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", url],
        "type": ["VerifiableCredential", "ContextsTestPermitCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": holder_did, "permit_number": "P-1", "valid_on": "2026-05-01"},
    }
    return vc_service.add_proof(
        document,
        issuer,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=f"{did}#{issuer.multikey()}",
    )


_CHILD = textwrap.dedent(
    """
    import sys
    import vc_service
    from vc_service import UnknownContext
    from wallet_sdk import Wallet

    with Wallet.open(sys.argv[1], "pass") as wallet:
        (info,) = [i for i in wallet.list() if i.format == "ldp_vc"]
        stored = wallet.get(info.id)
    print("verified" if vc_service.verify(stored.credential).verified else "not verified")
    """
)

_CHILD_WITHOUT_WALLET = textwrap.dedent(
    """
    import json, sys
    import vc_service
    from vc_service import UnknownContext
    try:
        vc_service.verify(json.loads(open(sys.argv[1]).read()))
    except UnknownContext:
        print("unknown context")
    """
)


def test_a_new_process_verifies_a_stored_ldp_vc_from_the_wallet_alone(tmp_path: Path) -> None:
    with Wallet.create(tmp_path / "w", "pass", unsafe_fast_kdf=True) as wallet:
        holder = wallet.holder_key()
        credential = _credential(holder.did_key())
        wallet.add_credential(credential, format="ldp_vc")
    (tmp_path / "vc.json").write_text(json.dumps(credential))
    bare = subprocess.run(
        [sys.executable, "-c", _CHILD_WITHOUT_WALLET, str(tmp_path / "vc.json")],
        capture_output=True,
        text=True,
        check=True,
    )
    # Without the wallet's copy, a fresh process does not know the type's context ...
    assert bare.stdout.strip() == "unknown context"
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path / "w")],
        capture_output=True,
        text=True,
        check=True,
    )
    # ... with it, the stored credential verifies.
    assert child.stdout.strip() == "verified", child.stderr
