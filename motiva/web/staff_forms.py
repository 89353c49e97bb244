"""The forms of the organization and people pages: they parse what was typed; the org services decide
whether it may be written (their refusals land beside the field they name)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from motiva.core.errors import InvalidInput
from motiva.core.models import Role
from motiva.org.models import AbsenceKind, Block, Category, Employee, Grade, Position, Unit
from motiva.web.forms import NumberField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label: Any, required: bool = True, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput(), **kwargs)


def add_problems(form: forms.Form, error: InvalidInput) -> None:
    """A service's refusal beside the fields it names (the rest above the form)."""
    language = get_language() or "ru"
    for problem in error.problems:
        name = problem.field.split(".")[0].split("[")[0]
        form.add_error(name if name in form.fields else None, problem.render(language))


class PersonnelNumberField(forms.CharField):
    """An employee of the organization named by personnel number (empty: nobody)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 30)
        super().__init__(*args, **kwargs)
        self.organization_id: int | None = None

    def clean(self, value: Any) -> Employee | None:  # type: ignore[override]
        number = super().clean(value).strip()
        if not number:
            return None
        person = Employee.objects.filter(
            organization_id=self.organization_id, personnel_number=number
        ).first()
        if person is None:
            raise forms.ValidationError(
                _("No employee with personnel number %(n)s."), code="unknown", params={"n": number}
            )
        return person


class OrgForm(forms.Form):
    """A form whose choices are the objects of one organization."""

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        for field in self.fields.values():
            if isinstance(field, PersonnelNumberField):
                field.organization_id = organization.pk
        if "parent" in self.fields:
            self.fields["parent"].queryset = Unit.objects.filter(organization=organization)  # type: ignore[attr-defined]
        if "unit" in self.fields:
            self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
                organization=organization, closed_from__isnull=True
            )
        if "grade" in self.fields:
            self.fields["grade"].queryset = Grade.objects.filter(organization=organization)  # type: ignore[attr-defined]
        if "position" in self.fields:
            self.fields["position"].queryset = (  # type: ignore[attr-defined]
                Position.objects.filter(organization=organization, unit__closed_from__isnull=True)
                .select_related("unit")
                .order_by("unit__path", "-is_head", "title")
            )


class ActionForm(forms.Form):
    """Which of a page's forms was posted, and the fields of the actions that have no form of their own
    (disable an account, revoke a role, reopen a unit)."""

    action = forms.CharField(max_length=30, required=False)
    reason = forms.CharField(max_length=300, required=False)
    grant = forms.IntegerField(min_value=1, required=False)


def posted_action(request: Any) -> dict[str, Any]:
    if request.method != "POST":
        return {"action": "", "reason": "", "grant": None}
    form = ActionForm(request.POST)
    form.is_valid()
    return {"action": "", "reason": "", "grant": None, **form.cleaned_data}


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:  # type: ignore[override]
        return f"{'· ' * obj.depth}{obj.name} ({obj.code})"


class PositionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Position) -> str:  # type: ignore[override]
        return f"{obj.title} — {obj.unit.name}"


LEVELS = [(n, "N" if n == 0 else f"N-{n}") for n in range(10)]


class UnitForm(OrgForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(label=_("Code"), max_length=40)
    parent = UnitChoiceField(
        label=_("Parent unit"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_(
            "The tree has no dates: a move applies to the past too (calculated runs keep their results). "
            "For a reorganization from a date, create the new unit and transfer the people."
        ),
    )
    block = forms.ChoiceField(label=_("Block"), choices=Block.choices, initial=Block.ADMINISTRATIVE)
    management_level = forms.TypedChoiceField(
        label=_("Management level"),
        choices=[("", _("one below the parent")), *LEVELS],
        coerce=int,
        required=False,
        empty_value=None,
    )
    head = PersonnelNumberField(
        label=_("Head (personnel number)"), help_text=_("Empty: the unit has no head yet.")
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=300, required=False)


class UnitCloseForm(forms.Form):
    closed_from = date_field(_("Closed from"), help_text=_("The first day the unit no longer exists."))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class PositionForm(OrgForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    grade = forms.ModelChoiceField(label=_("Grade"), queryset=Grade.objects.none(), required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, initial=Category.SPECIALIST)
    is_head = forms.BooleanField(label=_("Heads the unit"), required=False)
    monthly_task_hours = forms.IntegerField(
        label=_("Monthly task hours norm"), min_value=0, max_value=744, initial=100
    )
    reason = forms.CharField(label=_("Reason for the change"), max_length=300, required=False)


class GradeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=200)
    salary_min = NumberField(label=_("Salary from"))
    salary_max = NumberField(label=_("Salary to"))


class HireForm(OrgForm):
    personnel_number = forms.CharField(label=_("Personnel number"), max_length=30)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    middle_name = forms.CharField(label=_("Patronymic"), max_length=100, required=False)
    position = PositionChoiceField(label=_("Position"), queryset=Position.objects.none())
    manager = PersonnelNumberField(
        label=_("Manager (personnel number)"), help_text=_("Empty: the head of the position's unit.")
    )
    salary = NumberField(label=_("Monthly salary"))
    fte = NumberField(label=_("FTE"), initial="1", help_text=_("1 = full time, 0,5 = half time."))
    hire_date = date_field(_("Hire date"))
    seniority_start = date_field(
        _("Continuous service since"),
        required=False,
        help_text=_("For seniority allowances; the hire date when empty."),
    )


class ChangeForm(OrgForm):
    """A transfer, a new manager, a salary or FTE change: what is filled in changes from the date."""

    start_date = date_field(_("Effective from"))
    position = PositionChoiceField(
        label=_("New position"),
        queryset=Position.objects.none(),
        required=False,
        empty_label=_("— the same —"),
        help_text=_("Empty: the position stays."),
    )
    manager = PersonnelNumberField(
        label=_("New manager (personnel number)"), help_text=_("Empty: the manager stays.")
    )
    no_manager = forms.BooleanField(label=_("No manager from this date"), required=False)
    salary = NumberField(
        label=_("New monthly salary"), required=False, help_text=_("Empty: the salary stays.")
    )
    fte = NumberField(label=_("New FTE"), required=False, help_text=_("Empty: the FTE stays."))
    reason = forms.CharField(label=_("Reason (order number)"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(
            data.get(name) not in (None, "") for name in ("position", "manager", "salary", "fte")
        ) and not (data.get("no_manager")):
            raise forms.ValidationError(_("Fill in at least one thing that changes."), code="nothing")
        if data.get("no_manager") and data.get("manager"):
            self.add_error("manager", _("Either a new manager or “no manager”, not both."))
        return data


class TerminateForm(forms.Form):
    termination_date = date_field(_("Last working day"))
    reason = forms.CharField(label=_("Reason (order number)"), max_length=300, required=False)


class AbsenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AbsenceKind.choices)
    start_date = date_field(_("From"))
    end_date = date_field(_("To"))
    comment = forms.CharField(label=_("Comment"), max_length=300, required=False)


class InviteForm(forms.Form):
    username = forms.CharField(label=_("Login"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ObserverForm(OrgForm):
    observer = PersonnelNumberField(
        label=_("Observer (personnel number)"),
        required=True,
        help_text=_("A deputy or a functional lead with a user account."),
    )
    start_date = date_field(_("From"))
    end_date = date_field(_("To"), required=False, help_text=_("Empty: until revoked."))
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class ObserverEndForm(forms.Form):
    grant = forms.IntegerField(min_value=1)
    end_date = date_field(_("Ends on"))


STATUSES = [
    ("active", _("working")),
    ("terminated", _("left")),
    ("future", _("starts later")),
    ("all", _("everyone")),
]
SORTS = [
    ("name", _("full name")),
    ("-name", _("name, Z–A")),
    ("number", _("personnel number")),
    ("-number", _("personnel number, descending")),
    ("hired", _("hire date")),
    ("-hired", _("hire date, newest first")),
    ("unit", _("unit")),
    ("-unit", _("unit, descending")),
]


class PeopleFilter(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    unit = forms.IntegerField(label=_("Unit"), required=False, min_value=1)
    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORTS, required=False)
