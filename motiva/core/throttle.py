"""Progressive delay of sign-ins keyed on the user name alone.

django-axes locks the pair (user name, address) after AXES_FAILURE_LIMIT failures. That pair does not
stop one name tried from many addresses (each address fails a few times and moves on), and locking the
address alone would lock out a whole office behind one proxy. So on top of it: once one user name has
MOTIVA_LOGIN_DELAY_AFTER failures in the axes cool-off window, counted over every address, the next
attempt for that name, from anywhere, must wait MOTIVA_LOGIN_DELAY_SECONDS after the latest failure;
each further failure doubles the wait, up to MOTIVA_LOGIN_DELAY_MAX. An attempt made while it waits is
refused before the password is checked and is not counted, so waiting is the only way on.

The failures are the ones axes already keeps in the database (AccessAttempt: one row per name and
address, with its count and the time of its latest failure), so every web worker sees the same numbers.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone


@dataclass(frozen=True)
class Delay:
    failures: int
    seconds: int  # still to wait; 0 when the name may try now

    @property
    def waiting(self) -> bool:
        return self.seconds > 0


def required_wait(failures: int) -> int:
    """Seconds a name with `failures` failures must wait after its latest one."""
    after = settings.MOTIVA_LOGIN_DELAY_AFTER
    if failures < after:
        return 0
    steps = min(failures - after, 32)  # 2**32 × anything exceeds any sensible maximum
    return min(settings.MOTIVA_LOGIN_DELAY_SECONDS * 2**steps, settings.MOTIVA_LOGIN_DELAY_MAX)


def username_delay(username: str, *, now: dt.datetime | None = None) -> Delay:
    """How long the next sign-in for `username` must still wait (any address)."""
    from axes.models import AccessAttempt

    # The name as the password check reads it: Django's username field applies NFKC, so "ｈｒ" (full-width)
    # signs in as "hr" and must wait with it.
    name = unicodedata.normalize("NFKC", username or "").strip()
    if not name:
        return Delay(0, 0)
    now = now or timezone.now()
    window = dt.timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    found = AccessAttempt.objects.filter(username__iexact=name, attempt_time__gte=now - window).aggregate(
        failures=Sum("failures_since_start"), latest=Max("attempt_time")
    )
    failures = found["failures"] or 0
    wait = required_wait(failures)
    if not wait or found["latest"] is None:
        return Delay(failures, 0)
    left = (found["latest"] + dt.timedelta(seconds=wait) - now).total_seconds()
    return Delay(failures, max(0, math.ceil(left)))
