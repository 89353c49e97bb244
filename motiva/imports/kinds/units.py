"""Units (kind "units"): upsert by code through the unit services.

A parent may be named before or after its child in the same file: apply_batch creates every new unit
(under its parent when that parent already exists), and finish() (still inside the import's transaction)
hangs the rest under parents created later in the file through unit_update, which refuses cycles. A parent
code that is neither in the organization nor anywhere in the file fails the whole import there (nothing is
written); the preview cannot see it, because the framework's preview does not call finish().
"""

from __future__ import annotations

import re

from motiva.core.errors import InvalidInput, problem
from motiva.imports.base import Field, Importer, Planned, RowRef, register
from motiva.imports.kinds.common import Seen, choice, date, text, words_for
from motiva.org import services
from motiva.org.models import Block, Employee, Unit

FIELDS = [
    Field(
        "code",
        "Code",
        "Код",
        required=True,
        aliases=("unit code", "код подразделения"),
        example="FIN",
        help_en="The unit's code (the key: an existing code is updated)",
        help_ru="Код подразделения (ключ: существующий код обновляется)",
    ),
    Field(
        "name",
        "Name",
        "Название",
        required=True,
        aliases=("unit", "подразделение", "наименование"),
        example="Финансово-экономическая служба",
    ),
    Field(
        "parent",
        "Parent code",
        "Код вышестоящего",
        aliases=("parent", "вышестоящее подразделение"),
        example="TL",
        help_en="Empty for a top unit; may name a unit further down the file",
        help_ru="Пусто для головного; можно указать подразделение ниже в файле",
    ),
    Field(
        "block",
        "Block",
        "Блок",
        example="административный",
        help_en="production or administrative (empty: administrative; empty keeps an existing unit's)",
        help_ru="производственный или административный (пусто — административный / без изменений)",
    ),
    Field(
        "management_level",
        "Management level",
        "Уровень управления",
        aliases=("level", "уровень"),
        example="N-1",
        help_en="N, N-1 … N-9 or 0…9 (empty: one below the parent)",
        help_ru="N, N-1 … N-9 или 0…9 (пусто — на уровень ниже вышестоящего)",
    ),
    Field(
        "head",
        "Head personnel number",
        "Табельный номер руководителя",
        aliases=("head", "руководитель"),
        example="",
        help_en="Optional; empty keeps the current head",
        help_ru="Необязательно; пусто — руководитель не меняется",
    ),
    Field(
        "closed_from",
        "Closed from",
        "Закрыто с",
        aliases=("closed", "дата закрытия"),
        example="",
        help_en="The first day the unit no longer exists (DD.MM.YYYY); empty keeps it as it is",
        help_ru="Первый день, когда подразделения нет (ДД.ММ.ГГГГ); пусто — без изменений",
    ),
]
LABELS = {
    "name": "Название",
    "parent": "Вышестоящее",
    "block": "Блок",
    "management_level": "Уровень управления",
    "head": "Руководитель",
    "closed_from": "Закрыто с",
}
BLOCKS = {
    **words_for(Block),
    "производственный": Block.PRODUCTION,
    "производство": Block.PRODUCTION,
    "административный": Block.ADMINISTRATIVE,
    "администрация": Block.ADMINISTRATIVE,
}
_LEVEL = re.compile(r"^(?:n|н)\s*(?:-\s*(\d))?$")


def _level(values: dict[str, str], problems: list) -> int | None:
    raw = values.get("management_level", "").strip()
    if not raw:
        return None
    folded = raw.casefold().replace("−", "-")
    if folded.isdigit() and 0 <= int(folded) <= 9:
        return int(folded)
    match = _LEVEL.match(folded)
    if match:
        return int(match.group(1) or 0)
    problems.append(
        problem(
            "choice",
            "management_level",
            "Уровень управления «{t}»: ожидается N, N-1 … N-9 или 0…9",
            "Management level “{t}”: expected N, N-1 … N-9 or 0…9",
            t=raw,
        )
    )
    return None


def _level_text(level: int | None) -> str:
    if level is None:
        return ""
    return "N" if level == 0 else f"N-{level}"


