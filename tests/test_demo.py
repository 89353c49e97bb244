"""The demo organization is consistent: what a first-time user explores must obey every rule."""

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from motiva.core.models import AuditEvent, Organization
from motiva.demo.build import DEMO_PASSWORD, DEMO_USERS
from motiva.kpi.models import Card, CardTemplate
from motiva.org.models import Assignment, Employee
from motiva.org.selectors import active_on
from motiva.periods.models import IndicatorValue, Period

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        out = StringIO()
        call_command("load_demo", today=TODAY.isoformat(), stdout=out)
        yield out.getvalue()
        if connection.vendor != "postgresql":
            # PostgreSQL refuses these deletes (closed periods, the append-only audit trail): its flush
            # truncates past the triggers (tests/conftest.py)
            for model in (AuditEvent, IndicatorValue):
                model.objects.all().delete()
        call_command("flush", interactive=False, verbosity=0)


pytestmark = pytest.mark.django_db


def test_it_has_about_150_employees_in_three_organizations(demo):
    assert Organization.objects.count() == 3
    assert 130 <= Employee.objects.count() <= 170
    assert {o.currency for o in Organization.objects.all()} == {"RUB", "KGS"}


def test_every_card_weighs_exactly_100_percent(demo):
    weights = Card.objects.annotate(total=Sum("lines__weight")).values_list("total", flat=True)
    assert len(weights) > 1000
    assert set(weights) == {100}
    template_weights = CardTemplate.objects.annotate(total=Sum("lines__weight")).values_list(
        "total", flat=True
    )
    assert set(template_weights) == {100}


def test_every_employee_has_exactly_one_active_assignment(demo):
    for day in (TODAY, dt.date(2026, 1, 15), dt.date(2026, 6, 1)):
        employed = Employee.objects.filter(hire_date__lte=day).exclude(termination_date__lt=day)
        counts = Counter(
            Assignment.objects.filter(active_on(day), employee__in=employed).values_list(
                "employee_id", flat=True
            )
        )
        assert set(counts.values()) == {1}
        assert len(counts) == employed.count()


def test_there_is_a_year_of_plans_and_facts(demo):
    months = Period.objects.filter(kind="month", organization__name__contains="Ала-Тоо").order_by("start")
    assert months.count() >= 13
    assert months.first().start <= dt.date(2025, 11, 1)
    for period in months.filter(end__lt=TODAY):
        assert IndicatorValue.objects.filter(period=period, kind="fact").exists(), period
    assert months.filter(status="closed").count() >= 11
    assert months.get(start=dt.date(2026, 11, 1)).status == "fact_collection"


def test_it_holds_the_seed_matrices(demo):
    supply = CardTemplate.objects.get(position__title="Начальник отдела снабжения")
    assert [(line.component, int(line.weight)) for line in supply.lines.all()] == [
        ("indicator", 15),
        ("indicator", 15),
        ("tasks", 50),
        ("assessment", 20),
    ]
    assert supply.lines.first().confirmer_position.title == "Директор по качеству"
    cfo_versions = CardTemplate.objects.filter(
        position__title="Финансовый директор", organization__currency="KGS"
    ).order_by("version")
    assert [v.lines.first().indicator.code for v in cfo_versions] == ["AR_WITHIN_PLAN", "REPORTING_QUALITY"]
    director = CardTemplate.objects.get(position__title="Директор российского подразделения")
    assert [int(line.weight) for line in director.lines.all()] == [30, 30, 20, 20]
    pto = CardTemplate.objects.get(position__title__startswith="Инженер ПТО")
    assert sum(line.planned_amount for line in pto.lines.all()) == 30000
    receivables = Organization.objects.get(name__contains="ТрансЛайн").indicators.get(
        code="RECEIVABLES_EXCESS"
    )
    assert receivables.direction == "lower"


def test_demo_logins_work_only_in_demo_mode(demo, settings, rf):
    settings.MOTIVA_DEMO = True
    for username in DEMO_USERS:
        assert authenticate(rf.post("/login/"), username=username, password=DEMO_PASSWORD) is not None, (
            username
        )
    settings.MOTIVA_DEMO = False
    assert authenticate(rf.post("/login/"), username="hr", password=DEMO_PASSWORD) is None


def test_loading_twice_changes_nothing(demo):
    before = (Employee.objects.count(), Card.objects.count(), IndicatorValue.objects.count())
    out = StringIO()
    call_command("load_demo", if_empty=True, stdout=out)
    assert "уже загружены" in out.getvalue()
    assert (Employee.objects.count(), Card.objects.count(), IndicatorValue.objects.count()) == before


def test_the_command_prints_the_logins(demo):
    for username in DEMO_USERS:
        assert username in demo


def test_a_reprimand_in_the_current_month_is_capped_and_never_makes_the_bonus_negative(demo):
    from motiva.calc.models import Adjustment
    from motiva.calc.projection import project
    from motiva.kpi.models import Card

    sanction = Adjustment.objects.get(kind="disciplinary")
    assert sanction.approved_by is not None and sanction.order_number == "27-к"
    assert sanction.period.start <= sanction.applied_on <= sanction.period.end
    card = Card.objects.get(employee=sanction.employee, period=sanction.period)
    outcome = project(sanction.period, [card])[card.pk]
    assert outcome.pay.total >= 0
    reduction = next(
        c for c in outcome.pay.components if c.name.render("ru").startswith("Снижение за взыскание")
    )
    assert "приказ № 27-к" in " ".join(s.render("ru") for s in reduction.steps)


def test_the_latest_closed_period_is_handed_over_to_payroll_and_reconciles(demo):
    """Finance has mapped the demo's pay components: the payroll file of a closed period's latest run
    reconciles with the run (docs/payroll.md)."""
    from motiva.calc.selectors import latest_run
    from motiva.payroll import services as payroll
    from motiva.periods.models import PeriodStatus

    for organization in Organization.objects.all():
        period = (
            Period.objects.filter(organization=organization, status=PeriodStatus.CLOSED, cards__isnull=False)
            .distinct()
            .order_by("-end")
            .first()
        )
        run = latest_run(period)
        totals = payroll.Totals()
        rows = list(payroll.payroll_rows(run, totals=totals))
        assert rows and totals.unmapped == {} and totals.reconciles, organization.name
