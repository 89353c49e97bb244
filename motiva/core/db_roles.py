"""The two PostgreSQL roles (docs/deployment.md): the *owner* owns the schema and runs the migrations
(MIGRATE_DATABASE_URL); the *application* role (DATABASE_URL) reads and writes rows, but cannot change
the schema, cannot rewrite or empty the audit trail and cannot record migrations.

`grant_app_role` is what `manage.py db_roles` (and `manage.py migrate` when MIGRATE_DATABASE_URL is
set) runs as the owner; it is idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from motiva.core.models import AuditEvent

# What the application role may not do to the audit trail (it may INSERT and SELECT).
AUDIT_REVOKED = "UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER"
_CONNECTION_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


def owner_settings() -> dict[str, Any] | None:
    return getattr(settings, "MIGRATE_DATABASE", None)


@contextmanager
def as_owner(alias: str = "default") -> Iterator[bool]:
    """The default connection, for the duration, logs in as the owner (MIGRATE_DATABASE_URL); yields
    whether it did. Without MIGRATE_DATABASE_URL, or for another database (the test suite's), nothing
    changes."""
    owner = owner_settings()
    connection = connections[alias]
    if alias != "default" or owner is None or connection.settings_dict["NAME"] != owner["NAME"]:
        yield False
        return
    saved = {key: connection.settings_dict.get(key) for key in _CONNECTION_KEYS}
    connection.close()
    connection.settings_dict.update({key: owner.get(key) for key in _CONNECTION_KEYS})
    try:
        yield True
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def grant_app_role(cursor: Any, *, role: str, password: str | None, quote: Any) -> list[str]:
    """Create (or update) the application role and its grants; return the statements run (the password
    shown as ***). `cursor` belongs to the owner's connection; `quote` quotes an identifier."""
    cursor.execute("SELECT current_user, current_database(), current_schema()")
    owner, database, schema = cursor.fetchone()
    if role == owner:
        raise ImproperlyConfigured(
            "DATABASE_URL and MIGRATE_DATABASE_URL name the same role "
            f"({role!r}): the application needs a role of its own"
        )
    audit_table = AuditEvent._meta.db_table
    cursor.execute(
        "SELECT tableowner FROM pg_tables WHERE schemaname = %s AND tablename = %s", [schema, audit_table]
    )
    row = cursor.fetchone()
    if row is None:
        raise ImproperlyConfigured(f"table {audit_table} is missing: run `manage.py migrate` first")
    if row[0] == role:
        raise ImproperlyConfigured(
            f"the role {role!r} owns the tables: migrations must run as the owner (MIGRATE_DATABASE_URL)"
        )
    r, db, s = quote(role), quote(database), quote(schema)
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    done: list[str] = []

    def run(sql: str, params: list[Any] | None = None, shown: str | None = None) -> None:
        cursor.execute(sql, params)
        done.append(shown or sql)

    if cursor.fetchone() is None:
        run(f"CREATE ROLE {r} LOGIN")  # an ordinary role: not a superuser, no replication, no RLS bypass
    # (NOSUPERUSER, NOREPLICATION, NOBYPASSRLS may be spelt out only by a superuser: checked below instead)
    attributes = "LOGIN NOCREATEDB NOCREATEROLE NOINHERIT"
    if password:
        run(
            f"ALTER ROLE {r} {attributes} PASSWORD %s",
            [password],
            f"ALTER ROLE {r} {attributes} PASSWORD ***",
        )
    else:
        run(f"ALTER ROLE {r} {attributes}")
    cursor.execute("SELECT rolsuper, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
    if any(cursor.fetchone()):
        raise ImproperlyConfigured(
            f"the application role {role!r} is a superuser, a replication role or bypasses row security: "
            "it would skip the triggers; make it an ordinary role (ALTER ROLE … NOSUPERUSER as a superuser)"
        )
    run(f"GRANT CONNECT ON DATABASE {db} TO {r}")
    run(f"REVOKE CREATE ON DATABASE {db} FROM {r}")
    run(f"GRANT USAGE ON SCHEMA {s} TO {r}")
    run(f"REVOKE CREATE ON SCHEMA {s} FROM {r}")
    run(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}")
    run(f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {s} FROM {r}")
    run(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}")
    run(f"REVOKE {AUDIT_REVOKED} ON {quote(audit_table)} FROM {r}")
    # Only the owner records migrations.
    run(f"REVOKE INSERT, UPDATE, DELETE ON {quote('django_migrations')} FROM {r}")
    # Tables a later migration creates are the application's to use too (the audit table already exists).
    run(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}")
    run(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {r}")
    return done


def app_role_from_settings() -> tuple[str, str]:
    default = settings.DATABASES["default"]
    role = str(default.get("USER") or "")
    if not role:
        raise ImproperlyConfigured(
            "DATABASE_URL names no user: it is the application's role (postgres://role:pass@…)"
        )
    return role, str(default.get("PASSWORD") or "")
