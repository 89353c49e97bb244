from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "motiva.core"
    label = "core"
    verbose_name = _("Organization and audit")

    def ready(self) -> None:
        from motiva.core import inputs

        inputs.install()  # number fields of every form refuse digits other than 0–9
