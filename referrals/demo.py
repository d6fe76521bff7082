"""Fictional persons and referrals for the demo. Every name here is invented.

Includes a repeat referral (the same young person referred twice, the second time under a
slightly different spelling) so the earlier-referrals check has something to find.
"""

from datetime import date, timedelta

from django.utils import timezone

from prevent_portal.core.demo import DemoContext
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
from referrals.services import referral_gateway_record, referral_outcome_record, referral_record

# (given, family, date of birth, gender, postcode, owning agency, referrer username, days ago,
#  concern types, needs flags, concern)
REFERRALS = [
    (
        "Kestrel",
        "Amberley",
        date(2012, 3, 14),
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
        date(1994, 7, 2),
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
        date(2008, 11, 23),
        "female",
        "ZZ3 9CE",
        "mash-children",
        "mash-children-referrer",
        4,
        ["extreme-right-wing"],
        ["autism"],
        "Online contact with an adult promoting extreme right-wing material.",
    ),
    (
        "Felix",
        "Dunmore",
        date(1988, 1, 30),
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
        date(2001, 5, 17),
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
        date(2009, 8, 5),
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
        date(2009, 8, 5),
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
    today = timezone.localdate()
    concern_types = {c.code: c for c in ConcernType.objects.all()}
    flags = {f.code: f for f in NeedsFlag.objects.all()}
    for row in REFERRALS:
        given, family, dob, gender, postcode, agency, referrer, days_ago, types, needs, text = row
        person = Person.objects.create(
            given_name=given,
            family_name=family,
            date_of_birth=dob,
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
