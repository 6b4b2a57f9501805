"""Selective-disclosure primitives shared by the Data Integrity SD cryptosuites.

W3C Data Integrity ECDSA Cryptosuites v1.0, §3.4 "Selective Disclosure Functions" (shared by
``ecdsa-sd-2023`` and, by reference, by ``bbs-2023``), plus the BBS-specific label map of
W3C Data Integrity BBS Cryptosuites v1.0 §3.2.1 ``createShuffledIdLabelMapFunction``. Section
numbers below are those of the ECDSA Recommendation (2025); the 2024 Candidate Recommendation,
which the bbs-2023 text still links to, numbered the same functions §3.3.1-§3.3.17.

The pipeline, for a compact JSON-LD document and a few named groups of JSON pointers
(:func:`canonicalize_and_group`):

1. expand the document, give every blank node a URN (*skolemize*), compact it again: JSON
   pointers can now name any node, and selections keep their nodes' identities;
2. turn the skolemized document into N-Quads, turn the URNs back into blank nodes
   (*deskolemize*), canonicalize with RDFC-1.0 and relabel the canonical blank nodes with a
   label map factory (HMAC-derived labels hide the structure of undisclosed data);
3. for each group, select the pointed-to parts of the skolemized document, turn the selection
   into N-Quads the same way, and split the canonical N-Quads into those the selection contains
   (``matching``) and the rest (``non_matching``), keyed by their index in the canonical list.

Also here: a minimal, strict CBOR codec (RFC 8949) for exactly the values the SD proof values
use (unsigned integers, byte strings, text strings, arrays, maps), since no CBOR library is a
dependency. The JSON-LD steps (expansion, compaction, N-Quads, RDFC-1.0 with its canonical
identifier map) are :mod:`vc_service._jsonld`'s: they refuse the silent data loss the JSON-LD
algorithms allow (dropped undefined terms, relative IRIs), because a claim that does not reach
the signed N-Quads would still be shown to a verifier as if it were signed, and they bound the
work of canonicalizing a poisoned dataset.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import InvalidCredential, InvalidInput
from ._jsonld import canonicalize_nquads, compact, expand, to_nquads
from ._multibase import b64url_encode

__all__ = [
    "CanonicalGroups",
    "Group",
    "LabelMapFactory",
    "canonicalize_and_group",
    "canonicalize_nquads",
    "cbor_decode",
    "cbor_encode",
    "create_hmac_id_label_map_function",
    "create_label_map_function",
    "create_shuffled_id_label_map_function",
    "deskolemize_nquads",
    "expand_strict",
    "hash_mandatory_nquads",
    "json_pointer_to_paths",
    "label_replacement_canonicalize_json_ld",
    "label_replacement_canonicalize_nquads",
    "relabel_blank_nodes",
    "select_canonical_nquads",
    "select_json_ld",
    "skolemize_compact_json_ld",
    "skolemize_expanded_json_ld",
    "skolemize_nquads",
    "strip_blank_node_prefixes",
    "to_deskolemized_nquads",
    "to_nquads",
]

# The strict JSON-LD steps of the pipeline are :mod:`vc_service._jsonld`'s, re-exported here
# under the names this module has always offered.
expand_strict = expand

#: A label map factory: canonical blank node identifier map -> new label map (ECDSA §3.4.3).
#: Both maps are keyed by the input blank node identifier without its ``_:`` prefix.
LabelMapFactory = Callable[[Mapping[str, str]], dict[str, str]]

# The URN scheme for skolemized blank nodes (the spec's "custom-scheme:"; implementations may
# choose another one, and "bnid:" is what the published bbs-2023 vectors show).
URN_SCHEME = "bnid:"

# ============================================================================== CBOR (RFC 8949)

_CBOR_MAX_DEPTH = 8


def _cbor_head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise InvalidInput("CBOR: integer too large")


def cbor_encode(value: object) -> bytes:
    """Encode ``value`` in CBOR (RFC 8949) with preferred (shortest) heads and definite lengths.

    Supported: non-negative ``int``, ``bytes``, ``str``, ``list``/``tuple`` and ``dict`` (keys
    encoded in insertion order, as the Data Integrity proof values are produced). No tags: the
    SD proof values forbid tagging inside their components (BBS §3.3.1 and §3.3.6).
    """
    if isinstance(value, bool):
        raise InvalidInput("CBOR: booleans are not used in proof values")
    if isinstance(value, int):
        if value < 0:
            raise InvalidInput("CBOR: negative integers are not used in proof values")
        return _cbor_head(0, value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        return _cbor_head(2, len(raw)) + raw
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _cbor_head(3, len(raw)) + raw
    if isinstance(value, (list, tuple)):
        return _cbor_head(4, len(value)) + b"".join(cbor_encode(v) for v in value)
    if isinstance(value, dict):
        parts = [cbor_encode(k) + cbor_encode(v) for k, v in value.items()]
        return _cbor_head(5, len(value)) + b"".join(parts)
    raise InvalidInput(f"CBOR: cannot encode {type(value).__name__}")


class _CborReader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n > len(self.data) - self.pos:
            raise InvalidInput("CBOR: truncated data")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def head(self) -> tuple[int, int]:
        first = self.take(1)[0]
        major, info = first >> 5, first & 0x1F
        if info < 24:
            return major, info
        if info > 27:
            # 28-30 are reserved; 31 is an indefinite length, which the strict form refuses.
            raise InvalidInput("CBOR: indefinite lengths and reserved values are not accepted")
        size = 1 << (info - 24)
        value = int.from_bytes(self.take(size), "big")
        # Preferred serialization only: one value, one encoding (no malleable proof values).
        if value < (24 if size == 1 else 1 << (4 * size)):
            raise InvalidInput("CBOR: non-shortest integer or length encoding")
        return major, value

    def item(self, depth: int) -> Any:
        if depth > _CBOR_MAX_DEPTH:
            raise InvalidInput("CBOR: nesting too deep")
        major, value = self.head()
        if major == 0:
            return value
        if major == 2:
            return self.take(value)
        if major == 3:
            try:
                return self.take(value).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidInput("CBOR: text string is not UTF-8") from exc
        if major == 4:
            # Every item takes at least one byte: refuse lengths the data cannot hold before
            # allocating anything.
            if value > len(self.data) - self.pos:
                raise InvalidInput("CBOR: truncated data")
            return [self.item(depth + 1) for _ in range(value)]
        if major == 5:
            if 2 * value > len(self.data) - self.pos:
                raise InvalidInput("CBOR: truncated data")
            out: dict[Any, Any] = {}
            for _ in range(value):
                key = self.item(depth + 1)
                if not isinstance(key, (int, str)):
                    raise InvalidInput("CBOR: map keys must be integers or text")
                if key in out:
                    raise InvalidInput("CBOR: duplicate map key")
                out[key] = self.item(depth + 1)
            return out
        raise InvalidInput(f"CBOR: major type {major} (negative, tag or simple) not accepted")


def cbor_decode(data: bytes) -> Any:
    """Decode one CBOR item that spans all of ``data`` (strict subset of RFC 8949).

    Accepts what :func:`cbor_encode` produces and nothing else: definite lengths, shortest
    heads, no tags, floats, negative integers or simple values, no trailing bytes, unique map
    keys. Raises :class:`InvalidInput` for anything else.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidInput("CBOR input must be bytes")
    reader = _CborReader(bytes(data))
    value = reader.item(0)
    if reader.pos != len(reader.data):
        raise InvalidInput("CBOR: trailing bytes after the item")
    return value


