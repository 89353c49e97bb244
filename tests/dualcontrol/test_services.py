"""Dual control (issue 12): a privileged role or the salary of someone who holds one changes only when a
second person approves — never the requester, never the person concerned — and both the request and the
decision are in the audit log. The org services refuse to apply such a change without the approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from motiva.core.errors import InvalidInput
from motiva.core.models import AuditEvent, Organization, Role, RoleAssignment
from motiva.dualcontrol import services as dc
from motiva.dualcontrol.models import ChangeRequest
from motiva.org import services as org
from motiva.org.models import Assignment

pytestmark = pytest.mark.django_db

MAY = dt.date(2026, 5, 1)


def refused(field: str, call, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        call(**kwargs)
    assert field in {p.field for p in caught.value.problems}, caught.value.problems
    return caught.value


@pytest.fixture
def second_hr(cast):
    """A second HR person (fixture setup writes the row directly)."""
    RoleAssignment.objects.create(user=cast["users"]["boss"], organization=cast["company"], role=Role.HR)
    return cast["users"]["boss"]


def test_a_role_is_granted_only_when_a_second_person_approves(cast):
    hr, admin, anna = cast["users"]["hr"], cast["users"]["admin"], cast["users"]["anna"]
    company = cast["company"]
    refused("approval", org.role_grant, actor=hr, organization=company, user=anna, role=Role.FINANCE)
    asked = dc.role_grant_request(
        actor=hr, organization=company, user=anna, role=Role.FINANCE, reason="отпуск"
    )
    assert not RoleAssignment.objects.filter(user=anna, role=Role.FINANCE).exists()
    refused("actor", dc.change_request_approve, actor=hr, request=asked)  # the requester
    refused("actor", dc.change_request_approve, actor=anna, request=asked)  # the person concerned
    refused("actor", dc.change_request_approve, actor=cast["users"]["fin"], request=asked)  # no right
    assert not RoleAssignment.objects.filter(user=anna, role=Role.FINANCE).exists()
    dc.change_request_approve(actor=admin, request=asked, reason="согласовано")
    grant = RoleAssignment.objects.get(user=anna, organization=company, role=Role.FINANCE)
    asked.refresh_from_db()
    assert asked.status == "approved" and asked.decided_by == admin and asked.decided_at is not None
    refused("status", dc.change_request_approve, actor=admin, request=asked)  # decided once
    # the request, the decision and the grant are in the audit log, each with its actor
    trail = AuditEvent.objects.filter(entity_type="dualcontrol.ChangeRequest", entity_id=str(asked.pk))
    assert trail.filter(action="create", actor=hr, field="role", new_value=Role.FINANCE).exists()
    assert trail.filter(action="update", actor=admin, field="status", new_value="approved").exists()
    assert AuditEvent.objects.filter(
        entity_type="core.RoleAssignment", entity_id=str(grant.pk), action="create", actor=admin
    ).exists()


def test_a_role_is_revoked_only_when_a_second_person_approves(cast, second_hr):
    hr, fin = cast["users"]["hr"], cast["users"]["fin"]
    grant = RoleAssignment.objects.get(user=fin, role=Role.FINANCE)
    refused("approval", org.role_revoke, actor=hr, grant=grant)
    asked = dc.role_revoke_request(actor=hr, grant=grant, reason="перевод")
    refused("approval", dc.role_revoke_request, actor=second_hr, grant=grant)  # already asked
    assert RoleAssignment.objects.filter(pk=grant.pk).exists()
    refused("actor", dc.change_request_approve, actor=fin, request=asked)
    dc.change_request_approve(actor=second_hr, request=asked)
    assert not RoleAssignment.objects.filter(pk=grant.pk).exists()
    assert AuditEvent.objects.filter(
        entity_type="core.RoleAssignment", action="delete", actor=second_hr
    ).exists()


def test_a_rejection_needs_a_reason_and_changes_nothing(cast):
    hr, admin, anna = cast["users"]["hr"], cast["users"]["admin"], cast["users"]["anna"]
    asked = dc.role_grant_request(actor=hr, organization=cast["company"], user=anna, role=Role.AUDITOR)
    refused("reason", dc.change_request_reject, actor=admin, request=asked, reason="  ")
    refused("actor", dc.change_request_reject, actor=hr, request=asked, reason="передумала")
    dc.change_request_reject(actor=admin, request=asked, reason="нет основания")
    asked.refresh_from_db()
    assert asked.status == "rejected" and asked.decision_reason == "нет основания"
    assert not RoleAssignment.objects.filter(user=anna, role=Role.AUDITOR).exists()
    refused("status", dc.change_request_approve, actor=admin, request=asked)
    assert AuditEvent.objects.filter(
        entity_type="dualcontrol.ChangeRequest", field="status", new_value="rejected", reason="нет основания"
    ).exists()


def test_only_those_who_may_make_the_change_ask_for_it(cast):
    company, anna = cast["company"], cast["users"]["anna"]
    for user in ("fin", "auditor", "gd", "anna", "outsider"):
        refused(
            "actor",
            dc.role_grant_request,
            actor=cast["users"][user],
            organization=company,
            user=anna,
            role="hr",
        )
    refused(
        "role", dc.role_grant_request, actor=cast["users"]["hr"], organization=company, user=anna, role="king"
    )
    refused(
        "role",
        dc.role_grant_request,
        actor=cast["users"]["hr"],
        organization=company,
        user=cast["users"]["fin"],
        role=Role.FINANCE,
    )
    assert not ChangeRequest.objects.exists()


def test_an_approval_applies_only_the_change_it_approves(cast):
    """The org service checks the approval itself: another person, role or kind, or an approval decided
    by the requester or by the person concerned, is no approval."""
    hr, admin, anna, boris = (cast["users"][n] for n in ("hr", "admin", "anna", "boris"))
    company = cast["company"]
    now = timezone.now()

    def approval(**fields):
        base = {
            "organization": company,
            "kind": "role_grant",
            "status": "approved",
            "user": anna,
            "role": Role.HR,
            "requested_by": hr,
            "decided_by": admin,
            "decided_at": now,
        }
        return ChangeRequest.objects.create(**(base | fields))

    def grant(request, user=anna, role=Role.HR):
        return org.role_grant(actor=admin, organization=company, user=user, role=role, approval=request)

    refused("approval", grant, request=approval(decided_by=hr))  # the requester approved it
    refused("approval", grant, request=approval(decided_by=anna))  # the person concerned
    refused("approval", grant, request=approval(status="pending", decided_by=None, decided_at=None))
    refused("approval", grant, request=approval(), user=boris)
    refused("approval", grant, request=approval(), role=Role.FINANCE)
    refused("approval", grant, request=approval(kind="role_revoke"))
    assert not RoleAssignment.objects.filter(user__in=[anna, boris]).exists()
    assert grant(approval()).role == Role.HR


def test_a_role_holders_salary_changes_with_a_second_hr(cast, second_hr):
    hr, fin = cast["users"]["hr"], cast["users"]["fin"]
    person = cast["people"]["fin"]
    refused(
        "salary", org.assignment_change, actor=hr, employee=person, start_date=MAY, salary=Decimal("80000")
    )
    asked = dc.salary_change_request(
        actor=hr, employee=person, start_date=MAY, salary=Decimal("80000.50"), reason="индексация"
    )
    assert not Assignment.objects.filter(employee=person, start_date=MAY).exists()
    assert asked.payload["salary"] == "80000.5"
    refused("actor", dc.change_request_approve, actor=fin, request=asked)  # their own salary
    refused("actor", dc.change_request_approve, actor=cast["users"]["admin"], request=asked)  # not HR
    dc.change_request_approve(actor=second_hr, request=asked)
    new = Assignment.objects.get(employee=person, start_date=MAY)
    assert new.salary == Decimal("80000.50") and new.position == person.assignments.first().position
    assert AuditEvent.objects.filter(
        entity_type="org.Assignment", entity_id=str(new.pk), field="salary", actor=second_hr
    ).exists()
    # the request's audit names the salary as a pay field (masked for those who read no pay)
    assert AuditEvent.objects.filter(
        entity_type="dualcontrol.ChangeRequest", entity_id=str(asked.pk), field="salary", new_value="80000.5"
    ).exists()


def test_other_changes_of_a_role_holder_and_anyones_salary_need_no_second_person(cast):
    hr = cast["users"]["hr"]
    # the same salary (a transfer, an FTE change) of a role holder: applied at once
    org.assignment_change(actor=hr, employee=cast["people"]["fin"], start_date=MAY, fte=Decimal("0.5"))
    # the salary of someone without a role: applied at once
    org.assignment_change(actor=hr, employee=cast["people"]["anna"], start_date=MAY, salary=Decimal("65000"))
    assert Assignment.objects.get(employee=cast["people"]["anna"], start_date=MAY).salary == 65000


def test_a_salary_request_is_checked_when_it_is_made(cast, second_hr):
    hr = cast["users"]["hr"]
    person = cast["people"]["fin"]
    refused(
        "salary", dc.salary_change_request, actor=hr, employee=person, start_date=MAY, salary=Decimal("-1")
    )
    refused(
        "start_date",
        dc.salary_change_request,
        actor=hr,
        employee=person,
        start_date=dt.date(2020, 1, 1),
        salary=Decimal("90000"),
    )
    refused(
        "salary", dc.salary_change_request, actor=hr, employee=cast["people"]["hr"], start_date=MAY, salary=1
    )  # own salary
    refused(
        "actor",
        dc.salary_change_request,
        actor=cast["users"]["admin"],
        employee=person,
        start_date=MAY,
        salary=Decimal("90000"),
    )
    assert not ChangeRequest.objects.exists()
    assert not Assignment.objects.filter(employee=person, start_date=MAY).exists()  # the check wrote nothing
    dc.salary_change_request(actor=hr, employee=person, start_date=MAY, salary=Decimal("90000"))
    refused(
        "approval",
        dc.salary_change_request,
        actor=second_hr,
        employee=person,
        start_date=MAY,
        salary=Decimal("91000"),
    )


def test_an_approval_the_service_refuses_leaves_the_request_pending(cast, second_hr):
    hr, fin = cast["users"]["hr"], cast["users"]["fin"]
    asked = dc.role_revoke_request(actor=hr, grant=RoleAssignment.objects.get(user=fin, role=Role.FINANCE))
    RoleAssignment.objects.filter(user=fin, role=Role.FINANCE).delete()  # gone meanwhile
    refused("role", dc.change_request_approve, actor=second_hr, request=asked)
    asked.refresh_from_db()
    assert asked.status == "pending" and asked.decided_by is None


def test_the_first_administrator_of_a_new_organization_is_the_operators(django_user_model):
    organization = Organization.objects.create(name="ООО «Новая»")
    first = django_user_model.objects.create_user(username="first", password="x-Secret-123")
    call_command("bootstrap_admin", organization="ООО «Новая»", username="first")
    assert RoleAssignment.objects.filter(user=first, organization=organization, role=Role.ADMIN).exists()
    request = ChangeRequest.objects.get(organization=organization)
    assert request.bootstrap and request.status == "approved" and request.decided_by is None
    assert AuditEvent.objects.filter(
        entity_type="core.RoleAssignment", organization=organization, action="create", actor=None
    ).exists()
    # once the organization has a role, every further role goes through a second person
    django_user_model.objects.create_user(username="second", password="x-Secret-123")
    with pytest.raises(CommandError):
        call_command("bootstrap_admin", organization=str(organization.pk), username="second")
    with pytest.raises(CommandError):
        call_command("bootstrap_admin", organization="нет такой", username="second")
    assert RoleAssignment.objects.filter(organization=organization).count() == 1
