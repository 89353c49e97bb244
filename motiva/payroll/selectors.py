"""Reads for the payroll pages: who may open them, and the pay components an organization's runs pay."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from motiva.calc.models import CalculationRun, EmployeeResult, RunStatus
from motiva.calc.storage import stored_component
from motiva.core.models import Role
from motiva.payroll.models import AccrualMapping, PayKind

READERS = (Role.FINANCE, Role.HR, Role.EXECUTIVE)
RECENT_RUNS = 12  # the components of the organization's latest finished runs are offered for mapping


def can_read(viewer: Any, organization_id: int) -> bool:
    """Finance, HR and the general director see the payroll hand-off (it names everyone's pay); the
    auditor and the administrator read no pay, so for them, as for everyone else, the pages do not exist."""
    return viewer.has(organization_id, *READERS)


def can_edit_mappings(viewer: Any, organization_id: int) -> bool:
    return viewer.has(organization_id, Role.FINANCE)


def components_by_name(organization: Any) -> dict[str, str]:
    """The pay components in the organization's latest finished runs: Russian name → kind ("" for results
    stored before the kind; a name stored with a kind keeps it)."""
    seen: dict[str, str] = {}
    runs = CalculationRun.objects.filter(organization=organization, status=RunStatus.DONE).order_by(
        "-created_at", "-id"
    )[:RECENT_RUNS]
    for run_id, templates in runs.values_list("pk", "trace_templates"):
        rows = EmployeeResult.objects.filter(run_id=run_id).values_list("components", flat=True)
        for components in rows.iterator(chunk_size=5000):
            for stored in components or ():
                name, kind, _amount, withheld = stored_component(stored, templates or {})
                if not withheld and (kind or name not in seen):
                    seen[name] = kind
    return seen


def components_seen(organization: Any) -> list[str]:
    """The names of the pay components in the organization's latest finished runs, sorted."""
    return sorted(components_by_name(organization))


@dataclass
class KindRow:
    kind: str
    label: str
    mapping: AccrualMapping | None
    names: list[str]  # the names of this kind seen in the latest runs


@dataclass
class NameRow:
    name: str
    kind: str  # "" when the runs did not store it (or the name is only mapped)
    kind_label: str
    mapping: AccrualMapping | None  # the name's own mapping (an exception to its kind's)
    via_kind: AccrualMapping | None  # the kind's mapping that applies when the name has none


def name_key(name: str) -> str:
    """A component's name as mappings match it: runs of spaces and line breaks as one space, ends trimmed
    (the form trims what it saves, and a browser may rewrite the line breaks of a hidden field)."""
    return " ".join(name.split())


def mappings_of(organization_id: int) -> tuple[dict[str, AccrualMapping], dict[str, AccrualMapping]]:
    """The organization's mappings (by name_key of the name, by kind)."""
    by_name: dict[str, AccrualMapping] = {}
    by_kind: dict[str, AccrualMapping] = {}
    for mapping in AccrualMapping.objects.filter(organization_id=organization_id):
        if mapping.kind:
            by_kind[mapping.kind] = mapping
        else:
            by_name[name_key(mapping.component)] = mapping
    return by_name, by_kind


def mapping_rows(organization: Any) -> tuple[list[KindRow], list[NameRow]]:
    """Every kind of pay component with its mapping and the names of it seen, and every name seen in
    runs or mapped by name with its own mapping and the kind's mapping that applies without it."""
    by_name, by_kind = mappings_of(organization.pk)
    seen = components_by_name(organization)
    labels = dict(PayKind.choices)
    kinds = [
        KindRow(kind, str(label), by_kind.get(kind), sorted(name for name, k in seen.items() if k == kind))
        for kind, label in PayKind.choices
    ]
    names = []
    seen_keys = {name_key(name) for name in seen}
    only_mapped = {m.component for key, m in by_name.items() if key not in seen_keys}
    for name in sorted(set(seen) | only_mapped):
        kind = seen.get(name, "")
        names.append(
            NameRow(
                name,
                kind,
                str(labels.get(kind, "")),
                by_name.get(name_key(name)),
                by_kind.get(kind) if kind else None,
            )
        )
    return kinds, names


def has_runs(organization: Any) -> bool:
    return CalculationRun.objects.filter(organization=organization).exists()
