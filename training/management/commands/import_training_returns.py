"""python manage.py import_training_returns FILE: import compliance returns (CSV or XLSX)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from prevent_portal.areas.commands import ALL, AreaCommand
from prevent_portal.areas.models import Area
from prevent_portal.audit.context import acting_as
from prevent_portal.core.tabular import ImportFileError
from training.imports import COLUMNS, read_returns_file
from training.services import compliance_returns_import


class Command(AreaCommand):
    acts_for = ALL  # ADR 0011: a command over every council area
    help = (
        f"Import agencies' training compliance returns from a CSV or XLSX file with the columns "
        f"{','.join(COLUMNS)}, all or nothing. Bad rows are listed with their line numbers "
        f"(the header is line 1) and nothing is imported; a row for a return already recorded "
        f"updates it."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to a .csv or .xlsx file")
        parser.add_argument(
            "--area",
            default="",
            help="the short code of the council area the returns are for (needed when the "
            "deployment serves several)",
        )

    def handle(self, *args, file, area="", **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        chosen = None
        if area:
            chosen = Area.objects.filter(short_code=area).first()
            if chosen is None:
                raise CommandError(f"No council area has the short code {area!r}")
        try:
            # Not in a web worker: the command's own, larger cap.
            rows = read_returns_file(
                path.name, path.read_bytes(), max_rows=settings.IMPORT_MAX_ROWS_COMMAND
            )
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        with acting_as() as actor:
            result = compliance_returns_import(rows=rows, acting_user=actor, area=chosen)
        if not result.ok:
            for message in result.messages():
                self.stderr.write(message)
            raise CommandError(result.failure())
        self.stdout.write(result.summary())
