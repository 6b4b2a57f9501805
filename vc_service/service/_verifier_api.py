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
* ``GET /verifier/requests/{id}`` reports ``pending`` / ``verified`` / ``rejected``.

Request state is kept in memory in this slice (a dict under a lock, entries expiring after
:data:`REQUEST_TTL`): a restart forgets open requests. The verifier key is generated on first use
and stored sealed with the ledger secret in the ledger's settings table, like the root key.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import nacl.exceptions
import nacl.secret
import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from vc_service._errors import Error, InvalidInput, VerificationError
from vc_service._jose import sign_jws
from vc_service._keys import Key
from vc_service._verify import verify
from vc_service.ledger._ledger import LedgerError, load_secret
from vc_service.ledger._store import meta_table

from ._errors import NotFound
from ._issuer_api import IssuerDep, LocalStatusSource
from ._ledger_api import LedgerDep
from ._settings import Settings, get_settings

__all__ = [
    "REQUEST_TTL",
    "VERIFIER_KEY_META",
    "CreateRequest",
    "RequestCreated",
    "RequestStatus",
    "router",
]

#: Seconds a request stays answerable (and its outcome readable).
REQUEST_TTL = 600
#: The ledger settings row holding the sealed verifier key.
VERIFIER_KEY_META = "service.verifier_key_sealed"
_VERIFIER_KEY_LABEL = b"chancery verifier private JWK v1\n"
_REQUEST_TYP = "oauth-authz-req+jwt"
_MAX_BODY = 1024 * 1024
_MAX_QUERY_BYTES = 16 * 1024
# SD-JWT VC §3.2.2 claims that are always in the clear: not "disclosed" claims.
_REGISTERED = frozenset({"iss", "iat", "nbf", "exp", "vct", "vct#integrity", "cnf", "status"})

router = APIRouter(tags=["verifier"])
SettingsDep = Annotated[Settings, Depends(get_settings)]


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
    """The outcome of a request, for the relying party."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: Literal["pending", "verified", "rejected"]
    claims: dict[str, Any] | None = None
    checks: list[dict[str, str]] = []
    error: dict[str, str] | None = None


# ------------------------------------------------------------------------------ the DCQL query


@dataclass(frozen=True)
class _CredentialQuery:
    id: str
    vct_values: tuple[str, ...] | None
    paths: tuple[tuple[str | int, ...], ...]
    values: tuple[tuple[Any, ...] | None, ...]


def _path(value: Any, where: str) -> tuple[str | int, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidInput(f"{where}.path must be a non-empty array (OID4VP 1.0 §7)")
    for part in value:
        if isinstance(part, bool) or not isinstance(part, str | int) or part == "":
            raise InvalidInput(f"{where}.path: components are strings or array indexes")
        if isinstance(part, int) and part < 0:
            raise InvalidInput(f"{where}.path: array indexes are non-negative")
    return tuple(value)


def _parse_query(query: dict[str, Any]) -> tuple[_CredentialQuery, ...]:
    """The subset of DCQL (OID4VP 1.0 §6.1, §6.3) this verifier asks with: ``dc+sd-jwt``."""
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
        if entry.get("format") != "dc+sd-jwt":
            raise InvalidInput(f"{where}.format: only 'dc+sd-jwt' is supported")
        meta = entry.get("meta")
        if not isinstance(meta, dict) or set(meta) - {"vct_values"}:
            raise InvalidInput(f"{where}.meta must be an object with at most 'vct_values'")
        vct = meta.get("vct_values")
        if vct is not None and (
            not isinstance(vct, list) or not vct or not all(isinstance(v, str) for v in vct)
        ):
            raise InvalidInput(f"{where}.meta.vct_values must be a non-empty array of strings")
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
        out.append(_CredentialQuery(cid, tuple(vct) if vct else None, tuple(paths), tuple(values)))
    if len({c.id for c in out}) != len(out):
        raise InvalidInput("dcql_query: Credential Query ids must be unique")
    return tuple(out)


_MISSING = object()


def _select(claims: Any, path: tuple[str | int, ...]) -> Any:
    node = claims
    for part in path:
        if isinstance(part, str) and isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        else:
            return _MISSING
    return node


def _extra(node: Any, at: tuple[str | int, ...], wanted: set[tuple[str | int, ...]]) -> list[str]:
    """Paths under ``at`` that were disclosed but not asked for."""
    if at in wanted:
        return []
    if not any(w[: len(at)] == at for w in wanted):
        return ["/" + "/".join(str(p) for p in at)]
    extra: list[str] = []
    if isinstance(node, dict):
        for name, value in node.items():
            if at or name not in _REGISTERED:
                extra += _extra(value, (*at, name), wanted)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            extra += _extra(value, (*at, index), wanted)
    return extra


def _disclosed_exactly(query: _CredentialQuery, claims: dict[str, Any]) -> dict[str, Any]:
    """Check a verified credential's claims against its Credential Query; the user claims."""
    if query.vct_values is not None and claims.get("vct") not in query.vct_values:
        raise InvalidInput(f"{query.id}: the credential's vct is not one the query asked for")
    for path, values in zip(query.paths, query.values, strict=True):
        value = _select(claims, path)
        if value is _MISSING:
            raise InvalidInput(f"{query.id}: the requested claim {list(path)} was not disclosed")
        if values is not None and value not in values:
            raise InvalidInput(f"{query.id}: the claim {list(path)} has a value not asked for")
    extra = _extra(claims, (), set(query.paths))
    if extra:
        # Data minimisation: a response revealing more than asked is refused, so a verifier
        # never stores personal data it did not request.
        raise InvalidInput(f"{query.id}: claims disclosed without being asked for: {extra}")
    return {k: v for k, v in claims.items() if k not in _REGISTERED}


