"""C2SP signed notes, checkpoints and witness cosignatures (``vc_service.ledger._checkpoint``).

Published vectors (``tests/vectors/c2sp-checkpoints/``, one test id per file) must verify or be
reproduced byte for byte; every tampered input must be refused with the right error type:
:class:`InvalidInput` for malformed notes, keys and checkpoint texts, :class:`NoteVerificationError`
for notes whose signatures do not verify, :class:`CheckpointError` (with its ``failure``) for
checkpoints that fail the verifier's policy.
"""

from __future__ import annotations

import base64
import json
from functools import cache
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vc_service._errors import InvalidInput, InvalidProof, VerificationError
from vc_service._keys import Key
from vc_service.ledger._checkpoint import (
    COSIGNATURE_V1_HEADER,
    DEFAULT_MAX_CLOCK_SKEW,
    DEFAULT_MAX_SIGNATURES,
    SIG_TYPE_COSIGNATURE_V1,
    SIG_TYPE_ED25519,
    Checkpoint,
    CheckpointError,
    NoteSignature,
    NoteVerificationError,
    add_signature,
    cosign,
    cosignature_timestamp,
    cosigner_verifier_key,
    key_id,
    note_signature_line,
    note_signer_key,
    note_verifier_key,
    open_note,
    parse_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
    verify_checkpoint,
    verify_cosignature,
)

VECTORS = Path(__file__).parent / "vectors" / "c2sp-checkpoints"
EM = "\u2014"


@cache
def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return data


def _files(kind: str) -> list[str]:
    names = sorted(p.name for p in VECTORS.glob("*.json"))
    return [n for n in names if _load(n)["kind"] == kind]


def _seed_key(seed_hex: str) -> Key:
    seed = bytes.fromhex(seed_hex)
    public = bytes(nacl.signing.SigningKey(seed).verify_key)
    x = base64.urlsafe_b64encode(public).rstrip(b"=").decode()
    d = base64.urlsafe_b64encode(seed).rstrip(b"=").decode()
    return Key.from_jwk({"kty": "OKP", "crv": "Ed25519", "x": x, "d": d})


def _root(b64: str) -> bytes:
    return base64.b64decode(b64)


def _expected_checkpoint(expected: dict[str, Any]) -> Checkpoint:
    return Checkpoint(
        expected["origin"], expected["size"], _root(expected["root"]), expected["extensions"]
    )


def test_every_vector_file_is_exercised() -> None:
    """Each JSON file in the vector folder has a kind that some test below reads."""
    known = {"note", "checkpoint", "cosignature", "example", "keys", "cosignature-timestamps"}
    names = sorted(p.name for p in VECTORS.glob("*.json"))
    assert len(names) == 11
    assert {_load(n)["kind"] for n in names} <= known
    assert (VECTORS / "README.md").is_file()


# ------------------------------------------------------------------------------- note vectors


@pytest.mark.parametrize("name", _files("note"), ids=_files("note"))
def test_published_note_opens_with_the_published_keys(name: str) -> None:
    """Published signed notes verify; signatures by keys not configured are ignored."""
    vector = _load(name)
    note = vector["note"].encode()
    for case in vector["cases"]:
        if "error" in case:
            with pytest.raises(NoteVerificationError):
                open_note(note, case["verifier_keys"])
            continue
        text, names = open_note(note, case["verifier_keys"])
        assert text == vector["text"].encode()
        assert names == case["verified"]


@pytest.mark.parametrize(
    "name",
    [n for n in _files("note") if "signer_key" in _load(n)],
    ids=[n for n in _files("note") if "signer_key" in _load(n)],
)
def test_signing_with_the_published_signer_key_reproduces_the_note(name: str) -> None:
    """Ed25519 is deterministic: sign_note reproduces the published note byte for byte."""
    vector = _load(name)
    signer_name, _, key = parse_signer_key(vector["signer_key"])
    assert sign_note(vector["text"].encode(), signer_name, key) == vector["note"].encode()
    assert note_verifier_key(signer_name, key) == vector["cases"][0]["verifier_keys"][0]


@pytest.mark.parametrize("name", _files("example"), ids=_files("example"))
def test_published_example_note_parses(name: str) -> None:
    """Examples without a published key split into text and signature lines as the spec shows."""
    vector = _load(name)
    text, signatures = parse_note(vector["note"].encode())
    assert text == vector["expected_text"].encode()
    assert [(s.name, f"{s.key_id:08x}", len(s.signature)) for s in signatures] == [
        (e["name"], e["key_id"], e["signature_size"]) for e in vector["expected_signatures"]
    ]
    assert "".join(s.line() for s in signatures).encode() in vector["note"].encode()


def test_tlog_cosignature_example_timestamp_and_checkpoint() -> None:
    """The spec's cosigned checkpoint: its text parses, the witness line carries time 1679315147."""
    vector = _load("c2sp-tlog-cosignature-example.json")
    text, signatures = parse_note(vector["note"].encode())
    assert Checkpoint.parse(text) == _expected_checkpoint(vector["expected_checkpoint"])
    witness = signatures[1]
    assert cosignature_timestamp(witness) == vector["expected_signatures"][1]["timestamp"]
    expected_message = vector["signed_message_example"].encode()
    assert COSIGNATURE_V1_HEADER + b"time 1679315147\n" + text == expected_message


