"""Strict, offline JSON-LD processing: the one place Chancery runs pyld.

Contexts
    Every context a credential may use is shipped in ``vc_service/contexts/`` with its SHA-256
    (``index.json``; provenance in ``PROVENANCE.md``). :func:`document_loader` serves only those
    files, checks each digest when the file is first loaded, and raises :class:`UnknownContext`
    for anything else: a context is never fetched at run time, because a remote context can
    change the meaning of a signed credential after the fact (and fetching leaks who verifies
    what). :func:`register_context` pins more (content and URL together, never re-pinned).

Data loss is an error
    VC Data Integrity 1.0 §2.4 requires a processor to fail when JSON-LD processing drops data
    (``DATA_LOSS_DETECTION_ERROR``): a member the contexts do not define is silently removed by
    expansion, so a signature over the canonical form would not cover it and an attacker could
    add it to a signed credential unnoticed. pyld 3.3 has no "safe mode" that would refuse it
    (its ``safe`` option is ignored), so :func:`expand` detects loss itself, in the same
    expansion that :func:`canonize` turns into RDF (no second pass):

    * pyld's ``on_property_dropped`` hook reports every key the Expansion Algorithm drops
      (JSON-LD 1.1 API §5.1.2 step 13.3: an undefined term, an unknown ``@``-keyword);
    * the expanded output is then walked for identifiers that are not absolute IRIs: an
      undefined *type* (``"type": "Foo"``), a relative ``id`` or datatype, or a blank-node
      property, all of which the Deserialize JSON-LD to RDF Algorithm drops. The base IRI is
      null (Data Integrity 1.0 §2.4: "When deserializing to RDF, implementations MUST ensure
      that the base URL is set to null"), so relative IRIs stay relative and are caught here
      instead of being resolved against pyld's placeholder ``http://example.org/base/``.

    The error is an :class:`InvalidCredential` whose ``path`` is a JSON pointer to the first key
    (or string value) in document order that matches what was dropped; if one key name is
    defined in one place and undefined in another, it may name the first occurrence.

Canonicalization
    :func:`canonize` and :func:`canonicalize_nquads` run RDFC-1.0 (pyld's URDNA2015, the same
    algorithm) with a work limit: RDFC-1.0 §7.1 (Dataset Poisoning) warns that a crafted dataset
    of indistinguishable blank nodes makes Hash N-Degree Quads (§4.8) factorial, and a verifier
    canonicalizes whatever a holder sends. Over the limit the input is refused with
    :class:`InvalidCredential`.

Caching
    A pinned context is processed once per process, not once per operation: the loader tags
    its documents ``"static"``, which makes pyld keep the resolved context in its shared cache,
    and :class:`_Processor` keeps each processed *active context* (JSON-LD 1.1 API §4.1.2),
    keyed by the active context it was processed against, the exact JSON text of the local
    context and the processing flags. Without the latter pyld re-processes every type-scoped
    context (``VerifiableCredential``, ``DataIntegrityProof``...) in every operation and
    re-canonicalizes every inline context to look it up.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import resources
from typing import Any

from pyld import jsonld  # type: ignore[import-untyped]
from pyld.canon import URDNA2015  # type: ignore[import-untyped]

from ._errors import InvalidCredential, InvalidInput, UnknownContext

__all__ = [
    "as_json_object",
    "canonicalize_nquads",
    "canonize",
    "compact",
    "context_urls",
    "document_loader",
    "expand",
    "json_pointer",
    "register_context",
    "to_nquads",
]

# ============================================================================== pinned contexts

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
    """The URLs of every pinned context (shipped or registered)."""
    return sorted({*_load_index(), *_extra})


def registered_context(url: str) -> dict[str, Any] | None:
    """The document registered under ``url`` with :func:`register_context` (a copy), or
    ``None`` for a shipped context or an unknown URL."""
    with _lock:
        document = _extra.get(url)
    return None if document is None else json.loads(json.dumps(document))


def register_context(url: str, document: Mapping[str, Any]) -> None:
    """Pin an additional context document under ``url`` (e.g. an agency's credential type).

    A URL is pinned once: registering other content under a URL that is already pinned raises
    :class:`InvalidInput`, because processed contexts are cached for the life of the process
    and a changed vocabulary must never reinterpret a credential signed under the old one.
    Registering the same content again is allowed.
    """
    if not isinstance(url, str) or not isinstance(document, Mapping) or "@context" not in document:
        raise InvalidCredential("a context must be a JSON object with an '@context' member")
    pinned = json.loads(json.dumps(document))
    existing: Any = None
    if url in _load_index():
        existing = _context(url)
    with _lock:
        existing = _extra.get(url, existing)
        if existing is not None and existing != pinned:
            raise InvalidInput(f"JSON-LD context {url!r} is already pinned with other content")
        _extra[url] = pinned


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
    """A pyld document loader (JSON-LD 1.1 API §9.4 LoadDocumentCallback) over the pinned
    contexts only; anything else raises :class:`UnknownContext`."""
    document = _context(url)
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        # "static" lets pyld keep the resolved context in its shared cache across operations:
        # the pinned files never change, so each context is loaded once per process.
        "tag": "static",
        # pyld may modify what it is given; hand out a copy of the cached document.
        "document": copy.deepcopy(document),
    }


# ============================================================================== JSON helpers


def as_json_object(document: object, what: str) -> dict[str, Any]:
    """A deep copy of ``document`` as a plain JSON object (RFC 8259), or :class:`InvalidInput`.

    This rejects values JSON cannot carry (NaN, bytes, sets, non-string keys) before they reach
    pyld or a canonicalizer, whose errors on such input are not ours. ``what`` names the input
    in the error message.
    """
    if not isinstance(document, Mapping):
        raise InvalidInput(f"{what} must be a JSON object")
    copied = _json_copy(document, what)
    if not isinstance(copied, dict):  # pragma: no cover - a Mapping always dumps as an object
        raise InvalidInput(f"{what} must be a JSON object")
    return copied


def _json_copy(value: object, what: str) -> Any:
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidInput(f"{what} is not valid JSON data: {exc}") from exc


def json_pointer(base: str, key: str | int) -> str:
    """``base`` with one more RFC 6901 reference token (``~`` and ``/`` escaped)."""
    return base + "/" + str(key).replace("~", "~0").replace("/", "~1")


# ============================================================================== the processor

# pyld returns processed contexts as frozendicts; only those are safe to share.
_FROZEN = type(jsonld.freeze({}))
_PROCESSED_CACHE_SIZE = 256
_processed: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_processed_lock = threading.Lock()


def _processed_key(
    active_ctx: Any, local_ctx: Any, options: Mapping[str, Any], flags: tuple[bool, bool, bool]
) -> tuple[Any, ...] | None:
    """The memo key of one context-processing call, or None where it must not be memoized.

    A finished active context is a frozendict with a ``_uuid`` that pyld never reuses: its
    identity stands for its content. The local context is keyed by the SHA-256 of its exact
    JSON text (member order kept, so the key is finer than pyld's own JCS key); a URL stands
    for its pinned document, which never changes. Contexts still under construction (pyld's
    pre-validation of scoped contexts) are not frozen and are left alone.
    """
    if not isinstance(active_ctx, _FROZEN) or "_uuid" not in active_ctx:
        return None
    if options.get("documentLoader") is not document_loader:
        return None  # only pinned contexts are known never to change
    try:
        text = json.dumps(local_ctx, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return None
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return (active_ctx["_uuid"], digest, flags, options.get("base"), options.get("processingMode"))


class _Processor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor, recording what expansion drops and reusing processed contexts.

    ``to_rdf``, ``normalize`` and ``compact`` expand through ``self.expand``; keeping its
    result lets the data-loss check inspect the very expansion the output was computed from.
    """

    def __init__(self) -> None:
        self.dropped: list[str | None] = []
        super().__init__(on_property_dropped=self.dropped.append)
        self.expanded: Any = None

    def expand(self, input_: Any, options: Any) -> Any:
        self.expanded = super().expand(input_, options)
        return self.expanded

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        """JSON-LD 1.1 API §4.1.2 Context Processing, memoized across operations.

        The result depends only on the active context, the local context, the flags and the
        base (the loader serves immutable pinned documents), so equal inputs may share one
        result. pyld caches only by resolved context and active context, and a type-scoped
        context is always processed against a fresh non-propagating clone, so without this
        every operation re-processes it.
        """
        flags = (override_protected, propagate, validate_scoped)
        key = None if cycles is not None else _processed_key(active_ctx, local_ctx, options, flags)
        if key is not None:
            with _processed_lock:
                cached = _processed.get(key)
                if cached is not None:
                    _processed.move_to_end(key)
                    return cached
        result = super()._process_context(
            active_ctx,
            local_ctx,
            options,
            override_protected=override_protected,
            propagate=propagate,
            validate_scoped=validate_scoped,
            cycles=cycles,
        )
        if key is not None and isinstance(result, _FROZEN):
            with _processed_lock:
                _processed[key] = result
                if len(_processed) > _PROCESSED_CACHE_SIZE:
                    _processed.popitem(last=False)
        return result


def _options(**extra: Any) -> dict[str, Any]:
    # base None: relative IRIs stay relative (and are refused) instead of being resolved against
    # a placeholder base; Data Integrity 1.0 §2.4 requires a null base for RDF.
    return {"documentLoader": document_loader, "base": None, **extra}


def _find_unknown_context(exc: BaseException) -> UnknownContext | None:
    """pyld wraps loader failures several levels deep; find ours, if it is the cause."""
    seen: set[int] = set()
    todo: list[object] = [exc]
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


def _run(operation: str, fn: Callable[[], Any]) -> Any:
    """Run a pyld operation, turning its failures into our errors."""
    try:
        return fn()
    except (InvalidCredential, InvalidInput, UnknownContext):
        raise
    except jsonld.JsonLdError as exc:
        unknown = _find_unknown_context(exc)
        if unknown is not None:
            raise UnknownContext(str(unknown)) from exc
        # pyld wraps the error that names the problem ("Could not expand input before
        # serialization to RDF."): report the innermost one.
        root = exc
        while isinstance(root.__cause__, jsonld.JsonLdError):
            root = root.__cause__
        code = getattr(root, "code", None) or getattr(root, "type", None)
        message = root.args[0] if root.args else ""
        raise InvalidCredential(f"JSON-LD {operation} failed: {code}: {message}") from exc
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
        # pyld assumes well-formed JSON-LD; anything else surfaces as a Python error.
        raise InvalidCredential(f"JSON-LD {operation} failed: {exc!r}") from exc


# ============================================================================== data loss

_JSONLD_KEYWORDS = frozenset(
    {
        "@base", "@container", "@context", "@direction", "@graph", "@id", "@import",
        "@included", "@index", "@json", "@language", "@list", "@nest", "@none", "@prefix",
        "@propagate", "@protected", "@reverse", "@set", "@type", "@value", "@version", "@vocab",
    }
)  # fmt: skip
_ABSOLUTE_IRI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _walk_keys(node: Any, path: str) -> Iterator[tuple[str, str]]:
    """(key, pointer) for every member of every object, in document order, outside contexts."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            pointer = json_pointer(path, key)
            yield key, pointer
            yield from _walk_keys(value, pointer)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk_keys(item, json_pointer(path, index))


def _walk_strings(node: Any, path: str) -> Iterator[tuple[str, str]]:
    """(string value, pointer) for every string in the document, outside contexts."""
    if isinstance(node, str):
        yield node, path
    elif isinstance(node, dict):
        for key, value in node.items():
            if key != "@context":
                yield from _walk_strings(value, json_pointer(path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk_strings(item, json_pointer(path, index))


def _is_rdf_identifier(value: object) -> bool:
    return isinstance(value, str) and (
        value.startswith("_:") or _ABSOLUTE_IRI_RE.match(value) is not None
    )


def _relative_identifiers(expanded: Any) -> Iterator[str]:
    """Identifiers in an expanded document that RDF conversion would drop (relative IRIs)."""
    if isinstance(expanded, list):
        for item in expanded:
            yield from _relative_identifiers(item)
        return
    if not isinstance(expanded, dict):
        return
    if "@value" in expanded:
        datatype = expanded.get("@type")
        if datatype is not None and datatype != "@json" and not _is_rdf_identifier(datatype):
            yield str(datatype)
        return
    for key, value in expanded.items():
        if key == "@id":
            if not _is_rdf_identifier(value):
                yield str(value)
        elif key == "@type":
            for item in value if isinstance(value, list) else [value]:
                if not _is_rdf_identifier(item):
                    yield str(item)
        elif key.startswith("_:"):
            yield key  # a blank-node property: not valid RDF, dropped
        else:
            yield from _relative_identifiers(value)


def _raise_on_data_loss(document: Any, processor: _Processor) -> None:
    """Refuse what the last expansion dropped or left relative (see the module docstring)."""
    for dropped in processor.dropped:
        pointer = next(
            (
                p
                for key, p in _walk_keys(document, "")
                if key == dropped
                or (dropped is None and key.startswith("@") and key not in _JSONLD_KEYWORDS)
            ),
            "",
        )
        name = dropped if dropped is not None else "an unknown @-keyword"
        raise InvalidCredential(
            f"undefined term {name!r}: the JSON-LD contexts do not define it, so expansion "
            "drops it (data loss)",
            path=pointer,
        )
    for identifier in _relative_identifiers(processor.expanded):
        pointer = next((p for s, p in _walk_strings(document, "") if s == identifier), "")
        raise InvalidCredential(
            f"{identifier!r} does not expand to an absolute IRI (an undefined type or a "
            "relative identifier), so RDF processing drops it (data loss)",
            path=pointer,
        )
    if not isinstance(processor.expanded, list):  # pragma: no cover - pyld returns a list
        raise InvalidCredential("JSON-LD expansion did not produce an array")


# ============================================================================== operations


def expand(document: Mapping[str, Any]) -> list[Any]:
    """JSON-LD 1.1 API §5.1 Expansion, failing on data loss (Data Integrity 1.0 §2.4).

    The base IRI is null. Raises :class:`InvalidInput` for a document JSON cannot carry,
    :class:`UnknownContext` for a context that is not pinned, and :class:`InvalidCredential`
    (with a JSON pointer) for a dropped term, an undefined type or a relative identifier, or
    any other JSON-LD error.
    """
    doc = as_json_object(document, "a JSON-LD document")
    processor = _Processor()
    expanded = _run("expansion", lambda: processor.expand(doc, _options()))
    _raise_on_data_loss(doc, processor)
    return expanded  # type: ignore[no-any-return]


def to_nquads(expanded: Sequence[Any]) -> list[str]:
    """JSON-LD 1.1 API §8.1 Deserialize JSON-LD to RDF, as a list of N-Quad lines.

    ``expanded`` is expanded JSON-LD (the output of :func:`expand`, possibly transformed, e.g.
    skolemized); it is checked for data loss like :func:`expand`'s input. Each line ends with
    ``"\\n"``; blank nodes get pyld's ``_:b<n>`` labels.
    """
    if isinstance(expanded, (str, bytes, Mapping)) or not isinstance(expanded, Sequence):
        raise InvalidInput("expanded JSON-LD must be an array")
    data = _json_copy(list(expanded), "expanded JSON-LD")
    processor = _Processor()
    text = _run(
        "RDF conversion",
        lambda: processor.to_rdf(data, _options(format="application/n-quads")),
    )
    _raise_on_data_loss(data, processor)
    return _split_nquads(text)


def compact(expanded: Sequence[Any], context: object) -> dict[str, Any]:
    """JSON-LD 1.1 API §6.1 Compaction of expanded JSON-LD against ``context`` (the value of an
    ``@context`` member: a pinned URL, an object or an array of them)."""
    if isinstance(expanded, (str, bytes, Mapping)) or not isinstance(expanded, Sequence):
        raise InvalidInput("expanded JSON-LD must be an array")
    data = _json_copy(list(expanded), "expanded JSON-LD")
    ctx = _json_copy({"@context": context}, "a JSON-LD context")
    processor = _Processor()
    result = _run("compaction", lambda: processor.compact(data, ctx, _options()))
    _raise_on_data_loss(data, processor)
    if not isinstance(result, dict):  # pragma: no cover - pyld compacts to an object
        raise InvalidCredential("JSON-LD compaction did not produce an object")
    return result


def canonize(document: Mapping[str, Any]) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0 §4.4) of a JSON-LD document, as N-Quads text.

    The strict expansion of :func:`expand` (same errors), then JSON-LD 1.1 API §8.1 to RDF
    (standard RDF only), then RDFC-1.0 with the work limit of :func:`canonicalize_nquads`.
    The result is the canonical N-Quads, sorted, each line ending with ``"\\n"``.
    """
    doc = as_json_object(document, "a JSON-LD document")
    processor = _Processor()
    dataset = _run(
        "RDF conversion", lambda: processor.to_rdf(doc, _options(produceGeneralizedRdf=False))
    )
    _raise_on_data_loss(doc, processor)
    text, _ = _canonicalize(dataset)
    return text


# ============================================================================== RDFC-1.0

# Credentials rarely need Hash N-Degree Quads at all (their blank nodes differ in their own
# statements); these budgets allow modest symmetry and stop a poisoned dataset within a fraction
# of a second.
_MAX_NDEGREE_CALLS = 1_000
_MAX_PERMUTATIONS = 5_000
_BUDGET_EXCEEDED = "RDF canonicalization exceeded its work budget (a poisoned dataset?)"


class _BoundedCanonicalizer(URDNA2015):  # type: ignore[misc]
    """pyld's RDFC-1.0 (URDNA2015) with a work limit (RDFC-1.0 §7.1) on §4.8 Hash N-Degree
    Quads: the number of its calls and of the permutations it tries."""

    def __init__(self) -> None:
        super().__init__()
        self._ndegree_calls = 0
        self._permutations = 0

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self._ndegree_calls += 1
        if self._ndegree_calls > _MAX_NDEGREE_CALLS:
            raise InvalidCredential(_BUDGET_EXCEEDED)
        return super().hash_n_degree_quads(id_, issuer)

    def create_hash_to_related(self, id_: str, issuer: Any) -> Any:
        related = super().create_hash_to_related(id_, issuer)
        for blank_nodes in related.values():
            count = 1
            for k in range(2, len(blank_nodes) + 1):
                count *= k
                if count > _MAX_PERMUTATIONS:
                    break
            self._permutations += count
            if self._permutations > _MAX_PERMUTATIONS:
                raise InvalidCredential(_BUDGET_EXCEEDED)
        return related


def _canonicalize(dataset: Any) -> tuple[str, dict[str, str]]:
    """RDFC-1.0 of a pyld dataset: N-Quads text and the issued identifiers map (no ``_:``)."""
    canonicalizer = _BoundedCanonicalizer()
    text = _run(
        "canonicalization",
        lambda: canonicalizer.main(dataset, {"format": "application/n-quads"}),
    )
    issued: Mapping[str, str] = canonicalizer.canonical_issuer.existing
    return text, {old[2:]: new[2:] for old, new in issued.items()}


def canonicalize_nquads(nquads: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """RDFC-1.0 (§4.4) over N-Quad lines: the sorted canonical lines and the canonical id map.

    The map is the issued identifiers map of the canonical issuer, keyed by the input blank
    node identifiers and giving their canonical identifiers, both without the ``_:`` prefix
    (``{"b3": "c14n0", ...}``): the *canonicalIdMap* of the ECDSA cryptosuites §3.4.1. The work
    limit applies (a poisoned dataset raises :class:`InvalidCredential`).
    """
    if isinstance(nquads, (str, bytes)):
        raise InvalidInput("N-Quads must be a list of lines")
    text = "".join(nquads)
    dataset = _run("N-Quads parsing", lambda: jsonld.JsonLdProcessor.parse_nquads(text))
    canonical, id_map = _canonicalize(dataset)
    return _split_nquads(canonical), id_map


def _split_nquads(text: str) -> list[str]:
    return [line + "\n" for line in text.split("\n") if line]
