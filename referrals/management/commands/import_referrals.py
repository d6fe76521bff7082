"""python manage.py import_referrals FILE: import historical referrals (CSV or XLSX)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from prevent_portal.areas.commands import ALL, AreaCommand
from prevent_portal.areas.models import Area
from prevent_portal.audit.context import acting_as
from referrals.services.imports import referrals_import


class Command(AreaCommand):
    acts_for = ALL  # ADR 0011: a command over every council area
    help = (
        "Import historical referrals from a CSV or XLSX file, all or nothing. Bad rows are "
        "listed with their line numbers and nothing is imported; references already "
        "recorded are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to a .csv or .xlsx file")
        parser.add_argument(
            "--area",
            default="",
            help="the short code of the council area the referrals belong to (needed when "
            "the deployment serves several)",
        )

    def handle(self, *args, file, area, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        chosen = None
        if area:
            chosen = Area.objects.filter(short_code=area).first()
            if chosen is None:
                raise CommandError(f"No council area has the short code {area!r}")
        with acting_as() as actor:
            # Not in a web worker: the command's own, larger cap.
            result = referrals_import(
                name=path.name,
                content=path.read_bytes(),
                acting_user=actor,
                max_rows=settings.IMPORT_MAX_ROWS_COMMAND,
                area=chosen,
            )
        if not result.ok:
            for message in result.messages():
                self.stderr.write(message)
            raise CommandError(result.failure())
        self.stdout.write(result.summary())
