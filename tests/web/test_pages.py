import datetime as dt
from decimal import Decimal

import pytest
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
    org.employee_hire(actor=actor, organization=organization, personnel_number="7", last_name="Иванова", first_name="Анна",
                      hire_date=dt.date(2024, 1, 1), position=structure["specialist"], salary=Decimal(60000),
                      manager=structure["boss"], user=user)
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
    response = client.post(reverse("login"), {"username": "victim", "password": "right-Password-1"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # another address is not locked out: the lockout is keyed on user name and IP together
    response = client.post(reverse("login"), {"username": "victim", "password": "right-Password-1"}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 302


def test_healthz(client):
    assert client.get(reverse("healthz")).json() == {"status": "ok"}
