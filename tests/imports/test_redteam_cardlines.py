"""Red-team of the card lines import: who may reach it (pages, API), whose card it may set (one's own, a
person of another organization, one who left before the period), closed periods, hostile cell text in
the change list, and who may download that list."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from motiva.core.models import AuditEvent
from motiva.imports.models import ImportJob, JobStatus
from motiva.kpi import services as kpi
from motiva.kpi.models import Card
from motiva.org import services as org
from motiva.periods.models import Period, PeriodStatus
from tests.imports.kinds_helpers import fields, run

pytestmark = pytest.mark.django_db

HEAD = (
    "Табельный номер;Порядок;Компонент;Код показателя;Название;Уровень;Вес, %;Шкала;Порог;План;Максимум;"
    "Порог, % плана;План, % плана;Максимум, % плана;Плановая сумма\n"
)
ANNA = HEAD + "7;0;;SALES;;;100;Факт/план;;130;;;;;\n"


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.IMPORTS_ROOT = tmp_path / "private"
    settings.IMPORTS_IN_THREAD = False


def _target(cast, name):
    card = Card.objects.filter(employee=cast["people"][name], period=cast["period"]).first()
    return card and [line.target for line in card.lines.order_by("order")]


def _upload(client, cast, kind="card_lines", text=ANNA):
    return client.post(
        reverse("imports", args=[cast["company"].pk]),
        {
            "kind": kind,
            "period": cast["period"].pk,
            "file": SimpleUploadedFile("cards.csv", text.encode("utf-8")),
        },
    )


@pytest.mark.parametrize("user", ["boss", "anna", "fin", "gd", "auditor", "admin", "outsider"])
def test_no_one_but_hr_uploads_or_reaches_card_lines_through_the_pages(client, cast, user):
    client.force_login(cast["users"][user])
    template = reverse("import_template", args=[cast["company"].pk, "card_lines"])
    assert client.get(template).status_code == 404
    page = client.get(reverse("imports", args=[cast["company"].pk]))
    assert page.status_code == 404 or "Строки карт KPI сотрудников" not in page.content.decode()
    _upload(client, cast)
    assert not ImportJob.objects.filter(kind="card_lines").exists()
    assert _target(cast, "anna") == [D(100)]


def test_hrs_job_is_not_reachable_by_others_and_not_applied_by_another_hr(
    client, cast, django_user_model, django_capture_on_commit_callbacks
):
    client.force_login(cast["users"]["hr"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, cast)
    job = ImportJob.objects.get(kind="card_lines")
    assert response.status_code == 302 and job.status == JobStatus.PREVIEWED, job.problems
    job_url = reverse("import_job", args=[cast["company"].pk, job.pk])
    api_url = f"/api/v1/imports/{job.pk}/"
    for user in ("boss", "anna", "fin", "gd", "auditor", "outsider"):
        client.force_login(cast["users"][user])
        assert client.get(job_url).status_code == 404
        assert client.post(job_url, {"action": "apply"}).status_code == 404
        assert client.get(api_url).status_code == 404
    # a second HR sees the job but cannot apply it in the uploader's name
    from motiva.core.models import Role, RoleAssignment

    other_hr = django_user_model.objects.create_user(username="hr2", password="x-Secret-123")
    RoleAssignment.objects.create(user=other_hr, organization=cast["company"], role=Role.HR)
    client.force_login(other_hr)
    assert client.get(job_url).status_code == 200
    client.post(job_url, {"action": "apply"})
    job.refresh_from_db()
    assert job.status == JobStatus.PREVIEWED and _target(cast, "anna") == [D(100)]
    # HR who lost the role no longer applies their own preview
    RoleAssignment.objects.filter(user=cast["users"]["hr"], role=Role.HR).delete()
    client.force_login(cast["users"]["hr"])
    assert client.post(job_url, {"action": "apply"}).status_code == 404
    job.refresh_from_db()
    assert job.status == JobStatus.PREVIEWED and _target(cast, "anna") == [D(100)]


def test_another_organizations_people_indicators_and_scales_are_unknown(cast):
    admin = cast["users"]["admin"]
    org.employee_hire(
        actor=admin,
        organization=cast["other"],
        personnel_number="77",
        last_name="Чужой",
        first_name="Пётр",
        hire_date=dt.date(2024, 1, 1),
        position=cast["people"]["outsider"].assignments.first().position,
        salary=D(50000),
    )
    text = HEAD + (
        "77;0;;SALES;;;100;Факт/план;;100;;;;;\n"  # 2: a person of the other organization only
        "8;0;;OTHER;;;100;Факт/план;;100;;;;;\n"  # 3: the other organization's indicator
        "9;0;;SALES;;;100;Чужая шкала;;100;;;;;\n"  # 4: the other organization's scale
    )
    job = run(cast, "card_lines", text, period=cast["period"])
    assert job.status == JobStatus.PREVIEWED
    assert set(fields(job)) >= {("personnel_number", 2), ("indicator", 3), ("scale", 4)}, job.problems
    assert Card.objects.filter(period=cast["other_period"]).count() == 1
    # number "1" is the company's own general director, never the other organization's "1"
    job = run(cast, "card_lines", HEAD + "1;0;;SALES;;;100;Факт/план;;100;;;;;\n", period=cast["period"])
    assert job.status == JobStatus.APPLIED, job.problems
    assert Card.objects.filter(employee=cast["people"]["gd"], period=cast["period"]).exists()
    outsider = Card.objects.get(employee=cast["people"]["outsider"])
    assert [line.indicator_id for line in outsider.lines.all()] == [cast["other_indicator"].pk]


def test_one_who_left_before_the_period_is_refused(cast):
    org.employee_terminate(
        actor=cast["users"]["admin"], employee=cast["people"]["carl"], termination_date=dt.date(2026, 2, 27)
    )
    job = run(cast, "card_lines", HEAD + "9;0;;SALES;;;100;Факт/план;;150;;;;;\n", period=cast["period"])
    assert job.status == JobStatus.PREVIEWED and fields(job) == [("personnel_number", 2)], job.problems
    assert _target(cast, "carl") == [D(100)]


def test_a_period_closed_between_preview_and_apply_is_refused(cast):
    job = run(cast, "card_lines", ANNA, period=cast["period"], apply=False)
    assert job.status == JobStatus.PREVIEWED and not job.problems
    Period.objects.filter(pk=cast["period"].pk).update(status=PeriodStatus.CLOSED)
    from motiva.core.access import viewer_for
    from motiva.imports import services

    job = services.apply(job, viewer_for(cast["users"]["hr"]))
    assert job.status == JobStatus.FAILED and _target(cast, "anna") == [D(100)]


def test_formula_text_stays_inert_in_the_change_list(client, cast):
    hostile = '=HYPERLINK("http://x";"y")'
    text = HEAD + f'7;0;;SALES;"{hostile.replace(chr(34), chr(34) * 2)}";;100;Факт/план;;130;;;;;\n'
    text += "8;0;;SALES;@SUM(A1);;100;Факт/план;;140;;;;;\n"
    job = run(cast, "card_lines", text, period=cast["period"])
    assert job.status == JobStatus.APPLIED, job.problems
    client.force_login(cast["users"]["hr"])
    url = reverse("import_job", args=[cast["company"].pk, job.pk])
    body = client.get(url, {"part": "changes"}).content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(body), delimiter=";") for cell in row]
    assert "HYPERLINK" in body and not [c for c in cells if c[:1] in ("=", "+", "-", "@")], cells


def test_a_control_character_in_a_title_is_refused_at_its_row_and_column(cast):
    """An escape or bell in a title would land in the preview page, on the card and in the pay
    component's name of the runs and payroll files: refused like any unreadable cell."""
    text = (
        HEAD
        + "7;0;;SALES;План\x1b[31m;;100;Факт/план;;130;;;;;\n8;0;;SALES;Звонок\x07;;100;Факт/план;;140;;;;;\n"
    )
    job = run(cast, "card_lines", text, period=cast["period"])
    assert job.status == JobStatus.PREVIEWED
    assert fields(job) == [("label", 2), ("label", 3)], job.problems
    assert "U+001B" in job.problems[0]["ru"] and job.problems[0]["column"] == "E"
    assert "\x1b" not in str(job.preview) and _target(cast, "anna") == _target(cast, "boris") == [D(100)]


