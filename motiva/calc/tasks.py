"""Background tasks take ids, reload, and call a service (eager in-process without a broker)."""

from celery import shared_task

from motiva.calc import services


@shared_task(name="motiva.calc.execute_run")
def execute_run(run_id: int) -> int:
    run = services.calculation_run_execute(run_id)
    return run.pk
