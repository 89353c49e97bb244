"""Scales and card totals: plan points as a percent of the plan, inclusive and exclusive boundaries,
a threshold equal to the target, gates on key indicators, a scale and a formula on the total, rounding
of contributions, monitoring-only indicators and the remuneration of a fixed + variable scheme."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motiva.engine.card import calculate_card
from motiva.engine.money import RoundingPolicy
from motiva.engine.scales import PlanValues, compute_score, parse_scale_params, parse_total_scale
from motiva.engine.schemes import calculate_pay, card_policy, scheme_problems
from motiva.engine.types import CardPolicy, EmploymentSpan, Gate, LineInput, PayInput, ScaleSpec
from motiva.engine.validation import LineDraft, validate_card

D = Decimal
ROUND = RoundingPolicy()
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def scale(kind, **params):
    parsed, problems = parse_scale_params(kind, params)
    assert not problems, [p.render("en") for p in problems]
    return ScaleSpec(kind, parsed)


def score(kind_or_scale, fact, direction="higher", **plan):
    spec = kind_or_scale if isinstance(kind_or_scale, ScaleSpec) else scale(kind_or_scale)
    outcome = compute_score(
        spec.kind, spec.params, direction, D(fact), PlanValues(**{k: D(v) for k, v in plan.items()})
    )
    assert not outcome.problems, [p.render("en") for p in outcome.problems]
    return outcome


def rendered(steps, language="en"):
    return " / ".join(s.render(language) for s in steps)


# --- plan points as a percent of the plan ---------------------------------------------------------


def test_a_threshold_of_80_percent_of_a_1000_plan_is_800():
    outcome = score("corridor", "800", threshold_percent="80", target="1000", maximum_percent="120")
    assert outcome.score == D(75)
    assert "Threshold = 80 % of the plan 1,000" in rendered(outcome.steps)
    assert "Порог = 80 % плана 1\u00a0000" in rendered(outcome.steps, "ru")


def test_a_target_as_a_percent_of_the_plan_moves_the_ratio():
    outcome = score(scale("ratio"), "1050", target="1000", target_percent="105")
    assert outcome.score == D(100)


def test_a_point_given_both_ways_is_a_problem():
    spec = scale("corridor")
    outcome = compute_score(
        "corridor",
        spec.params,
        "higher",
        D(900),
        PlanValues(threshold=D(800), target=D(1000), maximum=D(1200), threshold_percent=D(80)),
    )
    assert outcome.score is None and outcome.problems[0].code == "plan_value_twice"
    problems = validate_card(
        [
            LineDraft(
                "indicator",
                D(100),
                scale_kind="corridor",
                threshold=D(800),
                threshold_percent=D(80),
                target=D(1000),
                maximum=D(1200),
            )
        ]
    )
    assert [p.field for p in problems] == ["lines[0].threshold_percent"]


def test_a_percent_without_a_plan_is_a_problem():
    problems = validate_card(
        [
            LineDraft(
                "indicator", D(100), scale_kind="corridor", threshold_percent=D(80), maximum_percent=D(120)
            )
        ]
    )
    assert {p.code for p in problems} >= {"plan_value_missing"}


def test_percent_points_are_ordered_by_direction():
    problems = validate_card(
        [
            LineDraft(
                "indicator",
                D(100),
                direction="lower",
                scale_kind="corridor",
                threshold_percent=D(80),
                target=D(1000),
                maximum_percent=D(70),
            )
        ]
    )
    assert [p.code for p in problems] == ["plan_values_order"]
    assert (
        validate_card(
            [
                LineDraft(
                    "indicator",
                    D(100),
                    direction="lower",
                    scale_kind="corridor",
                    threshold_percent=D(120),
                    target=D(1000),
                    maximum_percent=D(80),
                )
            ]
        )
        == []
    )


# --- inclusive and exclusive boundaries -----------------------------------------------------------


def test_a_step_from_105_and_a_step_above_105():
    from_105 = scale(
        "step_table", steps=[{"min_attainment": 105, "score": 50}, {"min_attainment": 100, "score": 30}]
    )
    above_105 = scale(
        "step_table",
        steps=[
            {"min_attainment": 105, "score": 50, "inclusive": False},
            {"min_attainment": 100, "score": 30},
        ],
    )
    assert score(from_105, "105", target="100").score == D(50)
    at = score(above_105, "105", target="100")
    assert at.score == D(30)
    assert score(above_105, "105.01", target="100").score == D(50)
    assert "above 105 %" in rendered(score(above_105, "106", target="100").steps)
    assert "выше 105 %" in rendered(score(above_105, "106", target="100").steps, "ru")


def test_above_plan_at_plan_below_plan_as_a_pair_of_equal_bounds():
    insol = scale(
        "step_table",
        steps=[
            {"min_attainment": 100, "score": 50, "inclusive": False, "label": "выше плана"},
            {"min_attainment": 100, "score": 30, "label": "план"},
        ],
        below_score=10,
    )
    assert [score(insol, fact, target="100").score for fact in ("101", "100", "99")] == [D(50), D(30), D(10)]


def test_equal_bounds_the_wrong_way_round_are_refused():
    _params, problems = parse_scale_params(
        "step_table",
        {
            "steps": [
                {"min_attainment": 100, "score": 50},
                {"min_attainment": 100, "score": 30, "inclusive": False},
            ]
        },
    )
    assert [p.code for p in problems] == ["steps_not_descending"]


def test_an_exclusive_threshold_and_maximum_on_the_threshold_target_maximum_scale():
    exclusive = scale("threshold_target_max", threshold_inclusive=False, maximum_inclusive=False)
    plan = {"threshold": "80", "target": "100", "maximum": "120"}
    assert score(exclusive, "80", **plan).score == D(0)
    assert "Threshold not exceeded" in rendered(score(exclusive, "80", **plan).steps)
    assert score(exclusive, "80.5", **plan).score == D(50)
    assert score(exclusive, "120", **plan).score == D(100)
    assert score(exclusive, "121", **plan).score == D(150)
    inclusive = scale("threshold_target_max")
    assert score(inclusive, "80", **plan).score == D(50)
    assert score(inclusive, "120", **plan).score == D(150)


def test_an_exclusive_threshold_on_a_lower_is_better_corridor():
    corridor = scale("corridor", threshold_inclusive=False)
    plan = {"threshold": "5", "target": "3", "maximum": "1"}
    assert score(corridor, "5", "lower", **plan).score == D(0)
    assert score(corridor, "4", "lower", **plan).score == D("87.5")
    assert score(scale("corridor"), "5", "lower", **plan).score == D(75)


# --- a threshold equal to the target ----------------------------------------------------------------


def test_a_threshold_equal_to_the_target_is_a_gate_on_the_line():
    gate = scale("threshold_target_max")
    plan = {"threshold": "100", "target": "100", "maximum": "120"}
    assert score(gate, "99.99", **plan).score == D(0)
    assert score(gate, "100", **plan).score == D(100)
    assert "Threshold equals the target and is reached" in rendered(score(gate, "110", **plan).steps)
    assert score("corridor", "100", **plan).score == D(100)
    assert score("corridor", "99", **plan).score == D(0)
    assert (
        validate_card(
            [
                LineDraft(
                    "indicator",
                    D(100),
                    scale_kind="corridor",
                    threshold=D(100),
                    target=D(100),
                    maximum=D(120),
                )
            ]
        )
        == []
    )


def test_a_threshold_above_the_target_is_still_refused():
    problems = validate_card(
        [
            LineDraft(
                "indicator", D(100), scale_kind="corridor", threshold=D(101), target=D(100), maximum=D(120)
            )
        ]
    )
    assert [p.code for p in problems] == ["plan_values_order"]
    assert "at most" in problems[0].render("en")


# --- monotonicity: a better fact never lowers the score ---------------------------------------------

FACTS = st.decimals(min_value=D("0.01"), max_value=D(400), places=2)


def _scales():
    flags = st.booleans()
    return st.one_of(
        st.builds(lambda: scale("ratio", cap=150)),
        st.builds(
            lambda a, b, c, interpolate: scale(
                "threshold_target_max",
                threshold_inclusive=a,
                target_inclusive=b,
                maximum_inclusive=c,
                interpolate=interpolate,
            ),
            flags,
            flags,
            flags,
            flags,
        ),
        st.builds(
            lambda a, b, c: scale("corridor", threshold_inclusive=a, target_inclusive=b, maximum_inclusive=c),
            flags,
            flags,
            flags,
        ),
        st.builds(
            lambda a, b, c: scale(
                "step_table",
                steps=[
                    {"min_attainment": 110, "score": 120, "inclusive": a},
                    {"min_attainment": 100, "score": 100, "inclusive": b},
                    {"min_attainment": 80, "score": 50, "inclusive": c},
                ],
            ),
            flags,
            flags,
            flags,
        ),
    )


@settings(max_examples=300, deadline=None)
@given(spec=_scales(), direction=st.sampled_from(["higher", "lower"]), a=FACTS, b=FACTS, gate=st.booleans())
def test_a_better_fact_never_lowers_the_score(spec, direction, a, b, gate):
    if direction == "higher":
        plan = PlanValues(D(100) if gate else D(80), D(100), D(130))
        worse, better = min(a, b), max(a, b)
    else:
        plan = PlanValues(D(100) if gate else D(130), D(100), D(80))
        worse, better = max(a, b), min(a, b)
    low = compute_score(spec.kind, spec.params, direction, worse, plan)
    high = compute_score(spec.kind, spec.params, direction, better, plan)
    assert not low.problems and not high.problems
    assert high.score >= low.score


@settings(max_examples=200, deadline=None)
@given(spec=_scales(), direction=st.sampled_from(["higher", "lower"]), a=FACTS, b=FACTS)
def test_a_better_fact_never_lowers_the_score_with_points_as_percents_of_the_plan(spec, direction, a, b):
    if direction == "higher":
        plan = PlanValues(target=D(100), threshold_percent=D(80), maximum_percent=D(130))
        worse, better = min(a, b), max(a, b)
    else:
        plan = PlanValues(target=D(100), threshold_percent=D(130), maximum_percent=D(80))
        worse, better = max(a, b), min(a, b)
    low = compute_score(spec.kind, spec.params, direction, worse, plan)
    high = compute_score(spec.kind, spec.params, direction, better, plan)
    assert not low.problems and not high.problems
    assert high.score >= low.score


@given(a=st.sampled_from([-2, -1, 0, 1, 2]), b=st.sampled_from([-2, -1, 0, 1, 2]))
def test_a_better_rating_never_lowers_the_score(a, b):
    spec = scale("rating")
    assert (
        compute_score("rating", spec.params, "higher", D(max(a, b)), PlanValues()).score
        >= compute_score("rating", spec.params, "higher", D(min(a, b)), PlanValues()).score
    )


@given(failure=st.booleans())
def test_the_good_outcome_of_a_binary_event_never_scores_less(failure):
    spec = scale("binary", event_is_failure=failure)
    happened = compute_score("binary", spec.params, "higher", D(1), PlanValues()).score
    not_happened = compute_score("binary", spec.params, "higher", D(0), PlanValues()).score
    assert (not_happened >= happened) if failure else (happened >= not_happened)


@given(a=st.integers(0, 20), b=st.integers(0, 20))
def test_fewer_violations_never_lower_the_score(a, b):
    spec = scale("penalty_points")
    fewer, more = min(a, b), max(a, b)
    assert (
        compute_score("penalty_points", spec.params, "higher", D(fewer), PlanValues()).score
        >= compute_score("penalty_points", spec.params, "higher", D(more), PlanValues()).score
    )


# --- strict scale parameters ------------------------------------------------------------------------


def test_a_binary_event_cannot_score_the_bad_outcome_above_the_good_one():
    _params, problems = parse_scale_params("binary", {"score_if_good": 0, "score_if_bad": 100})
    assert [(p.code, p.field) for p in problems] == [("scores_not_ascending", "params.score_if_bad")]


def test_a_misspelt_scale_parameter_is_refused_with_the_nearest_name():
    _params, problems = parse_scale_params("corridor", {"treshold_score": 75})
    assert [p.field for p in problems] == ["params.treshold_score"]
    assert "threshold_score" in problems[0].render("en")


@pytest.mark.parametrize(
    ("kind", "raw", "place"),
    [
        ("ratio", {"cap": 150, "floro": 0}, "params.floro"),
        ("threshold_target_max", {"interpolat": True}, "params.interpolat"),
        (
            "step_table",
            {"steps": [{"min_attainment": 100, "score": 100, "inclusiv": False}]},
            "params.steps[0].inclusiv",
        ),
        ("discrete_levels", {"levels": [{"code": "a", "value": 1, "lable": "x"}]}, "params.levels[0].lable"),
        ("binary", {"event_is_failur": True}, "params.event_is_failur"),
        ("penalty_points", {"base": 100}, "params.base"),
        (
            "rating",
            {"mapping": {"-2": 0, "-1": 50, "0": 80, "1": 100, "2": 120, "3": 150}},
            "params.mapping.3",
        ),
    ],
)
def test_every_kind_refuses_unknown_keys(kind, raw, place):
    _params, problems = parse_scale_params(kind, raw)
    assert place in [p.field for p in problems]


# --- gates on key indicators ------------------------------------------------------------------------


def ratio_line(key, weight, fact, target="100", **kwargs):
    return LineInput(
        key=key,
        title=key,
        weight=D(weight),
        scale=scale("ratio", cap=150),
        plan=PlanValues(target=D(target)),
        fact=D(fact),
        indicator_code=key,
        **kwargs,
    )


def test_a_closed_gate_cuts_the_total_to_zero():
    card = calculate_card(
        [ratio_line("REVENUE", 50, "85", gate=Gate(threshold=D(90))), ratio_line("QUALITY", 50, "110")],
        CardPolicy(),
        ROUND,
    )
    assert card.raw_total == D("97.50")
    assert card.total == D(0)
    assert card.line("REVENUE").gate_open is False
    assert "Gate “REVENUE” not passed: the total is at most 0 %" in rendered(card.steps)
    assert "does not reach the gate threshold 90" in rendered(card.line("REVENUE").steps)


def test_a_gate_passed_leaves_the_total():
    card = calculate_card(
        [
            ratio_line("REVENUE", 50, "95", gate=Gate(threshold_percent=D(90))),
            ratio_line("QUALITY", 50, "110"),
        ],
        CardPolicy(),
        ROUND,
    )
    assert card.total == D("102.50")
    assert card.line("REVENUE").gate_open is True


def test_a_gate_cuts_by_a_percent_or_to_a_value():
    lines = [
        ratio_line("REVENUE", 50, "85", gate=Gate(threshold=D(90), cut_percent=D(50))),
        ratio_line("QUALITY", 50, "110"),
    ]
    assert calculate_card(lines, CardPolicy(), ROUND).total == D("48.75")
    lines = [
        ratio_line("REVENUE", 50, "85", gate=Gate(threshold=D(90), cut_to=D(60))),
        ratio_line("QUALITY", 50, "110"),
    ]
    assert calculate_card(lines, CardPolicy(), ROUND).total == D(60)


def test_a_gate_on_a_lower_is_better_indicator():
    gate = Gate(threshold=D(5))
    assert calculate_card(
        [ratio_line("DEFECTS", 100, "4", target="4", direction="lower", gate=gate)], CardPolicy(), ROUND
    ).total == D(100)
    assert calculate_card(
        [ratio_line("DEFECTS", 100, "6", target="4", direction="lower", gate=gate)], CardPolicy(), ROUND
    ).total == D(0)


def test_a_gate_is_validated():
    problems = validate_card(
        [
            LineDraft(
                "indicator",
                D(100),
                scale_kind="ratio",
                target=D(100),
                gate_threshold=D(90),
                gate_threshold_percent=D(90),
                gate_cut_to=D(0),
                gate_cut_percent=D(50),
            )
        ]
    )
    assert {p.code for p in problems} == {"gate_threshold_twice", "gate_cut_twice"}
    assert [
        p.code for p in validate_card([LineDraft("indicator", D(100), gate_cut_percent=D(150), target=D(1))])
    ] == ["gate_threshold_missing"]


# --- a scale and a formula on the total -------------------------------------------------------------

STEPS_ON_TOTAL = {
    "kind": "step_table",
    "steps": [
        {"min_attainment": 110, "score": 130},
        {"min_attainment": 100, "score": 100},
        {"min_attainment": 80, "score": 60},
    ],
    "below_score": 0,
}


def test_a_step_table_on_the_total():
    policy = card_policy("target_bonus", {"total_scale": STEPS_ON_TOTAL}, "worker")
    assert calculate_card([ratio_line("A", 100, "95")], policy, ROUND).total == D(60)
    card = calculate_card([ratio_line("A", 100, "112")], policy, ROUND)
    assert card.total == D(130) and card.raw_total == D(112)
    assert "Total scale: step “110” (from 110 %) → 130 %" in rendered(card.steps)
    assert calculate_card([ratio_line("A", 100, "79")], policy, ROUND).total == D(0)


def test_a_curve_on_the_total():
    curve = {
        "kind": "curve",
        "points": [
            {"result": 80, "payout": 50},
            {"result": 100, "payout": 100},
            {"result": 120, "payout": 160},
        ],
    }
    policy = card_policy("target_bonus", {"total_scale": curve}, "worker")
    assert [
        calculate_card([ratio_line("A", 100, fact)], policy, ROUND).total
        for fact in ("70", "90", "110", "140")
    ] == [D(50), D(75), D(130), D(160)]


def test_a_formula_on_the_total():
    policy = card_policy(
        "target_bonus", {"total_formula": "if(result >= 100, result * 1.2, result)"}, "worker"
    )
    card = calculate_card([ratio_line("A", 100, "110")], policy, ROUND)
    assert card.total == D(132)
    assert "Total formula: if(result >= 100, result * 1.2, result)" in rendered(card.steps)
    both = card_policy(
        "target_bonus", {"total_scale": STEPS_ON_TOTAL, "total_formula": "min(payout, result + 10)"}, "worker"
    )
    assert calculate_card([ratio_line("A", 100, "112")], both, ROUND).total == D(122)


def test_a_formula_never_takes_the_total_below_zero():
    card = calculate_card(
        [ratio_line("A", 100, "50")],
        card_policy("target_bonus", {"total_formula": "result - 80"}, "worker"),
        ROUND,
    )
    assert card.total == D(0)
    assert [p.code for p in card.problems] == ["total_formula_negative"]


def test_the_total_rules_are_checked_strictly():
    assert [
        p.field for p in scheme_problems("target_bonus", {"percent": 20, "total_scale": {"kind": "curv"}})
    ] == ["params.total_scale.kind"]
    assert [
        p.field
        for p in scheme_problems(
            "target_bonus", {"percent": 20, "total_scale": {**STEPS_ON_TOTAL, "below": 0}}
        )
    ] == ["params.total_scale.below"]
    assert [
        p.code for p in scheme_problems("target_bonus", {"percent": 20, "total_formula": "result * K"})
    ] == ["unknown_name"]
    assert [p.field for p in scheme_problems("target_bonus", {"percent": 20, "total_formla": "result"})] == [
        "params.total_formla"
    ]
    _scale, problems = parse_total_scale(
        {"kind": "curve", "points": [{"result": 100, "payout": 100}, {"result": 90, "payout": 120}]}
    )
    assert [p.code for p in problems] == ["points_not_ascending"]


@given(
    a=st.decimals(min_value=0, max_value=200, places=2), b=st.decimals(min_value=0, max_value=200, places=2)
)
def test_a_better_total_never_pays_a_lower_percent(a, b):
    for raw in (
        STEPS_ON_TOTAL,
        {"kind": "curve", "points": [{"result": 80, "payout": 50}, {"result": 120, "payout": 160}]},
    ):
        policy = card_policy("target_bonus", {"total_scale": raw}, "worker")
        low = calculate_card([ratio_line("A", 100, str(min(a, b)), target="100")], policy, ROUND).total
        high = calculate_card([ratio_line("A", 100, str(max(a, b)), target="100")], policy, ROUND).total
        assert high >= low


# --- rounding of contributions ----------------------------------------------------------------------


def test_contributions_rounded_per_line():
    lines = [
        ratio_line("A", "33.33", "100.03"),
        ratio_line("B", "33.33", "100.03"),
        ratio_line("C", "33.34", "100"),
    ]
    by_contribution = RoundingPolicy(round_per_line="contribution")
    card = calculate_card(lines, CardPolicy(), by_contribution)
    assert [line.weighted for line in card.lines] == [D("33.34"), D("33.34"), D("33.34")]
    assert card.total == D("100.02")
    assert "Contribution rounded to 2 places" in rendered(card.line("A").steps)
    assert calculate_card(lines, CardPolicy(), ROUND).total == D("100.02")


def test_the_boolean_line_rounding_keeps_its_meaning():
    assert RoundingPolicy(round_per_line=True) == RoundingPolicy(round_per_line="score")
    assert RoundingPolicy(round_per_line="none").round_per_line is False
    assert RoundingPolicy(round_per_line="contribution").line_rounding == "contribution"
    with pytest.raises(ValueError):
        RoundingPolicy(round_per_line="contributions")


@given(
    weights=st.lists(st.decimals(min_value=1, max_value=60, places=2), min_size=1, max_size=6),
    facts=st.lists(st.decimals(min_value=0, max_value=150, places=3), min_size=6, max_size=6),
)
def test_the_total_of_rounded_contributions_is_their_sum_over_the_weights(weights, facts):
    policy = RoundingPolicy(round_per_line="contribution")
    lines = [ratio_line(str(i), str(w), str(f)) for i, (w, f) in enumerate(zip(weights, facts, strict=False))]
    card = calculate_card(lines, CardPolicy(), policy)
    assert all(line.weighted == policy.score(line.weighted) for line in card.lines)
    assert card.total == policy.score(sum(line.weighted for line in card.lines) * 100 / sum(weights))


# --- monitoring-only indicators ---------------------------------------------------------------------


def test_a_monitoring_only_line_is_shown_and_never_paid():
    card = calculate_card(
        [ratio_line("A", 100, "90"), ratio_line("B", 0, "150", monitoring_only=True)], CardPolicy(), ROUND
    )
    assert card.total == D(90)
    assert card.line("B").score == D(150) and card.line("B").weighted == 0
    assert "Monitoring-only indicator" in rendered(card.line("B").steps)
    weighted_anyway = calculate_card(
        [ratio_line("A", 50, "90"), ratio_line("B", 50, "150", monitoring_only=True)], CardPolicy(), ROUND
    )
    assert weighted_anyway.total == D(90)


def test_a_weight_on_a_monitoring_only_indicator_is_a_problem():
    problems = validate_card(
        [
            LineDraft("indicator", D(80), label="A"),
            LineDraft("indicator", D(20), label="B", monitoring_only=True),
        ]
    )
    assert [(p.code, p.field) for p in problems] == [("monitoring_only_weight", "lines[1].weight")]


# --- fixed + variable: the remuneration ---------------------------------------------------------------


def test_fixed_variable_states_fixed_pay_and_remuneration():
    pay = PayInput(
        salary=D(60000),
        period_start=MARCH[0],
        period_end=MARCH[1],
        category="manager",
        employment=(EmploymentSpan(dt.date(2020, 1, 1), None),),
    )
    card = calculate_card([ratio_line("A", 100, "90")], CardPolicy(), ROUND)
    result = calculate_pay("fixed_variable", {"variable_share": {"manager": 40}}, pay, card, ROUND)
    assert result.total == D("36000.00")  # 60 000 / 60 % = 100 000 target income; 40 000 × 90 %
    assert result.fixed == D("60000.00")
    assert result.remuneration == D("96000.00")
    assert "Remuneration = fixed part 60,000 + variable pay 36,000" in rendered(result.steps)
    other = calculate_pay("target_bonus", {"percent": 20}, pay, card, ROUND)
    assert other.fixed is None and other.remuneration is None


def test_the_fixed_part_follows_the_time_worked_even_when_the_bonus_is_not_prorated():
    pay = PayInput(
        salary=D(62000),
        period_start=MARCH[0],
        period_end=MARCH[1],
        category="manager",
        employment=(EmploymentSpan(dt.date(2026, 3, 17), None),),
    )
    card = calculate_card([ratio_line("A", 100, "100")], CardPolicy(), ROUND)
    result = calculate_pay(
        "fixed_variable", {"variable_share": {"manager": 40}, "proration": "none"}, pay, card, ROUND
    )
    assert result.fixed == D("30000.00")  # 15 of 31 days
    assert result.remuneration == result.fixed + result.total


def test_a_gate_cuts_the_level_results_of_a_three_level_scheme():
    policy = card_policy("three_level", {}, "worker")
    lines = [
        ratio_line("REVENUE", 50, "85", gate=Gate(threshold=D(90), cut_percent=D(50))),
        LineInput(
            key="U",
            title="U",
            weight=D(50),
            level="unit",
            scale=scale("ratio", cap=150),
            plan=PlanValues(target=D(100)),
            fact=D(110),
            indicator_code="U",
        ),
    ]
    card = calculate_card(lines, policy, ROUND)
    assert card.level_results == {"unit": D(55), "personal": D("42.50")}
    assert "Gate “REVENUE”: the level results are cut the same way" in rendered(card.steps)


def test_a_gate_under_a_scheme_that_does_not_pay_by_the_total_is_reported():
    card = calculate_card(
        [ratio_line("REVENUE", 100, "85", gate=Gate(threshold=D(90)))],
        card_policy("planned_amount", {}, "worker"),
        ROUND,
    )
    assert [p.code for p in card.problems] == ["gate_without_effect"]
    assert [
        p.code
        for p in scheme_problems(
            "three_level",
            {
                "target_bonus_percent": {"default": {"default": 10}},
                "level_shares": {"default": [30, 30, 40]},
                "total_scale": STEPS_ON_TOTAL,
            },
        )
    ] == ["not_paid_by_total"]
