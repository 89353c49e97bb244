"""A new template version applied to the cards already made: the preview lists exactly the cards that
change (and what changes on each, by name), the confirmation applies exactly that, audited as one change;
cards of closed periods and the actor's own card are refused; a template that does not fit the period's
kind asks for a confirmation before cards are created."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from motiva.core.errors import InvalidInput
from motiva.core.models import AuditEvent
from motiva.kpi import card_versions
from motiva.kpi import services as kpi
from motiva.kpi.models import Card, CardTemplate, ComponentScore, PayScheme
from motiva.periods import services as periods
from motiva.periods.models import Period, PeriodStatus

pytestmark = pytest.mark.django_db
APRIL, MAY, JUNE = dt.date(2026, 4, 1), dt.date(2026, 5, 1), dt.date(2026, 6, 1)


def month(cast, start):
    return periods.period_create(
        actor=cast["users"]["admin"], organization=cast["company"], kind="month", start=start
    )


@pytest.fixture
def revised(cast):
    """Cards of April (open), May (to be closed) and June (open) made from version 1 of the sellers'
    template; then version 2 from April: a new weight and plan on SALES and a new line of tasks."""
    admin, people = cast["users"]["admin"], cast["people"]
    seller = people["anna"].assignments.get().position
    april, may, june = month(cast, APRIL), month(cast, MAY), month(cast, JUNE)
    for period in (april, may, june):
        kpi.cards_create_for_period(
            actor=admin, period=period, employees=[people[n] for n in ("anna", "boris", "carl")]
        )
    Period.objects.filter(pk=may.pk).update(status=PeriodStatus.CLOSED)
    # June: Boris's card was already set by hand to what version 2 will say — nothing to change there.
    v2_lines = [
        {"indicator": cast["indicator"], "weight": "80", "scale": cast["scale"], "target": "4200"},
        {"component": "tasks", "label": "Задачи месяца", "weight": "20"},
    ]
    boris_june = Card.objects.get(employee=people["boris"], period=june)
    v2, _w = kpi.card_template_create(
        actor=admin, position=seller, valid_from=APRIL, lines=v2_lines, scheme=boris_june.scheme
    )
    kpi.card_replace_lines(actor=admin, card=boris_june, lines=v2_lines)
    return {"seller": seller, "v2": v2, "april": april, "may": may, "june": june}


def preview_url(cast, revised, **query):
    url = reverse("template_apply", args=[cast["company"].pk, revised["seller"].pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def test_the_preview_lists_exactly_the_cards_that_change_and_what_changes(client, cast, revised):
    client.force_login(cast["users"]["hr"])
    response = client.get(preview_url(cast, revised, version=revised["v2"].pk))
    assert response.status_code == 200
    page = response.content.decode()
    plan = card_versions.version_plan(revised["v2"])
    changed = {(p.card.employee.last_name, p.card.period.name) for p in plan.changed}
    assert changed == {("Аннина", "Апрель 2026"), ("Борисов", "Апрель 2026"), ("Аннина", "Июнь 2026")}
    assert {(p.card.employee.last_name, p.card.period.name, p.refusal) for p in plan.refused} == {
        ("Аннина", "Май 2026", "closed"),
        ("Борисов", "Май 2026", "closed"),
    }
    assert plan.unchanged == 1  # Boris in June
    assert page.count('data-testid="apply-card"') == 3
    assert "Карлов" not in page  # an engineer: another position's template
    assert "+ добавляется: Задачи месяца" in page
    assert "Продажи: вес, % <del>100</del> → 80" in page and "<del>100</del> → 4\u00a0200" in page
    assert "Май 2026 — период закрыт" in page
    assert "Применить к картам (3)" in page and "Что произойдёт" in page


def test_applying_changes_those_cards_in_place_and_is_one_change_in_the_audit_log(client, cast, revised):
    hr = cast["users"]["hr"]
    anna_april = Card.objects.get(employee=cast["people"]["anna"], period=revised["april"])
    kept = anna_april.lines.get()
    client.force_login(hr)
    page = client.get(preview_url(cast, revised)).content.decode()
    response = client.post(
        preview_url(cast, revised),
        {
            "version": revised["v2"].pk,
            "cards": hidden(page, "cards"),
            "digest": hidden(page, "digest"),
            "reason": "Новая карта продавцов с апреля",
            "confirm": "1",
        },
        follow=True,
    )
    assert "Версия 2 применена к картам: 3." in response.content.decode()
    for employee, period in (("anna", "april"), ("boris", "april"), ("anna", "june")):
        card = Card.objects.get(employee=cast["people"][employee], period=revised[period])
        assert card.template == revised["v2"]
        assert [(line.component, line.weight, line.target) for line in card.lines.order_by("order")] == [
            ("indicator", Decimal(80), Decimal(4200)),
            ("tasks", Decimal(20), None),
        ]
    assert anna_april.lines.filter(pk=kept.pk).exists()  # the SALES line was updated, not replaced
    may = Card.objects.get(employee=cast["people"]["anna"], period=revised["may"])
    assert may.template.version == 1 and may.lines.get().weight == Decimal(100)  # the closed period
    events = AuditEvent.objects.filter(entity_type="kpi.Card", reason="Новая карта продавцов с апреля")
    assert events.values("change_id").distinct().count() == 1
    assert set(events.values_list("entity_id", flat=True)) == {
        str(c.pk)
        for c in Card.objects.filter(template=revised["v2"], period__in=[revised["april"], revised["june"]])
    }
    # nothing left to change
    again = client.get(preview_url(cast, revised)).content.decode()
    assert 'data-testid="apply-nothing"' in again


def test_a_line_that_stays_keeps_its_score(cast, revised):
    """Scores of tasks lines survive a version that keeps the tasks line."""
    admin = cast["users"]["admin"]
    anna_april = Card.objects.get(employee=cast["people"]["anna"], period=revised["april"])
    kpi.card_replace_lines(
        actor=admin,
        card=anna_april,
        lines=[
            {"indicator": cast["indicator"], "weight": "70", "scale": cast["scale"], "target": "100"},
            {"component": "tasks", "label": "Задачи месяца", "weight": "30"},
        ],
    )
    tasks = anna_april.lines.get(component="tasks")
    kpi.component_score_set(actor=admin, card_line=tasks, value=Decimal(90))
    plan = card_versions.version_plan(revised["v2"])
    kpi.card_template_apply(
        actor=cast["users"]["hr"],
        template=revised["v2"],
        card_ids=[p.card.pk for p in plan.changed],
        digest=plan.digest,
    )
    assert ComponentScore.objects.get(card_line=tasks).value == Decimal(90)
    assert anna_april.lines.get(component="tasks").weight == Decimal(20)


def test_a_closed_period_a_stale_preview_and_a_stranger_card_are_refused_and_nothing_changes(cast, revised):
    hr = cast["users"]["hr"]
    plan = card_versions.version_plan(revised["v2"])
    may_card = plan.refused[0].card
    with pytest.raises(InvalidInput) as closed:
        kpi.card_template_apply(
            actor=hr,
            template=revised["v2"],
            card_ids=[p.card.pk for p in plan.changed] + [may_card.pk],
            digest=plan.digest,
        )
    assert closed.value.problems[0].code == "period_locked"
    with pytest.raises(InvalidInput) as stale:
        kpi.card_template_apply(
            actor=hr, template=revised["v2"], card_ids=[p.card.pk for p in plan.changed], digest="0" * 64
        )
    assert stale.value.problems[0].code == "stale_preview"
    carl = Card.objects.get(employee=cast["people"]["carl"], period=revised["april"])
    with pytest.raises(InvalidInput):
        kpi.card_template_apply(actor=hr, template=revised["v2"], card_ids=[carl.pk], digest=plan.digest)
    # a card changed by someone between the preview and the confirmation makes the preview stale
    anna_june = Card.objects.get(employee=cast["people"]["anna"], period=revised["june"])
    kpi.card_replace_lines(
        actor=cast["users"]["admin"],
        card=anna_june,
        lines=[{"indicator": cast["indicator"], "weight": "100", "scale": cast["scale"], "target": "300"}],
    )
    with pytest.raises(InvalidInput) as moved:
        kpi.card_template_apply(
            actor=hr, template=revised["v2"], card_ids=[p.card.pk for p in plan.changed], digest=plan.digest
        )
    assert moved.value.problems[0].code == "stale_preview"
    assert (
        not Card.objects.filter(template=revised["v2"])
        .exclude(employee=cast["people"]["boris"], period=revised["june"])
        .exists()
    )


def test_nobody_applies_a_version_to_their_own_card(client, cast):
    """HR's own position gets a template; HR's own card is refused, the colleagues' cards change."""
    admin, hr, people = cast["users"]["admin"], cast["users"]["hr"], cast["people"]
    staff = people["hr"].assignments.get().position
    kpi.card_template_create(
        actor=admin,
        position=staff,
        valid_from=dt.date(2026, 1, 1),
        lines=[{"indicator": cast["indicator"], "weight": "100", "scale": cast["scale"], "target": "100"}],
    )
    april = month(cast, APRIL)
    kpi.cards_create_for_period(
        actor=admin, period=april, employees=[people[n] for n in ("hr", "fin", "auditor")]
    )
    v2, _w = kpi.card_template_create(
        actor=admin,
        position=staff,
        valid_from=APRIL,
        lines=[{"indicator": cast["indicator"], "weight": "100", "scale": cast["scale"], "target": "150"}],
    )
    client.force_login(hr)
    url = reverse("template_apply", args=[cast["company"].pk, staff.pk])
    page = client.get(url).content.decode()
    assert "ваша собственная карта" in page and "Применить к картам (2)" in page
    own = Card.objects.get(employee=people["hr"], period=april)
    plan = card_versions.version_plan(v2, actor_employee=people["hr"])
    with pytest.raises(InvalidInput) as refused:
        kpi.card_template_apply(actor=hr, template=v2, card_ids=[own.pk], digest=plan.digest)
    assert refused.value.problems[0].code == "own_card"
    response = client.post(
        url,
        {"version": v2.pk, "cards": hidden(page, "cards"), "digest": hidden(page, "digest"), "confirm": "on"},
    )
    assert response.status_code == 302
    assert set(Card.objects.filter(template=v2).values_list("employee__last_name", flat=True)) == {
        "Финансова",
        "Проверкина",
    }
    assert own.lines.get().target == Decimal(100)