def test_cosign_signs_exactly_the_message_of_the_spec_example() -> None:
    """cosign's Ed25519 signature verifies over the spec's literal "Ed25519 signed message"."""
    vector = _load("c2sp-tlog-cosignature-example.json")
    text, _ = parse_note(vector["note"].encode())
    key = Key.generate("ed25519")
    line = cosign(text, "witness.example.com/w1", key, 1679315147)
    raw = base64.b64decode(line.split(" ")[2])
    assert raw[:4] == key_id("witness.example.com/w1", 0x04, key.public).to_bytes(4, "big")
    assert raw[4:12] == (1679315147).to_bytes(8, "big")
    message = vector["signed_message_example"].encode()
    nacl.signing.VerifyKey(key.public).verify(message, raw[12:])


def test_tlog_cosignature_example_log_signature_is_sum_golang_orgs_over_the_original_origin() -> (
    None
):
    """The example's log line is a sum.golang.org signature: it fails as printed, and verifies once
    the origin line and the key name are restored to the Go checksum database's (vector README)."""
    vector = _load("c2sp-tlog-cosignature-example.json")
    note = vector["note"].encode()
    log_verifier = vector["log_verifier_of_key_id"]
    with pytest.raises(CheckpointError) as info:
        verify_checkpoint(note, log_verifier=log_verifier, origin="example.com/behind-the-sofa")
    assert info.value.failure == "log-signature"
    restored = note.replace(b"example.com/behind-the-sofa\n", b"go.sum database tree\n", 1)
    restored = restored.replace(
        f"{EM} example.com/behind-the-sofa ".encode(), f"{EM} sum.golang.org ".encode()
    )
    checkpoint = verify_checkpoint(
        restored, log_verifier=log_verifier, origin=vector["origin_that_verifies"]
    )
    assert (checkpoint.size, checkpoint.origin) == (20852163, "go.sum database tree")


# ------------------------------------------------------------------------- checkpoint vectors


@pytest.mark.parametrize("name", _files("checkpoint"), ids=_files("checkpoint"))
def test_published_checkpoint_verifies(name: str) -> None:
    """Published checkpoints verify with the log's key and parse to the published values."""
    vector = _load(name)
    note = vector["note"].encode()
    if "signer_seed_hex" in vector:
        key = _seed_key(vector["signer_seed_hex"])
        log_verifier = note_verifier_key(vector["signer_name"], key)
    else:
        log_verifier = vector["log_verifier"]
    checkpoint = verify_checkpoint(note, log_verifier=log_verifier, origin=vector.get("origin"))
    expected = _expected_checkpoint(vector["expected"])
    assert checkpoint == expected
    assert note.startswith(expected.body() + b"\n")


@pytest.mark.parametrize(
    "name",
    [n for n in _files("checkpoint") if "signer_seed_hex" in _load(n)],
    ids=[n for n in _files("checkpoint") if "signer_seed_hex" in _load(n)],
)
def test_signing_a_published_checkpoint_reproduces_it(name: str) -> None:
    """Checkpoint.sign with the published seed reproduces the published signed checkpoint."""
    vector = _load(name)
    key = _seed_key(vector["signer_seed_hex"])
    checkpoint = _expected_checkpoint(vector["expected"])
    assert checkpoint.sign(vector["signer_name"], key) == vector["note"].encode()


def test_sum_golang_org_checkpoint_needs_its_origin_pinned() -> None:
    """By default the origin must equal the log's key name; sum.golang.org's does not."""
    vector = _load("sum-golang-org-checkpoint-2024-09-23.json")
    with pytest.raises(CheckpointError) as info:
        verify_checkpoint(vector["note"].encode(), log_verifier=vector["log_verifier"])
    assert info.value.failure == "origin"


@pytest.mark.parametrize("name", _files("cosignature"), ids=_files("cosignature"))
def test_published_cosignature_is_reproduced_and_verifies(name: str) -> None:
    """cosign reproduces the published cosignature line; verify_cosignature returns its time."""
    vector = _load(name)
    key = _seed_key(vector["signer_seed_hex"])
    text = vector["checkpoint_text"].encode()
    line = cosign(text, vector["witness_name"], key, vector["timestamp"])
    assert line == vector["line"]
    witness = cosigner_verifier_key(vector["witness_name"], key)
    note = text + b"\n" + line.encode()
    assert verify_cosignature(note, witness) == vector["timestamp"]
    _, names = open_note(note, [witness])
    assert names == [vector["witness_name"]]


@pytest.mark.parametrize("name", _files("cosignature"), ids=_files("cosignature"))
def test_published_cosignature_variants_are_ignored_or_refused(name: str) -> None:
    """Another key ID or name is an unknown signature (ignored); a known key's bad one refuses."""
    vector = _load(name)
    key = _seed_key(vector["signer_seed_hex"])
    witness = cosigner_verifier_key(vector["witness_name"], key)
    text = vector["checkpoint_text"].encode()
    for other in vector["other_lines"]:
        alone = text + b"\n" + other["line"].encode()
        with pytest.raises(NoteVerificationError):
            verify_cosignature(alone, witness)
        together = text + b"\n" + (vector["line"] + other["line"]).encode()
        if other["expect"] == "ignored":
            assert verify_cosignature(together, witness) == vector["timestamp"]
        else:
            with pytest.raises(NoteVerificationError) as info:
                verify_cosignature(together, witness)
            assert info.value.key_name == vector["witness_name"]


