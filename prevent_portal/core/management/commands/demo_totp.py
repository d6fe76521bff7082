from django.conf import settings
from django.core.management.base import CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.areas.commands import ALL, AreaCommand


class Command(AreaCommand):
    acts_for = ALL  # ADR 0011: a command over every council area
    help = "Print the current security code of a demo account (demo and test only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if settings.IS_PRODUCTION:
            raise CommandError("demo_totp is not available in production")
        device = TOTPDevice.objects.filter(
            user__username=username, name="Demo authenticator", confirmed=True
        ).first()
        if device is None:
            raise CommandError(f"No demo authenticator for {username}")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        self.stdout.write(f"{code:0{device.digits}d}")
