"""Pay schemes: from a card's result to money, every scheme of SPEC C6.

Each scheme is a function (PayInput, CardResult, params, group facts) → components with their steps.
Allowances, piece rates and fines can be added to any scheme; proration and corrections come after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from motiva.engine import formula as formula_language
from motiva.engine.keys import unknown_keys, unknown_value
from motiva.engine.memo import Memo
from motiva.engine.money import ONE, ZERO, RoundingPolicy, allocate
from motiva.engine.money import from_config as D
from motiva.engine.problems import Problem, Severity
from motiva.engine.proration import DayBasis, ProrationPolicy, ProrationSpan, time_share, weighted_salary
from motiva.engine.scales import parse_total_scale
from motiva.engine.text import text
from motiva.engine.trace import Step, Wording
from motiva.engine.types import (
    LEVEL_NAMES,
    LEVELS,
    Adjustment,
    CardPolicy,
    CardResult,
    ComponentKind,
    DisciplinaryBase,
    GroupFacts,
    PayComponent,
    PayInput,
    PayResult,
    PayRules,
)

HUNDRED = Decimal(100)
DEFAULT_RULES = PayRules()  # the Labour Code cap at 20 % of salary and bonuses, KTU 0–1 by 0.1
CATEGORY_NAMES = {
    "worker": ("рабочий", "worker"),
    "specialist": ("специалист", "specialist"),
    "lead_specialist": ("ведущий специалист", "lead specialist"),
    "manager": ("руководитель", "manager"),
    "director": ("директор", "director"),
    "sales": ("продажи", "sales"),
}


class SchemeKind(StrEnum):
    FIXED_VARIABLE = "fixed_variable"
    TARGET_BONUS = "target_bonus"
    THREE_LEVEL = "three_level"
    PLANNED_AMOUNT = "planned_amount"
    KTU_POOL = "ktu_pool"
    COEFFICIENT_SUM = "coefficient_sum"
    STEP_BONUS = "step_bonus"
    ANNUAL_SALARY_PERCENT = "annual_salary_percent"


class SchemeError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.render("en"))
        self.problem = problem


def _fail(code: str, field: str, ru: str, en: str, /, **params: Any) -> SchemeError:
    return SchemeError(Problem(code, f"params.{field}", text(ru, en, **params)))


def _number(params: Mapping[str, Any], key: str, default: Decimal | None = None) -> Decimal:
    value = params.get(key)
    if value is None or value == "":
        if default is None:
            raise _fail(
                "required", key, "Параметр «{key}» обязателен", "Parameter “{key}” is required", key=key
            )
        return default
    try:
        return D(value)
    except (TypeError, ValueError):
        raise _fail(
            "not_a_number", key, "«{value}» — не число", "“{value}” is not a number", value=value
        ) from None


def _lookup(table: Any, *keys: str, field: str) -> Decimal:
    """table[key1][key2] … with a "default" entry at any level."""
    node = table
    for key in keys:
        if not isinstance(node, Mapping):
            break
        node = node.get(key, node.get("default"))
    if node is None or isinstance(node, Mapping):
        raise _fail(
            "no_value", field, "Нет значения для {keys}", "No value for {keys}", keys=" / ".join(keys)
        )
    return D(node)


def card_policy(
    scheme_kind: str, params: Mapping[str, Any], category: str, memo: Memo | None = None
) -> CardPolicy:
    """Caps by category (120 % for most, 150 % for sales) and a threshold on the total, from the scheme."""
    if memo is None:
        return _card_policy(params, category, PAYS_BY.get(scheme_kind, "total"))
    # Read once for each scheme and category.
    key = (id(params), scheme_kind, category)
    known = memo.policies.get(key)
    if known is None or known[0] is not params:
        known = memo.policies[key] = (
            params,
            _card_policy(params, category, PAYS_BY.get(scheme_kind, "total")),
        )
    return known[1]


# The schemes that do not pay by the card's total: a scale or formula on the total is refused for them,
# and a gate cuts the level results (three-level) or is reported as having no effect.
PAYS_BY = {"three_level": "levels", "planned_amount": "lines", "ktu_pool": "none"}


def _card_policy(params: Mapping[str, Any], category: str, pays_by: str = "total") -> CardPolicy:
    caps = params.get("caps")
    cap = None
    if isinstance(caps, Mapping) and not params.get("no_threshold"):
        value = caps.get(category, caps.get("default"))
        cap = D(value) if value is not None else None
    min_result = (
        D(params["min_result"])
        if params.get("min_result") not in (None, "") and not params.get("no_threshold")
        else None
    )
    # A scale and a formula on the total (checked by scheme_problems; an unusable one is left out here).
    total_scale = parse_total_scale(params["total_scale"])[0] if params.get("total_scale") else None
    total_formula = None
    if params.get("total_formula"):
        try:
            total_formula = formula_language.parse(str(params["total_formula"]))
        except formula_language.FormulaError:
            total_formula = None
    return CardPolicy(
        cap=cap,
        min_result=min_result,
        cap_label=category,
        total_scale=total_scale,
        total_formula=total_formula,
        pays_by=pays_by,
    )


# --------------------------------------------------------------------------------------------------
# Schemes


# Pay component names and the wording of the steps made for every employee (see trace.Wording).
_VARIABLE_PAY = text("Переменная часть", "Variable pay")
_FV_CATEGORY = Wording(
    "Категория «{cat}»: постоянная/переменная {fixed}/{share}; целевой доход = оклад {salary} / {fixed} %",
    "Category “{cat_en}”: fixed/variable {fixed}/{share}; target income = salary {salary} / {fixed} %",
    "cat",
    "cat_en",
    "fixed",
    "share",
    "salary",
)
_FV_VARIABLE = Wording(
    "Переменная часть = {share} % × {months} мес.",
    "Variable part = {share} % × {months} months",
    "share",
    "months",
)
_FV_BONUS = Wording(
    "Премия = переменная часть × результат {result} %", "Bonus = variable part × result {result} %", "result"
)
_TARGET_PERCENT = Wording(
    "Целевая премия = {percent} % оклада {salary} × {months} мес.",
    "Target bonus = {percent} % of salary {salary} × {months} months",
    "percent",
    "salary",
    "months",
)
_TARGET_SALARIES = Wording(
    "Целевая премия = {count} оклада по {salary}",
    "Target bonus = {count} salaries of {salary}",
    "count",
    "salary",
)
_TARGET_FIXED = Wording("Целевая премия — фиксированная сумма", "Target bonus — a fixed amount")
_KPI_BONUS = text("Премия по KPI", "KPI bonus")
_TARGET_TIMES_RESULT = Wording(
    "Премия = целевая × итоговый результат {result} %", "Bonus = target × final result {result} %", "result"
)
_LEVEL_NOT_DUE = Wording(
    "Уровень «{n}» оплачивается по итогам своего периода — не в этом расчёте",
    "Level “{n_en}” is paid for its own period — not in this run",
    "n",
    "n_en",
)
_LEVEL_TARGET = Wording(
    "Цель уровня = оклад {salary} × {percent} % × {months} мес. × доля {share} %",
    "Level target = salary {salary} × {percent} % × {months} months × share {share} %",
    "salary",
    "percent",
    "months",
    "share",
)
_LEVEL_RESULT = Wording(
    "× результат уровня {result} % (уровни независимы, без порога на итог)",
    "× level result {result} % (levels are independent, no threshold on the total)",
    "result",
)
_PLANNED = Wording(
    "Плановая сумма {planned} × коэффициент выполнения {k}",
    "Planned amount {planned} × fulfilment coefficient {k}",
    "planned",
    "k",
)
_STEP_BONUS_NAME = text("Ступенчатая премия", "Step bonus")
_STEP_BONUS = Wording(
    "Премия = {base} × ступень {result} %", "Bonus = {base} × step {result} %", "base", "result"
)
_ANNUAL_BONUS = text("Годовая премия", "Annual bonus")
_ANNUAL_SALARY = Wording("Годовой оклад = {salary} × 12", "Annual salary = {salary} × 12", "salary")
_AT_PLAN = Wording(
    "При выполнении плана — {percent} % годового оклада",
    "At plan — {percent} % of the annual salary",
    "percent",
)
_TIMES_RESULT = Wording("× результат {result} %", "× result {result} %", "result")
_KTU_FUND_SHARE = text("Доля фонда по КТУ", "KTU share of the fund")
_KTU_SPLIT = Wording(
    "Фонд подразделения разделён пропорционально КТУ; КТУ = {ktu}",
    "The unit's fund split in proportion to KTU; KTU = {ktu}",
    "ktu",
)
_FUND_CORRECTED = Wording(
    "Фонд подразделения скорректирован работодателем × {k} до распределения",
    "The unit's fund corrected by the employer × {k} before the split",
    "k",
)
_KTU_SHARE_FORMULA = Wording("Стоимость доли 0,1 КТУ = {f}", "Value of a 0.1 KTU share = {f}", "f")
_KTU_SHARE_VALUE = Wording("Стоимость доли 0,1 КТУ", "Value of a 0.1 KTU share")
_KTU_PART = text("Часть по КТУ", "KTU part")
_KTU_SHARES = Wording(
    "{shares} долей (КТУ {ktu} / {s}) × {value}",
    "{shares} shares (KTU {ktu} / {s}) × {value}",
    "shares",
    "ktu",
    "s",
    "value",
)
_COEFFICIENT = Wording("{name} = {f}", "{name} = {f}", "name", "f")
_LEADERSHIP = Wording(
    "Лидерство: место {place} в рейтинге, первые {n} получают {ladder}",
    "Leadership: place {place}, the top {n} get {ladder}",
    "place",
    "n",
    "ladder",
)
_BASE_TIMES_SUM = Wording(
    "Оклад {base} × ({terms}) × {months} мес.",
    "Base {base} × ({terms}) × {months} months",
    "base",
    "terms",
    "months",
)
_COEFFICIENT_PAY = text("Оклад × сумма коэффициентов", "Base × sum of coefficients")


_SHARE_RANGE = (
    "Доля переменной части — от 0 до 100 %, не включая 100 (постоянная часть не может быть нулевой)",
    "The variable share is at least 0 and below 100 % (the fixed part cannot be zero)",
)


def _fixed_variable(
    p: PayInput, card: CardResult, params: Mapping[str, Any], group: GroupFacts, memo: Memo
) -> list[PayComponent]:
    share = _lookup(params.get("variable_share"), p.category, field="variable_share")
    if not ZERO <= share < HUNDRED:
        raise _fail(
            "share_range",
            "variable_share",
            *_SHARE_RANGE,
        )
    target_income = p.salary / (HUNDRED - share) * HUNDRED
    variable = target_income * share / HUNDRED * p.months
    amount = variable * card.total / HUNDRED
    return [
        PayComponent(
            _VARIABLE_PAY,
            amount,
            (
                _FV_CATEGORY(
                    target_income,
                    CATEGORY_NAMES.get(p.category, (p.category,))[0],
                    CATEGORY_NAMES.get(p.category, ("", p.category))[1],
                    HUNDRED - share,
                    share,
                    p.salary,
                ),
                _FV_VARIABLE(variable, share, p.months),
                _FV_BONUS(amount, card.total),
            ),
            kind=ComponentKind.BONUS,
        )
    ]


def _target_amount(p: PayInput, params: Mapping[str, Any]) -> tuple[Decimal, Step]:
    basis = params.get("basis", "salary_percent")
    if basis == "salary_percent":
        table = params.get("percent_by_grade")
        percent = (
            _lookup(table, p.block, p.grade, field="percent_by_grade")
            if table
            else _number(params, "percent")
        )
        target = p.salary * percent / HUNDRED * p.months
        return target, _TARGET_PERCENT(target, percent, p.salary, p.months)
    if basis == "salaries":
        count = _number(params, "salaries")
        target = p.salary * count
        return target, _TARGET_SALARIES(target, count, p.salary)
    if basis == "fixed":
        target = _number(params, "amount")
        return target, _TARGET_FIXED(target)
    raise _fail(
        "basis",
        "basis",
        "Неизвестная база «{b}»: salary_percent, salaries или fixed",
        "Unknown basis “{b}”: salary_percent, salaries or fixed",
        b=basis,
    )


def _target_bonus(
    p: PayInput, card: CardResult, params: Mapping[str, Any], group: GroupFacts, memo: Memo
) -> list[PayComponent]:
    target, first = _target_amount(p, params)
    amount = target * card.total / HUNDRED
    return [
        PayComponent(
            _KPI_BONUS,
            amount,
            (first, _TARGET_TIMES_RESULT(amount, card.total)),
            kind=ComponentKind.BONUS,
        )
    ]


_LEVEL_TEXTS = {
    level: text("Уровень «{n}»", "Level “{n_en}”", n=ru, n_en=en) for level, (ru, en) in LEVEL_NAMES.items()
}


def _three_level_terms(
    params: Mapping[str, Any], block: str, grade: str
) -> tuple[Decimal, tuple[Decimal, ...]]:
    """The target bonus percent and the three level shares for a block and grade."""
    percent = _lookup(params.get("target_bonus_percent"), block, grade, field="target_bonus_percent")
    shares = params.get("level_shares", {})
    row = shares.get(grade, shares.get("default")) if isinstance(shares, Mapping) else None
    if not isinstance(row, Sequence) or len(row) != 3:
        raise _fail(
            "level_shares",
            "level_shares",
            "Для грейда {g} нужны три доли: компания, подразделение, личный",
            "Grade {g} needs three shares: company, unit, personal",
            g=grade,
        )
    return percent, tuple(D(x) for x in row)


def _three_level(
    p: PayInput, card: CardResult, params: Mapping[str, Any], group: GroupFacts, memo: Memo
) -> list[PayComponent]:
    # A run pays thousands of people of the same block and grade under one scheme: the terms are read
    # from the parameters once for each.
    key = (id(params), p.block, p.grade)
    known = memo.terms.get(key)
    if known is None or known[0] is not params:
        known = memo.terms[key] = (params, _three_level_terms(params, p.block, p.grade))
    percent, row = known[1]
    components = []
    for level, share in zip(LEVELS, row, strict=True):
        names = LEVEL_NAMES[level]
        if share == 0:
            continue
        if level not in p.due_levels:
            components.append(
                PayComponent(
                    _LEVEL_TEXTS[level],
                    ZERO,
                    (_LEVEL_NOT_DUE(ZERO, names[0], names[1]),),
                    kind=ComponentKind.LEVEL,
                )
            )
            continue
        result = card.level_results.get(level, ZERO)
        target = p.salary * percent / HUNDRED * p.months * share / HUNDRED
        amount = target * result / HUNDRED
        components.append(
            PayComponent(
                _LEVEL_TEXTS[level],
                amount,
                (
                    _LEVEL_TARGET(target, p.salary, percent, p.months, share),
                    _LEVEL_RESULT(amount, result),
                ),
                kind=ComponentKind.LEVEL,
            )
        )
    return components


def _planned_amount(
    p: PayInput, card: CardResult, params: Mapping[str, Any], group: GroupFacts, memo: Memo
) -> list[PayComponent]:
    total_plan = _number(params, "monthly_total", ZERO) * p.months
    components = []
    for line in card.lines:
        if line.multiplier is not None or not line.weight:
            continue
        planned = (
            line.planned_amount if line.planned_amount is not None else total_plan * line.weight / HUNDRED
        )
        score = line.score or ZERO
        amount = planned * score / HUNDRED
        components.append(
            PayComponent(
                text("«{t}»", "“{t}”", t=line.title),
                amount,
                (_PLANNED(amount, planned, (score / HUNDRED).normalize()),),
                kind=ComponentKind.LINE,
            )
        )
    return components


def _step_bonus(
    p: PayInput, card: CardResult, params: Mapping[str, Any], group: GroupFacts, memo: Memo
) -> list[PayComponent]:
    base = (
        p.salary * p.months if params.get("bonus_base", "salary") == "salary" else _number(params, "amount")
    )
    amount = base * card.total / HUNDRED
    return [
        PayComponent(
            _STEP_BONUS_NAME, amount, (_STEP_BONUS(amount, base, card.total),), kind=ComponentKind.BONUS
        )
    ]


def _annual_salary_percent(
    p: PayInput, card: CardResult, params: Mapping[str, Any], group: GroupFacts, memo: Memo
) -> list[PayComponent]:
    percent = _number(params, "percent_at_plan")
    annual = p.salary * 12
    target = annual * percent / HUNDRED
    amount = target * card.total / HUNDRED
    return [
        PayComponent(
            _ANNUAL_BONUS,
            amount,
            (_ANNUAL_SALARY(annual, p.salary), _AT_PLAN(target, percent), _TIMES_RESULT(amount, card.total)),
            kind=ComponentKind.ANNUAL_BONUS,
        )
    ]


def _ktu_pool(
    p: PayInput, card: CardResult, params: Mapping[str, Any], group: GroupFacts, memo: Memo
) -> list[PayComponent]:
    code = params.get("ktu_indicator", "KTU")
    ktu = p.facts.get(code)
    if ktu is None:
        raise _fail(
            "ktu_missing",
            "ktu_indicator",
            "Нет КТУ сотрудника (показатель {code})",
            "The employee's KTU is missing (indicator {code})",
            code=code,
        )
    step_size = _number(params, "ktu_step", Decimal("0.1"))
    if step_size <= 0:
        raise _fail(
            "not_positive", "ktu_step", "Шаг КТУ должен быть больше нуля", "The KTU step must be above zero"
        )
    if group.fund_share is not None:
        steps: tuple[Step, ...] = (_KTU_SPLIT(group.fund_share, ktu),)
        if group.correction is not None and group.correction != ONE:
            steps = (_FUND_CORRECTED(group.fund_share, group.correction), *steps)
        return [PayComponent(_KTU_FUND_SHARE, group.fund_share, steps, kind=ComponentKind.KTU)]
    source = params.get("share_value_formula")
    if source:
        names = {**group.unit_facts, **{k: v for k, v in p.facts.items() if k not in group.unit_facts}}
        try:
            share_value = formula_language.evaluate(memo.formula(str(source)), names, group.aggregate)
        except formula_language.FormulaError as error:
            raise SchemeError(error.problem) from None
        share_step = _KTU_SHARE_FORMULA(share_value, source)
    else:
        share_value = _number(params, "share_value")
        share_step = _KTU_SHARE_VALUE(share_value)
    shares = ktu / step_size
    amount = shares * share_value
    return [
        PayComponent(
            _KTU_PART,
            amount,
            (share_step, _KTU_SHARES(amount, shares, ktu, step_size, share_value)),
            kind=ComponentKind.KTU,
        )
    ]


def _coefficient_sum(
    p: PayInput, card: CardResult, params: Mapping[str, Any], group: GroupFacts, memo: Memo
) -> list[PayComponent]:
    base = p.salary
    names: dict[str, Decimal] = {
        **p.facts,
        **{f"score_{line.indicator_code}": line.score or ZERO for line in card.lines if line.indicator_code},
    }
    names["result"] = card.total
    steps: list[Step] = []
    coefficients: dict[str, Decimal] = {}
    for name, source in dict(params.get("coefficients", {})).items():
        try:
            value = formula_language.evaluate(memo.formula(str(source)), names, group.aggregate)
        except formula_language.FormulaError as error:
            raise SchemeError(
                Problem(error.problem.code, f"params.coefficients.{name}", error.problem.message)
            ) from None
        coefficients[name] = value
        steps.append(_COEFFICIENT(value, name, source))
    ladder = [D(x) for x in params.get("leadership", [])]
    if ladder:
        place = group.rank_place
        lead = ladder[place - 1] if place is not None and 1 <= place <= len(ladder) else ZERO
        coefficients["K_lead"] = lead
        steps.append(
            _LEADERSHIP(
                lead, place if place is not None else "—", len(ladder), " / ".join(str(x) for x in ladder)
            )
        )
    total_k = sum(coefficients.values(), ZERO)
    amount = base * total_k * p.months
    steps.append(
        _BASE_TIMES_SUM(
            amount, base, " + ".join(f"{k} {v.normalize()}" for k, v in coefficients.items()), p.months
        )
    )
    return [PayComponent(_COEFFICIENT_PAY, amount, tuple(steps), kind=ComponentKind.BONUS)]


_SCHEME_KINDS = {kind.value: kind for kind in SchemeKind}
SCHEMES: dict[
    SchemeKind, Callable[[PayInput, CardResult, Mapping[str, Any], GroupFacts, Memo], list[PayComponent]]
] = {
    SchemeKind.FIXED_VARIABLE: _fixed_variable,
    SchemeKind.TARGET_BONUS: _target_bonus,
    SchemeKind.THREE_LEVEL: _three_level,
    SchemeKind.PLANNED_AMOUNT: _planned_amount,
    SchemeKind.KTU_POOL: _ktu_pool,
    SchemeKind.COEFFICIENT_SUM: _coefficient_sum,
    SchemeKind.STEP_BONUS: _step_bonus,
    SchemeKind.ANNUAL_SALARY_PERCENT: _annual_salary_percent,
}


# --------------------------------------------------------------------------------------------------
# Extras any scheme can carry


_SENIORITY = text("Надбавка за стаж", "Seniority allowance")
_SENIORITY_STEP = Wording(
    "Непрерывный стаж {years} лет → {percent} % оклада",
    "Continuous service {years} years → {percent} % of salary",
    "years",
    "percent",
)
_PERCENT_OF_SALARY = Wording("{percent} % оклада", "{percent} % of salary", "percent")
_PIECES = Wording("{count} × расценка {rate}", "{count} × rate {rate}", "count", "rate")
_FINES = Wording("Стоимость дополнительной диагностики по актам", "Cost of extra diagnostics per the reports")
# A documented fine is withheld from the salary: a component of its own, never a negative bonus.
_FINES_NAME = text(
    "Документально подтверждённые штрафы (удерживаются из заработной платы)",
    "Documented fines (withheld from the salary)",
)


def _extras(p: PayInput, params: Mapping[str, Any]) -> tuple[list[PayComponent], list[PayComponent]]:
    """(allowances prorated with time worked, piece work which is not); fines are withheld apart (_fines)."""
    prorated: list[PayComponent] = []
    fixed: list[PayComponent] = []
    bands = params.get("seniority_bands")
    if bands:
        percent = ZERO
        for band in bands:
            low, high, value = D(band[0]), (D(band[1]) if band[1] is not None else None), D(band[2])
            if p.seniority_years >= low and (high is None or p.seniority_years < high):
                percent = value
        amount = p.salary * percent / HUNDRED * p.months
        prorated.append(
            PayComponent(
                _SENIORITY,
                amount,
                (_SENIORITY_STEP(amount, p.seniority_years.quantize(Decimal("0.1")), percent),),
                kind=ComponentKind.SENIORITY,
            )
        )
    for flag, name_ru, name_en, kind in (
        ("certification", "Надбавка за сертификацию", "Certification allowance", ComponentKind.CERTIFICATION),
        (
            "specialization",
            "Надбавка за специализацию",
            "Specialization allowance",
            ComponentKind.SPECIALIZATION,
        ),
    ):
        configured = params.get(f"{flag}_percent")
        held = p.flags.get(flag)
        if configured is None or not held:
            continue
        percent = (
            held
            if flag == "specialization" and held > 1
            else D(configured if not isinstance(configured, Mapping) else configured.get("min"))
        )
        amount = p.salary * percent / HUNDRED * p.months
        prorated.append(
            PayComponent(text(name_ru, name_en), amount, (_PERCENT_OF_SALARY(amount, percent),), kind=kind)
        )
    for piece in params.get("piece_rates", []) or []:
        count = p.facts.get(piece["indicator"], ZERO)
        rate = D(piece["rate"])
        amount = count * rate
        fixed.append(
            PayComponent(
                text("Сдельно: {code}", "Piece work: {code}", code=piece["indicator"]),
                amount,
                (_PIECES(amount, count, rate),),
                kind=ComponentKind.PIECE_WORK,
            )
        )
    return prorated, fixed


def _fines(p: PayInput, params: Mapping[str, Any], rounding: RoundingPolicy) -> tuple[PayComponent, ...]:
    """Documented fines: withheld from the salary, beside the bonus (neither prorated nor corrected)."""
    fines_code = params.get("fines_indicator")
    if not fines_code or not p.facts.get(fines_code):
        return ()
    amount = rounding.money(-p.facts[fines_code])
    return (PayComponent(_FINES_NAME, amount, (_FINES(amount),), True, ComponentKind.FINE),)


_FOUR_PLACES = Decimal("0.0001")
_TIME_SHARE = Wording("× доля отработанного времени {f}", "× share of time worked {f}", "f")
_CORRECTION = Wording("Корректировка работодателя × {k}", "Employer correction × {k}", "k")
_TOTAL_PAY = Wording(
    "Итого к выплате: сумма составляющих, каждая округлена до {places} знаков",
    "Total pay: the sum of the parts, each rounded to {places} places",
    "places",
)


def calculate_pay(
    scheme_kind: str,
    params: Mapping[str, Any],
    p: PayInput,
    card: CardResult,
    rounding: RoundingPolicy,
    *,
    group: GroupFacts | None = None,
    adjustments: Sequence[Adjustment] = (),
    rules: PayRules = DEFAULT_RULES,
    memo: Memo | None = None,
) -> PayResult:
    """Money for one employee: scheme components, × proration, + extras, corrections, rounded once."""
    group = group or GroupFacts()
    if memo is None:
        memo = Memo()
    problems: list[Problem] = []
    steps: list[Step] = []
    # The share of time worked first: a calendar that does not cover the period is a problem, not a
    # silent Monday to Friday; a salary changed inside the period counts each salary for its days.
    factor, proration_steps, time_problem = time_share(p, params, rounding, memo)
    if time_problem is not None:
        return PayResult((), ZERO, ZERO, (), (time_problem,))
    if p.timesheet_hours is not None and not (
        params.get("day_basis") == DayBasis.HOURS
        and params.get("proration", ProrationPolicy.PROPORTIONAL) == ProrationPolicy.PROPORTIONAL
    ):
        # Hours from the timesheet count only where the scheme prorates proportionally on hours: said, not silently dropped.
        problems.append(
            Problem(
                "timesheet_not_used",
                "timesheet_hours",
                text(
                    "Часы по табелю ({h}) не учитываются: схема «{s}» считает долю времени не пропорционально часам",
                    "The timesheet hours ({h}) are not used: scheme “{s}” does not prorate in proportion to hours",
                    h=p.timesheet_hours,
                    s=scheme_kind,
                ),
                Severity.WARNING,
            )
        )
    if p.salaries:
        salary, salary_step = weighted_salary(p, params)
        if salary_step is not None:
            p = replace(p, salary=salary)
            steps.append(salary_step)
    try:
        kind = _SCHEME_KINDS.get(scheme_kind) or SchemeKind(scheme_kind)
        if kind is SchemeKind.KTU_POOL:
            _check_ktu(p, params, rules)
        components = SCHEMES[kind](p, card, params, group, memo)
    except ValueError:
        return PayResult(
            (),
            ZERO,
            ZERO,
            (),
            (
                Problem(
                    "unknown_scheme",
                    "kind",
                    text("Неизвестная схема «{k}»", "Unknown scheme “{k}”", k=scheme_kind),
                ),
            ),
        )
    except SchemeError as error:
        return PayResult((), ZERO, ZERO, (), (error.problem,))
    prorated_extras, fixed_extras = _extras(p, params)
    steps.extend(proration_steps)
    result: list[PayComponent] = []
    # A KTU fund share was split by KTU × time worked already: prorating it again would pay twice less.
    already_prorated = (
        {id(c) for c in components} if kind is SchemeKind.KTU_POOL and group.fund_share is not None else set()
    )
    for component in [*components, *prorated_extras]:
        if id(component) in already_prorated or factor == ONE:
            # Already prorated, or a full period: the same amount (× 1 only changes the digits that
            # the rounding below removes anyway).
            result.append(component)
            continue
        amount = component.amount * factor
        result.append(
            PayComponent(
                component.name,
                amount,
                (*component.steps, _TIME_SHARE(amount, factor.quantize(_FOUR_PLACES))),
                kind=component.kind,
            )
        )
    result.extend(fixed_extras)
    if group.correction is not None and group.correction != ONE:
        for index, component in enumerate(result):
            if id(component) in already_prorated:
                continue  # a KTU fund share: the correction was applied to the fund before the split
            amount = component.amount * group.correction
            result[index] = PayComponent(
                component.name,
                amount,
                (*component.steps, _CORRECTION(amount, group.correction)),
                kind=component.kind,
            )
    rounded = [PayComponent(c.name, rounding.money(c.amount), c.steps, kind=c.kind) for c in result]
    # The bonus is the scheme's own components (the first ones of `result`): allowances and piece work
    # are pay for the work itself, so neither the zero floor nor a reduction or its percent counts them.
    bonus = rounded[: len(components)]
    gross = sum((c.amount for c in bonus), ZERO)
    if gross < 0:
        # A scheme's own formulas (a negative coefficient) never make a negative bonus either: it stops at zero, and says so.
        floor = PayComponent(
            _NOT_BELOW_ZERO_NAME, -gross, (_NOT_BELOW_ZERO(-gross, gross),), kind=ComponentKind.FLOOR
        )
        rounded.append(floor)
        bonus.append(floor)
        problems.append(
            Problem(
                "scheme_below_zero",
                "params",
                text(
                    "Схема дала отрицательную премию ({g}) — премия не бывает ниже нуля",
                    "The scheme gave a negative bonus ({g}) — a bonus never goes below zero",
                    g=gross,
                ),
                Severity.WARNING,
            )
        )
    withheld = _fines(p, params, rounding) if "fines_indicator" in params else ()
    if adjustments:
        rounded += _adjust(p, params, factor, bonus, adjustments, rules, rounding, problems)
    total = sum((c.amount for c in rounded), ZERO)
    steps.append(_TOTAL_PAY(total, rounding.money_places))
    fixed = remuneration = None
    if kind is SchemeKind.FIXED_VARIABLE:
        fixed, remuneration = _remuneration(p, params, factor, total, withheld, rounding, steps, memo)
    # Positional (the field order of PayResult): one for every employee of a run.
    return PayResult(
        tuple(rounded), total, factor, tuple(steps), tuple(problems), withheld, fixed, remuneration
    )


_FIXED_PART = Wording(
    "Постоянная часть = оклад {salary} × {months} мес. × доля отработанного времени {f}",
    "Fixed part = salary {salary} × {months} months × share of time worked {f}",
    "salary",
    "months",
    "f",
)
_REMUNERATION = Wording(
    "Вознаграждение = постоянная часть {fixed} + переменная часть {variable}{withheld}",
    "Remuneration = fixed part {fixed} + variable pay {variable}{withheld_en}",
    "fixed",
    "variable",
    "withheld",
    "withheld_en",
)


def _remuneration(
    p: PayInput,
    params: Mapping[str, Any],
    factor: Decimal,
    variable: Decimal,
    withheld: Sequence[PayComponent],
    rounding: RoundingPolicy,
    steps: list[Step],
    memo: Memo,
) -> tuple[Decimal, Decimal]:
    """For a scheme with a fixed part: the fixed pay of the period (the salary for the time worked, whatever
    the bonus's own proration rule) and what the employee receives, fixed + variable − what is withheld."""
    share = factor
    if str(params.get("proration", ProrationPolicy.PROPORTIONAL)) != ProrationPolicy.PROPORTIONAL:
        share, _steps, problem = time_share(
            p, {**params, "proration": ProrationPolicy.PROPORTIONAL}, rounding, memo
        )
        if problem is not None:  # no calendar for working days or hours: the salary's share by calendar days
            share, _steps, problem = time_share(
                p,
                {**params, "proration": ProrationPolicy.PROPORTIONAL, "day_basis": DayBasis.CALENDAR},
                rounding,
                memo,
            )
    fixed = rounding.money(p.salary * p.months * share)
    steps.append(_FIXED_PART(fixed, p.salary, p.months, share.quantize(_FOUR_PLACES)))
    kept = sum((c.amount for c in withheld), ZERO)
    remuneration = fixed + variable + kept
    steps.append(
        _REMUNERATION(
            remuneration,
            fixed,
            variable,
            f" − удержано {-kept}" if kept else "",
            f" − withheld {-kept}" if kept else "",
        )
    )
    return fixed, remuneration


def ktu_problem(ktu: Decimal, rules: PayRules, who: str = "") -> Problem | None:
    """A KTU outside the organization's range or off its step: a problem naming the employee and the value."""
    if rules.ktu_min <= ktu <= rules.ktu_max and (ktu - rules.ktu_min) % rules.ktu_step == 0:
        return None
    return Problem(
        "ktu_range",
        "ktu_indicator",
        text(
            "{who}КТУ {ktu} вне допустимого: от {low} до {high} с шагом {step}",
            "{who_en}KTU {ktu} is not allowed: {low} to {high} in steps of {step}",
            who=f"{who}: " if who else "",
            who_en=f"{who}: " if who else "",
            ktu=ktu,
            low=rules.ktu_min,
            high=rules.ktu_max,
            step=rules.ktu_step,
        ),
    )


def _check_ktu(p: PayInput, params: Mapping[str, Any], rules: PayRules) -> None:
    code = params.get("ktu_indicator", "KTU")
    ktu = p.facts.get(code)
    if ktu is None:
        raise _fail(
            "ktu_missing",
            "ktu_indicator",
            "Нет КТУ сотрудника (показатель {code})",
            "The employee's KTU is missing (indicator {code})",
            code=code,
        )
    found = ktu_problem(ktu, rules)
    if found is not None:
        raise SchemeError(found)


_BASE_NAMES = {
    DisciplinaryBase.SALARY_AND_BONUS: (
        "оплаты за месяц (оклад и премии)",
        "the month's pay (salary and bonuses)",
    ),
    DisciplinaryBase.SALARY: ("оклада за месяц", "the month's salary"),
}
_MANUAL = Wording("Ручная корректировка с обоснованием", "Manual adjustment with a reason")
_SANCTION = Wording(
    "Взыскание от {date}{order}: снижение {asked}",
    "Sanction of {date}{order_en}: reduction {asked}",
    "date",
    "order",
    "order_en",
    "asked",
)
_SANCTION_PERCENT = Wording(
    "Снижение = {percent} % премии {bonus}",
    "Reduction = {percent} % of the bonus {bonus}",
    "percent",
    "bonus",
)
_SANCTION_CAP = Wording(
    "Предел снижений за {month} (ст. 135 ч. 3 ТК РФ): {cap} % от {base_ru} {base} = {limit}; уже снижено {used}; не применено {cut}",
    "Limit of reductions for {month} (Labour Code art. 135 part 3): {cap} % of {base_en} {base} = {limit}; already reduced {used}; "
    "not applied {cut}",
    "month",
    "cap",
    "base_ru",
    "base_en",
    "base",
    "limit",
    "used",
    "cut",
)
_NO_CAP = Wording(
    "Предел снижений за взыскания отключён в настройках организации",
    "The cap on disciplinary reductions is switched off for the organization",
)
_FLOOR = Wording(
    "Снижения больше премии: не применено {cut}, премия не бывает ниже нуля",
    "The reductions exceed the bonus: {cut} not applied, a bonus never goes below zero",
    "cut",
)
_SANCTION_NAME = "Снижение за взыскание: {r}", "Disciplinary reduction: {r}"
_NOT_BELOW_ZERO_NAME = text("Премия не ниже нуля", "A bonus is never below zero")
_NOT_BELOW_ZERO = Wording(
    "Составляющие дали {gross}: премия доводится до нуля",
    "The components gave {gross}: the bonus is brought to zero",
    "gross",
)


def _month_share(p: PayInput, params: Mapping[str, Any], day: dt.date) -> Decimal:
    """The share of time worked in the month holding `day`, by the scheme's rule: the salary of that
    month is what a sanction of that month is capped against (a month on leave earns no salary)."""
    first = max(day.replace(day=1), p.period_start)
    last = min(
        (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1), p.period_end
    )
    month = replace(p, period_start=first, period_end=last, months=1, timesheet_hours=None)
    share, _steps, missing = time_share(month, params)
    return ZERO if missing is not None else share


def _adjust(
    p: PayInput,
    params: Mapping[str, Any],
    factor: Decimal,
    bonus: Sequence[PayComponent],
    adjustments: Sequence[Adjustment],
    rules: PayRules,
    rounding: RoundingPolicy,
    problems: list[Problem],
) -> list[PayComponent]:
    """The adjustments as components: manual ones as entered; disciplinary ones only in the period that
    holds their date, as an amount or a percent of the bonus, together at most the cap of each month's
    pay; and no reduction takes the bonus below zero (what cannot be applied is said in the trace)."""
    gross = sum((c.amount for c in bonus), ZERO)
    parts: list[tuple[Adjustment, Decimal, list[Step]]] = []
    used: dict[tuple[int, int], Decimal] = {}
    manual = [a for a in adjustments if a.kind != "disciplinary"]
    sanctions = sorted(
        (a for a in adjustments if a.kind == "disciplinary"),
        key=lambda a: (a.date or p.period_start, a.order),
    )
    for adjustment in manual:
        parts.append(
            (adjustment, rounding.money(adjustment.amount or ZERO), [_MANUAL(adjustment.amount or ZERO)])
        )
    for sanction in sanctions:
        when = sanction.date or p.period_start
        if not p.period_start <= when <= p.period_end:
            problems.append(
                Problem(
                    "sanction_outside_period",
                    "adjustments.date",
                    text(
                        "Взыскание от {d} не относится к периоду {a} – {b}: оно снижает премию только за период, в котором применено",
                        "The sanction of {d} is outside the period {a} – {b}: it reduces only the bonus of the period it was applied in",
                        d=when.strftime("%d.%m.%Y"),
                        a=p.period_start.strftime("%d.%m.%Y"),
                        b=p.period_end.strftime("%d.%m.%Y"),
                    ),
                )
            )
            continue
        steps: list[Step] = []
        if sanction.percent is not None:
            asked = rounding.money(gross * sanction.percent / HUNDRED)
            steps.append(_SANCTION_PERCENT(asked, sanction.percent, gross))
        else:
            asked = rounding.money(-(sanction.amount or ZERO))
        order = f", приказ № {sanction.order}" if sanction.order else ""
        order_en = f", order No. {sanction.order}" if sanction.order else ""
        steps.insert(0, _SANCTION(asked, when.strftime("%d.%m.%Y"), order, order_en, asked))
        amount = asked
        if rules.disciplinary_cap is None:
            steps.append(_NO_CAP(""))
        else:
            month = (when.year, when.month)
            base = p.salary * (factor if p.months == 1 else _month_share(p, params, when))
            if rules.disciplinary_base != DisciplinaryBase.SALARY:
                base += gross / p.months
            limit = rounding.money(base * rules.disciplinary_cap / HUNDRED)
            before = used.get(month, ZERO)
            amount = max(ZERO, min(asked, limit - before))
            names = _BASE_NAMES.get(
                DisciplinaryBase(rules.disciplinary_base), _BASE_NAMES[DisciplinaryBase.SALARY_AND_BONUS]
            )
            steps.append(
                _SANCTION_CAP(
                    amount,
                    f"{when.month:02d}.{when.year}",
                    rules.disciplinary_cap,
                    names[0],
                    names[1],
                    rounding.money(base),
                    limit,
                    before,
                    asked - amount,
                )
            )
            used[month] = before + amount
            if amount < asked:
                problems.append(
                    Problem(
                        "disciplinary_cap",
                        "adjustments",
                        text(
                            "Снижение за взыскание {asked} ограничено: {cap} % оплаты за месяц, применено {amount} (ст. 135 ТК РФ)",
                            "The disciplinary reduction {asked} is capped at {cap} % of the month's pay: {amount} applied (Labour Code art. 135)",
                            asked=asked,
                            cap=rules.disciplinary_cap,
                            amount=amount,
                        ),
                        Severity.WARNING,
                    )
                )
        parts.append((sanction, -amount, steps))
    # No reduction takes the bonus below zero: reductions are applied in order while something is left.
    available = gross + sum((amount for _a, amount, _s in parts if amount > 0), ZERO)
    components = []
    for adjustment, amount, steps in parts:
        if amount < 0:
            applied = -min(-amount, max(available, ZERO))
            if applied != amount:
                steps.append(_FLOOR(applied, applied - amount))
                problems.append(
                    Problem(
                        "reduction_above_bonus",
                        "adjustments",
                        text(
                            "Снижение «{r}» больше оставшейся премии: не применено {cut}",
                            "The reduction “{r}” exceeds the bonus left: {cut} not applied",
                            r=adjustment.reason,
                            cut=applied - amount,
                        ),
                        Severity.WARNING,
                    )
                )
            amount = applied
            available += amount
        disciplinary = adjustment.kind == "disciplinary"
        name = _SANCTION_NAME if disciplinary else ("Корректировка: {r}", "Adjustment: {r}")
        components.append(
            PayComponent(
                text(name[0], name[1], r=adjustment.reason),
                amount,
                tuple(steps),
                kind=ComponentKind.REDUCTION if disciplinary else ComponentKind.ADJUSTMENT,
            )
        )
    return components


# --------------------------------------------------------------------------------------------------
# Group helpers: rankings and fund splits


def rank_places(values: Mapping[str, Decimal], *, higher_is_better: bool = True) -> dict[str, int]:
    """Competition ranking (1, 2, 2, 4) by value; ties share a place."""
    ordered = sorted(values.items(), key=lambda item: item[1], reverse=higher_is_better)
    places: dict[str, int] = {}
    for index, (key, value) in enumerate(ordered):
        if index and ordered[index - 1][1] == value:
            places[key] = places[ordered[index - 1][0]]
        else:
            places[key] = index + 1
    return places


def split_fund(fund: Decimal, weights: Mapping[str, Decimal], places: int) -> dict[str, Decimal]:
    """A fund split in proportion to weights (KTU × time worked); the parts sum exactly to the fund."""
    keys = list(weights)
    return dict(zip(keys, allocate(fund, [weights[k] for k in keys], places), strict=True))


CATEGORIES = tuple(CATEGORY_NAMES)
BLOCKS = ("production", "administrative")
PERIOD_KINDS = ("month", "quarter", "half_year", "year")

# The parameters every scheme may carry, and those of each kind: anything else is refused with the
# nearest valid name (a misspelt `proraton` must never leave the pay silently unprorated).
COMMON_PARAMS = {
    "proration",
    "day_basis",
    "proration_span",
    "seniority_bands",
    "certification_percent",
    "specialization_percent",
    "piece_rates",
    "fines_indicator",
    "min_result",
    "no_threshold",
    "caps",
    "rank_indicator",
    "rank_direction",
    "total_scale",
    "total_formula",
}
SCHEME_PARAMS: dict[str, set[str]] = {
    SchemeKind.FIXED_VARIABLE: {"variable_share"},
    SchemeKind.TARGET_BONUS: {"basis", "percent", "percent_by_grade", "salaries", "amount"},
    SchemeKind.THREE_LEVEL: {
        "target_bonus_percent",
        "level_shares",
        "level_periods",
        "top_management_period",
    },
    SchemeKind.PLANNED_AMOUNT: {"monthly_total"},
    SchemeKind.KTU_POOL: {
        "ktu_indicator",
        "ktu_step",
        "share_value",
        "share_value_formula",
        "fund_formula",
        "ktu_time_weighted",
    },
    SchemeKind.COEFFICIENT_SUM: {"coefficients", "leadership"},
    SchemeKind.STEP_BONUS: {"bonus_base", "amount"},
    SchemeKind.ANNUAL_SALARY_PERCENT: {"percent_at_plan"},
}
REQUIRED_PARAMS: dict[str, tuple[str, ...]] = {
    SchemeKind.FIXED_VARIABLE: ("variable_share",),
    SchemeKind.THREE_LEVEL: ("target_bonus_percent", "level_shares"),
    SchemeKind.ANNUAL_SALARY_PERCENT: ("percent_at_plan",),
    SchemeKind.COEFFICIENT_SUM: ("coefficients",),
}
# Enumerated values of the parameters (proration and day basis come from their enums).
PARAM_CHOICES: dict[str, tuple[str, ...]] = {
    "basis": ("salary_percent", "salaries", "fixed"),
    "bonus_base": ("salary", "amount"),
    "rank_direction": ("higher", "lower"),
    "top_management_period": PERIOD_KINDS,
}
_NUMBER_PARAMS = (
    "percent",
    "salaries",
    "amount",
    "monthly_total",
    "ktu_step",
    "share_value",
    "min_result",
    "percent_at_plan",
)
_FLAG_PARAMS = ("no_threshold", "ktu_time_weighted")
_NAME_PARAMS = ("ktu_indicator", "fines_indicator", "rank_indicator")
_FORMULA_PARAMS = ("share_value_formula", "fund_formula")


class _ParamChecker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, code: str, place: str, ru: str, en: str, /, **params: Any) -> None:
        self.problems.append(Problem(code, f"params.{place}", text(ru, en, **params)))

    def number(self, value: Any, place: str) -> None:
        """A number that is not negative: every money, percent, share, rate and step of a scheme (a
        negative one would pay a negative bonus past the floor that reductions have)."""
        if isinstance(value, bool) or value is None:
            self.fail("not_a_number", place, "Нужно число", "A number is required")
            return
        try:
            number = D(value)
        except (TypeError, ValueError):
            self.fail("not_a_number", place, "«{value}» — не число", "“{value}” is not a number", value=value)
            return
        if number < 0:
            self.fail(
                "negative",
                place,
                "Значение не может быть отрицательным: {value}",
                "The value cannot be negative: {value}",
                value=value,
            )

    def choice(self, value: Any, allowed: Sequence[str], place: str) -> None:
        found = unknown_value(value, allowed, f"params.{place}")
        if found is not None:
            self.problems.append(found)

    def table(self, value: Any, keys: Sequence[str] | None, place: str, depth: int = 1) -> None:
        """{key: number} (depth 1) or {key: {grade: number}} (depth 2); keys from `keys` or "default"
        when given (categories, blocks), free otherwise (grades)."""
        if not isinstance(value, Mapping) or not value:
            self.fail("not_an_object", place, "Нужна таблица значений", "A table of values is required")
            return
        if keys is not None:
            self.problems += unknown_keys(value, (*keys, "default"), f"params.{place}")
        for key, item in value.items():
            if depth > 1:
                self.table(item, None, f"{place}.{key}", depth - 1)
            else:
                self.number(item, f"{place}.{key}")


