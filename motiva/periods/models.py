from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motiva.core.models import Organization, PeriodKind
from motiva.kpi.models import Indicator
from motiva.org.models import Employee, Unit


class PeriodStatus(models.TextChoices):
    PLANNING = "planning", _("planning")
    TARGETS_APPROVED = "targets_approved", _("targets approved")
    FACT_COLLECTION = "fact_collection", _("fact collection")
    REVIEW = "review", _("review")
    CALCULATED = "calculated", _("calculated")
    APPROVED = "approved", _("approved")
    CLOSED = "closed", _("closed")


# The lifecycle: each status may move forward to the next, and back one step for a correction
# before approval. A closed period never moves again.
LIFECYCLE = [status for status, _label in PeriodStatus.choices]
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    PeriodStatus.PLANNING: {PeriodStatus.TARGETS_APPROVED},
    PeriodStatus.TARGETS_APPROVED: {PeriodStatus.FACT_COLLECTION, PeriodStatus.PLANNING},
    PeriodStatus.FACT_COLLECTION: {PeriodStatus.REVIEW, PeriodStatus.TARGETS_APPROVED},
    PeriodStatus.REVIEW: {PeriodStatus.CALCULATED, PeriodStatus.FACT_COLLECTION},
    PeriodStatus.CALCULATED: {PeriodStatus.APPROVED, PeriodStatus.REVIEW},
    PeriodStatus.APPROVED: {PeriodStatus.CLOSED, PeriodStatus.REVIEW},
    PeriodStatus.CLOSED: set(),
}


class Period(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="periods", verbose_name=_("organization")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(
        _("status"), max_length=20, choices=PeriodStatus.choices, default=PeriodStatus.PLANNING
    )

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["organization", "start", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "start"], name="unique_period_start"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="period_dates_ordered"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_locked(self) -> bool:
        return self.status == PeriodStatus.CLOSED


class Scope(models.TextChoices):
    COMPANY = "company", _("company")
    UNIT = "unit", _("unit")
    EMPLOYEE = "employee", _("employee")


class ValueKind(models.TextChoices):
    PLAN = "plan", _("plan")
    FACT = "fact", _("fact")


class ValueSource(models.TextChoices):
    MANUAL = "manual", _("entered by hand")
    IMPORT = "import", _("imported")
    API = "api", _("API")
    FORMULA = "formula", _("computed by formula")


class IndicatorValue(models.Model):
    """A plan or fact of one indicator for one scope (company, unit or employee) in one period."""

    # Imports write values by the hundred thousand (benchmarks/io.py): every index and foreign-key check
    # is paid per row. The indicator and period columns are served by the composite indexes below (and
    # the unique one); the organization is the indicator's (whose key is checked), and the two users'
    # keys are kept by Django's on_delete. Measured on PostgreSQL, 100 000 rows in one INSERT: 5.5 s with
    # the five single-column indexes and three deferred key checks, 3.5 s without them.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organization"),
        db_index=False,
        db_constraint=False,
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        related_name="values",
        verbose_name=_("indicator"),
        db_index=False,
    )
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="values", verbose_name=_("period"), db_index=False
    )
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    employee = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("employee"),
    )
    # "company", "unit:12" or "employee:34": one key so uniqueness holds on every database (NULLs differ).
    scope_key = models.CharField(_("scope key"), max_length=40, editable=False)
    kind = models.CharField(_("plan or fact"), max_length=4, choices=ValueKind.choices)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=6, null=True, blank=True)
    level_code = models.CharField(
        _("level"), max_length=40, blank=True, help_text=_("For discrete levels: the chosen level's code.")
    )
    source = models.CharField(
        _("source"), max_length=10, choices=ValueSource.choices, default=ValueSource.MANUAL
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
        db_index=False,
        db_constraint=False,
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)
    comment = models.TextField(_("comment"), blank=True)
    attachment = models.FileField(_("attachment"), upload_to="values/%Y/%m/", blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
        db_index=False,
        db_constraint=False,
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan or fact value")
        verbose_name_plural = _("plan and fact values")
        ordering = ["period", "indicator", "scope_key", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period", "scope_key", "kind"], name="unique_value_per_scope"
            ),
            models.CheckConstraint(
                condition=(Q(scope="company", unit__isnull=True, employee__isnull=True))
                | Q(scope="unit", unit__isnull=False, employee__isnull=True)
                | Q(scope="employee", employee__isnull=False, unit__isnull=True),
                name="value_scope_matches_target",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "scope_key"], name="value_period_scope_idx"),
            # A calculation run reads the personal values of one slice of employees at a time.
            models.Index(fields=["period", "employee"], name="value_period_employee_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.get_kind_display()} {self.period}: {self.value}"

    @staticmethod
    def make_scope_key(scope: str, unit_id: int | None, employee_id: int | None) -> str:
        if scope == Scope.UNIT:
            return f"unit:{unit_id}"
        if scope == Scope.EMPLOYEE:
            return f"employee:{employee_id}"
        return "company"
