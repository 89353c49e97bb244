"""The outage page and /healthz inside one process (any database): a database error anywhere in the
stack answers 503 with Retry-After in the reader's language; /healthz tells each component's state."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import reverse
from django.utils import translation

from motiva.web import outage

pytestmark = pytest.mark.django_db


def _database_down(monkeypatch):
    """Every new use of a connection fails as it does when the server is gone."""

    def refuse(self):
        raise OperationalError("connection to server at 10.1.2.3, port 5432 failed: Connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)


@pytest.fixture
def signed_in(cast):
    client = Client(raise_request_exception=False)
    client.force_login(cast["users"]["anna"])
    return client


@pytest.mark.parametrize("name", ["home", "my_card", "login"])
def test_every_page_answers_503_with_retry_after_while_the_database_is_down(signed_in, monkeypatch, name):
    assert signed_in.get(reverse(name)).status_code in (200, 302)
    _database_down(monkeypatch)
    response = signed_in.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert 'data-testid="error-503"' in page
    assert "10.1.2.3" not in page and "5432" not in page  # the driver's message never reaches the page


@pytest.mark.parametrize("name", ["home", "my_card"])
def test_a_request_tries_the_database_once(signed_in, monkeypatch, name):
    """Against a server that hangs each try costs a full connect timeout: the session is not read a
    second time on the way out."""
    tries = []

    def refuse(self):
        tries.append(1)
        raise OperationalError("timeout expired")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
    response = signed_in.get(reverse(name))
    assert response.status_code == 503
    assert len(tries) == 1
    assert response.cookies.get("sessionid") is None  # the session cookie is neither deleted nor reset


def test_a_post_while_the_database_is_down_is_a_503_too(signed_in, monkeypatch, cast):
    _database_down(monkeypatch)
    response = signed_in.post(reverse("logout"))
    assert response.status_code == 503 and response["Retry-After"]


def test_the_page_speaks_the_readers_language(signed_in, monkeypatch, settings):
    client = signed_in
    _database_down(monkeypatch)
    settings.MOTIVA_RETRY_AFTER = 7
    english = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 503 and english["Retry-After"] == "7"
    assert english["Content-Language"] == "en"
    with translation.override("en"):
        assert translation.gettext("Temporarily unavailable") in english.content.decode()
    russian = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ru")
    assert russian["Content-Language"] == "ru" and '<html lang="ru">' in russian.content.decode()


def test_an_error_outside_the_view_is_caught_by_the_signal(signed_in, monkeypatch):
    """A middleware that reads the user before the view (the second factor's) fails first: Django
    has already made a 500 of it when it comes back to the outage middleware."""
    monkeypatch.setattr(outage.DatabaseOutageMiddleware, "process_exception", lambda *a: None)
    _database_down(monkeypatch)
    response = signed_in.get(reverse("my_card"))
    assert response.status_code == 503


def test_a_client_that_asks_for_json_gets_json(signed_in, monkeypatch):
    _database_down(monkeypatch)
    response = signed_in.get(reverse("my_card"), HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json() == {"detail": "The database is unavailable. Try again in a minute."}


def test_other_errors_stay_500(signed_in, monkeypatch):
    def boom(self):
        raise ValueError("not the database")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", boom)
    assert signed_in.get(reverse("my_card")).status_code == 500


def test_database_error_chain_is_recognised():
    try:
        try:
            raise OperationalError("gone")
        except OperationalError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert outage.is_database_outage(outer)
    assert not outage.is_database_outage(ValueError("x"))


# --- /healthz -------------------------------------------------------------------------------------


def test_healthz_reports_the_database_and_an_embedded_broker(client, settings):
    settings.CELERY_BROKER_URL = ""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "up"
    assert body["checks"]["database"]["latency_ms"] >= 0
    assert body["checks"]["broker"] == {"status": "embedded"}


@pytest.mark.parametrize("who", ["anonymous", "signed in"])
def test_healthz_is_503_when_the_database_is_down(monkeypatch, cast, who):
    client = Client(raise_request_exception=False)
    if who == "signed in":  # a session cookie: the probe still reads no session
        client.force_login(cast["users"]["anna"])
    _database_down(monkeypatch)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503 and response["Retry-After"]
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {
        "status": "down",
        "error": "OperationalError",
        "latency_ms": body["checks"]["database"]["latency_ms"],
    }
    assert "10.1.2.3" not in response.content.decode()


def test_healthz_is_503_when_the_broker_is_down_and_names_no_host(client, settings):
    settings.CELERY_BROKER_URL = "redis://:hunter2-secret@127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"]["status"] == "up"
    assert body["checks"]["broker"]["status"] == "down"
    text = json.dumps(body)
    assert "hunter2" not in text and "127.0.0.1" not in text and "redis" not in text


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/15", "amqp://guest:guest@127.0.0.1:5672//"])
def test_healthz_reports_a_live_broker(client, settings, url):
    import kombu

    try:
        with kombu.Connection(url, connect_timeout=1) as probe:
            probe.ensure_connection(max_retries=0, timeout=1)
    except Exception:
        pytest.skip(f"no broker at {url.split('@')[-1]}")
    settings.CELERY_BROKER_URL = url
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["status"] == "up"


def test_healthz_needs_no_login_and_no_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("healthz")).status_code == 200
