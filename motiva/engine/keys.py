"""Strict keys: every key and enumerated value of a parameter set or a scenario is known, or refused
with its place and the nearest valid name ("did you mean `threshold`?"). Nothing is silently ignored."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from motiva.engine.problems import Problem
from motiva.engine.text import text


def nearest(name: str, options: Iterable[str]) -> str | None:
    """The valid name closest to a misspelt one, if any is close enough to be the one meant."""
    found = difflib.get_close_matches(str(name), sorted(options), n=1, cutoff=0.6)
    return found[0] if found else None


def _hint(name: str, options: Iterable[str]) -> tuple[str, str]:
    close = nearest(name, options)
    if close is None:
        listed = ", ".join(sorted(options))
        return f" Допустимо: {listed}.", f" Allowed: {listed}."
    return f" Возможно, имелось в виду «{close}»?", f" Did you mean “{close}”?"


def unknown_keys(raw: Mapping[str, Any], allowed: Collection[str], place: str) -> list[Problem]:
    """A problem for each key of `raw` that is not in `allowed`, placed at `place.key`."""
    problems = []
    for key in raw:
        if key in allowed:
            continue
        ru, en = _hint(str(key), allowed)
        where = f"{place}.{key}" if place else str(key)
        problems.append(
            Problem(
                "unknown_key",
                where,
                text("Неизвестный ключ «{key}».{ru}", "Unknown key “{key}”.{en}", key=key, ru=ru, en=en),
            )
        )
    return problems


def unknown_value(value: Any, allowed: Collection[str], place: str) -> Problem | None:
    """A problem if `value` is not one of `allowed` (an enumerated value: a kind, a direction, a level …)."""
    if isinstance(value, str) and value in allowed:
        return None
    ru, en = _hint(str(value), allowed)
    return Problem(
        "unknown_value",
        place,
        text(
            "Недопустимое значение «{value}».{ru}", "Invalid value “{value}”.{en}", value=value, ru=ru, en=en
        ),
    )
