"""Alembic migrations of the store's schema (run by :func:`yubi.store.database.upgrade`)."""
