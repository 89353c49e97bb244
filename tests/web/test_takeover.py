"""Nobody takes over another person's account alone: the superuser cannot link an employee record to
his own account or set someone else's password in the admin, and no invitation link (which sets a
password) is issued for an account that is in use — opened by corporate sign-in, holding a role, a
superuser's. Each rule here was found open by trying it (issue 12)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from motiva.core.models import Role, RoleAssignment
from motiva.org.models import Employee

pytestmark = pytest.mark.django_db


def test_the_admin_cannot_link_an_employee_record_to_another_account(client, cast):
    admin, boss = cast["users"]["admin"], cast["people"]["boss"]
    client.force_login(admin)
    url = reverse("admin:org_employee_change", args=[boss.pk])
    page = client.get(url)
    if page.status_code == 200:
        assert 'name="user"' not in page.content.decode()  # shown, not editable
        form = {
            "user": admin.pk,
            "last_name": boss.last_name,
            "first_name": boss.first_name,
            "personnel_number": boss.personnel_number,
        }
        client.post(url, form)
    assert Employee.objects.get(pk=boss.pk).user_id == cast["users"]["boss"].pk
    anna_card = reverse("employee_card", args=[cast["company"].pk, cast["people"]["anna"].pk])
    page = client.get(anna_card).content.decode()
    assert "61111" not in page and "61\u00a0111" not in page  # her salary stays hers and her line's


def test_the_admin_sets_no_one_elses_password(client, cast):
    admin, gd = cast["users"]["admin"], cast["users"]["gd"]
    client.force_login(admin)
    url = reverse("admin:auth_user_password_change", args=[gd.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"password1": "Hijack-Pass-987", "password2": "Hijack-Pass-987"})
    assert response.status_code == 403
    gd.refresh_from_db()
    assert not gd.check_password("Hijack-Pass-987")
    own = reverse("admin:auth_user_password_change", args=[admin.pk])
    assert client.get(own).status_code == 200


def _invite(client, cast, person):
    url = reverse("staff_person", args=[cast["company"].pk, person.pk])
    return client.post(
        url, {"action": "invite", "username": "whatever", "email": ""}, follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )


@pytest.mark.parametrize("how", ["signed_in_by_directory", "holds_a_role"])
def test_hr_gets_no_password_link_for_an_account_in_use(client, cast, how):
    gd = cast["users"]["gd"]
    gd.set_unusable_password()  # corporate sign-in opens accounts without a password
    gd.last_login = timezone.now() if how == "signed_in_by_directory" else None
    gd.save()
    if how == "holds_a_role":
        assert RoleAssignment.objects.filter(user=gd, role=Role.EXECUTIVE).exists()
    client.force_login(cast["users"]["hr"])
    response = _invite(client, cast, cast["people"]["gd"])
    page = response.content.decode()
    assert "/invite/" not in page
    assert "no password link can be issued" in page
    gd.refresh_from_db()
    assert not gd.has_usable_password()


def test_an_old_link_stops_working_once_the_account_is_in_use(client, cast):
    from django.contrib.auth import get_user_model

    carl = cast["people"]["carl"]
    Employee.objects.filter(pk=carl.pk).update(user=None)  # a person without an account yet
    client.force_login(cast["users"]["hr"])
    response = _invite(client, cast, Employee.objects.get(pk=carl.pk))
    link = re.search(r"https?://[^\s<\"]+(/invite/[^\s<\"]+/)", response.content.decode()).group(1)
    assert client.get(link).status_code == 200  # a fresh account: the link works
    user = get_user_model().objects.get(username="whatever")
    RoleAssignment.objects.create(user=user, organization=cast["company"], role=Role.FINANCE)
    assert client.get(link).status_code == 404  # now in use: whoever holds the link may not set it
