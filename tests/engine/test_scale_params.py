import pytest

from motiva.engine.scales import CorridorParams, StepTableParams, parse_scale_params


def fields(problems):
    return [p.field for p in problems]


def test_corridor_defaults_are_75_100_125():
    params, problems = parse_scale_params("corridor", {})
    assert problems == []
    assert params == CorridorParams()


def test_corridor_scores_must_ascend():
    _params, problems = parse_scale_params("corridor", {"threshold_score": "110", "target_score": "100"})
    assert "params.target_score" in fields(problems)


def test_step_table_reads_the_insol_steps():
    params, problems = parse_scale_params(
        "step_table",
        {
            "steps": [
                {"min_attainment": "105", "score": "50"},
                {"min_attainment": "100", "score": "30"},
                {"min_attainment": "60", "score": "10"},
            ],
        },
    )
    assert problems == []
    assert isinstance(params, StepTableParams)
    assert [str(step.score) for step in params.steps] == ["50", "30", "10"]


def test_step_bounds_must_descend_and_the_problem_names_the_step():
    _params, problems = parse_scale_params(
        "step_table",
        {
            "steps": [{"min_attainment": "60", "score": "10"}, {"min_attainment": "100", "score": "10"}],
        },
    )
    assert fields(problems) == ["params.steps[1].min_attainment"]
    assert "100" in problems[0].render("ru")


def test_a_non_number_is_named_in_both_languages():
    _params, problems = parse_scale_params("ratio", {"cap": "много"})
    assert fields(problems) == ["params.cap"]
    assert "не число" in problems[0].render("ru")
    assert "not a number" in problems[0].render("en")


def test_discrete_levels_need_unique_codes():
    _params, problems = parse_scale_params(
        "discrete_levels",
        {
            "levels": [
                {"code": "a", "value": "1"},
                {"code": "a", "value": "1.3"},
            ]
        },
    )
    assert fields(problems) == ["params.levels[1].code"]


def test_rating_needs_every_point_from_minus_two_to_plus_two():
    _params, problems = parse_scale_params(
        "rating", {"mapping": {"-2": "0", "-1": "50", "0": "80", "1": "100"}}
    )
    assert fields(problems) == ["params.mapping.+2"]


@pytest.mark.parametrize(
    "kind", ["ratio", "corridor", "threshold_target_max", "binary", "penalty_points", "rating"]
)
def test_every_kind_has_usable_defaults(kind):
    params, problems = parse_scale_params(kind, {})
    assert problems == [] and params is not None


def test_unknown_kind_is_a_problem_not_a_crash():
    params, problems = parse_scale_params("magic", {})
    assert params is None and fields(problems) == ["kind"]


def test_a_step_table_where_more_attainment_scores_less_is_refused():
    _params, problems = parse_scale_params(
        "step_table",
        {
            "steps": [{"min_attainment": "100", "score": "10"}, {"min_attainment": "60", "score": "30"}],
        },
    )
    assert fields(problems) == ["params.steps[1].score"]
