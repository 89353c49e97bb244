"""The organization's pay rules: the Labour Code cap is switched off only with a reason in the audit
log, by the service and by the admin alike; a KTU range and step that cannot work are refused."""

from decimal import Decimal

import pytest
from django.urls import reverse

from motiva.core.errors import InvalidInput
from motiva.core.models import AuditEvent, Organization
from motiva.org import services as org

pytestmark = pytest.mark.django_db


def test_the_cap_is_switched_off_only_with_a_reason_kept_in_the_audit_log(actor, organization):
    with pytest.raises(InvalidInput) as refused:
        org.organization_pay_rules_set(actor=actor, organization=organization, disciplinary_cap_enabled=False)
    assert [p.field for p in refused.value.problems] == ["reason"]
    assert Organization.objects.get(pk=organization.pk).disciplinary_cap_enabled
    org.organization_pay_rules_set(
        actor=actor,
        organization=organization,
        disciplinary_cap_enabled=False,
        reason="Организация работает по законодательству Кыргызстана",
    )
    event = AuditEvent.objects.get(entity_type="core.Organization", field="disciplinary_cap_enabled")
    assert event.reason == "Организация работает по законодательству Кыргызстана"
    assert organization.pay_rules.disciplinary_cap is None


def test_a_ktu_range_and_step_are_checked(actor, organization):
    for changes in (
        {"ktu_min": Decimal("2"), "ktu_max": Decimal("1")},
        {"ktu_step": Decimal("0")},
        {"ktu_min": Decimal("0.5"), "ktu_max": Decimal("2.5"), "ktu_step": Decimal("0.3")},
    ):
        with pytest.raises(InvalidInput):
            org.organization_pay_rules_set(actor=actor, organization=organization, **changes)
    org.organization_pay_rules_set(
        actor=actor, organization=organization, ktu_min=Decimal("0.5"), ktu_max=Decimal("2.5")
    )
    rules = Organization.objects.get(pk=organization.pk).pay_rules
    assert (rules.ktu_min, rules.ktu_max, rules.ktu_step) == (Decimal("0.5"), Decimal("2.5"), Decimal("0.1"))


def test_the_admin_switches_the_cap_off_only_with_a_reason(client, django_user_model, organization):
    client.force_login(django_user_model.objects.create_superuser(username="root", password="x-Secret-123"))
    url = reverse("admin:core_organization_change", args=[organization.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.pop("disciplinary_cap_enabled", None)  # unticked
    response = client.post(url, data)
    assert response.status_code == 200 and "обоснован" in response.content.decode()
    assert Organization.objects.get(pk=organization.pk).disciplinary_cap_enabled
    response = client.post(url, {**data, "change_reason": "Решение собственника"})
    assert response.status_code == 302
    assert not Organization.objects.get(pk=organization.pk).disciplinary_cap_enabled
    assert (
        AuditEvent.objects.get(entity_type="core.Organization", field="disciplinary_cap_enabled").reason
        == "Решение собственника"
    )


def test_the_admin_refuses_a_misspelt_scheme_parameter(client, django_user_model, actor, organization):
    from motiva.kpi import services as kpi
    from motiva.kpi.models import PayScheme

    scheme = kpi.scheme_create(
        actor=actor,
        organization=organization,
        name="Цех",
        kind="target_bonus",
        params={"basis": "salary_percent", "percent": "20"},
    )
    from motiva.core.models import RoleAssignment

    root = django_user_model.objects.create_superuser(username="root", password="x-Secret-123")
    # scheme parameters are pay: the admin shows them to a superuser who also reads the pay (HR)
    RoleAssignment.objects.create(user=root, organization=organization, role="hr")
    client.force_login(root)
    url = reverse("admin:kpi_payscheme_change", args=[scheme.pk])
    response = client.post(
        url,
        {
            "organization": organization.pk,
            "name": "Цех",
            "kind": "target_bonus",
            "description": "",
            "params": '{"basis": "salary_percent", "percent": "20", "proraton": "none"}',
        },
    )
    assert response.status_code == 200 and "proration" in response.content.decode()
    assert PayScheme.objects.get(pk=scheme.pk).params == {"basis": "salary_percent", "percent": "20"}
