"""Plan and fact values (kinds "plans" and "facts"): the same checks as the fact grid, written in bulk.

begin() reads the period's existing values of this kind into a dict (scope key -> (value, level)), and the
organization's indicators, units and personnel numbers into dicts; check() costs a few dict look-ups per
row; apply_batch() upserts a batch with one statement (PostgreSQL: COPY into a temporary table, then
INSERT … ON CONFLICT DO UPDATE; other databases: executemany of the same upsert). A changed value loses
its confirmation, as value_set does.
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from django.db import connection
from django.utils import timezone

from motiva.core.errors import problem
from motiva.core.models import Role
from motiva.engine.numbers import parse_decimal
from motiva.imports.base import Field, Importer, Planned, RowRef, register
from motiva.kpi.models import Indicator
from motiva.org.models import Employee, Unit
from motiva.periods.guards import ensure_open
from motiva.periods.models import IndicatorValue, Scope, ValueKind, ValueSource
from motiva.periods.services import value_problems

MEMO_LIMIT = 100_000  # the checks of one (indicator, value, level, scope) are remembered

SCOPE_WORDS = {
    "company": Scope.COMPANY,
    "компания": Scope.COMPANY,
    "организация": Scope.COMPANY,
    "unit": Scope.UNIT,
    "подразделение": Scope.UNIT,
    "отдел": Scope.UNIT,
    "employee": Scope.EMPLOYEE,
    "сотрудник": Scope.EMPLOYEE,
    "работник": Scope.EMPLOYEE,
}

FIELDS = [
    Field(
        "indicator",
        "Indicator code",
        "Код показателя",
        required=True,
        aliases=("indicator", "показатель", "код"),
        help_en="The indicator's code from the library",
        help_ru="Код показателя из библиотеки",
        example="SALES",
    ),
    Field(
        "scope",
        "Scope",
        "Уровень",
        aliases=("level of value", "уровень значения"),
        help_en="company, unit or employee (empty: company)",
        help_ru="компания, подразделение или сотрудник (пусто — компания)",
        example="сотрудник",
    ),
    Field(
        "unit",
        "Unit code",
        "Код подразделения",
        aliases=("unit", "подразделение"),
        help_en="For a unit's value: the unit's code",
        help_ru="Для значения подразделения: код подразделения",
        example="",
    ),
    Field(
        "personnel_number",
        "Personnel number",
        "Табельный номер",
        aliases=("табельный", "таб. номер", "таб номер", "tab number"),
        help_en="For a person's value: the personnel number, leading zeros kept",
        help_ru="Для значения сотрудника: табельный номер, ведущие нули сохраняются",
        example="00123",
    ),
    Field(
        "value",
        "Value",
        "Значение",
        aliases=("amount", "сумма", "число"),
        help_en="A number: 1234.5 or 1 234,5 (a comma is the decimal separator)",
        help_ru="Число: 1234,5 или 1 234.5 (запятая — десятичный разделитель)",
        example="1,5",
    ),
    Field(
        "level_code",
        "Level code",
        "Код уровня",
        aliases=("level", "код уровня шкалы"),
        help_en="For a discrete indicator: the chosen level's code",
        help_ru="Для дискретного показателя: код выбранного уровня",
        example="",
    ),
    Field(
        "comment",
        "Comment",
        "Комментарий",
        aliases=("note", "примечание"),
        help_en="Free text",
        help_ru="Произвольный текст",
        example="",
    ),
]


def _text(value: Decimal | None, level: str) -> str:
    if value is None:
        return level
    text = format(value.normalize(), "f")
    return f"{text} ({level})" if level else text


class _Values(Importer):
    value_kind: str = ValueKind.FACT
    fields = FIELDS
    needs_period = True

    def begin(self) -> None:
        period = self.period
        ensure_open(period)
        org_id = self.organization.pk
        self.indicators = {
            code: (pk, kind, code, is_computed)
            for pk, code, kind, is_computed in (
                (i.pk, i.code, i.kind, i.is_computed)
                for i in Indicator.objects.filter(organization_id=org_id)
            )
        }
        self.indicator_objs = {i.pk: i for i in Indicator.objects.filter(organization_id=org_id)}
        self.units = dict(Unit.objects.filter(organization_id=org_id).values_list("code", "pk"))
        self.people = {
            number: (pk, f"{last} {first}".strip())
            for number, pk, last, first in Employee.objects.filter(organization_id=org_id).values_list(
                "personnel_number", "pk", "last_name", "first_name"
            )
        }
        self.is_hr = self.viewer.has(org_id, Role.HR)
        self.team = frozenset() if self.is_hr else self.viewer.subtree(org_id)
        self.existing: dict[tuple[int, str], tuple[Decimal | None, str]] = {}
        rows = IndicatorValue.objects.filter(period=period, kind=self.value_kind).values_list(
            "indicator_id", "scope_key", "value", "level_code"
        )
        for indicator_id, key, value, level in rows.iterator(chunk_size=20000):
            self.existing[(indicator_id, key)] = (value, level)
        self.seen: set[tuple[int, str]] = set()
        self.memo: dict = {}
        self.stand_in = SimpleNamespace(organization_id=org_id)
        self.now = timezone.now()
        self.written = 0

    def check(self, values: dict[str, str], ref: RowRef) -> Planned | list:
        code = values["indicator"]
        found = self.indicators.get(code)
        if found is None:
            return [
                problem(
                    "unknown",
                    "indicator",
                    "Нет показателя с кодом «{c}»",
                    "No indicator with code “{c}”",
                    c=code,
                )
                if code
                else problem("required", "indicator", "Укажите код показателя", "Enter the indicator code")
            ]
        indicator_id, _kind, _code, computed = found
        scope_text = values["scope"].casefold().replace("ё", "е")
        scope = SCOPE_WORDS.get(scope_text) if scope_text else Scope.COMPANY
        if scope is None:
            return [
                problem(
                    "choice",
                    "scope",
                    "Уровень «{s}»: ожидается компания, подразделение или сотрудник",
                    "Scope “{s}”: expected company, unit or employee",
                    s=values["scope"],
                )
            ]
        problems = []
        unit_id = employee_id = None
        label_target = ""
        if scope == Scope.UNIT:
            unit_id = self.units.get(values["unit"])
            if unit_id is None:
                problems.append(
                    problem(
                        "unknown",
                        "unit",
                        "Нет подразделения с кодом «{c}»",
                        "No unit with code “{c}”",
                        c=values["unit"],
                    )
                )
            label_target = values["unit"]
        elif scope == Scope.EMPLOYEE:
            person = self.people.get(values["personnel_number"])
            if person is None:
                problems.append(
                    problem(
                        "unknown",
                        "personnel_number",
                        "Нет сотрудника с табельным номером «{n}»",
                        "No employee with personnel number “{n}”",
                        n=values["personnel_number"],
                    )
                )
            else:
                employee_id, name = person
                label_target = f"{name} ({values['personnel_number']})"
        try:
            value = parse_decimal(values["value"])
        except ValueError as error:
            problems.append(problem("number", "value", "Не число: {e}", "Not a number: {e}", e=str(error)))
            value = None
        if problems:
            return problems
        if computed:
            return [
                problem(
                    "computed",
                    "indicator",
                    "Показатель «{c}» вычисляется по формуле: его значения не вводятся",
                    "Indicator “{c}” is computed by a formula: its values are not entered",
                    c=code,
                )
            ]
        if not self._may(scope, employee_id):
            return [
                problem(
                    "forbidden",
                    "personnel_number" if scope == Scope.EMPLOYEE else "scope",
                    "Вы не можете вводить это значение",
                    "You may not enter this value",
                )
            ]
        level = values["level_code"]
        memo_key = (indicator_id, value, level, scope)
        found_problems = self.memo.get(memo_key)
        if found_problems is None:
            # value_problems reads only the indicator's kind and the objects' organization: stand-ins
            # of this organization (the dicts above hold only its units and people).
            indicator = self.indicator_objs[indicator_id]
            unit = self.stand_in if unit_id else None
            employee = self.stand_in if employee_id else None
            found_problems = value_problems(indicator, self.value_kind, value, level, scope, unit, employee)
            if len(self.memo) > MEMO_LIMIT:
                self.memo.clear()
            self.memo[memo_key] = found_problems
        if found_problems:
            return list(found_problems)
        key = IndicatorValue.make_scope_key(scope, unit_id, employee_id)
        natural = (indicator_id, key)
        if natural in self.seen:
            return [
                problem(
                    "duplicate",
                    "indicator",
                    "Это значение уже есть в файле выше",
                    "This value already appears earlier in the file",
                )
            ]
        self.seen.add(natural)
        label = f"{code} · {label_target or 'компания'}"
        old = self.existing.get(natural)
        payload = (indicator_id, scope, unit_id, employee_id, key, value, level, values["comment"])
        if old is None:
            return Planned("create", label, [("value", "", _text(value, level))], payload)
        if old[0] == value and old[1] == level:
            return Planned("same", label)
        return Planned("change", label, [("value", _text(*old), _text(value, level))], payload)

    def _may(self, scope: str, employee_id: int | None) -> bool:
        if self.is_hr:
            return True
        # As the grid: a manager enters the personal facts of their subtree; plans and company or unit
        # values are HR's.
        return self.value_kind == ValueKind.FACT and scope == Scope.EMPLOYEE and employee_id in self.team

    def apply_batch(self, planned: list[Planned]) -> None:
        ensure_open(self.period)
        org_id, period_id, kind = self.organization.pk, self.period.pk, self.value_kind
        author = self.actor.pk if getattr(self.actor, "pk", None) else None
        now = self.now
        rows = [
            (org_id, i, period_id, s, u, e, k, kind, v, lvl, ValueSource.IMPORT, author, now, c, "")
            for (i, s, u, e, k, v, lvl, c) in (p.payload for p in planned)
        ]
        self.written += len(rows)
        table = IndicatorValue._meta.db_table
        columns = (
            "organization_id, indicator_id, period_id, scope, unit_id, employee_id, scope_key, kind, value, "
            "level_code, source, author_id, entered_at, comment, attachment"
        )
        update = (
            "value = EXCLUDED.value, level_code = EXCLUDED.level_code, source = EXCLUDED.source, "
            "author_id = EXCLUDED.author_id, entered_at = EXCLUDED.entered_at, comment = EXCLUDED.comment, "
            f"confirmed_by_id = CASE WHEN {table}.value IS NOT DISTINCT FROM EXCLUDED.value AND "
            f"{table}.level_code = EXCLUDED.level_code THEN {table}.confirmed_by_id ELSE NULL END, "
            f"confirmed_at = CASE WHEN {table}.value IS NOT DISTINCT FROM EXCLUDED.value AND "
            f"{table}.level_code = EXCLUDED.level_code THEN {table}.confirmed_at ELSE NULL END"
        )
        conflict = "ON CONFLICT (indicator_id, period_id, scope_key, kind) DO UPDATE SET "
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS import_values ON COMMIT DROP AS "  # noqa: S608
                    f"SELECT {columns} FROM {table} WITH NO DATA"
                )
                cursor.execute("TRUNCATE import_values")
                raw = cursor.cursor
                # psycopg's write_row encodes each value in C: no text building per cell here
                with raw.copy(f"COPY import_values ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {columns} FROM import_values "  # noqa: S608
                    + conflict
                    + update
                )
            else:
                marks = ", ".join(["%s"] * 15)
                sqlite_update = update.replace("IS NOT DISTINCT FROM", "IS")
                sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) {conflict}{sqlite_update}"  # noqa: S608
                cursor.executemany(sql, rows)

    def finish(self) -> dict[str, int]:
        return {"written": self.written}


@register
class PlansImporter(_Values):
    kind = "plans"
    title_en = "Plan values"
    title_ru = "Плановые значения"
    value_kind = ValueKind.PLAN

    @classmethod
    def allowed(cls, viewer, organization) -> bool:
        return viewer.has(organization.pk, Role.HR)


@register
class FactsImporter(_Values):
    kind = "facts"
    title_en = "Fact values"
    title_ru = "Фактические значения"
    value_kind = ValueKind.FACT

    @classmethod
    def allowed(cls, viewer, organization) -> bool:
        return viewer.has(organization.pk, Role.HR) or viewer.is_manager(organization.pk)
