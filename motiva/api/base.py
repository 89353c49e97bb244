"""The API's base, and the pattern every endpoint follows.

- Routes: motiva/api/urls.py mounts /api/v1/ (namespace "api"): the example endpoints below plus
  motiva.api.endpoints.urls (helper G's endpoints). /api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI).
- Authentication (settings REST_FRAMEWORK): `Authorization: Bearer <token>` (motiva.api.tokens) or the
  site's session (with CSRF). Permission: IsAuthenticated. The rights are the user's own: take
  `viewer(request)` = motiva.core.access.viewer_for(request.user) and read through motiva.core.access
  (organizations(), employees(), results(), can_*()); an object the caller may not see is a 404.
- Errors: raise InvalidInput / ValidationError / Http404 — motiva.api.errors.handler writes
  {"errors": [{"code", "field", "ru", "en"}]} for every status; never build error JSON by hand.
- Lists: ApiList (below): paginated (PageNumber, ?page, ?page_size <= 500); `filters` and `ordering`
  list exactly the accepted query parameters; any other parameter -> 400 naming it.
- Schema: decorate with `documented(...)` so every operation lists its refusals (401/403/404/429...).
- Writes: bulk writes honour `Idempotency-Key` (motiva.api.endpoints.values).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from motiva.api import errors
from motiva.api.endpoints.common import (
    Paged,
    error_responses,
    filtered,
    refused,
    schema_parameters,
    viewer,
)
from motiva.api.endpoints.reads import ListEndpoint
from motiva.core import access
from motiva.core.errors import problem
from motiva.core.models import Organization

__all__ = ["ApiList", "Paged", "documented", "error_responses", "filtered", "refused", "viewer"]

ApiList = ListEndpoint


def documented(serializer: Any, *codes: int, many: bool = False, **kwargs: Any) -> Any:
    return extend_schema(responses={200: serializer(many=many), **error_responses(400, *codes)}, **kwargs)


class OrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


ORG_FILTERS: dict[str, tuple[str, str]] = {"name": ("text", "name__icontains")}
ORG_ORDERING = {"id": "pk", "name": "name"}


@extend_schema(
    responses={200: OrganizationSerializer(many=True), **error_responses(400)},
    parameters=schema_parameters(ORG_FILTERS, ORG_ORDERING),
    description="The organizations the caller belongs to.",
)
class OrganizationList(ListEndpoint):
    serializer_class = OrganizationSerializer
    filters, ordering, default_ordering = ORG_FILTERS, ORG_ORDERING, "id"

    def base(self) -> Any:
        return access.organizations(viewer(self.request))

    def rows(self, page: list[Organization]) -> list[dict[str, Any]]:
        return [{"id": o.pk, "name": o.name} for o in page]


@extend_schema(responses={200: OrganizationSerializer, **error_responses(400, 404)})
class OrganizationDetail(GenericAPIView):
    serializer_class = OrganizationSerializer

    def get(self, request: Request, pk: int, *args: Any, **kwargs: Any) -> Response:
        if request.query_params:
            return refused(_unknown(next(iter(request.query_params))))
        organization = access.organization_or_404(viewer(request), pk)
        return Response({"id": organization.pk, "name": organization.name})


@csrf_exempt  # nothing is done: a POST to a wrong address gets the 404, not a CSRF refusal
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """An address under /api/v1/ that is no endpoint: the structured 404 (whatever the method)."""
    return JsonResponse(
        {"errors": [errors.item("not_found")]}, status=404, json_dumps_params={"ensure_ascii": False}
    )


def _unknown(name: str) -> list[Any]:
    return [
        problem("unknown_parameter", name, f"Неизвестный параметр «{name}».", f"Unknown parameter «{name}».")
    ]
