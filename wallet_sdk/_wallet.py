"""The holder's wallet: keys, pairwise DIDs and credentials in an encrypted store.

:class:`Wallet` is the library API the ``chancery-wallet`` command and the OID4VCI/OID4VP clients
build on. Storage, sealing and the backup file format are in :mod:`wallet_sdk._store`; the
formats themselves are verified by :func:`vc_service.verify` (and, for ``bbs-2023`` base proofs,
which only a holder ever sees, by :func:`vc_service._bbs2023.verify_base_proof`).
"""

from __future__ import annotations

import base64
import builtins
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import vc_service
from vc_service import (
    DIDResolver,
    InvalidCredential,
    InvalidProof,
    Key,
    _bbs2023,
    _sd_jwt,
    default_resolver,
    validate_credential,
)
from vc_service import Error as FormatError
from vc_service import Expired as ProofExpired
from vc_service import InvalidInput as FormatInvalidInput
from vc_service import NotYetValid as ProofNotYetValid
from vc_service._data_integrity import CLOCK_SKEW
from vc_service._jsonld import register_context, registered_context
from vc_service._vcdm import check_validity_period, parse_datetime

from ._errors import (
    CorruptBackup,
    CorruptRecord,
    InvalidInput,
    NotFound,
    StoreError,
    WalletExists,
)
from ._store import DB_NAME, Record, Store, read_backup, write_backup

__all__ = ["FORMATS", "CredentialInfo", "HolderKeyType", "StoredCredential", "Wallet"]

HolderKeyType = Literal["ed25519", "p256"]
_HOLDER_KEY_TYPES: tuple[HolderKeyType, ...] = ("ed25519", "p256")

#: Credential formats the wallet stores, named by their OpenID4VCI 1.0 Appendix A credential
#: format identifiers (``vc+jwt`` is the W3C VC-JOSE-COSE media type, which OID4VCI has not
#: registered; its ``jwt_vc_json`` is the VCDM 1.1 JWT encoding, which we do not speak).
FORMATS: tuple[str, ...] = ("dc+sd-jwt", "vc+jwt", "ldp_vc")
_FORMAT_ALIASES = {"vc+sd-jwt": "dc+sd-jwt"}  # the SD-JWT VC media type before draft -06

_CREDENTIAL_ID = re.compile(r"c_[0-9a-f]{16}")
_KEY_ID_PERSON = b"cw-key"
_PAIRWISE_ID_PERSON = b"cw-pairwise"

Home = str | PathLike[str]


def _now_text() -> str:
    return datetime.now(UTC).isoformat()  # microseconds: list() orders by it


def _wallet_path(home: Home) -> Path:
    try:
        return Path(home).expanduser() / DB_NAME
    except (TypeError, RuntimeError) as exc:
        raise InvalidInput(f"not a usable wallet home directory: {home!r}") from exc


def _holder_key_type(kind: object) -> HolderKeyType:
    for candidate in _HOLDER_KEY_TYPES:
        if kind == candidate:
            return candidate
    raise InvalidInput(f"holder keys are 'ed25519' or 'p256', not {kind!r}")


# ============================================================================== public records


