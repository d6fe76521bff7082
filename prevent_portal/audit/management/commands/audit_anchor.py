"""python manage.py audit_anchor: append the audit chain's signed head to the anchor file now,
as the worker does every 10 minutes (ADR 0010). Useful before and after maintenance.

Exit status 0 with the anchor printed (or "nothing new"); 1 when the previous anchor no
longer holds (nothing is written and the Coordinators are told); 2 on SQLite.
"""

from django.core.management.base import CommandError
from django.db import connection

from prevent_portal.areas.commands import ALL, AreaCommand
from prevent_portal.audit.anchors import anchor_last, anchor_problem, anchor_write
from prevent_portal.audit.context import acting_as


class Command(AreaCommand):
    acts_for = ALL  # ADR 0011: a command over every council area
    help = "Append the audit chain's signed head to AUDIT_ANCHOR_FILE now."

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The audit hash chain exists only on PostgreSQL.", returncode=2)
        with acting_as():
            anchor = anchor_write()
        if anchor:
            self.stdout.write(f"Anchored {anchor.seq}:{anchor.hash} at {anchor.at}")
            return
        previous = anchor_last()
        with connection.cursor() as cursor:
            problem = anchor_problem(cursor, previous) if previous else ""
        if problem:
            raise CommandError(f"Not anchored: {problem}", returncode=1)
        self.stdout.write("Nothing new to anchor.")
