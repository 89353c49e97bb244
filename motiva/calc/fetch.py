"""ORM → engine types for one calculation run.

A run reads in two parts, each in a fixed number of queries (pinned by a test):

* the *plan*, read once by the process that starts the run: the card ids in order, scales, schemes,
  company and unit values, formulas, corrections and the production calendar — everything shared by all employees;
* *slices* of cards (an id range), each read with everything that belongs to those employees: the
  cards, assignments, absences, personal values, adjustments, timesheets and card lines. A large run reads its
  slices inside the worker processes, so no process ever holds every employee's inputs.

The input hash sums a hash of every row read, so it is the same however the cards are sliced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from motiva.calc.models import Adjustment, AdjustmentKind, GroupCorrection
from motiva.engine import formula as formula_language
from motiva.engine.batch import EmployeeCalc, needs_group
from motiva.engine.calendar import WorkCalendar
from motiva.engine.money import from_config
from motiva.engine.problems import Problem, Severity
from motiva.engine.scales import PlanValues, parse_scale_params, plan_text, relative_plan_text
from motiva.engine.text import text
from motiva.engine.types import Absence as EngineAbsence
from motiva.engine.types import Adjustment as EngineAdjustment
from motiva.engine.types import EmploymentSpan, Gate, LineInput, PayInput, ScaleSpec, SchemeSpec
from motiva.kpi.models import Card, CardLine, Indicator, PayScheme, Scale
from motiva.org.models import Absence, Assignment, Employee, Unit
from motiva.periods.models import IndicatorValue, Period
from motiva.worktime.models import CalendarStatus, Timesheet
from motiva.worktime.selectors import calendar_from_rows, calendar_rows, salary_spans

LEVELS = frozenset({"company", "unit", "personal"})
_HASH_MODULUS = 2**256


class RowHash:
    """An order-independent hash of rows: the sum of each row's own hash. Slices read in any order
    and any number add up to the same value."""

    def __init__(self) -> None:
        self.total = 0

    def add(self, table: str, row: Any) -> None:
        self.total = (self.total + row_hash(table, row)) % _HASH_MODULUS

    def rows(self, table: str, rows: list[Any]) -> list[Any]:
        for row in rows:
            self.add(table, row)
        return rows

    def hexdigest(self) -> str:
        return format(self.total, "064x")


def row_hash(table: str, row: Any) -> int:
    return int.from_bytes(hashlib.blake2b(f"{table}\x1f{row!r}".encode(), digest_size=32).digest(), "big")


@dataclass
class RunPlan:
    """What every slice of a run shares; read once."""

    period: Period
    unit: Unit | None
    employee_ids: list[int]  # the run's employees (one card each), in id order: slices are ranges of them
    schemes: dict[int, SchemeSpec]
    scales: dict[
        int, ScaleSpec | None
    ]  # the organization's; a scale counts in the input hash if a line of the run uses it
    scale_hashes: dict[int, int]
    indicators: dict[int, tuple[str, str, str, bool]]  # id → code, name, direction, monitoring only
    company_facts: dict[str, Decimal]
    unit_facts: dict[str, dict[str, Decimal]]  # unit id → company and unit facts together
    shared_facts: dict[tuple[str, str], Decimal]  # company and unit values, computed ones included
    shared_plans: dict[tuple[str, str], Decimal]
    shared_levels: dict[tuple[str, str], str]
    formulas: dict[str, str]  # computed indicators: code → formula
    corrections: dict[str, Decimal]
    problems: list[Problem]
    hash_total: int
    # Computed indicators parsed once, in the order they are evaluated (what they use comes first);
    # empty when the formulas form a cycle (the plan's problems name it).
    parsed: dict[str, formula_language.Formula] = field(default_factory=dict)
    formula_order: list[str] = field(default_factory=list)
    calendar: WorkCalendar | None = None  # the organization's production calendar for the period's years

    @property
    def group_scheme_ids(self) -> set[int]:
        """Schemes whose members' pay depends on each other (rankings, fund splits, formulas over a unit)."""
        return {pk for pk, scheme in self.schemes.items() if needs_group(scheme)}

    def scales_hash(self, used: set[int]) -> int:
        """The input hash of the scales the run's lines use (known once its slices are read)."""
        return sum(self.scale_hashes.get(pk, 0) for pk in used) % _HASH_MODULUS


