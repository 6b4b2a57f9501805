"""The OID4VP verifier: DCQL requests by reference, ``direct_post`` responses, their outcome.

OpenID for Verifiable Presentations 1.0 (OID4VP):

* ``POST /verifier/requests`` stores a request (a DCQL query, §6) with a fresh ``nonce`` and
  ``state`` and returns an ``openid4vp://`` link with ``client_id`` and ``request_uri`` (§5,
  RFC 9101 §5.2: the Request Object passed by reference);
* ``GET /verifier/requests/{id}/object`` serves the Request Object, a JWT of ``typ``
  ``oauth-authz-req+jwt`` (RFC 9101 §4, §10.8) signed by the verifier key, whose ``client_id``
  uses the ``decentralized_identifier:`` prefix (§5.9.3) with the key's ``did:key``;
* ``POST /verifier/responses/{id}`` is the ``response_uri`` of Response Mode ``direct_post``
  (§8.2): form parameters ``vp_token`` (§8.1: a JSON object from Credential Query id to an array
  of presentations) and ``state``. Each presentation is verified with :func:`vc_service.verify`
  bound to the request's ``nonce`` and the ``client_id`` as audience (§14.1 replay), and must
  disclose exactly the claims its Credential Query asked for. One response per request;
* ``GET /verifier/requests/{id}`` reports ``pending`` / ``verified`` / ``rejected`` with every
  check by name and the disclosed claims.

Creating a request and reading its outcome take a relying party's bearer token (scope
``verify``); the outcome is readable by that relying party only. The Request Object and the
``response_uri`` are the wallet's and need no token: the random request id in them is what the
wallet was given.

Request state is in the service's database (:mod:`._verifier_store`): a request survives a
restart, expires after :data:`REQUEST_TTL`, and is answered at most once. The verifier key is
generated on first use and stored sealed with the ledger secret in the ledger's settings table,
like the root key.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import nacl.exceptions
import nacl.secret
import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from vc_service._errors import (
    Error,
    HolderBindingError,
    InvalidCredential,
    InvalidInput,
    ResolutionError,
    VerificationError,
)
from vc_service._jose import sign_jws
from vc_service._jsonld import expand
from vc_service._keys import Key
from vc_service._verify import VerificationResult, verify
from vc_service.ledger._ledger import LedgerError, load_secret
from vc_service.ledger._store import meta_table, write_transaction

from ._auth import RelyingPartyDep
from ._errors import NotFound
from ._issuer_api import IssuerDep, IssuerService, LocalStatusSource, register_ledger_types
from ._ledger_api import LedgerDep
from ._ledger_service import LedgerService
from ._settings import Settings, app_settings
from ._trust_checks import (
    CHECK_NAMES,
    NamedCheck,
    accreditation_check,
    issuer_key_check,
    ordered,
    signed_by,
)
from ._verifier_store import REQUEST_TTL, AlreadyAnswered, RequestRow, VerifierStore

__all__ = [
    "REQUEST_TTL",
    "VERIFIER_KEY_META",
    "CreateRequest",
    "RequestCreated",
    "RequestStatus",
    "router",
]

#: The ledger settings row holding the sealed verifier key.
VERIFIER_KEY_META = "service.verifier_key_sealed"
_VERIFIER_KEY_LABEL = b"chancery verifier private JWK v1\n"
_REQUEST_TYP = "oauth-authz-req+jwt"
_MAX_BODY = 1024 * 1024
_MAX_QUERY_BYTES = 16 * 1024
# SD-JWT VC §3.2.2 claims that are always in the clear: not "disclosed" claims.
_REGISTERED = frozenset({"iss", "iat", "nbf", "exp", "vct", "vct#integrity", "cnf", "status"})

#: vc_service.verify's check names that this outcome calls otherwise.
_CHECK_ALIASES = {"selective-disclosure": "disclosure"}

router = APIRouter(tags=["verifier"])
SettingsDep = Annotated[Settings, Depends(app_settings)]


class CreateRequest(BaseModel):
    """``POST /verifier/requests`` body: a DCQL query (OID4VP 1.0 §6)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dcql_query: dict[str, Any]


class RequestCreated(BaseModel):
    """The new request's id and the link a wallet opens (OID4VP 1.0 §5, RFC 9101 §5.2)."""

    model_config = ConfigDict(frozen=True)

    id: str
    request_uri_link: str


