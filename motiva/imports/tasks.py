"""Import jobs in the background: ids in, the service reloads (eager in-process without a broker)."""

from celery import shared_task

from motiva.imports import services


@shared_task(name="motiva.imports.run_import")
def run_import(job_id: int, action: str, user_id: int) -> int:
    services.run(job_id, action, user_id)
    return job_id
