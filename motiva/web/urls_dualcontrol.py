"""Pages of one area of the site (included by motiva.web.urls): changes awaiting a second person."""

from django.urls import path

from motiva.web import dualcontrol

urlpatterns: list = [
    path("o/<int:org>/change-requests/", dualcontrol.request_list, name="change_requests"),
    path(
        "o/<int:org>/change-requests/<int:pk>/approve/",
        dualcontrol.request_approve,
        name="change_request_approve",
    ),
    path(
        "o/<int:org>/change-requests/<int:pk>/reject/",
        dualcontrol.request_reject,
        name="change_request_reject",
    ),
]
