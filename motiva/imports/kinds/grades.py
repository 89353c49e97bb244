"""Grades (kind "grades"): code, name, salary from, salary to; upsert by code through the grade services."""

from __future__ import annotations

from motiva.core.errors import problem
from motiva.imports.base import Field, Importer, Planned, RowRef, register
from motiva.imports.kinds.common import Seen, number, text
from motiva.org import services
from motiva.org.models import Grade

FIELDS = [
    Field(
        "code",
        "Code",
        "Код",
        required=True,
        aliases=("grade code", "код грейда"),
        example="G1",
        help_en="The grade's code (the key: an existing code is updated)",
        help_ru="Код грейда (ключ: существующий код обновляется)",
    ),
    Field("name", "Name", "Название", aliases=("grade", "грейд", "наименование"), example="Специалист"),
    Field(
        "salary_min",
        "Salary from",
        "Оклад от",
        required=True,
        aliases=("min salary",),
        example="50 000",
        help_en="A number, 0 or more",
        help_ru="Число, не меньше 0",
    ),
    Field(
        "salary_max",
        "Salary to",
        "Оклад до",
        required=True,
        aliases=("max salary",),
        example="80 000",
        help_en="A number, not below “Salary from”",
        help_ru="Число, не меньше «Оклада от»",
    ),
]
LABELS = {"name": "Название", "salary_min": "Оклад от", "salary_max": "Оклад до"}


@register
class GradesImporter(Importer):
    kind = "grades"
    title_en = "Grades"
    title_ru = "Грейды"
    fields = FIELDS
    examples = [
        {"code": "G1", "name": "Специалист", "salary_min": "50 000", "salary_max": "80 000"},
        {"code": "G2", "name": "Ведущий специалист", "salary_min": "80 000", "salary_max": "120 000"},
    ]

    def begin(self) -> None:
        self.existing = {g.code: g for g in Grade.objects.filter(organization=self.organization)}
        self.seen = Seen()
        self.counts = {"created": 0, "changed": 0}

    def check(self, values: dict[str, str], ref: RowRef) -> Planned | list:
        problems: list = []
        code = values.get("code", "").strip()
        if not code:
            problems.append(problem("required", "code", "Укажите код", "Enter the code"))
        low = number(values, "salary_min", problems, required=True)
        high = number(values, "salary_max", problems, required=True)
        if low is not None and low < 0:
            problems.append(problem("range", "salary_min", "Оклад от меньше 0", "Salary from is below 0"))
        if low is not None and high is not None and high < low:
            problems.append(
                problem(
                    "range",
                    "salary_max",
                    "«Оклад до» меньше «оклада от»",
                    "“Salary to” is below “salary from”",
                )
            )
        if code:
            problems += self.seen.check(code, ref, "code")
        if problems:
            return problems
        new = {"name": values.get("name", "").strip(), "salary_min": low, "salary_max": high}
        old = self.existing.get(code)
        label = f"{code} {new['name']}".strip()
        if old is None:
            changes = [(LABELS[k], "", text(v)) for k, v in new.items()]
            return Planned("create", label, changes, ("create", code, new))
        if not new["name"]:
            new["name"] = old.name
        diff = {k: v for k, v in new.items() if getattr(old, k) != v}
        if not diff:
            return Planned("same", label)
        changes = [(LABELS[k], text(getattr(old, k)), text(v)) for k, v in diff.items()]
        return Planned("change", label, changes, ("change", old.pk, diff))

    def apply_batch(self, planned: list[Planned]) -> None:
        for item in planned:
            action, key, data = item.payload
            if action == "create":
                services.grade_create(actor=self.actor, organization=self.organization, code=key, **data)
                self.counts["created"] += 1
            else:
                grade = Grade.objects.get(pk=key, organization=self.organization)
                services.grade_update(actor=self.actor, grade=grade, reason="import", **data)
                self.counts["changed"] += 1

    def finish(self) -> dict[str, int]:
        return self.counts
