"""Pages of one area of the site (included by motiva.web.urls): the organization and its people."""

from django.urls import path

from motiva.web import staff

urlpatterns: list = [
    path("o/<int:org>/org/", staff.org_tree, name="org_tree"),
    path("o/<int:org>/org/units/new/", staff.unit_new, name="staff_unit_new"),
    path("o/<int:org>/org/units/<int:pk>/", staff.unit_detail, name="staff_unit"),
    path("o/<int:org>/org/units/<int:pk>/absences/", staff.unit_absences, name="staff_unit_absences"),
    path("o/<int:org>/org/positions/new/", staff.position_new, name="staff_position_new"),
    path("o/<int:org>/org/positions/<int:pk>/", staff.position_detail, name="staff_position"),
    path("o/<int:org>/org/grades/", staff.grade_list, name="staff_grades"),
    path("o/<int:org>/org/grades/<int:pk>/", staff.grade_detail, name="staff_grade"),
    path("o/<int:org>/people/", staff.people_list, name="staff_people"),
    path("o/<int:org>/people/new/", staff.hire, name="staff_hire"),
    path("o/<int:org>/people/<int:pk>/", staff.person, name="staff_person"),
    path("invite/<str:uidb64>/<str:token>/", staff.invite_accept, name="staff_invite"),
]
