"""The wallet's OpenID for Verifiable Credential Issuance 1.0 client (pre-authorized code flow).

:func:`parse_offer` reads a Credential Offer (OID4VCI 1.0 §4.1: ``credential_offer`` by value or
``credential_offer_uri`` by reference, §4.1.3 the ``openid-credential-offer://`` scheme);
:func:`receive` redeems it end to end: Credential Issuer Metadata (§12.2.2), Authorization Server
Metadata (RFC 8414 §3, OID4VCI §12.3), the Token Request with the pre-authorized code and the
transaction code (§6.1), a ``c_nonce`` from the Nonce Endpoint (§7), a key proof JWT
(Appendix F.1) signed with a new holder key, the Credential Request (§8.2), and finally
:meth:`Wallet.add_credential`, which verifies the credential before storing it.

Formats (Appendix A): ``dc+sd-jwt`` (A.3) is bound to the proven key by ``cnf.jwk``, so the
proof carries the key as ``jwk``. ``ldp_vc`` (A.1.2, a W3C VCDM 2.0 credential secured with
Data Integrity: ``eddsa-rdfc-2022`` or a ``bbs-2023`` base proof) is bound by
``credentialSubject.id``, so the proof names the key by its ``did:key`` DID URL in ``kid``
(Appendix F.1) and the credential's subject must be exactly that DID. The credential response
carries an ``ldp_vc`` credential as a JSON object (§8.3).

The issuer's keys are resolved through its service (:mod:`._resolve`): ``did:chancery`` DIDs at
``{credential_issuer}/1.0/identifiers/{did}``, with the key valid when the credential was made;
``did:key`` and ``did:jwk`` locally. An ``ldp_vc`` credential's type context is derived from
the issuer's ledger entry for the type before the credential is verified.

HTTP goes through an injected :class:`httpx.Client`, so tests pass FastAPI's ``TestClient``.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx

from vc_service._jose import decode_jws, sign_jws

from ._errors import Error, InvalidInput
from ._ledger import learn_credential_types, unknown_contexts
from ._resolve import service_resolver
from ._wallet import Wallet

__all__ = ["CredentialOffer", "IssuanceError", "parse_offer", "receive", "receive_all"]

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
_PROOF_TYP = "openid4vci-proof+jwt"
_OFFER_SCHEMES = ("openid-credential-offer", "https", "http")


class IssuanceError(Error):
    """The issuer refused or answered something unusable; ``error`` is its OAuth error code."""

    def __init__(self, message: str, *, error: str | None = None) -> None:
        super().__init__(message)
        self.error = error


@dataclass(frozen=True)
class CredentialOffer:
    """A parsed pre-authorized Credential Offer (OID4VCI 1.0 §4.1.1)."""

    credential_issuer: str
    credential_configuration_ids: tuple[str, ...]
    pre_authorized_code: str
    tx_code_required: bool
    tx_code_description: str | None


def _get_json(http: httpx.Client, url: str, what: str) -> dict[str, Any]:
    try:
        response = http.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise IssuanceError(f"could not fetch the {what}: {exc}") from exc
    return _json_object(response, what)


def _json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise IssuanceError(f"the {what} is not JSON (HTTP {response.status_code})") from exc
    if response.status_code >= 400:
        error = body.get("error") if isinstance(body, dict) else None
        detail = body.get("error_description") if isinstance(body, dict) else None
        raise IssuanceError(
            f"the issuer refused the {what} (HTTP {response.status_code}): "
            f"{error or 'error'}{': ' + str(detail) if detail else ''}",
            error=error if isinstance(error, str) else None,
        )
    if not isinstance(body, dict):
        raise IssuanceError(f"the {what} is not a JSON object")
    return body


def _well_known(base: str, name: str) -> str:
    """RFC 8414 §3 / OID4VCI 1.0 §12.2.2: the well-known segment goes between host and path."""
    parts = urllib.parse.urlsplit(base)
    path = parts.path.rstrip("/")
    return urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, f"/.well-known/{name}{path}", "", "")
    )


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"the credential offer's {what} must be a non-empty string")
    return value


def parse_offer(uri: str, *, http: httpx.Client | None = None) -> CredentialOffer:
    """Parse a Credential Offer URI (OID4VCI 1.0 §4.1, §4.1.3), or the text of its QR code.

    ``credential_offer_uri`` (a reference, §4.1.3) is fetched with ``http``. Only offers with a
    pre-authorized code grant are accepted (the authorization code flow is not supported).
    """
    if not isinstance(uri, str):
        raise InvalidInput("the offer must be a URI string")
    parts = urllib.parse.urlsplit(uri.strip())
    if parts.scheme not in _OFFER_SCHEMES:
        raise InvalidInput("not a credential offer URI (openid-credential-offer://...)")
    query = urllib.parse.parse_qs(parts.query)
    by_value, by_reference = query.get("credential_offer"), query.get("credential_offer_uri")
    if (by_value is None) == (by_reference is None) or len(by_value or by_reference or []) != 1:
        raise InvalidInput("the URI needs exactly one of credential_offer, credential_offer_uri")
    offer: Any
    if by_value is not None:
        try:
            offer = json.loads(by_value[0])
        except ValueError as exc:
            raise InvalidInput("credential_offer is not JSON") from exc
    elif http is None:
        raise InvalidInput("a credential_offer_uri needs an HTTP client to fetch it")
    else:
        offer = _get_json(http, (by_reference or [""])[0], "credential offer")
    if not isinstance(offer, dict):
        raise InvalidInput("the credential offer is not a JSON object")
    issuer = _str(offer.get("credential_issuer"), "credential_issuer")
    ids = offer.get("credential_configuration_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise InvalidInput("credential_configuration_ids must be a non-empty list of strings")
    grants = offer.get("grants")
    grant = grants.get(PRE_AUTHORIZED_GRANT) if isinstance(grants, dict) else None
    if not isinstance(grant, dict):
        raise InvalidInput("the offer has no pre-authorized code grant")
    code = _str(grant.get("pre-authorized_code"), "pre-authorized_code")
    tx_code = grant.get("tx_code")
    if tx_code is not None and not isinstance(tx_code, dict):
        raise InvalidInput("the offer's tx_code must be an object")
    description = tx_code.get("description") if tx_code else None
    return CredentialOffer(
        credential_issuer=issuer,
        credential_configuration_ids=tuple(ids),
        pre_authorized_code=code,
        tx_code_required=tx_code is not None,
        tx_code_description=description if isinstance(description, str) else None,
    )


def _endpoint(metadata: dict[str, Any], name: str) -> str:
    value = metadata.get(name)
    if not isinstance(value, str) or not value:
        raise IssuanceError(f"the metadata has no {name}")
    return value


def _post(http: httpx.Client, url: str, what: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = http.post(url, **kwargs)
    except httpx.HTTPError as exc:
        raise IssuanceError(f"the {what} failed: {exc}") from exc
    return _json_object(response, what)


def receive(
    wallet: Wallet,
    offer_uri: str,
    *,
    tx_code: str | None,
    http: httpx.Client,
    credential_configuration_id: str | None = None,
) -> str:
    """Redeem a pre-authorized Credential Offer for one configuration; return the stored id.

    ``credential_configuration_id`` (default: the offer's first) names the configuration. The
    pre-authorized code is single-use, so an offer of several configurations is redeemed with
    :func:`receive_all`. See :func:`receive_all` for the protocol steps and the errors.
    """
    ids = receive_all(
        wallet,
        offer_uri,
        tx_code=tx_code,
        http=http,
        configurations=None
        if credential_configuration_id is None
        else [credential_configuration_id],
        _first_only=credential_configuration_id is None,
    )
    return ids[0]


def receive_all(
    wallet: Wallet,
    offer_uri: str,
    *,
    tx_code: str | None,
    http: httpx.Client,
    configurations: list[str] | None = None,
    _first_only: bool = False,
) -> list[str]:
    """Redeem a pre-authorized Credential Offer and store a credential of each configuration
    (``configurations``, default: all the offer names); return the stored ids in that order.

    OID4VCI 1.0 §3.5 (pre-authorized code flow): metadata (§12.2), one token (§6), then per
    configuration a ``c_nonce`` (§7), a key proof JWT (Appendix F.1) signed with a new
    :meth:`Wallet.holder_key` (one key per credential, so two credentials cannot be linked by
    their holder key), and a credential request (§8). Each credential is checked (bound to the
    key just proven; for ``ldp_vc`` its subject and type) and verified by
    :meth:`Wallet.add_credential`. Raises :class:`IssuanceError` when the issuer refuses
    (``error`` holds its code), :class:`InvalidInput` for an unusable offer, and
    :mod:`vc_service` verification errors.
    """
    offer = parse_offer(offer_uri, http=http)
    if offer.tx_code_required and not tx_code:
        raise InvalidInput("this offer needs the transaction code the issuer gave you")
    wanted = list(configurations or offer.credential_configuration_ids)
    if _first_only:
        wanted = wanted[:1]
    for configuration in wanted:
        if configuration not in offer.credential_configuration_ids:
            raise InvalidInput(f"the offer does not include {configuration!r}")
    metadata = _get_json(
        http, _well_known(offer.credential_issuer, "openid-credential-issuer"), "issuer metadata"
    )
    # §12.2.3: the metadata must name the issuer the offer came from.
    if metadata.get("credential_issuer") != offer.credential_issuer:
        raise IssuanceError("the issuer metadata names another credential issuer")
    supported = metadata.get("credential_configurations_supported")
    if not isinstance(supported, dict):
        raise IssuanceError("the issuer metadata has no credential_configurations_supported")
    for configuration in wanted:
        if not isinstance(supported.get(configuration), dict):
            raise IssuanceError(f"the issuer does not describe {configuration!r}")
    servers = metadata.get("authorization_servers") or [offer.credential_issuer]
    if not isinstance(servers, list) or not isinstance(servers[0], str):
        raise IssuanceError("the issuer metadata's authorization_servers is malformed")
    as_metadata = _get_json(
        http, _well_known(servers[0], "oauth-authorization-server"), "authorization server metadata"
    )
    token_endpoint = _endpoint(as_metadata, "token_endpoint")
    credential_endpoint = _endpoint(metadata, "credential_endpoint")
    nonce_endpoint = _endpoint(metadata, "nonce_endpoint")
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": offer.pre_authorized_code}
    if tx_code is not None:
        form["tx_code"] = tx_code
    token = _post(http, token_endpoint, "token request", data=form)
    access_token = token.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise IssuanceError("the token response has no access_token")
    resolver = service_resolver(http, offer.credential_issuer)
    return [
        _request_credential(
            wallet,
            http,
            offer.credential_issuer,
            configuration,
            supported[configuration],
            endpoints=(nonce_endpoint, credential_endpoint),
            access_token=access_token,
            resolver=resolver,
        )
        for configuration in wanted
    ]


def _request_credential(
    wallet: Wallet,
    http: httpx.Client,
    issuer: str,
    configuration: str,
    description: dict[str, Any],
    *,
    endpoints: tuple[str, str],
    access_token: str,
    resolver: Any,
) -> str:
    """Nonce, proof and credential request for one configuration; store and return its id."""
    nonce_endpoint, credential_endpoint = endpoints
    credential_format = description.get("format")
    nonce = _post(http, nonce_endpoint, "nonce request").get("c_nonce")
    if not isinstance(nonce, str):
        raise IssuanceError("the nonce response has no c_nonce")
    holder = wallet.holder_key()
    holder_did = holder.did_key()
    is_ldp = credential_format == "ldp_vc"
    header: dict[str, Any] = {"typ": _PROOF_TYP}
    if is_ldp:
        # Appendix F.1: "kid" names the DID URL of the key; the issuer makes it the subject.
        header["kid"] = f"{holder_did}#{holder.multikey()}"
    else:
        header["jwk"] = holder.public_jwk()
    proof = sign_jws(
        header,
        # Anonymous pre-authorized access: no 'iss' (Appendix F.1).
        {"aud": issuer, "iat": int(time.time()), "nonce": nonce},
        holder,
    )
    response = _post(
        http,
        credential_endpoint,
        "credential request",
        json={"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}},
        headers={"Authorization": f"Bearer {access_token}"},
    )
    credentials = response.get("credentials")
    if not isinstance(credentials, list) or len(credentials) != 1:
        raise IssuanceError("the credential response must hold exactly one credential")
    entry = credentials[0]
    credential = entry.get("credential") if isinstance(entry, dict) else None
    if is_ldp:
        if not isinstance(credential, dict):
            raise IssuanceError("an ldp_vc credential response must hold a JSON object")
        _check_ldp(credential, holder_did, description)
        if unknown_contexts(credential):
            learn_credential_types(http, issuer)
        return wallet.add_credential(credential, format="ldp_vc", resolver=resolver)
    if not isinstance(credential, str):
        raise IssuanceError("the credential response holds no compact credential")
    _check_binding(credential, holder.public_jwk())
    fmt = credential_format if isinstance(credential_format, str) else None
    return wallet.add_credential(credential, format=fmt, resolver=resolver)


def _check_binding(credential: str, holder_jwk: dict[str, Any]) -> None:
    """The issuer bound the credential to the key we proved (``cnf.jwk``, RFC 7800 §3.2)."""
    try:
        claims = decode_jws(credential.split("~", 1)[0], "credential").unverified_claims()
    except Exception as exc:
        raise IssuanceError("the credential is not an SD-JWT") from exc
    cnf = claims.get("cnf")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if jwk != holder_jwk:
        raise IssuanceError("the credential is not bound to the key the wallet proved")


def _check_ldp(credential: dict[str, Any], holder_did: str, configuration: Any) -> None:
    """An ``ldp_vc`` is about the DID the wallet proved, and of the configuration's type.

    Appendix A.1.2.1: ``credential_definition.type`` lists the types the credential has. The
    signature, validity and issuer key are checked afterwards by :meth:`Wallet.add_credential`.
    """
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("id") != holder_did:
        raise IssuanceError(
            "the credential's credentialSubject.id is not the DID the wallet proved"
        )
    definition = (
        configuration.get("credential_definition") if isinstance(configuration, dict) else None
    )
    wanted = definition.get("type") if isinstance(definition, dict) else None
    types = credential.get("type")
    have = {types} if isinstance(types, str) else set(types) if isinstance(types, list) else set()
    if isinstance(wanted, list) and not set(wanted) <= have:
        raise IssuanceError(f"the credential's type {sorted(have)} is not the offered {wanted}")
