"""ORM → engine types for one calculation run.

A run reads in two parts, each in a fixed number of queries (pinned by a test):

* the *plan*, read once by the process that starts the run: the card ids in order, scales, schemes,
  company and unit values, formulas, corrections and the production calendar — everything shared by all employees;
* *slices* of cards (an id range), each read with everything that belongs to those employees: the
  cards, assignments, absences, personal values, adjustments, timesheets and card lines. A large run reads its
  slices inside the worker processes, so no process ever holds every employee's inputs.

The input hash sums a hash of every row read, so it is the same however the cards are sliced.

Every query reads an explicit list of columns (`_LINE_COLUMNS`, …) into a named row (`_LineRow`, …) whose
fields are those columns one to one, and the code uses the rows' fields by name. What counts in the hash
is listed by field name too (`_LINE_HASHED`, …), and hashed as a plain tuple in that order: a named row's
repr and its JSON (orjson writes a NamedTuple through `default`, as its repr) differ from a plain tuple's,
so the hashes are those of the plain tuples the queries gave before the rows had names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple, TypeVar

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
from motiva.engine.types import LEVELS, EmploymentSpan, Gate, LineInput, PayInput, ScaleSpec, SchemeSpec
from motiva.engine.types import Absence as EngineAbsence
from motiva.engine.types import Adjustment as EngineAdjustment
from motiva.kpi.models import Card, CardLine, Indicator, PayScheme, Scale
from motiva.org.models import Absence, Assignment, Employee, Unit
from motiva.periods.models import IndicatorValue, Period
from motiva.worktime.models import CalendarStatus, Timesheet
from motiva.worktime.selectors import calendar_from_rows, calendar_rows, salary_spans

ALL_LEVELS = frozenset(LEVELS)
_HASH_MODULUS = 2**256
_Row = TypeVar("_Row", bound=tuple[Any, ...])  # a named row of one of the queries below


class RowHash:
    """An order-independent hash of rows: the sum of each row's own hash. Slices read in any order
    and any number add up to the same value."""

    def __init__(self) -> None:
        self.total = 0

    def add(self, table: str, row: Any) -> None:
        self.total = (self.total + row_hash(table, row)) % _HASH_MODULUS

    def rows(self, table: str, rows: list[_Row], hashed: Callable[[_Row], tuple[Any, ...]]) -> list[_Row]:
        """Adds each row's hashed columns (`hashed`, from `_hashed_columns`); the rows as they were."""
        for row in rows:
            self.add(table, hashed(row))
        return rows

    def hexdigest(self) -> str:
        return format(self.total, "064x")


def row_hash(table: str, row: Any) -> int:
    return int.from_bytes(hashlib.blake2b(f"{table}\x1f{row!r}".encode(), digest_size=32).digest(), "big")


def _check_columns(row_class: type[tuple[Any, ...]], columns: Sequence[str]) -> None:
    """A named row has one field for each column of its query, in the query's order (checked at import)."""
    fields = row_class._fields  # type: ignore[attr-defined]
    if len(fields) != len(columns) or len(set(columns)) != len(columns):
        raise TypeError(f"{row_class.__name__}: fields {fields} do not match the columns {tuple(columns)}")


def _hashed_columns(
    row_class: type[_Row], names: Sequence[str], *, unhashed: Sequence[str] = ()
) -> Callable[[_Row], tuple[Any, ...]]:
    """A function giving a row's fields `names` as a plain tuple in that order: what the input hash
    reads of it. Every other field is named in `unhashed` (checked at import), so a column added to a
    query is not left out of the hash unnoticed. (A run of neighbouring fields is one slice: as fast as
    the slice it replaces.)"""
    fields: tuple[str, ...] = row_class._fields  # type: ignore[attr-defined]
    named = [*names, *unhashed]
    if sorted(named) != sorted(fields) or len(names) < 2:
        # (one name would make itemgetter give the value instead of a tuple)
        raise TypeError(
            f"{row_class.__name__}: the hashed fields {tuple(names)} and the others {tuple(unhashed)} "
            f"are not its fields {fields}"
        )
    places = [fields.index(name) for name in names]
    if places == list(range(places[0], places[0] + len(places))):
        return operator.itemgetter(slice(places[0], places[-1] + 1))
    return operator.itemgetter(*places)


