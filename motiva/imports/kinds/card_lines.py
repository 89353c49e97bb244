"""The lines of employees' KPI cards for one period (kind "card_lines"): one row per line, keyed by the
personnel number; all rows of one person are that person's whole card for the period, written through the
services of HR's card editor (motiva.web.cards.card_edit): card_replace_lines for a card that exists,
card_create for a person without a card yet (the editor makes it the same way, with the pay scheme of the
position's template in force at the period's start).

The line columns are the card templates importer's (motiva.imports.kinds.templates: the same Field
definitions, the same reading of a row and the same per-line rules of normalize_lines). check() refuses a
person who is unknown, not employed in the period, or the importer themselves (nobody sets their own card),
and an order repeated within a person's rows naming both rows. conclude() applies the rules of the whole
card (weights summing to 100 %, monitoring-only weight 0, ...) to every card the file changes, named by the
person's rows, so the preview shows them; finish() writes the cards, and what the services refuse only
while writing is named the same way (the whole import is then rolled back).

Outcomes per row (a row is a line), against the card's current line of the same «Порядок»: "create" for a
line of a person without a card or a line whose order the card lacks, "change" for a line with other values,
"same" for an identical one. A person whose rows are all "same" and name every order of the card is left
alone, so a re-import changes nothing. A file that only drops lines of a card shows as "same" in the preview
and is counted as one change at apply. The fact confirmer and the gate (not columns) are kept from the card's
line of the same order when it has the same indicator.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.db.models import Q

from motiva.core.access import can_edit_cards
from motiva.core.errors import InvalidInput, problem
from motiva.engine.problems import Problem
from motiva.imports.base import Importer, Planned, RowRef, register
from motiva.imports.kinds import templates as shared
from motiva.imports.kinds.common import Seen, employee_of, personnel_number_field
from motiva.kpi import services
from motiva.kpi.models import Card, CardLine, Indicator, Scale
from motiva.org.models import Assignment, Employee
from motiva.org.selectors import assignment_as_of
from motiva.periods.guards import ensure_open

# The line columns of the card templates importer: all of its columns but the template's own (the same
# keys, names, aliases and help; the order's help speaks of a person's rows, not of a template version).
FIELDS = [
    personnel_number_field(
        "Leading zeros kept; all rows of one number are that person's whole card for the period",
        "Ведущие нули сохраняются; все строки одного номера — вся карта сотрудника на период",
    ),
    *(
        replace(
            item,
            help_en="A whole number 0–32767, unique within a person's rows (the editor numbers lines from 0)",
            help_ru="Целое 0–32767, не повторяется у одного сотрудника (редактор нумерует строки с 0)",
        )
        if item.key == "order"
        else item
        for item in shared.FIELDS
        if item.key not in shared.TEMPLATE_KEYS
    ),
]
# Problems of a whole card the services name by a field of their own -> the column that shows them.
CARD_FIELDS = {"lines.weight": "weight", "card": "personnel_number", "employee": "personnel_number"}


@dataclass
class Person:
    employee: Employee
    card: Card | None
    current: dict[int, CardLine]  # the card's lines by order
    rows: list[int] = field(default_factory=list)  # file row of each line, in file order
    lines: list[dict] = field(default_factory=list)
    all_same: bool = True


def _example(order, indicator, level, weight, scale, threshold="", target="", maximum="") -> dict:
    row = dict.fromkeys([item.key for item in FIELDS], "")
    row.update(
        personnel_number="00017",
        order=order,
        component="показатель",
        indicator=indicator,
        level=level,
        weight=weight,
        scale=scale,
        threshold=threshold,
        target=target,
        maximum=maximum,
    )
    return row


CORRIDOR = "Коридор 75 % … 125 %"


@register
class CardLinesImporter(Importer):
    kind = "card_lines"
    title_en = "Employees' KPI card lines"
    title_ru = "Строки карт KPI сотрудников"
    fields = FIELDS
    needs_period = True
    # The whole card of the demo organization's economist 00017 with other weights (motiva.demo.build).
    examples = [
        _example("0", "EBITDA_PLAN", "компания", "20", CORRIDOR, "900", "1200", "1500"),
        _example("1", "BUDGET_EXEC", "подразделение", "30", CORRIDOR, "90", "100", "105"),
        _example("2", "REPORTS_ON_TIME", "подразделение", "20", CORRIDOR, "90", "100", "110"),
        _example("3", "RECEIVABLES_EXCESS", "подразделение", "10", CORRIDOR, "1200", "800", "400"),
        _example("4", "PERSONAL_EFF", "личный", "20", "Оценка −2 … +2"),
    ]

    @classmethod
    def allowed(cls, viewer, organization) -> bool:
        return can_edit_cards(viewer, organization.pk)  # the card editor's rule: HR

    def begin(self) -> None:
        ensure_open(self.period)  # a closed period's cards are never changed
        org, period = self.organization, self.period
        self.people = {e.personnel_number: e for e in Employee.objects.filter(organization=org)}
        self.employed = set(
            Assignment.objects.filter(
                Q(end_date__isnull=True) | Q(end_date__gte=period.start),
                employee__organization=org,
                start_date__lte=period.end,
            ).values_list("employee_id", flat=True)
        )
        own = (
            Employee.objects.filter(user_id=self.actor.pk, organization=org).first()
            if getattr(self.actor, "pk", None)
            else None
        )
        self.own_id = own.pk if own is not None else None
        self.indicators = {i.code: i for i in Indicator.objects.filter(organization=org)}
        self.scales = {s.name: s for s in Scale.objects.filter(organization=org)}
        self.persons: dict[int, Person] = {}
        self.broken: set[int] = set()  # people with a refused row: their card is not checked as a whole
        self.seen = Seen()
        self.tally = {"create": 0, "change": 0, "same": 0}

    def _person(self, employee: Employee) -> Person:
        """The person's card in the period and its lines by order, read when the file first names them
        (what is read grows with the file, not with the organization)."""
        card = Card.objects.filter(employee=employee, period=self.period).first()
        current: dict[int, CardLine] = {}
        if card is not None:
            for line in card.lines.select_related("indicator", "scale").order_by("order", "id"):
                current.setdefault(line.order, line)
        return Person(employee, card, current)

    def _person_problems(self, person: Employee) -> list[Problem]:
        if person.pk == self.own_id:
            return [
                problem(
                    "own_card",
                    "personnel_number",
                    "Свою собственную карту KPI меняет другой человек",
                    "Someone else changes your own KPI card",
                )
            ]
        if person.pk not in self.employed:
            return [
                problem(
                    "not_employed",
                    "personnel_number",
                    "{e} не работает в периоде «{p}»",
                    "{e} is not employed in the period “{p}”",
                    e=person.full_name,
                    p=self.period.name,
                )
            ]
        return []

    def check(self, values: dict[str, str], ref: RowRef) -> Planned | list:
        problems: list = []
        number, employee = employee_of(values, self.people, problems)
        if employee is not None:
            problems += self._person_problems(employee)
        line = shared.read_line(values, self.indicators, self.scales, problems)
        if not problems:
            problems = shared.line_problems(self.organization, line, ref.number)
            problems += self.seen.check((employee.pk, line["order"]), ref, "order")
        if problems:
            if employee is not None:
                self.broken.add(employee.pk)
            return problems
        person = self.persons.get(employee.pk)
        if person is None:
            person = self.persons[employee.pk] = self._person(employee)
        old = person.current.get(line["order"])
        if old is not None and old.indicator_id == (line["indicator"].pk if line["indicator"] else None):
            for key in shared.KEPT:
                line[key] = getattr(old, key)
        person.rows.append(ref.number)
        person.lines.append(line)
        label = f"{employee.full_name} ({number}), строка {line['order']}"
        if old is None:
            person.all_same = False
            self.tally["create"] += 1
            changes = [
                (shared.LABELS[k], "", shared.show(k, line[k]))
                for k in shared.COMPARED
                if line[k] not in (None, "")
            ]
            return Planned("create", label, changes, employee.pk)
        changes = shared.line_changes(old, line)
        if not changes:
            self.tally["same"] += 1
            return Planned("same", label)
        person.all_same = False
        self.tally["change"] += 1
        return Planned("change", label, changes, employee.pk)

    def apply_batch(self, planned: list[Planned]) -> None:
        """Nothing per row: a card needs all its lines, finish() writes the cards."""

    def _changed(self) -> list[Person]:
        """The people whose card the file changes: not every line the same, or lines dropped."""
        changed = []
        for person in self.persons.values():
            kept = {line["order"] for line in person.lines}
            if person.card is not None and person.all_same and set(person.current) <= kept:
                continue  # the card as it is
            changed.append(person)
        return changed

    def _named(self, found: list[Problem], person: Person) -> list[Problem]:
        where = f"{person.employee.full_name}, {person.employee.personnel_number}"
        return shared.named_problems(found, person.rows, where, where, CARD_FIELDS, "weight")

    def conclude(self) -> list[Problem]:
        """The card editor's rules of the whole card for every card the file changes (known once the last
        row is read, so the preview shows them)."""
        problems: list[Problem] = []
        for person in self._changed():
            if person.employee.pk in self.broken:
                continue  # its rows' own problems are listed; the card's sums would only repeat them
            _, found = services.normalize_lines(self.organization, person.lines)
            problems += self._named(found, person)
        return problems

    def finish(self) -> dict[str, int]:
        todo = self._changed()
        problems: list[Problem] = []
        for person in todo:
            _, found = services.normalize_lines(self.organization, person.lines)
            problems += self._named(found, person)
        if problems:
            raise InvalidInput(problems)
        dropped = sum(1 for person in todo if person.card is not None and person.all_same)
        created = changed = 0
        for person in sorted(todo, key=lambda p: p.employee.pk):
            employee = person.employee
            # As the editor saves: the card read again under a lock, then replaced or made.
            card = Card.objects.select_for_update().filter(employee=employee, period=self.period).first()
            try:
                if card is None:
                    assignment = assignment_as_of(employee, self.period.start) or assignment_as_of(
                        employee, self.period.end
                    )
                    template = (
                        services.template_for(assignment.position, self.period.start) if assignment else None
                    )
                    services.card_create(
                        actor=self.actor,
                        employee=employee,
                        period=self.period,
                        lines=person.lines,
                        scheme=template.scheme if template else None,
                    )
                    created += 1
                else:
                    services.card_replace_lines(
                        actor=self.actor, card=card, lines=person.lines, reason="import"
                    )
                    changed += 1
            except InvalidInput as error:
                problems += self._named(error.problems, person)
        if problems:
            raise InvalidInput(problems)
        return {
            "create": self.tally["create"],
            "change": self.tally["change"] + dropped,
            "same": self.tally["same"] - dropped,
            "cards_created": created,
            "cards_changed": changed,
        }
