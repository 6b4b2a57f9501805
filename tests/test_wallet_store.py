"""The wallet's encrypted store: what it keeps, what reaches the disk, and every way it refuses.

Covers ``specs/wallet.md``: create/open round trips, wrong passphrases and altered files as typed
errors, no plaintext on disk, holder keys and pairwise DIDs, credential verification on receipt
(every format, the W3C published credentials, tampered ones refused), and backup/restore.
Every wallet but one is made with ``unsafe_fast_kdf=True``; the one test of the default cost
checks that real wallets get Argon2id "moderate".
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import os
import sqlite3
import stat
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import nacl.pwhash.argon2id as argon2id
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vc_service
from vc_service import Key, add_proof, issue_sd_jwt_vc, issue_vc_jwt, present_sd_jwt
from vc_service._multibase import b64url_decode, b64url_encode
from wallet_sdk import (
    CorruptBackup,
    CorruptRecord,
    CorruptWallet,
    InvalidInput,
    NotFound,
    StoreError,
    Wallet,
    WalletExists,
    WalletNotFound,
    WrongPassphrase,
)

VECTORS = Path(__file__).parent / "vectors"
PASSPHRASE = "correct horse battery staple"
ISSUER_ED = Key.generate("ed25519")
ISSUER_P256 = Key.generate("p256")
ISSUER_BLS = Key.generate("bls12381g2")
#: A claim value that must never appear on disk in the clear.
SECRET_NAME = "Zebulon-Quixote-4711"
RELYING_PARTY = "https://bank.example.gov/rp/secret-lender-name"
VCT = "https://credentials.example.gov/identity"


def _vm(key: Key) -> str:
    return f"{key.did_key()}#{key.multikey()}"


def _vcdm(issuer: Key, *, subject: str = "did:example:citizen", **extra: Any) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "ExampleIdentityCredential"],
        "issuer": issuer.did_key(),
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": subject, "givenName": SECRET_NAME, "familyName": "Eriksson"},
        **extra,
    }


def issue(fmt: str, holder: Key | None = None, **extra: Any) -> str | dict[str, Any]:
    """A freshly issued credential of ``fmt`` (a format or a Data Integrity cryptosuite)."""
    if fmt == "dc+sd-jwt":
        return issue_sd_jwt_vc(
            {"given_name": SECRET_NAME, "family_name": "Eriksson", "birthdate": "1974-08-12"},
            ISSUER_ED,
            issuer=ISSUER_ED.did_key(),
            vct=VCT,
            kid=_vm(ISSUER_ED),
            disclose=["/given_name", "/family_name", "/birthdate"],
            holder_key=holder,
            **extra,
        )
    subject = holder.did_key() if holder is not None else "did:example:citizen"
    if fmt == "vc+jwt":
        return issue_vc_jwt(
            _vcdm(ISSUER_P256, subject=subject, **extra), ISSUER_P256, kid=_vm(ISSUER_P256)
        )
    key = ISSUER_BLS if fmt == "bbs-2023" else ISSUER_ED
    options: dict[str, Any] = {"mandatory_pointers": ["/issuer"]} if fmt == "bbs-2023" else {}
    return add_proof(
        _vcdm(key, subject=subject, **extra),
        key,
        cryptosuite=fmt,
        verification_method=_vm(key),
        **options,
    )


FORMAT_CASES = {
    # case id: (how to issue, stored format, cryptosuite, issuer key)
    "dc+sd-jwt": ("dc+sd-jwt", "dc+sd-jwt", None, ISSUER_ED),
    "vc+jwt": ("vc+jwt", "vc+jwt", None, ISSUER_P256),
    "eddsa-rdfc-2022": ("eddsa-rdfc-2022", "ldp_vc", "eddsa-rdfc-2022", ISSUER_ED),
    "eddsa-jcs-2022": ("eddsa-jcs-2022", "ldp_vc", "eddsa-jcs-2022", ISSUER_ED),
    "bbs-2023": ("bbs-2023", "ldp_vc", "bbs-2023", ISSUER_BLS),
}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A wallet home directory that does not exist yet."""
    return tmp_path / "wallet-home"


@pytest.fixture
def wallet(home: Path) -> Iterator[Wallet]:
    """A new, empty wallet (cheap KDF)."""
    with Wallet.create(home, PASSPHRASE, unsafe_fast_kdf=True) as opened:
        yield opened


def _disk_bytes(home: Path) -> bytes:
    """Every byte of every file in ``home`` (the database, its WAL and shared memory)."""
    return b"".join(p.read_bytes() for p in sorted(home.iterdir()) if p.is_file())


@contextlib.contextmanager
def _db(home: Path) -> Iterator[sqlite3.Connection]:
    """A raw SQLite connection to the wallet file, as an attacker with the file has."""
    connection = sqlite3.connect(home / "wallet.db", isolation_level=None)
    try:
        yield connection
    finally:
        connection.close()


# ============================================================================== life cycle


