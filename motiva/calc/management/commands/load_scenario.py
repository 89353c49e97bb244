from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from motiva.calc.runs import calculation_run_create
from motiva.calc.scenario_load import load_scenario
from motiva.core.errors import InvalidInput
from motiva.engine.trace import show
from motiva.scenarios.loader import ScenarioError


class Command(BaseCommand):
    help = "Load a scenario file into the database as a new organization (and optionally calculate it)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--name", help="Organization name (default: the scenario's name).")
        parser.add_argument("--user", help="Who loads it (for the audit log); default: the first superuser.")
        parser.add_argument(
            "--calculate", action="store_true", help="Run a calculation of the loaded period."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        actor = (
            users.filter(username=options["user"]).first()
            if options["user"]
            else users.filter(is_superuser=True).first()
        )
        if options["user"] and actor is None:
            raise CommandError(f"no user {options['user']!r}")
        try:
            organization, period = load_scenario(options["file"], actor=actor, name=options["name"])
        except (ScenarioError, InvalidInput) as error:
            raise CommandError("\n".join(f"{p.field}: {p.render('ru')}" for p in error.problems)) from None
        self.stdout.write(f"Загружено / loaded: {organization.name}, {period.name}")
        if options["calculate"]:
            run = calculation_run_create(actor=actor, period=period)
            for result in run.results.select_related("employee").order_by("employee__personnel_number"):
                self.stdout.write(
                    f"  {result.employee.last_name}: {show(result.result)} % → {show(result.pay)} {organization.currency}"
                )
