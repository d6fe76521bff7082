"""Create the load test's accounts in a seeded database (run after seed_demo).

Each simulated user signs in once with its own account (TOTP codes cannot be replayed), so
this makes one account per user: coordinators, panel members invited to a planned panel
meeting (which gives them its pack), agency SPOCs and managers. A fresh random password each
run. Writes var/loadtest/accounts.json for the locustfile. Not for production (refuses).

usage: python scripts/loadtest/setup_accounts.py USERS
"""

import json
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prevent_portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from channel_panel.models import PanelMeeting  # noqa: E402
from channel_panel.services.meetings import invitee_add  # noqa: E402
from prevent_portal.accounts import services  # noqa: E402
from prevent_portal.accounts.models import Membership, Role, User  # noqa: E402
from referrals.models import Referral  # noqa: E402
from training.models import ComplianceReturn  # noqa: E402

# The share of each role's journey among the simulated users (adds up to 1).
MIX = [("coordinator", 0.3), ("panel", 0.3), ("spoc", 0.2), ("manager", 0.2)]


def template(role: str) -> Membership:
    """Where the demo's own account for this role works."""
    role_value = {
        "coordinator": Role.COORDINATOR,
        "panel": Role.PANEL_MEMBER,
        "spoc": Role.SPOC,
        "manager": Role.MANAGER,
    }[role]
    memberships = Membership.objects.active().filter(role=role_value).select_related("agency")
    if role == "spoc":  # an agency with training returns to look at
        memberships = (
            memberships.filter(agency__in=ComplianceReturn.objects.values("agency")) or memberships
        )
    if role == "panel":
        memberships = memberships.filter(agency__is_core_panel_member=True)
    membership = memberships.order_by("pk").first()
    if membership is None:
        raise SystemExit(f"No demo account with the {role} role: run seed_demo first")
    return membership


def main(users: int) -> None:
    if settings.IS_PRODUCTION:
        raise SystemExit("The load test accounts are not for production")
    coordinator = template("coordinator").user
    meeting = (
        PanelMeeting.objects.filter(status=PanelMeeting.Status.PLANNED, items__isnull=False)
        .order_by("meets_on")
        .distinct()
        .first()
    )
    password = secrets.token_urlsafe(18)
    counts = {role: max(1, round(users * share)) for role, share in MIX}
    accounts = []
    for role, count in counts.items():
        membership = template(role)
        for n in range(1, count + 1):
            username = f"loadtest-{role}-{n:02d}"
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={"first_name": "Load", "last_name": f"Test {role} {n}"},
            )
            user.email = f"{username}@loadtest.invalid"
            user.is_active = True
            user.set_password(password)
            user.save()
            key = secrets.token_hex(20)
            TOTPDevice.objects.filter(user=user).delete()
            TOTPDevice.objects.create(user=user, name="Load test", key=key, confirmed=True)
            if not Membership.objects.active().filter(
                user=user, agency=membership.agency, role=membership.role
            ):
                services.membership_grant(
                    user=user, agency=membership.agency, role=membership.role, acting_user=None
                )
            if role == "panel" and meeting is not None:
                try:
                    invitee_add(
                        meeting=meeting,
                        user=user,
                        agency=membership.agency,
                        acting_user=coordinator,
                    )
                except ValueError as error:
                    raise SystemExit(f"Cannot invite {username}: {error}") from error
            accounts.append({"username": username, "key": key, "journey": role})
    targets = {
        "referrals": list(Referral.objects.order_by("-pk").values_list("pk", flat=True)[:40]),
        "meeting": meeting.pk if meeting else None,
        "cases": [
            pk for pk in (meeting.items.values_list("case_id", flat=True) if meeting else []) if pk
        ],
        "returns": list(
            ComplianceReturn.objects.filter(agency=template("spoc").agency).values_list(
                "pk", flat=True
            )[:20]
        ),
    }
    out = ROOT / "var" / "loadtest"
    out.mkdir(parents=True, exist_ok=True)
    (out / "accounts.json").write_text(
        json.dumps({"password": password, "accounts": accounts, "targets": targets}, indent=1)
    )
    print(
        f"{len(accounts)} load test accounts ready: {counts}; targets {len(targets['referrals'])}"
        f" referrals, meeting {targets['meeting']}, {len(targets['cases'])} cases,"
        f" {len(targets['returns'])} returns"
    )


if __name__ == "__main__":
    from prevent_portal.areas import rls

    with rls.acting_for(rls.ALL):  # accounts and targets in every area (ADR 0011)
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
