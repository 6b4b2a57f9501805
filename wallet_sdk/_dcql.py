"""DCQL matching: which stored credential answers which Credential Query, revealing which claims.

OpenID for Verifiable Presentations 1.0 §6 (Digital Credentials Query Language). This slice
supports what ``dc+sd-jwt`` and ``ldp_vc`` requests need:

* §6.1 Credential Query: ``id``, ``format`` (``dc+sd-jwt`` or ``ldp_vc``), ``meta``
  (Appendix B.3.5: ``vct_values`` for SD-JWT VC; Appendix B.1.1: ``type_values`` for W3C VCs,
  required there), ``claims``; ``multiple`` only as ``false``;
  ``require_cryptographic_holder_binding`` only as ``true`` (the wallet always binds);
* §6.3 Claims Query: ``path`` (§7 claims path pointer: strings and non-negative integers),
  ``id``, ``values`` (the claim must equal one of them). For ``ldp_vc`` the path starts at the
  credential (Appendix B.1.2), e.g. ``["credentialSubject", "given_name"]``.

``type_values`` lists fully expanded type IRIs; a stored W3C credential's ``type`` is expanded
with its (pinned) JSON-LD contexts before comparing. An ``ldp_vc`` credential matches only when
the wallet can bind a presentation of it: its ``credentialSubject.id`` is a ``did:key`` of a
key the wallet holds (:attr:`CredentialInfo.holder`) and its proof is ``eddsa-rdfc-2022`` or a
``bbs-2023`` base proof.

``claim_sets``, ``credential_sets``, ``trusted_authorities`` and the ``null`` (every element)
path component are refused with :class:`InvalidInput` rather than silently ignored: a wallet that
ignored them could reveal more, or other, claims than the verifier's query meant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vc_service import Error as FormatError
from vc_service._jsonld import expand

from ._errors import InvalidInput, NotFound
from ._wallet import StoredCredential

__all__ = [
    "PRESENTABLE_SUITES",
    "ClaimsPath",
    "CredentialMatch",
    "CredentialQuery",
    "expanded_types",
    "match_dcql",
    "parse_dcql",
]

#: A claims path pointer (OID4VP 1.0 §7): object member names and array indexes.
ClaimsPath = tuple[str | int, ...]

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SUPPORTED_FORMATS = ("dc+sd-jwt", "ldp_vc")
#: The Data Integrity suites a stored ``ldp_vc`` can be presented with (``bbs-2023``: derived).
PRESENTABLE_SUITES = frozenset({"eddsa-rdfc-2022", "bbs-2023"})
_QUERY_MEMBERS = frozenset({"credentials"})
_CREDENTIAL_MEMBERS = frozenset(
    {"id", "format", "meta", "claims", "multiple", "require_cryptographic_holder_binding"}
)
_CLAIM_MEMBERS = frozenset({"id", "path", "values"})


@dataclass(frozen=True)
class ClaimQuery:
    """One Claims Query (OID4VP 1.0 §6.3)."""

    path: ClaimsPath
    values: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class CredentialQuery:
    """One Credential Query (OID4VP 1.0 §6.1) for a ``dc+sd-jwt`` or ``ldp_vc`` credential."""

    id: str
    format: str
    vct_values: tuple[str, ...] | None
    claims: tuple[ClaimQuery, ...]
    type_values: tuple[frozenset[str], ...] | None = None


@dataclass(frozen=True)
class CredentialMatch:
    """A stored credential that satisfies a Credential Query, and the claims to reveal.

    ``pointers`` are RFC 6901 JSON pointers of the requested claims, as
    :func:`vc_service.present_sd_jwt` takes them; ``values`` the values the wallet would show.
    """

    query_id: str
    credential: StoredCredential
    paths: tuple[ClaimsPath, ...]
    pointers: tuple[str, ...]
    values: tuple[Any, ...]


def _path(value: Any, where: str) -> ClaimsPath:
    if not isinstance(value, list) or not value:
        raise InvalidInput(f"{where}: 'path' must be a non-empty array (OID4VP 1.0 §7)")
    out: list[str | int] = []
    for part in value:
        if part is None:
            raise InvalidInput(f"{where}: the null (every element) path component is unsupported")
        if isinstance(part, bool) or not isinstance(part, str | int):
            raise InvalidInput(f"{where}: a path component is a string or an integer")
        if isinstance(part, int) and part < 0:
            raise InvalidInput(f"{where}: an array index must be non-negative")
        out.append(part)
    return tuple(out)


def _claim(value: Any, where: str) -> ClaimQuery:
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{where} must be an object")
    unknown = sorted(set(value) - _CLAIM_MEMBERS)
    if unknown:
        raise InvalidInput(f"{where}: unsupported member(s) {unknown}")
    values = value.get("values")
    if values is not None and (not isinstance(values, list) or not values):
        raise InvalidInput(f"{where}: 'values' must be a non-empty array")
    if "id" in value and (not isinstance(value["id"], str) or not _ID.fullmatch(value["id"])):
        raise InvalidInput(f"{where}: 'id' must be alphanumeric, '_' or '-'")
    return ClaimQuery(_path(value.get("path"), where), tuple(values) if values else None)


def _credential(value: Any, where: str) -> CredentialQuery:
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{where} must be an object")
    unknown = sorted(set(value) - _CREDENTIAL_MEMBERS)
    if unknown:
        raise InvalidInput(f"{where}: unsupported member(s) {unknown}")
    query_id = value.get("id")
    if not isinstance(query_id, str) or not _ID.fullmatch(query_id):
        raise InvalidInput(f"{where}: 'id' must be 1-64 characters of A-Z, a-z, 0-9, '_', '-'")
    fmt = value.get("format")
    if fmt not in _SUPPORTED_FORMATS:
        raise InvalidInput(f"{where}: only the formats {list(_SUPPORTED_FORMATS)} are supported")
    if value.get("multiple", False) is not False:
        raise InvalidInput(f"{where}: 'multiple' must be false")
    if value.get("require_cryptographic_holder_binding", True) is not True:
        # Appendix B.1 / B.3: without holder binding the wallet would have to hand over a bare
        # credential that anyone who sees it can replay; this wallet always binds.
        raise InvalidInput(f"{where}: presentations without holder binding are not made")
    meta = value.get("meta")
    if not isinstance(meta, Mapping):
        raise InvalidInput(f"{where}: 'meta' must be an object (OID4VP 1.0 §6.1)")
    vct_values = meta.get("vct_values")
    if vct_values is not None and (
        not isinstance(vct_values, list)
        or not vct_values
        or not all(isinstance(v, str) for v in vct_values)
    ):
        raise InvalidInput(f"{where}: 'meta.vct_values' must be a non-empty array of strings")
    type_values = None
    if fmt == "ldp_vc":
        raw_types = meta.get("type_values")
        if (
            not isinstance(raw_types, list)
            or not raw_types
            or not all(
                isinstance(t, list) and t and all(isinstance(v, str) for v in t) for t in raw_types
            )
        ):
            raise InvalidInput(
                f"{where}: 'meta.type_values' must be a non-empty array of non-empty string "
                "arrays (Appendix B.1.1)"
            )
        type_values = tuple(frozenset(t) for t in raw_types)
    raw_claims = value.get("claims")
    if raw_claims is None:
        # §6.1: without 'claims' the verifier asks for no selectively disclosable claim.
        claims: tuple[ClaimQuery, ...] = ()
    elif not isinstance(raw_claims, list) or not raw_claims:
        raise InvalidInput(f"{where}: 'claims' must be a non-empty array")
    else:
        claims = tuple(_claim(c, f"{where}.claims[{i}]") for i, c in enumerate(raw_claims))
    return CredentialQuery(
        query_id, fmt, tuple(vct_values) if vct_values else None, claims, type_values
    )


def parse_dcql(query: Any) -> tuple[CredentialQuery, ...]:
    """Validate a DCQL query (OID4VP 1.0 §6, §6.1, §6.3) and return its Credential Queries.

    Raises :class:`InvalidInput` for a malformed query or a feature this slice does not support.
    """
    if not isinstance(query, Mapping):
        raise InvalidInput("the DCQL query must be an object")
    unknown = sorted(set(query) - _QUERY_MEMBERS)
    if unknown:
        raise InvalidInput(f"DCQL query: unsupported member(s) {unknown}")
    credentials = query.get("credentials")
    if not isinstance(credentials, list) or not credentials:
        raise InvalidInput("DCQL query: 'credentials' must be a non-empty array")
    parsed = tuple(_credential(c, f"credentials[{i}]") for i, c in enumerate(credentials))
    ids = [c.id for c in parsed]
    if len(set(ids)) != len(ids):
        raise InvalidInput("DCQL query: Credential Query ids must be unique (§6.1)")
    return parsed


def pointer(path: ClaimsPath) -> str:
    """The RFC 6901 JSON pointer of a claims path (OID4VP 1.0 §7, non-null components)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


