"""The wallet's side of OpenID for Verifiable Presentations 1.0: answer one request.

:func:`present` follows OID4VP 1.0 for a ``dc+sd-jwt`` request passed by reference:

1. parse the ``openid4vp://`` link (``client_id``, ``request_uri``; §5, RFC 9101 §5.2);
2. fetch the Request Object and verify it: a JWT of ``typ`` ``oauth-authz-req+jwt`` (RFC 9101
   §4, §10.8) signed by the key of the ``did:key`` named by the ``decentralized_identifier:``
   Client Identifier Prefix (§5.9.3), whose ``client_id`` equals the link's (§5.10);
3. match its DCQL query (§6) against the stored credentials (:mod:`._dcql`);
4. show the holder a :class:`Summary` and ask ``consent``; nothing is sent without it;
5. build one SD-JWT+KB per Credential Query revealing only the requested claims, bound to the
   request's ``nonce`` and the ``client_id`` as audience (§14.1), and post ``vp_token`` (§8.1)
   and ``state`` to ``response_uri`` (Response Mode ``direct_post``, §8.2).
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

import vc_service
from vc_service._jose import decode_jws, verify_jws

from ._dcql import match_dcql
from ._errors import Error, InvalidInput
from ._wallet import Wallet

__all__ = ["PresentationResult", "RequestRefused", "SharedClaims", "Summary", "present"]

_PREFIX = "decentralized_identifier:"


class RequestRefused(Error):
    """The verifier's request is not one the wallet will answer (bad signature, wrong fields)."""


@dataclass(frozen=True)
class SharedClaims:
    """What goes to the verifier from one stored credential."""

    query_id: str
    credential_id: str
    credential_type: str | None
    issuer: str | None
    claims: tuple[tuple[str, Any], ...]  # (JSON pointer, value)


@dataclass(frozen=True)
class Summary:
    """What the holder is asked to consent to: who asks, and which claims of which credential."""

    client_id: str
    response_uri: str
    credentials: tuple[SharedClaims, ...]

    def describe(self) -> str:
        """A human-readable account, as the CLI prints it."""
        lines = [f"Verifier {self.client_id} asks for:"]
        for shared in self.credentials:
            lines.append(
                f"  from {shared.credential_type or 'credential'} {shared.credential_id}"
                f" (issuer {shared.issuer or '-'}):"
            )
            lines += [f"    {ptr} = {json.dumps(value)}" for ptr, value in shared.claims]
        lines.append(f"The answer goes to {self.response_uri}")
        return "\n".join(lines)


@dataclass(frozen=True)
class PresentationResult:
    """The outcome: whether anything was sent, and the verifier's HTTP answer."""

    summary: Summary
    sent: bool
    status_code: int | None = None
    response: Any = None


def _parse_link(link: str) -> tuple[str, str]:
    if not isinstance(link, str):
        raise InvalidInput("the request link must be a string")
    parsed = urllib.parse.urlsplit(link.strip())
    if parsed.scheme != "openid4vp":
        raise InvalidInput("not an openid4vp:// link")
    try:
        params = dict(urllib.parse.parse_qsl(parsed.query, strict_parsing=True))
    except ValueError as exc:
        raise InvalidInput("the openid4vp:// link's query does not parse") from exc
    client_id, request_uri = params.get("client_id"), params.get("request_uri")
    if not client_id or not request_uri:
        raise InvalidInput("the link needs 'client_id' and 'request_uri' (RFC 9101 §5.2)")
    if urllib.parse.urlsplit(request_uri).scheme not in ("https", "http"):
        raise InvalidInput("'request_uri' must be an HTTP(S) URL")
    return client_id, request_uri


