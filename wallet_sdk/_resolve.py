"""DID resolution for the wallet: did:key and did:jwk locally, did:chancery through the service.

A ``did:chancery`` DID lives on the issuing service's ledger. The wallet resolves it with the
Universal Resolver convention, ``GET {service}/1.0/identifiers/{did}`` (DID Resolution v1.0,
"HTTP(S) Binding"), whose body is a resolution result with ``didDocument``. The ``at`` of a
historical resolution (the key valid when the credential was issued) goes as the
``versionTime`` query parameter.
"""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime
from typing import Any

import httpx

from vc_service._dids import DIDResolutionError, DIDResolver, JwkMethodResolver, KeyMethodResolver

__all__ = ["ServiceMethodResolver", "service_resolver"]


class ServiceMethodResolver:
    """Resolves ``did:chancery`` DIDs through a Chancery service's resolver endpoint."""

    def __init__(self, http: httpx.Client, base: str) -> None:
        self._http = http
        self._base = base.rstrip("/")

    def resolve(self, did: str, *, at: datetime | None) -> dict[str, Any]:
        """The DID document of ``did`` (as of ``at``) from the service."""
        url = f"{self._base}/1.0/identifiers/{urllib.parse.quote(did, safe=':')}"
        params = {}
        if at is not None:
            params["versionTime"] = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            response = self._http.get(url, params=params, headers={"Accept": "application/json"})
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise DIDResolutionError(
                f"could not resolve {did}: {exc}", code="internalError"
            ) from exc
        document = body.get("didDocument") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(document, dict):
            raise DIDResolutionError(f"{did} did not resolve at {self._base}", code="notFound")
        return document


def service_resolver(http: httpx.Client, base: str) -> DIDResolver:
    """did:key, did:jwk, and did:chancery through the service at ``base``."""
    resolver = DIDResolver()
    resolver.register("key", KeyMethodResolver())
    resolver.register("jwk", JwkMethodResolver())
    resolver.register("chancery", ServiceMethodResolver(http, base))
    return resolver
