"""The production calendars shipped with Motiva (motiva/worktime/calendars/<country>-<year>.yaml).

Pure Python (no Django): `simulate` reads them for a scenario's `calendar:` and the database installs
them for an organization (worktime.services.calendar_install)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from motiva.engine.calendar import CalendarDay, WorkCalendar, parse_days
from motiva.engine.money import from_config

CALENDAR_DIR = Path(__file__).resolve().parent / "calendars"
_CODE = re.compile(r"^[a-z]{2}-\d{4}$")
# The country whose calendar a new organization gets, by the currency it pays in.
COUNTRY_BY_CURRENCY = {"RUB": "ru", "KGS": "kg"}


@dataclass(frozen=True)
class ShippedYear:
    code: str  # "ru-2026"
    country: str
    year: int
    hours_per_day: Decimal
    status: str  # official / provisional
    days: tuple[CalendarDay, ...]
    working_days: int  # the totals the file states (a test checks them against the days)
    hours: Decimal


def shipped_codes(country: str | None = None) -> list[str]:
    codes = sorted(path.stem for path in CALENDAR_DIR.glob("*.yaml") if _CODE.match(path.stem))
    return [code for code in codes if country is None or code.startswith(country + "-")]


@cache
def read_shipped(code: str) -> ShippedYear:
    """One shipped year; KeyError when there is no such file."""
    path = CALENDAR_DIR / f"{code}.yaml"
    if not _CODE.match(code) or not path.is_file():
        raise KeyError(code)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    hours_per_day = from_config(raw.get("hours_per_day", 8))
    days, problems = parse_days(raw.get("days") or [], f"{code}.days", hours_per_day)
    if problems:
        raise ValueError(f"{code}: " + "; ".join(f"{p.field}: {p.render('en')}" for p in problems))
    year = int(raw["year"])
    if any(day.date.year != year for day in days):
        raise ValueError(f"{code}: a day outside {year}")
    totals = raw.get("totals") or {}
    return ShippedYear(
        code,
        str(raw["country"]),
        year,
        hours_per_day,
        str(raw.get("status", "official")),
        tuple(days),
        int(totals.get("working_days", 0)),
        from_config(totals.get("hours", 0)),
    )


def calendar_of(
    owner: str,
    codes: Sequence[str],
    extra_days: Iterable[CalendarDay] = (),
    extra_years: Iterable[int] = (),
    hours_per_day: Decimal | None = None,
) -> WorkCalendar:
    """A calendar from shipped years and days that correct them (a scenario's inline days)."""
    shipped = [read_shipped(code) for code in codes]
    days = {day.date: day for year in shipped for day in year.days}
    days.update({day.date: day for day in extra_days})
    per_day = (
        hours_per_day if hours_per_day is not None else (shipped[0].hours_per_day if shipped else Decimal(8))
    )
    return WorkCalendar.build(
        owner, {year.year for year in shipped} | set(extra_years), days.values(), hours_per_day=per_day
    )
