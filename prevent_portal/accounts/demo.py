"""Demo agencies and accounts. Organisation names come from the seed papers; every person is
invented."""

from __future__ import annotations

import base64
import hashlib

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import services
from prevent_portal.accounts.models import Agency, Role, Sector, User
from prevent_portal.core.demo import DEMO_PASSWORD, DemoAccount, DemoContext

# (short code, name, sector code, core Channel Panel member)
AGENCIES = [
    ("council", "{council} Prevent team", "local-authority", False),
    ("so15", "Metropolitan Police SO15 Channel team", "police", True),
    ("mash-children", "MASH children", "local-authority", True),
    ("mash-adults", "MASH adults", "local-authority", True),
    ("ccg", "Barnet CCG", "health", True),
    ("beh-mht", "Barnet Enfield and Haringey Mental Health Trust", "health", True),
    ("royal-free", "Royal Free London NHS Foundation Trust", "health", False),
    ("clch", "Central London Community Healthcare NHS Trust", "health", False),
    ("nps", "National Probation Service", "probation", False),
    ("barnet-homes", "Barnet Homes", "local-authority", False),
    ("oakfield-primary", "Oakfield Primary School", "education", False),
    ("hollins-academy", "Hollins Park Academy", "education", False),
]

COUNCIL_ACCOUNTS = [
    ("coordinator", Role.COORDINATOR, "Morgan", "Ashdown"),
    ("chair", Role.PANEL_CHAIR, "Rowan", "Pelling"),
    ("manager", Role.MANAGER, "Jordan", "Fairweather"),
    ("sysadmin", Role.SYSADMIN, "Casey", "Brindle"),
]
PARTNER_ROLES = [
    ("spoc", Role.SPOC),
    ("panel", Role.PANEL_MEMBER),
    ("referrer", Role.REFERRER),
]
FIRST_NAMES = ["Avery", "Quinn", "Reese", "Sasha", "Tamsin", "Emery", "Harley", "Linden", "Marlowe"]
LAST_NAMES = [
    "Thornbury",
    "Wexcombe",
    "Kilbride",
    "Okonjo",
    "Varga",
    "Penhallow",
    "Ridley",
    "Stroud",
]


def totp_key(username: str) -> str:
    """A stable secret per demo account, so re-seeding keeps authenticator apps working."""
    return hashlib.sha256(f"prevent-portal-demo:{username}".encode()).hexdigest()[:40]


def totp_secret_b32(hex_key: str) -> str:
    return base64.b32encode(bytes.fromhex(hex_key)).decode().rstrip("=")


def _account(ctx: DemoContext, username, role, agency, first, last) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@demo.invalid",
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    key = totp_key(username)
    TOTPDevice.objects.update_or_create(
        user=user, name="Demo authenticator", defaults={"key": key, "confirmed": True}
    )
    services.membership_grant(user=user, agency=agency, role=role, acting_user=None)
    ctx.accounts.append(DemoAccount(username, Role(role).label, agency.name, totp_secret_b32(key)))
    return user


def seed(ctx: DemoContext) -> None:
    sectors = {s.code: s for s in Sector.objects.all()}
    agencies = {}
    for code, name, sector, core in AGENCIES:
        agency = Agency.objects.filter(short_code=code).first() or services.agency_create(
            name=name.format(council=settings.COUNCIL_NAME),
            short_code=code,
            sector=sectors[sector],
            is_core_panel_member=core,
        )
        agencies[code] = agency
    ctx.objects["agencies"] = agencies
    council = agencies["council"]
    users = {}
    for username, role, first, last in COUNCIL_ACCOUNTS:
        users[username] = _account(ctx, username, role, council, first, last)
    i = 0
    for code, _, _, core in AGENCIES[1:]:
        for suffix, role in PARTNER_ROLES:
            if role == Role.PANEL_MEMBER and not core:
                continue
            first = FIRST_NAMES[i % len(FIRST_NAMES)]
            last = LAST_NAMES[(i * 5 + 3) % len(LAST_NAMES)]
            i += 1
            users[f"{code}-{suffix}"] = _account(
                ctx, f"{code}-{suffix}", role, agencies[code], first, last
            )
    ctx.objects["users"] = users
