from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from motiva.org import services as org


@pytest.fixture
def actor(django_user_model):
    return django_user_model.objects.create_user(
        username="hr.analyst", password="x-Secret-123", first_name="Ирина"
    )


@pytest.fixture
def organization(actor):
    return org.organization_create(actor=actor, name="ООО «Тест»")


@pytest.fixture
def structure(actor, organization):
    """A company with one department, a head and a specialist position."""
    grade = org.grade_create(
        actor=actor,
        organization=organization,
        code="G3",
        name="Специалисты",
        salary_min=Decimal(50000),
        salary_max=Decimal(90000),
    )
    company = org.unit_create(actor=actor, organization=organization, code="C", name="Компания")
    dept = org.unit_create(
        actor=actor,
        organization=organization,
        code="D",
        name="Отдел продаж",
        parent=company,
        block="administrative",
    )
    head = org.position_create(
        actor=actor, unit=dept, title="Начальник отдела", grade=grade, category="manager", is_head=True
    )
    specialist = org.position_create(actor=actor, unit=dept, title="Менеджер", grade=grade, category="sales")
    boss = org.employee_hire(
        actor=actor,
        organization=organization,
        personnel_number="1",
        last_name="Петров",
        first_name="Пётр",
        hire_date=dt.date(2020, 1, 1),
        position=head,
        salary=Decimal(90000),
    )
    return {
        "grade": grade,
        "company": company,
        "dept": dept,
        "head": head,
        "specialist": specialist,
        "boss": boss,
    }


from tests.base import cast  # noqa: E402,F401  - the shared cast of users, for the web and browser tests


@pytest.fixture(autouse=True)
def _force_login_passes_second_factor(monkeypatch):
    """force_login means "signed in with both factors" (see tests/otp_support.py)."""
    from django.test import Client

    from tests.otp_support import mark_verified

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        mark_verified(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


def _flush_past_the_audit_guard() -> None:
    """On PostgreSQL the audit table refuses TRUNCATE (motiva/core/migrations/0009_*), which is how
    pytest-django's flush empties the database after a transactional test. The suite connects as a
    superuser, whose session may skip ordinary triggers (session_replication_role = replica) for the
    flush's own transaction; the application's role may not (docs/security.md)."""
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no PostgreSQL driver: SQLite only
        return
    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        return original(self, ["SET LOCAL session_replication_role = replica", *sql_list])

    DatabaseOperations.execute_sql_flush = execute_sql_flush


_flush_past_the_audit_guard()