@dataclass
class SliceInputs:
    employees: list[EmployeeCalc]
    cards: dict[str, int]  # employee key → card id
    problems: list[Problem]
    hash_total: int
    scale_ids: set[int] = field(default_factory=set)  # the scales the slice's lines use


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


def _due_levels(
    params: dict[str, Any], kind: str, category: str, block: str, period_kind: str
) -> frozenset[str]:
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
        Q(end_date__isnull=True) | Q(end_date__gte=period.start),
        start_date__lte=period.end,
        unit__path__startswith=unit.path,
    ).values("employee_id")
    return Q(period=period, employee_id__in=in_subtree)


def fetch_plan(period: Period, unit: Unit | None = None, *, whole_run: bool = True) -> RunPlan:
    """The shared part of a run, in 7 queries (6 without the run's employee ids, which only slicing needs)."""
    hashed = RowHash()
    card_filter = _card_filter(period, unit)
    ids = (
        list(Card.objects.filter(card_filter).order_by("employee_id").values_list("employee_id", flat=True))
        if whole_run
        else []
    )  # query 1
    # Later queries filter by the same condition as a subquery: a list of 100 000 ids would not fit in
    # one statement's parameters.
    in_run = Card.objects.filter(card_filter)
    # A run reads the schemes its cards use; a projection of a few cards (not whole_run) reads the
    # organization's. Scales are always the organization's (a few): finding the ones the run uses would
    # scan every line of the period, so the slices report them and only those count in the input hash.
    scale_rows = Scale.objects.filter(organization_id=period.organization_id)
    used_schemes = (
        PayScheme.objects.filter(pk__in=in_run.values("scheme_id"))
        if whole_run
        else PayScheme.objects.filter(organization_id=period.organization_id)
    )
    scales: dict[int, ScaleSpec | None] = {}
    scale_hashes: dict[int, int] = {}
    for row in scale_rows.order_by("id").values_list("id", "kind", "params"):  # query 2
        scale_id, scale_kind, scale_params = row
        params, _problems = parse_scale_params(scale_kind, scale_params)
        scales[scale_id] = ScaleSpec(scale_kind, params) if params is not None else None
        scale_hashes[scale_id] = row_hash("scale", row)
    schemes = {
        pk: SchemeSpec(kind, params, name)
        for pk, kind, params, name in hashed.rows(
            "scheme", list(used_schemes.order_by("id").values_list("id", "kind", "params", "name"))
        )
    }  # query 3
    facts: dict[tuple[str, str], Decimal] = {}
    plans: dict[tuple[str, str], Decimal] = {}
    levels: dict[tuple[str, str], str] = {}
    # The company's and units' values: employee_id is empty exactly for them (a constraint), and the
    # (period, employee) index finds them without scanning every personal value.
    _read_values(
        hashed, IndicatorValue.objects.filter(period=period, employee__isnull=True), facts, plans, levels
    )  # query 4
    indicators: dict[int, tuple[str, str, str, bool]] = {}
    formulas: dict[str, str] = {}
    for row in (
        Indicator.objects.filter(organization_id=period.organization_id)
        .order_by("code", "id")
        .values_list("id", "code", "name", "direction", "formula", "monitoring_only")
    ):  # query 5
        pk, code, name, direction, source, monitoring_only = row
        # A monitoring-only flag counts in the hash only when set, so the hash of every other indicator is as before.
        hashed.add("indicator", row if monitoring_only else row[:5])
        indicators[pk] = (code, name, direction, monitoring_only)
        if source:
            formulas[code] = source
    corrections = {
        str(unit_id): coefficient
        for unit_id, coefficient in hashed.rows(
            "correction",
            list(
                GroupCorrection.objects.filter(period=period, approved_by__isnull=False)
                .order_by("id")
                .values_list("unit_id", "coefficient")
            ),
        )
    }  # query 6
    # The production calendar of the period's years (query 7): its days count in the input hash.
    calendar_read = calendar_rows(period.organization_id, period.start, period.end)
    calendar = calendar_from_rows(
        calendar_read[0][0] if calendar_read else "",
        hashed.rows("calendar", [row[1:6] for row in calendar_read]),
    )
    parsed, order, problems = _parse_formulas(formulas)
    problems += _provisional_calendar(calendar_read)
    problems += _compute_shared(parsed, order, facts)
    by_scope = _by_scope(facts)
    company_facts = by_scope.get("company", {})
    unit_facts = {
        scope[5:]: {**company_facts, **values}
        for scope, values in by_scope.items()
        if scope.startswith("unit:")
    }
    return RunPlan(
        period,
        unit,
        ids,
        schemes,
        scales,
        scale_hashes,
        indicators,
        company_facts,
        unit_facts,
        facts,
        plans,
        levels,
        formulas,
        corrections,
        problems,
        hashed.total,
        parsed,
        order,
        calendar,
    )


