"""The audit trail: every service records what it changed in the same transaction as the change.

Every event is appended to a hash chain (`append`): it carries the SHA-256 of its canonical content
together with the hash of the event before it, and the chain's head row is locked while appending, so
writers queue instead of forking the chain. `verify` walks it (`manage.py audit_verify`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from motiva.core import request_context
from motiva.core.models import AuditAction, AuditChainHead, AuditEvent, Organization

# The fields an event's hash covers, in this order (besides the previous event's hash).
HASHED_FIELDS = (
    "organization_id",
    "actor_id",
    "at",
    "change_id",
    "action",
    "entity_type",
    "entity_id",
    "entity_repr",
    "field",
    "old_value",
    "new_value",
    "reason",
    "request_id",
    "ip",
    "user_agent",
)


def _canonical(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return str(value)


def event_hash(event: Any, prev_hash: str) -> str:
    """SHA-256 of the previous event's hash and this event's content (a JSON list, so no field can
    borrow characters from its neighbour)."""
    content = [prev_hash, *(_canonical(getattr(event, name)) for name in HASHED_FIELDS)]
    payload = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _created = AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def append(events: list[AuditEvent], batch_size: int | None = None) -> list[AuditEvent]:
    """Store new events at the end of the chain, with the current request's id, address and agent."""
    if not events:
        return []
    context = request_context.current()
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        previous = head.last_hash
        for event in events:
            if context is not None:
                event.request_id = context.request_id
                event.ip = context.ip
                event.user_agent = context.user_agent
            event.prev_hash = previous
            event.hash = previous = event_hash(event, previous)
        created = AuditEvent.objects.bulk_create(events, batch_size=batch_size)
        head.last_hash = previous
        head.last_id = created[-1].pk or head.last_id
        head.count += len(created)
        head.save(update_fields=["last_hash", "last_id", "count"])
    return created


@dataclass(frozen=True)
class BrokenLink:
    event_id: int | None
    at: dt.datetime | None
    what: str


@dataclass(frozen=True)
class ChainReport:
    count: int
    last_hash: str
    broken: BrokenLink | None


def _events_in_order(chunk: int = 2000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        page = list(AuditEvent.objects.filter(pk__gt=last).order_by("pk")[:chunk])
        if not page:
            return
        yield from page
        last = page[-1].pk


def verify() -> ChainReport:
    """Walk the chain from the first event; stop at the first link that does not hold."""
    previous, previous_id, count = "", None, 0
    for event in _events_in_order():
        if event.prev_hash != previous:
            where = f"event #{previous_id}" if previous_id else "the start of the chain"
            return ChainReport(
                count,
                previous,
                BrokenLink(
                    event.pk,
                    event.at,
                    f"its link to the previous event ({event.prev_hash[:16] or 'empty'}…) does not match "
                    f"{where} ({previous[:16] or 'empty'}…): an event before it was removed or changed",
                ),
            )
        computed = event_hash(event, previous)
        if computed != event.hash:
            return ChainReport(
                count,
                previous,
                BrokenLink(
                    event.pk,
                    event.at,
                    f"its content no longer matches its hash (stored {event.hash[:16] or 'empty'}…, "
                    f"computed {computed[:16]}…): the event was changed after it was written",
                ),
            )
        previous, previous_id, count = event.hash, event.pk, count + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    head_hash = head.last_hash if head is not None else ""
    if head_hash != previous:
        return ChainReport(
            count,
            previous,
            BrokenLink(
                head.last_id if head is not None else None,
                None,
                f"the chain's head names event #{head.last_id if head else '—'} "
                f"({head_hash[:16] or 'empty'}…) but the newest event is #{previous_id or '—'} "
                f"({previous[:16] or 'empty'}…): events at the end were removed",
            ),
        )
    return ChainReport(count, previous, None)


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
    return append(events)


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
    return append(events, batch_size=2000)


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


def record_denied(
    *, user: Any, method: str, path: str, denials: Iterable[tuple[str, str]]
) -> list[AuditEvent]:
    """Log refused accesses of a signed-in user: the address asked for (without its query) and the
    refusal's code, in the organization of the user. Never the object's name or data: the reader of the
    log learns who knocked on which door, not what is behind it."""
    from motiva.core.access import viewer_for  # the policy reads org structure: imported when used

    viewer = viewer_for(user)
    organization_id = (
        viewer.employee.organization_id if viewer.employee is not None else next(iter(viewer.roles), None)
    )
    change_id = uuid.uuid4()
    events = [
        AuditEvent(
            organization_id=organization_id,
            actor=user,
            change_id=change_id,
            action=AuditAction.DENIED,
            entity_type="access",
            entity_id="",
            entity_repr=f"{method} {path}"[:300],
            field=code[:80],
            new_value=field_name,
        )
        for code, field_name in dict.fromkeys(denials)
    ]
    return append(events)
