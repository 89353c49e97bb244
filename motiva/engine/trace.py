"""The trace: how a result came about, step by step, as data.

Each step holds the rule in words (Russian and English), the inputs it used and the outcome. The UI,
exports and the CLI all render the same steps, so an employee can redo the bonus by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from motiva.engine.text import Text, text


def show(value: Any) -> str:
    """A number as a person writes it: no exponent, no trailing zeros."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        normalized = value.normalize()
        return format(normalized, "f")
    return str(value)


@dataclass(frozen=True)
class Step:
    rule: Text
    inputs: tuple[tuple[str, str], ...] = ()
    outcome: str = ""

    def render(self, language: str = "ru") -> str:
        parts = [self.rule.render(language)]
        if self.inputs:
            parts.append("; ".join(f"{name} = {value}" for name, value in self.inputs))
        if self.outcome:
            parts.append(f"→ {self.outcome}")
        return " | ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ru": self.rule.render("ru"),
            "en": self.rule.render("en"),
            "inputs": [list(pair) for pair in self.inputs],
            "outcome": self.outcome,
        }


def step(ru: str, en: str, outcome: Any = "", /, inputs: dict[str, Any] | None = None, **params: Any) -> Step:
    rendered = {key: show(value) for key, value in params.items()}
    return Step(
        rule=text(ru, en, **rendered),
        inputs=tuple((name, show(value)) for name, value in (inputs or {}).items()),
        outcome=show(outcome),
    )