def _provisional_calendar(rows: list[tuple[Any, ...]]) -> list[Problem]:
    """A warning for each year of the period's calendar that HR has not yet checked against its decree."""
    years = sorted({row[1] for row in rows if row[1] is not None and row[6] == CalendarStatus.PROVISIONAL})
    return [
        Problem(
            "provisional_calendar",
            "calendar",
            text(
                "Производственный календарь на {y} год предварительный: сверьте его с постановлением и подтвердите на странице календаря",
                "The production calendar for {y} is provisional: check it against the decree and confirm it on the calendar page",
                y=year,
            ),
            Severity.WARNING,
        )
        for year in years
    ]


def _read_values(
    hashed: RowHash,
    values: Any,
    facts: dict[tuple[str, str], Decimal],
    plans: dict[tuple[str, str], Decimal],
    levels: dict[tuple[str, str], str],
) -> None:
    for row in values.order_by("id").values_list(
        "indicator__code", "scope_key", "kind", "value", "level_code"
    ):
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


class _Employee:
    """One employee's rows of a slice, gathered by employee id before they become engine inputs."""

    __slots__ = ("absences", "adjustments", "assignments", "card", "extras", "lines", "timesheet", "values")

    def __init__(self, card: tuple[Any, ...]) -> None:
        self.card = card
        self.assignments: list[tuple[Any, ...]] = []
        self.absences: list[tuple[Any, ...]] = []
        self.values: list[tuple[Any, ...]] = []
        self.adjustments: list[tuple[Any, ...]] = []
        self.lines: list[tuple[Any, ...]] = []
        self.timesheet: Any = None  # the hours actually worked, when entered
        self.extras: dict[int, tuple[Any, ...]] | None = (
            None  # line id → its LINE_EXTRAS, for the few lines that have any
        )

    def digest(self) -> int:
        """The hash of everything read for this employee. A slice adds up its employees' hashes, so the
        run's hash is the same however its employees are sliced."""
        # JSON of the rows, exact numbers as their text (each column has one type, so this is unambiguous).
        # The columns read only to sort by (a value's id, a line's place on the card) are left out: the
        # order of the rows is hashed already.
        values = [row[:5] for row in self.values]
        # A line's percent points and gate (the columns after its order) count only when set: the hash of
        # a line without them is what it was before they existed.
        extras = self.extras
        lines = (
            [row[:13] for row in self.lines]
            if extras is None
            else [row[:13] + extras[row[1]] if row[1] in extras else row[:13] for row in self.lines]
        )
        # A timesheet counts only when entered: the hash of everyone without one is what it was before timesheets.
        parts = (self.card, self.assignments, self.absences, values, self.adjustments, lines)
        rows = orjson.dumps(parts if self.timesheet is None else (*parts, self.timesheet), default=str)
        return int.from_bytes(hashlib.blake2b(rows, digest_size=32).digest(), "big")


