"""Loading a scenario file into the database, through the services, as a new organization."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth import get_user_model
from django.db import transaction

from motiva.calc.adjustments import adjustment_approve, adjustment_create
from motiva.core.errors import InvalidInput, problem
from motiva.core.models import Organization
from motiva.engine.calendar import WorkCalendar
from motiva.engine.money import from_config
from motiva.engine.types import PayRules
from motiva.kpi import services as kpi
from motiva.kpi.models import Indicator
from motiva.org import services as org
from motiva.org.models import Category, Employee, Unit
from motiva.periods import services as periods
from motiva.periods.models import IndicatorValue, Period, Scope, ValueKind
from motiva.scenarios.loader import parse
from motiva.worktime import services as worktime
from motiva.worktime.models import CalendarDay, CalendarYear

KIND_BY_MONTHS = {1: "month", 3: "quarter", 6: "half_year", 12: "year"}


@transaction.atomic
def load_scenario(path: str | Path, *, actor: Any, name: str | None = None) -> tuple[Organization, Period]:
    """Everything or nothing: the scenario is validated as `simulate` does, then written by the services."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    scenario = parse(raw)  # raises ScenarioError naming the place of any problem
    if not scenario.employees:
        raise InvalidInput(
            [problem("empty", "employees", "В сценарии нет сотрудников", "The scenario has no employees")]
        )
    first = scenario.employees[0].pay
    months = first.months
    if months not in KIND_BY_MONTHS:
        raise InvalidInput(
            [
                problem(
                    "period",
                    "period",
                    "Период должен быть месяцем, кварталом, полугодием или годом",
                    "The period must be a month, a quarter, a half-year or a year",
                )
            ]
        )
    rounding = scenario.rounding
    organization = org.organization_create(
        actor=actor,
        name=name or scenario.name or Path(path).stem,
        currency=scenario.currency,
        rounding_mode=rounding.mode,
        score_places=rounding.score_places,
        money_places=rounding.money_places,
        round_per_line=rounding.line_rounding != "none",
        line_rounding="contribution" if rounding.line_rounding == "contribution" else "score",
        fiscal_year_start_month=first.period_start.month if months == 12 else 1,
        time_places=rounding.time_places,
        time_rounding_mode=rounding.time_mode,
        calendars=list(scenario.calendar_codes),
        **_pay_rule_fields(scenario.rules),
    )
    _install_calendar(actor, organization, scenario.calendar)
    period = periods.period_create(
        actor=actor, organization=organization, kind=KIND_BY_MONTHS[months], start=first.period_start
    )
    scales = {
        key: kpi.scale_create(
            actor=actor,
            organization=organization,
            name=key,
            kind=spec["kind"],
            params=_plain(spec.get("params", {})),
        )
        for key, spec in (raw.get("scales") or {}).items()
    }
    schemes = {
        key: kpi.scheme_create(
            actor=actor,
            organization=organization,
            name=key,
            kind=spec["kind"],
            params=_plain(spec.get("params", {})),
        )
        for key, spec in (raw.get("schemes") or {}).items()
    }
    indicators: dict[str, Indicator] = {}

    def indicator(code: str) -> Indicator:
        if code not in indicators:
            spec = (raw.get("indicators") or {}).get(code)
            indicators[code] = kpi.indicator_create(
                actor=actor,
                organization=organization,
                code=code,
                name=(spec or {}).get("name", code),
                direction=(spec or {}).get("direction", "higher"),
                monitoring_only=spec is None or (spec or {}).get("monitoring_only") is True,
            )
        return indicators[code]

    for code in raw.get("indicators") or {}:
        indicator(code)
    root = org.unit_create(actor=actor, organization=organization, code="ROOT", name=organization.name)
    units: dict[tuple[str, str], Unit] = {}
    grades: dict[str, Any] = {}
    values: dict[tuple[str, str], dict[str, Any]] = {}

    def put(
        code: str,
        scope: str,
        unit: Unit | None,
        employee: Employee | None,
        value: Decimal | None,
        level_code: str = "",
    ) -> None:
        key = (code, _scope_key(scope, unit, employee))
        existing = values.get(key)
        if existing and (existing["value"], existing["level_code"]) != (value, level_code):
            raise InvalidInput(
                [
                    problem(
                        "conflict",
                        f"facts.{code}",
                        "Разные факты «{c}» для одного подразделения",
                        "Different facts of “{c}” for one unit",
                        c=code,
                    )
                ]
            )
        values[key] = {
            "indicator": indicator(code),
            "period": period,
            "kind": ValueKind.FACT,
            "value": value,
            "level_code": level_code,
            "scope": scope,
            "unit": unit,
            "employee": employee,
        }

    for index, (calc, person) in enumerate(zip(scenario.employees, raw.get("employees") or [], strict=True)):
        pay = calc.pay
        unit_key = (calc.unit or "main", pay.block or "administrative")
        if unit_key not in units:
            units[unit_key] = org.unit_create(
                actor=actor,
                organization=organization,
                code=f"U{len(units) + 1}",
                name=calc.unit or "Подразделение",
                parent=root,
                block=unit_key[1],
            )
        unit = units[unit_key]
        grade = None
        if pay.grade:
            if pay.grade not in grades:
                grades[pay.grade] = org.grade_create(
                    actor=actor,
                    organization=organization,
                    code=pay.grade,
                    name=pay.grade,
                    salary_min=Decimal(0),
                    salary_max=Decimal(10) ** 9,
                )
            grade = grades[pay.grade]
        category = pay.category if pay.category in Category.values else Category.SPECIALIST
        position = org.position_create(
            actor=actor,
            unit=unit,
            title=str(person.get("position", calc.name)),
            grade=grade,
            category=category,
        )
        span = pay.employment[0]
        seniority_start = (
            period.end - dt.timedelta(days=int(pay.seniority_years * Decimal("365.25")))
            if pay.seniority_years
            else None
        )
        employee = org.employee_hire(
            actor=actor,
            organization=organization,
            personnel_number=str(index + 1),
            last_name=calc.name,
            first_name="—",
            hire_date=min(span.start, period.start) if span.start <= period.start else span.start,
            position=position,
            salary=pay.salaries[0].amount if pay.salaries else pay.salary,
            fte=span.fte,
            seniority_start=seniority_start,
        )
        for salary in pay.salaries[1:]:  # a salary changed inside the period: a new assignment from its date
            org.assignment_change(
                actor=actor,
                employee=employee,
                start_date=salary.start,
                salary=salary.amount,
                reason="scenario",
            )
        if pay.timesheet_hours is not None:
            worktime.timesheet_set(actor=actor, period=period, employee=employee, hours=pay.timesheet_hours)
        if span.end is not None:
            org.employee_terminate(actor=actor, employee=employee, termination_date=span.end)
        for absence in pay.absences:
            org.absence_create(
                actor=actor,
                employee=employee,
                kind=absence.kind,
                start_date=absence.start,
                end_date=absence.end,
            )
        lines = []
        for line, line_raw in zip(calc.lines, _lines_raw(raw, person), strict=True):
            row: dict[str, Any] = {
                "component": line.component,
                "level": line.level,
                "weight": line.weight,
                "threshold": line.plan.threshold,
                "target": line.plan.target,
                "maximum": line.plan.maximum,
                "planned_amount": line.planned_amount,
                "label": line.title if line.component != "indicator" else "",
                "threshold_percent": line.plan.threshold_percent,
                "target_percent": line.plan.target_percent,
                "maximum_percent": line.plan.maximum_percent,
                "scale": scales.get(line_raw.get("scale")) if line_raw.get("scale") else None,
            }
            if line.gate is not None:
                row |= {
                    "gate_threshold": line.gate.threshold,
                    "gate_threshold_percent": line.gate.threshold_percent,
                    "gate_cut_to": line.gate.cut_to,
                    "gate_cut_percent": line.gate.cut_percent,
                }
            if line.indicator_code:
                row["indicator"] = indicator(line.indicator_code)
            lines.append(row)
        card, _warnings = kpi.card_create(
            actor=actor,
            employee=employee,
            period=period,
            lines=lines,
            scheme=schemes.get(calc.scheme.name) if calc.scheme else None,
        )
        for stored, line in zip(card.lines.order_by("order", "id"), calc.lines, strict=True):
            if not line.indicator_code:
                if line.fact is not None:
                    kpi.component_score_set(actor=actor, card_line=stored, value=line.fact)
                continue
            if line.fact is None and not line.level_code:
                continue
            scope = {"company": Scope.COMPANY, "unit": Scope.UNIT}.get(line.level, Scope.EMPLOYEE)
            put(
                line.indicator_code,
                scope,
                unit if scope == Scope.UNIT else None,
                employee if scope == Scope.EMPLOYEE else None,
                line.fact,
                line.level_code,
            )
        for code, value in {**pay.facts, **pay.flags}.items():
            if (code, _scope_key(Scope.EMPLOYEE, None, employee)) not in values:
                put(code, Scope.EMPLOYEE, None, employee, value)
        for adjustment in calc.adjustments:
            entered = adjustment_create(
                actor=actor,
                period=period,
                employee=employee,
                amount=adjustment.amount,
                percent=adjustment.percent,
                reason=adjustment.reason,
                kind=adjustment.kind,
                applied_on=adjustment.date,
                order_number=adjustment.order,
            )
            adjustment_approve(actor=_second_person(), adjustment=entered)
    for unit_name, facts in scenario.unit_facts.items():
        unit = next((u for (name, _block), u in units.items() if name == unit_name), None)
        if unit is None:
            continue
        for code, value in facts.items():
            put(code, Scope.UNIT, unit, None, value)
    periods.values_load(actor=actor, rows=list(values.values()))
    return organization, period


