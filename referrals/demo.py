"""Fictional persons and referrals for the demo. Every name here is invented.

Includes a repeat referral (the same young person referred twice, the second time under a
slightly different spelling) so the earlier-referrals check has something to find, a
referral waiting past the triage target, and two information requests to partners: one
overdue, one due in a few days. Ages and dates count from the day the demo is seeded.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from prevent_portal.core.demo import DemoContext, born
from referrals.models import (
    Awareness,
    ConcernType,
    GatewayResult,
    NeedsFlag,
    Outcome,
    Person,
    PersonAlias,
    Referral,
    SignpostingService,
)
from referrals.services import (
    information_request_create,
    referral_gateway_record,
    referral_outcome_record,
    referral_record,
)

# (given, family, age today (years, months), gender, postcode, owning agency, referrer
#  username, days ago, concern types, needs flags, concern)
REFERRALS = [
    (
        "Kestrel",
        "Amberley",
        (14, 8),
        "male",
        "ZZ1 1AA",
        "oakfield-primary",
        "oakfield-primary-referrer",
        2,
        ["extreme-right-wing"],
        [],
        "Pupil sharing violent extremist videos with classmates.",
    ),
    (
        "Orrin",
        "Blackwood",
        (32, 5),
        "male",
        "ZZ2 4BD",
        "beh-mht",
        "beh-mht-referrer",
        9,
        ["islamist"],
        ["diagnosed-mental-illness", "known-to-mental-health-services"],
        "Patient expressing support for a proscribed group during therapy sessions.",
    ),
    (
        "Tamsin",
        "Coldharbour",
        (16, 11),
        "female",
        "ZZ3 9CE",
        "mash-children",
        "mash-children-referrer",
        12,
        ["extreme-right-wing"],
        ["autism"],
        "Online contact with an adult promoting extreme right-wing material.",
    ),
    (
        "Felix",
        "Dunmore",
        (38, 10),
        "male",
        "ZZ4 2DF",
        "nps",
        "nps-referrer",
        20,
        ["incel"],
        ["mental-health-concern"],
        "Probation client making threats linked to an incel ideology.",
    ),
    (
        "Wren",
        "Eastcote",
        (25, 6),
        "not_known",
        "ZZ5 6EG",
        "barnet-homes",
        "barnet-homes-referrer",
        1,
        ["conflicted"],
        [],
        "Tenant displaying extremist flags; neighbours concerned.",
    ),
    (
        "Jory",
        "Fenwick",
        (17, 4),
        "male",
        "ZZ6 3FH",
        "hollins-academy",
        "hollins-academy-referrer",
        400,
        ["school-massacre"],
        ["adhd"],
        "Student researching past school attacks and naming classmates.",
    ),
    # The same young person again, a year later, spelt differently by another agency.
    (
        "Jorey",
        "Fenwicke",
        (17, 4),
        "male",
        "ZZ6 3FH",
        "mash-children",
        "mash-children-referrer",
        3,
        ["school-massacre"],
        ["adhd", "mental-health-concern"],
        "Concerns raised again by children's services after an online post.",
    ),
]


def seed(ctx: DemoContext) -> None:
    if Referral.objects.exists():
        return
    agencies = ctx.objects["agencies"]
    users = ctx.objects["users"]
    today = ctx.today
    concern_types = {c.code: c for c in ConcernType.objects.all()}
    flags = {f.code: f for f in NeedsFlag.objects.all()}
    for row in REFERRALS:
        given, family, age, gender, postcode, agency, referrer, days_ago, types, needs, text = row
        person = Person.objects.create(
            given_name=given,
            family_name=family,
            # A birthday a few days ago; the repeat referral (same postcode) has the same one.
            date_of_birth=born(today, *age, days=ord(postcode[-1]) % 7),
            gender=gender,
            postcode=postcode,
        )
        if given == "Felix":
            PersonAlias.objects.create(person=person, given_name="Flick", family_name="Dunmore")
        referral = referral_record(
            person=person,
            owning_agency=agencies[agency],
            referring_sector=agencies[agency].sector,
            received_on=today - timedelta(days=days_ago),
            concern_summary=text,
            referrer=users[referrer],
            concern_types=[concern_types[c] for c in types],
            needs_flags=[flags[f] for f in needs],
            person_awareness=Awareness.AWARE if days_ago % 2 else Awareness.NOT_KNOWN,
            acting_user=None,
        )
        if days_ago > 365:  # last year's referral was triaged and signposted
            # Through the services, as the Coordinator would: the lifecycle's rules hold.
            referral = referral_gateway_record(
                referral=referral,
                gateway_outcome=GatewayResult.CLEARED,
                checked_on=referral.received_on + timedelta(days=2),
                expected_version=referral.version,
                acting_user=users["coordinator"],
            )
            referral_outcome_record(
                referral=referral,
                outcome=Outcome.objects.get(code=Outcome.SIGNPOSTED),
                signposted_to=SignpostingService.objects.get(code="childrens-social-care"),
                reason="Early help offered through children's social care.",
                decided_on=referral.received_on + timedelta(days=6),
                expected_version=referral.version,
                acting_user=users["coordinator"],
            )
    _information_requests(ctx)


# (given name of the referral's person, agency asked, asked (days from today), due (days from
#  today), question)
INFORMATION_REQUESTS = [
    (
        "Tamsin",
        "so15",
        -10,
        -3,
        "Is there anything known about the adult she is in contact with online?",
    ),
    (
        "Kestrel",
        "mash-children",
        -1,
        3,
        "Is the family known to children's social care, and is there an allocated worker?",
    ),
]


def _information_requests(ctx: DemoContext) -> None:
    """The Coordinator asks partners what they know: one request is overdue, one due soon.
    Asked through the service, which takes a due date only from today on; the overdue one
    is then moved back to the dates it was asked and due (an audited save), as it would
    stand had it been asked ten days ago."""
    coordinator = ctx.objects["users"]["coordinator"]
    for given, agency, asked, due, question in INFORMATION_REQUESTS:
        referral = Referral.objects.get(person__given_name=given)
        request = information_request_create(
            referral=referral,
            agency=ctx.objects["agencies"][agency],
            question=question,
            due_on=max(ctx.day(due), ctx.today),
            acting_user=coordinator,
        )
        if due < 0:
            request.due_on = ctx.day(due)
            request.requested_at = timezone.make_aware(datetime.combine(ctx.day(asked), time(10)))
            request.save(update_fields=["due_on", "requested_at"])


# --- A second, smaller council (issue 18) -------------------------------------------------
# It shares the mental health trust and the police Channel team with the first: their SPOCs
# see their agency's cases in both areas, each named with its area; the second council's
# Coordinator sees only its own. Every name is invented.
SECOND_AREA = ("Eastfield", "eastfield")
SECOND_COUNCIL = ("eastfield-council", "Eastfield District Council Prevent team")
SHARED_PARTNERS = ("beh-mht", "so15")
SECOND_ACCOUNTS = [
    ("eastfield-coordinator", "coordinator", "Ellis", "Marchbank"),
    ("eastfield-chair", "panel_chair", "Noor", "Castleton"),
]
REGIONAL_LEAD = ("regional-lead", "regional_lead")
# (given, family, age (years, months), gender, postcode, owning agency, days ago, concern)
SECOND_REFERRALS = [
    (
        "Tobin",
        "Harrowgate",
        (19, 2),
        "male",
        "ZZ8 2EA",
        "beh-mht",
        4,
        "Inpatient sharing extremist videos with other patients on the ward.",
    ),
    (
        "Maris",
        "Quillon",
        (15, 7),
        "female",
        "ZZ8 5EB",
        "so15",
        11,
        "Online contact with an adult encouraging travel abroad; reported by police.",
    ),
]


# (given, family, postcode, owning agency, days ago, concern): a person of the first area's
# demo who has moved to Eastfield and is referred there.
MOVED_HERE = (
    "Orrin",
    "Blackwood",
    "ZZ8 7EC",
    "beh-mht",
    1,
    "New patient, recently moved to Eastfield, expressing support for a proscribed group.",
)


# (given, family, age (years, months), gender, postcode, owning agency, days ago, concern,
#  summary): referred in Eastfield, then moved to the first council's area; Eastfield's
# Coordinator proposed a transfer and the first council's Coordinator accepted it.
TRANSFERRED_AWAY = (
    "Linnet",
    "Marrick",
    (23, 3),
    "female",
    "ZZ8 3ED",
    "beh-mht",
    9,
    "Outpatient sharing antisemitic conspiracy material in a peer support group.",
    "Moved to supported housing in the other borough last week; the mental health trust's "
    "care coordinator stays the same. No panel discussion yet; gateway check not started.",
)


def seed_second_area(ctx: DemoContext) -> None:
    """Eastfield: a second council area with its own Coordinator and chair, served also by
    the first council's mental health trust and police team, and two referrals of its own.
    Runs after every other seeder, so everything before it belongs to the first area."""
    from prevent_portal.accounts.demo import demo_account
    from prevent_portal.accounts.models import Agency, Sector
    from prevent_portal.accounts.services import agency_create
    from prevent_portal.areas.models import Area

    name, code = SECOND_AREA
    area, made = Area.objects.get_or_create(short_code=code, defaults={"name": name})
    agencies = ctx.objects["agencies"]
    council = Agency.objects.filter(short_code=SECOND_COUNCIL[0]).first() or agency_create(
        name=SECOND_COUNCIL[1],
        short_code=SECOND_COUNCIL[0],
        sector=Sector.objects.get(code="local-authority"),
        areas=[area],
    )
    for partner in SHARED_PARTNERS:
        agencies[partner].areas.add(area)
    # Every run lists the accounts (seed_demo prints them), made once.
    for username, role, first, last in SECOND_ACCOUNTS:
        demo_account(ctx, username, role, council, first, last)
    # The police team's regional lead: both areas' figures side by side, no record.
    demo_account(ctx, *REGIONAL_LEAD, agencies["so15"], "Blair", "Kestrel")
    if not made:
        return
    for given, family, age, gender, postcode, agency, days_ago, text in SECOND_REFERRALS:
        who = (given, family, born(ctx.today, *age), gender, postcode)
        _refer_in(ctx, area, who, agency, days_ago, text)
    # Someone known in the first area, referred again here after moving: Eastfield's
    # Coordinator sees "Known in <the first area>: contact their Coordinator" (issue 18).
    given, family, postcode, agency, days_ago, text = MOVED_HERE
    known = Person.objects.exclude(area=area).filter(given_name=given, family_name=family).first()
    if known is not None:
        who = (given, family, known.date_of_birth, known.gender, postcode)
        _refer_in(ctx, area, who, agency, days_ago, text)
    _transfer_away(ctx, area)


def _refer_in(ctx: DemoContext, area, who: tuple, agency: str, days_ago: int, text: str):
    """A referral in ``area`` of a new person ``who`` (given, family, date of birth, gender,
    postcode), made by ``agency``, received ``days_ago``."""
    given, family, date_of_birth, gender, postcode = who
    person = Person.objects.create(
        area=area,
        given_name=given,
        family_name=family,
        date_of_birth=date_of_birth,
        gender=gender,
        postcode=postcode,
    )
    owner = ctx.objects["agencies"][agency]
    return referral_record(
        person=person,
        owning_agency=owner,
        referring_sector=owner.sector,
        received_on=ctx.today - timedelta(days=days_ago),
        concern_summary=text,
        referrer=None,
        acting_user=None,
    )


def _transfer_away(ctx: DemoContext, eastfield) -> None:
    """An accepted transfer between the two councils, made through the services as the two
    Coordinators would: proposed by Eastfield's, accepted by the first council's. Once: a
    demo seeded again has its transfer already."""
    from prevent_portal.accounts.models import User
    from prevent_portal.areas.models import Area
    from referrals.models import AreaTransfer
    from referrals.services import transfer_accept, transfer_propose

    if AreaTransfer.objects.exists():
        return
    first = Area.objects.exclude(pk=eastfield.pk).order_by("pk").first()
    given, family, age, gender, postcode, agency, days_ago, text, summary = TRANSFERRED_AWAY
    who = (given, family, born(ctx.today, *age), gender, postcode)
    referral = _refer_in(ctx, eastfield, who, agency, days_ago, text)
    transfer = transfer_propose(
        referral=referral,
        kind=AreaTransfer.Kind.REFERRAL,
        to_area=first,
        summary=summary,
        acting_user=User.objects.get(username=SECOND_ACCOUNTS[0][0]),
    )
    transfer_accept(
        transfer=transfer,
        expected_version=transfer.version,
        acting_user=ctx.objects["users"]["coordinator"],
    )
