"""RFC 9457 problem details: the one exception handler of the service.

Every error response is ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and ``instance`` (RFC 9457 §3.1). :func:`handle_exception` maps

* the library's :class:`vc_service.Error` hierarchy (and :mod:`zk`'s) to 4xx problems: the caller
  made a mistake and gets a short, precise ``detail`` (the exception's message);
* request-validation errors (a non-integer index, a missing parameter, malformed JSON) to ``400``
  with an ``errors`` list naming each parameter (RFC 9457 §3 "extension members");
* Starlette's HTTP errors (unknown path, method not allowed) to their status;
* storage and ledger outages to ``503`` with a generic ``detail``;
* anything else to a generic ``500`` that reveals nothing of the cause. The cause chain goes to
  the log with an incident id, which the response carries so an operator can find it.

The table of problem types is in ``specs/http-api.md`` §3.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import zk
from vc_service._dids import DIDResolutionError
from vc_service._errors import Error, InvalidInput, ResolutionError, VerificationError
from vc_service.ledger._ledger import AppendError, LedgerError
from vc_service.ledger._state import LedgerRuleError
from vc_service.ledger._store import LedgerBusy, LedgerStoreError

__all__ = [
    "PROBLEM_BASE",
    "PROBLEM_MEDIA_TYPE",
    "CatchAllMiddleware",
    "Forbidden",
    "InsufficientScope",
    "InvalidParameter",
    "NotFound",
    "ServiceError",
    "Unauthorized",
    "handle_exception",
    "install_error_handling",
    "problem_response",
]

_log = logging.getLogger("chancery.service")

PROBLEM_MEDIA_TYPE = "application/problem+json"
#: Problem type URIs are identifiers (RFC 9457 §3.1.1: absolute URIs), not fetched.
PROBLEM_BASE = "https://chancery.local/problems/"
#: DID Resolution errors keep the type URIs that specification defines.
_DID_ERRORS = "https://www.w3.org/ns/did#"


class InvalidParameter(InvalidInput):
    """A request parameter has a well-typed but unacceptable value (400, ``invalid-parameter``).

    ``parameter`` names it as the client sent it, ``location`` is ``query`` or ``path``.
    """

    def __init__(self, parameter: str, message: str, *, location: str = "query") -> None:
        super().__init__(f"{location} parameter {parameter!r}: {message}")
        self.parameter = parameter
        self.location = location
        self.reason = message


class ServiceError(Error):
    """Base of the service layer's own client-facing errors that are not about input."""


class NotFound(ServiceError):
    """The resource asked for does not exist (404, ``not-found``)."""


class Forbidden(ServiceError):
    """The request is understood but this deployment does not allow it (403, ``forbidden``)."""


class Unauthorized(ServiceError):
    """No valid bearer token came with a request that needs one (401, ``unauthorized``).

    The response carries an RFC 6750 §3 ``WWW-Authenticate: Bearer`` challenge; ``error`` is
    ``invalid_token`` when a token was sent but is unknown or expired (§3.1), else absent.
    """

    def __init__(self, message: str, *, error: str | None = None) -> None:
        super().__init__(message)
        self.error = error


class InsufficientScope(Forbidden):
    """The bearer token is valid but lacks the scope the endpoint needs (RFC 6750 §3.1)."""

    def __init__(self, scope: str) -> None:
        super().__init__(f"this request needs the {scope!r} scope")
        self.scope = scope


# ------------------------------------------------------------------------------ DID errors

# DID Resolution v1.0, "HTTP(S) Binding": the status of each resolution error. One deviation
# (specs/http-api.md §4.9): methodNotSupported is 400, not 501, since asking a resolver for a
# method it does not serve is the client's mistake and never a server fault here.
_DID_ERROR_TABLE: Mapping[str, tuple[int, str, str]] = {
    "invalidDid": (400, "INVALID_DID", "Invalid DID"),
    "invalidDidUrl": (400, "INVALID_DID_URL", "Invalid DID URL"),
    "invalidOptions": (400, "INVALID_OPTIONS", "Invalid resolution options"),
    "methodNotSupported": (400, "METHOD_NOT_SUPPORTED", "DID method not supported"),
    "notFound": (404, "NOT_FOUND", "DID not found"),
    "invalidPublicKey": (400, "INVALID_PUBLIC_KEY", "Invalid public key"),
    "invalidPublicKeyLength": (400, "INVALID_PUBLIC_KEY_LENGTH", "Invalid public key length"),
    "unsupportedPublicKeyType": (
        400,
        "UNSUPPORTED_PUBLIC_KEY_TYPE",
        "Unsupported public key type",
    ),
}


