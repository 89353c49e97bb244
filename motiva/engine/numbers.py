"""The one reader of typed numbers: forms, pasted blocks, scenario files and imports all come here.

Python's Decimal() and int() read any Unicode decimal digit: "٣" (Arabic-Indic), "３" (full-width) and
"৩" (Bengali) are all 3 to them, and int() also skips "_" between digits. A number a person typed is
accepted here only in the form people mean: ASCII digits 0–9, an optional sign (the minus "−" too),
a decimal comma or point, spaces (also no-break and thin ones) between groups of digits, and, for
files written by programs, an exponent ("1e-05"). Anything else is refused with the reason, and the
first offending character is named so the caller can point at it.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

ASCII_DIGITS = frozenset("0123456789")
# Spaces people and spreadsheets put between groups of digits: ordinary, no-break, narrow no-break, thin.
_GROUP_SPACES = str.maketrans({" ": None, "\u00a0": None, "\u202f": None, "\u2009": None, "\t": None})
# The shape nearly every number in a file has ("1234", "-12.5", "0,75"): read at once, without the
# character-by-character checks below (a third of an import's per-row time, benchmarks/io.py).
_PLAIN = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?", re.ASCII)
_SHAPE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?", re.ASCII)


class NotANumber(ValueError):
    """`text` is not a number. `reason` is "digit" (a digit other than 0–9, named in `char`),
    "character" (another unexpected character, named in `char`) or "form" (the shape is wrong)."""

    def __init__(self, text: str, reason: str, char: str = "") -> None:
        super().__init__(f"not a number: {text!r} ({reason}{': ' + char if char else ''})")
        self.text = text
        self.reason = reason
        self.char = char


def foreign_digit(text: str) -> str:
    """The first character that reads as a digit or a number but is not one of 0–9 ("" if none):
    Arabic-Indic, full-width, superscript "²", fractions "½", Roman numeral "Ⅻ"."""
    for char in text:
        if (char.isdigit() or char.isnumeric()) and char not in ASCII_DIGITS:
            return char
    return ""


def parse_decimal(text: str | None) -> Decimal | None:
    """ "1 234,5", "-1 000.50", "−3" or "1e-05" as a Decimal; None for empty text. Raises NotANumber."""
    raw = text or ""
    if _PLAIN.fullmatch(raw):
        return Decimal(raw.replace(",", "."))
    cleaned = raw.translate(_GROUP_SPACES).strip().replace(",", ".").replace("\u2212", "-")
    if not cleaned:
        return None
    char = foreign_digit(cleaned)
    if char:
        raise NotANumber(raw, "digit", char)
    for char in cleaned:
        if not (char in ASCII_DIGITS or char in "+-.eE"):
            raise NotANumber(raw, "character", char)
    if not _SHAPE.fullmatch(cleaned):
        raise NotANumber(raw, "form")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the shape above is always a valid Decimal
        raise NotANumber(raw, "form") from None
    return value


def parse_integer(text: str | None) -> int | None:
    """A whole number typed in ASCII digits ("12", "-3", "1 000"); None for empty text."""
    value = parse_decimal(text)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise NotANumber(text or "", "form")
    return int(value)
