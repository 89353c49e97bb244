import datetime as dt
import gc
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motiva.calc import adjustments, corrections, runs, selectors, storage, tasks
from motiva.calc.fetch import combine_hashes, fetch_plan, fetch_run_inputs, fetch_slice
from motiva.calc.models import Adjustment, CalculationRun, EmployeeResult, LineOutcome, RunStatus
from motiva.calc.selectors import explain, stored_lines
from motiva.core.errors import InvalidInput
from motiva.kpi import services as kpi
from motiva.kpi.models import CardLine, Scale
from motiva.org import services as org
from motiva.periods import services as periods
from motiva.periods.models import LIFECYCLE, IndicatorValue

pytestmark = pytest.mark.django_db
D = Decimal
MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def setup(actor, organization, structure):
    ratio = kpi.scale_create(
        actor=actor, organization=organization, name="Факт/план", kind="ratio", params={"cap": "150"}
    )
    sales = kpi.indicator_create(actor=actor, organization=organization, code="SALES", name="Продажи")
    calls = kpi.indicator_create(actor=actor, organization=organization, code="CALLS", name="Звонки")
    kpi.indicator_create(actor=actor, organization=organization, code="HEADS", name="Численность")
    kpi.indicator_create(
        actor=actor,
        organization=organization,
        code="PER_HEAD",
        name="Звонки на человека",
        formula="CALLS / HEADS",
    )
    scheme = kpi.scheme_create(
        actor=actor,
        organization=organization,
        name="20 %",
        kind="target_bonus",
        params={"basis": "salary_percent", "percent": "20"},
    )
    template, _ = kpi.card_template_create(
        actor=actor,
        position=structure["specialist"],
        valid_from=dt.date(2026, 1, 1),
        scheme=scheme,
        lines=[
            {"indicator": sales, "weight": "70", "scale": ratio, "target": "100", "level": "unit"},
            {
                "indicator": organization.indicators.get(code="PER_HEAD"),
                "weight": "30",
                "scale": ratio,
                "target": "50",
            },
        ],
    )
    people = [
        org.employee_hire(
            actor=actor,
            organization=organization,
            personnel_number=str(10 + i),
            last_name=f"Сотрудник{i}",
            first_name="Тест",
            hire_date=dt.date(2025, 1, 1),
            position=structure["specialist"],
            salary=D(50000 + 10000 * i),
            manager=structure["boss"],
        )
        for i in range(3)
    ]
    period = periods.period_create(actor=actor, organization=organization, kind="month", start=MARCH)
    for person in people:
        kpi.card_create(actor=actor, employee=person, period=period, template=template)
        periods.value_set(
            actor=actor,
            indicator=calls,
            period=period,
            kind="fact",
            value=D(1000),
            scope="employee",
            employee=person,
        )
        periods.value_set(
            actor=actor,
            indicator=organization.indicators.get(code="HEADS"),
            period=period,
            kind="fact",
            value=D(20),
            scope="employee",
            employee=person,
        )
    periods.value_set(
        actor=actor,
        indicator=sales,
        period=period,
        kind="fact",
        value=D(110),
        scope="unit",
        unit=structure["dept"],
    )
    return {"period": period, "people": people, "sales": sales, "template": template, "structure": structure}


