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

Revocation (IETF Token Status List, draft-ietf-oauth-status-list §4, §6): each issuer has one
Status List of :data:`STATUS_LIST_SIZE` two-bit entries (``issuer_status_lists``); every issued
credential takes a random unused index, one row of ``issuer_status_entries`` whose primary key
``(list_id, idx)`` makes a double allocation impossible. Only the entries are stored, with their
status, and the list is rebuilt from the non-VALID ones when its token is served, so revoking is a
one-row ``UPDATE`` and concurrent changes cannot overwrite each other.

The revisions ``0002`` and ``0003`` (``migrations/versions/r0002_issuer_tables.py``,
``r0003_status_lists.py``) create exactly :data:`metadata`'s tables;
``tests/test_service_issuance.py`` compares the two.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from vc_service._token_status import STATUS_INVALID, TokenStatusList
from vc_service.ledger._store import write_transaction

__all__ = [
    "MAX_TX_CODE_ATTEMPTS",
    "ConfigurationIssued",
    "NonceRefused",
    "NONCE_TTL",
    "OFFER_RETENTION",
    "OFFER_TTL",
    "SWEEP_INTERVAL",
    "STATUS_LIST_BITS",
    "STATUS_LIST_SIZE",
    "TOKEN_TTL",
    "IssuerStore",
    "Issued",
    "Offer",
    "RevocationFinal",
    "StatusEntryUnknown",
    "StatusListFull",
    "TokenRefused",
    "metadata",
]

#: How long a credential offer can be redeemed (seconds).
OFFER_TTL = 24 * 3600
#: Seconds an expired offer's row (without its claims) is kept, so that a replayed code is told
#: it was used rather than unknown; then it is deleted with its items and tokens.
OFFER_RETENTION = 7 * 24 * 3600
#: Seconds between two sweeps of spent offers by one process (``sweep_if_due``).
SWEEP_INTERVAL = 30.0
#: How long an access token is valid (seconds): long enough for one credential request.
TOKEN_TTL = 300
#: How long a ``c_nonce`` is valid (seconds).
NONCE_TTL = 300
#: One credential request in this many also deletes the spent nonces that have expired.
_NONCE_PRUNE_ODDS = 256
#: Wrong transaction codes accepted before the pre-authorized code is locked: with six digits,
#: five guesses give an attacker who intercepted the offer a 1 in 200 000 chance.
MAX_TX_CODE_ATTEMPTS = 5
#: Bits per Status List entry (draft-ietf-oauth-status-list §4.1): VALID, INVALID, SUSPENDED.
STATUS_LIST_BITS = 2
#: Entries per Status List: 2^17, i.e. 32 KiB uncompressed. A random index among 131 072 hides
#: the issuance order (§12.5 "Unlinkability"); a list that is mostly VALID compresses to a few
#: hundred bytes, and one with 10 000 revocations to about 20 KiB.
STATUS_LIST_SIZE = 1 << 17
#: Random picks tried before a Status List is declared full (a collision is likely only once
#: most of the list is used; a second list per issuer comes later).
_ALLOCATION_ATTEMPTS = 64

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
    # Revision 0004: the agency that made the offer (NULL for offers made before tenants).
    sa.Column("tenant_id", sa.String(64), nullable=True),
    # Revision 0007: the sweep of spent offers reads a range of expiry times.
    sa.Index("ix_issuer_offers_expires_at", "expires_at"),
)

#: One row per credential configuration of an offer (revision 0004): an offer of a type in two
#: formats is redeemed once and then yields each configuration once.
offer_items_table = sa.Table(
    "issuer_offer_items",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("configuration_id", sa.String(120), primary_key=True),
    sa.Column("issued_at", sa.BigInteger(), nullable=True),
)

