"""Alembic revisions, oldest first (``r0001_...``)."""
