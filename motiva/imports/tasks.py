"""Import jobs in the background: `start` hands a job's preview or apply to a Celery worker when a broker
is configured (eager in tests), else to a thread after commit; the task takes ids and the service reloads."""

from __future__ import annotations

import threading

from celery import shared_task
from django.conf import settings
from django.db import close_old_connections, transaction

from motiva.core.errors import InvalidInput, problem
from motiva.imports import services
from motiva.imports.models import ImportJob, JobStatus


@shared_task(name="motiva.imports.run_import")
def run_import(job_id: int, action: str, user_id: int) -> int:
    services.run(job_id, action, user_id)
    return job_id


def start(job: ImportJob, action: str, viewer) -> None:
    """Celery when CELERY_BROKER_URL is set (eager in tests); a thread after commit otherwise.

    Only the person who uploaded the file checks and applies it: the rows are checked with the rights of
    whoever runs the job and written in the uploader's name, so another person (even HR) applying it would
    write with one person's rights in another's name."""
    if viewer.user.pk != job.created_by_id:
        raise InvalidInput(
            [
                problem(
                    "not_uploader",
                    "job",
                    "Проверить и применить файл может только тот, кто его загрузил",
                    "Only the person who uploaded the file checks and applies it",
                )
            ]
        )
    services.ensure_not_applied(job)
    status = JobStatus.APPLYING if action == "apply" else JobStatus.PREVIEWING
    ImportJob.objects.filter(pk=job.pk).update(status=status, done=0)
    user_id = viewer.user.pk
    if getattr(settings, "CELERY_BROKER_URL", ""):
        transaction.on_commit(lambda: run_import.delay(job.pk, action, user_id))
        return
    if not getattr(settings, "IMPORTS_IN_THREAD", True):
        transaction.on_commit(lambda: services.run(job.pk, action, user_id))
        return

    def work() -> None:
        try:
            services.run(job.pk, action, user_id)
        finally:
            close_old_connections()

    transaction.on_commit(lambda: threading.Thread(target=work, daemon=True, name=f"import-{job.pk}").start())
