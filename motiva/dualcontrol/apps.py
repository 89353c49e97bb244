from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DualControlConfig(AppConfig):
    name = "motiva.dualcontrol"
    label = "dualcontrol"
    verbose_name = _("Dual control")