def test_the_change_list_is_for_hr_only_and_the_apply_is_audited(client, cast):
    job = run(cast, "card_lines", ANNA, period=cast["period"])
    assert job.status == JobStatus.APPLIED, job.problems
    assert AuditEvent.objects.filter(entity_type="imports.ImportJob", entity_id=str(job.pk)).exists()
    card = Card.objects.get(employee=cast["people"]["anna"], period=cast["period"])
    assert AuditEvent.objects.filter(entity_type="kpi.Card", entity_id=str(card.pk), action="update").exists()
    url = reverse("import_job", args=[cast["company"].pk, job.pk])
    client.force_login(cast["users"]["hr"])
    assert client.get(url, {"part": "changes"}).status_code == 200
    for user in ("anna", "boss", "fin", "gd", "auditor", "admin", "outsider"):
        client.force_login(cast["users"][user])
        assert client.get(url, {"part": "changes"}).status_code == 404, user
    other = reverse("import_job", args=[cast["other"].pk, job.pk])
    client.force_login(cast["users"]["outsider"])
    assert client.get(other, {"part": "changes"}).status_code == 404


def test_hr_cannot_set_their_own_card_through_a_template_either(cast):
    """Nobody sets their own targets: the import neither makes HR's own card nor changes it."""
    staff = cast["people"]["hr"].assignments.first().position
    kpi.card_template_create(
        actor=cast["users"]["admin"],
        position=staff,
        valid_from=dt.date(2026, 1, 1),
        lines=[{"indicator": cast["indicator"], "weight": "100", "scale": cast["scale"], "target": "100"}],
    )
    job = run(cast, "card_lines", HEAD + "2;0;;SALES;;;100;Факт/план;;1;;;;;\n", period=cast["period"])
    assert job.status == JobStatus.PREVIEWED and fields(job) == [("personnel_number", 2)]
    assert not Card.objects.filter(employee=cast["people"]["hr"]).exists()
