"""Strict, offline JSON-LD (``vc_service._jsonld``): pinned contexts, data loss, RDFC-1.0 limits.

Every refusal is a typed error with the offending member's JSON pointer; nothing ever touches the
network; a poisoned dataset is stopped by the work limit; and the processed-context cache saves
work without changing a single canonical N-Quad (checked against plain pyld on every JSON-LD
document of the W3C vc-di-eddsa and vc-di-bbs vectors, ``tests/vectors/*/README.md``).
"""

from __future__ import annotations

import copy
import json
import re
import socket
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld  # type: ignore[import-untyped]
from pyld.canon import URDNA2015  # type: ignore[import-untyped]

from vc_service import _jsonld
from vc_service._errors import InvalidCredential, InvalidInput, UnknownContext
from vc_service._jsonld import (
    as_json_object,
    canonicalize_nquads,
    canonize,
    compact,
    context_urls,
    document_loader,
    expand,
    json_pointer,
    register_context,
    to_nquads,
)

VECTORS = Path(__file__).parent / "vectors"
V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
UNPINNED = "https://evil.example/context/v1"


def _vector_documents() -> list[str]:
    """Every JSON-LD document (a JSON object with ``@context``) in the W3C DI vectors."""
    names = []
    for folder in ("w3c-vc-di-eddsa", "w3c-vc-di-bbs"):
        for path in sorted((VECTORS / folder).rglob("*.json")):
            document = json.loads(path.read_text("utf-8"))
            if isinstance(document, dict) and "@context" in document:
                names.append(str(path.relative_to(VECTORS)))
    return names


VECTOR_DOCUMENTS = _vector_documents()


def load(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text("utf-8"))  # type: ignore[no-any-return]


def credential() -> dict[str, Any]:
    """A credential that uses only terms of the VCDM 2.0 base context."""
    return {
        "@context": [V2],
        "id": "urn:uuid:0b8f5f4e-6a55-4e39-9a44-4b4e4e0a0001",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject", "name": "Ada"},
    }


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Any attempt to resolve a host name or open a connection is recorded and fails."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> Any:
        attempts.append(args)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield attempts
    assert attempts == [], "JSON-LD processing tried to reach the network"


def _reference_canonize(document: dict[str, Any]) -> str:
    """Plain pyld RDFC-1.0 (no strictness, no processed-context cache), with a null base."""
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
        "base": None,
    }
    return jsonld.JsonLdProcessor().normalize(copy.deepcopy(document), options)  # type: ignore[no-any-return]


# ============================================================================== contexts


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({"@context": [V2, UNPINNED], "type": "VerifiableCredential"}, id="top-level"),
        pytest.param(
            {
                "@context": {
                    "Thing": {"@id": "https://example.com/Thing", "@context": UNPINNED},
                },
                "@type": "Thing",
            },
            id="type-scoped",
        ),
        pytest.param(
            {
                "@context": V2,
                "type": "VerifiableCredential",
                "credentialSubject": {"@context": UNPINNED, "x": 1},
            },
            id="embedded",
        ),
        pytest.param({"@context": {"@import": UNPINNED}}, id="import"),
    ],
)
@pytest.mark.parametrize("operation", [expand, canonize], ids=["expand", "canonize"])
def test_unknown_context_is_refused_and_never_fetched(
    no_network: list[object], operation: Callable[[Any], Any], document: dict[str, Any]
) -> None:
    """A context that is not pinned raises UnknownContext; no fetch is ever attempted."""
    with pytest.raises(UnknownContext, match="not pinned"):
        operation(document)


def test_document_loader_serves_only_pinned_contexts(no_network: list[object]) -> None:
    """The loader is usable by pyld directly, and never falls back to fetching."""
    loaded = document_loader(V2)
    assert loaded["documentUrl"] == V2 and "@context" in loaded["document"]
    assert loaded["tag"] == "static"  # what makes pyld keep the resolved context
    assert V2 in context_urls() and UNPINNED not in context_urls()
    with pytest.raises(UnknownContext):
        document_loader(UNPINNED)


