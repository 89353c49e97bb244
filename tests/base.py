"""The shared cast of the tests (a fixture, registered in tests/conftest.py): one organization with every role, a calculated period, and an
outsider in another organization. Salaries have distinctive digits so that a leak is easy to spot."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from motiva.calc import runs
from motiva.core.models import Role, RoleAssignment
from motiva.kpi import services as kpi
from motiva.org import services as org
from motiva.periods import services as periods
from motiva.periods.models import PeriodStatus

D = Decimal
MARCH = dt.date(2026, 3, 1)
# username → salary; the people with cards in March
SALARIES = {"anna": D(61111), "boris": D(62222), "carl": D(63333), "boss": D(94444), "boss2": D(95555)}


@pytest.fixture
def cast(db, django_user_model):
    admin = django_user_model.objects.create_superuser(username="admin", password="x-Secret-123")
    users = {
        name: django_user_model.objects.create_user(
            username=name, password="x-Secret-123", first_name=name.title()
        )
        for name in ("gd", "hr", "fin", "auditor", "boss", "boss2", "anna", "boris", "carl", "outsider")
    }
    users["admin"] = admin
    company = org.organization_create(actor=admin, name="ООО «Тест»")
    grade = org.grade_create(
        actor=admin,
        organization=company,
        code="G3",
        name="Специалисты",
        salary_min=D(50000),
        salary_max=D(99000),
    )
    root = org.unit_create(actor=admin, organization=company, code="C", name="Компания")
    sales = org.unit_create(actor=admin, organization=company, code="S", name="Отдел продаж", parent=root)
    service = org.unit_create(actor=admin, organization=company, code="V", name="Сервис", parent=root)
    director = org.position_create(
        actor=admin, unit=root, title="Генеральный директор", grade=grade, category="director", is_head=True
    )
    staff = org.position_create(actor=admin, unit=root, title="Специалист штаба", grade=grade)
    head = org.position_create(
        actor=admin, unit=sales, title="Начальник отдела", grade=grade, category="manager", is_head=True
    )
    head2 = org.position_create(
        actor=admin, unit=service, title="Начальник сервиса", grade=grade, category="manager", is_head=True
    )
    seller = org.position_create(actor=admin, unit=sales, title="Менеджер", grade=grade, category="sales")
    engineer = org.position_create(actor=admin, unit=service, title="Инженер", grade=grade)
    hire = dt.date(2024, 1, 1)

    def person(username, number, last, position, salary, manager=None):
        return org.employee_hire(
            actor=admin,
            organization=company,
            personnel_number=number,
            last_name=last,
            first_name=username.title(),
            hire_date=hire,
            position=position,
            salary=salary,
            manager=manager,
            user=users[username],
        )

    people = {"gd": person("gd", "1", "Директоров", director, D(300001))}
    org.unit_set_head(actor=admin, unit=root, head=people["gd"])
    for name, number, last in (
        ("hr", "2", "Кадрова"),
        ("fin", "3", "Финансова"),
        ("auditor", "4", "Проверкина"),
    ):
        people[name] = person(name, number, last, staff, D(70001), manager=people["gd"])
    people["boss"] = person("boss", "5", "Начальников", head, SALARIES["boss"], manager=people["gd"])
    people["boss2"] = person("boss2", "6", "Сервисов", head2, SALARIES["boss2"], manager=people["gd"])
    org.unit_set_head(actor=admin, unit=sales, head=people["boss"])
    org.unit_set_head(actor=admin, unit=service, head=people["boss2"])
    people["anna"] = person("anna", "7", "Аннина", seller, SALARIES["anna"], manager=people["boss"])
    people["boris"] = person("boris", "8", "Борисов", seller, SALARIES["boris"], manager=people["boss"])
    people["carl"] = person("carl", "9", "Карлов", engineer, SALARIES["carl"], manager=people["boss2"])
    for username, role in (
        ("gd", Role.EXECUTIVE),
        ("hr", Role.HR),
        ("fin", Role.FINANCE),
        ("auditor", Role.AUDITOR),
    ):
        RoleAssignment.objects.create(user=users[username], organization=company, role=role)

    ratio = kpi.scale_create(
        actor=admin, organization=company, name="Факт/план", kind="ratio", params={"cap": "150"}
    )
    indicator = kpi.indicator_create(
        actor=admin, organization=company, code="SALES", name="Продажи", confirmer_position=director
    )
    scheme = kpi.scheme_create(
        actor=admin,
        organization=company,
        name="20 %",
        kind="target_bonus",
        params={"basis": "salary_percent", "percent": "20"},
    )
    for position in (seller, engineer, head, head2):
        kpi.card_template_create(
            actor=admin,
            position=position,
            valid_from=dt.date(2026, 1, 1),
            scheme=scheme,
            lines=[{"indicator": indicator, "weight": "100", "scale": ratio, "target": "100"}],
        )
    period = periods.period_create(actor=admin, organization=company, kind="month", start=MARCH)
    carded = [people[n] for n in ("boss", "boss2", "anna", "boris", "carl")]
    kpi.cards_create_for_period(actor=admin, period=period, employees=carded)
    for status in (PeriodStatus.TARGETS_APPROVED, PeriodStatus.FACT_COLLECTION):
        periods.period_transition(actor=admin, period=period, to_status=status)
    for employee, fact in zip(carded, (D(100), D(100), D(110), D(90), D(120)), strict=True):
        periods.value_set(
            actor=users["hr"],
            indicator=indicator,
            period=period,
            kind="fact",
            value=fact,
            scope="employee",
            employee=employee,
        )
    periods.period_transition(actor=admin, period=period, to_status=PeriodStatus.REVIEW)
    run = runs.calculation_run_create(actor=users["hr"], period=period)
    period.refresh_from_db()

    other = org.organization_create(actor=admin, name="ООО «Чужая»")
    other_root = org.unit_create(actor=admin, organization=other, code="X", name="Чужой отдел")
    other_position = org.position_create(actor=admin, unit=other_root, title="Чужак")
    people["outsider"] = org.employee_hire(
        actor=admin,
        organization=other,
        personnel_number="1",
        last_name="Чужаков",
        first_name="Олег",
        hire_date=hire,
        position=other_position,
        salary=D(77777),
        user=users["outsider"],
    )
    other_scale = kpi.scale_create(
        actor=admin, organization=other, name="Чужая шкала", kind="ratio", params={}
    )
    other_indicator = kpi.indicator_create(
        actor=admin, organization=other, code="OTHER", name="Чужой показатель"
    )
    other_scheme = kpi.scheme_create(
        actor=admin,
        organization=other,
        name="10 %",
        kind="target_bonus",
        params={"basis": "salary_percent", "percent": "10"},
    )
    kpi.card_template_create(
        actor=admin,
        position=other_position,
        valid_from=dt.date(2026, 1, 1),
        scheme=other_scheme,
        lines=[{"indicator": other_indicator, "weight": "100", "scale": other_scale, "target": "100"}],
    )
    other_period = periods.period_create(actor=admin, organization=other, kind="month", start=MARCH)
    kpi.cards_create_for_period(actor=admin, period=other_period, employees=[people["outsider"]])
    periods.value_set(
        actor=admin,
        indicator=other_indicator,
        period=other_period,
        kind="fact",
        value=D(100),
        scope="employee",
        employee=people["outsider"],
    )
    other_run = runs.calculation_run_create(actor=admin, period=other_period)
    return {
        "users": users,
        "people": people,
        "company": company,
        "other": other,
        "period": period,
        "run": run,
        "indicator": indicator,
        "scale": ratio,
        "other_period": other_period,
        "other_run": other_run,
        "other_indicator": other_indicator,
        "other_scale": other_scale,
        "units": {"root": root, "sales": sales, "service": service},
    }
