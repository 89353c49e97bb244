"""Work in the background: Celery tasks take ids, reload and call the run's code (eager in-process
without a broker); `calculation_run_enqueue` is how a run is started there.

With a broker, a run is planned by `execute_run` and its slices are `compute_run_slice` tasks that any
number of workers pick up (acknowledged late, so a slice whose worker dies is delivered again; storing
one twice is refused by the slice's own row). Without a broker the run computes its slices itself, in
a local process pool (`motiva.calc.pool`)."""

from __future__ import annotations

from typing import Any

from celery import current_app, shared_task
from django.db import InterfaceError, OperationalError, transaction

from motiva.calc import runs
from motiva.calc.models import CalculationRun, RunSlice, RunStatus
from motiva.org.models import Unit
from motiva.periods.models import Period

SLICE_RETRIES = 2  # tries again of a slice whose database went away


def slices_over_celery() -> bool:
    """Whether a run's slices go to Celery workers: a broker is configured (tasks are not eager)."""
    return not current_app.conf.task_always_eager


# Acknowledged when done, and given back when its worker dies: delivered again, it finds the run
# claimed already and queues the slices nobody has started.
@shared_task(name="motiva.calc.execute_run", acks_late=True, reject_on_worker_lost=True)
def execute_run(run_id: int) -> int:
    run = runs.calculation_run_execute(run_id, distributed=slices_over_celery())
    if run.status == RunStatus.RUNNING:
        # The slices no worker has started yet (a second delivery of this task queues only those).
        waiting = RunSlice.objects.filter(run=run, attempts=0, stored_at__isnull=True).values_list(
            "index", flat=True
        )
        try:
            for index in waiting:
                compute_run_slice.delay(run.pk, index)
        except Exception as error:  # the broker refused: nobody would ever store the rest
            runs.calculation_run_fail(run.pk, f"the slices could not be queued: {error}")
            raise
    return run.pk


@shared_task(
    bind=True,
    name="motiva.calc.compute_slice",
    acks_late=True,  # acknowledged when done: a worker that dies leaves the slice to the next
    reject_on_worker_lost=True,
    max_retries=SLICE_RETRIES,
)
def compute_run_slice(self: Any, run_id: int, index: int) -> None:
    try:
        runs.calculation_slice_execute(run_id, index)
    except (OperationalError, InterfaceError) as error:
        # The database could not be reached: the slice is tried again a little later; after the last
        # try the run fails (a slice's attempts count every try, MOTIVA_CALC_SLICE_ATTEMPTS bounds them).
        if self.request.retries >= SLICE_RETRIES:
            runs.calculation_run_fail(run_id, f"slice {index}: {error}")
            raise
        raise self.retry(exc=error, countdown=2**self.request.retries) from error


def calculation_run_enqueue(
    *, actor: Any, period: Period, unit: Unit | None = None, reason: str = ""
) -> CalculationRun:
    """Start a run in the background (Celery workers, or in-process when no broker is configured)."""
    run = runs.calculation_run_start(actor=actor, period=period, unit=unit, reason=reason)
    transaction.on_commit(lambda: execute_run.delay(run.pk))
    return run
