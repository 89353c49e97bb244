"""ORM → engine types for one calculation run, in a fixed number of queries (pinned by a test)."""

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
from motiva.engine.batch import EmployeeCalc
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


@dataclass
class RunInputs:
    employees: list[EmployeeCalc]
    unit_facts: dict[str, dict[str, Decimal]]
    corrections: dict[str, Decimal]
    cards: dict[str, int]  # employee key → card id
    problems: list[Problem] = field(default_factory=list)
    computed: dict[str, str] = field(default_factory=dict)  # indicator code → formula, evaluated in this run
    digest: str = ""  # sha256 of every row read, in a fixed order


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


def _employee_filter(period: Period, unit: Unit | None) -> Q:
    if unit is None:
        return Q(period=period)
    in_subtree = Assignment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=period.start), start_date__lte=period.end, unit__path__startswith=unit.path,
    ).values("employee_id")
    return Q(period=period, employee_id__in=in_subtree)


def fetch_run_inputs(period: Period, unit: Unit | None = None) -> RunInputs:
    hasher = hashlib.sha256()

    def seen(rows: list[Any]) -> list[Any]:
        hasher.update(repr(rows).encode())
        return rows

    card_filter = _employee_filter(period, unit)
    cards = seen(list(Card.objects.filter(card_filter).order_by("id").values(
        "id", "employee_id", "scheme_id", "employee__last_name", "employee__first_name", "employee__middle_name",
        "employee__hire_date", "employee__termination_date", "employee__seniority_start",
    )))  # query 1
    # Later queries filter by the same condition as a subquery: a list of 100 000 ids would not fit in
    # one statement's parameters.
    card_ids = Card.objects.filter(card_filter).values("id")
    employee_ids = Card.objects.filter(card_filter).values("employee_id")
    # Lines are the bulk of a run (8 a person). They are read last, as tuples, in card order, and turned
    # into engine lines card by card as they stream past (a merge with the cards, which are in the same
    # order), so they are never all held at once.
    line_rows = CardLine.objects.filter(card__period=period, card_id__in=card_ids).order_by("card_id", "order", "id").values_list(
        "id", "card_id", "component", "label", "level", "weight", "threshold", "target", "maximum", "planned_amount",
        "indicator__code", "indicator__name", "indicator__direction", "scale_id", "component_score__value",
    )  # query 2, run below
    scale_rows = seen(list(Scale.objects.filter(pk__in=CardLine.objects.filter(card__period=period, card_id__in=card_ids).values("scale_id"))
                           .order_by("id").values_list("id", "kind", "params")))  # query 10
    scales: dict[int, ScaleSpec | None] = {}
    for scale_id, scale_kind, scale_params in scale_rows:
        params, _problems = parse_scale_params(scale_kind, scale_params)
        scales[scale_id] = ScaleSpec(scale_kind, params) if params is not None else None
    schemes = {
        row["id"]: SchemeSpec(row["kind"], row["params"], row["name"])
        for row in seen(list(PayScheme.objects.filter(pk__in={c["scheme_id"] for c in cards if c["scheme_id"]}).order_by("id").values(
            "id", "kind", "params", "name")))
    }  # query 3
    assignments: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in seen(list(Assignment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=period.start), employee_id__in=employee_ids, start_date__lte=period.end,
    ).order_by("employee_id", "start_date").values(
        "employee_id", "start_date", "end_date", "fte", "salary", "unit_id", "unit__block", "position__category", "position__grade__code",
    ))):  # query 4
        assignments[row["employee_id"]].append(row)
    absences: dict[int, list[EngineAbsence]] = defaultdict(list)
    for row in seen(list(Absence.objects.filter(employee_id__in=employee_ids, start_date__lte=period.end, end_date__gte=period.start)
                         .order_by("id").values("employee_id", "kind", "start_date", "end_date"))):  # query 5
        absences[row["employee_id"]].append(EngineAbsence(row["kind"], row["start_date"], row["end_date"]))
    facts: dict[tuple[str, str], Decimal] = {}
    plans: dict[tuple[str, str], Decimal] = {}
    level_codes: dict[tuple[str, str], str] = {}
    for row in seen(list(IndicatorValue.objects.filter(period=period).order_by("id").values_list(
            "indicator__code", "scope_key", "kind", "value", "level_code"))):  # query 6
        row = dict(zip(("indicator__code", "scope_key", "kind", "value", "level_code"), row, strict=True))
        key = (row["indicator__code"], row["scope_key"])
        if row["kind"] == "plan":
            if row["value"] is not None:
                plans[key] = row["value"]
        else:
            if row["value"] is not None:
                facts[key] = row["value"]
            if row["level_code"]:
                level_codes[key] = row["level_code"]
    formulas = dict(seen(list(Indicator.objects.filter(organization_id=period.organization_id).exclude(formula="").order_by("code")
                              .values_list("code", "formula"))))  # query 7
    adjustments: dict[int, list[EngineAdjustment]] = defaultdict(list)
    for row in seen(list(Adjustment.objects.filter(period=period, employee_id__in=employee_ids, approved_by__isnull=False).order_by("id").values(
        "employee_id", "amount", "reason", "kind",
    ))):  # query 8
        adjustments[row["employee_id"]].append(EngineAdjustment(row["amount"], row["reason"], row["kind"] or AdjustmentKind.MANUAL))
    corrections = {
        str(row["unit_id"]): row["coefficient"]
        for row in seen(list(GroupCorrection.objects.filter(period=period, approved_by__isnull=False).order_by("id").values("unit_id", "coefficient")))
    }  # query 9

    problems = _compute_indicators(formulas, facts)
    by_scope: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for (code, scope), value in facts.items():
        by_scope[scope][code] = value
    company_facts = by_scope.get("company", {})
    unit_facts = {scope[5:]: {**company_facts, **values} for scope, values in by_scope.items() if scope.startswith("unit:")}

    months = _months(period)
    plan_cache: dict[tuple[Any, ...], PlanValues] = {}
    employees: list[EmployeeCalc] = []
    card_map: dict[str, int] = {}
    stream = line_rows.iterator(chunk_size=10000)
    pending = next(stream, None)
    for card in cards:
        card_lines = []
        while pending is not None and pending[1] == card["id"]:
            hasher.update(repr(pending).encode())
            card_lines.append(pending)
            pending = next(stream, None)
        employee_id = card["employee_id"]
        key = str(employee_id)
        history = assignments.get(employee_id, [])
        current = history[-1] if history else None
        unit_key = str(current["unit_id"]) if current else ""
        scheme = schemes.get(card["scheme_id"]) if card["scheme_id"] else None
        own = by_scope.get(f"employee:{employee_id}", {})
        employee_facts = {**company_facts, **unit_facts.get(unit_key, {}), **own}
        lines = []
        for (line_id, _card, component, label, level, weight, threshold, target, maximum, planned, code, indicator_name, direction,
             scale_id, component_score) in card_lines:
            code = code or ""
            scope = "company" if level == "company" else f"unit:{unit_key}" if level == "unit" else f"employee:{employee_id}"
            scale = scales.get(scale_id) if scale_id else None
            if code:
                fact = facts.get((code, scope))
                level_code = level_codes.get((code, scope), "")
            else:
                fact, level_code = component_score, ""
            plan_key = (threshold, target if target is not None else plans.get((code, scope)), maximum)
            plan = plan_cache.get(plan_key)
            if plan is None:
                plan = plan_cache[plan_key] = PlanValues(*plan_key)
            lines.append(LineInput(
                key=str(line_id), title=label or indicator_name or component, weight=weight,
                component=component, level=level, direction=direction or "higher", scale=scale,
                plan=plan, fact=fact, level_code=level_code, planned_amount=planned, indicator_code=code,
            ))
        hire, leave = card["employee__hire_date"], card["employee__termination_date"]
        spans = tuple(
            EmploymentSpan(max(a["start_date"], hire), min(d for d in (a["end_date"], leave) if d) if (a["end_date"] or leave) else None, a["fte"])
            for a in history
        )
        seniority_from = card["employee__seniority_start"] or hire
        category = current["position__category"] if current else ""
        block = current["unit__block"] if current else ""
        pay = PayInput(
            salary=current["salary"] if current else Decimal(0), period_start=period.start, period_end=period.end, months=months,
            category=category, grade=(current["position__grade__code"] or "") if current else "", block=block,
            seniority_years=_years(seniority_from, period.end), employment=spans, absences=tuple(absences.get(employee_id, ())),
            facts=employee_facts, flags={k: from_config(v) for k, v in employee_facts.items() if k in ("certification", "specialization")},
            due_levels=_due_levels(scheme.params if scheme else {}, scheme.kind if scheme else "", category, block, period.kind),
        )
        name = " ".join(p for p in (card["employee__last_name"], card["employee__first_name"], card["employee__middle_name"]) if p)
        employees.append(EmployeeCalc(key, name, tuple(lines), pay, scheme, unit_key, tuple(adjustments.get(employee_id, ()))))
        card_map[key] = card["id"]
    return RunInputs(employees, unit_facts, corrections, card_map, problems, formulas, hasher.hexdigest())


def _years(start: dt.date, end: dt.date) -> Decimal:
    return (Decimal((end - start).days) / Decimal("365.25")).quantize(Decimal("0.01"))


def _compute_indicators(formulas: dict[str, str], facts: dict[tuple[str, str], Decimal]) -> list[Problem]:
    """Computed indicators from their formulas, before the cards that use them, in dependency order."""
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
        return problems
    done: set[str] = set()
    by_scope: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for (name, scope), value in facts.items():
        by_scope[scope][name] = value
    company = by_scope.get("company", {})

    def compute(code: str) -> None:
        if code in done:
            return
        for name in parsed[code].names:
            if name in parsed:
                compute(name)
        needed = parsed[code].names
        for scope, scope_facts in by_scope.items():
            if code in scope_facts or not needed & scope_facts.keys():
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