def test_create_then_open_gives_back_every_record(home: Path) -> None:
    """A wallet closed and opened again with its passphrase holds the same keys and credentials."""
    with Wallet.create(home, PASSPHRASE, unsafe_fast_kdf=True) as wallet:
        holder = wallet.holder_key()
        credential_id = wallet.add_credential(issue("dc+sd-jwt", holder))
        did, _ = wallet.pairwise_did(RELYING_PARTY)
        listed = wallet.list()
        stored = wallet.get(credential_id)
    with Wallet.open(home, PASSPHRASE) as reopened:
        assert reopened.list() == listed
        assert reopened.get(credential_id) == stored
        assert reopened.key(holder).private_bytes() == holder.private_bytes()
        assert reopened.pairwise_did(RELYING_PARTY)[0] == did


def test_default_key_derivation_is_argon2id_moderate(home: Path) -> None:
    """Without ``unsafe_fast_kdf`` the header records libsodium's "moderate" Argon2id cost."""
    Wallet.create(home, PASSPHRASE).close()
    with _db(home) as db:
        kdf, ops, mem, salt = db.execute(
            "SELECT kdf, opslimit, memlimit, salt FROM header"
        ).fetchone()
    assert (kdf, ops, mem) == ("argon2id13", argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE)
    assert len(salt) == 16


def test_unsafe_fast_kdf_applies_to_that_wallet_only(tmp_path: Path) -> None:
    """The cheap KDF is a per-call choice recorded in that wallet's header, not a mode."""
    Wallet.create(tmp_path / "a", PASSPHRASE, unsafe_fast_kdf=True).close()
    with _db(tmp_path / "a") as db:
        assert db.execute("SELECT opslimit, memlimit FROM header").fetchone() == (
            argon2id.OPSLIMIT_MIN,
            argon2id.MEMLIMIT_MIN,
        )


def test_wrong_passphrase_is_a_typed_error_and_harms_nothing(home: Path, wallet: Wallet) -> None:
    """A wrong passphrase raises WrongPassphrase, never an empty wallet; the right one still works."""
    wallet.add_credential(issue("dc+sd-jwt"))
    with pytest.raises(WrongPassphrase):
        Wallet.open(home, "correct horse battery stapler")
    with Wallet.open(home, PASSPHRASE) as reopened:
        assert len(reopened.list()) == 1


def test_passphrase_is_unicode_normalised(home: Path) -> None:
    """A passphrase typed composed (NFC) or decomposed (NFD) opens the same wallet."""
    composed = "kärleksbrev på älvåsen"
    Wallet.create(home, composed, unsafe_fast_kdf=True).close()
    Wallet.open(home, unicodedata.normalize("NFD", composed)).close()


@pytest.mark.parametrize("passphrase", ["", b"bytes"], ids=["empty", "bytes"])
def test_unusable_passphrase_is_invalid_input(home: Path, passphrase: Any) -> None:
    """An empty or non-text passphrase is refused before anything is created."""
    with pytest.raises(InvalidInput):
        Wallet.create(home, passphrase, unsafe_fast_kdf=True)
    assert not home.exists()


def test_open_without_wallet_is_wallet_not_found(home: Path) -> None:
    """Opening an empty directory does not create a wallet there."""
    with pytest.raises(WalletNotFound):
        Wallet.open(home, PASSPHRASE)
    assert not Wallet.exists(home)


def test_create_refuses_an_existing_wallet(home: Path, wallet: Wallet) -> None:
    """A second create never replaces the first wallet."""
    credential_id = wallet.add_credential(issue("dc+sd-jwt"))
    with pytest.raises(WalletExists):
        Wallet.create(home, "another passphrase", unsafe_fast_kdf=True)
    with Wallet.open(home, PASSPHRASE) as reopened:
        assert [i.id for i in reopened.list()] == [credential_id]


def test_files_are_private_to_the_user(home: Path, wallet: Wallet) -> None:
    """The home directory is 0700 and the wallet file 0600."""
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "wallet.db").stat().st_mode) == 0o600
    assert sorted(p.name for p in home.iterdir() if p.name.endswith(".tmp")) == []


def test_closed_wallet_refuses_work(wallet: Wallet) -> None:
    """After close() the data key is gone from the wallet object's store."""
    wallet.close()
    with pytest.raises(StoreError):
        wallet.list()


# ============================================================================== altered files


def test_file_that_is_not_a_wallet_is_corrupt_wallet(home: Path) -> None:
    """Random bytes, or another application's SQLite file, are refused as CorruptWallet."""
    home.mkdir()
    (home / "wallet.db").write_bytes(os.urandom(4096))
    with pytest.raises(CorruptWallet):
        Wallet.open(home, PASSPHRASE)
    (home / "wallet.db").unlink()
    with contextlib.closing(sqlite3.connect(home / "wallet.db")) as other:
        other.execute("CREATE TABLE notes (text TEXT)")
        other.commit()
    with pytest.raises(CorruptWallet, match="not a Chancery wallet"):
        Wallet.open(home, PASSPHRASE)


