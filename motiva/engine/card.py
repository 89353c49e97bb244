"""A card's result: every line scored, weighted, levels computed independently, multipliers, caps."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from motiva.engine.money import ONE, ZERO, RoundingPolicy
from motiva.engine.problems import Problem, Severity
from motiva.engine.scales import PlanValues, compute_score
from motiva.engine.text import text
from motiva.engine.trace import Step, step
from motiva.engine.types import CardPolicy, CardResult, LineInput, LineResult, ScaleSpec

LEVELS = ("company", "unit", "personal")
LEVEL_NAMES = {"company": ("компания", "company"), "unit": ("подразделение", "unit"), "personal": ("личный", "personal")}


def score_line(line: LineInput, rounding: RoundingPolicy) -> LineResult:
    plan = line.plan
    # Equal Decimals may differ in their digits (100 and 100.00); the memo tells them apart by their text.
    exact = (_exact_scale(line.scale), line.direction, str(line.fact), line.level_code, str(line.weight), str(plan.threshold),
             str(plan.target), str(plan.maximum), rounding.mode, rounding.score_places, rounding.round_per_line)
    scored = _MEMO.get(exact)
    if scored is None:
        scored = _scored(line.scale, line.direction, plan, line.fact, line.level_code, line.weight, rounding)
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        _MEMO[exact] = scored
    score, multiplier, weighted, steps, problems = scored
    if score is None and multiplier is None and line.weight:
        problems = (*problems, Problem("line_without_score", line.key, text(
            "«{title}»: нет результата — строка считается 0 %", "“{title}”: no result — the line counts as 0 %", title=line.title,
        ), Severity.WARNING))
    # Positional (the field order of LineResult): one per line of every card of a run.
    return LineResult(line.key, line.title, line.level, line.weight, line.fact, score, multiplier, weighted, steps, problems,
                      line.planned_amount, line.indicator_code)


# Line scores from exactly the same inputs (their text): the company's and a unit's lines repeat on
# every card of a run, and personal facts repeat too; their steps are then shared, not made again.
_MEMO: dict[tuple[object, ...], tuple[Decimal | None, Decimal | None, Decimal, tuple[Step, ...], tuple[Problem, ...]]] = {}
_MEMO_SIZE = 65536
_SCALE_TEXT: dict[int, tuple[ScaleSpec, str]] = {}  # id → (the scale, kept alive so the id is not reused; its exact text)


def _exact_scale(scale: ScaleSpec | None) -> str:
    if scale is None:
        return ""
    known = _SCALE_TEXT.get(id(scale))
    if known is None:
        if len(_SCALE_TEXT) > 10000:
            _SCALE_TEXT.clear()
        known = _SCALE_TEXT[id(scale)] = (scale, repr(scale))
    return known[1]


def _scored(scale: ScaleSpec | None, direction: str, plan: PlanValues, fact: Decimal | None, level_code: str, weight: Decimal,
            rounding: RoundingPolicy) -> tuple[Decimal | None, Decimal | None, Decimal, tuple[Step, ...], tuple[Problem, ...]]:
    """A line's score from these inputs. Pure, so `score_line` remembers it."""
    problems: list[Problem] = []
    steps: list[Step] = []
    score: Decimal | None
    multiplier: Decimal | None = None
    if scale is None:
        # Tasks and assessment components, and lines scored by hand, carry their score as the fact.
        score = fact
        if fact is not None and weight:
            steps.append(step("Оценивается напрямую: {fact} %", "Scored directly: {fact} %", fact, fact=fact))
    else:
        outcome = compute_score(scale.kind, scale.params, direction, fact, plan, level_code)
        score, multiplier = outcome.score, outcome.multiplier
        steps.extend(outcome.steps)
        problems.extend(outcome.problems)
    if score is not None and rounding.round_per_line:
        rounded = rounding.score(score)
        if rounded != score:
            steps.append(step("Округление строки до {places} знаков", "Line rounded to {places} places", rounded, places=rounding.score_places))
        score = rounded
    weighted = (score or ZERO) * weight / 100 if multiplier is None else ZERO
    if weight and multiplier is None:
        steps.append(step("Вклад: вес {weight} % × {score} %", "Contribution: weight {weight} % × {score} %", weighted,
                          weight=weight, score=score or ZERO))
    return score, multiplier, weighted, tuple(steps), tuple(problems)


def calculate_card(lines: Sequence[LineInput], policy: CardPolicy, rounding: RoundingPolicy) -> CardResult:
    results = [score_line(line, rounding) for line in lines]
    steps: list[Step] = []
    problems = [problem for result in results for problem in result.problems]
    # One pass over the weighted lines (multipliers aside): the card's sums and each level's, in line order.
    weight_sum = ZERO
    numerator = ZERO
    level_weights: dict[str, Decimal] = {}
    level_numerators: dict[str, Decimal] = {}
    for r in results:
        if r.multiplier is not None:
            continue
        term = (r.score or ZERO) * r.weight
        weight_sum += r.weight
        numerator += term
        if r.weight > 0:
            level_weights[r.level] = level_weights.get(r.level, ZERO) + r.weight
            level_numerators[r.level] = level_numerators.get(r.level, ZERO) + term

    level_results: dict[str, Decimal] = {}
    for level in LEVELS:
        level_weight = level_weights.get(level, ZERO)
        if level_weight:
            # Each level on its own: a unit that met its plan is paid whatever the company did [S2].
            level_results[level] = rounding.score(level_numerators[level] / level_weight)
            steps.append(step("Уровень «{name}»: Σ(вес × результат) / Σ весов ({weight} %)",
                              "Level “{name_en}”: Σ(weight × score) / Σ weights ({weight} %)", level_results[level],
                              name=LEVEL_NAMES[level][0], name_en=LEVEL_NAMES[level][1], weight=level_weight))
    raw = numerator / weight_sum if weight_sum else ZERO
    # The terms themselves are the lines' "contribution" steps above.
    steps.append(step("Итог по весам: сумма вкладов строк / Σ весов ({weight} %)", "Weighted total: the lines' contributions / Σ weights ({weight} %)",
                      rounding.score(raw), weight=weight_sum))
    multiplier = ONE
    for r in results:
        if r.multiplier is not None:
            multiplier *= r.multiplier
            steps.append(step("Множитель «{title}» × {value}", "Multiplier “{title}” × {value}", raw * multiplier, title=r.title, value=r.multiplier))
    total = raw * multiplier
    if policy.min_result is not None and total < policy.min_result:
        steps.append(step("Итог {total} % ниже порога {min} % — премия не начисляется", "Total {total} % is below the {min} % threshold — no bonus",
                          ZERO, total=rounding.score(total), min=policy.min_result))
        total = ZERO
    capped = False
    if policy.cap is not None and total > policy.cap:
        steps.append(step("Потолок результативности{label}: {cap} %", "Result cap{label}: {cap} %", policy.cap,
                          cap=policy.cap, label=f" ({policy.cap_label})" if policy.cap_label else ""))
        total, capped = policy.cap, True
    total = rounding.score(total)
    steps.append(step("Итоговая результативность", "Final result", total))
    return CardResult(
        lines=tuple(results), level_results=level_results, raw_total=rounding.score(raw), multiplier=multiplier,
        total=total, capped=capped, steps=tuple(steps), problems=tuple(problems),
    )
