"""A production calendar (производственный календарь): which days are worked and for how many hours.

A calendar covers whole years. A day that is not listed follows the week: Monday to Friday are working
days of `hours_per_day` hours, Saturday and Sunday are days off. The listed days are the exceptions of
the decrees: public holidays, weekdays made days off by a transfer, weekends made working days, and
shortened pre-holiday days (one hour less). Counting a range looks at the exceptions inside it only,
so it costs the same for a month or a year.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from motiva.engine.money import ONE, ZERO, from_config
from motiva.engine.problems import Problem
from motiva.engine.text import text


class DayKind(StrEnum):
    WORKING = "working"  # worked at the day's norm (a weekend day made working by a transfer)
    SHORTENED = "shortened"  # a pre-holiday working day, one hour shorter (Labour Code art. 95)
    HOLIDAY = "holiday"  # a public holiday (нерабочий праздничный день)
    DAY_OFF = "day_off"  # a weekday made a day off (a transferred day off)


DAY_KINDS = tuple(kind.value for kind in DayKind)
_WORKED = frozenset({DayKind.WORKING.value, DayKind.SHORTENED.value})


@dataclass(frozen=True, slots=True)
class CalendarDay:
    date: dt.date
    kind: str
    hours: Decimal
    note: str = ""


def _weekdays(start: dt.date, end: dt.date) -> int:
    """Monday to Friday from start to end inclusive."""
    if end < start:
        return 0
    weeks, rest = divmod((end - start).days + 1, 7)
    weekday = start.weekday()
    return weeks * 5 + sum(1 for offset in range(rest) if (weekday + offset) % 7 < 5)


@dataclass(frozen=True, eq=False)
class WorkCalendar:
    """The working time of one organization (or one scenario) for the years it covers.

    `key` is a text that tells this calendar from any other with different days (a run's memo of the
    proration uses it instead of hashing the days)."""

    key: str
    owner: str  # the organization named in a problem ("no calendar of … for 2027")
    years: frozenset[int]
    hours_per_day: Decimal = Decimal(8)
    days: Mapping[dt.date, CalendarDay] = field(default_factory=dict)
    _dates: tuple[dt.date, ...] = field(default=(), repr=False)

    @classmethod
    def build(
        cls,
        owner: str,
        years: Iterable[int],
        days: Iterable[CalendarDay],
        *,
        hours_per_day: Decimal = Decimal(8),
        key: str | None = None,
    ) -> WorkCalendar:
        by_date = {day.date: day for day in days}
        years = frozenset(years)
        if key is None:
            source = "|".join(
                [str(hours_per_day), ",".join(str(y) for y in sorted(years))]
                + [f"{d.isoformat()}:{by_date[d].kind}:{by_date[d].hours}" for d in sorted(by_date)]
            )
            key = hashlib.blake2b(source.encode(), digest_size=12).hexdigest()
        return cls(key, owner, years, hours_per_day, by_date, tuple(sorted(by_date)))

    def missing_years(self, start: dt.date, end: dt.date) -> list[int]:
        return [year for year in range(start.year, end.year + 1) if year not in self.years]

    def _base_hours(self, day: dt.date) -> Decimal:
        return self.hours_per_day if day.weekday() < 5 else ZERO

    def _listed(self, start: dt.date, end: dt.date) -> Sequence[dt.date]:
        dates = self._dates
        return dates[bisect.bisect_left(dates, start) : bisect.bisect_right(dates, end)]

    def day_hours(self, day: dt.date) -> Decimal:
        listed = self.days.get(day)
        return listed.hours if listed is not None else self._base_hours(day)

    def is_working(self, day: dt.date) -> bool:
        listed = self.days.get(day)
        return listed.kind in _WORKED if listed is not None else day.weekday() < 5

    def working_days(self, start: dt.date, end: dt.date) -> int:
        """Working days (shortened ones included) from start to end inclusive."""
        count = _weekdays(start, end)
        for day in self._listed(start, end):
            count += (self.days[day].kind in _WORKED) - (day.weekday() < 5)
        return count

    def working_hours(self, start: dt.date, end: dt.date) -> Decimal:
        """The norm of working hours from start to end inclusive (at full time)."""
        hours = self.hours_per_day * _weekdays(start, end)
        for day in self._listed(start, end):
            hours += self.days[day].hours - self._base_hours(day)
        return hours


def missing_calendar(
    calendar: WorkCalendar | None, owner: str, start: dt.date, end: dt.date
) -> Problem | None:
    """A problem when the period needs working days or hours and the calendar does not cover it."""
    missing = (
        list(range(start.year, end.year + 1)) if calendar is None else calendar.missing_years(start, end)
    )
    if not missing:
        return None
    years = ", ".join(str(year) for year in missing)
    return Problem(
        "calendar_missing",
        "calendar",
        text(
            "Нет производственного календаря «{owner}» на {years} год: рабочие дни и часы периода не известны",
            "No production calendar of “{owner}” for {years}: the period's working days and hours are unknown",
            owner=calendar.owner if calendar is not None else owner,
            years=years,
        ),
    )


def parse_days(raw: Any, place: str, hours_per_day: Decimal) -> tuple[list[CalendarDay], list[Problem]]:
    """Calendar days from a list of {date, kind, hours?, note?} (a shipped file or a scenario)."""
    days: list[CalendarDay] = []
    problems: list[Problem] = []

    def fail(where: str, ru: str, en: str, **params: Any) -> None:
        problems.append(Problem("calendar", where, text(ru, en, **params)))

    if not isinstance(raw, list):
        fail(place, "Нужен список дней", "A list of days is expected")
        return days, problems
    for index, item in enumerate(raw):
        where = f"{place}[{index}]"
        if not isinstance(item, Mapping):
            fail(where, "День — словарь {date, kind}", "A day is a mapping {date, kind}")
            continue
        unknown = sorted(set(item) - {"date", "kind", "hours", "note"})
        if unknown:
            fail(
                f"{where}.{unknown[0]}",
                "Неизвестный ключ «{k}»: date, kind, hours, note",
                "Unknown key “{k}”: date, kind, hours, note",
                k=unknown[0],
            )
        value = item.get("date")
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError:
            fail(f"{where}.date", "«{v}» — не дата ГГГГ-ММ-ДД", "“{v}” is not a YYYY-MM-DD date", v=value)
            continue
        kind = str(item.get("kind", ""))
        if kind not in DAY_KINDS:
            fail(
                f"{where}.kind",
                "Вид дня «{v}»: working, shortened, holiday или day_off",
                "Day kind “{v}”: working, shortened, holiday or day_off",
                v=kind,
            )
            continue
        hours_raw = item.get("hours")
        if hours_raw is None:
            hours = (
                hours_per_day
                if kind == DayKind.WORKING
                else hours_per_day - ONE
                if kind == DayKind.SHORTENED
                else ZERO
            )
        else:
            try:
                hours = from_config(hours_raw)
            except (TypeError, ValueError):
                fail(f"{where}.hours", "«{v}» — не число", "“{v}” is not a number", v=hours_raw)
                continue
            # A shortened day is shorter than a working one; a working day is at most a day.
            if (
                (kind in _WORKED and not ZERO < hours <= 24)
                or (kind == DayKind.SHORTENED and hours >= hours_per_day)
                or (kind not in _WORKED and hours != 0)
            ):
                fail(
                    f"{where}.hours",
                    "Часы дня вида «{k}»: {v} — вне допустимого",
                    "Hours of a “{k}” day: {v} is out of range",
                    k=kind,
                    v=hours_raw,
                )
                continue
        days.append(CalendarDay(day, kind, hours, str(item.get("note", "") or "")))
    return days, problems


__all__ = ["DAY_KINDS", "CalendarDay", "DayKind", "WorkCalendar", "missing_calendar", "parse_days"]
