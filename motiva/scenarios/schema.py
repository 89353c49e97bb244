"""What a scenario file may say: every key and every enumerated value, so that a misspelt one is refused
with its place and the nearest valid name instead of being silently ignored (`direction: lowr`,
`treshold:`, an adjustment `kind` with a typo, an `expect:` key that does not exist).

The loader reads the values; this module only knows the shape. A key the loader learns to read is
added here too (a test misspells every key and value of every file in examples/ and checks that each
one is refused)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from motiva.engine import formula
from motiva.engine.keys import unknown_keys, unknown_value
from motiva.engine.problems import Problem
from motiva.engine.proration import BONUS_ABSENCES
from motiva.engine.scales import ScaleKind
from motiva.engine.schemes import BLOCKS, CATEGORIES, SchemeKind
from motiva.engine.text import text
from motiva.engine.types import LEVELS, DisciplinaryBase

CURRENCIES = ("RUB", "KGS", "KZT", "BYN", "UZS", "USD", "EUR")


@dataclass(frozen=True)
class Choice:
    """One of these values."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class Names:
    """A mapping whose keys are names the file chooses (scales, indicators, units …), each value of `item`'s shape."""

    item: Any


@dataclass(frozen=True)
class ListOf:
    item: Any


ANY = object()  # checked where it is read (scale and scheme parameters, numbers, dates)

LINE = {
    "indicator": ANY,
    "component": Choice(("indicator", "tasks", "assessment")),
    "title": ANY,
    "level": Choice(LEVELS),
    "weight": ANY,
    "scale": ANY,
    "threshold": ANY,
    "target": ANY,
    "maximum": ANY,
    "fact": ANY,
    "planned_amount": ANY,
    # a point as a percent of the plan (the target), and a gate on a key indicator
    "threshold_percent": ANY,
    "target_percent": ANY,
    "maximum_percent": ANY,
    "gate": {"threshold": ANY, "threshold_percent": ANY, "cut_to": ANY, "cut_percent": ANY},
}
EXPECT = {
    "result": ANY,
    "pay": ANY,
    "pay_percent_of_salary": ANY,
    "places": ANY,
    "time_coefficient": ANY,
    # by indicator code (or the line's title): {score, contribution, multiplier}
    "lines": Names({"score": ANY, "contribution": ANY, "multiplier": ANY}),
    "components": Names(ANY),  # by the component's Russian or English name: the amount
    "withheld": ANY,  # the documented fines withheld from the salary, in total
    "fixed": ANY,
    "remuneration": ANY,  # a fixed + variable scheme: the fixed pay and fixed + variable
}
ADJUSTMENT = {
    "amount": ANY,
    "percent": ANY,
    "reason": ANY,
    "kind": Choice(("manual", "disciplinary")),
    "date": ANY,
    "order": ANY,
}
EMPLOYEE = {
    "id": ANY,
    "name": ANY,
    "salary": ANY,
    "salaries": ANY,
    "timesheet_hours": ANY,
    "category": Choice(CATEGORIES),
    "grade": ANY,
    "block": Choice(BLOCKS),
    "unit": ANY,
    "fte": ANY,
    "hired": ANY,
    "left": ANY,
    "seniority_years": ANY,
    "absences": ListOf({"kind": Choice(tuple(sorted(BONUS_ABSENCES))), "start": ANY, "end": ANY}),
    "facts": Names(ANY),
    "flags": {"certification": ANY, "specialization": ANY},
    "adjustments": ListOf(ADJUSTMENT),
    "template": ANY,
    "lines": ListOf(LINE),
    "line_facts": Names(ANY),
    "expect": EXPECT,
    "scheme": ANY,
    "due_levels": ListOf(Choice(LEVELS)),
}
SCENARIO = {
    "name": ANY,
    "description": ANY,
    "currency": Choice(CURRENCIES),
    "rounding": {
        "mode": Choice(("half_up", "half_even", "down")),
        "score_places": ANY,
        "money_places": ANY,
        "round_per_line": ANY,
        "time_places": ANY,
        "time_mode": Choice(("half_up", "half_even", "down")),
    },
    "period": {"start": ANY, "end": ANY, "months": ANY},
    "calendar": ANY,  # checked where it is read
    "scales": Names({"kind": Choice(tuple(ScaleKind)), "params": ANY}),
    "indicators": Names({"name": ANY, "direction": Choice(("higher", "lower")), "monitoring_only": ANY}),
    "schemes": Names({"kind": Choice(tuple(SchemeKind)), "params": ANY}),
    "scheme": ANY,
    "templates": Names(ListOf(LINE)),
    "units": Names(Names(ANY)),
    "corrections": Names(ANY),
    "disciplinary_cap_percent": ANY,
    "disciplinary_base": Choice(tuple(DisciplinaryBase)),
    "ktu": {"min": ANY, "max": ANY, "step": ANY},
    "due_levels": ListOf(Choice(LEVELS)),
    "employees": ListOf(EMPLOYEE),
}


def shape_problems(raw: Any, spec: Any = None, place: str = "") -> list[Problem]:
    """Unknown keys and values of a parsed scenario file, each with its place ("employees[0].lines[2].treshold")."""
    spec = SCENARIO if spec is None else spec
    if spec is ANY:
        return []
    if isinstance(spec, Choice):
        found = unknown_value(raw, spec.values, place)
        return [found] if found else []
    if isinstance(spec, ListOf):
        if not isinstance(raw, list):
            return [Problem("not_a_list", place, text("Ожидается список", "A list is expected"))]
        return [
            p for index, item in enumerate(raw) for p in shape_problems(item, spec.item, f"{place}[{index}]")
        ]
    if not isinstance(raw, Mapping):
        return [
            Problem(
                "not_an_object",
                place or "file",
                text("Ожидается словарь «ключ: значение»", "A mapping of keys to values is expected"),
            )
        ]
    if isinstance(spec, Names):
        return [p for key, item in raw.items() for p in shape_problems(item, spec.item, _join(place, key))]
    problems = unknown_keys(raw, spec, place)
    for key, item in raw.items():
        if key in spec and item is not None:
            problems += shape_problems(item, spec[key], _join(place, key))
    return problems


