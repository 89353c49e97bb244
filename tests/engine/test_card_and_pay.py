import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from motiva.calc.storage import StepEncoder
from motiva.engine.card import calculate_card
from motiva.engine.memo import Memo
from motiva.engine.money import RoundingPolicy
from motiva.engine.proration import prorate
from motiva.engine.scales import PlanValues, parse_scale_params
from motiva.engine.schemes import calculate_pay, rank_places, scheme_problems, split_fund
from motiva.engine.types import (
    Absence,
    Adjustment,
    CardPolicy,
    EmploymentSpan,
    LineInput,
    PayInput,
    ScaleSpec,
)

D = Decimal
ROUND = RoundingPolicy()
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def ratio(cap="200"):
    params, _ = parse_scale_params("ratio", {"cap": cap})
    return ScaleSpec("ratio", params)


def line(key, weight, fact, level="personal", target="100", **kwargs):
    return LineInput(
        key=key,
        title=key,
        weight=D(weight),
        level=level,
        scale=kwargs.pop("scale", ratio()),
        plan=PlanValues(target=D(target)),
        fact=D(fact) if fact is not None else None,
        **kwargs,
    )


def pay_input(salary="100000", **kwargs):
    defaults = {
        "period_start": MARCH[0],
        "period_end": MARCH[1],
        "employment": (EmploymentSpan(dt.date(2020, 1, 1), None),),
    }
    return PayInput(salary=D(salary), **(defaults | kwargs))


def test_levels_are_computed_independently():
    card = calculate_card(
        [line("c", 40, 50, "company"), line("u", 40, 110, "unit"), line("p", 20, 100)], CardPolicy(), ROUND
    )
    assert dict(card.level_results) == {"company": D(50), "unit": D(110), "personal": D(100)}
    assert card.total == D("84")


def test_multipliers_apply_to_the_total():
    params, _ = parse_scale_params(
        "discrete_levels", {"as_multiplier": True, "levels": [{"code": "big", "value": "1.3"}]}
    )
    card = calculate_card(
        [
            line("a", 100, 80),
            LineInput("m", "mentoring", D(0), scale=ScaleSpec("discrete_levels", params), level_code="big"),
        ],
        CardPolicy(),
        ROUND,
    )
    assert card.total == D("104")


def test_a_result_below_the_minimum_pays_nothing():
    card = calculate_card([line("a", 100, 55)], CardPolicy(min_result=D(60)), ROUND)
    assert card.total == 0


def test_a_missing_fact_counts_as_zero_with_a_warning():
    card = calculate_card([line("a", 50, None), line("b", 50, 100)], CardPolicy(), ROUND)
    assert card.total == 50
    assert [p.code for p in card.problems] == ["fact_missing", "line_without_score"]


@given(
    scores=st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=8),
    cap=st.integers(min_value=50, max_value=200),
)
def test_the_cap_always_holds(scores, cap):
    lines = [line(str(i), 1, s) for i, s in enumerate(scores)]
    assert calculate_card(lines, CardPolicy(cap=D(cap)), ROUND).total <= cap


@given(
    weights=st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=8),
    factor=st.integers(min_value=2, max_value=9),
    scores=st.lists(st.integers(min_value=0, max_value=200), min_size=8, max_size=8),
)
def test_weights_scaled_together_do_not_change_the_result(weights, factor, scores):
    first = [line(str(i), w, scores[i]) for i, w in enumerate(weights)]
    scaled = [line(str(i), w * factor, scores[i]) for i, w in enumerate(weights)]
    assert (
        calculate_card(first, CardPolicy(), ROUND).total == calculate_card(scaled, CardPolicy(), ROUND).total
    )


@given(
    fund=st.decimals(min_value=0, max_value=10**7, places=2),
    ktu=st.lists(
        st.sampled_from([D("0.1"), D("0.3"), D("0.5"), D("0.7"), D("1.0")]), min_size=1, max_size=20
    ),
)
def test_a_ktu_fund_split_sums_exactly(fund, ktu):
    shares = split_fund(fund, {str(i): k for i, k in enumerate(ktu)}, 2)
    assert sum(shares.values()) == fund


def test_ranking_shares_places_on_ties():
    assert rank_places({"a": D(10), "b": D(30), "c": D(30), "d": D(5)}) == {"b": 1, "c": 1, "a": 3, "d": 4}


def test_half_a_month_worked_pays_half():
    factor, steps = prorate(*MARCH, [EmploymentSpan(dt.date(2026, 3, 17), None)], [])
    assert factor == D(15) / D(31)
    assert "15 из 31" in steps[0].render("ru")


def test_no_bonus_for_a_month_on_leave_when_the_policy_says_so():
    leave = [Absence("vacation", dt.date(2026, 3, 1), dt.date(2026, 3, 31))]
    employed = [EmploymentSpan(dt.date(2020, 1, 1), None)]
    assert prorate(*MARCH, employed, leave, "proportional")[0] == 0
    short = [Absence("vacation", dt.date(2026, 3, 2), dt.date(2026, 3, 6))]
    assert prorate(*MARCH, employed, short, "leave_month_zero")[0] == 0
    assert prorate(*MARCH, employed, short, "leave_month_half")[0] == D("0.5")
    assert prorate(*MARCH, employed, short, "none")[0] == 1


