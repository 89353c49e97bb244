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
    # A point as a percent of the plan (the target): threshold_percent 80 with target 1000 is 800.
    threshold_percent: Decimal | None = None
    target_percent: Decimal | None = None
    maximum_percent: Decimal | None = None
    monitoring_only: bool = False  # the indicator is tracked, never paid: its weight must be 0
    gate_threshold: Decimal | None = None
    gate_threshold_percent: Decimal | None = None
    gate_cut_to: Decimal | None = None
    gate_cut_percent: Decimal | None = None

    def point(self, name: str) -> Decimal | None:
        """A plan point as an absolute number (a percent of the plan resolved), or None."""
        absolute: Decimal | None = getattr(self, name)
        percent: Decimal | None = getattr(self, f"{name}_percent")
        if percent is None or self.target is None:
            return absolute
        return self.target * percent / HUNDRED


def _line_place(index: int, field: str) -> str:
    return f"lines[{index}].{field}"


def weights_non_negative(lines: Sequence[LineDraft]) -> list[Problem]:
    return [
        Problem(
            "weight_negative",
            _line_place(index, "weight"),
            text(
                "Строка {n}: вес не может быть отрицательным",
                "Line {n}: the weight cannot be negative",
                n=index + 1,
            ),
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
        return [
            Problem(
                "no_lines",
                "lines",
                text("В карте нет ни одной строки с весом", "The card has no weighted line"),
            )
        ]
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
            if getattr(line, name) is None and getattr(line, f"{name}_percent") is None:
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
        for problem in plan_values_order(
            line.direction,
            line.point("threshold"),
            line.point("target"),
            line.point("maximum"),
            prefix=f"lines[{index}].",
        )
    ]


def plan_percents_valid(lines: Sequence[LineDraft]) -> list[Problem]:
    """A point is given either as a number or as a percent of the plan, never both; a percent needs the plan
    (the target) and is above zero."""
    problems = []
    for index, line in enumerate(lines):
        for name in ("threshold", "target", "maximum"):
            percent = getattr(line, f"{name}_percent")
            if percent is None:
                continue
            place = _line_place(index, f"{name}_percent")
            what_ru, what_en = PLAN_VALUE_NAMES[name]
            if name != "target" and getattr(line, name) is not None:
                problems.append(
                    Problem(
                        "plan_value_twice",
                        place,
                        text(
                            "Строка {n}: «{what}» задан и числом, и процентом плана — оставьте одно",
                            "Line {n}: the “{what_en}” is given both as a number and as a percent of the plan — keep one",
                            n=index + 1,
                            what=what_ru,
                            what_en=what_en,
                        ),
                    )
                )
            if line.target is None:
                problems.append(
                    Problem(
                        "plan_value_missing",
                        place,
                        text(
                            "Строка {n}: «{what}» задан процентом плана — укажите план (цель)",
                            "Line {n}: the “{what_en}” is a percent of the plan — enter the plan (target)",
                            n=index + 1,
                            what=what_ru,
                            what_en=what_en,
                        ),
                    )
                )
            if percent <= 0:
                problems.append(
                    Problem(
                        "not_positive",
                        place,
                        text(
                            "Строка {n}: процент плана должен быть больше нуля",
                            "Line {n}: a percent of the plan must be above zero",
                            n=index + 1,
                        ),
                    )
                )
    return problems


def monitoring_only_not_paid(lines: Sequence[LineDraft]) -> list[Problem]:
    """A monitoring-only indicator appears on the card but is never paid: a weight above zero is refused."""
    return [
        Problem(
            "monitoring_only_weight",
            _line_place(index, "weight"),
            text(
                "Строка {n}{label}: показатель только для мониторинга — его вес должен быть 0 (сейчас {w} %)",
                "Line {n}{label}: a monitoring-only indicator — its weight must be 0 (now {w} %)",
                n=index + 1,
                label=f" ({line.label})" if line.label else "",
                w=line.weight,
            ),
        )
        for index, line in enumerate(lines)
        if line.monitoring_only and line.weight is not None and line.weight > 0
    ]


def gates_valid(lines: Sequence[LineDraft]) -> list[Problem]:
    """A gate has one threshold (a fact value or a percent of the plan) and at most one cut (to a value or by a percent)."""
    problems = []
    for index, line in enumerate(lines):
        has_gate = line.gate_threshold is not None or line.gate_threshold_percent is not None
        if not has_gate:
            if line.gate_cut_to is not None or line.gate_cut_percent is not None:
                problems.append(
                    Problem(
                        "gate_threshold_missing",
                        _line_place(index, "gate_threshold"),
                        text(
                            "Строка {n}: у ворот нет порога",
                            "Line {n}: the gate has no threshold",
                            n=index + 1,
                        ),
                    )
                )
            continue
        if line.gate_threshold is not None and line.gate_threshold_percent is not None:
            problems.append(
                Problem(
                    "gate_threshold_twice",
                    _line_place(index, "gate_threshold_percent"),
                    text(
                        "Строка {n}: порог ворот задан и числом, и процентом плана — оставьте одно",
                        "Line {n}: the gate threshold is given both as a number and as a percent of the plan — keep one",
                        n=index + 1,
                    ),
                )
            )
        if line.gate_threshold_percent is not None and line.target is None:
            problems.append(
                Problem(
                    "plan_value_missing",
                    _line_place(index, "gate_threshold_percent"),
                    text(
                        "Строка {n}: порог ворот задан процентом плана — укажите план (цель)",
                        "Line {n}: the gate threshold is a percent of the plan — enter the plan (target)",
                        n=index + 1,
                    ),
                )
            )
        if line.gate_cut_to is not None and line.gate_cut_percent is not None:
            problems.append(
                Problem(
                    "gate_cut_twice",
                    _line_place(index, "gate_cut_percent"),
                    text(
                        "Строка {n}: ворота снижают итог либо до значения, либо на процент — не то и другое",
                        "Line {n}: a gate cuts the total either to a value or by a percent, not both",
                        n=index + 1,
                    ),
                )
            )
        for name in ("gate_cut_to", "gate_cut_percent"):
            value = getattr(line, name)
            if value is not None and not ZERO <= value <= HUNDRED:
                problems.append(
                    Problem(
                        "gate_cut_range",
                        _line_place(index, name),
                        text(
                            "Строка {n}: снижение итога воротами — от 0 до 100 %",
                            "Line {n}: a gate's cut of the total is 0 to 100 %",
                            n=index + 1,
                        ),
                    )
                )
    return problems


def plan_values_order(
    direction: str,
    threshold: Decimal | None,
    target: Decimal | None,
    maximum: Decimal | None,
    *,
    prefix: str = "",
) -> list[Problem]:
    """threshold ≤ target < maximum when higher is better (a threshold equal to the target is a gate:
    nothing below, the full score at it); the reverse when lower is better."""
    lower_is_better = direction == Direction.LOWER_IS_BETTER
    points = [("threshold", threshold), ("target", target), ("maximum", maximum)]
    present = [(name, value) for name, value in points if value is not None]
    problems = []
    for (low_name, low), (high_name, high) in itertools.pairwise(present):
        if (low_name, high_name) == ("threshold", "target"):
            wrong = low > high if not lower_is_better else low < high
        else:
            wrong = low >= high if not lower_is_better else low <= high
        if wrong:
            relation_ru = "меньше" if not lower_is_better else "больше"
            relation_en = "below" if not lower_is_better else "above"
            if (low_name, high_name) == ("threshold", "target"):  # equal is allowed: a gate
                relation_ru = "не больше" if not lower_is_better else "не меньше"
                relation_en = "at most" if not lower_is_better else "at least"
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
    plan_percents_valid,
    monitoring_only_not_paid,
    gates_valid,
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
                text(
                    "«{name_ru}» не может быть отрицательным",
                    "“{name_en}” cannot be negative",
                    name_ru=name_ru,
                    name_en=name_en,
                ),
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
                text(
                    "Ставка должна быть больше 0 и не больше 1,5; указано {fte}",
                    "FTE must be above 0 and at most 1.5; got {fte}",
                    fte=fte,
                ),
            )
        ]
    return []
