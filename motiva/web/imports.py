"""The import pages: kinds with their templates, the upload form, the job page (mapping, preview, problems,
apply, progress) and the history. The work is in motiva.imports.services."""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from motiva.core import access
from motiva.core.errors import InvalidInput
from motiva.exports import tabular
from motiva.imports import selectors, services, tasks
from motiva.imports.base import REGISTRY, normalize_header
from motiva.periods.models import Period, PeriodStatus
from motiva.web.decorators import viewer_required
from motiva.web.forms import show_problems

HISTORY_SIZE = 50


def _ru() -> bool:
    return (get_language() or "ru").startswith("ru")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="")
    period = forms.ModelChoiceField(queryset=Period.objects.none(), required=False, label="")
    file = forms.FileField(label="")

    def __init__(self, *args, kinds, organization, **kwargs):
        super().__init__(*args, **kwargs)
        ru = _ru()
        self.fields["kind"].choices = [(c.kind, c.title_ru if ru else c.title_en) for c in kinds]
        self.fields["kind"].label = _("What to import")
        self.fields["period"].label = _("Period")
        self.fields["period"].help_text = _("Needed for plans, facts, timesheet hours and card lines.")
        self.fields["period"].queryset = Period.objects.filter(organization=organization).exclude(
            status=PeriodStatus.CLOSED
        )
        self.fields["file"].label = _("File (XLSX or CSV)")


class TemplateForm(forms.Form):
    format = forms.ChoiceField(choices=[("xlsx", "xlsx"), ("csv", "csv")], required=False)


class PageForm(forms.Form):
    part = forms.ChoiceField(
        choices=[("", ""), ("progress", "progress"), ("changes", "changes")], required=False
    )


def _organization(request: HttpRequest, org: int):
    return access.organization_or_404(request.viewer, org)  # type: ignore[attr-defined]


@viewer_required
def import_list(request: HttpRequest, org: int) -> HttpResponse:
    organization = _organization(request, org)
    viewer = request.viewer  # type: ignore[attr-defined]
    kinds = selectors.kinds_for(viewer, organization)
    if not kinds:
        raise Http404
    form = UploadForm(kinds=kinds, organization=organization)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, kinds=kinds, organization=organization)
        if form.is_valid():
            try:
                job = services.job_create(
                    actor=request.user,
                    viewer=viewer,
                    organization=organization,
                    kind=form.cleaned_data["kind"],
                    period=form.cleaned_data["period"],
                    upload=form.cleaned_data["file"],
                )
            except InvalidInput as error:
                show_problems(request, error)
            else:
                tasks.start(job, "preview", viewer)
                return redirect("import_job", organization.pk, job.pk)
    ru = _ru()
    rows = [
        {"kind": c.kind, "title": c.title_ru if ru else c.title_en, "needs_period": c.needs_period}
        for c in kinds
    ]
    history = selectors.jobs_for(viewer, organization)[:HISTORY_SIZE]
    return render(
        request,
        "web/imports/list.html",
        {"organization": organization, "kinds": rows, "form": form, "history": history},
    )