def test_loader_hands_out_copies_of_pinned_documents() -> None:
    """A caller (or pyld) that modifies a loaded context cannot change the pinned one."""
    first = document_loader(V2)["document"]
    first["@context"]["VerifiableCredential"] = "https://evil.example/VC"
    assert document_loader(V2)["document"]["@context"]["VerifiableCredential"] != (
        "https://evil.example/VC"
    )


def test_context_file_with_an_altered_digest_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pinned file that no longer matches the digest in index.json is never processed."""
    index = _jsonld._load_index()
    entry = dict(index[V2], sha256="0" * 64)
    monkeypatch.setitem(index, V2, entry)
    monkeypatch.setattr(_jsonld, "_documents", {})  # as in a fresh process: not yet loaded
    with pytest.raises(UnknownContext, match="digest"):
        document_loader(V2)
    # The same through a document, under a URL pyld has never cached.
    altered = "https://example.com/altered/" + uuid.uuid4().hex
    monkeypatch.setitem(index, altered, entry)
    with pytest.raises(UnknownContext, match="digest"):
        canonize({**credential(), "@context": [altered]})


def test_registered_context_is_pinned_once() -> None:
    """Registering a URL pins it; other content under a pinned URL is refused."""
    url = "https://example.com/contexts/" + uuid.uuid4().hex
    context = {"@context": {"colour": "https://example.com/vocab#colour"}}
    register_context(url, context)
    register_context(url, copy.deepcopy(context))  # the same content: fine
    assert url in context_urls()
    other = {"@context": {"colour": "https://evil.example/vocab#colour"}}
    with pytest.raises(InvalidInput, match="already pinned"):
        register_context(url, other)
    with pytest.raises(InvalidInput, match="already pinned"):
        register_context(V2, other)
    with pytest.raises(InvalidCredential):
        register_context(url + "/bad", {"colour": "x"})
    document = {"@context": url, "@id": "urn:x:1", "colour": "blue"}
    assert canonize(document) == '<urn:x:1> <https://example.com/vocab#colour> "blue" .\n'


# ============================================================================== data loss


@pytest.mark.parametrize(
    ("where", "term", "pointer"),
    [
        pytest.param((), "nickname", "/nickname", id="top-level"),
        pytest.param(("credentialSubject",), "age", "/credentialSubject/age", id="nested"),
        pytest.param(
            ("credentialSubject",), "a/b~c", "/credentialSubject/a~1b~0c", id="escaped-pointer"
        ),
        pytest.param(("credentialStatus", 0), "extra", "/credentialStatus/0/extra", id="in-array"),
        pytest.param((), "@foo", "/@foo", id="unknown-keyword"),
    ],
)
@pytest.mark.parametrize("operation", [expand, canonize], ids=["expand", "canonize"])
def test_undefined_term_is_invalid_and_points_at_the_term(
    operation: Callable[[Any], Any], where: tuple[str | int, ...], term: str, pointer: str
) -> None:
    """A term the contexts do not define would be dropped (and left unsigned): refused, with
    the term (or "keyword") in the message and its JSON pointer in ``path``."""
    document = credential()
    document["credentialStatus"] = [{"id": "urn:x:status", "type": "BitstringStatusListEntry"}]
    operation(document)  # valid as it is
    node: Any = document
    for token in where:
        node = node[token]
    node[term] = 1
    expected = "keyword" if term.startswith("@") else re.escape(term)
    with pytest.raises(InvalidCredential, match=expected) as info:
        operation(document)
    assert info.value.path == pointer


def test_undefined_terms_are_fine_under_a_vocab() -> None:
    """With ``@vocab`` (the examples context) every term is defined: nothing is dropped."""
    document = {**credential(), "@context": [V2, EXAMPLES]}
    document["credentialSubject"]["anything"] = "goes"
    assert "https://www.w3.org/ns/credentials/examples#anything" in canonize(document)


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        pytest.param({"id": "credentials/42"}, "/id", id="relative-id"),
        pytest.param(
            {"type": ["VerifiableCredential", "LocalType"]}, "/type/1", id="undefined-type"
        ),
        pytest.param(
            {"credentialSubject": {"id": "../subject", "name": "Ada"}},
            "/credentialSubject/id",
            id="relative-subject",
        ),
    ],
)
def test_relative_iri_is_refused_not_resolved(change: dict[str, Any], pointer: str) -> None:
    """The base IRI is null (Data Integrity 1.0 §2.4): a relative IRI is neither resolved against
    a placeholder base nor silently dropped from the RDF, it is refused."""
    document = {**credential(), **change}
    for operation in (expand, canonize):
        with pytest.raises(InvalidCredential, match="relative") as info:
            operation(document)
        assert info.value.path == pointer


def test_relative_datatype_and_blank_node_property_are_refused() -> None:
    """Other identifiers RDF conversion would drop: a relative datatype (pyld's own "invalid
    typed value" error), a property that is a blank node."""
    relative_datatype = {"@context": {"n": "https://example.com/n"}, "@id": "urn:x:1"}
    relative_datatype["n"] = {"@value": "1", "@type": "local-type"}
    for operation in (expand, canonize):
        with pytest.raises(InvalidCredential, match="invalid typed value"):
            operation(relative_datatype)
    blank_property = {"@context": {"p": "_:p"}, "@id": "urn:x:1", "p": "v"}
    with pytest.raises(InvalidCredential, match="_:p"):
        canonize(blank_property)


def test_expanded_input_is_checked_too() -> None:
    """to_nquads and compact take expanded JSON-LD and refuse what they would drop."""
    expanded = expand(credential())
    assert any("did:example:subject" in line for line in to_nquads(expanded))
    relative = copy.deepcopy(expanded)
    relative[0]["@id"] = "relative"
    with pytest.raises(InvalidCredential, match="relative") as info:
        to_nquads(relative)
    assert info.value.path == "/0/@id"
    dropped = copy.deepcopy(expanded)
    dropped[0]["plain-key"] = [{"@value": 1}]
    with pytest.raises(InvalidCredential, match="plain-key"):
        to_nquads(dropped)
    with pytest.raises(InvalidCredential, match="plain-key"):
        compact(dropped, V2)
    with pytest.raises(InvalidInput):
        to_nquads(credential())  # type: ignore[arg-type]  # compact, not expanded


def test_compact_round_trips_an_expanded_credential() -> None:
    document = credential()
    compacted = compact(expand(document), document["@context"])
    assert canonize(compacted) == canonize(document)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(float("nan"), id="nan"),
        pytest.param(b"bytes", id="bytes"),
        pytest.param({1, 2}, id="set"),
    ],
)
def test_non_json_input_is_invalid_input(value: object) -> None:
    """Values JSON cannot carry never reach pyld."""
    document = {**credential(), "extra": value}
    for operation in (expand, canonize):
        with pytest.raises(InvalidInput):
            operation(document)
    with pytest.raises(InvalidInput):
        expand(["not", "an", "object"])  # type: ignore[arg-type]


