"""Management commands declare the council areas they act for (ADR 0011).

Every command of this project subclasses ``AreaCommand`` and names ``acts_for``: ``ALL`` for
a sweep or report over every area (retention, reminders, imports that file each record in
its own area), or a method returning area ids. Undeclared, a command fails before it runs,
rather than finding no rows behind the row-level security wall and reporting nothing to do.
"""

from django.core.management.base import BaseCommand, CommandError

from prevent_portal.areas import rls
from prevent_portal.areas.rls import ALL

__all__ = ["ALL", "AreaCommand"]


class AreaCommand(BaseCommand):
    acts_for: str | None = None

    def execute(self, *args, **options):
        areas = self.acts_for
        if areas is None:
            raise CommandError(f"{type(self).__module__} does not declare the areas it acts for")
        with rls.acting_for(areas):
            return super().execute(*args, **options)
