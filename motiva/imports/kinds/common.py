"""Helpers shared by the importers: the personnel-number column, numbers, dates, choices and duplicates
within a file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from motiva.core.errors import problem
from motiva.engine.numbers import NotANumber, parse_decimal
from motiva.imports.base import Field, RowRef


def personnel_number_field(
    help_en: str = "Leading zeros kept", help_ru: str = "Ведущие нули сохраняются", *, required: bool = True
) -> Field:
    """The «Табельный номер» column: the person a row is about, read as text (leading zeros kept)."""
    return Field(
        "personnel_number",
        "Personnel number",
        "Табельный номер",
        required=required,
        aliases=("табельный", "таб. номер", "таб номер", "tab number"),
        example="00123",
        help_en=help_en,
        help_ru=help_ru,
    )


def number(values: dict[str, str], key: str, problems: list, *, required: bool = False) -> Decimal | None:
    text = values.get(key, "")
    try:
        value = parse_decimal(text)
    except (NotANumber, ValueError) as error:
        problems.append(problem("number", key, "Не число: {e}", "Not a number: {e}", e=str(error)))
        return None
    if value is None and required:
        problems.append(problem("required", key, "Заполните поле", "This field is required"))
    return value


def date(values: dict[str, str], key: str, problems: list, *, required: bool = False) -> dt.date | None:
    """ДД.ММ.ГГГГ or YYYY-MM-DD."""
    text = values.get(key, "").strip()
    if not text:
        if required:
            problems.append(problem("required", key, "Заполните дату", "Enter the date"))
        return None
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    problems.append(
        problem(
            "date",
            key,
            "«{t}» — не дата (ДД.ММ.ГГГГ или ГГГГ-ММ-ДД)",
            "“{t}” is not a date (DD.MM.YYYY or YYYY-MM-DD)",
            t=text,
        )
    )
    return None


def employee_of(values: dict[str, str], people: dict, problems: list) -> tuple[str, object | None]:
    """The row's personnel number and the organization's person it names (`people`: number -> person),
    or a problem naming the column when it is empty or unknown."""
    number = values.get("personnel_number", "").strip()
    person = people.get(number)
    if not number:
        problems.append(
            problem("required", "personnel_number", "Укажите табельный номер", "Enter the number")
        )
    elif person is None:
        problems.append(
            problem(
                "unknown",
                "personnel_number",
                "Нет сотрудника с табельным номером «{n}»",
                "No employee with personnel number “{n}”",
                n=number,
            )
        )
    return number, person


def fold(text: str) -> str:
    return (text or "").strip().casefold().replace("ё", "е")


def choice(values: dict[str, str], key: str, words: dict[str, str], problems: list, default: str = "") -> str:
    """words: folded Russian/English word -> stored value; an unknown word is refused naming the allowed."""
    text = values.get(key, "")
    if not text.strip():
        return default
    found = words.get(fold(text))
    if found is None:
        allowed = ", ".join(sorted(words))
        problems.append(
            problem(
                "choice",
                key,
                "Значение «{t}» не из списка: {a}",
                "Value “{t}” is not allowed; allowed: {a}",
                t=text,
                a=allowed,
            )
        )
        return default
    return found


def words_for(choices) -> dict[str, str]:
    """TextChoices -> {value, English label, Russian label (folded): value}."""
    from django.utils import translation

    words: dict[str, str] = {}
    for value, label in choices.choices:
        words[fold(value)] = value
        with translation.override("en"):
            words[fold(str(label))] = value
        with translation.override("ru"):
            words[fold(str(label))] = value
    return words


def boolean(values: dict[str, str], key: str, problems: list, default: bool = False) -> bool:
    text = fold(values.get(key, ""))
    if not text:
        return default
    if text in {"да", "yes", "true", "1", "y", "д", "+"}:
        return True
    if text in {"нет", "no", "false", "0", "n", "н", "-"}:
        return False
    problems.append(
        problem("choice", key, "Ожидается «да» или «нет»: «{t}»", "Expected “yes” or “no”: “{t}”", t=text)
    )
    return default


class Seen:
    """Natural keys met in the file so far, with the row that first had each."""

    def __init__(self) -> None:
        self.rows: dict = {}

    def check(self, key, ref: RowRef, field: str) -> list:
        first = self.rows.get(key)
        if first is not None:
            return [
                problem(
                    "duplicate",
                    field,
                    "Повтор: та же запись уже в строке {a}; эта строка {b}",
                    "Duplicate: the same record is already in row {a}; this is row {b}",
                    a=first.number,
                    b=ref.number,
                )
            ]
        self.rows[key] = ref
        return []


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, bool):
        return "да" if value else "нет"
    return str(value)
