from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "motiva.api"
    label = "api"
    verbose_name = "API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from motiva.api import schema  # noqa: F401  (registers the Bearer key's OpenAPI description)
