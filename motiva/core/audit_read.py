"""Reading the audit trail: events filtered, grouped into changes, and the objects they concern named.

The trail stores one event per changed field with the entity's description at the time of writing
(`entity_repr`). Readers want to know *whom* an event concerns: the person behind a fact, a card or
an assignment. `describe` loads the objects of one page in a query per entity type and names them;
an object deleted since keeps its stored description."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import CharField, Count, Max, Min, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from motiva.core.access import PAY_ENTITIES
from motiva.core.models import AuditEvent, Organization
from motiva.org.models import Employee


def events_of(
    organization: Organization,
    *,
    people: Iterable[int] | None = None,
    entity_type: str = "",
    actors: Iterable[int] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    text: str = "",
    field_name: str = "",
    reads_pay: bool = False,
) -> QuerySet[AuditEvent]:
    """The organization's events matching every filter given. The text is searched only where the
    reader sees it: for a reader without the right to pay, the description of a pay entity (which names
    the amount, see access.PAY_ENTITIES) is not searched, else its digits could be found one by one."""
    events = AuditEvent.objects.filter(organization=organization)
    if people is not None:
        events = events.filter(concerning(list(people)))
    if entity_type:
        events = events.filter(entity_type=entity_type)
    if actors is not None:
        events = events.filter(actor_id__in=list(actors))
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    if text:
        described = Q(entity_repr__icontains=text)
        if not reads_pay:
            described &= ~Q(entity_type__in=sorted(PAY_ENTITIES))
        events = events.filter(described | Q(reason__icontains=text))
    if field_name:
        events = events.filter(field=field_name)
    return events


def _ids(queryset: QuerySet[Any]) -> QuerySet[Any]:
    # entity_id is text: compare with the primary keys written as text, in the database
    return queryset.annotate(_pk_text=Cast("pk", CharField())).values("_pk_text")


def concerning(employee_ids: list[int]) -> Q:
    """Events about these people: the person, their assignments, absences, cards, personal values,
    component scores and adjustments."""
    from motiva.calc.models import Adjustment
    from motiva.kpi.models import Card, ComponentScore
    from motiva.org.models import Absence, Assignment
    from motiva.periods.models import IndicatorValue

    pairs: list[tuple[str, QuerySet[Any]]] = [
        ("org.Employee", Employee.objects.filter(pk__in=employee_ids)),
        ("org.Assignment", Assignment.objects.filter(employee_id__in=employee_ids)),
        ("org.Absence", Absence.objects.filter(employee_id__in=employee_ids)),
        ("kpi.Card", Card.objects.filter(employee_id__in=employee_ids)),
        ("periods.IndicatorValue", IndicatorValue.objects.filter(employee_id__in=employee_ids)),
        ("kpi.ComponentScore", ComponentScore.objects.filter(card_line__card__employee_id__in=employee_ids)),
        ("calc.Adjustment", Adjustment.objects.filter(employee_id__in=employee_ids)),
    ]
    query = Q(pk__in=[])
    for label, queryset in pairs:
        query |= Q(entity_type=label, entity_id__in=_ids(queryset))
    return query


def entity_types(organization: Organization) -> list[str]:
    return list(
        AuditEvent.objects.filter(organization=organization)
        .values_list("entity_type", flat=True)
        .distinct()
        .order_by("entity_type")
    )


def changes(events: QuerySet[AuditEvent]) -> QuerySet[Any]:
    """One row per change (its events share change_id), newest first: change_id, at, events, entities."""
    return (
        events.values("change_id")
        .annotate(
            last_id=Max("id"),
            first_id=Min("id"),
            at=Max("at"),
            events=Count("id"),
            entities=Count("entity_id", distinct=True),
        )
        .order_by("-last_id")
    )


@dataclass
class ChangeParts:
    """The events of one change on a page: the first few in full, and counts by entity type and action."""

    change_id: uuid.UUID
    events: list[AuditEvent] = field(default_factory=list)
    counts: list[dict[str, Any]] = field(default_factory=list)  # entity_type, action, objects


def change_parts(
    events: QuerySet[AuditEvent], change_ids: list[uuid.UUID], limit: int
) -> dict[uuid.UUID, ChangeParts]:
    """For each change, its first `limit` events (matching the filters) and its counts."""
    parts = {cid: ChangeParts(cid) for cid in change_ids}
    for row in (
        events.filter(change_id__in=change_ids)
        .values("change_id", "entity_type", "action")
        .annotate(objects=Count("entity_id", distinct=True), first=Min("id"))
        .order_by("first")
    ):
        parts[row["change_id"]].counts.append(row)
    for cid in change_ids:
        parts[cid].events = list(events.filter(change_id=cid).select_related("actor").order_by("id")[:limit])
    return parts


# Naming the objects of one page ------------------------------------------------------------------


@dataclass(frozen=True)
class Named:
    text: str  # what the object is, in words
    person: Employee | None = None  # the person it concerns, if any


def _employee_of(obj: Any) -> Employee | None:
    return getattr(obj, "employee", None)


def _value(obj: Any) -> Named:
    if obj.employee_id:
        scope = str(obj.employee)
    elif obj.unit_id:
        scope = obj.unit.name
    else:
        scope = _("the whole company")
    return Named(
        f"{obj.indicator.name} · {obj.get_kind_display()} · {obj.period.name} · {scope}", obj.employee
    )


def _run(obj: Any) -> Named:
    scope = obj.unit.name if obj.unit_id else _("the whole organization")
    return Named(
        _("Run No. %(n)s of %(period)s (%(scope)s)")
        % {"n": obj.pk, "period": obj.period.name, "scope": scope}
    )


def _score(obj: Any) -> Named:
    line = obj.card_line
    title = line.label or (line.indicator.name if line.indicator_id else line.get_component_display())
    return Named(f"{line.card.employee} · {title} · {line.card.period.name}", line.card.employee)


def _card_line(obj: Any) -> Named:
    title = obj.label or (obj.indicator.name if obj.indicator_id else obj.get_component_display())
    return Named(f"{obj.card.employee} · {title} · {obj.card.period.name}", obj.card.employee)


def _template_line(obj: Any) -> Named:
    title = obj.label or (obj.indicator.name if obj.indicator_id else obj.get_component_display())
    return Named(f"{obj.template} · {title}")


def _assignment(obj: Any) -> Named:
    span = _("from %(start)s") % {"start": date_format(obj.start_date, "SHORT_DATE_FORMAT")}
    if obj.end_date:
        span += " " + _("to %(end)s") % {"end": date_format(obj.end_date, "SHORT_DATE_FORMAT")}
    return Named(f"{obj.employee} · {obj.position.title} · {span}", obj.employee)


def _adjustment(obj: Any) -> Named:
    return Named(f"{obj.employee} · {obj.get_kind_display()} · {obj.period.name}", obj.employee)


def _with_person(obj: Any) -> Named:
    return Named(str(obj), _employee_of(obj))


# entity type → (related objects to load with it, how to name it)
NAMERS: dict[str, tuple[tuple[str, ...], Callable[[Any], Named]]] = {
    "periods.IndicatorValue": (("indicator", "period", "unit", "employee"), _value),
    "calc.CalculationRun": (("period", "unit"), _run),
    "kpi.ComponentScore": (
        ("card_line__card__employee", "card_line__card__period", "card_line__indicator"),
        _score,
    ),
    "kpi.CardLine": (("card__employee", "card__period", "indicator"), _card_line),
    "kpi.CardTemplateLine": (("template", "indicator"), _template_line),
    "kpi.Card": (("employee", "period"), _with_person),
    "org.Assignment": (("employee", "position"), _assignment),
    "org.Absence": (("employee",), _with_person),
    "calc.Adjustment": (("employee", "period"), _adjustment),
    "org.Employee": ((), lambda obj: Named(str(obj), obj)),
}


def model_of(entity_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(entity_type)
    except (LookupError, ValueError):
        return None


def describe(events: Iterable[AuditEvent]) -> dict[tuple[str, str], Named]:
    """(entity_type, entity_id) → how to name the object, for the given events (a query per type)."""
    wanted: dict[str, set[str]] = {}
    for event in events:
        wanted.setdefault(event.entity_type, set()).add(event.entity_id)
    named: dict[tuple[str, str], Named] = {}
    for entity_type, ids in wanted.items():
        model = model_of(entity_type)
        numeric = [int(i) for i in ids if i.isdigit()]
        if model is None or not numeric:
            continue
        related, namer = NAMERS.get(entity_type, ((), lambda obj: Named(str(obj))))
        queryset = model._default_manager.filter(pk__in=numeric)
        if related:
            queryset = queryset.select_related(*related)
        for obj in queryset:
            try:
                named[(entity_type, str(obj.pk))] = namer(obj)
            except (AttributeError, models.ObjectDoesNotExist):
                named[(entity_type, str(obj.pk))] = Named(str(obj))
    return named
