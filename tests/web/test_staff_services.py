"""The org services behind the staff pages: each refusal names its field, nothing is half-written, a
closed period is never rewritten, and every write is in the audit log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from motiva.core.errors import InvalidInput
from motiva.core.models import AuditEvent, Role, RoleAssignment
from motiva.dualcontrol import services as dualcontrol
from motiva.org import services as org
from motiva.org.models import Assignment, ObserverGrant, Unit
from motiva.periods.models import Period, PeriodStatus

pytestmark = pytest.mark.django_db
D = Decimal


def refused(field: str, call, *args, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    fields = {p.field for p in caught.value.problems}
    assert field in fields, fields
    return caught.value


def close_march(cast) -> Period:
    Period.objects.filter(pk=cast["period"].pk).update(status=PeriodStatus.CLOSED)
    return cast["period"]


def test_a_unit_is_renamed_moved_with_its_subtree_and_never_under_itself(cast):
    hr = cast["users"]["hr"]
    sales, service = cast["units"]["sales"], cast["units"]["service"]
    group = org.unit_create(actor=hr, organization=cast["company"], code="S1", name="Группа 1", parent=sales)
    refused("parent", org.unit_update, actor=hr, unit=sales, parent=group)
    refused("parent", org.unit_update, actor=hr, unit=sales, parent=sales)
    refused("code", org.unit_update, actor=hr, unit=group, code="V")
    refused("name", org.unit_update, actor=hr, unit=group, name="  ")
    refused("management_level", org.unit_update, actor=hr, unit=group, management_level=12)
    org.unit_update(actor=hr, unit=sales, parent=service, name="Продажи", reason="реорганизация")
    sales.refresh_from_db()
    group.refresh_from_db()
    assert sales.path == f"{service.path}{sales.pk}/" and group.path == f"{sales.path}{group.pk}/"
    assert sales.name == "Продажи"
    events = AuditEvent.objects.filter(
        entity_type="org.Unit", entity_id=str(sales.pk), action="update", reason="реорганизация"
    )
    assert {e.field for e in events} == {"parent", "name"}


def test_a_unit_closes_only_when_empty_and_keeps_its_history(cast):
    hr = cast["users"]["hr"]
    company = cast["company"]
    unit = org.unit_create(
        actor=hr, organization=company, code="TMP", name="Временный отдел", parent=cast["units"]["root"]
    )
    position = org.position_create(actor=hr, unit=unit, title="Временный специалист")
    person = org.employee_hire(
        actor=hr,
        organization=company,
        personnel_number="T1",
        last_name="Временнов",
        first_name="Тимур",
        hire_date=dt.date(2026, 4, 1),
        position=position,
        salary=D(50000),
    )
    refused("closed_from", org.unit_close, actor=hr, unit=unit, closed_from=dt.date(2026, 6, 1))
    staff = cast["people"]["hr"].assignments.get().position
    org.assignment_change(actor=hr, employee=person, start_date=dt.date(2026, 6, 1), position=staff)
    org.unit_close(actor=hr, unit=unit, closed_from=dt.date(2026, 6, 1), reason="приказ 12")
    unit.refresh_from_db()
    assert unit.closed_from == dt.date(2026, 6, 1) and unit.is_closed_on(dt.date(2026, 6, 1))
    assert Assignment.objects.filter(unit=unit).count() == 1  # the history stays
    refused(
        "parent", org.unit_create, actor=hr, organization=company, code="UNDER", name="Внутри", parent=unit
    )
    refused(
        "position",
        org.assignment_change,
        actor=hr,
        employee=cast["people"]["anna"],
        start_date=dt.date(2026, 7, 1),
        position=position,
    )
    refused(
        "closed_from", org.unit_close, actor=hr, unit=cast["units"]["root"], closed_from=dt.date(2027, 1, 1)
    )


def test_a_held_position_keeps_its_unit_and_grades_keep_their_range(cast):
    hr = cast["users"]["hr"]
    seller = cast["people"]["anna"].assignments.get().position
    refused("unit", org.position_update, actor=hr, position=seller, unit=cast["units"]["service"])
    refused("title", org.position_update, actor=hr, position=seller, title="")
    refused("category", org.position_update, actor=hr, position=seller, category="pirate")
    org.position_update(actor=hr, position=seller, title="Менеджер по продажам", category="sales")
    seller.refresh_from_db()
    assert seller.title == "Менеджер по продажам"
    grade = seller.grade
    refused("salary_max", org.grade_update, actor=hr, grade=grade, salary_min=D(90000), salary_max=D(80000))
    refused("salary_min", org.grade_update, actor=hr, grade=grade, salary_min=D(-1))
    org.grade_update(actor=hr, grade=grade, name="Старшие специалисты", salary_max=D(120000))
    grade.refresh_from_db()
    assert grade.salary_max == D(120000)


def test_nothing_rewrites_a_closed_period(cast):
    hr = cast["users"]["hr"]
    close_march(cast)
    anna = cast["people"]["anna"]
    seller = anna.assignments.get().position
    refused(
        "hire_date",
        org.employee_hire,
        actor=hr,
        organization=cast["company"],
        personnel_number="N1",
        last_name="Новикова",
        first_name="Нина",
        hire_date=dt.date(2026, 3, 15),
        position=seller,
        salary=D(50000),
    )
    refused(
        "start_date",
        org.assignment_change,
        actor=hr,
        employee=anna,
        start_date=dt.date(2026, 3, 10),
        salary=D(1),
    )
    refused(
        "start_date",
        org.assignment_change,
        actor=hr,
        employee=anna,
        start_date=dt.date(2026, 2, 1),
        salary=D(1),
    )
    refused(
        "termination_date",
        org.employee_terminate,
        actor=hr,
        employee=anna,
        termination_date=dt.date(2026, 3, 31),
    )
    refused(
        "start_date",
        org.absence_create,
        actor=hr,
        employee=anna,
        kind="vacation",
        start_date=dt.date(2026, 3, 30),
        end_date=dt.date(2026, 4, 5),
    )
    assert anna.assignments.count() == 1 and not anna.absences.exists()
    # From the day after the closed period it is an ordinary change
    org.assignment_change(actor=hr, employee=anna, start_date=dt.date(2026, 4, 1), salary=D(65000))
    org.absence_create(
        actor=hr,
        employee=anna,
        kind="vacation",
        start_date=dt.date(2026, 4, 6),
        end_date=dt.date(2026, 4, 10),
    )
    assert anna.assignments.count() == 2


def test_a_transfer_to_another_manager_from_a_date_is_the_persons_history(cast):
    hr = cast["users"]["hr"]
    anna, boss2 = cast["people"]["anna"], cast["people"]["boss2"]
    engineer = cast["people"]["carl"].assignments.get().position
    refused(
        "manager",
        org.assignment_change,
        actor=hr,
        employee=anna,
        start_date=dt.date(2026, 5, 1),
        manager=anna,
    )
    refused("fte", org.assignment_change, actor=hr, employee=anna, start_date=dt.date(2026, 5, 1), fte=D(2))
    refused(
        "salary", org.assignment_change, actor=hr, employee=anna, start_date=dt.date(2026, 5, 1), salary=D(-5)
    )
    org.assignment_change(
        actor=hr,
        employee=anna,
        start_date=dt.date(2026, 5, 1),
        position=engineer,
        manager=boss2,
        reason="приказ 7",
    )
    before, after = anna.assignments.order_by("start_date")
    assert before.end_date == dt.date(2026, 4, 30) and before.manager == cast["people"]["boss"]
    assert after.start_date == dt.date(2026, 5, 1) and after.manager == boss2 and after.unit == engineer.unit
    assert after.salary == before.salary  # what was not given carries over
    assert AuditEvent.objects.filter(
        entity_type="org.Assignment", entity_id=str(after.pk), action="create"
    ).exists()


def test_a_terminated_manager_is_refused(cast):
    hr = cast["users"]["hr"]
    boris = cast["people"]["boris"]
    org.employee_terminate(actor=hr, employee=boris, termination_date=dt.date(2026, 4, 30))
    refused(
        "manager",
        org.assignment_change,
        actor=hr,
        employee=cast["people"]["anna"],
        start_date=dt.date(2026, 5, 1),
        manager=boris,
    )


def test_observers_are_granted_once_for_a_span_and_end(cast):
    hr = cast["users"]["hr"]
    sales = cast["units"]["sales"]
    carl = cast["users"]["carl"]
    grant = org.observer_grant(
        actor=hr, unit=sales, user=carl, start_date=dt.date(2026, 1, 1), reason="заместитель"
    )
    refused("start_date", org.observer_grant, actor=hr, unit=sales, user=carl, start_date=dt.date(2026, 6, 1))
    refused(
        "end_date",
        org.observer_grant,
        actor=hr,
        unit=cast["units"]["service"],
        user=carl,
        start_date=dt.date(2026, 6, 1),
        end_date=dt.date(2026, 5, 1),
    )
    refused(
        "user",
        org.observer_grant,
        actor=hr,
        unit=sales,
        user=cast["users"]["outsider"],
        start_date=dt.date(2026, 1, 1),
    )
    refused("end_date", org.observer_end, actor=hr, grant=grant, end_date=dt.date(2025, 1, 1))
    org.observer_end(actor=hr, grant=grant, end_date=dt.date(2026, 6, 30))
    grant.refresh_from_db()
    assert grant.end_date == dt.date(2026, 6, 30)
    assert AuditEvent.objects.filter(entity_type="org.ObserverGrant", entity_id=str(grant.pk)).count() >= 2
    org.observer_end(actor=hr, grant=grant, end_date=dt.date(2025, 12, 31))  # the day before: gone
    assert not ObserverGrant.objects.filter(pk=grant.pk).exists()


def test_accounts_and_roles_are_granted_by_hr_and_audited(cast, django_user_model):
    hr = cast["users"]["hr"]
    company = cast["company"]
    seller = cast["people"]["anna"].assignments.get().position
    person = org.employee_hire(
        actor=hr,
        organization=company,
        personnel_number="77",
        last_name="Новенькая",
        first_name="Нина",
        hire_date=dt.date(2026, 4, 1),
        position=seller,
        salary=D(50000),
    )
    refused("username", org.account_invite, actor=hr, employee=person, username="anna")
    refused("username", org.account_invite, actor=hr, employee=person, username="с пробелом")
    refused("email", org.account_invite, actor=hr, employee=person, username="nina", email="нет")
    user = org.account_invite(actor=hr, employee=person, username="nina", email="nina@example.com")
    person.refresh_from_db()
    assert person.user == user and not user.has_usable_password()
    # roles change through dual control: HR asks, a second person (here the administrator) approves
    refused("approval", org.role_grant, actor=hr, organization=company, user=user, role=Role.FINANCE)
    asked = dualcontrol.role_grant_request(actor=hr, organization=company, user=user, role=Role.FINANCE)
    dualcontrol.change_request_approve(actor=cast["users"]["admin"], request=asked)
    grant = RoleAssignment.objects.get(user=user, organization=company, role=Role.FINANCE)
    refused(
        "role", dualcontrol.role_grant_request, actor=hr, organization=company, user=user, role=Role.FINANCE
    )
    refused("role", dualcontrol.role_grant_request, actor=hr, organization=company, user=user, role="king")
    assert AuditEvent.objects.filter(entity_type="core.RoleAssignment", action="create").exists()
    refused("approval", org.role_revoke, actor=hr, grant=grant)
    asked = dualcontrol.role_revoke_request(actor=hr, grant=grant)
    dualcontrol.change_request_approve(actor=cast["users"]["admin"], request=asked)
    assert not RoleAssignment.objects.filter(pk=grant.pk).exists()
    assert AuditEvent.objects.filter(entity_type="core.RoleAssignment", action="delete").exists()
    own = RoleAssignment.objects.get(user=hr, organization=company, role=Role.HR)
    refused("role", org.role_revoke, actor=hr, grant=own)
    refused("user", org.account_disable, actor=hr, employee=cast["people"]["hr"])
    org.account_disable(actor=hr, employee=person, reason="увольнение")
    user.refresh_from_db()
    assert not user.is_active
    refused(
        "user",
        org.observer_grant,
        actor=hr,
        unit=cast["units"]["sales"],
        user=user,
        start_date=dt.date(2026, 1, 1),
    )
    assert Unit.objects.filter(organization=company).count() == 3
