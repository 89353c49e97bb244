"""Delete the idempotency keys older than MOTIVA_IDEMPOTENCY_TTL_HOURS (a day); run it from cron."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from motiva.idempotency.models import IdempotencyKey, ttl


class Command(BaseCommand):
    help = "Delete expired idempotency keys (older than MOTIVA_IDEMPOTENCY_TTL_HOURS)."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - ttl()).delete()
        self.stdout.write(f"{deleted} expired idempotency keys deleted")
