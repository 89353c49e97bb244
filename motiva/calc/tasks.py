"""Work in the background: Celery tasks take ids, reload and call the run's code (eager in-process
without a broker); `calculation_run_enqueue` is how a run is started there."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import transaction

from motiva.calc import runs
from motiva.calc.models import CalculationRun
from motiva.org.models import Unit
from motiva.periods.models import Period


@shared_task(name="motiva.calc.execute_run")
def execute_run(run_id: int) -> int:
    run = runs.calculation_run_execute(run_id)
    return run.pk


def calculation_run_enqueue(
    *, actor: Any, period: Period, unit: Unit | None = None, reason: str = ""
) -> CalculationRun:
    """Start a run in the background (a Celery worker, or in-process when no broker is configured)."""
    run = runs.calculation_run_start(actor=actor, period=period, unit=unit, reason=reason)
    transaction.on_commit(lambda: execute_run.delay(run.pk))
    return run