# ============================================================================== blank nodes

# Blank node labels as pyld's N-Quads grammar has them (a label never contains a space or '>').
_BLANK_NODE = re.compile(r"_:([A-Za-z0-9_][A-Za-z0-9_.\-]*)")


def relabel_blank_nodes(nquads: Sequence[str], label_map: Mapping[str, str]) -> list[str]:
    """ECDSA §3.4.14 relabelBlankNodes: blank node ``_:x`` -> ``_:`` + ``label_map[x]``.

    Only blank node terms are relabeled: text that looks like a label inside a literal or an
    IRI (``"_:b0"``, ``<https://example.com/a_:b0>``) is data and stays as it is.
    """

    def swap(match: re.Match[str]) -> str:
        label = match.group(1)
        if label not in label_map:
            raise InvalidInput(f"no label for blank node _:{label}")
        return "_:" + label_map[label]

    return [
        "".join(text if kind else _BLANK_NODE.sub(swap, text) for kind, text in _terms(nq))
        for nq in nquads
    ]


_LITERAL, _IRI = "literal", "iri"


def _terms(nquad: str) -> Iterator[tuple[str, str]]:
    """Split an N-Quad line into literals (with quotes), IRIs (with brackets) and the rest.

    Yields ``(kind, text)`` with kind ``"literal"``, ``"iri"`` or ``""``; joining the texts
    gives the line back. (An IRI never contains ``"``, ``<`` or ``>``; a literal escapes ``"``.)
    """
    pos, n = 0, len(nquad)
    while pos < n:
        char = nquad[pos]
        if char == '"':
            end = pos + 1
            while end < n and nquad[end] != '"':
                end += 2 if nquad[end] == "\\" else 1
            yield _LITERAL, nquad[pos : end + 1]
            pos = end + 1
        elif char == "<":
            end = nquad.find(">", pos)
            end = n - 1 if end < 0 else end
            yield _IRI, nquad[pos : end + 1]
            pos = end + 1
        else:
            end = pos
            while end < n and nquad[end] not in '"<':
                end += 1
            yield "", nquad[pos:end]
            pos = end