@register
class UnitsImporter(Importer):
    kind = "units"
    title_en = "Units"
    title_ru = "Подразделения"
    fields = FIELDS
    examples = [
        {
            "code": "TL",
            "name": "АО «ТрансЛайн»",
            "parent": "",
            "block": "административный",
            "management_level": "N",
            "head": "",
            "closed_from": "",
        },
        {
            "code": "LOG",
            "name": "Отдел логистики",
            "parent": "OPS",
            "block": "производственный",
            "management_level": "N-1",
            "head": "",
            "closed_from": "",
        },
    ]

    def begin(self) -> None:
        org = self.organization
        self.existing = {
            u.code: u for u in Unit.objects.filter(organization=org).select_related("parent", "head")
        }
        self.people = dict(Employee.objects.filter(organization=org).values_list("personnel_number", "pk"))
        self.seen = Seen()
        self.created: dict[str, Unit] = {}
        self.pending: list[tuple[str, str, int, bool]] = []  # (code, parent code, row, level given)
        self.counts = {"created": 0, "changed": 0}
        self.in_file: set[str] = set()
        self.parents_named: list[tuple[int, str]] = []  # (row, parent code) as check() saw them

    def check(self, values: dict[str, str], ref: RowRef) -> Planned | list:
        problems: list = []
        code = values.get("code", "").strip()
        name = values.get("name", "").strip()
        if not code:
            problems.append(problem("required", "code", "Укажите код", "Enter the code"))
        old = self.existing.get(code)
        if not name and old is None:
            problems.append(problem("required", "name", "Укажите название", "Enter the name"))
        parent = values.get("parent", "").strip()
        if parent and parent == code:
            problems.append(
                problem(
                    "cycle",
                    "parent",
                    "Подразделение не может подчиняться себе",
                    "A unit cannot be its own parent",
                )
            )
        block = choice(values, "block", BLOCKS, problems)
        level = _level(values, problems)
        head_number = values.get("head", "").strip()
        head_id = None
        if head_number:
            head_id = self.people.get(head_number)
            if head_id is None:
                problems.append(
                    problem(
                        "unknown",
                        "head",
                        "Нет сотрудника с табельным номером «{n}»",
                        "No employee with personnel number “{n}”",
                        n=head_number,
                    )
                )
        closed = date(values, "closed_from", problems)
        if code:
            problems += self.seen.check(code, ref, "code")
        if problems:
            return problems
        self.in_file.add(code)
        if parent:
            self.parents_named.append((ref.number, parent))
        new: dict = {"name": name or (old.name if old else ""), "parent": parent or None}
        if block:
            new["block"] = block
        if level is not None:
            new["management_level"] = level
        if head_id is not None:
            new["head"] = head_id
        if closed is not None:
            new["closed_from"] = closed
        label = f"{new['name']} ({code})"
        if old is None:
            new.setdefault("block", Block.ADMINISTRATIVE)
            changes = [(LABELS[k], "", self._show(k, v)) for k, v in new.items() if v not in (None, "")]
            return Planned("create", label, changes, ("create", code, new, ref.number))
        current = {
            "name": old.name,
            "parent": old.parent.code if old.parent else None,
            "block": old.block,
            "management_level": old.management_level,
            "head": old.head_id,
            "closed_from": old.closed_from,
        }
        diff = {k: v for k, v in new.items() if current[k] != v}
        if not diff:
            return Planned("same", label)
        changes = [(LABELS[k], self._show(k, current[k]), self._show(k, v)) for k, v in diff.items()]
        return Planned("change", label, changes, ("change", code, diff, ref.number))

    def _show(self, key: str, value) -> str:
        if key == "management_level":
            return _level_text(value)
        if key == "block" and value:
            return str(Block(value).label)
        if key == "head" and value:
            return next((n for n, pk in self.people.items() if pk == value), str(value))
        return text(value)

    def _unit(self, code: str) -> Unit | None:
        if code in self.created:
            return self.created[code]
        found = self.existing.get(code)
        return Unit.objects.get(pk=found.pk) if found else None

    def apply_batch(self, planned: list[Planned]) -> None:
        org = self.organization
        for item in planned:
            action, code, data, row = item.payload
            data = dict(data)
            parent_code = data.pop("parent", None) if action == "create" or "parent" in data else None
            parent = self._unit(parent_code) if parent_code else None
            if parent_code and parent is None:
                self.pending.append((code, parent_code, row, "management_level" in data))
            head = Employee.objects.get(pk=data.pop("head"), organization=org) if data.get("head") else None
            data.pop("head", None)
            closed = data.pop("closed_from", None)
            if action == "create":
                unit = services.unit_create(
                    actor=self.actor,
                    organization=org,
                    code=code,
                    name=data["name"],
                    parent=parent,
                    block=data["block"],
                    management_level=data.get("management_level"),
                )
                self.created[code] = unit
                self.counts["created"] += 1
            else:
                unit = self._unit(code)
                if parent_code is None and "parent" in item.payload[2]:
                    data["parent"] = None
                elif parent is not None:
                    data["parent"] = parent
                if data:
                    services.unit_update(actor=self.actor, unit=unit, reason="import", **data)
                self.counts["changed"] += 1
            if head is not None:
                services.unit_set_head(actor=self.actor, unit=unit, head=head)
            if closed is not None:
                self._closings.append((unit.pk, closed))

    _closings: list

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._closings = []

    def conclude(self) -> list:
        """A parent named in neither the organization nor the file: seen once every row is read, so the
        preview shows it too (finish() would refuse it at apply)."""
        return [
            problem(
                "unknown",
                "parent",
                "Строка {r}: нет подразделения с кодом «{c}» ни в организации, ни в файле",
                "Row {r}: no unit with code “{c}” in the organization or the file",
                r=row,
                c=code,
            )
            for row, code in self.parents_named
            if code not in self.existing and code not in self.in_file
        ]

    def finish(self) -> dict[str, int]:
        problems = []
        for code, parent_code, row, level_given in self.pending:
            parent = self._unit(parent_code)
            if parent is None:
                problems.append(
                    problem(
                        "unknown",
                        "parent",
                        "Строка {r}: нет подразделения с кодом «{c}» ни в организации, ни в файле",
                        "Row {r}: no unit with code “{c}” in the organization or the file",
                        r=row,
                        c=parent_code,
                    )
                )
                continue
            unit = self._unit(code)
            changes = {"parent": parent}
            if not level_given:
                changes["management_level"] = min(parent.management_level + 1, 9)
            services.unit_update(actor=self.actor, unit=unit, reason="import", **changes)
        if problems:
            raise InvalidInput(problems)
        for pk, closed in self._closings:
            services.unit_close(
                actor=self.actor, unit=Unit.objects.get(pk=pk), closed_from=closed, reason="import"
            )
        return self.counts