def fetch_slice(
    plan: RunPlan,
    first_id: int | None = None,
    last_id: int | None = None,
    *,
    scheme_ids: set[int] | None = None,
    card_ids: list[int] | None = None,
) -> SliceInputs:
    """The employees with ids from first_id to last_id (all when not given; or only the holders of
    `card_ids`, for a page that projects a few cards) with everything that belongs to them, as engine
    inputs, in 8 queries. Every query filters the employee id range itself, so the database reads each
    table's index for the range instead of scanning the period."""
    period = plan.period
    card_filter = _card_filter(period, plan.unit)
    by_employee = Q()
    if first_id is not None:
        by_employee &= Q(employee_id__gte=first_id)
    if last_id is not None:
        by_employee &= Q(employee_id__lte=last_id)
    card_filter &= by_employee
    if scheme_ids is not None:
        card_filter &= Q(scheme_id__in=scheme_ids)
    if card_ids is not None:
        card_filter &= Q(id__in=card_ids)
    in_slice = Card.objects.filter(card_filter)
    # Other tables: the same employee range, and (for a subset of cards) their holders.
    of_employees = (
        by_employee
        if scheme_ids is None and card_ids is None and plan.unit is None
        else by_employee & Q(employee_id__in=in_slice.values("employee_id"))
    )
    rows: dict[int, _Employee] = {}
    # The range is repeated on the employee table itself: the planner does not carry a range across a
    # join, and would otherwise scan every employee to join a slice's cards. (Django turns a filter on
    # employee__id into one on the card's own column, hence the explicit condition.)
    employee_table = connection.ops.quote_name(Employee._meta.db_table)
    bounds = [(">=", first_id), ("<=", last_id)]
    employee_range = {
        "where": [f"{employee_table}.id {op} %s" for op, value in bounds if value is not None],
        "params": [value for _op, value in bounds if value is not None],
    }
    for card in (
        in_slice.select_related("employee")
        .extra(**employee_range)
        .order_by("employee_id")
        .values_list(
            "employee_id",
            "id",
            "scheme_id",
            "employee__last_name",
            "employee__first_name",
            "employee__middle_name",
            "employee__hire_date",
            "employee__termination_date",
            "employee__seniority_start",
        )
    ):  # query 1
        rows[card[0]] = _Employee(card)
    for row in (
        Assignment.objects.filter(
            of_employees,
            Q(end_date__isnull=True) | Q(end_date__gte=period.start),
            start_date__lte=period.end,
        )
        .order_by("employee_id", "start_date", "id")
        .values_list(
            "employee_id",
            "start_date",
            "end_date",
            "fte",
            "salary",
            "unit_id",
            "unit__block",
            "position__category",
            "position__grade__code",
        )
    ):  # query 2
        if row[0] in rows:
            rows[row[0]].assignments.append(row)
    for row in (
        Absence.objects.filter(of_employees, start_date__lte=period.end, end_date__gte=period.start)
        .order_by("employee_id", "id")
        .values_list("employee_id", "kind", "start_date", "end_date")
    ):  # query 3
        if row[0] in rows:
            rows[row[0]].absences.append(row)
    # Personal values and card lines come unsorted (a sort cost the database more than the rest of
    # these queries); each employee's are put in order below (by the extra last column), so the rows,
    # in their order, and the hash are what a sorted read gave.
    # On PostgreSQL the numbers of personal values and card lines are read as their text and become
    # Decimals once for each distinct text in _engine_inputs (most repeat: weights, plans, facts);
    # SQLite's driver gives Decimals. The text is exactly the Decimal's (at most 6 decimal places).
    as_text = connection.vendor == "postgresql"

    def number(name: str) -> Any:
        return Cast(name, output_field=TextField()) if as_text else name

    for row in (
        IndicatorValue.objects.filter(of_employees, period=period, scope="employee")
        .order_by()
        .values_list("employee_id", "indicator_id", "kind", number("value"), "level_code", "id")
    ):  # query 4
        if row[0] in rows:
            rows[row[0]].values.append(row)
    for row in (
        Adjustment.objects.filter(of_employees, period=period, approved_by__isnull=False)
        .order_by("employee_id", "id")
        .values_list("employee_id", "amount", "reason", "kind", "applied_on", "order_number", "percent")
    ):  # query 5
        if row[0] in rows:
            rows[row[0]].adjustments.append(row)
    # Lines are the bulk of a run (8 a person). A slice is bounded, so they are read in one go: a
    # server-side cursor would make PostgreSQL plan for the first rows, which is slower for all of them.
    for employee_id, hours in Timesheet.objects.filter(of_employees, period=period).values_list(
        "employee_id", "hours"
    ):  # query 7
        if employee_id in rows:
            rows[employee_id].timesheet = hours
    card_rows = {employee.card[1]: employee for employee in rows.values()}
    if not card_rows:
        return _engine_inputs(plan, rows, as_text)
    # The lines are found through the card index: the range of the slice's card ids tells the planner
    # how few they are (cards are usually created in employee order, so the range is narrow).
    lines_of_slice = CardLine.objects.filter(
        card_id__gte=min(card_rows), card_id__lte=max(card_rows), card_id__in=in_slice.values("id")
    )
    for row in lines_of_slice.order_by().values_list(
        "card_id",
        "id",
        "component",
        "label",
        "level",
        number("weight"),
        number("threshold"),
        number("target"),
        number("maximum"),
        number("planned_amount"),
        "indicator_id",
        "scale_id",
        number("component_score__value"),
        "order",
    ):  # query 6
        card_rows[row[0]].lines.append(row)
    # A line's points as percents of the plan and its gate are read apart, for the few lines that have
    # any (query 8): seven more columns on every line cost every line of a run its decoding and
    # unpacking (about 20 000 instructions an employee), an extra pass over the slice's lines in the
    # database costs less.
    for row in (
        lines_of_slice.filter(_HAS_EXTRAS)
        .order_by()
        .values_list("card_id", "id", *[number(name) for name in LINE_EXTRAS])
    ):
        employee = card_rows[row[0]]
        if employee.extras is None:
            employee.extras = {}
        employee.extras[row[1]] = row[2:]
    for employee in rows.values():
        if len(employee.values) > 1:
            employee.values.sort(key=_VALUE_ORDER)
        if len(employee.lines) > 1:
            employee.lines.sort(key=_LINE_ORDER)
    return _engine_inputs(plan, rows, as_text)


