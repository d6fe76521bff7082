"""python manage.py training_compliance --format json|csv [--from YYYY-MM-DD --to YYYY-MM-DD]."""

import json

from django.core.management.base import CommandError

from prevent_portal.areas.commands import ALL, AreaCommand
from prevent_portal.core.commands import as_date, iso_date
from training.figures import export_returns, export_rows, rows_as_csv, rows_as_json
from training.models import ComplianceReturn


class Command(AreaCommand):
    acts_for = ALL  # ADR 0011: a command over every council area
    help = (
        "Print one row per training compliance return: agency, training_type, period_end, "
        "eligible, compliant, percent (compliant / eligible x 100, rounded half up), target "
        "and meets_target. --from and --to keep the quarters that end between them, both "
        "days included."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--from", dest="date_from", type=iso_date, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", type=iso_date, help="YYYY-MM-DD")

    def handle(self, *args, format, date_from, date_to, **options):
        returns = ComplianceReturn.objects.all()
        start, end = as_date(date_from), as_date(date_to)
        if start and end and start > end:
            raise CommandError("--from must not be after --to")
        if start:
            returns = returns.filter(period__end__gte=start)
        if end:
            returns = returns.filter(period__end__lte=end)
        rows = export_rows(export_returns(returns))
        if format == "csv":
            self.stdout.write(rows_as_csv(rows), ending="")
        else:
            self.stdout.write(json.dumps(rows_as_json(rows), indent=2, ensure_ascii=False))