def scheme_problems(kind: str, params: Any) -> list[Problem]:
    """Every check of scheme parameters that needs no employee: known keys and values, numbers, table
    shapes and formulas. Wherever a scheme is entered (a file, a page, the admin, the API) it passes here."""
    if kind not in SchemeKind.__members__.values():
        found = unknown_value(kind, sorted(SCHEME_PARAMS), "kind")
        return [found] if found else []
    if not isinstance(params, Mapping):
        return [
            Problem(
                "not_an_object",
                "params",
                text("Параметры схемы должны быть объектом", "Scheme parameters must be an object"),
            )
        ]
    check = _ParamChecker()
    check.problems += unknown_keys(params, COMMON_PARAMS | SCHEME_PARAMS[kind], "params")
    check.problems += [
        Problem(
            "required",
            f"params.{key}",
            text("Параметр «{key}» обязателен", "Parameter “{key}” is required", key=key),
        )
        for key in REQUIRED_PARAMS.get(kind, ())
        if key not in params
    ]
    choices = {
        **PARAM_CHOICES,
        "proration": tuple(ProrationPolicy),
        "day_basis": tuple(DayBasis),
        "proration_span": tuple(ProrationSpan),
    }
    for key, value in params.items():
        if key in choices:
            check.choice(value, choices[key], key)
        elif key in _NUMBER_PARAMS:
            check.number(value, key)
        elif key in _FLAG_PARAMS and not isinstance(value, bool):
            check.fail("not_a_flag", key, "Ожидается да/нет (true/false)", "Expected true or false")
        elif key in _NAME_PARAMS and (not isinstance(value, str) or not value.strip()):
            check.fail("required", key, "Нужен код показателя", "An indicator code is required")
        elif key in _FORMULA_PARAMS:
            check.problems += [
                Problem(p.code, f"params.{key}", p.message) for p in formula_language.check(str(value))
            ]
        elif key in ("total_scale", "total_formula") and kind in PAYS_BY:
            check.fail(
                "not_paid_by_total",
                key,
                "Схема «{k}» платит не от итога карты — шкала и формула итога к ней не применяются",
                "The “{k}” scheme does not pay by the card's total — a total scale or formula does not apply to it",
                k=kind,
            )
        elif key == "total_scale":
            check.problems += parse_total_scale(value, "params.total_scale")[1]
        elif key == "total_formula":
            check.problems += _check_total_formula(value)
        elif key in ("variable_share", "caps"):
            check.table(value, CATEGORIES, key)
            if key == "variable_share" and isinstance(value, Mapping):
                _check_variable_shares(check, value)
        elif key in ("percent_by_grade", "target_bonus_percent"):
            check.table(value, BLOCKS, key, depth=2)
        elif key == "level_shares":
            _check_level_shares(check, value)
        elif key == "level_periods":
            _check_level_periods(check, value)
        elif key == "coefficients":
            if not isinstance(value, Mapping) or not value:
                check.fail(
                    "not_an_object",
                    key,
                    "Нужны коэффициенты: имя → формула",
                    "Coefficients are needed: name → formula",
                )
            else:
                for name, source in value.items():
                    check.problems += [
                        Problem(p.code, f"params.coefficients.{name}", p.message)
                        for p in formula_language.check(str(source))
                    ]
        elif key == "leadership":
            if not isinstance(value, list) or not value:
                check.fail(
                    "not_a_list",
                    key,
                    "Нужен список коэффициентов по местам",
                    "A list of coefficients by place is needed",
                )
            else:
                for index, item in enumerate(value):
                    check.number(item, f"{key}[{index}]")
        elif key in ("certification_percent", "specialization_percent"):
            if isinstance(value, Mapping):
                check.problems += unknown_keys(value, ("min", "max"), f"params.{key}")
                for bound, item in value.items():
                    check.number(item, f"{key}.{bound}")
            else:
                check.number(value, key)
        elif key == "seniority_bands":
            _check_bands(check, value)
        elif key == "piece_rates":
            _check_piece_rates(check, value)
    return check.problems


