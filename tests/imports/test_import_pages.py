"""The import pages: templates, upload, the job page (mapping, preview, apply, progress, changes), history."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from motiva.imports.models import ImportJob, JobStatus
from motiva.periods.models import IndicatorValue

pytestmark = pytest.mark.django_db

GOOD = "Код показателя;Уровень;Табельный номер;Значение;Лишний\nSALES;сотрудник;7;2,5;x\n"


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.IMPORTS_ROOT = tmp_path / "private"
    settings.IMPORTS_IN_THREAD = False


def login(client, cast, user="hr"):
    client.force_login(cast["users"][user])
    return cast["company"].pk


def test_templates_in_both_formats(client, cast):
    org = login(client, cast)
    url = reverse("import_template", args=[org, "facts"])
    book = load_workbook(io.BytesIO(client.get(url + "?format=xlsx").content))
    assert book.sheetnames == ["Данные", "Инструкция"]
    guide = list(book["Инструкция"].iter_rows(values_only=True))
    assert any(row[0] == "Табельный номер" and row[1] == "Personnel number" for row in guide)
    assert next(book["Данные"].iter_rows(values_only=True))[0] == "Код показателя"
    response = client.get(url + "?format=csv")
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Код показателя" and len(rows) >= 2
    assert client.get(url).status_code == 200  # xlsx by default
    assert client.get(url + "?format=pdf").status_code == 404
    assert client.get(url + "?format=csv", HTTP_SEC_FETCH_SITE="cross-site").status_code == 403
    assert client.get(reverse("import_template", args=[org, "nothing"])).status_code == 404


def test_upload_preview_skip_apply_and_history(client, cast, django_capture_on_commit_callbacks):
    org = login(client, cast)
    post = client.post

    def run(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(*args, **kwargs)

    client.post = run
    response = client.post(
        reverse("imports", args=[org]),
        {"kind": "facts", "period": cast["period"].pk, "file": SimpleUploadedFile("f.csv", GOOD.encode())},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/imports/{job.pk}/")
    job.refresh_from_db()
    assert "Лишний" in client.get(response["Location"]).content.decode()
    assert job.status == JobStatus.PREVIEWED and job.problems[0]["column"] == "E"
    url = reverse("import_job", args=[org, job.pk])
    assert client.post(url, {"action": "apply"}).status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.PREVIEWED  # refused: problems first
    client.post(
        url,
        {
            "action": "mapping",
            "c0": "indicator",
            "c1": "scope",
            "c2": "personnel_number",
            "c3": "value",
            "c4": "skip",
        },
    )
    job.refresh_from_db()
    assert job.problems == [] and job.counts["change"] == 1
    page = client.get(url).content.decode()
    assert "2.5" in page
    assert '<td data-label="Поле">Значение</td>' in page  # the changed field by its column name
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<td data-label="Field">Value</td>' in english
    client.post(url, {"action": "apply"})
    job.refresh_from_db()
    assert job.status == JobStatus.APPLIED
    value = IndicatorValue.objects.get(period=cast["period"], employee=cast["people"]["anna"], kind="fact")
    assert str(value.value.normalize()) == "2.5"
    changes = client.get(url + "?part=changes")
    assert changes["Cache-Control"] == "no-store" and "2.5" in changes.content.decode("utf-8-sig")
    assert changes.content.decode("utf-8-sig").startswith("Действие;Что;Поле;Было;Станет")
    assert client.get(url + "?part=changes", HTTP_SEC_FETCH_SITE="cross-site").status_code == 403
    progress = client.get(url + "?part=progress").content.decode()
    assert 'id="import-progress"' in progress and "hx-get" not in progress
    history = client.get(reverse("imports", args=[org])).content.decode()
    assert job.sha256[:12] in history and "f.csv" in history
    assert client.get(url + "?part=other").status_code == 404
    # an applied job is a record: no new mapping, no second check or apply; the form is gone
    assert 'value="mapping"' not in client.get(url).content.decode()
    for action in ({"action": "preview"}, {"action": "apply"}, {"action": "mapping", "c0": "indicator"}):
        page = client.post(url, action, follow=True).content.decode()
        job.refresh_from_db()
        assert job.status == JobStatus.APPLIED, action
    assert "уже применён" in page
    # the same file again: nothing to change, and the page says it was applied before
    client.post(
        reverse("imports", args=[org]),
        {"kind": "facts", "period": cast["period"].pk, "file": SimpleUploadedFile("f.csv", GOOD.encode())},
    )
    again = ImportJob.objects.exclude(pk=job.pk).get()
    assert again.mapping["лишний"] == "skip"  # remembered
    assert (
        "уже" in client.get(reverse("import_job", args=[org, again.pk])).content.decode()
        or again.counts["same"] == 1
    )


def test_running_job_polls(client, cast):
    org = login(client, cast)
    job = ImportJob.objects.create(
        organization=cast["company"],
        kind="facts",
        period=cast["period"],
        file="imports/x.csv",
        original_name="x.csv",
        sha256="1" * 64,
        created_by=cast["users"]["hr"],
        status=JobStatus.APPLYING,
        done=50,
        total=100,
    )
    part = client.get(reverse("import_job", args=[org, job.pk]) + "?part=progress").content.decode()
    assert "hx-get" in part and 'aria-valuenow="50"' in part


def test_employee_and_outsider_get_404(client, cast):
    org = cast["company"].pk
    for user in ("anna", "outsider"):
        client.force_login(cast["users"][user])
        assert client.get(reverse("imports", args=[org])).status_code == 404
        assert client.get(reverse("import_template", args=[org, "facts"])).status_code == 404


def test_manager_sees_only_own_jobs_and_no_plans(client, cast):
    job = ImportJob.objects.create(
        organization=cast["company"],
        kind="facts",
        period=cast["period"],
        file="imports/x.csv",
        original_name="x.csv",
        sha256="1" * 64,
        created_by=cast["users"]["hr"],
    )
    org = login(client, cast, "boss")
    assert client.get(reverse("import_job", args=[org, job.pk])).status_code == 404
    assert client.get(reverse("import_template", args=[org, "plans"])).status_code == 404
    page = client.get(reverse("imports", args=[org])).content.decode()
    assert "x.csv" not in page and "Фактические значения" in page
    link = f'href="{reverse("imports", args=[org])}"'
    assert link in client.get(reverse("home")).content.decode()  # the menu leads a manager there
    login(client, cast, "anna")
    assert link not in client.get(reverse("home")).content.decode()  # an employee imports nothing


def test_only_the_uploader_checks_and_applies_a_file(client, cast):
    """Rows are checked with the rights of whoever runs the job and written in the uploader's name: HR
    opening a manager's file reads it but cannot check or apply it (nor change its columns)."""
    from motiva.core.access import viewer_for
    from motiva.core.errors import InvalidInput
    from motiva.imports import services, tasks

    text = "Код показателя;Уровень;Табельный номер;Значение\nSALES;сотрудник;7;150\nSALES;сотрудник;9;150\n"
    boss = cast["users"]["boss"]
    job = services.job_create(
        actor=boss,
        viewer=viewer_for(boss),
        organization=cast["company"],
        kind="facts",
        period=cast["period"],
        upload=SimpleUploadedFile("boss.csv", text.encode()),
    )
    org = login(client, cast, "hr")
    url = reverse("import_job", args=[org, job.pk])
    page = client.get(url).content.decode()
    assert "only they check and apply" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="mapping"' not in page and 'value="apply"' not in page
    for action in ("preview", "apply", "mapping"):
        assert client.post(url, {"action": action}).status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.UPLOADED and not IndicatorValue.objects.filter(source="import").exists()
    with pytest.raises(InvalidInput):
        tasks.start(job, "apply", viewer_for(cast["users"]["hr"]))


