"""The card editor: a position's card template (a new version from a date) and one employee's card for
one period; lines from the indicator library, weights with a live total, levels, plan values, scales;
copying from the template or the previous period; assigning a template to a whole position or unit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from motiva.core import access
from motiva.core.errors import InvalidInput
from motiva.engine.problems import Problem
from motiva.kpi.card_versions import periodicity_mismatch, version_plan
from motiva.kpi.models import Card, CardTemplate, Component, Indicator, Level, PayScheme, Scale
from motiva.kpi.services import (
    card_create,
    card_replace_lines,
    card_template_apply,
    card_template_create,
    cards_create_for_period,
    template_for,
)
from motiva.org.models import Assignment, Employee, Position, Unit
from motiva.org.selectors import active_on, assignment_as_of
from motiva.periods.models import Period, PeriodStatus
from motiva.web.card_forms import (
    NUMBER_FIELDS,
    REFERENCE_FIELDS,
    ApplyForm,
    AssignForm,
    CardPageForm,
    CardSaveForm,
    TemplateVersionForm,
    VersionChoiceForm,
    posted_lines,
)
from motiva.web.decorators import viewer_required
from motiva.web.versions import FIELD_NAME as VERSION_FIELD
from motiva.web.versions import changed_by, version_of


def _configurer(request: HttpRequest, org: int) -> Any:
    viewer = request.viewer  # type: ignore[attr-defined]
    organization = access.organization_or_404(viewer, org)
    if not access.can_edit_cards(viewer, organization.pk):
        raise Http404
    return organization


def _line_dicts(lines: Any) -> list[dict[str, Any]]:
    """Model lines as the editor's rows (text values, ids for references)."""
    return [
        {
            "component": line.component,
            "label": line.label,
            "level": line.level,
            **{field: getattr(line, f"{field}_id") or "" for field in REFERENCE_FIELDS},
            **{field: _text(getattr(line, field)) for field in NUMBER_FIELDS},
        }
        for line in lines
    ]


def _text(value: Any) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)


def _render_problems(problems: list[Problem]) -> list[str]:
    language = get_language() or "ru"
    return [p.render(language) for p in problems]


def _bad_lines(problems: list[Problem]) -> list[int]:
    """The lines a refusal names ("lines[3].target" is the fourth), to open them in the editor."""
    found = []
    for p in problems:
        if p.field.startswith("lines[") and "]" in p.field:
            number = p.field[6 : p.field.index("]")]
            if number.isdigit():
                found.append(int(number))
    return found


def _editor_context(
    organization: Any, rows: list[dict[str, Any]], open_lines: Sequence[int] = ()
) -> dict[str, Any]:
    # A line may keep an indicator retired since: it stays offered on that line's card.
    used = {
        str(row.get("indicator"))
        for row in rows
        if str(row.get("indicator", "")).isascii()
        and str(row.get("indicator", "")).isdigit()
        and len(str(row.get("indicator"))) <= 18
    }
    return {
        "organization": organization,
        "editor": {
            "lines": [{**row, "open": index in open_lines} for index, row in enumerate(rows)],
            # The direction and the monitoring-only flag let the editor warn as the services will refuse.
            "indicators": [
                {
                    "id": i.pk,
                    "label": f"{i.code} — {i.name}",
                    "direction": i.direction,
                    "monitoring_only": i.monitoring_only,
                }
                for i in Indicator.objects.filter(
                    Q(is_active=True) | Q(pk__in=[int(pk) for pk in used]), organization=organization
                ).order_by("code")
            ],
            "scales": [
                {"id": s.pk, "label": _scale_label(s)}
                for s in Scale.objects.filter(organization=organization).order_by("name")
            ],
            "positions": [
                {"id": pk, "label": f"{title} ({unit})"}
                for pk, title, unit in Position.objects.filter(organization=organization)
                .order_by("unit__path", "title")
                .values_list("pk", "title", "unit__name")
            ],
            "levels": [{"id": v, "label": str(label)} for v, label in Level.choices],
            "components": [{"id": v, "label": str(label)} for v, label in Component.choices],
            "currency": organization.currency,
        },
    }


