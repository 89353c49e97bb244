"""PostgreSQL's own guards (motiva/core/migrations/0009_*): rows of a closed period and the audit trail
cannot be changed behind the services, not even by raw SQL; the application's role (motiva.core.db_roles)
cannot rewrite or empty the audit table nor change the schema."""

from __future__ import annotations

import uuid

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from motiva.core import audit
from motiva.core.db_roles import grant_app_role
from motiva.core.models import AuditEvent
from motiva.periods import services as periods
from motiva.periods.models import IndicatorValue, Period, PeriodStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the triggers and roles are PostgreSQL's; SQLite relies on the services' checks")


def _sql(statement, params=None):
    with connection.cursor() as cursor:
        # the test's own inserts leave deferred foreign-key checks pending, which TRUNCATE would refuse first
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement, params)
        return cursor.rowcount


def _refused(statement, params=None, error=IntegrityError):
    with pytest.raises(error) as caught, transaction.atomic():
        _sql(statement, params)
    return str(caught.value)


@pytest.fixture
def closed(cast):
    period = cast["period"]
    Period.objects.filter(pk=period.pk).update(status=PeriodStatus.CLOSED)
    return period


RUNS = "SELECT id FROM calc_calculationrun WHERE period_id = %(p)s"
STATEMENTS = {
    "periods_indicatorvalue": "UPDATE periods_indicatorvalue SET value = value + 1 WHERE period_id = %(p)s",
    "kpi_card": "UPDATE kpi_card SET status = status WHERE period_id = %(p)s",
    "kpi_cardline": "DELETE FROM kpi_cardline WHERE card_id IN (SELECT id FROM kpi_card WHERE period_id = %(p)s)",
    "calc_calculationrun": "UPDATE calc_calculationrun SET status = status WHERE period_id = %(p)s",
    "calc_employeeresult": f"UPDATE calc_employeeresult SET pay = pay + 1 WHERE run_id IN ({RUNS})",  # noqa: S608
    "calc_lineoutcome": f"INSERT INTO calc_lineoutcome (run_id, ref, content) SELECT id, 'forged', '{{}}' FROM ({RUNS}) r",  # noqa: S608
}


@pytest.mark.parametrize("table", sorted(STATEMENTS))
def test_raw_sql_on_a_closed_periods_rows_is_refused_naming_the_table(closed, table):
    message = _refused(STATEMENTS[table], {"p": closed.pk})
    assert f'table "{table}"' in message and f"closed period #{closed.pk}" in message


def test_a_closed_periods_value_keeps_its_number_and_an_open_period_still_changes(cast, closed):
    before = list(IndicatorValue.objects.filter(period=closed).values_list("pk", "value"))
    assert before
    _refused("UPDATE periods_indicatorvalue SET value = 1 WHERE period_id = %s", [closed.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.filter(period=closed).update(value=1)  # the ORM's update() too
    assert list(IndicatorValue.objects.filter(period=closed).values_list("pk", "value")) == before
    other = cast["other_period"]  # open: the guard lets it change
    assert _sql("UPDATE periods_indicatorvalue SET value = value WHERE period_id = %s", [other.pk]) >= 1


def test_the_closed_period_row_itself_cannot_change_or_go(closed):
    assert 'table "periods_period"' in _refused(
        "UPDATE periods_period SET name = 'x' WHERE id = %s", [closed.pk]
    )
    _refused("UPDATE periods_period SET status = 'review' WHERE id = %s", [closed.pk])
    _refused("DELETE FROM periods_period WHERE id = %s", [closed.pk])
    assert Period.objects.get(pk=closed.pk).status == PeriodStatus.CLOSED


def test_the_transition_that_closes_a_period_still_works(cast):
    period = cast["period"]
    Period.objects.filter(pk=period.pk).update(status=PeriodStatus.APPROVED)
    periods.period_transition(actor=cast["users"]["hr"], period=period, to_status=PeriodStatus.CLOSED)
    assert Period.objects.get(pk=period.pk).status == PeriodStatus.CLOSED
    assert AuditEvent.objects.filter(
        entity_type="periods.Period", entity_id=str(period.pk), new_value="closed"
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditevent SET new_value = '1' WHERE id = (SELECT max(id) FROM core_auditevent)",
        "DELETE FROM core_auditevent WHERE id = (SELECT max(id) FROM core_auditevent)",
        "TRUNCATE core_auditevent",
    ],
)
def test_the_audit_table_refuses_update_delete_and_truncate(cast, statement):
    count = AuditEvent.objects.count()
    assert count
    message = _refused(statement)
    assert 'table "core_auditevent"' in message and "append-only" in message
    assert AuditEvent.objects.count() == count


@pytest.fixture
def app_role(db):
    """The application's role, created inside the test's transaction (rolled back with it)."""
    role = f"motiva_app_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        first = grant_app_role(cursor, role=role, password=None, quote=connection.ops.quote_name)
        again = grant_app_role(cursor, role=role, password="s3cret-pass", quote=connection.ops.quote_name)
    assert any(s.startswith("CREATE ROLE") for s in first)
    assert not any(s.startswith("CREATE ROLE") for s in again)  # idempotent
    assert "s3cret-pass" not in " ".join(again)
    return role


def _as(role, statement, params=None):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(role)}")
        cursor.execute(statement, params)
        return cursor.rowcount


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditevent SET new_value = '1'",
        "DELETE FROM core_auditevent",
        "TRUNCATE core_auditevent",
        "UPDATE django_migrations SET app = app",
        "CREATE TABLE motiva_forged (id int)",
        "ALTER TABLE core_auditevent DISABLE TRIGGER USER",
        "SET session_replication_role = replica",
    ],
)
def test_the_application_role_cannot_rewrite_the_audit_trail_or_the_schema(cast, app_role, statement):
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError) as caught:
        _as(app_role, statement)
    assert "permission denied" in str(caught.value) or "must be owner" in str(caught.value)
    assert AuditEvent.objects.count() == count


def test_the_application_role_still_reads_writes_rows_and_appends_to_the_audit_trail(cast, app_role):
    other = cast["other_period"]
    assert (
        _as(app_role, "UPDATE periods_indicatorvalue SET value = value WHERE period_id = %s", [other.pk]) >= 1
    )
    assert _as(app_role, "SELECT 1 FROM core_auditevent LIMIT 1") == 1
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(app_role)}")
        events = audit.record(
            actor=cast["users"]["hr"], obj=other, action="update", before={"name": "a"}, after={"name": "b"}
        )
    assert AuditEvent.objects.filter(pk=events[0].pk).exists()
    assert audit.verify().broken is None
