"""Approving a period's results: the direct managers sign for their reports, then the general
director approves, then HR and finance sign off and the period can close.

Nobody signs a run that contains their own pay (a manager's signature covers only their reports).
A manager without an account, or the person paid, is skipped for the next manager up; the general
director's own result is approved by the board / owner role. Signatures belong to the run's inputs:
a change of the period's facts, cards, absences, adjustments … after the run makes it out of date,
and it is neither signed nor closed until it is recalculated; a recalculation revokes the earlier
signatures with its reason (kept, never deleted).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldError
from django.db import transaction
from django.db.models import BigIntegerField, Exists, Func, OuterRef, Q, QuerySet
from django.utils import timezone

from motiva.calc.models import (
    ACTIVE_STATUSES,
    Adjustment,
    CalculationRun,
    EmployeeResult,
    GroupCorrection,
    RunSignature,
    RunStatus,
    SignatureKind,
)
from motiva.calc.selectors import latest_run, signatures
from motiva.core import audit
from motiva.core.errors import InvalidInput, problem
from motiva.core.models import AuditAction, AuditEvent, Organization, Role, RoleAssignment
from motiva.kpi.models import Card, CardLine, ComponentScore
from motiva.org.models import Absence, Assignment, Employee, Unit
from motiva.org.selectors import active_on
from motiva.periods.models import IndicatorValue, Period, PeriodStatus
from motiva.periods.services import period_transition


def direct_managers(run: CalculationRun) -> dict[int, set[int]]:
    """Manager's employee id → the ids of their direct reports in the run. The direct manager is the one
    named on the assignment at the end of the period, then the head of the employee's unit and of each
    unit above it, in that order; the first of them who has an active account and is not the employee
    themselves signs (a manager without an account is skipped for the next one up, and so is a head
    for their own result). An employee with nobody above them (the general director) has no manager's
    signature: the executive's approval covers them. Remembered on the run object (one request)."""
    cached: dict[int, set[int]] | None = getattr(run, "_motiva_direct_managers", None)
    if cached is not None:
        return cached
    period = run.period
    units = {
        pk: (head_id, path)
        for pk, head_id, path in Unit.objects.filter(organization_id=run.organization_id).values_list(
            "pk", "head_id", "path"
        )
    }
    rows = Assignment.objects.filter(
        active_on(period.end), employee_id__in=EmployeeResult.objects.filter(run=run).values("employee_id")
    )
    chains: dict[int, list[int]] = {}
    for employee_id, manager_id, unit_id in rows.values_list("employee_id", "manager_id", "unit_id"):
        chain = [manager_id] if manager_id and manager_id != employee_id else []
        if unit_id in units:
            ancestors = [int(part) for part in units[unit_id][1].strip("/").split("/") if part]
            for ancestor in reversed(ancestors):
                head = units.get(ancestor, (None, ""))[0]
                if head and head != employee_id and head not in chain:
                    chain.append(head)
        chains[employee_id] = chain
    candidates = {pk for chain in chains.values() for pk in chain}
    with_account = set(
        Employee.objects.filter(pk__in=candidates, user__isnull=False, user__is_active=True).values_list(
            "pk", flat=True
        )
    )
    reports: dict[int, set[int]] = defaultdict(set)
    for employee_id, chain in chains.items():
        manager = next((pk for pk in chain if pk in with_account), None)
        if manager:
            reports[manager].add(employee_id)
    run._motiva_direct_managers = dict(reports)  # type: ignore[attr-defined]
    return run._motiva_direct_managers  # type: ignore[attr-defined]


# --- Out of date: what changed since the run ---------------------------------------------------------
#
# How a run is known to be out of date: by the audit log. Every write into a period's facts, cards,
# absences, adjustments … goes through a service (or the admin) that records an AuditEvent in the same
# transaction, so the events after the run started are exactly the changes the run did not read — with
# who, what and when for the page, and for any write path added later (timesheets, say) without it
# having to remember to set a marker. Recomputing the run's input hash instead would re-read every card
# and value of the period (seconds for a large organization, on every page view and signature); this
# reads only the events after the run (indexed by time) and matches them to the period's rows in the
# database, in one query. The run's start is taken after every open write into the period has committed
# (`calculation_run_execute` locks the period's row first), so a change is either read by the run or
# listed here.

