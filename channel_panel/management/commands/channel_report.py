"""python manage.py channel_report --from D --to D --format json|csv [--suppress N]."""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from channel_panel.reports import channel_report
from referrals.statistics import statistics_csv


def _date(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{option} '{value}' is not a date in the form YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = (
        "Print the Channel Panel's figures for a period (inclusive) as JSON or CSV: meetings "
        "held, attendance per core agency, cases discussed, adopted and open, exits, "
        "ownership returned, re-referrals and mental health. The figures of the report page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument(
            "--suppress",
            type=int,
            default=0,
            metavar="N",
            help="replace counts of cases below N (and their percentages) with null",
        )

    def handle(self, *args, date_from, date_to, format, suppress, **options):
        start, end = _date("--from", date_from), _date("--to", date_to)
        if start > end:
            raise CommandError("--from must not be after --to")
        if suppress < 0:
            raise CommandError("--suppress must be 0 or more")
        figures = channel_report(date_from=start, date_to=end, suppress=suppress)
        if format == "csv":
            self.stdout.write(statistics_csv(figures), ending="")
        else:
            self.stdout.write(json.dumps(figures, indent=2, ensure_ascii=False))