def _verified_request(token: str, client_id: str) -> dict[str, Any]:
    """Verify the Request Object's signature against the ``client_id``'s did:key."""
    if not client_id.startswith(_PREFIX + "did:key:"):
        raise RequestRefused("only the 'decentralized_identifier:' prefix with did:key is trusted")
    did = client_id.removeprefix(_PREFIX)
    try:
        key = vc_service.Key.from_multikey(did.removeprefix("did:key:"))
        unverified = decode_jws(token, "Request Object")
        verify_jws(unverified, key, typ="oauth-authz-req+jwt", what="Request Object")
        claims = unverified.unverified_claims("Request Object payload")
    except vc_service.Error as exc:
        raise RequestRefused(f"the Request Object does not verify: {exc}") from exc
    if claims.get("client_id") != client_id:
        # §5.10 / RFC 9101 §5: the signed client_id must be the one the link named.
        raise RequestRefused("the Request Object's client_id differs from the link's")
    if claims.get("response_type") != "vp_token" or claims.get("response_mode") != "direct_post":
        raise RequestRefused("only response_type vp_token with response_mode direct_post")
    for name in ("nonce", "response_uri", "state"):
        if not isinstance(claims.get(name), str) or not claims[name]:
            raise RequestRefused(f"the Request Object has no {name!r}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool) or exp < time.time():
        raise RequestRefused("the Request Object has expired")
    return claims


def present(
    wallet: Wallet,
    request_uri_link: str,
    *,
    http: httpx.Client,
    consent: Callable[[Summary], bool],
) -> PresentationResult:
    """Answer the OID4VP 1.0 request behind ``request_uri_link`` (see the module docstring).

    Raises :class:`InvalidInput` for a malformed link, :class:`RequestRefused` for a Request
    Object that does not verify, and :class:`~wallet_sdk.NotFound` when no stored credential
    satisfies the DCQL query. A refused ``consent`` returns a result with ``sent=False``.
    """
    client_id, request_uri = _parse_link(request_uri_link)
    try:
        fetched = http.get(request_uri)
    except httpx.HTTPError as exc:
        raise RequestRefused(f"the Request Object could not be fetched: {exc}") from exc
    if fetched.status_code != 200:
        raise RequestRefused(f"fetching the Request Object answered {fetched.status_code}")
    claims = _verified_request(fetched.text.strip(), client_id)
    try:
        matches = match_dcql(claims.get("dcql_query"), [wallet.get(i.id) for i in wallet.list()])
    except InvalidInput as exc:
        raise RequestRefused(f"the DCQL query is not supported: {exc}") from exc
    summary = Summary(
        client_id=client_id,
        response_uri=claims["response_uri"],
        credentials=tuple(
            SharedClaims(
                query_id=m.query_id,
                credential_id=m.credential.id,
                credential_type=m.credential.types[0] if m.credential.types else None,
                issuer=m.credential.issuer,
                claims=tuple(zip(m.pointers, m.values, strict=True)),
            )
            for m in matches.values()
        ),
    )
    if not consent(summary):
        return PresentationResult(summary, sent=False)
    vp_token: dict[str, list[str]] = {}
    for query_id, found in matches.items():
        stored = found.credential
        cnf = (stored.claims or {}).get("cnf")
        if not isinstance(cnf, dict) or not isinstance(cnf.get("jwk"), dict):
            raise InvalidInput(f"credential {stored.id} has no holder key to bind a presentation")
        if not isinstance(stored.credential, str):
            raise InvalidInput(f"credential {stored.id} is not a compact SD-JWT")
        vp_token[query_id] = [
            vc_service.present_sd_jwt(
                stored.credential,
                reveal=found.pointers,
                holder_key=wallet.key(cnf["jwk"]),
                nonce=claims["nonce"],
                audience=client_id,
            )
        ]
    form = {"vp_token": json.dumps(vp_token), "state": claims["state"]}
    try:
        answer = http.post(claims["response_uri"], data=form)
    except httpx.HTTPError as exc:
        raise Error(f"the response could not be posted: {exc}") from exc
    try:
        body: Any = answer.json()
    except ValueError:
        body = answer.text
    return PresentationResult(summary, sent=True, status_code=answer.status_code, response=body)
