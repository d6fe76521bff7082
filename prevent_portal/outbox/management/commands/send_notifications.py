from prevent_portal.areas.commands import ALL, AreaCommand
from prevent_portal.audit.context import acting_as
from prevent_portal.outbox.services import outbox_send_pending


class Command(AreaCommand):
    acts_for = ALL  # ADR 0011: a command over every council area
    help = "Send pending notifications from the outbox (the sweep the beat task runs)."

    def handle(self, *args, **options):
        with acting_as():
            result = outbox_send_pending()
        self.stdout.write(f"sent {result.sent}, failed {result.failed}")
