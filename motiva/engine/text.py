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
        # Numbers as the reader writes them: 17933.46 reads "17 933,46" in Russian, "17,933.46" in English.
        return template.format(
            **{
                key: written(_plain(value), russian=not english) if type(value) is Decimal else value
                for key, value in self.params.items()
            }
        )

    def __str__(self) -> str:
        return self.render("ru")


def text(ru: str, en: str, /, **params: Any) -> Text:
    return Text(ru=ru, en=en, params=params)


def _plain(value: Decimal) -> str:
    return format(value, "f") if value.is_finite() else str(value)


# The thousands separator of each reader, as Django's locale formats write it (a no-break space in Russian).
_GROUP = {True: "\u00a0", False: ","}


def written(number: str, *, russian: bool) -> str:
    """A plain number ("-17933.46", "≈1234.5678") as a reader of that language writes it: digits in
    groups of three from four digits on, and a decimal comma in Russian ("−17 933,46"; "-17,933.46")."""
    sign = number[: len(number) - len(number.lstrip("≈-+"))]
    whole, dot, fraction = number[len(sign) :].partition(".")
    if not whole.isdigit():  # NaN, Infinity: as they are
        return number
    if len(whole) > 3:
        head = len(whole) % 3 or 3
        whole = _GROUP[russian].join([whole[:head], *(whole[i : i + 3] for i in range(head, len(whole), 3))])
    return sign + whole + ((("," if russian else ".") + fraction) if dot else "")
