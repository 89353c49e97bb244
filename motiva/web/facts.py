"""Fact entry: a grid of indicators × employees (or units, or the company) for one period, with paste
from Excel, validation per cell, who entered what and when, and confirmation by the fact confirmer."""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.timezone import localtime
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from motiva.core import access
from motiva.core.errors import InvalidInput, problem
from motiva.core.files import is_disk_full
from motiva.core.models import AuditEvent, Role
from motiva.engine.numbers import NotANumber
from motiva.exports import pages as exports
from motiva.exports.tabular import download
from motiva.kpi.models import Card, CardLine, Indicator
from motiva.org.models import Assignment, Employee, Unit
from motiva.org.selectors import active_on, position_id_as_of
from motiva.periods.models import IndicatorValue, Period, PeriodStatus, Scope
from motiva.periods.selectors import (
    confirmations_by_period,
    confirmed_by_position,
    is_confirmer,
    values_awaiting_confirmation,
)
from motiva.periods.services import value_annotate, value_confirm, value_set, values_confirm
from motiva.web.decorators import viewer_required
from motiva.web.forms import parse_number
from motiva.web.periods import period_or_404
from motiva.web.search import contains
from motiva.web.versions import FIELD_NAME as VERSION_FIELD
from motiva.web.versions import changed_by, version_of

LEVEL_SCOPES = {"personal": Scope.EMPLOYEE, "unit": Scope.UNIT, "company": Scope.COMPANY}
LEVEL_LABELS = {
    "personal": gettext_lazy("Employees"),
    "unit": gettext_lazy("Units"),
    "company": gettext_lazy("Company"),
}
KIND_LABELS = {"fact": gettext_lazy("Facts"), "plan": gettext_lazy("Plans")}
PAGE_SIZE = 50


def _position_of(viewer: access.Viewer, period: Period) -> int | None:
    if viewer.employee is None or viewer.employee.organization_id != period.organization_id:
        return None
    return position_id_as_of(viewer.employee, timezone.localdate())


def _entered_lines(period: Period) -> Any:
    """The card lines of the period whose facts are entered (not computed by a formula)."""
    return CardLine.objects.filter(
        card__period=period, component="indicator", indicator__isnull=False, indicator__formula=""
    )


def _confirmer(line_confirmer: int | None, indicator_confirmer: int | None) -> int | None:
    """A card line's own fact confirmer, or else the indicator's."""
    return line_confirmer or indicator_confirmer


def _cache_key(what: str, period: Period, *extra: Any) -> str:
    """A cache key that changes with the period's cards and with any write (every service write is
    audited; card lines are replaced by new rows): the period's cards (count and newest) and the newest
    card line, indicator and audit event. Four index-only reads."""
    from motiva.core.models import AuditEvent

    cards = Card.objects.filter(period=period).aggregate(n=Count("id"), last=Max("id"))
    parts = [
        what,
        period.pk,
        cards["n"],
        cards["last"],
        CardLine.objects.aggregate(last=Max("id"))["last"],
        Indicator.objects.aggregate(last=Max("id"))["last"],
        AuditEvent.objects.aggregate(last=Max("id"))["last"],
        *extra,
    ]
    return "motiva:grid:" + hashlib.blake2s(repr(parts).encode(), digest_size=16).hexdigest()


def line_summary(period: Period) -> list[tuple[Any, ...]]:
    """The distinct (level, indicator, supplier, line confirmer, indicator confirmer) of the period's
    entered card lines: a few dozen rows, but read from every line of the period (tens of thousands at
    10 000 people). Remembered until anything is written: the key holds the period's cards (count and
    newest) and the newest card line, indicator and audit event (see `_cache_key`)."""
    key = _cache_key("lines", period)
    rows = cache.get(key)
    if rows is None:
        rows = list(
            _entered_lines(period)
            .order_by()
            .values_list(
                "level",
                "indicator_id",
                "indicator__supplier_position_id",
                "confirmer_position_id",
                "indicator__confirmer_position_id",
            )
            .distinct()
        )
        cache.set(key, rows, 600)
    return rows


