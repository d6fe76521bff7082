"""Rule 8 per agency: a role reaches records only in the areas its own agency serves
(review of issue 18, a role combination).

Rule 8 bounded every branch of ``visible_to`` by the union of the areas where the user
holds *any* role. A user with two memberships then carried one agency's reach into the other
agency's areas:

- a SPOC of agency B, which stopped serving the other area but still owns a referral, a
  training return and an agency grant there, who is also a referrer at a partner of that
  area (a seconded officer), saw all of them again;
- a referrer of agency B whose referral is now in the other area saw it on "Your referrals";
- the same SPOC saw the items and meeting actions agency B still owns in the other area's
  action plan and panel (these had no area bound at all);
- the chair of this area's panel, who is also a panel member of the other area, saw a
  referral of their old agenda that moved there (rule 6).

The wall is keyed by the same union, so it did not stop it either. Each is checked with the
wall off (the access module alone) and, on PostgreSQL, with the wall on.
"""

from __future__ import annotations

from datetime import date

import pytest
from guardian.shortcuts import assign_perm

from channel_panel.models import AgendaItem, MeetingAction
from governance.models import ActionItem
from governance.services import strategy_period_create
from prevent_portal.accounts import services as account_services
from prevent_portal.accounts.access import actions_for, area_ids_for
from prevent_portal.accounts.models import Role, User
from prevent_portal.areas import rls
from referrals.models import Person, Referral
from tests import factories
from tests.training.helpers import make_return
from training.models import ComplianceReturn

pytestmark = pytest.mark.django_db


def _fresh(user) -> User:
    """The user again, without the roles cached on the object."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def stale(world, two_areas):
    here, there = two_areas.here, two_areas.elsewhere
    elsewhere = there.area
    world.agency_a.areas.add(elsewhere)  # a partner serving both areas (the control)
    world.agency_b.areas.add(elsewhere)  # until it stops, below
    records = {
        "b_here": factories.referral(world.agency_b),
        "a_there": factories.referral(
            world.agency_a, person=factories.PersonFactory(area=elsewhere)
        ),
        "b_there": factories.referral(
            world.agency_b, person=factories.PersonFactory(area=elsewhere)
        ),
        "referred_there": factories.referral(
            world.agency_b,
            referrer=world.referrer_b,
            person=factories.PersonFactory(area=elsewhere),
        ),
        "theirs": factories.referral(there.council, person=factories.PersonFactory(area=elsewhere)),
        "chaired": factories.referral(world.council),
    }
    # A grant to agency B's group on the other area's referral, made while B served it.
    assign_perm("referrals.view_referral", world.agency_b.group, records["theirs"])
    b_return = make_return(world.agency_b, date(2018, 6, 30), 10, 9, area=elsewhere)
    # On the agenda of this area's panel, chaired by the world's chair; then the person moved.
    meeting = factories.meeting(world.chair)
    AgendaItem.objects.create(
        meeting=meeting, position=1, kind=AgendaItem.Kind.NEW, referral=records["chaired"]
    )
    Referral.objects.filter(pk=records["chaired"].pk).update(area=elsewhere)
    Person.objects.filter(pk=records["chaired"].person_id).update(area=elsewhere)
    records["chaired"].refresh_from_db()
    # Work owned by agencies in the other area's action plan and at its panel's meeting.
    period = strategy_period_create(
        data={
            "name": "Their strategy",
            "starts_on": date(2026, 1, 1),
            "ends_on": date(2028, 12, 31),
        },
        acting_user=None,
        area=elsewhere,
    )
    their_meeting = factories.meeting(there.chair)
    owned = {}
    for name, agency in (("b", world.agency_b), ("a", world.agency_a)):
        owned[f"item_{name}"] = factories.action_item(owner_agency=agency, period=period)
        owned[f"action_{name}"] = MeetingAction.objects.create(
            meeting=their_meeting,
            description="A fictional meeting action",
            owner_agency=agency,
            due_on=date(2026, 12, 31),
            created_by=there.chair,
        )
    world.agency_b.areas.remove(elsewhere)  # agency B no longer serves the other area
    # The role combinations: each also works in the other area, through another agency.
    for user, role in (
        (world.spoc_b, Role.REFERRER),
        (world.referrer_b, Role.REFERRER),
        (world.chair, Role.PANEL_MEMBER),
    ):
        account_services.membership_grant(
            user=user, agency=there.partner, role=role, acting_user=None
        )
    return here, elsewhere, records, b_return, owned


def _sight(world, records, b_return, owned) -> dict[str, set[str]]:
    """What each persona reaches of the records, by name."""
    names = {r.pk: name for name, r in records.items()}
    seen: dict[str, set[str]] = {}
    for persona in ("spoc_b", "referrer_b", "chair", "spoc_a"):
        user = _fresh(getattr(world, persona))
        got = {
            names[pk]
            for pk in Referral.objects.visible_to(user).values_list("pk", flat=True)
            if pk in names
        }
        got |= {
            f"referred:{names[r.pk]}" for r in Referral.objects.referred_by(user) if r.pk in names
        }
        got |= {f"act:{name}" for name, r in records.items() if actions_for(user, r)}
        if ComplianceReturn.objects.visible_to(user).filter(pk=b_return.pk).exists():
            got.add("b_return")
        items = set(ActionItem.objects.visible_to(user).values_list("pk", flat=True))
        actions = set(MeetingAction.objects.visible_to(user).values_list("pk", flat=True))
        mine = set(MeetingAction.objects.owned_by(user).values_list("pk", flat=True))
        for name, obj in owned.items():
            if obj.pk in (items if name.startswith("item") else actions | mine):
                got.add(name)
            if obj.is_owned_by(user):
                got.add(f"owns:{name}")
        seen[persona] = got
    return seen


EXPECTED = {
    # Agency B's referral of this area only: not what B owns where it no longer serves.
    # Nor the work B still owns in the other area's plan and panel.
    "spoc_b": {"b_here", "act:b_here"},
    # The referral they referred is in an area agency B does not serve: no longer theirs.
    "referrer_b": set(),
    # The chair's reach (rule 6) is in this area, where they chair: not the moved referral.
    # As a panel member there, they take part in the other area's meetings as a whole.
    "chair": {"action_a", "action_b"},
    # Control: agency A serves both areas, so its SPOC sees its referral in the other one.
    "spoc_a": {
        "a_there",
        "act:a_there",
        "item_a",
        "owns:item_a",
        "action_a",
        "owns:action_a",
    },
}


def test_a_role_reaches_only_the_areas_its_own_agency_serves(world, stale):
    here, elsewhere, records, b_return, owned = stale
    for persona in ("spoc_b", "referrer_b", "chair"):
        assert area_ids_for(_fresh(getattr(world, persona))) == {here.pk, elsewhere.pk}
    # Wall off: the access module alone (the test acts for every area, tests/conftest.py).
    assert _sight(world, records, b_return, owned) == EXPECTED


def test_the_same_with_the_wall_on(world, stale, wall_role):
    here, elsewhere, records, b_return, owned = stale
    with rls.acting_for({here.pk, elsewhere.pk}):
        assert _sight(world, records, b_return, owned) == EXPECTED
