"""Idempotent POSTs: a request repeated with the same idempotency key is done once and answered with
the first outcome (motiva.web.idempotency)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from motiva.calc.models import Adjustment, RunSignature
from motiva.core.models import AuditEvent
from motiva.idempotency.models import IdempotencyKey, IdempotencyState
from motiva.periods.models import IndicatorValue, PeriodStatus
from motiva.periods.services import period_transition
from motiva.web.idempotency import FIELD_NAME, REPLAY_HEADER

pytestmark = pytest.mark.django_db

ADJUSTMENT = {"personnel_number": "7", "amount": "-1 000,50", "kind": "manual", "reason": "Возврат аванса"}


def url(cast, name):
    return reverse(name, args=[cast["company"].pk, cast["period"].pk])


def login(client, cast, user):
    client.force_login(cast["users"][user])


def test_three_identical_adjustment_posts_with_one_key_make_one_adjustment(client, cast):
    period_transition(actor=cast["users"]["hr"], period=cast["period"], to_status=PeriodStatus.REVIEW)
    login(client, cast, "hr")
    data = {**ADJUSTMENT, FIELD_NAME: "form-key-0001"}
    responses = [client.post(url(cast, "adjustment_add"), data) for _ in range(3)]
    assert Adjustment.objects.count() == 1
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert len({r["Location"] for r in responses}) == 1
    assert REPLAY_HEADER not in responses[0] and all(r[REPLAY_HEADER] == "true" for r in responses[1:])
    assert (
        AuditEvent.objects.filter(entity_type="calc.Adjustment").values("change_id").distinct().count() == 1
    )


def test_each_rendered_form_has_its_own_key_and_two_renderings_make_two_adjustments(client, cast):
    period_transition(actor=cast["users"]["hr"], period=cast["period"], to_status=PeriodStatus.REVIEW)
    login(client, cast, "hr")
    keys = []
    for _ in range(2):
        page = client.get(reverse("period", args=[cast["company"].pk, cast["period"].pk])).content.decode()
        form = page[page.index(url(cast, "adjustment_add")) :]
        keys.append(re.search(rf'name="{FIELD_NAME}" value="([^"]+)"', form).group(1))
    assert keys[0] != keys[1]
    for key in keys:
        client.post(url(cast, "adjustment_add"), {**ADJUSTMENT, FIELD_NAME: key})
    assert Adjustment.objects.count() == 2


def test_a_post_without_a_key_still_works_every_time(client, cast):
    period_transition(actor=cast["users"]["hr"], period=cast["period"], to_status=PeriodStatus.REVIEW)
    login(client, cast, "hr")
    for _ in range(2):
        assert client.post(url(cast, "adjustment_add"), ADJUSTMENT).status_code == 302
    assert Adjustment.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_the_header_key_works_for_api_and_htmx_calls(client, cast):
    period_transition(actor=cast["users"]["hr"], period=cast["period"], to_status=PeriodStatus.REVIEW)
    login(client, cast, "hr")
    for _ in range(2):
        client.post(url(cast, "adjustment_add"), ADJUSTMENT, headers={"Idempotency-Key": "api-key-000001"})
    assert Adjustment.objects.count() == 1


def test_a_double_submitted_fact_save_writes_once(client, cast):
    period = cast["period"]
    period_transition(actor=cast["users"]["hr"], period=period, to_status=PeriodStatus.REVIEW)
    period_transition(actor=cast["users"]["hr"], period=period, to_status=PeriodStatus.FACT_COLLECTION)
    anna = cast["people"]["anna"]
    cell = f"c:{cast['indicator'].pk}:employee:{anna.pk}"
    login(client, cast, "boss")
    grid = reverse("facts", args=[cast["company"].pk, period.pk])
    changes = AuditEvent.objects.filter(entity_type="periods.IndicatorValue").values("change_id").distinct()
    before = changes.count()
    first = client.post(grid, {cell: "125", FIELD_NAME: "grid-key-0001"})
    second = client.post(grid, {cell: "125", FIELD_NAME: "grid-key-0001"})
    assert first.status_code == second.status_code == 302 and second["Location"] == first["Location"]
    assert IndicatorValue.objects.get(period=period, employee=anna).value == Decimal(125)
    assert changes.count() == before + 1
    assert second[REPLAY_HEADER] == "true"


def test_a_repeated_period_transition_is_done_once(client, cast):
    period = cast["period"]
    login(client, cast, "hr")
    data = {"to": PeriodStatus.REVIEW, FIELD_NAME: "move-key-0001"}
    before = AuditEvent.objects.filter(entity_type="periods.Period", field="status").count()
    first = client.post(url(cast, "period_move"), data)
    second = client.post(url(cast, "period_move"), data)
    period.refresh_from_db()
    assert period.status == PeriodStatus.REVIEW
    assert AuditEvent.objects.filter(entity_type="periods.Period", field="status").count() == before + 1
    assert (first.status_code, first["Location"]) == (second.status_code, second["Location"])
    # The replay carries no message of a refused second move: the second one never ran.
    page = client.get(second["Location"]).content.decode()
    assert page.count('class="error"') == 0


def test_a_double_clicked_run_signature_signs_once(client, cast):
    login(client, cast, "boss")
    data = {"kind": "manager", FIELD_NAME: "sign-key-0001"}
    responses = [client.post(url(cast, "period_sign"), data) for _ in range(2)]
    assert RunSignature.objects.filter(signer=cast["users"]["boss"]).count() == 1
    assert responses[1][REPLAY_HEADER] == "true"
    assert responses[0]["Location"] == responses[1]["Location"]


def test_the_same_key_with_other_fields_is_refused_and_changes_nothing(client, cast):
    period_transition(actor=cast["users"]["hr"], period=cast["period"], to_status=PeriodStatus.REVIEW)
    login(client, cast, "hr")
    client.post(url(cast, "adjustment_add"), {**ADJUSTMENT, FIELD_NAME: "reused-key-01"})
    other = {**ADJUSTMENT, "amount": "5000", FIELD_NAME: "reused-key-01"}
    response = client.post(url(cast, "adjustment_add"), other)
    assert response.status_code == 422
    assert list(Adjustment.objects.values_list("amount", flat=True)) == [Decimal("-1000.50")]


def test_keys_belong_to_one_user_and_one_path(client, cast):
    period_transition(actor=cast["users"]["hr"], period=cast["period"], to_status=PeriodStatus.REVIEW)
    data = {**ADJUSTMENT, FIELD_NAME: "shared-key-01"}
    login(client, cast, "hr")
    client.post(url(cast, "adjustment_add"), data)
    login(client, cast, "fin")
    client.post(url(cast, "adjustment_add"), data)  # another user: a request of its own
    assert Adjustment.objects.count() == 2
    login(client, cast, "hr")
    response = client.post(
        url(cast, "period_move"), {"to": PeriodStatus.FACT_COLLECTION, FIELD_NAME: "shared-key-01"}
    )
    assert REPLAY_HEADER not in response  # another path: not a repeat
    cast["period"].refresh_from_db()
    assert cast["period"].status == PeriodStatus.FACT_COLLECTION


def test_a_malformed_key_is_refused_before_anything_is_done(client, cast):
    period_transition(actor=cast["users"]["hr"], period=cast["period"], to_status=PeriodStatus.REVIEW)
    login(client, cast, "hr")
    response = client.post(url(cast, "adjustment_add"), {**ADJUSTMENT, FIELD_NAME: "bad key <>"})
    assert response.status_code == 400
    assert not Adjustment.objects.exists()


def test_a_duplicate_arriving_while_the_first_runs_gets_409_and_does_nothing(client, cast, settings):
    """The first request still holds the key (pending): the repeat waits, then is refused."""
    settings.MOTIVA_IDEMPOTENCY_WAIT_SECONDS = 0
    period_transition(actor=cast["users"]["hr"], period=cast["period"], to_status=PeriodStatus.REVIEW)
    login(client, cast, "hr")
    path = url(cast, "adjustment_add")
    data = {**ADJUSTMENT, FIELD_NAME: "pending-key-1"}
    from motiva.web.idempotency import fingerprint

    request = client.post(path, data).wsgi_request  # computes the fingerprint the same way
    Adjustment.objects.all().delete()
    IdempotencyKey.objects.all().delete()
    IdempotencyKey.objects.create(
        user=cast["users"]["hr"], path=path, key="pending-key-1", fingerprint=fingerprint(request)
    )
    response = client.post(path, data)
    assert response.status_code == 409
    assert not Adjustment.objects.exists()


def test_a_failed_request_gives_its_key_back(client, cast, monkeypatch):
    period_transition(actor=cast["users"]["hr"], period=cast["period"], to_status=PeriodStatus.REVIEW)
    login(client, cast, "hr")
    client.raise_request_exception = False
    from motiva.web import periods as views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "AdjustmentForm", broken)
    data = {**ADJUSTMENT, FIELD_NAME: "retry-key-001"}
    assert client.post(url(cast, "adjustment_add"), data).status_code == 500
    assert not IdempotencyKey.objects.exists()
    monkeypatch.undo()
    assert client.post(url(cast, "adjustment_add"), data).status_code == 302
    assert Adjustment.objects.count() == 1


def test_keys_expire_after_a_day_and_are_cleaned_up(client, cast):
    period_transition(actor=cast["users"]["hr"], period=cast["period"], to_status=PeriodStatus.REVIEW)
    login(client, cast, "hr")
    data = {**ADJUSTMENT, FIELD_NAME: "old-key-00001"}
    client.post(url(cast, "adjustment_add"), data)
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    client.post(url(cast, "adjustment_add"), data)  # expired: a new request
    assert Adjustment.objects.count() == 2
    assert IdempotencyKey.objects.get().state == IdempotencyState.DONE
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    call_command("idempotency_cleanup", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not IdempotencyKey.objects.exists()


def test_every_form_that_posts_carries_a_key(client, cast):
    login(client, cast, "hr")
    page = client.get(reverse("period", args=[cast["company"].pk, cast["period"].pk])).content.decode()
    forms = re.findall(r'<form method="post".*?</form>', page, flags=re.S)
    assert forms and all(f'name="{FIELD_NAME}"' in form for form in forms)
