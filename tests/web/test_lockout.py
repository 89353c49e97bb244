"""Lockout: one user name tried from many addresses waits a growing delay (motiva.core.throttle); many
users behind one office address are not locked out by each other's failures."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.urls import reverse

from motiva.core import throttle

pytestmark = pytest.mark.django_db
RIGHT = "right-Password-1"


def attempt(client, username, password, ip):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def age_failures(seconds: int) -> None:
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(seconds=seconds))


def test_one_name_from_ten_addresses_is_delayed_from_any_address(client, django_user_model, settings):
    settings.MOTIVA_LOGIN_DELAY_AFTER = 5
    settings.MOTIVA_LOGIN_DELAY_SECONDS = 2
    django_user_model.objects.create_user(username="victim", password=RIGHT)
    for i in range(10):
        age_failures(throttle.username_delay("victim").seconds)  # the attacker waits out each delay
        assert attempt(client, "victim", "wrong", f"10.0.1.{i + 1}").status_code == 200
    # no (name, address) pair reached the axes limit
    assert AccessAttempt.objects.filter(username="victim").count() == 10
    assert max(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 1
    # the right password from an eleventh address must wait: 10 failures, 5 over the threshold → 2 × 2⁵ s
    response = attempt(client, "victim", RIGHT, "10.0.2.1")
    assert response.status_code == 429
    assert 60 < int(response["Retry-After"]) <= 64
    page = response.content.decode()
    assert "Too many failed sign-ins for this user name. Try again in" in page
    assert "_auth_user_id" not in client.session
    # attempts while waiting are refused without being counted (the password is not even checked)
    attempt(client, "victim", "wrong", "10.0.2.2")
    assert throttle.username_delay("victim").failures == 10
    # other names are not affected
    django_user_model.objects.create_user(username="colleague", password=RIGHT)
    assert attempt(client, "colleague", RIGHT, "10.0.1.1").status_code == 302
    client.post(reverse("logout"))
    # once the delay has passed, the right password gets in from any address
    age_failures(65)
    assert attempt(client, "victim", RIGHT, "10.0.2.3").status_code == 302


def test_the_delay_grows_with_each_failure(client, django_user_model, settings):
    settings.MOTIVA_LOGIN_DELAY_AFTER = 3
    settings.MOTIVA_LOGIN_DELAY_SECONDS = 2
    settings.MOTIVA_LOGIN_DELAY_MAX = 60
    assert [throttle.required_wait(n) for n in range(9)] == [0, 0, 0, 2, 4, 8, 16, 32, 60]
    django_user_model.objects.create_user(username="victim", password=RIGHT)
    waits = []
    for i in range(6):
        age_failures(120)  # let every earlier delay pass, so each try is a real failure
        attempt(client, "victim", "wrong", f"10.0.3.{i + 1}")
        waits.append(throttle.username_delay("victim").seconds)
    assert waits[:2] == [0, 0]
    assert waits[2] in (1, 2) and waits[3] in (3, 4) and waits[4] in (7, 8) and waits[5] in (15, 16)
    # the form names the wait in minutes when it is long
    settings.MOTIVA_LOGIN_DELAY_MAX = 900
    settings.MOTIVA_LOGIN_DELAY_SECONDS = 300
    response = attempt(client, "victim", RIGHT, "10.0.3.9")
    assert response.status_code == 429
    assert "Try again in 15 min." in response.content.decode()


def test_failures_outside_the_cooloff_window_are_forgotten(client, django_user_model, settings):
    settings.MOTIVA_LOGIN_DELAY_AFTER = 2
    django_user_model.objects.create_user(username="victim", password=RIGHT)
    for i in range(4):
        attempt(client, "victim", "wrong", f"10.0.4.{i + 1}")
    assert throttle.username_delay("victim").waiting
    age_failures(int(settings.AXES_COOLOFF_TIME * 3600) + 1)
    assert throttle.username_delay("victim") == throttle.Delay(0, 0)


def test_one_office_address_with_ten_users_and_two_failures_each_locks_nobody(client, django_user_model):
    office = "192.0.2.10"
    names = [f"user{i}" for i in range(10)]
    for name in names:
        django_user_model.objects.create_user(username=name, password=RIGHT)
        for _ in range(2):
            assert attempt(client, name, "wrong", office).status_code == 200
    assert (
        sum(AccessAttempt.objects.filter(ip_address=office).values_list("failures_since_start", flat=True))
        == 20
    )
    for name in names:
        response = attempt(client, name, RIGHT, office)
        assert response.status_code == 302, name
        client.post(reverse("logout"))


def test_the_axes_pair_lock_still_holds(client, django_user_model, settings):
    settings.MOTIVA_LOGIN_DELAY_AFTER = 100  # only the (name, address) lock is under test here
    django_user_model.objects.create_user(username="victim", password=RIGHT)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "victim", "wrong", "10.0.5.1")
    assert attempt(client, "victim", RIGHT, "10.0.5.1").status_code == 429
    assert attempt(client, "victim", RIGHT, "10.0.5.2").status_code == 302


def test_the_admin_login_is_no_way_around_the_delay(client, django_user_model, settings):
    settings.MOTIVA_LOGIN_DELAY_AFTER = 2
    django_user_model.objects.create_user(username="staffer", password=RIGHT, is_staff=True)
    for i in range(2):
        age_failures(throttle.username_delay("staffer").seconds)
        attempt(client, "staffer", "wrong", f"10.0.6.{i + 1}")
    response = client.post(
        "/admin/login/",
        {"username": "staffer", "password": RIGHT},
        REMOTE_ADDR="10.0.6.9",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "_auth_user_id" not in client.session
    assert "Too many failed sign-ins for this user name" in response.content.decode()
    age_failures(60)
    response = client.post(
        "/admin/login/", {"username": "staffer", "password": RIGHT}, REMOTE_ADDR="10.0.6.9"
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_the_same_name_in_full_width_letters_waits_with_it(client, django_user_model, settings):
    """Django's user name field reads "ｖｉｃｔｉｍ" as "victim" (NFKC): the delay must too."""
    settings.MOTIVA_LOGIN_DELAY_AFTER = 5
    settings.MOTIVA_LOGIN_DELAY_SECONDS = 2
    django_user_model.objects.create_user(username="victim", password=RIGHT)
    for i in range(6):
        age_failures(throttle.username_delay("victim").seconds)
        attempt(client, "victim", "wrong", f"10.0.3.{i + 1}")
    assert attempt(client, "victim", RIGHT, "10.0.4.1").status_code == 429
    assert attempt(client, "\uff56\uff49\uff43\uff54\uff49\uff4d", RIGHT, "10.0.4.2").status_code == 429
