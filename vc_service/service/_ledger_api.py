"""The ledger over HTTP: checkpoints, entries, proofs, registry state and DID resolution.

Read-only views of the log (``specs/ledger.md``), specified in ``specs/http-api.md`` §4: the
latest C2SP checkpoint, bounded pages of entries, RFC 9162 inclusion and consistency proofs, the
registry state snapshot, and DID resolution in the Universal Resolver convention
(``GET /1.0/identifiers/{did}``, DID Resolution v1.0 "HTTP(S) Binding"). Every parameter is
checked before the database sees it, so a bad one is a 400 naming it, never a 500.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from vc_service._dids import DIDResolutionError, parse_did
from vc_service.ledger._checkpoint import CheckpointError
from vc_service.ledger._ledger import LedgerError
from vc_service.ledger._merkle import leaf_hash

from ._errors import Forbidden, InvalidParameter, NotFound
from ._ledger_service import LedgerService
from ._settings import Settings, app_settings

__all__ = [
    "ConsistencyProof",
    "EntryDetail",
    "EntryPage",
    "InclusionProof",
    "LedgerEntry",
    "LedgerInfo",
    "LedgerState",
    "get_ledger",
    "router",
]

#: The largest integer a parameter may carry (the SQL BIGINT range); anything larger is a 400.
MAX_INTEGER = 2**63 - 1
_NOTE_MEDIA_TYPE = "text/plain; charset=utf-8"
_RESOLUTION_MEDIA_TYPE = "application/did-resolution"
_RESOLUTION_CONTEXT = "https://w3id.org/did-resolution/v1"
_DOCUMENT_MEDIA_TYPES = ("application/did+ld+json", "application/did+json", "application/did")

router = APIRouter()


async def get_ledger(request: Request) -> LedgerService:
    """The application's :class:`LedgerService` (a FastAPI dependency)."""
    service = getattr(request.app.state, "ledger", None)
    if not isinstance(service, LedgerService):
        raise LedgerError("the ledger is not open (the application has not started)")
    return service


LedgerDep = Annotated[LedgerService, Depends(get_ledger)]
SettingsDep = Annotated[Settings, Depends(app_settings)]


# ------------------------------------------------------------------------------ wire models


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True)


class LedgerInfo(_Wire):
    """What a client needs to check the log: its origin, size and checkpoint verifier key."""

    origin: str
    size: int
    verifier_key: str = Field(description="C2SP note verifier key origin+keyid+base64")
    root_did: str | None = Field(description="The root authority's did:chancery DID")
    checkpoint_size: int | None = Field(description="Size of the latest signed checkpoint")


class LedgerEntry(_Wire):
    """One log entry: its canonical bytes (base64) and leaf hash SHA-256(0x00 || entry)."""

    index: int
    leaf_hash: str = Field(description="hex")
    entry: str = Field(description="base64 of the entry's canonical (JCS) bytes")


class EntryDetail(LedgerEntry):
    """One entry with its decoded JSON, for reading; the bytes remain authoritative."""

    decoded: dict[str, Any]


class EntryPage(_Wire):
    """Entries ``[start, end)``; ``next`` is where the following page starts, if any."""

    start: int
    end: int
    size: int = Field(description="The log's size when the page was read")
    next: int | None
    entries: list[LedgerEntry]


class InclusionProof(_Wire):
    """RFC 9162 §2.1.3 inclusion proof, hashes in hex, leaf end first."""

    index: int
    size: int
    leaf_hash: str
    root: str
    proof: list[str]
    checkpoint: str | None = Field(
        default=None, description="The signed checkpoint whose root the proof leads to"
    )


class ConsistencyProof(_Wire):
    """RFC 9162 §2.1.4 consistency proof between two tree sizes, hashes in hex."""

    old_size: int
    new_size: int
    old_root: str
    new_root: str
    proof: list[str]


class LedgerState(_Wire):
    """The registry state snapshot (specs/ledger/entries.md §6.3) and its SHA-256 (JCS)."""

    origin: str
    size: int
    state_hash: str
    state: dict[str, Any]


# ------------------------------------------------------------------------------ helpers


def _entry(index: int, raw: bytes) -> LedgerEntry:
    return LedgerEntry(
        index=index,
        leaf_hash=leaf_hash(raw).hex(),
        entry=base64.b64encode(raw).decode("ascii"),
    )


