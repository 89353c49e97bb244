"""Fact entry: a grid of indicators × employees (or units, or the company) for one period, with paste
from Excel, validation per cell, who entered what and when, and confirmation by the fact confirmer."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from motiva.core import access
from motiva.core.errors import InvalidInput
from motiva.core.models import AuditEvent, Role
from motiva.kpi.models import CardLine, Indicator
from motiva.org.models import Assignment, Employee, Unit
from motiva.org.selectors import active_on, position_id_as_of
from motiva.periods.models import IndicatorValue, Period, PeriodStatus, Scope
from motiva.periods.services import value_annotate, value_confirm, value_set
from motiva.web.decorators import viewer_required
from motiva.web.forms import parse_number
from motiva.web.periods import period_or_404

LEVEL_SCOPES = {"personal": Scope.EMPLOYEE, "unit": Scope.UNIT, "company": Scope.COMPANY}
PAGE_SIZE = 50


def _position_of(viewer: access.Viewer, period: Period) -> int | None:
    if viewer.employee is None or viewer.employee.organization_id != period.organization_id:
        return None
    return position_id_as_of(viewer.employee, timezone.localdate())


class Grid:
    """What one viewer may see and change in one period at one level."""

    def __init__(self, viewer: access.Viewer, period: Period, level: str) -> None:
        self.viewer, self.period, self.level = viewer, period, level
        organization_id = period.organization_id
        self.is_hr = viewer.has(organization_id, Role.HR)
        self.position = _position_of(viewer, period)
        self.team = viewer.subtree(organization_id)
        lines = CardLine.objects.filter(
            card__period=period, level=level, indicator__isnull=False, indicator__formula=""
        )
        indicator_ids = set(lines.values_list("indicator_id", flat=True).distinct())
        indicators = list(
            Indicator.objects.filter(pk__in=indicator_ids)
            .select_related("confirmer_position")
            .order_by("code")
        )
        self.editable = {
            i.pk
            for i in indicators
            if self.is_hr
            or (self.position and i.supplier_position_id == self.position)
            or (level == "personal" and self.team)
        }
        self.confirmable = {
            i.pk for i in indicators if i.confirmer_position_id and i.confirmer_position_id == self.position
        }
        self.columns = [
            i
            for i in indicators
            if i.pk in self.editable or i.pk in self.confirmable or viewer.reads_company(organization_id)
        ]
        self.lines = lines

    def rows(self, query: str = "") -> list[Any]:
        """The employees (or units, or the company) this viewer may fill in."""
        period = self.period
        if self.level == "company":
            return ["company"]
        card_employees = self.lines.values("card__employee_id")
        if self.level == "unit":
            unit_ids = Assignment.objects.filter(
                active_on(period.end), employee_id__in=card_employees
            ).values("unit_id")
            units = Unit.objects.filter(pk__in=unit_ids).order_by("path", "name")
            if query:
                units = units.filter(name__icontains=query)
            return list(units)
        people = Employee.objects.filter(pk__in=card_employees).order_by("last_name", "first_name", "pk")
        if not (
            self.is_hr
            or self.viewer.reads_company(period.organization_id)
            or (self.position and self.columns_supplied())
            or self.confirmable
        ):
            people = people.filter(pk__in=self.team)
        if query:
            people = people.filter(last_name__icontains=query) | people.filter(personnel_number=query)
        return list(people)

    def columns_supplied(self) -> bool:
        return any(i.supplier_position_id == self.position for i in self.columns)

    def may_edit(self, indicator: Indicator, row: Any) -> bool:
        if indicator.pk not in self.editable or self.period.status == PeriodStatus.CLOSED:
            return False
        if (
            isinstance(row, Employee)
            and self.viewer.employee is not None
            and row.pk == self.viewer.employee.pk
        ):
            return False  # nobody enters their own personal facts
        if self.is_hr or (self.position and indicator.supplier_position_id == self.position):
            return True
        return self.level == "personal" and isinstance(row, Employee) and row.pk in self.team


def _scope_key(level: str, row: Any) -> str:
    if level == "company":
        return "company"
    return f"unit:{row.pk}" if level == "unit" else f"employee:{row.pk}"


def _cells(grid: Grid, rows: list[Any]) -> dict[tuple[int, str], IndicatorValue]:
    keys = [_scope_key(grid.level, r) for r in rows]
    values = IndicatorValue.objects.filter(
        period=grid.period, kind="fact", indicator__in=grid.columns, scope_key__in=keys
    ).select_related("author", "confirmed_by")
    return {(v.indicator_id, v.scope_key): v for v in values}


@viewer_required
def fact_grid(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    period = period_or_404(viewer, org, pk)
    level = request.GET.get("level", "personal")
    if level not in LEVEL_SCOPES:
        level = "personal"
    grid = Grid(viewer, period, level)
    if not grid.editable and not grid.confirmable:
        raise Http404
    query = request.GET.get("q", "").strip()
    page = Paginator(grid.rows(query), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page)
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    if request.method == "POST":
        errors, posted, saved, confirmed = _save(request, grid, rows)
        if not errors:
            if saved or confirmed:
                messages.success(
                    request, _("Saved: %(n)s values; confirmed: %(c)s.") % {"n": saved, "c": confirmed}
                )
            else:
                messages.info(request, _("Nothing changed."))
            return redirect(request.get_full_path())
    cells = _cells(grid, rows)
    table = []
    for row in rows:
        key = _scope_key(level, row)
        table.append(
            {
                "row": row,
                "cells": [
                    {
                        "name": f"c:{indicator.pk}:{key}",
                        "value": cells.get((indicator.pk, key)),
                        "editable": grid.may_edit(indicator, row),
                        "confirmable": indicator.pk in grid.confirmable
                        and (indicator.pk, key) in cells
                        and cells[(indicator.pk, key)].confirmed_at is None
                        and cells[(indicator.pk, key)].author_id != request.user.pk,
                        "posted": posted.get(f"c:{indicator.pk}:{key}"),
                        "error": errors.get(f"c:{indicator.pk}:{key}"),
                    }
                    for indicator in grid.columns
                ],
            }
        )
    return render(
        request,
        "web/facts.html",
        {
            "organization": period.organization,
            "period": period,
            "level": level,
            "levels": [("personal", _("Employees")), ("unit", _("Units")), ("company", _("Company"))],
            "columns": grid.columns,
            "table": table,
            "page": page,
            "q": query,
            "errors": errors,
            "closed": period.status == PeriodStatus.CLOSED,
        },
        status=400 if errors else 200,
    )


def _save(
    request: HttpRequest, grid: Grid, rows: list[Any]
) -> tuple[dict[str, str], dict[str, str], int, int]:
    """Every changed cell is validated and saved in one transaction; one bad cell saves nothing."""
    language = get_language() or "ru"
    errors: dict[str, str] = {}
    posted = {k: v for k, v in request.POST.items() if k.startswith("c:")}
    by_key = {_scope_key(grid.level, r): r for r in rows}
    columns = {i.pk: i for i in grid.columns}
    cells = _cells(grid, rows)
    saved = confirmed = 0
    with transaction.atomic():
        for name, text in posted.items():
            try:
                _c, indicator_id, key = name.split(":", 2)
                indicator = columns[int(indicator_id)]
                row = by_key[key]
            except (ValueError, KeyError):
                errors[name] = _("This cell is not on the page.")
                continue
            label = f"{indicator.code} · {row if row != 'company' else _('Company')}"
            current = cells.get((indicator.pk, key))
            try:
                value = parse_number(text)
            except ValueError:
                errors[name] = _("%(cell)s: “%(text)s” is not a number.") % {"cell": label, "text": text}
                continue
            if value is None and current is None:
                continue
            if current is not None and current.value == value:
                continue
            if not grid.may_edit(indicator, row):
                errors[name] = _("%(cell)s: you cannot change this value.") % {"cell": label}
                continue
            if value is None:
                errors[name] = _("%(cell)s: a value cannot be emptied here; enter 0 or ask HR.") % {
                    "cell": label
                }
                continue
            scope = LEVEL_SCOPES[grid.level]
            try:
                value_set(
                    actor=request.user,
                    indicator=indicator,
                    period=grid.period,
                    kind="fact",
                    value=value,
                    scope=scope,
                    unit=row if scope == Scope.UNIT else None,
                    employee=row if scope == Scope.EMPLOYEE else None,
                    comment=request.POST.get(
                        f"comment:{indicator.pk}:{key}", current.comment if current else ""
                    ),
                )
                saved += 1
            except InvalidInput as error:
                errors[name] = f"{label}: " + "; ".join(error.messages(language))
        for name in request.POST.getlist("confirm"):
            try:
                _c, indicator_id, key = name.split(":", 2)
                value_row = cells[(int(indicator_id), key)]
            except (ValueError, KeyError):
                errors[name] = _("This cell is not on the page.")
                continue
            if int(indicator_id) not in grid.confirmable:
                errors[name] = _("You do not confirm this indicator.")
                continue
            if (
                value_row.employee_id is not None
                and grid.viewer.employee is not None
                and value_row.employee_id == grid.viewer.employee.pk
            ):
                errors[name] = _("You cannot confirm your own fact.")
                continue
            try:
                value_confirm(actor=request.user, value=value_row)
                confirmed += 1
            except InvalidInput as error:
                errors[name] = "; ".join(error.messages(language))
        if errors:
            transaction.set_rollback(True)
    return errors, posted, saved, confirmed


def value_or_404(viewer: access.Viewer, org: int, pk: int) -> IndicatorValue:
    """A plan or fact value the viewer may read: a personal one only if they may open that person's card
    (or they supply or confirm the indicator); a company or unit one for anyone in the organization."""
    organization = access.organization_or_404(viewer, org)
    try:
        value = IndicatorValue.objects.select_related(
            "indicator", "period", "period__organization", "employee", "unit", "author", "confirmed_by"
        ).get(pk=pk, organization=organization)
    except IndicatorValue.DoesNotExist:
        raise Http404 from None
    if (
        value.employee_id is not None
        and not access.employees(viewer, organization).filter(pk=value.employee_id).exists()
    ):
        position = _position_of(viewer, value.period)
        if not position or position not in (
            value.indicator.supplier_position_id,
            value.indicator.confirmer_position_id,
        ):
            raise Http404
    return value


@viewer_required
def value_detail(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """One value: who entered it and when, its confirmation, its comment and attachment, and its history."""
    viewer = request.viewer  # type: ignore[attr-defined]
    value = value_or_404(viewer, org, pk)
    level = "company" if value.scope == Scope.COMPANY else "unit" if value.scope == Scope.UNIT else "personal"
    grid = Grid(viewer, value.period, level)
    row = value.employee or value.unit or "company"
    editable = value.indicator in grid.columns and grid.may_edit(value.indicator, row)
    errors: list[str] = []
    if request.method == "POST":
        if not editable:
            raise Http404
        try:
            value_annotate(
                actor=request.user,
                value=value,
                comment=request.POST.get("comment", "").strip(),
                attachment=request.FILES.get("attachment"),
            )
        except InvalidInput as error:
            errors = error.messages(get_language() or "ru")
        else:
            messages.success(request, _("Saved."))
            return redirect("value", org=org, pk=pk)
    history = (
        AuditEvent.objects.filter(entity_type="periods.IndicatorValue", entity_id=str(value.pk))
        .select_related("actor")
        .order_by("-at", "-id")
    )
    return render(
        request,
        "web/value.html",
        {
            "organization": value.period.organization,
            "value": value,
            "history": history,
            "editable": editable,
            "errors": errors,
            "grid_url": reverse("facts", args=[org, value.period_id]) + f"?level={level}",
        },
        status=400 if errors else 200,
    )


@viewer_required
def value_attachment(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """The attached document, to those who may read the value (never a public media link)."""
    value = value_or_404(request.viewer, org, pk)  # type: ignore[attr-defined]
    if not value.attachment:
        raise Http404
    handle = value.attachment.open("rb")
    return FileResponse(handle, as_attachment=True, filename=value.attachment.name.rsplit("/", 1)[-1])
