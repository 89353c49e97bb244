"""The payroll hand-off pages: «Передача в зарплату» of a run (totals and the files for 1C:ZUP) and
«Виды начислений 1С:ЗУП» (the mapping of pay components, edited by finance). docs/payroll.md."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from motiva.calc.models import CalculationRun
from motiva.core import access
from motiva.core.errors import InvalidInput
from motiva.core.files import DiskFull
from motiva.exports import tabular
from motiva.payroll import selectors
from motiva.payroll.models import CostCentreSource, PayKind
from motiva.payroll.services import (
    NotApproved,
    Totals,
    ensure_approved,
    export_bytes,
    mapping_delete,
    mapping_save,
    payroll_rows,
)
from motiva.web.decorators import viewer_required

ZIP_TYPE = "application/zip"


def _english() -> bool:
    return (get_language() or "ru").startswith("en")


def _organization(request: HttpRequest, org: int) -> Any:
    organization = access.organization_or_404(request.viewer, org)  # type: ignore[attr-defined]
    if not selectors.can_read(request.viewer, organization.pk):  # type: ignore[attr-defined]
        raise Http404
    return organization


def _run(request: HttpRequest, org: int, pk: int) -> CalculationRun:
    organization = _organization(request, org)
    try:
        return (
            access.runs(request.viewer, organization)  # type: ignore[attr-defined]
            .select_related("period", "period__organization")
            .get(pk=pk)
        )
    except CalculationRun.DoesNotExist:
        raise Http404 from None


def _refusal(error: NotApproved) -> str:
    return error.en if _english() else error.ru


@viewer_required
def payroll_run(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    run = _run(request, org, pk)
    organization = run.period.organization
    notice = ""
    totals = Totals()
    try:
        ensure_approved(run)
    except NotApproved as error:
        notice = _refusal(error)
    else:
        for _row in payroll_rows(run, totals=totals):
            pass
    kind_labels = dict(PayKind.choices)
    return render(
        request,
        "web/payroll/run.html",
        {
            "organization": organization,
            "run": run,
            "period": run.period,
            "notice": notice,
            "totals": totals,
            "by_accrual": [
                (code, name, amount) for (code, name), amount in sorted(totals.by_accrual.items())
            ],
            "unmapped": [
                (name, str(kind_labels.get(totals.unmapped_kinds.get(name, ""), "")), amount)
                for name, amount in sorted(totals.unmapped.items())
            ],
            "difference": totals.run_total - totals.mapped,
            "may_map": selectors.can_edit_mappings(request.viewer, organization.pk),  # type: ignore[attr-defined]
            "downloads": [
                ("generic", "csv", _("Payroll file, CSV")),
                ("generic", "xlsx", _("Payroll file, XLSX")),
                ("zup", "csv", _("1C:ZUP «Bonus» documents, ZIP of CSV files")),
                ("indicators", "csv", _("Indicator values, CSV")),
                ("indicators", "xlsx", _("Indicator values, XLSX")),
            ],
        },
    )


class DownloadForm(forms.Form):
    layout = forms.ChoiceField(
        choices=[("generic", "generic"), ("zup", "zup"), ("indicators", "indicators")],
        error_messages={
            "required": gettext_lazy("Unknown layout: choose generic, zup or indicators."),
            "invalid_choice": gettext_lazy("Unknown layout: choose generic, zup or indicators."),
        },
    )
    format = forms.ChoiceField(
        choices=[(f, f) for f in ("csv", "xlsx")],
        error_messages={
            "required": gettext_lazy("Unknown format: choose csv or xlsx."),
            "invalid_choice": gettext_lazy("Unknown format: choose csv or xlsx."),
        },
    )

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.unknown = sorted(set(data) - set(self.fields))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for key in self.unknown:
            self.add_error(None, _("Unknown parameter “%(name)s”.") % {"name": key})
        if cleaned.get("layout") == "zup" and cleaned.get("format") == "xlsx":
            self.add_error("format", _("The 1C:ZUP layout is a ZIP of CSV files: choose csv."))
        return cleaned


def _plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")


@viewer_required
def payroll_download(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    run = _run(request, org, pk)
    if tabular.is_cross_site(request):
        return tabular.refused_response()
    form = DownloadForm(request.GET)
    if not form.is_valid():
        lines = [
            f"{field}: {message}" if field != "__all__" else str(message)
            for field, errors in form.errors.items()
            for message in errors
        ]
        return _plain("\n".join(lines), 400)
    layout, fmt = form.cleaned_data["layout"], form.cleaned_data["format"]
    try:
        ensure_approved(run)
    except NotApproved as error:
        return _plain(_refusal(error), 409)
    extension = "zip" if layout == "zup" else fmt
    filename = f"motiva-payroll-{run.pk}-{layout}.{extension}"
    try:
        content = export_bytes(run, layout, fmt)
    except DiskFull:
        messages.error(
            request,
            _(
                "The file %(name)s could not be written: the server's disk is full. Nothing was saved;"
                " tell the administrator and try again later."
            )
            % {"name": filename},
        )
        response = redirect("payroll_run", org=org, pk=pk)
        response["Retry-After"] = "60"
        return response
    response = HttpResponse(content, content_type=ZIP_TYPE if layout == "zup" else tabular.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = tabular.content_disposition(filename)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class MappingForm(forms.Form):
    """One mapping: of a kind of pay component (`kind`) or of one component by name (`component`)."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of pay component"),
        choices=[("", "—"), *PayKind.choices],
        required=False,
        widget=forms.HiddenInput(),
    )
    component = forms.CharField(label=gettext_lazy("Pay component"), max_length=200, required=False)
    accrual_code = forms.CharField(
        label=gettext_lazy("Accrual type code"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("The accrual type's code in 1C:ZUP, e.g. «ПМ»."),
    )
    accrual_name = forms.CharField(
        label=gettext_lazy("Accrual type"),
        max_length=150,
        required=False,
        help_text=gettext_lazy("The accrual type's name exactly as in 1C:ZUP, e.g. «Премия ежемесячная»."),
    )
    cost_centre_source = forms.ChoiceField(
        label=gettext_lazy("Cost centre"),
        choices=CostCentreSource.choices,
        initial=CostCentreSource.UNIT_CODE,
    )
    cost_centre_value = forms.CharField(
        label=gettext_lazy("Fixed cost centre"),
        max_length=50,
        required=False,
        help_text=gettext_lazy("Used when the cost centre is fixed."),
    )


def _initial(mapping: Any, **key: str) -> dict[str, Any]:
    if mapping is None:
        return key
    return {
        **key,
        "accrual_code": mapping.accrual_code,
        "accrual_name": mapping.accrual_name,
        "cost_centre_source": mapping.cost_centre_source,
        "cost_centre_value": mapping.cost_centre_value,
    }


def _row_form(bound: MappingForm | None, matches: bool, initial: dict[str, Any], place: str) -> MappingForm:
    form = bound if bound is not None and matches else MappingForm(initial=initial)
    form.fields["component"].widget = forms.HiddenInput()
    form.auto_id = f"id_{place}_%s"  # one page holds a form per kind and per name: ids stay unique
    return form


@viewer_required
def payroll_mappings(request: HttpRequest, org: int) -> HttpResponse:
    organization = _organization(request, org)
    may_edit = selectors.can_edit_mappings(request.viewer, organization.pk)  # type: ignore[attr-defined]
    bound: MappingForm | None = None
    status = 200
    if request.method == "POST":
        if not may_edit:
            return HttpResponse(status=403)
        if request.POST.get("delete"):
            try:
                mapping_delete(
                    actor=request.user,
                    organization=organization,
                    kind=str(request.POST.get("kind", "")),
                    component=str(request.POST.get("component", "")),
                )
            except InvalidInput as error:
                messages.error(request, " ".join(error.messages()))
                return redirect("payroll_mappings", org=organization.pk)
            messages.success(request, _("The mapping is removed."))
            return redirect("payroll_mappings", org=organization.pk)
        bound = MappingForm(request.POST)
        if bound.is_valid():
            data = bound.cleaned_data
            try:
                mapping_save(
                    actor=request.user,
                    organization=organization,
                    kind=data["kind"],
                    component=data["component"],
                    accrual_code=data["accrual_code"],
                    accrual_name=data["accrual_name"],
                    cost_centre_source=data["cost_centre_source"],
                    cost_centre_value=data["cost_centre_value"],
                )
            except InvalidInput as error:
                for field, errors in error.as_validation_error().message_dict.items():
                    for message in errors:
                        bound.add_error(field if field in bound.fields else None, message)
            else:
                kind = data["kind"]
                messages.success(
                    request,
                    _("The mapping of “%(name)s” is saved.")
                    % {"name": str(dict(PayKind.choices)[kind]) if kind else data["component"].strip()},
                )
                return redirect("payroll_mappings", org=organization.pk)
        status = 400
    bound_kind = str(bound.data.get("kind", "")).strip() if bound is not None else None
    bound_name = str(bound.data.get("component", "")).strip() if bound is not None else None
    kind_rows, name_rows = selectors.mapping_rows(organization)
    kinds = []
    for row in kind_rows:
        matches = bound_kind == row.kind and not bound_name
        form = _row_form(bound, matches, _initial(row.mapping, kind=row.kind), f"kind_{row.kind}")
        kinds.append({"row": row, "form": form})
    names = []
    for index, name_row in enumerate(name_rows):
        matches = bound_name == name_row.name and not bound_kind
        form = _row_form(bound, matches, _initial(name_row.mapping, component=name_row.name), f"name{index}")
        names.append({"row": name_row, "form": form})
    placed = any(item["form"] is bound for item in [*kinds, *names])
    new_form = bound if bound is not None and not placed else MappingForm()
    return render(
        request,
        "web/payroll/mappings.html",
        {
            "organization": organization,
            "kinds": kinds,
            "names": names,
            "new_form": new_form,
            "may_edit": may_edit,
            "has_runs": selectors.has_runs(organization),
            "zero": Decimal(0),
        },
        status=status,
    )