_VALUE_ORDER = operator.itemgetter(5)  # id
# Read after a line's order: a point as a percent of the plan, and a gate on a key indicator (all empty on most lines).
LINE_EXTRAS = (
    "threshold_percent",
    "target_percent",
    "maximum_percent",
    "gate_threshold",
    "gate_threshold_percent",
    "gate_cut_to",
    "gate_cut_percent",
)
_NO_LINE_EXTRAS = (None,) * len(LINE_EXTRAS)
_HAS_EXTRAS = (
    Q(threshold_percent__isnull=False)
    | Q(target_percent__isnull=False)
    | Q(maximum_percent__isnull=False)
    | Q(gate_threshold__isnull=False)
    | Q(gate_threshold_percent__isnull=False)
)
_LINE_ORDER = operator.itemgetter(13, 1)  # the line's order on the card, then id


def _engine_inputs(plan: RunPlan, rows: dict[int, _Employee], as_text: bool = False) -> SliceInputs:
    """Engine inputs for the employees of a slice, and the hash of what was read for them. With
    as_text, the numbers of personal values and card lines were read as their text."""
    period = plan.period
    shared_facts, shared_plans, shared_levels = plan.shared_facts, plan.shared_plans, plan.shared_levels
    company_facts, unit_facts, indicators, scales = (
        plan.company_facts,
        plan.unit_facts,
        plan.indicators,
        plan.scales,
    )
    months = _months(period)
    calendar = plan.calendar
    codes = {pk: code for pk, (code, _name, _direction, _monitoring) in indicators.items()}
    shared_values: dict[
        tuple[str, str], tuple[Decimal | None, str, Decimal | None]
    ] = {}  # (code, scope) → fact, level code, plan
    plan_cache: dict[str, PlanValues] = {}
    due_cache: dict[tuple[Any, ...], frozenset[str]] = {}
    years_cache: dict[dt.date, Decimal] = {}
    employees: list[EmployeeCalc] = []
    card_map: dict[str, int] = {}
    problems: list[Problem] = []
    hash_total = 0
    used_scales: set[int] = set()
    numbers: dict[Any, Decimal | None] = {None: None}  # text → the Decimal, one for each distinct text
    for employee_id, employee in rows.items():
        hash_total += employee.digest()
        _e, card_id, scheme_id, last_name, first_name, middle_name, hire, leave, seniority_start = (
            employee.card
        )
        key = str(employee_id)
        history = employee.assignments
        current = history[-1] if history else None
        unit_key = str(current[5]) if current else ""
        personal: dict[str, Decimal] = {}
        personal_plans: dict[str, Decimal] = {}
        personal_levels: dict[str, str] = {}
        for _e, indicator_id, kind, value, level_code, _id in employee.values:
            if as_text:
                try:
                    value = numbers[value]
                except KeyError:
                    value = numbers[value] = Decimal(value)
            code = codes.get(indicator_id, "")
            if kind == "plan":
                if value is not None:
                    personal_plans[code] = value
            else:
                if value is not None:
                    personal[code] = value
                if level_code:
                    personal_levels[code] = level_code
        if plan.formula_order and personal:
            problems += _compute_personal(plan, personal, f"employee:{employee_id}")
        unit_scope = f"unit:{unit_key}"
        lines = []
        extras = employee.extras
        for (
            _card,
            line_id,
            component,
            label,
            level,
            weight,
            threshold,
            target,
            maximum,
            planned,
            indicator_id,
            scale_id,
            component_score,
            _order,
        ) in employee.lines:
            line_extras = (
                extras.get(line_id) if extras else None
            )  # percents of the plan and a gate: on a few lines only
            if as_text:
                try:
                    weight, planned, component_score = (
                        numbers[weight],
                        numbers[planned],
                        numbers[component_score],
                    )
                except KeyError:
                    weight, planned, component_score = (
                        _as_number(numbers, weight),
                        _as_number(numbers, planned),
                        _as_number(numbers, component_score),
                    )
            code, indicator_name, direction, monitoring_only = (
                indicators.get(indicator_id, _NO_INDICATOR) if indicator_id else _NO_INDICATOR
            )
            if not code:
                fact, level_code, planned_target = component_score, "", None
            elif level == "personal":
                fact, level_code, planned_target = (
                    personal.get(code),
                    personal_levels.get(code, ""),
                    personal_plans.get(code),
                )
            else:
                scope = (code, "company" if level == "company" else unit_scope)
                shared = shared_values.get(scope)
                if shared is None:
                    shared = shared_values[scope] = (
                        shared_facts.get(scope),
                        shared_levels.get(scope, ""),
                        shared_plans.get(scope),
                    )
                fact, level_code, planned_target = shared
            if target is None:
                target = planned_target
            # Found by their text: hashing a Decimal costs several times more than writing it out.
            plan_key = (
                plan_text(threshold, target, maximum)
                if line_extras is None
                else relative_plan_text(threshold, target, maximum, *line_extras[:3])
            )
            plan_values = plan_cache.get(plan_key)
            if plan_values is None:
                if as_text:
                    threshold, target, maximum = (
                        _as_number(numbers, threshold),
                        _as_number(numbers, target),
                        _as_number(numbers, maximum),
                    )
                percents = (
                    ()
                    if line_extras is None
                    else tuple([_as_number(numbers, value) for value in line_extras[:3]])
                )
                plan_values = plan_cache[plan_key] = PlanValues(threshold, target, maximum, *percents)
            gate = None if line_extras is None else _line_gate(numbers, line_extras)
            if scale_id:
                used_scales.add(scale_id)
            # Positional (the field order of LineInput): 800 000 of these in a large run.
            lines.append(
                LineInput(
                    str(line_id),
                    label or indicator_name or component,
                    weight,
                    component,
                    level,
                    direction or "higher",
                    scales.get(scale_id) if scale_id else None,
                    plan_values,
                    fact,
                    level_code,
                    planned,
                    code,
                    monitoring_only,
                    gate,
                )
            )
        spans = tuple(
            [
                EmploymentSpan(
                    max(start, hire), (min(end, leave) if end and leave else end or leave) or None, fte
                )
                for _e, start, end, fte, *_rest in history
            ]
        )
        category = current[7] if current else ""
        block = current[6] if current else ""
        scheme = plan.schemes.get(scheme_id) if scheme_id else None
        due_key = (scheme_id, category, block)
        due = due_cache.get(due_key)
        if due is None:
            due = due_cache[due_key] = _due_levels(
                scheme.params if scheme else {}, scheme.kind if scheme else "", category, block, period.kind
            )
        since = seniority_start or hire
        years = years_cache.get(since)
        if years is None:
            years = years_cache[since] = _years(since, period.end)
        employee_facts = (
            {**unit_facts.get(unit_key, company_facts), **personal}
            if personal
            else unit_facts.get(unit_key, company_facts)
        )
        flags = (
            {
                k: from_config(employee_facts[k])
                for k in ("certification", "specialization")
                if k in employee_facts
            }
            if "certification" in employee_facts or "specialization" in employee_facts
            else {}
        )
        absences = (
            tuple([EngineAbsence(kind, start, end) for _e, kind, start, end in employee.absences])
            if employee.absences
            else ()
        )
        # Positional (the field order of PayInput).
        pay = PayInput(
            current[4] if current else Decimal(0),
            period.start,
            period.end,
            months,
            category,
            (current[8] or "") if current else "",
            block,
            years,
            spans,
            absences,
            employee_facts,
            flags,
            due,
            salary_spans(history, hire, leave) if len(history) > 1 else (),
            calendar,
            employee.timesheet,
        )
        name = " ".join(filter(None, (last_name, first_name, middle_name)))
        adjustments = (
            tuple(
                [
                    EngineAdjustment(
                        amount, reason, kind or AdjustmentKind.MANUAL, applied_on, order_number, percent
                    )
                    for _e, amount, reason, kind, applied_on, order_number, percent in employee.adjustments
                ]
            )
            if employee.adjustments
            else ()
        )
        employees.append(EmployeeCalc(key, name, tuple(lines), pay, scheme, unit_key, adjustments))
        card_map[key] = card_id
    return SliceInputs(employees, card_map, problems, hash_total % _HASH_MODULUS, used_scales)


