"""``migrate`` acts for every area: data migrations must see, and may move, every area's rows
(the row-level security policies apply to the owner too: ADR 0011)."""

from django.core.management.commands.migrate import Command as MigrateCommand

from prevent_portal.areas import rls


class Command(MigrateCommand):
    def handle(self, *args, **options):
        with rls.acting_for(rls.ALL):
            return super().handle(*args, **options)
