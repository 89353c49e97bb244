"""Saving a value locks only that value's row. The model's ordering joins the period, and a FOR UPDATE
over that join locked the period row as well — which every writer of the period holds FOR SHARE
(ensure_open) — so two people saving different cells of one period deadlocked (found by
benchmarks/faults.py under a writer load). PostgreSQL only: SQLite has no row locks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motiva.kpi import services as kpi
from motiva.periods import services as periods

pytestmark = pytest.mark.django_db


def test_a_value_save_locks_the_value_row_and_not_the_period(actor, organization):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writing transaction at a time")
    sales = kpi.indicator_create(actor=actor, organization=organization, code="SALES", name="Продажи")
    period = periods.period_create(
        actor=actor, organization=organization, kind="month", start=dt.date(2026, 6, 1)
    )
    periods.value_set(actor=actor, indicator=sales, period=period, kind="fact", value=Decimal(1))
    with CaptureQueriesContext(connection) as queries:
        periods.value_set(actor=actor, indicator=sales, period=period, kind="fact", value=Decimal(2))
    locking = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"] and "periods_indicatorvalue" in q["sql"]]
    assert locking, "the value row is locked before it is changed"
    for sql in locking:
        assert 'JOIN "periods_period"' not in sql
        assert (
            'FOR UPDATE OF "periods_indicatorvalue"' in sql or "FOR UPDATE" in sql.split("periods_period")[0]
        )
