"""The card editor: a position's card template (a new version from a date) and one employee's card for
one period; lines from the indicator library, weights with a live total, levels, plan values, scales;
copying from the template or the previous period; assigning a template to a whole position or unit."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from motiva.core import access
from motiva.core.errors import InvalidInput
from motiva.engine.problems import Problem
from motiva.kpi.models import Card, CardTemplate, Component, Indicator, Level, PayScheme, Scale
from motiva.kpi.services import (
    card_create,
    card_replace_lines,
    card_template_create,
    cards_create_for_period,
    template_for,
)
from motiva.org.models import Assignment, Employee, Position, Unit
from motiva.org.selectors import active_on, assignment_as_of
from motiva.periods.models import Period, PeriodStatus
from motiva.web.decorators import viewer_required

# A point as a percent of the plan and a line's gate on a key indicator (see engine.scales / engine.card).
EXTRA_NUMBER_FIELDS = (
    "threshold_percent",
    "target_percent",
    "maximum_percent",
    "gate_threshold",
    "gate_threshold_percent",
    "gate_cut_to",
    "gate_cut_percent",
)
NUMBER_FIELDS = ("weight", "threshold", "target", "maximum", "planned_amount", *EXTRA_NUMBER_FIELDS)
LINE_FIELDS = ("component", "indicator", "label", "level", "scale", *NUMBER_FIELDS)
MAX_LINES = 40


def _configurer(request: HttpRequest, org: int) -> Any:
    viewer = request.viewer  # type: ignore[attr-defined]
    organization = access.organization_or_404(viewer, org)
    if not access.can_edit_cards(viewer, organization.pk):
        raise Http404
    return organization


def _line_dicts(lines: Any) -> list[dict[str, Any]]:
    """Model lines as the editor's rows (text values, ids for references)."""
    rows = []
    for line in lines:
        rows.append(
            {
                "component": line.component,
                "indicator": line.indicator_id or "",
                "label": line.label,
                "level": line.level,
                "weight": _text(line.weight),
                "scale": line.scale_id or "",
                "threshold": _text(line.threshold),
                "target": _text(line.target),
                "maximum": _text(line.maximum),
                "planned_amount": _text(line.planned_amount),
                **{field: _text(getattr(line, field)) for field in EXTRA_NUMBER_FIELDS},
            }
        )
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)


