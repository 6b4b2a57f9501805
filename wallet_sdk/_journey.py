"""``chancery demo``: the whole journey through the service, narrated step by step.

The service runs in-process (the ASGI application, reached through an HTTP client that needs no
port) on a temporary SQLite database with the demonstration set-up of ``make run``: a root
authority, the civil registry, the education ministry and a bank. Then, over the real protocols:

1. the civil registry obtains a bearer token (OAuth 2.0 client credentials) and offers the
   citizen an identity credential (OpenID for Verifiable Credential Issuance, pre-authorized
   code with a transaction code);
2. the citizen's new wallet redeems the offer, proves possession of a fresh key, verifies the
   credential against the agency's DID on the ledger and stores it sealed;
3. the bank asks (OpenID for Verifiable Presentations, DCQL) for two of the eight claims; the
   wallet shows what would be shared, and answers with exactly those two;
4. the same answer sent again is refused (replay);
5. the civil registry revokes the credential; the next presentation is rejected as revoked;
6. the ledger shows what was recorded (DIDs, accreditations, the credential's salted hash, the
   status list version) and proves the anchor's inclusion under a signed checkpoint.

The ``chancery`` command is assembled here (:func:`main`), above both the service library and
the wallet, so that the library layer never imports the wallet.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["main", "run_journey"]

_T = TypeVar("_T")

_CLAIMS = {
    # A specimen citizen in the style of ICAO Doc 9303's sample documents: no real person.
    "given_name": "Anna Maria",
    "family_name": "Eriksson",
    "birthdate": "1974-08-12",
    "place_of_birth": "Uppsala",
    "nationality": "SE",
    "address": "Storgatan 1, Uppsala",
    "sex": "F",
    "personal_number": "19740812-0000",
}
_VCT = "https://credentials.chancery.local/identity"
_QUERY = {
    "credentials": [
        {
            "id": "identity",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [_VCT]},
            "claims": [{"path": ["given_name"]}, {"path": ["birthdate"]}],
        }
    ]
}


def _timed(fn: Callable[[], _T]) -> tuple[_T, float]:
    start = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - start) * 1000


def _say(step: str, detail: str = "", ms: float | None = None) -> None:
    timing = "" if ms is None else f"  ({ms:.1f} ms)"
    print(f"  {step:<34} {detail}{timing}".rstrip())


def _check(response: Any, expected: int, what: str) -> dict[str, Any]:
    if response.status_code != expected:
        raise RuntimeError(f"{what}: HTTP {response.status_code}: {response.text[:300]}")
    body: dict[str, Any] = response.json()
    return body


def run_journey(workdir: Path | None = None) -> int:
    """Run and narrate the journey; return 0 when every step behaved as it must, else 1."""
    with tempfile.TemporaryDirectory(prefix="chancery-demo-") as tmp:
        return _journey(Path(workdir) if workdir is not None else Path(tmp))


def _journey(root: Path) -> int:
    from starlette.exceptions import StarletteDeprecationWarning

    from vc_service.service import Settings, create_app

    from ._oid4vci import receive
    from ._oid4vp import Summary, present
    from ._wallet import Wallet

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    settings = Settings(db_url=f"sqlite:///{root / 'chancery.db'}", var_dir=root / "var", demo=True)
    print("Chancery demo: issue, hold, present, verify and revoke, over the real protocols")
    print(f"(a temporary service: SQLite at {root / 'chancery.db'})")
    print()
    failures = 0
    with TestClient(create_app(settings), base_url="http://chancery.demo") as http:
        clients = json.loads((settings.var_dir / "demo-credentials.json").read_text())
        state = http.get("/ledger/state").json()["state"]
        print("1. The service starts with its demonstration set-up")
        _say("root authority", str(state["root"]))
        for tenant in ("civil-registry", "education-ministry"):
            entry = clients[tenant]
            _say(entry["name"], f"{entry['did']}, accredited for {entry['credential_type']!r}")
        _say("Bank", "relying party (OAuth client, no DID)")
        _say("ledger", f"{state['size']} entries")
        print()

        def token(tenant: str) -> dict[str, str]:
            entry = clients[tenant]
            body = _check(
                http.post(
                    "/oauth/token",
                    data={"grant_type": "client_credentials"},
                    auth=(entry["client_id"], entry["client_secret"]),
                ),
                200,
                "token",
            )
            return {"Authorization": f"Bearer {body['access_token']}"}

        print("2. The civil registry offers the citizen an identity credential (OID4VCI)")
        registry, ms = _timed(lambda: token("civil-registry"))
        _say("POST /oauth/token", "client credentials -> bearer token, scope 'issue'", ms)
        offer, ms = _timed(
            lambda: _check(
                http.post(
                    "/issuer/offers",
                    json={
                        "credential_type": "identity",
                        "formats": ["dc+sd-jwt"],
                        "claims": _CLAIMS,
                    },
                    headers=registry,
                ),
                201,
                "offer",
            )
        )
        _say("POST /issuer/offers", f"8 claims; tx_code {offer['tx_code']} given out of band", ms)
        _say("offer URI", offer["credential_offer_uri"][:70] + "…")
        qr = http.get(offer["qr_png_url"])
        _say("QR code", f"{offer['qr_png_url']} ({len(qr.content)} B PNG)")
        print()

        print("3. The citizen's wallet receives it")
        wallet = Wallet.create(root / "wallet", "demo passphrase", unsafe_fast_kdf=True)
        with wallet:
            credential_id, ms = _timed(
                lambda: receive(
                    wallet, offer["credential_offer_uri"], tx_code=offer["tx_code"], http=http
                )
            )
            stored = wallet.get(credential_id)
            _say("token, nonce, proof, credential", f"verified and stored as {credential_id}", ms)
            _say("issuer", str(stored.issuer))
            again = http.post(
                "/token",
                data={
                    "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
                    "pre-authorized_code": offer["pre_authorized_code"],
                    "tx_code": offer["tx_code"],
                },
            )
            refused = again.status_code == 400
            failures += not refused
            _say("redeeming the offer again", "refused" if refused else "ACCEPTED (wrong)")
            print()

            print("4. The bank asks for two of the eight claims (OID4VP, DCQL)")
            bank = token("bank")

            def ask() -> dict[str, Any]:
                return _check(
                    http.post("/verifier/requests", json={"dcql_query": _QUERY}, headers=bank),
                    201,
                    "verifier request",
                )

            request = ask()
            _say("POST /verifier/requests", "given_name, birthdate")
            shown: list[Summary] = []

            def consent(summary: Summary) -> bool:
                shown.append(summary)
                return True

            result, ms = _timed(
                lambda: present(wallet, request["request_uri_link"], http=http, consent=consent)
            )
            for line in shown[0].describe().splitlines():
                _say("", "wallet shows: " + line.strip())
            _say("wallet answers (direct_post)", "sent" if result.sent else "not sent", ms)
            status = _check(
                http.get(f"/verifier/requests/{request['id']}", headers=bank), 200, "status"
            )
            _say("verifier result", f"{status['status']}; saw {json.dumps(status['claims'])}")
            checks = ", ".join(c["check"] for c in status.get("checks", []))
            _say("checks", checks)
            failures += status["status"] != "verified"
            print()

            print("5. The agency revokes the credential")
            _, ms = _timed(
                lambda: _check(
                    http.post(
                        "/credentials/status",
                        json={"credential": stored.credential, "status": "revoked"},
                        headers=registry,
                    ),
                    200,
                    "revocation",
                )
            )
            _say("POST /credentials/status", "revoked; the list's new version is on the ledger", ms)
            request = ask()
            present(wallet, request["request_uri_link"], http=http, consent=lambda s: True)
            status = _check(
                http.get(f"/verifier/requests/{request['id']}", headers=bank), 200, "status"
            )
            _say("next presentation", f"{status['status']}: {status.get('error', '')}")
            failures += status["status"] != "rejected"
            print()

        print("6. What the ledger shows (no personal data)")
        ledger = http.get("/ledger/state").json()["state"]
        _say("entries", str(ledger["size"]))
        _say("credential anchors", f"{ledger['anchors']['count']} salted hash(es)")
        for url, record in ledger["status_lists"].items():
            _say("status list", f"{url} version {record['version']}")
        checkpoint = http.post("/ledger/checkpoint")
        _say("signed checkpoint", checkpoint.text.splitlines()[2] if checkpoint.is_success else "-")
    print()
    if failures:
        print(f"error: {failures} step(s) did not behave as they must", file=sys.stderr)
        return 1
    print("The bank saw 2 of 8 claims; the revoked credential was refused; the ledger kept the")
    print("record without a single personal datum.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """The ``chancery`` command: ``demo`` runs the journey, everything else is the service CLI."""
    from vc_service._cli import main as service_main

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["demo"] and not any(a in ("--bbs", "-h", "--help") for a in args[1:]):
        return run_journey()
    if args[:1] == ["demo"]:
        args = [a for a in args if a != "--bbs"]
    return service_main(args)
