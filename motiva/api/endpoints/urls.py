"""The routes of the endpoints (included by motiva.api's url module under /api/v1/)."""

from __future__ import annotations

from django.urls import path

from motiva.api.endpoints import imports, reads, staff, values

urlpatterns = [
    path("units/", reads.UnitList.as_view(), name="units"),
    path("units/<int:pk>/", reads.UnitDetail.as_view(), name="unit"),
    path("people/", reads.PersonList.as_view(), name="people"),
    path("people/<int:pk>/", reads.PersonDetail.as_view(), name="person"),
    path("people/<int:pk>/absences/", staff.PersonAbsences.as_view(), name="person_absences"),
    path("indicators/", reads.IndicatorList.as_view(), name="indicators"),
    path("indicators/<int:pk>/", reads.IndicatorDetail.as_view(), name="indicator"),
    path("scales/", reads.ScaleList.as_view(), name="scales"),
    path("scales/<int:pk>/", reads.ScaleDetail.as_view(), name="scale"),
    path("cards/", reads.CardList.as_view(), name="cards"),
    path("cards/<int:pk>/", reads.CardDetail.as_view(), name="card"),
    path("periods/", reads.PeriodList.as_view(), name="periods"),
    path("periods/<int:pk>/", reads.PeriodDetail.as_view(), name="period"),
    path("periods/<int:pk>/values/", values.PeriodValues.as_view(), name="period_values"),
    path("periods/<int:pk>/timesheets/", staff.PeriodTimesheets.as_view(), name="period_timesheets"),
    path("runs/", reads.RunList.as_view(), name="runs"),
    path("runs/<int:pk>/", reads.RunDetail.as_view(), name="run"),
    path("results/", reads.ResultList.as_view(), name="results"),
    path("results/<int:pk>/", reads.ResultDetail.as_view(), name="result"),
    path("imports/<int:pk>/", imports.ImportJobDetail.as_view(), name="import_job"),
]
