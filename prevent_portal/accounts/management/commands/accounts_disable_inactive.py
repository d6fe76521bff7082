"""python manage.py accounts_disable_inactive [--today YYYY-MM-DD]."""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from prevent_portal.accounts.services import users_disable_inactive
from prevent_portal.audit.context import acting_as


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"'{value}' is not a date in the form YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = (
        "Disable the accounts not used for ACCOUNT_INACTIVITY_DISABLE_DAYS days (the daily "
        "beat task does this too); their SPOCs are told by e-mail. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", type=_date, default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, *args, today, **options):
        today = today or timezone.localdate()
        with acting_as() as system:
            disabled = users_disable_inactive(today=today, acting_user=system)
        days = settings.ACCOUNT_INACTIVITY_DISABLE_DAYS
        self.stdout.write(f"{len(disabled)} account(s) unused for {days} days disabled")
        for user in disabled:
            self.stdout.write(f"  {user.username}")
