"""VCDM 2.0 validation (``vc_service._vcdm``): every rule rejects with a precise JSON pointer.

The valid inputs are the W3C vc-di-eddsa vector credentials (``tests/vectors/w3c-vc-di-eddsa``)
and a small credential built here; every negative case changes one member of a valid document
and names the member it protects.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from vc_service._errors import (
    Expired,
    InvalidCredential,
    InvalidInput,
    NotYetValid,
    UnknownContext,
)
from vc_service._jsonld import canonize as canonize_strict
from vc_service._jsonld import expand as expand_strict
from vc_service._vcdm import (
    check_validity_period,
    format_datetime,
    parse_datetime,
    validate_credential,
    validate_presentation,
)

VECTORS = Path(__file__).parent / "vectors" / "w3c-vc-di-eddsa" / "TestVectors"
V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"

# Every credential in the vectors, by file name (unsigned inputs and secured outputs).
CREDENTIAL_FILES = sorted(
    str(p.relative_to(VECTORS))
    for p in VECTORS.rglob("*.json")
    if p.name in ("unsigned.json", "employmentAuth.json") or p.name.startswith("signed")
)


def load(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text("utf-8"))  # type: ignore[no-any-return]


def credential() -> dict[str, Any]:
    """A valid credential using every member the data model defines a shape for."""
    return {
        "@context": [V2, EXAMPLES],
        "id": "urn:uuid:6d2e1c2a-2f3c-4a57-9b1e-0c0c8a2f0001",
        "type": ["VerifiableCredential", "ExampleCredential"],
        "name": "Example",
        "description": [{"@value": "Exemple", "@language": "fr", "@direction": "ltr"}, "Example"],
        "issuer": {"id": "did:example:issuer", "name": "Registry"},
        "validFrom": "2025-01-01T00:00:00Z",
        "validUntil": "2030-01-01T00:00:00+01:00",
        "credentialSubject": [{"id": "did:example:subject", "degree": "BSc"}, {"claim": 1}],
        "credentialStatus": {"id": "https://status.example/1#3", "type": "ExampleStatus"},
        "credentialSchema": [{"id": "https://schema.example/s.json", "type": "JsonSchema"}],
        "relatedResource": [{"id": "https://a.example/x", "digestSRI": "sha384-abc"}],
        "refreshService": {"type": "ExampleRefresh", "url": "https://r.example/"},
        "termsOfUse": [{"type": "ExamplePolicy"}],
        "evidence": [{"id": "https://e.example/1", "type": ["Evidence"]}],
    }


def v2_only() -> dict[str, Any]:
    """A valid credential whose only context is the v2 base context (no ``@vocab``)."""
    return {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject", "name": "Jane"},
    }


def presentation() -> dict[str, Any]:
    signed = load("eddsa-rdfc-2022/signedDataInt.json")
    return {
        "@context": [V2],
        "id": "urn:uuid:6d2e1c2a-2f3c-4a57-9b1e-0c0c8a2f0002",
        "type": ["VerifiablePresentation"],
        "holder": "did:example:holder",
        "verifiableCredential": [signed],
    }


# ------------------------------------------------------------------------------ valid input


@pytest.mark.parametrize("name", CREDENTIAL_FILES, ids=CREDENTIAL_FILES)
def test_vector_credentials_are_valid(name: str) -> None:
    """Every credential in the W3C eddsa vectors passes VCDM 2.0 validation."""
    doc = load(name)
    info = validate_credential(doc, require_proof="proof" in doc)
    assert "VerifiableCredential" in info.types
    assert info.valid_from is not None and info.valid_from.tzinfo is not None


def test_parsed_view_of_a_credential() -> None:
    """validate_credential returns the issuer id, types, validity period and subject ids."""
    info = validate_credential(credential())
    assert info.issuer == "did:example:issuer"
    assert info.types == ("VerifiableCredential", "ExampleCredential")
    assert info.valid_from == datetime(2025, 1, 1, tzinfo=UTC)
    assert info.valid_until == datetime(2029, 12, 31, 23, tzinfo=UTC)
    assert info.subject_ids == ("did:example:subject",)
    assert info.id == "urn:uuid:6d2e1c2a-2f3c-4a57-9b1e-0c0c8a2f0001"


def test_v2_only_credential_is_valid() -> None:
    """A credential that uses only terms of the v2 base context is valid."""
    assert validate_credential(v2_only()).issuer == "did:example:issuer"


def test_context_may_be_a_single_string() -> None:
    """``"@context": "https://www.w3.org/ns/credentials/v2"`` is the one-element set, compacted."""
    doc = v2_only()
    doc["@context"] = V2
    validate_credential(doc)


def test_inline_context_objects_are_accepted() -> None:
    """§4.3: contexts after the first may be objects; they can define new terms."""
    doc = v2_only()
    doc["@context"] = [V2, {"nickname": "https://vocab.example/nickname"}]
    doc["credentialSubject"]["nickname"] = "JJ"
    validate_credential(doc)


def test_validation_does_not_modify_its_input() -> None:
    """Validation works on a copy: the caller's document is unchanged."""
    doc = credential()
    before = copy.deepcopy(doc)
    validate_credential(doc)
    assert doc == before


