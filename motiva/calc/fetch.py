"""ORM → engine types for one calculation run.

A run reads in two parts, each in a fixed number of queries (pinned by a test):

* the *plan*, read once by the process that starts the run: the card ids in order, scales, schemes,
  company and unit values, formulas and corrections — everything shared by all employees;
* *slices* of cards (an id range), each read with everything that belongs to those employees: the
  cards, assignments, absences, personal values, adjustments and card lines. A large run reads its
  slices inside the worker processes, so no process ever holds every employee's inputs.

The input hash sums a hash of every row read, so it is the same however the cards are sliced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q

from motiva.calc.models import Adjustment, AdjustmentKind, GroupCorrection
from motiva.engine import formula as formula_language
from motiva.engine.batch import EmployeeCalc, needs_group
from motiva.engine.money import from_config
from motiva.engine.problems import Problem
from motiva.engine.scales import PlanValues, parse_scale_params
from motiva.engine.text import text
from motiva.engine.types import Absence as EngineAbsence
from motiva.engine.types import Adjustment as EngineAdjustment
from motiva.engine.types import EmploymentSpan, LineInput, PayInput, ScaleSpec, SchemeSpec
from motiva.kpi.models import Card, CardLine, Indicator, PayScheme, Scale
from motiva.org.models import Absence, Assignment, Unit
from motiva.periods.models import IndicatorValue, Period

LEVELS = frozenset({"company", "unit", "personal"})
_HASH_MODULUS = 2**256


class RowHash:
    """An order-independent hash of rows: the sum of each row's own hash. Slices read in any order
    and any number add up to the same value."""

    def __init__(self) -> None:
        self.total = 0

    def add(self, table: str, row: Any) -> None:
        digest = hashlib.blake2b(f"{table}\x1f{row!r}".encode(), digest_size=32).digest()
        self.total = (self.total + int.from_bytes(digest, "big")) % _HASH_MODULUS

    def rows(self, table: str, rows: list[Any]) -> list[Any]:
        for row in rows:
            self.add(table, row)
        return rows

    def hexdigest(self) -> str:
        return format(self.total, "064x")


@dataclass
class RunPlan:
    """What every slice of a run shares; read once."""

    period: Period
    unit: Unit | None
    card_ids: list[int]
    schemes: dict[int, SchemeSpec]
    scales: dict[int, ScaleSpec | None]
    company_facts: dict[str, Decimal]
    unit_facts: dict[str, dict[str, Decimal]]  # unit id → company and unit facts together
    shared_facts: dict[tuple[str, str], Decimal]  # company and unit values, computed ones included
    shared_plans: dict[tuple[str, str], Decimal]
    shared_levels: dict[tuple[str, str], str]
    formulas: dict[str, str]  # computed indicators: code → formula
    corrections: dict[str, Decimal]
    problems: list[Problem]
    hash_total: int

    @property
    def group_scheme_ids(self) -> set[int]:
        """Schemes whose members' pay depends on each other (rankings, fund splits, formulas over a unit)."""
        return {pk for pk, scheme in self.schemes.items() if needs_group(scheme)}


@dataclass
class SliceInputs:
    employees: list[EmployeeCalc]
    cards: dict[str, int]  # employee key → card id
    problems: list[Problem]
    hash_total: int


@dataclass
class RunInputs:
    """A whole run read in one slice (tests and small tools)."""

    employees: list[EmployeeCalc]
    unit_facts: dict[str, dict[str, Decimal]]
    corrections: dict[str, Decimal]
    cards: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    computed: dict[str, str] = field(default_factory=dict)
    digest: str = ""


def _months(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def _due_levels(params: dict[str, Any], kind: str, category: str, block: str, period_kind: str) -> frozenset[str]:
    """Which levels of a three-level card are paid in a run of this period [S2]."""
    if kind != "three_level":
        return LEVELS
    top = params.get("top_management_period")
    if top and category == "director":
        return LEVELS if top == period_kind else frozenset()
    periods = params.get("level_periods") or {}
    due = set()
    for level in LEVELS:
        configured = periods.get(level, period_kind)
        if isinstance(configured, dict):
            configured = configured.get(block, configured.get("default", period_kind))
        if configured == period_kind:
            due.add(level)
    return frozenset(due)


def _card_filter(period: Period, unit: Unit | None) -> Q:
    if unit is None:
        return Q(period=period)
    in_subtree = Assignment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=period.start), start_date__lte=period.end, unit__path__startswith=unit.path,
    ).values("employee_id")
    return Q(period=period, employee_id__in=in_subtree)