@pytest.mark.parametrize(
    "name", _files("cosignature-timestamps"), ids=_files("cosignature-timestamps")
)
def test_published_cosignature_timestamps(name: str) -> None:
    """The timestamp is read from a cosignature; a plain Ed25519 signature has none."""
    for case in _load(name)["cases"]:
        raw = base64.b64decode(case["signature"])
        signature = NoteSignature("w", int.from_bytes(raw[:4], "big"), raw[4:])
        if "error" in case:
            with pytest.raises(InvalidInput):
                cosignature_timestamp(signature)
        else:
            assert cosignature_timestamp(signature) == case["timestamp"]


# ------------------------------------------------------------------------------- key vectors


@pytest.mark.parametrize("name", _files("keys"), ids=_files("keys"))
def test_published_key_pairs_convert_both_ways(name: str) -> None:
    """Signer key -> Key -> the published verifier and signer key strings, and back."""
    for pair in _load(name)["pairs"]:
        signer_name, kid, key = parse_signer_key(pair["signer_key"])
        assert (signer_name, f"{kid:08x}") == (pair["name"], pair["key_id"])
        assert key.has_private
        assert note_signer_key(signer_name, key) == pair["signer_key"]
        assert note_verifier_key(signer_name, key) == pair["verifier_key"]
        vname, vkid, public = parse_verifier_key(pair["verifier_key"])
        assert (vname, vkid) == (signer_name, kid)
        assert public.same_public(key) and not public.has_private


@pytest.mark.parametrize("name", _files("keys"), ids=_files("keys"))
def test_published_verifier_keys_parse_and_reencode(name: str) -> None:
    """Type 0x01 and 0x04 verifier keys parse (even with '+' in the base64) and re-encode."""
    for entry in _load(name)["verifier_keys"]:
        vname, kid, key = parse_verifier_key(entry["verifier_key"])
        assert (vname, f"{kid:08x}") == (entry["name"], entry["key_id"])
        encode = note_verifier_key if entry["type"] == SIG_TYPE_ED25519 else cosigner_verifier_key
        assert encode(vname, key) == entry["verifier_key"]
        assert key_id(vname, entry["type"], key.public) == kid


@pytest.mark.parametrize("name", _files("keys"), ids=_files("keys"))
def test_published_invalid_verifier_keys_are_refused(name: str) -> None:
    """Wrong length, unknown type, bad base64, missing parts: InvalidInput."""
    for text in _load(name)["invalid_verifier_keys"]:
        with pytest.raises(InvalidInput):
            parse_verifier_key(text)


def _manglings(text: str) -> list[str]:
    """Every proper substring and every one-character increment (golang.org/x/mod note_test)."""
    out = {text[i:j] for i in range(len(text) + 1) for j in range(i + 1, len(text) + 1)}
    out |= {text[:i] + chr(ord(text[i]) + 1) + text[i + 1 :] for i in range(len(text))}
    out.discard(text)
    return sorted(out)


def test_every_mangled_verifier_key_is_refused() -> None:
    """TestNewVerifier: no substring or one-character change of a verifier key parses."""
    vkey = _load("go-sumdb-note-keys.json")["verifier_keys"][0]["verifier_key"]
    for mangled in _manglings(vkey):
        with pytest.raises(InvalidInput):
            parse_verifier_key(mangled)


def test_every_mangled_signer_key_is_refused() -> None:
    """TestNewSigner: no substring or one-character change of a signer key parses."""
    skey = _load("go-sumdb-note-keys.json")["pairs"][0]["signer_key"]
    for mangled in _manglings(skey):
        with pytest.raises(InvalidInput):
            parse_signer_key(mangled)


def test_key_strings_refuse_non_ed25519_and_public_only_keys() -> None:
    """Only Ed25519 keys have a note encoding; a signer key needs the private part."""
    with pytest.raises(InvalidInput):
        note_verifier_key("example.gov/log", Key.generate("p256"))
    with pytest.raises(InvalidInput):
        note_signer_key("example.gov/log", Key.generate("ed25519").public_key())
    with pytest.raises(InvalidInput):
        parse_verifier_key(123)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name", ["", "has space", "has+plus", "tab\there", "nbsp\u00a0here", "ideo\u3000space"]
)
def test_invalid_key_names_are_refused(name: str) -> None:
    """Key names are non-empty, without Unicode spaces or '+' (signed-note, "Format")."""
    key = Key.generate("ed25519")
    with pytest.raises(InvalidInput):
        note_verifier_key(name, key)
    with pytest.raises(InvalidInput):
        sign_note(b"text\n", name, key)
    with pytest.raises(InvalidInput):
        key_id(name, SIG_TYPE_ED25519, key.public)


def test_uppercase_hex_key_id_is_refused() -> None:
    """Key IDs are written as 8 lowercase hex digits: one textual form per key."""
    with pytest.raises(InvalidInput):
        parse_verifier_key("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")


# --------------------------------------------------------------------- note parsing (Go tests)

