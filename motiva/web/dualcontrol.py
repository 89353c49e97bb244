"""Pending changes that wait for a second person (motiva.dualcontrol): the list, approve and reject.

HR and the administrator see role requests; HR also sees salary requests (they name a salary). The
buttons are offered only to someone who may decide (not the requester, not the person concerned); the
service checks it again."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from motiva.core import access
from motiva.core.errors import InvalidInput
from motiva.dualcontrol import services
from motiva.dualcontrol.models import RequestStatus
from motiva.web.decorators import viewer_required
from motiva.web.forms import show_problems

RECENT = 30


def _visible(request: HttpRequest, org: int):  # type: ignore[no-untyped-def]
    organization = access.organization_or_404(request.viewer, org)  # type: ignore[attr-defined]
    visible = services.pending_for(request.user, organization)
    if not (
        services.may_request(request.user, organization.pk, "role_grant")
        or services.may_request(request.user, organization.pk, "salary_change")
    ):
        raise Http404
    return organization, visible


@viewer_required
def request_list(request: HttpRequest, org: int) -> HttpResponse:
    organization, visible = _visible(request, org)
    show_pay = request.viewer.reads_all_pay(organization.pk)  # type: ignore[attr-defined]
    pending = list(visible.filter(status=RequestStatus.PENDING).order_by("requested_at", "pk"))
    decided = list(visible.exclude(status=RequestStatus.PENDING).order_by("-decided_at", "-pk")[:RECENT])
    return render(
        request,
        "web/dualcontrol/list.html",
        {
            "organization": organization,
            "pending": [{"r": r, "may_decide": services.may_decide(request.user, r)} for r in pending],
            "decided": decided,
            "show_pay": show_pay,
        },
    )


def _decide(request: HttpRequest, org: int, pk: int, approve: bool) -> HttpResponse:
    organization, visible = _visible(request, org)
    try:
        change = visible.get(pk=int(pk))
    except (visible.model.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    reason = request.POST.get("reason", "")
    try:
        if approve:
            services.change_request_approve(actor=request.user, request=change, reason=reason)
            messages.success(request, _("The request is approved and the change is made."))
        else:
            services.change_request_reject(actor=request.user, request=change, reason=reason)
            messages.success(request, _("The request is rejected."))
    except InvalidInput as error:
        show_problems(request, error)
        response = request_list(request, org)
        response.status_code = 400
        return response
    return redirect(reverse("change_requests", args=[organization.pk]))


@require_POST
@viewer_required
def request_approve(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    return _decide(request, org, pk, approve=True)


@require_POST
@viewer_required
def request_reject(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    return _decide(request, org, pk, approve=False)
