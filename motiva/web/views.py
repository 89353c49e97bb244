from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import kombu
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motiva.calc import approvals, selectors
from motiva.calc.models import RunSignature, SignatureKind
from motiva.calc.projection import project
from motiva.calc.selectors import latest_results
from motiva.core import access
from motiva.core.models import Role
from motiva.kpi.models import CardLine
from motiva.kpi.selectors import fact_completeness_cached
from motiva.org.selectors import assignment_as_of, position_id_as_of
from motiva.periods.models import Period, PeriodStatus
from motiva.web.decorators import viewer_required
from motiva.web.people import FINAL_STATUSES, current_card, due_results, paid_levels


@viewer_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    today = timezone.localdate()
    employee = viewer.employee
    context: dict[str, Any] = {
        "today": today,
        "employee": employee,
        "assignment": assignment_as_of(employee, today) if employee else None,
        "organizations": list(access.organizations(viewer).order_by("name")),
        "tasks": _tasks(request, viewer),
    }
    if employee is not None:
        card = current_card(employee, None)
        if card is not None:
            stored = latest_results(card.period, [employee.pk], summary=True).get(employee.pk)
            if stored is not None and card.period.status in (*FINAL_STATUSES, PeriodStatus.CALCULATED):
                context["my_result"] = {
                    "period": card.period,
                    "result": stored.result,
                    "pay": stored.pay,
                    "official": True,
                }
            else:
                outcome = project(card.period, [card]).get(card.pk)
                if outcome is not None:
                    context["my_result"] = {
                        "period": card.period,
                        "result": outcome.card.total,
                        "pay": outcome.pay.total if outcome.pay else None,
                        "official": False,
                    }
            if "my_result" in context:
                context["my_result"]["currency"] = employee.organization.currency
                # levels paid with another period are not this period's result (as on the card)
                levels = paid_levels(card, card.period, employee)
                if levels["not_due"]:
                    official = context["my_result"]["official"]
                    results = (stored.level_results if official else outcome.card.level_results) or {}
                    context["my_result"]["due"] = due_results(
                        levels,
                        results,
                        set(CardLine.objects.filter(card=card).values_list("level", flat=True)),
                    )
                    context["my_result"]["split"] = True
    return render(request, "web/home.html", context)


def _tasks(request: HttpRequest, viewer: access.Viewer) -> list[dict[str, Any]]:
    """What needs this person's action now, across their organizations."""
    tasks: list[dict[str, Any]] = []
    for organization in access.organizations(viewer):
        org_id = organization.pk
        open_periods = (
            Period.objects.filter(organization=organization)
            .exclude(status=PeriodStatus.CLOSED)
            .order_by("start")
        )
        team = viewer.subtree(org_id)
        for period in open_periods:
            url = reverse("period", args=[org_id, period.pk])
            if period.status == PeriodStatus.PLANNING and viewer.has(org_id, Role.HR):
                tasks.append(
                    {
                        "url": url,
                        "text": _("%(period)s: approve the targets and cards") % {"period": period.name},
                    }
                )
            if period.status == PeriodStatus.FACT_COLLECTION and (viewer.has(org_id, Role.HR) or team):
                rows = fact_completeness_cached(period, None if viewer.has(org_id, Role.HR) else list(team))
                missing = sum(r["missing"] for r in rows)
                if missing:
                    tasks.append(
                        {
                            "url": reverse("facts", args=[org_id, period.pk]),
                            "text": _("%(period)s: %(n)s facts to enter")
                            % {"period": period.name, "n": missing},
                        }
                    )
            run = (
                selectors.latest_run(period)
                if period.status in (PeriodStatus.CALCULATED, PeriodStatus.APPROVED)
                else None
            )
            if run is not None and approvals.recent_changes(run):
                # Nothing to sign on an out-of-date run: those who calculate are asked to recalculate.
                if access.can_start_run(viewer, org_id):
                    tasks.append(
                        {
                            "url": url,
                            "text": _("%(period)s: the data changed after the run, recalculate")
                            % {"period": period.name},
                        }
                    )
                run = None
            if run is not None:
                mine = set(
                    RunSignature.objects.filter(run=run, signer=request.user).values_list("kind", flat=True)
                )
                stage = (
                    [SignatureKind.MANAGER, SignatureKind.EXECUTIVE]
                    if period.status == PeriodStatus.CALCULATED
                    else [SignatureKind.HR, SignatureKind.FINANCE]
                )
                for kind in stage:
                    if kind not in mine and approvals.can_sign(viewer, run, kind):
                        tasks.append(
                            {
                                "url": url,
                                "text": _("%(period)s: sign the results (%(kind)s)")
                                % {"period": period.name, "kind": SignatureKind(kind).label},
                            }
                        )
        # Facts waiting for this person's confirmation (the internal client): one entry per period.
        if viewer.employee is not None and viewer.employee.organization_id == org_id:
            from motiva.periods.selectors import (
                confirmations_by_period,
                is_confirmer,
                values_awaiting_confirmation,
            )

            position = position_id_as_of(viewer.employee, timezone.localdate())
            if is_confirmer(org_id, position):
                waiting = values_awaiting_confirmation(
                    organization_id=org_id,
                    position_id=position,
                    user=request.user,
                    employee_id=viewer.employee.pk,
                )
                for row in confirmations_by_period(waiting):
                    tasks.append(
                        {
                            "url": reverse("confirmations", args=[org_id]) + f"?period={row['period_id']}",
                            "text": _("%(period)s: %(n)s facts to confirm")
                            % {"period": row["period__name"], "n": row["n"]},
                        }
                    )
    return tasks


def _probe(check: Callable[[], None]) -> dict[str, Any]:
    began = time.perf_counter()
    try:
        check()
    except Exception as exc:  # any failure is "down"; only its class is told (messages name hosts)
        return {
            "status": "down",
            "error": type(exc).__name__,
            "latency_ms": round((time.perf_counter() - began) * 1000, 1),
        }
    return {"status": "up", "latency_ms": round((time.perf_counter() - began) * 1000, 1)}


def _check_database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        connection.close_if_unusable_or_obsolete()
        raise


def _check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    timeout = settings.MOTIVA_HEALTH_BROKER_TIMEOUT
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    with kombu.Connection(url, connect_timeout=timeout, transport_options=options) as broker:
        broker.ensure_connection(max_retries=0, timeout=timeout)
        if broker.transport.driver_type == "redis":
            broker.default_channel.client.ping()


def healthz(request: HttpRequest) -> JsonResponse:
    """Unauthenticated probe: each component's state and latency, 200 when all are up, else 503.

    Without CELERY_BROKER_URL tasks run inside the web process, so the broker is reported as
    "embedded" and counts as up. Nothing here names a host, a port, a user or a password."""
    checks = {"database": _probe(_check_database)}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = _probe(_check_broker)
    else:
        checks["broker"] = {"status": "embedded"}
    healthy = all(check["status"] in ("up", "embedded") for check in checks.values())
    response = JsonResponse({"status": "ok" if healthy else "unavailable", "checks": checks})
    if not healthy:
        response.status_code = 503
        response["Retry-After"] = str(settings.MOTIVA_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response