#: The issuer's record of every credential it signed (revision 0004). ``anchor_hash`` is what
#: went to the ledger: SHA-256 over a random salt and the credential's digest, so the ledger
#: shows that a credential was issued and when, and nothing a guesser could confirm; the salt
#: stays here, to prove one credential's issuance later (to an auditor, a court) by revealing it.
issued_table = sa.Table(
    "issuer_issued",
    metadata,
    sa.Column("anchor_hash", sa.String(64), primary_key=True),
    sa.Column("credential_hash", sa.String(64), nullable=False, index=True),
    sa.Column("credential_id", sa.String(200), nullable=True, index=True),
    sa.Column("salt", sa.String(64), nullable=False),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("type_id", sa.String(200), nullable=False),
    sa.Column("format", sa.String(32), nullable=False),
    sa.Column("list_id", sa.String(64), nullable=False),
    sa.Column("idx", sa.Integer(), nullable=False),
    sa.Column("issued_at", sa.BigInteger(), nullable=False),
    sa.Column("ledger_index", sa.BigInteger(), nullable=True),
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


status_lists_table = sa.Table(
    "issuer_status_lists",
    metadata,
    sa.Column("list_id", sa.String(64), primary_key=True),
    sa.Column("issuer", sa.String(200), nullable=False, unique=True),
    sa.Column("bits", sa.Integer(), nullable=False),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("created_at", sa.BigInteger(), nullable=False),
    # Revision 0006: bumped in the transaction of every status change, so that a process holding
    # a built list (a Status List Token, a Bitstring credential) knows with one primary-key read
    # whether any process has changed the list since.
    sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
)

status_entries_table = sa.Table(
    "issuer_status_entries",
    metadata,
    sa.Column("list_id", sa.String(64), primary_key=True),
    sa.Column("idx", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("credential_hash", sa.String(64), nullable=True),
    sa.Column("status", sa.Integer(), nullable=False),
    sa.Column("updated_at", sa.BigInteger(), nullable=False),
)


class TokenRefused(Exception):
    """A pre-authorized code or transaction code was refused (RFC 6749 §5.2 ``invalid_grant``)."""


class NonceRefused(Exception):
    """The ``c_nonce`` is unknown, expired or already used (OID4VCI §8.3.1.2 ``invalid_nonce``)."""


class ConfigurationIssued(Exception):
    """The offer's configuration was already issued (or is not in the offer)."""


class StatusListFull(Exception):
    """No unused index was found in the issuer's Status List."""


class RevocationFinal(Exception):
    """The entry is revoked (INVALID); revocation cannot be undone."""


class StatusEntryUnknown(Exception):
    """The index is not allocated to the given credential in this Status List."""


@dataclass(frozen=True)
class Offer:
    """An offer as the credential endpoint needs it: who issues what, and the claims.

    ``configuration_ids`` are the configurations not yet issued under this offer.
    """

    code_hash: str
    tenant_id: str | None
    configuration_ids: tuple[str, ...]
    claims: dict[str, Any]

    @property
    def configuration_id(self) -> str | None:
        """The first configuration still to issue (``None`` when all are issued)."""
        return self.configuration_ids[0] if self.configuration_ids else None


@dataclass(frozen=True)
class Issued:
    """The issuer's record of one credential (:data:`issued_table`)."""

    anchor_hash: str
    credential_hash: str
    credential_id: str | None
    salt: str
    tenant_id: str
    type_id: str
    format: str
    list_id: str
    idx: int
    issued_at: int
    ledger_index: int | None


# Statements of the issuance flow, built once. Building a SQLAlchemy statement (and its cache
# key) cost about two thirds of a short query's time, 330 µs against 110 µs for the prebuilt
# form of offer_for_token's two queries; under load that time is also spent inside the write
# gate. Values go in as bound parameters.
_P = sa.bindparam
_OFFERS, _ITEMS, _TOKENS = offers_table.c, offer_items_table.c, tokens_table.c
_INSERT_OFFER = offers_table.insert()
_INSERT_ITEMS = offer_items_table.insert()
_INSERT_TOKEN = tokens_table.insert()
_OFFER_STATE = sa.select(_OFFERS.expires_at, _OFFERS.failed_attempts, _OFFERS.redeemed_at).where(
    _OFFERS.code_hash == _P("code_hash")
)
_ITEM_IDS = (
    sa.select(_ITEMS.configuration_id)
    .where(_ITEMS.code_hash == _P("code_hash"))
    .order_by(_ITEMS.configuration_id)
)
_UNISSUED_ITEM_IDS = (
    sa.select(_ITEMS.configuration_id)
    .where(_ITEMS.code_hash == _P("code_hash"), _ITEMS.issued_at.is_(None))
    .order_by(_ITEMS.configuration_id)
)
_OFFER_FOR_TOKEN = (
    sa.select(_OFFERS.code_hash, _OFFERS.tenant_id, _OFFERS.claims)
    .select_from(tokens_table.join(offers_table, _TOKENS.code_hash == _OFFERS.code_hash))
    .where(
        _TOKENS.token_hash == _P("token_hash"),
        _TOKENS.used_at.is_(None),
        _TOKENS.expires_at > _P("now"),
    )
)
#: The transaction code given, and its digest equals the stored one.
_MATCHES = sa.and_(
    _P("has_tx_code", type_=sa.Boolean()), _OFFERS.tx_code_hash == _P("given", type_=sa.String())
)
#: Takes an attempt slot and, when the transaction code matches, redeems the code; returns the
#: new ``redeemed_at`` (NULL: a wrong code).
_REDEEM = (
    offers_table.update()
    .where(
        _OFFERS.code_hash == _P("offer"),
        _OFFERS.redeemed_at.is_(None),
        _OFFERS.expires_at > _P("now"),
        _OFFERS.failed_attempts < MAX_TX_CODE_ATTEMPTS,
    )
    .values(
        failed_attempts=_OFFERS.failed_attempts + 1,
        redeemed_at=sa.case((_MATCHES, _P("stamp", type_=sa.BigInteger())), else_=None),
        # A redeemed offer can deliver nothing once its access token has expired: its expiry
        # moves there, so that the sweep finds it by expiry alone.
        expires_at=sa.case(
            (
                sa.and_(_MATCHES, _OFFERS.expires_at > _P("token_expiry", type_=sa.BigInteger())),
                _P("token_expiry", type_=sa.BigInteger()),
            ),
            else_=_OFFERS.expires_at,
        ),
    )
    .returning(_OFFERS.redeemed_at)
)
_ISSUE_ITEM = (
    offer_items_table.update()
    .where(
        _ITEMS.code_hash == _P("offer"),
        _ITEMS.configuration_id == _P("configuration"),
        _ITEMS.issued_at.is_(None),
    )
    .values(issued_at=_P("now"))
)


#: Erases an offer's claims once none of its configurations is left to issue.
_ERASE_IF_ALL_ISSUED = (
    offers_table.update()
    .where(
        _OFFERS.code_hash == _P("offer"),
        ~sa.select(_ITEMS.code_hash)
        .where(_ITEMS.code_hash == _P("offer"), _ITEMS.issued_at.is_(None))
        .exists(),
    )
    .values(claims="{}")
)
_INSERT_ISSUED = issued_table.insert()
#: Binds a reserved status entry to the credential issued with it.
_BIND_STATUS = (
    status_entries_table.update()
    .where(
        status_entries_table.c.list_id == _P("list"),
        status_entries_table.c.idx == _P("entry"),
        status_entries_table.c.credential_hash.is_(None),
    )
    .values(credential_hash=_P("digest"))
)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _tx_hash(code: str, tx_code: str) -> str:
    return _sha256(code + "\n" + tx_code)


class IssuerStore:
    """Offers, access tokens and nonces of the pre-authorized code flow, in ``engine``'s database."""

    def __init__(self, engine: Engine, *, nonce_key: bytes | None = None) -> None:
        """``nonce_key`` authenticates the ``c_nonce`` values; every process serving the same
        database must use the same key (the service derives it from the ledger secret). Without
        one, a random key: nonces are then accepted by this store object only."""
        self._engine = engine
        self._nonce_key = nonce_key if nonce_key is not None else secrets.token_bytes(32)
        self._swept_at = -SWEEP_INTERVAL
        #: The ``now`` of this store's previous sweep (``None``: none yet, sweep everything).
        self._swept_to: int | None = None

    def create_offer(
        self,
        configuration_ids: str | list[str],
        claims: dict[str, Any],
        *,
        tenant_id: str | None = None,
        code: str | None = None,
    ) -> tuple[str, str]:
        """Store a new offer; return its pre-authorized code and six-digit transaction code.

        ``code`` (256 bits, derived by the caller) defaults to a random one.
        """
        ids = [configuration_ids] if isinstance(configuration_ids, str) else list(configuration_ids)
        code = code or secrets.token_urlsafe(32)
        code_hash = _sha256(code)
        tx_code = f"{secrets.randbelow(10**6):06d}"
        now = int(time.time())
        offer = {
            "code_hash": code_hash,
            "tx_code_hash": _tx_hash(code, tx_code),
            "configuration_id": ids[0],
            "claims": json.dumps(claims, ensure_ascii=False),
            "created_at": now,
            "expires_at": now + OFFER_TTL,
            "failed_attempts": 0,
            "redeemed_at": None,
            "tenant_id": tenant_id,
        }
        items = [
            {"code_hash": code_hash, "configuration_id": cid, "issued_at": None} for cid in ids
        ]
        with write_transaction(self._engine) as conn:
            conn.execute(_INSERT_OFFER, offer)
            conn.execute(_INSERT_ITEMS, items)
        return code, tx_code

    def sweep(self, now: int | None = None) -> tuple[int, int]:
        """Erase the claims of expired offers, and drop long-dead offers.

        An offer's claims (the citizen's personal data, held only to be signed) are erased
        (replaced by ``{}``) when its last configuration is issued (:meth:`begin_issuance`) and,
        here, when it expires: unredeemed, or redeemed and past its access token's expiry (the
        redemption moves the offer's expiry there). Offers past their expiry by
        :data:`OFFER_RETENTION` go entirely, with their items and tokens (until then a replayed
        code is still told that it was used, not that it is unknown). Both read a range of the
        expiry index; after its first sweep a store reads only what expired since its previous
        one (less a minute for clocks that differ between workers). Returns (offers erased,
        offers deleted).
        """
        now = int(time.time()) if now is None else now
        offers, items, tokens = offers_table.c, offer_items_table.c, tokens_table.c
        expired = offers.expires_at <= now
        if self._swept_to is not None:
            expired = sa.and_(expired, offers.expires_at > self._swept_to - 60)
        dead = sa.select(offers.code_hash).where(offers.expires_at <= now - OFFER_RETENTION)
        with write_transaction(self._engine) as conn:
            erased = conn.execute(
                offers_table.update().where(expired, offers.claims != "{}").values(claims="{}")
            ).rowcount
            conn.execute(offer_items_table.delete().where(items.code_hash.in_(dead)))
            conn.execute(tokens_table.delete().where(tokens.code_hash.in_(dead)))
            deleted = conn.execute(
                offers_table.delete().where(offers.expires_at <= now - OFFER_RETENTION)
            ).rowcount
        self._swept_to = now
        return int(erased), int(deleted)

    def sweep_if_due(self) -> None:
        """:meth:`sweep`, at most once every :data:`SWEEP_INTERVAL` seconds in this process."""
        now = time.monotonic()
        if now - self._swept_at < SWEEP_INTERVAL:
            return
        self._swept_at = now
        self.sweep()

    def pending_offer(self, code: str) -> list[str] | None:
        """The configuration ids of the unredeemed, unexpired offer with ``code``, or ``None``."""
        code_hash = _sha256(code)
        with self._engine.connect() as conn:
            row = conn.execute(_OFFER_STATE, {"code_hash": code_hash}).first()
            if row is None or row.redeemed_at is not None or row.expires_at <= int(time.time()):
                return None
            ids = conn.execute(_ITEM_IDS, {"code_hash": code_hash}).scalars()
            return [str(i) for i in ids]

    def redeem(self, code: str, tx_code: str | None) -> str:
        """Exchange a pre-authorized code (and its transaction code) for a new access token.

        OID4VCI 1.0 §6.1: the code is single-use; a wrong transaction code counts as an attempt,
        and after :data:`MAX_TX_CODE_ATTEMPTS` the code is locked. Raises :class:`TokenRefused`.
        """
        code_hash = _sha256(code)
        now = int(time.time())
        given = _tx_hash(code, tx_code or "")
        # One conditional UPDATE takes an attempt slot and, when the transaction code matches,
        # redeems the code: concurrent guesses cannot exceed MAX_TX_CODE_ATTEMPTS, and two
        # redemptions cannot both win (the row no longer matches 'redeemed_at IS NULL'). The
        # transaction commits even when the code is wrong: rolling the count back would leave
        # the six digits open to unlimited guessing. (The comparison of the two SHA-256 values
        # in SQL is not constant-time; it compares digests of a per-offer input, which tells
        # a guesser nothing about the digits, and the guesses are capped.)
        params = {
            "offer": code_hash,
            "now": now,
            "stamp": now,
            "token_expiry": now + TOKEN_TTL,
            "given": given,
            "has_tx_code": tx_code is not None,
        }
        with write_transaction(self._engine) as conn:
            row = conn.execute(_REDEEM, params).first()
            if row is None:
                refusal = self._refusal(conn, code_hash, now)
            elif row.redeemed_at is None:
                refusal = "wrong or missing tx_code"
            else:
                return self._issue_token(conn, code_hash, now)
        raise TokenRefused(refusal)

    @staticmethod
    def _refusal(conn: sa.Connection, code_hash: str, now: int) -> str:
        """Why the conditional redemption matched no offer (the rare path: one more read)."""
        row = conn.execute(_OFFER_STATE, {"code_hash": code_hash}).first()
        if row is None:
            return "unknown pre-authorized code"
        if row.redeemed_at is not None:
            return "the pre-authorized code was already used"
        if row.expires_at <= now:
            return "the pre-authorized code has expired"
        return "the pre-authorized code is locked after too many wrong tx_codes"

    @staticmethod
    def _issue_token(conn: sa.Connection, code_hash: str, now: int) -> str:
        token = secrets.token_urlsafe(32)
        conn.execute(
            _INSERT_TOKEN,
            {
                "token_hash": _sha256(token),
                "code_hash": code_hash,
                "expires_at": now + TOKEN_TTL,
                "used_at": None,
            },
        )
        return token

    def offer_for_token(self, token: str) -> Offer | None:
        """The offer an unused, unexpired access token was issued for, or ``None``."""
        now = int(time.time())
        with self._engine.connect() as conn:
            row = conn.execute(_OFFER_FOR_TOKEN, {"token_hash": _sha256(token), "now": now}).first()
            if row is None:
                return None
            remaining = conn.execute(_UNISSUED_ITEM_IDS, {"code_hash": row.code_hash}).scalars()
            ids = tuple(str(cid) for cid in remaining)
        return Offer(
            code_hash=str(row.code_hash),
            tenant_id=None if row.tenant_id is None else str(row.tenant_id),
            configuration_ids=ids,
            claims=json.loads(row.claims),
        )

    def record_issued(self, records: Issued | Sequence[Issued]) -> None:
        """Store issuance records and bind each status entry to its credential, atomically."""
        batch = [records] if isinstance(records, Issued) else list(records)
        if not batch:
            return
        with write_transaction(self._engine) as conn:
            conn.execute(
                _INSERT_ISSUED,
                [{name: getattr(r, name) for name in Issued.__dataclass_fields__} for r in batch],
            )
            conn.execute(
                _BIND_STATUS,
                [{"list": r.list_id, "entry": r.idx, "digest": r.credential_hash} for r in batch],
            )

    def issued(
        self, credential_hash: str | None = None, *, credential_id: str | None = None
    ) -> Issued | None:
        """The issuance record of the credential with ``credential_hash`` (or with the
        ``id`` ``credential_id``), or ``None``."""
        if credential_hash is not None:
            where = issued_table.c.credential_hash == credential_hash
        else:
            where = issued_table.c.credential_id == credential_id
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(issued_table).where(where)).first()
        if row is None:
            return None
        return Issued(**{name: row._mapping[name] for name in Issued.__dataclass_fields__})

    def new_nonce(self) -> str:
        """A fresh ``c_nonce`` (OID4VCI 1.0 §7.2), valid for :data:`NONCE_TTL` seconds.

        Nothing is stored: the nonce is 16 random bytes and its expiry time, authenticated by an
        HMAC-SHA-256 tag (truncated to 128 bits) under the store's nonce key, so minting one
        costs no write transaction. Its single use is enforced when it is spent
        (:meth:`begin_issuance`), where the spent nonce is inserted until it expires.
        """
        body = secrets.token_bytes(16) + (int(time.time()) + NONCE_TTL).to_bytes(8, "big")
        return _b64url(body + self._nonce_tag(body))

    def _nonce_tag(self, body: bytes) -> bytes:
        return hmac.new(self._nonce_key, b"c_nonce v1" + body, hashlib.sha256).digest()[:16]

    def _nonce_expiry(self, nonce: str) -> int:
        """The expiry time of one of our unexpired nonces; :class:`NonceRefused` otherwise."""
        try:
            raw = base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4))
        except ValueError:
            raw = b""
        if len(raw) != 40 or not hmac.compare_digest(raw[24:], self._nonce_tag(raw[:24])):
            raise NonceRefused("the nonce is not one of ours")
        expires_at = int.from_bytes(raw[16:24], "big")
        if expires_at <= int(time.time()):
            raise NonceRefused("the nonce has expired")
        return expires_at

    def begin_issuance(self, nonce: str, offer: Offer, configuration_id: str, list_id: str) -> int:
        """Spend the proof's ``c_nonce`` and the offer's configuration, and reserve a random
        status index of ``list_id``, in one transaction; return the index.

        Raises :class:`NonceRefused`, :class:`ConfigurationIssued` or :class:`StatusListFull`,
        and then nothing is consumed. One transaction instead of three: a credential request
        waits for one commit here, not three.
        """
        if len(nonce) > 64:
            raise NonceRefused("the nonce is not one of ours")
        expires_at = self._nonce_expiry(nonce)
        now = int(time.time())
        with write_transaction(self._engine) as conn:
            if secrets.randbelow(_NONCE_PRUNE_ODDS) == 0:
                # Spent nonces are kept only until they expire (a nonce past its expiry is
                # refused by its own tag); one request in _NONCE_PRUNE_ODDS sweeps them.
                conn.execute(nonces_table.delete().where(nonces_table.c.expires_at <= now))
            if not _insert_if_absent(
                conn, nonces_table, {"nonce": nonce, "expires_at": expires_at, "used_at": now}
            ):
                raise NonceRefused("the nonce was already used")
            issued = conn.execute(
                _ISSUE_ITEM,
                {"offer": offer.code_hash, "configuration": configuration_id, "now": now},
            ).rowcount
            if issued != 1:
                raise ConfigurationIssued(f"{configuration_id} was already issued")
            # The last configuration: the caller holds the claims it signs; the database need
            # not keep them.
            conn.execute(_ERASE_IF_ALL_ISSUED, {"offer": offer.code_hash})
            return _reserve_index(conn, list_id, now)

    def status_list_id(self, issuer: str) -> str:
        """The id of ``issuer``'s Status List, created on first use (set-if-absent).

        The id is random, so list URIs say nothing about the issuer or the order of creation.
        """
        select = sa.select(status_lists_table.c.list_id).where(
            status_lists_table.c.issuer == issuer
        )
        with self._engine.connect() as conn:
            existing = conn.execute(select).scalar()
        if existing is not None:
            return str(existing)
        try:
            with write_transaction(self._engine) as conn:
                list_id = secrets.token_urlsafe(16)
                conn.execute(
                    status_lists_table.insert().values(
                        list_id=list_id,
                        issuer=issuer,
                        bits=STATUS_LIST_BITS,
                        size=STATUS_LIST_SIZE,
                        created_at=int(time.time()),
                    )
                )
        except sa.exc.IntegrityError:
            with self._engine.connect() as conn:
                existing = conn.execute(select).scalar()
            if existing is None:  # pragma: no cover - the conflicting row cannot vanish
                raise
            return str(existing)
        return list_id

    def allocate_status_index(self, list_id: str) -> int:
        """Reserve a random unused index of the list (status VALID) and return it.

        The index comes from :func:`secrets.randbelow`, never a counter: sequential indexes would
        let anyone who sees two credentials tell which was issued first, and let a verifier
        enumerate the neighbours of a credential it saw (draft-ietf-oauth-status-list §12.5).
        The insert's primary key refuses an index already taken; we then draw again.
        """
        with write_transaction(self._engine) as conn:
            return _reserve_index(conn, list_id, int(time.time()))

    def set_status(self, list_id: str, idx: int, credential_hash: str, status: int) -> None:
        """Set the status of the entry ``idx`` held by the credential with ``credential_hash``.

        Revocation (``INVALID``, §7.1) is final: the ``UPDATE`` itself leaves a revoked entry
        alone unless the new status is ``INVALID`` again, so a concurrent reinstatement cannot
        slip in after a revocation; :class:`RevocationFinal` then. :class:`StatusEntryUnknown` if
        that index is not this credential's.
        """
        entry = (
            status_entries_table.c.list_id == list_id,
            status_entries_table.c.idx == idx,
            status_entries_table.c.credential_hash == credential_hash,
        )
        update = status_entries_table.update().where(*entry)
        if status != STATUS_INVALID:
            update = update.where(status_entries_table.c.status != STATUS_INVALID)
        exists = None
        with write_transaction(self._engine) as conn:
            count = conn.execute(update.values(status=status, updated_at=int(time.time()))).rowcount
            if count != 1:
                exists = conn.execute(sa.select(status_entries_table.c.idx).where(*entry)).first()
            else:
                conn.execute(
                    status_lists_table.update()
                    .where(status_lists_table.c.list_id == list_id)
                    .values(version=status_lists_table.c.version + 1)
                )
        if count == 1:
            return
        if exists is not None:
            raise RevocationFinal(f"index {idx} of list {list_id} is revoked")
        raise StatusEntryUnknown(f"index {idx} of list {list_id} is not this credential's")

    def _list_column(self, column: sa.Column[Any], list_id: str) -> Any:
        """``column`` of the status list ``list_id`` (``None``: no such list)."""
        with self._engine.connect() as conn:
            return conn.execute(
                sa.select(column).where(status_lists_table.c.list_id == list_id)
            ).scalar()

    def list_version(self, list_id: str) -> int | None:
        """How many status changes list ``list_id`` has had (``None``: no such list)."""
        value = self._list_column(status_lists_table.c.version, list_id)
        return None if value is None else int(value)

    def indexes_with_status(self, list_id: str, status: int) -> list[int]:
        """The indexes of ``list_id`` whose entry has ``status``."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(status_entries_table.c.idx).where(
                    status_entries_table.c.list_id == list_id,
                    status_entries_table.c.status == status,
                )
            ).scalars()
            return [int(idx) for idx in rows]

    def status_list_issuer(self, list_id: str) -> str | None:
        """The issuer (DID) whose list ``list_id`` is, or ``None`` if there is no such list."""
        value = self._list_column(status_lists_table.c.issuer, list_id)
        return None if value is None else str(value)

    def status_list(self, list_id: str) -> TokenStatusList | None:
        """The current Status List ``list_id`` (§4.1), or ``None`` if there is no such list."""
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(status_lists_table.c.bits, status_lists_table.c.size).where(
                    status_lists_table.c.list_id == list_id
                )
            ).first()
            if row is None:
                return None
            entries = conn.execute(
                sa.select(status_entries_table.c.idx, status_entries_table.c.status).where(
                    status_entries_table.c.list_id == list_id,
                    status_entries_table.c.status != 0,
                )
            ).all()
        result = TokenStatusList(int(row.size), int(row.bits))
        for idx, status in entries:
            result.set(int(idx), int(status))
        return result


def _reserve_index(conn: sa.Connection, list_id: str, now: int) -> int:
    """Insert a VALID entry at a random unused index of ``list_id`` in ``conn``'s transaction.

    Each draw is an insert that does nothing on a primary-key conflict, so an index already
    taken (also by a concurrent issuance) costs one draw, not the transaction.
    :class:`StatusListFull` after :data:`_ALLOCATION_ATTEMPTS` draws.
    """
    for _ in range(_ALLOCATION_ATTEMPTS):
        idx = secrets.randbelow(STATUS_LIST_SIZE)
        row = {"list_id": list_id, "idx": idx, "credential_hash": None, "status": 0}
        if _insert_if_absent(conn, status_entries_table, {**row, "updated_at": now}):
            return idx
    raise StatusListFull(f"no free index found in status list {list_id}")


def _insert_if_absent(conn: sa.Connection, table: sa.Table, values: dict[str, Any]) -> bool:
    """Insert ``values`` unless a row with the same primary key exists; whether it inserted.

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (SQLite 3.35+, PostgreSQL 9.5+): a conflict
    neither raises nor aborts the transaction, so no savepoint is needed around it.
    """
    statement = _INSERTS_IF_ABSENT.get((conn.dialect.name, table.name))
    if statement is None:
        insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
        # RETURNING tells whether the row went in (psycopg reports no rowcount here).
        key = next(iter(table.primary_key.columns))
        statement = insert(table).on_conflict_do_nothing().returning(key)
        _INSERTS_IF_ABSENT[(conn.dialect.name, table.name)] = statement
    return conn.execute(statement, values).first() is not None


_INSERTS_IF_ABSENT: dict[tuple[str, str], Any] = {}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
