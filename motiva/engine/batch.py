"""Calculating a group of employees: cards, then what the group decides (rankings, fund splits), then pay.

The `simulate` command and the database calculation run both call `calculate_batch`, so a scenario file
and a real period give the same numbers by construction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from types import MappingProxyType
from typing import Any

from motiva.engine import formula as formula_language
from motiva.engine.card import calculate_card
from motiva.engine.memo import Memo
from motiva.engine.money import ZERO, RoundingPolicy
from motiva.engine.problems import Problem
from motiva.engine.proration import time_share as time_worked
from motiva.engine.schemes import (
    DEFAULT_RULES,
    calculate_pay,
    card_policy,
    ktu_problem,
    rank_places,
    split_fund,
)
from motiva.engine.text import text
from motiva.engine.types import (
    Adjustment,
    CardResult,
    GroupFacts,
    LineInput,
    PayInput,
    PayResult,
    PayRules,
    SchemeSpec,
)


@dataclass(slots=True)
class EmployeeCalc:
    key: str
    name: str
    lines: tuple[LineInput, ...]
    pay: PayInput
    scheme: SchemeSpec | None
    unit: str = ""
    adjustments: tuple[Adjustment, ...] = ()


# Scheme parameters that make one member's pay depend on the others': a ranking, a fund split, or a
# formula (which may sum, average, count or rank over the unit).
GROUP_PARAMS = ("rank_indicator", "fund_formula", "share_value_formula", "coefficients")


def needs_group(scheme: SchemeSpec) -> bool:
    """Whether the members of this scheme must be prepared together before anyone is paid."""
    return any(scheme.params.get(key) for key in GROUP_PARAMS)


@dataclass(slots=True)
class EmployeeOutcome:
    key: str
    name: str
    card: CardResult
    pay: PayResult | None
    group: GroupFacts = field(default_factory=GroupFacts)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.card.problems + (self.pay.problems if self.pay else ())


@dataclass
class GroupContext:
    """What the group decides before anyone is paid: ranking places, fund shares, unit facts,
    corrections and the formula aggregates (sum / avg / count over a unit, rank within a group)."""

    members: dict[tuple[str, str], list[EmployeeCalc]]
    places: dict[str, int]
    shares: dict[str, Decimal]
    unit_facts: Mapping[str, Mapping[str, Decimal]]
    corrections: Mapping[str, Decimal]
    # Members of a unit whose fund could not be split (a KTU out of range): the reason, per member.
    unsplit: dict[str, Problem] = field(default_factory=dict)
    aggregate_cache: dict[tuple[str, str, str], Decimal] = field(default_factory=dict)
    rank_cache: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)

    def facts_for(self, member: EmployeeCalc) -> GroupFacts:
        # Positional (the field order of GroupFacts): one for every employee of a run.
        return GroupFacts(
            self.places.get(member.key),
            self.shares.get(member.key),
            self.unit_facts.get(member.unit, {}),
            self.corrections.get(member.unit),
            partial(self._aggregate, member),
        )

    def _aggregate(self, member: EmployeeCalc, function: str, name: str) -> Decimal:
        """A formula's sum / avg / count over the member's unit, or rank within the member's scheme."""
        group_key = (member.scheme.kind, member.scheme.name) if member.scheme else ("", "")
        peers = self.members.get(group_key, [member])
        if function == "rank":
            if name not in member.pay.facts:
                raise formula_language.FormulaError(
                    Problem(
                        "missing_value",
                        "formula",
                        text("Значение «{n}» не введено", "The value of “{n}” is missing", n=name),
                    )
                )
            rank_key = (name, "|".join(group_key))
            if rank_key not in self.rank_cache:
                self.rank_cache[rank_key] = rank_places(
                    {p.key: p.pay.facts[name] for p in peers if name in p.pay.facts}
                )
            return Decimal(self.rank_cache[rank_key][member.key])
        cache_key = (function, name, member.unit + "|" + "|".join(group_key))
        if cache_key not in self.aggregate_cache:
            values_in_unit = [
                p.pay.facts[name] for p in peers if p.unit == member.unit and name in p.pay.facts
            ]
            total = sum(values_in_unit, ZERO)
            count = Decimal(len(values_in_unit))
            self.aggregate_cache[cache_key] = {
                "sum": total,
                "count": count,
                "avg": total / count if count else ZERO,
            }[function]
        return self.aggregate_cache[cache_key]


