"""Pages of one area of the site (included by motiva.web.urls): reading — search."""

from django.urls import path

from motiva.web import search

urlpatterns: list = [
    path("o/<int:org>/search/", search.search, name="search"),
]
