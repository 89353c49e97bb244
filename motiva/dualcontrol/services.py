"""Dual control: a privileged change is requested by one person and applied when a second one approves.

What needs it: granting or revoking any role (administrator, HR, finance, executive, auditor, board) and
changing the salary of someone who holds such a role. Who may request and decide: for roles, HR or the
administrator of the organization; for salaries, HR. The decider is never the requester nor the person
the change concerns. On approval the change is applied by the service that applies it anyway
(motiva.org.services), which itself refuses to apply it without this approved request. The request and
the decision are audited in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from motiva.core import audit
from motiva.core.errors import InvalidInput, problem, raise_if_errors
from motiva.core.models import Organization, Role, RoleAssignment
from motiva.dualcontrol.models import ChangeRequest, RequestKind, RequestStatus
from motiva.engine.problems import Problem
from motiva.org import services as org_services
from motiva.org.models import Employee, Position

ROLE_DECIDERS = frozenset({Role.HR, Role.ADMIN})
SALARY_DECIDERS = frozenset({Role.HR})


def roles_of(user: Any, organization_id: int) -> frozenset[str]:
    """The user's roles in the organization, read from the database (a superuser is an administrator)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    roles = set(
        RoleAssignment.objects.filter(user=user, organization_id=organization_id).values_list(
            "role", flat=True
        )
    )
    if user.is_superuser:
        roles.add(Role.ADMIN)
    return frozenset(roles)


def deciders(kind: str) -> frozenset[str]:
    return SALARY_DECIDERS if kind == RequestKind.SALARY_CHANGE else ROLE_DECIDERS


def may_request(user: Any, organization_id: int, kind: str) -> bool:
    return bool(roles_of(user, organization_id) & deciders(kind))


def may_decide(user: Any, request: ChangeRequest) -> bool:
    """Whether the user may approve or reject this request: the right to make the change, and neither the
    requester nor the person it concerns."""
    if not may_request(user, request.organization_id, request.kind):
        return False
    if user.pk == request.requested_by_id or user.pk == request.user_id:
        return False
    return not (request.employee is not None and request.employee.user_id == user.pk)


def _no_right() -> InvalidInput:
    return InvalidInput(
        [problem("forbidden", "actor", "У вас нет права на это изменение", "You may not make this change")]
    )


def _pending_problems(**match: Any) -> list[Problem]:
    if ChangeRequest.objects.filter(status=RequestStatus.PENDING, **match).exists():
        return [
            problem(
                "pending",
                "approval",
                "Такой запрос уже ждёт одобрения",
                "The same request is already awaiting approval",
            )
        ]
    return []


def _record_request(actor: Any, request: ChangeRequest, after: dict[str, str]) -> None:
    audit.record(actor=actor, obj=request, action="create", after=after, reason=request.reason)


@transaction.atomic
def role_grant_request(
    *, actor: Any, organization: Organization, user: Any, role: str, reason: str = ""
) -> ChangeRequest:
    """Asks for `role` to be granted to `user`; nothing changes until a second person approves."""
    if not may_request(actor, organization.pk, RequestKind.ROLE_GRANT):
        raise _no_right()
    problems: list[Problem] = []
    if role not in Role.values:
        problems.append(problem("choice", "role", "Неизвестная роль «{r}»", "Unknown role “{r}”", r=role))
    if user is None:
        problems.append(problem("required", "user", "Укажите пользователя", "Name the user"))
    elif RoleAssignment.objects.filter(user=user, organization=organization, role=role).exists():
        problems.append(
            problem("duplicate", "role", "Эта роль у пользователя уже есть", "The user has this role already")
        )
    elif not user.is_active:
        problems.append(problem("inactive", "user", "Учётная запись отключена", "The account is disabled"))
    if not problems:
        problems += _pending_problems(
            organization=organization, kind=RequestKind.ROLE_GRANT, user=user, role=role
        )
    raise_if_errors(problems)
    request = ChangeRequest.objects.create(
        organization=organization,
        kind=RequestKind.ROLE_GRANT,
        user=user,
        employee=Employee.objects.filter(user=user, organization=organization).first(),
        role=role,
        reason=reason.strip(),
        requested_by=actor,
    )
    _record_request(
        actor,
        request,
        {"kind": request.kind, "user": audit.value_text(user), "role": role, "status": "pending"},
    )
    return request


