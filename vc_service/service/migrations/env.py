"""Alembic environment of the Chancery service (no ``alembic.ini``: see ``_migrations.py``).

The service builds the :class:`alembic.config.Config` in code and hands its open connection over
in ``config.attributes["connection"]``, so the migrations run on the same engine (SQLite pragmas,
PostgreSQL ``search_path``) as the service itself. Given only ``sqlalchemy.url`` (a developer
running ``alembic`` by hand with :func:`vc_service.service._migrations.alembic_config`), it opens
its own connection; in offline mode it prints the SQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context
from sqlalchemy.engine import Connection

from vc_service.service._migrations import target_metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=target_metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url in the Alembic configuration")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as own:
            _run(own)
    finally:
        engine.dispose()


_main()
