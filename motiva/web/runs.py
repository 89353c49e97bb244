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

from motiva.calc import approvals, selectors
from motiva.calc.models import CalculationRun, EmployeeResult, RunSignature, RunStatus
from motiva.calc.selectors import run_difference
from motiva.core import access
from motiva.core.files import DiskFull
from motiva.exports import tabular
from motiva.exports.runs import result_table
from motiva.payroll import selectors as payroll_selectors
from motiva.web.decorators import viewer_required
from motiva.web.forms import parse_number
from motiva.web.search import contains

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
        rows = rows.filter(contains("employee__last_name", filters["q"])) | rows.filter(
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
            "payroll_visible": payroll_selectors.can_read(viewer, organization.pk),
            **_approval_state(run),
        },
    )


def _approval_state(run: CalculationRun) -> dict[str, Any]:
    """Whether the run's signatures were revoked by a later run, and whether the run awaiting its
    signatures is out of date (the period page lists what changed)."""
    from motiva.periods.models import PeriodStatus

    latest = (
        selectors.latest_run(run.period) if run.unit_id is None and run.status == RunStatus.DONE else None
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
    """The filtered results as XLSX (default) or CSV (`?format=csv`): the page's rows and columns for this
    viewer, plus fixed pay and total remuneration where the viewer sees pay (motiva.exports.runs)."""
    viewer = request.viewer
    run = run_or_404(viewer, org, pk)
    organization = run.period.organization
    try:
        fmt = tabular.requested_format(request, required=False) or "xlsx"
    except tabular.BadFormat:
        return tabular.bad_format_response()
    if tabular.is_cross_site(request):
        return tabular.refused_response()
    rows, _filters = filtered_results(request, run)
    show_pay = access.results_show_pay(viewer, organization.pk)
    table = result_table(
        rows, show_pay=show_pay, currency=organization.currency, language=request.LANGUAGE_CODE or "ru"
    )
    filename = f"motiva-run-{run.pk}"
    try:
        return tabular.download(
            request,
            table,
            fmt,
            filename,
            _("Results"),
        )
    except DiskFull:
        messages.error(
            request,
            _(
                "The file %(name)s could not be written: the server's disk is full. Nothing was saved;"
                " tell the administrator and try again later."
            )
            % {"name": f"{filename}.{fmt}"},
        )
        response = redirect("run", org=org, pk=pk)
        response["Retry-After"] = "60"
        return response
