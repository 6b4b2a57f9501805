"""The credential types the wallet learns from a Chancery ledger over HTTP.

An ``ldp_vc`` credential's claims are terms of a JSON-LD context derived from the credential
type's entry on the agency's public ledger (:mod:`vc_service._type_context`); the context is
never fetched as a document. :func:`learn_credential_types` reads the entries from
``GET {base}/ledger/state`` (``specs/http-api.md`` §4.8), which every Chancery service serves,
and pins the derived contexts in this process, so that verification, ``bbs-2023`` derivation
and presentation signing can canonicalize the credential. Being derived locally from the entry,
a context cannot say anything the entry does not; a ledger that lied about a type would only
make the issuer's signature fail to verify. (The issuer's ``did:chancery`` DIDs are resolved
through the same service: :mod:`._resolve`.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from vc_service import Error as FormatError
from vc_service._jsonld import context_urls
from vc_service._type_context import CONTEXT_BASE, register_credential_type

__all__ = ["learn_credential_types", "unknown_contexts"]


def unknown_contexts(document: Mapping[str, Any]) -> list[str]:
    """The Chancery credential-type contexts ``document`` uses that this process has not
    pinned yet (other unknown contexts are left for verification to refuse)."""
    contexts = document.get("@context")
    items: Iterable[Any] = contexts if isinstance(contexts, list) else [contexts]
    pinned = set(context_urls())
    return [
        c for c in items if isinstance(c, str) and c.startswith(CONTEXT_BASE) and c not in pinned
    ]


def learn_credential_types(http: httpx.Client, base: str) -> list[str]:
    """Pin the context of every credential type on the ledger at ``base``; return their ids.

    A type whose context is already pinned with other content (another ledger defined the same
    type id differently in this process) is skipped: its credentials then fail to verify. An
    unreachable or malformed ledger gives an empty list (verification then names the unknown
    context).
    """
    try:
        response = http.get(base.rstrip("/") + "/ledger/state")
        body = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return []
    state = body.get("state") if isinstance(body, dict) else None
    types = state.get("credential_types") if isinstance(state, dict) else None
    if not isinstance(types, dict):
        return []
    learned = []
    for type_id, record in types.items():
        claims = record.get("claims") if isinstance(record, dict) else None
        if not isinstance(claims, list):
            continue
        try:
            register_credential_type(type_id, claims)
        except FormatError:
            continue
        learned.append(type_id)
    return learned
