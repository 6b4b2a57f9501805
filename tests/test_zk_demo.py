"""``chancery zk demo``: the zero-knowledge flow against a temporary ledger, run through the
command line's ``main`` (small revocation batch) and once as the installed console script."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from vc_service import _zk_demo
from vc_service._cli import main
from zk import VerificationError
from zk import presentation as zp

CHANCERY = Path(sys.executable).with_name("chancery")


def _run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def demo() -> tuple[int, str, str]:
    return _run(["zk", "demo", "--revocations", "20"])


def test_the_demo_succeeds_and_prints_every_step(demo: tuple[int, str, str]) -> None:
    code, out, err = demo
    assert code == 0, err
    assert err == ""
    for section in (
        "Ledger (temporary SQLite database)",
        "Issuers: keys and revocation registries",
        "Holder: the citizen's wallet",
        "Bank: opening an account",
        "Employer: two credentials, one link secret",
        "Revocation: batches published on the ledger",
        "Revocation of the holder's own credential",
        "Every expectation held",
    ):
        assert section in out
    assert re.search(r"civil registry: registry .*version 1", out)
    assert "no tails file" in out
    assert re.search(r"blind request\s+commitment and its proof \d+ B", out)
    assert "the bank learned: given_name = 'Anna Maria', residence = 'Utopia City'" in out
    assert "pseudonym for bank.example/account-opening" in out
    assert re.search(r"revoke 20 other credentials\s+1 update, epoch 2", out)
    assert re.search(r"holder updates its witness\s+epoch 1 -> 2", out)
    assert re.search(r"holder updates its witness\s+refused: Revoked", out)
    assert re.search(r"stale presentation\s+rejected \(VerificationError\)", out)
    assert re.search(r"tampered residence\s+rejected \(VerificationError\)", out)
    # Every timed step ends with its milliseconds, every size is in bytes.
    assert len(re.findall(r"\d+\.\d\d ms$", out, re.MULTILINE)) >= 25
    assert re.search(r"presentation\s+[\d,]+ B\s+[\d.]+ ms", out)


def test_the_age_bound_is_eighteen_years_before_today(demo: tuple[int, str, str]) -> None:
    _, out, _ = demo
    today = dt.date.today()
    bound = _zk_demo._adult_bound(today)
    assert f"prove birth_date <= {bound} (18 or older on {today.isoformat()})" in out
    assert _zk_demo._adult_bound(dt.date(2028, 2, 29)) == "2010-02-28"
    assert _zk_demo._adult_bound(dt.date(2026, 3, 1)) == "2008-03-01"


def test_a_failed_expectation_exits_1_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """A verifier that lets a forged presentation through fails the demonstration."""
    real = zp.verify_presentation

    def lax(
        presentation: zp.Presentation | bytes,
        request: zp.PresentationRequest,
        issuers: Iterable[zp.IssuerPublic],
        accumulators: Mapping[str, zp.AccumulatorState] | None = None,
    ) -> zp.VerifiedPresentation:
        try:
            return real(presentation, request, issuers, accumulators)
        except VerificationError:
            return zp.VerifiedPresentation(({},), None)

    monkeypatch.setattr(zp, "verify_presentation", lax)
    code, out, err = _run(["zk", "demo", "--revocations", "1"])
    assert code == 1
    assert re.search(r"tampered residence\s+ACCEPTED", out)
    assert "FAILED: tampered residence: a presentation that must be refused was accepted" in err
    assert "Every expectation held" not in out


def test_bad_revocation_counts_are_usage_errors() -> None:
    for value in ("0", "-3", "many"):
        code, _, err = _run(["zk", "demo", "--revocations", value])
        assert code == 2
        assert "--revocations" in err


def test_the_console_script_runs_the_demo() -> None:
    done = subprocess.run(
        [str(CHANCERY), "zk", "demo", "--revocations", "5"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert b"Every expectation held" in done.stdout
