"""DCQL matching: which stored credential answers which Credential Query, revealing which claims.

OpenID for Verifiable Presentations 1.0 §6 (Digital Credentials Query Language). This slice
supports what a ``dc+sd-jwt`` request needs:

* §6.1 Credential Query: ``id``, ``format`` (only ``dc+sd-jwt`` matches here), ``meta``
  (§6.1.1 / Appendix B.3.5: ``vct_values``), ``claims``; ``multiple`` only as ``false``;
* §6.3 Claims Query: ``path`` (§7 claims path pointer: strings and non-negative integers),
  ``id``, ``values`` (the claim must equal one of them).

``claim_sets``, ``credential_sets``, ``trusted_authorities`` and the ``null`` (every element)
path component are refused with :class:`InvalidInput` rather than silently ignored: a wallet that
ignored them could reveal more, or other, claims than the verifier's query meant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import InvalidInput, NotFound
from ._wallet import StoredCredential

__all__ = ["ClaimsPath", "CredentialMatch", "CredentialQuery", "match_dcql", "parse_dcql"]

#: A claims path pointer (OID4VP 1.0 §7): object member names and array indexes.
ClaimsPath = tuple[str | int, ...]

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SUPPORTED_FORMAT = "dc+sd-jwt"
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
    """One Credential Query (OID4VP 1.0 §6.1) for a ``dc+sd-jwt`` credential."""

    id: str
    format: str
    vct_values: tuple[str, ...] | None
    claims: tuple[ClaimQuery, ...]


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
    if fmt != _SUPPORTED_FORMAT:
        raise InvalidInput(f"{where}: only the format {_SUPPORTED_FORMAT!r} is supported")
    if value.get("multiple", False) is not False:
        raise InvalidInput(f"{where}: 'multiple' must be false")
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
    raw_claims = value.get("claims")
    if raw_claims is None:
        # §6.1: without 'claims' the verifier asks for no selectively disclosable claim.
        claims: tuple[ClaimQuery, ...] = ()
    elif not isinstance(raw_claims, list) or not raw_claims:
        raise InvalidInput(f"{where}: 'claims' must be a non-empty array")
    else:
        claims = tuple(_claim(c, f"{where}.claims[{i}]") for i, c in enumerate(raw_claims))
    return CredentialQuery(query_id, fmt, tuple(vct_values) if vct_values else None, claims)


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


def _satisfies(query: CredentialQuery, stored: StoredCredential) -> tuple[Any, ...] | None:
    if stored.format != query.format or stored.claims is None:
        return None
    if query.vct_values is not None and stored.claims.get("vct") not in query.vct_values:
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