_NO_INDICATOR = ("", "", "", False)


def _line_gate(numbers: dict[Any, Decimal | None], extras: tuple[Any, ...]) -> Gate | None:
    """A line's gate from its LINE_EXTRAS (threshold, threshold percent, cut to, cut percent), if it has one."""
    gate_threshold, gate_threshold_percent, gate_cut_to, gate_cut_percent = extras[3:]
    if gate_threshold is None and gate_threshold_percent is None:
        return None
    return Gate(
        *(
            _as_number(numbers, value)
            for value in (gate_threshold, gate_threshold_percent, gate_cut_to, gate_cut_percent)
        )
    )


def _as_number(numbers: dict[Any, Decimal | None], value: Any) -> Decimal | None:
    """A number read as text (or a Decimal already, or None) as the one Decimal for that text."""
    if value is None or isinstance(value, Decimal):
        return value
    known = numbers.get(value)
    if known is None:
        known = numbers[value] = Decimal(value)
    return known


def fetch_run_inputs(period: Period, unit: Unit | None = None) -> RunInputs:
    """A whole run in one slice: the plan's 7 queries and the slice's 8."""
    plan = fetch_plan(period, unit)
    part = fetch_slice(plan)
    return RunInputs(
        part.employees,
        plan.unit_facts,
        plan.corrections,
        part.cards,
        plan.problems + part.problems,
        plan.formulas,
        combine_hashes(plan.hash_total, part.hash_total, plan.scales_hash(part.scale_ids)),
    )