@dataclass(frozen=True)
class CredentialInfo:
    """What the wallet knows about a stored credential, without the credential itself.

    ``format`` is one of :data:`FORMATS`; ``types`` are the VCDM ``type`` values (for an SD-JWT
    VC, its ``vct``); ``cryptosuite`` names the Data Integrity suite(s) of an ``ldp_vc`` (a
    ``bbs-2023`` one carries the base proof the holder derives presentations from);
    ``holder`` is the ``did:key`` of the key the credential is bound to (SD-JWT ``cnf.jwk``, or a
    ``did:key`` subject), whether or not the wallet holds it (see :meth:`Wallet.key`);
    ``verified`` is whether the wallet verified it when it was added.
    """

    id: str
    format: str
    types: tuple[str, ...]
    issuer: str | None
    added_at: datetime
    verified: bool
    cryptosuite: str | None = None
    valid_until: datetime | None = None
    holder: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable view (what ``chancery-wallet list --json`` prints)."""
        return {
            "id": self.id,
            "format": self.format,
            "types": list(self.types),
            "issuer": self.issuer,
            "added_at": self.added_at.isoformat(),
            "verified": self.verified,
            "cryptosuite": self.cryptosuite,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "holder": self.holder,
        }


@dataclass(frozen=True)
class StoredCredential(CredentialInfo):
    """A stored credential: its metadata, the credential as issued, and its claims.

    ``credential`` is what the issuer sent (a compact SD-JWT or JWT string, or a JSON object);
    ``claims`` are its claims as verification saw them (for an SD-JWT, with every Disclosure
    applied; otherwise the credential document or JWT payload).
    """

    credential: str | dict[str, Any] = ""
    claims: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The metadata plus ``claims`` and ``credential``."""
        return {**super().to_json(), "claims": self.claims, "credential": self.credential}


@dataclass(frozen=True)
class _Details:
    issuer: str | None
    types: tuple[str, ...]
    claims: dict[str, Any]
    cryptosuite: str | None
    valid_until: datetime | None
    holder: str | None


# ============================================================================== the wallet


