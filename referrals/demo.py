"""Fictional persons and referrals for the demo. Every name here is invented."""

from datetime import date, timedelta

from django.utils import timezone

from prevent_portal.accounts.models import Sector
from prevent_portal.core.demo import DemoContext
from referrals.models import Person, Referral
from referrals.services import referral_record

# (given, family, date of birth, postcode, owning agency, referrer username, days ago, concern)
REFERRALS = [
    (
        "Kestrel",
        "Amberley",
        date(2009, 3, 14),
        "ZZ1 1AA",
        "oakfield-primary",
        "oakfield-primary-referrer",
        2,
        "Pupil sharing violent extremist videos with classmates.",
    ),
    (
        "Orrin",
        "Blackwood",
        date(1994, 7, 2),
        "ZZ2 4BD",
        "beh-mht",
        "beh-mht-referrer",
        9,
        "Patient expressing support for a proscribed group during therapy sessions.",
    ),
    (
        "Tamsin",
        "Coldharbour",
        date(2006, 11, 23),
        "ZZ3 9CE",
        "mash-children",
        "mash-children-referrer",
        4,
        "Online contact with an adult promoting extreme right-wing material.",
    ),
    (
        "Felix",
        "Dunmore",
        date(1988, 1, 30),
        "ZZ4 2DF",
        "nps",
        "nps-referrer",
        20,
        "Probation client making threats linked to an incel ideology.",
    ),
    (
        "Wren",
        "Eastcote",
        date(2001, 5, 17),
        "ZZ5 6EG",
        "barnet-homes",
        "barnet-homes-referrer",
        1,
        "Tenant displaying extremist flags; neighbours concerned.",
    ),
]


def seed(ctx: DemoContext) -> None:
    if Referral.objects.exists():
        return
    agencies = ctx.objects["agencies"]
    users = ctx.objects["users"]
    today = timezone.localdate()
    for given, family, dob, postcode, agency, referrer, days_ago, concern in REFERRALS:
        person = Person.objects.create(
            given_name=given, family_name=family, date_of_birth=dob, postcode=postcode
        )
        referral_record(
            person=person,
            owning_agency=agencies[agency],
            referring_sector=agencies[agency].sector or Sector.objects.first(),
            received_on=today - timedelta(days=days_ago),
            concern_summary=concern,
            referrer=users[referrer],
            acting_user=None,
        )
