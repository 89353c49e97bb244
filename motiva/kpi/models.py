from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motiva.core.models import Organization
from motiva.core.models import PeriodKind as Periodicity
from motiva.engine.scales import Direction as EngineDirection
from motiva.engine.scales import ScaleKind as EngineScaleKind
from motiva.org.models import Category, Employee, Position


class Direction(models.TextChoices):
    HIGHER = EngineDirection.HIGHER_IS_BETTER.value, _("higher is better")
    LOWER = EngineDirection.LOWER_IS_BETTER.value, _("lower is better (inverse indicator)")


class IndicatorKind(models.TextChoices):
    QUANTITATIVE = "quantitative", _("quantitative")
    DISCRETE = "discrete", _("discrete levels")
    BINARY = "binary", _("binary event")
    PENALTY = "penalty", _("penalty points")
    RATING = "rating", _("rating −2…+2")


class AccountingStandard(models.TextChoices):
    RAS = "ras", _("RAS (РСБУ)")
    IFRS = "ifrs", _("IFRS (МСФО)")
    MANAGEMENT = "management", _("management accounting")
    NONE = "none", _("not financial")


class Indicator(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("organization")
    )
    code = models.CharField(
        _("code"), max_length=40, help_text=_("Latin or Cyrillic letters, digits and “_”; used in formulas.")
    )
    name = models.CharField(_("name"), max_length=300)
    definition = models.TextField(
        _("definition"), blank=True, help_text=_("What is measured and how, in words.")
    )
    unit_of_measure = models.CharField(_("unit of measure"), max_length=40, blank=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    kind = models.CharField(
        _("kind"), max_length=15, choices=IndicatorKind.choices, default=IndicatorKind.QUANTITATIVE
    )
    formula = models.TextField(
        _("formula"),
        blank=True,
        help_text=_(
            "For a computed indicator: an expression over other indicators' codes, e.g. tonnes / headcount."
        ),
    )
    data_source = models.CharField(_("data source"), max_length=200, blank=True)
    accounting_standard = models.CharField(
        _("accounting standard"),
        max_length=12,
        choices=AccountingStandard.choices,
        default=AccountingStandard.NONE,
    )
    periodicity = models.CharField(
        _("periodicity"), max_length=10, choices=Periodicity.choices, default=Periodicity.MONTH
    )
    supplier_position = models.ForeignKey(
        Position,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who supplies the fact"),
    )
    confirmer_position = models.ForeignKey(
        Position,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who confirms the fact"),
    )
    monitoring_only = models.BooleanField(
        _("monitoring only"), default=False, help_text=_("Tracked, but not paid on.")
    )
    benchmark = models.DecimalField(_("benchmark"), max_digits=20, decimal_places=6, null=True, blank=True)
    benchmark_note = models.CharField(_("benchmark source"), max_length=200, blank=True)
    initiatives = models.TextField(_("initiatives when the target is missed"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["organization", "code"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="unique_indicator_code")]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def is_computed(self) -> bool:
        return bool(self.formula.strip())


class ScaleKind(models.TextChoices):
    RATIO = EngineScaleKind.RATIO.value, _("ratio: fact / plan")
    CORRIDOR = EngineScaleKind.CORRIDOR.value, _("corridor 75 % … 125 %")
    THRESHOLD_TARGET_MAX = EngineScaleKind.THRESHOLD_TARGET_MAX.value, _("threshold / target / maximum")
    STEP_TABLE = EngineScaleKind.STEP_TABLE.value, _("step table")
    DISCRETE_LEVELS = EngineScaleKind.DISCRETE_LEVELS.value, _("discrete levels")
    BINARY = EngineScaleKind.BINARY.value, _("binary event")
    PENALTY_POINTS = EngineScaleKind.PENALTY_POINTS.value, _("penalty points")
    RATING = EngineScaleKind.RATING.value, _("rating −2…+2")


class Scale(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="scales", verbose_name=_("organization")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=25, choices=ScaleKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("scale")
        verbose_name_plural = _("scales")
        ordering = ["organization", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="unique_scale_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_multiplier(self) -> bool:
        return self.kind == ScaleKind.DISCRETE_LEVELS and bool(self.params.get("as_multiplier"))


class SchemeKind(models.TextChoices):
    FIXED_VARIABLE = "fixed_variable", _("fixed + variable share by category")
    TARGET_BONUS = "target_bonus", _("target bonus by grade and block × result")
    THREE_LEVEL = "three_level", _("three-level bonus (company, unit, personal)")
    PLANNED_AMOUNT = "planned_amount", _("planned amount per KPI × fulfilment")
    KTU_POOL = "ktu_pool", _("KTU pool (labour participation coefficient)")
    COEFFICIENT_SUM = "coefficient_sum", _("coefficient sum")
    STEP_BONUS = "step_bonus", _("step bonus on plan attainment")
    ANNUAL_SALARY_PERCENT = "annual_salary_percent", _("share of annual salary at plan")


class PayScheme(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="schemes", verbose_name=_("organization")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=25, choices=SchemeKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("pay scheme")
        verbose_name_plural = _("pay schemes")
        ordering = ["organization", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="unique_scheme_name")]

    def __str__(self) -> str:
        return self.name


class Component(models.TextChoices):
    INDICATOR = "indicator", _("indicator")
    TASKS = "tasks", _("tasks")
    ASSESSMENT = "assessment", _("assessment")


class Level(models.TextChoices):
    COMPANY = "company", _("company")
    UNIT = "unit", _("unit")
    PERSONAL = "personal", _("personal")


class LineFields(models.Model):
    """What a card line holds, shared by template lines and employee card lines."""

    order = models.PositiveSmallIntegerField(_("order"), default=0)
    component = models.CharField(
        _("component"), max_length=12, choices=Component.choices, default=Component.INDICATOR
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("indicator"),
    )
    label = models.CharField(
        _("label"),
        max_length=300,
        blank=True,
        help_text=_("Shown instead of the indicator name; required for tasks and assessment."),
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.PERSONAL)
    weight = models.DecimalField(_("weight, %"), max_digits=6, decimal_places=2)
    scale = models.ForeignKey(
        Scale, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("scale")
    )
    threshold = models.DecimalField(_("threshold"), max_digits=20, decimal_places=6, null=True, blank=True)
    target = models.DecimalField(_("target (plan)"), max_digits=20, decimal_places=6, null=True, blank=True)
    maximum = models.DecimalField(_("maximum"), max_digits=20, decimal_places=6, null=True, blank=True)
    # A point as a percent of the plan (the target) instead of a number: threshold 80 % of a plan of 1000 is 800.
    threshold_percent = models.DecimalField(
        _("threshold, % of plan"), max_digits=9, decimal_places=4, null=True, blank=True
    )
    target_percent = models.DecimalField(
        _("target, % of plan"),
        max_digits=9,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("The goal as a percent of the plan entered as the target (105 → 105 % of the plan)."),
    )
    maximum_percent = models.DecimalField(
        _("maximum, % of plan"), max_digits=9, decimal_places=4, null=True, blank=True
    )
    # A gate on a key indicator: below its threshold the card's total is cut (to a value, or by a percent; to 0 by default).
    gate_threshold = models.DecimalField(
        _("gate threshold"),
        max_digits=20,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("Below this fact (by the indicator's direction) the card's total is cut."),
    )
    gate_threshold_percent = models.DecimalField(
        _("gate threshold, % of plan"), max_digits=9, decimal_places=4, null=True, blank=True
    )
    gate_cut_to = models.DecimalField(
        _("gate: total at most, %"), max_digits=9, decimal_places=4, null=True, blank=True
    )
    gate_cut_percent = models.DecimalField(
        _("gate: total × %"), max_digits=9, decimal_places=4, null=True, blank=True
    )
    planned_amount = models.DecimalField(
        _("planned amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For the planned-amount scheme: the money at 100 %."),
    )
    confirmer_position = models.ForeignKey(
        Position,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("fact confirmer"),
    )

    class Meta:
        abstract = True
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        if self.label:
            return self.label
        if self.indicator_id:
            return self.indicator.name
        return self.get_component_display()


class CardTemplate(models.Model):
    """A position's card. Versions never change once used: a revision is a new version from a date."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="card_templates", verbose_name=_("organization")
    )
    position = models.ForeignKey(
        Position, on_delete=models.PROTECT, related_name="card_templates", verbose_name=_("position")
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    scheme = models.ForeignKey(
        PayScheme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="templates",
        verbose_name=_("pay scheme"),
    )
    category_cap = models.CharField(
        _("category for the cap"), max_length=20, choices=Category.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("card template")
        verbose_name_plural = _("card templates")
        ordering = ["position", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["position", "version"], name="unique_template_version"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="template_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position.title}, v{self.version}"


class CardTemplateLine(LineFields):
    template = models.ForeignKey(
        CardTemplate, on_delete=models.CASCADE, related_name="lines", verbose_name=_("card template")
    )

    class Meta(LineFields.Meta):
        verbose_name = _("template line")
        verbose_name_plural = _("template lines")


class CardStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    APPROVED = "approved", _("targets approved")


class Card(models.Model):
    """An employee's card for one period: its own copy of the lines, so later template changes never
    rewrite a past period."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="cards", verbose_name=_("organization")
    )
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="cards", verbose_name=_("employee")
    )
    period = models.ForeignKey(
        "periods.Period", on_delete=models.PROTECT, related_name="cards", verbose_name=_("period")
    )
    template = models.ForeignKey(
        CardTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cards",
        verbose_name=_("from template"),
    )
    scheme = models.ForeignKey(
        PayScheme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cards",
        verbose_name=_("pay scheme"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CardStatus.choices, default=CardStatus.DRAFT
    )

    class Meta:
        verbose_name = _("KPI card")
        verbose_name_plural = _("KPI cards")
        ordering = ["period", "employee"]
        constraints = [models.UniqueConstraint(fields=["employee", "period"], name="unique_card_per_period")]

    def __str__(self) -> str:
        return f"{self.employee} — {self.period}"


class CardLine(LineFields):
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="lines", verbose_name=_("card"))

    class Meta(LineFields.Meta):
        verbose_name = _("card line")
        verbose_name_plural = _("card lines")


class ComponentScore(models.Model):
    """The score of a tasks or assessment line of one card (C7 feeds it; entered by the manager until then)."""

    card_line = models.OneToOneField(
        CardLine, on_delete=models.CASCADE, related_name="component_score", verbose_name=_("card line")
    )
    value = models.DecimalField(
        _("score"),
        max_digits=9,
        decimal_places=4,
        help_text=_("Percent for tasks; −2…+2 for an assessment on a rating scale."),
    )
    comment = models.TextField(_("comment"), blank=True)
    author = models.ForeignKey(
        "auth.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)

    class Meta:
        verbose_name = _("component score")
        verbose_name_plural = _("component scores")

    def __str__(self) -> str:
        return f"{self.card_line}: {self.value}"
