"""The application factory: ``create_app(settings)`` builds the Chancery FastAPI application.

On start (the ASGI lifespan) the application opens its ledger with
:func:`~vc_service.service._ledger_service.start_ledger` -- migrations, and on first start the
secret, the root authority key and the ledger itself -- and logs where it listens and the log's
checkpoint verifier key. Errors are RFC 9457 problems (``_errors``). OpenAPI is at ``/docs``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict

from vc_service import __version__

from ._auth import router as auth_router
from ._auth import start_tenants
from ._demo_setup import ensure_demo
from ._errors import PROBLEM_MEDIA_TYPE, install_error_handling
from ._issuer_api import router as issuer_router
from ._ledger_api import LedgerDep
from ._ledger_api import router as ledger_router
from ._ledger_service import LedgerService, start_ledger
from ._settings import Settings, get_settings
from ._vcapi_verify import router as vcapi_router
from ._verifier_api import router as verifier_router

__all__ = ["Health", "Problem", "create_app"]

_log = logging.getLogger("chancery.service")

_DESCRIPTION = """\
Chancery: government verifiable credentials. Agencies issue over OpenID for Verifiable Credential
Issuance (and the W3C VC API), relying parties verify over OpenID for Verifiable Presentations,
and the public ledger serves checkpoints, entries, inclusion and consistency proofs, the registry
state and DID resolution. Tenants authenticate with OAuth 2.0 client credentials
(`POST /oauth/token`). Every error is an RFC 9457 `application/problem+json` document. See
`specs/http-api.md`.
"""


class Problem(BaseModel):
    """RFC 9457 problem details (extension members allowed)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str
    title: str
    status: int
    detail: str
    instance: str


class Health(BaseModel):
    """``GET /healthz``: the service is up and its database answers."""

    model_config = ConfigDict(frozen=True)

    status: str
    origin: str
    size: int


def _listen_url(settings: Settings) -> str:
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"http://{host}:{settings.port}"


def _problem_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI documents request-validation failures as 422 with its own schema; this service
    answers 400 with a problem document, so the schema says so."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema()
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    problem = {
        "description": "Problem details (RFC 9457)",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": problem_ref}},
    }
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses.setdefault("400", problem)
            responses.setdefault("default", problem)
    app.openapi_schema = schema
    return schema


def create_app(settings: Settings | None = None, *, ledger: LedgerService | None = None) -> FastAPI:
    """The Chancery application for ``settings`` (default: :func:`get_settings`).

    The ledger is opened when the application starts (ASGI lifespan) and closed when it stops.
    ``chancery serve`` passes an already started ``ledger`` instead, to report start-up failures
    before it binds the port; the application then closes that one when it stops.
    """
    config = settings if settings is not None else get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = ledger if ledger is not None else start_ledger(config)
        app.state.ledger = service
        try:
            tenants = start_tenants(service, config)
            if config.demo:
                ensure_demo(tenants, config)
        except BaseException:
            service.close()
            raise
        app.state.tenants = tenants
        _log.info("Chancery %s serving ledger %r", __version__, service.ledger.origin)
        _log.info("ledger verifier key: %s", service.ledger.verifier_key())
        _log.info("root authority DID: %s", service.root_did())
        url = _listen_url(config)
        _log.info("listening on %s (API documentation at %s/docs)", url, url)
        try:
            yield
        finally:
            app.state.ledger = None
            app.state.tenants = None
            app.state.issuer = None
            service.close()

    app = FastAPI(
        title="Chancery",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = config
    app.state.ledger = None
    # Endpoints read these through the app_settings dependency.
    install_error_handling(app)

    @app.get("/healthz", response_model=Health, tags=["service"])
    def healthz(service: LedgerDep) -> Health:
        """Liveness and readiness: the ledger's database answers a size query."""
        return Health(status="ok", origin=service.ledger.origin, size=service.ledger.store.size())

    app.include_router(ledger_router)
    app.include_router(auth_router)
    app.include_router(issuer_router)
    app.include_router(verifier_router)
    app.include_router(vcapi_router)

    def openapi() -> dict[str, Any]:
        return _problem_openapi(app)

    app.openapi = openapi  # type: ignore[method-assign]
    return app
