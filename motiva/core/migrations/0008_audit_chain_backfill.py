"""Chains the events written before the hash chain existed (oldest first) and sets the chain's head.
Runs before the append-only trigger (0009) exists, the one time audit rows are updated."""

from django.db import migrations


def chain_existing(apps, schema_editor):
    from motiva.core.audit import event_hash

    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    db = schema_editor.connection.alias
    previous, last_id, count = "", 0, 0
    while True:
        page = list(AuditEvent.objects.using(db).filter(pk__gt=last_id).order_by("pk")[:2000])
        if not page:
            break
        for event in page:
            event.prev_hash = previous
            event.hash = previous = event_hash(event, previous)
        AuditEvent.objects.using(db).bulk_update(page, ["prev_hash", "hash"])
        last_id = page[-1].pk
        count += len(page)
    AuditChainHead.objects.using(db).update_or_create(
        pk=1, defaults={"last_hash": previous, "last_id": last_id, "count": count}
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0007_audit_context_and_hash_chain")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