def prepare_group(
    employees: Sequence[EmployeeCalc],
    rounding: RoundingPolicy,
    *,
    unit_facts: Mapping[str, Mapping[str, Decimal]] | None = None,
    corrections: Mapping[str, Decimal] | None = None,
    rules: PayRules = DEFAULT_RULES,
    memo: Memo | None = None,
) -> GroupContext:
    if memo is None:
        memo = Memo()
    unit_facts = unit_facts or {}
    unsplit: dict[str, Problem] = {}
    by_scheme: dict[tuple[str, str], list[EmployeeCalc]] = defaultdict(list)
    for employee in employees:
        if employee.scheme is not None:
            by_scheme[(employee.scheme.kind, employee.scheme.name)].append(employee)
    places: dict[str, int] = {}
    shares: dict[str, Decimal] = {}
    for members in by_scheme.values():
        params = members[0].scheme.params if members[0].scheme else {}
        rank_by = params.get("rank_indicator")
        if rank_by:
            values = {m.key: m.pay.facts[rank_by] for m in members if rank_by in m.pay.facts}
            places.update(
                rank_places(values, higher_is_better=params.get("rank_direction", "higher") == "higher")
            )
        fund_source = params.get("fund_formula")
        if fund_source:
            ktu_code = params.get("ktu_indicator", "KTU")
            by_unit: dict[str, list[EmployeeCalc]] = defaultdict(list)
            for m in members:
                by_unit[m.unit].append(m)
            for unit, unit_members in by_unit.items():
                try:
                    fund = formula_language.evaluate(memo.formula(str(fund_source)), unit_facts.get(unit, {}))
                except formula_language.FormulaError as error:
                    # The unit's fund cannot be computed (a unit value is missing): nobody in it is paid a share.
                    failed = Problem(
                        error.problem.code,
                        "params.fund_formula",
                        text(
                            "Фонд подразделения «{u}» не рассчитан: {reason}",
                            "The fund of unit “{u}” is not computed: {reason_en}",
                            u=unit or "—",
                            reason=error.problem.render("ru"),
                            reason_en=error.problem.render("en"),
                        ),
                    )
                    unsplit.update(dict.fromkeys((m.key for m in unit_members), failed))
                    continue
                if fund < 0:
                    negative = Problem(
                        "negative_fund",
                        "params.fund_formula",
                        text(
                            "Фонд подразделения «{u}» отрицательный ({f}) — не распределяется",
                            "The fund of unit “{u}” is negative ({f}) — not split",
                            u=unit or "—",
                            f=fund,
                        ),
                    )
                    unsplit.update(dict.fromkeys((m.key for m in unit_members), negative))
                    continue
                weights = {}
                invalid = [
                    f"{m.name} ({m.pay.facts.get(ktu_code, '—')})"
                    for m in unit_members
                    if m.pay.facts.get(ktu_code) is None
                    or ktu_problem(m.pay.facts[ktu_code], rules) is not None
                ]
                if invalid:
                    # A fund is split among everyone or not at all: a wrong KTU would change every share.
                    problem = Problem(
                        "fund_not_split",
                        "ktu_indicator",
                        text(
                            "Фонд подразделения не распределён: неверный или не введённый КТУ у {who}",
                            "The unit's fund is not split: a wrong or missing KTU for {who}",
                            who=", ".join(invalid),
                        ),
                    )
                    unsplit.update(dict.fromkeys((m.key for m in unit_members), problem))
                    continue
                by_time = params.get("ktu_time_weighted", True) is not False
                for m in unit_members:
                    # The same share of time as the member's pay (policy, day basis, span, calendar,
                    # timesheet); a calendar that does not cover the period gives 0 here and the
                    # member's pay reports the problem.
                    time_share = time_worked(m.pay, params, rounding, memo)[0]
                    weights[m.key] = m.pay.facts[ktu_code] * time_share if by_time else m.pay.facts[ktu_code]
                # The employer's correction of the unit applies to the fund before it is split, so that the
                # shares still sum exactly to the fund that is paid.
                correction = (corrections or {}).get(unit)
                if correction is not None:
                    fund = fund * correction
                if sum(weights.values(), ZERO) > 0:
                    shares.update(split_fund(rounding.money(fund), weights, rounding.money_places))
    return GroupContext(dict(by_scheme), places, shares, unit_facts, corrections or {}, unsplit)


_NO_PARAMS: Mapping[str, Any] = MappingProxyType(
    {}
)  # one for every employee without a scheme (its card policy is remembered once)


def calculate_member(
    employee: EmployeeCalc,
    context: GroupContext,
    rounding: RoundingPolicy,
    *,
    rules: PayRules = DEFAULT_RULES,
    memo: Memo | None = None,
) -> EmployeeOutcome:
    """One employee's card and pay within their group. Give the same `memo` to every member of a slice:
    what repeats across cards (shared lines, time worked, scheme terms, formulas) is computed once."""
    if memo is None:
        memo = Memo()
    params = employee.scheme.params if employee.scheme else _NO_PARAMS
    policy = card_policy(employee.scheme.kind if employee.scheme else "", params, employee.pay.category, memo)
    card = calculate_card(employee.lines, policy, rounding, memo)
    group = context.facts_for(employee)
    pay = None
    if employee.key in context.unsplit:
        pay = PayResult((), ZERO, ZERO, (), (context.unsplit[employee.key],))
    elif employee.scheme is not None:
        pay = calculate_pay(
            employee.scheme.kind,
            employee.scheme.params,
            employee.pay,
            card,
            rounding,
            group=group,
            adjustments=employee.adjustments,
            rules=rules,
            memo=memo,
        )
    return EmployeeOutcome(employee.key, employee.name, card, pay, group)


def calculate_batch(
    employees: Sequence[EmployeeCalc],
    rounding: RoundingPolicy,
    *,
    unit_facts: Mapping[str, Mapping[str, Decimal]] | None = None,
    corrections: Mapping[str, Decimal] | None = None,
    rules: PayRules = DEFAULT_RULES,
) -> list[EmployeeOutcome]:
    """Every employee of a group: the group's decisions first, then each member's card and pay."""
    memo = Memo()
    context = prepare_group(
        employees, rounding, unit_facts=unit_facts, corrections=corrections, rules=rules, memo=memo
    )
    return [calculate_member(employee, context, rounding, rules=rules, memo=memo) for employee in employees]