@pytest.mark.parametrize("version", ["", "abc", "-1", "0", "99999999999999999999999", "1.5", "ок"])
def test_odd_versions_in_the_query_show_the_latest_with_a_message(client, cast, revised, version):
    client.force_login(cast["users"]["hr"])
    response = client.get(preview_url(cast, revised, version=version))
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert "версия 2" in page
    if version:
        assert response.status_code == 400 and "Версия:" in page


def test_another_positions_version_is_not_a_choice(client, cast, revised):
    client.force_login(cast["users"]["hr"])
    engineer = cast["people"]["carl"].assignments.get().position
    other = CardTemplate.objects.filter(position=engineer).first()
    response = client.get(preview_url(cast, revised, version=other.pk))
    assert response.status_code == 400 and "Версия:" in response.content.decode()


@pytest.mark.parametrize(
    "posted",
    [
        {},
        {"cards": "1,x", "digest": "a"},
        {"cards": "99999999999999999999999", "digest": "a"},
        {"version": "abc", "cards": "", "digest": "a"},
        {"cards": "", "digest": ""},
    ],
)
def test_a_damaged_confirmation_changes_nothing(client, cast, revised, posted):
    client.force_login(cast["users"]["hr"])
    response = client.post(preview_url(cast, revised), posted)
    assert response.status_code == 400
    assert "Ничего не изменено" in response.content.decode()
    assert not Card.objects.filter(template=revised["v2"]).exclude(period=revised["june"]).exists()


