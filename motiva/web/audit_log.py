"""The audit log as a reader wants it: one entry per change, the person or object it concerns named,
entities and fields by their Russian names, old and new values written for the reader's locale."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motiva.core import access, audit_read
from motiva.core.models import AuditAction, AuditEvent, Organization
from motiva.exports import pages as exports
from motiva.exports.tabular import download
from motiva.web.decorators import viewer_required
from motiva.web.search import contains
from motiva.web.templatetags.motiva import money, num

CHANGES_PER_PAGE = 25
OBJECTS_SHOWN = 200  # events of one change listed in its details; the rest are counted
MONEY_FIELDS = frozenset({"salary", "salary_min", "salary_max", "amount", "planned_amount", "pay"})
PEOPLE_LIMIT = 20
# Technical keys the object's name already says in words (a value's or a run's scope).
HIDDEN_FIELDS = frozenset({"scope_key"})
_REFERENCE = re.compile(r"\s*\(#\d+\)$")


class AuditFilterForm(forms.Form):
    """The log's filters, from the query string. An unusable value is an error on its field; the other
    filters still apply."""

    person = forms.CharField(
        label=gettext_lazy("Person"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Name or personnel number"),
    )
    entity = forms.ChoiceField(label=gettext_lazy("Object type"), required=False)
    who = forms.CharField(label=gettext_lazy("Who changed"), required=False, max_length=100)
    q = forms.CharField(label=gettext_lazy("Object or reason"), required=False, max_length=200)
    field = forms.CharField(label=gettext_lazy("Field"), required=False, max_length=80)

    def __init__(
        self, data: Any, *, viewer: access.Viewer, organization: Organization, types: list[str]
    ) -> None:
        super().__init__(data)
        self.viewer, self.organization = viewer, organization
        # "from" and "to" are the query's names (a Python keyword cannot be a declared field)
        self.fields["from"] = forms.DateField(label=gettext_lazy("From"), required=False)
        self.fields["to"] = forms.DateField(label=gettext_lazy("To"), required=False)
        for name in ("from", "to"):
            self.fields[name].widget.input_type = "date"
        choices = sorted(((t, entity_label(t, plural=True)) for t in types), key=lambda c: str(c[1]))
        self.fields["entity"].choices = [("", _("any")), *choices]

    def clean_person(self) -> list[Any] | None:
        text = self.cleaned_data["person"].strip()
        if not text:
            return None
        people = access.employees(self.viewer, self.organization)
        for term in text.split():
            people = people.filter(
                contains("last_name", term)
                | contains("first_name", term)
                | contains("middle_name", term)
                | Q(personnel_number__iexact=term)
            )
        found = list(people.order_by("last_name", "first_name")[: PEOPLE_LIMIT + 1])
        if not found:
            raise ValidationError(_("No one in the organization matches “%(text)s”.") % {"text": text})
        if len(found) > PEOPLE_LIMIT:
            raise ValidationError(
                _("More than %(n)s people match “%(text)s”: type more of the name or the personnel number.")
                % {"n": PEOPLE_LIMIT, "text": text}
            )
        return found

    def clean_who(self) -> list[int] | None:
        from django.contrib.auth import get_user_model

        text = self.cleaned_data["who"].strip()
        if not text:
            return None
        users = get_user_model().objects.filter(
            Q(username__icontains=text) | contains("last_name", text) | contains("first_name", text)
        )
        ids = list(users.values_list("pk", flat=True)[:500])
        if not ids:
            raise ValidationError(_("No user matches “%(text)s”.") % {"text": text})
        return ids

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", _("The end date is before the start date."))
        return data


def entity_label(entity_type: str, *, plural: bool = False) -> str:
    model = audit_read.model_of(entity_type)
    if model is None:
        return entity_type
    meta = model._meta
    return capfirst(str(meta.verbose_name_plural if plural else meta.verbose_name))


def _model_field(entity_type: str, name: str) -> models.Field | None:
    model = audit_read.model_of(entity_type)
    if model is None or not name:
        return None
    try:
        return model._meta.get_field(name)  # type: ignore[return-value]
    except FieldDoesNotExist:
        return None


def field_label(entity_type: str, name: str) -> str:
    model_field = _model_field(entity_type, name)
    label = getattr(model_field, "verbose_name", None)
    return capfirst(str(label)) if label else name


def value_display(entity_type: str, name: str, raw: str, currency: str) -> str:
    """A stored audit value ("93.4", "2026-03-31", "personal", "Отдел (#12)") as the reader reads it."""
    if raw == "" or raw is None:
        return "—"
    model_field = _model_field(entity_type, name)
    if model_field is None:
        return raw
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(raw, raw))
    if isinstance(model_field, models.ForeignKey):
        return _REFERENCE.sub("", raw)
    if isinstance(model_field, models.BooleanField):
        return {"true": _("yes"), "false": _("no")}.get(raw, raw)
    if isinstance(model_field, models.DecimalField | models.IntegerField | models.FloatField):
        try:
            number = Decimal(raw)
        except InvalidOperation:
            return raw
        return money(number, currency) if name in MONEY_FIELDS else num(number)
    if isinstance(model_field, models.DateTimeField):
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            return raw
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return date_format(moment, "SHORT_DATETIME_FORMAT")
    if isinstance(model_field, models.DateField):
        try:
            return date_format(dt.date.fromisoformat(raw), "SHORT_DATE_FORMAT")
        except ValueError:
            return raw
    return raw


def _shown(viewer: access.Viewer, organization: Organization, event: AuditEvent, raw: str) -> str:
    masked = access.mask_pay_field(viewer, organization.pk, event.field, raw)
    if masked != raw:
        return masked
    return value_display(event.entity_type, event.field, raw, organization.currency)


def _object_name(
    viewer: access.Viewer, organization: Organization, event: AuditEvent, named: audit_read.Named | None
) -> str:
    if event.entity_type in access.PAY_ENTITIES and not viewer.reads_all_pay(organization.pk):
        # its description names an amount: the type and the person only
        person = named.person if named else None
        return f"{entity_label(event.entity_type)}{f' · {person}' if person else ''}"
    return named.text if named else event.entity_repr


def build_entries(
    viewer: access.Viewer, organization: Organization, events: Any, page: Any
) -> list[dict[str, Any]]:
    rows = list(page)
    parts = audit_read.change_parts(events, [r["change_id"] for r in rows], OBJECTS_SHOWN)
    names = audit_read.describe(e for p in parts.values() for e in p.events)
    actions = dict(AuditAction.choices)
    entries = []
    for row in rows:
        part = parts[row["change_id"]]
        objects: dict[tuple[str, str], dict[str, Any]] = {}
        people: dict[int, Any] = {}
        for event in part.events:
            key = (event.entity_type, event.entity_id)
            named = names.get(key)
            if named is not None and named.person is not None:
                people.setdefault(named.person.pk, named.person)
            item = objects.get(key)
            if item is None:
                item = objects[key] = {
                    "type": entity_label(event.entity_type),
                    "name": _object_name(viewer, organization, event, named),
                    "action": actions.get(event.action, event.action),
                    "fields": [],
                }
            if event.field and event.field not in HIDDEN_FIELDS:
                item["fields"].append(
                    {
                        "label": field_label(event.entity_type, event.field),
                        "old": _shown(viewer, organization, event, event.old_value),
                        "new": _shown(viewer, organization, event, event.new_value),
                        "created": event.action == AuditAction.CREATE,
                    }
                )
        first = part.events[0] if part.events else None
        summary = [
            {
                "action": actions.get(c["action"], c["action"]),
                "type": entity_label(c["entity_type"], plural=c["objects"] > 1),
                "objects": c["objects"],
            }
            for c in part.counts
        ]
        listed = list(objects.values())
        entries.append(
            {
                "at": row["at"],
                "actor": first.actor if first else None,
                "reason": next((e.reason for e in part.events if e.reason), ""),
                "summary": summary,
                "single": listed[0] if row["entities"] == 1 and len(listed) == 1 else None,
                "objects": listed,
                "more": max(0, row["entities"] - len(listed)),
                "people": list(people.values()),
                "change_id": row["change_id"],
            }
        )
    return entries


@viewer_required
def audit_log(request: HttpRequest, org: int) -> HttpResponse:
    viewer = request.viewer
    organization = access.organization_or_404(viewer, org)
    if not access.can_read_audit(viewer, organization.pk):
        raise Http404
    fmt = exports.export_format(request)  # ?format=xlsx|csv: every listed change, page after page
    if isinstance(fmt, HttpResponse):
        return fmt
    types = audit_read.entity_types(organization)
    form = AuditFilterForm(request.GET, viewer=viewer, organization=organization, types=types)
    form.is_valid()
    data = form.cleaned_data  # the valid filters; an invalid one is shown as its field's error
    people = data.get("person")
    events = audit_read.events_of(
        organization,
        people=[p.pk for p in people] if people else None,
        entity_type=data.get("entity") or "",
        actors=data.get("who"),
        date_from=data.get("from"),
        date_to=data.get("to"),
        text=(data.get("q") or "").strip(),
        field_name=(data.get("field") or "").strip(),
        reads_pay=viewer.reads_all_pay(organization.pk),
    )
    if fmt is not None:
        paginator = Paginator(audit_read.changes(events), CHANGES_PER_PAGE)
        pages = (
            build_entries(viewer, organization, events, paginator.page(number))
            for number in paginator.page_range
        )
        return download(request, exports.audit_table(pages), fmt, "motiva-audit", _("Audit log"))
    page = Paginator(audit_read.changes(events), CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/audit.html",
        {
            "organization": organization,
            "form": form,
            "entries": build_entries(viewer, organization, events, page),
            "page": page,
            "people": people or [],
            "query": query.urlencode(),
            "export_query": exports.page_query(request),
        },
    )
