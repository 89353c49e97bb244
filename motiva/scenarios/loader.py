"""Reading a scenario file into engine inputs, with every problem named by its place in the file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

from motiva.engine.batch import EmployeeCalc, EmployeeOutcome, calculate_batch
from motiva.engine.calendar import WorkCalendar, parse_days
from motiva.engine.keys import nearest, unknown_value
from motiva.engine.money import LINE_ROUNDING, D, RoundingPolicy
from motiva.engine.problems import Problem
from motiva.engine.scales import PlanValues, parse_scale_params
from motiva.engine.schemes import scheme_problems
from motiva.engine.text import text
from motiva.engine.types import (
    Absence,
    Adjustment,
    DisciplinaryBase,
    EmploymentSpan,
    Gate,
    LineInput,
    PayInput,
    PayRules,
    SalarySpan,
    ScaleSpec,
    SchemeSpec,
)
from motiva.engine.validation import LineDraft, gates_valid, monitoring_only_not_paid, plan_percents_valid
from motiva.scenarios.schema import reference_problems, shape_problems
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
    time_coefficient: Decimal | None = None  # compared at the places written (0.5161)
    lines: dict[str, dict[str, Decimal]] = field(
        default_factory=dict
    )  # indicator code or title → score / contribution / multiplier
    components: dict[str, Decimal] = field(default_factory=dict)  # a pay component's name → its amount
    withheld: Decimal | None = None
    fixed: Decimal | None = None  # a fixed + variable scheme: the fixed pay of the period
    remuneration: Decimal | None = None  # … and fixed + variable


@dataclass
class Scenario:
    name: str
    currency: str
    rounding: RoundingPolicy
    employees: list[EmployeeCalc]
    unit_facts: dict[str, dict[str, Decimal]]
    corrections: dict[str, Decimal]
    rules: PayRules
    expectations: list[Expectation] = field(default_factory=list)
    description: str = ""
    calendar: WorkCalendar | None = None
    calendar_codes: tuple[str, ...] = ()  # the shipped calendars it names (`calendar: ru-2026`)

    def run(self) -> list[EmployeeOutcome]:
        return calculate_batch(
            self.employees,
            self.rounding,
            unit_facts=self.unit_facts,
            corrections=self.corrections,
            rules=self.rules,
        )


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
        raise ScenarioError(
            [
                Problem(
                    "yaml",
                    where,
                    text("Ошибка YAML: {e}", "YAML error: {e}", e=getattr(error, "problem", error)),
                )
            ]
        ) from None
    except OSError as error:
        raise ScenarioError(
            [Problem("file", str(path), text("Файл не прочитан: {e}", "Cannot read the file: {e}", e=error))]
        ) from None
    return parse(raw)


def parse(raw: Any) -> Scenario:
    r = _Reader()
    if not isinstance(raw, Mapping):
        raise ScenarioError(
            [
                Problem(
                    "scenario",
                    "file",
                    text("Сценарий должен быть словарём YAML", "A scenario must be a YAML mapping"),
                )
            ]
        )
    # The shape first (unknown keys and values, with the nearest valid name): a file that says what it
    # does not mean is refused before anything is read from it.
    shape = shape_problems(raw)
    if shape:
        raise ScenarioError(shape)
    r.problems += reference_problems(raw)
    rounding_raw = raw.get("rounding", {}) or {}
    try:
        rounding = RoundingPolicy(
            mode=rounding_raw.get("mode", "half_up"),
            score_places=int(rounding_raw.get("score_places", 2)),
            money_places=int(rounding_raw.get("money_places", 2)),
            round_per_line=_line_rounding(r, rounding_raw.get("round_per_line", False)),
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
    for code, spec in indicators.items():
        if isinstance(spec, Mapping) and not isinstance(spec.get("monitoring_only", False), bool):
            r.fail(
                f"indicators.{code}.monitoring_only",
                "Ожидается да/нет (true/false)",
                "Expected true or false",
            )
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
        facts = {
            code: r.number(value, f"{place}.facts.{code}", required=True) or Decimal(0)
            for code, value in (person.get("facts") or {}).items()
        }
        lines_raw = person.get("lines") or templates.get(person.get("template", ""), [])
        if person.get("template") and person["template"] not in templates:
            r.fail(
                f"{place}.template",
                "Шаблон «{t}» не описан в templates",
                "Template “{t}” is not in templates",
                t=person["template"],
            )
        elif person.get("template") and person.get("lines"):
            r.fail(
                f"{place}.template",
                "Или template, или lines — не то и другое",
                "Either template or lines, not both",
            )
        if not lines_raw:
            r.fail(f"{place}.lines", "У сотрудника нет строк карты", "The employee has no card lines")
        lines: list[LineInput] = []
        # A template's line is named where it is written (templates.NAME[i]), not as a line of the employee.
        template = person.get("template") if not person.get("lines") else None
        for line_index, line in enumerate(lines_raw):
            line_place = f"templates.{template}[{line_index}]" if template else f"{place}.lines[{line_index}]"
            code = line.get("indicator", "")
            indicator = indicators.get(code, {}) if code else {}
            if code and code not in indicators:
                r.fail(
                    f"{line_place}.indicator",
                    "Показатель «{c}» не описан в indicators",
                    "Indicator “{c}” is not in indicators",
                    c=code,
                )
            scale_name = line.get("scale")
            if scale_name and scale_name not in scales:
                r.fail(
                    f"{line_place}.scale",
                    "Шкала «{s}» не описана в scales",
                    "Scale “{s}” is not in scales",
                    s=scale_name,
                )
            from_line_facts = bool(code) and code in (person.get("line_facts") or {})
            fact_raw = person["line_facts"][code] if from_line_facts else line.get("fact")
            fact_place = f"{place}.line_facts.{code}" if from_line_facts else f"{line_place}.fact"
            level_code = ""
            if (
                isinstance(fact_raw, str)
                and scale_name in scales
                and scales[scale_name].kind == "discrete_levels"
            ):
                level_code, fact = fact_raw, None
            else:
                fact = r.number(fact_raw, fact_place)
            plan_numbers = {name: r.number(line.get(name), f"{line_place}.{name}") for name in PLAN_KEYS}
            weight = r.number(line.get("weight", 0), f"{line_place}.weight") or Decimal(0)
            monitoring_only = indicator.get("monitoring_only", False) is True
            gate = _gate(r, line.get("gate"), f"{line_place}.gate")
            draft = LineDraft(
                "indicator",
                weight,
                label=code,
                direction=indicator.get("direction", "higher"),
                monitoring_only=monitoring_only,
                **{name: value for name, value in plan_numbers.items() if name != "weight"},
                **(
                    {}
                    if gate is None
                    else {
                        "gate_threshold": gate.threshold,
                        "gate_threshold_percent": gate.threshold_percent,
                        "gate_cut_to": gate.cut_to,
                        "gate_cut_percent": gate.cut_percent,
                    }
                ),
            )
            for found in (
                *plan_percents_valid([draft]),
                *monitoring_only_not_paid([draft]),
                *gates_valid([draft]),
            ):
                r.problems.append(
                    Problem(found.code, line_place + found.field.removeprefix("lines[0]"), found.message)
                )
            lines.append(
                LineInput(
                    key=f"{key}:{line_index}",
                    title=line.get("title") or indicator.get("name") or code or line.get("component", ""),
                    weight=weight,
                    component=line.get("component", "indicator"),
                    level=line.get("level", "personal"),
                    direction=indicator.get("direction", "higher"),
                    scale=scales.get(scale_name) if scale_name else None,
                    plan=PlanValues(**plan_numbers),
                    fact=fact,
                    level_code=level_code,
                    planned_amount=r.number(line.get("planned_amount"), f"{line_place}.planned_amount"),
                    indicator_code=code,
                    monitoring_only=monitoring_only,
                    gate=gate,
                )
            )
        hired = r.date(person["hired"], f"{place}.hired") if person.get("hired") else None
        left = r.date(person["left"], f"{place}.left") if person.get("left") else None
        fte = r.number(person.get("fte", 1), f"{place}.fte") or Decimal(1)
        absences = tuple(
            Absence(
                a.get("kind", "vacation"),
                r.date(a.get("start"), f"{place}.absences[{i}].start") or start,
                r.date(a.get("end"), f"{place}.absences[{i}].end") or start,
            )
            for i, a in enumerate(person.get("absences") or [])
        )
        salaries = _salaries(r, person.get("salaries"), f"{place}.salaries", start)
        salary = r.number(person.get("salary"), f"{place}.salary", required=not salaries) or Decimal(0)
        if salaries:
            if person.get("salary") is not None and salary != salaries[-1].amount:
                r.fail(
                    f"{place}.salary",
                    "При «salaries» оклад — последний из них ({s}) или не указывается",
                    "With “salaries” the salary is the last of them ({s}) or left out",
                    s=salaries[-1].amount,
                )
            salary = salaries[-1].amount
        timesheet = r.number(person.get("timesheet_hours"), f"{place}.timesheet_hours")
        if timesheet is not None and timesheet < 0:
            r.fail(
                f"{place}.timesheet_hours",
                "Часы по табелю не могут быть отрицательными",
                "Timesheet hours cannot be negative",
            )
        scheme_name = person.get("scheme", raw.get("scheme"))
        if scheme_name and scheme_name not in schemes:
            r.fail(
                f"{place}.scheme",
                "Схема «{s}» не описана в schemes",
                "Scheme “{s}” is not in schemes",
                s=scheme_name,
            )
        pay = PayInput(
            salary=salary,
            period_start=start,
            period_end=end,
            months=months,
            category=str(person.get("category", "")),
            grade=str(person.get("grade", "")),
            block=str(person.get("block", "")),
            seniority_years=r.number(person.get("seniority_years", 0), f"{place}.seniority_years")
            or Decimal(0),
            employment=(EmploymentSpan(hired or start, left, fte),),
            absences=absences,
            facts=facts,
            flags={
                k: r.number(v, f"{place}.flags.{k}") or Decimal(0)
                for k, v in (person.get("flags") or {}).items()
            },
            due_levels=frozenset(
                person.get("due_levels", raw.get("due_levels", ["company", "unit", "personal"]))
            ),
            salaries=salaries if len({s.amount for s in salaries}) > 1 else (),
            calendar=calendar,
            timesheet_hours=timesheet,
        )
        adjustments = tuple(
            _adjustment(r, a, f"{place}.adjustments[{i}]", start, end)
            for i, a in enumerate(person.get("adjustments") or [])
        )
        employees.append(
            EmployeeCalc(
                key,
                str(person.get("name", key)),
                tuple(lines),
                pay,
                schemes.get(scheme_name) if scheme_name else None,
                str(person.get("unit", "")),
                adjustments,
            )
        )
        expect = person.get("expect")
        if expect:
            expectations.append(_expectation(r, key, expect, f"{place}.expect", pay.salary))
    unit_facts = {
        unit: {
            code: r.number(v, f"units.{unit}.{code}", required=True) or Decimal(0)
            for code, v in (facts or {}).items()
        }
        for unit, facts in (raw.get("units") or {}).items()
    }
    corrections = {
        unit: r.number(v, f"corrections.{unit}", required=True) or Decimal(1)
        for unit, v in (raw.get("corrections") or {}).items()
    }
    rules = _rules(r, raw)
    if r.problems:
        # a template's line is checked for every employee on it: each problem is said once
        seen: set[tuple[str, str, str]] = set()
        unique = []
        for found in r.problems:
            mark = (found.code, found.field, found.render("en"))
            if mark not in seen:
                seen.add(mark)
                unique.append(found)
        raise ScenarioError(unique)
    return Scenario(
        name=str(raw.get("name", "")),
        currency=str(raw.get("currency", "RUB")),
        rounding=rounding,
        employees=employees,
        unit_facts=unit_facts,
        corrections=corrections,
        rules=rules,
        expectations=expectations,
        description=str(raw.get("description", "")),
        calendar=calendar,
        calendar_codes=calendar_codes,
    )


def _adjustment(r: _Reader, raw: Mapping[str, Any], place: str, start: dt.date, end: dt.date) -> Adjustment:
    """A manual adjustment {amount, reason} or a sanction {kind: disciplinary, date, order, amount or percent, reason}."""
    kind = str(raw.get("kind", "manual"))
    reason = str(raw.get("reason") or "")
    if not reason.strip():
        r.fail(f"{place}.reason", "У корректировки должно быть обоснование", "An adjustment needs a reason")
    percent = r.number(raw.get("percent"), f"{place}.percent")
    amount = r.number(raw.get("amount"), f"{place}.amount", required=percent is None)
    date = r.date(raw["date"], f"{place}.date") if raw.get("date") is not None else None
    if kind == "disciplinary":
        if date is None and raw.get("date") is None:
            r.fail(
                f"{place}.date",
                "У взыскания должна быть дата применения",
                "A sanction needs the date it was applied",
            )
        if percent is not None and raw.get("amount") is not None:
            r.fail(
                f"{place}.percent",
                "Сумма или процент премии, не то и другое",
                "An amount or a percent of the bonus, not both",
            )
        if percent is not None and not Decimal(0) < percent <= Decimal(100):
            r.fail(f"{place}.percent", "Процент премии — от 0 до 100", "The percent of the bonus is 0 to 100")
        if amount is not None and amount > 0:
            r.fail(
                f"{place}.amount",
                "Снижение за взыскание — отрицательная сумма",
                "A disciplinary reduction is a negative amount",
            )
    else:
        for key in ("percent", "date", "order"):
            if raw.get(key) is not None:
                r.fail(
                    f"{place}.{key}",
                    "«{k}» указывается только у взыскания (kind: disciplinary)",
                    "“{k}” is only for a sanction (kind: disciplinary)",
                    k=key,
                )
    return Adjustment(amount, reason, kind, date, str(raw.get("order") or ""), percent)


PLAN_KEYS = ("threshold", "target", "maximum", "threshold_percent", "target_percent", "maximum_percent")
GATE_KEYS = ("threshold", "threshold_percent", "cut_to", "cut_percent")


def _gate(r: _Reader, raw: Any, place: str) -> Gate | None:
    """A line's gate: `{threshold | threshold_percent, cut_to | cut_percent}` (the shape is checked by the schema)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        r.fail(place, "Ворота — словарь {threshold, cut_to …}", "A gate is a mapping {threshold, cut_to …}")
        return None
    return Gate(*(r.number(raw.get(name), f"{place}.{name}") for name in GATE_KEYS))


