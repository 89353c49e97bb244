"""Approvals bound to what was approved, through the pages: a change after the run blocks signing and
closing until the period is recalculated; a recalculation of signed results asks for confirmation and a
reason and keeps the revoked signatures in the history; the period can always be completed by the people
who exist (the next manager up, the board for the director's own pay); nobody changes their own card."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from motiva.calc import approvals, selectors
from motiva.calc.models import RunSignature
from motiva.core.models import AuditEvent, Role, RoleAssignment
from motiva.kpi import services as kpi
from motiva.kpi.models import Card, CardTemplate
from motiva.org.models import Employee
from motiva.periods.models import IndicatorValue, PeriodStatus
from tests.base import SALARIES
from tests.web.test_access import variants

pytestmark = pytest.mark.django_db


def post(client, cast, user, name, **data):
    client.force_login(cast["users"][user])
    return client.post(reverse(name, args=[cast["company"].pk, cast["period"].pk]), data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def page_of(client, cast, user) -> str:
    client.force_login(cast["users"][user])
    response = client.get(reverse("period", args=[cast["company"].pk, cast["period"].pk]))
    assert response.status_code == 200
    return response.content.decode()


def approve(client, cast, *signers):
    for user, kind in signers or (
        ("boss", "manager"),
        ("boss2", "manager"),
        ("gd", "executive"),
        ("hr", "hr"),
        ("fin", "finance"),
    ):
        response = post(client, cast, user, "period_sign", kind=kind)
        errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
        assert not errors, (user, kind, errors)


def set_fact(client, cast, user, person, value):
    client.force_login(cast["users"][user])
    url = reverse("facts", args=[cast["company"].pk, cast["period"].pk])
    response = client.post(url, {f"c:{cast['indicator'].pk}:employee:{cast['people'][person].pk}": value})
    assert response.status_code == 302


def recalculate(client, cast, capture, user="hr", **data):
    with capture(execute=True):
        return post(client, cast, user, "period_run", **data)


def test_a_fact_changed_after_approval_blocks_closing_until_recalculated(
    client, cast, django_capture_on_commit_callbacks
):
    approve(client, cast)
    period = cast["period"]
    period.refresh_from_db()
    assert period.status == PeriodStatus.APPROVED
    set_fact(client, cast, "hr", "anna", "137,25")
    response = post(client, cast, "fin", "period_close", confirm="1")
    assert any("Расчёт №" in m and "устарел" in m for m in messages_of(response))
    period.refresh_from_db()
    assert period.status == PeriodStatus.APPROVED
    # The page says what changed since the run: who, what, when; and offers no close button.
    page = page_of(client, cast, "fin")
    block = page[page.index('data-testid="out-of-date"') :]
    assert "Аннина" in block and "SALES" in block and "Hr" in block and "137.25" in block
    assert reverse("period_close", args=[cast["company"].pk, period.pk]) not in page
    run_page = client.get(reverse("run", args=[cast["company"].pk, cast["run"].pk])).content.decode()
    assert 'data-testid="run-out-of-date"' in run_page
    # The employee is told the results are out of date, without the list of changes.
    page = page_of(client, cast, "carl")
    assert 'data-testid="out-of-date"' in page and "137.25" not in page
    # Recalculating an approved period: confirmation and a reason first.
    response = recalculate(client, cast, django_capture_on_commit_callbacks)
    assert any("подтвердите" in m.lower() for m in messages_of(response)) and period.runs.count() == 1
    response = recalculate(client, cast, django_capture_on_commit_callbacks, confirm="1", reason="  ")
    assert any("Укажите причину пересчёта" in m for m in messages_of(response)) and period.runs.count() == 1
    recalculate(
        client, cast, django_capture_on_commit_callbacks, confirm="1", reason="Исправлен факт продаж Анниной"
    )
    period.refresh_from_db()
    assert period.status == PeriodStatus.CALCULATED and period.runs.count() == 2
    # The new run is signed again from the start and the period closes.
    approve(client, cast)
    post(client, cast, "fin", "period_close", confirm="1")
    period.refresh_from_db()
    assert period.status == PeriodStatus.CLOSED


def test_a_change_after_the_run_refuses_every_signature(client, cast):
    post(client, cast, "boss", "period_sign", kind="manager")
    client.force_login(cast["users"]["boss2"])
    assert "подписать результаты" in client.get(reverse("home")).content.decode()
    set_fact(client, cast, "hr", "carl", "95")
    page = page_of(client, cast, "boss2")
    assert 'value="manager"' not in page  # no signature button on an out-of-date run
    response = post(client, cast, "boss2", "period_sign", kind="manager")
    assert any("устарел" in m for m in messages_of(response))
    assert not RunSignature.objects.filter(signer=cast["users"]["boss2"]).exists()
    # The home page asks HR to recalculate and nobody to sign.
    client.force_login(cast["users"]["hr"])
    assert "пересчитайте" in client.get(reverse("home")).content.decode()
    client.force_login(cast["users"]["boss2"])
    home = client.get(reverse("home")).content.decode()
    assert "подписать результаты" not in home and "пересчитайте" not in home
    # A confirmation or a comment changes no result: the run is not out of date for it.
    value = IndicatorValue.objects.get(period=cast["period"], employee=cast["people"]["anna"])
    from motiva.periods.services import value_annotate, value_confirm

    value_confirm(actor=cast["users"]["gd"], value=value)
    value_annotate(actor=cast["users"]["hr"], value=value, comment="Сверено с CRM")
    assert approvals.changes_since(cast["run"]).count() == 1


def test_an_approved_adjustment_after_the_run_makes_it_out_of_date_and_its_amount_stays_hidden(client, cast):
    from motiva.calc import adjustments

    adjustment = adjustments.adjustment_create(
        actor=cast["users"]["hr"],
        period=cast["period"],
        employee=cast["people"]["anna"],
        amount=Decimal("4321.09"),
        reason="Разовая премия",
    )
    assert not approvals.is_out_of_date(cast["run"])  # not counted until approved
    adjustments.adjustment_approve(actor=cast["users"]["fin"], adjustment=adjustment)
    assert approvals.is_out_of_date(cast["run"])
    for user in ("admin", "gd", "hr", "fin", "auditor", "boss", "boss2", "anna", "boris", "carl"):
        page = page_of(client, cast, user)
        assert 'data-testid="out-of-date"' in page
        if user not in ("gd", "hr", "fin"):
            assert not any(v in page for v in variants(Decimal("4321.09"))), user
    assert "4\u00a0321" in page_of(client, cast, "hr") or "4321" in page_of(client, cast, "hr")


def test_recalculating_signed_results_keeps_the_revoked_signatures_in_the_history(
    client, cast, django_capture_on_commit_callbacks
):
    approve(client, cast, ("boss", "manager"), ("boss2", "manager"), ("gd", "executive"))
    period = cast["period"]
    old = cast["run"]
    page = page_of(client, cast, "hr")
    form = page[page.index('data-testid="recalculate"') :]
    assert 'name="reason"' in form and 'name="confirm"' in form
    recalculate(
        client, cast, django_capture_on_commit_callbacks, confirm="1", reason="Уточнены планы отдела продаж"
    )
    period.refresh_from_db()
    new = selectors.latest_run(period)
    assert new != old and period.status == PeriodStatus.CALCULATED
    revoked = RunSignature.objects.filter(run=old)
    assert revoked.count() == 3  # nothing deleted
    assert all(
        s.revoked_at
        and s.revoked_by == cast["users"]["hr"]
        and s.revoked_by_run == new
        and s.revoked_reason == "Уточнены планы отдела продаж"
        for s in revoked
    )
    events = AuditEvent.objects.filter(entity_type="calc.RunSignature", field="revoked_at")
    assert events.count() == 3 and all("Уточнены планы отдела продаж" in e.reason for e in events)
    page = page_of(client, cast, "anna")
    history = page[page.index('data-testid="revocations"') :]
    assert "Уточнены планы отдела продаж" in history and "Hr" in history
    assert "Boss" in history and "Boss2" in history and "Gd" in history
    # The run pages say it: the old run's signatures were revoked by the new one, which carries the reason.
    client.force_login(cast["users"]["hr"])
    page = client.get(reverse("run", args=[cast["company"].pk, old.pk])).content.decode()
    assert 'data-testid="run-revoked"' in page and reverse("run", args=[cast["company"].pk, new.pk]) in page
    page = client.get(reverse("run", args=[cast["company"].pk, new.pk])).content.decode()
    assert "Уточнены планы отдела продаж" in page and 'data-testid="run-revoked"' not in page
    # The new run starts unsigned: the director's approval waits for the managers again.
    assert selectors.signatures(new) == {}
    response = post(client, cast, "gd", "period_sign", kind="executive")
    assert any("Сначала результаты подписывают руководители" in m for m in messages_of(response))


def test_a_company_period_in_which_the_director_has_pay_is_closed_with_the_board(
    client, cast, django_user_model, django_capture_on_commit_callbacks
):
    period, gd = cast["period"], cast["people"]["gd"]
    kpi.card_create(
        actor=cast["users"]["admin"],
        employee=gd,
        period=period,
        lines=[{"indicator": cast["indicator"], "weight": "100", "scale": cast["scale"], "target": "100"}],
    )
    recalculate(client, cast, django_capture_on_commit_callbacks)
    run = selectors.latest_run(period)
    assert run != cast["run"] and run.results.filter(employee=gd).exists()
    board = django_user_model.objects.create_user(
        username="owner", password="x-Secret-123", first_name="Владелец"
    )
    # Without anyone able to approve, the page says so.
    page = page_of(client, cast, "hr")
    assert "nobody can give this signature" in page or "эту подпись пока некому поставить" in page
    RoleAssignment.objects.create(user=board, organization=cast["company"], role=Role.BOARD)
    # The managers sign, the director too for his direct reports; his own approval is refused.
    approve(client, cast, ("boss", "manager"), ("boss2", "manager"), ("gd", "manager"))
    response = post(client, cast, "gd", "period_sign", kind="executive")
    assert any("ваша собственная премия" in m for m in messages_of(response))
    page = page_of(client, cast, "hr")
    pending = page[page.index('data-testid="pending"') :]
    assert "Владелец" in pending and "Gd" not in pending.split("</ul>")[0]
    client.force_login(board)
    url = reverse("period", args=[cast["company"].pk, period.pk])
    assert 'value="executive"' in client.get(url).content.decode()
    response = client.post(
        reverse("period_sign", args=[cast["company"].pk, period.pk]), {"kind": "executive"}, follow=True
    )
    period.refresh_from_db()
    assert period.status == PeriodStatus.APPROVED, messages_of(response)
    approve(client, cast, ("hr", "hr"), ("fin", "finance"))
    post(client, cast, "fin", "period_close", confirm="1")
    period.refresh_from_db()
    assert period.status == PeriodStatus.CLOSED
    assert RunSignature.objects.get(run=run, kind="executive").signer == board


def test_the_board_does_not_approve_a_run_without_the_directors_pay(client, cast, django_user_model):
    board = django_user_model.objects.create_user(username="owner", password="x-Secret-123")
    RoleAssignment.objects.create(user=board, organization=cast["company"], role=Role.BOARD)
    approve(client, cast, ("boss", "manager"), ("boss2", "manager"))
    client.force_login(board)
    url = reverse("period", args=[cast["company"].pk, cast["period"].pk])
    page = client.get(url).content.decode()
    assert 'value="executive"' not in page
    assert any(v in page for v in variants(SALARIES["anna"])) is False  # the period page shows no salaries
    client.post(reverse("period_sign", args=[cast["company"].pk, cast["period"].pk]), {"kind": "executive"})
    assert not RunSignature.objects.filter(kind="executive").exists()
    from motiva.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as refusal:
        approvals.run_sign(actor=board, run=cast["run"], kind="executive")
    assert refusal.value.problems[0].code == "not_executive"


def test_a_manager_without_an_account_is_skipped_for_the_next_one_up(client, cast):
    boss2 = cast["people"]["boss2"]
    Employee.objects.filter(pk=boss2.pk).update(user=None)  # the head of the service signs in nowhere
    page = page_of(client, cast, "hr")
    pending = page[page.index('data-testid="pending"') :].split("</ul>")[0]
    assert "Сервисов" not in pending and "Директоров" in pending and "Начальников" in pending
    managers = approvals.direct_managers(selectors.latest_run(cast["period"]))
    assert cast["people"]["carl"].pk in managers[cast["people"]["gd"].pk]
    approve(client, cast, ("boss", "manager"), ("gd", "manager"), ("gd", "executive"))
    cast["period"].refresh_from_db()
    assert cast["period"].status == PeriodStatus.APPROVED
    # A deactivated account counts as none: the next one up signs for the reports.
    cast["users"]["boss"].is_active = False
    cast["users"]["boss"].save(update_fields=["is_active"])
    run = selectors.latest_run(cast["period"])
    assert cast["people"]["anna"].pk in approvals.direct_managers(run)[cast["people"]["gd"].pk]


def test_nobody_changes_the_template_of_their_own_position(client, cast):
    hr = cast["people"]["hr"]
    staff = hr.assignments.get().position
    kpi.card_template_create(
        actor=cast["users"]["admin"],
        position=staff,
        valid_from=dt.date(2026, 1, 1),
        lines=[{"indicator": cast["indicator"], "weight": "100", "scale": cast["scale"], "target": "100"}],
    )
    client.force_login(cast["users"]["hr"])
    url = reverse("template_edit", args=[cast["company"].pk, staff.pk])
    data = {
        "valid_from": "2026-04-01",
        "scheme": "",
        "line-0-component": "indicator",
        "line-0-indicator": cast["indicator"].pk,
        "line-0-level": "personal",
        "line-0-weight": "100",
        "line-0-scale": cast["scale"].pk,
        "line-0-target": "90",
    }
    response = client.post(url, data, follow=True)
    assert response.status_code in (200, 400)
    text = response.content.decode()
    assert "Свою собственную карту KPI" in text or "your own KPI card" in text
    assert CardTemplate.objects.filter(position=staff).count() == 1
    # Another position's template is HR's to change.
    seller = cast["people"]["anna"].assignments.get().position
    data["valid_from"] = "2026-04-01"
    client.post(reverse("template_edit", args=[cast["company"].pk, seller.pk]), data)
    assert CardTemplate.objects.filter(position=seller).count() == 2
    # Nor is a template applied to one's own card, nor one's own card edited or scored.
    april = __import__("motiva.periods.services", fromlist=["period_create"]).period_create(
        actor=cast["users"]["admin"], organization=cast["company"], kind="month", start=dt.date(2026, 4, 1)
    )
    created, skipped = kpi.cards_create_for_period(
        actor=cast["users"]["hr"], period=april, employees=[hr, cast["people"]["anna"]]
    )
    assert [c.employee for c in created] == [cast["people"]["anna"]]
    assert [(e, r.problems[0].code) for e, r in skipped] == [(hr, "own_card")]
    card, _warnings = kpi.card_create(actor=cast["users"]["admin"], employee=hr, period=april)
    from motiva.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as refusal:
        kpi.card_replace_lines(
            actor=cast["users"]["hr"],
            card=card,
            lines=[{"indicator": cast["indicator"], "weight": "100", "scale": cast["scale"], "target": "50"}],
        )
    assert refusal.value.problems[0].code == "own_card"
    assert Card.objects.get(pk=card.pk).lines.get().target == Decimal(100)
    assert IndicatorValue.objects.filter(period=april).count() == 0


def test_the_board_walks_the_site_as_a_company_wide_reader_with_pay(client, cast, django_user_model):
    """The new role in the access walk: every page of the site opens to the board as to the auditor (a
    company-wide reader without an employee record), except the audit log; unlike the auditor it sees pay."""
    from tests.web.test_access import PAY, expected_status, urls_for

    board = django_user_model.objects.create_user(username="owner", password="x-Secret-123")
    RoleAssignment.objects.create(user=board, organization=cast["company"], role=Role.BOARD)
    client.force_login(board)
    for name, target, url in urls_for(cast):
        response = client.get(url)
        if name == "smuggled" or name.startswith("other:") or name == "audit":
            want = 404
        else:
            want = expected_status("auditor", name, target)
        assert response.status_code == want, f"board GET {url}: {response.status_code}, expected {want}"
    page = client.get(reverse("run", args=[cast["company"].pk, cast["run"].pk])).content.decode()
    assert all(any(v in page for v in variants(amount)) for amount in PAY.values())  # the pay it approves
    # The board enters no adjustment: pay corrections stay with HR, finance and the executive.
    client.post(
        reverse("adjustment_add", args=[cast["company"].pk, cast["period"].pk]),
        {"personnel_number": "7", "amount": "1000", "reason": "Премия", "kind": "manual"},
    )
    assert not cast["period"].adjustments.exists()
