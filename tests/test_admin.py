import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from motiva.core.models import AuditEvent
from motiva.kpi import services as kpi
from motiva.periods import services as periods
from motiva.periods.models import LIFECYCLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(username="root", password="x-Secret-123")
    client.force_login(user)
    return client


def test_every_admin_list_opens_with_russian_labels(admin_client, structure):
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        # pay (runs, results, adjustments) is closed to a superuser without a pay role
        expected = 403 if getattr(model_admin, "pay_model", False) else 200
        assert admin_client.get(url).status_code == expected, url
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Сотрудники" in page and "Карты KPI" in page


@pytest.fixture
def fact(actor, organization):
    event = kpi.indicator_create(
        actor=actor, organization=organization, code="LOSS", name="Убыток", kind="binary"
    )
    period = periods.period_create(
        actor=actor, organization=organization, kind="month", start=dt.date(2026, 1, 1)
    )
    return periods.value_set(actor=actor, indicator=event, period=period, kind="fact", value=Decimal(0))


def change_url(value):
    return reverse("admin:periods_indicatorvalue_change", args=[value.pk])


def test_an_admin_edit_is_validated_and_audited(admin_client, fact):
    response = admin_client.post(change_url(fact), {"value": "2", "level_code": "", "comment": ""})
    assert response.status_code == 200 and "1 (произошло)" in response.content.decode()
    fact.refresh_from_db()
    assert fact.value == 0
    admin_client.post(change_url(fact), {"value": "1", "level_code": "", "comment": "Акт проверки"})
    fact.refresh_from_db()
    assert fact.value == 1
    assert AuditEvent.objects.filter(
        entity_id=str(fact.pk), field="value", action="update", new_value="1"
    ).exists()


def test_a_closed_period_is_read_only_in_the_admin(admin_client, actor, fact):
    for status in LIFECYCLE[1:]:
        periods.period_transition(actor=actor, period=fact.period, to_status=status)
    admin_client.post(change_url(fact), {"value": "1", "level_code": "", "comment": ""})
    fact.refresh_from_db()
    assert fact.value == 0
    page = admin_client.get(change_url(fact)).content.decode()
    assert 'name="value"' not in page


def test_the_audit_log_cannot_be_edited(admin_client, fact):
    event = AuditEvent.objects.first()
    assert (
        admin_client.post(
            reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
