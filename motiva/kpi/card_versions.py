"""Reads about template versions and the cards made from them: which cards of which periods a version
applies to, what would change on each (lines added, removed and changed, by name), and on which kinds of
period a template pays (its periodicity). The write that applies a version is
`kpi.services.card_template_apply`; it recomputes this plan inside its transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q

from motiva.core.models import PeriodKind
from motiva.kpi.models import Card, CardLine, CardTemplate, CardTemplateLine, Component, Level
from motiva.org.models import Assignment, Employee
from motiva.periods.models import Period, PeriodStatus

# What a line holds besides its place in the card; compared one by one (references by id).
COMPARED_FIELDS = (
    "component",
    "indicator",
    "label",
    "level",
    "weight",
    "scale",
    "threshold",
    "target",
    "maximum",
    "threshold_percent",
    "target_percent",
    "maximum_percent",
    "gate_threshold",
    "gate_threshold_percent",
    "gate_cut_to",
    "gate_cut_percent",
    "planned_amount",
    "confirmer_position",
)
REFERENCES = ("indicator", "scale", "confirmer_position")
# Periods that a calculation has already used: changing their cards puts the calculation out of date.
CALCULATED = (PeriodStatus.CALCULATED, PeriodStatus.APPROVED)


@dataclass(frozen=True)
class FieldChange:
    field: str  # the model field's name
    label: str  # its verbose name, in the active language
    old: Any
    new: Any

    @property
    def is_number(self) -> bool:
        return isinstance(self.old, Decimal) or isinstance(self.new, Decimal)


@dataclass(frozen=True)
class LineChange:
    kind: str  # "added", "removed" or "changed"
    title: str
    fields: tuple[FieldChange, ...] = ()


@dataclass
class CardPlan:
    """One card the version reaches: what would change, or why it is left alone."""

    card: Card
    lines: list[LineChange] = field(default_factory=list)
    scheme: tuple[str, str] | None = None  # old and new scheme names, when the scheme changes
    refusal: str = ""  # "closed" or "own" (nothing is changed on such a card)
    notes: list[str] = field(default_factory=list)  # "calculated", "targets_approved"


@dataclass
class VersionPlan:
    template: CardTemplate
    changed: list[CardPlan]  # open periods, would change
    refused: list[CardPlan]  # would change, but may not: a closed period or the actor's own card
    unchanged: int  # cards that already hold the version's lines
    digest: str

    def by_period(self) -> list[tuple[Period, list[CardPlan]]]:
        groups: dict[int, list[CardPlan]] = defaultdict(list)
        periods: dict[int, Period] = {}
        for plan in self.changed:
            groups[plan.card.period_id].append(plan)
            periods[plan.card.period_id] = plan.card.period
        return [(periods[pk], groups[pk]) for pk in sorted(groups, key=lambda pk: periods[pk].start)]

    def groups_by_period(self) -> list[tuple[Period, list[tuple[CardPlan, list[CardPlan]]]]]:
        """Per period, the cards that change in the same way, together: (one of them, all of them)."""
        result = []
        for period, plans in self.by_period():
            groups: dict[tuple[Any, ...], list[CardPlan]] = {}
            for plan in plans:
                key = (tuple(plan.lines), plan.scheme, plan.card.template_id, tuple(plan.notes))
                groups.setdefault(key, []).append(plan)
            result.append((period, [(same[0], same) for same in groups.values()]))
        return result

    def refused_by_period(self) -> list[tuple[Period, str, list[Employee]]]:
        """The refused cards as (period, reason, people), in the periods' order."""
        groups: dict[tuple[int, str], list[Employee]] = defaultdict(list)
        periods: dict[int, Period] = {}
        for plan in self.refused:
            groups[(plan.card.period_id, plan.refusal)].append(plan.card.employee)
            periods[plan.card.period_id] = plan.card.period
        return [
            (periods[pk], reason, groups[(pk, reason)])
            for pk, reason in sorted(groups, key=lambda key: (periods[key[0]].start, key[1]))
        ]


