"""The one check every write into a period goes through."""

from __future__ import annotations

from motiva.core.errors import InvalidInput, problem
from motiva.periods.models import Period, PeriodStatus


def ensure_open(period: Period, field: str = "period") -> None:
    """Refuse any change in a closed period. Reads the status from the database, not from a possibly
    stale instance, so a period closed a moment ago is already closed here."""
    status = Period.objects.filter(pk=period.pk).values_list("status", flat=True).first()
    if status == PeriodStatus.CLOSED:
        raise InvalidInput([
            problem(
                "period_locked",
                field,
                "Период «{name}» закрыт: изменения в нём невозможны. Исправление вносится корректировкой в открытом периоде.",
                "Period “{name}” is closed and cannot be changed. Make a correction through an adjustment in an open period.",
                name=period.name,
            )
        ])
