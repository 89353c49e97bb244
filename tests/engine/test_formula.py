from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motiva.engine import formula
from motiva.engine.formula import FormulaError, evaluate, find_cycle, parse
from motiva.engine.memo import Memo


def value(source, **names):
    return evaluate(parse(source), {k: Decimal(v) for k, v in names.items()})


def test_labour_productivity_is_tonnes_per_head():
    assert value("tonnes / headcount", tonnes="112000", headcount="1000") == Decimal("112")


def test_precedence_and_unicode_operators():
    assert value("2 + 3 × 4 ÷ 2") == Decimal(8)
    assert value("-(2 + 3) * 2") == Decimal(-10)


def test_functions():
    assert value("max(1, 5, 3) + min(4, 2)") == Decimal(7)
    assert value("clamp(140, 0, 120)") == Decimal(120)
    assert value("round(16.566, 1)") == Decimal("16.6")
    assert value("if(x >= 100, 50, if(x >= 60, 10, 0))", x="75") == Decimal(10)


def test_cyrillic_names_and_logic_words():
    assert value("ВЫРУЧКА > 100 и не ПЛАН_СОРВАН", ВЫРУЧКА="120", ПЛАН_СОРВАН="0") == Decimal(1)


def test_division_by_zero_is_a_problem_with_a_position():
    with pytest.raises(FormulaError) as caught:
        value("tonnes / headcount", tonnes="1", headcount="0")
    assert caught.value.problem.code == "division_by_zero"
    assert caught.value.problem.field == "formula:8"


def test_missing_name_is_named():
    with pytest.raises(FormulaError) as caught:
        value("a + b", a="1")
    assert "b" in caught.value.problem.render("ru")


@pytest.mark.parametrize(
    "source", ["1 +", "(1", "foo(1)", "a b", "1 < 2 < 3", "max()", "1..2", "$", "sum(1)"]
)
def test_syntax_errors_are_problems(source):
    problems = formula.check(source)
    assert len(problems) == 1
    assert problems[0].render("en") and problems[0].render("ru")


def test_limits_on_length_and_depth():
    assert formula.check("1+" * 1500 + "1")[0].code == "too_long"
    assert formula.check("(" * 60 + "1" + ")" * 60)[0].code == "too_deep"


def test_magnitude_is_limited():
    with pytest.raises(FormulaError) as caught:
        value("x * x * x", x="1e10")
    assert caught.value.problem.code == "too_large"


def test_names_lists_what_a_formula_reads():
    assert parse("sum(SALES) / HEADCOUNT").names == {"SALES", "HEADCOUNT"}


def test_cycles_are_found_and_named():
    assert find_cycle({"A": frozenset({"B"}), "B": frozenset({"C"}), "C": frozenset({"A"})}) == [
        "A",
        "B",
        "C",
        "A",
    ]
    assert find_cycle({"A": frozenset({"B"}), "B": frozenset({"X"})}) is None


@settings(max_examples=300)
@given(st.text(alphabet="0123456789.+-*/×÷()<>=!, abcxyzифмин", max_size=80))
def test_arbitrary_text_gives_a_value_or_a_problem(source):
    try:
        parsed = parse(source)
    except FormulaError as error:
        assert error.problem.code
        return
    try:
        result = evaluate(parsed, {name: Decimal(3) for name in parsed.names})
    except FormulaError as error:
        assert error.problem.code
        return
    assert abs(result) <= formula.MAX_MAGNITUDE


def test_a_formula_is_parsed_once_a_calculation_and_a_broken_one_reports_every_time():
    """A scheme's formula is evaluated for every member: a calculation's memo keeps the parsed form
    (one entry however often it is asked), a broken source is never kept and reports each time."""
    memo = Memo()
    first = memo.formula("base * (K_sla + K_cc)")
    assert memo.formula("base * (K_sla + K_cc)") == first == parse("base * (K_sla + K_cc)")
    assert list(memo.formulas) == ["base * (K_sla + K_cc)"]
    assert evaluate(
        first, {"base": Decimal(1000), "K_sla": Decimal("0.2"), "K_cc": Decimal("0.1")}
    ) == Decimal("300.0")
    for _ in range(2):
        with pytest.raises(FormulaError) as error:
            memo.formula("base * (")
        assert error.value.problem.code
    assert list(memo.formulas) == ["base * (K_sla + K_cc)"]
