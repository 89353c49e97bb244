"""The organization and people pages (SPEC C1): what each role sees, every GET parameter with odd
values, and HR's forms writing through the org services (a refusal names the field, changes nothing)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from motiva.org import services as org
from motiva.org.models import Absence, Assignment, Employee, Grade, Position, Unit

pytestmark = pytest.mark.django_db
D = Decimal


def login(client, cast, name):
    client.force_login(cast["users"][name])
    return cast["company"].pk


def test_every_page_opens_for_hr(client, cast):
    company = login(client, cast, "hr")
    anna = cast["people"]["anna"]
    sales = cast["units"]["sales"]
    position = anna.assignments.get().position
    grade = Grade.objects.get(organization=cast["company"])
    for url in (
        reverse("org_tree", args=[company]),
        reverse("staff_unit_new", args=[company]),
        reverse("staff_unit", args=[company, sales.pk]),
        reverse("staff_unit_absences", args=[company, sales.pk]),
        reverse("staff_position_new", args=[company]),
        reverse("staff_position", args=[company, position.pk]),
        reverse("staff_grades", args=[company]),
        reverse("staff_grade", args=[company, grade.pk]),
        reverse("staff_people", args=[company]),
        reverse("staff_hire", args=[company]),
        reverse("staff_person", args=[company, anna.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url


def test_the_tree_is_collapsible_and_finds_units_positions_and_people(client, cast):
    company = login(client, cast, "boss")
    page = client.get(reverse("org_tree", args=[company])).content.decode()
    assert page.count("<details") >= 3 and "Отдел продаж" in page
    assert "Аннина" not in page  # people are counted in the tree, not listed
    found = client.get(reverse("org_tree", args=[company]), {"q": "Аннина"}).content.decode()
    assert "Аннина" in found and "search-results" in found
    found = client.get(reverse("org_tree", args=[company]), {"q": "Инженер"}).content.decode()
    assert 'data-unit="V" open' in found or 'open class="unit" data-unit="V"' in found
    for odd in ({"q": "%' OR 1=1 --"}, {"q": "x" * 5000}, {"closed": "yes"}, {"closed": "1", "q": ""}):
        assert client.get(reverse("org_tree", args=[company]), odd).status_code == 200


def test_a_closed_unit_is_shown_as_closed_on_request(client, cast):
    hr = cast["users"]["hr"]
    unit = org.unit_create(
        actor=hr, organization=cast["company"], code="OLD", name="Старый отдел", parent=cast["units"]["root"]
    )
    org.unit_close(actor=hr, unit=unit, closed_from=dt.date(2025, 1, 1))
    company = login(client, cast, "hr")
    assert "Старый отдел" not in client.get(reverse("org_tree", args=[company])).content.decode()
    page = client.get(reverse("org_tree", args=[company]), {"closed": "1"}).content.decode()
    assert "Старый отдел" in page and "закрыто с" in page


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "salary"},
        {"sort": "-unit"},
        {"sort": "unit"},
        {"sort": "-hired"},
        {"sort": "number"},
        {"status": "fired"},
        {"status": "all"},
        {"status": "terminated"},
        {"status": "future"},
        {"unit": "abc"},
        {"unit": "999999"},
        {"unit": "-1"},
        {"page": "-1"},
        {"page": "x"},
        {"page": "99999"},
        {"q": "%_"},
        {"q": "Аннина Anna"},
        {"q": "7"},
        {"q": "я" * 500},
    ],
)
def test_the_people_list_takes_odd_parameters(client, cast, params):
    company = login(client, cast, "hr")
    response = client.get(reverse("staff_people", args=[company]), params)
    assert response.status_code == 200


def test_the_people_list_says_which_filter_was_wrong(client, cast):
    company = login(client, cast, "hr")
    page = client.get(
        reverse("staff_people", args=[company]), {"sort": "salary", "unit": "abc"}
    ).content.decode()
    assert "Сортировка" in page and "Подразделение" in page


def test_the_people_list_filters_by_unit_with_the_units_below_and_searches(client, cast):
    company = login(client, cast, "hr")
    url = reverse("staff_people", args=[company])
    page = client.get(url, {"unit": cast["units"]["sales"].pk}).content.decode()
    assert "Аннина" in page and "Борисов" in page and "Карлов" not in page
    page = client.get(url, {"unit": cast["units"]["root"].pk}).content.decode()
    assert "Карлов" in page
    page = client.get(url, {"q": "карл"}).content.decode()
    assert "Карлов" in page and "Аннина" not in page
    page = client.get(url, {"sort": "-name"}).content.decode()
    assert page.index("Финансова") < page.index("Аннина")


def test_a_manager_reads_only_their_subtree_and_an_employee_nothing(client, cast):
    company = login(client, cast, "boss")
    page = client.get(reverse("staff_people", args=[company])).content.decode()
    assert "Аннина" in page and "Борисов" in page and "Карлов" not in page
    assert "61\u00a0111" in page or "61 111" in page  # the manager sees the team's salaries
    assert reverse("staff_hire", args=[company]) not in page
    carl = cast["people"]["carl"]
    assert client.get(reverse("staff_person", args=[company, carl.pk])).status_code == 404
    person = client.get(reverse("staff_person", args=[company, cast["people"]["anna"].pk])).content.decode()
    assert 'name="action"' not in person  # read-only
    response = client.post(
        reverse("staff_person", args=[company, cast["people"]["anna"].pk]),
        {"action": "terminate", "termination_date": "2026-05-31"},
    )
    assert response.status_code == 404
    assert Employee.objects.get(pk=cast["people"]["anna"].pk).termination_date is None
    login(client, cast, "anna")
    assert client.get(reverse("staff_people", args=[company])).status_code == 404


def test_the_auditor_reads_people_without_salaries(client, cast):
    company = login(client, cast, "auditor")
    page = client.get(reverse("staff_people", args=[company])).content.decode()
    assert "Аннина" in page and "61\u00a0111" not in page and "61 111" not in page


def test_the_people_list_reads_a_fixed_number_of_queries(client, cast):
    company = login(client, cast, "hr")
    url = reverse("staff_people", args=[company])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"sort": "unit"}).status_code == 200
        return len(queries)

    before = count()
    hr = cast["users"]["hr"]
    seller = cast["people"]["anna"].assignments.get().position
    for n in range(30):
        person = org.employee_hire(
            actor=hr,
            organization=cast["company"],
            personnel_number=f"X{n}",
            last_name=f"Тестов{n}",
            first_name="Тест",
            hire_date=dt.date(2025, 1, 1),
            position=seller,
            salary=D(50000),
            manager=cast["people"]["boss"],
        )
        org.assignment_change(actor=hr, employee=person, start_date=dt.date(2026, 1, 1), salary=D(51000))
    assert count() == before


def test_hr_hires_through_the_form_and_a_refusal_names_the_field(client, cast):
    company = login(client, cast, "hr")
    seller = cast["people"]["anna"].assignments.get().position
    url = reverse("staff_hire", args=[company])
    form = {
        "personnel_number": "7",
        "last_name": "Петрова",
        "first_name": "Полина",
        "position": seller.pk,
        "salary": "55 000,50",
        "fte": "1",
        "hire_date": "2026-04-01",
    }
    response = client.post(url, form)
    assert response.status_code == 400 and "Табельный номер 7 уже занят" in response.content.decode()
    response = client.post(url, {**form, "personnel_number": "70", "salary": "много"})
    assert response.status_code == 400 and "Введите число" in response.content.decode()
    response = client.post(url, {**form, "personnel_number": "70", "fte": "3"})
    assert response.status_code == 400 and "1,5" in response.content.decode()
    response = client.post(url, {**form, "personnel_number": "70", "manager": "404"})
    assert response.status_code == 400 and "404" in response.content.decode()
    assert not Employee.objects.filter(personnel_number="70").exists()
    response = client.post(url, {**form, "personnel_number": "70"})
    assert response.status_code == 302
    hired = Employee.objects.get(organization=cast["company"], personnel_number="70")
    assignment = hired.assignments.get()
    assert (
        assignment.salary == D("55000.50") and assignment.manager == cast["people"]["boss"]
    )  # the unit's head


def test_hr_records_changes_absences_and_a_termination_on_the_person_page(client, cast):
    company = login(client, cast, "hr")
    anna = cast["people"]["anna"]
    url = reverse("staff_person", args=[company, anna.pk])
    response = client.post(url, {"action": "change", "start_date": "2026-05-01"})
    assert response.status_code == 400 and "хотя бы" in response.content.decode()
    response = client.post(
        url, {"action": "change", "start_date": "2026-05-01", "manager": "6", "salary": "70000"}
    )
    assert response.status_code == 302
    current = Assignment.objects.get(employee=anna, start_date=dt.date(2026, 5, 1))
    assert current.manager == cast["people"]["boss2"] and current.salary == D(70000)
    page = client.get(url).content.decode()
    assert "01.05.2026" in page and "30.04.2026" in page  # the history
    response = client.post(
        url, {"action": "absence", "kind": "vacation", "start_date": "2026-06-10", "end_date": "2026-06-01"}
    )
    assert response.status_code == 400 and not Absence.objects.filter(employee=anna).exists()
    response = client.post(
        url, {"action": "absence", "kind": "sick", "start_date": "2026-06-01", "end_date": "2026-06-05"}
    )
    assert response.status_code == 302 and Absence.objects.filter(employee=anna).count() == 1
    calendar = client.get(
        reverse("staff_unit_absences", args=[company, cast["units"]["sales"].pk]), {"month": "2026-06"}
    ).content.decode()
    assert "Б" in calendar and "Аннина" in calendar
    response = client.post(url, {"action": "terminate", "termination_date": "2024-01-01x"})
    assert response.status_code == 400
    response = client.post(url, {"action": "terminate", "termination_date": "2026-04-30"})
    assert response.status_code == 400 and "назначения" in response.content.decode()  # a later assignment
    response = client.post(url, {"action": "nonsense"})
    assert response.status_code == 200


@pytest.mark.parametrize("month", ["2026-13", "abc", "99999-01", "0000-01", "2026-02", ""])
def test_the_absence_calendar_takes_odd_months(client, cast, month):
    company = login(client, cast, "boss")
    response = client.get(
        reverse("staff_unit_absences", args=[company, cast["units"]["sales"].pk]), {"month": month}
    )
    assert response.status_code == 200
    if month and month != "2026-02":
        assert "Месяц" in response.content.decode()


def test_hr_creates_moves_and_closes_units_and_edits_positions_and_grades(client, cast):
    company = login(client, cast, "hr")
    root = cast["units"]["root"]
    response = client.post(
        reverse("staff_unit_new", args=[company]),
        {"name": "Склад", "code": "W", "parent": root.pk, "block": "production", "management_level": "1"},
    )
    assert response.status_code == 302
    unit = Unit.objects.get(organization=cast["company"], code="W")
    assert unit.block == "production" and unit.parent == root
    url = reverse("staff_unit", args=[company, unit.pk])
    edit = {
        "action": "edit",
        "name": "Склад №1",
        "code": "W",
        "parent": cast["units"]["sales"].pk,
        "block": "production",
    }
    assert client.post(url, edit).status_code == 302
    unit.refresh_from_db()
    assert unit.name == "Склад №1" and unit.parent == cast["units"]["sales"]
    response = client.post(
        reverse("staff_unit", args=[company, cast["units"]["sales"].pk]),
        {**edit, "name": "Отдел продаж", "code": "S", "parent": unit.pk},
    )
    assert response.status_code == 400  # under its own unit: the parent is not even offered
    response = client.post(
        reverse("staff_position_new", args=[company]), {"title": "", "unit": unit.pk, "category": "worker"}
    )
    assert response.status_code == 400
    response = client.post(
        reverse("staff_position_new", args=[company]),
        {"title": "Кладовщик", "unit": unit.pk, "category": "worker", "monthly_task_hours": "100"},
    )
    assert response.status_code == 302
    position = Position.objects.get(title="Кладовщик")
    response = client.post(
        reverse("staff_position", args=[company, position.pk]),
        {"title": "Старший кладовщик", "unit": unit.pk, "category": "worker", "monthly_task_hours": "120"},
    )
    assert response.status_code == 302
    position.refresh_from_db()
    assert position.title == "Старший кладовщик" and position.monthly_task_hours == 120
    response = client.post(url, {"action": "close", "closed_from": "2026-06-01"})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.closed_from == dt.date(2026, 6, 1)
    response = client.post(
        reverse("staff_grades", args=[company]),
        {"code": "G9", "name": "Эксперты", "salary_min": "100 000", "salary_max": "90 000"},
    )
    assert response.status_code == 400 and not Grade.objects.filter(code="G9").exists()
    response = client.post(
        reverse("staff_grades", args=[company]),
        {"code": "G9", "name": "Эксперты", "salary_min": "100 000", "salary_max": "150 000"},
    )
    assert response.status_code == 302
    grade = Grade.objects.get(code="G9")
    response = client.post(
        reverse("staff_grade", args=[company, grade.pk]),
        {"code": "G9", "name": "Эксперты", "salary_min": "100000", "salary_max": "160000"},
    )
    assert response.status_code == 302
    grade.refresh_from_db()
    assert grade.salary_max == D(160000)


def test_the_position_page_links_to_its_card_template(client, cast):
    company = login(client, cast, "hr")
    position = cast["people"]["anna"].assignments.get().position
    page = client.get(reverse("staff_position", args=[company, position.pk])).content.decode()
    assert reverse("template_edit", args=[company, position.pk]) in page


def test_grades_show_their_salary_range_only_to_those_who_see_pay(client, cast):
    grade = Grade.objects.get(organization=cast["company"])
    company = login(client, cast, "auditor")
    page = client.get(reverse("staff_grade", args=[company, grade.pk])).content.decode()
    assert "99\u00a0000" not in page and "99 000" not in page
    login(client, cast, "fin")
    page = client.get(reverse("staff_grade", args=[company, grade.pk])).content.decode()
    assert "99\u00a0000" in page or "99 000" in page


def test_a_salary_outside_the_grade_is_recorded_with_a_warning(client, cast):
    company = login(client, cast, "hr")
    anna = cast["people"]["anna"]
    response = client.post(
        reverse("staff_person", args=[company, anna.pk]),
        {"action": "change", "start_date": "2026-05-01", "salary": "150 000"},
        follow=True,
    )
    page = response.content.decode()
    assert "вне вилки грейда G3" in page and "Изменение записано" in page
    assert Assignment.objects.get(employee=anna, start_date=dt.date(2026, 5, 1)).salary == D(150000)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("staff_unit_new", {"parent": "abc"}),
        ("staff_unit_new", {"parent": "999999"}),
        ("staff_position_new", {"unit": "-1"}),
        ("staff_position_new", {"unit": "1e9"}),
    ],
)
def test_the_new_unit_and_position_pages_take_odd_parameters(client, cast, name, params):
    company = login(client, cast, "hr")
    assert client.get(reverse(name, args=[company]), params).status_code == 200


@pytest.mark.parametrize("away", ["1", "yes", "", "0"])
def test_the_absence_calendar_filters_those_away(client, cast, away):
    hr = cast["users"]["hr"]
    org.absence_create(
        actor=hr,
        employee=cast["people"]["anna"],
        kind="vacation",
        start_date=dt.date(2026, 7, 6),
        end_date=dt.date(2026, 7, 10),
    )
    company = login(client, cast, "hr")
    page = client.get(
        reverse("staff_unit_absences", args=[company, cast["units"]["sales"].pk]),
        {"month": "2026-07", "away": away},
    ).content.decode()
    assert "Аннина" in page
    assert ("Борисов" in page) is (away != "1")


def test_hr_grants_and_ends_an_observer_on_the_unit_page(client, cast):
    from motiva.org.models import ObserverGrant

    company = login(client, cast, "hr")
    sales = cast["units"]["sales"]
    url = reverse("staff_unit", args=[company, sales.pk])
    response = client.post(url, {"action": "observer", "observer": "404", "start_date": "2026-01-01"})
    assert response.status_code == 400 and "404" in response.content.decode()
    response = client.post(
        url, {"action": "observer", "observer": "9", "start_date": "2026-01-01", "reason": "зам"}
    )
    assert response.status_code == 302
    grant = ObserverGrant.objects.get(unit=sales)
    assert grant.user == cast["users"]["carl"] and grant.reason == "зам"
    assert "Карлов" in client.get(url).content.decode()
    response = client.post(url, {"action": "observer_end", "grant": grant.pk, "end_date": "2026-06-30"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.end_date == dt.date(2026, 6, 30)
    login(client, cast, "boss")
    response = client.post(url, {"action": "observer", "observer": "8", "start_date": "2026-01-01"})
    assert response.status_code == 404 and ObserverGrant.objects.count() == 1
