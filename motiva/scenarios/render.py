"""Plain-text and JSON renderings of calculation outcomes (the CLI and exports share them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from motiva.engine.batch import EmployeeOutcome
from motiva.engine.trace import show


def outcome_dict(outcome: EmployeeOutcome) -> dict[str, Any]:
    card = outcome.card
    return {
        "employee": outcome.key,
        "name": outcome.name,
        "result": show(card.total),
        "level_results": {level: show(value) for level, value in card.level_results.items()},
        "capped": card.capped,
        "lines": [
            {
                "title": line.title,
                "indicator": line.indicator_code,
                "level": line.level,
                "weight": show(line.weight),
                "fact": show(line.fact) if line.fact is not None else None,
                "score": show(line.score) if line.score is not None else None,
                "multiplier": show(line.multiplier) if line.multiplier is not None else None,
                "contribution": show(line.weighted),
                "monitoring_only": line.monitoring_only,
                "gate_open": line.gate_open,
                "trace": [s.as_dict() for s in line.steps],
            }
            for line in card.lines
        ],
        "card_trace": [s.as_dict() for s in card.steps],
        "pay": None
        if outcome.pay is None
        else {
            "total": show(outcome.pay.total),
            "variable": show(outcome.pay.total),
            # a scheme with a fixed part: the fixed pay of the period and what the employee receives (fixed + variable)
            "fixed": show(outcome.pay.fixed) if outcome.pay.fixed is not None else None,
            "remuneration": show(outcome.pay.remuneration) if outcome.pay.remuneration is not None else None,
            "proration": show(outcome.pay.proration),
            "components": [
                {
                    "name_ru": c.name.render("ru"),
                    "name_en": c.name.render("en"),
                    "amount": show(c.amount),
                    "trace": [s.as_dict() for s in c.steps],
                }
                for c in outcome.pay.components
            ],
            "trace": [s.as_dict() for s in outcome.pay.steps],
        },
        "problems": [
            {
                "code": p.code,
                "field": p.field,
                "ru": p.render("ru"),
                "en": p.render("en"),
                "severity": p.severity.value,
            }
            for p in outcome.problems
        ],
    }


def money(value: Decimal, currency: str) -> str:
    whole, _, fraction = f"{value:,.2f}".partition(".")
    return f"{whole.replace(',', ' ')},{fraction} {currency}"


def outcome_text(outcome: EmployeeOutcome, currency: str, language: str = "ru") -> str:
    en = language.startswith("en")
    lines = [f"■ {outcome.name}"]
    for line in outcome.card.lines:
        value = (
            f"× {show(line.multiplier)}"
            if line.multiplier is not None
            else f"{show(line.score) if line.score is not None else '—'} %"
        )
        marks = ""
        if line.monitoring_only:
            marks += ", monitoring only" if en else ", только мониторинг"
        if line.gate_open is not None:
            marks += (
                (", gate passed" if line.gate_open else ", gate closed")
                if en
                else (", ворота пройдены" if line.gate_open else ", ворота закрыты")
            )
        lines.append(
            f"  • {line.title} [{line.level}, {'weight' if en else 'вес'} {show(line.weight)} %{marks}]: {value}"
        )
        lines.extend(f"      {s.render(language)}" for s in line.steps)
    lines.extend(f"  {s.render(language)}" for s in outcome.card.steps)
    if outcome.pay is not None:
        for component in outcome.pay.components:
            lines.append(f"  ₽ {component.name.render(language)}: {money(component.amount, currency)}")
            lines.extend(f"      {s.render(language)}" for s in component.steps)
        lines.extend(f"  {s.render(language)}" for s in outcome.pay.steps)
        if outcome.pay.remuneration is not None and outcome.pay.fixed is not None:
            lines.append(
                f"  = {'Variable pay' if en else 'Переменная часть'}: {money(outcome.pay.total, currency)}; "
                f"{'fixed part' if en else 'постоянная часть'}: {money(outcome.pay.fixed, currency)}; "
                f"{'remuneration' if en else 'вознаграждение'}: {money(outcome.pay.remuneration, currency)}"
            )
    for problem in outcome.problems:
        lines.append(f"  ! {problem.field}: {problem.render(language)}")
    return "\n".join(lines)


def summary_table(outcomes: list[EmployeeOutcome], currency: str, language: str = "ru") -> str:
    en = language.startswith("en")
    header: tuple[str, ...] = (
        ("Employee", "Result, %", "Pay") if en else ("Сотрудник", "Результат, %", "К выплате")
    )
    rows: list[tuple[str, ...]] = [
        (o.name, show(o.card.total), money(o.pay.total, currency) if o.pay else "—") for o in outcomes
    ]
    if any(o.pay is not None and o.pay.remuneration is not None for o in outcomes):
        # A scheme with a fixed part: what the employee receives, fixed + variable.
        header = (*header, "Remuneration" if en else "Вознаграждение")
        rows = [
            (
                *row,
                money(o.pay.remuneration, currency)
                if o.pay is not None and o.pay.remuneration is not None
                else "—",
            )
            for row, o in zip(rows, outcomes, strict=True)
        ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    out = [
        " | ".join(
            str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i]) for i, cell in enumerate(row)
        )
        for row in [header, *rows]
    ]
    out.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(out)
