"""Issuing, revoking and checking API tokens (services and the DRF authentication class).

A token reads `mtv_<prefix>_<secret>`; the database keeps the prefix (shown to the user) and the SHA-256
of the whole token, never the token itself. A token acts with exactly its user's rights: request.user is
the token's user and request.viewer is motiva.core.access.viewer_for(user).

Second factor: a user who needs one (motiva.web.otp.requires_second_factor) may issue a token only from a
verified session (the page checks it); the token then stands on its own until it expires or is revoked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import authentication, exceptions

from motiva.api.models import ApiToken
from motiva.core import audit
from motiva.core.access import viewer_for
from motiva.core.errors import InvalidInput, problem

MAX_DAYS = 365
DEFAULT_DAYS = 90


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(*, actor: Any, name: str, days: int = DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """Create a token for `actor`; returns it and the secret (shown to the user once)."""
    if not 1 <= days <= getattr(settings, "MOTIVA_API_TOKEN_MAX_DAYS", MAX_DAYS):
        raise InvalidInput(
            [problem("token_days", "days", "Срок — от 1 до 365 дней.", "The term is 1 to 365 days.")]
        )
    prefix = secrets.token_hex(4)
    secret = f"mtv_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name.strip(),
            prefix=prefix,
            digest=digest(secret),
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        audit.record_create(actor=actor, obj=token, fields=["name", "prefix", "expires_at"])
    return token, secret


def token_revoke(*, actor: Any, token: ApiToken) -> None:
    if token.user_id != actor.pk:
        raise InvalidInput([problem("token_owner", "token", "Это не ваш ключ.", "This is not your key.")])
    if token.revoked_at is not None:
        return
    with transaction.atomic():
        before = audit.snapshot(token, ["revoked_at"])
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            obj=token,
            action="update",
            before=before,
            after=audit.snapshot(token, ["revoked_at"]),
        )


def _outlived_its_second_factor(token: ApiToken) -> bool:
    """A user who must pass the second factor issues keys only from a verified session, so their
    confirmed TOTP device is older than each of their keys. A key older than the device (or with no
    device at all) was issued before the user needed the second factor — before they were given HR,
    finance or admin — and would carry the new rights without it: refused until a new key is issued."""
    from motiva.web.otp import confirmed_totp, requires_second_factor

    if not requires_second_factor(token.user):
        return False
    device = confirmed_totp(token.user)
    return device is None or device.created_at is None or device.created_at > token.created_at


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`; an unknown, expired or revoked token -> 401."""

    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("token_malformed")
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("token_malformed") from None
        token = ApiToken.objects.select_related("user").filter(digest=digest(raw)).first()
        now = timezone.now()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("token_unknown")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("token_revoked")
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed("token_expired")
        if _outlived_its_second_factor(token):
            raise exceptions.AuthenticationFailed("token_second_factor")
        if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        request._request.viewer = viewer_for(token.user)
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
