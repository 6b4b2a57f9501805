"""JSON-LD processing with pinned, offline contexts.

Every context a credential may use is shipped in ``vc_service/contexts/`` with its SHA-256
(``index.json``; provenance in ``PROVENANCE.md``). The document loader serves only those
files, checks each digest once when first loaded, and raises :class:`UnknownContext` for
anything else: a context is never fetched at run time, because a remote context can change the
meaning of a signed credential after the fact (and fetching leaks who verifies what).

Applications that need more contexts register them with :func:`register_context` (content and
URL are pinned together).
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections.abc import Mapping
from importlib import resources
from typing import Any

from pyld import jsonld  # type: ignore[import-untyped]

from ._errors import InvalidCredential, UnknownContext

__all__ = ["canonize", "context_urls", "document_loader", "expand", "register_context"]

_lock = threading.Lock()
_index: dict[str, dict[str, str]] | None = None
_documents: dict[str, Any] = {}
_extra: dict[str, Any] = {}


def _load_index() -> dict[str, dict[str, str]]:
    global _index
    if _index is None:
        text = resources.files(__package__).joinpath("contexts/index.json").read_text("utf-8")
        _index = json.loads(text)
    return _index


def context_urls() -> list[str]:
    """The URLs of every pinned context."""
    return sorted({*_load_index(), *_extra})


def register_context(url: str, document: Mapping[str, Any]) -> None:
    """Pin an additional context document under ``url`` (e.g. an agency's credential type)."""
    if not isinstance(url, str) or not isinstance(document, Mapping) or "@context" not in document:
        raise InvalidCredential("a context must be a JSON object with an '@context' member")
    with _lock:
        _extra[url] = json.loads(json.dumps(document))


def _context(url: str) -> Any:
    with _lock:
        if url in _extra:
            return _extra[url]
        if url in _documents:
            return _documents[url]
    entry = _load_index().get(url)
    if entry is None:
        raise UnknownContext(f"JSON-LD context {url!r} is not pinned; contexts are never fetched")
    raw = resources.files(__package__).joinpath("contexts/" + entry["file"]).read_bytes()
    if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
        # The installed file was altered: refuse rather than process a changed vocabulary.
        raise UnknownContext(f"pinned context {url!r} does not match its digest")
    document = json.loads(raw)
    with _lock:
        _documents[url] = document
    return document


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """A pyld document loader over the pinned contexts only."""
    document = _context(url)
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        # "static" lets pyld keep the processed context in its shared cache across operations:
        # the pinned files never change, so each context is processed once per process.
        "tag": "static",
        # pyld may modify what it is given; hand out a copy of the cached document.
        "document": copy.deepcopy(document),
    }


def _options(extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    options: dict[str, Any] = {"documentLoader": document_loader, "safe": True}
    if extra:
        options.update(extra)
    return options


def _find_unknown_context(exc: BaseException) -> UnknownContext | None:
    """pyld wraps loader failures several levels deep; find ours, if it is the cause."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, UnknownContext):
            return item
        todo.extend((item.__cause__, item.__context__))
        details = getattr(item, "details", None)
        if isinstance(details, Mapping):
            todo.append(details.get("cause"))
    return None


def _run(operation: str, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except UnknownContext:
        raise
    except jsonld.JsonLdError as exc:
        unknown = _find_unknown_context(exc)
        if unknown is not None:
            raise UnknownContext(str(unknown)) from exc
        code = exc.code or exc.type
        raise InvalidCredential(f"JSON-LD {operation} failed: {code}: {exc.args[0]}") from exc


def expand(document: Mapping[str, Any]) -> list[Any]:
    """JSON-LD expansion in safe mode (undefined terms and relative IRIs are errors)."""
    return _run("expansion", jsonld.expand, dict(document), _options())  # type: ignore[no-any-return]


def canonize(document: Mapping[str, Any]) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0) of a JSON-LD document, as N-Quads."""
    options = _options({"algorithm": "URDNA2015", "format": "application/n-quads"})
    return _run("canonicalization", jsonld.normalize, dict(document), options)  # type: ignore[no-any-return]
