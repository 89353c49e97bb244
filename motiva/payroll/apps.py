from django.apps import AppConfig


class PayrollConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "motiva.payroll"
    label = "payroll"
    verbose_name = "Payroll hand-off"
