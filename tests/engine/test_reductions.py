"""Pay that cannot go wrong: reductions never take a bonus below zero, sanctions follow Labour Code
art. 135 part 3 (their date, one month's cap over all of them, the base the organization chose), and
KTU values follow the organization's range and step."""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from motiva.engine.batch import EmployeeCalc, calculate_batch
from motiva.engine.card import calculate_card
from motiva.engine.money import RoundingPolicy
from motiva.engine.scales import PlanValues, parse_scale_params
from motiva.engine.schemes import DEFAULT_RULES, calculate_pay, scheme_problems
from motiva.engine.types import (
    Adjustment,
    CardPolicy,
    EmploymentSpan,
    LineInput,
    PayInput,
    PayRules,
    ScaleSpec,
    SchemeSpec,
)

D = Decimal
ROUND = RoundingPolicy()
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
TARGET_20 = {"basis": "salary_percent", "percent": "20"}  # 20 % of salary × result


def card_at(total):
    params, _ = parse_scale_params("ratio", {"cap": "200"})
    line = LineInput(
        key="a",
        title="a",
        weight=D(100),
        scale=ScaleSpec("ratio", params),
        plan=PlanValues(target=D(100)),
        fact=D(total),
    )
    return calculate_card([line], CardPolicy(), ROUND)


def pay_input(salary="100000", **kwargs):
    defaults = {
        "period_start": MARCH[0],
        "period_end": MARCH[1],
        "employment": (EmploymentSpan(dt.date(2020, 1, 1), None),),
    }
    return PayInput(salary=D(salary), **(defaults | kwargs))


def sanction(amount=None, day=10, percent=None, order="1-к"):
    return Adjustment(
        D(amount) if amount is not None else None,
        "Выговор",
        "disciplinary",
        dt.date(2026, 3, day),
        order,
        D(percent) if percent is not None else None,
    )


def pay(adjustments, rules=DEFAULT_RULES, result=100, salary="100000"):
    return calculate_pay(
        "target_bonus",
        TARGET_20,
        pay_input(salary),
        card_at(result),
        ROUND,
        adjustments=adjustments,
        rules=rules,
    )


def trace(result):
    return " ".join(s.render("ru") for c in result.components for s in c.steps)


def test_a_reduction_larger_than_the_bonus_stops_at_zero_and_says_what_was_not_applied():
    result = pay([Adjustment(D("-33639"), "Нарушение регламента")])
    assert result.total == D("0.00")
    assert [c.amount for c in result.components] == [D("20000.00"), D("-20000.00")]
    assert "не применено 13\u00a0639" in trace(result)
    assert [p.code for p in result.problems] == ["reduction_above_bonus"]


def test_two_sanctions_in_one_month_share_one_cap():
    # the month's pay is the salary 100 000 + the bonus 40 000 = 140 000; 20 % of it, 28 000, for both sanctions together
    result = pay(
        [sanction("-15000", day=20, order="9-к"), sanction("-15000", day=5, order="7-к")], result=200
    )
    assert result.total == D("40000.00") - D("28000.00")
    assert [c.amount for c in result.components][1:] == [
        D("-15000.00"),
        D("-13000.00"),
    ]  # in the order of their dates
    text = trace(result)
    assert (
        "приказ № 7-к" in text
        and "приказ № 9-к" in text
        and "уже снижено 15\u00a0000" in text
        and "не применено 2\u00a0000" in text
    )


def test_the_cap_base_can_be_the_salary_alone():
    result = pay([sanction("-30000")], rules=PayRules(disciplinary_base="salary"), result=200)
    assert result.total == D("40000.00") - D("20000.00")  # 20 % of the salary 100 000
    assert "оклада за месяц" in trace(result)


def test_the_cap_can_be_switched_off_by_the_organization_but_never_below_zero():
    result = pay([sanction("-30000")], rules=PayRules(disciplinary_cap=None), result=200)
    assert result.total == D("10000.00")
    assert pay([sanction("-90000")], rules=PayRules(disciplinary_cap=None)).total == D("0.00")


def test_a_percent_reduction_is_a_share_of_the_bonus():
    result = pay([sanction(percent="75")])
    assert result.total == D("20000.00") - D("15000.00")  # 75 % of 20 000 is within 24 000
    assert "75 % премии 20\u00a0000" in trace(result)