@transaction.atomic
def role_revoke_request(*, actor: Any, grant: RoleAssignment, reason: str = "") -> ChangeRequest:
    """Asks for the role to be taken away; it stays until a second person approves."""
    if not may_request(actor, grant.organization_id, RequestKind.ROLE_REVOKE):
        raise _no_right()
    raise_if_errors(
        _pending_problems(
            organization_id=grant.organization_id,
            kind=RequestKind.ROLE_REVOKE,
            user_id=grant.user_id,
            role=grant.role,
        )
    )
    request = ChangeRequest.objects.create(
        organization_id=grant.organization_id,
        kind=RequestKind.ROLE_REVOKE,
        user_id=grant.user_id,
        employee=Employee.objects.filter(
            user_id=grant.user_id, organization_id=grant.organization_id
        ).first(),
        role=grant.role,
        reason=reason.strip(),
        requested_by=actor,
    )
    _record_request(
        actor,
        request,
        {"kind": request.kind, "user": audit.value_text(grant.user), "role": grant.role, "status": "pending"},
    )
    return request


class _DryRun(Exception):
    pass


class _Preview:
    """Stands for an approval while a salary request is checked (and rolled back) before it is filed."""

    status = RequestStatus.APPROVED
    kind = RequestKind.SALARY_CHANGE
    bootstrap = True
    pk = None

    def __init__(self, employee: Employee) -> None:
        self.organization_id = employee.organization_id
        self.user_id = employee.user_id
        self.employee_id = employee.pk


def _salary_arguments(payload: dict[str, Any], organization_id: int) -> dict[str, Any]:
    """The arguments of org_services.assignment_change from a stored request."""
    manager: Any = org_services.KEEP
    if payload.get("manager") == "none":
        manager = None
    elif payload.get("manager") not in (None, "keep"):
        manager = Employee.objects.get(pk=int(payload["manager"]), organization_id=organization_id)
    position = payload.get("position")
    return {
        "start_date": dt.date.fromisoformat(payload["start_date"]),
        "salary": Decimal(payload["salary"]),
        "position": Position.objects.get(pk=int(position), organization_id=organization_id)
        if position
        else None,
        "manager": manager,
        "fte": Decimal(payload["fte"]) if payload.get("fte") else None,
    }


@transaction.atomic
def salary_change_request(
    *,
    actor: Any,
    employee: Employee,
    start_date: dt.date,
    salary: Decimal,
    position: Position | None = None,
    manager: Employee | object | None = org_services.KEEP,
    fte: Decimal | None = None,
    reason: str = "",
) -> ChangeRequest:
    """Asks for the change of the assignment (with its new salary) of someone who holds a privileged
    role. It is checked now as the assignment service would check it, and applied on approval."""
    if not may_request(actor, employee.organization_id, RequestKind.SALARY_CHANGE):
        raise _no_right()
    if getattr(actor, "pk", None) is not None and employee.user_id == actor.pk:
        raise InvalidInput(
            [problem("self", "salary", "Свой оклад не меняют", "You cannot change your own salary")]
        )
    try:
        salary = Decimal(salary)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput([problem("number", "salary", "Оклад — число", "The salary is a number")]) from None
    raise_if_errors(_pending_problems(kind=RequestKind.SALARY_CHANGE, employee=employee))
    arguments = {
        "start_date": start_date,
        "salary": salary,
        "position": position,
        "manager": manager,
        "fte": fte,
    }
    try:
        with transaction.atomic():
            org_services.assignment_change(
                actor=actor, employee=employee, reason=reason, approval=_Preview(employee), **arguments
            )
            raise _DryRun
    except _DryRun:
        pass
    payload = {
        "start_date": start_date.isoformat(),
        "salary": audit.value_text(salary),
        "position": position.pk if position is not None else None,
        "manager": "keep" if manager is org_services.KEEP else ("none" if manager is None else manager.pk),  # type: ignore[attr-defined]
        "fte": audit.value_text(fte) if fte is not None else None,
    }
    request = ChangeRequest.objects.create(
        organization_id=employee.organization_id,
        kind=RequestKind.SALARY_CHANGE,
        user_id=employee.user_id,
        employee=employee,
        payload=payload,
        reason=reason.strip(),
        requested_by=actor,
    )
    _record_request(
        actor,
        request,
        {
            "kind": request.kind,
            "employee": audit.value_text(employee),
            "start_date": payload["start_date"],
            "salary": payload["salary"],
            "status": "pending",
        },
    )
    return request