def test_the_change_list_keeps_formula_like_text_inert(client, cast):
    from tests.imports.kinds_helpers import run

    job = run(
        cast, "units", 'Код;Название;Код вышестоящего\nZ1;=HYPERLINK("http://evil","x");C\nZ2;@SUM(1+1);C\n'
    )
    assert job.status == JobStatus.APPLIED, job.problems
    org = login(client, cast)
    text = client.get(reverse("import_job", args=[org, job.pk]) + "?part=changes").content.decode("utf-8-sig")
    cells = [cell for line in text.splitlines()[1:] for cell in line.split(";")]
    assert '\'=HYPERLINK(""http://evil"",""x"")' in text or any(c.startswith("\"'=HYPERLINK") for c in cells)
    assert not any(c.lstrip('"').startswith(("=", "@")) for c in cells)


def test_the_page_lists_the_kinds_in_the_order_an_organization_is_built(client, cast):
    from motiva.imports.base import REGISTRY
    from motiva.imports.selectors import ORDER

    assert set(ORDER) == set(REGISTRY)  # a new kind takes its place in the order
    org = login(client, cast, "hr")
    body = client.get(reverse("imports", args=[org]), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    table = body[body.index("<table") : body.index("</table>")]
    shown = [cell.split("<")[0].strip() for cell in table.split('<td data-label="Что">')[1:]]
    assert shown == [str(REGISTRY[kind].title_ru) for kind in ORDER]
