"""Positions (kind "positions"): natural key (unit code, title); through position_create / position_update."""

from __future__ import annotations

from motiva.core.errors import problem
from motiva.imports.base import Field, Importer, Planned, RowRef, register
from motiva.imports.kinds.common import Seen, boolean, choice, number, text, words_for
from motiva.org import services
from motiva.org.models import Category, Grade, Position, Unit

FIELDS = [
    Field(
        "unit",
        "Unit code",
        "Код подразделения",
        required=True,
        aliases=("unit", "подразделение"),
        example="FIN",
        help_en="With the title: the key",
        help_ru="Вместе с должностью — ключ",
    ),
    Field(
        "title",
        "Title",
        "Должность",
        required=True,
        aliases=("position", "название должности"),
        example="Экономист",
    ),
    Field(
        "grade",
        "Grade code",
        "Код грейда",
        aliases=("grade", "грейд"),
        example="G3",
        help_en="Empty: no grade",
        help_ru="Пусто — без грейда",
    ),
    Field(
        "category",
        "Category",
        "Категория",
        example="специалист",
        help_en="worker, specialist, lead specialist, manager, director or sales (empty: specialist for a new "
        "position, unchanged for an existing one)",
        help_ru="рабочий, специалист, ведущий специалист, руководитель, директор или продажи "
        "(пусто — специалист для новой должности, без изменений для существующей)",
    ),
    Field(
        "is_head",
        "Heads the unit",
        "Руководит подразделением",
        aliases=("head", "руководитель"),
        example="нет",
        help_en="yes or no (empty: no for a new position, unchanged for an existing one)",
        help_ru="да или нет (пусто — нет для новой, без изменений для существующей)",
    ),
    Field(
        "monthly_task_hours",
        "Monthly task hours",
        "Норма часов задач",
        aliases=("task hours", "часы задач"),
        example="100",
        help_en="A whole number 0–744 (empty: 100 for a new position, unchanged for an existing one)",
        help_ru="Целое 0–744 (пусто — 100 для новой, без изменений для существующей)",
    ),
]
LABELS = {
    "grade": "Грейд",
    "category": "Категория",
    "is_head": "Руководит подразделением",
    "monthly_task_hours": "Норма часов задач",
}
CATEGORIES = {
    **words_for(Category),
    "рабочий": Category.WORKER,
    "специалист": Category.SPECIALIST,
    "ведущий специалист": Category.LEAD_SPECIALIST,
    "руководитель": Category.MANAGER,
    "менеджер": Category.MANAGER,
    "директор": Category.DIRECTOR,
    "продажи": Category.SALES,
    "продавец": Category.SALES,
}


@register
class PositionsImporter(Importer):
    kind = "positions"
    title_en = "Positions"
    title_ru = "Должности"
    fields = FIELDS
    examples = [
        {
            "unit": "FIN",
            "title": "Экономист",
            "grade": "",
            "category": "специалист",
            "is_head": "нет",
            "monthly_task_hours": "100",
        },
    ]

    def begin(self) -> None:
        org = self.organization
        self.units = {u.code: u for u in Unit.objects.filter(organization=org)}
        self.grades = {g.code: g for g in Grade.objects.filter(organization=org)}
        self.existing = {
            (p.unit.code, p.title): p
            for p in Position.objects.filter(organization=org).select_related("unit", "grade")
        }
        self.seen = Seen()
        self.counts = {"created": 0, "changed": 0}

    def check(self, values: dict[str, str], ref: RowRef) -> Planned | list:
        problems: list = []
        unit_code = values.get("unit", "").strip()
        title = values.get("title", "").strip()
        unit = self.units.get(unit_code)
        if not unit_code:
            problems.append(problem("required", "unit", "Укажите код подразделения", "Enter the unit code"))
        elif unit is None:
            problems.append(
                problem(
                    "unknown",
                    "unit",
                    "Нет подразделения с кодом «{c}»",
                    "No unit with code “{c}”",
                    c=unit_code,
                )
            )
        if not title:
            problems.append(problem("required", "title", "Укажите должность", "Enter the title"))
        grade_code = values.get("grade", "").strip()
        grade = self.grades.get(grade_code) if grade_code else None
        if grade_code and grade is None:
            problems.append(
                problem(
                    "unknown", "grade", "Нет грейда с кодом «{c}»", "No grade with code “{c}”", c=grade_code
                )
            )
        category = choice(values, "category", CATEGORIES, problems, Category.SPECIALIST)
        is_head = boolean(values, "is_head", problems)
        hours = number(values, "monthly_task_hours", problems)
        if hours is not None and (hours != hours.to_integral() or not 0 <= hours <= 744):
            problems.append(
                problem(
                    "range",
                    "monthly_task_hours",
                    "Норма часов задач — целое от 0 до 744 в месяц",
                    "The task hours norm is a whole number 0 to 744 a month",
                )
            )
        if unit_code and title:
            problems += self.seen.check((unit_code, title), ref, "title")
        if problems:
            return problems
        new = {
            "grade": grade,
            "category": category,
            "is_head": is_head,
            "monthly_task_hours": int(hours) if hours is not None else 100,
        }
        label = f"{title} ({unit.name})"
        old = self.existing.get((unit_code, title))
        if old is not None:
            # an empty cell of an existing position leaves that value as it is (the defaults are for new ones)
            for key in ("category", "is_head", "monthly_task_hours"):
                if not values.get(key, "").strip():
                    del new[key]
        if old is None:
            changes = [("Должность", "", title)] + [(LABELS[k], "", self._show(k, v)) for k, v in new.items()]
            return Planned("create", label, changes, ("create", unit.pk, title, new))
        diff = {k: v for k, v in new.items() if getattr(old, k) != v}
        if not diff:
            return Planned("same", label)
        changes = [(LABELS[k], self._show(k, getattr(old, k)), self._show(k, v)) for k, v in diff.items()]
        return Planned("change", label, changes, ("change", old.pk, title, diff))

    @staticmethod
    def _show(key, value) -> str:
        if key == "grade":
            return value.code if value else ""
        if key == "category":
            return str(Category(value).label)
        return text(value)

    def apply_batch(self, planned: list[Planned]) -> None:
        org = self.organization
        for item in planned:
            action, pk, title, data = item.payload
            if action == "create":
                unit = Unit.objects.get(pk=pk, organization=org)
                services.position_create(actor=self.actor, unit=unit, title=title, **data)
                self.counts["created"] += 1
            else:
                position = Position.objects.get(pk=pk, organization=org)
                services.position_update(actor=self.actor, position=position, reason="import", **data)
                self.counts["changed"] += 1

    def finish(self) -> dict[str, int]:
        return self.counts