class RequestStatus(BaseModel):
    """The outcome of a request, for the relying party (``specs/http-api.md`` §8.4).

    ``claims``: per Credential Query id, the requested claims as disclosed (nothing else is
    kept). ``disclosed``: per query, the JSON pointers of every claim the presentation revealed
    (an ``eddsa-rdfc-2022`` credential reveals all of its claims). ``checks``: every check by
    name, per query (``{"check", "result", "detail", "query"}``; ``result`` is ``passed``,
    ``failed``, ``not_applicable`` or ``not_checked``). ``error``: the failed check.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    status: Literal["pending", "verified", "rejected"]
    claims: dict[str, Any] | None = None
    disclosed: dict[str, list[str]] | None = None
    checks: list[dict[str, str]] = []
    error: dict[str, str] | None = None


# ------------------------------------------------------------------------------ the DCQL query

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class _CredentialQuery:
    id: str
    format: Literal["dc+sd-jwt", "ldp_vc"]
    vct_values: tuple[str, ...] | None
    type_values: tuple[frozenset[str], ...] | None
    paths: tuple[Path, ...]
    values: tuple[tuple[Any, ...] | None, ...]


def _path(value: Any, where: str) -> Path:
    if not isinstance(value, list) or not value:
        raise InvalidInput(f"{where}.path must be a non-empty array (OID4VP 1.0 §7)")
    for part in value:
        if isinstance(part, bool) or not isinstance(part, str | int) or part == "":
            raise InvalidInput(f"{where}.path: components are strings or array indexes")
        if isinstance(part, int) and part < 0:
            raise InvalidInput(f"{where}.path: array indexes are non-negative")
    return tuple(value)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{where} must be a non-empty array of strings")
    return tuple(value)


def _meta(entry: dict[str, Any], fmt: str, where: str) -> tuple[Any, Any]:
    """``meta`` (§6.1): ``vct_values`` for SD-JWT VC (Appendix B.3.5), ``type_values`` for W3C
    VCs (Appendix B.1.1, required there)."""
    meta = entry.get("meta")
    allowed = "vct_values" if fmt == "dc+sd-jwt" else "type_values"
    if not isinstance(meta, dict) or set(meta) - {allowed}:
        raise InvalidInput(f"{where}.meta must be an object with at most {allowed!r}")
    if fmt == "dc+sd-jwt":
        vct = meta.get("vct_values")
        return (None if vct is None else _strings(vct, f"{where}.meta.vct_values")), None
    types = meta.get("type_values")
    if not isinstance(types, list) or not types:
        raise InvalidInput(
            f"{where}.meta.type_values must be a non-empty array of type arrays (Appendix B.1.1)"
        )
    return None, tuple(
        frozenset(_strings(t, f"{where}.meta.type_values[{i}]")) for i, t in enumerate(types)
    )


def _parse_query(query: dict[str, Any]) -> tuple[_CredentialQuery, ...]:
    """The subset of DCQL (OID4VP 1.0 §6.1, §6.3) this verifier asks with: Credential Queries
    for ``dc+sd-jwt`` (Appendix B.3) and ``ldp_vc`` (Appendix B.1)."""
    if set(query) != {"credentials"}:
        raise InvalidInput("dcql_query: only 'credentials' is supported")
    credentials = query["credentials"]
    if not isinstance(credentials, list) or not credentials:
        raise InvalidInput("dcql_query.credentials must be a non-empty array")
    out = []
    for i, entry in enumerate(credentials):
        where = f"dcql_query.credentials[{i}]"
        if not isinstance(entry, dict):
            raise InvalidInput(f"{where} must be an object")
        if set(entry) - {"id", "format", "meta", "claims"}:
            raise InvalidInput(f"{where}: only id, format, meta and claims are supported")
        cid = entry.get("id")
        if (
            not isinstance(cid, str)
            or not 0 < len(cid) <= 64
            or not all(c.isascii() and (c.isalnum() or c in "_-") for c in cid)
        ):
            raise InvalidInput(f"{where}.id must be 1-64 characters of A-Z, a-z, 0-9, _, -")
        fmt = entry.get("format")
        if fmt != "dc+sd-jwt" and fmt != "ldp_vc":
            raise InvalidInput(f"{where}.format: only 'dc+sd-jwt' and 'ldp_vc' are supported")
        vct, types = _meta(entry, fmt, where)
        claims = entry.get("claims", [])
        if not isinstance(claims, list) or ("claims" in entry and not claims):
            raise InvalidInput(f"{where}.claims must be a non-empty array")
        paths, values = [], []
        for j, claim in enumerate(claims):
            cwhere = f"{where}.claims[{j}]"
            if not isinstance(claim, dict) or set(claim) - {"id", "path", "values"}:
                raise InvalidInput(f"{cwhere} must be an object with path, id?, values?")
            paths.append(_path(claim.get("path"), cwhere))
            wanted = claim.get("values")
            if wanted is not None and (not isinstance(wanted, list) or not wanted):
                raise InvalidInput(f"{cwhere}.values must be a non-empty array")
            values.append(tuple(wanted) if wanted is not None else None)
        out.append(_CredentialQuery(cid, fmt, vct, types, tuple(paths), tuple(values)))
    if len({c.id for c in out}) != len(out):
        raise InvalidInput("dcql_query: Credential Query ids must be unique")
    return tuple(out)


_MISSING = object()


def _select(claims: Any, path: Path) -> Any:
    node = claims
    for part in path:
        if isinstance(part, str) and isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        else:
            return _MISSING
    return node


def _pointer(path: Path) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _extra(node: Any, at: Path, wanted: set[Path], registered: frozenset[str]) -> list[str]:
    """Paths under ``at`` that were disclosed but not asked for."""
    if at in wanted:
        return []
    if not any(w[: len(at)] == at for w in wanted):
        return [_pointer(at)]
    extra: list[str] = []
    if isinstance(node, dict):
        for name, value in node.items():
            if at or name not in registered:
                extra += _extra(value, (*at, name), wanted, registered)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            extra += _extra(value, (*at, index), wanted, registered)
    return extra


def _leaves(node: Any, at: Path) -> list[str]:
    """The JSON pointers of every value under ``at`` (objects and arrays descended into)."""
    if isinstance(node, dict) and node:
        return [p for name, value in node.items() for p in _leaves(value, (*at, name))]
    if isinstance(node, list) and node:
        return [p for index, value in enumerate(node) for p in _leaves(value, (*at, index))]
    return [_pointer(at)]


def _project(node: Any, paths: list[Path]) -> Any:
    """``node`` restricted to ``paths`` (array elements not asked for are left out)."""
    if any(not path for path in paths):
        return node
    if isinstance(node, dict):
        out = {}
        for name, value in node.items():
            below = [p[1:] for p in paths if p[0] == name]
            if below:
                out[name] = _project(value, below)
        return out
    if isinstance(node, list):
        return [
            _project(value, [p[1:] for p in paths if p[0] == index])
            for index, value in enumerate(node)
            if any(p[0] == index for p in paths)
        ]
    return node


def _requested(query: _CredentialQuery, claims: Mapping[str, Any]) -> None:
    """Every requested claim is there, with a value the query accepts (§6.3, §6.4)."""
    for path, values in zip(query.paths, query.values, strict=True):
        value = _select(claims, path)
        if value is _MISSING:
            raise InvalidInput(f"{query.id}: the requested claim {list(path)} was not disclosed")
        if values is not None and value not in values:
            raise InvalidInput(f"{query.id}: the claim {list(path)} has a value not asked for")


def _disclosed_exactly(query: _CredentialQuery, claims: dict[str, Any]) -> dict[str, Any]:
    """Check a verified SD-JWT VC's claims against its Credential Query; the user claims."""
    if query.vct_values is not None and claims.get("vct") not in query.vct_values:
        raise InvalidInput(f"{query.id}: the credential's vct is not one the query asked for")
    _requested(query, claims)
    extra = _extra(claims, (), set(query.paths), _REGISTERED)
    if extra:
        # Data minimisation: a response revealing more than asked is refused, so a verifier
        # never stores personal data it did not request.
        raise InvalidInput(f"{query.id}: claims disclosed without being asked for: {extra}")
    return {k: v for k, v in claims.items() if k not in _REGISTERED}


