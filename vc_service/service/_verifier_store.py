"""The verifier's request state: OpenID4VP requests and their outcomes, in one SQL table.

``specs/http-api.md`` §8. One row per request (``verifier_requests``): the DCQL query, the
``nonce`` and ``state`` the Request Object carries, the owner (the relying party's tenant id),
and, once answered, the outcome -- ``verified`` or ``rejected``, the disclosed claims and every
check. The state lives in the service's database, so a request survives a restart and every
worker process sees the same requests.

Secrets
    Nothing here is a credential of the caller. The ``nonce`` and ``state`` are sent to anyone
    holding the request link (they are members of the Request Object), so hashing them would
    hide nothing; they are random and used once. The request id is random (128 bits) and is
    only a lookup key: reading an outcome takes the owner's token (``GET
    /verifier/requests/{id}`` answers 404 to any other tenant). What a copy of the table does
    reveal are the claims of recent answers, which is why rows are kept only for
    :data:`RESULT_TTL` after the answer (:meth:`VerifierStore.purge`).

Use once
    Answering is one conditional ``UPDATE ... WHERE answered_at IS NULL AND expires_at > now``
    whose row count says whether this response won: a replayed or concurrent ``direct_post``
    of the same request cannot be accepted twice (OID4VP 1.0 §14.1 replay), on SQLite or on
    PostgreSQL, in one process or several. The outcome is written by the winner afterwards
    with another conditional ``UPDATE`` (``WHERE status = 'pending'``).

Times are integer seconds since the epoch (UTC). The revision ``0005``
(``migrations/versions/r0005_verifier_requests.py``) creates exactly :data:`metadata`'s table;
``tests/test_service_presentation.py`` compares the two.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from vc_service.ledger._store import write_transaction

__all__ = [
    "REQUEST_TTL",
    "RESULT_TTL",
    "AlreadyAnswered",
    "RequestRow",
    "VerifierStore",
    "metadata",
    "requests_table",
]

#: Seconds a request can be answered after it was created.
REQUEST_TTL = 600
#: Seconds an answered request's outcome stays readable (and stored) after the answer.
RESULT_TTL = 3600
#: Seconds between two sweeps of expired requests by one process (``purge_if_due``).
PURGE_INTERVAL = 30.0

Status = Literal["pending", "verified", "rejected"]

metadata = sa.MetaData()

requests_table = sa.Table(
    "verifier_requests",
    metadata,
    sa.Column("request_id", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(64), nullable=True),
    sa.Column("nonce", sa.String(64), nullable=False),
    sa.Column("state", sa.String(64), nullable=False),
    sa.Column("dcql_query", sa.Text(), nullable=False),
    sa.Column("created_at", sa.BigInteger(), nullable=False),
    sa.Column("expires_at", sa.BigInteger(), nullable=False),
    sa.Column("retain_until", sa.BigInteger(), nullable=False),
    sa.Column("answered_at", sa.BigInteger(), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("outcome", sa.Text(), nullable=True),
    sa.Index("ix_verifier_requests_retain_until", "retain_until"),
)


class AlreadyAnswered(Exception):
    """The request was answered before (a replay, or a concurrent answer that won)."""


@dataclass(frozen=True)
class RequestRow:
    """One stored request as the endpoints need it."""

    id: str
    owner: str | None
    nonce: str
    state: str
    dcql_query: dict[str, Any]
    created_at: int
    expires_at: int
    answered_at: int | None
    status: Status
    claims: dict[str, Any] | None
    checks: list[dict[str, Any]]
    error: dict[str, str] | None
    disclosed: dict[str, list[str]] | None


def _status(value: object) -> Status:
    if value == "verified":
        return "verified"
    if value == "rejected":
        return "rejected"
    return "pending"


class VerifierStore:
    """OpenID4VP request state in ``engine``'s database (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._purged_at = -PURGE_INTERVAL

    def create(self, dcql_query: dict[str, Any], *, owner: str | None = None) -> RequestRow:
        """Store a new pending request with a fresh id, ``nonce`` and ``state``; return it."""
        now = int(time.time())
        row = RequestRow(
            id=secrets.token_urlsafe(16),
            owner=owner,
            # OID4VP 1.0 §5.2: the nonce "MUST be ... sufficient entropy": 192 bits.
            nonce=secrets.token_urlsafe(24),
            state=secrets.token_urlsafe(16),
            dcql_query=dcql_query,
            created_at=now,
            expires_at=now + REQUEST_TTL,
            answered_at=None,
            status="pending",
            claims=None,
            checks=[],
            error=None,
            disclosed=None,
        )
        with write_transaction(self._engine) as conn:
            conn.execute(
                requests_table.insert().values(
                    request_id=row.id,
                    owner=owner,
                    nonce=row.nonce,
                    state=row.state,
                    dcql_query=json.dumps(dcql_query, ensure_ascii=False),
                    created_at=now,
                    expires_at=row.expires_at,
                    retain_until=row.expires_at,
                    answered_at=None,
                    status="pending",
                    outcome=None,
                )
            )
        return row

    def get(self, request_id: str) -> RequestRow | None:
        """The request ``request_id`` while it is retained, else ``None``.

        A pending request is retained until it expires; an answered one for
        :data:`RESULT_TTL` after its answer.
        """
        if len(request_id) > 64:
            return None
        now = int(time.time())
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(requests_table).where(
                    requests_table.c.request_id == request_id,
                    requests_table.c.retain_until > now,
                )
            ).first()
        if row is None:
            return None
        outcome: dict[str, Any] = json.loads(row.outcome) if row.outcome else {}
        return RequestRow(
            id=row.request_id,
            owner=row.owner,
            nonce=row.nonce,
            state=row.state,
            dcql_query=json.loads(row.dcql_query),
            created_at=int(row.created_at),
            expires_at=int(row.expires_at),
            answered_at=None if row.answered_at is None else int(row.answered_at),
            status=_status(row.status),
            claims=outcome.get("claims"),
            checks=list(outcome.get("checks", [])),
            error=outcome.get("error"),
            disclosed=outcome.get("disclosed"),
        )

    def answer(
        self,
        request_id: str,
        status: Literal["verified", "rejected"],
        *,
        checks: list[dict[str, Any]],
        claims: dict[str, Any] | None = None,
        error: dict[str, str] | None = None,
        disclosed: dict[str, list[str]] | None = None,
    ) -> None:
        """Record the outcome of the request's one answer, claiming it in the same conditional
        ``UPDATE`` (one transaction, one commit, after the presentation was verified).

        :class:`AlreadyAnswered` if it was answered (or expired) meanwhile: two concurrent
        answers can both be verified, but only one outcome is ever recorded.
        """
        now = int(time.time())
        outcome = {"claims": claims, "checks": checks, "error": error, "disclosed": disclosed}
        with write_transaction(self._engine) as conn:
            won = conn.execute(
                requests_table.update()
                .where(
                    requests_table.c.request_id == request_id,
                    requests_table.c.answered_at.is_(None),
                    requests_table.c.expires_at > now,
                )
                .values(
                    answered_at=now,
                    retain_until=now + RESULT_TTL,
                    status=status,
                    outcome=json.dumps(outcome, ensure_ascii=False),
                )
            ).rowcount
        if won != 1:
            raise AlreadyAnswered(request_id)

    def purge_if_due(self) -> int:
        """:meth:`purge`, at most once every :data:`PURGE_INTERVAL` seconds in this process.

        Reads already ignore requests past their retention time, so deleting them is
        housekeeping; doing it on every new request cost a write transaction each.
        """
        now = time.monotonic()
        if now - self._purged_at < PURGE_INTERVAL:
            return 0
        self._purged_at = now
        return self.purge()

    def purge(self) -> int:
        """Delete every request past its retention time; return how many were deleted."""
        now = int(time.time())
        with write_transaction(self._engine) as conn:
            count = conn.execute(
                requests_table.delete().where(requests_table.c.retain_until <= now)
            ).rowcount
        return int(count)
