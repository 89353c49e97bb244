"""Scales: from a fact to a performance score, every kind of SPEC C4.

This module holds the parameter schema of each kind (parsed into frozen dataclasses and validated,
so a stored scale is always usable) and `PLAN_VALUES_NEEDED`, used by card validation. `compute_score`
scores a line by the scorer of its kind in `SCORERS`, one small function per kind.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

from motiva.engine.keys import nearest, unknown_keys
from motiva.engine.money import D
from motiva.engine.problems import Problem
from motiva.engine.text import text
from motiva.engine.trace import Step as TraceStep
from motiva.engine.trace import step


class ScaleKind(StrEnum):
    RATIO = "ratio"
    CORRIDOR = "corridor"
    THRESHOLD_TARGET_MAX = "threshold_target_max"
    STEP_TABLE = "step_table"
    DISCRETE_LEVELS = "discrete_levels"
    BINARY = "binary"
    PENALTY_POINTS = "penalty_points"
    RATING = "rating"


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


# Which plan values a card line must carry for each kind of scale.
PLAN_VALUES_NEEDED: dict[ScaleKind, tuple[str, ...]] = {
    ScaleKind.RATIO: ("target",),
    ScaleKind.CORRIDOR: ("threshold", "target", "maximum"),
    ScaleKind.THRESHOLD_TARGET_MAX: ("threshold", "target", "maximum"),
    ScaleKind.STEP_TABLE: ("target",),
    ScaleKind.DISCRETE_LEVELS: (),
    ScaleKind.BINARY: (),
    ScaleKind.PENALTY_POINTS: (),
    ScaleKind.RATING: (),
}

RATING_POINTS = (-2, -1, 0, 1, 2)


@dataclass(frozen=True)
class RatioParams:
    floor: Decimal | None = None  # lowest score, %, e.g. 0
    cap: Decimal | None = None  # highest score, %, e.g. 150


@dataclass(frozen=True)
class CorridorParams:
    """threshold → 75 %, target → 100 %, maximum and above → 125 %, linear between, below threshold → 0."""

    threshold_score: Decimal = Decimal("75")
    target_score: Decimal = Decimal("100")
    maximum_score: Decimal = Decimal("125")
    below_threshold_score: Decimal = Decimal("0")
    # Whether a fact exactly at the point reaches it ("105 % and above") or only a better one does ("above 105 %").
    threshold_inclusive: bool = True
    target_inclusive: bool = True
    maximum_inclusive: bool = True


@dataclass(frozen=True)
class ThresholdTargetMaxParams:
    """Nothing below threshold; threshold_score from the threshold, the planned bonus at target,
    the raised bonus from the maximum. With interpolate, linear between the points."""

    threshold_score: Decimal = Decimal("50")
    target_score: Decimal = Decimal("100")
    maximum_score: Decimal = Decimal("150")
    interpolate: bool = False
    threshold_inclusive: bool = True
    target_inclusive: bool = True
    maximum_inclusive: bool = True


@dataclass(frozen=True)
class Step:
    min_attainment: Decimal  # % of plan (fact/plan, or plan/fact for lower-is-better)
    score: Decimal
    label: str = ""
    inclusive: bool = True  # True: "from 105 %" (105 reaches the step); False: "above 105 %"


@dataclass(frozen=True)
class StepTableParams:
    steps: tuple[Step, ...]  # highest bound first
    below_score: Decimal = Decimal("0")
    below_label: str = ""


@dataclass(frozen=True)
class Level:
    code: str
    label: str
    value: Decimal


@dataclass(frozen=True)
class DiscreteLevelsParams:
    levels: tuple[Level, ...]
    as_multiplier: bool = False  # True: the value multiplies the card result (1.3, 0.8 …)


@dataclass(frozen=True)
class BinaryParams:
    """fact 1 = the event happened. For a failure event ("a store at a loss over three months") the
    line pays when it did not happen."""

    event_is_failure: bool = True
    score_if_good: Decimal = Decimal("100")
    score_if_bad: Decimal = Decimal("0")


@dataclass(frozen=True)
class PenaltyPointsParams:
    """fact = violations; score = base − violations × points_per_violation × score_per_point, floored."""

    base_score: Decimal = Decimal("100")
    points_per_violation: Decimal = Decimal("1")
    score_per_point: Decimal = Decimal("10")
    floor: Decimal = Decimal("0")


@dataclass(frozen=True)
class RatingParams:
    """−2 … +2; +1 is the norm, +2 a feat («подвиг»)."""

    mapping: tuple[tuple[int, Decimal], ...] = (
        (-2, Decimal("0")),
        (-1, Decimal("50")),
        (0, Decimal("80")),
        (1, Decimal("100")),
        (2, Decimal("120")),
    )


ScaleParams = (
    RatioParams
    | CorridorParams
    | ThresholdTargetMaxParams
    | StepTableParams
    | DiscreteLevelsParams
    | BinaryParams
    | PenaltyPointsParams
    | RatingParams
)


class _Reader:
    """Reads typed values from a JSON-like mapping and records a problem for each bad one."""

    def __init__(self, raw: Mapping[str, Any], prefix: str = "params") -> None:
        self.raw = raw
        self.prefix = prefix
        self.problems: list[Problem] = []

    def place(self, key: str) -> str:
        return f"{self.prefix}.{key}"

    def number(self, key: str, default: Decimal | None, *, required: bool = False) -> Decimal | None:
        value = self.raw.get(key)
        if value is None or value == "":
            if required:
                self.problems.append(
                    Problem(
                        "required",
                        self.place(key),
                        text("Поле «{field}» обязательно", "Field “{field}” is required", field=key),
                    )
                )
            return default
        return self.to_number(value, self.place(key), default)

    def to_number(self, value: Any, place: str, default: Decimal | None) -> Decimal | None:
        try:
            if isinstance(value, float):
                value = repr(value)
            return D(value)
        except (TypeError, ValueError):
            self.problems.append(
                Problem(
                    "not_a_number",
                    place,
                    text("«{value}» — не число", "“{value}” is not a number", value=value),
                )
            )
            return default

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if isinstance(value, bool):
            return value
        self.problems.append(
            Problem(
                "not_a_flag",
                self.place(key),
                text("Ожидается да/нет (true/false)", "Expected true or false"),
            )
        )
        return default

    def problem(self, problem_code: str, key: str, ru: str, en: str, /, **params: Any) -> None:
        self.problems.append(Problem(problem_code, self.place(key), text(ru, en, **params)))


_INCLUSIVE_KEYS = ("threshold_inclusive", "target_inclusive", "maximum_inclusive")

# Every parameter each kind reads: any other key is refused (a misspelt key would otherwise be ignored).
SCALE_PARAM_KEYS: dict[ScaleKind, tuple[str, ...]] = {
    ScaleKind.RATIO: ("floor", "cap"),
    ScaleKind.CORRIDOR: (
        "below_threshold_score",
        "threshold_score",
        "target_score",
        "maximum_score",
        *_INCLUSIVE_KEYS,
    ),
    ScaleKind.THRESHOLD_TARGET_MAX: (
        "threshold_score",
        "target_score",
        "maximum_score",
        "interpolate",
        *_INCLUSIVE_KEYS,
    ),
    ScaleKind.STEP_TABLE: ("steps", "below_score", "below_label"),
    ScaleKind.DISCRETE_LEVELS: ("levels", "as_multiplier"),
    ScaleKind.BINARY: ("event_is_failure", "score_if_good", "score_if_bad"),
    ScaleKind.PENALTY_POINTS: ("base_score", "points_per_violation", "score_per_point", "floor"),
    ScaleKind.RATING: ("mapping",),
}
STEP_KEYS = ("min_attainment", "score", "label", "inclusive")
LEVEL_KEYS = ("code", "label", "value")
CURVE_POINT_KEYS = ("result", "payout")


def _ascending(reader: _Reader, names: tuple[str, ...], values: tuple[Decimal | None, ...]) -> None:
    for (low_name, low), (high_name, high) in zip(
        zip(names, values, strict=True), list(zip(names, values, strict=True))[1:], strict=False
    ):
        if low is not None and high is not None and low > high:
            reader.problem(
                "scores_not_ascending",
                high_name,
                "Балл «{high}» не может быть меньше балла «{low}»",
                "Score “{high}” cannot be lower than score “{low}”",
                high=high_name,
                low=low_name,
            )


def parse_scale_params(kind: str, raw: Mapping[str, Any] | None) -> tuple[ScaleParams | None, list[Problem]]:
    """Parse and validate the stored parameters of a scale. Returns (params, problems)."""
    try:
        scale_kind = ScaleKind(kind)
    except ValueError:
        return None, [
            Problem(
                "unknown_kind",
                "kind",
                text("Неизвестный вид шкалы «{kind}»", "Unknown scale kind “{kind}”", kind=kind),
            )
        ]
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        return None, [
            Problem(
                "not_an_object",
                "params",
                text("Параметры шкалы должны быть объектом", "Scale parameters must be an object"),
            )
        ]
    reader = _Reader(raw)
    reader.problems += unknown_keys(raw, SCALE_PARAM_KEYS[scale_kind], "params")
    params: ScaleParams
    if scale_kind is ScaleKind.RATIO:
        floor = reader.number("floor", None)
        cap = reader.number("cap", None)
        if floor is not None and cap is not None and floor > cap:
            reader.problem(
                "floor_above_cap", "cap", "Потолок меньше нижней границы", "The cap is below the floor"
            )
        if cap is not None and cap <= 0:
            reader.problem(
                "cap_not_positive", "cap", "Потолок должен быть больше нуля", "The cap must be above zero"
            )
        params = RatioParams(floor=floor, cap=cap)
    elif scale_kind is ScaleKind.CORRIDOR:
        defaults = CorridorParams()
        values = tuple(
            reader.number(name, getattr(defaults, name))
            for name in ("below_threshold_score", "threshold_score", "target_score", "maximum_score")
        )
        _ascending(
            reader, ("below_threshold_score", "threshold_score", "target_score", "maximum_score"), values
        )
        below, threshold, target, maximum = (value if value is not None else Decimal(0) for value in values)
        params = CorridorParams(
            threshold, target, maximum, below, *(reader.flag(name, True) for name in _INCLUSIVE_KEYS)
        )
    elif scale_kind is ScaleKind.THRESHOLD_TARGET_MAX:
        defaults_ttm = ThresholdTargetMaxParams()
        values = tuple(
            reader.number(name, getattr(defaults_ttm, name))
            for name in ("threshold_score", "target_score", "maximum_score")
        )
        _ascending(reader, ("threshold_score", "target_score", "maximum_score"), values)
        threshold, target, maximum = (value if value is not None else Decimal(0) for value in values)
        params = ThresholdTargetMaxParams(
            threshold,
            target,
            maximum,
            reader.flag("interpolate", False),
            *(reader.flag(name, True) for name in _INCLUSIVE_KEYS),
        )
    elif scale_kind is ScaleKind.STEP_TABLE:
        params = _parse_steps(reader)
    elif scale_kind is ScaleKind.DISCRETE_LEVELS:
        params = _parse_levels(reader)
    elif scale_kind is ScaleKind.BINARY:
        defaults_b = BinaryParams()
        good = reader.number("score_if_good", defaults_b.score_if_good)
        bad = reader.number("score_if_bad", defaults_b.score_if_bad)
        if good is not None and bad is not None and bad > good:
            reader.problem(
                "scores_not_ascending",
                "score_if_bad",
                "Балл при плохом исходе выше, чем при хорошем",
                "The score of the bad outcome is above the good one",
            )
        params = BinaryParams(
            reader.flag("event_is_failure", True),
            good if good is not None else defaults_b.score_if_good,
            bad if bad is not None else defaults_b.score_if_bad,
        )
    elif scale_kind is ScaleKind.PENALTY_POINTS:
        defaults_p = PenaltyPointsParams()
        numbers = {
            name: reader.number(name, getattr(defaults_p, name))
            for name in ("base_score", "points_per_violation", "score_per_point", "floor")
        }
        for name in ("points_per_violation", "score_per_point"):
            value = numbers[name]
            if value is not None and value <= 0:
                reader.problem(
                    "not_positive", name, "Значение должно быть больше нуля", "The value must be above zero"
                )
        base, floor = numbers["base_score"], numbers["floor"]
        if base is not None and floor is not None and floor > base:
            reader.problem(
                "floor_above_base",
                "floor",
                "Нижняя граница выше начального балла",
                "The floor is above the base score",
            )
        params = PenaltyPointsParams(
            **{key: value if value is not None else Decimal(0) for key, value in numbers.items()}
        )
    else:
        params = _parse_rating(reader)
    return params, reader.problems


def _parse_steps(reader: _Reader) -> StepTableParams:
    raw_steps = reader.raw.get("steps")
    steps: list[Step] = []
    if not isinstance(raw_steps, list) or not raw_steps:
        reader.problem("steps_missing", "steps", "Нужна хотя бы одна ступень", "At least one step is needed")
    else:
        for index, raw in enumerate(raw_steps):
            place = f"steps[{index}]"
            if not isinstance(raw, Mapping):
                reader.problem(
                    "not_an_object", place, "Ступень должна быть объектом", "A step must be an object"
                )
                continue
            reader.problems += unknown_keys(raw, STEP_KEYS, f"{reader.prefix}.{place}")
            bound = reader.to_number(
                raw.get("min_attainment"), f"{reader.prefix}.{place}.min_attainment", None
            )
            score = reader.to_number(raw.get("score"), f"{reader.prefix}.{place}.score", None)
            inclusive = raw.get("inclusive", True)
            if not isinstance(inclusive, bool):
                reader.problem(
                    "not_a_flag",
                    f"{place}.inclusive",
                    "Ожидается да/нет (true/false)",
                    "Expected true or false",
                )
                inclusive = True
            if bound is None or score is None:
                continue
            if steps and score > steps[-1].score:
                reader.problem(
                    "steps_not_monotone",
                    f"{place}.score",
                    "Балл ступени не может быть выше, чем у ступени с большим выполнением",
                    "A step cannot score more than a step with higher attainment",
                )
            # "above 100 %" then "100 % exactly" is a valid pair: an exclusive bound followed by the same inclusive one.
            same_bound_pair = (
                bool(steps) and bound == steps[-1].min_attainment and not steps[-1].inclusive and inclusive
            )
            if steps and bound >= steps[-1].min_attainment and not same_bound_pair:
                reader.problem(
                    "steps_not_descending",
                    f"{place}.min_attainment",
                    "Ступени идут от большего выполнения к меньшему; {bound} % не меньше предыдущей границы",
                    "Steps go from the highest attainment down; {bound} % is not below the previous bound",
                    bound=bound,
                )
            steps.append(Step(bound, score, str(raw.get("label", "")), inclusive))
    below = reader.number("below_score", Decimal(0))
    if steps and below is not None and below > steps[-1].score:
        reader.problem(
            "steps_not_monotone",
            "below_score",
            "Балл ниже всех ступеней выше последней ступени",
            "The score below every step is above the last step",
        )
    return StepTableParams(
        tuple(steps), below if below is not None else Decimal(0), str(reader.raw.get("below_label", ""))
    )


def _parse_levels(reader: _Reader) -> DiscreteLevelsParams:
    raw_levels = reader.raw.get("levels")
    levels: list[Level] = []
    if not isinstance(raw_levels, list) or not raw_levels:
        reader.problem(
            "levels_missing", "levels", "Нужен хотя бы один уровень", "At least one level is needed"
        )
    else:
        seen: set[str] = set()
        for index, raw in enumerate(raw_levels):
            place = f"levels[{index}]"
            if not isinstance(raw, Mapping):
                reader.problem(
                    "not_an_object", place, "Уровень должен быть объектом", "A level must be an object"
                )
                continue
            reader.problems += unknown_keys(raw, LEVEL_KEYS, f"{reader.prefix}.{place}")
            code = str(raw.get("code", "")).strip()
            if not code:
                reader.problem(
                    "required", f"{place}.code", "Код уровня обязателен", "The level code is required"
                )
                continue
            if code in seen:
                reader.problem(
                    "duplicate_code",
                    f"{place}.code",
                    "Код «{code}» повторяется",
                    "Code “{code}” is repeated",
                    code=code,
                )
            seen.add(code)
            value = reader.to_number(raw.get("value"), f"{reader.prefix}.{place}.value", None)
            if value is None:
                continue
            if value < 0:
                reader.problem(
                    "negative",
                    f"{place}.value",
                    "Значение не может быть отрицательным",
                    "The value cannot be negative",
                )
            levels.append(Level(code, str(raw.get("label", code)), value))
    return DiscreteLevelsParams(tuple(levels), reader.flag("as_multiplier", False))


def _parse_rating(reader: _Reader) -> RatingParams:
    raw_mapping = reader.raw.get("mapping")
    if raw_mapping is None:
        return RatingParams()
    if not isinstance(raw_mapping, Mapping):
        reader.problem(
            "not_an_object",
            "mapping",
            "Соответствие оценок должно быть объектом",
            "The rating mapping must be an object",
        )
        return RatingParams()
    reader.problems += unknown_keys(
        {str(k): v for k, v in raw_mapping.items()},
        ("-2", "-1", "0", "1", "2", "+1", "+2"),
        f"{reader.prefix}.mapping",
    )
    pairs: list[tuple[int, Decimal]] = []
    for point in RATING_POINTS:
        value = raw_mapping.get(str(point), raw_mapping.get(f"+{point}") if point > 0 else None)
        if value is None:
            reader.problem(
                "rating_point_missing",
                f"mapping.{point:+d}",
                "Нет балла для оценки {point:+d}",
                "No score for rating {point:+d}",
                point=point,
            )
            continue
        number = reader.to_number(value, f"{reader.prefix}.mapping.{point:+d}", None)
        if number is not None:
            pairs.append((point, number))
    _ascending(reader, tuple(f"mapping.{point:+d}" for point, _ in pairs), tuple(score for _, score in pairs))
    return RatingParams(tuple(pairs)) if len(pairs) == len(RATING_POINTS) else RatingParams()


# --------------------------------------------------------------------------------------------------
# From a fact to a score


@dataclass(frozen=True, slots=True)
class PlanValues:
    """A line's plan values. `target` is the plan; each point may instead be given as a percent of the
    plan (`threshold_percent: 80` with target 1000 is a threshold of 800; `target_percent: 105` makes the
    goal 105 % of the plan). A point given both ways is a problem."""

    threshold: Decimal | None = None
    target: Decimal | None = None
    maximum: Decimal | None = None
    threshold_percent: Decimal | None = None
    target_percent: Decimal | None = None
    maximum_percent: Decimal | None = None
    # The values as their exact text (100 and 100.00 are equal numbers but are shown differently):
    # what a line's score is remembered by.
    exact: str = field(init=False, repr=False, compare=False)
    relative: bool = field(init=False, repr=False, compare=False)  # some point is a percent of the plan

    def __post_init__(self) -> None:
        relative = (
            self.threshold_percent is not None
            or self.target_percent is not None
            or self.maximum_percent is not None
        )
        object.__setattr__(self, "relative", relative)
        object.__setattr__(
            self,
            "exact",
            relative_plan_text(
                self.threshold,
                self.target,
                self.maximum,
                self.threshold_percent,
                self.target_percent,
                self.maximum_percent,
            ),
        )


def plan_text(threshold: Decimal | None, target: Decimal | None, maximum: Decimal | None) -> str:
    return f"{threshold!s}|{target!s}|{maximum!s}"  # !s: str(), several times cheaper than format() for a Decimal


def relative_plan_text(
    threshold: Decimal | None,
    target: Decimal | None,
    maximum: Decimal | None,
    threshold_percent: Decimal | None,
    target_percent: Decimal | None,
    maximum_percent: Decimal | None,
) -> str:
    """The text of plan values some of which are percents of the plan (a separate function: plan_text runs for every line of a run)."""
    if threshold_percent is None and target_percent is None and maximum_percent is None:
        return plan_text(threshold, target, maximum)
    return f"{threshold!s}|{target!s}|{maximum!s}|{threshold_percent!s}%|{target_percent!s}%|{maximum_percent!s}%"


_POINT_NAMES = {
    "threshold": ("Порог", "Threshold"),
    "target": ("Цель", "Target"),
    "maximum": ("Максимум", "Maximum"),
}


def resolve_plan(plan: PlanValues) -> tuple[PlanValues, tuple[TraceStep, ...], tuple[Problem, ...]]:
    """The plan values as absolute numbers: each percent point becomes that percent of the plan (the target),
    with a step saying so. A point given both ways, or a percent without a plan, is a problem."""
    if not plan.relative:
        return plan, (), ()
    steps: list[TraceStep] = []
    problems: list[Problem] = []
    base = plan.target
    values: dict[str, Decimal | None] = {}
    for name, absolute, percent in (
        ("threshold", plan.threshold, plan.threshold_percent),
        ("target", plan.target, plan.target_percent),
        ("maximum", plan.maximum, plan.maximum_percent),
    ):
        if percent is None:
            values[name] = absolute
            continue
        if absolute is not None and name != "target":
            problems.append(
                Problem(
                    "plan_value_twice",
                    f"{name}_percent",
                    text(
                        "«{name}» задан и числом, и процентом плана — оставьте одно",
                        "“{name_en}” is given both as a number and as a percent of the plan — keep one",
                        name=_POINT_NAMES[name][0],
                        name_en=_POINT_NAMES[name][1],
                    ),
                )
            )
            values[name] = absolute
            continue
        if base is None:
            problems.append(
                Problem(
                    "plan_value_missing",
                    f"{name}_percent",
                    text(
                        "«{name}» задан процентом плана, а плана (цели) нет",
                        "“{name_en}” is a percent of the plan, but the plan (target) is missing",
                        name=_POINT_NAMES[name][0],
                        name_en=_POINT_NAMES[name][1],
                    ),
                )
            )
            values[name] = None
            continue
        value = base * percent / 100
        values[name] = value
        steps.append(
            step(
                "{name} = {percent} % плана {plan}",
                "{name_en} = {percent} % of the plan {plan}",
                value,
                name=_POINT_NAMES[name][0],
                name_en=_POINT_NAMES[name][1],
                percent=percent,
                plan=base,
            )
        )
    return PlanValues(values["threshold"], values["target"], values["maximum"]), tuple(steps), tuple(problems)


def reaches(x: Decimal, point: Decimal, inclusive: bool) -> bool:
    """Whether x reaches a boundary: at it or beyond when inclusive ("105 % and above"), only beyond when not ("above 105 %")."""
    return x >= point if inclusive else x > point


@dataclass(frozen=True, slots=True)
class ScoreOutcome:
    """score is a percentage (100 = plan); a multiplier line gives `multiplier` instead."""

    score: Decimal | None
    multiplier: Decimal | None
    steps: tuple[TraceStep, ...]
    problems: tuple[Problem, ...] = ()


def _linear(x: Decimal, x0: Decimal, x1: Decimal, y0: Decimal, y1: Decimal) -> Decimal:
    if x1 == x0:
        return y1
    return y0 + (x - x0) * (y1 - y0) / (x1 - x0)


def _problem(problem_code: str, place: str, ru: str, en: str, /, **params: Any) -> ScoreOutcome:
    """No score: one problem says why."""
    return ScoreOutcome(None, None, (), (Problem(problem_code, place, text(ru, en, **params)),))


def _missing(what_ru: str, what_en: str) -> ScoreOutcome:
    return _problem(
        "plan_value_missing",
        what_en,
        "Не задано значение «{what}»",
        "The “{what_en}” value is missing",
        what=what_ru,
        what_en=what_en,
    )


def _no_fact() -> ScoreOutcome:
    return _problem("fact_missing", "fact", "Нет факта", "The fact is missing")


def _resolved(plan: PlanValues, steps: list[TraceStep]) -> tuple[PlanValues, Decimal] | ScoreOutcome:
    """The plan with its percent points made absolute (their steps go to `steps`) and its target, or the
    outcome that says why there is none."""
    if plan.relative:
        plan, plan_steps, plan_problems = resolve_plan(plan)
        if plan_problems:
            return ScoreOutcome(None, None, plan_steps, plan_problems)
        steps.extend(plan_steps)
    if plan.target is None:
        return _missing("цель", "target")
    return plan, plan.target


_ATTAINMENT_HIGHER = ("Выполнение = факт / план × 100", "Attainment = fact / plan × 100")
_ATTAINMENT_LOWER = (
    "Выполнение = план / факт × 100 (меньше — лучше)",
    "Attainment = plan / fact × 100 (lower is better)",
)


def _attainment(lower: bool, fact: Decimal, target: Decimal) -> Decimal | ScoreOutcome | None:
    """The fact as a % of plan (the plan as a % of the fact for lower-is-better). None for a zero fact on a
    lower-is-better indicator, the best there is (each scale says what that scores); a zero plan is a problem."""
    if lower:
        return None if fact == 0 else target / fact * 100
    if target == 0:
        return _problem(
            "zero_plan",
            "target",
            "План равен нулю — отношение не определено",
            "The plan is zero; the ratio is undefined",
        )
    return fact / target * 100


def _against_target(
    lower: bool, fact: Decimal | None, plan: PlanValues, steps: list[TraceStep]
) -> tuple[Decimal, Decimal, Decimal | None] | ScoreOutcome:
    """(fact, target, attainment) of a line scored against its target (the plan resolved into `steps`),
    or why it cannot be: no fact, no target, a zero plan. The attainment is None for a zero fact on a
    lower-is-better line."""
    if fact is None:
        return _no_fact()
    resolved = _resolved(plan, steps)
    if isinstance(resolved, ScoreOutcome):
        return resolved
    target = resolved[1]
    attainment = _attainment(lower, fact, target)
    if isinstance(attainment, ScoreOutcome):
        return attainment
    return fact, target, attainment


def _note_attainment(
    steps: list[TraceStep], lower: bool, attainment: Decimal, fact: Decimal, target: Decimal
) -> None:
    if attainment.is_finite():  # an infinite one (see _step_table) has no formula to show
        ru, en = _ATTAINMENT_LOWER if lower else _ATTAINMENT_HIGHER
        steps.append(step(ru, en, attainment, inputs={"факт / fact": fact, "план / plan": target}))


class _Points(NamedTuple):
    """Where a fact stands among threshold ≤ target < maximum, on an axis flipped for lower-is-better."""

    x: Decimal
    threshold: Decimal
    target: Decimal
    maximum: Decimal
    at_threshold: bool
    at_target: bool
    at_maximum: bool
    inputs: dict[str, Decimal]


def _points(
    params: ScaleParams, lower: bool, fact: Decimal | None, plan: PlanValues, steps: list[TraceStep]
) -> _Points | ScoreOutcome:
    """The points of a corridor or a threshold-target-maximum scale (a threshold equal to the target is a
    gate: nothing below, the target's score at it), or the outcome that says why they are not usable
    (no fact among them)."""
    if fact is None:
        return _no_fact()
    resolved = _resolved(plan, steps)
    if isinstance(resolved, ScoreOutcome):
        return resolved
    plan, target = resolved
    if plan.threshold is None:
        return _missing("порог", "threshold")
    if plan.maximum is None:
        return _missing("максимум", "maximum")
    sign = Decimal(-1) if lower else Decimal(1)
    x, t0, t1, t2 = fact * sign, plan.threshold * sign, target * sign, plan.maximum * sign
    if not t0 <= t1 < t2:
        return _problem(
            "plan_values_order",
            "target",
            "Порог, цель и максимум не упорядочены для направления показателя",
            "Threshold, target and maximum are out of order for the direction",
        )
    inputs = {
        "факт / fact": fact,
        "порог / threshold": plan.threshold,
        "цель / target": target,
        "максимум / maximum": plan.maximum,
    }
    assert isinstance(params, CorridorParams | ThresholdTargetMaxParams)
    # From the top: the first point the fact reaches decides (each point inclusive or exclusive).
    at_maximum = reaches(x, t2, params.maximum_inclusive)
    at_target = at_maximum or reaches(x, t1, params.target_inclusive)
    at_threshold = at_target or reaches(x, t0, params.threshold_inclusive)
    return _Points(x, t0, t1, t2, at_threshold, at_target, at_maximum, inputs)


# One scorer per kind, all of one signature: (params, lower is better, fact, plan values, level code).


def _discrete_levels(
    params: ScaleParams, lower: bool, fact: Decimal | None, plan: PlanValues, level_code: str
) -> ScoreOutcome:
    assert isinstance(params, DiscreteLevelsParams)
    chosen = next((lv for lv in params.levels if lv.code == level_code), None)
    if chosen is None and fact is not None:
        chosen = next((lv for lv in params.levels if lv.value == fact), None)
    if chosen is None:
        return _problem(
            "unknown_level",
            "level_code",
            "Уровень «{code}» не найден в шкале",
            "Level “{code}” is not in the scale",
            code=level_code or fact,
        )
    if params.as_multiplier:
        multiplier = step(
            "Уровень «{label}» — множитель {value}",
            "Level “{label}” — multiplier {value}",
            chosen.value,
            label=chosen.label,
            value=chosen.value,
        )
        return ScoreOutcome(None, chosen.value, (multiplier,))
    gives = step(
        "Уровень «{label}» даёт {value} %",
        "Level “{label}” gives {value} %",
        chosen.value,
        label=chosen.label,
        value=chosen.value,
    )
    return ScoreOutcome(chosen.value, None, (gives,))


def _binary(
    params: ScaleParams, lower: bool, fact: Decimal | None, plan: PlanValues, level_code: str
) -> ScoreOutcome:
    if fact is None:
        return _no_fact()
    assert isinstance(params, BinaryParams)
    happened = fact != 0
    good = (not happened) if params.event_is_failure else happened
    score = params.score_if_good if good else params.score_if_bad
    event = step(
        "Событие {state}; {kind_ru} → {score} %",
        "The event {state_en}; {kind_en} → {score} %",
        score,
        state="произошло" if happened else "не произошло",
        state_en="happened" if happened else "did not happen",
        kind_ru="это нарушение" if params.event_is_failure else "это достижение",
        kind_en="it is a failure" if params.event_is_failure else "it is an achievement",
        score=score,
    )
    return ScoreOutcome(score, None, (event,))


def _penalty_points(
    params: ScaleParams, lower: bool, fact: Decimal | None, plan: PlanValues, level_code: str
) -> ScoreOutcome:
    if fact is None:
        return _no_fact()
    assert isinstance(params, PenaltyPointsParams)
    points = fact * params.points_per_violation
    raw = params.base_score - points * params.score_per_point
    score = max(raw, params.floor)
    penalty = step(
        "{base} − {violations} нарушений × {per} балла × {drop} % = {raw} %, не ниже {floor} %",
        "{base} − {violations} violations × {per} points × {drop} % = {raw} %, at least {floor} %",
        score,
        base=params.base_score,
        violations=fact,
        per=params.points_per_violation,
        drop=params.score_per_point,
        raw=raw,
        floor=params.floor,
    )
    return ScoreOutcome(score, None, (penalty,))


def _rating(
    params: ScaleParams, lower: bool, fact: Decimal | None, plan: PlanValues, level_code: str
) -> ScoreOutcome:
    if fact is None:
        return _no_fact()
    assert isinstance(params, RatingParams)
    mapping = dict(params.mapping)
    if fact != fact.to_integral() or int(fact) not in mapping:
        return _problem(
            "rating_range",
            "fact",
            "Оценка {fact} вне шкалы −2 … +2",
            "Rating {fact} is outside −2 … +2",
            fact=fact,
        )
    score = mapping[int(fact)]
    rating = step(
        "Оценка {rating} даёт {score} %",
        "Rating {rating} gives {score} %",
        score,
        rating=f"{int(fact):+d}",
        score=score,
    )
    return ScoreOutcome(score, None, (rating,))


def _ratio(
    params: ScaleParams, lower: bool, fact: Decimal | None, plan: PlanValues, level_code: str
) -> ScoreOutcome:
    steps: list[TraceStep] = []
    against = _against_target(lower, fact, plan, steps)
    if isinstance(against, ScoreOutcome):
        return against
    fact, target, attainment = against
    assert isinstance(params, RatioParams)
    if attainment is None:
        if params.cap is None:
            return _problem(
                "zero_fact",
                "fact",
                "Факт равен нулю у обратного показателя — задайте потолок шкалы",
                "Zero fact on a lower-is-better indicator: set the scale's cap",
            )
        steps.append(
            step(
                "Факт 0 у обратного показателя — лучше некуда: потолок {cap} %",
                "Zero on a lower-is-better indicator is the best: cap {cap} %",
                params.cap,
                cap=params.cap,
            )
        )
        return ScoreOutcome(params.cap, None, tuple(steps))
    _note_attainment(steps, lower, attainment, fact, target)
    score = attainment
    if params.cap is not None and score > params.cap:
        steps.append(step("Не выше потолка {cap} %", "Capped at {cap} %", params.cap, cap=params.cap))
        score = params.cap
    if params.floor is not None and score < params.floor:
        steps.append(step("Не ниже {floor} %", "At least {floor} %", params.floor, floor=params.floor))
        score = params.floor
    return ScoreOutcome(score, None, tuple(steps))


def _step_table(
    params: ScaleParams, lower: bool, fact: Decimal | None, plan: PlanValues, level_code: str
) -> ScoreOutcome:
    steps: list[TraceStep] = []
    against = _against_target(lower, fact, plan, steps)
    if isinstance(against, ScoreOutcome):
        return against
    fact, target, attainment = against
    if attainment is None:  # a zero fact on a lower-is-better indicator reaches every step
        attainment = Decimal("Infinity")
    _note_attainment(steps, lower, attainment, fact, target)
    assert isinstance(params, StepTableParams)
    for item in params.steps:
        if reaches(attainment, item.min_attainment, item.inclusive):
            ru, en = (
                (
                    "Ступень «{label}» (от {bound} %) → {score} %",
                    "Step “{label}” (from {bound} %) → {score} %",
                )
                if item.inclusive
                else (
                    "Ступень «{label}» (выше {bound} %) → {score} %",
                    "Step “{label}” (above {bound} %) → {score} %",
                )
            )
            steps.append(
                step(
                    ru,
                    en,
                    item.score,
                    label=item.label or item.min_attainment,
                    bound=item.min_attainment,
                    score=item.score,
                )
            )
            return ScoreOutcome(item.score, None, tuple(steps))
    steps.append(
        step(
            "Ниже всех ступеней{label} → {score} %",
            "Below every step{label} → {score} %",
            params.below_score,
            label=f" («{params.below_label}»)" if params.below_label else "",
            score=params.below_score,
        )
    )
    return ScoreOutcome(params.below_score, None, tuple(steps))


def _corridor(
    params: ScaleParams, lower: bool, fact: Decimal | None, plan: PlanValues, level_code: str
) -> ScoreOutcome:
    steps: list[TraceStep] = []
    points = _points(params, lower, fact, plan, steps)
    if isinstance(points, ScoreOutcome):
        return points
    assert isinstance(params, CorridorParams)
    x, t0, t1, t2 = points.x, points.threshold, points.target, points.maximum
    if not points.at_threshold:
        score = params.below_threshold_score
        rule = (
            ("Хуже порога → {score} %", "Worse than the threshold → {score} %")
            if params.threshold_inclusive
            else ("Не выше порога → {score} %", "Not beyond the threshold → {score} %")
        )
    elif not points.at_target:
        score = _linear(x, t0, t1, params.threshold_score, params.target_score)
        rule = (
            "Между порогом ({a} %) и целью ({b} %) — линейно",
            "Between threshold ({a} %) and target ({b} %) — linear",
        )
    elif not points.at_maximum:
        score = _linear(x, t1, t2, params.target_score, params.maximum_score)
        rule = (
            (
                "Между целью ({a} %) и максимумом ({b} %) — линейно",
                "Between target ({a} %) and maximum ({b} %) — linear",
            )
            if t0 < t1
            else (
                "Порог равен цели: от цели ({a} %) до максимума ({b} %) — линейно",
                "Threshold equals the target: from the target ({a} %) to the maximum ({b} %) — linear",
            )
        )
    else:
        score = params.maximum_score
        rule = (
            ("Максимум и выше → {score} %", "Maximum and better → {score} %")
            if params.maximum_inclusive
            else ("Выше максимума → {score} %", "Beyond the maximum → {score} %")
        )
    steps.append(
        step(
            rule[0],
            rule[1],
            score,
            inputs=points.inputs,
            score=score,
            a=params.threshold_score if not points.at_target else params.target_score,
            b=params.target_score if not points.at_target else params.maximum_score,
        )
    )
    return ScoreOutcome(score, None, tuple(steps))


def _threshold_target_max(
    params: ScaleParams, lower: bool, fact: Decimal | None, plan: PlanValues, level_code: str
) -> ScoreOutcome:
    steps: list[TraceStep] = []
    points = _points(params, lower, fact, plan, steps)
    if isinstance(points, ScoreOutcome):
        return points
    assert isinstance(params, ThresholdTargetMaxParams)
    x, t0, t1, t2 = points.x, points.threshold, points.target, points.maximum
    if not points.at_threshold:
        score = Decimal(0)
        rule = (
            ("Хуже порога — премия не начисляется", "Worse than the threshold — no bonus")
            if params.threshold_inclusive
            else ("Порог не превышен — премия не начисляется", "Threshold not exceeded — no bonus")
        )
    elif not points.at_target:
        score = (
            _linear(x, t0, t1, params.threshold_score, params.target_score)
            if params.interpolate
            else params.threshold_score
        )
        rule = ("Порог достигнут, цель нет → {score} %", "Threshold reached, target not → {score} %")
    elif not points.at_maximum:
        score = (
            _linear(x, t1, t2, params.target_score, params.maximum_score)
            if params.interpolate
            else params.target_score
        )
        rule = (
            ("Цель достигнута → {score} %", "Target reached → {score} %")
            if t0 < t1
            else (
                "Порог равен цели и достигнут → {score} %",
                "Threshold equals the target and is reached → {score} %",
            )
        )
    else:
        score = params.maximum_score
        rule = (
            "Максимум достигнут → повышенная премия {score} %",
            "Maximum reached → raised bonus {score} %",
        )
    steps.append(step(rule[0], rule[1], score, inputs=points.inputs, score=score))
    return ScoreOutcome(score, None, tuple(steps))


_Scorer = Callable[[ScaleParams, bool, Decimal | None, PlanValues, str], ScoreOutcome]

# How each kind of scale scores a line; built once, read-only.
SCORERS: Mapping[ScaleKind, _Scorer] = MappingProxyType(
    {
        ScaleKind.RATIO: _ratio,
        ScaleKind.CORRIDOR: _corridor,
        ScaleKind.THRESHOLD_TARGET_MAX: _threshold_target_max,
        ScaleKind.STEP_TABLE: _step_table,
        ScaleKind.DISCRETE_LEVELS: _discrete_levels,
        ScaleKind.BINARY: _binary,
        ScaleKind.PENALTY_POINTS: _penalty_points,
        ScaleKind.RATING: _rating,
    }
)

_KINDS = {kind.value: kind for kind in ScaleKind}


def compute_score(
    kind: str,
    params: ScaleParams,
    direction: str,
    fact: Decimal | None,
    plan: PlanValues,
    level_code: str = "",
) -> ScoreOutcome:
    """The score of one line, with the steps that produced it, or the problems that prevent it.
    An unknown kind raises ValueError."""
    lower = direction == Direction.LOWER_IS_BETTER
    scale_kind = _KINDS.get(kind) or ScaleKind(kind)  # a dict look-up: this runs for every line of a run
    return SCORERS[scale_kind](params, lower, fact, plan, level_code)


# --------------------------------------------------------------------------------------------------
# A scale on the card's total: from the weighted result to the payout percent


@dataclass(frozen=True)
class CurvePoint:
    result: Decimal  # the weighted result, %
    payout: Decimal  # the payout percent at that result


@dataclass(frozen=True)
class CurveParams:
    """Points in ascending order of the result; linear between them, flat before the first and after the last."""

    points: tuple[CurvePoint, ...]


TOTAL_SCALE_KINDS = ("step_table", "curve")
TOTAL_SCALE_KEYS: dict[str, tuple[str, ...]] = {
    "step_table": ("kind", *SCALE_PARAM_KEYS[ScaleKind.STEP_TABLE]),
    "curve": ("kind", "points"),
}


@dataclass(frozen=True)
class TotalScale:
    kind: str  # step_table / curve
    params: StepTableParams | CurveParams


def parse_total_scale(
    raw: Any, prefix: str = "params.total_scale"
) -> tuple[TotalScale | None, list[Problem]]:
    """A scheme's `total_scale`: `{kind: step_table, steps: [...], below_score}` (steps on the weighted result,
    highest first) or `{kind: curve, points: [{result, payout}, ...]}` (ascending). Unknown keys are refused."""
    if not isinstance(raw, Mapping):
        return None, [
            Problem(
                "not_an_object",
                prefix,
                text("Шкала итога должна быть объектом", "The total scale must be an object"),
            )
        ]
    kind = raw.get("kind")
    if kind not in TOTAL_SCALE_KINDS:
        near = nearest(str(kind), TOTAL_SCALE_KINDS)
        return None, [
            Problem(
                "unknown_kind",
                f"{prefix}.kind",
                text(
                    "Вид шкалы итога «{kind}» неизвестен{hint}: step_table или curve",
                    "Unknown total scale kind “{kind}”{hint_en}: step_table or curve",
                    kind=kind,
                    hint=f" — возможно, «{near}»?" if near else "",
                    hint_en=f" — did you mean “{near}”?" if near else "",
                ),
            )
        ]
    reader = _Reader(raw, prefix)
    reader.problems += unknown_keys(raw, TOTAL_SCALE_KEYS[kind], prefix)
    if kind == "step_table":
        return TotalScale(kind, _parse_steps(reader)), reader.problems
    raw_points = raw.get("points")
    points: list[CurvePoint] = []
    if not isinstance(raw_points, list) or not raw_points:
        reader.problem("points_missing", "points", "Нужна хотя бы одна точка", "At least one point is needed")
    else:
        for index, point in enumerate(raw_points):
            place = f"{prefix}.points[{index}]"
            if not isinstance(point, Mapping):
                reader.problem(
                    "not_an_object",
                    f"points[{index}]",
                    "Точка должна быть объектом {result, payout}",
                    "A point must be an object {result, payout}",
                )
                continue
            reader.problems += unknown_keys(point, CURVE_POINT_KEYS, place)
            result = reader.to_number(point.get("result"), f"{place}.result", None)
            payout = reader.to_number(point.get("payout"), f"{place}.payout", None)
            if result is None or payout is None:
                continue
            if points and result <= points[-1].result:
                reader.problem(
                    "points_not_ascending",
                    f"points[{index}].result",
                    "Точки идут по возрастанию результата",
                    "Points go in ascending order of the result",
                )
            if payout < 0:
                reader.problem(
                    "negative",
                    f"points[{index}].payout",
                    "Выплата не может быть отрицательной",
                    "A payout cannot be negative",
                )
            if points and payout < points[-1].payout:
                reader.problem(
                    "points_not_monotone",
                    f"points[{index}].payout",
                    "Выплата не может падать при росте результата",
                    "The payout cannot fall as the result grows",
                )
            points.append(CurvePoint(result, payout))
    return TotalScale(kind, CurveParams(tuple(points))), reader.problems


def apply_total_scale(scale: TotalScale, result: Decimal) -> tuple[Decimal, TraceStep]:
    """The payout percent for a weighted result, with the step that says how."""
    if isinstance(scale.params, StepTableParams):
        for item in scale.params.steps:
            if reaches(result, item.min_attainment, item.inclusive):
                label = item.label or item.min_attainment
                if item.inclusive:
                    return item.score, step(
                        "Шкала итога: ступень «{label}» (от {bound} %) → {score} %",
                        "Total scale: step “{label}” (from {bound} %) → {score} %",
                        item.score,
                        label=label,
                        bound=item.min_attainment,
                        score=item.score,
                    )
                return item.score, step(
                    "Шкала итога: ступень «{label}» (выше {bound} %) → {score} %",
                    "Total scale: step “{label}” (above {bound} %) → {score} %",
                    item.score,
                    label=label,
                    bound=item.min_attainment,
                    score=item.score,
                )
        below = scale.params.below_score
        return below, step(
            "Шкала итога: ниже всех ступеней → {score} %",
            "Total scale: below every step → {score} %",
            below,
            score=below,
        )
    points = scale.params.points
    if result <= points[0].result:
        return points[0].payout, step(
            "Шкала итога: результат {result} % не выше первой точки ({x} %) → {y} %",
            "Total scale: result {result} % is not above the first point ({x} %) → {y} %",
            points[0].payout,
            result=result,
            x=points[0].result,
            y=points[0].payout,
        )
    for low, high in itertools.pairwise(points):
        if result <= high.result:
            payout = _linear(result, low.result, high.result, low.payout, high.payout)
            return payout, step(
                "Шкала итога: между точками {x0} % → {y0} % и {x1} % → {y1} % — линейно",
                "Total scale: between the points {x0} % → {y0} % and {x1} % → {y1} % — linear",
                payout,
                x0=low.result,
                y0=low.payout,
                x1=high.result,
                y1=high.payout,
            )
    last = points[-1]
    return last.payout, step(
        "Шкала итога: результат выше последней точки ({x} %) → {y} %",
        "Total scale: the result is above the last point ({x} %) → {y} %",
        last.payout,
        x=last.result,
        y=last.payout,
    )
