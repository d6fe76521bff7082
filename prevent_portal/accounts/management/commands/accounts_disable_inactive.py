"""python manage.py accounts_disable_inactive [--today YYYY-MM-DD]."""

from django.conf import settings

from prevent_portal.accounts.services import users_disable_inactive
from prevent_portal.areas.commands import ALL, AreaCommand
from prevent_portal.audit.context import acting_as
from prevent_portal.core.commands import add_today_argument, today_from


class Command(AreaCommand):
    acts_for = ALL  # ADR 0011: a command over every council area
    help = (
        "Disable the accounts not used for ACCOUNT_INACTIVITY_DISABLE_DAYS days (the daily "
        "beat task does this too); their SPOCs are told by e-mail. Safe to run again."
    )

    def add_arguments(self, parser):
        add_today_argument(parser)

    def handle(self, *args, today=None, **options):
        day = today_from(today)
        with acting_as() as system:
            disabled = users_disable_inactive(today=day, acting_user=system)
        days = settings.ACCOUNT_INACTIVITY_DISABLE_DAYS
        self.stdout.write(f"{len(disabled)} account(s) unused for {days} days disabled")
        for user in disabled:
            self.stdout.write(f"  {user.username}")