def _line_rounding(r: _Reader, value: Any) -> bool | str:
    """`round_per_line`: true / false as before, or what each line rounds: none, score or contribution."""
    if isinstance(value, bool) or value in LINE_ROUNDING:
        return value  # type: ignore[no-any-return]
    found = unknown_value(value, LINE_ROUNDING, "rounding.round_per_line")
    if found is not None:
        r.problems.append(found)
    return False


def _expectation(r: _Reader, key: str, raw: Mapping[str, Any], place: str, salary: Decimal) -> Expectation:
    """The published numbers: result, pay, pay as a percent of salary, the time coefficient, line
    scores and contributions, pay components and the fines withheld."""
    percent = r.number(raw.get("pay_percent_of_salary"), f"{place}.pay_percent_of_salary")
    if percent is not None and salary <= 0:
        r.fail(
            f"{place}.pay_percent_of_salary",
            "Процент от оклада не определён: оклад равен нулю",
            "A percent of salary is undefined: the salary is zero",
        )
    places = raw.get("places", 1)
    if not isinstance(places, int) or isinstance(places, bool) or not 0 <= places <= 6:
        r.fail(
            f"{place}.places", "Знаков после запятой — целое от 0 до 6", "Places: a whole number from 0 to 6"
        )
        places = 1
    lines: dict[str, dict[str, Decimal]] = {}
    for code, figures in (raw.get("lines") or {}).items():
        lines[str(code)] = {
            name: r.number(value, f"{place}.lines.{code}.{name}", required=True) or Decimal(0)
            for name, value in (figures or {}).items()
        }
    return Expectation(
        key,
        r.number(raw.get("result"), f"{place}.result"),
        r.number(raw.get("pay"), f"{place}.pay"),
        percent,
        places,
        r.number(raw.get("time_coefficient"), f"{place}.time_coefficient"),
        lines,
        {
            str(name): r.number(value, f"{place}.components.{name}", required=True) or Decimal(0)
            for name, value in (raw.get("components") or {}).items()
        },
        r.number(raw.get("withheld"), f"{place}.withheld"),
        r.number(raw.get("fixed"), f"{place}.fixed"),
        r.number(raw.get("remuneration"), f"{place}.remuneration"),
    )


