"""The mapping of Motiva's pay components to an organization's 1C:ZUP accrual types."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from motiva.core.models import Organization


class CostCentreSource(models.TextChoices):
    UNIT_CODE = "unit_code", _("unit code")
    UNIT_NAME = "unit_name", _("unit name")
    FIXED = "fixed", _("fixed value")
    NONE = "none", _("none")


class AccrualMapping(models.Model):
    """One pay component (by its Russian name as the run stores it) handed over as one ZUP accrual type."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    component = models.CharField(
        _("pay component"),
        max_length=200,
        help_text=_("The pay component's name exactly as Motiva's results show it, e.g. «Премия по KPI»."),
    )
    accrual_code = models.CharField(
        _("accrual type code"), max_length=20, help_text=_("The accrual type's code in 1C:ZUP, e.g. «ПМ».")
    )
    accrual_name = models.CharField(
        _("accrual type name"),
        max_length=150,
        help_text=_("The accrual type's name exactly as in 1C:ZUP, e.g. «Премия ежемесячная»."),
    )
    cost_centre_source = models.CharField(
        _("cost centre"),
        max_length=10,
        choices=CostCentreSource.choices,
        default=CostCentreSource.UNIT_CODE,
    )
    cost_centre_value = models.CharField(
        _("fixed cost centre"), max_length=50, blank=True, help_text=_("Used when the cost centre is fixed.")
    )

    class Meta:
        verbose_name = _("accrual mapping")
        verbose_name_plural = _("accrual mappings")
        ordering = ["organization", "accrual_code", "component"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "component"], name="one_mapping_per_component")
        ]

    def __str__(self) -> str:
        return f"{self.component} → {self.accrual_code}"
