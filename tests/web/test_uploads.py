"""Attachments and exports on a full disk: a clear message naming the file, nothing half-written left
behind, the database unchanged; a replaced or removed attachment leaves no old file behind.

The full disk is real: a 256 KB tmpfs mounted for the test (we run as root in CI); where mounting is
not permitted the tests that need it are skipped with the reason."""

from __future__ import annotations

import errno
import os
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from motiva.core import files
from motiva.core.models import AuditEvent
from motiva.periods.models import IndicatorValue, PeriodStatus

pytestmark = pytest.mark.django_db


def _mount_tmpfs(path: Path, size: str = "256k") -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["/usr/bin/mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"mount -t tmpfs is not permitted here: {done.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path):
    """A real 256 KB filesystem; `fill()` takes every free byte."""
    mount = tmp_path / "disk"
    mount.mkdir()
    _mount_tmpfs(mount)

    class Disk:
        path = mount

        def fill(self) -> None:
            handle = os.open(mount / "filler.bin", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            try:
                while True:
                    os.write(handle, b"\0" * 4096)
            except OSError as error:
                assert error.errno == errno.ENOSPC
            finally:
                os.close(handle)

        def free(self) -> None:
            (mount / "filler.bin").unlink(missing_ok=True)

        def files(self) -> set[str]:
            return {
                p.relative_to(mount).as_posix()
                for p in mount.rglob("*")
                if p.is_file() and p.name != "filler.bin"
            }

    yield Disk()
    subprocess.run(["/usr/bin/umount", "-l", str(mount)], check=False)


@pytest.fixture
def media(settings, small_disk):
    settings.MEDIA_ROOT = str(small_disk.path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "motiva.core.files.AtomicFileSystemStorage"},
    }
    return small_disk


@pytest.fixture
def editable_value(cast):
    from motiva.periods.services import period_transition

    period = cast["period"]
    if period.status != PeriodStatus.REVIEW:
        period_transition(actor=cast["users"]["hr"], period=period, to_status=PeriodStatus.REVIEW)
    value = IndicatorValue.objects.get(period=period, employee=cast["people"]["anna"])
    return value, reverse("value", args=[cast["company"].pk, value.pk])


def _post(client, url, **data):
    with translation.override("en"):
        return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


def test_a_full_disk_refuses_the_upload_naming_the_file_and_changes_nothing(
    client, cast, media, editable_value
):
    value, url = editable_value
    client.force_login(cast["users"]["boss"])
    media.fill()
    events = AuditEvent.objects.count()
    response = _post(
        client,
        url,
        comment="из CRM",
        attachment=SimpleUploadedFile("crm-report.pdf", b"%PDF-1.4" + b"x" * 20000),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "crm-report.pdf" in page and "disk is full" in page
    value.refresh_from_db()
    assert not value.attachment and value.comment == ""
    assert AuditEvent.objects.count() == events
    assert media.files() == set()  # no truncated file, no temporary part
    media.free()
    response = _post(
        client, url, comment="из CRM", attachment=SimpleUploadedFile("crm-report.pdf", b"%PDF-1.4")
    )
    assert response.status_code == 302
    value.refresh_from_db()
    assert value.attachment and media.files() == {value.attachment.name}
    assert (media.path / value.attachment.name).read_bytes() == b"%PDF-1.4"


def test_replacing_twice_keeps_only_the_latest_file(
    client, cast, media, editable_value, django_capture_on_commit_callbacks
):
    value, url = editable_value
    client.force_login(cast["users"]["boss"])
    names = []
    for number in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            response = _post(
                client, url, attachment=SimpleUploadedFile(f"act-{number}.pdf", b"%%PDF %d" % number)
            )
        assert response.status_code == 302
        value.refresh_from_db()
        names.append(value.attachment.name)
    assert len(set(names)) == 3
    assert media.files() == {names[-1]}
    assert (media.path / names[-1]).read_bytes() == b"%PDF 2"


def test_a_replacement_that_is_rolled_back_keeps_the_old_file_and_removes_the_new(
    cast, media, editable_value, django_capture_on_commit_callbacks, monkeypatch
):
    from motiva.core import audit
    from motiva.periods.services import value_annotate

    value, _url = editable_value
    boss = cast["users"]["boss"]
    with django_capture_on_commit_callbacks(execute=True):
        value_annotate(actor=boss, value=value, attachment=SimpleUploadedFile("old.pdf", b"old"))
    old = value.attachment.name

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(audit, "apply_changes", broken)
    fresh = IndicatorValue.objects.get(pk=value.pk)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        value_annotate(actor=boss, value=fresh, attachment=SimpleUploadedFile("new.pdf", b"new"))
    assert media.files() == {old}
    assert IndicatorValue.objects.get(pk=value.pk).attachment.name == old


def test_removing_or_deleting_takes_the_file_with_it(
    client, cast, media, editable_value, django_capture_on_commit_callbacks
):
    value, url = editable_value
    client.force_login(cast["users"]["boss"])
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, url, attachment=SimpleUploadedFile("a.pdf", b"%PDF"))
    value.refresh_from_db()
    assert media.files() == {value.attachment.name}
    assert 'data-testid="remove-attachment"' in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, url, remove_attachment="1", comment="")
    assert response.status_code == 302
    value.refresh_from_db()
    assert not value.attachment and media.files() == set()
    assert AuditEvent.objects.filter(entity_id=str(value.pk), field="attachment").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, url, attachment=SimpleUploadedFile("b.pdf", b"%PDF"))
    value.refresh_from_db()
    assert len(media.files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        value.delete()
    assert media.files() == set()


def test_the_storage_writes_complete_files_or_none(media):
    storage = files.AtomicFileSystemStorage(location=str(media.path))
    name = storage.save("values/x.txt", ContentFile(b"a" * 1000, name="x.txt"))
    assert (media.path / name).read_bytes() == b"a" * 1000
    again = storage.save("values/x.txt", ContentFile(b"b", name="x.txt"))
    assert again != name and (media.path / name).read_bytes() == b"a" * 1000  # never overwritten
    media.fill()
    with pytest.raises(files.DiskFull) as caught:
        storage.save("values/big.bin", ContentFile(b"z" * 50000, name="big.bin"))
    assert caught.value.name == "big.bin" and caught.value.errno == errno.ENOSPC
    assert media.files() == {name, again}  # no `.part-` file left


def test_an_export_is_built_in_memory_and_is_complete_on_a_full_disk(client, cast, small_disk, monkeypatch):
    """openpyxl's own writer spools sheets to temporary files and, on a full disk, silently cuts them
    short; the export must be the whole sheet or nothing, and leave no temporary file."""
    from io import BytesIO

    from openpyxl import load_workbook

    run = cast["run"]
    url = reverse("run_export", args=[cast["company"].pk, run.pk])
    client.force_login(cast["users"]["boss"])  # a line manager exports his subtree (no second factor)
    monkeypatch.setattr(tempfile, "tempdir", str(small_disk.path))
    before = client.get(url)
    assert before.status_code == 200
    small_disk.fill()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].endswith(
        f'motiva-run-{run.pk}.xlsx"'
    )
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) > 1 and rows == list(
        load_workbook(BytesIO(before.content)).active.iter_rows(values_only=True)
    )
    assert small_disk.files() == set()


