"""The organization and its people in the browser (SPEC C1): the tree, units, positions and grades, the
people list, hiring, transfers, salary and FTE changes, terminations, absences, accounts, roles and
observers. HR writes (through motiva.org.services); the company-wide roles read; a manager reads their
subtree; an employee sees none of it."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Length
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from motiva.core import access
from motiva.core.errors import InvalidInput
from motiva.core.models import Organization, Role, RoleAssignment
from motiva.dualcontrol import services as dualcontrol
from motiva.dualcontrol.models import ChangeRequest, RequestStatus
from motiva.exports import pages as exports
from motiva.exports.tabular import download
from motiva.org import services as org_services
from motiva.org.models import Absence, AbsenceKind, Assignment, Block, Grade, ObserverGrant, Position, Unit
from motiva.org.selectors import active_on
from motiva.web import staff_forms as f
from motiva.web.decorators import viewer_required
from motiva.web.forms import show_problems

PAGE_SIZE = 50
SEARCH_LIMIT = 30
CALENDAR_ROWS = 100


# Who may do what -------------------------------------------------------------------------------------


def _organization(request: HttpRequest, org: int) -> Organization:
    return access.organization_or_404(request.viewer, org)  # type: ignore[attr-defined]


def can_manage(viewer: access.Viewer, organization_id: int) -> bool:
    """HR manages people and structure."""
    return viewer.has(organization_id, Role.HR)


def can_read(viewer: access.Viewer, organization_id: int) -> bool:
    """The company-wide roles read it all; a manager reads their subtree; an employee none of it."""
    return viewer.reads_company(organization_id) or viewer.is_manager(organization_id)


def _readable(request: HttpRequest, org: int) -> Organization:
    organization = _organization(request, org)
    if not can_read(request.viewer, organization.pk):  # type: ignore[attr-defined]
        raise Http404
    return organization


def _managed(request: HttpRequest, org: int) -> Organization:
    organization = _organization(request, org)
    if not can_manage(request.viewer, organization.pk):  # type: ignore[attr-defined]
        raise Http404
    return organization


def _get(model: Any, organization: Organization, pk: Any, **extra: Any) -> Any:
    try:
        return model.objects.get(pk=int(pk), organization=organization, **extra)
    except (model.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def _saved(request: HttpRequest, text: str, to: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(to)


# The tree --------------------------------------------------------------------------------------------


@viewer_required
def org_tree(request: HttpRequest, org: int) -> HttpResponse:
    """Units as a collapsible tree with their heads, positions and headcounts (no one's pay), searchable by
    unit, position and person. People are counted, not listed: the tree stays small with 10 000 people;
    the people list shows who works where."""
    viewer = request.viewer  # type: ignore[attr-defined]
    organization = _organization(request, org)
    today = timezone.localdate()
    q = request.GET.get("q", "").strip()[:100]
    show_closed = request.GET.get("closed") == "1"
    units = list(access.units(viewer, organization).select_related("head").order_by("path"))
    if not show_closed:
        units = [u for u in units if not u.is_closed_on(today)]
    headcount = dict(
        Assignment.objects.filter(active_on(today), organization=organization)
        .order_by()  # no join for the default ordering by employee
        .values_list("unit_id")
        .annotate(n=Count("id"))
    )
    held = dict(
        Assignment.objects.filter(active_on(today), organization=organization)
        .order_by()
        .values_list("position_id")
        .annotate(n=Count("id"))
    )
    # Links and counts are written here once, not resolved per node by the template: a tree of
    # hundreds of units and positions renders in a few milliseconds.
    people_label = _("people: %(n)s")
    unit_url = reverse("staff_unit", args=[organization.pk, 0])[:-2]
    position_url = reverse("staff_position", args=[organization.pk, 0])[:-2]
    template_url = reverse("template_edit", args=[organization.pk, 0]).replace("/0/", "/{}/")
    unit_by_pk = {u.pk: u for u in units}
    blocks = {value: str(label) for value, label in Block.choices}
    positions: dict[int, list[dict[str, Any]]] = {}
    for position in Position.objects.filter(organization=organization).order_by("-is_head", "title"):
        if position.unit_id not in unit_by_pk:
            continue  # a closed unit's position, hidden with it
        position.unit = unit_by_pk[position.unit_id]
        positions.setdefault(position.unit_id, []).append(
            {
                "position": position,
                "count": people_label % {"n": held.get(position.pk, 0)},
                "url": f"{position_url}{position.pk}/",
                "template_url": template_url.format(position.pk),
            }
        )
    # Everyone below a unit, for the count on its line
    total: dict[int, int] = {}
    by_path = {u.path: u for u in units}
    for unit in units:
        n = headcount.get(unit.pk, 0)
        for part in _ancestor_paths(unit.path):
            if part in by_path:
                total[by_path[part].pk] = total.get(by_path[part].pk, 0) + n
    found_units: list[Unit] = []
    found_positions: list[Position] = []
    found_people: list[dict[str, Any]] = []
    open_paths: set[str] = set()
    if q:
        low = q.casefold()  # units and positions are matched in memory: any letters, any case
        found_units = [u for u in units if low in u.name.casefold() or low in u.code.casefold()][
            :SEARCH_LIMIT
        ]
        found_positions = [
            p["position"]
            for unit in units
            for p in positions.get(unit.pk, [])
            if low in p["position"].title.casefold()
        ][:SEARCH_LIMIT]
        people = _search_people(access.employees(viewer, organization, today), q)[:SEARCH_LIMIT]
        current = _current_assignments([p.pk for p in people], today)
        found_people = [{"employee": p, "assignment": current.get(p.pk)} for p in people]
        for path in [u.path for u in found_units] + [p.unit.path for p in found_positions]:
            open_paths |= set(_ancestor_paths(path))
    depth_of: dict[int, int] = {}
    nodes = []
    previous_depth = -1
    for unit in units:
        depth = depth_of[unit.parent_id] + 1 if unit.parent_id in depth_of else 0
        depth_of[unit.pk] = depth
        closes = previous_depth - depth + 1 if previous_depth >= depth else 0
        nodes.append(
            {
                "unit": unit,
                "depth": depth,
                "closes": range(closes),
                "positions": positions.get(unit.pk, []),
                "count": people_label % {"n": total.get(unit.pk, 0)},
                "url": f"{unit_url}{unit.pk}/",
                "head": unit.head.short_name if unit.head else "",
                "level": unit.level_label,
                "block": blocks.get(unit.block, unit.block),
                "open": depth == 0 or unit.path in open_paths,
                "closed": unit.is_closed_on(today),
            }
        )
        previous_depth = depth
    return render(
        request,
        "web/org.html",
        {
            "organization": organization,
            "nodes": nodes,
            "final_closes": range(previous_depth + 1),
            "today": today,
            "q": q,
            "show_closed": show_closed,
            "found_units": found_units,
            "found_positions": found_positions,
            "found_people": found_people,
            "can_read": can_read(viewer, organization.pk),
            "can_manage": can_manage(viewer, organization.pk),
            "can_configure": access.can_edit_cards(viewer, organization.pk),
            "headcount": sum(headcount.values()),
        },
    )


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _search_people(people: Any, q: str) -> Any:
    for word in q.split()[:4]:
        # SQLite folds the case of ASCII letters only: the usual spellings of a Cyrillic word are tried too
        condition = Q(personnel_number__iexact=word)
        for spelling in {word, word.lower(), word.capitalize(), word.upper()}:
            condition |= (
                Q(last_name__icontains=spelling)
                | Q(first_name__icontains=spelling)
                | Q(middle_name__icontains=spelling)
            )
        people = people.filter(condition)
    return people.order_by("last_name", "first_name", "pk")


def _people_rows(viewer: Any, people: Any, today: dt.date) -> Iterator[dict[str, Any]]:
    """The people list's rows for an export, read in chunks (the page's row shape)."""
    chunk: list[Any] = []

    def rows_of(persons: list[Any]) -> Iterator[dict[str, Any]]:
        current = _current_assignments([p.pk for p in persons], today)
        for p in persons:
            yield {
                "employee": p,
                "assignment": current.get(p.pk),
                "show_pay": access.can_see_pay(viewer, p, today),
                "status": "future"
                if p.hire_date > today
                else "left"
                if p.termination_date and p.termination_date < today
                else "active",
            }

    for person in people.iterator(chunk_size=2000):
        chunk.append(person)
        if len(chunk) == 2000:
            yield from rows_of(chunk)
            chunk = []
    yield from rows_of(chunk)


def _current_assignments(ids: list[int], day: dt.date) -> dict[int, Assignment]:
    """Each person's assignment on the day, or their last one before it (or the first, if they start
    later): one query for a page of people."""
    found: dict[int, Assignment] = {}
    rows = (
        Assignment.objects.filter(employee_id__in=ids)
        .select_related("position", "unit", "manager")
        .order_by("employee_id", "start_date")
    )
    for a in rows:
        held = found.get(a.employee_id)
        if held is None or a.start_date <= day:
            found[a.employee_id] = a
    return found


# Units -----------------------------------------------------------------------------------------------


@viewer_required
def unit_new(request: HttpRequest, org: int) -> HttpResponse:
    organization = _managed(request, org)
    form = f.UnitForm(
        request.POST or None, organization=organization, initial={"parent": request.GET.get("parent")}
    )
    form.fields.pop("reason")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = org_services.unit_create(
                actor=request.user,
                organization=organization,
                code=data["code"].strip(),
                name=data["name"].strip(),
                parent=data["parent"],
                block=data["block"],
                management_level=data["management_level"],
            )
            if data["head"] is not None:
                org_services.unit_set_head(actor=request.user, unit=unit, head=data["head"])
            return _saved(
                request,
                _("Unit %(name)s created.") % {"name": unit.name},
                reverse("staff_unit", args=[org, unit.pk]),
            )
        except InvalidInput as error:
            f.add_problems(form, error)
    return render(
        request,
        "web/staff/unit_form.html",
        {"organization": organization, "form": form},
        status=400 if form.errors else 200,
    )


@viewer_required
def unit_detail(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """One unit: its place in the tree, head, block, level, positions, observers; HR edits, closes and
    grants observers here."""
    viewer = request.viewer  # type: ignore[attr-defined]
    organization = _readable(request, org)
    unit = _get(Unit, organization, pk)
    manage = can_manage(viewer, organization.pk)
    today = timezone.localdate()
    posted = f.posted_action(request)
    action = posted["action"]
    if action and not manage:
        raise Http404
    edit = f.UnitForm(
        request.POST if action == "edit" else None,
        organization=organization,
        initial={
            "name": unit.name,
            "code": unit.code,
            "parent": unit.parent_id,
            "block": unit.block,
            "management_level": unit.management_level,
            "head": unit.head.personnel_number if unit.head else "",
        },
    )
    edit.fields["parent"].queryset = Unit.objects.filter(organization=organization).exclude(  # type: ignore[attr-defined]
        path__startswith=unit.path
    )
    close = f.UnitCloseForm(request.POST if action == "close" else None)
    observer = f.ObserverForm(request.POST if action == "observer" else None, organization=organization)
    end = f.ObserverEndForm(request.POST if action == "observer_end" else None)
    here = reverse("staff_unit", args=[organization.pk, unit.pk])
    refused = False
    try:
        if action == "edit" and edit.is_valid():
            data = edit.cleaned_data
            changes = {k: data[k] for k in ("name", "code", "parent", "block", "head")}
            if data["management_level"] is not None:
                changes["management_level"] = data["management_level"]
            org_services.unit_update(actor=request.user, unit=unit, reason=data["reason"], **changes)
            return _saved(request, _("Unit %(name)s saved.") % {"name": changes["name"]}, here)
        if action == "close" and close.is_valid():
            org_services.unit_close(
                actor=request.user,
                unit=unit,
                closed_from=close.cleaned_data["closed_from"],
                reason=close.cleaned_data["reason"],
            )
            return _saved(request, _("Unit %(name)s closed.") % {"name": unit.name}, here)
        if action == "reopen":
            org_services.unit_reopen(actor=request.user, unit=unit)
            return _saved(request, _("Unit %(name)s is open again.") % {"name": unit.name}, here)
        if action == "observer" and observer.is_valid():
            person = observer.cleaned_data["observer"]
            if person.user_id is None:
                observer.add_error(
                    "observer", _("%(name)s has no user account yet.") % {"name": person.full_name}
                )
            else:
                org_services.observer_grant(
                    actor=request.user,
                    unit=unit,
                    user=person.user,
                    start_date=observer.cleaned_data["start_date"],
                    end_date=observer.cleaned_data["end_date"],
                    reason=observer.cleaned_data["reason"],
                )
                return _saved(
                    request, _("%(name)s observes the unit now.") % {"name": person.full_name}, here
                )
        if action == "observer_end" and end.is_valid():
            grant = _get(ObserverGrant, organization, end.cleaned_data["grant"], unit=unit)
            org_services.observer_end(actor=request.user, grant=grant, end_date=end.cleaned_data["end_date"])
            return _saved(
                request,
                _("The observer's access ends on %(d)s.") % {"d": _date(end.cleaned_data["end_date"])},
                here,
            )
    except InvalidInput as error:
        refused = True
        if action == "reopen":
            show_problems(request, error)
        else:
            f.add_problems(
                {"edit": edit, "close": close, "observer": observer, "observer_end": end}[action], error
            )
    if action and action not in ("edit", "close", "observer", "observer_end", "reopen"):
        messages.error(request, _("Unknown action."))
    ancestors = list(
        Unit.objects.filter(organization=organization, path__in=_ancestor_paths(unit.path)).exclude(
            pk=unit.pk
        )
    )
    ancestors.sort(key=lambda u: len(u.path))
    held = dict(
        Assignment.objects.filter(active_on(today), unit=unit)
        .order_by()
        .values_list("position_id")
        .annotate(n=Count("id"))
    )
    grants = list(
        ObserverGrant.objects.filter(unit=unit)
        .select_related("user", "user__employee")
        .order_by("-start_date")
    )
    errors = refused or any(form.errors for form in (edit, close, observer, end))
    return render(
        request,
        "web/staff/unit.html",
        {
            "organization": organization,
            "unit": unit,
            "ancestors": ancestors,
            "children": Unit.objects.filter(parent=unit).order_by("name"),
            "positions": [
                {"position": p, "held": held.get(p.pk, 0)}
                for p in Position.objects.filter(unit=unit).select_related("grade")
            ],
            "headcount": sum(held.values()),
            "subtree_headcount": Assignment.objects.filter(
                active_on(today), organization=organization, unit__path__startswith=unit.path
            ).count(),
            "grants": grants,
            "edit": edit,
            "close": close,
            "observer": observer,
            "end": end,
            "can_manage": manage,
            "can_configure": access.can_edit_cards(viewer, organization.pk),
            "closed": unit.is_closed_on(today),
            "today": today,
        },
        status=400 if errors else 200,
    )


MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")  # ASCII digits: int() would read "٢٠٢٦"
ABSENCE_MARK = {
    AbsenceKind.VACATION: "О",
    AbsenceKind.SICK: "Б",
    AbsenceKind.UNPAID: "А",
    AbsenceKind.OTHER: "Н",
}


def _month(request: HttpRequest) -> dt.date:
    today = timezone.localdate()
    raw = request.GET.get("month", "")
    match = MONTH_RE.match(raw)
    if match and 1900 <= int(match[1]) <= 2200 and 1 <= int(match[2]) <= 12:
        return dt.date(int(match[1]), int(match[2]), 1)
    if raw:
        messages.error(request, _("Month: expected a month like 2026-03; showing the current month."))
    return today.replace(day=1)


@viewer_required
def unit_absences(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """A month grid of who in the unit (and below it) is away which day."""
    viewer = request.viewer  # type: ignore[attr-defined]
    organization = _readable(request, org)
    unit = _get(Unit, organization, pk)
    first = _month(request)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    in_unit = Assignment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first),
        start_date__lte=last,
        organization=organization,
        unit__path__startswith=unit.path,
    ).values("employee_id")
    only_away = request.GET.get("away") == "1"
    people_in_unit = access.employees(viewer, organization, first).filter(pk__in=in_unit)
    if only_away:
        people_in_unit = people_in_unit.filter(
            pk__in=Absence.objects.filter(start_date__lte=last, end_date__gte=first).values("employee_id")
        )
    people = list(people_in_unit.order_by("last_name", "first_name", "pk")[: CALENDAR_ROWS + 1])
    more = len(people) > CALENDAR_ROWS
    people = people[:CALENDAR_ROWS]
    days = [first + dt.timedelta(days=i) for i in range(last.day)]
    away: dict[int, dict[int, str]] = {}
    kinds: dict[int, dict[int, str]] = {}
    for absence in Absence.objects.filter(
        employee__in=[p.pk for p in people], start_date__lte=last, end_date__gte=first
    ):
        for day in days:
            if absence.start_date <= day <= absence.end_date:
                away.setdefault(absence.employee_id, {})[day.day] = ABSENCE_MARK.get(absence.kind, "Н")
                kinds.setdefault(absence.employee_id, {})[day.day] = absence.get_kind_display()
    rows = [
        {
            "employee": p,
            "cells": [
                {
                    "mark": away.get(p.pk, {}).get(d.day, ""),
                    "kind": kinds.get(p.pk, {}).get(d.day, ""),
                    "weekend": d.weekday() >= 5,
                    "outside": not p.is_employed_on(d),
                }
                for d in days
            ],
            "days_away": len(away.get(p.pk, {})),
        }
        for p in people
    ]
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = last + dt.timedelta(days=1)
    return render(
        request,
        "web/staff/absences.html",
        {
            "organization": organization,
            "unit": unit,
            "month": first,
            "days": [{"day": d.day, "weekend": d.weekday() >= 5} for d in days],
            "rows": rows,
            "more": more,
            "limit": CALENDAR_ROWS,
            "previous": previous.strftime("%Y-%m"),
            "following": following.strftime("%Y-%m"),
            "legend": [(ABSENCE_MARK[k], label) for k, label in AbsenceKind.choices],
            "only_away": only_away,
        },
    )


# Positions and grades --------------------------------------------------------------------------------


@viewer_required
def position_new(request: HttpRequest, org: int) -> HttpResponse:
    organization = _managed(request, org)
    form = f.PositionForm(
        request.POST or None, organization=organization, initial={"unit": request.GET.get("unit")}
    )
    form.fields.pop("reason")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            position = org_services.position_create(
                actor=request.user,
                unit=data["unit"],
                title=data["title"].strip(),
                grade=data["grade"],
                category=data["category"],
                is_head=data["is_head"],
                monthly_task_hours=data["monthly_task_hours"],
            )
            return _saved(
                request,
                _("Position %(title)s created.") % {"title": position.title},
                reverse("staff_position", args=[org, position.pk]),
            )
        except InvalidInput as error:
            f.add_problems(form, error)
    return render(
        request,
        "web/staff/position_form.html",
        {"organization": organization, "form": form, "position": None},
        status=400 if form.errors else 200,
    )


@viewer_required
def position_detail(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    organization = _readable(request, org)
    position = _get(Position, organization, pk)
    manage = can_manage(viewer, organization.pk)
    if request.method == "POST" and not manage:
        raise Http404
    form = f.PositionForm(
        request.POST or None,
        organization=organization,
        initial={
            "title": position.title,
            "unit": position.unit_id,
            "grade": position.grade_id,
            "category": position.category,
            "is_head": position.is_head,
            "monthly_task_hours": position.monthly_task_hours,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            org_services.position_update(
                actor=request.user,
                position=position,
                reason=data["reason"],
                **{k: data[k] for k in org_services.POSITION_FIELDS},
            )
            return _saved(
                request,
                _("Position %(title)s saved.") % {"title": position.title},
                reverse("staff_position", args=[org, position.pk]),
            )
        except InvalidInput as error:
            f.add_problems(form, error)
    today = timezone.localdate()
    holders = access.employees(viewer, organization, today).filter(
        pk__in=Assignment.objects.filter(active_on(today), position=position).values("employee_id")
    )
    return render(
        request,
        "web/staff/position_form.html",
        {
            "organization": organization,
            "form": form,
            "position": position,
            "holders": holders.order_by("last_name", "first_name")[:100],
            "can_manage": manage,
            "show_grade_pay": viewer.reads_all_pay(organization.pk),
            "can_configure": access.can_edit_cards(viewer, organization.pk),
        },
        status=400 if form.errors else 200,
    )


def _grades_readable(request: HttpRequest, org: int) -> Organization:
    organization = _organization(request, org)
    if not request.viewer.reads_company(organization.pk):  # type: ignore[attr-defined]
        raise Http404
    return organization


@viewer_required
def grade_list(request: HttpRequest, org: int) -> HttpResponse:
    """Grades with their salary ranges (shown to those who may see pay) and HR's form for a new one."""
    viewer = request.viewer  # type: ignore[attr-defined]
    organization = _grades_readable(request, org)
    manage = can_manage(viewer, organization.pk)
    if request.method == "POST" and not manage:
        raise Http404
    form = f.GradeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grade = org_services.grade_create(actor=request.user, organization=organization, **data)
            return _saved(
                request,
                _("Grade %(code)s created.") % {"code": grade.code},
                reverse("staff_grades", args=[org]),
            )
        except InvalidInput as error:
            f.add_problems(form, error)
    grades = Grade.objects.filter(organization=organization).annotate(n=Count("positions")).order_by("code")
    return render(
        request,
        "web/staff/grades.html",
        {
            "organization": organization,
            "grades": grades,
            "form": form,
            "can_manage": manage,
            "show_pay": viewer.reads_all_pay(organization.pk),
        },
        status=400 if form.errors else 200,
    )