def test_a_run_stores_results_traces_and_a_hash(actor, setup):
    run = runs.calculation_run_create(actor=actor, period=setup["period"])
    assert (run.status, run.progress, run.employees_total) == (RunStatus.DONE, 100, 3)
    assert gc.isenabled()  # paused only while a slice is computed
    result = EmployeeResult.objects.get(run=run, employee=setup["people"][0])
    # 70 % × 110 % + 30 % × (1000 / 20 = 50 → 100 %) = 107 %; 20 % of 50 000 × 107 % = 10 700
    assert result.result == D(107)
    assert result.pay == D("10700")
    per_head = next(line for line in stored_lines(result) if line["indicator"] == "PER_HEAD")
    assert per_head["fact"] == "50"  # computed from its formula before the card used it
    explained = explain(result)
    per_head_steps = next(line["steps"] for line in explained["lines"] if line["indicator"] == "PER_HEAD")
    assert any("факт / план" in step for step in per_head_steps)
    assert "Выполнение = факт / план × 100 | факт = 50; план = 50 | → 100" in per_head_steps
    assert "Целевая премия = 20 % оклада 50\u00a0000 × 1 мес." in explained["components"][0]["steps"][0]
    name_id, amount, steps = result.components[0]  # the name is kept once in the run's catalog
    assert (
        run.trace_templates[name_id] == ["Премия по KPI", "KPI bonus", "bonus"]
        and amount == "10700.00"
        and steps
    )
    assert len(run.input_hash) == 64 and run.engine_version
    # The three cards have the same two lines with the same facts: each line result is stored once and
    # every employee's result refers to it, under its own line key.
    assert LineOutcome.objects.filter(run=run).count() == 2
    keys = {line["key"] for r in EmployeeResult.objects.filter(run=run) for line in r.lines}
    assert len(keys) == 6 and all(set(line) == {"key", "ref"} for line in result.lines)


def test_results_stored_in_the_earlier_format_still_explain_themselves(actor, setup):
    """Before the wording carried the names of its params and inputs, a step held {name: value} and
    [[name, value]], and a pay component its names inline; such results read as they did."""
    run = runs.calculation_run_create(actor=actor, period=setup["period"])
    result = EmployeeResult.objects.select_related("run").get(run=run, employee=setup["people"][0])
    expected = {language: explain(result, language) for language in ("ru", "en")}
    catalog = run.trace_templates

    def earlier(compact):
        wording_id, params, inputs, outcome = compact
        _ru, _en, param_names, input_names = catalog[wording_id]
        return [
            wording_id,
            dict(zip(param_names, params, strict=True)) if params else None,
            [[n, v] for n, v in zip(input_names, inputs, strict=True)] if inputs else None,
            outcome,
        ]

    result.trace = {part: [earlier(s) for s in steps] for part, steps in result.trace.items()}
    result.components = [
        {
            "ru": catalog[name][0],
            "en": catalog[name][1],
            "amount": amount,
            "steps": [earlier(s) for s in steps],
        }
        for name, amount, steps in result.components
    ]
    result.lines = [
        {
            "key": line["key"],
            **{k: v for k, v in stored.items() if k != "steps"},
            "steps": [earlier(s) for s in stored["steps"]],
        }
        for line, stored in zip(result.lines, stored_lines(result), strict=True)
    ]
    result.save()
    CalculationRun.objects.filter(pk=run.pk).update(trace_templates={k: v[:2] for k, v in catalog.items()})
    result = EmployeeResult.objects.select_related("run").get(pk=result.pk)
    assert all("ref" not in line for line in result.lines)
    for language in ("ru", "en"):
        assert explain(result, language) == expected[language]


def test_a_cards_lines_keep_their_place_on_the_card(actor, setup):
    """Lines are read unsorted and put in order per card: by their place on the card, then as created."""
    first, second = setup["people"][:2]
    lines = list(CardLine.objects.filter(card__employee=first, card__period=setup["period"]).order_by("id"))
    CardLine.objects.filter(pk=lines[0].pk).update(
        order=9
    )  # the line created first moves to the end of its card
    run = runs.calculation_run_create(actor=actor, period=setup["period"])
    moved = EmployeeResult.objects.get(run=run, employee=first)
    assert [line["key"] for line in moved.lines] == [str(lines[1].pk), str(lines[0].pk)]
    assert [line["indicator"] for line in stored_lines(moved)] == ["PER_HEAD", "SALES"]
    unchanged = EmployeeResult.objects.get(run=run, employee=second)
    assert [line["indicator"] for line in stored_lines(unchanged)] == ["SALES", "PER_HEAD"]


