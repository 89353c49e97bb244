"""Reading a scenario file into engine inputs, with every problem named by its place in the file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from motiva.engine.batch import EmployeeCalc, EmployeeOutcome, calculate_batch
from motiva.engine.calendar import WorkCalendar, parse_days
from motiva.engine.money import D, RoundingPolicy
from motiva.engine.problems import Problem
from motiva.engine.scales import PlanValues, parse_scale_params
from motiva.engine.schemes import scheme_problems
from motiva.engine.text import text
from motiva.engine.types import (
    Absence,
    Adjustment,
    EmploymentSpan,
    LineInput,
    PayInput,
    SalarySpan,
    ScaleSpec,
    SchemeSpec,
)
from motiva.worktime.shipped import calendar_of, shipped_codes


class ScenarioError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.render('en')}" for p in problems))
        self.problems = problems


@dataclass
class Expectation:
    employee: str
    result: Decimal | None = None
    pay: Decimal | None = None
    pay_percent_of_salary: Decimal | None = None
    places: int = 1


@dataclass
class Scenario:
    name: str
    currency: str
    rounding: RoundingPolicy
    employees: list[EmployeeCalc]
    unit_facts: dict[str, dict[str, Decimal]]
    corrections: dict[str, Decimal]
    disciplinary_cap: Decimal | None
    expectations: list[Expectation] = field(default_factory=list)
    description: str = ""
    calendar: WorkCalendar | None = None
    calendar_codes: tuple[str, ...] = ()  # the shipped calendars it names (`calendar: ru-2026`)

    def run(self) -> list[EmployeeOutcome]:
        return calculate_batch(self.employees, self.rounding, unit_facts=self.unit_facts, corrections=self.corrections,
                               disciplinary_cap=self.disciplinary_cap)


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, place: str, ru: str, en: str, **params: Any) -> None:
        self.problems.append(Problem("scenario", place, text(ru, en, **params)))

    def number(self, value: Any, place: str, *, required: bool = False) -> Decimal | None:
        if value is None or value == "":
            if required:
                self.fail(place, "Нужно число", "A number is required")
            return None
        try:
            return D(repr(value) if isinstance(value, float) else value)
        except (TypeError, ValueError):
            self.fail(place, "«{v}» — не число", "“{v}” is not a number", v=value)
            return None

    def date(self, value: Any, place: str) -> dt.date | None:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(place, "«{v}» — не дата ГГГГ-ММ-ДД", "“{v}” is not a YYYY-MM-DD date", v=value)
            return None


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def load(path: str | Path) -> Scenario:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        raise ScenarioError([Problem("yaml", where, text("Ошибка YAML: {e}", "YAML error: {e}", e=getattr(error, "problem", error)))]) from None
    except OSError as error:
        raise ScenarioError([Problem("file", str(path), text("Файл не прочитан: {e}", "Cannot read the file: {e}", e=error))]) from None
    return parse(raw)


def parse(raw: Any) -> Scenario:
    r = _Reader()
    if not isinstance(raw, Mapping):
        raise ScenarioError([Problem("scenario", "file", text("Сценарий должен быть словарём YAML", "A scenario must be a YAML mapping"))])
    rounding_raw = raw.get("rounding", {}) or {}
    try:
        rounding = RoundingPolicy(
            mode=rounding_raw.get("mode", "half_up"), score_places=int(rounding_raw.get("score_places", 2)),
            money_places=int(rounding_raw.get("money_places", 2)), round_per_line=bool(rounding_raw.get("round_per_line", False)),
            time_places=None if rounding_raw.get("time_places") is None else int(rounding_raw["time_places"]),
            time_mode=str(rounding_raw.get("time_mode") or ""),
        )
    except (ValueError, TypeError) as error:
        r.fail("rounding", "Неверная политика округления: {e}", "Bad rounding policy: {e}", e=error)
        rounding = RoundingPolicy()
    period = raw.get("period", {}) or {}
    start = r.date(period.get("start"), "period.start") or dt.date(2000, 1, 1)
    end = r.date(period.get("end"), "period.end") or start
    months = int(period.get("months", _months_between(start, end)))
    calendar, calendar_codes = _calendar(r, raw.get("calendar"), str(raw.get("name", "")) or "scenario")

    scales: dict[str, ScaleSpec] = {}
    for name, spec in (raw.get("scales") or {}).items():
        params, problems = parse_scale_params(spec.get("kind", ""), spec.get("params", {}))
        r.problems += [Problem(p.code, f"scales.{name}.{p.field}", p.message) for p in problems]
        if params is not None:
            scales[name] = ScaleSpec(spec["kind"], params)
    indicators = raw.get("indicators") or {}
    schemes: dict[str, SchemeSpec] = {}
    for name, spec in (raw.get("schemes") or {}).items():
        problems = scheme_problems(spec.get("kind", ""), spec.get("params", {}))
        r.problems += [Problem(p.code, f"schemes.{name}.{p.field}", p.message) for p in problems]
        schemes[name] = SchemeSpec(spec.get("kind", ""), spec.get("params", {}) or {}, name)
    templates = raw.get("templates") or {}

    employees: list[EmployeeCalc] = []
    expectations: list[Expectation] = []
    for index, person in enumerate(raw.get("employees") or []):
        place = f"employees[{index}]"
        key = str(person.get("id", index + 1))
        facts = {code: r.number(value, f"{place}.facts.{code}", required=True) or Decimal(0) for code, value in (person.get("facts") or {}).items()}
        lines_raw = person.get("lines") or templates.get(person.get("template", ""), [])
        if not lines_raw:
            r.fail(f"{place}.lines", "У сотрудника нет строк карты", "The employee has no card lines")
        lines: list[LineInput] = []
        for line_index, line in enumerate(lines_raw):
            line_place = f"{place}.lines[{line_index}]"
            code = line.get("indicator", "")
            indicator = indicators.get(code, {}) if code else {}
            if code and code not in indicators:
                r.fail(f"{line_place}.indicator", "Показатель «{c}» не описан в indicators", "Indicator “{c}” is not in indicators", c=code)
            scale_name = line.get("scale")
            if scale_name and scale_name not in scales:
                r.fail(f"{line_place}.scale", "Шкала «{s}» не описана в scales", "Scale “{s}” is not in scales", s=scale_name)
            fact_raw = (person.get("line_facts") or {}).get(code, line.get("fact")) if code else line.get("fact")
            level_code = ""
            if isinstance(fact_raw, str) and scale_name in scales and scales[scale_name].kind == "discrete_levels":
                level_code, fact = fact_raw, None
            else:
                fact = r.number(fact_raw, f"{line_place}.fact")
            lines.append(LineInput(
                key=f"{key}:{line_index}", title=line.get("title") or indicator.get("name") or code or line.get("component", ""),
                weight=r.number(line.get("weight", 0), f"{line_place}.weight") or Decimal(0),
                component=line.get("component", "indicator"), level=line.get("level", "personal"),
                direction=indicator.get("direction", "higher"), scale=scales.get(scale_name) if scale_name else None,
                plan=PlanValues(r.number(line.get("threshold"), f"{line_place}.threshold"), r.number(line.get("target"), f"{line_place}.target"),
                                r.number(line.get("maximum"), f"{line_place}.maximum")),
                fact=fact, level_code=level_code,
                planned_amount=r.number(line.get("planned_amount"), f"{line_place}.planned_amount"), indicator_code=code,
            ))
        hired = r.date(person["hired"], f"{place}.hired") if person.get("hired") else None
        left = r.date(person["left"], f"{place}.left") if person.get("left") else None
        fte = r.number(person.get("fte", 1), f"{place}.fte") or Decimal(1)
        absences = tuple(
            Absence(a.get("kind", "vacation"), r.date(a.get("start"), f"{place}.absences[{i}].start") or start,
                    r.date(a.get("end"), f"{place}.absences[{i}].end") or start)
            for i, a in enumerate(person.get("absences") or [])
        )
        salaries = _salaries(r, person.get("salaries"), f"{place}.salaries", start)
        salary = r.number(person.get("salary"), f"{place}.salary", required=not salaries) or Decimal(0)
        if salaries:
            if person.get("salary") is not None and salary != salaries[-1].amount:
                r.fail(f"{place}.salary", "При «salaries» оклад — последний из них ({s}) или не указывается",
                       "With “salaries” the salary is the last of them ({s}) or left out", s=salaries[-1].amount)
            salary = salaries[-1].amount
        timesheet = r.number(person.get("timesheet_hours"), f"{place}.timesheet_hours")
        if timesheet is not None and timesheet < 0:
            r.fail(f"{place}.timesheet_hours", "Часы по табелю не могут быть отрицательными", "Timesheet hours cannot be negative")
        scheme_name = person.get("scheme", raw.get("scheme"))
        if scheme_name and scheme_name not in schemes:
            r.fail(f"{place}.scheme", "Схема «{s}» не описана в schemes", "Scheme “{s}” is not in schemes", s=scheme_name)
        pay = PayInput(
            salary=salary,
            period_start=start, period_end=end, months=months, category=str(person.get("category", "")),
            grade=str(person.get("grade", "")), block=str(person.get("block", "")),
            seniority_years=r.number(person.get("seniority_years", 0), f"{place}.seniority_years") or Decimal(0),
            employment=(EmploymentSpan(hired or start, left, fte),), absences=absences, facts=facts,
            flags={k: r.number(v, f"{place}.flags.{k}") or Decimal(0) for k, v in (person.get("flags") or {}).items()},
            due_levels=frozenset(person.get("due_levels", raw.get("due_levels", ["company", "unit", "personal"]))),
            salaries=salaries if len({s.amount for s in salaries}) > 1 else (), calendar=calendar, timesheet_hours=timesheet,
        )
        adjustments = tuple(
            Adjustment(r.number(a.get("amount"), f"{place}.adjustments[{i}].amount", required=True) or Decimal(0),
                       str(a.get("reason", "")), str(a.get("kind", "manual")))
            for i, a in enumerate(person.get("adjustments") or [])
        )
        for i, adjustment in enumerate(adjustments):
            if not adjustment.reason.strip():
                r.fail(f"{place}.adjustments[{i}].reason", "У корректировки должно быть обоснование", "An adjustment needs a reason")
        employees.append(EmployeeCalc(key, str(person.get("name", key)), tuple(lines), pay,
                                      schemes.get(scheme_name) if scheme_name else None, str(person.get("unit", "")), adjustments))
        expect = person.get("expect")
        if expect:
            expectations.append(Expectation(
                key, r.number(expect.get("result"), f"{place}.expect.result"), r.number(expect.get("pay"), f"{place}.expect.pay"),
                r.number(expect.get("pay_percent_of_salary"), f"{place}.expect.pay_percent_of_salary"), int(expect.get("places", 1)),
            ))
    unit_facts = {
        unit: {code: r.number(v, f"units.{unit}.{code}", required=True) or Decimal(0) for code, v in (facts or {}).items()}
        for unit, facts in (raw.get("units") or {}).items()
    }
    corrections = {unit: r.number(v, f"corrections.{unit}", required=True) or Decimal(1) for unit, v in (raw.get("corrections") or {}).items()}
    cap = raw.get("disciplinary_cap_percent", 20)
    if r.problems:
        raise ScenarioError(r.problems)
    return Scenario(
        name=str(raw.get("name", "")), currency=str(raw.get("currency", "RUB")), rounding=rounding, employees=employees,
        unit_facts=unit_facts, corrections=corrections, disciplinary_cap=D(cap) if cap is not None else None,
        expectations=expectations, description=str(raw.get("description", "")), calendar=calendar, calendar_codes=calendar_codes,
    )


CALENDAR_KEYS = ("use", "hours_per_day", "years", "days")
SALARY_KEYS = ("from", "to", "amount")


def _calendar(r: _Reader, raw: Any, owner: str) -> tuple[WorkCalendar | None, tuple[str, ...]]:
    """`calendar:` — a shipped calendar's name (ru-2026), a list of them, or {use, hours_per_day, years,
    days} where `days` correct or add to the shipped ones and `years` are covered by the inline days alone."""
    if raw is None:  # no calendar: calendar days work; working days or hours are a problem naming the scenario
        return WorkCalendar.build(owner, (), ()), ()
    spec: Mapping[str, Any] = {"use": raw} if isinstance(raw, str | list) else raw if isinstance(raw, Mapping) else {}
    if not spec:
        r.fail("calendar", "Календарь: имя (ru-2026), список имён или {use, years, days}",
               "Calendar: a name (ru-2026), a list of names or {use, years, days}")
        return None, ()
    for key in spec:
        if key not in CALENDAR_KEYS:
            r.fail(f"calendar.{key}", "Неизвестный ключ «{k}»: use, hours_per_day, years, days", "Unknown key “{k}”: use, hours_per_day, years, days", k=key)
    use = spec.get("use") or []
    codes = [str(code) for code in ([use] if isinstance(use, str) else use)]
    known = shipped_codes()
    for code in codes:
        if code not in known:
            r.fail("calendar.use", "Нет календаря «{c}»; есть: {known}", "No calendar “{c}”; shipped: {known}", c=code, known=", ".join(known))
    hours_per_day = r.number(spec.get("hours_per_day"), "calendar.hours_per_day")
    days, problems = parse_days(spec.get("days") or [], "calendar.days", hours_per_day or Decimal(8))
    r.problems += problems
    years = []
    for index, year in enumerate(spec.get("years") or []):
        if not isinstance(year, int) or isinstance(year, bool):
            r.fail(f"calendar.years[{index}]", "«{v}» — не год", "“{v}” is not a year", v=year)
        else:
            years.append(year)
    if r.problems:
        return None, tuple(codes)
    return calendar_of(owner, codes, days, years, hours_per_day), tuple(codes)


def _salaries(r: _Reader, raw: Any, place: str, period_start: dt.date) -> tuple[SalarySpan, ...]:
    """`salaries: [{from, amount, to?}]` — each salary until the day before the next one's `from`."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        r.fail(place, "Нужен список окладов {from, amount}", "A list of salaries {from, amount} is expected")
        return ()
    rows: list[tuple[dt.date, dt.date | None, Decimal]] = []
    for index, item in enumerate(raw):
        where = f"{place}[{index}]"
        if not isinstance(item, Mapping):
            r.fail(where, "Оклад — {from, amount}", "A salary is {from, amount}")
            continue
        for key in item:
            if key not in SALARY_KEYS:
                r.fail(f"{where}.{key}", "Неизвестный ключ «{k}»: from, to, amount", "Unknown key “{k}”: from, to, amount", k=key)
        begin = r.date(item["from"], f"{where}.from") if item.get("from") is not None else period_start
        until = r.date(item["to"], f"{where}.to") if item.get("to") is not None else None
        amount = r.number(item.get("amount"), f"{where}.amount", required=True)
        if amount is not None and amount <= 0:
            r.fail(f"{where}.amount", "Оклад должен быть больше нуля", "A salary must be above zero")
        if begin is None or amount is None:
            continue
        if rows and begin <= rows[-1][0]:
            r.fail(f"{where}.from", "Оклады — по возрастанию дат «from»", "Salaries go in the order of their “from” dates")
            continue
        rows.append((begin, until, amount))
    spans = []
    for index, (begin, until, amount) in enumerate(rows):
        following = rows[index + 1][0] - dt.timedelta(days=1) if index + 1 < len(rows) else None
        spans.append(SalarySpan(begin, until if until is not None else following, amount))
    return tuple(spans)


def check_expectations(scenario: Scenario, outcomes: list[EmployeeOutcome]) -> list[str]:
    """Differences between the published numbers in the file and what the engine computed."""
    by_key = {o.key: o for o in outcomes}
    salaries = {e.key: e.pay.salary for e in scenario.employees}
    differences = []
    for expect in scenario.expectations:
        outcome = by_key[expect.employee]
        if expect.result is not None and outcome.card.total != expect.result:
            differences.append(f"{expect.employee}: result {outcome.card.total} ≠ {expect.result}")
        total = outcome.pay.total if outcome.pay else None
        if expect.pay is not None and total != expect.pay:
            differences.append(f"{expect.employee}: pay {total} ≠ {expect.pay}")
        if expect.pay_percent_of_salary is not None and total is not None:
            percent = (total / salaries[expect.employee] * 100).quantize(Decimal(1).scaleb(-expect.places))
            if percent != expect.pay_percent_of_salary:
                differences.append(f"{expect.employee}: pay {percent} % of salary ≠ {expect.pay_percent_of_salary} %")
    return differences
