"""Issue 18: "a panel invitation or a share works as today, within one area".

Every way a record of one council area is opened to someone (a share of a referral or of a
case, the panel pack an invitation opens, the invitations a new meeting sends) refuses
someone who works only in another area: the one rule ``grants.works_in_area``, made in
``grants.object_share`` (every share) and ``channel_panel.services.invitee_add`` (every
invitation). The last test finds every place that could open a record another way.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from channel_panel import services as channel
from channel_panel.models import Invitee
from prevent_portal.accounts.grants import ShareRefused, object_share
from referrals.services import referral_share
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _share_referral_with_user(world, elsewhere):
    referral_share(
        referral=factories.referral(world.agency_a),
        to_user=elsewhere.spoc,
        reason="joint working",
        acting_user=world.coordinator,
    )


def _share_referral_with_agency(world, elsewhere):
    referral_share(
        referral=factories.referral(world.agency_a),
        to_agency=elsewhere.partner,
        reason="joint working",
        acting_user=world.coordinator,
    )


def _share_case_with_user(world, elsewhere):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    object_share(obj=case, to_user=elsewhere.spoc, reason="joint", acting_user=world.coordinator)


def _invite(world, elsewhere):
    meeting = factories.meeting(world.chair)
    channel.invitee_add(
        meeting=meeting, user=elsewhere.spoc, agency=elsewhere.partner, acting_user=world.chair
    )


ENTRY_POINTS = {
    "referral_share to a user": (_share_referral_with_user, ShareRefused),
    "referral_share to an agency": (_share_referral_with_agency, ShareRefused),
    "object_share of a case (pack grants too)": (_share_case_with_user, ShareRefused),
    "invitee_add": (_invite, ValueError),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_no_entry_point_reaches_another_area(world, two_areas, entry):
    attempt, refused = ENTRY_POINTS[entry]
    with pytest.raises(refused):
        attempt(world, two_areas.elsewhere)


def test_the_same_shares_within_the_area_work_as_today(world, two_areas):
    referral_share(
        referral=factories.referral(world.agency_a),
        to_user=world.spoc_b,
        reason="joint working",
        acting_user=world.coordinator,
    )
    meeting = factories.meeting(world.chair)
    channel.invitee_add(
        meeting=meeting, user=world.spoc_b, agency=world.agency_b, acting_user=world.chair
    )


def test_a_new_meeting_invites_no_core_agency_of_another_area(world, two_areas):
    elsewhere = two_areas.elsewhere
    for agency in (world.agency_a, elsewhere.partner):
        agency.is_core_panel_member = True
        agency.save()
    meeting = factories.meeting(world.chair)
    invited = set(Invitee.objects.filter(meeting=meeting).values_list("user", flat=True))
    assert world.panel_a.pk in invited
    assert elsewhere.panel_member.pk not in invited
    assert list(meeting.core_agencies.all()) == [world.agency_a]


def test_the_share_form_offers_and_accepts_only_this_areas_people(client, world, two_areas):
    elsewhere = two_areas.elsewhere
    referral = factories.referral(world.agency_a)
    sign_in(client, world.coordinator)
    url = reverse("referrals:share", args=[referral.pk])
    page = client.get(url).content.decode()
    assert world.agency_b.name in page
    assert elsewhere.partner.name not in page
    answer = client.post(
        url, {"share_with": "agency", "agency": elsewhere.partner.pk, "reason": "joint"}
    )
    assert "Choose an agency from the list" in answer.content.decode()
    assert "govuk-error-summary" in answer.content.decode()
    answer = client.post(
        url, {"share_with": "user", "username": elsewhere.spoc.username, "reason": "joint"}
    )
    assert "You cannot share with that username" in answer.content.decode()
    assert not referral.user_grants.exists() and not referral.group_grants.exists()


# Where a record could be opened to someone: guardian's assign_perm (a grant) and the making
# of an invitation. Each may appear only where the area rule is made.
OPENERS = {
    r"\bassign_perm\(": {"prevent_portal/accounts/grants.py"},
    r"Invitee\.objects\.(get_or_)?create\(": {"channel_panel/services/meetings.py"},
    r"\bobject_share\(": {
        "prevent_portal/accounts/grants.py",
        "referrals/services/sharing.py",
        "channel_panel/services/pack.py",
    },
}


def test_every_way_to_open_a_record_goes_through_the_area_rule():
    """A new call site of a grant or an invitation fails here until it is walked above."""
    found: dict[str, set[str]] = {pattern: set() for pattern in OPENERS}
    code = [p for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name != "tests"]
    for path in (f for package in code for f in package.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in OPENERS:
            if re.search(pattern, text):
                found[pattern].add(relative)
    assert found == OPENERS
