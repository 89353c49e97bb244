"""The first administrator of a new organization, made by the operator of the installation.

Dual control needs two people; a fresh installation has nobody. The operator (who runs manage.py on
the server) names an existing user; the command refuses once the organization has any role, so it
cannot be used to skip a second person later. The grant is audited as the operator's bootstrap."""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from motiva.core.errors import InvalidInput
from motiva.core.models import Organization
from motiva.dualcontrol.services import bootstrap_admin


class Command(BaseCommand):
    help = "Grant the administrator role to the first user of an organization that has no roles yet."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organization", required=True, help="organization name or id")
        parser.add_argument("--username", required=True, help="an existing, active user")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["organization"]
        organization = (
            Organization.objects.filter(pk=int(name)).first()
            if name.isdigit()
            else Organization.objects.filter(name=name).first()
        )
        if organization is None:
            raise CommandError(f"--organization: no organization “{name}”")
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"--username: no user “{options['username']}”")
        try:
            operator = getpass.getuser()
        except Exception:  # no login name in a container: the audit says so
            operator = "unknown"
        try:
            bootstrap_admin(organization=organization, user=user, operator=operator)
        except InvalidInput as refusal:
            raise CommandError("; ".join(refusal.messages("en"))) from None
        self.stdout.write(f"{user.username} is the administrator of {organization.name}.")
