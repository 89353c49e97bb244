import datetime as dt
from decimal import Decimal

import pytest

from motiva.core.errors import InvalidInput
from motiva.core.models import AuditEvent
from motiva.org import selectors
from motiva.org import services as org

pytestmark = pytest.mark.django_db


def hire(actor, organization, structure, number="2", **kwargs):
    defaults = {
        "last_name": "Иванова",
        "first_name": "Анна",
        "hire_date": dt.date(2025, 3, 1),
        "position": structure["specialist"],
        "salary": Decimal(60000),
        "manager": structure["boss"],
    }
    return org.employee_hire(
        actor=actor, organization=organization, personnel_number=number, **(defaults | kwargs)
    )


def test_hiring_creates_the_employee_and_the_first_assignment_with_audit(actor, organization, structure):
    employee = hire(actor, organization, structure)
    assignment = selectors.assignment_as_of(employee, dt.date(2025, 3, 1))
    assert assignment.position == structure["specialist"] and assignment.unit == structure["dept"]
    events = AuditEvent.objects.filter(entity_type="org.Employee", entity_id=str(employee.pk))
    assert {e.field for e in events} >= {"personnel_number", "last_name", "hire_date"}
    assert all(e.actor == actor and e.action == "create" for e in events)


def test_as_of_queries_follow_the_history(actor, organization, structure):
    employee = hire(actor, organization, structure)
    org.assignment_change(
        actor=actor,
        employee=employee,
        start_date=dt.date(2026, 1, 1),
        salary=Decimal(70000),
        reason="Индексация",
    )
    assert selectors.salary_as_of(employee, dt.date(2025, 12, 31)) == Decimal(60000)
    assert selectors.salary_as_of(employee, dt.date(2026, 1, 1)) == Decimal(70000)
    assert selectors.salary_as_of(employee, dt.date(2025, 2, 28)) is None
    old = employee.assignments.order_by("start_date").first()
    assert old.end_date == dt.date(2025, 12, 31)
    change = AuditEvent.objects.get(entity_type="org.Assignment", entity_id=str(old.pk), field="end_date")
    assert (change.old_value, change.new_value, change.reason) == ("", "2025-12-31", "Индексация")


def test_exactly_one_assignment_is_active_on_any_day(actor, organization, structure):
    employee = hire(actor, organization, structure)
    org.assignment_change(
        actor=actor, employee=employee, start_date=dt.date(2025, 9, 1), position=structure["head"]
    )
    for day in (dt.date(2025, 3, 1), dt.date(2025, 8, 31), dt.date(2025, 9, 1), dt.date(2027, 1, 1)):
        assert employee.assignments.filter(selectors.active_on(day)).count() == 1


def test_a_change_before_the_first_assignment_is_refused(actor, organization, structure):
    employee = hire(actor, organization, structure)
    with pytest.raises(InvalidInput) as refusal:
        org.assignment_change(
            actor=actor, employee=employee, start_date=dt.date(2025, 1, 1), salary=Decimal(1)
        )
    assert refusal.value.problems[0].field == "start_date"


def test_bad_input_names_fields_and_changes_nothing(actor, organization, structure):
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refusal:
        hire(actor, organization, structure, number="", salary=Decimal(-5), fte=Decimal("2"))
    assert {p.field for p in refusal.value.problems} >= {"personnel_number", "salary", "fte"}
    assert "Табельный номер" in " ".join(refusal.value.messages("ru"))
    assert AuditEvent.objects.count() == before
    assert not organization.employees.filter(last_name="Иванова").exists()


def test_duplicate_personnel_number_is_refused(actor, organization, structure):
    with pytest.raises(InvalidInput) as refusal:
        hire(actor, organization, structure, number="1")
    assert refusal.value.problems[0].field == "personnel_number"


def test_termination_ends_the_assignment_and_disables_the_account(
    actor, organization, structure, django_user_model
):
    user = django_user_model.objects.create_user(username="anna", password="x-Secret-123")
    employee = hire(actor, organization, structure, user=user)
    org.employee_terminate(actor=actor, employee=employee, termination_date=dt.date(2026, 6, 30))
    assert employee.assignments.get().end_date == dt.date(2026, 6, 30)
    user.refresh_from_db()
    assert not user.is_active
    assert selectors.employees_as_of(organization, dt.date(2026, 7, 1)).filter(pk=employee.pk).count() == 0


def test_absences_cannot_overlap(actor, organization, structure):
    employee = hire(actor, organization, structure)
    org.absence_create(
        actor=actor,
        employee=employee,
        kind="vacation",
        start_date=dt.date(2026, 7, 1),
        end_date=dt.date(2026, 7, 14),
    )
    with pytest.raises(InvalidInput) as refusal:
        org.absence_create(
            actor=actor,
            employee=employee,
            kind="sick",
            start_date=dt.date(2026, 7, 10),
            end_date=dt.date(2026, 7, 20),
        )
    assert refusal.value.problems[0].code == "absence_overlap"
    with pytest.raises(InvalidInput) as refusal:
        org.absence_create(
            actor=actor,
            employee=employee,
            kind="vacation",
            start_date=dt.date(2026, 8, 10),
            end_date=dt.date(2026, 8, 1),
        )
    assert refusal.value.problems[0].field == "end_date"


def test_subtree_and_subordinates(actor, organization, structure):
    employee = hire(actor, organization, structure)
    org.unit_set_head(actor=actor, unit=structure["dept"], head=structure["boss"])
    assert set(selectors.unit_subtree(structure["company"])) == {structure["company"], structure["dept"]}
    assert list(selectors.subordinates_as_of(structure["boss"], dt.date(2026, 1, 1))) == [employee]
    assert structure["dept"].level_label == "N-1"


def test_the_disciplinary_cap_is_on_by_default_only_for_rouble_organizations(actor):
    assert org.organization_create(actor=actor, name="ООО «Рубль»", currency="RUB").disciplinary_cap_enabled
    assert not org.organization_create(
        actor=actor, name="ОсОО «Сом»", currency="KGS"
    ).disciplinary_cap_enabled
