import datetime as dt
from decimal import Decimal

import pytest

from motiva.core.errors import InvalidInput
from motiva.core.models import AuditEvent
from motiva.kpi import services as kpi
from motiva.periods import services as periods
from motiva.periods.models import LIFECYCLE, IndicatorValue

pytestmark = pytest.mark.django_db


def close(actor, period):
    for status in LIFECYCLE[LIFECYCLE.index(period.status) + 1 :]:
        periods.period_transition(actor=actor, period=period, to_status=status)


@pytest.mark.parametrize(
    ("kind", "start", "end", "name"),
    [
        ("month", dt.date(2026, 2, 1), dt.date(2026, 2, 28), "Февраль 2026"),
        ("quarter", dt.date(2026, 4, 1), dt.date(2026, 6, 30), "II квартал 2026"),
        ("half_year", dt.date(2026, 7, 1), dt.date(2026, 12, 31), "II полугодие 2026"),
        ("year", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "2026 год"),
    ],
)
def test_period_bounds_and_names(actor, organization, kind, start, end, name):
    period = periods.period_create(actor=actor, organization=organization, kind=kind, start=start)
    assert (period.end, period.name, period.status) == (end, name, "planning")


def test_periods_of_one_kind_cannot_overlap_or_start_mid_month(actor, organization):
    periods.period_create(actor=actor, organization=organization, kind="quarter", start=dt.date(2026, 1, 1))
    with pytest.raises(InvalidInput) as refusal:
        periods.period_create(
            actor=actor, organization=organization, kind="quarter", start=dt.date(2026, 2, 1)
        )
    assert {p.code for p in refusal.value.problems} == {"start_month", "period_overlap"}
    with pytest.raises(InvalidInput) as refusal:
        periods.period_create(
            actor=actor, organization=organization, kind="month", start=dt.date(2026, 2, 15)
        )
    assert refusal.value.problems[0].code == "start_day"
    # another kind over the same months is fine
    periods.period_create(actor=actor, organization=organization, kind="month", start=dt.date(2026, 2, 1))


def test_the_lifecycle_moves_one_step_at_a_time_and_is_audited(actor, organization):
    period = periods.period_create(
        actor=actor, organization=organization, kind="month", start=dt.date(2026, 3, 1)
    )
    with pytest.raises(InvalidInput) as refusal:
        periods.period_transition(actor=actor, period=period, to_status="approved")
    assert "планирование" in refusal.value.messages("ru")[0] or "planning" in refusal.value.messages("ru")[0]
    close(actor, period)
    period.refresh_from_db()
    assert period.is_locked
    transitions = AuditEvent.objects.filter(
        entity_type="periods.Period", entity_id=str(period.pk), action="transition"
    )
    assert [e.new_value for e in transitions.order_by("id")] == LIFECYCLE[1:]
    with pytest.raises(InvalidInput):
        periods.period_transition(actor=actor, period=period, to_status="review")


@pytest.fixture
def sales(actor, organization):
    return kpi.indicator_create(actor=actor, organization=organization, code="SALES", name="Продажи")


def test_a_fact_records_who_when_and_its_history(actor, organization, sales):
    period = periods.period_create(
        actor=actor, organization=organization, kind="month", start=dt.date(2026, 4, 1)
    )
    value = periods.value_set(
        actor=actor,
        indicator=sales,
        period=period,
        kind="fact",
        value=Decimal("98.5"),
        comment="По отчёту 1С",
    )
    assert (value.author, value.source, value.scope_key) == (actor, "manual", "company")
    periods.value_set(actor=actor, indicator=sales, period=period, kind="fact", value=Decimal("101"))
    change = AuditEvent.objects.get(
        entity_type="periods.IndicatorValue", entity_id=str(value.pk), field="value", action="update"
    )
    assert (change.old_value, change.new_value) == ("98.5", "101")
    assert IndicatorValue.objects.filter(indicator=sales).count() == 1


def test_scope_must_name_its_target(actor, organization, sales):
    period = periods.period_create(
        actor=actor, organization=organization, kind="month", start=dt.date(2026, 4, 1)
    )
    with pytest.raises(InvalidInput) as refusal:
        periods.value_set(
            actor=actor, indicator=sales, period=period, kind="fact", value=Decimal(1), scope="unit"
        )
    assert refusal.value.problems[0].field == "unit"


