"""Test set-up that rewrites the past (moves audit times back, as if a cast had been built hours ago).

On PostgreSQL the database refuses that by design (triggers on the audit table and on closed periods'
rows, docs/security.md): a test that must stage such history does it inside `rewriting_history()`, a
superuser session that skips ordinary triggers (session_replication_role = replica) until the block ends.
SQLite has no such triggers, so there the block changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def rewriting_history() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")