# ------------------------------------------------------------------------------ shape rules

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        *parents, last = path.strip("/").split("/")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _delete(member: str) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        del doc[member]

    return mutate


# (id, mutation, expected JSON pointer)
SHAPE_CASES: list[tuple[str, Mutation, str]] = [
    ("context-missing", _delete("@context"), ""),
    ("context-first-not-v2", _set("/@context", [EXAMPLES, V2]), "/@context/0"),
    ("context-v1", _set("/@context", ["https://www.w3.org/2018/credentials/v1"]), "/@context/0"),
    ("context-empty", _set("/@context", []), "/@context"),
    ("context-number", _set("/@context/1", 7), "/@context/1"),
    ("type-missing", _delete("type"), ""),
    ("type-without-vc", _set("/type", ["ExampleCredential"]), "/type"),
    ("type-empty", _set("/type", []), "/type"),
    ("type-not-string", _set("/type/1", 3), "/type/1"),
    ("id-not-url", _set("/id", "not a url"), "/id"),
    ("issuer-missing", _delete("issuer"), ""),
    ("issuer-not-url", _set("/issuer", "issuer-7"), "/issuer"),
    ("issuer-object-without-id", _set("/issuer", {"name": "x"}), "/issuer"),
    ("issuer-name-number", _set("/issuer/name", 5), "/issuer/name"),
    ("subject-missing", _delete("credentialSubject"), ""),
    ("subject-string", _set("/credentialSubject", "did:example:subject"), "/credentialSubject"),
    ("subject-empty-array", _set("/credentialSubject", []), "/credentialSubject"),
    ("subject-entry-not-object", _set("/credentialSubject/1", "x"), "/credentialSubject/1"),
    ("subject-empty-object", _set("/credentialSubject/1", {}), "/credentialSubject/1"),
    ("subject-id-not-url", _set("/credentialSubject/0/id", "subject"), "/credentialSubject/0/id"),
    ("name-number", _set("/name", 1), "/name"),
    ("name-empty-array", _set("/name", []), "/name"),
    ("description-no-value", _set("/description/0", {"@language": "fr"}), "/description/0"),
    (
        "description-extra-member",
        _set("/description/0", {"@value": "x", "@type": "y"}),
        "/description/0",
    ),
    (
        "description-bad-direction",
        _set("/description/0", {"@value": "x", "@direction": "up"}),
        "/description/0",
    ),
    (
        "description-bad-language",
        _set("/description/0", {"@value": "x", "@language": "not a tag"}),
        "/description/0",
    ),
    ("validFrom-no-timezone", _set("/validFrom", "2025-01-01T00:00:00"), "/validFrom"),
    ("validFrom-date-only", _set("/validFrom", "2025-01-01"), "/validFrom"),
    ("validFrom-number", _set("/validFrom", 1735689600), "/validFrom"),
    ("validUntil-bad-month", _set("/validUntil", "2030-13-01T00:00:00Z"), "/validUntil"),
    ("validUntil-before-validFrom", _set("/validUntil", "2024-12-31T23:59:59Z"), "/validUntil"),
    (
        "status-without-type",
        _set("/credentialStatus", {"id": "https://s.example/"}),
        "/credentialStatus",
    ),
    ("status-id-not-url", _set("/credentialStatus/id", "3"), "/credentialStatus/id"),
    ("status-string", _set("/credentialStatus", "https://s.example/"), "/credentialStatus"),
    (
        "schema-without-id",
        _set("/credentialSchema/0", {"type": "JsonSchema"}),
        "/credentialSchema/0",
    ),
    (
        "schema-without-type",
        _set("/credentialSchema/0", {"id": "https://schema.example/s.json"}),
        "/credentialSchema/0",
    ),
    ("schema-empty-array", _set("/credentialSchema", []), "/credentialSchema"),
    (
        "related-resource-without-digest",
        _set("/relatedResource/0", {"id": "https://a.example/x"}),
        "/relatedResource/0",
    ),
    (
        "refresh-without-type",
        _set("/refreshService", {"url": "https://r.example/"}),
        "/refreshService",
    ),
    (
        "terms-of-use-without-type",
        _set("/termsOfUse/0", {"id": "https://t.example/"}),
        "/termsOfUse/0",
    ),
    ("evidence-id-not-url", _set("/evidence/0/id", "e1"), "/evidence/0/id"),
    ("evidence-not-object", _set("/evidence", [1]), "/evidence/0"),
    ("proof-without-type", _set("/proof", {"proofValue": "z1"}), "/proof"),
    ("proof-string", _set("/proof", "z1"), "/proof"),
]