def _rules(r: _Reader, raw: Mapping[str, Any]) -> PayRules:
    """The organization's pay rules: the Labour Code cap on disciplinary reductions and its base, the KTU range."""
    cap = (
        r.number(raw.get("disciplinary_cap_percent", 20), "disciplinary_cap_percent")
        if raw.get("disciplinary_cap_percent", 20) is not None
        else None
    )
    if cap is not None and not Decimal(0) <= cap <= Decimal(100):
        r.fail(
            "disciplinary_cap_percent",
            "Предел снижений — от 0 до 100 %",
            "The cap on reductions is 0 to 100 %",
        )
    ktu = raw.get("ktu") or {}
    low = r.number(ktu.get("min", 0), "ktu.min")
    high = r.number(ktu.get("max", 1), "ktu.max")
    step = r.number(ktu.get("step", "0.1"), "ktu.step")
    if low is not None and high is not None and (low < 0 or high <= low):
        r.fail("ktu.max", "КТУ: 0 ≤ min < max", "KTU: 0 ≤ min < max")
    if step is not None and step <= 0:
        r.fail("ktu.step", "Шаг КТУ больше нуля", "The KTU step is above zero")
    return PayRules(
        cap,
        str(raw.get("disciplinary_base", DisciplinaryBase.SALARY_AND_BONUS)),
        low or Decimal(0),
        high or Decimal(1),
        step or Decimal("0.1"),
    )


