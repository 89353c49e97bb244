"""Real races on PostgreSQL: two threads, each with its own database connection, save the same cell
from the same page state, or send the same idempotency key twice. SQLite serializes every writer on
one database lock and has no row locks (select_for_update is a no-op there), so these run on
PostgreSQL only: DATABASE_URL=postgres://... pytest tests/web/test_concurrency_postgres.py"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client

from motiva.core.models import AuditEvent
from motiva.periods.models import IndicatorValue, PeriodStatus
from motiva.periods.services import period_transition
from motiva.web import facts, idempotency
from motiva.web.idempotency import FIELD_NAME, REPLAY_HEADER
from tests.web.test_concurrency import cell, grid_url, shown_versions

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has no row locks and serializes all writers",
    ),
]

WAIT = 20  # seconds: an upper bound for a step that takes milliseconds, never an assertion on time


def wait_until(condition) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the other request never got there")
        time.sleep(0.02)


def blocked_on_a_lock() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


class Poster(threading.Thread):
    """One browser: its own client (and so its own database connection, closed at the end)."""

    def __init__(self, user, url, data) -> None:
        super().__init__(daemon=True)
        self.user, self.url, self.data, self.response = user, url, data, None

    def run(self) -> None:
        try:
            client = Client()
            client.force_login(self.user)
            self.response = client.post(self.url, self.data)
        finally:
            connections.close_all()


def open_collection(cast) -> None:
    for status in (PeriodStatus.REVIEW, PeriodStatus.FACT_COLLECTION):
        period_transition(actor=cast["users"]["hr"], period=cast["period"], to_status=status)


def hold_first_save(monkeypatch):
    """The first value_set returns and its request then waits (its row lock held, its transaction open)
    until released; the events say when it got there."""
    inside, release = threading.Event(), threading.Event()
    original = facts.value_set

    def held(**kwargs):
        row = original(**kwargs)
        if not inside.is_set():
            inside.set()
            release.wait(WAIT)
        return row

    monkeypatch.setattr(facts, "value_set", held)
    return inside, release


def test_two_people_racing_the_same_cell_from_one_page_state_one_wins_the_other_gets_409(cast, monkeypatch):
    open_collection(cast)
    client = Client()
    client.force_login(cast["users"]["hr"])
    state = shown_versions(client.get(grid_url(cast)).content.decode())
    connections.close_all()
    inside, release = hold_first_save(monkeypatch)
    first = Poster(cast["users"]["boss"], grid_url(cast), {**state, f"c:{cell(cast, 'anna')}": "125"})
    first.start()
    wait_until(inside.is_set)
    second = Poster(cast["users"]["hr"], grid_url(cast), {**state, f"c:{cell(cast, 'anna')}": "130"})
    second.start()
    wait_until(blocked_on_a_lock)  # the second save waits on the first one's row lock
    release.set()
    first.join(WAIT)
    second.join(WAIT)
    assert first.response.status_code == 302
    assert second.response.status_code == 409
    value = IndicatorValue.objects.get(period=cast["period"], employee=cast["people"]["anna"])
    assert value.value == Decimal(125)
    assert "125" in second.response.content.decode()


def test_a_duplicate_sent_while_the_first_runs_waits_and_gets_the_first_outcome(cast, monkeypatch):
    open_collection(cast)
    inside, release = hold_first_save(monkeypatch)
    polling = threading.Event()
    sleep = idempotency.time.sleep

    def noted_sleep(seconds):
        polling.set()
        sleep(seconds)

    monkeypatch.setattr(idempotency.time, "sleep", noted_sleep)
    data = {f"c:{cell(cast, 'anna')}": "127", FIELD_NAME: "race-key-0001"}
    changes = AuditEvent.objects.filter(entity_type="periods.IndicatorValue").values("change_id").distinct()
    before = changes.count()
    first = Poster(cast["users"]["hr"], grid_url(cast), data)
    first.start()
    wait_until(inside.is_set)
    second = Poster(cast["users"]["hr"], grid_url(cast), data)
    second.start()
    wait_until(polling.is_set)  # the duplicate found the key pending and waits for it
    release.set()
    first.join(WAIT)
    second.join(WAIT)
    assert first.response.status_code == second.response.status_code == 302
    assert second.response[REPLAY_HEADER] == "true"
    assert second.response["Location"] == first.response["Location"]
    assert changes.count() == before + 1
