"""``chancery serve [--host H] [--port P] [--db URL]``: run the HTTP service under uvicorn.

This module is imported by ``vc_service._cli`` to register the command, so it imports nothing
heavy at module level: FastAPI, uvicorn and the application load inside the handler only, and
``chancery --version`` stays fast.

The ledger is opened before the port is bound, so a start-up failure (production mode without a
secret, a database that cannot be migrated) is one line on standard error and a non-zero exit,
not a traceback from inside the server.
"""

from __future__ import annotations

import argparse
import copy
import logging
import logging.config
from typing import Any

from vc_service._errors import InvalidInput

__all__ = ["add_serve_command", "logging_config", "run_serve"]


def add_serve_command(commands: Any) -> None:
    """Register ``chancery serve`` on the top-level subparsers."""
    serve = commands.add_parser(
        "serve",
        help="run the HTTP service (ledger API, DID resolution; OpenAPI at /docs)",
        description=(
            "Run the Chancery HTTP service. Settings come from CHANCERY_* environment "
            "variables (specs/http-api.md); these options override them. On first start it "
            "creates ./var/, the ledger secret, the database schema and the ledger."
        ),
    )
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000)")
    serve.add_argument(
        "--db", help="database URL or SQLite file path (default sqlite:///./var/chancery.db)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="worker processes (default 1; the state they share is in the database)",
    )
    serve.add_argument(
        "--demo",
        action="store_true",
        help="on first start, create the demonstration agencies and bank "
        "(credentials in var/demo-credentials.json)",
    )
    serve.set_defaults(handler=run_serve)


class AccessLogFormatter(logging.Formatter):
    """One line per request: ``INFO:     client - "METHOD path HTTP/1.1" 200``.

    uvicorn's own access formatter copies every record and looks up colours and the status
    phrase; at a few thousand requests per second that was a sixth of the CPU of a small
    request. This one formats the five arguments uvicorn logs, and nothing else.
    """

    def format(self, record: logging.LogRecord) -> str:
        args = record.args
        if not isinstance(args, tuple) or len(args) != 5:
            return super().format(record)
        client, method, path, version, status = args
        return f'{record.levelname}:     {client} - "{method} {path} HTTP/{version}" {status}'


def logging_config() -> dict[str, Any]:
    """uvicorn's logging configuration plus the service's own logger (``chancery``)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["access"] = {"()": f"{__name__}.AccessLogFormatter"}
    loggers = config.setdefault("loggers", {})
    loggers["chancery"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    # Alembic narrates its context set-up at INFO; the service logs the revision itself.
    loggers["alembic"] = {"handlers": ["default"], "level": "WARNING", "propagate": False}
    return config


def _settings_error(exc: Any) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ())) or "settings"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "invalid settings: " + "; ".join(parts)


def run_serve(args: argparse.Namespace) -> int:
    """Start the ledger, then serve the application until interrupted."""
    import uvicorn
    from pydantic import ValidationError

    from ._app import create_app
    from ._http_protocol import NoDelayHttpToolsProtocol
    from ._ledger_service import start_ledger
    from ._settings import Settings

    overrides = {
        name: value
        for name, value in (
            ("host", args.host),
            ("port", args.port),
            ("db_url", args.db),
            ("workers", getattr(args, "workers", None)),
        )
        if value is not None
    }
    if getattr(args, "demo", False):
        overrides["demo"] = True
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise InvalidInput(_settings_error(exc)) from None
    logging.config.dictConfig(logging_config())
    service = start_ledger(settings)
    if settings.workers > 1:
        return _serve_workers(settings, service)
    try:
        app = create_app(settings, ledger=service)
        # log_config=None: the configuration above (uvicorn's own plus ours) stays in force.
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            http=NoDelayHttpToolsProtocol,
            loop="auto",
        )
    finally:
        service.close()
    return 0


def _serve_workers(settings: Any, service: Any) -> int:
    """Several uvicorn worker processes, each with its own application and connections.

    What must happen once (migrations, the ledger, the root client, the demonstration set-up)
    happens here, before the workers start; each worker then opens the existing ledger. The
    settings reach the workers as ``CHANCERY_*`` environment variables.
    """
    import os

    import uvicorn

    from ._auth import start_tenants
    from ._demo_setup import ensure_demo
    from ._http_protocol import NoDelayHttpToolsProtocol

    try:
        tenants = start_tenants(service, settings)
        if settings.demo:
            ensure_demo(tenants, settings)
    finally:
        service.close()
    for name, value in settings.model_dump().items():
        if value is not None:
            os.environ[f"CHANCERY_{name.upper()}"] = str(value)
    # The workers must not repeat the set-up (and must not race each other doing it).
    os.environ["CHANCERY_DEMO"] = "false"
    uvicorn.run(
        "vc_service.service._app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=logging_config(),
        http=NoDelayHttpToolsProtocol,
        loop="auto",
    )
    return 0
