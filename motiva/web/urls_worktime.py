from django.urls import path

from motiva.web import worktime as views

urlpatterns = [
    path("o/<int:org>/calendar/", views.calendar_page, name="worktime_calendar"),
    path("o/<int:org>/calendar/<int:year>/", views.calendar_page, name="worktime_calendar_year"),
]
