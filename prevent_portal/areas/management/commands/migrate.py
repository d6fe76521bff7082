"""``migrate`` acts for every area: data migrations must see, and may move, every area's rows
(the row-level security policies apply to the owner too: ADR 0011). Its own system checks
before migrating do not ask for the wall: migrate is what puts it up (post_migrate), on a new
database and after an upgrade that adds an area-owned table; ``check --database`` after
migrate does."""

from django.core.management.commands.migrate import Command as MigrateCommand

from prevent_portal.areas import rls


class Command(MigrateCommand):
    def execute(self, *args, **options):
        # execute, not handle: Django 5.2 runs migrate's system checks in execute.
        with rls.acting_for(rls.ALL), rls.migrating():
            return super().execute(*args, **options)
