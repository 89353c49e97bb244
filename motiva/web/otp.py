"""Sign-in: the password step (with the per-name progressive delay) and the second factor.

Superusers and every user holding one of settings.MOTIVA_OTP_ROLES (administrator, HR, finance by
default) in any organization must pass a TOTP code (django-otp) after the password: the first time
they enrol (a QR code drawn on the server as inline SVG, the secret written out, ten one-time backup
codes), then a code on every sign-in. Until then SecondFactorMiddleware refuses every page: a page
redirects to the code page, the API answers 403. Replay: django-otp's TOTP device remembers the last
accepted time step (last_t) and refuses a code of that step or earlier. Brute force: each wrong code
makes the device wait 1, 2, 4 … seconds (× OTP_TOTP_THROTTLE_FACTOR) before it checks another one.
Recovery without an administrator: `manage.py otp_reset <username>` run by the operator (audited).
"""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from motiva.core import audit, throttle
from motiva.core.auth import DEMO_GROUP
from motiva.core.models import AuditAction, RoleAssignment

BACKUP_CODES = 10
DEVICE_NAME = "Motiva"


def requires_second_factor(user: Any) -> bool:
    """Superusers and holders of a role in MOTIVA_OTP_ROLES in any organization."""
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_motiva_needs_otp", None)
    if cached is None:
        cached = bool(user.is_superuser) or (
            RoleAssignment.objects.filter(user_id=user.pk, role__in=settings.MOTIVA_OTP_ROLES).exists()
        )
        user._motiva_needs_otp = cached
    return cached


def confirmed_totp(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def is_verified(user: Any) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, target: str) -> str:
    from urllib.parse import urlencode

    return f"{url}?{urlencode({'next': target})}" if target else url


# --- the password step ----------------------------------------------------------------------------


def wait_message(seconds: int) -> str:
    if seconds >= 120:
        return _("Too many failed sign-ins for this user name. Try again in %(n)s min.") % {
            "n": (seconds + 59) // 60
        }
    return _("Too many failed sign-ins for this user name. Try again in %(n)s s.") % {"n": seconds}


class ThrottleMixin:
    """A user name in its progressive delay is refused before the password is checked (and the
    refusal is not counted as a failure)."""

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")  # type: ignore[attr-defined]
        delay = throttle.username_delay(username)
        if delay.waiting:
            self.wait_seconds = delay.seconds
            raise forms.ValidationError(wait_message(delay.seconds), code="delayed")
        return super().clean()  # type: ignore[misc]


class ThrottledAuthenticationForm(ThrottleMixin, AuthenticationForm):
    """The password form of the login page."""


class ThrottledAdminAuthenticationForm(ThrottleMixin, AdminAuthenticationForm):
    """The admin's own login form gets the same delay (config/urls.py), so it is no way around it."""


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        seconds = getattr(form, "wait_seconds", 0)
        if seconds:
            response.status_code = 429
            response["Retry-After"] = str(seconds)
        return response

    def get_success_url(self) -> str:
        target = super().get_success_url()
        user = self.request.user
        if requires_second_factor(user) and not is_verified(user):
            name = "otp_verify" if confirmed_totp(user) else "otp_setup"
            return _with_next(reverse(name), target)
        return target


# --- the gate ---------------------------------------------------------------------------------------


