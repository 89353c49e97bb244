"""Files under MEDIA_ROOT/values that no value refers to, and temporary parts of interrupted writes.

A replaced or removed attachment is deleted after its commit and a failed upload removes its own file,
so in normal operation this finds nothing. What it can find: a file stored by a service whose *outer*
transaction was rolled back afterwards (Django has no rollback hook), or files left by a process killed
between writing and deleting. Lists them; with --delete removes those older than --older-than minutes
(default 60, so that a write in flight is never touched)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motiva.core.files import leftovers
from motiva.periods.models import IndicatorValue


class Command(BaseCommand):
    help = "List (or --delete) attachment files no value refers to and temporary parts of interrupted writes."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--delete", action="store_true", help="remove what is found")
        parser.add_argument("--older-than", type=int, default=60, metavar="MINUTES")

    def handle(self, *args: Any, **options: Any) -> None:
        minutes = options["older_than"]
        if minutes < 0:
            raise CommandError("--older-than: minutes, 0 or more")
        root = Path(settings.MEDIA_ROOT)
        referenced = set(IndicatorValue.objects.exclude(attachment="").values_list("attachment", flat=True))
        cutoff = time.time() - minutes * 60
        found = [
            p
            for p in leftovers(root, referenced, lambda p: p.stat().st_mtime <= cutoff)
            if p.relative_to(root).as_posix().startswith("values/")
        ]
        for path in found:
            self.stdout.write(path.relative_to(root).as_posix())
            if options["delete"]:
                path.unlink(missing_ok=True)
        verb = "deleted" if options["delete"] else "found"
        self.stdout.write(f"{len(found)} file(s) {verb}")
