"""Reset a user's second factor without an administrator: the operator of the server runs it (who can
run manage.py already holds the database). The user's authenticator and backup codes stop working at
once (a session verified by them is refused at its next request) and the next sign-in enrols again.
The reset is written to the audit log with the operator's reason."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from motiva.core import audit
from motiva.core.models import AuditAction


class Command(BaseCommand):
    help = "Reset a user's second factor (TOTP and backup codes); the next sign-in enrols again. Audited."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--reason", required=True, help="Why (goes to the audit log), e.g. a ticket number."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reason = options["reason"].strip()
        if not reason:
            raise CommandError("--reason: пустая причина / the reason is empty")
        User = get_user_model()
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"{options['username']}: нет такого пользователя / no such user") from None
        with transaction.atomic():
            totp = TOTPDevice.objects.filter(user=user)
            static = StaticDevice.objects.filter(user=user)
            before = {"totp_devices": str(totp.count()), "backup_code_sets": str(static.count())}
            totp.delete()
            static.delete()
            audit.record(
                actor=None,
                obj=user,
                action=AuditAction.UPDATE,
                before=before,
                after={"totp_devices": "0", "backup_code_sets": "0"},
                reason=f"second factor reset by the operator (manage.py otp_reset): {reason}",
            )
        self.stdout.write(
            f"{user.get_username()}: второй фактор сброшен, при следующем входе — новая настройка / "
            "second factor reset, the next sign-in enrols again"
        )
