"""Writes to periods and to plan and fact values."""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from motiva.core import audit, files
from motiva.core.errors import InvalidInput, problem, raise_if_errors
from motiva.core.models import AuditAction, AuditEvent, Organization
from motiva.engine.problems import Problem
from motiva.engine.validation import DateSpan, no_overlap
from motiva.kpi.models import Indicator, IndicatorKind
from motiva.org.models import Employee, Unit
from motiva.periods.guards import ensure_open
from motiva.periods.models import (
    ALLOWED_TRANSITIONS,
    IndicatorValue,
    Period,
    PeriodKind,
    PeriodStatus,
    Scope,
    ValueKind,
    ValueSource,
)

VALUE_PLACES = 6  # IndicatorValue.value keeps six decimal places
MONTHS_IN = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF_YEAR: 6, PeriodKind.YEAR: 12}
MONTH_NAMES_RU = [
    "",
    "Январь",
    "Февраль",
    "Март",
    "Апрель",
    "Май",
    "Июнь",
    "Июль",
    "Август",
    "Сентябрь",
    "Октябрь",
    "Ноябрь",
    "Декабрь",
]
ROMAN = ["I", "II", "III", "IV"]


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_bounds(organization: Organization, kind: str, start: dt.date) -> tuple[dt.date, str]:
    """The end and the default name of a period of `kind` starting at `start`."""
    end = add_months(start, MONTHS_IN[PeriodKind(kind)]) - dt.timedelta(days=1)
    months_from_fy = (start.month - organization.fiscal_year_start_month) % 12
    if kind == PeriodKind.MONTH:
        name = f"{MONTH_NAMES_RU[start.month]} {start.year}"
    elif kind == PeriodKind.QUARTER:
        name = f"{ROMAN[months_from_fy // 3]} квартал {start.year}"
    elif kind == PeriodKind.HALF_YEAR:
        name = f"{ROMAN[months_from_fy // 6]} полугодие {start.year}"
    else:
        name = f"{start.year} год" if start.month == 1 else f"{start.year}/{end.year} финансовый год"
    return end, name


@transaction.atomic
def period_create(
    *, actor: Any, organization: Organization, kind: str, start: dt.date, name: str = ""
) -> Period:
    if kind not in PeriodKind.values:
        raise InvalidInput(
            [problem("choice", "kind", "Неизвестный вид периода «{k}»", "Unknown period kind “{k}”", k=kind)]
        )
    problems: list[Problem] = []
    if start.day != 1:
        problems.append(
            problem(
                "start_day",
                "start",
                "Период начинается с первого числа месяца",
                "A period starts on the first day of a month",
            )
        )
    months_from_fy = (start.month - organization.fiscal_year_start_month) % 12
    if months_from_fy % MONTHS_IN[PeriodKind(kind)] != 0:
        problems.append(
            problem(
                "start_month",
                "start",
                "Этот вид периода начинается в месяц, кратный своей длине от начала финансового года",
                "This kind of period starts a whole number of its lengths after the fiscal year start",
            )
        )
    end, default_name = period_bounds(organization, kind, start)
    same_kind = [
        DateSpan(p.start, p.end, p.name)
        for p in Period.objects.filter(organization=organization, kind=kind, start__lte=end, end__gte=start)
    ]
    problems += no_overlap(
        DateSpan(start, end), same_kind, code="period_overlap", what_ru="периодом", what_en="period"
    )
    raise_if_errors(problems)
    period = Period.objects.create(
        organization=organization, kind=kind, start=start, end=end, name=name or default_name
    )
    audit.record_create(actor=actor, obj=period, fields=["kind", "start", "end", "name", "status"])
    return period


