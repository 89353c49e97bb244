"""Reads of calculation results."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from motiva.calc.models import CalculationRun, EmployeeResult, LineOutcome, RunSignature, RunStatus
from motiva.calc.storage import expand_step
from motiva.core.access import CARD_PROBLEM_CODES
from motiva.engine.batch import EmployeeOutcome
from motiva.org.models import Employee
from motiva.periods.models import Period


def stored_lines(result: EmployeeResult) -> list[dict[str, Any]]:
    """The result's lines with their figures and steps: each line's result is stored once a run and
    referred to by the employees' results (one query for the references; results stored before
    that carry their lines whole)."""
    refs = [line["ref"] for line in result.lines if "ref" in line]
    contents = (
        dict(LineOutcome.objects.filter(run_id=result.run_id, ref__in=refs).values_list("ref", "content"))
        if refs
        else {}
    )
    return [{"key": line["key"], **contents[line["ref"]]} if "ref" in line else line for line in result.lines]


def explain(result: EmployeeResult, language: str = "ru", *, show_pay: bool = True) -> dict[str, Any]:
    """The stored trace of one employee's result, rendered step by step in the given language, as a
    reader with or without the right to see pay may see it (`_as_seen`)."""
    templates = result.run.trace_templates

    def render(steps: list[Any]) -> list[str]:
        return [expand_step(s, templates).render(language) for s in steps]

    name = "en" if language.startswith("en") else "ru"
    explained = {
        "lines": [
            {**{k: v for k, v in line.items() if k != "steps"}, "steps": render(line["steps"])}
            for line in stored_lines(result)
        ],
        "card": render(result.trace.get("card", [])),
        "components": [_component(c, templates, name, render) for c in result.components if not _withheld(c)],
        # documented fines withheld from the salary (stored with a fourth element), shown beside the bonus
        "withheld": [_component(c, templates, name, render) for c in result.components if _withheld(c)],
        "pay": render(result.trace.get("pay", [])),
        "result": result.result,
        "total": result.pay,
        "proration": result.proration,
        # a scheme with a fixed part: the fixed pay of the period and what the employee receives, fixed + variable
        "fixed": _decimal(result.trace.get("remuneration", {}).get("fixed")),
        "remuneration": _decimal(result.trace.get("remuneration", {}).get("total")),
    }
    return _as_seen(explained, [(p.get("code", ""), p[name]) for p in result.problems], show_pay)


def _as_seen(explained: dict[str, Any], problems: list[tuple[str, str]], show_pay: bool) -> dict[str, Any]:
    """What a reader may see of an explained result; the one place that decides it. With the right to
    see the employee's pay (`core.access.can_see_pay`): all of it. Without (an auditor, an administrator):
    the lines, scores and the card's steps and only the notes about the card
    (`core.access.CARD_PROBLEM_CODES`), no pay components, amounts or pay steps."""
    if show_pay:
        return {**explained, "problems": [note for _code, note in problems]}
    return {
        **explained,
        "problems": [note for code, note in problems if code in CARD_PROBLEM_CODES],
        "components": [],
        "withheld": [],
        "pay": [],
        "total": None,
        "fixed": None,
        "remuneration": None,
    }


def _withheld(stored: Any) -> bool:
    return isinstance(stored, list) and len(stored) == 4


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _component(stored: Any, templates: dict[str, list[Any]], name: str, render: Any) -> dict[str, Any]:
    """A stored pay component: [name id in the run's catalog, amount, steps] (before: the names inline, as a dict)."""
    if isinstance(stored, dict):
        return {"name": stored[name], "amount": stored["amount"], "steps": render(stored["steps"])}
    name_id, amount, steps = stored[:3]
    return {"name": templates[name_id][0 if name == "ru" else 1], "amount": amount, "steps": render(steps)}


def explain_outcome(
    outcome: EmployeeOutcome, language: str = "ru", *, show_pay: bool = True
) -> dict[str, Any]:
    """A result computed just now (a projection), in the same form as `explain` gives for a stored one."""
    name = "en" if language.startswith("en") else "ru"
    card, pay = outcome.card, outcome.pay

    def text(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    explained = {
        "lines": [
            {
                "key": line.key,
                "title": line.title,
                "level": line.level,
                "weight": str(line.weight),
                "indicator": line.indicator_code,
                "fact": text(line.fact),
                "score": text(line.score),
                "multiplier": text(line.multiplier),
                "weighted": str(line.weighted),
                "steps": [s.render(language) for s in line.steps],
            }
            for line in card.lines
        ],
        "card": [s.render(language) for s in card.steps],
        "components": []
        if pay is None
        else [
            {
                "name": c.name.render(name),
                "amount": str(c.amount),
                "steps": [s.render(language) for s in c.steps],
            }
            for c in pay.components
        ],
        "withheld": []
        if pay is None
        else [
            {
                "name": c.name.render(name),
                "amount": str(c.amount),
                "steps": [s.render(language) for s in c.steps],
            }
            for c in pay.withheld
        ],
        "pay": [] if pay is None else [s.render(language) for s in pay.steps],
        "result": card.total,
        "total": pay.total if pay else None,
        "proration": pay.proration if pay else None,
        "fixed": pay.fixed if pay else None,
        "remuneration": pay.remuneration if pay else None,
    }
    return _as_seen(explained, [(p.code, p.render(name)) for p in outcome.problems], show_pay)


def run_difference(run: CalculationRun) -> list[dict[str, Any]]:
    """Employee by employee: what changed against the previous run of the same period and scope."""
    if run.previous_id is None:
        return []
    before = {
        r["employee_id"]: r
        for r in EmployeeResult.objects.filter(run_id=run.previous_id).values("employee_id", "result", "pay")
    }
    after = {
        r["employee_id"]: r
        for r in EmployeeResult.objects.filter(run=run).values("employee_id", "result", "pay")
    }
    names = dict(Employee.objects.filter(pk__in=before.keys() | after.keys()).values_list("pk", "last_name"))
    changes = []
    for employee_id in sorted(before.keys() | after.keys(), key=lambda pk: names.get(pk, "")):
        old, new = before.get(employee_id), after.get(employee_id)
        if old and new and old["result"] == new["result"] and old["pay"] == new["pay"]:
            continue
        changes.append(
            {
                "employee_id": employee_id,
                "name": names.get(employee_id, ""),
                "result_before": old["result"] if old else None,
                "result_after": new["result"] if new else None,
                "pay_before": old["pay"] if old else None,
                "pay_after": new["pay"] if new else None,
                "pay_delta": (new["pay"] if new else Decimal(0)) - (old["pay"] if old else Decimal(0)),
            }
        )
    return changes


def latest_run(period: Period) -> CalculationRun | None:
    """The run whose results the period's approval is about: the latest finished whole-organization run."""
    return (
        CalculationRun.objects.filter(period=period, unit__isnull=True, status=RunStatus.DONE)
        .order_by("-id")
        .first()
    )


def signatures(run: CalculationRun) -> dict[str, list[RunSignature]]:
    found: dict[str, list[RunSignature]] = defaultdict(list)
    for signature in RunSignature.objects.filter(run=run, revoked_at__isnull=True).select_related(
        "signer", "signer_employee"
    ):
        found[signature.kind].append(signature)
    return dict(found)


def latest_results(period: Period, employee_ids: Any, *, summary: bool = False) -> dict[int, EmployeeResult]:
    """Each employee's result in the latest finished whole-organization run of the period (with
    `summary`, only the figures: not the stored lines and traces)."""
    run = latest_run(period)
    if run is None:
        return {}
    rows = EmployeeResult.objects.filter(run=run, employee_id__in=employee_ids)
    rows = (
        rows.only("id", "run_id", "employee_id", "result", "level_results", "pay")
        if summary
        else rows.select_related("run")
    )
    return {row.employee_id: row for row in rows}
