"""Card templates (kind "templates"): one row per template line; rows grouped by (position, valid from),
each group one template version, made through card_template_create (the service the template editor uses).

check() parses each row with the editor's rules: the references are looked up by their natural keys (unit
code + position title, indicator code, scale name, scheme name), each line is checked by
motiva.kpi.services.normalize_lines (the per-line problems, named by the row), and an order repeated within
a group is refused naming both rows. The rules of the whole card (weights summing to 100, the number of
indicators, ...) need every line of the group: check() accumulates the groups and finish() validates each
group with normalize_lines and writes it with card_template_create, whose own refusals (a version date not
after the latest version's, the actor's own position) are named by the group's rows. The preview runs
check() only, so the card-wide problems appear when the import is applied (nothing is written then).

Outcomes per row (a row is a line): "create" for a line of a position without a template or a line whose
order the latest version lacks, "change" for a line differing from the latest version's line of that order
(or a scheme other than the latest version's), "same" for an identical line. A group whose rows are all
"same" and that has every line of the latest version is no new version; any other group makes one version
from its date. A group that only drops lines is seen at apply; finish() then counts its first row as a
change. Columns the file does not carry (the fact confirmer, the gate) are kept from the latest version's
line of the same order when it has the same indicator, the category cap from the latest version. An empty
scheme keeps the latest version's scheme. The editor numbers a card's lines from 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from motiva.core.access import can_edit_cards
from motiva.core.errors import InvalidInput, problem
from motiva.engine.problems import Problem
from motiva.engine.text import Text
from motiva.imports.base import Field, Importer, Planned, RowRef, register
from motiva.imports.kinds.common import Seen, choice, date, number, text, words_for
from motiva.kpi import services
from motiva.kpi.models import CardTemplate, Component, Indicator, Level, PayScheme, Scale
from motiva.org.models import Position

# Control characters (C0, DEL, C1): never part of a line's title (a title is one line of text).
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
NUMBERS = (
    "weight",
    "threshold",
    "target",
    "maximum",
    "threshold_percent",
    "target_percent",
    "maximum_percent",
    "planned_amount",
)
COMPARED = ("component", "indicator", "label", "level", "scale", *NUMBERS)
KEPT = ("confirmer_position", *services.GATE_FIELDS)


def _number_field(key: str, en: str, ru: str, example: str = "", aliases: tuple[str, ...] = ()) -> Field:
    return Field(key, en, ru, aliases=aliases, example=example, help_en="A number", help_ru="Число")


TEMPLATE_KEYS = ("unit", "title", "valid_from", "scheme")  # a template's own columns; the rest are its lines
FIELDS = [
    Field(
        "unit",
        "Unit code",
        "Код подразделения",
        required=True,
        aliases=("unit", "подразделение"),
        example="FIN",
        help_en="With the title: the position",
        help_ru="Вместе с должностью — должность",
    ),
    Field(
        "title",
        "Position",
        "Должность",
        required=True,
        aliases=("title", "position title"),
        example="Экономист",
    ),
    Field(
        "valid_from",
        "Valid from",
        "Действует с",
        required=True,
        aliases=("from", "с даты"),
        example="01.01.2027",
        help_en="DD.MM.YYYY or YYYY-MM-DD; the rows of one position and date are one version",
        help_ru="ДД.ММ.ГГГГ или ГГГГ-ММ-ДД; строки одной должности и даты — одна версия",
    ),
    Field(
        "scheme",
        "Pay scheme",
        "Схема оплаты",
        aliases=("scheme", "схема"),
        example="Трёхуровневая премия",
        help_en="A scheme's name (empty: the latest version's scheme); the same on every row of a version",
        help_ru="Название схемы (пусто — схема последней версии); одна на все строки версии",
    ),
    Field(
        "order",
        "Order",
        "Порядок",
        required=True,
        aliases=("no", "№", "номер"),
        example="0",
        help_en="A whole number 0–32767, unique within a version (the editor numbers lines from 0)",
        help_ru="Целое 0–32767, не повторяется в версии (редактор нумерует строки с 0)",
    ),
    Field(
        "component",
        "Component",
        "Компонент",
        example="показатель",
        help_en="indicator, tasks or assessment (empty: indicator)",
        help_ru="показатель, задачи или оценка (пусто — показатель)",
    ),
    Field(
        "indicator",
        "Indicator code",
        "Код показателя",
        aliases=("indicator", "показатель"),
        example="BUDGET_EXEC",
        help_en="Required for an indicator line",
        help_ru="Обязателен для показателя",
    ),
    Field(
        "label",
        "Label",
        "Название",
        aliases=("название компонента",),
        help_en="Required for tasks and assessment lines",
        help_ru="Обязательно для задач и оценки",
    ),
    Field(
        "level",
        "Level",
        "Уровень",
        example="подразделение",
        help_en="company, unit or personal (empty: personal)",
        help_ru="компания, подразделение или личный (пусто — личный)",
    ),
    _number_field("weight", "Weight, %", "Вес, %", "60", aliases=("weight", "вес")),
    Field(
        "scale",
        "Scale",
        "Шкала",
        example="Коридор 75 % … 125 %",
        help_en="A scale's name",
        help_ru="Название шкалы",
    ),
    _number_field("threshold", "Threshold", "Порог", "90"),
    _number_field(
        "target", "Target", "План", "100", aliases=("plan", "plan (target)", "план (цель)", "цель")
    ),
    _number_field("maximum", "Maximum", "Максимум", "105"),
    _number_field("threshold_percent", "Threshold, % of plan", "Порог, % плана"),
    _number_field("target_percent", "Target, % of plan", "План, % плана"),
    _number_field("maximum_percent", "Maximum, % of plan", "Максимум, % плана"),
    _number_field("planned_amount", "Planned amount", "Плановая сумма"),
]
LABELS = {
    "component": "Компонент",
    "indicator": "Показатель",
    "label": "Название",
    "level": "Уровень",
    "weight": "Вес, %",
    "scale": "Шкала",
    "threshold": "Порог",
    "target": "План",
    "maximum": "Максимум",
    "threshold_percent": "Порог, % плана",
    "target_percent": "План, % плана",
    "maximum_percent": "Максимум, % плана",
    "planned_amount": "Плановая сумма",
    "scheme": "Схема оплаты",
}
COMPONENTS = {
    **words_for(Component),
    "показатель": Component.INDICATOR,
    "kpi": Component.INDICATOR,
    "задачи": Component.TASKS,
    "оценка": Component.ASSESSMENT,
}
LEVELS = {
    **words_for(Level),
    "компания": Level.COMPANY,
    "подразделение": Level.UNIT,
    "личный": Level.PERSONAL,
    "личная": Level.PERSONAL,
    "персональный": Level.PERSONAL,
}


@dataclass
class Group:
    position: Position
    valid_from: object
    scheme: PayScheme | None
    scheme_row: int
    rows: list[int] = field(default_factory=list)  # file row of each line, in file order
    lines: list[dict] = field(default_factory=list)
    all_same: bool = True


def _with_row(p: Problem, key: str, row: int) -> Problem:
    """The problem of a line named by its file row ("Строка 5: ...") and its column's field key."""
    params = dict(p.message.params)
    if "n" in params:
        params["n"] = row
    return Problem(p.code, key, Text(p.message.ru, p.message.en, params), p.severity)


