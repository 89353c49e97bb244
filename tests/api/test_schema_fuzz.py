"""Schemathesis fuzzing of the whole API from its own OpenAPI schema (/api/schema/): every operation is
called with generated input and the Bearer key of the cast's HR user, and every answer must be no 5xx,
have a documented status and content type, and match the documented schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from motiva.api.tokens import token_issue
from tests.otp_support import with_second_factor

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 15


def fuzz(operation, headers, mode) -> str | None:
    """The first failure of the operation's generated cases, as text; None when every case passes."""
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, FailureGroup) as error:
            if not failures:
                failures.append(f"{case.method} {case.formatted_path}: {error}")

    run()
    return failures[0] if failures else None


@pytest.fixture
def app():
    """The site's WSGI application, keeping the test's database connection open between requests (as
    Django's test client does: the handler closes "old" connections at each request's start and end)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def test_every_operation_answers_as_documented(cast, app):
    _token, secret = token_issue(actor=with_second_factor(cast["users"]["hr"]), name="fuzz")
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures = [
        failure
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        for operation in operations
        if (failure := fuzz(operation, headers, mode))
    ]
    assert not failures, "\n\n".join(failures)


# What the fuzzing found, pinned down -------------------------------------------------------------------
def test_a_page_that_is_not_in_the_list_is_a_400_naming_page(cast):
    _token, secret = token_issue(actor=with_second_factor(cast["users"]["hr"]), name="pages")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    for page in ("-3", "0", "abc", "999"):
        answer = client.get("/api/v1/organizations/", {"page": page})
        assert answer.status_code == 400, page
        [error] = answer.json()["errors"]
        assert (error["code"], error["field"]) == ("invalid_page", "page")
        assert page in error["ru"] and page in error["en"]
    assert client.get("/api/v1/organizations/", {"page": "1"}).status_code == 200


def test_an_address_under_the_api_that_is_no_endpoint_is_a_json_404(cast):
    _token, secret = token_issue(actor=with_second_factor(cast["users"]["hr"]), name="paths")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    for path in ("/api/v1/cards/-202/", "/api/v1/people/abc/", "/api/v1/nothing/"):
        for method in (client.get, client.post):
            answer = method(path)
            assert answer.status_code == 404, path
            assert answer["Content-Type"] == "application/json"
            assert answer.json()["errors"][0]["code"] == "not_found"
    assert client.get("/api/v1/cards/-202").status_code == 301  # first to the address with the slash
