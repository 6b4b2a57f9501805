"""The issuer's transient state: credential offers, access tokens and nonces, in SQL tables.

OpenID for Verifiable Credential Issuance 1.0 (OID4VCI) pre-authorized code flow
(``specs/http-api.md`` §8). Secrets are stored hashed: the pre-authorized code and the access
token as SHA-256 (both are 256-bit random values, so a hash cannot be inverted), the transaction
code as SHA-256 over the pre-authorized code and the transaction code (six digits alone would be
found by trying all of them; bound to the code they cannot be tried without it). A copy of the
database therefore redeems nothing.

Every "use once" rule is one conditional ``UPDATE ... WHERE used_at IS NULL`` whose row count
says whether this request won: two concurrent redemptions of one code, token or nonce cannot
both succeed. Times are integer seconds since the epoch (UTC), which both SQLite and PostgreSQL
compare natively.

The revision ``0002`` (``migrations/versions/r0002_issuer_tables.py``) creates exactly
:data:`metadata`'s tables; ``tests/test_service_issuance.py`` compares the two.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

__all__ = [
    "MAX_TX_CODE_ATTEMPTS",
    "NONCE_TTL",
    "OFFER_TTL",
    "TOKEN_TTL",
    "IssuerStore",
    "Offer",
    "TokenRefused",
    "metadata",
]

#: How long a credential offer can be redeemed (seconds).
OFFER_TTL = 24 * 3600
#: How long an access token is valid (seconds): long enough for one credential request.
TOKEN_TTL = 300
#: How long a ``c_nonce`` is valid (seconds).
NONCE_TTL = 300
#: Wrong transaction codes accepted before the pre-authorized code is locked: with six digits,
#: five guesses give an attacker who intercepted the offer a 1 in 200 000 chance.
MAX_TX_CODE_ATTEMPTS = 5

metadata = sa.MetaData()

offers_table = sa.Table(
    "issuer_offers",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("tx_code_hash", sa.String(64), nullable=False),
    sa.Column("configuration_id", sa.String(100), nullable=False),
    sa.Column("claims", sa.Text(), nullable=False),
    sa.Column("created_at", sa.BigInteger(), nullable=False),
    sa.Column("expires_at", sa.BigInteger(), nullable=False),
    sa.Column("failed_attempts", sa.Integer(), nullable=False),
    sa.Column("redeemed_at", sa.BigInteger(), nullable=True),
)

tokens_table = sa.Table(
    "issuer_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.BigInteger(), nullable=False),
    sa.Column("used_at", sa.BigInteger(), nullable=True),
)

nonces_table = sa.Table(
    "issuer_nonces",
    metadata,
    sa.Column("nonce", sa.String(64), primary_key=True),
    sa.Column("expires_at", sa.BigInteger(), nullable=False),
    sa.Column("used_at", sa.BigInteger(), nullable=True),
)


class TokenRefused(Exception):
    """A pre-authorized code or transaction code was refused (RFC 6749 §5.2 ``invalid_grant``)."""


@dataclass(frozen=True)
class Offer:
    """An offer as the credential endpoint needs it: what to issue, and the claims."""

    configuration_id: str
    claims: dict[str, Any]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _tx_hash(code: str, tx_code: str) -> str:
    return _sha256(code + "\n" + tx_code)


class IssuerStore:
    """Offers, access tokens and nonces of the pre-authorized code flow, in ``engine``'s database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create_offer(self, configuration_id: str, claims: dict[str, Any]) -> tuple[str, str]:
        """Store a new offer; return its pre-authorized code and six-digit transaction code."""
        code = secrets.token_urlsafe(32)
        tx_code = f"{secrets.randbelow(10**6):06d}"
        now = int(time.time())
        with self._engine.begin() as conn:
            conn.execute(
                offers_table.insert().values(
                    code_hash=_sha256(code),
                    tx_code_hash=_tx_hash(code, tx_code),
                    configuration_id=configuration_id,
                    claims=json.dumps(claims, ensure_ascii=False),
                    created_at=now,
                    expires_at=now + OFFER_TTL,
                    failed_attempts=0,
                    redeemed_at=None,
                )
            )
        return code, tx_code

    def redeem(self, code: str, tx_code: str | None) -> str:
        """Exchange a pre-authorized code (and its transaction code) for a new access token.

        OID4VCI 1.0 §6.1: the code is single-use; a wrong transaction code counts as an attempt,
        and after :data:`MAX_TX_CODE_ATTEMPTS` the code is locked. Raises :class:`TokenRefused`.
        """
        code_hash = _sha256(code)
        now = int(time.time())
        with self._engine.begin() as conn:
            row = conn.execute(
                sa.select(
                    offers_table.c.tx_code_hash,
                    offers_table.c.expires_at,
                    offers_table.c.failed_attempts,
                    offers_table.c.redeemed_at,
                ).where(offers_table.c.code_hash == code_hash)
            ).first()
            if row is None:
                raise TokenRefused("unknown pre-authorized code")
            if row.redeemed_at is not None:
                raise TokenRefused("the pre-authorized code was already used")
            if row.expires_at <= now:
                raise TokenRefused("the pre-authorized code has expired")
            # Every attempt takes one of the MAX_TX_CODE_ATTEMPTS slots *before* the comparison,
            # in one conditional UPDATE, so concurrent guesses cannot exceed the limit. The
            # transaction commits even when the code is wrong: raising inside it would roll the
            # count back and leave the six digits open to unlimited guessing.
            slot = conn.execute(
                offers_table.update()
                .where(
                    offers_table.c.code_hash == code_hash,
                    offers_table.c.failed_attempts < MAX_TX_CODE_ATTEMPTS,
                )
                .values(failed_attempts=offers_table.c.failed_attempts + 1)
            ).rowcount
            given = _tx_hash(code, tx_code or "")
            token: str | None = None
            if slot != 1:
                locked = True
            else:
                locked = False
                if tx_code is not None and hmac.compare_digest(row.tx_code_hash, given):
                    token = self._issue_token(conn, code_hash, now)
        if locked:
            raise TokenRefused("the pre-authorized code is locked after too many wrong tx_codes")
        if token is None:
            raise TokenRefused("wrong or missing tx_code")
        return token

    @staticmethod
    def _issue_token(conn: sa.Connection, code_hash: str, now: int) -> str:
        won = conn.execute(
            offers_table.update()
            .where(offers_table.c.code_hash == code_hash, offers_table.c.redeemed_at.is_(None))
            .values(redeemed_at=now)
        ).rowcount
        if won != 1:
            raise TokenRefused("the pre-authorized code was already used")
        token = secrets.token_urlsafe(32)
        conn.execute(
            tokens_table.insert().values(
                token_hash=_sha256(token),
                code_hash=code_hash,
                expires_at=now + TOKEN_TTL,
                used_at=None,
            )
        )
        return token

    def offer_for_token(self, token: str) -> Offer | None:
        """The offer an unused, unexpired access token was issued for, or ``None``."""
        now = int(time.time())
        query = (
            sa.select(offers_table.c.configuration_id, offers_table.c.claims)
            .select_from(
                tokens_table.join(
                    offers_table, tokens_table.c.code_hash == offers_table.c.code_hash
                )
            )
            .where(
                tokens_table.c.token_hash == _sha256(token),
                tokens_table.c.used_at.is_(None),
                tokens_table.c.expires_at > now,
            )
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return Offer(configuration_id=row.configuration_id, claims=json.loads(row.claims))

    def use_token(self, token: str) -> bool:
        """Mark an access token used; ``False`` if it was already used or has expired."""
        now = int(time.time())
        with self._engine.begin() as conn:
            count = conn.execute(
                tokens_table.update()
                .where(
                    tokens_table.c.token_hash == _sha256(token),
                    tokens_table.c.used_at.is_(None),
                    tokens_table.c.expires_at > now,
                )
                .values(used_at=now)
            ).rowcount
        return bool(count == 1)

    def new_nonce(self) -> str:
        """A fresh ``c_nonce`` (OID4VCI 1.0 §7.2), valid for :data:`NONCE_TTL` seconds."""
        nonce = secrets.token_urlsafe(32)
        with self._engine.begin() as conn:
            conn.execute(
                nonces_table.insert().values(
                    nonce=nonce, expires_at=int(time.time()) + NONCE_TTL, used_at=None
                )
            )
        return nonce

    def use_nonce(self, nonce: str) -> bool:
        """Consume a ``c_nonce``; ``False`` if unknown, expired or already used (replay)."""
        if len(nonce) > 64:
            return False
        now = int(time.time())
        with self._engine.begin() as conn:
            count = conn.execute(
                nonces_table.update()
                .where(
                    nonces_table.c.nonce == nonce,
                    nonces_table.c.used_at.is_(None),
                    nonces_table.c.expires_at > now,
                )
                .values(used_at=now)
            ).rowcount
        return bool(count == 1)
