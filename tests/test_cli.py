"""``chancery`` command line: the commands integrators and external checks call.

``vc verify`` exits 0 when verified, 1 when not (printing the failed check), 2 on bad usage or
unparseable input; no command prints a traceback.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vc_service._bitstring_status import BitstringStatusList, status_list_credential
from vc_service._cli import FORMATS, main
from vc_service._data_integrity import add_proof
from vc_service._keys import Key
from vc_service._multibase import b64url_decode, b64url_encode

CREDENTIAL = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "type": ["VerifiableCredential", "ExampleIdentityCredential"],
    "validFrom": "2026-01-01T00:00:00Z",
    "validUntil": "2030-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:citizen", "givenName": "Anna", "familyName": "E"},
}
CLAIMS = {
    "vct": "https://credentials.example.gov/identity",
    "given_name": "Anna",
    "family_name": "Eriksson",
    "address": {"street": "Storgatan 1", "locality": "Uppsala"},
}
KEY_TYPE = {
    "eddsa-rdfc-2022": "ed25519",
    "eddsa-jcs-2022": "ed25519",
    "bbs-2023": "bls12381g2",
    "vc+jwt": "p256",
    "dc+sd-jwt": "ed25519",
}


def run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    stdin: str = "",
) -> tuple[int, str, str]:
    """Run ``chancery ARGS`` in-process with ``stdin``; return (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    """Private JWK files made with ``chancery keys generate``."""
    paths = {}
    for key_type in ("ed25519", "p256", "bls12381g2"):
        path = tmp_path / f"{key_type}.jwk"
        path.write_text(json.dumps(Key.generate(key_type).private_jwk()))  # type: ignore[arg-type]
        paths[key_type] = path
    holder = tmp_path / "holder.jwk"
    holder.write_text(json.dumps(Key.generate("ed25519").private_jwk()))
    paths["holder"] = holder
    return paths


@pytest.mark.parametrize("key_type", ["ed25519", "p256", "bls12381g2"])
def test_keys_generate_prints_a_private_jwk(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], key_type: str
) -> None:
    """keys generate prints a private JWK that parses back into a key of that type."""
    code, out, _ = run(monkeypatch, capsys, ["keys", "generate", "--type", key_type])
    assert code == 0
    key = Key.from_jwk(json.loads(out))
    assert key.type == key_type and key.has_private


def test_did_resolve_did_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """did resolve prints the DID document of a did:key."""
    did = Key.generate("ed25519").did_key()
    code, out, _ = run(monkeypatch, capsys, ["did", "resolve", did])
    assert code == 0 and json.loads(out)["id"] == did


