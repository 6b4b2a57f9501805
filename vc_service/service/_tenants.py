"""Tenants, their OAuth 2.0 clients, their sealed signing keys and their access tokens.

``specs/http-api.md`` §10. A tenant is the root authority, an agency or a relying party. Each
has one OAuth 2.0 client (RFC 6749 §2: a ``client_id`` and a ``client_secret``) with which it
obtains bearer tokens by the client credentials grant (§4.4). Agencies also have a
``did:chancery`` DID on the ledger and the private keys behind it, which are generated here,
sealed (NaCl secret box, XSalsa20-Poly1305, under the ledger secret) and never leave the service.

Stored secrets are hashed: the client secret and the access token are 256-bit random values, so
their SHA-256 cannot be inverted and a copy of the database grants nothing. A sealed key's
plaintext starts with a label naming the tenant and the key, so a sealed value copied to another
row (another tenant's, the root key's) does not open.

Revision ``0004`` (``migrations/versions/r0004_tenants.py``) creates exactly :data:`metadata`'s
tables; ``tests/test_service_tenants.py`` compares the two.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Literal

import nacl.exceptions
import nacl.secret
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from vc_service._errors import InvalidInput
from vc_service._keys import Key
from vc_service.ledger._ledger import LedgerError
from vc_service.ledger._store import write_transaction

__all__ = [
    "ACCESS_TOKEN_TTL",
    "GRANT_CACHE_SECONDS",
    "KINDS",
    "SCOPES",
    "AccessGrant",
    "Tenant",
    "TenantExists",
    "TenantStore",
    "metadata",
]

TenantKind = Literal["root", "agency", "relying_party"]
KINDS: tuple[TenantKind, ...] = ("root", "agency", "relying_party")
#: The scopes each kind of tenant may hold (``specs/http-api.md`` §10.2).
SCOPES: dict[str, frozenset[str]] = {
    "root": frozenset({"admin"}),
    "agency": frozenset({"issue"}),
    "relying_party": frozenset({"verify"}),
}
#: Lifetime of an access token (seconds).
ACCESS_TOKEN_TTL = 3600
#: How long a checked access token's grant is reused without reading the database (seconds).
GRANT_CACHE_SECONDS = 5.0
_GRANT_CACHE_SIZE = 10_000
_TENANT_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}[a-z0-9]")
_KEY_LABEL = b"chancery tenant private JWK v1\n"

metadata = sa.MetaData()

tenants_table = sa.Table(
    "tenants",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("did", sa.String(200), nullable=True, unique=True),
    sa.Column("client_id", sa.String(64), nullable=False, unique=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.BigInteger(), nullable=False),
)

tenant_keys_table = sa.Table(
    "tenant_keys",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("key_ref", sa.String(32), primary_key=True),
    sa.Column("key_type", sa.String(16), nullable=False),
    sa.Column("sealed", sa.LargeBinary(), nullable=False),
    sa.Column("created_at", sa.BigInteger(), nullable=False),
)

access_tokens_table = sa.Table(
    "oauth_access_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("scope", sa.String(100), nullable=False),
    sa.Column("expires_at", sa.BigInteger(), nullable=False, index=True),
)


class TenantExists(InvalidInput):
    """A tenant with this id (or this DID) already exists."""


@dataclass(frozen=True)
class Tenant:
    """A tenant as the service knows it (never with its secret)."""

    tenant_id: str
    kind: str
    name: str
    did: str | None
    client_id: str


@dataclass(frozen=True)
class AccessGrant:
    """What a valid access token stands for."""

    tenant: Tenant
    scopes: frozenset[str]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_tenant_id(value: str) -> str:
    """A tenant id: 3 to 64 lower-case letters, digits and inner hyphens (it appears in URLs)."""
    if not isinstance(value, str) or _TENANT_ID.fullmatch(value) is None:
        raise InvalidInput(
            "a tenant id is 3 to 64 characters: lower-case letters, digits and inner hyphens"
        )
    return value


class TenantStore:
    """Tenants, clients, sealed keys and access tokens in ``engine``'s database."""

    def __init__(self, engine: Engine, secret: bytes) -> None:
        self._engine = engine
        self._box = nacl.secret.SecretBox(secret)
        self._keys: dict[tuple[str, str], Key] = {}
        self._tenants: dict[str, Tenant] = {}
        self._grants: dict[str, tuple[float, AccessGrant]] = {}
        self._cache_lock = threading.Lock()

    # ------------------------------------------------------------------ tenants

    def create(
        self,
        tenant_id: str,
        kind: str,
        name: str,
        *,
        did: str | None = None,
        keys: dict[str, Key] | None = None,
    ) -> tuple[Tenant, str]:
        """Register a tenant with its client; return it and the client secret (shown once).

        ``keys`` (``{"key-1": Key, …}``) are sealed and stored in the same transaction.
        Raises :class:`TenantExists` if the id or the DID is taken.
        """
        check_tenant_id(tenant_id)
        if kind not in KINDS:
            raise InvalidInput(f"a tenant kind is one of {list(KINDS)}")
        if not isinstance(name, str) or not 0 < len(name) <= 200 or not name.isprintable():
            raise InvalidInput("a tenant name is 1 to 200 printable characters")
        client_id = f"{tenant_id}-{secrets.token_hex(4)}"
        client_secret = secrets.token_urlsafe(32)
        now = int(time.time())
        try:
            with write_transaction(self._engine) as conn:
                conn.execute(
                    tenants_table.insert().values(
                        tenant_id=tenant_id,
                        kind=kind,
                        name=name,
                        did=did,
                        client_id=client_id,
                        secret_hash=_sha256(client_secret),
                        created_at=now,
                    )
                )
                for key_ref, key in (keys or {}).items():
                    conn.execute(
                        tenant_keys_table.insert().values(
                            tenant_id=tenant_id,
                            key_ref=key_ref,
                            key_type=key.type,
                            sealed=self._seal(tenant_id, key_ref, key),
                            created_at=now,
                        )
                    )
        except sa.exc.IntegrityError as exc:
            raise TenantExists(f"tenant {tenant_id!r} (or its DID) already exists") from exc
        return Tenant(tenant_id, kind, name, did, client_id), client_secret

    def get(self, tenant_id: str) -> Tenant | None:
        """The tenant ``tenant_id``, or ``None`` (a tenant never changes once registered, so
        one found is remembered)."""
        known = self._tenants.get(tenant_id)
        if known is not None:
            return known
        tenant = self._get(tenant_id)
        if tenant is not None:
            self._tenants[tenant_id] = tenant
        return tenant

    def _get(self, tenant_id: str) -> Tenant | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(tenants_table).where(tenants_table.c.tenant_id == tenant_id)
            ).first()
        return None if row is None else _tenant(row)

    def by_did(self, did: str) -> Tenant | None:
        """The tenant whose DID is ``did``, or ``None``."""
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(tenants_table).where(tenants_table.c.did == did)).first()
        return None if row is None else _tenant(row)

    def list(self, kind: str | None = None) -> list[Tenant]:
        """Every tenant (of ``kind``), by id."""
        query = sa.select(tenants_table).order_by(tenants_table.c.tenant_id)
        if kind is not None:
            query = query.where(tenants_table.c.kind == kind)
        with self._engine.connect() as conn:
            return [_tenant(row) for row in conn.execute(query)]

    def count(self) -> int:
        """How many tenants there are."""
        with self._engine.connect() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(tenants_table)).scalar_one()
            )

    # ------------------------------------------------------------------ keys

    def _seal(self, tenant_id: str, key_ref: str, key: Key) -> bytes:
        label = _KEY_LABEL + f"{tenant_id} {key_ref}\n".encode()
        plaintext = label + json.dumps(key.private_jwk(), sort_keys=True).encode()
        return bytes(self._box.encrypt(plaintext))

    def key(self, tenant_id: str, key_ref: str) -> Key:
        """The tenant's private key ``key_ref``, unsealed (cached in memory)."""
        cached = self._keys.get((tenant_id, key_ref))
        if cached is not None:
            return cached
        with self._engine.connect() as conn:
            sealed = conn.execute(
                sa.select(tenant_keys_table.c.sealed).where(
                    tenant_keys_table.c.tenant_id == tenant_id,
                    tenant_keys_table.c.key_ref == key_ref,
                )
            ).scalar()
        if sealed is None:
            raise LedgerError(f"tenant {tenant_id!r} has no key {key_ref!r}")
        try:
            plaintext = self._box.decrypt(bytes(sealed))
        except nacl.exceptions.CryptoError as exc:
            raise LedgerError("the ledger secret does not open a tenant key") from exc
        label = _KEY_LABEL + f"{tenant_id} {key_ref}\n".encode()
        if not plaintext.startswith(label):
            raise LedgerError("the sealed value is not this tenant's key")
        key = Key.from_jwk(json.loads(plaintext[len(label) :]))
        self._keys[(tenant_id, key_ref)] = key
        return key

    # ------------------------------------------------------------------ OAuth 2.0

    def authenticate(self, client_id: str, client_secret: str) -> Tenant | None:
        """The tenant whose client this is, if the secret matches (constant-time compare)."""
        if len(client_id) > 64 or len(client_secret) > 256:
            return None
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(tenants_table).where(tenants_table.c.client_id == client_id)
            ).first()
        if row is None:
            # Compare anyway, so that timing does not tell known client ids from unknown ones.
            hmac.compare_digest(_sha256(client_secret), "0" * 64)
            return None
        if not hmac.compare_digest(_sha256(client_secret), row.secret_hash):
            return None
        return _tenant(row)

    def issue_token(self, tenant: Tenant, scopes: frozenset[str]) -> tuple[str, int]:
        """A new bearer token for ``tenant`` with ``scopes``; return it and its lifetime."""
        token = secrets.token_urlsafe(32)
        now = int(time.time())
        with write_transaction(self._engine) as conn:
            # Expired tokens are pruned as new ones are issued, so the table stays small.
            conn.execute(access_tokens_table.delete().where(access_tokens_table.c.expires_at < now))
            conn.execute(
                access_tokens_table.insert().values(
                    token_hash=_sha256(token),
                    tenant_id=tenant.tenant_id,
                    scope=" ".join(sorted(scopes)),
                    expires_at=now + ACCESS_TOKEN_TTL,
                )
            )
        return token, ACCESS_TOKEN_TTL

    def cached_grant(self, token: str) -> AccessGrant | None:
        """The grant of ``token`` if it was checked in the last few seconds (no database read),
        else ``None`` (then ask :meth:`check_token`)."""
        if not token or len(token) > 128:
            return None
        with self._cache_lock:
            hit = self._grants.get(_sha256(token))
        if hit is not None and time.time() < hit[0]:
            return hit[1]
        return None

    def check_token(self, token: str) -> AccessGrant | None:
        """The grant of an unexpired access token, or ``None``.

        A grant read from the database is reused for :data:`GRANT_CACHE_SECONDS` (never past
        the token's expiry): a relying party sends the same token with every request.
        """
        if not token or len(token) > 128:
            return None
        token_hash = _sha256(token)
        now = time.time()
        with self._cache_lock:
            hit = self._grants.get(token_hash)
        if hit is not None and now < hit[0]:
            return hit[1]
        grant, expires_at = self._read_grant(token_hash)
        if grant is not None:
            with self._cache_lock:
                if len(self._grants) >= _GRANT_CACHE_SIZE:
                    self._grants.clear()
                self._grants[token_hash] = (min(now + GRANT_CACHE_SECONDS, expires_at), grant)
        return grant

    def _read_grant(self, token_hash: str) -> tuple[AccessGrant | None, float]:
        query = (
            sa.select(tenants_table, access_tokens_table.c.scope)
            .select_from(
                access_tokens_table.join(
                    tenants_table, access_tokens_table.c.tenant_id == tenants_table.c.tenant_id
                )
            )
            .where(
                access_tokens_table.c.token_hash == token_hash,
                access_tokens_table.c.expires_at > int(time.time()),
            )
        )
        with self._engine.connect() as conn:
            row = conn.execute(
                query.add_columns(access_tokens_table.c.expires_at.label("token_expires_at"))
            ).first()
        if row is None:
            return None, 0.0
        grant = AccessGrant(_tenant(row), frozenset(str(row.scope).split()))
        return grant, float(row.token_expires_at)


def _tenant(row: sa.Row[object]) -> Tenant:
    mapping = row._mapping
    return Tenant(
        tenant_id=str(mapping["tenant_id"]),
        kind=str(mapping["kind"]),
        name=str(mapping["name"]),
        did=None if mapping["did"] is None else str(mapping["did"]),
        client_id=str(mapping["client_id"]),
    )
