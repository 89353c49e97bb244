"""Writes to working time: calendars installed from the shipped files, exceptional days corrected by HR,
timesheet hours entered per employee and period. Atomic, validated, audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from motiva.core import audit
from motiva.core.errors import InvalidInput, problem, raise_if_errors
from motiva.core.models import Organization
from motiva.engine.calendar import CalendarDay as EngineDay
from motiva.engine.calendar import WorkCalendar, parse_days
from motiva.engine.money import D
from motiva.engine.problems import Problem
from motiva.org.models import Employee
from motiva.periods.guards import ensure_open
from motiva.periods.models import Period
from motiva.worktime.models import CalendarDay, CalendarStatus, CalendarYear, Timesheet
from motiva.worktime.selectors import calendar_from_rows, calendar_rows
from motiva.worktime.shipped import COUNTRY_BY_CURRENCY, read_shipped, shipped_codes

YEAR_FIELDS = ["year", "hours_per_day", "source", "status"]
DAY_FIELDS = ["date", "kind", "hours", "note"]
TIMESHEET_FIELDS = ["employee", "period", "hours", "comment"]
MAX_PERIOD_HOURS = Decimal(24 * 366)


def default_calendar_codes(currency: str) -> list[str]:
    """The shipped years an organization paying in this currency gets (Russia's for RUB, Kyrgyzstan's for KGS)."""
    country = COUNTRY_BY_CURRENCY.get(currency)
    return shipped_codes(country) if country else []


@transaction.atomic
def calendar_install(*, actor: Any, organization: Organization, code: str) -> CalendarYear:
    """A shipped year (`ru-2026`) becomes the organization's calendar for that year."""
    try:
        shipped = read_shipped(code)
    except KeyError:
        raise InvalidInput(
            [
                problem(
                    "unknown_calendar",
                    "code",
                    "Нет календаря «{c}»; есть: {known}",
                    "No calendar “{c}”; shipped: {known}",
                    c=code,
                    known=", ".join(shipped_codes()),
                )
            ]
        ) from None
    if CalendarYear.objects.filter(organization=organization, year=shipped.year).exists():
        raise InvalidInput(
            [
                problem(
                    "duplicate",
                    "year",
                    "Календарь на {y} год уже есть",
                    "The calendar for {y} exists",
                    y=shipped.year,
                )
            ]
        )
    year = CalendarYear.objects.create(
        organization=organization,
        year=shipped.year,
        hours_per_day=shipped.hours_per_day,
        source=code,
        status=CalendarStatus.PROVISIONAL if shipped.status == "provisional" else CalendarStatus.CONFIRMED,
    )
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(calendar=year, date=day.date, kind=day.kind, hours=day.hours, note=day.note)
            for day in shipped.days
        ]
    )
    audit.record_create(actor=actor, obj=year, fields=YEAR_FIELDS, reason=f"{code}: {len(shipped.days)}")
    return year


def calendars_install(*, actor: Any, organization: Organization, codes: list[str]) -> list[CalendarYear]:
    return [calendar_install(actor=actor, organization=organization, code=code) for code in codes]


@transaction.atomic
def calendar_year_create(
    *, actor: Any, organization: Organization, year: int, hours_per_day: Decimal = Decimal(8)
) -> CalendarYear:
    """A year without a shipped calendar: the week alone until HR lists its exceptional days."""
    problems = []
    if not 1900 <= year <= 2200:
        problems.append(
            problem("year", "year", "Год {y} вне допустимого", "Year {y} is out of range", y=year)
        )
    if not Decimal(0) < hours_per_day <= 24:
        problems.append(
            problem("range", "hours_per_day", "Часов в рабочем дне — от 0 до 24", "Hours per day are 0 to 24")
        )
    if CalendarYear.objects.filter(organization=organization, year=year).exists():
        problems.append(
            problem(
                "duplicate", "year", "Календарь на {y} год уже есть", "The calendar for {y} exists", y=year
            )
        )
    raise_if_errors(problems)
    calendar = CalendarYear.objects.create(organization=organization, year=year, hours_per_day=hours_per_day)
    audit.record_create(actor=actor, obj=calendar, fields=YEAR_FIELDS)
    return calendar


@transaction.atomic
def calendar_confirm(*, actor: Any, calendar: CalendarYear, basis: str) -> CalendarYear:
    """HR has checked a provisional year's days against the official decree (named in `basis`, kept with
    the year and in the audit log): runs that use it stop warning."""
    basis = basis.strip()
    problems = []
    if calendar.status != CalendarStatus.PROVISIONAL:
        problems.append(
            problem(
                "already_confirmed",
                "status",
                "Календарь на {y} год уже подтверждён",
                "The calendar for {y} is confirmed already",
                y=calendar.year,
            )
        )
    if not basis:
        problems.append(
            problem(
                "required",
                "basis",
                "Укажите, с чем сверен календарь (например, постановление Правительства с датой и номером)",
                "Say what the calendar was checked against (e.g. the government decree with its date and number)",
            )
        )
    raise_if_errors(problems)
    audit.apply_changes(
        actor=actor,
        obj=calendar,
        changes={"status": CalendarStatus.CONFIRMED, "confirmed_basis": basis[:300]},
        reason=basis,
    )
    return calendar