def fetch_plan(period: Period, unit: Unit | None = None, *, card_ids: bool = True) -> RunPlan:
    """The shared part of a run, in 6 queries (5 without the card ids, which only slicing needs)."""
    hashed = RowHash()
    card_filter = _card_filter(period, unit)
    ids = list(Card.objects.filter(card_filter).order_by("id").values_list("id", flat=True)) if card_ids else []  # query 1
    # Later queries filter by the same condition as a subquery: a list of 100 000 ids would not fit in
    # one statement's parameters.
    in_run = Card.objects.filter(card_filter)
    # A run reads the scales and schemes its cards use; a projection of a few cards (no card ids) reads
    # the organization's, which are few, instead of scanning every line of the period.
    used_scales = (Scale.objects.filter(pk__in=CardLine.objects.filter(card__period=period, card_id__in=in_run.values("id")).values("scale_id"))
                   if card_ids else Scale.objects.filter(organization_id=period.organization_id))
    used_schemes = (PayScheme.objects.filter(pk__in=in_run.values("scheme_id")) if card_ids
                    else PayScheme.objects.filter(organization_id=period.organization_id))
    scales: dict[int, ScaleSpec | None] = {}
    for scale_id, scale_kind, scale_params in hashed.rows("scale", list(used_scales.order_by("id").values_list("id", "kind", "params"))):  # query 2
        params, _problems = parse_scale_params(scale_kind, scale_params)
        scales[scale_id] = ScaleSpec(scale_kind, params) if params is not None else None
    schemes = {
        pk: SchemeSpec(kind, params, name)
        for pk, kind, params, name in hashed.rows("scheme", list(
            used_schemes.order_by("id").values_list("id", "kind", "params", "name")))
    }  # query 3
    facts: dict[tuple[str, str], Decimal] = {}
    plans: dict[tuple[str, str], Decimal] = {}
    levels: dict[tuple[str, str], str] = {}
    _read_values(hashed, IndicatorValue.objects.filter(period=period).exclude(scope="employee"), facts, plans, levels)  # query 4
    formulas = dict(hashed.rows("formula", list(Indicator.objects.filter(organization_id=period.organization_id).exclude(formula="")
                                                .order_by("code").values_list("code", "formula"))))  # query 5
    corrections = {
        str(unit_id): coefficient
        for unit_id, coefficient in hashed.rows("correction", list(
            GroupCorrection.objects.filter(period=period, approved_by__isnull=False).order_by("id").values_list("unit_id", "coefficient")))
    }  # query 6
    problems = _compute_indicators(formulas, facts)
    by_scope = _by_scope(facts)
    company_facts = by_scope.get("company", {})
    unit_facts = {scope[5:]: {**company_facts, **values} for scope, values in by_scope.items() if scope.startswith("unit:")}
    return RunPlan(period, unit, ids, schemes, scales, company_facts, unit_facts, facts, plans, levels, formulas, corrections, problems,
                   hashed.total)


def _read_values(hashed: RowHash, values: Any, facts: dict[tuple[str, str], Decimal], plans: dict[tuple[str, str], Decimal],
                 levels: dict[tuple[str, str], str]) -> None:
    for row in values.order_by("id").values_list("indicator__code", "scope_key", "kind", "value", "level_code"):
        hashed.add("value", row)
        code, scope, kind, value, level_code = row
        if kind == "plan":
            if value is not None:
                plans[(code, scope)] = value
        else:
            if value is not None:
                facts[(code, scope)] = value
            if level_code:
                levels[(code, scope)] = level_code


def _by_scope(facts: dict[tuple[str, str], Decimal]) -> dict[str, dict[str, Decimal]]:
    by_scope: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for (code, scope), value in facts.items():
        by_scope[scope][code] = value
    return by_scope


