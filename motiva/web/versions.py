"""Page-state versions: a form carries the version of what the user saw, and the save compares it
with the current row under a row lock (select_for_update) in the same transaction. A save from a page
state that is no longer current is refused with 409 and a message showing the current content, and
nothing is written (see docs/security.md, "Concurrent edits and retries").

A version is a short digest of the fields the form writes (and of the row's last change time where
the row has one), so no table needs a counter column."""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

FIELD_NAME = "page_version"


def version_of(*parts: Any) -> str:
    """The digest of the parts (their repr, so Decimal('1.0') and Decimal('1.00') differ as stored)."""
    return hashlib.blake2s(repr(parts).encode(), digest_size=12).hexdigest()


def changed_by(user: Any, at: Any) -> str:
    """ "by Ivanova, 02.12.2026 10:15" — as much of it as is known."""
    who = (user.get_full_name() or user.username) if user is not None else ""
    when = date_format(localtime(at), "SHORT_DATETIME_FORMAT") if at is not None else ""
    if who and when:
        return _("changed by %(who)s, %(when)s") % {"who": who, "when": when}
    if who:
        return _("changed by %(who)s") % {"who": who}
    if when:
        return _("changed %(when)s") % {"when": when}
    return _("changed by someone else")
