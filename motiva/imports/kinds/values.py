"""Plan and fact values (kinds "plans" and "facts"): the same checks as the fact grid, written in bulk.

begin() reads the period's existing values of this kind into a dict (packed cell -> value text), and the
organization's indicators, units and personnel numbers into dicts; check() costs a few dict look-ups per
row; apply_batch() upserts a batch with one statement (PostgreSQL: COPY into a temporary table, then
INSERT … ON CONFLICT DO UPDATE; other databases: executemany of the same upsert). A changed value loses
its confirmation, as value_set does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from motiva.core.errors import InvalidInput, problem
from motiva.core.models import Role
from motiva.engine.numbers import parse_decimal
from motiva.imports.base import Field, Importer, Planned, RowRef, register
from motiva.imports.kinds.common import personnel_number_field
from motiva.imports.models import ImportJob, JobStatus, StagedValue
from motiva.kpi.models import CardLine, Indicator
from motiva.org.models import Employee, Unit
from motiva.org.selectors import active_on, position_id_as_of
from motiva.periods.guards import ensure_open
from motiva.periods.models import IndicatorValue, Scope, ValueKind, ValueSource
from motiva.periods.services import value_problems

STAGED_FOR = dt.timedelta(days=1)  # a preview's staged rows are kept this long for its apply
ZERO = Decimal(0)
MEMO_LIMIT = 100_000  # the checks of one (indicator, value, level, scope) are remembered

LEVELS = {
    "personal": Scope.EMPLOYEE,
    "unit": Scope.UNIT,
    "company": Scope.COMPANY,
}  # card line level -> scope

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
    personnel_number_field(
        "For a person's value: the personnel number, leading zeros kept",
        "Для значения сотрудника: табельный номер, ведущие нули сохраняются",
        required=False,
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


def _plain(value: Decimal) -> str:
    """A number as plain digits, trailing zeros dropped: 1.500000 → 1.5, 1E+2 → 100, −0 → 0."""
    return format(value.normalize() if value else ZERO, "f")


def _text(value: Decimal | None, level: str) -> str:
    if value is None:
        return level
    text = _plain(value)
    return f"{text} ({level})" if level else text


# A million values are held at once (the period's existing ones, those seen in the file), so each is
# packed: the cell as one int, the stored value as one short text. Measured at 1 000 000 rows on
# PostgreSQL (benchmarks/io.py): tuples of a key string and a Decimal took about 380 bytes a value.
_SCOPE_CODE = {Scope.COMPANY: 0, Scope.UNIT: 1, Scope.EMPLOYEE: 2}


def _cell(indicator_id: int, scope: str, target: int | None) -> int:
    """One int for (indicator, scope, unit or employee): the cell of the period's value table."""
    return (((target or 0) << 2 | _SCOPE_CODE[scope]) << 32) | indicator_id


def _stored(value: Decimal | None, level: str) -> str:
    """The value and level as one text: equal texts, equal values (1.5 and 1.500000 alike, −0 and 0)."""
    return ("" if value is None else _plain(value)) + "\x1f" + level


def _shown(stored: str) -> str:
    value, level = stored.split("\x1f")
    if not value:
        return level
    return f"{value} ({level})" if level else value


COLUMNS = (
    "organization_id, indicator_id, period_id, scope, unit_id, employee_id, scope_key, kind, value, "
    "level_code, source, author_id, entered_at, comment, attachment"
)
STAGED_COLUMNS = (  # job, row, then a Planned payload's fields in their order
    "job_id",
    "row",
    "indicator_id",
    "scope",
    "unit_id",
    "employee_id",
    "scope_key",
    "value",
    "level_code",
    "comment",
)


def _upsert() -> str:
    """The upsert of an imported value: a changed value loses its confirmation, as value_set does."""
    table = IndicatorValue._meta.db_table
    same = "IS NOT DISTINCT FROM" if connection.vendor == "postgresql" else "IS"
    kept = f"WHEN {table}.value {same} EXCLUDED.value AND {table}.level_code = EXCLUDED.level_code"
    return (
        "ON CONFLICT (indicator_id, period_id, scope_key, kind) DO UPDATE SET "
        "value = EXCLUDED.value, level_code = EXCLUDED.level_code, source = EXCLUDED.source, "
        "author_id = EXCLUDED.author_id, entered_at = EXCLUDED.entered_at, comment = EXCLUDED.comment, "
        f"confirmed_by_id = CASE {kept} THEN {table}.confirmed_by_id ELSE NULL END, "
        f"confirmed_at = CASE {kept} THEN {table}.confirmed_at ELSE NULL END"
    )


