"""Reads of the org structure, "as of a date" included."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet

from motiva.core.models import Organization
from motiva.org.models import Assignment, Employee, Unit


def active_on(day: dt.date, prefix: str = "") -> Q:
    """Rows whose [start_date, end_date] span contains `day` (end_date empty = still open)."""
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def assignment_as_of(employee: Employee, day: dt.date) -> Assignment | None:
    return (
        Assignment.objects.filter(active_on(day), employee=employee)
        .select_related("position", "position__grade", "unit", "manager")
        .first()
    )


def position_id_as_of(employee: Employee, day: dt.date) -> int | None:
    return (
        Assignment.objects.filter(active_on(day), employee=employee)
        .values_list("position_id", flat=True)
        .first()
    )


def assignments_as_of(organization: Organization, day: dt.date) -> QuerySet[Assignment]:
    return Assignment.objects.filter(active_on(day), organization=organization).select_related(
        "employee", "position", "position__grade", "unit", "manager"
    )


def employees_as_of(organization: Organization, day: dt.date) -> QuerySet[Employee]:
    return Employee.objects.filter(
        Q(termination_date__isnull=True) | Q(termination_date__gte=day),
        organization=organization,
        hire_date__lte=day,
    )


def salary_as_of(employee: Employee, day: dt.date) -> Any:
    assignment = assignment_as_of(employee, day)
    return assignment.salary if assignment else None


def unit_subtree(unit: Unit) -> QuerySet[Unit]:
    """The unit and every unit below it."""
    return Unit.objects.filter(organization_id=unit.organization_id, path__startswith=unit.path)


def manages_anyone(employee: Employee, day: dt.date) -> bool:
    """Whether the employee heads a unit or is named as someone's manager on that day (two indexed reads)."""
    return (
        Unit.objects.filter(head=employee).exists()
        or Assignment.objects.filter(active_on(day), manager=employee).exists()
    )


LEVEL_LIMIT = 2000  # people on one level of a subtree read by query; beyond, the organization is read once


def subordinates_as_of(manager: Employee, day: dt.date) -> QuerySet[Employee]:
    """Everyone below the manager on that day, at any depth: the people in the units they head (and the
    units below), the people whose assignment names them as manager, and in turn everyone below those.
    Read level by level; a level of more than a few thousand people switches to reading the
    organization's assignments once."""
    if not manages_anyone(manager, day):
        return Employee.objects.none()
    active = Assignment.objects.filter(active_on(day), organization_id=manager.organization_id)
    found: set[int] = set()
    frontier = {manager.pk}
    while frontier:
        if len(frontier) > LEVEL_LIMIT:
            found |= _below_in_memory(manager, frontier, found, day)
            break
        condition = Q(manager_id__in=frontier)
        for path in Unit.objects.filter(head_id__in=frontier).values_list("path", flat=True):
            condition |= Q(unit__path__startswith=path)
        below = set(active.filter(condition).values_list("employee_id", flat=True)) - found - {manager.pk}
        found |= below
        frontier = below
    return Employee.objects.filter(pk__in=found)


def _below_in_memory(manager: Employee, frontier: set[int], found: set[int], day: dt.date) -> set[int]:
    units = list(
        Unit.objects.filter(organization_id=manager.organization_id).values_list("pk", "path", "head_id")
    )
    reports: dict[int, set[int]] = {}
    by_unit: dict[int, set[int]] = {}
    for employee_id, manager_id, unit_id in Assignment.objects.filter(
        active_on(day), organization_id=manager.organization_id
    ).values_list("employee_id", "manager_id", "unit_id"):
        if manager_id:
            reports.setdefault(manager_id, set()).add(employee_id)
        by_unit.setdefault(unit_id, set()).add(employee_id)
    headed: dict[int, list[str]] = {}
    for _pk, path, head_id in units:
        if head_id:
            headed.setdefault(head_id, []).append(path)
    seen = set(found)
    while frontier:
        below: set[int] = set()
        for person in frontier:
            below |= reports.get(person, set())
            for path in headed.get(person, []):
                for unit_pk, unit_path, _head in units:
                    if unit_path.startswith(path):
                        below |= by_unit.get(unit_pk, set())
        below -= seen | {manager.pk}
        seen |= below
        frontier = below
    return seen


def organizations_for(user: Any) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    base = Organization.objects.all()
    if not user.is_superuser:
        base = base.filter(Q(employees__user=user) | Q(role_assignments__user=user)).distinct()
    return Organization.objects.filter(pk__in=base.values("pk")).annotate(
        unit_count=Count("units", distinct=True),
        employee_count=Count("employees", distinct=True),
        indicator_count=Count("indicators", distinct=True),
    )


def observed_employee_ids(user: Any, organization_id: int, day: dt.date) -> set[int]:
    """The people assigned on that day to the units (and the units below) a user observes then."""
    from motiva.org.models import ObserverGrant

    paths = list(
        ObserverGrant.objects.filter(active_on(day), user=user, organization_id=organization_id).values_list(
            "unit__path", flat=True
        )
    )
    if not paths:
        return set()
    condition = Q()
    for path in paths:
        condition |= Q(unit__path__startswith=path)
    return set(
        Assignment.objects.filter(active_on(day), condition, organization_id=organization_id).values_list(
            "employee_id", flat=True
        )
    )