def test_fte_and_working_days():
    factor, _ = prorate(*MARCH, [EmploymentSpan(dt.date(2020, 1, 1), None, D("0.5"))], [], basis="working")
    assert factor == D("0.5")


def test_termination_inside_a_quarter():
    factor, _ = prorate(
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 31),
        [EmploymentSpan(dt.date(2020, 1, 1), dt.date(2026, 2, 28))],
        [],
    )
    assert factor == D(2) / D(3)


def card_at(total):
    return calculate_card([line("a", 100, total)], CardPolicy(), ROUND)


def test_target_bonus_as_percent_salaries_and_fixed_amount():
    card = card_at(90)
    assert calculate_pay(
        "target_bonus", {"basis": "salary_percent", "percent": "20"}, pay_input(), card, ROUND
    ).total == D("18000.00")
    assert calculate_pay(
        "target_bonus", {"basis": "salaries", "salaries": "2"}, pay_input(), card, ROUND
    ).total == D("180000.00")
    assert calculate_pay(
        "target_bonus", {"basis": "fixed", "amount": "5000"}, pay_input(), card, ROUND
    ).total == D("4500.00")


def test_target_bonus_by_grade_and_block():
    params = {"basis": "salary_percent", "percent_by_grade": {"production": {"G5": "25", "default": "10"}}}
    assert calculate_pay(
        "target_bonus", params, pay_input(grade="G5", block="production"), card_at(100), ROUND
    ).total == D("25000.00")
    assert calculate_pay(
        "target_bonus", params, pay_input(grade="G1", block="production"), card_at(100), ROUND
    ).total == D("10000.00")


def test_fixed_variable_70_30():
    result = calculate_pay(
        "fixed_variable",
        {"variable_share": {"director": "30"}},
        pay_input("21000", category="director"),
        card_at(100),
        ROUND,
    )
    assert result.total == D("9000.00")


def test_a_bad_scheme_parameter_is_a_problem_naming_it():
    result = calculate_pay(
        "fixed_variable",
        {"variable_share": {"sales": "80"}},
        pay_input(category="director"),
        card_at(100),
        ROUND,
    )
    assert result.problems[0].field == "params.variable_share"


def test_a_variable_share_of_100_percent_or_more_is_refused_when_the_scheme_is_saved():
    # no fixed part is left to derive the target income from (salary / fixed share)
    for share in ("100", "150"):
        problems = scheme_problems("fixed_variable", {"variable_share": {"manager": share}})
        assert [(p.code, p.field) for p in problems] == [("share_range", "params.variable_share.manager")]
        assert "below 100 %" in problems[0].render("en")
    assert scheme_problems("fixed_variable", {"variable_share": {"manager": "99.5", "default": "0"}}) == []


def test_seniority_allowance_bands():
    params = {"basis": "fixed", "amount": "0", "seniority_bands": [[5, 10, 10], [10, 20, 15], [20, None, 20]]}
    amounts = [
        calculate_pay("target_bonus", params, pay_input(seniority_years=D(y)), card_at(100), ROUND).total
        for y in (3, 5, 12, 25)
    ]
    assert amounts == [D(0), D("10000.00"), D("15000.00"), D("20000.00")]


def test_piece_rates_and_documented_fines():
    params = {
        "share_value": "30",
        "piece_rates": [{"indicator": "REPAIRS", "rate": "150"}],
        "fines_indicator": "FINES",
    }
    result = calculate_pay(
        "ktu_pool",
        params,
        pay_input(facts={"KTU": D("0.7"), "REPAIRS": D(40), "FINES": D(500)}),
        card_at(100),
        ROUND,
    )
    # the fine is withheld from the salary as a component of its own, never taken out of the bonus
    assert result.total == D(210) + D(6000)
    assert [(c.name.render("en"), c.amount) for c in result.withheld] == [
        ("Documented fines (withheld from the salary)", D("-500.00"))
    ]


def test_employer_correction_and_manual_adjustment():
    from motiva.engine.types import GroupFacts

    result = calculate_pay(
        "target_bonus",
        {"basis": "fixed", "amount": "10000"},
        pay_input(),
        card_at(100),
        ROUND,
        group=GroupFacts(correction=D("0.9")),
        adjustments=[Adjustment(D(500), "Разовое поручение")],
    )
    assert result.total == D("9500.00")
    assert "Корректировка работодателя" in " ".join(
        s.render("ru") for c in result.components for s in c.steps
    )


def test_proration_is_applied_and_explained():
    result = calculate_pay(
        "target_bonus",
        {"basis": "fixed", "amount": "31000"},
        pay_input(employment=(EmploymentSpan(dt.date(2026, 3, 17), None),)),
        card_at(100),
        ROUND,
    )
    assert result.total == D("15000.00")


