"""Pages of one area of the site (included by motiva.web.urls)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