GO_TEXT = _load("go-sumdb-note-peterneumann.json")["text"]
PETER_VKEY = _load("go-sumdb-note-keys.json")["verifier_keys"][0]["verifier_key"]
ENOCH_VKEY = _load("go-sumdb-note-keys.json")["verifier_keys"][1]["verifier_key"]
_TWO = _load("go-sumdb-note-peterneumann-enochroot.json")["note"][len(GO_TEXT) + 1 :]
PETER_SIG, ENOCH_SIG = (line + "\n" for line in _TWO.rstrip("\n").split("\n"))


@pytest.mark.parametrize(
    "note",
    [
        GO_TEXT.encode(),
        (GO_TEXT + "\n").encode(),
        (GO_TEXT + "\n" + PETER_SIG[:-1]).encode(),
        b"\x01" + (GO_TEXT + "\n" + PETER_SIG).encode(),
        b"\xff" + (GO_TEXT + "\n" + PETER_SIG).encode(),
        (GO_TEXT + "\n" + EM + " Bad Name " + PETER_SIG.split(" ")[2]).encode(),
        (GO_TEXT + "\n" + PETER_SIG + "Unexpected line.\n").encode(),
        (GO_TEXT + "\n" + PETER_SIG.replace(EM, "--")).encode(),
        (GO_TEXT + "\n" + PETER_SIG.replace("=\n", "\n")).encode(),
        (GO_TEXT + "\n" + PETER_SIG.replace("\n", "\r\n")).encode(),
        (GO_TEXT + "\n" + EM + " PeterNeumann AAAA\n").encode(),
        (GO_TEXT + "\n" + PETER_SIG + "\n").encode(),
    ],
    ids=[
        "no-signatures",
        "blank-line-only",
        "truncated-last-line",
        "control-character",
        "invalid-utf8",
        "space-in-key-name",
        "unexpected-line",
        "not-an-em-dash",
        "missing-base64-padding",
        "crlf",
        "signature-too-short",
        "trailing-blank-line",
    ],
)
def test_malformed_notes_are_invalid_input(note: bytes) -> None:
    """TestOpen's malformed messages (and a few more) raise InvalidInput, never verify."""
    with pytest.raises(InvalidInput):
        open_note(note, [PETER_VKEY])


def test_tampered_signature_of_a_known_key_refuses_the_note() -> None:
    """TestOpen "Invalid signature": a known key's signature that fails rejects the whole note."""
    bad = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(NoteVerificationError) as info:
        open_note((GO_TEXT + "\n" + bad).encode(), [PETER_VKEY])
    assert (info.value.key_name, info.value.key_id) == ("PeterNeumann", 0xC74F20A3)
    assert isinstance(info.value, InvalidProof)


def test_repeated_signatures_count_once_and_unknown_tampered_ones_are_ignored() -> None:
    """TestOpen: duplicates of verified signatures; Enoch's tampered line is unknown, ignored."""
    tampered = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    note = GO_TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + tampered
    assert open_note(note.encode(), [PETER_VKEY]) == (GO_TEXT.encode(), ["PeterNeumann"])


def test_too_many_signatures_are_refused_before_verification() -> None:
    """TestOpen: 101 signature lines is a malformed note (limit 100, spec minimum 16)."""
    note = (GO_TEXT + "\n" + PETER_SIG * (DEFAULT_MAX_SIGNATURES + 1)).encode()
    with pytest.raises(InvalidInput):
        open_note(note, [PETER_VKEY])
    with pytest.raises(InvalidInput):
        open_note((GO_TEXT + "\n" + PETER_SIG * 3).encode(), [PETER_VKEY], max_signatures=2)
    assert open_note((GO_TEXT + "\n" + PETER_SIG * 16).encode(), [PETER_VKEY])[1] == [
        "PeterNeumann"
    ]


def test_oversized_note_is_refused() -> None:
    """A note larger than max_note_size is refused before any parsing."""
    note = (GO_TEXT + "\n" + PETER_SIG).encode()
    with pytest.raises(InvalidInput):
        open_note(note, [PETER_VKEY], max_note_size=len(note) - 1)
    assert open_note(note, [PETER_VKEY], max_note_size=len(note))[1] == ["PeterNeumann"]


def test_open_note_rejects_a_single_string_of_verifiers() -> None:
    """Passing one key string where a list is expected is an error, not a list of characters."""
    with pytest.raises(InvalidInput):
        open_note((GO_TEXT + "\n" + PETER_SIG).encode(), PETER_VKEY)


def test_note_text_may_contain_blank_lines() -> None:
    """signed-note: the text is separated from the signatures by the LAST blank line."""
    key = Key.generate("ed25519")
    text = b"first paragraph\n\nsecond paragraph\n"
    note = sign_note(text, "example.gov/notary", key)
    vkey = note_verifier_key("example.gov/notary", key)
    assert open_note(note, [vkey]) == (text, ["example.gov/notary"])


@pytest.mark.parametrize(
    "body", [b"no final newline", b"tab\there\n", "caf\u00e9\n".encode("latin-1"), "x\n"]
)
def test_sign_note_refuses_malformed_text(body: Any) -> None:
    """The note text is bytes of UTF-8 without control characters, ending with a newline."""
    with pytest.raises(InvalidInput):
        sign_note(body, "example.gov/log", Key.generate("ed25519"))