def fetch_slice(plan: RunPlan, first_id: int | None = None, last_id: int | None = None, *, scheme_ids: set[int] | None = None,
                card_ids: list[int] | None = None) -> SliceInputs:
    """The cards with ids from first_id to last_id (all when not given; or only `card_ids`, for a page
    that projects a few cards) and everything that belongs to their employees, as engine inputs, in 6 queries."""
    period = plan.period
    hashed = RowHash()
    card_filter = _card_filter(period, plan.unit)
    if first_id is not None:
        card_filter &= Q(id__gte=first_id)
    if last_id is not None:
        card_filter &= Q(id__lte=last_id)
    if scheme_ids is not None:
        card_filter &= Q(scheme_id__in=scheme_ids)
    if card_ids is not None:
        card_filter &= Q(id__in=card_ids)
    in_slice = Card.objects.filter(card_filter)
    employee_ids = in_slice.values("employee_id")
    cards = hashed.rows("card", list(in_slice.order_by("id").values_list(
        "id", "employee_id", "scheme_id", "employee__last_name", "employee__first_name", "employee__middle_name",
        "employee__hire_date", "employee__termination_date", "employee__seniority_start",
    )))  # query 1
    assignments: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in hashed.rows("assignment", list(Assignment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=period.start), employee_id__in=employee_ids, start_date__lte=period.end,
    ).order_by("employee_id", "start_date").values_list(
        "employee_id", "start_date", "end_date", "fte", "salary", "unit_id", "unit__block", "position__category", "position__grade__code",
    ))):  # query 2
        assignments[row[0]].append(row)
    absences: dict[int, list[EngineAbsence]] = defaultdict(list)
    for employee_id, kind, start, end in hashed.rows("absence", list(
            Absence.objects.filter(employee_id__in=employee_ids, start_date__lte=period.end, end_date__gte=period.start)
            .order_by("id").values_list("employee_id", "kind", "start_date", "end_date"))):  # query 3
        absences[employee_id].append(EngineAbsence(kind, start, end))
    facts = dict(plan.shared_facts)
    plans = dict(plan.shared_plans)
    level_codes = dict(plan.shared_levels)
    _read_values(hashed, IndicatorValue.objects.filter(period=period, scope="employee", employee_id__in=employee_ids),
                 facts, plans, level_codes)  # query 4
    problems = _compute_indicators(plan.formulas, facts, personal_only=True)
    adjustments: dict[int, list[EngineAdjustment]] = defaultdict(list)
    for employee_id, amount, reason, kind in hashed.rows("adjustment", list(
            Adjustment.objects.filter(period=period, employee_id__in=employee_ids, approved_by__isnull=False).order_by("id")
            .values_list("employee_id", "amount", "reason", "kind"))):  # query 5
        adjustments[employee_id].append(EngineAdjustment(amount, reason, kind or AdjustmentKind.MANUAL))
    # Lines are the bulk of a run (8 a person). They are read as tuples in card order and merged with the
    # cards, which are in the same order. A slice is bounded, so they are read in one go: a server-side
    # cursor would make PostgreSQL plan for the first rows, which is slower for all of them.
    line_rows = CardLine.objects.filter(card__period=period, card_id__in=in_slice.values("id")).order_by("card_id", "order", "id").values_list(
        "id", "card_id", "component", "label", "level", "weight", "threshold", "target", "maximum", "planned_amount",
        "indicator__code", "indicator__name", "indicator__direction", "scale_id", "component_score__value",
    )  # query 6
    by_scope = _by_scope({key: value for key, value in facts.items() if key[1].startswith("employee:")})
    company_facts = plan.company_facts
    scales = plan.scales
    months = _months(period)
    plan_cache: dict[tuple[Any, ...], PlanValues] = {}
    employees: list[EmployeeCalc] = []
    card_map: dict[str, int] = {}
    stream = iter(list(line_rows))
    pending = next(stream, None)
    for (card_id, employee_id, scheme_id, last_name, first_name, middle_name, hire, leave, seniority_start) in cards:
        card_lines = []
        while pending is not None and pending[1] == card_id:
            hashed.add("line", pending)
            card_lines.append(pending)
            pending = next(stream, None)
        key = str(employee_id)
        history = assignments.get(employee_id, [])
        current = history[-1] if history else None
        unit_key = str(current[5]) if current else ""
        scheme = plan.schemes.get(scheme_id) if scheme_id else None
        employee_facts = {**company_facts, **plan.unit_facts.get(unit_key, {}), **by_scope.get(f"employee:{employee_id}", {})}
        lines = []
        for (line_id, _card, component, label, level, weight, threshold, target, maximum, planned, code, indicator_name, direction,
             scale_id, component_score) in card_lines:
            code = code or ""
            scope = "company" if level == "company" else f"unit:{unit_key}" if level == "unit" else f"employee:{employee_id}"
            if code:
                fact = facts.get((code, scope))
                level_code = level_codes.get((code, scope), "")
            else:
                fact, level_code = component_score, ""
            plan_key = (threshold, target if target is not None else plans.get((code, scope)), maximum)
            plan_values = plan_cache.get(plan_key)
            if plan_values is None:
                plan_values = plan_cache[plan_key] = PlanValues(*plan_key)
            lines.append(LineInput(
                key=str(line_id), title=label or indicator_name or component, weight=weight,
                component=component, level=level, direction=direction or "higher", scale=scales.get(scale_id) if scale_id else None,
                plan=plan_values, fact=fact, level_code=level_code, planned_amount=planned, indicator_code=code,
            ))
        spans = tuple(
            EmploymentSpan(max(start, hire), min(d for d in (end, leave) if d) if (end or leave) else None, fte)
            for _e, start, end, fte, *_rest in history
        )
        category = current[7] if current else ""
        block = current[6] if current else ""
        pay = PayInput(
            salary=current[4] if current else Decimal(0), period_start=period.start, period_end=period.end, months=months,
            category=category, grade=(current[8] or "") if current else "", block=block,
            seniority_years=_years(seniority_start or hire, period.end), employment=spans, absences=tuple(absences.get(employee_id, ())),
            facts=employee_facts, flags={k: from_config(v) for k, v in employee_facts.items() if k in ("certification", "specialization")},
            due_levels=_due_levels(scheme.params if scheme else {}, scheme.kind if scheme else "", category, block, period.kind),
        )
        name = " ".join(p for p in (last_name, first_name, middle_name) if p)
        employees.append(EmployeeCalc(key, name, tuple(lines), pay, scheme, unit_key, tuple(adjustments.get(employee_id, ()))))
        card_map[key] = card_id
    return SliceInputs(employees, card_map, problems, hashed.total)


