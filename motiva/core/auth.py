"""Authentication: the demo accounts' public passwords only open the door while MOTIVA_DEMO is on."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

DEMO_GROUP = "demo"


class MotivaModelBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return settings.MOTIVA_DEMO or not user.groups.filter(name=DEMO_GROUP).exists()