def test_sign_note_needs_an_ed25519_private_key() -> None:
    """Only Ed25519 signs notes here; a public key cannot sign."""
    with pytest.raises(InvalidInput):
        sign_note(b"text\n", "example.gov/log", Key.generate("p256"))
    with pytest.raises(InvalidInput):
        sign_note(b"text\n", "example.gov/log", Key.generate("ed25519").public_key())


def test_add_signature_appends_and_replaces_same_key() -> None:
    """add_signature keeps other lines in order, replaces a line with the same name and key ID."""
    log, other = Key.generate("ed25519"), Key.generate("ed25519")
    text = b"example.gov/log\n1\n" + base64.b64encode(bytes(32)) + b"\n"
    note = sign_note(text, "example.gov/log", log)
    second = note_signature_line(text, "example.gov/other", other)
    both = add_signature(note, second)
    assert both == note + second.encode()
    replaced = add_signature(both, note_signature_line(text, "example.gov/log", log))
    assert replaced == text + b"\n" + second.encode() + note[len(text) + 1 :]
    keys = [
        note_verifier_key("example.gov/log", log),
        note_verifier_key("example.gov/other", other),
    ]
    assert open_note(replaced, keys)[1] == ["example.gov/other", "example.gov/log"]
    with pytest.raises(InvalidInput):
        add_signature(note, "not a signature line")
    with pytest.raises(InvalidInput):
        add_signature(text, second)


# ---------------------------------------------------------------------- checkpoint text parsing

ROOT = bytes(range(32))
ROOT_B64 = base64.b64encode(ROOT).decode()
ROOT_B64URL = base64.urlsafe_b64encode(bytes([0xFB]) * 32).decode()  # has '-' and '_'


def test_checkpoint_body_round_trips_with_extensions() -> None:
    """Origin, decimal size, base64 root and extension lines, each ending with a newline."""
    checkpoint = Checkpoint("example.gov/log", 42, ROOT, ("ext one", "ext two"))
    body = checkpoint.body()
    assert body == f"example.gov/log\n42\n{ROOT_B64}\next one\next two\n".encode()
    assert Checkpoint.parse(body) == checkpoint
    assert checkpoint.extensions == ("ext one", "ext two")
    assert Checkpoint.parse(b"go.sum database tree\n0\n" + ROOT_B64.encode() + b"\n").size == 0


@pytest.mark.parametrize(
    "body",
    [
        f"example.gov/log\n010\n{ROOT_B64}\n",
        f"example.gov/log\n+10\n{ROOT_B64}\n",
        f"example.gov/log\n 10\n{ROOT_B64}\n",
        f"example.gov/log\n-1\n{ROOT_B64}\n",
        f"example.gov/log\n1e3\n{ROOT_B64}\n",
        f"example.gov/log\n\u0661\u0660\n{ROOT_B64}\n",
        f"example.gov/log\n{2**64}\n{ROOT_B64}\n",
        f"example.gov/log\n\n{ROOT_B64}\n",
        "example.gov/log\n10\nYmFuYW5hcw==\n",
        f"example.gov/log\n10\n{ROOT_B64.rstrip('=')}\n",
        f"example.gov/log\n10\n{ROOT_B64[:-2]}B=\n",
        f"example.gov/log\n10\n{ROOT_B64URL}\n",
        f"\n10\n{ROOT_B64}\n",
        f"example.gov/log\n10\n{ROOT_B64}",
        "example.gov/log\n10\n",
        f"example.gov/log\n10\n{ROOT_B64}\n\nextension\n",
        f"example.gov/log\n10\n{ROOT_B64}\nbad\textension\n",
        f"example.gov/log\r\n10\r\n{ROOT_B64}\r\n",
    ],
    ids=[
        "size-leading-zero",
        "size-plus-sign",
        "size-leading-space",
        "size-negative",
        "size-exponent",
        "size-arabic-digits",
        "size-over-uint64",
        "size-empty",
        "root-7-bytes",
        "root-unpadded",
        "root-non-canonical",
        "root-base64url",
        "origin-empty",
        "no-final-newline",
        "two-lines",
        "empty-extension-line",
        "control-char-in-extension",
        "crlf",
    ],
)
def test_malformed_checkpoint_text_is_invalid_input(body: str) -> None:
    """Checkpoint.parse is strict: canonical decimal size, 32-byte canonical root, no blanks."""
    with pytest.raises(InvalidInput):
        Checkpoint.parse(body.encode())


@pytest.mark.parametrize(
    ("origin", "size", "root", "extensions"),
    [
        ("", 1, ROOT, ()),
        ("two\nlines", 1, ROOT, ()),
        ("example.gov/log", -1, ROOT, ()),
        ("example.gov/log", 2**64, ROOT, ()),
        ("example.gov/log", True, ROOT, ()),
        ("example.gov/log", 1, ROOT[:31], ()),
        ("example.gov/log", 1, ROOT, ("",)),
        ("example.gov/log", 1, ROOT, "abc"),
    ],
)
def test_checkpoint_fields_are_validated(
    origin: Any, size: Any, root: Any, extensions: Any
) -> None:
    """A Checkpoint cannot be built with fields that would not survive a round trip."""
    with pytest.raises(InvalidInput):
        Checkpoint(origin, size, root, extensions)


