"""Absences (kind "absences"): personnel number, kind, from, to, comment — through absence_create.

check() applies the service's own rules (span_ordered, no_overlap against the person's absences and the
file's earlier rows, closed periods, employment) so the preview names them; an absence already recorded
with the same person, kind and dates is "same"; apply_batch calls absence_create, which checks again.
"""

from __future__ import annotations

from collections import defaultdict

from motiva.core.errors import problem
from motiva.engine.validation import DateSpan, no_overlap, span_ordered
from motiva.imports.base import Field, Importer, Planned, RowRef, register
from motiva.imports.kinds.common import (
    Seen,
    choice,
    date,
    employee_of,
    personnel_number_field,
    text,
    words_for,
)
from motiva.org import services
from motiva.org.models import Absence, AbsenceKind, Employee

FIELDS = [
    personnel_number_field(),
    Field(
        "kind",
        "Kind",
        "Вид",
        required=True,
        aliases=("absence kind", "вид отсутствия"),
        example="отпуск",
        help_en="vacation, sick leave, unpaid leave or other",
        help_ru="отпуск, больничный, отпуск без сохранения или другое",
    ),
    Field(
        "start_date",
        "From",
        "С",
        required=True,
        aliases=("start", "начало", "дата начала"),
        example="01.03.2026",
        help_en="DD.MM.YYYY or YYYY-MM-DD",
        help_ru="ДД.ММ.ГГГГ или ГГГГ-ММ-ДД",
    ),
    Field(
        "end_date",
        "To",
        "По",
        required=True,
        aliases=("end", "окончание", "дата окончания"),
        example="14.03.2026",
        help_en="DD.MM.YYYY or YYYY-MM-DD, inclusive",
        help_ru="ДД.ММ.ГГГГ, включительно",
    ),
    Field("comment", "Comment", "Комментарий", aliases=("note", "примечание"), example=""),
]
KINDS = {
    **words_for(AbsenceKind),
    "отпуск": AbsenceKind.VACATION,
    "ежегодный отпуск": AbsenceKind.VACATION,
    "больничный": AbsenceKind.SICK,
    "больничный лист": AbsenceKind.SICK,
    "отпуск без сохранения": AbsenceKind.UNPAID,
    "отпуск без сохранения зарплаты": AbsenceKind.UNPAID,
    "без сохранения": AbsenceKind.UNPAID,
    "другое": AbsenceKind.OTHER,
    "прочее": AbsenceKind.OTHER,
}


@register
class AbsencesImporter(Importer):
    kind = "absences"
    title_en = "Absences"
    title_ru = "Отсутствия"
    fields = FIELDS
    examples = [
        {
            "personnel_number": "00123",
            "kind": "отпуск",
            "start_date": "02.03.2026",
            "end_date": "15.03.2026",
            "comment": "",
        },
        {
            "personnel_number": "00124",
            "kind": "sick leave",
            "start_date": "2026-03-10",
            "end_date": "2026-03-12",
            "comment": "ЛН 123",
        },
    ]

    def begin(self) -> None:
        org = self.organization
        self.people = {e.personnel_number: e for e in Employee.objects.filter(organization=org)}
        self.absences: dict[int, list[DateSpan]] = defaultdict(list)
        self.exact: set = set()
        for a in Absence.objects.filter(organization=org):
            self.absences[a.employee_id].append(DateSpan(a.start_date, a.end_date, a.get_kind_display()))
            self.exact.add((a.employee_id, a.kind, a.start_date, a.end_date))
        self.seen = Seen()
        self.created = 0

    def check(self, values: dict[str, str], ref: RowRef) -> Planned | list:
        problems: list = []
        number, person = employee_of(values, self.people, problems)
        kind = choice(values, "kind", KINDS, problems)
        if not values.get("kind", "").strip():
            problems.append(problem("required", "kind", "Укажите вид отсутствия", "Enter the absence kind"))
        start = date(values, "start_date", problems, required=True)
        end = date(values, "end_date", problems, required=True)
        if problems:
            return problems
        span = DateSpan(start, end, str(AbsenceKind(kind).label))
        problems += span_ordered(span, start_field="start_date", end_field="end_date")
        if problems:
            return problems
        label = f"{person.full_name} ({number})"
        if (person.pk, kind, start, end) in self.exact:
            return Planned("same", label)
        problems += self.seen.check((person.pk, start, end), ref, "start_date")
        problems += no_overlap(
            span,
            self.absences[person.pk],
            code="absence_overlap",
            what_ru="отсутствием",
            what_en="the absence",
            field="start_date",
        )
        problems += services.closed_period_problems(self.organization.pk, start, "start_date", end)
        if start < person.hire_date or (person.termination_date and end > person.termination_date):
            problems.append(
                problem(
                    "outside_employment",
                    "start_date",
                    "Отсутствие вне периода работы сотрудника",
                    "The absence is outside the employment",
                )
            )
        if problems:
            return problems
        self.absences[person.pk].append(span)
        comment = values.get("comment", "").strip()
        changes = [("Вид", "", span.label), ("С", "", text(start)), ("По", "", text(end))]
        if comment:
            changes.append(("Комментарий", "", comment))
        return Planned("create", label, changes, (person.pk, kind, start, end, comment))

    def apply_batch(self, planned: list[Planned]) -> None:
        for item in planned:
            pk, kind, start, end, comment = item.payload
            employee = Employee.objects.get(pk=pk, organization=self.organization)
            services.absence_create(
                actor=self.actor,
                employee=employee,
                kind=kind,
                start_date=start,
                end_date=end,
                comment=comment,
            )
            self.created += 1

    def finish(self) -> dict[str, int]:
        return {"created": self.created}