def _escape(value: str) -> str:
    return value.replace("{", "{{").replace("}", "}}")


def _for_rows(p: Problem, rows: list[int], where_ru: str, where_en: str, key: str) -> Problem:
    """A problem of a whole version (or card) named by its rows and where it is."""
    listed = ", ".join(str(r) for r in rows)
    head_ru = f"Строки {listed} ({where_ru}): "
    head_en = f"Rows {listed} ({where_en}): "
    return Problem(
        p.code,
        key,
        Text(_escape(head_ru + p.render("ru")), _escape(head_en + p.render("en"))),
        p.severity,
    )


def lookup(table: dict, values: dict, key: str, ru: str, en: str, problems: list):
    """The object a cell names in `table` (name -> object); an unknown name is a problem naming the
    column and the value; an empty cell is None."""
    name = values.get(key, "").strip()
    if not name:
        return None
    found = table.get(name)
    if found is None:
        problems.append(problem("unknown", key, ru, en, v=name))
    return found


def read_line(values: dict[str, str], indicators: dict, scales: dict, problems: list) -> dict:
    """One card line from a row's cells (order, component, indicator, label, level, scale and the
    numbers), as the card services take it; each unreadable cell adds a problem naming its column."""
    order = number(values, "order", problems, required=True)
    if order is not None and (order != order.to_integral() or not 0 <= order <= 32767):
        problems.append(
            problem(
                "range",
                "order",
                "Порядок — целое от 0 до 32767",
                "The order is a whole number 0 to 32767",
            )
        )
        order = None
    line: dict = {
        "order": int(order) if order is not None else 0,
        "component": choice(values, "component", COMPONENTS, problems, Component.INDICATOR),
        "indicator": lookup(
            indicators,
            values,
            "indicator",
            "Нет показателя с кодом «{v}»",
            "No indicator with code “{v}”",
            problems,
        ),
        "label": values.get("label", "").strip(),
        "level": choice(values, "level", LEVELS, problems, Level.PERSONAL),
        "scale": lookup(scales, values, "scale", "Нет шкалы «{v}»", "No scale “{v}”", problems),
    }
    if len(line["label"]) > 300:
        problems.append(problem("too_long", "label", "Не длиннее 300 знаков", "At most 300 characters"))
    elif control := CONTROL.search(line["label"]):
        # A line's title is shown on the card and names its pay component in runs and payroll files.
        problems.append(
            problem(
                "control_character",
                "label",
                "Название содержит управляющий символ (код {code})",
                "The title contains a control character (code {code})",
                code=f"U+{ord(control.group()):04X}",
            )
        )
    for key in NUMBERS:
        line[key] = number(values, key, problems)
    return line