# ------------------------------------------------------------------------------ state


_init_lock = threading.Lock()


@dataclass(frozen=True)
class _Verifier:
    key: Key
    client_id: str
    store: VerifierStore


def _seal(key: Key, secret: bytes) -> bytes:
    plaintext = _VERIFIER_KEY_LABEL + json.dumps(key.private_jwk(), sort_keys=True).encode()
    return bytes(nacl.secret.SecretBox(secret).encrypt(plaintext))


def _unseal(sealed: bytes, secret: bytes) -> Key:
    try:
        plaintext = nacl.secret.SecretBox(secret).decrypt(sealed)
    except nacl.exceptions.CryptoError as exc:
        raise LedgerError("the ledger secret does not open the verifier key") from exc
    if not plaintext.startswith(_VERIFIER_KEY_LABEL):
        raise LedgerError("the sealed value is not a verifier key")
    return Key.from_jwk(json.loads(plaintext[len(_VERIFIER_KEY_LABEL) :]))


def _verifier_key(service: Any, settings: Settings) -> Key:
    """The sealed verifier key, generated on first use (set-if-absent, like the root key)."""
    store = service.ledger.store
    secret = load_secret(settings.secret_file)
    existing = store.get_meta(VERIFIER_KEY_META)
    if existing is not None:
        return _unseal(existing, secret)
    key = Key.generate("ed25519")
    try:
        with write_transaction(store.engine) as conn:
            conn.execute(
                meta_table.insert().values(key=VERIFIER_KEY_META, value=_seal(key, secret))
            )
        return key
    except sa.exc.IntegrityError:
        stored = store.get_meta(VERIFIER_KEY_META)
        if stored is None:  # pragma: no cover - the conflicting row cannot vanish
            raise LedgerError("the verifier key could not be stored") from None
        return _unseal(stored, secret)


