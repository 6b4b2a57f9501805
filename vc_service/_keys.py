"""Signing keys as JWK (RFC 7517/8037), Multikey and did:key material.

Three key types:

* ``ed25519`` -- JWK ``{"kty": "OKP", "crv": "Ed25519", "x", "d"}`` (RFC 8037), JOSE ``EdDSA``.
* ``p256`` -- JWK ``{"kty": "EC", "crv": "P-256", "x", "y", "d"}`` (RFC 7518), JOSE ``ES256``.
* ``bls12381g2`` -- BBS issuer keys. There is no registered JWK for BLS12-381 yet; we follow the
  OKP style of RFC 8037: ``{"kty": "OKP", "crv": "BLS12381G2", "x": b64url(96-byte compressed
  G2 point), "d": b64url(32-byte big-endian secret scalar)}``. The public key bytes are exactly
  those of the Multikey / did:key encoding (multicodec ``bls12_381-g2-pub`` 0xeb), so the three
  representations convert losslessly. See ``specs/formats.md``.

Multicodec prefixes (multiformats table): ed25519-pub 0xed, p256-pub 0x1200,
bls12_381-g2-pub 0xeb.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import nacl.exceptions
import nacl.signing
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from zk import Error as ZkError
from zk import bbs

from ._errors import InvalidInput, InvalidProof
from ._multibase import (
    b64url_decode,
    b64url_encode,
    multibase_decode,
    multibase_encode,
    multicodec_unwrap,
    multicodec_wrap,
)

__all__ = [
    "KeyType",
    "Key",
    "MULTICODEC_ED25519_PUB",
    "MULTICODEC_P256_PUB",
    "MULTICODEC_BLS12381G2_PUB",
]

KeyType = Literal["ed25519", "p256", "bls12381g2"]

MULTICODEC_ED25519_PUB = 0xED
MULTICODEC_P256_PUB = 0x1200
MULTICODEC_BLS12381G2_PUB = 0xEB

_CODEC_TO_TYPE: dict[int, KeyType] = {
    MULTICODEC_ED25519_PUB: "ed25519",
    MULTICODEC_P256_PUB: "p256",
    MULTICODEC_BLS12381G2_PUB: "bls12381g2",
}
_TYPE_TO_CODEC = {v: k for k, v in _CODEC_TO_TYPE.items()}
_PUBLIC_SIZES = {"ed25519": 32, "p256": 33, "bls12381g2": 96}
_BBS = bbs.BLS12_381_SHA256


def _member(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise InvalidInput(f"JWK member {name!r} is missing or not a string")
    return b64url_decode(value)


@dataclass(frozen=True, eq=False, repr=False)
class Key:
    """A public key, optionally with its private part. Immutable; compare with :meth:`same_public`.

    The private part never appears in ``repr`` or logs; :meth:`private_jwk` is the only way out.
    """

    type: KeyType
    public: bytes  # Multikey form: Ed25519 32 B, P-256 compressed 33 B, BLS12-381 G2 96 B
    _private: bytes | None = None

    # ----------------------------------------------------------------- construction

    @classmethod
    def generate(cls, key_type: KeyType) -> Key:
        """A fresh key pair from the operating system's CSPRNG."""
        if key_type == "ed25519":
            seed = secrets.token_bytes(32)
            return cls("ed25519", bytes(nacl.signing.SigningKey(seed).verify_key), seed)
        if key_type == "p256":
            sk = ec.generate_private_key(ec.SECP256R1())
            d = sk.private_numbers().private_value.to_bytes(32, "big")
            return cls("p256", _p256_compressed(sk.public_key()), d)
        if key_type == "bls12381g2":
            d = _BBS.generate_secret_key()
            return cls("bls12381g2", _BBS.sk_to_pk(d), d)
        raise InvalidInput(f"unknown key type {key_type!r}")

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> Key:
        """Parse a public or private JWK, validating lengths and curve membership."""
        if not isinstance(jwk, Mapping):
            raise InvalidInput("a JWK must be a JSON object")
        kty, crv = jwk.get("kty"), jwk.get("crv")
        has_d = "d" in jwk
        if kty == "OKP" and crv == "Ed25519":
            x = _member(jwk, "x")
            if len(x) != 32:
                raise InvalidInput("Ed25519 'x' must be 32 bytes")
            d = _member(jwk, "d") if has_d else None
            if d is not None:
                if len(d) != 32:
                    raise InvalidInput("Ed25519 'd' must be 32 bytes")
                if bytes(nacl.signing.SigningKey(d).verify_key) != x:
                    raise InvalidInput("Ed25519 'd' does not match 'x'")
            return cls("ed25519", x, d)
        if kty == "EC" and crv == "P-256":
            x, y = _member(jwk, "x"), _member(jwk, "y")
            if len(x) != 32 or len(y) != 32:
                raise InvalidInput("P-256 'x' and 'y' must be 32 bytes")
            compressed = _p256_compress_xy(x, y)
            d = _member(jwk, "d") if has_d else None
            if d is not None:
                if len(d) != 32:
                    raise InvalidInput("P-256 'd' must be 32 bytes")
                derived = _p256_private(d).public_key()
                if _p256_compressed(derived) != compressed:
                    raise InvalidInput("P-256 'd' does not match 'x'/'y'")
            return cls("p256", compressed, d)
        if kty == "OKP" and crv == "BLS12381G2":
            x = _member(jwk, "x")
            try:
                _BBS.backend.g2_decode(x)
            except ZkError as exc:
                raise InvalidInput("BLS12381G2 'x' is not a valid G2 public key") from exc
            d = _member(jwk, "d") if has_d else None
            if d is not None:
                try:
                    if _BBS.sk_to_pk(d) != x:
                        raise InvalidInput("BLS12381G2 'd' does not match 'x'")
                except ZkError as exc:
                    raise InvalidInput("BLS12381G2 'd' is not a valid secret key") from exc
            return cls("bls12381g2", x, d)
        raise InvalidInput(f"unsupported JWK (kty={kty!r}, crv={crv!r})")

    @classmethod
    def from_public_bytes(cls, key_type: KeyType, public: bytes) -> Key:
        """A public key from its Multikey bytes (validated)."""
        if key_type not in _PUBLIC_SIZES or len(public) != _PUBLIC_SIZES[key_type]:
            raise InvalidInput(f"{key_type} public key has the wrong length")
        key = cls(key_type, bytes(public))
        key.public_jwk()  # validates the point (P-256 decompression, G2 subgroup)
        if key_type == "bls12381g2":
            try:
                _BBS.backend.g2_decode(public)
            except ZkError as exc:
                raise InvalidInput("not a valid BLS12-381 G2 public key") from exc
        return key

    @classmethod
    def from_multikey(cls, value: str) -> Key:
        """Parse a ``publicKeyMultibase`` value (``z`` + base58btc(multicodec || key))."""
        code, raw = multicodec_unwrap(multibase_decode(value))
        key_type = _CODEC_TO_TYPE.get(code)
        if key_type is None:
            raise InvalidInput(f"unsupported multicodec key type 0x{code:x}")
        return cls.from_public_bytes(key_type, raw)

    # ----------------------------------------------------------------- representations

    @property
    def has_private(self) -> bool:
        """Whether this object holds the private key."""
        return self._private is not None

    @property
    def alg(self) -> str:
        """The JOSE algorithm of this key type (``EdDSA``, ``ES256``; ``BBS`` for BLS keys)."""
        return {"ed25519": "EdDSA", "p256": "ES256", "bls12381g2": "BBS"}[self.type]

    def multikey(self) -> str:
        """``publicKeyMultibase`` (Multikey, CID 1.0 §2.2.2)."""
        return _multikey(self.type, self.public)

    def did_key(self) -> str:
        """The ``did:key`` DID of this public key."""
        return "did:key:" + self.multikey()

    def public_jwk(self) -> dict[str, str]:
        """The public JWK (a new dict on every call: the caller may change it)."""
        return dict(_public_jwk_members(self.type, self.public))

    def private_jwk(self) -> dict[str, str]:
        """The private JWK (public members plus ``d``). Handle with care."""
        if self._private is None:
            raise InvalidInput("this key has no private part")
        return {**self.public_jwk(), "d": b64url_encode(self._private)}

    def private_bytes(self) -> bytes:
        """The raw private key (Ed25519 seed, P-256 ``d``, BBS secret scalar)."""
        if self._private is None:
            raise InvalidInput("this key has no private part")
        return self._private

    def public_key(self) -> Key:
        """The same key without its private part."""
        return Key(self.type, self.public)

    def thumbprint(self) -> str:
        """RFC 7638 JWK thumbprint (SHA-256, base64url)."""
        jwk = self.public_jwk()
        required = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y")}[jwk["kty"]]
        canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"))
        return b64url_encode(hashlib.sha256(canonical.encode()).digest())

    def same_public(self, other: Key) -> bool:
        """Whether both objects hold the same public key."""
        return self.type == other.type and self.public == other.public

    def __repr__(self) -> str:
        kind = "private" if self._private is not None else "public"
        return f"Key({self.type}, {kind}, {self.multikey()[:16]}...)"

    # ----------------------------------------------------------------- signatures

    def sign(self, data: bytes) -> bytes:
        """Sign ``data``: Ed25519 (64 B) or ECDSA P-256 with SHA-256, raw ``r || s`` (64 B)."""
        if self._private is None:
            raise InvalidInput("cannot sign with a public key")
        if self.type == "bls12381g2":
            raise InvalidInput("a BLS12-381 key signs message lists with BBS, not single messages")
        signer = self._signer()
        if isinstance(signer, nacl.signing.SigningKey):
            return signer.sign(data).signature
        der = signer.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def _signer(self) -> nacl.signing.SigningKey | ec.EllipticCurvePrivateKey:
        """The library object that signs with this key, built once per :class:`Key` object.

        Expanding an Ed25519 seed or deriving a P-256 public point costs as much as a signature,
        so the object is kept -- in this instance only, so that it lives exactly as long as the
        private key it is made from (never in a module-level cache).
        """
        signer = self.__dict__.get("_signer_object")
        if signer is None:
            if self._private is None:  # pragma: no cover - callers check first
                raise InvalidInput("cannot sign with a public key")
            if self.type == "ed25519":
                signer = nacl.signing.SigningKey(self._private)
            else:
                signer = _p256_private(self._private)
            # Frozen dataclass: the cache bypasses __setattr__; it is not a field (no eq/repr).
            object.__setattr__(self, "_signer_object", signer)
        return signer

    def verify(self, data: bytes, signature: bytes) -> None:
        """Verify a signature made by :meth:`sign`; raise :class:`InvalidProof` if it fails."""
        if not isinstance(signature, bytes) or len(signature) != 64:
            raise InvalidProof("signature must be 64 bytes")
        if self.type == "ed25519":
            try:
                nacl.signing.VerifyKey(self.public).verify(data, signature)
            except nacl.exceptions.BadSignatureError as exc:
                raise InvalidProof("Ed25519 signature does not verify") from exc
            return
        if self.type == "p256":
            r = int.from_bytes(signature[:32], "big")
            s = int.from_bytes(signature[32:], "big")
            pub = _p256_public(self.public)
            try:
                pub.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
            except InvalidSignature as exc:
                raise InvalidProof("ES256 signature does not verify") from exc
            return
        raise InvalidInput("a BLS12-381 key verifies BBS proofs, not single signatures")