def _did_problem(exc: DIDResolutionError) -> tuple[int, str, str, dict[str, Any]]:
    status, code, title = _DID_ERROR_TABLE.get(
        exc.code, (500, "INTERNAL_ERROR", "DID resolution failed")
    )
    type_uri = _DID_ERRORS + code
    detail = str(exc) if status < 500 else "the DID could not be resolved"
    # The body is both a problem document and a DID resolution result (DID Resolution v1.0
    # "DID Resolution Result": the error sits in didResolutionMetadata), so a resolver client
    # and a problem-details client can each read it.
    extra = {
        "didDocument": None,
        "didDocumentMetadata": {},
        "didResolutionMetadata": {"error": {"type": type_uri, "title": title, "detail": detail}},
    }
    return status, type_uri, title, extra


def _did_response(request: Request, exc: DIDResolutionError) -> JSONResponse:
    status, type_uri, title, extra = _did_problem(exc)
    if status >= 500:
        incident = str(uuid.uuid4())
        _log.error("incident %s: DID resolution failed", incident, exc_info=exc)
        extra["incident"] = incident
    else:
        _log.info("%s %s -> %d: %s", request.method, request.url.path, status, _cause_chain(exc))
    return problem_response(
        request,
        status=status,
        type_uri=type_uri,
        title=title,
        detail=extra["didResolutionMetadata"]["error"]["detail"],
        extra=extra,
    )


# ------------------------------------------------------------------------------ the table

# (exception class, status, problem slug, title); the first matching row wins, so subclasses
# come before their bases.
_TABLE: Sequence[tuple[type[BaseException], int, str, str]] = (
    (InvalidParameter, 400, "invalid-parameter", "Invalid request parameter"),
    (NotFound, 404, "not-found", "Not found"),
    (Unauthorized, 401, "unauthorized", "Authentication required"),
    (InsufficientScope, 403, "insufficient-scope", "Insufficient scope"),
    (Forbidden, 403, "forbidden", "Not allowed"),
    (AppendError, 409, "entry-refused", "Ledger entry refused"),
    (LedgerRuleError, 409, "ledger-rule", "Refused by a ledger rule"),
    (LedgerBusy, 503, "ledger-busy", "The ledger is busy"),
    (LedgerStoreError, 503, "storage-unavailable", "Storage unavailable"),
    # A database error outside the ledger store (a lock held past the busy timeout, a lost
    # connection): the request may be retried; the details stay in the log.
    (sa_exc.OperationalError, 503, "storage-unavailable", "Storage unavailable"),
    (LedgerError, 503, "ledger-unavailable", "Ledger unavailable"),
    (VerificationError, 422, "verification-failed", "Verification failed"),
    (InvalidInput, 400, "invalid-input", "Invalid input"),
    (ResolutionError, 400, "resolution-failed", "Resolution failed"),
    (zk.VerificationError, 422, "verification-failed", "Verification failed"),
    (zk.InvalidInput, 400, "invalid-input", "Invalid input"),
    (zk.Error, 400, "invalid-input", "Invalid input"),
    (Error, 400, "request-failed", "Request failed"),
)

#: Server-side conditions: the client gets the title only; the message goes to the log.
_GENERIC_DETAIL = {
    503: "the service is temporarily unavailable; try again later",
    500: "an unexpected error occurred; quote the incident id to the operator",
}


def _cause_chain(exc: BaseException) -> str:
    parts = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(f"{type(current).__name__}: {current}")
        # What the traceback would show: the explicit cause, else the implicit context unless
        # the code said "from None".
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return " <- ".join(parts)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    """One entry per failed field, naming it; never the raw input or pydantic's internals."""
    out = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        message = str(error.get("msg", "invalid"))
        if loc and loc[0] == "body":
            # RFC 9457 §3 example: a JSON pointer into the request body.
            out.append({"pointer": "#/" + "/".join(loc[1:]), "detail": message})
        elif len(loc) >= 2:
            out.append({"in": loc[0], "parameter": loc[1], "detail": message})
        else:
            out.append({"detail": message})
    return out


def _describe_validation(errors: Sequence[Mapping[str, str]]) -> str:
    described = []
    for error in errors[:5]:
        if "parameter" in error:
            described.append(f"{error['in']} parameter {error['parameter']!r}: {error['detail']}")
        elif "pointer" in error:
            described.append(f"body {error['pointer']}: {error['detail']}")
        else:
            described.append(error["detail"])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(described) + more if described else "the request is not valid"


