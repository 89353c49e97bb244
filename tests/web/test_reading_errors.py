"""Motiva's own error pages, in Russian and English, with DEBUG off and on; the admin link only for those
who can use the admin; the header on a phone."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import include, path, reverse

from config import urls as site_urls

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("deliberate")


def _refuse(request):
    raise PermissionDenied


# A site with two failing pages, the same error handlers as config.urls.
urlpatterns = [
    path("test-boom/", _boom),
    path("test-refuse/", _refuse),
    path("", include(site_urls.urlpatterns)),
]
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500


@pytest.fixture
def failing_site(settings):
    settings.ROOT_URLCONF = __name__


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(("language", "title"), [("ru", "Страница не найдена"), ("en", "Page not found")])
def test_a_404_of_a_motiva_page_is_motivas_own(client, cast, settings, debug, language, title):
    settings.DEBUG = debug
    client.force_login(cast["users"]["anna"])
    for url in (
        reverse("employee_card", args=[cast["company"].pk, cast["people"]["carl"].pk]),  # not hers
        reverse("audit", args=[cast["company"].pk]),
        reverse("period", args=[cast["company"].pk, 999999]),
    ):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        body = response.content.decode()
        assert response.status_code == 404
        assert 'data-testid="error-404"' in body and title in body, (url, debug)
        assert "Traceback" not in body and "URLconf" not in body
        assert reverse("home") in body  # the header and a way back


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_address_is_motivas_404(client, settings, debug):
    settings.DEBUG = debug
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ru")
    body = response.content.decode()
    assert response.status_code == 404 and "Страница не найдена" in body
    assert "URLconf" not in body and "urlpatterns" not in body  # not Django's list of the site's URLs


def test_an_unknown_api_address_stays_the_apis_json_answer(client, settings):
    settings.DEBUG = True
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert 'data-testid="error-404"' not in response.content.decode()


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(("language", "title"), [("ru", "Доступ запрещён"), ("en", "Access denied")])
def test_a_403_is_motivas_own(client, cast, settings, failing_site, debug, language, title):
    settings.DEBUG = debug
    client.force_login(cast["users"]["anna"])
    response = client.get("/test-refuse/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    assert 'data-testid="error-403"' in response.content.decode() and title in response.content.decode()


@pytest.mark.parametrize(
    ("language", "title"), [("ru", "Что-то пошло не так"), ("en", "Something went wrong")]
)
@pytest.mark.parametrize("debug", [False, True])
def test_a_500_is_motivas_own(cast, settings, failing_site, language, title, debug, caplog):
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    client.force_login(cast["users"]["anna"])
    response = client.get("/test-boom/", HTTP_ACCEPT_LANGUAGE=language)
    body = response.content.decode()
    assert response.status_code == 500
    assert 'data-testid="error-500"' in body and title in body and "deliberate" not in body
    assert "deliberate" in caplog.text  # the traceback is in the server's log, not on the page


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(("language", "title"), [("ru", "Форма устарела"), ("en", "The form has expired")])
def test_a_refused_form_is_motivas_page(cast, settings, debug, language, title):
    settings.DEBUG = debug
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast["users"]["hr"])
    response = client.post(
        reverse("period_move", args=[cast["company"].pk, cast["period"].pk]),
        {"to": "review"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    body = response.content.decode()
    assert response.status_code == 403
    assert 'data-testid="error-csrf"' in body and title in body
    cast["period"].refresh_from_db()
    assert cast["period"].status == "calculated"  # nothing changed


def test_the_admin_link_only_for_superusers_who_can_use_the_admin(client, cast, django_user_model):
    hr = cast["users"]["hr"]
    hr.is_staff = True  # staff without the admin's permissions: the admin would refuse them
    hr.save()
    admin_url = reverse("admin:index")
    client.force_login(hr)
    assert f'href="{admin_url}"' not in client.get(reverse("home")).content.decode()
    client.force_login(cast["users"]["admin"])
    assert f'href="{admin_url}"' in client.get(reverse("home")).content.decode()
    inactive = django_user_model.objects.create_superuser(username="root2", password="x-Secret-123")
    inactive.is_staff = False
    inactive.save()
    client.force_login(inactive)
    assert f'href="{admin_url}"' not in client.get(reverse("home")).content.decode()


def test_the_header_folds_its_sections_behind_a_menu_button(client, cast):
    client.force_login(cast["users"]["hr"])
    body = client.get(reverse("home")).content.decode()
    header = body[body.index('<header class="topbar"') : body.index("</header>")]
    assert 'class="menu-toggle' in header and 'id="menu"' in header and 'role="search"' in header
