"""Every page knows its viewer (the access policy's view of the user)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from motiva.core.access import viewer_for


def viewer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.viewer = viewer_for(request.user)  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