@pytest.mark.parametrize(
    ("column", "value", "match"),
    [
        ("format", 2, "format 2 is not supported"),
        ("kdf", "scrypt", "unknown key derivation"),
        ("memlimit", 1 << 40, "memlimit"),
        ("opslimit", 0, "opslimit"),
    ],
    ids=["newer-format", "unknown-kdf", "memlimit-too-large", "opslimit-too-small"],
)
def test_altered_header_is_refused_before_key_derivation(
    home: Path, wallet: Wallet, column: str, value: object, match: str
) -> None:
    """A header from a newer version, or with cost parameters out of range, is CorruptWallet.

    A forged memlimit must not make the wallet allocate a terabyte before failing.
    """
    wallet.close()
    with _db(home) as db:
        db.execute(f"UPDATE header SET {column} = ?", (value,))  # noqa: S608 - test-chosen names
    with pytest.raises(CorruptWallet, match=match):
        Wallet.open(home, PASSPHRASE)


def test_altered_sealed_data_key_is_corrupt_wallet_not_wrong_passphrase(
    home: Path, wallet: Wallet
) -> None:
    """The key check passes with the right passphrase, so a broken data key is named as such."""
    wallet.close()
    with _db(home) as db:
        (sealed,) = db.execute("SELECT sealed_data_key FROM header").fetchone()
        flipped = bytes([sealed[0], *sealed[1:-1], sealed[-1] ^ 1])
        db.execute("UPDATE header SET sealed_data_key = ?", (flipped,))
    with pytest.raises(CorruptWallet) as raised:
        Wallet.open(home, PASSPHRASE)
    assert not isinstance(raised.value, WrongPassphrase)
    assert raised.value.record == "header"


@pytest.mark.parametrize("column", ["meta", "body"])
def test_altered_record_is_corrupt_record_naming_it(
    home: Path, wallet: Wallet, column: str
) -> None:
    """One altered record raises CorruptRecord with its id; deleting it heals the wallet."""
    keep = wallet.add_credential(issue("dc+sd-jwt"))
    broken = wallet.add_credential(issue("vc+jwt"))
    with _db(home) as db:
        (blob,) = db.execute(
            f"SELECT {column} FROM records WHERE id = ?",  # noqa: S608 - test-chosen column
            (broken,),
        ).fetchone()
        altered = blob[:30] + bytes([blob[30] ^ 0x40]) + blob[31:]
        db.execute(
            f"UPDATE records SET {column} = ? WHERE id = ?",  # noqa: S608
            (altered, broken),
        )
    with pytest.raises(CorruptRecord) as raised:
        wallet.get(broken) if column == "body" else wallet.list()
    assert raised.value.record == broken
    assert broken in str(raised.value)
    assert wallet.get(keep).id == keep
    wallet.delete(broken)
    assert [info.id for info in wallet.list()] == [keep]


def test_sealed_blob_copied_onto_another_record_is_detected(home: Path, wallet: Wallet) -> None:
    """A valid sealed blob moved to another row authenticates but is refused as not this row's.

    crypto_secretbox has no associated data; the record id sealed inside stands in for it.
    """
    first = wallet.add_credential(issue("dc+sd-jwt"))
    second = wallet.add_credential(issue("vc+jwt"))
    with _db(home) as db:
        db.execute(
            "UPDATE records SET body = (SELECT body FROM records WHERE id = ?) WHERE id = ?",
            (first, second),
        )
    with pytest.raises(CorruptRecord, match="belongs to another record") as raised:
        wallet.get(second)
    assert raised.value.record == second


_HOMES = itertools.count()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_no_single_byte_change_to_a_record_goes_unnoticed(
    tmp_path: Path, data: st.DataObject
) -> None:
    """Flipping any bit of a sealed record never yields a readable, different record."""
    home = tmp_path / f"w{next(_HOMES)}"
    with Wallet.create(home, PASSPHRASE, unsafe_fast_kdf=True) as wallet:
        credential_id = wallet.add_credential(issue("dc+sd-jwt"), verify=False)
        with _db(home) as db:
            (blob,) = db.execute(
                "SELECT body FROM records WHERE id = ?", (credential_id,)
            ).fetchone()
            position = data.draw(st.integers(0, 1 << 16)) % len(blob)
            bit = data.draw(st.integers(0, 7))
            altered = blob[:position] + bytes([blob[position] ^ (1 << bit)]) + blob[position + 1 :]
            db.execute("UPDATE records SET body = ? WHERE id = ?", (altered, credential_id))
        with pytest.raises(CorruptRecord):
            wallet.get(credential_id)


# ============================================================================== nothing in the clear