class Wallet:
    """An open wallet. Create one with :meth:`create`, :meth:`open` or :meth:`restore`.

    Every record -- holder keys, pairwise DIDs, credentials and their metadata -- is sealed in
    ``<home>/wallet.db`` (``specs/wallet.md``). The object holds the data key in memory until
    :meth:`close`; use it as a context manager.
    """

    def __init__(self, store: Store) -> None:
        """Wrap an open :class:`~wallet_sdk._store.Store` (use the class methods instead)."""
        self._store = store

    def __repr__(self) -> str:
        return f"Wallet({str(self._store.path.parent)!r})"

    # ----------------------------------------------------------------- life cycle

    @classmethod
    def create(cls, home: Home, passphrase: str, *, unsafe_fast_kdf: bool = False) -> Wallet:
        """Create an empty wallet in ``home`` (made ``0700`` if missing), sealed by ``passphrase``.

        Raises :class:`WalletExists` if ``home`` already holds one. ``unsafe_fast_kdf`` derives
        the passphrase key with libsodium's minimum Argon2id cost: for tests only.
        """
        return cls(Store.create_at(_wallet_path(home), passphrase, unsafe_fast_kdf=unsafe_fast_kdf))

    @classmethod
    def open(cls, home: Home, passphrase: str) -> Wallet:
        """Open the wallet in ``home``.

        Raises :class:`WalletNotFound`, :class:`WrongPassphrase`, or :class:`CorruptWallet` for
        a file that is not a wallet of this version or whose sealed data key was altered.
        """
        return cls(Store.open(_wallet_path(home), passphrase))

    @staticmethod
    def exists(home: Home) -> bool:
        """Whether ``home`` holds a wallet file."""
        return _wallet_path(home).is_file()

    @property
    def home(self) -> Path:
        """The wallet's home directory."""
        return self._store.path.parent

    def close(self) -> None:
        """Close the store. The wallet cannot be used afterwards."""
        self._store.close()

    def __enter__(self) -> Wallet:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # ----------------------------------------------------------------- keys

    def _key_id(self, key: Key) -> str:
        return self._store.index_id("k_", _KEY_ID_PERSON, key.multikey())

    def _key_record(self, key: Key, purpose: str) -> Record:
        meta = {
            "type": key.type,
            "public": key.multikey(),
            "purpose": purpose,
            "created": _now_text(),
        }
        return Record(self._key_id(key), "key", meta, {"jwk": key.private_jwk()})

    def holder_key(self, kind: HolderKeyType = "ed25519") -> Key:
        """Generate a holder key pair (Ed25519 or P-256), store it sealed, and return it.

        Every call makes a new key: bind each credential to its own key (the key proved in the
        OID4VCI 1.0 §8.2 Credential Request ``proofs``), so that two credentials shown to
        verifiers never share one.
        Find a key again from its public part with :meth:`key`.
        """
        key = Key.generate(_holder_key_type(kind))
        self._store.put([self._key_record(key, "holder")])
        return key

    def key(self, public: Key | Mapping[str, Any] | str) -> Key:
        """The private key the wallet holds for ``public``.

        ``public`` is a :class:`Key`, a public JWK, a ``did:key`` DID (or DID URL), or a Multikey
        string. Raises :class:`NotFound` if the wallet does not hold that key.
        """
        target = _public_key(public)
        record = self._store.get(self._key_id(target), "key")
        if record is None:
            raise NotFound("the wallet holds no private key for this public key")
        return _load_key(record, target)

    def pairwise_did(
        self, relying_party: str, *, kind: HolderKeyType = "ed25519"
    ) -> tuple[str, Key]:
        """The holder's ``did:key`` for ``relying_party``, and its key pair.

        A separate DID per relying party (its OID4VP ``client_id``, passed exactly as it
        identifies itself), made on first use and the same afterwards: two verifiers comparing
        what they were shown cannot link the holder through the DID. The mapping from relying
        party to DID is sealed like everything else; its record is found by a keyed hash of the
        relying party, never the name itself.
        """
        if not isinstance(relying_party, str) or not relying_party.strip():
            raise InvalidInput("the relying party must be a non-empty string")
        key_type = _holder_key_type(kind)
        record_id = self._pairwise_id(relying_party, key_type)
        existing = self._store.get(record_id, "pairwise")
        if existing is None:
            key = Key.generate(key_type)
            meta = {
                "relying_party": relying_party,
                "key_type": key_type,
                "did": key.did_key(),
                "public": key.multikey(),
                "created": _now_text(),
            }
            try:
                self._store.put(
                    [self._key_record(key, "pairwise"), Record(record_id, "pairwise", meta, None)]
                )
                return key.did_key(), key
            except StoreError:
                existing = self._store.get(record_id, "pairwise")  # another process was first
                if existing is None:
                    raise
        meta = existing.meta
        if (
            not isinstance(meta, dict)
            or meta.get("relying_party") != relying_party
            or not isinstance(meta.get("did"), str)
            or not isinstance(meta.get("public"), str)
        ):
            raise CorruptRecord(existing.id, f"record {existing.id!r}: malformed pairwise DID")
        try:
            key = self.key(meta["public"])
        except NotFound:
            raise CorruptRecord(
                existing.id, f"record {existing.id!r}: the pairwise key is missing"
            ) from None
        if key.did_key() != meta["did"]:
            raise CorruptRecord(existing.id, f"record {existing.id!r}: DID and key disagree")
        return meta["did"], key

    def _pairwise_id(self, relying_party: str, key_type: str) -> str:
        return self._store.index_id("p_", _PAIRWISE_ID_PERSON, f"{key_type}\x00{relying_party}")

    # ----------------------------------------------------------------- credentials

    def add_credential(
        self,
        credential: Mapping[str, Any] | str | bytes,
        *,
        format: str | None = None,  # the OID4VCI parameter name, shadowing the builtin
        verify: bool = True,
        now: datetime | None = None,
        resolver: DIDResolver | None = None,
        issuer_key: Key | None = None,
    ) -> str:
        """Verify ``credential`` and store it; return its identifier.

        The format is detected (:data:`FORMATS`): a compact SD-JWT VC (``dc+sd-jwt``, issued form,
        without a KB-JWT), a compact ``vc+jwt`` JWS, or a Data Integrity secured JSON credential
        (``ldp_vc``); ``format``, if given, must agree. Verification uses
        :func:`vc_service.verify` at ``now`` with ``resolver`` (default: did:key and did:jwk) or
        a pinned ``issuer_key`` (e.g. from the issuer's OID4VCI metadata), except for a ``bbs-2023`` base proof, which is checked as the holder receiving it does
        (W3C Data Integrity BBS Cryptosuites v1.0 §3.4.2-§3.4.3 plus the generic Data
        Integrity checks: purpose, controller, created/expires; VCDM 2.0 §4.9 validity).
        A credential that fails raises the typed error of :mod:`vc_service`
        (:class:`vc_service.InvalidProof`, :class:`vc_service.Expired`, ...), and nothing is
        stored. ``verify=False`` stores it unchecked (marked ``verified: false``): it must still
        parse. Status is not checked here: revocation is the verifier's question.
        """
        fmt, value = _parse_credential(credential, format)
        if verify:
            details = _verify(fmt, value, now=now, resolver=resolver, issuer_key=issuer_key)
        else:
            details = _inspect_unverified(fmt, value)
        credential_id = "c_" + secrets.token_hex(8)
        meta: dict[str, Any] = {
            "format": fmt,
            "types": list(details.types),
            "issuer": details.issuer,
            "added_at": _now_text(),
            "verified": verify,
            "cryptosuite": details.cryptosuite,
            "valid_until": details.valid_until.isoformat() if details.valid_until else None,
            "holder": details.holder,
        }
        contexts = _registered_contexts(value)
        if contexts:
            # The credential-type contexts it was verified with (derived from the issuer's ledger),
            # kept with it so that a later process can present it without asking the ledger.
            meta["contexts"] = contexts
        body = {"credential": value, "claims": details.claims}
        self._store.put([Record(credential_id, "credential", meta, body)])
        return credential_id

    def list(self) -> builtins.list[CredentialInfo]:
        """Every stored credential's metadata, oldest first (metadata is decrypted here)."""
        metas = self._store.metas("credential")
        for _, meta in metas:
            _pin_contexts(meta)
        infos = [_info(record_id, meta) for record_id, meta in metas]
        return sorted(infos, key=lambda info: (info.added_at, info.id))

    def get(self, credential_id: str) -> StoredCredential:
        """The credential ``credential_id``; :class:`NotFound` if there is none."""
        if not isinstance(credential_id, str):
            raise InvalidInput("a credential id is a string")
        record = self._store.get(credential_id, "credential")
        if record is None:
            raise NotFound(f"no credential {credential_id!r} in the wallet")
        _pin_contexts(record.meta)
        info = _info(record.id, record.meta)
        body = record.body
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("credential"), str | dict)
            or not isinstance(body.get("claims"), dict)
        ):
            raise CorruptRecord(record.id, f"record {record.id!r}: malformed credential body")
        fields = {name: getattr(info, name) for name in info.__dataclass_fields__}
        return StoredCredential(**fields, credential=body["credential"], claims=body["claims"])

    def delete(self, credential_id: str) -> None:
        """Delete the credential ``credential_id`` (its sealed bytes are overwritten on disk).

        Works without decrypting, so a corrupted record can be removed. :class:`NotFound` if
        there is none.
        """
        if not isinstance(credential_id, str) or not self._store.delete(
            credential_id, "credential"
        ):
            raise NotFound(f"no credential {credential_id!r} in the wallet")

    # ----------------------------------------------------------------- backup and restore

    def backup(
        self,
        path: Home,
        passphrase: str,
        *,
        overwrite: bool = False,
        unsafe_fast_kdf: bool = False,
    ) -> None:
        """Write every record to one encrypted backup file at ``path`` (``specs/wallet.md`` §3).

        ``passphrase`` seals the backup (Argon2id with a fresh salt; it may differ from the
        wallet's) and becomes the restored wallet's passphrase. The file is written ``0600``
        under a temporary name and moved into place; an existing file is kept unless
        ``overwrite``. ``unsafe_fast_kdf``: for tests only.
        """
        records = self._store.all()
        write_backup(
            Path(path),
            passphrase,
            records,
            created=_now_text(),
            overwrite=overwrite,
            unsafe_fast_kdf=unsafe_fast_kdf,
        )

    @classmethod
    def restore(
        cls,
        path: Home,
        passphrase: str,
        home: Home,
        *,
        overwrite: bool = False,
        unsafe_fast_kdf: bool = False,
    ) -> Wallet:
        """Restore the backup at ``path`` into a new wallet in ``home``, sealed by ``passphrase``.

        Every credential keeps its identifier; keys and pairwise DIDs are re-indexed under the
        new wallet's fresh data key. Refuses (:class:`WalletExists`) to replace a wallet in
        ``home`` unless ``overwrite`` -- and then only once the backup has been read and
        authenticated. :class:`WrongPassphrase` for the wrong passphrase,
        :class:`CorruptBackup` for a file that is not a backup or was altered.
        """
        target = _wallet_path(home)
        if target.exists() and not overwrite:
            raise WalletExists(f"a wallet already exists at {target}")
        builders = [_restorable(record) for record in read_backup(Path(path), passphrase)]

        def fill(store: Store) -> None:
            store.put([build(store) for build in builders])

        return cls(
            Store.create_at(
                target,
                passphrase,
                unsafe_fast_kdf=unsafe_fast_kdf,
                overwrite=overwrite,
                fill=fill,
            )
        )


