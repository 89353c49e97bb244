from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from motiva.org import selectors as org_selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    employee = getattr(request.user, "employee", None)
    context = {
        "today": today,
        "employee": employee,
        "assignment": org_selectors.assignment_as_of(employee, today) if employee else None,
        "organizations": org_selectors.organizations_for(request.user),
    }
    return render(request, "web/home.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
