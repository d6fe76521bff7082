"""Synthetic agencies, users and memberships (issue 8): ``generate_synthetic``'s first part.

On top of the demo council (``seed_demo``, run first), enough fictional agencies and users to
reach the scale's totals. Every agency gets the group that receives what is shared with it,
and every user the groups ``user_groups_sync`` would give them (their role groups, and their
agency's group for a case role), written in bulk.

Council areas (issue 18): about 30 at scale 1 and 300 at scale 10 (``AREAS_AT_SCALE_1``),
counting the demo's two. Each synthetic area has its own council agency holding that area's
Coordinator, panel chair and manager; partner agencies serve their home area, health trusts
and probation units three neighbouring areas, and one police unit (counter-terrorism
policing) every area. The later generators file each record in an area its agency serves.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import Count
from django.utils import timezone

from prevent_portal.accounts import access
from prevent_portal.accounts.models import AGENCY_CASE_ROLES, Agency, Membership, Role, Sector, User
from prevent_portal.areas.models import Area, forget_sole_area
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
AREAS_AT_SCALE_1 = 30
MIN_AREAS = 4
# Each synthetic area's own council: one of each council role.
AREA_COUNCIL_ROLES = (Role.COORDINATOR, Role.PANEL_CHAIR, Role.MANAGER)
# Partners serving several areas: this many neighbouring areas, by sector.
SERVED_AREAS = {"health": 3, "probation": 3}


def _areas(ctx, rng) -> None:
    """Areas up to the scale's number, each with its council agency (serving it alone)."""
    # At least MIN_AREAS, so a small test run spreads its records too.
    wanted = max(MIN_AREAS, round(AREAS_AT_SCALE_1 * ctx.scale)) - Area.objects.count()
    if wanted > 0:
        taken = set(Area.objects.values_list("name", flat=True))
        areas = []
        for area_id in allocate_ids(Area, wanted):
            name = f"{names.place_name(rng)} Borough"
            while name in taken:
                name = f"{names.place_name(rng)} Borough"
            taken.add(name)
            areas.append(Area(pk=area_id, name=name, short_code=f"syn-area-{area_id}"))
        insert(ctx, Area, areas)
        forget_sole_area()  # bulk_create sends no post_save
        sector = Sector.objects.get(code="local-authority")
        group_ids = allocate_ids(Group, len(areas))
        groups, councils = [], []
        for area, group_id in zip(areas, group_ids, strict=True):
            short_code = f"syn-council-{area.pk}"
            groups.append(Group(pk=group_id, name=f"agency:{short_code}"))
            councils.append(
                Agency(
                    name=f"{area.name} Council",
                    short_code=short_code,
                    sector=sector,
                    is_core_panel_member=True,
                    group_id=group_id,
                )
            )
        insert(ctx, Group, groups)
        insert(ctx, Agency, councils)
        served = dict(Agency.objects.filter(group_id__in=group_ids).values_list("group_id", "pk"))
        through = Agency.areas.through
        insert(
            ctx,
            through,
            [
                through(agency_id=served[g], area_id=a.pk)
                for a, g in zip(areas, group_ids, strict=True)
            ],
            label="accounts.Agency_areas",
        )
        # Counter-terrorism policing serves every area: the first police unit (the demo's,
        # which serves both demo areas) serves the new ones too.
        police = Agency.objects.filter(sector__code="police").order_by("pk").first()
        if police is not None:
            insert(
                ctx,
                through,
                [through(agency_id=police.pk, area_id=a.pk) for a in areas],
                label="accounts.Agency_areas",
            )


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
    _partner_areas(ctx, [r.short_code for r in rows])


def _partner_areas(ctx, short_codes: list[str]) -> None:
    """Home area round the list; health and probation three neighbours; the first police
    unit every area."""
    area_ids = list(Area.objects.order_by("pk").values_list("pk", flat=True))
    through = Agency.areas.through
    links = []
    everywhere = Agency.objects.annotate(n=Count("areas")).filter(n__gte=len(area_ids)).exists()
    made = Agency.objects.filter(short_code__in=short_codes).order_by("pk")
    for i, (pk, sector) in enumerate(made.values_list("pk", "sector__code")):
        if sector == "police" and not everywhere:
            everywhere = True
            served = area_ids
        else:
            n = min(SERVED_AREAS.get(sector, 1), len(area_ids))
            served = [area_ids[(i + k) % len(area_ids)] for k in range(n)]
        links += [through(agency_id=pk, area_id=area) for area in served]
    insert(ctx, through, links, label="accounts.Agency_areas")


