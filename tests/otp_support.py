"""The second factor in tests.

`client.force_login(user)` stands for a user who has passed both steps of the sign-in, so the
autouse fixture in tests/conftest.py marks such a session as verified by a TOTP device, exactly as
django_otp.login does after a good code. The production rule is untouched: tests of the rule itself
(tests/web/test_otp*.py) sign in through the real login and code pages. Browser tests sign in through
the real pages too: `code_for(user)` gives the current code of the user's test device."""

from __future__ import annotations

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def device_of(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def totp_code(device: TOTPDevice, *, at: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def code_for(user) -> str:
    """A code the user's device accepts now; the test harness forgets the last accepted step first, so
    one test may sign the same user in several times within 30 seconds."""
    device = device_of(user)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    device.refresh_from_db()
    return totp_code(device)


def mark_verified(client, user) -> None:
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device_of(user).persistent_id
    session.save()


def with_second_factor(user):
    """The user as after setting up the second factor: a key they issue from then on is valid
    (motiva.api.tokens refuses a key older than the device of a user who needs one)."""
    device_of(user)
    return user