# ------------------------------------------------------------------------------ state


@dataclass
class _Request:
    id: str
    nonce: str
    state: str
    query: tuple[_CredentialQuery, ...]
    dcql_query: dict[str, Any]
    expires: float
    status: Literal["pending", "verified", "rejected"] = "pending"
    answered: bool = False
    claims: dict[str, Any] | None = None
    checks: list[dict[str, str]] = field(default_factory=list)
    error: dict[str, str] | None = None


class _Requests:
    """In-memory request state: a dict guarded by a lock, entries expiring after the TTL."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._items: dict[str, _Request] = {}

    def add(self, item: _Request) -> None:
        with self.lock:
            self._purge()
            self._items[item.id] = item

    def get(self, request_id: str) -> _Request:
        with self.lock:
            self._purge()
            item = self._items.get(request_id)
        if item is None:
            raise NotFound("no such verification request (unknown or expired)")
        return item

    def claim(self, request_id: str) -> _Request:
        """Mark the request answered; a second answer (a replay) is refused with 409."""
        with self.lock:
            item = self._items.get(request_id)
            if item is None or item.expires < time.monotonic():
                raise NotFound("no such verification request (unknown or expired)")
            if item.answered:
                raise HTTPException(409, "this request was already answered")
            item.answered = True
            return item

    def _purge(self) -> None:
        now = time.monotonic()
        for key in [k for k, v in self._items.items() if v.expires < now]:
            del self._items[key]


_init_lock = threading.Lock()


@dataclass(frozen=True)
class _Verifier:
    key: Key
    client_id: str
    requests: _Requests


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
        with store.engine.begin() as conn:
            conn.execute(
                meta_table.insert().values(key=VERIFIER_KEY_META, value=_seal(key, secret))
            )
        return key
    except sa.exc.IntegrityError:
        stored = store.get_meta(VERIFIER_KEY_META)
        if stored is None:  # pragma: no cover - the conflicting row cannot vanish
            raise LedgerError("the verifier key could not be stored") from None
        return _unseal(stored, secret)


def get_verifier(request: Request, service: LedgerDep, settings: SettingsDep) -> _Verifier:
    """The application's verifier (key and request state), made on first use."""
    state = request.app.state
    with _init_lock:
        verifier = getattr(state, "verifier", None)
        if not isinstance(verifier, _Verifier):
            key = _verifier_key(service, settings)
            verifier = _Verifier(key, "decentralized_identifier:" + key.did_key(), _Requests())
            state.verifier = verifier
    return verifier


VerifierDep = Annotated[_Verifier, Depends(get_verifier)]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# ------------------------------------------------------------------------------ endpoints