TOTAL_FORMULA_NAMES = frozenset({"result", "payout"})


def _check_total_formula(value: Any) -> list[Problem]:
    """The formula on the card's total reads only `result` (the weighted total) and `payout` (after the total scale)."""
    if not isinstance(value, str) or not value.strip():
        return [Problem("required", "params.total_formula", text("Нужна формула", "A formula is required"))]
    try:
        parsed = formula_language.parse(value)
    except formula_language.FormulaError as error:
        return [Problem(error.problem.code, "params.total_formula", error.problem.message)]
    return [
        Problem(
            "unknown_name",
            "params.total_formula",
            text(
                "Формула итога знает только result и payout, а не «{n}»",
                "The total formula knows only result and payout, not “{n}”",
                n=name,
            ),
        )
        for name in sorted(parsed.names - TOTAL_FORMULA_NAMES)
    ]


def _check_variable_shares(check: _ParamChecker, value: Mapping[str, Any]) -> None:
    """A variable share of 100 % or more leaves no fixed part to derive the target income from: refused
    when the scheme is saved, not first met in a run."""
    for key, item in value.items():
        try:
            share = D(item)
        except (TypeError, ValueError):
            continue  # check.number has said so
        if share >= HUNDRED:
            check.fail("share_range", f"variable_share.{key}", *_SHARE_RANGE)


