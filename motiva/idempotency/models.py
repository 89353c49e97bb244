"""The outcome of every state-changing request that carried an idempotency key, so that a retry or a
double click with the same key gets the first outcome back instead of doing the work again.

A row is claimed (state "pending") in its own committed transaction before the view runs, which makes
the unique constraint the arbiter between two workers receiving the same key at once; the view's
response then completes the row (state "done"). Rows older than a day are deleted (the idempotency_cleanup command, after `ttl`)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyState(models.TextChoices):
    PENDING = "pending", _("being processed")
    DONE = "done", _("done")


class IdempotencyKey(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    path = models.CharField(_("path"), max_length=500)
    key = models.CharField(_("key"), max_length=100)
    # A digest of the method and the submitted fields: the same key with another request is refused.
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    state = models.CharField(
        _("state"), max_length=10, choices=IdempotencyState.choices, default=IdempotencyState.PENDING
    )
    status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    location = models.CharField(_("redirect"), max_length=2000, blank=True)
    content_type = models.CharField(_("content type"), max_length=200, blank=True)
    body = models.BinaryField(_("response body"), blank=True, default=b"")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "path", "key"], name="idempotency_key_unique_per_user_path"
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.path} {self.key}"


def ttl() -> timedelta:
    """How long a key is kept: its repeat is answered from it until then (MOTIVA_IDEMPOTENCY_TTL_HOURS)."""
    return timedelta(hours=getattr(settings, "MOTIVA_IDEMPOTENCY_TTL_HOURS", 24))