def _named(row_class: type[_Row], rows: Iterable[tuple[Any, ...]]) -> Iterator[_Row]:
    """A values_list over a row class's columns as rows of that class: tuple.__new__, as Django's own
    named rows are made (no check of each row's length: the query's columns are the class's fields)."""
    return map(partial(tuple.__new__, row_class), rows)


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
        return ALL_LEVELS
    top = params.get("top_management_period")
    if top and category == "director":
        return ALL_LEVELS if top == period_kind else frozenset()
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


# The plan's rows. Each query reads its _…_COLUMNS into its named row, and the input hash reads each row's
# _…_HASHED fields, as a plain tuple in that order.
_SCALE_COLUMNS = ("id", "kind", "params")


class _ScaleRow(NamedTuple):
    scale_id: int
    kind: str
    params: Any


_SCALE_HASHED = ("scale_id", "kind", "params")

_SCHEME_COLUMNS = ("id", "kind", "params", "name")


class _SchemeRow(NamedTuple):
    scheme_id: int
    kind: str
    params: Any
    name: str


_SCHEME_HASHED = ("scheme_id", "kind", "params", "name")

# The company's and units' values.
_SHARED_VALUE_COLUMNS = ("indicator__code", "scope_key", "kind", "value", "level_code")


class _SharedValueRow(NamedTuple):
    code: str
    scope: str
    kind: str
    value: Decimal | None
    level_code: str


_SHARED_VALUE_HASHED = ("code", "scope", "kind", "value", "level_code")

_INDICATOR_COLUMNS = ("id", "code", "name", "direction", "formula", "monitoring_only")


class _IndicatorRow(NamedTuple):
    indicator_id: int
    code: str
    name: str
    direction: str
    formula: str
    monitoring_only: bool


# A monitoring-only flag counts in the hash only when set, so the hash of every other indicator is as before.
_INDICATOR_HASHED = ("indicator_id", "code", "name", "direction", "formula")
_MONITORING_INDICATOR_HASHED = (*_INDICATOR_HASHED, "monitoring_only")

_CORRECTION_COLUMNS = ("unit_id", "coefficient")


class _CorrectionRow(NamedTuple):
    unit_id: int
    coefficient: Decimal


_CORRECTION_HASHED = ("unit_id", "coefficient")


class _CalendarRow(NamedTuple):
    """A row of worktime.selectors.calendar_rows (its query, its columns in their order)."""

    organization: str
    year: int | None
    hours_per_day: Decimal | None
    date: dt.date | None
    kind: str | None
    hours: Decimal | None
    status: str | None


# The days of the calendar count in the hash; these are also the rows calendar_from_rows takes, in its order.
_CALENDAR_HASHED = ("year", "hours_per_day", "date", "kind", "hours")

for _row_class, _columns in (
    (_ScaleRow, _SCALE_COLUMNS),
    (_SchemeRow, _SCHEME_COLUMNS),
    (_SharedValueRow, _SHARED_VALUE_COLUMNS),
    (_IndicatorRow, _INDICATOR_COLUMNS),
    (_CorrectionRow, _CORRECTION_COLUMNS),
):
    _check_columns(_row_class, _columns)
del _row_class, _columns
_scale_hashed = _hashed_columns(_ScaleRow, _SCALE_HASHED)
_scheme_hashed = _hashed_columns(_SchemeRow, _SCHEME_HASHED)
_shared_value_hashed = _hashed_columns(_SharedValueRow, _SHARED_VALUE_HASHED)
_indicator_hashed = _hashed_columns(_IndicatorRow, _INDICATOR_HASHED, unhashed=("monitoring_only",))
_monitoring_indicator_hashed = _hashed_columns(_IndicatorRow, _MONITORING_INDICATOR_HASHED)
_correction_hashed = _hashed_columns(_CorrectionRow, _CORRECTION_HASHED)
_calendar_hashed = _hashed_columns(_CalendarRow, _CALENDAR_HASHED, unhashed=("organization", "status"))


