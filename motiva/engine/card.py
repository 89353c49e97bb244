"""A card's result: every line scored, weighted, levels computed independently, multipliers, caps."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from motiva.engine import formula as formula_language
from motiva.engine.memo import Memo, Scored
from motiva.engine.money import HUNDRED, ONE, ZERO, RoundingPolicy
from motiva.engine.problems import Problem, Severity
from motiva.engine.scales import Direction, PlanValues, apply_total_scale, compute_score
from motiva.engine.text import text
from motiva.engine.trace import Step, Wording
from motiva.engine.types import (
    LEVEL_NAMES,
    LEVELS,
    CardPolicy,
    CardResult,
    Gate,
    LineInput,
    LineResult,
    ScaleSpec,
)


def score_line(line: LineInput, rounding: RoundingPolicy, memo: Memo | None = None) -> LineResult:
    """One line's score, multiplier and weighted part with its steps. Lines from exactly the same inputs
    (their text) are scored once per memo: the company's and a unit's lines repeat on every card of a run,
    and personal facts repeat too; their steps are then shared, not made again."""
    if memo is None:
        memo = Memo()
    plan = line.plan
    # Equal Decimals may differ in their digits (100 and 100.00); the memo tells them apart by their text.
    scale_text = memo.scale_texts.get(id(line.scale))
    gate = line.gate
    exact = (
        scale_text[1] if scale_text is not None else _exact_scale(line.scale, memo),
        line.direction,
        str(line.fact),
        line.level_code,
        str(line.weight),
        plan.exact,
        rounding.mode,
        rounding.score_places,
        rounding.round_per_line,
        line.monitoring_only,
        None if gate is None else repr(gate),
    )
    scored = memo.lines.get(exact)
    if scored is None:
        scored = _scored(
            line.scale,
            line.direction,
            plan,
            line.fact,
            line.level_code,
            line.weight,
            rounding,
            line.monitoring_only,
            gate,
        )
        memo.lines[exact] = scored
    score, multiplier, weighted, steps, problems, gate_open = scored
    if score is None and multiplier is None and line.weight and not line.monitoring_only:
        problems = (
            *problems,
            Problem(
                "line_without_score",
                line.key,
                text(
                    "«{title}»: нет результата — строка считается 0 %",
                    "“{title}”: no result — the line counts as 0 %",
                    title=line.title,
                ),
                Severity.WARNING,
            ),
        )
    # Positional (the field order of LineResult): one per line of every card of a run.
    return LineResult(
        line.key,
        line.title,
        line.level,
        line.weight,
        line.fact,
        score,
        multiplier,
        weighted,
        steps,
        problems,
        line.planned_amount,
        line.indicator_code,
        line.monitoring_only,
        gate_open,
    )


def _exact_scale(scale: ScaleSpec | None, memo: Memo) -> str:
    if scale is None:
        return ""
    known = memo.scale_texts.get(id(scale))
    if known is None:
        known = memo.scale_texts[id(scale)] = (scale, repr(scale))
    return known[1]


_DIRECT = Wording("Оценивается напрямую: {fact} %", "Scored directly: {fact} %", "fact")
_LINE_ROUNDED = Wording("Округление строки до {places} знаков", "Line rounded to {places} places", "places")
_CONTRIBUTION = Wording(
    "Вклад: вес {weight} % × {score} %", "Contribution: weight {weight} % × {score} %", "weight", "score"
)
_CONTRIBUTION_ROUNDED = Wording(
    "Вклад округлён до {places} знаков", "Contribution rounded to {places} places", "places"
)
_MONITORING = Wording(
    "Показатель только для мониторинга: отслеживается, в премию не входит",
    "Monitoring-only indicator: tracked, not paid on",
)
_GATE_PASSED = Wording(
    "Ворота: факт {fact} достигает порога ворот {threshold} — итог карты не снижается",
    "Gate: the fact {fact} reaches the gate threshold {threshold} — the card's total is not cut",
    "fact",
    "threshold",
)
_GATE_CLOSED = Wording(
    "Ворота: факт {fact} не достигает порога ворот {threshold} — итог карты будет снижен",
    "Gate: the fact {fact} does not reach the gate threshold {threshold} — the card's total will be cut",
    "fact",
    "threshold",
)


def _gate(
    gate: Gate,
    direction: str,
    plan: PlanValues,
    fact: Decimal | None,
    steps: list[Step],
    problems: list[Problem],
) -> bool:
    """Whether the line's fact passes its gate (at the threshold or better, by the indicator's direction)."""
    threshold = gate.threshold
    if gate.threshold_percent is not None:
        if plan.target is None:
            problems.append(
                Problem(
                    "gate_plan_missing",
                    "gate.threshold_percent",
                    text(
                        "Порог ворот задан процентом плана, а плана нет — ворота закрыты",
                        "The gate threshold is a percent of the plan, but the plan is missing — the gate is closed",
                    ),
                )
            )
            return False
        threshold = plan.target * gate.threshold_percent / HUNDRED
    if threshold is None:
        problems.append(
            Problem(
                "gate_threshold_missing",
                "gate.threshold",
                text("У ворот нет порога", "The gate has no threshold"),
            )
        )
        return False
    if fact is None:
        steps.append(_GATE_CLOSED(threshold, "—", threshold))
        return False
    passed = fact <= threshold if direction == Direction.LOWER_IS_BETTER else fact >= threshold
    steps.append((_GATE_PASSED if passed else _GATE_CLOSED)(threshold, fact, threshold))
    return passed


def _scored(
    scale: ScaleSpec | None,
    direction: str,
    plan: PlanValues,
    fact: Decimal | None,
    level_code: str,
    weight: Decimal,
    rounding: RoundingPolicy,
    monitoring_only: bool = False,
    gate: Gate | None = None,
) -> Scored:
    """A line's score from these inputs. Pure, so `score_line` remembers it."""
    problems: list[Problem] = []
    steps: list[Step] = []
    score: Decimal | None
    multiplier: Decimal | None = None
    if scale is None:
        # Tasks and assessment components, and lines scored by hand, carry their score as the fact.
        score = fact
        if fact is not None and weight:
            steps.append(_DIRECT(fact, fact))
    else:
        outcome = compute_score(scale.kind, scale.params, direction, fact, plan, level_code)
        score, multiplier = outcome.score, outcome.multiplier
        steps.extend(outcome.steps)
        problems.extend(outcome.problems)
    line_rounding = rounding.round_per_line
    if score is not None and line_rounding is True:
        rounded = rounding.score(score)
        if rounded != score:
            steps.append(_LINE_ROUNDED(rounded, rounding.score_places))
        score = rounded
    gate_open = None if gate is None else _gate(gate, direction, plan, fact, steps, problems)
    if monitoring_only:
        steps.append(_MONITORING())
        return score, None, ZERO, tuple(steps), tuple(problems), gate_open
    weighted = (score or ZERO) * weight / 100 if multiplier is None else ZERO
    if weight and multiplier is None:
        steps.append(_CONTRIBUTION(weighted, weight, score or ZERO))
        if line_rounding == "contribution":
            rounded = rounding.score(weighted)
            if rounded != weighted:
                steps.append(_CONTRIBUTION_ROUNDED(rounded, rounding.score_places))
            weighted = rounded
    return score, multiplier, weighted, tuple(steps), tuple(problems), gate_open