def test_reductions_act_on_the_bonus_only_never_on_allowances():
    # a seniority allowance of 10 % of the salary (10 000) is pay for the work itself, not part of the bonus
    params = {**TARGET_20, "seniority_bands": [[0, None, 10]]}

    def pay_with_allowance(adjustments):
        return calculate_pay(
            "target_bonus", params, pay_input(), card_at(100), ROUND, adjustments=adjustments
        )

    assert pay_with_allowance([]).total == D("30000.00")
    percent = pay_with_allowance([sanction(percent="75")])
    assert percent.total == D("30000.00") - D("15000.00")  # 75 % of the bonus 20 000, not of 30 000
    assert "75 % премии 20\u00a0000" in trace(percent)
    # the cap's base is salary + bonus (120 000, cap 24 000); the floor stops at the bonus, 20 000
    large = pay_with_allowance([sanction("-50000")])
    assert large.total == D("10000.00")  # the allowance stays whole
    assert [p.code for p in large.problems] == ["disciplinary_cap", "reduction_above_bonus"]


def test_reductions_leave_piece_work_whole():
    # piece work 300 × 100 = 30 000 is pay for the work itself; the bonus is 20 000
    params = {**TARGET_20, "piece_rates": [{"indicator": "PIECES", "rate": "100"}]}

    def pay_with_pieces(adjustments):
        return calculate_pay(
            "target_bonus",
            params,
            pay_input(facts={"PIECES": D(300)}),
            card_at(100),
            ROUND,
            adjustments=adjustments,
        )

    assert pay_with_pieces([]).total == D("50000.00")
    assert pay_with_pieces([sanction(percent="75")]).total == D("35000.00")  # 75 % of 20 000
    # the cap's base is salary + bonus (120 000, cap 24 000); the floor stops at the bonus, 20 000
    assert pay_with_pieces([sanction("-50000")]).total == D("30000.00")
    assert pay_with_pieces([Adjustment(D("-90000"), "Недостача")]).total == D("30000.00")


def test_a_sanction_outside_the_period_reduces_nothing_and_is_a_problem():
    outside = Adjustment(D("-1000"), "Выговор", "disciplinary", dt.date(2026, 2, 27), "3-к")
    result = pay([outside])
    assert result.total == D("20000.00")
    assert [p.code for p in result.problems] == ["sanction_outside_period"]


def test_a_fine_is_a_named_component_withheld_from_salary_never_a_negative_bonus():
    params = {"basis": "fixed", "amount": "1000", "fines_indicator": "FINES"}
    result = calculate_pay("target_bonus", params, pay_input(facts={"FINES": D(5000)}), card_at(100), ROUND)
    assert result.total == D("1000.00")
    assert [c.amount for c in result.withheld] == [D("-5000.00")]


@settings(max_examples=200, deadline=None)
@given(
    result=st.integers(min_value=0, max_value=200),
    manual=st.lists(st.integers(min_value=-60000, max_value=5000).filter(bool), max_size=3),
    sanctions=st.lists(
        st.tuples(st.integers(min_value=1, max_value=31), st.integers(min_value=1, max_value=60000)),
        max_size=4,
    ),
    cap=st.sampled_from([None, D(20), D(10)]),
    base=st.sampled_from(["salary", "salary_and_bonus"]),
)
def test_pay_is_never_negative_and_a_months_sanctions_never_exceed_the_cap(
    result, manual, sanctions, cap, base
):
    adjustments = [Adjustment(D(amount), "Корректировка") for amount in manual]
    adjustments += [
        sanction(-amount, day=day, order=str(index)) for index, (day, amount) in enumerate(sanctions)
    ]
    rules = PayRules(disciplinary_cap=cap, disciplinary_base=base)
    outcome = pay(adjustments, rules=rules, result=result)
    assert outcome.total >= 0
    assert outcome.total == sum(c.amount for c in outcome.components)
    reductions = -sum(c.amount for c in outcome.components if c.name.render("en").startswith("Disciplinary"))
    if cap is not None:
        bonus = D(200) * result  # 20 % of 100 000 × result %
        month_pay = D(100000) + (bonus if base == "salary_and_bonus" else 0)
        assert reductions <= month_pay * cap / 100