def test_an_export_that_cannot_be_written_names_the_file(client, cast, monkeypatch):
    """Should writing the workbook fail for lack of space all the same, the page says so, naming the
    download, instead of a 500 (the failure is simulated: the in-memory writer does not touch the disk)."""
    from motiva.exports import tabular

    run = cast["run"]

    def full(table, sheet_title, title_rows=None, *, name):
        raise files.DiskFull(name, OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(tabular, "render_xlsx", full)
    client.force_login(cast["users"]["boss"])
    with translation.override("en"):
        response = client.get(
            reverse("run_export", args=[cast["company"].pk, run.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.redirect_chain == [(reverse("run", args=[cast["company"].pk, run.pk]), 302)]
    shown = [str(m) for m in response.context["messages"]]
    assert any(f"motiva-run-{run.pk}.xlsx" in m and "disk is full" in m for m in shown)


def test_the_sweep_finds_what_an_outer_rollback_left_and_spares_fresh_and_referenced_files(
    cast, media, editable_value, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command
    from django.db import transaction

    from motiva.periods.services import value_annotate

    value, _url = editable_value
    boss = cast["users"]["boss"]
    with django_capture_on_commit_callbacks(execute=True):
        value_annotate(actor=boss, value=value, attachment=SimpleUploadedFile("kept.pdf", b"kept"))
    kept = value.attachment.name

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():  # a caller's transaction rolled back after the service
        value_annotate(
            actor=boss,
            value=IndicatorValue.objects.get(pk=value.pk),
            attachment=SimpleUploadedFile("lost.pdf", b"x"),
        )
        raise Abandon
    assert IndicatorValue.objects.get(pk=value.pk).attachment.name == kept
    left = media.files() - {kept}
    assert len(left) == 1  # Django has no rollback hook: this is what the sweep is for
    part = media.path / "values" / ".part-0123456789abcdef"
    part.write_bytes(b"half")
    fresh = media.path / "values" / "fresh.pdf"
    fresh.write_bytes(b"in flight")
    old = time.time() - 2 * 3600
    for name in [*left, part.relative_to(media.path).as_posix()]:
        os.utime(media.path / name, (old, old))

    out = StringIO()
    call_command("attachments_sweep", stdout=out)
    listed = set(out.getvalue().splitlines()[:-1])
    assert listed == {*left, part.relative_to(media.path).as_posix()}
    assert media.files() >= {kept, *left}  # listing deletes nothing
    call_command("attachments_sweep", "--delete", stdout=StringIO())
    assert media.files() == {kept, "values/fresh.pdf"}


def test_the_storage_falls_back_to_rename_where_there_are_no_hard_links(tmp_path, monkeypatch):
    def no_links(source, target):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    storage = files.AtomicFileSystemStorage(location=str(tmp_path))
    first = storage.save("values/a.txt", ContentFile(b"one", name="a.txt"))
    second = storage.save("values/a.txt", ContentFile(b"two", name="a.txt"))
    assert first != second
    assert (tmp_path / first).read_bytes() == b"one" and (tmp_path / second).read_bytes() == b"two"
    assert sorted(p.name for p in (tmp_path / "values").iterdir()) == sorted(
        [Path(first).name, Path(second).name]
    )


def test_an_attachment_changed_in_the_admin_goes_through_the_same_service(
    client, django_user_model, actor, organization, media, django_capture_on_commit_callbacks
):
    """The admin's value form had an attachment field its save ignored (value_set does not touch the
    file); now it stores, replaces and clears through value_annotate, leaving no old file."""
    import datetime as dt
    from decimal import Decimal

    from motiva.kpi import services as kpi
    from motiva.periods import services as periods

    sales = kpi.indicator_create(actor=actor, organization=organization, code="SALES", name="Продажи")
    period = periods.period_create(
        actor=actor, organization=organization, kind="month", start=dt.date(2026, 1, 1)
    )
    value = periods.value_set(actor=actor, indicator=sales, period=period, kind="fact", value=Decimal(5))
    root = django_user_model.objects.create_superuser(username="root", password="x-Secret-123")
    client.force_login(root)
    url = reverse("admin:periods_indicatorvalue_change", args=[value.pk])
    names = []
    for number in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                url,
                {
                    "value": "5",
                    "level_code": "",
                    "comment": "",
                    "attachment": SimpleUploadedFile(f"act-{number}.pdf", b"%%PDF %d" % number),
                },
            )
        assert response.status_code == 302
        value.refresh_from_db()
        names.append(value.attachment.name)
    assert names[0] != names[1] and media.files() == {names[1]}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"value": "5", "level_code": "", "comment": "", "attachment-clear": "on"})
    value.refresh_from_db()
    assert not value.attachment and media.files() == set()
    assert AuditEvent.objects.filter(entity_id=str(value.pk), field="attachment").count() == 3


def test_a_full_disk_while_the_upload_is_received_answers_507_before_the_csrf_check(
    cast, settings, small_disk, editable_value
):
    """Django spools a large upload to its temporary folder while it reads the request; a full disk
    there used to be a 500 inside the CSRF check. Now: a page saying nothing was received or changed."""
    from django.test import Client

    value, url = editable_value
    settings.FILE_UPLOAD_TEMP_DIR = str(small_disk.path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # spool anything larger to the small disk
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["users"]["boss"])
    page = client.get(url)
    token = page.cookies["csrftoken"].value
    small_disk.fill()
    events = AuditEvent.objects.count()
    with translation.override("en"):
        response = client.post(
            url,
            {
                "csrfmiddlewaretoken": token,
                "comment": "из CRM",
                "attachment": SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"x" * 400_000),
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 507
    assert "disk is full" in response.content.decode()
    value.refresh_from_db()
    assert not value.attachment and value.comment == ""
    assert AuditEvent.objects.count() == events
    assert small_disk.files() == set()  # the partial spool file is gone