def label_replacement_canonicalize_nquads(
    nquads: Sequence[str], label_map_factory: LabelMapFactory
) -> tuple[list[str], dict[str, str]]:
    """ECDSA §3.4.1 labelReplacementCanonicalizeNQuads.

    Canonicalizes ``nquads`` (RDFC-1.0), builds ``label_map`` = factory(canonicalIdMap) and
    returns the canonical N-Quads relabeled with it, sorted (code point order), with the label
    map (input blank node identifier -> new label).
    """
    canonical, canonical_id_map = canonicalize_nquads(nquads)
    label_map = label_map_factory(canonical_id_map)
    c14n_to_new = {}
    for input_label, c14n_label in canonical_id_map.items():
        if input_label not in label_map:
            raise InvalidInput(f"the label map has no entry for blank node _:{input_label}")
        c14n_to_new[c14n_label] = label_map[input_label]
    if len(set(c14n_to_new.values())) != len(c14n_to_new):
        # Two distinct nodes under one label would merge statements about different nodes.
        raise InvalidInput("the label map gives two blank nodes the same label")
    relabeled = relabel_blank_nodes(canonical, c14n_to_new)
    return sorted(relabeled), label_map


def label_replacement_canonicalize_json_ld(
    document: Mapping[str, Any], label_map_factory: LabelMapFactory
) -> tuple[list[str], dict[str, str]]:
    """ECDSA §3.4.2 labelReplacementCanonicalizeJsonLd (strict expansion, then §3.4.1)."""
    return label_replacement_canonicalize_nquads(to_nquads(expand(document)), label_map_factory)


# ============================================================================== label maps


def create_label_map_function(label_map: Mapping[str, str]) -> LabelMapFactory:
    """ECDSA §3.4.3 createLabelMapFunction: relabel canonical identifiers through ``label_map``.

    ``label_map`` maps canonical identifiers (``c14n0``) to the new labels (``b3``); the factory
    raises :class:`InvalidInput` for a canonical identifier the map does not cover.
    """
    fixed = dict(label_map)

    def factory(canonical_id_map: Mapping[str, str]) -> dict[str, str]:
        out = {}
        for input_label, c14n_label in canonical_id_map.items():
            if c14n_label not in fixed:
                raise InvalidInput(f"the label map has no entry for {c14n_label}")
            out[input_label] = fixed[c14n_label]
        return out

    return factory