# Fields that do not change a result: a changed comment or a confirmation does not make a run out of date.
IGNORED_FIELDS: dict[str, frozenset[str]] = {
    "periods.IndicatorValue": frozenset(
        {"comment", "attachment", "confirmed_by", "confirmed_at", "author", "source"}
    ),
    "kpi.ComponentScore": frozenset({"comment", "author"}),
    "kpi.Indicator": frozenset(
        {
            "name",
            "definition",
            "unit_of_measure",
            "data_source",
            "accounting_standard",
            "periodicity",
            "supplier_position",
            "confirmer_position",
            "benchmark",
            "benchmark_note",
            "initiatives",
        }
    ),
    "kpi.Scale": frozenset({"name", "description"}),
    "kpi.PayScheme": frozenset({"name", "description"}),
    "core.Organization": frozenset({"name"}),
    "org.Absence": frozenset({"comment"}),
    "worktime.Timesheet": frozenset({"comment", "entered_by"}),
    # Confirming a provisional calendar year changes no day, so no pay: a run need not be redone for it.
    "worktime.CalendarYear": frozenset({"status", "confirmed_basis", "source"}),
}
NOT_INPUTS = frozenset({"calc.CalculationRun"})


class _EntityPk(Func):
    """An audit event's entity id as a number (the models' ids are), NULL where it is not one: the
    events are matched to the period's rows by their primary keys, one index probe an event."""

    output_field = BigIntegerField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"(CASE WHEN {column} ~ '^[0-9]{{1,18}}$' THEN CAST({column} AS bigint) END)", [
                *params,
                *params,
            ]
        return f"CAST({column} AS INTEGER)", list(params)


Rows = Callable[[Any], QuerySet[Any]]


def period_inputs(period: Period) -> dict[str, Rows]:
    """Entity label → given an entity id, the rows of that id whose change changes the period's results."""
    from django.apps import apps

    organization_id = period.organization_id
    overlapping = Q(start_date__lte=period.end) & (Q(end_date__isnull=True) | Q(end_date__gte=period.start))
    paid = Card.objects.filter(period=period).values("employee_id")
    inputs: dict[str, Rows] = {
        "periods.IndicatorValue": lambda pk: IndicatorValue.objects.filter(pk=pk, period=period),
        "kpi.Card": lambda pk: Card.objects.filter(pk=pk, period=period),
        "kpi.ComponentScore": lambda pk: ComponentScore.objects.filter(pk=pk, card_line__card__period=period),
        # An adjustment counts once it is approved: entering one changes nothing until someone approves it.
        "calc.Adjustment": lambda pk: Adjustment.objects.filter(
            pk=pk, period=period, approved_by__isnull=False
        ),
        "calc.GroupCorrection": lambda pk: GroupCorrection.objects.filter(pk=pk, period=period),
        "org.Absence": lambda pk: Absence.objects.filter(overlapping, pk=pk, organization_id=organization_id),
        # An assignment of anyone paid in the period, whatever its dates are now: a termination backdated
        # before the period moves the row out of it, and that is exactly a change that counts.
        "org.Assignment": lambda pk: Assignment.objects.filter(pk=pk, employee_id__in=paid),
        # Hire, termination and seniority dates; a position's category and a unit's block (caps,
        # variable shares, the three-level terms) of anyone paid in the period.
        "org.Employee": lambda pk: Employee.objects.filter(pk=pk, pk__in=paid),
        "org.Position": lambda pk: Assignment.objects.filter(
            overlapping, position_id=pk, employee_id__in=paid
        ),
        "org.Unit": lambda pk: Assignment.objects.filter(overlapping, unit_id=pk, employee_id__in=paid),
        "kpi.Scale": lambda pk: CardLine.objects.filter(scale_id=pk, card__period=period),
        "kpi.Indicator": lambda pk: CardLine.objects.filter(indicator_id=pk, card__period=period),
        "kpi.PayScheme": lambda pk: Card.objects.filter(scheme_id=pk, period=period),
        "core.Organization": lambda pk: Organization.objects.filter(pk=pk).filter(pk=organization_id),
    }
    # The production calendar of the period's years: working days and hours prorate pay.
    years = list(range(period.start.year, period.end.year + 1))
    for label, lookups in (
        ("worktime.CalendarYear", {"year__in": years, "organization_id": organization_id}),
        ("worktime.CalendarDay", {"calendar__year__in": years, "calendar__organization_id": organization_id}),
    ):
        try:
            model = apps.get_model(label)
            model._default_manager.filter(**lookups).query  # noqa: B018 — the lookups exist
        except (LookupError, FieldError):
            continue
        inputs[label] = lambda pk, manager=model._default_manager, lookups=lookups: manager.filter(
            pk=pk, **lookups
        )
    # Any other model whose rows belong to one period (a timesheet, say) is an input of that period too.
    for model in apps.get_models():
        label = model._meta.label
        if label in inputs or label in NOT_INPUTS or not model.__module__.startswith("motiva."):
            continue
        field = next(
            (
                f
                for f in model._meta.concrete_fields
                if f.name == "period" and getattr(f, "related_model", None) is Period
            ),
            None,
        )
        if field is not None:
            inputs[label] = lambda pk, manager=model._default_manager: manager.filter(pk=pk, period=period)
    return inputs


