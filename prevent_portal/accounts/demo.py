"""Demo agencies and accounts. Every organisation and person is invented: the seed papers'
bodies (a CCG, a mental health trust, an acute trust, a housing company) have fictional
names here, keeping the short codes the demo's other parts use."""

from __future__ import annotations

import base64
import hashlib
from datetime import date

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_portal.accounts import services
from prevent_portal.accounts.models import Agency, Role, Sector, User
from prevent_portal.core.demo import DEMO_PASSWORD, DemoAccount, DemoContext

# (short code, name, sector code, core Channel Panel member)
AGENCIES = [
    ("council", "{council} Prevent team", "local-authority", False),
    ("so15", "Regional Counter Terrorism Policing Channel team", "police", True),
    ("mash-children", "MASH children", "local-authority", True),
    ("mash-adults", "MASH adults", "local-authority", True),
    ("icb", "North Thameside ICB", "health", True),
    ("beh-mht", "Northmere and Eastfield Mental Health NHS Trust", "health", True),
    ("royal-free", "Northmere General Hospital NHS Foundation Trust", "health", False),
    ("clch", "Riverside Community Healthcare NHS Trust", "health", False),
    ("nps", "Probation Service, Northmere delivery unit", "probation", False),
    ("barnet-homes", "Northmere Homes", "local-authority", False),
    ("oakfield-primary", "Oakfield Primary School", "education", False),
    ("hollins-academy", "Hollins Park Academy", "education", False),
]
# Bodies that no longer exist, with no accounts: their past figures stay theirs. Clinical
# commissioning groups were abolished on 30 June 2022 and integrated care boards took over
# (Health and Care Act 2022). (short code, name, sector, last day, successor's short code)
ENDED_AGENCIES = [
    ("ccg", "Northmere CCG", "health", date(2022, 6, 30), "icb"),
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


def demo_account(ctx: DemoContext, username, role, agency, first, last) -> User:
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


def _agency(code: str, name: str, sector: Sector, core: bool) -> Agency:
    """The demo agency with this short code, made if missing; a demo seeded before its
    bodies had fictional names is renamed (the rename is audited)."""
    agency = Agency.objects.filter(short_code=code).first()
    if agency is None:
        return services.agency_create(
            name=name, short_code=code, sector=sector, is_core_panel_member=core
        )
    if agency.name != name:
        agency.name = name
        agency.save(update_fields=["name"])
    return agency


def seed(ctx: DemoContext) -> None:
    sectors = {s.code: s for s in Sector.objects.all()}
    agencies = {}
    for code, name, sector, core in AGENCIES:
        agencies[code] = _agency(
            code, name.format(council=settings.COUNCIL_NAME), sectors[sector], core
        )
    for code, name, sector, ended_on, successor in ENDED_AGENCIES:
        agency = _agency(code, name, sectors[sector], False)
        if agency.ended_on is None:
            services.agency_end(
                agency=agency, ended_on=ended_on, replaced_by=agencies[successor], acting_user=None
            )
        agencies[code] = agency
    ctx.objects["agencies"] = agencies
    council = agencies["council"]
    users = {}
    for username, role, first, last in COUNCIL_ACCOUNTS:
        users[username] = demo_account(ctx, username, role, council, first, last)
    i = 0
    for code, _, _, core in AGENCIES[1:]:
        for suffix, role in PARTNER_ROLES:
            if role == Role.PANEL_MEMBER and not core:
                continue
            first = FIRST_NAMES[i % len(FIRST_NAMES)]
            last = LAST_NAMES[(i * 5 + 3) % len(LAST_NAMES)]
            i += 1
            users[f"{code}-{suffix}"] = demo_account(
                ctx, f"{code}-{suffix}", role, agencies[code], first, last
            )
    ctx.objects["users"] = users
