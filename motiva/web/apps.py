from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "motiva.web"
    label = "web"
    verbose_name = _("Web interface")

    def ready(self) -> None:
        # django-otp registers its devices in the admin, where a superuser could read anyone's TOTP
        # secret (its QR code) and backup codes and so clone their second factor. Motiva keeps them out
        # of the admin; a lost factor is reset by the operator (manage.py otp_reset, docs/security.md).
        from django.contrib import admin
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        for model in (TOTPDevice, StaticDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
