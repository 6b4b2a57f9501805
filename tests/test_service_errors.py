"""RFC 9457 problem responses: the error mapping, the generic 500, and "no input gives a 5xx".

The mapping tests mount small routes that raise each kind of error on a real application; the
sweep sends every bad input we can name to every endpoint, and Hypothesis sends random paths
and query strings. The service-layer packages stay out of the library layer (checked here by
reading the imports, besides import-linter).
"""

from __future__ import annotations

import ast
import logging
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from starlette.exceptions import StarletteDeprecationWarning

import zk
from vc_service._dids import DIDResolutionError
from vc_service._errors import (
    Error,
    InvalidCredential,
    InvalidInput,
    ResolutionError,
    Revoked,
    UntrustedIssuer,
)
from vc_service._keys import Key
from vc_service.ledger._ledger import AppendError, LedgerError
from vc_service.ledger._state import LedgerRuleError
from vc_service.ledger._store import LedgerBusy, LedgerStoreError
from vc_service.service import Settings, create_app
from vc_service.service._errors import Forbidden, InvalidParameter, NotFound
from vc_service.service._ledger_service import LedgerService

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 package for its test client and warns that httpx, which
    # the project pins, is deprecated there; the client works the same.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parent.parent
PROBLEMS = "https://chancery.local/problems/"


class _Body(BaseModel):
    count: int
    name: str


def _raiser(exc: BaseException) -> Callable[[], None]:
    def route() -> None:
        raise exc

    return route


