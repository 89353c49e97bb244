"""Driving an importer through the framework: upload, preview, apply."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from motiva.core.access import viewer_for
from motiva.imports import services


def run(cast, kind, text, user="hr", period=None, apply=True):
    actor = cast["users"][user]
    viewer = viewer_for(actor)
    job = services.job_create(
        actor=actor,
        viewer=viewer,
        organization=cast["company"],
        kind=kind,
        period=period,
        upload=SimpleUploadedFile(f"{kind}.csv", text.encode("utf-8")),
    )
    job = services.preview(job, viewer)
    if apply and not job.problems:
        job = services.apply(job, viewer)
    return job


def fields(job):
    return [(p.get("field"), p.get("row")) for p in job.problems]
