"""Idempotent POSTs: a state-changing request that carries a key is done once, whatever the retries.

Forms carry a fresh key per rendered form (`{% idempotency_key %}`, a hidden field named
`idempotency_key`); HTMX calls (static/motiva/idempotency.js) and API clients send the
`Idempotency-Key` header. A key is scoped to the user and the path and kept in the database, so every
gunicorn worker sees it:

- the first request with a key claims it (a committed "pending" row; the unique constraint decides
  between two workers receiving it at once), runs, and its outcome (status, redirect, body) is kept;
- a repeat of a finished request gets that outcome back, marked `Idempotent-Replay: true`, and the
  view does not run again;
- a repeat that arrives while the first is still running waits for it (up to
  MOTIVA_IDEMPOTENCY_WAIT_SECONDS) and then gets its outcome, or a 409 if it is still running;
- the same key sent with another request (other fields) is refused with 422;
- an outcome of 500 or more is not kept (the work was not done; a retry may try again);
- keys expire after MOTIVA_IDEMPOTENCY_TTL_HOURS (a day); the expired rows of a user are deleted when
  that user claims a new key, and `manage.py idempotency_cleanup` deletes all expired rows.

A request without a key, or from an anonymous visitor (the login form), is processed as before."""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from motiva.idempotency.models import IdempotencyKey, IdempotencyState, ttl

FIELD_NAME = "idempotency_key"
HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replay"
KEY_PATTERN = re.compile(r"[A-Za-z0-9_\-.:]{8,100}")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Answers larger than this are not kept; their repeat is told the request was done (409).
MAX_KEPT_BODY = 1024 * 1024
POLL_SECONDS = 0.05


def wait_seconds() -> float:
    return float(getattr(settings, "MOTIVA_IDEMPOTENCY_WAIT_SECONDS", 10))


def request_key(request: HttpRequest) -> str | None:
    """The header first (HTMX, API), else the form's hidden field; None when the request has none."""
    key = request.headers.get(HEADER, "").strip()
    if not key and request.content_type in FORM_TYPES:
        try:
            key = request.POST.get(FIELD_NAME, "").strip()
        except OSError as error:
            # An upload that could not be read (a full disk while spooling): the view reports it with
            # its own message, so reading the form there raises the same error again.
            failure = error

            def fail() -> None:
                raise failure

            request._load_post_and_files = fail  # type: ignore[method-assign]
            return None
    return key or None


