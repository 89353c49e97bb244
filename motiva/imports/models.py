"""An import of one file (ImportJob) and the column mapping remembered per organization and kind."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motiva.core.files import AtomicFileSystemStorage
from motiva.core.models import Organization


def private_storage() -> AtomicFileSystemStorage:
    """Uploaded import files live outside MEDIA_ROOT: never served by the web server."""
    root = getattr(settings, "IMPORTS_ROOT", None) or Path(settings.BASE_DIR) / ".motiva" / "imports"
    return AtomicFileSystemStorage(location=str(root))


class JobStatus(models.TextChoices):
    UPLOADED = "uploaded", _("uploaded")
    PREVIEWING = "previewing", _("checking")
    PREVIEWED = "previewed", _("checked")
    APPLYING = "applying", _("applying")
    APPLIED = "applied", _("applied")
    FAILED = "failed", _("failed")
    NOTHING_TO_DO = "nothing_to_do", _("nothing to change")


class ImportJob(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    kind = models.CharField(_("kind of import"), max_length=30)
    period = models.ForeignKey(
        "periods.Period",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("period"),
    )
    file = models.FileField(_("file"), storage=private_storage, upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.BigIntegerField(_("size, bytes"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.UPLOADED
    )
    done = models.BigIntegerField(_("rows done"), default=0)
    total = models.BigIntegerField(_("rows in all"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    preview = models.JSONField(_("sample of changes"), default=list, blank=True)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    change_list = models.FileField(
        _("list of changes"), storage=private_storage, upload_to="imports/changes/%Y/%m/", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    # Set by a preview that found no problem and staged its checked rows (StagedValue): the digest of
    # what those checks read. Apply writes the staged rows in one statement when the digest still holds.
    staged_state = models.CharField(_("checked state"), max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["organization", "-created_at"], name="import_org_created")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.original_name}"

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status in FINISHED else 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def running(self) -> bool:
        return self.status in (JobStatus.PREVIEWING, JobStatus.APPLYING)


FINISHED = (JobStatus.APPLIED, JobStatus.FAILED, JobStatus.NOTHING_TO_DO)


class ColumnMapping(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    kind = models.CharField(_("kind of import"), max_length=30)
    # normalized header -> field key or "skip"
    mapping = models.JSONField(_("column mapping"), default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "kind"], name="import_mapping_once")]
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.kind}"


class StagedValue(models.Model):
    """One checked row of a plan or fact import, written by the preview and read by apply, so that apply
    is one set-based statement rather than a second read and check of the file (see docs/imports.md).
    Scratch data: unlogged on PostgreSQL, no key checks, removed once the job is applied or re-checked."""

    job = models.ForeignKey(
        ImportJob, on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="+"
    )
    row = models.IntegerField()  # the file's row number
    indicator_id = models.BigIntegerField()
    scope = models.CharField(max_length=10)
    unit_id = models.BigIntegerField(null=True)
    employee_id = models.BigIntegerField(null=True)
    scope_key = models.CharField(max_length=40)
    value = models.DecimalField(max_digits=20, decimal_places=6, null=True)
    level_code = models.CharField(max_length=40)
    comment = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["job", "row"], name="staged_value_job_row")]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.row}"
