"""Group commit of credential anchors: one ledger entry for the issuances that arrive together.

Every issuance appends the salted hash of its credential to the ledger (a ``credential-anchor``
entry, up to :data:`~vc_service.ledger._entries.MAX_ANCHOR_BATCH` hashes each) and records the
issuance with the entry's index. Appending is serialised across the service's processes (one
writer at a time holds the log), so one append per credential made the writer the bottleneck
under concurrent issuance. Here the requests of one process share the work, as a database's
group commit does: the first request that finds no append running becomes the leader and
appends, in one transaction, the anchors of every request waiting at that moment (one entry per
agency, signed by it), then records their issuances in one more; the requests that arrived in
the meantime wait for it and the next of them leads the following batch. A request alone is
appended at once, as before; under load the batches grow with the queue, so no timer delays
anyone.

A request returns only once its anchor is committed to the ledger and its issuance recorded; if
the append or the record fails, every request of that batch sees the exception (a refusal
part-way, :class:`~vc_service.ledger.AppendError`, fails only the entries from the refused one).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from vc_service.ledger._entries import MAX_ANCHOR_BATCH, Entry
from vc_service.ledger._ledger import AppendError

from ._issuer_store import Issued
from ._tenants import Tenant

__all__ = ["AnchorBatcher"]


@dataclass
class _Ticket:
    """One request's anchor: its issuance record, then the outcome."""

    tenant: Tenant
    record: Issued
    done: bool = False
    recorded: bool = False
    ledger_index: int | None = None
    error: BaseException | None = None


class AnchorBatcher:
    """Appends waiting requests' anchors together (leader/follower; see the module text).

    ``sign`` makes an agency's ``credential-anchor`` entry for a list of hashes, ``append``
    appends entries in one transaction (their indexes), ``record`` stores issuance records.
    """

    def __init__(
        self,
        sign: Callable[[Tenant, list[str]], Entry],
        append: Callable[[list[Entry]], list[int]],
        record: Callable[[list[Issued]], None],
        *,
        limit: int = MAX_ANCHOR_BATCH,
    ) -> None:
        self._sign = sign
        self._append = append
        self._record = record
        self._limit = limit
        self._cond = threading.Condition()
        self._pending: list[_Ticket] = []
        self._leading = False

    def anchor(self, tenant: Tenant, record: Issued) -> int:
        """Anchor ``record.anchor_hash`` as ``tenant``, record the issuance; the entry's index."""
        ticket = _Ticket(tenant, record)
        with self._cond:
            self._pending.append(ticket)
            while not ticket.done:
                if self._leading:
                    self._cond.wait()
                    continue
                self._leading = True
                batch = self._pending[: self._limit]
                del self._pending[: self._limit]
                self._cond.release()
                try:
                    self._run(batch)
                finally:
                    self._cond.acquire()
                    self._leading = False
                    self._cond.notify_all()
        if ticket.error is not None:
            raise ticket.error
        if ticket.ledger_index is None:  # pragma: no cover - _run leaves no ticket without either
            raise RuntimeError("the anchor batch ended without an outcome")
        return ticket.ledger_index

    def _run(self, batch: list[_Ticket]) -> None:
        """Append and record ``batch``; every ticket ends done, with an index or an error."""
        try:
            groups: dict[str, list[_Ticket]] = {}
            for ticket in batch:
                groups.setdefault(ticket.tenant.tenant_id, []).append(ticket)
            members = list(groups.values())
            entries = [
                self._sign(tickets[0].tenant, [t.record.anchor_hash for t in tickets])
                for tickets in members
            ]
            refused: AppendError | None = None
            try:
                indexes = self._append(entries)
            except AppendError as exc:
                # The entries before the refused one are committed; the rest are not.
                indexes = [receipt.index for receipt in exc.receipts]
                refused = exc
            anchored = [t for tickets in members[: len(indexes)] for t in tickets]
            for position, tickets in enumerate(members):
                for ticket in tickets:
                    if position < len(indexes):
                        ticket.ledger_index = indexes[position]
                    else:
                        ticket.error = refused
            if anchored:
                self._record([replace(t.record, ledger_index=t.ledger_index) for t in anchored])
                for ticket in anchored:
                    ticket.recorded = True
        except BaseException as exc:
            for ticket in batch:
                if not ticket.recorded and ticket.error is None:
                    ticket.error = exc
            if not isinstance(exc, Exception):
                raise  # KeyboardInterrupt, SystemExit: not the batch's to keep
        finally:
            for ticket in batch:
                ticket.done = True
