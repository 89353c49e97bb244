"""Working time: the production calendar, proration on calendar days / working days / hours, whole period
or by month, the timesheet, salary changes inside a period, a missing calendar year, the time rounding."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motiva.engine.batch import calculate_batch
from motiva.engine.calendar import CalendarDay, parse_days
from motiva.engine.card import calculate_card
from motiva.engine.money import RoundingPolicy
from motiva.engine.proration import prorate, time_share, weighted_salary
from motiva.engine.scales import PlanValues, parse_scale_params
from motiva.engine.schemes import calculate_pay, scheme_problems
from motiva.engine.types import (
    Absence,
    CardPolicy,
    EmploymentSpan,
    LineInput,
    PayInput,
    SalarySpan,
    ScaleSpec,
)
from motiva.scenarios.loader import ScenarioError, parse
from motiva.worktime.shipped import calendar_of, read_shipped, shipped_codes

D = Decimal
ROUND = RoundingPolicy()
RU = calendar_of("ООО «Тест»", ["ru-2025", "ru-2026", "ru-2027"])
Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
ALWAYS = (EmploymentSpan(dt.date(2020, 1, 1), None),)


def card_at(total):
    params, _ = parse_scale_params("ratio", {"cap": "200"})
    line = LineInput(
        key="a",
        title="a",
        weight=D(100),
        scale=ScaleSpec("ratio", params),
        plan=PlanValues(target=D(100)),
        fact=D(total),
    )
    return calculate_card([line], CardPolicy(), ROUND)


def pay_input(start, end, **kwargs):
    return PayInput(
        salary=kwargs.pop("salary", D(60000)),
        period_start=start,
        period_end=end,
        months=(end.year - start.year) * 12 + end.month - start.month + 1,
        employment=kwargs.pop("employment", ALWAYS),
        **kwargs,
    )


# ---------------------------------------------------------------------------------------------- calendar


@pytest.mark.parametrize("code", shipped_codes())
def test_each_shipped_year_has_the_totals_its_file_states(code):
    year = read_shipped(code)
    calendar = calendar_of("x", [code])
    first, last = dt.date(year.year, 1, 1), dt.date(year.year, 12, 31)
    assert calendar.working_days(first, last) == year.working_days
    assert calendar.working_hours(first, last) == year.hours


def test_russia_2025_and_2026_have_247_working_days():
    assert RU.working_days(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == 247
    assert RU.working_hours(dt.date(2025, 1, 1), dt.date(2025, 12, 31)) == 1972
    assert RU.working_days(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == 247


def test_months_of_2026_by_the_calendar():
    assert RU.working_days(dt.date(2026, 1, 1), dt.date(2026, 1, 31)) == 15  # 1–9 January off
    assert RU.working_days(dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == 19
    assert (
        RU.working_days(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == 21
    )  # 9 March: the day off for 8 March
    assert RU.working_days(*Q1) == 55
    assert RU.working_hours(dt.date(2026, 5, 1), dt.date(2026, 5, 31)) == 151  # 19 days, 8 May shortened
    assert RU.day_hours(dt.date(2026, 5, 8)) == 7
    assert not RU.is_working(dt.date(2026, 12, 31))
    assert RU.is_working(dt.date(2025, 11, 1))  # a working Saturday


def test_unknown_day_kinds_and_hours_are_refused():
    _days, problems = parse_days(
        [
            {"date": "2026-01-01", "kind": "holyday"},
            {"date": "2026-01-02", "kind": "working", "hours": 30},
            {"date": "2026-13-01", "kind": "holiday"},
            {"date": "2026-01-03", "kind": "holiday", "hour": 1},
        ],
        "days",
        D(8),
    )
    assert [p.field for p in problems] == ["days[0].kind", "days[1].hours", "days[2].date", "days[3].hour"]


dates = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31))


def _days(lo, hi):
    while lo <= hi:
        yield lo
        lo += dt.timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(dates, dates)
def test_counting_a_range_equals_counting_its_days(a, b):
    lo, hi = min(a, b), max(a, b)
    assert RU.working_days(lo, hi) == sum(1 for day in _days(lo, hi) if RU.is_working(day))
    assert RU.working_hours(lo, hi) == sum((RU.day_hours(day) for day in _days(lo, hi)), D(0))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 11),
    st.integers(0, 2),
    dates,
    dates,
    st.one_of(st.none(), st.tuples(dates, dates)),
    st.sampled_from(["working", "hours"]),
)
def test_whole_period_proration_equals_the_calendars_count(
    first_month, extra_months, hired_at, left_at, leave, basis
):
    """Over a period, the share of time worked is the calendar's count of the days (hours) worked
    divided by its count for the period, whatever the hire, termination and leave."""
    start = dt.date(2026, first_month + 1, 1)
    end_month = min(12, first_month + 1 + extra_months)
    end = (dt.date(2026, end_month, 28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    hired, left = min(hired_at, left_at), max(hired_at, left_at)
    absences = [Absence("vacation", min(leave), max(leave))] if leave else []
    factor, _steps = prorate(
        start,
        end,
        [EmploymentSpan(hired, left)],
        absences,
        "proportional",
        basis,
        calendar=RU,
        span="whole_period",
    )
    value = (lambda day: D(1) if RU.is_working(day) else D(0)) if basis == "working" else RU.day_hours
    worked = sum(
        (
            value(day)
            for day in _days(max(start, hired), min(end, left))
            if not (leave and min(leave) <= day <= max(leave))
        ),
        D(0),
    )
    assert factor == worked / sum((value(day) for day in _days(start, end)), D(0))


# ---------------------------------------------------------------------------------------------- proration


LEAVE = [Absence("vacation", dt.date(2026, 2, 2), dt.date(2026, 2, 13))]  # 12 calendar days, 10 working days


def test_a_quarter_on_working_days_whole_period_and_by_month():
    whole, steps = prorate(*Q1, ALWAYS, LEAVE, "proportional", "working", calendar=RU, span="whole_period")
    assert whole == D(45) / D(55)
    assert "45 из 55 раб. дн." in steps[0].render("ru")
    by_month, steps = prorate(*Q1, ALWAYS, LEAVE, "proportional", "working", calendar=RU, span="by_month")
    assert by_month == (D(1) + D(9) / D(19) + D(1)) / 3
    assert len(steps) == 4 and "Average" in steps[-1].render("en")
    calendar_days, _ = prorate(*Q1, ALWAYS, LEAVE)  # today's default: calendar days, by month
    assert calendar_days == (D(2) + D(16) / D(28)) / 3


def test_hours_basis_counts_the_shortened_day():
    may = (dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    leave = [Absence("vacation", dt.date(2026, 5, 4), dt.date(2026, 5, 8))]  # 8+8+8+8+7 hours
    factor, steps = prorate(*may, ALWAYS, leave, "proportional", "hours", calendar=RU)
    assert factor == D(112) / D(151)
    assert "112 of 151 hours" in steps[0].render("en")


def test_the_timesheet_takes_precedence_over_the_calendar_for_hours():
    may = (dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    leave = [Absence("vacation", dt.date(2026, 5, 4), dt.date(2026, 5, 8))]
    factor, steps = prorate(
        *may, ALWAYS, leave, "proportional", "hours", calendar=RU, timesheet_hours=D("120.8")
    )
    assert factor == D("0.8")
    assert "Табель" in steps[0].render("ru") and "timesheet takes precedence" in steps[0].render("en")
    assert (
        prorate(*may, ALWAYS, [], "proportional", "hours", calendar=RU, timesheet_hours=D(200))[0] == 1
    )  # at most 1
    # on working days the timesheet is not used (it counts hours)
    p = pay_input(*may, calendar=RU, timesheet_hours=D("120.8"), absences=tuple(leave))
    assert time_share(p, {"day_basis": "working"})[0] == D(14) / D(19)
    assert time_share(p, {"day_basis": "hours"})[0] == D("0.8")


def test_the_calendar_is_part_of_the_remembered_case():
    """Two organizations with different calendars, the same employment: each gets its own share."""
    extra = calendar_of("другая", ["ru-2026"], [CalendarDay(dt.date(2026, 3, 10), "day_off", D(0))])
    march = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert prorate(*march, ALWAYS, LEAVE[:0], "proportional", "working", calendar=RU)[0] == 1
    hired = [EmploymentSpan(dt.date(2026, 3, 16), None)]
    assert prorate(*march, hired, [], "proportional", "working", calendar=RU)[0] == D(12) / D(21)
    assert prorate(*march, hired, [], "proportional", "working", calendar=extra)[0] == D(12) / D(20)
    assert RU.key != extra.key and calendar_of("x", ["ru-2026"]).key == calendar_of("y", ["ru-2026"]).key


def test_time_rounding_is_part_of_the_rounding_policy():
    p = pay_input(*Q1, calendar=RU, absences=tuple(LEAVE))
    params = {
        "basis": "salary_percent",
        "percent": "20",
        "day_basis": "working",
        "proration_span": "whole_period",
    }
    unrounded = calculate_pay("target_bonus", params, p, card_at(100), ROUND)
    assert unrounded.proration == D(9) / D(11) and unrounded.total == D("29454.55")
    rounded = calculate_pay("target_bonus", params, p, card_at(100), RoundingPolicy(time_places=2))
    assert rounded.proration == D("0.82") and rounded.total == D("29520.00")
    assert "rounded to 2 places" in rounded.steps[-2].render("en")
    down = calculate_pay(
        "target_bonus", params, p, card_at(100), RoundingPolicy(time_places=3, time_mode="down")
    )
    assert down.proration == D("0.818")
    with pytest.raises(ValueError):
        RoundingPolicy(time_mode="sideways")


# ---------------------------------------------------------------------------------------------- missing calendar


def test_a_missing_calendar_year_is_a_problem_naming_the_organization_and_the_year():
    only_2026 = calendar_of("ООО «Тест»", ["ru-2026"])
    p = pay_input(dt.date(2025, 12, 1), dt.date(2026, 2, 28), calendar=only_2026)
    result = calculate_pay("target_bonus", {"percent": "20", "day_basis": "working"}, p, card_at(100), ROUND)
    assert result.total == 0 and not result.components
    assert result.problems[0].code == "calendar_missing"
    assert "ООО «Тест»" in result.problems[0].render("ru") and "2025" in result.problems[0].render("en")
    # no calendar at all: also a problem, never a silent Monday to Friday
    result = calculate_pay(
        "target_bonus", {"percent": "20", "day_basis": "hours"}, pay_input(*Q1), card_at(100), ROUND
    )
    assert result.problems[0].code == "calendar_missing"
    # calendar days need no calendar
    assert calculate_pay("target_bonus", {"percent": "20"}, pay_input(*Q1), card_at(100), ROUND).total == D(
        "36000.00"
    )


# ---------------------------------------------------------------------------------------------- salary spans


def test_a_salary_change_counts_each_salary_for_its_days():
    march = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    spans = (
        SalarySpan(dt.date(2025, 1, 1), dt.date(2026, 3, 15), D(50000)),
        SalarySpan(dt.date(2026, 3, 16), None, D(60000)),
    )
    p = pay_input(*march, salary=D(60000), salaries=spans, calendar=RU)
    salary, step = weighted_salary(p, {})
    assert salary == (D(50000) * 15 + D(60000) * 16) / 31
    assert "50000 × 15 days" in step.render("en") and "60000 × 16 days" in step.render("en")
    assert weighted_salary(p, {"day_basis": "working"})[0] == (D(50000) * 9 + D(60000) * 12) / 21
    result = calculate_pay("target_bonus", {"percent": "20"}, p, card_at(100), ROUND)
    assert result.total == D("11032.26")
    assert "each salary for the days it was in force" in result.steps[0].render("en")
    # the latest salary alone when nothing changed inside the period
    same = pay_input(*march, salary=D(60000), salaries=(SalarySpan(dt.date(2026, 3, 1), None, D(60000)),))
    assert calculate_pay("target_bonus", {"percent": "20"}, same, card_at(100), ROUND).total == D("12000.00")


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 30), st.integers(1, 10**6), st.integers(1, 10**6))
def test_the_weighted_salary_lies_between_the_salaries(change_day, first, second):
    march = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    change = dt.date(2026, 3, change_day)
    spans = (
        SalarySpan(march[0], change - dt.timedelta(days=1), D(first)),
        SalarySpan(change, None, D(second)),
    )
    salary, _ = weighted_salary(pay_input(*march, salaries=spans), {})
    assert min(first, second) <= salary <= max(first, second)
    assert salary == (D(first) * (change_day - 1) + D(second) * (32 - change_day)) / 31


# ---------------------------------------------------------------------------------------------- parameters and files


def test_scheme_parameters_of_time_worked_are_checked():
    assert (
        scheme_problems(
            "target_bonus", {"percent": 20, "day_basis": "hours", "proration_span": "whole_period"}
        )
        == []
    )
    fields = [
        p.field
        for p in scheme_problems(
            "target_bonus", {"percent": 20, "proration_span": "whole", "day_basis": "hour"}
        )
    ]
    assert sorted(fields) == ["params.day_basis", "params.proration_span"]


BASE = {
    "name": "t",
    "period": {"start": "2026-03-01", "end": "2026-03-31"},
    "schemes": {"s": {"kind": "target_bonus", "params": {"percent": 20, "day_basis": "working"}}},
    "scheme": "s",
}


def person(**extra):
    return {"id": "a", "lines": [{"weight": 100, "fact": 100}], **extra}


def test_scenario_calendar_timesheet_and_salaries():
    scenario = parse(
        {
            **BASE,
            "calendar": {"use": "ru-2026", "days": [{"date": "2026-03-10", "kind": "day_off"}]},
            "employees": [
                person(
                    salaries=[
                        {"from": "2026-03-01", "amount": 50000},
                        {"from": "2026-03-16", "amount": 60000},
                    ],
                    timesheet_hours=100,
                )
            ],
        }
    )
    pay = scenario.employees[0].pay
    assert pay.salary == 60000 and [s.end for s in pay.salaries] == [dt.date(2026, 3, 15), None]
    assert (
        pay.timesheet_hours == 100
        and pay.calendar.working_days(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == 20
    )
    inline = parse(
        {
            **BASE,
            "calendar": {"years": [2026], "days": [{"date": "2026-03-09", "kind": "holiday"}]},
            "employees": [person(salary=1000)],
        }
    )
    assert inline.employees[0].pay.calendar.working_days(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == 21


def test_scenario_mistakes_in_the_new_keys_are_refused_with_their_place():
    with pytest.raises(ScenarioError) as refusal:
        parse(
            {
                **BASE,
                "calendar": {"use": "ru-2099", "dayz": []},
                "employees": [
                    person(
                        salaries=[{"from": "2026-03-16", "amount": 1}, {"from": "2026-03-01", "amount": 2}],
                        timesheet_hours=-1,
                    ),
                    person(salaries=[{"from": "2026-03-01", "amont": 5}]),
                ],
            }
        )
    fields = [p.field for p in refusal.value.problems]
    assert "calendar.use" in fields and "calendar.dayz" in fields
    assert "employees[0].salaries[1].from" in fields and "employees[0].timesheet_hours" in fields
    assert "employees[1].salaries[0].amont" in fields


def test_a_scenario_without_a_calendar_on_working_days_reports_the_problem():
    scenario = parse({**BASE, "employees": [person(salary=1000)]})
    outcome = calculate_batch(scenario.employees, scenario.rounding)[0]
    assert outcome.pay.problems[0].code == "calendar_missing"
    assert "“t” for 2026" in outcome.pay.problems[0].render("en")


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 20),
    st.integers(1, 6),
    st.one_of(st.none(), st.tuples(dates, dates)),
    st.sampled_from(["calendar", "working", "hours"]),
)
def test_by_month_proration_is_the_average_of_each_months_calendar_count(first_month, months, leave, basis):
    start = dt.date(2025 + first_month // 12, first_month % 12 + 1, 1)
    ends = []
    cursor = start
    for _ in range(months):
        cursor = (cursor.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        ends.append(cursor - dt.timedelta(days=1))
    absences = [Absence("sick", min(leave), max(leave))] if leave else []
    factor, _steps = prorate(start, ends[-1], ALWAYS, absences, "proportional", basis, calendar=RU)
    value = {
        "calendar": lambda day: D(1),
        "working": lambda day: D(1) if RU.is_working(day) else D(0),
        "hours": RU.day_hours,
    }[basis]
    shares = []
    month_start = start
    for month_end in ends:
        norm = sum((value(day) for day in _days(month_start, month_end)), D(0))
        worked = sum(
            (
                value(day)
                for day in _days(month_start, month_end)
                if not (leave and min(leave) <= day <= max(leave))
            ),
            D(0),
        )
        shares.append(worked / norm)
        month_start = month_end + dt.timedelta(days=1)
    assert factor == sum(shares, D(0)) / len(shares)


def test_a_period_across_the_new_year_takes_both_calendars():
    scenario = parse(
        {
            **BASE,
            "period": {"start": "2025-12-01", "end": "2026-02-28"},
            "calendar": ["ru-2025", "ru-2026"],
            "schemes": {
                "s": {
                    "kind": "target_bonus",
                    "params": {"percent": 20, "day_basis": "working", "proration_span": "whole_period"},
                }
            },
            "employees": [person(salary=30000, hired="2026-01-12")],
        }
    )
    outcome = calculate_batch(scenario.employees, scenario.rounding)[0]
    # December 2025: 22 working days (31 December a day off), January 2026: 15 (all from 12 January), February: 19 → 56; worked 15 + 19
    assert outcome.pay.proration == D(34) / D(56)
    assert not outcome.pay.problems


def test_equal_cases_with_different_timesheets_are_not_mixed_up():
    may = (dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    first = prorate(*may, ALWAYS, [], "proportional", "hours", calendar=RU, timesheet_hours=D("75.5"))[0]
    second = prorate(*may, ALWAYS, [], "proportional", "hours", calendar=RU, timesheet_hours=D("151"))[0]
    assert (first, second) == (D("75.5") / 151, 1)


def test_a_shortened_day_is_shorter_than_a_working_one():
    from decimal import Decimal

    from motiva.engine.calendar import parse_days

    _days, problems = parse_days(
        [{"date": "2026-03-07", "kind": "shortened", "hours": 24}], "days", Decimal(8)
    )
    assert [p.field for p in problems] == ["days[0].hours"]
    days, problems = parse_days([{"date": "2026-03-07", "kind": "shortened", "hours": 7}], "days", Decimal(8))
    assert not problems and days[0].hours == Decimal(7)