def _posted_lines(
    request: HttpRequest, organization: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows as posted (to show them again) and as the services take them (objects, numbers as text)."""
    rows: list[dict[str, Any]] = []
    for index in range(MAX_LINES):
        if f"line-{index}-level" not in request.POST:
            continue
        rows.append({field: request.POST.get(f"line-{index}-{field}", "").strip() for field in LINE_FIELDS})
    indicators = {str(i.pk): i for i in Indicator.objects.filter(organization=organization)}
    scales = {str(s.pk): s for s in Scale.objects.filter(organization=organization)}
    lines = []
    for row in rows:
        lines.append(
            {
                "component": row["component"] or Component.INDICATOR,
                "indicator": indicators.get(row["indicator"]),
                "label": row["label"],
                "level": row["level"],
                "scale": scales.get(row["scale"]),
                **{
                    f: row[f].replace(",", ".").replace("\u00a0", "").replace(" ", "") or None
                    for f in NUMBER_FIELDS
                },
            }
        )
    return rows, lines


def _render_problems(problems: list[Problem]) -> list[str]:
    language = get_language() or "ru"
    return [p.render(language) for p in problems]


def _editor_context(organization: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "organization": organization,
        "editor": {
            "lines": rows,
            # The direction and the monitoring-only flag let the editor warn as the services will refuse.
            "indicators": [
                {
                    "id": i.pk,
                    "label": f"{i.code} — {i.name}",
                    "direction": i.direction,
                    "monitoring_only": i.monitoring_only,
                }
                for i in Indicator.objects.filter(organization=organization, is_active=True).order_by("code")
            ],
            "scales": [
                {"id": s.pk, "label": f"{s.name} ({s.get_kind_display()})"}
                for s in Scale.objects.filter(organization=organization).order_by("name")
            ],
            "levels": [{"id": v, "label": str(label)} for v, label in Level.choices],
            "components": [{"id": v, "label": str(label)} for v, label in Component.choices],
        },
    }


@viewer_required
def template_edit(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """A position's card template: the version in force, a new version from a date, and assigning it."""
    organization = _configurer(request, org)
    try:
        position = Position.objects.select_related("unit").get(pk=pk, organization=organization)
    except Position.DoesNotExist:
        raise Http404 from None
    today = timezone.localdate()
    current = (
        template_for(position, today)
        or CardTemplate.objects.filter(position=position).order_by("-version").first()
    )
    rows = (
        _line_dicts(current.lines.select_related("indicator", "scale").order_by("order", "id"))
        if current
        else []
    )
    errors: list[str] = []
    data = {
        "valid_from": (current.valid_to + dt.timedelta(days=1)).isoformat()
        if current and current.valid_to
        else today.replace(day=1).isoformat(),
        "scheme": current.scheme_id if current else "",
    }
    if request.method == "POST":
        rows, lines = _posted_lines(request, organization)
        data = {"valid_from": request.POST.get("valid_from", ""), "scheme": request.POST.get("scheme", "")}
        scheme = (
            PayScheme.objects.filter(organization=organization, pk=data["scheme"]).first()
            if re.fullmatch(r"[0-9]{1,18}", data["scheme"])
            else None
        )
        try:
            valid_from = dt.date.fromisoformat(data["valid_from"])
        except ValueError:
            errors.append(_("Valid from: enter a date such as 2026-04-01."))
        if not errors:
            try:
                template, warnings = card_template_create(
                    actor=request.user, position=position, valid_from=valid_from, lines=lines, scheme=scheme
                )
            except InvalidInput as error:
                errors = _render_problems(error.problems)
            else:
                messages.success(
                    request,
                    _("Version %(v)s of the card for “%(p)s” is in force from %(d)s.")
                    % {
                        "v": template.version,
                        "p": position.title,
                        "d": template.valid_from.strftime("%d.%m.%Y"),
                    },
                )
                for warning in _render_problems(warnings):
                    messages.warning(request, warning)
                return redirect("template_edit", org=organization.pk, pk=position.pk)
    versions = CardTemplate.objects.filter(position=position).order_by("-version")
    return render(
        request,
        "web/card_editor.html",
        {
            **_editor_context(organization, rows),
            "mode": "template",
            "position": position,
            "current": current,
            "versions": versions,
            "errors": errors,
            "data": data,
            "schemes": PayScheme.objects.filter(organization=organization).order_by("name"),
            "periods": Period.objects.filter(organization=organization)
            .exclude(status=PeriodStatus.CLOSED)
            .order_by("-start"),
        },
        status=400 if errors else 200,
    )


@viewer_required
def template_assign(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """Cards for everyone holding the position (or everyone in its unit) in a period, in one action."""
    organization = _configurer(request, org)
    if request.method != "POST":
        raise Http404
    try:
        position = Position.objects.get(pk=pk, organization=organization)
        period = Period.objects.get(pk=request.POST.get("period"), organization=organization)
    except (Position.DoesNotExist, Period.DoesNotExist, ValueError):
        raise Http404 from None
    holders = Assignment.objects.filter(active_on(period.start), organization=organization)
    if request.POST.get("scope") == "unit":
        unit = Unit.objects.get(pk=position.unit_id)
        holders = holders.filter(unit__path__startswith=unit.path)
    else:
        holders = holders.filter(position=position)
    employees = Employee.objects.filter(pk__in=holders.values("employee_id")).order_by("last_name")
    with transaction.atomic():
        created, skipped = cards_create_for_period(actor=request.user, period=period, employees=employees)
    messages.success(request, _("Cards created: %(n)s.") % {"n": len(created)})
    language = get_language() or "ru"
    for employee, refusal in skipped:
        messages.warning(request, f"{employee}: " + "; ".join(refusal.messages(language)))
    return redirect("template_edit", org=organization.pk, pk=position.pk)


@viewer_required
def card_edit(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """One employee's card for one period: edit its lines, or copy them from the template or the previous period."""
    organization = _configurer(request, org)
    try:
        employee = Employee.objects.get(pk=pk, organization=organization)
        period = Period.objects.get(
            pk=request.GET.get("period") or request.POST.get("period"), organization=organization
        )
    except (Employee.DoesNotExist, Period.DoesNotExist, ValueError):
        raise Http404 from None
    viewer = request.viewer  # type: ignore[attr-defined]
    if viewer.employee is not None and viewer.employee.pk == employee.pk:
        raise Http404  # nobody sets their own card
    card = Card.objects.filter(employee=employee, period=period).first()
    assignment = assignment_as_of(employee, period.start) or assignment_as_of(employee, period.end)
    template = template_for(assignment.position, period.start) if assignment else None
    previous = (
        Card.objects.filter(employee=employee, period__end__lt=period.start)
        .order_by("-period__start")
        .first()
    )
    source = request.GET.get("copy")
    if source == "template" and template:
        rows = _line_dicts(template.lines.order_by("order", "id"))
    elif source == "previous" and previous:
        rows = _line_dicts(previous.lines.order_by("order", "id"))
    else:
        rows = _line_dicts(card.lines.order_by("order", "id")) if card else []
    errors: list[str] = []
    if request.method == "POST":
        if period.status == PeriodStatus.CLOSED:
            errors.append(_("The period is closed: its cards cannot be changed."))
        rows, lines = _posted_lines(request, organization)
        if not errors:
            try:
                if card is None:
                    card, warnings = card_create(
                        actor=request.user,
                        employee=employee,
                        period=period,
                        lines=lines,
                        scheme=template.scheme if template else None,
                    )
                else:
                    warnings = card_replace_lines(
                        actor=request.user, card=card, lines=lines, reason=request.POST.get("reason", "")
                    )
            except InvalidInput as error:
                errors = _render_problems(error.problems)
            else:
                messages.success(
                    request, _("The card of %(e)s for %(p)s is saved.") % {"e": employee, "p": period.name}
                )
                for warning in _render_problems(warnings):
                    messages.warning(request, warning)
                return redirect(f"{request.path}?period={period.pk}")
    return render(
        request,
        "web/card_editor.html",
        {
            **_editor_context(organization, rows),
            "mode": "card",
            "employee": employee,
            "period": period,
            "card": card,
            "template": template,
            "previous": previous,
            "errors": errors,
            "closed": period.status == PeriodStatus.CLOSED,
        },
        status=400 if errors else 200,
    )


@viewer_required
def template_list(request: HttpRequest, org: int) -> HttpResponse:
    organization = _configurer(request, org)
    today = timezone.localdate()
    positions = (
        Position.objects.filter(organization=organization)
        .select_related("unit")
        .order_by("unit__path", "title")
    )
    rows = [{"position": p, "template": template_for(p, today)} for p in positions]
    return render(request, "web/templates.html", {"organization": organization, "rows": rows})
