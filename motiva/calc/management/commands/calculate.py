from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from motiva.calc.models import EmployeeResult
from motiva.calc.runs import calculation_run_create
from motiva.calc.selectors import explain, run_difference
from motiva.core.errors import InvalidInput
from motiva.engine.trace import show
from motiva.periods.models import Period


class Command(BaseCommand):
    help = "Calculate a period from the command line; print the results, the difference against the previous run and, with --explain, a trace."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("organization", help="Organization name (or a unique part of it)")
        parser.add_argument("period", help="Period name, e.g. 'Октябрь 2026'")
        parser.add_argument(
            "--explain", metavar="PERSONNEL_NUMBER", help="Print the full trace of one employee"
        )
        parser.add_argument("--lang", default="ru", choices=["ru", "en"])
        parser.add_argument("--user", help="Who runs it (for the audit log); default: the first superuser")

    def handle(self, *args: Any, **options: Any) -> None:
        periods = Period.objects.filter(
            organization__name__icontains=options["organization"], name=options["period"]
        )
        if periods.count() != 1:
            raise CommandError(
                f"periods found: {periods.count()}; name the organization and the period exactly"
            )
        period = periods.get()
        users = get_user_model().objects
        actor = (
            users.filter(username=options["user"]).first()
            if options["user"]
            else users.filter(is_superuser=True).first()
        )
        try:
            run = calculation_run_create(actor=actor, period=period)
        except InvalidInput as refusal:
            raise CommandError("; ".join(refusal.messages(options["lang"]))) from None
        currency = period.organization.currency
        self.stdout.write(
            f"{period.organization} — {period}: run #{run.pk}, {run.employees_total} employees, hash {run.input_hash[:12]}"
        )
        for result in run.results.select_related("employee").order_by("employee__last_name"):
            flag = " !" if result.problems else ""
            self.stdout.write(
                f"  {result.employee.personnel_number:>6} {result.employee.full_name:<40} {show(result.result):>8} %  {show(result.pay):>14} {currency}{flag}"
            )
        changes = run_difference(run)
        if run.previous_id:
            self.stdout.write(f"Changes against run #{run.previous_id}: {len(changes)}")
            for change in changes:
                self.stdout.write(
                    f"  {change['name']}: {change['pay_before']} → {change['pay_after']} ({change['pay_delta']:+})"
                )
        if options["explain"]:
            result = (
                EmployeeResult.objects.filter(run=run, employee__personnel_number=options["explain"])
                .select_related("run")
                .first()
            )
            if result is None:
                raise CommandError(f"no result for personnel number {options['explain']}")
            trace = explain(result, options["lang"])
            for line in trace["lines"]:
                self.stdout.write(
                    f"• {line['title']} (вес {line['weight']} %): {line['score'] or line['multiplier'] or '—'}"
                )
                for step in line["steps"]:
                    self.stdout.write(f"    {step}")
            for step in trace["card"]:
                self.stdout.write(f"  {step}")
            for component in trace["components"]:
                self.stdout.write(f"₽ {component['name']}: {component['amount']}")
                for step in component["steps"]:
                    self.stdout.write(f"    {step}")
            for step in trace["pay"]:
                self.stdout.write(f"  {step}")
            for problem in trace["problems"]:
                self.stdout.write(f"  ! {problem}")
