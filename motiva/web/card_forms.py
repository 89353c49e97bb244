"""The forms of the card editor and of applying a template version: every posted or queried value of
these pages is parsed here, so a wrong value is named by its field (and its line) and changes nothing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motiva.kpi.models import CardTemplate, Component, Indicator, Level, PayScheme, Scale
from motiva.org.models import Position
from motiva.periods.models import Period, PeriodStatus
from motiva.web.forms import NumberField

MAX_LINES = 40
# A point as a percent of the plan and a line's gate on a key indicator (see engine.scales / engine.card).
EXTRA_NUMBER_FIELDS = (
    "threshold_percent",
    "target_percent",
    "maximum_percent",
    "gate_threshold",
    "gate_threshold_percent",
    "gate_cut_to",
    "gate_cut_percent",
)
NUMBER_FIELDS = ("weight", "threshold", "target", "maximum", "planned_amount", *EXTRA_NUMBER_FIELDS)
REFERENCE_FIELDS = ("indicator", "scale", "confirmer_position")
LINE_FIELDS = ("component", "label", "level", *REFERENCE_FIELDS, *NUMBER_FIELDS)


class IdChoiceField(forms.ModelChoiceField):
    """A choice of an object by its id; an id that is not a small whole number is simply not a valid
    choice (a 30-digit id would overflow the database's integer before the lookup)."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 18):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(text)


class CardLineForm(forms.Form):
    """One line of the editor, posted as `line-<i>-<field>` (the form's prefix is `line-<i>`)."""

    component = forms.ChoiceField(label=gettext_lazy("Component"), choices=Component.choices, required=False)
    indicator = IdChoiceField(
        label=gettext_lazy("Indicator"), queryset=Indicator.objects.none(), required=False
    )
    label = forms.CharField(label=gettext_lazy("Label"), max_length=300, required=False)
    level = forms.ChoiceField(label=gettext_lazy("Level"), choices=Level.choices)
    scale = IdChoiceField(label=gettext_lazy("Scale"), queryset=Scale.objects.none(), required=False)
    confirmer_position = IdChoiceField(
        label=gettext_lazy("Fact confirmer"), queryset=Position.objects.none(), required=False
    )
    weight = NumberField(label=gettext_lazy("Weight, %"), required=False)
    threshold = NumberField(label=gettext_lazy("Threshold"), required=False)
    target = NumberField(label=gettext_lazy("Plan (target)"), required=False)
    maximum = NumberField(label=gettext_lazy("Maximum"), required=False)
    planned_amount = NumberField(label=gettext_lazy("Planned amount"), required=False)
    threshold_percent = NumberField(label=gettext_lazy("Threshold, % of plan"), required=False)
    target_percent = NumberField(label=gettext_lazy("Target, % of plan"), required=False)
    maximum_percent = NumberField(label=gettext_lazy("Maximum, % of plan"), required=False)
    gate_threshold = NumberField(label=gettext_lazy("Gate threshold"), required=False)
    gate_threshold_percent = NumberField(label=gettext_lazy("Gate threshold, % of plan"), required=False)
    gate_cut_to = NumberField(label=gettext_lazy("Gate: total at most, %"), required=False)
    gate_cut_percent = NumberField(label=gettext_lazy("Gate: total × %"), required=False)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Lines may keep an indicator retired since: every indicator of the organization is accepted.
        self.fields["indicator"].queryset = Indicator.objects.filter(organization=organization)  # type: ignore[attr-defined]
        self.fields["scale"].queryset = Scale.objects.filter(organization=organization)  # type: ignore[attr-defined]
        self.fields["confirmer_position"].queryset = Position.objects.filter(organization=organization)  # type: ignore[attr-defined]

    def row(self) -> dict[str, str]:
        """The line as it was typed, to show it again."""
        return {name: str(self[name].value() or "").strip() for name in LINE_FIELDS}

    def line(self) -> dict[str, Any]:
        """The line as the card services take it."""
        data = self.cleaned_data
        return {
            "component": data.get("component") or Component.INDICATOR,
            "label": data.get("label", ""),
            "level": data.get("level"),
            **{name: data.get(name) for name in REFERENCE_FIELDS},
            **{name: data.get(name) for name in NUMBER_FIELDS},
        }


def posted_lines(
    data: Any, organization: Any
) -> tuple[list[dict[str, str]], list[dict[str, Any]], list[str], list[int]]:
    """The editor's lines as posted: the rows to show again, the lines for the services, the errors
    (each naming its line and field) and the numbers of the lines that have errors."""
    forms_ = [
        CardLineForm(data, prefix=f"line-{index}", organization=organization)
        for index in range(MAX_LINES)
        if f"line-{index}-level" in data
    ]
    errors: list[str] = []
    bad: list[int] = []
    for number, form in enumerate(forms_, start=1):
        if form.is_valid():
            continue
        bad.append(number - 1)
        for name, messages in form.errors.items():
            label = form.fields[name].label if name in form.fields else name
            for message in messages:
                errors.append(
                    _("Line %(n)s, %(field)s: %(error)s") % {"n": number, "field": label, "error": message}
                )
    lines = [form.line() for form in forms_] if not errors else []
    return [form.row() for form in forms_], lines, errors, bad


class TemplateVersionForm(forms.Form):
    """The head of a new template version: from which date, with which pay scheme."""

    valid_from = forms.DateField(
        label=gettext_lazy("In force from"),
        error_messages={"required": gettext_lazy("Enter a date such as 2026-04-01.")},
    )
    scheme = IdChoiceField(
        label=gettext_lazy("Pay scheme"), queryset=PayScheme.objects.none(), required=False
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = PayScheme.objects.filter(organization=organization)  # type: ignore[attr-defined]


class AssignForm(forms.Form):
    """Cards from the template for a period; `confirm` is set once the user has read the warning."""

    period = IdChoiceField(label=gettext_lazy("Period"), queryset=Period.objects.none())
    scope = forms.ChoiceField(
        label=gettext_lazy("Who"),
        choices=[
            ("position", gettext_lazy("everyone holding this position")),
            ("unit", gettext_lazy("everyone in the position's unit and below")),
        ],
        required=False,
    )
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = Period.objects.filter(organization=organization).exclude(  # type: ignore[attr-defined]
            status=PeriodStatus.CLOSED
        )


class CardPageForm(forms.Form):
    """The query of an employee's card editor: the period, and what to copy into it."""

    period = IdChoiceField(queryset=Period.objects.none())
    copy = forms.ChoiceField(
        choices=[("", ""), ("template", "template"), ("previous", "previous")], required=False
    )

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = Period.objects.filter(organization=organization)  # type: ignore[attr-defined]


class CardSaveForm(forms.Form):
    """Besides the lines: why the card changes, and the template version its lines were copied from."""

    reason = forms.CharField(label=gettext_lazy("Reason for the change"), max_length=300, required=False)
    from_template = forms.CharField(max_length=18, required=False)


class VersionChoiceForm(forms.Form):
    """Which version of the position's template the apply page is about (the latest by default)."""

    version = IdChoiceField(
        label=gettext_lazy("Version"), queryset=CardTemplate.objects.none(), required=False
    )

    def __init__(self, *args: Any, position: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = CardTemplate.objects.filter(position=position)  # type: ignore[attr-defined]


class ApplyForm(VersionChoiceForm):
    """The confirmation of applying a version: the cards seen in the preview and its fingerprint, so
    what is applied is exactly what was shown."""

    cards = forms.CharField(label=gettext_lazy("Cards"), required=False, max_length=200_000)
    digest = forms.CharField(label=gettext_lazy("Preview"), max_length=64)
    reason = forms.CharField(label=gettext_lazy("Reason for the change"), max_length=300, required=False)
    confirm = forms.BooleanField(
        label=gettext_lazy("Confirmation"),
        error_messages={"required": gettext_lazy("Tick the box to confirm that the cards are changed.")},
    )

    def clean_cards(self) -> list[int]:
        text = self.cleaned_data.get("cards", "")
        ids = [part for part in text.split(",") if part.strip()]
        if not all(part.strip().isdigit() and len(part.strip()) <= 18 for part in ids):
            raise forms.ValidationError(_("The list of cards is damaged; open the preview again."))
        return [int(part) for part in ids]