# The card's own steps, made for every card (the lines' steps are shared between equal lines).
# One wording for each level, with its name in it: the values of a step stay numbers (a stored row
# of numbers only is written and copied as single-byte text).
_LEVEL = {
    level: Wording(
        f"Уровень «{ru}»: Σ(вес × результат) / Σ весов ({{weight}} %)",
        f"Level “{en}”: Σ(weight × score) / Σ weights ({{weight}} %)",
        "weight",
    )
    for level, (ru, en) in LEVEL_NAMES.items()
}
_WEIGHTED_TOTAL = Wording(
    "Итог по весам: сумма вкладов строк / Σ весов ({weight} %)",
    "Weighted total: the lines' contributions / Σ weights ({weight} %)",
    "weight",
)
_MULTIPLIER = Wording("Множитель «{title}» × {value}", "Multiplier “{title}” × {value}", "title", "value")
_BELOW_THRESHOLD = Wording(
    "Итог {total} % ниже порога {min} % — премия не начисляется",
    "Total {total} % is below the {min} % threshold — no bonus",
    "total",
    "min",
)
_CAP = Wording("Потолок результативности{label}: {cap} %", "Result cap{label}: {cap} %", "cap", "label")
_TOTAL_FORMULA = Wording(
    "Формула итога: {f} (result = {result} %, payout = {payout} %)",
    "Total formula: {f} (result = {result} %, payout = {payout} %)",
    "f",
    "result",
    "payout",
)
_TOTAL_NOT_NEGATIVE = Wording("Итог не ниже 0 %", "The total is at least 0 %")
_GATE_CUT_TO = Wording(
    "Ворота «{title}» не пройдены: итог не выше {value} %",
    "Gate “{title}” not passed: the total is at most {value} %",
    "title",
    "value",
)
_GATE_CUT_PERCENT = Wording(
    "Ворота «{title}» не пройдены: итог × {percent} %",
    "Gate “{title}” not passed: the total × {percent} %",
    "title",
    "percent",
)
_GATE_LEVELS = Wording(
    "Ворота «{title}»: результаты уровней снижены так же",
    "Gate “{title}”: the level results are cut the same way",
    "title",
)
_FINAL = Wording("Итоговая результативность", "Final result")