@viewer_required
def grade_detail(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    organization = _grades_readable(request, org)
    grade = _get(Grade, organization, pk)
    manage = can_manage(viewer, organization.pk)
    if request.method == "POST" and not manage:
        raise Http404
    show_pay = viewer.reads_all_pay(organization.pk)
    initial = {"code": grade.code, "name": grade.name}
    if show_pay:
        initial |= {"salary_min": _number(grade.salary_min), "salary_max": _number(grade.salary_max)}
    form = f.GradeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            org_services.grade_update(actor=request.user, grade=grade, **form.cleaned_data)
            return _saved(
                request,
                _("Grade %(code)s saved.") % {"code": grade.code},
                reverse("staff_grade", args=[org, grade.pk]),
            )
        except InvalidInput as error:
            f.add_problems(form, error)
    return render(
        request,
        "web/staff/grade.html",
        {
            "organization": organization,
            "grade": grade,
            "form": form,
            "can_manage": manage,
            "show_pay": show_pay,
            "positions": Position.objects.filter(grade=grade).select_related("unit"),
        },
        status=400 if form.errors else 200,
    )


# People ----------------------------------------------------------------------------------------------

SORT_FIELDS = {
    "name": ["last_name", "first_name", "middle_name", "pk"],
    # Shorter numbers first, then as text: "9" before "10" and "00123" in its place (numbers are text).
    "number": ["number_length", "personnel_number", "pk"],
    "hired": ["hire_date", "pk"],
    "unit": ["unit_path", "last_name", "first_name", "pk"],
}


@viewer_required
def people_list(request: HttpRequest, org: int) -> HttpResponse:
    """Everyone the viewer may read, searched, filtered by unit (with the units below) and status, sorted
    and paginated. A fixed number of queries whatever the size of the organization."""
    viewer = request.viewer  # type: ignore[attr-defined]
    organization = _readable(request, org)
    today = timezone.localdate()
    filters = f.PeopleFilter(request.GET)
    if filters.is_valid():
        wanted = filters.cleaned_data
    else:
        for field, errors in filters.errors.items():
            label = filters.fields[field].label if field in filters.fields else field
            messages.error(request, f"{label}: {' '.join(errors)}")
        wanted = {name: filters.cleaned_data.get(name) for name in filters.fields}
    q = (wanted.get("q") or "").strip()
    status = wanted.get("status") or "active"
    sort = wanted.get("sort") or "name"
    units = list(Unit.objects.filter(organization=organization).order_by("path"))
    unit = next((u for u in units if u.pk == wanted.get("unit")), None)
    if wanted.get("unit") and unit is None:
        messages.error(request, _("Unit: no such unit; showing all units."))
    people = access.employees(viewer, organization, today)
    if q:
        people = _search_people(people, q)
    if status == "active":
        people = people.filter(
            Q(termination_date__isnull=True) | Q(termination_date__gte=today), hire_date__lte=today
        )
    elif status == "terminated":
        people = people.filter(termination_date__lt=today)
    elif status == "future":
        people = people.filter(hire_date__gt=today)
    latest = Assignment.objects.filter(employee=OuterRef("pk"), start_date__lte=today)
    if unit is not None:
        day_q = active_on(today) if status == "active" else Q()  # else: ever in the unit
        people = people.filter(
            pk__in=Assignment.objects.filter(
                day_q, organization=organization, unit__path__startswith=unit.path
            ).values("employee_id")
        )
    key = sort.lstrip("-")
    if key == "unit":
        people = people.annotate(unit_path=Subquery(latest.order_by("-start_date").values("unit__path")[:1]))
    elif key == "number":
        people = people.annotate(number_length=Length("personnel_number"))
    order = SORT_FIELDS[key]
    people = people.order_by(*[f"-{name}" if sort.startswith("-") else name for name in order])
    fmt = exports.export_format(request)  # ?format=xlsx|csv: every matching person, not one page
    if isinstance(fmt, HttpResponse):
        return fmt
    if fmt is not None:
        return download(
            request,
            exports.people_table(
                _people_rows(viewer, people, today),
                show_pay=access.pay_visible(viewer, organization).filter(pk__in=people.values("pk")).exists(),
            ),
            fmt,
            "motiva-people",
            _("People"),
        )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    current = _current_assignments([p.pk for p in page], today)
    rows = [
        {
            "employee": p,
            "assignment": current.get(p.pk),
            "show_pay": access.can_see_pay(viewer, p, today),
            "status": "future"
            if p.hire_date > today
            else "left"
            if p.termination_date and p.termination_date < today
            else "active",
        }
        for p in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = request.GET.copy()
    sort_query.pop("sort", None)
    sort_query.pop("page", None)
    return render(
        request,
        "web/staff/people.html",
        {
            "organization": organization,
            "rows": rows,
            "page": page,
            "q": q,
            "status": status,
            "sort": sort,
            "unit": unit,
            # ids as text: a select of a few hundred units would format each number for the locale
            "units": [(str(u.pk), f"{'· ' * u.depth}{u.name}", u == unit) for u in units],
            "statuses": f.STATUSES,
            "sorts": f.SORTS,
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "export_query": exports.page_query(request),
            "any_pay": any(r["show_pay"] for r in rows),
            "can_manage": can_manage(viewer, organization.pk),
        },
    )


@viewer_required
def hire(request: HttpRequest, org: int) -> HttpResponse:
    organization = _managed(request, org)
    form = f.HireForm(request.POST or None, organization=organization, initial={"fte": "1"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        position = data["position"]
        manager = data["manager"]
        if manager is None and position.unit.head_id:
            manager = position.unit.head
        try:
            employee = org_services.employee_hire(
                actor=request.user,
                organization=organization,
                personnel_number=data["personnel_number"].strip(),
                last_name=data["last_name"].strip(),
                first_name=data["first_name"].strip(),
                middle_name=data["middle_name"].strip(),
                hire_date=data["hire_date"],
                position=position,
                salary=data["salary"],
                manager=manager,
                fte=data["fte"] if data["fte"] is not None else f.NumberField().to_python("1"),
                seniority_start=data["seniority_start"],
            )
            if position.is_head and not position.unit.head_id:
                org_services.unit_set_head(actor=request.user, unit=position.unit, head=employee)
            _warn_outside_grade(request, position, data["salary"])
            return _saved(
                request,
                _("%(name)s is hired.") % {"name": employee.full_name},
                reverse("staff_person", args=[org, employee.pk]),
            )
        except InvalidInput as error:
            f.add_problems(form, error)
    return render(
        request,
        "web/staff/hire.html",
        {"organization": organization, "form": form},
        status=400 if form.errors else 200,
    )


def invite_link(request: HttpRequest, user: Any) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("staff_invite", args=[uid, token]))


PERSON_ACTIONS = ("change", "terminate", "absence", "invite", "disable", "role_grant", "role_revoke")


@viewer_required
def person(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """One person's history of assignments (position, unit, manager, FTE, salary, each from a date),
    absences, account and roles; HR changes them here from a date."""
    viewer = request.viewer  # type: ignore[attr-defined]
    organization = _readable(request, org)
    employee = access.employee_or_404(viewer, pk)
    if employee.organization_id != organization.pk:
        raise Http404
    manage = can_manage(viewer, organization.pk)
    posted = f.posted_action(request)
    action = posted["action"]
    if action and not manage:
        raise Http404
    forms_ = {
        "change": f.ChangeForm(request.POST if action == "change" else None, organization=organization),
        "terminate": f.TerminateForm(request.POST if action == "terminate" else None),
        "absence": f.AbsenceForm(request.POST if action == "absence" else None),
        "invite": f.InviteForm(
            request.POST if action == "invite" else None, initial={"username": employee.personnel_number}
        ),
        "role_grant": f.RoleForm(request.POST if action == "role_grant" else None),
    }
    here = reverse("staff_person", args=[organization.pk, employee.pk])
    if action and action not in PERSON_ACTIONS:
        messages.error(request, _("Unknown action."))
    form = forms_.get(action)
    refused = False
    try:
        if action == "change" and form.is_valid():
            data = form.cleaned_data
            if _salary_for_approval(employee, data):
                dualcontrol.salary_change_request(
                    actor=request.user,
                    employee=employee,
                    start_date=data["start_date"],
                    salary=data["salary"],
                    position=data["position"],
                    manager=None if data["no_manager"] else data["manager"] or org_services.KEEP,
                    fte=data["fte"],
                    reason=data["reason"],
                )
                return _saved(
                    request,
                    _(
                        "%(name)s holds a role: the new salary is sent for approval to a second person. It applies once approved."
                    )
                    % {"name": employee.full_name},
                    here,
                )
            changed = org_services.assignment_change(
                actor=request.user,
                employee=employee,
                start_date=data["start_date"],
                position=data["position"],
                manager=None if data["no_manager"] else data["manager"] or org_services.KEEP,
                fte=data["fte"],
                salary=data["salary"],
                reason=data["reason"],
            )
            _warn_outside_grade(request, changed.position, changed.salary)
            return _saved(
                request, _("The change is recorded from %(d)s.") % {"d": _date(data["start_date"])}, here
            )
        if action == "terminate" and form.is_valid():
            org_services.employee_terminate(
                actor=request.user,
                employee=employee,
                termination_date=form.cleaned_data["termination_date"],
                reason=form.cleaned_data["reason"],
            )
            return _saved(request, _("The termination is recorded."), here)
        if action == "absence" and form.is_valid():
            org_services.absence_create(actor=request.user, employee=employee, **form.cleaned_data)
            return _saved(request, _("The absence is recorded."), here)
        if action == "invite" and form.is_valid():
            user = org_services.account_invite(
                actor=request.user,
                employee=employee,
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
            )
            if user.has_usable_password():
                return _saved(request, _("The account is enabled."), here)
            messages.success(
                request,
                _(
                    "Pass this one-time link to %(name)s to set a password (it works once, for %(days)s days): %(link)s"
                )
                % {"name": employee.full_name, "days": _link_days(), "link": invite_link(request, user)},
            )
            return redirect(here)
        if action == "disable":
            org_services.account_disable(actor=request.user, employee=employee, reason=posted["reason"])
            return _saved(request, _("The account is disabled."), here)
        if action == "role_grant" and form.is_valid():
            if employee.user is None:
                form.add_error(None, _("Invite the person first: roles belong to a user account."))
            else:
                dualcontrol.role_grant_request(
                    actor=request.user,
                    organization=organization,
                    user=employee.user,
                    role=form.cleaned_data["role"],
                )
                return _saved(
                    request,
                    _("The role is sent for approval: it is granted once a second person approves."),
                    here,
                )
        if action == "role_revoke":
            grant = RoleAssignment.objects.filter(
                pk=posted["grant"], organization=organization, user_id=employee.user_id
            ).first()
            if grant is None or employee.user_id is None:
                raise Http404
            dualcontrol.role_revoke_request(actor=request.user, grant=grant, reason=posted["reason"])
            return _saved(
                request,
                _("The revocation is sent for approval: the role stays until a second person approves."),
                here,
            )
    except InvalidInput as error:
        refused = True
        if form is None:  # an action without fields (disable, revoke): its refusal above the page
            show_problems(request, error)
        else:
            f.add_problems(form, error)
    show_pay = access.can_see_pay(viewer, employee)
    today = timezone.localdate()
    history = list(
        Assignment.objects.filter(employee=employee)
        .select_related("position", "unit", "manager")
        .order_by("-start_date")
    )
    user = employee.user
    roles = list(RoleAssignment.objects.filter(user=user, organization=organization)) if user else []
    pending = list(
        ChangeRequest.objects.filter(
            Q(user=user) if user else Q(employee=employee),
            organization=organization,
            status=RequestStatus.PENDING,
        ).order_by("requested_at")
    )
    errors = refused or any(form_.errors for form_ in forms_.values())
    return render(
        request,
        "web/staff/person.html",
        {
            "organization": organization,
            "employee": employee,
            "history": [
                {"a": a, "current": a.start_date <= today and (a.end_date is None or a.end_date >= today)}
                for a in history
            ],
            "absences": Absence.objects.filter(employee=employee).order_by("-start_date"),
            "account": user,
            "roles": roles,
            "show_pay": show_pay,
            "can_manage": manage,
            "forms": forms_,
            "action": action,
            "open_roles": [choice for choice in Role.choices if choice[0] not in {r.role for r in roles}],
            "pending_requests": pending,
            "today": today,
            "may_open_card": True,
            "observes": ObserverGrant.objects.filter(user=user, organization=organization).select_related(
                "unit"
            )
            if user
            else [],
        },
        status=400 if errors else 200,
    )


def _salary_for_approval(employee: Any, data: dict[str, Any]) -> bool:
    """A new salary for someone who holds a role waits for a second person (motiva.dualcontrol)."""
    if data.get("salary") is None or not org_services.salary_needs_approval(employee):
        return False
    current = (
        Assignment.objects.filter(employee=employee, start_date__lt=data["start_date"])
        .order_by("-start_date")
        .first()
    )
    return current is None or current.salary != data["salary"]


def _date(day: dt.date) -> str:
    from django.utils.formats import date_format

    return date_format(day, "SHORT_DATE_FORMAT")


def _warn_outside_grade(request: HttpRequest, position: Position, salary: Any) -> None:
    """A salary outside the position's grade is allowed (a personal allowance, a transition) but said."""
    grade = position.grade
    if grade is not None and salary is not None and not grade.salary_min <= salary <= grade.salary_max:
        messages.warning(
            request,
            _("The salary %(s)s is outside the range of grade %(g)s (%(low)s — %(high)s).")
            % {
                "s": _number(salary),
                "g": grade.code,
                "low": _number(grade.salary_min),
                "high": _number(grade.salary_max),
            },
        )


def _number(value: Any) -> str:
    """A stored amount as the reader types it back (70 000,00 in Russian)."""
    from django.utils.formats import number_format

    return number_format(value, 2, use_l10n=True, force_grouping=True)


def _link_days() -> int:
    from django.conf import settings

    return max(1, int(settings.PASSWORD_RESET_TIMEOUT) // 86400)


# The invited person's own page ---------------------------------------------------------------------


def invite_accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The one-time link of an invitation: a valid link asks for a password; once it is set (or when the
    link is too old) the link no longer works."""
    user_model = get_user_model()
    try:
        user = user_model.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (TypeError, ValueError, OverflowError, user_model.DoesNotExist):
        user = None
    valid = (
        user is not None
        and user.is_active
        and org_services.invitation_allowed(user)
        and default_token_generator.check_token(user, token)
    )
    if not valid:
        return render(request, "web/staff/invite.html", {"valid": False}, status=404)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org_services.account_password_set(user=user, password=form.cleaned_data["new_password1"])
        except InvalidInput as error:
            f.add_problems(form, error)
        else:
            messages.success(
                request, _("Your password is set. Log in with your login %(u)s.") % {"u": user.username}
            )
            return redirect("login")
    return render(
        request,
        "web/staff/invite.html",
        {"valid": True, "form": form, "account": user},
        status=400 if form.errors else 200,
    )
