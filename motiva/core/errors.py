"""How services refuse bad input: one exception carrying the engine's problems."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import get_language

from motiva.core import request_context
from motiva.engine.problems import Problem, Severity
from motiva.engine.text import text


class InvalidInput(Exception):
    """Raised by a service before it writes anything; the transaction is rolled back."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        _note_refusals(self.problems)
        super().__init__("; ".join(f"{p.field}: {p.render('en')}" for p in self.problems))

    def messages(self, language: str | None = None) -> list[str]:
        lang = language or get_language() or "ru"
        return [problem.render(lang) for problem in self.problems]

    def as_validation_error(self, language: str | None = None) -> ValidationError:
        """For forms and the admin: problems keyed by the form field they name."""
        lang = language or get_language() or "ru"
        by_field: dict[str, list[str]] = {}
        for problem in self.problems:
            key = problem.field.split(".")[0].split("[")[0] or "__all__"
            by_field.setdefault(key, []).append(problem.render(lang))
        return ValidationError(by_field)


# Problem codes by which a service refuses an action for who asks, not for what was typed: no right to it,
# one's own pay or card, confirming one's own value, approving one's own entry. Such a refusal is logged
# as a denied access (motiva.core.middleware); a 404 or 403 answered by a view is logged there too.
POLICY_REFUSALS = frozenset({"forbidden", "own_pay", "own_card", "self_confirm", "second_approver", "self"})


def _note_refusals(problems: list[Problem]) -> None:
    """A refusal by the access policy (not a typo in a form) is logged as a denied access at the end of
    the request (motiva.core.middleware): the service's transaction is rolled back, the log is not."""
    if request_context.current() is None:
        return
    for item in problems:
        if item.code in POLICY_REFUSALS:
            request_context.note_denied(item.code, item.field)


def raise_if_errors(problems: Iterable[Problem]) -> list[Problem]:
    """Raise on any error; return the warnings so the caller can show them."""
    problems = list(problems)
    if any(problem.severity is Severity.ERROR for problem in problems):
        raise InvalidInput([p for p in problems if p.severity is Severity.ERROR])
    return problems


def problem(code: str, field: str, ru: str, en: str, /, **params: object) -> Problem:
    return Problem(code, field, text(ru, en, **params))
