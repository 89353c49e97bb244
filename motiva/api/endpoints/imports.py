"""An import job's status: GET /api/v1/imports/{id}/ — for the user who uploaded the file and for HR of
its organization (others 404). The sample of changes is not part of it (it may name salaries: the import's
page shows it to those who may see it); the problems are as the import page lists them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from motiva.api.endpoints.common import error_responses, organization_ids, plain, viewer
from motiva.core.models import Role
from motiva.imports.models import ImportJob


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField()
    kind = serializers.CharField()
    period = serializers.IntegerField(allow_null=True)
    file_name = serializers.CharField()
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    status = serializers.CharField(
        help_text="uploaded, previewing, previewed, applying, applied, failed, nothing_to_do"
    )
    done = serializers.IntegerField(help_text="rows done")
    total = serializers.IntegerField(help_text="rows in all (0 while unknown)")
    percent = serializers.IntegerField()
    counts = serializers.JSONField(help_text="created / changed / same … as counted so far")
    problems = serializers.JSONField(help_text="the problems found, each naming its sheet, row and column")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    applied_at = serializers.DateTimeField(allow_null=True)


def job_row(job: ImportJob) -> dict[str, Any]:
    return {
        "id": job.pk,
        "organization": job.organization_id,
        "kind": job.kind,
        "period": job.period_id,
        "file_name": job.original_name,
        "sha256": job.sha256,
        "size": job.size,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "counts": plain(job.counts),
        "problems": plain(job.problems),
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "applied_at": job.applied_at,
    }


class ImportJobDetail(GenericAPIView):
    serializer_class = ImportJobSerializer

    @extend_schema(responses={200: ImportJobSerializer, **error_responses(404)})
    def get(self, request: Request, pk: int) -> Response:
        who = viewer(request)
        mine = organization_ids(who)
        hr = [pk for pk in mine if who.has(pk, Role.HR)]
        job = (
            ImportJob.objects.filter(organization_id__in=mine)
            .filter(Q(created_by=request.user) | Q(organization_id__in=hr))
            .filter(pk=pk)
            .first()
        )
        if job is None:
            raise Http404
        return Response(ImportJobSerializer(job_row(job)).data)
