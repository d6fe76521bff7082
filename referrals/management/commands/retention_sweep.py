"""python manage.py retention_sweep [--today YYYY-MM-DD]: the weekly retention sweep by hand."""

import json

from prevent_portal.areas.commands import ALL, AreaCommand
from prevent_portal.audit.context import acting_as
from prevent_portal.core.commands import add_today_argument, today_from
from referrals.services.retention import retention_sweep


class Command(AreaCommand):
    acts_for = ALL  # ADR 0011: a command over every council area
    help = (
        "Put every person whose records are past retention into the Coordinator's review "
        "queue (a second run queues nothing), and bring back legal holds whose review date "
        "has come. Prints the counts as JSON."
    )

    def add_arguments(self, parser):
        add_today_argument(parser)

    def handle(self, *args, today=None, **options):
        day = today_from(today)
        with acting_as() as system:
            result = retention_sweep(today=day, acting_user=system)
        self.stdout.write(
            json.dumps(
                {"today": day.isoformat(), "queued": result.queued, "requeued": result.requeued}
            )
        )
