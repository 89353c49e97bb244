"""Bilingual text carried by problems and traces.

The engine cannot use Django's gettext, yet every message must reach the user in Russian and English,
so each message is a pair of templates filled with the same parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Text:
    ru: str
    en: str
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def render(self, language: str = "ru") -> str:
        template = self.en if language.startswith("en") else self.ru
        return template.format(**self.params) if self.params else template

    def __str__(self) -> str:
        return self.render("ru")


def text(ru: str, en: str, /, **params: Any) -> Text:
    return Text(ru=ru, en=en, params=params)
