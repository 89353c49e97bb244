"""Validation as a list of small validators, each returning problems.

Forms, the admin, imports and the API all call these, so a rule is written once and every path
answers with the same message naming the same field.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from motiva.engine.money import HUNDRED, ZERO
from motiva.engine.problems import Problem, Severity
from motiva.engine.scales import PLAN_VALUES_NEEDED, Direction, ScaleKind
from motiva.engine.text import text

MAX_INDICATOR_LINES = 7  # SPEC C3 / [S1]: 5–7 indicators per person at most


@dataclass(frozen=True)
class LineDraft:
    """One card line as the validators see it, whatever it came from (form, import, API)."""

    component: str  # "indicator", "tasks", "assessment"
    weight: Decimal | None
    label: str = ""
    direction: str = Direction.HIGHER_IS_BETTER
    scale_kind: str | None = None
    threshold: Decimal | None = None
    target: Decimal | None = None
    maximum: Decimal | None = None
    is_multiplier: bool = False


def _line_place(index: int, field: str) -> str:
    return f"lines[{index}].{field}"


def weights_non_negative(lines: Sequence[LineDraft]) -> list[Problem]:
    return [
        Problem(
            "weight_negative",
            _line_place(index, "weight"),
            text("Строка {n}: вес не может быть отрицательным", "Line {n}: the weight cannot be negative", n=index + 1),
        )
        for index, line in enumerate(lines)
        if line.weight is not None and line.weight < 0
    ]


def weights_present(lines: Sequence[LineDraft]) -> list[Problem]:
    return [
        Problem(
            "weight_missing",
            _line_place(index, "weight"),
            text("Строка {n}: укажите вес", "Line {n}: enter the weight", n=index + 1),
        )
        for index, line in enumerate(lines)
        if line.weight is None and not line.is_multiplier
    ]


def weights_sum_to_100(lines: Sequence[LineDraft]) -> list[Problem]:
    weighted = [line for line in lines if not line.is_multiplier]
    if not weighted:
        return [Problem("no_lines", "lines", text("В карте нет ни одной строки с весом", "The card has no weighted line"))]
    total = sum((line.weight or ZERO for line in weighted), ZERO)
    if total != HUNDRED:
        return [
            Problem(
                "weights_not_100",
                "lines.weight",
                text(
                    "Сумма весов должна быть ровно 100 %, сейчас {total} %",
                    "Weights must sum to exactly 100 %, now {total} %",
                    total=total.normalize() if total == total.to_integral() else total,
                ),
            )
        ]
    return []


def not_too_many_indicators(lines: Sequence[LineDraft]) -> list[Problem]:
    count = sum(1 for line in lines if line.component == "indicator" and not line.is_multiplier)
    if count > MAX_INDICATOR_LINES:
        return [
            Problem(
                "too_many_indicators",
                "lines",
                text(
                    "{count} показателей в карте: больше {limit} размывает фокус, рекомендуем 5–7",
                    "{count} indicators on the card: more than {limit} blurs the focus; 5–7 are recommended",
                    count=count,
                    limit=MAX_INDICATOR_LINES,
                ),
                Severity.WARNING,
            )
        ]
    return []


def plan_values_present(lines: Sequence[LineDraft]) -> list[Problem]:
    problems = []
    for index, line in enumerate(lines):
        if line.component != "indicator" or not line.scale_kind:
            continue
        try:
            needed = PLAN_VALUES_NEEDED[ScaleKind(line.scale_kind)]
        except ValueError:
            continue
        for name in needed:
            if getattr(line, name) is None:
                problems.append(
                    Problem(
                        "plan_value_missing",
                        _line_place(index, name),
                        text(
                            "Строка {n}: шкале нужно значение «{field}»",
                            "Line {n}: the scale needs the “{field}” value",
                            n=index + 1,
                            field=PLAN_VALUE_NAMES[name][0],
                        ),
                    )
                )
    return problems


PLAN_VALUE_NAMES = {
    "threshold": ("порог", "threshold"),
    "target": ("цель", "target"),
    "maximum": ("максимум", "maximum"),
}


def plan_values_consistent(lines: Sequence[LineDraft]) -> list[Problem]:
    return [
        problem
        for index, line in enumerate(lines)
        for problem in plan_values_order(line.direction, line.threshold, line.target, line.maximum, prefix=f"lines[{index}].")
    ]


def plan_values_order(
    direction: str,
    threshold: Decimal | None,
    target: Decimal | None,
    maximum: Decimal | None,
    *,
    prefix: str = "",
) -> list[Problem]:
    """threshold < target < maximum when higher is better; the reverse when lower is better."""
    lower_is_better = direction == Direction.LOWER_IS_BETTER
    points = [("threshold", threshold), ("target", target), ("maximum", maximum)]
    present = [(name, value) for name, value in points if value is not None]
    problems = []
    for (low_name, low), (high_name, high) in itertools.pairwise(present):
        wrong = low >= high if not lower_is_better else low <= high
        if wrong:
            relation_ru = "меньше" if not lower_is_better else "больше"
            relation_en = "below" if not lower_is_better else "above"
            problems.append(
                Problem(
                    "plan_values_order",
                    f"{prefix}{high_name}",
                    text(
                        "«{low}» ({low_value}) должен быть {relation_ru} «{high}» ({high_value})"
                        + (" — показатель обратный, меньше значит лучше" if lower_is_better else ""),
                        "“{low_en}” ({low_value}) must be {relation_en} “{high_en}” ({high_value})"
                        + (" — lower is better for this indicator" if lower_is_better else ""),
                        low=PLAN_VALUE_NAMES[low_name][0],
                        high=PLAN_VALUE_NAMES[high_name][0],
                        low_en=PLAN_VALUE_NAMES[low_name][1],
                        high_en=PLAN_VALUE_NAMES[high_name][1],
                        low_value=low,
                        high_value=high,
                        relation_ru=relation_ru,
                        relation_en=relation_en,
                    ),
                )
            )
    return problems


CARD_VALIDATORS: list[Callable[[Sequence[LineDraft]], list[Problem]]] = [
    weights_present,
    weights_non_negative,
    weights_sum_to_100,
    not_too_many_indicators,
    plan_values_present,
    plan_values_consistent,
]


def validate_card(lines: Sequence[LineDraft]) -> list[Problem]:
    return [problem for validator in CARD_VALIDATORS for problem in validator(lines)]


@dataclass(frozen=True)
class DateSpan:
    """[start, end] inclusive; end None means open-ended."""

    start: dt.date
    end: dt.date | None
    label: str = ""

    def overlaps(self, other: DateSpan) -> bool:
        self_end = self.end or dt.date.max
        other_end = other.end or dt.date.max
        return self.start <= other_end and other.start <= self_end


def span_ordered(span: DateSpan, *, start_field: str = "start", end_field: str = "end") -> list[Problem]:
    if span.end is not None and span.end < span.start:
        return [
            Problem(
                "end_before_start",
                end_field,
                text(
                    "Дата окончания {end} раньше даты начала {start}",
                    "The end date {end} is before the start date {start}",
                    end=span.end.isoformat(),
                    start=span.start.isoformat(),
                ),
            )
        ]
    return []


def no_overlap(
    span: DateSpan, others: Sequence[DateSpan], *, code: str, what_ru: str, what_en: str, field: str = "start"
) -> list[Problem]:
    for other in others:
        if span.overlaps(other):
            end = other.end.isoformat() if other.end else "…"
            return [
                Problem(
                    code,
                    field,
                    text(
                        "Пересекается с {what_ru} {label} ({start} — {end})",
                        "Overlaps {what_en} {label} ({start} — {end})",
                        what_ru=what_ru,
                        what_en=what_en,
                        label=other.label,
                        start=other.start.isoformat(),
                        end=end,
                    ),
                )
            ]
    return []


def non_negative(value: Decimal | None, field: str, name_ru: str, name_en: str) -> list[Problem]:
    if value is not None and value < 0:
        return [
            Problem(
                "negative",
                field,
                text("«{name_ru}» не может быть отрицательным", "“{name_en}” cannot be negative", name_ru=name_ru, name_en=name_en),
            )
        ]
    return []


def fte_in_range(fte: Decimal | None, field: str = "fte") -> list[Problem]:
    if fte is None:
        return []
    if fte <= 0 or fte > Decimal("1.5"):
        return [
            Problem(
                "fte_out_of_range",
                field,
                text("Ставка должна быть больше 0 и не больше 1,5; указано {fte}", "FTE must be above 0 and at most 1.5; got {fte}", fte=fte),
            )
        ]
    return []
