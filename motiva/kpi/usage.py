"""Reads (selectors): where a scale or a pay scheme is used — card templates, the cards of each period,
and the open periods already calculated with it (a change there makes their results out of date)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet

from motiva.calc.models import CalculationRun, RunStatus
from motiva.kpi.models import CardLine, CardTemplate, CardTemplateLine, PayScheme, Scale
from motiva.periods.models import Period, PeriodStatus


@dataclass
class Usage:
    templates: list[dict[str, Any]] = field(default_factory=list)  # template, lines
    periods: list[dict[str, Any]] = field(default_factory=list)  # period, cards, calculated
    # Open periods with a finished run whose cards use it: editing it makes those results out of date.
    calculated_open: list[Period] = field(default_factory=list)

    @property
    def used(self) -> bool:
        return bool(self.templates or self.periods)


def _calculated(periods: QuerySet[Period]) -> QuerySet[Period]:
    return periods.annotate(
        calculated=Exists(CalculationRun.objects.filter(period=OuterRef("pk"), status=RunStatus.DONE))
    )


def scale_usage(scale: Scale) -> Usage:
    """Template lines (by template) and card lines (by period) that use the scale."""
    templates = (
        CardTemplateLine.objects.filter(scale=scale)
        .values("template")
        .annotate(lines=Count("id"))
        .order_by("template")
    )
    by_template = {row["template"]: row["lines"] for row in templates}
    template_rows = [
        {"template": t, "lines": by_template[t.pk]}
        for t in CardTemplate.objects.filter(pk__in=by_template)
        .select_related("position")
        .order_by("position__title", "-version")
    ]
    cards = dict(
        CardLine.objects.filter(scale=scale)
        .values("card__period")
        .annotate(cards=Count("card", distinct=True))
        .values_list("card__period", "cards")
    )
    periods = list(_calculated(Period.objects.filter(pk__in=cards)).order_by("-start"))
    return Usage(
        template_rows,
        [{"period": p, "cards": cards[p.pk], "calculated": p.calculated} for p in periods],
        [p for p in periods if p.calculated and p.status != PeriodStatus.CLOSED],
    )


def scheme_usage(scheme: PayScheme) -> Usage:
    """Templates that pay by the scheme, and the cards of each period that carry it."""
    template_rows = [
        {"template": t, "lines": None}
        for t in CardTemplate.objects.filter(scheme=scheme)
        .select_related("position")
        .order_by("position__title", "-version")
    ]
    cards = dict(scheme.cards.values("period").annotate(cards=Count("id")).values_list("period", "cards"))
    periods = list(_calculated(Period.objects.filter(pk__in=cards)).order_by("-start"))
    return Usage(
        template_rows,
        [{"period": p, "cards": cards[p.pk], "calculated": p.calculated} for p in periods],
        [p for p in periods if p.calculated and p.status != PeriodStatus.CLOSED],
    )


def usage_counts(model: type[Scale] | type[PayScheme], organization_id: int) -> dict[int, dict[str, int]]:
    """For a list page: object id → {templates, cards} in two queries."""
    counts: dict[int, dict[str, int]] = {}
    if model is Scale:
        template_rows = (
            CardTemplateLine.objects.filter(scale__organization_id=organization_id)
            .values("scale")
            .annotate(n=Count("template", distinct=True))
            .values_list("scale", "n")
        )
        card_rows = (
            CardLine.objects.filter(scale__organization_id=organization_id)
            .values("scale")
            .annotate(n=Count("card", distinct=True))
            .values_list("scale", "n")
        )
    else:
        template_rows = (
            CardTemplate.objects.filter(organization_id=organization_id, scheme__isnull=False)
            .values("scheme")
            .annotate(n=Count("id"))
            .values_list("scheme", "n")
        )
        card_rows = (
            PayScheme.objects.filter(organization_id=organization_id)
            .annotate(n=Count("cards"))
            .values_list("pk", "n")
        )
    for pk, n in template_rows:
        counts.setdefault(pk, {"templates": 0, "cards": 0})["templates"] = n
    for pk, n in card_rows:
        counts.setdefault(pk, {"templates": 0, "cards": 0})["cards"] = n
    return counts