def naive_proportional(start, end, employment, absences):
    """Day by day, the obvious way: the reference for the interval arithmetic."""
    months = {}
    day = start
    while day <= end:
        fte = next((s.fte for s in employment if s.start <= day and (s.end is None or day <= s.end)), D(0))
        absent = any(a.start <= day <= a.end for a in absences)
        total, worked = months.get((day.year, day.month), (0, D(0)))
        months[(day.year, day.month)] = (total + 1, worked + (D(0) if absent else fte))
        day += dt.timedelta(days=1)
    return sum((worked / total for total, worked in months.values()), D(0)) / len(months)


day_in_quarter = st.integers(min_value=0, max_value=120).map(
    lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n)
)


@given(
    hire=day_in_quarter,
    leave=st.one_of(st.none(), day_in_quarter),
    fte=st.sampled_from([D("0.5"), D("1"), D("0.25")]),
    absences=st.lists(st.tuples(day_in_quarter, st.integers(min_value=0, max_value=20)), max_size=3),
)
def test_interval_proration_matches_counting_day_by_day(hire, leave, fte, absences):
    if leave is not None and leave < hire:
        hire, leave = leave, hire
    employment = [EmploymentSpan(hire, leave, fte)]
    leaves = [Absence("vacation", a, a + dt.timedelta(days=n)) for a, n in absences]
    start, end = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    assert prorate(start, end, employment, leaves)[0] == naive_proportional(start, end, employment, leaves)


def test_scheme_formulas_can_sum_over_the_unit_and_rank_within_the_group():
    from motiva.engine.batch import EmployeeCalc, calculate_batch
    from motiva.engine.types import SchemeSpec

    scheme = SchemeSpec(
        "coefficient_sum",
        {
            "coefficients": {
                "K_share": "TICKETS / sum(TICKETS)",  # the member's share of the unit's tickets
                "K_top": "if(rank(TICKETS) = 1, 0.5, 0)",  # the best of the group gets 0.5
            }
        },
        "it",
    )
    people = [
        EmployeeCalc(
            str(i),
            f"E{i}",
            (line("a", 100, 100),),
            pay_input("1000", facts={"TICKETS": D(t)}),
            scheme,
            unit="u",
        )
        for i, t in enumerate((30, 10))
    ]
    first, second = calculate_batch(people, ROUND)
    assert first.pay.total == D("1250.00")  # 1000 × (0.75 + 0.5)
    assert second.pay.total == D("250.00")  # 1000 × 0.25


def test_remembered_scores_and_shares_keep_the_digits_of_their_inputs():
    """Within one memo, scores and time shares are remembered for equal inputs, told apart by their
    exact text: equal numbers written differently (20 and 20.00) keep their own digits in the stored trace."""

    def stored(steps):
        encoder = StepEncoder({})
        return [encoder.encode(step)[1:] for step in steps]

    memo = Memo()
    cards = [
        calculate_card([line("a", weight, 90, target=target)], CardPolicy(), ROUND, memo)
        for weight, target in (("20", "100"), ("20.00", "100.00"), ("20", "100"))
    ]
    assert cards[0].total == cards[1].total == cards[2].total
    assert stored(cards[0].lines[0].steps) == [[None, ["90", "100"], "90.0"], [["20", "90.0"], None, "18.0"]]
    assert stored(cards[1].lines[0].steps) == [
        [None, ["90", "100.00"], "90.0"],
        [["20.00", "90.0"], None, "18.000"],
    ]
    assert stored(cards[2].lines[0].steps) == stored(cards[0].lines[0].steps)
    assert len(memo.lines) == 2  # the third card's line was the first one's again
    shares = [
        prorate(*MARCH, (EmploymentSpan(dt.date(2026, 3, 1), None, D(fte)),), (), memo=memo)
        for fte in ("1", "1.00", "1")
    ]
    assert [share for share, _steps in shares] == [D(1), D(1), D(1)]
    assert [stored(steps)[0][0] for _share, steps in shares] == [
        ["03.2026", "31", "31"],
        ["03.2026", "31.00", "31"],
        ["03.2026", "31", "31"],
    ]
    assert len(memo.shares) == 2


def test_a_memo_belongs_to_one_calculation():
    """Two calculations with their own memos never see each other's answers, and without a memo
    nothing is remembered at all: the engine keeps no state between calls."""
    first, second = Memo(), Memo()
    calculate_card([line("a", "100", 90)], CardPolicy(), ROUND, first)
    assert len(first.lines) == 1 and not second.lines
    calculate_card([line("a", "100", 80)], CardPolicy(), ROUND, second)
    assert len(first.lines) == 1 and len(second.lines) == 1
    assert calculate_card([line("a", "100", 90)], CardPolicy(), ROUND).total == D("90.0")


def test_steps_made_from_wordings_can_be_pickled():
    import pickle

    card = calculate_card([line("a", "100", 90)], CardPolicy(), ROUND)
    for step in card.steps:
        assert pickle.loads(pickle.dumps(step)).render("ru") == step.render("ru")  # noqa: S301 — our own bytes
