import json

from prevent_portal.areas.commands import ALL, AreaCommand
from prevent_portal.audit.context import acting_as
from prevent_portal.core.commands import add_today_argument, today_from
from prevent_portal.reminders.services import reminders_queue_due


class Command(AreaCommand):
    acts_for = ALL  # ADR 0011: a command over every council area
    help = (
        "Queue every reminder that falls due on a day (the sweep the daily beat task runs) "
        "and print them as JSON."
    )

    def add_arguments(self, parser):
        add_today_argument(parser)

    def handle(self, *args, today=None, **options):
        day = today_from(today)
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
