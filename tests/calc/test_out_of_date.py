"""Which changes make a run out of date: each kind of input of its period, written through its service after
the run; and which do not (another period, a comment, an unapproved adjustment, the run's own signatures)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from motiva.calc import adjustments, approvals, corrections, runs
from motiva.kpi import services as kpi
from motiva.kpi.models import Card
from motiva.org import services as org
from motiva.periods import services as periods
from tests.support.history import rewriting_history

pytestmark = pytest.mark.django_db


def stale(cast) -> bool:
    return approvals.is_out_of_date(cast["run"])


def test_a_fresh_run_is_not_out_of_date_and_its_own_signature_changes_nothing(cast):
    assert not stale(cast)
    approvals.run_sign(actor=cast["users"]["boss"], run=cast["run"], kind="manager")
    assert not stale(cast)


@pytest.mark.parametrize(
    "change",
    [
        "fact",
        "plan_of_the_company",
        "card_lines",
        "absence",
        "group_correction",
        "approved_adjustment",
        "timesheet",
        "salary",
        "scale",
        "calendar",
        "backdated_termination",
    ],
)
def test_each_kind_of_input_changed_after_the_run_makes_it_out_of_date(cast, change):
    hr, admin, period = cast["users"]["hr"], cast["users"]["admin"], cast["period"]
    anna = cast["people"]["anna"]
    if change == "fact":
        periods.value_set(
            actor=hr,
            indicator=cast["indicator"],
            period=period,
            kind="fact",
            value=Decimal(111),
            scope="employee",
            employee=anna,
        )
    elif change == "plan_of_the_company":
        periods.value_set(
            actor=hr, indicator=cast["indicator"], period=period, kind="plan", value=Decimal(100)
        )
    elif change == "card_lines":
        kpi.card_replace_lines(
            actor=admin,
            card=Card.objects.get(employee=anna, period=period),
            lines=[{"indicator": cast["indicator"], "weight": "100", "scale": cast["scale"], "target": "90"}],
        )
    elif change == "absence":
        org.absence_create(
            actor=hr,
            employee=anna,
            kind="vacation",
            start_date=dt.date(2026, 3, 10),
            end_date=dt.date(2026, 3, 12),
        )
    elif change == "group_correction":
        corrections.group_correction_set(
            actor=hr, period=period, unit=cast["units"]["sales"], coefficient=Decimal("0.9"), reason="Оценка"
        )
    elif change == "approved_adjustment":
        adjustment = adjustments.adjustment_create(
            actor=hr, period=period, employee=anna, amount=Decimal(500), reason="Премия"
        )
        assert not stale(cast)  # entered, not yet counted
        adjustments.adjustment_approve(actor=cast["users"]["fin"], adjustment=adjustment)
    elif change == "timesheet":
        from motiva.worktime.services import timesheet_set

        timesheet_set(actor=hr, period=period, employee=anna, hours=Decimal(150))
    elif change == "backdated_termination":
        # the termination ends the assignment before the period: the changed row no longer overlaps it
        org.employee_terminate(actor=hr, employee=anna, termination_date=dt.date(2026, 2, 15))
    elif change == "salary":
        org.assignment_change(
            actor=admin, employee=anna, start_date=dt.date(2026, 3, 15), salary=Decimal(65000)
        )
    elif change == "scale":
        kpi.scale_update(actor=admin, scale=cast["scale"], params={"cap": "120"})
    elif change == "calendar":
        from motiva.worktime.models import CalendarYear
        from motiva.worktime.services import calendar_day_set

        calendar = CalendarYear.objects.get(organization=cast["company"], year=2026)
        calendar_day_set(
            actor=admin,
            calendar=calendar,
            date=dt.date(2026, 3, 20),
            kind="holiday",
            reason="Региональный праздник",
        )
    assert stale(cast), change
    change_event = approvals.changes_since(cast["run"]).first()
    assert change_event.actor in (hr, admin, cast["users"]["fin"])


def test_changes_that_do_not_change_the_results_do_not_count(cast):
    hr, period, anna = cast["users"]["hr"], cast["period"], cast["people"]["anna"]
    april = periods.period_create(
        actor=hr, organization=cast["company"], kind="month", start=dt.date(2026, 4, 1)
    )
    periods.value_set(
        actor=hr,
        indicator=cast["indicator"],
        period=april,
        kind="fact",
        value=Decimal(80),
        scope="employee",
        employee=anna,
    )
    org.absence_create(
        actor=hr,
        employee=anna,
        kind="vacation",
        start_date=dt.date(2026, 4, 10),
        end_date=dt.date(2026, 4, 12),
    )
    adjustments.adjustment_create(
        actor=hr, period=period, employee=anna, amount=Decimal(500), reason="Премия"
    )  # not approved
    from motiva.periods.models import IndicatorValue

    value = IndicatorValue.objects.get(period=period, employee=anna)
    periods.value_annotate(actor=hr, value=value, comment="Сверено")
    periods.value_confirm(actor=cast["users"]["gd"], value=value)
    kpi.scale_update(
        actor=cast["users"]["admin"], scale=cast["scale"], name="Факт к плану"
    )  # a new name only
    # Another organization's changes never count.
    periods.value_set(
        actor=cast["users"]["admin"],
        indicator=cast["other_indicator"],
        period=cast["other_period"],
        kind="fact",
        value=Decimal(90),
        scope="employee",
        employee=cast["people"]["outsider"],
    )
    assert not stale(cast)


def test_a_recalculation_is_fresh_again(cast):
    periods.value_set(
        actor=cast["users"]["hr"],
        indicator=cast["indicator"],
        period=cast["period"],
        kind="fact",
        value=Decimal(111),
        scope="employee",
        employee=cast["people"]["anna"],
    )
    assert stale(cast)
    rerun = runs.calculation_run_create(actor=cast["users"]["hr"], period=cast["period"])
    assert not approvals.is_out_of_date(rerun)


def test_pages_read_the_changes_since_their_last_look_and_signing_reads_the_whole_log(cast):
    import datetime as dt

    from motiva.calc.models import CalculationRun
    from motiva.core.models import AuditEvent

    run, hr = cast["run"], cast["users"]["hr"]
    from django.db.models import F

    with rewriting_history():
        AuditEvent.objects.update(at=F("at") - dt.timedelta(hours=2))  # the cast was built two hours ago
    CalculationRun.objects.filter(pk=run.pk).update(
        started_at=run.started_at - dt.timedelta(hours=1)
    )  # and calculated an hour ago
    run.refresh_from_db()
    assert approvals.recent_changes(run) == []  # remembered: nothing since the run
    periods.value_set(
        actor=hr,
        indicator=cast["indicator"],
        period=cast["period"],
        kind="fact",
        value=Decimal(111),
        scope="employee",
        employee=cast["people"]["anna"],
    )
    assert len(approvals.recent_changes(run)) == 1  # the next look reads what was recorded since
    assert len(approvals.recent_changes(run)) == 1  # and keeps what it found
    # A change that committed long after it was recorded (older than the margin) is past the pages'
    # last look; signing still reads the whole log and refuses.
    periods.value_set(
        actor=hr,
        indicator=cast["indicator"],
        period=cast["period"],
        kind="fact",
        value=Decimal(95),
        scope="employee",
        employee=cast["people"]["boris"],
    )
    late = AuditEvent.objects.filter(entity_type="periods.IndicatorValue").order_by("-id").first()
    with rewriting_history():
        AuditEvent.objects.filter(pk=late.pk).update(
            at=late.at - approvals.RECENT_MARGIN - dt.timedelta(seconds=1)
        )
    assert approvals.changes_since(run).count() == 2
    assert len(approvals.recent_changes(run)) == 1  # the page's incremental look misses it …
    from motiva.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as refusal:
        approvals.run_sign(actor=cast["users"]["boss"], run=run, kind="manager")
    assert refusal.value.problems[0].code == "out_of_date"  # … the refusal does not


def test_nobody_signs_while_the_period_is_being_recalculated(cast):
    from motiva.core.errors import InvalidInput

    runs.calculation_run_start(actor=cast["users"]["hr"], period=cast["period"], reason="Исправлен факт")
    with pytest.raises(InvalidInput) as refused:
        approvals.run_sign(actor=cast["users"]["boss"], run=cast["run"], kind="manager")
    assert refused.value.problems[0].code == "run_in_progress"


def test_the_percent_of_a_sanction_is_pay_and_is_masked_like_an_amount(cast, client):
    from django.urls import reverse

    adjustments.adjustment_create(
        actor=cast["users"]["hr"],
        period=cast["period"],
        employee=cast["people"]["anna"],
        amount=None,
        percent=Decimal("37.5"),
        kind="disciplinary",
        applied_on=cast["period"].start,
        order_number="12-к",
        reason="Выговор",
    )
    client.force_login(cast["users"]["auditor"])
    page = client.get(reverse("audit", args=[cast["company"].pk])).content.decode()
    assert "•••" in page and "37.5" not in page and "37,5" not in page
    client.force_login(cast["users"]["hr"])
    page = client.get(reverse("audit", args=[cast["company"].pk])).content.decode()
    assert "37.5" in page or "37,5" in page
