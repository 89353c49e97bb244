"""A scenario loaded into the database and calculated there gives what `simulate` gives."""

from decimal import Decimal
from pathlib import Path

import pytest

from motiva.calc.models import EmployeeResult
from motiva.calc.runs import calculation_run_create
from motiva.calc.scenario_load import load_scenario
from motiva.scenarios.loader import load

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_database_run_matches_the_simulation(path, actor):
    simulated = {o.name: (o.card.total, o.pay.total if o.pay else 0) for o in load(path).run()}
    _organization, period = load_scenario(path, actor=actor)
    run = calculation_run_create(actor=actor, period=period)
    stored = {
        r.employee.last_name: (r.result, r.pay)
        for r in EmployeeResult.objects.filter(run=run).select_related("employee")
    }
    assert stored == simulated


def test_a_bad_scenario_changes_nothing(actor, tmp_path):
    from motiva.core.models import Organization
    from motiva.scenarios.loader import ScenarioError

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\nperiod: {start: 2026-01-01, end: 2026-01-31}\nemployees:\n  - {id: a, salary: много, lines: [{weight: 100, fact: 1}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as refusal:
        load_scenario(bad, actor=actor)
    assert refusal.value.problems[0].field == "employees[0].salary"
    assert not Organization.objects.filter(name="x").exists()


def test_a_documented_fine_is_stored_beside_the_bonus_never_inside_it(actor, tmp_path):
    from motiva.calc.selectors import explain

    scenario = tmp_path / "fines.yaml"
    scenario.write_text(
        """
name: Штрафы
period: {start: 2026-01-01, end: 2026-01-31}
scales: {ratio: {kind: ratio}}
indicators: {PLAN: {name: План}, FINES: {name: Штрафы по актам}}
schemes: {s: {kind: target_bonus, params: {basis: fixed, amount: 1000, fines_indicator: FINES}}}
scheme: s
employees:
  - {id: a, name: Иванов, salary: 50000, facts: {FINES: 3000}, lines: [{indicator: PLAN, weight: 100, scale: ratio, target: 100, fact: 100}],
     expect: {pay: 1000.00, withheld: -3000.00}}
""",
        encoding="utf-8",
    )
    assert load(scenario).run()[0].pay.total == Decimal("1000.00")
    _organization, period = load_scenario(scenario, actor=actor)
    result = EmployeeResult.objects.get(run=calculation_run_create(actor=actor, period=period))
    assert result.pay == Decimal("1000.00")
    explained = explain(result)
    assert [c["amount"] for c in explained["components"]] == ["1000.00"]
    assert [c["amount"] for c in explained["withheld"]] == ["-3000.00"]