@pytest.mark.parametrize(
    ("mutate", "path"), [(m, p) for _, m, p in SHAPE_CASES], ids=[i for i, _, _ in SHAPE_CASES]
)
def test_each_data_model_rule_names_the_offending_member(mutate: Mutation, path: str) -> None:
    """Breaking one VCDM 2.0 rule raises InvalidCredential pointing at the broken member."""
    doc = credential()
    mutate(doc)
    with pytest.raises(InvalidCredential) as info:
        validate_credential(doc)
    assert info.value.path == path
    assert not isinstance(info.value, UnknownContext)


def test_require_proof_rejects_an_unsecured_credential() -> None:
    """require_proof=True: a credential without ``proof`` is not a verifiable credential."""
    with pytest.raises(InvalidCredential, match="proof"):
        validate_credential(credential(), require_proof=True)


# ------------------------------------------------------------------------------ contexts


def test_unknown_context_url_is_refused_with_its_position() -> None:
    """§4.3 + pinned contexts: an unpinned URL raises UnknownContext and is never fetched."""
    doc = credential()
    doc["@context"].append("https://evil.example/context.jsonld")
    with pytest.raises(UnknownContext) as info:
        validate_credential(doc)
    assert info.value.path == "/@context/2"


def test_unknown_context_nested_in_the_document_is_refused() -> None:
    """A ``@context`` deeper in the document goes through the pinned loader too."""
    doc = credential()
    doc["credentialSubject"][0]["@context"] = "https://evil.example/context.jsonld"
    with pytest.raises(UnknownContext):
        validate_credential(doc)


# ------------------------------------------------------------------------------ undefined terms


@pytest.mark.parametrize(
    ("mutate", "path", "term"),
    [
        pytest.param(_set("/foo", "bar"), "/foo", "foo", id="top-level"),
        pytest.param(
            _set("/credentialSubject/age", 42), "/credentialSubject/age", "age", id="in-subject"
        ),
        pytest.param(
            _set("/issuer", {"id": "did:example:i", "logo": "x"}),
            "/issuer/logo",
            "logo",
            id="in-issuer",
        ),
        pytest.param(_set("/@foo", 1), "/@foo", "keyword", id="unknown-keyword"),
    ],
)
def test_undefined_term_is_invalid_and_named(mutate: Mutation, path: str, term: str) -> None:
    """A term the contexts do not define would be dropped by JSON-LD expansion (and left out
    of an RDFC signature): it is an InvalidCredential naming the term and its position."""
    doc = v2_only()
    mutate(doc)
    with pytest.raises(InvalidCredential, match=term) as info:
        validate_credential(doc)
    assert info.value.path == path


def test_undefined_type_is_invalid() -> None:
    """An undefined type expands to a relative IRI, which RDF drops: InvalidCredential."""
    doc = v2_only()
    doc["type"] = ["VerifiableCredential", "UndefinedCredential"]
    with pytest.raises(InvalidCredential, match="UndefinedCredential") as info:
        validate_credential(doc)
    assert info.value.path == "/type/1"