def _p256_private(d: bytes) -> ec.EllipticCurvePrivateKey:
    value = int.from_bytes(d, "big")
    try:
        return ec.derive_private_key(value, ec.SECP256R1())
    except ValueError as exc:
        raise InvalidInput("P-256 private key out of range") from exc


def _p256_compressed(pub: ec.EllipticCurvePublicKey) -> bytes:
    return pub.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


# Caches of public, immutable data keyed by the public key bytes. A verifier sees the same few
# issuer and holder keys over and over; decompressing a P-256 point or base58-encoding a key
# costs tens of microseconds each time. Nothing secret is ever a key or value here.
_CACHE_SIZE = 1024


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _p256_public(public: bytes) -> ec.EllipticCurvePublicKey:
    """The ``cryptography`` object of a compressed P-256 point (validated on the curve)."""
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public)
    except ValueError as exc:
        raise InvalidInput("P-256 point is not on the curve") from exc


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _p256_compress_xy(x: bytes, y: bytes) -> bytes:
    """The compressed form of the P-256 point (x, y); raises if it is not on the curve."""
    try:
        pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + x + y)
    except ValueError as exc:
        raise InvalidInput("P-256 point is not on the curve") from exc
    return _p256_compressed(pub)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _public_jwk_members(key_type: KeyType, public: bytes) -> tuple[tuple[str, str], ...]:
    """The members of the public JWK, as an immutable tuple (callers get a fresh dict)."""
    if key_type == "ed25519":
        return (("kty", "OKP"), ("crv", "Ed25519"), ("x", b64url_encode(public)))
    if key_type == "p256":
        raw = _p256_public(public).public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return (
            ("kty", "EC"),
            ("crv", "P-256"),
            ("x", b64url_encode(raw[1:33])),
            ("y", b64url_encode(raw[33:])),
        )
    return (("kty", "OKP"), ("crv", "BLS12381G2"), ("x", b64url_encode(public)))


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _multikey(key_type: KeyType, public: bytes) -> str:
    return multibase_encode(multicodec_wrap(_TYPE_TO_CODEC[key_type], public))
