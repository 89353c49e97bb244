"""Where a change came from (motiva.core.request_context): the request id, the client address and the
user agent of a real request land in its audit events; refused accesses are logged with the user and
without the object's data."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse

from motiva.core.errors import InvalidInput, problem
from motiva.core.middleware import RequestContextMiddleware
from motiva.core.models import AuditAction, AuditEvent
from motiva.core.request_context import client_ip, request_id_from
from motiva.org.models import Employee

pytestmark = pytest.mark.django_db

UA = "Mozilla/5.0 (X11; Linux x86_64) MotivaTest/1.0 " + "x" * 400


def terminate_carl(client, cast, **headers):
    client.force_login(cast["users"]["hr"])
    carl = cast["people"]["carl"]
    url = reverse("staff_person", args=[cast["company"].pk, carl.pk])
    start = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    response = client.post(url, {"action": "terminate", "termination_date": "2026-05-31"}, **headers)
    assert Employee.objects.get(pk=carl.pk).termination_date is not None, response.content[:500]
    return response, AuditEvent.objects.filter(pk__gt=start, entity_type="org.Employee")


def test_a_changes_events_carry_the_request_id_address_and_user_agent(client, cast):
    response, events = terminate_carl(
        client, cast, HTTP_X_REQUEST_ID="req-12345.abc", HTTP_USER_AGENT=UA, REMOTE_ADDR="203.0.113.7"
    )
    assert events.exists()
    for event in events:
        assert (event.request_id, event.ip) == ("req-12345.abc", "203.0.113.7")
        assert event.user_agent == UA[:200]
    assert response["X-Request-ID"] == "req-12345.abc"


def test_an_insane_request_id_is_replaced_and_the_new_one_is_returned(client, cast):
    response, events = terminate_carl(client, cast, HTTP_X_REQUEST_ID="bad id\n<script>" + "x" * 80)
    generated = response["X-Request-ID"]
    assert len(generated) == 32 and generated.isalnum()
    assert set(events.values_list("request_id", flat=True)) == {generated}


@override_settings(MOTIVA_TRUSTED_PROXIES=["10.0.0.0/8"])
def test_x_forwarded_for_counts_only_behind_a_trusted_proxy(client, cast):
    _response, events = terminate_carl(
        client, cast, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.44, 10.9.9.9"
    )
    assert set(events.values_list("ip", flat=True)) == {"192.0.2.44"}


def test_x_forwarded_for_is_ignored_without_trusted_proxies():
    assert client_ip("203.0.113.7", "192.0.2.44", []) == "203.0.113.7"
    assert client_ip("203.0.113.7", "192.0.2.44", ["10.0.0.0/8"]) == "203.0.113.7"  # not from the proxy
    assert client_ip("10.0.0.1", "garbage", ["10.0.0.0/8"]) == "10.0.0.1"
    assert client_ip("10.0.0.1", "2001:db8::1", ["10.0.0.0/8"]) == "2001:db8::1"
    assert client_ip("not an address", None, []) is None
    assert request_id_from("a" * 64) == "a" * 64 and request_id_from("a" * 65) != "a" * 65


def test_outside_a_request_events_carry_no_request(cast):
    event = AuditEvent.objects.order_by("-pk").first()
    assert (event.request_id, event.ip, event.user_agent) == ("", None, "")


def test_a_404_from_the_policy_is_logged_with_the_user_and_no_data(client, cast):
    """The manager asks for a card outside his subtree: 404, and a denied event naming him and the
    address, in his organization; nothing of the person asked for (name, salary)."""
    boss = cast["users"]["boss"]
    client.force_login(boss)
    carl = cast["people"]["carl"]
    url = reverse("staff_person", args=[cast["company"].pk, carl.pk])
    response = client.get(url + "?q=secret", HTTP_X_REQUEST_ID="denied-1", REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 404
    event = AuditEvent.objects.get(action=AuditAction.DENIED)
    assert event.actor_id == boss.pk and event.organization_id == cast["company"].pk
    assert event.entity_repr == f"GET {url}" and event.field == "not_found"
    assert (event.request_id, event.ip) == ("denied-1", "198.51.100.9")
    text = " ".join([event.entity_repr, event.entity_id, event.old_value, event.new_value, event.reason])
    assert carl.last_name not in text and "63333" not in text and "secret" not in text
    # an allowed page logs nothing
    assert (
        client.get(reverse("staff_person", args=[cast["company"].pk, cast["people"]["anna"].pk])).status_code
        == 200
    )
    assert AuditEvent.objects.filter(action=AuditAction.DENIED).count() == 1


def test_an_unknown_address_and_an_anonymous_visitor_are_not_logged(client, cast):
    client.force_login(cast["users"]["boss"])
    assert client.get("/no-such-page/").status_code == 404
    client.logout()
    client.get(reverse("staff_person", args=[cast["company"].pk, cast["people"]["carl"].pk]))
    assert not AuditEvent.objects.filter(action=AuditAction.DENIED).exists()


def test_a_refusal_by_the_policy_is_logged_although_the_view_answers_200(cast):
    """A service refuses one's own pay (InvalidInput with a policy code); the view shows the message
    with 200 and rolls back its work, the middleware still logs the refusal. A typo is not logged."""

    def view(request):
        for code in ("own_pay", "range"):
            try:
                raise InvalidInput([problem(code, "amount", "нельзя", "not allowed")])
            except InvalidInput:
                pass
        return HttpResponse("refused")

    request = RequestFactory().post("/x/", HTTP_USER_AGENT="UA-1")
    request.user = cast["users"]["hr"]
    response = RequestContextMiddleware(view)(request)
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.DENIED)
    assert (event.field, event.new_value, event.actor_id) == ("own_pay", "amount", cast["users"]["hr"].pk)
    assert event.user_agent == "UA-1" and event.request_id == response["X-Request-ID"]


def test_denied_events_are_in_the_chain(client, cast):
    from motiva.core.audit import verify

    client.force_login(cast["users"]["boss"])
    client.get(reverse("staff_person", args=[cast["company"].pk, cast["people"]["carl"].pk]))
    assert verify().broken is None