class Rights:
    """What one viewer may enter or confirm in one period, level by level — read from one query over
    the period's card lines (a few rows per indicator, whatever the number of cards)."""

    def __init__(self, viewer: access.Viewer, period: Period) -> None:
        self.viewer, self.period = viewer, period
        organization_id = period.organization_id
        self.is_hr = viewer.has(organization_id, Role.HR)
        self.reads_all = viewer.reads_company(organization_id)
        self.position = _position_of(viewer, period)
        self.team = viewer.subtree(organization_id)
        self.indicators: dict[str, set[int]] = {level: set() for level in LEVEL_SCOPES}
        self.supplied: set[int] = set()
        self.confirmed: dict[str, set[int]] = {level: set() for level in LEVEL_SCOPES}
        for level, indicator_id, supplier, line_confirmer, indicator_confirmer in line_summary(period):
            if level not in self.indicators:
                continue
            self.indicators[level].add(indicator_id)
            if self.position and supplier == self.position:
                self.supplied.add(indicator_id)
            if self.position and _confirmer(line_confirmer, indicator_confirmer) == self.position:
                self.confirmed[level].add(indicator_id)

    def editable(self, level: str, kind: str = "fact") -> set[int]:
        """Indicators this viewer enters at this level (for some row at least; in a closed period nobody
        changes anything, which `Grid.may_edit` says cell by cell)."""
        at_level = self.indicators[level]
        if kind == "plan":
            # Company and unit plans are targets: HR sets them (a person's plan is on their card).
            return set(at_level) if self.is_hr and level != "personal" else set()
        if self.is_hr:
            return set(at_level)
        if level == "personal" and self.team:
            return set(at_level)
        return at_level & self.supplied

    def levels(self) -> list[str]:
        """The levels this viewer enters or confirms something at; the grid offers only these."""
        return [
            level
            for level in LEVEL_SCOPES
            if self.indicators[level] and (self.editable(level) or self.confirmed[level])
        ]

    def lines(self, level: str) -> Any:
        """The card lines of this level whose cells this viewer may read: all for HR and those who read
        the whole company; else their people's lines and the lines they supply or confirm."""
        lines = _entered_lines(self.period).filter(level=level)
        if self.is_hr or self.reads_all:
            return lines
        conditions = []
        if level == "personal" and self.team:
            conditions.append(Q(card__employee_id__in=self.team))
        if self.supplied:
            conditions.append(Q(indicator_id__in=self.supplied))
        if self.position and self.confirmed[level]:
            conditions.append(confirmed_by_position(self.position))
        if not conditions:
            return lines.none()
        condition = conditions[0]
        for more in conditions[1:]:
            condition |= more
        return lines.filter(condition)

    def kinds(self, level: str) -> list[str]:
        return ["fact", "plan"] if self.is_hr and level != "personal" and self.indicators[level] else ["fact"]


class Grid:
    """The grid of one level and kind: its rows (a queryset, paginated), and for the rows of one page
    the indicators on their cards, the cells' values and who may change or confirm each."""

    def __init__(self, rights: Rights, level: str, kind: str = "fact") -> None:
        self.rights, self.level, self.kind = rights, level, kind
        self.viewer, self.period = rights.viewer, rights.period
        self.team, self.position = rights.team, rights.position
        self.editable = rights.editable(level, kind)
        self.confirmable = rights.confirmed[level] if kind == "fact" else set()
        visible = rights.indicators[level] if rights.reads_all else self.editable | self.confirmable
        self.indicators = list(
            Indicator.objects.filter(pk__in=visible).order_by("name", "code")
        )  # the columns a page may show
        self.by_id = {i.pk: i for i in self.indicators}
        self.lines = _entered_lines(self.period).filter(level=level, indicator_id__in=self.by_id)
        # Filled by load(): row key → indicator id → the position that confirms that cell's fact.
        self.applies: dict[str, dict[int, int | None]] = {}
        self.full: dict[str, bool] = {}  # row key → whether the viewer reads all of the row

    # Rows -------------------------------------------------------------------------------------------
    def full_access(self, row: Any) -> bool:
        """Whether the viewer reads every cell of the row (else only what they supply or confirm)."""
        if self.rights.is_hr or self.rights.reads_all:
            return True
        return self.level == "personal" and isinstance(row, Employee) and row.pk in self.team

    def rows(
        self,
        *,
        unit: Unit | None = None,
        indicator: Indicator | None = None,
        missing: bool = False,
        q: str = "",
    ) -> Any:
        """The rows this viewer may fill in or confirm, filtered; a queryset (or a list for the company)."""
        mine = self.rights.lines(self.level).filter(indicator_id__in=self.by_id)
        if indicator is not None:
            mine = mine.filter(indicator=indicator)
        values = IndicatorValue.objects.filter(
            period=self.period, kind=self.kind, indicator_id=OuterRef("indicator_id")
        ).filter(Q(value__isnull=False) | ~Q(level_code=""))
        if self.level == "company":
            if not mine.exists():
                return []
            if missing and not mine.filter(~Exists(values.filter(scope=Scope.COMPANY))).exists():
                return []
            return ["company"]
        day = self.period.end
        if self.level == "unit":
            here = Q(card__employee__assignments__unit_id=OuterRef("pk")) & active_on(
                day, "card__employee__assignments__"
            )
            in_unit = mine.filter(here)
            rows = Unit.objects.filter(Exists(in_unit), organization_id=self.period.organization_id)
            if missing:
                rows = rows.filter(
                    Exists(in_unit.filter(~Exists(values.filter(unit_id=OuterRef(OuterRef("pk"))))))
                )
            if unit is not None:
                rows = rows.filter(path__startswith=unit.path)
            if q:
                rows = rows.filter(contains("name", q))
            return rows.order_by("path", "name")
        # The period's cards (one per person) are the rows: their lines are found by the card's id, and
        # the card's position orders them, so people with one card are together and so are their columns.
        on_card = mine.filter(card_id=OuterRef("pk"))
        if self.rights.is_hr or self.rights.reads_all:
            on_card = CardLine.objects.filter(
                card_id=OuterRef("pk"), level=self.level, component="indicator", indicator__isnull=False
            )
            if indicator is not None:
                on_card = on_card.filter(indicator=indicator)
        rows = Card.objects.filter(Exists(on_card), period=self.period)
        if missing:
            rows = rows.filter(
                Exists(
                    mine.filter(card_id=OuterRef("pk")).filter(
                        ~Exists(values.filter(employee_id=OuterRef("card__employee_id")))
                    )
                )
            )
        if unit is not None:
            rows = rows.filter(
                Exists(
                    Assignment.objects.filter(
                        active_on(day), employee_id=OuterRef("employee_id"), unit__path__startswith=unit.path
                    )
                )
            )
        if q:
            rows = rows.filter(
                contains("employee__last_name", q)
                | contains("employee__first_name", q)
                | Q(employee__personnel_number=q)
            )
        return rows.select_related("employee", "template__position__unit").order_by(
            "template__position__unit__path",
            "template__position__title",
            "employee__last_name",
            "employee__first_name",
            "employee_id",
        )

    # One page -----------------------------------------------------------------------------------------
    def load(self, rows: list[Any]) -> None:
        """Which indicators are on the cards of these rows, and who confirms each cell (one query)."""
        self.applies = {}
        fields = ("indicator_id", "confirmer_position_id", "indicator__confirmer_position_id")
        if self.level == "company":
            found = [("company", *r) for r in self.lines.order_by().values_list(*fields).distinct()]
        elif self.level == "unit":
            ids = [r.pk for r in rows]
            found = [
                (f"unit:{u}", i, c, ic)
                for u, i, c, ic in self.lines.filter(
                    Q(card__employee__assignments__unit_id__in=ids)
                    & active_on(self.period.end, "card__employee__assignments__")
                )
                .order_by()
                .values_list("card__employee__assignments__unit_id", *fields)
                .distinct()
            ]
        else:
            found = [
                (f"employee:{e}", i, c, ic)
                for e, i, c, ic in self.lines.filter(card__employee_id__in=[r.pk for r in rows])
                .order_by()
                .values_list("card__employee_id", *fields)
                .distinct()
            ]
        for key, indicator_id, line_confirmer, indicator_confirmer in found:
            self.applies.setdefault(key, {})[indicator_id] = _confirmer(line_confirmer, indicator_confirmer)
        self.full = {_scope_key(self.level, r): self.full_access(r) for r in rows}

    def shown(self, indicator_id: int, key: str) -> bool:
        """Whether the cell is on the row's card and the viewer may read it."""
        confirmers = self.applies.get(key, {})
        if indicator_id not in confirmers:
            return False
        if self.full.get(key):
            return True
        return indicator_id in self.rights.supplied or (
            bool(self.position) and confirmers[indicator_id] == self.position
        )

    def applies_to(self, indicator_id: int, key: str) -> bool:
        return indicator_id in self.applies.get(key, {})

    def confirms(self, indicator_id: int, key: str) -> bool:
        return (
            self.kind == "fact"
            and bool(self.position)
            and self.applies.get(key, {}).get(indicator_id, -1) == self.position
        )

    def may_edit(self, indicator: Indicator, row: Any) -> bool:
        key = _scope_key(self.level, row)
        if indicator.pk not in self.editable or not self.applies_to(indicator.pk, key):
            return False
        if self.period.status == PeriodStatus.CLOSED:
            return False
        if (
            isinstance(row, Employee)
            and self.viewer.employee is not None
            and row.pk == self.viewer.employee.pk
        ):
            return False  # nobody enters their own personal facts
        if self.rights.is_hr:
            return True
        if self.kind == "plan":
            return False
        if indicator.pk in self.rights.supplied:
            return True
        return self.level == "personal" and isinstance(row, Employee) and row.pk in self.team


