"""``chancery demo``: the narrated journey runs against a temporary database and every step holds."""

from __future__ import annotations

from typing import Any

from wallet_sdk._journey import main


def test_chancery_demo_runs_the_whole_journey(capsys: Any) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for step in (
        "1. The service starts",
        "2. The civil registry offers",
        "3. The citizen's wallet receives it",
        "4. The bank asks for two of the eight claims",
        "5. The agency revokes",
        "6. What the ledger shows",
    ):
        assert step in out
    assert "redeeming the offer again          refused" in out
    assert "verifier result                    verified" in out
    assert "next presentation                  rejected" in out
    # The bank saw the two claims it asked for and nothing else.
    assert '"given_name": "Anna Maria"' in out and "Storgatan" not in out.split("4. ")[1]


def test_chancery_demo_bbs_is_the_signature_walkthrough(capsys: Any) -> None:
    assert main(["demo", "--bbs"]) == 0
    assert "BBS-signed credential" in capsys.readouterr().out


def test_other_commands_reach_the_service_cli(capsys: Any) -> None:
    assert main(["keys", "generate", "--type", "ed25519"]) == 0
    assert '"kty"' in capsys.readouterr().out