# ============================================================================== helpers


def _public_key(public: Key | Mapping[str, Any] | str) -> Key:
    try:
        if isinstance(public, Key):
            return public.public_key()
        if isinstance(public, Mapping):
            return Key.from_jwk({k: v for k, v in public.items() if k != "d"}).public_key()
        if isinstance(public, str):
            value = public.split("#", 1)[0]
            if value.startswith("did:key:"):
                value = value[len("did:key:") :]
            return Key.from_multikey(value)
    except FormatError as exc:
        raise InvalidInput(f"not a public key: {exc}") from exc
    raise InvalidInput("a public key is a Key, a JWK, a did:key or a Multikey string")


def _load_key(record: Record, expected: Key | None = None) -> Key:
    body, meta = record.body, record.meta
    try:
        if not isinstance(body, dict) or not isinstance(meta, dict):
            raise FormatInvalidInput("malformed key record")
        key = Key.from_jwk(body["jwk"])
    except (FormatError, KeyError) as exc:
        raise CorruptRecord(record.id, f"record {record.id!r}: malformed key") from exc
    if (
        not key.has_private
        or meta.get("public") != key.multikey()
        or (expected is not None and not key.same_public(expected))
    ):
        raise CorruptRecord(record.id, f"record {record.id!r}: the key does not match its index")
    return key