KTU_RULES = PayRules(ktu_min=D("0.5"), ktu_max=D("2.5"), ktu_step=D("0.1"))


def ktu_member(key, ktu, unit="u"):
    return EmployeeCalc(
        key,
        f"Инженер {key}",
        (),
        pay_input(facts={"KTU": D(ktu)}),
        SchemeSpec("ktu_pool", {"fund_formula": "FUND"}, "pool"),
        unit,
    )


def test_a_ktu_above_one_is_paid_where_the_organization_allows_it():
    outcomes = calculate_batch(
        [ktu_member("a", "1.5"), ktu_member("b", "0.5")],
        ROUND,
        unit_facts={"u": {"FUND": D(1000)}},
        rules=KTU_RULES,
    )
    assert [o.pay.total for o in outcomes] == [D("750.00"), D("250.00")]


def test_a_ktu_outside_the_range_is_a_problem_naming_the_employee_never_a_silent_zero():
    outcomes = calculate_batch(
        [ktu_member("a", "1.5"), ktu_member("b", "0.5")], ROUND, unit_facts={"u": {"FUND": D(1000)}}
    )
    messages = [p.render("ru") for o in outcomes for p in o.problems]
    assert all("Инженер a (1.5)" in m for m in messages) and len(messages) == 2
    assert all(p.is_error for o in outcomes for p in o.problems)
    single = calculate_pay(
        "ktu_pool", {"share_value": "30"}, pay_input(facts={"KTU": D("1.2")}), card_at(100), ROUND
    )
    assert (
        single.problems[0].code == "ktu_range"
        and "1,2" in single.problems[0].render("ru")
        and "1.2" in single.problems[0].render("en")
    )


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(min_value=5, max_value=25), min_size=1, max_size=12),
    st.integers(min_value=1, max_value=10**9),
)
def test_a_fund_split_by_ktu_sums_exactly_to_the_fund(tenths, kopecks):
    fund = D(kopecks) / 100
    members = [ktu_member(str(index), D(value) / 10) for index, value in enumerate(tenths)]
    outcomes = calculate_batch(members, ROUND, unit_facts={"u": {"FUND": fund}}, rules=KTU_RULES)
    assert sum(o.pay.total for o in outcomes) == fund
    assert not [p for o in outcomes for p in o.problems]


def test_a_fund_split_weighs_each_ktu_by_the_time_worked_unless_the_scheme_says_not():
    def member(key, params, hired):
        return EmployeeCalc(
            key,
            f"Инженер {key}",
            (),
            pay_input(facts={"KTU": D(1)}, employment=(EmploymentSpan(hired, None),)),
            SchemeSpec("ktu_pool", params, "pool"),
            "u",
        )

    def split(params):
        members = [member("new", params, dt.date(2026, 3, 17)), member("old", params, dt.date(2020, 1, 1))]
        outcomes = calculate_batch(members, ROUND, unit_facts={"u": {"FUND": D(1000)}}, rules=KTU_RULES)
        return [o.pay.total for o in outcomes]

    # hired on 17 March: 15 of 31 days, weight 1 × 15/31 against 1 × 1; the parts still sum to the fund
    assert split({"fund_formula": "FUND"}) == [D("326.08"), D("673.92")]
    assert split({"fund_formula": "FUND", "ktu_time_weighted": False}) == [D("500.00"), D("500.00")]


def test_unknown_scheme_parameters_are_refused_with_the_nearest_name():
    problems = scheme_problems(
        "target_bonus", {"basis": "salary_precent", "percnt": "20", "proration": "proportionl"}
    )
    rendered = {p.field: p.render("en") for p in problems}
    assert "salary_percent" in rendered["params.basis"]
    assert "percent" in rendered["params.percnt"]
    assert "proportional" in rendered["params.proration"]


def test_an_employer_correction_of_a_unit_applies_to_its_fund_before_the_split():
    members = [ktu_member(key, "1") for key in "abc"]
    outcomes = calculate_batch(
        members, ROUND, unit_facts={"u": {"FUND": D(100)}}, corrections={"u": D("0.9")}
    )
    assert [o.pay.total for o in outcomes] == [D("30.00"), D("30.00"), D("30.00")]
    assert "× 0,9" in " ".join(s.render("ru") for s in outcomes[0].pay.components[0].steps)