def test_disk_holds_no_plaintext_secret(home: Path, wallet: Wallet) -> None:
    """Claim values, private keys, the data key and relying parties never reach the disk.

    Checked while the wallet is open (the WAL holds the latest writes) and after it is closed.
    """
    holder = wallet.holder_key("p256")
    token = issue("dc+sd-jwt", holder)
    wallet.add_credential(token)
    wallet.add_credential(issue("eddsa-rdfc-2022"))
    _, pairwise = wallet.pairwise_did(RELYING_PARTY)
    secrets_in_memory = [
        SECRET_NAME.encode(),
        holder.private_bytes(),
        b64url_encode(holder.private_bytes()).encode(),
        pairwise.private_bytes(),
        b64url_encode(pairwise.private_bytes()).encode(),
        pairwise.did_key().encode(),
        RELYING_PARTY.encode(),
        b"secret-lender-name",
        token.split("~")[1].encode(),  # a Disclosure
        token.split(".")[1][:40].encode(),  # the start of the issuer-signed payload
        ISSUER_ED.did_key().encode(),
        VCT.encode(),
        wallet._store._data_key,
    ]
    for moment in ("open", "closed"):
        if moment == "closed":
            wallet.close()
        on_disk = _disk_bytes(home)
        assert len(on_disk) > 0
        for secret in secrets_in_memory:
            assert secret not in on_disk, (moment, secret[:16])


def test_a_deleted_credential_leaves_no_ciphertext_behind(home: Path, wallet: Wallet) -> None:
    """secure_delete: the sealed bytes of a deleted credential are overwritten in the file."""
    credential_id = wallet.add_credential(issue("dc+sd-jwt"))
    with _db(home) as db:
        (blob,) = db.execute("SELECT body FROM records WHERE id = ?", (credential_id,)).fetchone()
    wallet.delete(credential_id)
    wallet.close()  # checkpoints the WAL into the database file
    assert blob[24:56] not in _disk_bytes(home)


# ============================================================================== keys and DIDs


@pytest.mark.parametrize("kind", ["ed25519", "p256"])
def test_holder_key_is_stored_and_found_by_any_public_form(wallet: Wallet, kind: Any) -> None:
    """A holder key comes back from its Key, public JWK, did:key, DID URL or Multikey."""
    key = wallet.holder_key(kind)
    assert key.type == kind and key.has_private
    for public in (
        key.public_key(),
        key.public_jwk(),
        key.did_key(),
        _vm(key),
        key.multikey(),
    ):
        assert wallet.key(public).private_bytes() == key.private_bytes()


def test_each_holder_key_is_new(wallet: Wallet) -> None:
    """Two calls give two keys: credentials do not share a holder key."""
    assert not wallet.holder_key().same_public(wallet.holder_key())


def test_unknown_key_is_not_found_and_bad_kind_is_invalid(wallet: Wallet) -> None:
    """A key the wallet never made is NotFound; a BBS or unknown key type is InvalidInput."""
    with pytest.raises(NotFound):
        wallet.key(Key.generate("ed25519").public_jwk())
    with pytest.raises(InvalidInput):
        wallet.holder_key("bls12381g2")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        wallet.key("not a key")


def test_pairwise_dids_differ_per_relying_party_and_are_stable(home: Path, wallet: Wallet) -> None:
    """Each relying party sees its own DID, the same one every time, also after reopening."""
    bank, bank_key = wallet.pairwise_did("https://bank.example")
    employer, _ = wallet.pairwise_did("https://employer.example")
    assert bank != employer
    assert bank.startswith("did:key:z6Mk")
    again, again_key = wallet.pairwise_did("https://bank.example")
    assert again == bank and again_key.private_bytes() == bank_key.private_bytes()
    assert wallet.key(bank).private_bytes() == bank_key.private_bytes()
    p256, _ = wallet.pairwise_did("https://bank.example", kind="p256")
    assert p256.startswith("did:key:zDn") and p256 != bank
    wallet.close()
    with Wallet.open(home, PASSPHRASE) as reopened:
        assert reopened.pairwise_did("https://bank.example")[0] == bank
        assert reopened.pairwise_did("https://employer.example")[0] == employer


def test_pairwise_relying_party_must_be_named(wallet: Wallet) -> None:
    """An empty relying party would put every verifier on one DID: refused."""
    with pytest.raises(InvalidInput):
        wallet.pairwise_did("  ")


# ============================================================================== credentials


@pytest.mark.parametrize("case", FORMAT_CASES, ids=FORMAT_CASES)
def test_every_format_is_verified_and_stored(wallet: Wallet, case: str) -> None:
    """Each format is detected, verified and listed with its type, issuer and holder binding."""
    how, fmt, suite, issuer = FORMAT_CASES[case]
    holder = wallet.holder_key()
    credential = issue(how, holder)
    credential_id = wallet.add_credential(credential)
    (info,) = wallet.list()
    assert info.id == credential_id
    assert (info.format, info.cryptosuite, info.issuer) == (fmt, suite, issuer.did_key())
    assert info.verified is True
    assert info.holder == holder.did_key()
    assert wallet.key(info.holder).private_bytes() == holder.private_bytes()
    expected_types = (
        (VCT,) if fmt == "dc+sd-jwt" else ("VerifiableCredential", "ExampleIdentityCredential")
    )
    assert info.types == expected_types
    stored = wallet.get(credential_id)
    assert stored.credential == (credential.strip() if isinstance(credential, str) else credential)
    assert SECRET_NAME in json.dumps(stored.claims)


