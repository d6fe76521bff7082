import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from prevent_portal.audit.context import acting_as
from prevent_portal.reminders.services import reminders_queue_due


class Command(BaseCommand):
    help = (
        "Queue every reminder that falls due on a day (the sweep the daily beat task runs) "
        "and print them as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to run for, YYYY-MM-DD (default: today)")

    def handle(self, *args, today=None, **options):
        try:
            day = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--today must be a date in the form YYYY-MM-DD: {today}") from exc
        with acting_as():
            queued = reminders_queue_due(today=day)
        rows = [
            {
                "kind": r.kind,
                "subject": r.subject,
                "due": r.due.isoformat(),
                "recipient": r.recipient.username,
            }
            for r in queued
        ]
        self.stdout.write(json.dumps(rows, indent=2))