def run_inputs_since(run: CalculationRun) -> dt.datetime:
    """The moment the run read its inputs: a change recorded from then on may be missing from it."""
    return run.started_at or run.created_at


def changes_since(run: CalculationRun) -> QuerySet[AuditEvent]:
    """The audit events of the run's period's inputs recorded after the run started, newest first. Only
    the events after the run are read (by time, and of the organization: component scores and calendar
    days record none), each matched to the period by its row's primary key — the cost follows the
    changes since the run, not the size of the period."""
    period = run.period
    inputs = period_inputs(period)
    entity = OuterRef("motiva_entity_pk")
    matches = Q()
    for label, rows in inputs.items():
        clause = Q(entity_type=label) & Q(Exists(rows(entity)))
        if label in IGNORED_FIELDS:
            clause &= ~Q(field__in=IGNORED_FIELDS[label])
        matches |= clause
    # A deleted row cannot be matched to its period any more: any deletion of an input in the
    # organization counts (only the admin deletes, rarely).
    matches |= Q(action=AuditAction.DELETE, organization_id=period.organization_id)
    return (
        AuditEvent.objects.filter(
            Q(organization_id=period.organization_id) | Q(organization__isnull=True),
            at__gte=run_inputs_since(run),
            entity_type__in=list(inputs),
        )
        .annotate(motiva_entity_pk=_EntityPk("entity_id"))
        .filter(matches)
        .select_related("actor")
        .order_by("-at", "-id")
    )


def is_out_of_date(run: CalculationRun) -> bool:
    """Reads the whole log after the run: what signing and closing check."""
    return changes_since(run).exists()


RECENT_SHOWN = 21  # a page lists 20 and says whether there are more
RECENT_MARGIN = dt.timedelta(minutes=10)


def recent_changes(run: CalculationRun) -> list[AuditEvent]:
    """For pages: the newest changes since the run (up to RECENT_SHOWN). The cost of `changes_since`
    follows the events after the run — a month's fact load of the next period is hundreds of thousands
    in a large organization — so a page remembers what it found for the run and on the next view reads
    only the events recorded since, with a margin of ten minutes for transactions that commit late.
    Signing and closing do not rely on this: they read the whole log (`is_out_of_date`)."""
    from django.core.cache import cache

    key = f"motiva:changes:{run.pk}:{run_inputs_since(run).timestamp()}"
    looked_at = timezone.now()
    cached = cache.get(key)
    events = changes_since(run)
    if cached is None:
        found = list(events[:RECENT_SHOWN])
    else:
        checked_at, ids = cached
        newer = list(events.filter(at__gte=checked_at - RECENT_MARGIN)[:RECENT_SHOWN])
        seen = {e.pk for e in newer}
        earlier = list(
            AuditEvent.objects.filter(pk__in=[pk for pk in ids if pk not in seen]).select_related("actor")
        )
        found = sorted([*newer, *earlier], key=lambda e: (e.at, e.pk), reverse=True)[:RECENT_SHOWN]
    cache.set(key, (looked_at, [e.pk for e in found]), 7 * 24 * 3600)
    return found


