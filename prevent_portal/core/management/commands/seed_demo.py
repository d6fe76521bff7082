from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction

from prevent_portal.areas.commands import ALL, AreaCommand
from prevent_portal.audit.context import acting_as
from prevent_portal.core.demo import DEMO_PASSWORD, DemoContext, seeders


class Command(AreaCommand):
    acts_for = ALL  # ADR 0011: a command over every council area
    help = "Create (or bring up to date) a fictional council's demo data. Safe to run again."

    def handle(self, *args, **options):
        # The demo accounts share a published password: in production they would be a way in.
        if settings.IS_PRODUCTION:
            raise CommandError("seed_demo is not available in production")
        ctx = DemoContext(accounts=[], objects={})
        with acting_as(), transaction.atomic():
            for name, seeder in seeders():
                seeder(ctx)
                self.stdout.write(f"seeded {name}")
        self._print_accounts(ctx)

    def _print_accounts(self, ctx: DemoContext) -> None:
        rows = [("username", "role", "agency", "TOTP secret")]
        rows += [(a.username, a.role, a.agency, a.totp_secret) for a in ctx.accounts]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        self.stdout.write("")
        self.stdout.write("Demo accounts (fictional people):")
        for n, row in enumerate(rows):
            self.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
        self.stdout.write("")
        self.stdout.write(f"Every demo account's password: {DEMO_PASSWORD}")
        self.stdout.write(
            "Add the TOTP secret to an authenticator app, or print the current code with: "
            "python manage.py demo_totp USERNAME"
        )