class SecondFactorMiddleware:
    """Refuses a session of a user who must pass the second factor and has not: pages redirect to the
    code page, the API answers 403. Sign-in, the code pages, sign-out, static files, /healthz and the
    language switch stay open. Must come after django_otp.middleware.OTPMiddleware."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def open_prefixes(self) -> tuple[str, ...]:
        if self._open is None:
            self._open = (
                reverse("login"),
                reverse("logout"),
                reverse("otp_verify"),
                reverse("healthz"),
                reverse("set_language"),
                "/" + settings.STATIC_URL.lstrip("/"),
            )
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.open_prefixes())
            and requires_second_factor(user)
            and not is_verified(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Second factor required: sign in with a code first."}, status=403
                )
            name = "otp_verify" if confirmed_totp(user) else "otp_setup"
            target = _with_next(reverse(name), request.get_full_path() if request.method == "GET" else "")
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return HttpResponseRedirect(target)
        return self.get_response(request)


# --- the code pages ---------------------------------------------------------------------------------


def _clean_code(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "").lower()


def _locked_message(info: dict[str, Any] | None) -> str:
    until = (info or {}).get("locked_until")
    seconds = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1
    return _("Too many wrong codes. Try again in %(n)s s.") % {"n": seconds}


class CodeForm(forms.Form):
    """The code typed on the second-factor pages: six digits from the app or a backup code."""

    code = forms.CharField(max_length=20, strip=True)
    next = forms.CharField(required=False, max_length=2000)

    def code_text(self) -> str:
        return _clean_code(self.cleaned_data["code"]) if self.is_valid() else ""


def _demo_code(user: Any, device: TOTPDevice) -> str:
    """The code the demo account's app would show now, written on the page while MOTIVA_DEMO is on.

    The demo passwords are public and open nothing once MOTIVA_DEMO is off (motiva.core.auth); the code
    is shown only to members of the demo group, so whoever tries the demo needs no phone. Never on a
    production installation: there MOTIVA_DEMO is off and the demo accounts cannot sign in at all."""
    if not settings.MOTIVA_DEMO or not user.groups.filter(name=DEMO_GROUP).exists():
        return ""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if device.last_t is not None and device.last_t >= totp.t():
        # This step's code was used already (replay protection refuses it): the next step's code, which
        # the device accepts within its tolerance of one step.
        totp.time += device.step * (device.last_t - totp.t() + 1)
    return f"{totp.token():0{device.digits}d}"


def _check(device: Any, code: str) -> tuple[bool, str]:
    """(accepted, refusal message) for one code on one device, throttled by the device."""
    allowed, info = device.verify_is_allowed()
    if not allowed:
        return False, _locked_message(info)
    if device.verify_token(code):
        return True, ""
    return False, _("The code is wrong or has already been used.")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    target = _safe_next(request)
    if not requires_second_factor(user) or is_verified(user):
        return redirect(target)
    device = confirmed_totp(user)
    if device is None:
        return redirect(_with_next(reverse("otp_setup"), target))
    error = ""
    status = 200
    if request.method == "POST":
        code = CodeForm(request.POST).code_text()
        if re.fullmatch(r"\d{6}", code):
            ok, error = _check(device, code)
            used: Any = device
        else:
            used = StaticDevice.objects.filter(user_id=user.pk, confirmed=True).first()
            ok, error = (
                _check(used, code)
                if used and code
                else (False, _("Enter the 6-digit code or a backup code."))
            )
        if ok:
            otp_login(request, used)
            if isinstance(used, StaticDevice):
                left = used.token_set.count()
                audit.record(
                    actor=user,
                    obj=used,
                    action=AuditAction.UPDATE,
                    before={"backup_codes": str(left + 1)},
                    after={"backup_codes": str(left)},
                    reason="second factor: a one-time backup code was used",
                )
            return redirect(target)
        status = 400
    return render(
        request,
        "web/otp/verify.html",
        {"error": error, "next": target, "demo_code": _demo_code(user, device)},
        status=status,
    )


def _secret_text(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _qr_svg(device: TOTPDevice) -> str:
    # segno writes the SVG itself (no image file, no network); the content is the otpauth:// URL.
    return mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4, border=2))  # noqa: S308


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    target = _safe_next(request)
    if not requires_second_factor(user):
        return redirect(target)
    if confirmed_totp(user) is not None:
        # Enrolled already: a new device only after `manage.py otp_reset` by the operator.
        return redirect(_with_next(reverse("otp_verify"), target) if not is_verified(user) else target)
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    error = ""
    status = 200
    if request.method == "POST":
        code = CodeForm(request.POST).code_text()
        if not re.fullmatch(r"\d{6}", code):
            ok, error = False, _("Enter the 6-digit code your app shows.")
        else:
            ok, error = _check(device, code)
        if ok:
            codes = _enrol(user, device)
            otp_login(request, device)
            return render(request, "web/otp/backup_codes.html", {"codes": codes, "next": target})
        status = 400
    return render(
        request,
        "web/otp/setup.html",
        {
            "qr": _qr_svg(device),
            "secret": _secret_text(device),
            "error": error,
            "next": target,
            "demo_code": _demo_code(user, device),
        },
        status=status,
    )


@transaction.atomic
def _enrol(user: Any, device: TOTPDevice) -> list[str]:
    """Confirm the device, replace the backup codes, audit: one transaction."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
    StaticDevice.objects.filter(user_id=user.pk).delete()
    static = StaticDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    audit.record(
        actor=user,
        obj=device,
        action=AuditAction.CREATE,
        after={"user": user.get_username(), "confirmed": "true", "backup_codes": str(len(codes))},
        reason="second factor enrolled",
    )
    return codes
