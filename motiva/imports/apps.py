from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "motiva.imports"
    label = "imports"
    verbose_name = _("Import")

    def ready(self) -> None:
        # Registers every importer (motiva/imports/kinds/__init__.py imports each kind's module).
        from motiva.imports import kinds  # noqa: F401