def _day_problems(
    calendar: CalendarYear, date: dt.date, kind: str, hours: Decimal | None
) -> tuple[EngineDay | None, list[Any]]:
    raw: dict[str, Any] = {"date": date, "kind": kind}
    if hours is not None:
        raw["hours"] = str(hours)
    days, problems = parse_days([raw], "day", calendar.hours_per_day)
    problems = [Problem(p.code, p.field.split(".")[-1], p.message) for p in problems]
    if date.year != calendar.year:
        problems.append(
            problem("other_year", "date", "Дата не из {y} года", "The date is not in {y}", y=calendar.year)
        )
    return (days[0] if days else None), problems


@transaction.atomic
def calendar_day_set(
    *,
    actor: Any,
    calendar: CalendarYear,
    date: dt.date,
    kind: str,
    hours: Decimal | None = None,
    note: str = "",
    reason: str = "",
) -> CalendarDay:
    """Add an exceptional day or change the one of that date (hours default to the kind's: the day's
    norm for a working day, one less for a shortened day, none for a holiday or day off)."""
    day, problems = _day_problems(calendar, date, kind, hours)
    raise_if_errors(problems)
    assert day is not None
    existing = CalendarDay.objects.filter(calendar=calendar, date=date).first()
    if existing is None:
        created = CalendarDay.objects.create(
            calendar=calendar, date=date, kind=day.kind, hours=day.hours, note=note.strip()
        )
        audit.record(
            actor=actor,
            obj=calendar,
            action="update",
            before={"day": ""},
            after={
                "day": f"{date.isoformat()} {day.kind} {audit.value_text(day.hours)} {note.strip()}".strip()
            },
            reason=reason,
        )
        return created
    before = f"{existing.date.isoformat()} {existing.kind} {audit.value_text(existing.hours)} {existing.note}".strip()
    audit.apply_changes(
        actor=actor,
        obj=existing,
        changes={"kind": day.kind, "hours": day.hours, "note": note.strip()},
        reason=reason,
    )
    after = f"{existing.date.isoformat()} {existing.kind} {audit.value_text(existing.hours)} {existing.note}".strip()
    if before != after:
        audit.record(
            actor=actor,
            obj=calendar,
            action="update",
            before={"day": before},
            after={"day": after},
            reason=reason,
        )
    return existing


@transaction.atomic
def calendar_day_remove(*, actor: Any, day: CalendarDay, reason: str = "") -> None:
    """The date follows the week again."""
    calendar = day.calendar
    before = f"{day.date.isoformat()} {day.kind} {audit.value_text(day.hours)} {day.note}".strip()
    audit.record_delete(actor=actor, obj=day, fields=DAY_FIELDS, reason=reason)
    audit.record(
        actor=actor, obj=calendar, action="update", before={"day": before}, after={"day": ""}, reason=reason
    )
    day.delete()


def work_calendar(organization: Organization, start: dt.date, end: dt.date) -> WorkCalendar:
    """The organization's calendar for the years from start to end, as the engine's value (one query)."""
    rows = calendar_rows(organization.pk, start, end)
    return calendar_from_rows(organization.name, [row[1:6] for row in rows])


@transaction.atomic
def timesheet_set(
    *, actor: Any, period: Period, employee: Employee, hours: Decimal | str, comment: str = ""
) -> Timesheet:
    """The hours the employee actually worked in the period; for hours-based proration they take
    precedence over the calendar."""
    ensure_open(period)
    problems = []
    try:
        value = D(hours)
    except (TypeError, ValueError):
        raise InvalidInput(
            [problem("not_a_number", "hours", "«{v}» — не число", "“{v}” is not a number", v=hours)]
        ) from None
    if value < 0 or value > MAX_PERIOD_HOURS:
        problems.append(
            problem("range", "hours", "Часы — от 0 до {m}", "Hours are 0 to {m}", m=MAX_PERIOD_HOURS)
        )
    if employee.organization_id != period.organization_id:
        problems.append(
            problem(
                "other_organization",
                "employee",
                "Сотрудник из другой организации",
                "The employee belongs to another organization",
            )
        )
    raise_if_errors(problems)
    existing = Timesheet.objects.filter(period=period, employee=employee).first()
    if existing is None:
        sheet = Timesheet.objects.create(
            organization_id=period.organization_id,
            period=period,
            employee=employee,
            hours=value,
            comment=comment.strip(),
            entered_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record_create(actor=actor, obj=sheet, fields=TIMESHEET_FIELDS)
        return sheet
    audit.apply_changes(actor=actor, obj=existing, changes={"hours": value, "comment": comment.strip()})
    if getattr(actor, "pk", None):
        Timesheet.objects.filter(pk=existing.pk).update(entered_by=actor)
    return existing


@transaction.atomic
def timesheet_remove(*, actor: Any, sheet: Timesheet) -> None:
    ensure_open(sheet.period)
    audit.record_delete(actor=actor, obj=sheet, fields=TIMESHEET_FIELDS)
    sheet.delete()