def test_undefined_term_in_proof_is_invalid() -> None:
    """The proof is JSON-LD too: an undefined proof member is data loss."""
    doc = v2_only()
    doc["proof"] = dict(load("eddsa-rdfc-2022/signedDataInt.json")["proof"], note="unsigned")
    with pytest.raises(InvalidCredential, match="note") as info:
        validate_credential(doc)
    assert info.value.path == "/proof/note"


def test_undefined_terms_are_fine_under_a_vocab_context() -> None:
    """The examples context declares ``@vocab``: its terms are defined, nothing is dropped."""
    doc = credential()
    doc["credentialSubject"][0]["anything"] = "goes"
    validate_credential(doc)


def test_expand_strict_matches_pyld_for_a_clean_document() -> None:
    """expand_strict returns pyld's expansion of a document without data loss."""
    expanded = expand_strict(load("unsigned.json"))
    assert expanded[0]["@id"] == "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33"


def test_canonize_strict_refuses_relative_identifiers() -> None:
    """With a null base a relative ``id`` would vanish from the canonical form: refused."""
    doc = v2_only()
    doc["credentialSubject"]["id"] = "subject-7"
    with pytest.raises(InvalidCredential) as info:
        canonize_strict(doc)
    assert info.value.path == "/credentialSubject/id"


# ------------------------------------------------------------------------------ input types


@pytest.mark.parametrize(
    "document",
    [
        pytest.param([], id="array"),
        pytest.param("{}", id="string"),
        pytest.param({"@context": [V2], "x": math.nan}, id="nan"),
        pytest.param({"@context": [V2], "x": b"bytes"}, id="bytes"),
    ],
)
def test_non_json_input_is_invalid_input(document: Any) -> None:
    """Anything that is not a JSON object of JSON values is InvalidInput, never a TypeError."""
    with pytest.raises(InvalidInput):
        validate_credential(document)


# ------------------------------------------------------------------------------ date-times


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-05-15T12:00:00Z", datetime(2025, 5, 15, 12, tzinfo=UTC)),
        ("2025-05-15T12:00:00+02:00", datetime(2025, 5, 15, 10, tzinfo=UTC)),
        ("2025-05-15T12:00:00-14:00", datetime(2025, 5, 16, 2, tzinfo=UTC)),
        ("2025-05-15T12:00:00.1234567Z", datetime(2025, 5, 15, 12, 0, 0, 123456, tzinfo=UTC)),
        ("2024-02-29T23:59:59Z", datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),
        ("2025-12-31T24:00:00Z", datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
def test_datetime_stamps_parse_to_aware_utc(text: str, expected: datetime) -> None:
    """XML Schema dateTimeStamp values parse to aware datetimes (VCDM 2.0 §4.9, §5.8)."""
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "2025-05-15T12:00:00",  # no time zone
        "2025-05-15 12:00:00Z",
        "2025-02-29T00:00:00Z",  # not a leap year
        "2025-05-15T12:60:00Z",
        "2025-05-15T12:00:60Z",  # XSD has no leap seconds
        "2025-05-15T24:00:01Z",
        "2025-05-15T12:00:00+15:00",
        "2025-05-15T12:00:00+14:30",
        "0000-01-01T00:00:00Z",
        "10000-01-01T00:00:00Z",
        "２０２５-05-15T12:00:00Z",  # non-ASCII digits
        "2025-05-15T12:00:00z",
    ],
)
def test_malformed_datetime_stamps_are_rejected(text: str) -> None:
    """Anything but a valid dateTimeStamp is InvalidCredential."""
    with pytest.raises(InvalidCredential):
        parse_datetime(text, path="/validFrom")


def test_format_datetime_round_trips() -> None:
    """format_datetime writes UTC ``Z`` stamps that parse back to the same instant."""
    moment = datetime(2025, 5, 15, 14, 30, 5, 250000, tzinfo=timezone(timedelta(hours=2)))
    assert format_datetime(moment) == "2025-05-15T12:30:05.25Z"
    assert parse_datetime(format_datetime(moment)) == moment
    assert format_datetime(datetime(2025, 5, 15, tzinfo=UTC)) == "2025-05-15T00:00:00Z"
    with pytest.raises(InvalidInput):
        format_datetime(datetime(2025, 5, 15))  # noqa: DTZ001 - naive on purpose