def _app(tmp_path: Path) -> FastAPI:
    settings = Settings(
        db_url=f"sqlite:///{tmp_path / 'errors.db'}",
        var_dir=tmp_path / "var",
        mode="development",
        ledger_secret_file=None,
        page_size=3,
    )
    return create_app(settings)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A started application with a few entries and a checkpoint, plus routes that raise."""
    app = _app(tmp_path_factory.mktemp("errors"))
    for name, exc in _RAISING.items():
        app.add_api_route(f"/raise/{name}", _raiser(exc[0]), methods=["GET"])

    def take_body(body: _Body) -> dict[str, Any]:
        return body.model_dump()

    app.add_api_route("/body", take_body, methods=["POST"])
    with TestClient(app) as test_client:
        service = app.state.ledger
        assert isinstance(service, LedgerService)
        keys = [Key.generate("ed25519") for _ in range(4)]
        with service.lock:
            service.ledger.append([service.ledger.make_entries(k, "did", [{}])[0] for k in keys])
        service.ledger.checkpoint()
        yield test_client


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["instance"], str) and body["instance"].startswith("/")
    return body


# --------------------------------------------------------------------------- the mapping


def _chained() -> RuntimeError:
    try:
        try:
            rows: dict[str, int] = {}
            rows["database password hunter2"]  # noqa: B018 - the KeyError is the point
        except KeyError as inner:
            raise ValueError("decoding the row failed") from inner
    except ValueError as middle:
        try:
            raise RuntimeError("internal state 0xdeadbeef") from middle
        except RuntimeError as outer:
            return outer
    raise AssertionError("unreachable")


# name -> (exception, status, type URI, text the detail contains or None for generic)
_RAISING: dict[str, tuple[BaseException, int, str, str | None]] = {
    "invalid-input": (InvalidInput("the nonce is empty"), 400, PROBLEMS + "invalid-input", "nonce"),
    "invalid-credential": (
        InvalidCredential("must be a string", path="/issuer"),
        400,
        PROBLEMS + "invalid-input",
        "/issuer: must be a string",
    ),
    "invalid-parameter": (
        InvalidParameter("index", "must be less than size (3)"),
        400,
        PROBLEMS + "invalid-parameter",
        "'index'",
    ),
    "not-found": (NotFound("no such offer"), 404, PROBLEMS + "not-found", "no such offer"),
    "forbidden": (Forbidden("not in production"), 403, PROBLEMS + "forbidden", "production"),
    "revoked": (
        Revoked("the credential is revoked"),
        422,
        PROBLEMS + "verification-failed",
        "revoked",
    ),
    "untrusted": (
        UntrustedIssuer("unknown issuer"),
        422,
        PROBLEMS + "verification-failed",
        "issuer",
    ),
    "rule": (
        LedgerRuleError("duplicate DID", rule="did-unique"),
        409,
        PROBLEMS + "ledger-rule",
        "duplicate",
    ),
    "append": (
        AppendError("entry 0 refused: duplicate", position=0, receipts=()),
        409,
        PROBLEMS + "entry-refused",
        "refused",
    ),
    "resolution": (
        ResolutionError("no such method"),
        400,
        PROBLEMS + "resolution-failed",
        "method",
    ),
    "did-not-found": (
        DIDResolutionError("no such DID", code="notFound"),
        404,
        "https://www.w3.org/ns/did#NOT_FOUND",
        "no such DID",
    ),
    "did-internal": (
        DIDResolutionError("resolver crashed on host db-7", code="internalError"),
        500,
        "https://www.w3.org/ns/did#INTERNAL_ERROR",
        None,
    ),
    "zk-input": (zk.InvalidInput("bad point encoding"), 400, PROBLEMS + "invalid-input", "point"),
    "zk-verify": (
        zk.VerificationError("proof fails"),
        422,
        PROBLEMS + "verification-failed",
        "proof",
    ),
    "base-error": (
        Error("something about the request"),
        400,
        PROBLEMS + "request-failed",
        "request",
    ),
    "storage": (
        LedgerStoreError("connection to db-7.internal failed: password hunter2"),
        503,
        PROBLEMS + "storage-unavailable",
        None,
    ),
    "busy": (LedgerBusy("locked by another writer"), 503, PROBLEMS + "ledger-busy", None),
    "ledger": (
        LedgerError("secret file /etc/chancery/x missing"),
        503,
        PROBLEMS + "ledger-unavailable",
        None,
    ),
    "http-404": (HTTPException(404, "no such thing"), 404, "about:blank", "no such thing"),
    "http-500": (HTTPException(500, "oops at db-7"), 500, PROBLEMS + "internal-error", None),
    "unexpected": (_chained(), 500, PROBLEMS + "internal-error", None),
    "type-error": (
        TypeError("'NoneType' object is not subscriptable"),
        500,
        PROBLEMS + "internal-error",
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(_RAISING), ids=sorted(_RAISING))
def test_each_error_kind_maps_to_its_problem(client: TestClient, name: str) -> None:
    exc, status, type_uri, fragment = _RAISING[name]
    body = _problem(client.get(f"/raise/{name}"), status)
    assert body["type"] == type_uri
    assert body["instance"] == f"/raise/{name}"
    if fragment is not None:
        assert fragment in body["detail"]
    else:
        # Server-side failures tell the caller nothing of the cause.
        assert str(exc) not in body["detail"]
        for secret in ("hunter2", "db-7", "0xdeadbeef", "/etc/chancery", "NoneType"):
            assert secret not in str(body)


def test_verification_problems_name_the_failed_check(client: TestClient) -> None:
    assert _problem(client.get("/raise/revoked"), 422)["check"] == "status"
    assert _problem(client.get("/raise/untrusted"), 422)["check"] == "issuer-trust"


def test_refused_entries_name_the_ledger_rule(client: TestClient) -> None:
    assert _problem(client.get("/raise/rule"), 409)["rule"] == "did-unique"


def test_a_busy_ledger_says_when_to_retry(client: TestClient) -> None:
    response = client.get("/raise/busy")
    _problem(response, 503)
    assert response.headers["retry-after"] == "1"


def test_an_unexpected_error_is_a_generic_500_with_the_cause_chain_in_the_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="chancery.service"):
        body = _problem(client.get("/raise/unexpected"), 500)
    assert body["title"] == "Internal error"
    incident = body["incident"]
    assert re.fullmatch(r"[0-9a-f-]{36}", incident)
    records = [r for r in caplog.records if incident in r.getMessage()]
    assert len(records) == 1 and records[0].levelno == logging.ERROR
    logged = caplog.text
    # The whole chain reaches the operator: outer error, its cause, and the cause's cause.
    for text in ("internal state 0xdeadbeef", "decoding the row failed", "hunter2"):
        assert text in logged


def test_client_errors_log_their_cause_chain_at_info(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="chancery.service"):
        _problem(client.get("/raise/did-not-found"), 404)
    assert "DIDResolutionError: no such DID" in caplog.text
    assert all(r.levelno < logging.WARNING for r in caplog.records if r.name == "chancery.service")


def test_did_problems_are_also_did_resolution_results(client: TestClient) -> None:
    body = _problem(client.get("/raise/did-not-found"), 404)
    assert body["didDocument"] is None and body["didDocumentMetadata"] == {}
    error = body["didResolutionMetadata"]["error"]
    assert error["type"] == body["type"] and error["detail"] == body["detail"]


def test_unknown_paths_and_methods_are_problems_too(client: TestClient) -> None:
    missing = _problem(client.get("/no/such/path"), 404)
    assert missing["type"] == "about:blank" and missing["title"] == "Not Found"
    response = client.delete("/ledger/state")
    wrong = _problem(response, 405)
    assert wrong["title"] == "Method Not Allowed"
    assert response.headers["allow"] == "GET"


@pytest.mark.parametrize(
    ("content", "pointer"),
    [
        (b"{not json", None),
        (b'{"count": "many", "name": "x"}', "#/count"),
        (b'{"count": 1}', "#/name"),
        (b"[]", None),
        ('{"count": 1, "name": "\u00e9"'.encode(), None),
    ],
    ids=["malformed", "wrong-type", "missing-member", "not-an-object", "truncated"],
)
def test_malformed_or_mistyped_bodies_are_400_with_a_pointer(
    client: TestClient, content: bytes, pointer: str | None
) -> None:
    response = client.post("/body", content=content, headers={"Content-Type": "application/json"})
    body = _problem(response, 400)
    assert body["type"] == PROBLEMS + "invalid-request"
    assert body["errors"] and all("detail" in e for e in body["errors"])
    if pointer is not None:
        assert pointer in [e.get("pointer") for e in body["errors"]]
    # The raw input is never echoed back inside the error list.
    assert all(set(e) <= {"pointer", "detail", "in", "parameter"} for e in body["errors"])


# --------------------------------------------------------------------------- bad-input sweep

_BIG = str(2**64)
# (method, path, params, expected status, the parameter the problem must name or None)
_SWEEP: list[tuple[str, str, dict[str, str], int, str | None]] = [
    ("GET", "/ledger/entries", {"start": "x"}, 400, "start"),
    ("GET", "/ledger/entries", {"start": "-1"}, 400, "start"),
    ("GET", "/ledger/entries", {"start": "1.5"}, 400, "start"),
    ("GET", "/ledger/entries", {"start": _BIG}, 400, "start"),
    ("GET", "/ledger/entries", {"start": "99"}, 400, "start"),
    ("GET", "/ledger/entries", {"end": "y"}, 400, "end"),
    ("GET", "/ledger/entries", {"start": "3", "end": "1"}, 400, "end"),
    ("GET", "/ledger/entries", {"end": "-5"}, 400, "end"),
    ("GET", "/ledger/entries/x", {}, 400, "index"),
    ("GET", "/ledger/entries/-1", {}, 400, "index"),
    ("GET", "/ledger/entries/99", {}, 404, None),
    ("GET", f"/ledger/entries/{_BIG}", {}, 400, "index"),
    ("GET", "/ledger/entries/1e3", {}, 400, "index"),
    ("GET", "/ledger/proofs/inclusion", {}, 400, "index"),
    ("GET", "/ledger/proofs/inclusion", {"index": "a"}, 400, "index"),
    ("GET", "/ledger/proofs/inclusion", {"index": "-1"}, 400, "index"),
    ("GET", "/ledger/proofs/inclusion", {"index": "99"}, 400, "index"),
    ("GET", "/ledger/proofs/inclusion", {"index": _BIG}, 400, "index"),
    ("GET", "/ledger/proofs/inclusion", {"index": "0", "size": "0"}, 400, "size"),
    ("GET", "/ledger/proofs/inclusion", {"index": "3", "size": "2"}, 400, "index"),
    ("GET", "/ledger/proofs/inclusion", {"index": "2", "size": "2"}, 400, "index"),
    ("GET", "/ledger/proofs/inclusion", {"index": "0", "size": "99"}, 400, "size"),
    ("GET", "/ledger/proofs/inclusion", {"index": "0", "size": "b"}, 400, "size"),
    ("GET", "/ledger/proofs/inclusion", {"index": "0", "size": _BIG}, 400, "size"),
    ("GET", "/ledger/proofs/consistency", {}, 400, "from"),
    ("GET", "/ledger/proofs/consistency", {"from": "z"}, 400, "from"),
    ("GET", "/ledger/proofs/consistency", {"from": "-2"}, 400, "from"),
    ("GET", "/ledger/proofs/consistency", {"from": "4", "to": "2"}, 400, "from"),
    ("GET", "/ledger/proofs/consistency", {"from": "99"}, 400, "from"),
    ("GET", "/ledger/proofs/consistency", {"from": "0", "to": "99"}, 400, "to"),
    ("GET", "/ledger/proofs/consistency", {"from": "0", "to": _BIG}, 400, "to"),
    ("GET", "/ledger/proofs/consistency", {"from": _BIG}, 400, "from"),
    ("GET", "/1.0/identifiers/not-a-did", {}, 400, None),
    ("GET", "/1.0/identifiers/", {}, 400, None),
    ("GET", "/1.0/identifiers/did:key:z6Mk", {}, 400, None),
    (
        "GET",
        "/1.0/identifiers/did:key:zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        {},
        400,
        None,
    ),
    ("GET", "/1.0/identifiers/did:jwk:!!!", {}, 400, None),
    ("GET", "/1.0/identifiers/did:jwk:e30", {}, 400, None),
    ("GET", "/1.0/identifiers/did:chancery:abc", {}, 400, None),
    ("GET", "/1.0/identifiers/did:chancery:x/y?z", {}, 400, None),
    ("GET", "/1.0/identifiers/" + "did:key:" + "z" * 5000, {}, 400, None),
    ("GET", "/1.0/identifiers/did:key:z6Mk%00", {}, 400, None),
    ("GET", "/1.0/identifiers/did:web:example.com", {}, 400, None),
    (
        "GET",
        "/1.0/identifiers/did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        {"versionTime": "soon"},
        400,
        None,
    ),
    (
        "GET",
        "/1.0/identifiers/did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        {"versionTime": "x" * 100},
        400,
        "versionTime",
    ),
    ("GET", "/ledger/checkpoint", {"unexpected": "1"}, 200, None),
    ("POST", "/ledger/entries", {}, 405, None),
    ("PUT", "/ledger/checkpoint", {}, 405, None),
    ("DELETE", "/healthz", {}, 405, None),
    ("POST", "/ledger/state", {}, 405, None),
    ("PATCH", "/ledger", {}, 405, None),
    ("POST", "/ledger/proofs/inclusion", {}, 405, None),
    ("POST", "/ledger/proofs/consistency", {}, 405, None),
    ("POST", "/ledger/entries/0", {}, 405, None),
    ("POST", "/1.0/identifiers/did:key:z6Mk", {}, 405, None),
    # The verifier: asking and reading take a relying party's token (401 without one); the
    # request object and the wallet's answer are public, by their unguessable id.
    ("GET", "/verifier/requests/unknown", {}, 401, None),
    ("GET", "/verifier/requests/" + "x" * 5000, {}, 401, None),
    ("GET", "/verifier/requests/unknown/object", {}, 404, None),
    ("GET", "/verifier/requests/" + "x" * 5000 + "/object", {}, 404, None),
    ("POST", "/verifier/responses/unknown", {}, 404, None),
    ("POST", "/verifier/responses/" + "x" * 5000, {}, 404, None),
    ("POST", "/verifier/requests", {}, 401, None),
    ("DELETE", "/verifier/requests/unknown", {}, 405, None),
    ("PUT", "/verifier/responses/unknown", {}, 405, None),
    ("GET", "/status-lists/unknown", {}, 404, None),
    ("GET", "/status-lists/" + "x" * 5000, {}, 404, None),
    ("DELETE", "/status-lists/unknown", {}, 405, None),
    # Tenant endpoints: without a bearer token, 401 before the body is read (bad bodies with a
    # token: tests/test_service_tenants.py).
    ("POST", "/credentials/status", {}, 401, None),
    ("POST", "/credentials/status", {"status": "revoked"}, 401, None),
    ("GET", "/credentials/status", {}, 405, None),
    ("POST", "/credentials/issue", {}, 401, None),
    ("GET", "/credentials/issue", {}, 405, None),
    ("POST", "/issuer/offers", {}, 401, None),
    ("GET", "/issuer/offers/unknown-offer", {}, 404, None),
    ("GET", "/issuer/offers/" + "x" * 5000, {}, 404, None),
    ("GET", "/issuer/offers/unknown-offer/qr.svg", {}, 404, None),
    ("GET", "/issuer/offers/unknown-offer/qr.gif", {}, 404, None),
    ("POST", "/issuer/credential-types", {}, 401, None),
    ("POST", "/admin/tenants", {}, 401, None),
    ("GET", "/admin/tenants", {}, 401, None),
    ("DELETE", "/admin/tenants", {}, 405, None),
    ("POST", "/admin/accreditations", {}, 401, None),
    ("GET", "/oauth/token", {}, 405, None),
    ("GET", "/status-lists/unknown/revocation", {}, 404, None),
    ("GET", "/status-lists/unknown/anything", {}, 404, None),
    ("PUT", "/oauth/token", {}, 405, None),
    ("GET", "/admin/accreditations", {}, 405, None),
    ("GET", "/issuer/credential-types", {}, 405, None),
    ("POST", "/status-lists/unknown/revocation", {}, 405, None),
    ("POST", "/credentials/verify", {}, 401, None),
    ("GET", "/credentials/verify", {}, 405, None),
    ("POST", "/presentations/verify", {}, 401, None),
    ("GET", "/presentations/verify", {}, 405, None),
]


def test_the_sweep_reaches_every_endpoint(client: TestClient) -> None:
    """A new route without bad-input cases in the sweep fails here."""
    routes = {
        getattr(route, "path", "")
        for route in client.app.routes  # type: ignore[attr-defined]
        if not getattr(route, "path", "/raise").startswith(
            ("/raise", "/body", "/docs", "/redoc", "/openapi")
        )
    }
    swept = set()
    for _, path, *_rest in _SWEEP:
        for route in routes:
            pattern = re.sub(r"\\\{[a-z_]+(:path)?\\\}", ".*", re.escape(route))
            if re.fullmatch(pattern, path.split("?")[0]):
                swept.add(route)
    assert routes == swept


@pytest.mark.parametrize(
    ("method", "path", "params", "status", "parameter"),
    _SWEEP,
    ids=[f"{m} {p[:50]} {sorted(q.items())}" for m, p, q, _, _ in _SWEEP],
)
def test_bad_input_is_a_4xx_problem_naming_the_parameter(
    client: TestClient,
    method: str,
    path: str,
    params: dict[str, str],
    status: int,
    parameter: str | None,
) -> None:
    response = client.request(method, path, params=params)
    assert response.status_code < 500, response.text
    if status == 200:
        assert response.status_code == 200  # unknown query parameters are ignored
        return
    body = _problem(response, status)
    if parameter is not None:
        named = [e.get("parameter") for e in body.get("errors", [])]
        assert parameter in named, body
        assert repr(parameter) in body["detail"]


_PREFIXES = [
    "/",
    "/healthz/",
    "/ledger/",
    "/ledger/entries/",
    "/ledger/proofs/",
    "/ledger/proofs/inclusion/",
    "/1.0/identifiers/",
    "/1.0/identifiers/did:",
    "/1.0/identifiers/did:key:z",
    "/1.0/identifiers/did:chancery:",
    "/1.0/identifiers/did:jwk:",
]
_ROUTES = [
    "/ledger/entries",
    "/ledger/proofs/inclusion",
    "/ledger/proofs/consistency",
    "/ledger/checkpoint",
    "/ledger/state",
    "/ledger",
    "/healthz",
]
_PARAMETERS = ["start", "end", "index", "size", "from", "to", "versionTime"]
# codec="utf-8" leaves out lone surrogates, which no URL can carry.
_text = st.text(st.characters(codec="utf-8"), max_size=30)
_number_like = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    _text,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "GET", "GET", "POST", "PUT", "DELETE"]),
    prefix=st.sampled_from(_PREFIXES),
    segment=_text,
)
def test_random_paths_never_give_a_5xx(
    client: TestClient, method: str, prefix: str, segment: str
) -> None:
    response = client.request(method, prefix + quote(segment, safe=""))
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == response.status_code


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    route=st.sampled_from(_ROUTES),
    params=st.dictionaries(
        st.one_of(st.sampled_from(_PARAMETERS), _text), _number_like, max_size=4
    ),
)
def test_random_query_strings_never_give_a_5xx(
    client: TestClient, route: str, params: dict[str, str]
) -> None:
    response = client.get(route, params=params)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        body = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert body["status"] == response.status_code and body["detail"]


# --------------------------------------------------------------------------- OpenAPI, layering


def test_openapi_documents_problem_responses(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "Problem" in schema["components"]["schemas"]
    entries = schema["paths"]["/ledger/entries"]["get"]["responses"]
    assert "422" not in entries
    assert "application/problem+json" in entries["400"]["content"]
    assert client.get("/docs").status_code == 200


_SERVICE_ONLY = ("vc_service.service", "fastapi", "starlette", "uvicorn", "alembic")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_the_library_layer_never_imports_the_service() -> None:
    """Only the service package and the command line may import the web stack."""
    offenders = {}
    for path in sorted((REPO / "vc_service").rglob("*.py")):
        relative = path.relative_to(REPO / "vc_service")
        if relative.parts[0] == "service" or relative.name == "_cli.py":
            continue
        bad = sorted(
            name
            for name in _imports(path)
            if any(name == top or name.startswith(top + ".") for top in _SERVICE_ONLY)
        )
        if bad:
            offenders[str(relative)] = bad
    assert offenders == {}