@transaction.atomic
def period_transition(*, actor: Any, period: Period, to_status: str, reason: str = "") -> Period:
    period = Period.objects.select_for_update().get(pk=period.pk)
    if to_status not in ALLOWED_TRANSITIONS.get(period.status, set()):
        allowed = (
            ", ".join(
                str(PeriodStatus(s).label) for s in sorted(ALLOWED_TRANSITIONS.get(period.status, set()))
            )
            or "—"
        )
        raise InvalidInput(
            [
                problem(
                    "transition",
                    "status",
                    "Из статуса «{current}» нельзя перейти в «{target}»; возможно: {allowed}",
                    "Cannot move from “{current}” to “{target}”; possible: {allowed}",
                    current=period.get_status_display(),
                    target=to_status,
                    allowed=allowed,
                )
            ]
        )
    before = audit.snapshot(period, ["status"])
    period.status = to_status
    period.save(update_fields=["status"])
    audit.record(
        actor=actor,
        obj=period,
        action=AuditAction.TRANSITION,
        before=before,
        after=audit.snapshot(period, ["status"]),
        reason=reason,
    )
    return period


def value_problems(
    indicator: Indicator,
    kind: str,
    value: Decimal | None,
    level_code: str,
    scope: str,
    unit: Unit | None,
    employee: Employee | None,
) -> list[Problem]:
    problems: list[Problem] = []
    if kind not in ValueKind.values:
        problems.append(problem("choice", "kind", "Ожидается «план» или «факт»", "Expected plan or fact"))
    if scope not in Scope.values:
        problems.append(
            problem("choice", "scope", "Неизвестный уровень «{s}»", "Unknown scope “{s}”", s=scope)
        )
    elif scope == Scope.UNIT and unit is None:
        problems.append(problem("required", "unit", "Укажите подразделение", "Choose the unit"))
    elif scope == Scope.EMPLOYEE and employee is None:
        problems.append(problem("required", "employee", "Укажите сотрудника", "Choose the employee"))
    for obj, field in ((unit, "unit"), (employee, "employee")):
        if obj is not None and obj.organization_id != indicator.organization_id:
            problems.append(
                problem(
                    "other_organization",
                    field,
                    "Объект из другой организации",
                    "The object belongs to another organization",
                )
            )
    if value is None and not level_code:
        problems.append(problem("required", "value", "Введите значение", "Enter the value"))
        return problems
    if value is not None:
        if indicator.kind == IndicatorKind.BINARY and value not in (Decimal(0), Decimal(1)):
            problems.append(
                problem(
                    "binary",
                    "value",
                    "Для события допустимо только 1 (произошло) или 0 (не произошло)",
                    "A binary event takes only 1 (happened) or 0 (did not happen)",
                )
            )
        if indicator.kind == IndicatorKind.PENALTY and (value < 0 or value != value.to_integral()):
            problems.append(
                problem(
                    "penalty",
                    "value",
                    "Число нарушений — целое неотрицательное",
                    "The number of violations is a whole number ≥ 0",
                )
            )
        if indicator.kind == IndicatorKind.RATING and (value not in {Decimal(n) for n in range(-2, 3)}):
            problems.append(
                problem(
                    "rating",
                    "value",
                    "Оценка — целое от −2 до +2",
                    "A rating is a whole number from −2 to +2",
                )
            )
        if abs(value) >= Decimal("1e14"):
            problems.append(
                problem("too_large", "value", "Слишком большое значение", "The value is too large")
            )
        elif Decimal(value).normalize().as_tuple().exponent < -VALUE_PLACES:  # type: ignore[operator]
            # the column keeps six places: more would be rounded away without a word
            problems.append(
                problem(
                    "too_precise",
                    "value",
                    "Не больше {n} знаков после запятой",
                    "At most {n} decimal places",
                    n=VALUE_PLACES,
                )
            )
    return problems