def line_problems(organization, line: dict, row: int) -> list[Problem]:
    """The card editor's rules for one line (motiva.kpi.services.normalize_lines), each problem named
    by the file row and its column's field key; the rules of the whole card wait for every line."""
    _, found = services.normalize_lines(organization, [line])
    problems = [
        _with_row(p, p.field.split(".", 1)[1], row)
        for p in found
        if p.is_error and p.field.startswith("lines[0].")
    ]
    return [p if p.field in LABELS else Problem(p.code, "order", p.message) for p in problems]


def show(key, value) -> str:
    """A line's value as the preview shows it."""
    if value is None:
        return ""
    if key == "indicator":
        return value.code
    if key in ("scale", "scheme"):
        return value.name
    if key == "component":
        return str(Component(value).label)
    if key == "level":
        return str(Level(value).label)
    return text(value)


def line_changes(old, line: dict) -> list[tuple[str, str, str]]:
    """(label, old, new) of every compared value in which a stored line (a template's or a card's)
    differs from a line read from the file; an empty value and None are the same."""
    return [
        (LABELS[k], show(k, getattr(old, k)), show(k, line[k]))
        for k in COMPARED
        if getattr(old, k) != line[k] and not (getattr(old, k) in (None, "") and line[k] in (None, ""))
    ]


def named_problems(
    found: list[Problem], rows: list[int], where_ru: str, where_en: str, fields: dict[str, str], default: str
) -> list[Problem]:
    """The errors of a whole card (or template version) named by its file rows and where (“«Аналитик»
    с 01.06.2026”): a line's problem by that line's row and column, another by `fields` (the
    problem's field -> the column's key) or `default`."""
    named = []
    for p in found:
        if not p.is_error:
            continue
        head, _, rest = p.field.partition(".")
        if head.startswith("lines[") and head.endswith("]") and head[6:-1].isdigit():
            index = int(head[6:-1])
            key = rest if rest in LABELS else "order"
            named.append(_for_rows(_with_row(p, key, rows[index]), rows, where_ru, where_en, key))
        else:
            key = fields.get(p.field, default)
            named.append(_for_rows(p, rows, where_ru, where_en, key))
    return named