class StalePage(Exception):
    """The card or the template changed since its editor was shown (raised inside the transaction)."""


def card_version(card: Card | None) -> str:
    """The version of a card as its editor shows it: the card, its template and its lines (a change
    replaces the lines by new rows, so their ids change too)."""
    if card is None:
        return version_of(None)
    lines = card.lines.order_by("order", "id")
    return version_of(card.pk, card.template_id, [line.pk for line in lines], _line_dicts(lines))


def template_version(position: Position) -> str:
    """The version of a position's card template as its editor shows it: its latest version."""
    latest = CardTemplate.objects.filter(position=position).order_by("-version").first()
    return version_of(latest.pk if latest else None, latest.version if latest else None)


def _lines_text(lines: Any) -> str:
    """The current lines, short: "SALES 60 %; PLAN 40 %" (or "no lines")."""
    parts = [
        f"{line.indicator.code if line.indicator_id else line.label} {_text(line.weight)} %"
        for line in lines.select_related("indicator").order_by("order", "id")
    ]
    return "; ".join(parts) or _("no lines")


def _last_change(entity_type: str, entity_id: Any) -> str:
    from motiva.core.models import AuditEvent

    last = (
        AuditEvent.objects.filter(entity_type=entity_type, entity_id=str(entity_id))
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    return changed_by(last.actor if last else None, last.at if last else None)


def _scale_label(scale: Scale) -> str:
    """The scale's name, with its kind unless the name already says it."""
    kind = str(scale.get_kind_display())
    if kind.split(":")[0].split(" ")[0].casefold() in scale.name.casefold():
        return scale.name
    return f"{scale.name} ({kind})"


def _position_or_404(organization: Any, pk: int) -> Position:
    try:
        return Position.objects.select_related("unit").get(pk=pk, organization=organization)
    except Position.DoesNotExist:
        raise Http404 from None


@viewer_required
def template_edit(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """A position's card template: its latest version (in force, or from a later date), a new version
    from a date, applying a version to existing cards, and assigning the template to a period."""
    organization = _configurer(request, org)
    position = _position_or_404(organization, pk)
    today = timezone.localdate()
    in_force = template_for(position, today)
    latest = CardTemplate.objects.filter(position=position).order_by("-version").first()
    current = latest or in_force  # a new version starts after the latest, so the editor offers it
    rows = (
        _line_dicts(current.lines.select_related("indicator", "scale").order_by("order", "id"))
        if current
        else []
    )
    errors: list[str] = []
    open_lines: list[int] = []
    stale = False
    month = today.replace(day=1)
    if current is not None and current.valid_from >= month:
        # the first day of the month after the latest version's start
        month = (current.valid_from.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    data = {"valid_from": month.isoformat(), "scheme": current.scheme_id if current else ""}
    if request.method == "POST":
        rows, lines, errors, open_lines = posted_lines(request.POST, organization)
        head = TemplateVersionForm(request.POST, organization=organization)
        data = {"valid_from": head["valid_from"].value() or "", "scheme": head["scheme"].value() or ""}
        if not head.is_valid():
            errors = [
                f"{head.fields[name].label}: {message}"
                for name, msgs in head.errors.items()
                for message in msgs
            ] + errors
        seen = request.POST.get(VERSION_FIELD)
        if not errors:
            try:
                with transaction.atomic():
                    # The position's row serializes new versions of its template.
                    Position.objects.select_for_update().filter(pk=position.pk).first()
                    if seen is not None and template_version(position) != seen:
                        raise StalePage
                    template, warnings = card_template_create(
                        actor=request.user,
                        position=position,
                        valid_from=head.cleaned_data["valid_from"],
                        lines=lines,
                        scheme=head.cleaned_data["scheme"],
                    )
            except StalePage:
                latest = CardTemplate.objects.filter(position=position).order_by("-version").first()
                stale = True
                errors = [
                    _(
                        "Version %(v)s of this card was %(changed)s after you opened the page; its lines are "
                        "now: %(lines)s. Nothing was saved: your lines are kept below, save again to make "
                        "the next version from them."
                    )
                    % {
                        "v": latest.version if latest else "—",
                        "changed": _last_change("kpi.CardTemplate", latest.pk if latest else ""),
                        "lines": _lines_text(latest.lines) if latest else _("no lines"),
                    }
                ]
            except InvalidInput as error:
                errors = _render_problems(error.problems)
                open_lines = _bad_lines(error.problems)
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
    versions = CardTemplate.objects.filter(position=position).select_related("scheme").order_by("-version")
    return render(
        request,
        "web/card_editor.html",
        {
            **_editor_context(organization, rows, open_lines),
            "mode": "template",
            "position": position,
            "current": current,
            "in_force": in_force,
            "versions": versions,
            "errors": errors,
            "stale": stale,
            "version_field": VERSION_FIELD,
            "page_version": request.POST.get(VERSION_FIELD, "")
            if errors and not stale
            else template_version(position),
            "data": data,
            "schemes": PayScheme.objects.filter(organization=organization).order_by("name"),
            "periods": Period.objects.filter(organization=organization)
            .exclude(status=PeriodStatus.CLOSED)
            .order_by("-start"),
        },
        status=409 if stale else 400 if errors else 200,
    )


def _assign_holders(position: Position, period: Period, scope: str) -> list[Employee]:
    holders = Assignment.objects.filter(active_on(period.start), organization_id=position.organization_id)
    if scope == "unit":
        unit = Unit.objects.get(pk=position.unit_id)
        holders = holders.filter(unit__path__startswith=unit.path)
    else:
        holders = holders.filter(position=position)
    return list(
        Employee.objects.filter(pk__in=holders.values("employee_id")).order_by("last_name", "first_name")
    )


def _mismatches(position: Position, period: Period, employees: list[Employee], scope: str) -> list[Any]:
    """Templates that would make cards off their rhythm in this period (each the one in force for the
    position each person holds at the period's start)."""
    if scope == "unit":
        position_ids = set(
            Assignment.objects.filter(active_on(period.start), employee__in=employees).values_list(
                "position_id", flat=True
            )
        )
        positions = Position.objects.filter(pk__in=position_ids).select_related("unit").order_by("title")
    else:
        positions = [position]
    found = []
    for holder_position in positions:
        template = template_for(holder_position, period.start)
        mismatch = periodicity_mismatch(template, period) if template else None
        if mismatch is not None:
            found.append(mismatch)
    return found


@viewer_required
def template_assign(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """Cards for everyone holding the position (or everyone in its unit) in a period, in one action.
    When a template does not fit the kind of period (its lines are paid yearly, the period is a month),
    the page first says so and asks for a confirmation."""
    organization = _configurer(request, org)
    if request.method != "POST":
        raise Http404
    position = _position_or_404(organization, pk)
    form = AssignForm(request.POST, organization=organization)
    if not form.is_valid():
        for name, msgs in form.errors.items():
            label = form.fields[name].label if name in form.fields else name
            for message in msgs:
                messages.error(request, f"{label}: {message}")
        return redirect("template_edit", org=organization.pk, pk=position.pk)
    period, scope = form.cleaned_data["period"], form.cleaned_data["scope"] or "position"
    employees = _assign_holders(position, period, scope)
    if not form.cleaned_data["confirm"]:
        mismatches = _mismatches(position, period, employees, scope)
        if mismatches:
            having = set(
                Card.objects.filter(period=period, employee__in=employees).values_list(
                    "employee_id", flat=True
                )
            )
            return render(
                request,
                "web/template_assign_confirm.html",
                {
                    "organization": organization,
                    "position": position,
                    "period": period,
                    "scope": scope,
                    "mismatches": mismatches,
                    "new": [e for e in employees if e.pk not in having],
                    "having": [e for e in employees if e.pk in having],
                },
            )
    try:
        with transaction.atomic():
            created, skipped = cards_create_for_period(actor=request.user, period=period, employees=employees)
    except InvalidInput as error:
        for message in _render_problems(error.problems):
            messages.error(request, message)
        return redirect("template_edit", org=organization.pk, pk=position.pk)
    messages.success(request, _("Cards created: %(n)s.") % {"n": len(created)})
    language = get_language() or "ru"
    for employee, refusal in skipped:
        messages.warning(request, f"{employee}: " + "; ".join(refusal.messages(language)))
    return redirect("template_edit", org=organization.pk, pk=position.pk)


@viewer_required
def template_apply(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """A version of the position's template applied to the cards already made in open periods: first a
    preview of what changes for whom, then the confirmation, which applies exactly what was shown."""
    organization = _configurer(request, org)
    position = _position_or_404(organization, pk)
    viewer = request.viewer  # type: ignore[attr-defined]
    own = viewer.employee if viewer.employee and viewer.employee.organization_id == organization.pk else None
    form: VersionChoiceForm = (
        ApplyForm(request.POST, position=position)
        if request.method == "POST"
        else VersionChoiceForm(request.GET, position=position)
    )
    errors: list[str] = []
    if not form.is_valid():
        errors += [
            f"{form.fields[name].label or name}: {message}" if name in form.fields else message
            for name, msgs in form.errors.items()
            for message in msgs
        ]
    template = (form.cleaned_data.get("version") if form.is_bound and not errors else None) or (
        CardTemplate.objects.filter(position=position).order_by("-version").first()
    )
    if template is None:
        raise Http404
    if request.method == "POST" and not errors:
        try:
            cards = card_template_apply(
                actor=request.user,
                template=template,
                card_ids=form.cleaned_data["cards"],
                digest=form.cleaned_data["digest"],
                reason=form.cleaned_data["reason"],
            )
        except InvalidInput as error:
            errors = _render_problems(error.problems)
        else:
            messages.success(
                request,
                _("Version %(v)s is applied to %(n)s cards.") % {"v": template.version, "n": len(cards)},
            )
            return redirect("template_edit", org=organization.pk, pk=position.pk)
    plan = version_plan(template, actor_employee=own)
    return render(
        request,
        "web/template_apply.html",
        {
            "organization": organization,
            "position": position,
            "template": template,
            "versions": CardTemplate.objects.filter(position=position).order_by("-version"),
            "plan": plan,
            "card_ids": ",".join(str(p.card.pk) for p in plan.changed),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@viewer_required
def card_edit(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """One employee's card for one period: edit its lines, or copy them from the template version in
    force for the period (the page names it) or from the previous period."""
    organization = _configurer(request, org)
    try:
        employee = Employee.objects.get(pk=pk, organization=organization)
    except Employee.DoesNotExist:
        raise Http404 from None
    query = CardPageForm(
        {
            "period": request.GET.get("period") or request.POST.get("period"),
            "copy": request.GET.get("copy", ""),
        },
        organization=organization,
    )
    query.is_valid()
    if "period" not in query.cleaned_data:
        raise Http404
    period = query.cleaned_data["period"]
    source = query.cleaned_data.get("copy", "")  # an unknown choice copies nothing
    viewer = request.viewer  # type: ignore[attr-defined]
    if viewer.employee is not None and viewer.employee.pk == employee.pk:
        raise Http404  # nobody sets their own card
    card = Card.objects.filter(employee=employee, period=period).select_related("template").first()
    assignment = assignment_as_of(employee, period.start) or assignment_as_of(employee, period.end)
    template = template_for(assignment.position, period.start) if assignment else None
    # A version that starts inside the period does not apply to it (cards follow the version in force
    # at the period's start); the page says so rather than copy silently.
    later = (
        CardTemplate.objects.filter(
            position=assignment.position, valid_from__gt=period.start, valid_from__lte=period.end
        )
        .order_by("valid_from")
        .first()
        if assignment
        else None
    )
    previous = (
        Card.objects.filter(employee=employee, period__end__lt=period.start)
        .order_by("-period__start")
        .first()
    )
    copied = None
    if source == "template" and template:
        rows = _line_dicts(template.lines.order_by("order", "id"))
        copied = template
    elif source == "previous" and previous:
        rows = _line_dicts(previous.lines.order_by("order", "id"))
    else:
        rows = _line_dicts(card.lines.order_by("order", "id")) if card else []
    errors: list[str] = []
    open_lines: list[int] = []
    stale = False
    if request.method == "POST":
        if period.status == PeriodStatus.CLOSED:
            errors.append(_("The period is closed: its cards cannot be changed."))
        rows, lines, line_errors, open_lines = posted_lines(request.POST, organization)
        errors += line_errors
        extra = CardSaveForm(request.POST)
        if not extra.is_valid():
            errors += [f"{extra.fields[n].label}: {m}" for n, msgs in extra.errors.items() for m in msgs]
        # The version the lines were copied from, when they were (the card then records it).
        posted = extra.cleaned_data.get("from_template", "") if not extra.errors else ""
        copied = template if template and posted == str(template.pk) else None
        reason = extra.cleaned_data.get("reason", "") if not extra.errors else ""
        seen = request.POST.get(VERSION_FIELD)
        if not errors:
            try:
                with transaction.atomic():
                    locked = Card.objects.select_for_update().filter(employee=employee, period=period).first()
                    if seen is not None and card_version(locked) != seen:
                        card = locked
                        raise StalePage
                    if card is None:
                        card, warnings = card_create(
                            actor=request.user,
                            employee=employee,
                            period=period,
                            lines=lines,
                            template=copied,
                            scheme=template.scheme if template else None,
                        )
                    else:
                        warnings = card_replace_lines(
                            actor=request.user, card=card, lines=lines, reason=reason, template=copied
                        )
            except StalePage:
                stale = True
                errors = [
                    _(
                        "This card was %(changed)s after you opened the page; its lines are now: %(lines)s. "
                        "Nothing was saved: your lines are kept below, save again to replace them."
                    )
                    % {
                        "changed": _last_change("kpi.Card", card.pk) if card else changed_by(None, None),
                        "lines": _lines_text(card.lines) if card else _("no card"),
                    }
                ]
            except InvalidInput as error:
                errors = _render_problems(error.problems)
                open_lines = _bad_lines(error.problems)
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
            **_editor_context(organization, rows, open_lines),
            "mode": "card",
            "employee": employee,
            "period": period,
            "card": card,
            "template": template,
            "later": later,
            "copied": copied,
            "previous": previous,
            "errors": errors,
            "closed": period.status == PeriodStatus.CLOSED,
            "stale": stale,
            "version_field": VERSION_FIELD,
            # A refused page keeps the version the user saw, except after a conflict: saving again
            # then means "replace the current lines with mine".
            "page_version": request.POST.get(VERSION_FIELD, "")
            if errors and not stale
            else card_version(card),
        },
        status=409 if stale else 400 if errors else 200,
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
    latest: dict[int, CardTemplate] = {}
    for template in CardTemplate.objects.filter(organization=organization).order_by(
        "position_id", "-version"
    ):
        latest.setdefault(template.position_id, template)
    rows = []
    for p in positions:
        in_force = template_for(p, today)
        newest = latest.get(p.pk)
        later = newest if newest is not None and (in_force is None or newest.pk != in_force.pk) else None
        rows.append({"position": p, "template": in_force, "later": later})
    return render(request, "web/templates.html", {"organization": organization, "rows": rows})
