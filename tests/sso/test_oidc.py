"""OpenID Connect login: the authorization-code flow walked against the local OpenID provider
(tests/oidc_provider, started by the fixtures): Motiva's /oidc/authenticate/ redirect, the person signs in
at the provider (consent is skipped), and the provider's answer goes to Motiva's callback through
Django's test client."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.urls import reverse

from motiva.core.models import RoleAssignment
from tests.sso.conftest import PASSWORD

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


def provider_answer(client, username: str, password: str = PASSWORD, next_url: str = "") -> str:
    """Start at Motiva, sign in at the provider; the callback URL the browser would be sent to."""
    start = client.get(reverse("oidc_authentication_init") + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    authorize = start["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["response_type"] == ["code"] and "state" in query and "nonce" in query
    assert query["code_challenge_method"] == ["S256"]
    browser = requests.Session()
    to_login = browser.get(authorize, allow_redirects=False, timeout=30)
    assert to_login.status_code == 302
    login_url = requests.compat.urljoin(authorize, to_login.headers["Location"])
    form = browser.get(login_url, timeout=30)
    signed = browser.post(
        login_url,
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            "next": parse_qs(urlsplit(login_url).query)["next"][0],
        },
        headers={"Referer": login_url},
        allow_redirects=False,
        timeout=30,
    )
    if signed.status_code != 302:
        assert form.status_code == 200
        return ""  # the provider refused the password: no answer for Motiva
    back = browser.get(
        requests.compat.urljoin(login_url, signed.headers["Location"]), allow_redirects=False, timeout=30
    )
    assert back.status_code == 302, back.text[:500]
    callback = back.headers["Location"]
    assert callback.startswith("http://testserver/oidc/callback/?")
    return callback.removeprefix("http://testserver")


def test_good_login_opens_the_employees_account_and_follows_next(client, oidc_on, people):
    callback = provider_answer(client, "ivanov", next_url="/periods/")
    response = client.get(callback)
    assert response.status_code == 302
    assert response["Location"] == "/periods/"
    user = signed_in_user(client)
    people["ivanov"].refresh_from_db()
    assert user is not None and people["ivanov"].user == user
    assert user.username == "ivanov" and user.email == "ivanov@corp.test"
    assert not user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert client.session["_auth_user_backend"] == "motiva.core.sso.MotivaOIDCBackend"


def test_an_unsafe_next_is_dropped(client, oidc_on, people):
    response = client.get(provider_answer(client, "ivanov", next_url="https://evil.example/"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_code_is_good_once(client, oidc_on, people):
    callback = provider_answer(client, "ivanov")
    client.get(callback)
    client.logout()
    replay = client.get(callback, **EN)
    assert replay.status_code == 302 and replay["Location"] == reverse("login")
    assert signed_in_user(client) is None


def test_wrong_password_at_the_provider_gives_no_code(client, oidc_on, people):
    assert provider_answer(client, "ivanov", password="not-the-password") == ""
    assert signed_in_user(client) is None


def test_the_provider_saying_no_is_refused_with_a_message(client, oidc_on, people):
    start = client.get(reverse("oidc_authentication_init"))
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    response = client.get(
        f"{reverse('oidc_authentication_callback')}?error=access_denied&state={state}", **EN
    )
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert b"Corporate sign-in failed" in client.get(reverse("login"), **EN).content
    assert signed_in_user(client) is None


def test_a_provider_user_matching_no_employee_is_refused_and_logged(client, oidc_on, people, caplog):
    callback = provider_answer(client, "stranger")
    with caplog.at_level(logging.WARNING, logger="motiva.sso"):
        response = client.get(callback, **EN)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert signed_in_user(client) is None
    assert get_user_model().objects.count() == people["users_before"]
    assert b"matches no employee" in client.get(reverse("login"), **EN).content
    assert any(
        "source=oidc" in r.getMessage() and "reason=no_employee" in r.getMessage() for r in caplog.records
    )


def test_an_ambiguous_match_is_refused(client, oidc_on, people):
    client.get(provider_answer(client, "twin"), **EN)
    assert signed_in_user(client) is None
    assert b"more than one employee" in client.get(reverse("login"), **EN).content


def test_a_disabled_account_stays_disabled(client, oidc_on, people):
    client.get(provider_answer(client, "petrova"), **EN)
    assert signed_in_user(client) is None
    people["petrova"].user.refresh_from_db()
    assert people["petrova"].user.is_active is False
    assert b"account is disabled" in client.get(reverse("login"), **EN).content


def test_an_unverified_email_does_not_match_by_email(client, oidc_on, people, settings):
    settings.MOTIVA_SSO_MATCH_BY = "email"
    client.get(provider_answer(client, "unverified"), **EN)
    assert signed_in_user(client) is None
    assert b"did not confirm your e-mail" in client.get(reverse("login"), **EN).content


def test_a_state_from_another_session_is_refused(client, oidc_on, people):
    callback = provider_answer(client, "ivanov")
    forged = callback.replace("state=", "state=forged")
    response = client.get(forged, **EN)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert signed_in_user(client) is None
    assert b"does not belong to this browser session" in client.get(reverse("login"), **EN).content


def test_an_answer_in_a_session_that_never_started_is_refused(client, oidc_on, people):
    callback = provider_answer(client, "ivanov")
    stranger = client.__class__()
    response = stranger.get(callback, **EN)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert signed_in_user(stranger) is None


def test_a_nonce_that_does_not_match_is_refused(client, oidc_on, people):
    callback = provider_answer(client, "ivanov")
    state = parse_qs(urlsplit(callback).query)["state"][0]
    session = client.session
    session["oidc_states"][state]["nonce"] = "another-nonce"
    session.save()
    response = client.get(callback, **EN)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert signed_in_user(client) is None
    people["ivanov"].refresh_from_db()
    assert people["ivanov"].user is None


def test_the_provider_down_is_a_message_not_a_500(client, oidc_on, people, settings):
    from tests.sso.conftest import free_port

    callback = provider_answer(client, "ivanov")
    settings.OIDC_OP_TOKEN_ENDPOINT = f"http://127.0.0.1:{free_port()}/o/token/"
    response = client.get(callback, **EN)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert b"does not answer" in client.get(reverse("login"), **EN).content


def test_login_page_offers_corporate_login_only_when_on(client, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    page = client.get(reverse("login"))
    assert b'data-testid="oidc-login"' not in page.content
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback") + "?code=x&state=y").status_code == 404
    settings.OIDC_RP_CLIENT_ID = "motiva"
    page = client.get(reverse("login") + "?next=/periods/", **EN)
    assert b'data-testid="oidc-login"' in page.content
    assert b"Sign in with corporate login" in page.content
    assert b'href="/oidc/authenticate/?next=/periods/"' in page.content


def test_a_password_form_with_code_and_state_is_not_an_oidc_answer(client, oidc_on, people, settings):
    user = people["smirnov"].user
    user.set_password("local-Secret-77")
    user.save()
    response = client.post(
        reverse("login") + "?code=x&state=y", {"username": "smirnov.local", "password": "local-Secret-77"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "motiva.core.auth.MotivaModelBackend"


def test_oidc_discover_prints_the_endpoints_of_the_provider(oidc_provider):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("oidc_discover", f"{oidc_provider.base}/o", stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines())
    assert lines == {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": oidc_provider.endpoint("authorize"),
        "OIDC_OP_TOKEN_ENDPOINT": oidc_provider.endpoint("token"),
        "OIDC_OP_USER_ENDPOINT": oidc_provider.endpoint("userinfo"),
        "OIDC_OP_JWKS_ENDPOINT": oidc_provider.endpoint("jwks"),
    }


def test_oidc_discover_refuses_what_is_not_a_provider(oidc_provider, settings):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="no discovery document"):
        call_command("oidc_discover", f"{oidc_provider.base}/nothing-here")
    settings.OIDC_RP_SIGN_ALGO = "ES512"
    with pytest.raises(CommandError, match="ES512"):
        call_command("oidc_discover", f"{oidc_provider.base}/o")