def _decide(actor: Any, request: ChangeRequest, status: str, reason: str) -> ChangeRequest:
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.PENDING:
        raise InvalidInput(
            [problem("decided", "status", "Запрос уже рассмотрен", "The request has been decided already")]
        )
    if not may_decide(actor, request):
        if getattr(actor, "pk", None) in (request.requested_by_id, request.user_id) or (
            request.employee is not None and request.employee.user_id == getattr(actor, "pk", None)
        ):
            raise InvalidInput(
                [
                    problem(
                        "second_person",
                        "actor",
                        "Решение принимает второй сотрудник — не автор запроса и не тот, кого он касается",
                        "A second person decides: neither the requester nor the person concerned",
                    )
                ]
            )
        raise _no_right()
    request.status = status
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_reason = reason.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit.record(
        actor=actor,
        obj=request,
        action="update",
        before={"status": RequestStatus.PENDING, "decided_by": ""},
        after={"status": status, "decided_by": audit.value_text(actor)},
        reason=request.decision_reason,
    )
    return request


@transaction.atomic
def change_request_approve(*, actor: Any, request: ChangeRequest, reason: str = "") -> ChangeRequest:
    """The second person approves: the change is applied now by its own service. If the service refuses
    it (the role was granted meanwhile, the date is in a closed period …) nothing changes and the request
    stays pending."""
    request = _decide(actor, request, RequestStatus.APPROVED, reason)
    organization = request.organization
    if request.kind == RequestKind.ROLE_GRANT:
        org_services.role_grant(
            actor=actor, organization=organization, user=request.user, role=request.role, approval=request
        )
    elif request.kind == RequestKind.ROLE_REVOKE:
        grant = RoleAssignment.objects.filter(
            organization=organization, user_id=request.user_id, role=request.role
        ).first()
        if grant is None:
            raise InvalidInput(
                [
                    problem(
                        "gone", "role", "Этой роли у пользователя уже нет", "The user no longer has this role"
                    )
                ]
            )
        org_services.role_revoke(actor=actor, grant=grant, reason=request.reason, approval=request)
    else:
        assert request.employee is not None
        org_services.assignment_change(
            actor=actor,
            employee=request.employee,
            reason=request.reason,
            approval=request,
            **_salary_arguments(request.payload, request.organization_id),
        )
    return request


@transaction.atomic
def change_request_reject(*, actor: Any, request: ChangeRequest, reason: str) -> ChangeRequest:
    if not (reason or "").strip():
        raise InvalidInput(
            [problem("required", "reason", "Укажите причину отказа", "Give the reason of the rejection")]
        )
    return _decide(actor, request, RequestStatus.REJECTED, reason)


@transaction.atomic
def bootstrap_admin(*, organization: Organization, user: Any, operator: str) -> RoleAssignment:
    """The first administrator of an organization that has no roles at all, made by the operator of the
    installation (manage.py bootstrap_admin). There is nobody to approve it yet, so the request is
    approved by the operator's command and audited as such; once the organization has any role, every
    further role goes through a second person."""
    problems: list[Problem] = []
    if RoleAssignment.objects.filter(organization=organization).exists():
        problems.append(
            problem(
                "not_new",
                "organization",
                "В организации уже есть роли: новые роли выдаются через согласование",
                "The organization has roles already: further roles go through approval",
            )
        )
    if user is None or not user.is_active:
        problems.append(problem("inactive", "user", "Учётная запись отключена", "The account is disabled"))
    raise_if_errors(problems)
    note = f"bootstrap by the operator: {operator}"[:300]
    request = ChangeRequest.objects.create(
        organization=organization,
        kind=RequestKind.ROLE_GRANT,
        status=RequestStatus.APPROVED,
        user=user,
        role=Role.ADMIN,
        reason=note,
        decided_at=timezone.now(),
        decision_reason=note,
        bootstrap=True,
    )
    _record_request(
        None,
        request,
        {"kind": request.kind, "user": audit.value_text(user), "role": Role.ADMIN, "status": "approved"},
    )
    return org_services.role_grant(
        actor=None, organization=organization, user=user, role=Role.ADMIN, approval=request
    )


def pending_for(user: Any, organization: Organization) -> Any:
    """The requests this user may see on the approvals page: role requests for HR and administrators,
    salary requests for HR only (they name a salary)."""
    roles = roles_of(user, organization.pk)
    kinds = []
    if roles & ROLE_DECIDERS:
        kinds += [RequestKind.ROLE_GRANT, RequestKind.ROLE_REVOKE]
    if roles & SALARY_DECIDERS:
        kinds.append(RequestKind.SALARY_CHANGE)
    return ChangeRequest.objects.filter(organization=organization, kind__in=kinds).select_related(
        "user", "employee", "requested_by", "decided_by"
    )
