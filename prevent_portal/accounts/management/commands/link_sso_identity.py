"""python manage.py link_sso_identity USERNAME --tenant TID --oid OID."""

import re

from django.core.management.base import CommandError

from prevent_portal.accounts.models import ExternalIdentity, User
from prevent_portal.accounts.services import external_identity_link
from prevent_portal.areas.commands import ALL, AreaCommand
from prevent_portal.audit.context import acting_as

GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _guid(value: str) -> str:
    if not GUID.fullmatch(value.strip()):
        raise CommandError(f"'{value}' is not a GUID like 00000000-0000-0000-0000-000000000000")
    return value.strip().lower()


class Command(AreaCommand):
    acts_for = ALL  # ADR 0011: a command over every council area
    help = (
        "Link a council Microsoft Entra ID identity (tenant id and object id, from Entra's "
        "user page) to an account, so that it can use 'Sign in with your council account'. "
        "Replaces the account's earlier link. Never matched by e-mail."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--tenant", required=True, type=_guid, help="Directory (tenant) ID")
        parser.add_argument("--oid", required=True, type=_guid, help="Object ID of the user")

    def handle(self, *args, username, tenant, oid, **options):
        user = User.objects.filter(username=username, is_service_account=False).first()
        if user is None:
            raise CommandError(f"There is no account with the username {username}")
        taken = ExternalIdentity.objects.filter(tenant_id=tenant, object_id=oid).exclude(user=user)
        if taken.exists():
            raise CommandError("That identity is already linked to another account")
        with acting_as() as system:
            external_identity_link(user=user, tenant_id=tenant, object_id=oid, acting_user=system)
        self.stdout.write(f"{username} can now sign in with their council account")
