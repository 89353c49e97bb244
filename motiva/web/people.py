"""An employee's card (their own, or a subordinate's) and a manager's team."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from motiva.calc.fetch import _due_levels
from motiva.calc.models import CalculationRun, EmployeeResult, RunStatus
from motiva.calc.projection import project
from motiva.calc.selectors import explain, explain_outcome, latest_results
from motiva.core import access
from motiva.engine.types import LEVELS
from motiva.exports import pages as exports
from motiva.exports.tabular import download
from motiva.kpi.models import Card, CardLine, Level
from motiva.kpi.services import component_score_set
from motiva.org.models import Assignment, Employee
from motiva.org.selectors import active_on, assignment_as_of
from motiva.periods.models import IndicatorValue, Period, PeriodStatus
from motiva.web.decorators import viewer_required
from motiva.web.forms import attempt, parse_number

FINAL_STATUSES = (PeriodStatus.APPROVED, PeriodStatus.CLOSED)
PROJECTION_LIMIT = 500  # cards a page projects while it waits


def current_period_filter(today: Any, prefix: str = "") -> tuple[Q, Q]:
    """(periods containing today, periods already begun) as filters on a queryset's `prefix`."""
    return Q(**{f"{prefix}start__lte": today, f"{prefix}end__gte": today}), Q(
        **{f"{prefix}start__lte": today}
    )


def current_card(
    employee: Employee, period_id: str | None, request: HttpRequest | None = None
) -> Card | None:
    """The card of the asked period, else of the current one: the period containing today (the shortest
    if several do), else the latest that has begun, else the nearest future one. A period that is not a
    number or has no card of this employee is named in a message and the current one is shown."""
    cards = Card.objects.filter(employee=employee).select_related("period", "period__organization", "scheme")
    if period_id:
        card = (
            cards.filter(period_id=int(period_id)).first()
            if re.fullmatch(r"[0-9]{1,18}", period_id)
            else None
        )
        if card is not None:
            return card
        if request is not None:
            messages.warning(
                request, _("Period: there is no such period on this card; the current one is shown.")
            )
    today = timezone.localdate()
    containing, begun = current_period_filter(today, "period__")
    return (
        cards.filter(containing).order_by("-period__start", "period__end", "-id").first()
        or cards.filter(begun).order_by("-period__start", "-id").first()
        or cards.order_by("period__start", "id").first()
    )