def _tamper(case: str, credential: str | dict[str, Any]) -> str | dict[str, Any]:
    if isinstance(credential, dict):
        changed = copy.deepcopy(credential)
        changed["credentialSubject"]["familyName"] = "Andersson"
        return changed
    if case == "dc+sd-jwt":
        jwt, *rest = credential.split("~")
        header, payload, signature = jwt.split(".")
        signature = ("B" if signature[0] == "A" else "A") + signature[1:]
        return "~".join([f"{header}.{payload}.{signature}", *rest])
    header, payload, signature = credential.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["credentialSubject"]["familyName"] = "Andersson"
    return ".".join([header, b64url_encode(json.dumps(claims).encode()), signature])


@pytest.mark.parametrize("case", FORMAT_CASES, ids=FORMAT_CASES)
def test_credential_whose_proof_fails_is_refused_and_not_stored(wallet: Wallet, case: str) -> None:
    """A changed claim or signature raises vc_service.InvalidProof; nothing is stored."""
    how = FORMAT_CASES[case][0]
    with pytest.raises(vc_service.InvalidProof):
        wallet.add_credential(_tamper(case, issue(how)))
    assert wallet.list() == []


def test_forged_disclosure_is_refused(wallet: Wallet) -> None:
    """An SD-JWT with a Disclosure the issuer never signed is refused."""
    token = issue("dc+sd-jwt")
    forged = b64url_encode(json.dumps(["c2FsdA", "given_name", "Mallory"]).encode())
    with pytest.raises(vc_service.InvalidProof):
        wallet.add_credential(token.rstrip("~") + f"~{forged}~")
    assert wallet.list() == []


def test_expired_credential_is_refused_unless_stored_unverified(wallet: Wallet) -> None:
    """Expired raises vc_service.Expired; verify=False stores it, marked unverified."""
    expired = issue("eddsa-jcs-2022", validUntil="2025-06-01T00:00:00Z")
    with pytest.raises(vc_service.Expired):
        wallet.add_credential(expired)
    credential_id = wallet.add_credential(expired, verify=False)
    info = wallet.get(credential_id)
    assert info.verified is False
    assert info.valid_until == datetime(2025, 6, 1, tzinfo=UTC)


def test_unverified_sd_jwt_still_has_its_claims(wallet: Wallet) -> None:
    """verify=False parses the SD-JWT and applies its Disclosures (for later matching)."""
    credential_id = wallet.add_credential(issue("dc+sd-jwt"), verify=False)
    stored = wallet.get(credential_id)
    assert stored.claims is not None and stored.claims["given_name"] == SECRET_NAME
    assert (stored.format, stored.issuer, stored.verified) == (
        "dc+sd-jwt",
        ISSUER_ED.did_key(),
        False,
    )


def test_presentation_is_not_stored_as_a_credential(wallet: Wallet) -> None:
    """An SD-JWT+KB was made for one verifier: the wallet keeps issued SD-JWTs only."""
    holder = wallet.holder_key()
    presented = present_sd_jwt(
        str(issue("dc+sd-jwt", holder)),
        reveal=["/given_name"],
        holder_key=holder,
        nonce="n-1",
        audience="https://verifier.example",
    )
    with pytest.raises(InvalidInput, match="presentation"):
        wallet.add_credential(presented)
    with pytest.raises(InvalidInput, match="presentation"):
        wallet.add_credential(presented, verify=False)


@pytest.mark.parametrize(
    ("credential", "fmt", "match"),
    [
        ("", None, "empty"),
        ("{not json", None, "not valid JSON"),
        ("[1, 2]", None, "must be an object"),
        ({"type": ["VerifiableCredential"]}, None, "no proof"),
        ("a.b", None, "not a compact JWS"),
        ("eyJ0eXAiOiJ2cCtqd3QifQ.e30.sig", None, "unsupported JWT type"),
        (b"\xff\xfe", None, "not UTF-8"),
        ("x~", "ldp_vc", "is dc\\+sd-jwt, not ldp_vc"),
        ("x~", "mso_mdoc", "unknown format"),
        (42, None, "a credential is"),
    ],
    ids=[
        "empty",
        "bad-json",
        "json-array",
        "no-proof",
        "not-jws",
        "vp-jwt",
        "not-utf8",
        "format-mismatch",
        "unknown-format",
        "not-a-credential",
    ],
)
def test_unreadable_input_is_invalid_input(
    wallet: Wallet, credential: Any, fmt: str | None, match: str
) -> None:
    """Input that is no credential in a known format is wallet_sdk.InvalidInput, not stored."""
    with pytest.raises(InvalidInput, match=match):
        wallet.add_credential(credential, format=fmt)
    assert wallet.list() == []