@settings(max_examples=60, deadline=None)
@given(
    origin=st.text(st.characters(min_codepoint=0x20, max_codepoint=0xD7FF), min_size=1),
    size=st.integers(0, 2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0xD7FF), min_size=1),
        max_size=3,
    ),
)
def test_checkpoint_text_round_trips(
    origin: str, size: int, root: bytes, extensions: list[str]
) -> None:
    """Any valid checkpoint's text parses back to the same checkpoint."""
    checkpoint = Checkpoint(origin, size, root, tuple(extensions))
    assert Checkpoint.parse(checkpoint.body()) == checkpoint


# ------------------------------------------------------------------ checkpoints and witnesses

LOG_NAME = "example.gov/log"
NOW = 1_750_000_000
WITNESS_PAIRS = _load("transparency-dev-formats-keys.json")["pairs"]


@cache
def _log_key() -> Key:
    return _seed_key("4c" * 32)


@cache
def _witness(index: int) -> tuple[str, Key, str]:
    """(name, private key, published type-0x01 verifier key) of transparency-dev's Wit1..Wit3."""
    pair = WITNESS_PAIRS[index]
    name, _, key = parse_signer_key(pair["signer_key"])
    return name, key, pair["verifier_key"]


def _log_vkey() -> str:
    return note_verifier_key(LOG_NAME, _log_key())


def _witness_vkeys() -> list[str]:
    return [cosigner_verifier_key(_witness(i)[0], _witness(i)[1]) for i in range(3)]


def _checkpoint(size: int = 7, extensions: tuple[str, ...] = ()) -> Checkpoint:
    return Checkpoint(LOG_NAME, size, ROOT, extensions)


def _cosigned(checkpoint: Checkpoint, witnesses: list[int], timestamp: int = NOW) -> bytes:
    note = checkpoint.sign(LOG_NAME, _log_key())
    for index in witnesses:
        name, key, _ = _witness(index)
        note = add_signature(note, cosign(note, name, key, timestamp))
    return note


def _verify(note: bytes, **kwargs: Any) -> Checkpoint:
    options: dict[str, Any] = {
        "log_verifier": _log_vkey(),
        "witnesses": _witness_vkeys(),
        "quorum": 2,
        "now": NOW,
    }
    options.update(kwargs)
    return verify_checkpoint(note, **options)


def _failure(note: bytes, **kwargs: Any) -> str:
    with pytest.raises(CheckpointError) as info:
        _verify(note, **kwargs)
    assert isinstance(info.value, VerificationError)
    assert info.value.check == "checkpoint"
    return info.value.failure


def test_checkpoint_with_log_signature_and_quorum_verifies() -> None:
    """Log signature, origin = log key name, two of three witnesses: accepted."""
    checkpoint = _checkpoint(extensions=("chancery/v1",))
    assert _verify(_cosigned(checkpoint, [0, 1])) == checkpoint
    assert _verify(_cosigned(checkpoint, [0, 1, 2]), quorum=3) == checkpoint
    assert _verify(checkpoint.sign(LOG_NAME, _log_key()), witnesses=(), quorum=0) == checkpoint


def test_witnesses_may_be_configured_with_their_note_keys() -> None:
    """A witness's published type-0x01 vkey is converted to its 0x04 cosigner key ID."""
    published = [_witness(i)[2] for i in range(3)]
    assert _verify(_cosigned(_checkpoint(), [1, 2]), witnesses=published).size == 7


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (LOG_NAME.encode() + b"\n", b"example.gov/other\n"),
        (b"\n7\n", b"\n8\n"),
        (ROOT_B64.encode(), base64.b64encode(bytes(32))),
        (b"chancery/v1\n", b"chancery/v2\n"),
    ],
    ids=["origin", "size", "root", "extension"],
)
def test_tampered_checkpoint_text_fails_the_log_signature(old: bytes, new: bytes) -> None:
    """Changing any line of the signed text breaks the log's signature (checked first)."""
    note = _cosigned(_checkpoint(extensions=("chancery/v1",)), [0, 1])
    tampered = note.replace(old, new, 1)
    assert tampered != note
    assert _failure(tampered) == "log-signature"


def test_signature_by_another_key_is_not_the_log_signature() -> None:
    """Another key under the log's name has another key ID: unknown, so no log signature."""
    impostor = Key.generate("ed25519")
    note = _checkpoint().sign(LOG_NAME, impostor)
    for index in (0, 1):
        name, key, _ = _witness(index)
        note = add_signature(note, cosign(note, name, key, NOW))
    assert _failure(note) == "log-signature"


def test_signature_by_another_key_with_the_log_key_id_is_invalid() -> None:
    """A forged line claiming the log's name and key ID must verify, and does not."""
    impostor = Key.generate("ed25519")
    body = _checkpoint().body()
    forged = NoteSignature(LOG_NAME, key_id(LOG_NAME, 1, _log_key().public), impostor.sign(body))
    with pytest.raises(CheckpointError) as info:
        _verify(body + b"\n" + forged.line().encode(), witnesses=(), quorum=0)
    assert info.value.failure == "log-signature"
    assert isinstance(info.value.__cause__, NoteVerificationError)


