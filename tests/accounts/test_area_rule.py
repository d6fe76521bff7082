"""Rule 7 of the access module (issue 18): model-wide sight stays inside the council areas
where the role giving it is held; a partner serving two areas sees its cases in both."""

import pytest

from channel_panel.models import PanelMeeting
from prevent_portal.accounts import access
from prevent_portal.accounts.checks import area_scope_errors
from prevent_portal.accounts.models import Role
from prevent_portal.areas.models import Area
from referrals.models import Person, Referral, ReferralQuerySet
from tests import factories


@pytest.fixture
def second_area(world):
    area = Area.objects.create(name="Westbrook", short_code="westbrook")
    council = factories.AgencyFactory(name="Westbrook council", short_code="westbrook")
    council.areas.set([area])
    return area, council


def test_a_coordinator_sees_every_referral_of_their_area_and_none_of_another(world, second_area):
    area, council = second_area
    here = factories.referral(world.agency_a)
    other_coordinator = factories.member(Role.COORDINATOR, council, username="w-coord")
    person = factories.PersonFactory(area=area)
    there = factories.referral(world.agency_b, person=person)
    assert there.area == area

    assert set(Referral.objects.visible_to(world.coordinator)) == {here}
    assert set(Referral.objects.visible_to(other_coordinator)) == {there}
    assert set(Person.objects.visible_to(other_coordinator)) == {person}
    # No model-wide action reaches the other area's record either.
    assert access.actions_for(other_coordinator, here) == set()
    assert "triage" in access.actions_for(world.coordinator, here)


def test_a_partner_serving_two_areas_sees_its_cases_in_both(world, second_area):
    area, _ = second_area
    world.agency_a.areas.add(area)
    here = factories.referral(world.agency_a)
    there = factories.referral(world.agency_a, person=factories.PersonFactory(area=area))
    assert set(Referral.objects.visible_to(world.spoc_a)) == {here, there}
    assert set(Referral.objects.visible_to(world.spoc_b)) == set()


def test_panel_meetings_are_seen_within_the_panel_roles_areas(world, second_area):
    _, council = second_area
    meeting = factories.meeting(world.chair)
    other_chair = factories.member(Role.PANEL_CHAIR, council, username="w-chair")
    assert meeting in PanelMeeting.objects.visible_to(world.chair)
    assert meeting in PanelMeeting.objects.visible_to(world.panel_a)
    assert meeting not in PanelMeeting.objects.visible_to(other_chair)
    theirs = factories.meeting(other_chair)
    assert theirs.area.short_code == "westbrook"
    assert theirs not in PanelMeeting.objects.visible_to(world.coordinator)


def test_the_system_check_refuses_model_wide_sight_without_an_area(monkeypatch):
    assert area_scope_errors() == []
    monkeypatch.setattr(ReferralQuerySet, "area_field", "owning_agency")
    errors = area_scope_errors()
    assert [e.id for e in errors] == ["areas.E001"]
    assert "referrals.Referral" in errors[0].msg


def test_someone_working_in_two_areas_is_told_each_referrals_area(
    world, second_area, signed_in_client
):
    area, _ = second_area
    world.agency_a.areas.add(area)
    there = factories.referral(world.agency_a, person=factories.PersonFactory(area=area))
    client = signed_in_client(world.spoc_a)
    listing = client.get("/referrals/").content.decode()
    assert "Council area" in listing and "Westbrook" in listing
    assert "Westbrook" in client.get(f"/referrals/{there.pk}/").content.decode()
    # Someone in one area only is shown none.
    client = signed_in_client(world.coordinator)
    assert "Council area" not in client.get("/referrals/").content.decode()
