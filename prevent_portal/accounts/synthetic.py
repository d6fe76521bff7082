"""Synthetic agencies, users and memberships (issue 8): ``generate_synthetic``'s first part.

On top of the demo council (``seed_demo``, run first), enough fictional agencies and users to
reach the scale's totals. Every agency gets the group that receives what is shared with it,
and every user the groups ``user_groups_sync`` would give them (their role groups, and their
agency's group for a case role), written in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from prevent_portal.accounts import access
from prevent_portal.accounts.models import AGENCY_CASE_ROLES, Agency, Membership, Role, Sector, User
from prevent_portal.core import synthetic
from prevent_portal.core.synthetic import names
from prevent_portal.core.synthetic.bulk import allocate_ids, insert

# Share of agencies by sector, and the kinds of organisation in each (fictional places).
SECTOR_AGENCIES = {
    "education": (0.40, ["Primary School", "Academy", "College", "High School"]),
    "health": (0.12, ["NHS Trust", "Health Centre", "Integrated Care Board"]),
    "local-authority": (0.10, ["Council Children's Services", "Council Adult Services"]),
    "police": (0.06, ["Police Division", "Police Safeguarding Hub"]),
    "community": (0.14, ["Community Trust", "Youth Project", "Faith Forum"]),
    "prisons": (0.03, ["Prison"]),
    "probation": (0.05, ["Probation Delivery Unit"]),
    "other": (0.10, ["Housing Association", "Job Centre", "Charity"]),
}
CORE_SHARE = 0.05  # agencies that sit on a Channel Panel
# Council-wide roles at scale 1 (on the demo council); the rest are partner staff.
COUNCIL_ROLES = {Role.COORDINATOR: 10, Role.PANEL_CHAIR: 20, Role.MANAGER: 20, Role.SYSADMIN: 5}


def _agencies(ctx, rng) -> None:
    sectors = {s.code: s for s in Sector.objects.all()}
    wanted = ctx.size("agencies") - Agency.objects.count()
    if wanted <= 0:
        return
    taken = set(Agency.objects.values_list("name", flat=True))
    codes = list(SECTOR_AGENCIES)
    weights = [SECTOR_AGENCIES[c][0] for c in codes]
    group_ids = allocate_ids(Group, wanted)
    rows, groups = [], []
    for i, group_id in enumerate(group_ids):
        code = rng.choices(codes, weights)[0]
        name = f"{names.place_name(rng)} {rng.choice(SECTOR_AGENCIES[code][1])}"
        while name in taken:
            name = f"{names.place_name(rng)} {rng.choice(SECTOR_AGENCIES[code][1])}"
        taken.add(name)
        short_code = f"syn-{group_id}-{i}"
        groups.append(Group(pk=group_id, name=f"agency:{short_code}"))
        rows.append(
            Agency(
                name=name,
                short_code=short_code,
                sector=sectors[code],
                is_core_panel_member=rng.random() < CORE_SHARE,
                group_id=group_id,
            )
        )
    insert(ctx, Group, groups)
    insert(ctx, Agency, rows)


def _users(ctx, rng) -> None:
    wanted = ctx.size("users") - User.objects.filter(is_service_account=False).count()
    if wanted <= 0:
        return
    council = Agency.objects.get(short_code="council")
    partners = list(Agency.objects.exclude(pk=council.pk).values_list("pk", "is_core_panel_member"))
    # Council roles first, then one SPOC per agency and two panel members per core agency,
    # then referrers spread unevenly (a few agencies refer a lot).
    plan: list[tuple[int, str]] = []
    for role, at_one in COUNCIL_ROLES.items():
        plan += [(council.pk, role)] * max(1, round(at_one * ctx.scale))
    plan += [(pk, Role.SPOC) for pk, _ in partners]
    plan += [(pk, Role.PANEL_MEMBER) for pk, core in partners if core for _ in range(2)]
    weights = [1 / (rank + 1) ** 0.6 for rank in range(len(partners))]
    while len(plan) < wanted:
        plan.append((rng.choices(partners, weights)[0][0], Role.REFERRER))
    plan = plan[:wanted]

    password = make_password(None)  # unusable: synthetic accounts cannot sign in
    today = ctx.today
    user_ids = allocate_ids(User, len(plan))
    users, memberships = [], []
    for user_id, (agency_id, role) in zip(user_ids, plan, strict=True):
        joined = today - timedelta(days=rng.randint(30, 3650))
        seen = today - timedelta(days=rng.randint(0, 60))
        username = f"syn-{user_id}"
        users.append(
            User(
                pk=user_id,
                username=username,
                first_name=names.given_name(rng),
                last_name=names.family_name(rng),
                email=f"{username}@synthetic.invalid",
                password=password,
                is_staff=role == Role.SYSADMIN,
                date_joined=timezone.make_aware(datetime.combine(joined, time(9))),
                last_login=timezone.make_aware(datetime.combine(seen, time(10))),
            )
        )
        # Made by the system, as the seeding is: approved (prevent_portal/accounts/approvals.py).
        memberships.append(
            Membership(
                user_id=user_id,
                agency_id=agency_id,
                role=role,
                status=Membership.Status.APPROVED,
            )
        )
    insert(ctx, User, users)
    insert(ctx, Membership, memberships)

    role_groups = {
        role: Group.objects.get_or_create(name=access.role_group_name(role))[0].pk
        for role in Role.values
    }
    agency_groups = dict(Agency.objects.values_list("pk", "group_id"))
    through = User.groups.through
    links = []
    for user_id, (agency_id, role) in zip(user_ids, plan, strict=True):
        links.append(through(user_id=user_id, group_id=role_groups[role]))
        if role in AGENCY_CASE_ROLES:
            links.append(through(user_id=user_id, group_id=agency_groups[agency_id]))
    insert(ctx, through, links, label="accounts.User_groups")


def _directory(ctx) -> None:
    """Who is who, for the generators after this one (ids only, to stay small)."""
    by_role: dict[str, list[int]] = defaultdict(list)
    by_agency_role: dict[tuple[int, str], list[int]] = defaultdict(list)
    for user_id, agency_id, role in Membership.objects.active().values_list(
        "user_id", "agency_id", "role"
    ):
        by_role[role].append(user_id)
        by_agency_role[(agency_id, role)].append(user_id)
    ctx.objects["users_by_role"] = dict(by_role)
    ctx.objects["users_by_agency_role"] = dict(by_agency_role)
    agencies = list(Agency.objects.values_list("pk", "sector__code", "is_core_panel_member"))
    by_sector: dict[str, list[int]] = defaultdict(list)
    for pk, sector, _ in agencies:
        by_sector[sector].append(pk)
    ctx.objects["agencies_by_sector"] = dict(by_sector)
    ctx.objects["agency_sector"] = dict(Agency.objects.values_list("pk", "sector_id"))
    ctx.objects["core_agencies"] = [pk for pk, _, core in agencies if core]


def generate(ctx) -> None:
    rng = ctx.rng("accounts")
    _agencies(ctx, rng)
    _users(ctx, rng)
    _directory(ctx)


synthetic.register("accounts", generate, order=10)