def test_log_signature_under_a_wrong_key_name_is_unknown() -> None:
    """Relabelling the log's signature line with another name makes it an unknown signature."""
    note = _cosigned(_checkpoint(), [0, 1])
    relabelled = note.replace(f"{EM} {LOG_NAME} ".encode(), f"{EM} example.gov/log2 ".encode())
    assert _failure(relabelled) == "log-signature"


def test_origin_must_match_the_pinned_or_default_origin() -> None:
    """A validly signed checkpoint for another origin is refused (default: the log key name)."""
    other = Checkpoint("example.gov/other-log", 3, ROOT)
    note = other.sign(LOG_NAME, _log_key())
    assert _failure(note, witnesses=(), quorum=0) == "origin"
    assert _verify(note, witnesses=(), quorum=0, origin="example.gov/other-log") == other
    assert _failure(_cosigned(_checkpoint(), [0, 1]), origin="example.gov/other-log") == "origin"


def test_quorum_not_met() -> None:
    """One cosignature where two are required: witness-quorum."""
    assert _failure(_cosigned(_checkpoint(), [2])) == "witness-quorum"
    assert _failure(_cosigned(_checkpoint(), [])) == "witness-quorum"


def test_duplicated_witness_counts_once() -> None:
    """The same witness twice (two lines, two timestamps) is one witness."""
    note = _cosigned(_checkpoint(), [0])
    name, key, _ = _witness(0)
    again = note + cosign(note, name, key, NOW - 5).encode()
    assert open_note(again, _witness_vkeys())[1] == [name]
    assert _failure(again) == "witness-quorum"
    assert _failure(note + cosign(note, name, key, NOW).encode()) == "witness-quorum"


def test_one_key_under_two_witness_names_is_refused() -> None:
    """Ed25519 cosignatures do not name the witness: one signature relabelled under a second name
    (with that name's key ID) verifies, so a configuration listing one key twice is refused."""
    name, key, _ = _witness(0)
    alias = "witness-alias.example"
    note = _cosigned(_checkpoint(), [0])
    line = note.decode().rstrip("\n").split("\n")[-1]
    signature = NoteSignature(alias, key_id(alias, 4, key.public), _parse_line(line).signature)
    relabelled = note + signature.line().encode()
    assert verify_cosignature(relabelled, cosigner_verifier_key(alias, key)) == NOW
    witnesses = [cosigner_verifier_key(name, key), cosigner_verifier_key(alias, key)]
    with pytest.raises(InvalidInput):
        _verify(relabelled, witnesses=witnesses, quorum=2)


def _parse_line(line: str) -> NoteSignature:
    _, signatures = parse_note(b"x\n\n" + line.encode() + b"\n")
    return signatures[0]


def test_witness_configuration_is_validated() -> None:
    """Same name twice, the log's own key as a witness, an impossible or bad quorum: refused."""
    note = _cosigned(_checkpoint(), [0, 1])
    vkeys = _witness_vkeys()
    bad_configs: list[dict[str, Any]] = [
        {"witnesses": [vkeys[0], vkeys[0]]},
        {"witnesses": [*vkeys, cosigner_verifier_key("log-as-witness", _log_key())]},
        {"quorum": 4},
        {"quorum": -1},
        {"quorum": True},
        {"witnesses": vkeys[0]},
        {"log_verifier": vkeys[0]},
        {"max_clock_skew": -1},
        {"max_cosignature_age": -1},
        {"now": "now"},
    ]
    for config in bad_configs:
        with pytest.raises(InvalidInput):
            _verify(note, **config)


def test_future_cosignatures_beyond_the_skew_are_not_counted() -> None:
    """tlog-cosignature: verifiers MAY reject future timestamps; we do beyond the clock skew."""
    at_limit = _cosigned(_checkpoint(), [0, 1], timestamp=NOW + DEFAULT_MAX_CLOCK_SKEW)
    assert _verify(at_limit).size == 7
    future = _cosigned(_checkpoint(), [0, 1], timestamp=NOW + DEFAULT_MAX_CLOCK_SKEW + 1)
    with pytest.raises(CheckpointError, match="in the future") as info:
        _verify(future)
    assert info.value.failure == "witness-quorum"
    assert _verify(future, max_clock_skew=DEFAULT_MAX_CLOCK_SKEW + 1).size == 7


def test_stale_cosignatures_are_not_counted_when_an_age_limit_is_set() -> None:
    """max_cosignature_age bounds how old a counted cosignature may be."""
    note = _cosigned(_checkpoint(), [0, 1], timestamp=NOW - 3600)
    assert _verify(note).size == 7
    assert _verify(note, max_cosignature_age=3600).size == 7
    with pytest.raises(CheckpointError, match="too old") as info:
        _verify(note, max_cosignature_age=3599)
    assert info.value.failure == "witness-quorum"


def test_invalid_cosignature_by_a_configured_witness_refuses_the_checkpoint() -> None:
    """A configured witness's cosignature that fails to verify rejects the note."""
    note = _cosigned(_checkpoint(), [0, 1])
    lines = note.decode().split("\n")
    parsed = _parse_line(lines[-2])
    flipped = parsed.signature[:-1] + bytes([parsed.signature[-1] ^ 1])
    lines[-2] = NoteSignature(parsed.name, parsed.key_id, flipped).line().rstrip("\n")
    assert _failure("\n".join(lines).encode()) == "witness-signature"


