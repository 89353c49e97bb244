from __future__ import annotations

import io
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from motiva.scenarios.cli import DESCRIPTION, simulate


class Command(BaseCommand):
    """`manage.py simulate` itself runs without Django (manage.py hands it to motiva.scenarios.cli);
    this command is the same for call_command and for other Django entry points."""

    help = DESCRIPTION
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="Scenario file, e.g. examples/workshop_a.yaml")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of text.")
        parser.add_argument("--lang", default="ru", choices=["ru", "en"], help="Language of the text output.")

    def handle(self, *args: Any, **options: Any) -> None:
        errors = io.StringIO()
        if simulate(
            options["file"], as_json=options["json"], lang=options["lang"], out=self.stdout, err=errors
        ):
            raise CommandError(errors.getvalue().strip())
