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
                "title": line.title, "indicator": line.indicator_code, "level": line.level, "weight": show(line.weight),
                "fact": show(line.fact) if line.fact is not None else None,
                "score": show(line.score) if line.score is not None else None,
                "multiplier": show(line.multiplier) if line.multiplier is not None else None,
                "trace": [s.as_dict() for s in line.steps],
            }
            for line in card.lines
        ],
        "card_trace": [s.as_dict() for s in card.steps],
        "pay": None if outcome.pay is None else {
            "total": show(outcome.pay.total),
            "proration": show(outcome.pay.proration),
            "components": [
                {"name_ru": c.name.render("ru"), "name_en": c.name.render("en"), "amount": show(c.amount), "trace": [s.as_dict() for s in c.steps]}
                for c in outcome.pay.components
            ],
            "trace": [s.as_dict() for s in outcome.pay.steps],
        },
        "problems": [{"code": p.code, "field": p.field, "ru": p.render("ru"), "en": p.render("en"), "severity": p.severity.value}
                     for p in outcome.problems],
    }


def money(value: Decimal, currency: str) -> str:
    whole, _, fraction = f"{value:,.2f}".partition(".")
    return f"{whole.replace(',', ' ')},{fraction} {currency}"


def outcome_text(outcome: EmployeeOutcome, currency: str, language: str = "ru") -> str:
    en = language.startswith("en")
    lines = [f"■ {outcome.name}"]
    for line in outcome.card.lines:
        value = f"× {show(line.multiplier)}" if line.multiplier is not None else f"{show(line.score) if line.score is not None else '—'} %"
        lines.append(f"  • {line.title} [{line.level}, {'weight' if en else 'вес'} {show(line.weight)} %]: {value}")
        lines.extend(f"      {s.render(language)}" for s in line.steps)
    lines.extend(f"  {s.render(language)}" for s in outcome.card.steps)
    if outcome.pay is not None:
        for component in outcome.pay.components:
            lines.append(f"  ₽ {component.name.render(language)}: {money(component.amount, currency)}")
            lines.extend(f"      {s.render(language)}" for s in component.steps)
        lines.extend(f"  {s.render(language)}" for s in outcome.pay.steps)
    for problem in outcome.problems:
        lines.append(f"  ! {problem.field}: {problem.render(language)}")
    return "\n".join(lines)


def summary_table(outcomes: list[EmployeeOutcome], currency: str, language: str = "ru") -> str:
    en = language.startswith("en")
    header = ("Employee", "Result, %", "Pay") if en else ("Сотрудник", "Результат, %", "К выплате")
    rows = [(o.name, show(o.card.total), money(o.pay.total, currency) if o.pay else "—") for o in outcomes]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(3)]
    out = [" | ".join(str(cell).ljust(widths[i]) if i == 0 else str(cell).rjust(widths[i]) for i, cell in enumerate(row)) for row in [header, *rows]]
    out.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(out)
