"""python manage.py prevent_statistics --from D --to D --format json|csv [--suppress N]."""

import json
from datetime import date

from django.core.management.base import CommandError

from prevent_portal.areas.commands import ALL, AreaCommand
from prevent_portal.core.commands import iso_date
from referrals.statistics import referral_statistics, statistics_csv


class Command(AreaCommand):
    acts_for = ALL  # ADR 0011: a command over every council area
    help = (
        "Print the Home Office-style profile of referrals received in a period (inclusive), "
        "as JSON or CSV: the figures of the statistics page."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="date_from", type=iso_date, required=True, help="YYYY-MM-DD"
        )
        parser.add_argument("--to", dest="date_to", type=iso_date, required=True, help="YYYY-MM-DD")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument(
            "--suppress",
            type=int,
            default=0,
            metavar="N",
            help="replace counts below N (and their percentages) with null",
        )

    def figures(self, *, date_from: date, date_to: date, suppress: int) -> dict:
        """The figures to print (another period report overrides this alone)."""
        return referral_statistics(date_from=date_from, date_to=date_to, suppress=suppress)

    def handle(self, *args, date_from, date_to, format, suppress, **options):
        start, end = date_from, date_to
        if start > end:
            raise CommandError("--from must not be after --to")
        if suppress < 0:
            raise CommandError("--suppress must be 0 or more")
        figures = self.figures(date_from=start, date_to=end, suppress=suppress)
        if format == "csv":
            self.stdout.write(statistics_csv(figures), ending="")
        else:
            self.stdout.write(json.dumps(figures, indent=2, ensure_ascii=False))
