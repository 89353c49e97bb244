"""A user account for a person: HR invites with a one-time link (Django's token machinery), the link
sets the password once and expires; HR disables accounts and grants roles, all in the audit log."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse

from motiva.core.models import AuditEvent, Role, RoleAssignment
from motiva.dualcontrol import services as dualcontrol
from motiva.dualcontrol.models import ChangeRequest
from motiva.org import services as org

pytestmark = pytest.mark.django_db


def new_person(cast, number="55"):
    seller = cast["people"]["anna"].assignments.get().position
    return org.employee_hire(
        actor=cast["users"]["hr"],
        organization=cast["company"],
        personnel_number=number,
        last_name="Приглашённая",
        first_name="Ирина",
        hire_date=dt.date(2026, 1, 1),
        position=seller,
        salary=50000,
    )


def invite(client, cast, person) -> str:
    client.force_login(cast["users"]["hr"])
    url = reverse("staff_person", args=[cast["company"].pk, person.pk])
    response = client.post(url, {"action": "invite", "username": "irina", "email": ""}, follow=True)
    assert response.status_code == 200
    link = re.search(r"https?://[^\s<\"]+/invite/[^\s<\"]+/", response.content.decode())
    assert link, "the one-time link is shown to HR"
    return link.group(0).split("testserver", 1)[1]


def test_the_invitation_link_sets_the_password_once(client, cast):
    person = new_person(cast)
    path = invite(client, cast, person)
    client.logout()
    page = client.get(path)
    assert page.status_code == 200 and "irina" in page.content.decode()
    weak = client.post(path, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 400
    response = client.post(path, {"new_password1": "Vesna-2026-kpi", "new_password2": "Vesna-2026-kpi"})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    person.refresh_from_db()
    assert person.user.check_password("Vesna-2026-kpi")
    assert client.get(path).status_code == 404  # used: it no longer works
    again = client.post(path, {"new_password1": "Other-2026-kpi", "new_password2": "Other-2026-kpi"})
    assert again.status_code == 404
    person.user.refresh_from_db()
    assert person.user.check_password("Vesna-2026-kpi")
    assert AuditEvent.objects.filter(entity_type="auth.User", field="password", new_value="•••").exists()
    assert "Vesna" not in "".join(AuditEvent.objects.values_list("new_value", flat=True))


def test_the_invitation_link_expires(client, cast, settings):
    person = new_person(cast)
    path = invite(client, cast, person)
    client.logout()
    later = dt.datetime.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    with mock.patch.object(default_token_generator, "_now", return_value=later):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/invite/xx/yy/", "/invite/MQ/bad-token/", "/invite/%C3%BF/1-2/"])
def test_a_mistyped_link_is_a_page_not_an_error(client, path):
    response = client.get(path)
    assert response.status_code == 404 and "Ссылка не действует" in response.content.decode()


def test_hr_disables_an_account_and_grants_and_revokes_roles(client, cast):
    person = new_person(cast)
    invite(client, cast, person)
    person.refresh_from_db()
    url = reverse("staff_person", args=[cast["company"].pk, person.pk])
    response = client.post(url, {"action": "role_grant", "role": "auditor"})
    assert response.status_code == 302
    # dual control: the grant waits for a second person (the administrator approves it)
    assert not RoleAssignment.objects.filter(user=person.user, role=Role.AUDITOR).exists()
    dualcontrol.change_request_approve(
        actor=cast["users"]["admin"], request=ChangeRequest.objects.get(user=person.user, status="pending")
    )
    grant = RoleAssignment.objects.get(user=person.user, role=Role.AUDITOR)
    assert client.post(url, {"action": "role_grant", "role": "emperor"}).status_code == 400
    assert client.post(url, {"action": "role_revoke", "grant": "x"}).status_code == 404
    other = RoleAssignment.objects.get(user=cast["users"]["fin"])
    assert (
        client.post(url, {"action": "role_revoke", "grant": other.pk}).status_code == 404
    )  # not this person's
    assert client.post(url, {"action": "role_revoke", "grant": grant.pk}).status_code == 302
    assert RoleAssignment.objects.filter(pk=grant.pk).exists()  # until a second person approves
    dualcontrol.change_request_approve(
        actor=cast["users"]["admin"], request=ChangeRequest.objects.get(user=person.user, status="pending")
    )
    assert not RoleAssignment.objects.filter(pk=grant.pk).exists()
    assert client.post(url, {"action": "disable"}).status_code == 302
    person.user.refresh_from_db()
    assert not person.user.is_active
    entities = set(AuditEvent.objects.values_list("entity_type", flat=True))
    assert {"core.RoleAssignment", "auth.User"} <= entities
    own = reverse("staff_person", args=[cast["company"].pk, cast["people"]["hr"].pk])
    response = client.post(own, {"action": "disable"})
    assert response.status_code == 400 and cast["users"]["hr"].is_active


def test_only_hr_invites(client, cast):
    person = new_person(cast)
    for user in ("fin", "auditor", "boss", "admin"):
        client.force_login(cast["users"][user])
        response = client.post(
            reverse("staff_person", args=[cast["company"].pk, person.pk]),
            {"action": "invite", "username": f"x{user}"},
        )
        assert response.status_code == 404, user
    person.refresh_from_db()
    assert person.user is None
