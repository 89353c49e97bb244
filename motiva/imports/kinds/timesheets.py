"""Timesheet hours (kind "timesheets", for one period): personnel number, hours worked, comment — through
motiva.worktime.services.timesheet_set (open periods only, 0 … MAX_PERIOD_HOURS)."""

from __future__ import annotations

from motiva.core.errors import problem
from motiva.imports.base import Field, Importer, Planned, RowRef, register
from motiva.imports.kinds.common import Seen, employee_of, number, personnel_number_field, text
from motiva.org.models import Employee
from motiva.periods.guards import ensure_open
from motiva.worktime import services
from motiva.worktime.models import Timesheet

FIELDS = [
    personnel_number_field(),
    Field(
        "hours",
        "Hours worked",
        "Отработано часов",
        required=True,
        aliases=("hours", "часы"),
        example="164,5",
        help_en=f"A number from 0 to {services.MAX_PERIOD_HOURS}",
        help_ru=f"Число от 0 до {services.MAX_PERIOD_HOURS}",
    ),
    Field("comment", "Comment", "Комментарий", aliases=("note", "примечание"), example=""),
]


@register
class TimesheetsImporter(Importer):
    kind = "timesheets"
    title_en = "Timesheet hours"
    title_ru = "Отработанные часы"
    fields = FIELDS
    needs_period = True
    examples = [{"personnel_number": "00123", "hours": "164,5", "comment": ""}]

    def begin(self) -> None:
        ensure_open(self.period)
        org = self.organization
        self.people = {e.personnel_number: e for e in Employee.objects.filter(organization=org)}
        self.existing = {t.employee_id: t for t in Timesheet.objects.filter(period=self.period)}
        self.seen = Seen()
        self.written = 0

    def check(self, values: dict[str, str], ref: RowRef) -> Planned | list:
        problems: list = []
        key, person = employee_of(values, self.people, problems)
        hours = number(values, "hours", problems, required=True)
        if hours is not None and not 0 <= hours <= services.MAX_PERIOD_HOURS:
            problems.append(
                problem(
                    "range", "hours", "Часы — от 0 до {m}", "Hours are 0 to {m}", m=services.MAX_PERIOD_HOURS
                )
            )
        if key:
            problems += self.seen.check(key, ref, "personnel_number")
        if problems:
            return problems
        comment = values.get("comment", "").strip()
        label = f"{person.full_name} ({key})"
        old = self.existing.get(person.pk)
        if old is None:
            return Planned("create", label, [("Часы", "", text(hours))], (person.pk, hours, comment))
        changes = []
        if old.hours != hours:
            changes.append(("Часы", text(old.hours), text(hours)))
        if old.comment != comment:
            changes.append(("Комментарий", old.comment, comment))
        if not changes:
            return Planned("same", label)
        return Planned("change", label, changes, (person.pk, hours, comment))

    def apply_batch(self, planned: list[Planned]) -> None:
        for item in planned:
            pk, hours, comment = item.payload
            employee = Employee.objects.get(pk=pk, organization=self.organization)
            services.timesheet_set(
                actor=self.actor, period=self.period, employee=employee, hours=hours, comment=comment
            )
            self.written += 1

    def finish(self) -> dict[str, int]:
        return {"written": self.written}
