"""Periods: the list, a period's page (lifecycle, fact completeness, runs, signatures) and its actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from motiva.calc import approvals, selectors
from motiva.calc.adjustments import adjustment_approve, adjustment_create
from motiva.calc.corrections import group_correction_approve, group_correction_set
from motiva.calc.models import Adjustment, AdjustmentKind, GroupCorrection, RunSignature, SignatureKind
from motiva.calc.tasks import calculation_run_enqueue
from motiva.core import access
from motiva.core.errors import InvalidInput
from motiva.core.models import PeriodKind
from motiva.kpi.selectors import fact_completeness_cached
from motiva.periods.models import ALLOWED_TRANSITIONS, LIFECYCLE, IndicatorValue, Period, PeriodStatus
from motiva.periods.services import period_create, period_transition
from motiva.web.decorators import viewer_required
from motiva.web.forms import AdjustmentForm, NumberField, attempt, show_problems


def period_or_404(
    viewer: access.Viewer, org: int, pk: int, allowed: Callable[[access.Viewer, int], bool] | None = None
) -> Period:
    """The period, or 404 when the viewer cannot see it or, with `allowed`, may not do this to it
    (a refusal looks the same as a period that does not exist)."""
    organization = access.organization_or_404(viewer, org)
    try:
        period = Period.objects.select_related("organization").get(pk=pk, organization=organization)
    except Period.DoesNotExist:
        raise Http404 from None
    if allowed is not None and not allowed(viewer, period.organization_id):
        raise Http404
    return period


@viewer_required
def period_list(request: HttpRequest, org: int) -> HttpResponse:
    viewer = request.viewer
    organization = access.organization_or_404(viewer, org)
    can_create = access.can_manage_periods(viewer, organization.pk)
    if request.method == "POST":
        if not can_create:
            raise Http404
        try:
            start = dt.date.fromisoformat(request.POST.get("start", ""))
        except ValueError:
            messages.error(request, _("Start date: enter a date such as 2026-03-01."))
            return redirect("periods", org=organization.pk)
        try:
            period = period_create(
                actor=request.user, organization=organization, kind=request.POST.get("kind", ""), start=start
            )
        except InvalidInput as error:
            show_problems(request, error)
            return redirect("periods", org=organization.pk)
        messages.success(request, _("Period “%(name)s” created.") % {"name": period.name})
        return redirect("period", org=organization.pk, pk=period.pk)
    periods = Period.objects.filter(organization=organization).order_by("-start", "kind")
    return render(
        request,
        "web/periods.html",
        {
            "organization": organization,
            "periods": periods,
            "can_create": can_create,
            "kinds": PeriodKind.choices,
        },
    )


@viewer_required
def period_detail(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    viewer = request.viewer
    period = period_or_404(viewer, org, pk)
    organization = period.organization
    company = viewer.reads_company(organization.pk)
    team = viewer.subtree(organization.pk)
    transitions = [
        {
            "status": status,
            "label": PeriodStatus(status).label,
            "forward": LIFECYCLE.index(status) > LIFECYCLE.index(period.status),
        }
        for status in sorted(ALLOWED_TRANSITIONS.get(period.status, set()), key=LIFECYCLE.index)
        if access.can_transition(viewer, period, status)
    ]
    run = selectors.latest_run(period)
    runs = access.runs(viewer, organization).filter(period=period).order_by("-id")[:10]
    signature_actions = []
    signed: dict[str, list[RunSignature]] = {}
    pending: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    changes_count = 0
    if run is not None and period.status in (PeriodStatus.CALCULATED, PeriodStatus.APPROVED):
        # Only while the run awaits its signatures: a closed period cannot change, an earlier one is not signed.
        events = approvals.recent_changes(run)
        changes_count = len(events)
        if changes_count and company:
            changes = _change_rows(viewer, organization.pk, events[:CHANGES_SHOWN])
    if run is not None:
        signed = selectors.signatures(run)
        pending = [
            {"label": SignatureKind(p.kind).label, "names": p.names}
            for p in approvals.pending_signatures(run)
        ]
        for kind in [] if changes_count else SignatureKind.values:  # an out-of-date run is not signed
            mine = any(s.signer_id == request.user.pk for s in signed.get(kind, []))
            stage = (
                PeriodStatus.APPROVED
                if kind in (SignatureKind.HR, SignatureKind.FINANCE)
                else PeriodStatus.CALCULATED
            )
            if period.status == stage and not mine and approvals.can_sign(viewer, run, kind):
                signature_actions.append({"kind": kind, "label": SignatureKind(kind).label})
    completeness = (
        fact_completeness_cached(
            period, None if company else list(team) + ([viewer.employee.pk] if viewer.employee else [])
        )
        if (company or team)
        else []
    )
    return render(
        request,
        "web/period.html",
        {
            "organization": organization,
            "period": period,
            "lifecycle": [(s, PeriodStatus(s).label) for s in LIFECYCLE],
            "status_index": LIFECYCLE.index(period.status),
            "transitions": transitions,
            "runs": runs,
            "run": run,
            "can_start_run": access.can_start_run(viewer, organization.pk)
            and period.status != PeriodStatus.CLOSED,
            "can_close": access.can_close(viewer, organization.pk)
            and period.status == PeriodStatus.APPROVED
            and not changes_count,
            "signed": [(SignatureKind(kind).label, items) for kind, items in signed.items()],
            "signature_actions": signature_actions,
            "completeness": completeness,
            "pending": pending,
            "changes": changes,
            "changes_count": changes_count,
            "changes_more": changes_count > CHANGES_SHOWN,
            "changes_shown": CHANGES_SHOWN,
            "revocations": approvals.revocations(period),
            "needs_reason": RunSignature.objects.filter(run__period=period, revoked_at__isnull=True).exists(),
            "can_enter_facts": access.can_enter_facts(viewer, organization.pk)
            and period.status != PeriodStatus.CLOSED,
            "can_adjust": access.can_adjust(viewer, organization.pk) and period.status != PeriodStatus.CLOSED,
            "adjustments": Adjustment.objects.filter(period=period)
            .select_related("employee", "created_by", "approved_by")
            .order_by("id")
            if access.can_adjust(viewer, organization.pk)
            else [],
            "adjustment_kinds": AdjustmentKind.choices,
            **_corrections_context(viewer, period),
            "confirms_facts": _confirms_facts(viewer, period),
            **_consequences(period, run, signed),
        },
    )


@require_POST
@viewer_required
def period_move(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    viewer = request.viewer
    period = period_or_404(viewer, org, pk)
    to_status = request.POST.get("to", "")
    if not access.can_transition(viewer, period, to_status):
        messages.error(request, _("You cannot move this period to that status."))
        return redirect("period", org=org, pk=pk)
    attempt(
        request,
        lambda: period_transition(
            actor=request.user, period=period, to_status=to_status, reason=request.POST.get("reason", "")
        ),
        _("The period is now “%(status)s”.") % {"status": PeriodStatus(to_status).label},
    )
    return redirect("period", org=org, pk=pk)


@require_POST
@viewer_required
def period_run(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    viewer = request.viewer
    period = period_or_404(viewer, org, pk, access.can_start_run)
    form = RecalculationForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    if (
        period.status != PeriodStatus.CLOSED
        and not form.cleaned_data.get("confirm")
        and RunSignature.objects.filter(run__period=period, revoked_at__isnull=True).exists()
    ):
        # A recalculation revokes the signatures given: the page asks to confirm it (and the service for the reason).
        messages.error(
            request,
            _(
                "Recalculation: the results are signed. Tick “I confirm” that the new run revokes every "
                "signature, and give the reason."
            ),
        )
        return redirect("period", org=org, pk=pk)
    try:
        run = calculation_run_enqueue(actor=request.user, period=period, reason=reason)
    except InvalidInput as error:
        show_problems(request, error)
        return redirect("period", org=org, pk=pk)
    messages.success(request, _("Calculation run #%(n)s started.") % {"n": run.pk})
    return redirect("run", org=org, pk=run.pk)


@require_POST
@viewer_required
def period_sign(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    viewer = request.viewer
    period = period_or_404(viewer, org, pk)
    run = selectors.latest_run(period)
    kind = request.POST.get("kind", "")
    if run is None or not approvals.can_sign(viewer, run, kind):
        messages.error(request, _("You cannot give this signature."))
        return redirect("period", org=org, pk=pk)
    attempt(
        request,
        lambda: approvals.run_sign(
            actor=request.user, run=run, kind=kind, comment=request.POST.get("comment", "")
        ),
        _("Signed: %(kind)s.") % {"kind": SignatureKind(kind).label},
    )
    return redirect("period", org=org, pk=pk)


@require_POST
@viewer_required
def period_close_view(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    viewer = request.viewer
    period = period_or_404(viewer, org, pk, access.can_close)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Closing: tick “I confirm” — after closing nothing in the period can be changed."),
        )
        return redirect("period", org=org, pk=pk)
    attempt(
        request,
        lambda: approvals.period_close(actor=request.user, period=period),
        _("The period is closed. Corrections now go through adjustments in an open period."),
    )
    return redirect("period", org=org, pk=pk)


@require_POST
@viewer_required
def adjustment_add(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """A manual adjustment or a disciplinary reduction: entered here, counted once someone else approves it."""
    viewer = request.viewer
    period = period_or_404(viewer, org, pk, access.can_adjust)
    form = AdjustmentForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(
                    request, f"{form.fields[field].label}: {error}" if field in form.fields else str(error)
                )
        return redirect("period", org=org, pk=pk)
    data = form.cleaned_data
    employee = (
        access.pay_visible(viewer, period.organization_id)
        .filter(personnel_number=data["personnel_number"].strip())
        .first()
    )
    if employee is None:
        messages.error(
            request, _("Personnel number %(n)s: no such employee.") % {"n": data["personnel_number"] or "—"}
        )
    else:
        attempt(
            request,
            lambda: adjustment_create(
                actor=request.user,
                period=period,
                employee=employee,
                amount=data["amount"],
                percent=data["percent"],
                reason=data["reason"],
                kind=data["kind"],
                applied_on=data["applied_on"],
                order_number=data["order_number"],
            ),
            _("Adjustment entered; it counts once another person approves it."),
        )
    return redirect("period", org=org, pk=pk)


@require_POST
@viewer_required
def adjustment_approve_view(request: HttpRequest, org: int, pk: int, adjustment: int) -> HttpResponse:
    viewer = request.viewer
    period = period_or_404(viewer, org, pk, access.can_adjust)
    try:
        item = Adjustment.objects.select_related("employee", "period").get(pk=adjustment, period=period)
    except Adjustment.DoesNotExist:
        raise Http404 from None
    attempt(
        request,
        lambda: adjustment_approve(actor=request.user, adjustment=item),
        _("Adjustment approved; the next run counts it."),
    )
    return redirect("period", org=org, pk=pk)


CHANGES_SHOWN = 20


def _field_label(entity_type: str, name: str) -> str:
    """An audited field's name as the model calls it ("значение"), or as stored."""
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    try:
        return str(apps.get_model(entity_type)._meta.get_field(name).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return name


def _change_rows(viewer: access.Viewer, organization_id: int, events: list[Any]) -> list[dict[str, Any]]:
    """The changes since the run as the page lists them: when, who, what (with whose value it is) and
    the old and new value, pay masked for those who may not see it."""
    value_ids = [
        int(e.entity_id)
        for e in events
        if e.entity_type == "periods.IndicatorValue" and e.entity_id.isdigit()
    ]
    scopes = {}
    for value in IndicatorValue.objects.filter(pk__in=value_ids).select_related(
        "indicator", "employee", "unit"
    ):
        whose = (
            str(value.employee)
            if value.employee_id
            else value.unit.name
            if value.unit_id
            else _("the company")
        )
        scopes[str(value.pk)] = f"{value.indicator.code} · {value.get_kind_display()} · {whose}"
    return [
        {
            "at": e.at,
            "who": (e.actor.get_full_name() or e.actor.username) if e.actor else "—",
            "action": e.get_action_display(),
            "kind": approvals.entity_label(e.entity_type),
            "what": scopes.get(e.entity_id)
            if e.entity_type == "periods.IndicatorValue" and e.entity_id in scopes
            else access.mask_pay_entity(viewer, organization_id, e.entity_type, e.entity_repr),
            "field": _field_label(e.entity_type, e.field),
            "old": access.mask_pay_field(viewer, organization_id, e.field, e.old_value),
            "new": access.mask_pay_field(viewer, organization_id, e.field, e.new_value),
        }
        for e in events
    ]


class ConfirmForm(forms.Form):
    """A consequential action's "I confirm" box."""

    confirm = forms.BooleanField(required=True)


class RecalculationForm(forms.Form):
    confirm = forms.BooleanField(required=False)
    reason = forms.CharField(required=False)  # the service says when it is needed and how long it may be


class GroupCorrectionForm(forms.Form):
    """The employer's correction of one unit's bonuses for the period (× coefficient, with the reason)."""

    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=None)
    coefficient = NumberField(label=gettext_lazy("Coefficient"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000)

    def __init__(self, data: Any, *, period: Period) -> None:
        super().__init__(data)
        from motiva.org.models import Unit

        self.fields["unit"].queryset = Unit.objects.filter(organization_id=period.organization_id)
        self.fields["unit"].error_messages["invalid_choice"] = _("choose a unit of the list.")


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        for error in errors:
            messages.error(
                request, f"{form.fields[field].label}: {error}" if field in form.fields else str(error)
            )


def _corrections_context(viewer: access.Viewer, period: Period) -> dict[str, Any]:
    """The period's group corrections, for those who enter and approve pay corrections (they are pay)."""
    if not access.can_adjust(viewer, period.organization_id):
        return {"group_corrections": [], "can_correct": False}
    from motiva.org.models import Unit

    return {
        "group_corrections": GroupCorrection.objects.filter(period=period)
        .select_related("unit", "created_by", "approved_by")
        .order_by("unit__path", "id"),
        "can_correct": period.status != PeriodStatus.CLOSED,
        "correction_units": Unit.objects.filter(organization_id=period.organization_id).order_by(
            "path", "name"
        ),
    }


def _confirms_facts(viewer: access.Viewer, period: Period) -> bool:
    """Whether the viewer's position confirms facts in this organization (the page links their list)."""
    from django.utils import timezone

    from motiva.org.selectors import position_id_as_of
    from motiva.periods.selectors import is_confirmer

    employee = viewer.employee
    if employee is None or employee.organization_id != period.organization_id or period.is_locked:
        return False
    return is_confirmer(period.organization_id, position_id_as_of(employee, timezone.localdate()))


def _consequences(period: Period, run: Any, signed: dict[str, list[RunSignature]]) -> dict[str, Any]:
    """What closing and recalculating will do, said on the page before the user confirms."""
    signatures = [s for items in signed.values() for s in items]
    return {
        "run_people": run.results.count()
        if run is not None and period.status == PeriodStatus.APPROVED
        else None,
        "signature_count": len(signatures),
        "signers": [
            f"{SignatureKind(s.kind).label}: {s.signer.get_full_name() or s.signer.username}"
            for s in signatures
            if s.signer_id
        ],
    }


@require_POST
@viewer_required
def group_correction_add(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """A unit's group correction: entered here, counted once someone else approves it."""
    viewer = request.viewer
    period = period_or_404(viewer, org, pk, access.can_adjust)
    form = GroupCorrectionForm(request.POST, period=period)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("period", org=org, pk=pk)
    data = form.cleaned_data
    attempt(
        request,
        lambda: group_correction_set(
            actor=request.user,
            period=period,
            unit=data["unit"],
            coefficient=data["coefficient"],
            reason=data["reason"],
        ),
        _("Group correction for “%(unit)s” entered; it counts once another person approves it.")
        % {"unit": data["unit"].name},
    )
    return redirect("period", org=org, pk=pk)


@require_POST
@viewer_required
def group_correction_approve_view(request: HttpRequest, org: int, pk: int, correction: int) -> HttpResponse:
    viewer = request.viewer
    period = period_or_404(viewer, org, pk, access.can_adjust)
    try:
        item = GroupCorrection.objects.select_related("unit", "period").get(pk=correction, period=period)
    except GroupCorrection.DoesNotExist:
        raise Http404 from None
    attempt(
        request,
        lambda: group_correction_approve(actor=request.user, correction=item),
        _("Group correction for “%(unit)s” approved; the next run counts it.") % {"unit": item.unit.name},
    )
    return redirect("period", org=org, pk=pk)
