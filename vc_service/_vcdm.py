"""W3C Verifiable Credentials Data Model v2.0 (W3C Recommendation, 15 May 2025): validation.

:func:`validate_credential` and :func:`validate_presentation` check a credential or presentation
against the data model and raise :class:`InvalidCredential` with a JSON pointer (``path``) to the
first offending member. They check the shapes the Recommendation fixes (§4.3 Contexts to §4.13
Verifiable Presentations, §5.3-§5.6) and one thing a shape check cannot see: that JSON-LD
expansion keeps every property and type, i.e. that the document uses no undefined term.

Undefined terms
    VCDM 2.0 §4.3 and VC Data Integrity 1.0 §2.4 require processors that use JSON-LD to fail when
    data is dropped (``DATA_LOSS_DETECTION_ERROR``): a term the contexts do not define is silently
    removed by expansion, so a signature over the canonical form would not cover it. Both
    validators therefore run the strict expansion of :func:`vc_service._jsonld.expand` (a null
    base IRI; dropped keys, undefined types and relative identifiers raise
    :class:`InvalidCredential` with a JSON pointer; its module docstring says how loss is
    detected).

Contexts are never fetched: every ``@context`` URL must be pinned (:func:`vc_service._jsonld.
context_urls`); any other raises :class:`UnknownContext`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from ._errors import Expired, InvalidCredential, InvalidInput, NotYetValid, UnknownContext
from ._jsonld import as_json_object, context_urls, expand
from ._jsonld import json_pointer as _pointer

__all__ = [
    "CREDENTIALS_V2_CONTEXT",
    "CredentialInfo",
    "PresentationInfo",
    "check_validity_period",
    "format_datetime",
    "is_enveloped",
    "is_url",
    "parse_datetime",
    "validate_credential",
    "validate_presentation",
]

CREDENTIALS_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"

# A URL in the sense the data model uses it (VCDM 2.0 §4.4): an absolute URI with a scheme.
# This is deliberately simple: a scheme, a colon, and no whitespace or control characters.
_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f]+")
# XML Schema 1.1 dateTimeStamp (a dateTime with a mandatory time zone), ASCII digits only.
_DATETIME_RE = re.compile(
    r"(?P<year>-?[0-9]{4,})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?P<fraction>\.[0-9]+)?"
    r"(?P<tz>Z|[+-][0-9]{2}:[0-9]{2})"
)
_LANGUAGE_TAG_RE = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")


# ------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class CredentialInfo:
    """What :func:`validate_credential` parsed out of a valid credential."""

    id: str | None
    types: tuple[str, ...]
    issuer: str
    valid_from: datetime | None
    valid_until: datetime | None
    subject_ids: tuple[str, ...]


@dataclass(frozen=True)
class PresentationInfo:
    """What :func:`validate_presentation` parsed out of a valid presentation.

    ``credentials`` are the embedded (Data Integrity secured) credentials; ``enveloped`` are the
    ``data:`` URLs of ``EnvelopedVerifiableCredential`` entries (VCDM 2.0 §4.13.1), in document
    order.
    """

    id: str | None
    types: tuple[str, ...]
    holder: str | None
    credentials: tuple[CredentialInfo, ...]
    enveloped: tuple[str, ...]


# ------------------------------------------------------------------------------ helpers


def is_url(value: object) -> bool:
    """Whether ``value`` is a string holding an absolute URL (VCDM 2.0 §4.4 Identifiers)."""
    return isinstance(value, str) and _URL_RE.fullmatch(value) is not None


def is_enveloped(entry: Mapping[str, Any]) -> bool:
    """Whether a ``verifiableCredential`` entry is an ``EnvelopedVerifiableCredential``
    (VCDM 2.0 §4.13.1)."""
    types = entry.get("type")
    types = [types] if isinstance(types, str) else types
    return isinstance(types, list) and "EnvelopedVerifiableCredential" in types


def parse_datetime(value: object, *, path: str = "") -> datetime:
    """Parse an XML Schema 1.1 ``dateTimeStamp`` into an aware :class:`datetime`.

    VCDM 2.0 §4.9 (``validFrom``/``validUntil``) and §5.8, and Data Integrity 1.0 §2.1
    (``created``/``expires``) require a time zone (``Z`` or ``±hh:mm``). ``24:00:00`` is the
    first instant of the next day. Fractional seconds beyond microseconds are truncated; years
    outside 1-9999 are refused (Python cannot represent them).
    """
    if not isinstance(value, str):
        raise InvalidCredential("must be an XML Schema dateTimeStamp string", path=path)
    match = _DATETIME_RE.fullmatch(value)
    if match is None:
        raise InvalidCredential(
            f"{value!r} is not an XML Schema dateTimeStamp (time zone required)", path=path
        )
    year, month, day = (int(match[name]) for name in ("year", "month", "day"))
    hour, minute, second = (int(match[name]) for name in ("hour", "minute", "second"))
    fraction = match["fraction"] or ""
    if not 1 <= year <= 9999:
        raise InvalidCredential(f"year of {value!r} is out of the supported range", path=path)
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise InvalidCredential(f"{value!r} is not a valid date", path=path)
    end_of_day = hour == 24 and minute == 0 and second == 0 and not fraction.strip(".0")
    if not end_of_day and (hour > 23 or minute > 59 or second > 59):
        raise InvalidCredential(f"{value!r} is not a valid time", path=path)
    tz = match["tz"]
    if tz == "Z":
        offset = timedelta(0)
    else:
        tz_hours, tz_minutes = int(tz[1:3]), int(tz[4:6])
        if tz_minutes > 59 or tz_hours > 14 or (tz_hours == 14 and tz_minutes):
            raise InvalidCredential(f"{value!r} has an invalid time zone offset", path=path)
        offset = timedelta(hours=tz_hours, minutes=tz_minutes)
        if tz[0] == "-":
            offset = -offset
    microsecond = int((fraction[1:] + "000000")[:6]) if fraction else 0
    try:
        if end_of_day:
            parsed = datetime(year, month, day, tzinfo=timezone(offset)) + timedelta(days=1)
        else:
            parsed = datetime(
                year, month, day, hour, minute, second, microsecond, tzinfo=timezone(offset)
            )
        # Normalising to UTC can leave datetime's range at the extremes (0001-01-01T00:00+01:00).
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidCredential(f"{value!r} is out of the supported range", path=path) from exc


def format_datetime(value: datetime) -> str:
    """Format an aware datetime as an XML Schema ``dateTimeStamp`` in UTC (``...Z``).

    Whole seconds print without a fraction (``2025-05-15T12:00:00Z``); otherwise the fraction
    keeps its significant digits.
    """
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput("a timestamp must be an aware datetime (with a time zone)")
    utc = value.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + "Z"


def _require_aware(now: object) -> datetime:
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise InvalidInput("'now' must be an aware datetime (with a time zone)")
    return now


# ------------------------------------------------------------------------------ shape checks


def _check_contexts(doc: Mapping[str, Any], path: str) -> None:
    """VCDM 2.0 §4.3: the first context is the v2 base context; the rest pinned URLs or objects."""
    if "@context" not in doc:
        raise InvalidCredential("'@context' is required", path=path)
    value = doc["@context"]
    contexts = [value] if isinstance(value, str) else value
    if not isinstance(contexts, list) or not contexts:
        raise InvalidCredential(
            "'@context' must be an ordered set of URLs and objects", path=_pointer(path, "@context")
        )
    if contexts[0] != CREDENTIALS_V2_CONTEXT:
        raise InvalidCredential(
            f"the first '@context' item must be {CREDENTIALS_V2_CONTEXT!r}",
            path=_pointer(_pointer(path, "@context"), 0) if isinstance(value, list) else path,
        )
    pinned = set(context_urls())
    for index, item in enumerate(contexts):
        pointer = _pointer(_pointer(path, "@context"), index)
        if isinstance(item, str):
            if item not in pinned:
                raise UnknownContext(
                    f"JSON-LD context {item!r} is not pinned; contexts are never fetched",
                    path=pointer,
                )
        elif not isinstance(item, dict):
            raise InvalidCredential("a context must be a URL or a JSON object", path=pointer)


def _check_types(value: object, path: str, required: str | None = None) -> tuple[str, ...]:
    """VCDM 2.0 §4.5: ``type`` is one or more terms or absolute URLs."""
    types = [value] if isinstance(value, str) else value
    if not isinstance(types, list) or not types:
        raise InvalidCredential(
            "'type' must be a string or a non-empty array of strings", path=path
        )
    for index, item in enumerate(types):
        if not isinstance(item, str) or not item:
            raise InvalidCredential(
                "'type' values must be non-empty strings",
                path=_pointer(path, index) if isinstance(value, list) else path,
            )
    if required is not None and required not in types:
        raise InvalidCredential(f"'type' must include {required!r}", path=path)
    return tuple(types)


def _check_optional_url(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    if key not in obj:
        return None
    value = obj[key]
    if not is_url(value):
        raise InvalidCredential(f"'{key}' must be a URL", path=_pointer(path, key))
    return str(value)


def _objects(
    value: object, path: str, what: str, *, allow_single: bool = True
) -> list[dict[str, Any]]:
    """A single object or a non-empty array of objects, as a list."""
    if isinstance(value, dict) and allow_single:
        return [value]
    if not isinstance(value, list) or not value:
        raise InvalidCredential(
            f"{what} must be an object or a non-empty array of objects", path=path
        )
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise InvalidCredential(f"{what} entries must be objects", path=_pointer(path, index))
    return value


def _entries(value: object, path: str, what: str) -> Iterator[tuple[dict[str, Any], str]]:
    """(object, pointer) for a property whose value is one object or an array of objects."""
    objects = _objects(value, path, what)
    for index, obj in enumerate(objects):
        yield obj, (_pointer(path, index) if isinstance(value, list) else path)


def _check_typed_objects(
    doc: Mapping[str, Any], key: str, path: str, *, require_id: bool = False
) -> None:
    """Objects that MUST have ``type`` (and MAY or MUST have a URL ``id``)."""
    if key not in doc:
        return
    for obj, pointer in _entries(doc[key], _pointer(path, key), f"'{key}'"):
        if "type" not in obj:
            raise InvalidCredential(f"each '{key}' object must have a 'type'", path=pointer)
        _check_types(obj["type"], _pointer(pointer, "type"))
        if require_id and "id" not in obj:
            raise InvalidCredential(f"each '{key}' object must have an 'id'", path=pointer)
        _check_optional_url(obj, "id", pointer)


def _check_language_values(doc: Mapping[str, Any], key: str, path: str) -> None:
    """VCDM 2.0 §4.6 / §11.1: a string, a language value object, or an array of them."""
    if key not in doc:
        return
    value, pointer = doc[key], _pointer(path, key)
    items = value if isinstance(value, list) else [value]
    if not items:
        raise InvalidCredential(f"'{key}' must not be an empty array", path=pointer)
    for index, item in enumerate(items):
        item_pointer = _pointer(pointer, index) if isinstance(value, list) else pointer
        if isinstance(item, str):
            continue
        if not isinstance(item, dict) or not isinstance(item.get("@value"), str):
            raise InvalidCredential(
                f"'{key}' must be a string or a language value object with a string '@value'",
                path=item_pointer,
            )
        extra = set(item) - {"@value", "@language", "@direction"}
        if extra:
            raise InvalidCredential(
                f"unexpected member {sorted(extra)[0]!r} in a language value object",
                path=item_pointer,
            )
        language = item.get("@language")
        if language is not None and (
            not isinstance(language, str) or not _LANGUAGE_TAG_RE.fullmatch(language)
        ):
            raise InvalidCredential("'@language' must be a BCP 47 language tag", path=item_pointer)
        if "@direction" in item and item["@direction"] not in ("ltr", "rtl"):
            raise InvalidCredential("'@direction' must be 'ltr' or 'rtl'", path=item_pointer)


def _check_related_resources(doc: Mapping[str, Any], path: str) -> None:
    """VCDM 2.0 §5.3: each related resource has an ``id`` and a digest."""
    if "relatedResource" not in doc:
        return
    for obj, pointer in _entries(
        doc["relatedResource"], _pointer(path, "relatedResource"), "'relatedResource'"
    ):
        if not is_url(obj.get("id")):
            raise InvalidCredential("each 'relatedResource' must have a URL 'id'", path=pointer)
        if "digestSRI" not in obj and "digestMultibase" not in obj:
            raise InvalidCredential(
                "each 'relatedResource' must have 'digestSRI' or 'digestMultibase'", path=pointer
            )


def _check_proof_shape(doc: Mapping[str, Any], path: str, *, required: bool) -> None:
    """Data Integrity 1.0 §2.1: ``proof`` is one object or a set of objects, each with a type."""
    if "proof" not in doc:
        if required:
            raise InvalidCredential("a verifiable credential must have a 'proof'", path=path)
        return
    for obj, pointer in _entries(doc["proof"], _pointer(path, "proof"), "'proof'"):
        if not isinstance(obj.get("type"), str):
            raise InvalidCredential("each proof must have a string 'type'", path=pointer)


def _validity(doc: Mapping[str, Any], path: str) -> tuple[datetime | None, datetime | None]:
    """VCDM 2.0 §4.9: ``validFrom`` <= ``validUntil``, both dateTimeStamps."""
    valid_from = valid_until = None
    if "validFrom" in doc:
        valid_from = parse_datetime(doc["validFrom"], path=_pointer(path, "validFrom"))
    if "validUntil" in doc:
        valid_until = parse_datetime(doc["validUntil"], path=_pointer(path, "validUntil"))
    if valid_from is not None and valid_until is not None and valid_from > valid_until:
        raise InvalidCredential(
            "'validFrom' is later than 'validUntil'", path=_pointer(path, "validUntil")
        )
    return valid_from, valid_until


def _check_credential(doc: Mapping[str, Any], path: str, *, require_proof: bool) -> CredentialInfo:
    """Every VCDM 2.0 credential check except JSON-LD expansion."""
    _check_contexts(doc, path)
    if "type" not in doc:
        raise InvalidCredential("'type' is required", path=path)
    types = _check_types(doc["type"], _pointer(path, "type"), "VerifiableCredential")
    credential_id = _check_optional_url(doc, "id", path)

    # §4.7 Issuer
    if "issuer" not in doc:
        raise InvalidCredential("'issuer' is required", path=path)
    issuer = doc["issuer"]
    issuer_pointer = _pointer(path, "issuer")
    if isinstance(issuer, dict):
        if not is_url(issuer.get("id")):
            raise InvalidCredential("an issuer object must have a URL 'id'", path=issuer_pointer)
        issuer_id = str(issuer["id"])
        _check_language_values(issuer, "name", issuer_pointer)
        _check_language_values(issuer, "description", issuer_pointer)
    elif is_url(issuer):
        issuer_id = str(issuer)
    else:
        raise InvalidCredential(
            "'issuer' must be a URL or an object with a URL 'id'", path=issuer_pointer
        )

    # §4.8 Credential Subject
    if "credentialSubject" not in doc:
        raise InvalidCredential("'credentialSubject' is required", path=path)
    subject_ids: list[str] = []
    for subject, pointer in _entries(
        doc["credentialSubject"], _pointer(path, "credentialSubject"), "'credentialSubject'"
    ):
        if not subject:
            raise InvalidCredential(
                "a credential subject must make at least one claim", path=pointer
            )
        subject_id = _check_optional_url(subject, "id", pointer)
        if subject_id is not None:
            subject_ids.append(subject_id)

    _check_language_values(doc, "name", path)  # §4.6
    _check_language_values(doc, "description", path)
    valid_from, valid_until = _validity(doc, path)  # §4.9
    _check_typed_objects(doc, "credentialStatus", path)  # §4.10
    _check_typed_objects(doc, "credentialSchema", path, require_id=True)  # §4.11
    _check_related_resources(doc, path)  # §5.3
    _check_typed_objects(doc, "refreshService", path)  # §5.4
    _check_typed_objects(doc, "termsOfUse", path)  # §5.5
    _check_typed_objects(doc, "evidence", path)  # §5.6
    _check_proof_shape(doc, path, required=require_proof)
    return CredentialInfo(
        id=credential_id,
        types=types,
        issuer=issuer_id,
        valid_from=valid_from,
        valid_until=valid_until,
        subject_ids=tuple(subject_ids),
    )


# ------------------------------------------------------------------------------ public API


def validate_credential(
    document: Mapping[str, Any], *, require_proof: bool = False
) -> CredentialInfo:
    """Validate a credential against VCDM 2.0 and return what it parsed.

    Checks §4.3 ``@context`` (first item the v2 base context; every other a pinned URL or an
    inline object, else :class:`UnknownContext`), §4.4 ``id`` (URL), §4.5 ``type`` (includes
    ``VerifiableCredential``), §4.6 ``name``/``description`` (strings or language value
    objects), §4.7 ``issuer`` (URL or object with URL ``id``), §4.8 ``credentialSubject`` (one or
    more non-empty objects, optional URL ``id``), §4.9 ``validFrom``/``validUntil``
    (dateTimeStamps, in order), §4.10 ``credentialStatus`` (each with ``type``, optional URL
    ``id``), §4.11 ``credentialSchema`` (each with ``id`` and ``type``), §5.3
    ``relatedResource``, §5.4 ``refreshService``, §5.5 ``termsOfUse``, §5.6 ``evidence`` (each with
    ``type``), the shape of ``proof`` (required if ``require_proof``), and that JSON-LD expansion
    drops nothing (see the module docstring). Raises :class:`InvalidCredential` with a JSON
    pointer to the offending member.
    """
    doc = as_json_object(document, "a credential")
    info = _check_credential(doc, "", require_proof=require_proof)
    expand(doc)
    return info


def validate_presentation(document: Mapping[str, Any]) -> PresentationInfo:
    """Validate a presentation against VCDM 2.0 §4.13 and return what it parsed.

    Checks ``@context`` (§4.3), ``id`` (URL), ``type`` (includes ``VerifiablePresentation``),
    ``holder`` (URL or object with URL ``id``), and ``verifiableCredential``: each entry an object
    (never a bare string or URL), either an ``EnvelopedVerifiableCredential`` whose ``id`` is a
    ``data:`` URL (§4.13.1) or a credential that passes :func:`validate_credential` with a
    ``proof``. The whole presentation, embedded credentials included, must expand without data
    loss. Errors point into the presentation (``/verifiableCredential/0/issuer``).
    """
    doc = as_json_object(document, "a presentation")
    _check_contexts(doc, "")
    if "type" not in doc:
        raise InvalidCredential("'type' is required")
    types = _check_types(doc["type"], "/type", "VerifiablePresentation")
    presentation_id = _check_optional_url(doc, "id", "")
    holder: str | None = None
    if "holder" in doc:
        value = doc["holder"]
        if isinstance(value, dict) and is_url(value.get("id")):
            holder = str(value["id"])
        elif is_url(value):
            holder = str(value)
        else:
            raise InvalidCredential(
                "'holder' must be a URL or an object with a URL 'id'", path="/holder"
            )
    credentials: list[CredentialInfo] = []
    enveloped: list[str] = []
    if "verifiableCredential" in doc:
        value = doc["verifiableCredential"]
        for entry, pointer in _entries(value, "/verifiableCredential", "'verifiableCredential'"):
            if is_enveloped(entry):
                if "@context" in entry:
                    _check_contexts(entry, pointer)
                envelope_id = entry.get("id")
                if not isinstance(envelope_id, str) or not envelope_id.startswith("data:"):
                    raise InvalidCredential(
                        "an EnvelopedVerifiableCredential must have a 'data:' URL 'id'",
                        path=_pointer(pointer, "id"),
                    )
                enveloped.append(envelope_id)
            else:
                credentials.append(_check_credential(entry, pointer, require_proof=True))
    _check_proof_shape(doc, "", required=False)
    expand(doc)
    return PresentationInfo(
        id=presentation_id,
        types=types,
        holder=holder,
        credentials=tuple(credentials),
        enveloped=tuple(enveloped),
    )


def check_validity_period(document: Mapping[str, Any], now: datetime) -> None:
    """Raise :class:`NotYetValid` before ``validFrom`` and :class:`Expired` after ``validUntil``.

    VCDM 2.0 §4.9: the credential is valid from ``validFrom`` (inclusive) until ``validUntil``
    (inclusive). ``now`` must be an aware datetime.
    """
    now = _require_aware(now)
    if not isinstance(document, Mapping):
        raise InvalidInput("a credential must be a JSON object")
    valid_from, valid_until = _validity(document, "")
    if valid_from is not None and now < valid_from:
        raise NotYetValid(f"the credential is not valid before {format_datetime(valid_from)}")
    if valid_until is not None and now > valid_until:
        raise Expired(f"the credential expired at {format_datetime(valid_until)}")
