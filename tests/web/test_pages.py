import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse

from motiva.org import services as org

pytestmark = pytest.mark.django_db


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_login_page_is_russian_by_default(client):
    response = client.get(reverse("login"))
    assert "Вход" in response.content.decode()


def test_home_shows_my_position(client, actor, organization, structure, django_user_model):
    user = django_user_model.objects.create_user(username="anna", password="x-Secret-123")
    org.employee_hire(
        actor=actor,
        organization=organization,
        personnel_number="7",
        last_name="Иванова",
        first_name="Анна",
        hire_date=dt.date(2024, 1, 1),
        position=structure["specialist"],
        salary=Decimal(60000),
        manager=structure["boss"],
        user=user,
    )
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "Менеджер" in page and "Отдел продаж" in page and "Петров Пётр" in page
    assert "ООО «Тест»" in page


def test_a_user_sees_only_their_own_organization(client, organization, django_user_model, actor):
    other = org.organization_create(actor=actor, name="ООО «Чужая»")
    user = django_user_model.objects.create_user(username="lonely", password="x-Secret-123")
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert other.name not in page and organization.name not in page


def test_lockout_after_repeated_failures(client, django_user_model):
    django_user_model.objects.create_user(username="victim", password="right-Password-1")
    for _ in range(5):
        client.post(reverse("login"), {"username": "victim", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(
        reverse("login"), {"username": "victim", "password": "right-Password-1"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # another address is not locked out (the lock is keyed on user name and IP together); it only waits
    # out the name's progressive delay (motiva.core.throttle, tests/web/test_lockout.py)
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=1))
    response = client.post(
        reverse("login"), {"username": "victim", "password": "right-Password-1"}, REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 302


def test_healthz(client):
    # each component's state is in tests/deploy/test_outage_pages.py
    assert client.get(reverse("healthz")).json()["status"] == "ok"


def test_logout_ends_the_session_and_disabling_an_employee_ends_theirs(client, cast):
    anna = cast["people"]["anna"]
    client.force_login(cast["users"]["anna"])
    assert client.get(reverse("my_card"), follow=True).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302
    client.force_login(cast["users"]["anna"])
    org.employee_terminate(
        actor=cast["users"]["hr"], employee=anna, termination_date=dt.date(2026, 6, 30), reason="Увольнение"
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_sessions_expire(settings):
    from django.conf import settings as live

    assert 0 < live.SESSION_COOKIE_AGE <= 12 * 60 * 60 and live.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_nobody_confirms_their_own_fact(cast):
    from motiva.core.errors import InvalidInput
    from motiva.periods.models import IndicatorValue
    from motiva.periods.services import value_confirm

    value = IndicatorValue.objects.get(period=cast["period"], employee=cast["people"]["anna"])
    with pytest.raises(InvalidInput) as refusal:
        value_confirm(actor=cast["users"]["anna"], value=value)
    assert refusal.value.problems[0].code == "own_fact"
