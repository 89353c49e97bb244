"""Every pay component carries its kind (a stable key the payroll hand-off maps), whatever its name,
through proration and corrections; the kind changes no amount."""

import datetime as dt
from decimal import Decimal

from motiva.engine.card import calculate_card
from motiva.engine.schemes import calculate_pay
from motiva.engine.types import Adjustment, CardPolicy, ComponentKind, EmploymentSpan, GroupFacts
from tests.engine.test_card_and_pay import ROUND, card_at, line, pay_input

D = Decimal


def kinds(result):
    return [(c.name.render("ru"), c.kind) for c in result.components]


def test_a_per_line_scheme_gives_one_component_per_line_all_of_the_line_kind():
    titles = ["Задача: отчёт", "Задача: склад", "Задача: аудит"]
    card = calculate_card(
        [line(t, "30" if i else "40", 100, planned_amount=D(1000)) for i, t in enumerate(titles)],
        CardPolicy(pays_by="lines"),
        ROUND,
    )
    result = calculate_pay("planned_amount", {}, pay_input(), card, ROUND)
    assert kinds(result) == [(f"«{t}»", ComponentKind.LINE) for t in titles]
    assert result.total == D("3000.00")


def test_kinds_of_the_scheme_extras_and_adjustments_survive_proration_and_correction():
    params = {
        "basis": "fixed",
        "amount": "31000",
        "seniority_bands": [[0, None, 10]],
        "certification_percent": "5",
        "piece_rates": [{"indicator": "REPAIRS", "rate": "10"}],
        "fines_indicator": "FINES",
    }
    p = pay_input(
        employment=(EmploymentSpan(dt.date(2026, 3, 17), None),),
        facts={"REPAIRS": D(3), "FINES": D(100)},
        flags={"certification": D(1)},
    )
    result = calculate_pay(
        "target_bonus",
        params,
        p,
        card_at(100),
        ROUND,
        group=GroupFacts(correction=D("0.9")),
        adjustments=[
            Adjustment(D(500), "Разовое поручение"),
            Adjustment(D(200), "Опоздание", kind="disciplinary", date=dt.date(2026, 3, 20)),
        ],
    )
    assert [c.kind for c in result.components] == [
        ComponentKind.BONUS,
        ComponentKind.SENIORITY,
        ComponentKind.CERTIFICATION,
        ComponentKind.PIECE_WORK,
        ComponentKind.ADJUSTMENT,
        ComponentKind.REDUCTION,
    ]
    assert [c.kind for c in result.withheld] == [ComponentKind.FINE]
    bonus = result.components[0]
    assert bonus.amount == D("13500.00")  # 31000 × 15/31 × 0.9: prorated and corrected, kind kept
    assert result.proration < 1


def test_the_other_schemes_name_their_kinds():
    card = card_at(100)
    assert {c.kind for c in calculate_pay("step_bonus", {}, pay_input(), card, ROUND).components} == {"bonus"}
    annual = calculate_pay("annual_salary_percent", {"percent_at_plan": "10"}, pay_input(), card, ROUND)
    assert [c.kind for c in annual.components] == ["annual_bonus"]
    ktu = calculate_pay("ktu_pool", {"share_value": "30"}, pay_input(facts={"KTU": D("0.7")}), card, ROUND)
    assert [c.kind for c in ktu.components] == ["ktu"]
    shared = calculate_pay(
        "ktu_pool", {}, pay_input(facts={"KTU": D(1)}), card, ROUND, group=GroupFacts(fund_share=D(100))
    )
    assert [c.kind for c in shared.components] == ["ktu"]
    variable = calculate_pay(
        "fixed_variable", {"variable_share": {"default": "30"}}, pay_input(), card, ROUND
    )
    assert [c.kind for c in variable.components] == ["bonus"]
    negative = calculate_pay("coefficient_sum", {"coefficients": {"K": "-1"}}, pay_input(), card, ROUND)
    assert [c.kind for c in negative.components] == ["bonus", "floor"] and negative.total == 0
    levels = calculate_pay(
        "three_level",
        {"target_bonus_percent": {"default": {"default": "20"}}, "level_shares": {"default": [50, 30, 20]}},
        pay_input(due_levels=frozenset({"company", "unit", "personal"})),
        card,
        ROUND,
    )
    assert [c.kind for c in levels.components] == ["level"] * 3