def test_matching_format_and_legacy_alias_are_accepted(wallet: Wallet) -> None:
    """``format`` may name the detected format, or the pre-draft-06 vc+sd-jwt media type."""
    wallet.add_credential(issue("dc+sd-jwt"), format="vc+sd-jwt")
    wallet.add_credential(issue("eddsa-jcs-2022"), format="ldp_vc")
    assert [i.format for i in wallet.list()] == ["dc+sd-jwt", "ldp_vc"]


def test_get_and_delete_of_unknown_id_are_not_found(wallet: Wallet) -> None:
    """get/delete of an id the wallet does not hold raise NotFound; delete really deletes."""
    credential_id = wallet.add_credential(issue("vc+jwt"))
    wallet.delete(credential_id)
    for call in (wallet.get, wallet.delete):
        with pytest.raises(NotFound):
            call(credential_id)
    assert wallet.list() == []


# ----------------------------------------------------------------------------- W3C vectors

W3C_ACCEPTED = {
    "addSignedSDBase.json": "w3c-vc-di-bbs/TestVectors/addSignedSDBase.json",
    "signedDataInt.json": "w3c-vc-di-eddsa/TestVectors/eddsa-rdfc-2022/signedDataInt.json",
    "signedJCS.json": "w3c-vc-di-eddsa/TestVectors/eddsa-jcs-2022/signedJCS.json",
    "signedProofSet2.json": "w3c-vc-di-eddsa/TestVectors/proof-set-chain/signedProofSet2.json",
}


@cache
def _w3c(path: str) -> str:
    return (VECTORS / path).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", W3C_ACCEPTED, ids=W3C_ACCEPTED)
def test_w3c_published_credentials_are_accepted(wallet: Wallet, name: str) -> None:
    """The W3C test-suite credentials (bbs-2023 base proof, eddsa) verify on receipt."""
    credential_id = wallet.add_credential(_w3c(W3C_ACCEPTED[name]))
    info = wallet.get(credential_id)
    assert info.format == "ldp_vc" and info.verified
    assert info.credential == json.loads(_w3c(W3C_ACCEPTED[name]))


@pytest.mark.parametrize("name", W3C_ACCEPTED, ids=W3C_ACCEPTED)
def test_w3c_published_credentials_tampered_are_refused(wallet: Wallet, name: str) -> None:
    """Any change to a claim of a published credential fails its proof."""
    document = json.loads(_w3c(W3C_ACCEPTED[name]))
    subject = document["credentialSubject"]
    first = sorted(k for k in subject if k != "id" and isinstance(subject[k], str))[0]
    subject[first] = subject[first] + "x"
    with pytest.raises(vc_service.InvalidProof):
        wallet.add_credential(document)
    assert wallet.list() == []


def test_w3c_prc_base_proof_is_refused_its_key_is_not_the_issuers(wallet: Wallet) -> None:
    """prc/addSignedSDBase.json names a P-256 issuer DID but is signed by another did:key.

    Its base proof is mathematically valid, but the issuer does not control the signing key
    (see the vector README's discrepancies): a holder must not accept it as that issuer's.
    """
    document = _w3c("w3c-vc-di-bbs/TestVectors/prc/addSignedSDBase.json")
    with pytest.raises(vc_service.InvalidProof, match="not controlled by the issuer"):
        wallet.add_credential(document, now=datetime(2025, 6, 1, tzinfo=UTC))


def test_bbs_base_proof_with_wrong_purpose_or_future_date_is_refused(wallet: Wallet) -> None:
    """The generic Data Integrity checks apply to base proofs too (purpose, created)."""
    document = issue("bbs-2023")
    assert isinstance(document, dict)
    wrong_purpose = copy.deepcopy(document)
    wrong_purpose["proof"]["proofPurpose"] = "authentication"
    with pytest.raises(vc_service.InvalidProof, match="purpose"):
        wallet.add_credential(wrong_purpose)
    with pytest.raises(vc_service.NotYetValid):
        wallet.add_credential(document, now=datetime(2020, 1, 1, tzinfo=UTC))


# ============================================================================== backup and restore


def _fill(wallet: Wallet) -> dict[str, Any]:
    """Put one credential of every format, keys and pairwise DIDs in ``wallet``; what to expect."""
    holder = wallet.holder_key("p256")
    for case in FORMAT_CASES:
        wallet.add_credential(issue(FORMAT_CASES[case][0], wallet.holder_key()))
    wallet.add_credential(issue("dc+sd-jwt", holder))
    return {
        "holder": holder,
        "pairwise": {
            rp: wallet.pairwise_did(rp)[0] for rp in ("https://a.example", "https://b.example")
        },
        "list": wallet.list(),
        "get": {info.id: wallet.get(info.id) for info in wallet.list()},
    }


