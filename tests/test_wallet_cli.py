"""``chancery-wallet``: the commands that need no network, in-process and as a real subprocess.

Exit status 0 on success, 1 when the operation failed (wrong passphrase, unknown id, a credential
that does not verify, an existing wallet), 2 on bad usage; one line on stderr, never a traceback.
The passphrase comes from ``CHANCERY_WALLET_PASSPHRASE`` or a terminal prompt, never from stdin.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vc_service import Key, add_proof, issue_sd_jwt_vc
from wallet_sdk import Wallet, _cli
from wallet_sdk._cli import main

PASSPHRASE = "correct horse battery staple"
ISSUER = Key.generate("ed25519")
VM = f"{ISSUER.did_key()}#{ISSUER.multikey()}"
WALLET_CLI = Path(sys.executable).with_name("chancery-wallet")


def sd_jwt(given_name: str = "Anna") -> str:
    """A freshly issued SD-JWT VC."""
    return issue_sd_jwt_vc(
        {"given_name": given_name, "family_name": "Eriksson"},
        ISSUER,
        issuer=ISSUER.did_key(),
        vct="https://credentials.example.gov/identity",
        kid=VM,
        disclose=["/given_name", "/family_name"],
    )


def data_integrity() -> dict[str, Any]:
    """A freshly signed eddsa-rdfc-2022 credential."""
    return add_proof(
        {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://www.w3.org/ns/credentials/examples/v2",
            ],
            "type": ["VerifiableCredential", "ExampleDegreeCredential"],
            "issuer": ISSUER.did_key(),
            "validFrom": "2025-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:citizen", "degree": "MSc"},
        },
        ISSUER,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=VM,
    )


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The passphrase in the environment, the home from ``CHANCERY_WALLET_HOME``, no terminal."""
    home = tmp_path / "home"
    monkeypatch.setenv("CHANCERY_WALLET_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CHANCERY_WALLET_HOME", str(home))
    monkeypatch.setattr(_cli, "_tty_available", lambda: False)
    return home


def run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    stdin: str = "",
) -> tuple[int, str, str]:
    """Run ``chancery-wallet ARGS`` in-process; return (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if code != 0:
        assert len(err.strip().splitlines()) == 1, err  # one line naming what is wrong
    return code, out, err


def init(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *more: str) -> None:
    """``init`` with the cheap KDF (tests only)."""
    assert run(monkeypatch, capsys, [*more, "init", "--unsafe-fast-kdf"])[0] == 0


# ============================================================================== in-process


def test_init_add_list_show_delete(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The everyday round: create, add two credentials, list them, show one, delete one."""
    code, out, _ = run(monkeypatch, capsys, ["init", "--unsafe-fast-kdf"])
    assert code == 0 and str(env) in out
    assert run(monkeypatch, capsys, ["list"])[1].strip() == "The wallet holds no credentials."

    code, first, _ = run(monkeypatch, capsys, ["add"], stdin=sd_jwt("Zebulon") + "\n")
    assert code == 0
    code, second, _ = run(
        monkeypatch, capsys, ["add", "--format", "ldp_vc"], stdin=json.dumps(data_integrity())
    )
    assert code == 0
    first, second = first.strip(), second.strip()

    code, out, _ = run(monkeypatch, capsys, ["list"])
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "FORMAT", "TYPE", "ISSUER", "ADDED"]
    assert first in lines[1] and "https://credentials.example.gov/identity" in lines[1]
    assert second in lines[2] and "ExampleDegreeCredential" in lines[2]

    listed = json.loads(run(monkeypatch, capsys, ["list", "--json"])[1])
    assert [(c["id"], c["format"], c["verified"]) for c in listed] == [
        (first, "dc+sd-jwt", True),
        (second, "ldp_vc", True),
    ]

    code, out, _ = run(monkeypatch, capsys, ["show", first[:8]])  # an unambiguous prefix
    shown = json.loads(out)
    assert code == 0 and shown["id"] == first and shown["claims"]["given_name"] == "Zebulon"

    code, out, _ = run(monkeypatch, capsys, ["delete", first])
    assert code == 0 and first in out
    code, _, err = run(monkeypatch, capsys, ["show", first])
    assert code == 1 and "NotFound" in err
    assert [c["id"] for c in json.loads(run(monkeypatch, capsys, ["list", "--json"])[1])] == [
        second
    ]


