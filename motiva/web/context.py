"""The navigation each user sees: only the pages the access policy opens to them."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from motiva.core import access
from motiva.web import otp


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if otp.requires_second_factor(user) and not otp.is_verified(user):
        # Before the second factor every page but the code page is refused: show no sections to go to.
        return {"nav": {"organizations": [], "admin": False}}
    viewer = access.viewer_for(user)
    organizations = list(access.organizations(viewer).order_by("name"))
    current = None
    org_id = getattr(getattr(request, "resolver_match", None), "kwargs", {}).get("org")
    if org_id is not None:
        current = next((o for o in organizations if str(o.pk) == str(org_id)), None)
    if current is None and viewer.employee is not None:
        current = next((o for o in organizations if o.pk == viewer.employee.organization_id), None)
    if current is None and organizations:
        current = organizations[0]
    # The Django admin opens only to active staff superusers (HR and others are staff for historical
    # reasons but would meet "you have no permission").
    admin = bool(user.is_active and user.is_staff and user.is_superuser)
    if current is None:
        return {"nav": {"organizations": organizations, "admin": admin}}
    return {
        "nav": {
            "organizations": organizations,
            "admin": admin,
            "org": current,
            "my_card": viewer.employee is not None,
            "team": viewer.is_manager(current.pk),
            "company": viewer.reads_company(current.pk),
            "configure": access.can_configure(viewer, current.pk),
            "cards": access.can_edit_cards(viewer, current.pk),
            "audit": access.can_read_audit(viewer, current.pk),
            # changes awaiting a second person (motiva.dualcontrol): HR and administrators decide them
            "approvals": viewer.has(current.pk, "hr", "admin"),
        }
    }
