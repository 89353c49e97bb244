"""Reads of the import pages: the kinds a viewer may use and the jobs they may see."""

from __future__ import annotations

from django.db.models import QuerySet

from motiva.core.models import Role
from motiva.imports.base import REGISTRY, Importer
from motiva.imports.models import ImportJob


def kinds_for(viewer, organization) -> list[type[Importer]]:
    return [cls for _, cls in sorted(REGISTRY.items()) if cls.allowed(viewer, organization)]


def jobs_for(viewer, organization) -> QuerySet[ImportJob]:
    """HR sees every import of the organization; anyone else only their own."""
    rows = ImportJob.objects.filter(organization=organization).select_related("created_by", "period")
    if viewer.has(organization.pk, Role.HR):
        return rows
    return rows.filter(created_by_id=getattr(viewer.user, "pk", None))


def job_for(viewer, organization, pk: int) -> ImportJob | None:
    return jobs_for(viewer, organization).filter(pk=pk).first()
