"""Work in the background: Celery tasks take ids, reload and call the run's code (eager in-process
without a broker); `calculation_run_enqueue` is how a run is started there.

With a broker, a run is planned by `execute_run` and its slices are `compute_run_slice` tasks that any
number of workers pick up (acknowledged late, so a slice whose worker dies is delivered again; storing
one twice is refused by the slice's own row). Without a broker the run computes its slices itself, in
a local process pool (`motiva.calc.pool`)."""

from __future__ import annotations

from typing import Any

from celery import current_app, shared_task
from django.db import transaction

from motiva.calc import runs
from motiva.calc.models import CalculationRun, RunSlice, RunStatus
from motiva.org.models import Unit
from motiva.periods.models import Period


def slices_over_celery() -> bool:
    """Whether a run's slices go to Celery workers: a broker is configured (tasks are not eager)."""
    return not current_app.conf.task_always_eager


@shared_task(name="motiva.calc.execute_run")
def execute_run(run_id: int) -> int:
    run = runs.calculation_run_execute(run_id, distributed=slices_over_celery())
    if run.status == RunStatus.RUNNING:
        for index in RunSlice.objects.filter(run=run, stored_at__isnull=True).values_list("index", flat=True):
            compute_run_slice.delay(run.pk, index)
    return run.pk


@shared_task(name="motiva.calc.compute_slice", acks_late=True, reject_on_worker_lost=True)
def compute_run_slice(run_id: int, index: int) -> None:
    runs.calculation_slice_execute(run_id, index)


def calculation_run_enqueue(
    *, actor: Any, period: Period, unit: Unit | None = None, reason: str = ""
) -> CalculationRun:
    """Start a run in the background (Celery workers, or in-process when no broker is configured)."""
    run = runs.calculation_run_start(actor=actor, period=period, unit=unit, reason=reason)
    transaction.on_commit(lambda: execute_run.delay(run.pk))
    return run
