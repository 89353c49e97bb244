"""The run results export: exactly the rows and columns of the run page for this viewer, plus fixed pay and
total remuneration (fixed + variable) where the viewer may see pay."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from motiva.calc.models import EmployeeResult
from motiva.core import access
from motiva.exports.tabular import Column, Table


def _decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def result_rows(rows: QuerySet[EmployeeResult], *, show_pay: bool, language: str) -> Iterator[Sequence[Any]]:
    """One row per result of `rows` (already the page's access rules and filters), read in chunks."""
    name = "en" if (language or "ru").startswith("en") else "ru"
    if show_pay:
        rows = rows.defer(None).defer("lines", "components", "level_results")
    for row in rows.iterator(chunk_size=2000):
        values: list[Any] = [row.employee.personnel_number, str(row.employee), row.result]
        if show_pay:
            remuneration = (row.trace or {}).get("remuneration", {}) if isinstance(row.trace, dict) else {}
            values += [
                row.pay,
                row.proration,
                _decimal(remuneration.get("fixed")),
                _decimal(remuneration.get("total")),
            ]
        values.append("; ".join(p.get(name, "") for p in access.card_notes(row.problems or [], show_pay)))
        yield values


def result_table(rows: QuerySet[EmployeeResult], *, show_pay: bool, currency: str, language: str) -> Table:
    columns = [
        Column("personnel_number", _("Personnel number"), width=14),
        Column("employee", _("Employee"), width=36),
        Column("result", _("Result, %"), "percent", width=12),
    ]
    if show_pay:
        columns += [
            Column("pay", _("Bonus, %(currency)s") % {"currency": currency}, "money"),
            Column("proration", _("Share of time worked"), "number", width=14),
            Column("fixed", _("Fixed pay, %(currency)s") % {"currency": currency}, "money"),
            Column("remuneration", _("Total remuneration, %(currency)s") % {"currency": currency}, "money"),
        ]
    columns.append(Column("notes", _("Notes"), width=60))
    return Table(columns, result_rows(rows, show_pay=show_pay, language=language))
