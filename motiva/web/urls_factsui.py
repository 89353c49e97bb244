"""Pages of one area of the site (included by motiva.web.urls): fact entry, confirmation, and the
period page's group corrections."""

from django.urls import path

from motiva.web import facts, periods

urlpatterns: list = [
    path("o/<int:org>/confirmations/", facts.confirmations, name="confirmations"),
    path(
        "o/<int:org>/periods/<int:pk>/group-corrections/",
        periods.group_correction_add,
        name="group_correction_add",
    ),
    path(
        "o/<int:org>/periods/<int:pk>/group-corrections/<int:correction>/approve/",
        periods.group_correction_approve_view,
        name="group_correction_approve",
    ),
]