def test_malformed_json_ld_is_invalid_credential() -> None:
    """pyld's own errors come out as InvalidCredential, never as JsonLdError."""
    with pytest.raises(InvalidCredential, match="JSON-LD expansion failed"):
        expand({"@context": 5})
    with pytest.raises(InvalidCredential, match="N-Quads parsing failed"):
        canonicalize_nquads(["this is not an N-Quad\n"])


def test_json_helpers() -> None:
    assert json_pointer("/a", "b/c~d") == "/a/b~1c~0d"
    assert json_pointer("", 3) == "/3"
    original = {"a": [1, {"b": None}]}
    copied = as_json_object(original, "x")
    assert copied == original and copied["a"] is not original["a"]


# ============================================================================== RDFC-1.0


def _clique(size: int) -> list[str]:
    return [
        f"_:n{i} <https://example.com/knows> _:n{j} .\n"
        for i in range(size)
        for j in range(size)
        if i != j
    ]


def test_poisoned_dataset_is_refused_within_the_work_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A clique of indistinguishable blank nodes makes Hash N-Degree Quads factorial (RDFC-1.0
    §7.1): it is refused after a bounded number of steps, as N-Quads or as JSON-LD."""
    calls = 0
    hash_n_degree_quads = URDNA2015.hash_n_degree_quads

    def counting(self: Any, id_: str, issuer: Any) -> Any:
        nonlocal calls
        calls += 1
        return hash_n_degree_quads(self, id_, issuer)

    monkeypatch.setattr(URDNA2015, "hash_n_degree_quads", counting)
    with pytest.raises(InvalidCredential, match="budget"):
        canonicalize_nquads(_clique(10))
    assert calls <= _jsonld._MAX_NDEGREE_CALLS
    nodes = [
        {"@id": f"_:n{i}", "knows": [{"@id": f"_:n{j}"} for j in range(10) if j != i]}
        for i in range(10)
    ]
    document = {"@context": {"knows": {"@id": "https://example.com/knows"}}, "@graph": nodes}
    calls = 0
    with pytest.raises(InvalidCredential, match="budget"):
        canonize(document)
    assert calls <= _jsonld._MAX_NDEGREE_CALLS


def test_small_symmetric_dataset_canonicalizes_with_its_id_map() -> None:
    """Modest symmetry stays within the limit; the canonical id map covers every blank node."""
    nquads, id_map = canonicalize_nquads(_clique(4))
    assert len(nquads) == 12 and nquads == sorted(nquads)
    assert sorted(id_map) == [f"n{i}" for i in range(4)]
    assert sorted(id_map.values()) == [f"c14n{i}" for i in range(4)]


@pytest.mark.parametrize("name", VECTOR_DOCUMENTS, ids=VECTOR_DOCUMENTS)
def test_canonical_form_is_plain_pyld_with_or_without_the_cache(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Strictness and the processed-context cache change nothing in the output: cold cache,
    warm cache and plain pyld give the same canonical N-Quads, and the id map of
    canonicalize_nquads relabels the document's own N-Quads into them."""
    document = load(name)
    reference = _reference_canonize(document)
    monkeypatch.setattr(_jsonld, "_processed", OrderedDict())
    cold = canonize(document)
    warm = canonize(document)
    assert cold == warm == reference
    lines, id_map = canonicalize_nquads(to_nquads(expand(document)))
    assert "".join(lines) == reference
    assert sorted(id_map.values()) == [f"c14n{i}" for i in range(len(id_map))]