def _check_level_shares(check: _ParamChecker, value: Any) -> None:
    if not isinstance(value, Mapping) or not value:
        check.fail(
            "not_an_object",
            "level_shares",
            "Нужны доли уровней по грейдам",
            "Level shares by grade are needed",
        )
        return
    for grade, row in value.items():
        if not isinstance(row, list) or len(row) != 3:
            check.fail(
                "level_shares",
                f"level_shares.{grade}",
                "Для грейда {g} нужны три доли: компания, подразделение, личный",
                "Grade {g} needs three shares: company, unit, personal",
                g=grade,
            )
            continue
        for index, item in enumerate(row):
            check.number(item, f"level_shares.{grade}[{index}]")


def _check_level_periods(check: _ParamChecker, value: Any) -> None:
    if not isinstance(value, Mapping):
        check.fail(
            "not_an_object",
            "level_periods",
            "Нужна таблица: уровень → период",
            "A table is needed: level → period",
        )
        return
    check.problems += unknown_keys(value, LEVELS, "params.level_periods")
    for level, item in value.items():
        if isinstance(item, Mapping):
            check.problems += unknown_keys(item, (*BLOCKS, "default"), f"params.level_periods.{level}")
            for block, kind in item.items():
                check.choice(kind, PERIOD_KINDS, f"level_periods.{level}.{block}")
        else:
            check.choice(item, PERIOD_KINDS, f"level_periods.{level}")


