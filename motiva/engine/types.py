"""Inputs and results of the calculation.

The small value types are frozen (and hashable: the engine remembers results for them). The ones a run
makes by the hundred thousand (lines, cards, pay) are plain slotted classes: a frozen dataclass costs
three times as much to construct. Nothing in the engine changes them after they are made."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from motiva.engine.calendar import WorkCalendar
from motiva.engine.formula import Formula
from motiva.engine.problems import Problem
from motiva.engine.scales import PlanValues, ScaleParams, TotalScale
from motiva.engine.text import Text
from motiva.engine.trace import Step

# The levels a card's lines belong to and a three-level scheme pays by, in their order, with their names
# as the trace writes them (Russian, English).
LEVELS = ("company", "unit", "personal")
LEVEL_NAMES = {
    "company": ("компания", "company"),
    "unit": ("подразделение", "unit"),
    "personal": ("личная эффективность", "personal"),
}


@dataclass(frozen=True, slots=True)
class ScaleSpec:
    kind: str
    params: ScaleParams


@dataclass(frozen=True, slots=True)
class Gate:
    """A key indicator's gate (ICM "gates"): when the line's fact does not reach `threshold` (a fact value,
    by the indicator's direction; or `threshold_percent` of the line's plan), the card's total is cut:
    to at most `cut_to` %, or to `cut_percent` % of itself; with neither, to 0."""

    threshold: Decimal | None = None
    threshold_percent: Decimal | None = None
    cut_to: Decimal | None = None
    cut_percent: Decimal | None = None


@dataclass(slots=True)
class LineInput:
    key: str
    title: str
    weight: Decimal
    component: str = "indicator"  # indicator / tasks / assessment
    level: str = "personal"  # company / unit / personal
    direction: str = "higher"
    scale: ScaleSpec | None = None
    plan: PlanValues = field(default_factory=PlanValues)
    fact: Decimal | None = None
    level_code: str = ""
    planned_amount: Decimal | None = None
    indicator_code: str = ""
    monitoring_only: bool = False  # tracked on the card, never paid: no contribution
    gate: Gate | None = None


@dataclass(slots=True)
class LineResult:
    key: str
    title: str
    level: str
    weight: Decimal
    fact: Decimal | None
    score: Decimal | None
    multiplier: Decimal | None
    weighted: Decimal  # weight × score / 100, in points of the total
    steps: tuple[Step, ...]
    problems: tuple[Problem, ...]
    planned_amount: Decimal | None = None
    indicator_code: str = ""
    monitoring_only: bool = False
    gate_open: bool | None = None  # None: the line is no gate


@dataclass(frozen=True, slots=True)
class CardPolicy:
    cap: Decimal | None = None  # cap on the total, % (120 / 150)
    min_result: Decimal | None = None  # below it the total counts as 0 (e.g. 60 %)
    cap_label: str = ""
    total_scale: TotalScale | None = None  # the weighted result → the payout percent
    total_formula: Formula | None = None  # `result` (weighted), `payout` (after the total scale) → the total
    # What the scheme pays by: the total (most), the level results (three-level), the lines' results
    # (planned amounts) or none of them (a KTU pool) — a gate cuts what is paid by, or says it cannot.
    pays_by: str = "total"


@dataclass(slots=True)
class CardResult:
    lines: tuple[LineResult, ...]
    level_results: Mapping[str, Decimal]
    raw_total: Decimal
    multiplier: Decimal
    total: Decimal
    capped: bool
    steps: tuple[Step, ...]
    problems: tuple[Problem, ...]

    def line(self, code: str) -> LineResult | None:
        return next((line for line in self.lines if line.indicator_code == code), None)


@dataclass(frozen=True, slots=True)
class SchemeSpec:
    kind: str
    params: Mapping[str, Any]
    name: str = ""


@dataclass(frozen=True, slots=True)
class Absence:
    kind: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True, slots=True)
class EmploymentSpan:
    start: dt.date
    end: dt.date | None
    fte: Decimal = Decimal(1)


@dataclass(frozen=True, slots=True)
class SalarySpan:
    """A monthly salary in force from start to end (None: open); a change inside a period is a new span."""

    start: dt.date
    end: dt.date | None
    amount: Decimal


@dataclass(slots=True)
class PayInput:
    """What a pay scheme needs to know about one employee in one period."""

    salary: Decimal  # monthly salary at full time (оклад)
    period_start: dt.date
    period_end: dt.date
    months: int = 1
    category: str = ""
    grade: str = ""
    block: str = ""
    seniority_years: Decimal = Decimal(0)
    employment: tuple[EmploymentSpan, ...] = ()
    absences: tuple[Absence, ...] = ()
    facts: Mapping[str, Decimal] = field(default_factory=dict)  # indicator code → fact
    flags: Mapping[str, Decimal] = field(default_factory=dict)  # certification = 1, specialization = 12 …
    due_levels: frozenset[str] = frozenset(LEVELS)
    # Salaries in force during the period when more than one (each counts for its days); empty: `salary` throughout.
    salaries: tuple[SalarySpan, ...] = ()
    calendar: WorkCalendar | None = None  # the organization's production calendar
    timesheet_hours: Decimal | None = None  # hours actually worked in the period (табель), when entered


@dataclass(frozen=True, slots=True)
class Adjustment:
    amount: Decimal | None  # + or −; None when the reduction is a percent of the bonus
    reason: str
    kind: str = "manual"  # manual / disciplinary
    date: dt.date | None = (
        None  # a sanction: the day it was applied (it reduces the bonus of the period holding that day)
    )
    order: str = ""  # a sanction: the number of the order that applied it
    percent: Decimal | None = None  # a reduction as a percent of the bonus: 75 is "−75 % of the bonus"


class DisciplinaryBase(StrEnum):
    """What the Labour Code cap on disciplinary reductions (art. 135 part 3) is a percent of."""

    SALARY_AND_BONUS = (
        "salary_and_bonus"  # the month's salary plus the bonuses accrued for that month (default)
    )
    SALARY = "salary"  # the month's salary alone


@dataclass(frozen=True, slots=True)
class PayRules:
    """An organization's rules that any scheme's pay follows."""

    disciplinary_cap: Decimal | None = Decimal(20)  # % of the month's pay; None: the cap is switched off
    disciplinary_base: str = DisciplinaryBase.SALARY_AND_BONUS
    ktu_min: Decimal = Decimal(0)  # the range and step a KTU may take (0–1 by 0.1, or 0.5–2.5 …)
    ktu_max: Decimal = Decimal(1)
    ktu_step: Decimal = Decimal("0.1")


@dataclass(slots=True)
class GroupFacts:
    """What the group (unit, ranking) tells about one member."""

    rank_place: int | None = None
    fund_share: Decimal | None = None
    unit_facts: Mapping[str, Decimal] = field(default_factory=dict)
    correction: Decimal | None = None  # employer correction coefficient for the group
    # sum / avg / count over the member's unit, rank within the scheme's group, for formulas
    aggregate: Callable[[str, str], Decimal] | None = field(default=None, compare=False)


class ComponentKind(StrEnum):
    """What a pay component is, whatever its name says: a stable key that does not change with a card
    line's title, an indicator's code or an adjustment's reason (the payroll hand-off maps it to an
    accrual type). Every component the engine makes carries one."""

    BONUS = "bonus"  # the scheme's one bonus: variable pay, KPI bonus, step bonus, base × coefficients
    ANNUAL_BONUS = "annual_bonus"  # annual_salary_percent
    LEVEL = "level"  # three_level: one per level (company, unit, personal)
    LINE = "line"  # planned_amount: one per card line, named by the line's title
    KTU = "ktu"  # ktu_pool: the share of the unit's fund, or the KTU part
    SENIORITY = "seniority"  # seniority allowance
    CERTIFICATION = "certification"  # certification allowance
    SPECIALIZATION = "specialization"  # specialization allowance
    PIECE_WORK = "piece_work"  # one per piece rate, named by its indicator
    FLOOR = "floor"  # a negative bonus brought up to zero
    ADJUSTMENT = "adjustment"  # a manual adjustment, named by its reason
    REDUCTION = "reduction"  # a disciplinary reduction, named by its reason
    FINE = "fine"  # documented fines withheld from the salary (never part of the bonus)


@dataclass(slots=True)
class PayComponent:
    name: Text
    amount: Decimal
    steps: tuple[Step, ...] = ()
    withheld: bool = False  # a documented fine withheld from the salary: never part of the bonus
    kind: str = ""  # a ComponentKind; "" only for a component made outside the engine


@dataclass(slots=True)
class PayResult:
    components: tuple[PayComponent, ...]
    total: Decimal  # variable pay: the sum of the components
    proration: Decimal
    steps: tuple[Step, ...]
    problems: tuple[Problem, ...]
    withheld: tuple[
        PayComponent, ...
    ] = ()  # documented fines withheld from the salary, shown beside the bonus
    # For a scheme with a fixed part (fixed_variable): the fixed pay of the period (salary × months × time
    # worked) and the remuneration the employee receives, fixed + variable. None for the other schemes.
    fixed: Decimal | None = None
    remuneration: Decimal | None = None