def test_the_apply_page_is_for_hr_only(client, cast, revised):
    for user in ("anna", "boss", "fin", "auditor", "admin", "outsider"):
        client.force_login(cast["users"][user])
        assert client.get(preview_url(cast, revised)).status_code == 404
        page = client.get(preview_url(cast, revised))
        assert page.status_code == 404
        assert client.post(preview_url(cast, revised), {"cards": "", "digest": "x"}).status_code == 404


# --- Periodicity ---------------------------------------------------------------------------------------


def test_assigning_a_monthly_template_to_a_quarter_asks_first(client, cast):
    client.force_login(cast["users"]["hr"])
    seller = cast["people"]["anna"].assignments.get().position
    quarter = periods.period_create(
        actor=cast["users"]["admin"], organization=cast["company"], kind="quarter", start=dt.date(2026, 4, 1)
    )
    url = reverse("template_assign", args=[cast["company"].pk, seller.pk])
    response = client.post(url, {"period": quarter.pk, "scope": "position"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="periodicity-warning"' in page
    assert "не подходит к периоду «II квартал 2026» (квартал)" in page
    assert "месяц: Продажи" in page and "Будет создано карт на «II квартал 2026»: 2" in page
    assert not Card.objects.filter(period=quarter).exists()
    response = client.post(url, {"period": quarter.pk, "scope": "position", "confirm": "1"}, follow=True)
    assert "Создано карт: 2" in response.content.decode()
    assert Card.objects.filter(period=quarter).count() == 2


def test_a_fitting_period_creates_the_cards_at_once(client, cast):
    client.force_login(cast["users"]["hr"])
    seller = cast["people"]["anna"].assignments.get().position
    april = month(cast, APRIL)
    response = client.post(
        reverse("template_assign", args=[cast["company"].pk, seller.pk]), {"period": april.pk}
    )
    assert response.status_code == 302 and Card.objects.filter(period=april).count() == 2


def test_a_three_level_template_warns_only_where_nothing_is_paid(cast):
    admin = cast["users"]["admin"]
    seller = cast["people"]["anna"].assignments.get().position
    # only the periods matter here (the scheme's pay parameters are the paycfg tests' business)
    scheme = PayScheme.objects.create(
        organization=cast["company"],
        name="Три уровня",
        kind="three_level",
        params={"level_periods": {"company": "year", "unit": "quarter", "personal": "quarter"}},
    )
    template, _w = kpi.card_template_create(
        actor=admin,
        position=seller,
        valid_from=dt.date(2026, 4, 1),
        scheme=scheme,
        lines=[
            {
                "indicator": cast["indicator"],
                "weight": "60",
                "scale": cast["scale"],
                "target": "100",
                "level": "company",
            },
            {
                "indicator": cast["indicator"],
                "weight": "40",
                "scale": cast["scale"],
                "target": "100",
                "level": "unit",
            },
        ],
    )
    assert card_versions.template_periods(template) == {"year": ["Продажи"], "quarter": ["Продажи"]}
    quarter = periods.period_create(
        actor=admin, organization=cast["company"], kind="quarter", start=dt.date(2026, 4, 1)
    )
    april = month(cast, APRIL)
    assert card_versions.periodicity_mismatch(template, quarter) is None
    assert card_versions.periodicity_mismatch(template, april).nothing_paid


@pytest.mark.parametrize(
    "posted",
    [{}, {"period": "abc"}, {"period": "99999999999999999999999"}, {"period": "1", "scope": "galaxy"}],
)
def test_odd_assign_values_say_what_is_wrong_and_create_nothing(client, cast, posted):
    client.force_login(cast["users"]["hr"])
    seller = cast["people"]["anna"].assignments.get().position
    before = Card.objects.count()
    response = client.post(
        reverse("template_assign", args=[cast["company"].pk, seller.pk]), posted, follow=True
    )
    assert response.status_code == 200
    assert "Период:" in response.content.decode() or "Кто:" in response.content.decode()
    assert Card.objects.count() == before


def test_without_the_tick_nothing_is_applied(client, cast, revised):
    client.force_login(cast["users"]["hr"])
    page = client.get(preview_url(cast, revised)).content.decode()
    response = client.post(
        preview_url(cast, revised),
        {"version": revised["v2"].pk, "cards": hidden(page, "cards"), "digest": hidden(page, "digest")},
    )
    assert response.status_code == 400
    assert "Подтверждение: Отметьте подтверждение, что карты меняются." in response.content.decode()
    assert not Card.objects.filter(template=revised["v2"]).exclude(period=revised["june"]).exists()
