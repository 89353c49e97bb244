"""Reads of working time for a calculation run: bulk, a fixed number of queries whatever the employees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import FilteredRelation, Q

from motiva.core.models import Organization
from motiva.engine.calendar import CalendarDay, WorkCalendar
from motiva.engine.types import SalarySpan


def calendar_rows(organization_id: int, start: dt.date, end: dt.date) -> list[tuple[Any, ...]]:
    """(organization name, year, hours per day, date, kind, hours, year's status) of the years from start
    to end, in one query; one row with empty year when the organization has none of them."""
    return list(
        Organization.objects.filter(pk=organization_id)
        .annotate(
            cal=FilteredRelation(
                "calendar_years",
                condition=Q(calendar_years__year__gte=start.year, calendar_years__year__lte=end.year),
            )
        )
        .order_by("cal__year", "cal__days__date")
        .values_list(
            "name",
            "cal__year",
            "cal__hours_per_day",
            "cal__days__date",
            "cal__days__kind",
            "cal__days__hours",
            "cal__status",
        )
    )


def calendar_from_rows(owner: str, rows: list[tuple[Any, ...]]) -> WorkCalendar:
    """Rows (year, hours per day, date, kind, hours) → the engine's calendar. Its key is a digest of the
    rows' text, made once a run, so the proration memo tells calendars apart without hashing days."""
    rows = [row for row in rows if row[0] is not None]
    years = {row[0] for row in rows}
    days = [CalendarDay(date, kind, hours) for _year, _per_day, date, kind, hours in rows if date is not None]
    # The week's hours are the first year's (a listed day carries its own hours).
    hours_per_day = rows[0][1] if rows else Decimal(8)
    return WorkCalendar.build(owner, years, days, hours_per_day=hours_per_day)


def salary_spans(
    history: Sequence[tuple[dt.date, dt.date | None, Decimal]], hire: dt.date, leave: dt.date | None
) -> tuple[SalarySpan, ...]:
    """The salaries of an employee's assignments in the period, (start, end, salary) each, when they
    differ; empty when one salary held throughout (the common case: nothing is built)."""
    if len(history) < 2 or len({salary for _start, _end, salary in history}) < 2:
        return ()
    return tuple(
        SalarySpan(max(start, hire), min(end, leave) if end and leave else end or leave, salary)
        for start, end, salary in history
    )
