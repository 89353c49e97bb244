"""Working time in the database: calendars installed per organization, HR's corrections, timesheets, salary
changes inside a period and a missing calendar year in a real run; the calendar page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from motiva.calc import runs
from motiva.calc.fetch import fetch_run_inputs
from motiva.calc.models import EmployeeResult
from motiva.core.errors import InvalidInput
from motiva.core.models import AuditEvent
from motiva.kpi import services as kpi
from motiva.org import services as org
from motiva.periods import services as periods
from motiva.periods.models import LIFECYCLE
from motiva.worktime import services as worktime
from motiva.worktime.models import CalendarDay, CalendarYear, Timesheet

pytestmark = pytest.mark.django_db
D = Decimal
MAY = dt.date(2026, 5, 1)


def test_new_organizations_get_the_calendars_of_their_country(actor):
    rub = org.organization_create(actor=actor, name="Рубли")
    som = org.organization_create(actor=actor, name="Сомы", currency="KGS")
    dollars = org.organization_create(actor=actor, name="Доллары", currency="USD")
    none = org.organization_create(actor=actor, name="Без календаря", calendars=[])
    assert list(CalendarYear.objects.filter(organization=rub).values_list("source", flat=True)) == [
        "ru-2025",
        "ru-2026",
        "ru-2027",
    ]
    assert list(CalendarYear.objects.filter(organization=som).values_list("source", flat=True)) == [
        "kg-2025",
        "kg-2026",
        "kg-2027",
    ]
    assert not CalendarYear.objects.filter(organization__in=[dollars, none]).exists()
    calendar = worktime.work_calendar(rub, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert calendar.working_days(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == 247
    assert calendar.owner == "Рубли"


def test_hr_corrects_a_day_and_every_change_is_audited(actor, organization):
    year = CalendarYear.objects.get(organization=organization, year=2027)
    events = AuditEvent.objects.count()
    worktime.calendar_day_set(
        actor=actor, calendar=year, date=dt.date(2027, 1, 11), kind="day_off", note="Перенос со 2 января"
    )
    day = worktime.calendar_day_set(
        actor=actor, calendar=year, date=dt.date(2027, 1, 11), kind="shortened", reason="ошибка"
    )
    assert (day.kind, day.hours) == ("shortened", D(7))
    worktime.calendar_day_remove(actor=actor, day=day, reason="лишний")
    assert not CalendarDay.objects.filter(calendar=year, date=dt.date(2027, 1, 11)).exists()
    assert AuditEvent.objects.count() > events + 3
    with pytest.raises(InvalidInput) as refusal:
        worktime.calendar_day_set(actor=actor, calendar=year, date=dt.date(2026, 1, 11), kind="holyday")
    assert {p.field for p in refusal.value.problems} == {"kind", "date"}


SALARY = D(80000)
HIRED = dt.date(2020, 1, 1)


def _one_person(actor, organization, params, salary=SALARY, hire=HIRED, start=MAY, kind="month"):
    unit = org.unit_create(actor=actor, organization=organization, code="U", name="Цех")
    position = org.position_create(actor=actor, unit=unit, title="Оператор")
    person = org.employee_hire(
        actor=actor,
        organization=organization,
        personnel_number="1",
        last_name="Табельная",
        first_name="Т",
        hire_date=hire,
        position=position,
        salary=salary,
    )
    scale = kpi.scale_create(
        actor=actor, organization=organization, name="ratio", kind="ratio", params={"cap": "150"}
    )
    indicator = kpi.indicator_create(actor=actor, organization=organization, code="PLAN", name="План")
    scheme = kpi.scheme_create(
        actor=actor, organization=organization, name="s", kind="target_bonus", params=params
    )
    period = periods.period_create(actor=actor, organization=organization, kind=kind, start=start)
    kpi.card_create(
        actor=actor,
        employee=person,
        period=period,
        scheme=scheme,
        lines=[{"indicator": indicator, "weight": "100", "scale": scale, "target": "100"}],
    )
    periods.value_set(
        actor=actor,
        indicator=indicator,
        period=period,
        kind="fact",
        value=D(100),
        scope="employee",
        employee=person,
    )
    return person, period


def _pay(actor, period):
    run = runs.calculation_run_create(actor=actor, period=period)
    result = EmployeeResult.objects.get(run=run)
    return run, result


def test_the_timesheet_takes_precedence_in_a_run_and_changes_the_input_hash(actor, organization):
    person, period = _one_person(
        actor, organization, {"basis": "salary_percent", "percent": "25", "day_basis": "hours"}
    )
    org.absence_create(
        actor=actor,
        employee=person,
        kind="vacation",
        start_date=dt.date(2026, 5, 4),
        end_date=dt.date(2026, 5, 8),
    )
    run, result = _pay(actor, period)
    assert result.pay == (D(20000) * 112 / 151).quantize(D("0.01"))  # 151 h in May 2026, 39 h of leave
    worktime.timesheet_set(actor=actor, period=period, employee=person, hours="120,8")
    again, result = _pay(actor, period)
    assert result.pay == D("16000.00") and again.input_hash != run.input_hash
    assert Timesheet.objects.get(period=period).hours == D("120.8")
    worktime.timesheet_set(actor=actor, period=period, employee=person, hours=D(151))
    assert Timesheet.objects.count() == 1
    for status in LIFECYCLE[1:]:
        periods.period_transition(actor=actor, period=period, to_status=status)
    with pytest.raises(InvalidInput):
        worktime.timesheet_set(actor=actor, period=period, employee=person, hours=D(100))


def test_a_salary_change_inside_the_period_counts_each_salary_for_its_days(actor, organization):
    person, period = _one_person(
        actor,
        organization,
        {"basis": "salary_percent", "percent": "20", "day_basis": "working"},
        salary=D(50000),
        start=dt.date(2026, 3, 1),
    )
    org.assignment_change(actor=actor, employee=person, start_date=dt.date(2026, 3, 16), salary=D(60000))
    inputs = fetch_run_inputs(period)
    assert [s.amount for s in inputs.employees[0].pay.salaries] == [D(50000), D(60000)]
    _run, result = _pay(actor, period)
    assert result.pay == D("11142.86")  # (50 000 × 9 + 60 000 × 12) / 21 working days × 20 %


def test_a_missing_calendar_year_is_a_problem_of_the_run(actor, organization):
    _person, period = _one_person(
        actor,
        organization,
        {"basis": "salary_percent", "percent": "20", "day_basis": "working"},
        start=dt.date(2028, 1, 1),
    )
    _run, result = _pay(actor, period)
    assert result.pay == 0
    assert [p["code"] for p in result.problems] == ["calendar_missing"]
    assert "«ООО «Тест»» на 2028 год" in result.problems[0]["ru"] and "for 2028" in result.problems[0]["en"]


def test_the_calendar_page_is_for_hr_only(client, cast):
    company = cast["company"]
    url = reverse("worktime_calendar_year", args=[company.pk, 2026])
    client.force_login(cast["users"]["anna"])
    assert client.get(url).status_code == 404
    client.force_login(cast["users"]["hr"])
    page = client.get(url)
    assert page.status_code == 200 and "247" in page.content.decode()
    response = client.post(url, {"action": "set", "date": "2026-06-15", "kind": "day_off", "note": "Перенос"})
    assert response.status_code == 302
    day = CalendarDay.objects.get(calendar__organization=company, date=dt.date(2026, 6, 15))
    assert client.get(url).content.decode().count("246") >= 1
    client.post(url, {"action": "remove", "day": day.pk})
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    missing = client.get(reverse("worktime_calendar_year", args=[company.pk, 2031]))
    assert 'data-testid="no-calendar"' in missing.content.decode()
    client.post(reverse("worktime_calendar_year", args=[company.pk, 2031]), {"action": "create"})
    assert CalendarYear.objects.filter(organization=company, year=2031).exists()


def test_timesheet_hours_entered_on_the_calendar_page(client, cast):
    company, period = cast["company"], cast["period"]
    client.force_login(cast["users"]["hr"])
    url = reverse("worktime_calendar_year", args=[company.pk, 2026])
    response = client.post(
        url,
        {"action": "timesheet", "period": period.pk, "employee": cast["people"]["anna"].pk, "hours": "150.5"},
    )
    assert response.status_code == 302
    assert Timesheet.objects.get(period=period, employee=cast["people"]["anna"]).hours == D("150.5")
    page = client.get(f"{url}?period={period.pk}").content.decode()
    assert "150,5" in page or "150.5" in page
    other = cast["people"]["outsider"]
    client.post(url, {"action": "timesheet", "period": period.pk, "employee": other.pk, "hours": "10"})
    assert not Timesheet.objects.filter(employee=other).exists()


def test_the_calendar_page_answers_odd_parameters_without_an_error(client, cast):
    company = cast["company"]
    client.force_login(cast["users"]["hr"])
    for year in (0, 1899, 2201, 10000):
        assert client.get(reverse("worktime_calendar_year", args=[company.pk, year])).status_code == 404
    url = reverse("worktime_calendar_year", args=[company.pk, 2026])
    for period in ("abc", "", "-1", "999999", str(cast["period"].pk)):
        assert client.get(url, {"period": period}).status_code == 200
    assert client.get(reverse("worktime_calendar", args=[company.pk])).status_code == 302


def test_a_form_the_page_does_not_know_changes_nothing_and_says_so(client, cast):
    client.force_login(cast["users"]["hr"])
    url = reverse("worktime_calendar_year", args=[cast["company"].pk, 2026])
    days = CalendarDay.objects.count()
    for sent in ({"action": "remove", "day": "abc"}, {"action": "wipe"}, {}):
        page = client.post(url, sent)
        assert page.status_code == 200 and "не из тех, что на этой странице" in page.content.decode()
    assert client.post(url, {"action": "remove", "day": "999999"}).status_code == 404
    assert CalendarDay.objects.count() == days


def test_a_provisional_year_warns_in_every_run_until_hr_confirms_it(actor, organization):
    year = CalendarYear.objects.get(organization=organization, year=2027)
    assert (year.source, year.status) == ("ru-2027", "provisional")
    assert CalendarYear.objects.get(organization=organization, year=2026).status == "confirmed"
    _person, period = _one_person(
        actor, organization, {"basis": "salary_percent", "percent": "20"}, start=dt.date(2027, 3, 1)
    )
    run, result = _pay(actor, period)
    assert result.pay == D("16000.00")  # a warning, not an error: the pay is calculated
    assert "календарь на 2027 год предварительный" in run.error
    with pytest.raises(InvalidInput) as refusal:
        worktime.calendar_confirm(actor=actor, calendar=year, basis="  ")
    assert [p.field for p in refusal.value.problems] == ["basis"]
    worktime.calendar_confirm(actor=actor, calendar=year, basis="Постановление № 1 от 01.10.2026")
    year.refresh_from_db()
    assert (year.status, year.confirmed_basis) == ("confirmed", "Постановление № 1 от 01.10.2026")
    event = AuditEvent.objects.filter(
        entity_type="worktime.CalendarYear", field="status", action="update"
    ).get()
    assert event.reason == "Постановление № 1 от 01.10.2026" and event.actor == actor
    # confirming changes no day: the run stays valid, and the next one no longer warns
    from motiva.calc.approvals import is_out_of_date

    assert not is_out_of_date(run)
    again, _result = _pay(actor, period)
    assert "предварительный" not in again.error
    with pytest.raises(InvalidInput) as twice:
        worktime.calendar_confirm(actor=actor, calendar=year, basis="ещё раз")
    assert [p.field for p in twice.value.problems] == ["status"]


def test_hr_confirms_a_provisional_year_on_the_calendar_page(client, cast):
    company = cast["company"]
    client.force_login(cast["users"]["hr"])
    url = reverse("worktime_calendar_year", args=[company.pk, 2027])
    page = client.get(url).content.decode()
    assert 'data-testid="provisional"' in page and "Предварительный календарь" in page
    assert (
        'data-testid="provisional"'
        not in client.get(reverse("worktime_calendar_year", args=[company.pk, 2026])).content.decode()
    )
    refused = client.post(url, {"action": "confirm", "basis": ""})
    assert refused.status_code == 200 and "Обязательное поле" in refused.content.decode()
    assert CalendarYear.objects.get(organization=company, year=2027).status == "provisional"
    done = client.post(url, {"action": "confirm", "basis": "Постановление Правительства РФ № 9"})
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="provisional"' not in page and "Постановление Правительства РФ № 9" in page
    client.force_login(cast["users"]["anna"])
    assert client.post(url, {"action": "confirm", "basis": "x"}).status_code == 404
