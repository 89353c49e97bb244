"""manage.py audit_verify: walk the audit trail's hash chain; exit 1 at the first broken link."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from motiva.core.audit import verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain: OK with the number of events, or the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify()
        if report.broken is None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"OK: {report.count} events, the chain holds; last hash {report.last_hash}"
                )
            )
            return
        broken = report.broken
        at = broken.at.isoformat() if broken.at is not None else "—"
        self.stderr.write(
            self.style.ERROR(
                f"BROKEN at event #{broken.event_id} ({at}): {broken.what}. "
                f"{report.count} events before it hold."
            )
        )
        sys.exit(1)
