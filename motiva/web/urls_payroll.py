"""Pages of the payroll hand-off (motiva.web.payroll), included by motiva.web.urls."""

from django.urls import path

from motiva.web import payroll

urlpatterns: list = [
    path("o/<int:org>/runs/<int:pk>/payroll/", payroll.payroll_run, name="payroll_run"),
    path("o/<int:org>/runs/<int:pk>/payroll/download/", payroll.payroll_download, name="payroll_download"),
    path("o/<int:org>/payroll/mappings/", payroll.payroll_mappings, name="payroll_mappings"),
]
