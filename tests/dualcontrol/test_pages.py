"""The approvals page and the staff page's forms under dual control."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from motiva.core.models import Role, RoleAssignment
from motiva.dualcontrol import services as dc
from motiva.dualcontrol.models import ChangeRequest
from motiva.org.models import Assignment

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def page(client, cast):
    return reverse("change_requests", args=[cast["company"].pk])


def test_the_list_is_empty_then_shows_the_request_to_those_who_decide(client, cast):
    client.force_login(cast["users"]["hr"])
    response = client.get(page(client, cast))
    assert response.status_code == 200 and 'data-testid="no-requests"' in response.content.decode()
    asked = dc.role_grant_request(
        actor=cast["users"]["hr"], organization=cast["company"], user=cast["users"]["anna"], role=Role.AUDITOR
    )
    text = client.get(page(client, cast)).content.decode()
    assert f'data-testid="request-{asked.pk}"' in text
    assert f'data-testid="approve-{asked.pk}"' not in text  # the requester does not decide
    client.force_login(cast["users"]["admin"])
    text = client.get(page(client, cast)).content.decode()
    assert f'data-testid="approve-{asked.pk}"' in text
    for user in ("auditor", "fin", "gd", "anna", "outsider"):
        client.force_login(cast["users"][user])
        assert client.get(page(client, cast)).status_code == 404, user


def test_approve_and_reject_by_post(client, cast):
    hr, anna = cast["users"]["hr"], cast["users"]["anna"]
    asked = dc.role_grant_request(actor=hr, organization=cast["company"], user=anna, role=Role.AUDITOR)
    approve = reverse("change_request_approve", args=[cast["company"].pk, asked.pk])
    reject = reverse("change_request_reject", args=[cast["company"].pk, asked.pk])
    client.force_login(hr)
    assert client.post(approve).status_code == 400  # the requester: refused, said on the page
    assert ChangeRequest.objects.get(pk=asked.pk).status == "pending"
    client.force_login(cast["users"]["admin"])
    assert client.get(approve).status_code == 405
    assert client.post(reject, {"reason": ""}).status_code == 400
    assert (
        client.post(reverse("change_request_approve", args=[cast["company"].pk, 999999])).status_code == 404
    )
    assert (
        client.post(reverse("change_request_approve", args=[cast["other"].pk, asked.pk])).status_code == 404
    )
    response = client.post(approve, follow=True, **EN)
    assert response.status_code == 200 and "approved" in response.content.decode()
    assert RoleAssignment.objects.filter(user=anna, role=Role.AUDITOR).exists()
    client.force_login(cast["users"]["auditor"])
    assert client.post(approve).status_code == 404


def test_the_staff_page_sends_roles_and_a_role_holders_salary_for_approval(client, cast):
    client.force_login(cast["users"]["hr"])
    company = cast["company"].pk
    anna = cast["people"]["anna"]
    url = reverse("staff_person", args=[company, anna.pk])
    response = client.post(url, {"action": "role_grant", "role": "finance"}, follow=True, **EN)
    assert "sent for approval" in response.content.decode()
    assert 'data-testid="pending-requests"' in response.content.decode()
    assert not RoleAssignment.objects.filter(user=anna.user, role=Role.FINANCE).exists()
    fin = cast["people"]["fin"]
    url = reverse("staff_person", args=[company, fin.pk])
    form = {"action": "change", "start_date": "2026-05-01", "salary": "88 000"}
    response = client.post(url, form, follow=True, **EN)
    assert response.status_code == 200 and "sent for approval" in response.content.decode()
    assert not Assignment.objects.filter(employee=fin, start_date=dt.date(2026, 5, 1)).exists()
    asked = ChangeRequest.objects.get(employee=fin, kind="salary_change")
    assert Decimal(asked.payload["salary"]) == Decimal("88000")
    # the administrator decides roles, not salaries, and does not see the salary request at all
    client.force_login(cast["users"]["admin"])
    text = client.get(page(client, cast)).content.decode()
    assert f'data-testid="request-{asked.pk}"' not in text
    assert not any(v in text for v in ("88 000", "88\u00a0000", "88,000", "88000"))
    # a second HR approves on the page; the new assignment is made
    RoleAssignment.objects.create(user=cast["users"]["boss"], organization=cast["company"], role=Role.HR)
    client.force_login(cast["users"]["boss"])
    text = client.get(page(client, cast)).content.decode()
    assert f'data-testid="approve-{asked.pk}"' in text
    assert client.post(reverse("change_request_approve", args=[company, asked.pk])).status_code == 302
    assert Assignment.objects.get(employee=fin, start_date=dt.date(2026, 5, 1)).salary == Decimal("88000")


def test_the_change_form_says_when_a_salary_goes_for_approval(client, cast):
    client.force_login(cast["users"]["hr"])
    company = cast["company"].pk
    fin = client.get(reverse("staff_person", args=[company, cast["people"]["fin"].pk])).content.decode()
    anna = client.get(reverse("staff_person", args=[company, cast["people"]["anna"].pk])).content.decode()
    assert 'data-testid="salary-approval"' in fin and 'data-testid="salary-approval"' not in anna