def _note_response(note: bytes) -> PlainTextResponse:
    return PlainTextResponse(note.decode("utf-8"), media_type=_NOTE_MEDIA_TYPE)


def _latest_checkpoint(service: LedgerService) -> tuple[int, bytes] | None:
    try:
        return service.ledger.latest_checkpoint()
    except CheckpointError as exc:
        # A stored checkpoint that the log's own key does not verify is not the client's
        # problem: it is a corrupted or tampered database, and an operator must look.
        raise RuntimeError("the stored checkpoint does not verify with the log's key") from exc


# ------------------------------------------------------------------------------ the log


@router.get("/ledger", response_model=LedgerInfo, tags=["ledger"])
def ledger_info(service: LedgerDep) -> LedgerInfo:
    """The log's origin, size, C2SP verifier key, root DID and latest checkpoint size."""
    latest = service.ledger.store.checkpoint()
    return LedgerInfo(
        origin=service.ledger.origin,
        size=service.ledger.store.size(),
        verifier_key=service.ledger.verifier_key(),
        root_did=service.root_did(),
        checkpoint_size=None if latest is None else latest[0],
    )


@router.get(
    "/ledger/checkpoint",
    response_class=PlainTextResponse,
    tags=["ledger"],
    responses={200: {"content": {"text/plain": {}}, "description": "A C2SP signed note"}},
)
def get_checkpoint(service: LedgerDep) -> Response:
    """The latest signed checkpoint (C2SP tlog-checkpoint signed note), as text."""
    latest = _latest_checkpoint(service)
    if latest is None:
        raise NotFound("the log has no signed checkpoint yet")
    return _note_response(latest[1])


@router.post(
    "/ledger/checkpoint",
    response_class=PlainTextResponse,
    tags=["ledger"],
    responses={200: {"content": {"text/plain": {}}, "description": "The new signed note"}},
)
def post_checkpoint(service: LedgerDep, settings: SettingsDep) -> Response:
    """Seal the log now: sign and store a checkpoint of its current size (development only;
    production seals on a schedule, specs/http-api.md §4.3)."""
    if settings.mode != "development":
        raise Forbidden("checkpoints are sealed on a schedule in production, not on request")
    return _note_response(service.ledger.checkpoint())


@router.get("/ledger/entries", response_model=EntryPage, tags=["ledger"])
def get_entries(
    service: LedgerDep,
    settings: SettingsDep,
    start: Annotated[int, Query(ge=0, le=MAX_INTEGER, description="First index")] = 0,
    end: Annotated[
        int | None,
        Query(ge=0, le=MAX_INTEGER, description="End index, exclusive (default: the log's end)"),
    ] = None,
) -> EntryPage:
    """A bounded page of entries ``[start, end)``: at most the configured page size."""
    size = service.ledger.store.size()
    if start > size:
        raise InvalidParameter("start", f"is beyond the log's size ({size})")
    if end is not None and end < start:
        raise InvalidParameter("end", f"must not be less than start ({start})")
    wanted = size if end is None else min(end, size)
    stop = min(wanted, start + settings.page_size)
    raws = service.ledger.store.entries(start, stop)
    return EntryPage(
        start=start,
        end=stop,
        size=size,
        next=stop if stop < wanted else None,
        entries=[_entry(start + offset, raw) for offset, raw in enumerate(raws)],
    )


@router.get("/ledger/entries/{index}", response_model=EntryDetail, tags=["ledger"])
def get_entry(
    service: LedgerDep,
    index: Annotated[int, Path(ge=0, le=MAX_INTEGER, description="Entry index")],
) -> EntryDetail:
    """One entry, with its decoded JSON."""
    size = service.ledger.store.size()
    if index >= size:
        raise NotFound(f"no entry at index {index}: the log's size is {size}")
    raw = service.ledger.store.entry(index)
    return EntryDetail(**_entry(index, raw).model_dump(), decoded=json.loads(raw))


