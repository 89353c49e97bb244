"""The header's search: people, units and indicators, each as far as the viewer may see them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motiva.core import access
from motiva.kpi.models import CardLine, Indicator
from motiva.org.models import Assignment, Employee
from motiva.org.selectors import active_on
from motiva.web.decorators import viewer_required

LIMIT = 30  # of each kind; the page says when there are more


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), max_length=100, strip=True)

    def clean_q(self) -> str:
        text = self.cleaned_data["q"]
        if len(text) < 2 and not text.isdigit():  # a personnel number may be one digit
            raise forms.ValidationError(_("Type at least 2 characters."))
        return text


def _terms(text: str) -> list[str]:
    return [t for t in text.split() if t][:5]


def contains(field: str, term: str) -> Q:
    """`field` contains `term` in any case. SQLite folds only ASCII letters, so the usual spellings of a
    Cyrillic word (as typed, lower case, capitalised, upper case) are asked for too."""
    query = Q()
    for variant in dict.fromkeys((term, term.lower(), term.capitalize(), term.upper())):
        query |= Q(**{f"{field}__icontains": variant})
    return query


def find_people(viewer: access.Viewer, organization: Any, text: str) -> QuerySet[Employee]:
    """People whose card the viewer may open: an employee finds only themselves, a manager their
    subtree, the company-wide roles everyone. Every word must match a name or the personnel number."""
    people = access.employees(viewer, organization)
    for term in _terms(text):
        people = people.filter(
            contains("last_name", term)
            | contains("first_name", term)
            | contains("middle_name", term)
            | Q(personnel_number__iexact=term)
        )
    return people.order_by("last_name", "first_name", "middle_name", "pk")


def find_units(viewer: access.Viewer, organization: Any, text: str) -> QuerySet[Any]:
    units = access.units(viewer, organization)
    for term in _terms(text):
        units = units.filter(contains("name", term) | Q(code__iexact=term))
    return units.order_by("path")


def find_indicators(viewer: access.Viewer, organization: Any, text: str) -> QuerySet[Indicator]:
    """The library for those who read it; for others the indicators on the cards they may open."""
    indicators = Indicator.objects.filter(organization=organization)
    if not (viewer.reads_company(organization.pk) or access.can_configure(viewer, organization.pk)):
        on_cards = CardLine.objects.filter(
            card__employee__in=access.employees(viewer, organization).values("pk"), indicator__isnull=False
        ).values("indicator_id")
        indicators = indicators.filter(pk__in=on_cards)
    for term in _terms(text):
        indicators = indicators.filter(contains("name", term) | Q(code__icontains=term))
    return indicators.order_by("name", "pk")


@viewer_required
def search(request: HttpRequest, org: int) -> HttpResponse:
    viewer = request.viewer
    organization = access.organization_or_404(viewer, org)
    form = SearchForm(request.GET if "q" in request.GET else None)
    context: dict[str, Any] = {
        "organization": organization,
        "form": form,
        "search_q": request.GET.get("q", ""),
    }
    if form.is_valid():
        text = form.cleaned_data["q"]
        people = list(find_people(viewer, organization, text)[: LIMIT + 1])
        today = timezone.localdate()
        jobs = {
            a.employee_id: a
            for a in Assignment.objects.filter(active_on(today), employee__in=[p.pk for p in people])
            .select_related("position", "unit")
            .order_by("start_date")
        }
        units = list(find_units(viewer, organization, text)[: LIMIT + 1])
        indicators = list(find_indicators(viewer, organization, text)[: LIMIT + 1])
        library = viewer.reads_company(organization.pk) or access.can_configure(viewer, organization.pk)
        configure = access.can_configure(viewer, organization.pk)
        org_tree = reverse("org_tree", args=[organization.pk])
        context.update(
            searched=True,
            people=[
                {
                    "employee": p,
                    "assignment": jobs.get(p.pk),
                    "url": reverse("employee_card", args=[organization.pk, p.pk]),
                }
                for p in people[:LIMIT]
            ],
            units=[
                {"unit": u, "url": f"{org_tree}?{urlencode({'q': u.name})}#unit-{u.pk}"}
                for u in units[:LIMIT]
            ],
            indicators=[
                {
                    "indicator": i,
                    "url": reverse("indicator_edit", args=[organization.pk, i.pk])
                    if configure
                    else (
                        reverse("indicators", args=[organization.pk]) + "?" + urlencode({"q": i.code})
                        if library
                        else None
                    ),
                }
                for i in indicators[:LIMIT]
            ],
            more=len(people) > LIMIT or len(units) > LIMIT or len(indicators) > LIMIT,
            limit=LIMIT,
        )
    return render(request, "web/search.html", context)
