"""A staged apply while another connection commits (PostgreSQL: two connections at once; SQLite runs one
writing transaction at a time): another job's preview cannot empty the rows of an apply in progress, a value
edited in the grid during apply is either listed and written or neither, and apply holds no lock that
makes a second apply anywhere wait."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from motiva.imports import services
from motiva.imports.kinds import values as values_kind
from motiva.imports.models import ImportJob, JobStatus
from tests.imports.test_staged_apply import change_list, set_fact
from tests.imports.test_values_import import GOOD, fact, upload, viewer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.IMPORTS_ROOT = tmp_path / "private"
    settings.IMPORTS_IN_THREAD = False
    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once: PostgreSQL's")


def in_other_connection(work) -> None:
    errors: list[Exception] = []

    def target() -> None:
        try:
            work()
        except Exception as error:  # re-raised in the test's thread below
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "the other connection waited for the apply"
    assert not errors, errors


def during_apply(monkeypatch, work) -> None:
    """Run `work` in another connection when apply writes its first change-list line."""
    original = values_kind._Values.apply_staged

    def apply_staged(self, job, write_change):
        done: list[int] = []

        def hooked(*cells):
            if not done:
                done.append(1)
                in_other_connection(work)
            write_change(*cells)

        return original(self, job, hooked)

    monkeypatch.setattr(values_kind._Values, "apply_staged", apply_staged)


def test_another_jobs_preview_does_not_empty_an_apply_in_progress(cast, monkeypatch):
    job = services.preview(upload(cast, GOOD), viewer(cast))
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(days=2))
    job.refresh_from_db()  # staged two days ago: stale for the cleanup, unless it is being applied
    other = upload(cast, GOOD.replace("200", "300"))
    during_apply(monkeypatch, lambda: services.preview(other, viewer(cast)))
    job = services.apply(job, viewer(cast))
    assert job.status == JobStatus.APPLIED and job.counts["change"] == 2
    assert (fact(cast, "anna").value, fact(cast, "boris").value) == (Decimal("1.5"), Decimal(200))


def test_a_value_edited_during_apply_is_listed_and_written_or_neither(cast, monkeypatch):
    set_fact(cast, "boris", "200")  # the file's value: left alone
    job = services.preview(upload(cast, GOOD), viewer(cast))
    during_apply(monkeypatch, lambda: set_fact(cast, "boris", "50"))
    job = services.apply(job, viewer(cast))
    listed = any("Boris" in row[1] for row in change_list(job)[1:])
    assert (fact(cast, "boris").source == "import") == listed
    assert fact(cast, "boris").value == Decimal(50) and job.counts["same"] == 1


def test_apply_holds_no_lock_that_makes_another_apply_wait(cast, monkeypatch):
    job = services.preview(upload(cast, GOOD), viewer(cast))

    def analyze_elsewhere() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
            cursor.execute("ANALYZE imports_stagedvalue")  # what another apply prepares with

    during_apply(monkeypatch, analyze_elsewhere)
    assert services.apply(job, viewer(cast)).status == JobStatus.APPLIED