def test_did_resolve_bad_did_is_an_error_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed DID is reported in one line, not a traceback."""
    code, _, err = run(monkeypatch, capsys, ["did", "resolve", "did:key:zzzz"])
    assert code != 0 and err.startswith("chancery: ")


def _issue(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    keys: dict[str, Path],
    fmt: str,
) -> str:
    args = ["vc", "issue", "--key", str(keys[KEY_TYPE[fmt]]), "--format", fmt]
    source = CREDENTIAL
    if fmt == "dc+sd-jwt":
        source = CLAIMS
        args += ["--sd", "/given_name", "--sd", "/family_name", "--sd", "/address/street"]
        args += ["--holder-key", str(keys["holder"])]
    if fmt == "bbs-2023":
        args += ["--mandatory", "/validFrom"]
    code, out, err = run(monkeypatch, capsys, args, json.dumps(source))
    assert code == 0, err
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_issue_then_verify_every_format(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    keys: dict[str, Path],
    fmt: str,
) -> None:
    """What vc issue writes, vc verify accepts (bbs-2023 and SD-JWT after vc derive)."""
    issued = _issue(monkeypatch, capsys, keys, fmt)
    if fmt in ("bbs-2023", "dc+sd-jwt"):
        reveal = "/credentialSubject/givenName" if fmt == "bbs-2023" else "/given_name"
        args = ["vc", "derive", "--reveal", reveal, "--nonce", "n-1", "--audience", "aud"]
        if fmt == "dc+sd-jwt":
            args += ["--holder-key", str(keys["holder"])]
        code, issued, err = run(monkeypatch, capsys, args, issued)
        assert code == 0, err
        verify_args = ["vc", "verify", "--nonce", "n-1", "--audience", "aud"]
    else:
        verify_args = ["vc", "verify"]
    code, out, err = run(monkeypatch, capsys, verify_args, issued)
    assert code == 0, out + err
    result = json.loads(out)
    assert result["verified"] is True and result["format"] == fmt


@pytest.mark.parametrize("fmt", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_verify_tampered_claim_exits_1_naming_the_check(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    keys: dict[str, Path],
    fmt: str,
) -> None:
    """A changed claim: exit 1, JSON result with verified false and check 'proof'."""
    signed = json.loads(_issue(monkeypatch, capsys, keys, fmt))
    signed["credentialSubject"]["givenName"] = "Eve"
    code, out, _ = run(monkeypatch, capsys, ["vc", "verify"], json.dumps(signed))
    assert code == 1
    assert json.loads(out) == {
        "verified": False,
        "check": "proof",
        "error": json.loads(out)["error"],
    }


def test_verify_wrong_issuer_key_and_expired(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    keys: dict[str, Path],
    tmp_path: Path,
) -> None:
    """--issuer-key pins the key (another key fails); --at past validUntil fails validity."""
    signed = _issue(monkeypatch, capsys, keys, "eddsa-rdfc-2022")
    other = tmp_path / "other.jwk"
    other.write_text(json.dumps(Key.generate("ed25519").public_jwk()))
    code, out, _ = run(monkeypatch, capsys, ["vc", "verify", "--issuer-key", str(other)], signed)
    assert code == 1 and json.loads(out)["check"] == "proof"
    code, out, _ = run(
        monkeypatch, capsys, ["vc", "verify", "--at", "2031-01-01T00:00:00Z"], signed
    )
    assert code == 1 and json.loads(out)["check"] == "validity"


def test_verify_revoked_through_a_status_list_file(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    keys: dict[str, Path],
    tmp_path: Path,
) -> None:
    """--status-list URL=FILE: a set revocation bit makes vc verify exit 1 with check 'status'."""
    issuer = Key.from_jwk(json.loads(keys["ed25519"].read_text()))
    url = "https://registry.example.gov/status/3"
    bits = BitstringStatusList()
    bits.set(42, 1)
    status_vc = add_proof(
        status_list_credential(url, issuer.did_key(), "revocation", bits),
        issuer,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=f"{issuer.did_key()}#{issuer.multikey()}",
    )
    status_file = tmp_path / "status.json"
    status_file.write_text(json.dumps(status_vc))
    credential: dict[str, Any] = {
        **CREDENTIAL,
        "credentialStatus": {
            "id": f"{url}#42",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "42",
            "statusListCredential": url,
        },
    }
    code, signed, err = run(
        monkeypatch,
        capsys,
        ["vc", "issue", "--key", str(keys["ed25519"]), "--format", "eddsa-rdfc-2022"],
        json.dumps(credential),
    )
    assert code == 0, err
    code, out, _ = run(
        monkeypatch, capsys, ["vc", "verify", "--status-list", f"{url}={status_file}"], signed
    )
    assert code == 1 and json.loads(out)["check"] == "status"
    assert "revoked" in json.loads(out)["error"].lower()


def test_verify_sd_jwt_wrong_nonce_and_audience(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    keys: dict[str, Path],
) -> None:
    """An SD-JWT presentation checked against another nonce or audience exits 1."""
    issued = _issue(monkeypatch, capsys, keys, "dc+sd-jwt")
    derive = ["vc", "derive", "--reveal", "/given_name", "--nonce", "n-1", "--audience", "aud"]
    code, presentation, _ = run(
        monkeypatch, capsys, [*derive, "--holder-key", str(keys["holder"])], issued
    )
    assert code == 0
    for nonce, audience, check in (("n-2", "aud", "nonce"), ("n-1", "x", "audience")):
        code, out, _ = run(
            monkeypatch,
            capsys,
            ["vc", "verify", "--nonce", nonce, "--audience", audience],
            presentation,
        )
        assert code == 1 and json.loads(out)["check"] == check


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["vc", "verify"], "not a credential"),
        (["vc", "verify"], "{broken json"),
        (["vc", "verify"], ""),
        (["vc", "verify", "--issuer-key", "/nonexistent.jwk"], "{}"),
        (["vc", "verify", "--status-list", "no-equals-sign"], "{}"),
        (["vc", "verify", "--at", "yesterday"], "{}"),
        (["vc", "issue", "--key", "/nonexistent.jwk", "--format", "vc+jwt"], "{}"),
    ],
    ids=[
        "garbage",
        "bad-json",
        "empty",
        "missing-key-file",
        "bad-status-arg",
        "bad-time",
        "issue-missing-key",
    ],
)
def test_bad_usage_or_unparseable_input_exits_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    stdin: str,
) -> None:
    """Bad usage and unparseable input: exit 2 and one error line on stderr."""
    code, _, err = run(monkeypatch, capsys, args, stdin)
    assert code == 2
    assert err.startswith("chancery: error:") and err.count("\n") == 1


def test_console_script_round_trip(tmp_path: Path) -> None:
    """The installed ``chancery`` entry point works as a separate process."""
    exe = Path(sys.executable).with_name("chancery")
    key = subprocess.run(
        [str(exe), "keys", "generate", "--type", "ed25519"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (tmp_path / "k.jwk").write_text(key)
    signed = subprocess.run(
        [str(exe), "vc", "issue", "--key", str(tmp_path / "k.jwk"), "--format", "eddsa-jcs-2022"],
        input=json.dumps(CREDENTIAL),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    verified = subprocess.run(
        [str(exe), "vc", "verify"], input=signed, capture_output=True, text=True, check=False
    )
    assert verified.returncode == 0 and json.loads(verified.stdout)["verified"] is True
    garbage = subprocess.run(
        [str(exe), "vc", "verify"], input="???", capture_output=True, text=True, check=False
    )
    assert garbage.returncode == 2 and "Traceback" not in garbage.stderr


def test_verify_sd_jwt_with_a_changed_disclosure_exits_1(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    keys: dict[str, Path],
) -> None:
    """An SD-JWT whose disclosure was edited fails vc verify with check 'proof'; an inline JWK
    is accepted for --holder-key."""
    issued = _issue(monkeypatch, capsys, keys, "dc+sd-jwt")
    holder_inline = keys["holder"].read_text()
    code, presentation, err = run(
        monkeypatch,
        capsys,
        [
            "vc",
            "derive",
            "--reveal",
            "/given_name",
            "--nonce",
            "n",
            "--audience",
            "a",
            "--holder-key",
            holder_inline,
        ],
        issued,
    )
    assert code == 0, err
    parts = presentation.strip().split("~")
    disclosure = json.loads(b64url_decode(parts[1]))
    disclosure[-1] = "Eve"
    parts[1] = b64url_encode(json.dumps(disclosure).encode())
    verify_args = ["vc", "verify", "--nonce", "n", "--audience", "a"]
    code, out, _ = run(monkeypatch, capsys, verify_args, presentation)
    assert code == 0
    code, out, _ = run(monkeypatch, capsys, verify_args, "~".join(parts))
    assert code == 1
    assert json.loads(out)["check"] in ("proof", "holder-binding")
