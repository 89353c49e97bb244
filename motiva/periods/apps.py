from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeriodsConfig(AppConfig):
    name = "motiva.periods"
    label = "periods"
    verbose_name = _("Periods and values")

    def ready(self) -> None:
        from motiva.periods import signals

        signals.connect()