def _number(value: Decimal) -> str:
    """A stored value as the reader writes it, without trailing zeros (97.500000 → 97,5)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    places = len(text.partition(".")[2])
    return number_format(Decimal(text), places, use_l10n=True, force_grouping=True)


def _person(user: Any) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.username


def _cell_text(value: IndicatorValue, value_url: str) -> dict[str, Any]:
    """What a filled cell shows, prepared here (the template of a 50 × 20 grid stays light): the number
    as the reader writes it, and who entered and confirmed it, for the hover."""
    title = f"{_('Entered by')}: {_person(value.author)}, {date_format(localtime(value.entered_at), 'SHORT_DATETIME_FORMAT')}"
    confirmed = ""
    if value.confirmed_at is not None:
        confirmed = f"{_('Confirmed by')}: {_person(value.confirmed_by)}"
        title += f" · {confirmed}"
    if value.comment:
        title += f" · {value.comment[:120]}"
    return {
        "text": _number(value.value) if value.value is not None else value.level_code or "—",
        "title": title,
        "confirmed": confirmed,
        "url": f"{value_url}{value.pk}/",
    }


def _row(item: Any) -> Any:
    """A grid row: a unit, the company, or the employee of a card (with the unit of the card's position)."""
    if not isinstance(item, Card):
        return item
    employee = item.employee
    position = item.template.position if item.template_id else None
    employee.unit_name = position.unit.name if position is not None else ""
    return employee


def _scope_key(level: str, row: Any) -> str:
    if level == "company":
        return "company"
    return f"unit:{row.pk}" if level == "unit" else f"employee:{row.pk}"


def _cells(grid: Grid, rows: list[Any]) -> dict[tuple[int, str], IndicatorValue]:
    keys = [_scope_key(grid.level, r) for r in rows]
    values = IndicatorValue.objects.filter(
        period=grid.period, kind=grid.kind, indicator_id__in=grid.by_id, scope_key__in=keys
    ).select_related("author", "confirmed_by")
    return {(v.indicator_id, v.scope_key): v for v in values}


class GridFilter(forms.Form):
    """The grid's GET parameters. A value that does not fit is named in a message and left out."""

    level = forms.ChoiceField(label=gettext_lazy("Level"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Values"), required=False)
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=Unit.objects.none(), required=False)
    indicator = forms.ModelChoiceField(
        label=gettext_lazy("Indicator"), queryset=Indicator.objects.none(), required=False
    )
    missing = forms.BooleanField(label=gettext_lazy("Missing only"), required=False)
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)

    def __init__(
        self, data: Any, *, levels: list[str], kinds: list[str], period: Period, indicators: Any
    ) -> None:
        super().__init__(data)
        self.fields["level"].choices = [(v, LEVEL_LABELS[v]) for v in levels]
        self.fields["kind"].choices = [(v, KIND_LABELS[v]) for v in kinds]
        self.fields["unit"].queryset = Unit.objects.filter(organization_id=period.organization_id)
        self.fields["indicator"].queryset = indicators
        for name in ("level", "kind"):
            self.fields[name].error_messages["invalid_choice"] = _("“%(value)s” is not offered to you here.")
        for name in ("unit", "indicator"):
            self.fields[name].error_messages["invalid_choice"] = _("no such choice here.")

    def value(self, name: str, default: Any = None) -> Any:
        """The cleaned value, or the default when it was refused (or not given)."""
        if name in self.errors or not hasattr(self, "cleaned_data"):
            return default
        return self.cleaned_data.get(name) or default

    def problems(self) -> list[str]:
        return [
            f"{self.fields[name].label}: {error}" for name, errors in self.errors.items() for error in errors
        ]


def _choose_level(request: HttpRequest, rights: Rights) -> tuple[str, list[str], str | None]:
    """The level asked for if the viewer may use it, else their first (with a message saying so)."""
    levels = rights.levels()
    asked = request.GET.get("level", "")
    if asked in levels:
        return asked, levels, None
    if not levels:
        raise Http404
    if asked:
        if asked in LEVEL_SCOPES:
            note = _(
                "Level: you do not enter or confirm values at the level “%(level)s”; showing “%(shown)s”."
            )
            return levels[0], levels, note % {"level": LEVEL_LABELS[asked], "shown": LEVEL_LABELS[levels[0]]}
        note = _("Level: “%(value)s” is not a level; showing “%(shown)s”.")
        return levels[0], levels, note % {"value": asked[:40], "shown": LEVEL_LABELS[levels[0]]}
    return levels[0], levels, None


def _filter_units(rights: Rights, level: str) -> Any:
    """The units offered in the filter: all for HR and company readers, else those of the viewer's rows."""
    if level == "company":
        return []
    units = Unit.objects.filter(organization_id=rights.period.organization_id).order_by("path", "name")
    if rights.is_hr or rights.reads_all:
        return units
    if level == "personal" and not rights.supplied and not rights.confirmed[level]:
        whose: Any = rights.team  # a manager: his people
    else:
        whose = rights.lines(level).values("card__employee_id")
    people = Assignment.objects.filter(active_on(rights.period.end), employee_id__in=whose)
    return units.filter(pk__in=people.values("unit_id"))


@viewer_required
def fact_grid(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    period = period_or_404(viewer, org, pk)
    fmt = exports.export_format(request) if request.method == "GET" else None  # ?format=xlsx|csv
    if isinstance(fmt, HttpResponse):
        return fmt
    rights = Rights(viewer, period)
    level, levels, level_note = _choose_level(request, rights)
    kinds = rights.kinds(level)
    grid_indicators = Indicator.objects.filter(
        pk__in=rights.indicators[level]
        if rights.is_hr or rights.reads_all
        else rights.lines(level).values("indicator_id"),
    ).order_by("name", "code")
    query = request.GET.copy()
    query["level"] = level
    form = GridFilter(query, levels=levels, kinds=kinds, period=period, indicators=grid_indicators)
    form.is_valid()
    notes = form.problems() if any(n != "level" for n in form.errors) else []
    kind = form.value("kind", "fact")
    if kind not in kinds:
        kind = "fact"
    grid = Grid(rights, level, kind)
    unit = form.value("unit")
    indicator = form.value("indicator")
    missing = bool(form.value("missing", False))
    q = (form.value("q", "") or "").strip()
    if request.method == "GET" and fmt is None:
        for note in ([level_note] if level_note else []) + notes:
            messages.warning(request, note)
    found = grid.rows(unit=unit, indicator=indicator, missing=missing, q=q)
    if level == "personal" and (rights.is_hr or rights.reads_all) and not missing:
        # The whole company's row order is read once per change of the cards (see `_cache_key`).
        key = _cache_key("rows", period, getattr(unit, "pk", None), getattr(indicator, "pk", None), q)
        ids = cache.get(key)
        if ids is None:
            ids = list(found.values_list("pk", flat=True))
            cache.set(key, ids, 600)
        page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
        cards = found.model.objects.select_related("employee", "template__position__unit").in_bulk(list(page))
        rows = [_row(cards[pk]) for pk in page if pk in cards]
    else:
        page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [_row(r) for r in page]
    grid.load(rows)
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    conflicts: set[str] = set()
    if request.method == "POST":
        if level_note:
            errors["level"] = level_note  # a level the viewer may not enter: nothing is saved
            posted = {k: v for k, v in request.POST.items() if k.startswith("c:")}
        else:
            errors, posted, saved, confirmed, conflicts = _save(request, grid, rows)
            if not errors:
                if saved or confirmed:
                    messages.success(
                        request, _("Saved: %(n)s values; confirmed: %(c)s.") % {"n": saved, "c": confirmed}
                    )
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect(request.get_full_path())
    cells = _cells(grid, rows)
    keys = [_scope_key(level, r) for r in rows]
    # Columns in the order the page's rows first need them: the people of one card share a block of columns.
    first_use = {}
    for position, key in enumerate(keys):
        for i in grid.indicators:
            if i.pk not in first_use and (indicator is None or i == indicator) and grid.shown(i.pk, key):
                first_use[i.pk] = position
    columns = sorted(
        (i for i in grid.indicators if i.pk in first_use), key=lambda i: (first_use[i.pk], i.name, i.code)
    )
    table = []
    value_url = reverse("value", args=[org, 0])[: -len("0/")]
    for row, key in zip(rows, keys, strict=True):
        cells_of_row = []
        for column in columns:
            value = cells.get((column.pk, key))
            shown = grid.shown(column.pk, key)
            cells_of_row.append(
                {
                    "name": f"c:{column.pk}:{key}",
                    "applies": shown,
                    "value": value if shown else None,
                    **(_cell_text(value, value_url) if shown and value is not None else {}),
                    "editable": shown and grid.may_edit(column, row),
                    "confirmable": shown
                    and grid.confirms(column.pk, key)
                    and value is not None
                    and value.confirmed_at is None
                    and value.author_id != request.user.pk
                    and not (isinstance(row, Employee) and viewer.employee and row.pk == viewer.employee.pk),
                    "posted": posted.get(f"c:{column.pk}:{key}"),
                    "error": errors.get(f"c:{column.pk}:{key}"),
                    "conflict": f"c:{column.pk}:{key}" in conflicts,
                    # The version the page shows; a refused page keeps the one the user saw, except
                    # where it conflicted: saving again then means "replace the current value".
                    "was": (
                        request.POST.get(f"was:{column.pk}:{key}") or cell_version(value)
                        if request.method == "POST" and f"c:{column.pk}:{key}" not in conflicts
                        else cell_version(value)
                    ),
                }
            )
        table.append({"row": row, "cells": cells_of_row})
    if fmt is not None:
        return download(
            request,
            exports.fact_grid_table(table, columns, level=level, company=period.organization.name),
            fmt,
            f"motiva-{kind}-{level}-{period.start:%Y-%m}",
            KIND_LABELS.get(kind, kind),
        )
    params = {"level": level, "kind": kind, "q": q, "missing": "1" if missing else ""}
    if unit is not None:
        params["unit"] = unit.pk
    if indicator is not None:
        params["indicator"] = indicator.pk
    return render(
        request,
        "web/facts.html",
        {
            "organization": period.organization,
            "period": period,
            "level": level,
            "kind": kind,
            "levels": [(v, LEVEL_LABELS[v]) for v in levels],
            "kinds": [(v, KIND_LABELS[v]) for v in kinds],
            "units": _filter_units(rights, level),
            "grid_indicators": grid_indicators,
            "unit": unit,
            "indicator": indicator,
            "missing": missing,
            "columns": columns,
            "table": table,
            "page": page,
            "q": q,
            "query": urlencode({k: v for k, v in params.items() if v}),
            # the export holds the rows shown: this page of the grid
            "export_query": urlencode(
                {k: v for k, v in params.items() if v} | ({"page": page.number} if page.number > 1 else {})
            ),
            "errors": errors,
            "conflict": bool(conflicts),
            "closed": period.status == PeriodStatus.CLOSED,
            "any_editable": any(c["editable"] or c["confirmable"] for r in table for c in r["cells"]),
        },
        status=409 if conflicts else 400 if errors else 200,
    )


def cell_version(value: IndicatorValue | None) -> str:
    """What the page carries for one cell (hidden field `was:<indicator>:<scope key>`): the version of
    the row as shown, then the stored value the user saw (so a cell left untouched is not a save)."""
    if value is None:
        return ":"
    seen = "" if value.value is None else format(value.value, "f")
    return version_of(value.pk, seen, value.level_code, value.entered_at.isoformat()) + ":" + seen


def _seen(text: str | None) -> tuple[str, Decimal | None] | None:
    """The version and the value a posted `was:` field names; None when absent or malformed."""
    if text is None:
        return None
    version, _sep, seen = text.partition(":")
    try:
        return version, (Decimal(seen) if seen else None)
    except InvalidOperation:
        return None


def _stale(label: str, value: IndicatorValue | None) -> str:
    """The refusal of a cell changed by someone else since the page was shown, with the current value."""
    if value is None:
        return _("%(cell)s: this value was removed after you opened the page. Nothing was saved.") % {
            "cell": label
        }
    current = _number(value.value) if value.value is not None else value.level_code or "—"
    return _(
        "%(cell)s: this value was %(changed)s after you opened the page; it is now %(current)s. "
        "Nothing was saved: look at it and save again to replace it with yours."
    ) % {"cell": label, "changed": changed_by(value.author, value.entered_at), "current": current}


def _save(
    request: HttpRequest, grid: Grid, rows: list[Any]
) -> tuple[dict[str, str], dict[str, str], int, int, set[str]]:
    """Every changed cell is validated and saved in one transaction; one bad cell saves nothing. A cell
    whose row changed since the page was shown (its `was:` version, compared under a row lock) is a
    conflict: nothing is saved and the page (409) shows the current value."""
    language = get_language() or "ru"
    errors: dict[str, str] = {}
    conflicts: set[str] = set()
    posted = {k: v for k, v in request.POST.items() if k.startswith("c:")}
    by_key = {_scope_key(grid.level, r): r for r in rows}
    columns = grid.by_id
    cells = _cells(grid, rows)
    saved = confirmed = 0
    with transaction.atomic():
        for name, text in posted.items():
            try:
                _c, indicator_id, key = name.split(":", 2)
                indicator = columns[int(indicator_id)]
                row = by_key[key]
            except (ValueError, KeyError):
                errors[name] = _("This cell is not on the page.")
                continue
            whose = str(row) if row != "company" else _("Company")
            label = f"{indicator.name} · {whose}"
            if not grid.shown(indicator.pk, key):
                if text.strip():
                    errors[name] = _(
                        "%(cell)s: this indicator is not on the card at this level; nothing is entered here."
                    ) % {"cell": label}
                continue
            repeated = [v.strip() for v in request.POST.getlist(name)]
            if len(set(repeated)) > 1:
                # A pasted block that reaches the same cell twice: which value was meant is unknown.
                errors[name] = _(
                    "%(cell)s: the block holds this cell twice, as “%(first)s” and as “%(second)s”;"
                    " enter it once."
                ) % {"cell": label, "first": repeated[0], "second": repeated[-1]}
                continue
            current = cells.get((indicator.pk, key))
            try:
                value = parse_number(text)
            except NotANumber as error:
                if error.reason == "digit":
                    errors[name] = _(
                        "%(cell)s: “%(text)s” is not a number: “%(char)s” is not one of the digits 0–9."
                    ) % {"cell": label, "text": text, "char": error.char}
                else:
                    errors[name] = _("%(cell)s: “%(text)s” is not a number.") % {"cell": label, "text": text}
                continue
            seen = _seen(request.POST.get("was:" + name[2:]))
            if seen is not None and seen[1] == value:
                continue  # the cell shows what the page showed: not touched, not a save
            if value is None and current is None:
                continue
            if current is not None and current.value == value:
                continue
            if not grid.may_edit(indicator, row):
                errors[name] = _("%(cell)s: you cannot change this value.") % {"cell": label}
                continue
            if value is None:
                errors[name] = _("%(cell)s: a value cannot be emptied here; enter 0 or ask HR.") % {
                    "cell": label
                }
                continue
            scope = LEVEL_SCOPES[grid.level]
            if seen is not None:
                locked = (
                    IndicatorValue.objects.select_for_update(of=("self",))
                    .select_related("author")
                    .filter(period=grid.period, kind=grid.kind, indicator=indicator, scope_key=key)
                    .first()
                )
                if cell_version(locked).partition(":")[0] != seen[0]:
                    if locked is not None and locked.value == value:
                        continue  # someone saved this very value meanwhile (or a double click)
                    errors[name] = _stale(label, locked)
                    conflicts.add(name)
                    continue
            try:
                with transaction.atomic():
                    value_set(
                        actor=request.user,
                        indicator=indicator,
                        period=grid.period,
                        kind=grid.kind,
                        value=value,
                        scope=scope,
                        unit=row if scope == Scope.UNIT else None,
                        employee=row if scope == Scope.EMPLOYEE else None,
                        comment=current.comment if current else "",
                    )
                saved += 1
            except IntegrityError:
                # Created by someone else since the page was shown (their insert won the unique key).
                created = (
                    IndicatorValue.objects.select_related("author")
                    .filter(period=grid.period, kind=grid.kind, indicator=indicator, scope_key=key)
                    .first()
                )
                errors[name] = _stale(label, created)
                conflicts.add(name)
            except InvalidInput as error:
                errors[name] = f"{label}: " + "; ".join(error.messages(language))
        for name in request.POST.getlist("confirm"):
            try:
                _c, indicator_id, key = name.split(":", 2)
                value_row = cells[(int(indicator_id), key)]
            except (ValueError, KeyError):
                errors[name] = _("This cell is not on the page.")
                continue
            if not grid.confirms(int(indicator_id), key):
                errors[name] = _("You do not confirm this indicator.")
                continue
            if (
                value_row.employee_id is not None
                and grid.viewer.employee is not None
                and value_row.employee_id == grid.viewer.employee.pk
            ):
                errors[name] = _("You cannot confirm your own fact.")
                continue
            try:
                value_confirm(actor=request.user, value=value_row)
                confirmed += 1
            except InvalidInput as error:
                errors[name] = "; ".join(error.messages(language))
        if errors:
            transaction.set_rollback(True)
    return errors, posted, saved, confirmed, conflicts


def value_or_404(viewer: access.Viewer, org: int, pk: int) -> IndicatorValue:
    """A plan or fact value the viewer may read: a personal one only if they may open that person's card
    (or they supply or confirm the indicator); a company or unit one for anyone in the organization."""
    organization = access.organization_or_404(viewer, org)
    try:
        value = IndicatorValue.objects.select_related(
            "indicator", "period", "period__organization", "employee", "unit", "author", "confirmed_by"
        ).get(pk=pk, organization=organization)
    except IndicatorValue.DoesNotExist:
        raise Http404 from None
    if (
        value.employee_id is not None
        and not access.employees(viewer, organization).filter(pk=value.employee_id).exists()
    ):
        position = _position_of(viewer, value.period)
        confirms = (
            position
            and CardLine.objects.filter(
                confirmed_by_position(position),
                card__period_id=value.period_id,
                card__employee_id=value.employee_id,
                indicator_id=value.indicator_id,
            ).exists()
        )
        if not position or not (
            confirms
            or position in (value.indicator.supplier_position_id, value.indicator.confirmer_position_id)
        ):
            raise Http404
    return value


@viewer_required
def value_detail(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """One value: who entered it and when, its confirmation, its comment and attachment, and its history."""
    viewer = request.viewer  # type: ignore[attr-defined]
    value = value_or_404(viewer, org, pk)
    level = "company" if value.scope == Scope.COMPANY else "unit" if value.scope == Scope.UNIT else "personal"
    grid = Grid(Rights(viewer, value.period), level, value.kind)
    row = value.employee or value.unit or "company"
    grid.load([row])
    editable = value.indicator_id in grid.by_id and grid.may_edit(value.indicator, row)
    errors: list[str] = []
    stale = False
    comment_text = value.comment
    if request.method == "POST":
        if not editable:
            raise Http404
        comment_text = request.POST.get("comment", "").strip()
        seen = request.POST.get(VERSION_FIELD)
        try:
            with transaction.atomic():
                locked = IndicatorValue.objects.select_for_update().get(pk=value.pk)
                if seen is not None and annotation_version(locked) != seen:
                    value.comment, value.attachment = locked.comment, locked.attachment
                    errors, stale = [_stale_annotation(locked)], True
                else:
                    value_annotate(
                        actor=request.user,
                        value=value,
                        comment=comment_text,
                        attachment=_uploaded(request),
                        remove_attachment=request.POST.get("remove_attachment") == "1",
                    )
        except InvalidInput as error:
            errors = error.messages(get_language() or "ru")
        else:
            if not stale:
                messages.success(request, _("Saved."))
                return redirect("value", org=org, pk=pk)
    history = (
        AuditEvent.objects.filter(entity_type="periods.IndicatorValue", entity_id=str(value.pk))
        .select_related("actor")
        .order_by("-at", "-id")
    )
    return render(
        request,
        "web/value.html",
        {
            "organization": value.period.organization,
            "value": value,
            "history": history,
            "editable": editable,
            "errors": errors,
            "stale": stale,
            "comment_text": comment_text,
            "version_field": VERSION_FIELD,
            # A refused page carries the version the user saw, except after a conflict: saving again
            # then means "replace the current comment with mine".
            "version": request.POST.get(VERSION_FIELD) if errors and not stale else annotation_version(value),
            "grid_url": reverse("facts", args=[org, value.period_id])
            + "?"
            + urlencode({"level": level, "kind": value.kind}),
        },
        status=409 if stale else 400 if errors else 200,
    )


def annotation_version(value: IndicatorValue) -> str:
    """The version of what the value page's form writes: the comment and the attached document."""
    return version_of(value.pk, value.comment, value.attachment.name or "")


def _stale_annotation(value: IndicatorValue) -> str:
    """The refusal of a comment saved over one changed since the page was shown, with the current one."""
    last = (
        AuditEvent.objects.filter(
            entity_type="periods.IndicatorValue", entity_id=str(value.pk), field__in=("comment", "attachment")
        )
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    return _(
        "The comment or the document was %(changed)s after you opened the page. Nothing was saved. "
        "Now the comment is “%(comment)s” and the document is %(document)s; your text is kept below, "
        "save again to replace them."
    ) % {
        "changed": changed_by(last.actor if last else None, last.at if last else None),
        "comment": value.comment or "—",
        "document": value.attachment.name.rsplit("/", 1)[-1] if value.attachment else "—",
    }


def _uploaded(request: HttpRequest) -> Any:
    """The posted attachment. A large upload is spooled to a temporary file while the request is read;
    if the disk is full there, the refusal names the file (and Django removes the partial spool)."""
    try:
        return request.FILES.get("attachment")
    except OSError as error:
        if not is_disk_full(error):
            raise
        raise InvalidInput(
            [
                problem(
                    "disk_full",
                    "attachment",
                    "Файл не принят: на сервере нет места. Ничего не изменено; сообщите администратору",
                    "The file was not received: the server's disk is full. Nothing was changed;"
                    " tell the administrator",
                )
            ]
        ) from None


@viewer_required
def value_attachment(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    """The attached document, to those who may read the value (never a public media link)."""
    value = value_or_404(request.viewer, org, pk)  # type: ignore[attr-defined]
    if not value.attachment:
        raise Http404
    handle = value.attachment.open("rb")
    return FileResponse(handle, as_attachment=True, filename=value.attachment.name.rsplit("/", 1)[-1])


class ConfirmationFilter(forms.Form):
    """The confirmation list's GET parameters (odd values are named in a message and left out)."""

    period = forms.ModelChoiceField(
        label=gettext_lazy("Period"), queryset=Period.objects.none(), required=False
    )
    indicator = forms.ModelChoiceField(
        label=gettext_lazy("Indicator"), queryset=Indicator.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), queryset=Unit.objects.none(), required=False)
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)

    def __init__(self, data: Any, *, organization_id: int) -> None:
        super().__init__(data)
        self.fields["period"].queryset = Period.objects.filter(organization_id=organization_id).exclude(
            status=PeriodStatus.CLOSED
        )
        self.fields["indicator"].queryset = Indicator.objects.filter(organization_id=organization_id)
        self.fields["unit"].queryset = Unit.objects.filter(organization_id=organization_id)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.error_messages["invalid_choice"] = _("no such choice here.")

    def value(self, name: str) -> Any:
        if name in self.errors or not hasattr(self, "cleaned_data"):
            return None
        return self.cleaned_data.get(name) or None

    def problems(self) -> list[str]:
        return [
            f"{self.fields[name].label}: {error}" for name, errors in self.errors.items() for error in errors
        ]


class ConfirmForm(forms.Form):
    """ "Confirm all shown": the ids of the facts the page showed."""

    values = forms.TypedMultipleChoiceField(coerce=int, required=True)

    def __init__(self, data: Any, *, shown: list[int]) -> None:
        super().__init__(data)
        self.fields["values"].choices = [(pk, pk) for pk in shown]
        self.fields["values"].error_messages["invalid_choice"] = _(
            "the list changed since the page was shown; look at it again."
        )
        self.fields["values"].error_messages["required"] = _("there is nothing to confirm.")


def _filtered_awaiting(awaiting: Any, form: ConfirmationFilter) -> Any:
    period, indicator, unit = form.value("period"), form.value("indicator"), form.value("unit")
    q = (form.value("q") or "").strip()
    if period is not None:
        awaiting = awaiting.filter(period=period)
    if indicator is not None:
        awaiting = awaiting.filter(indicator=indicator)
    if unit is not None:
        # A personal fact by the person's unit at the period's end; a unit's fact by the unit itself.
        in_unit = Assignment.objects.filter(
            employee_id=OuterRef("employee_id"),
            unit__path__startswith=unit.path,
            start_date__lte=OuterRef("period__end"),
        ).filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("period__end")))
        awaiting = awaiting.filter(
            (Q(scope=Scope.EMPLOYEE) & Exists(in_unit))
            | Q(scope=Scope.UNIT, unit__path__startswith=unit.path)
        )
    if q:
        awaiting = awaiting.filter(
            contains("employee__last_name", q)
            | Q(employee__personnel_number=q)
            | contains("unit__name", q)
            | contains("indicator__name", q)
        )
    return awaiting


@viewer_required
def confirmations(request: HttpRequest, org: int) -> HttpResponse:
    """What awaits my confirmation as a fact confirmer (the internal client), with "confirm all shown"."""
    viewer = request.viewer  # type: ignore[attr-defined]
    organization = access.organization_or_404(viewer, org)
    employee = (
        viewer.employee if viewer.employee and viewer.employee.organization_id == organization.pk else None
    )
    position = position_id_as_of(employee, timezone.localdate()) if employee else None
    if not is_confirmer(organization.pk, position):
        raise Http404
    awaiting = values_awaiting_confirmation(
        organization_id=organization.pk, position_id=position, user=request.user, employee_id=employee.pk
    )
    form = ConfirmationFilter(request.GET, organization_id=organization.pk)
    form.is_valid()
    if request.method == "GET":
        for note in form.problems():
            messages.warning(request, note)
    shown_qs = (
        _filtered_awaiting(awaiting, form)
        .select_related("indicator", "period", "employee", "unit", "author")
        .order_by("period__start", "indicator__name", "scope_key", "pk")
    )
    page = Paginator(shown_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page)
    if request.method == "POST":
        confirm = ConfirmForm(request.POST, shown=[v.pk for v in rows])
        if not confirm.is_valid():
            for errors in confirm.errors.values():
                for error in errors:
                    messages.error(request, _("Confirmation: %(error)s") % {"error": error})
            return redirect(request.get_full_path())
        chosen = set(confirm.cleaned_data["values"])
        try:
            count = values_confirm(
                actor=request.user, values=[v for v in rows if v.pk in chosen], awaiting=awaiting
            )
        except InvalidInput as error:
            for message in error.messages(get_language() or "ru"):
                messages.error(request, message)
        else:
            messages.success(request, _("Confirmed: %(n)s facts.") % {"n": count})
        return redirect(request.get_full_path())
    params = {
        name: getattr(form.value(name), "pk", form.value(name))
        for name in ("period", "indicator", "unit", "q")
        if form.value(name)
    }
    periods = confirmations_by_period(awaiting)
    in_periods = awaiting.values("indicator_id")
    return render(
        request,
        "web/confirmations.html",
        {
            "organization": organization,
            "rows": rows,
            "page": page,
            "form": form,
            "periods": periods,
            "total": sum(p["n"] for p in periods),
            "indicators": Indicator.objects.filter(pk__in=in_periods).order_by("name"),
            "units": Unit.objects.filter(organization=organization).order_by("path", "name"),
            "chosen": {name: form.value(name) for name in ("period", "indicator", "unit")},
            "q": form.value("q") or "",
            "query": urlencode(params),
        },
    )