def _registered_contexts(value: Any) -> dict[str, Any]:
    """The registered (not shipped) JSON-LD contexts a Data Integrity credential names."""
    if not isinstance(value, Mapping):
        return {}
    contexts = value.get("@context")
    items = contexts if isinstance(contexts, list) else [contexts]
    out: dict[str, Any] = {}
    for url in items:
        if not isinstance(url, str):
            continue
        document = registered_context(url)
        if document is not None:
            out[url] = document
    return out


def _pin_contexts(meta: Any) -> None:
    """Pin the contexts a stored credential carries (once per process; a URL already pinned
    with other content is left alone, and the credential then fails to verify)."""
    contexts = meta.get("contexts") if isinstance(meta, dict) else None
    if not isinstance(contexts, dict):
        return
    for url, document in contexts.items():
        try:
            register_context(url, document)
        except FormatError:
            continue


def _info(record_id: str, meta: Any) -> CredentialInfo:
    try:
        if not isinstance(meta, dict):
            raise TypeError("metadata is not an object")
        types = meta["types"]
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            raise TypeError("types")
        for name in ("issuer", "cryptosuite", "holder", "valid_until"):
            if meta.get(name) is not None and not isinstance(meta[name], str):
                raise TypeError(name)
        if not isinstance(meta["format"], str) or not isinstance(meta["verified"], bool):
            raise TypeError("format/verified")
        valid_until = meta.get("valid_until")
        return CredentialInfo(
            id=record_id,
            format=meta["format"],
            types=tuple(types),
            issuer=meta.get("issuer"),
            added_at=datetime.fromisoformat(meta["added_at"]),
            verified=meta["verified"],
            cryptosuite=meta.get("cryptosuite"),
            valid_until=datetime.fromisoformat(valid_until) if valid_until else None,
            holder=meta.get("holder"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CorruptRecord(record_id, f"record {record_id!r}: malformed metadata") from exc


def _restorable(record: Record) -> Callable[[Store], Record]:
    """Check one archived record and return how to re-index it in the new store.

    Runs before the new wallet is made, so a backup with a bad record fails as
    :class:`CorruptBackup` without touching ``home``.
    """
    where = f"backup record {record.id!r}"
    if record.kind == "credential":
        if not _CREDENTIAL_ID.fullmatch(record.id):
            raise CorruptBackup(f"{where}: not a credential identifier")
        try:
            _info(record.id, record.meta)
        except CorruptRecord as exc:
            raise CorruptBackup(f"{where}: malformed metadata") from exc
        return lambda store: record
    if record.kind == "key":
        try:
            key = _load_key(record)
        except CorruptRecord as exc:
            raise CorruptBackup(f"{where}: {exc}") from exc
        return lambda store: Record(
            store.index_id("k_", _KEY_ID_PERSON, key.multikey()), "key", record.meta, record.body
        )
    meta = record.meta
    if (
        not isinstance(meta, dict)
        or not isinstance(meta.get("relying_party"), str)
        or meta.get("key_type") not in _HOLDER_KEY_TYPES
        or not isinstance(meta.get("did"), str)
    ):
        raise CorruptBackup(f"{where}: malformed pairwise DID")
    name = f"{meta['key_type']}\x00{meta['relying_party']}"
    return lambda store: Record(
        store.index_id("p_", _PAIRWISE_ID_PERSON, name), "pairwise", meta, record.body
    )


# ----------------------------------------------------------------------------- formats


def _parse_credential(
    credential: Mapping[str, Any] | str | bytes, format: str | None
) -> tuple[str, str | dict[str, Any]]:
    """Detect the format; return it with the JSON-clean value to store."""
    value: str | dict[str, Any]
    if isinstance(credential, bytes):
        try:
            credential = credential.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput("the credential is not UTF-8") from exc
    if isinstance(credential, str):
        text = credential.strip()
        if not text:
            raise InvalidInput("the credential is empty")
        if text.startswith(("{", "[")):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"the credential is not valid JSON: {exc.msg}") from exc
            if not isinstance(parsed, dict):
                raise InvalidInput("a JSON credential must be an object")
            value = parsed
        else:
            value = text
    elif isinstance(credential, Mapping):
        try:
            value = json.loads(json.dumps(credential, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"the credential is not plain JSON: {exc}") from exc
    else:
        raise InvalidInput("a credential is a JSON object or a compact SD-JWT / JWT string")

    if isinstance(value, dict):
        if "proof" not in value:
            raise InvalidInput("the JSON credential has no proof: it is not secured")
        detected = "ldp_vc"
    elif "~" in value:
        detected = "dc+sd-jwt"
    else:
        typ = _jws_typ(value)
        if typ not in ("vc+jwt", "application/vc+jwt"):
            raise InvalidInput(
                f"unsupported JWT type {typ!r}: the wallet stores vc+jwt credentials"
            )
        detected = "vc+jwt"
    if format is not None:
        wanted = _FORMAT_ALIASES.get(format, format)
        if wanted not in FORMATS:
            raise InvalidInput(f"unknown format {format!r} (expected one of {', '.join(FORMATS)})")
        if wanted != detected:
            raise InvalidInput(f"the credential is {detected}, not {format}")
    return detected, value


def _jws_typ(token: str) -> object:
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidInput("not a compact JWS, SD-JWT or JSON credential")
    try:
        raw = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4))
        header = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("the JWS header is not base64url-encoded JSON") from exc
    if not isinstance(header, dict):
        raise InvalidInput("the JWS header is not a JSON object")
    return header.get("typ")


