"""`Idempotency-Key` on the API's writes for callers with a Bearer key (whom the site's middleware cannot
see: it runs before DRF authenticates them) and with the session (motiva.api.idempotency)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from motiva.api.tokens import token_issue
from motiva.core.models import AuditEvent
from motiva.idempotency.models import IdempotencyKey
from motiva.org.models import Absence
from motiva.periods.models import IndicatorValue
from tests.otp_support import with_second_factor

pytestmark = pytest.mark.django_db

KEY = "retry-key-0001"


def bearer(cast, name):
    _token, secret = token_issue(actor=with_second_factor(cast["users"][name]), name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def post(client, url, body, key=KEY):
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def values_url(cast):
    return f"/api/v1/periods/{cast['period'].pk}/values/"


def row(person, value):
    return {"indicator": "SALES", "kind": "fact", "scope": "employee", "employee": person, "value": value}


def facts(cast, person):
    return IndicatorValue.objects.filter(period=cast["period"], employee=cast["people"][person], kind="fact")


def test_a_bearer_retry_replays_the_first_answer_and_writes_nothing(cast):
    facts(cast, "carl").delete()
    hr = bearer(cast, "hr")
    body = {"values": [row("9", "125")]}
    first = post(hr, values_url(cast), body)
    assert first.status_code == 200, first.content
    assert first.json() == {"created": 1, "changed": 0, "same": 0}
    assert "Idempotent-Replay" not in first
    events = AuditEvent.objects.count()
    again = post(hr, values_url(cast), body)
    assert again.status_code == 200
    assert again.json() == first.json()  # the first answer ("created"), not a new "same"
    assert again["Idempotent-Replay"] == "true"
    assert facts(cast, "carl").count() == 1
    assert AuditEvent.objects.count() == events
    assert IdempotencyKey.objects.filter(user=cast["users"]["hr"], key=KEY).count() == 1


def test_a_bearer_key_reused_with_another_body_is_refused_with_a_structured_422(cast):
    hr = bearer(cast, "hr")
    assert post(hr, values_url(cast), {"values": [row("9", "125")]}).status_code == 200
    other = post(hr, values_url(cast), {"values": [row("9", "126")]})
    assert other.status_code == 422
    assert other["Content-Type"].startswith("application/json")
    [error] = other.json()["errors"]
    assert error["code"] == "idempotency_key_reused"
    assert error["field"] == "Idempotency-Key"
    assert "ключ" in error["ru"].lower() and "key" in error["en"]
    assert facts(cast, "carl").get().value == Decimal(125)


def test_a_malformed_key_is_refused_and_nothing_is_written(cast):
    facts(cast, "carl").delete()
    answer = post(bearer(cast, "hr"), values_url(cast), {"values": [row("9", "125")]}, key="short")
    assert answer.status_code == 400
    assert [e["code"] for e in answer.json()["errors"]] == ["idempotency_key_malformed"]
    assert not facts(cast, "carl").exists()


def test_the_same_key_of_two_users_does_not_collide(cast):
    hr, boss = bearer(cast, "hr"), bearer(cast, "boss")
    first = post(hr, values_url(cast), {"values": [row("9", "125")]})
    second = post(boss, values_url(cast), {"values": [row("7", "111")]})
    assert first.status_code == 200, first.content
    assert second.status_code == 200, second.content
    assert "Idempotent-Replay" not in second
    assert facts(cast, "anna").get().value == Decimal(111)
    assert facts(cast, "carl").get().value == Decimal(125)
    assert IdempotencyKey.objects.filter(key=KEY).count() == 2


def test_a_refusal_is_kept_too_and_a_fixed_request_needs_a_new_key(cast):
    hr = bearer(cast, "hr")
    bad = post(hr, values_url(cast), {"values": [row("9", "много")]})
    assert bad.status_code == 400
    again = post(hr, values_url(cast), {"values": [row("9", "много")]})
    assert again.status_code == 400 and again["Idempotent-Replay"] == "true"
    assert again.json() == bad.json()
    assert post(hr, values_url(cast), {"values": [row("9", "1")]}, key="retry-key-0002").status_code == 200


def test_absences_and_timesheets_posted_twice_with_a_bearer_key_are_written_once(cast):
    hr = bearer(cast, "hr")
    anna = cast["people"]["anna"]
    before = Absence.objects.filter(employee=anna).count()
    url = f"/api/v1/people/{anna.pk}/absences/"
    body = {"kind": "vacation", "start_date": "2026-03-10", "end_date": "2026-03-12"}
    first = post(hr, url, body, key="absence-key-01")
    assert first.status_code == 201, first.content
    again = post(hr, url, body, key="absence-key-01")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replay"] == "true"
    assert Absence.objects.filter(employee=anna).count() == before + 1
    url = f"/api/v1/periods/{cast['period'].pk}/timesheets/"
    events = None
    for attempt in range(2):
        answer = post(hr, url, {"employee": "8", "hours": "150"}, key="sheet-key-0001")
        assert answer.status_code == 200, answer.content
        if attempt == 0:
            events = AuditEvent.objects.count()
        else:
            assert answer["Idempotent-Replay"] == "true"
    assert AuditEvent.objects.count() == events


def test_a_session_caller_is_guarded_once_and_refused_in_the_apis_shape(cast):
    client = APIClient()
    client.force_login(cast["users"]["hr"])
    body = {"values": [row("9", "125")]}
    first = post(client, values_url(cast), body)
    assert first.status_code == 200, first.content  # not a 409 from being claimed twice
    again = post(client, values_url(cast), body)
    assert again.status_code == 200 and again["Idempotent-Replay"] == "true"
    other = post(client, values_url(cast), {"values": [row("9", "126")]})
    assert other.status_code == 422
    assert other.json()["errors"][0]["code"] == "idempotency_key_reused"


def test_without_a_key_every_request_is_processed(cast):
    hr = bearer(cast, "hr")
    body = {"values": [row("9", "125")]}
    url = values_url(cast)
    first = hr.post(url, json.dumps(body), content_type="application/json")
    second = hr.post(url, json.dumps(body), content_type="application/json")
    assert first.status_code == second.status_code == 200
    assert second.json()["same"] == 1 and "Idempotent-Replay" not in second
