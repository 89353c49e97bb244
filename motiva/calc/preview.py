"""A pay scheme tried on one person before it is saved: "what would this employee get with these settings".

The person's card, facts, salary, time worked and adjustments of the period are read as a run reads them
(fetch); only the scheme is replaced by the unsaved one. Nothing is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from motiva.calc import fetch
from motiva.engine.batch import EmployeeCalc, EmployeeOutcome, calculate_member, needs_group, prepare_group
from motiva.engine.types import SchemeSpec
from motiva.kpi.models import Card


def _under(employee: EmployeeCalc, spec: SchemeSpec, period_kind: str) -> EmployeeCalc:
    """The employee as paid by `spec`: the levels due in this period follow the scheme's own terms."""
    due = fetch._due_levels(
        dict(spec.params), spec.kind, employee.pay.category, employee.pay.block, period_kind
    )
    return replace(employee, scheme=spec, pay=replace(employee.pay, due_levels=due))


def preview_pay(card: Card, kind: str, params: Mapping[str, Any], name: str = "") -> EmployeeOutcome | None:
    """The engine's outcome for the card's employee under the given scheme. A scheme whose members depend
    on each other (a ranking, a fund split, formulas over the unit) is tried on the whole group that has the
    card's current scheme in the period, everyone under the new settings."""
    period = card.period
    organization = period.organization
    rounding, rules = organization.rounding, organization.pay_rules
    plan = fetch.fetch_plan(period, whole_run=False)
    spec = SchemeSpec(kind, dict(params), name or "preview")
    part = fetch.fetch_slice(plan, card_ids=[card.pk])
    if not part.employees:
        return None
    employee = _under(part.employees[0], spec, period.kind)
    members = [employee]
    if needs_group(spec) and card.scheme_id:
        others = fetch.fetch_slice(plan, scheme_ids={card.scheme_id}).employees
        members += [_under(e, spec, period.kind) for e in others if e.key != employee.key]
    context = prepare_group(
        members, rounding, unit_facts=plan.unit_facts, corrections=plan.corrections, rules=rules
    )
    return calculate_member(employee, context, rounding, rules=rules)
