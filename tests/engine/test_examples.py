"""The seeds' published numbers, reproduced from the scenario files in examples/."""

from decimal import Decimal
from pathlib import Path

import pytest

from motiva.scenarios.loader import check_expectations, load

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(name):
    scenario = load(EXAMPLES / name)
    return scenario, {o.key: o for o in scenario.run()}


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_meets_its_published_numbers(path):
    scenario = load(path)
    assert scenario.expectations, "an example states what it must reproduce"
    assert check_expectations(scenario, scenario.run()) == []


def test_workshop_a_82_83_times_0_2_is_16_6_percent_of_salary():
    _scenario, out = run("workshop_a.yaml")
    ivanov = out["ivanov"]
    assert ivanov.card.total == Decimal("82.83")
    assert (ivanov.pay.total / 50000 * 100).quantize(Decimal("0.1")) == Decimal("16.6")


def test_triad_is_2_9_of_4_points_and_72_5_percent():
    scenario, out = run("triad.yaml")
    clerk = out["clerk"]
    points = sum(
        line.weight / 100 * Decimal(line_input.level_code)
        for line, line_input in zip(clerk.card.lines, scenario.employees[0].lines, strict=True)
    )
    assert points == Decimal("2.9")
    assert clerk.card.total == Decimal("72.5")


def test_ktu_seven_shares_of_30_and_of_60():
    _scenario, out = run("ktu.yaml")
    assert out["engineer_average"].pay.total == Decimal("210.00")
    assert out["engineer_strong"].pay.total == Decimal("420.00")


def test_construction_0_2_of_30000_is_6000_and_a_cut_coefficient_pays_6000_instead_of_9000():
    _scenario, out = run("construction.yaml")
    pto = out["pto"].pay
    assert [c.amount for c in pto.components][:1] == [Decimal("6000.00")]
    assert out["ird"].pay.components[0].amount == Decimal("6000.00")


def test_inverse_receivables_on_the_75_125_corridor():
    _scenario, out = run("receivables_corridor.yaml")
    assert {key: o.card.total for key, o in out.items()} == {
        "best": Decimal(125),
        "plan": Decimal(100),
        "between": Decimal("87.5"),
        "threshold": Decimal(75),
        "worse": Decimal(0),
    }


def test_insol_steps_50_30_10_0():
    _scenario, out = run("insol_steps.yaml")
    assert [o.card.total for o in out.values()] == [Decimal(50), Decimal(30), Decimal(10), Decimal(0)]


def test_division_director_four_binary_kpis_and_150_percent_of_annual_salary():
    _scenario, out = run("division_director.yaml")
    assert out["clean_year"].pay.total == Decimal("7200000.00")
    assert out["ebitda_missed"].card.total == Decimal(70)


def test_it_engineers_top_six_ranking():
    _scenario, out = run("it_support.yaml")
    leads = [o.pay.components[0].steps[3].outcome for o in out.values()]
    assert leads == ["0.6", "0.5", "0.4", "0.3", "0.2", "0.1", "0"]


def test_beverage_caps_and_vacation_month():
    _scenario, out = run("beverage_matrix.yaml")
    assert out["supply_head"].card.capped and out["supply_head"].card.total == 120
    assert out["sales_head"].card.capped and out["sales_head"].card.total == 150
    assert out["quality_director_vacation"].pay.proration == Decimal("0.5")


def test_a_misspelt_expected_line_fails_and_names_the_nearest_line(tmp_path):
    text = (EXAMPLES / "contribution_rounding.yaml").read_text(encoding="utf-8")
    assert "        OUTPUT: {score:" in text
    misspelt = tmp_path / "misspelt.yaml"
    misspelt.write_text(text.replace("        OUTPUT: {score:", "        OUTPTU: {score:"), encoding="utf-8")
    scenario = load(misspelt)
    differences = check_expectations(scenario, scenario.run())
    assert any("no line “OUTPTU” (did you mean “OUTPUT”?)" in d for d in differences), differences
