"""Pay configuration: the scale editor and the pay-scheme editor (parameters as form fields, never JSON),
the fact → score chart from the engine, and the preview of a scheme on one person and period."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from motiva.calc.preview import preview_pay
from motiva.calc.selectors import explain_outcome
from motiva.core import access
from motiva.core.errors import InvalidInput
from motiva.core.models import Organization
from motiva.engine.scales import PlanValues, compute_score, parse_scale_params
from motiva.engine.schemes import scheme_problems
from motiva.engine.types import LEVELS
from motiva.kpi.models import Card, PayScheme, Scale, ScaleKind, SchemeKind
from motiva.kpi.services import scale_create, scale_update, scheme_create, scheme_update
from motiva.kpi.usage import scale_usage, scheme_usage, usage_counts
from motiva.periods.models import Period, PeriodStatus
from motiva.web import paycfg_forms as pf
from motiva.web.decorators import viewer_required
from motiva.web.search import contains
from motiva.web.versions import FIELD_NAME as VERSION_FIELD
from motiva.web.versions import changed_by, version_of

SAMPLE_PLAN = PlanValues(Decimal(80), Decimal(100), Decimal(120))


def _configurable(request: HttpRequest, org: int) -> Organization:
    organization = access.organization_or_404(request.viewer, org)  # type: ignore[attr-defined]
    if not access.can_configure(request.viewer, organization.pk):  # type: ignore[attr-defined]
        raise Http404
    return organization


def _kind(value: Any, choices: Any, default: str) -> str:
    return value if isinstance(value, str) and value in choices.values else default


def _language() -> str:
    return get_language() or "ru"


# --------------------------------------------------------------------------------------------------
# The chart: points computed by the engine


def _number_text(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")).normalize(), "f") if value.is_finite() else "0"


def chart_points(kind: str, params: Any) -> dict[str, Any] | None:
    """What the chart draws for a scale, computed by the engine (the numbers are text: chart use only).
    Ratio, corridor, threshold and step scales over a fact of 0…160 against a sample plan of 80 / 100 / 120;
    penalty points over 0…15 violations; levels, events and ratings as bars."""
    parsed, problems = parse_scale_params(kind, params)
    if parsed is None or any(p.is_error for p in problems):
        return None

    def score(fact: Decimal, level: str = "") -> Decimal | None:
        outcome = compute_score(kind, parsed, "higher", fact, SAMPLE_PLAN, level)
        return outcome.score if outcome.score is not None else outcome.multiplier

    if kind in (ScaleKind.DISCRETE_LEVELS, ScaleKind.BINARY, ScaleKind.RATING):
        if kind == ScaleKind.DISCRETE_LEVELS:
            bars = [(level.label or level.code, score(Decimal(0), level.code)) for level in parsed.levels]
            y = _("multiplier") if getattr(parsed, "as_multiplier", False) else _("score, %")
        elif kind == ScaleKind.BINARY:
            bars = [(_("did not happen"), score(Decimal(0))), (_("happened"), score(Decimal(1)))]
            y = _("score, %")
        else:
            bars = [(f"{r:+d}" if r else "0", score(Decimal(r))) for r in (-2, -1, 0, 1, 2)]
            y = _("score, %")
        return {
            "type": "bar",
            "categories": [label for label, _v in bars],
            "values": [_number_text(v) if v is not None else None for _l, v in bars],
            "y": y,
        }
    if kind == ScaleKind.PENALTY_POINTS:
        facts = [Decimal(n) for n in range(0, 16)]
        x = _("violations")
    else:
        facts = [Decimal(n) for n in range(0, 161, 2)]
        x = _("fact, % of plan")
    points = [[_number_text(f), _number_text(v)] for f in facts if (v := score(f)) is not None]
    return {
        "type": "line",
        "points": points,
        "x": x,
        "y": _("score, %"),
        "xmin": _number_text(facts[0]),
        "xmax": _number_text(facts[-1]),
        "step": kind in (ScaleKind.STEP_TABLE, ScaleKind.THRESHOLD_TARGET_MAX, ScaleKind.PENALTY_POINTS)
        and not getattr(parsed, "interpolate", False),
    }


# --------------------------------------------------------------------------------------------------
# Scales


class KindForm(forms.Form):
    kind = forms.ChoiceField(choices=ScaleKind.choices)


def _scale_bound(kind: str, data: Any | None, initial: dict[str, Any], rows: dict[str, list[dict[str, Any]]]):
    form = (
        pf.scale_form_class(kind)(data, initial=initial)
        if data is not None
        else pf.scale_form_class(kind)(initial=initial)
    )
    tables = {prefix: t.bind(data, rows.get(prefix)) for prefix, t in pf.scale_tables(kind).items()}
    return form, tables


def _field_errors(form: forms.Form, tables: dict[str, pf.Table]) -> dict[str, list[str]]:
    """Errors by the HTML name of their input (for the page's live validation)."""
    errors: dict[str, list[str]] = {}
    for name, items in form.errors.items():
        errors[form.add_prefix(name) if name != "__all__" else "__all__"] = list(items)
    for prefix, table in tables.items():
        if table.errors:
            errors[prefix] = list(table.errors)
        for row_form in table.formset.forms:
            for name, items in row_form.errors.items():
                key = row_form.add_prefix(name) if name != "__all__" else row_form.prefix
                errors[key] = list(items)
    return errors


def _summary(form: forms.Form, tables: dict[str, pf.Table], general: list[str]) -> list[str]:
    """Every refusal of the page in one list, each naming its field (and its table and row)."""
    found = list(general)
    for name, items in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        found += [f"{label}: {item}" if label else str(item) for item in items]
    for table in tables.values():
        found += [f"{table.label}: {item}" for item in table.errors]
        columns = {c.name: c.label for c in table.columns}
        for index, row_form in enumerate(table.formset.forms):
            for name, items in row_form.errors.items():
                where = _("%(table)s, row %(row)s") % {"table": table.label, "row": index + 1}
                if name in columns:
                    where = f"{where}, {columns[name]}"
                found += [f"{where}: {item}" for item in items]
    return found


def _scale_check(kind: str, data: Any, scale: Scale | None, organization: Organization):
    """Bind the posted form, build the parameters and validate them with the engine (nothing saved)."""
    form, tables = _scale_bound(kind, data, {}, {})
    placed = pf.Placed(form, tables)
    params = pf.scale_params(kind, form, tables)
    if params is not None:
        _parsed, problems = parse_scale_params(kind, params)
        pf.place_scale_problems(placed, [p for p in problems if p.is_error], _language())
    return form, tables, placed, params


def config_version(item: Scale | PayScheme | None) -> str:
    """The version of a scale or a scheme as its editor shows it: everything the editor writes."""
    if item is None:
        return version_of(None)
    return version_of(
        item.pk, item.name, item.kind, json.dumps(item.params, sort_keys=True), item.description
    )


class StalePage(Exception):
    """The scale or the scheme changed since its editor was shown (raised inside the transaction)."""


def _locked_current(item: Scale | PayScheme, seen: str | None) -> None:
    """Lock the row; refuse (StalePage) when it is no longer the version the page showed."""
    fresh = type(item).objects.select_for_update().get(pk=item.pk)
    if seen is not None and config_version(fresh) != seen:
        raise StalePage


def _stale_message(item: Scale | PayScheme) -> str:
    """The refusal of a save over a newer scale or scheme, with what it holds now and who changed it."""
    from motiva.core.models import AuditEvent

    item.refresh_from_db()
    last = (
        AuditEvent.objects.filter(entity_type=item._meta.label, entity_id=str(item.pk))
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    params = "; ".join(
        f"{key}: {json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value}"
        for key, value in sorted(item.params.items())
    )
    return _(
        "“%(name)s” was %(changed)s after you opened the page. Nothing was saved. Now it is: "
        "%(kind)s; %(params)s. Your values are kept below; save again to replace it with them."
    ) % {
        "name": item.name,
        "changed": changed_by(last.actor if last else None, last.at if last else None),
        "kind": item.get_kind_display(),
        "params": params or "—",
    }


@viewer_required
def scale_list(request: HttpRequest, org: int) -> HttpResponse:
    organization = _configurable(request, org)
    scales = list(Scale.objects.filter(organization=organization).order_by("name"))
    kind = request.GET.get("kind", "")
    if kind in ScaleKind.values:
        scales = [s for s in scales if s.kind == kind]
    q = request.GET.get("q", "").strip()[:100]
    if q:
        scales = [s for s in scales if q.casefold() in s.name.casefold()]
    counts = usage_counts(Scale, organization.pk)
    rows = [{"scale": s, **counts.get(s.pk, {"templates": 0, "cards": 0})} for s in scales]
    charts = [
        {"id": f"scale-{row['scale'].pk}", **chart}
        for row in rows
        if (chart := chart_points(row["scale"].kind, row["scale"].params)) is not None
    ]
    return render(
        request,
        "web/paycfg/scales.html",
        {
            "organization": organization,
            "rows": rows,
            "kinds": ScaleKind.choices,
            "kind": kind if kind in ScaleKind.values else "",
            "q": q,
            "charts": charts,
        },
    )


@viewer_required
def scale_edit(request: HttpRequest, org: int, pk: int | None = None) -> HttpResponse:
    organization = _configurable(request, org)
    scale = None
    if pk is not None:
        scale = Scale.objects.filter(pk=pk, organization=organization).first()
        if scale is None:
            raise Http404
    default_kind = scale.kind if scale else ScaleKind.RATIO
    usage = scale_usage(scale) if scale else None
    stale = ""
    if request.method == "POST":
        kind_form = KindForm(request.POST)
        kind = kind_form.cleaned_data["kind"] if kind_form.is_valid() else default_kind
        form, tables, placed, params = _scale_check(kind, request.POST, scale, organization)
        if params is not None and not _has_errors(placed, tables):
            try:
                with transaction.atomic():
                    if scale is not None:
                        _locked_current(scale, request.POST.get(VERSION_FIELD))
                        scale_update(
                            actor=request.user,
                            scale=scale,
                            reason=form.cleaned_data.get("reason", ""),
                            name=form.cleaned_data["name"].strip(),
                            kind=kind,
                            params=params,
                            description=form.cleaned_data.get("description", ""),
                        )
                        messages.success(request, _("Scale “%(name)s” saved.") % {"name": scale.name})
                    else:
                        scale = scale_create(
                            actor=request.user,
                            organization=organization,
                            name=form.cleaned_data["name"],
                            kind=kind,
                            params=params,
                            description=form.cleaned_data.get("description", ""),
                        )
                        messages.success(request, _("Scale “%(name)s” created.") % {"name": scale.name})
                return redirect("scale", org=organization.pk, pk=scale.pk)
            except StalePage:
                stale = _stale_message(scale)
            except InvalidInput as error:
                pf.place_scale_problems(placed, error.problems, _language())
        status = 409 if stale else 400
    else:
        kind = _kind(request.GET.get("kind"), ScaleKind, default_kind)
        same = scale is not None and kind == scale.kind
        initial, rows = pf.scale_initial(kind, scale.params if same else {})
        if scale is not None:
            initial.update(name=scale.name, description=scale.description)
        form, tables = _scale_bound(kind, None, initial, rows)
        placed = pf.Placed(form, tables)
        status = 200
    chart = None
    if request.method != "POST" or status == 200:
        chart = chart_points(kind, scale.params if scale and kind == scale.kind else {})
    return render(
        request,
        "web/paycfg/scale_form.html",
        {
            "organization": organization,
            "scale": scale,
            "kind": kind,
            "kind_label": ScaleKind(kind).label,
            "kinds": ScaleKind.choices,
            "form": form,
            "tables": tables,
            "general": _summary(form, tables, placed.general) if status == 400 else [],
            "stale": stale,
            "version_field": VERSION_FIELD,
            # A refused page keeps the version the user saw, except after a conflict (then saving again
            # replaces the current scale).
            "page_version": request.POST.get(VERSION_FIELD, "") if status == 400 else config_version(scale),
            "usage": usage,
            "chart": chart,
            "sample": SAMPLE_PLAN,
        },
        status=status,
    )


@require_POST
@viewer_required
def scale_chart(request: HttpRequest, org: int) -> JsonResponse:
    """The chart and the field errors for the parameters being typed (nothing is saved)."""
    organization = _configurable(request, org)
    kind_form = KindForm(request.POST)
    if not kind_form.is_valid():
        return JsonResponse({"chart": None, "errors": {"kind": [_("Choose the kind of scale.")]}}, status=400)
    kind = kind_form.cleaned_data["kind"]
    data = request.POST.copy()
    if not str(data.get("name", "")).strip():
        data["name"] = "—"  # the name is checked on saving, not while the parameters are typed
    form, tables, placed, params = _scale_check(kind, data, None, organization)
    errors = _field_errors(form, tables)
    if placed.general:
        errors["__all__"] = errors.get("__all__", []) + placed.general
    chart = chart_points(kind, params) if params is not None and not errors else None
    return JsonResponse({"chart": chart, "errors": errors})


# --------------------------------------------------------------------------------------------------
# Pay schemes


class SchemeKindForm(forms.Form):
    kind = forms.ChoiceField(choices=SchemeKind.choices)


class PreviewForm(forms.Form):
    period = forms.ModelChoiceField(label=gettext_lazy("Period"), queryset=Period.objects.none())
    personnel_number = forms.CharField(label=gettext_lazy("Personnel number"), max_length=40)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        periods = Period.objects.filter(organization=organization).order_by("-start")
        self.fields["period"].queryset = periods
        # The period being worked on: the latest open one that holds cards, else the latest with cards.
        with_cards = periods.filter(cards__isnull=False).distinct()
        current = (
            with_cards.exclude(status=PeriodStatus.CLOSED).filter(start__lte=timezone.localdate()).first()
        )
        self.fields["period"].initial = current or with_cards.first()


def _scheme_bound(
    kind: str, data: Any | None, initial: dict[str, Any], rows: dict[str, list[dict[str, Any]]]
):
    form_class = pf.scheme_form_class(kind)
    form = form_class(data) if data is not None else form_class(initial=initial)
    tables = {prefix: t.bind(data, rows.get(prefix)) for prefix, t in pf.scheme_tables(kind).items()}
    return form, tables


def _scheme_check(kind: str, data: Any):
    form, tables = _scheme_bound(kind, data, {}, {})
    placed = pf.Placed(form, tables)
    params = pf.scheme_params(kind, form, tables)
    if params is not None:
        pf.place_scheme_problems(placed, scheme_problems(kind, params), _language())
    return form, tables, placed, params


def _has_errors(placed: pf.Placed, tables: dict[str, pf.Table]) -> bool:
    return bool(
        placed.form.errors
        or placed.general
        or any(t.errors or any(f.errors for f in t.formset.forms) for t in tables.values())
    )


def _filled(field: Any) -> bool:
    value = field.value()
    return bool(field.errors) or value not in (None, "", False, [])


SECTIONS: tuple[tuple[Any, tuple[str, ...], tuple[str, ...], bool], ...] = (
    # title, fields, tables, with the caps by category
    (gettext_lazy("Time worked (proration)"), ("proration", "day_basis", "proration_span"), (), False),
    (gettext_lazy("Threshold and caps on the result"), ("min_result", "no_threshold"), (), True),
    (
        gettext_lazy("Allowances, piece work and fines"),
        ("certification_percent", "specialization_percent", "specialization_max", "fines_indicator"),
        ("seniority_bands", "piece_rates"),
        False,
    ),
    (gettext_lazy("Ranking"), ("rank_indicator", "rank_direction"), (), False),
    (
        gettext_lazy("Scale and formula on the card's total"),
        ("total_scale_kind", "total_below_score", "total_formula"),
        ("total_steps", "total_points"),
        False,
    ),
)
# Fields shown only for some value of a choice (the page hides the others; what they hold is still posted).
DEPENDS = {
    "basis": {
        "salary_percent": ["percent", "percent_by_grade"],
        "salaries": ["salaries"],
        "fixed": ["amount"],
    },
    "bonus_base": {"salary": [], "amount": ["amount"]},
    "total_scale_kind": {
        "": [],
        "step_table": ["total_steps", "total_below_score"],
        "curve": ["total_points"],
    },
}
OWN_TABLES = {
    "target_bonus": ("percent_by_grade",),
    "three_level": ("target_bonus_percent", "level_shares"),
    "coefficient_sum": ("coefficients", "leadership"),
}


def _scheme_layout(kind: str, form: forms.Form, tables: dict[str, pf.Table]) -> dict[str, Any]:
    """The form's fields grouped as the page shows them; a section opens when it holds a value or an error."""
    fields = {name: form[name] for name in form.fields}
    sections = []
    for title, names, prefixes, caps in SECTIONS:
        section_fields = [fields[n] for n in names]
        has_caps = caps and kind != "fixed_variable"
        open_ = (
            any(_filled(f) for f in section_fields)
            or any(tables[p].formset.forms or tables[p].errors for p in prefixes)
            or (has_caps and any(_filled(fields[f"caps__{c}"]) for c, _l in pf.CATEGORY_ROWS))
        )
        sections.append(
            {"title": title, "fields": section_fields, "tables": prefixes, "caps": has_caps, "open": open_}
        )
    return {
        "depends_json": json.dumps({key: rule for key, rule in DEPENDS.items() if key in form.fields}),
        "f": fields,
        "own_fields": [fields[key] for key, _make in pf.SCHEME_FIELDS.get(kind, ())],
        "own_tables": OWN_TABLES.get(kind, ()),
        "sections": sections,
        "category_rows": [
            {
                "label": label,
                "share": fields.get(f"variable_share__{code}"),
                "cap": fields[f"caps__{code}"],
            }
            for code, label in pf.CATEGORY_ROWS
        ],
        "period_rows": [
            {
                "label": pf.LEVEL_NAMES[level],
                "cells": [fields[f"level_periods__{level}__{b}"] for b, _l in pf.BLOCK_CHOICES],
            }
            for level in LEVELS
            if kind == "three_level"
        ],
    }


@viewer_required
def scheme_list(request: HttpRequest, org: int) -> HttpResponse:
    organization = _configurable(request, org)
    schemes = PayScheme.objects.filter(organization=organization).order_by("name")
    kind = request.GET.get("kind", "")
    if kind in SchemeKind.values:
        schemes = schemes.filter(kind=kind)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        schemes = schemes.filter(contains("name", q))
    counts = usage_counts(PayScheme, organization.pk)
    rows = [{"scheme": s, **counts.get(s.pk, {"templates": 0, "cards": 0})} for s in schemes]
    return render(
        request,
        "web/paycfg/schemes.html",
        {
            "organization": organization,
            "rows": rows,
            "kinds": SchemeKind.choices,
            "kind": kind if kind in SchemeKind.values else "",
            "q": q,
        },
    )


def _preview_context(organization: Organization, viewer: access.Viewer, data: Any | None = None):
    may = viewer.reads_all_pay(organization.pk)
    form = (
        PreviewForm(data, organization=organization)
        if data is not None
        else PreviewForm(organization=organization)
    )
    people = (
        Card.objects.filter(organization=organization)
        .order_by("employee__personnel_number")
        .values_list("employee__personnel_number", "employee__last_name", "employee__first_name")
        .distinct()[:500]
        if may
        else []
    )
    return {"may_preview": may, "preview_form": form, "preview_people": people}


@viewer_required
def scheme_edit(request: HttpRequest, org: int, pk: int | None = None) -> HttpResponse:
    organization = _configurable(request, org)
    scheme = None
    if pk is not None:
        scheme = PayScheme.objects.filter(pk=pk, organization=organization).first()
        if scheme is None:
            raise Http404
    default_kind = scheme.kind if scheme else SchemeKind.TARGET_BONUS
    stale = ""
    if request.method == "POST":
        kind_form = SchemeKindForm(request.POST)
        kind = kind_form.cleaned_data["kind"] if kind_form.is_valid() else default_kind
        form, tables, placed, params = _scheme_check(kind, request.POST)
        if params is not None and not _has_errors(placed, tables):
            try:
                with transaction.atomic():
                    if scheme is not None:
                        _locked_current(scheme, request.POST.get(VERSION_FIELD))
                        scheme_update(
                            actor=request.user,
                            scheme=scheme,
                            reason=form.cleaned_data.get("reason", ""),
                            name=form.cleaned_data["name"],
                            kind=kind,
                            params=params,
                            description=form.cleaned_data.get("description", ""),
                        )
                        messages.success(request, _("Pay scheme “%(name)s” saved.") % {"name": scheme.name})
                    else:
                        scheme = scheme_create(
                            actor=request.user,
                            organization=organization,
                            name=form.cleaned_data["name"],
                            kind=kind,
                            params=params,
                            description=form.cleaned_data.get("description", ""),
                        )
                        messages.success(request, _("Pay scheme “%(name)s” created.") % {"name": scheme.name})
                return redirect("paycfg_scheme_edit", org=organization.pk, pk=scheme.pk)
            except StalePage:
                stale = _stale_message(scheme)
            except InvalidInput as error:
                pf.place_scheme_problems(placed, error.problems, _language())
        status = 409 if stale else 400
    else:
        kind = _kind(request.GET.get("kind"), SchemeKind, default_kind)
        same = scheme is not None and kind == scheme.kind
        initial, rows = pf.scheme_initial(kind, scheme.params if same else pf.SCHEME_DEFAULTS.get(kind, {}))
        if scheme is not None:
            initial.update(name=scheme.name, description=scheme.description)
        form, tables = _scheme_bound(kind, None, initial, rows)
        placed = pf.Placed(form, tables)
        status = 200
    return render(
        request,
        "web/paycfg/scheme_form.html",
        {
            "organization": organization,
            "scheme": scheme,
            "kind": kind,
            "kind_label": SchemeKind(kind).label,
            "kinds": SchemeKind.choices,
            "form": form,
            "tables": tables,
            "general": _summary(form, tables, placed.general) if status == 400 else [],
            "stale": stale,
            "version_field": VERSION_FIELD,
            "page_version": request.POST.get(VERSION_FIELD, "") if status == 400 else config_version(scheme),
            "usage": scheme_usage(scheme) if scheme else None,
            "blocks": pf.BLOCK_CHOICES,
            "has_errors": _has_errors(placed, tables),
            **_scheme_layout(kind, form, tables),
            **_preview_context(organization, request.viewer),  # type: ignore[attr-defined]
        },
        status=status,
    )


@require_POST
@viewer_required
def scheme_preview(request: HttpRequest, org: int) -> HttpResponse:
    """The pay of one person in one period under the scheme as typed (unsaved): engine, trace, nothing written."""
    organization = _configurable(request, org)
    viewer = request.viewer  # type: ignore[attr-defined]
    if not viewer.reads_all_pay(organization.pk):
        raise Http404  # a person's pay: only for those who may see pay (not the administrator)
    context: dict[str, Any] = {"organization": organization}
    kind_form = SchemeKindForm(request.POST)
    if not kind_form.is_valid():
        context["errors"] = [_("Choose the kind of scheme.")]
        return render(request, "web/paycfg/_preview.html", context, status=400)
    kind = kind_form.cleaned_data["kind"]
    form, tables, placed, params = _scheme_check(kind, request.POST)
    preview = PreviewForm(request.POST, organization=organization)
    errors: list[str] = []
    if params is None or _has_errors(placed, tables):
        errors.append(_("The scheme's settings have errors: correct the fields marked in the form."))
        errors += placed.general
    if not preview.is_valid():
        for name, items in preview.errors.items():
            label = preview.fields[name].label if name in preview.fields else ""
            errors += [f"{label}: {item}" for item in items]
    card = None
    if preview.is_valid():
        card = (
            Card.objects.filter(
                organization=organization,
                period=preview.cleaned_data["period"],
                employee__personnel_number=preview.cleaned_data["personnel_number"].strip(),
            )
            .select_related("employee", "period", "period__organization")
            .first()
        )
        if card is None or not access.can_see_pay(viewer, card.employee):
            number = preview.cleaned_data["personnel_number"].strip()
            has = list(
                Period.objects.filter(
                    cards__organization=organization, cards__employee__personnel_number=number
                )
                .order_by("-start")
                .values_list("name", flat=True)[:6]
            )
            errors.append(
                _("Personnel number: nobody with this number has a card in the period %(period)s.")
                % {"period": preview.cleaned_data["period"]}
                + (" " + _("Their cards: %(periods)s.") % {"periods": ", ".join(has)} if has else "")
            )
            card = None
    if errors:
        context["errors"] = errors
        return render(request, "web/paycfg/_preview.html", context, status=400)
    assert card is not None and params is not None
    outcome = preview_pay(card, kind, params, form.cleaned_data.get("name", ""))
    context.update(
        card=card,
        employee=card.employee,
        period=card.period,
        explained=explain_outcome(outcome, _language()) if outcome else None,
    )
    return render(request, "web/paycfg/_preview.html", context)