def fetch_run_inputs(period: Period, unit: Unit | None = None) -> RunInputs:
    """A whole run in one slice: the plan's 6 queries and the slice's 6."""
    plan = fetch_plan(period, unit)
    part = fetch_slice(plan)
    return RunInputs(part.employees, plan.unit_facts, plan.corrections, part.cards, plan.problems + part.problems, plan.formulas,
                     format((plan.hash_total + part.hash_total) % _HASH_MODULUS, "064x"))


def combine_hashes(*totals: int) -> str:
    return format(sum(totals) % _HASH_MODULUS, "064x")


def _years(start: dt.date, end: dt.date) -> Decimal:
    return (Decimal((end - start).days) / Decimal("365.25")).quantize(Decimal("0.01"))


def _compute_indicators(formulas: dict[str, str], facts: dict[tuple[str, str], Decimal], *, personal_only: bool = False) -> list[Problem]:
    """Computed indicators from their formulas, before the cards that use them, in dependency order.
    The plan computes them for the company and units and reports formula problems; each slice then
    computes them for its own employees (personal_only), from the company's values and their own."""
    parsed = {}
    problems: list[Problem] = []
    for code, source in formulas.items():
        try:
            parsed[code] = formula_language.parse(source)
        except formula_language.FormulaError as error:
            problems.append(Problem(error.problem.code, f"indicator {code}.formula", error.problem.message))
    cycle = formula_language.find_cycle({code: f.names for code, f in parsed.items()})
    if cycle:
        problems.append(Problem("formula_cycle", "formula", text("Формулы ссылаются друг на друга по кругу: {c}", "Formulas form a cycle: {c}",
                                                               c=" → ".join(cycle))))
        return [] if personal_only else problems
    if personal_only:
        problems = []
    done: set[str] = set()
    by_scope = _by_scope(facts)
    company = by_scope.get("company", {})

    def compute(code: str) -> None:
        if code in done:
            return
        for name in parsed[code].names:
            if name in parsed:
                compute(name)
        needed = parsed[code].names
        for scope, scope_facts in by_scope.items():
            if code in scope_facts or not needed & scope_facts.keys() or (personal_only and not scope.startswith("employee:")):
                continue
            values = {**company, **scope_facts}
            if not needed <= values.keys():
                continue
            try:
                scope_facts[code] = facts[(code, scope)] = formula_language.evaluate(parsed[code], values)
            except formula_language.FormulaError as error:
                problems.append(Problem(error.problem.code, f"indicator {code} ({scope})", error.problem.message))
        done.add(code)

    for code in parsed:
        compute(code)
    return problems
