"""Nothing in a scenario file is silently ignored: every key and every enumerated value of every file in
examples/ is misspelt, one at a time, and `simulate` must refuse each with its place named."""

import io
from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
import yaml

from motiva.scenarios.cli import simulate, simulate_raw

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))

# Values chosen from a list (kinds, directions, levels …) or naming something declared elsewhere in the
# file (a scale, a scheme, a template, an indicator, a unit): a misspelt one must be refused too.
ENUMERATED = {
    "kind",
    "direction",
    "level",
    "component",
    "category",
    "block",
    "mode",
    "time_mode",
    "proration",
    "day_basis",
    "proration_span",
    "basis",
    "bonus_base",
    "rank_direction",
    "top_management_period",
    "disciplinary_base",
    "currency",
    "scheme",
    "scale",
    "template",
    "indicator",
    "unit",
    "ktu_indicator",
    "rank_indicator",
    "fines_indicator",
    "use",
    "total_scale",
    "gate_mode",
    "boundary",
    "round_per_line",
}
# Names the file's author chooses that nothing else refers to: a coefficient of the coefficient sum is
# labelled by its name (K_sla), so another spelling is another label, not an error; a grade table may
# hold rows for grades none of the file's employees holds (the organization's other grades).
# (the mapping, how deep below it the free names are)
FREE_NAMES = (("coefficients", 1), ("level_shares", 1), ("percent_by_grade", 2), ("target_bonus_percent", 2))


def places(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(path to a mapping key or to an enumerated value, "key" or "value")."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not any(len(path) >= depth and path[-depth] == name for name, depth in FREE_NAMES):
                yield (*path, key), "key"
            if key in ENUMERATED and isinstance(value, str):
                yield (*path, key), "value"
            if key in ("due_levels", "use") and isinstance(value, list):
                yield from (
                    ((*path, key, index), "value")
                    for index, item in enumerate(value)
                    if isinstance(item, str)
                )
            yield from places(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from places(item, (*path, index))


def misspelt(raw: Any, path: tuple[Any, ...], what: str) -> tuple[Any, str, str]:
    """A copy of the file with one key or value misspelt; (copy, the old text, the new text)."""
    copy = deepcopy(raw)
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if what == "key":
        old = str(last)
        new = old + "q"
        parent[new] = parent.pop(last)
    else:
        old = parent[last]
        new = old + "q"
        parent[last] = new
    return copy, old, new


RAW = {path: yaml.safe_load(path.read_text(encoding="utf-8")) for path in EXAMPLES}
CASES = [(path, where, what) for path in EXAMPLES for where, what in places(RAW[path])]


def place_of(where: tuple[Any, ...]) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in where).lstrip(".")


@pytest.mark.parametrize(
    ("path", "where", "what"), CASES, ids=[f"{p.stem}:{place_of(w)}:{k}" for p, w, k in CASES]
)
def test_every_misspelt_key_and_value_is_refused_with_its_place(path, where, what):
    copy, old, new = misspelt(RAW[path], where, what)
    out, err = io.StringIO(), io.StringIO()
    code = simulate_raw(copy, out=out, err=err, lang="en")
    said = out.getvalue() + err.getvalue()
    assert code == 1, f"{place_of(where)}: “{old}” → “{new}” was accepted"
    assert new in said or old in said, said[-2000:]


def test_the_examples_themselves_are_accepted():
    for path in EXAMPLES:
        assert simulate(str(path), out=io.StringIO(), err=io.StringIO()) == 0, path.name


def test_an_employee_in_a_unit_the_file_does_not_describe_is_refused_where_units_are_described():
    """A misspelt unit would silently lose the unit's correction (or its facts, or its share of a fund)."""
    line = {"indicator": "PLAN", "weight": 100, "scale": "ratio", "target": 100, "fact": 100}
    raw = {
        "name": "Поправка подразделения",
        "currency": "RUB",
        "period": {"start": "2026-03-01", "end": "2026-03-31"},
        "scales": {"ratio": {"kind": "ratio", "params": {"cap": 150}}},
        "indicators": {"PLAN": {"name": "План"}},
        "schemes": {"b": {"kind": "target_bonus", "params": {"basis": "fixed", "amount": 10000}}},
        "scheme": "b",
        "corrections": {"shop": 0.5},
        "employees": [
            {"id": "a", "name": "A", "salary": 50000, "unit": "shop", "lines": [line]},
            {"id": "b", "name": "B", "salary": 50000, "unit": "shpo", "lines": [line]},
        ],
    }
    out, err = io.StringIO(), io.StringIO()
    assert simulate_raw(raw, out=out, err=err, lang="en") == 1
    assert "employees[1].unit: Invalid value “shpo”. Did you mean “shop”?" in out.getvalue() + err.getvalue()
    raw["employees"][1]["unit"] = "shop"
    assert simulate_raw(raw, out=io.StringIO(), err=io.StringIO(), lang="en") == 0
    # without units or corrections a unit only groups people, and any name does
    del raw["corrections"]
    raw["employees"][1]["unit"] = "shpo"
    assert simulate_raw(raw, out=io.StringIO(), err=io.StringIO(), lang="en") == 0


def test_a_mistake_in_a_template_line_is_named_where_it_is_written_and_said_once():
    raw = deepcopy(next(RAW[p] for p in EXAMPLES if p.name == "gate_key_indicator.yaml"))
    raw["templates"]["director"][1]["scale"] = "coridor"
    raw["templates"]["director"][2]["target"] = "сорок"
    raw["employees"][0]["line_facts"]["MARGIN"] = "много"
    out, err = io.StringIO(), io.StringIO()
    assert simulate_raw(raw, out=out, err=err, lang="en") == 1
    said = (out.getvalue() + err.getvalue()).splitlines()
    # two employees use the template: each mistake of the template is said once, at the template's line
    assert said.count("templates.director[1].scale: Scale “coridor” is not in scales") == 1
    assert said.count("templates.director[2].target: “сорок” is not a number") == 1
    # a fact given by the employee is named at the employee
    assert "employees[0].line_facts.MARGIN: “много” is not a number" in said
    assert not [line for line in said if ".lines[" in line]
