"""The audit trail's hash chain (motiva.core.audit): every event, also those of the bulk paths, links
to the one before it; `manage.py audit_verify` says OK with the count or names the first broken link.
Tampering goes around every guard: on PostgreSQL through a superuser session that skips the triggers
(session_replication_role = replica), on SQLite directly."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from motiva.core import audit
from motiva.core.models import AuditChainHead, AuditEvent, Organization
from motiva.org import services as org

pytestmark = pytest.mark.django_db


def tamper(statement, params=None):
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(statement, params)


def verify_command():
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


@pytest.fixture
def history(actor, organization):
    """A few changes of several kinds, and a bulk insert of many objects' events."""
    units = [
        org.unit_create(actor=actor, organization=organization, code=f"U{n}", name=f"Отдел {n}")
        for n in range(3)
    ]
    audit.apply_changes(actor=actor, obj=organization, changes={"name": "ООО «Тест-2»"})
    audit.record_create_many(actor=actor, objs=units, fields=["code", "name"])
    return list(AuditEvent.objects.order_by("pk"))


def test_every_event_links_to_the_one_before_and_verify_says_ok_with_the_count(history):
    assert len(history) >= 10
    previous = ""
    for event in history:
        assert event.prev_hash == previous and len(event.hash) == 64
        assert event.hash == audit.event_hash(event, previous)
        previous = event.hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_hash, head.last_id, head.count) == (previous, history[-1].pk, len(history))
    code, output = verify_command()
    assert code == 0 and f"OK: {len(history)} events" in output


def test_the_bulk_load_of_values_chains_its_events_too(actor, organization, history):
    import datetime as dt
    from decimal import Decimal

    from motiva.kpi import services as kpi
    from motiva.periods import services as periods

    indicator = kpi.indicator_create(actor=actor, organization=organization, code="SALES", name="Продажи")
    period = periods.period_create(
        actor=actor, organization=organization, kind="month", start=dt.date(2026, 6, 1)
    )
    rows = [
        {"indicator": indicator, "period": period, "kind": kind, "value": Decimal(7)}
        for kind in ("plan", "fact")
    ]
    created = periods.values_load(actor=actor, rows=rows)
    events = AuditEvent.objects.filter(
        entity_type="periods.IndicatorValue", entity_id__in=[str(v.pk) for v in created]
    )
    assert events.count() == 2 and all(event.hash for event in events)
    report = audit.verify()
    assert report.broken is None and report.count == AuditEvent.objects.count()


def test_a_changed_value_is_the_first_broken_link(history):
    victim = history[4]
    tamper("UPDATE core_auditevent SET new_value = %s WHERE id = %s", ["999999", victim.pk])
    report = audit.verify()
    assert report.broken is not None and report.broken.event_id == victim.pk
    assert report.count == 4 and "changed after it was written" in report.broken.what
    code, output = verify_command()
    assert code == 1 and f"BROKEN at event #{victim.pk}" in output and victim.at.isoformat()[:10] in output


def test_a_changed_actor_or_time_breaks_the_chain_too(history, django_user_model):
    other = django_user_model.objects.create_user(username="intruder")
    tamper("UPDATE core_auditevent SET actor_id = %s WHERE id = %s", [other.pk, history[2].pk])
    assert audit.verify().broken.event_id == history[2].pk


def test_a_removed_event_breaks_the_link_of_the_next(history):
    tamper("DELETE FROM core_auditevent WHERE id = %s", [history[3].pk])
    report = audit.verify()
    assert report.broken.event_id == history[4].pk and "removed or changed" in report.broken.what


def test_removed_newest_events_are_told_by_the_head(history):
    tamper("DELETE FROM core_auditevent WHERE id >= %s", [history[-2].pk])
    report = audit.verify()
    assert report.broken is not None and "at the end were removed" in report.broken.what
    assert verify_command()[0] == 1


def test_a_recomputed_hash_without_its_successors_is_caught(history):
    """Rewriting a value and its own hash still leaves the next event pointing at the old hash."""
    victim = history[5]
    victim.new_value = "forged"
    forged = audit.event_hash(victim, victim.prev_hash)
    tamper("UPDATE core_auditevent SET new_value = 'forged', hash = %s WHERE id = %s", [forged, victim.pk])
    assert audit.verify().broken.event_id == history[6].pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_queue_on_the_head_and_never_fork_the_chain(actor):
    """Two transactions append at once: the second waits for the first one's lock on the chain's head
    and then links to its last event. (PostgreSQL; SQLite runs one writing transaction at a time.)"""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serializes writers (transaction_mode IMMEDIATE)")
    organization = Organization.objects.create(name="Параллельная")
    # the chain (and its head row) already exists, as it always does after the first change
    audit.record(actor=actor, obj=organization, action="create", after={"name": "Параллельная"})
    first_appended, second_started = threading.Event(), threading.Event()
    release, errors = threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                audit.record(
                    actor=actor, obj=organization, action="update", before={"name": "a"}, after={"name": "b"}
                )
                first_appended.set()
                release.wait(30)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    def second():
        try:
            first_appended.wait(30)
            second_started.set()
            with transaction.atomic():
                audit.record(
                    actor=actor, obj=organization, action="update", before={"name": "b"}, after={"name": "c"}
                )
        except Exception as error:  # pragma: no cover
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    second_started.wait(30)
    # Release the first writer once the second is waiting for the head's lock (or after a while, if it
    # never waits: then nothing serializes the appends and the chain below forks).
    with connection.cursor() as cursor:
        for _attempt in range(100):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.05)
    release.set()
    for thread in threads:
        thread.join(60)
    assert not errors
    report = audit.verify()
    assert report.broken is None, report.broken
    assert (
        AuditEvent.objects.filter(new_value="c").get().prev_hash == AuditEvent.objects.get(new_value="b").hash
    )


def test_a_user_who_acted_cannot_be_deleted_and_the_trail_stays_whole(actor, history):
    """Deleting the actor would rewrite (SET NULL) or remove their events: refused; users are deactivated."""
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        actor.delete()
    with pytest.raises(ProtectedError):
        Organization.objects.get(pk=history[0].organization_id).delete()
    assert AuditEvent.objects.filter(actor=actor).count() == sum(1 for e in history if e.actor_id == actor.pk)
    assert audit.verify().broken is None