def fingerprint(request: HttpRequest) -> str:
    """A digest of what the request asks: the method and the fields (without the CSRF token and the key
    itself, which differ between renderings of one form) and the files' names and sizes, or the raw
    body of a non-form request (an API call)."""
    digest = hashlib.sha256(request.method.encode() if request.method else b"")
    if request.content_type in FORM_TYPES:
        for name in sorted(request.POST):
            if name in ("csrfmiddlewaretoken", FIELD_NAME):
                continue
            for value in request.POST.getlist(name):
                digest.update(b"\0f" + name.encode() + b"\0" + value.encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(b"\0u" + name.encode() + b"\0" + f"{upload.name}:{upload.size}".encode())
    else:
        digest.update(b"\0b" + request.body)
    return digest.hexdigest()


# A refusal of the layer: (HTTP status, reason) -> the answer. The reasons: "key_malformed" (400),
# "key_reused" (422: the key came with another request), "in_progress" (409: the first request still
# runs), "not_kept" (409: done, but its answer was too large to keep). The site answers with a short
# page (html_refusal); the API with its structured errors (motiva.api.idempotency).
Refuse = Callable[[int, str], HttpResponse]


def refusal_text(reason: str) -> str:
    texts = {
        "key_malformed": _(
            "The idempotency key must be 8 to 100 letters, digits or - _ . : ; nothing was done."
        ),
        "key_reused": _("This idempotency key was already used for another request; nothing was done."),
        "in_progress": _("The same request is still being processed; wait a moment and open the page again."),
        "not_kept": _("This request was already processed. Open the page again to see the result."),
    }
    return texts[reason]


def html_refusal(status: int, reason: str) -> HttpResponse:
    response = HttpResponse(
        f"<p>{escape(refusal_text(reason))}</p>", status=status, content_type="text/html; charset=utf-8"
    )
    response[REPLAY_HEADER] = "true"
    return response


def guarded(
    request: HttpRequest, user: Any, respond: Callable[[], HttpResponse], refuse: Refuse = html_refusal
) -> HttpResponse:
    """Answer `request` of the authenticated `user` with `respond()` at most once per key (see the
    module's docstring): a request without a key just gets `respond()`. Used by the middleware for the
    site's pages, and by views that authenticate the caller themselves (the API's Bearer keys), which
    mark themselves `idempotent_in_view = True` so the middleware leaves them to it."""
    key = request_key(request)
    if key is None:
        return respond()
    if not KEY_PATTERN.fullmatch(key):
        return refuse(400, "key_malformed")
    path = request.path[:500]
    digest = fingerprint(request)
    record = _claim(user, path, key, digest)
    if record is None:  # ours: do the work
        return _run(respond, user, path, key)
    record = _wait(record)
    if record.fingerprint != digest:
        return refuse(422, "key_reused")
    if record.state != IdempotencyState.DONE:
        return refuse(409, "in_progress")
    return _replay(record, refuse)


def guards_itself(request: HttpRequest) -> bool:
    """Whether the view of this request runs `guarded` itself (after its own authentication)."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    view = match.func
    return bool(
        getattr(view, "idempotent_in_view", False)
        or getattr(getattr(view, "cls", None), "idempotent_in_view", False)
        or getattr(getattr(view, "view_class", None), "idempotent_in_view", False)
    )


class IdempotencyMiddleware:
    """See the module's docstring. Placed after the authentication middleware (keys belong to a user)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if request.method in SAFE_METHODS or user is None or not user.is_authenticated:
            return self.get_response(request)
        if request_key(request) is None or guards_itself(request):
            return self.get_response(request)
        return guarded(request, user, lambda: self.get_response(request))


# ----------------------------------------------------------------------------------------------------
def _claim(user: Any, path: str, key: str, digest: str) -> IdempotencyKey | None:
    """None when this request now owns the key; else the row of the request that owns it."""
    cutoff = timezone.now() - ttl()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                IdempotencyKey.objects.filter(user=user, created_at__lt=cutoff).delete()
                IdempotencyKey.objects.create(user=user, path=path, key=key, fingerprint=digest)
            return None
        except IntegrityError:
            pass
        existing = IdempotencyKey.objects.filter(user=user, path=path, key=key).first()
        if existing is not None:
            return existing
    # Claimed and released again between our two reads: treat it as being processed.
    return IdempotencyKey(user=user, path=path, key=key, fingerprint=digest)


def _wait(record: IdempotencyKey) -> IdempotencyKey:
    deadline = time.monotonic() + wait_seconds()
    while record.state != IdempotencyState.DONE and record.pk is not None:
        if time.monotonic() >= deadline:
            break
        time.sleep(POLL_SECONDS)
        fresh = IdempotencyKey.objects.filter(pk=record.pk).first()
        if fresh is None:  # the first attempt failed and gave the key back
            break
        record = fresh
    return record


def _run(respond: Callable[[], HttpResponse], user: Any, path: str, key: str) -> HttpResponse:
    rows = IdempotencyKey.objects.filter(user=user, path=path, key=key)
    try:
        response = respond()
    except BaseException:
        _release(rows)
        raise
    if response.status_code >= 500:
        _release(rows)
        return response
    body = b""
    if not response.streaming and len(response.content) <= MAX_KEPT_BODY:
        body = bytes(response.content)
    else:
        body = b"\0"  # marks "answer not kept"
    # If this fails the work is still done; only its replay is lost (a repeat waits, then gets 409).
    with contextlib.suppress(DatabaseError):
        rows.update(
            state=IdempotencyState.DONE,
            status=response.status_code,
            location=response.get("Location", "")[:2000],
            content_type=response.get("Content-Type", "")[:200],
            body=body,
        )
    return response


def _release(rows: QuerySet[IdempotencyKey]) -> None:
    with contextlib.suppress(DatabaseError):
        rows.delete()


def _replay(record: IdempotencyKey, refuse: Refuse) -> HttpResponse:
    body = bytes(record.body or b"")
    if body == b"\0":
        return refuse(409, "not_kept")
    response = HttpResponse(body, status=record.status)
    if record.content_type:
        response["Content-Type"] = record.content_type
    if record.location:
        response["Location"] = record.location
    response[REPLAY_HEADER] = "true"
    return response
