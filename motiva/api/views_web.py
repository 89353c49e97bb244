"""Browser pages of the API: «Ключи API» (issue and revoke one's own tokens) and the documentation page.

A user who needs a second factor (motiva.web.otp) issues tokens only from a verified session."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from motiva.api import tokens
from motiva.api.models import ApiToken
from motiva.core.errors import InvalidInput
from motiva.web import otp

NEW_TOKEN_SESSION_KEY = "motiva_api_new_token"  # noqa: S105 (a session key name)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the key is for, e.g. «1C export»."),
    )
    days = forms.IntegerField(
        label=gettext_lazy("Valid for, days"),
        min_value=1,
        max_value=tokens.MAX_DAYS,
        initial=tokens.DEFAULT_DAYS,
        help_text=gettext_lazy("From 1 to 365 days."),
    )


def _verified_enough(request: HttpRequest) -> bool:
    return not otp.requires_second_factor(request.user) or otp.is_verified(request.user)


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    allowed = _verified_enough(request)
    if request.method == "POST":
        if not allowed:
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                _token, secret = tokens.token_issue(
                    actor=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
                )
            except InvalidInput as error:
                for p in error.problems:
                    form.add_error(None, p.render(request.LANGUAGE_CODE))
            else:
                request.session[NEW_TOKEN_SESSION_KEY] = secret
                return redirect("api_tokens")
    secret = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    rows = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "api/tokens.html",
        {"form": form, "rows": rows, "secret": secret, "allowed": allowed},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if token.revoked_at is not None:
        raise Http404
    if request.method == "POST":
        tokens.token_revoke(actor=request.user, token=token)
        return redirect("api_tokens")
    return render(request, "api/token_revoke.html", {"token": token, "title": gettext("Revoke API key")})


@login_required
def docs(request: HttpRequest) -> HttpResponse:
    return render(request, "api/docs.html")
