"""Where a change comes from: the request id, the client's address and user agent of the request being
served, kept in a context variable that the audit trail reads (services stay free of requests).

The refusals the access policy notes while a request runs (`note_denied`) are kept here too; the
middleware (`motiva.core.middleware`) binds the context to the request and logs them at its end."""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import logging
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# A request id from a proxy is kept only if it is short and plain; anything else gets a new one.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
USER_AGENT_LENGTH = 200


@dataclass
class RequestContext:
    request_id: str = ""
    ip: str | None = None
    user_agent: str = ""
    # (reason code, field) of refusals the access policy noted during the request
    denials: list[tuple[str, str]] = field(default_factory=list)


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "motiva_request_context", default=None
)


def current() -> RequestContext | None:
    return _current.get()


def note_denied(code: str, field_name: str = "") -> None:
    """Remember that the policy refused something in this request; the middleware logs it."""
    context = _current.get()
    if context is not None:
        context.denials.append((code, field_name))


def request_id_from(header: str | None) -> str:
    if header and _SANE_REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


def _networks(entries: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(remote_addr: str | None, forwarded_for: str | None, trusted: list[str]) -> str | None:
    """REMOTE_ADDR, unless it is one of the trusted proxies: then the rightmost address of
    X-Forwarded-For that is not a trusted proxy (the ones to its left are whatever the client sent)."""
    remote = _address(remote_addr or "")
    if remote is None:
        return None
    networks = _networks(trusted)
    if not networks or not forwarded_for or not any(remote in net for net in networks):
        return str(remote)
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            break  # a malformed hop: trust nothing further left
        if not any(address in net for net in networks):
            return str(address)
    return str(remote)


def context_for(request: HttpRequest) -> RequestContext:
    meta = request.META
    return RequestContext(
        request_id=request_id_from(meta.get("HTTP_X_REQUEST_ID")),
        ip=client_ip(
            meta.get("REMOTE_ADDR"),
            meta.get("HTTP_X_FORWARDED_FOR"),
            getattr(settings, "MOTIVA_TRUSTED_PROXIES", []),
        ),
        user_agent=(meta.get("HTTP_USER_AGENT") or "")[:USER_AGENT_LENGTH],
    )


@contextlib.contextmanager
def bound(context: RequestContext) -> Iterator[RequestContext]:
    """The context is `current()` while the block runs (a request, in the middleware)."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