def test_cosignature_covers_the_extension_lines() -> None:
    """A witness line moved to a checkpoint differing only in an extension does not verify."""
    first = _cosigned(_checkpoint(extensions=("a",)), [0, 1])
    second = _checkpoint(extensions=("b",)).sign(LOG_NAME, _log_key())
    moved = second + first[first.index(f"{EM} Wit1".encode()) :]
    assert _failure(moved) == "witness-signature"


def test_cosignature_for_another_checkpoint_does_not_verify() -> None:
    """A cosignature of size 7 attached to size 8 is refused."""
    first = _cosigned(_checkpoint(size=7), [0, 1])
    second = _checkpoint(size=8).sign(LOG_NAME, _log_key())
    moved = second + first[first.index(f"{EM} Wit1".encode()) :]
    assert _failure(moved) == "witness-signature"


def test_plain_note_signature_by_a_witness_key_is_not_a_cosignature() -> None:
    """A type-0x01 signature has another key ID than the witness's 0x04 one: not counted."""
    note = _checkpoint().sign(LOG_NAME, _log_key())
    for index in (0, 1):
        name, key, _ = _witness(index)
        note = add_signature(note, note_signature_line(_checkpoint().body(), name, key))
    assert _failure(note) == "witness-quorum"


def test_truncated_signature_line_is_invalid_input() -> None:
    """A signature line cut short (no newline, or base64 cut) is a malformed note."""
    note = _cosigned(_checkpoint(), [0, 1])
    with pytest.raises(InvalidInput):
        _verify(note[:-1])
    with pytest.raises(InvalidInput):
        _verify(note[:-10] + b"\n")


def test_too_many_signatures_on_a_checkpoint_are_invalid_input() -> None:
    """More signature lines than max_signatures: refused before any verification."""
    note = _cosigned(_checkpoint(), [0, 1, 2])
    with pytest.raises(InvalidInput):
        _verify(note, max_signatures=3)
    filler = NoteSignature("example.gov/filler", 1, bytes(64)).line().encode()
    padded = note + filler * (DEFAULT_MAX_SIGNATURES - 4)
    assert _verify(padded).size == 7
    with pytest.raises(InvalidInput):
        _verify(padded + filler * 2)


def test_cosign_validates_its_inputs() -> None:
    """cosign needs a checkpoint, a valid name, an Ed25519 private key and a uint63 time."""
    note = _checkpoint().sign(LOG_NAME, _log_key())
    name, key, _ = _witness(0)
    with pytest.raises(InvalidInput):
        cosign(b"not a checkpoint\n", name, key, NOW)
    with pytest.raises(InvalidInput):
        cosign(note, "bad name", key, NOW)
    with pytest.raises(InvalidInput):
        cosign(note, name, key.public_key(), NOW)
    for timestamp in (-1, 2**63, True, 1.5):
        with pytest.raises(InvalidInput):
            cosign(note, name, key, timestamp)  # type: ignore[arg-type]
    assert cosign(note, name, key, 2**63 - 1).startswith(f"{EM} {name} ")


def test_cosign_of_the_signed_note_equals_cosign_of_its_text() -> None:
    """A witness may pass the signed checkpoint or its bare text: the same cosignature."""
    checkpoint = _checkpoint()
    name, key, _ = _witness(0)
    signed = checkpoint.sign(LOG_NAME, _log_key())
    assert cosign(signed, name, key, NOW) == cosign(checkpoint.body(), name, key, NOW)


def test_verify_cosignature_requires_a_checkpoint_and_a_cosignature() -> None:
    """No cosignature by the witness, or a note whose text is not a checkpoint: refused."""
    note = _cosigned(_checkpoint(), [0])
    with pytest.raises(NoteVerificationError):
        verify_cosignature(note, _witness_vkeys()[1])
    assert verify_cosignature(note, _witness(0)[2]) == NOW
    name, key, _ = _witness(0)
    kid = key_id(name, SIG_TYPE_COSIGNATURE_V1, key.public)
    text = b"not\na checkpoint\n"
    message = COSIGNATURE_V1_HEADER + b"time %d\n" % NOW + text
    valid = NoteSignature(name, kid, NOW.to_bytes(8, "big") + key.sign(message)).line()
    with pytest.raises(InvalidInput):
        verify_cosignature(text + b"\n" + valid.encode(), _witness_vkeys()[0])


def test_non_bytes_note_is_invalid_input() -> None:
    """Notes are bytes; a str is refused rather than encoded implicitly."""
    note = _cosigned(_checkpoint(), [0, 1])
    with pytest.raises(InvalidInput):
        _verify(note.decode())  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_single_byte_change_is_refused(data: st.DataObject) -> None:
    """Hypothesis: changing any one byte of a cosigned checkpoint never verifies."""
    note = _cosigned(_checkpoint(extensions=("chancery/v1",)), [0, 1])
    position = data.draw(st.integers(0, len(note) - 1))
    value = data.draw(st.integers(0, 255).filter(lambda b: b != note[position]))
    tampered = note[:position] + bytes([value]) + note[position + 1 :]
    with pytest.raises((InvalidInput, CheckpointError)):
        _verify(tampered)
