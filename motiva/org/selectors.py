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


def subordinates_as_of(manager: Employee, day: dt.date) -> QuerySet[Employee]:
    """Everyone in the units the manager heads (and below), plus direct reports, on that day."""
    headed_paths = list(Unit.objects.filter(head=manager).values_list("path", flat=True))
    unit_filter = Q()
    for path in headed_paths:
        unit_filter |= Q(assignments__unit__path__startswith=path)
    return (
        Employee.objects.filter(
            (unit_filter | Q(assignments__manager=manager)) if headed_paths else Q(assignments__manager=manager),
            active_on(day, "assignments__"),
        )
        .exclude(pk=manager.pk)
        .distinct()
    )


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