async def get_verifier(request: Request, service: LedgerDep, settings: SettingsDep) -> _Verifier:
    """The application's verifier (key and request store), made on first use (off the event
    loop: it may read or store the sealed key)."""
    verifier = getattr(request.app.state, "verifier", None)
    if isinstance(verifier, _Verifier):
        return verifier
    return await run_in_threadpool(_make_verifier, request, service, settings)


def _make_verifier(request: Request, service: Any, settings: Settings) -> _Verifier:
    state = request.app.state
    with _init_lock:
        verifier = getattr(state, "verifier", None)
        if not isinstance(verifier, _Verifier):
            key = _verifier_key(service, settings)
            store = VerifierStore(service.ledger.store.engine)
            verifier = _Verifier(key, "decentralized_identifier:" + key.did_key(), store)
            state.verifier = verifier
    return verifier


VerifierDep = Annotated[_Verifier, Depends(get_verifier)]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _load(verifier: _Verifier, request_id: str) -> RequestRow:
    row = verifier.store.get(request_id)
    if row is None:
        raise NotFound("no such verification request (unknown or expired)")
    return row


# ------------------------------------------------------------------------------ endpoints


@router.post("/verifier/requests", response_model=RequestCreated, status_code=201)
def create_request(
    body: CreateRequest, request: Request, verifier: VerifierDep, principal: RelyingPartyDep
) -> RequestCreated:
    """Create an OID4VP request for a DCQL query; the link carries it by reference (§5.10).

    Only a relying party (scope ``verify``) asks; the request is its own (``owner``).
    """
    if len(json.dumps(body.dcql_query)) > _MAX_QUERY_BYTES:
        raise InvalidInput("dcql_query is too large")
    _parse_query(body.dcql_query)
    verifier.store.purge_if_due()
    row = verifier.store.create(body.dcql_query, owner=principal.tenant_id)
    params = {
        "client_id": verifier.client_id,
        "request_uri": f"{_base(request)}/verifier/requests/{row.id}/object",
    }
    link = "openid4vp://?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
    return RequestCreated(id=row.id, request_uri_link=link)


@router.get("/verifier/requests/{request_id}/object")
def request_object(request_id: str, request: Request, verifier: VerifierDep) -> Response:
    """The signed Request Object (RFC 9101 §4; OID4VP 1.0 §5, §5.9.3, §8.2)."""
    row = _load(verifier, request_id)
    if row.answered_at is not None:
        raise HTTPException(409, "this request was already answered")
    payload = {
        "iss": verifier.client_id,
        "aud": "https://self-issued.me/v2",  # OID4VP 1.0 §5.8: the static audience
        "iat": int(time.time()),
        "exp": row.expires_at,
        "client_id": verifier.client_id,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": f"{_base(request)}/verifier/responses/{row.id}",
        "nonce": row.nonce,
        "state": row.state,
        "dcql_query": row.dcql_query,
    }
    did = verifier.key.did_key()
    kid = did + "#" + did.removeprefix("did:key:")
    token = sign_jws({"typ": _REQUEST_TYP, "kid": kid}, payload, verifier.key)
    return Response(token, media_type="application/oauth-authz-req+jwt")