# ============================================================================== caching


def test_pinned_context_is_loaded_and_processed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second canonicalization of a document loads no context and creates no term
    definition: the pinned context and its type-scoped context are processed once."""
    url = "https://example.com/contexts/" + uuid.uuid4().hex
    register_context(
        url,
        {
            "@context": {
                "@version": 1.1,
                "@protected": True,
                "ExampleThing": {
                    "@id": "https://example.com/vocab#ExampleThing",
                    "@context": {"@protected": True, "colour": "https://example.com/vocab#colour"},
                },
            }
        },
    )
    document = {**credential(), "@context": [V2, url]}
    document["type"] = ["VerifiableCredential", "ExampleThing"]
    document["colour"] = "blue"  # defined only by ExampleThing's type-scoped context

    loads: list[str] = []
    definitions = 0
    create_term_definition = jsonld.JsonLdProcessor._create_term_definition

    def counting_loader(url: str, options: Any = None) -> dict[str, Any]:
        loads.append(url)
        return document_loader(url, options)

    def counting_definition(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal definitions
        definitions += 1
        return create_term_definition(self, *args, **kwargs)

    monkeypatch.setattr(_jsonld, "document_loader", counting_loader)
    monkeypatch.setattr(jsonld.JsonLdProcessor, "_create_term_definition", counting_definition)
    first = canonize(document)
    assert url in loads and definitions > 0
    assert "<https://example.com/vocab#colour>" in first
    loads.clear()
    definitions = 0
    assert canonize(document) == first
    assert loads == []
    assert definitions == 0
