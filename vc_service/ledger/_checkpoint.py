"""C2SP signed notes, transparency-log checkpoints and witness cosignatures.

Three C2SP specifications, implemented for Ed25519 only (see ``specs/ledger/checkpoints.md``):

* **c2sp.org/signed-note** -- a note is a UTF-8 text ending in a newline, a blank line, then one
  or more signature lines ``— <key name> <base64(4-byte key ID || signature)>``. Key IDs are
  ``SHA-256(name || 0x0A || type || public key)[:4]``; type ``0x01`` is a plain Ed25519 signature
  over the text. Verifier keys travel as ``<name>+<hex key ID>+<base64(type || public key)>``,
  signer keys (golang.org/x/mod/sumdb/note) as ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 ||
  seed)>``. :func:`open_note` applies the verification rules: signatures by unknown keys are
  ignored, a signature by a known key must verify (or the note is refused), at least one must.
* **c2sp.org/tlog-checkpoint** -- the note text of a checkpoint is three lines, the origin, the
  tree size in decimal and the base64 root hash, followed by optional non-empty extension lines,
  each line ending in a newline (:class:`Checkpoint`).
* **c2sp.org/tlog-cosignature** -- a witness's Ed25519 cosignature (type ``0x04``) signs
  ``cosignature/v1\\ntime <POSIX seconds>\\n`` followed by the checkpoint text, and its signature
  line carries ``base64(key ID || 8-byte big-endian timestamp || 64-byte signature)``
  (:func:`cosign`).

:func:`verify_checkpoint` is the verifier's policy: the log's signature, the expected origin, and
at least ``quorum`` distinct witnesses whose cosignatures verify and whose timestamps are neither
in the future (beyond a clock skew) nor, optionally, too old.

Keys are this package's :class:`~vc_service._keys.Key` (type ``ed25519``); the string encodings
above are conversions. Malformed input raises :class:`~vc_service._errors.InvalidInput`; a
well-formed note whose signatures do not verify raises :class:`NoteVerificationError`; a checkpoint
that fails the verifier's policy raises :class:`CheckpointError`, whose ``failure`` names the check.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import nacl.signing

from .._errors import InvalidInput, InvalidProof, VerificationError
from .._keys import Key

__all__ = [
    "COSIGNATURE_V1_HEADER",
    "DEFAULT_MAX_CLOCK_SKEW",
    "DEFAULT_MAX_NOTE_SIZE",
    "DEFAULT_MAX_SIGNATURES",
    "SIG_TYPE_COSIGNATURE_V1",
    "SIG_TYPE_ED25519",
    "Checkpoint",
    "CheckpointError",
    "NoteSignature",
    "NoteVerificationError",
    "add_signature",
    "cosign",
    "cosignature_timestamp",
    "cosigner_verifier_key",
    "key_id",
    "note_signature_line",
    "note_signer_key",
    "note_verifier_key",
    "open_note",
    "parse_note",
    "parse_signer_key",
    "parse_verifier_key",
    "sign_note",
    "verify_checkpoint",
    "verify_cosignature",
]

#: Signature type byte of a plain Ed25519 note signature (c2sp.org/signed-note, "Signature types").
SIG_TYPE_ED25519 = 0x01
#: Signature type byte of a timestamped Ed25519 witness cosignature (c2sp.org/tlog-cosignature).
SIG_TYPE_COSIGNATURE_V1 = 0x04
#: First line of the message an Ed25519 cosignature signs (tlog-cosignature, "Ed25519 signed
#: message"): it separates cosignatures from plain note signatures made with the same key.
COSIGNATURE_V1_HEADER = b"cosignature/v1\n"

#: Most signature lines :func:`parse_note` accepts. signed-note: verifiers "MUST accept at least up
#: to 16 signatures"; 100 is golang.org/x/mod/sumdb/note's limit. Bounds the work an attacker can
#: make a verifier do with one note.
DEFAULT_MAX_SIGNATURES = 100
#: Largest note :func:`parse_note` accepts, in bytes: room for 16 post-quantum signatures of
#: nearly 5 kB each (signed-note, "Format"), far more than any Ed25519 checkpoint needs.
DEFAULT_MAX_NOTE_SIZE = 128 * 1024
#: How far in the future a cosignature's timestamp may be before :func:`verify_checkpoint`
#: refuses it, in seconds (witness clocks are not ours).
DEFAULT_MAX_CLOCK_SKEW = 300

_SIG_PREFIX = "\u2014 "  # em dash, space
_MAX_TIMESTAMP = 2**63 - 1  # tlog-cosignature: "It MUST NOT exceed 2^63 - 1"
_MAX_TREE_SIZE = 2**64 - 1
_ED25519_SIGNATURE_SIZE = 64
_COSIGNATURE_SIZE = 8 + _ED25519_SIGNATURE_SIZE
_SIGNER_KEY_PREFIX = "PRIVATE+KEY+"
_B64_RE = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_KEY_ID_RE = re.compile(r"[0-9a-f]{8}")
_DECIMAL_RE = re.compile(r"0|[1-9][0-9]*")  # ASCII only: str.isdigit() accepts other scripts
_CONTROL_RE = re.compile(r"[\x00-\x09\x0b-\x1f]")  # ASCII controls except newline


# --------------------------------------------------------------------------------------- errors


class NoteVerificationError(InvalidProof):
    """A well-formed signed note does not verify (c2sp.org/signed-note, "Signatures").

    Raised when a signature by a known key fails to verify (``key_name`` and ``key_id`` then name
    that key), or when no signature by a known key is present (both ``None``). ``check`` is
    ``"proof"``.
    """

    def __init__(
        self, message: str, *, key_name: str | None = None, key_id: int | None = None
    ) -> None:
        super().__init__(message)
        self.key_name = key_name
        self.key_id = key_id


class CheckpointError(VerificationError):
    """A checkpoint failed the verifier's policy; ``failure`` names the check that failed.

    ``failure`` is one of ``"log-signature"`` (no valid signature by the log's key, or an invalid
    one), ``"origin"`` (not the expected log), ``"witness-signature"`` (a configured witness's
    cosignature does not verify) and ``"witness-quorum"`` (too few distinct witnesses with an
    acceptable cosignature). ``check`` is ``"checkpoint"``.
    """

    check = "checkpoint"

    def __init__(self, message: str, *, failure: str) -> None:
        super().__init__(message)
        self.failure = failure


# --------------------------------------------------------------------------------- encodings


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str, what: str) -> bytes:
    """Strict standard base64 with padding (RFC 4648 §4), as signed-note requires.

    Non-canonical encodings (stray bits in the last character) are refused, so that a note or key
    has exactly one textual form: a re-encoded signature line cannot slip past a duplicate check.
    """
    if _B64_RE.fullmatch(text) is None:
        raise InvalidInput(f"{what} is not standard padded base64")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:  # pragma: no cover - the pattern rules this out
        raise InvalidInput(f"{what} is not valid base64") from exc
    if _b64encode(raw) != text:
        raise InvalidInput(f"{what} is non-canonical base64")
    return raw


def _check_text(data: bytes, what: str) -> str:
    """Decode ``data`` as signed-note text: valid UTF-8 and no ASCII control but newline.

    signed-note, "Format": "Signed notes MUST be valid UTF-8 and MUST NOT contain any ASCII
    control characters (those below U+0020) other than newline."
    """
    if not isinstance(data, bytes):
        raise InvalidInput(f"{what} must be bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{what} is not valid UTF-8") from exc
    control = _CONTROL_RE.search(text)
    if control is not None:
        raise InvalidInput(f"{what} contains the control character {control.group()!r}")
    return text


def _is_valid_name(name: object) -> bool:
    """signed-note: "Key names MUST be non-empty and MUST NOT contain any Unicode spaces or plus"."""
    return (
        isinstance(name, str)
        and name != ""
        and "+" not in name
        and not any(char.isspace() for char in name)
        and all(char >= " " for char in name)
        and _encodable(name)
    )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not _is_valid_name(name):
        raise InvalidInput(f"invalid note key name {name!r}: empty, or has a space or '+'")
    return name


def _check_ed25519(key: object, *, private: bool) -> Key:
    if not isinstance(key, Key) or key.type != "ed25519":
        raise InvalidInput("note keys must be Ed25519 keys")
    if private and not key.has_private:
        raise InvalidInput("signing needs the private key")
    return key


def key_id(name: str, sig_type: int, public_key: bytes) -> int:
    """The key ID of a note key: ``SHA-256(name || 0x0A || sig_type || public_key)[:4]``.

    c2sp.org/signed-note, "Signatures" (the recommended key ID, which the Ed25519 type requires);
    c2sp.org/tlog-cosignature, "Format" (type ``0x04``). Returned as a big-endian ``uint32``.
    """
    _check_name(name)
    if not isinstance(sig_type, int) or not 0 <= sig_type <= 0xFF:
        raise InvalidInput("a signature type is one byte")
    if not isinstance(public_key, bytes):
        raise InvalidInput("the public key must be bytes")
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


# --------------------------------------------------------------------------------- key strings


class _VerifierKey(NamedTuple):
    name: str
    key_id: int
    sig_type: int
    key: Key


def _parse_vkey(text: object) -> _VerifierKey:
    if not isinstance(text, str):
        raise InvalidInput("a verifier key must be a str")
    # The name cannot contain '+' and the key ID is hex, so the first two '+' are the separators;
    # the base64 key material may itself contain '+'.
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise InvalidInput("a verifier key is <name>+<hex key ID>+<base64 key>")
    name, hex_id, material = parts
    _check_name(name)
    if _KEY_ID_RE.fullmatch(hex_id) is None:
        raise InvalidInput("a verifier key ID is 8 lowercase hex digits")
    raw = _b64decode(material, "verifier key material")
    if len(raw) != 33 or raw[0] not in (SIG_TYPE_ED25519, SIG_TYPE_COSIGNATURE_V1):
        raise InvalidInput("only Ed25519 verifier keys (types 0x01 and 0x04) are supported")
    sig_type, public = raw[0], raw[1:]
    expected = key_id(name, sig_type, public)
    if int(hex_id, 16) != expected:
        raise InvalidInput(f"verifier key ID {hex_id} does not match the key (want {expected:08x})")
    return _VerifierKey(name, expected, sig_type, Key.from_public_bytes("ed25519", public))


def _vkey(name: str, sig_type: int, key: Key) -> str:
    _check_name(name)
    _check_ed25519(key, private=False)
    kid = key_id(name, sig_type, key.public)
    return f"{name}+{kid:08x}+{_b64encode(bytes([sig_type]) + key.public)}"


def note_verifier_key(name: str, key: Key) -> str:
    """The verifier key string of an Ed25519 note signer: ``<name>+<hex ID>+<base64(0x01||pk)>``.

    c2sp.org/signed-note, "Ed25519 signatures"; the encoding of golang.org/x/mod/sumdb/note
    (``NewEd25519VerifierKey``). This is what ``chancery ledger init`` prints for the log.
    """
    return _vkey(name, SIG_TYPE_ED25519, key)


def cosigner_verifier_key(name: str, key: Key) -> str:
    """The verifier key string of an Ed25519 witness: ``<name>+<hex ID>+<base64(0x04||pk)>``.

    c2sp.org/tlog-cosignature, "Format": "Ed25519 public keys MAY be encoded as vkeys with
    signature type 0x04".
    """
    return _vkey(name, SIG_TYPE_COSIGNATURE_V1, key)


def parse_verifier_key(text: str) -> tuple[str, int, Key]:
    """Parse a verifier key string into ``(name, key ID, public Key)``.

    Accepts Ed25519 note keys (type ``0x01``) and Ed25519 cosigner keys (type ``0x04``); checks that
    the name is valid, the key ID is 8 lowercase hex digits equal to the ID computed from the name
    and key, and the key material is exactly one type byte and 32 bytes, in canonical base64.
    Raises :class:`InvalidInput` otherwise.
    """
    parsed = _parse_vkey(text)
    return parsed.name, parsed.key_id, parsed.key


def note_signer_key(name: str, key: Key) -> str:
    """The signer key string ``PRIVATE+KEY+<name>+<hex ID>+<base64(0x01 || seed)>`` of ``key``.

    The private key format of golang.org/x/mod/sumdb/note (``GenerateKey``), for interoperation
    with Go tooling. It is a secret: anyone holding it can sign as ``name``.
    """
    _check_name(name)
    _check_ed25519(key, private=True)
    kid = key_id(name, SIG_TYPE_ED25519, key.public)
    material = _b64encode(bytes([SIG_TYPE_ED25519]) + key.private_bytes())
    return f"{_SIGNER_KEY_PREFIX}{name}+{kid:08x}+{material}"


def parse_signer_key(text: str) -> tuple[str, int, Key]:
    """Parse a sumdb/note signer key string into ``(name, key ID, private Key)``.

    The key ID must be that of the public key derived from the seed (golang.org/x/mod/sumdb/note
    ``NewSigner``). Raises :class:`InvalidInput` on anything else.
    """
    if not isinstance(text, str) or not text.startswith(_SIGNER_KEY_PREFIX):
        raise InvalidInput("a signer key starts with PRIVATE+KEY+")
    parts = text[len(_SIGNER_KEY_PREFIX) :].split("+", 2)
    if len(parts) != 3:
        raise InvalidInput("a signer key is PRIVATE+KEY+<name>+<hex key ID>+<base64 key>")
    name, hex_id, material = parts
    _check_name(name)
    if _KEY_ID_RE.fullmatch(hex_id) is None:
        raise InvalidInput("a signer key ID is 8 lowercase hex digits")
    raw = _b64decode(material, "signer key material")
    if len(raw) != 33 or raw[0] != SIG_TYPE_ED25519:
        raise InvalidInput("only Ed25519 signer keys (type 0x01) are supported")
    seed = raw[1:]
    public = bytes(nacl.signing.SigningKey(seed).verify_key)
    expected = key_id(name, SIG_TYPE_ED25519, public)
    if int(hex_id, 16) != expected:
        raise InvalidInput(f"signer key ID {hex_id} does not match the key (want {expected:08x})")
    jwk = {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64.urlsafe_b64encode(public).rstrip(b"=").decode(),
        "d": base64.urlsafe_b64encode(seed).rstrip(b"=").decode(),
    }
    return name, expected, Key.from_jwk(jwk)


# --------------------------------------------------------------------------------- signed notes


class NoteSignature(NamedTuple):
    """One signature line of a note, not verified: key name, key ID, and the signature bytes.

    ``signature`` excludes the 4-byte key ID (signed-note, "Format").
    """

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        """The signature line, ``— <name> <base64(key ID || signature)>`` and a newline."""
        raw = self.key_id.to_bytes(4, "big") + self.signature
        return f"{_SIG_PREFIX}{self.name} {_b64encode(raw)}\n"


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(_SIG_PREFIX):
        raise InvalidInput("a note signature line starts with an em dash and a space")
    name, space, encoded = line[len(_SIG_PREFIX) :].partition(" ")
    if not space or not _is_valid_name(name) or not encoded:
        raise InvalidInput("a note signature line is '— <key name> <base64 signature>'")
    raw = _b64decode(encoded, "a note signature")
    if len(raw) < 5:
        raise InvalidInput("a note signature is a 4-byte key ID and at least one byte")
    return NoteSignature(name, int.from_bytes(raw[:4], "big"), raw[4:])


def parse_note(
    note: bytes,
    *,
    max_signatures: int = DEFAULT_MAX_SIGNATURES,
    max_note_size: int = DEFAULT_MAX_NOTE_SIZE,
) -> tuple[bytes, tuple[NoteSignature, ...]]:
    """Split a signed note into its text and its signature lines, **without verifying** them.

    c2sp.org/signed-note, "Format": the text (ending in a newline) is separated from the signature
    lines by the last blank line; there is at least one signature line, each ending in a newline.
    Raises :class:`InvalidInput` for a malformed note, one larger than ``max_note_size`` bytes or
    one with more than ``max_signatures`` signature lines.
    """
    if not isinstance(note, bytes):
        raise InvalidInput("a signed note must be bytes")
    if len(note) > max_note_size:
        raise InvalidInput(f"the note is larger than {max_note_size} bytes")
    _check_text(note, "the note")
    split = note.rfind(b"\n\n")
    if split < 0:
        raise InvalidInput("the note has no blank line before its signatures")
    body, block = note[: split + 1], note[split + 2 :]
    if not block.endswith(b"\n"):
        raise InvalidInput("the note has no signature lines, or the last one is not terminated")
    lines = block[:-1].decode("utf-8").split("\n")
    if len(lines) > max_signatures:
        raise InvalidInput(f"the note has more than {max_signatures} signatures")
    return body, tuple(_parse_signature_line(line) for line in lines)


def _check_body(body: object) -> bytes:
    if not isinstance(body, bytes):
        raise InvalidInput("the note text must be bytes")
    _check_text(body, "the note text")
    if not body.endswith(b"\n"):
        raise InvalidInput("the note text must end with a newline")
    return body


def note_signature_line(body: bytes, name: str, key: Key) -> str:
    """The Ed25519 (type ``0x01``) signature line of ``name``'s ``key`` over the note text ``body``.

    c2sp.org/signed-note, "Ed25519 signatures": an RFC 8032 signature over the note text, which
    includes its final newline.
    """
    _check_body(body)
    _check_name(name)
    _check_ed25519(key, private=True)
    kid = key_id(name, SIG_TYPE_ED25519, key.public)
    return NoteSignature(name, kid, key.sign(body)).line()


def sign_note(body: bytes, name: str, key: Key) -> bytes:
    """A signed note: ``body``, a blank line, and ``name``'s Ed25519 signature line.

    c2sp.org/signed-note, "Format" and "Ed25519 signatures". Deterministic (RFC 8032), so a
    published example signed with a published key is reproduced byte for byte.
    """
    line = note_signature_line(body, name, key)
    return body + b"\n" + line.encode("utf-8")


def add_signature(note: bytes, signature_line: str) -> bytes:
    """Add a signature line (a note signature or a cosignature) to a signed note.

    A line with the same key name and key ID as one already in the note replaces it, as
    golang.org/x/mod/sumdb/note ``Sign`` does; other lines keep their order and the new one comes
    last. The line is checked for syntax only (:func:`open_note` verifies).
    """
    body, signatures = parse_note(note)
    if not isinstance(signature_line, str):
        raise InvalidInput("a signature line must be a str")
    new = _parse_signature_line(signature_line.removesuffix("\n"))
    kept = [s for s in signatures if (s.name, s.key_id) != (new.name, new.key_id)]
    return body + b"\n" + "".join(s.line() for s in [*kept, new]).encode("utf-8")


class _Verified(NamedTuple):
    verifier: _VerifierKey
    timestamp: int | None  # cosignatures only


def _cosigned_message(body: bytes, timestamp: int) -> bytes:
    """tlog-cosignature, "Ed25519 signed message": header, time line, then the checkpoint text."""
    return COSIGNATURE_V1_HEADER + b"time %d\n" % timestamp + body


def _split_cosignature(signature: bytes) -> tuple[int, bytes]:
    """The ``timestamped_signature`` struct: u64 big-endian timestamp, 64-byte Ed25519 signature."""
    if len(signature) != _COSIGNATURE_SIZE:
        raise InvalidProof("an Ed25519 cosignature is an 8-byte timestamp and a 64-byte signature")
    timestamp = int.from_bytes(signature[:8], "big")
    if timestamp > _MAX_TIMESTAMP:
        raise InvalidProof("a cosignature timestamp must not exceed 2^63 - 1")
    return timestamp, signature[8:]


def _verify_one(verifier: _VerifierKey, body: bytes, signature: bytes) -> _Verified:
    """Verify one signature by a known key; raise :class:`InvalidProof` if it does not verify."""
    if verifier.sig_type == SIG_TYPE_ED25519:
        verifier.key.verify(body, signature)
        return _Verified(verifier, None)
    timestamp, ed25519_signature = _split_cosignature(signature)
    verifier.key.verify(_cosigned_message(body, timestamp), ed25519_signature)
    return _Verified(verifier, timestamp)


def _verifier_map(verifiers: Iterable[_VerifierKey]) -> dict[tuple[str, int], _VerifierKey]:
    known: dict[tuple[str, int], _VerifierKey] = {}
    for verifier in verifiers:
        slot = (verifier.name, verifier.key_id)
        other = known.get(slot)
        if other is not None and not (
            other.sig_type == verifier.sig_type and other.key.same_public(verifier.key)
        ):
            # Two configured keys that a signature line cannot tell apart: a misconfiguration
            # (or a tampered trust list), diagnosed rather than resolved by guessing.
            raise InvalidInput(f"ambiguous verifier keys for {verifier.name}+{slot[1]:08x}")
        known[slot] = verifier
    return known


def _open(
    note: bytes,
    verifiers: Iterable[_VerifierKey],
    *,
    max_signatures: int,
    max_note_size: int,
) -> tuple[bytes, list[_Verified]]:
    """Parse ``note`` and verify every signature by a known key, in note order.

    signed-note, "Signatures": signatures by unknown keys (name and key ID not both matching a
    known key) are ignored; "If the key name and ID match a known key, verifiers MUST verify the
    signature"; one that fails rejects the whole note (the spec's SHOULD).
    """
    known = _verifier_map(verifiers)
    body, signatures = parse_note(note, max_signatures=max_signatures, max_note_size=max_note_size)
    verified: list[_Verified] = []
    for signature in signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            continue
        try:
            verified.append(_verify_one(verifier, body, signature.signature))
        except InvalidProof as exc:
            raise NoteVerificationError(
                f"invalid signature for key {signature.name}+{signature.key_id:08x}",
                key_name=signature.name,
                key_id=signature.key_id,
            ) from exc
    return body, verified


def open_note(
    note: bytes,
    verifiers: Iterable[str],
    *,
    max_signatures: int = DEFAULT_MAX_SIGNATURES,
    max_note_size: int = DEFAULT_MAX_NOTE_SIZE,
) -> tuple[bytes, list[str]]:
    """Verify a signed note against verifier key strings; return its text and the signers' names.

    c2sp.org/signed-note, "Signatures". ``verifiers`` are verifier key strings of type ``0x01``
    (note signatures) or ``0x04`` (cosignatures, verified over the cosigned message of
    tlog-cosignature). Signatures by unknown keys are ignored; every signature by a known key must
    verify; at least one must be present. The names of the keys whose signatures verified are
    returned once each, in the order they first appear in the note.

    Raises :class:`InvalidInput` for a malformed note or verifier key, and
    :class:`NoteVerificationError` when a known key's signature fails or none is present.
    """
    if isinstance(verifiers, str):
        raise InvalidInput("verifiers must be a list of verifier key strings, not one string")
    parsed = [_parse_vkey(v) for v in verifiers]
    body, verified = _open(note, parsed, max_signatures=max_signatures, max_note_size=max_note_size)
    if not verified:
        raise NoteVerificationError("the note has no signature by a known key")
    names: list[str] = []
    for item in verified:
        if item.verifier.name not in names:
            names.append(item.verifier.name)
    return body, names


# --------------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class Checkpoint:
    """A transparency-log checkpoint: the note text of c2sp.org/tlog-checkpoint, "Note text".

    ``origin`` identifies the log (non-empty; the spec only recommends a schema-less URL without
    spaces or '+', and clients "MUST NOT assume" it, so any line is accepted); ``size`` is the
    number of leaves; ``root`` the 32-byte RFC 6962 / RFC 9162 root hash at that size;
    ``extensions`` the optional extension lines, each non-empty.
    """

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin:
            raise InvalidInput("a checkpoint origin must be a non-empty str")
        if not isinstance(self.size, int) or isinstance(self.size, bool):
            raise InvalidInput("a checkpoint size must be an int")
        if not 0 <= self.size <= _MAX_TREE_SIZE:
            raise InvalidInput("a checkpoint size must be between 0 and 2^64 - 1")
        if not isinstance(self.root, bytes) or len(self.root) != 32:
            raise InvalidInput("a checkpoint root hash must be 32 bytes")
        if isinstance(self.extensions, str) or not isinstance(self.extensions, Iterable):
            raise InvalidInput("checkpoint extensions must be a sequence of lines")
        extensions = tuple(self.extensions)
        object.__setattr__(self, "extensions", extensions)
        for line in (self.origin, *extensions):
            if not isinstance(line, str) or not line or not _encodable(line):
                raise InvalidInput("checkpoint lines must be non-empty text")
            if any(char < " " for char in line):
                raise InvalidInput("checkpoint lines must not contain newlines or control chars")

    def body(self) -> bytes:
        """The note text: origin, decimal size, base64 root, extension lines, each with ``\\n``."""
        lines = [self.origin, str(self.size), _b64encode(self.root), *self.extensions]
        return ("\n".join(lines) + "\n").encode("utf-8")

    @classmethod
    def parse(cls, body: bytes) -> Checkpoint:
        """Parse a checkpoint's note text strictly (c2sp.org/tlog-checkpoint, "Note text").

        At least three non-empty lines, each ending in a newline; the size in ASCII decimal
        without leading zeroes (``0`` for the empty tree); the root hash in canonical padded
        base64 decoding to 32 bytes; extension lines non-empty. Raises :class:`InvalidInput`.
        """
        text = _check_text(_check_body(body), "the checkpoint")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise InvalidInput("a checkpoint has an origin, a size and a root hash line")
        origin, size, root, *extensions = lines
        if _DECIMAL_RE.fullmatch(size) is None:
            raise InvalidInput("a checkpoint size is a decimal number without leading zeroes")
        if int(size) > _MAX_TREE_SIZE:
            raise InvalidInput("a checkpoint size must not exceed 2^64 - 1")
        root_hash = _b64decode(root, "the checkpoint root hash")
        if len(root_hash) != 32:
            raise InvalidInput("a checkpoint root hash must be 32 bytes")
        if any(not line for line in extensions):
            raise InvalidInput("checkpoint extension lines must be non-empty")
        return cls(origin, int(size), root_hash, tuple(extensions))

    def sign(self, name: str, key: Key) -> bytes:
        """This checkpoint as a note signed by the log's Ed25519 ``key`` under ``name``.

        c2sp.org/tlog-checkpoint, "Signatures": the log's key name SHOULD match the origin.
        """
        return sign_note(self.body(), name, key)


def _checkpoint_body(checkpoint_note: bytes) -> bytes:
    """The checkpoint text of a signed note, or of a bare checkpoint text.

    A checkpoint text never contains a blank line (its extension lines are non-empty), and a
    signed note always does, so the two cannot be confused.
    """
    if not isinstance(checkpoint_note, bytes):
        raise InvalidInput("a checkpoint must be bytes")
    if b"\n\n" in checkpoint_note:
        body, _ = parse_note(checkpoint_note)
    else:
        body = checkpoint_note
    Checkpoint.parse(body)
    return body


def _check_timestamp(timestamp: object) -> int:
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        raise InvalidInput("a cosignature timestamp must be an int")
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise InvalidInput("a cosignature timestamp must be between 0 and 2^63 - 1")
    return timestamp


def cosign(checkpoint_note: bytes, witness_name: str, key: Key, timestamp: int) -> str:
    """A witness's timestamped Ed25519 cosignature line for a checkpoint (tlog-cosignature).

    ``checkpoint_note`` is the signed checkpoint (or its bare text). The line is
    ``— <witness_name> base64(key ID || u64 timestamp || signature)`` where the key ID uses type
    ``0x04`` and the signature covers ``cosignature/v1\\ntime <timestamp>\\n`` and the checkpoint
    text (tlog-cosignature, "Format" and "Ed25519 signed message"). The caller (the witness) must
    have verified the log's signature and the consistency with what it cosigned before: this
    function only signs. Deterministic for a given timestamp.
    """
    body = _checkpoint_body(checkpoint_note)
    _check_name(witness_name)
    _check_ed25519(key, private=True)
    _check_timestamp(timestamp)
    kid = key_id(witness_name, SIG_TYPE_COSIGNATURE_V1, key.public)
    signature = key.sign(_cosigned_message(body, timestamp))
    return NoteSignature(witness_name, kid, timestamp.to_bytes(8, "big") + signature).line()


def cosignature_timestamp(signature: NoteSignature) -> int:
    """The timestamp of an (unverified) Ed25519 cosignature line, in POSIX seconds.

    Reads the ``timestamped_signature`` struct of tlog-cosignature, "Format". Raises
    :class:`InvalidInput` when the signature is not 8 + 64 bytes or the time exceeds 2^63 - 1.
    """
    if not isinstance(signature, NoteSignature):
        raise InvalidInput("expected a NoteSignature")
    try:
        timestamp, _ = _split_cosignature(signature.signature)
    except InvalidProof as exc:
        raise InvalidInput(str(exc)) from exc
    return timestamp


def _witness_key(text: str) -> _VerifierKey:
    """A witness's verifier key, as a cosigner (type 0x04) key.

    A type ``0x01`` vkey of the witness's Ed25519 key is accepted too and converted (the key ID is
    recomputed with ``0x04``), as transparency-dev/formats ``VKeyToCosignatureV1`` does: witness
    configurations commonly list the witness's ordinary note key.
    """
    parsed = _parse_vkey(text)
    if parsed.sig_type == SIG_TYPE_COSIGNATURE_V1:
        return parsed
    kid = key_id(parsed.name, SIG_TYPE_COSIGNATURE_V1, parsed.key.public)
    return _VerifierKey(parsed.name, kid, SIG_TYPE_COSIGNATURE_V1, parsed.key)


def verify_cosignature(checkpoint_note: bytes, witness: str) -> int:
    """Verify ``witness``'s cosignature on a signed checkpoint; return its timestamp.

    ``witness`` is the witness's verifier key string (type ``0x04``, or ``0x01`` converted). The
    note's text must be a checkpoint. If the witness cosigned more than once, every cosignature
    must verify and the latest timestamp is returned. Raises :class:`NoteVerificationError` when
    there is no cosignature by that witness or one does not verify.
    """
    verifier = _witness_key(witness)
    body, verified = _open(
        checkpoint_note,
        [verifier],
        max_signatures=DEFAULT_MAX_SIGNATURES,
        max_note_size=DEFAULT_MAX_NOTE_SIZE,
    )
    Checkpoint.parse(body)
    timestamps = [v.timestamp for v in verified if v.timestamp is not None]
    if not timestamps:
        raise NoteVerificationError(f"no cosignature by witness {verifier.name}")
    return max(timestamps)


def verify_checkpoint(
    note: bytes,
    *,
    log_verifier: str,
    witnesses: Sequence[str] = (),
    quorum: int = 0,
    origin: str | None = None,
    now: int | None = None,
    max_cosignature_age: int | None = None,
    max_clock_skew: int = DEFAULT_MAX_CLOCK_SKEW,
    max_signatures: int = DEFAULT_MAX_SIGNATURES,
    max_note_size: int = DEFAULT_MAX_NOTE_SIZE,
) -> Checkpoint:
    """Verify a signed checkpoint against the log's key and a quorum of witnesses; return it.

    * ``log_verifier`` -- the log's verifier key string (type ``0x01``). The note must carry a
      valid signature by it (tlog-checkpoint, "Signatures").
    * ``origin`` -- the expected origin line; by default the log's key name (tlog-checkpoint: the
      key name "SHOULD match the origin line"). Pass it explicitly for logs whose origin differs
      (``go.sum database tree`` is signed by ``sum.golang.org``). Pinning the origin stops a key
      shared by two logs from passing one log's checkpoint off as the other's.
    * ``witnesses``, ``quorum`` -- witness verifier key strings and how many distinct witnesses
      must have cosigned (tlog-cosignature). Each witness counts once however many lines it has.
      Witnesses are identified by public key: the Ed25519 cosigned message does not commit to the
      witness's name, so one key listed under two names would let a single cosignature count
      twice; such a list is refused, as is a list that contains the log's own key.
    * ``now``, ``max_clock_skew``, ``max_cosignature_age`` -- a cosignature counts only if its
      timestamp is at most ``now + max_clock_skew`` (tlog-cosignature: verifiers "MAY reject
      cosignatures with timestamps in the future") and, when ``max_cosignature_age`` is set, at
      least ``now - max_cosignature_age``. ``now`` defaults to the current time.

    Every signature by a configured key must verify, or the note is refused (signed-note,
    "Signatures"). Raises :class:`InvalidInput` for a malformed note, checkpoint text or
    configuration, and :class:`CheckpointError` (``failure`` = ``log-signature``, ``origin``,
    ``witness-signature`` or ``witness-quorum``) when the policy fails.
    """
    log = _parse_vkey(log_verifier)
    if log.sig_type != SIG_TYPE_ED25519:
        raise InvalidInput("the log's verifier key must be an Ed25519 note key (type 0x01)")
    if isinstance(witnesses, str):
        raise InvalidInput("witnesses must be a list of verifier key strings, not one string")
    witness_keys = [_witness_key(w) for w in witnesses]
    _check_witness_config(log, witness_keys)
    if not isinstance(quorum, int) or isinstance(quorum, bool):
        raise InvalidInput("quorum must be an int")
    if not 0 <= quorum <= len(witness_keys):
        raise InvalidInput(f"quorum {quorum} is not between 0 and {len(witness_keys)} witnesses")
    expected_origin = log.name if origin is None else origin
    if not isinstance(expected_origin, str):
        raise InvalidInput("origin must be a str")
    if not _is_count(max_clock_skew):
        raise InvalidInput("max_clock_skew must be a non-negative int")
    if max_cosignature_age is not None and not _is_count(max_cosignature_age):
        raise InvalidInput("max_cosignature_age must be a non-negative int or None")
    current = int(time.time()) if now is None else now
    if not _is_count(current):
        raise InvalidInput("now must be a non-negative int (POSIX seconds)")

    try:
        body, verified = _open(
            note,
            [log, *witness_keys],
            max_signatures=max_signatures,
            max_note_size=max_note_size,
        )
    except NoteVerificationError as exc:
        failed_log = (exc.key_name, exc.key_id) == (log.name, log.key_id)
        raise CheckpointError(
            str(exc), failure="log-signature" if failed_log else "witness-signature"
        ) from exc
    checkpoint = Checkpoint.parse(body)

    if not any(v.verifier is log for v in verified):
        raise CheckpointError(
            f"the checkpoint has no signature by the log key {log.name}+{log.key_id:08x}",
            failure="log-signature",
        )
    if checkpoint.origin != expected_origin:
        raise CheckpointError(
            f"the checkpoint is for origin {checkpoint.origin!r}, not {expected_origin!r}",
            failure="origin",
        )

    accepted: set[bytes] = set()
    refused: list[str] = []
    for item in verified:
        if item.timestamp is None:
            continue
        if item.timestamp > current + max_clock_skew:
            refused.append(f"{item.verifier.name} (timestamp {item.timestamp} in the future)")
        elif max_cosignature_age is not None and item.timestamp < current - max_cosignature_age:
            refused.append(f"{item.verifier.name} (timestamp {item.timestamp} too old)")
        else:
            accepted.add(item.verifier.key.public)
    if len(accepted) < quorum:
        detail = f"; refused: {', '.join(refused)}" if refused else ""
        raise CheckpointError(
            f"{len(accepted)} of the {quorum} required witness cosignatures{detail}",
            failure="witness-quorum",
        )
    return checkpoint


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_witness_config(log: _VerifierKey, witnesses: list[_VerifierKey]) -> None:
    names: set[str] = set()
    publics: set[bytes] = {log.key.public}
    for witness in witnesses:
        if witness.name in names:
            raise InvalidInput(f"witness {witness.name} is listed twice")
        if witness.key.public in publics:
            # One key under two names would count one cosignature twice (the Ed25519 cosigned
            # message does not name the witness); the log's own key is no witness at all.
            raise InvalidInput(f"witness {witness.name} reuses a key already configured")
        names.add(witness.name)
        publics.add(witness.key.public)
