"""Bilingual text carried by problems and traces.

The engine cannot use Django's gettext, yet every message must reach the user in Russian and English,
so each message is a pair of templates filled with the same parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Text:
    ru: str
    en: str
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def render(self, language: str = "ru") -> str:
        english = language.startswith("en")
        template = self.en if english else self.ru
        if not self.params:
            return template
        # Numbers as the reader writes them: 17 933,46 reads "17933,46" in Russian, "17933.46" in English.
        return template.format(
            **{
                key: _number(value, not english) if type(value) is Decimal else value
                for key, value in self.params.items()
            }
        )

    def __str__(self) -> str:
        return self.render("ru")


def text(ru: str, en: str, /, **params: Any) -> Text:
    return Text(ru=ru, en=en, params=params)


def _number(value: Decimal, decimal_comma: bool) -> str:
    """A number in a message: no exponent, and a decimal comma for a Russian reader."""
    shown = format(value, "f") if value.is_finite() else str(value)
    return shown.replace(".", ",") if decimal_comma else shown
