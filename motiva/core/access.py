"""Who may see or do what: the one access policy of Motiva.

Every page, export and API endpoint reads through these functions, which return querysets (or
answer yes / no for an action). An object outside what a function returns is answered with 404, so a
page never tells that someone else's object exists.

Roles (SPEC C9): an *employee* sees their own card and pay; a *manager* (derived from the org
structure: the head of a unit, or the manager named on assignments) sees their subtree; *HR*,
*finance* and the *executive* see the whole organization with pay; the *auditor* sees the whole
organization and the audit log without pay; the *administrator* manages the configuration without pay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from motiva.core.models import Organization, Role, RoleAssignment
from motiva.org.models import Employee, Unit

COMPANY_READ = frozenset({Role.HR, Role.FINANCE, Role.EXECUTIVE, Role.AUDITOR, Role.ADMIN, Role.BOARD})
# The board / owner approves the general director's own pay, so it reads the pay it approves.
PAY_READ = frozenset({Role.HR, Role.FINANCE, Role.EXECUTIVE, Role.BOARD})
CONFIGURE = frozenset({Role.HR, Role.ADMIN})  # indicators, scales, card templates and cards
# Audit fields that carry salary or pay: shown only to those who may see pay.
PAY_FIELDS = frozenset(
    {
        "salary",
        "salary_min",
        "salary_max",
        "amount",
        "percent",
        "pay",
        "planned_amount",
        "coefficient",
        "lines",
        "params",
    }
)
# Audit entities whose very description names an amount of pay.
PAY_ENTITIES = frozenset({"calc.Adjustment", "calc.GroupCorrection"})
# Notes on a result that speak of the card only (facts, scales); every other note comes from the pay
# calculation and may name money, so it is shown only with the pay.
CARD_PROBLEM_CODES = frozenset(
    {
        "fact_missing",
        "line_without_score",
        "plan_value_missing",
        "plan_values_order",
        "rating_range",
        "unknown_kind",
        "unknown_level",
        "zero_fact",
        "zero_plan",
    }
)


def card_notes(problems: list[Any], show_pay: bool) -> list[Any]:
    """The stored notes of a result (dicts with a "code") the viewer may read."""
    return list(problems) if show_pay else [p for p in problems if p.get("code") in CARD_PROBLEM_CODES]


@dataclass
class Viewer:
    user: Any
    employee: Employee | None
    roles: dict[int, frozenset[str]] = field(default_factory=dict)  # organization id → roles
    _subtree: dict[tuple[int, dt.date], frozenset[int]] = field(default_factory=dict)
    # run id → the run's direct managers, read once a request (motiva.calc.approvals.can_sign)
    run_managers: dict[int, frozenset[int]] = field(default_factory=dict)
    _manages: dict[tuple[int, dt.date, str], bool] = field(default_factory=dict)
    _observed: dict[tuple[int, dt.date], frozenset[int]] = field(default_factory=dict)

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user and self.user.is_authenticated)

    def roles_in(self, organization_id: int) -> frozenset[str]:
        roles = self.roles.get(organization_id, frozenset())
        if self.user is not None and getattr(self.user, "is_superuser", False):
            roles = roles | {Role.ADMIN}
        return roles

    def has(self, organization_id: int, *roles: str) -> bool:
        return bool(self.roles_in(organization_id) & set(roles))

    def reads_company(self, organization_id: int) -> bool:
        return bool(self.roles_in(organization_id) & COMPANY_READ)

    def reads_all_pay(self, organization_id: int) -> bool:
        return bool(self.roles_in(organization_id) & PAY_READ)

    def subtree(self, organization_id: int, day: dt.date | None = None) -> frozenset[int]:
        """Ids of the employees this viewer manages on that day (not the viewer)."""
        from motiva.org.selectors import subordinates_as_of

        if self.employee is None or self.employee.organization_id != organization_id:
            return frozenset()
        day = day or timezone.localdate()
        key = (organization_id, day)
        if key not in self._subtree:
            self._subtree[key] = frozenset(
                subordinates_as_of(self.employee, day).values_list("pk", flat=True)
            )
        return self._subtree[key]

    def observed(self, organization_id: int, day: dt.date | None = None) -> frozenset[int]:
        """Ids of the employees in the subtrees this viewer observes on that day (SPEC C1, «матрица
        заместителя»): read, never managed — no scoring, no facts, no signatures follow from it."""
        from motiva.org.selectors import observed_employee_ids

        if not self.is_authenticated:
            return frozenset()
        day = day or timezone.localdate()
        key = (organization_id, day)
        if key not in self._observed:
            self._observed[key] = frozenset(observed_employee_ids(self.user, organization_id, day))
        return self._observed[key]

    def is_manager(self, organization_id: int, day: dt.date | None = None) -> bool:
        """Whether anyone reports to this viewer: cheap when nobody does (most people), and the subtree is
        read only when it is needed."""
        from motiva.org.selectors import manages_anyone

        if self.employee is None or self.employee.organization_id != organization_id:
            return False
        day = day or timezone.localdate()
        if (organization_id, day) in self._subtree:
            return bool(self._subtree[(organization_id, day)])
        key = (organization_id, day, "manages")
        if key not in self._manages:
            self._manages[key] = manages_anyone(self.employee, day)
        return self._manages[key]


def viewer_for(user: Any) -> Viewer:
    """The viewer of a request's user, computed once per request (cached on the user object)."""
    cached = getattr(user, "_motiva_viewer", None)
    if cached is not None:
        return cached
    if not user or not user.is_authenticated:
        viewer = Viewer(None, None)
    else:
        employee = Employee.objects.filter(user=user).select_related("organization").first()
        roles: dict[int, set[str]] = {}
        for organization_id, role in RoleAssignment.objects.filter(user=user).values_list(
            "organization_id", "role"
        ):
            roles.setdefault(organization_id, set()).add(role)
        viewer = Viewer(user, employee, {k: frozenset(v) for k, v in roles.items()})
    if user is not None:
        user._motiva_viewer = viewer
    return viewer