class _Values(Importer):
    value_kind: str = ValueKind.FACT
    fields = FIELDS
    needs_period = True

    stages = True

    def begin(self) -> None:
        self.begin_staged()
        self.existing: dict[int, str] = {}  # _cell -> _stored
        rows = IndicatorValue.objects.filter(period=self.period, kind=self.value_kind).values_list(
            "indicator_id", "scope", "unit_id", "employee_id", "value", "level_code"
        )
        for indicator_id, scope, unit_id, employee_id, value, level in rows.iterator(chunk_size=20000):
            self.existing[_cell(indicator_id, scope, unit_id or employee_id)] = _stored(value, level)
        self.seen: set[int] = set()
        self.memo: dict = {}
        self.stand_in = SimpleNamespace(organization_id=self.organization.pk)

    def begin_staged(self) -> None:
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
        self._rights()
        self.now = timezone.now()
        self.written = 0

    def state_digest(self) -> str:
        """Everything check() reads besides the file and the stored values: the library, units and people
        of the organization, the viewer's rights and which cells are on a card (sorted, so the order the
        database returns them in does not matter)."""
        digest = hashlib.sha256()
        for part in (
            (self.kind, self.period.pk, self.viewer.user.pk, self.is_hr, self.own),
            sorted(self.indicators.items()),
            sorted(self.units.items()),
            sorted(self.people.items()),
            sorted(self.team),
            sorted(self.supplied),
            *(sorted(self.at_level[scope]) for scope in sorted(self.at_level)),
            *(sorted(self.on_card[scope]) for scope in sorted(self.on_card)),
        ):
            digest.update(repr(part).encode())
            digest.update(b"\x1e")
        return digest.hexdigest()

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
        refused = self._refusal(scope, indicator_id, unit_id or employee_id, code)
        if refused:
            return refused
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
        natural = _cell(indicator_id, scope, unit_id or employee_id)
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
        key = IndicatorValue.make_scope_key(scope, unit_id, employee_id)
        payload = (indicator_id, scope, unit_id, employee_id, key, value, level, values["comment"])
        if old is None:
            return Planned("create", label, [("value", "", _text(value, level))], payload)
        if old == _stored(value, level):
            return Planned("same", label, [], payload)
        return Planned("change", label, [("value", _shown(old), _text(value, level))], payload)

    def _rights(self) -> None:
        """Who may enter which cell, by the fact grid's rules (motiva.web.facts Rights and Grid.may_edit),
        read once for the whole period: the indicators entered at each level, those the viewer's position
        supplies, and which cells are on a card (an employee's card line; a line of a unit's person; any
        company line). Cells are packed as (target id << 32 | indicator id) ints: a million fit in ~60 MB."""
        period, org_id = self.period, self.organization.pk
        lines = CardLine.objects.filter(
            card__period=period, component="indicator", indicator__isnull=False, indicator__formula=""
        ).order_by()
        employee = self.viewer.employee
        self.own = employee.pk if employee is not None and employee.organization_id == org_id else None
        position = position_id_as_of(employee, timezone.localdate()) if self.own else None
        self.at_level: dict[str, set[int]] = {scope: set() for scope in LEVELS.values()}
        self.supplied: set[int] = set()
        for level, indicator_id, supplier in lines.values_list(
            "level", "indicator_id", "indicator__supplier_position_id"
        ).distinct():
            if level in LEVELS:
                self.at_level[LEVELS[level]].add(indicator_id)
                if position and supplier == position:
                    self.supplied.add(indicator_id)
        self.on_card: dict[str, set[int]] = {
            Scope.EMPLOYEE: {
                e << 32 | i
                for e, i in lines.filter(level="personal").values_list("card__employee_id", "indicator_id")
            },
            Scope.UNIT: {
                u << 32 | i
                for u, i in lines.filter(
                    Q(level="unit") & active_on(period.end, "card__employee__assignments__")
                )
                .values_list("card__employee__assignments__unit_id", "indicator_id")
                .distinct()
            },
            Scope.COMPANY: set(self.at_level[Scope.COMPANY]),
        }

    def _refusal(self, scope: str, indicator_id: int, target: int | None, code: str) -> list | None:
        """None when the viewer may enter this cell; else the reason, as the grid would refuse it."""
        field = {"employee": "personnel_number", "unit": "unit"}.get(scope, "indicator")
        on_card = self.on_card[scope]
        if (indicator_id if scope == Scope.COMPANY else (target or 0) << 32 | indicator_id) not in on_card:
            return [
                problem(
                    "not_on_card",
                    field,
                    "Показатель «{c}» не входит в карты этого уровня за период: значение не используется",
                    "Indicator “{c}” is not on a card of this scope in the period: the value would not be used",
                    c=code,
                )
            ]
        if scope == Scope.EMPLOYEE and target == self.own:
            return [
                problem(
                    "own_value",
                    field,
                    "Свои личные значения не вводит никто: их вводит руководитель или HR",
                    "Nobody enters their own personal values: a manager or HR does",
                )
            ]
        if self.value_kind == ValueKind.PLAN:
            if scope == Scope.EMPLOYEE:
                return [
                    problem(
                        "personal_plan",
                        field,
                        "План сотрудника задаётся в его карте KPI, а не загрузкой",
                        "A person's plan is set on their KPI card, not by an import",
                    )
                ]
            if self.is_hr:
                return None
        elif self.is_hr or indicator_id in self.supplied or (scope == Scope.EMPLOYEE and target in self.team):
            return None
        return [
            problem("forbidden", field, "Вы не можете вводить это значение", "You may not enter this value")
        ]

    def apply_batch(self, planned: list[Planned]) -> None:
        ensure_open(self.period)
        org_id, period_id, kind = self.organization.pk, self.period.pk, self.value_kind
        author, now = self._author(), self.now
        rows = [
            (org_id, i, period_id, s, u, e, k, kind, v, lvl, ValueSource.IMPORT, author, now, c, "")
            for (i, s, u, e, k, v, lvl, c) in (p.payload for p in planned)
        ]
        self.written += len(rows)
        table = IndicatorValue._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS import_values ON COMMIT DROP AS "  # noqa: S608
                    f"SELECT {COLUMNS} FROM {table} WITH NO DATA"
                )
                cursor.execute("TRUNCATE import_values")
                raw = cursor.cursor
                # psycopg's write_row encodes each value in C: no text building per cell here
                with raw.copy(f"COPY import_values ({COLUMNS}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                cursor.execute(
                    f"INSERT INTO {table} ({COLUMNS}) SELECT {COLUMNS} FROM import_values "  # noqa: S608
                    + _upsert()
                )
            else:
                marks = ", ".join(["%s"] * 15)
                sql = f"INSERT INTO {table} ({COLUMNS}) VALUES ({marks}) {_upsert()}"  # noqa: S608
                cursor.executemany(sql, rows)

    def _author(self) -> int | None:
        return self.actor.pk if getattr(self.actor, "pk", None) else None

    # --- staging (Importer.stages) ---

    def stage(self, job, planned: list[Planned]) -> None:
        rows = [(job.pk, p.row, *p.payload) for p in planned]
        columns = ", ".join(STAGED_COLUMNS)
        table = StagedValue._meta.db_table
        if connection.vendor == "postgresql":
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(STAGED_COLUMNS))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608

    def staged_count(self, job) -> int:
        return StagedValue.objects.filter(job_id=job.pk).count()

    @classmethod
    def unstage(cls, job) -> None:
        """Drop the job's staged rows, and those other previews of the organization left unapplied for
        more than STAGED_FOR (their apply, if it ever comes, reads and checks the file again)."""
        StagedValue.objects.filter(job_id=job.pk).delete()
        with transaction.atomic():
            # A job being checked or applied is left alone: apply locks its job row, so a stale job
            # whose apply has just begun is skipped here rather than emptied under it.
            stale = (
                ImportJob.objects.select_for_update(skip_locked=True)
                .filter(
                    organization_id=job.organization_id,
                    updated_at__lt=timezone.now() - STAGED_FOR,
                    pk__in=StagedValue.objects.values("job_id"),
                )
                .exclude(status__in=[JobStatus.PREVIEWING, JobStatus.APPLYING])
                .exclude(pk=job.pk)
            )
            ids = list(stale.values_list("pk", flat=True))
            if ids:
                StagedValue.objects.filter(job_id__in=ids).delete()
                ImportJob.objects.filter(pk__in=ids).update(staged_state="")

    def prepare_apply(self, job) -> None:
        if connection.vendor != "postgresql":
            return
        # Fresh statistics of both tables, taken before apply's transaction (ANALYZE holds a lock that
        # conflicts with itself until the transaction ends). With those of before the import — a period
        # that "has one value", a scratch table "of one row" — the planner joined by scanning the
        # period's values once per staged row: 250 s for 100 000 rows, measured; a sampled ANALYZE
        # takes well under a second even for the values table.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {StagedValue._meta.db_table}")
            cursor.execute(f"ANALYZE {IndicatorValue._meta.db_table}")

    def apply_staged(self, job, write_change) -> dict[str, int]:
        """The staged rows that differ from the stored values are taken once, into a temporary table (one
        snapshot), then listed from it in the file's order (the change list) and upserted from it, so
        what is listed is exactly what is written."""
        ensure_open(self.period)
        values, staged = IndicatorValue._meta.db_table, StagedValue._meta.db_table
        postgres = connection.vendor == "postgresql"
        differs = "IS DISTINCT FROM" if postgres else "IS NOT"

        def number(column: str) -> str:
            # SQLite keeps a decimal column as a number: read it as its text, never as a float
            return column if postgres else f"CAST({column} AS TEXT)"

        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS import_diff")
            cursor.execute(
                'CREATE TEMP TABLE import_diff AS SELECT s."row", s.indicator_id, s.scope, s.unit_id, '  # noqa: S608
                "s.employee_id, s.scope_key, s.value, s.level_code, s.comment, v.id AS old_id, "
                "v.value AS old_value, v.level_code AS old_level "
                f"FROM {staged} s LEFT JOIN {values} v ON v.indicator_id = s.indicator_id "
                "AND v.period_id = %s AND v.scope_key = s.scope_key AND v.kind = %s "
                f"WHERE s.job_id = %s AND (v.id IS NULL OR v.value {differs} s.value "
                "OR v.level_code <> s.level_code)",
                [self.period.pk, self.value_kind, job.pk],
            )
            cursor.execute("SELECT count(*) FROM import_diff")
            (differing,) = cursor.fetchone()
        codes = {pk: code for code, (pk, *_rest) in self.indicators.items()}
        unit_codes = {pk: code for code, pk in self.units.items()}
        names = {pk: f"{name} ({number_})" for number_, (pk, name) in self.people.items()}
        created = changed = 0
        with connection.chunked_cursor() as cursor:
            cursor.execute(
                "SELECT indicator_id, unit_id, employee_id, "  # noqa: S608 (column names of this module)
                f"{number('value')}, level_code, old_id, {number('old_value')}, old_level "
                'FROM import_diff ORDER BY "row"'
            )
            while chunk := cursor.fetchmany(20000):
                for indicator_id, unit_id, employee_id, value, level, old_id, old, old_level in chunk:
                    target = (
                        unit_codes[unit_id] if unit_id else names[employee_id] if employee_id else "компания"
                    )
                    label = f"{codes[indicator_id]} · {target}"
                    new = _text(None if value is None else Decimal(value), level)
                    if old_id is None:
                        created += 1
                        write_change("create", label, "value", "", new)
                    else:
                        changed += 1
                        write_change(
                            "change",
                            label,
                            "value",
                            _text(None if old is None else Decimal(old), old_level),
                            new,
                        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {values} ({COLUMNS}) SELECT %s, indicator_id, %s, scope, unit_id, "  # noqa: S608
                "employee_id, scope_key, %s, value, level_code, %s, %s, %s, comment, '' "
                f"FROM import_diff WHERE true {_upsert()}",
                [
                    self.organization.pk,
                    self.period.pk,
                    self.value_kind,
                    ValueSource.IMPORT,
                    self._author(),
                    self.now,
                ],
            )
            written = cursor.rowcount
            cursor.execute("DROP TABLE import_diff")
        staged_now = self.staged_count(job)
        if written != differing or created + changed != differing or staged_now < differing:
            # cannot happen while the job row is locked; refuse rather than report what was not written
            raise InvalidInput(
                [
                    problem(
                        "staged_changed",
                        "file",
                        "Проверенные строки изменились во время применения: проверьте файл ещё раз",
                        "The checked rows changed while they were applied: check the file again",
                    )
                ]
            )
        self.written = written
        return {"create": created, "change": changed, "same": staged_now - differing}

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
