from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from motiva.scenarios.loader import ScenarioError, check_expectations, load
from motiva.scenarios.render import outcome_dict, outcome_text, summary_table


class Command(BaseCommand):
    help = "Calculate a scenario file (YAML) without a database and print each employee's result, pay and trace."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="Scenario file, e.g. examples/workshop_a.yaml")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of text.")
        parser.add_argument("--lang", default="ru", choices=["ru", "en"], help="Language of the text output.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            scenario = load(options["file"])
        except ScenarioError as error:
            raise CommandError("\n".join(f"{p.field}: {p.render(options['lang'])}" for p in error.problems)) from None
        outcomes = scenario.run()
        differences = check_expectations(scenario, outcomes)
        if options["json"]:
            self.stdout.write(json.dumps({
                "scenario": scenario.name, "currency": scenario.currency,
                "employees": [outcome_dict(o) for o in outcomes], "expectation_differences": differences,
            }, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"{scenario.name}\n{scenario.description}\n")
            self.stdout.write(summary_table(outcomes, scenario.currency, options["lang"]) + "\n")
            for outcome in outcomes:
                self.stdout.write("\n" + outcome_text(outcome, scenario.currency, options["lang"]))
            if scenario.expectations:
                verdict = "✔ published numbers reproduced" if not differences else "✘ " + "; ".join(differences)
                self.stdout.write("\n" + verdict)
        if differences:
            raise CommandError("the result differs from the expectations in the file")