def _check_bands(check: _ParamChecker, value: Any) -> None:
    if not isinstance(value, list) or not value:
        check.fail(
            "not_a_list", "seniority_bands", "Нужен список [от, до, %]", "A list of [from, to, %] is needed"
        )
        return
    for index, band in enumerate(value):
        if not isinstance(band, list) or len(band) != 3:
            check.fail(
                "band",
                f"seniority_bands[{index}]",
                "Ступень стажа — [от, до, %]; «до» может быть пустым",
                "A seniority band is [from, to, %]; “to” may be empty",
            )
            continue
        for position, item in enumerate(band):
            if not (position == 1 and item is None):
                check.number(item, f"seniority_bands[{index}][{position}]")


def _check_piece_rates(check: _ParamChecker, value: Any) -> None:
    if not isinstance(value, list) or not value:
        check.fail(
            "not_a_list",
            "piece_rates",
            "Нужен список расценок {indicator, rate}",
            "A list of rates {indicator, rate} is needed",
        )
        return
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            check.fail(
                "not_an_object",
                f"piece_rates[{index}]",
                "Расценка — {indicator, rate}",
                "A rate is {indicator, rate}",
            )
            continue
        check.problems += unknown_keys(item, ("indicator", "rate"), f"params.piece_rates[{index}]")
        if not str(item.get("indicator") or "").strip():
            check.fail(
                "required",
                f"piece_rates[{index}].indicator",
                "Нужен код показателя",
                "An indicator code is required",
            )
        check.number(item.get("rate"), f"piece_rates[{index}].rate")


__all__ = [
    "SCHEMES",
    "SchemeKind",
    "calculate_pay",
    "card_policy",
    "rank_places",
    "scheme_problems",
    "split_fund",
]
