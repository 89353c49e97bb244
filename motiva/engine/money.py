"""Exact numbers for money and scores.

Decimal only, always built from strings; the rounding mode and the number of places are explicit
arguments taken from the organization's policy, never a hidden default.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from motiva.engine.numbers import NotANumber, parse_decimal

ZERO = Decimal("0")
ONE = Decimal("1")
HUNDRED = Decimal("100")

ROUNDING_MODES: dict[str, str] = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "down": decimal.ROUND_DOWN,
}

# Enough precision for 500 000 employees × salaries in the billions with room to spare.
CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN, Emax=999, Emin=-999)


def D(value: object) -> Decimal:
    """A Decimal from a str, int or Decimal. Floats are refused: they are not exact."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        # The shared reader: ASCII digits only (Decimal would read "٣" or "３" as 3), no NaN or infinity.
        result = parse_decimal(value)
        if result is None:
            raise NotANumber(value, "form")
        return result
    raise TypeError(f"cannot make an exact number from {type(value).__name__}")


def from_config(value: object) -> Decimal:
    """A Decimal from a parameter read from YAML or JSON, where 0.6 arrives as a float: its shortest
    repr is exactly what the person typed, so it is converted through that text, never through binary."""
    if isinstance(value, float):
        return D(repr(value))
    return D(value)


_QUANTA = {places: ONE.scaleb(-places) for places in range(13)}


def quantum(places: int) -> Decimal:
    known = _QUANTA.get(places)
    return known if known is not None else ONE.scaleb(-places)


def quantize(value: Decimal, places: int, mode: str) -> Decimal:
    try:
        rounding = ROUNDING_MODES[mode]
    except KeyError:
        raise ValueError(f"unknown rounding mode {mode!r}") from None
    return value.quantize(quantum(places), rounding=rounding, context=CONTEXT)


LINE_ROUNDING = ("none", "score", "contribution")


@dataclass(frozen=True)
class RoundingPolicy:
    """How an organization rounds. Scores are percentages (82.83 means 82.83 %).

    `round_per_line` names what each line rounds to the score places: "none", "score" (the line's score)
    or "contribution" (the line's weighted contribution, weight × score / 100; the card's total is then
    the sum of the rounded contributions / Σ weights). The stored booleans keep their meaning (false is
    "none", true is "score") and stay booleans, so an existing policy and a run's input hash are unchanged."""

    mode: str = "half_up"
    score_places: int = 2
    money_places: int = 2
    round_per_line: bool | str = False
    # The share of time worked (the time coefficient): None keeps every digit (the share is not rounded);
    # its mode, when empty, is the policy's mode.
    time_places: int | None = None
    time_mode: str = ""

    def __post_init__(self) -> None:
        line_rounding = self.round_per_line
        if isinstance(line_rounding, str):
            if line_rounding not in LINE_ROUNDING:
                raise ValueError(f"unknown line rounding {line_rounding!r}: none, score or contribution")
            object.__setattr__(
                self, "round_per_line", {"none": False, "score": True}.get(line_rounding, line_rounding)
            )
        elif not isinstance(line_rounding, bool):
            raise ValueError(f"line rounding must be none, score or contribution, not {line_rounding!r}")
        if self.mode not in ROUNDING_MODES:
            raise ValueError(f"unknown rounding mode {self.mode!r}")
        if self.time_mode and self.time_mode not in ROUNDING_MODES:
            raise ValueError(f"unknown rounding mode {self.time_mode!r}")
        if not 0 <= self.score_places <= 6 or not 0 <= self.money_places <= 4:
            raise ValueError("places out of range: scores 0..6, money 0..4")
        if self.time_places is not None and not 0 <= self.time_places <= 8:
            raise ValueError("places out of range: time share 0..8")

    @property
    def line_rounding(self) -> str:
        """What each line rounds: "none", "score" or "contribution"."""
        value = self.round_per_line
        return value if isinstance(value, str) else ("score" if value else "none")

    def money(self, value: Decimal) -> Decimal:
        return value.quantize(
            _QUANTA[self.money_places], ROUNDING_MODES[self.mode], CONTEXT
        )  # positional: cheaper to call

    def score(self, value: Decimal) -> Decimal:
        return value.quantize(_QUANTA[self.score_places], ROUNDING_MODES[self.mode], CONTEXT)


def allocate(total: Decimal, weights: Sequence[Decimal], places: int, mode: str = "down") -> list[Decimal]:
    """Split `total` in proportion to `weights`, each share rounded to `places`; the last share takes the
    remainder so the parts always sum exactly to the total."""
    if not weights:
        return []
    if any(weight < 0 for weight in weights):
        raise ValueError("weights cannot be negative")
    weight_sum = sum(weights, ZERO)
    if weight_sum == 0:
        raise ValueError("weights sum to zero")
    shares = [quantize(total * weight / weight_sum, places, mode) for weight in weights[:-1]]
    shares.append(total - sum(shares, ZERO))
    return shares
