"""The importer interface: one subclass of Importer per kind of data, registered in REGISTRY.

The framework (motiva.imports.services) reads a file twice: the preview calls begin() and check() for every
row; apply calls begin(), check() again and apply_batch() in batches, all inside one transaction. An importer
never keeps every row in memory: check() returns a small Planned per row and the framework batches them.
An importer that stages (Importer.stages) is read once: apply writes what the preview checked and staged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from motiva.core.models import Role
from motiva.engine.problems import Problem

__all__ = [
    "REGISTRY",
    "Field",
    "Importer",
    "Planned",
    "RowRef",
    "match_header",
    "normalize_header",
    "register",
]


@dataclass(frozen=True)
class Field:
    key: str  # stable machine key ("personnel_number")
    en: str  # header names (also matched: aliases), shown in templates and mapping
    ru: str
    required: bool = False
    aliases: tuple[str, ...] = ()  # more accepted headers (matched case-insensitively, ё = е)
    help_en: str = ""  # instructions sheet text: format, allowed values
    help_ru: str = ""
    example: str = ""  # example row value (the template's example rows); or Importer.examples

    def names(self) -> tuple[str, ...]:
        return (self.key, self.en, self.ru, *self.aliases)


@dataclass(frozen=True)
class RowRef:
    sheet: str  # as SheetRow.sheet ("" for CSV)
    number: int  # as SheetRow.number (1-based)


@dataclass
class Planned:
    outcome: str  # "create" | "change" | "same"
    label: str  # the row's subject in words: "Иванов Иван (00123)"
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field label, old text, new text)
    payload: Any = None  # what apply_batch needs (keep it small: ids and Decimals)
    row: int = 0  # the file's row number (set by the framework)


OUTCOMES = ("create", "change", "same")


class Importer:
    """Subclass per kind and decorate with @register."""

    kind: ClassVar[str] = ""
    title_en: ClassVar[str] = ""
    title_ru: ClassVar[str] = ""
    fields: ClassVar[list[Field]] = []
    examples: ClassVar[list[dict[str, str]]] = []
    needs_period: ClassVar[bool] = False

    @classmethod
    def allowed(cls, viewer, organization) -> bool:
        """Who may import this kind (default: HR of the organization)."""
        return viewer.has(organization.pk, Role.HR)

    def __init__(self, *, organization, actor, viewer, period=None) -> None:
        self.organization = organization
        self.actor = actor
        self.viewer = viewer
        self.period = period

    def begin(self) -> None:
        """Bulk-read the existing state once (dicts keyed by natural key)."""

    def check(self, values: dict[str, str], ref: RowRef) -> Planned | list[Problem]:
        raise NotImplementedError

    def apply_batch(self, planned: list[Planned]) -> None:
        raise NotImplementedError

    def conclude(self) -> list[Problem]:
        """Problems that only every row together shows (a parent named nowhere in the file, a card's
        weights): called after the last row, in the preview and in apply before anything is written."""
        return []

    def finish(self) -> dict[str, int]:
        return {}

    # Staging, for the kinds whose files run to a million rows (plans and facts): the preview keeps its
    # checked rows (stage), and apply writes them in one set-based statement (apply_staged) instead of
    # reading and checking the file again, as long as what the checks read besides the file is unchanged
    # (state_digest, taken after begin() in the preview and after begin_staged() in apply).
    stages: ClassVar[bool] = False

    def begin_staged(self) -> None:
        """Read what state_digest covers (not the existing rows: apply_staged compares with them itself)."""
        raise NotImplementedError

    def state_digest(self) -> str:
        """SHA-256 of everything check() read besides the file's rows and the rows they would change."""
        raise NotImplementedError

    def stage(self, job, planned: list[Planned]) -> None:
        """Keep checked rows (every outcome, "same" included: the stored rows may change before apply)."""
        raise NotImplementedError

    def prepare_apply(self, job) -> None:
        """Called before apply's transaction when the job has staged rows (statistics, say)."""

    def staged_count(self, job) -> int:
        raise NotImplementedError

    @classmethod
    def unstage(cls, job) -> None:
        raise NotImplementedError

    def apply_staged(self, job, write_change) -> dict[str, int]:
        """Write the staged rows that differ from the stored ones; write_change(outcome, subject, field,
        old, new) once per changed cell; return the counts of "create", "change" and "same"."""
        raise NotImplementedError

    # Helpers for the framework and the templates.
    @classmethod
    def field(cls, key: str) -> Field | None:
        for item in cls.fields:
            if item.key == key:
                return item
        return None

    @classmethod
    def example_rows(cls) -> list[dict[str, str]]:
        if cls.examples:
            return list(cls.examples)
        return [{item.key: item.example for item in cls.fields}]


REGISTRY: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    if not cls.kind:
        raise ValueError("An importer needs a kind")
    keys = [item.key for item in cls.fields]
    if len(keys) != len(set(keys)):
        raise ValueError(f"Importer {cls.kind}: field keys repeat")
    REGISTRY[cls.kind] = cls
    return cls


_SPACES = re.compile(r"[\s_]+")


def normalize_header(text: str) -> str:
    """Case-insensitive, ё = е, runs of spaces (and underscores) collapsed, ends stripped."""
    cleaned = (text or "").replace("\u00a0", " ").strip().casefold().replace("ё", "е")
    cleaned = cleaned.rstrip("*:").strip()
    return _SPACES.sub(" ", cleaned)


def match_header(importer: type[Importer], header: str) -> str | None:
    """The field key a header names, or None when it names no field."""
    wanted = normalize_header(header)
    if not wanted:
        return None
    for item in importer.fields:
        if any(normalize_header(name) == wanted for name in item.names()):
            return item.key
    return None