@transaction.atomic
def value_set(
    *,
    actor: Any,
    indicator: Indicator,
    period: Period,
    kind: str,
    value: Decimal | None,
    scope: str = Scope.COMPANY,
    unit: Unit | None = None,
    employee: Employee | None = None,
    level_code: str = "",
    source: str = ValueSource.MANUAL,
    comment: str = "",
) -> IndicatorValue:
    """Enter or change a plan or fact. A changed fact loses its confirmation."""
    ensure_open(period)
    problems = value_problems(indicator, kind, value, level_code, scope, unit, employee)
    if period.organization_id != indicator.organization_id:
        problems.append(
            problem(
                "other_organization",
                "period",
                "Период из другой организации",
                "The period belongs to another organization",
            )
        )
    if source not in ValueSource.values:
        problems.append(problem("choice", "source", "Неизвестный источник", "Unknown source"))
    raise_if_errors(problems)
    if scope != Scope.UNIT:
        unit = None
    if scope != Scope.EMPLOYEE:
        employee = None
    key = IndicatorValue.make_scope_key(scope, unit.pk if unit else None, employee.pk if employee else None)
    existing = (
        # Only the value's own row: the model's ordering joins the period, and FOR UPDATE on that join
        # would lock the period row too, which every writer holds FOR SHARE (ensure_open) -> a deadlock
        # between two writers of one period (found by benchmarks/faults.py).
        IndicatorValue.objects.select_for_update(of=("self",))
        .filter(indicator=indicator, period=period, scope_key=key, kind=kind)
        .order_by("pk")
        .first()
    )
    author = actor if getattr(actor, "pk", None) else None
    if existing is None:
        row = IndicatorValue.objects.create(
            organization_id=indicator.organization_id,
            indicator=indicator,
            period=period,
            scope=scope,
            unit=unit,
            employee=employee,
            scope_key=key,
            kind=kind,
            value=value,
            level_code=level_code,
            source=source,
            author=author,
            comment=comment,
        )
        audit.record_create(
            actor=actor, obj=row, fields=["kind", "scope_key", "value", "level_code", "source", "comment"]
        )
        return row
    changes: dict[str, Any] = {
        "value": value,
        "level_code": level_code,
        "source": source,
        "comment": comment,
        "author": author,
    }
    if existing.value != value or existing.level_code != level_code:
        changes |= {"confirmed_by": None, "confirmed_at": None}
    audit.apply_changes(actor=actor, obj=existing, changes=changes)
    return existing


@transaction.atomic
def value_confirm(*, actor: Any, value: IndicatorValue) -> IndicatorValue:
    ensure_open(value.period)
    if value.kind != ValueKind.FACT:
        raise InvalidInput(
            [problem("not_fact", "kind", "Подтверждается только факт", "Only a fact is confirmed")]
        )
    if value.author_id is not None and value.author_id == getattr(actor, "pk", None):
        raise InvalidInput(
            [
                problem(
                    "self_confirm",
                    "confirmed_by",
                    "Нельзя подтвердить факт, который вы ввели сами",
                    "You cannot confirm a fact you entered yourself",
                )
            ]
        )
    if (
        value.employee_id is not None
        and value.employee.user_id is not None
        and value.employee.user_id == getattr(actor, "pk", None)
    ):
        raise InvalidInput(
            [
                problem(
                    "own_fact",
                    "confirmed_by",
                    "Нельзя подтвердить собственный факт",
                    "You cannot confirm your own fact",
                )
            ]
        )
    audit.apply_changes(
        actor=actor, obj=value, changes={"confirmed_by": actor, "confirmed_at": timezone.now()}
    )
    return value


MAX_CONFIRMED_AT_ONCE = 500


