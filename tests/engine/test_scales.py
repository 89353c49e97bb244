from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from motiva.engine.scales import PlanValues, compute_score, parse_scale_params

D = Decimal


def score(kind, params, fact, direction="higher", level_code="", **plan):
    parsed, problems = parse_scale_params(kind, params)
    assert problems == []
    return compute_score(kind, parsed, direction, fact, PlanValues(**plan), level_code)


def test_ratio_and_inverse_ratio():
    assert score("ratio", {}, D(95), target=D(100)).score == D(95)
    assert score("ratio", {}, D(4), "lower", target=D(3)).score == D(75)


def test_ratio_floor_and_cap():
    assert score("ratio", {"cap": "120"}, D(200), target=D(100)).score == D(120)
    assert score("ratio", {"floor": "50"}, D(10), target=D(100)).score == D(50)


def test_zero_fact_on_an_inverse_ratio_needs_a_cap():
    assert score("ratio", {}, D(0), "lower", target=D(3)).problems[0].code == "zero_fact"
    assert score("ratio", {"cap": "150"}, D(0), "lower", target=D(3)).score == D(150)


def test_zero_plan_is_a_problem_not_a_crash():
    assert score("ratio", {}, D(5), target=D(0)).problems[0].code == "zero_plan"


@pytest.mark.parametrize(
    ("fact", "expected"),
    [(50, 0), (75, 75), (87.5, 87.5), (100, 100), (112.5, 112.5), (125, 125), (200, 125)],
)
def test_corridor_points(fact, expected):
    result = score("corridor", {}, D(str(fact)), threshold=D(75), target=D(100), maximum=D(125))
    assert result.score == D(str(expected))


def test_threshold_target_maximum_without_interpolation():
    kw = {"threshold": D(80), "target": D(100), "maximum": D(120)}
    params = {"threshold_score": "50", "target_score": "100", "maximum_score": "150"}
    assert [score("threshold_target_max", params, D(x), **kw).score for x in (79, 80, 99, 100, 119, 120)] == [
        0,
        50,
        50,
        100,
        100,
        150,
    ]


def test_discrete_levels_as_multiplier():
    params = {
        "as_multiplier": True,
        "levels": [{"code": "none", "value": "1"}, {"code": "mentor", "value": "1.3"}],
    }
    result = score("discrete_levels", params, None, level_code="mentor")
    assert (result.score, result.multiplier) == (None, D("1.3"))


def test_binary_failure_event():
    assert score("binary", {}, D(1)).score == 0
    assert score("binary", {}, D(0)).score == 100
    assert score("binary", {"event_is_failure": False}, D(1)).score == 100


def test_penalty_points_floor_at_zero():
    params = {"points_per_violation": "2", "score_per_point": "10"}
    assert score("penalty_points", params, D(1)).score == 80
    assert score("penalty_points", params, D(9)).score == 0


def test_rating_mapping():
    assert [score("rating", {}, D(x)).score for x in (-2, -1, 0, 1, 2)] == [0, 50, 80, 100, 120]
    assert score("rating", {}, D(3)).problems[0].code == "rating_range"


def test_a_missing_fact_is_reported():
    assert score("ratio", {}, None, target=D(1)).problems[0].code == "fact_missing"


def test_every_step_explains_itself_in_both_languages():
    result = score("corridor", {}, D(1000), "lower", threshold=D(1200), target=D(800), maximum=D(400))
    assert result.score == D("87.5")
    rendered_ru, rendered_en = result.steps[0].render("ru"), result.steps[0].render("en")
    assert "линейно" in rendered_ru and "linear" in rendered_en and "порог = 1\u00a0200" in rendered_ru


facts = st.decimals(min_value=0, max_value=10000, places=2)
SCALES = [
    ("ratio", {"cap": "150"}, {"target": D(100)}),
    ("corridor", {}, {"threshold": D(75), "target": D(100), "maximum": D(125)}),
    (
        "threshold_target_max",
        {"interpolate": True},
        {"threshold": D(75), "target": D(100), "maximum": D(125)},
    ),
    (
        "step_table",
        {
            "steps": [
                {"min_attainment": "105", "score": "50"},
                {"min_attainment": "100", "score": "30"},
                {"min_attainment": "60", "score": "10"},
            ]
        },
        {"target": D(100)},
    ),
]


@pytest.mark.parametrize(("kind", "params", "plan"), SCALES, ids=[s[0] for s in SCALES])
@given(a=facts, b=facts)
def test_a_better_fact_never_lowers_the_score(kind, params, plan, a, b):
    low, high = sorted((a, b))
    assert score(kind, params, high, **plan).score >= score(kind, params, low, **plan).score
    # the same rule reversed for an inverse indicator: less is better
    reversed_plan = {
        k: D(250) - v if k != "target" or kind in ("corridor", "threshold_target_max") else v
        for k, v in plan.items()
    }
    if kind in ("corridor", "threshold_target_max"):
        assume(low > 0)
        assert (
            score(kind, params, D(250) - high, "lower", **reversed_plan).score
            >= score(kind, params, D(250) - low, "lower", **reversed_plan).score
        )
    else:
        assume(low > 0)
        assert (
            score(kind, params, low, "lower", **plan).score
            >= score(kind, params, high, "lower", **plan).score
        )


@given(violations=st.integers(min_value=0, max_value=50), more=st.integers(min_value=0, max_value=50))
def test_fewer_violations_never_score_lower(violations, more):
    assert (
        score("penalty_points", {}, D(violations)).score
        >= score("penalty_points", {}, D(violations + more)).score
    )


def test_a_russian_reader_sees_decimal_commas_and_an_english_one_points():
    result = score("ratio", {}, D("95.5"), target=D(100))
    assert "95,5" in result.steps[-1].render("ru") and "95.5" in result.steps[-1].render("en")