def test_rerunning_the_same_inputs_gives_the_same_hash_and_results(actor, setup):
    first = runs.calculation_run_create(actor=actor, period=setup["period"])
    second = runs.calculation_run_create(actor=actor, period=setup["period"])
    assert first.input_hash == second.input_hash
    assert second.previous_id == first.pk

    def pairs(run):
        return sorted(EmployeeResult.objects.filter(run=run).values_list("employee_id", "result", "pay"))

    assert pairs(first) == pairs(second)
    assert selectors.run_difference(second) == []


def test_a_changed_fact_makes_a_new_run_that_shows_the_difference(actor, setup):
    first = runs.calculation_run_create(actor=actor, period=setup["period"])
    periods.value_set(
        actor=actor,
        indicator=setup["sales"],
        period=setup["period"],
        kind="fact",
        value=D(120),
        scope="unit",
        unit=setup["structure"]["dept"],
    )
    second = runs.calculation_run_create(actor=actor, period=setup["period"])
    assert second.input_hash != first.input_hash
    difference = selectors.run_difference(second)
    assert len(difference) == 3
    assert difference[0]["pay_delta"] > 0


def test_two_runs_of_one_scope_cannot_run_at_once(actor, setup):
    runs.calculation_run_start(actor=actor, period=setup["period"])
    with pytest.raises(InvalidInput) as refusal:
        runs.calculation_run_start(actor=actor, period=setup["period"])
    assert refusal.value.problems[0].code == "run_in_progress"
    # a different scope may run
    runs.calculation_run_start(actor=actor, period=setup["period"], unit=setup["structure"]["dept"])


def test_a_closed_period_is_never_calculated(actor, setup):
    period = setup["period"]
    for status in LIFECYCLE[1:]:
        periods.period_transition(actor=actor, period=period, to_status=status)
    with pytest.raises(InvalidInput) as refusal:
        runs.calculation_run_create(actor=actor, period=period)
    assert refusal.value.problems[0].code == "period_locked"
    assert not CalculationRun.objects.exists()


def test_fetch_takes_a_fixed_number_of_queries(actor, organization, setup, structure):
    with CaptureQueriesContext(connection) as small:
        inputs = fetch_run_inputs(setup["period"])
    assert len(inputs.employees) == 3
    for i in range(5):
        person = org.employee_hire(
            actor=actor,
            organization=organization,
            personnel_number=f"9{i}",
            last_name="Ещё",
            first_name="Один",
            hire_date=dt.date(2025, 1, 1),
            position=structure["specialist"],
            salary=D(40000),
        )
        kpi.card_create(actor=actor, employee=person, period=setup["period"], template=setup["template"])
    with CaptureQueriesContext(connection) as large:
        inputs = fetch_run_inputs(setup["period"])
    assert len(inputs.employees) == 8
    assert (
        len(small) == len(large) == 15
    )  # the plan's 7 (the calendar) and one slice's 8 (timesheets, lines' percents and gates)


def test_a_unit_scope_calculates_only_that_subtree(actor, organization, setup, structure):
    other_unit = org.unit_create(
        actor=actor, organization=organization, code="X", name="Склад", parent=structure["company"]
    )
    run = runs.calculation_run_create(actor=actor, period=setup["period"], unit=other_unit)
    assert run.employees_total == 0
    run = runs.calculation_run_create(actor=actor, period=setup["period"], unit=structure["dept"])
    assert run.employees_total == 3