def combine_hashes(*totals: int) -> str:
    return format(sum(totals) % _HASH_MODULUS, "064x")


def _years(start: dt.date, end: dt.date) -> Decimal:
    return (Decimal((end - start).days) / Decimal("365.25")).quantize(Decimal("0.01"))


def _parse_formulas(
    formulas: dict[str, str],
) -> tuple[dict[str, formula_language.Formula], list[str], list[Problem]]:
    """The computed indicators parsed, and the order to evaluate them in (what a formula uses comes
    before it); a formula that does not parse, or a cycle, is a problem (and with a cycle nothing is computed)."""
    parsed = {}
    problems: list[Problem] = []
    for code, source in formulas.items():
        try:
            parsed[code] = formula_language.parse(source)
        except formula_language.FormulaError as error:
            problems.append(Problem(error.problem.code, f"indicator {code}.formula", error.problem.message))
    cycle = formula_language.find_cycle({code: f.names for code, f in parsed.items()})
    if cycle:
        problems.append(
            Problem(
                "formula_cycle",
                "formula",
                text(
                    "Формулы ссылаются друг на друга по кругу: {c}",
                    "Formulas form a cycle: {c}",
                    c=" → ".join(cycle),
                ),
            )
        )
        return {}, [], problems
    order: list[str] = []

    def visit(code: str) -> None:
        if code in order:
            return
        for name in sorted(parsed[code].names):
            if name in parsed:
                visit(name)
        order.append(code)

    for code in parsed:
        visit(code)
    return parsed, order, problems