def problem_response(
    request: Request,
    *,
    status: int,
    type_uri: str,
    title: str,
    detail: str,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """An RFC 9457 ``application/problem+json`` response; ``instance`` is the request path."""
    body: dict[str, Any] = {
        "type": type_uri,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if extra:
        body.update(extra)
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=dict(headers or {})
    )


def _unexpected(request: Request, exc: BaseException) -> JSONResponse:
    incident = str(uuid.uuid4())
    _log.error(
        "incident %s: %s %s failed unexpectedly",
        incident,
        request.method,
        request.url.path,
        exc_info=exc,
    )
    return problem_response(
        request,
        status=500,
        type_uri=PROBLEM_BASE + "internal-error",
        title="Internal error",
        detail=_GENERIC_DETAIL[500],
        extra={"incident": incident},
    )


def handle_exception(request: Request, exc: Exception) -> Response:
    """The service's one exception handler: ``exc`` as an RFC 9457 problem response."""
    if isinstance(exc, RequestValidationError):
        errors = _validation_errors(exc)
        detail = _describe_validation(errors)
        _log.info("%s %s -> 400: %s", request.method, request.url.path, detail)
        return problem_response(
            request,
            status=400,
            type_uri=PROBLEM_BASE + "invalid-request",
            title="Invalid request",
            detail=detail,
            extra={"errors": errors},
        )
    if isinstance(exc, StarletteHTTPException):
        status = exc.status_code
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        detail = exc.detail if isinstance(exc.detail, str) else phrase
        if status >= 500:
            return _unexpected(request, exc)
        # RFC 9457 §4.2.1: "about:blank" means "no more than the HTTP status says", with the
        # status phrase as its title.
        return problem_response(
            request,
            status=status,
            type_uri="about:blank",
            title=phrase,
            detail=detail,
            headers=exc.headers,
        )
    if isinstance(exc, DIDResolutionError):
        return _did_response(request, exc)
    row = next((row for row in _TABLE if isinstance(exc, row[0])), None)
    if row is None:
        return _unexpected(request, exc)
    _, status, slug, title = row
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if status >= 500:
        # The message may name hosts, tables or SQL: the caller gets none of it.
        detail = _GENERIC_DETAIL[503]
        _log.error("%s %s -> %d %s", request.method, request.url.path, status, slug, exc_info=exc)
        if isinstance(exc, LedgerBusy | sa_exc.OperationalError):
            headers["Retry-After"] = "1"
    else:
        detail = str(exc) or title
        _log.info(
            "%s %s -> %d %s: %s",
            request.method,
            request.url.path,
            status,
            slug,
            _cause_chain(exc),
        )
    if isinstance(exc, Unauthorized):
        challenge = 'Bearer realm="chancery"'
        if exc.error:
            challenge += f', error="{exc.error}"'
        headers["WWW-Authenticate"] = challenge
    if isinstance(exc, InsufficientScope):
        headers["WWW-Authenticate"] = (
            f'Bearer realm="chancery", error="insufficient_scope", scope="{exc.scope}"'
        )
    if isinstance(exc, InvalidParameter):
        extra["errors"] = [{"in": exc.location, "parameter": exc.parameter, "detail": exc.reason}]
    if isinstance(exc, LedgerRuleError):
        extra["rule"] = exc.rule
    elif isinstance(exc, AppendError) and isinstance(exc.__cause__, LedgerRuleError):
        # A refused entry of a batch: name the ledger rule that refused it.
        extra["rule"] = exc.__cause__.rule
    if isinstance(exc, VerificationError | zk.VerificationError):
        extra["check"] = getattr(exc, "check", "proof")
    return problem_response(
        request,
        status=status,
        type_uri=PROBLEM_BASE + slug,
        title=title,
        detail=detail,
        extra=extra,
        headers=headers,
    )


class CatchAllMiddleware:
    """Turn any exception that escaped the routes into :func:`handle_exception`'s response.

    Starlette's own last-resort handler answers 500 and then re-raises; this one answers with the
    generic problem and stops the exception there, after :func:`handle_exception` has logged it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self._app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise  # too late for a problem response: the status line is out
            response = handle_exception(Request(scope, receive), exc)
            await response(scope, receive, send)


def install_error_handling(app: Any) -> None:
    """Register :func:`handle_exception` for every error class it maps, and the catch-all."""

    async def handler(request: Request, exc: Exception) -> Response:
        return handle_exception(request, exc)

    typed: Callable[[Request, Exception], Awaitable[Response]] = handler
    for cls in (RequestValidationError, StarletteHTTPException, Error, zk.Error):
        app.add_exception_handler(cls, typed)
    app.add_middleware(CatchAllMiddleware)