def _join(place: str, key: Any) -> str:
    return f"{place}.{key}" if place else str(key)


def reference_problems(raw: Mapping[str, Any]) -> list[Problem]:
    """Names that must meet: every fact and unit value is of a declared indicator, every declared scale,
    scheme, template, indicator and unit is used, every `line_facts` code is on the employee's card.
    A declaration nothing uses is refused too: it is what a misspelt name leaves behind."""
    problems: list[Problem] = []

    def fail(place: str, ru: str, en: str, **params: Any) -> None:
        problems.append(Problem("reference", place, text(ru, en, **params)))

    def names(key: str) -> Mapping[str, Any]:
        value = raw.get(key)
        return value if isinstance(value, Mapping) else {}

    indicators, scales, schemes, templates, units = (
        names(k) for k in ("indicators", "scales", "schemes", "templates", "units")
    )
    employees = (
        [e for e in raw.get("employees") or [] if isinstance(e, Mapping)]
        if isinstance(raw.get("employees"), list)
        else []
    )
    used = {"indicators": set(), "scales": set(), "schemes": set(), "templates": set(), "units": set()}

    def lines_of(lines: Any) -> list[Mapping[str, Any]]:
        return [line for line in lines if isinstance(line, Mapping)] if isinstance(lines, list) else []

    for lines in [*templates.values(), *(e.get("lines") for e in employees)]:
        for line in lines_of(lines):
            used["indicators"].add(line.get("indicator"))
            used["scales"].add(line.get("scale"))
    if raw.get("scheme") is not None:
        used["schemes"].add(raw.get("scheme"))
    for index, person in enumerate(employees):
        place = f"employees[{index}]"
        used["schemes"].add(person.get("scheme"))
        used["templates"].add(person.get("template"))
        used["units"].add(person.get("unit"))
        for code in person.get("facts") or {}:
            used["indicators"].add(code)
            if code not in indicators:
                fail(
                    f"{place}.facts.{code}",
                    "Показатель «{c}» не описан в indicators",
                    "Indicator “{c}” is not in indicators",
                    c=code,
                )
        on_card = {
            line.get("indicator")
            for line in lines_of(person.get("lines") or templates.get(person.get("template"), []))
        }
        for code in person.get("line_facts") or {}:
            if code not in on_card:
                fail(
                    f"{place}.line_facts.{code}",
                    "Показателя «{c}» нет в строках карты сотрудника",
                    "Indicator “{c}” is not on the employee's card",
                    c=code,
                )
    # Where the file describes its units (facts or corrections), an employee's unit is one of them: a
    # misspelt one would silently lose the unit's facts, its correction and its share of a fund.
    declared_units = {*units, *names("corrections")}
    if declared_units:
        for index, person in enumerate(employees):
            unit = person.get("unit")
            if unit is not None and unit not in declared_units:
                found = unknown_value(unit, sorted(declared_units), f"employees[{index}].unit")
                if found is not None:
                    problems.append(found)
    for unit, facts in units.items():
        for code in facts or {}:
            used["indicators"].add(code)
            if code not in indicators:
                fail(
                    f"units.{unit}.{code}",
                    "Показатель «{c}» не описан в indicators",
                    "Indicator “{c}” is not in indicators",
                    c=code,
                )
    for unit in names("corrections"):
        if unit not in used["units"]:
            fail(
                f"corrections.{unit}",
                "Ни один сотрудник не работает в подразделении «{u}»",
                "No employee works in unit “{u}”",
                u=unit,
            )
    for name, spec in schemes.items():
        params = spec.get("params") if isinstance(spec, Mapping) else None
        if isinstance(params, Mapping):
            used["indicators"].update(_scheme_names(params))
            for key in ("rank_indicator", "fines_indicator", "ktu_indicator"):
                code = params.get(
                    key, "KTU" if key == "ktu_indicator" and spec.get("kind") == "ktu_pool" else None
                )
                if code is not None and code not in indicators:
                    fail(
                        f"schemes.{name}.params.{key}",
                        "Показатель «{c}» не описан в indicators",
                        "Indicator “{c}” is not in indicators",
                        c=code,
                    )
    for key, declared in (
        ("scales", scales),
        ("schemes", schemes),
        ("templates", templates),
        ("units", units),
        ("indicators", indicators),
    ):
        for name in declared:
            if name not in used[key]:
                fail(
                    f"{key}.{name}",
                    "«{n}» описано, но нигде не используется",
                    "“{n}” is declared but used nowhere",
                    n=name,
                )
    return problems


def _scheme_names(params: Mapping[str, Any]) -> set[str]:
    """The indicator codes a scheme's parameters name: KTU, ranking, fines, piece rates and formulas."""
    found = {
        params.get(key, "KTU" if key == "ktu_indicator" else None)
        for key in ("ktu_indicator", "rank_indicator", "fines_indicator")
    }
    found |= {item.get("indicator") for item in params.get("piece_rates") or [] if isinstance(item, Mapping)}
    sources = [
        *(params.get("coefficients") or {}).values(),
        params.get("share_value_formula"),
        params.get("fund_formula"),
    ]
    for source in sources:
        if source:
            with contextlib.suppress(
                formula.FormulaError
            ):  # a bad formula is reported by the scheme's own checks
                found |= set(formula.parse(str(source)).names)
    return {name for name in found if isinstance(name, str)}