def _evaluate_scope(
    plan_parsed: dict[str, formula_language.Formula],
    order: list[str],
    company: dict[str, Decimal],
    scope_facts: dict[str, Decimal],
    scope: str,
) -> list[Problem]:
    """Computed indicators of one scope (the company, a unit, an employee) from the company's values
    and the scope's own; a scope that has none of a formula's inputs does not get it."""
    problems = []
    for code in order:
        formula = plan_parsed[code]
        needed = formula.names
        if code in scope_facts or not needed & scope_facts.keys():
            continue
        values = {**company, **scope_facts}
        if not needed <= values.keys():
            continue
        try:
            scope_facts[code] = formula_language.evaluate(formula, values)
        except formula_language.FormulaError as error:
            problems.append(Problem(error.problem.code, f"indicator {code} ({scope})", error.problem.message))
    return problems


def _compute_shared(
    parsed: dict[str, formula_language.Formula], order: list[str], facts: dict[tuple[str, str], Decimal]
) -> list[Problem]:
    """Computed indicators for the company and every unit, before the cards that use them; the
    results join `facts`."""
    problems: list[Problem] = []
    if not order:
        return problems
    by_scope = _by_scope(facts)
    company = by_scope.get("company", {})
    for scope in [
        "company",
        *sorted(s for s in by_scope if s != "company"),
    ]:  # the plan holds no personal values
        scope_facts = by_scope.get(scope, company)
        known = set(scope_facts)
        problems += _evaluate_scope(parsed, order, company, scope_facts, scope)
        for code in scope_facts.keys() - known:
            facts[(code, scope)] = scope_facts[code]
    return problems


def _compute_personal(plan: RunPlan, personal: dict[str, Decimal], scope: str) -> list[Problem]:
    """Computed indicators for one employee, from the company's values and their own (added to `personal`)."""
    return _evaluate_scope(plan.parsed, plan.formula_order, plan.company_facts, personal, scope)