def _proofs(document: Mapping[str, Any]) -> builtins.list[Any]:
    proofs = document.get("proof")
    return proofs if isinstance(proofs, list) else [proofs]


def _is_bbs_base(document: Mapping[str, Any]) -> bool:
    base = False
    for proof in _proofs(document):
        if isinstance(proof, Mapping) and proof.get("cryptosuite") == "bbs-2023":
            try:
                _bbs2023.parse_base_proof_value(proof.get("proofValue"))
            except FormatError:
                continue
            base = True
    if base and not isinstance(document.get("proof"), Mapping):
        raise InvalidInput("a bbs-2023 base proof must be the credential's only proof")
    return base


def _cryptosuite(document: Mapping[str, Any]) -> str | None:
    names = {p.get("cryptosuite") for p in _proofs(document) if isinstance(p, Mapping)}
    return "+".join(sorted(n for n in names if isinstance(n, str))) or None


def _verify(
    fmt: str,
    value: str | dict[str, Any],
    *,
    now: datetime | None,
    resolver: DIDResolver | None,
    issuer_key: Key | None,
) -> _Details:
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        raise InvalidInput("now must be timezone-aware")
    did_resolver = resolver if resolver is not None else default_resolver()
    if isinstance(value, dict) and _is_bbs_base(value):
        _verify_bbs_base(value, moment, did_resolver, issuer_key)
        return _details(fmt, value, value)
    result = vc_service.verify(value, now=moment, resolver=did_resolver, issuer_key=issuer_key)
    if result.kind != "credential":
        # An SD-JWT+KB or a VP was made for one verifier; the wallet keeps issued credentials.
        raise InvalidInput("this is a presentation, not an issued credential")
    return _details(fmt, value, result.claims)


