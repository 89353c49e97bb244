"""Payroll hand-off: approval rule, generic file, ZUP layout, indicator layout, repeatability."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from motiva.calc.models import EmployeeResult, RunSignature
from motiva.core.audit import AuditEvent
from motiva.core.errors import InvalidInput
from motiva.payroll import services
from motiva.periods.models import Period, PeriodStatus

pytestmark = pytest.mark.django_db


def approve(cast):
    run = cast["run"]
    RunSignature.objects.create(run=run, kind="executive", signer=cast["users"]["gd"])
    Period.objects.filter(pk=run.period_id).update(status=PeriodStatus.APPROVED)
    run.refresh_from_db()
    run.period.refresh_from_db()
    return run


def component_names(run):
    names = set()
    for components in EmployeeResult.objects.filter(run=run).values_list("components", flat=True):
        for c in components:
            names.add(run.trace_templates[c[0]][0])
    return names


def map_all(cast, run):
    for name in sorted(component_names(run)):
        services.mapping_save(
            actor=cast["users"]["fin"],
            organization=cast["company"],
            component=name,
            accrual_code="ПМ",
            accrual_name="Премия ежемесячная",
        )


def run_total(run):
    return sum(
        (
            Decimal(c[1])
            for cs in EmployeeResult.objects.filter(run=run).values_list("components", flat=True)
            for c in cs
            if len(c) == 3
        ),
        Decimal(0),
    )


def test_not_approved_run_is_refused(cast):
    with pytest.raises(services.NotApproved):
        services.export_bytes(cast["run"], "generic", "csv")
    Period.objects.filter(pk=cast["run"].period_id).update(status=PeriodStatus.APPROVED)
    cast["run"].period.refresh_from_db()
    with pytest.raises(services.NotApproved):  # no director's signature
        list(services.payroll_rows(cast["run"]))


def test_a_closed_periods_latest_run_is_handed_over(cast):
    """Closing needs the approval and the sign-offs (calc.approvals.period_close): a closed period's
    latest run is handed over."""
    run = cast["run"]
    Period.objects.filter(pk=run.period_id).update(status=PeriodStatus.CLOSED)
    run.period.refresh_from_db()
    services.ensure_approved(run)
    assert services.export_bytes(run, "generic", "csv").startswith("\ufeff".encode())


def test_generic_rows_reconcile_and_unmapped_are_named(cast):
    run = approve(cast)
    totals = services.Totals()
    assert list(services.payroll_rows(run, totals=totals)) == []
    assert totals.unmapped and sum(totals.unmapped.values()) == run_total(run)
    assert not totals.reconciles or run_total(run) == 0
    map_all(cast, run)
    totals = services.Totals()
    rows = list(services.payroll_rows(run, totals=totals))
    assert totals.reconciles and totals.unmapped == {}
    assert sum(r[8] for r in rows) == run_total(run)
    assert all(isinstance(r[8], Decimal) for r in rows)
    assert (
        totals.rows
        == len(rows)
        == sum(len(cs) for cs in EmployeeResult.objects.filter(run=run).values_list("components", flat=True))
    )
    anna = next(r for r in rows if r[0] == "7")
    assert anna[3:5] == ("ПМ", "Премия ежемесячная") and anna[9] == "S" and anna[2] == "Отдел продаж"
    assert str(anna[5]) == "2026-03-01" and str(anna[6]) == "2026-03-01" and str(anna[7]) == "2026-03-31"


def test_files_are_repeatable_and_in_layout(cast):
    run = approve(cast)
    map_all(cast, run)
    for layout, fmt in (("generic", "csv"), ("generic", "xlsx"), ("zup", "zip"), ("indicators", "xlsx")):
        assert services.export_bytes(run, layout, fmt) == services.export_bytes(run, layout, fmt)
    rows = list(
        load_workbook(io.BytesIO(services.export_bytes(run, "generic", "xlsx"))).active.iter_rows(
            values_only=True
        )
    )
    assert rows[0][0] == "Табельный номер" or rows[0][0] == "Personnel number"
    archive = zipfile.ZipFile(io.BytesIO(services.export_bytes(run, "zup", "zip")))
    assert archive.namelist() == ["premiya-ПМ.csv"]
    lines = archive.read("premiya-ПМ.csv").decode("utf-8-sig").split("\r\n")
    assert lines[0].split(";") == services.ZUP_COLUMNS
    anna = next(line.split(";") for line in lines[1:] if line.startswith("7;"))
    assert anna[2:5] == ["01.03.2026", "01.03.2026", "31.03.2026"] and "," in anna[5] and "." not in anna[5]
    indicators = services.export_bytes(run, "indicators", "csv").decode("utf-8-sig").split("\r\n")
    assert indicators[0].split(";")[0] == "Табельный номер" and len([x for x in indicators if x]) == 6


def test_mapping_validation_and_audit(cast):
    with pytest.raises(InvalidInput) as refused:
        services.mapping_save(
            actor=cast["users"]["fin"],
            organization=cast["company"],
            component="X",
            accrual_code="",
            accrual_name="",
            cost_centre_source="fixed",
        )
    assert {p.field for p in refused.value.problems} == {"accrual_code", "accrual_name", "cost_centre_value"}
    mapping = services.mapping_save(
        actor=cast["users"]["fin"],
        organization=cast["company"],
        component="X",
        accrual_code="ПМ",
        accrual_name="Премия",
    )
    services.mapping_save(
        actor=cast["users"]["fin"],
        organization=cast["company"],
        component="X",
        accrual_code="ПК",
        accrual_name="Премия",
    )
    mapping.refresh_from_db()
    assert mapping.accrual_code == "ПК"
    assert AuditEvent.objects.filter(entity_type__icontains="accrualmapping").count() >= 2