@router.get("/ledger/proofs/inclusion", response_model=InclusionProof, tags=["ledger"])
def get_inclusion_proof(
    service: LedgerDep,
    index: Annotated[int, Query(ge=0, le=MAX_INTEGER, description="Entry index")],
    size: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_INTEGER,
            description="Tree size (default: the latest checkpoint's, if it covers the entry)",
        ),
    ] = None,
) -> InclusionProof:
    """An inclusion proof of entry ``index`` in the tree of ``size`` entries."""
    current = service.ledger.store.size()
    if size is not None:
        if size > current:
            raise InvalidParameter("size", f"is beyond the log's size ({current})")
        if index >= size:
            raise InvalidParameter("index", f"must be less than size ({size})")
    elif index >= current:
        raise InvalidParameter("index", f"no entry at index {index}: the log's size is {current}")
    return InclusionProof(**service.ledger.inclusion(index, size))


@router.get("/ledger/proofs/consistency", response_model=ConsistencyProof, tags=["ledger"])
def get_consistency_proof(
    service: LedgerDep,
    from_size: Annotated[
        int, Query(alias="from", ge=0, le=MAX_INTEGER, description="The older tree size")
    ],
    to: Annotated[
        int | None,
        Query(ge=0, le=MAX_INTEGER, description="The newer tree size (default: the log's)"),
    ] = None,
) -> ConsistencyProof:
    """A consistency proof that the tree of ``from`` entries is a prefix of that of ``to``."""
    current = service.ledger.store.size()
    if to is not None and to > current:
        raise InvalidParameter("to", f"is beyond the log's size ({current})")
    target = current if to is None else to
    if from_size > target:
        raise InvalidParameter("from", f"must not exceed to ({target})")
    return ConsistencyProof(**service.ledger.consistency(from_size, target))


@router.get("/ledger/state", response_model=LedgerState, tags=["ledger"])
def get_state(service: LedgerDep) -> LedgerState:
    """The registry state at the log's current size: snapshot and state hash."""
    return LedgerState(**service.state_json())


# ------------------------------------------------------------------------------ DIDs


def _version_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise DIDResolutionError(
            "versionTime must be an RFC 3339 date-time", code="invalidOptions"
        ) from exc
    if moment.tzinfo is None:
        raise DIDResolutionError(
            "versionTime must carry a time zone (e.g. 'Z')", code="invalidOptions"
        )
    return moment.astimezone(UTC)


def _wants_document_only(request: Request) -> str | None:
    accept = request.headers.get("accept", "")
    types = [part.split(";", 1)[0].strip().lower() for part in accept.split(",")]
    if _RESOLUTION_MEDIA_TYPE in types:
        return None
    for media_type in _DOCUMENT_MEDIA_TYPES:
        if media_type in types:
            return media_type
    return None


@router.get(
    "/1.0/identifiers/{did:path}",
    tags=["dids"],
    responses={
        200: {
            "content": {_RESOLUTION_MEDIA_TYPE: {}},
            "description": "The DID resolution result",
        },
        410: {"description": "The DID is deactivated (the result is in the body)"},
    },
)
def resolve_did(
    service: LedgerDep,
    request: Request,
    did: Annotated[str, Path(description="A did:key, did:jwk or did:chancery DID")],
    version_time: Annotated[
        str | None,
        Query(
            alias="versionTime",
            max_length=64,
            description="did:chancery: the document as of this RFC 3339 time (key history)",
        ),
    ] = None,
) -> Response:
    """Resolve a DID (DID Resolution v1.0, "HTTP(S) Binding"; the Universal Resolver path)."""
    at = _version_time(version_time)
    method, _ = parse_did(did)
    metadata: dict[str, Any] = {}
    if method == "chancery":
        document, metadata = service.chancery.resolve_with_metadata(did, at=at)
    else:
        document = service.resolver.resolve(did, at=at)
    content_type = "application/did+ld+json" if "@context" in document else "application/did+json"
    deactivated = bool(metadata.get("deactivated"))
    # DID Resolution v1.0: a deactivated DID resolves with 410 Gone and its result.
    status = 410 if deactivated else 200
    only = _wants_document_only(request)
    if only is not None:
        return JSONResponse(document, status_code=status, media_type=only)
    result = {
        "@context": _RESOLUTION_CONTEXT,
        "didDocument": document,
        "didResolutionMetadata": {"contentType": content_type},
        "didDocumentMetadata": metadata,
    }
    return JSONResponse(result, status_code=status, media_type=_RESOLUTION_MEDIA_TYPE)
