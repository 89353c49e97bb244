"""The organization tree, the indicator library with its scales, and the audit log."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from motiva.core import access
from motiva.core.errors import InvalidInput
from motiva.engine.scales import PlanValues
from motiva.kpi.models import Direction, Indicator, IndicatorKind, Periodicity, Scale
from motiva.kpi.services import indicator_create, indicator_update
from motiva.kpi.usage import scale_usage
from motiva.org.models import Position
from motiva.web.decorators import viewer_required
from motiva.web.paycfg import chart_points
from motiva.web.paycfg_forms import describe_scale
from motiva.web.search import contains


def _can_read_library(viewer: access.Viewer, organization_id: int) -> bool:
    return viewer.reads_company(organization_id) or access.can_configure(viewer, organization_id)


@viewer_required
def indicator_list(request: HttpRequest, org: int) -> HttpResponse:
    viewer = request.viewer
    organization = access.organization_or_404(viewer, org)
    if not _can_read_library(viewer, organization.pk):
        raise Http404
    indicators = (
        Indicator.objects.filter(organization=organization)
        .select_related("supplier_position", "confirmer_position")
        .order_by("code")
    )
    q = request.GET.get("q", "").strip()
    if q:
        indicators = indicators.filter(Q(code__icontains=q) | contains("name", q))
    for name, choices in (("kind", IndicatorKind), ("direction", Direction), ("periodicity", Periodicity)):
        value = request.GET.get(name, "")
        if value in choices.values:
            indicators = indicators.filter(**{name: value})
    paid = request.GET.get("paid", "")
    if paid in ("monitoring", "paid"):  # monitoring-only indicators are tracked, never paid on
        indicators = indicators.filter(monitoring_only=paid == "monitoring")
    active = request.GET.get("active", "1")
    if active == "1":
        indicators = indicators.filter(is_active=True)
    return render(
        request,
        "web/indicators.html",
        {
            "organization": organization,
            "indicators": indicators,
            "q": q,
            "filters": request.GET,
            "active": active,
            "paid": paid if paid in ("monitoring", "paid") else "",
            "kinds": IndicatorKind.choices,
            "directions": Direction.choices,
            "periodicities": Periodicity.choices,
            "can_edit": access.can_configure(viewer, organization.pk),
            "scales": Scale.objects.filter(organization=organization).order_by("name"),
            "scale_charts": [
                {"id": f"scale-{s.pk}", "name": s.name, **chart}
                for s in Scale.objects.filter(organization=organization).order_by("name")
                if (chart := chart_points(s.kind, s.params)) is not None
            ],
        },
    )


INDICATOR_FORM_FIELDS = (
    "code",
    "name",
    "definition",
    "unit_of_measure",
    "direction",
    "kind",
    "formula",
    "data_source",
    "periodicity",
    "supplier_position",
    "confirmer_position",
    "monitoring_only",
    "initiatives",
    "is_active",
)


@viewer_required
def indicator_edit(request: HttpRequest, org: int, pk: int | None = None) -> HttpResponse:
    viewer = request.viewer
    organization = access.organization_or_404(viewer, org)
    if not access.can_configure(viewer, organization.pk):
        raise Http404
    indicator = None
    if pk is not None:
        try:
            indicator = Indicator.objects.get(pk=pk, organization=organization)
        except Indicator.DoesNotExist:
            raise Http404 from None
    positions = Position.objects.filter(organization=organization).order_by("title")
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = (
        {f: getattr(indicator, f) for f in INDICATOR_FORM_FIELDS}
        if indicator
        else {
            "direction": Direction.HIGHER,
            "kind": IndicatorKind.QUANTITATIVE,
            "periodicity": Periodicity.MONTH,
            "is_active": True,
        }
    )
    if request.method == "POST":
        data = {
            f: request.POST.get(f, "").strip()
            for f in INDICATOR_FORM_FIELDS
            if f not in ("monitoring_only", "is_active")
        }
        data["monitoring_only"] = request.POST.get("monitoring_only") == "on"
        data["is_active"] = request.POST.get("is_active") == "on"
        for field in ("supplier_position", "confirmer_position"):
            raw = data.get(field) or ""
            data[field] = positions.filter(pk=raw).first() if re.fullmatch(r"[0-9]{1,18}", raw) else None
        try:
            if indicator is None:
                fields = {k: v for k, v in data.items() if k not in ("code", "name")}
                indicator = indicator_create(
                    actor=request.user,
                    organization=organization,
                    code=data["code"],
                    name=data["name"],
                    **fields,
                )
                messages.success(request, _("Indicator %(code)s created.") % {"code": indicator.code})
            else:
                indicator_update(
                    actor=request.user,
                    indicator=indicator,
                    reason=request.POST.get("reason", ""),
                    **{k: v for k, v in data.items() if k != "code" or v != indicator.code},
                )
                messages.success(request, _("Indicator %(code)s saved.") % {"code": indicator.code})
            return redirect("indicators", org=organization.pk)
        except InvalidInput as error:
            language = get_language() or "ru"
            for p in error.problems:
                errors.setdefault(p.field, []).append(p.render(language))
    return render(
        request,
        "web/indicator_form.html",
        {
            "organization": organization,
            "indicator": indicator,
            "data": data,
            "errors": errors,
            "positions": positions,
            "kinds": IndicatorKind.choices,
            "directions": Direction.choices,
            "periodicities": Periodicity.choices,
        },
        status=400 if errors else 200,
    )


SAMPLE_PLAN = PlanValues(Decimal(80), Decimal(100), Decimal(120))


@viewer_required
def scale_detail(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    viewer = request.viewer
    organization = access.organization_or_404(viewer, org)
    if not _can_read_library(viewer, organization.pk):
        raise Http404
    try:
        scale = Scale.objects.get(pk=pk, organization=organization)
    except Scale.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "web/scale.html",
        {
            "organization": organization,
            "scale": scale,
            "chart": chart_points(scale.kind, scale.params),
            "sample": SAMPLE_PLAN,
            "described": describe_scale(scale.kind, scale.params),
            "usage": scale_usage(scale),
            "can_edit": access.can_configure(viewer, organization.pk),
        },
    )