def _verify_bbs_base(
    document: dict[str, Any], now: datetime, resolver: DIDResolver, issuer_key: Key | None
) -> None:
    """Holder-side check of a ``bbs-2023`` base proof on receipt.

    :func:`vc_service.verify` accepts only derived proofs (a verifier must never see a base
    proof), so the generic Data Integrity 1.0 §4.4 checks are made here -- ``DataIntegrityProof``,
    purpose ``assertionMethod``, a verification method the issuer DID controls, ``created`` not in
    the future, ``expires`` not past -- before BBS Cryptosuites §3.4.2-§3.4.3 and the BBS
    signature (:func:`vc_service._bbs2023.verify_base_proof`), then VCDM 2.0 §4.9 validity.
    """
    validate_credential(document, require_proof=True)
    proof = document["proof"]
    if proof.get("type") != "DataIntegrityProof":
        raise InvalidProof(f"unsupported proof type {proof.get('type')!r}")
    if proof.get("proofPurpose") != "assertionMethod":
        raise InvalidProof(f"proof purpose is {proof.get('proofPurpose')!r}, not assertionMethod")
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        raise InvalidCredential(
            "'verificationMethod' must be a URL", path="/proof/verificationMethod"
        )
    issuer = _issuer_of(document)
    if issuer is not None and issuer.startswith("did:") and method.split("#", 1)[0] != issuer:
        # Otherwise anyone could sign a credential naming any issuer with their own key.
        raise InvalidProof(f"verification method {method!r} is not controlled by the issuer")
    created = None
    if "created" in proof:
        created = parse_datetime(proof["created"], path="/proof/created")
        if created > now + CLOCK_SKEW:
            raise ProofNotYetValid(f"the proof claims to be created in the future ({created})")
    if "expires" in proof and now >= parse_datetime(proof["expires"], path="/proof/expires"):
        raise ProofExpired(f"the proof expired at {proof['expires']}")
    # The key as of signing time: one rotated out later still verifies what it signed before.
    at = min(created, now) if created is not None else now
    if issuer_key is not None:
        key = issuer_key.public_key()
    else:
        key = resolver.resolve_key(method, purpose="assertionMethod", at=at)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    _bbs2023.verify_base_proof(unsecured, proof, key)
    check_validity_period(document, now)