CALENDAR_KEYS = ("use", "hours_per_day", "years", "days")
SALARY_KEYS = ("from", "to", "amount")


def _calendar(r: _Reader, raw: Any, owner: str) -> tuple[WorkCalendar | None, tuple[str, ...]]:
    """`calendar:` — a shipped calendar's name (ru-2026), a list of them, or {use, hours_per_day, years,
    days} where `days` correct or add to the shipped ones and `years` are covered by the inline days alone."""
    if (
        raw is None
    ):  # no calendar: calendar days work; working days or hours are a problem naming the scenario
        return WorkCalendar.build(owner, (), ()), ()
    spec: Mapping[str, Any] = (
        {"use": raw} if isinstance(raw, str | list) else raw if isinstance(raw, Mapping) else {}
    )
    if not spec:
        r.fail(
            "calendar",
            "Календарь: имя (ru-2026), список имён или {use, years, days}",
            "Calendar: a name (ru-2026), a list of names or {use, years, days}",
        )
        return None, ()
    for key in spec:
        if key not in CALENDAR_KEYS:
            r.fail(
                f"calendar.{key}",
                "Неизвестный ключ «{k}»: use, hours_per_day, years, days",
                "Unknown key “{k}”: use, hours_per_day, years, days",
                k=key,
            )
    use = spec.get("use") or []
    codes = [str(code) for code in ([use] if isinstance(use, str) else use)]
    known = shipped_codes()
    for code in codes:
        if code not in known:
            r.fail(
                "calendar.use",
                "Нет календаря «{c}»; есть: {known}",
                "No calendar “{c}”; shipped: {known}",
                c=code,
                known=", ".join(known),
            )
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
                r.fail(
                    f"{where}.{key}",
                    "Неизвестный ключ «{k}»: from, to, amount",
                    "Unknown key “{k}”: from, to, amount",
                    k=key,
                )
        begin = r.date(item["from"], f"{where}.from") if item.get("from") is not None else period_start
        until = r.date(item["to"], f"{where}.to") if item.get("to") is not None else None
        amount = r.number(item.get("amount"), f"{where}.amount", required=True)
        if amount is not None and amount <= 0:
            r.fail(f"{where}.amount", "Оклад должен быть больше нуля", "A salary must be above zero")
        if begin is None or amount is None:
            continue
        if rows and begin <= rows[-1][0]:
            r.fail(
                f"{where}.from",
                "Оклады — по возрастанию дат «from»",
                "Salaries go in the order of their “from” dates",
            )
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
                differences.append(
                    f"{expect.employee}: pay {percent} % of salary ≠ {expect.pay_percent_of_salary} %"
                )
        pay = outcome.pay
        if expect.time_coefficient is not None and (
            pay is None or not _same_at_places(pay.proration, expect.time_coefficient)
        ):
            differences.append(
                f"{expect.employee}: time coefficient {pay.proration if pay else None} ≠ {expect.time_coefficient}"
            )
        if expect.withheld is not None:
            withheld = sum((c.amount for c in pay.withheld), Decimal(0)) if pay else None
            if withheld != expect.withheld:
                differences.append(f"{expect.employee}: withheld {withheld} ≠ {expect.withheld}")
        for figure, wanted_amount in (("fixed", expect.fixed), ("remuneration", expect.remuneration)):
            got = getattr(pay, figure) if pay else None
            if wanted_amount is not None and got != wanted_amount:
                differences.append(f"{expect.employee}: {figure} {got} ≠ {wanted_amount}")
        for name, amount in expect.components.items():
            found = [
                c
                for c in (pay.components if pay else ())
                if name in (c.name.render("ru"), c.name.render("en"))
            ]
            if [c.amount for c in found] != [amount]:
                hint = ""
                if not found:
                    names = {
                        c.name.render(lang) for c in (pay.components if pay else ()) for lang in ("ru", "en")
                    }
                    close = nearest(name, names)
                    hint = f" (did you mean “{close}”?)" if close else ""
                differences.append(
                    f"{expect.employee}: component “{name}” {[str(c.amount) for c in found] or 'missing'} ≠ {amount}"
                    + hint
                )
        for code, figures in expect.lines.items():
            line = next(
                (item for item in outcome.card.lines if code in (item.indicator_code, item.title)), None
            )
            if line is None:
                close = nearest(
                    code, {n for item in outcome.card.lines for n in (item.indicator_code, item.title) if n}
                )
                hint = f" (did you mean “{close}”?)" if close else ""
                differences.append(f"{expect.employee}: no line “{code}”{hint}")
                continue
            actual = {"score": line.score, "contribution": line.weighted, "multiplier": line.multiplier}
            for figure, wanted in figures.items():
                if not _same_at_places(actual.get(figure), wanted):
                    differences.append(f"{expect.employee}: {code} {figure} {actual.get(figure)} ≠ {wanted}")
    return differences


def _same_at_places(actual: Decimal | None, expected: Decimal) -> bool:
    """Whether a computed figure, rounded half up to the places the expectation is written with, is it."""
    if actual is None:
        return False
    exponent = expected.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return actual.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) == expected