@transaction.atomic
def values_confirm(*, actor: Any, values: list[IndicatorValue], awaiting: Any) -> int:
    """Confirm many facts at once ("confirm all shown"): each must be among `awaiting` (the facts that
    wait for this actor's confirmation, from `periods.selectors.values_awaiting_confirmation`) and in an
    open period. One refused value refuses them all, naming it; the events share one change."""
    if not values:
        raise InvalidInput(
            [problem("required", "values", "Нет фактов для подтверждения", "There are no facts to confirm")]
        )
    if len(values) > MAX_CONFIRMED_AT_ONCE:
        raise InvalidInput(
            [
                problem(
                    "too_many",
                    "values",
                    "За один раз подтверждается не больше {n} фактов",
                    "At most {n} facts are confirmed at once",
                    n=MAX_CONFIRMED_AT_ONCE,
                )
            ]
        )
    ids = list(dict.fromkeys(v.pk for v in values))
    locked = {
        v.pk: v
        # Only the values' rows are locked: their employee or unit is an outer join (one of them is empty),
        # which PostgreSQL cannot lock.
        for v in IndicatorValue.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("indicator", "period", "employee", "unit")
    }
    allowed = set(awaiting.filter(pk__in=ids).values_list("pk", flat=True))
    problems: list[Problem] = []
    checked: set[int] = set()
    for pk in ids:
        value = locked.get(pk)
        if value is None:
            problems.append(
                problem("missing", f"value {pk}", "Факт {pk} не найден", "Fact {pk} does not exist", pk=pk)
            )
            continue
        whose = str(value.employee) if value.employee_id else value.unit.name if value.unit_id else "—"
        label = f"{value.indicator.name} · {whose} · {value.period.name}"
        if value.period_id not in checked:
            try:
                ensure_open(value.period, field=f"value {pk}")
            except InvalidInput as error:
                problems += error.problems
                continue
            checked.add(value.period_id)
        if value.confirmed_at is not None:
            problems.append(
                problem(
                    "already_confirmed",
                    f"value {pk}",
                    "{what}: факт уже подтверждён",
                    "{what}: the fact is already confirmed",
                    what=label,
                )
            )
        elif pk not in allowed:
            problems.append(
                problem(
                    "not_confirmer",
                    f"value {pk}",
                    "{what}: этот факт подтверждаете не вы (или вы его ввели, или он ваш собственный)",
                    "{what}: you do not confirm this fact (or you entered it, or it is your own)",
                    what=label,
                )
            )
    raise_if_errors(problems)
    change = uuid.uuid4()
    now = timezone.now()
    for pk in ids:
        value = locked[pk]
        before = audit.snapshot(value, ["confirmed_by", "confirmed_at"])
        value.confirmed_by, value.confirmed_at = actor, now
        audit.record(
            actor=actor,
            obj=value,
            action=AuditAction.UPDATE,
            before=before,
            after=audit.snapshot(value, ["confirmed_by", "confirmed_at"]),
            change_id=change,
        )
    IndicatorValue.objects.filter(pk__in=ids).update(confirmed_by=actor, confirmed_at=now)
    return len(ids)


ATTACHMENT_EXTENSIONS = frozenset(
    {"pdf", "png", "jpg", "jpeg", "xlsx", "xls", "docx", "doc", "csv", "txt", "odt", "ods"}
)
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


@transaction.atomic
def value_annotate(
    *,
    actor: Any,
    value: IndicatorValue,
    comment: str | None = None,
    attachment: Any = None,
    remove_attachment: bool = False,
) -> IndicatorValue:
    """Change a value's comment, attach a supporting document (a report, a scan) to it or remove it.
    A replaced or removed file is deleted once the change is committed; a file that cannot be
    written (a full disk) changes nothing and leaves nothing behind."""
    ensure_open(value.period)
    problems = []
    if attachment is not None:
        name = str(getattr(attachment, "name", ""))
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension not in ATTACHMENT_EXTENSIONS:
            problems.append(
                problem(
                    "file_type",
                    "attachment",
                    "Файл «{n}»: допустимы {types}",
                    "File “{n}”: allowed are {types}",
                    n=name,
                    types=", ".join(sorted(ATTACHMENT_EXTENSIONS)),
                )
            )
        if getattr(attachment, "size", 0) > ATTACHMENT_MAX_BYTES:
            problems.append(
                problem(
                    "file_size",
                    "attachment",
                    "Файл «{n}» больше 10 МБ",
                    "File “{n}” is larger than 10 MB",
                    n=name,
                )
            )
        if len(name) > 150:
            problems.append(
                problem("file_name", "attachment", "Слишком длинное имя файла", "The file name is too long")
            )
    if comment is not None and len(comment) > 2000:
        problems.append(
            problem(
                "too_long",
                "comment",
                "Комментарий длиннее 2000 знаков",
                "The comment is longer than 2000 characters",
            )
        )
    raise_if_errors(problems)
    changes: dict[str, Any] = {}
    if comment is not None and comment != value.comment:
        changes["comment"] = comment
    field = value._meta.get_field("attachment")
    storage = field.storage  # type: ignore[union-attr]
    previous = value.attachment.name or ""
    stored = ""
    if attachment is not None:
        # The file is complete on disk before the row refers to it (see motiva.core.files).
        try:
            stored = storage.save(
                field.generate_filename(value, name),  # type: ignore[union-attr]
                attachment,
                max_length=field.max_length,
            )
        except OSError as error:
            if not files.is_disk_full(error):
                raise
            raise InvalidInput(
                [
                    problem(
                        "disk_full",
                        "attachment",
                        "Файл «{n}» не сохранён: на сервере нет места. Ничего не изменено;"
                        " сообщите администратору и повторите позже",
                        "File “{n}” was not saved: the server's disk is full. Nothing was changed;"
                        " tell the administrator and try again later",
                        n=name,
                    )
                ]
            ) from None
        changes["attachment"] = stored
    elif remove_attachment and previous:
        changes["attachment"] = ""
    try:
        with transaction.atomic():
            if changes:
                audit.apply_changes(actor=actor, obj=value, changes=changes)
    except BaseException:
        if stored:
            storage.delete(stored)
        raise
    if "attachment" in changes and previous and previous != value.attachment.name:
        files.delete_after_commit(storage, previous)
    return value


