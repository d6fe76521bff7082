"""python manage.py accounts_disable_inactive [--today YYYY-MM-DD]."""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from prevent_portal.accounts.services import users_disable_inactive
from prevent_portal.audit.context import acting_as


class Command(BaseCommand):
    help = (
        "Disable the accounts not used for ACCOUNT_INACTIVITY_DISABLE_DAYS days (the daily "
        "beat task does this too); their SPOCs are told by e-mail. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to run for, YYYY-MM-DD (default: today)")

    def handle(self, *args, today=None, **options):
        try:
            day = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--today must be a date in the form YYYY-MM-DD: {today}") from exc
        with acting_as() as system:
            disabled = users_disable_inactive(today=day, acting_user=system)
        days = settings.ACCOUNT_INACTIVITY_DISABLE_DAYS
        self.stdout.write(f"{len(disabled)} account(s) unused for {days} days disabled")
        for user in disabled:
            self.stdout.write(f"  {user.username}")