def test_the_background_task_runs_on_commit(actor, setup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = tasks.calculation_run_enqueue(actor=actor, period=setup["period"])
    run.refresh_from_db()
    assert run.status == RunStatus.DONE


def test_adjustments_need_a_reason_and_a_second_approver(actor, setup, django_user_model):
    employee = setup["people"][0]
    with pytest.raises(InvalidInput) as refusal:
        adjustments.adjustment_create(
            actor=actor, period=setup["period"], employee=employee, amount=D(1000), reason=" "
        )
    assert refusal.value.problems[0].field == "reason"
    adjustment = adjustments.adjustment_create(
        actor=actor, period=setup["period"], employee=employee, amount=D(1000), reason="Разовая работа"
    )
    run = runs.calculation_run_create(actor=actor, period=setup["period"])
    assert EmployeeResult.objects.get(run=run, employee=employee).pay == D(
        "10700"
    )  # not approved yet: does not count
    with pytest.raises(InvalidInput):
        adjustments.adjustment_approve(actor=actor, adjustment=adjustment)
    finance = django_user_model.objects.create_user(username="finance2", password="x-Secret-123")
    adjustments.adjustment_approve(actor=finance, adjustment=adjustment)
    run = runs.calculation_run_create(actor=actor, period=setup["period"])
    assert EmployeeResult.objects.get(run=run, employee=employee).pay == D("11700")


def test_a_disciplinary_reduction_is_capped_and_never_makes_the_bonus_negative(
    actor, setup, django_user_model
):
    employee = setup["people"][0]
    period = setup["period"]
    adjustment = adjustments.adjustment_create(
        actor=actor,
        period=period,
        employee=employee,
        amount=D(-50000),
        reason="Выговор",
        kind="disciplinary",
        applied_on=period.start,
        order_number="12-к",
    )
    adjustments.adjustment_approve(
        actor=django_user_model.objects.create_user(username="gd", password="x-Secret-123"),
        adjustment=adjustment,
    )
    run = runs.calculation_run_create(actor=actor, period=period)
    result = EmployeeResult.objects.get(run=run, employee=employee)
    # the cap is a fifth of (50 000 + 10 700) = 12 140, more than the bonus of 10 700: the bonus stops at zero
    assert result.pay == D("0")
    assert [p["code"] for p in result.problems] == ["disciplinary_cap", "reduction_above_bonus"]
    steps = " ".join(step for component in explain(result)["components"] for step in component["steps"])
    assert "приказ № 12-к" in steps and "12\u00a0140" in steps and "не применено 1\u00a0440" in steps


def test_a_sanction_needs_its_date_inside_the_period(actor, setup):
    employee, period = setup["people"][0], setup["period"]
    with pytest.raises(InvalidInput) as refused:
        adjustments.adjustment_create(
            actor=actor,
            period=period,
            employee=employee,
            amount=D(-500),
            reason="Выговор",
            kind="disciplinary",
        )
    assert [p.field for p in refused.value.problems] == ["applied_on"]
    with pytest.raises(InvalidInput) as refused:
        adjustments.adjustment_create(
            actor=actor,
            period=period,
            employee=employee,
            amount=D(-500),
            reason="Выговор",
            kind="disciplinary",
            applied_on=period.end + dt.timedelta(days=1),
        )
    assert refused.value.problems[0].code == "outside_period"
    with pytest.raises(InvalidInput) as refused:
        adjustments.adjustment_create(
            actor=actor,
            period=period,
            employee=employee,
            amount=D(-500),
            percent=D(75),
            reason="Выговор",
            kind="disciplinary",
            applied_on=period.start,
        )
    assert refused.value.problems[0].code == "amount_or_percent"
    assert not Adjustment.objects.exists()


def test_a_percent_reduction_takes_its_share_of_the_bonus(actor, setup, django_user_model):
    employee, period = setup["people"][0], setup["period"]
    adjustment = adjustments.adjustment_create(
        actor=actor,
        period=period,
        employee=employee,
        amount=None,
        percent=D(10),
        reason="Замечание",
        kind="disciplinary",
        applied_on=period.end,
    )
    adjustments.adjustment_approve(
        actor=django_user_model.objects.create_user(username="gd", password="x-Secret-123"),
        adjustment=adjustment,
    )
    run = runs.calculation_run_create(actor=actor, period=period)
    assert EmployeeResult.objects.get(run=run, employee=employee).pay == D("10700") - D("1070")


def test_a_group_correction_applies_to_the_unit(actor, setup, django_user_model):
    correction = corrections.group_correction_set(
        actor=actor,
        period=setup["period"],
        unit=setup["structure"]["dept"],
        coefficient=D("0.9"),
        reason="Субъективные оценки выше объективных KPI компании",
    )
    corrections.group_correction_approve(
        actor=django_user_model.objects.create_user(username="gd", password="x-Secret-123"),
        correction=correction,
    )
    run = runs.calculation_run_create(actor=actor, period=setup["period"])
    assert EmployeeResult.objects.get(run=run, employee=setup["people"][0]).pay == D("9630")


def test_a_failed_run_is_marked_with_the_reason(actor, setup, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("диск заполнен")

    monkeypatch.setattr("motiva.calc.pool.calculate_member", explode)
    with pytest.raises(RuntimeError):
        runs.calculation_run_create(actor=actor, period=setup["period"])
    run = CalculationRun.objects.get()
    assert (run.status, run.error) == (RunStatus.FAILED, "диск заполнен")
    assert not EmployeeResult.objects.exists()
    monkeypatch.undo()
    assert (
        runs.calculation_run_create(actor=actor, period=setup["period"]).status == RunStatus.DONE
    )  # a failed run blocks nothing


@pytest.mark.django_db(transaction=True)
def test_worker_processes_give_the_same_results_traces_and_hash(actor, setup, settings, monkeypatch):
    # Quotes, a backslash and a tab survive the workers' COPY text on PostgreSQL.
    awkward = 'Продажи "опт"\\розница\tнал'
    type(setup["sales"]).objects.filter(pk=setup["sales"].pk).update(name=awkward)
    sequential = runs.calculation_run_create(actor=actor, period=setup["period"])
    settings.MOTIVA_CALC_WORKERS = 2
    settings.MOTIVA_CALC_PARALLEL_MIN = 1
    monkeypatch.setattr(
        "motiva.calc.runs.SLICES_PER_WORKER", 10
    )  # one employee a slice: each read and computed in a worker
    parallel = runs.calculation_run_create(actor=actor, period=setup["period"])
    assert parallel.timings["slices"] == 3 and sequential.timings["slices"] == 1
    assert {"total", "plan", "fetch", "compute", "store"} <= set(
        parallel.timings.keys()
    ) and parallel.timings["store"] > 0
    fields = ("employee_id", "result", "pay", "lines", "components", "trace", "problems")
    assert list(
        EmployeeResult.objects.filter(run=sequential).order_by("employee_id").values_list(*fields)
    ) == list(EmployeeResult.objects.filter(run=parallel).order_by("employee_id").values_list(*fields))
    assert parallel.trace_templates == sequential.trace_templates
    assert parallel.input_hash == sequential.input_hash
    assert parallel.progress == 100
    explained = explain(EmployeeResult.objects.get(run=parallel, employee=setup["people"][0]))
    assert explained["components"][0]["steps"]
    assert explained["lines"][0]["title"] == awkward


def test_the_input_hash_does_not_depend_on_slicing(setup):
    plan = fetch_plan(setup["period"])
    whole = fetch_slice(plan)
    ids = plan.employee_ids
    parts = [fetch_slice(plan, ids[0], ids[0]), fetch_slice(plan, ids[1], ids[-1])]
    assert [len(p.employees) for p in parts] == [1, 2]
    assert whole.scale_ids == parts[0].scale_ids == parts[1].scale_ids and whole.scale_ids
    assert combine_hashes(
        plan.hash_total, whole.hash_total, plan.scales_hash(whole.scale_ids)
    ) == combine_hashes(
        plan.hash_total,
        *(p.hash_total for p in parts),
        plan.scales_hash(set().union(*(p.scale_ids for p in parts))),
    )
    assert [e.lines for e in whole.employees] == [e.lines for p in parts for e in p.employees]


def test_a_value_entered_again_gives_the_same_input_hash(actor, setup):
    """What is hashed is what was read, in order; not the database ids of the rows (a value deleted
    and entered again with the same figures gets a new id)."""
    first = runs.calculation_run_create(actor=actor, period=setup["period"])
    person = setup["people"][0]
    values = list(
        IndicatorValue.objects.filter(period=setup["period"], employee=person)
        .select_related("indicator")
        .order_by("id")
    )
    IndicatorValue.objects.filter(pk__in=[v.pk for v in values]).delete()
    for value in values:  # entered again in the same order
        periods.value_set(
            actor=actor,
            indicator=value.indicator,
            period=setup["period"],
            kind=value.kind,
            value=value.value,
            scope="employee",
            employee=person,
        )
    assert not set(IndicatorValue.objects.filter(employee=person).values_list("pk", flat=True)) & {
        v.pk for v in values
    }
    second = runs.calculation_run_create(actor=actor, period=setup["period"])
    assert second.input_hash == first.input_hash


def test_a_stored_trace_shows_texts_as_stored(actor, setup):
    """Stored values come back as numbers only when they were numbers: the proration's month stays 03.2026."""
    run = runs.calculation_run_create(actor=actor, period=setup["period"])
    explained = explain(
        EmployeeResult.objects.select_related("run").get(run=run, employee=setup["people"][0]), "en"
    )
    assert any(step.startswith("03.2026: worked 31 of 31 days") for step in explained["pay"]), explained[
        "pay"
    ]


def test_engine_inputs_are_decimals_with_the_stored_digits_on_every_database(setup):
    """PostgreSQL's numbers are read as text and made Decimals once a text; SQLite's driver gives
    Decimals. Either way the engine gets Decimals with the column's digits."""
    part = fetch_slice(fetch_plan(setup["period"]))
    line = next(line for line in part.employees[0].lines if line.indicator_code == "SALES")
    assert type(line.weight) is Decimal and str(line.weight) == "70.00"
    assert (
        type(line.plan.target) is Decimal
        and str(line.plan.target) == "100.000000"
        and line.plan.threshold is None
    )
    assert str(line.fact) == "110.000000"
    calls = part.employees[0].pay.facts["CALLS"]
    assert type(calls) is Decimal and str(calls) == "1000.000000"
    assert (
        part.employees[0].lines[0].weight is part.employees[1].lines[0].weight
        or connection.vendor != "postgresql"
    )


def test_only_the_scales_the_run_uses_count_in_its_hash(actor, organization, setup):
    first = runs.calculation_run_create(actor=actor, period=setup["period"])
    unused = kpi.scale_create(
        actor=actor, organization=organization, name="Не используется", kind="ratio", params={"cap": "120"}
    )
    second = runs.calculation_run_create(actor=actor, period=setup["period"])
    assert second.input_hash == first.input_hash  # a scale no line uses is not an input
    Scale.objects.filter(pk=unused.pk).update(params={"cap": "130"})
    used = CardLine.objects.filter(card__period=setup["period"]).values_list("scale_id", flat=True).first()
    Scale.objects.filter(pk=used).update(params={"cap": "149"})
    third = runs.calculation_run_create(actor=actor, period=setup["period"])
    assert third.input_hash != first.input_hash


def test_a_line_key_that_needs_escaping_is_stored_as_valid_json():
    """Card line ids need no escaping; any other key is written through the JSON encoder: the stored
    row's lines read back as the keys with their line outcome's reference."""
    import json

    from motiva.engine.batch import EmployeeOutcome
    from motiva.engine.card import calculate_card
    from motiva.engine.money import RoundingPolicy
    from motiva.engine.scales import PlanValues, parse_scale_params
    from motiva.engine.types import CardPolicy, LineInput, ScaleSpec

    scale = ScaleSpec("ratio", parse_scale_params("ratio", {"cap": "200"})[0])
    keys = ["17", 'a "quoted" \\ key']
    lines = [
        LineInput(
            key=key, title="Title", weight=D(50), scale=scale, plan=PlanValues(target=D(100)), fact=D(f)
        )
        for key, f in zip(keys, ("90", "110"), strict=True)
    ]
    card = calculate_card(lines, CardPolicy(), RoundingPolicy())
    encoder = storage.RowEncoder(run_id=1)
    row = dict(
        zip(storage.RESULT_COLUMNS, encoder.row(EmployeeOutcome("1", "Name", card, None), 5), strict=True)
    )
    stored = json.loads(row["lines"])
    assert [line["key"] for line in stored] == keys
    assert {line["ref"] for line in stored} == set(encoder.outcomes)
    assert len(encoder.outcomes) == 2


def _sanction(actor, period, employee, day, amount="-500"):
    return adjustments.adjustment_create(
        actor=actor,
        period=period,
        employee=employee,
        amount=D(amount),
        reason="Выговор",
        kind="disciplinary",
        applied_on=day,
        order_number="5-к",
    )


def test_the_sanctions_of_one_month_belong_to_one_period(actor, organization, setup):
    """Art. 135 part 3 caps the month's sanctions together; the engine caps those of one run, so a March
    sanction in the March period and another in the first quarter are refused at entry."""
    employee, march = setup["people"][0], setup["period"]
    quarter = periods.period_create(
        actor=actor, organization=organization, kind="quarter", start=dt.date(2026, 1, 1)
    )
    _sanction(actor, march, employee, dt.date(2026, 3, 5))
    with pytest.raises(InvalidInput) as refused:
        _sanction(actor, quarter, employee, dt.date(2026, 3, 20))
    [found] = refused.value.problems
    assert (found.code, found.field) == ("sanction_month_elsewhere", "applied_on")
    assert found.render("ru") == (
        f"В марте 2026 у сотрудника уже есть взыскание в периоде «{march.name}»: все снижения за взыскания "
        "одного месяца учитываются в одном периоде (ст. 135 ТК РФ, предел 20 % за месяц)"
    )
    assert "In March 2026" in found.render("en") and march.name in found.render("en")
    assert Adjustment.objects.count() == 1
    # the other way round too: the quarter holds a March sanction, the March period is refused
    other = setup["people"][1]
    _sanction(actor, quarter, other, dt.date(2026, 3, 2))
    with pytest.raises(InvalidInput) as refused:
        _sanction(actor, march, other, dt.date(2026, 3, 31))
    assert quarter.name in refused.value.problems[0].render("ru")
    assert Adjustment.objects.count() == 2


def test_one_month_in_one_period_another_month_or_a_manual_adjustment_elsewhere_is_allowed(
    actor, organization, setup
):
    employee, march = setup["people"][0], setup["period"]
    quarter = periods.period_create(
        actor=actor, organization=organization, kind="quarter", start=dt.date(2026, 1, 1)
    )
    _sanction(actor, march, employee, dt.date(2026, 3, 5))
    _sanction(actor, march, employee, dt.date(2026, 3, 25))  # the same period: the two share one cap
    _sanction(actor, quarter, employee, dt.date(2026, 2, 10))  # February: another month
    adjustments.adjustment_create(
        actor=actor, period=quarter, employee=employee, amount=D(1000), reason="Разовая работа"
    )
    _sanction(actor, quarter, setup["people"][1], dt.date(2026, 3, 10))  # another employee
    assert Adjustment.objects.count() == 5


def test_the_month_rule_applies_only_where_the_cap_is_on(actor, organization, setup):
    employee, march = setup["people"][0], setup["period"]
    organization.disciplinary_cap_enabled = False
    organization.save(update_fields=["disciplinary_cap_enabled"])
    quarter = periods.period_create(
        actor=actor, organization=organization, kind="quarter", start=dt.date(2026, 1, 1)
    )
    march.refresh_from_db()
    _sanction(actor, march, employee, dt.date(2026, 3, 5))
    _sanction(actor, quarter, employee, dt.date(2026, 3, 20))
    assert Adjustment.objects.count() == 2
