"""Database migrations: Alembic, run programmatically when the service starts.

No ``alembic.ini`` is needed: :func:`alembic_config` builds the configuration in code and
:func:`migrate` runs ``alembic upgrade head`` on the service's own engine. The revisions live in
``vc_service/service/migrations/versions``; revision ``0001`` creates the ledger tables exactly as
:data:`vc_service.ledger._store.metadata` defines them (a test compares the two).

A database whose ledger tables were created without Alembic (``chancery ledger init`` calls
``LedgerStore.create_schema``) is *adopted*: if its tables match the metadata it is stamped at
revision ``0001`` and upgraded from there; if they do not, the service refuses to start rather
than guess. Developers create a new revision with
``alembic.command.revision(alembic_config(url=...), message=..., autogenerate=True)``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection, Engine

from vc_service._errors import Error
from vc_service.ledger._store import metadata as ledger_metadata

__all__ = [
    "LEDGER_REVISION",
    "MIGRATIONS",
    "VERSION_TABLE",
    "MigrationError",
    "alembic_config",
    "current_revision",
    "head_revision",
    "migrate",
    "schema_differences",
    "target_metadata",
]

_log = logging.getLogger("chancery.service")

#: The directory holding ``env.py`` and ``versions/``.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The revision that creates the ledger tables.
LEDGER_REVISION = "0001"
#: Alembic's bookkeeping table (its default name).
VERSION_TABLE = "alembic_version"
#: What autogenerate compares the database with: every table the service owns.
target_metadata = ledger_metadata


class MigrationError(Error):
    """The database schema cannot be brought to the current revision."""


def alembic_config(connection: Connection | None = None, *, url: str | None = None) -> Config:
    """An Alembic configuration built in code: the script location, and either an open
    ``connection`` (what the service passes) or a database ``url`` (for hand-run commands)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Explicit, so that Alembic does not fall back to (and warn about) legacy path splitting.
    config.set_main_option("path_separator", "os")
    if url is not None:
        # ConfigParser interpolates '%': a password holding one must be doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision in ``migrations/versions``."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise MigrationError("no migration revisions are installed")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` if Alembic never ran on it."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _only_ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    # Compare the tables the metadata defines; other tables in the database are not ours.
    if type_ == "table":
        return name in target_metadata.tables
    return True


def schema_differences(conn: Connection) -> list[Any]:
    """What Alembic's autogenerate finds different between the database and the metadata
    (column names, types, nullability, keys, indexes); empty when they agree."""
    context = MigrationContext.configure(
        conn, opts={"compare_type": True, "include_object": _only_ours}
    )
    return list(compare_metadata(context, target_metadata))


def _adopt_if_unversioned(conn: Connection, config: Config) -> None:
    """Stamp a database whose ledger tables were created by ``create_schema``."""
    present = set(sa.inspect(conn).get_table_names())
    if VERSION_TABLE in present:
        return
    ours = set(target_metadata.tables)
    found = ours & present
    if not found:
        return  # an empty database: the migrations create everything
    if found != ours:
        raise MigrationError(
            f"the database holds some ledger tables ({', '.join(sorted(found))}) but not all, "
            "and no migration history: refusing to guess how to complete it"
        )
    differences = schema_differences(conn)
    if differences:
        raise MigrationError(
            f"the database's ledger tables differ from the expected schema: {differences[:3]}"
        )
    _log.info("adopting an existing ledger database at migration revision %s", LEDGER_REVISION)
    command.stamp(config, LEDGER_REVISION)


def migrate(engine: Engine) -> str:
    """Bring the database to the newest revision (``alembic upgrade head``); return it.

    Runs in one transaction on ``engine``: on PostgreSQL the DDL is transactional, so a failed
    migration leaves the database as it was.
    """
    try:
        with engine.begin() as conn:
            config = alembic_config(conn)
            _adopt_if_unversioned(conn, config)
            command.upgrade(config, "head")
            revision = MigrationContext.configure(conn).get_current_revision()
    except CommandError as exc:
        raise MigrationError(f"migration failed: {exc}") from exc
    except sa.exc.SQLAlchemyError as exc:
        raise MigrationError(f"migration failed: {exc}") from exc
    if revision is None:
        raise MigrationError("the migrations did not record a revision")
    return revision
