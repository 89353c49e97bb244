"""The one reader of typed numbers: ASCII digits 0–9 only, everywhere (Decimal() and int() read any
Unicode digit as a number), and formulas refused at save for a constant division by zero or a number
out of range, naming the place."""

from __future__ import annotations

from decimal import Decimal

import pytest

from motiva.engine import formula
from motiva.engine.money import D, from_config
from motiva.engine.numbers import NotANumber, foreign_digit, parse_decimal, parse_integer

FOREIGN = {
    "٣": "Arabic-Indic three",
    "۳": "Extended Arabic-Indic (Persian) three",
    "３": "full-width three",
    "৩": "Bengali three",
    "²": "superscript two",
    "₂": "subscript two",
    "½": "vulgar fraction one half",
    "Ⅻ": "Roman numeral twelve",
}


@pytest.mark.parametrize("char", list(FOREIGN))
def test_every_digit_other_than_0_to_9_is_refused_and_named(char):
    for text in (char, f"1{char}", f"{char}00", f"2{char}", f"1 23{char},5"):
        with pytest.raises(NotANumber) as caught:
            parse_decimal(text)
        assert caught.value.reason == "digit" and caught.value.char == char
        with pytest.raises(ValueError):
            D(text)
        with pytest.raises(ValueError):
            parse_integer(text)


def test_python_itself_would_read_them():
    # Why the reader exists: remove it and these numbers get through.
    assert Decimal("٣") == 3 and int("３") == 3 and int("1_000") == 1000


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,5", Decimal("1234.5")),
        ("1\u00a0234.50", Decimal("1234.50")),
        ("1\u202f234", Decimal("1234")),
        ("-1 000,50", Decimal("-1000.50")),
        ("−3", Decimal("-3")),
        ("+7", Decimal("7")),
        (".5", Decimal("0.5")),
        ("5.", Decimal("5")),
        ("1e-05", Decimal("0.00001")),
        ("  42  ", Decimal("42")),
    ],
)
def test_what_people_type_is_read(text, expected):
    assert parse_decimal(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "NaN",
        "inf",
        "Infinity",
        "-infinity",
        "1_000",
        "1,2,3",
        "1.2.3",
        "12a",
        "0x10",
        "1e",
        "e5",
        "--1",
        "1e1234",
    ],
)
def test_other_text_is_refused(text):
    with pytest.raises(NotANumber):
        parse_decimal(text)


def test_empty_is_none_and_integers_are_whole():
    assert parse_decimal("") is None and parse_decimal(None) is None and parse_decimal(" \u00a0") is None
    assert parse_integer("1 000") == 1000
    with pytest.raises(NotANumber):
        parse_integer("1,5")


def test_foreign_digit_names_the_first_one():
    assert foreign_digit("12") == "" and foreign_digit("1٣2３") == "٣"


def test_scenario_files_read_through_the_same_reader():
    assert from_config(0.6) == Decimal("0.6") and from_config("1 500,25") == Decimal("1500.25")
    with pytest.raises(ValueError):
        from_config("١٥٠٠")


@pytest.mark.parametrize(
    "source", ["x / 0", "x / (2 - 2)", "x / 0.0", "if(x > 0, 1 / (3 - 3), 2)", "x * (5 / (1 - 1))"]
)
def test_a_constant_division_by_zero_is_refused_at_save_naming_the_character(source):
    problems = formula.check(source)
    assert [p.code for p in problems] == ["division_by_zero"]
    assert problems[0].field.startswith("formula:")


@pytest.mark.parametrize(
    ("source", "position"),
    [
        ("x + 10000000000000000000000", 5),
        ("x * 0." + "0" * 50 + "1", 5),
        ("x + 1000000000000000000 * 1000", 25),
    ],
)
def test_a_number_out_of_range_is_refused_at_save_naming_the_place(source, position):
    problems = formula.check(source)
    assert [p.code for p in problems] == ["too_large"]
    assert problems[0].field == f"formula:{position}"


@pytest.mark.parametrize("source", ["x / 2", "x / (y - 1)", "x + 1000000000000000000", "round(x / 3, 2)"])
def test_sound_formulas_pass(source):
    assert formula.check(source) == []


@pytest.mark.parametrize("char", ["²", "٣", "３"])
def test_a_formula_with_a_foreign_digit_is_refused(char):
    assert [p.code for p in formula.check(f"x * 2{char}")] == ["bad_digit"]
