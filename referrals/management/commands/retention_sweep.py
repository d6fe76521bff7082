"""python manage.py retention_sweep [--today YYYY-MM-DD]: the weekly retention sweep by hand."""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from prevent_portal.audit.context import acting_as
from referrals.services.retention import retention_sweep


class Command(BaseCommand):
    help = (
        "Put every person whose records are past retention into the Coordinator's review "
        "queue (a second run queues nothing), and bring back legal holds whose review date "
        "has come. Prints the counts as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="YYYY-MM-DD (default: today)")

    def handle(self, *args, today=None, **options):
        try:
            day = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"'{today}' is not a date in the form YYYY-MM-DD") from exc
        with acting_as() as system:
            result = retention_sweep(today=day, acting_user=system)
        self.stdout.write(
            json.dumps(
                {"today": day.isoformat(), "queued": result.queued, "requeued": result.requeued}
            )
        )
