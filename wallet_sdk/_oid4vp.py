"""The wallet's side of OpenID for Verifiable Presentations 1.0: answer one request.

:func:`present` follows OID4VP 1.0 for a request passed by reference:

1. parse the ``openid4vp://`` link (``client_id``, ``request_uri``; §5, RFC 9101 §5.2);
2. fetch the Request Object and verify it: a JWT of ``typ`` ``oauth-authz-req+jwt`` (RFC 9101
   §4, §10.8) signed by the key of the ``did:key`` named by the ``decentralized_identifier:``
   Client Identifier Prefix (§5.9.3), whose ``client_id`` equals the link's (§5.10);
3. match its DCQL query (§6) against the stored credentials (:mod:`._dcql`);
4. build one presentation per Credential Query, bound to the request's ``nonce`` and the
   ``client_id`` as audience (§14.1):

   * ``dc+sd-jwt``: an SD-JWT+KB revealing only the requested claims (Appendix B.3.6);
   * ``ldp_vc``: a Verifiable Presentation (VCDM 2.0 §4.13) whose ``holder`` is the
     credential's ``credentialSubject.id``, signed by that DID's key with an
     ``eddsa-rdfc-2022`` proof of purpose ``authentication``, ``challenge`` = nonce and
     ``domain`` = client_id (Appendix B.1.3.2, VC Data Integrity 1.0 §2.1). A ``bbs-2023``
     credential is replaced by a derived credential revealing the requested claims and
     ``credentialSubject.id`` (the holder binding) besides what the issuer made mandatory. An
     ``eddsa-rdfc-2022`` credential signs the whole document and is shown whole: the summary
     says so and lists every claim it carries;

5. show the holder a :class:`Summary` of exactly what each presentation reveals and ask
   ``consent``; nothing is sent without it;
6. post ``vp_token`` (§8.1) and ``state`` to ``response_uri`` (Response Mode ``direct_post``,
   §8.2).

An ``ldp_vc`` is canonicalized with its JSON-LD contexts. A Chancery credential type's context
is derived from the type's ledger entry (:mod:`._ledger`); when this process has not learned it
yet (a new process presenting a credential received earlier), it is learned from the ledger at
``ledger`` (default: the origin serving the Request Object).
"""

from __future__ import annotations

import copy
import json
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

import vc_service
from vc_service._jose import decode_jws, verify_jws

from ._dcql import CredentialMatch, match_dcql, pointer
from ._errors import Error, InvalidInput
from ._ledger import learn_credential_types, unknown_contexts
from ._wallet import StoredCredential, Wallet

__all__ = ["PresentationResult", "RequestRefused", "SharedClaims", "Summary", "present"]

_PREFIX = "decentralized_identifier:"


class RequestRefused(Error):
    """The verifier's request is not one the wallet will answer (bad signature, wrong fields)."""


@dataclass(frozen=True)
class SharedClaims:
    """What goes to the verifier from one stored credential.

    ``claims`` are the (JSON pointer, value) pairs the presentation reveals; ``requested`` the
    pointers the verifier asked for. ``minimised`` is false when the credential cannot reveal
    only some claims (an ``eddsa-rdfc-2022`` ``ldp_vc``): then every claim it carries goes.
    """

    query_id: str
    credential_id: str
    credential_type: str | None
    issuer: str | None
    claims: tuple[tuple[str, Any], ...]  # (JSON pointer, value)
    format: str = "dc+sd-jwt"
    requested: tuple[str, ...] = ()
    minimised: bool = True


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
            if not shared.minimised:
                lines.append(
                    "    this credential cannot show only some claims: ALL of these go"
                    f" (asked for: {', '.join(shared.requested) or 'none'})"
                )
            lines += [f"    {ptr} = {json.dumps(value)}" for ptr, value in shared.claims]
            if shared.format == "ldp_vc":
                lines.append("    with the issuer, the validity period and the status entry")
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
    ledger: str | None = None,
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
    stored = [wallet.get(i.id) for i in wallet.list()]
    _learn_contexts(http, stored, ledger or _origin(request_uri))
    try:
        matches = match_dcql(claims.get("dcql_query"), stored)
    except InvalidInput as exc:
        raise RequestRefused(f"the DCQL query is not supported: {exc}") from exc
    vp_token: dict[str, list[Any]] = {}
    shared: list[SharedClaims] = []
    for query_id, found in matches.items():
        if found.credential.format == "ldp_vc":
            presentation, revealed = _ldp_presentation(wallet, found, claims["nonce"], client_id)
            vp_token[query_id] = [presentation]
        else:
            vp_token[query_id] = [_sd_jwt_presentation(wallet, found, claims["nonce"], client_id)]
            revealed = tuple(zip(found.pointers, found.values, strict=True))
        shared.append(
            SharedClaims(
                query_id=query_id,
                credential_id=found.credential.id,
                credential_type=_type_name(found.credential),
                issuer=found.credential.issuer,
                claims=revealed,
                format=found.credential.format,
                requested=found.pointers,
                minimised=found.credential.cryptosuite != "eddsa-rdfc-2022",
            )
        )
    summary = Summary(
        client_id=client_id, response_uri=claims["response_uri"], credentials=tuple(shared)
    )
    if not consent(summary):
        return PresentationResult(summary, sent=False)
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


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _learn_contexts(http: httpx.Client, stored: list[StoredCredential], ledger: str) -> None:
    """Learn the credential-type contexts of stored ``ldp_vc`` credentials this process lacks."""
    if any(
        isinstance(c.credential, Mapping) and unknown_contexts(c.credential)
        for c in stored
        if c.format == "ldp_vc"
    ):
        learn_credential_types(http, ledger)


