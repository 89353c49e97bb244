"""Problems: what validators, parsers and the calculation report instead of raising."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from motiva.engine.text import Text


class Severity(StrEnum):
    ERROR = "error"  # blocks the save, the import, the run
    WARNING = "warning"  # shown, does not block


@dataclass(frozen=True)
class Problem:
    code: str
    field: str  # the place: "weight", "lines[3].target", "params.steps[1].score", "row 12, column C"
    message: Text
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def render(self, language: str = "ru") -> str:
        return self.message.render(language)