def _value(line: Any, name: str) -> Any:
    return getattr(line, f"{name}_id") if name in REFERENCES else getattr(line, name)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return (a or "").strip() == (b or "").strip()
    return a == b


def _key(line: Any) -> tuple[Any, ...]:
    if line.component == Component.INDICATOR:
        return (Component.INDICATOR, line.indicator_id)
    return (line.component, (line.label or "").strip().casefold())


def match_lines(old: Sequence[Any], new: Sequence[Any]) -> tuple[list[tuple[Any, Any]], list[Any], list[Any]]:
    """Pairs (old, new) of the same line — the same indicator, or the same component and label — then
    the old lines that go and the new lines that come."""
    waiting: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for line in old:
        waiting[_key(line)].append(line)
    pairs, added = [], []
    for line in new:
        same = waiting.get(_key(line))
        if same:
            pairs.append((same.pop(0), line))
        else:
            added.append(line)
    removed = [line for lines in waiting.values() for line in lines]
    return pairs, removed, added


def _shown(line: Any, name: str) -> Any:
    value = getattr(line, name)
    if name == "level" and value:
        return Level(value).label
    if name == "component" and value:
        return Component(value).label
    return value


def diff_lines(old: Sequence[Any], new: Sequence[Any]) -> list[LineChange]:
    """What replacing the old lines by the new ones changes, line by line, with names."""
    pairs, removed, added = match_lines(old, new)
    changes = [LineChange("removed", line.title) for line in removed]
    for before, after in pairs:
        fields = tuple(
            FieldChange(
                name,
                str(CardLine._meta.get_field(name).verbose_name),
                _shown(before, name),
                _shown(after, name),
            )
            for name in COMPARED_FIELDS
            if not _same(_value(before, name), _value(after, name))
        )
        if fields:
            changes.append(LineChange("changed", after.title, fields))
    changes += [LineChange("added", line.title) for line in added]
    return changes


def _position_at(spans: Iterable[tuple[int, dt.date, dt.date | None]], period: Period) -> int | None:
    """The position held at the period's start, else at its end (the rule cards are made by)."""
    at_end = None
    for position_id, start, end in spans:
        if start <= period.start and (end is None or end >= period.start):
            return position_id
        if start <= period.end and (end is None or end >= period.end):
            at_end = at_end or position_id
    return at_end


def version_cards(template: CardTemplate) -> list[Card]:
    """Every card, in any period, whose holder had the version's position when the version was in force
    at the period's start — the cards the version is the template of. In a fixed number of queries."""
    periods = Period.objects.filter(organization_id=template.organization_id, start__gte=template.valid_from)
    if template.valid_to is not None:
        periods = periods.filter(start__lte=template.valid_to)
    holders = Assignment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=template.valid_from),
        position_id=template.position_id,
    )
    if template.valid_to is not None:
        # a holder counts from a period's end too, and a period starting by valid_to ends within a year
        holders = holders.filter(start_date__lte=template.valid_to + dt.timedelta(days=400))
    cards = list(
        Card.objects.filter(period__in=periods, employee_id__in=holders.values("employee_id"))
        .select_related("employee", "period", "template__position", "scheme")
        .order_by("period__start", "employee__last_name", "employee__first_name", "pk")
    )
    spans: dict[int, list[tuple[int, dt.date, dt.date | None]]] = defaultdict(list)
    for employee_id, position_id, start, end in (
        Assignment.objects.filter(employee_id__in={c.employee_id for c in cards})
        .order_by("employee_id", "start_date")
        .values_list("employee_id", "position_id", "start_date", "end_date")
    ):
        spans[employee_id].append((position_id, start, end))
    return [c for c in cards if _position_at(spans[c.employee_id], c.period) == template.position_id]


