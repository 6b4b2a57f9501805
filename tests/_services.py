"""Skip tests whose external service (PostgreSQL, a node process) is unreachable, unless CI asks.

With ``CHANCERY_REQUIRE_SERVICES=1`` in the environment (CI sets it) a missing service is a
failure, not a skip, so a broken CI machine cannot pass by skipping.
"""

from __future__ import annotations

import functools
import os

import pytest


def services_required() -> bool:
    """Whether the environment demands every external service (``CHANCERY_REQUIRE_SERVICES=1``)."""
    return os.environ.get("CHANCERY_REQUIRE_SERVICES") == "1"


def require_or_skip(available: bool, reason: str) -> None:
    """Skip the calling test when ``available`` is false, or fail it if services are required."""
    if available:
        return
    if services_required():
        pytest.fail(f"{reason} (CHANCERY_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


#: The PostgreSQL the integration tests use (trust auth on this machine and in CI).
POSTGRES_URL = os.environ.get(
    "CHANCERY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@functools.cache
def postgres_reachable() -> bool:
    """Whether :data:`POSTGRES_URL` accepts connections (checked once per test run)."""
    import sqlalchemy as sa

    engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()
