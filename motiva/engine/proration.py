"""Time actually worked inside a period: hire and termination, FTE, absences, the production calendar,
the timesheet and the scheme's policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from motiva.engine.calendar import WorkCalendar, missing_calendar
from motiva.engine.memo import Memo
from motiva.engine.money import ONE, ZERO, RoundingPolicy, quantize
from motiva.engine.problems import Problem
from motiva.engine.trace import Step, step
from motiva.engine.types import Absence, EmploymentSpan, PayInput, SalarySpan


class ProrationPolicy(StrEnum):
    PROPORTIONAL = "proportional"  # days worked / days in the period (half a month → 50 %)
    NONE = "none"  # full bonus for anyone employed in the period
    LEAVE_MONTH_ZERO = "leave_month_zero"  # no bonus for a month with any leave [S1]
    LEAVE_MONTH_HALF = "leave_month_half"  # 50 % for a month with leave [S0]


class DayBasis(StrEnum):
    CALENDAR = "calendar"  # calendar days
    WORKING = "working"  # working days of the production calendar
    HOURS = "hours"  # working hours of the production calendar (or the timesheet's hours)


class ProrationSpan(StrEnum):
    BY_MONTH = "by_month"  # each month's share, averaged over the period's months (the default)
    WHOLE_PERIOD = "whole_period"  # worked ÷ the whole period's days (hours) at once


# The scheme parameters of time worked, with their values (the scheme checker registers them).
PRORATION_PARAMS: dict[str, tuple[str, ...]] = {
    "proration": tuple(ProrationPolicy),
    "day_basis": tuple(DayBasis),
    "proration_span": tuple(ProrationSpan),
}
_POLICIES = {policy.value: policy for policy in ProrationPolicy}
BONUS_ABSENCES = {"vacation", "sick", "unpaid", "other"}


def _months(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    months = []
    cursor = start
    while cursor <= end:
        next_month = (cursor.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        months.append((cursor, min(end, next_month - dt.timedelta(days=1))))
        cursor = next_month
    return months


def _count(start: dt.date, end: dt.date, calendar: bool) -> int:
    """Days from start to end inclusive; Monday to Friday only unless calendar."""
    if end < start:
        return 0
    total = (end - start).days + 1
    if calendar:
        return total
    weeks, rest = divmod(total, 7)
    weekday = start.weekday()
    return weeks * 5 + sum(1 for offset in range(rest) if (weekday + offset) % 7 < 5)


def _merge(spans: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """Overlapping absences counted once."""
    merged: list[tuple[dt.date, dt.date]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def prorate(
    start: dt.date,
    end: dt.date,
    employment: Sequence[EmploymentSpan],
    absences: Sequence[Absence],
    policy: str = ProrationPolicy.PROPORTIONAL,
    basis: str = DayBasis.CALENDAR,
    calendar: WorkCalendar | None = None,
    span: str = ProrationSpan.BY_MONTH,
    timesheet_hours: Decimal | None = None,
    memo: Memo | None = None,
) -> tuple[Decimal, tuple[Step, ...]]:
    """The share of the period's pay earned (0…1, FTE included) and the steps that explain it.

    Working days and hours come from the calendar; without one they are Monday to Friday at 8 hours
    (calculate_pay never gets here without a calendar that covers the period: see time_share)."""
    if memo is None:
        return _prorate(
            start, end, tuple(employment), tuple(absences), policy, basis, calendar, span, timesheet_hours
        )
    key = _share_key(start, end, employment, absences, policy, basis, calendar, span, timesheet_hours)
    try:
        known = memo.shares.get(key)
    except TypeError:  # unhashable input: computed without the memo
        return _prorate(
            start, end, tuple(employment), tuple(absences), policy, basis, calendar, span, timesheet_hours
        )
    if known is None:
        known = memo.shares[key] = _prorate(
            start, end, tuple(employment), tuple(absences), policy, basis, calendar, span, timesheet_hours
        )
    return known


def _share_key(
    start: dt.date,
    end: dt.date,
    employment: Sequence[EmploymentSpan],
    absences: Sequence[Absence],
    policy: str,
    basis: str,
    calendar: WorkCalendar | None,
    span: str,
    timesheet_hours: Decimal | None,
) -> tuple[object, ...]:
    """What tells one case of time worked from another.

    Most people of a run share their employment and absences (hired before the period, no leave): the
    share and its steps (immutable) are computed once for each distinct case. The case is told by dates,
    the FTE's text and the calendar's key: equal FTEs may differ in their digits (1 and 1.00), and
    hashing a Decimal (or a calendar's days) costs more than writing it out."""
    return (
        start,
        end,
        tuple([(e.start, e.end, str(e.fte)) for e in employment]),
        tuple([(a.kind, a.start, a.end) for a in absences]) if absences else (),
        policy,
        basis,
        calendar.key if calendar is not None else None,
        span,
        None if timesheet_hours is None else str(timesheet_hours),
    )


_FOUR = Decimal("0.0001")
_EIGHT = Decimal(8)

# The unit each basis counts in, as the trace names it.
_UNITS = {
    DayBasis.CALENDAR: ("дн.", "days"),
    DayBasis.WORKING: ("раб. дн.", "working days"),
    DayBasis.HOURS: ("ч", "hours"),
}


def _counter(basis: DayBasis, calendar: WorkCalendar | None) -> Any:
    """A function (start, end) → the days or hours of that span on the basis."""
    if basis is DayBasis.CALENDAR:
        return lambda lo, hi: _count(lo, hi, True)
    if calendar is not None:
        return calendar.working_days if basis is DayBasis.WORKING else calendar.working_hours
    if basis is DayBasis.WORKING:
        return lambda lo, hi: _count(lo, hi, False)
    return lambda lo, hi: _EIGHT * _count(lo, hi, False)


def _label(start: dt.date, end: dt.date, whole: bool) -> str:
    return f"{start.strftime('%d.%m.%Y')}–{end.strftime('%d.%m.%Y')}" if whole else start.strftime("%m.%Y")


def _prorate(
    start: dt.date,
    end: dt.date,
    employment: tuple[EmploymentSpan, ...],
    absences: tuple[Absence, ...],
    policy: str,
    basis: str,
    calendar: WorkCalendar | None = None,
    span: str = ProrationSpan.BY_MONTH,
    timesheet_hours: Decimal | None = None,
) -> tuple[Decimal, tuple[Step, ...]]:
    policy = _POLICIES.get(policy) or ProrationPolicy(policy)
    day_basis = DayBasis(basis)
    whole = ProrationSpan(span) is ProrationSpan.WHOLE_PERIOD

    steps: list[Step] = []
    if policy is ProrationPolicy.NONE:
        was_employed = any(
            span.fte > 0 and span.start <= end and (span.end is None or span.end >= start)
            for span in employment
        )
        factor = ONE if was_employed else ZERO
        steps.append(
            step(
                "Без пропорции: работал в периоде — полностью",
                "No proration: employed in the period — in full",
                factor,
            )
        )
        return factor, tuple(steps)

    count = _counter(day_basis, calendar)
    if timesheet_hours is not None and day_basis is DayBasis.HOURS and policy is ProrationPolicy.PROPORTIONAL:
        # The timesheet tells the hours actually worked: it takes precedence over the calendar's count
        # of employment and absences; the norm is the calendar's for the whole period at full time.
        norm = count(start, end)
        factor = min(ONE, timesheet_hours / norm) if norm else ZERO
        steps.append(
            step(
                "Табель: отработано {worked} ч из нормы {days} ч за {p} по производственному календарю (табель важнее календаря; не больше 1)",
                "Timesheet: worked {worked} h of the {days} h norm for {p} by the production calendar (the timesheet "
                "takes precedence over the calendar; at most 1)",
                factor.quantize(_FOUR),
                worked=timesheet_hours,
                days=norm,
                p=_label(start, end, True),
            )
        )
        return factor, tuple(steps)

    unit_ru, unit_en = _UNITS[day_basis]
    month_factors: list[Decimal] = []
    leave_spans = _merge([(a.start, a.end) for a in absences if a.kind in BONUS_ABSENCES])
    for month_start, month_end in [(start, end)] if whole else _months(start, end):
        days = count(month_start, month_end)
        if not days:
            continue
        employed = ZERO
        worked = ZERO
        leave_days: Any = 0
        for job in employment:
            lo, hi = max(job.start, month_start), min(job.end or month_end, month_end)
            if lo > hi:
                continue
            span_days = count(lo, hi)
            absent = sum((count(max(lo, a), min(hi, b)) for a, b in leave_spans if a <= hi and b >= lo), 0)
            employed += job.fte * span_days
            worked += job.fte * (span_days - absent)
            if job.fte > 0:
                leave_days += absent
        if policy is ProrationPolicy.PROPORTIONAL:
            factor = worked / days
            rule = (
                (
                    "{month}: отработано {worked} из {days} дн. (с учётом ставки)",
                    "{month}: worked {worked} of {days} days (FTE included)",
                )
                if day_basis is DayBasis.CALENDAR and not whole
                else (
                    "{month}: отработано {worked} из {days} " + unit_ru + " (с учётом ставки)",
                    "{month}: worked {worked} of {days} " + unit_en + " (FTE included)",
                )
            )
        elif policy is ProrationPolicy.LEAVE_MONTH_ZERO:
            factor = ZERO if leave_days else employed / days
            rule = (
                (
                    "{month}: месяц с отпуском — премия не начисляется",
                    "{month}: a month with leave — no bonus",
                )
                if leave_days
                else (
                    "{month}: без отпуска, {worked} из {days} " + unit_ru,
                    "{month}: no leave, {worked} of {days} " + unit_en,
                )
            )
        else:
            factor = employed / days * (Decimal("0.5") if leave_days else ONE)
            rule = (
                ("{month}: месяц с отпуском — 50 %", "{month}: a month with leave — 50 %")
                if leave_days
                else (
                    "{month}: без отпуска, {worked} из {days} " + unit_ru,
                    "{month}: no leave, {worked} of {days} " + unit_en,
                )
            )
        month_factors.append(factor)
        steps.append(
            step(
                rule[0],
                rule[1],
                factor.quantize(_FOUR),
                month=_label(month_start, month_end, whole),
                worked=worked,
                days=days,
            )
        )
    total = sum(month_factors, ZERO) / len(month_factors) if month_factors else ZERO
    if len(month_factors) > 1:
        steps.append(
            step("Среднее по месяцам периода", "Average over the period's months", total.quantize(_FOUR))
        )
    return total, tuple(steps)


def time_share(
    p: PayInput,
    params: Mapping[str, Any],
    rounding: RoundingPolicy | None = None,
    memo: Memo | None = None,
) -> tuple[Decimal, tuple[Step, ...], Problem | None]:
    """The share of time worked by the scheme's parameters (policy, day basis, span), rounded as the
    organization's policy says; or a problem when working days or hours are needed and the calendar
    does not cover the period (never a silent Monday to Friday)."""
    # Read from the parameters for each employee: three look-ups cost less than remembering them by id.
    policy = params.get("proration", ProrationPolicy.PROPORTIONAL)
    basis = params.get("day_basis", DayBasis.CALENDAR)
    span = params.get("proration_span", ProrationSpan.BY_MONTH)
    calendar = p.calendar
    if (
        basis != DayBasis.CALENDAR
        and policy != ProrationPolicy.NONE
        and (calendar is None or calendar.missing_years(p.period_start, p.period_end))
    ):
        return ZERO, (), missing_calendar(calendar, "—", p.period_start, p.period_end)
    timesheet = p.timesheet_hours if basis == DayBasis.HOURS else None
    # The memo is looked up here first: a run asks for the same few cases hundreds of thousands of times,
    # and a call through prorate costs as much as the look-up.
    key = (
        None
        if memo is None
        else _share_key(
            p.period_start, p.period_end, p.employment, p.absences, policy, basis, calendar, span, timesheet
        )
    )
    try:
        known = None if key is None or memo is None else memo.shares.get(key)
    except TypeError:  # unhashable input: computed without the memo
        known = key = None
    if known is None:
        known = _prorate(
            p.period_start,
            p.period_end,
            tuple(p.employment),
            tuple(p.absences),
            policy,
            basis,
            calendar,
            span,
            timesheet,
        )
        if key is not None and memo is not None:
            memo.shares[key] = known
    factor, steps = known
    if rounding is not None and rounding.time_places is not None:
        rounded = quantize(factor, rounding.time_places, rounding.time_mode or rounding.mode)
        steps = (*steps, _time_rounded(rounded, rounding.time_places, rounding.time_mode or rounding.mode))
        factor = rounded
    return factor, steps, None


_MODE_NAMES = {
    "half_up": ("половина вверх", "half up"),
    "half_even": ("к чётному", "half even"),
    "down": ("вниз", "down"),
}


def _time_rounded(value: Decimal, places: int, mode: str) -> Step:
    ru, en = _MODE_NAMES.get(mode, (mode, mode))
    return step(
        "Доля времени округлена до {places} знаков ({mode})",
        "Share of time rounded to {places} places ({mode_en})",
        value,
        places=places,
        mode=ru,
        mode_en=en,
    )


def weighted_salary(p: PayInput, params: Mapping[str, Any]) -> tuple[Decimal, Step | None]:
    """The salary base of a period in which the salary changed: each salary for the days (working days,
    hours: the scheme's day basis) it was in force, over the days any salary was in force."""
    spans: Sequence[SalarySpan] = p.salaries
    if len({s.amount for s in spans}) < 2:
        return (spans[0].amount if spans else p.salary), None
    basis = DayBasis(str(params.get("day_basis", DayBasis.CALENDAR)))
    count = _counter(basis, p.calendar)
    unit_ru, unit_en = _UNITS[basis]
    weighted = ZERO
    total: Any = 0
    parts_ru: list[str] = []
    parts_en: list[str] = []
    for s in spans:
        lo, hi = max(s.start, p.period_start), min(s.end or p.period_end, p.period_end)
        if lo > hi:
            continue
        units = count(lo, hi)
        weighted += s.amount * units
        total += units
        parts_ru.append(f"{_plain(s.amount)} × {_plain(units)} {unit_ru} (с {lo.strftime('%d.%m.%Y')})")
        parts_en.append(f"{_plain(s.amount)} × {_plain(units)} {unit_en} (from {lo.strftime('%d.%m.%Y')})")
    if not total:
        return p.salary, None
    salary = weighted / total
    return salary, step(
        "Оклад за период по дням действия каждого оклада: ({parts}) / {total} " + unit_ru,
        "Salary for the period, each salary for the days it was in force: ({parts_en}) / {total} " + unit_en,
        salary,
        parts=" + ".join(parts_ru),
        parts_en=" + ".join(parts_en),
        total=total,
    )


def _plain(value: Any) -> str:
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