# ------------------------------------------------------------------------------ validity period


def test_validity_period_boundaries_are_inclusive() -> None:
    """§4.9: valid from validFrom through validUntil, both instants included."""
    doc = credential()
    check_validity_period(doc, datetime(2025, 1, 1, tzinfo=UTC))
    check_validity_period(doc, datetime(2029, 12, 31, 23, tzinfo=UTC))


def test_before_valid_from_is_not_yet_valid() -> None:
    """A credential checked before validFrom raises NotYetValid (check "validity")."""
    with pytest.raises(NotYetValid) as info:
        check_validity_period(credential(), datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert info.value.check == "validity"


def test_after_valid_until_is_expired() -> None:
    """A credential checked after validUntil raises Expired (check "validity")."""
    with pytest.raises(Expired) as info:
        check_validity_period(credential(), datetime(2029, 12, 31, 23, 0, 1, tzinfo=UTC))
    assert info.value.check == "validity"


def test_validity_period_needs_an_aware_now() -> None:
    """A naive ``now`` is ambiguous: InvalidInput."""
    with pytest.raises(InvalidInput):
        check_validity_period(credential(), datetime(2026, 1, 1))  # noqa: DTZ001


# ------------------------------------------------------------------------------ presentations


def test_presentation_with_embedded_credential_is_valid() -> None:
    """VCDM 2.0 §4.13: a presentation of a secured credential validates and is parsed."""
    info = validate_presentation(presentation())
    assert info.holder == "did:example:holder"
    assert [c.issuer for c in info.credentials] == ["https://vc.example/issuers/5678"]
    assert info.enveloped == ()


def test_enveloped_credential_is_accepted() -> None:
    """§4.13.1: an EnvelopedVerifiableCredential with a ``data:`` URL id is a valid entry."""
    vp = presentation()
    envelope = {
        "@context": V2,
        "id": "data:application/vc+jwt,eyJhbGciOiJFUzI1NiJ9.e30.sig",
        "type": "EnvelopedVerifiableCredential",
    }
    vp["verifiableCredential"].append(envelope)
    info = validate_presentation(vp)
    assert info.enveloped == (envelope["id"],)


PRESENTATION_CASES: list[tuple[str, Mutation, str]] = [
    ("type-without-vp", _set("/type", ["Presentation"]), "/type"),
    ("holder-not-url", _set("/holder", "holder"), "/holder"),
    ("id-not-url", _set("/id", "vp-1"), "/id"),
    (
        "credential-as-string",
        _set("/verifiableCredential/0", "https://vc.example/1"),
        "/verifiableCredential/0",
    ),
    (
        "envelope-id-not-data-url",
        _set(
            "/verifiableCredential/0",
            {"id": "https://vc.example/1", "type": "EnvelopedVerifiableCredential"},
        ),
        "/verifiableCredential/0/id",
    ),
    (
        "embedded-credential-bad-issuer",
        _set("/verifiableCredential/0/issuer", "issuer"),
        "/verifiableCredential/0/issuer",
    ),
    (
        "embedded-credential-without-proof",
        lambda vp: vp["verifiableCredential"][0].pop("proof"),
        "/verifiableCredential/0",
    ),
    (
        "embedded-credential-without-context",
        lambda vp: vp["verifiableCredential"][0].pop("@context"),
        "/verifiableCredential/0",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "path"),
    [(m, p) for _, m, p in PRESENTATION_CASES],
    ids=[i for i, _, _ in PRESENTATION_CASES],
)
def test_each_presentation_rule_names_the_offending_member(mutate: Mutation, path: str) -> None:
    """Breaking one §4.13 rule raises InvalidCredential pointing into the presentation."""
    vp = presentation()
    mutate(vp)
    with pytest.raises(InvalidCredential) as info:
        validate_presentation(vp)
    assert info.value.path == path


def test_undefined_term_in_an_embedded_credential_is_found() -> None:
    """Data loss inside an embedded credential is reported with its position in the VP."""
    vp = presentation()
    vp["verifiableCredential"][0]["@context"] = [V2]
    vp["verifiableCredential"][0]["credentialSubject"]["alumniOf"] = "x"
    with pytest.raises(InvalidCredential) as info:
        validate_presentation(vp)
    assert info.value.path == "/verifiableCredential/0/credentialSubject/alumniOf"
