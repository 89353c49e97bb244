"""The API's base: tokens (hashed, shown once, expiring, revocable only by their owner, last use), the 401
shapes, structured errors, unknown parameters, the rate limit, the schema and the docs page."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

from motiva.api import tokens
from motiva.api.models import ApiToken
from motiva.core.models import AuditEvent
from tests.otp_support import with_second_factor

pytestmark = pytest.mark.django_db


def bearer(secret):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_token_page_issues_a_key_shown_once_and_stores_only_its_hash(cast, client):
    client.force_login(cast["users"]["anna"])
    assert client.get("/account/api-keys/").status_code == 200
    answer = client.post("/account/api-keys/", {"name": "1C", "days": "30"}, follow=True)
    secret = re.search(r"<code>(mtv_[^<]+)</code>", answer.content.decode()).group(1)
    token = ApiToken.objects.get(user=cast["users"]["anna"])
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.objects.values_list()))
    assert secret[4:12] == token.prefix
    assert abs((token.expires_at - timezone.now()) - dt.timedelta(days=30)) < dt.timedelta(minutes=1)
    assert (
        AuditEvent.objects.filter(entity_type__icontains="apitoken").exists() or AuditEvent.objects.exists()
    )
    assert secret not in client.get("/account/api-keys/").content.decode()  # shown once


def test_token_days_over_a_year_are_refused(cast, client):
    client.force_login(cast["users"]["anna"])
    answer = client.post("/account/api-keys/", {"name": "x", "days": "400"})
    assert answer.status_code == 400
    assert not ApiToken.objects.exists()


def test_token_acts_as_its_user_and_records_last_use(cast):
    token, secret = tokens.token_issue(actor=cast["users"]["outsider"], name="t")
    answer = bearer(secret).get("/api/v1/organizations/")
    assert answer.status_code == 200
    names = [o["name"] for o in answer.json()["results"]]
    assert "ООО «Тест»" not in names
    token.refresh_from_db()
    assert token.last_used_at is not None
    own = bearer(secret).get(f"/api/v1/organizations/{cast['company'].pk}/")
    assert own.status_code == 404
    assert own.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize("state", ["unknown", "expired", "revoked", "none"])
def test_bad_tokens_answer_401_with_structured_errors(cast, state):
    token, secret = tokens.token_issue(actor=with_second_factor(cast["users"]["hr"]), name="t")
    if state == "unknown":
        secret += "x"
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    elif state == "revoked":
        tokens.token_revoke(actor=cast["users"]["hr"], token=token)
    client = APIClient() if state == "none" else bearer(secret)
    answer = client.get("/api/v1/organizations/")
    assert answer.status_code == 401
    error = answer.json()["errors"][0]
    assert error["ru"] and error["en"]
    if state != "none":
        assert error["code"] == f"token_{state}"


def test_another_users_token_cannot_be_revoked(cast, client):
    token, _secret = tokens.token_issue(actor=with_second_factor(cast["users"]["hr"]), name="t")
    client.force_login(cast["users"]["anna"])
    assert client.post(f"/account/api-keys/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    client.force_login(cast["users"]["hr"])
    assert client.get(f"/account/api-keys/{token.pk}/revoke/").status_code == 200
    assert client.post(f"/account/api-keys/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_unknown_query_parameter_is_refused_by_name(cast):
    _token, secret = tokens.token_issue(actor=with_second_factor(cast["users"]["hr"]), name="t")
    for query, field in [("bogus=1", "bogus"), ("ordering=secret", "ordering")]:
        answer = bearer(secret).get(f"/api/v1/organizations/?{query}")
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["field"] == field
    assert bearer(secret).get(f"/api/v1/organizations/{cast['company'].pk}/?x=1").status_code == 400


def test_wrong_method_and_media_type_are_structured(cast):
    _token, secret = tokens.token_issue(actor=with_second_factor(cast["users"]["hr"]), name="t")
    answer = bearer(secret).delete("/api/v1/organizations/")
    assert answer.status_code == 405
    assert answer.json()["errors"][0]["code"] == "method_not_allowed"


def test_rate_limit_answers_429_with_retry_after(cast, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/minute", "anon": "2/minute"})
    _token, secret = tokens.token_issue(actor=with_second_factor(cast["users"]["hr"]), name="t")
    client = bearer(secret)
    statuses = [client.get("/api/v1/organizations/").status_code for _ in range(3)]
    assert statuses[-1] == 429
    answer = client.get("/api/v1/organizations/")
    assert answer.json()["errors"][0]["code"] == "throttled"
    assert int(answer["Retry-After"]) >= 1


def test_schema_is_openapi_3_with_bearer(cast, client):
    client.force_login(cast["users"]["hr"])
    answer = client.get("/api/schema/?format=json")
    assert answer.status_code == 200
    schema = answer.json()
    assert schema["openapi"].startswith("3.")
    assert "bearer" in schema["components"]["securitySchemes"]
    assert "/api/v1/organizations/" in schema["paths"]


def test_docs_page_has_no_inline_script(cast, client):
    client.force_login(cast["users"]["anna"])
    answer = client.get("/api/docs/")
    assert answer.status_code == 200
    html = answer.content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag
    assert not re.search(r"<script(?![^>]*src=)[^>]*>\s*\S", html)
    assert " onclick=" not in html and " onload=" not in html


def test_a_user_who_needs_a_second_factor_issues_keys_only_from_a_verified_session(cast, client, monkeypatch):
    from motiva.web import otp

    client.force_login(cast["users"]["hr"])  # HR is in MOTIVA_OTP_ROLES
    monkeypatch.setattr(otp, "is_verified", lambda user: False)  # a session not verified by the second factor
    # the site sends an unverified session to the second factor first (the page checks it again itself)
    assert client.get("/account/api-keys/").status_code == 302
    assert client.post("/account/api-keys/", {"name": "x", "days": "30"}).status_code in (302, 403)
    assert not ApiToken.objects.exists()


def test_the_user_menu_links_to_the_api_keys_page(cast, client):
    from django.urls import reverse

    client.force_login(cast["users"]["anna"])
    page = client.get(reverse("my_card"), follow=True)
    assert page.status_code == 200
    assert f'href="{reverse("api_tokens")}"' in page.content.decode()
    client.logout()
    assert reverse("api_tokens") not in client.get(reverse("login")).content.decode()


def test_a_key_issued_before_its_user_needed_a_second_factor_stops_working(cast):
    """anna issues a key; HR is given to her later: the key would carry HR's rights without the second
    factor, so it is refused until she issues a new one after setting up her device."""
    from motiva.core.models import Role, RoleAssignment

    anna = cast["users"]["anna"]
    _token, secret = tokens.token_issue(actor=anna, name="before")
    assert bearer(secret).get("/api/v1/organizations/").status_code == 200
    RoleAssignment.objects.create(user=anna, organization=cast["company"], role=Role.HR)
    anna = type(anna).objects.get(pk=anna.pk)  # a fresh user: the second-factor answer is cached per object
    response = bearer(secret).get("/api/v1/organizations/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "token_second_factor"
    with_second_factor(anna)
    assert bearer(secret).get("/api/v1/organizations/").status_code == 401  # still older than the device
    _token, fresh = tokens.token_issue(actor=anna, name="after")
    assert bearer(fresh).get("/api/v1/organizations/").status_code == 200
