"""Group corrections: the employer's coefficient of a unit's fund for a period, set by one person
and counted once another approves it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from motiva.calc.models import GroupCorrection
from motiva.core import audit
from motiva.core.errors import InvalidInput, problem
from motiva.org.models import Unit
from motiva.periods.guards import ensure_open
from motiva.periods.models import Period


@transaction.atomic
def group_correction_set(
    *, actor: Any, period: Period, unit: Unit, coefficient: Decimal, reason: str
) -> GroupCorrection:
    ensure_open(period)
    problems = []
    if not Decimal(0) <= coefficient <= Decimal(2):
        problems.append(
            problem(
                "range",
                "coefficient",
                "Коэффициент корректировки от 0 до 2",
                "The correction coefficient is 0 to 2",
            )
        )
    if not reason.strip():
        problems.append(problem("required", "reason", "Укажите обоснование", "Give the reason"))
    if unit.organization_id != period.organization_id:
        problems.append(
            problem(
                "other_organization",
                "unit",
                "Подразделение из другой организации",
                "The unit belongs to another organization",
            )
        )
    if problems:
        raise InvalidInput(problems)
    correction, created = GroupCorrection.objects.update_or_create(
        period=period,
        unit=unit,
        defaults={
            "organization_id": period.organization_id,
            "coefficient": coefficient,
            "reason": reason,
            "created_by": actor,
            "approved_by": None,
        },
    )
    audit.record(
        actor=actor,
        obj=correction,
        action="create" if created else "update",
        after={"coefficient": str(coefficient)},
        reason=reason,
    )
    return correction


@transaction.atomic
def group_correction_approve(*, actor: Any, correction: GroupCorrection) -> GroupCorrection:
    """The second person's approval (nobody alone moves money); nobody approves their own unit's."""
    from motiva.org.models import Assignment
    from motiva.org.selectors import active_on

    ensure_open(correction.period)
    correction = (
        GroupCorrection.objects.select_for_update().select_related("period", "unit").get(pk=correction.pk)
    )
    if correction.approved_by_id is not None:
        raise InvalidInput(
            [
                problem(
                    "already_approved",
                    "approved_by",
                    "Корректировка уже утверждена",
                    "The correction is already approved",
                )
            ]
        )
    if (
        getattr(actor, "pk", None)
        and Assignment.objects.filter(
            active_on(correction.period.end),
            employee__user_id=actor.pk,
            unit_id=correction.unit_id,
        ).exists()
    ):
        raise InvalidInput(
            [
                problem(
                    "own_pay",
                    "approved_by",
                    "Нельзя утверждать корректировку подразделения, в котором работаете вы сами",
                    "You cannot approve the correction of the unit you work in yourself",
                )
            ]
        )
    if correction.created_by_id == getattr(actor, "pk", None):
        raise InvalidInput(
            [
                problem(
                    "second_approver",
                    "approved_by",
                    "Корректировку утверждает другой человек, не автор",
                    "A correction is approved by someone other than its author",
                )
            ]
        )
    audit.apply_changes(actor=actor, obj=correction, changes={"approved_by": actor})
    return correction
