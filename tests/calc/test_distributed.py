"""A run's slices as Celery tasks: counted in the database, stored once however often delivered, and
the same results and hash whichever way a run is computed — in one process, in the local process pool,
or by Celery workers over Redis and over RabbitMQ (real workers started here, PostgreSQL only: the
workers and this process share the test database). A worker killed in the middle of a slice gives the
slice to the next worker."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from motiva.calc import runs, tasks
from motiva.calc.models import CalculationRun, EmployeeResult, LineOutcome, RunSlice, RunStatus
from motiva.calc.pool import slice_bounds
from motiva.core.errors import InvalidInput
from motiva.kpi.models import CardLine
from motiva.periods.models import IndicatorValue
from tests.support.celery_workers import CeleryWorker, reset, send_to

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/{db}"
RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"
POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
needs_postgres = pytest.mark.skipif(
    not POSTGRES, reason="Celery workers share the test database with this process: PostgreSQL's"
)


def stored(run: CalculationRun) -> dict[str, object]:
    """Everything a run stored, comparable across runs."""
    run.refresh_from_db()
    results = {
        r.employee_id: (
            r.result,
            r.pay,
            r.proration,
            r.lines,
            r.components,
            r.trace,
            r.problems,
            r.has_errors,
        )
        for r in EmployeeResult.objects.filter(run=run)
    }
    lines = dict(LineOutcome.objects.filter(run=run).values_list("ref", "content"))
    return {
        "status": run.status,
        "hash": run.input_hash,
        "results": results,
        "lines": lines,
        "catalog": run.trace_templates,
        "error": run.error,
    }


def start(cast) -> CalculationRun:
    return runs.calculation_run_start(actor=cast["users"]["admin"], period=cast["period"], reason="again")


# --- in this process: the slice protocol itself ------------------------------------------------


def test_slices_stored_one_by_one_finish_the_run_as_one_process_does(cast):
    alone = stored(runs.calculation_run_execute(start(cast).pk))
    run = runs.calculation_run_execute(start(cast).pk, distributed=True)
    assert run.status == RunStatus.RUNNING
    slices = list(RunSlice.objects.filter(run=run).order_by("index"))
    assert len(slices) > 1 and not EmployeeResult.objects.filter(run=run).exists()
    for piece in reversed(slices):  # any order
        runs.calculation_slice_execute(run.pk, piece.index)
    runs.calculation_slice_execute(run.pk, slices[0].index)  # delivered again: nothing more
    after = stored(run)
    assert after["status"] == RunStatus.DONE
    assert after == {**alone, "status": RunStatus.DONE}
    assert EmployeeResult.objects.filter(run=run).count() == len(alone["results"])
    assert run.timings["slices"] == len(slices)


def test_a_slice_that_keeps_dying_fails_the_run_and_leaves_no_results(cast, settings):
    settings.MOTIVA_CALC_SLICE_ATTEMPTS = 2
    run = runs.calculation_run_execute(start(cast).pk, distributed=True)
    first, *rest = RunSlice.objects.filter(run=run).order_by("index")
    runs.calculation_slice_execute(run.pk, rest[0].index)
    assert EmployeeResult.objects.filter(run=run).exists()
    RunSlice.objects.filter(pk=first.pk).update(attempts=2)  # two workers died in it
    runs.calculation_slice_execute(run.pk, first.index)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "slice 0" in run.error
    assert not EmployeeResult.objects.filter(run=run).exists()
    assert not LineOutcome.objects.filter(run=run).exists()
    runs.calculation_slice_execute(run.pk, rest[1].index)  # a slice of a failed run stores nothing
    assert not EmployeeResult.objects.filter(run=run).exists()


def test_a_run_left_without_progress_is_failed_when_the_next_one_starts(cast, settings):
    run = runs.calculation_run_execute(start(cast).pk, distributed=True)
    with pytest.raises(InvalidInput) as refused:
        start(cast)
    assert [p.code for p in refused.value.problems] == ["run_in_progress"]
    settings.MOTIVA_CALC_STALE_SECONDS = 0
    time.sleep(0.01)
    again = start(cast)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "no progress" in run.error
    assert again.status == RunStatus.PENDING


def test_slices_cover_every_employee_once():
    ids = list(range(3, 40, 2))
    for count in (1, 2, 7, 19, 50):
        bounds = slice_bounds(ids, count)
        covered = [i for lo, hi in bounds for i in ids if lo <= i <= hi]
        assert covered == ids


# --- real Celery workers ---------------------------------------------------------------------


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _reachable(url: str) -> bool:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


@pytest.fixture
def celery_over(transactional_db, tmp_path):
    """Workers against a broker, and this process sending to them on the same queue."""
    app = tasks.current_app
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    started: list[CeleryWorker] = []

    def use(broker: str, count: int = 2) -> list[CeleryWorker]:
        if not _reachable(broker):
            pytest.skip(f"no broker at {broker.split('@')[-1]}")
        queue = f"motiva-test-{uuid.uuid4().hex[:8]}"
        send_to(app, queue, broker)
        connection.close()  # the workers see what the test committed
        workers = [
            CeleryWorker(
                queue,
                tmp_path / f"worker-{len(started) + i}.log",
                DATABASE_URL=_database_url(),
                CELERY_BROKER_URL=broker,
                MOTIVA_CALC_WORKERS="1",
            )
            for i in range(count)
        ]
        started.extend(workers)
        return workers

    yield use
    for worker in started:
        worker.stop()
    app.conf.update(saved)
    reset(app)


def _wait(run: CalculationRun, workers: list[CeleryWorker], seconds: float = 90) -> CalculationRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in (RunStatus.DONE, RunStatus.FAILED):
            return run
        time.sleep(0.2)
    raise AssertionError(f"run still {run.status}: " + "\n".join(w.log()[-3000:] for w in workers))


@needs_postgres
def test_one_process_the_local_pool_and_celery_over_redis_and_rabbitmq_store_the_same(
    cast, celery_over, settings
):
    alone = stored(runs.calculation_run_execute(start(cast).pk))
    assert alone["status"] == RunStatus.DONE and alone["results"]
    settings.MOTIVA_CALC_WORKERS = 2
    settings.MOTIVA_CALC_PARALLEL_MIN = 1
    pooled = stored(runs.calculation_run_execute(start(cast).pk))
    settings.MOTIVA_CALC_WORKERS = 1
    assert pooled == alone
    for broker in (REDIS.format(db=1 + os.getpid() % 15), RABBITMQ):
        workers = celery_over(broker)
        run = start(cast)
        tasks.execute_run.delay(run.pk)
        done = stored(_wait(run, workers))
        assert done == alone, (broker, done["error"])
        assert RunSlice.objects.filter(run=run).count() > 1
        logs = "".join(w.log() for w in workers)
        assert "motiva.calc.compute_slice" in logs
        for worker in workers:
            worker.stop()


@needs_postgres
def test_a_worker_killed_in_the_middle_of_a_slice_gives_it_to_the_next(cast, celery_over):
    import psycopg

    alone = stored(runs.calculation_run_execute(start(cast).pk))
    (worker,) = celery_over(REDIS.format(db=1 + os.getpid() % 15), count=1)
    run = runs.calculation_run_execute(start(cast).pk, distributed=True)  # planned here, sliced for Celery
    first = RunSlice.objects.get(run=run, index=0)
    # The first slice's row is locked by another connection: the worker taking it waits inside it.
    holder = psycopg.connect(_database_url().replace("postgres://", "postgresql://"), autocommit=False)
    try:
        holder.execute("SELECT id FROM calc_runslice WHERE id = %s FOR UPDATE", [first.pk])
        for piece in RunSlice.objects.filter(run=run).order_by("index"):
            tasks.compute_run_slice.delay(run.pk, piece.index)
        deadline = time.monotonic() + 60
        waiting = 0
        while time.monotonic() < deadline and not waiting:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                    ['UPDATE "calc_runslice"%'],
                )
                waiting = cursor.fetchone()[0]
            time.sleep(0.1)
        assert waiting, worker.log()[-3000:]
        (child,) = worker.children()
        os.kill(child, signal.SIGKILL)  # the worker process running the slice dies
        time.sleep(1)
    finally:
        holder.rollback()
        holder.close()
    done = stored(_wait(run, [worker]))
    assert done == alone, done["error"]
    assert "signal 9" in worker.log() or "SIGKILL" in worker.log()


def test_a_done_run_is_never_failed_afterwards_and_keeps_its_results(cast):
    """A late duplicate of the last slice, or a stale sweep racing the finish, finds the run done."""
    run = runs.calculation_run_execute(start(cast).pk, distributed=True)
    for piece in RunSlice.objects.filter(run=run):
        runs.calculation_slice_execute(run.pk, piece.index)
    count = EmployeeResult.objects.filter(run=run).count()
    runs.calculation_run_fail(run.pk, "too late")
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.error != "too late"
    assert EmployeeResult.objects.filter(run=run).count() == count > 0


def test_a_run_whose_shared_inputs_change_between_its_slices_fails_and_says_why(cast):
    """Slices computed before and after a change of the company's or a unit's values would not add up."""
    run = runs.calculation_run_execute(start(cast).pk, distributed=True)
    first, second, *_rest = RunSlice.objects.filter(run=run).order_by("index")
    runs.calculation_slice_execute(run.pk, first.index)
    # a company value appears (HR enters the company's fact meanwhile)
    line = CardLine.objects.filter(card__period=cast["period"], indicator__isnull=False).first()
    IndicatorValue.objects.create(
        organization=cast["company"],
        indicator=line.indicator,
        period=cast["period"],
        scope="company",
        scope_key="company",
        kind="fact",
        value=7,
    )
    with pytest.raises(InvalidInput):
        runs.calculation_slice_execute(run.pk, second.index)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "inputs changed during the run" in run.error
    assert not EmployeeResult.objects.filter(run=run).exists()


def test_a_running_run_shows_no_rows_to_anybody(cast):
    """Pages, exports and the API read a run's rows only when it is done."""
    from motiva.core import access

    run = runs.calculation_run_execute(start(cast).pk, distributed=True)
    first = RunSlice.objects.filter(run=run).order_by("index").first()
    runs.calculation_slice_execute(run.pk, first.index)
    assert EmployeeResult.objects.filter(run=run).exists()
    hr = access.viewer_for(cast["users"]["hr"])
    assert not access.results(hr, run).exists()