def calculate_card(
    lines: Sequence[LineInput], policy: CardPolicy, rounding: RoundingPolicy, memo: Memo | None = None
) -> CardResult:
    if memo is None:
        memo = Memo()
    results = [score_line(line, rounding, memo) for line in lines]
    steps: list[Step] = []
    problems = [problem for result in results for problem in result.problems]
    # With contributions rounded per line, the card adds the rounded contributions (weight × score / 100).
    by_contribution = rounding.round_per_line == "contribution"
    # One pass over the weighted lines (multipliers aside): the card's sums and each level's, in line order.
    weight_sum = ZERO
    numerator = ZERO
    level_weights: dict[str, Decimal] = {}
    level_numerators: dict[str, Decimal] = {}
    for r in results:
        if r.multiplier is not None or r.monitoring_only:
            continue
        weight = r.weight
        term = r.weighted * HUNDRED if by_contribution else (r.score or ZERO) * weight
        weight_sum += weight
        numerator += term
        if weight > 0:
            level = r.level
            level_weights[level] = level_weights.get(level, ZERO) + weight
            level_numerators[level] = level_numerators.get(level, ZERO) + term

    level_results: dict[str, Decimal] = {}
    for level in LEVELS:
        level_weight = level_weights.get(level, ZERO)
        if level_weight:
            # Each level on its own: a unit that met its plan is paid whatever the company did [S2].
            level_results[level] = rounding.score(level_numerators[level] / level_weight)
            steps.append(_LEVEL[level](level_results[level], level_weight))
    raw = numerator / weight_sum if weight_sum else ZERO
    # The terms themselves are the lines' "contribution" steps above.
    raw_total = rounding.score(raw)
    steps.append(_WEIGHTED_TOTAL(raw_total, weight_sum))
    multiplier = ONE
    gate_closed = False
    for r in results:
        if r.multiplier is not None:
            multiplier *= r.multiplier
            steps.append(_MULTIPLIER(raw * multiplier, r.title, r.multiplier))
        if r.gate_open is False:  # a multiplier line may carry a gate too
            gate_closed = True
    total = raw * multiplier
    below_threshold = policy.min_result is not None and total < policy.min_result
    if below_threshold:
        steps.append(_BELOW_THRESHOLD(ZERO, rounding.score(total), policy.min_result))
        total = ZERO
    if not below_threshold and (policy.total_scale is not None or policy.total_formula is not None):
        total = _total_rules(policy, rounding.score(total), steps, problems)
    for line_input, r in zip(lines, results, strict=True) if gate_closed else ():
        if r.gate_open is False and line_input.gate is not None:
            gate = line_input.gate
            if gate.cut_percent is not None:
                total = total * gate.cut_percent / HUNDRED
                steps.append(_GATE_CUT_PERCENT(total, r.title, gate.cut_percent))
            else:
                total = min(total, gate.cut_to if gate.cut_to is not None else ZERO)
                steps.append(_GATE_CUT_TO(total, r.title, gate.cut_to if gate.cut_to is not None else ZERO))
            if policy.pays_by == "levels":
                # A three-level scheme pays each level by its own result: the gate cuts each of them the same way.
                for level, value in level_results.items():
                    level_results[level] = rounding.score(
                        value * gate.cut_percent / HUNDRED
                        if gate.cut_percent is not None
                        else min(value, gate.cut_to if gate.cut_to is not None else ZERO)
                    )
                steps.append(_GATE_LEVELS("", r.title))
            elif policy.pays_by != "total":
                problems.append(
                    Problem(
                        "gate_without_effect",
                        r.key,
                        text(
                            "Ворота «{t}» не пройдены, но схема платит не от итога карты — выплату они не меняют",
                            "Gate “{t}” is not passed, but the scheme does not pay by the card's total — the pay is not changed",
                            t=r.title,
                        ),
                        Severity.WARNING,
                    )
                )
    capped = False
    if policy.cap is not None and total > policy.cap:
        steps.append(_CAP(policy.cap, policy.cap, f" ({policy.cap_label})" if policy.cap_label else ""))
        total, capped = policy.cap, True
    total = rounding.score(total)
    steps.append(_FINAL(total))
    return CardResult(
        lines=tuple(results),
        level_results=level_results,
        raw_total=raw_total,
        multiplier=multiplier,
        total=total,
        capped=capped,
        steps=tuple(steps),
        problems=tuple(problems),
    )


def _total_rules(policy: CardPolicy, result: Decimal, steps: list[Step], problems: list[Problem]) -> Decimal:
    """The scheme's scale on the total (weighted result → payout percent), then its formula on the total."""
    payout = result
    if policy.total_scale is not None:
        payout, scale_step = apply_total_scale(policy.total_scale, result)
        steps.append(scale_step)
    if policy.total_formula is None:
        return payout
    try:
        total = formula_language.evaluate(policy.total_formula, {"result": result, "payout": payout})
    except formula_language.FormulaError as error:
        problems.append(Problem(error.problem.code, "params.total_formula", error.problem.message))
        return payout
    steps.append(_TOTAL_FORMULA(total, policy.total_formula.source, result, payout))
    if total < 0:
        # A payout percent below zero would be a negative bonus: the total stops at zero, and says so.
        problems.append(
            Problem(
                "total_formula_negative",
                "params.total_formula",
                text(
                    "Формула итога дала {v} % — итог не бывает ниже 0 %",
                    "The total formula gave {v} % — the total never goes below 0 %",
                    v=total,
                ),
                Severity.WARNING,
            )
        )
        steps.append(_TOTAL_NOT_NEGATIVE(ZERO))
        return ZERO
    return total