@viewer_required
def my_card(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if viewer.employee is None:
        return render(request, "web/no_card.html", status=404)
    target = reverse("employee_card", args=[viewer.employee.organization_id, viewer.employee.pk])
    return redirect(target + (f"?{request.GET.urlencode()}" if request.GET else ""))  # ?period, ?format kept


@viewer_required
def employee_card(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    viewer = request.viewer
    organization = access.organization_or_404(viewer, org)
    employee = access.employee_or_404(viewer, pk)
    if employee.organization_id != organization.pk:
        raise Http404
    fmt = exports.export_format(request)  # ?format=xlsx|csv: the card's lines as a download
    if isinstance(fmt, HttpResponse):
        return fmt
    card = current_card(employee, request.GET.get("period"), request)
    show_pay = access.can_see_pay(viewer, employee)
    language = get_language() or "ru"
    context: dict[str, Any] = {
        "organization": organization,
        "employee": employee,
        "card": card,
        "show_pay": show_pay,
        "assignment": assignment_as_of(employee, timezone.localdate()),
        "periods": Period.objects.filter(cards__employee=employee).order_by("-start").distinct(),
        "is_own": viewer.employee is not None and viewer.employee.pk == employee.pk,
        "can_score": access.can_score_components(viewer, employee),
        "can_edit_card": access.can_edit_cards(viewer, organization.pk)
        and not (viewer.employee and viewer.employee.pk == employee.pk),
    }
    if card is not None:
        period = card.period
        stored = latest_results(period, [employee.pk]).get(employee.pk)
        outcome = None
        if stored is not None and (
            period.status in FINAL_STATUSES or period.status == PeriodStatus.CALCULATED
        ):
            explained, mode = (
                explain(stored, language, show_pay=show_pay),
                "final" if period.status in FINAL_STATUSES else "calculated",
            )
        else:
            outcome = project(period, [card]).get(card.pk)
            explained = explain_outcome(outcome, language, show_pay=show_pay) if outcome else None
            mode = "projection"
        levels = paid_levels(card, period, employee)
        lines = _lines_with_plans(card, explained)
        for row in lines:
            row["paid_elsewhere"] = levels["not_due"].get(row["line"].level)
        level_results = (
            (stored.level_results if stored is not None and mode != "projection" else None)
            or (outcome.card.level_results if mode == "projection" and outcome is not None else None)
            or {}
        )
        context.update(
            explained=explained,
            mode=mode,
            period=period,
            lines=lines,
            history=_history(employee) if show_pay or context["is_own"] else [],
            # a card whose levels are paid on periods of their own: what this period pays
            split_levels=bool(levels["not_due"]),
            due_results=due_results(levels, level_results, {r["line"].level for r in lines}),
        )
    if context.get("history"):
        # Chart data only (the table beside it shows the exact figures).
        context["history_chart"] = {
            "labels": [h["period"] for h in context["history"]],
            "values": [float(h["result"]) for h in context["history"]],
            "name": _("Result, %"),
        }
    context["today"] = timezone.localdate()
    if fmt is not None:
        period = context.get("period")
        name = f"motiva-card-{employee.personnel_number}" + (f"-{period.start:%Y-%m}" if period else "")
        return download(request, exports.card_lines_table(context.get("lines", [])), fmt, name, _("Card"))
    context["export_query"] = f"period={context['period'].pk}" if context.get("period") else ""
    return render(request, "web/employee_card.html", context)


PAID_FOR = {
    "month": gettext_lazy("paid for the month"),
    "quarter": gettext_lazy("paid for the quarter"),
    "half_year": gettext_lazy("paid for the half-year"),
    "year": gettext_lazy("paid for the year"),
}


def paid_levels(card: Card, period: Period, employee: Employee) -> dict[str, Any]:
    """Which levels of the card this period pays ("due") and, for the others, on which period they are
    paid (a three-level scheme pays each level on its own period [S2]; every other scheme pays all)."""
    scheme = card.scheme
    if scheme is None or scheme.kind != "three_level":
        return {"due": set(LEVELS), "not_due": {}}
    assignment = assignment_as_of(employee, period.end) or assignment_as_of(employee, period.start)
    category = assignment.position.category if assignment else ""
    block = assignment.unit.block if assignment else ""
    params = scheme.params or {}
    due = _due_levels(params, scheme.kind, category, block, period.kind)
    not_due = {}
    for level in LEVELS:
        if level in due:
            continue
        kind = params.get("top_management_period") if category == "director" else None
        if not kind:
            kind = (params.get("level_periods") or {}).get(level, period.kind)
            if isinstance(kind, dict):
                kind = kind.get(block, kind.get("default", period.kind))
        not_due[level] = PAID_FOR.get(kind, gettext_lazy("paid in another period"))
    return {"due": set(due), "not_due": not_due}


def split_levels_of(period: Period, cards: list[Card]) -> dict[int, list[str]]:
    """For the cards of a three-level scheme that pays some levels with another period: card id → the
    levels on the card this period pays (in a fixed number of queries, whatever the team's size)."""
    three = [c for c in cards if c.scheme is not None and c.scheme.kind == "three_level"]
    if not three:
        return {}
    jobs = {
        a.employee_id: a
        for a in Assignment.objects.filter(active_on(period.end), employee__in=[c.employee_id for c in three])
        .select_related("position", "unit")
        .order_by("start_date")
    }
    card_levels: dict[int, set[str]] = {}
    for card_id, level in CardLine.objects.filter(card__in=three).values_list("card_id", "level").distinct():
        card_levels.setdefault(card_id, set()).add(level)
    due_cache: dict[tuple[int, str, str], frozenset[str]] = {}
    split = {}
    for card in three:
        job = jobs.get(card.employee_id)
        category, block = (job.position.category, job.unit.block) if job else ("", "")
        key = (card.scheme_id, category, block)
        if key not in due_cache:
            due_cache[key] = _due_levels(
                card.scheme.params or {}, card.scheme.kind, category, block, period.kind
            )
        on_card = card_levels.get(card.pk, set())
        if on_card - due_cache[key]:
            split[card.pk] = [lv for lv in LEVELS if lv in due_cache[key] and lv in on_card]
    return split


def _decimal_or_none(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def due_results(
    levels: dict[str, Any], level_results: dict[str, Any], card_levels: set[str]
) -> list[dict[str, Any]]:
    """The result of each level this period pays, for the levels the card has."""
    return [
        {"level": Level(level).label, "result": level_results.get(level)}
        for level in LEVELS
        if level in levels["due"] and level in card_levels
    ]


def _lines_with_plans(card: Card, explained: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each card line with its plan values (from the card, or the period's plan for its scope) and,
    when there is a result, the fact, score and contribution."""
    by_key = {line["key"]: line for line in (explained or {}).get("lines", [])}
    card_lines = list(
        CardLine.objects.filter(card=card)
        .select_related("indicator", "scale", "component_score")
        .order_by("order", "id")
    )
    assignment = assignment_as_of(card.employee, card.period.end)
    scopes = {
        "company": "company",
        "unit": f"unit:{assignment.unit_id}" if assignment else "",
        "personal": f"employee:{card.employee_id}",
    }
    values = {
        (row["indicator_id"], row["scope_key"], row["kind"]): row
        for row in IndicatorValue.objects.filter(
            period=card.period,
            indicator_id__in=[cl.indicator_id for cl in card_lines if cl.indicator_id],
            scope_key__in=scopes.values(),
        ).values(
            "indicator_id", "scope_key", "kind", "value", "author__username", "entered_at", "confirmed_at"
        )
    }
    rows = []
    for line in card_lines:
        scope = scopes.get(line.level, "")
        plan = values.get((line.indicator_id, scope, "plan"))
        fact = values.get((line.indicator_id, scope, "fact"))
        result = by_key.get(str(line.pk), {})
        rows.append(
            {
                "line": line,
                "title": line.label
                or (line.indicator.name if line.indicator else line.get_component_display()),
                "target": line.target if line.target is not None else (plan or {}).get("value"),
                "fact": result.get("fact") if result else (fact or {}).get("value"),
                "fact_row": fact,
                "score": result.get("score"),
                "multiplier": result.get("multiplier"),
                "weighted": result.get("weighted"),
                "steps": result.get("steps", []),
                "component_value": _component_value(line),
            }
        )
    return rows


def _component_value(line: CardLine) -> Decimal | None:
    try:
        return line.component_score.value
    except CardLine.component_score.RelatedObjectDoesNotExist:
        return None


def _history(employee: Employee) -> list[dict[str, Any]]:
    """Results of past periods: each period's latest finished whole-organization run."""
    latest_runs = {}
    for run_id, period_id in (
        CalculationRun.objects.filter(
            organization_id=employee.organization_id,
            unit__isnull=True,
            status=RunStatus.DONE,
            results__employee=employee,
        )
        .order_by("period__start", "id")
        .values_list("id", "period_id")
    ):
        latest_runs[period_id] = run_id
    rows = (
        EmployeeResult.objects.filter(run_id__in=latest_runs.values(), employee=employee)
        .select_related("run__period")
        .order_by("run__period__start")
    )
    return [
        {
            "period": row.run.period.name,
            "result": row.result,
            "pay": row.pay,
            "status": row.run.period.get_status_display(),
        }
        for row in rows
    ]


TEAM_SORTS = ("result", "pay", "name")


def sort_team_rows(rows: list[dict[str, Any]], order: str) -> tuple[str, list[dict[str, Any]]]:
    """The team's rows in the asked order ("name", "-result", …); an unknown order is "-result".
    Rows without a figure stay last in either direction."""
    key_name = order.lstrip("-")
    if key_name not in TEAM_SORTS or order.count("-") > 1:
        order, key_name = "-result", "result"

    def value(row: dict[str, Any]) -> Any:
        return _name_key(row["employee"]) if key_name == "name" else row[key_name]

    present = sorted((r for r in rows if value(r) is not None), key=value, reverse=order.startswith("-"))
    return order, present + [r for r in rows if value(r) is None]


def _name_key(employee: Employee) -> tuple[str, str, str]:
    return (
        employee.last_name.casefold(),
        employee.first_name.casefold(),
        (employee.middle_name or "").casefold(),
    )


@viewer_required
def team(request: HttpRequest, org: int) -> HttpResponse:
    viewer = request.viewer
    organization = access.organization_or_404(viewer, org)
    team_ids = viewer.subtree(organization.pk)
    if not team_ids:
        raise Http404  # only a manager has a team
    fmt = exports.export_format(request)  # ?format=xlsx|csv: the same rows as a download
    if isinstance(fmt, HttpResponse):
        return fmt
    people = access.employees(viewer, organization).filter(pk__in=team_ids)
    periods = (
        Period.objects.filter(organization=organization, cards__employee__in=people)
        .distinct()
        .order_by("-start")
    )
    period_id = request.GET.get("period", "")
    period = periods.filter(pk=period_id).first() if re.fullmatch(r"[0-9]{1,18}", period_id) else None
    if period is None:
        if period_id:
            messages.warning(
                request, _("Period: there is no such period for your team; the current one is shown.")
            )
        containing, begun = current_period_filter(timezone.localdate())
        period = (
            periods.filter(containing).order_by("-start", "end").first()
            or periods.filter(begun).first()
            or periods.order_by("start").first()
        )
    rows: list[dict[str, Any]] = []
    too_many = False
    if period is not None:
        cards = list(
            Card.objects.filter(period=period, employee__in=people).select_related("employee", "scheme")
        )
        split = split_levels_of(period, cards)
        stored = latest_results(period, [c.employee_id for c in cards], summary=True)
        unprojected = [c for c in cards if c.employee_id not in stored]
        # A projection runs the engine while the page waits: for a large team the period's run gives the figures.
        too_many = len(unprojected) > PROJECTION_LIMIT
        projected = project(period, unprojected) if unprojected and not too_many else {}
        pay_ids = set(
            access.pay_visible(viewer, organization)
            .filter(pk__in=[c.employee_id for c in cards])
            .values_list("pk", flat=True)
        )
        for card in cards:
            result = stored.get(card.employee_id)
            outcome = projected.get(card.pk)
            value = result.result if result else outcome.card.total if outcome else None
            levels = None
            if card.pk in split:
                # only the levels this period pays: one of them is the row's result, several are listed
                level_results = (
                    result.level_results if result else outcome.card.level_results if outcome else None
                ) or {}
                levels = [
                    {"level": Level(lv).label, "result": level_results.get(lv)} for lv in split[card.pk]
                ]
                value = _decimal_or_none(levels[0]["result"]) if len(levels) == 1 else None
            pay = result.pay if result else (outcome.pay.total if outcome and outcome.pay else None)
            missing = sum(
                1 for line in (outcome.card.lines if outcome else ()) if line.fact is None and line.weight
            )
            rows.append(
                {
                    "employee": card.employee,
                    "result": value,
                    "levels": levels,
                    "pay": pay if card.employee_id in pay_ids else None,
                    "official": result is not None,
                    "missing": missing,
                    "behind": (value is not None and value < Decimal(100)) or missing > 0,
                    "url": reverse("employee_card", args=[organization.pk, card.employee_id])
                    + f"?period={period.pk}",
                }
            )
    asked = request.GET.get("sort") or "-result"
    order, rows = sort_team_rows(rows, asked)
    if order != asked:
        messages.warning(
            request, _("Sort: unknown order “%(sort)s”; sorted by result.") % {"sort": asked[:40]}
        )
    for place, row in enumerate(
        sorted((r for r in rows if r["result"] is not None), key=lambda r: -r["result"]), start=1
    ):
        row["place"] = place
    if fmt is not None:
        table = exports.team_table(
            rows, show_pay=any(r["pay"] is not None for r in rows), currency=organization.currency
        )
        name = f"motiva-team-{period.start:%Y-%m}" if period is not None else "motiva-team"
        return download(request, table, fmt, name, _("My team"))
    return render(
        request,
        "web/team.html",
        {
            "organization": organization,
            "period": period,
            "periods": periods,
            "rows": rows,
            "sort": order,
            "behind": [r for r in rows if r["behind"]],
            "show_pay_column": any(r["pay"] is not None for r in rows),
            "split_levels": any(r["levels"] is not None for r in rows),
            "title": _("My team"),
            "export_query": f"period={period.pk}&sort={order}" if period is not None else "",
            "too_many": period is not None and too_many,
            "projection_limit": PROJECTION_LIMIT,
        },
    )


@viewer_required
def component_score(request: HttpRequest, org: int, pk: int, line: int) -> HttpResponse:
    """The manager (or HR) scores a tasks or assessment line of a subordinate's card; never their own."""
    viewer = request.viewer
    if request.method != "POST":
        raise Http404
    organization = access.organization_or_404(viewer, org)
    employee = access.employee_or_404(viewer, pk)
    if employee.organization_id != organization.pk or not access.can_score_components(viewer, employee):
        raise Http404
    try:
        card_line = CardLine.objects.select_related("card__period", "scale").get(
            pk=line, card__employee=employee
        )
    except CardLine.DoesNotExist:
        raise Http404 from None
    try:
        value = parse_number(request.POST.get("value"))
    except ValueError:
        value = None
    if value is None:
        messages.error(request, _("“%(text)s” is not a number.") % {"text": request.POST.get("value", "")})
    else:
        attempt(
            request,
            lambda: component_score_set(
                actor=request.user,
                card_line=card_line,
                value=value,
                comment=request.POST.get("comment", "").strip(),
            ),
            _("Score saved."),
        )
    return redirect(
        reverse("employee_card", args=[organization.pk, employee.pk]) + f"?period={card_line.card.period_id}"
    )
