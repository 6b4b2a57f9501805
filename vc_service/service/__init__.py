"""The Chancery HTTP service (the service layer: FastAPI, SQLAlchemy, Alembic).

* :func:`create_app` -- the application factory (``chancery serve`` runs it under uvicorn);
* :class:`Settings` / :func:`get_settings` -- configuration from ``CHANCERY_*`` variables.

See ``specs/http-api.md``. The library layer never imports this package. The names load on
first use, so that ``chancery`` commands other than ``serve`` do not import FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import create_app
    from ._settings import Settings, get_settings

__all__ = ["Settings", "create_app", "get_settings"]

_LAZY = {"create_app": "._app", "Settings": "._settings", "get_settings": "._settings"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module, __name__), name)
