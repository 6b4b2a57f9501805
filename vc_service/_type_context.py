"""The JSON-LD context of a credential type published on the ledger.

A ``ldp_vc`` credential's claims must be defined terms: the strict JSON-LD processing of
:mod:`vc_service._jsonld` refuses undefined ones, because a Data Integrity proof over RDF would
silently drop them. An agency publishes a credential type on the ledger (a ``credential-type``
entry: its id and its claims' names and kinds); the context of that type is *derived* from the
entry by :func:`credential_type_context`, so issuer, wallet and verifier build byte-identical
documents from the ledger alone, register them with :func:`vc_service._jsonld.register_context`
and never fetch a context from the network (``specs/formats.md`` §6).

The context is protected (JSON-LD 1.1 §4.1.11), so a later context in a credential cannot
redefine a claim, and defines:

* the credential's type ``<Name>Credential`` (from the type id: ``identity`` ->
  ``IdentityCredential``, ``higher-education/degree`` -> ``HigherEducationDegreeCredential``);
* each claim name as an IRI under ``https://credentials.chancery.local/vocab/<type id>#``;
  ``date`` claims are typed ``xsd:date`` so that canonicalization keeps their datatype.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

from ._errors import InvalidInput
from ._jsonld import register_context

__all__ = [
    "CONTEXT_BASE",
    "VOCAB_BASE",
    "credential_type_context",
    "credential_type_name",
    "register_credential_type",
]

CONTEXT_BASE = "https://credentials.chancery.local/contexts/"
VOCAB_BASE = "https://credentials.chancery.local/vocab/"
_XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
_CLAIM = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
_RESERVED = frozenset({"id", "type"})


def credential_type_name(type_id: str) -> str:
    """The JSON-LD type of a credential of ``type_id``: its words capitalised + ``Credential``."""
    words = [word for word in re.split(r"[^A-Za-z0-9]+", type_id) if word]
    if not words:
        raise InvalidInput(f"credential type id {type_id!r} has no letters or digits")
    return "".join(word[:1].upper() + word[1:] for word in words) + "Credential"


def _claims(claims: Iterable[Mapping[str, Any] | tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for claim in claims:
        if isinstance(claim, Mapping):
            name, kind = claim.get("name"), claim.get("kind", "string")
        else:
            name, kind = claim
        if not isinstance(name, str) or _CLAIM.fullmatch(name) is None or name in _RESERVED:
            raise InvalidInput(f"{name!r} cannot be a claim name")
        if not isinstance(kind, str):
            raise InvalidInput(f"claim {name!r} has no kind")
        out.append((name, kind))
    return out


def credential_type_context(
    type_id: str, claims: Iterable[Mapping[str, Any] | tuple[str, str]]
) -> tuple[str, dict[str, Any]]:
    """The URL and the context document of the credential type ``type_id``.

    ``claims`` are the ledger entry's claim objects (``{"name", "kind", …}``) or
    ``(name, kind)`` pairs. The result depends only on those, in the order given.
    """
    if not isinstance(type_id, str) or not type_id:
        raise InvalidInput("a credential type id is a non-empty string")
    quoted = urllib.parse.quote(type_id, safe="")
    vocab = f"{VOCAB_BASE}{quoted}#"
    definitions: dict[str, Any] = {
        "@version": 1.1,
        "@protected": True,
        credential_type_name(type_id): {"@id": vocab + credential_type_name(type_id)},
    }
    for name, kind in _claims(claims):
        term: dict[str, Any] = {"@id": vocab + name}
        if kind == "date":
            term["@type"] = _XSD_DATE
        definitions[name] = term
    return f"{CONTEXT_BASE}{quoted}/v1", {"@context": definitions}


def register_credential_type(
    type_id: str, claims: Iterable[Mapping[str, Any] | tuple[str, str]]
) -> str:
    """Pin the context of ``type_id`` for this process; return its URL.

    Registering the same type again is a no-op; a type id whose claims changed raises
    :class:`InvalidInput` (a ledger type is published once and never redefined).
    """
    url, document = credential_type_context(type_id, claims)
    register_context(url, document)
    return url