def test_backup_restores_everything_on_a_new_device(tmp_path: Path, wallet: Wallet) -> None:
    """A backup restored into a fresh home gives identical list/get, keys and pairwise DIDs.

    The backup has its own passphrase, which becomes the restored wallet's.
    """
    expected = _fill(wallet)
    backup = tmp_path / "wallet.backup"
    wallet.backup(backup, "backup passphrase", unsafe_fast_kdf=True)
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    new_home = tmp_path / "new-device"
    with Wallet.restore(backup, "backup passphrase", new_home, unsafe_fast_kdf=True) as restored:
        assert restored.list() == expected["list"]
        assert {i.id: restored.get(i.id) for i in restored.list()} == expected["get"]
        assert (
            restored.key(expected["holder"]).private_bytes() == expected["holder"].private_bytes()
        )
        for rp, did in expected["pairwise"].items():
            assert restored.pairwise_did(rp)[0] == did
    with pytest.raises(WrongPassphrase):
        Wallet.open(new_home, PASSPHRASE)
    Wallet.open(new_home, "backup passphrase").close()


def test_restored_wallet_has_a_fresh_data_key_and_salt(
    tmp_path: Path, home: Path, wallet: Wallet
) -> None:
    """The new device does not share key material with the old file: stealing one opens neither."""
    _fill(wallet)
    wallet.backup(tmp_path / "b", PASSPHRASE, unsafe_fast_kdf=True)
    Wallet.restore(tmp_path / "b", PASSPHRASE, tmp_path / "new", unsafe_fast_kdf=True).close()
    query = "SELECT salt, sealed_data_key FROM header"
    with _db(home) as old, _db(tmp_path / "new") as new:
        assert old.execute(query).fetchone() != new.execute(query).fetchone()
        old_ids = {r[0] for r in old.execute("SELECT id FROM records WHERE kind != 'credential'")}
        new_ids = {r[0] for r in new.execute("SELECT id FROM records WHERE kind != 'credential'")}
    assert old_ids.isdisjoint(new_ids)  # key and pairwise indexes are keyed by the data key


def test_backup_file_holds_no_plaintext(tmp_path: Path, wallet: Wallet) -> None:
    """The backup is one sealed archive: no claim, key or relying party in the clear."""
    expected = _fill(wallet)
    wallet.backup(tmp_path / "b", PASSPHRASE, unsafe_fast_kdf=True)
    data = (tmp_path / "b").read_bytes()
    assert data.startswith(b"CHANCERY WALLET BACKUP\n")
    for secret in (
        SECRET_NAME.encode(),
        b"https://a.example",
        expected["holder"].private_bytes(),
        b64url_encode(expected["holder"].private_bytes()).encode(),
    ):
        assert secret not in data


def test_backup_does_not_overwrite_unless_asked(tmp_path: Path, wallet: Wallet) -> None:
    """An existing file is kept; overwrite=True replaces it."""
    target = tmp_path / "b"
    target.write_bytes(b"precious")
    with pytest.raises(InvalidInput, match="exists"):
        wallet.backup(target, PASSPHRASE, unsafe_fast_kdf=True)
    assert target.read_bytes() == b"precious"
    wallet.backup(target, PASSPHRASE, overwrite=True, unsafe_fast_kdf=True)
    assert target.read_bytes().startswith(b"CHANCERY WALLET BACKUP\n")


def test_restore_refuses_an_existing_wallet_unless_asked(
    tmp_path: Path, home: Path, wallet: Wallet
) -> None:
    """Restoring over a wallet raises WalletExists and keeps it; overwrite=True replaces it."""
    wallet.add_credential(issue("vc+jwt"))
    wallet.backup(tmp_path / "b", PASSPHRASE, unsafe_fast_kdf=True)
    kept = wallet.add_credential(issue("dc+sd-jwt"))
    wallet.close()
    with pytest.raises(WalletExists):
        Wallet.restore(tmp_path / "b", PASSPHRASE, home, unsafe_fast_kdf=True)
    with Wallet.open(home, PASSPHRASE) as unchanged:
        assert kept in [i.id for i in unchanged.list()]
    with Wallet.restore(
        tmp_path / "b", PASSPHRASE, home, overwrite=True, unsafe_fast_kdf=True
    ) as replaced:
        assert kept not in [i.id for i in replaced.list()] and len(replaced.list()) == 1
    assert sorted(p.name for p in home.iterdir() if p.name.endswith(".tmp")) == []


def test_restore_with_wrong_passphrase_creates_nothing(tmp_path: Path, wallet: Wallet) -> None:
    """WrongPassphrase, and no wallet appears in the target home."""
    wallet.backup(tmp_path / "b", PASSPHRASE, unsafe_fast_kdf=True)
    with pytest.raises(WrongPassphrase):
        Wallet.restore(tmp_path / "b", "not it", tmp_path / "new", unsafe_fast_kdf=True)
    assert not Wallet.exists(tmp_path / "new")