def _hmac_labels(key: bytes, canonical_id_map: Mapping[str, str]) -> dict[str, str]:
    return {
        input_label: "u" + b64url_encode(hmac.new(key, c14n.encode(), hashlib.sha256).digest())
        for input_label, c14n in canonical_id_map.items()
    }


def _hmac_key(key: bytes) -> bytes:
    if not isinstance(key, (bytes, bytearray)) or len(key) != 32:
        # RFC 2104 recommends a key as long as the digest: 32 bytes for HMAC-SHA-256.
        raise InvalidInput("the HMAC key must be 32 bytes")
    return bytes(key)


def create_hmac_id_label_map_function(hmac_key: bytes) -> LabelMapFactory:
    """ECDSA §3.4.4 createHmacIdLabelMapFunction: ``u`` + base64url(HMAC-SHA-256(c14n id))."""
    key = _hmac_key(hmac_key)

    def factory(canonical_id_map: Mapping[str, str]) -> dict[str, str]:
        return _hmac_labels(key, canonical_id_map)

    return factory


def create_shuffled_id_label_map_function(hmac_key: bytes) -> LabelMapFactory:
    """BBS §3.2.1 createShuffledIdLabelMapFunction.

    The HMAC labels of §3.4.4 are sorted and replaced by ``b`` + their rank: the order of the
    relabeled N-Quads becomes a keyed shuffle, and the labels themselves (unlike HMAC digests)
    carry nothing that could link two presentations of the same credential.
    """
    key = _hmac_key(hmac_key)

    def factory(canonical_id_map: Mapping[str, str]) -> dict[str, str]:
        digests = _hmac_labels(key, canonical_id_map)
        rank = {digest: i for i, digest in enumerate(sorted(digests.values()))}
        return {input_label: f"b{rank[d]}" for input_label, d in digests.items()}

    return factory


def strip_blank_node_prefixes(label_map: Mapping[str, str]) -> dict[str, str]:
    """Drop a leading ``_:`` from the keys and values of a label map."""

    def strip(label: str) -> str:
        return label[2:] if label.startswith("_:") else label

    return {strip(k): strip(v) for k, v in label_map.items()}


# ============================================================================== skolemization


def skolemize_nquads(nquads: Sequence[str], urn_scheme: str = URN_SCHEME) -> list[str]:
    """ECDSA §3.4.5 skolemizeNQuads: blank node ``_:x`` -> ``<urn:`` + scheme + ``x>``."""

    def swap(match: re.Match[str]) -> str:
        return f"<urn:{urn_scheme}{match.group(1)}>"

    return [
        "".join(text if kind else _BLANK_NODE.sub(swap, text) for kind, text in _terms(nq))
        for nq in nquads
    ]


def deskolemize_nquads(nquads: Sequence[str], urn_scheme: str = URN_SCHEME) -> list[str]:
    """ECDSA §3.4.6 deskolemizeNQuads: IRI ``<urn:`` + scheme + ``x>`` -> blank node ``_:x``."""
    pattern = re.compile("<urn:" + re.escape(urn_scheme) + r"([^>]+)>")

    def deskolemize(kind: str, text: str) -> str:
        match = pattern.fullmatch(text) if kind == _IRI else None
        if match is None:
            return text
        if not _BLANK_NODE.fullmatch("_:" + match.group(1)):
            raise InvalidInput(f"skolem IRI {text} does not end in a blank node label")
        return "_:" + match.group(1)

    return ["".join(deskolemize(kind, text) for kind, text in _terms(nq)) for nq in nquads]


