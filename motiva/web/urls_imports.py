"""Pages of the import (motiva.web.imports), included by motiva.web.urls."""

from django.urls import path

from motiva.web import imports

urlpatterns: list = [
    path("o/<int:org>/imports/", imports.import_list, name="imports"),
    path("o/<int:org>/imports/template/<str:kind>/", imports.import_template, name="import_template"),
    path("o/<int:org>/imports/<int:pk>/", imports.import_job, name="import_job"),
]