@register
class TemplatesImporter(Importer):
    kind = "templates"
    title_en = "Card templates"
    title_ru = "Шаблоны карт KPI"
    fields = FIELDS
    # The demo organization's economist (motiva.demo.build): a new version of their three-level card.
    examples = [
        {
            "unit": "FIN",
            "title": "Экономист",
            "valid_from": "01.01.2027",
            "scheme": "Трёхуровневая премия",
            "order": "0",
            "component": "показатель",
            "indicator": "EBITDA_PLAN",
            "label": "",
            "level": "компания",
            "weight": "20",
            "scale": "Коридор 75 % … 125 %",
            "threshold": "900",
            "target": "1200",
            "maximum": "1500",
            "threshold_percent": "",
            "target_percent": "",
            "maximum_percent": "",
            "planned_amount": "",
        },
        {
            "unit": "FIN",
            "title": "Экономист",
            "valid_from": "01.01.2027",
            "scheme": "Трёхуровневая премия",
            "order": "1",
            "component": "показатель",
            "indicator": "BUDGET_EXEC",
            "label": "",
            "level": "подразделение",
            "weight": "50",
            "scale": "Коридор 75 % … 125 %",
            "threshold": "90",
            "target": "100",
            "maximum": "105",
            "threshold_percent": "",
            "target_percent": "",
            "maximum_percent": "",
            "planned_amount": "",
        },
        {
            "unit": "FIN",
            "title": "Экономист",
            "valid_from": "01.01.2027",
            "scheme": "Трёхуровневая премия",
            "order": "2",
            "component": "показатель",
            "indicator": "PERSONAL_EFF",
            "label": "",
            "level": "личный",
            "weight": "30",
            "scale": "Оценка −2 … +2",
            "threshold": "",
            "target": "",
            "maximum": "",
            "threshold_percent": "",
            "target_percent": "",
            "maximum_percent": "",
            "planned_amount": "",
        },
    ]

    @classmethod
    def allowed(cls, viewer, organization) -> bool:
        return can_edit_cards(viewer, organization.pk)  # the template editor's rule: HR

    def begin(self) -> None:
        org = self.organization
        self.positions = {
            (p.unit.code, p.title): p
            for p in Position.objects.filter(organization=org).select_related("unit")
        }
        self.indicators = {i.code: i for i in Indicator.objects.filter(organization=org)}
        self.scales = {s.name: s for s in Scale.objects.filter(organization=org)}
        self.schemes = {s.name: s for s in PayScheme.objects.filter(organization=org)}
        self.latest: dict[int, CardTemplate] = {}
        self.latest_lines: dict[int, dict[int, object]] = {}
        for template in (
            CardTemplate.objects.filter(organization=org)
            .select_related("scheme")
            .order_by("position_id", "version")
        ):
            self.latest[template.position_id] = template
        for template in self.latest.values():
            self.latest_lines[template.position_id] = {
                line.order: line for line in template.lines.select_related("indicator", "scale")
            }
        self.groups: dict[tuple, Group] = {}
        self.seen = Seen()
        self.tally = {"create": 0, "change": 0, "same": 0}

    def check(self, values: dict[str, str], ref: RowRef) -> Planned | list:
        problems: list = []
        unit_code, title = values.get("unit", "").strip(), values.get("title", "").strip()
        position = None
        if not unit_code:
            problems.append(problem("required", "unit", "Укажите код подразделения", "Enter the unit code"))
        if not title:
            problems.append(problem("required", "title", "Укажите должность", "Enter the position"))
        if unit_code and title:
            position = self.positions.get((unit_code, title))
            if position is None:
                problems.append(
                    problem(
                        "unknown",
                        "title",
                        "Нет должности «{t}» в подразделении с кодом «{c}»",
                        "No position “{t}” in the unit with code “{c}”",
                        t=title,
                        c=unit_code,
                    )
                )
        valid_from = date(values, "valid_from", problems, required=True)
        scheme = lookup(
            self.schemes, values, "scheme", "Нет схемы оплаты «{v}»", "No pay scheme “{v}”", problems
        )
        line = read_line(values, self.indicators, self.scales, problems)
        if problems:
            return problems
        # The editor's rules for one line (the card-wide ones wait for the whole group: see conclude()).
        problems = line_problems(self.organization, line, ref.number)
        problems += self.seen.check((position.pk, valid_from, line["order"]), ref, "order")
        group_key = (position.pk, valid_from)
        group = self.groups.get(group_key)
        latest = self.latest.get(position.pk)
        if scheme is None and group is None:
            scheme = latest.scheme if latest else None
        if group is not None:
            given = values.get("scheme", "").strip()
            if given and scheme != group.scheme:
                problems.append(
                    problem(
                        "scheme_differs",
                        "scheme",
                        "Строки {a} и {b}: у одной версии шаблона одна схема оплаты",
                        "Rows {a} and {b}: one template version has one pay scheme",
                        a=group.scheme_row,
                        b=ref.number,
                    )
                )
            scheme = group.scheme
        if problems:
            return problems
        if group is None:
            group = self.groups[group_key] = Group(position, valid_from, scheme, ref.number)
        old = self.latest_lines.get(position.pk, {}).get(line["order"])
        if old is not None and old.indicator_id == (line["indicator"].pk if line["indicator"] else None):
            for key in KEPT:
                line[key] = getattr(old, key)
        group.rows.append(ref.number)
        group.lines.append(line)
        label = f"{position.title} ({position.unit.name}) с {text(valid_from)}, строка {line['order']}"
        if old is None:
            group.all_same = False
            self.tally["create"] += 1
            changes = [(LABELS[k], "", show(k, line[k])) for k in COMPARED if line[k] not in (None, "")]
            return Planned("create", label, changes, group_key)
        changes = line_changes(old, line)
        if latest is not None and len(group.rows) == 1 and latest.scheme != group.scheme:
            changes.append((LABELS["scheme"], show("scheme", latest.scheme), show("scheme", scheme)))
        if not changes:
            self.tally["same"] += 1
            return Planned("same", label)
        group.all_same = False
        self.tally["change"] += 1
        return Planned("change", label, changes, group_key)

    def apply_batch(self, planned: list[Planned]) -> None:
        """Nothing per row: a version needs all its lines, finish() writes the groups."""

    def conclude(self) -> list[Problem]:
        """The card-wide rules of the editor (weights summing to 100 %, the number of lines) for every
        version the file changes: known once its last row is read, so the preview shows them too."""
        problems: list[Problem] = []
        for group in self.groups.values():
            latest_orders = set(self.latest_lines.get(group.position.pk, {}))
            if group.all_same and latest_orders <= {line["order"] for line in group.lines}:
                continue  # the latest version as it is
            _, found = services.normalize_lines(self.organization, group.lines)
            problems += self._named(found, group)
        return problems

    def finish(self) -> dict[str, int]:
        problems: list[Problem] = []
        todo: list[Group] = []
        dropped = 0
        for group in self.groups.values():
            latest_orders = set(self.latest_lines.get(group.position.pk, {}))
            if group.all_same and latest_orders <= {line["order"] for line in group.lines}:
                continue  # the latest version as it is
            if group.all_same:
                dropped += 1  # only lines dropped: the first row counts as the version's change
            _, found = services.normalize_lines(self.organization, group.lines)
            problems += self._named(found, group)
            todo.append(group)
        if problems:
            raise InvalidInput(problems)
        versions = 0
        for group in sorted(todo, key=lambda g: (g.position.pk, g.valid_from)):
            Position.objects.select_for_update().filter(pk=group.position.pk).first()  # as the editor does
            try:
                services.card_template_create(
                    actor=self.actor,
                    position=group.position,
                    valid_from=group.valid_from,
                    lines=group.lines,
                    scheme=group.scheme,
                    category_cap=self.latest[group.position.pk].category_cap
                    if group.position.pk in self.latest
                    else "",
                )
            except InvalidInput as error:
                problems += self._named(error.problems, group)
            else:
                versions += 1
        if problems:
            raise InvalidInput(problems)
        return {
            "create": self.tally["create"],
            "change": self.tally["change"] + dropped,
            "same": self.tally["same"] - dropped,
            "versions": versions,
        }

    @staticmethod
    def _named(found: list[Problem], group: Group) -> list[Problem]:
        return named_problems(
            found,
            group.rows,
            f"«{group.position.title}» с {text(group.valid_from)}",
            f"“{group.position.title}” from {text(group.valid_from)}",
            {"lines.weight": "weight", "valid_from": "valid_from", "scheme": "scheme", "position": "title"},
            "weight",
        )
