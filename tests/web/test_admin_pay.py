"""The Django admin shows no salary or pay to a superuser who holds no role that reads pay, and no
list of the admin can be searched, filtered or sorted on money (no oracle). A superuser who is also HR
of one organization sees that organization's pay and still no other's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse

from motiva.calc.models import Adjustment
from motiva.core import audit
from motiva.core.models import Role, RoleAssignment
from motiva.org.models import Assignment
from tests.base import SALARIES
from tests.web.test_access import CARDED, PAY, admin_pages, money_of, variants

pytestmark = pytest.mark.django_db

ADJUSTMENT = Decimal("4321.09")  # a distinctive amount, written nowhere else
OUTSIDER_SALARY = Decimal("77777")


@pytest.fixture
def adjusted(cast):
    adjustment = Adjustment.objects.create(
        organization=cast["company"],
        period=cast["period"],
        employee=cast["people"]["anna"],
        amount=ADJUSTMENT,
        reason="Разовая премия",
        created_by=cast["users"]["hr"],
    )
    audit.record_create(actor=cast["users"]["hr"], obj=adjustment, fields=["employee", "amount", "reason"])
    return adjustment


def all_money() -> set[str]:
    found = set()
    for person in CARDED:
        found |= money_of(person)
    return found | variants(ADJUSTMENT) | variants(OUTSIDER_SALARY)


def test_a_superuser_without_pay_roles_sees_no_adjustment_in_the_admin(client, cast, adjusted):
    """The access walk's admin pages (tests/web/test_access.py) once more, with an adjustment and its
    audit events in the database."""
    client.force_login(cast["users"]["admin"])
    money = all_money()
    opened = 0
    for url in admin_pages():
        response = client.get(url)
        assert response.status_code in (200, 403), f"{url}: {response.status_code}"
        if response.status_code != 200:
            continue
        opened += 1
        page = response.content.decode()
        leaked = sorted(v for v in money if v in page)
        assert not leaked, f"the administrator sees {leaked} at {url}"
    assert opened > 30  # the walk did open the admin's pages
    # the pay models are not even listed
    index = client.get(reverse("admin:index")).content.decode()
    assert "calc/employeeresult" not in index and "calc/adjustment" not in index
    assert client.get(reverse("admin:calc_adjustment_change", args=[adjusted.pk])).status_code == 403


def test_hr_who_is_a_superuser_sees_the_pay_of_their_organization_only(client, cast, adjusted):
    root = cast["users"]["admin"]
    RoleAssignment.objects.create(user=root, organization=cast["company"], role=Role.HR)
    client.force_login(root)
    anna = Assignment.objects.get(employee=cast["people"]["anna"])
    page = client.get(reverse("admin:org_assignment_change", args=[anna.pk])).content.decode()
    assert any(v in page for v in variants(SALARIES["anna"]))
    lists = client.get(reverse("admin:org_assignment_changelist")).content.decode()
    assert any(v in lists for v in variants(SALARIES["anna"]))
    assert not any(v in lists for v in variants(OUTSIDER_SALARY))
    outsider = Assignment.objects.get(employee=cast["people"]["outsider"])
    page = client.get(reverse("admin:org_assignment_change", args=[outsider.pk])).content.decode()
    assert not any(v in page for v in variants(OUTSIDER_SALARY))
    assert client.get(reverse("admin:calc_adjustment_change", args=[adjusted.pk])).status_code == 200
    # the audit list: the company's amounts, not the other organization's
    events = reverse("admin:core_auditevent_changelist")
    nothing = result_count(client, events + "?q=zzzz-no-such-text")
    assert result_count(client, events + "?q=77777") == nothing
    assert result_count(client, events + "?q=61111") > nothing  # anna's salary, in the company's log


def result_count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["cl"].result_count


def test_no_admin_list_is_an_oracle_of_a_hidden_amount(client, cast, adjusted):
    client.force_login(cast["users"]["admin"])
    # a filter on a money field in the query string is refused (400), on every model that has one
    for model, _model_admin in admin.site._registry.items():
        meta = model._meta
        for field in meta.concrete_fields:
            if field.name in ("salary", "salary_min", "salary_max", "amount", "pay", "coefficient"):
                url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
                response = client.get(url, {f"{field.name}__gte": "1"})
                assert response.status_code in (400, 403), f"{url}?{field.name}__gte: {response.status_code}"
    # the audit list: searching an amount's digits finds what searching nonsense finds
    events = reverse("admin:core_auditevent_changelist")
    for lookup in ("old_value__startswith", "new_value__contains", "entity_repr__icontains", "new_value"):
        assert client.get(events, {lookup: "4"}).status_code == 400, lookup
    nothing = result_count(client, events + "?q=zzzz-no-such-text")
    for digits in ("4321.09", "4321", "432", "61111", "6111", "77777"):
        assert result_count(client, f"{events}?q={digits}") == nothing, digits
    # no column holds a value to sort by: sorting by every column keeps the pay rows where they were
    assert "shown_old" not in (admin.site._registry[type(adjusted)].list_display)


def test_salary_columns_are_not_sortable_for_anyone(client, cast):
    client.force_login(cast["users"]["admin"])
    url = reverse("admin:org_assignment_changelist")
    response = client.get(url)
    cl = response.context["cl"]
    shown = [getattr(c, "__name__", c) for c in cl.list_display]
    index = shown.index("masked_salary")
    assert (
        not cl.model_admin.get_sortable_by(response.wsgi_request)
        or index not in cl.get_ordering_field_columns()
    )
    salaries = dict(Assignment.objects.values_list("pk", "salary"))
    for o in (str(index), f"-{index}"):
        ordered = [salaries[a.pk] for a in client.get(url, {"o": o}).context["cl"].result_list]
        assert ordered != sorted(ordered) and ordered != sorted(ordered, reverse=True), o


def test_period_and_card_admin_change_nothing(client, cast):
    """The old "move to the next status" action let a superuser close a period with no signatures."""
    client.force_login(cast["users"]["admin"])
    period = cast["period"]
    url = reverse("admin:periods_period_changelist")
    response = client.post(url, {"action": "advance", "_selected_action": [period.pk]})
    period.refresh_from_db()
    assert period.status == "calculated"
    assert response.status_code in (200, 302)
    assert not admin.site._registry[type(period)].get_actions(response.wsgi_request)
    card = cast["people"]["anna"].cards.first()
    assert (
        client.post(reverse("admin:kpi_card_change", args=[card.pk]), {"status": "approved"}).status_code
        == 403
    )
    grant = RoleAssignment.objects.filter(organization=cast["company"]).first()
    assert (
        client.post(reverse("admin:core_roleassignment_delete", args=[grant.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert RoleAssignment.objects.filter(pk=grant.pk).exists()
    assert client.get(reverse("admin:core_roleassignment_add")).status_code == 403
    # the superuser flag is not handed out in the admin
    anna = cast["users"]["anna"]
    page = client.get(reverse("admin:auth_user_change", args=[anna.pk])).content.decode()
    assert 'name="is_superuser"' not in page


def test_money_fields_are_known_to_the_guard():
    """Every decimal field named like money on a registered model is guarded (a new one must be too)."""
    from motiva.core.admin_base import MONEY_FIELDS

    for model in admin.site._registry:
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DecimalField) and any(
                word in field.name for word in ("salary", "amount", "pay")
            ):
                assert field.name in MONEY_FIELDS, f"{model._meta.label}.{field.name}"
    assert PAY  # the walk's amounts come from the shared cast