def _install_calendar(actor: Any, organization: Organization, calendar: WorkCalendar | None) -> None:
    """The scenario's calendar in the database: its shipped years are installed already; inline years
    and days (corrections of the shipped ones) are added through the services HR uses."""
    if calendar is None:
        return
    years = {year.year: year for year in CalendarYear.objects.filter(organization=organization)}
    for year in sorted(calendar.years - years.keys()):
        years[year] = worktime.calendar_year_create(
            actor=actor, organization=organization, year=year, hours_per_day=calendar.hours_per_day
        )
    stored = {
        (day.date, day.kind, day.hours)
        for day in CalendarDay.objects.filter(calendar__organization=organization)
    }
    for day in calendar.days.values():
        if (day.date, day.kind, day.hours) not in stored and day.date.year in years:
            worktime.calendar_day_set(
                actor=actor,
                calendar=years[day.date.year],
                date=day.date,
                kind=day.kind,
                hours=day.hours,
                note=day.note,
            )


def _pay_rule_fields(rules: PayRules) -> dict[str, Any]:
    """The scenario's pay rules as the organization's settings."""
    fields: dict[str, Any] = {
        "disciplinary_cap_enabled": rules.disciplinary_cap is not None,
        "disciplinary_base": rules.disciplinary_base,
        "ktu_min": rules.ktu_min,
        "ktu_max": rules.ktu_max,
        "ktu_step": rules.ktu_step,
    }
    if rules.disciplinary_cap is not None:
        fields["disciplinary_cap_percent"] = rules.disciplinary_cap
    return fields


def _second_person() -> Any:
    """The scenario's adjustments are approved, as in the file, by a second person: a user of its own
    with no password and no roles, who can sign in nowhere."""
    user, created = get_user_model().objects.get_or_create(
        username="scenario-approver", defaults={"first_name": "Сценарий"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _scope_key(scope: str, unit: Unit | None, employee: Employee | None) -> str:
    return IndicatorValue.make_scope_key(scope, unit.pk if unit else None, employee.pk if employee else None)


def _lines_raw(raw: dict[str, Any], person: dict[str, Any]) -> list[dict[str, Any]]:
    return list(person.get("lines") or (raw.get("templates") or {}).get(person.get("template", ""), []))


def _plain(value: Any) -> Any:
    """YAML floats become exact strings before they are stored as JSON parameters."""
    if isinstance(value, float):
        return str(from_config(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