def _type_name(stored: StoredCredential) -> str | None:
    # The most specific type: VCDM lists VerifiableCredential first.
    names = [t for t in stored.types if t != "VerifiableCredential"]
    return names[-1] if names else (stored.types[0] if stored.types else None)


def _sd_jwt_presentation(wallet: Wallet, found: CredentialMatch, nonce: str, audience: str) -> str:
    """An SD-JWT+KB revealing the requested claims (OID4VP 1.0 Appendix B.3.6)."""
    stored = found.credential
    cnf = (stored.claims or {}).get("cnf")
    if not isinstance(cnf, dict) or not isinstance(cnf.get("jwk"), dict):
        raise InvalidInput(f"credential {stored.id} has no holder key to bind a presentation")
    if not isinstance(stored.credential, str):
        raise InvalidInput(f"credential {stored.id} is not a compact SD-JWT")
    return vc_service.present_sd_jwt(
        stored.credential,
        reveal=found.pointers,
        holder_key=wallet.key(cnf["jwk"]),
        nonce=nonce,
        audience=audience,
    )


def _subject_leaves(node: Any, at: tuple[str | int, ...]) -> list[tuple[str, Any]]:
    if isinstance(node, Mapping) and node:
        return [x for k, v in node.items() for x in _subject_leaves(v, (*at, k))]
    if isinstance(node, list) and node:
        return [x for i, v in enumerate(node) for x in _subject_leaves(v, (*at, i))]
    return [(pointer(at), node)]


def _ldp_presentation(
    wallet: Wallet, found: CredentialMatch, nonce: str, domain: str
) -> tuple[dict[str, Any], tuple[tuple[str, Any], ...]]:
    """A Data Integrity Verifiable Presentation of one ``ldp_vc`` (OID4VP 1.0 Appendix B.1.3.2),
    and the (pointer, value) pairs of the subject's claims it reveals."""
    stored = found.credential
    document = stored.credential
    if not isinstance(document, Mapping):
        raise InvalidInput(f"credential {stored.id} is not a JSON credential")
    subject = document.get("credentialSubject")
    holder = subject.get("id") if isinstance(subject, Mapping) else None
    if not isinstance(holder, str) or stored.holder is None:
        raise InvalidInput(f"credential {stored.id} names no holder DID to bind a presentation")
    key = wallet.key(stored.holder)
    if key.type != "ed25519":
        raise InvalidInput("ldp_vc presentations are signed with an Ed25519 holder key")
    shown: dict[str, Any]
    if stored.cryptosuite == "bbs-2023":
        # Reveal what was asked and the subject's DID: the verifier checks that the DID signed
        # the presentation (holder binding), which a derived proof cannot do by itself.
        pointers = list(dict.fromkeys([*found.pointers, "/credentialSubject/id"]))
        shown = vc_service.derive_bbs_proof(document, selective_pointers=pointers)
    else:
        shown = copy.deepcopy(dict(document))
    presentation = vc_service.create_presentation([shown], holder=holder)
    signed = vc_service.add_proof(
        presentation,
        key,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=f"{holder}#{key.multikey()}",
        proof_purpose="authentication",
        challenge=nonce,
        domain=domain,
    )
    return signed, tuple(_subject_leaves(shown.get("credentialSubject"), ("credentialSubject",)))
