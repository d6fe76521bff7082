from django.core.management.base import BaseCommand

from prevent_portal.audit.context import acting_as
from prevent_portal.outbox.services import outbox_send_pending


class Command(BaseCommand):
    help = "Send pending notifications from the outbox (the sweep the beat task runs)."

    def handle(self, *args, **options):
        with acting_as():
            result = outbox_send_pending()
        self.stdout.write(f"sent {result.sent}, failed {result.failed}")
