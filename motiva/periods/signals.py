"""A deleted value takes its attached file with it (once the deletion is committed)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete

from motiva.core import files
from motiva.periods.models import IndicatorValue


def _delete_attachment(sender: Any, instance: IndicatorValue, **kwargs: Any) -> None:
    name = instance.attachment.name if instance.attachment else ""
    if name and not IndicatorValue.objects.filter(attachment=name).exists():
        files.delete_after_commit(instance.attachment.storage, name)


def connect() -> None:
    post_delete.connect(_delete_attachment, sender=IndicatorValue, dispatch_uid="value_attachment_delete")