def version_plan(template: CardTemplate, *, actor_employee: Employee | None = None) -> VersionPlan:
    """What applying the version to its cards would do: the cards of open periods that change, the
    ones that would change but may not (closed period, the actor's own card), and a fingerprint of it
    all, so that the confirmation applies exactly what the preview showed."""
    new_lines = list(template.lines.select_related("indicator").order_by("order", "id"))
    cards = version_cards(template)
    lines_of: dict[int, list[CardLine]] = defaultdict(list)
    for line in (
        CardLine.objects.filter(card__in=[c.pk for c in cards])
        .select_related("indicator")
        .order_by("card_id", "order", "id")
    ):
        lines_of[line.card_id].append(line)
    changed, refused, unchanged = [], [], 0
    fingerprint = hashlib.sha256(f"template:{template.pk}".encode())
    for card in cards:
        old_lines = lines_of[card.pk]
        plan = CardPlan(card=card, lines=diff_lines(old_lines, new_lines))
        if card.scheme_id != template.scheme_id:
            plan.scheme = (
                card.scheme.name if card.scheme else "—",
                template.scheme.name if template.scheme else "—",
            )
        if not plan.lines and plan.scheme is None:
            unchanged += 1
            continue
        if card.period.status == PeriodStatus.CLOSED:
            plan.refusal = "closed"
        elif actor_employee is not None and card.employee_id == actor_employee.pk:
            plan.refusal = "own"
        if card.period.status in CALCULATED:
            plan.notes.append("calculated")
        if card.status == "approved":
            plan.notes.append("targets_approved")
        (refused if plan.refusal else changed).append(plan)
        if not plan.refusal:
            state = [(line.pk, *[str(_value(line, name)) for name in COMPARED_FIELDS]) for line in old_lines]
            fingerprint.update(repr((card.pk, card.scheme_id, card.template_id, state)).encode())
    return VersionPlan(template, changed, refused, unchanged, fingerprint.hexdigest())


# --- Periodicity ------------------------------------------------------------------------------------


def _three_level_period(params: dict[str, Any], level: str, block: str) -> str | None:
    configured = (params.get("level_periods") or {}).get(level)
    if isinstance(configured, dict):
        configured = configured.get(block, configured.get("default"))
    return configured if configured in PeriodKind.values else None


def template_periods(template: CardTemplate) -> dict[str, list[str]]:
    """The kinds of period the template's lines are paid on, each with the lines: the scheme's period
    for the line's level on a three-level scheme (the top management's own period for a director),
    otherwise the indicator's periodicity. Tasks and assessments follow the card and are left out."""
    position = template.position
    scheme = template.scheme
    params = scheme.params if scheme is not None and scheme.kind == "three_level" else None
    block = position.unit.block if position.unit_id else ""
    kinds: dict[str, list[str]] = defaultdict(list)
    lines: Iterable[CardTemplateLine] = template.lines.select_related("indicator").order_by("order", "id")
    for line in lines:
        if line.component != Component.INDICATOR or line.indicator is None:
            continue
        if line.indicator.monitoring_only:
            continue
        if params is not None:
            top = params.get("top_management_period")
            kind = (
                top
                if top in PeriodKind.values and position.category == "director"
                else _three_level_period(params, line.level, block)
            )
        else:
            kind = line.indicator.periodicity
        if kind:
            kinds[kind].append(line.title)
    return dict(kinds)


@dataclass(frozen=True)
class PeriodicityMismatch:
    template: CardTemplate
    period: Period
    kinds: dict[str, list[str]]  # the template's periods and their lines
    nothing_paid: bool  # no line of the card is paid on this kind of period

    def kind_labels(self) -> list[tuple[str, list[str]]]:
        return [(str(PeriodKind(kind).label), lines) for kind, lines in self.kinds.items()]


def periodicity_mismatch(template: CardTemplate, period: Period) -> PeriodicityMismatch | None:
    """Whether cards from the template in this period would be off its rhythm: nothing on it is paid on
    this kind of period, or (on a scheme paying every line on the card's period) some lines are measured
    on another periodicity."""
    kinds = template_periods(template)
    if not kinds:
        return None
    three_level = template.scheme is not None and template.scheme.kind == "three_level"
    if period.kind not in kinds:
        return PeriodicityMismatch(template, period, kinds, nothing_paid=True)
    if not three_level and len(kinds) > 1:
        return PeriodicityMismatch(template, period, kinds, nothing_paid=False)
    return None
