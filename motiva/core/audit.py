"""The audit trail: every service records what it changed in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models

from motiva.core.models import AuditAction, AuditEvent, Organization


def value_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return f"{value} (#{value.pk})"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        # 98.500000 from the database and 98.5 typed by a user are the same value
        return format(value.normalize(), "f")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, str]:
    return {name: value_text(getattr(obj, name)) for name in fields}


def _organization_of(obj: models.Model) -> Organization | None:
    if isinstance(obj, Organization):
        return obj
    org_id = getattr(obj, "organization_id", None)
    return Organization(pk=org_id) if org_id else None


def _entity(obj: models.Model) -> dict[str, Any]:
    return {
        "organization": _organization_of(obj),
        "entity_type": obj._meta.label,
        "entity_id": str(obj.pk),
        "entity_repr": str(obj)[:300],
    }


def record(
    *,
    actor: Any,
    obj: models.Model,
    action: str,
    before: Mapping[str, str] | None = None,
    after: Mapping[str, str] | None = None,
    reason: str = "",
    change_id: uuid.UUID | None = None,
) -> list[AuditEvent]:
    """Write one event per changed field (a create or delete writes every field given)."""
    change_id = change_id or uuid.uuid4()
    before = before or {}
    after = after or {}
    actor_user = actor if getattr(actor, "pk", None) else None
    names = list(dict.fromkeys([*before.keys(), *after.keys()]))
    events = [
        AuditEvent(
            actor=actor_user,
            change_id=change_id,
            action=action,
            field=name,
            old_value=before.get(name, ""),
            new_value=after.get(name, ""),
            reason=reason,
            **_entity(obj),
        )
        for name in names
        if before.get(name, "") != after.get(name, "") or action == AuditAction.DELETE
    ]
    if not events and action in (AuditAction.CREATE, AuditAction.DELETE, AuditAction.TRANSITION):
        events = [
            AuditEvent(actor=actor_user, change_id=change_id, action=action, reason=reason, **_entity(obj))
        ]
    return AuditEvent.objects.bulk_create(events)


def record_create_many(
    *, actor: Any, objs: Iterable[models.Model], fields: Iterable[str], reason: str = ""
) -> list[AuditEvent]:
    """`record_create` for many new objects at once, in one insert. The objects are one change (one
    use case, e.g. a template assigned to 50 people), so the audit log reads them as one entry."""
    actor_user = actor if getattr(actor, "pk", None) else None
    names = list(fields)
    events = []
    change_id = uuid.uuid4()
    for obj in objs:
        after = snapshot(obj, names)
        events += [
            AuditEvent(
                actor=actor_user,
                change_id=change_id,
                action=AuditAction.CREATE,
                field=name,
                old_value="",
                new_value=after[name],
                reason=reason,
                **_entity(obj),
            )
            for name in names
            if after[name] != ""
        ]
    return AuditEvent.objects.bulk_create(events, batch_size=2000)


def record_create(
    *, actor: Any, obj: models.Model, fields: Iterable[str], reason: str = ""
) -> list[AuditEvent]:
    return record(actor=actor, obj=obj, action=AuditAction.CREATE, after=snapshot(obj, fields), reason=reason)


def apply_changes(
    *, actor: Any, obj: models.Model, changes: Mapping[str, Any], reason: str = ""
) -> list[AuditEvent]:
    """Set the given fields, save those that changed and record them. Validation is the caller's job."""
    fields = list(changes)
    before = snapshot(obj, fields)
    for name, value in changes.items():
        setattr(obj, name, value)
    after = snapshot(obj, fields)
    changed = [name for name in fields if before[name] != after[name]]
    if not changed:
        return []
    update_fields = [obj._meta.get_field(name).attname for name in changed]  # type: ignore[union-attr]
    obj.save(update_fields=update_fields)
    return record(
        actor=actor,
        obj=obj,
        action=AuditAction.UPDATE,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
        reason=reason,
    )


def record_delete(
    *, actor: Any, obj: models.Model, fields: Iterable[str], reason: str = ""
) -> list[AuditEvent]:
    return record(
        actor=actor, obj=obj, action=AuditAction.DELETE, before=snapshot(obj, fields), reason=reason
    )
