"""Time actually worked inside a period: hire and termination, FTE, absences, and the scheme's policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
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
) -> tuple[Decimal, tuple[Step, ...]]:
    """The share of the period's pay earned (0…1, FTE included) and the steps that explain it."""
    # Most people of a run share their employment and absences (hired before the period, no leave):
    # the share and its steps (immutable) are computed once for each distinct case. The case is told
    # by dates and the FTE's text: equal FTEs may differ in their digits (1 and 1.00), and hashing a
    # Decimal costs more than writing it out.
    try:
        key = (start, end, tuple([(span.start, span.end, str(span.fte)) for span in employment]),
               tuple([(a.kind, a.start, a.end) for a in absences]), policy, basis)
        known = _MEMO.get(key)
    except TypeError:  # unhashable input: computed without the memo
        return _prorate(start, end, tuple(employment), tuple(absences), policy, basis)
    if known is None:
        known = _prorate(start, end, tuple(employment), tuple(absences), policy, basis)
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        _MEMO[key] = known
    return known


_MEMO: dict[tuple[object, ...], tuple[Decimal, tuple[Step, ...]]] = {}
_MEMO_SIZE = 4096


def _prorate(
    start: dt.date,
    end: dt.date,
    employment: tuple[EmploymentSpan, ...],
    absences: tuple[Absence, ...],
    policy: str,
    basis: str,
) -> tuple[Decimal, tuple[Step, ...]]:
    policy = _POLICIES.get(policy) or ProrationPolicy(policy)
    counts = basis == DayBasis.CALENDAR or DayBasis(basis) is DayBasis.CALENDAR

    steps: list[Step] = []
    if policy is ProrationPolicy.NONE:
        was_employed = any(span.fte > 0 and span.start <= end and (span.end is None or span.end >= start) for span in employment)
        factor = ONE if was_employed else ZERO
        steps.append(step("Без пропорции: работал в периоде — полностью", "No proration: employed in the period — in full", factor))
        return factor, tuple(steps)

    month_factors: list[Decimal] = []
    leave_spans = _merge([(a.start, a.end) for a in absences if a.kind in BONUS_ABSENCES])
    for month_start, month_end in _months(start, end):
        days = _count(month_start, month_end, counts)
        if not days:
            continue
        employed = ZERO
        worked = ZERO
        leave_days = 0
        for span in employment:
            lo, hi = max(span.start, month_start), min(span.end or month_end, month_end)
            if lo > hi:
                continue
            span_days = _count(lo, hi, counts)
            absent = sum(_count(max(lo, a), min(hi, b), counts) for a, b in leave_spans if a <= hi and b >= lo)
            employed += span.fte * span_days
            worked += span.fte * (span_days - absent)
            if span.fte > 0:
                leave_days += absent
        if policy is ProrationPolicy.PROPORTIONAL:
            factor = worked / days
            rule = ("{month}: отработано {worked} из {days} дн. (с учётом ставки)", "{month}: worked {worked} of {days} days (FTE included)")
        elif policy is ProrationPolicy.LEAVE_MONTH_ZERO:
            factor = ZERO if leave_days else employed / days
            rule = ("{month}: месяц с отпуском — премия не начисляется", "{month}: a month with leave — no bonus") if leave_days else (
                "{month}: без отпуска, {worked} из {days} дн.", "{month}: no leave, {worked} of {days} days")
        else:
            factor = employed / days * (Decimal("0.5") if leave_days else ONE)
            rule = ("{month}: месяц с отпуском — 50 %", "{month}: a month with leave — 50 %") if leave_days else (
                "{month}: без отпуска, {worked} из {days} дн.", "{month}: no leave, {worked} of {days} days")
        month_factors.append(factor)
        steps.append(step(rule[0], rule[1], factor.quantize(Decimal("0.0001")), month=month_start.strftime("%m.%Y"), worked=worked, days=days))
    total = sum(month_factors, ZERO) / len(month_factors) if month_factors else ZERO
    if len(month_factors) > 1:
        steps.append(step("Среднее по месяцам периода", "Average over the period's months", total.quantize(Decimal("0.0001"))))
    return total, tuple(steps)
