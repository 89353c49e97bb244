"""Adjustments of one employee's pay in a period: manual amounts and disciplinary reductions, each
entered by one person and counted once another approves it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from motiva.calc.models import Adjustment, AdjustmentKind
from motiva.core import audit
from motiva.core.errors import InvalidInput, problem
from motiva.org.models import Employee
from motiva.periods.guards import ensure_open
from motiva.periods.models import Period


@transaction.atomic
def adjustment_create(
    *,
    actor: Any,
    period: Period,
    employee: Employee,
    amount: Decimal | None,
    reason: str,
    kind: str = AdjustmentKind.MANUAL,
    percent: Decimal | None = None,
    applied_on: dt.date | None = None,
    order_number: str = "",
) -> Adjustment:
    """A manual adjustment (an amount, + or −) or a disciplinary reduction: the date the sanction was
    applied (inside the period: it reduces only that period's bonus), the order's number, and either an
    amount or a percent of the bonus. It counts once someone else approves it."""
    ensure_open(period)
    problems = []
    if not reason or not reason.strip():
        problems.append(
            problem(
                "required",
                "reason",
                "Укажите обоснование корректировки",
                "Give the reason for the adjustment",
            )
        )
    if kind not in AdjustmentKind.values:
        problems.append(problem("choice", "kind", "Неизвестный вид корректировки", "Unknown adjustment kind"))
    if percent is not None:
        if kind != AdjustmentKind.DISCIPLINARY:
            problems.append(
                problem(
                    "percent_manual",
                    "percent",
                    "Процент премии указывается только для снижения за взыскание",
                    "A percent of the bonus is only for a disciplinary reduction",
                )
            )
        elif amount is not None:
            problems.append(
                problem(
                    "amount_or_percent",
                    "percent",
                    "Укажите сумму или процент премии, не то и другое",
                    "Give an amount or a percent of the bonus, not both",
                )
            )
        elif (
            not percent.is_finite()
            or not Decimal(0) < percent <= Decimal(100)
            or percent != percent.quantize(Decimal("0.01"))
        ):
            problems.append(
                problem(
                    "percent",
                    "percent",
                    "Процент премии — от 0,01 до 100",
                    "The percent of the bonus is 0.01 to 100",
                )
            )
    elif amount is None:
        problems.append(problem("required", "amount", "Укажите сумму", "Give the amount"))
    if amount is not None:
        if (
            not amount.is_finite()
            or amount == 0
            or abs(amount) >= Decimal("1e12")
            or amount != amount.quantize(Decimal("0.01"))
        ):
            problems.append(
                problem(
                    "amount",
                    "amount",
                    "Сумма — ненулевое число с точностью до копейки, меньше триллиона",
                    "The amount is a non-zero number to the kopeck, below a trillion",
                )
            )
        elif kind == AdjustmentKind.DISCIPLINARY and amount > 0:
            problems.append(
                problem(
                    "sign",
                    "amount",
                    "Снижение за взыскание — отрицательная сумма",
                    "A disciplinary reduction is a negative amount",
                )
            )
    if kind == AdjustmentKind.DISCIPLINARY:
        if applied_on is None:
            problems.append(
                problem(
                    "required",
                    "applied_on",
                    "Укажите дату применения взыскания",
                    "Give the date the sanction was applied",
                )
            )
        elif not period.start <= applied_on <= period.end:
            problems.append(
                problem(
                    "outside_period",
                    "applied_on",
                    "Взыскание снижает премию только за период, в котором применено: дата вне периода «{p}»",
                    "A sanction reduces only the bonus of the period it was applied in: the date is outside “{p}”",
                    p=period.name,
                )
            )
        elif employee.organization_id == period.organization_id:
            problems.extend(_sanction_month_elsewhere(period, employee, applied_on))
    elif applied_on is not None or order_number.strip():
        problems.append(
            problem(
                "sanction_fields",
                "applied_on",
                "Дата и номер приказа указываются только для взыскания",
                "The date and the order number are only for a disciplinary sanction",
            )
        )
    if employee.organization_id != period.organization_id:
        problems.append(
            problem(
                "other_organization",
                "employee",
                "Сотрудник из другой организации",
                "The employee belongs to another organization",
            )
        )
    if problems:
        raise InvalidInput(problems)
    adjustment = Adjustment.objects.create(
        organization_id=period.organization_id,
        period=period,
        employee=employee,
        amount=amount,
        percent=percent,
        reason=reason.strip(),
        kind=kind,
        applied_on=applied_on,
        order_number=order_number.strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record_create(
        actor=actor,
        obj=adjustment,
        fields=["employee", "kind", "amount", "percent", "applied_on", "order_number", "reason"],
        reason=reason,
    )
    return adjustment


# "In March 2026": the month in the prepositional case, as a Russian sentence starts with it.
_MONTHS_IN_RU = (
    "январе",
    "феврале",
    "марте",
    "апреле",
    "мае",
    "июне",
    "июле",
    "августе",
    "сентябре",
    "октябре",
    "ноябре",
    "декабре",
)
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _sanction_month_elsewhere(period: Period, employee: Employee, applied_on: dt.date) -> list[Any]:
    """All disciplinary reductions of one employee dated in one calendar month belong to one period
    (Labour Code art. 135 part 3): the engine caps the reductions of a month within one run, so a March
    sanction in the March period and another in the first quarter would each be capped on their own and
    together exceed the month's limit. Refused when another period of the organization already holds a
    sanction of the employee dated in that month (every entered one counts: an adjustment has no
    rejected or cancelled state). Only where the organization keeps the cap on."""
    organization = period.organization
    if not organization.disciplinary_cap_enabled:
        return []
    # The employee's row is locked so that two entries of the same month in two periods, made at once,
    # are decided one after the other.
    list(Employee.objects.select_for_update().filter(pk=employee.pk).values_list("pk"))
    other = (
        Adjustment.objects.filter(
            organization_id=period.organization_id,
            employee=employee,
            kind=AdjustmentKind.DISCIPLINARY,
            applied_on__year=applied_on.year,
            applied_on__month=applied_on.month,
        )
        .exclude(period=period)
        .select_related("period")
        .order_by("applied_on", "pk")
        .first()
    )
    if other is None:
        return []
    return [
        problem(
            "sanction_month_elsewhere",
            "applied_on",
            "В {month_ru} {year} у сотрудника уже есть взыскание в периоде «{p}»: все снижения за взыскания "
            "одного месяца учитываются в одном периоде (ст. 135 ТК РФ, предел {cap} % за месяц)",
            "In {month_en} {year} the employee already has a sanction in period “{p}”: all reductions for "
            "sanctions of one month count in one period (Labour Code art. 135, a limit of {cap} % a month)",
            month_ru=_MONTHS_IN_RU[applied_on.month - 1],
            month_en=_MONTHS_EN[applied_on.month - 1],
            year=applied_on.year,
            p=other.period.name,
            cap=Decimal(organization.disciplinary_cap_percent).normalize(),
        )
    ]


@transaction.atomic
def adjustment_approve(*, actor: Any, adjustment: Adjustment) -> Adjustment:
    """The second signature: someone other than the author; only approved adjustments count."""
    ensure_open(adjustment.period)
    if adjustment.approved_by_id is not None:
        raise InvalidInput(
            [
                problem(
                    "already_approved",
                    "approved_by",
                    "Корректировка уже утверждена",
                    "The adjustment is already approved",
                )
            ]
        )
    if adjustment.created_by_id == getattr(actor, "pk", None):
        raise InvalidInput(
            [
                problem(
                    "second_approver",
                    "approved_by",
                    "Корректировку утверждает другой человек, не автор",
                    "An adjustment is approved by someone other than its author",
                )
            ]
        )
    if adjustment.employee.user_id is not None and adjustment.employee.user_id == getattr(actor, "pk", None):
        raise InvalidInput(
            [
                problem(
                    "own_pay",
                    "approved_by",
                    "Нельзя утверждать корректировку своей оплаты",
                    "You cannot approve an adjustment of your own pay",
                )
            ]
        )
    audit.apply_changes(
        actor=actor, obj=adjustment, changes={"approved_by": actor, "approved_at": timezone.now()}
    )
    return adjustment