def _form(raw: bytes, content_type: str) -> dict[str, str]:
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise InvalidInput("the response must be application/x-www-form-urlencoded (§8.2)")
    try:
        pairs = urllib.parse.parse_qsl(raw.decode("ascii"), strict_parsing=True)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("the form body does not parse") from exc
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise InvalidInput(f"form parameter {name!r} appears twice")
        form[name] = value
    return form


def _vp_token(
    text: str | None, queries: tuple[_CredentialQuery, ...]
) -> dict[str, str | dict[str, Any]]:
    """Parse ``vp_token`` (OID4VP 1.0 §8.1): one presentation per Credential Query, a compact
    SD-JWT+KB for ``dc+sd-jwt`` (Appendix B.3.6) and a JSON-LD Verifiable Presentation object
    for ``ldp_vc`` (Appendix B.1.3.2)."""
    if text is None:
        raise InvalidInput("the response has no 'vp_token'")
    try:
        token = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput("'vp_token' is not JSON") from exc
    if not isinstance(token, dict):
        raise InvalidInput("'vp_token' must be a JSON object keyed by Credential Query id")
    expected = {q.id for q in queries}
    if set(token) != expected:
        raise InvalidInput(
            f"'vp_token' must answer exactly the Credential Queries {sorted(expected)}"
        )
    out: dict[str, str | dict[str, Any]] = {}
    for query in queries:
        presentations = token[query.id]
        kind = str if query.format == "dc+sd-jwt" else dict
        if (
            not isinstance(presentations, list)
            or len(presentations) != 1
            or not isinstance(presentations[0], kind)
        ):
            shape = "a compact SD-JWT" if kind is str else "a JSON presentation object"
            raise InvalidInput(
                f"'vp_token.{query.id}' must be an array of one presentation, {shape}"
            )
        out[query.id] = presentations[0]
    return out


def _expanded_types(document: Mapping[str, Any]) -> frozenset[str]:
    """The credential's ``type`` as absolute IRIs: JSON-LD expansion with the pinned contexts
    (OID4VP 1.0 Appendix B.1.1 compares the fully expanded types)."""
    expanded = expand({k: v for k, v in document.items() if k != "proof"})
    node = expanded[0] if expanded and isinstance(expanded[0], dict) else {}
    types = node.get("@type", [])
    return frozenset(t for t in types if isinstance(t, str))


@dataclass(frozen=True)
class _Presented:
    """One verified presentation: what the relying party gets, and what was revealed."""

    result: VerificationResult
    credential: VerificationResult
    claims: dict[str, Any]
    disclosed: list[str]
    notes: list[tuple[str, str]]


def _sd_jwt_presented(query: _CredentialQuery, result: VerificationResult) -> _Presented:
    if result.format != "dc+sd-jwt" or result.kind != "presentation":
        raise InvalidInput(f"{query.id}: not an SD-JWT VC presentation with Key Binding")
    claims = _disclosed_exactly(query, result.claims)
    disclosed = [p for name, value in claims.items() for p in _leaves(value, (name,))]
    return _Presented(result, result, claims, disclosed, [])


