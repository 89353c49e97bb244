from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motiva.engine.money import RoundingPolicy
from motiva.engine.types import DisciplinaryBase, PayRules


class Currency(models.TextChoices):
    RUB = "RUB", _("Russian rouble")
    KGS = "KGS", _("Kyrgyz som")
    KZT = "KZT", _("Kazakh tenge")
    BYN = "BYN", _("Belarusian rouble")
    UZS = "UZS", _("Uzbek sum")
    USD = "USD", _("US dollar")
    EUR = "EUR", _("Euro")


class PeriodKind(models.TextChoices):
    """Lengths of periods; also an indicator's periodicity."""

    MONTH = "month", _("month")
    QUARTER = "quarter", _("quarter")
    HALF_YEAR = "half_year", _("half-year")
    YEAR = "year", _("year")


class RoundingMode(models.TextChoices):
    HALF_UP = "half_up", _("Half up (arithmetic)")
    HALF_EVEN = "half_even", _("Half even (banker's)")
    DOWN = "down", _("Down (truncate)")


class LineRounding(models.TextChoices):
    SCORE = "score", _("the line's score")
    CONTRIBUTION = "contribution", _("the line's weighted contribution")


class DisciplinaryBaseChoice(models.TextChoices):
    SALARY_AND_BONUS = DisciplinaryBase.SALARY_AND_BONUS.value, _("the month's salary and bonuses")
    SALARY = DisciplinaryBase.SALARY.value, _("the month's salary")


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.RUB)
    rounding_mode = models.CharField(
        _("rounding mode"), max_length=10, choices=RoundingMode.choices, default=RoundingMode.HALF_UP
    )
    score_places = models.PositiveSmallIntegerField(
        _("decimal places for scores"), default=2, validators=[MaxValueValidator(6)]
    )
    money_places = models.PositiveSmallIntegerField(
        _("decimal places for money"), default=2, validators=[MaxValueValidator(4)]
    )
    round_per_line = models.BooleanField(
        _("round each line"),
        default=False,
        help_text=_("Round every line's result; otherwise only the total is rounded."),
    )
    time_places = models.PositiveSmallIntegerField(
        _("decimal places for the share of time worked"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(8)],
        help_text=_("Empty: the time coefficient keeps every digit (it is not rounded)."),
    )
    time_rounding_mode = models.CharField(
        _("rounding mode for the share of time worked"),
        max_length=10,
        choices=RoundingMode.choices,
        blank=True,
        help_text=_("Empty: the organization's rounding mode."),
    )
    line_rounding = models.CharField(
        _("what each line rounds"),
        max_length=12,
        choices=LineRounding.choices,
        default=LineRounding.SCORE,
        help_text=_(
            "When each line is rounded: its score, or its weighted contribution (the total is then the sum of the rounded contributions)."
        ),
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year starts in month"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    disciplinary_cap_enabled = models.BooleanField(
        _("cap reductions for disciplinary sanctions"),
        default=True,
        help_text=_("Labour Code art. 135 (from 1 September 2025): at most 20 percent of the month's pay."),
    )
    disciplinary_cap_percent = models.DecimalField(
        _("disciplinary reduction cap, %"),
        max_digits=5,
        decimal_places=2,
        default=20,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    disciplinary_base = models.CharField(
        _("base of the disciplinary cap"),
        max_length=20,
        choices=DisciplinaryBaseChoice.choices,
        default=DisciplinaryBaseChoice.SALARY_AND_BONUS,
        help_text=_(
            "What the cap is a percent of: the month's salary plus the bonuses accrued for that month (default), or the salary alone."
        ),
    )
    ktu_min = models.DecimalField(
        _("lowest KTU"), max_digits=6, decimal_places=3, default=0, validators=[MinValueValidator(0)]
    )
    ktu_max = models.DecimalField(
        _("highest KTU"), max_digits=6, decimal_places=3, default=1, validators=[MinValueValidator(0)]
    )
    ktu_step = models.DecimalField(
        _("KTU step"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("0.1"),
        help_text=_(
            "A KTU is a value from the lowest to the highest in these steps (0–1 by 0.1, 0.5–2.5 by 0.1 …)."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def rounding(self) -> RoundingPolicy:
        return RoundingPolicy(
            mode=self.rounding_mode,
            score_places=self.score_places,
            money_places=self.money_places,
            round_per_line=LineRounding.CONTRIBUTION.value
            if self.round_per_line and self.line_rounding == LineRounding.CONTRIBUTION
            else self.round_per_line,
            time_places=self.time_places,
            time_mode=self.time_rounding_mode,
        )

    @property
    def pay_rules(self) -> PayRules:
        """The rules every scheme's pay follows in this organization (engine form)."""
        return PayRules(
            disciplinary_cap=Decimal(self.disciplinary_cap_percent)
            if self.disciplinary_cap_enabled
            else None,
            disciplinary_base=self.disciplinary_base,
            ktu_min=Decimal(self.ktu_min),
            ktu_max=Decimal(self.ktu_max),
            ktu_step=Decimal(self.ktu_step),
        )


class Role(models.TextChoices):
    HR = "hr", _("HR / compensation analyst")
    FINANCE = "finance", _("Finance / payroll")
    EXECUTIVE = "executive", _("General director / executive")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")
    # Gives the general director's approval of a run that holds the director's own pay (nobody signs
    # their own): the board of directors or the owner (motiva.calc.approvals).
    BOARD = "board", _("Board of directors / owner")


class RoleAssignment(models.Model):
    """Roles that do not follow from the org structure (employee and manager do)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="motiva_roles",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("organization"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="unique_role_per_user_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    TRANSITION = "transition", _("status changed")
    # A refused access: a 404 or 403 from the access policy, or an action the policy refused. The event
    # names the address asked for and the refusal, never the object's data.
    DENIED = "denied", _("access denied")


class AuditEvent(models.Model):
    """One changed field of one entity. Events of one change share change_id.

    Append-only: on PostgreSQL a trigger refuses every UPDATE, DELETE and TRUNCATE of this table, and
    each event carries the SHA-256 of its content and of the event before it (`manage.py audit_verify`
    walks the chain). So nothing that refers to it may be deleted: the actor and the organization are
    protected (users are deactivated, never deleted)."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    # Set before the event is hashed (not auto_now_add, which would replace it while saving).
    at = models.DateTimeField(_("when (UTC)"), default=timezone.now, editable=False, db_index=True)
    change_id = models.UUIDField(_("change"), default=uuid.uuid4, db_index=True)
    action = models.CharField(_("action"), max_length=12, choices=AuditAction.choices)
    entity_type = models.CharField(_("entity type"), max_length=60)
    entity_id = models.CharField(_("entity id"), max_length=40)
    entity_repr = models.CharField(_("entity"), max_length=300)
    field = models.CharField(_("field"), max_length=80, blank=True)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # Where the change came from (motiva.core.request_context); empty outside a request.
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("client IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=200, blank=True)
    # The hash chain: SHA-256 of the previous event's hash and this event's canonical content.
    prev_hash = models.CharField(_("previous event's hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["entity_type", "entity_id"], name="audit_entity_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.entity_repr}.{self.field}"


class AuditChainHead(models.Model):
    """The one row holding the hash of the newest audit event. Appending locks it (select_for_update on
    PostgreSQL; SQLite runs one writer at a time), so concurrent writers never fork the chain."""

    last_id = models.BigIntegerField(_("newest event"), default=0)
    last_hash = models.CharField(_("newest event's hash"), max_length=64, blank=True)
    count = models.BigIntegerField(_("events in the chain"), default=0)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.last_id} {self.last_hash[:12]}"
