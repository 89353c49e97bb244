"""Reads for the payroll pages: who may open them, and the pay components an organization's runs pay."""

from __future__ import annotations

from typing import Any

from motiva.calc.models import CalculationRun, EmployeeResult, RunStatus
from motiva.core.models import Role
from motiva.payroll.models import AccrualMapping

READERS = (Role.FINANCE, Role.HR, Role.EXECUTIVE)
RECENT_RUNS = 12  # the components of the organization's latest finished runs are offered for mapping


def can_read(viewer: Any, organization_id: int) -> bool:
    """Finance, HR and the general director see the payroll hand-off (it names everyone's pay); the
    auditor and the administrator read no pay, so for them, as for everyone else, the pages do not exist."""
    return viewer.has(organization_id, *READERS)


def can_edit_mappings(viewer: Any, organization_id: int) -> bool:
    return viewer.has(organization_id, Role.FINANCE)


def components_seen(organization: Any) -> list[str]:
    """The names of the pay components in the organization's latest finished runs, sorted."""
    from motiva.payroll.services import _component_name

    names: set[str] = set()
    runs = CalculationRun.objects.filter(organization=organization, status=RunStatus.DONE).order_by(
        "-created_at", "-id"
    )[:RECENT_RUNS]
    for run_id, templates in runs.values_list("pk", "trace_templates"):
        rows = EmployeeResult.objects.filter(run_id=run_id).values_list("components", flat=True)
        for components in rows.iterator(chunk_size=5000):
            for stored in components or ():
                name, _amount, withheld = _component_name(stored, templates or {})
                if not withheld:
                    names.add(name)
    return sorted(names)


def mapping_rows(organization: Any) -> list[tuple[str, AccrualMapping | None]]:
    """(component, its mapping or None) for every component seen in runs or already mapped."""
    mappings = {m.component: m for m in AccrualMapping.objects.filter(organization=organization)}
    names = sorted(set(components_seen(organization)) | set(mappings))
    return [(name, mappings.get(name)) for name in names]


def has_runs(organization: Any) -> bool:
    return CalculationRun.objects.filter(organization=organization).exists()
