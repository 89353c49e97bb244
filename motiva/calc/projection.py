"""Results as of today: the engine run on the current facts for a few cards, for the pages
("results visible daily"). Nothing is stored; a calculation run stores the official result."""

from __future__ import annotations

from collections.abc import Sequence

from motiva.calc import fetch
from motiva.engine.batch import EmployeeOutcome, calculate_member, prepare_group
from motiva.engine.memo import Memo
from motiva.kpi.models import Card
from motiva.periods.models import Period


def project(period: Period, cards: Sequence[Card]) -> dict[int, EmployeeOutcome]:
    """Card id → the outcome the engine gives now, with its full trace. A fixed number of queries,
    plus the whole group for schemes whose members depend on each other (rankings, fund splits)."""
    if not cards:
        return {}
    organization = period.organization
    rounding = organization.rounding
    plan = fetch.fetch_plan(period, whole_run=False)
    group_ids = plan.group_scheme_ids & {card.scheme_id for card in cards if card.scheme_id}
    members = fetch.fetch_slice(plan, scheme_ids=group_ids).employees if group_ids else []
    rules = organization.pay_rules
    memo = Memo()
    context = prepare_group(
        members, rounding, unit_facts=plan.unit_facts, corrections=plan.corrections, rules=rules, memo=memo
    )
    part = fetch.fetch_slice(plan, card_ids=[card.pk for card in cards])
    return {
        part.cards[employee.key]: calculate_member(employee, context, rounding, rules=rules, memo=memo)
        for employee in part.employees
    }