def test_a_negative_fund_is_not_split():
    outcomes = calculate_batch([ktu_member("a", "1")], ROUND, unit_facts={"u": {"FUND": D(-300)}})
    assert outcomes[0].pay.total == 0 and outcomes[0].problems[0].code == "negative_fund"


def test_negative_money_in_scheme_parameters_is_refused():
    for kind, params, place in (
        (
            "ktu_pool",
            {"share_value": "30", "piece_rates": [{"indicator": "R", "rate": "-500"}]},
            "params.piece_rates[0].rate",
        ),
        ("target_bonus", {"basis": "fixed", "amount": "-10000"}, "params.amount"),
        ("planned_amount", {"monthly_total": "-1"}, "params.monthly_total"),
    ):
        assert place in [p.field for p in scheme_problems(kind, params)]


def test_a_gate_on_a_multiplier_line_cuts_the_total_too():
    from motiva.engine.types import Gate

    ratio, _ = parse_scale_params("ratio", {"cap": "200"})
    levels, _ = parse_scale_params(
        "discrete_levels", {"as_multiplier": True, "levels": [{"code": "mentor", "value": "1.2"}]}
    )
    sales = LineInput(
        key="s",
        title="Продажи",
        weight=D(100),
        scale=ScaleSpec("ratio", ratio),
        plan=PlanValues(target=D(100)),
        fact=D(100),
    )
    mentoring = LineInput(
        key="m",
        title="Наставничество",
        weight=D(0),
        scale=ScaleSpec("discrete_levels", levels),
        fact=D(10),
        level_code="mentor",
        gate=Gate(threshold=D(50), cut_to=D(0)),
    )
    assert calculate_card([sales, mentoring], CardPolicy(), ROUND).total == D("0.00")


def test_a_sanction_in_a_quarter_is_capped_by_the_pay_of_its_own_month():
    from motiva.engine.types import Absence

    quarter = pay_input(
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31),
        months=3,
        absences=(Absence("unpaid", dt.date(2026, 3, 1), dt.date(2026, 3, 31)),),
    )
    result = calculate_pay(
        "target_bonus",
        {"basis": "fixed", "amount": "20000"},
        quarter,
        card_at(100),
        ROUND,
        adjustments=[sanction(percent="100", day=10)],
    )
    # the bonus is 20 000 × 2/3 of the quarter worked = 13 333.33; March earned no salary, so the cap is
    # 20 % of March's share of the bonus alone: 13 333.33 / 3 × 20 % = 888.89 (the quarter's average share would allow 14 222.22)
    assert [c.amount for c in result.components] == [D("13333.33"), D("-888.89")]


def test_timesheet_hours_a_scheme_does_not_prorate_on_are_said_not_silently_dropped():
    hours = pay_input(timesheet_hours=D(44))
    result = calculate_pay("target_bonus", TARGET_20, hours, card_at(100), ROUND)
    assert result.total == D("20000.00")
    assert [p.code for p in result.problems] == ["timesheet_not_used"] and not result.problems[0].is_error


def test_the_fixed_part_of_a_partial_month_is_the_salary_for_the_time_worked_even_without_a_calendar():
    from motiva.engine.types import EmploymentSpan

    hired = pay_input(category="manager", employment=(EmploymentSpan(dt.date(2026, 3, 16), None),))
    params = {"variable_share": {"manager": "20"}, "proration": "none", "day_basis": "working"}
    result = calculate_pay("fixed_variable", params, hired, card_at(100), ROUND)
    assert result.fixed == D("51612.90")  # 100 000 × 16 / 31 calendar days, not the whole salary


def test_a_scheme_whose_own_formula_goes_negative_pays_zero_and_says_so():
    params = {"coefficients": {"K_out": "0 - 0.1 * REGIONS"}}
    result = calculate_pay("coefficient_sum", params, pay_input(facts={"REGIONS": D(3)}), card_at(100), ROUND)
    assert result.total == D("0.00")
    assert [p.code for p in result.problems] == ["scheme_below_zero"]