def test_home_option_wins_over_environment(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--home DIR`` is used instead of ``$CHANCERY_WALLET_HOME``."""
    other = tmp_path / "elsewhere"
    init(monkeypatch, capsys, "--home", str(other))
    assert Wallet.exists(other) and not Wallet.exists(env)


def test_wrong_passphrase_exits_1(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrong passphrase is an operation failure with a clear message."""
    init(monkeypatch, capsys)
    monkeypatch.setenv("CHANCERY_WALLET_PASSPHRASE", "not the passphrase")
    code, out, err = run(monkeypatch, capsys, ["list"])
    assert (code, out) == (1, "")
    assert "WrongPassphrase" in err and "wrong passphrase" in err


def test_init_twice_exits_1(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``init`` never replaces an existing wallet."""
    init(monkeypatch, capsys)
    code, _, err = run(monkeypatch, capsys, ["init", "--unsafe-fast-kdf"])
    assert code == 1 and "already exists" in err


def test_command_on_missing_wallet_exits_1(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Listing a wallet that was never created says so."""
    code, _, err = run(monkeypatch, capsys, ["list"])
    assert code == 1 and "WalletNotFound" in err


def test_no_passphrase_and_no_terminal_exits_2(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the variable and without a terminal the command refuses instead of hanging."""
    monkeypatch.delenv("CHANCERY_WALLET_PASSPHRASE")
    code, _, err = run(monkeypatch, capsys, ["init"])
    assert code == 2 and "CHANCERY_WALLET_PASSPHRASE" in err
    assert not Wallet.exists(env)


def test_empty_passphrase_variable_exits_2(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty ``CHANCERY_WALLET_PASSPHRASE`` is a mistake, not a passphrase."""
    monkeypatch.setenv("CHANCERY_WALLET_PASSPHRASE", "")
    code, _, err = run(monkeypatch, capsys, ["init"])
    assert code == 2 and "empty" in err


def test_prompt_asks_twice_on_init(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal, init asks for the passphrase twice and refuses a mismatch."""
    monkeypatch.delenv("CHANCERY_WALLET_PASSPHRASE")
    monkeypatch.setattr(_cli, "_tty_available", lambda: True)
    answers = iter(["first try", "second try"])
    monkeypatch.setattr(_cli.getpass, "getpass", lambda prompt: next(answers))
    code, _, err = run(monkeypatch, capsys, ["init", "--unsafe-fast-kdf"])
    assert code == 1 and "differ" in err and not Wallet.exists(env)

    answers = iter(["typed on the terminal"] * 3)
    assert run(monkeypatch, capsys, ["init", "--unsafe-fast-kdf"])[0] == 0
    assert run(monkeypatch, capsys, ["list"])[0] == 0  # asked once more, same passphrase
    Wallet.open(env, "typed on the terminal").close()


def test_add_refuses_a_credential_that_does_not_verify(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A changed claim fails the proof check: exit 1, nothing stored."""
    init(monkeypatch, capsys)
    document = data_integrity()
    document["credentialSubject"]["degree"] = "PhD"
    code, out, err = run(monkeypatch, capsys, ["add"], stdin=json.dumps(document))
    assert (code, out) == (1, "")
    assert "not stored" in err and "proof" in err
    assert json.loads(run(monkeypatch, capsys, ["list", "--json"])[1]) == []


def test_add_no_verify_stores_marked_unverified(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--no-verify`` stores the credential and the listing says it is unverified."""
    init(monkeypatch, capsys)
    assert run(monkeypatch, capsys, ["add", "--no-verify"], stdin=sd_jwt())[0] == 0
    assert "(unverified)" in run(monkeypatch, capsys, ["list"])[1]


@pytest.mark.parametrize(
    ("stdin", "args", "match"),
    [
        ("", [], "no credential"),
        ("   \n", [], "no credential"),
        ("{not json", [], "not valid JSON"),
        ("hello", [], "not a compact JWS"),
        ("x~", ["--format", "vc+jwt"], "not vc+jwt"),
    ],
    ids=["empty", "blank", "bad-json", "not-a-token", "format-mismatch"],
)
def test_add_unreadable_input_exits_2(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stdin: str,
    args: list[str],
    match: str,
) -> None:
    """Input that is no credential is bad usage."""
    init(monkeypatch, capsys)
    code, _, err = run(monkeypatch, capsys, ["add", *args], stdin=stdin)
    assert code == 2 and match in err


@pytest.mark.parametrize(
    "args",
    [[], ["bogus"], ["show"], ["list", "--unknown"], ["add", "--format", "mso_mdoc"]],
    ids=["no-command", "unknown-command", "missing-id", "unknown-option", "unknown-format"],
)
def test_bad_usage_exits_2(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    """Usage mistakes exit 2 without touching any wallet."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    code = main(args)
    _, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err and err.strip()
    assert not Wallet.exists(env)


def test_show_ambiguous_or_unknown_id(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A prefix matching two credentials is refused (exit 2); an unknown id is NotFound (exit 1)."""
    init(monkeypatch, capsys)
    for _ in range(2):
        run(monkeypatch, capsys, ["add"], stdin=sd_jwt())
    assert run(monkeypatch, capsys, ["show", "c_"])[0] == 1  # too short to be a prefix
    code, _, err = run(monkeypatch, capsys, ["show", "c_ffffffffffffffff"])
    assert code == 1 and "NotFound" in err
    ids = [c["id"] for c in json.loads(run(monkeypatch, capsys, ["list", "--json"])[1])]
    common = os.path.commonprefix(ids)
    if len(common) >= 4:  # the two random ids share a long enough prefix: ambiguous
        code, _, err = run(monkeypatch, capsys, ["show", common])
        assert code == 2 and "ambiguous" in err
    code, _, err = run(monkeypatch, capsys, ["delete", ids[0][:8]])
    assert code == 1 and "NotFound" in err  # deletion needs the full id


def test_backup_and_restore_on_a_new_device(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """backup FILE, then restore FILE into another home: the same credentials come back."""
    init(monkeypatch, capsys)
    run(monkeypatch, capsys, ["add"], stdin=sd_jwt())
    run(monkeypatch, capsys, ["add"], stdin=json.dumps(data_integrity()))
    before = json.loads(run(monkeypatch, capsys, ["list", "--json"])[1])
    backup = tmp_path / "wallet.backup"

    code, out, _ = run(monkeypatch, capsys, ["backup", str(backup), "--unsafe-fast-kdf"])
    assert code == 0 and "2 credential(s)" in out
    code, _, err = run(monkeypatch, capsys, ["backup", str(backup), "--unsafe-fast-kdf"])
    assert code == 2 and "exists" in err
    assert run(monkeypatch, capsys, ["backup", str(backup), "--force", "--unsafe-fast-kdf"])[0] == 0

    new_home = tmp_path / "new-device"
    code, out, _ = run(
        monkeypatch,
        capsys,
        ["--home", str(new_home), "restore", str(backup), "--unsafe-fast-kdf"],
    )
    assert code == 0 and "2 credential(s)" in out
    after = json.loads(run(monkeypatch, capsys, ["--home", str(new_home), "list", "--json"])[1])
    assert after == before

    code, _, err = run(monkeypatch, capsys, ["restore", str(backup), "--unsafe-fast-kdf"])
    assert code == 1 and "already exists" in err and "--force" in err
    assert (
        run(monkeypatch, capsys, ["restore", str(backup), "--force", "--unsafe-fast-kdf"])[0] == 0
    )


def test_restore_of_tampered_backup_or_wrong_passphrase_exits_1(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A changed backup is CorruptBackup and a wrong passphrase WrongPassphrase; no wallet made."""
    init(monkeypatch, capsys)
    run(monkeypatch, capsys, ["add"], stdin=sd_jwt())
    backup = tmp_path / "b"
    run(monkeypatch, capsys, ["backup", str(backup), "--unsafe-fast-kdf"])
    data = backup.read_bytes()
    backup.write_bytes(data[:-5] + bytes([data[-5] ^ 1]) + data[-4:])
    new_home = str(tmp_path / "new")
    code, _, err = run(monkeypatch, capsys, ["--home", new_home, "restore", str(backup)])
    assert code == 1 and "CorruptBackup" in err
    backup.write_bytes(data)
    monkeypatch.setenv("CHANCERY_WALLET_PASSPHRASE", "guess")
    code, _, err = run(monkeypatch, capsys, ["--home", new_home, "restore", str(backup)])
    assert code == 1 and "WrongPassphrase" in err
    assert not Wallet.exists(new_home)


# ============================================================================== subprocess


def _subprocess(
    args: list[str], env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WALLET_CLI), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        # No controlling terminal, as under cron or CI: a prompt is impossible.
        start_new_session=True,
    )


def _clean_env(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("CHANCERY_WALLET_")}
    return {**keep, **extra}


def test_installed_command_round_trip(tmp_path: Path) -> None:
    """The console script: init, add from stdin, list --json, with the passphrase variable."""
    env = _clean_env(
        CHANCERY_WALLET_PASSPHRASE=PASSPHRASE, CHANCERY_WALLET_HOME=str(tmp_path / "home")
    )
    init = _subprocess(["init", "--unsafe-fast-kdf"], env)
    assert init.returncode == 0, init.stderr
    add = _subprocess(["add"], env, stdin=sd_jwt())
    assert add.returncode == 0, add.stderr
    listed = _subprocess(["list", "--json"], env)
    assert listed.returncode == 0, listed.stderr
    assert [c["id"] for c in json.loads(listed.stdout)] == [add.stdout.strip()]


def test_installed_command_without_passphrase_or_terminal_exits_2(tmp_path: Path) -> None:
    """No variable, no terminal: a one-line error and exit 2, not a hang or a traceback."""
    result = _subprocess(["--home", str(tmp_path), "list"], _clean_env())
    assert result.returncode == 2
    assert "CHANCERY_WALLET_PASSPHRASE" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_installed_command_wrong_passphrase_exits_1(tmp_path: Path) -> None:
    """A wrong passphrase through the real entry point: exit 1, one line, no traceback."""
    home = tmp_path / "home"
    Wallet.create(home, PASSPHRASE, unsafe_fast_kdf=True).close()
    result = _subprocess(
        ["--home", str(home), "list"], _clean_env(CHANCERY_WALLET_PASSPHRASE="wrong")
    )
    assert result.returncode == 1
    assert "wrong passphrase" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("link", "code"),
    [
        ("garbage", 2),
        ("openid4vp://?client_id=x&request_uri=http://127.0.0.1:9/unreachable", 1),
    ],
    ids=["not-a-link", "verifier-unreachable"],
)
def test_present_reports_a_bad_or_unreachable_request_in_one_line(
    tmp_path: Path, link: str, code: int
) -> None:
    """``present`` with a malformed link exits 2, with an unreachable verifier 1; no traceback."""
    exe = Path(sys.executable).with_name("chancery-wallet")
    env = {**os.environ, "CHANCERY_WALLET_PASSPHRASE": "correct horse battery"}
    home = str(tmp_path / "w")
    subprocess.run(
        [str(exe), "--home", home, "init", "--unsafe-fast-kdf"],
        env=env,
        check=True,
        capture_output=True,
    )
    done = subprocess.run(
        [str(exe), "--home", home, "present", link, "--yes"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == code
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