@router.post("/verifier/requests", response_model=RequestCreated, status_code=201)
def create_request(body: CreateRequest, request: Request, verifier: VerifierDep) -> RequestCreated:
    """Create an OID4VP request for a DCQL query; the link carries it by reference (§5.10)."""
    if len(json.dumps(body.dcql_query)) > _MAX_QUERY_BYTES:
        raise InvalidInput("dcql_query is too large")
    query = _parse_query(body.dcql_query)
    item = _Request(
        id=secrets.token_urlsafe(16),
        nonce=secrets.token_urlsafe(24),
        state=secrets.token_urlsafe(16),
        query=query,
        dcql_query=body.dcql_query,
        expires=time.monotonic() + REQUEST_TTL,
    )
    verifier.requests.add(item)
    params = {
        "client_id": verifier.client_id,
        "request_uri": f"{_base(request)}/verifier/requests/{item.id}/object",
    }
    link = "openid4vp://?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
    return RequestCreated(id=item.id, request_uri_link=link)


@router.get("/verifier/requests/{request_id}/object")
def request_object(request_id: str, request: Request, verifier: VerifierDep) -> Response:
    """The signed Request Object (RFC 9101 §4; OID4VP 1.0 §5, §5.9.3, §8.2)."""
    item = verifier.requests.get(request_id)
    now = int(time.time())
    payload = {
        "iss": verifier.client_id,
        "aud": "https://self-issued.me/v2",  # OID4VP 1.0 §5.8: the static audience
        "iat": now,
        "exp": now + REQUEST_TTL,
        "client_id": verifier.client_id,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": f"{_base(request)}/verifier/responses/{item.id}",
        "nonce": item.nonce,
        "state": item.state,
        "dcql_query": item.dcql_query,
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


def _vp_token(text: str | None, queries: tuple[_CredentialQuery, ...]) -> dict[str, str]:
    """Parse ``vp_token`` (OID4VP 1.0 §8.1): one presentation per Credential Query."""
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
    out = {}
    for query_id, presentations in token.items():
        if (
            not isinstance(presentations, list)
            or len(presentations) != 1
            or not isinstance(presentations[0], str)
        ):
            raise InvalidInput(f"'vp_token.{query_id}' must be an array of one presentation")
        out[query_id] = presentations[0]
    return out


@router.post("/verifier/responses/{request_id}")
async def direct_post(
    request_id: str, request: Request, verifier: VerifierDep, issuer: IssuerDep
) -> dict[str, Any]:
    """The ``response_uri`` (OID4VP 1.0 §8.2): verify the wallet's ``vp_token`` once.

    Credential status (draft-ietf-oauth-status-list §8.3) is checked against this service's own
    Status Lists, in-process (:class:`LocalStatusSource`); a foreign list is "unavailable".
    """
    item = verifier.requests.get(request_id)
    raw = await request.body()
    if len(raw) > _MAX_BODY:
        raise InvalidInput("the response body is too large")
    form = _form(raw, request.headers.get("content-type", ""))
    if not secrets.compare_digest(form.get("state", "").encode(), item.state.encode()):
        raise InvalidInput("'state' does not match the request")
    presentations = _vp_token(form.get("vp_token"), item.query)
    verifier.requests.claim(request_id)  # one response per request: a replay gets 409
    checks: list[dict[str, str]] = []
    disclosed: dict[str, Any] = {}
    status_source = LocalStatusSource(issuer, _base(request))
    try:
        for query in item.query:
            result = verify(
                presentations[query.id],
                nonce=item.nonce,
                audience=verifier.client_id,
                status=status_source,
            )
            if result.format != "dc+sd-jwt" or result.kind != "presentation":
                raise InvalidInput(f"{query.id}: not an SD-JWT VC presentation with Key Binding")
            checks += [
                {"check": c.name, "detail": f"{query.id}: {c.detail}"} for c in result.checks
            ]
            disclosed[query.id] = _disclosed_exactly(query, result.claims)
    except Error as exc:
        check = exc.check if isinstance(exc, VerificationError) else "disclosure"
        with verifier.requests.lock:
            item.status = "rejected"
            item.checks = checks
            item.error = {"check": check, "detail": str(exc)}
        raise
    with verifier.requests.lock:
        item.status = "verified"
        item.checks = checks
        item.claims = disclosed
    return {}


@router.get("/verifier/requests/{request_id}", response_model=RequestStatus)
def request_status(request_id: str, verifier: VerifierDep) -> RequestStatus:
    """The request's outcome: ``pending``, ``verified`` (with the disclosed claims) or
    ``rejected`` (with the failed check)."""
    item = verifier.requests.get(request_id)
    with verifier.requests.lock:
        return RequestStatus(
            id=item.id,
            status=item.status,
            claims=item.claims,
            checks=list(item.checks),
            error=item.error,
        )