def entity_label(entity_type: str) -> str:
    """The model's name in the active language ("plan or fact value") for an audit entity label."""
    from django.apps import apps

    try:
        return str(apps.get_model(entity_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return entity_type


def _out_of_date(run: CalculationRun) -> InvalidInput:
    """The refusal names the kind of the latest change, who and when — not the row itself, which may
    be someone else's pay (the page lists the changes to those who may read them)."""
    from django.utils import translation

    change = changes_since(run).first()
    assert change is not None
    who = (change.actor.get_full_name() or change.actor.username) if change.actor else "—"
    names = {}
    for language in ("ru", "en"):
        with translation.override(language):
            names[language] = entity_label(change.entity_type)
    return InvalidInput(
        [
            problem(
                "out_of_date",
                "run",
                "Расчёт №{run} устарел: после него изменены данные периода ({what}: {who}, {when}). Пересчитайте период, затем подписывайте и закрывайте.",
                "Run #{run} is out of date: the period's data changed after it ({what_en}: {who}, {when}). Recalculate the period, then sign and close.",
                run=run.pk,
                what=names["ru"],
                what_en=names["en"],
                who=who,
                when=timezone.localtime(change.at).strftime("%d.%m.%Y %H:%M"),
            )
        ]
    )


# --- Who signs -----------------------------------------------------------------------------------------


def _role_users(organization_id: int, role: str) -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(
            is_active=True, motiva_roles__organization_id=organization_id, motiva_roles__role=role
        )
        .distinct()
    )


def paid_users(run: CalculationRun, users: QuerySet[Any]) -> set[int]:
    """The ids of those of `users` whose own pay is in the run."""
    return set(
        EmployeeResult.objects.filter(run=run, employee__user__in=users).values_list(
            "employee__user_id", flat=True
        )
    )


def executive_paid(run: CalculationRun) -> bool:
    """Whether the run holds the own pay of a general director (then the board / owner approves it)."""
    return bool(paid_users(run, _role_users(run.organization_id, Role.EXECUTIVE)))


def may_approve(user: Any, run: CalculationRun) -> bool:
    """Whether `user` may give the general director's signature (the own-pay rule is checked apart): the
    executive, or the board / owner for a run that holds a general director's own pay."""
    if not getattr(user, "pk", None):
        return False
    roles = set(
        RoleAssignment.objects.filter(user=user, organization_id=run.organization_id).values_list(
            "role", flat=True
        )
    )
    return Role.EXECUTIVE in roles or (Role.BOARD in roles and executive_paid(run))


@dataclass(frozen=True)
class PendingSignature:
    kind: str
    names: list[str]  # who may give it (empty: nobody can yet)


def _names(users: Any) -> list[str]:
    return sorted(u.get_full_name() or u.username for u in users)


def pending_signatures(run: CalculationRun) -> list[PendingSignature]:
    """The signatures the run still needs at its period's stage, with who may give each."""
    period = run.period
    given = signatures(run)
    pending: list[PendingSignature] = []
    if period.status == PeriodStatus.CALCULATED:
        for manager in missing_manager_signatures(run):
            pending.append(PendingSignature(SignatureKind.MANAGER, [str(manager)]))
        if SignatureKind.EXECUTIVE not in given:
            executives = _role_users(run.organization_id, Role.EXECUTIVE)
            paid = paid_users(run, executives)
            able = [u for u in executives if u.pk not in paid]
            if paid:
                board = _role_users(run.organization_id, Role.BOARD)
                board_paid = paid_users(run, board)
                able += [u for u in board if u.pk not in board_paid and u not in able]
            pending.append(PendingSignature(SignatureKind.EXECUTIVE, _names(able)))
    elif period.status == PeriodStatus.APPROVED:
        signers = {
            s.signer_id for kind in (SignatureKind.HR, SignatureKind.FINANCE) for s in given.get(kind, [])
        }
        for kind, role in ((SignatureKind.HR, Role.HR), (SignatureKind.FINANCE, Role.FINANCE)):
            if kind not in given:
                users = _role_users(run.organization_id, role)
                paid = paid_users(run, users)
                pending.append(
                    PendingSignature(
                        kind, _names(u for u in users if u.pk not in paid and u.pk not in signers)
                    )
                )
    return pending


def missing_manager_signatures(run: CalculationRun, *, except_employee: int | None = None) -> list[Employee]:
    signed = set(
        RunSignature.objects.filter(run=run, kind=SignatureKind.MANAGER, revoked_at__isnull=True).values_list(
            "signer_employee_id", flat=True
        )
    )
    missing = [pk for pk in direct_managers(run) if pk not in signed and pk != except_employee]
    return list(Employee.objects.filter(pk__in=missing).order_by("last_name", "first_name"))


def _employee_of(actor: Any) -> Employee | None:
    return Employee.objects.filter(user=actor).first() if getattr(actor, "pk", None) else None


def _refuse(code: str, ru: str, en: str, **params: Any) -> InvalidInput:
    return InvalidInput([problem(code, "signature", ru, en, **params)])


@transaction.atomic
def run_sign(*, actor: Any, run: CalculationRun, kind: str, comment: str = "") -> RunSignature:
    """Sign the run in the role `kind`; the general director's signature approves the period."""
    period = Period.objects.select_for_update().get(pk=run.period_id)
    if run.status != RunStatus.DONE or latest_run(period) != run:
        raise _refuse(
            "not_latest",
            "Подписывается только последний завершённый расчёт периода",
            "Only the period's latest finished run is signed",
        )
    if CalculationRun.objects.filter(period=period, unit__isnull=True, status__in=ACTIVE_STATUSES).exists():
        # The new run would revoke this signature as soon as it is stored, without the reason it was started with.
        raise _refuse(
            "run_in_progress",
            "Идёт пересчёт периода: подписать можно его результат, когда он будет готов",
            "The period is being recalculated: sign its results when they are ready",
        )
    if kind not in SignatureKind.values:
        raise _refuse("choice", "Неизвестный вид подписи", "Unknown kind of signature")
    if is_out_of_date(run):
        raise _out_of_date(run)
    employee = _employee_of(actor)
    expected = (
        PeriodStatus.APPROVED
        if kind in (SignatureKind.HR, SignatureKind.FINANCE)
        else PeriodStatus.CALCULATED
    )
    if period.status != expected:
        raise _refuse(
            "status",
            "Сейчас эту подпись поставить нельзя: период в статусе «{s}»",
            "This signature cannot be given now: the period is “{s}”",
            s=period.get_status_display(),
        )
    if RunSignature.objects.filter(run=run, kind=kind, signer=actor).exists():
        raise _refuse("already_signed", "Вы уже подписали этот расчёт", "You have already signed this run")
    if (
        kind in (SignatureKind.HR, SignatureKind.FINANCE)
        and RunSignature.objects.filter(
            run=run, signer=actor, kind__in=[SignatureKind.HR, SignatureKind.FINANCE]
        ).exists()
    ):
        raise _refuse(
            "two_people",
            "Подписи HR и финансов ставят два разных человека",
            "The HR and finance sign-offs come from two different people",
        )
    if kind == SignatureKind.MANAGER:
        if employee is None or employee.pk not in direct_managers(run):
            raise _refuse(
                "not_manager",
                "В расчёте нет ваших прямых подчинённых",
                "The run has none of your direct reports",
            )
    elif kind == SignatureKind.EXECUTIVE and not may_approve(actor, run):
        raise _refuse(
            "not_executive",
            "Утверждает генеральный директор; совет директоров (собственник) — только расчёт с премией самого директора",
            "The general director approves; the board (owner) only a run that holds the director's own pay",
        )
    if (
        kind != SignatureKind.MANAGER
        and employee is not None
        and EmployeeResult.objects.filter(run=run, employee=employee).exists()
    ):
        raise _refuse(
            "own_pay",
            "В расчёте есть ваша собственная премия: эту подпись ставит другой человек",
            "The run contains your own pay: someone else gives this signature",
        )
    if kind == SignatureKind.EXECUTIVE:
        missing = missing_manager_signatures(run, except_employee=employee.pk if employee else None)
        if missing:
            raise _refuse(
                "managers_first",
                "Сначала результаты подписывают руководители: {names}",
                "The managers sign first: {names}",
                names=", ".join(str(m) for m in missing),
            )
    signature = RunSignature.objects.create(
        run=run, kind=kind, signer=actor, signer_employee=employee, comment=comment.strip()
    )
    audit.record_create(actor=actor, obj=signature, fields=["run", "kind", "comment"])
    if kind == SignatureKind.EXECUTIVE:
        period_transition(
            actor=actor, period=period, to_status=PeriodStatus.APPROVED, reason=f"run #{run.pk}"
        )
    return signature


@transaction.atomic
def period_close(*, actor: Any, period: Period) -> Period:
    """Close an approved period once HR and finance have signed off its latest run."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    run = latest_run(period)
    if period.status != PeriodStatus.APPROVED or run is None:
        raise _refuse(
            "status", "Закрыть можно только утверждённый период", "Only an approved period can be closed"
        )
    if is_out_of_date(run):
        raise _out_of_date(run)
    kinds = set(RunSignature.objects.filter(run=run, revoked_at__isnull=True).values_list("kind", flat=True))
    labels = (
        (SignatureKind.EXECUTIVE, "генерального директора", "the general director"),
        (SignatureKind.HR, "HR", "HR"),
        (SignatureKind.FINANCE, "финансов", "finance"),
    )
    missing = [(ru, en) for kind, ru, en in labels if kind not in kinds]
    if missing:
        raise _refuse(
            "sign_off_first",
            "Перед закрытием нужны подписи: " + ", ".join(ru for ru, _en in missing),
            "Closing needs the signatures of: " + ", ".join(en for _ru, en in missing),
        )
    return period_transition(
        actor=actor, period=period, to_status=PeriodStatus.CLOSED, reason=f"run #{run.pk}"
    )


def signatures_revoke(*, actor: Any, run: CalculationRun) -> list[RunSignature]:
    """A new whole-organization run of the period supersedes the runs before it: their signatures are
    revoked — kept, marked with who recalculated, when and the run's reason, and each recorded in the
    audit log. Called inside the transaction that stores the new run."""
    revoked = list(
        RunSignature.objects.select_for_update()
        .filter(run__period_id=run.period_id, revoked_at__isnull=True)
        .exclude(run=run)
        .select_related("run", "signer")
    )
    now = timezone.now()
    reason = run.reason or f"run #{run.pk}"
    for signature in revoked:
        audit.apply_changes(
            actor=actor,
            obj=signature,
            reason=f"{reason} (run #{run.pk})",
            changes={
                "revoked_at": now,
                "revoked_by": actor if getattr(actor, "pk", None) else None,
                "revoked_by_run": run,
                "revoked_reason": reason,
            },
        )
    return revoked


def revocations(period: Period) -> list[dict[str, Any]]:
    """The period's revoked signatures, grouped by the run that revoked them (newest first)."""
    grouped: dict[int | None, dict[str, Any]] = {}
    for signature in (
        RunSignature.objects.filter(run__period=period, revoked_at__isnull=False)
        .select_related("signer", "revoked_by", "revoked_by_run")
        .order_by("-revoked_at", "run_id", "signed_at", "id")
    ):
        item = grouped.setdefault(
            signature.revoked_by_run_id,
            {
                "run": signature.revoked_by_run,
                "at": signature.revoked_at,
                "by": signature.revoked_by,
                "reason": signature.revoked_reason,
                "signatures": [],
            },
        )
        item["signatures"].append(signature)
    return list(grouped.values())


def can_sign(viewer: Any, run: CalculationRun, kind: str) -> bool:
    """Whether the signature button is offered; the approval service checks the sequence and own pay."""
    if kind == "manager":
        # Only someone with a subtree can be a direct manager; the full check reads the run's assignments
        # (once per run and request).
        if not viewer.is_manager(run.organization_id) or viewer.employee is None:
            return False
        if run.pk not in viewer.run_managers:
            viewer.run_managers[run.pk] = frozenset(direct_managers(run))
        return viewer.employee.pk in viewer.run_managers[run.pk]
    if (
        kind == "executive"
        and not viewer.has(run.organization_id, Role.EXECUTIVE)
        and viewer.has(run.organization_id, Role.BOARD)
    ):
        # The board / owner approves only a run that holds a general director's own pay.
        return executive_paid(run)
    role = {"executive": Role.EXECUTIVE, "hr": Role.HR, "finance": Role.FINANCE}.get(kind)
    return role is not None and viewer.has(run.organization_id, role)