def _users(ctx, rng) -> None:
    wanted = ctx.size("users") - User.objects.filter(is_service_account=False).count()
    if wanted <= 0:
        return
    council = Agency.objects.get(short_code="council")
    area_councils = list(
        Agency.objects.filter(short_code__startswith="syn-council-").values_list("pk", flat=True)
    )
    partners = list(
        Agency.objects.exclude(pk__in=[council.pk, *area_councils]).values_list(
            "pk", "is_core_panel_member"
        )
    )
    # Council roles first (the demo council's, then each synthetic area's council's), then
    # one SPOC per agency and two panel members per core agency, then referrers spread
    # unevenly (a few agencies refer a lot).
    plan: list[tuple[int, str]] = []
    for role, at_one in COUNCIL_ROLES.items():
        plan += [(council.pk, role)] * max(1, round(at_one * ctx.scale))
    plan += [(pk, role) for pk in area_councils for role in AREA_COUNCIL_ROLES]
    plan += [(pk, Role.SPOC) for pk, _ in partners]
    plan += [(pk, Role.PANEL_MEMBER) for pk, core in partners if core for _ in range(2)]
    # One regional lead, at the partner serving the most areas (the police unit): the bench
    # measures the regional aggregate page as them.
    widest = (
        Agency.areas.through.objects.filter(agency_id__in=[pk for pk, _ in partners])
        .values("agency_id")
        .annotate(served=Count("area"))
        .order_by("-served", "agency_id")
        .first()
    )
    if widest:
        plan.append((widest["agency_id"], Role.REGIONAL_LEAD))
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
    # Bodies that have ended (a CCG that became an ICB) receive no synthetic referrals: the
    # services refuse new work for them, and the newest referrals would be theirs.
    agencies = list(
        Agency.objects.filter(ended_on__isnull=True).values_list(
            "pk", "sector__code", "is_core_panel_member"
        )
    )
    by_sector: dict[str, list[int]] = defaultdict(list)
    for pk, sector, _ in agencies:
        by_sector[sector].append(pk)
    ctx.objects["agencies_by_sector"] = dict(by_sector)
    ctx.objects["agency_sector"] = dict(Agency.objects.values_list("pk", "sector_id"))
    ctx.objects["core_agencies"] = [pk for pk, _, core in agencies if core]
    # Council areas: the areas each agency serves, the agencies serving each area, and the
    # users holding each council role there (a role is held in its agency's areas).
    agency_areas: dict[int, list[int]] = defaultdict(list)
    area_agencies: dict[int, list[int]] = defaultdict(list)
    for agency_id, area_id in Agency.areas.through.objects.order_by(
        "area_id", "agency_id"
    ).values_list("agency_id", "area_id"):
        agency_areas[agency_id].append(area_id)
        area_agencies[area_id].append(agency_id)
    area_role: dict[tuple[int, str], list[int]] = defaultdict(list)
    for (agency_id, role), users in by_agency_role.items():
        if role in (Role.COORDINATOR, Role.PANEL_CHAIR) and len(agency_areas[agency_id]) == 1:
            area_role[(agency_areas[agency_id][0], role)] += users
    ctx.objects["areas"] = list(Area.objects.order_by("pk").values_list("pk", flat=True))
    ctx.objects["agency_areas"] = dict(agency_areas)
    ctx.objects["area_agencies"] = dict(area_agencies)
    ctx.objects["area_users_by_role"] = dict(area_role)


def generate(ctx) -> None:
    rng = ctx.rng("accounts")
    _areas(ctx, rng)
    _agencies(ctx, rng)
    _users(ctx, rng)
    _directory(ctx)


synthetic.register("accounts", generate, order=10)