_MISSING = object()


def _select(claims: Any, path: ClaimsPath) -> Any:
    node = claims
    for part in path:
        if isinstance(part, str) and isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        else:
            return _MISSING
    return node


def expanded_types(document: Mapping[str, Any]) -> frozenset[str]:
    """The ``type`` of a JSON-LD credential as absolute IRIs (its contexts must be pinned).

    Raises :class:`vc_service.UnknownContext` for a context this process does not know.
    """
    expanded = expand({k: v for k, v in document.items() if k != "proof"})
    node = expanded[0] if expanded and isinstance(expanded[0], Mapping) else {}
    types = node.get("@type", [])
    return frozenset(t for t in types if isinstance(t, str))


def _presentable(query: CredentialQuery, stored: StoredCredential) -> bool:
    """An ``ldp_vc`` the wallet can present bound to its holder, of a type the query wants."""
    if stored.holder is None or stored.cryptosuite not in PRESENTABLE_SUITES:
        return False
    if not isinstance(stored.credential, Mapping) or query.type_values is None:
        return False
    try:
        types = expanded_types(stored.credential)
    except FormatError:
        return False
    return any(wanted <= types for wanted in query.type_values)


def _satisfies(query: CredentialQuery, stored: StoredCredential) -> tuple[Any, ...] | None:
    if stored.format != query.format or stored.claims is None:
        return None
    if query.vct_values is not None and stored.claims.get("vct") not in query.vct_values:
        return None
    if query.format == "ldp_vc" and not _presentable(query, stored):
        return None
    values = []
    for claim in query.claims:
        value = _select(stored.claims, claim.path)
        if value is _MISSING:
            return None
        if claim.values is not None and value not in claim.values:
            return None
        values.append(value)
    return tuple(values)


def match_dcql(query: Any, credentials: Sequence[StoredCredential]) -> dict[str, CredentialMatch]:
    """For each Credential Query of ``query``, the first of ``credentials`` that satisfies it.

    OID4VP 1.0 §6.4.1: without ``credential_sets`` every Credential Query must be answered;
    a query no stored credential satisfies raises :class:`NotFound` naming it.
    """
    out: dict[str, CredentialMatch] = {}
    for credential_query in parse_dcql(query):
        for stored in credentials:
            values = _satisfies(credential_query, stored)
            if values is None:
                continue
            paths = tuple(c.path for c in credential_query.claims)
            out[credential_query.id] = CredentialMatch(
                credential_query.id,
                stored,
                paths,
                tuple(pointer(p) for p in paths),
                values,
            )
            break
        else:
            raise NotFound(
                f"no credential in the wallet satisfies the Credential Query {credential_query.id!r}"
            )
    return out
