from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from motiva.core.models import Organization
from motiva.demo.build import DEMO_PASSWORD, DEMO_USERS, build_demo
from motiva.org.models import Employee


class Command(BaseCommand):
    help = "Load the demo organizations (only into an empty database; a second run changes nothing)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Say nothing and succeed when data is already there."
        )
        parser.add_argument("--today", help="Build the history up to this date (YYYY-MM-DD); default: today.")

    def handle(self, *args: Any, **options: Any) -> None:
        if Organization.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Демо-данные уже загружены / demo data already loaded")
                self._print_logins()
                return
            raise CommandError(
                "База не пуста: демо загружается только в пустую базу / the database is not empty"
            )
        today = timezone.localdate()
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError(
                    f"--today {options['today']!r}: ожидается дата ГГГГ-ММ-ДД / expected YYYY-MM-DD"
                ) from None
        started = time.monotonic()
        organizations = build_demo(today)
        self.stdout.write(
            f"Загружено / loaded: {', '.join(o.name for o in organizations)}; "
            f"сотрудников / employees: {Employee.objects.count()} ({time.monotonic() - started:.1f} s)"
        )
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write(
            f"Демо-входы (пароль для всех: {DEMO_PASSWORD}; работают только при MOTIVA_DEMO=true):"
        )
        for username, (_role, description) in DEMO_USERS.items():
            self.stdout.write(f"  {username:<10} {description}")