def _inspect_unverified(fmt: str, value: str | dict[str, Any]) -> _Details:
    if isinstance(value, dict):
        validate_credential(value, require_proof=True)
        return _details(fmt, value, value)
    if fmt == "dc+sd-jwt":
        # Parsing and Disclosure processing only (RFC 9901 §7.1 steps 3-5, no signature check).
        parsed = _sd_jwt._parse(value)
        if parsed.kb_jwt is not None:
            raise InvalidInput("this is a presentation (SD-JWT+KB), not an issued credential")
        payload = parsed.jwt.unverified_claims("Issuer-signed JWT payload")
        claims = _sd_jwt._process(payload, parsed.disclosures, frozenset()).claims
        return _details(fmt, value, claims)
    parts = value.split(".")
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("the JWT payload is not base64url-encoded JSON") from exc
    if not isinstance(payload, dict):
        raise InvalidInput("the JWT payload is not a JSON object")
    return _details(fmt, value, payload)


def _issuer_of(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _details(fmt: str, value: str | dict[str, Any], claims: Mapping[str, Any]) -> _Details:
    claims = dict(claims)
    if fmt == "dc+sd-jwt":
        vct = claims.get("vct")
        iss = claims.get("iss")
        exp = claims.get("exp")
        valid_until = None
        if isinstance(exp, int) and not isinstance(exp, bool) and 0 <= exp < 2**40:
            valid_until = datetime.fromtimestamp(exp, UTC)
        cnf = claims.get("cnf")
        holder = _did_of_jwk(cnf.get("jwk")) if isinstance(cnf, Mapping) else None
        return _Details(
            issuer=iss if isinstance(iss, str) else None,
            types=(vct,) if isinstance(vct, str) else (),
            claims=claims,
            cryptosuite=None,
            valid_until=valid_until,
            holder=holder,
        )
    raw_types = claims.get("type")
    types = [raw_types] if isinstance(raw_types, str) else raw_types
    types = [t for t in types if isinstance(t, str)] if isinstance(types, list) else []
    valid_until = None
    if isinstance(claims.get("validUntil"), str):
        try:
            valid_until = parse_datetime(claims["validUntil"])
        except FormatError:
            valid_until = None
    return _Details(
        issuer=_issuer_of(claims),
        types=tuple(types),
        claims=claims,
        cryptosuite=_cryptosuite(value) if isinstance(value, dict) else None,
        valid_until=valid_until,
        holder=_subject_did_key(claims),
    )


def _did_of_jwk(jwk: object) -> str | None:
    if not isinstance(jwk, Mapping):
        return None
    try:
        return Key.from_jwk({k: v for k, v in jwk.items() if k != "d"}).did_key()
    except (FormatError, KeyError):
        return None


def _subject_did_key(document: Mapping[str, Any]) -> str | None:
    subject = document.get("credentialSubject")
    if not isinstance(subject, Mapping):  # several subjects: no single holder
        return None
    subject_id = subject.get("id")
    if not isinstance(subject_id, str) or not subject_id.startswith("did:key:"):
        return None
    try:
        return _public_key(subject_id).did_key()
    except InvalidInput:
        return None