def _ldp_presented(
    query: _CredentialQuery, presentation: Mapping[str, Any], result: VerificationResult
) -> _Presented:
    """Check a verified Data Integrity presentation against an ``ldp_vc`` Credential Query.

    OID4VP 1.0 Appendix B.1.3.2: the presentation's proof is bound to the request (``challenge``
    = nonce, ``domain`` = client_id; :func:`vc_service.verify` checked both). Holder binding:
    the presentation's ``holder`` signed it (checked by ``verify``) and must be the credential's
    ``credentialSubject.id``, the DID the issuer bound the credential to; otherwise anyone who
    saw a credential could present it. A ``bbs-2023`` derived credential must therefore reveal
    ``credentialSubject.id`` (``specs/wallet.md`` §6).
    """
    entries = presentation.get("verifiableCredential")
    if result.kind != "presentation" or not isinstance(entries, list | dict):
        raise InvalidInput(f"{query.id}: not a verifiable presentation of a credential")
    if (isinstance(entries, list) and len(entries) != 1) or len(result.credentials) != 1:
        raise InvalidInput(f"{query.id}: the presentation must hold exactly one credential")
    credential = result.credentials[0]
    document = credential.claims
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        raise InvalidCredential(
            "the credential must have one credentialSubject object", path="/credentialSubject"
        )
    subject_id = subject.get("id")
    if not isinstance(subject_id, str):
        raise HolderBindingError(
            "the credential does not reveal credentialSubject.id: the presentation cannot be "
            "bound to the credential's holder"
        )
    if result.holder != subject_id:
        raise HolderBindingError(
            f"the presentation is made by {str(result.holder)[:80]!r}, not by the credential's "
            f"subject {subject_id[:80]!r}"
        )
    assert query.type_values is not None  # noqa: S101 - an ldp_vc query always has them
    types = _expanded_types(document)
    if not any(wanted <= types for wanted in query.type_values):
        raise InvalidInput(f"{query.id}: the credential's type is not one the query asked for")
    _requested(query, document)
    claims_view = {"credentialSubject": {k: v for k, v in subject.items() if k != "id"}}
    disclosed = [
        p
        for name, value in claims_view["credentialSubject"].items()
        for p in _leaves(value, ("credentialSubject", name))
    ]
    extra = _extra(claims_view, (), set(query.paths), frozenset())
    notes = [("holder_binding", f"the presentation is signed by credentialSubject.id {subject_id}")]
    if credential.format == "bbs-2023":
        if extra:
            # Data minimisation, as for SD-JWT: a derived proof can reveal just what was asked.
            raise InvalidInput(f"{query.id}: claims disclosed without being asked for: {extra}")
        notes.append(("disclosure", "bbs-2023 derived proof: only the requested claims"))
    elif extra:
        # eddsa-rdfc-2022 signs the whole credential: it cannot be minimised, so the wallet
        # shows it all (the holder consented to that). Only the requested claims are kept.
        notes.append(
            ("disclosure", f"{credential.format}: whole credential shown, not kept: {extra}")
        )
    claims = _project(document, list(query.paths))
    return _Presented(result, credential, claims, disclosed, notes)


def _named_checks(
    presented: _Presented,
    presentation: str | Mapping[str, Any],
    ledger: LedgerService,
) -> list[NamedCheck]:
    """Every check of :data:`CHECK_NAMES` (and ``disclosure``) for one verified presentation.

    From :func:`vc_service.verify`'s checks (its names with ``_`` for ``-``), the holder-binding
    and disclosure findings above, and the ledger checks ``issuer_key`` and ``accreditation``
    (:mod:`._trust_checks`), which raise when they fail.
    """
    performed: dict[str, list[str]] = {}
    skipped: dict[str, str] = {}
    results = [presented.result]
    if presented.credential is not presented.result:
        results.append(presented.credential)
    for result in results:
        for check in result.checks:
            name = _CHECK_ALIASES.get(check.name, check.name.replace("-", "_"))
            performed.setdefault(name, []).append(check.detail)
        for check in result.not_checked:
            skipped.setdefault(check.name.replace("-", "_"), check.detail)
    for name, detail in presented.notes:
        performed[name] = [detail]
    credential: str | Mapping[str, Any]
    if isinstance(presentation, str):
        credential = presentation
    else:
        credential = presented.credential.claims
    signer = signed_by(credential, datetime.now(UTC))
    named = [
        issuer_key_check(signer, ledger.resolver),
        accreditation_check(signer, ledger.state()),
    ]
    for name in (*CHECK_NAMES, "disclosure"):
        if name in ("issuer_key", "accreditation"):
            continue
        if name in performed:
            named.append(NamedCheck(name, "passed", "; ".join(performed[name])))
        elif name in skipped:
            named.append(NamedCheck(name, "not_checked", skipped[name]))
        elif name == "status":
            named.append(NamedCheck(name, "not_applicable", "the credential has no status entry"))
        else:
            named.append(NamedCheck(name, "not_checked", "not made for this format"))
    return ordered(named)