def _check_no_skolem_iris(expanded: object, urn_scheme: str) -> None:
    """Refuse documents that already use the skolem URN scheme as node identifiers or types:
    deskolemization would turn them into blank nodes in the signed data only."""
    prefix = f"urn:{urn_scheme}"
    if isinstance(expanded, list):
        for item in expanded:
            _check_no_skolem_iris(item, urn_scheme)
    elif isinstance(expanded, dict) and "@value" not in expanded:
        types = expanded.get("@type", [])
        for iri in [expanded.get("@id"), *(types if isinstance(types, list) else [types])]:
            if isinstance(iri, str) and iri.startswith(prefix):
                raise InvalidCredential(f"IRIs starting with {prefix!r} are reserved")
        for value in expanded.values():
            _check_no_skolem_iris(value, urn_scheme)


class _Counter:
    def __init__(self) -> None:
        self.value = 0

    def next(self) -> int:
        value = self.value
        self.value += 1
        return value


def skolemize_expanded_json_ld(
    expanded: Sequence[Any], urn_scheme: str, random_string: str, counter: _Counter | None = None
) -> list[Any]:
    """ECDSA §3.4.7 skolemizeExpandedJsonLd.

    Every node object gets an ``@id``: unlabeled nodes ``urn:`` + scheme + ``_`` + random + ``_``
    + counter, blank nodes ``_:x`` become ``urn:`` + scheme + ``x``. Value objects are copied.
    List and set objects are not nodes: they are recursed into but get no ``@id`` (giving them
    one would make them invalid JSON-LD).
    """
    counter = counter if counter is not None else _Counter()
    out: list[Any] = []
    for element in expanded:
        if not isinstance(element, dict) or "@value" in element:
            out.append(copy.deepcopy(element))
            continue
        node: dict[str, Any] = {}
        for prop, value in element.items():
            if isinstance(value, list):
                node[prop] = skolemize_expanded_json_ld(value, urn_scheme, random_string, counter)
            else:
                node[prop] = skolemize_expanded_json_ld(
                    [value], urn_scheme, random_string, counter
                )[0]
        if "@list" in element or "@set" in element:
            out.append(node)
            continue
        node_id = node.get("@id")
        if node_id is None:
            node["@id"] = f"urn:{urn_scheme}_{random_string}_{counter.next()}"
        elif isinstance(node_id, str) and node_id.startswith("_:"):
            node["@id"] = f"urn:{urn_scheme}{node_id[2:]}"
        out.append(node)
    return out


def skolemize_compact_json_ld(
    document: Mapping[str, Any], urn_scheme: str = URN_SCHEME
) -> tuple[list[Any], dict[str, Any]]:
    """ECDSA §3.4.8 skolemizeCompactJsonLd: (skolemized expanded, skolemized compact)."""
    if "@context" not in document:
        raise InvalidCredential("the document has no '@context'")
    expanded = expand(document)
    _check_no_skolem_iris(expanded, urn_scheme)
    # A fresh random string per run: skolem IRIs never collide with the document's own IRIs.
    skolemized = skolemize_expanded_json_ld(expanded, urn_scheme, str(uuid.uuid4()))
    return skolemized, compact(skolemized, document["@context"])


def to_deskolemized_nquads(
    skolemized_document: Mapping[str, Any] | Sequence[Any], urn_scheme: str = URN_SCHEME
) -> list[str]:
    """ECDSA §3.4.9 toDeskolemizedNQuads: RDF of a skolemized document, URNs back to blanks.

    Accepts the compact form (expanded strictly) or an already expanded array.
    """
    if isinstance(skolemized_document, Mapping):
        expanded = expand(skolemized_document)
    else:
        expanded = list(skolemized_document)
    return deskolemize_nquads(to_nquads(expanded), urn_scheme)


# ============================================================================== JSON pointers

_ARRAY_INDEX = re.compile(r"^(0|[1-9][0-9]*)$")