@viewer_required
def import_template(request: HttpRequest, org: int, kind: str) -> HttpResponse:
    organization = _organization(request, org)
    cls = REGISTRY.get(kind)
    if cls is None or not cls.allowed(request.viewer, organization):  # type: ignore[attr-defined]
        raise Http404
    if tabular.is_cross_site(request):
        return tabular.refused_response()  # as every download: another site gets nothing
    form = TemplateForm(request.GET)
    if not form.is_valid():
        raise Http404
    fmt = form.cleaned_data["format"] or "xlsx"
    ru = _ru()
    headers = [f.ru if ru else f.en for f in cls.fields]
    examples = [[row.get(f.key, "") for f in cls.fields] for row in cls.example_rows()]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(headers)
        writer.writerows(examples)
        body, content_type = buffer.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
    else:
        body, content_type = (
            _template_xlsx(cls, headers, examples),
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="import-{cls.kind}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


def _template_xlsx(cls, headers: list[str], examples: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    data = book.active
    data.title = "Данные"
    data.append(headers)
    for row in examples:
        data.append(row)
    for cell in data[1]:
        cell.number_format = "@"
    for column in data.columns:
        for cell in column:
            cell.number_format = "@"  # text: leading zeros and decimal commas stay as typed
    guide = book.create_sheet("Инструкция")
    guide.append(["Столбец", "Column", "Обязательный / Required", "Формат (рус.)", "Format (en)"])
    for f in cls.fields:
        guide.append([f.ru, f.en, "да / yes" if f.required else "нет / no", f.help_ru, f.help_en])
    guide.append([])
    guide.append(
        [
            "Заполните лист «Данные»; заголовки можно писать по-русски или по-английски. Формулы не принимаются.",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CHANGE_COLUMNS = [
    tabular.Column("outcome", gettext_lazy("Outcome")),
    tabular.Column("subject", gettext_lazy("What")),
    tabular.Column("field", gettext_lazy("Field")),
    tabular.Column("old", gettext_lazy("Was")),
    tabular.Column("new", gettext_lazy("Becomes")),
]


def _change_list(request: HttpRequest, job: Any) -> HttpResponse:
    """The applied import's change list (kept with the job) through the one export renderer: text that
    looks like a formula stays inert, a cross-site request gets nothing."""
    outcomes = {"create": _("created"), "change": _("changed")}
    names = _field_names(REGISTRY[job.kind], _ru())

    def rows() -> Any:
        with job.change_list.open("rb") as handle:
            reader = csv.reader(io.TextIOWrapper(handle, encoding="utf-8-sig", newline=""))
            next(reader, None)  # the stored header
            for outcome, subject, field, old, new in reader:
                yield [outcomes.get(outcome, outcome), subject, names.get(field, field), old, new]

    return tabular.download(
        request, tabular.Table(CHANGE_COLUMNS, rows()), "csv", f"import-{job.pk}-changes", _("Changes")
    )


def _field_names(cls: Any, ru: bool) -> dict[str, str]:
    """Importers name a changed field by its key or by its Russian column name: both -> the column's
    name in the reader's language."""
    names = {}
    for item in cls.fields:
        names[item.key] = names[item.ru] = item.ru if ru else item.en
    return names


def _named_changes(cls: Any, sample: list[dict], ru: bool) -> list[dict]:
    """The preview's changes with each field named in the reader's language."""
    names = _field_names(cls, ru)
    return [
        dict(c, changes=[[names.get(field, field), old, new] for field, old, new in c.get("changes", [])])
        for c in sample
    ]


class MappingForm(forms.Form):
    def __init__(self, *args, cls, headers, mapping, **kwargs):
        super().__init__(*args, **kwargs)
        ru = _ru()
        choices = [("", _("— choose —")), (services.SKIP, _("skip this column"))]
        choices += [(f.key, f.ru if ru else f.en) for f in cls.fields]
        self.columns = []
        for index, header in enumerate(headers):
            norm = normalize_header(header)
            if not norm or any(norm == n for n, _ in self.columns):
                continue
            name = f"c{index}"
            self.fields[name] = forms.ChoiceField(
                choices=choices, required=False, label=header, initial=mapping.get(norm, "")
            )
            self.columns.append((norm, name))

    def mapping(self) -> dict[str, str]:
        return {norm: self.cleaned_data[name] for norm, name in self.columns}


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=[("mapping", ""), ("preview", ""), ("apply", "")])


@viewer_required
def import_job(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    organization = _organization(request, org)
    viewer = request.viewer  # type: ignore[attr-defined]
    job = selectors.job_for(viewer, organization, pk)
    if job is None:
        raise Http404
    cls = REGISTRY.get(job.kind)
    if cls is None or not cls.allowed(viewer, organization):
        raise Http404
    page = PageForm(request.GET)
    if not page.is_valid():
        raise Http404
    headers = services.job_headers(job)
    form = MappingForm(cls=cls, headers=headers, mapping=job.mapping)
    if request.method == "POST":
        action = ActionForm(request.POST)
        if not action.is_valid() or job.running:
            messages.error(request, _("This action is not available now."))
            return redirect("import_job", organization.pk, job.pk)
        if job.created_by_id != request.user.pk:
            # rows are checked with the rights of whoever runs the job and written in the uploader's name
            messages.error(request, _("Only the person who uploaded the file checks and applies it."))
            return redirect("import_job", organization.pk, job.pk)
        chosen = action.cleaned_data["action"]
        try:
            if chosen == "mapping":
                form = MappingForm(request.POST, cls=cls, headers=headers, mapping=job.mapping)
                if form.is_valid():
                    services.mapping_set(actor=request.user, job=job, mapping=form.mapping())
                    tasks.start(job, "preview", viewer)
                    return redirect("import_job", organization.pk, job.pk)
            elif chosen == "preview":
                tasks.start(job, "preview", viewer)
                return redirect("import_job", organization.pk, job.pk)
            elif chosen == "apply" and job.status == "previewed" and not job.problems:
                tasks.start(job, "apply", viewer)
                return redirect("import_job", organization.pk, job.pk)
            else:
                messages.error(request, _("Check the file first and correct every problem."))
                return redirect("import_job", organization.pk, job.pk)
        except InvalidInput as error:
            show_problems(request, error)
    ru = _ru()
    context = {
        "organization": organization,
        "job": job,
        "title": cls.title_ru if ru else cls.title_en,
        "form": form,
        "problems": [dict(p, message=p["ru"] if ru else p["en"]) for p in job.problems],
        "preview": _named_changes(cls, job.preview, ru),
        "before": services.applied_before(job),
        "uploader": job.created_by_id == request.user.pk,
        "can_apply": job.status == "previewed" and not job.problems and job.created_by_id == request.user.pk,
    }
    if page.cleaned_data["part"] == "changes":
        if not job.change_list:
            raise Http404
        return _change_list(request, job)
    if page.cleaned_data["part"] == "progress":
        return render(request, "web/imports/progress.html", context)
    return render(request, "web/imports/job.html", context)
