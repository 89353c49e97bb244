"""LDAP login against a real slapd started by the fixtures (tests/sso/conftest.py)."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from motiva.core.models import AuditEvent, RoleAssignment
from tests.sso.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, username: str, password: str = PASSWORD):
    return client.post(
        reverse("login"), {"username": username, "password": password}, HTTP_ACCEPT_LANGUAGE="en"
    )


def signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


def test_first_login_opens_an_account_without_roles_for_the_employee(client, ldap_on, people):
    response = sign_in(client, "ivanov")
    assert response.status_code == 302
    user = signed_in_user(client)
    assert user is not None
    people["ivanov"].refresh_from_db()
    assert people["ivanov"].user == user
    assert user.username == "ivanov"
    assert user.email == "ivanov@corp.test"
    assert not user.has_usable_password()
    assert not user.is_staff and not user.is_superuser
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert not user.groups.exists()
    assert client.session["_auth_user_backend"] == "motiva.core.sso_ldap.MotivaLDAPBackend"
    assert AuditEvent.objects.filter(
        entity_type="auth.User", entity_id=str(user.pk), action="create"
    ).exists()


def test_the_linked_account_is_reused_and_not_rewritten(client, ldap_on, people):
    linked = people["smirnov"].user
    response = sign_in(client, "smirnov")
    assert response.status_code == 302
    assert signed_in_user(client) == linked
    linked.refresh_from_db()
    assert linked.username == "smirnov.local"
    assert get_user_model().objects.count() == people["users_before"]


def test_second_login_reuses_the_account_opened_at_the_first(client, ldap_on, people):
    sign_in(client, "ivanov")
    first = signed_in_user(client)
    client.logout()
    sign_in(client, "ivanov")
    assert signed_in_user(client) == first
    assert get_user_model().objects.count() == people["users_before"] + 1


def test_wrong_password_is_refused_and_opens_nothing(client, ldap_on, people):
    response = sign_in(client, "ivanov", "not-the-password")
    assert response.status_code == 200
    assert signed_in_user(client) is None
    assert b'data-testid="login-refusal"' not in response.content  # the generic message, nothing told
    people["ivanov"].refresh_from_db()
    assert people["ivanov"].user is None


def test_a_name_the_directory_does_not_know_is_refused(client, ldap_on, people):
    response = sign_in(client, "nobody")
    assert response.status_code == 200
    assert signed_in_user(client) is None
    assert get_user_model().objects.count() == people["users_before"]


def test_a_directory_user_matching_no_employee_is_refused_with_a_message_and_logged(
    client, ldap_on, people, caplog
):
    with caplog.at_level(logging.WARNING, logger="motiva.sso"):
        response = sign_in(client, "stranger")
    assert response.status_code == 200
    assert signed_in_user(client) is None
    assert b'data-testid="login-refusal"' in response.content
    assert b"matches no employee" in response.content
    assert get_user_model().objects.count() == people["users_before"]
    assert any(
        "reason=no_employee" in r.getMessage() and "stranger" in r.getMessage() for r in caplog.records
    )


def test_a_personnel_number_in_two_organizations_is_ambiguous(client, ldap_on, people, caplog):
    with caplog.at_level(logging.WARNING, logger="motiva.sso"):
        response = sign_in(client, "twin")
    assert signed_in_user(client) is None
    assert b"more than one employee" in response.content
    assert any("reason=ambiguous" in r.getMessage() for r in caplog.records)
    for key in ("twin", "twin_other"):
        people[key].refresh_from_db()
        assert people[key].user is None


def test_the_organization_setting_settles_the_ambiguity(client, ldap_on, people, settings):
    settings.MOTIVA_SSO_ORGANIZATION = people["other"].name
    sign_in(client, "twin")
    people["twin_other"].refresh_from_db()
    assert signed_in_user(client) == people["twin_other"].user is not None
    people["twin"].refresh_from_db()
    assert people["twin"].user is None


def test_a_disabled_account_stays_disabled(client, ldap_on, people):
    response = sign_in(client, "petrova")
    assert signed_in_user(client) is None
    assert b"account is disabled" in response.content
    people["petrova"].user.refresh_from_db()
    assert people["petrova"].user.is_active is False


def test_an_entry_without_the_personnel_number_is_refused(client, ldap_on, people):
    response = sign_in(client, "nonumber")
    assert signed_in_user(client) is None
    assert b"did not send your personnel number" in response.content


def test_matching_by_email_uses_the_motiva_account_address(client, ldap_on, people, settings):
    settings.MOTIVA_SSO_MATCH_BY = "email"
    sign_in(client, "smirnov")
    assert signed_in_user(client) == people["smirnov"].user
    client.logout()
    # ivanov has no Motiva account, so no address to match: refused, nothing opened
    response = sign_in(client, "ivanov")
    assert signed_in_user(client) is None
    assert b"matches no employee" in response.content


def test_two_accounts_with_the_same_address_are_ambiguous(client, ldap_on, people, settings, actor):
    from motiva.org import services as org

    settings.MOTIVA_SSO_MATCH_BY = "email"
    org.account_invite(actor=actor, employee=people["twin"], username="twin.copy", email="SMIRNOV@corp.test")
    response = sign_in(client, "smirnov")
    assert signed_in_user(client) is None
    assert b"more than one employee" in response.content


def test_a_disabled_account_loses_its_ldap_session(client, ldap_on, people, actor):
    from motiva.org import services as org

    sign_in(client, "smirnov")
    assert client.get(reverse("home")).status_code == 200
    org.account_disable(actor=actor, employee=people["smirnov"])
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_directory_down_says_so(client, ldap_on, people, settings):
    from tests.sso.conftest import free_port

    settings.AUTH_LDAP_SERVER_URI = f"ldap://127.0.0.1:{free_port()}"
    response = sign_in(client, "ivanov")
    assert response.status_code == 200
    assert signed_in_user(client) is None
    assert b"directory does not answer" in response.content


def test_login_page_hints_at_the_corporate_password_only_when_ldap_is_on(client, ldap_on, settings):
    assert b'data-testid="ldap-hint"' in client.get(reverse("login")).content
    settings.AUTH_LDAP_SERVER_URI = ""
    assert b'data-testid="ldap-hint"' not in client.get(reverse("login")).content


def test_off_when_not_configured_the_directory_password_opens_nothing(client, ldap_on, people, settings):
    settings.AUTH_LDAP_SERVER_URI = ""
    sign_in(client, "ivanov")
    assert signed_in_user(client) is None


def test_a_privileged_account_signed_in_through_the_directory_still_needs_the_second_factor(
    client, ldap_on, people, organization
):
    RoleAssignment.objects.create(user=people["smirnov"].user, organization=organization, role="hr")
    assert sign_in(client, "smirnov").status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))


def test_starttls_protects_the_bind_with_the_configured_ca(client, ldap_on, people, settings, slapd_tls):
    """This slapd refuses any bind before StartTLS: the login works only with LDAP_START_TLS on and the
    CA of its certificate (LDAP_CA_CERT_FILE), as config/settings.py sets them."""
    import ldap

    settings.AUTH_LDAP_SERVER_URI = slapd_tls.uri
    settings.AUTH_LDAP_START_TLS = False
    sign_in(client, "ivanov")
    assert signed_in_user(client) is None  # in clear: refused by the directory
    settings.AUTH_LDAP_START_TLS = True
    sign_in(client, "ivanov")
    assert signed_in_user(client) is None  # StartTLS, but the certificate's CA is not trusted
    settings.AUTH_LDAP_CONNECTION_OPTIONS = {
        ldap.OPT_NETWORK_TIMEOUT: 5,
        ldap.OPT_X_TLS_CACERTFILE: slapd_tls.ca_file,
        ldap.OPT_X_TLS_NEWCTX: 0,
    }
    assert sign_in(client, "ivanov").status_code == 302
    people["ivanov"].refresh_from_db()
    assert signed_in_user(client) == people["ivanov"].user is not None


def test_a_login_name_taken_by_another_account_is_refused_and_links_nothing(client, ldap_on, people):
    get_user_model().objects.create_user(username="ivanov", password="someone-Else-123")
    response = sign_in(client, "ivanov")
    assert signed_in_user(client) is None
    assert b"could not open an account" in response.content
    people["ivanov"].refresh_from_db()
    assert people["ivanov"].user is None


def test_an_employee_who_has_left_gets_no_account(client, ldap_on, people, actor):
    import datetime as dt

    from motiva.org import services as org

    org.employee_terminate(actor=actor, employee=people["ivanov"], termination_date=dt.date(2022, 6, 30))
    response = sign_in(client, "ivanov")
    assert signed_in_user(client) is None
    assert b"could not open an account" in response.content
    people["ivanov"].refresh_from_db()
    assert people["ivanov"].user is None
