"""Reads of plan and fact values: whose confirmation a fact awaits.

A fact is confirmed by the position its card line names (`CardLine.confirmer_position`), or, when the
line names none, by the indicator's confirmer. A personal fact follows the person's own card line; a
unit fact the lines at the unit level of the cards of the people in that unit (at the period's end); a
company fact the company-level lines of any card of the period."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from motiva.kpi.models import CardLine, Indicator
from motiva.periods.models import IndicatorValue, PeriodStatus, Scope, ValueKind


def confirmed_by_position(position_id: int | None, prefix: str = "") -> Q:
    """Card lines whose facts this position confirms."""
    return Q(**{f"{prefix}confirmer_position_id": position_id}) | Q(
        **{
            f"{prefix}confirmer_position__isnull": True,
            f"{prefix}indicator__confirmer_position_id": position_id,
        }
    )


def is_confirmer(organization_id: int, position_id: int | None) -> bool:
    """Whether this position confirms any fact of the organization (two cheap existence checks)."""
    if not position_id:
        return False
    return (
        Indicator.objects.filter(organization_id=organization_id, confirmer_position_id=position_id).exists()
        or CardLine.objects.filter(
            card__organization_id=organization_id, confirmer_position_id=position_id
        ).exists()
    )


def _lines_confirmed_by(position_id: int) -> QuerySet[CardLine]:
    return CardLine.objects.filter(
        confirmed_by_position(position_id),
        card__period_id=OuterRef("period_id"),
        indicator_id=OuterRef("indicator_id"),
    )


def values_awaiting_confirmation(
    *, organization_id: int, position_id: int | None, user: Any, employee_id: int | None
) -> QuerySet[IndicatorValue]:
    """The facts of the organization's open periods that wait for this position's confirmation, less
    those the user entered and the user's own (nobody confirms what they entered or their own fact)."""
    if not position_id:
        return IndicatorValue.objects.none()
    lines = _lines_confirmed_by(position_id)
    personal = lines.filter(level="personal", card__employee_id=OuterRef("employee_id"))
    company = lines.filter(level="company")
    # One filter() call: the conditions hold for one and the same assignment of the card's employee.
    unit = lines.filter(
        Q(level="unit")
        & Q(card__employee__assignments__unit_id=OuterRef("unit_id"))
        & Q(card__employee__assignments__start_date__lte=OuterRef("period__end"))
        & (
            Q(card__employee__assignments__end_date__isnull=True)
            | Q(card__employee__assignments__end_date__gte=OuterRef("period__end"))
        )
    )
    values = (
        IndicatorValue.objects.filter(
            organization_id=organization_id, kind=ValueKind.FACT, confirmed_at__isnull=True
        )
        .filter(Q(value__isnull=False) | ~Q(level_code=""))
        .exclude(period__status=PeriodStatus.CLOSED)
        .filter(
            (Q(scope=Scope.EMPLOYEE) & Exists(personal))
            | (Q(scope=Scope.UNIT) & Exists(unit))
            | (Q(scope=Scope.COMPANY) & Exists(company))
        )
    )
    if getattr(user, "pk", None):
        values = values.exclude(author_id=user.pk)
    if employee_id:
        values = values.exclude(employee_id=employee_id)
    return values


def confirmations_by_period(values: QuerySet[IndicatorValue]) -> list[dict[str, Any]]:
    """How many facts await confirmation in each period (one row per period, oldest first)."""
    return list(
        values.order_by()
        .values("period_id", "period__name", "period__start")
        .annotate(n=Count("id"))
        .order_by("period__start", "period_id")
    )
