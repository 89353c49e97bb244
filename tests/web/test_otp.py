"""The second factor, through the real sign-in pages (no force_login here: force_login stands for a
session that has already passed both steps, see tests/otp_support.py)."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from motiva.core.models import AuditEvent
from tests.otp_support import totp_code

pytestmark = pytest.mark.django_db
PASSWORD = "x-Secret-123"


def sign_in(client, username: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD}, **extra)


def enrol(client, user) -> TOTPDevice:
    """Password, then the enrolment page with a good code; returns the confirmed device."""
    assert sign_in(client, user.username)["Location"].startswith(reverse("otp_setup"))
    client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("otp_setup"), {"code": totp_code(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_hr_must_enrol_before_any_page_and_the_api_refuses(client, cast):
    response = sign_in(client, "hr")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))
    for path in (reverse("home"), reverse("periods", args=[cast["company"].pk]), "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("otp_setup")), path
    assert client.get("/api/v1/anything/").status_code == 403
    # what stays open: the code pages, healthz, the language switch, sign-out
    assert client.get(reverse("otp_setup")).status_code == 200
    assert client.get(reverse("healthz")).status_code in (200, 503)
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302


def test_htmx_request_of_an_unverified_session_is_sent_to_the_code_page(client, cast):
    sign_in(client, "hr")
    response = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("otp_setup"))


@pytest.mark.parametrize("username", ["hr", "fin", "admin"])
def test_the_roles_that_need_it(client, cast, username):
    assert sign_in(client, username)["Location"].startswith(reverse("otp_setup"))


@pytest.mark.parametrize("username", ["anna", "boss", "gd", "auditor"])
def test_other_roles_sign_in_with_the_password_alone(client, cast, username):
    response = sign_in(client, username)
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert not TOTPDevice.objects.filter(user=cast["users"][username]).exists()


def test_enrolment_shows_a_qr_code_the_secret_and_backup_codes(client, cast):
    user = cast["users"]["hr"]
    sign_in(client, "hr")
    page = client.get(reverse("otp_setup")).content.decode()
    assert "<svg" in page and 'data-testid="otp-qr"' in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    import base64

    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    # reloading keeps the same secret (the app may have scanned it already)
    client.get(reverse("otp_setup"))
    assert TOTPDevice.objects.filter(user=user).count() == 1

    assert (
        client.post(
            reverse("otp_setup"), {"code": "000000" if totp_code(device) != "000000" else "111111"}
        ).status_code
        == 400
    )
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    response = client.post(reverse("otp_setup"), {"code": totp_code(device)})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(codes) == 10
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(codes)
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(
        entity_type="otp_totp.TOTPDevice", actor=user, reason="second factor enrolled"
    ).exists()
    # enrolled: the setup page does not hand out a second device
    assert client.get(reverse("otp_setup"))["Location"] == reverse("home")


def test_every_sign_in_asks_for_a_code_and_a_code_is_accepted_once(client, cast):
    user = cast["users"]["hr"]
    device = enrol(client, user)
    client.post(reverse("logout"))
    response = sign_in(client, "hr")
    assert response["Location"].startswith(reverse("otp_verify"))
    assert client.get(reverse("home")).status_code == 302
    # the code that enrolled the device (same 30-second step) is refused: replay
    device.refresh_from_db()
    replay = totp_code(device, at=device.last_t * device.step + 1)
    response = client.post(reverse("otp_verify"), {"code": replay})
    assert response.status_code == 400
    assert client.get(reverse("home")).status_code == 302
    # the next step's code passes (within the tolerance of one step)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    fresh = totp_code(device, at=(device.last_t + 1) * device.step + 1)
    response = client.post(reverse("otp_verify"), {"code": fresh, "next": reverse("my_card")})
    assert response.status_code == 302 and response["Location"] == reverse("my_card")
    assert client.get(reverse("home")).status_code == 200
    # and then it is spent too: a new session cannot reuse it
    other = client_class_new()
    sign_in(other, "hr")
    assert other.post(reverse("otp_verify"), {"code": fresh}).status_code == 400


def client_class_new():
    from django.test import Client

    return Client()


def test_wrong_codes_are_throttled(client, cast):
    user = cast["users"]["hr"]
    device = enrol(client, user)
    client.post(reverse("logout"))
    sign_in(client, "hr")
    good = totp_code(device, at=(device.last_t + 1) * device.step + 1)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = client.post(reverse("otp_verify"), {"code": wrong})
    assert response.status_code == 400
    # right after a wrong code even the right one is not checked: the device waits first
    with_en = {"HTTP_ACCEPT_LANGUAGE": "en"}
    response = client.post(reverse("otp_verify"), {"code": good}, **with_en)
    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert client.get(reverse("home")).status_code == 302
    # each wrong code doubles the wait
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=2)
    )
    client.post(reverse("otp_verify"), {"code": wrong})
    device.refresh_from_db()
    assert device.throttling_failure_count == 2
    ok, info = device.verify_is_allowed()
    assert not ok and info["locked_until"] - device.throttling_failure_timestamp == dt.timedelta(seconds=2)
    # once the wait is over the right code passes and the count starts again
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=5)
    )
    assert client.post(reverse("otp_verify"), {"code": good}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert client.get(reverse("home")).status_code == 200


def test_a_backup_code_works_once(client, cast):
    user = cast["users"]["fin"]
    enrol(client, user)
    code = StaticToken.objects.filter(device__user=user).first().token
    client.post(reverse("logout"))
    sign_in(client, "fin")
    assert client.post(reverse("otp_verify"), {"code": code.upper()}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 9
    client.post(reverse("logout"))
    sign_in(client, "fin")
    assert client.post(reverse("otp_verify"), {"code": code}).status_code == 400
    assert client.get(reverse("home")).status_code == 302


def test_an_unsafe_next_is_ignored(client, cast):
    user = cast["users"]["hr"]
    device = enrol(client, user)
    client.post(reverse("logout"))
    sign_in(client, "hr")
    good = totp_code(device, at=(device.last_t + 1) * device.step + 1)
    response = client.post(reverse("otp_verify"), {"code": good, "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_the_operator_resets_a_lost_second_factor(client, cast):
    user = cast["users"]["hr"]
    device = enrol(client, user)
    assert client.get(reverse("home")).status_code == 200
    call_command("otp_reset", "hr", reason="ticket 42: phone lost")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(entity_type="auth.User", entity_id=str(user.pk), field="totp_devices")
    assert event.actor is None and "ticket 42" in event.reason
    # the session verified by the old device is refused at once; the next sign-in enrols again
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("otp_setup"))
    assert device.pk is not None
    with pytest.raises(CommandError):
        call_command("otp_reset", "nobody", reason="x")
    with pytest.raises(CommandError):
        call_command("otp_reset", "hr", reason=" ")


def test_superuser_without_roles_needs_it_too(client, django_user_model):
    django_user_model.objects.create_superuser(username="root", password=PASSWORD)
    assert sign_in(client, "root")["Location"].startswith(reverse("otp_setup"))
    assert client.get("/admin/").status_code == 302


def test_time_step_of_the_test_helper_matches_the_device(cast):
    device = TOTPDevice.objects.create(user=cast["users"]["hr"], name="x", confirmed=True)
    assert device.verify_token(totp_code(device, at=time.time()))


def test_the_admin_shows_no_second_factor_secrets(client, cast):
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)
    TOTPDevice.objects.create(user=cast["users"]["hr"], name="x", confirmed=True)
    client.force_login(cast["users"]["admin"])
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
    assert "otp_totp" not in client.get("/admin/").content.decode()


def test_the_public_demo_accounts_see_the_current_code_and_no_other_account_does(client, cast, settings):
    """Whoever tries the demo needs no phone: its public accounts (group `demo`, signing in only while
    MOTIVA_DEMO is on) see the code their app would show now. Other accounts never do."""
    from django.contrib.auth.models import Group
    from django.test import Client

    settings.MOTIVA_DEMO = True
    user = cast["users"]["hr"]
    user.groups.add(Group.objects.get_or_create(name="demo")[0])
    sign_in(client, "hr")
    page = client.get(reverse("otp_setup")).content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    shown = re.search(r'data-testid="otp-demo-code">.*?<strong>(\d{6})</strong>', page, re.S)
    assert shown is not None
    assert shown.group(1) in {totp_code(device), totp_code(device, at=time.time() - 30)}
    assert client.post(reverse("otp_setup"), {"code": shown.group(1)}).status_code == 200
    # signing in again within the same 30 seconds: the shown code is one the device still accepts
    client.post(reverse("logout"))
    sign_in(client, "hr")
    page = client.get(reverse("otp_verify")).content.decode()
    shown = re.search(r'data-testid="otp-demo-code">.*?<strong>(\d{6})</strong>', page, re.S)
    assert 'class="sections"' not in page  # no sections to go to before the second factor
    assert client.post(reverse("otp_verify"), {"code": shown.group(1)}).status_code == 302
    assert client.get(reverse("home")).status_code == 200

    other = Client()
    sign_in(other, "fin")
    page = other.get(reverse("otp_setup")).content.decode()
    assert 'data-testid="otp-setup"' in page and 'data-testid="otp-demo-code"' not in page
