"""Alembic migrations of the Chancery service database (run by ``_migrations.migrate``)."""
