"""Exports of the pages' tables: a page answers `?format=xlsx|csv` with its own rows as a download.

Each function takes what the page has already computed under its own access rules and filters (so an export
answers exactly where the page answers, with the same 404s) and returns a Table whose rows are a generator.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from motiva.exports import tabular
from motiva.exports.tabular import Column, Table


def export_format(request: HttpRequest) -> str | HttpResponse | None:
    """None when the page is asked for itself; "xlsx"/"csv" for an export; a 400 or 403 response to return."""
    if "format" not in request.GET:
        return None
    try:
        fmt = tabular.requested_format(request)
    except tabular.BadFormat:
        return tabular.bad_format_response()
    if tabular.is_cross_site(request):
        return tabular.refused_response()
    return fmt


def page_query(request: HttpRequest) -> str:
    """The page's current GET filters without `page` and `format`, for the XLSX / CSV links."""
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query.urlencode()


def team_table(rows: Sequence[dict[str, Any]], *, show_pay: bool, currency: str) -> Table:
    columns = [
        Column("place", _("Place"), "number", width=8),
        Column("personnel_number", _("Personnel number"), width=14),
        Column("employee", _("Employee"), width=36),
        Column("result", _("Result, %"), "percent", width=12),
        Column("levels", _("Results by level"), width=30),
    ]
    if show_pay:
        columns.append(Column("pay", _("Bonus, %(currency)s") % {"currency": currency}, "money"))
    columns += [
        Column("official", _("From the period's run")),
        Column("missing", _("Facts missing"), "number"),
    ]

    def generate() -> Iterator[Sequence[Any]]:
        for row in rows:
            levels = row.get("levels")
            values: list[Any] = [
                row.get("place"),
                row["employee"].personnel_number,
                str(row["employee"]),
                row["result"] if levels is None else None,
                "; ".join(
                    f"{lv['level']}: {lv['result'] if lv['result'] is not None else '—'}" for lv in levels
                )
                if levels
                else "",
            ]
            if show_pay:
                values.append(row["pay"])
            values += [_("yes") if row["official"] else _("no (projection)"), row["missing"]]
            yield values

    return Table(columns, generate())


def people_table(rows: Iterable[dict[str, Any]], *, show_pay: bool) -> Table:
    columns = [
        Column("personnel_number", _("Personnel number"), width=14),
        Column("employee", _("Employee"), width=36),
        Column("position", _("Position"), width=30),
        Column("unit", _("Unit"), width=30),
        Column("manager", _("Manager"), width=24),
        Column("fte", _("FTE"), "number", width=8),
    ]
    if show_pay:
        columns.append(Column("salary", _("Salary"), "money"))
    columns += [
        Column("hired", _("Hired"), "date"),
        Column("terminated", _("Terminated"), "date"),
        Column("status", _("Status"), width=14),
    ]
    labels = {"active": _("works"), "left": _("left"), "future": _("starts later")}

    def generate() -> Iterator[Sequence[Any]]:
        for row in rows:
            employee, a = row["employee"], row["assignment"]
            values: list[Any] = [
                employee.personnel_number,
                employee.full_name,
                a.position.title if a and a.position_id else "",
                a.unit.name if a and a.unit_id else "",
                a.manager.short_name if a and a.manager_id else "",
                a.fte if a else None,
            ]
            if show_pay:
                values.append(a.salary if a and row["show_pay"] else None)
            values += [employee.hire_date, employee.termination_date, labels[row["status"]]]
            yield values

    return Table(columns, generate())


def fact_grid_table(
    table: Sequence[dict[str, Any]], columns: Sequence[Any], *, level: str, company: str
) -> Table:
    """The fact grid as shown: its rows (the current page), its indicator columns, its level and kind.
    A cell that does not apply to the row, or has no value, is empty."""
    heads = [
        Column(
            "row",
            _("Company") if level == "company" else _("Unit") if level == "unit" else _("Employee"),
            width=36,
        )
    ]
    if level == "personal":
        heads = [
            Column("personnel_number", _("Personnel number"), width=14),
            *heads,
            Column("unit", _("Unit"), width=30),
        ]
    heads += [Column(f"i{c.pk}", f"{c.name} ({c.code})", "number", width=16) for c in columns]

    def generate() -> Iterator[Sequence[Any]]:
        for entry in table:
            row = entry["row"]
            if level == "company":
                values: list[Any] = [company]
            elif level == "unit":
                values = [row.name]
            else:
                values = [row.personnel_number, row.full_name, getattr(row, "unit_name", "")]
            for cell in entry["cells"]:
                value = cell["value"]
                values.append(value.value if cell["applies"] and value is not None else None)
            yield values

    return Table(heads, generate())


def audit_table(entry_pages: Iterable[list[dict[str, Any]]]) -> Table:
    """The audit log as listed (its filters and its pay masking, see motiva.web.audit_log.build_entries):
    one row per changed field, or per object when no field is listed; pages are read one after another."""
    columns = [
        Column("at", _("When"), "datetime"),
        Column("actor", _("Who"), width=24),
        Column("reason", _("Reason"), width=30),
        Column("action", _("Action"), width=14),
        Column("type", _("Object type"), width=20),
        Column("object", _("Object"), width=36),
        Column("field", _("Field"), width=20),
        Column("old", _("Before"), width=20),
        Column("new", _("After"), width=20),
    ]

    def generate() -> Iterator[Sequence[Any]]:
        for entries in entry_pages:
            for entry in entries:
                head = [entry["at"], str(entry["actor"] or ""), entry["reason"]]
                for item in entry["objects"]:
                    base = [*head, item["action"], item["type"], item["name"]]
                    if not item["fields"]:
                        yield [*base, "", "", ""]
                    for field in item["fields"]:
                        yield [*base, field["label"], "" if field["created"] else field["old"], field["new"]]
                if entry["more"]:
                    more = _("and %(n)s more objects") % {"n": entry["more"]}
                    yield [*head, "", "", more, "", "", ""]

    return Table(columns, generate())


def card_lines_table(lines: Iterable[dict[str, Any]]) -> Table:
    """An employee card's lines as the card page shows them (motiva.web.people._lines_with_plans): no pay."""
    columns = [
        Column("indicator", _("Indicator"), width=36),
        Column("scale", _("Scale"), width=20),
        Column("level", _("Level"), width=14),
        Column("weight", _("Weight, %"), "percent"),
        Column("plan", _("Plan"), "number"),
        Column("fact", _("Fact"), "number"),
        Column("score", _("Score, %"), "percent"),
        Column("multiplier", _("Multiplier"), "number"),
        Column("contribution", _("Contribution, %"), "percent"),
        Column("paid_elsewhere", _("Paid with another period"), width=24),
    ]

    def generate() -> Iterator[Sequence[Any]]:
        for row in lines:
            line = row["line"]
            elsewhere = row.get("paid_elsewhere")
            yield [
                row.get("title") or str(line),
                line.scale.name if line.scale_id else "",
                line.get_level_display(),
                line.weight,
                row.get("target"),
                row.get("fact"),
                None if row.get("multiplier") else row.get("score"),
                row.get("multiplier"),
                None if elsewhere else row.get("weighted"),
                str(elsewhere) if elsewhere else "",
            ]

    return Table(columns, generate())


__all__ = [
    "audit_table",
    "card_lines_table",
    "export_format",
    "fact_grid_table",
    "page_query",
    "people_table",
    "team_table",
]