@transaction.atomic
def values_load(
    *, actor: Any, rows: list[dict[str, Any]], source: str = ValueSource.IMPORT
) -> list[IndicatorValue]:
    """Load many new plan/fact values at once (imports, the demo history). Every row is validated
    first; one bad row rejects the whole load and names the row. Existing values are not overwritten."""
    problems: list[Problem] = []
    prepared: list[IndicatorValue] = []
    periods: dict[int, Period] = {}
    author = actor if getattr(actor, "pk", None) else None
    for number, row in enumerate(rows, start=1):
        period: Period = row["period"]
        if period.pk not in periods:
            ensure_open(period, field=f"row {number}.period")
            periods[period.pk] = period
        indicator: Indicator = row["indicator"]
        scope = row.get("scope", Scope.COMPANY)
        unit, employee = row.get("unit"), row.get("employee")
        row_problems = value_problems(
            indicator, row["kind"], row.get("value"), row.get("level_code", ""), scope, unit, employee
        )
        problems += [Problem(p.code, f"row {number}.{p.field}", p.message, p.severity) for p in row_problems]
        key = IndicatorValue.make_scope_key(
            scope, unit.pk if unit else None, employee.pk if employee else None
        )
        prepared.append(
            IndicatorValue(
                organization_id=indicator.organization_id,
                indicator=indicator,
                period=period,
                scope=scope,
                unit=unit if scope == Scope.UNIT else None,
                employee=employee if scope == Scope.EMPLOYEE else None,
                scope_key=key,
                kind=row["kind"],
                value=row.get("value"),
                level_code=row.get("level_code", ""),
                source=source,
                author=author,
                comment=row.get("comment", ""),
            )
        )
    seen: dict[tuple[int, int, str, str], int] = {}
    for number, item in enumerate(prepared, start=1):
        identity = (item.indicator.pk, item.period.pk, item.scope_key, item.kind)
        if identity in seen:
            # The same cell twice in one block: which value was meant is unknown, so neither is loaded.
            problems.append(
                problem(
                    "duplicate_row",
                    f"row {number}",
                    "Строки {first} и {n}: одна и та же ячейка ({what}) дважды",
                    "Rows {first} and {n}: the same cell ({what}) twice",
                    n=number,
                    first=seen[identity],
                    what=f"{item.indicator.code} · {item.period.name} · {item.scope_key} · {item.kind}",
                )
            )
        else:
            seen[identity] = number
    raise_if_errors(problems)
    created = IndicatorValue.objects.bulk_create(prepared, batch_size=1000)
    change = uuid.uuid4()
    audit.append(  # on the audit trail's hash chain, like every event
        [
            AuditEvent(
                organization_id=row.organization_id,
                actor=author,
                change_id=change,
                action=AuditAction.CREATE,
                entity_type=IndicatorValue._meta.label,
                entity_id=str(row.pk),
                entity_repr=f"{row.indicator.code} {row.kind} {row.period.name} {row.scope_key}"[:300],
                field="value",
                new_value=audit.value_text(row.value) or row.level_code,
            )
            for row in created
        ],
        batch_size=1000,
    )
    return created
