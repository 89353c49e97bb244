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


class PayKind(models.TextChoices):
    """The kinds of pay component a mapping can name: engine.types.ComponentKind without the fines
    withheld from the salary (they are not pay and are never handed over)."""

    BONUS = "bonus", _("Scheme bonus (variable pay, KPI bonus, step bonus, base × coefficients)")
    ANNUAL_BONUS = "annual_bonus", _("Annual bonus")
    LEVEL = "level", _("Level bonuses (company, unit, personal)")
    LINE = "line", _("Card lines paid by planned amount, one component per line")
    KTU = "ktu", _("KTU pay (share of the unit's fund or KTU part)")
    SENIORITY = "seniority", _("Seniority allowance")
    CERTIFICATION = "certification", _("Certification allowance")
    SPECIALIZATION = "specialization", _("Specialization allowance")
    PIECE_WORK = "piece_work", _("Piece work, one component per piece rate")
    FLOOR = "floor", _("Bonus brought up to zero")
    ADJUSTMENT = "adjustment", _("Manual adjustments, whatever their reason")
    REDUCTION = "reduction", _("Disciplinary reductions, whatever their reason")


class AccrualMapping(models.Model):
    """Pay components handed over as one ZUP accrual type: either every component of a kind
    (`kind`, engine.types.ComponentKind, as runs since engine 0.2.1 store it) or one component by its
    Russian name exactly as the run stores it (`component`); a name's mapping wins over its kind's."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    kind = models.CharField(
        _("kind of pay component"),
        max_length=30,
        blank=True,
        choices=PayKind.choices,
        help_text=_("Every pay component of this kind, whatever its name (empty for a name's mapping)."),
    )
    component = models.CharField(
        _("pay component"),
        max_length=200,
        blank=True,
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
        ordering = ["organization", "accrual_code", "kind", "component"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "component"],
                condition=~models.Q(component=""),
                name="one_mapping_per_component",
            ),
            models.UniqueConstraint(
                fields=["organization", "kind"], condition=~models.Q(kind=""), name="one_mapping_per_kind"
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="") & ~models.Q(component=""))
                | (~models.Q(kind="") & models.Q(component="")),
                name="mapping_of_a_kind_or_a_name",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.component or self.kind} → {self.accrual_code}"