def _answer(
    verifier: _Verifier,
    issuer: IssuerService,
    ledger: LedgerService,
    request_id: str,
    raw: bytes,
    content_type: str,
    base: str,
) -> dict[str, Any]:
    row = _load(verifier, request_id)
    if len(raw) > _MAX_BODY:
        raise InvalidInput("the response body is too large")
    form = _form(raw, content_type)
    if not secrets.compare_digest(form.get("state", "").encode(), row.state.encode()):
        raise InvalidInput("'state' does not match the request")
    queries = _parse_query(row.dcql_query)
    presentations = _vp_token(form.get("vp_token"), queries)
    if row.answered_at is not None:
        # One response per request (§14.1); the recording below decides races.
        raise HTTPException(409, "this request was already answered")
    register_ledger_types(ledger.state())
    checks: list[dict[str, Any]] = []
    claims: dict[str, Any] = {}
    disclosed: dict[str, list[str]] = {}
    status_source = LocalStatusSource(issuer, base)
    current = ""
    try:
        for query in queries:
            current = query.id
            presentation = presentations[query.id]
            result = verify(
                presentation,
                nonce=row.nonce,
                audience=verifier.client_id,
                status=status_source,
                resolver=ledger.resolver,
            )
            if isinstance(presentation, str):
                presented = _sd_jwt_presented(query, result)
            else:
                presented = _ldp_presented(query, presentation, result)
            named = _named_checks(presented, presentation, ledger)
            checks += [{**c.to_json(), "query": query.id} for c in named]
            claims[query.id] = presented.claims
            disclosed[query.id] = presented.disclosed
    except Error as exc:
        # A malformed credential or an unresolvable key fails the proof; a response that
        # answers the query wrongly (type, claims, shape) fails the disclosure.
        check = "proof" if isinstance(exc, InvalidCredential | ResolutionError) else "disclosure"
        if isinstance(exc, VerificationError):
            check = _CHECK_ALIASES.get(exc.check, exc.check.replace("-", "_"))
            exc.check = check  # the problem response names it as the outcome does
        checks.append({"check": check, "result": "failed", "detail": str(exc), "query": current})
        checks += [
            {
                "check": name,
                "result": "not_checked",
                "detail": "verification stopped at the failed check",
                "query": current,
            }
            for name in CHECK_NAMES
            if name != check
        ]
        _record(
            verifier,
            request_id,
            "rejected",
            checks=checks,
            error={"check": check, "detail": str(exc)},
        )
        raise
    _record(verifier, request_id, "verified", checks=checks, claims=claims, disclosed=disclosed)
    return {}


def _record(verifier: _Verifier, request_id: str, status: Any, **outcome: Any) -> None:
    """Claim the request and record its outcome in one conditional update (§14.1: one response
    per request); a replay, or a second answer racing this one, loses it and gets 409."""
    try:
        verifier.store.answer(request_id, status, **outcome)
    except AlreadyAnswered:
        raise HTTPException(409, "this request was already answered") from None


@router.post("/verifier/responses/{request_id}")
async def direct_post(
    request_id: str,
    request: Request,
    verifier: VerifierDep,
    issuer: IssuerDep,
    ledger: LedgerDep,
) -> dict[str, Any]:
    """The ``response_uri`` (OID4VP 1.0 §8.2): verify the wallet's ``vp_token`` once.

    Credential status (draft-ietf-oauth-status-list §8.3) is checked against this service's own
    Status Lists, in-process (:class:`LocalStatusSource`); a foreign list is "unavailable".
    """
    raw = await request.body()
    return await run_in_threadpool(
        _answer,
        verifier,
        issuer,
        ledger,
        request_id,
        raw,
        request.headers.get("content-type", ""),
        _base(request),
    )


@router.get("/verifier/requests/{request_id}", response_model=RequestStatus)
def request_status(
    request_id: str, verifier: VerifierDep, principal: RelyingPartyDep
) -> RequestStatus:
    """The request's outcome: ``pending``, ``verified`` (with the disclosed claims) or
    ``rejected`` (with the failed check).

    Only the relying party that made the request reads it: to any other tenant it does not
    exist (404, the same answer as an unknown id, so request ids cannot be probed).
    """
    row = _load(verifier, request_id)
    if row.owner is None or not secrets.compare_digest(
        row.owner.encode(), principal.tenant_id.encode()
    ):
        raise NotFound("no such verification request (unknown or expired)")
    return RequestStatus(
        id=row.id,
        status=row.status,
        claims=row.claims,
        disclosed=row.disclosed,
        checks=row.checks,
        error=row.error,
    )