def test_kind_specific_values_are_checked(actor, organization):
    period = periods.period_create(
        actor=actor, organization=organization, kind="month", start=dt.date(2026, 4, 1)
    )
    event = kpi.indicator_create(
        actor=actor, organization=organization, code="LOSS", name="Убыток", kind="binary"
    )
    rating = kpi.indicator_create(
        actor=actor, organization=organization, code="RATE", name="Оценка", kind="rating"
    )
    with pytest.raises(InvalidInput):
        periods.value_set(actor=actor, indicator=event, period=period, kind="fact", value=Decimal(2))
    with pytest.raises(InvalidInput):
        periods.value_set(actor=actor, indicator=rating, period=period, kind="fact", value=Decimal(3))
    periods.value_set(actor=actor, indicator=rating, period=period, kind="fact", value=Decimal(-2))


def test_no_path_writes_into_a_closed_period(actor, organization, sales):
    period = periods.period_create(
        actor=actor, organization=organization, kind="month", start=dt.date(2026, 5, 1)
    )
    value = periods.value_set(actor=actor, indicator=sales, period=period, kind="fact", value=Decimal(10))
    close(actor, period)
    with pytest.raises(InvalidInput) as refusal:
        periods.value_set(actor=actor, indicator=sales, period=period, kind="fact", value=Decimal(99))
    assert refusal.value.problems[0].code == "period_locked"
    with pytest.raises(InvalidInput):
        periods.values_load(
            actor=actor, rows=[{"indicator": sales, "period": period, "kind": "plan", "value": Decimal(1)}]
        )
    with pytest.raises(InvalidInput):
        periods.value_confirm(actor=actor, value=value)
    value.refresh_from_db()
    assert value.value == Decimal(10)


def test_a_load_with_one_bad_row_changes_nothing(actor, organization, sales):
    period = periods.period_create(
        actor=actor, organization=organization, kind="month", start=dt.date(2026, 6, 1)
    )
    rows = [
        {"indicator": sales, "period": period, "kind": "plan", "value": Decimal(100)},
        {"indicator": sales, "period": period, "kind": "fact", "value": None},
    ]
    with pytest.raises(InvalidInput) as refusal:
        periods.values_load(actor=actor, rows=rows)
    assert refusal.value.problems[0].field == "row 2.value"
    assert not IndicatorValue.objects.exists()
    created = periods.values_load(actor=actor, rows=rows[:1])
    assert (
        AuditEvent.objects.filter(entity_type="periods.IndicatorValue", entity_id=str(created[0].pk)).count()
        == 1
    )


def test_the_author_cannot_confirm_their_own_fact(actor, organization, sales, django_user_model):
    period = periods.period_create(
        actor=actor, organization=organization, kind="month", start=dt.date(2026, 6, 1)
    )
    value = periods.value_set(actor=actor, indicator=sales, period=period, kind="fact", value=Decimal(10))
    with pytest.raises(InvalidInput):
        periods.value_confirm(actor=actor, value=value)
    confirmer = django_user_model.objects.create_user(username="quality", password="x-Secret-123")
    periods.value_confirm(actor=confirmer, value=value)
    assert value.confirmed_by == confirmer
    periods.value_set(actor=actor, indicator=sales, period=period, kind="fact", value=Decimal(11))
    value.refresh_from_db()
    assert value.confirmed_by is None  # a changed fact needs a new confirmation


@pytest.mark.django_db(transaction=True)
def test_a_close_waits_for_a_write_in_progress(actor, organization):
    """On PostgreSQL a write holds a share lock on its period's row until it commits, so a close that
    arrives meanwhile waits (here: times out) instead of slipping in between the check and the write."""
    import threading

    from django.db import OperationalError, connection, transaction

    from motiva.periods.guards import ensure_open

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writing transaction at a time")
    period = periods.period_create(
        actor=actor, organization=organization, kind="month", start=dt.date(2026, 3, 1)
    )
    for status in LIFECYCLE[1:-1]:
        periods.period_transition(actor=actor, period=period, to_status=status)
    started, release = threading.Event(), threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                ensure_open(period)
                started.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert started.wait(10)
    with pytest.raises(OperationalError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '300ms'")
        periods.period_transition(actor=actor, period=period, to_status="closed")
    release.set()
    thread.join()
    periods.period_transition(actor=actor, period=period, to_status="closed")
    period.refresh_from_db()
    assert period.status == "closed"