def json_pointer_to_paths(pointer: str) -> list[str | int]:
    """ECDSA §3.4.10 jsonPointerToPaths (RFC 6901).

    Segments without ``~`` that are canonical decimal integers become ``int`` (array indexes);
    ``~1`` and ``~0`` are unescaped. Only non-empty pointers are accepted: the empty pointer
    (the whole document) is not a meaningful selection.
    """
    if not isinstance(pointer, str) or not pointer.startswith("/"):
        raise InvalidInput(f"JSON pointer {pointer!r} must be a string starting with '/'")
    paths: list[str | int] = []
    for segment in pointer.split("/")[1:]:
        if "~" in segment:
            if re.search(r"~(?![01])", segment):
                raise InvalidInput(f"JSON pointer {pointer!r} has an invalid '~' escape")
            paths.append(segment.replace("~1", "/").replace("~0", "~"))
        elif _ARRAY_INDEX.match(segment):
            paths.append(int(segment))
        else:
            paths.append(segment)
    return paths


class _Sparse(dict[int, Any]):
    """A selected array under construction: index -> selected value (made dense at the end)."""


def _create_initial_selection(source: object) -> dict[str, Any]:
    """ECDSA §3.4.11 createInitialSelection: non-blank ``id`` and ``type`` of ``source``."""
    selection: dict[str, Any] = {}
    if isinstance(source, dict):
        node_id = source.get("id")
        if node_id is not None and not (isinstance(node_id, str) and node_id.startswith("_:")):
            selection["id"] = node_id
        if "type" in source:
            selection["type"] = copy.deepcopy(source["type"])
    return selection


def _child(container: object, path: str | int, pointer: str) -> Any:
    missing = InvalidInput(f"JSON pointer {pointer!r} does not match the document")
    if isinstance(container, dict):
        key = str(path)
        if key not in container:
            raise missing
        return container[key]
    if isinstance(container, list):
        if not isinstance(path, int) or path >= len(container):
            raise missing
        return container[path]
    raise missing


def _selected_child(selected: object, path: str | int) -> Any:
    if isinstance(selected, _Sparse):
        return selected.get(path) if isinstance(path, int) else None
    if isinstance(selected, dict):
        return selected.get(str(path))
    if isinstance(selected, list) and isinstance(path, int) and path < len(selected):
        return selected[path]
    return None


def _set_selected(selected: object, path: str | int, value: object) -> None:
    if isinstance(selected, _Sparse) and isinstance(path, int):
        selected[path] = value
    elif isinstance(selected, dict) and not isinstance(selected, _Sparse):
        selected[str(path)] = value
    elif isinstance(selected, list) and isinstance(path, int) and path < len(selected):
        selected[path] = value
    else:  # pragma: no cover - the document walk guarantees matching shapes
        raise InvalidInput("JSON pointer selection does not match the document's shape")


def _select_paths(
    paths: Sequence[str | int], document: dict[str, Any], selection: dict[str, Any], pointer: str
) -> None:
    """ECDSA §3.4.12 selectPaths."""
    value: Any = document
    selected_parent: Any = selection
    selected_value: Any = selection
    for path in paths:
        selected_parent = selected_value
        value = _child(value, path, pointer)
        selected_value = _selected_child(selected_parent, path)
        if selected_value is None:
            selected_value = (
                _Sparse() if isinstance(value, list) else _create_initial_selection(value)
            )
            _set_selected(selected_parent, path, selected_value)
    if isinstance(value, list):
        selected_value = copy.deepcopy(value)
    elif isinstance(value, dict):
        base = dict(selected_value) if isinstance(selected_value, dict) else {}
        selected_value = {**base, **copy.deepcopy(value)}
    else:
        selected_value = value
    _set_selected(selected_parent, paths[-1], selected_value)


def _densify(value: Any) -> Any:
    if isinstance(value, _Sparse):
        return [_densify(value[i]) for i in sorted(value)]
    if isinstance(value, dict):
        return {k: _densify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_densify(v) for v in value]
    return value


