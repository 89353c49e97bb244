import datetime as dt
from decimal import Decimal

from motiva.engine.problems import Severity
from motiva.engine.validation import DateSpan, LineDraft, no_overlap, plan_values_order, validate_card


def line(weight, **kwargs):
    return LineDraft(
        component=kwargs.pop("component", "indicator"),
        weight=Decimal(weight) if weight is not None else None,
        **kwargs,
    )


def codes(problems):
    return [p.code for p in problems]


def test_weights_must_sum_to_exactly_100():
    problems = validate_card(
        [line("15"), line("15"), line("50", component="tasks"), line("19.99", component="assessment")]
    )
    assert codes(problems) == ["weights_not_100"]
    assert "99,99" in problems[0].render("ru") and "99.99" in problems[0].render("en")


def test_the_supply_head_matrix_is_valid():
    assert (
        validate_card(
            [line("15"), line("15"), line("50", component="tasks"), line("20", component="assessment")]
        )
        == []
    )


def test_multiplier_lines_do_not_count_in_the_weights():
    assert validate_card([line("100"), line("0", is_multiplier=True)]) == []


def test_more_than_seven_indicators_is_a_warning_not_an_error():
    problems = validate_card([line("12.5") for _ in range(8)])
    assert codes(problems) == ["too_many_indicators"]
    assert problems[0].severity is Severity.WARNING


def test_negative_weight_is_named_by_line():
    problems = validate_card([line("120"), line("-20")])
    assert [p.field for p in problems if p.code == "weight_negative"] == ["lines[1].weight"]


def test_thresholds_ascend_when_higher_is_better():
    assert plan_values_order("higher", Decimal(75), Decimal(100), Decimal(125)) == []
    problems = plan_values_order("higher", Decimal(100), Decimal(90), None)
    assert [p.field for p in problems] == ["target"]


def test_thresholds_descend_for_an_inverse_indicator():
    assert plan_values_order("lower", Decimal(1200), Decimal(800), Decimal(400)) == []
    problems = plan_values_order("lower", Decimal(400), Decimal(800), Decimal(1200))
    assert len(problems) == 2
    assert "обратный" in problems[0].render("ru")
    assert "lower is better" in problems[0].render("en")


def test_the_scale_says_which_plan_values_it_needs():
    problems = validate_card([line("100", scale_kind="corridor", target=Decimal(100))])
    assert sorted(p.field for p in problems) == ["lines[0].maximum", "lines[0].threshold"]


def test_spans_overlap_including_open_ended_ones():
    open_ended = DateSpan(dt.date(2026, 1, 1), None, "A")
    assert no_overlap(
        DateSpan(dt.date(2030, 1, 1), dt.date(2030, 2, 1)), [open_ended], code="x", what_ru="", what_en=""
    )
    assert not no_overlap(
        DateSpan(dt.date(2025, 1, 1), dt.date(2025, 12, 31)), [open_ended], code="x", what_ru="", what_en=""
    )
