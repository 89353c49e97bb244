"""manage.py migrate, run as the schema's owner when MIGRATE_DATABASE_URL is set (the application's own
role, DATABASE_URL, may not change the schema); afterwards the application role's grants are brought up
to date (as `manage.py db_roles` does). Without MIGRATE_DATABASE_URL (SQLite, development) it is
Django's migrate unchanged."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from motiva.core.db_roles import app_role_from_settings, as_owner, grant_app_role, owner_settings


class Command(DjangoMigrate):
    def handle(self, *args: Any, **options: Any) -> None:
        alias = options.get("database") or "default"
        # read before the connection's settings are swapped for the owner's
        owned = owner_settings() is not None and connections[alias].vendor == "postgresql"
        app_role = app_role_from_settings() if owned else None
        with as_owner(alias) as owner:
            super().handle(*args, **options)
            if owner and app_role is not None:
                role, password = app_role
                with connections[alias].cursor() as cursor:
                    grant_app_role(
                        cursor, role=role, password=password, quote=connections[alias].ops.quote_name
                    )
                if options.get("verbosity", 1) >= 1:
                    self.stdout.write(f"Grants of the application role {role!r} are up to date.")