def select_json_ld(pointers: Sequence[str], document: Mapping[str, Any]) -> dict[str, Any] | None:
    """ECDSA §3.4.13 selectJsonLd: the part of ``document`` the JSON pointers select.

    ``None`` when ``pointers`` is empty. The selection keeps ``@context``, and the ``id`` (unless
    a blank node) and ``type`` of every object on the way to a selected value, so that the
    selected statements stay attached to the same nodes. Raises :class:`InvalidInput` when a
    pointer does not match the document.
    """
    if isinstance(pointers, str):
        raise InvalidInput("pointers must be a list of JSON pointers, not a string")
    if not pointers:
        return None
    source = dict(document)
    selection = _create_initial_selection(source)
    if "@context" in source:
        selection["@context"] = copy.deepcopy(source["@context"])
    for pointer in pointers:
        paths = json_pointer_to_paths(pointer)
        _select_paths(paths, source, selection, pointer)
    result: dict[str, Any] = _densify(selection)
    return result


# ============================================================================== grouping


@dataclass(frozen=True)
class Group:
    """One named group of :func:`canonicalize_and_group`.

    ``matching``/``non_matching`` map the index of each canonical N-Quad (in the full, relabeled
    list) to the N-Quad, for the N-Quads the group's selection does / does not contain;
    ``deskolemized_nquads`` are the selection's own N-Quads before relabeling.
    """

    matching: dict[int, str]
    non_matching: dict[int, str]
    deskolemized_nquads: list[str]


@dataclass(frozen=True)
class CanonicalGroups:
    """The result of :func:`canonicalize_and_group` (ECDSA §3.4.16)."""

    groups: dict[str, Group]
    skolemized_expanded: list[Any]
    skolemized_compact: dict[str, Any]
    deskolemized_nquads: list[str]
    label_map: dict[str, str]
    nquads: list[str]


def select_canonical_nquads(
    pointers: Sequence[str],
    skolemized_compact: Mapping[str, Any],
    label_map: Mapping[str, str],
) -> tuple[dict[str, Any] | None, list[str], list[str]]:
    """ECDSA §3.4.15 selectCanonicalNQuads: (selection, deskolemized N-Quads, relabeled N-Quads)."""
    selection = select_json_ld(pointers, skolemized_compact)
    if selection is None:
        return None, [], []
    deskolemized = to_deskolemized_nquads(selection)
    return selection, deskolemized, relabel_blank_nodes(deskolemized, label_map)


def canonicalize_and_group(
    document: Mapping[str, Any],
    label_map_factory: LabelMapFactory,
    group_definitions: Mapping[str, Sequence[str]],
) -> CanonicalGroups:
    """ECDSA §3.4.16 canonicalizeAndGroup.

    Canonicalizes ``document`` with relabeled blank nodes and, for each named list of JSON
    pointers, splits the canonical N-Quads into those the selection contains and the others.
    """
    skolemized_expanded, skolemized_compact = skolemize_compact_json_ld(document)
    deskolemized = to_deskolemized_nquads(skolemized_expanded)
    nquads, label_map = label_replacement_canonicalize_nquads(deskolemized, label_map_factory)
    groups: dict[str, Group] = {}
    for name, pointers in group_definitions.items():
        _, selected_deskolemized, selected = select_canonical_nquads(
            pointers, skolemized_compact, label_map
        )
        selected_set = set(selected)
        matching: dict[int, str] = {}
        non_matching: dict[int, str] = {}
        for index, nq in enumerate(nquads):
            (matching if nq in selected_set else non_matching)[index] = nq
        groups[name] = Group(matching, non_matching, selected_deskolemized)
    return CanonicalGroups(
        groups, skolemized_expanded, skolemized_compact, deskolemized, label_map, nquads
    )


def hash_mandatory_nquads(
    mandatory: Sequence[str], hasher: Callable[[bytes], bytes] | None = None
) -> bytes:
    """ECDSA §3.4.17 hashMandatoryNQuads: hash of the UTF-8 of the joined N-Quads (SHA-256)."""
    data = "".join(mandatory).encode("utf-8")
    if hasher is None:
        return hashlib.sha256(data).digest()
    return hasher(data)
