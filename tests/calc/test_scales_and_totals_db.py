"""Scales and card totals through the database: the new line fields are validated by the card services,
read by fetch, and a run stores what `simulate` computes, the remuneration of a fixed + variable scheme included."""

import datetime as dt
from pathlib import Path

import pytest

from motiva.calc.fetch import fetch_run_inputs
from motiva.calc.models import EmployeeResult
from motiva.calc.runs import calculation_run_create
from motiva.calc.scenario_load import load_scenario
from motiva.calc.selectors import explain
from motiva.core.errors import InvalidInput
from motiva.engine.types import Gate
from motiva.kpi import services as kpi
from motiva.scenarios.loader import load

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

pytestmark = pytest.mark.django_db


def test_a_run_stores_fixed_pay_and_remuneration_as_simulate_computes_them(actor):
    path = EXAMPLES / "gate_key_indicator.yaml"
    simulated = {
        o.name: (o.card.total, o.pay.total, o.pay.fixed, o.pay.remuneration) for o in load(path).run()
    }
    _organization, period = load_scenario(path, actor=actor)
    inputs = fetch_run_inputs(period)
    revenue = [
        line for employee in inputs.employees for line in employee.lines if line.indicator_code == "REVENUE"
    ]
    assert {line.gate for line in revenue} == {
        Gate(threshold_percent=90),
        Gate(threshold_percent=90, cut_percent=50),
    }
    margin = next(line for line in inputs.employees[0].lines if line.indicator_code == "MARGIN")
    assert (margin.plan.threshold_percent, margin.plan.maximum_percent) == (80, 120)
    assert next(line for line in inputs.employees[0].lines if line.indicator_code == "NPS").monitoring_only
    run = calculation_run_create(actor=actor, period=period)
    stored = {}
    for result in EmployeeResult.objects.filter(run=run).select_related("employee", "run"):
        explained = explain(result, "en")
        stored[result.employee.last_name] = (
            result.result,
            result.pay,
            explained["fixed"],
            explained["remuneration"],
        )
        assert any("Remuneration = fixed part" in step for step in explained["pay"])
    assert stored == simulated


def test_the_line_rounding_of_a_scenario_becomes_the_organizations(actor):
    organization, _period = load_scenario(EXAMPLES / "contribution_rounding.yaml", actor=actor)
    assert (organization.round_per_line, organization.line_rounding) == (True, "contribution")
    assert organization.rounding.line_rounding == "contribution"


@pytest.fixture
def parts(actor, organization, structure):
    ratio = kpi.scale_create(
        actor=actor, organization=organization, name="Факт/план", kind="ratio", params={"cap": "150"}
    )
    corridor = kpi.scale_create(actor=actor, organization=organization, name="Коридор", kind="corridor")
    sales = kpi.indicator_create(actor=actor, organization=organization, code="SALES", name="Продажи")
    nps = kpi.indicator_create(
        actor=actor, organization=organization, code="NPS", name="NPS", monitoring_only=True
    )
    return {"ratio": ratio, "corridor": corridor, "sales": sales, "nps": nps, **structure}


def test_a_weight_on_a_monitoring_only_indicator_is_refused_by_the_card_services(actor, parts):
    lines = [
        {"indicator": parts["sales"], "weight": "80", "scale": parts["ratio"], "target": "100"},
        {"indicator": parts["nps"], "weight": "20", "scale": parts["ratio"], "target": "60"},
    ]
    with pytest.raises(InvalidInput) as refusal:
        kpi.card_template_create(
            actor=actor, position=parts["specialist"], valid_from=dt.date(2026, 1, 1), lines=lines
        )
    assert [(p.code, p.field) for p in refusal.value.problems] == [
        ("monitoring_only_weight", "lines[1].weight")
    ]
    lines[0]["weight"], lines[1]["weight"] = "100", "0"
    template, _warnings = kpi.card_template_create(
        actor=actor, position=parts["specialist"], valid_from=dt.date(2026, 1, 1), lines=lines
    )
    assert template.lines.count() == 2


def test_percent_points_and_gates_are_stored_and_checked(actor, parts):
    line = {
        "indicator": parts["sales"],
        "weight": "100",
        "scale": parts["corridor"],
        "target": "1000",
        "threshold_percent": "80",
        "maximum_percent": "120",
        "gate_threshold_percent": "90",
        "gate_cut_percent": "50",
    }
    template, _warnings = kpi.card_template_create(
        actor=actor, position=parts["specialist"], valid_from=dt.date(2026, 1, 1), lines=[line]
    )
    stored = template.lines.get()
    assert (
        stored.threshold_percent,
        stored.maximum_percent,
        stored.gate_threshold_percent,
        stored.gate_cut_percent,
    ) == (80, 120, 90, 50)
    with pytest.raises(InvalidInput) as refusal:
        kpi.card_template_create(
            actor=actor,
            position=parts["head"],
            valid_from=dt.date(2026, 1, 1),
            lines=[line | {"threshold": "800", "gate_cut_to": "0"}],
        )
    assert {p.code for p in refusal.value.problems} == {"plan_value_twice", "gate_cut_twice"}


def test_an_indicator_paid_on_is_not_made_monitoring_only_until_its_weights_are_0(actor, parts):
    lines = [{"indicator": parts["sales"], "weight": "100", "scale": parts["ratio"], "target": "100"}]
    kpi.card_template_create(
        actor=actor, position=parts["specialist"], valid_from=dt.date(2026, 1, 1), lines=lines
    )
    with pytest.raises(InvalidInput) as refusal:
        kpi.indicator_update(actor=actor, indicator=parts["sales"], monitoring_only=True)
    assert [(p.code, p.field) for p in refusal.value.problems] == [
        ("monitoring_only_weight", "monitoring_only")
    ]
    parts["sales"].refresh_from_db()
    assert not parts["sales"].monitoring_only