def fetch_plan(
    period: Period, unit: Unit | None = None, *, whole_run: bool = True, employee_ids: bool = True
) -> RunPlan:
    """The shared part of a run, in 7 queries (6 without the run's employee ids, which only the slicing
    needs: not a projection, nor a slice computed by a Celery worker, `employee_ids=False`)."""
    hashed = RowHash()
    card_filter = _card_filter(period, unit)
    ids = (
        list(Card.objects.filter(card_filter).order_by("employee_id").values_list("employee_id", flat=True))
        if whole_run and employee_ids
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
    for scale in _named(_ScaleRow, scale_rows.order_by("id").values_list(*_SCALE_COLUMNS)):  # query 2
        params, _problems = parse_scale_params(scale.kind, scale.params)
        scales[scale.scale_id] = ScaleSpec(scale.kind, params) if params is not None else None
        scale_hashes[scale.scale_id] = row_hash("scale", _scale_hashed(scale))
    schemes = {
        scheme.scheme_id: SchemeSpec(scheme.kind, scheme.params, scheme.name)
        for scheme in hashed.rows(
            "scheme",
            list(_named(_SchemeRow, used_schemes.order_by("id").values_list(*_SCHEME_COLUMNS))),
            _scheme_hashed,
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
    for indicator in _named(
        _IndicatorRow,
        Indicator.objects.filter(organization_id=period.organization_id)
        .order_by("code", "id")
        .values_list(*_INDICATOR_COLUMNS),
    ):  # query 5
        hashed.add(
            "indicator",
            (_monitoring_indicator_hashed if indicator.monitoring_only else _indicator_hashed)(indicator),
        )
        indicators[indicator.indicator_id] = (
            indicator.code,
            indicator.name,
            indicator.direction,
            indicator.monitoring_only,
        )
        if indicator.formula:
            formulas[indicator.code] = indicator.formula
    corrections = {
        str(correction.unit_id): correction.coefficient
        for correction in hashed.rows(
            "correction",
            list(
                _named(
                    _CorrectionRow,
                    GroupCorrection.objects.filter(period=period, approved_by__isnull=False)
                    .order_by("id")
                    .values_list(*_CORRECTION_COLUMNS),
                )
            ),
            _correction_hashed,
        )
    }  # query 6
    # The production calendar of the period's years (query 7): its days count in the input hash.
    calendar_read = list(
        map(_CalendarRow._make, calendar_rows(period.organization_id, period.start, period.end))
    )  # (_make checks each row's length: the query is another module's)
    calendar_days = [_calendar_hashed(row) for row in calendar_read]
    for day in calendar_days:
        hashed.add("calendar", day)
    calendar = calendar_from_rows(calendar_read[0].organization if calendar_read else "", calendar_days)
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


def _provisional_calendar(rows: list[_CalendarRow]) -> list[Problem]:
    """A warning for each year of the period's calendar that HR has not yet checked against its decree."""
    years = sorted(
        {row.year for row in rows if row.year is not None and row.status == CalendarStatus.PROVISIONAL}
    )
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
    for row in _named(_SharedValueRow, values.order_by("id").values_list(*_SHARED_VALUE_COLUMNS)):
        hashed.add("value", _shared_value_hashed(row))
        key = (row.code, row.scope)
        if row.kind == "plan":
            if row.value is not None:
                plans[key] = row.value
        else:
            if row.value is not None:
                facts[key] = row.value
            if row.level_code:
                levels[key] = row.level_code


def _by_scope(facts: dict[tuple[str, str], Decimal]) -> dict[str, dict[str, Decimal]]:
    by_scope: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for (code, scope), value in facts.items():
        by_scope[scope][code] = value
    return by_scope


# A slice's rows (query numbers as in fetch_slice). Each query reads its _…_COLUMNS into its named row,
# and the input hash reads each row's _…_HASHED fields, as a plain tuple in that order.
_CARD_COLUMNS = (
    "employee_id",
    "id",
    "scheme_id",
    "employee__last_name",
    "employee__first_name",
    "employee__middle_name",
    "employee__hire_date",
    "employee__termination_date",
    "employee__seniority_start",
)  # query 1


class _CardRow(NamedTuple):
    employee_id: int
    card_id: int
    scheme_id: int | None
    last_name: str
    first_name: str
    middle_name: str
    hire_date: dt.date
    termination_date: dt.date | None
    seniority_start: dt.date | None


_CARD_HASHED = (
    "employee_id",
    "card_id",
    "scheme_id",
    "last_name",
    "first_name",
    "middle_name",
    "hire_date",
    "termination_date",
    "seniority_start",
)

_ASSIGNMENT_COLUMNS = (
    "employee_id",
    "start_date",
    "end_date",
    "fte",
    "salary",
    "unit_id",
    "unit__block",
    "position__category",
    "position__grade__code",
)  # query 2


class _AssignmentRow(NamedTuple):
    employee_id: int
    start_date: dt.date
    end_date: dt.date | None
    fte: Decimal
    salary: Decimal
    unit_id: int
    block: str
    category: str
    grade_code: str | None


_ASSIGNMENT_HASHED = (
    "employee_id",
    "start_date",
    "end_date",
    "fte",
    "salary",
    "unit_id",
    "block",
    "category",
    "grade_code",
)

_ABSENCE_COLUMNS = ("employee_id", "kind", "start_date", "end_date")  # query 3


class _AbsenceRow(NamedTuple):
    employee_id: int
    kind: str
    start_date: dt.date
    end_date: dt.date


_ABSENCE_HASHED = ("employee_id", "kind", "start_date", "end_date")

# Query 4; the numbers in _…_NUMBERS are read as their text on PostgreSQL (fetch_slice).
_PERSONAL_VALUE_COLUMNS = ("employee_id", "indicator_id", "kind", "value", "level_code", "id")
_PERSONAL_VALUE_NUMBERS = frozenset({"value"})


class _PersonalValueRow(NamedTuple):
    employee_id: int
    indicator_id: int
    kind: str
    value: Any  # Decimal | None, or its text
    level_code: str
    value_id: int  # read only to sort by: the order of the rows is hashed already


_PERSONAL_VALUE_HASHED = ("employee_id", "indicator_id", "kind", "value", "level_code")
_VALUE_ORDER = operator.attrgetter("value_id")

_ADJUSTMENT_COLUMNS = (
    "employee_id",
    "amount",
    "reason",
    "kind",
    "applied_on",
    "order_number",
    "percent",
)  # query 5


class _AdjustmentRow(NamedTuple):
    employee_id: int
    amount: Decimal
    reason: str
    kind: str
    applied_on: dt.date | None
    order_number: str
    percent: Decimal | None


_ADJUSTMENT_HASHED = ("employee_id", "amount", "reason", "kind", "applied_on", "order_number", "percent")

_LINE_COLUMNS = (
    "card_id",
    "id",
    "component",
    "label",
    "level",
    "weight",
    "threshold",
    "target",
    "maximum",
    "planned_amount",
    "indicator_id",
    "scale_id",
    "component_score__value",
    "order",
)  # query 6
_LINE_NUMBERS = frozenset(
    {"weight", "threshold", "target", "maximum", "planned_amount", "component_score__value"}
)


class _LineRow(NamedTuple):
    card_id: int
    line_id: int
    component: str
    label: str
    level: str
    weight: Any  # the numbers: Decimal | None, or its text
    threshold: Any
    target: Any
    maximum: Any
    planned_amount: Any
    indicator_id: int | None
    scale_id: int | None
    component_score: Any
    order: int  # read only to sort by: the order of the rows is hashed already


_LINE_HASHED = (
    "card_id",
    "line_id",
    "component",
    "label",
    "level",
    "weight",
    "threshold",
    "target",
    "maximum",
    "planned_amount",
    "indicator_id",
    "scale_id",
    "component_score",
)
_LINE_ORDER = operator.attrgetter("order", "line_id")  # the line's place on the card, then id

_TIMESHEET_COLUMNS = ("employee_id", "hours")  # query 7


class _TimesheetRow(NamedTuple):
    employee_id: int
    hours: Decimal  # hashed alone, not as a row


# A point as a percent of the plan, and a gate on a key indicator (all empty on most lines): query 8.
LINE_EXTRAS = (
    "threshold_percent",
    "target_percent",
    "maximum_percent",
    "gate_threshold",
    "gate_threshold_percent",
    "gate_cut_to",
    "gate_cut_percent",
)
_LINE_EXTRAS_COLUMNS = ("card_id", "id", *LINE_EXTRAS)


class _LineExtrasRow(NamedTuple):
    card_id: int
    line_id: int
    threshold_percent: Any  # the numbers: Decimal | None, or its text
    target_percent: Any
    maximum_percent: Any
    gate_threshold: Any
    gate_threshold_percent: Any
    gate_cut_to: Any
    gate_cut_percent: Any


# Hashed after the line's own hashed columns, when a line has any.
_LINE_EXTRAS_HASHED = LINE_EXTRAS

for _row_class, _columns in (
    (_CardRow, _CARD_COLUMNS),
    (_AssignmentRow, _ASSIGNMENT_COLUMNS),
    (_AbsenceRow, _ABSENCE_COLUMNS),
    (_PersonalValueRow, _PERSONAL_VALUE_COLUMNS),
    (_AdjustmentRow, _ADJUSTMENT_COLUMNS),
    (_LineRow, _LINE_COLUMNS),
    (_TimesheetRow, _TIMESHEET_COLUMNS),
    (_LineExtrasRow, _LINE_EXTRAS_COLUMNS),
):
    _check_columns(_row_class, _columns)
del _row_class, _columns
_card_hashed = _hashed_columns(_CardRow, _CARD_HASHED)
_assignment_hashed = _hashed_columns(_AssignmentRow, _ASSIGNMENT_HASHED)
_absence_hashed = _hashed_columns(_AbsenceRow, _ABSENCE_HASHED)
_personal_value_hashed = _hashed_columns(_PersonalValueRow, _PERSONAL_VALUE_HASHED, unhashed=("value_id",))
_adjustment_hashed = _hashed_columns(_AdjustmentRow, _ADJUSTMENT_HASHED)
_line_hashed = _hashed_columns(_LineRow, _LINE_HASHED, unhashed=("order",))
_line_extras_hashed = _hashed_columns(
    _LineExtrasRow, _LINE_EXTRAS_HASHED, unhashed=("card_id", "line_id")
)  # (the line's own hashed columns hold them)


class _Employee:
    """One employee's rows of a slice, gathered by employee id before they become engine inputs."""

    __slots__ = ("absences", "adjustments", "assignments", "card", "extras", "lines", "timesheet", "values")

    def __init__(self, card: _CardRow) -> None:
        self.card = card
        self.assignments: list[_AssignmentRow] = []
        self.absences: list[_AbsenceRow] = []
        self.values: list[_PersonalValueRow] = []
        self.adjustments: list[_AdjustmentRow] = []
        self.lines: list[_LineRow] = []
        self.timesheet: Any = None  # the hours actually worked, when entered
        self.extras: dict[int, _LineExtrasRow] | None = (
            None  # line id → its LINE_EXTRAS, for the few lines that have any
        )

    def digest(self) -> int:
        """The hash of everything read for this employee. A slice adds up its employees' hashes, so the
        run's hash is the same however its employees are sliced."""
        # JSON of the rows' hashed columns as plain tuples, exact numbers as their text (each column has one
        # type, so this is unambiguous). The columns read only to sort by (a value's id, a line's place on
        # the card) are left out: the order of the rows is hashed already.
        # A line's percent points and gate count only when set: the hash of a line without them is what it
        # was before they existed.
        extras = self.extras
        lines = (
            list(map(_line_hashed, self.lines))  # (map: no Python frame a row)
            if extras is None
            else [
                _line_hashed(row) + _line_extras_hashed(extras[row.line_id])
                if row.line_id in extras
                else _line_hashed(row)
                for row in self.lines
            ]
        )
        parts = (
            _card_hashed(self.card),
            list(map(_assignment_hashed, self.assignments)),
            list(map(_absence_hashed, self.absences)),
            list(map(_personal_value_hashed, self.values)),
            list(map(_adjustment_hashed, self.adjustments)),
            lines,
        )
        # A timesheet counts only when entered: the hash of everyone without one is what it was before timesheets.
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
    for card in _named(
        _CardRow,
        in_slice.select_related("employee")
        .extra(**employee_range)
        .order_by("employee_id")
        .values_list(*_CARD_COLUMNS),
    ):  # query 1
        rows[card.employee_id] = _Employee(card)
    for assignment in _named(
        _AssignmentRow,
        Assignment.objects.filter(
            of_employees,
            Q(end_date__isnull=True) | Q(end_date__gte=period.start),
            start_date__lte=period.end,
        )
        .order_by("employee_id", "start_date", "id")
        .values_list(*_ASSIGNMENT_COLUMNS),
    ):  # query 2
        if assignment.employee_id in rows:
            rows[assignment.employee_id].assignments.append(assignment)
    for absence in _named(
        _AbsenceRow,
        Absence.objects.filter(of_employees, start_date__lte=period.end, end_date__gte=period.start)
        .order_by("employee_id", "id")
        .values_list(*_ABSENCE_COLUMNS),
    ):  # query 3
        if absence.employee_id in rows:
            rows[absence.employee_id].absences.append(absence)
    # Personal values and card lines come unsorted (a sort cost the database more than the rest of
    # these queries); each employee's are put in order below (by the extra last column), so the rows,
    # in their order, and the hash are what a sorted read gave.
    # On PostgreSQL the numbers of personal values and card lines are read as their text and become
    # Decimals once for each distinct text in _engine_inputs (most repeat: weights, plans, facts);
    # SQLite's driver gives Decimals. The text is exactly the Decimal's (at most 6 decimal places).
    as_text = connection.vendor == "postgresql"

    def columns(names: Sequence[str], numbers: frozenset[str] = frozenset()) -> list[Any]:
        """A query's columns, its numbers as their text when as_text."""
        if not as_text:
            return list(names)
        return [Cast(name, output_field=TextField()) if name in numbers else name for name in names]

    for value in _named(
        _PersonalValueRow,
        IndicatorValue.objects.filter(of_employees, period=period, scope="employee")
        .order_by()
        .values_list(*columns(_PERSONAL_VALUE_COLUMNS, _PERSONAL_VALUE_NUMBERS)),
    ):  # query 4
        if value.employee_id in rows:
            rows[value.employee_id].values.append(value)
    for adjustment in _named(
        _AdjustmentRow,
        Adjustment.objects.filter(of_employees, period=period, approved_by__isnull=False)
        .order_by("employee_id", "id")
        .values_list(*_ADJUSTMENT_COLUMNS),
    ):  # query 5
        if adjustment.employee_id in rows:
            rows[adjustment.employee_id].adjustments.append(adjustment)
    # Lines are the bulk of a run (8 a person). A slice is bounded, so they are read in one go: a
    # server-side cursor would make PostgreSQL plan for the first rows, which is slower for all of them.
    for timesheet in _named(
        _TimesheetRow,
        Timesheet.objects.filter(of_employees, period=period).values_list(*_TIMESHEET_COLUMNS),
    ):  # query 7
        if timesheet.employee_id in rows:
            rows[timesheet.employee_id].timesheet = timesheet.hours
    card_rows = {employee.card.card_id: employee for employee in rows.values()}
    if not card_rows:
        return _engine_inputs(plan, rows, as_text)
    # The lines are found through the card index: the range of the slice's card ids tells the planner
    # how few they are (cards are usually created in employee order, so the range is narrow).
    lines_of_slice = CardLine.objects.filter(
        card_id__gte=min(card_rows), card_id__lte=max(card_rows), card_id__in=in_slice.values("id")
    )
    for line in _named(
        _LineRow, lines_of_slice.order_by().values_list(*columns(_LINE_COLUMNS, _LINE_NUMBERS))
    ):  # query 6
        card_rows[line.card_id].lines.append(line)
    # A line's points as percents of the plan and its gate are read apart, for the few lines that have
    # any (query 8): seven more columns on every line cost every line of a run its decoding and
    # unpacking (about 20 000 instructions an employee), an extra pass over the slice's lines in the
    # database costs less.
    for line_extras in _named(
        _LineExtrasRow,
        lines_of_slice.filter(_HAS_EXTRAS)
        .order_by()
        .values_list(*columns(_LINE_EXTRAS_COLUMNS, frozenset(LINE_EXTRAS))),
    ):
        employee = card_rows[line_extras.card_id]
        if employee.extras is None:
            employee.extras = {}
        employee.extras[line_extras.line_id] = line_extras
    for employee in rows.values():
        if len(employee.values) > 1:
            employee.values.sort(key=_VALUE_ORDER)
        if len(employee.lines) > 1:
            employee.lines.sort(key=_LINE_ORDER)
    return _engine_inputs(plan, rows, as_text)


_HAS_EXTRAS = (
    Q(threshold_percent__isnull=False)
    | Q(target_percent__isnull=False)
    | Q(maximum_percent__isnull=False)
    | Q(gate_threshold__isnull=False)
    | Q(gate_threshold_percent__isnull=False)
)


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
        card = employee.card
        card_id, scheme_id, hire, leave = card.card_id, card.scheme_id, card.hire_date, card.termination_date
        key = str(employee_id)
        history = employee.assignments
        current = history[-1] if history else None
        unit_key = str(current.unit_id) if current else ""
        personal: dict[str, Decimal] = {}
        personal_plans: dict[str, Decimal] = {}
        personal_levels: dict[str, str] = {}
        for row in employee.values:
            value = row.value
            if as_text:
                try:
                    value = numbers[value]
                except KeyError:
                    value = numbers[value] = Decimal(value)
            code = codes.get(row.indicator_id, "")
            if row.kind == "plan":
                if value is not None:
                    personal_plans[code] = value
            else:
                if value is not None:
                    personal[code] = value
                if row.level_code:
                    personal_levels[code] = row.level_code
        if plan.formula_order and personal:
            problems += _compute_personal(plan, personal, f"employee:{employee_id}")
        unit_scope = f"unit:{unit_key}"
        lines = []
        extras = employee.extras
        for line in employee.lines:
            line_id, level, weight, threshold, target, maximum, planned = (
                line.line_id,
                line.level,
                line.weight,
                line.threshold,
                line.target,
                line.maximum,
                line.planned_amount,
            )
            indicator_id, scale_id, component_score = line.indicator_id, line.scale_id, line.component_score
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
                else relative_plan_text(
                    threshold,
                    target,
                    maximum,
                    line_extras.threshold_percent,
                    line_extras.target_percent,
                    line_extras.maximum_percent,
                )
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
                    else (
                        _as_number(numbers, line_extras.threshold_percent),
                        _as_number(numbers, line_extras.target_percent),
                        _as_number(numbers, line_extras.maximum_percent),
                    )
                )
                plan_values = plan_cache[plan_key] = PlanValues(threshold, target, maximum, *percents)
            gate = None if line_extras is None else _line_gate(numbers, line_extras)
            if scale_id:
                used_scales.add(scale_id)
            # Positional (the field order of LineInput): 800 000 of these in a large run.
            lines.append(
                LineInput(
                    str(line_id),
                    line.label or indicator_name or line.component,
                    weight,
                    line.component,
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
                    max(assignment.start_date, hire),
                    (
                        min(assignment.end_date, leave)
                        if assignment.end_date and leave
                        else assignment.end_date or leave
                    )
                    or None,
                    assignment.fte,
                )
                for assignment in history
            ]
        )
        category = current.category if current else ""
        block = current.block if current else ""
        scheme = plan.schemes.get(scheme_id) if scheme_id else None
        due_key = (scheme_id, category, block)
        due = due_cache.get(due_key)
        if due is None:
            due = due_cache[due_key] = _due_levels(
                scheme.params if scheme else {}, scheme.kind if scheme else "", category, block, period.kind
            )
        since = card.seniority_start or hire
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
            tuple(
                [
                    EngineAbsence(absence.kind, absence.start_date, absence.end_date)
                    for absence in employee.absences
                ]
            )
            if employee.absences
            else ()
        )
        # Positional (the field order of PayInput).
        pay = PayInput(
            current.salary if current else Decimal(0),
            period.start,
            period.end,
            months,
            category,
            (current.grade_code or "") if current else "",
            block,
            years,
            spans,
            absences,
            employee_facts,
            flags,
            due,
            salary_spans([(a.start_date, a.end_date, a.salary) for a in history], hire, leave)
            if len(history) > 1
            else (),
            calendar,
            employee.timesheet,
        )
        name = " ".join(filter(None, (card.last_name, card.first_name, card.middle_name)))
        adjustments = (
            tuple(
                [
                    EngineAdjustment(
                        adjustment.amount,
                        adjustment.reason,
                        adjustment.kind or AdjustmentKind.MANUAL,
                        adjustment.applied_on,
                        adjustment.order_number,
                        adjustment.percent,
                    )
                    for adjustment in employee.adjustments
                ]
            )
            if employee.adjustments
            else ()
        )
        employees.append(EmployeeCalc(key, name, tuple(lines), pay, scheme, unit_key, adjustments))
        card_map[key] = card_id
    return SliceInputs(employees, card_map, problems, hash_total % _HASH_MODULUS, used_scales)


_NO_INDICATOR = ("", "", "", False)


def _line_gate(numbers: dict[Any, Decimal | None], extras: _LineExtrasRow) -> Gate | None:
    """A line's gate from its LINE_EXTRAS (threshold, threshold percent, cut to, cut percent), if it has one."""
    if extras.gate_threshold is None and extras.gate_threshold_percent is None:
        return None
    return Gate(
        _as_number(numbers, extras.gate_threshold),
        _as_number(numbers, extras.gate_threshold_percent),
        _as_number(numbers, extras.gate_cut_to),
        _as_number(numbers, extras.gate_cut_percent),
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
