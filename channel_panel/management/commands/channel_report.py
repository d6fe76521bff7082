"""python manage.py channel_report --from D --to D --format json|csv [--suppress N].

The options, checks and output of ``prevent_statistics``; only the figures differ."""

from datetime import date

from channel_panel.reports import channel_report
from referrals.management.commands.prevent_statistics import Command as StatisticsCommand


class Command(StatisticsCommand):
    help = (
        "Print the Channel Panel's figures for a period (inclusive) as JSON or CSV: meetings "
        "held, attendance per core agency, cases discussed, adopted and open, exits, "
        "ownership returned, re-referrals and mental health (--suppress hides small counts "
        "of cases). The figures of the report page."
    )

    def figures(self, *, date_from: date, date_to: date, suppress: int) -> dict:
        return channel_report(date_from=date_from, date_to=date_to, suppress=suppress)
