from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motiva.calc.fields import JSONTextField
from motiva.core.models import Organization
from motiva.kpi.models import Card
from motiva.org.models import Employee, Unit
from motiva.periods.models import Period


class RunStatus(models.TextChoices):
    PENDING = "pending", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


ACTIVE_STATUSES = [RunStatus.PENDING, RunStatus.RUNNING]


class CalculationRun(models.Model):
    """One calculation of a period for a scope: a frozen snapshot that approvals attach to."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="runs", verbose_name=_("period")
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit (empty = whole organization)"),
    )
    scope_key = models.CharField(_("scope"), max_length=40, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    employees_total = models.PositiveIntegerField(_("employees"), default=0)
    input_hash = models.CharField(_("input hash"), max_length=64, blank=True)
    engine_version = models.CharField(_("engine version"), max_length=20, blank=True)
    rounding = models.JSONField(_("rounding policy"), default=dict, blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("previous run"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    timings = models.JSONField(_("timings, s"), default=dict, blank=True)
    # The wording of every trace step used in this run, once; results refer to it by number.
    trace_templates = models.JSONField(_("trace wording"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Why the period was calculated again when its previous results already carried signatures: the
    # signatures this run revokes are revoked with this reason.
    reason = models.TextField(_("reason for the recalculation"), blank=True)

    class Meta:
        verbose_name = _("calculation run")
        verbose_name_plural = _("calculation runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two runs for the same period and scope cannot run at once.
            models.UniqueConstraint(
                fields=["period", "scope_key"],
                condition=Q(status__in=["pending", "running"]),
                name="one_active_run_per_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} #{self.pk}"


class RunSlice(models.Model):
    """One slice of a run computed by a Celery worker (runs with a broker): a range of employee ids.
    The run is finished by whichever slice is stored last: the slices are counted here, so no result
    backend or chord is needed, and a slice delivered twice stores nothing twice."""

    run = models.ForeignKey(
        CalculationRun, on_delete=models.CASCADE, related_name="slices", verbose_name=_("run")
    )
    index = models.PositiveIntegerField(_("slice"))
    first_id = models.PositiveBigIntegerField(_("first employee id"))
    last_id = models.PositiveBigIntegerField(_("last employee id"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    stored_at = models.DateTimeField(_("stored"), null=True, blank=True)
    # What the run's finish needs of the slice: its rows' hash, the wording catalog, the scales its
    # lines use, its problems and its timings.
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("run slice")
        verbose_name_plural = _("run slices")
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="one_slice_per_index_and_run")]

    def __str__(self) -> str:
        return f"{self.run} / {self.index}"


class EmployeeResult(models.Model):
    # A run writes one row per employee, up to hundreds of thousands at once. The references are kept
    # by Django (CASCADE and PROTECT work as usual) but not as database constraints: each would add a
    # check and a row lock on the employee or card per row stored, which cost more than the insert.
    # The run's own index is the unique (run, employee) one.
    run = models.ForeignKey(
        CalculationRun,
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name=_("run"),
        db_constraint=False,
        db_index=False,
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="+", verbose_name=_("employee"), db_constraint=False
    )
    # Not indexed either: cards are never deleted by Motiva (only the admin could, and its protection
    # check then scans the results), and each index costs every stored row.
    card = models.ForeignKey(
        Card,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("card"),
        db_constraint=False,
        db_index=False,
    )
    result = models.DecimalField(_("result, %"), max_digits=12, decimal_places=4)
    level_results = models.JSONField(_("level results"), default=dict)
    pay = models.DecimalField(_("pay"), max_digits=16, decimal_places=4)
    proration = models.DecimalField(_("share of time worked"), max_digits=7, decimal_places=6, default=1)
    lines = JSONTextField(_("line results"), default=list)
    components = JSONTextField(_("pay components"), default=list)
    trace = JSONTextField(_("trace"), default=dict)
    problems = models.JSONField(_("problems"), default=list)
    has_errors = models.BooleanField(_("has errors"), default=False)

    class Meta:
        verbose_name = _("employee result")
        verbose_name_plural = _("employee results")
        ordering = ["run", "employee"]
        constraints = [
            models.UniqueConstraint(fields=["run", "employee"], name="one_result_per_employee_and_run")
        ]

    def __str__(self) -> str:
        return f"{self.employee}: {self.result} %"


class LineOutcome(models.Model):
    """A card line's stored result with its trace, once per run for every distinct one: the company's
    and a unit's lines, and lines with equal facts, repeat on many cards; each employee's result
    refers to them by `ref` (a hash of the content)."""

    run = models.ForeignKey(
        CalculationRun, on_delete=models.CASCADE, related_name="+", verbose_name=_("run"), db_index=False
    )
    ref = models.CharField(_("reference"), max_length=16)
    content = JSONTextField(_("line result"), default=dict)

    class Meta:
        verbose_name = _("line result")
        verbose_name_plural = _("line results")
        constraints = [
            models.UniqueConstraint(fields=["run", "ref"], name="one_line_outcome_per_ref_and_run")
        ]

    def __str__(self) -> str:
        return f"{self.run} / {self.ref}"


class AdjustmentKind(models.TextChoices):
    MANUAL = "manual", _("manual adjustment")
    DISCIPLINARY = "disciplinary", _("disciplinary reduction")


class Adjustment(models.Model):
    """A manual correction of one employee's pay: always with a reason and a second approver."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("period")
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("employee")
    )
    kind = models.CharField(
        _("kind"), max_length=15, choices=AdjustmentKind.choices, default=AdjustmentKind.MANUAL
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("+ or −; empty when a reduction is a percent of the bonus."),
    )
    percent = models.DecimalField(
        _("percent of the bonus"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("A disciplinary reduction as a percent of the bonus: 75 reduces it by 75 %."),
    )
    applied_on = models.DateField(
        _("sanction date"),
        null=True,
        blank=True,
        help_text=_(
            "The day the sanction was applied: it reduces only the bonus of the period that holds this day."
        ),
    )
    order_number = models.CharField(_("order number"), max_length=40, blank=True)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["period", "employee"]

    def __str__(self) -> str:
        return f"{self.employee}: {self.amount} ({self.reason})"


class GroupCorrection(models.Model):
    """The employer's correction coefficient for a unit (subjective ratings above the objective KPIs [S1])."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="group_corrections", verbose_name=_("period")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    coefficient = models.DecimalField(_("coefficient"), max_digits=6, decimal_places=4)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    class Meta:
        verbose_name = _("group correction")
        verbose_name_plural = _("group corrections")
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="one_correction_per_unit_and_period")
        ]

    def __str__(self) -> str:
        return f"{self.unit} × {self.coefficient}"


class SignatureKind(models.TextChoices):
    MANAGER = "manager", _("direct manager")
    EXECUTIVE = "executive", _("general director")
    HR = "hr", _("HR sign-off")
    FINANCE = "finance", _("finance sign-off")


class RunSignature(models.Model):
    """One signature on a run's results: each direct manager for their reports, then the general
    director's approval, then the HR and finance sign-offs before the period closes."""

    run = models.ForeignKey(
        CalculationRun, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("run")
    )
    kind = models.CharField(_("signature"), max_length=10, choices=SignatureKind.choices)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("signed by")
    )
    signer_employee = models.ForeignKey(
        Employee,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("as employee"),
    )
    comment = models.TextField(_("comment"), blank=True)
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)
    # A new run of the period revokes the signatures of the runs before it: they stay, marked, with who
    # recalculated, when and why (never deleted).
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoked_by_run = models.ForeignKey(
        CalculationRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by the run"),
    )
    revoked_reason = models.TextField(_("reason for the revocation"), blank=True)

    class Meta:
        verbose_name = _("run signature")
        verbose_name_plural = _("run signatures")
        ordering = ["run", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "kind", "signer"], name="one_signature_per_kind_and_signer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.run} — {self.get_kind_display()} — {self.signer}"
