"""The one check every write into a period goes through."""

from __future__ import annotations

from django.db import connection

from motiva.core.errors import InvalidInput, problem
from motiva.periods.models import Period, PeriodStatus


def ensure_open(period: Period, field: str = "period") -> None:
    """Refuse any change in a closed period. Reads the status from the database, not from a possibly
    stale instance, so a period closed a moment ago is already closed here. Inside a transaction on
    PostgreSQL the read takes a share lock on the period's row: writers do not wait for each other,
    but a close (which locks the row for update) waits until they commit, and they wait for it."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            # table name is the model's constant, the id a parameter
            cursor.execute(
                f'SELECT "status" FROM "{Period._meta.db_table}" WHERE "id" = %s FOR SHARE',  # noqa: S608
                [period.pk],
            )
            row = cursor.fetchone()
        status = row[0] if row else None
    else:
        # SQLite runs one writing transaction at a time, so a close cannot slip between this read and the write.
        status = Period.objects.filter(pk=period.pk).values_list("status", flat=True).first()
    if status == PeriodStatus.CLOSED:
        raise InvalidInput(
            [
                problem(
                    "period_locked",
                    field,
                    "Период «{name}» закрыт: изменения в нём невозможны. Исправление вносится корректировкой в открытом периоде.",
                    "Period “{name}” is closed and cannot be changed. Make a correction through an adjustment in an open period.",
                    name=period.name,
                )
            ]
        )
