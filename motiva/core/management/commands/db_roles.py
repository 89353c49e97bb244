"""manage.py db_roles: as the schema's owner, create or update the application's role and its grants."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from motiva.core.db_roles import app_role_from_settings, as_owner, grant_app_role, owner_settings


class Command(BaseCommand):
    help = (
        "PostgreSQL: as the owner (MIGRATE_DATABASE_URL), create or update the application role of "
        "DATABASE_URL with its grants: rows yes; schema changes, audit UPDATE/DELETE/TRUNCATE no. Idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections["default"]
        if connection.vendor != "postgresql":
            raise CommandError("db_roles is for PostgreSQL; SQLite has no roles")
        if owner_settings() is None:
            raise CommandError("set MIGRATE_DATABASE_URL to the owner's connection (docs/deployment.md)")
        try:
            role, password = app_role_from_settings()
            with as_owner(), connection.cursor() as cursor:
                statements = grant_app_role(
                    cursor, role=role, password=password, quote=connection.ops.quote_name
                )
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        for statement in statements:
            self.stdout.write(statement)
        self.stdout.write(self.style.SUCCESS(f"application role {role!r}: grants up to date"))
