from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from motiva.engine.scales import PlanValues, ScaleKind, compute_score, parse_scale_params

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


# --- every kind through compute_score, with the trace it writes ----------------------------------------

STEPS = [
    {"min_attainment": "105", "score": "50", "label": "сверх плана", "inclusive": False},
    {"min_attainment": "90", "score": "20"},
]
LEVELS = [{"code": "a", "label": "Эксперт", "value": "120"}, {"code": "b", "value": "80"}]
# kind → (params, fact, direction, level code, plan, score, multiplier, the steps in English, the last in Russian)
EVERY_KIND = {
    "ratio": (
        {"cap": "120"},
        D(130),
        "higher",
        "",
        {"target": D(100)},
        D(120),
        None,
        ["Attainment = fact / plan × 100 | fact = 130; plan = 100 | → 130", "Capped at 120 % | → 120"],
        "Не выше потолка 120 % | → 120",
    ),
    "corridor": (
        {},
        D(110),
        "higher",
        "",
        {"threshold_percent": D(75), "target": D(100), "maximum_percent": D(125)},
        D(110),
        None,
        [
            "Threshold = 75 % of the plan 100 | → 75",
            "Maximum = 125 % of the plan 100 | → 125",
            "Between target (100 %) and maximum (125 %) — linear"
            " | fact = 110; threshold = 75; target = 100; maximum = 125 | → 110",
        ],
        "Между целью (100 %) и максимумом (125 %) — линейно | факт = 110; порог = 75; цель = 100; максимум = 125 | → 110",
    ),
    "threshold_target_max": (
        {"interpolate": True},
        D(90),
        "higher",
        "",
        {"threshold": D(80), "target": D(100), "maximum": D(120)},
        D(75),
        None,
        [
            "Threshold reached, target not → 75 % | fact = 90; threshold = 80; target = 100; maximum = 120 | → 75"
        ],
        "Порог достигнут, цель нет → 75 % | факт = 90; порог = 80; цель = 100; максимум = 120 | → 75",
    ),
    "step_table": (
        {"steps": STEPS, "below_score": "5", "below_label": "ниже"},
        D(95),
        "higher",
        "",
        {"target": D(100)},
        D(20),
        None,
        [
            "Attainment = fact / plan × 100 | fact = 95; plan = 100 | → 95",
            "Step “90” (from 90 %) → 20 % | → 20",
        ],
        "Ступень «90» (от 90 %) → 20 % | → 20",
    ),
    "discrete_levels": (
        {"levels": LEVELS},
        None,
        "higher",
        "a",
        {},
        D(120),
        None,
        ["Level “Эксперт” gives 120 % | → 120"],
        "Уровень «Эксперт» даёт 120 % | → 120",
    ),
    "binary": (
        {"event_is_failure": False},
        D(0),
        "higher",
        "",
        {},
        D(0),
        None,
        ["The event did not happen; it is an achievement → 0 % | → 0"],
        "Событие не произошло; это достижение → 0 % | → 0",
    ),
    "penalty_points": (
        {"points_per_violation": "2"},
        D(3),
        "higher",
        "",
        {},
        D(40),
        None,
        ["100 − 3 violations × 2 points × 10 % = 40 %, at least 0 % | → 40"],
        "100 − 3 нарушений × 2 балла × 10 % = 40 %, не ниже 0 % | → 40",
    ),
    "rating": (
        {},
        D(2),
        "higher",
        "",
        {},
        D(120),
        None,
        ["Rating +2 gives 120 % | → 120"],
        "Оценка +2 даёт 120 % | → 120",
    ),
}


def test_every_scale_kind_has_a_case():
    assert set(EVERY_KIND) == {kind.value for kind in ScaleKind}


@pytest.mark.parametrize("kind", list(EVERY_KIND))
def test_every_kind_scores_and_explains_itself(kind):
    params, fact, direction, level_code, plan, expected, multiplier, steps_en, last_ru = EVERY_KIND[kind]
    result = score(kind, params, fact, direction, level_code, **plan)
    assert (result.score, result.multiplier, result.problems) == (expected, multiplier, ())
    assert [s.render("en") for s in result.steps] == steps_en
    assert result.steps[-1].render("ru") == last_ru


def test_a_level_as_a_multiplier_and_a_level_found_by_its_value():
    multiplier = {"as_multiplier": True, "levels": [{"code": "m", "label": "Наставник", "value": "1.3"}]}
    result = score("discrete_levels", multiplier, None, level_code="m")
    assert [s.render("ru") for s in result.steps] == ["Уровень «Наставник» — множитель 1,3 | → 1,3"]
    by_value = score("discrete_levels", {"levels": LEVELS}, D(80))
    assert (by_value.score, by_value.steps[0].render("en")) == (D(80), "Level “b” gives 80 % | → 80")
    unknown = score("discrete_levels", {"levels": LEVELS}, None, level_code="zz")
    assert (unknown.score, [p.render("en") for p in unknown.problems]) == (
        None,
        ["Level “zz” is not in the scale"],
    )


def test_a_zero_fact_on_a_lower_is_better_step_table_reaches_the_top_step_without_a_formula():
    result = score("step_table", {"steps": STEPS}, D(0), "lower", target=D(3))
    assert result.score == D(50)
    assert [s.render("en") for s in result.steps] == ["Step “сверх плана” (above 105 %) → 50 % | → 50"]


def test_a_zero_fact_on_a_lower_is_better_ratio_takes_the_cap():
    result = score("ratio", {"cap": "150"}, D(0), "lower", target=D(3))
    assert [s.render("ru") for s in result.steps] == [
        "Факт 0 у обратного показателя — лучше некуда: потолок 150 % | → 150"
    ]


def test_the_step_table_below_every_step_and_the_inverse_attainment():
    result = score(
        "step_table", {"steps": STEPS, "below_score": "5", "below_label": "ниже"}, D(4), "lower", target=D(3)
    )
    assert result.score == D(5)
    assert [s.render("en") for s in result.steps] == [
        "Attainment = plan / fact × 100 (lower is better) | fact = 4; plan = 3 | → 75",
        "Below every step («ниже») → 5 % | → 5",
    ]


def test_problems_of_the_points_of_a_threshold_target_maximum_scale():
    out_of_order = score("threshold_target_max", {}, D(100), threshold=D(120), target=D(100), maximum=D(130))
    assert [(p.code, p.field) for p in out_of_order.problems] == [("plan_values_order", "target")]
    no_maximum = score("threshold_target_max", {}, D(100), threshold=D(80), target=D(100))
    assert [p.render("en") for p in no_maximum.problems] == ["The “maximum” value is missing"]
    assert no_maximum.steps == () and no_maximum.score is None


def test_a_rating_outside_the_scale_and_a_missing_fact():
    assert [p.render("ru") for p in score("rating", {}, D("1.5")).problems] == [
        "Оценка 1,5 вне шкалы −2 … +2"
    ]
    assert [p.render("en") for p in score("penalty_points", {}, None).problems] == ["The fact is missing"]


def test_an_unknown_kind_is_refused():
    parsed, _ = parse_scale_params("ratio", {})
    with pytest.raises(ValueError, match="not a valid ScaleKind"):
        compute_score("no_such_kind", parsed, "higher", D(1), PlanValues(target=D(1)))
