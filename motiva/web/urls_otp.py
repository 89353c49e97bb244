"""The second factor's pages (motiva.web.otp); SecondFactorMiddleware leaves everything under otp/ open."""

from django.urls import path

from motiva.web import otp

urlpatterns = [
    path("otp/", otp.otp_verify, name="otp_verify"),
    path("otp/setup/", otp.otp_setup, name="otp_setup"),
]
