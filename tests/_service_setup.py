"""The service with its demonstration tenants, for tests: app, client credentials, bearer tokens.

``demo_settings`` makes settings with ``demo=True``, so the application creates the civil
registry (``identity``), the education ministry (``degree``) and the bank on start, exactly as
``make run`` does; :func:`bearer` obtains a token through ``POST /oauth/token``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from starlette.exceptions import StarletteDeprecationWarning

from vc_service.service import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

__all__ = ["IDENTITY_CLAIMS", "bearer", "clients", "demo_settings", "headers"]

#: A citizen's identity claims, the eight of the demonstration ``identity`` type.
IDENTITY_CLAIMS: dict[str, Any] = {
    "given_name": "Anna Maria",
    "family_name": "Eriksson",
    "birthdate": "1974-08-12",
    "place_of_birth": "Uppsala",
    "nationality": "SE",
    "address": "Storgatan 1, Uppsala",
    "sex": "F",
    "personal_number": "19740812-1234",
}


def demo_settings(tmp_path: Path, db_url: str | None = None, **extra: Any) -> Settings:
    """Settings for a service under ``tmp_path`` with the demonstration set-up."""
    return Settings(
        db_url=db_url or f"sqlite:///{tmp_path / 'chancery.db'}",
        var_dir=tmp_path / "var",
        mode="development",
        ledger_origin="chancery.test/ledger",
        demo=True,
        **extra,
    )


def clients(settings: Settings) -> dict[str, Any]:
    """Every client's credentials: the demonstration file and the root authority's."""
    out: dict[str, Any] = json.loads((settings.var_dir / "demo-credentials.json").read_text())
    out.update(json.loads((settings.var_dir / "root-credentials.json").read_text()))
    return out


def bearer(client: TestClient, settings: Settings, tenant: str) -> str:
    """A bearer token of ``tenant`` (``civil-registry``, ``bank``, ``root-authority``, …)."""
    entry = clients(settings)[tenant]
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(entry["client_id"], entry["client_secret"]),
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def headers(
    client: TestClient, settings: Settings | str, tenant: str | None = None
) -> dict[str, str]:
    """The ``Authorization`` header of a fresh token of ``tenant``; ``headers(client, tenant)``
    takes the settings from the client's application."""
    if isinstance(settings, str):
        settings, tenant = client.app.state.settings, settings  # type: ignore[attr-defined]
    assert tenant is not None
    return {"Authorization": f"Bearer {bearer(client, settings, tenant)}"}
