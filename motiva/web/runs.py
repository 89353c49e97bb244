"""A calculation run: progress, the results table with filters and totals, the distribution, the
difference against the previous run, and the XLSX export of exactly what the viewer may see."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from motiva.calc import approvals
from motiva.calc.models import CalculationRun, EmployeeResult, RunSignature, RunStatus
from motiva.calc.services import run_difference
from motiva.core import access
from motiva.core.files import DiskFull, workbook_bytes
from motiva.web.decorators import viewer_required
from motiva.web.forms import parse_number

BUCKETS = [
    (None, Decimal(50)),
    (Decimal(50), Decimal(80)),
    (Decimal(80), Decimal(90)),
    (Decimal(90), Decimal(100)),
    (Decimal(100), Decimal(110)),
    (Decimal(110), Decimal(120)),
    (Decimal(120), None),
]


def run_or_404(viewer: access.Viewer, org: int, pk: int) -> CalculationRun:
    organization = access.organization_or_404(viewer, org)
    try:
        return (
            access.runs(viewer, organization)
            .select_related("period", "period__organization", "previous")
            .get(pk=pk)
        )
    except CalculationRun.DoesNotExist:
        raise Http404 from None


def _decimal(text: str | None) -> Decimal | None:
    """A filter bound; one that is not a sensible number is ignored."""
    try:
        value = parse_number(text)
    except ValueError:
        return None
    return value if value is not None and abs(value) < Decimal("1e9") else None


def filtered_results(
    request: HttpRequest, run: CalculationRun
) -> tuple[QuerySet[EmployeeResult], dict[str, Any]]:
    rows = (
        access.results(request.viewer, run)
        .select_related("employee")
        .defer("lines", "components", "trace", "level_results")
    )  # type: ignore[attr-defined]
    filters = {
        "q": request.GET.get("q", "").strip(),
        "min": request.GET.get("min", ""),
        "max": request.GET.get("max", ""),
        "problems": request.GET.get("problems") == "1",
    }
    if filters["q"]:
        rows = rows.filter(employee__last_name__icontains=filters["q"]) | rows.filter(
            employee__personnel_number=filters["q"]
        )
    low, high = _decimal(filters["min"]), _decimal(filters["max"])
    if low is not None:
        rows = rows.filter(result__gte=low)
    if high is not None:
        rows = rows.filter(result__lte=high)
    if filters["problems"]:
        rows = rows.exclude(problems=[])
        if not access.results_show_pay(request.viewer, run.organization_id):  # type: ignore[attr-defined]
            # only the notes the viewer reads count: a note of the pay calculation (a cap, a fine) is
            # hidden from them, so "with problems" must not find the rows that have only such notes
            rows = rows.filter(
                pk__in=[
                    pk
                    for pk, problems in rows.values_list("pk", "problems")
                    if access.card_notes(problems or [], show_pay=False)
                ]
            )
    return rows.order_by("employee__last_name", "employee__first_name", "employee_id"), filters


def _label(low: Decimal | None, high: Decimal | None) -> str:
    if low is None:
        return f"< {high}"
    if high is None:
        return f"≥ {low}"
    return f"{low}–{high}"


@viewer_required
def run_detail(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    viewer = request.viewer
    run = run_or_404(viewer, org, pk)
    organization = run.period.organization
    if request.GET.get("part") == "progress":
        return render(request, "web/run_progress.html", {"run": run, "organization": organization})
    rows, filters = filtered_results(request, run)
    show_pay = access.results_show_pay(viewer, organization.pk)
    buckets = {}
    for index, (low, high) in enumerate(BUCKETS):
        condition = Q()
        if low is not None:
            condition &= Q(result__gte=low)
        if high is not None:
            condition &= Q(result__lt=high)
        buckets[f"bucket{index}"] = Count("id", filter=condition)
    totals = rows.aggregate(count=Count("id"), pay_sum=Sum("pay"), mean=Avg("result"), **buckets)
    distribution = [
        (_label(low, high), totals[f"bucket{index}"]) for index, (low, high) in enumerate(BUCKETS)
    ]
    difference = []
    if run.previous_id:
        visible_ids = set(access.results(viewer, run).values_list("employee_id", flat=True))
        difference = [d for d in run_difference(run) if d["employee_id"] in visible_ids]
    if not show_pay:
        difference = [{**d, "pay_before": None, "pay_after": None, "pay_delta": None} for d in difference]
    page_size = 200
    raw_page = request.GET.get("page", "1")
    # ASCII digits only (int() reads "٣"); a long number is no page either
    page = max(1, int(raw_page)) if raw_page.isascii() and raw_page.isdigit() and len(raw_page) < 10 else 1
    total_rows = totals["count"] or 0
    page = min(page, max(1, -(-total_rows // page_size)))
    query = request.GET.copy()
    query.pop("page", None)
    page_rows = list(rows[(page - 1) * page_size : page * page_size])
    for row in page_rows:
        row.notes = access.card_notes(row.problems, show_pay)
    return render(
        request,
        "web/run.html",
        {
            "organization": organization,
            "run": run,
            "period": run.period,
            "rows": page_rows,
            "filters": filters,
            "totals": totals,
            "show_pay": show_pay,
            "difference": difference[:500],
            "difference_count": len(difference),
            "page": page,
            "pages": max(1, -(-total_rows // page_size)),
            "query": query.urlencode(),
            "distribution_chart": {
                "labels": [label for label, _count in distribution],
                "values": [count for _label, count in distribution],
                "name": _("Employees"),
            },
            "distribution": distribution,
            "active": run.status in (RunStatus.PENDING, RunStatus.RUNNING),
            **_approval_state(run),
        },
    )


def _approval_state(run: CalculationRun) -> dict[str, Any]:
    """Whether the run's signatures were revoked by a later run, and whether the run awaiting its
    signatures is out of date (the period page lists what changed)."""
    from motiva.periods.models import PeriodStatus

    latest = (
        approvals.latest_run(run.period) if run.unit_id is None and run.status == RunStatus.DONE else None
    )
    awaiting = (
        latest is not None
        and latest.pk == run.pk
        and run.period.status in (PeriodStatus.CALCULATED, PeriodStatus.APPROVED)
    )
    return {
        "revoked_by_run": RunSignature.objects.filter(run=run, revoked_by_run__isnull=False)
        .values_list("revoked_by_run_id", flat=True)
        .first(),
        "out_of_date": awaiting and bool(approvals.recent_changes(run)),
    }


@viewer_required
def run_export(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """The filtered results as an Excel workbook: the same rows and columns the page shows this viewer."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    viewer = request.viewer
    run = run_or_404(viewer, org, pk)
    organization = run.period.organization
    rows, _filters = filtered_results(request, run)
    show_pay = access.results_show_pay(viewer, organization.pk)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Results")[:31]
    header = [_("Personnel number"), _("Employee"), _("Result, %")]
    if show_pay:
        header += [_("Bonus, %(currency)s") % {"currency": organization.currency}, _("Share of time worked")]
    header.append(_("Notes"))
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows.iterator(chunk_size=2000):
        values: list[Any] = [row.employee.personnel_number, str(row.employee), row.result]
        if show_pay:
            values += [row.pay, row.proration]
        values.append(
            "; ".join(
                p.get("ru" if (request.LANGUAGE_CODE or "ru").startswith("ru") else "en", "")
                for p in access.card_notes(row.problems, show_pay)
            )
        )
        sheet.append(values)
    for column, width in zip("ABCDEF", (14, 36, 12, 16, 14, 60), strict=False):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    filename = f"motiva-run-{run.pk}.xlsx"
    try:
        content = workbook_bytes(book, filename)
    except DiskFull:
        # openpyxl spools each sheet to a temporary file; with the disk full nothing is left behind.
        messages.error(
            request,
            _(
                "The file %(name)s could not be written: the server's disk is full. Nothing was saved;"
                " tell the administrator and try again later."
            )
            % {"name": filename},
        )
        response = redirect("run", org=org, pk=pk)
        response["Retry-After"] = "60"
        return response
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
