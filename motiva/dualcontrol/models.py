"""Changes that need a second person: granting or revoking a privileged role and changing the salary of
someone who holds one. A request is made by one person and decided by another; only an approved
request is applied, through the very service that applies the change (motiva.org.services)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motiva.core.models import Organization, Role
from motiva.org.models import Employee


class RequestKind(models.TextChoices):
    ROLE_GRANT = "role_grant", _("grant of a role")
    ROLE_REVOKE = "role_revoke", _("revocation of a role")
    SALARY_CHANGE = "salary_change", _("salary change")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class ChangeRequest(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    kind = models.CharField(_("kind of change"), max_length=20, choices=RequestKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    # The person the change concerns: the holder of the role, or the employee whose salary changes.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user concerned"),
    )
    employee = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("employee concerned"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    # A salary change: start_date (ISO), salary (a decimal as text), position id, manager ("keep", "none"
    # or an id), fte (text). Values are text so that nothing is rounded through a float.
    payload = models.JSONField(_("change"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason of the decision"), blank=True)
    # The operator's first administrator of a new organization (manage.py bootstrap_admin): approved by
    # nobody, because nobody else exists yet; allowed only while the organization has no roles at all.
    bootstrap = models.BooleanField(_("bootstrap of a new organization"), default=False)

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "user", "role"],
                condition=Q(status="pending", kind__in=["role_grant", "role_revoke"]),
                name="one_pending_role_request",
            ),
            models.UniqueConstraint(
                fields=["employee"],
                condition=Q(status="pending", kind="salary_change"),
                name="one_pending_salary_request",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="decided_requests_have_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} ({self.get_status_display()})"
