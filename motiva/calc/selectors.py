"""Reads of calculation results."""

from __future__ import annotations

from typing import Any

from motiva.calc.models import EmployeeResult
from motiva.engine.trace import expand


def explain(result: EmployeeResult, language: str = "ru") -> dict[str, Any]:
    """The stored trace of one employee's result, rendered step by step in the given language."""
    templates = result.run.trace_templates

    def render(steps: list[Any]) -> list[str]:
        return [expand(s, templates).render(language) for s in steps]

    name = "en" if language.startswith("en") else "ru"
    return {
        "lines": [{**{k: v for k, v in line.items() if k != "steps"}, "steps": render(line["steps"])} for line in result.lines],
        "card": render(result.trace.get("card", [])),
        "components": [{"name": c[name], "amount": c["amount"], "steps": render(c["steps"])} for c in result.components],
        "pay": render(result.trace.get("pay", [])),
        "problems": [p[name] for p in result.problems],
    }