def organizations(viewer: Viewer) -> QuerySet[Organization]:
    if not viewer.is_authenticated:
        return Organization.objects.none()
    if viewer.user.is_superuser:
        return Organization.objects.all()
    ids = set(viewer.roles)
    if viewer.employee is not None:
        ids.add(viewer.employee.organization_id)
    return Organization.objects.filter(pk__in=ids)


def organization_or_404(viewer: Viewer, pk: Any) -> Organization:
    try:
        return organizations(viewer).get(pk=int(pk))
    except (Organization.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def _people(
    viewer: Viewer, organization: Organization | int, everyone: bool, day: dt.date | None
) -> QuerySet[Employee]:
    """Everyone of the organization when `everyone`, else the viewer and their subtree."""
    organization_id = organization if isinstance(organization, int) else organization.pk
    base = Employee.objects.filter(organization_id=organization_id)
    if not viewer.is_authenticated:
        return base.none()
    if everyone:
        return base
    own = (
        viewer.employee.pk
        if viewer.employee is not None and viewer.employee.organization_id == organization_id
        else None
    )
    return base.filter(
        Q(pk__in=viewer.subtree(organization_id, day) | viewer.observed(organization_id, day)) | Q(pk=own)
    )


def _organization_id(organization: Organization | int) -> int:
    return organization if isinstance(organization, int) else organization.pk


def employees(
    viewer: Viewer, organization: Organization | int, day: dt.date | None = None
) -> QuerySet[Employee]:
    """Employees whose card this viewer may open: everyone for the company-wide roles; the viewer and
    their subtree for a manager; only themselves for an employee."""
    return _people(viewer, organization, viewer.reads_company(_organization_id(organization)), day)


def pay_visible(
    viewer: Viewer, organization: Organization | int, day: dt.date | None = None
) -> QuerySet[Employee]:
    """Employees whose salary and pay this viewer may see: the person, their management line, HR,
    finance and executives. The auditor and the administrator see no one's pay but their own."""
    return _people(viewer, organization, viewer.reads_all_pay(_organization_id(organization)), day)


def can_see_pay(viewer: Viewer, employee: Employee, day: dt.date | None = None) -> bool:
    if not viewer.is_authenticated:
        return False
    if viewer.reads_all_pay(employee.organization_id):
        return True
    if viewer.employee is not None and viewer.employee.pk == employee.pk:
        return True
    return employee.pk in viewer.subtree(employee.organization_id, day) or employee.pk in viewer.observed(
        employee.organization_id, day
    )


def employee_or_404(viewer: Viewer, pk: Any, day: dt.date | None = None) -> Employee:
    try:
        employee = Employee.objects.select_related("organization").get(pk=int(pk))
    except (Employee.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    if not employees(viewer, employee.organization_id, day).filter(pk=employee.pk).exists():
        raise Http404
    return employee


def units(viewer: Viewer, organization: Organization) -> QuerySet[Unit]:
    """The unit tree (names only, no pay) is visible to everyone in the organization."""
    if organizations(viewer).filter(pk=organization.pk).exists():
        return Unit.objects.filter(organization=organization)
    return Unit.objects.none()


def can_configure(viewer: Viewer, organization_id: int) -> bool:
    return viewer.has(organization_id, *CONFIGURE)


def can_edit_cards(viewer: Viewer, organization_id: int) -> bool:
    """Cards carry planned bonus amounts (pay): HR edits them, not the administrator."""
    return viewer.has(organization_id, Role.HR)


def can_read_audit(viewer: Viewer, organization_id: int) -> bool:
    return viewer.has(organization_id, Role.AUDITOR, Role.HR, Role.ADMIN)


def runs(viewer: Viewer, organization: Organization) -> QuerySet[Any]:
    """Calculation runs: the company-wide roles see them all; a manager sees them too, but only their
    team's rows inside (see `results`)."""
    from motiva.calc.models import CalculationRun

    base = CalculationRun.objects.filter(organization=organization)
    if (
        viewer.reads_company(organization.pk)
        or viewer.is_manager(organization.pk)
        or viewer.observed(organization.pk)
    ):
        return base
    return base.none()


def results(viewer: Viewer, run: Any) -> QuerySet[Any]:
    """The rows of a run this viewer may read: the employees whose card they may open; none while the
    run is not done (Celery workers store its slices one by one). Whether the money in them may be shown
    is `results_show_pay`."""
    from motiva.calc.models import EmployeeResult, RunStatus

    if run.status != RunStatus.DONE:
        return EmployeeResult.objects.none()
    rows = EmployeeResult.objects.filter(run=run)
    if viewer.reads_company(run.organization_id):
        return rows
    return rows.filter(employee__in=employees(viewer, run.organization_id).values("pk"))


def results_show_pay(viewer: Viewer, organization_id: int) -> bool:
    """Every row `results` gives this viewer is pay-visible to them (their own subtree), unless they read
    the whole organization without the right to its pay (the auditor, the administrator)."""
    return viewer.reads_all_pay(organization_id) or not viewer.reads_company(organization_id)


def run_contains_own_pay(viewer: Viewer, run: Any) -> bool:
    from motiva.calc.models import EmployeeResult

    return (
        viewer.employee is not None
        and EmployeeResult.objects.filter(run=run, employee=viewer.employee).exists()
    )


def mask_pay_entity(viewer: Viewer, organization_id: int | None, entity_type: str, text: str) -> str:
    if entity_type in PAY_ENTITIES and (organization_id is None or not viewer.reads_all_pay(organization_id)):
        return entity_type.split(".")[-1]
    return text


def mask_pay_field(viewer: Viewer, organization_id: int | None, field_name: str, value: str) -> str:
    """An audit value as this viewer may see it: salary and pay only for those who may see all pay."""
    if field_name in PAY_FIELDS and (organization_id is None or not viewer.reads_all_pay(organization_id)):
        return "•••"
    return value


# Who moves a period along its lifecycle (SPEC C7). The run moves "review" on to "calculated"; the
# general director's signature moves "calculated" on to "approved"; closing needs HR's and finance's
# sign-offs (motiva.calc.approvals).
TRANSITION_ROLES: dict[tuple[str, str], frozenset[str]] = {
    ("planning", "targets_approved"): frozenset({Role.HR}),
    ("targets_approved", "fact_collection"): frozenset({Role.HR}),
    ("fact_collection", "review"): frozenset({Role.HR}),
    ("targets_approved", "planning"): frozenset({Role.HR}),
    ("fact_collection", "targets_approved"): frozenset({Role.HR}),
    ("review", "fact_collection"): frozenset({Role.HR}),
    ("calculated", "review"): frozenset({Role.HR}),
    ("approved", "review"): frozenset({Role.HR, Role.EXECUTIVE}),
}


def can_transition(viewer: Viewer, period: Any, to_status: str) -> bool:
    roles = TRANSITION_ROLES.get((period.status, to_status))
    return bool(roles) and viewer.has(period.organization_id, *roles)


def can_manage_periods(viewer: Viewer, organization_id: int) -> bool:
    return viewer.has(organization_id, Role.HR)


def can_start_run(viewer: Viewer, organization_id: int) -> bool:
    return viewer.has(organization_id, Role.HR, Role.FINANCE)


def can_score_components(viewer: Viewer, employee: Employee) -> bool:
    """Tasks and assessment lines are scored by the employee's managers (or HR), never by the employee."""
    if viewer.employee is not None and viewer.employee.pk == employee.pk:
        return False
    return viewer.has(employee.organization_id, Role.HR) or employee.pk in viewer.subtree(
        employee.organization_id
    )


def can_close(viewer: Viewer, organization_id: int) -> bool:
    return viewer.has(organization_id, Role.HR, Role.FINANCE)


def can_enter_facts(viewer: Viewer, organization_id: int) -> bool:
    """HR enters any value; a manager enters the personal values of their subtree."""
    return viewer.has(organization_id, Role.HR) or viewer.is_manager(organization_id)


def can_adjust(viewer: Viewer, organization_id: int) -> bool:
    """Adjustments are pay: entered and approved by HR, finance and the executive (two different people)."""
    return viewer.has(organization_id, Role.HR, Role.FINANCE, Role.EXECUTIVE)
