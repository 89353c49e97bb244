"""Time actually worked inside a period: hire and termination, FTE, absences, and the scheme's policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from enum import StrEnum

from motiva.engine.money import ONE, ZERO
from motiva.engine.trace import Step, step
from motiva.engine.types import Absence, EmploymentSpan


class ProrationPolicy(StrEnum):
    PROPORTIONAL = "proportional"  # days worked / days in the period (half a month → 50 %)
    NONE = "none"  # full bonus for anyone employed in the period
    LEAVE_MONTH_ZERO = "leave_month_zero"  # no bonus for a month with any leave [S1]
    LEAVE_MONTH_HALF = "leave_month_half"  # 50 % for a month with leave [S0]


class DayBasis(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"  # Monday to Friday (public holidays are not modelled yet)


BONUS_ABSENCES = {"vacation", "sick", "unpaid", "other"}


def _days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def _months(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    months = []
    cursor = start
    while cursor <= end:
        next_month = (cursor.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        months.append((cursor, min(end, next_month - dt.timedelta(days=1))))
        cursor = next_month
    return months


def prorate(
    start: dt.date,
    end: dt.date,
    employment: Sequence[EmploymentSpan],
    absences: Sequence[Absence],
    policy: str = ProrationPolicy.PROPORTIONAL,
    basis: str = DayBasis.CALENDAR,
) -> tuple[Decimal, tuple[Step, ...]]:
    """The share of the period's pay earned (0…1, FTE included) and the steps that explain it."""
    policy = ProrationPolicy(policy)
    counts = DayBasis(basis) is DayBasis.CALENDAR

    def is_counted(day: dt.date) -> bool:
        return counts or day.weekday() < 5

    def fte_on(day: dt.date) -> Decimal:
        for span in employment:
            if span.start <= day and (span.end is None or day <= span.end):
                return span.fte
        return ZERO

    def absent_on(day: dt.date) -> bool:
        return any(a.start <= day <= a.end and a.kind in BONUS_ABSENCES for a in absences)

    steps: list[Step] = []
    if policy is ProrationPolicy.NONE:
        was_employed = any(fte_on(day) > 0 for day in _days(start, end))
        factor = ONE if was_employed else ZERO
        steps.append(step("Без пропорции: работал в периоде — полностью", "No proration: employed in the period — in full", factor))
        return factor, tuple(steps)

    month_factors: list[Decimal] = []
    for month_start, month_end in _months(start, end):
        days = [day for day in _days(month_start, month_end) if is_counted(day)]
        if not days:
            continue
        worked = sum((fte_on(day) for day in days if not absent_on(day)), ZERO)
        employed = sum((fte_on(day) for day in days), ZERO)
        leave_days = sum(1 for day in days if absent_on(day) and fte_on(day) > 0)
        if policy is ProrationPolicy.PROPORTIONAL:
            factor = worked / len(days)
            rule = ("{month}: отработано {worked} из {days} дн. (с учётом ставки)", "{month}: worked {worked} of {days} days (FTE included)")
        elif policy is ProrationPolicy.LEAVE_MONTH_ZERO:
            factor = ZERO if leave_days else employed / len(days)
            rule = ("{month}: месяц с отпуском — премия не начисляется", "{month}: a month with leave — no bonus") if leave_days else (
                "{month}: без отпуска, {worked} из {days} дн.", "{month}: no leave, {worked} of {days} days")
        else:
            factor = employed / len(days) * (Decimal("0.5") if leave_days else ONE)
            rule = ("{month}: месяц с отпуском — 50 %", "{month}: a month with leave — 50 %") if leave_days else (
                "{month}: без отпуска, {worked} из {days} дн.", "{month}: no leave, {worked} of {days} days")
        month_factors.append(factor)
        steps.append(step(rule[0], rule[1], factor.quantize(Decimal("0.0001")), month=month_start.strftime("%m.%Y"), worked=worked, days=len(days)))
    total = sum(month_factors, ZERO) / len(month_factors) if month_factors else ZERO
    if len(month_factors) > 1:
        steps.append(step("Среднее по месяцам периода", "Average over the period's months", total.quantize(Decimal("0.0001"))))
    return total, tuple(steps)