@cache
def _backup_bytes(tmp: str) -> bytes:
    home = Path(tmp) / "source"
    with Wallet.create(home, PASSPHRASE, unsafe_fast_kdf=True) as wallet:
        wallet.add_credential(issue("dc+sd-jwt"))
        wallet.pairwise_did(RELYING_PARTY)
        wallet.backup(Path(tmp) / "original", PASSPHRASE, unsafe_fast_kdf=True)
    return (Path(tmp) / "original").read_bytes()


HEADER_END = len(b"CHANCERY WALLET BACKUP\n") + 2 + 1 + 4 + 8 + 16
TAMPERINGS: dict[str, tuple[Callable[[bytes], bytes], type[Exception]]] = {
    "magic": (lambda b: b"X" + b[1:], CorruptBackup),
    "version": (lambda b: b[:23] + b"\x00\x02" + b[25:], CorruptBackup),
    "kdf-id": (lambda b: b[:25] + b"\x07" + b[26:], CorruptBackup),
    "memlimit-huge": (lambda b: b[:30] + (1 << 50).to_bytes(8, "big") + b[38:], CorruptBackup),
    "archive-byte": (lambda b: b[:-20] + bytes([b[-20] ^ 1]) + b[-19:], CorruptBackup),
    "archive-nonce": (
        lambda b: b[: HEADER_END + 32] + bytes([b[HEADER_END + 32] ^ 1]) + b[HEADER_END + 33 :],
        CorruptBackup,
    ),
    "truncated-archive": (lambda b: b[:-1], CorruptBackup),
    "truncated-header": (lambda b: b[:40], CorruptBackup),
    "appended": (lambda b: b + b"\x00", CorruptBackup),
    "key-check": (
        lambda b: b[:HEADER_END] + bytes([b[HEADER_END] ^ 1]) + b[HEADER_END + 1 :],
        WrongPassphrase,
    ),
    "salt": (
        lambda b: b[: HEADER_END - 1] + bytes([b[HEADER_END - 1] ^ 1]) + b[HEADER_END:],
        WrongPassphrase,
    ),
}


@pytest.mark.parametrize("tampering", TAMPERINGS, ids=TAMPERINGS)
def test_tampered_backup_is_a_typed_error(tmp_path: Path, tampering: str) -> None:
    """A changed backup fails as CorruptBackup (or, for the KDF inputs, WrongPassphrase).

    An altered salt or key check derives or expects another key, which without the passphrase
    cannot be told from a wrong passphrase (specs/wallet.md §3); everything else is named.
    """
    change, error = TAMPERINGS[tampering]
    path = tmp_path / "tampered"
    path.write_bytes(change(_backup_bytes(str(tmp_path))))
    with pytest.raises(error):
        Wallet.restore(path, PASSPHRASE, tmp_path / "new", unsafe_fast_kdf=True)
    assert not Wallet.exists(tmp_path / "new")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_no_single_bit_flip_of_a_backup_restores(tmp_path: Path, data: st.DataObject) -> None:
    """Flipping any bit anywhere in a backup file never restores a wallet."""
    original = _backup_bytes(str(tmp_path))
    position = data.draw(st.integers(0, 1 << 16)) % len(original)
    bit = data.draw(st.integers(0, 7))
    altered = (
        original[:position] + bytes([original[position] ^ (1 << bit)]) + original[position + 1 :]
    )
    path = tmp_path / f"flip-{position}-{bit}"
    path.write_bytes(altered)
    with pytest.raises((CorruptBackup, WrongPassphrase)):
        Wallet.restore(path, PASSPHRASE, tmp_path / f"new-{position}-{bit}", unsafe_fast_kdf=True)


def test_missing_backup_file_is_invalid_input(tmp_path: Path) -> None:
    """Restoring from a path that does not exist says so."""
    with pytest.raises(InvalidInput, match="no backup file"):
        Wallet.restore(tmp_path / "nope", PASSPHRASE, tmp_path / "new", unsafe_fast_kdf=True)


def test_pinned_issuer_key_replaces_resolution(wallet: Wallet) -> None:
    """An issuer named by an https URL (keys from its OID4VCI metadata) verifies with a pinned key.

    Without it the issuer cannot be resolved offline; with another key the proof fails.
    """
    token = issue_sd_jwt_vc(
        {"given_name": SECRET_NAME}, ISSUER_ED, issuer="https://issuer.example.gov", vct=VCT
    )
    with pytest.raises(vc_service.Error):
        wallet.add_credential(token)
    with pytest.raises(vc_service.InvalidProof):
        wallet.add_credential(token, issuer_key=Key.generate("ed25519").public_key())
    credential_id = wallet.add_credential(token, issuer_key=ISSUER_ED.public_key())
    assert wallet.get(credential_id).issuer == "https://issuer.example.gov"
    base = issue("bbs-2023")
    with pytest.raises(vc_service.InvalidProof):
        wallet.add_credential(base, issuer_key=Key.generate("bls12381g2").public_key())
    wallet.add_credential(base, issuer_key=ISSUER_BLS.public_key())
