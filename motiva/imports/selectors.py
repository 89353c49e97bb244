"""Reads of the import pages: the kinds a viewer may use and the jobs they may see."""

from __future__ import annotations

from django.db.models import QuerySet

from motiva.core.models import Role
from motiva.imports.base import REGISTRY, Importer
from motiva.imports.models import ImportJob

# The order an organization is built in: structure, people and their time, then indicators, cards and values.
ORDER = (
    "units",
    "positions",
    "grades",
    "employees",
    "absences",
    "timesheets",
    "indicators",
    "templates",
    "card_lines",
    "plans",
    "facts",
)


def kinds_for(viewer, organization) -> list[type[Importer]]:
    """The kinds the viewer may import, in ORDER (a kind not named there comes last, by its key)."""
    ranked = sorted(
        REGISTRY.items(), key=lambda item: (ORDER.index(item[0]) if item[0] in ORDER else len(ORDER), item[0])
    )
    return [cls for _, cls in ranked if cls.allowed(viewer, organization)]


def jobs_for(viewer, organization) -> QuerySet[ImportJob]:
    """HR sees every import of the organization; anyone else only their own."""
    rows = ImportJob.objects.filter(organization=organization).select_related("created_by", "period")
    if viewer.has(organization.pk, Role.HR):
        return rows
    return rows.filter(created_by_id=getattr(viewer.user, "pk", None))


def job_for(viewer, organization, pk: int) -> ImportJob | None:
    return jobs_for(viewer, organization).filter(pk=pk).first()
