"""The import pages in a real browser on a 390 × 844 phone: a checked and an applied fact file, and the
list with its history. Nothing is wider than the screen (a file's SHA-256 wraps) and an applied job offers
no column mapping any more. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from motiva.core.access import viewer_for
from motiva.imports import services
from tests.browser.support import login, shot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

FACTS = "Код показателя;Уровень;Табельный номер;Значение\nSALES;сотрудник;7;1,5\nSALES;сотрудник;8;200\n"


def test_the_import_pages_fit_a_phone(browser, live_server, cast, settings, tmp_path):
    settings.IMPORTS_ROOT = tmp_path / "private"
    settings.IMPORTS_IN_THREAD = False
    hr = cast["users"]["hr"]
    job = services.job_create(
        actor=hr,
        viewer=viewer_for(hr),
        organization=cast["company"],
        kind="facts",
        period=cast["period"],
        upload=SimpleUploadedFile("facts.csv", FACTS.encode()),
    )
    job = services.preview(job, viewer_for(hr))
    org = cast["company"].pk
    context, page = login(browser, live_server.url, "hr", 390, 844)
    try:
        page.goto(live_server.url + reverse("import_job", args=[org, job.pk]))
        assert page.locator("button[value=apply]").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "import-job-checked-phone")
        services.apply(job, viewer_for(hr))
        page.reload()
        assert page.get_by_text("применён").first.is_visible()
        assert page.locator("button[value=mapping]").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.goto(live_server.url + reverse("imports", args=[org]))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "import-list-phone")
    finally:
        context.close()
